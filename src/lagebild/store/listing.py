"""Lists the web app and the API page through: figures, deliveries, monthly trends.

Rows come back as plain dicts with the source, import, file and row each record came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, and_, case, func, literal, select

from lagebild.model.listing import DeliveryFilter, Page
from lagebild.store import schema as t
from lagebild.store.accounts import EVERYTHING, Scope
from lagebild.store.deliveries import DELIVERED_SQL
from lagebild.store.store import Store, optional_date


def _page(
    store: Store,
    table: Table,
    where: ColumnElement[bool],
    order: Sequence[ColumnElement[Any]],
    query: Select[Any],
    limit: int,
    offset: int,
) -> Page:
    """One page of ``query`` (``table`` joined to what it names) in ``order``.

    The total counts ``table`` alone under ``where``, and the page's ids are found in ``table``
    alone before the join: over a million deliveries both take a fraction of the joined query.
    """
    ids = (
        select(table.c.id).where(where).order_by(*order).limit(limit).offset(offset).subquery()
    )
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(table).where(where)).scalar_one()
        rows = (
            conn.execute(query.where(table.c.id.in_(select(ids.c.id))).order_by(*order))
            .mappings()
            .all()
        )
    items = []
    for row in rows:
        item = dict(row)
        for key, value in item.items():
            if key.startswith("date") or key == "valid_from":
                item[key] = optional_date(value)
        items.append(item)
    return Page(items, int(total), limit, offset)


def deliveries(
    store: Store,
    where: DeliveryFilter,
    limit: int = 100,
    offset: int = 0,
    scope: Scope = EVERYTHING,
) -> Page:
    """Deliveries, newest first, with place, source and the file row each came from.

    Each row says under ``own`` whether it is in ``scope`` (its import's organisation is the
    reader's): the protocol shows restricted fields of those rows only. A search by organisation
    finds only rows in scope, so that it cannot tell whose the others are.
    """
    d, p, s, i, o = t.deliveries, t.places, t.sources, t.imports, t.organisations
    own = scope.owns(i.c.organisation_id)
    conditions: list[ColumnElement[bool]] = []
    if where.place_ids is not None:
        conditions.append(d.c.place_id.in_(list(where.place_ids)))
    if where.organisation:
        needle = where.organisation.strip().lower()
        conditions.append(
            func.lower(d.c.org_impl).contains(needle, autoescape=True)
            | func.lower(d.c.org_reporting).contains(needle, autoescape=True)
            | func.lower(d.c.donor).contains(needle, autoescape=True)
        )
        if not scope.everything:
            in_scope = select(i.c.id).where(own)
            conditions.append(d.c.import_id.in_(in_scope))
    if where.sector:
        conditions.append(d.c.sector == where.sector)
    if where.status:
        conditions.append(d.c.status == where.status)
    if where.date_from:
        conditions.append(d.c.date >= where.date_from)
    if where.date_to:
        conditions.append(d.c.date <= where.date_to)
    query = (
        select(
            d.c.id, p.c.pcode, p.c.name_en, p.c.name_ar, d.c.date, d.c.date_start, d.c.date_end,
            d.c.status, d.c.sector, d.c.reached, d.c.households, d.c.org_impl, d.c.org_reporting,
            d.c.donor, d.c.activity, d.c.modality, d.c.item, d.c.quantity, d.c.unit,
            d.c.value_usd, s.c.name.label("source"), d.c.import_id, i.c.file_name,
            d.c.row_number, o.c.name.label("organisation"),
            case((own, True), else_=False).label("own"),
        )
        .join(p, p.c.id == d.c.place_id)
        .join(i, i.c.id == d.c.import_id)
        .outerjoin(s, s.c.id == d.c.source_id)
        .outerjoin(o, o.c.id == i.c.organisation_id)
    )
    where_all = and_(literal(True), *conditions)
    return _page(store, d, where_all, [d.c.date.desc(), d.c.id.desc()], query, limit, offset)


def figure_conditions(
    place_ids: Sequence[int] | None = None,
    indicator: str | None = None,
    sector: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    import_id: int | None = None,
    totals: bool = False,
) -> list[ColumnElement[bool]]:
    """The WHERE terms of a figures query: place ids, indicator, sector, period, import; with
    ``totals`` only the figures total in every dimension (a place's figures)."""
    f = t.figures
    conditions: list[ColumnElement[bool]] = []
    if totals:
        conditions += [f.c[d] == "" for d in t.FIGURE_DIMENSIONS]
    if place_ids is not None:
        conditions.append(f.c.place_id.in_(list(place_ids)))
    if indicator:
        conditions.append(f.c.indicator == indicator)
    if sector is not None:
        conditions.append(f.c.sector == sector)
    if date_from:
        conditions.append(f.c.date >= date_from)
    if date_to:
        conditions.append(f.c.date <= date_to)
    if import_id is not None:
        conditions.append(f.c.import_id == import_id)
    return conditions


def figures(
    store: Store,
    place_ids: Sequence[int] | None = None,
    indicator: str | None = None,
    sector: str | None = None,
    date_to: date | None = None,
    date_from: date | None = None,
    limit: int = 100,
    offset: int = 0,
    totals: bool = False,
) -> Page:
    """Figures, newest first, each with its source, grade, import, file, row and dimensions
    (``totals``: only the place's figures, total in every dimension)."""
    f, p, s, i = t.figures, t.places, t.sources, t.imports
    conditions = figure_conditions(
        place_ids, indicator, sector, date_from, date_to, totals=totals
    )
    query = (
        select(
            f.c.id, p.c.pcode, p.c.name_en, p.c.name_ar, f.c.indicator, f.c.sector, f.c.date,
            f.c.value, s.c.name.label("source"),
            # The grade that counts: the figure's own, else its source's.
            func.coalesce(f.c.reliability, s.c.reliability).label("reliability"),
            func.coalesce(f.c.credibility, s.c.credibility).label("credibility"),
            f.c.import_id,
            i.c.file_name, f.c.row_number, f.c.column, *[f.c[d] for d in t.FIGURE_DIMENSIONS],
        )
        .join(p, p.c.id == f.c.place_id)
        .join(i, i.c.id == f.c.import_id)
        .outerjoin(s, s.c.id == f.c.source_id)
    )
    where_all = and_(literal(True), *conditions)
    order = [f.c.date.desc(), f.c.indicator, f.c.id.desc()]
    return _page(store, f, where_all, order, query, limit, offset)


def access_list(
    store: Store, place_ids: Sequence[int] | None = None, limit: int = 100, offset: int = 0
) -> Page:
    """Access changes, newest first, each with its place, source, import, file and row."""
    a, p, s, i = t.access_changes, t.places, t.sources, t.imports
    chosen = [a.c.place_id.in_(list(place_ids))] if place_ids is not None else []
    where_all = and_(literal(True), *chosen)
    query = (
        select(
            a.c.id, p.c.pcode, p.c.name_en, p.c.name_ar, a.c.status, a.c.party, a.c.valid_from,
            s.c.name.label("source"), a.c.import_id, i.c.file_name, a.c.row_number,
        )
        .join(p, p.c.id == a.c.place_id)
        .join(i, i.c.id == a.c.import_id)
        .outerjoin(s, s.c.id == a.c.source_id)
    )
    order = [a.c.valid_from.desc(), a.c.id.desc()]
    return _page(store, a, where_all, order, query, limit, offset)


def monthly_reached(
    store: Store,
    date_from: date,
    date_to: date,
    sector: str | None = None,
    place_ids: Sequence[int] | None = None,
) -> list[tuple[str, str, float, int]]:
    """(month ``YYYY-MM``, sector, people reached, deliveries) of delivered rows in the period,
    in the given places only (the place and everything below it, resolved by the caller)."""
    d = t.deliveries
    if store.dialect == "postgresql":
        month = func.to_char(d.c.date, "YYYY-MM")
    else:
        month = func.substr(d.c.date, 1, 7)
    query = (
        select(month.label("month"), d.c.sector, func.sum(d.c.reached), func.count())
        .where(
            d.c.status.in_(("completed", "partial")), d.c.date >= date_from, d.c.date <= date_to
        )
        .group_by(month, d.c.sector)
        .order_by(month, d.c.sector)
    )
    if sector is not None:
        query = query.where(d.c.sector == sector)
    if place_ids is not None:
        query = query.where(d.c.place_id.in_(list(place_ids)))
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [(r[0], r[1], float(r[2] or 0.0), int(r[3])) for r in rows]


def latest_date(store: Store, today: date | None = None) -> date | None:
    """The newest date of a delivery made, a figure or an access change: the end of the data,
    the date of a picture when none is asked for; never later than ``today`` (default: the
    computer's date), so that a projection dated ahead does not become the current figure.

    Planned deliveries look ahead and do not count. None when the database holds none of them.
    """
    d = t.deliveries
    queries = [
        select(func.max(d.c.date)).where(d.c.status.in_(("completed", "partial"))),
        select(func.max(t.figures.c.date)),
        select(func.max(t.access_changes.c.valid_from)),
    ]
    with store.engine.connect() as conn:
        found = [optional_date(conn.execute(query).scalar()) for query in queries]
    dates = [d for d in found if d is not None]
    return min(max(dates), today or date.today()) if dates else None


def figure_sectors(store: Store, indicator: str = "inneed") -> list[str]:
    """The sectors that have figures of an indicator, sorted; ``""`` is inter-sector."""
    f = t.figures
    query = select(f.c.sector).where(f.c.indicator == indicator).distinct()
    with store.engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(query).all())


def organisations(store: Store) -> list[str]:
    """Implementing organisations named in deliveries, sorted."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(t.deliveries.c.org_impl).where(t.deliveries.c.org_impl.is_not(None)).distinct()
        ).all()
    return sorted(r[0] for r in rows)


__all__ = [
    "DELIVERED_SQL",
    "deliveries",
    "figure_sectors",
    "figures",
    "latest_date",
    "monthly_reached",
    "organisations",
]
