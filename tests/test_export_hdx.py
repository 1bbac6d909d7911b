"""``lagebild export hdx``: tables shaped like HDX HAPI's, with an HXL row, a reference period and
a source on every row, and the metadata HDX asks for.

HAPI's columns as the global files of HAPI's pipelines have them (the OCHA-DAP scrapers'
fixtures named in docs/publishing.md; tests/test_import_hapi.py holds their header and hashtag
rows); the conflict events' as HAPI v2's API gives them (hdx-hapi's endpoint models). Written out
here by hand from those sources.

libhxl reads every file; the record tables (population, humanitarian needs, IDPs, operational
presence) import back into a fresh database with the same numbers; the conflict events are
counts per month, compared with the incidents they count (their round trip, as counts, is in
test_event_counts.py); the public sees what the sharing protocol lets through.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import hxl
import pytest
from click.testing import CliRunner
from demo_support import demo_database

from lagebild.analysis.basket import DEMO_PRICES
from lagebild.cli import main
from lagebild.demo import AS_OF
from lagebild.model.vocab import sector_code
from lagebild.publish import hdx

DATE = AS_OF.isoformat()

#: HAPI's columns of each table, in HAPI's order: those of its pipelines' global files.
HAPI_PLACE = ["location_code", "has_hrp", "in_gho", "provider_admin1_name",
              "provider_admin2_name", "admin1_code", "admin1_name", "admin2_code", "admin2_name",
              "admin_level"]  # fmt: skip
PERIOD = ["reference_period_start", "reference_period_end"]
IDS = ["dataset_hdx_id", "resource_hdx_id", "warning", "error"]
HAPI = {
    "population": [*HAPI_PLACE, "gender", "age_range", "min_age", "max_age", "population",
                   *PERIOD, *IDS],
    "humanitarian_needs": [*HAPI_PLACE, "sector_code", "sector_name", "category",
                           "population_status", "population", *PERIOD, *IDS],
    "idps": [*HAPI_PLACE, "operation", "assessment_type", "population", "reporting_round",
             *PERIOD, *IDS],
    "operational_presence": [*HAPI_PLACE, "org_acronym", "org_name", "org_type_description",
                             "sector_code", "sector_name", *PERIOD, *IDS],
    "conflict_events": [*HAPI_PLACE, "event_type", "events", "fatalities", *PERIOD, *IDS],
    "food_prices": [*HAPI_PLACE, "market_name", "market_code", "lat", "lon",
                    "commodity_category", "commodity_name", "commodity_code", "unit",
                    "price_flag", "price_type", "currency_code", "price", "usd_price", *PERIOD,
                    *IDS],
}  # fmt: skip
#: The columns lagebild cannot fill: empty on every row.
EMPTY = ["has_hrp", "in_gho", "provider_admin1_name", "provider_admin2_name", *IDS]

# A 3W and needs by sector, gender and age, added to the demo (which has neither).
PRESENCE = """\
Organisation,Acronym,Type,Sector,Community code,Date
#org+name,#org+acronym,#org+type+name,#sector,#adm4+code,#date+reported
Syrian Arab Red Crescent,SARC,National NGO,Health,C1001,2017-01-15
Syrian Arab Red Crescent,SARC,National NGO,Food Security,C1002,2017-01-15
Example Aid,EXA,INGO,WASH,C1007,2017-02-01
"""
NEEDS = """\
Community code,Sector,Gender,Age,Disabled,Group,People in need,Date,Source
#adm4+code,#sector,#gender,#age+range,#is_disabled,#population_group,#inneed,#date,#meta+source
C1001,Health,f,0-4,,,1200,2017-01-31,test needs by age
C1001,Health,m,0-4,,,1100,2017-01-31,test needs by age
C1001,Health,,65+,,,900,2017-01-31,test needs by age
C1001,Health,,,,,40000,2017-01-31,test needs by age
C1002,Protection,f,18-59,y,IDP,350,2017-01-31,test needs by group
C1002,Protection,,,n,refugees,600,2017-01-31,test needs by group
"""


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def run(*args: str) -> str:
    code, out = cli(*args)
    assert code == 0, out
    return out


def rows_of(path: Path) -> list[dict[str, str]]:
    """The data rows of an HXL CSV, by header (the hashtag row left out)."""
    lines = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    return [dict(zip(lines[0], r, strict=True)) for r in lines[2:]]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("hdx")
    db = demo_database(folder)
    for name, text in (("presence.csv", PRESENCE), ("needs.csv", NEEDS)):
        (folder / name).write_text(text, encoding="utf-8")
        run("--db", db, "import", str(folder / name))
    return db


@pytest.fixture(scope="module")
def public(demo: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("public") / "hdx"
    run("--db", demo, "export", "hdx", "--as-of", DATE, "-o", str(out))
    return out


def query(db: str, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_libhxl_reads_every_file_with_hapis_columns_and_a_period_on_every_row(
    public: Path,
) -> None:
    written = sorted(p.name for p in public.glob("*.csv"))
    assert written == sorted(f for k, f in hdx.FILES.items() if k != "food_prices")
    for name, columns in hdx.COLUMNS.items():
        # HAPI's own columns come first, in HAPI's order; lagebild's follow.
        assert [c.key for c in columns][: len(HAPI[name])] == HAPI[name], name
        path = public / hdx.FILES[name]
        if not path.exists():
            continue
        data = hxl.data(str(path), hxl.InputOptions(allow_local=True))
        assert [c.header for c in data.columns] == [c.title for c in columns]
        assert [c.display_tag for c in data.columns] == [c.hxl for c in columns]
        rows = list(data)
        assert rows, name
        for row in rows:
            assert row.get("#date+start") and row.get("#date+end"), (name, row.values)
            assert row.get("#date+start") <= row.get("#date+end") <= DATE
            # HAPI's location_code: ISO 3166 alpha-3, not the gazetteer's P-code (SY).
            assert row.get("#country+code") == "SYR"
            level = int(row.get("#adm+level"))
            finest = [k for k in range(1, 5) if row.get(f"#adm{k}+code")]
            assert level == (finest[-1] if finest else 0), (name, row.values)
        # HAPI's columns lagebild holds nothing for.
        assert not {c for r in rows_of(path) for c in EMPTY if r[c]}, name


def test_each_table_holds_the_records_of_the_database_counted_in_sql(
    demo: str, public: Path
) -> None:
    def count(indicator: str, totals: bool = False) -> int:
        where = " AND gender = '' AND age = '' AND population_group = ''" if totals else ""
        sql = f"SELECT count(*) FROM figures WHERE indicator = '{indicator}' AND date <= '{DATE}'"
        return int(query(demo, sql + where)[0][0])

    assert len(rows_of(public / "population.csv")) == count("population")
    assert len(rows_of(public / "humanitarian-needs.csv")) == count("inneed")
    assert len(rows_of(public / "idps.csv")) == count("idps", totals=True)
    assert len(rows_of(public / "operational-presence.csv")) == 3
    needs = rows_of(public / "humanitarian-needs.csv")
    aged = [r for r in needs if r["source"] == "test needs by age"]
    assert sorted((r["gender"], r["age_range"], r["min_age"], r["max_age"]) for r in aged) == [
        ("all", "65+", "65", ""), ("all", "all", "", ""), ("f", "0-4", "0", "4"),
        ("m", "0-4", "0", "4"),
    ]  # fmt: skip
    assert {r["sector_code"] for r in aged} == {"HEA"}
    # HAPI's single category: the gender, age, disability and group of the figure in words.
    assert sorted(r["category"] for r in aged) == ["", "65+", "Female - 0-4", "Male - 0-4"]
    grouped = [r for r in needs if r["source"] == "test needs by group"]
    parts = sorted((r["category"], r["disabled_marker"], r["population_group"]) for r in grouped)
    assert parts == [
        ("Female - 18-59 - Disabled - IDP", "y", "IDP"), ("Not disabled - REF", "n", "REF"),
    ]  # fmt: skip
    assert all(r["category"] == "" for r in needs if not r["source"].startswith("test needs"))
    assert {r["population_status"] for r in needs} == {"INN"}
    # Every conflict event on or before the date is counted once as political violence.
    events = rows_of(public / "conflict-events.csv")
    violent = query(
        demo,
        f"SELECT count(*) FROM incidents WHERE date <= '{DATE}' AND place_id IS NOT NULL "
        "AND event_type IN ('Battles', 'Explosions/Remote violence')",
    )[0][0]
    assert sum(int(r["events"]) for r in events if r["event_type"] == "political_violence") == (
        violent
    )


def test_the_record_tables_import_back_into_a_fresh_database_with_the_same_numbers(
    demo: str, public: Path, tmp_path: Path
) -> None:
    fresh = str(tmp_path / "fresh.db")
    (tmp_path / "places.csv").write_text(run("--db", demo, "places", "--format", "hxl"))
    run("--db", fresh, "import", str(tmp_path / "places.csv"))
    for name in ("population", "humanitarian_needs", "idps", "operational_presence"):
        out = run("--db", fresh, "import", str(public / hdx.FILES[name]))
        assert "imported" in out
    # The figures, one by one: place, indicator, sector, dimensions, date, value and source.
    figures = (
        "SELECT p.pcode, f.indicator, f.sector, f.gender, f.age, f.population_group, "
        "f.disability, f.date, f.value, s.name FROM figures f JOIN places p ON p.id = f.place_id "
        "LEFT JOIN sources s ON s.id = f.source_id WHERE f.indicator IN ('population', "
        f"'inneed', 'idps') AND f.date <= '{DATE}' ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10"
    )
    assert query(fresh, figures) == query(demo, figures)
    assert len(query(demo, figures)) > 90
    # The national rows name the country only by HAPI's SYR: they come back on the country, SY.
    national = [r for r in rows_of(public / "population.csv") if r["admin_level"] == "0"]
    assert national and {r["location_code"] for r in national} == {"SYR"}
    assert [r for r in query(fresh, figures) if r[0] == "SY" and r[1] == "population"]
    # The operational presence comes back as 3W rows, which give the same table again.
    again = tmp_path / "again"
    run("--db", fresh, "export", "hdx", "--as-of", DATE, "-o", str(again))
    presence = rows_of(public / "operational-presence.csv")
    assert presence and rows_of(again / "operational-presence.csv") == presence
    # And the numbers computed from them: population, people in need and displaced per place.
    keys = ("population", "people_in_need", "displaced")
    for level in ("country", "adm1", "adm4"):
        command = ("situation", "--as-of", DATE, "--level", level, "--format", "json")
        before, after = (json.loads(run("--db", db, *command)) for db in (demo, fresh))
        numbers = [
            [(p["pcode"], *(value(p.get(k)) for k in keys)) for p in [*s["places"], s["total"]]]
            for s in (before, after)
        ]
        assert numbers[0] == numbers[1], level
        assert any(n[2] for n in numbers[0]), level  # people in need: not all empty


def value(figure: Any) -> Any:
    return figure["value"] if isinstance(figure, dict) else figure


def test_the_public_sees_small_fatality_counts_suppressed_that_an_analyst_sees(
    demo: str, public: Path, tmp_path: Path
) -> None:
    run("--db", demo, "export", "hdx", "--as-of", DATE, "-o", str(tmp_path), "--role", "analyst")
    full, shown = rows_of(tmp_path / "conflict-events.csv"), rows_of(public / "conflict-events.csv")
    # What an analyst gets is the incidents counted per place and month, in SQL.
    counted = query(
        demo,
        "SELECT p.pcode, strftime('%Y-%m-01', i.date), count(*), sum(coalesce(fatalities, 0)) "
        "FROM incidents i JOIN places p ON p.id = i.place_id WHERE i.event_type IN "
        f"('Battles', 'Explosions/Remote violence') AND i.date <= '{DATE}' GROUP BY 1, 2",
    )
    finest = [next(r[f"admin{k}_code"] for k in (4, 3, 2, 1) if r[f"admin{k}_code"]) for r in full]
    assert sorted(
        (code, r["reference_period_start"], int(r["events"]), int(r["fatalities"]))
        for code, r in zip(finest, full, strict=True)
        if r["event_type"] == "political_violence"
    ) == sorted(counted)
    assert [r["events"] for r in full] == [r["events"] for r in shown]
    small = [i for i, r in enumerate(full) if 0 < int(r["fatalities"]) < 10]
    assert small and [i for i, r in enumerate(shown) if r["fatalities"] == ""] == small
    meta = json.loads((public / "dataset.json").read_text())
    assert f"conflict-events.csv: {len(small)} small counts suppressed." in meta["caveats"]
    assert json.loads((tmp_path / "dataset.json").read_text())["shared_as"] == "analyst"


def test_a_protocol_that_keeps_figures_confidential_leaves_them_out_of_the_public_export(
    demo: str, tmp_path: Path
) -> None:
    protocol = tmp_path / "protocol.yml"
    protocol.write_text("threshold: 10\nkinds:\n  figure:\n    record: confidential\n")
    out = tmp_path / "out"
    run("--db", demo, "export", "hdx", "--as-of", DATE, "-o", str(out))
    assert (out / "population.csv").exists()
    # The same folder again: the files of the tables now without rows go.
    run("--db", demo, "export", "hdx", "--as-of", DATE, "-o", str(out), "--protocol", str(protocol))
    assert sorted(p.name for p in out.glob("*.csv")) == [
        "conflict-events.csv", "operational-presence.csv",
    ]  # fmt: skip
    meta = json.loads((out / "dataset.json").read_text())
    assert meta["not_published"]["population.csv"] == "no records on or before the date"
    run("--db", demo, "export", "hdx", "--as-of", DATE, "-o", str(tmp_path / "a"),
        "--protocol", str(protocol), "--role", "analyst")  # fmt: skip
    assert (tmp_path / "a" / "population.csv").exists()
    # $LAGEBILD_PROTOCOL names it as --protocol does.
    result = CliRunner(env={"LAGEBILD_PROTOCOL": str(protocol)}).invoke(
        main, ["--db", demo, "export", "hdx", "--as-of", DATE, "-o", str(tmp_path / "e")]
    )
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "e" / "population.csv").exists()
    assert (tmp_path / "e" / "operational-presence.csv").exists()


def test_the_metadata_names_each_resource_its_rows_period_licence_and_caveats(
    public: Path,
) -> None:
    meta = json.loads((public / "dataset.json").read_text())
    resources = {r["name"]: r for r in meta["resources"]}
    assert set(resources) == {p.name for p in public.glob("*.csv")}
    for name, resource in resources.items():
        rows = rows_of(public / name)
        assert resource["rows"] == len(rows)
        assert resource["reference_period"]["start"] == min(
            r["reference_period_start"] for r in rows
        )
        assert resource["hxl"] is True and resource["format"] == "CSV"
        assert resource["hapi_endpoint"] in {
            "geography-infrastructure/baseline-population", "affected-people/humanitarian-needs",
            "affected-people/idps", "coordination-context/operational-presence",
            "coordination-context/conflict-events",
        }  # fmt: skip
    assert meta["license_id"] == "cc-by" and meta["methodology"] == "Other"
    assert meta["as_of"] == DATE and meta["dataset_date"].endswith(f"{DATE}T23:59:59]")
    assert meta["title"] and meta["notes"] and meta["methodology_other"]
    assert "food-prices.csv" in meta["not_published"]
    assert "database keeps no market prices" in meta["not_published"]["food-prices.csv"]
    assert "small counts suppressed" in meta["caveats"]
    # HDX files the dataset under its country: the lower-case ISO alpha-3 code.
    assert meta["groups"] == [{"name": "syr"}]
    assert meta["location"] == {"code": "SYR", "name": "Syrian Arab Republic", "pcode": "SY"}


def test_every_hapi_sector_code_reads_back_as_the_same_sector() -> None:
    for code, (hapi, _name) in hdx.SECTORS.items():
        assert sector_code(hapi) == code, hapi


def test_an_unknown_role_is_refused(demo: str, tmp_path: Path) -> None:
    code, out = cli("--db", demo, "export", "hdx", "--as-of", DATE, "-o", str(tmp_path),
                    "--role", "chief")  # fmt: skip
    assert code == 2 and "chief" in out
    assert not list(tmp_path.iterdir())


def test_the_real_2023_needs_of_syria_go_out_and_come_back_the_same(
    shared_data: Path, tmp_path: Path
) -> None:
    """OCHA's 2023 people in need and population of Syria's sub-districts (the shared
    data set): exported in HAPI's shape, imported again, the same numbers at every level."""
    syria = shared_data / "syria"
    db, fresh = str(tmp_path / "real.db"), str(tmp_path / "fresh.db")
    cod = syria / "cod_ab_2020-12-17"
    for name in ("syr_adm1.csv", "syr_adm2.csv", "syr_adm3_with_centroids.csv"):
        run("--db", db, "import", "--source", "OCHA COD-AB 2020-12-17", str(cod / name))
    tags = Path(__file__).parent / "data" / "hno_2023_tags.yml"
    hno = syria / "hno_2023" / "syr_hno2023_intersector_pin_severity_admin3.csv"
    run("--db", db, "import", "--source", "OCHA HNO 2023", "--date", "2023-03-15",
        "--tags", str(tags), str(hno))  # fmt: skip
    out = tmp_path / "hdx"
    run("--db", db, "export", "hdx", "--as-of", "2023-03-31", "-o", str(out))
    needs = rows_of(out / "humanitarian-needs.csv")
    with hno.open(encoding="utf-8-sig", newline="") as fh:
        stated = list(csv.DictReader(fh))
    assert len(needs) == len(stated) == len(rows_of(out / "population.csv"))
    in_need = sum(float(r["2023 HNO Inter-sector People in need"]) for r in stated)
    assert {r["admin3_code"][:2] for r in needs} == {"SY"} and all(r["admin2_code"] for r in needs)
    assert {(r["location_code"], r["admin_level"]) for r in needs} == {("SYR", "3")}
    (tmp_path / "places.csv").write_text(run("--db", db, "places", "--format", "hxl"))
    run("--db", fresh, "import", str(tmp_path / "places.csv"))
    for name in ("population.csv", "humanitarian-needs.csv"):
        run("--db", fresh, "import", str(out / name))
    for level in ("country", "adm1", "adm3"):
        command = ("situation", "--as-of", "2023-03-31", "--level", level, "--format", "json")
        before, after = (json.loads(run("--db", d, *command)) for d in (db, fresh))
        keys = ("population", "people_in_need")
        numbers = [
            [(p["pcode"], *(value(p.get(k)) for k in keys)) for p in [*s["places"], s["total"]]]
            for s in (before, after)
        ]
        assert numbers[0] == numbers[1], level
    total = sum(float(r["population"]) for r in needs)
    assert total == in_need == value(before["total"]["people_in_need"]) > 15_000_000


def test_a_country_code_that_is_not_iso_is_refused_not_guessed(demo: str, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    copy.write_bytes(Path(demo).read_bytes())
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE places SET pcode = 'S1' WHERE level = 0")
    code, out = cli("--db", str(copy), "export", "hdx", "--as-of", DATE, "-o", str(tmp_path / "o"))
    assert code == 1
    assert "'S1' is not an ISO 3166-1 alpha-2 country code" in out
    assert not (tmp_path / "o" / "dataset.json").exists()


def wfp_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [r for r in csv.DictReader(fh) if not r["date"].startswith("#")]


def test_wfp_prices_go_out_in_hapis_food_price_columns_each_row_as_given(
    demo: str, tmp_path: Path
) -> None:
    out = tmp_path / "hdx"
    run("--db", demo, "export", "hdx", "--as-of", DATE, "-o", str(out),
        "--prices", str(DEMO_PRICES))  # fmt: skip
    prices = rows_of(out / "food-prices.csv")
    given = [r for r in wfp_rows(DEMO_PRICES) if r["date"] <= DATE]
    assert len(prices) == len(given) > 2000
    # Row by row: market, commodity, unit, currency, type and price as WFP gives them; the
    # reference period the month of WFP's date.
    assert sorted(
        (r["market_code"], r["market_name"], r["commodity_name"], r["unit"], r["currency_code"],
         r["price_type"], float(r["price"]), r["reference_period_start"][:7])
        for r in prices
    ) == sorted(
        (r["market_id"], r["market"], r["commodity"], r["unit"], r["currency"], r["pricetype"],
         float(r["price"]), r["date"][:7])
        for r in given
    )  # fmt: skip
    assert all(r["reference_period_start"].endswith("-01") for r in prices)
    # Each market in its governorate's place of the gazetteer, by name.
    governorates = dict(query(demo, "SELECT name_en, pcode FROM places WHERE level = 1"))
    assert all(governorates[r["admin1_name"]] == r["admin1_code"] for r in prices)
    assert {r["location_code"] for r in prices} == {"SYR"}
    meta = json.loads((out / "dataset.json").read_text())
    resource = next(r for r in meta["resources"] if r["name"] == "food-prices.csv")
    assert resource["rows"] == len(prices) and "food-prices.csv" not in meta["not_published"]
    data = hxl.data(str(out / "food-prices.csv"), hxl.InputOptions(allow_local=True))
    assert len(list(data)) == len(prices)


def test_the_food_prices_give_the_food_basket_the_wfp_file_gives(demo: str, tmp_path: Path) -> None:
    """The basket read from the exported food prices (HAPI's columns) is the one read from
    WFP's file: the same foods, grams and costs in every governorate."""
    out = tmp_path / "hdx"
    run("--db", demo, "export", "hdx", "--as-of", DATE, "-o", str(out),
        "--prices", str(DEMO_PRICES))  # fmt: skip

    def basket(prices: Path) -> list[Any]:
        found = json.loads(run("basket", "--as-of", DATE, "--prices", str(prices),
                               "--format", "json"))  # fmt: skip
        rows = found["governorates"] if isinstance(found, dict) else found
        return sorted(json.dumps({k: v for k, v in r.items() if "prices" not in k},
                                 sort_keys=True) for r in rows)  # fmt: skip

    original, exported = basket(DEMO_PRICES), basket(out / "food-prices.csv")
    assert len(original) >= 10
    assert exported == original


def test_no_prices_file_leaves_food_prices_out_and_says_why(public: Path) -> None:
    assert not (public / "food-prices.csv").exists()
    meta = json.loads((public / "dataset.json").read_text())
    assert "--prices" in meta["not_published"]["food-prices.csv"]


def test_a_changed_prices_file_is_new_data_for_if_changed(demo: str, tmp_path: Path) -> None:
    copy = tmp_path / "demo.db"
    copy.write_bytes(Path(demo).read_bytes())
    prices, out = tmp_path / "prices.csv", tmp_path / "hdx"
    prices.write_bytes(DEMO_PRICES.read_bytes())
    command = ("--db", str(copy), "export", "hdx", "--as-of", DATE, "-o", str(out),
               "--prices", str(prices), "--if-changed")  # fmt: skip
    assert "food-prices.csv" in run(*command)
    assert "unchanged" in run(*command)
    lines = prices.read_text(encoding="utf-8").splitlines(keepends=True)
    prices.write_text("".join(lines[:-1]), encoding="utf-8")  # one price fewer
    assert "food-prices.csv" in run(*command)
