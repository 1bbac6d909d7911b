"""Results as GeoJSON: the gaps of a level as a FeatureCollection for a map.

Each place of the gaps result is a feature with the gap row's numbers as properties (the same keys
as the JSON of ``lagebild gaps``, plus ``rank``), and as geometry its boundary when the gazetteer
gave one, else its point. Places with neither are left out and counted in the collection's
``without_location``. Geometries are stored as GeoJSON text and are copied into the output as they
are, without parsing: a level of large polygons costs a string join, not a JSON round trip.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from lagebild.analysis import GapsResult, PlaceTree
from lagebild.model import Place


@dataclass(frozen=True)
class MapCollection:
    """A FeatureCollection as JSON text, and what it holds."""

    text: str
    places: int  # places of the level
    features: int  # of them on the map
    without_location: int  # no boundary and no point: left out
    cut_off: int
    cut_off_without_location: int


def point(place: Place) -> str | None:
    if place.lat is None or place.lon is None:
        return None
    return json.dumps({"type": "Point", "coordinates": [place.lon, place.lat]})


def gaps_collection(
    result: GapsResult, tree: PlaceTree, geometries: Mapping[int, str]
) -> MapCollection:
    """The places of a gaps result as GeoJSON features, in rank order.

    Args:
        result: the gaps of one level, as :func:`lagebild.analysis.gaps` ranks them.
        tree: the P-code tree the result was computed on.
        geometries: place id -> GeoJSON geometry text, for the places with a boundary.
    """
    features: list[str] = []
    missing = missing_cut_off = 0
    for rank, row in enumerate(result.places, start=1):
        place = tree.get(row.pcode)
        geometry = None
        if place is not None:
            geometry = geometries.get(place.id) or point(place)
        if geometry is None:
            missing += 1
            missing_cut_off += row.cut_off
            continue
        properties = json.dumps({**row.as_dict(), "rank": rank}, ensure_ascii=False)
        features.append(
            f'{{"type":"Feature","id":{json.dumps(row.pcode)},"geometry":{geometry},'
            f'"properties":{properties}}}'
        )
    meta = {
        "type": "FeatureCollection",
        "as_of": result.as_of.isoformat(),
        "window_days": result.window_days,
        "level": result.level,
        "sector": result.sector,
        "reached_rule": result.reached_rule,
        "places": len(result.places),
        "without_location": missing,
        "cut_off": len(result.cut_off),
        "cut_off_without_location": missing_cut_off,
    }
    head = json.dumps(meta, ensure_ascii=False)[:-1]
    text = f'{head},"features":[{",".join(features)}]}}'
    return MapCollection(
        text, len(result.places), len(features), missing, len(result.cut_off), missing_cut_off
    )


def outline_collection(tree: PlaceTree, geometries: Mapping[int, str]) -> str:
    """Boundaries of the places still in force as a plain FeatureCollection (P-code and names),
    for a map's background."""
    features = []
    for place_id, geometry in geometries.items():
        place = tree.places.get(place_id)
        if place is None or place.valid_to is not None:
            continue
        properties = json.dumps(
            {"pcode": place.pcode, "name": place.name("en"), "name_ar": place.name_ar},
            ensure_ascii=False,
        )
        features.append(
            f'{{"type":"Feature","id":{json.dumps(place.pcode)},"geometry":{geometry},'
            f'"properties":{properties}}}'
        )
    return f'{{"type":"FeatureCollection","features":[{",".join(features)}]}}'


@dataclass(frozen=True)
class PointCollection:
    """A FeatureCollection of points (incidents, damaged places) as JSON text, and what it
    left off."""

    text: str
    features: int
    left_off: dict[str, int]  # why -> how many were not drawn (unplaced, without_location)


def points_collection(
    points: list[tuple[dict[str, object], float | None, float | None]],
    meta: Mapping[str, object],
    left_off: Mapping[str, int] | None = None,
) -> PointCollection:
    """Points as GeoJSON features: each ``(properties, lat, lon)``; a point without coordinates
    is left out and counted in ``left_off["without_location"]``. ``meta`` goes to the
    collection's top level beside the counts of what was left off."""
    features: list[str] = []
    counts = {"without_location": 0, **(left_off or {})}
    for properties, lat, lon in points:
        if lat is None or lon is None:
            counts["without_location"] += 1
            continue
        geometry = json.dumps({"type": "Point", "coordinates": [lon, lat]})
        body = json.dumps(properties, ensure_ascii=False)
        features.append(f'{{"type":"Feature","geometry":{geometry},"properties":{body}}}')
    head = json.dumps(
        {"type": "FeatureCollection", **meta, "features_drawn": len(features), **counts},
        ensure_ascii=False,
    )[:-1]
    return PointCollection(f'{head},"features":[{",".join(features)}]}}', len(features), counts)
