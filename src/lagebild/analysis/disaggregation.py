"""A place's figure broken down by gender, age or population group, beside its total.

The breakdown belongs to the figure shown for the place: the disaggregated figures of the same
place, indicator, sector, date and source as its current figure (the total row, or the parts of
a partition sum). A value of the breakdown is the row that is total in every other dimension;
where there is none, the rows of that value that partition it (``partition``: ``f`` and ``m``,
or every age range once); else it is unknown and not shown. The parts need not add up to the
total (a population group is a part of the people, not a partition of them): the total is the
place's figure, always.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from lagebild.analysis.figures import age_range, current_figures, partition
from lagebild.model import FigureRow, Source
from lagebild.store import Store
from lagebild.store.figures import figure_parts_on
from lagebild.store.places import all_places
from lagebild.store.sources import all_sources

#: ``--by`` words and the dimension (column of ``figures``) each breaks down.
BY = {"gender": "gender", "age": "age", "population-group": "population_group"}
#: The indicators a breakdown shows: people in need, and population where present.
INDICATORS = ("inneed", "population")


@dataclass(frozen=True)
class Breakdown:
    """One place's figure of one indicator and its values by one dimension."""

    place_id: int
    indicator: str
    total: float
    date: date
    values: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"indicator": self.indicator, "total": self.total, "date": self.date.isoformat(),
                "values": dict(self.values)}  # fmt: skip


def _order(dimension: str, value: str) -> tuple[object, ...]:
    if dimension == "age":
        found = age_range(value)
        return (0, found[0], value) if found else (1, 0, value)
    return ({"f": 0, "m": 1}.get(value, 2), 0, value)


def value_of(rows: list[FigureRow], dimension: str) -> float | None:
    """The value of rows sharing one value of ``dimension``: the row total in every other
    dimension, else a partition of it, else None."""
    cleared = [replace(r, **{dimension: ""}) for r in rows]  # type: ignore[arg-type]
    total = [r for r in cleared if r.is_total]
    if len(total) == 1:
        return total[0].value
    if total:
        return None  # the same value twice: unknown
    parts = partition(cleared)
    return sum(r.value for r in parts) if parts else None


def breakdown(
    store: Store,
    as_of: date,
    by: str,
    place_ids: list[int] | None = None,
    sector: str = "",
    sources: dict[int, Source] | None = None,
) -> dict[int, list[Breakdown]]:
    """place id -> the breakdown of each indicator (people in need, population) whose current
    figure has disaggregated figures beside it; in the places given (None: all)."""
    dimension = BY[by]
    sources = sources if sources is not None else all_sources(store)
    out: dict[int, list[Breakdown]] = {}
    wanted = set(place_ids) if place_ids is not None else None
    for indicator in INDICATORS:
        ind_sector = sector if indicator == "inneed" else ""
        current = current_figures(store, indicator, as_of, ind_sector, sources)
        by_value: dict[tuple[int, str], list[FigureRow]] = {}
        for row in figure_parts_on(store, indicator, ind_sector, as_of):
            held = current.get(row.place_id)
            if held is None or (wanted is not None and row.place_id not in wanted):
                continue
            if (row.date, row.source_id, row.import_id) != (
                held.date, held.source_id, held.import_id
            ):
                continue
            value = getattr(row, dimension)
            if value:
                by_value.setdefault((row.place_id, value), []).append(row)
        found: dict[int, dict[str, float]] = {}
        for (place_id, value), rows in by_value.items():
            number = value_of(rows, dimension)
            if number is not None:
                found.setdefault(place_id, {})[value] = number
        for place_id, values in found.items():
            held = current[place_id]
            ordered = dict(sorted(values.items(), key=lambda kv: _order(dimension, kv[0])))
            out.setdefault(place_id, []).append(
                Breakdown(place_id, indicator, held.value, held.date, ordered)
            )
    return out


def by_place(
    store: Store, as_of: date, by: str, places: list[tuple[str, str]], sector: str = ""
) -> list[dict[str, object]]:
    """The breakdowns of the places given as (P-code, name), in their order, as the command line
    and the API show them: ``{"pcode", "name", "inneed": {...}, "population": {...}}`` for each
    place that carries one."""
    ids = {p.pcode: p.id for p in all_places(store)}
    found = breakdown(store, as_of, by, [ids[c] for c, _ in places if c in ids], sector)
    listed: list[dict[str, object]] = []
    for pcode, name in places:
        parts = found.get(ids.get(pcode, -1), [])
        if parts:
            listed.append(
                {"pcode": pcode, "name": name, **{b.indicator: b.as_dict() for b in parts}}
            )
    return listed


__all__ = ["BY", "Breakdown", "breakdown", "by_place", "value_of"]
