"""Placing events on the gazetteer: by P-code, point in polygon, nearest community, or name.

A conflict event (ACLED) has coordinates and names but no P-code. :class:`PlaceIndex` holds what
the gazetteer knows of where places are, and places whole columns of events at once:

1. **pcode**: a row that names a known P-code sits there (confidence 1).
2. **polygon**: a point inside a boundary of the finest level that has boundaries (sub-districts
   from the COD shapefile, say; coarser levels catch points that fall in no finer polygon). When
   the gazetteer has community points, the event is refined to the nearest community *inside
   that polygon*, if one lies within ``max_km``; otherwise it stays on the polygon. Confidence 1
   on the polygon; on a community at ``d`` km, ``1 - 0.5 * d / max_km`` (the polygon is certain,
   the community less so the further it is).
3. **nearest**: a point in no polygon (or a gazetteer without any) goes to the nearest community
   within ``max_km``: confidence ``0.8 * (1 - 0.5 * d / max_km)``.
4. **name**: the row's admin1, admin2, admin3 and location names, matched in that order, each
   among the places below the one matched before (see :class:`NameIndex`): confidence
   ``0.9 * score / 100`` of the finest name matched, times 0.8 when it was found only by
   searching beyond the place matched above it.
5. **none**: nothing fits; the caller reports the row and keeps it unplaced.

Only current places are indexed (a P-code retired by a newer gazetteer takes no new events).
Distances are great-circle kilometres; the nearest-neighbour search runs on an equirectangular
projection centred on the gazetteer's mean latitude, which is within 3 % across Syria and is
only used to find candidates, never to report a distance.

This module knows no SQL: :meth:`PlaceIndex.from_store` reads places and geometries through the
store's API. The damage import uses :meth:`PlaceIndex.locate` for its points as well.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from rapidfuzz import fuzz, process

from lagebild.ingest.names import ALTERNATIVE_NAMES, name_key
from lagebild.model import Place
from lagebild.store.places import all_places, place_geometries

if TYPE_CHECKING:
    from lagebild.store import Store

METHODS = ("pcode", "polygon", "nearest", "name", "none")
DEFAULT_MAX_KM = 10.0
DEFAULT_MIN_SCORE = 80.0
EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180
NEAREST_WEIGHT = 0.8
NAME_WEIGHT = 0.9
WIDER_SEARCH_WEIGHT = 0.8
NONE = -1  # place id of an unplaced event
_POLYGONAL = (3, 6)  # shapely type ids of Polygon and MultiPolygon
_BRACKETS = re.compile(r"\s*\([^)]*\)\s*")
_CHUNK = 200_000


def haversine_km(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Great-circle distance in km between arrays of points (degrees)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@dataclass(frozen=True)
class Placement:
    """Where each of n events was placed: four arrays of length n."""

    place_id: np.ndarray  # int64; NONE (-1) where unplaced
    placed_by: np.ndarray  # str: pcode | polygon | nearest | name | none
    confidence: np.ndarray  # float64 in 0..1; NaN where unplaced
    distance_km: np.ndarray  # float64: to the community taken by distance; NaN otherwise

    def __len__(self) -> int:
        return len(self.place_id)

    @classmethod
    def empty(cls, n: int) -> Placement:
        return cls(
            np.full(n, NONE, dtype=np.int64),
            np.full(n, "none", dtype=object),
            np.full(n, np.nan),
            np.full(n, np.nan),
        )

    def counts(self) -> dict[str, int]:
        """How many events each method placed."""
        kinds, numbers = np.unique(self.placed_by.astype(str), return_counts=True)
        found = dict(zip(kinds.tolist(), numbers.tolist(), strict=True))
        return {m: int(found.get(m, 0)) for m in METHODS}


class PlaceIndex:
    """Boundaries, community points and names of the current places of a gazetteer.

    Build it with :meth:`from_places` (places and their GeoJSON geometries) or
    :meth:`from_store`; then :meth:`place` runs the whole cascade, and :meth:`locate`,
    :meth:`nearest` and :meth:`by_name` run one method each.
    """

    def __init__(
        self,
        places: Iterable[Place],
        geometries: Mapping[int, Any] | Iterable[tuple[int, Any]] = (),
        *,
        max_km: float = DEFAULT_MAX_KM,
        min_score: float = DEFAULT_MIN_SCORE,
    ) -> None:
        if not max_km > 0:
            raise ValueError(f"max_km must be above 0, not {max_km!r}")
        if not 0 < min_score <= 100:
            raise ValueError(f"min_score must lie in (0, 100], not {min_score!r}")
        self.max_km = float(max_km)
        self.min_score = float(min_score)
        self.places: dict[int, Place] = {p.id: p for p in places if p.valid_to is None}
        self._ancestors: dict[int, dict[int, int]] = {}
        self._polygons = self._polygon_levels(geometries)
        self._communities = _Communities(
            [
                p
                for p in self.places.values()
                if p.level >= 4 and p.lat is not None and p.lon is not None
            ]
        )
        self.names = NameIndex(self.places.values(), self.ancestors, min_score)

    @classmethod
    def from_places(
        cls,
        places: Iterable[Place],
        geometries: Mapping[int, Any] | Iterable[tuple[int, Any]] = (),
        *,
        max_km: float = DEFAULT_MAX_KM,
        min_score: float = DEFAULT_MIN_SCORE,
    ) -> PlaceIndex:
        """Places, and their boundaries by place id (GeoJSON text or shapely geometries)."""
        return cls(places, geometries, max_km=max_km, min_score=min_score)

    @classmethod
    def from_store(
        cls, store: Store, *, max_km: float = DEFAULT_MAX_KM, min_score: float = DEFAULT_MIN_SCORE
    ) -> PlaceIndex:
        return cls(all_places(store), place_geometries(store), max_km=max_km, min_score=min_score)

    # -- what it knows --------------------------------------------------------------------------

    @property
    def polygon_levels(self) -> list[int]:
        """Levels with boundaries, finest first."""
        return sorted(self._polygons, reverse=True)

    @property
    def community_count(self) -> int:
        return len(self._communities)

    def ancestors(self, place_id: int) -> dict[int, int]:
        """level -> id of the place and of each place above it."""
        found = self._ancestors.get(place_id)
        if found is None:
            found = {}
            current: int | None = place_id
            while current is not None and current in self.places and len(found) < 12:
                place = self.places[current]
                found.setdefault(place.level, place.id)
                current = place.parent_id
            self._ancestors[place_id] = found
        return found

    def _polygon_levels(
        self, geometries: Mapping[int, Any] | Iterable[tuple[int, Any]]
    ) -> dict[int, _Polygons]:
        pairs = geometries.items() if isinstance(geometries, Mapping) else geometries
        by_level: dict[int, tuple[list[int], list[Any]]] = defaultdict(lambda: ([], []))
        for place_id, shape in pairs:
            place = self.places.get(place_id)
            if place is None or shape is None:
                continue
            ids, shapes = by_level[place.level]
            ids.append(place_id)
            shapes.append(shape)
        out = {}
        for level, (ids, shapes) in by_level.items():
            polygons = _Polygons.build(ids, shapes)
            if polygons is not None:
                out[level] = polygons
        return out

    # -- the methods ----------------------------------------------------------------------------

    def locate(
        self, lats: Sequence[float] | np.ndarray, lons: Sequence[float] | np.ndarray
    ) -> np.ndarray:
        """Point in polygon: the id of the finest boundary holding each point, NONE elsewhere.

        Points on a shared border go to the polygon with the lowest place id; NaN coordinates
        go nowhere.
        """
        lat, lon = _coordinates(lats, lons)
        found = np.full(len(lat), NONE, dtype=np.int64)
        todo = np.isfinite(lat) & np.isfinite(lon)
        for level in self.polygon_levels:
            if not todo.any():
                break
            index = np.flatnonzero(todo)
            hits = self._polygons[level].locate(lat[index], lon[index])
            found[index] = hits
            todo[index[hits != NONE]] = False
        return found

    def nearest(
        self,
        lats: Sequence[float] | np.ndarray,
        lons: Sequence[float] | np.ndarray,
        max_km: float | None = None,
        within: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The nearest community within ``max_km`` of each point: (ids, km); NONE and NaN where
        none is that near. With ``within`` (a place id per point), only communities below that
        place count."""
        lat, lon = _coordinates(lats, lons)
        limit = self.max_km if max_km is None else float(max_km)
        if within is None:
            return self._communities.nearest(lat, lon, limit)
        return self._communities.nearest_within(lat, lon, limit, within, self.ancestors)

    def by_name(
        self,
        admin1: Sequence[str | None],
        admin2: Sequence[str | None] | None = None,
        admin3: Sequence[str | None] | None = None,
        location: Sequence[str | None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each row's place by its names: (ids, confidence); NONE and NaN where none matched."""
        n = len(admin1)
        empty: list[str | None] = [None] * n
        columns = [list(c) if c is not None else empty for c in (admin1, admin2, admin3, location)]
        ids = np.full(n, NONE, dtype=np.int64)
        confidence = np.full(n, np.nan)
        memo: dict[tuple[str | None, ...], tuple[int, float]] = {}
        for i, row in enumerate(zip(*columns, strict=True)):
            if not any(row):
                continue
            hit = memo.get(row)
            if hit is None:
                hit = memo[row] = self.names.match(*row)
            ids[i], confidence[i] = hit
        return ids, confidence

    def place(
        self,
        lats: Sequence[float | None] | np.ndarray,
        lons: Sequence[float | None] | np.ndarray,
        *,
        known: np.ndarray | None = None,
        admin1: Sequence[str | None] | None = None,
        admin2: Sequence[str | None] | None = None,
        admin3: Sequence[str | None] | None = None,
        location: Sequence[str | None] | None = None,
    ) -> Placement:
        """The whole cascade (see the module text). ``known``: a place id per row from its
        P-codes (NONE where it has none)."""
        lat, lon = _coordinates(lats, lons)
        n = len(lat)
        out = Placement.empty(n)
        if known is not None:
            has = np.asarray(known, dtype=np.int64) != NONE
            out.place_id[has] = np.asarray(known)[has]
            out.placed_by[has] = "pcode"
            out.confidence[has] = 1.0
        pointed = (out.place_id == NONE) & np.isfinite(lat) & np.isfinite(lon)
        if pointed.any() and self._polygons:
            index = np.flatnonzero(pointed)
            polygon = self.locate(lat[index], lon[index])
            inside = polygon != NONE
            index, polygon = index[inside], polygon[inside]
            out.place_id[index] = polygon
            out.placed_by[index] = "polygon"
            out.confidence[index] = 1.0
            if len(self._communities) and len(index):
                ids, km = self.nearest(lat[index], lon[index], within=polygon)
                near = ids != NONE
                refined = index[near]
                out.place_id[refined] = ids[near]
                out.distance_km[refined] = km[near]
                out.confidence[refined] = 1.0 - 0.5 * km[near] / self.max_km
        pointed &= out.place_id == NONE
        if pointed.any() and len(self._communities):
            index = np.flatnonzero(pointed)
            ids, km = self.nearest(lat[index], lon[index])
            near = ids != NONE
            index, ids, km = index[near], ids[near], km[near]
            out.place_id[index] = ids
            out.placed_by[index] = "nearest"
            out.distance_km[index] = km
            out.confidence[index] = NEAREST_WEIGHT * (1.0 - 0.5 * km / self.max_km)
        if any(c is not None for c in (admin1, admin2, admin3, location)):
            rest = np.flatnonzero(out.place_id == NONE)
            if len(rest):
                picked = [_pick(c, rest) for c in (admin1, admin2, admin3, location)]
                ids, confidence = self.by_name(picked[0], picked[1], picked[2], picked[3])
                hit = ids != NONE
                out.place_id[rest[hit]] = ids[hit]
                out.placed_by[rest[hit]] = "name"
                out.confidence[rest[hit]] = confidence[hit]
        return out


def _pick(column: Sequence[str | None] | None, rows: np.ndarray) -> list[str | None]:
    if column is None:
        return [None] * len(rows)
    return [column[i] for i in rows.tolist()]


def _coordinates(
    lats: Sequence[float | None] | np.ndarray, lons: Sequence[float | None] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    lat = np.asarray(lats, dtype=np.float64)
    lon = np.asarray(lons, dtype=np.float64)
    if lat.shape != lon.shape or lat.ndim != 1:
        raise ValueError("latitudes and longitudes must be two flat arrays of one length")
    return lat, lon


class _Polygons:
    """The boundaries of one level in an STRtree, queried with whole arrays of points."""

    def __init__(self, ids: np.ndarray, shapes: np.ndarray) -> None:
        order = np.argsort(ids, kind="stable")  # a point on a border goes to the lowest id
        self.ids = ids[order]
        self.shapes = shapes[order]
        shapely.prepare(self.shapes)
        self.tree = shapely.STRtree(self.shapes)

    @classmethod
    def build(cls, ids: list[int], shapes: list[Any]) -> _Polygons | None:
        texts = [s for s in shapes if isinstance(s, str)]
        parsed = iter(shapely.from_geojson(texts, on_invalid="ignore") if texts else [])
        geoms = np.array([next(parsed) if isinstance(s, str) else s for s in shapes], dtype=object)
        keep = np.array(
            [g is not None and shapely.get_type_id(g) in _POLYGONAL for g in geoms], dtype=bool
        )
        if not keep.any():
            return None
        geoms = geoms[keep]
        invalid = ~shapely.is_valid(geoms)
        if invalid.any():
            geoms[invalid] = shapely.make_valid(geoms[invalid])
        return cls(np.asarray(ids, dtype=np.int64)[keep], geoms)

    def locate(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """The tree finds the polygons whose bounding box holds each point; ``contains_xy``
        then tests each polygon's candidates in one call (a prepared geometry, many points),
        which is an order of magnitude faster than a predicate query point by point. Points in
        no interior get a second test, ``intersects_xy``, for a polygon's border."""
        found = np.full(len(lat), NONE, dtype=np.int64)
        for start in range(0, len(lat), _CHUNK):
            x, y = lon[start : start + _CHUNK], lat[start : start + _CHUNK]
            point, polygon = self.tree.query(shapely.points(x, y))
            if len(point) == 0:
                continue
            hit = self._test(shapely.contains_xy, point, polygon, x, y)
            rest = ~np.isin(point, point[hit])
            if rest.any():
                hit[rest] = self._test(shapely.intersects_xy, point[rest], polygon[rest], x, y)
            point, polygon = point[hit], polygon[hit]
            # The first hit of each point in polygon order: the lowest place id on a border.
            order = np.lexsort((polygon, point))
            point, polygon = point[order], polygon[order]
            first = np.ones(len(point), dtype=bool)
            first[1:] = point[1:] != point[:-1]
            found[start + point[first]] = self.ids[polygon[first]]
        return found

    def _test(
        self, predicate: Any, point: np.ndarray, polygon: np.ndarray, x: np.ndarray, y: np.ndarray
    ) -> np.ndarray:
        """``predicate(polygon, x, y)`` for each (point, polygon) pair, one call per polygon."""
        result = np.zeros(len(point), dtype=bool)
        order = np.argsort(polygon, kind="stable")
        groups, starts = np.unique(polygon[order], return_index=True)
        bounds = [*starts.tolist(), len(order)]
        for g, shape in enumerate(groups.tolist()):
            pairs = order[bounds[g] : bounds[g + 1]]
            members = point[pairs]
            result[pairs] = predicate(self.shapes[shape], x[members], y[members])
        return result


class _Communities:
    """Community points, on an equirectangular projection for the nearest-neighbour search."""

    def __init__(self, places: list[Place]) -> None:
        places = sorted(places, key=lambda p: p.id)
        self.ids = np.array([p.id for p in places], dtype=np.int64)
        self.lat = np.array([p.lat for p in places], dtype=np.float64)
        self.lon = np.array([p.lon for p in places], dtype=np.float64)
        self.cos0 = math.cos(math.radians(float(self.lat.mean()))) if len(places) else 1.0
        # How far the projection's scale varies across the communities' latitudes: the
        # nearest on the projection is searched this much further, then measured exactly.
        low, high = (
            (float(np.abs(self.lat).min()), float(np.abs(self.lat).max()))
            if len(places)
            else (0.0, 0.0)
        )
        low, high = max(low - 0.5, 0.0), min(high + 0.5, 80.0)
        self.spread = 1.01 * math.cos(math.radians(low)) / math.cos(math.radians(high))
        self.tree = shapely.STRtree(self._project(self.lat, self.lon)) if len(places) else None
        self._by_ancestor: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def _project(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        return shapely.points(lon * self.cos0 * KM_PER_DEGREE, lat * KM_PER_DEGREE)

    def nearest(
        self, lat: np.ndarray, lon: np.ndarray, max_km: float
    ) -> tuple[np.ndarray, np.ndarray]:
        ids = np.full(len(lat), NONE, dtype=np.int64)
        km = np.full(len(lat), np.nan)
        if self.tree is None:
            return ids, km
        ok = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
        for start in range(0, len(ok), _CHUNK):
            index = ok[start : start + _CHUNK]
            points = self._project(lat[index], lon[index])
            # The nearest on the projection, then every community the projection's varying
            # scale could hide behind it: their great-circle distances decide.
            (found, _), projected = self.tree.query_nearest(
                points, max_distance=max_km * self.spread, return_distance=True, all_matches=False
            )
            if len(found) == 0:
                continue
            reach = projected * self.spread + 1e-9
            sub, community = self.tree.query(points[found], predicate="dwithin", distance=reach)
            rows = index[found[sub]]
            dist = haversine_km(lat[rows], lon[rows], self.lat[community], self.lon[community])
            order = np.lexsort((community, dist, rows))  # per row the closest, then lowest id
            rows, community, dist = rows[order], community[order], dist[order]
            first = np.ones(len(rows), dtype=bool)
            first[1:] = rows[1:] != rows[:-1]
            rows, community, dist = rows[first], community[first], dist[first]
            close = dist <= max_km
            ids[rows[close]] = self.ids[community[close]]
            km[rows[close]] = dist[close]
        return ids, km

    def nearest_within(
        self,
        lat: np.ndarray,
        lon: np.ndarray,
        max_km: float,
        within: np.ndarray,
        ancestors: Any,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The nearest community below the place ``within[i]`` of each point, if within max_km."""
        ids = np.full(len(lat), NONE, dtype=np.int64)
        km = np.full(len(lat), np.nan)
        within = np.asarray(within, dtype=np.int64)
        order = np.argsort(within, kind="stable")
        groups, starts = np.unique(within[order], return_index=True)
        bounds = [*starts.tolist(), len(order)]
        for g, parent in enumerate(groups.tolist()):
            rows = order[bounds[g] : bounds[g + 1]]
            members = self._below(parent, ancestors)
            if parent == NONE or not len(members):
                continue
            # The nearest on each point's own equirectangular projection (exact to a fraction
            # of a per cent at these distances), then its great-circle distance.
            step = max(1, 2_000_000 // len(members))
            for start in range(0, len(rows), step):
                part = rows[start : start + step]
                dx = (lon[part, None] - self.lon[members]) * np.cos(np.radians(lat[part]))[:, None]
                dy = lat[part, None] - self.lat[members]
                best = np.argmin(dx * dx + dy * dy, axis=1)
                chosen = members[best]
                dist = haversine_km(lat[part], lon[part], self.lat[chosen], self.lon[chosen])
                close = dist <= max_km
                ids[part[close]] = self.ids[chosen[close]]
                km[part[close]] = dist[close]
        return ids, km

    def _below(self, parent: int, ancestors: Any) -> np.ndarray:
        found = self._by_ancestor.get(parent)
        if found is None:
            if not self._by_ancestor:
                groups: dict[int, list[int]] = defaultdict(list)
                for k, community in enumerate(self.ids.tolist()):
                    for above in ancestors(community).values():
                        if above != community:
                            groups[above].append(k)
                self._by_ancestor = {a: np.array(m, dtype=np.int64) for a, m in groups.items()}
            found = self._by_ancestor.get(parent, np.empty(0, dtype=np.int64))
        return found


class NameIndex:
    """Names of places by level and by the place above them, matched with rapidfuzz.

    Each place is known by the keys (:func:`lagebild.ingest.names.name_key`) of its English and
    Arabic names, of the names without a bracketed part (``Yarmuk (Damascus)`` is also
    ``Yarmuk``) and of the :data:`~lagebild.ingest.names.ALTERNATIVE_NAMES` of its P-code. A name
    matches the place whose key is most like it (``fuzz.ratio``, 0-100) if the score reaches
    ``min_score``; on a tie, the place with the lower id.

    :meth:`match` reads admin1, admin2, admin3 and the location in turn: each is searched among
    the places of its level below the place matched so far, then among all of that level; the
    location among the communities below the sub-district matched, then below the district, then
    the governorate (among all communities only when no admin name matched). A name that matches
    nowhere is skipped.
    """

    def __init__(self, places: Iterable[Place], ancestors: Any, min_score: float) -> None:
        self.min_score = min_score
        self.ancestors = ancestors
        # (level, ancestor id or None) -> (keys, place ids); a place appears once per key
        self._choices: dict[tuple[int, int | None], tuple[list[str], list[int]]] = {}
        self._keys: dict[int, list[str]] = {}
        self._found: dict[tuple[str, int, int | None], tuple[int, float] | None] = {}
        ordered = sorted(places, key=lambda p: p.id)
        by_id = {p.id: p for p in ordered}
        for place in ordered:
            keys = _keys_of(place)
            if not keys:
                continue
            above = set(ancestors(place.id).values()) - {place.id}
            # A city named as its governorate or district (Idleb in Idleb) shares their
            # alternative names (Idlib, Edlib, ...).
            for parent in sorted(above):
                parent_keys = _keys_of(by_id[parent])
                if parent_keys and parent_keys[0] in keys:
                    keys += [k for k in parent_keys if k not in keys]
            self._keys[place.id] = keys
            level = min(place.level, 4)
            for parent in (None, *above):
                found = self._choices.setdefault((level, parent), ([], []))
                for key in keys:
                    found[0].append(key)
                    found[1].append(place.id)

    def best(self, name: str | None, level: int, under: int | None) -> tuple[int, float] | None:
        """(place id, score 0-100) of the place of ``level`` below ``under`` best named so."""
        key = name_key(name)
        choices = self._choices.get((level, under))
        if not key or choices is None:
            return None
        memo = (key, level, under)
        if memo in self._found:
            return self._found[memo]
        hit = process.extractOne(key, choices[0], scorer=fuzz.ratio, score_cutoff=self.min_score)
        found = None if hit is None else (choices[1][hit[2]], float(hit[1]))
        self._found[memo] = found
        return found

    def match(
        self,
        admin1: str | None,
        admin2: str | None = None,
        admin3: str | None = None,
        location: str | None = None,
    ) -> tuple[int, float]:
        """(place id, confidence) from the names, hierarchically; (NONE, NaN) when none fits."""
        matched: list[int] = []  # ids matched so far, coarse to fine
        place, score, wider = NONE, math.nan, False
        for level, name in ((1, admin1), (2, admin2), (3, admin3), (4, location)):
            if not name:
                continue
            # An admin name is searched below the place matched last, a location below each
            # place matched so far from the finest up; then everywhere.
            scopes: list[int | None] = list(matched[-1:] if level < 4 else matched[::-1])
            if level < 4 or not matched:
                scopes.append(None)
            hit, widened = None, False
            for k, under in enumerate(scopes):
                hit = self.best(name, level, under)
                if hit is not None:
                    widened = k > 0
                    break
            if hit is None:
                continue
            place, score, wider = hit[0], hit[1], widened
            matched.append(place)
        if place == NONE:
            return NONE, math.nan
        confidence = NAME_WEIGHT * score / 100 * (WIDER_SEARCH_WEIGHT if wider else 1.0)
        return place, round(confidence, 4)


def _keys_of(place: Place) -> list[str]:
    names: list[str] = [n for n in (place.name_en, place.name_ar) if n]
    names += [_BRACKETS.sub(" ", n).strip() for n in names if "(" in n]
    names += list(ALTERNATIVE_NAMES.get(place.pcode.upper(), ()))
    keys: list[str] = []
    for name in names:
        key = name_key(name)
        if key and key not in keys:
            keys.append(key)
    return keys
