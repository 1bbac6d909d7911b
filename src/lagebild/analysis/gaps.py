"""Gaps: people in need with no aid in the window, ranked by how many and how long (DESIGN.md)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from lagebild.analysis.access import (
    AccessOn,
    AccessSummary,
    access_of,
    access_summaries,
    access_within,
    status_on,
)
from lagebild.analysis.damage import damage_shares
from lagebild.analysis.figures import FigureValue, Rollup, current_figures, own_from
from lagebild.analysis.priorities import Facts, Model, Priority, PriorityRule, load_model, priority
from lagebild.analysis.tree import PlaceTree
from lagebild.analysis.violence import IncidentCount, recent_incidents
from lagebild.errors import RefusedInput
from lagebild.model import level_name
from lagebild.store import Store
from lagebild.store.deliveries import delivered_sums, last_deliveries
from lagebild.store.places import all_places
from lagebild.store.sources import all_sources

REACHED_RULE_ALL = (
    "largest per-sector sum of people reached by recent completed and partial deliveries "
    "(a lower bound of unique people); reached_upper is the sum over sectors"
)
REACHED_RULE_SECTOR = "sum of people reached by recent completed and partial deliveries"

#: What a place may lack, in the order ``data_missing`` lists it (docs/gaps.md, "No data").
MISSING = ("people_in_need", "deliveries", "access")


def missing_data(need: FigureValue | None, last: date | None, access_known: bool) -> list[str]:
    """What a gap row lacks: no people-in-need figure (of its own or below it), no delivery ever
    on record, no access status (its own, a parent's or one of its communities')."""
    found = {
        "people_in_need": need is None,
        "deliveries": last is None,
        "access": not access_known,
    }
    return [k for k in MISSING if found[k]]


def is_no_data(missing: list[str] | tuple[str, ...]) -> bool:
    """A place is "no data" when its people in need are unknown (its gap cannot be measured),
    or when it never had a delivery and nothing says whether it can be reached."""
    return "people_in_need" in missing or {"deliveries", "access"} <= set(missing)


@dataclass(frozen=True)
class Reached:
    """People reached in the window in a place and below it, by sector."""

    by_sector: dict[str, float]
    deliveries: int

    @property
    def lower(self) -> float:
        return max(self.by_sector.values(), default=0.0)

    @property
    def upper(self) -> float:
        return sum(self.by_sector.values())


@dataclass
class Activity:
    """Deliveries rolled up to one level: people reached in the window and the last delivery."""

    reached: dict[int, Reached]
    last: dict[int, date]


def activity(
    store: Store, tree: PlaceTree, as_of: date, window: int, level: int, sector: str | None
) -> Activity:
    after = as_of - timedelta(days=window)
    sums: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    counts: dict[int, int] = defaultdict(int)
    for place_id, row_sector, reached, n in delivered_sums(store, after, as_of, sector):
        target = tree.ancestor_at(place_id, level)
        if target is None:
            continue
        sums[target][row_sector] += reached
        counts[target] += n
    last: dict[int, date] = {}
    for place_id, when in last_deliveries(store, as_of, sector).items():
        target = tree.ancestor_at(place_id, level)
        if target is not None and (target not in last or when > last[target]):
            last[target] = when
    return Activity({pid: Reached(dict(by), counts[pid]) for pid, by in sums.items()}, last)


def people_in_need(store: Store, tree: PlaceTree, as_of: date, sector: str | None) -> Rollup:
    sources = all_sources(store)
    rows = current_figures(store, "inneed", as_of, sector or "", sources)
    return Rollup(tree, own_from(rows, sources))


@dataclass(frozen=True)
class GapRow:
    pcode: str
    name: str
    name_ar: str | None
    level: str
    access: AccessOn | None
    people_in_need: FigureValue | None
    reached: float
    reached_upper: float
    deliveries: int
    coverage: float | None
    last_delivery: date | None
    days_without_aid: int | None
    cut_off: bool
    access_within: dict[str, int] = field(default_factory=dict)
    access_summary: AccessSummary | None = None
    data_missing: tuple[str, ...] = ()
    priority: Priority | None = None  # only when ranked by priority (analysis/priorities.py)
    incidents: IncidentCount | None = None  # in the window, when ranked by priority
    damage_total: dict[str, float] | None = None  # per unit, when ranked by priority

    @property
    def no_data(self) -> bool:
        return is_no_data(self.data_missing)

    def as_dict(self) -> dict[str, object]:
        """The row as the JSON contract of ``lagebild gaps`` has it."""
        summary = self.access_summary
        if summary is not None and summary.status is None:
            summary = None  # none of its communities has a status
        return {
            "pcode": self.pcode,
            "name": self.name,
            "level": self.level,
            "access": self.access.status if self.access else None,
            "people_in_need": self.people_in_need.value if self.people_in_need else None,
            "reached": self.reached,
            "coverage": self.coverage,
            "last_delivery": self.last_delivery.isoformat() if self.last_delivery else None,
            "days_without_aid": self.days_without_aid,
            "cut_off": self.cut_off,
            "name_ar": self.name_ar,
            "besieged_by": self.access.party if self.access and self.access.party else None,
            "access_since": self.access.since.isoformat() if self.access else None,
            "reached_upper": self.reached_upper,
            "deliveries": self.deliveries,
            "people_in_need_sources": list(self.people_in_need.sources)
            if self.people_in_need
            else [],
            "access_within": self.access_within,
            "access_summary": summary.as_dict() if summary else None,
            "access_most_severe": summary.status if summary else None,
            "access_communities": summary.text() if summary else None,
            "data": "no_data" if self.no_data else "ok",
            "data_missing": list(self.data_missing),
            **(self.priority_dict() if self.priority is not None else {}),
        }

    def priority_dict(self) -> dict[str, object]:
        assert self.priority is not None and self.incidents is not None
        found = self.priority.as_dict()
        return {
            "severity": found.pop("priority"),
            **found,
            "incidents": self.incidents.events,
            "fatalities": self.incidents.fatalities,
            "attacks_on_aid": self.incidents.attacks_on_aid,
            "damage_total": self.damage_total or {},
        }


@dataclass
class GapsResult:
    as_of: date
    window_days: int
    level: str
    sector: str | None
    places: list[GapRow] = field(default_factory=list)
    reached_rule: str = REACHED_RULE_ALL
    rank: str = "plain"  # or "severity": lagebild gaps --rank severity
    rank_rule: str = ""  # the priority model in words, when ranked by it
    model: Model | None = None  # the priority model, when ranked by it

    @property
    def cut_off(self) -> list[GapRow]:
        return [r for r in self.places if r.cut_off]

    @property
    def no_data(self) -> list[GapRow]:
        return [r for r in self.places if r.no_data]

    def as_dict(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "window_days": self.window_days,
            "level": self.level,
            "sector": self.sector,
            "reached_rule": self.reached_rule,
            **(
                {"rank": self.rank, "rank_rule": self.rank_rule, "model": self.model.as_dict()}
                if self.model is not None
                else {}
            ),
            "places": [r.as_dict() for r in self.places],
        }


def rank_key(row: GapRow) -> tuple[object, ...]:
    """Cut-off places first by people in need; then the rest by coverage, lowest first; last the
    places whose people in need are unknown, whose gap cannot be measured."""
    pin = row.people_in_need.value if row.people_in_need else 0.0
    if row.cut_off:
        return (0, -pin, row.pcode)
    if row.people_in_need is None:
        return (2, 0.0, 0.0, row.pcode)
    coverage = row.coverage if row.coverage is not None else float("inf")
    return (1, coverage, -pin, row.pcode)


def gaps(
    store: Store,
    as_of: date,
    window: int = 30,
    level: int = 3,
    sector: str | None = None,
    tree: PlaceTree | None = None,
    rank: str = "plain",
    model: Model | None = None,
) -> GapsResult:
    """Every place of a level with its people in need, reached, coverage and days without aid;
    ranked as DESIGN.md says, or with ``rank="severity"`` by priority (analysis/priorities.py,
    the model given or the default one)."""
    if window < 1:
        raise RefusedInput("the window must be at least one day")
    if rank not in ("plain", "severity"):
        raise RefusedInput(f"unknown ranking {rank!r}: use plain or severity")
    tree = tree or PlaceTree(all_places(store))
    pin = people_in_need(store, tree, as_of, sector)
    act = activity(store, tree, as_of, window, level, sector)
    access_now = status_on(store, as_of)
    within = access_within(tree, access_now, level)
    summaries = access_summaries(tree, access_now, level, as_of)
    window_start = as_of - timedelta(days=window)
    result = GapsResult(
        as_of,
        window,
        level_name(level),
        sector,
        reached_rule=REACHED_RULE_SECTOR if sector else REACHED_RULE_ALL,
    )
    for place in tree.at_level(level, as_of):
        need = pin.value(place.id)
        got = act.reached.get(place.id)
        reached = (got.by_sector.get(sector, 0.0) if sector else got.lower) if got else 0.0
        last = act.last.get(place.id)
        coverage = reached / need.value if need and need.value > 0 else None
        recent = last is not None and last > window_start
        access = access_of(tree, access_now, place.id)
        summary = summaries.get(place.id)
        known = access is not None or bool(summary and summary.status)
        result.places.append(
            GapRow(
                pcode=place.pcode,
                name=place.name("en"),
                name_ar=place.name_ar,
                level=level_name(place.level),
                access=access,
                people_in_need=need,
                reached=reached,
                reached_upper=got.upper if got else 0.0,
                deliveries=got.deliveries if got else 0,
                coverage=coverage,
                last_delivery=last,
                days_without_aid=(as_of - last).days if last else None,
                cut_off=bool(need and need.value > 0 and not recent),
                access_within=within.get(place.id, {}),
                access_summary=summary,
                data_missing=tuple(missing_data(need, last, known)),
            )
        )
    result.places.sort(key=rank_key)
    if rank == "severity":
        rank_by_priority(store, tree, result, level, model or load_model())
    return result


def facts_of(
    row: GapRow, incidents: IncidentCount, damage: dict[str, float]
) -> Facts:
    """What the priority model reads of one row of gaps."""
    need = row.people_in_need.value if row.people_in_need else None
    return Facts(
        people_in_need=need,
        damage=max(damage.values()) if damage else None,
        days_without_aid=row.days_without_aid,
        ever_served=row.last_delivery is not None,
        coverage=row.coverage,
        fatalities=incidents.fatalities,
        access=row.access.status if row.access else None,
        access_within=row.access_within,
        attacks_on_aid=incidents.attacks_on_aid,
    )


def rank_by_priority(
    store: Store, tree: PlaceTree, result: GapsResult, level: int, model: Model
) -> None:
    """Give each row of a gaps result its priority and sort the rows by it, highest first;
    places without a priority (no indicator with data) last, in the plain order."""
    incidents, _ = recent_incidents(store, tree, result.as_of, result.window_days, level)
    shares, _ = damage_shares(store, tree, result.as_of)
    ids = {tree.places[i].pcode: i for i in tree.places}
    ranked: list[GapRow] = []
    for row in result.places:
        place_id = ids[row.pcode]
        count = incidents.get(place_id, IncidentCount())
        damage = {u: s.value.total for u, s in shares.get(place_id, {}).items()}
        found = priority(model, facts_of(row, count, damage))
        ranked.append(replace(row, priority=found, incidents=count, damage_total=damage))

    def key(row: GapRow) -> tuple[object, ...]:
        score = row.priority.score if row.priority else None
        return (score is None, -(score or 0.0), rank_key(row))

    ranked.sort(key=key)
    result.places = ranked
    result.rank = "severity"
    result.model = model
    result.rank_rule = PriorityRule(model, result.as_of, result.window_days).text()
