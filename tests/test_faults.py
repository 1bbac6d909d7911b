"""Faults: a SIGKILL in the middle of an import, a database that goes away under the web app and
comes back, a database that is down when the server starts."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

import lagebild.store.store as store_module
from lagebild.store import Store, database_unavailable
from lagebild.store.backup import table_states
from lagebild.store.summary import row_counts
from lagebild.web import WebConfig, create_app

REPO = Path(__file__).resolve().parents[1]
LAGEBILD = [sys.executable, "-m", "lagebild.cli"]
#: Rows of the 4W the import is killed in: above the bulk limit (200,000), so the kill lands
#: while the delivery index is dropped inside the import's transaction. PostgreSQL writes slower.
KILL_ROWS = {"sqlite": 600_000, "postgresql": 400_000}
#: The kill waits for the progress bar to pass this many rows: the import hands its batches of
#: 100,000 rows to an insert thread through a queue of one, so by then the first batch at least
#: is written, uncommitted, into the database.
KILL_PAST_ROWS = 300_000


@pytest.fixture(scope="module")
def files_4w(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """bench/generate_4w.py's gazetteer (7,000 communities) and 4W files of KILL_ROWS rows."""
    folder = tmp_path_factory.mktemp("faults-4w")
    found = {"gazetteer": folder / "gazetteer.csv"}
    for backend, rows in KILL_ROWS.items():
        found[backend] = folder / f"4w-{rows}.csv"
        args = ["--rows", str(rows), "--out", str(found[backend])]
        if backend == "sqlite":
            args += ["--gazetteer-out", str(found["gazetteer"])]
        subprocess.run(
            [sys.executable, str(REPO / "bench" / "generate_4w.py"), *args],
            check=True, capture_output=True, timeout=120,
        )
    return found


def run_lagebild(db: str, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LAGEBILD, "--db", db, *args], capture_output=True, text=True, timeout=timeout,
        check=False,
    )


class Stderr:
    """Reads a child's stderr as it comes (the progress bar ends its lines with \\r)."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.text = ""
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stderr is not None
        while chunk := process.stderr.read1(4096):  # type: ignore[attr-defined]
            self.text += chunk.decode(errors="replace")

    def rows_done(self) -> int:
        found = re.findall(r"(\d[\d,]*) (?:of ~[\d,]+ )?rows(?!/s)", self.text)
        return int(found[-1].replace(",", "")) if found else 0


def sqlite_write_locked(path: str) -> bool:
    """True while some connection holds SQLite's write lock: the import is in its transaction."""
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return True
        raise
    else:
        probe.execute("ROLLBACK")
        return False
    finally:
        probe.close()


def pg_open_transaction(url: str, name: str) -> tuple[float, int] | None:
    """(seconds the import's transaction has been open, rows its running COPY has sent into
    ``deliveries``, uncommitted), or None when it has no open transaction holding a lock on
    ``deliveries``. Reads only views that take no lock on the import's tables."""
    import psycopg

    plain = make_url(url).set(drivername="postgresql", query={})
    with psycopg.connect(plain.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute("SET lock_timeout = '200ms'")
        row = conn.execute(
            "SELECT EXTRACT(EPOCH FROM clock_timestamp() - a.xact_start), "
            "COALESCE(c.tuples_processed, 0) FROM pg_stat_activity a "
            "JOIN pg_locks l ON l.pid = a.pid AND l.relation = 'deliveries'::regclass "
            "LEFT JOIN pg_stat_progress_copy c ON c.pid = a.pid "
            "WHERE a.application_name = %s AND a.xact_start IS NOT NULL LIMIT 1",
            (name,),
        ).fetchone()
    return (float(row[0]), int(row[1])) if row else None


def pg_backends(url: str, name: str) -> int:
    import psycopg

    plain = make_url(url).set(drivername="postgresql", query={})
    with psycopg.connect(plain.render_as_string(hide_password=False), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (name,)
        ).fetchone()
    return int(row[0]) if row else 0


def indexes(store: Store) -> list[tuple[str, str]]:
    found = inspect(store.engine)
    return sorted(
        (table, str(ix["name"]))
        for table in found.get_table_names()
        for ix in found.get_indexes(table)
    )


# -- 1. SIGKILL in the middle of an import -------------------------------------------------------


def test_sigkill_inside_the_import_transaction_leaves_every_table_as_it_was(
    db_url: str, files_4w: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    backend = "postgresql" if "://" in db_url else "sqlite"
    name = f"lagebild-killed-import-{os.getpid()}"
    target = f"{db_url}?application_name={name}" if backend == "postgresql" else db_url
    assert run_lagebild(target, "init").returncode == 0
    loaded = run_lagebild(target, "import", str(files_4w["gazetteer"]))
    assert loaded.returncode == 0, loaded.stderr
    store = Store.open(db_url)
    before, before_indexes = table_states(store), indexes(store)
    assert before["deliveries"].rows == 0 and before["places"].rows > 7000

    started = time.monotonic()
    process = subprocess.Popen(
        [*LAGEBILD, "--db", target, "import", "--source", "Partner", str(files_4w[backend])],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    stderr = Stderr(process)
    opened = None  # when the write transaction was first seen open
    copied = 0  # PostgreSQL: the most rows seen in a running COPY of the import
    try:
        while True:
            assert process.poll() is None, f"the import ended before the kill: {stderr.text}"
            assert time.monotonic() - started < 120, "the import never opened its transaction"
            seen = None
            if backend == "sqlite":
                inside = sqlite_write_locked(db_url)
            else:
                seen = pg_open_transaction(db_url, name)
                inside = seen is not None
                copied = max(copied, seen[1] if seen else 0)
            if inside and opened is None:  # PostgreSQL says when the transaction began
                opened = time.monotonic() - (seen[0] if backend == "postgresql" and seen else 0)
            if inside and stderr.rows_done() >= KILL_PAST_ROWS:
                process.send_signal(signal.SIGKILL)  # the transaction was open a moment ago
                killed = time.monotonic()
                break
            time.sleep(0.005)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    if backend == "postgresql":
        deadline = time.monotonic() + 30
        while pg_backends(db_url, name) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pg_backends(db_url, name) == 0, "the server kept the killed import's session"
    rolled_back = time.monotonic() - killed

    after = table_states(store)
    with capsys.disabled():
        print(
            f"\n[{backend}] SIGKILL {killed - started:.2f} s after the import started, "
            f"{killed - (opened or killed):.2f} s into its write transaction, "
            f"{stderr.rows_done():,} of {KILL_ROWS[backend]:,} rows shown by its progress"
            + (f", a COPY seen at {copied:,} uncommitted rows" if copied else "")
            + f"; state checked {rolled_back:.2f} s after the kill"
        )

    assert after == before  # every table: the same rows, the same contents
    assert indexes(store) == before_indexes  # and the delivery index, dropped inside, is back
    store.close()

    again = run_lagebild(target, "import", "--source", "Partner", str(files_4w[backend]))
    assert again.returncode == 0, again.stderr  # no stale lock, no "already imported"
    assert f"imported deliveries: {KILL_ROWS[backend]:,} rows" in again.stdout
    store = Store.open(db_url)
    assert row_counts(store)["deliveries"] == KILL_ROWS[backend]
    store.close()


# -- 3. a lost database connection: 503, then recovery -------------------------------------------


class Proxy:
    """A TCP relay between the app and the PostgreSQL server that can be cut and restored."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self._pairs: list[socket.socket] = []
        self._lock = threading.Lock()
        self._server: socket.socket | None = None
        self.open()

    def open(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return  # closed
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._pairs += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        """Stop listening and drop every relayed connection."""
        if self._server is not None:
            try:
                self._server.shutdown(socket.SHUT_RDWR)  # wakes the accept() (Linux)
            except OSError:
                pass
            self._server.close()
            self._server = None
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for sock in pairs:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


@pytest.fixture
def proxied(request: pytest.FixtureRequest) -> Iterator[tuple[Proxy, str, str]]:
    """(the relay, the app's URL through it, the direct URL) on a migrated database."""
    server = request.getfixturevalue("pg_server")
    server.reset()
    store = Store.open(server.url)
    store.migrate()
    store.close()
    direct = make_url(server.url)
    proxy = Proxy((direct.host or "127.0.0.1", direct.port or 5432))
    name = f"lagebild-web-{os.getpid()}"
    via = direct.set(host="127.0.0.1", port=proxy.port, query={"application_name": name})
    yield proxy, via.render_as_string(hide_password=False), server.url
    proxy.cut()


def terminate_backends(url: str, name: str) -> int:
    """pg_terminate_backend for every session of the app: what a server restart does to them."""
    import psycopg

    plain = make_url(url).set(drivername="postgresql", query={})
    with psycopg.connect(plain.render_as_string(hide_password=False), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (name,),
        ).fetchall()
    return len(rows)


def assert_unavailable(client: TestClient) -> None:
    api = client.get("/api/gaps")
    assert api.status_code == 503, api.text
    assert api.headers["retry-after"].isdigit()
    assert api.json()["status"] == 503 and "unavailable" in api.json()["error"]
    assert "127.0.0.1" not in api.text  # where the server is stays in the log
    page = client.get("/gaps", headers={"accept-language": "en"})
    assert page.status_code == 503
    assert page.headers["retry-after"].isdigit()
    assert page.headers["content-type"].startswith("text/html")
    assert "The database is unavailable" in page.text


@pytest.mark.postgres
def test_a_cut_connection_gives_503_with_retry_after_and_recovers_without_restart(
    proxied: tuple[Proxy, str, str],
) -> None:
    proxy, via, direct = proxied
    name = make_url(via).query["application_name"]
    with TestClient(create_app(WebConfig(db=via))) as client:
        assert client.get("/api/gaps").status_code == 200
        assert client.get("/gaps").status_code == 200
        proxy.cut()
        assert terminate_backends(direct, name) >= 0
        assert_unavailable(client)
        assert_unavailable(client)  # and again: nothing hangs, nothing is cached as broken
        proxy.open()
        assert client.get("/api/gaps").status_code == 200  # the very next request
        assert client.get("/gaps").status_code == 200


@pytest.mark.postgres
def test_a_server_restart_between_requests_is_not_seen_by_the_next_request(
    proxied: tuple[Proxy, str, str],
) -> None:
    """The pooled connections die while no request runs; the next request must not get one
    of them (pool_pre_ping tests each connection before handing it out)."""
    proxy, via, direct = proxied
    name = make_url(via).query["application_name"]
    with TestClient(create_app(WebConfig(db=via))) as client:
        assert client.get("/api/gaps").status_code == 200
        assert terminate_backends(direct, name) >= 1
        proxy.cut()
        proxy.open()
        assert client.get("/api/gaps").status_code == 200


@pytest.mark.postgres
def test_an_unreachable_server_gives_503_within_the_connect_timeout() -> None:
    """A host that takes the connection and never answers (a dead link, a firewall that drops):
    the request gives up after the connect timeout instead of hanging."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # accepts into the backlog, never answers
    port = silent.getsockname()[1]
    try:
        app = create_app(
            WebConfig(db=f"postgresql://lagebild@127.0.0.1:{port}/lagebild?connect_timeout=1")
        )
        with TestClient(app) as client:
            started = time.monotonic()
            assert_unavailable(client)
            assert time.monotonic() - started < 30
    finally:
        silent.close()


def test_a_sqlite_database_locked_beyond_the_busy_timeout_gives_503_then_recovers(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = str(sqlite_store.engine.url.database)
    sqlite_store.close()
    monkeypatch.setattr(store_module, "SQLITE_BUSY_TIMEOUT_MS", 300)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")  # keeps the lock after its transaction
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("COMMIT")
    try:
        with TestClient(create_app(WebConfig(db=path))) as client:
            started = time.monotonic()
            assert_unavailable(client)
            assert time.monotonic() - started >= 2 * 0.3  # both requests waited the busy timeout
            holder.close()
            assert client.get("/api/gaps").status_code == 200
            assert client.get("/gaps").status_code == 200
    finally:
        holder.close()


def test_a_query_fault_is_not_mistaken_for_an_outage() -> None:
    missing = OperationalError("SELECT x", {}, sqlite3.OperationalError("no such table: x"))
    locked = OperationalError("SELECT x", {}, sqlite3.OperationalError("database is locked"))
    assert not database_unavailable(missing)
    assert database_unavailable(locked)


# -- 4. serve on a database that is down ---------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_on_a_database_that_is_down_says_so_in_one_line() -> None:
    down = f"postgresql://lagebild@127.0.0.1:{_free_port()}/lagebild"
    done = run_lagebild(down, "serve", "--port", str(_free_port()), timeout=60)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: cannot open database")
    assert "127.0.0.1" in lines[0]


def test_serve_on_a_server_that_never_answers_gives_up_after_the_connect_timeout() -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    try:
        url = f"postgresql://lagebild@127.0.0.1:{silent.getsockname()[1]}/x?connect_timeout=1"
        started = time.monotonic()
        done = run_lagebild(url, "serve", "--port", str(_free_port()), timeout=60)
        assert time.monotonic() - started < 30
    finally:
        silent.close()
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "cannot open database" in done.stderr
