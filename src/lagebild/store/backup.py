"""Backup and restore: a consistent copy of every table, portable between SQLite and PostgreSQL.

A backup is a zip archive holding

- ``lagebild.db``: a SQLite lagebild database at the source's schema revision with every row of
  every table the schema knows (``schema.metadata``) and ``alembic_version``, all read in ONE
  snapshot (SQLite: one read transaction; PostgreSQL: one REPEATABLE READ READ ONLY transaction),
  so an import running meanwhile is either wholly in the copy or not at all;
- ``manifest.json``: format, lagebild version, schema revision, when, from which kind of
  database, per table its row count and a SHA-256 of its contents, and the SHA-256 of
  ``lagebild.db``;
- with an evidence folder, ``evidence/<sha[:2]>/<sha>.<ext>``: the stored photos and videos.

A table's checksum does not depend on the database kind: the rows in primary-key order, the
columns by name, each value in a canonical form (dates ISO, floats as floats), one JSON line a
row. ``restore`` checks all of it before it writes, loads every table in one transaction and
compares the result with the backup table by table before it commits.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Boolean,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    LargeBinary,
    MetaData,
    Numeric,
    Table,
    bindparam,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError

from lagebild import __version__
from lagebild.store import schema as t
from lagebild.store.store import Store, StoreError

FORMAT = "lagebild-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DATABASE_NAME = "lagebild.db"
EVIDENCE_PREFIX = "evidence/"
ALEMBIC_TABLE = "alembic_version"
#: Rows read and written per step of a copy.
BATCH_ROWS = 20_000
_EVIDENCE_PATH = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}\.[A-Za-z0-9]{1,10}$")


class BackupError(StoreError):
    """A backup that cannot be made or read, or a restore that is refused."""


@dataclass(frozen=True, slots=True)
class TableState:
    """How many rows a table holds and a SHA-256 of their contents."""

    rows: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """What a backup holds, as written in its ``manifest.json``."""

    lagebild_version: str
    revision: str
    created_at: str
    source_dialect: str
    database_sha256: str
    tables: dict[str, TableState]
    evidence: dict[str, str] = field(default_factory=dict)  # stored path -> SHA-256

    @property
    def rows(self) -> int:
        return sum(s.rows for name, s in self.tables.items() if name != ALEMBIC_TABLE)

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "lagebild_version": self.lagebild_version,
            "revision": self.revision,
            "created_at": self.created_at,
            "source_dialect": self.source_dialect,
            "database_sha256": self.database_sha256,
            "tables": {
                name: {"rows": s.rows, "sha256": s.sha256} for name, s in self.tables.items()
            },
            "evidence": self.evidence,
        }

    @classmethod
    def from_dict(cls, data: Any, where: str) -> Manifest:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BackupError(f"{where}: the manifest is not that of a lagebild backup")
        if data.get("format_version") != FORMAT_VERSION:
            raise BackupError(
                f"{where}: backup format {data.get('format_version')!r}; this lagebild reads "
                f"format {FORMAT_VERSION}"
            )
        try:
            return cls(
                lagebild_version=str(data["lagebild_version"]),
                revision=str(data["revision"]),
                created_at=str(data["created_at"]),
                source_dialect=str(data["source_dialect"]),
                database_sha256=str(data["database_sha256"]),
                tables={
                    str(name): TableState(int(s["rows"]), str(s["sha256"]))
                    for name, s in data["tables"].items()
                },
                evidence={str(k): str(v) for k, v in (data.get("evidence") or {}).items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BackupError(f"{where}: the manifest is incomplete or damaged ({exc!r})") from exc


@dataclass(frozen=True)
class Restored:
    """What ``restore`` did: the backup's manifest, and the revision it was migrated to."""

    manifest: Manifest
    revision: str
    evidence_files: int = 0


# -- table contents and their checksums ----------------------------------------------------------


def table_names() -> list[str]:
    """Every table a backup copies: the schema's, parents before children, and Alembic's."""
    return [table.name for table in t.metadata.sorted_tables] + [ALEMBIC_TABLE]


class _Digest:
    """The checksum of a table's rows, fed in primary-key order, columns sorted by name: one
    ``repr`` of the canonical values a row (dates ISO, floats as floats, booleans as such)."""

    def __init__(self, table: Table, columns: list[str]) -> None:
        self.convert = [
            (i, found)
            for i, name in enumerate(columns)
            if (found := _canonical(table.c[name].type)) is not None
        ]
        self.hash = hashlib.sha256()
        self.rows = 0

    def add(self, row: Any) -> None:
        values = list(row)
        for i, convert in self.convert:
            if values[i] is not None:
                values[i] = convert(values[i])
        self.hash.update(repr(values).encode("utf-8", "surrogatepass") + b"\n")
        self.rows += 1

    def state(self) -> TableState:
        return TableState(self.rows, self.hash.hexdigest())


def _canonical(type_: Any) -> Callable[[Any], Any] | None:
    """How a column's values are written into the checksum, so that SQLite and PostgreSQL agree;
    None where the value is already canonical (text, integers)."""
    if isinstance(type_, Boolean):
        return bool
    if isinstance(type_, Float):
        return float
    if isinstance(type_, DateTime):  # SQLAlchemy gives datetime objects on both databases
        return partial(datetime.isoformat, sep=" ")
    if isinstance(type_, Date):
        return date.isoformat
    if isinstance(type_, Numeric):
        return lambda v: str(Decimal(v))
    if isinstance(type_, LargeBinary):
        return lambda v: bytes(v).hex()
    return None


def _reflect(conn: Connection) -> dict[str, Table]:
    """The tables of a backup present in this database, as it defines them; refuses tables the
    schema does not know (a backup would silently leave them out)."""
    wanted = table_names()
    present = set(inspect(conn).get_table_names())
    unknown = sorted(present - set(wanted))
    if unknown:
        raise BackupError(
            f"the database holds tables lagebild's schema does not know ({', '.join(unknown)}): "
            "a backup would leave them out"
        )
    meta = MetaData()
    meta.reflect(conn, only=[name for name in wanted if name in present])
    return {name: meta.tables[name] for name in wanted if name in meta.tables}


def _rows(conn: Connection, table: Table, columns: list[str]) -> Iterator[list[Any]]:
    """The rows of a table in primary-key order, in batches, streamed (a server-side cursor)."""
    order = [table.c[c.name] for c in table.primary_key.columns] or [table.c[c] for c in columns]
    query = select(*[table.c[name] for name in columns]).order_by(*order)
    result = conn.execution_options(yield_per=BATCH_ROWS).execute(query)
    for part in result.partitions():
        yield list(part)


def _state(conn: Connection, table: Table) -> TableState:
    columns = sorted(table.c.keys())
    digest = _Digest(table, columns)
    for part in _rows(conn, table, columns):
        for row in part:
            digest.add(row)
    return digest.state()


def _states(conn: Connection) -> dict[str, TableState]:
    return {name: _state(conn, table) for name, table in _reflect(conn).items()}


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One consistent, read-only view of the whole database while others go on writing."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            snap = conn.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            with snap.begin():
                yield snap
            return
        # pysqlite begins no transaction for reads: open one, so every SELECT reads the same
        # snapshot of the WAL (a DEFERRED transaction takes it at the first read).
        conn.exec_driver_sql("BEGIN")
        try:
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").all()
            yield conn
        finally:
            conn.rollback()


def table_states(store: Store) -> dict[str, TableState]:
    """Row count and checksum of every table (the schema's and ``alembic_version``), read in
    one snapshot: what a backup's manifest records, for comparing two databases."""
    try:
        with _snapshot(store.engine) as conn:
            return _states(conn)
    except SQLAlchemyError as exc:
        raise BackupError(f"cannot read {store.url}: {_cause(exc)}") from exc


def _cause(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return lines[0] if lines else type(original).__name__


# -- copying -------------------------------------------------------------------------------------


def _copy_table(src: Connection, source: Table, dst: Connection, target: Table) -> TableState:
    """Copy every row of ``source`` into ``target`` (the same columns); returns the checksum of
    what was read. Columns that point into the same table (a place's parent) are filled in
    after all rows are in, so the order of the rows does not matter to the foreign keys."""
    columns = sorted(source.c.keys())
    if set(columns) != set(target.c.keys()):
        raise BackupError(
            f"table {source.name}: the columns differ between the backup and the database "
            f"({sorted(set(columns) ^ set(target.c.keys()))})"
        )
    self_refs = [
        fk.parent.name for fk in target.foreign_keys if fk.column.table.name == target.name
    ]
    key = [c.name for c in target.primary_key.columns]
    if self_refs and len(key) != 1:
        raise BackupError(f"table {target.name}: a self-reference needs a one-column key")
    digest = _Digest(source, columns)
    put = _inserter(dst, target, columns)
    refs = [columns.index(name) for name in self_refs]
    keyed = columns.index(key[0]) if self_refs else 0
    later: list[dict[str, Any]] = []
    for part in _rows(src, source, columns):
        batch = []
        for row in part:
            digest.add(row)
            if refs and any(row[i] is not None for i in refs):
                later.append({"_key": row[keyed], **{f"_{columns[i]}": row[i] for i in refs}})
                values = list(row)
                for i in refs:
                    values[i] = None
                batch.append(tuple(values))
            else:
                batch.append(tuple(row))
        put(batch)
    if later:
        update = (
            target.update()
            .where(target.c[key[0]] == bindparam("_key"))
            .values({name: bindparam(f"_{name}") for name in self_refs})
        )
        for start in range(0, len(later), BATCH_ROWS):
            dst.execute(update, later[start : start + BATCH_ROWS])
    return digest.state()


def _inserter(
    dst: Connection, target: Table, columns: list[str]
) -> Callable[[list[tuple[Any, ...]]], None]:
    """A bulk insert of plain tuples into ``target``: COPY on PostgreSQL; on SQLite one
    ``executemany`` with each value converted as SQLAlchemy stores it (dates as text)."""
    quote = dst.dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in columns)
    into = f"{quote(target.name)} ({names})"
    if dst.dialect.name == "postgresql":
        def copy(rows: list[tuple[Any, ...]]) -> None:
            cursor = dst.connection.driver_connection.cursor()  # type: ignore[union-attr]
            with cursor.copy(f"COPY {into} FROM STDIN") as out:
                for row in rows:
                    out.write_row(row)

        return copy
    processors = [
        (i, found)
        for i, name in enumerate(columns)
        if (found := target.c[name].type.bind_processor(dst.dialect)) is not None
    ]
    sql = f"INSERT INTO {into} VALUES ({', '.join('?' for _ in columns)})"

    def insert(rows: list[tuple[Any, ...]]) -> None:
        if processors:
            converted = []
            for row in rows:
                values = list(row)
                for i, process in processors:
                    values[i] = process(values[i])
                converted.append(tuple(values))
            rows = converted
        if rows:
            dst.exec_driver_sql(sql, rows)  # type: ignore[arg-type]

    return insert


def _copy_all(src: Connection, dst: Connection) -> dict[str, TableState]:
    """Copy every table but ``alembic_version`` (the target's migrations set it) from ``src``
    into the empty tables of ``dst``, parents first; the checksums of what was read."""
    sources = _reflect(src)
    targets = _reflect(dst)
    states: dict[str, TableState] = {}
    for name, source in sources.items():
        if name == ALEMBIC_TABLE:
            states[name] = _state(src, source)
            continue
        if name not in targets:
            raise BackupError(f"table {name} is missing in {dst.engine.url.database}")
        states[name] = _copy_table(src, source, dst, targets[name])
    return states


def _known_revisions(store: Store) -> list[str]:
    script = ScriptDirectory.from_config(store._alembic_config())
    return [s.revision for s in script.walk_revisions()]


def _sqlite_file(path: Path) -> Store:
    """A plain SQLite file (rollback journal, no WAL): a backup's database, or a copy of one.

    Foreign keys are not enforced in it: its rows come from one consistent snapshot, and
    Alembic's batch migrations (which rebuild a table) need them off on SQLite. The database a
    backup is restored into checks them.
    """
    engine = create_engine(f"sqlite:///{path}")

    def pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.execute("PRAGMA synchronous=OFF")  # a scratch file: fsynced once when complete
        cursor.close()

    event.listen(engine, "connect", pragmas)
    return Store(engine)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# -- backup --------------------------------------------------------------------------------------


def backup(store: Store, target: Path | str, evidence_folder: Path | None = None) -> Manifest:
    """Write a backup of ``store`` to ``target`` (a zip archive), consistent while the database
    is in use: every table is read in one snapshot. With ``evidence_folder`` the evidence files
    the snapshot names are added, each checked against its SHA-256.

    The archive is written beside ``target`` under a temporary name and renamed when complete:
    an interrupted backup never leaves a file that looks whole.
    """
    target = Path(target).absolute()
    if target.is_dir():
        raise BackupError(f"{target} is a folder: give the backup file's name")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{target.name}.", dir=target.parent) as work:
        copy_path = Path(work) / DATABASE_NAME
        copy = _sqlite_file(copy_path)
        try:
            with _snapshot(store.engine) as src:
                revision = MigrationContext.configure(src).get_current_revision()
                if revision is None:
                    raise BackupError(
                        f"database {store.url} is not initialised: nothing to back up"
                    )
                if revision not in _known_revisions(store):
                    raise BackupError(
                        f"database {store.url} is at schema {revision}, which this lagebild "
                        f"({__version__}) does not know: back it up with a newer lagebild"
                    )
                copy.migrate(revision)
                with copy.engine.begin() as dst:
                    states = _copy_all(src, dst)
                    evidence = _evidence_paths(src) if evidence_folder is not None else {}
        except SQLAlchemyError as exc:
            raise BackupError(f"cannot back up {store.url}: {_cause(exc)}") from exc
        finally:
            copy.close()
        written = _file_states(copy_path)
        if written != states:
            wrong = sorted(n for n in states if written.get(n) != states[n])
            raise BackupError(f"the copy does not read back as written: tables {wrong}")
        manifest = Manifest(
            lagebild_version=__version__,
            revision=revision,
            created_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
            source_dialect=store.dialect,
            database_sha256=_sha256_file(copy_path),
            tables=states,
            evidence=evidence,
        )
        partial = Path(work) / "backup.zip"
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(MANIFEST_NAME, json.dumps(manifest.as_dict(), indent=2) + "\n")
            archive.write(copy_path, DATABASE_NAME, compresslevel=1)
            if evidence_folder is not None:
                _add_evidence(archive, Path(evidence_folder), evidence)
        with partial.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, target)
    return manifest


def _file_states(path: Path) -> dict[str, TableState]:
    copy = _sqlite_file(path)
    try:
        with copy.engine.connect() as conn:
            return _states(conn)
    finally:
        copy.close()


def _evidence_paths(conn: Connection) -> dict[str, str]:
    """Stored path -> SHA-256 of every evidence item in the snapshot."""
    if not inspect(conn).has_table(t.evidence_items.name):
        return {}
    items = t.evidence_items
    rows = conn.execute(select(items.c.stored_path, items.c.sha256).order_by(items.c.id))
    return {str(path): str(sha) for path, sha in rows}


def _add_evidence(archive: zipfile.ZipFile, folder: Path, evidence: Mapping[str, str]) -> None:
    problems = []
    for stored, sha in evidence.items():
        path = folder / stored
        if not path.is_file():
            problems.append(f"{stored} is missing")
        elif _sha256_file(path) != sha:
            problems.append(f"{stored} no longer has its SHA-256")
        else:
            archive.write(path, EVIDENCE_PREFIX + stored, compress_type=zipfile.ZIP_STORED)
    if problems:
        raise BackupError(
            f"evidence folder {folder}: {'; '.join(problems[:5])}"
            + (f" and {len(problems) - 5} more" if len(problems) > 5 else "")
            + " (lagebild evidence verify lists them all)"
        )


# -- reading a backup ----------------------------------------------------------------------------


def read_manifest(path: Path | str) -> Manifest:
    """The manifest of a backup, checked for form only (``restore`` checks the contents)."""
    path = Path(path)
    with _archive(path) as archive:
        return _manifest(archive, path)


@contextmanager
def _archive(path: Path) -> Iterator[zipfile.ZipFile]:
    try:
        with zipfile.ZipFile(path) as archive:
            yield archive
    except FileNotFoundError as exc:
        raise BackupError(f"{path}: no such file") from exc
    except zipfile.BadZipFile as exc:
        raise BackupError(f"{path} is not a lagebild backup, or it is damaged: {exc}") from exc


def _manifest(archive: zipfile.ZipFile, path: Path) -> Manifest:
    try:
        raw = archive.read(MANIFEST_NAME)
    except KeyError as exc:
        raise BackupError(f"{path} is not a lagebild backup: it has no {MANIFEST_NAME}") from exc
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise BackupError(f"{path}: its manifest is damaged ({exc})") from exc
    return Manifest.from_dict(data, str(path))


def _unpack_database(archive: zipfile.ZipFile, path: Path, into: Path) -> str:
    """Extract ``lagebild.db``; returns its SHA-256. zipfile checks each member's CRC-32."""
    digest = hashlib.sha256()
    try:
        with archive.open(DATABASE_NAME) as source, into.open("wb") as out:
            while chunk := source.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
    except KeyError as exc:
        raise BackupError(f"{path} is damaged: it has no {DATABASE_NAME}") from exc
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise BackupError(f"{path} is damaged: {exc}") from exc
    return digest.hexdigest()


def _check_database(path: Path, copy_path: Path, manifest: Manifest, sha256: str) -> None:
    """Refuse a backup whose database does not hold exactly what its manifest says."""
    try:
        with sqlite3.connect(f"file:{copy_path}?mode=ro", uri=True) as raw:
            raw.execute("PRAGMA quick_check").fetchall()
        copy = _sqlite_file(copy_path)
        try:
            with copy.engine.connect() as conn:
                found = MigrationContext.configure(conn).get_current_revision()
                states = _states(conn)
        finally:
            copy.close()
    except (SQLAlchemyError, sqlite3.Error) as exc:
        raise BackupError(f"{path}: its database cannot be read ({_cause(exc)})") from exc
    if found != manifest.revision:
        raise BackupError(
            f"{path}: the manifest says schema {manifest.revision}, its database is at {found}"
        )
    for name in sorted(set(manifest.tables) - set(states)):
        raise BackupError(f"{path}: table {name} is missing from its database")
    for name in sorted(set(states) - set(manifest.tables)):
        raise BackupError(f"{path}: table {name} is in its database but not in its manifest")
    for name, expected in manifest.tables.items():
        if states[name].rows != expected.rows:
            raise BackupError(
                f"{path}: table {name} holds {states[name].rows} rows, the manifest says "
                f"{expected.rows}"
            )
        if states[name].sha256 != expected.sha256:
            raise BackupError(f"{path}: the contents of table {name} differ from its manifest")
    if sha256 != manifest.database_sha256:
        raise BackupError(
            f"{path}: its database file does not match the manifest's SHA-256 (changed or damaged)"
        )


def verify_backup(path: Path | str) -> Manifest:
    """Check a backup completely (archive, manifest, revision, every table's rows and checksum,
    the database file's SHA-256) without restoring it; returns its manifest."""
    path = Path(path)
    with _archive(path) as archive, tempfile.TemporaryDirectory(prefix="lagebild-check-") as work:
        manifest = _manifest(archive, path)
        copy_path = Path(work) / DATABASE_NAME
        sha = _unpack_database(archive, path, copy_path)
        _check_database(path, copy_path, manifest, sha)
        _check_evidence_members(archive, path, manifest)
    return manifest


def _check_evidence_members(archive: zipfile.ZipFile, path: Path, manifest: Manifest) -> None:
    names = set(archive.namelist())
    for stored in manifest.evidence:
        if not _EVIDENCE_PATH.match(stored):
            raise BackupError(f"{path}: evidence path {stored!r} is not a stored evidence path")
    members = {n[len(EVIDENCE_PREFIX) :] for n in names if n.startswith(EVIDENCE_PREFIX)}
    if members and members != set(manifest.evidence):
        raise BackupError(f"{path}: its evidence files differ from its manifest")


# -- restore -------------------------------------------------------------------------------------


def restore(
    store: Store,
    source: Path | str,
    *,
    force: bool = False,
    evidence_folder: Path | None = None,
) -> Restored:
    """Restore a backup into ``store``: check the archive, its manifest, its revision and every
    table; migrate an older backup forward; refuse a database that holds data unless ``force``
    (which empties it first); load every table in one transaction, parents first; reset
    PostgreSQL's sequences; and compare every table with the backup before committing.

    With ``evidence_folder`` the backup's evidence files are put there too (a file already
    there must have the same contents).
    """
    path = Path(source)
    with _archive(path) as archive, tempfile.TemporaryDirectory(prefix="lagebild-restore-") as work:
        manifest = _manifest(archive, path)
        if manifest.revision not in _known_revisions(store):
            raise BackupError(
                f"{path} is at schema {manifest.revision}, which this lagebild ({__version__}) "
                f"does not know: it was made by lagebild {manifest.lagebild_version}; restore it "
                "with that version or a newer one"
            )
        copy_path = Path(work) / DATABASE_NAME
        sha = _unpack_database(archive, path, copy_path)
        _check_database(path, copy_path, manifest, sha)
        _check_evidence_members(archive, path, manifest)
        if evidence_folder is not None and manifest.evidence:
            if not any(n.startswith(EVIDENCE_PREFIX) for n in archive.namelist()):
                raise BackupError(f"{path} holds no evidence files (made without --evidence)")
        copy = _sqlite_file(copy_path)
        try:
            head = copy.head_revision()
            if manifest.revision != head:
                copy.migrate(head)  # an older backup: Alembic brings it to this version's schema
            revision = _load(store, copy, force)
        finally:
            copy.close()
        files = 0
        if evidence_folder is not None:
            files = _restore_evidence(archive, path, manifest, Path(evidence_folder))
    return Restored(manifest, revision, files)


def _load(store: Store, copy: Store, force: bool) -> str:
    try:
        with store.engine.connect() as conn:
            held = _held_rows(conn)
        if held and not force:
            raise BackupError(
                f"database {store.url} is not empty ({held:,} rows): restore into an empty "
                "database, or give --force to replace everything in it"
            )
        current = store.revision()
        head = store.head_revision()
        if current is not None and current not in _known_revisions(store):
            raise BackupError(
                f"database {store.url} is at schema {current}, which this lagebild does not know"
            )
        if current != head:
            store.migrate(head)
        with copy.engine.connect() as src:
            expected = _states(src)
            with store.engine.begin() as dst:
                if _held_rows(dst):
                    _empty(dst)
                _copy_all(src, dst)
                if store.dialect == "postgresql":
                    _reset_sequences(dst)
                found = _states(dst)
                if found != expected:
                    wrong = sorted(n for n in expected if found.get(n) != expected[n])
                    raise BackupError(
                        f"the restored tables differ from the backup ({', '.join(wrong)}): "
                        "nothing was restored"
                    )
    except SQLAlchemyError as exc:
        raise BackupError(f"cannot restore into {store.url}: {_cause(exc)}") from exc
    return head


def _empty(conn: Connection) -> None:
    """Delete every row of every table of the schema (``restore --force``), in the restore's
    transaction. PostgreSQL truncates them together: a DELETE would check each place against
    tables whose only index on it is partial, row by row."""
    names = [table.name for table in _reflect(conn).values() if table.name != ALEMBIC_TABLE]
    if conn.dialect.name == "postgresql":
        quote = conn.dialect.identifier_preparer.quote
        conn.exec_driver_sql(f"TRUNCATE {', '.join(quote(n) for n in names)}")
        return
    for name in reversed(names):
        conn.execute(t.metadata.tables[name].delete())


def _held_rows(conn: Connection) -> int:
    present = set(inspect(conn).get_table_names())
    return sum(
        int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        for table in t.metadata.sorted_tables
        if table.name in present
    )


def _reset_sequences(conn: Connection) -> None:
    """Set every serial column's sequence past the highest id restored."""
    for name, table in _reflect(conn).items():
        for column in table.primary_key.columns:
            sequence = conn.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": name, "column": column.name},
            ).scalar()
            if sequence is None:
                continue
            top = conn.execute(select(func.max(table.c[column.name]))).scalar()
            conn.execute(
                text("SELECT setval(:sequence, :value, :called)"),
                {"sequence": sequence, "value": top or 1, "called": top is not None},
            )


def _restore_evidence(
    archive: zipfile.ZipFile, path: Path, manifest: Manifest, folder: Path
) -> int:
    written = 0
    for stored, sha in manifest.evidence.items():
        target = folder / stored
        if target.is_file():
            if _sha256_file(target) != sha:
                raise BackupError(f"{target} exists with other contents than the backup's")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        digest = hashlib.sha256()
        try:
            with archive.open(EVIDENCE_PREFIX + stored) as member, partial.open("wb") as out:
                while chunk := member.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
        except (KeyError, zipfile.BadZipFile) as exc:
            partial.unlink(missing_ok=True)
            raise BackupError(f"{path}: evidence file {stored} is missing or damaged") from exc
        if digest.hexdigest() != sha:
            partial.unlink(missing_ok=True)
            raise BackupError(f"{path}: evidence file {stored} does not have its SHA-256")
        partial.chmod(0o444)
        os.replace(partial, target)
        written += 1
    return written


__all__ = [
    "BackupError",
    "Manifest",
    "Restored",
    "TableState",
    "backup",
    "read_manifest",
    "restore",
    "table_names",
    "table_states",
    "verify_backup",
]
