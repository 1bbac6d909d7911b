"""Queries of presence (3W, operational presence): who works in which sector where."""

from __future__ import annotations

from sqlalchemy import func, select

from lagebild.model.presence import PresenceRow
from lagebild.store import schema as t
from lagebild.store.store import Store


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
