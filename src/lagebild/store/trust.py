"""Queries of the trust features: the source register, figures with where they came from, and the
deliveries behind a number of people reached."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, select

from lagebild.model.trust import FigureRecord, SourceCount
from lagebild.store import schema as t
from lagebild.store.listing import figure_conditions
from lagebild.store.store import Store, optional_date, required_date

DELIVERED = ("completed", "partial")


def source_register(store: Store) -> list[SourceCount]:
    """Every source with how many figures, deliveries and access rows it gave, by name; then a
    row with ``id`` None counting the records that have no source."""
    counted = {}
    with store.engine.connect() as conn:
        for key, table in (
            ("figures", t.figures),
            ("deliveries", t.deliveries),
            ("access", t.access_changes),
        ):
            query = select(table.c.source_id, func.count()).group_by(table.c.source_id)
            counted[key] = {r[0]: int(r[1]) for r in conn.execute(query)}
        rows = conn.execute(select(t.sources).order_by(t.sources.c.name)).all()
    out = [
        SourceCount(
            r.id,
            r.name,
            r.kind,
            r.reliability,
            r.credibility,
            counted["figures"].get(r.id, 0),
            counted["deliveries"].get(r.id, 0),
            counted["access"].get(r.id, 0),
        )
        for r in rows
    ]
    out.append(
        SourceCount(
            None,
            "unsourced",
            None,
            None,
            None,
            counted["figures"].get(None, 0),
            counted["deliveries"].get(None, 0),
            counted["access"].get(None, 0),
        )
    )
    return out


def source_id_named(store: Store, name: str) -> int | None:
    """The id of the source with exactly this name (surrounding spaces ignored), or None."""
    with store.engine.connect() as conn:
        found = conn.execute(
            select(t.sources.c.id).where(t.sources.c.name == name.strip())
        ).scalar()
    return int(found) if found is not None else None


def figure_records(
    store: Store,
    place_ids: Sequence[int] | None = None,
    indicator: str | None = None,
    sector: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    import_id: int | None = None,
    totals: bool = True,
    ids: Sequence[int] | None = None,
) -> list[FigureRecord]:
    """Figures with where they came from, by place, indicator, sector and date: the totals
    (a place's figures; ``totals=False``: the disaggregated ones too), or the ``ids`` given."""
    f, p, s, i = t.figures, t.places, t.sources, t.imports
    conditions = figure_conditions(
        place_ids, indicator, sector, date_from, date_to, import_id, totals and ids is None
    )
    if ids is not None:
        conditions.append(f.c.id.in_(list(ids)))
    query = (
        select(
            f.c.id,
            f.c.place_id,
            p.c.pcode,
            func.coalesce(p.c.name_en, p.c.name_ar, p.c.pcode),
            f.c.indicator,
            f.c.sector,
            f.c.date,
            f.c.value,
            f.c.source_id,
            s.c.name,
            func.coalesce(f.c.reliability, s.c.reliability),
            func.coalesce(f.c.credibility, s.c.credibility),
            f.c.import_id,
            i.c.file_name,
            f.c.row_number,
            f.c.column,
            (f.c.reliability.is_not(None) | f.c.credibility.is_not(None)),
            *[f.c[d] for d in t.FIGURE_DIMENSIONS],
        )
        .join(p, p.c.id == f.c.place_id)
        .join(i, i.c.id == f.c.import_id)
        .outerjoin(s, s.c.id == f.c.source_id)
        .where(and_(literal(True), *conditions))
        .order_by(p.c.pcode, f.c.indicator, f.c.sector, f.c.date, f.c.id)
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        FigureRecord(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            required_date(r[6]),
            float(r[7]),
            r[8],
            r[9],
            r[10],
            r[11],
            r[12],
            r[13],
            r[14],
            r[15],
            bool(r[16]),
            r[17],
            r[18],
            r[19],
            r[20],
        )
        for r in rows
    ]


def _delivered_where(
    place_ids: Sequence[int] | None, after: date, until: date, sector: str | None
) -> ColumnElement[bool]:
    """Delivered rows in (after, until]; in the places given (None: everywhere)."""
    d = t.deliveries
    conditions = [
        d.c.place_id.in_(list(place_ids)) if place_ids is not None else literal(True),
        d.c.status.in_(DELIVERED),
        d.c.date > after,
        d.c.date <= until,
    ]
    if sector is not None:
        conditions.append(d.c.sector == sector)
    return and_(*conditions)


def delivered_by_sector(
    store: Store,
    place_ids: Sequence[int] | None,
    after: date,
    until: date,
    sector: str | None = None,
) -> dict[str, tuple[float, int]]:
    """sector -> (people reached, delivered rows) dated in (after, until] in the places."""
    d = t.deliveries
    query = (
        select(d.c.sector, func.sum(d.c.reached), func.count())
        .where(_delivered_where(place_ids, after, until, sector))
        .group_by(d.c.sector)
    )
    found: dict[str, tuple[float, int]] = {}
    with store.engine.connect() as conn:
        for r in conn.execute(query):
            found[r[0]] = (float(r[1] or 0.0), int(r[2]))
        if not sector:  # a delivered convoy counts as a delivery without a sector
            c = t.convoys
            reached, count = conn.execute(
                select(func.sum(c.c.reached), func.count()).where(
                    _convoys_where(place_ids, after, until)
                )
            ).one()
            if count:
                before = found.get("", (0.0, 0))
                found[""] = (before[0] + float(reached or 0.0), before[1] + int(count))
    return found


def _convoys_where(
    place_ids: Sequence[int] | None, after: date, until: date
) -> ColumnElement[bool]:
    """Convoys delivered in (after, until] in the places (None: everywhere)."""
    c = t.convoys
    return and_(
        c.c.place_id.in_(list(place_ids)) if place_ids is not None else literal(True),
        c.c.status == "delivered",
        c.c.delivered_on > after,
        c.c.delivered_on <= until,
    )


def delivered_rows(
    store: Store,
    place_ids: Sequence[int] | None,
    after: date,
    until: date,
    sector: str | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """The delivered rows dated in (after, until] in the places, newest first, with their source,
    import, file and row."""
    d, p, s, i = t.deliveries, t.places, t.sources, t.imports
    query = (
        select(
            d.c.id,
            p.c.pcode,
            d.c.date,
            d.c.status,
            d.c.sector,
            d.c.reached,
            d.c.org_impl,
            s.c.name.label("source"),
            d.c.import_id,
            i.c.file_name,
            d.c.row_number,
        )
        .join(p, p.c.id == d.c.place_id)
        .join(i, i.c.id == d.c.import_id)
        .outerjoin(s, s.c.id == d.c.source_id)
        .where(_delivered_where(place_ids, after, until, sector))
        .order_by(d.c.date.desc(), d.c.id.desc())
        .limit(limit)
    )
    c = t.convoys
    convoys = (
        select(
            c.c.id,
            p.c.pcode,
            c.c.delivered_on.label("date"),
            literal("convoy").label("status"),
            literal("").label("sector"),
            c.c.reached,
            c.c.agencies.label("org_impl"),
            s.c.name.label("source"),
            c.c.import_id,
            func.coalesce(i.c.file_name, literal("")).label("file_name"),
            c.c.row_number,
            c.c.code.label("convoy"),
        )
        .join(p, p.c.id == c.c.place_id)
        .outerjoin(i, i.c.id == c.c.import_id)
        .outerjoin(s, s.c.id == c.c.source_id)
        .where(_convoys_where(place_ids, after, until))
        .order_by(c.c.delivered_on.desc(), c.c.id.desc())
        .limit(limit)
    )
    with store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
        if not sector:
            rows += [dict(r) for r in conn.execute(convoys).mappings()]
    for row in rows:
        row["date"] = optional_date(row["date"])
        row["source"] = row["source"] or "unsourced"
        if row.get("convoy") and not row["file_name"]:
            row["file_name"] = f"convoy {row['convoy']} (entered on the command line)"
    rows.sort(key=lambda r: (r["date"], r["id"]), reverse=True)
    return rows[:limit]


__all__ = [
    "FigureRecord",
    "SourceCount",
    "delivered_by_sector",
    "delivered_rows",
    "figure_records",
    "source_id_named",
    "source_register",
]
