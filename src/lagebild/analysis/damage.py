"""Damage by place and date: destroyed, severe, moderate and possible, each place's share of the
national total, and the change between successive assessments.

Rules (docs/hxl.md, ``lagebild damage --help``):

* An **assessment** of a place is what one import gave for it, in one unit, on one date, from one
  source: the rows summed (a UNOSAT point is a row with a count of one in its class).
* A place's **current** damage on ``as_of`` is its latest assessment dated on or before it; between
  assessments of the same date, the more reliable source, then the later import: the rule of
  figures (``analysis/figures.py``). A place without an assessment of its own takes the sum of
  its children's current damage: totals roll up the P-code tree. A count per place stands for
  the whole place (its children's are not added to it, as with figures); points are buildings, so
  the points placed on a place itself (outside every finer boundary) add to its children's.
* **Damage total** = destroyed + severe + moderate. Possible damage (UNOSAT class 4, not confirmed
  on the imagery) is shown apart and not counted in the total.
* A place's **share** is its destroyed (and its total) over the national destroyed (and total) of
  the same unit. Houses and buildings are never added together.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date

from lagebild.analysis.figures import figure_rank
from lagebild.analysis.tree import PlaceTree
from lagebild.errors import RefusedInput
from lagebild.model import Place, Source, level_name
from lagebild.model.damage import AssessmentRow
from lagebild.store import Store
from lagebild.store.damage import damage_assessments
from lagebild.store.places import all_places
from lagebild.store.sources import all_sources

TOTAL_RULE = (
    "damage total = destroyed + severe + moderate; possible damage is shown apart and not "
    "counted; shares are of the national total of the same unit"
)
CURRENT_RULE = (
    "a place's latest assessment on or before the date (same date: the more reliable source, "
    "then the later import); a place without one sums its children's"
)


@dataclass(frozen=True)
class DamageValue:
    """Damage of one place in one unit, with where it comes from.

    ``basis`` is ``own`` (the place's current assessment), ``children`` (the sum of its
    children's current damage) or ``own and children`` (points of the place itself and its
    children's damage); ``date`` is the assessment's date (for a sum, the latest).
    """

    destroyed: float
    severe: float
    moderate: float
    possible: float
    basis: str
    date: date | None
    sources: tuple[str, ...] = ()
    assessments: int = 1

    @property
    def total(self) -> float:
        """Destroyed + severe + moderate (possible damage is not counted)."""
        return self.destroyed + self.severe + self.moderate

    def counts(self) -> dict[str, float]:
        return {
            "destroyed": self.destroyed,
            "severe": self.severe,
            "moderate": self.moderate,
            "possible": self.possible,
            "total": self.total,
        }


def _sum(parts: list[DamageValue]) -> DamageValue | None:
    if not parts:
        return None
    dates = [p.date for p in parts if p.date is not None]
    return DamageValue(
        destroyed=sum(p.destroyed for p in parts),
        severe=sum(p.severe for p in parts),
        moderate=sum(p.moderate for p in parts),
        possible=sum(p.possible for p in parts),
        basis="children",
        date=max(dates) if dates else None,
        sources=tuple(sorted({s for p in parts for s in p.sources})),
        assessments=sum(p.assessments for p in parts),
    )


class DamageBook:
    """All assessments of a database, to be read as of any date and rolled up the tree."""

    def __init__(
        self,
        tree: PlaceTree,
        rows: list[AssessmentRow],
        sources: dict[int, Source],
    ) -> None:
        self.tree = tree
        self.rows = [r for r in rows if r.place_id in tree.places]
        self.sources = sources
        self.units = sorted({r.unit for r in self.rows})

    @classmethod
    def load(
        cls, store: Store, tree: PlaceTree, as_of: date | None = None, unit: str | None = None
    ) -> DamageBook:
        return cls(tree, damage_assessments(store, as_of, unit), all_sources(store))

    def dates(self, unit: str, place_ids: set[int] | None = None) -> list[date]:
        """The distinct dates of the assessments of a unit (of these places only)."""
        return sorted(
            {
                r.date
                for r in self.rows
                if r.unit == unit and (place_ids is None or r.place_id in place_ids)
            }
        )

    def _source_name(self, source_id: int | None) -> str:
        if source_id is None or source_id not in self.sources:
            return "unsourced"
        return self.sources[source_id].name

    def current(self, unit: str, as_of: date) -> dict[int, AssessmentRow]:
        """place id -> the place's own current assessment in this unit."""
        best: dict[int, AssessmentRow] = {}
        ranks: dict[int, tuple[int, ...]] = {}
        for row in self.rows:
            if row.unit != unit or row.date > as_of:
                continue
            source = self.sources.get(row.source_id) if row.source_id is not None else None
            rank = figure_rank(row.date, source, row.import_id, row.first_id)
            if row.place_id not in best or rank < ranks[row.place_id]:
                best[row.place_id] = row
                ranks[row.place_id] = rank
        return best

    def rolled(self, unit: str, as_of: date) -> dict[int, DamageValue]:
        """place id -> its damage in this unit on ``as_of``: own, else its children's sum."""
        own = self.current(unit, as_of)
        values: dict[int, DamageValue] = {}
        for node in self.tree.descendants_postorder():
            row = own.get(node)
            parts = [values[c] for c in self.tree.children.get(node, []) if c in values]
            if row is None:
                summed = _sum(parts)
                if summed is not None:
                    values[node] = summed
                continue
            mine = DamageValue(
                row.destroyed,
                row.severe,
                row.moderate,
                row.possible,
                "own",
                row.date,
                (self._source_name(row.source_id),),
            )
            if row.points and parts:
                # Points are buildings of this place outside its children: they add up.
                both = _sum([mine, *parts])
                assert both is not None
                mine = replace(both, basis="own and children")
            values[node] = mine
        return values

    def national(self, values: dict[int, DamageValue]) -> DamageValue | None:
        """The country's damage: the root's, or the sum of the roots' when there are several."""
        roots = self.tree.roots()
        if len(roots) == 1:
            return values.get(roots[0])
        return _sum([values[r] for r in roots if r in values])


@dataclass(frozen=True)
class DamageRow:
    pcode: str
    name: str
    name_ar: str | None
    level: str
    unit: str
    value: DamageValue
    share_destroyed: float | None
    share_total: float | None

    def as_dict(self) -> dict[str, object]:
        return {
            "pcode": self.pcode,
            "name": self.name,
            "name_ar": self.name_ar,
            "level": self.level,
            "unit": self.unit,
            **self.value.counts(),
            "share_destroyed": self.share_destroyed,
            "share_total": self.share_total,
            "date": self.value.date.isoformat() if self.value.date else None,
            "basis": self.value.basis,
            "sources": list(self.value.sources),
        }


@dataclass
class DamageResult:
    as_of: date
    level: str
    unit: str | None
    places: list[DamageRow] = field(default_factory=list)
    national: dict[str, DamageValue] = field(default_factory=dict)  # unit -> national total

    def as_dict(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "level": self.level,
            "unit": self.unit,
            "total_rule": TOTAL_RULE,
            "current_rule": CURRENT_RULE,
            "national": {
                unit: {
                    **value.counts(),
                    "date": value.date.isoformat() if value.date else None,
                    "sources": list(value.sources),
                }
                for unit, value in self.national.items()
            },
            "places": [p.as_dict() for p in self.places],
        }


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole > 0 else None


def listed_places(tree: PlaceTree, as_of: date, level: int, within: Place | None) -> list[Place]:
    """The places of a level (those below ``within``; ``within`` itself when it is that level or
    finer)."""
    if within is None:
        return tree.at_level(level, as_of)
    if within.level >= level:
        return [within]
    return [
        p for p in tree.at_level(level, as_of) if tree.ancestor_at(p.id, within.level) == within.id
    ]


def find_place(tree: PlaceTree, pcode: str) -> Place:
    place = tree.get(pcode)
    if place is None:
        raise RefusedInput(f"no place with P-code {pcode!r} in the gazetteer")
    return place


def damage(
    store: Store,
    as_of: date,
    level: int = 1,
    pcode: str | None = None,
    unit: str | None = None,
    tree: PlaceTree | None = None,
) -> DamageResult:
    """Current damage of the places of a level (below ``pcode`` if given), with their shares of
    the national total, largest destruction first; one row per place and unit."""
    tree = tree or PlaceTree(all_places(store))
    within = find_place(tree, pcode) if pcode else None
    book = DamageBook.load(store, tree, as_of, unit)
    result = DamageResult(as_of, level_name(level), unit)
    for u in book.units:
        values = book.rolled(u, as_of)
        national = book.national(values)
        if national is None:
            continue
        result.national[u] = national
        for place in listed_places(tree, as_of, level, within):
            value = values.get(place.id)
            if value is None:
                continue
            result.places.append(
                DamageRow(
                    place.pcode,
                    place.name("en"),
                    place.name_ar,
                    level_name(place.level),
                    u,
                    value,
                    _share(value.destroyed, national.destroyed),
                    _share(value.total, national.total),
                )
            )
    result.places.sort(key=lambda r: (r.unit, -r.value.destroyed, -r.value.total, r.pcode))
    return result


@dataclass(frozen=True)
class DamageChange:
    """A place's damage on two successive assessment dates, and the change between them."""

    pcode: str
    name: str
    level: str
    unit: str
    before: DamageValue
    after: DamageValue

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "pcode": self.pcode,
            "name": self.name,
            "level": self.level,
            "unit": self.unit,
            "date_before": self.before.date.isoformat() if self.before.date else None,
            "date_after": self.after.date.isoformat() if self.after.date else None,
        }
        before, after = self.before.counts(), self.after.counts()
        for key in before:
            out[f"{key}_before"] = before[key]
            out[key] = after[key]
            out[f"{key}_change"] = after[key] - before[key]
        out["sources"] = list(self.after.sources)
        return out


def damage_changes(
    store: Store,
    as_of: date,
    level: int = 1,
    pcode: str | None = None,
    unit: str | None = None,
    tree: PlaceTree | None = None,
) -> list[DamageChange]:
    """For each place of a level: its damage at each date an assessment in it (or below it) was
    made, and the change from the one before; dates on or before ``as_of``."""
    tree = tree or PlaceTree(all_places(store))
    within = find_place(tree, pcode) if pcode else None
    book = DamageBook.load(store, tree, as_of, unit)
    places = listed_places(tree, as_of, level, within)
    out: list[DamageChange] = []
    for u in book.units:
        series = _assessed_series(book, tree, places, u)
        for place in places:
            seen = series.get(place.id, [])
            for before, after in zip(seen, seen[1:], strict=False):
                out.append(
                    DamageChange(
                        place.pcode, place.name("en"), level_name(place.level), u, before, after
                    )
                )
    out.sort(key=lambda c: (c.unit, c.pcode, c.after.date or date.min))
    return out


def _listed_owners(
    book: DamageBook, tree: PlaceTree, places: list[Place], unit: str
) -> dict[int, int]:
    """Which listed place each place assessed in ``unit`` rolls up to."""
    listed = {p.id for p in places}
    levels = {p.level for p in places}
    owner: dict[int, int] = {}
    for row in book.rows:
        if row.unit == unit:
            ancestors = tree.ancestors(row.place_id)
            for lvl in levels:
                if ancestors.get(lvl) in listed:
                    owner[row.place_id] = ancestors[lvl]
    return owner


def _assessed_series(
    book: DamageBook, tree: PlaceTree, places: list[Place], unit: str
) -> dict[int, list[DamageValue]]:
    """Each listed place's rolled-up damage in ``unit`` at each date an assessment in it (or
    below it) was made, oldest first."""
    owner = _listed_owners(book, tree, places, unit)
    dates_of: dict[int, set[date]] = defaultdict(set)
    for row in book.rows:
        if row.unit == unit and row.place_id in owner:
            dates_of[owner[row.place_id]].add(row.date)
    series: dict[int, list[DamageValue]] = defaultdict(list)
    for when in book.dates(unit):
        values = book.rolled(unit, when)
        for place in places:
            if when in dates_of.get(place.id, ()) and place.id in values:
                series[place.id].append(values[place.id])
    return series


@dataclass(frozen=True)
class DamageShare:
    """A place's current damage in one unit and its shares of the national total."""

    value: DamageValue
    share_destroyed: float | None
    share_total: float | None

    def as_dict(self) -> dict[str, object]:
        return {
            **self.value.counts(),
            "share_destroyed": self.share_destroyed,
            "share_total": self.share_total,
            "date": self.value.date.isoformat() if self.value.date else None,
            "sources": list(self.value.sources),
        }


def damage_shares(
    store: Store, tree: PlaceTree, as_of: date
) -> tuple[dict[int, dict[str, DamageShare]], dict[str, DamageShare]]:
    """Every place's current damage per unit with its national shares, and the national total
    per unit: what ``situation`` and the severity of ``gaps`` read."""
    book = DamageBook.load(store, tree, as_of)
    by_place: dict[int, dict[str, DamageShare]] = defaultdict(dict)
    national: dict[str, DamageShare] = {}
    for unit in book.units:
        values = book.rolled(unit, as_of)
        whole = book.national(values)
        if whole is None:
            continue
        national[unit] = DamageShare(
            whole, _share(whole.destroyed, whole.destroyed), _share(whole.total, whole.total)
        )
        for place_id, value in values.items():
            by_place[place_id][unit] = DamageShare(
                value, _share(value.destroyed, whole.destroyed), _share(value.total, whole.total)
            )
    return dict(by_place), national
