"""Helpers of the account tests: a small database with deliveries of two organisations, accounts
of every role, and clients signed in as them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient

from lagebild.ingest import ImportOptions, import_file
from lagebild.model.audit import Change
from lagebild.security import passwords
from lagebild.store import Store, accounts
from lagebild.web import WebConfig, create_app
from lagebild.web.auth import SESSION_COOKIE, csrf_of

#: argon2 at its cheapest: hashing costs microseconds in tests (``LAGEBILD_ARGON2``).
CHEAP_ARGON2 = "1,8,1"
PASSWORD = "correct horse battery"

GAZETTEER = """\
Governorate,Gov code,District code,Sub-district code,Community,Community code
#adm1+name,#adm1+code,#adm2+code,#adm3+code,#adm4+name,#adm4+code
Aleppo,SY02,SY0200,SY020000,Aleppo,C1007
Aleppo,SY02,SY0200,SY020000,Musallamiyeh,C1003
Idleb,SY07,SY0703,SY070302,Salqin,C4140
"""

# Org A's 4W: one delivery of 4 people (below the threshold of 10), one of 120.
FOUR_W_A = """\
Org,Donor,Sector,Status,Community,People,End
#org+impl,#org+funder,#sector,#status,#adm4+code,#reached+ind,#date+end
Alpha Relief,Donor X,Food,Completed,C1007,4,2017-02-20
Alpha Relief,Donor X,Health,Completed,C4140,120,2017-02-21
"""

# Org B's 4W: one delivery of 250 people.
FOUR_W_B = """\
Org,Donor,Sector,Status,Community,People,End
#org+impl,#org+funder,#sector,#status,#adm4+code,#reached+ind,#date+end
Beta Aid,Donor Y,Food,Completed,C1003,250,2017-02-22
"""

ROLES = {
    "viewer1": ("viewer", None),
    "partner_a": ("partner", "Org A"),
    "partner_b": ("partner", "Org B"),
    "analyst1": ("analyst", None),
    "admin1": ("admin", None),
}


def load_two_organisations(store: Store, folder: Path) -> None:
    """The gazetteer, and one 4W import for each of Org A and Org B."""
    for name, text, org in (
        ("gazetteer.csv", GAZETTEER, None),
        ("4w_a.csv", FOUR_W_A, "Org A"),
        ("4w_b.csv", FOUR_W_B, "Org B"),
    ):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        import_file(store, path, ImportOptions(organisation=org))


def add_accounts(store: Store, names: dict[str, tuple[str, str | None]] = ROLES) -> None:
    hashed = passwords.hash_password(PASSWORD)
    for name, (role, org) in names.items():
        accounts.add_account(store, name, hashed, role, org)


def url_of(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


@contextmanager
def web(store: Store, **config: object) -> Iterator[TestClient]:
    """The app on this store, reached over https (the session cookie is Secure)."""
    app = create_app(WebConfig(db=url_of(store), **config))  # type: ignore[arg-type]
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client


SIGNIN_TOKEN = re.compile(r'id="signin-form">\s*<input type="hidden" name="csrf" value="([^"]+)"')


def signin_token(client: TestClient) -> str:
    """The sign-in form's token, as a browser gets it with the form (and its cookie)."""
    page = client.get("/signin")
    found = SIGNIN_TOKEN.search(page.text)
    assert found, page.text
    return found.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD, **extra: str) -> int:
    """Sign in through the form as a browser does; returns the status of the POST."""
    token = signin_token(client)
    response = client.post(
        "/signin", data={"name": name, "password": password, "csrf": token, **extra}
    )
    return response.status_code


def csrf(client: TestClient) -> str:
    """The CSRF token of the client's session (what the pages put into their forms)."""
    return csrf_of(client.cookies[SESSION_COOKIE])


def changes_of(store: Store, action: str) -> list[Change]:
    from lagebild.store.audit import history

    return [c for c in history(store) if c.action == action]
