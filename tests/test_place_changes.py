"""Places change only on purpose (issue 10, point 2): a gazetteer over known places reports what it
adds, renames, moves, retires, completes and relocates; renames and moves need --update-places;
every change of a place is in the audit trail; no other kind of file changes a place."""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from accounts_support import CHEAP_ARGON2, add_accounts, sign_in, web
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from lagebild.analysis.changes import change_row
from lagebild.cli import main
from lagebild.ingest import ImportFailed, ImportOptions, import_file
from lagebild.ingest.placechanges import KINDS, distance_km
from lagebild.store import Store
from lagebild.store import schema as t
from lagebild.store.audit import history
from lagebild.store.imports import all_imports
from lagebild.store.places import all_places
from lagebild.web import WebConfig, create_app

HEADER = [
    "Country",
    "Governorate",
    "Gov code",
    "District code",
    "Sub-district code",
    "Community",
    "Community (Arabic)",
    "Community code",
    "Latitude",
    "Longitude",
    "Valid to",
]
TAGS = [
    "#country+code",
    "#adm1+name",
    "#adm1+code",
    "#adm2+code",
    "#adm3+code",
    "#adm4+name+i_en",
    "#adm4+name+i_ar",
    "#adm4+code",
    "#geo+lat",
    "#geo+lon",
    "#date+valid_to",
]
ALEPPO, IDLEB = ["SY", "Aleppo", "SY02", "SY0200"], ["SY", "Idleb", "SY07", "SY0703"]
BASE = [
    [*ALEPPO, "SY020000", "Aleppo", "حلب", "C1007", "36.2", "37.15", ""],
    [*ALEPPO, "SY020000", "Musallamiyeh", "", "C1003", "36.3", "37.2", ""],
    [*ALEPPO, "SY020001", "Haritan", "حريتان", "C1010", "36.28", "37.08", ""],
    [*ALEPPO, "SY020001", "Kafr Hamra", "كفر حمرة", "C1012", "36.25", "37.07", ""],
    [*IDLEB, "SY070302", "Salqin", "سلقين", "C4140", "", "", ""],
    [*IDLEB, "SY070302", "Old village", "", "C4999", "36.1", "36.4", ""],
    [*IDLEB, "SY070302", "Harem", "حارم", "C4141", "36.2", "36.5", ""],
]
# The newer version, row by row as a spreadsheet numbers them (two header rows):
NEWER = [
    # 3: renamed in English; its coordinates nudged by 56 m (revised)
    [*ALEPPO, "SY020000", "Halab", "حلب", "C1007", "36.2005", "37.15", ""],
    # 4: an Arabic name where there was none (completed)
    [*ALEPPO, "SY020000", "Musallamiyeh", "المسلمية", "C1003", "36.3", "37.2", ""],
    # 5: moved to another sub-district
    [*ALEPPO, "SY020000", "Haritan", "حريتان", "C1010", "36.28", "37.08", ""],
    # 6: unchanged
    [*ALEPPO, "SY020001", "Kafr Hamra", "كفر حمرة", "C1012", "36.25", "37.07", ""],
    # 7: coordinates where there were none (completed)
    [*IDLEB, "SY070302", "Salqin", "سلقين", "C4140", "36.13", "36.45", ""],
    # 8: retired
    [*IDLEB, "SY070302", "Old village", "", "C4999", "36.1", "36.4", "2016-06-30"],
    # 9: 5.6 km away (relocated)
    [*IDLEB, "SY070302", "Harem", "حارم", "C4141", "36.25", "36.5", ""],
    # 10: new
    [*ALEPPO, "SY020000", "Sheikh Maqsoud", "الشيخ مقصود", "C1011", "36.23", "37.16", ""],
]
#: Places per kind in NEWER over BASE, counted by hand from the comments above; unchanged: the
#: country, both governorates, both districts, three sub-districts and C1012.
EXPECTED = {
    "added": 1,
    "renamed": 1,
    "moved": 1,
    "retired": 1,
    "completed": 2,
    "relocated": 1,
    "revised": 1,
    "unchanged": 9,
}


def write(
    path: Path, rows: list[list[str]], header: list[str] = HEADER, tags: list[str] = TAGS
) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, tags, *rows])
    return path


def places_table(store: Store) -> list[tuple[Any, ...]]:
    """Every column of every row of the places table, in id order."""
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(t.places).order_by(t.places.c.id))]


def place_edits(store: Store) -> list[Any]:
    return [c for c in history(store) if c.record_kind == "place" and c.action == "edit"]


@pytest.fixture
def known(store: Store, tmp_path: Path) -> Store:
    import_file(store, write(tmp_path / "gazetteer_2019.csv", BASE))
    return store


def by_code(store: Store) -> dict[str, Any]:
    return {p.pcode: p for p in all_places(store)}


# ---- the report -------------------------------------------------------------------------------


def test_renames_and_moves_are_refused_one_error_each_with_old_and_new_and_nothing_written(
    known: Store, tmp_path: Path
) -> None:
    before = places_table(known)
    with pytest.raises(ImportFailed) as failed:
        import_file(known, write(tmp_path / "gazetteer_2020.csv", NEWER))
    report = failed.value.report
    assert [(p.code, p.row, p.column, p.value) for p in report.errors] == [
        ("place-renamed", 3, "F #adm4+name+i_en", "Halab"),
        ("place-moved", 5, "E #adm3+code", "SY020000"),
    ]
    renamed, moved = report.errors
    assert "'Aleppo' to 'Halab'" in renamed.reason and "--update-places" in renamed.reason
    assert "from SY020001 to SY020000" in moved.reason and "--update-places" in moved.reason
    assert report.place_changes is not None and not report.place_changes.applied
    assert dict(report.place_changes.counts) == {k: v for k, v in EXPECTED.items() if v}
    assert places_table(known) == before
    assert len(all_imports(known)) == 1 and place_edits(known) == []


def test_each_change_names_its_place_field_old_and_new_value_and_row(
    known: Store, tmp_path: Path
) -> None:
    report = import_file(
        known, write(tmp_path / "g.csv", NEWER), ImportOptions(update_places=True, dry_run=True)
    )
    assert report.place_changes is not None
    found = {
        (c.kind, c.pcode, c.field, c.row): (c.old, c.new) for c in report.place_changes.changes
    }
    assert found == {
        ("renamed", "C1007", "name_en", 3): ("Aleppo", "Halab"),
        ("revised", "C1007", "coordinates", 3): ((36.2, 37.15), (36.2005, 37.15)),
        ("completed", "C1003", "name_ar", 4): (None, "المسلمية"),
        ("moved", "C1010", "parent", 5): ("SY020001", "SY020000"),
        ("completed", "C4140", "coordinates", 7): (None, (36.13, 36.45)),
        ("retired", "C4999", "valid_to", 8): (None, date(2016, 6, 30)),
        ("relocated", "C4141", "coordinates", 9): ((36.2, 36.5), (36.25, 36.5)),
        ("added", "C1011", None, 10): (None, "Sheikh Maqsoud"),
    }
    # The 1 km line, measured another way: 0.05 degrees of latitude are 5.56 km, 0.0005 are 56 m.
    assert distance_km((36.2, 36.5), (36.25, 36.5)) == pytest.approx(5.56, abs=0.01)
    assert distance_km((36.2, 37.15), (36.2005, 37.15)) == pytest.approx(0.0556, abs=0.001)


def test_the_json_report_carries_counts_of_every_kind_and_each_change(
    known: Store, tmp_path: Path
) -> None:
    report = import_file(known, write(tmp_path / "g.csv", NEWER), ImportOptions(update_places=True))
    data = json.loads(json.dumps(report.as_dict(), ensure_ascii=False))
    changes = data["place_changes"]
    assert changes["counts"] == EXPECTED and list(changes["counts"]) == list(KINDS)
    assert changes["applied"] is True
    retired = [c for c in changes["changes"] if c["kind"] == "retired"]
    assert retired == [
        {
            "kind": "retired",
            "pcode": "C4999",
            "level": "adm4",
            "field": "valid_to",
            "old": None,
            "new": "2016-06-30",
            "row": 8,
            "column": "K #date+valid_to",
        }
    ]
    relocated = [c for c in changes["changes"] if c["kind"] == "relocated"][0]
    assert (relocated["old"], relocated["new"]) == ("36.20000, 36.50000", "36.25000, 36.50000")


def test_with_update_places_every_change_is_written_and_in_the_audit_trail(
    known: Store, tmp_path: Path
) -> None:
    report = import_file(known, write(tmp_path / "g.csv", NEWER), ImportOptions(update_places=True))
    places = by_code(known)
    ids = {p.id: p.pcode for p in places.values()}
    assert places["C1007"].name_en == "Halab" and places["C1007"].lat == 36.2005
    assert places["C1003"].name_ar == "المسلمية"
    assert ids[places["C1010"].parent_id] == "SY020000"  # type: ignore[index]
    assert (places["C4140"].lat, places["C4140"].lon) == (36.13, 36.45)
    assert str(places["C4999"].valid_to) == "2016-06-30"
    assert places["C4141"].lat == 36.25 and "C1011" in places
    edits = {c.pcode: c for c in place_edits(known)}
    assert set(edits) == {"C1007", "C1003", "C1010", "C4140", "C4999", "C4141"}
    assert all(c.import_id == report.import_id for c in edits.values())
    assert (edits["C1007"].before, edits["C1007"].after) == (
        {"name_en": "Aleppo", "lat": 36.2, "lon": 37.15},
        {"name_en": "Halab", "lat": 36.2005, "lon": 37.15},
    )
    assert (edits["C1010"].before, edits["C1010"].after) == (
        {"parent": "SY020001"},
        {"parent": "SY020000"},
    )
    assert edits["C4999"].after == {"valid_to": "2016-06-30"}
    assert edits["C1007"].why == f"renamed, revised by gazetteer import #{report.import_id} (g.csv)"
    # The history of the place says it in one line; the new place is there as added.
    assert change_row(edits["C1010"])["what"].endswith("parent SY020001 -> SY020000")
    added = [
        change_row(c)["what"]
        for c in history(known, [places["C1011"].id])
        if c.record_kind == "place"
    ]
    assert added == [f"place added by import #{report.import_id}"]


def test_additions_completions_retirements_and_relocations_need_no_update_places(
    known: Store, tmp_path: Path
) -> None:
    gentle = [r for r in NEWER if r[7] not in ("C1007", "C1010")]
    report = import_file(known, write(tmp_path / "g.csv", gentle))
    assert report.place_changes is not None and report.place_changes.applied
    counts = report.place_changes.counts
    assert (counts["added"], counts["completed"], counts["retired"], counts["relocated"]) == (
        1,
        2,
        1,
        1,
    )
    assert counts["renamed"] == counts["moved"] == 0 and report.errors == []
    assert by_code(known)["C4141"].lat == 36.25


def test_a_dry_run_reports_everything_and_writes_nothing(known: Store, tmp_path: Path) -> None:
    before = places_table(known)
    report = import_file(
        known, write(tmp_path / "g.csv", NEWER), ImportOptions(update_places=True, dry_run=True)
    )
    assert report.place_changes is not None
    assert dict(report.place_changes.counts) == {k: v for k, v in EXPECTED.items() if v}
    assert not report.place_changes.applied
    assert places_table(known) == before and place_edits(known) == []


def test_skip_invalid_does_not_let_a_rename_through(known: Store, tmp_path: Path) -> None:
    before = places_table(known)
    with pytest.raises(ImportFailed) as failed:
        import_file(known, write(tmp_path / "g.csv", NEWER), ImportOptions(skip_invalid=True))
    assert {p.code for p in failed.value.report.errors} == {"place-renamed", "place-moved"}
    assert places_table(known) == before


def test_the_same_gazetteer_again_changes_nothing_and_says_so(known: Store, tmp_path: Path) -> None:
    before = places_table(known)
    report = import_file(known, write(tmp_path / "gazetteer_2019_again.csv", BASE))
    assert report.place_changes is not None
    assert dict(report.place_changes.counts) == {"unchanged": 15}
    assert report.place_changes.changes == []
    assert places_table(known) == before and place_edits(known) == []


def test_a_known_pcode_at_another_level_is_refused_even_with_update_places(
    known: Store, tmp_path: Path
) -> None:
    before = places_table(known)
    header, tags = ["Sub-district", "Code"], ["#adm3+name", "#adm3+code"]
    path = write(
        tmp_path / "levels.csv", [["Jebel Saman", "SY020000"], ["Aleppo", "C1007"]], header, tags
    )
    with pytest.raises(ImportFailed) as failed:
        import_file(known, path, ImportOptions(update_places=True))
    report = failed.value.report
    assert [(p.code, p.row, p.column, p.value) for p in report.errors] == [
        ("place-level", 4, "B #adm3+code", "C1007")
    ]
    assert "C1007 is adm4 in the places known but adm3 in this file" in report.errors[0].reason
    assert report.as_dict()["place_changes"]["level_conflicts"][0]["new"] == "adm3"  # type: ignore[index]
    assert places_table(known) == before


def test_a_replaced_boundary_is_a_relocation_and_the_audit_keeps_both(
    store: Store, tmp_path: Path
) -> None:
    header, tags = ["Sub-district", "Code", "Boundary"], ["#adm3+name", "#adm3+code", "#geo+json"]
    square = '{{"type": "Polygon", "coordinates": [[[37, 36], [37, {n}], [38, {n}], [37, 36]]]}}'
    first, second = square.format(n=37), square.format(n=36.5)
    import_file(store, write(tmp_path / "a.csv", [["Jebel Saman", "SY020000", ""]], header, tags))
    added = import_file(
        store, write(tmp_path / "b.csv", [["Jebel Saman", "SY020000", first]], header, tags)
    )
    assert added.place_changes is not None and added.place_changes.counts["completed"] == 1
    moved = import_file(
        store, write(tmp_path / "c.csv", [["Jebel Saman", "SY020000", second]], header, tags)
    )
    assert moved.place_changes is not None
    assert dict(moved.place_changes.counts) == {"relocated": 1}
    change = moved.place_changes.changes[0]
    assert change.as_dict()["old"].startswith("Polygon (") and change.as_dict()["row"] == 3
    edit = place_edits(store)[0]  # the newest
    assert json.loads(edit.before["geometry"])["coordinates"][0][1] == [37, 37]
    assert json.loads(edit.after["geometry"])["coordinates"][0][1] == [37, 36.5]
    assert re.fullmatch(
        r"place #\d+: geometry Polygon \([\d,]+ characters\) -> Polygon \([\d,]+ characters\)",
        change_row(edit)["what"],
    )


# ---- the command line -------------------------------------------------------------------------


def many_renames(tmp_path: Path, n: int) -> tuple[Path, Path]:
    base = [[*ALEPPO, "SY020000", f"Village {k}", "", f"C{2000 + k}", "", "", ""] for k in range(n)]
    renamed = [[*r[:5], f"New village {k}", *r[6:]] for k, r in enumerate(base)]
    return write(tmp_path / "old.csv", base), write(tmp_path / "new.csv", renamed)


def test_the_command_line_refuses_with_a_table_of_80_columns_and_applies_with_update_places(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "l.db")
    old, new = many_renames(tmp_path, 25)
    runner = CliRunner()
    assert runner.invoke(main, ["--db", db, "import", str(old)]).exit_code == 0
    refused = runner.invoke(main, ["--db", db, "import", str(new)])
    assert refused.exit_code == 1
    errors = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 25 and "renames C2000 from 'Village 0' to 'New village 0'" in errors[0]
    table = refused.stderr.split("places would change:\n", 1)[1].splitlines()
    assert table[0].split() == list(KINDS)
    assert table[1].split() == ["0", "25", "0", "0", "0", "0", "0", "4"]
    assert table[2].split() == [
        "C2000",
        "adm4",
        "name_en",
        "Village",
        "0",
        "->",
        "New",
        "village",
        "0",
    ]
    assert table[22] == "  and 5 more (--format json lists them all)"
    assert all(len(line) <= 80 for line in table)
    assert "nothing was imported" in refused.stderr
    as_json = runner.invoke(main, ["--db", db, "import", "--dry-run", "--format", "json", str(new)])
    data = json.loads(as_json.stdout)[0]["place_changes"]
    assert data["counts"]["renamed"] == 25 and len(data["changes"]) == 25
    done = runner.invoke(main, ["--db", db, "import", "--update-places", str(new)])
    assert done.exit_code == 0, done.output
    assert "places changed:" in done.stdout
    shown = runner.invoke(main, ["--db", db, "history", "C2003", "--format", "json"])
    rows = json.loads(shown.stdout)["changes"]
    assert rows[0]["what"].endswith("name_en Village 3 -> New village 3")
    import_id = int(re.search(r"as import #(\d+)", done.stdout).group(1))  # type: ignore[union-attr]
    assert rows[0]["import_id"] == import_id and rows[0]["before"] == {"name_en": "Village 3"}


# ---- no other file changes a place ------------------------------------------------------------

OTHER_FILES = {
    "figures": (
        ["Governorate", "Gov code", "Community", "Community code", "Lat", "In need", "Date"],
        ["#adm1+name", "#adm1+code", "#adm4+name", "#adm4+code", "#geo+lat", "#inneed", "#date"],
        ["Halab governorate", "SY02", "Aleppo city", "C1007", "1.5", "1000", "2017-01-01"],
    ),
    "access": (
        ["Governorate", "Community", "Community code", "Access", "Date"],
        ["#adm1+name", "#adm4+name", "#adm4+code", "#access", "#date"],
        ["Halab", "Another name", "C4140", "besieged", "2017-01-01"],
    ),
    "deliveries": (
        ["Org", "Sector", "Governorate", "Community", "Community code", "People", "Date"],
        ["#org+impl", "#sector", "#adm1+name", "#adm4+name", "#adm4+code", "#reached+ind", "#date"],
        ["SARC", "Food", "Halab", "Renamed", "C1003", "100", "2017-01-02"],
    ),
}


@pytest.mark.parametrize("kind", sorted(OTHER_FILES))
def test_a_file_of_another_kind_naming_places_otherwise_leaves_the_places_table_identical(
    known: Store, tmp_path: Path, kind: str
) -> None:
    header, tags, row = OTHER_FILES[kind]
    before = places_table(known)
    report = import_file(known, write(tmp_path / f"{kind}.csv", [row], header, tags))
    assert (report.kind, report.rows_written, report.place_changes) == (kind, 1, None)
    assert places_table(known) == before and place_edits(known) == []


def test_only_the_gazetteer_branch_of_the_importer_writes_places() -> None:
    """No module but the store's places module touches the places table, and only the importer's
    gazetteer branch calls it."""
    src = Path(__file__).resolve().parents[1] / "src" / "lagebild"
    callers = {
        str(path.relative_to(src))
        for path in src.rglob("*.py")
        if "upsert_places(" in path.read_text(encoding="utf-8")
    }
    assert callers == {"store/places.py", "ingest/importer.py"}
    writes = re.compile(r"places\.(update|insert|delete)\(|(UPDATE|INSERT INTO|DELETE FROM) places")
    writers = {
        str(path.relative_to(src))
        for path in src.rglob("*.py")
        if writes.search(path.read_text(encoding="utf-8"))
    }
    assert writers <= {"store/places.py", "store/backup.py"}
    importer = (src / "ingest" / "importer.py").read_text(encoding="utf-8")
    branch = importer.split('if layout.kind == "places":', 1)[1].split("elif layout.kind", 1)[0]
    assert importer.count("_import_places(") == branch.count("_import_places(") + 1 == 2
    places = importer.split("def _import_places(", 1)[1].split("\ndef ", 1)[0]
    assert importer.count("upsert_places(") == places.count("upsert_places(") == 1


# ---- the web import form ----------------------------------------------------------------------


def post(client: TestClient, path: Path, **fields: str) -> Any:
    files = {"file": (path.name, path.read_bytes(), "text/csv")}
    return client.post("/import", files=files, data=fields)


def test_the_web_form_refuses_renames_unless_its_box_is_ticked(
    known: Store, tmp_path: Path
) -> None:
    newer = write(tmp_path / "g.csv", NEWER)
    url = known.engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(WebConfig(db=url))) as client:
        assert 'name="update_places"' in client.get("/import").text  # the laptop's user: admin
        refused = post(client, newer)
        assert 'id="place-changes-refused"' in refused.text
        assert 'id="import-confirm"' not in refused.text
        assert 'data-code="place-renamed"' in refused.text
        allowed = post(client, newer, update_places="yes")
        assert 'id="place-changes-refused"' not in allowed.text
        assert re.search(r'data-kind="moved"><td>[^<]+</td><td class="num">1<', allowed.text)
        token = re.search(r'action="/import/([A-Za-z0-9_-]+)/confirm"', allowed.text)
        assert token is not None
        done = client.post(f"/import/{token.group(1)}/confirm")
        assert done.status_code == 200 and 'data-stage="done"' in done.text
    assert by_code(known)["C1007"].name_en == "Halab"
    assert {c.pcode for c in place_edits(known)} >= {"C1007", "C1010"}


def test_only_who_may_import_a_gazetteer_sees_the_box(
    known: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAGEBILD_ARGON2", CHEAP_ARGON2)
    add_accounts(known)
    with web(known) as client:
        sign_in(client, "analyst1")
        assert 'name="update_places"' not in client.get("/import").text
    with web(known) as client:
        sign_in(client, "admin1")
        assert 'name="update_places"' in client.get("/import").text


def test_the_import_api_refuses_renames_unless_update_places_and_reports_the_changes(
    known: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lagebild.security.passwords import secret_hash
    from lagebild.store import accounts

    monkeypatch.setenv("LAGEBILD_ARGON2", CHEAP_ARGON2)
    add_accounts(known)
    accounts.add_token(known, "admin1", secret_hash("token-of-admin1"), "tests")
    newer = write(tmp_path / "g.csv", NEWER).read_bytes()
    before = places_table(known)
    with web(known) as client:

        def send(**fields: str) -> Any:
            return client.post(
                "/api/imports",
                files={"file": ("g.csv", newer, "text/csv")},
                data=fields,
                headers={"Authorization": "Bearer token-of-admin1"},
            )

        refused = send()
        assert refused.status_code == 422
        assert [p["code"] for p in refused.json()["problems"]] == ["place-renamed", "place-moved"]
        assert places_table(known) == before
        assert send(update_places="maybe").status_code == 422
        created = send(update_places="true")
        assert created.status_code == 201, created.text
        assert created.json()["place_changes"]["counts"] == EXPECTED
    assert by_code(known)["C1007"].name_en == "Halab"
