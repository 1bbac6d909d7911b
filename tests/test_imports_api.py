"""``POST /api/imports`` (issue 6, point 7): the import of the page and the command line for scripts
with an API token. Every answer is tried on SQLite and PostgreSQL: 201 with the report, 422 with
every problem and nothing written, 409 for a file imported before, 413 above the upload limit
(declared or streamed), 403 for a viewer and for a kind the role may not import, and concurrent
imports of several partners over real HTTP with no row lost, none duplicated, each its
organisation's."""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from accounts_support import GAZETTEER, add_accounts, changes_of, url_of, web
from fastapi.testclient import TestClient

from lagebild.ingest import ImportOptions, import_file
from lagebild.model.listing import DeliveryFilter
from lagebild.security.passwords import secret_hash
from lagebild.store import Store, accounts, listing
from lagebild.store import store as store_module
from lagebild.store.imports import all_imports
from lagebild.store.sources import all_sources, register_source
from lagebild.store.summary import row_counts
from lagebild.web import WebConfig, create_app

HEADER = (
    "Org,Sector,Activity,Status,Community,People,End\n"
    "#org+impl,#sector,#activity,#status,#adm4+code,#reached+ind,#date+end\n"
)
FOUR_W = HEADER + (
    "Alpha Relief,Food,Food baskets,Completed,C1007,40,2017-02-20\n"
    "Alpha Relief,Health,Mobile clinic,Completed,C4140,120,2017-02-21\n"
)
BAD_4W = HEADER + (
    "Alpha Relief,Food,Food baskets,Completed,C9999,40,2017-02-20\n"
    "Alpha Relief,Health,Mobile clinic,Completed,C4140,many,2017-02-21\n"
    "Alpha Relief,Health,Mobile clinic,Completed,C1003,12,2017-02-22\n"
)
FIGURES = "Sub-district,In need,Date\n#adm3+code,#inneed,#date\nSY020000,1000,2017-01-01\n"
ACCESS = "Sub-district,Access,From\n#adm3+code,#access,#date+start\nSY070302,besieged,2017-01-05\n"
PARTNERS: dict[str, tuple[str, str | None]] = {
    "partner_c": ("partner", "Org C"),
    "partner_d": ("partner", "Org D"),
}
COMMUNITIES = ("C1007", "C1003", "C4140")


pytestmark = pytest.mark.usefixtures("cheap_hashes")


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> Store:
    """The gazetteer, accounts of every role and two more partners, each with an API token."""
    path = tmp_path / "gazetteer.csv"
    path.write_text(GAZETTEER, encoding="utf-8")
    import_file(store, path, ImportOptions())
    add_accounts(store)
    add_accounts(store, PARTNERS)
    for name in ("viewer1", "partner_a", "partner_b", "analyst1", "admin1", *PARTNERS):
        accounts.add_token(store, name, secret_hash(token_of(name)), "tests")
    return store


def token_of(name: str) -> str:
    return f"token-of-{name}"


def bearer(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_of(name)}"}


def send(
    client: TestClient | httpx.Client,
    who: str,
    text: str,
    name: str = "4w.csv",
    **fields: str,
) -> httpx.Response:
    return client.post(
        "/api/imports",
        files={"file": (name, text.encode(), "text/csv")},
        data=fields,
        headers=bearer(who),
    )


def deliveries(store: Store) -> list[dict[str, Any]]:
    return listing.deliveries(store, DeliveryFilter(), limit=5000).items


def committed(store: Store) -> int:
    return sum(1 for r in all_imports(store) if r.status == "committed")


# -- the answers --------------------------------------------------------------------------------


def test_a_partners_import_is_written_and_its_rows_belong_to_its_organisation(
    loaded: Store,
) -> None:
    with web(loaded) as client:
        done = send(client, "partner_a", FOUR_W, source="Alpha 4W", date="2017-02-28")
    assert done.status_code == 201, done.text
    report = done.json()
    assert report["kind"] == "deliveries" and report["organisation"] == "Org A"
    assert (report["rows_read"], report["rows_written"], report["rows_rejected"]) == (2, 2, 0)
    assert report["file"] == "4w.csv" and report["source"] == "Alpha 4W"
    assert len(report["sha256"]) == 64 and report["warnings"] == []
    # How the kind was recognised, and that no column was left out.
    assert report["decided_by"] == ["F #reached+ind", "A #org+impl"]
    assert report["reason"].startswith("people reached") and report["unused_columns"] == []
    rows = [r for r in deliveries(loaded) if r["import_id"] == report["import_id"]]
    assert sorted(r["reached"] for r in rows) == [40, 120]
    assert {r["organisation"] for r in rows} == {"Org A"}
    assert {r["source"] for r in rows} == {"Alpha 4W"}
    imported = [c for c in changes_of(loaded, "import") if c.import_id == report["import_id"]]
    assert imported and {c.actor for c in imported} == {"partner_a"}


def test_an_analyst_imports_figures_and_access_and_reads_the_warnings(loaded: Store) -> None:
    with web(loaded) as client:
        figures = send(client, "analyst1", FIGURES, "inneed.csv", source="HNO")
        access = send(client, "analyst1", ACCESS, "access.csv", locale="de")
    assert figures.status_code == 201, figures.text
    assert figures.json()["kind"] == "figures" and figures.json()["organisation"] is None
    assert access.status_code == 201, access.text
    warning = access.json()["warnings"]
    assert [(w["code"], w["row"]) for w in warning] == [("no-besieging-party", 3)]
    assert access.json()["warning_count"] == 1


def test_a_file_with_errors_is_422_with_every_problem_and_writes_nothing(loaded: Store) -> None:
    before = (row_counts(loaded), committed(loaded))
    with web(loaded) as client:
        refused = send(client, "partner_a", BAD_4W)
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["status"] == 422 and body["errors"] == 2, body
    by_row = {p["row"]: p for p in body["problems"]}
    assert sorted(by_row) == [3, 4]
    assert "C9999" in by_row[3]["reason"]  # no valid P-code at any level: all levels named
    assert (by_row[4]["column"].split(" ")[-1], by_row[4]["value"]) == ("#reached+ind", "many")
    assert all(p["severity"] == "error" and p["reason"] for p in body["problems"])
    assert (row_counts(loaded), committed(loaded)) == before


def test_a_file_imported_before_is_409_and_counts_once(loaded: Store) -> None:
    with web(loaded) as client:
        first = send(client, "partner_a", FOUR_W)
        again = send(client, "partner_b", FOUR_W, "same-again.csv")
    assert first.status_code == 201 and again.status_code == 409, again.text
    problem = again.json()["problems"][0]
    assert problem["code"] == "already-imported"
    assert f"import #{first.json()['import_id']}" in problem["reason"]
    assert len(deliveries(loaded)) == 2


@pytest.mark.parametrize("streamed", [False, True], ids=["declared", "streamed"])
def test_a_file_above_the_limit_is_413_and_nothing_is_kept(loaded: Store, streamed: bool) -> None:
    big = HEADER + "Alpha Relief,Food,Food baskets,Completed,C1007,40,2017-02-20\n" * 200
    multipart = httpx.Request(
        "POST", "https://testserver/api/imports", files={"file": ("big.csv", big.encode())}
    )
    body = multipart.read()
    headers = {**bearer("partner_a"), "content-type": multipart.headers["content-type"]}
    with web(loaded, max_upload_bytes=4096) as client:
        if streamed:  # no Content-Length: the body is counted as it comes

            def chunks() -> Iterator[bytes]:
                for start in range(0, len(body), 1024):
                    yield body[start : start + 1024]

            response = client.post("/api/imports", content=chunks(), headers=headers)
        else:
            response = client.post("/api/imports", content=body, headers=headers)
        uploads = client.app.state.uploads  # type: ignore[attr-defined]
        kept = list(uploads.root.iterdir()) if streamed else []
    assert response.status_code == 413, response.text
    assert response.json()["limit"] == 4096
    assert kept == [] and deliveries(loaded) == []


def test_a_viewer_is_refused_403_and_the_denial_is_logged(loaded: Store) -> None:
    with web(loaded) as client:
        refused = send(client, "viewer1", FOUR_W)
        anonymous = client.post("/api/imports", files={"file": ("4w.csv", FOUR_W.encode())})
    assert refused.status_code == 403 and refused.json()["permission"] == "import"
    assert anonymous.status_code == 401
    denied = [c for c in changes_of(loaded, "denied") if c.actor == "viewer1"]
    assert denied and denied[0].after["path"] == "/api/imports"
    assert deliveries(loaded) == []


def test_a_partner_may_not_import_figures_nor_pass_them_off_as_deliveries(loaded: Store) -> None:
    with web(loaded) as client:
        refused = send(client, "partner_a", FIGURES, "inneed.csv")
        disguised = send(client, "partner_a", FIGURES, "inneed.csv", kind="deliveries")
    assert refused.status_code == 403, refused.text
    denied = [c for c in changes_of(loaded, "denied") if c.actor == "partner_a"]
    assert denied[0].after["what"] == "import of figures"
    # Told to read it as a 4W, the import is refused: its people in need would be dropped.
    assert disguised.status_code == 422, disguised.text
    assert "#inneed" in disguised.text
    assert row_counts(loaded)["figures"] == 0


@pytest.mark.parametrize(
    ("fields", "name", "text", "column", "code"),
    [
        ({"date": "2017-02-30"}, "4w.csv", FOUR_W, "date", "invalid-field"),
        ({"locale": "xx"}, "4w.csv", FOUR_W, "locale", "invalid-field"),
        ({"kind": "rumours"}, "4w.csv", FOUR_W, "kind", "invalid-field"),
        ({"mode": "skip-invalid"}, "4w.csv", FOUR_W, "mode", "invalid-field"),
        ({}, "4w.exe", FOUR_W, "file", "extension"),
        ({}, "4w.csv", "", "file", "empty"),
        ({}, "4w.csv", "just,a,table\n1,2,3\n", None, "unreadable"),
        ({}, "4w.csv", "Name\n#meta+name\nx\n", None, "layout"),
    ],
    ids=["date", "locale", "kind", "unknown-field", "extension", "empty", "no-tags", "unknown"],
)
def test_a_form_or_file_that_cannot_be_imported_is_422(
    loaded: Store, fields: dict[str, str], name: str, text: str, column: str | None, code: str
) -> None:
    with web(loaded) as client:
        refused = send(client, "partner_a", text, name, **fields)
    assert refused.status_code == 422, refused.text
    problem = refused.json()["problems"][0]
    assert (problem["column"], problem["code"]) == (column, code)
    assert committed(loaded) == 1


def test_no_file_is_422(loaded: Store) -> None:
    with web(loaded) as client:
        refused = client.post("/api/imports", data={"source": "x"}, headers=bearer("admin1"))
    assert refused.status_code == 422
    assert refused.json()["problems"][0]["code"] == "no-file"


def test_the_endpoint_is_in_the_openapi_document(loaded: Store) -> None:
    with web(loaded) as client:
        schema = client.get("/api/openapi.json", headers=bearer("viewer1")).json()
    operation = schema["paths"]["/api/imports"]["post"]
    form = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["file"] and form["properties"]["file"]["format"] == "binary"
    assert {"source", "date", "locale"} <= set(form["properties"])
    assert {"201", "403", "409", "413", "422"} <= set(operation["responses"])


# -- several partners at once, over real HTTP ---------------------------------------------------


class Served:
    """The app served by uvicorn on a loopback port, in a thread of this process."""

    def __init__(self, store: Store) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        app = create_app(WebConfig(db=url_of(store)))
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def four_w(partner: str, number: int, rows: int) -> tuple[str, list[str]]:
    """A 4W of ``rows`` rows, each marked by a unique activity: (file text, markers)."""
    markers = [f"{partner}-{number}-{row}-{secrets.token_hex(4)}" for row in range(rows)]
    lines = [
        f"{partner},Food,{marker},Completed,{COMMUNITIES[row % 3]},{10 + row},"
        f"2017-02-{1 + row % 28:02d}"
        for row, marker in enumerate(markers)
    ]
    return HEADER + "\n".join(lines) + "\n", markers


def test_concurrent_imports_of_several_partners_lose_and_duplicate_nothing(
    loaded: Store,
) -> None:
    partners = {"partner_a": "Org A", "partner_b": "Org B"}
    partners.update({name: str(org) for name, (_, org) in PARTNERS.items()})
    per_partner, threads_each = 6, 2

    def work(partner: str, thread: int) -> list[tuple[int, list[str]]]:
        results = []
        with httpx.Client(base_url=base, timeout=120) as client:
            for number in range(per_partner):
                text, markers = four_w(partner, thread * 100 + number, 10 + 7 * number)
                done = send(
                    client,
                    partner,
                    text,
                    f"{partner}-{thread}-{number}.csv",
                    source=f"{partner} 4W",
                )  # a new source, registered concurrently
                results.append((done.status_code, markers if done.status_code == 201 else []))
        return results

    def same_file(partner: str) -> int:
        with httpx.Client(base_url=base, timeout=120) as client:
            return send(client, partner, twice, "twice.csv").status_code

    twice, twice_markers = four_w("partner_a", 999, 30)
    with Served(loaded) as base, ThreadPoolExecutor(max_workers=10) as pool:
        jobs = [pool.submit(work, p, t) for p in partners for t in range(threads_each)]
        racing = [pool.submit(same_file, p) for p in ("partner_a", "partner_b")]
        outcomes = [result for job in jobs for result in job.result()]
        race = sorted(job.result() for job in racing)

    assert [status for status, _ in outcomes] == [201] * len(partners) * threads_each * per_partner
    assert race == [201, 409]  # the same file sent twice at once is written once
    stored = deliveries(loaded)
    counted = Counter(r["activity"] for r in stored)
    sent = [m for _, markers in outcomes for m in markers] + twice_markers
    assert sorted(counted) == sorted(sent)  # none lost, none extra
    assert max(counted.values()) == 1  # none duplicated
    owner = {r["activity"]: r["organisation"] for r in stored}
    for _, markers in outcomes:
        for marker in markers:
            assert owner[marker] == partners[marker.split("-")[0]]


def test_sqlite_writers_of_one_process_take_turns_instead_of_failing_locked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Transactions that hold SQLite's write lock longer than the busy timeout, and short
    writes (an audit event) between them, from 8 threads: all wait their turn, none fails with
    "database is locked". (Without the turns, 23 of these 24 failed.)"""
    monkeypatch.setattr(store_module, "SQLITE_BUSY_TIMEOUT_MS", 20)
    store = Store.open(str(tmp_path / "turns.db"))
    store.migrate()

    def write(number: int) -> None:
        with store.writer() as writer:
            register_source(writer, f"source {number}")
            time.sleep(0.05)  # holds the write lock for longer than the busy timeout
        accounts.record_event(store, "tests", "signin", {"number": number})

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(write, range(24)))
        assert len(all_sources(store)) == 24
        assert len(changes_of(store, "signin")) == 24
    finally:
        store.close()
