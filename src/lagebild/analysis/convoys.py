"""Convoy statistics per place and period: requested, approved, denied, delivered, and the shares
a coordinator reports.

A convoy belongs to the period of its request date (``requested_on``), so that each request is
followed to its end: a convoy requested in February and delivered in March counts in February.

* ``approved`` counts the convoys approved in full or in part, delivered or not (a delivered
  convoy was approved; in part when fewer trucks or people were approved than requested);
  ``pending`` those not decided yet.
* ``denied_share`` = convoys denied / convoys requested (a request still undecided counts in the
  denominator: it was not approved either).
* ``reached_share`` = people reached by the delivered convoys / people planned in every request
  (denied and undecided ones too: the people they were meant for were not reached).
* ``medical_removed_share`` = medical items removed / medical items loaded, over the delivered
  convoys; an item's load is its planned quantity, else what arrived plus what was removed.
  Quantities are added as they are: give medical items in one unit (treatments, say).
* ``population_reached_share`` = people reached / the population of the place (its current
  figure at the end of the period; a place without one takes the sum of its children's).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from lagebild.analysis.access import AccessOn, access_of, status_on
from lagebild.analysis.figures import FigureValue, Rollup, current_figures, own_from
from lagebild.analysis.tree import PlaceTree
from lagebild.errors import RefusedInput
from lagebild.model import AccessRow, level_name
from lagebild.model.convoys import Convoy
from lagebild.store import Store
from lagebild.store.convoys import convoys
from lagebild.store.places import all_places
from lagebild.store.sources import all_sources

PERIODS = ("total", "month")
AccessNow = dict[int, tuple[AccessRow, date]]


def _share(part: float, whole: float | None) -> float | None:
    return part / whole if whole else None


@dataclass
class ConvoyTally:
    """The convoys of one place (or of all places) in one period, counted."""

    requested: int = 0
    approved: int = 0  # approved in full or in part, delivered or not
    partly_approved: int = 0
    denied: int = 0
    pending: int = 0  # not decided yet
    delivered: int = 0
    trucks: int = 0
    trucks_approved: int = 0
    planned_people: float = 0.0
    reached: float = 0.0
    medical_loaded: float = 0.0
    medical_removed: float = 0.0
    codes: list[str] = field(default_factory=list)

    def add(self, convoy: Convoy) -> None:
        self.requested += 1
        self.codes.append(convoy.code)
        decision = convoy.decision
        if decision in ("approved", "partly_approved"):
            self.approved += 1
            self.partly_approved += decision == "partly_approved"
        elif decision == "denied":
            self.denied += 1
        else:
            self.pending += 1
        self.trucks += convoy.trucks or 0
        self.trucks_approved += convoy.trucks_approved or 0
        self.planned_people += convoy.planned_people or 0.0
        if convoy.status != "delivered":
            return
        self.delivered += 1
        self.reached += convoy.reached or 0.0
        for item in convoy.items:
            loaded = item.loaded
            if item.category == "medical" and loaded is not None:
                self.medical_loaded += loaded
                self.medical_removed += item.removed or 0.0

    @property
    def denied_share(self) -> float | None:
        return _share(self.denied, self.requested)

    @property
    def reached_share(self) -> float | None:
        return _share(self.reached, self.planned_people)

    @property
    def medical_removed_share(self) -> float | None:
        return _share(self.medical_removed, self.medical_loaded)

    def counts(self) -> dict[str, object]:
        return {
            "requested": self.requested,
            "approved": self.approved,
            "partly_approved": self.partly_approved,
            "denied": self.denied,
            "pending": self.pending,
            "delivered": self.delivered,
            "trucks": self.trucks,
            "trucks_approved": self.trucks_approved,
            "planned_people": self.planned_people,
            "reached": self.reached,
            "denied_share": self.denied_share,
            "reached_share": self.reached_share,
            "medical_loaded": self.medical_loaded,
            "medical_removed": self.medical_removed,
            "medical_removed_share": self.medical_removed_share,
        }


@dataclass(frozen=True)
class ConvoyStatsRow:
    """One place (``pcode`` empty for the total of all places) in one period."""

    period: str
    pcode: str
    name: str
    level: str
    access: AccessOn | None
    population: FigureValue | None
    tally: ConvoyTally

    @property
    def population_reached_share(self) -> float | None:
        return _share(self.tally.reached, self.population.value if self.population else None)

    def as_dict(self) -> dict[str, object]:
        return {
            "period": self.period,
            "pcode": self.pcode,
            "name": self.name,
            "level": self.level,
            "access": self.access.status if self.access else None,
            "besieged_by": self.access.party if self.access else None,
            **self.tally.counts(),
            "population": self.population.value if self.population else None,
            "population_sources": list(self.population.sources) if self.population else [],
            "population_reached_share": self.population_reached_share,
            "convoys": list(self.tally.codes),
        }


@dataclass
class ConvoyStats:
    date_from: date | None
    date_to: date | None
    level: str | None
    by: str
    places: list[ConvoyStatsRow] = field(default_factory=list)
    totals: list[ConvoyStatsRow] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "level": self.level,
            "by": self.by,
            "places": [r.as_dict() for r in self.places],
            "totals": [r.as_dict() for r in self.totals],
        }


def _month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def _last_day(found: Iterable[Convoy]) -> date:
    days = [
        d for c in found for d in (c.requested_on, c.decided_on, c.delivered_on) if d is not None
    ]
    return max(days, default=date.today())


class _Picture:
    """Population and access of places on a date, computed once per date."""

    def __init__(self, store: Store, tree: PlaceTree) -> None:
        self.store, self.tree = store, tree
        self._on: dict[date, tuple[Rollup, AccessNow]] = {}

    def on(self, day: date) -> tuple[Rollup, AccessNow]:
        if day not in self._on:
            sources = all_sources(self.store)
            rows = current_figures(self.store, "population", day, "", sources)
            self._on[day] = (
                Rollup(self.tree, own_from(rows, sources)),
                status_on(self.store, day),
            )
        return self._on[day]


def convoy_stats(
    store: Store,
    date_from: date | None = None,
    date_to: date | None = None,
    level: int | None = None,
    by: str = "total",
    tree: PlaceTree | None = None,
) -> ConvoyStats:
    """Convoys requested in ``[date_from, date_to]`` per place (the convoy's own place, or its
    place at ``level``) and per period (``total`` or ``month``), and their total per period."""
    if by not in PERIODS:
        raise RefusedInput(f"unknown period {by!r}: use {' or '.join(PERIODS)}")
    if date_from and date_to and date_to < date_from:
        raise RefusedInput(f"the period ends ({date_to}) before it starts ({date_from})")
    tree = tree or PlaceTree(all_places(store))
    found = convoys(store, requested_from=date_from, requested_to=date_to)
    end = date_to or _last_day(found)
    start = date_from or min((c.requested_on for c in found), default=end)
    tallies: dict[tuple[str, int], ConvoyTally] = defaultdict(ConvoyTally)
    totals: dict[str, ConvoyTally] = defaultdict(ConvoyTally)
    period_end: dict[str, date] = {}
    for convoy in found:
        if by == "month":
            period = convoy.requested_on.strftime("%Y-%m")
            period_end[period] = min(_month_end(convoy.requested_on), end)
        else:
            period = f"{start.isoformat()}..{end.isoformat()}"
            period_end[period] = end
        place_id = convoy.place_id
        if level is not None:
            place_id = tree.ancestor_at(place_id, level) or place_id
        tallies[(period, place_id)].add(convoy)
        totals[period].add(convoy)
    picture = _Picture(store, tree)
    result = ConvoyStats(date_from, date_to, level_name(level) if level is not None else None, by)
    population_of: dict[str, float] = defaultdict(float)
    sources_of: dict[str, set[str]] = defaultdict(set)
    for (period, place_id), tally in sorted(
        tallies.items(), key=lambda kv: (kv[0][0], tree.places[kv[0][1]].pcode)
    ):
        place = tree.places[place_id]
        population, access_now = picture.on(period_end[period])
        people = population.value(place_id)
        if people is not None:
            population_of[period] += people.value
            sources_of[period].update(people.sources)
        result.places.append(
            ConvoyStatsRow(
                period,
                place.pcode,
                place.name("en"),
                level_name(place.level),
                access_of(tree, access_now, place_id),
                people,
                tally,
            )
        )
    for period, tally in sorted(totals.items()):
        people = (
            FigureValue(population_of[period], "places", None, tuple(sorted(sources_of[period])))
            if period in population_of
            else None
        )
        result.totals.append(ConvoyStatsRow(period, "", "total", "total", None, people, tally))
    return result


__all__ = ["PERIODS", "ConvoyStats", "ConvoyStatsRow", "ConvoyTally", "convoy_stats"]
