"""Reading a photo or video: what it is, its embedded metadata, and the PDQ hashes of its frames.

Photos are read with Pillow (JPEG, PNG, WebP), videos with PyAV (MP4, WebM, MOV, MKV), whose wheels
carry FFmpeg. Nothing here touches the database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pdqhash
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from lagebild.model.evidence import PHOTO_TYPES, VIDEO_SUFFIXES, FrameHash

#: Keyframes sampled from a video: one a second, at most this many (spread over a longer video).
MAX_KEYFRAMES = 60
#: Frames are shrunk to this many pixels on the longer side before hashing (PDQ works at 64x64).
HASH_SIDE = 512
#: How a picture relates to the one it matches, by which of PDQ's eight dihedral variants (in
#: ``pdqhash.compute_dihedral``'s order, measured against Pillow's transposes) was the near one.
DIHEDRAL = (
    "",
    "rotated 90 degrees",
    "rotated 180 degrees",
    "rotated 90 degrees",
    "mirrored top-bottom",
    "mirrored left-right",
    "transposed",
    "transversed",
)


class MediaError(Exception):
    """A file that cannot be read or is not a supported photo or video; names the file."""


@dataclass
class Media:
    """What a file holds: kind, format, metadata and the PDQ hashes of its frames."""

    path: Path
    sha256: str
    size: int
    kind: str  # "photo" or "video"
    extension: str
    width: int
    height: int
    hashes: list[FrameHash]
    taken_at: datetime | None = None
    lat: float | None = None
    lon: float | None = None
    duration: float | None = None
    #: For a photo: its hash in each of PDQ's dihedral variants (mirrored, rotated).
    variants: list[str] = field(default_factory=list)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def bits_to_hex(bits: Any) -> str:
    """PDQ's 256 bits (an array of 0/1) as 64 hex characters."""
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def _shrunk(image: Image.Image) -> np.ndarray:
    image = image.convert("RGB")
    if max(image.size) > HASH_SIDE:
        image = image.copy()
        image.thumbnail((HASH_SIDE, HASH_SIDE), Image.Resampling.BILINEAR)
    return np.ascontiguousarray(np.asarray(image, dtype=np.uint8))


def pdq_of(image: Image.Image) -> tuple[str, int]:
    """The PDQ hash (hex) of a picture, and its quality (0-100)."""
    bits, quality = pdqhash.compute(_shrunk(image))
    return bits_to_hex(bits), int(quality)


def pdq_variants(image: Image.Image) -> list[str]:
    """The PDQ hashes of the picture's eight dihedral variants, in ``DIHEDRAL`` order."""
    hashes, _qualities = pdqhash.compute_dihedral(_shrunk(image))
    return [bits_to_hex(bits) for bits in hashes]


def read_media(path: Path) -> Media:
    """Read a photo or a video; ``MediaError`` names the file when it is neither."""
    if not path.is_file():
        raise MediaError(f"{path}: no such file")
    try:
        with Image.open(path) as image:
            return _read_photo(path, image)
    except UnidentifiedImageError:
        pass
    except OSError as exc:
        raise MediaError(f"{path}: unreadable picture ({exc})") from exc
    return _read_video(path)


# -- photos ---------------------------------------------------------------------------------------


def _read_photo(path: Path, image: Image.Image) -> Media:
    fmt = image.format or ""
    if fmt not in PHOTO_TYPES:
        raise MediaError(
            f"{path}: a {fmt or 'unknown'} picture; lagebild takes JPEG, PNG and WebP photos"
        )
    exif = image.getexif()
    image.load()
    shown = ImageOps.exif_transpose(image)  # hash the picture as people see it
    pdq, quality = pdq_of(shown)
    taken_at, lat, lon = _exif_time_and_place(exif)
    return Media(
        path=path,
        sha256=sha256_of(path),
        size=path.stat().st_size,
        kind="photo",
        extension=PHOTO_TYPES[fmt],
        width=shown.width,
        height=shown.height,
        hashes=[FrameHash(0, 0.0, pdq, quality)],
        taken_at=taken_at,
        lat=lat,
        lon=lon,
        variants=pdq_variants(shown),
    )


def _exif_time_and_place(exif: Image.Exif) -> tuple[datetime | None, float | None, float | None]:
    details = exif.get_ifd(ExifTags.IFD.Exif)
    stamp = details.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    taken_at = None
    if stamp:
        try:
            taken_at = datetime.strptime(str(stamp).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
        except ValueError:
            taken_at = None
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    lat = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "S")
    lon = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "W")
    return taken_at, lat, lon


def _degrees(value: Any, ref: Any, negative: str) -> float | None:
    """EXIF degrees, minutes, seconds (three rationals) as signed decimal degrees."""
    try:
        d, m, s = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    sign = -1.0 if str(ref or "").strip("\x00 ").upper() == negative else 1.0
    return round(sign * (d + m / 60 + s / 3600), 7)


# -- videos ---------------------------------------------------------------------------------------


def _read_video(path: Path) -> Media:
    import av

    suffix = path.suffix.lower().lstrip(".")
    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise MediaError(
            f"{path}: not a photo (JPEG, PNG, WebP) or video (MP4, WebM, MOV, MKV) "
            "that lagebild can read"
        ) from exc
    with container:
        if not container.streams.video:
            raise MediaError(f"{path}: no video stream; lagebild takes photos and videos")
        if suffix not in VIDEO_SUFFIXES:
            raise MediaError(
                f"{path}: a {container.format.name} file; lagebild takes MP4, WebM, MOV and MKV "
                "videos (name the file with one of those extensions)"
            )
        stream = container.streams.video[0]
        duration = _duration(container, stream)
        created = _creation_time(container.metadata) or _creation_time(stream.metadata)
        try:
            hashes = list(_keyframe_hashes(container, stream, duration))
        except av.FFmpegError as exc:
            raise MediaError(f"{path}: the video cannot be decoded ({exc})") from exc
        width, height = stream.codec_context.width, stream.codec_context.height
    if not hashes:
        raise MediaError(f"{path}: the video has no frame that can be decoded")
    return Media(
        path=path,
        sha256=sha256_of(path),
        size=path.stat().st_size,
        kind="video",
        extension=suffix,
        width=int(width),
        height=int(height),
        hashes=hashes,
        taken_at=created,
        duration=duration,
    )


def _duration(container: Any, stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return round(float(stream.duration * stream.time_base), 3)
    if container.duration is not None:
        return round(container.duration / 1_000_000, 3)  # av.time_base: microseconds
    return None


def _creation_time(metadata: dict[str, str]) -> datetime | None:
    stamp = metadata.get("creation_time") or metadata.get("CREATION_TIME")
    if not stamp:
        return None
    try:
        found = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if found.tzinfo is not None:  # stored as naive UTC, like the other timestamps
        found = found.astimezone(UTC).replace(tzinfo=None)
    return found


def _keyframe_hashes(container: Any, stream: Any, duration: float | None) -> Iterator[FrameHash]:
    """PDQ hashes of one frame a second (the first frame at or after each mark), at most
    ``MAX_KEYFRAMES``, spread evenly over a longer video."""
    step = 1.0
    if duration and duration > MAX_KEYFRAMES:
        step = duration / MAX_KEYFRAMES
    stream.thread_type = "AUTO"
    start = float(stream.start_time * stream.time_base) if stream.start_time else 0.0
    mark = 0.0
    count = 0
    for frame in container.decode(stream):
        at = float(frame.pts * stream.time_base) - start if frame.pts is not None else mark
        if at + 1e-6 < mark:
            continue
        pdq, quality = pdq_of(frame.to_image())
        yield FrameHash(count, round(at, 3), pdq, quality)
        count += 1
        if count >= MAX_KEYFRAMES:
            return
        while mark <= at + 1e-6:
            mark += step
