"""What a gazetteer file does to the places already known: added, renamed, moved, retired, ...

A gazetteer imported over existing places is compared with them P-code by P-code before anything
is written. Renames and moves change what a place *is* and need ``--update-places``; filling an
empty field, retiring a place or correcting coordinates does not. Every change of an existing place
goes to the audit trail with its old and new value.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lagebild.model import Place, level_name

ADDED = "added"
RENAMED = "renamed"
MOVED = "moved"
RETIRED = "retired"
COMPLETED = "completed"
RELOCATED = "relocated"
REVISED = "revised"
UNCHANGED = "unchanged"
#: Every kind of outcome, in the order reports show them.
KINDS = (ADDED, RENAMED, MOVED, RETIRED, COMPLETED, RELOCATED, REVISED, UNCHANGED)
#: Changes of meaning: applied only with ``--update-places``.
NEED_UPDATE = (RENAMED, MOVED)
#: Coordinates that move further than this are a relocation, nearer a revision.
RELOCATION_KM = 1.0
EARTH_RADIUS_KM = 6371.0088
#: How to apply what the import refuses.
_NAMES = ("name_en", "name_ar")


@dataclass(frozen=True, slots=True)
class PlaceChange:
    """One field of one place, as the file would set it (``added``: the place itself)."""

    kind: str
    pcode: str
    level: int
    field: str | None  # name_en, name_ar, parent, coordinates, geometry, valid_from, valid_to
    old: Any
    new: Any
    row: int | None
    column: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "pcode": self.pcode,
            "level": level_name(self.level),
            "field": self.field,
            "old": shown(self.field, self.old),
            "new": shown(self.field, self.new),
            "row": self.row,
            "column": self.column,
        }


@dataclass
class PlaceChanges:
    """What a gazetteer file does to the places: places per kind, and each change."""

    counts: Counter[str] = field(default_factory=Counter)  # places per kind
    changes: list[PlaceChange] = field(default_factory=list)
    applied: bool = False  # written (not a dry run, not refused)
    #: Known P-codes the file gives at another level: never applied (``field`` is ``level``).
    conflicts: list[PlaceChange] = field(default_factory=list)

    def of(self, *kinds: str) -> list[PlaceChange]:
        return [c for c in self.changes if c.kind in kinds]

    @property
    def refused(self) -> list[PlaceChange]:
        """The changes that need ``--update-places``."""
        return self.of(*NEED_UPDATE)

    def as_dict(self) -> dict[str, Any]:
        return {
            "counts": {kind: self.counts[kind] for kind in KINDS},
            "applied": self.applied,
            "changes": [c.as_dict() for c in self.changes],
            "level_conflicts": [c.as_dict() for c in self.conflicts],
        }

    def lines(self, limit: int = 20, width: int = 80) -> list[str]:
        """The text report: places per kind, then the first renames and moves, old -> new."""
        widths = [max(len(k), len(f"{self.counts[k]:,}")) for k in KINDS]
        out = [
            "places " + ("changed:" if self.applied else "would change:"),
            "  " + "  ".join(k.rjust(w) for k, w in zip(KINDS, widths, strict=True)),
            "  "
            + "  ".join(f"{self.counts[k]:,}".rjust(w) for k, w in zip(KINDS, widths, strict=True)),
        ]
        listed = self.refused
        for change in listed[:limit]:
            head = f"  {change.pcode:<9} {level_name(change.level):<5} {change.field:<8} "
            room = max(width - len(head) - 4, 20)
            old, new = shown(change.field, change.old), shown(change.field, change.new)
            out.append(f"{head}{_cut(old, room // 2)} -> {_cut(new, room - room // 2)}")
        if len(listed) > limit:
            out.append(f"  and {len(listed) - limit:,} more (--format json lists them all)")
        return out


def shown(field_name: str | None, value: Any) -> Any:
    """A value as reports show it: dates as ISO text, a boundary as its type and size."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if field_name == "geometry":
        return _boundary(str(value))
    if field_name == "coordinates":
        return ", ".join("-" if v is None else f"{v:.5f}" for v in value)
    return value


def _boundary(text: str) -> str:
    try:
        kind = json.loads(text).get("type", "geometry")
    except (ValueError, AttributeError):
        kind = "geometry"
    return f"{kind} ({len(text):,} characters)"


def _cut(value: Any, room: int) -> str:
    text = "-" if value is None else str(value)
    return text if len(text) <= room else text[: room - 1] + "…"


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points in degrees."""
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dp, dl = p2 - p1, math.radians(b[1] - a[1])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(max(h, 0.0), 1.0)))


def plan(
    rows: Sequence[dict[str, Any]],
    existing: Iterable[Place],
    geometries: Mapping[int, str],
    column_of: Callable[[str | None], str | None],
) -> tuple[PlaceChanges, list[dict[str, Any]]]:
    """Compare a gazetteer's place rows (``records.places``) with the places known.

    Returns the changes, and the rows to write: new places whole, known places with only the
    fields that change (``upsert_places`` leaves the others alone). ``geometries``: place id ->
    its stored boundary; ``column_of``: a layout role -> the column as reports name it.
    """
    known = {p.pcode: p for p in existing}
    pcode_of = {p.id: p.pcode for p in known.values()}
    result = PlaceChanges()
    out: list[dict[str, Any]] = []
    for row in rows:
        place = known.get(row["pcode"])
        if place is None:
            result.counts[ADDED] += 1
            name = row.get("name_en") or row.get("name_ar")
            result.changes.append(
                PlaceChange(
                    ADDED, row["pcode"], row["level"], None, None, name, row.get("row_number")
                )
            )
            out.append(row)
            continue
        if row["level"] != place.level:
            at, role = row.get("origins", {}).get("code", (row.get("row_number"), None))
            old, new = level_name(place.level), level_name(row["level"])
            conflict = PlaceChange(
                "level", place.pcode, place.level, "level", old, new, at, column_of(role)
            )
            result.conflicts.append(conflict)
            continue
        found = _compare(row, place, pcode_of, geometries.get(place.id), column_of)
        kinds = {c.kind for c in found}
        result.counts.update(kinds or {UNCHANGED})
        result.changes.extend(found)
        if found:
            out.append(_only_changed(row, found))
    return result, out


def _compare(
    row: dict[str, Any],
    place: Place,
    pcode_of: Mapping[int, str],
    geometry: str | None,
    column_of: Callable[[str | None], str | None],
) -> list[PlaceChange]:
    origins: dict[str, tuple[int, str | None]] = row.get("origins", {})
    found: list[PlaceChange] = []

    def change(kind: str, name: str, old: Any, new: Any) -> None:
        at, role = origins.get(name, (row.get("row_number"), None))
        found.append(
            PlaceChange(kind, place.pcode, place.level, name, old, new, at, column_of(role))
        )

    for name in _NAMES:
        old, new = getattr(place, name), row.get(name)
        if new is not None and new != old:
            change(RENAMED if old else COMPLETED, name, old, new)
    old_parent = pcode_of.get(place.parent_id) if place.parent_id is not None else None
    new_parent = row.get("parent")
    if new_parent is not None and new_parent != old_parent:
        change(MOVED if old_parent else COMPLETED, "parent", old_parent, new_parent)
    lat, lon = row.get("lat"), row.get("lon")
    new_point = (place.lat if lat is None else lat, place.lon if lon is None else lon)
    if new_point != (place.lat, place.lon):
        if place.lat is None or place.lon is None:
            change(COMPLETED, "coordinates", None, new_point)
        else:
            old_point = (place.lat, place.lon)
            moved_to = (place.lat if lat is None else lat, place.lon if lon is None else lon)
            far = distance_km(old_point, moved_to) > RELOCATION_KM
            change(RELOCATED if far else REVISED, "coordinates", old_point, moved_to)
    if row.get("geometry") is not None and row["geometry"] != geometry:
        change(RELOCATED if geometry else COMPLETED, "geometry", geometry, row["geometry"])
    if row.get("valid_from") is not None and row["valid_from"] != place.valid_from:
        change(
            REVISED if place.valid_from else COMPLETED,
            "valid_from",
            place.valid_from,
            row["valid_from"],
        )
    if row.get("valid_to") is not None and row["valid_to"] != place.valid_to:
        change(RETIRED, "valid_to", place.valid_to, row["valid_to"])
    return found


_FIELDS_OF = {
    "name_en": ("name_en",),
    "name_ar": ("name_ar",),
    "parent": ("parent",),
    "coordinates": ("lat", "lon"),
    "geometry": ("geometry",),
    "valid_from": ("valid_from",),
    "valid_to": ("valid_to",),
}


def _only_changed(row: dict[str, Any], found: Sequence[PlaceChange]) -> dict[str, Any]:
    kept = {"pcode": row["pcode"], "level": row["level"], "parent": None}
    for change in found:
        for key in _FIELDS_OF[change.field or ""]:
            kept[key] = row.get(key)
    return kept


def audit_rows(
    changes: PlaceChanges, ids: Mapping[str, int], import_id: int, file: str
) -> list[dict[str, Any]]:
    """One audit row per changed place: its changed fields before and after.

    Added places are in the import's own audit rows (``lagebild.store.imports.record_import``).
    """
    by_place: dict[str, list[PlaceChange]] = {}
    for change in changes.changes:
        if change.kind != ADDED:
            by_place.setdefault(change.pcode, []).append(change)
    rows = []
    for pcode, found in by_place.items():
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for change in found:
            keys = _FIELDS_OF[change.field or ""]
            old = change.old if len(keys) > 1 else (change.old,)
            new = change.new if len(keys) > 1 else (change.new,)
            for i, key in enumerate(keys):
                before[key] = _plain(old[i] if old is not None else None)
                after[key] = _plain(new[i] if new is not None else None)
        kinds = [k for k in KINDS if any(c.kind == k for c in found)]
        rows.append(
            {
                "action": "edit",
                "record_kind": "place",
                "record_id": ids[pcode],
                "place_id": ids[pcode],
                "import_id": import_id,
                "before": before,
                "after": after,
                "why": f"{', '.join(kinds)} by gazetteer import #{import_id} ({file})",
            }
        )
    return rows


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
