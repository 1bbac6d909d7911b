"""What the database driver's errors mean in lagebild's terms: a database that cannot be reached
now (``StoreUnavailable``), or a driver that refused or failed (``StoreFailure``), so that the
command line and the web app know no driver.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from lagebild.store.store import StoreError, StoreUnavailable

_SQLITE_OUTAGES = ("locked", "busy", "unable to open", "disk i/o error")


class StoreFailure(StoreError):
    """The database driver could not do what the store asked (connect, read the schema, migrate):
    ``cause`` is the first line of what it said, without SQLAlchemy's background note."""

    def __init__(self, error: BaseException) -> None:
        self.cause = first_line(error)
        super().__init__(self.cause)


def first_line(exc: BaseException) -> str:
    """The first line of what the database driver said, without SQLAlchemy's background note."""
    original = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return lines[0] if lines else type(original).__name__


def database_unavailable(exc: BaseException) -> bool:
    """Whether a database error means the database cannot be reached now (down, cut off, locked
    beyond the busy timeout), rather than a fault in a query."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, OperationalError):
        if isinstance(exc.orig, sqlite3.Error):  # SQLite says "no such table" this way too
            return any(word in str(exc.orig).lower() for word in _SQLITE_OUTAGES)
        return True  # psycopg: the connection failed, was closed or was terminated
    return False


@contextmanager
def driver_failures() -> Iterator[None]:
    """Any error of the driver inside raised as ``StoreFailure``."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise StoreFailure(exc) from exc


@contextmanager
def outages() -> Iterator[None]:
    """An error inside that means the database cannot be reached now raised as
    ``StoreUnavailable`` (its message: the first line the driver said); any other error passes as
    it is (a fault in a query is a bug)."""
    try:
        yield
    except SQLAlchemyError as exc:
        if not database_unavailable(exc):
            raise
        cause = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
        raise StoreUnavailable(cause) from exc


__all__ = [
    "StoreFailure",
    "database_unavailable",
    "driver_failures",
    "first_line",
    "outages",
]
