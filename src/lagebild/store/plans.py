"""Delivery plans saved under a name (``saved_plans``), to compare scenarios."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select

from lagebild.errors import Conflict
from lagebild.model.plan import SavedPlan
from lagebild.store import schema as t
from lagebild.store.store import Store


def save_plan(
    store: Store,
    name: str,
    as_of: date,
    weeks: int,
    objective: float | None,
    report: str,
    saved_by: str | None = None,
    note: str | None = None,
    replace: bool = False,
) -> None:
    """Keep a plan's report under ``name``; a name taken is refused unless ``replace``."""
    p = t.saved_plans
    with store.writer() as writer:
        taken = writer.conn.execute(select(p.c.id).where(p.c.name == name)).first()
        if taken is not None and not replace:
            raise Conflict(f"a plan named {name!r} is saved already: choose another name or "
                           "replace it")  # fmt: skip
        if taken is not None:
            writer.conn.execute(delete(p).where(p.c.id == taken[0]))
        writer.conn.execute(p.insert().values(
            name=name, saved_at=datetime.now().replace(microsecond=0),
            saved_by=saved_by or writer.actor,
            as_of=as_of, weeks=weeks, objective=objective, note=note, report=report,
        ))  # fmt: skip


def _plan(row: Any, report: str = "") -> SavedPlan:
    as_of = row.as_of if isinstance(row.as_of, date) else date.fromisoformat(str(row.as_of))
    return SavedPlan(row.name, row.saved_at, row.saved_by, as_of, int(row.weeks),
                     row.objective, row.note, report)  # fmt: skip


def saved_plans(store: Store) -> list[SavedPlan]:
    """Every saved plan, newest first, without its report."""
    p = t.saved_plans
    query = select(p.c.name, p.c.saved_at, p.c.saved_by, p.c.as_of, p.c.weeks, p.c.objective,
                   p.c.note).order_by(p.c.saved_at.desc(), p.c.id.desc())  # fmt: skip
    with store.engine.connect() as conn:
        return [_plan(r) for r in conn.execute(query)]


def saved_plan(store: Store, name: str) -> SavedPlan | None:
    """One saved plan with its report, or None."""
    p = t.saved_plans
    with store.engine.connect() as conn:
        row = conn.execute(select(p).where(p.c.name == name)).first()
    return _plan(row, row.report) if row is not None else None


def delete_plan(store: Store, name: str) -> bool:
    """Forget a saved plan; whether there was one."""
    p = t.saved_plans
    with store.writer() as writer:
        return bool(writer.conn.execute(delete(p).where(p.c.name == name)).rowcount)
