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


def cropped(
    image: Image.Image, left: float, top: float, right: float, bottom: float
) -> Image.Image:
    """The picture with these fractions of its width and height cut off each side."""
    w, h = image.size
    return image.crop((round(w * left), round(h * top), round(w * (1 - right)),
                       round(h * (1 - bottom))))  # fmt: skip


#: Crops that the stored cropped views (``media.CROPS``: 95-80 % of each side, at the centre,
#: corners and side middles) do not contain, to measure how far the check reaches beyond them:
#: (left, top, right, bottom) fractions cut off.
HELD_OUT_CROPS: dict[str, tuple[float, float, float, float]] = {
    "crop7": (0.035, 0.035, 0.035, 0.035),  # between the 95 % and 90 % views
    "crop12": (0.06, 0.06, 0.06, 0.06),  # between the 90 % and 85 % views
    "crop10-uneven": (0.02, 0.07, 0.08, 0.03),  # 10 %, off centre
    "crop10-left": (0.10, 0.0, 0.0, 0.0),  # one side only: the proportions change
    "crop25": (0.125, 0.125, 0.125, 0.125),  # beyond the smallest view
}


def held_out_crops(image: Image.Image, folder: Path, name: str) -> dict[str, Path]:
    """Copies of a photo cropped in each of the ways of ``HELD_OUT_CROPS``."""
    out = {}
    for label, box in HELD_OUT_CROPS.items():
        path = folder / f"{name}-{label}.png"
        cropped(image, *box).save(path, "PNG")
        out[label] = path
    return out


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


def slideshow_frames(
    images: list[Image.Image], seconds: list[float], fps: int, size: int = 240
) -> list[Image.Image]:
    """Frames of a video that cuts from one photo to the next (each shown ``seconds``, with a
    slow zoom): several scenes, for the scene-change keyframes."""
    frames = []
    for image, length in zip(images, seconds, strict=True):
        count = round(length * fps)
        w, h = image.size
        for i in range(count):
            zoom = 0.9 - 0.1 * i / max(count - 1, 1)
            cw, ch = int(w * zoom), int(h * zoom)
            box = ((w - cw) // 2, (h - ch) // 2, (w - cw) // 2 + cw, (h - ch) // 2 + ch)
            frames.append(image.crop(box).resize((size * 4 // 3, size)))
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
    with its first second cut off (H.264 in MOV), mirrored left-right (WebM) and 10 % cropped
    (5 % off each side, MP4)."""
    frames, fps = read_frames(original)
    rate = round(fps)
    slower = frames[::2]  # half the frame rate, same length
    out = {
        "reencoded": write_video(
            slower, folder / f"{name}-reencoded.mkv", max(rate // 2, 1), "mpeg4", 250_000
        ),
        "trimmed": write_video(frames[rate:], folder / f"{name}-trimmed.mov", rate),
        "mirror": write_video(
            [ImageOps.mirror(f) for f in frames], folder / f"{name}-mirror.webm", rate, "libvpx"
        ),
        "crop10": write_video(
            [cropped(f, 0.05, 0.05, 0.05, 0.05) for f in frames],
            folder / f"{name}-crop10.mp4",
            rate,
        ),
    }
    return out
