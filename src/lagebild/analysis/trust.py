"""How far a number can be trusted: figures that contradict each other, consistency checks, and
the records behind every number ``situation`` and ``gaps`` show."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from lagebild.analysis.access import status_on
from lagebild.analysis.figures import (
    FigureValue,
    Rollup,
    basis_words,
    current_figures,
    figure_rank,
    own_from,
)
from lagebild.analysis.gaps import REACHED_RULE_ALL, REACHED_RULE_SECTOR
from lagebild.analysis.place import find, subtree_ids
from lagebild.analysis.situation import own_or_population
from lagebild.analysis.tree import PlaceTree
from lagebild.errors import RefusedInput
from lagebild.ingest import ImportReport
from lagebild.ingest.catalogue import problem
from lagebild.model import INDICATORS, Source, normalise_indicator
from lagebild.model.trust import FigureRecord
from lagebild.model.vocab import SHARE_SUFFIX
from lagebild.store import Store
from lagebild.store.deliveries import delivered_sums
from lagebild.store.places import all_places
from lagebild.store.sources import all_sources
from lagebild.store.trust import delivered_by_sector, delivered_rows, figure_records

CURRENT_RULE = (
    "current figure: the latest dated on or before as_of; on the same date the more reliable "
    "source (Admiralty grade), then the later import"
)
PARTS_RULE = (
    "sum of the place's disaggregated figures that partition it (f and m, or every age range "
    "once): the place, date and source have no total row"
)
CHILDREN_RULE = (
    "sum of the current figures of the places below: the place has no figure of its own"
)
#: Indicators that cannot exceed the population of their place.
WITHIN_POPULATION = ("inneed", "idps", "besieged", "hard_to_reach")
#: A figure this many times its previous value (or a tenth of it) is a jump.
JUMP_FACTOR = 10.0


class UnknownIndicator(RefusedInput):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"unknown indicator {name!r}: use people_in_need, population, displaced, besieged, "
            "hard_to_reach or reached"
        )


def _source(r: FigureRecord) -> Source | None:
    if r.source_id is None and not r.own_grade:
        return None
    return Source(r.source_id or 0, r.source or "unsourced", None, r.reliability, r.credibility)


def grade(r: FigureRecord) -> str:
    """``B2``, ``unrated``, or ``unsourced`` for a figure without a source or a grade of its
    own; a grade set on the figure is marked ``(figure)``."""
    source = _source(r)
    if source is None:
        return "unsourced"
    return f"{source.grade} (figure)" if r.own_grade else source.grade


def rank(r: FigureRecord) -> tuple[int, ...]:
    return figure_rank(r.date, _source(r), r.import_id, r.id)


def entry(r: FigureRecord, **extra: object) -> dict[str, object]:
    """A figure as the trust views show it."""
    return {
        "figure_id": r.id,
        "pcode": r.pcode,
        "name": r.name,
        "indicator": r.indicator,
        "sector": r.sector,
        "date": r.date.isoformat(),
        "value": r.value,
        "source": r.source or "unsourced",
        "grade": grade(r),
        "import_id": r.import_id,
        "file_name": r.file_name,
        "row_number": r.row_number,
        "column": r.column,
        **({"dimensions": r.dimensions} if any(r.dimensions.values()) else {}),
        **extra,
    }


def _label(r: FigureRecord) -> str:
    return (
        f"{r.indicator}{'/' + r.sector if r.sector else ''} {r.value:,.0f} "
        f"({r.source or 'unsourced'} {grade(r)}, {r.date.isoformat()}, "
        f"{r.file_name} row {r.row_number})"
    )


@dataclass(frozen=True)
class Spread:
    low: float
    high: float

    @property
    def relative(self) -> float:
        return (self.high - self.low) / self.high if self.high else 0.0

    def as_dict(self) -> dict[str, float]:
        return {"min": self.low, "max": self.high, "relative": round(self.relative, 4)}


def spread(values: Iterable[float]) -> Spread:
    found = list(values)
    return Spread(min(found), max(found))


# ---- contradicting figures --------------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    """Values for the same place, indicator, sector and month from two or more sources that lie
    more than the given share of the larger apart."""

    pcode: str
    name: str
    indicator: str
    sector: str
    month: str
    values: list[FigureRecord]
    current: FigureRecord

    @property
    def spread(self) -> Spread:
        return spread(r.value for r in self.values)

    def as_dict(self) -> dict[str, object]:
        return {
            "pcode": self.pcode,
            "name": self.name,
            "indicator": self.indicator,
            "sector": self.sector,
            "month": self.month,
            "spread": self.spread.as_dict(),
            "sources": len({r.source_id for r in self.values}),
            "current": entry(self.current),
            "values": [entry(r, current=r.id == self.current.id) for r in self.values],
        }


def _indicator(name: str | None) -> str | None:
    if name is None:
        return None
    found = normalise_indicator(name)
    if found is None:
        raise UnknownIndicator(name)
    return found


def conflicts(
    store: Store,
    share: float = 0.2,
    indicator: str | None = None,
    pcode: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    tree: PlaceTree | None = None,
) -> list[Conflict]:
    """Contradictions in the place (and below it), by P-code, indicator, sector and month.

    The current figure of each is the one the rule in DESIGN.md picks on the last date of the
    values: the latest, then the more reliable source, then the later import.
    """
    if not 0 <= share < 1:
        raise RefusedInput("the share must be at least 0 and below 1 (0.2 is 20 %)")
    tree = tree or PlaceTree(all_places(store))
    place_ids = subtree_ids(tree, find(tree, pcode)) if pcode else None
    records = figure_records(store, place_ids, _indicator(indicator), None, date_from, date_to)
    groups: dict[tuple[int, str, str, str], list[FigureRecord]] = defaultdict(list)
    for r in records:
        groups[(r.place_id, r.indicator, r.sector, r.date.strftime("%Y-%m"))].append(r)
    found = []
    for (_, ind, sector, month), values in groups.items():
        if len({r.source_id for r in values}) < 2:
            continue
        gap = spread(r.value for r in values)
        if gap.high - gap.low > share * gap.high:
            first = values[0]
            current = min(values, key=rank)
            found.append(Conflict(first.pcode, first.name, ind, sector, month, values, current))
    found.sort(key=lambda c: (c.pcode, c.indicator, c.sector, c.month))
    return found


@dataclass(frozen=True)
class FigureSeries:
    """Every value of one indicator and sector of a place, from every source; a series of
    disaggregated figures (``dimensions`` not all ``''``) is one gender, age range, population
    group or disability, never the place's figure."""

    indicator: str
    sector: str
    values: list[FigureRecord]
    current: FigureRecord | None
    dimensions: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        current_id = self.current.id if self.current else None
        out: dict[str, object] = {
            "indicator": self.indicator,
            "sector": self.sector,
            "sources": sorted({r.source or "unsourced" for r in self.values}),
            "spread": spread(r.value for r in self.values).as_dict(),
            "current": entry(self.current) if self.current else None,
            "values": [entry(r, current=r.id == current_id) for r in self.values],
        }
        if any(self.dimensions.values()):
            out["dimensions"] = dict(self.dimensions)
        return out


def side_by_side(
    store: Store,
    pcode: str,
    as_of: date | None = None,
    indicator: str | None = None,
    date_from: date | None = None,
    tree: PlaceTree | None = None,
    by: str | None = None,
) -> list[FigureSeries]:
    """Every figure of a place, from every source, by indicator and sector, with the spread and
    the current figure on ``as_of`` (default: the latest date). The totals (the place's
    figures) come first in each indicator and sector, then the disaggregated series; with
    ``by`` (``gender``, ``age``, ``population_group``) only those disaggregated by it."""
    tree = tree or PlaceTree(all_places(store))
    place = find(tree, pcode)
    records = figure_records(
        store, [place.id], _indicator(indicator), None, date_from, as_of, totals=False
    )
    groups: dict[tuple[str, str, tuple[str, ...]], list[FigureRecord]] = defaultdict(list)
    for r in records:
        dims = tuple(r.dimensions.values())
        if by is not None and any(dims) and not r.dimensions[by]:
            continue
        groups[(r.indicator, r.sector, dims)].append(r)
    names = ("gender", "age", "population_group", "disability")
    return [
        FigureSeries(
            ind, sector, values, min(values, key=rank), dict(zip(names, dims, strict=True))
        )
        for (ind, sector, dims), values in sorted(
            groups.items(), key=lambda kv: (kv[0][0], kv[0][1], any(kv[0][2]), kv[0][2])
        )
    ]


# ---- consistency checks -----------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """Something that cannot be true of the figures on record, naming them and their sources."""

    code: str  # above-population, reached-above-population, children-above-parent, jump
    message: str
    pcode: str
    indicator: str
    figures: list[FigureRecord] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "pcode": self.pcode,
            "indicator": self.indicator,
            "message": self.message,
            "figures": [entry(r) for r in self.figures],
        }


def checks(
    store: Store, as_of: date, window: int = 30, tree: PlaceTree | None = None
) -> list[Finding]:
    """Consistency of the current figures on ``as_of``: people in need, displaced, besieged,
    hard to reach and reached above the population of the same place; children's sum above the
    parent's own figure; a figure more than tenfold (or under a tenth of) its previous value."""
    tree = tree or PlaceTree(all_places(store))
    records = figure_records(store, date_to=as_of)
    series: dict[tuple[int, str, str], list[FigureRecord]] = defaultdict(list)
    for r in records:
        series[(r.place_id, r.indicator, r.sector)].append(r)
    current = {key: min(values, key=rank) for key, values in series.items()}
    by_id = {r.id: r for r in records}
    found = _above_population(current)
    found += _reached_above_population(store, tree, current, as_of, window)
    found += _children_above_parent(tree, current, by_id)
    found += _jumps(series)
    found += _shares_against_population(series, current)
    return found


#: A stated share is checked against the population on record: the total it implies may be this
#: far (relative) from the population before it is a finding.
SHARE_TOLERANCE = 0.10


def _shares_against_population(
    series: dict[tuple[int, str, str], list[FigureRecord]],
    current: dict[tuple[int, str, str], FigureRecord],
) -> list[Finding]:
    """A total stated with a share ("13.5 million, three quarters of the population") implies a
    population (13.5 / 0.75 = 18 million): compare it with the population on record."""
    found = []
    for (place_id, ind, sector), shares in series.items():
        if not ind.endswith(SHARE_SUFFIX):
            continue
        share = min(shares, key=rank)
        # The total stated with it: the same row of the same import, else the current total.
        base = ind.removesuffix(SHARE_SUFFIX)
        totals = series.get((place_id, base, sector), [])
        same_row = [
            r
            for r in totals
            if r.import_id == share.import_id and r.row_number == share.row_number
        ]
        total = same_row[0] if same_row else current.get((place_id, base, sector))
        population = current.get((place_id, "population", ""))
        if total is None or population is None or share.value <= 0 or population.value <= 0:
            continue
        fraction = share.value / 100.0 if share.value > 1 else share.value
        implied = total.value / fraction
        if abs(implied - population.value) <= SHARE_TOLERANCE * population.value:
            continue
        actual = total.value / population.value
        found.append(
            Finding(
                "share-against-population",
                f"{share.pcode} {share.name}: {INDICATORS.get(base, base)} {_label(total)} is "
                f"stated as {fraction:.0%} of the population ({_label(share)}), which makes a "
                f"population of {implied:,.0f}; the population on record is "
                f"{_label(population)}, of which {total.value:,.0f} is {actual:.0%}",
                share.pcode,
                ind,
                [total, share, population],
            )
        )
    return sorted(found, key=lambda f: (f.pcode, f.indicator))


def _above_population(current: dict[tuple[int, str, str], FigureRecord]) -> list[Finding]:
    found = []
    for (place_id, ind, _sector), r in sorted(current.items(), key=lambda kv: kv[1].pcode):
        population = current.get((place_id, "population", ""))
        if ind in WITHIN_POPULATION and population is not None and r.value > population.value:
            found.append(
                Finding(
                    "above-population",
                    f"{r.pcode} {r.name}: {INDICATORS[ind]} {_label(r)} is above the "
                    f"population {_label(population)}",
                    r.pcode,
                    ind,
                    [r, population],
                )
            )
    return found


def _reached_above_population(
    store: Store,
    tree: PlaceTree,
    current: dict[tuple[int, str, str], FigureRecord],
    as_of: date,
    window: int,
) -> list[Finding]:
    sums: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for place_id, sector, reached, _n in delivered_sums(
        store,
        as_of - timedelta(days=window), as_of
    ):
        for above in set(tree.ancestors(place_id).values()):
            sums[above][sector] += reached
    found = []
    for place_id, by_sector in sums.items():
        population = current.get((place_id, "population", ""))
        reached = max(by_sector.values(), default=0.0)
        if population is not None and reached > population.value:
            found.append(
                Finding(
                    "reached-above-population",
                    f"{population.pcode} {population.name}: {reached:,.0f} people reached in the "
                    f"{window} days to {as_of.isoformat()} (largest sector sum) is above the "
                    f"population {_label(population)}",
                    population.pcode,
                    "reached",
                    [population],
                )
            )
    return sorted(found, key=lambda f: f.pcode)


def _children_above_parent(
    tree: PlaceTree,
    current: dict[tuple[int, str, str], FigureRecord],
    by_id: dict[int, FigureRecord],
) -> list[Finding]:
    own: dict[tuple[str, str], dict[int, FigureRecord]] = defaultdict(dict)
    for (place_id, ind, sector), r in current.items():
        own[(ind, sector)][place_id] = r
    found = []
    for (ind, _sector), rows in sorted(own.items()):
        if ind.endswith(SHARE_SUFFIX):
            continue  # shares do not add up over places

        def value(place_id: int, rows: dict[int, FigureRecord] = rows) -> FigureValue | None:
            r = rows.get(place_id)
            return FigureValue(r.value, "own", r.date, (), (r.id,)) if r else None

        rollup = Rollup(tree, value)
        for place_id, parent in sorted(rows.items(), key=lambda kv: kv[1].pcode):
            parts = [rollup.value(c) for c in tree.children.get(place_id, [])]
            total = Rollup._sum(parts)
            if total is None or total.value <= parent.value:
                continue
            children = [by_id[i] for i in total.figure_ids if i in by_id]
            found.append(
                Finding(
                    "children-above-parent",
                    f"{parent.pcode} {parent.name}: its children's {INDICATORS.get(ind, ind)} "
                    f"add up to {total.value:,.0f} ({len(children)} figures), above its own "
                    f"figure {_label(parent)}",
                    parent.pcode,
                    ind,
                    [parent, *children],
                )
            )
    return found


def _jumps(series: dict[tuple[int, str, str], list[FigureRecord]]) -> list[Finding]:
    found = []
    for (_place, ind, _sector), values in series.items():
        by_date: dict[date, list[FigureRecord]] = defaultdict(list)
        for r in values:
            by_date[r.date].append(r)
        previous: FigureRecord | None = None
        for when in sorted(by_date):
            now = min(by_date[when], key=rank)
            if previous is not None and previous.value > 0 and now.value > 0:
                ratio = max(now.value / previous.value, previous.value / now.value)
                if ratio > JUMP_FACTOR:
                    found.append(
                        Finding(
                            "jump",
                            f"{now.pcode} {now.name}: {_label(now)} is {ratio:,.1f} times "
                            f"{'its' if now.value > previous.value else 'less than its'} "
                            f"previous value {_label(previous)}",
                            now.pcode,
                            ind,
                            [previous, now],
                        )
                    )
            previous = now
    return sorted(found, key=lambda f: (f.pcode, f.indicator))


#: An import's checks run on at most this many of its latest dates.
IMPORT_CHECK_DATES = 20


def import_findings(store: Store, import_id: int) -> list[Finding]:
    """Findings of the consistency checks that concern a figure of one import, on each date the
    import gives figures for (its latest ``IMPORT_CHECK_DATES``)."""
    records = figure_records(store, import_id=import_id)
    if not records:
        return []
    mine = {r.id for r in records}
    dates = sorted({r.date for r in records})
    tree = PlaceTree(all_places(store))
    seen: set[tuple[str, tuple[int, ...]]] = set()
    found = []
    for when in dates[-IMPORT_CHECK_DATES:]:
        for finding in checks(store, when, tree=tree):
            key = (finding.code, tuple(r.id for r in finding.figures))
            if key in seen or not any(r.id in mine for r in finding.figures):
                continue
            seen.add(key)
            found.append(finding)
    return found


def add_consistency_warnings(store: Store, report: ImportReport) -> int:
    """After a figures import: each finding about its figures becomes a ``consistency`` warning
    of the report, on the row of the imported figure. Returns how many."""
    if report.kind != "figures" or report.import_id is None or report.dry_run:
        return 0
    findings = import_findings(store, report.import_id)
    for finding in findings:
        mine = next(r for r in finding.figures if r.import_id == report.import_id)
        report.add(
            problem(
                "consistency",
                report.file,
                mine.row_number,
                mine.column,
                f"{mine.value:.15g}",
                message=finding.message,
            )
        )
    return len(findings)


# ---- every number explained -------------------------------------------------------------------


@dataclass
class Explanation:
    """The records behind one number of ``situation`` or ``gaps`` and the rule that combined them.

    For a figure, ``node`` is a tree: the place's value, its rule, the chosen figure and the ones
    it beat (with why), or the explanations of its children. For ``reached``, ``deliveries``
    lists the rows in the window and ``by_sector`` their sums.
    """

    pcode: str
    name: str
    indicator: str
    as_of: date
    window_days: int
    sector: str | None
    value: float | None
    rule: str
    node: dict[str, object] | None = None
    by_sector: dict[str, dict[str, float]] = field(default_factory=dict)
    upper: float | None = None
    deliveries: list[dict[str, object]] = field(default_factory=list)
    deliveries_total: int = 0

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "pcode": self.pcode,
            "name": self.name,
            "indicator": self.indicator,
            "as_of": self.as_of.isoformat(),
            "window_days": self.window_days,
            "sector": self.sector,
            "value": self.value,
            "rule": self.rule,
        }
        if self.indicator == "reached":
            out["upper"] = self.upper
            out["by_sector"] = self.by_sector
            out["deliveries_total"] = self.deliveries_total
            out["deliveries"] = [
                {k: v.isoformat() if isinstance(v, date) else v for k, v in d.items()}
                for d in self.deliveries
            ]
        else:
            out["figures"] = self.node
        return out


def _why_beaten(loser: FigureRecord, winner: FigureRecord) -> str:
    if loser.date < winner.date:
        return f"older: dated {loser.date.isoformat()}, the chosen one {winner.date.isoformat()}"
    if rank(loser)[1:3] != rank(winner)[1:3]:
        return f"same date, less reliable source: {grade(loser)} against {grade(winner)}"
    if loser.import_id != winner.import_id:
        return (
            f"same date and grade, earlier import: #{loser.import_id} against #{winner.import_id}"
        )
    return "same date, grade and import: an earlier row"


def explain(
    store: Store,
    as_of: date,
    pcode: str,
    indicator: str,
    window: int = 30,
    sector: str | None = None,
    tree: PlaceTree | None = None,
) -> Explanation:
    """The records behind ``indicator`` of a place on ``as_of`` as ``situation`` computes it."""
    tree = tree or PlaceTree(all_places(store))
    place = find(tree, pcode)
    if indicator == "reached":
        return _explain_reached(store, tree, place.id, as_of, window, sector)
    stored = normalise_indicator(indicator)
    if stored is None:
        raise UnknownIndicator(indicator)
    wanted = (sector or "") if stored == "inneed" else ""
    sources = all_sources(store)
    rollups: dict[str, Rollup] = {}
    records: dict[str, dict[int, list[FigureRecord]]] = {}
    for ind in {stored, "population"}:
        rows = current_figures(store, ind, as_of, wanted if ind == stored else "", sources)
        rollups[ind] = Rollup(tree, own_from(rows, sources))
        by_place: dict[int, list[FigureRecord]] = defaultdict(list)
        sec = wanted if ind == stored else ""
        for r in figure_records(store, None, ind, sec, None, as_of):
            by_place[r.place_id].append(r)
        records[ind] = by_place
    if stored in ("besieged", "hard_to_reach"):
        rows = current_figures(store, stored, as_of, "", sources)
        rollups[stored] = Rollup(
            tree,
            own_or_population(
                stored, rows, rollups["population"], tree, status_on(store, as_of), sources
            ),
        )

    def node(place_id: int, ind: str) -> dict[str, object] | None:
        value = rollups[ind].value(place_id)
        if value is None:
            return None
        here = tree.places[place_id]
        out: dict[str, object] = {
            "pcode": here.pcode,
            "name": here.name("en"),
            "indicator": ind,
            "value": value.value,
            "basis": value.basis,
        }
        if value.basis == "own" and len(value.figure_ids) > 1:
            # No total row: the sum of disaggregated figures that partition it.
            parts = figure_records(store, ids=value.figure_ids)
            first = min(parts, key=lambda r: r.id)
            ranked = sorted(records[ind].get(place_id, []), key=rank)
            out["rule"] = PARTS_RULE
            out["chosen"] = {**entry(first), "figure_id": None, "value": value.value,
                             "column": None,
                             "parts": [entry(r) for r in parts]}  # fmt: skip
            out["beaten"] = [entry(r, why=_why_beaten(r, first)) for r in ranked]
        elif value.basis == "own":
            ranked = sorted(records[ind].get(place_id, []), key=rank)
            chosen = ranked[0]
            out["rule"] = CURRENT_RULE
            out["chosen"] = entry(chosen)
            out["beaten"] = [entry(r, why=_why_beaten(r, chosen)) for r in ranked[1:]]
        elif value.basis == "children":
            out["rule"] = CHILDREN_RULE
            kids = [node(c, ind) for c in tree.children.get(place_id, [])]
            out["children"] = [k for k in kids if k is not None]
        else:
            out["rule"] = f"{value.basis}: no {ind} figure of its own, its population counts"
            out["population"] = node(place_id, "population")
        return out

    top = node(place.id, stored)
    value = rollups[stored].value(place.id)
    return Explanation(
        place.pcode,
        place.name("en"),
        indicator,
        as_of,
        window,
        sector,
        value.value if value else None,
        str(top["rule"]) if top else "no figure on or before as_of, here or below",
        top,
    )


def _explain_reached(
    store: Store, tree: PlaceTree, place_id: int, as_of: date, window: int, sector: str | None
) -> Explanation:
    place = tree.places[place_id]
    ids = subtree_ids(tree, place)
    after = as_of - timedelta(days=window)
    sums = delivered_by_sector(store, ids, after, as_of, sector)
    by_sector = {s: {"reached": v, "deliveries": float(n)} for s, (v, n) in sorted(sums.items())}
    values = [v for v, _ in sums.values()]
    if sector:
        value = sums.get(sector, (0.0, 0))[0]
        rule = REACHED_RULE_SECTOR
    else:
        value = max(values, default=0.0)
        rule = REACHED_RULE_ALL
    return Explanation(
        place.pcode,
        place.name("en"),
        "reached",
        as_of,
        window,
        sector,
        value,
        rule,
        by_sector=by_sector,
        upper=sum(values),
        deliveries=delivered_rows(store, ids, after, as_of, sector),
        deliveries_total=sum(n for _, n in sums.values()),
    )


def explanation_lines(result: Explanation) -> list[str]:
    """The explanation as indented lines of text."""
    lines = [
        f"{result.indicator} of {result.pcode} {result.name} on {result.as_of.isoformat()}"
        + (f" (sector {result.sector})" if result.sector else "")
        + (f", window {result.window_days} days" if result.indicator == "reached" else "")
        + f": {_number(result.value)}",
        f"rule: {result.rule}",
    ]
    if result.indicator == "reached":
        for sector, sums in result.by_sector.items():
            lines.append(
                f"  sector {sector or '(none)'}: {sums['reached']:,.0f} reached "
                f"in {sums['deliveries']:,.0f} deliveries"
            )
        lines.append(f"  sum over sectors (upper bound): {_number(result.upper)}")
        shown = len(result.deliveries)
        lines.append(
            f"deliveries ({result.deliveries_total:,}"
            + (f", newest {shown} shown):" if shown < result.deliveries_total else "):")
        )
        for d in result.deliveries:
            lines.append(
                f"  {d['date'].isoformat() if isinstance(d['date'], date) else d['date']} "
                f"{d['pcode']} {d['sector'] or '-'} {d['status']} reached "
                f"{_number(d['reached'])} ({d['org_impl'] or '-'}; {d['source']}; import "
                f"#{d['import_id']} {d['file_name']} row {d['row_number']})"
            )
    elif result.node:
        _node_lines(result.node, 1, lines)
    return lines


def _number(value: object) -> str:
    return f"{value:,.0f}" if isinstance(value, int | float) else "-"


def _figure_line(e: dict[str, object]) -> str:
    column = f" column {e['column']}" if e.get("column") else ""
    return (
        f"{_number(e['value'])} dated {e['date']} from {e['source']} ({e['grade']}), import "
        f"#{e['import_id']} {e['file_name']} row {e['row_number']}{column}"
    )


def _node_lines(node: dict[str, object], depth: int, lines: list[str]) -> None:
    pad = "  " * depth
    below = len(node["children"]) if node["basis"] == "children" else 0  # type: ignore[arg-type]
    basis = basis_words(str(node["basis"]), below)
    lines.append(f"{pad}{node['pcode']} {node['name']}: {_number(node['value'])} ({basis})")
    if node["basis"] == "own":
        lines.append(f"{pad}  chosen: {_figure_line(node['chosen'])}")  # type: ignore[arg-type]
        for part in node["chosen"].get("parts", []):  # type: ignore[attr-defined]
            lines.append(f"{pad}    part: {_figure_line(part)}")
        for beaten in node["beaten"]:  # type: ignore[attr-defined]
            lines.append(f"{pad}  beaten: {_figure_line(beaten)}: {beaten['why']}")
    elif node["basis"] == "children":
        for child in node["children"]:  # type: ignore[attr-defined]
            _node_lines(child, depth + 1, lines)
    elif node.get("population"):
        lines.append(f"{pad}  {node['rule']}")
        _node_lines(node["population"], depth + 1, lines)  # type: ignore[arg-type]


__all__ = [
    "Conflict",
    "Explanation",
    "FigureSeries",
    "Finding",
    "UnknownIndicator",
    "add_consistency_warnings",
    "checks",
    "conflicts",
    "explain",
    "explanation_lines",
    "import_findings",
    "side_by_side",
]
