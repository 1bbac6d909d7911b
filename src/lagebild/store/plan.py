"""The inputs of a delivery plan in the database (docs/plan.md, "Inputs"): warehouses, items,
stock, place limits and routes, as the records of ``model/plan.py``.

Warehouses, items and routes are known by name, case aside: where imports name one more than
once, the newest import's row counts. An import's rows go with ``imports.undo_import``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, Table, select

from lagebild.model.plan import PlaceLimit, PlanItem, Route, StockRow, Warehouse
from lagebild.store import schema as t
from lagebild.store.store import Store, Writer, optional_date


def _rows(store: Store, table: Table, *extra: Any) -> Sequence[Row[Any]]:
    """Every row of a plan table with its source's name (and ``extra`` columns), oldest first."""
    s = t.sources
    query = (
        select(table, s.c.name.label("source_name"), *extra)
        .outerjoin(s, s.c.id == table.c.source_id)
        .order_by(table.c.id)
    )
    if "place_id" in table.c:
        p = t.places
        query = query.add_columns(p.c.pcode.label("pcode")).outerjoin(
            p, p.c.id == table.c.place_id
        )
    with store.engine.connect() as conn:
        return conn.execute(query).all()


def _newest_by_name(rows: Sequence[Row[Any]]) -> list[Row[Any]]:
    """Per name (case aside) the newest row, in the order of names."""
    newest: dict[str, Row[Any]] = {}
    for row in rows:  # oldest first: a later row replaces an earlier one
        newest[str(row.name).casefold()] = row
    return sorted(newest.values(), key=lambda r: str(r.name).casefold())


def warehouses(store: Store) -> list[Warehouse]:
    """Every warehouse, the newest row of each name, sorted by name."""
    return [
        Warehouse(
            r.name, r.pcode, r.place_id, r.lat, r.lon, float(r.trucks_per_week),
            r.source_name, r.import_id, r.row_number,
        )  # fmt: skip
        for r in _newest_by_name(_rows(store, t.plan_warehouses))
    ]


def plan_items(store: Store) -> list[PlanItem]:
    """Every item a plan can ship, the newest row of each name, sorted by name."""
    return [
        PlanItem(
            r.name, r.sector or "", float(r.people_per_unit_week), float(r.units_per_truck),
            r.unit, r.kcal, r.protein_g, r.fat_g, r.source_name, r.import_id, r.row_number,
        )  # fmt: skip
        for r in _newest_by_name(_rows(store, t.plan_items))
    ]


def stock(store: Store, as_of: date) -> list[StockRow]:
    """Per warehouse and item, the newest count dated on or before ``as_of``; an undated count
    where there is none dated (an undated count is older than any dated one). Counts of the
    same date: the newest import's. Sorted by warehouse and item."""
    newest: dict[tuple[str, str], tuple[tuple[date, int], StockRow]] = {}
    for r in _rows(store, t.plan_stock):
        when = optional_date(r.date)
        if when is not None and when > as_of:
            continue
        key = (str(r.warehouse).casefold(), str(r.item).casefold())
        rank = (when or date.min, int(r.id))
        if key not in newest or rank > newest[key][0]:
            row = StockRow(
                r.warehouse, r.item, float(r.units), when, r.source_name, r.import_id,
                r.row_number,
            )  # fmt: skip
            newest[key] = (rank, row)
    return [newest[k][1] for k in sorted(newest)]


def place_limits(store: Store, as_of: date) -> list[PlaceLimit]:
    """The limits valid on ``as_of`` (from ``valid_from``, through ``valid_to``; open ends
    hold), one per place: of several, the one that began last (then the newest import's).
    Sorted by P-code."""
    chosen: dict[int, tuple[tuple[date, int], PlaceLimit]] = {}
    for r in _rows(store, t.plan_place_limits):
        start, end = optional_date(r.valid_from), optional_date(r.valid_to)
        if (start is not None and start > as_of) or (end is not None and end < as_of):
            continue
        rank = (start or date.min, int(r.id))
        if r.place_id not in chosen or rank > chosen[r.place_id][0]:
            limit = PlaceLimit(
                r.pcode, r.place_id, float(r.trucks_per_week), start, end, r.source_name,
                r.import_id, r.row_number,
            )  # fmt: skip
            chosen[r.place_id] = (rank, limit)
    return sorted((c[1] for c in chosen.values()), key=lambda x: x.pcode)


def routes(store: Store) -> list[Route]:
    """Every route, the newest row of each name, sorted by name."""
    return [
        Route(
            r.name, r.warehouse, r.pcode, r.place_id, r.trucks_per_week, r.distance_km,
            r.source_name, r.import_id, r.row_number,
        )  # fmt: skip
        for r in _newest_by_name(_rows(store, t.plan_routes))
    ]


def known_names(store: Store) -> tuple[dict[str, str], dict[str, str]]:
    """The warehouses and items stored, each casefolded name -> the name as stored (the
    newest), for an import of stock or routes to check its names against."""
    found: list[dict[str, str]] = []
    for table in (t.plan_warehouses, t.plan_items):
        with store.engine.connect() as conn:
            rows = conn.execute(select(table.c.name).order_by(table.c.id)).all()
        found.append({str(r[0]).casefold(): str(r[0]) for r in rows})
    return found[0], found[1]


def add_plan_rows(writer: Writer, kind: str, rows: Sequence[dict[str, Any]]) -> int:
    """Insert the rows of one kind of planning input (``schema.PLAN_TABLES``); how many."""
    if rows:
        writer.conn.execute(t.PLAN_TABLES[kind].insert(), list(rows))
    return len(rows)
