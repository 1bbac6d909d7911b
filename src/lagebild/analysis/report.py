"""The situation report: the numbers of one date and what changed since another, gathered once
for ``lagebild report`` and the ``/report`` page to render (``publish/report``).

Numbers only, no words: key figures with their sources and grades, the changes of the period
(cut-off places, access, convoys, incidents, damage), the cut-off places, the besieged population
by besieging party, the priorities, the latest saved plan's summary, the map's areas and the
charts' series. Gathered as a reader of a role sees them: for the public, small counts are
suppressed as the sharing protocol says (``Hidden``), and a saved plan is left out for those who
do not see detail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from lagebild.analysis.access import status_on
from lagebild.analysis.convoys import ConvoyTally, convoy_stats
from lagebild.analysis.damage import damage_shares
from lagebild.analysis.figures import FigureValue
from lagebild.analysis.gaps import GapRow, gaps
from lagebild.analysis.overview import (
    besieged_by_party,
    coverage_by_sector,
    monthly_reached,
)
from lagebild.analysis.priorities import Model
from lagebild.analysis.priority_list import priority_list
from lagebild.analysis.situation import situation
from lagebild.analysis.tree import PlaceTree
from lagebild.analysis.violence import IncidentCount, recent_incidents
from lagebild.errors import RefusedInput
from lagebild.security import policy
from lagebild.security import protocol as sharing
from lagebild.store import Store
from lagebild.store.incidents import event_count_list
from lagebild.store.places import all_places, place_geometries
from lagebild.store.plans import saved_plans
from lagebild.store.sources import all_sources

#: The levels of the report: the key figures and the map by governorate, cut-off places and
#: priorities by community and sub-district.
KEY_LEVEL = 1
CUT_OFF_LEVEL = 4
PRIORITY_LEVEL = 3
#: The areas the map marks where cut-off communities are: sub-districts.
CUT_OFF_AREA_LEVEL = 3
MONTHS = 12
TOP_PRIORITIES = 10
#: The key figures, each a situation column.
KEY_FIGURES = ("population", "people_in_need", "displaced", "besieged", "hard_to_reach")


@dataclass(frozen=True)
class Hidden:
    """A count suppressed for the public: above 0 and below ``threshold``."""

    threshold: int


Count = float | Hidden | None


@dataclass(frozen=True)
class SourceGrade:
    name: str
    grade: str  # the Admiralty grade, such as B2, or "unrated"


@dataclass(frozen=True)
class KeyFigure:
    key: str  # a situation column, or "reached"
    value: Count
    date: date | None
    basis: str
    sources: tuple[SourceGrade, ...]


@dataclass(frozen=True)
class CutOffPlace:
    pcode: str
    name: str
    name_ar: str | None
    people_in_need: Count
    access: str | None
    party: str | None
    access_since: date | None
    last_delivery: date | None
    days_without_aid: int | None
    new: bool  # not cut off at the start of the period
    sources: tuple[str, ...]


@dataclass(frozen=True)
class AccessChange:
    pcode: str
    name: str
    name_ar: str | None
    before: str | None
    after: str | None
    party: str | None
    on: date | None


@dataclass(frozen=True)
class DamageChange:
    unit: str
    destroyed_before: float
    destroyed: float
    total_before: float
    total: float


@dataclass(frozen=True)
class CountedEvents:
    """The newest period other sources counted conflict events for (HDX HAPI's, imported), up to
    the report's date: kept apart from the incidents, which may be the same events."""

    start: date
    end: date
    events: int
    fatalities: Count
    sources: tuple[str, ...]  # none for the public (the protocol's incident sources)


@dataclass(frozen=True)
class Changes:
    new_cut_off: int
    no_longer_cut_off: int
    cut_off_before: int
    cut_off_now: int
    access: list[AccessChange]
    convoys: dict[str, int]
    incidents: IncidentCount
    incidents_before: IncidentCount  # the period of the same length before
    fatalities: Count
    fatalities_before: Count
    damage: list[DamageChange]
    counted: CountedEvents | None = None


@dataclass(frozen=True)
class PartyRow:
    party: str | None
    people: float
    places: int


@dataclass(frozen=True)
class PriorityRow:
    rank: int
    pcode: str
    name: str
    name_ar: str | None
    score: float | None
    category: str  # a category name of the model, or "no data"
    people_in_need: Count
    access: str | None
    days_without_aid: int | None
    cut_off: bool


@dataclass(frozen=True)
class PlanAccess:
    access: str  # an access status, or "none"
    need: float
    covered: float
    greedy_covered: float


@dataclass(frozen=True)
class PlanSummary:
    name: str
    as_of: date
    weeks: int
    objective: float | None
    greedy_objective: float | None
    by_access: list[PlanAccess]


@dataclass(frozen=True)
class MapArea:
    pcode: str
    name: str
    name_ar: str | None
    geometry: str  # GeoJSON geometry text
    people_in_need: float | None
    cut_off_people: Count
    cut_off_places: int


@dataclass(frozen=True)
class MonthRow:
    month: date
    reached: Count  # the largest sector's people reached (unique people, at least)


@dataclass(frozen=True)
class SectorRow:
    sector: str
    reached: Count
    people_in_need: float | None
    coverage: float | None  # None: no people in need known, or suppressed with reached
    basis: str  # "sector" or "inter-sector"


@dataclass
class Report:
    as_of: date
    since: date
    window: int
    public: bool
    threshold: int
    key_figures: list[KeyFigure] = field(default_factory=list)
    changes: Changes | None = None
    cut_off: list[CutOffPlace] = field(default_factory=list)
    parties: list[PartyRow] = field(default_factory=list)
    besieged_total: float = 0.0
    party_withheld: bool = False  # the sharing protocol keeps the besieging party from the reader
    priorities: list[PriorityRow] = field(default_factory=list)
    priority_places: int = 0
    plan: PlanSummary | None = None
    areas: list[MapArea] = field(default_factory=list)
    #: The sub-districts with cut-off communities (people in need: None), marked on the map.
    cut_off_areas: list[MapArea] = field(default_factory=list)
    months: list[MonthRow] = field(default_factory=list)
    sectors: list[SectorRow] = field(default_factory=list)
    sources: list[SourceGrade] = field(default_factory=list)

    def figure(self, key: str) -> KeyFigure | None:
        return next((f for f in self.key_figures if f.key == key), None)


def report_since(as_of: date, since: date | None) -> date:
    """The start of the report's period: ``since``, by default a week before ``as_of``;
    refused when it is not before ``as_of``."""
    start = since if since is not None else as_of - timedelta(days=7)
    if start >= as_of:
        raise RefusedInput(
            f"the period must start before the report's date: --since {start.isoformat()} is "
            f"not before --as-of {as_of.isoformat()}"
        )
    return start


class _Counts:
    """Counts as the reader sees them: suppressed below the threshold for the public."""

    def __init__(self, public: bool, threshold: int) -> None:
        self.public, self.threshold = public, threshold

    def __call__(self, value: float | None) -> Count:
        if value is None:
            return None
        if self.public and 0 < value < self.threshold:
            return Hidden(self.threshold)
        return float(value)


def situation_report(
    store: Store,
    as_of: date,
    since: date | None = None,
    window: int = 30,
    principal: policy.Principal | None = None,
    protocol: sharing.Protocol | None = None,
    model: Model | None = None,
    tree: PlaceTree | None = None,
) -> Report:
    """The report of ``as_of`` and the period from ``since`` (a week before by default), as
    ``principal`` (the local user by default) may see it."""
    start = report_since(as_of, since)
    principal = principal or policy.local()
    protocol = protocol or sharing.default()
    public = sharing.sees_public_tables(principal)
    count = _Counts(public, protocol.threshold)
    tree = tree or PlaceTree(all_places(store))
    report = Report(as_of, start, window, public, protocol.threshold)
    grades = {s.name: s.grade for s in all_sources(store).values()}
    used: set[str] = set()

    def graded(value: FigureValue | None) -> tuple[SourceGrade, ...]:
        names = value.sources if value else ()
        used.update(names)
        return tuple(SourceGrade(n, grades.get(n, "unrated")) for n in names)

    picture = situation(store, as_of, window, KEY_LEVEL, tree=tree)
    total = picture.total
    for key in KEY_FIGURES:
        value: FigureValue | None = getattr(total, key) if total else None
        report.key_figures.append(KeyFigure(
            key, value.value if value else None, value.date if value else None,
            value.basis if value else "", graded(value),
        ))  # fmt: skip
    report.key_figures.append(
        KeyFigure("reached", count(total.reached if total else None), as_of, "", ())
    )

    now = gaps(store, as_of, window, CUT_OFF_LEVEL, tree=tree)
    then = gaps(store, start, window, CUT_OFF_LEVEL, tree=tree)
    before = {r.pcode for r in then.cut_off}
    for row in sorted(now.cut_off, key=_need_first):
        need = row.people_in_need
        used.update(need.sources if need else ())
        report.cut_off.append(CutOffPlace(
            row.pcode, row.name, row.name_ar, count(need.value if need else None),
            row.access.status if row.access else None, _party(row, principal, protocol),
            row.access.since if row.access else None, row.last_delivery, row.days_without_aid,
            row.pcode not in before, need.sources if need else (),
        ))  # fmt: skip
    report.changes = _changes(store, tree, as_of, start, now.cut_off, then.cut_off, count)

    parties = besieged_by_party(store, as_of, tree)
    report.besieged_total = sum(p.people for p in parties)
    report.party_withheld = not _party_shown(principal, protocol)
    for share in parties:
        report.parties.append(PartyRow(share.party, share.people, len(share.places)))
        for _, value in share.places:
            used.update(value.sources)
    if report.party_withheld and parties:  # one share: the parties' names are not the reader's
        report.parties = [PartyRow(None, report.besieged_total,
                                   sum(p.places for p in report.parties))]  # fmt: skip

    ranked = priority_list(store, as_of, window, PRIORITY_LEVEL, model=model, tree=tree)
    report.priority_places = len(ranked.places)
    for rank, row in enumerate(ranked.places[:TOP_PRIORITIES], start=1):
        p = row.priority
        report.priorities.append(PriorityRow(
            rank, row.pcode, row.name, row.name_ar, p.score if p else None,
            (p.category_name if p else None) or "no data",
            count(row.people_in_need.value if row.people_in_need else None),
            row.access.status if row.access else None, row.days_without_aid, row.cut_off,
        ))  # fmt: skip

    if policy.may(principal, policy.SEE_DETAIL):
        report.plan = _plan(store, as_of)
    report.areas = _areas(store, tree, picture.places, now.cut_off, count)
    report.cut_off_areas = _cut_off_areas(store, tree, now.cut_off, count)
    report.months = [MonthRow(m.month, count(m.lower))
                     for m in monthly_reached(store, as_of, MONTHS)]  # fmt: skip
    for s in coverage_by_sector(store, as_of, window, tree):
        reached = count(s.reached)
        report.sectors.append(SectorRow(
            s.sector, reached, s.people_in_need.value if s.people_in_need else None,
            None if isinstance(reached, Hidden) else s.coverage, s.basis,
        ))  # fmt: skip
        used.update(s.people_in_need.sources if s.people_in_need else ())
    report.sources = [SourceGrade(n, grades.get(n, "unrated")) for n in sorted(used)]
    return report


def _need_first(row: GapRow) -> tuple[float, str]:
    return (-(row.people_in_need.value if row.people_in_need else 0.0), row.pcode)


def _party_shown(principal: policy.Principal, protocol: sharing.Protocol) -> bool:
    """Whether the reader may see the besieging party (``access.party`` in the protocol)."""
    level = protocol.level("access", "party")
    return sharing.at_most(level, policy.clearance(principal, False))


def _party(row: GapRow, principal: policy.Principal, protocol: sharing.Protocol) -> str | None:
    if row.access is None or not _party_shown(principal, protocol):
        return None
    return row.access.party


def _changes(
    store: Store,
    tree: PlaceTree,
    as_of: date,
    start: date,
    now: list[GapRow],
    then: list[GapRow],
    count: _Counts,
) -> Changes:
    days = (as_of - start).days
    cut_now, cut_then = {r.pcode for r in now}, {r.pcode for r in then}
    access: list[AccessChange] = []
    after, before = status_on(store, as_of), status_on(store, start)
    for place_id in sorted(set(after) | set(before)):
        new = after.get(place_id)
        old = before.get(place_id)
        status_new = new[0].status if new else None
        status_old = old[0].status if old else None
        if status_new == status_old or place_id not in tree.places:
            continue
        place = tree.places[place_id]
        access.append(AccessChange(place.pcode, place.name("en"), place.name_ar, status_old,
                                   status_new, new[0].party if new else None,
                                   new[1] if new else None))  # fmt: skip
    stats = convoy_stats(store, start + timedelta(days=1), as_of, tree=tree)
    tally = stats.totals[0].tally if stats.totals else ConvoyTally()
    convoys = {k: int(v) for k, v in tally.counts().items()  # type: ignore[call-overload]
               if k in ("requested", "approved", "denied", "pending", "delivered")}  # fmt: skip
    incidents = recent_incidents(store, tree, as_of, days, KEY_LEVEL)[1]
    incidents_before = recent_incidents(store, tree, start, days, KEY_LEVEL)[1]
    damage_now, damage_then = damage_shares(store, tree, as_of)[1], damage_shares(store, tree,
                                                                                 start)[1]
    damage = []
    for unit in sorted(damage_now):
        was = damage_then.get(unit)
        value = damage_now[unit].value
        damage.append(DamageChange(unit, was.value.destroyed if was else 0.0, value.destroyed,
                                   was.value.total if was else 0.0, value.total))  # fmt: skip
    return Changes(
        len(cut_now - cut_then), len(cut_then - cut_now), len(cut_then), len(cut_now), access,
        convoys, incidents, incidents_before, count(incidents.fatalities),
        count(incidents_before.fatalities), damage, _counted(store, as_of, count),
    )


def _counted(store: Store, as_of: date, count: _Counts) -> CountedEvents | None:
    """The conflict events other sources counted in the newest period that ends by ``as_of``
    (all places, all types); None when nothing was counted."""
    found = event_count_list(store, date_to=as_of)
    if not found:
        return None
    end = max(c.date_end for c in found)
    newest = [c for c in found if c.date_end == end]
    killed = [c.fatalities for c in newest]
    return CountedEvents(
        min(c.date_start for c in newest),
        end,
        sum(c.events for c in newest),
        None if None in killed else count(sum(k or 0 for k in killed)),
        () if count.public else tuple(sorted({c.source for c in newest if c.source})),
    )


def _plan(store: Store, as_of: date) -> PlanSummary | None:
    """The newest saved plan made for a date up to ``as_of``, summarised; None without one."""
    from lagebild.store.plans import saved_plan

    chosen = next((p for p in saved_plans(store) if p.as_of <= as_of), None)
    found = saved_plan(store, chosen.name) if chosen else None
    if found is None:
        return None
    data: dict[str, Any] = json.loads(found.report)
    return PlanSummary(
        found.name, found.as_of, found.weeks, data.get("objective"),
        data.get("greedy_objective"),
        [PlanAccess(str(a.get("access") or "none"), float(a["need"]), float(a["covered"]),
                    float(a.get("greedy_covered") or 0.0)) for a in data.get("by_access", [])],
    )  # fmt: skip


def _cut_off_within(
    tree: PlaceTree, cut_off: list[GapRow], level: int
) -> tuple[dict[int, float], dict[int, int]]:
    """Per area of ``level`` (its id): the people in need of its cut-off places, and how many."""
    people: dict[int, float] = {}
    places: dict[int, int] = {}
    for row in cut_off:
        place = tree.get(row.pcode)
        owner = tree.ancestor_at(place.id, level) if place else None
        if owner is None:
            continue
        places[owner] = places.get(owner, 0) + 1
        people[owner] = people.get(owner, 0.0) + (
            row.people_in_need.value if row.people_in_need else 0.0)
    return people, places


def _areas(
    store: Store, tree: PlaceTree, rows: list[Any], cut_off: list[GapRow], count: _Counts
) -> list[MapArea]:
    """The governorates with a boundary, each with its people in need and the people in need of
    its cut-off communities."""
    need = {r.pcode: r.people_in_need.value if r.people_in_need else None for r in rows}
    cut_people, cut_places = _cut_off_within(tree, cut_off, KEY_LEVEL)
    out = []
    for place_id, geometry in place_geometries(store, KEY_LEVEL):
        place = tree.places.get(place_id)
        if place is None:
            continue
        out.append(MapArea(place.pcode, place.name("en"), place.name_ar, geometry,
                           need.get(place.pcode), count(cut_people.get(place_id)),
                           cut_places.get(place_id, 0)))  # fmt: skip
    return sorted(out, key=lambda a: a.pcode)


def _cut_off_areas(
    store: Store, tree: PlaceTree, cut_off: list[GapRow], count: _Counts
) -> list[MapArea]:
    """The sub-districts with a boundary that hold cut-off communities, with their people in
    need and how many."""
    people, places = _cut_off_within(tree, cut_off, CUT_OFF_AREA_LEVEL)
    out = []
    for place_id, geometry in place_geometries(store, CUT_OFF_AREA_LEVEL):
        if place_id in places:
            place = tree.places[place_id]
            out.append(MapArea(place.pcode, place.name("en"), place.name_ar, geometry, None,
                               count(people[place_id]), places[place_id]))  # fmt: skip
    return out


__all__ = [
    "AccessChange",
    "Changes",
    "Count",
    "CutOffPlace",
    "Hidden",
    "KeyFigure",
    "MapArea",
    "PlanSummary",
    "PriorityRow",
    "Report",
    "SectorRow",
    "SourceGrade",
    "report_since",
    "situation_report",
]
