"""Who does what where is one picture of the 4W and the 3W: on the demo database with a 3W
imported, ``lagebild presence`` gives the JSON of ``/api/presence`` for the same filters; an
organisation only a 3W lists shows on ``/presence``, on its own page and in the command line,
marked as listed; the counts are those of the two CSV files read with the csv module (a
listing counts the organisation, never an activity or people reached).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from demo_support import demo_database
from fastapi.testclient import TestClient

from lagebild.analysis.presence import LISTED, REPORTED
from lagebild.cli import main
from lagebild.web import WebConfig, create_app

DEMO_4W = Path(__file__).resolve().parents[1] / "src/lagebild/demo/data/04_deliveries.csv"
SECTORS = {"Food Security": "food", "Health": "health", "Shelter/NFI": "shelter", "WASH": "wash",
           "Nutrition": "nutrition"}  # fmt: skip
DELIVERED = {"completed", "partial", "ongoing"}

#: Mercy Relief is only listed (once dated, once undated); WFP and UNICEF are listed where
#: they also deliver (UNICEF only at its governorate); Old Listing is dated long before.
THREE_W = """\
Organisation,Acronym,Sector,Governorate code,District code,Date
#org+name,#org+acronym,#sector,#adm1+code,#adm2+code,#date+reported
Mercy Relief,MR,Health,SY01,SY0100,2017-02-01
Mercy Relief,MR,WASH,SY11,SY1101,
WFP,WFP,Food Security,SY09,SY0901,2017-01-15
UNICEF,UNICEF,WASH,SY04,,2017-02-10
Old Listing,OL,Shelter/NFI,SY02,SY0200,2016-03-01
"""


def run(db: str, *args: str) -> str:
    result = CliRunner().invoke(main, ["--db", db, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("presence-3w")
    found = demo_database(folder)
    (folder / "3w.csv").write_text(THREE_W, encoding="utf-8")
    assert "presence" in run(found, "import", str(folder / "3w.csv"))
    return found


@pytest.fixture(scope="module")
def client(db: str) -> Iterator[TestClient]:
    with TestClient(create_app(WebConfig(db=db))) as found:  # open: every name shown
        yield found


# -- counted another way: the two files with the csv module -----------------------------------


def four_w() -> list[dict[str, str]]:
    with DEMO_4W.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[1:]
    for row in rows:
        row["sector"] = SECTORS[row["Sector"]]
        row["date"] = row["End"]
    return rows


def three_w() -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(THREE_W)))[1:]
    for row in rows:
        row["sector"] = SECTORS.get(row["Sector"], row["Sector"].lower())
    return rows


def expected(start: str = "", end: str = "9999") -> dict[str, dict[str, Any]]:
    """Per governorate: the organisations that reported activities dated in the period, those
    listed by a 3W row dated in it or undated, activities and people reached (4W only)."""
    out: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"reported": set(), "listed": set(), "activities": 0, "reached": 0.0}
    )
    for row in four_w():
        if start <= row["date"] <= end:
            place = out[row["Governorate code"]]
            place["reported"].add(row["Implementing organisation"])
            place["activities"] += 1
            if row["Status"].strip().lower() in DELIVERED and row["People reached"]:
                place["reached"] += float(row["People reached"])
    for row in three_w():
        if not row["Date"] or start <= row["Date"] <= end:
            out[row["Governorate code"]]["listed"].add(row["Organisation"])
    return out


@pytest.mark.parametrize(("query", "start", "end"), [
    ("", "", "9999"),
    ("month=2017-02", "2017-02-01", "2017-02-28"),
    ("from=2017-01-01&to=2017-01-31", "2017-01-01", "2017-01-31"),
])  # fmt: skip
def test_the_counts_are_those_of_the_4w_and_3w_files(
    client: TestClient, query: str, start: str, end: str
) -> None:
    data = client.get(f"/api/presence?{query}").json()
    want = expected(start, end)
    got = {p["pcode"]: p for p in data["places"]}
    assert set(got) == set(want)
    for pcode, place in want.items():
        row = got[pcode]
        both = place["reported"] | place["listed"]
        assert row["organisations"] == len(both), pcode
        assert row["names"] == sorted(both), pcode
        assert (row["reported"], row["listed"]) == (len(place["reported"]), len(place["listed"]))
        assert row["listed_only"] == len(place["listed"] - place["reported"]), pcode
        assert row["activities"] == place["activities"], pcode
        assert row["reached"] == pytest.approx(place["reached"]), pcode
    rows = [r for r in four_w() if start <= r["date"] <= end]
    assert data["total"]["activities"] == len(rows)  # listings add no activity
    listed_orgs = {
        r["Organisation"] for r in three_w() if not r["Date"] or start <= r["Date"] <= end
    }
    assert data["total"]["organisations"] == len(
        {r["Implementing organisation"] for r in rows} | listed_orgs
    )


@pytest.mark.parametrize("args", [
    (),
    ("--level", "adm2"),
    ("--place", "SY01", "--level", "adm2"),
    ("--sector", "health"),
    ("--sector", "Food Security", "--month", "2017-01"),
    ("--organisation", "mercy relief"),
    ("--organisation", "WFP", "--from", "2017-01-01", "--to", "2017-02-28"),
    ("--status", "completed"),
    ("--modality", "in kind"),
])  # fmt: skip
def test_the_command_line_gives_the_json_of_the_api_for_the_same_filters(
    db: str, client: TestClient, args: tuple[str, ...]
) -> None:
    names = {"--place": "pcode", "--from": "from", "--to": "to"}
    pairs = zip(args[::2], args[1::2], strict=True)
    query = {names.get(k, k.removeprefix("--")): v for k, v in pairs}
    api = client.get("/api/presence", params=query)
    assert api.status_code == 200, api.text
    cli = json.loads(run(db, "presence", *args, "--format", "json"))
    assert cli == api.json()
    assert cli["total"]["organisations"] > 0


@pytest.mark.parametrize(("args", "says"), [
    (("--status", "done-ish"), "unknown status 'done-ish'"),
    (("--month", "2017-13"), "'2017-13' is not a month YYYY-MM"),
    (("--from", "2017-02-01", "--to", "2017-01-01"), "2017-01-01 is before --from (2017-02-01)"),
])  # fmt: skip
def test_the_command_line_refuses_a_filter_it_cannot_read(
    db: str, args: tuple[str, ...], says: str
) -> None:
    result = CliRunner().invoke(main, ["--db", db, "presence", *args])
    assert result.exit_code == 2, result.output
    assert says in result.output


def test_a_status_or_modality_filter_keeps_no_listing(client: TestClient) -> None:
    for query in ("status=completed", "modality=in kind"):
        data = client.get(f"/api/presence?{query}").json()
        assert data["total"]["listed"] == 0, query
        assert "Mercy Relief" not in {o["name"] for o in data["organisations"]}
    page = client.get("/presence?status=completed").text
    assert 'id="no-listings-note"' in page


def test_an_organisation_only_a_3w_lists_shows_everywhere_marked_as_listed(
    db: str, client: TestClient
) -> None:
    data = client.get("/api/presence").json()
    [mercy] = [o for o in data["organisations"] if o["name"] == "Mercy Relief"]
    assert (mercy["reported"], mercy["listed"], mercy["source"]) == (False, True, LISTED)
    assert (mercy["activities"], mercy["reached"]) == (0, 0.0)
    [wfp] = [o for o in data["organisations"] if o["name"] == "WFP"]
    assert wfp["source"] == f"{REPORTED}; {LISTED}"
    damascus = next(p for p in data["places"] if p["pcode"] == "SY01")
    assert damascus["sectors"]["health"]["listed_names"] == ["Mercy Relief"]
    assert damascus["sectors"]["health"]["reported_names"] == []
    # The page: in the matrix with its mark, in the organisations with its source.
    page = client.get("/presence")
    assert page.status_code == 200
    row = page.text.split('data-organisation="Mercy Relief"')[1].split("</tr>")[0]
    assert "listed as present" in row and "/organisations/mercy-relief" in row
    cell = page.text.split('href="/organisations/mercy-relief" dir="auto">Mercy Relief</a>')[1]
    assert cell.startswith(' <span class="listed"')
    # Its own page: where it is listed, nothing reported.
    own = client.get("/organisations/mercy-relief")
    assert own.status_code == 200, own.text[:300]
    assert 'id="organisation-name">Mercy Relief<' in own.text
    assert "SY0100" in own.text and "SY1101" in own.text
    profile = client.get("/api/organisations/mercy-relief").json()
    assert (profile["activities"], profile["listed"], profile["reported"]) == (0, True, False)
    assert {p["pcode"] for p in profile["places"]} == {"SY0100", "SY1101"}
    assert {g["pcode"] for g in profile["governorates"]} == {"SY01", "SY11"}
    assert profile["months"] == []
    # Its map: a point per place its listings name, at the level they name (districts).
    layer = client.get("/api/map/organisations/mercy-relief").json()
    assert {f["properties"]["pcode"] for f in layer["features"]} == {"SY0100", "SY1101"}
    assert {f["properties"]["source"] for f in layer["features"]} == {LISTED}
    assert 'data-pcode="SY0100"' in own.text
    # The command line: in its table and its JSON.
    table = run(db, "presence", "--level", "adm2", "--organisation", "Mercy Relief")
    assert "2 places (0 reported activities, 1 listed as present)" in table.splitlines()[0]
    assert "SY0100" in table and "SY1101" in table
    rows = list(csv.DictReader(io.StringIO(run(db, "presence", "--format", "csv"))))
    assert sum(int(r["Listed as present"]) for r in rows) == sum(
        p["listed"] for p in data["places"]
    )


def test_the_download_says_where_each_row_comes_from(client: TestClient) -> None:
    text = client.get("/api/presence?level=adm2&format=csv").text
    rows = list(csv.DictReader(io.StringIO(text)))
    mercy = [r for r in rows if r["Organisation"] == "Mercy Relief"]
    assert {(r["P-code"], r["Source"], r["Activities"], r["Reached"]) for r in mercy} == {
        ("SY0100", LISTED, "", ""),
        ("SY1101", LISTED, "", ""),
    }
    [wfp] = [r for r in rows if r["Organisation"] == "WFP" and r["P-code"] == "SY0901"]
    assert wfp["Source"] == f"{REPORTED}; {LISTED}" and int(wfp["Activities"]) > 0
    assert {r["Source"] for r in rows} == {REPORTED, LISTED, f"{REPORTED}; {LISTED}"}


def test_gaps_do_not_change_with_a_3w(tmp_path: Path, client: TestClient) -> None:
    """Presence never counts as a delivery: the gaps of the demo without the 3W are those
    with it."""
    plain = demo_database(tmp_path)
    with TestClient(create_app(WebConfig(db=plain))) as without:
        before = without.get("/api/gaps?as_of=2017-02-28").json()
    assert client.get("/api/gaps?as_of=2017-02-28").json() == before


# -- who sees which names: the 3W's follow the protocol's presence org ------------------------

RESTRICTED_3W = (
    "threshold: 10\nkinds:\n  delivery:\n    record: public\n    fields:\n"
    "      org_impl: restricted\n  presence:\n    record: public\n    fields:\n"
    "      org: restricted\n"
)


@pytest.mark.usefixtures("cheap_hashes")
@pytest.mark.parametrize("restricted", [False, True])
def test_the_public_sees_a_3w_s_names_as_the_protocol_says_and_counts_the_rest(
    db: str, tmp_path: Path, restricted: bool
) -> None:
    import shutil

    from accounts_support import add_accounts, web

    from lagebild.store import Store

    copy = tmp_path / "with-accounts.db"
    shutil.copyfile(db, copy)
    store = Store.open(str(copy))
    add_accounts(store, {"analyst1": ("analyst", None)})  # no longer open: the public sees
    config: dict[str, object] = {"public": True}
    if restricted:
        (tmp_path / "protocol.yml").write_text(RESTRICTED_3W, encoding="utf-8")
        config["protocol"] = str(tmp_path / "protocol.yml")
    with web(store, **config) as anonymous:
        data = anonymous.get("/api/presence").json()
        rows = list(csv.DictReader(io.StringIO(
            anonymous.get("/api/presence?format=csv").text)))  # fmt: skip
        wfp = anonymous.get("/api/organisations/wfp")
        mercy = anonymous.get("/organisations/mercy-relief").status_code
        sarc = anonymous.get("/organisations/sarc").status_code
    total = data["total"]
    listed = {r["Organisation"] for r in three_w()}
    assert total["organisations"] == len(
        {r["Implementing organisation"] for r in four_w()} | listed
    )
    named = set() if restricted else listed
    assert set(total["names"]) == set(total["listed_names"]) == named
    assert total["unnamed"] == total["organisations"] - len(named)
    assert {o["name"] for o in data["organisations"]} == named
    assert (mercy, sarc) == ((404 if restricted else 200), 404)
    # A name the 3W gives publicly does not name its organisation's deliveries: WFP delivers
    # and is listed; the public sees it listed, its activities among the unnamed.
    assert total["reported_names"] == []
    named_rows = [r for r in rows if r.get("Organisation")]  # no column when none is named
    assert {r["Organisation"] for r in named_rows} == named
    assert all((r["Source"], r["Activities"], r.get("Reached", "")) == (LISTED, "", "")
               for r in named_rows)  # fmt: skip
    assert sum(int(r["Activities"] or 0) for r in rows) == len(four_w())
    if restricted:
        assert wfp.status_code == 404
    else:
        assert (wfp.json()["activities"], wfp.json()["months"]) == (0, [])
