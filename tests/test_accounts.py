"""Accounts and sign-in (issue 6, point 1): argon2id hashes, the command line, sessions in
HttpOnly/SameSite/Secure cookies kept hashed, CSRF on every change, API tokens, the lock-out,
and the mode: open without accounts, sign-in required with one."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from accounts_support import (
    PASSWORD,
    add_accounts,
    changes_of,
    csrf,
    load_two_organisations,
    sign_in,
    signin_token,
    url_of,
    web,
)
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from lagebild.cli import main
from lagebild.security import passwords
from lagebild.store import Store, accounts
from lagebild.store import schema as t
from lagebild.web import WebConfig, create_app
from lagebild.web.auth import SESSION_COOKIE

pytestmark = pytest.mark.usefixtures("cheap_hashes")


def cli(store: Store, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--db", url_of(store), *args], input=stdin)
    return result.exit_code, result.output


# -- accounts -----------------------------------------------------------------------------------


def test_a_password_is_kept_only_as_its_argon2id_hash(store: Store) -> None:
    code, out = cli(store, "user", "add", "ana", "--role", "analyst", "--password-stdin",
                    stdin=PASSWORD + "\n")
    assert code == 0, out
    with store.engine.connect() as conn:
        stored = conn.execute(select(t.users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert passwords.verify_password(stored, PASSWORD)
    assert not passwords.verify_password(stored, PASSWORD + "x")


def test_user_add_list_disable_and_password_on_the_command_line(store: Store) -> None:
    assert cli(store, "user", "add", "pat", "--role", "partner", "--org", "Org A",
               "--password-stdin", stdin=PASSWORD + "\n")[0] == 0
    code, out = cli(store, "user", "list")
    assert code == 0 and "pat" in out and "partner" in out and "Org A" in out
    code, out = cli(store, "user", "add", "pat", "--role", "viewer", "--password-stdin",
                    stdin=PASSWORD + "\n")
    assert code == 1 and "already an account" in out
    assert cli(store, "user", "disable", "pat")[0] == 0
    assert accounts.account(store, "pat").disabled  # type: ignore[union-attr]
    assert cli(store, "user", "password", "pat", "--password-stdin",
               stdin="another long password\n")[0] == 0
    found = accounts.account(store, "pat")
    assert found is not None and passwords.verify_password(found.password_hash,
                                                           "another long password")
    kinds = [(c.action, c.record_kind) for c in changes_of(store, "add")]
    assert ("add", "account") in kinds


def test_a_partner_needs_an_organisation_and_a_password_ten_characters_long(
    store: Store,
) -> None:
    code, out = cli(store, "user", "add", "p", "--role", "partner", "--password-stdin",
                    stdin=PASSWORD + "\n")
    assert code == 1 and "needs --org" in out
    code, out = cli(store, "user", "add", "v", "--role", "viewer", "--password-stdin",
                    stdin="short\n")
    assert code == 1 and "at least 10 characters" in out
    assert accounts.accounts(store) == []


# -- the mode -----------------------------------------------------------------------------------


def test_without_accounts_everything_is_open_and_with_one_sign_in_is_required(
    store: Store, tmp_path: Path
) -> None:
    load_two_organisations(store, tmp_path)
    with web(store) as client:
        assert client.get("/").status_code == 200
        assert client.get("/import").status_code == 200
        assert client.get("/api/deliveries").json()["total"] == 3
        add_accounts(store, {"ana": ("analyst", None)})
        page = client.get("/gaps?level=adm1")
        assert page.status_code == 303
        assert page.headers["location"] == "/signin?next=%2Fgaps%3Flevel%3Dadm1"
        api = client.get("/api/deliveries")
        assert api.status_code == 401
        assert api.headers["www-authenticate"].startswith("Bearer")
        assert client.get("/signin").status_code == 200
        assert client.get("/static/icon.svg").status_code == 200


def test_sign_in_required_holds_even_before_the_first_account(store: Store) -> None:
    with web(store, sign_in="required") as client:
        assert client.get("/").status_code == 303
        assert client.get("/api/gaps").status_code == 401


# -- sessions -----------------------------------------------------------------------------------


def test_signing_in_sets_an_httponly_samesite_secure_cookie_kept_hashed(loaded: Store) -> None:
    with web(loaded) as client:
        token = signin_token(client)
        response = client.post(
            "/signin",
            data={"name": "analyst1", "password": PASSWORD, "csrf": token, "next": "/gaps"},
        )
        assert response.status_code == 303 and response.headers["location"] == "/gaps"
        cookie = next(
            h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)
        )
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
        assert {"httponly", "secure", "samesite"} <= attributes
        assert "samesite=lax" in cookie.lower()
        secret = client.cookies[SESSION_COOKIE]
        assert len(secret) >= 40
        with loaded.engine.connect() as conn:
            kept = conn.execute(select(t.sessions.c.token_hash)).scalars().all()
        assert kept == [hashlib.sha256(secret.encode()).hexdigest()]
        assert client.get("/gaps").status_code == 200
        assert 'id="signed-in-as"' in client.get("/").text


def test_the_cookie_is_not_secure_over_plain_http_on_loopback_only(loaded: Store) -> None:
    def cookies_of(base_url: str, **config: object) -> str:
        """The cookies the sign-in page sets (the session cookie follows the same rule)."""
        app = create_app(WebConfig(db=url_of(loaded), **config))  # type: ignore[arg-type]
        with TestClient(app, base_url=base_url, follow_redirects=False) as client:
            return "; ".join(client.get("/signin").headers.get_list("set-cookie")).lower()

    assert "secure" not in cookies_of("http://127.0.0.1:8000")
    assert "secure" in cookies_of("http://lagebild.example.org")
    assert "secure" not in cookies_of("http://lagebild.example.org", secure_cookies=False)
    # On loopback the whole sign-in works over plain http, and the session is not Secure.
    app = create_app(WebConfig(db=url_of(loaded)))
    with TestClient(app, base_url="http://127.0.0.1:8000", follow_redirects=False) as client:
        token = signin_token(client)
        response = client.post(
            "/signin", data={"name": "analyst1", "password": PASSWORD, "csrf": token}
        )
        session = next(
            h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)
        )
        assert "secure" not in session.lower() and "httponly" in session.lower()


def test_signing_out_ends_the_session(loaded: Store) -> None:
    with web(loaded) as client:
        assert sign_in(client, "analyst1") == 303
        secret = client.cookies[SESSION_COOKIE]
        assert client.post("/signout", data={"csrf": csrf(client)}).status_code == 303
        client.cookies.set(SESSION_COOKIE, secret)
        assert client.get("/").status_code == 303  # the old cookie opens nothing
    assert [c.actor for c in changes_of(loaded, "signout")] == ["analyst1"]


def test_an_expired_session_opens_nothing(loaded: Store) -> None:
    with web(loaded) as client:
        sign_in(client, "analyst1")
        assert client.get("/").status_code == 200
        with loaded.engine.begin() as conn:
            conn.execute(update(t.sessions).values(expires_at=datetime.now() - timedelta(hours=1)))
        assert client.get("/").status_code == 303


def test_a_disabled_account_loses_its_session(loaded: Store) -> None:
    with web(loaded) as client:
        sign_in(client, "analyst1")
        accounts.set_disabled(loaded, "analyst1")
        assert client.get("/").status_code == 303
        assert sign_in(client, "analyst1") == 401


def test_after_signing_in_it_goes_to_a_path_of_this_site_only(loaded: Store) -> None:
    with web(loaded) as client:
        for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
            token = signin_token(client)
            response = client.post(
                "/signin",
                data={"name": "viewer1", "password": PASSWORD, "csrf": token, "next": target},
            )
            assert response.headers["location"] == "/"


# -- CSRF ---------------------------------------------------------------------------------------


def test_a_change_without_the_sessions_csrf_token_is_refused(loaded: Store) -> None:
    with web(loaded) as client:
        sign_in(client, "analyst1")
        assert client.post("/import/" + "x" * 32 + "/cancel").status_code == 403
        assert client.post("/import/" + "x" * 32 + "/cancel",
                           data={"csrf": "0" * 64}).status_code == 403
        assert client.post("/signout").status_code == 403
        ok = client.post("/import/" + "x" * 32 + "/cancel", data={"csrf": csrf(client)})
        assert ok.status_code == 303
        header = client.post("/import/" + "x" * 32 + "/cancel",
                             headers={"X-CSRF-Token": csrf(client)})
        assert header.status_code == 303
    refused = [c.after for c in changes_of(loaded, "denied")]
    assert any(r["permission"] == "csrf" for r in refused)


def test_the_import_upload_form_carries_its_token_in_the_action(loaded: Store) -> None:
    with web(loaded) as client:
        sign_in(client, "analyst1")
        form = client.get("/import").text
        assert f'action="/import?csrf={csrf(client)}"' in form
        files = {"file": ("4w.csv", b"a,b\n#org+impl,#sector\nX,Food\n", "text/csv")}
        assert client.post("/import", files=files).status_code == 403
        assert client.post(f"/import?csrf={csrf(client)}", files=files).status_code == 200


def test_a_change_from_another_site_is_refused_even_without_accounts(store: Store) -> None:
    with web(store) as client:
        cross = client.post("/import/" + "x" * 32 + "/cancel",
                            headers={"Origin": "https://evil.example"})
        assert cross.status_code == 403
        fetch = client.post("/import/" + "x" * 32 + "/cancel",
                            headers={"Sec-Fetch-Site": "cross-site"})
        assert fetch.status_code == 403
        same = client.post("/import/" + "x" * 32 + "/cancel",
                           headers={"Origin": "https://testserver"})
        assert same.status_code == 303


def test_the_sign_in_form_needs_its_own_token(loaded: Store) -> None:
    with web(loaded) as client:
        response = client.post("/signin", data={"name": "admin1", "password": PASSWORD})
        assert response.status_code == 403
        assert SESSION_COOKIE not in client.cookies


# -- API tokens ---------------------------------------------------------------------------------


def test_an_api_token_is_shown_once_kept_hashed_and_stops_when_revoked(loaded: Store) -> None:
    code, out = cli(loaded, "token", "create", "analyst1", "--label", "nightly export")
    assert code == 0, out
    secret = out.strip().splitlines()[-1]
    with loaded.engine.connect() as conn:
        kept = conn.execute(select(t.api_tokens.c.token_hash)).scalar_one()
    assert kept == hashlib.sha256(secret.encode()).hexdigest()
    code, listed = cli(loaded, "token", "list")
    assert "nightly export" in listed and secret not in listed
    bearer = {"Authorization": f"Bearer {secret}"}
    with web(loaded) as client:
        response = client.get("/api/deliveries", headers=bearer)
        assert response.status_code == 200 and response.json()["total"] == 3
        assert client.get("/api/deliveries",
                          headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert cli(loaded, "token", "revoke", "1")[0] == 0
        assert client.get("/api/deliveries", headers=bearer).status_code == 401
    assert cli(loaded, "token", "revoke", "1")[0] == 1


def test_a_token_needs_no_csrf_but_keeps_its_accounts_role(loaded: Store) -> None:
    _, out = cli(loaded, "token", "create", "viewer1")
    bearer = {"Authorization": f"Bearer {out.strip().splitlines()[-1]}"}
    with web(loaded) as client:
        explain = client.get("/api/explain?pcode=SY02&indicator=reached", headers=bearer)
        assert explain.status_code == 403
        assert explain.json()["permission"] == "see_detail"


# -- the lock-out -------------------------------------------------------------------------------


def test_five_failed_sign_ins_lock_the_account_out_for_a_while(loaded: Store) -> None:
    with web(loaded) as client:
        for _ in range(4):
            assert sign_in(client, "analyst1", "wrong password!") == 401
        assert sign_in(client, "analyst1", "wrong password!") == 429
        # Now even the right password is refused, with a clear message.
        token = signin_token(client)
        locked = client.post(
            "/signin", data={"name": "analyst1", "password": PASSWORD, "csrf": token}
        )
        assert locked.status_code == 429
        assert "Too many failed sign-ins" in locked.text and 'data-code="locked"' in locked.text
        assert SESSION_COOKIE not in client.cookies
        # Another account from another address is not locked.
        assert sign_in(client, "viewer1") == 303
        # Once the failures are older than the window, the account opens again.
        with loaded.engine.begin() as conn:
            conn.execute(
                update(t.signin_failures).values(at=datetime.now() - timedelta(minutes=16))
            )
        assert sign_in(client, "analyst1") == 303
    assert len(changes_of(loaded, "signin_failed")) == 5
    assert {c.actor for c in changes_of(loaded, "locked")} == {"analyst1"}
    assert {c.actor for c in changes_of(loaded, "signin")} == {"viewer1", "analyst1"}


def test_one_address_failing_on_many_accounts_is_locked_out(loaded: Store) -> None:
    with web(loaded, lockout_client_attempts=3) as client:
        for name in ("nobody", "admin1", "somebody"):
            sign_in(client, name, "wrong password!")
        assert sign_in(client, "partner_a") == 429
        assert accounts.failures_since(
            loaded, datetime.now() - timedelta(minutes=1), client="testclient"
        )[0] == 3


@pytest.fixture
def two_sessions(loaded: Store) -> Iterator[tuple[TestClient, TestClient]]:
    with web(loaded) as first, web(loaded) as second:
        yield first, second


def test_a_new_password_ends_the_accounts_sessions(
    loaded: Store, two_sessions: tuple[TestClient, TestClient]
) -> None:
    first, second = two_sessions
    sign_in(first, "partner_a")
    sign_in(second, "partner_a")
    accounts.set_password_hash(loaded, "partner_a", passwords.hash_password("a new password!"))
    assert first.get("/").status_code == 303
    assert second.get("/").status_code == 303
    assert sign_in(first, "partner_a", "a new password!") == 303
