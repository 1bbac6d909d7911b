"""The demonstration scenario tells the seed report's story (seed/README.md) in numbers.

Two kinds of proof:

* from the data files alone, with the csv module and none of lagebild's code: every number that
  the source document does not give is marked illustrative, every P-code is OCHA's, and the story's
  numbers (besieged total, who is cut off, the daily bread) are computed here another way;
* from the database ``build_demo`` makes: the situation and the gaps show the same story.
"""

from __future__ import annotations

import csv
import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from lagebild.demo import AS_OF, BOUNDARIES, DATA_DIR, DEMO_FILES, SEED_SOURCE, build_demo

WINDOW = 30
SEED_NUMBERS = {13_500_000, 6_300_000}
#: Tags of columns that hold numbers (figures, people reached, quantities).
NUMBER_TAGS = ("#population", "#inneed", "#affected", "#reached", "#item+num")
CODE_TAGS = {1: "#adm1+code", 2: "#adm2+code", 3: "#adm3+code", 4: "#adm4+code"}
DELIVERED = {"completed", "partial", "ongoing", ""}

# The story's places.
EAST_ALEPPO = "C1007"
MADAYA = "C2450"
NEVER_DELIVERED = {"C2343", "C2350", "C2355"}  # Modira, Otaya, Nashabiyeh (East Ghouta)
CUT_OFF = NEVER_DELIVERED | {"C2450", "C2449", "C2429", "C3905", "C3952", "C1002"}


# -- reading the files without lagebild --------------------------------------------------------


def norm(tag: str) -> str:
    """'#Affected +IDPs' -> '#affected+idps' (attributes sorted, as HXL matches them)."""
    parts = [p.strip().lower() for p in tag.replace(" ", "").split("+")]
    return "+".join([parts[0], *sorted(p for p in parts[1:] if p)]) if parts[0] else ""


def rows(path: Path) -> list[dict[str, str]]:
    """The data rows of an HXL CSV as {normalised tag: cell}; untagged columns are left out."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)  # header
        tags = [norm(t) for t in next(reader)]
        return [
            {t: cell.strip() for t, cell in zip(tags, row, strict=True) if t}
            for row in reader
        ]


def data(name: str) -> list[dict[str, str]]:
    return rows(DATA_DIR / name)


def finest(row: dict[str, str]) -> str:
    for level in (4, 3, 2, 1):
        code = row.get(CODE_TAGS[level], "")
        if code:
            return code
    return row.get("#country+code", "")


def current(indicator_tag: str, as_of: date = AS_OF) -> dict[str, tuple[float, str]]:
    """P-code -> (value, source) of the latest figure of an indicator dated on or before as_of."""
    found: dict[str, tuple[date, float, str]] = {}
    for name in ("02_figures_national.csv", "02_figures.csv"):
        for row in data(name):
            value = row.get(indicator_tag, "")
            when = date.fromisoformat(row["#date"])
            if not value or when > as_of:
                continue
            place = finest(row)
            if place not in found or when >= found[place][0]:
                found[place] = (when, float(value), row["#meta+source"])
    return {place: (v, s) for place, (_, v, s) in found.items()}


def deliveries() -> list[dict[str, str]]:
    return data("04_deliveries.csv")


def delivery_date(row: dict[str, str]) -> date:
    return date.fromisoformat(row.get("#date+end") or row["#date+start"])


def last_delivered(as_of: date = AS_OF) -> dict[str, date]:
    last: dict[str, date] = {}
    for row in deliveries():
        when = delivery_date(row)
        if row["#status"].lower() in DELIVERED and when <= as_of:
            place = finest(row)
            last[place] = max(when, last.get(place, when))
    return last


def expected_cut_off(as_of: date = AS_OF, window: int = WINDOW) -> dict[str, float]:
    """Communities with people in need and no delivery in (as_of - window, as_of], computed here."""
    need = current("#inneed", as_of)
    last = last_delivered(as_of)
    start = as_of - timedelta(days=window)
    return {
        place: value
        for place, (value, _) in need.items()
        if place.startswith("C") and value > 0 and (place not in last or last[place] <= start)
    }


def shared_data() -> Path:
    here = Path(__file__).resolve().parents[1]
    return Path(os.environ.get("LAGEBILD_SHARED_DATA", here.parent / "shared" / "data"))


# -- the files ---------------------------------------------------------------------------------


def test_demo_files_are_bundled_in_import_order() -> None:
    assert [p.name for p in DEMO_FILES] == [
        "01_places.csv", "02_figures_national.csv", "02_figures.csv", "03_access.csv",
        "04_deliveries.csv", "05_convoys.csv", "06_incidents.csv", "07_damage.csv",
        "08_warehouses.csv", "09_items.csv", "10_stock.csv", "11_place_limits.csv",
        "12_routes.csv",
    ]
    assert all(p.is_file() and p.parent == DATA_DIR for p in DEMO_FILES)
    assert sorted(p.name for p in DATA_DIR.glob("*.csv")) == sorted(p.name for p in DEMO_FILES)
    assert AS_OF == date(2017, 2, 28)


def test_every_number_not_from_the_seed_is_marked_illustrative() -> None:
    seed_cells = []
    for path in DEMO_FILES:
        for i, row in enumerate(rows(path), start=3):
            numbers = {
                tag: value for tag, value in row.items()
                if value and tag.startswith(NUMBER_TAGS)
            }
            for tag, value in numbers.items():
                assert re.fullmatch(r"\d+", value), f"{path.name} row {i} {tag}: {value!r}"
            if path.name == "01_places.csv":
                assert not numbers
                continue
            source = row.get("#meta+source", "")
            assert source, f"{path.name} row {i} has no #meta+source"
            if source == SEED_SOURCE:
                seed_cells += [(tag, int(v)) for tag, v in numbers.items()]
            else:
                assert "illustrative" in source, f"{path.name} row {i}: source {source!r}"
    # The seed's figures, cited to their speaker, on the country, and nothing else: 6.3 million
    # displaced, 13.5 million in need, "three quarters of the population".
    assert sorted(seed_cells) == [
        ("#affected+idps", 6_300_000), ("#inneed", 13_500_000), ("#inneed+pct", 75)
    ]
    assert {v for _, v in seed_cells} == SEED_NUMBERS | {75}


def test_gazetteer_rows_carry_their_parents() -> None:
    places = data("01_places.csv")
    assert places[0]["#country+code"] == "SY" and not places[0].get("#adm1+code")
    governorates = {r["#adm1+code"] for r in places if r["#adm1+code"] and not r["#adm2+code"]}
    assert governorates == {f"SY{n:02d}" for n in range(1, 15)}
    for row in places:
        codes = [row[CODE_TAGS[lvl]] for lvl in (1, 2, 3, 4)]
        depth = sum(1 for c in codes if c)
        assert all(codes[:depth]) and not any(codes[depth:]), row  # no gaps in the chain
        assert row["#country+code"] == "SY"
        for lvl in range(1, depth + 1):
            assert row[f"#adm{lvl}+i_en+name"] and row[f"#adm{lvl}+i_ar+name"], row
    communities = [r for r in places if r["#adm4+code"]]
    assert 30 <= len(communities) <= 60
    assert all(r["#geo+lat"] and r["#geo+lon"] for r in communities)


def test_every_place_in_the_data_is_in_the_demo_gazetteer() -> None:
    known = {finest(r) for r in data("01_places.csv")}
    for path in DEMO_FILES[1:]:
        for row in rows(path):
            if path.name == "06_incidents.csv" and not finest(row):
                # ACLED events carry coordinates or names, not P-codes: placed on import (a
                # test below proves every one is placed).
                assert (row["#geo+lat"] and row["#geo+lon"]) or row["#loc+name"], path.name
                continue
            if path.name in ("09_items.csv", "10_stock.csv"):
                assert not finest(row), path.name  # items and stock have no place of their own
                continue
            assert finest(row) in known, (path.name, finest(row))


def test_pcodes_and_names_are_ochas() -> None:
    gazetteer = shared_data() / "syria" / "locations_2018" / "syr_locations_communities.csv"
    if not gazetteer.is_file():
        pytest.skip(f"the OCHA gazetteer is not at {gazetteer} (set LAGEBILD_SHARED_DATA)")
    ocha = {r["#adm4+code"]: r for r in rows(gazetteer)}
    parents: dict[int, dict[str, str]] = {1: {}, 2: {}, 3: {}}
    for r in ocha.values():
        for lvl in (1, 2, 3):
            parents[lvl][r[CODE_TAGS[lvl]]] = r[CODE_TAGS[lvl - 1]] if lvl > 1 else "SY"
    for path in DEMO_FILES:
        for row in rows(path):
            code4 = row.get("#adm4+code", "")
            if code4:
                assert code4 in ocha, (path.name, code4)
                for lvl in (1, 2, 3):
                    assert row[CODE_TAGS[lvl]] == ocha[code4][CODE_TAGS[lvl]], (path.name, code4)
                if path.name == "01_places.csv":
                    assert row["#adm4+i_en+name"] == ocha[code4]["#adm4+i_en+name"]
                    assert row["#adm4+i_ar+name"] == ocha[code4]["#adm4+i_ar+name"]
            for lvl in (1, 2, 3):
                code = row.get(CODE_TAGS[lvl], "")
                if code:
                    assert code in parents[lvl], (path.name, code)
                    parent = row[CODE_TAGS[lvl - 1]] if lvl > 1 else row["#country+code"]
                    assert parents[lvl][code] == parent, (path.name, code)


def test_the_story_computed_from_the_files() -> None:
    """The story's numbers, computed another way: straight from the CSV files."""
    national_need, source = current("#inneed")["SY"]
    assert national_need == 13_500_000 and source == SEED_SOURCE
    assert current("#affected+idps")["SY"] == (6_300_000, SEED_SOURCE)
    # More than 600,000 in besieged places (the latest figure of each place).
    besieged = {p: v for p, (v, _) in current("#population+besieged").items() if v > 0}
    assert sum(besieged.values()) == 643_780
    access = access_on(AS_OF)
    assert {p for p in besieged} == {p for p, (status, _) in access.items() if status == "besieged"}
    assert {party for status, party in access.values() if status == "besieged"} == {
        "Government of Syria and allies", "ISIL", "non-state armed groups",
    }
    # Tens of thousands cut off: no delivery in the 30 days before 28 February 2017.
    cut_off = expected_cut_off()
    assert set(cut_off) == CUT_OFF
    assert 10_000 <= sum(cut_off.values()) <= 99_999
    assert sum(cut_off.values()) == 88_280
    never = {p: v for p, v in cut_off.items() if p not in last_delivered()}
    assert set(never) == NEVER_DELIVERED and sum(never.values()) == 24_000
    assert not any(finest(r) in NEVER_DELIVERED for r in deliveries())
    # East Aleppo: bread every day from 1 January to 28 February 2017.
    bread = sorted(
        delivery_date(r) for r in deliveries()
        if finest(r) == EAST_ALEPPO and r["#item+name"] == "bread" and r["#status"] == "completed"
    )
    days = (AS_OF - date(2017, 1, 1)).days + 1
    assert bread == [date(2017, 1, 1) + timedelta(days=i) for i in range(days)]
    # Denied and planned convoys are in the 4W too.
    statuses = {r["#status"] for r in deliveries()}
    assert {"denied", "planned", "partial"} <= statuses


def access_on(when: date) -> dict[str, tuple[str, str]]:
    """P-code -> (status, besieging party) in force on a date, from 03_access.csv."""
    held: dict[str, tuple[date, str, str]] = {}
    for row in data("03_access.csv"):
        since = date.fromisoformat(row["#date+start"])
        place = finest(row)
        if since <= when and (place not in held or since >= held[place][0]):
            held[place] = (since, row["#access"], row.get("#group+besieging", ""))
    return {p: (status, party) for p, (_, status, party) in held.items()}


# -- the database the demo builds --------------------------------------------------------------


@pytest.fixture
def demo(store):  # type: ignore[no-untyped-def]
    """The demo built in a migrated store, on SQLite and on PostgreSQL."""
    return store, build_demo(store)


def test_build_demo_imports_every_file_without_a_problem(demo) -> None:  # type: ignore[no-untyped-def]
    _, reports = demo
    assert [r.kind for r in reports] == [
        "places", "figures", "figures", "access", "deliveries", "convoys", "incidents", "damage",
        "warehouses", "items", "stock", "place_limits", "routes", "places",
    ]
    boundaries = reports[-1]  # the boundaries of the demo's places, adm0-adm3
    assert boundaries.file == BOUNDARIES.name and boundaries.problems == []
    assert boundaries.rows_written == 1 + 14 + 14 + 24
    for report, path in zip(reports[:-1], DEMO_FILES, strict=True):
        assert report.file == path.name
        assert [str(p) for p in report.problems] == []
        assert report.rows_rejected == 0 and report.rows_written == len(rows(path))
        assert report.ignored_columns == []


def test_situation_national_totals(demo) -> None:  # type: ignore[no-untyped-def]
    from lagebild.analysis import situation

    store, _ = demo
    total = situation(store, as_of=AS_OF, window=WINDOW, level=1).total
    assert total is not None
    assert total.people_in_need.value == 13_500_000
    assert total.displaced.value == 6_300_000
    assert total.besieged.value > 600_000
    assert total.besieged.value == 643_780
    for figure in (total.people_in_need, total.displaced):
        assert figure.sources == (SEED_SOURCE,)
        assert any("WFP spokesperson" in s for s in figure.sources)
    assert all("illustrative" in s for s in total.besieged.sources)
    assert total.population.value == 18_000_000  # 13.5 million are three quarters


def test_gaps_tell_who_is_cut_off(demo) -> None:  # type: ignore[no-untyped-def]
    from lagebild.analysis import gaps

    store, _ = demo
    result = gaps(store, as_of=AS_OF, window=WINDOW, level=4)
    by_code = {r.pcode: r for r in result.places}

    aleppo = by_code[EAST_ALEPPO]
    assert not aleppo.cut_off
    assert aleppo.last_delivery == AS_OF and aleppo.days_without_aid == 0
    assert aleppo.access.status == "accessible" and aleppo.access.since == date(2016, 12, 22)

    cut_off = {r.pcode: r.people_in_need.value for r in result.places if r.cut_off}
    assert cut_off == expected_cut_off()  # the same as computed from the files
    assert 10_000 <= sum(cut_off.values()) <= 99_999  # "tens of thousands"
    # Ranked first, by people in need.
    ranked = [r.pcode for r in result.places[: len(cut_off)]]
    assert set(ranked) == set(cut_off) and ranked[0] == MADAYA

    madaya = by_code[MADAYA]
    assert madaya.access.status == "besieged"
    assert madaya.access.party == "Government of Syria and allies"
    assert madaya.last_delivery == date(2016, 11, 28)
    assert madaya.days_without_aid == 92
    for code in NEVER_DELIVERED:
        assert by_code[code].last_delivery is None and by_code[code].cut_off
        assert by_code[code].access.status == "besieged"


def test_latest_figure_wins(demo) -> None:  # type: ignore[no-untyped-def]
    from lagebild.analysis import gaps

    store, _ = demo
    by_code = {r.pcode: r for r in gaps(store, as_of=AS_OF, window=WINDOW, level=4).places}
    madaya = by_code[MADAYA].people_in_need
    assert (madaya.value, madaya.date) == (30_000, date(2017, 1, 31))  # not 40,000 of 2016-09-30
    assert madaya.sources == ("lagebild demo (illustrative): local council estimate",)
    assert by_code["C2338"].people_in_need.value == 185_000  # Duma
    assert by_code[EAST_ALEPPO].people_in_need.value == 1_350_000
    older = {r.pcode: r for r in gaps(store, as_of=date(2016, 12, 31), level=4).places}
    assert older[MADAYA].people_in_need.value == 40_000


def test_east_aleppo_was_besieged_until_the_evacuation(demo) -> None:  # type: ignore[no-untyped-def]
    from lagebild.analysis import situation

    store, _ = demo
    before = situation(store, as_of=date(2016, 12, 1), window=WINDOW, level=4)
    aleppo = next(p for p in before.places if p.pcode == EAST_ALEPPO)
    assert aleppo.access.status == "besieged" and aleppo.access.since == date(2016, 7, 17)
    assert aleppo.besieged.value == 275_000
    after = situation(store, as_of=AS_OF, window=WINDOW, level=4)
    aleppo = next(p for p in after.places if p.pcode == EAST_ALEPPO)
    assert aleppo.access.status == "accessible" and aleppo.besieged.value == 0
    assert aleppo.returnees.value == 50_000


def test_denied_and_planned_convoys_are_no_delivery(demo) -> None:  # type: ignore[no-untyped-def]
    from lagebild.analysis import gaps

    store, _ = demo
    # The four towns' convoy of 20 February was denied; the one of 15 March is only planned.
    later = {r.pcode: r for r in gaps(store, as_of=date(2017, 3, 31), level=4).places}
    assert later[MADAYA].last_delivery == date(2016, 11, 28) and later[MADAYA].cut_off
    assert later["C1002"].last_delivery == date(2016, 12, 5)  # Yarmuk: 8 February denied


def test_every_demo_incident_is_placed_in_the_demo_gazetteer(demo) -> None:  # type: ignore[no-untyped-def]
    from lagebild.store.incidents import incident_list, placing_counts

    store, _ = demo
    events = incident_list(store)
    assert len(events) == len(rows(DATA_DIR / "06_incidents.csv"))
    assert placing_counts(store).get("none", 0) == 0
