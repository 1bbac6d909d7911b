"""The report's pictures, drawn as SVG on the server: the governorates shaded by people in need
(``publish.svgmap.choropleth``) and the bars of its charts.

The words of a chart (labels, values) are written in the page's HTML beside the bars, not in
the SVG: PDF renderers lay out text in an SVG letter by letter, which breaks Arabic script. The
SVGs carry their own styles for the same reason (a renderer may not apply the page's CSS to
them). Bars start at zero and shares run on a 0-100 % track, as on the web's charts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lagebild.analysis.report import MapArea
from lagebild.publish.svgmap import Area, choropleth

#: The shades of the map, lightest first (ColorBrewer's "Blues", colour-blind safe).
SHADES = ("#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
NO_DATA = "#f0f0f0"
MAP_STYLE = (
    ".area{stroke:#ffffff;stroke-width:0.8}"
    ".none{fill:" + NO_DATA + "}"
    + "".join(f".c{i}{{fill:{c}}}" for i, c in enumerate(SHADES))
    + ".area-label{fill:#1d2733}"
    ".cut{fill:#b2182b;fill-opacity:0.35;stroke:#b2182b;stroke-width:1.4}"
)
BAR_COLOURS = {"": "#4a78a8", "besieged": "#b2182b", "coverage": "#2f6f3e"}
TRACK = "#eef1f4"


@dataclass(frozen=True)
class Shade:
    """A class of the map: its CSS class, colour and the range of values it holds."""

    css: str
    colour: str
    low: float | None
    high: float | None


def shades(values: Sequence[float], classes: int = len(SHADES)) -> list[Shade]:
    """Up to ``classes`` classes of equal count (quantiles), their bounds rounded to two
    significant figures; an empty list without values."""
    ordered = sorted(v for v in values if v > 0)
    if not ordered:
        return []
    cuts: list[float] = []
    for i in range(1, classes):
        cut = _round(ordered[min(len(ordered) - 1, len(ordered) * i // classes)])
        if cut > (cuts[-1] if cuts else 0) and cut < ordered[-1]:
            cuts.append(cut)
    bounds = [0.0, *cuts, ordered[-1]]
    return [
        Shade(f"c{i}", SHADES[i], bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)
    ]


def _round(value: float) -> float:
    digits = len(str(int(value))) - 2
    step = 10 ** max(digits, 0)
    return float(round(value / step) * step)


def shade_of(value: float | None, found: Sequence[Shade]) -> str:
    if value is None or value <= 0 or not found:
        return "none"
    for shade in found:
        if shade.high is not None and value <= shade.high:
            return shade.css
    return found[-1].css


def map_svg(
    areas: Sequence[MapArea],
    found: Sequence[Shade],
    title: Callable[[MapArea], str],
    label: str,
    arabic_digits: bool = False,
    cut_off: Sequence[MapArea] = (),
) -> str:
    """The governorates shaded by people in need, each numbered as in the map's table; the
    sub-districts with cut-off communities (``cut_off``) marked over them."""
    return choropleth(
        [
            Area(a.geometry, shade_of(a.people_in_need, found), title(a), str(i))
            for i, a in enumerate(areas, start=1)
        ],
        width=620,
        label=label,
        style=MAP_STYLE,
        digits="٠١٢٣٤٥٦٧٨٩" if arabic_digits else "",
        overlays=[Area(a.geometry, "cut", title(a)) for a in cut_off],
    )


def bar_svg(
    value: float | None, maximum: float, kind: str = "", rtl: bool = False, width: int = 240
) -> str:
    """One bar on its track, from zero; growing to the left in a right-to-left page."""
    height = 12
    share = 0.0 if value is None or maximum <= 0 else min(max(value / maximum, 0.0), 1.0)
    length = share * width
    x = width - length if rtl else 0.0
    colour = BAR_COLOURS.get(kind, BAR_COLOURS[""])
    return (
        f'<svg class="bar" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg" aria-hidden="true">'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="{TRACK}"/>'
        f'<rect x="{x:.1f}" y="0" width="{length:.1f}" height="{height}" fill="{colour}"/>'
        "</svg>"
    )


__all__ = ["MAP_STYLE", "SHADES", "Shade", "bar_svg", "map_svg", "shade_of", "shades"]
