"""Who does what where (/presence, /api/presence, /organisations/{slug}): the counts against the
demo's 4W read with the csv module, the filters, the downloads' header rows, an organisation's
page, and what each role sees of other organisations' names and small counts."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from accounts_support import sign_in, web
from demo_support import demo_database
from fastapi.testclient import TestClient

from lagebild.analysis.presence import slug
from lagebild.publish import tables
from lagebild.store import Store
from lagebild.web import WebConfig, create_app

DEMO_4W = Path(__file__).resolve().parents[1] / "src/lagebild/demo/data/04_deliveries.csv"
#: The demo's words, as a reader of the file would code them.
SECTORS = {"Food Security": "food", "Health": "health", "Shelter/NFI": "shelter", "WASH": "wash",
           "Nutrition": "nutrition"}  # fmt: skip
STATUSES = {"completed": "completed", "partial": "partial", "ongoing": "partial",
            "planned": "planned", "denied": "denied"}  # fmt: skip
DELIVERED = {"completed", "partial"}


def demo_rows() -> list[dict[str, str]]:
    """The demo's 4W, one dict per row below the hashtag row, with sector and status coded and
    the month of its (end) date."""
    with DEMO_4W.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[1:]
    for row in rows:
        row["sector"] = SECTORS[row["Sector"]]
        row["status"] = STATUSES[row["Status"].strip().lower()]
        row["month"] = row["End"][:7]
    return rows


def expected(rows: list[dict[str, str]]) -> dict[str, dict[str, Any]]:
    """Per governorate: organisations, activities, people reached, and per sector the names."""
    out: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"orgs": set(), "activities": 0, "reached": 0.0, "sectors": defaultdict(set)}
    )
    for row in rows:
        place = out[row["Governorate code"]]
        place["orgs"].add(row["Implementing organisation"])
        place["sectors"][row["sector"]].add(row["Implementing organisation"])
        place["activities"] += 1
        if row["status"] in DELIVERED and row["People reached"]:
            place["reached"] += float(row["People reached"])
    return out


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = demo_database(tmp_path_factory.mktemp("presence"))
    with TestClient(create_app(WebConfig(db=db))) as found:
        yield found


def _check(data: dict[str, Any], rows: list[dict[str, str]]) -> None:
    want = expected(rows)
    got = {p["pcode"]: p for p in data["places"]}
    assert set(got) == set(want)
    for pcode, place in want.items():
        row = got[pcode]
        assert row["organisations"] == len(place["orgs"]), pcode
        assert row["names"] == sorted(place["orgs"])
        assert row["activities"] == place["activities"], pcode
        assert row["reached"] == pytest.approx(place["reached"]), pcode
        assert {s: c["names"] for s, c in row["sectors"].items()} == {
            s: sorted(o) for s, o in place["sectors"].items()
        }
    assert data["total"]["activities"] == len(rows)
    assert data["total"]["organisations"] == len({r["Implementing organisation"] for r in rows})


def test_presence_counts_organisations_activities_and_reached_as_the_4w_file_gives_them(
    client: TestClient,
) -> None:
    rows = demo_rows()
    data = client.get("/api/presence").json()
    assert data["level"] == "adm1"
    _check(data, rows)
    assert data["total"]["reached"] == pytest.approx(
        sum(float(r["People reached"] or 0) for r in rows if r["status"] in DELIVERED)
    )
    assert data["months"] == sorted({r["month"] for r in rows})
    assert [o["name"] for o in data["organisations"]] == sorted(
        {r["Implementing organisation"] for r in rows}
    )


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        ("sector=health", lambda r: r["sector"] == "health"),
        ("sector=Food Security", lambda r: r["sector"] == "food"),
        ("status=planned", lambda r: r["status"] == "planned"),
        ("status=ongoing", lambda r: r["status"] == "partial"),
        ("month=2017-02", lambda r: r["month"] == "2017-02"),
        ("organisation=wfp", lambda r: r["Implementing organisation"] == "WFP"),
        ("modality=in kind", lambda r: r["Modality"] == "in kind"),
        ("modality=cash", lambda r: False),
        ("sector=food&month=2017-01&status=completed",
         lambda r: r["sector"] == "food" and r["month"] == "2017-01"
         and r["status"] == "completed"),
    ],
)  # fmt: skip
def test_each_filter_keeps_the_rows_of_the_file_it_names(
    client: TestClient, query: str, keep: Any
) -> None:
    rows = [r for r in demo_rows() if keep(r)]
    data = client.get(f"/api/presence?{query}").json()
    if rows:
        _check(data, rows)
    else:
        assert data["places"] == [] and data["total"]["activities"] == 0


def test_a_place_and_a_level_give_the_places_below_it(client: TestClient) -> None:
    rows = [r for r in demo_rows() if r["Governorate code"] == "SY03"]
    data = client.get("/api/presence?pcode=SY03&level=adm4").json()
    assert data["level"] == "adm4" and data["place"] == "SY03"
    by_community: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        by_community[r["Community code"]].add(r["Implementing organisation"])
    assert {p["pcode"]: p["names"] for p in data["places"]} == {
        c: sorted(o) for c, o in by_community.items()
    }
    assert data["total"]["activities"] == len(rows)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [("sector=foo", "sector"), ("status=maybe", "status"), ("month=2017-13", "month"),
     ("month=soon", "month"), ("from=2017-02-01&to=2017-01-01", "to")],
)  # fmt: skip
def test_an_unknown_choice_is_a_422_naming_its_parameter(
    client: TestClient, query: str, parameter: str
) -> None:
    for path in ("/api/presence", "/api/map/presence"):
        answer = client.get(f"{path}?{query}")
        assert answer.status_code == 422, (path, answer.text)
        assert answer.json()["error"].startswith(f"{parameter}:")


def test_the_page_takes_its_form_with_every_choice_left_empty(client: TestClient) -> None:
    page = client.get("/presence?pcode=&level=&organisation=&sector=&modality=&status=&month=")
    assert page.status_code == 200
    assert 'id="presence-matrix"' in page.text
    assert client.get("/presence?level=adm9").status_code == 422


@pytest.mark.parametrize("fmt", ["csv", "hxl"])
def test_the_downloads_have_the_header_rows_of_the_table_definition(
    client: TestClient, fmt: str
) -> None:
    text = client.get(f"/api/presence?level=adm2&format={fmt}").text
    lines = list(csv.reader(io.StringIO(text)))
    columns = tables.who_does_what_where_columns("adm2")
    assert lines[0] == [c.title for c in columns]
    if fmt == "hxl":
        assert lines[1] == [c.hxl for c in columns]
        assert {"#org+impl", "#sector", "#adm2+code", "#reached+ind", "#date+start",
                "#date+end"} <= set(lines[1])  # fmt: skip
    body = lines[2:] if fmt == "hxl" else lines[1:]
    # One row per district, sector and organisation: as many as the file's distinct triples.
    rows = demo_rows()
    assert len(body) == len(
        {(r["District code"], r["sector"], r["Implementing organisation"]) for r in rows}
    )
    activities = [c.key for c in columns].index("activities")
    assert sum(int(b[activities]) for b in body) == len(rows)


def test_the_map_layer_draws_a_point_per_place_with_its_organisations(client: TestClient) -> None:
    data = client.get("/api/map/presence").json()
    want = expected(demo_rows())
    points = {f["properties"]["pcode"]: f for f in data["features"]}
    assert set(points) == set(want)
    for pcode, feature in points.items():
        assert feature["properties"]["organisations"] == len(want[pcode]["orgs"])
        lon, lat = feature["geometry"]["coordinates"]
        assert 32 < lat < 38 and 35 < lon < 43  # Syria
    assert data["without_location"] == 0


def test_an_organisations_page_shows_where_it_works_and_what_it_reported(
    client: TestClient,
) -> None:
    rows = [r for r in demo_rows() if r["Implementing organisation"] == "WFP"]
    data = client.get("/api/organisations/wfp").json()
    assert data["name"] == "WFP" and data["slug"] == "wfp"
    assert data["activities"] == len(rows)
    assert data["reached"] == pytest.approx(
        sum(float(r["People reached"] or 0) for r in rows if r["status"] in DELIVERED)
    )
    assert {g["pcode"] for g in data["governorates"]} == {r["Governorate code"] for r in rows}
    assert {p["pcode"] for p in data["places"]} == {r["Community code"] for r in rows}
    months: dict[str, int] = defaultdict(int)
    for r in rows:
        months[r["month"]] += 1
    assert {m["month"]: sum(s["activities"] for s in m["sectors"].values())
            for m in data["months"]} == months  # fmt: skip
    page = client.get("/organisations/WFP")
    assert page.status_code == 200
    assert 'id="organisation-name">WFP<' in page.text
    for r in rows:
        assert f'data-pcode="{r["Community code"]}"' in page.text
    assert "/api/deliveries?organisation=WFP" in page.text
    # From the matrix to the page, by the slug of the name.
    assert f'href="/organisations/{slug("WFP")}"' in client.get("/presence").text
    assert client.get("/organisations/nobody").status_code == 404
    assert client.get("/api/organisations/nobody").status_code == 404


def test_the_slug_of_a_name_is_its_words_in_lower_case() -> None:
    assert slug("Syrian Arab Red Crescent") == "syrian-arab-red-crescent"
    assert slug("  Médecins Sans Frontières (MSF) ") == "médecins-sans-frontières-msf"
    assert slug("الهلال الأحمر") == "الهلال-الأحمر"


# -- what each role sees (tests/accounts_support.py: Org A's Alpha Relief, Org B's Beta Aid) --


def _signed_in(client: TestClient, name: str | None) -> None:
    if name:
        assert sign_in(client, name) == 303


@pytest.mark.usefixtures("cheap_hashes")
@pytest.mark.parametrize(
    ("name", "named"),
    [("viewer1", set()), ("partner_a", {"Alpha Relief"}), ("partner_b", {"Beta Aid"}),
     ("analyst1", {"Alpha Relief", "Beta Aid"}), ("admin1", {"Alpha Relief", "Beta Aid"})],
)  # fmt: skip
def test_each_role_sees_the_names_the_protocol_gives_it_and_counts_the_rest(
    loaded: Store, name: str, named: set[str]
) -> None:
    with web(loaded) as client:
        _signed_in(client, name)
        data = client.get("/api/presence?level=adm4").json()
        csv_rows = list(csv.DictReader(io.StringIO(
            client.get("/api/presence?level=adm4&format=csv").text)))  # fmt: skip
        page = client.get("/presence?level=adm4").text
        pages = {org: client.get(f"/organisations/{slug(org)}").status_code
                 for org in ("Alpha Relief", "Beta Aid")}  # fmt: skip
        beta = client.get("/api/presence?organisation=Beta Aid").json()
    total = data["total"]
    assert total["organisations"] == 2
    assert set(total["names"]) == named
    assert total["unnamed"] == 2 - len(named)
    assert {o["name"] for o in data["organisations"]} == named
    shown = {r["Organisation"] for r in csv_rows if r["Organisation"]}
    assert shown == named
    assert sum(int(r["Organisations"]) for r in csv_rows) == 3  # three place-sector-org triples
    for org in ("Alpha Relief", "Beta Aid"):
        assert (org in page) == (org in named), org
        assert pages[org] == (200 if org in named else 404), org
    # Asking by a name one may not see finds nothing, as the deliveries list does.
    assert beta["total"]["activities"] == (1 if "Beta Aid" in named else 0)
    # The public sees Alpha Relief's 4 people reached at Aleppo as suppressed.
    aleppo = {p["pcode"]: p for p in data["places"]}["C1007"]
    if name == "viewer1":
        assert aleppo["reached"] is None and "reached" in aleppo["suppressed"]
        assert "&lt;10" in page
    else:
        assert aleppo["reached"] == 4


def test_the_hxl_download_is_refused_as_an_import_so_deliveries_never_count_twice(
    client: TestClient, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from lagebild.cli import main

    path = tmp_path / "presence.hxl.csv"
    path.write_text(client.get("/api/presence?format=hxl").text, encoding="utf-8")
    db = demo_database(tmp_path, "import.db")
    result = CliRunner().invoke(main, ["--db", db, "import", str(path)])
    assert result.exit_code != 0
    assert "presence summary (who does what where) table, not input data" in result.output
    assert "#org+num" in result.output
