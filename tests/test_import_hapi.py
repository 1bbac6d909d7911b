"""Files shaped as HDX HAPI's own pipelines write them import with the numbers they hold.

Each header and HXL row below is copied from a test fixture of the OCHA-DAP scraper that writes
HAPI's global file (the last version of the fixture with an HXL row; the newest versions have
the same header):

- population: OCHA-DAP/hdx-scraper-cod-population,
  tests/fixtures/hdx_hapi_population_global_hrp.csv at 386fd813fe4a54fc6e05bbad6bf78bf9aef8448a;
- humanitarian needs: OCHA-DAP/hdx-scraper-hno,
  tests/fixtures/hdx_hapi_humanitarian_needs_global_2024.csv at
  5f6c803b36400b3f5fb65401dc7431cad60e3d6f;
- IDPs: OCHA-DAP/hdx-scraper-iom-dtm, tests/fixtures/hdx_hapi_idps_global.csv at
  a6b9e741a4dc4d8c0439c934c043a81a5197fa39;
- operational presence: OCHA-DAP/hdx-scraper-operationalpresence,
  tests/fixtures/hdx_hapi_operational_presence_global.csv at
  9be7de612a7c4132b42aae40b304f6acaedea983;
- food prices: OCHA-DAP/hdx-scraper-wfp-foodprices,
  tests/fixtures/global/hdx_hapi_food_price_global_2024.csv at
  07a6b4375385361a1323a5fa5115d4de9e6cf6a9.

The rows are this test's own: places of the demo's gazetteer (Syria's P-codes), numbers
made up here, each compared with what the database then holds.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import lagebild.demo
from lagebild.analysis.basket import price_rows
from lagebild.cli import main
from lagebild.publish import hdx

PLACES = Path(lagebild.demo.__file__).parent / "data" / "01_places.csv"
BOM = "\ufeff"  # the population and IDPs files begin with one

POPULATION = BOM + """\
location_code,has_hrp,in_gho,provider_admin1_name,provider_admin2_name,admin1_code,admin1_name,admin2_code,admin2_name,admin_level,gender,age_range,min_age,max_age,population,reference_period_start,reference_period_end,dataset_hdx_id,resource_hdx_id,warning,error
#country+code,#meta+has_hrp,#meta+in_gho,#adm1+name+provider,#adm2+name+provider,#adm1+code,#adm1+name,#adm2+code,#adm2+name,#adm+level,#gender+code,#age+range,#age+min,#age+max,#population,#date+start,#date+end,#meta+dataset_id,#meta+resource_id,#meta+warning,#meta+error
SYR,Y,Y,,,,,,,0,all,all,,,20100000,2024-01-01,2024-12-31,d1,r1,,
SYR,Y,Y,Aleppo,,SY02,Aleppo,,,1,f,all,,,2110000,2024-01-01,2024-12-31,d1,r1,,
SYR,Y,Y,Aleppo,,SY02,Aleppo,,,1,m,all,,,2040000,2024-01-01,2024-12-31,d1,r1,,
SYR,Y,Y,Aleppo,Jebel Saman,SY02,Aleppo,SY0200,Jebel Saman,2,all,0-4,0,4,310000,2024-01-01,2024-12-31,d1,r1,,
SYR,Y,Y,Idleb,Idleb,SY07,Idleb,SY0700,Idleb,2,all,80+,80,,12000,2024-01-01,2024-12-31,d1,r1,,
"""  # noqa: E501

NEEDS = """\
location_code,has_hrp,in_gho,provider_admin1_name,provider_admin2_name,admin1_code,admin1_name,admin2_code,admin2_name,admin_level,sector_code,sector_name,category,population_status,population,reference_period_start,reference_period_end,dataset_hdx_id,resource_hdx_id,warning,error
#country+code,#meta+has_hrp,#meta+in_gho,#adm1+name+provider,#adm2+name+provider,#adm1+code,#adm1+name,#adm2+code,#adm2+name,#adm+level,#sector+cluster+code,#sector+cluster+name,#category,#population+status,#population,#date+start,#date+end,#meta+dataset_id,#meta+resource_id,#meta+warning,#meta+error
SYR,Y,Y,,,,,,,0,Intersectoral,Intersectoral,,INN,16700000,2024-01-01,2024-12-31,d2,r2,,
SYR,Y,Y,,,,,,,0,Intersectoral,Intersectoral,,TGT,10800000,2024-01-01,2024-12-31,d2,r2,,
SYR,Y,Y,Aleppo,,SY02,Aleppo,,,1,Intersectoral,Intersectoral,total,INN,4020000,2024-01-01,2024-12-31,d2,r2,,
SYR,Y,Y,Aleppo,,SY02,Aleppo,,,1,Intersectoral,Intersectoral,Children - Female - IDP,INN,301000,2024-01-01,2024-12-31,d2,r2,,
SYR,Y,Y,Aleppo,Jebel Saman,SY02,Aleppo,SY0200,Jebel Saman,2,HEA,Health,,INN,1530000,2024-01-01,2024-12-31,d2,r2,,
SYR,Y,Y,Idleb,Idleb,SY07,Idleb,SY0700,Idleb,2,FSC,Food Security,Adult - Male,REA,45500,2024-01-01,2024-12-31,d2,r2,,
SYR,Y,Y,Idleb,Idleb,SY07,Idleb,SY0700,Idleb,2,PRO,Protection,People with Disabilities,AFF,7300,2024-01-01,2024-12-31,d2,r2,,
"""  # noqa: E501

IDPS = BOM + """\
location_code,has_hrp,in_gho,provider_admin1_name,provider_admin2_name,admin1_code,admin1_name,admin2_code,admin2_name,admin_level,operation,assessment_type,population,reporting_round,reference_period_start,reference_period_end,dataset_hdx_id,resource_hdx_id,warning,error
#country+code,#meta+has_hrp,#meta+in_gho,#adm1+name+provider,#adm2+name+provider,#adm1+code,#adm1+name,#adm2+code,#adm2+name,#adm+level,#operation+name,#assessment+type,#affected+idps,#round+code,#date+start,#date+end,#meta+dataset_id,#meta+resource_id,#meta+warning,#meta+error
SYR,Y,Y,,,,,,,0,Displacement in Syria,BA,7240000,12,2024-03-31,2024-03-31,d3,r3,,
SYR,Y,Y,Aleppo,Jebel Saman,SY02,Aleppo,SY0200,Jebel Saman,2,Displacement in Syria,BA,356000,12,2024-03-31,2024-03-31,d3,r3,,
SYR,Y,Y,Idleb,Idleb,SY07,Idleb,SY0700,Idleb,2,Displacement in Syria,BA,412000,12,2024-03-31,2024-03-31,d3,r3,,
"""  # noqa: E501

PRESENCE = """\
location_code,has_hrp,in_gho,provider_admin1_name,provider_admin2_name,admin1_code,admin1_name,admin2_code,admin2_name,admin_level,org_acronym,org_name,org_type_description,sector_code,sector_name,reference_period_start,reference_period_end,dataset_hdx_id,resource_hdx_id,warning,error
#country+code,#meta+has_hrp,#meta+in_gho,#adm1+name+provider,#adm2+name+provider,#adm1+code,#adm1+name,#adm2+code,#adm2+name,#adm+level,#org+acronym,#org+name,#org+type+desc,#sector+code,#sector+name,#date+start,#date+end,#meta+dataset_id,#meta+resource_id,#meta+warning,#meta+error
SYR,Y,Y,Aleppo,Jebel Saman,SY02,Aleppo,SY0200,Jebel Saman,2,SARC,Syrian Arab Red Crescent,National NGO,HEA,Health,2024-01-01,2024-06-30,d4,r4,,
SYR,Y,Y,Idleb,Idleb,SY07,Idleb,SY0700,Idleb,2,WFP,World Food Programme,UN Agency,FSC,Food Security,2024-01-01,2024-06-30,d4,r4,,
SYR,Y,Y,Idleb,,SY07,Idleb,,,1,EXA,Example Aid,International NGO,WSH,Water Sanitation Hygiene,2024-01-01,2024-06-30,d4,r4,,
"""  # noqa: E501

PRICES = """\
location_code,has_hrp,in_gho,provider_admin1_name,provider_admin2_name,admin1_code,admin1_name,admin2_code,admin2_name,admin_level,market_name,market_code,lat,lon,commodity_category,commodity_name,commodity_code,unit,price_flag,price_type,currency_code,price,usd_price,reference_period_start,reference_period_end,dataset_hdx_id,resource_hdx_id,warning,error
#country+code,#meta+has_hrp,#meta+in_gho,#adm1+name+provider,#adm2+name+provider,#adm1+code,#adm1+name,#adm2+code,#adm2+name,#adm+level,#loc+market+name,#loc+market+code,#geo+lat,#geo+lon,#item+type,#item+name,#item+code,#item+unit,#item+price+flag,#item+price+type,#currency+code,#value,#value+usd,#date+start,#date+end,#meta+dataset_id,#meta+resource_id,#meta+warning,#meta+error
SYR,Y,Y,Aleppo,Jebel Saman,SY02,Aleppo,SY0200,Jebel Saman,2,Aleppo city,1130,36.2,37.16,cereals and tubers,Bread (public),123,KG,actual,Retail,SYP,1200,0.09,2024-01-15,2024-02-14,d5,r5,,
SYR,Y,Y,Idleb,Idleb,SY07,Idleb,SY0700,Idleb,2,Idleb city,1140,,,pulses and nuts,Lentils,456,KG,aggregate,Retail,SYP,16500,1.27,2024-01-15,2024-02-14,d5,r5,,
"""  # noqa: E501

FIGURES = (
    "SELECT p.pcode, f.indicator, f.sector, f.gender, f.age, f.population_group, f.disability,"
    " f.date, f.value FROM figures f JOIN places p ON p.id = f.place_id ORDER BY 1, 2, 3, 4, 5,"
    " 6, 7"
)


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def query(db: str, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture
def fresh(tmp_path: Path) -> str:
    """A database holding the demo's gazetteer only."""
    db = str(tmp_path / "fresh.db")
    run("--db", db, "import", str(PLACES))
    return db


def imported(db: str, folder: Path, name: str, text: str) -> list[tuple[Any, ...]]:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    assert "imported" in run("--db", db, "import", str(path))
    return query(db, FIGURES)


def test_hapis_population_file_imports_with_its_numbers(fresh: str, tmp_path: Path) -> None:
    day = "2024-01-01"
    assert imported(fresh, tmp_path, "population.csv", POPULATION) == [
        ("SY", "population", "", "", "", "", "", day, 20100000.0),
        ("SY02", "population", "", "f", "", "", "", day, 2110000.0),
        ("SY02", "population", "", "m", "", "", "", day, 2040000.0),
        ("SY0200", "population", "", "", "0-4", "", "", day, 310000.0),
        ("SY0700", "population", "", "", "80+", "", "", day, 12000.0),
    ]


def test_hapis_needs_file_imports_each_status_and_category_as_its_figure(
    fresh: str, tmp_path: Path
) -> None:
    day = "2024-01-01"
    # The status (AFF, INN, TGT, REA) is the indicator, #population its number; the category
    # gives the gender, age, group and disability of the figure (blank or total: the total).
    assert imported(fresh, tmp_path, "needs.csv", NEEDS) == [
        ("SY", "inneed", "", "", "", "", "", day, 16700000.0),
        ("SY", "targeted", "", "", "", "", "", day, 10800000.0),
        ("SY02", "inneed", "", "", "", "", "", day, 4020000.0),
        ("SY02", "inneed", "", "f", "children", "idps", "", day, 301000.0),
        ("SY0200", "inneed", "health", "", "", "", "", day, 1530000.0),
        ("SY0700", "affected", "protection", "", "", "", "y", day, 7300.0),
        ("SY0700", "reached_figure", "food", "m", "adults", "", "", day, 45500.0),
    ]
    # No baseline population comes of the needs' #population column.
    assert not query(fresh, "SELECT * FROM figures WHERE indicator = 'population'")


def test_a_hapi_category_lagebild_cannot_read_refuses_its_row_naming_it(
    fresh: str, tmp_path: Path
) -> None:
    """HAPI's categories include households and places of return, which are no dimension of
    lagebild's figures: such a row is an error, never imported as a total."""
    text = NEEDS + (
        "SYR,Y,Y,Idleb,Idleb,SY07,Idleb,SY0700,Idleb,2,SHL,Shelter,Total Households,INN,900,"
        "2024-01-01,2024-12-31,d2,r2,,\n"
    )
    path = tmp_path / "needs.csv"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["--db", fresh, "import", str(path)])
    assert result.exit_code != 0
    assert "value 'Total Households'" in result.output
    assert "lagebild cannot read Total Households" in result.output
    assert "nothing was imported" in result.output
    assert not query(fresh, "SELECT * FROM figures WHERE value = 900")


def test_a_row_hapi_marks_as_an_error_is_an_error_here_too(fresh: str, tmp_path: Path) -> None:
    """HAPI's files keep the rows its loader skips, with their error (the population fixture
    has two ``Duplicate row``): refused, naming HAPI's error; --skip-invalid imports the
    others."""
    text = POPULATION + (
        "SYR,Y,Y,Aleppo,,SY02,Aleppo,,,1,f,all,,,2110000,2024-01-01,2024-12-31,d1,r1,,"
        "Duplicate row\n"
    )
    path = tmp_path / "population.csv"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["--db", fresh, "import", str(path)])
    assert result.exit_code != 0
    assert "HDX HAPI marks this row as an error and does not load it: Duplicate row" in (
        result.output
    )
    assert not query(fresh, FIGURES)
    run("--db", fresh, "import", str(path), "--skip-invalid")
    aleppo_f = "SELECT count(*) FROM figures WHERE gender = 'f'"
    assert query(fresh, aleppo_f) == [(1,)]
    assert len(query(fresh, FIGURES)) == 5


def test_hapis_idps_file_imports_the_displaced_of_each_place(fresh: str, tmp_path: Path) -> None:
    day = "2024-03-31"
    assert imported(fresh, tmp_path, "idps.csv", IDPS) == [
        ("SY", "idps", "", "", "", "", "", day, 7240000.0),
        ("SY0200", "idps", "", "", "", "", "", day, 356000.0),
        ("SY0700", "idps", "", "", "", "", "", day, 412000.0),
    ]


def test_hapis_operational_presence_file_imports_as_a_3w(fresh: str, tmp_path: Path) -> None:
    path = tmp_path / "presence.csv"
    path.write_text(PRESENCE, encoding="utf-8")
    run("--db", fresh, "import", str(path))
    rows = query(
        fresh,
        "SELECT p.pcode, r.org, r.org_acronym, r.org_type, r.sector, r.date FROM presence r "
        "JOIN places p ON p.id = r.place_id ORDER BY 1, 2",
    )
    assert rows == [
        ("SY0200", "Syrian Arab Red Crescent", "SARC", "National NGO", "health", "2024-06-30"),
        ("SY07", "Example Aid", "EXA", "International NGO", "wash", "2024-06-30"),
        ("SY0700", "World Food Programme", "WFP", "UN Agency", "food", "2024-06-30"),
    ]


def test_hapis_food_prices_file_reads_as_wfps_prices(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_text(PRICES, encoding="utf-8")
    rows = [row for _number, row in price_rows(path)]
    got = [
        (r["date"], r["admin1"], r["market"], r["commodity"], r["price"], r["usdprice"])
        for r in rows
    ]
    assert got == [
        ("2024-01-15", "Aleppo", "Aleppo city", "Bread (public)", "1200", "0.09"),
        ("2024-01-15", "Idleb", "Idleb city", "Lentils", "16500", "1.27"),
    ]


@pytest.mark.parametrize(
    ("name", "text"),
    [("population", POPULATION), ("humanitarian_needs", NEEDS), ("idps", IDPS),
     ("operational_presence", PRESENCE), ("food_prices", PRICES)],
)  # fmt: skip
def test_lagebilds_tables_begin_with_the_header_and_hashtags_hapi_writes(
    name: str, text: str
) -> None:
    header, tags = (line.split(",") for line in text.lstrip(BOM).splitlines()[:2])
    columns = hdx.COLUMNS[name][: len(header)]
    assert [c.key for c in columns] == header
    assert [c.hxl for c in columns] == tags
