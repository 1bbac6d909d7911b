"""A corpus of real photographs, videos made from them and transformed copies of both.

The photographs are those scikit-image ships inside its wheel (no download); scikit-image is a test
dependency, imported only here. The tests, ``bench/evidence.py`` and the demo build on this.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageOps

#: Real photographs in scikit-image's wheel. ``motorcycle_right`` is left out: it is the other half
#: of a stereo pair with ``motorcycle_left`` and so, rightly, the same picture to PDQ.
PHOTOGRAPHS = (
    "astronaut.png",
    "camera.png",
    "chelsea.png",
    "coffee.png",
    "coins.png",
    "rocket.jpg",
    "hubble_deep_field.jpg",
    "retina.jpg",
    "moon.png",
    "motorcycle_left.png",
    "page.png",
    "text.png",
    "clock_motion.png",
    "brick.png",
    "grass.png",
    "gravel.png",
    "ihc.png",
    "cell.png",
    "microaneurysms.png",
    "horse.png",
)


def photographs(limit: int | None = None) -> dict[str, Image.Image]:
    """The bundled photographs that are present, as RGB pictures, by name (without extension)."""
    import skimage

    folder = Path(skimage.__file__).parent / "data"
    found: dict[str, Image.Image] = {}
    for name in PHOTOGRAPHS:
        path = folder / name
        if path.is_file():
            with Image.open(path) as image:
                found[name.split(".")[0]] = image.convert("RGB")
        if limit is not None and len(found) >= limit:
            break
    return found


# -- photo transforms ---------------------------------------------------------------------------


def recompressed(image: Image.Image, folder: Path, name: str) -> Path:
    path = folder / f"{name}.jpg"
    image.save(path, "JPEG", quality=30)
    return path


def _overlay(image: Image.Image) -> Image.Image:
    """A channel's watermark: a line of text at the bottom left, a round logo at the top right."""
    out = image.copy()
    draw = ImageDraw.Draw(out)
    w, h = out.size
    draw.text((w // 40, h - h // 12), "@channel  exclusive footage", fill=(255, 255, 255))
    draw.ellipse((w - w // 8, h // 30, w - w // 30, h // 30 + w // 11), fill=(200, 0, 0))
    return out


PHOTO_TRANSFORMS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "half": lambda im: im.resize((im.width // 2, im.height // 2), Image.Resampling.LANCZOS),
    "crop10": lambda im: im.crop(
        (im.width // 20, im.height // 20, im.width - im.width // 20, im.height - im.height // 20)
    ),
    "overlay": _overlay,
    "brighter": lambda im: ImageEnhance.Brightness(im).enhance(1.3),
    "mirror": ImageOps.mirror,
}


def transformed_photos(image: Image.Image, folder: Path, name: str) -> dict[str, Path]:
    """Copies of a photo: JPEG quality 30, half size, 10 % cropped, a text overlay and logo,
    brighter, mirrored; by transform name."""
    out = {"jpeg30": recompressed(image, folder, f"{name}-jpeg30")}
    for label, transform in PHOTO_TRANSFORMS.items():
        path = folder / f"{name}-{label}.png"
        transform(image).save(path, "PNG")
        out[label] = path
    return out


# -- videos ---------------------------------------------------------------------------------------


def pan_zoom_frames(
    image: Image.Image, seconds: float, fps: int, size: int = 240
) -> list[Image.Image]:
    """Frames of a slow pan and zoom over a photo: the camera moves across about a fifth of it."""
    frames = []
    count = int(seconds * fps)
    w, h = image.size
    for i in range(count):
        t = i / max(count - 1, 1)
        zoom = 0.8 - 0.15 * t
        cw, ch = int(w * zoom), int(h * zoom)
        x = int((w - cw) * (0.2 + 0.5 * t))
        y = int((h - ch) * 0.4)
        frame = image.crop((x, y, x + cw, y + ch)).resize((size * 4 // 3, size))
        frames.append(frame)
    return frames


def write_video(
    frames: list[Image.Image], path: Path, fps: int, codec: str = "libx264", bitrate: int = 800_000
) -> Path:
    import av

    with av.open(str(path), "w") as container:
        stream: Any = container.add_stream(codec, rate=fps)
        stream.width = frames[0].width // 2 * 2
        stream.height = frames[0].height // 2 * 2
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = bitrate
        for image in frames:
            frame = av.VideoFrame.from_ndarray(np.asarray(image.convert("RGB")), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def read_frames(path: Path) -> tuple[list[Image.Image], float]:
    """Every frame of a video, and its frame rate."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        rate = float(stream.average_rate or Fraction(10))
        return [frame.to_image() for frame in container.decode(stream)], rate


def transformed_videos(original: Path, folder: Path, name: str) -> dict[str, Path]:
    """Copies of a video: re-encoded at a lower bitrate and another frame rate (MPEG-4 in MKV),
    and with its first second cut off (H.264 in MOV)."""
    frames, fps = read_frames(original)
    rate = round(fps)
    slower = frames[::2]  # half the frame rate, same length
    out = {
        "reencoded": write_video(
            slower, folder / f"{name}-reencoded.mkv", max(rate // 2, 1), "mpeg4", 250_000
        ),
        "trimmed": write_video(frames[rate:], folder / f"{name}-trimmed.mov", rate),
    }
    return out
