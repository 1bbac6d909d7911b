"""`lagebild backup` and `lagebild restore`: a consistent copy while the database is in use,
portable between SQLite and PostgreSQL, and refused when it was changed or damaged."""

from __future__ import annotations

import json
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from demo_support import demo_database
from fastapi.testclient import TestClient
from sqlalchemy import Column, Float, Integer, MetaData, Table, inspect, select

from lagebild.cli import main
from lagebild.demo import build_demo
from lagebild.ingest import ImportOptions, import_file
from lagebild.store import Store
from lagebild.store import schema as t
from lagebild.store.backup import (
    ALEMBIC_TABLE,
    DATABASE_NAME,
    MANIFEST_NAME,
    BackupError,
    backup,
    read_manifest,
    restore,
    table_names,
    table_states,
    verify_backup,
)
from lagebild.store.imports import all_imports
from lagebild.store.sources import all_sources, grade_source
from lagebild.store.summary import row_counts
from lagebild.web import WebConfig, create_app

BACKENDS = ("sqlite", "postgresql")


def _database(request: pytest.FixtureRequest, backend: str, path: Path) -> str:
    if backend == "sqlite":
        return str(path)
    server = request.getfixturevalue("pg_server")
    server.reset()
    return str(server.url)


@pytest.fixture
def sqlite_demo(demo_path: str) -> Iterator[Store]:
    store = Store.open(demo_path)
    yield store
    store.close()


@pytest.fixture
def demo_backup(sqlite_demo: Store, tmp_path: Path) -> Path:
    target = tmp_path / "demo-backup.zip"
    backup(sqlite_demo, target)
    return target


def rows_of(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order, as plain values."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    meta = MetaData()
    with store.engine.connect() as conn:
        meta.reflect(conn)
        for name in table_names():
            table = meta.tables[name]
            columns = sorted(table.c.keys())
            order = [table.c[c.name] for c in table.primary_key.columns]
            query = select(*[table.c[c] for c in columns]).order_by(*order)
            found[name] = [
                tuple(
                    float(v) if v is not None and isinstance(table.c[c].type, Float) else v
                    for c, v in zip(columns, row, strict=True)
                )
                for row in conn.execute(query)
            ]
    return found


# -- round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("sqlite", "sqlite"),
        pytest.param("sqlite", "postgresql", marks=pytest.mark.postgres),
        pytest.param("postgresql", "sqlite", marks=pytest.mark.postgres),
    ],
)
def test_restore_into_a_fresh_database_reproduces_every_table_row_by_row(
    request: pytest.FixtureRequest, tmp_path: Path, source: str, target: str
) -> None:
    if source == "sqlite":
        origin = Store.open(demo_database(tmp_path, "origin.db"))
    else:
        origin = Store.open(_database(request, source, tmp_path / "origin.db"))
        origin.migrate()
        build_demo(origin)
    manifest = backup(origin, tmp_path / "b.zip")
    expected_rows = rows_of(origin)
    expected = table_states(origin)
    origin.close()

    fresh = Store.open(_database(request, target, tmp_path / "fresh.db"))
    try:
        done = restore(fresh, tmp_path / "b.zip")
        assert done.revision == fresh.head_revision() == manifest.revision
        assert table_states(fresh) == expected
        assert rows_of(fresh) == expected_rows
        assert set(manifest.tables) == set(table_names())  # every table the schema knows
        assert manifest.tables["deliveries"].rows == len(expected_rows["deliveries"]) > 0
        assert manifest.source_dialect == source
        # The ids go on after the restored ones (PostgreSQL's sequences were set): a new import.
        before = max(r.id for r in all_imports(fresh))
        report = import_file(fresh, _small_4w(tmp_path / "after.csv", 5, 1))
        assert report.import_id == before + 1
    finally:
        fresh.close()


def test_an_older_backup_is_migrated_forward_on_restore(db_url: str, tmp_path: Path) -> None:
    old = Store.open(str(tmp_path / "old.db"))
    old.migrate("0004")  # before convoys, incidents, damage and accounts
    grade_source(old, "OCHA", "A", 2, "un_agency", why="graded before 0005")
    manifest = backup(old, tmp_path / "old.zip")
    old.close()
    assert manifest.revision == "0004"
    assert "convoys" not in manifest.tables

    fresh = Store.open(db_url)
    try:
        done = restore(fresh, tmp_path / "old.zip")
        assert done.revision == fresh.head_revision() == fresh.revision() != "0004"
        assert [(s.name, s.reliability, s.credibility) for s in all_sources(fresh).values()] == [
            ("OCHA", "A", 2)
        ]
        fresh.check_ready()
    finally:
        fresh.close()


# -- consistency while in use --------------------------------------------------------------------

COMMUNITIES = ("C2429", "C1007")


def _small_4w(path: Path, rows: int, serial: int) -> Path:
    """A 4W file of ``rows`` completed deliveries to demo communities; ``serial`` makes it unique
    (its dates), so it is never refused as already imported."""
    lines = [
        "Community,Organisation,Sector,Reached,Status,Date",
        "#adm4+code,#org+impl,#sector,#reached+ind,#status,#date",
    ]
    day = 1 + serial % 28
    month = 1 + (serial // 28) % 12
    for i in range(rows):
        lines.append(
            f"{COMMUNITIES[i % len(COMMUNITIES)]},Partner {serial},Food Security,{10 + i},"
            f"completed,2016-{month:02d}-{day:02d}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _committed_delivery_rows(store: Store) -> tuple[int, int, int]:
    """(deliveries stored, rows the committed delivery imports say they wrote, such imports)."""
    imports = [r for r in all_imports(store) if r.kind == "deliveries" and r.status == "committed"]
    return row_counts(store)["deliveries"], sum(r.row_count for r in imports), len(imports)


def test_backups_taken_during_imports_and_page_reads_hold_whole_imports_only(
    demo_store: Store, db_url: str, tmp_path: Path
) -> None:
    stop = threading.Event()
    imported: list[int] = []
    failures: list[BaseException] = []
    writer = Store.open(db_url)

    def keep_importing() -> None:
        serial = 0
        try:
            while not stop.is_set():
                serial += 1
                path = _small_4w(tmp_path / f"4w-{serial}.csv", 400, serial)
                imported.append(import_file(writer, path, ImportOptions()).rows_written)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)

    statuses: list[int] = []
    app = create_app(WebConfig(db=db_url))
    thread = threading.Thread(target=keep_importing)
    thread.start()
    manifests = []
    try:
        with TestClient(app) as client:
            for n in range(4):
                while len(imported) < 2 * (n + 1) and thread.is_alive():
                    statuses.append(client.get("/api/gaps?level=adm4").status_code)
                    time.sleep(0.02)
                target = tmp_path / f"during-{n}.zip"
                reader = threading.Thread(
                    target=lambda: statuses.extend(
                        client.get(p).status_code for p in ("/", "/api/situation", "/gaps")
                    )
                )
                reader.start()
                manifests.append(backup(demo_store, target))
                reader.join()
    finally:
        stop.set()
        thread.join(timeout=60)
        writer.close()
    assert not failures, failures
    assert statuses and set(statuses) == {200}
    assert len(imported) >= 8
    seen_imports = []
    for n in range(len(manifests)):
        fresh = Store.open(str(tmp_path / f"restored-{n}.db"))
        restore(fresh, tmp_path / f"during-{n}.zip")
        stored, promised, count = _committed_delivery_rows(fresh)
        changes, imports = _import_changes(fresh), len(all_imports(fresh))
        fresh.close()
        assert stored == promised, f"backup {n}: {stored} deliveries, imports promise {promised}"
        assert changes == imports  # each import's audit row came with it, and only with it
        seen_imports.append(count)
    assert seen_imports == sorted(seen_imports) and seen_imports[-1] > seen_imports[0] > 1


def _import_changes(store: Store) -> int:
    with store.engine.connect() as conn:
        return len(
            conn.execute(
                select(t.changes.c.id).where(
                    t.changes.c.action == "import", t.changes.c.record_kind == "import"
                )
            ).all()
        )


# -- refusals ------------------------------------------------------------------------------------


def _rewrite(source: Path, target: Path, change: Any) -> None:
    """Copy a backup, letting ``change(name, data)`` alter each member's bytes."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info.filename))
            if data is not None:
                new.writestr(info.filename, data)


def _unpacked(archive: Path, into: Path) -> Path:
    with zipfile.ZipFile(archive) as zf:
        zf.extract(DATABASE_NAME, into)
    return into / DATABASE_NAME


def _refused(backup_file: Path, tmp_path: Path, *words: str) -> None:
    target = Store.open(str(tmp_path / "target.db"))
    try:
        with pytest.raises(BackupError) as caught:
            restore(target, backup_file)
        for word in words:
            assert word in str(caught.value)
        assert target.revision() is None  # nothing was written, not even the schema
        with pytest.raises(BackupError):
            verify_backup(backup_file)
    finally:
        target.close()


def test_a_changed_byte_in_the_archive_is_refused(demo_backup: Path, tmp_path: Path) -> None:
    data = bytearray(demo_backup.read_bytes())
    with zipfile.ZipFile(demo_backup) as zf:
        info = zf.getinfo(DATABASE_NAME)
    middle = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    data[middle] ^= 0x01
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    _refused(damaged, tmp_path, "damaged")


def test_a_changed_value_in_a_table_is_refused_naming_the_table(
    demo_backup: Path, tmp_path: Path
) -> None:
    inner = Store.open(str(_unpacked(demo_backup, tmp_path / "x")))
    with inner.writer() as writer:  # one number of one delivery, as a forger would
        writer.conn.execute(t.deliveries.update().where(t.deliveries.c.id == 1).values(reached=1))
    inner.close()
    forged = tmp_path / "forged.zip"
    replacement = (tmp_path / "x" / DATABASE_NAME).read_bytes()
    _rewrite(demo_backup, forged, lambda n, d: replacement if n == DATABASE_NAME else d)
    _refused(forged, tmp_path, "table deliveries")


def test_a_missing_table_is_refused_naming_it(demo_backup: Path, tmp_path: Path) -> None:
    inner = Store.open(str(_unpacked(demo_backup, tmp_path / "x")))
    with inner.engine.begin() as conn:
        conn.execute(t.metadata.tables["evidence_matches"].delete())
        Table("evidence_matches", MetaData(), Column("id", Integer)).drop(conn)
    inner.close()
    cut = tmp_path / "cut.zip"
    replacement = (tmp_path / "x" / DATABASE_NAME).read_bytes()
    _rewrite(demo_backup, cut, lambda n, d: replacement if n == DATABASE_NAME else d)
    _refused(cut, tmp_path, "evidence_matches", "missing")


def _with_manifest(source: Path, target: Path, **changes: Any) -> None:
    def change(name: str, data: bytes) -> bytes:
        if name != MANIFEST_NAME:
            return data
        manifest = json.loads(data)
        manifest.update(changes)
        return json.dumps(manifest).encode()

    _rewrite(source, target, change)


def test_a_manifest_naming_another_revision_than_its_database_is_refused(
    demo_backup: Path, tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong.zip"
    _with_manifest(demo_backup, wrong, revision="0004")
    _refused(wrong, tmp_path, "schema 0004", "its database is at")


def test_a_backup_from_an_unknown_newer_schema_is_refused(
    demo_backup: Path, tmp_path: Path
) -> None:
    newer = tmp_path / "newer.zip"
    _with_manifest(demo_backup, newer, revision="9999", lagebild_version="9.9")
    target = Store.open(str(tmp_path / "target.db"))
    with pytest.raises(BackupError, match="schema 9999.*does not know.*lagebild 9.9"):
        restore(target, newer)
    assert target.revision() is None
    target.close()


def test_a_file_that_is_not_a_backup_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "notes.zip"
    other.write_bytes(b"this is no zip archive")
    _refused(other, tmp_path, "not a lagebild backup")
    no_manifest = tmp_path / "empty.zip"
    with zipfile.ZipFile(no_manifest, "w") as zf:
        zf.writestr("readme.txt", "hello")
    _refused(no_manifest, tmp_path, "no manifest.json")


def test_a_database_that_holds_data_is_kept_unless_forced(
    demo_backup: Path, tmp_path: Path, db_url: str
) -> None:
    target = Store.open(db_url)
    target.migrate()
    grade_source(target, "Mine", "B", 2)
    before = table_states(target)
    with pytest.raises(BackupError, match="not empty.*--force"):
        restore(target, demo_backup)
    assert table_states(target) == before
    restore(target, demo_backup, force=True)
    assert table_states(target) == read_manifest(demo_backup).tables
    assert "Mine" not in {s.name for s in all_sources(target).values()}
    target.close()


def test_a_table_the_schema_does_not_know_stops_the_backup(
    sqlite_demo: Store, tmp_path: Path
) -> None:
    Table("notes_nobody_declared", MetaData(), Column("id", Integer, primary_key=True)).create(
        sqlite_demo.engine
    )
    with pytest.raises(BackupError, match="notes_nobody_declared"):
        backup(sqlite_demo, tmp_path / "b.zip")
    assert not (tmp_path / "b.zip").exists()


def test_the_manifest_records_version_revision_counts_and_checksums(
    demo_backup: Path, sqlite_demo: Store
) -> None:
    with zipfile.ZipFile(demo_backup) as zf:
        manifest = json.loads(zf.read(MANIFEST_NAME))
    assert manifest["format"] == "lagebild-backup"
    assert manifest["revision"] == sqlite_demo.revision()
    assert manifest["lagebild_version"]
    assert manifest["created_at"].endswith("+00:00")
    assert len(manifest["database_sha256"]) == 64
    assert manifest["tables"][ALEMBIC_TABLE]["rows"] == 1
    states = table_states(sqlite_demo)
    assert {n: (s["rows"], s["sha256"]) for n, s in manifest["tables"].items()} == {
        n: (s.rows, s.sha256) for n, s in states.items()
    }


# -- the command line ----------------------------------------------------------------------------


def test_backup_and_restore_commands_with_the_evidence_folder(tmp_path: Path) -> None:
    pytest.importorskip("pdqhash", reason="the evidence extra (pdqhash) is not installed")
    from lagebild import evidence as ev
    from lagebild.evidence.demo import add_demo_evidence

    store = Store.open(demo_database(tmp_path, "live.db"))
    (tmp_path / "drawn").mkdir()
    add_demo_evidence(store, tmp_path / "drawn")
    store.close()
    runner = CliRunner()
    made = runner.invoke(
        main, ["--db", str(tmp_path / "live.db"), "backup", "--evidence", str(tmp_path / "b.zip")]
    )
    assert made.exit_code == 0, made.output
    assert "evidence files" in made.output
    checked = runner.invoke(main, ["restore", "--check", str(tmp_path / "b.zip")])
    assert checked.exit_code == 0 and "sound" in checked.output
    (tmp_path / "laptop").mkdir()
    laptop = tmp_path / "laptop" / "copy.db"
    done = runner.invoke(
        main, ["--db", str(laptop), "restore", "--evidence", str(tmp_path / "b.zip")]
    )
    assert done.exit_code == 0, done.output
    assert "every table matches the backup" in done.output
    copy = Store.open(str(laptop))
    try:
        checked_files, problems = ev.verify(copy)  # the files beside the copy, by their SHA-256
        assert checked_files > 0 and problems == []
    finally:
        copy.close()
    again = runner.invoke(main, ["--db", str(laptop), "restore", str(tmp_path / "b.zip")])
    assert again.exit_code == 1 and "--force" in again.output
    assert "Traceback" not in again.output


def test_the_backup_file_is_written_whole_or_not_at_all(
    sqlite_demo: Store, tmp_path: Path
) -> None:
    target = tmp_path / "b.zip"
    backup(sqlite_demo, target)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".b.zip")) == []
    keep = target.read_bytes()
    Table("stray", MetaData(), Column("id", Integer, primary_key=True)).create(sqlite_demo.engine)
    with pytest.raises(BackupError):
        backup(sqlite_demo, target)
    assert target.read_bytes() == keep  # the earlier backup is untouched
    assert inspect(sqlite_demo.engine).has_table("stray")
