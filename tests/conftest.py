"""Shared fixtures: the real data set, and stores on SQLite and on a real PostgreSQL server.

``store`` and ``db_url`` run each test twice, on SQLite and on PostgreSQL. The PostgreSQL server
is the one in ``LAGEBILD_TEST_PG`` (``scripts/test`` starts a throwaway one and sets it); each
pytest-xdist worker gets a database of its own, ``<that database>_<worker>``, emptied before
every test. Without ``LAGEBILD_TEST_PG`` the PostgreSQL half is skipped, or fails when ``CI`` is
set.

``demo_store`` is the demonstration database on both; ``demo_path`` a private SQLite copy of it.
The scenario is built once per test process (``demo_support``) and copied, never built per test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_support import demo_database, demo_template
from hypothesis import settings

from lagebild.store import Store

REPO = Path(__file__).resolve().parents[1]

PG_MISSING = "PostgreSQL: set LAGEBILD_TEST_PG or run scripts/test, which starts a server"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


# Property tests draw the same examples on every CI run, so that a run fails for a reason, not by
# chance; by hand they draw new ones (LAGEBILD_FUZZ_EXAMPLES makes a longer hunt).
settings.register_profile("ci", derandomize=True, print_blob=True)
if in_ci():
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public data set beside the repository (``../shared/data``)."""
    path = Path(os.environ.get("LAGEBILD_SHARED_DATA") or REPO.parent / "shared" / "data")
    if not path.is_dir():
        pytest.skip("../shared/data is absent: real-data tests need the shared data set")
    return path


# -- PostgreSQL ---------------------------------------------------------------------------------


class PgServer:
    """The test server, and this worker's own database on it."""

    def __init__(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        base = make_url(url).set(drivername="postgresql")
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self.database = f"{base.database or 'lagebild_test'}_{worker}"
        self.admin_url = base.render_as_string(hide_password=False)
        self.url = base.set(database=self.database).render_as_string(hide_password=False)
        self._create()

    def _create(self) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=10) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (self.database,)
            ).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))

    def reset(self) -> None:
        """Empty this worker's database: no tables, no Alembic revision."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as conn:
            # A connection some earlier test leaked would hold locks the DROP waits for.
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
            conn.execute("CREATE SCHEMA public")


@pytest.fixture(scope="session")
def pg_server() -> PgServer:
    url = os.environ.get("LAGEBILD_TEST_PG")
    if not url:
        if in_ci():
            pytest.fail(f"CI is set but LAGEBILD_TEST_PG is not. {PG_MISSING}", pytrace=False)
        pytest.skip(PG_MISSING)
    return PgServer(url)


# -- stores -------------------------------------------------------------------------------------


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file path, or a PostgreSQL URL (``postgresql://...``)."""
    if request.param == "sqlite":
        return str(tmp_path / "lagebild.db")
    server: PgServer = request.getfixturevalue("pg_server")
    server.reset()
    return server.url


def _open(target: str) -> Iterator[Store]:
    store = Store.open(target)
    try:
        store.migrate()
        yield store
    finally:
        store.close()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A migrated, empty store, on SQLite and on PostgreSQL."""
    yield from _open(db_url)


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty SQLite store, for tests that need not run on both databases."""
    yield from _open(str(tmp_path / "lagebild.db"))


# -- the demonstration database: built once per test process, copied for each test ----------------


@pytest.fixture
def demo_store(db_url: str) -> Iterator[Store]:
    """The demonstration data, on SQLite (a copy of this process's one build) and on PostgreSQL
    (built into the emptied database)."""
    if db_url.startswith("postgresql"):
        from lagebild.demo import build_demo

        for store in _open(db_url):
            build_demo(store)
            yield store
        return
    shutil.copyfile(demo_template(), db_url)
    store = Store.open(db_url)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def demo_path(tmp_path: Path) -> str:
    """A private, writable SQLite copy of the demonstration database; its path."""
    return demo_database(tmp_path)


# -- accounts ------------------------------------------------------------------------------------


@pytest.fixture
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at its cheapest, for tests that hash many passwords (``LAGEBILD_ARGON2``)."""
    from accounts_support import CHEAP_ARGON2

    monkeypatch.setenv("LAGEBILD_ARGON2", CHEAP_ARGON2)


@pytest.fixture
def loaded(store: Store, tmp_path: Path, cheap_hashes: None) -> Store:
    """Deliveries of Org A and Org B, and an account of each role (``accounts_support``), on
    SQLite and on PostgreSQL."""
    from accounts_support import add_accounts, load_two_organisations

    load_two_organisations(store, tmp_path)
    add_accounts(store)
    return store


# -- the browser: one Chromium per test process ---------------------------------------------------
# Playwright's sync API keeps an event loop in the thread that started it until it stops: one
# session-wide instance serves every browser test module of a worker (tests/test_*browser*.py);
# modules that need their own run it in a thread of their own.


@pytest.fixture(scope="session")
def chromium_path() -> str:
    from browser_support import chromium

    path, reason = chromium()
    if path is None:
        if in_ci():
            pytest.fail(f"CI is set but the browser tests cannot run: {reason}", pytrace=False)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    from browser_support import CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()
