"""A small map drawn as SVG on the server, offline: outlines of areas (GeoJSON geometries),
circles, squares and lines in longitude/latitude, fitted to a box (an equirectangular view
corrected for the latitude). For pages and reports that need a picture without JavaScript."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

import shapely
from shapely.geometry import shape


@dataclass(frozen=True)
class Circle:
    lon: float
    lat: float
    radius: float  # px
    css: str
    title: str
    inner: float = 0.0  # px: a filled circle inside (a share)


@dataclass(frozen=True)
class Square:
    lon: float
    lat: float
    size: float
    css: str
    title: str


@dataclass(frozen=True)
class Line:
    start: tuple[float, float]  # (lon, lat)
    end: tuple[float, float]
    width: float
    css: str
    title: str


class Frame:
    """Longitude/latitude to pixels in a box of ``width``, keeping the map's proportions."""

    def __init__(self, bounds: tuple[float, float, float, float], width: int, pad: int = 8
                 ) -> None:  # fmt: skip
        west, south, east, north = bounds
        self.west, self.north, self.pad = west, north, pad
        self.kx = math.cos(math.radians((south + north) / 2))
        span_x = max((east - west) * self.kx, 1e-9)
        span_y = max(north - south, 1e-9)
        self.scale = (width - 2 * pad) / span_x
        self.width = width
        self.height = int(span_y * self.scale + 2 * pad)

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (self.pad + (lon - self.west) * self.kx * self.scale,
                self.pad + (self.north - lat) * self.scale)  # fmt: skip


def _rings(geometry: shapely.Geometry) -> Iterable[Sequence[tuple[float, float]]]:
    for polygon in getattr(geometry, "geoms", [geometry]):
        if polygon.geom_type != "Polygon":
            continue
        yield polygon.exterior.coords
        for hole in polygon.interiors:
            yield hole.coords


def _path(frame: Frame, geometry: shapely.Geometry) -> str:
    parts = []
    for ring in _rings(geometry):
        points = [frame.xy(x, y) for x, y in ring]
        parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z")
    return "".join(parts)


def svg_map(
    outlines: Sequence[str],
    circles: Sequence[Circle] = (),
    squares: Sequence[Square] = (),
    lines: Sequence[Line] = (),
    width: int = 640,
    label: str = "",
) -> str:
    """The SVG of a map: ``outlines`` (GeoJSON geometry texts) as the background, then lines,
    circles and squares, each with its title (a tooltip, and what a screen reader says)."""
    shapes = [shapely.simplify(shape(json.loads(g)), 0.01) for g in outlines]
    points = [(c.lon, c.lat) for c in circles] + [(s.lon, s.lat) for s in squares]
    if not shapes and not points:
        return ""
    everything = shapely.union_all([*shapes, *(shapely.Point(p) for p in points)])
    frame = Frame(everything.bounds, width)
    out = [
        f'<svg class="svg-map" viewBox="0 0 {frame.width} {frame.height}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    out += [f'<path class="area" d="{_path(frame, g)}"/>' for g in shapes]
    for line in lines:
        (x1, y1), (x2, y2) = frame.xy(*line.start), frame.xy(*line.end)
        out.append(f'<line class="{line.css}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" '
                   f'y2="{y2:.1f}" stroke-width="{line.width:.1f}"><title>'
                   f'{escape(line.title)}</title></line>')  # fmt: skip
    for c in sorted(circles, key=lambda c: -c.radius):
        x, y = frame.xy(c.lon, c.lat)
        inner = (f'<circle class="{c.css} covered" cx="{x:.1f}" cy="{y:.1f}" r="{c.inner:.1f}"/>'
                 if c.inner > 0 else "")  # fmt: skip
        out.append(f'<g><title>{escape(c.title)}</title><circle class="{c.css}" cx="{x:.1f}" '
                   f'cy="{y:.1f}" r="{c.radius:.1f}"/>{inner}</g>')  # fmt: skip
    for s in squares:
        x, y = frame.xy(s.lon, s.lat)
        half = s.size / 2
        out.append(f'<rect class="{s.css}" x="{x - half:.1f}" y="{y - half:.1f}" '
                   f'width="{s.size:.1f}" height="{s.size:.1f}"><title>{escape(s.title)}'
                   '</title></rect>')  # fmt: skip
    out.append("</svg>")
    return "".join(out)


@dataclass(frozen=True)
class Area:
    """An area of a choropleth: its outline (GeoJSON geometry text), the CSS class of its
    shade, its tooltip, and a short label written at its centre (a number keyed to a table)."""

    geometry: str
    css: str
    title: str
    label: str = ""


def choropleth(
    areas: Sequence[Area],
    width: int = 640,
    label: str = "",
    style: str = "",
    digits: str = "",
    overlays: Sequence[Area] = (),
) -> str:
    """The SVG of a choropleth: each area shaded by its class, its label at a point inside it;
    ``overlays`` (smaller areas to mark, such as the sub-districts with cut-off places) drawn
    over them in their own class, within the frame of ``areas``.

    ``style`` is written into the SVG (a ``<style>``), for renderers that do not apply the
    page's CSS to an inline SVG (WeasyPrint); ``digits`` maps ``0-9`` to the digits the labels
    are written in (Arabic-Indic for Arabic), as ``str.maketrans`` makes them."""
    shapes = [(a, shapely.simplify(shape(json.loads(a.geometry)), 0.01)) for a in areas]
    if not shapes:
        return ""
    frame = Frame(shapely.union_all([g for _, g in shapes]).bounds, width)
    out = [
        f'<svg class="svg-map choropleth" viewBox="0 0 {frame.width} {frame.height}" '
        f'width="{frame.width}" height="{frame.height}" role="img" aria-label="{escape(label)}" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    if style:
        out.append(f"<style>{style}</style>")
    for area, geometry in shapes:
        out.append(f'<path class="area {escape(area.css)}" d="{_path(frame, geometry)}">'
                   f"<title>{escape(area.title)}</title></path>")  # fmt: skip
    for area in overlays:
        geometry = shapely.simplify(shape(json.loads(area.geometry)), 0.005)
        out.append(f'<path class="area {escape(area.css)}" d="{_path(frame, geometry)}">'
                   f"<title>{escape(area.title)}</title></path>")  # fmt: skip
    for area, geometry in shapes:
        if not area.label:
            continue
        point = geometry.representative_point()
        x, y = frame.xy(point.x, point.y)
        text = area.label.translate(str.maketrans("0123456789", digits)) if digits else area.label
        out.append(f'<text class="area-label" x="{x:.1f}" y="{y + 4:.1f}" '
                   f'text-anchor="middle" font-size="15" font-weight="bold" '
                   f'font-family="Noto Sans, Noto Naskh Arabic, sans-serif">{escape(text)}'
                   "</text>")  # fmt: skip
    out.append("</svg>")
    return "".join(out)
