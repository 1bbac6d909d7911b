"""The inputs of a delivery plan as HXL files (docs/plan.md, "Inputs"): each kind recognised from
its hashtags, every bad cell refused with its row, column and value, a file all or nothing; the
store's answers (the newest stock count, the limits valid on a date) against answers worked out
by hand; undo; and the demo's planning case read back against its CSV files."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from lagebild.cli import main
from lagebild.demo import DATA_DIR
from lagebild.ingest import ImportFailed, ImportOptions, import_file
from lagebild.ingest.problems import ImportReport
from lagebild.store import Store
from lagebild.store import plan as plan_store
from lagebild.store.imports import all_imports, undo_import
from lagebild.web import WebConfig, create_app

GAZETTEER = """\
#country+code,#country+name,#adm1+code,#adm1+name,#adm4+code,#adm4+name
SY,Syria,SY01,Damascus,C1001,Damascus city
SY,Syria,SY03,Rural Damascus,C2450,Madaya
SY,Syria,SY03,Rural Damascus,C2499,Madamiyet Elsham
SY,Syria,SY07,Idleb,C6389,Bab El Hawa
"""
WAREHOUSES = """\
Warehouse,Community,Lat,Lon,Trucks a week
#loc+warehouse+name,#adm4+code,#geo+lat,#geo+lon,#capacity+trucks+week
Damascus hub,C1001,,,40
Border hub,,36.23,36.69,60
"""
ITEMS = """\
#item+name,#sector,#indicator+people+week,#indicator+units+truck,#item+unit,#indicator+kcal,#indicator+protein,#indicator+fat
Food ration,Food,21.4,340,parcel,226710,6000,5205
Hygiene kit,WASH,21.4,1000,kit,,,
"""
STOCK_HEADER = "#loc+warehouse+name,#item+name,#value+units,#date\n"
DAMASCUS, BORDER, FOOD, KITS = "Damascus hub", "Border hub", "Food ration", "Hygiene kit"
STOCK = """\
#loc+warehouse+name,#item+name,#value+units,#date
Damascus hub,Food ration,500,
Damascus hub,Food ration,900,2017-01-31
DAMASCUS HUB,food ration,700,2017-02-28
Damascus hub,Food ration,9999,2017-03-15
Border hub,Hygiene kit,300,
Border hub,Food ration,50,2017-02-28
"""
LIMITS = """\
#adm4+code,#capacity+trucks+week,#date+start,#date+end
C2499,0,2012-11-15,2016-10-18
C2499,2,2016-10-19,
C2450,4,,2017-02-27
C2450,1,2017-02-01,
"""
ROUTES = """\
#loc+route+name,#loc+warehouse+name,#adm1+code,#capacity+trucks+week,#indicator+distance+km
Bab al-Hawa crossing,Border hub,SY07,50,40
Damascus to Madaya,damascus hub,C2450,,45
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def load(store: Store, folder: Path, name: str, text: str, **options: object) -> ImportReport:
    return import_file(store, write(folder, name, text), ImportOptions(**options))  # type: ignore[arg-type]


def refused(store: Store, folder: Path, name: str, text: str) -> ImportReport:
    with pytest.raises(ImportFailed) as caught:
        load(store, folder, name, text)
    return caught.value.report


@pytest.fixture
def planned(store: Store, tmp_path: Path) -> Store:
    """A gazetteer, then warehouses, items, stock, place limits and routes, in that order."""
    load(store, tmp_path, "gazetteer.csv", GAZETTEER)
    for name, text in (
        ("warehouses.csv", WAREHOUSES), ("items.csv", ITEMS), ("stock.csv", STOCK),
        ("limits.csv", LIMITS), ("routes.csv", ROUTES),
    ):  # fmt: skip
        load(store, tmp_path, name, text)
    return store


def _plan_rows(store: Store) -> int:
    found = plan_store.warehouses(store), plan_store.plan_items(store), plan_store.routes(store)
    far = date(2100, 1, 1)
    return sum(map(len, found)) + len(plan_store.stock(store, far)) + len(
        plan_store.place_limits(store, date(2016, 1, 1))
    )


# -- recognition ----------------------------------------------------------------------------------


def test_each_kind_is_recognised_from_its_hashtags(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, "gazetteer.csv", GAZETTEER)
    kinds = []
    for name, text in (
        ("w.csv", WAREHOUSES), ("i.csv", ITEMS), ("s.csv", STOCK), ("l.csv", LIMITS),
        ("r.csv", ROUTES),
    ):  # fmt: skip
        report = load(store, tmp_path, name, text)
        assert report.problems == [] and report.rows_written == len(text.splitlines()) - (
            2 if name == "w.csv" else 1
        )
        kinds.append(report.kind)
    assert kinds == ["warehouses", "items", "stock", "place_limits", "routes"]


def test_a_file_of_a_kind_without_a_column_it_needs_is_refused(
    sqlite_store: Store, tmp_path: Path
) -> None:
    no_truck = "#item+name,#sector,#indicator+people+week\nFood,Food,21.4\n"
    report = refused(sqlite_store, tmp_path, "items.csv", no_truck)
    assert report.flatten() == [(None, None, "layout")]
    assert "needs a #indicator+units+truck column" in report.problems[0].reason
    no_code = "#capacity+trucks+week,#date+start\n3,2017-01-01\n"
    with pytest.raises(ImportFailed) as caught:
        load(sqlite_store, tmp_path, "limits.csv", no_code, kind="place_limits")
    assert caught.value.report.flatten() == [(None, None, "layout")]
    assert "no P-code column" in caught.value.report.problems[0].reason


def test_the_kinds_are_choices_of_the_import_command() -> None:
    result = CliRunner().invoke(main, ["import", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    for kind in ("warehouses", "items", "stock", "place_limits", "routes"):
        assert kind in text


# -- the store's answers, worked out by hand ------------------------------------------------------


def test_warehouses_items_and_routes_as_imported(planned: Store) -> None:
    houses = {w.name: w for w in plan_store.warehouses(planned)}
    assert list(houses) == ["Border hub", "Damascus hub"]
    assert (houses["Damascus hub"].pcode, houses["Damascus hub"].trucks_per_week) == ("C1001", 40)
    border = houses["Border hub"]
    assert (border.pcode, border.place_id, border.lat, border.lon) == (None, None, 36.23, 36.69)
    assert border.import_id is not None and border.row_number == 4  # the file's 4th line
    items = {i.name: i for i in plan_store.plan_items(planned)}
    food = items["Food ration"]
    assert (food.sector, food.people_per_unit_week, food.units_per_truck, food.unit) == (
        "food", 21.4, 340, "parcel"
    )
    assert (food.kcal, food.protein_g, food.fat_g) == (226710, 6000, 5205)
    assert items["Hygiene kit"].sector == "wash" and items["Hygiene kit"].kcal is None
    routes = {r.name: r for r in plan_store.routes(planned)}
    crossing = routes["Bab al-Hawa crossing"]
    assert (crossing.warehouse, crossing.pcode, crossing.trucks_per_week, crossing.distance_km) == (
        "Border hub", "SY07", 50, 40
    )
    # A name given in another case is stored as the warehouse is named.
    assert routes["Damascus to Madaya"].warehouse == "Damascus hub"
    assert routes["Damascus to Madaya"].trucks_per_week is None


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        # Undated counts only: nothing dated on or before 1 January.
        (date(2017, 1, 1), {(DAMASCUS, FOOD): 500, (BORDER, KITS): 300}),
        # The January count replaces the undated one; the border's food is not counted yet.
        (date(2017, 1, 31), {(DAMASCUS, FOOD): 900, (BORDER, KITS): 300}),
        (date(2017, 2, 28), {(DAMASCUS, FOOD): 700, (BORDER, KITS): 300, (BORDER, FOOD): 50}),
        # The count of 15 March counts from 15 March on.
        (date(2017, 3, 15), {(DAMASCUS, FOOD): 9999, (BORDER, KITS): 300, (BORDER, FOOD): 50}),
    ],
)  # fmt: skip
def test_stock_is_the_newest_count_on_or_before_the_day(
    planned: Store, as_of: date, expected: dict[tuple[str, str], float]
) -> None:
    got = {(r.warehouse, r.item): r.units for r in plan_store.stock(planned, as_of)}
    assert got == expected


def test_a_later_import_of_the_same_day_replaces_the_count(
    planned: Store, tmp_path: Path
) -> None:
    recount = STOCK_HEADER + "Damascus hub,Food ration,650,2017-02-28\n"
    load(planned, tmp_path, "recount.csv", recount)
    rows = [r for r in plan_store.stock(planned, date(2017, 2, 28)) if r.warehouse == DAMASCUS]
    assert [(r.units, r.date, r.row_number) for r in rows] == [(650, date(2017, 2, 28), 2)]


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2016, 10, 18), {"C2499": 0, "C2450": 4}),  # the last day of the siege's limit
        (date(2016, 10, 19), {"C2499": 2, "C2450": 4}),
        # Two limits hold for Madaya in February: the one that began last counts.
        (date(2017, 2, 27), {"C2499": 2, "C2450": 1}),
        (date(2017, 3, 1), {"C2499": 2, "C2450": 1}),
        (date(2012, 1, 1), {"C2450": 4}),  # before Madamiyet Elsham's first limit
    ],
)
def test_place_limits_are_those_valid_on_the_day(
    planned: Store, as_of: date, expected: dict[str, float]
) -> None:
    got = {limit.pcode: limit.trucks_per_week for limit in plan_store.place_limits(planned, as_of)}
    assert got == expected


# -- refusals: row, column, value ----------------------------------------------------------------


def test_bad_warehouses_are_refused_naming_row_column_and_value(
    planned: Store, tmp_path: Path
) -> None:
    bad = (
        "#loc+warehouse+name,#adm4+code,#geo+lat,#geo+lon,#capacity+trucks+week\n"
        "Nowhere hub,C9999,,,10\n"  # row 2: a P-code not in the gazetteer
        ",C1001,,,10\n"  # row 3: no name
        "Floating hub,,,,10\n"  # row 4: no place at all
        "Half hub,,36.2,,10\n"  # row 5: a latitude without a longitude
        "Far hub,,95,36.7,10\n"  # row 6: no latitude
        "Busy hub,C1001,,,-3\n"  # row 7: negative trucks
        "Busy hub,C1001,,,three\n"  # row 8: not a number
        "Twice hub,C1001,,,5\n"
        "twice HUB,C1001,,,5\n"  # row 10: the same name again
        "Empty hub,C1001,,,\n"  # row 11: no trucks
    )
    report = refused(planned, tmp_path, "bad_warehouses.csv", bad)
    assert sorted(report.flatten(), key=lambda p: (p[0] or 0, p[2])) == [
        (2, "B #adm4+code", "no-valid-pcode"),
        (3, "A #loc+warehouse+name", "no-name"),
        (4, None, "no-place"),
        (5, "C #geo+lat", "half-a-coordinate"),
        (6, "C #geo+lat", "out-of-range"),
        (7, "E #capacity+trucks+week", "bad-number"),
        (8, "E #capacity+trucks+week", "not-a-number"),
        (10, "A #loc+warehouse+name", "named-twice"),
        (11, "E #capacity+trucks+week", "no-number"),
    ]
    values = {p.row: p.value for p in report.problems}
    assert values[2] == "C9999" and values[7] == "-3" and values[8] == "three"
    assert values[10] == "twice HUB"
    reasons = {p.row: p.reason for p in report.problems}
    assert "C9999 not in the gazetteer" in reasons[2]


def test_bad_items_are_refused(planned: Store, tmp_path: Path) -> None:
    bad = (
        "#item+name,#sector,#indicator+people+week,#indicator+units+truck,#indicator+kcal\n"
        "Caviar,Luxury,1,10,\n"  # row 2: a sector the vocabulary does not know
        "Tarps,,1,10,\n"  # row 3: no sector
        "Nothing,Food,0,10,\n"  # row 4: serves no one
        "Heavy,Food,1,0,\n"  # row 5: no truck carries it
        "Sour,Food,1,10,-5\n"  # row 6: negative energy
    )
    report = refused(planned, tmp_path, "bad_items.csv", bad)
    assert sorted(report.flatten()) == [
        (2, "B #sector", "unknown-sector"),
        (3, "B #sector", "unknown-sector"),
        (4, "C #indicator+people+week", "bad-number"),
        (5, "D #indicator+units+truck", "bad-number"),
        (6, "E #indicator+kcal", "bad-number"),
    ]
    assert "more than 0" in next(p.reason for p in report.problems if p.row == 4)


def test_stock_naming_an_unknown_warehouse_or_item_is_refused(
    planned: Store, tmp_path: Path
) -> None:
    bad = (
        "#loc+warehouse+name,#item+name,#value+units,#date\n"
        "Aleppo hub,Food ration,10,2017-02-28\n"  # row 2
        "Damascus hub,Caviar,10,2017-02-28\n"  # row 3
        "Damascus hub,Hygiene kit,-1,2017-02-28\n"  # row 4
        "Damascus hub,Hygiene kit,5,2017-02-31\n"  # row 5
        "Border hub,Food ration,5,2017-02-20\n"
        "border hub,FOOD RATION,6,2017-02-20\n"  # row 7: counted twice on one day
    )
    report = refused(planned, tmp_path, "bad_stock.csv", bad)
    assert sorted(report.flatten()) == [
        (2, "A #loc+warehouse+name", "unknown-warehouse"),
        (3, "B #item+name", "unknown-item"),
        (4, "C #value+units", "bad-number"),
        (5, "D #date", "not-a-date"),
        (7, "B #item+name", "named-twice"),
    ]
    assert {p.row: p.value for p in report.problems}[2] == "Aleppo hub"


def test_bad_place_limits_and_routes_are_refused(planned: Store, tmp_path: Path) -> None:
    limits = (
        "#adm4+code,#capacity+trucks+week,#date+start,#date+end\n"
        "C0000,2,,\n"  # row 2: not in the gazetteer
        ",2,,\n"  # row 3: no place
        "C2450,2,2017-03-01,2017-02-01\n"  # row 4: ends before it starts
    )
    report = refused(planned, tmp_path, "bad_limits.csv", limits)
    assert sorted(report.flatten(), key=lambda p: p[0] or 0) == [
        (2, "A #adm4+code", "no-valid-pcode"),
        (3, None, "no-valid-pcode"),
        (4, "D #date+end", "date-order"),
    ]
    routes = (
        "#loc+route+name,#loc+warehouse+name,#adm1+code,#capacity+trucks+week\n"
        "Road,Aleppo hub,SY07,5\n"  # row 2
        "Road 2,Border hub,SY99,5\n"  # row 3
        "Road 3,Border hub,SY07,-5\n"  # row 4
    )
    report = refused(planned, tmp_path, "bad_routes.csv", routes)
    assert sorted(report.flatten()) == [
        (2, "B #loc+warehouse+name", "unknown-warehouse"),
        (3, "C #adm1+code", "no-valid-pcode"),
        (4, "D #capacity+trucks+week", "bad-number"),
    ]


def test_a_file_with_one_bad_row_writes_nothing(planned: Store, tmp_path: Path) -> None:
    before = _plan_rows(planned)
    text = STOCK.replace("Border hub,Food ration,50,", "Border hub,Food ration,-50,")
    report = refused(planned, tmp_path, "stock2.csv", text)
    assert report.flatten() == [(7, "C #value+units", "bad-number")]
    assert report.import_id is None or report.error_count == 1
    assert _plan_rows(planned) == before


# -- undo ---------------------------------------------------------------------------------------


def test_undoing_an_import_removes_its_rows_and_only_them(planned: Store, tmp_path: Path) -> None:
    later = STOCK_HEADER + "Border hub,Hygiene kit,1,2017-02-01\n"
    report = load(planned, tmp_path, "later.csv", later)
    as_of = date(2017, 2, 28)
    assert {(r.warehouse, r.item): r.units for r in plan_store.stock(planned, as_of)}[
        ("Border hub", "Hygiene kit")
    ] == 1
    assert report.import_id is not None
    with planned.writer() as writer:
        removed = undo_import(writer, report.import_id)
    assert removed["plan_stock"] == 1 and removed["plan_warehouses"] == 0
    assert {(r.warehouse, r.item): r.units for r in plan_store.stock(planned, as_of)}[
        ("Border hub", "Hygiene kit")
    ] == 300
    # Every kind goes with its import.
    for record in sorted(
        (r for r in all_imports(planned) if r.kind != "places" and r.status == "committed"),
        key=lambda r: -r.id,
    ):
        with planned.writer() as writer:
            undo_import(writer, record.id)
    assert _plan_rows(planned) == 0


# -- the demo's planning case ----------------------------------------------------------------------


def _csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))[1:]


def test_the_demo_s_planning_case_is_its_files(demo_path: str) -> None:
    store = Store.open(demo_path)
    houses = {w.name: (w.pcode, w.trucks_per_week) for w in plan_store.warehouses(store)}
    assert houses == {
        r["Warehouse"]: (r["Community code"] or r["Governorate code"], float(r["Trucks a week"]))
        for r in _csv("08_warehouses.csv")
    }
    # The border hub is placed by its coordinates, in Idleb governorate (no place of its own).
    border = next(w for w in plan_store.warehouses(store) if w.name == "Bab al-Hawa hub")
    assert (border.pcode, border.lat, border.lon) == ("SY07", 36.2308, 36.692)
    # The newest count per warehouse and item on 28 February, read from the file another way.
    newest: dict[tuple[str, str], tuple[str, float]] = {}
    for r in _csv("10_stock.csv"):
        key = (r["Warehouse"], r["Item"])
        when = r["Counted on"]
        if when <= "2017-02-28" and (key not in newest or when > newest[key][0]):
            newest[key] = (when, float(r["Units"]))
    got = {(r.warehouse, r.item): r.units for r in plan_store.stock(store, date(2017, 2, 28))}
    assert got == {k: v for k, (_, v) in newest.items()}
    assert got[("Damascus hub", "Family food ration")] == 18_000
    early = {(r.warehouse, r.item): r.units for r in plan_store.stock(store, date(2017, 2, 10))}
    assert early == {("Damascus hub", "Family food ration"): 26_000}
    items = {i.name: i for i in plan_store.plan_items(store)}
    ration = items["Family food ration"]
    # 5 people for 30 days; about 1,510 kcal a person a day.
    assert ration.people_per_unit_week == pytest.approx(5 * 30 / 7, abs=0.05)
    assert ration.kcal is not None and round(ration.kcal / (5 * 30)) == 1511
    held = plan_store.place_limits(store, date(2017, 2, 28))
    limits = {limit.pcode: limit.trucks_per_week for limit in held}
    assert limits["C2499"] == 2 and limits["C5710"] == 0 and 2 <= limits["C2447"] <= 4
    crossing = next(r for r in plan_store.routes(store) if r.name == "Bab al-Hawa crossing")
    assert (crossing.warehouse, crossing.pcode, crossing.trucks_per_week) == (
        "Bab al-Hawa hub", "SY07", 50
    )


# -- the web's import page -----------------------------------------------------------------------


def test_the_import_page_offers_the_kinds_and_imports_a_warehouse_file(
    sqlite_store: Store, tmp_path: Path
) -> None:
    load(sqlite_store, tmp_path, "gazetteer.csv", GAZETTEER)
    url = sqlite_store.engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(WebConfig(db=url))) as client:
        form = client.get("/import").text
        for kind, name in (
            ("warehouses", "Warehouses (planning)"), ("items", "Items (planning)"),
            ("stock", "Stock (planning)"), ("place_limits", "Trucks a week into places (planning)"),
            ("routes", "Routes (planning)"),
        ):  # fmt: skip
            assert f'<option value="{kind}" >{name}</option>' in form
        files = {"file": ("warehouses.csv", WAREHOUSES.encode("utf-8"), "text/csv")}
        report = client.post("/import", files=files, data={"source": "Test partner"})
        assert 'data-kind="warehouses"' in report.text and "Warehouses (planning)" in report.text
        token = re.search(r'action="/import/([^/"]+)/confirm"', report.text)
        assert token is not None
        done = client.post(f"/import/{token.group(1)}/confirm")
        assert 'data-stage="done"' in done.text
    houses = plan_store.warehouses(sqlite_store)
    assert [(w.name, w.source) for w in houses] == [
        ("Border hub", "Test partner"), ("Damascus hub", "Test partner")
    ]
