"""Places change only on purpose, on the real OCHA gazetteers (issue 10, point 2): the 2015
communities over the 2020 COD and the 2018 communities are refused for their renames and moves,
counted here another way with the csv module; with --update-places they are applied and in the
history; the 2020 files again change nothing."""

from __future__ import annotations

import csv
import math
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lagebild.analysis.changes import change_row, place_history
from lagebild.ingest import ImportFailed, ImportOptions, import_file
from lagebild.store import Store
from lagebild.store import schema as t
from lagebild.store.audit import history
from lagebild.store.places import all_places

COD = ("syr_adm1.csv", "syr_adm2.csv", "syr_adm3_with_centroids.csv")
COMMUNITIES_2018 = ("locations_2018", "syr_locations_communities.csv")
COMMUNITIES_2015 = ("gazetteer_2015_alahwa", "syr_admin4_communities_2015.csv")


@pytest.fixture
def syria(shared_data: Path) -> Path:
    return shared_data / "syria"


def files_2020(syria: Path) -> list[Path]:
    return [syria / "cod_ab_2020-12-17" / name for name in COD] + [
        syria.joinpath(*COMMUNITIES_2018)
    ]


def load_2020(store: Store, syria: Path) -> list[Any]:
    return [import_file(store, path) for path in files_2020(syria)]


def rows_of(path: Path) -> list[dict[str, str]]:
    """The data rows (after the header and the hashtag row), cells stripped as lagebild reads."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        next(reader)
        return [{h: c.strip() for h, c in zip(header, r, strict=False)} for r in reader]


# Per file: for each level, the columns of (code, English name, Arabic name).
COLUMNS_2020 = {
    level: (f"ADM{level}_PCODE", f"ADM{level}_EN", f"ADM{level}_AR") for level in (1, 2, 3)
}
COLUMNS_2018 = {
    level: (f"admin{level}Pcode", f"admin{level}Name_en", f"admin{level}Name_ar")
    for level in (1, 2, 3, 4)
}
COLUMNS_2015 = {
    1: ("ADMIN1_COD", "ADMIN1_EN", "ADMIN1_ARA"),
    2: ("ADMIN2_COD", "ADMIN2_EN", "ADMIN2_ARA"),
    3: ("ADMIN3_COD", "ADMIN3_EN", "ADMIN3_ARA"),
    4: ("PCODE", "NAME_EN", "NAME_ARA"),
}


def declared(
    rows: list[dict[str, str]], columns: dict[int, tuple[str, str, str]]
) -> dict[str, dict[str, Any]]:
    """What one file says of each place: the first non-empty name of each language, the parent
    of the first row naming it."""
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        levels = [lvl for lvl in sorted(columns) if row.get(columns[lvl][0])]
        for k, lvl in enumerate(levels):
            code, en, ar = (row[c] for c in columns[lvl])
            place = found.setdefault(
                code.upper(), {"parent": row[columns[levels[k - 1]][0]] if k else None}
            )
            for key, name in (("name_en", en), ("name_ar", ar)):
                if name and not place.get(key):
                    place[key] = name
    return found


def database_after_2020(syria: Path) -> dict[str, dict[str, Any]]:
    """The places the 2020 files leave, file after file: a later file's names replace."""
    known: dict[str, dict[str, Any]] = {}
    sources = [(path, COLUMNS_2020) for path in files_2020(syria)[:3]]
    sources.append((syria.joinpath(*COMMUNITIES_2018), COLUMNS_2018))
    for path, columns in sources:
        for code, place in declared(rows_of(path), columns).items():
            entry = known.setdefault(code, {})
            entry.update({k: v for k, v in place.items() if v})
    return known


def test_the_2015_communities_over_2020_are_refused_for_renames_and_moves_then_applied(
    store: Store, syria: Path
) -> None:
    load_2020(store, syria)
    # -- expected, with the csv module: names differing for the same code, parents differing
    known = database_after_2020(syria)
    older = syria.joinpath(*COMMUNITIES_2015)
    file_2015 = declared(rows_of(older), COLUMNS_2015)
    renames = {
        (code, key, known[code][key], place[key])
        for code, place in file_2015.items()
        if code in known
        for key in ("name_en", "name_ar")
        if place.get(key) and known[code].get(key) and place[key] != known[code][key]
    }
    moves = {
        (code, known[code]["parent"], place["parent"])
        for code, place in file_2015.items()
        if code in known and place["parent"] and place["parent"] != known[code].get("parent")
    }
    added = {code for code in file_2015 if code not in known}
    assert (len(renames), len({r[0] for r in renames}), len(moves), len(added)) == (
        101,
        91,
        75,
        11,
    )
    # -- refused, nothing written
    before = places_table(store)
    with pytest.raises(ImportFailed) as failed:
        import_file(store, older)
    report = failed.value.report
    assert report.counts[("error", "place-renamed")] == len(renames)
    assert report.counts[("error", "place-moved")] == len(moves)
    assert report.error_count == len(renames) + len(moves)
    changes = report.place_changes
    assert changes is not None
    assert {(c.pcode, c.field, c.old, c.new) for c in changes.of("renamed")} == renames
    assert {(c.pcode, c.old, c.new) for c in changes.of("moved")} == moves
    assert {c.pcode for c in changes.of("added")} == added
    assert (changes.counts["renamed"], changes.counts["moved"]) == (91, 75)
    # Coordinates, measured another way: 2015 against 2018, more or less than 1 km apart.
    relocated, revised = coordinate_changes(syria)
    assert (changes.counts["relocated"], changes.counts["revised"]) == (relocated, revised)
    assert places_table(store) == before
    # -- with --update-places: applied, and in the history of each place
    done = import_file(store, older, ImportOptions(update_places=True))
    assert done.place_changes is not None and done.place_changes.applied
    places = {p.pcode: p for p in all_places(store)}
    pcode_of = {p.id: p.pcode for p in places.values()}
    for code, key, _, new in renames:
        assert getattr(places[code], key) == new
    for code, _, parent in moves:
        assert pcode_of[places[code].parent_id] == parent  # type: ignore[index]
    edited = {c.pcode for c in history(store, record_kind="place") if c.action == "edit"}
    changed = {c.pcode for c in done.place_changes.changes if c.kind != "added"}
    assert edited == changed and {r[0] for r in renames} | {m[0] for m in moves} <= edited
    _, lines = place_history(store, "C4122", below=False)
    assert "name_en Tal Elkarameh -> Tal Elkaramej" in change_row(lines[0])["what"]
    assert lines[0].import_id == done.import_id


def test_the_2020_gazetteer_again_reports_everything_unchanged_and_changes_nothing(
    store: Store, syria: Path
) -> None:
    load_2020(store, syria)
    before = places_table(store)
    for path, report in zip(files_2020(syria), load_2020(store, syria), strict=True):
        codes = distinct_codes(path)
        assert report.place_changes is not None
        assert dict(report.place_changes.counts) == {"unchanged": codes}, path.name
        assert report.place_changes.changes == []
    assert places_table(store) == before
    assert [c for c in history(store, record_kind="place") if c.action == "edit"] == []


def places_table(store: Store) -> list[tuple[Any, ...]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(t.places).order_by(t.places.c.id))]


def distinct_codes(path: Path) -> int:
    """How many places a 2020 file names: every code of every level, the country's too."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        tags = next(reader)
        wanted = [
            i
            for i, tag in enumerate(tags)
            if tag.replace(" ", "") in ("#country+code", "#adm1+code", "#adm2+code", "#adm3+code")
            or tag == "#adm4+code"
        ]
        return len({row[i].strip() for row in reader for i in wanted if row[i].strip()})


def coordinate_changes(syria: Path) -> tuple[int, int]:
    """Communities of 2015 whose coordinates lie more than 1 km from 2018's, and those that
    differ by less."""
    newer = {
        r["admin4Pcode"]: (float(r["Latitude_y"]), float(r["Longitude_x"]))
        for r in rows_of(syria.joinpath(*COMMUNITIES_2018))
        if r["Latitude_y"] and r["Longitude_x"]
    }
    far = near = 0
    for row in rows_of(syria.joinpath(*COMMUNITIES_2015)):
        if row["PCODE"] not in newer or not row["LATITUDE"] or not row["LONGITUDE"]:
            continue
        a, b = newer[row["PCODE"]], (float(row["LATITUDE"]), float(row["LONGITUDE"]))
        if a == b:
            continue
        # The haversine formula, written out again here.
        p1, p2 = math.radians(a[0]), math.radians(b[0])
        h = (
            math.sin((p2 - p1) / 2) ** 2
            + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
        )
        km = 2 * 6371.0088 * math.asin(math.sqrt(h))
        far, near = (far + 1, near) if km > 1 else (far, near + 1)
    return far, near


def test_the_count_of_places_per_2020_file_is_what_the_importer_counts(
    store: Store, syria: Path
) -> None:
    """The first 2020 import adds every place its files name, each once."""
    reports = load_2020(store, syria)
    added = [r.place_changes.counts["added"] for r in reports]  # type: ignore[union-attr]
    unchanged = [r.place_changes.counts["unchanged"] for r in reports]  # type: ignore[union-attr]
    assert added == [15, 62, 272, 7693]
    assert [a + u for a, u in zip(added, unchanged, strict=True)] == [
        distinct_codes(p) for p in files_2020(syria)
    ]
    assert Counter(p.level for p in all_places(store)) == {0: 1, 1: 14, 2: 62, 3: 272, 4: 7693}
