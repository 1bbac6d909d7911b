"""``lagebild export hdx``'s operational presence: who does what where of a period, the same
picture as ``/api/presence`` at the districts (4W and 3W alike), counted again from the demo's
4W file read with the csv module; organisations the public may not see named are left out and
counted; libhxl reads the file and it comes back through lagebild's 3W import.

The demo's 4W places every delivery at a community; two rows are added: one at a governorate
(it goes out at the governorate) and one naming no implementing organisation (left out, counted).
A 3W adds an organisation type, a row out of the period and an undated row.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import hxl
import pytest
from accounts_support import add_accounts, web
from click.testing import CliRunner
from demo_support import demo_database
from fastapi.testclient import TestClient

from lagebild.cli import main
from lagebild.demo import AS_OF
from lagebild.publish import hdx
from lagebild.store import Store
from lagebild.web import WebConfig, create_app

DATE = AS_OF.isoformat()
DEMO_4W = Path(__file__).resolve().parents[1] / "src/lagebild/demo/data/04_deliveries.csv"
#: HAPI's sector codes of the demo's sector words.
SECTORS = {"Food Security": "FSC", "Health": "HEA", "Shelter/NFI": "SHL", "WASH": "WSH",
           "Nutrition": "NUT"}  # fmt: skip

# Beyond the demo: a delivery known only at Idleb governorate, one naming no organisation.
MORE_4W = """\
Implementing organisation,Sector,Status,People reached,End,Governorate code,Community code
#org+impl,#sector,#status,#reached+ind,#date+end,#adm1+code,#adm4+code
Governorate Relief,Health,completed,300,2017-02-10,SY07,
,WASH,completed,50,2017-01-10,SY01,C1001
"""
# A 3W: UNHCR's type (UNHCR delivers in the demo's 4W), a row before the period, one undated.
THREE_W = """\
Organisation,Acronym,Type,Sector,Community code,Date
#org+name,#org+acronym,#org+type+name,#sector,#adm4+code,#date+reported
UNHCR,UNHCR,UN Agency,Shelter,C1001,2017-01-20
Old Aid,OLD,INGO,Health,C1002,2016-06-01
Undated Aid,UDA,INGO,WASH,C1007,
"""


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def rows_of(path: Path) -> list[dict[str, str]]:
    """The data rows of an HXL CSV, by header (the hashtag row left out)."""
    lines = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    return [dict(zip(lines[0], r, strict=True)) for r in lines[2:]]


def triples(rows: list[dict[str, str]]) -> set[tuple[str, str, str]]:
    """(organisation, HAPI sector code, P-code of the row's place) of each row."""
    return {
        (r["org_name"], r["sector_code"], r[f"admin{r['admin_level']}_code"]) for r in rows
    }


def from_4w_file(start: str, end: str) -> set[tuple[str, str, str]]:
    """Distinct (organisation, sector, district) of the demo's 4W and the rows added, dated
    in the period (a row without a district at its governorate), read with the csv module."""
    with DEMO_4W.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[1:]
    added = list(csv.DictReader(io.StringIO(MORE_4W)))[1:]
    found = set()
    for row in [*rows, *added]:
        if start <= row["End"] <= end and row["Implementing organisation"]:
            place = row.get("District code") or row["Governorate code"]
            found.add((row["Implementing organisation"], SECTORS[row["Sector"]], place))
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("hdx-presence")
    db = demo_database(folder)
    (folder / "more.csv").write_text(MORE_4W, encoding="utf-8")
    run("--db", db, "import", str(folder / "more.csv"))
    (folder / "3w.csv").write_text(THREE_W, encoding="utf-8")
    run("--db", db, "import", str(folder / "3w.csv"))
    return db


@pytest.fixture(scope="module")
def analyst(demo: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("analyst") / "hdx"
    run("--db", demo, "export", "hdx", "--as-of", DATE, "-o", str(out), "--role", "analyst")
    return out


@pytest.fixture(scope="module")
def public(demo: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("public") / "hdx"
    run("--db", demo, "export", "hdx", "--as-of", DATE, "-o", str(out))
    return out


@pytest.fixture(scope="module")
def client(demo: str) -> Iterator[TestClient]:
    with TestClient(create_app(WebConfig(db=demo))) as found:  # open: every name shown
        yield found


def test_the_default_period_is_the_three_calendar_months_up_to_the_date(analyst: Path) -> None:
    assert hdx.presence_since(date(2017, 2, 28)) == date(2016, 12, 1)
    assert hdx.presence_since(date(2017, 1, 15)) == date(2016, 11, 1)
    assert hdx.presence_since(date(2017, 12, 31)) == date(2017, 10, 1)
    meta = json.loads((analyst / "dataset.json").read_text())
    assert meta["operational_presence_period"] == {
        "start": "2016-12-01", "end": DATE, "admin_level": 2,
    }  # fmt: skip
    assert "by default the three calendar months up to the date" in meta["caveats"]
    rows = rows_of(analyst / "operational-presence.csv")
    assert {(r["reference_period_start"], r["reference_period_end"]) for r in rows} == {
        ("2016-12-01", DATE)
    }


def test_the_rows_are_who_does_what_where_of_the_web_at_the_districts_and_of_the_4w_file(
    analyst: Path, client: TestClient
) -> None:
    rows = rows_of(analyst / "operational-presence.csv")
    exported = triples([r for r in rows if r["source"] != hdx.THREE_W_SOURCE])
    # Counted another way: the 4W file, with the csv module.
    assert exported == from_4w_file("2016-12-01", DATE)
    assert len(exported) > 20
    # The web's who does what where, per district, and at the governorates for what it
    # counts only above the districts.
    period = f"from=2016-12-01&to={DATE}"
    districts = client.get(f"/api/presence?level=adm2&{period}").json()
    web = {
        (name, hdx.SECTORS[sector][0], place["pcode"])
        for place in districts["places"]
        for sector, cell in place["sectors"].items()
        for name in cell["names"]
    }
    above = {r for r in exported if r[2] == "SY07"}
    assert above == {("Governorate Relief", "HEA", "SY07")}
    assert districts["above_level"] == len(above)
    # The web shows the 3W's organisations too, listed as present: the same picture.
    assert triples(rows) == web | above
    listed = {
        (name, hdx.SECTORS[sector][0], place["pcode"])
        for place in districts["places"]
        for sector, cell in place["sectors"].items()
        for name in cell["listed_names"]
    }
    assert listed == triples([r for r in rows if hdx.THREE_W_SOURCE in r["source"]])
    # A row naming no implementing organisation is left out, and said so.
    meta = json.loads((analyst / "dataset.json").read_text())
    assert "1 sector-place rows of activities that name no implementing organisation" in (
        meta["caveats"]
    )
    # Each row is at its district (admin_level 2) or, where nothing finer is known, above it.
    assert {r["admin_level"] for r in rows} == {"1", "2"}
    assert all(not r["admin3_code"] and not r["admin4_code"] for r in rows)
    assert len(rows) == len(triples(rows))  # one row per organisation, sector and place


def test_the_3w_adds_its_organisations_of_the_period_and_their_types(analyst: Path) -> None:
    rows = rows_of(analyst / "operational-presence.csv")
    names = {r["org_name"] for r in rows}
    assert "Undated Aid" in names and "Old Aid" not in names  # undated in, 2016-06 out
    unhcr = [r for r in rows if r["org_name"] == "UNHCR"]
    # The 3W's type and acronym go on every row of the organisation, its deliveries' too.
    assert len(unhcr) > 1
    assert {(r["org_type_description"], r["org_acronym"]) for r in unhcr} == {
        ("UN Agency", "UNHCR")
    }
    # Where the 4W and the 3W name the same organisation, sector and district: one row.
    [both] = [r for r in unhcr if r["admin2_code"] == "SY0100" and r["sector_code"] == "SHL"]
    assert both["source"] == f"{hdx.THREE_W_SOURCE}; {hdx.DELIVERIES_SOURCE}"


def test_an_earlier_since_gives_the_organisations_of_the_longer_period(
    demo: str, tmp_path: Path
) -> None:
    run("--db", demo, "export", "hdx", "--as-of", DATE, "--since", "2016-01-01",
        "-o", str(tmp_path), "--role", "analyst")  # fmt: skip
    rows = rows_of(tmp_path / "operational-presence.csv")
    longer = triples([r for r in rows if r["source"] != hdx.THREE_W_SOURCE])
    assert longer == from_4w_file("2016-01-01", DATE)
    assert longer > from_4w_file("2016-12-01", DATE)
    assert {r["reference_period_start"] for r in rows} == {"2016-01-01"}
    assert "Old Aid" in {r["org_name"] for r in rows}


def test_a_since_after_the_date_is_refused(demo: str, tmp_path: Path) -> None:
    args = ["--db", demo, "export", "hdx", "--as-of", DATE, "--since", "2017-03-01"]
    result = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "x")])
    assert result.exit_code == 1, result.output
    assert "--since 2017-03-01 comes after --as-of 2017-02-28" in result.output
    assert not (tmp_path / "x").exists()


def test_the_public_sees_no_name_it_may_not_see_only_how_many_were_left_out(
    public: Path, analyst: Path
) -> None:
    rows = rows_of(public / "operational-presence.csv")
    # The 3W's names are public under the protocol; the 4W's implementing organisations not.
    assert {r["source"] for r in rows} == {hdx.THREE_W_SOURCE}
    assert triples(rows) == triples([r for r in rows_of(analyst / "operational-presence.csv")
                                     if hdx.THREE_W_SOURCE in r["source"]])  # fmt: skip
    hidden = from_4w_file("2016-12-01", DATE) - triples(rows)
    orgs = {org for org, _sector, _place in hidden}
    meta = json.loads((public / "dataset.json").read_text())
    # (Other tables name sources that mention organisations: a WFP spokesperson.)
    text = (public / "operational-presence.csv").read_text(encoding="utf-8") + meta["caveats"]
    for org in orgs - {r["org_name"] for r in rows}:
        assert org not in text, org
    assert (
        f"operational-presence.csv: {len(hidden)} organisation-sector-place rows of "
        f"{len(orgs)} organisations left out: the sharing protocol does not show this reader"
    ) in meta["caveats"]
    assert meta["shared_as"] == "viewer"


def test_the_public_export_leaves_out_the_organisations_the_public_presence_page_counts_unnamed(
    demo: str, public: Path, analyst: Path, tmp_path: Path, cheap_hashes: None
) -> None:
    copy = tmp_path / "with-accounts.db"
    shutil.copyfile(demo, copy)
    store = Store.open(str(copy))
    add_accounts(store, {"analyst1": ("analyst", None)})  # no longer open: the public is a viewer
    with web(store, public=True) as anonymous:
        period = f"from=2016-12-01&to={DATE}"
        seen = anonymous.get(f"/api/presence?level=adm2&{period}").json()
    cells = [c for p in seen["places"] for c in p["sectors"].values()]
    # The public sees by name only the organisations a 3W lists (public under the protocol).
    assert cells and all(c["names"] == c["listed_names"] for c in cells)
    assert any(c["names"] for c in cells)
    unnamed = sum(c["unnamed"] for c in cells) + seen["above_level"]
    # Those the 3W names publicly stay, on the page and in the export; every other one is
    # left out and counted.
    meta = json.loads((public / "dataset.json").read_text())
    assert f"operational-presence.csv: {unnamed} organisation-sector-place rows" in (
        meta["caveats"]
    )
    shown = {
        (name, hdx.SECTORS[sector][0], place["pcode"])
        for place in seen["places"]
        for sector, cell in place["sectors"].items()
        for name in cell["names"]
    }
    assert shown == triples(rows_of(public / "operational-presence.csv"))


def test_a_protocol_that_keeps_the_3ws_organisations_restricted_leaves_them_out_too(
    demo: str, tmp_path: Path
) -> None:
    protocol = tmp_path / "protocol.yml"
    protocol.write_text(
        "threshold: 10\nkinds:\n  delivery:\n    record: public\n    fields:\n"
        "      org_impl: restricted\n  presence:\n    record: public\n    fields:\n"
        "      org: restricted\n      org_acronym: restricted\n"
    )
    out = tmp_path / "out"
    run("--db", demo, "export", "hdx", "--as-of", DATE, "-o", str(out), "--protocol", str(protocol))
    assert not (out / "operational-presence.csv").exists()
    meta = json.loads((out / "dataset.json").read_text())
    # UNHCR's and Undated Aid's rows of the period; Old Aid's is before it.
    assert "operational-presence.csv: 2 3W rows left out: the sharing protocol" in meta["caveats"]
    assert "Undated Aid" not in json.dumps(meta)
    assert meta["not_published"]["operational-presence.csv"].startswith(
        "the sharing protocol shows this reader none of the names"
    )


def test_libhxl_reads_the_operational_presence_with_hapis_columns(analyst: Path) -> None:
    path = analyst / "operational-presence.csv"
    data = hxl.data(str(path), hxl.InputOptions(allow_local=True))
    columns = hdx.COLUMNS["operational_presence"]
    assert [c.display_tag for c in data.columns] == [c.hxl for c in columns]
    found = list(data)
    assert len(found) == len(rows_of(path))
    assert all(r.get("#org+name") and r.get("#sector+code") for r in found)
    assert {r.get("#country+code") for r in found} == {"SYR"}


def test_the_operational_presence_comes_back_as_a_3w_that_gives_the_same_table(
    demo: str, analyst: Path, tmp_path: Path
) -> None:
    fresh = str(tmp_path / "fresh.db")
    (tmp_path / "places.csv").write_text(run("--db", demo, "places", "--format", "hxl"))
    run("--db", fresh, "import", str(tmp_path / "places.csv"))
    out = run("--db", fresh, "import", str(analyst / "operational-presence.csv"))
    assert "presence" in out
    again = tmp_path / "again"
    run("--db", fresh, "export", "hdx", "--as-of", DATE, "-o", str(again), "--role", "analyst")
    assert rows_of(again / "operational-presence.csv") == rows_of(
        analyst / "operational-presence.csv"
    )
