"""The audit trail (issue 4, point 4): every import, undo, edit, deletion and grade is recorded
with who, when, before and after; `lagebild history PCODE` shows a place's changes. Also the
grade of one figure over its source's, and a share stated with a total checked against the
population on record (point 2)."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from lagebild.analysis import trust
from lagebild.analysis.situation import situation
from lagebild.cli import main
from lagebild.ingest import ImportFailed, ImportOptions, import_file
from lagebild.store import Store
from lagebild.store.audit import delete_record, edit_record, history
from lagebild.store.changes import data_version
from lagebild.store.imports import all_imports
from lagebild.store.sources import grade_source

AS_OF = date(2017, 2, 28)
PLACES = [
    ["#country+code", "#adm1+code", "#adm2+code", "#adm3+code", "#adm4+code", "#adm4+name"],
    ["SY", "SY02", "SY0200", "SY020000", "C1007", "Aleppo"],
    ["SY", "SY02", "SY0200", "SY020000", "C1003", "Musallamiyeh"],
    ["SY", "SY03", "SY0301", "SY030100", "C2329", "Duma"],
]
DELIVERIES = [
    ["#adm4+code", "#org+impl", "#sector", "#date", "#reached"],
    ["C1007", "SARC", "food", "2017-02-10", "1200"],
    ["C1007", "SARC", "health", "2017-02-11", "300"],
    ["C1003", "WFP", "food", "2017-02-12", "450"],
    ["C2329", "UNICEF", "wash", "2017-02-13", "800"],
]


def write(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def in_need(store: Store) -> float | None:
    total = situation(store, AS_OF).total
    assert total is not None
    return total.people_in_need.value if total.people_in_need else None


def db_arg(store: Store) -> str:
    db = store.engine.url.render_as_string(hide_password=False)
    return db.replace("sqlite:///", "").replace("postgresql+psycopg://", "postgresql://")


def run(store: Store, *args: str, ok: bool = True) -> str:
    result = CliRunner().invoke(main, ["--db", db_arg(store), *args])
    assert (result.exit_code == 0) == ok, result.output
    return result.output


@pytest.fixture
def world(store: Store, tmp_path: Path) -> Store:
    import_file(store, write(tmp_path / "places.csv", PLACES))
    return store


def test_an_import_records_per_place_what_it_added_counted_like_the_file(
    world: Store, tmp_path: Path
) -> None:
    path = write(tmp_path / "4w.csv", DELIVERIES)
    report = import_file(world, path, ImportOptions(source="Food cluster"))
    rows = list(csv.DictReader(path.open(encoding="utf-8")))[1:]
    expected_rows = Counter(r["P-code"] if "P-code" in r else r["#adm4+code"] for r in rows)
    with path.open(encoding="utf-8") as fh:
        data = list(csv.reader(fh))[1:]
    expected_rows = Counter(r[0] for r in data)
    expected_reached: Counter[str] = Counter()
    for r in data:
        expected_reached[r[0]] += float(r[4])

    changes = [c for c in history(world) if c.import_id == report.import_id]
    whole = [c for c in changes if c.record_kind == "import"]
    assert len(whole) == 1 and whole[0].after["file"] == "4w.csv"
    assert whole[0].after["rows"] == len(data)
    per_place = {c.pcode: c.after for c in changes if c.record_kind == "delivery"}
    assert {k: v["rows"] for k, v in per_place.items()} == dict(expected_rows)
    assert {k: v["reached"] for k, v in per_place.items()} == dict(expected_reached)


def test_history_of_a_place_shows_its_changes_and_those_below_it(
    world: Store, tmp_path: Path
) -> None:
    import_file(world, write(tmp_path / "4w.csv", DELIVERIES))
    aleppo = json.loads(run(world, "history", "SY02", "--format", "json"))["changes"]
    assert {c["pcode"] for c in aleppo if c["record_kind"] == "delivery"} == {"C1007", "C1003"}
    only = json.loads(run(world, "history", "SY02", "--only", "--format", "json"))["changes"]
    assert [c for c in only if c["record_kind"] == "delivery"] == []
    duma = run(world, "history", "C2329")
    assert "1 delivery row, reached 800 added by import #2" in duma
    run(world, "history", "SY99", ok=False)


def test_an_edit_keeps_before_and_after_and_changes_the_number(
    world: Store, tmp_path: Path
) -> None:
    write(tmp_path / "f.csv", [["#adm4+code", "#inneed", "#date"], ["C1007", "5000", "2017-01-01"]])
    import_file(world, tmp_path / "f.csv")
    figure_id = trust.figure_records(world)[0].id
    before_total = in_need(world)
    out = run(
        world, "--user", "amira", "edit", "figure", str(figure_id), "value=6,500",
        "--why", "the report said 6,500",
    )
    assert "value 5000.0 -> 6500.0" in out
    after_total = in_need(world)
    assert (before_total, after_total) == (5000, 6500)
    change = history(world, record_kind="figure", record_id=figure_id)[0]
    assert (change.actor, change.action, change.why) == ("amira", "edit", "the report said 6,500")
    assert change.before["value"] == 5000 and change.after["value"] == 6500
    assert change.pcode == "C1007"


def test_bad_edits_are_refused_naming_field_and_value(world: Store, tmp_path: Path) -> None:
    write(tmp_path / "f.csv", [["#adm4+code", "#inneed", "#date"], ["C1007", "5000", "2017-01-01"]])
    import_file(world, tmp_path / "f.csv")
    figure_id = str(trust.figure_records(world)[0].id)
    assert "'many': not a number" in run(
        world, "edit", "figure", figure_id, "value=many", "--why", "x", ok=False
    )
    assert "cannot be edited" in run(
        world, "edit", "figure", figure_id, "import_id=3", "--why", "x", ok=False
    )
    assert "use accessible, hard_to_reach, besieged" in run(
        world, "edit", "access", "1", "status=closed", "--why", "x", ok=False
    )
    assert "there is no figure #999" in run(
        world, "edit", "figure", "999", "value=1", "--why", "x", ok=False
    )
    assert "Missing option '--why'" in run(world, "edit", "figure", figure_id, "value=1", ok=False)
    before = len(history(world))
    assert trust.figure_records(world)[0].value == 5000  # nothing changed
    assert len(history(world)) == before


def test_a_deletion_keeps_the_whole_record_in_the_trail(world: Store, tmp_path: Path) -> None:
    import_file(world, write(tmp_path / "4w.csv", DELIVERIES))
    from lagebild.store.trust import delivered_rows

    rows = delivered_rows(world, None, date(2017, 1, 1), AS_OF, None)
    victim = next(r for r in rows if r["reached"] == 450)
    kept = delete_record(world, "delivery", victim["id"], "entered twice")
    assert kept["reached"] == 450 and kept["org_impl"] == "WFP"
    remaining = delivered_rows(world, None, date(2017, 1, 1), AS_OF, None)
    assert victim["id"] not in {r["id"] for r in remaining}
    change = history(world, record_kind="delivery", record_id=victim["id"])[0]
    assert change.action == "delete" and change.before == kept and change.after is None
    assert change.pcode == "C1003"
    # The import's record is never deleted.
    assert [i.status for i in all_imports(world)] == ["committed", "committed"]


def test_a_grade_change_is_recorded_with_both_grades(world: Store, tmp_path: Path) -> None:
    write(tmp_path / "f.csv", [["#adm4+code", "#inneed", "#date"], ["C1007", "5000", "2017-01-01"]])
    import_file(world, tmp_path / "f.csv", ImportOptions(source="Council"))
    run(world, "sources", "grade", "Council", "--reliability", "C", "--credibility", "3")
    run(world, "sources", "grade", "Council", "--reliability", "B", "--why", "track record")
    changes = history(world, record_kind="source")
    assert [c.action for c in changes] == ["grade", "grade"]
    newest = changes[0]
    assert (newest.before["reliability"], newest.after["reliability"]) == ("C", "B")
    assert (newest.before["credibility"], newest.after["credibility"]) == (3, 3)
    assert newest.why == "track record"


def test_undo_is_in_the_trail_and_the_import_record_stays(world: Store, tmp_path: Path) -> None:
    report = import_file(world, write(tmp_path / "4w.csv", DELIVERIES))
    run(world, "import", "--undo", str(report.import_id), "--why", "wrong month")
    undone = [c for c in history(world) if c.action == "undo"]
    per_place = {c.pcode: c.before["rows"] for c in undone if c.record_kind == "delivery"}
    assert per_place == {"C1007": 2, "C1003": 1, "C2329": 1}
    assert all(c.why == "wrong month" for c in undone)
    assert all_imports(world)[-1].status == "undone"


def test_every_change_moves_the_data_version(world: Store, tmp_path: Path) -> None:
    write(tmp_path / "f.csv", [["#adm4+code", "#inneed", "#date"], ["C1007", "5000", "2017-01-01"]])
    import_file(world, tmp_path / "f.csv", ImportOptions(source="Council"))
    versions = [data_version(world)]
    figure_id = trust.figure_records(world)[0].id
    edit_record(world, "figure", figure_id, {"value": 10.0}, "x")
    versions.append(data_version(world))
    grade_source(world, "Council", "B", 2)
    versions.append(data_version(world))
    delete_record(world, "figure", figure_id, "x")
    versions.append(data_version(world))
    assert len(set(versions)) == 4


def test_a_figures_own_grade_overrides_its_sources_in_the_current_figure_rule(
    world: Store, tmp_path: Path
) -> None:
    header = ["#adm4+code", "#inneed", "#date", "#meta+source"]
    write(tmp_path / "a.csv", [header, ["C1007", "5000", "2017-01-01", "Agency"]])
    write(tmp_path / "b.csv", [header, ["C1007", "7000", "2017-01-01", "Council"]])
    import_file(world, tmp_path / "a.csv")
    import_file(world, tmp_path / "b.csv")
    grade_source(world, "Agency", "B", 2)
    grade_source(world, "Council", "C", 3)
    own = in_need(world)
    assert own == 5000  # the better-graded source wins on the same date
    council = next(r for r in trust.figure_records(world) if r.value == 7000)
    run(world, "edit", "figure", str(council.id), "reliability=A", "credibility=1", "--why", "seen")
    assert in_need(world) == 7000
    regraded = next(r for r in trust.figure_records(world) if r.value == 7000)
    assert trust.grade(regraded) == "A1 (figure)"
    run(world, "edit", "figure", str(council.id), "reliability=", "credibility=", "--why", "undo")
    assert in_need(world) == 5000


def test_grade_columns_give_figures_their_own_grade_and_bad_grades_are_errors(
    world: Store, tmp_path: Path
) -> None:
    header = ["#adm4+code", "#inneed", "#date", "#meta+source", "#meta+source+grade",
              "#meta+source+reliability", "#meta+source+credibility"]
    path = write(
        tmp_path / "g.csv",
        [header, ["C1007", "5000", "2017-01-01", "Council", "b2", "", ""],
         ["C1003", "6000", "2017-01-01", "Council", "", "E", "5"],
         ["C2329", "7000", "2017-01-01", "Council", "", "", ""]],
    )
    import_file(world, path)
    grades = {r.pcode: trust.grade(r) for r in trust.figure_records(world)}
    assert grades == {"C1007": "B2 (figure)", "C1003": "E5 (figure)", "C2329": "unrated"}
    assert {r.source for r in trust.figure_records(world)} == {"Council"}

    bad = write(
        tmp_path / "bad.csv",
        [header, ["C1007", "5000", "2017-02-01", "Council", "Z9", "", ""],
         ["C1003", "6000", "2017-02-01", "Council", "", "G", "7"]],
    )
    with pytest.raises(ImportFailed) as failed:
        import_file(world, bad)
    problems = {(p.row, p.column, p.value) for p in failed.value.report.problems}
    assert (2, "E #meta+source+grade", "Z9") in problems
    assert (3, "F #meta+source+reliability", "G") in problems
    assert (3, "G #meta+source+credibility", "7") in problems
    assert len(trust.figure_records(world)) == 3  # nothing of the bad file came in


def test_a_share_stated_with_a_total_is_checked_against_the_population(
    world: Store, tmp_path: Path
) -> None:
    header = ["#country+code", "#population", "#inneed", "#inneed+pct", "#date", "#meta+source"]
    write(tmp_path / "pop.csv", [header, ["SY", "18000000", "", "", "2017-02-01", "Census"]])
    import_file(world, tmp_path / "pop.csv")
    # Three quarters of 18 million is 13.5 million: consistent, no finding.
    write(tmp_path / "ok.csv", [header, ["SY", "", "13500000", "75", "2017-02-14", "WFP"]])
    report = import_file(world, tmp_path / "ok.csv")
    assert trust.add_consistency_warnings(world, report) == 0
    # The same total as 60 % makes 22.5 million people: 25 % off the population on record.
    write(tmp_path / "off.csv", [header, ["SY", "", "13500000", "0.6", "2017-02-15", "Media"]])
    report = import_file(world, tmp_path / "off.csv")
    assert trust.add_consistency_warnings(world, report) == 1
    finding = next(
        f for f in trust.checks(world, AS_OF) if f.code == "share-against-population"
    )
    assert "22,500,000" in finding.message and "75%" in finding.message
    assert [r.source for r in finding.figures] == ["Media", "Media", "Census"]
    # A share is never summed into its parent or counted as people.
    assert in_need(world) == 13500000


def test_a_share_is_kept_as_percent_and_above_100_is_an_error(
    world: Store, tmp_path: Path
) -> None:
    header = ["#country+code", "#inneed", "#inneed+pct", "#date"]
    write(tmp_path / "s.csv", [header, ["SY", "13500000", "0.75", "2017-02-14"]])
    import_file(world, tmp_path / "s.csv")
    shares = [r.value for r in trust.figure_records(world) if r.indicator == "inneed_share"]
    assert shares == [75.0]
    write(tmp_path / "bad.csv", [header, ["SY", "13500000", "175", "2017-02-15"]])
    with pytest.raises(ImportFailed) as failed:
        import_file(world, tmp_path / "bad.csv")
    assert [(p.code, p.row, p.value) for p in failed.value.report.problems] == [
        ("share-above-100", 2, "175")
    ]
