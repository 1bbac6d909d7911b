"""Reading a photo or video: what it is, its embedded metadata, and the PDQ hashes of its frames.

Photos are read with Pillow (JPEG, PNG, WebP), videos with PyAV (MP4, WebM, MOV, MKV), whose wheels
carry FFmpeg. Nothing here touches the database.
"""

from __future__ import annotations

import hashlib
import heapq
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pdqhash
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from lagebild.errors import RefusedInput
from lagebild.model.evidence import PHOTO_TYPES, VIDEO_SUFFIXES, FrameHash

#: Keyframes sampled from a video: one a second, at most this many (spread over a longer video).
MAX_KEYFRAMES = 60
#: Besides those, the first frame of each new scene (a cut), at most this many: the strongest cuts.
MAX_SCENE_KEYFRAMES = 30
#: A frame starts a new scene when its 32x32 grey thumbnail differs from the previous frame's by
#: at least this much on average (of 255). Measured on the corpus: consecutive frames of a slow
#: pan and zoom differ by at most 7.5, two different photographs by 9 or more (median 56).
SCENE_CUT = 20.0
#: Thumbnail side for the scene-change measure.
SCENE_THUMB = 32
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


def _crop_boxes() -> tuple[tuple[float, float, float, float], ...]:
    boxes = []
    for scale in (0.95, 0.9, 0.85, 0.8):
        # centre, the four corners, then the middles of the four sides
        for ax, ay in ((0.5, 0.5), (0, 0), (1, 0), (0, 1), (1, 1), (0.5, 0), (0.5, 1), (0, 0.5),
                       (1, 0.5)):  # fmt: skip
            left, top = (1 - scale) * ax, (1 - scale) * ay
            boxes.append((left, top, left + scale, top + scale))
    return tuple(boxes)


#: The cropped views of a picture that are hashed besides the picture itself, as (left, top,
#: right, bottom) fractions of its width and height: 95, 90, 85 and 80 % of each side, anchored at
#: the centre, the four corners and the middles of the four sides. Stored hash variant ``k`` is
#: ``CROPS[k - 1]``; variant 0 is the picture as registered. Append only: the numbers are stored.
CROPS = _crop_boxes()
#: The views hashed for every photo: all of ``CROPS`` (variants 1-36).
PHOTO_VIEWS = tuple(range(1, len(CROPS) + 1))
#: The views hashed for each video keyframe (up to 90 of them): 90 % at the centre and the four
#: corners, 80 % at the centre.
VIDEO_VIEWS = (10, 11, 12, 13, 14, 28)
#: Index of the left-right mirror among ``pdqhash.compute_dihedral``'s eight hashes.
MIRROR = 5


class MediaError(RefusedInput):
    """A file that cannot be read or is not a supported photo or video; names the file."""


@dataclass(frozen=True, slots=True)
class View:
    """The PDQ hash of one cropped view (``CROPS[variant - 1]``) of a photo or keyframe, and of
    its mirror image."""

    frame: int
    variant: int
    pdq: str
    mirrored: str
    quality: int


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
    #: Each frame's hash mirrored left-right, in the order of ``hashes``.
    mirrored: list[str] = field(default_factory=list)
    #: The hashes of cropped views of each frame (``PHOTO_VIEWS``, ``VIDEO_VIEWS``).
    views: list[View] = field(default_factory=list)


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
    return _dihedral(_shrunk(image))[0]


def _dihedral(pixels: np.ndarray) -> tuple[list[str], int]:
    hashes, qualities = pdqhash.compute_dihedral(np.ascontiguousarray(pixels))
    return [bits_to_hex(bits) for bits in hashes], int(qualities)


def crop_views(pixels: np.ndarray, frame: int, variants: tuple[int, ...]) -> list[View]:
    """Hash the cropped views ``variants`` of a picture (pixels as ``_shrunk`` gives them)."""
    height, width = pixels.shape[:2]
    views = []
    for variant in variants:
        left, top, right, bottom = CROPS[variant - 1]
        part = pixels[round(height * top) : round(height * bottom),
                      round(width * left) : round(width * right)]  # fmt: skip
        hashes, quality = _dihedral(part)
        views.append(View(frame, variant, hashes[0], hashes[MIRROR], quality))
    return views


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
    pixels = _shrunk(shown)
    variants, quality = _dihedral(pixels)
    taken_at, lat, lon = _exif_time_and_place(exif)
    return Media(
        path=path,
        sha256=sha256_of(path),
        size=path.stat().st_size,
        kind="photo",
        extension=PHOTO_TYPES[fmt],
        width=shown.width,
        height=shown.height,
        hashes=[FrameHash(0, 0.0, variants[0], quality)],
        taken_at=taken_at,
        lat=lat,
        lon=lon,
        variants=variants,
        mirrored=[variants[MIRROR]],
        views=crop_views(pixels, 0, PHOTO_VIEWS),
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
            keyframes = _keyframes(container, stream, duration)
        except av.FFmpegError as exc:
            raise MediaError(f"{path}: the video cannot be decoded ({exc})") from exc
        width, height = stream.codec_context.width, stream.codec_context.height
    if not keyframes:
        raise MediaError(f"{path}: the video has no frame that can be decoded")
    hashes, mirrored, views = [], [], []
    for number, (at, pixels) in enumerate(keyframes):
        dihedral, quality = _dihedral(pixels)
        hashes.append(FrameHash(number, round(at, 3), dihedral[0], quality))
        mirrored.append(dihedral[MIRROR])
        views += crop_views(pixels, number, VIDEO_VIEWS)
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
        mirrored=mirrored,
        views=views,
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


def _keyframes(container: Any, stream: Any, duration: float | None) -> list[tuple[float, Any]]:
    """The keyframes of a video as (seconds, pixels ready to hash), in time order: one frame a
    second (the first at or after each mark; at most ``MAX_KEYFRAMES``, spread evenly over a
    longer video), and the first frame of each new scene (at most ``MAX_SCENE_KEYFRAMES``, the
    strongest cuts), so that a copy trimmed at any point still shares frames with the original."""
    step = 1.0
    if duration and duration > MAX_KEYFRAMES:
        step = duration / MAX_KEYFRAMES
    stream.thread_type = "AUTO"
    start = float(stream.start_time * stream.time_base) if stream.start_time else 0.0
    mark = 0.0
    sampled: list[tuple[float, Any]] = []
    cuts: list[tuple[float, int, float, Any]] = []  # a heap of (strength, order, seconds, pixels)
    previous = None
    for order, frame in enumerate(container.decode(stream)):
        at = float(frame.pts * stream.time_base) - start if frame.pts is not None else mark
        thumb = frame.to_ndarray(width=SCENE_THUMB, height=SCENE_THUMB, format="gray")
        change = (
            float(np.abs(thumb.astype(np.int16) - previous).mean()) if previous is not None else 0
        )
        previous = thumb.astype(np.int16)
        on_mark = at + 1e-6 >= mark and len(sampled) < MAX_KEYFRAMES
        if on_mark:
            sampled.append((at, _shrunk(frame.to_image())))
            while mark <= at + 1e-6:
                mark += step
        elif change >= SCENE_CUT:
            cut = (change, -order, at, _shrunk(frame.to_image()))
            if len(cuts) < MAX_SCENE_KEYFRAMES:
                heapq.heappush(cuts, cut)
            elif cut[:2] > cuts[0][:2]:
                heapq.heapreplace(cuts, cut)
    return sorted([*sampled, *((at, pixels) for _, _, at, pixels in cuts)], key=lambda k: k[0])
