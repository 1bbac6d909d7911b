"""The war in the analysis: recent incidents per place, and the severity ranking of gaps.

``lagebild gaps --rank severity`` ranks places by a severity that adds recent incidents and
damage to people in need and days without aid (docs/severity.md):

    severity = 100 × (0.4 × need + 0.2 × aid + 0.2 × incidents + 0.2 × damage)

each part between 0 and 1, relative to the places ranked:

* need = people in need / the largest people in need among them (0 when unknown);
* aid = min(days without aid, 3 × window) / (3 × window), and 1 for a place that never had a
  delivery; 0 when no one there is known to be in need (no one waits for aid);
* incidents = ½ × events / the most events + ½ × fatalities / the most fatalities, counting the
  incidents dated in the window in the place and below it;
* damage = damage total (destroyed + severe + moderate) / the largest damage total, on the date,
  in each unit (houses, buildings), the larger of the units.

A part whose largest value is 0 is 0 for every place. Ties keep the plain order of DESIGN.md.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta

from lagebild.analysis.tree import PlaceTree
from lagebild.store import Store
from lagebild.store.damage import incident_sums

#: Weights of the parts of the severity; they add up to 1.
WEIGHTS = {"need": 0.4, "aid": 0.2, "incidents": 0.2, "damage": 0.2}
#: Days without aid count up to this many windows.
AID_WINDOWS = 3
SEVERITY_RULE = (
    "severity = 100 × (0.4 × need + 0.2 × aid + 0.2 × incidents + 0.2 × damage); need = people "
    "in need / the largest; aid = min(days without aid, 3 × window) / (3 × window), 1 if never, "
    "0 without people in need; incidents = ½ events / the most + ½ fatalities / the most, in the "
    "window; damage = damage total / the largest, per unit, the larger"
)


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


@dataclass(frozen=True)
class Severity:
    """A place's severity (0-100) and its parts (each 0-1), with the raw numbers behind them."""

    value: float
    need: float
    aid: float
    incidents: float
    damage: float
    events: int
    fatalities: int
    damage_total: dict[str, float]

    def as_dict(self) -> dict[str, object]:
        return {
            "severity": self.value,
            "severity_parts": {
                "need": self.need,
                "aid": self.aid,
                "incidents": self.incidents,
                "damage": self.damage,
            },
            "incidents": self.events,
            "fatalities": self.fatalities,
            "damage_total": self.damage_total,
        }
