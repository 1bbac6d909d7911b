"""Damage assessments (issue 5, point 3): the real Syria earthquake impact table, UNOSAT points
placed by point in polygon, the current-assessment rule, shares, changes and the failure paths.

Every expected number is computed here another way: with the csv module from the files, and with
plain rectangle arithmetic for the points.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from lagebild.analysis.damage import damage, damage_changes
from lagebild.cli import main
from lagebild.ingest import ImportFailed, ImportOptions, import_file, load_tag_map
from lagebild.store import Store
from lagebild.store import schema as t
from lagebild.store.imports import all_imports, undo_import
from lagebild.store.sources import grade_source

AS_OF = date(2023, 3, 31)
ACU = "earthquake_2023_acu"
ACU_CSV = "acu_syria_earthquake_impact_2023-03-05.csv"
ACU_XLSX = "syria-earthquake-impact-05-march-2023.xlsx"
DESTROYED_HEADER = "# of completely destroyed houses"
SEVERE_HEADER = "# of damaged & uninhabitable houses"


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def damage_rows(store: Store) -> int:
    with store.engine.connect() as conn:
        return len(conn.execute(t.damage.select()).all())


# -- the real earthquake impact table ----------------------------------------------------------


@pytest.fixture
def syria(shared_data: Path) -> Path:
    return shared_data / "syria"


def load_gazetteer(store: Store, syria: Path) -> None:
    cod = syria / "cod_ab_2020-12-17"
    for name in ("syr_adm1.csv", "syr_adm2.csv", "syr_adm3_with_centroids.csv"):
        import_file(store, cod / name, ImportOptions(source="OCHA COD-AB 2020-12-17"))
    import_file(
        store,
        syria / "locations_2018" / "syr_locations_communities.csv",
        ImportOptions(source="OCHA locations 2018"),
    )


def expected_by_governorate(syria: Path) -> dict[str, tuple[float, float]]:
    """Governorate P-code -> (destroyed, damaged & uninhabitable) houses, with the csv module:
    the table's Admin4 C-codes joined to their governorates in the communities list."""
    with (syria / "locations_2018" / "syr_locations_communities.csv").open(
        encoding="utf-8-sig", newline=""
    ) as fh:
        reader = csv.reader(fh)
        next(reader)
        tags = next(reader)
        c4, c1 = tags.index("#adm4+code"), tags.index("#adm1+code")
        governorate = {row[c4]: row[c1] for row in reader}
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    with (syria / ACU / ACU_CSV).open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        code = header.index("Admin4")
        destroyed = next(i for i, h in enumerate(header) if h.endswith(DESTROYED_HEADER))
        severe = next(i for i, h in enumerate(header) if h.endswith(SEVERE_HEADER))
        for row in reader:
            sums[governorate[row[code]]][0] += float(row[destroyed])
            sums[governorate[row[code]]][1] += float(row[severe])
    return {k: (v[0], v[1]) for k, v in sums.items()}


def test_earthquake_table_imports_with_the_shipped_tag_map_and_its_governorate_totals_and_shares_match_the_csv(  # noqa: E501
    store: Store, db_url: str, syria: Path
) -> None:
    load_gazetteer(store, syria)
    result = CliRunner().invoke(
        main,
        [
            "--db", db_url, "import", "--tags", "acu-earthquake-2023", "--source", "ACU IMU",
            str(syria / ACU / ACU_CSV),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "imported damage: 148 rows" in result.output
    expected = expected_by_governorate(syria)
    assert set(expected) == {"SY02", "SY07"}  # Aleppo and Idleb: north-west Syria
    national_destroyed = sum(d for d, _ in expected.values())
    national_total = sum(d + s for d, s in expected.values())

    found = damage(store, AS_OF, level=1)
    assert [r.unit for r in found.places] == ["houses", "houses"]
    by_code = {r.pcode: r for r in found.places}
    assert set(by_code) == set(expected)
    for pcode, (destroyed, severe) in expected.items():
        row = by_code[pcode]
        assert (row.value.destroyed, row.value.severe) == (destroyed, severe)
        assert (row.value.moderate, row.value.possible) == (0, 0)
        assert row.value.total == destroyed + severe
        assert row.share_destroyed == pytest.approx(destroyed / national_destroyed)
        assert row.share_total == pytest.approx((destroyed + severe) / national_total)
        assert row.value.date == date(2023, 3, 5) and row.value.sources == ("ACU IMU",)
    national = found.national["houses"]
    assert (national.destroyed, national.total) == (national_destroyed, national_total)
    # Largest destruction first; the shares of all governorates add up to the whole.
    assert found.places[0].value.destroyed == max(d for d, _ in expected.values())
    assert sum(r.share_destroyed or 0 for r in found.places) == pytest.approx(1.0)


def test_earthquake_workbook_gives_the_same_totals_as_its_csv(
    sqlite_store: Store, syria: Path
) -> None:
    load_gazetteer(sqlite_store, syria)
    tags = load_tag_map("acu-earthquake-2023")
    report = import_file(
        sqlite_store,
        syria / ACU / ACU_XLSX,
        ImportOptions(source="ACU IMU", sheet="DATASET", tag_map=tags),
    )
    assert (report.kind, report.records_written) == ("damage", 148)
    expected = expected_by_governorate(syria)
    found = {r.pcode: r.value for r in damage(sqlite_store, AS_OF, level=1).places}
    assert {k: (v.destroyed, v.severe) for k, v in found.items()} == expected


# -- points placed on boundaries ---------------------------------------------------------------


def square(west: float, south: float, east: float, north: float) -> str:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


#: Boundaries of the test gazetteer: Aleppo governorate, one of its sub-districts inside it, and
#: Idleb governorate sharing Aleppo's western border at longitude 36.5.
BOXES = {
    "SY02": (36.5, 35.5, 38.5, 37.0),
    "SY020000": (37.0, 36.1, 37.3, 36.3),
    "SY07": (35.8, 35.5, 36.5, 36.5),
}
LEVEL = {"SY02": 1, "SY07": 1, "SY020000": 3}


def boundaries(tmp_path: Path) -> Path:
    rows = [
        ["Governorate", "Sub-district", "Community", "Name", "Boundary"],
        ["#adm1+code", "#adm3+code", "#adm4+code", "#loc+name", "#geo+json"],
        ["SY02", "", "", "Aleppo", square(*BOXES["SY02"])],
        ["SY02", "SY020000", "", "Jebel Saman", square(*BOXES["SY020000"])],
        ["SY02", "SY020000", "C1007", "Aleppo city", ""],
        ["SY07", "", "", "Idleb", square(*BOXES["SY07"])],
    ]
    return write(tmp_path / "gazetteer.csv", rows)


CLASS_OF = {"Destroyed": 1, "2": 2, "Moderate Damage": 3, "4": 4, "Severe Damage": 2, "1.0": 1}
POINTS = [
    ["Site", "Class", "Imagery date", "Lat", "Lon", "Community"],
    ["#loc+name", "#damage+class", "#date+imagery", "#geo+lat", "#geo+lon", "#adm4+code"],
    ["A-1", "Destroyed", "2016-09-18", "36.2", "37.15", ""],  # in the sub-district
    ["A-2", "2", "2016-09-18", "36.8", "38.0", ""],  # in Aleppo, outside the sub-district
    ["I-1", "Moderate Damage", "2016-09-18", "36.0", "36.0", ""],  # Idleb
    ["C-1", "4", "2016-09-18", "", "", "C1007"],  # a P-code, no coordinates
    ["B-1", "Severe Damage", "2016-09-18", "36.0", "36.5", ""],  # on the border: Aleppo
    ["A-3", "1.0", "2016-09-18", "36.25", "37.2", ""],  # in the sub-district
]


def contains(box: tuple[float, float, float, float], lat: float, lon: float) -> bool:
    west, south, east, north = box
    return west <= lon <= east and south <= lat <= north


def expected_places() -> dict[str, str]:
    """Site -> P-code: its own code, else the finest box holding it; on a shared border the
    place first in the gazetteer (there, also the lower code)."""
    out = {}
    for site, _, _, lat, lon, code in POINTS[2:]:
        if code:
            out[site] = code
            continue
        holding = [c for c, box in BOXES.items() if contains(box, float(lat), float(lon))]
        out[site] = sorted(holding, key=lambda c: (-LEVEL[c], c))[0]
    return out


def test_unosat_points_are_placed_in_the_finest_boundary_holding_them_and_counted_by_class(
    store: Store, tmp_path: Path
) -> None:
    import_file(store, boundaries(tmp_path), ImportOptions(source="test gazetteer"))
    report = import_file(
        store, write(tmp_path / "points.csv", POINTS), ImportOptions(source="UNOSAT")
    )
    assert (report.kind, report.records_written, report.error_count) == ("damage", 6, 0)
    with store.engine.connect() as conn:
        stored = conn.execute(
            t.damage.select().join(t.places, t.places.c.id == t.damage.c.place_id)
            .with_only_columns(t.damage.c.site, t.places.c.pcode, t.damage.c.damage_class,
                               t.damage.c.destroyed, t.damage.c.severe, t.damage.c.unit)
        ).all()
    assert {r[0]: r[1] for r in stored} == expected_places()
    assert {r[0]: r[2] for r in stored} == {row[0]: CLASS_OF[row[1]] for row in POINTS[2:]}
    assert all(r[5] == "buildings" for r in stored)

    # Per governorate: count the classes of the points that roll up to it, by hand.
    expected: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in POINTS[2:]:
        code = expected_places()[row[0]]
        governorate = "SY02" if code in ("SY020000", "C1007") else code
        expected[governorate][CLASS_OF[row[1]] - 1] += 1
    found = damage(store, date(2016, 12, 31), level=1)
    got = {
        r.pcode: [r.value.destroyed, r.value.severe, r.value.moderate, r.value.possible]
        for r in found.places
    }
    assert got == expected
    total = sum(d + s + m for d, s, m, _ in expected.values())
    aleppo = next(r for r in found.places if r.pcode == "SY02")
    d, s, m, _ = expected["SY02"]
    assert aleppo.share_total == pytest.approx((d + s + m) / total)
    assert aleppo.value.total == d + s + m  # possible damage is not in the total


def test_a_bad_points_file_names_row_column_and_value_and_imports_nothing(
    store: Store, tmp_path: Path
) -> None:
    import_file(store, boundaries(tmp_path), ImportOptions(source="test gazetteer"))
    bad = [
        POINTS[0],
        POINTS[1],
        ["ok", "Destroyed", "2016-09-18", "36.2", "37.15", ""],
        ["seven", "7", "2016-09-18", "36.2", "37.15", ""],
        ["undated", "Destroyed", "", "36.2", "37.15", ""],
        ["far", "Destroyed", "2016-09-18", "30.0", "30.0", ""],
        ["nowhere", "Destroyed", "2016-09-18", "", "", ""],
    ]
    with pytest.raises(ImportFailed) as caught:
        import_file(store, write(tmp_path / "bad.csv", bad), ImportOptions(source="UNOSAT"))
    errors = caught.value.report.errors
    assert sorted((p.row, p.column, p.code) for p in errors) == [
        (4, "B #damage+class", "unknown-damage-class"),
        (5, None, "no-date"),
        (6, "D #geo+lat", "outside-boundaries"),
        (7, "D #geo+lat", "no-place"),
    ]
    problems = {p.code: p for p in errors}
    seven = problems["unknown-damage-class"]
    assert (seven.value, seven.file) == ("7", "bad.csv")
    assert "1 (destroyed)" in seven.reason  # it says how a class is written
    far = problems["outside-boundaries"]
    assert far.value == "30.0, 30.0"
    assert "outside every boundary" in far.reason  # not: the gazetteer has no boundaries
    # All or nothing: the good row is not written, and no import is recorded as committed.
    assert damage_rows(store) == 0
    assert not [i for i in all_imports(store) if i.kind == "damage" and i.status == "committed"]


def test_points_without_boundaries_in_the_gazetteer_say_so(store: Store, tmp_path: Path) -> None:
    write(tmp_path / "g.csv", [["#adm1+code", "#adm1+name"], ["SY02", "Aleppo"]])
    import_file(store, tmp_path / "g.csv", ImportOptions())
    with pytest.raises(ImportFailed) as caught:
        import_file(store, write(tmp_path / "p.csv", POINTS[:3]), ImportOptions())
    (problem,) = caught.value.report.problems
    assert problem.code == "outside-boundaries" and "has no boundaries" in problem.reason


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [["#adm1+code", "#damage+class", "#damage+destroyed", "#date"]],
            "either a class per point",
        ),
        ([["#adm1+code", "#damage+note", "#date"]], "needs #damage+class"),
        ([["#damage+class", "#date"]], "need a place"),
        (
            [["#adm1+code", "#damage+destroyed+houses", "#damage+severe+buildings", "#date"]],
            "one file, one unit",
        ),
    ],
)
def test_damage_files_that_make_no_sense_are_refused_with_a_reason(
    sqlite_store: Store, tmp_path: Path, rows: list[list[str]], message: str
) -> None:
    with pytest.raises(ImportFailed) as caught:
        import_file(sqlite_store, write(tmp_path / "x.csv", rows), ImportOptions())
    (problem,) = caught.value.report.problems
    assert problem.code == "layout" and message in problem.reason


# -- counts per place: the current assessment, shares, changes, undo ---------------------------

PLACES = [
    ["#adm1+code", "#adm4+code", "#adm4+name"],
    ["SY02", "C1007", "Aleppo"],
    ["SY02", "C1552", "Ma'btali"],
    ["SY07", "C3871", "Idleb"],
]
COUNTS_HEADER = [
    "#adm4+code", "#date", "#damage+destroyed", "#damage+severe", "#damage+moderate",
    "#damage+possible", "#meta+source",
]


def test_count_rows_check_their_numbers(sqlite_store: Store, tmp_path: Path) -> None:
    import_file(sqlite_store, write(tmp_path / "p.csv", PLACES), ImportOptions())
    rows = [
        COUNTS_HEADER,
        ["C1007", "2016-09-18", "-3", "1", "", "", "UNOSAT"],
        ["C1552", "2016-09-18", "2.5", "", "", "", "UNOSAT"],
        ["C3871", "2016-09-18", "many", "", "", "", "UNOSAT"],
        ["C9999", "2016-09-18", "1", "", "", "", "UNOSAT"],
    ]
    with pytest.raises(ImportFailed) as caught:
        import_file(sqlite_store, write(tmp_path / "c.csv", rows), ImportOptions())
    problems = caught.value.report.problems
    found = {(p.row, p.code, p.value) for p in problems if p.severity == "error"}
    assert found == {
        (2, "not-a-count", "-3"),  # the hashtag row is row 1: data starts on row 2
        (3, "not-a-count", "2.5"),
        (4, "not-a-number", "many"),
        (5, "no-valid-pcode", "C9999"),  # the P-code given, in its column
    }
    assert damage_rows(sqlite_store) == 0


def test_the_latest_assessment_is_current_a_better_source_wins_a_tie_and_changes_are_listed(
    store: Store, tmp_path: Path
) -> None:
    import_file(store, write(tmp_path / "p.csv", PLACES), ImportOptions())
    rows = [
        COUNTS_HEADER,
        ["C1007", "2016-02-01", "100", "50", "20", "5", "UNOSAT"],
        ["C1007", "2016-09-18", "400", "150", "60", "30", "UNOSAT"],
        ["C1007", "2016-09-18", "999", "999", "999", "999", "rumour mill"],
        ["C1552", "2016-02-01", "10", "0", "0", "0", "UNOSAT"],
        ["C3871", "2016-09-18", "1200", "300", "100", "0", "UNOSAT"],
        ["C3871", "2017-01-10", "1300", "", "", "", "UNOSAT"],
    ]
    report = import_file(store, write(tmp_path / "c.csv", rows), ImportOptions())
    assert report.records_written == 6
    grade_source(store, "UNOSAT", "A", 1)
    grade_source(store, "rumour mill", "F", 6)

    on = damage(store, date(2016, 12, 31), level=4)
    got = {r.pcode: (r.value.destroyed, r.value.total, r.value.sources) for r in on.places}
    assert got == {
        "C1007": (400, 610, ("UNOSAT",)),  # the latest; the graded source beats the rumour
        "C1552": (10, 10, ("UNOSAT",)),
        "C3871": (1200, 1600, ("UNOSAT",)),
    }
    assert on.national["buildings"].destroyed == 1610
    by_code = {r.pcode: r for r in on.places}
    assert by_code["C1007"].share_destroyed == pytest.approx(400 / 1610)
    # Rolled up: Aleppo governorate is the sum of its communities.
    adm1 = {r.pcode: r.value for r in damage(store, date(2016, 12, 31), level=1).places}
    assert (adm1["SY02"].destroyed, adm1["SY02"].basis) == (410, "children")
    # Before the September imagery, the February figures are current.
    early = {r.pcode: r.value.destroyed for r in damage(store, date(2016, 6, 1), level=4).places}
    assert early == {"C1007": 100, "C1552": 10}

    changes = damage_changes(store, date(2017, 2, 28), level=4)
    found = {(c.pcode, c.before.date, c.after.date): c.as_dict() for c in changes}
    assert set(found) == {
        ("C1007", date(2016, 2, 1), date(2016, 9, 18)),
        ("C3871", date(2016, 9, 18), date(2017, 1, 10)),
    }
    aleppo = found[("C1007", date(2016, 2, 1), date(2016, 9, 18))]
    assert (aleppo["destroyed_change"], aleppo["total_change"]) == (300, 610 - 170)
    idleb = found[("C3871", date(2016, 9, 18), date(2017, 1, 10))]
    assert (idleb["destroyed_change"], idleb["severe_change"]) == (100, -300)
    # At governorate level, Aleppo changes when any of its communities was assessed again.
    gov = damage_changes(store, date(2017, 2, 28), level=1, pcode="SY02")
    assert [(c.before.destroyed, c.after.destroyed) for c in gov] == [(110, 410)]


def test_undoing_a_damage_import_removes_its_rows(store: Store, tmp_path: Path) -> None:
    import_file(store, write(tmp_path / "p.csv", PLACES), ImportOptions())
    rows = [COUNTS_HEADER, ["C1007", "2016-09-18", "4", "3", "2", "1", "UNOSAT"]]
    report = import_file(store, write(tmp_path / "c.csv", rows), ImportOptions())
    assert damage_rows(store) == 1
    with store.writer() as writer:
        removed = undo_import(writer, report.import_id or 0)
    assert removed["damage"] == 1 and damage_rows(store) == 0
    assert damage(store, date(2017, 1, 1)).places == []


def test_damage_command_prints_json_csv_and_changes(db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    rows = [
        COUNTS_HEADER,
        ["C1007", "2016-02-01", "100", "50", "20", "5", "UNOSAT"],
        ["C1007", "2016-09-18", "400", "150", "60", "30", "UNOSAT"],
        ["C3871", "2016-09-18", "1200", "300", "100", "0", "UNOSAT"],
    ]
    for name, content in (("p.csv", PLACES), ("c.csv", rows)):
        done = runner.invoke(main, ["--db", db_url, "import", str(write(tmp_path / name, content))])
        assert done.exit_code == 0, done.output
    out = runner.invoke(
        main, ["--db", db_url, "damage", "--as-of", "2016-12-31", "--level", "adm1", "--format",
               "json"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert [(p["pcode"], p["destroyed"], p["total"]) for p in data["places"]] == [
        ("SY07", 1200, 1600),
        ("SY02", 400, 610),
    ]
    assert data["places"][1]["share_destroyed"] == pytest.approx(400 / 1600)
    assert data["national"]["buildings"]["destroyed"] == 1600
    hxl = runner.invoke(main, ["--db", db_url, "damage", "--as-of", "2016-12-31", "--format",
                               "hxl", "--place", "SY02"])
    lines = list(csv.reader(hxl.output.splitlines()))
    assert lines[1][:4] == ["#adm1+code", "#adm1+name", "#meta+unit", "#damage+destroyed"]
    assert (lines[2][0], lines[2][2], lines[2][3]) == ("SY02", "buildings", "400")
    changes = runner.invoke(main, ["--db", db_url, "damage", "--changes", "--as-of", "2017-01-01",
                                   "--level", "adm4", "--format", "json"])
    (change,) = json.loads(changes.output)["changes"]
    assert (change["pcode"], change["destroyed_change"]) == ("C1007", 300)
    unknown = runner.invoke(main, ["--db", db_url, "damage", "--place", "SY99"])
    assert unknown.exit_code == 1 and "no place with P-code 'SY99'" in unknown.output


# -- the demo: Aleppo holds 15 % of all destruction --------------------------------------------


def test_demo_aleppo_holds_15_percent_of_all_destroyed_buildings(demo_store: Store) -> None:
    from lagebild.demo import AS_OF as DEMO_AS_OF
    from lagebild.demo import DATA_DIR, ESCWA_SOURCE

    # From the file alone: the latest assessment of each community, with the csv module.
    with (DATA_DIR / "07_damage.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        tags = next(reader)
        rows = [dict(zip(tags, r, strict=True)) for r in reader]
    latest: dict[str, dict[str, str]] = {}
    for row in rows:
        held = latest.get(row["#adm4+code"])
        if held is None or row["#date+imagery"] > held["#date+imagery"]:
            latest[row["#adm4+code"]] = row
    destroyed = {c: int(r["#damage+destroyed+buildings"]) for c, r in latest.items()}
    assert destroyed["C1007"] / sum(destroyed.values()) == 0.15
    assert latest["C1007"]["#meta+source"] == ESCWA_SOURCE
    assert all("illustrative" in r["#meta+source"] for r in rows)

    found = damage(demo_store, DEMO_AS_OF, level=4)
    aleppo = next(r for r in found.places if r.pcode == "C1007")
    assert aleppo.share_destroyed == pytest.approx(0.15)
    assert aleppo.value.sources == (ESCWA_SOURCE,)
    assert found.places[0].pcode == "C1007"  # the largest share of destruction
    (change,) = damage_changes(demo_store, DEMO_AS_OF, level=4, pcode="C1007")
    assert (change.before.destroyed, change.after.destroyed) == (3700, 4500)
