"""Roles scoped to organisations (issue 6, point 2): what each role may do, whose imports are
whose, that a partner never sees or changes another organisation's records (pages, API, search,
uploads), that denials are 403 and logged, and that web changes are recorded as the user."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from accounts_support import (
    FOUR_W_A,
    changes_of,
    csrf,
    sign_in,
    url_of,
    web,
)
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from lagebild.cli import main
from lagebild.security import policy
from lagebild.store import Store
from lagebild.store import schema as t
from lagebild.store.imports import all_imports

CONFIRM = re.compile(r'action="/import/([A-Za-z0-9_-]+)/confirm"')

FIGURES = """\
Sub-district,In need,Date
#adm3+code,#inneed,#date
SY020000,1000,2017-01-01
"""

NEW_4W = FOUR_W_A.replace("2017-02-20", "2017-02-25").replace("2017-02-21", "2017-02-26")


pytestmark = pytest.mark.usefixtures("cheap_hashes")


def upload(client: TestClient, text: str, name: str = "4w.csv") -> TestClient | str:
    response = client.post(
        f"/import?csrf={csrf(client)}", files={"file": (name, text.encode(), "text/csv")}
    )
    return response  # type: ignore[return-value]


def organisation_of(store: Store, import_id: int) -> str | None:
    with store.engine.connect() as conn:
        return conn.execute(
            select(t.organisations.c.name)
            .select_from(t.imports.outerjoin(
                t.organisations, t.organisations.c.id == t.imports.c.organisation_id))
            .where(t.imports.c.id == import_id)
        ).scalar()


# -- the policy ---------------------------------------------------------------------------------


def test_each_role_has_its_permissions() -> None:
    def grants(role: str) -> set[str]:
        who = policy.Principal("x", role, 1 if role == "partner" else None, signed_in=True)
        return {p for p in policy.PERMISSIONS if policy.may(who, p)}

    assert grants("viewer") == {"view"}
    assert grants("partner") == {"view", "import", "edit"}
    assert grants("analyst") == {"view", "see_detail", "import", "edit", "grade"}
    assert grants("admin") == set(policy.PERMISSIONS)
    assert policy.permission_for("GET", "/gaps") == "view"
    assert policy.permission_for("POST", "/anything/new") == "edit"  # changes need more
    assert policy.permission_for("GET", "/api/explain") == "see_detail"


def test_only_admins_import_a_gazetteer_and_partners_only_deliveries() -> None:
    def kinds(role: str) -> set[str]:
        who = policy.Principal("x", role, 1, signed_in=True)
        all_kinds = ("places", "figures", "access", "deliveries", "incidents", "damage")
        return {k for k in all_kinds if policy.may_import(who, k)}

    assert kinds("viewer") == set()
    assert kinds("partner") == {"deliveries"}
    assert "places" not in kinds("analyst") and "figures" in kinds("analyst")
    assert "places" in kinds("admin")


# -- imports and ownership ----------------------------------------------------------------------


def test_a_partners_import_belongs_to_its_organisation_and_names_it(loaded: Store) -> None:
    with web(loaded) as client:
        assert sign_in(client, "partner_a") == 303
        checked = upload(client, NEW_4W)
        assert checked.status_code == 200, checked.text  # type: ignore[union-attr]
        token = CONFIRM.search(checked.text).group(1)  # type: ignore[union-attr]
        done = client.post(f"/import/{token}/confirm", data={"csrf": csrf(client)})
        assert done.status_code == 200, done.text
    newest = max(r.id for r in all_imports(loaded))
    assert organisation_of(loaded, newest) == "Org A"
    imported = [c for c in changes_of(loaded, "import") if c.import_id == newest]
    assert imported and {c.actor for c in imported} == {"partner_a"}


def test_import_on_the_command_line_takes_an_organisation(loaded: Store, tmp_path: Path) -> None:
    path = tmp_path / "new.csv"
    path.write_text(NEW_4W, encoding="utf-8")
    result = CliRunner().invoke(main, ["--db", url_of(loaded), "import", "--org", "Org C",
                                       str(path)])
    assert result.exit_code == 0, result.output
    assert organisation_of(loaded, max(r.id for r in all_imports(loaded))) == "Org C"


def test_a_partner_may_not_import_figures_and_is_logged(loaded: Store) -> None:
    with web(loaded) as client:
        sign_in(client, "partner_a")
        refused = upload(client, FIGURES, "figures.csv")
        assert refused.status_code == 403  # type: ignore[union-attr]
        assert 'id="denied"' in refused.text  # type: ignore[union-attr]
    denied = [c for c in changes_of(loaded, "denied") if c.actor == "partner_a"]
    assert denied and denied[0].after["what"] == "import of figures"
    assert denied[0].after["permission"] == "import"


def test_an_analyst_may_import_figures_but_not_a_gazetteer(loaded: Store) -> None:
    from accounts_support import GAZETTEER

    with web(loaded) as client:
        sign_in(client, "analyst1")
        assert upload(client, FIGURES, "f.csv").status_code == 200  # type: ignore[union-attr]
        assert upload(client, GAZETTEER, "g.csv").status_code == 403  # type: ignore[union-attr]
    with web(loaded) as client:
        sign_in(client, "admin1")
        assert upload(client, GAZETTEER, "g.csv").status_code == 200  # type: ignore[union-attr]


def test_another_accounts_upload_cannot_be_confirmed_or_cancelled(loaded: Store) -> None:
    with web(loaded) as a_client:
        # Two browsers on one server: the same app, each with its own cookies.
        b_client = TestClient(a_client.app, base_url="https://testserver", follow_redirects=False)
        sign_in(a_client, "partner_a")
        sign_in(b_client, "partner_b")
        checked = upload(a_client, NEW_4W)
        token = CONFIRM.search(checked.text).group(1)  # type: ignore[union-attr]
        before = len(all_imports(loaded))
        stolen = b_client.post(f"/import/{token}/confirm", data={"csrf": csrf(b_client)})
        assert stolen.status_code == 404 and 'data-code="unknown-token"' in stolen.text
        b_client.post(f"/import/{token}/cancel", data={"csrf": csrf(b_client)})
        assert len(all_imports(loaded)) == before
        mine = a_client.post(f"/import/{token}/confirm", data={"csrf": csrf(a_client)})
        assert mine.status_code == 200 and len(all_imports(loaded)) == before + 1


# -- what each role may reach -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "explain", "history", "importing"),
    [
        ("viewer1", 403, 403, 403),
        ("partner_a", 403, 403, 200),
        ("analyst1", 200, 200, 200),
        ("admin1", 200, 200, 200),
    ],
)
def test_pages_answer_each_role_as_the_policy_says(
    loaded: Store, name: str, explain: int, history: int, importing: int
) -> None:
    with web(loaded) as client:
        sign_in(client, name)
        assert client.get("/api/explain?pcode=SY02&indicator=reached").status_code == explain
        assert client.get("/explain?pcode=SY02&indicator=reached").status_code == explain
        assert client.get("/places/SY02/history").status_code == history
        assert client.get("/api/places/SY02/history").status_code == history
        assert client.get("/import").status_code == importing
        assert client.get("/").status_code == 200
        assert client.get("/api/gaps").status_code == 200
        nav = client.get("/places").text
        assert ('href="/import"' in nav) == (importing == 200)


def test_a_denial_is_403_json_under_api_and_in_the_audit_trail(loaded: Store) -> None:
    with web(loaded) as client:
        sign_in(client, "viewer1")
        response = client.get("/api/places/SY02/history")
    assert response.status_code == 403
    assert response.json()["permission"] == "see_detail"
    logged = changes_of(loaded, "denied")
    assert [(c.actor, c.after["path"]) for c in logged] == [
        ("viewer1", "/api/places/SY02/history")
    ]


# -- scoped reading: a partner sees its own detail, never another organisation's ----------------


def _organisations_found(client: TestClient, needle: str) -> int:
    return int(client.get(f"/api/deliveries?organisation={needle}").json()["total"])


@pytest.mark.parametrize(
    ("name", "alpha", "beta"),
    [
        ("viewer1", 0, 0),
        ("partner_a", 2, 0),
        ("partner_b", 0, 1),
        ("analyst1", 2, 1),
    ],
)
def test_a_search_by_organisation_finds_only_the_rows_in_scope(
    loaded: Store, name: str, alpha: int, beta: int
) -> None:
    with web(loaded) as client:
        sign_in(client, name)
        assert _organisations_found(client, "Alpha") == alpha
        assert _organisations_found(client, "Beta") == beta
        assert _organisations_found(client, "Donor") == alpha + beta


def test_the_place_page_shows_a_partner_only_its_own_organisations_detail(loaded: Store) -> None:
    with web(loaded) as client:
        sign_in(client, "partner_b")
        page = client.get("/places/SY02?as_of=2017-02-28").text
    assert "Beta Aid" in page and "4w_b.csv" in page
    assert "Alpha Relief" not in page and "4w_a.csv" not in page and "Donor X" not in page


def test_a_partner_never_sees_the_audit_trail_on_the_place_page(loaded: Store) -> None:
    with web(loaded) as client:
        sign_in(client, "partner_b")
        partner_page = client.get("/places/SY02").text
    with web(loaded) as client:
        sign_in(client, "analyst1")
        analyst_page = client.get("/places/SY02").text
    def changes(page: str) -> str:
        return page.split('id="place-changes"')[1].split("</ul>")[0]

    assert "<li" in changes(analyst_page) and "No changes recorded." not in changes(analyst_page)
    assert "No changes recorded." in changes(partner_page)


def test_public_mode_shows_anonymous_visitors_the_public_picture_only(loaded: Store) -> None:
    with web(loaded, public=True) as client:
        assert client.get("/").status_code == 200
        assert client.get("/gaps").status_code == 200
        assert client.get("/import").status_code == 403
        items = client.get("/api/deliveries").json()["items"]
        assert items and all("org_impl" not in i and "file_name" not in i for i in items)
    with web(loaded) as client:
        assert client.get("/").status_code == 303  # without --public: sign in first
