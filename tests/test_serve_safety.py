"""Safe defaults of ``lagebild serve``: no open database on the network without ``--open``,
requests naming a host the server does not answer to refused (DNS rebinding), and uploads
waiting for confirmation shared by every worker serving a database."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_serve import free_port, get_json, stop
from test_upload import FOUR_W, GAZETTEER, field_text, send, token_of

from lagebild.cli.serve import is_loopback, served_names
from lagebild.ingest import import_file
from lagebild.store import Store
from lagebild.store.summary import row_counts
from lagebild.web import WebConfig, create_app
from lagebild.web.security import host_name
from lagebild.web.uploads import RefusedUploadFolder, Uploads, private_root


def lagebild(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lagebild.cli", *args],
        capture_output=True, text=True, timeout=timeout, check=False,
    )


@pytest.fixture
def database(tmp_path: Path) -> str:
    path = tmp_path / "office.db"
    assert lagebild("--db", str(path), "init").returncode == 0
    return str(path)


# -- no open database on the network ---------------------------------------------------------------


def test_serve_on_the_network_without_accounts_is_refused_and_names_the_ways_out(
    database: str,
) -> None:
    done = lagebild("--db", database, "serve", "--host", "0.0.0.0", "--port", str(free_port()))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    message = " ".join(done.stderr.split())
    assert "refused to serve on 0.0.0.0: the database has no accounts" in message
    assert "lagebild user add NAME --role admin" in message and "--open" in message


def test_demo_on_the_network_is_refused_before_it_builds_anything(tmp_path: Path) -> None:
    target = tmp_path / "demo.db"
    done = lagebild("--db", str(target), "demo", "--host", "0.0.0.0", "--port", "8123")
    assert done.returncode == 1 and "refused to serve on 0.0.0.0" in done.stderr
    assert not target.exists()


def _serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "lagebild.cli", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _status(url: str, host: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _first_answer(url: str, seconds: float = 30.0) -> int:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return _status(url)[0]
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serve_on_the_network_with_open_serves_and_refuses_foreign_host_names(
    database: str,
) -> None:
    port = free_port()
    process = _serve("--db", database, "serve", "--host", "0.0.0.0", "--port", str(port),
                     "--open", "--allowed-host", "office.example")
    try:
        base = f"http://127.0.0.1:{port}"
        get_json(f"{base}/api/places?limit=1")  # open: no sign-in asked
        assert _status(f"{base}/api/places?limit=1", "office.example:8000")[0] == 200
        code, body = _status(f"{base}/api/places?limit=1", f"rebound.example:{port}")
    finally:
        returncode, out = stop(process)
    assert code == 400 and "does not answer to the name 'rebound.example'" in body
    assert "answers to: localhost, 127.0.0.1, ::1" in out and "office.example" in out
    assert returncode == 0


def test_serve_on_the_network_with_an_account_asks_everyone_to_sign_in(database: str) -> None:
    made = subprocess.run(
        [sys.executable, "-m", "lagebild.cli", "--db", database, "user", "add", "amal",
         "--role", "admin", "--password-stdin"],
        input="a long enough passphrase\n", capture_output=True, text=True, check=False,
    )
    assert made.returncode == 0, made.stderr
    port = free_port()
    process = _serve("--db", database, "serve", "--host", "0.0.0.0", "--port", str(port))
    try:
        code = _first_answer(f"http://127.0.0.1:{port}/api/places?limit=1")
    finally:
        stop(process)
    assert code == 401


def test_a_shared_upload_folder_others_may_read_is_refused(database: str, tmp_path: Path) -> None:
    shared = tmp_path / "uploads"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    done = lagebild("--db", database, "serve", "--port", str(free_port()),
                    "--upload-folder", str(shared))
    assert done.returncode == 1 and "may be read by others" in done.stderr
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "elsewhere").mkdir(mode=0o700)
    with pytest.raises(RefusedUploadFolder, match="not a folder of this user's"):
        private_root(link)


# -- the names a request may give -----------------------------------------------------------------


def test_loopback_serving_answers_to_the_loopback_names_only() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("[::1]")
    assert is_loopback("localhost") and not is_loopback("0.0.0.0")
    assert not is_loopback("192.168.1.10")
    assert set(served_names("127.0.0.1")) == {"localhost", "127.0.0.1", "::1"}
    assert served_names("192.168.1.10", ("Office.example",)) == ("192.168.1.10", "Office.example")
    assert {"localhost", "127.0.0.1"} <= set(served_names("0.0.0.0"))


def test_host_names_lose_port_brackets_case_and_final_dot() -> None:
    assert host_name("[::1]:8000") == "::1" and host_name("::1") == "::1"
    assert host_name("Office.Example.:80") == "office.example" and host_name("") == ""


@pytest.fixture
def guarded(sqlite_store: Store) -> Iterator[TestClient]:
    url = sqlite_store.engine.url.render_as_string(hide_password=False)
    config = WebConfig(db=url, allowed_hosts=("127.0.0.1", "::1", "*.office.example"))
    with TestClient(create_app(config), base_url="http://127.0.0.1:8000") as client:
        yield client


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "[::1]:8000", "gaps.office.example"])
def test_requests_naming_an_allowed_host_are_answered(guarded: TestClient, host: str) -> None:
    assert guarded.get("/api/places", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["rebound.example", "office.example.evil", "testserver", ""])
def test_requests_naming_another_host_are_refused_with_400(guarded: TestClient, host: str) -> None:
    api = guarded.get("/api/places", headers={"Host": host})
    assert api.status_code == 400
    refusal = f"refused: this server does not answer to the name {host!r}"
    assert api.json()["error"].startswith(refusal)
    page = guarded.get("/gaps", headers={"Host": host})
    assert page.status_code == 400 and "--allowed-host NAME" in page.text
    assert page.headers["x-frame-options"] == "DENY"  # the security headers still go out


def test_an_app_built_without_allowed_hosts_checks_none(sqlite_store: Store) -> None:
    url = sqlite_store.engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(WebConfig(db=url))) as client:
        assert client.get("/api/places", headers={"Host": "anything.example"}).status_code == 200


# -- uploads waiting for confirmation, across workers ---------------------------------------------


@pytest.fixture
def two_workers(sqlite_store: Store, tmp_path: Path) -> Iterator[tuple[TestClient, TestClient]]:
    """Two apps on one database and one upload folder, as two server workers are."""
    gazetteer = tmp_path / "gazetteer.csv"
    gazetteer.write_text(GAZETTEER, encoding="utf-8")
    import_file(sqlite_store, gazetteer)
    url = sqlite_store.engine.url.render_as_string(hide_password=False)
    config = WebConfig(db=url, upload_folder=str(tmp_path / "uploads"))
    with TestClient(create_app(config)) as one, TestClient(create_app(config)) as other:
        yield one, other


def test_an_upload_checked_by_one_worker_is_confirmed_by_another(
    two_workers: tuple[TestClient, TestClient], sqlite_store: Store
) -> None:
    one, other = two_workers
    token = token_of(send(one, FOUR_W))
    done = other.post(f"/import/{token}/confirm")
    assert done.status_code == 200 and 'data-stage="done"' in done.text
    assert row_counts(sqlite_store)["deliveries"] == 3
    again = one.post(f"/import/{token}/confirm")  # the first worker sees the result, writes none
    assert field_text(again, "import-id") == field_text(done, "import-id")
    assert row_counts(sqlite_store)["deliveries"] == 3


def test_an_upload_cancelled_on_one_worker_is_gone_on_the_other(
    two_workers: tuple[TestClient, TestClient], sqlite_store: Store
) -> None:
    one, other = two_workers
    token = token_of(send(one, FOUR_W))
    other.post(f"/import/{token}/cancel")
    assert one.post(f"/import/{token}/confirm").status_code == 404
    assert row_counts(sqlite_store)["deliveries"] == 0


def test_a_worker_that_stops_leaves_the_other_workers_uploads(
    sqlite_store: Store, tmp_path: Path
) -> None:
    url = sqlite_store.engine.url.render_as_string(hide_password=False)
    config = WebConfig(db=url, upload_folder=str(tmp_path / "uploads"))
    with TestClient(create_app(config)) as one:
        token = token_of(send(one, GAZETTEER, name="places.csv"))
    with TestClient(create_app(config)) as other:
        done = other.post(f"/import/{token}/confirm")
    assert 'data-stage="done"' in done.text and row_counts(sqlite_store)["places"] > 0


def test_one_check_or_import_of_an_upload_at_a_time_across_workers(tmp_path: Path) -> None:
    one, other = Uploads(tmp_path / "uploads"), Uploads(tmp_path / "uploads")
    token, _folder = one.new()
    entered = threading.Event()

    def second() -> None:
        with other.lock(token):
            entered.set()

    with one.lock(token):
        waiting = threading.Thread(target=second)
        waiting.start()
        held_out = not entered.wait(0.3)
    waiting.join(10)
    assert held_out and entered.is_set()
    assert oct(os.stat(tmp_path / "uploads").st_mode & 0o777) == "0o700"


def test_serve_with_two_workers_confirms_every_upload_whichever_worker_checked_it(
    database: str, tmp_path: Path
) -> None:
    import httpx
    from test_upload import CONFIRM

    gazetteer = tmp_path / "gazetteer.csv"
    gazetteer.write_text(GAZETTEER, encoding="utf-8")
    assert lagebild("--db", database, "import", str(gazetteer)).returncode == 0
    port = free_port()
    process = _serve("--db", database, "serve", "--port", str(port), "--workers", "2")
    stages = []
    try:
        base = f"http://127.0.0.1:{port}"
        get_json(f"{base}/api/places?limit=1")
        with httpx.Client(base_url=base, timeout=60) as client:
            for n in range(6):  # the kernel spreads the connections over both workers
                text = FOUR_W.replace("100,", f"{100 + n},")
                check = client.post("/import", files={"file": (f"4w{n}.csv", text, "text/csv")},
                                    data={"source": f"Partner {n}"})
                token = CONFIRM.search(check.text).group(1)  # type: ignore[union-attr]
                with httpx.Client(base_url=base, timeout=60) as other:  # a new connection
                    done = other.post(f"/import/{token}/confirm")
                stages.append('data-stage="done"' in done.text)
    finally:
        returncode, out = stop(process)
    assert stages == [True] * 6, out
    assert "in 2 worker processes" in out and returncode == 0
    store = Store.open(database)
    try:
        assert row_counts(store)["deliveries"] == 18
    finally:
        store.close()
