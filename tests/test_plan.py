"""``lagebild plan`` on a database (docs/plan.md): the instance it builds from the planning
inputs, access and convoys; the plan solved again from its JSON; the greedy plan beside it;
scenarios saved and compared."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lagebild.cli import main
from lagebild.ingest import ImportOptions, import_file
from lagebild.store import Store

FILES = {
    "places.csv": """\
#country+code,#adm1+code,#adm4+code,#adm4+name,#geo+lat,#geo+lon
SY,SY01,C1001,Damascus,33.51,36.29
SY,SY03,C2450,Madaya,33.69,36.10
SY,SY03,C2499,Madamiyet Elsham,33.46,36.19
SY,SY03,C2304,Jaramana,33.49,36.35
""",
    "need.csv": """\
#adm4+code,#inneed,#date
C2450,30000,2017-01-01
C2499,28000,2017-01-01
C2304,30000,2017-01-01
""",
    "access.csv": """\
#adm4+code,#access,#group+besieging,#date+start
C2450,besieged,Government of Syria and allies,2015-07-01
C2499,hard to reach,,2016-10-19
C2304,accessible,,2013-01-01
""",
    "convoys.csv": """\
#convoy+code,#adm4+code,#date+requested,#convoy+trucks,#convoy+status,#date+decided,#convoy+trucks+approved
MADAYA-1,C2450,2017-02-10,20,approved,2017-02-20,10
""",
    "warehouses.csv": """\
#loc+warehouse+name,#adm4+code,#capacity+trucks+week
Damascus hub,C1001,20
""",
    "items.csv": """\
#item+name,#sector,#indicator+people+week,#indicator+units+truck
Food ration,food,20,100
""",
    "stock.csv": """\
#loc+warehouse+name,#item+name,#value+units,#date
Damascus hub,Food ration,2000,2017-02-28
""",
}


@pytest.fixture
def planned(store: Store, tmp_path: Path) -> Store:
    for name, text in FILES.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        import_file(store, path, ImportOptions(source="test"))
    return store


def plan(db_url: str, *args: str) -> dict:  # type: ignore[type-arg]
    out = CliRunner().invoke(main, ["--db", db_url, "plan", "--as-of", "2017-02-28",
                                    "--weeks", "2", *args, "--format", "json"])  # fmt: skip
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_the_instance_takes_access_from_the_data_and_the_plan_solves_again(
    planned: Store, db_url: str, tmp_path: Path
) -> None:
    data = plan(db_url)
    places = {p["pcode"]: p for p in data["instance"]["places"]}
    # Madaya is besieged: the approved convoy's 10 trucks in week 1, nothing in week 2.
    assert places["C2450"]["cap"] == [10, 0] and places["C2450"]["cap_kind"] == "convoys"
    # Madamiyet Elsham is hard to reach without a place limit: the default of 2 a week.
    assert places["C2499"]["cap"] == [2, 2] and places["C2499"]["cap_kind"] == "hard_to_reach"
    assert places["C2304"]["cap"] == [None, None]
    assert places["C2450"]["need"] == {"food": 30000}
    # 2,000 rations feed 40,000 for a week; 20 trucks a week carry 2,000 a week.
    shipped = sum(s["units"] for s in data["shipments"])
    assert shipped == pytest.approx(2000)
    assert data["objective"] >= data["greedy_objective"] - 1e-6
    for s in data["shipments"]:
        assert s["trucks"] == pytest.approx(s["units"] / 100)
    into_madaya = sum(s["trucks"] for s in data["shipments"] if s["pcode"] == "C2450")
    assert into_madaya <= 10 + 1e-6
    saved = tmp_path / "plan.json"
    saved.write_text(json.dumps(data), encoding="utf-8")
    again = CliRunner().invoke(main, ["--db", db_url, "plan", "--instance", str(saved),
                                      "--format", "json"])  # fmt: skip
    assert json.loads(again.output)["objective"] == pytest.approx(data["objective"])
    hxl = CliRunner().invoke(main, ["--db", db_url, "plan", "--as-of", "2017-02-28",
                                    "--format", "hxl"])  # fmt: skip
    rows = list(csv.reader(io.StringIO(hxl.output)))
    assert rows[1] == ["#date+week", "#loc+warehouse+name", "#loc+code", "#loc+name",
                       "#item+name", "#value+units", "#convoy+trucks"]  # fmt: skip


def test_a_denied_convoy_leaves_the_besieged_town_without_aid_and_the_scenarios_compare(
    planned: Store, db_url: str
) -> None:
    plan(db_url, "--save", "as approved")
    denied = plan(db_url, "--deny-convoy", "MADAYA-1", "--save", "Madaya denied")
    madaya = next(p for p in denied["places"] if p["pcode"] == "C2450")
    assert madaya["covered"] == 0 and madaya["why_code"] == "no_trucks"
    assert madaya["cap_kind"] == "no_convoy"
    assert denied["scenario"]["denied_convoys"] == ["MADAYA-1"]
    out = CliRunner().invoke(main, ["--db", db_url, "plans", "compare", "as approved",
                                    "Madaya denied", "--format", "json"])  # fmt: skip
    compared = json.loads(out.output)
    besieged = next(r for r in compared["by_access"] if r["access"] == "besieged")
    assert besieged["first"] > 0 and besieged["second"] == 0
    refused = CliRunner().invoke(main, ["--db", db_url, "plan", "--as-of", "2017-02-28",
                                        "--deny-convoy", "NOPE"])  # fmt: skip
    assert refused.exit_code == 1 and "no convoy 'NOPE'" in refused.output


def test_the_table_says_what_limits_the_plan(planned: Store, db_url: str) -> None:
    out = CliRunner().invoke(main, ["--db", db_url, "plan", "--as-of", "2017-02-28",
                                    "--weeks", "2"])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "Priority-weighted people covered" in out.output
    assert "People covered a week by access, summed over sectors" in out.output
    assert "a person in need of food and of water counts twice" in out.output
    assert "In need, sum of sectors" in out.output and "Covered, sum of sectors" in out.output
    assert "What limits the plan" in out.output


def test_without_planning_inputs_the_plan_is_refused_saying_what_to_import(
    store: Store, db_url: str
) -> None:
    out = CliRunner().invoke(main, ["--db", db_url, "plan", "--as-of", "2017-02-28"])
    assert out.exit_code == 1
    assert "no warehouses or no items: import the planning inputs first" in out.output


def test_the_plan_page_shows_the_plan_on_a_map_and_the_api_gives_the_command_line_s(
    planned: Store, db_url: str
) -> None:
    from fastapi.testclient import TestClient

    from lagebild.web import WebConfig, create_app

    cli = plan(db_url)
    plan(db_url, "--deny-convoy", "MADAYA-1", "--save", "denied")
    plan(db_url, "--save", "approved")
    with TestClient(create_app(WebConfig(db=db_url))) as client:
        api = client.get("/api/plan?as_of=2017-02-28&weeks=2").json()
        page = client.get("/plan?as_of=2017-02-28&weeks=2&first=approved&second=denied").text
        arabic = client.get("/plan?as_of=2017-02-28&weeks=2&lang=ar").text
    assert api["objective"] == pytest.approx(cli["objective"])
    assert 'id="plan-summary"' in page and '<svg class="svg-map"' in page
    assert page.count("<rect class=\"warehouse\"") == 1
    assert 'id="plan-comparison"' in page and 'data-pcode="C2450"' in page
    assert "خطة التسليم" in arabic and "ما الذي يحدّ من الخطة" in arabic


def test_the_plan_page_without_inputs_says_what_to_import(store: Store, db_url: str) -> None:
    from fastapi.testclient import TestClient

    from lagebild.web import WebConfig, create_app

    with TestClient(create_app(WebConfig(db=db_url))) as client:
        page = client.get("/plan?as_of=2017-02-28")
        api = client.get("/api/plan?as_of=2017-02-28")
    assert page.status_code == 200 and 'id="plan-refused"' in page.text
    assert api.status_code == 422 and "import the planning inputs" in api.json()["detail"]


def test_the_points_and_routes_of_the_instance_are_those_of_a_scan_over_every_place(
    demo_store: Store,
) -> None:
    """The instance indexes the places below each place once; the scan over every place that
    it replaces, written out here, gives the same coordinates and the same routes' places."""
    from datetime import date

    from lagebild.analysis.plan_instance import instance_from_store
    from lagebild.analysis.tree import PlaceTree
    from lagebild.store.places import all_places
    from lagebild.store.plan import routes

    tree = PlaceTree(all_places(demo_store))

    def below(place_id: int) -> list:  # type: ignore[type-arg]
        return [q for q in tree.places.values() if place_id in {a.id for a in tree.chain(q.id)}]

    stored = routes(demo_store)
    for level in (2, 4):
        instance = instance_from_store(demo_store, date(2017, 2, 28), 2, level)
        averaged = 0
        for p in instance.places:
            place = tree.get(p.pcode)
            assert place is not None
            if place.lat is not None and place.lon is not None:
                assert (p.lat, p.lon) == (place.lat, place.lon)
                continue
            located = [q for q in below(place.id) if q.lat is not None and q.lon is not None]
            averaged += 1
            assert p.lat == sum(q.lat for q in located) / len(located)
            assert p.lon == sum(q.lon for q in located) / len(located)
        assert averaged > 0 or level == 4
        planned = {p.pcode for p in instance.places}
        assert [r.name for r in instance.routes] == [r.name for r in stored]
        for got, route in zip(instance.routes, stored, strict=True):
            assert list(got.pcodes) == sorted(q.pcode for q in below(route.place_id)
                                              if q.pcode in planned)  # fmt: skip
        assert any(r.pcodes for r in instance.routes)


def test_the_api_and_the_map_layer_take_the_scenario_of_the_command_line(
    planned: Store, db_url: str
) -> None:
    from fastapi.testclient import TestClient

    from lagebild.web import WebConfig, create_app

    cli = plan(db_url, "--deny-convoy", "MADAYA-1", "--warehouse-trucks", "Damascus hub=5")
    query = "as_of=2017-02-28&weeks=2&deny_convoy=MADAYA-1&warehouse=Damascus+hub&trucks=5"
    with TestClient(create_app(WebConfig(db=db_url))) as client:
        api = client.get(f"/api/plan?{query}").json()
        layer = client.get(f"/api/map/plan?{query}")
        unknown = client.get("/api/plan?as_of=2017-02-28&deny_convoy=NO-SUCH")
        refused = client.get("/plan?as_of=2017-02-28&deny_convoy=NO-SUCH").text
        bad = client.get("/api/plan?as_of=2017-02-28&warehouse=Damascus+hub&trucks=-1")
        page = client.get(f"/plan?{query}").text
        plain = client.get("/map?as_of=2017-02-28&weeks=2&level=adm4").text
    assert api["objective"] == pytest.approx(cli["objective"])
    assert api["scenario"] == cli["scenario"] == {
        "denied_convoys": ["MADAYA-1"], "closed_routes": [],
        "warehouse_trucks": {"Damascus hub": 5.0}}  # fmt: skip
    assert layer.headers["content-type"].startswith("application/geo+json")
    features = layer.json()["features"]
    pairs = {(s["warehouse"], s["pcode"]) for s in cli["shipments"]}
    lines = [f for f in features if f["properties"]["kind"] == "shipment"]
    assert layer.json()["pairs"] == len(lines) == len(pairs) > 0
    for line in lines:
        p = line["properties"]
        assert p["trucks"] == pytest.approx(sum(
            s["trucks"] for s in cli["shipments"]
            if (s["warehouse"], s["pcode"]) == (p["warehouse"], p["pcode"])))
        assert line["geometry"]["coordinates"][0] == [36.29, 33.51]  # from Damascus hub
    madaya = next(f for f in features if f["properties"].get("pcode") == "C2450"
                  and f["properties"]["kind"] == "place")  # fmt: skip
    assert madaya["properties"]["covered"] == 0 and madaya["properties"]["share"] == 0
    assert unknown.status_code == 422 and "NO-SUCH" in unknown.json()["detail"]
    assert 'id="plan-scenario-refused"' in refused and "NO-SUCH" in refused
    assert bad.status_code == 422 and bad.json()["code"] == "scenario"
    # The page keeps the scenario in its form, its save form and its link to the map.
    assert 'value="MADAYA-1" checked' in page
    assert "/map?level=adm4&amp;as_of=2017-02-28&amp;weeks=2&amp;deny_convoy=MADAYA-1" in page
    assert "/api/map/plan?as_of=2017-02-28&amp;weeks=2&amp;level=adm4" in plain.replace(
        "\\u0026", "&amp;")


def test_saving_a_plan_on_the_page_needs_an_analyst_and_the_session_s_token(
    planned: Store, tmp_path: Path, cheap_hashes: None
) -> None:
    from accounts_support import add_accounts, csrf, sign_in, url_of, web

    from lagebild.store.plans import saved_plan

    add_accounts(planned)
    form = {"as_of": "2017-02-28", "weeks": "2", "level": "adm4", "name": "Madaya denied",
            "note": "the convoy denied", "deny_convoy": "MADAYA-1"}  # fmt: skip
    with web(planned) as client:
        assert sign_in(client, "partner_a") == 303
        refused = client.post("/plan/save", data={**form, "csrf": csrf(client)})
        assert refused.status_code == 403
        page = client.get("/plan?as_of=2017-02-28")
        assert page.status_code == 403
        # Nor does the map offer a partner the plan's layer.
        assert client.get("/api/map/plan?as_of=2017-02-28").status_code == 403
        seen = client.get("/map?as_of=2017-02-28")
        assert seen.status_code == 200 and "/api/map/plan" not in seen.text
    with web(planned) as client:
        assert sign_in(client, "analyst1") == 303
        without_token = client.post("/plan/save", data=form)
        assert without_token.status_code == 403 and saved_plan(planned, "Madaya denied") is None
        token = csrf(client)
        nameless = client.post("/plan/save", data={**form, "name": " ", "csrf": token})
        assert nameless.status_code == 422 and 'data-error="name"' in nameless.text
        done = client.post("/plan/save", data={**form, "csrf": token})
        assert done.status_code == 303
        assert done.headers["location"].endswith("deny_convoy=MADAYA-1&saved=Madaya+denied"
                                                 "#scenarios")  # fmt: skip
        again = client.post("/plan/save", data={**form, "csrf": token})
        assert again.status_code == 409 and 'data-error="taken"' in again.text
        replaced = client.post("/plan/save", data={**form, "replace": "yes", "csrf": token})
        assert replaced.status_code == 303
    kept = saved_plan(planned, "Madaya denied")
    assert kept is not None and kept.saved_by == "analyst1" and kept.note == "the convoy denied"
    report = json.loads(kept.report)
    assert report["scenario"]["denied_convoys"] == ["MADAYA-1"]
    cli = plan(url_of(planned), "--deny-convoy", "MADAYA-1")
    assert report["objective"] == pytest.approx(cli["objective"])


#: The query parameters of ``/api/plan`` and ``/api/map/plan`` as their OpenAPI documents them:
#: name -> (default, minimum, maximum, most items of a list, description), in order.
PLAN_PARAMETERS = {
    "as_of": (None, None, None, None, "Date of the picture, YYYY-MM-DD, from 1900-01-01 "
              "(default: the end of the data)."),
    "weeks": (4, 1, 52, None, "The weeks the plan covers."),
    "level": ("adm4", None, None, None, None),
    "deny_convoy": (None, None, None, 200,
                    "Scenario: an approved convoy denied (its code; repeat)."),
    "close_route": (None, None, None, 200,
                    "Scenario: a route closed, no truck on it (its name; repeat)."),
    "warehouse": (None, None, None, 200, "Scenario: a warehouse whose trucks a week change "
                  "(its name; repeat, in the order of trucks)."),
    "trucks": (None, None, None, 40, "Scenario: the trucks a week of the warehouse of the same "
               "position in warehouse."),
}  # fmt: skip


def test_the_plan_api_and_its_map_layer_take_the_same_documented_and_checked_parameters(
    planned: Store, db_url: str
) -> None:
    """One set of parameters for both addresses: the same OpenAPI parameters, named, defaulted
    and bounded as written above, and the same refusals naming the parameter."""
    from fastapi.testclient import TestClient

    from lagebild.web import WebConfig, create_app

    app = create_app(WebConfig(db=db_url))
    paths = app.openapi()["paths"]
    api, layer = (paths[p]["get"]["parameters"] for p in ("/api/plan", "/api/map/plan"))
    assert api == layer
    documented = {}
    for p in api:
        schema = p["schema"]
        listed = next((s for s in schema.get("anyOf", []) if s.get("type") == "array"), {})
        assert p["in"] == "query" and p["required"] is False, p
        documented[p["name"]] = (schema.get("default"), schema.get("minimum"),
                                 schema.get("maximum"), listed.get("maxItems"),
                                 p.get("description"))  # fmt: skip
    assert list(documented) == list(PLAN_PARAMETERS)
    assert documented == PLAN_PARAMETERS
    assert [e for e in paths["/api/plan"]["get"]["parameters"] if e["name"] == "level"][0][
        "schema"]["enum"] == ["country", "adm1", "adm2", "adm3", "adm4"]  # fmt: skip
    wrong = {"weeks=0": "weeks", "weeks=53": "weeks", "level=adm9": "level",
             "as_of=2017-13-01": "as_of", "&".join(["trucks=1"] * 41): "trucks",
             "&".join(["deny_convoy=X"] * 201): "deny_convoy"}  # fmt: skip
    with TestClient(app) as client:
        for query, name in wrong.items():
            answers = [client.get(f"{p}?{query}") for p in ("/api/plan", "/api/map/plan")]
            assert [a.status_code for a in answers] == [422, 422], query
            assert answers[0].json() == answers[1].json(), query
            assert [p["parameter"] for p in answers[0].json()["problems"]] == [name], query
        both = client.get("/api/map/plan?weeks=0&level=adm9&as_of=x").json()["problems"]
        assert [p["parameter"] for p in both] == ["as_of", "weeks", "level"]
        scenario = client.get("/api/map/plan?as_of=2017-02-28&warehouse=Damascus+hub&trucks=x")
        assert scenario.status_code == 422 and scenario.json()["code"] == "scenario"
