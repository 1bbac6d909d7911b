"""The one owner of the database: connections, transactions and migrations.

Reading and writing are functions in the modules named after the tables they touch."""

from __future__ import annotations

import getpass
import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from lagebild.errors import DatabaseUnavailable, LagebildError

DEFAULT_DB = "lagebild.db"
_MIGRATIONS = Path(__file__).parent / "migrations"


def default_actor() -> str:
    """Who makes a change, when no account says so: ``LAGEBILD_USER``, else the system user."""
    try:
        return os.environ.get("LAGEBILD_USER") or getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name on this system
        return "unknown"


class StoreError(LagebildError):
    """A database that cannot be opened, is not initialised, or refuses a write."""

    code = "store"


class StoreUnavailable(StoreError, DatabaseUnavailable):
    """The database cannot be reached or opened now: server down, network cut, file locked."""


#: How long a SQLite connection waits for a lock before it gives up (milliseconds).
SQLITE_BUSY_TIMEOUT_MS = 5000
#: How long a PostgreSQL connection attempt may take, unless the URL says (seconds).
CONNECT_TIMEOUT_S = 10


def database_url(target: str | None = None) -> str:
    """The SQLAlchemy URL for ``--db``: a file path means SQLite, a URL means that server."""
    target = target or os.environ.get("LAGEBILD_DB") or DEFAULT_DB
    if "://" in target:
        url = make_url(target)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)
    return f"sqlite:///{Path(target).expanduser().absolute()}"


def missing_sqlite_file(target: str | None = None) -> Path | None:
    """The file of an SQLite ``--db`` that does not exist yet (in a folder that does), else None.

    Opening such a file would create it: read-only commands ask this first and create nothing.
    A server URL, an in-memory database or a file in a missing folder give None (the last fails
    to open with the driver's own message).
    """
    url = make_url(database_url(target))
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    path = Path(url.database)
    return path if not path.exists() and path.parent.is_dir() else None


#: How long a write waits for the other writing transactions of this process (SQLite; seconds).
SQLITE_WRITE_WAIT_S = 60.0
#: Connections a SQLite engine may open beyond its pool of 5: more than the server's threads, so
#: that a write waiting for its turn while holding a connection never starves the one writing.
SQLITE_MAX_OVERFLOW = 100
_WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER"})
_TURN = "lagebild_write_turn"


class _WriteTurns:
    """The writing transactions of one SQLite engine take turns.

    SQLite lets one transaction write at a time; the others wait in its busy handler, which polls
    with sleeps of up to 100 ms and gives up after the busy timeout, so under a stream of imports
    into a server a write can keep missing its turn until it fails with "database is locked".
    Here the writers of the process queue on one lock instead: ``Store.writer`` takes it before
    its transaction gets a connection, any other transaction with its first write statement; it
    is given back when the transaction ends. The busy timeout still applies between processes
    (``lagebild import`` beside ``lagebild serve``).
    """

    def __init__(self, engine: Engine) -> None:
        self.lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "commit", self._end)
        event.listen(engine, "rollback", self._end)
        event.listen(engine.pool, "checkin", self._checkin)

    def take(self) -> None:
        if not self.lock.acquire(timeout=SQLITE_WRITE_WAIT_S):
            raise OperationalError(
                "BEGIN", None, sqlite3.OperationalError("database is locked (by this process)")
            )

    @contextmanager
    def writer(self, engine: Engine) -> Iterator[Connection]:
        """A transaction that holds the turn from before it has a connection until it ends."""
        self.take()
        try:
            with engine.begin() as conn:
                conn.info[_TURN] = "writer"
                try:
                    yield conn
                finally:
                    conn.info.pop(_TURN, None)
        finally:
            self.lock.release()

    def _before(self, conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        verb = (statement.lstrip()[:8].split() or [""])[0].upper()
        if verb not in _WRITES or _TURN in conn.info:
            return
        self.take()
        conn.info[_TURN] = "statement"

    def _end(self, conn: Connection) -> None:
        self._give_back(conn.info)

    def _checkin(self, _dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            self._give_back(record.info)

    def _give_back(self, info: dict[Any, Any]) -> None:
        if info.get(_TURN) == "statement":
            del info[_TURN]
            self.lock.release()


#: SQLite engines of this process and their turns.
_WRITE_TURNS: weakref.WeakKeyDictionary[Engine, _WriteTurns] = weakref.WeakKeyDictionary()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_MS)}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-262144")
    cursor.close()


def optional_date(value: Any) -> date | None:
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def required_date(value: Any) -> date:
    found = optional_date(value)
    if found is None:
        raise StoreError("a NOT NULL date column returned NULL")
    return found


class Store:
    """A lagebild database: SQLite by default, PostgreSQL for a shared server."""

    def __init__(self, engine: Engine, actor: str | None = None) -> None:
        self.engine = engine
        #: Who the changes made through this store are recorded as (the audit trail).
        self.actor = actor or default_actor()

    @classmethod
    def open(cls, target: str | None = None, actor: str | None = None) -> Store:
        url = database_url(target)
        if url.startswith("sqlite"):
            engine = create_engine(url, max_overflow=SQLITE_MAX_OVERFLOW)
            event.listen(engine, "connect", _sqlite_pragmas)
            _WRITE_TURNS[engine] = _WriteTurns(engine)
        else:
            given = "connect_timeout" in make_url(url).query
            connect_args = {} if given else {"connect_timeout": CONNECT_TIMEOUT_S}
            engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args)
        return cls(engine, actor)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    def as_actor(self, actor: str) -> Store:
        """This database, its changes recorded as ``actor`` (the signed-in user of a request)."""
        return Store(self.engine, actor)

    # -- migrations ---------------------------------------------------------------------------

    def _alembic_config(self) -> Config:
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        return config

    def migrate(self, target: str = "head") -> str:
        """Bring the schema to the newest revision (or to ``target``); returns it."""
        config = self._alembic_config()
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, target)
        return self.revision() or ""

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head_revision(self) -> str:
        return ScriptDirectory.from_config(self._alembic_config()).get_current_head() or ""

    def check_ready(self) -> None:
        """Raise ``StoreError`` unless the schema is at the newest revision."""
        try:
            current = self.revision()
        except SQLAlchemyError as exc:
            cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise StoreUnavailable(f"cannot open database {self.url}: {cause}") from exc
        if current is None:
            raise StoreError(f"database {self.url} is not initialised: run 'lagebild init' first")
        if current != self.head_revision():
            raise StoreError(
                f"database {self.url} is at schema {current}, this lagebild needs "
                f"{self.head_revision()}: run 'lagebild init' to migrate it"
            )

    # -- writing ------------------------------------------------------------------------------

    @contextmanager
    def writer(self) -> Iterator[Writer]:
        """One transaction: everything written through the writer lands together or not at all.
        On SQLite the writers of this process take turns (``_WriteTurns``)."""
        turns = _WRITE_TURNS.get(self.engine)
        with turns.writer(self.engine) if turns else self.engine.begin() as conn:
            yield Writer(conn, self.actor)


class Writer:
    """One transaction and who its changes are recorded as; made by ``Store.writer()``.

    The writes themselves are functions of the modules named after the tables they touch
    (``lagebild.store.imports``, ``lagebild.store.places``, ...), each taking the writer."""

    def __init__(self, conn: Connection, actor: str | None = None) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name
        self.actor = actor or default_actor()
        self._now = datetime.now().replace(microsecond=0)

