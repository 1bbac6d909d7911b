"""Incidents per place and period, rolled up the place tree, and beside a place's access history.

An incident counts at its own place and at every place above it: a sub-district's figures hold
the events placed on its communities. An event placed only at a coarser level than the one
asked for (by name, on a governorate) counts in the total but in no row of that level; the
summary says how many (``above_level``). Events nothing could place count in the national total
(``unplaced``) and in no place.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lagebild.analysis.access import AccessPeriod
from lagebild.analysis.place import UnknownPlace
from lagebild.analysis.tree import PlaceTree, root_and_level
from lagebild.model import level_name
from lagebild.model.incidents import EventCount, IncidentRow
from lagebild.store import Store
from lagebild.store.incidents import (
    event_count_list,
    incident_list,
    incident_totals,
    placing_counts,
)
from lagebild.store.places import all_places


@dataclass
class IncidentCounts:
    """Events (by type), fatalities and attacks on aid of one place, or of a total."""

    pcode: str
    name: str
    level: str
    events: int = 0
    fatalities: int = 0
    attacks_on_aid: int = 0
    by_type: dict[str, int] = field(default_factory=dict)

    def add(self, event_type: str, events: int, fatalities: int, attacks: int) -> None:
        self.events += events
        self.fatalities += fatalities
        self.attacks_on_aid += attacks
        self.by_type[event_type] = self.by_type.get(event_type, 0) + events

    def as_dict(self) -> dict[str, Any]:
        return {
            "pcode": self.pcode,
            "name": self.name,
            "level": self.level,
            "events": self.events,
            "fatalities": self.fatalities,
            "attacks_on_aid": self.attacks_on_aid,
            "by_type": dict(sorted(self.by_type.items())),
        }


@dataclass
class IncidentSummary:
    place: str | None
    level: str
    date_from: date | None
    date_to: date | None
    places: list[IncidentCounts]
    total: IncidentCounts
    event_types: list[str]
    above_level: int  # events in the total placed only above ``level``
    unplaced: int  # events in the total that no place holds
    placed_by: dict[str, int]  # of all stored incidents: how each was placed

    def as_dict(self) -> dict[str, Any]:
        return {
            "place": self.place,
            "level": self.level,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "event_types": self.event_types,
            "places": [p.as_dict() for p in self.places],
            "total": self.total.as_dict(),
            "above_level": self.above_level,
            "unplaced": self.unplaced,
            "placed_by": self.placed_by,
        }


def incident_summary(
    store: Store,
    place: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    level: str | int | None = None,
) -> IncidentSummary:
    """Events by type, fatalities and attacks on aid per place of ``level`` (below ``place``
    when given), with the total, for incidents dated within [date_from, date_to].

    ``level`` defaults to the governorates, or to the level below ``place``. Places without an
    event are left out; the rest come by events, most first, then by P-code.
    """
    tree = PlaceTree(all_places(store))
    root, wanted = root_and_level(tree, place, level)
    if root is not None:
        total = IncidentCounts(root.pcode, root.name("en"), level_name(root.level))
    else:
        total = IncidentCounts("", "all places", "total")
    rows: dict[int, IncidentCounts] = {}
    types: set[str] = set()
    above = unplaced = 0
    for found in incident_totals(store, date_from, date_to):
        chain = tree.ancestors(found.place_id) if found.place_id in tree.places else {}
        if root is not None and chain.get(root.level) != root.id:
            continue
        types.add(found.event_type)
        total.add(found.event_type, found.events, found.fatalities, found.attacks_on_aid)
        if found.place_id is None:
            unplaced += found.events
            continue
        at = chain.get(wanted)
        if at is None:
            above += found.events
            continue
        if at not in rows:
            p = tree.places[at]
            rows[at] = IncidentCounts(p.pcode, p.name("en"), level_name(p.level))
        rows[at].add(found.event_type, found.events, found.fatalities, found.attacks_on_aid)
    ordered = sorted(rows.values(), key=lambda r: (-r.events, r.pcode))
    return IncidentSummary(
        place=root.pcode if root is not None else None,
        level=level_name(wanted),
        date_from=date_from,
        date_to=date_to,
        places=ordered,
        total=total,
        event_types=sorted(types),
        above_level=above,
        unplaced=unplaced,
        placed_by=placing_counts(store),
    )


def below(tree: PlaceTree, place_id: int) -> set[int]:
    """The place and every place under it."""
    found = {place_id}
    stack = [place_id]
    while stack:
        for child in tree.children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def incidents_at(
    store: Store,
    place: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    *,
    unplaced: bool = False,
    limit: int | None = None,
) -> tuple[PlaceTree, list[IncidentRow]]:
    """The incidents in a place and below it (all, or only the unplaced), by date."""
    tree, ids = _tree_below(store, place)
    rows = incident_list(store, ids, date_from, date_to, unplaced=unplaced, limit=limit)
    return tree, rows


def _tree_below(
    store: Store, place: str | None, tree: PlaceTree | None = None
) -> tuple[PlaceTree, set[int] | None]:
    """The place tree (read unless given), and the ids of a place and the places below it
    (None: everywhere)."""
    tree = tree or PlaceTree(all_places(store))
    if place is None:
        return tree, None
    root = tree.get(place)
    if root is None:
        raise UnknownPlace(place)
    return tree, below(tree, root.id)


def counted_at(
    store: Store,
    place: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    tree: PlaceTree | None = None,
) -> tuple[PlaceTree, list[EventCount]]:
    """The conflict events other sources counted (HDX HAPI's, imported) in a place and below
    it, whose periods lie within [date_from, date_to]: kept apart from the incidents, which may
    be the same events."""
    tree, ids = _tree_below(store, place, tree)
    return tree, event_count_list(store, ids, date_from, date_to)


def counted_number(
    store: Store, place: str | None, date_from: date | None, date_to: date | None
) -> int:
    """How many counts ``counted_at`` gives, without reading the place tree where no place is
    asked for (the incidents' summary says it on every call, and most databases hold none)."""
    if place is None:
        return len(event_count_list(store, None, date_from, date_to))
    return len(counted_at(store, place, date_from, date_to)[1])


def event_count_dict(count: EventCount, tree: PlaceTree) -> dict[str, Any]:
    """A count of events as the command line shows it, with its place's P-code and name."""
    place = tree.places.get(count.place_id)
    return {
        "date_start": count.date_start.isoformat(),
        "date_end": count.date_end.isoformat(),
        "period": period_said(count.date_start, count.date_end),
        "pcode": place.pcode if place else None,
        "place": place.name("en") if place else None,
        "event_type": count.event_type,
        "events": count.events,
        "fatalities": count.fatalities,
        "source": count.source,
    }


def whole_month(start: date, end: date) -> bool:
    """Whether a period is one whole calendar month."""
    last = calendar.monthrange(start.year, start.month)[1]
    return start.day == 1 and end == start.replace(day=last)


def period_said(start: date, end: date) -> str:
    """``2025-01`` for a whole calendar month, else ``2025-01-01..2025-01-15``."""
    if whole_month(start, end):
        return f"{start:%Y-%m}"
    return f"{start.isoformat()}..{end.isoformat()}"


def incident_dict(row: IncidentRow, tree: PlaceTree) -> dict[str, Any]:
    """An incident as the command line and the API show it, with its place's P-code."""
    place = tree.places.get(row.place_id) if row.place_id is not None else None
    return {
        "id": row.id,
        "event_code": row.event_code,
        "date": row.date.isoformat(),
        "event_type": row.event_type,
        "sub_event_type": row.sub_event_type,
        "actor1": row.actor1,
        "actor2": row.actor2,
        "fatalities": row.fatalities,
        "attack_on_aid": row.attack_on_aid,
        "location": row.location,
        "admin_names": row.admin_names,
        "lat": row.lat,
        "lon": row.lon,
        "pcode": place.pcode if place else None,
        "place": place.name("en") if place else None,
        "placed_by": row.placed_by,
        "confidence": row.place_confidence,
        "distance_km": row.place_distance_km,
        "notes": row.notes,
        "reported_by": row.reported_by,
        "source": row.source,
        "file_name": row.file_name,
        "row_number": row.row_number,
    }


@dataclass(frozen=True)
class PeriodIncidents:
    """The incidents in a place (and below it) while one access status held; ``period`` None:
    before its first status."""

    period: AccessPeriod | None
    incidents: list[IncidentRow]

    @property
    def fatalities(self) -> int:
        return sum(r.fatalities or 0 for r in self.incidents)

    @property
    def attacks_on_aid(self) -> int:
        return sum(1 for r in self.incidents if r.attack_on_aid)


def incidents_by_period(
    store: Store, tree: PlaceTree, place_id: int, periods: Sequence[AccessPeriod]
) -> list[PeriodIncidents]:
    """The incidents in the place and below it, split by the access periods they fell in:
    [before the first period, if any incident did], then one entry per period."""
    rows = incident_list(store, below(tree, place_id))
    groups: dict[int, list[IncidentRow]] = defaultdict(list)
    for row in rows:
        k = -1
        for j, period in enumerate(periods):
            if row.date >= period.valid_from and (
                period.valid_to is None or row.date < period.valid_to
            ):
                k = j
                break
        groups[k].append(row)
    out = [PeriodIncidents(None, groups[-1])] if groups.get(-1) else []
    out += [PeriodIncidents(period, groups.get(j, [])) for j, period in enumerate(periods)]
    return out
