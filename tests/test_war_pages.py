"""Convoys, incidents and damage on the web (issue 5, point 6): the pages ``/convoys``,
``/incidents`` and ``/damage``, their API, the map's layers and the place page's section.

The reference for every number is the command line's JSON for the same question on the same
demo database (``lagebild convoy list/stats``, ``lagebild incidents [--list]``,
``lagebild damage [--changes]``); the sensitivity tests sign in as a viewer and as an analyst on
a small database of their own, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from accounts_support import CHEAP_ARGON2, GAZETTEER, add_accounts, changes_of, sign_in, web
from click.testing import CliRunner
from demo_support import demo_database
from fastapi.testclient import TestClient

from lagebild.cli import main
from lagebild.demo import AS_OF
from lagebild.ingest import ImportOptions, import_file
from lagebild.publish.language import Language
from lagebild.store import Store
from lagebild.web import WebConfig, create_app

LANGUAGES = ("en", "ar", "de")
PAGES = ("/convoys", "/incidents", "/damage")
ARABIC = re.compile(r"[\u0600-\u06ff]")


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield demo_database(tmp_path_factory.mktemp("war"))


@pytest.fixture(scope="module")
def client(demo_path: str) -> Iterator[TestClient]:
    with TestClient(create_app(WebConfig(db=demo_path))) as test_client:
        yield test_client


def cli(db: str, *args: str) -> Any:
    """The command line's JSON answer to the same question."""
    result = CliRunner().invoke(main, ["--db", db, *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def api(client: TestClient, url: str, **params: object) -> Any:
    response = client.get(url, params=params)
    assert response.status_code == 200, (url, response.text[:300])
    return response.json()


def page(client: TestClient, url: str, lang: str = "en", **params: object) -> str:
    """A page; ``url`` may carry a query of its own (a link taken from another page)."""
    path, _, query = url.partition("?")
    found = dict(parse_qsl(query, keep_blank_values=True))
    response = client.get(path, params={**found, **params, "lang": lang})
    assert response.status_code == 200, (url, response.text[:500])
    return response.text


def without(rows: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k not in keys} for r in rows]


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def table_cells(html: str, table_id: str, attribute: str) -> list[str]:
    """The ``attribute`` of every row of one table of a page, in order."""
    start = html.index(f'id="{table_id}"')
    body = html[start : html.index("</table>", start)]
    return re.findall(rf'<tr[^>]*{attribute}="([^"]+)"', body)


# -- the same numbers as the command line -------------------------------------------------------


def test_the_convoy_list_is_the_command_line_s(client: TestClient, demo_path: str) -> None:
    expected = cli(demo_path, "convoy", "list")["convoys"]
    got = api(client, "/api/convoys")
    assert got["total"] == len(expected) == 8
    assert without(got["convoys"], "suppressed") == expected
    besieged_c2450 = cli(demo_path, "convoy", "list", "--place", "SY03", "--status", "denied")
    filtered = api(client, "/api/convoys", pcode="sy03", status="Denied")
    assert without(filtered["convoys"], "suppressed") == besieged_c2450["convoys"]
    assert [c["code"] for c in filtered["convoys"]] == ["DEMO-2017-02-MADAYA"]
    requested = api(client, "/api/convoys", **{"from": "2017-01-01", "to": "2017-02-15"})
    assert [c["code"] for c in requested["convoys"]] == [
        c["code"] for c in expected if "2017-01-01" <= c["requested_on"] <= "2017-02-15"
    ]


@pytest.mark.parametrize(
    "options", [[], ["--by", "month"], ["--level", "adm1"], ["--from", "2017-01-01"]]
)
def test_convoy_statistics_are_the_command_line_s(
    client: TestClient, demo_path: str, options: list[str]
) -> None:
    expected = cli(demo_path, "convoy", "stats", *options)
    params = {o.lstrip("-"): v for o, v in zip(options[::2], options[1::2], strict=True)}
    assert api(client, "/api/convoys/stats", **params) == expected


def test_convoy_shares_are_those_a_coordinator_reports(client: TestClient) -> None:
    rows = {r["pcode"]: r for r in api(client, "/api/convoys/stats")["places"]}
    duma, madaya = rows["C2338"], rows["C2450"]
    # Duma: 10,000 of 25,000 medical treatments removed; 35,000 of 40,000 planned reached.
    assert duma["medical_removed_share"] == pytest.approx(10_000 / 25_000)
    assert duma["reached_share"] == pytest.approx(35_000 / 40_000)
    assert duma["population_reached_share"] == pytest.approx(35_000 / duma["population"])
    # Madaya: one request denied of two (the other undecided), no one reached.
    assert (madaya["requested"], madaya["denied"], madaya["pending"]) == (2, 1, 1)
    assert madaya["denied_share"] == 0.5 and madaya["reached"] == 0
    # With a place, its rows at its level: the governorate's own row is its total.
    sy03 = api(client, "/api/convoys/stats", pcode="SY03")
    assert [r["pcode"] for r in sy03["places"]] == ["SY03"] and sy03["totals"] == []
    assert sy03["places"][0]["requested"] == 5 and sy03["places"][0]["delivered"] == 2


@pytest.mark.parametrize(
    "options",
    [[], ["--place", "SY03"], ["--from", "2017-02-01", "--to", "2017-02-28"]],
)
def test_the_incident_list_is_the_command_line_s_newest_first(
    client: TestClient, demo_path: str, options: list[str]
) -> None:
    expected = cli(demo_path, "incidents", "--list", *options)["incidents"]
    params = {o.lstrip("-"): v for o, v in zip(options[::2], options[1::2], strict=True)}
    if "place" in params:
        params["pcode"] = params.pop("place")
    got = api(client, "/api/incidents", **params)
    assert got["total"] == len(expected)
    assert without(got["incidents"], "suppressed") == expected[::-1]


def test_incidents_filter_by_type_and_placing_and_page(client: TestClient, demo_path: str) -> None:
    every = cli(demo_path, "incidents", "--list")["incidents"][::-1]
    battles = api(client, "/api/incidents", event_type="battles")
    assert [i["event_code"] for i in battles["incidents"]] == [
        i["event_code"] for i in every if i["event_type"] == "Battles"
    ]
    by_name = api(client, "/api/incidents", placed_by="name")
    assert [i["event_code"] for i in by_name["incidents"]] == [
        i["event_code"] for i in every if i["placed_by"] == "name"
    ]
    second = api(client, "/api/incidents", limit=3, offset=3)
    assert second["total"] == 8
    assert [i["event_code"] for i in second["incidents"]] == [i["event_code"] for i in every[3:6]]


@pytest.mark.parametrize(
    "options", [[], ["--level", "adm3"], ["--place", "SY03"], ["--from", "2017-02-01"]]
)
def test_the_incident_summary_is_the_command_line_s(
    client: TestClient, demo_path: str, options: list[str]
) -> None:
    expected = cli(demo_path, "incidents", *options)
    params = {o.lstrip("-"): v for o, v in zip(options[::2], options[1::2], strict=True)}
    if "place" in params:
        params["pcode"] = params.pop("place")
    assert api(client, "/api/incidents/summary", **params) == expected


@pytest.mark.parametrize(
    "options", [["--level", "adm1"], ["--level", "adm4"], ["--level", "adm3", "--place", "SY03"]]
)
def test_damage_and_its_changes_are_the_command_line_s(
    client: TestClient, demo_path: str, options: list[str]
) -> None:
    day = ["--as-of", AS_OF.isoformat()]
    params: dict[str, str] = {"as_of": AS_OF.isoformat()}
    params.update({o.lstrip("-"): v for o, v in zip(options[::2], options[1::2], strict=True)})
    if "place" in params:
        params["pcode"] = params.pop("place")
    assert api(client, "/api/damage", **params) == cli(demo_path, "damage", *day, *options)
    assert api(client, "/api/damage/changes", **params) == cli(
        demo_path, "damage", "--changes", *day, *options
    )


def test_aleppo_holds_fifteen_percent_of_all_destruction(client: TestClient) -> None:
    result = api(client, "/api/damage", as_of=AS_OF.isoformat())
    national = result["national"]["buildings"]
    aleppo = next(r for r in result["places"] if r["pcode"] == "SY02")
    assert aleppo["destroyed"] / national["destroyed"] == aleppo["share_destroyed"] == 0.15
    assert sum(r["destroyed"] for r in result["places"]) == national["destroyed"] == 30_000


# -- downloads are what is shown ----------------------------------------------------------------


def test_downloads_are_exactly_what_each_page_shows(client: TestClient) -> None:
    html = page(client, "/convoys", status="delivered")
    shown = table_cells(html, "convoys", "data-code")
    link = re.search(r'id="download-csv" href="([^"]+)"', html)
    assert link and shown == ["DEMO-2016-12-DUMA", "DEMO-2017-01-SAQBA"]
    rows = csv_rows(client.get(link.group(1).replace("&amp;", "&")).text)
    assert rows[0][0] == "Convoy" and [r[0] for r in rows[1:]] == shown

    html = page(client, "/incidents", pcode="SY03")
    shown = table_cells(html, "incidents", "data-event")
    link = re.search(r'id="download-hxl" href="([^"]+)"', html)
    assert link
    rows = csv_rows(client.get(link.group(1).replace("&amp;", "&")).text)
    assert "#event+code" in rows[1] and "#affected+killed" in rows[1]
    codes = [r[rows[1].index("#event+code")] for r in rows[2:]]
    assert codes == shown == ["DEMO-002", "DEMO-001", "DEMO-003"]

    html = page(client, "/damage", as_of=AS_OF.isoformat(), level="adm1")
    shown = table_cells(html, "damage", "data-pcode")
    link = re.search(r'id="download-csv" href="([^"]+)"', html)
    assert link
    rows = csv_rows(client.get(link.group(1).replace("&amp;", "&")).text)
    assert [r[0] for r in rows[1:]] == [*shown, "(national)"]
    aleppo = next(r for r in rows if r[0] == "SY02")
    assert aleppo[rows[0].index("Share destroyed")] == "0.15"


# -- pages: every language, the numbers of the command line, links ------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("url", [*PAGES, "/places/C2450", "/map"])
def test_every_page_renders_in_every_language(
    client: TestClient, url: str, language: str
) -> None:
    html = page(client, url, language)
    assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in html
    if language == "ar" and url in PAGES:
        headings = re.findall(r"<h[12][^>]*>(.*?)</h[12]>", html, flags=re.S)
        assert headings and all(ARABIC.search(h) for h in headings), headings
        for header in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', html, flags=re.S):
            if header.strip() and header.strip() not in ("Battles", "Explosions/Remote violence"):
                assert ARABIC.search(header), header


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pages_show_the_command_line_s_numbers_in_the_language_s_notation(
    client: TestClient, demo_path: str, language: str
) -> None:
    notation = Language(language)
    stats = {r["pcode"]: r for r in cli(demo_path, "convoy", "stats")["places"]}
    convoys = page(client, "/convoys", language)
    duma = convoys[convoys.index('data-pcode="C2338"') :]
    duma = duma[: duma.index("</tr>")]
    for value in (stats["C2338"]["planned_people"], stats["C2338"]["reached"]):
        assert notation.number(value) in duma
    assert notation.percent(stats["C2338"]["medical_removed_share"]) in duma
    assert notation.percent(stats["C2338"]["population_reached_share"]) in duma

    summary = cli(demo_path, "incidents")
    incidents = page(client, "/incidents", language)
    cards = incidents[incidents.index('id="incident-cards"') :]
    cards = cards[: cards.index("</ul>")]
    assert f">{notation.number(summary['total']['events'])}<" in cards
    assert f">{notation.number(summary['total']['fatalities'])}<" in cards

    damage = cli(demo_path, "damage", "--as-of", AS_OF.isoformat())
    html = page(client, "/damage", language, as_of=AS_OF.isoformat())
    for row in damage["places"]:
        part = html[html.index(f'data-pcode="{row["pcode"]}"') :]
        part = part[: part.index("</tr>")]
        assert notation.number(row["destroyed"]) in part
        assert notation.percent(row["share_destroyed"]) in part


def test_the_place_page_shows_convoys_incidents_beside_access_and_damage(
    client: TestClient, demo_path: str
) -> None:
    html = page(client, "/places/C2450", as_of=AS_OF.isoformat())
    section = html[html.index('id="place-war"') :]
    assert table_cells(section, "place-convoys", "data-code") == [
        c["code"] for c in cli(demo_path, "convoy", "list", "--place", "C2450")["convoys"]
    ]
    recent = cli(demo_path, "incidents", "--list", "--place", "C2450", "--from", "2016-12-01")
    assert table_cells(section, "place-incidents", "data-event") == [
        i["event_code"] for i in recent["incidents"][::-1]
    ]
    # The shelling beside the convoy came while Madaya was besieged.
    row = section[section.index('data-event="DEMO-003"') :]
    assert 'class="access besieged"' in row[: row.index("</tr>")]
    damage = cli(demo_path, "damage", "--as-of", AS_OF.isoformat(), "--level", "adm4")
    madaya = next(r for r in damage["places"] if r["pcode"] == "C2450")
    cards = section[section.index('id="place-damage"') :]
    assert Language("en").number(madaya["destroyed"]) in cards
    assert Language("en").percent(madaya["share_destroyed"]) in cards
    # Each links to its filtered list, which lists the same.
    for name, table, attribute in (
        ("convoys", "convoys", "data-code"),
        ("incidents", "incidents", "data-event"),
    ):
        link = re.search(rf'id="place-{name}-link" href="([^"]+)"', section)
        assert link
        listed = page(client, link.group(1).replace("&amp;", "&"))
        assert table_cells(listed, table, attribute) == table_cells(
            section, f"place-{name}", attribute
        )
    link = re.search(r'id="place-damage-link" href="([^"]+)"', section)
    assert link
    listed = page(client, link.group(1).replace("&amp;", "&"))
    assert table_cells(listed, "damage", "data-pcode") == ["C2450"]


# -- errors and the OpenAPI document ------------------------------------------------------------

API = (
    "/api/convoys",
    "/api/convoys/stats",
    "/api/incidents",
    "/api/incidents/summary",
    "/api/damage",
    "/api/damage/changes",
)


def test_the_endpoints_are_in_the_openapi_document(client: TestClient) -> None:
    spec = api(client, "/api/openapi.json")
    for path in (*API, "/api/map/incidents", "/api/map/damage"):
        assert path in spec["paths"], path
        assert spec["paths"][path]["get"]["summary"]
    parameters = {p["name"] for p in spec["paths"]["/api/incidents"]["get"]["parameters"]}
    assert {"pcode", "from", "to", "event_type", "placed_by", "format"} <= parameters


@pytest.mark.parametrize("url", [*API, *PAGES])
def test_an_unknown_pcode_is_a_404_naming_it(client: TestClient, url: str) -> None:
    response = client.get(url, params={"pcode": "SY9999"})
    assert response.status_code == 404
    if url.startswith("/api/"):
        assert response.json()["error"] == "unknown P-code 'SY9999'"
    else:
        assert "SY9999" in response.text


@pytest.mark.parametrize(
    ("url", "params", "parameter"),
    [
        ("/api/convoys", {"status": "maybe"}, "status"),
        ("/api/convoys/stats", {"by": "week"}, "by"),
        ("/api/incidents", {"from": "yesterday"}, "from"),
        ("/api/incidents", {"placed_by": "guess"}, "placed_by"),
        ("/api/incidents/summary", {"from": "2017-03-01", "to": "2017-01-01"}, "to"),
        ("/api/damage", {"unit": "flats"}, "unit"),
        ("/api/damage/changes", {"as_of": "28.02.2017"}, "as_of"),
        ("/api/map/incidents", {"to": "2017-13-01"}, "to"),
    ],
)
def test_a_bad_parameter_is_a_422_naming_it(
    client: TestClient, url: str, params: dict[str, str], parameter: str
) -> None:
    response = client.get(url, params=params)
    assert response.status_code == 422
    body = response.json()
    named = [p["parameter"] for p in body.get("problems", [])] or [body["error"].split(":")[0]]
    assert parameter in named, body
    assert client.get(url.replace("/api", "", 1), params=params).status_code in (404, 422)


# -- the map's layers ---------------------------------------------------------------------------


def test_the_map_layers_hold_the_incidents_of_the_window_and_the_damaged_places(
    client: TestClient, demo_path: str
) -> None:
    start = "2017-01-30"
    expected = cli(demo_path, "incidents", "--list", "--from", start, "--to", AS_OF.isoformat())
    layer = client.get("/api/map/incidents", params={"to": AS_OF.isoformat()})
    assert layer.headers["content-type"] == "application/geo+json"
    found = layer.json()
    assert (found["from"], found["coordinates"]) == (start, "exact")
    assert sorted(f["properties"]["event_code"] for f in found["features"]) == sorted(
        i["event_code"] for i in expected["incidents"]
    )
    for feature in found["features"]:
        code = feature["properties"]["event_code"]
        event = next(i for i in expected["incidents"] if i["event_code"] == code)
        if event["lat"] is not None:
            assert feature["geometry"]["coordinates"] == [event["lon"], event["lat"]]
    damage = client.get("/api/map/damage", params={"as_of": AS_OF.isoformat()}).json()
    adm4 = cli(demo_path, "damage", "--as-of", AS_OF.isoformat(), "--level", "adm4")
    assert {f["properties"]["pcode"] for f in damage["features"]} == {
        r["pcode"] for r in adm4["places"]
    }
    aleppo = next(f for f in damage["features"] if f["properties"]["pcode"] == "C1007")
    assert aleppo["properties"]["share_destroyed"] == 0.15
    html = page(client, "/map", as_of=AS_OF.isoformat(), window=30)
    assert "5 incidents from Jan 30, 2017 to Feb 28, 2017" in html
    assert "14 places with damage assessed" in html


# -- sensitivity: a viewer and an analyst -------------------------------------------------------

INCIDENTS = "\n".join(
    [
        "Event,Date,Type,Sub type,Actor 1,Actor 2,Killed,Latitude,Longitude,Location,"
        "Community code,Notes",
        "#event+code,#date+occurred,#event+type,#event+type+sub,#group+name+first,"
        "#group+name+second,#affected+killed,#geo+lat,#geo+lon,#loc+name,#adm4+code,#description",
        "T-1,2017-02-10,Explosions/Remote violence,Air/drone strike,Air force,Civilians,3,"
        "36.2041,37.1349,Old market,C1007,names of the wounded",
        "T-2,2017-02-12,Battles,Armed clash,Group A,Group B,25,36.1563,37.0891,Front line,C1003,"
        "two positions taken",
        "T-3,2017-02-14,Violence against civilians,Attack,Unknown,Civilians,12,,,"
        "Nowhere-on-the-map,,a driver was hurt",
        "",
    ]
)
CONVOYS = "\n".join(
    [
        "Convoy,Community code,Requested,Trucks,People planned,Status,Decided,Decided by,Reason,"
        "Delivered,People reached,Item,Category,Planned,Arrived,Removed,Removed by",
        "#convoy+code,#adm4+code,#date+requested,#convoy+trucks,#targeted,#convoy+status,"
        "#date+decided,#org+decided,#description+reason,#date+delivered,#reached,#item+name,"
        "#item+type,#item+planned,#item+arrived,#item+removed,#group+removed_by",
        "T-CONVOY,C4140,2017-02-01,10,5000,delivered,2017-02-05,Checkpoint command,security,"
        "2017-02-09,4000,medicines,medical,1000,600,400,Checkpoint 4",
        "",
    ]
)
EXACT = {"notes", "location", "source", "reported_by", "file_name", "row_number"}


@pytest.fixture
def war_store(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("LAGEBILD_ARGON2", CHEAP_ARGON2)
    for name, text, source in (
        ("gazetteer.csv", GAZETTEER, None),
        ("incidents.csv", INCIDENTS, "Field monitor"),
        ("convoys.csv", CONVOYS, "Convoy reports"),
    ):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        import_file(store, path, ImportOptions(source=source))
    add_accounts(store)
    return store


def test_a_viewer_gets_rounded_coordinates_and_no_notes_an_analyst_everything(
    war_store: Store,
) -> None:
    seen: dict[str, Any] = {}
    for name in ("viewer1", "analyst1"):
        with web(war_store) as client:
            assert sign_in(client, name) == 303
            seen[name] = {
                "list": client.get("/api/incidents").json()["incidents"],
                "layer": client.get("/api/map/incidents", params={"to": "2017-02-28"}).json(),
                "csv": client.get("/api/incidents", params={"format": "csv"}).text,
                "convoys": client.get("/api/convoys").json()["convoys"],
                "page": client.get("/incidents").text,
                "map": client.get("/map", params={"as_of": "2017-02-28"}).text,
            }
    viewer, analyst = seen["viewer1"], seen["analyst1"]
    by_code = {i["event_code"]: i for i in analyst["list"]}
    assert by_code["T-1"]["lat"] == 36.2041 and by_code["T-1"]["notes"] == "names of the wounded"
    assert EXACT <= set(by_code["T-1"])
    for item in viewer["list"]:
        assert not EXACT & set(item), item
        exact = by_code[item["event_code"]]
        if exact["lat"] is not None:
            assert (item["lat"], item["lon"]) == (36.2, 37.1) if item["event_code"] == "T-1" else (
                36.1, 37.0
            )
    # Small counts of people killed are suppressed for the public, named in the record.
    t1 = next(i for i in viewer["list"] if i["event_code"] == "T-1")
    assert t1["fatalities"] is None and t1["suppressed"] == ["fatalities"]
    assert next(i for i in viewer["list"] if i["event_code"] == "T-2")["fatalities"] == 25
    # The map layer: the same rule for its points; the unplaced event is left off, counted.
    for who, layer, precision in ((viewer, viewer["layer"], 0.1), (analyst, analyst["layer"], 0)):
        assert layer["unplaced"] == 1 and len(layer["features"]) == 2
        assert layer["coordinates"] == ("rounded" if precision else "exact")
        for feature in layer["features"]:
            exact = by_code[feature["properties"]["event_code"]]
            lon, lat = feature["geometry"]["coordinates"]
            assert 0 <= exact["lat"] - lat < precision + 1e-9 and 0 <= exact["lon"] - lon < (
                precision + 1e-9
            )
            assert ("notes" in feature["properties"]) == (who is analyst)
        assert "1 incident could not be placed and is not shown." in who["map"]
    # The CSV: no column of what the viewer may not see.
    header = csv_rows(viewer["csv"])[0]
    assert "Notes" not in header and "File" not in header and "Latitude" in header
    assert {"Notes", "File"} <= set(csv_rows(analyst["csv"])[0])
    # The pages: notes for the analyst only.
    assert "names of the wounded" in analyst["page"]
    assert "names of the wounded" not in viewer["page"]
    # Convoys: the negotiation's details are restricted.
    [convoy] = viewer["convoys"]
    assert not {"decided_by", "decision_reason"} & set(convoy)
    assert "removed_by" not in convoy["items"][0] and convoy["items"][0]["removed"] == 400
    [full] = analyst["convoys"]
    assert full["decided_by"] == "Checkpoint command"
    assert full["items"][0]["removed_by"] == "Checkpoint 4"
    # The analyst's export of exact coordinates and notes is in the audit trail.
    exports = [c.after for c in changes_of(war_store, "export") if c.actor == "analyst1"]
    assert any(e["kind"] == "incident" and "notes" in e["fields"] for e in exports)
