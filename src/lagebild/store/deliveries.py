"""Deliveries as gaps read them: people reached per place and sector, the latest delivery."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import text

from lagebild.store.bulk import BULK_REINDEX_ROWS
from lagebild.store.store import Store, Writer, optional_date

DELIVERED_SQL = "status IN ('completed', 'partial')"
#: A delivered convoy counts in gaps as a completed 4W row without a sector (docs/hxl.md).
CONVOY_DELIVERED_SQL = "status = 'delivered'"


def delivered_sums(
    store: Store, after: date, until: date, sector: str | None = None
) -> list[tuple[int, str, float, int]]:
    """Per place and sector: people reached and delivered rows dated in (after, until]."""
    # Places as the outer loop (CROSS JOIN fixes the order in SQLite): one index range each.
    sql = (
        "SELECT d.place_id, d.sector, SUM(d.reached), COUNT(*) FROM places p "
        "CROSS JOIN deliveries d WHERE d.place_id = p.id "
        f"AND d.{DELIVERED_SQL} AND d.date > :after AND d.date <= :until"
    )
    params: dict[str, Any] = {"after": after, "until": until}
    if sector is not None:
        sql += " AND d.sector = :sector"
        params["sector"] = sector
    sql += " GROUP BY d.place_id, d.sector"
    if not sector:
        sql += (
            " UNION ALL SELECT c.place_id, '', SUM(c.reached), COUNT(*) FROM convoys c "
            f"WHERE c.{CONVOY_DELIVERED_SQL} AND c.delivered_on > :after "
            "AND c.delivered_on <= :until GROUP BY c.place_id"
        )
    with store.engine.connect() as conn:
        rows = conn.execute(text(sql), _params(store, params)).all()
    return [(r[0], r[1], float(r[2] or 0.0), int(r[3])) for r in rows]


def last_deliveries(store: Store, as_of: date, sector: str | None = None) -> dict[int, date]:
    """Per place with any delivered row on or before ``as_of``: the date of the latest.

    One index seek per place (``ix_deliveries_place_date``).
    """
    in_sector = " AND d.sector = :sector" if sector is not None else ""
    sql = (
        "SELECT p.id, (SELECT d.date FROM deliveries d WHERE d.place_id = p.id AND "
        f"d.{DELIVERED_SQL} AND d.date <= :as_of{in_sector} ORDER BY d.date DESC LIMIT 1) "
        "FROM places p"
    )
    params: dict[str, Any] = {"as_of": as_of}
    if sector is not None:
        params["sector"] = sector
    convoys = (
        "SELECT place_id, MAX(delivered_on) FROM convoys "
        f"WHERE {CONVOY_DELIVERED_SQL} AND delivered_on <= :as_of GROUP BY place_id"
    )
    with store.engine.connect() as conn:
        rows = list(conn.execute(text(sql), _params(store, params)))
        if not sector:
            rows += conn.execute(text(convoys), _params(store, {"as_of": as_of})).all()
    found: dict[int, date] = {}
    for place_id, when in rows:
        day = optional_date(when)
        if day is not None and (place_id not in found or day > found[place_id]):
            found[place_id] = day
    return found


def _params(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    if store.dialect == "sqlite":
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in params.items()}
    return params


@contextmanager
def bulk_deliveries(writer: Writer, expected_rows: int) -> Iterator[None]:
    """A large load drops the delivery index and builds it after, in the same transaction."""
    if expected_rows < BULK_REINDEX_ROWS:
        yield
        return
    writer.conn.exec_driver_sql("DROP INDEX IF EXISTS ix_deliveries_place_date")
    yield
    writer.conn.exec_driver_sql(
        "CREATE INDEX ix_deliveries_place_date ON deliveries (place_id, date, sector, reached) "
        f"WHERE {DELIVERED_SQL}"
    )
