"""Incidents as the analysis reads them: totals per place and event type, and lists of events."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select, true

from lagebild.model.incidents import EventCount, IncidentRow, IncidentTotal
from lagebild.store import schema as t
from lagebild.store.store import Store, required_date


def _when(date_from: date | None, date_to: date | None) -> ColumnElement[bool]:
    i = t.incidents
    conditions = []
    if date_from is not None:
        conditions.append(i.c.date >= date_from)
    if date_to is not None:
        conditions.append(i.c.date <= date_to)
    return and_(true(), *conditions)


def incident_totals(
    store: Store, date_from: date | None = None, date_to: date | None = None
) -> list[IncidentTotal]:
    """Per place (None for the unplaced) and event type: events, fatalities, attacks on aid,
    dated within [date_from, date_to] (either end open when None)."""
    i = t.incidents
    query = (
        select(
            i.c.place_id,
            i.c.event_type,
            func.count(),
            func.coalesce(func.sum(i.c.fatalities), 0),
            func.coalesce(func.sum(case((i.c.attack_on_aid, 1), else_=0)), 0),
        )
        .where(_when(date_from, date_to))
        .group_by(i.c.place_id, i.c.event_type)
        .order_by(i.c.place_id, i.c.event_type)
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [IncidentTotal(r[0], r[1] or "", int(r[2]), int(r[3]), int(r[4])) for r in rows]


def _filters(
    place_ids: Collection[int] | None,
    date_from: date | None,
    date_to: date | None,
    unplaced: bool,
    event_type: str | None,
    placed_by: str | None,
) -> ColumnElement[bool]:
    i = t.incidents
    where = _when(date_from, date_to)
    if unplaced:
        where = and_(where, i.c.place_id.is_(None))
    elif place_ids is not None:
        where = and_(where, i.c.place_id.in_(sorted(place_ids)))
    if event_type is not None:
        where = and_(where, func.lower(i.c.event_type) == event_type.strip().lower())
    if placed_by is not None:
        where = and_(where, i.c.placed_by == placed_by)
    return where


def incident_count(
    store: Store,
    place_ids: Collection[int] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    *,
    unplaced: bool = False,
    event_type: str | None = None,
    placed_by: str | None = None,
) -> int:
    """How many incidents ``incident_list`` with the same filters gives."""
    where = _filters(place_ids, date_from, date_to, unplaced, event_type, placed_by)
    with store.engine.connect() as conn:
        return int(
            conn.execute(select(func.count()).select_from(t.incidents).where(where)).scalar_one()
        )


def incident_list(
    store: Store,
    place_ids: Collection[int] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    *,
    unplaced: bool = False,
    limit: int | None = None,
    newest_first: bool = False,
    event_type: str | None = None,
    placed_by: str | None = None,
    offset: int = 0,
) -> list[IncidentRow]:
    """The incidents at the given places (all when None; only the unplaced with ``unplaced``),
    dated within [date_from, date_to], of one event type (any case) and placing method when
    given, by date; ``offset`` and ``limit`` page through them."""
    i, s, imp = t.incidents, t.sources, t.imports
    where = _filters(place_ids, date_from, date_to, unplaced, event_type, placed_by)
    order = [i.c.date.desc(), i.c.id.desc()] if newest_first else [i.c.date, i.c.id]
    query = (
        select(
            i.c.id,
            i.c.event_code,
            i.c.date,
            i.c.event_type,
            i.c.sub_event_type,
            i.c.actor1,
            i.c.actor2,
            i.c.fatalities,
            i.c.attack_on_aid,
            i.c.lat,
            i.c.lon,
            i.c.location,
            i.c.admin_names,
            i.c.notes,
            i.c.reported_by,
            i.c.place_id,
            i.c.placed_by,
            i.c.place_confidence,
            i.c.place_distance_km,
            s.c.name,
            i.c.import_id,
            imp.c.file_name,
            i.c.row_number,
        )
        .select_from(i.outerjoin(s, s.c.id == i.c.source_id).join(imp, imp.c.id == i.c.import_id))
        .where(where)
        .order_by(*order)
    )
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        IncidentRow(
            r[0],
            r[1],
            required_date(r[2]),
            r[3] or "",
            r[4],
            r[5],
            r[6],
            r[7],
            bool(r[8]),
            r[9],
            r[10],
            r[11],
            r[12],
            r[13],
            r[14],
            r[15],
            r[16],
            r[17],
            r[18],
            r[19],
            r[20],
            r[21],
            r[22],
        )
        for r in rows
    ]


def placing_counts(store: Store) -> dict[str, int]:
    """How many incidents each placing method placed (pcode, polygon, nearest, name, none)."""
    i = t.incidents
    query = select(i.c.placed_by, func.count()).group_by(i.c.placed_by)
    with store.engine.connect() as conn:
        return {r[0]: int(r[1]) for r in conn.execute(query)}


def event_count_list(
    store: Store,
    place_ids: Collection[int] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[EventCount]:
    """The conflict events counted per place, type and period (``event_counts``) at the given
    places (all when None) whose period lies within [date_from, date_to] (either end open when
    None), by place, start and type. A place, type and period counted again from the same
    source by a later import (HAPI's file of a year grows each month) is the later import's
    count: the earlier one is kept, and comes back when the later import is undone."""
    c, s = t.event_counts, t.sources
    query = (
        select(c.c.place_id, c.c.event_type, c.c.date_start, c.c.date_end, c.c.events,
               c.c.fatalities, s.c.name, c.c.source_id)
        .select_from(c.outerjoin(s, s.c.id == c.c.source_id))
        .order_by(c.c.place_id, c.c.date_start, c.c.event_type, c.c.import_id, c.c.id)
    )  # fmt: skip
    if place_ids is not None:
        query = query.where(c.c.place_id.in_(list(place_ids)))
    if date_from is not None:
        query = query.where(c.c.date_start >= date_from)
    if date_to is not None:
        query = query.where(c.c.date_end <= date_to)
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    newest: dict[tuple[Any, ...], EventCount] = {}
    for r in rows:  # by import: a later one replaces
        newest[(r[0], r[1], r[2], r[3], r[7])] = EventCount(
            r[0], r[1], required_date(r[2]), required_date(r[3]), r[4], r[5], r[6]
        )
    return list(newest.values())
