"""Convoys in the database: a convoy, its items, and every SQL statement that reads or writes them.

The rules of a convoy's life (what may follow what) are in ``lagebild.actions.convoys``; this module
only stores and reads. Gaps read delivered convoys through ``deliveries.delivered_sums`` and
``deliveries.last_deliveries``; an import's convoys and their items go with
``imports.undo_import``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, func, select

from lagebild.model.convoys import Convoy, ConvoyItem
from lagebild.store import schema as t
from lagebild.store.store import Store, Writer, optional_date

#: The columns of ``convoys`` a convoy record carries, in order.
CONVOY_FIELDS = (
    "code",
    "place_id",
    "status",
    "requested_on",
    "agencies",
    "trucks",
    "planned_people",
    "decided_on",
    "decided_by",
    "decision_reason",
    "trucks_approved",
    "people_approved",
    "delivered_on",
    "reached",
    "note",
    "source_id",
    "import_id",
    "row_number",
)
ITEM_FIELDS = ("item", "category", "unit", "planned", "arrived", "removed", "removed_by")
_DATES = ("requested_on", "decided_on", "delivered_on")


def _query() -> Any:
    c, p, s = t.convoys, t.places, t.sources
    return (
        select(
            c.c.id,
            c.c.code,
            c.c.place_id,
            p.c.pcode,
            p.c.name_en.label("place_name"),
            c.c.status,
            c.c.requested_on,
            c.c.agencies,
            c.c.trucks,
            c.c.planned_people,
            c.c.decided_on,
            c.c.decided_by,
            c.c.decision_reason,
            c.c.trucks_approved,
            c.c.people_approved,
            c.c.delivered_on,
            c.c.reached,
            c.c.note,
            s.c.name.label("source"),
            c.c.import_id,
            c.c.row_number,
        )
        .select_from(c.join(p, p.c.id == c.c.place_id).outerjoin(s, s.c.id == c.c.source_id))
        .order_by(c.c.requested_on, c.c.id)
    )


def _convoy(row: Row[Any], items: Sequence[ConvoyItem]) -> Convoy:
    values = dict(row._mapping)
    for name in _DATES:
        values[name] = optional_date(values[name])
    return Convoy(**values, items=tuple(items))


def _items(conn: Connection, convoy_ids: Collection[int]) -> dict[int, list[ConvoyItem]]:
    found: dict[int, list[ConvoyItem]] = {i: [] for i in convoy_ids}
    if not convoy_ids:
        return found
    i = t.convoy_items
    ids = list(convoy_ids)
    for start in range(0, len(ids), 500):
        query = (
            select(i.c.convoy_id, i.c.id, *(i.c[f] for f in ITEM_FIELDS), i.c.row_number)
            .where(i.c.convoy_id.in_(ids[start : start + 500]))
            .order_by(i.c.convoy_id, i.c.id)
        )
        for r in conn.execute(query):
            values = dict(r._mapping)
            found[values.pop("convoy_id")].append(ConvoyItem(**values))
    return found


def _read(conn: Connection, query: Any) -> list[Convoy]:
    rows = conn.execute(query).all()
    items = _items(conn, [r[0] for r in rows])
    return [_convoy(r, items[r[0]]) for r in rows]


def convoys(
    store: Store,
    *,
    place_ids: Collection[int] | None = None,
    status: str | None = None,
    requested_from: date | None = None,
    requested_to: date | None = None,
) -> list[Convoy]:
    """Convoys with their items, in order of request; of some places, of one status, requested
    in a period (both ends included), or all."""
    c = t.convoys
    query = _query()
    if place_ids is not None:
        query = query.where(c.c.place_id.in_(list(place_ids)))
    if status is not None:
        query = query.where(c.c.status == status)
    if requested_from is not None:
        query = query.where(c.c.requested_on >= requested_from)
    if requested_to is not None:
        query = query.where(c.c.requested_on <= requested_to)
    with store.engine.connect() as conn:
        return _read(conn, query)


def convoy(store: Store, code: str) -> Convoy | None:
    """The convoy with this code (any case), or None."""
    with store.engine.connect() as conn:
        found = _read(conn, _query().where(func.upper(t.convoys.c.code) == code.strip().upper()))
    return found[0] if found else None


def convoy_for_update(writer: Writer, code: str) -> Convoy | None:
    """The convoy with this code, read in the writer's transaction and locked against another
    writer until it ends (PostgreSQL; SQLite has one writer at a time anyway)."""
    query = _query().where(func.upper(t.convoys.c.code) == code.strip().upper())
    if writer.dialect == "postgresql":
        query = query.with_for_update(of=t.convoys)
    found = _read(writer.conn, query)
    return found[0] if found else None


def known_codes(store: Store) -> dict[str, tuple[str, int | None]]:
    """Every stored convoy code in upper case -> (the code as stored, its import or None)."""
    c = t.convoys
    with store.engine.connect() as conn:
        rows = conn.execute(select(c.c.code, c.c.import_id)).all()
    return {r[0].upper(): (r[0], r[1]) for r in rows}


def place_named(store: Store, pcode: str) -> tuple[int, date | None] | None:
    """(id, retired on) of the place with this P-code (any case), or None."""
    p = t.places
    with store.engine.connect() as conn:
        row = conn.execute(
            select(p.c.id, p.c.valid_to).where(func.upper(p.c.pcode) == pcode.strip().upper())
        ).first()
    return None if row is None else (int(row[0]), optional_date(row[1]))


def add(writer: Writer, values: dict[str, Any], items: Sequence[dict[str, Any]]) -> int:
    """Insert one convoy (``CONVOY_FIELDS``) with its items (``ITEM_FIELDS``); returns its id."""
    result = writer.conn.execute(
        t.convoys.insert().values(**{k: values.get(k) for k in CONVOY_FIELDS})
    )
    convoy_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    if items:
        writer.conn.execute(
            t.convoy_items.insert(),
            [
                {
                    "convoy_id": convoy_id,
                    **{k: item.get(k) for k in ITEM_FIELDS},
                    "category": item.get("category") or "",
                    "import_id": values.get("import_id"),
                    "row_number": item.get("row_number"),
                }
                for item in items
            ],
        )
    return convoy_id


def update(writer: Writer, convoy_id: int, values: dict[str, Any]) -> None:
    """Change some fields of one convoy."""
    unknown = set(values) - set(CONVOY_FIELDS)
    if unknown:
        raise ValueError(f"not fields of a convoy: {', '.join(sorted(unknown))}")
    writer.conn.execute(t.convoys.update().where(t.convoys.c.id == convoy_id).values(**values))


def update_items(writer: Writer, changes: dict[int, dict[str, Any]]) -> None:
    """Change some fields of items, by item id."""
    i = t.convoy_items
    for item_id, values in changes.items():
        writer.conn.execute(i.update().where(i.c.id == item_id).values(**values))


__all__ = [
    "CONVOY_FIELDS",
    "ITEM_FIELDS",
    "Convoy",
    "ConvoyItem",
    "add",
    "convoy",
    "convoy_for_update",
    "convoys",
    "known_codes",
    "place_named",
    "update",
    "update_items",
]
