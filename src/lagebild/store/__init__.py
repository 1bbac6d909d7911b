"""The store: schema, migrations and the only place with SQL."""

from lagebild.store.store import (
    DEFAULT_DB,
    Store,
    StoreError,
    StoreUnavailable,
    Writer,
    database_url,
    missing_sqlite_file,
)

__all__ = [
    "DEFAULT_DB",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "Writer",
    "database_url",
    "missing_sqlite_file",
]
