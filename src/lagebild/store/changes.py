"""The audit trail (table ``changes``): who changed what, when, and what it was before and after.

Reading it is in ``lagebild.store.audit``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, select

from lagebild.store import schema as t
from lagebild.store.store import Store, Writer

#: Record kinds of audit rows that change no data (sign-ins, denials, accounts: store/accounts.py).
SECURITY_KINDS = ("account", "token", "security")


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def record_change(
    writer: Writer,
    action: str,
    record_kind: str,
    record_id: int | None = None,
    *,
    place_id: int | None = None,
    import_id: int | None = None,
    before: Any = None,
    after: Any = None,
    why: str | None = None,
) -> None:
    """Write one row of the audit trail: who (this writer's actor), when, what before and
    after (as JSON). ``action`` is import, undo, add, edit, delete, grade or status."""
    writer.conn.execute(
        t.changes.insert().values(
            at=datetime.now().replace(microsecond=0),
            actor=writer.actor,
            action=action,
            record_kind=record_kind,
            record_id=record_id,
            place_id=place_id,
            import_id=import_id,
            before=_json(before),
            after=_json(after),
            why=why,
        )
    )


def record_changes(writer: Writer, rows: Sequence[dict[str, Any]]) -> None:
    """Many audit rows at once; each a dict of ``record_change``'s arguments."""
    if not rows:
        return
    at = datetime.now().replace(microsecond=0)
    writer.conn.execute(
        t.changes.insert(),
        [
            {
                "at": at,
                "actor": writer.actor,
                "action": r["action"],
                "record_kind": r["record_kind"],
                "record_id": r.get("record_id"),
                "place_id": r.get("place_id"),
                "import_id": r.get("import_id"),
                "before": _json(r.get("before")),
                "after": _json(r.get("after")),
                "why": r.get("why"),
            }
            for r in rows
        ],
    )


def data_state(store: Store) -> tuple[tuple[int, int, int], bool]:
    """``data_version`` and whether any account exists, in one query: what the web app asks
    before every request (its kept results, and whether to ask for a sign-in)."""
    i = t.imports
    query = select(
        func.coalesce(func.max(i.c.id), 0),
        func.coalesce(func.sum(case((i.c.status == "undone", 1), else_=0)), 0),
        select(func.coalesce(func.max(t.changes.c.id), 0))
        .where(t.changes.c.record_kind.not_in(SECURITY_KINDS))
        .scalar_subquery(),
        select(t.users.c.id).limit(1).exists(),
    )
    with store.engine.connect() as conn:
        newest, undone, change, accounts = conn.execute(query).one()
    return (int(newest), int(undone), int(change)), bool(accounts)


class CommitWatch:
    """Whether anything may have been committed to the database since the last look, for much
    less than a query: SQLite's ``PRAGMA data_version`` on a connection of the watch's own, which
    never writes, changes whenever any other connection, of this process or another, commits.
    PostgreSQL (and a database in memory, which another connection cannot see) has no such
    number: ``stamp`` is then None, and the caller asks the database every time."""

    def __init__(self, store: Store) -> None:
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        url = store.engine.url
        path = url.database or ""
        watched = url.get_backend_name() == "sqlite" and path not in ("", ":memory:")
        self._path = Path(path) if watched and "mode=memory" not in str(url) else None

    def stamp(self) -> int | None:
        """A number that differs from the last one if anything was committed since (None:
        no such number here, or not now: a database locked by another process is then asked,
        and its outage reported, by the caller's query)."""
        if self._path is None:
            return None
        with self._lock:
            try:
                if self._conn is None:
                    if not self._path.exists():  # not made yet: never create it here
                        return None
                    self._conn = sqlite3.connect(
                        str(self._path), timeout=0, check_same_thread=False
                    )
                return int(self._conn.execute("PRAGMA data_version").fetchone()[0])
            except sqlite3.Error:
                return None

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            self._conn, self._path = None, None


def data_version(store: Store) -> tuple[int, int, int]:
    """Changes whenever data changes: (newest import id, imports undone, newest change id).

    Every import, undo, edit, deletion and grade leaves a row in ``changes``.
    """
    i = t.imports
    query = select(
        func.coalesce(func.max(i.c.id), 0),
        func.coalesce(func.sum(case((i.c.status == "undone", 1), else_=0)), 0),
        select(func.coalesce(func.max(t.changes.c.id), 0))
        .where(t.changes.c.record_kind.not_in(SECURITY_KINDS))
        .scalar_subquery(),
    )
    with store.engine.connect() as conn:
        newest, undone, change = conn.execute(query).one()
    return int(newest), int(undone), int(change)


