"""The store: schema, migrations and the only place with SQL."""

from lagebild.store.driver_errors import (
    StoreFailure,
    database_unavailable,
    driver_failures,
    outages,
)
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
    "StoreFailure",
    "StoreUnavailable",
    "Writer",
    "database_unavailable",
    "database_url",
    "driver_failures",
    "missing_sqlite_file",
    "outages",
]
