"""The JSON API: the command line's numbers, paginated, downloadable, with clear errors."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lagebild import analysis
from lagebild.demo import AS_OF
from lagebild.store import Store
from lagebild.web import WebConfig, create_app


@pytest.fixture
def client(demo_store: Store) -> TestClient:
    url = demo_store.engine.url.render_as_string(hide_password=False)
    return TestClient(create_app(WebConfig(db=url)))


def test_openapi_document_describes_every_endpoint(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    for path in (
        "/api/places",
        "/api/places/{pcode}",
        "/api/places/{pcode}/children",
        "/api/places/{pcode}/figures",
        "/api/places/{pcode}/access",
        "/api/places/{pcode}/deliveries",
        "/api/figures",
        "/api/access",
        "/api/deliveries",
        "/api/situation",
        "/api/gaps",
        "/api/trend",
    ):
        assert path in spec["paths"], path
        parameters = {p["name"] for p in spec["paths"][path]["get"].get("parameters", [])}
        assert "as_of" in parameters, path


def test_gaps_are_the_numbers_of_the_library_function(
    client: TestClient, demo_store: Store
) -> None:
    expected = analysis.gaps(demo_store, AS_OF, 30, 4).as_dict()
    got = client.get("/api/gaps", params={"as_of": "2017-02-28", "level": "adm4"}).json()
    assert got["places"] == expected["places"]
    assert got["total"] == len(expected["places"]) and got["cut_off"] == 9  # type: ignore[arg-type]


def test_default_as_of_is_the_end_of_the_data(client: TestClient) -> None:
    assert client.get("/api/gaps").json()["as_of"] == AS_OF.isoformat()


def test_situation_total_cites_the_wfp_spokesperson(client: TestClient) -> None:
    total = client.get("/api/situation", params={"as_of": "2017-02-28"}).json()["total"]
    assert total["people_in_need"]["value"] == 13_500_000
    assert "WFP spokesperson" in total["people_in_need"]["sources"][0]


def test_lists_are_paginated(client: TestClient) -> None:
    first = client.get("/api/places", params={"limit": 5}).json()
    second = client.get("/api/places", params={"limit": 5, "offset": 5}).json()
    assert first["total"] == second["total"] == 89
    assert len(first["items"]) == 5 and first["items"] != second["items"]
    everything = client.get("/api/places", params={"limit": 1000}).json()["items"]
    assert [p["pcode"] for p in everything[:10]] == [
        p["pcode"] for p in first["items"] + second["items"]
    ]


def test_place_search_by_arabic_name_and_by_pcode(client: TestClient) -> None:
    by_arabic = client.get("/api/places", params={"q": "مضايا"}).json()["items"]
    assert [p["pcode"] for p in by_arabic] == ["SY030703", "C2450"]  # sub-district, community
    assert client.get("/api/places", params={"q": "c2450"}).json()["items"][0]["name"] == "Madaya"


def test_place_with_parents_access_and_figures(client: TestClient) -> None:
    madaya = client.get("/api/places/C2450", params={"as_of": "2017-02-28"}).json()
    assert [p["pcode"] for p in madaya["parents"]] == ["SY", "SY03", "SY0307", "SY030703"]
    assert madaya["access"]["status"] == "besieged"
    assert madaya["figures"]["people_in_need"]["value"] == 30000
    history = client.get("/api/places/C2450/access").json()["history"]
    assert history[-1]["status"] == "besieged" and history[-1]["valid_to"] is None


def test_figures_come_with_their_source_file_and_row(client: TestClient) -> None:
    items = client.get("/api/places/C2450/figures").json()["items"]
    assert items and all(i["source"] and i["file_name"] and i["row_number"] for i in items)
    assert 30000 in {i["value"] for i in items if i["indicator"] == "inneed"}


def test_access_on_a_date_lists_besieged_places_with_their_party(client: TestClient) -> None:
    data = client.get(
        "/api/access", params={"as_of": "2017-02-28", "status": "besieged", "limit": 100}
    ).json()
    parties = {i["party"] for i in data["items"]}
    assert "ISIL" in parties and all(i["status"] == "besieged" for i in data["items"])
    aleppo = client.get(
        "/api/access", params={"as_of": "2016-10-01", "status": "besieged", "limit": 100}
    ).json()
    assert "C1007" in {i["pcode"] for i in aleppo["items"]}
    after = client.get(
        "/api/access", params={"as_of": "2017-01-15", "status": "besieged", "limit": 100}
    ).json()
    assert "C1007" not in {i["pcode"] for i in after["items"]}


def test_deliveries_filter_by_organisation_sector_place_period_status(
    client: TestClient,
) -> None:
    denied = client.get("/api/deliveries", params={"status": "denied", "limit": 100}).json()
    assert denied["total"] >= 2 and all(i["status"] == "denied" for i in denied["items"])
    aleppo = client.get(
        "/api/deliveries",
        params={
            "pcode": "SY02",
            "sector": "Food",
            "from": "2017-02-01",
            "to": "2017-02-28",
            "organisation": "sarc",
            "limit": 100,
        },
    ).json()
    assert aleppo["total"] == _february_food_rows_by_sarc_in_aleppo()
    assert all(i["pcode"] == "C1007" and "2017-02" in i["date"] for i in aleppo["items"])
    assert client.get("/api/places/C1007/deliveries", params={"limit": 1}).json()["total"] > 28


def test_downloads_as_csv_and_hxl_by_parameter_or_accept_header(client: TestClient) -> None:
    as_csv = client.get("/api/gaps", params={"level": "adm4", "format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows[0][0] == "P-code" and rows[1][0] == "C2450"
    as_hxl = client.get("/api/deliveries", headers={"Accept": "text/csv; profile=hxl"})
    tags = list(csv.reader(io.StringIO(as_hxl.text)))[1]
    assert "#reached+ind" in tags and "#org+impl" in tags
    plain = client.get("/api/places", headers={"Accept": "text/csv"}).text
    assert plain.splitlines()[1].startswith("SY,")


def test_unknown_pcode_is_a_404_naming_it(client: TestClient) -> None:
    for path in (
        "/api/places/SY9999",
        "/api/places/SY9999/children",
        "/api/deliveries?pcode=SY9999",
        "/api/figures?pcode=SY9999",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"] == "unknown P-code 'SY9999'"


def test_malformed_date_is_a_422_naming_the_parameter(client: TestClient) -> None:
    response = client.get("/api/gaps", params={"as_of": "28.02.2017"})
    assert response.status_code == 422
    body = response.json()
    assert body["problems"][0]["parameter"] == "as_of" and "YYYY-MM-DD" in body["error"]
    bad_from = client.get("/api/deliveries", params={"from": "yesterday"})
    assert bad_from.status_code == 422 and bad_from.json()["problems"][0]["parameter"] == "from"


def test_unknown_status_word_is_a_422(client: TestClient) -> None:
    assert client.get("/api/deliveries", params={"status": "maybe"}).status_code == 422
    assert client.get("/api/access", params={"status": "sunny"}).status_code == 422


def test_trend_sums_people_reached_per_month(client: TestClient, demo_store: Store) -> None:
    items = client.get("/api/trend", params={"as_of": "2017-02-28", "months": 2}).json()["items"]
    february = sum(i["reached"] for i in items if i["month"] == "2017-02")
    page = client.get(
        "/api/deliveries", params={"from": "2017-02-01", "to": "2017-02-28", "limit": 5000}
    ).json()["items"]
    expected = sum(i["reached"] or 0 for i in page if i["status"] in ("completed", "partial"))
    assert february == pytest.approx(expected)
    assert date.fromisoformat(client.get("/api/trend").json()["from"]).day == 1


def _february_food_rows_by_sarc_in_aleppo() -> int:
    """The same count another way: straight from the demo's 4W file."""
    from lagebild.demo import DATA_DIR

    with (DATA_DIR / "04_deliveries.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    tags = rows[1]
    col = {t: i for i, t in enumerate(tags)}
    count = 0
    for r in rows[2:]:
        when = r[col["#date+end"]] or r[col["#date+start"]]
        orgs = " ".join(
            r[col[t]] for t in ("#org+impl", "#org+reporting", "#org+funder") if t in col
        )
        if (
            r[col["#adm1+code"]] == "SY02"
            and r[col["#sector"]].lower().startswith("food")
            and "2017-02-01" <= when <= "2017-02-28"
            and "sarc" in orgs.lower()
        ):
            count += 1
    return count


def test_results_kept_between_requests_follow_a_new_import(
    client: TestClient, demo_store: Store, tmp_path: Path
) -> None:
    from lagebild.ingest import import_file

    before = client.get("/api/gaps", params={"level": "adm4"}).json()
    assert "C2450" in {p["pcode"] for p in before["places"] if p["cut_off"]}
    convoy = tmp_path / "convoy.csv"
    convoy.write_text(
        "#adm4+code,#sector,#reached+ind,#date+end,#org+impl\nC2450,Food,30000,2017-02-27,SARC\n",
        encoding="utf-8",
    )
    import_file(demo_store, convoy)
    after = client.get("/api/gaps", params={"level": "adm4"}).json()
    madaya = next(p for p in after["places"] if p["pcode"] == "C2450")
    assert not madaya["cut_off"] and madaya["reached"] == 30000
    assert after["cut_off"] == before["cut_off"] - 1
