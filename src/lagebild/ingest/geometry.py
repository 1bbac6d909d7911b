"""GeoJSON geometries of places: checked, rounded and written compactly, or a reason why not.

A gazetteer with boundaries carries each place's polygon as a GeoJSON geometry (RFC 7946: WGS 84
longitude and latitude, in that order). lagebild keeps it as compact JSON text with coordinates
rounded to 6 decimals (about 10 cm), which halves the size of real boundary files without moving a
border anyone could see. A point (or a MultiPoint of one point) is not kept as a geometry: it is
the place's latitude and longitude.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lagebild.errors import RefusedInput

#: Nesting depth of the coordinates of each geometry type (0: one position).
DEPTH = {
    "Point": 0,
    "MultiPoint": 1,
    "LineString": 1,
    "MultiLineString": 2,
    "Polygon": 2,
    "MultiPolygon": 3,
}
DIGITS = 6


class GeometryError(RefusedInput):
    """Not a GeoJSON geometry lagebild can keep; the message says why."""


@dataclass(frozen=True)
class Geometry:
    """A checked geometry: its type, its compact JSON text, and for a point its coordinates."""

    type: str
    text: str
    lon: float | None = None  # for a point (a Point, or a MultiPoint of one point)
    lat: float | None = None

    @property
    def is_point(self) -> bool:
        return self.lon is not None


def read_geometry(value: str | dict[str, Any]) -> Geometry | None:
    """Check a GeoJSON geometry (text or parsed); None for an empty one.

    Raises:
        GeometryError: not JSON, not a geometry, a malformed position, or coordinates outside
            ±180 / ±90 (a projected file, not longitude/latitude).
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise GeometryError(f"not JSON ({exc.msg} at character {exc.pos})") from exc
    if not isinstance(value, dict):
        raise GeometryError("not a GeoJSON geometry (an object with type and coordinates)")
    kind = value.get("type")
    if kind == "GeometryCollection":
        parts = value.get("geometries")
        if not isinstance(parts, list):
            raise GeometryError("a GeometryCollection needs a list of geometries")
        checked = [g for g in (read_geometry(part) for part in parts) if g is not None]
        if not checked:
            return None
        inner = ",".join(g.text for g in checked)
        return Geometry(kind, f'{{"type":"GeometryCollection","geometries":[{inner}]}}')
    if kind not in DEPTH:
        known = ", ".join([*DEPTH, "GeometryCollection"])
        raise GeometryError(f"unknown geometry type {kind!r}: use one of {known}")
    coordinates = value.get("coordinates")
    if coordinates is None or coordinates == []:
        return None
    rounded = _positions(coordinates, DEPTH[kind], kind)
    text = json.dumps({"type": kind, "coordinates": rounded}, separators=(",", ":"))
    if kind == "Point":
        return Geometry(kind, text, lon=rounded[0], lat=rounded[1])
    if kind == "MultiPoint" and len(rounded) == 1:  # as shapefiles of points often have it
        return Geometry(kind, text, lon=rounded[0][0], lat=rounded[0][1])
    return Geometry(kind, text)


def _positions(value: Any, depth: int, kind: str) -> Any:
    if depth == 0:
        return _position(value, kind)
    if not isinstance(value, list):
        raise GeometryError(f"the coordinates of a {kind} are not nested {depth + 1} deep")
    return [_positions(item, depth - 1, kind) for item in value]


def _position(value: Any, kind: str) -> list[float]:
    if (
        not isinstance(value, list)
        or len(value) < 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise GeometryError(f"a position of the {kind} is not [longitude, latitude]: {value!r}")
    lon, lat = float(value[0]), float(value[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise GeometryError(
            f"position [{value[0]}, {value[1]}] lies outside ±180/±90: the coordinates are not "
            "WGS 84 longitude/latitude (reproject the file to EPSG:4326 first)"
        )
    return [round(lon, DIGITS), round(lat, DIGITS)]
