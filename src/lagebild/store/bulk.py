"""Bulk loading: plain rows straight into a table, COPY on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from lagebild.store.store import Writer

#: Above this many rows an import drops the delivery indexes and builds them again afterwards.
BULK_REINDEX_ROWS = 200_000


def insert_rows(
    writer: Writer, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Bulk insert of plain tuples (dates as ISO strings); COPY on PostgreSQL."""
    if writer.dialect == "postgresql":
        return _copy(writer, table, columns, rows)
    quoted = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    cursor = writer.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    before = writer.conn.connection.driver_connection.total_changes  # type: ignore[union-attr]
    cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", rows)
    return int(writer.conn.connection.driver_connection.total_changes - before)  # type: ignore[union-attr]


def _copy(
    writer: Writer, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    quoted = ", ".join(f'"{c}"' for c in columns)
    cursor = writer.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    count = 0
    with cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count
