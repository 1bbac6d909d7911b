"""Queries of presence: who works in which sector where, from 3W presence rows and from the
deliveries of the 4W."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, case, func, select

from lagebild.model import DELIVERED_STATUSES
from lagebild.model.presence import (
    DeliveryPresence,
    ListedPresence,
    PresenceFilter,
    PresenceRow,
)
from lagebild.store import schema as t
from lagebild.store.accounts import EVERYTHING, Scope
from lagebild.store.store import Store, optional_date


def presence_rows(store: Store, sector: str | None = None) -> list[PresenceRow]:
    """Each (place, organisation, sector) the presence rows name, with how many rows name it."""
    pr = t.presence
    query = (
        select(pr.c.place_id, pr.c.org, pr.c.sector, func.count())
        .group_by(pr.c.place_id, pr.c.org, pr.c.sector)
        .order_by(pr.c.place_id, pr.c.org, pr.c.sector)
    )
    if sector is not None:
        query = query.where(pr.c.sector == sector)
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [PresenceRow(int(r[0]), str(r[1]), str(r[2] or ""), int(r[3])) for r in rows]


def presence_sectors(store: Store) -> list[str]:
    """The sectors presence rows name, in order."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.presence.c.sector).distinct()).all()
    return sorted(str(r[0] or "") for r in rows)


def _delivery_conditions(where: PresenceFilter, own: ColumnElement[bool]) -> list[Any]:
    d = t.deliveries
    conditions: list[Any] = []
    if where.organisation:
        conditions.append(func.lower(d.c.org_impl) == where.organisation.strip().lower())
    if where.sector is not None:
        conditions.append(d.c.sector == where.sector)
    if where.modality:
        conditions.append(d.c.modality == where.modality)
    if where.status:
        conditions.append(d.c.status == where.status)
    if where.date_from:
        conditions.append(d.c.date >= where.date_from)
    if where.date_to:
        conditions.append(d.c.date <= where.date_to)
    if where.own_only:
        conditions.append(own)
    return conditions


def delivery_presence(
    store: Store, where: PresenceFilter, scope: Scope = EVERYTHING
) -> list[DeliveryPresence]:
    """The deliveries ``where`` lets through, per place, implementing organisation, sector and
    month: rows, people reached by those delivered, first and last date, and whether they are
    in ``scope`` (the reader's own organisation's imports)."""
    d, i = t.deliveries, t.imports
    own = scope.owns(i.c.organisation_id)
    if store.dialect == "postgresql":
        month = func.to_char(d.c.date, "YYYY-MM")
    else:
        month = func.substr(d.c.date, 1, 7)
    delivered = case((d.c.status.in_(DELIVERED_STATUSES), d.c.reached), else_=None)
    mine = case((own, 1), else_=0)
    org = func.coalesce(d.c.org_impl, "")
    query = (
        select(
            d.c.place_id, org, d.c.sector, month, func.count(), func.sum(delivered),
            func.min(d.c.date), func.max(d.c.date), mine,
        )
        .join(i, i.c.id == d.c.import_id)
        .where(*_delivery_conditions(where, own))
        .group_by(d.c.place_id, org, d.c.sector, month, mine)
        .order_by(d.c.place_id, org, d.c.sector, month)
    )  # fmt: skip
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        DeliveryPresence(
            int(r[0]),
            str(r[1]),
            str(r[2] or ""),
            str(r[3]),
            int(r[4]),
            float(r[5] or 0.0),
            optional_date(r[6]) or date.min,
            optional_date(r[7]) or date.min,
            bool(r[8]),
        )  # fmt: skip
        for r in rows
    ]


def listed_presence(
    store: Store, where: PresenceFilter, scope: Scope = EVERYTHING
) -> list[ListedPresence]:
    """The 3W presence rows ``where`` lets through, per place, organisation and sector: how
    many rows, the first and last date of the dated ones, and whether they are in ``scope``.
    A row dated in the period or undated counts; a filter by modality or status lets none
    through (a listing has neither)."""
    if where.modality or where.status:
        return []
    pr, i = t.presence, t.imports
    own = scope.owns(i.c.organisation_id)
    conditions: list[Any] = []
    if where.organisation:
        conditions.append(func.lower(pr.c.org) == where.organisation.strip().lower())
    if where.sector is not None:
        conditions.append(pr.c.sector == where.sector)
    if where.date_from:
        conditions.append((pr.c.date >= where.date_from) | pr.c.date.is_(None))
    if where.date_to:
        conditions.append((pr.c.date <= where.date_to) | pr.c.date.is_(None))
    if where.own_only:
        conditions.append(own)
    mine = case((own, 1), else_=0)
    query = (
        select(
            pr.c.place_id, pr.c.org, pr.c.sector, func.count(), func.min(pr.c.date),
            func.max(pr.c.date), mine,
        )
        .join(i, i.c.id == pr.c.import_id)
        .where(*conditions)
        .group_by(pr.c.place_id, pr.c.org, pr.c.sector, mine)
        .order_by(pr.c.place_id, pr.c.org, pr.c.sector)
    )  # fmt: skip
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        ListedPresence(
            int(r[0]),
            str(r[1]),
            str(r[2] or ""),
            int(r[3]),
            optional_date(r[4]),
            optional_date(r[5]),
            bool(r[6]),
        )  # fmt: skip
        for r in rows
        if r[1]
    ]


def delivery_modalities(store: Store) -> list[str]:
    """The modalities deliveries name, sorted."""
    d = t.deliveries
    query = select(d.c.modality).where(d.c.modality.is_not(None)).distinct()
    with store.engine.connect() as conn:
        return sorted(str(r[0]) for r in conn.execute(query).all() if r[0])
