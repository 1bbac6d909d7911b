"""Access changes: who controls a place and whether aid can reach it, from which date."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from lagebild.model import AccessRow
from lagebild.store import schema as t
from lagebild.store.store import Store, optional_date


def access_changes(store: Store, as_of: date | None = None) -> list[AccessRow]:
    """Access changes by place and date; with ``as_of`` only those on or before it."""
    a = t.access_changes
    query = select(
        a.c.place_id,
        a.c.status,
        a.c.party,
        a.c.valid_from,
        a.c.source_id,
        a.c.import_id,
        a.c.row_number,
        a.c.id,
    ).order_by(a.c.place_id, a.c.valid_from, a.c.id)
    if as_of is not None:
        query = query.where(a.c.valid_from <= as_of)
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [AccessRow(r[0], r[1], r[2], optional_date(r[3]), r[4], r[5], r[6], r[7]) for r in rows]  # type: ignore[arg-type]
