"""Reads across tables: how many rows each holds, the sectors in use."""

from __future__ import annotations

from sqlalchemy import func, select, text

from lagebild.store import schema as t
from lagebild.store.store import Store


def row_counts(store: Store) -> dict[str, int]:
    """How many rows each table holds."""
    tables = {
        "places": t.places,
        "sources": t.sources,
        "imports": t.imports,
        "figures": t.figures,
        "access_changes": t.access_changes,
        "deliveries": t.deliveries,
    }
    with store.engine.connect() as conn:
        return {
            name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in tables.items()
        }


def sectors(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT DISTINCT sector FROM deliveries "
                "UNION SELECT DISTINCT sector FROM figures"
            )
        ).all()
    return sorted(r[0] for r in rows)
