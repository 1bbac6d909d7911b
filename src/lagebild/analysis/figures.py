"""The current figure of a place: the latest, then the more reliable, then the later import;
else the sum of its children's."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from lagebild.analysis.tree import PlaceTree
from lagebild.model import FigureRow, Source
from lagebild.store import Store
from lagebild.store.figures import figure_parts_on, figures_on
from lagebild.store.sources import all_sources

RELIABILITY_RANK = {c: i for i, c in enumerate("ABCDEF")}


@dataclass(frozen=True)
class FigureValue:
    """A number with where it comes from.

    ``basis`` is ``own`` (the place's current figure), ``children`` (the sum of its children's
    current figures) or another rule's name; ``figure_ids`` are the stored figures behind it.
    """

    value: float
    basis: str
    date: date | None = None
    sources: tuple[str, ...] = ()
    figure_ids: tuple[int, ...] = ()
    children: int = 0

    def describe(self) -> str:
        """Where the number comes from, in words: "its own figure", "sum of 5 places below"."""
        return basis_words(self.basis, self.children)

    def as_dict(self) -> dict[str, object]:
        return {
            "value": self.value,
            "basis": self.basis,
            "date": self.date.isoformat() if self.date else None,
            "sources": list(self.sources),
            "figure_ids": list(self.figure_ids),
            "children": self.children,
        }


def basis_words(basis: str, places_below: int = 0) -> str:
    """A basis in words: ``own`` is "its own figure", ``children`` "sum of N places below"
    (N: the places below with a figure); another rule's name says itself."""
    if basis == "own":
        return "its own figure"
    if basis == "children":
        return f"sum of {places_below:,} place{'' if places_below == 1 else 's'} below"
    return basis


def figure_rank(
    when: date, source: Source | None, import_id: int, figure_id: int
) -> tuple[int, ...]:
    """Sort key of the current-figure rule: later date first, then the more reliable source
    (reliability A-F, then credibility 1-6; unrated after rated, unsourced last), then the later
    import."""
    reliability = RELIABILITY_RANK.get((source.reliability or "").upper(), 9) if source else 10
    credibility = (source.credibility or 9) if source else 10
    return (-when.toordinal(), reliability, credibility, -import_id, -figure_id)


def graded_source(row: FigureRow, sources: dict[int, Source]) -> Source | None:
    """The figure's source with the grade that counts for it: a grade set on the figure itself
    (``lagebild edit figure ID reliability=.. credibility=..`` or ``#meta+source+reliability``)
    overrides its source's, field by field."""
    source = sources.get(row.source_id) if row.source_id is not None else None
    if row.reliability is None and row.credibility is None:
        return source
    base = source or Source(0, "unsourced", None, None, None)
    return Source(
        base.id,
        base.name,
        base.kind,
        row.reliability or base.reliability,
        row.credibility or base.credibility,
    )


def _rank(row: FigureRow, sources: dict[int, Source]) -> tuple[object, ...]:
    return figure_rank(row.date, graded_source(row, sources), row.import_id, row.id)


def current_figures(
    store: Store,
    indicator: str,
    as_of: date,
    sector: str = "",
    sources: dict[int, Source] | None = None,
) -> dict[int, FigureRow]:
    """place id -> the current figure of that place (dated on or before ``as_of``).

    A place's figure is a total row (total in every dimension); where a place, date and source
    have no total row, the sum of disaggregated figures that partition it (``partition_sums``)
    stands in for one. A disaggregated value alone never stands for the place.
    """
    sources = sources if sources is not None else all_sources(store)
    totals = figures_on(store, indicator, sector, as_of)
    candidates = totals + partition_sums(totals, figure_parts_on(store, indicator, sector, as_of))
    best: dict[int, FigureRow] = {}
    for row in candidates:
        held = best.get(row.place_id)
        if held is None or _rank(row, sources) < _rank(held, sources):
            best[row.place_id] = row
    return best


AgeRange = tuple[int, int | None]


def age_range(text: str) -> AgeRange | None:
    """``0-4`` -> (0, 4), ``65+`` -> (65, None); None for a word (``children``) or a blank."""
    m = re.fullmatch(r"(\d+)(?:-(\d+)|(\+))", text)
    if m is None:
        return None
    return int(m.group(1)), int(m.group(2)) if m.group(2) is not None else None


def complete_ages(ages: list[str]) -> bool:
    """True when the age ranges cover every age exactly once: from 0, each range starting the
    year after the one before ends, the last open (``65+``); no word, no repeat, no gap."""
    ranges = [age_range(a) for a in ages]
    if not ranges or any(r is None for r in ranges):
        return False
    ordered = sorted(r for r in ranges if r is not None)
    expected = 0
    for i, (low, high) in enumerate(ordered):
        if low != expected:
            return False
        if high is None:
            return i == len(ordered) - 1
        if high < low:
            return False
        expected = high + 1
    return False  # no open range at the end: the oldest are left out


def partition(rows: list[FigureRow]) -> list[FigureRow] | None:
    """The rows (of one place, date and source) that add up to the place's total, or None.

    Conservative: rows with a population group or a disability never add up (groups overlap or
    leave people out); of the rest, in this order, the first that holds:
    1. exactly one ``f`` and one ``m`` row, total in age;
    2. age ranges of rows total in gender that cover every age once (``complete_ages``);
    3. for ``f`` and for ``m`` alike, age ranges that cover every age once.
    Two rows with the same gender and age (the same number twice, or two breakdowns mixed up)
    make it unknown. Age words (``children``, ``adults``) never add up: sources draw them
    differently.
    """
    usable = [r for r in rows if not r.population_group and not r.disability]
    cells: dict[tuple[str, str], FigureRow] = {}
    for r in usable:
        key = (r.gender, r.age)
        if key in cells:
            return None
        cells[key] = r
    # f and m partition the people only when no third gender is counted beside them.
    only_f_m = {g for g, _ in cells if g} <= {"f", "m"}
    if ("f", "") in cells and ("m", "") in cells and only_f_m:
        return [cells[("f", "")], cells[("m", "")]]
    by_gender: dict[str, list[str]] = {}
    for gender, age in cells:
        if age:
            by_gender.setdefault(gender, []).append(age)
    if "" in by_gender and complete_ages(by_gender[""]):
        return [cells[("", a)] for a in by_gender[""]]
    if only_f_m and all(g in by_gender and complete_ages(by_gender[g]) for g in ("f", "m")):
        return [cells[(g, a)] for g in ("f", "m") for a in by_gender[g]]
    return None


def partition_sums(totals: list[FigureRow], parts: list[FigureRow]) -> list[FigureRow]:
    """A figure for each place, date and source (and import) that has disaggregated figures
    which partition it but no total row: their sum, with the ids of the rows summed."""
    have = {(r.place_id, r.date, r.source_id) for r in totals}
    groups: dict[tuple[int, date, int | None, int], list[FigureRow]] = {}
    for r in parts:
        if (r.place_id, r.date, r.source_id) in have:
            continue
        groups.setdefault((r.place_id, r.date, r.source_id, r.import_id), []).append(r)
    out = []
    for (place_id, when, source_id, import_id), rows in groups.items():
        summed = partition(rows)
        if summed is None:
            continue
        first = min(summed, key=lambda r: r.id)
        grades = {(r.reliability, r.credibility) for r in summed}
        reliability, credibility = grades.pop() if len(grades) == 1 else (None, None)
        out.append(
            FigureRow(
                first.id, place_id, first.indicator, first.sector, when,
                sum(r.value for r in summed), source_id, import_id, first.row_number,
                reliability, credibility, parts=tuple(sorted(r.id for r in summed)),
            )  # fmt: skip
        )
    return out


def source_name(row: FigureRow, sources: dict[int, Source]) -> str:
    if row.source_id is None or row.source_id not in sources:
        return "unsourced"
    return sources[row.source_id].name


@dataclass
class Rollup:
    """Values of one indicator for every place of the tree: own, or the sum of the children."""

    tree: PlaceTree
    own: Callable[[int], FigureValue | None]
    _memo: dict[int, FigureValue | None] = field(default_factory=dict)

    def value(self, place_id: int) -> FigureValue | None:
        if place_id in self._memo:
            return self._memo[place_id]
        # Children first, without recursion: the tree is small but may be deep in bad data.
        for node in self._postorder(place_id):
            if node in self._memo:
                continue
            mine = self.own(node)
            if mine is None:
                mine = self._sum([self._memo.get(c) for c in self.tree.children.get(node, [])])
            self._memo[node] = mine
        return self._memo[place_id]

    def total(self, place_ids: list[int]) -> FigureValue | None:
        return self._sum([self.value(p) for p in place_ids])

    def _postorder(self, start: int) -> list[int]:
        order: list[int] = []
        stack = [(start, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif node not in self._memo:
                stack.append((node, True))
                stack.extend((c, False) for c in self.tree.children.get(node, []))
        return order

    @staticmethod
    def _sum(parts: list[FigureValue | None]) -> FigureValue | None:
        found = [p for p in parts if p is not None]
        if not found:
            return None
        names = sorted({s for p in found for s in p.sources})
        ids = tuple(i for p in found for i in p.figure_ids)
        dates = [p.date for p in found if p.date is not None]
        return FigureValue(
            value=sum(p.value for p in found),
            basis="children",
            date=max(dates) if dates else None,
            sources=tuple(names),
            figure_ids=ids,
            children=len(found),
        )


def own_from(
    rows: dict[int, FigureRow], sources: dict[int, Source]
) -> Callable[[int], FigureValue | None]:
    def own(place_id: int) -> FigureValue | None:
        row = rows.get(place_id)
        if row is None:
            return None
        ids = row.parts or (row.id,)
        return FigureValue(row.value, "own", row.date, (source_name(row, sources),), ids)

    return own
