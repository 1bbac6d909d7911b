"""Evidence for the demonstration database: a few drawn pictures, one of them recycled.

The pictures are drawn with Pillow (illustrative scenes of coloured shapes, not real footage), so
the demo needs no photographs and no scikit-image. ``add_demo_evidence`` registers them through
the same ``register`` that ``lagebild evidence add`` calls, and the recycled one is caught.
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from lagebild.evidence.archive import Registered, register
from lagebild.store import Store

#: (file name, seed, source, P-code, claimed date, claim). The last is the first picture again,
#: re-compressed and watermarked, claimed for another place two months later.
DEMO_ITEMS = (
    ("market-strike.jpg", 11, "Aleppo Media Centre", "C1007", date(2016, 11, 20), "Market hit"),
    ("convoy-arrives.png", 12, "SARC", "SY030200", date(2017, 1, 12), "Convoy reaches Duma"),
    ("bakery.jpg", 13, "Local council", "C1007", date(2017, 1, 30), "Bakery reopened"),
)
RECYCLED = ("strike-again.jpg", "Unverified channel", "SY030200", date(2017, 2, 2), "New strike")


def drawn_scene(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """An illustrative picture: sky, ground and random buildings, windows and smoke."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (150 + rng.randrange(60), 170, 200))
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.rectangle((0, h * 2 // 3, w, h), fill=(110, 100, 80))
    for _ in range(14):
        x, bw, bh = rng.randrange(w), rng.randrange(40, 140), rng.randrange(60, 260)
        shade = rng.randrange(90, 200)
        ground = h * 2 // 3
        draw.rectangle((x, ground - bh, x + bw, ground), fill=(shade, shade - 20, shade - 40))
        for _ in range(rng.randrange(2, 8)):
            wx, wy = x + rng.randrange(max(bw - 12, 1)), h * 2 // 3 - rng.randrange(10, bh)
            draw.rectangle((wx, wy, wx + 8, wy + 10), fill=(30, 30, 40))
    for _ in range(5):
        x, y, r = rng.randrange(w), rng.randrange(h // 2), rng.randrange(20, 70)
        grey = rng.randrange(60, 140)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(grey, grey, grey))
    return image


def add_demo_evidence(store: Store, folder: Path) -> list[Registered]:
    """Draw the demo pictures into ``folder`` and register them; the last one matches the first."""
    folder.mkdir(parents=True, exist_ok=True)
    done: list[Registered] = []
    for name, seed, source, pcode, on, claim in DEMO_ITEMS:
        path = folder / name
        options: dict[str, Any] = {"quality": 90} if name.endswith(".jpg") else {}
        drawn_scene(seed).save(path, **options)
        done += register(store, [path], source=source, pcode=pcode, on=on, claim=claim)
    name, source, pcode, on, claim = RECYCLED
    copy = drawn_scene(DEMO_ITEMS[0][1]).resize((480, 360))
    ImageDraw.Draw(copy).text((10, 335), "exclusive - today", fill=(255, 255, 255))
    copy.save(folder / name, quality=40)
    done += register(store, [folder / name], source=source, pcode=pcode, on=on, claim=claim)
    return done
