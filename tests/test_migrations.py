"""Upgrading a database that holds data: the accounts migration (0006) adds an organisation to
``imports``, a table every record points at; on a populated database of revision 0005 (SQLite
with its foreign keys on, and PostgreSQL) it runs and keeps every row."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from lagebild.store import Store
from lagebild.store import schema as t


def test_upgrading_a_populated_0005_database_keeps_every_row(db_url: str) -> None:
    store = Store.open(db_url)
    try:
        store.migrate("0005")
        with store.engine.begin() as conn:  # the rows an import of revision 0005 wrote
            conn.execute(
                t.imports.insert().values(
                    id=1, file_name="4w.csv", sha256="0" * 64, kind="deliveries",
                    imported_at=datetime(2017, 3, 1), row_count=2, status="committed",
                )
            )  # fmt: skip
            conn.execute(t.places.insert().values(id=1, pcode="SY", level=0, import_id=1))
            conn.execute(
                t.deliveries.insert(),
                [
                    {"place_id": 1, "date": date(2017, 2, d), "status": "completed",
                     "sector": "food", "reached": 100.0 * d, "import_id": 1, "row_number": d}
                    for d in (1, 2)
                ],
            )  # fmt: skip
        assert store.migrate() == store.head_revision()
        with store.engine.connect() as conn:
            assert conn.execute(select(func.sum(t.deliveries.c.reached))).scalar() == 300
            assert conn.execute(select(t.imports.c.organisation_id)).scalar() is None
        assert [i.status for i in store.imports()] == ["committed"]
    finally:
        store.close()
