"""Conflict incidents per place in a window: what the situation and the priorities count of the
war (events, fatalities, attacks on aid), rolled up to a level."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta

from lagebild.analysis.tree import PlaceTree
from lagebild.store import Store
from lagebild.store.damage import incident_sums


@dataclass(frozen=True)
class IncidentCount:
    """Conflict incidents in a period: events, fatalities, attacks on aid."""

    events: int = 0
    fatalities: int = 0
    attacks_on_aid: int = 0
    unplaced: int = 0  # events that could not be placed on a P-code (totals only)

    def __add__(self, other: IncidentCount) -> IncidentCount:
        return IncidentCount(
            self.events + other.events,
            self.fatalities + other.fatalities,
            self.attacks_on_aid + other.attacks_on_aid,
            self.unplaced + other.unplaced,
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "events": self.events,
            "fatalities": self.fatalities,
            "attacks_on_aid": self.attacks_on_aid,
            "unplaced": self.unplaced,
        }


def recent_incidents(
    store: Store, tree: PlaceTree, as_of: date, window: int, level: int
) -> tuple[dict[int, IncidentCount], IncidentCount]:
    """Incidents dated in ``(as_of - window, as_of]``: per place of ``level`` (its events and
    those of the places below it), and in total, with the events that could not be placed and
    those placed above the level."""
    per_place: dict[int, IncidentCount] = defaultdict(IncidentCount)
    total = IncidentCount()
    for found in incident_sums(store, as_of - timedelta(days=window), as_of):
        count = IncidentCount(found.events, found.fatalities, found.attacks_on_aid)
        if found.place_id is None or found.place_id not in tree.places:
            total += replace(count, unplaced=found.events)
            continue
        total += count
        target = tree.ancestor_at(found.place_id, level)
        if target is not None:
            per_place[target] += count
    return dict(per_place), total
