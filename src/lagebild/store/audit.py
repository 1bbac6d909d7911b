"""The audit trail: single-record edits and deletions, and the history of changes.

Imports, undos and grades write their audit rows through ``changes.record_change``; this module
edits and deletes one stored record at a time, keeping what it was and what it became, and reads
the trail back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, and_, func, literal, select

from lagebild.model.audit import Change
from lagebild.store import schema as t
from lagebild.store.accounts import EVERYTHING, Scope
from lagebild.store.changes import record_change
from lagebild.store.store import Store, StoreError

#: Record kinds that can be edited or deleted one by one, and the fields an edit may change.
EDITABLE: dict[str, tuple[Table, tuple[str, ...]]] = {
    "figure": (t.figures, ("value", "date", "sector", "reliability", "credibility")),
    "access": (t.access_changes, ("status", "party", "valid_from")),
    "delivery": (
        t.deliveries,
        (
            "date",
            "date_start",
            "date_end",
            "status",
            "sector",
            "reached",
            "households",
            "reached_female",
            "reached_male",
            "reached_children",
            "org_impl",
            "org_reporting",
            "donor",
            "activity",
            "modality",
            "item",
            "quantity",
            "unit",
            "value_usd",
        ),
    ),
}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _record(conn: Any, table: Table, record_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(table).where(table.c.id == record_id)).first()
    return None if row is None else {k: _plain(v) for k, v in row._mapping.items()}


class OutOfScope(StoreError):
    """A record the writer's scope does not own (another organisation's)."""


def _check_scope(conn: Any, table: Table, record_id: int, kind: str, scope: Scope) -> None:
    if scope.everything:
        return
    i = t.imports
    owned = conn.execute(
        select(scope.owns(i.c.organisation_id))
        .select_from(table.join(i, i.c.id == table.c.import_id))
        .where(table.c.id == record_id)
    ).scalar()
    if not owned:
        raise OutOfScope(f"{kind} #{record_id} belongs to another organisation")


def _kind(kind: str) -> tuple[Table, tuple[str, ...]]:
    if kind not in EDITABLE:
        raise StoreError(f"unknown record kind {kind!r}: use {', '.join(EDITABLE)}")
    return EDITABLE[kind]


def edit_record(
    store: Store,
    kind: str,
    record_id: int,
    values: dict[str, Any],
    why: str,
    scope: Scope = EVERYTHING,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Change fields of one stored record; returns it (before, after). The audit trail keeps both.

    ``values`` are already checked and typed (``lagebild.ingest.edit`` parses them).
    """
    table, fields = _kind(kind)
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise StoreError(
            f"{kind} field {unknown[0]!r} cannot be edited: use {', '.join(fields)}"
        )
    if not values:
        raise StoreError("nothing to change: give FIELD=VALUE")
    with store.writer() as writer:
        before = _record(writer.conn, table, record_id)
        if before is None:
            raise StoreError(f"there is no {kind} #{record_id}")
        _check_scope(writer.conn, table, record_id, kind, scope)
        writer.conn.execute(table.update().where(table.c.id == record_id).values(**values))
        after = _record(writer.conn, table, record_id)
        assert after is not None
        record_change(
            writer,
            "edit",
            kind,
            record_id,
            place_id=before.get("place_id"),
            import_id=before.get("import_id"),
            before=before,
            after=after,
            why=why,
        )
    return before, after


def delete_record(
    store: Store, kind: str, record_id: int, why: str, scope: Scope = EVERYTHING
) -> dict[str, Any]:
    """Delete one stored record; the audit trail keeps all of it (``before``)."""
    table, _ = _kind(kind)
    with store.writer() as writer:
        before = _record(writer.conn, table, record_id)
        if before is None:
            raise StoreError(f"there is no {kind} #{record_id}")
        _check_scope(writer.conn, table, record_id, kind, scope)
        writer.conn.execute(table.delete().where(table.c.id == record_id))
        record_change(
            writer,
            "delete",
            kind,
            record_id,
            place_id=before.get("place_id"),
            import_id=before.get("import_id"),
            before=before,
            why=why,
        )
    return before


def history(
    store: Store,
    place_ids: Sequence[int] | None = None,
    *,
    record_kind: str | None = None,
    record_id: int | None = None,
    actor: str | None = None,
    limit: int | None = None,
) -> list[Change]:
    """Changes, newest first: of some places, of one record, or of one person; or all."""
    c, p = t.changes, t.places
    conditions: list[Any] = []
    if place_ids is not None:
        conditions.append(c.c.place_id.in_(list(place_ids)))
    if record_kind is not None:
        conditions.append(c.c.record_kind == record_kind)
    if record_id is not None:
        conditions.append(c.c.record_id == record_id)
    if actor is not None:
        conditions.append(c.c.actor == actor)
    query = (
        select(
            c.c.id,
            c.c.at,
            c.c.actor,
            c.c.action,
            c.c.record_kind,
            c.c.record_id,
            c.c.place_id,
            p.c.pcode,
            func.coalesce(p.c.name_en, p.c.name_ar),
            c.c.import_id,
            c.c.before,
            c.c.after,
            c.c.why,
        )
        .outerjoin(p, p.c.id == c.c.place_id)
        .where(and_(literal(True), *conditions))
        .order_by(c.c.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        Change(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            r[7],
            r[8],
            r[9],
            json.loads(r[10]) if r[10] else None,
            json.loads(r[11]) if r[11] else None,
            r[12],
        )
        for r in rows
    ]


def place_of_record(store: Store, kind: str, record_id: int) -> int | None:
    """The place id of a stored record (for a history by record), None when it is gone."""
    table, _ = _kind(kind)
    with store.engine.connect() as conn:
        return conn.execute(select(table.c.place_id).where(table.c.id == record_id)).scalar()


def record_of(store: Store, kind: str, record_id: int, scope: Scope = EVERYTHING) -> dict[str, Any]:
    """One stored record as it is, with its place's P-code (``pcode``); ``StoreError`` when there
    is none, ``OutOfScope`` when it is another organisation's."""
    table, _ = _kind(kind)
    with store.engine.connect() as conn:
        found = _record(conn, table, record_id)
        if found is None:
            raise StoreError(f"there is no {kind} #{record_id}")
        _check_scope(conn, table, record_id, kind, scope)
        pcode = conn.execute(
            select(t.places.c.pcode).where(t.places.c.id == found["place_id"])
        ).scalar()
    return {**found, "pcode": pcode}
