"""The store on SQLite and on a real PostgreSQL server: migrations, settings, transactions, COPY."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from lagebild.store import Store, StoreError, database_url
from lagebild.store.bulk import insert_rows
from lagebild.store.figures import figures_on
from lagebild.store.imports import add_import
from lagebild.store.places import all_places, upsert_places
from lagebild.store.schema import metadata
from lagebild.store.sources import all_sources, register_source
from lagebild.store.summary import row_counts

TABLES = {"sources", "imports", "places", "figures", "access_changes", "deliveries"}


class Boom(Exception):
    pass


def test_migrations_create_every_table_empty_at_the_head_revision(store: Store) -> None:
    assert row_counts(store) == dict.fromkeys(TABLES, 0)
    assert store.revision() == store.head_revision() != ""
    tables = set(inspect(store.engine).get_table_names())
    assert TABLES | set(metadata.tables) <= tables
    assert "alembic_version" in tables
    store.check_ready()  # a migrated store is ready


def test_migrate_twice_changes_nothing(store: Store) -> None:
    head = store.revision()
    assert store.migrate() == head
    assert row_counts(store) == dict.fromkeys(TABLES, 0)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_store: Store) -> None:
    with sqlite_store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(IntegrityError):
        with store.engine.begin() as conn:
            conn.execute(text("INSERT INTO places (pcode, level, parent_id) VALUES ('C1', 4, 999)"))
    assert row_counts(store)["places"] == 0


def test_an_unmigrated_database_says_to_run_lagebild_init(db_url: str) -> None:
    fresh = Store.open(db_url)
    try:
        assert fresh.revision() is None
        with pytest.raises(StoreError, match="lagebild init"):
            fresh.check_ready()
        fresh.migrate()
        fresh.check_ready()
    finally:
        fresh.close()


def test_a_writer_that_raises_leaves_nothing_behind(store: Store) -> None:
    with pytest.raises(Boom):
        with store.writer() as writer:
            source = register_source(writer, "OCHA", "agency")
            add_import(writer, "4w.csv", "0" * 64, "deliveries", source, "{}")
            upsert_places(
                writer,
                [
                    {"pcode": "SY02", "level": 1, "parent": None, "name_en": "Aleppo"},
                    {"pcode": "SY0200", "level": 2, "parent": "SY02", "name_en": "Jebel Saman"},
                ]
            )
            insert_rows(writer, "sources", ["name", "kind"], [("WFP", "agency")])
            assert writer.conn.execute(text("SELECT COUNT(*) FROM places")).scalar() == 2
            raise Boom
    assert row_counts(store) == dict.fromkeys(TABLES, 0)
    assert all_sources(store) == {}
    assert all_places(store) == []


def test_a_writer_that_finishes_commits_everything(store: Store) -> None:
    with store.writer() as writer:
        source = register_source(writer, "OCHA", "agency")
        assert register_source(writer, " OCHA ") == source  # known names give their id
        import_id = add_import(writer, "gazetteer.csv", "0" * 64, "places", source, "{}")
        ids = upsert_places(
            writer,
            [
                {"pcode": "SY02", "level": 1, "parent": None, "import_id": import_id},
                {"pcode": "SY0200", "level": 2, "parent": "SY02", "import_id": import_id},
            ]
        )
    counts = row_counts(store)
    assert (counts["sources"], counts["imports"], counts["places"]) == (1, 1, 2)
    places = {p.pcode: p for p in all_places(store)}
    assert places["SY0200"].parent_id == ids["SY02"] == places["SY02"].id


def test_insert_rows_takes_plain_tuples_with_iso_dates(store: Store) -> None:
    with store.writer() as writer:
        import_id = add_import(writer, "figures.csv", "0" * 64, "figures", None, "{}")
        ids = upsert_places(writer, [{"pcode": "C1007", "level": 4, "parent": None}])
        n_sources = insert_rows(
            writer,
            "sources", ["name", "kind"], [("OCHA", "agency"), ("Local council", None)]
        )
        rows = (  # a generator: COPY and executemany both stream
            (ids["C1007"], "#inneed", sector, "2017-02-15", value, None, import_id, i + 2, "C")
            for i, (sector, value) in enumerate([("", 250000.0), ("Food", 120000.0), ("WASH", 9.5)])
        )
        columns = [
            "place_id", "indicator", "sector", "date", "value",
            "source_id", "import_id", "row_number", "column",
        ]  # fmt: skip
        n_figures = insert_rows(writer, "figures", columns, rows)
    assert (n_sources, n_figures) == (2, 3)
    assert row_counts(store)["sources"] == 2 and row_counts(store)["figures"] == 3
    got = figures_on(store, "#inneed", "Food", date(2017, 2, 28))
    assert [(f.date, f.value, f.row_number) for f in got] == [(date(2017, 2, 15), 120000.0, 3)]
    assert figures_on(store, "#inneed", "Food", date(2017, 2, 14)) == []
    assert sorted(s.name for s in all_sources(store).values()) == ["Local council", "OCHA"]


def test_insert_rows_failure_rolls_back_the_whole_transaction(store: Store) -> None:
    with pytest.raises(Exception):  # noqa: B017 - IntegrityError on SQLite, a psycopg error on COPY
        with store.writer() as writer:
            register_source(writer, "OCHA")
            insert_rows(writer, "sources", ["name"], [("WFP",), ("WFP",)])  # unique name twice
    assert row_counts(store)["sources"] == 0


def test_a_file_path_means_sqlite_and_lagebild_db_chooses_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "env.db"
    monkeypatch.setenv("LAGEBILD_DB", str(target))
    store = Store.open()
    try:
        assert store.dialect == "sqlite"
        assert Path(store.engine.url.database or "") == target
        store.migrate()
        assert target.exists()
    finally:
        store.close()
    monkeypatch.delenv("LAGEBILD_DB")
    assert database_url() == f"sqlite:///{Path('lagebild.db').absolute()}"
    assert database_url("~/x.db") == f"sqlite:///{Path('~/x.db').expanduser().absolute()}"


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_a_postgres_url_maps_to_psycopg(scheme: str, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"{scheme}://aid:s3cret@db.example:5433/lagebild"
    assert database_url(url) == "postgresql+psycopg://aid:s3cret@db.example:5433/lagebild"
    monkeypatch.setenv("LAGEBILD_DB", url)
    store = Store.open()  # no connection is made until the store is used
    try:
        assert store.dialect == "postgresql"
        assert store.engine.url.drivername == "postgresql+psycopg"
        assert (store.engine.url.host, store.engine.url.port) == ("db.example", 5433)
        assert "s3cret" not in store.url
    finally:
        store.close()


def test_the_postgresql_store_really_is_postgresql(db_url: str) -> None:
    store = Store.open(db_url)
    try:
        with store.engine.connect() as conn:
            if db_url.startswith("postgresql://"):
                assert store.dialect == "postgresql"
                assert "PostgreSQL" in conn.execute(text("SELECT version()")).scalar_one()
            else:
                assert store.dialect == "sqlite"
                assert conn.execute(text("SELECT sqlite_version()")).scalar_one()
    finally:
        store.close()


def test_an_unreachable_server_is_a_store_error() -> None:
    store = Store.open("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    try:
        with pytest.raises(StoreError, match="cannot open database"):
            store.check_ready()
    finally:
        store.close()
