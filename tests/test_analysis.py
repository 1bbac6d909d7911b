"""The definitions of DESIGN.md, each proven on a small scenario worked out by hand."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest

from lagebild.analysis import PlaceTree, gaps, history, situation, status_on
from lagebild.analysis.access import access_of
from lagebild.ingest import ImportOptions, import_file
from lagebild.store import Store
from lagebild.store.places import all_places
from lagebild.store.sources import grade_source

AS_OF = date(2017, 2, 28)

PLACES = [
    [
        "#country+code",
        "#adm1+code",
        "#adm1+name",
        "#adm2+code",
        "#adm3+code",
        "#adm3+name",
        "#adm4+code",
        "#adm4+name+i_en",
        "#adm4+name+i_ar",
    ],
    ["SY", "SY02", "Aleppo", "SY0200", "SY020000", "Jebel Saman", "C1007", "Aleppo", "حلب"],
    ["SY", "SY02", "Aleppo", "SY0200", "SY020000", "Jebel Saman", "C1003", "Musallamiyeh", ""],
    ["SY", "SY03", "Rural Damascus", "SY0301", "SY030100", "Duma", "C2329", "Duma", "دوما"],
    ["SY", "SY03", "Rural Damascus", "SY0301", "SY030100", "Duma", "C2330", "Harasta", ""],
]


def write(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.fixture
def world(store: Store, tmp_path: Path) -> Store:
    import_file(store, write(tmp_path / "places.csv", PLACES))
    return store


def figures(
    store: Store, tmp_path: Path, rows: list[list[object]], name: str, **opts: object
) -> None:
    path = write(
        tmp_path / name,
        [["#adm4+code", "#adm3+code", "#inneed", "#population", "#date", "#meta+source"], *rows],
    )
    import_file(store, path, ImportOptions(**opts))  # type: ignore[arg-type]


def deliveries(
    store: Store, tmp_path: Path, rows: list[list[object]], name: str = "4w.csv"
) -> None:
    path = write(
        tmp_path / name,
        [["#adm4+code", "#sector", "#reached+ind", "#date", "#status", "#org+impl"], *rows],
    )
    import_file(store, path)


def row_of(result, pcode: str):  # type: ignore[no-untyped-def]
    return next(r for r in result.places if r.pcode == pcode)


def test_current_figure_is_the_latest_on_or_before_as_of(world: Store, tmp_path: Path) -> None:
    figures(
        world,
        tmp_path,
        [
            ["C1007", "", 1000, "", "2016-12-01", "A"],
            ["C1007", "", 3000, "", "2017-01-15", "B"],
            ["C1007", "", 9000, "", "2017-03-01", "C"],  # after as_of: not yet known
        ],
        "f.csv",
    )
    row = row_of(gaps(world, AS_OF, level=4), "C1007")
    assert row.people_in_need.value == 3000 and row.people_in_need.sources == ("B",)
    early = row_of(gaps(world, date(2017, 1, 1), level=4), "C1007")
    assert early.people_in_need.value == 1000


def test_same_date_the_more_reliable_source_wins_then_the_later_import(
    world: Store, tmp_path: Path
) -> None:
    figures(world, tmp_path, [["C1007", "", 5000, "", "2017-01-15", "Rumour mill"]], "a.csv")
    figures(world, tmp_path, [["C1007", "", 4000, "", "2017-01-15", "OCHA"]], "b.csv")
    # Unrated sources: the later import wins.
    assert row_of(gaps(world, AS_OF, level=4), "C1007").people_in_need.value == 4000
    grade_source(world, "Rumour mill", "B", 2)
    grade_source(world, "OCHA", "C", 3)
    assert row_of(gaps(world, AS_OF, level=4), "C1007").people_in_need.value == 5000


def test_place_without_own_figure_takes_the_sum_of_its_childrens(
    world: Store, tmp_path: Path
) -> None:
    figures(
        world,
        tmp_path,
        [
            ["C1007", "", 1000, "", "2017-01-01", "A"],
            ["C1003", "", 250, "", "2016-06-01", "B"],
            ["C2329", "", 700, "", "2017-01-01", "A"],
            ["", "SY030100", 5000, "", "2017-01-01", "C"],  # Duma's own figure beats its children
        ],
        "f.csv",
    )
    adm3 = {r.pcode: r for r in gaps(world, AS_OF, level=3).places}
    assert adm3["SY020000"].people_in_need.value == 1250
    assert adm3["SY020000"].people_in_need.basis == "children"
    assert adm3["SY020000"].people_in_need.sources == ("A", "B")
    assert adm3["SY030100"].people_in_need.value == 5000
    result = situation(world, AS_OF, level=1)
    assert result.total.people_in_need.value == 6250  # type: ignore[union-attr]


def test_reached_is_the_largest_sector_sum_and_the_upper_bound_the_sum(
    world: Store, tmp_path: Path
) -> None:
    figures(world, tmp_path, [["C1007", "", 1000, "", "2017-01-01", "A"]], "f.csv")
    deliveries(
        world,
        tmp_path,
        [
            ["C1007", "Food", 300, "2017-02-10", "Completed", "WFP"],
            ["C1007", "Food", 200, "2017-02-20", "partial", "WFP"],
            ["C1007", "Health", 400, "2017-02-21", "done", "WHO"],
            ["C1007", "Health", 999, "2017-02-22", "planned", "WHO"],
            ["C1007", "Health", 888, "2017-02-23", "denied", "WHO"],
            ["C1007", "Food", 777, "2017-01-29", "", "WFP"],  # 30 days before as_of: outside
        ],
    )
    row = row_of(gaps(world, AS_OF, 30, level=4), "C1007")
    assert (row.reached, row.reached_upper) == (500, 900)
    assert row.coverage == pytest.approx(0.5)
    health = row_of(gaps(world, AS_OF, 30, level=4, sector="health"), "C1007")
    assert health.reached == 400
    assert health.people_in_need is None and health.coverage is None  # no health PiN figure
    assert row.last_delivery == date(2017, 2, 21)  # planned and denied rows are no delivery


def test_window_is_open_at_the_start_and_closed_at_as_of(world: Store, tmp_path: Path) -> None:
    figures(
        world,
        tmp_path,
        [["C1007", "", 100, "", "2017-01-01", "A"], ["C1003", "", 100, "", "2017-01-01", "A"]],
        "f.csv",
    )
    deliveries(
        world,
        tmp_path,
        [
            ["C1007", "Food", 10, (AS_OF - timedelta(days=30)).isoformat(), "", "WFP"],
            ["C1003", "Food", 10, (AS_OF - timedelta(days=29)).isoformat(), "", "WFP"],
            ["C1003", "Food", 10, (AS_OF + timedelta(days=1)).isoformat(), "", "WFP"],
        ],
    )
    rows = {r.pcode: r for r in gaps(world, AS_OF, 30, level=4).places}
    assert rows["C1007"].cut_off and rows["C1007"].days_without_aid == 30
    assert not rows["C1003"].cut_off and rows["C1003"].days_without_aid == 29
    assert rows["C1003"].reached == 10  # the delivery after as_of is not counted


def test_gaps_rank_cut_off_by_people_in_need_then_the_rest_by_coverage(
    world: Store, tmp_path: Path
) -> None:
    figures(
        world,
        tmp_path,
        [
            ["C1007", "", 1000, "", "2017-01-01", "A"],
            ["C1003", "", 500, "", "2017-01-01", "A"],
            ["C2329", "", 800, "", "2017-01-01", "A"],
            ["C2330", "", 100, "", "2017-01-01", "A"],
        ],
        "f.csv",
    )
    deliveries(
        world,
        tmp_path,
        [
            ["C1007", "Food", 900, "2017-02-20", "", "WFP"],  # coverage 0.9
            ["C1003", "Food", 50, "2017-02-20", "", "WFP"],  # coverage 0.1
            ["C2329", "Food", 800, "2016-10-01", "", "WFP"],  # cut off since October
        ],
    )
    result = gaps(world, AS_OF, 30, level=4)
    assert [r.pcode for r in result.places] == ["C2329", "C2330", "C1003", "C1007"]
    assert [r.cut_off for r in result.places] == [True, True, False, False]
    first = result.places[0]
    assert first.last_delivery == date(2016, 10, 1)
    assert first.days_without_aid == (AS_OF - date(2016, 10, 1)).days
    assert result.places[1].last_delivery is None and result.places[1].days_without_aid is None
    as_json = result.as_dict()
    assert list(as_json) == ["as_of", "window_days", "level", "sector", "reached_rule", "places"]
    assert set(as_json["places"][0]) >= {  # type: ignore[index]
        "pcode",
        "name",
        "level",
        "access",
        "people_in_need",
        "reached",
        "coverage",
        "last_delivery",
        "days_without_aid",
        "cut_off",
    }


def test_access_status_is_read_as_it_was_on_the_date_with_the_besieging_party(
    world: Store, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "access.csv",
        [
            ["#adm4+code", "#adm3+code", "#access", "#group+besieging", "#date+start"],
            ["C1007", "", "besieged", "Government of Syria", "2016-07-17"],
            ["C1007", "", "accessible", "", "2016-12-22"],
            ["", "SY030100", "Besieged", "Government of Syria", "2013-04-01"],
            ["", "SY030100", "besieged", "Government of Syria", "2016-01-01"],  # reconfirmed
        ],
    )
    import_file(world, path)
    tree = PlaceTree(all_places(world))
    aleppo = tree.get("C1007").id  # type: ignore[union-attr]
    harasta = tree.get("C2330").id  # type: ignore[union-attr]
    in_autumn = access_of(tree, status_on(world, date(2016, 10, 1)), aleppo)
    assert in_autumn is not None and (in_autumn.status, in_autumn.party) == (
        "besieged",
        "Government of Syria",
    )
    assert access_of(tree, status_on(world, AS_OF), aleppo).status == "accessible"  # type: ignore[union-attr]
    assert access_of(tree, status_on(world, date(2016, 1, 1)), aleppo) is None
    inherited = access_of(tree, status_on(world, AS_OF), harasta)
    assert inherited is not None and inherited.inherited_from == "SY030100"
    assert inherited.since == date(2013, 4, 1)  # a reconfirmation does not restart the clock
    periods = history(world, aleppo)
    assert [(p.status, p.valid_from, p.valid_to) for p in periods] == [
        ("besieged", date(2016, 7, 17), date(2016, 12, 22)),
        ("accessible", date(2016, 12, 22), None),
    ]


def test_situation_counts_the_population_of_besieged_places_without_a_figure(
    world: Store, tmp_path: Path
) -> None:
    figures(
        world,
        tmp_path,
        [
            ["C2329", "", "", 120000, "2017-01-01", "A"],
            ["C2330", "", "", 30000, "2017-01-01", "A"],
            ["C1007", "", "", 1500000, "2017-01-01", "A"],
        ],
        "pop.csv",
    )
    import_file(
        world,
        write(
            tmp_path / "access.csv",
            [
                ["#adm4+code", "#access", "#group+besieging", "#date+start"],
                ["C2329", "besieged", "Government of Syria", "2013-04-01"],
                ["C2330", "hard to reach", "", "2014-01-01"],
            ],
        ),
    )
    result = situation(world, AS_OF, level=3)
    duma = next(r for r in result.places if r.pcode == "SY030100")
    assert duma.besieged.value == 120000 and duma.hard_to_reach.value == 30000  # type: ignore[union-attr]
    assert result.total.besieged.value == 120000  # type: ignore[union-attr]
    assert result.total.population.value == 1650000  # type: ignore[union-attr]
    assert result.as_dict()["total"]["besieged"]["sources"] == ["A"]  # type: ignore[index]


def test_situation_at_country_level_lists_the_country_once(world: Store, tmp_path: Path) -> None:
    from lagebild.publish.render import situation_rows

    figures(world, tmp_path, [["C1007", "", 1000, "", "2017-01-01", "A"]], "f.csv")
    rows = situation_rows(situation(world, AS_OF, level=0))
    assert [(r["pcode"], r["people_in_need"]) for r in rows] == [("SY", 1000)]
    by_adm1 = situation_rows(situation(world, AS_OF, level=1))
    assert [r["pcode"] for r in by_adm1] == ["SY02", "SY03", "SY (total)"]


def test_a_place_without_status_of_its_own_says_how_many_below_are_besieged(
    world: Store, tmp_path: Path
) -> None:
    import_file(
        world,
        write(
            tmp_path / "access.csv",
            [
                ["#adm4+code", "#access", "#group+besieging", "#date+start"],
                ["C2329", "besieged", "Government of Syria", "2013-04-01"],
                ["C2330", "besieged", "Government of Syria", "2013-04-01"],
                ["C1003", "hard to reach", "", "2014-01-01"],
                ["C1007", "besieged", "Government of Syria", "2016-07-17"],
                ["C1007", "accessible", "", "2016-12-22"],
            ],
        ),
    )
    rows = {r.pcode: r for r in gaps(world, AS_OF, level=3).places}
    assert rows["SY030100"].access is None
    assert rows["SY030100"].access_within == {"besieged": 2}
    assert rows["SY020000"].access_within == {"hard_to_reach": 1, "accessible": 1}
    assert rows["SY030100"].as_dict()["access_within"] == {"besieged": 2}
