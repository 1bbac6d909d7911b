"""Data kept in the browser: undo an import at /imports, grade a source at /sources, change and
delete a record from its page; each in the audit trail and the place's history, each refused to
a role the command line's rules do not allow it, and refused without the session's CSRF token."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from accounts_support import changes_of, csrf, sign_in, url_of, web
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lagebild.analysis.place import find, subtree_ids
from lagebild.analysis.tree import PlaceTree
from lagebild.cli import main
from lagebild.ingest import ImportOptions, import_file
from lagebild.store import Store
from lagebild.store import schema as t
from lagebild.store.access import access_changes
from lagebild.store.audit import history
from lagebild.store.imports import all_imports
from lagebild.store.places import all_places
from lagebild.web import WebConfig, create_app

EXTRA_4W = (
    "#adm4+code,#sector,#reached+ind,#date+end,#org+impl\n"
    "C2450,Food,30000,2017-02-27,SARC\n"
    "C3905,Health,5000,2017-02-26,SARC\n"
)
EXTRA_PIN = "#adm4+code,#inneed,#date,#meta+source\nC1007,2000000,2017-02-20,Rumour\n"
AS_OF = "2017-02-28"


def cli(db: str, *args: str) -> str:
    result = CliRunner().invoke(main, ["--db", db, *args])
    assert result.exit_code == 0, result.output
    return result.output


def numbers(client: TestClient) -> dict[str, object]:
    """Every number the API gives: situation by governorate, gaps by community and sub-district."""
    out: dict[str, object] = {}
    for path, level in (("situation", "adm1"), ("gaps", "adm4"), ("gaps", "adm3")):
        response = client.get(f"/api/{path}?as_of={AS_OF}&level={level}")
        assert response.status_code == 200, response.text
        out[f"{path}-{level}"] = response.json()
    return out


def open_client(store: Store) -> TestClient:
    """The open laptop's app (no accounts): its user may do everything."""
    return TestClient(create_app(WebConfig(db=url_of(store))), follow_redirects=False)


# -- undo from /imports --------------------------------------------------------------------------


def test_undo_from_the_imports_page_returns_every_number_to_what_it_was(
    demo_store: Store, tmp_path: Path
) -> None:
    db = url_of(demo_store)
    client = open_client(demo_store)
    before = numbers(client)
    cli_before = cli(db, "gaps", "--as-of", AS_OF, "--level", "adm4", "--format", "json")
    for name, text in (("extra_4w.csv", EXTRA_4W), ("pin.csv", EXTRA_PIN)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        cli(db, "import", str(tmp_path / name))
    assert numbers(client) != before
    listed = client.get("/api/imports").json()["items"]
    assert [i["file_name"] for i in listed[:2]] == ["pin.csv", "extra_4w.csv"]  # newest first
    for item in listed[:2]:
        page = client.get("/imports")
        assert f'href="/imports/{item["id"]}/undo"' in page.text
        asked = client.get(f"/imports/{item['id']}/undo")
        assert asked.status_code == 200 and item["file_name"] in asked.text
        assert f'action="/imports/{item["id"]}/undo"' in asked.text
        response = client.post(f"/imports/{item['id']}/undo", data={"why": "test file, not data"})
        assert response.status_code == 303, response.text
        assert response.headers["location"] == f"/imports?done=undone&import={item['id']}"
    assert numbers(client) == before
    # the command line, reading the same database, agrees
    assert cli(db, "gaps", "--as-of", AS_OF, "--level", "adm4", "--format", "json") == cli_before
    statuses = {r.file_name: r.status for r in all_imports(demo_store)}
    assert statuses["pin.csv"] == statuses["extra_4w.csv"] == "undone"
    undos = [c for c in changes_of(demo_store, "undo") if c.record_kind == "import"]
    assert {c.record_id for c in undos} == {i["id"] for i in listed[:2]}
    assert {c.why for c in undos} == {"test file, not data"}
    page = client.get("/imports?done=undone")
    assert 'id="done"' in page.text and "test file, not data" in page.text
    newest = listed[0]["id"]
    row = re.search(rf"<tr data-import=\"{newest}\" class=\"undone\">(.*?)</tr>", page.text, re.S)
    assert row and "Undo…" not in row.group(1)
    csv = client.get("/api/imports?format=csv").text.splitlines()
    assert csv[0].startswith("Import,File,Kind,Rows")
    assert len(csv) == 1 + len(all_imports(demo_store))


def test_undo_asks_for_a_reason_and_refuses_twice_and_a_gazetteer(demo_store: Store) -> None:
    client = open_client(demo_store)
    imports = all_imports(demo_store)
    figures = next(r for r in imports if r.kind == "figures")
    gazetteer = next(r for r in imports if r.kind == "places")
    no_reason = client.post(f"/imports/{figures.id}/undo", data={"why": "  "})
    assert no_reason.status_code == 422 and 'data-error="why"' in no_reason.text
    assert next(r for r in all_imports(demo_store) if r.id == figures.id).status == "committed"
    assert client.post(f"/imports/{figures.id}/undo", data={"why": "x"}).status_code == 303
    again = client.post(f"/imports/{figures.id}/undo", data={"why": "x"})
    assert again.status_code == 409 and 'data-error="undone"' in again.text
    places = client.post(f"/imports/{gazetteer.id}/undo", data={"why": "x"})
    assert places.status_code == 403  # nobody may undo a gazetteer (policy.may_undo)
    assert client.post("/imports/99999/undo", data={"why": "x"}).status_code == 404
    assert f'href="/imports/{gazetteer.id}/undo"' not in client.get("/imports").text
    assert client.get(f"/imports/{gazetteer.id}/undo").status_code == 403
    assert client.get(f"/imports/{figures.id}/undo").status_code == 409  # undone already


# -- grading at /sources --------------------------------------------------------------------------


def register(db: str) -> dict[str, dict[str, object]]:
    rows = json.loads(cli(db, "sources", "--format", "json"))["sources"]
    return {r["source"]: r for r in rows}


def test_grading_on_the_sources_page_changes_the_grade_the_command_line_gives(
    demo_store: Store,
) -> None:
    db = url_of(demo_store)
    client = open_client(demo_store)
    name, row = next((n, r) for n, r in register(db).items() if n != "unsourced")
    page = client.get("/sources")
    assert page.status_code == 200 and f">{row['grade']}<" in page.text
    link = re.search(rf'<tr data-source="{re.escape(name)}".*?href="(/sources/\d+/grade)"',
                     page.text, re.S)
    assert link, "no Grade link beside the source"
    form = client.get(link.group(1))
    assert form.status_code == 200 and 'action="/sources/grade"' in form.text
    assert f'name="name" value="{name}"' in form.text
    wanted = "E5" if row["grade"] != "E5" else "B2"
    response = client.post(
        "/sources/grade",
        data={"name": name, "reliability": wanted[0], "credibility": wanted[1],
              "kind": "media", "why": "two reports proved wrong"},
    )
    assert response.status_code == 303, response.text
    graded = register(db)[name]
    assert (graded["grade"], graded["kind"]) == (wanted, "media")
    change = history(demo_store, record_kind="source")[0]
    assert change.action == "grade" and change.why == "two reports proved wrong"
    shown = client.get(response.headers["location"])
    assert 'id="done"' in shown.text and f">{wanted}<" in shown.text


@pytest.mark.parametrize(
    ("field", "value"), [("reliability", "G"), ("credibility", "7"), ("kind", "oracle")]
)
def test_a_grade_outside_the_scale_is_refused_and_nothing_changes(
    demo_store: Store, field: str, value: str
) -> None:
    db = url_of(demo_store)
    client = open_client(demo_store)
    name = next(n for n in register(db) if n != "unsourced")
    before = register(db)
    data = {"name": name, "reliability": "A", "credibility": "1", "why": "x", field: value}
    response = client.post("/sources/grade", data=data)
    assert response.status_code == 422 and f'data-error="{field}"' in response.text
    assert register(db) == before
    unknown = client.post("/sources/grade", data={**data, field: data[field] if field != "kind"
                                                  else "", "name": "Nobody at all"})
    assert unknown.status_code in (404, 422) and register(db) == before


# -- changing and deleting a record from the place page ----------------------------------------


def figure_of(store: Store, pcode: str) -> tuple[int, float]:
    f, p = t.figures, t.places
    with store.engine.connect() as conn:
        row = conn.execute(
            select(f.c.id, f.c.value).join(p, p.c.id == f.c.place_id).where(p.c.pcode == pcode)
            .order_by(f.c.id)
        ).first()
    assert row is not None
    return int(row[0]), float(row[1])


def test_a_figure_changed_and_deleted_from_its_page_shows_in_history_and_the_trail(
    demo_store: Store,
) -> None:
    client = open_client(demo_store)
    pcode = "C2447"
    figure_id, value = figure_of(demo_store, pcode)
    place = client.get(f"/places/{pcode}")
    assert f"/records/figure/{figure_id}?back=%2Fplaces%2F{pcode}" in place.text
    form = client.get(f"/records/figure/{figure_id}?back=/places/{pcode}")
    assert form.status_code == 200 and f'value="{value:g}"' in form.text.replace(",", "")
    edited = client.post(
        f"/records/figure/{figure_id}/edit",
        data={"value": str(int(value) + 1234), "why": "the cluster's corrected count",
              "back": f"/places/{pcode}"},
    )
    assert edited.status_code == 303
    assert edited.headers["location"] == f"/places/{pcode}?done=edited"
    assert figure_of(demo_store, pcode)[1] == int(value) + 1234
    change = history(demo_store, record_kind="figure", record_id=figure_id)[0]
    assert (change.action, change.why, change.before["value"], change.after["value"]) == (
        "edit", "the cluster's corrected count", value, int(value) + 1234
    )
    assert 'id="done" data-done="edited"' in client.get(edited.headers["location"]).text
    refused = client.post(
        f"/records/figure/{figure_id}/delete", data={"delete_why": "duplicate"}
    )  # no confirmation ticked
    assert refused.status_code == 422 and 'data-error="confirm"' in refused.text
    deleted = client.post(
        f"/records/figure/{figure_id}/delete",
        data={"delete_why": "a duplicate of the OCHA figure", "confirm": "yes",
              "back": f"/places/{pcode}"},
    )
    assert deleted.status_code == 303
    assert deleted.headers["location"] == f"/places/{pcode}?done=deleted"
    gone = client.get(f"/records/figure/{figure_id}")
    assert gone.status_code == 404
    trail = client.get(f"/places/{pcode}/history")
    assert "the cluster&#39;s corrected count" in trail.text
    assert "a duplicate of the OCHA figure" in trail.text
    kinds = [c.action for c in history(demo_store, record_kind="figure", record_id=figure_id)]
    assert kinds[:2] == ["delete", "edit"]


def test_an_edit_that_does_not_fit_is_refused_naming_the_field(demo_store: Store) -> None:
    client = open_client(demo_store)
    figure_id, value = figure_of(demo_store, "C2447")
    bad = client.post(f"/records/figure/{figure_id}/edit", data={"value": "lots", "why": "x"})
    assert bad.status_code == 422 and "value=" in bad.text and "not a number" in bad.text
    unchanged = client.post(f"/records/figure/{figure_id}/edit", data={"why": "x"})
    assert unchanged.status_code == 422 and 'data-error="nothing"' in unchanged.text
    elsewhere = client.post(
        f"/records/figure/{figure_id}/edit",
        data={"value": "1", "why": "x", "back": "//evil.example/"},
    )
    assert elsewhere.headers["location"] == "/places/C2447?done=edited"  # never another site
    assert figure_of(demo_store, "C2447")[1] == 1 != value


# -- roles and CSRF ------------------------------------------------------------------------------


def delivery_of(store: Store, org: str) -> int:
    d, i, o = t.deliveries, t.imports, t.organisations
    with store.engine.connect() as conn:
        found = conn.execute(
            select(d.c.id).join(i, i.c.id == d.c.import_id)
            .join(o, o.c.id == i.c.organisation_id).where(o.c.name == org).order_by(d.c.id)
        ).scalar()
    assert found is not None
    return int(found)


def test_a_viewer_sees_no_button_and_is_refused_every_action(loaded: Store) -> None:
    delivery = delivery_of(loaded, "Org A")
    imported = next(r for r in all_imports(loaded) if r.kind == "deliveries")
    before = [(r.id, r.status) for r in all_imports(loaded)]
    with web(loaded) as client:
        sign_in(client, "viewer1")
        token = {"csrf": csrf(client)}
        sources = client.get("/sources")
        assert sources.status_code == 200 and "/grade" not in sources.text
        assert "/records/delivery/" not in client.get("/places/C1007").text
        assert 'href="/imports"' not in sources.text
        statuses = [
            client.get("/imports").status_code,
            client.get(f"/imports/{imported.id}/undo").status_code,
            client.post(f"/imports/{imported.id}/undo", data={**token, "why": "x"}).status_code,
            client.post("/sources/grade", data={**token, "name": "x", "reliability": "A",
                                                "why": "x"}).status_code,
            client.get(f"/records/delivery/{delivery}").status_code,
            client.post(f"/records/delivery/{delivery}/edit",
                        data={**token, "reached": "1", "why": "x"}).status_code,
            client.post(f"/records/delivery/{delivery}/delete",
                        data={**token, "delete_why": "x", "confirm": "yes"}).status_code,
        ]
    assert statuses == [403] * 7
    assert [(r.id, r.status) for r in all_imports(loaded)] == before
    denied = [c for c in changes_of(loaded, "denied") if c.actor == "viewer1"]
    assert len(denied) == 7


def test_a_partner_changes_and_undoes_only_its_own_organisations_data(loaded: Store) -> None:
    own, theirs = delivery_of(loaded, "Org A"), delivery_of(loaded, "Org B")
    with web(loaded) as client:
        sign_in(client, "partner_a")
        token = {"csrf": csrf(client)}
        listed = client.get("/api/imports").json()["items"]
        assert [i["organisation"] for i in listed] == ["Org A"]  # its own imports only
        assert client.get(f"/records/delivery/{theirs}").status_code == 403
        assert client.post(f"/records/delivery/{theirs}/edit",
                           data={**token, "reached": "1", "why": "x"}).status_code == 403
        other = next(r for r in all_imports(loaded) if r.file_name == "4w_b.csv")
        assert client.post(f"/imports/{other.id}/undo",
                           data={**token, "why": "x"}).status_code == 404
        assert client.get("/records/figure/1").status_code == 403  # figures: analysts'
        edited = client.post(f"/records/delivery/{own}/edit",
                             data={**token, "reached": "40", "why": "4 was a typo"})
        assert edited.status_code == 303
        mine = next(r for r in all_imports(loaded) if r.file_name == "4w_a.csv")
        undone = client.post(f"/imports/{mine.id}/undo", data={**token, "why": "sent twice"})
        assert undone.status_code == 303
    change = history(loaded, record_kind="delivery", record_id=own)[0]
    assert (change.actor, change.action, change.why) == ("partner_a", "edit", "4 was a typo")
    undo = next(c for c in changes_of(loaded, "undo") if c.record_kind == "import")
    assert (undo.actor, undo.record_id, undo.why) == ("partner_a", mine.id, "sent twice")
    statuses = {r.file_name: r.status for r in all_imports(loaded)}
    assert (statuses["4w_a.csv"], statuses["4w_b.csv"]) == ("undone", "committed")


def test_an_analyst_grades_and_the_trail_names_the_analyst(loaded: Store, tmp_path: Path) -> None:
    (tmp_path / "pin.csv").write_text(EXTRA_PIN, encoding="utf-8")
    import_file(loaded, tmp_path / "pin.csv", ImportOptions())
    with web(loaded) as client:
        sign_in(client, "analyst1")
        link = re.search(r'href="(/sources/\d+/grade)"', client.get("/sources").text)
        assert link
        page = client.get(link.group(1))
        name = re.search(r'name="name" value="([^"]+)"', page.text)
        assert name and name.group(1) == "Rumour"
        response = client.post("/sources/grade", data={
            "csrf": csrf(client), "name": name.group(1), "reliability": "C", "credibility": "3",
            "why": "checked"})
    assert response.status_code == 303
    change = history(loaded, record_kind="source")[0]
    assert (change.actor, change.action) == ("analyst1", "grade")


def test_every_form_is_refused_without_the_sessions_csrf_token(loaded: Store) -> None:
    delivery = delivery_of(loaded, "Org A")
    imported = next(r for r in all_imports(loaded) if r.kind == "deliveries")
    with web(loaded) as client:
        sign_in(client, "admin1")
        for path, data in (
            (f"/imports/{imported.id}/undo", {"why": "x"}),
            ("/sources/grade", {"name": "x", "reliability": "A", "why": "x"}),
            (f"/records/delivery/{delivery}/edit", {"reached": "1", "why": "x"}),
            (f"/records/delivery/{delivery}/delete", {"delete_why": "x", "confirm": "yes"}),
        ):
            for sent in (data, {**data, "csrf": "forged"}):
                response = client.post(path, data=sent)
                assert response.status_code == 403, path
                assert 'data-permission="csrf"' in response.text
    assert all(r.status == "committed" for r in all_imports(loaded))
    assert not changes_of(loaded, "delete") and not changes_of(loaded, "edit")


def test_a_delivery_deleted_from_the_list_page_goes_back_to_the_list_and_into_history(
    demo_store: Store,
) -> None:
    client = open_client(demo_store)
    listed = client.get("/records?kind=delivery&pcode=C2447")
    assert listed.status_code == 200
    found = re.search(r'href="/records/delivery/(\d+)\?back=([^"]+)"', listed.text)
    assert found, "no Change link on the list"
    delivery_id, back = int(found.group(1)), found.group(2)
    assert back == "%2Frecords%3Fkind%3Ddelivery%26pcode%3DC2447"
    d = t.deliveries
    with demo_store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(d)).scalar_one()
    deleted = client.post(
        f"/records/delivery/{delivery_id}/delete",
        data={"delete_why": "entered twice", "confirm": "yes",
              "back": "/records?kind=delivery&pcode=C2447"},
    )
    assert deleted.headers["location"] == "/records?kind=delivery&pcode=C2447&done=deleted"
    with demo_store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(d)).scalar_one() == total - 1
    assert f'data-record="{delivery_id}"' not in client.get(deleted.headers["location"]).text
    change = history(demo_store, record_kind="delivery", record_id=delivery_id)[0]
    assert (change.action, change.why, change.before["id"]) == ("delete", "entered twice",
                                                                delivery_id)
    place = t.places
    with demo_store.engine.connect() as conn:
        pcode = conn.execute(
            select(place.c.pcode).where(place.c.id == change.before["place_id"])
        ).scalar_one()
    assert "entered twice" in client.get(f"/places/{pcode}/history").text


@pytest.mark.parametrize("kind", ["figure", "access", "delivery"])
def test_each_list_counts_the_records_the_api_counts(demo_store: Store, kind: str) -> None:
    client = open_client(demo_store)
    api = {"figure": "figures", "access": "access", "delivery": "deliveries"}[kind]
    page = client.get(f"/records?kind={kind}&pcode=SY03")
    assert page.status_code == 200
    shown = len(re.findall(r'<tr data-record="\d+"', page.text))
    if kind == "access":  # the API lists the status in force; the page every change
        tree = PlaceTree(all_places(demo_store))
        below = set(subtree_ids(tree, find(tree, "SY03")))
        total = sum(1 for row in access_changes(demo_store) if row.place_id in below)
        assert total and shown == min(total, 100)
    else:
        total = client.get(f"/api/{api}?pcode=SY03&limit=5000&as_of=2100-01-01").json()["total"]
        assert shown == min(total, 100)
