"""Results kept between requests: computed once per data version and key however many ask at
once, the encoded answers of /api/gaps kept too, and nothing kept past an import or an account
change."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from accounts_support import add_accounts, load_two_organisations, sign_in, web
from fastapi.testclient import TestClient

from lagebild import analysis
from lagebild.ingest import import_file
from lagebild.store import Store
from lagebild.web import WebConfig, create_app
from lagebild.web.context import Context

GAPS = {"as_of": "2017-02-28", "level": "adm1"}
MORE = """\
Org,Sector,Status,Community,People,End
#org+impl,#sector,#status,#adm4+code,#reached+ind,#date+end
Gamma,Food,Completed,C4140,700,2017-02-25
"""


@pytest.fixture
def loaded(sqlite_store: Store, tmp_path: Path) -> Store:
    load_two_organisations(sqlite_store, tmp_path)
    return sqlite_store


@pytest.fixture
def client(loaded: Store) -> Iterator[TestClient]:
    url = loaded.engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(WebConfig(db=url))) as client:
        yield client


def context_of(client: TestClient) -> Context:
    found: Context = client.app.state.lagebild  # type: ignore[attr-defined]
    return found


def reached_by_place(store: Store) -> dict[str, float | None]:
    """What /api/gaps must say, from ``analysis.gaps`` on the store itself."""
    result = analysis.gaps(store, date(2017, 2, 28), 30, 1)
    return {row.pcode: row.reached for row in result.places}


def api_gaps(client: TestClient) -> list[dict[str, object]]:
    places: list[dict[str, object]] = client.get("/api/gaps", params=GAPS).json()["places"]
    return places


def test_the_encoded_answer_is_kept_and_served_byte_for_byte(client: TestClient) -> None:
    ctx = context_of(client)
    first = client.get("/api/gaps", params=GAPS)
    computed = ctx.computed
    again = client.get("/api/gaps", params=GAPS)
    assert again.content == first.content and again.headers["content-type"] == "application/json"
    assert ctx.computed == computed  # nothing computed or encoded again
    csv = client.get("/api/gaps", params={**GAPS, "format": "csv"})
    assert csv.headers["content-disposition"] == 'attachment; filename="gaps.csv.csv"'
    assert len(csv.text.splitlines()) == 1 + len(first.json()["places"])
    assert ctx.computed == computed + 1  # the CSV is its own answer, from the same gaps


def test_an_import_replaces_the_kept_answer_with_the_new_figures(
    client: TestClient, loaded: Store, tmp_path: Path
) -> None:
    before = {p["pcode"]: p["reached"] for p in api_gaps(client)}
    assert before == reached_by_place(loaded)
    more = tmp_path / "more.csv"
    more.write_text(MORE, encoding="utf-8")
    import_file(loaded, more)
    after = {p["pcode"]: p["reached"] for p in api_gaps(client)}
    assert after == reached_by_place(loaded) and after != before
    assert after["SY07"] == 700


def test_the_public_and_an_analyst_never_get_each_others_kept_answer(loaded: Store) -> None:
    add_accounts(loaded)
    with web(loaded, public=True) as client:
        anonymous = client.get("/api/gaps", params={**GAPS, "level": "adm4"}).json()["places"]
        assert sign_in(client, "analyst1") == 303
        analyst = client.get("/api/gaps", params={**GAPS, "level": "adm4"}).json()["places"]
    small = {p["pcode"]: p for p in analyst}["C1007"]
    assert small["reached"] == 4  # the analyst sees the count of 4 ...
    hidden = {p["pcode"]: p for p in anonymous}["C1007"]
    assert hidden["reached"] is None and "reached" in hidden["suppressed"]  # ... the public not


def test_the_first_account_closes_an_open_server_at_its_next_request(
    client: TestClient, loaded: Store
) -> None:
    assert client.get("/api/gaps", params=GAPS).status_code == 200  # open: no account yet
    add_accounts(loaded, {"admin1": ("admin", None)})
    refused = client.get("/api/gaps", params=GAPS)
    assert refused.status_code == 401 and "Bearer" in refused.json()["error"]


def test_fifty_requests_for_a_missing_result_compute_it_once(client: TestClient) -> None:
    ctx = context_of(client)
    release = threading.Event()
    calls: list[int] = []
    got: list[object] = []

    def compute() -> dict[str, int]:
        calls.append(1)
        release.wait(10)
        return {"answer": 42}

    def ask() -> None:
        got.append(ctx.cached(("slow", 1), compute))

    threads = [threading.Thread(target=ask) for _ in range(50)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)  # let them all arrive while the first computes
    release.set()
    for thread in threads:
        thread.join(10)
    assert len(calls) == 1 and len(got) == 50
    assert all(value is got[0] for value in got)


def test_a_computation_that_fails_lets_the_next_request_compute(client: TestClient) -> None:
    ctx = context_of(client)

    def broken() -> object:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        ctx.cached(("fragile",), broken)
    assert ctx.cached(("fragile",), lambda: "fine") == "fine"


def test_concurrent_api_requests_after_an_import_compute_the_gaps_once(
    client: TestClient, loaded: Store, tmp_path: Path
) -> None:
    ctx = context_of(client)
    client.get("/api/gaps", params=GAPS)
    more = tmp_path / "more.csv"
    more.write_text(MORE, encoding="utf-8")
    import_file(loaded, more)
    computed = ctx.computed
    answers: list[bytes] = []

    def ask() -> None:
        answers.append(client.get("/api/gaps", params=GAPS).content)

    threads = [threading.Thread(target=ask) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(answers) == 12 and len(set(answers)) == 1
    assert ctx.computed - computed == 2  # the gaps and their encoded answer, once each
    reached = {p["pcode"]: p["reached"] for p in json.loads(answers[0])["places"]}
    assert reached == reached_by_place(loaded)


def test_a_kept_answer_costs_one_query_version_and_accounts_together(
    client: TestClient, loaded: Store
) -> None:
    from sqlalchemy import event

    engine = context_of(client).store.engine
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        statements.append(statement)

    client.get("/api/gaps", params=GAPS)  # computed and kept
    event.listen(engine, "before_cursor_execute", seen)
    try:
        client.get("/api/gaps", params=GAPS)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(statements) == 1, statements
    assert "users" in statements[0] and "imports" in statements[0]


@pytest.mark.parametrize("path", ["/", "/gaps?level=adm1", "/places/SY07?as_of=2017-02-28"])
def test_a_page_is_rendered_once_per_version_and_language(
    client: TestClient, loaded: Store, tmp_path: Path, path: str
) -> None:
    ctx = context_of(client)
    first = client.get(path)
    computed = ctx.computed
    again = client.get(path)
    assert again.status_code == 200 and again.content == first.content
    assert ctx.computed == computed  # kept: nothing rendered again
    arabic = client.get(path, headers={"Accept-Language": "ar"})
    assert 'dir="rtl"' in arabic.text and 'dir="rtl"' not in first.text
    more = tmp_path / "more.csv"
    more.write_text(MORE, encoding="utf-8")
    import_file(loaded, more)
    after = client.get(path)
    assert after.content != first.content  # the new delivery of 700 people counted
    assert path == "/" or "700" in after.text


def test_a_signed_in_readers_page_is_rendered_for_them(loaded: Store) -> None:
    add_accounts(loaded)
    with web(loaded) as client:
        assert sign_in(client, "analyst1") == 303
        ctx = context_of(client)
        first = client.get("/gaps?level=adm1")
        computed = ctx.computed
        again = client.get("/gaps?level=adm1")
    assert again.status_code == 200 and "analyst1" in again.text
    assert ctx.computed == computed  # the gaps were kept; the page itself is never kept ...
    assert first.text.count('name="csrf"') == again.text.count('name="csrf"')  # ... its forms
