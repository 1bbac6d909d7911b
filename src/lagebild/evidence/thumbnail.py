"""Small JPEG pictures of stored photos and videos, made on request from the archive's files.

A photo is shrunk as people see it (EXIF orientation applied); a video is shown by one of its
keyframes, the one with the most detail. Nothing is written: the web app makes them on the fly.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from lagebild.errors import RefusedInput

#: The sides (pixels) a thumbnail may have: for lists, and for an item's own page.
SIDES = (160, 480)


class ThumbnailError(RefusedInput):
    """A stored file that is missing or cannot be shown; names the file."""


def thumbnail(path: Path, kind: str, side: int, seconds: float = 0.0) -> bytes:
    """A JPEG at most ``side`` pixels wide and high of a photo, or of a video's frame at (or just
    after) ``seconds``."""
    if side not in SIDES:
        raise ValueError(f"a thumbnail is {' or '.join(map(str, SIDES))} pixels, not {side}")
    if not path.is_file():
        raise ThumbnailError(f"{path.name}: the stored file is missing")
    picture = _video_frame(path, seconds) if kind == "video" else _photo(path)
    picture.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=82)
    return out.getvalue()


def _photo(path: Path) -> Image.Image:
    try:
        with Image.open(path) as image:
            image.load()
            return ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise ThumbnailError(f"{path.name}: the stored photo cannot be read ({exc})") from exc


def _video_frame(path: Path, seconds: float) -> Image.Image:
    import av

    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            base = stream.time_base
            start = float(stream.start_time * base) if stream.start_time and base else 0.0
            if seconds > 0 and base is not None:
                container.seek(int((start + seconds) / base), stream=stream)
            shown = None
            for frame in container.decode(stream):
                shown = frame
                at = float(frame.pts * base) - start if frame.pts is not None and base else 0.0
                if at + 1e-3 >= seconds:
                    break
            if shown is None:
                raise ThumbnailError(f"{path.name}: the stored video has no frame to show")
            return shown.to_image().convert("RGB")
    except (av.FFmpegError, IndexError, OSError) as exc:
        raise ThumbnailError(f"{path.name}: the stored video cannot be read ({exc})") from exc
