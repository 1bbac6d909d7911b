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
from accounts_support import add_accounts, csrf, load_two_organisations, sign_in, web
from fastapi.testclient import TestClient

from lagebild import analysis
from lagebild.ingest import ImportOptions, import_file
from lagebild.security.passwords import secret_hash
from lagebild.store import Store, accounts
from lagebild.web import WebConfig, create_app
from lagebild.web.context import CSRF_STAND_IN, NAME_STAND_IN, Context

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
    before = client.get("/api/gaps", params=GAPS).content
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
    assert len(answers) == 12
    assert ctx.computed - computed == 2  # the gaps and their encoded answer, once each
    # Each answer is the new one, or the one before for a request that came while it was
    # computed; what is kept now is the new one.
    now = client.get("/api/gaps", params=GAPS).content
    assert set(answers) <= {now, before} and now in answers
    assert answers.count(before) == ctx.served_before
    reached = {p["pcode"]: p["reached"] for p in json.loads(now)["places"]}
    assert reached == reached_by_place(loaded)
    assert now != before


def test_a_request_while_the_new_result_is_computed_gets_the_one_before(
    client: TestClient, loaded: Store, tmp_path: Path
) -> None:
    ctx = context_of(client)
    assert ctx.cached(("slow",), lambda: "old") == "old"
    more = tmp_path / "more.csv"
    more.write_text(MORE, encoding="utf-8")
    import_file(loaded, more)  # a new version: "old" is of the version before
    started, release = threading.Event(), threading.Event()
    got: dict[str, object] = {}

    def compute_new() -> str:
        started.set()
        release.wait(10)
        return "new"

    def first() -> None:
        got["first"] = ctx.cached(("slow",), compute_new)

    def within() -> None:  # a computation that needs it: never the one before
        got["within"] = ctx.cached(("outer",), lambda: ctx.cached(("slow",), lambda: "no"))

    computing = threading.Thread(target=first)
    computing.start()
    assert started.wait(10)
    assert ctx.cached(("slow",), lambda: "not computed twice") == "old"
    assert ctx.served_before == 1
    waiting = threading.Thread(target=within)
    waiting.start()
    time.sleep(0.3)
    assert "within" not in got  # it waits for the new one
    release.set()
    computing.join(10)
    waiting.join(10)
    assert got == {"first": "new", "within": "new"}
    assert ctx.cached(("slow",), lambda: "kept") == "new"
    assert ctx.served_before == 1


def test_a_kept_answer_costs_no_query_while_nothing_is_committed(
    client: TestClient, loaded: Store
) -> None:
    from sqlalchemy import event

    ctx = context_of(client)
    engine = ctx.store.engine
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        statements.append(statement)

    first = client.get("/api/gaps", params=GAPS)  # computed and kept
    computed = ctx.computed
    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert client.get("/api/gaps", params=GAPS).content == first.content
        assert statements == []  # nothing committed since: not even the data state is asked
        # A commit that changes no data (a failed sign-in): the state is asked again, in one
        # query, and the answer stays kept.
        accounts.add_failure(loaded, "nobody", "198.51.100.7")
        statements.clear()
        assert client.get("/api/gaps", params=GAPS).content == first.content
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(statements) == 1, statements
    assert "users" in statements[0] and "imports" in statements[0]
    assert ctx.computed == computed


def test_a_revoked_token_is_refused_at_once_though_accounts_are_kept(loaded: Store) -> None:
    add_accounts(loaded)
    accounts.add_token(loaded, "analyst1", secret_hash("token-of-analyst1"), "test")
    accounts.add_token(loaded, "admin1", secret_hash("token-of-admin1"), "test")
    analyst = {"Authorization": "Bearer token-of-analyst1"}
    admin = {"Authorization": "Bearer token-of-admin1"}
    with web(loaded) as client:
        for _ in range(2):  # the second time from what is kept
            assert client.get("/api/gaps", params=GAPS, headers=analyst).status_code == 200
            assert client.get("/api/gaps", params=GAPS, headers=admin).status_code == 200
        [token] = [t for t in accounts.tokens(loaded) if t.user == "analyst1"]
        accounts.revoke_token(loaded, token.id)
        assert client.get("/api/gaps", params=GAPS, headers=analyst).status_code == 401
        assert client.get("/api/gaps", params=GAPS, headers=admin).status_code == 200
        accounts.set_disabled(loaded, "admin1", True)
        assert client.get("/api/gaps", params=GAPS, headers=admin).status_code == 401


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


READERS = ("admin1", "analyst1", "partner_a", "partner_b", "viewer1")
PAGES = ("/places/SY02?as_of=2017-02-28", "/gaps?level=adm1", "/?as_of=2017-02-28")


def with_tokens(store: Store) -> dict[str, dict[str, str]]:
    """Every reader of ``ROLES`` (and a second analyst) with an API token: their headers."""
    add_accounts(store)
    add_accounts(store, {"analyst2": ("analyst", None), "partner_a2": ("partner", "Org A")})
    found = {}
    for name in (*READERS, "analyst2", "partner_a2"):
        accounts.add_token(store, name, secret_hash(f"token-of-{name}"), "test")
        found[name] = {"Authorization": f"Bearer token-of-{name}"}
    return found


def rendered_alone(store: Store, path: str, headers: dict[str, str]) -> str:
    """The page as a fresh server renders it for this reader, nothing kept before."""
    with web(store) as client:
        answer = client.get(path, headers=headers)
        assert answer.status_code == 200
        return answer.text


@pytest.mark.parametrize("path", PAGES)
def test_a_kept_page_shows_each_reader_only_what_their_role_may_see(
    loaded: Store, path: str
) -> None:
    bearer = with_tokens(loaded)
    alone = {name: rendered_alone(loaded, path, bearer[name]) for name in READERS}
    with web(loaded) as client:
        ctx = context_of(client)
        # Every order: the admin's page kept first, then the partners' (and back).
        for name in (*READERS, *reversed(READERS)):
            answer = client.get(path, headers=bearer[name])
            assert answer.status_code == 200
            assert answer.text == alone[name], name
            assert int(answer.headers["content-length"]) == len(answer.content)
        computed = ctx.computed
        for name in READERS:
            client.get(path, headers=bearer[name])
        assert ctx.computed == computed  # each reader's page was kept
    if path.startswith("/places/"):
        # What the test guards against: partner B never sees Org A's delivery in full.
        assert "Alpha Relief" in alone["admin1"] and "Alpha Relief" in alone["partner_a"]
        assert "Alpha Relief" not in alone["partner_b"]
        assert "Beta Aid" not in alone["partner_a"] and "Beta Aid" in alone["partner_b"]
        assert "Alpha Relief" not in alone["viewer1"] and "Beta Aid" not in alone["viewer1"]


def test_readers_of_one_role_and_organisation_share_a_page_with_their_own_name(
    loaded: Store,
) -> None:
    bearer = with_tokens(loaded)
    path = PAGES[0]
    with web(loaded) as client:
        ctx = context_of(client)
        first = client.get(path, headers=bearer["partner_a"])
        computed = ctx.computed
        second = client.get(path, headers=bearer["partner_a2"])
        assert ctx.computed == computed  # the same organisation: the page is kept for both
        client.get(path, headers=bearer["analyst2"])
        assert ctx.computed > computed  # another role: rendered for it
    assert "<bdi>partner_a</bdi>" in first.text and "partner_a2" not in first.text
    assert "<bdi>partner_a2</bdi>" in second.text
    assert second.text.replace("partner_a2", "partner_a") == first.text
    assert NAME_STAND_IN not in first.text + second.text


def test_a_signed_in_readers_kept_page_carries_their_own_name_and_form_token(
    loaded: Store,
) -> None:
    add_accounts(loaded)
    add_accounts(loaded, {"analyst2": ("analyst", None), "a<b&c": ("analyst", None)})
    with web(loaded) as one:
        two = TestClient(one.app, base_url="https://testserver", follow_redirects=False)
        three = TestClient(one.app, base_url="https://testserver", follow_redirects=False)
        assert sign_in(one, "analyst1") == 303
        assert sign_in(two, "analyst2") == 303
        assert sign_in(three, "a<b&c") == 303
        ctx = context_of(one)
        first = one.get("/gaps?level=adm1")
        computed = ctx.computed
        second = two.get("/gaps?level=adm1")
        third = three.get("/gaps?level=adm1")
        assert ctx.computed == computed  # kept for the analysts' sessions
        tokens = csrf(one), csrf(two)
        # The form of the kept page works for the reader who got it.
        signed_out = two.post("/signout", data={"csrf": tokens[1]})
    assert "<bdi>analyst1</bdi>" in first.text and "analyst2" not in first.text
    assert "<bdi>analyst2</bdi>" in second.text and "analyst1" not in second.text
    assert "<bdi>a&lt;b&amp;c</bdi>" in third.text and "a<b&c" not in third.text
    assert f'value="{tokens[0]}"' in first.text and tokens[1] not in first.text
    assert f'value="{tokens[1]}"' in second.text and tokens[0] not in second.text
    assert CSRF_STAND_IN not in first.text + second.text + third.text
    assert signed_out.status_code == 303


def test_an_import_changes_the_kept_pages_of_signed_in_readers_as_a_fresh_server_renders_them(
    loaded: Store, tmp_path: Path
) -> None:
    bearer = with_tokens(loaded)
    path = "/places/SY07?as_of=2017-02-28"
    with web(loaded) as client:
        before = {name: client.get(path, headers=bearer[name]).text for name in READERS}
        more = tmp_path / "more.csv"
        more.write_text(MORE, encoding="utf-8")
        import_file(loaded, more)
        after = {name: client.get(path, headers=bearer[name]).text for name in READERS}
    for name in READERS:
        assert after[name] != before[name], name
        assert after[name] == rendered_alone(loaded, path, bearer[name]), name


def test_concurrent_readers_after_an_import_render_their_page_once(
    loaded: Store, tmp_path: Path
) -> None:
    bearer = with_tokens(loaded)
    path = "/places/SY07?as_of=2017-02-28"
    more = tmp_path / "more.csv"
    more.write_text(MORE, encoding="utf-8")
    with web(loaded) as client:
        ctx = context_of(client)
        client.get(path, headers=bearer["partner_a"])
        import_file(loaded, more)
        # What one reader alone costs after the import ...
        computed = ctx.computed
        alone = client.get(path, headers=bearer["partner_a"]).text
        once = ctx.computed - computed
        again = tmp_path / "again.csv"
        again.write_text(MORE.replace(",700,", ",800,"), encoding="utf-8")
        import_file(loaded, again, ImportOptions(organisation="Org C"))
        # ... and twenty of the same organisation at once, right after the next import.
        computed = ctx.computed
        answers: list[str] = []
        start = threading.Barrier(20)

        def ask(name: str) -> None:
            start.wait()
            answers.append(client.get(path, headers=bearer[name]).text)

        threads = [
            threading.Thread(target=ask, args=("partner_a" if n % 2 else "partner_a2",))
            for n in range(20)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert ctx.computed - computed == once
        served_before = ctx.served_before
    assert len(answers) == 20 and once > 0
    fresh = rendered_alone(loaded, path, bearer["partner_a"])
    assert fresh != alone  # the second import counted
    # The new page, or for those who came while it was rendered, the page of just before.
    seen = [a.replace("partner_a2", "partner_a") for a in answers]
    assert set(seen) <= {fresh, alone} and fresh in seen
    assert seen.count(alone) <= served_before
