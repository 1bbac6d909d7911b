"""The use cases both front ends call (``lagebild.actions``): an import with its checks, undoing
it, editing and deleting a record, grading a source, and a convoy's life; each refusal is one of
lagebild's own errors."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from lagebild import errors
from lagebild.actions import convoys, imports, records
from lagebild.ingest import ImportOptions
from lagebild.ingest.edit import EditError
from lagebild.store import Store
from lagebild.store.summary import row_counts

PLACES = [
    ["#country+code", "#adm1+code", "#adm2+code", "#adm3+code", "#adm4+code", "#adm4+name"],
    ["SY", "SY03", "SY0301", "SY030100", "C2329", "Duma"],
]
FIGURES = [["#adm4+code", "#inneed", "#population", "#date", "#meta+source"]]


def write(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.fixture
def duma(sqlite_store: Store, tmp_path: Path) -> Store:
    outcome = imports.import_file(sqlite_store, write(tmp_path / "p.csv", PLACES), ImportOptions())
    assert not outcome.refused
    return sqlite_store


def test_an_import_then_checks_its_figures_against_those_stored(
    duma: Store, tmp_path: Path
) -> None:
    first = write(tmp_path / "a.csv", [*FIGURES, ["C2329", 50000, 100000, "2017-01-10", "Council"]])
    assert not imports.import_file(duma, first, ImportOptions()).refused
    second = write(tmp_path / "b.csv", [*FIGURES, ["C2329", 150000, "", "2017-02-10", "Rumour"]])
    dry = imports.import_file(duma, second, ImportOptions(dry_run=True))
    assert not dry.refused and not [p for p in dry.report.warnings if p.code == "consistency"]
    done = imports.import_file(duma, second, ImportOptions())
    found = [p for p in done.report.warnings if p.code == "consistency"]
    assert found and found[0].row == 2 and "Rumour" in found[0].reason
    assert row_counts(duma)["figures"] == 3


def test_a_refused_import_writes_nothing_and_comes_back_with_its_problems(
    duma: Store, tmp_path: Path
) -> None:
    bad = write(tmp_path / "bad.csv", [*FIGURES, ["XX999", "many", "", "2017-01-10", "Council"]])
    outcome = imports.import_file(duma, bad, ImportOptions())
    assert outcome.refused and outcome.report.error_count >= 1
    assert row_counts(duma)["figures"] == 0


def test_undoing_an_import_says_what_went(duma: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", [*FIGURES, ["C2329", 50000, 100000, "2017-01-10", "Council"]])
    done = imports.import_file(duma, path, ImportOptions())
    assert done.report.import_id is not None
    removed = imports.undo_import(duma, done.report.import_id, "a test")
    assert removed.get("figures") == 2 and row_counts(duma)["figures"] == 0


def test_an_edit_says_what_changed_and_a_bad_one_is_refused_input(
    duma: Store, tmp_path: Path
) -> None:
    path = write(tmp_path / "a.csv", [*FIGURES, ["C2329", 50000, "", "2017-01-10", "Council"]])
    imports.import_file(duma, path, ImportOptions())
    edited = records.edit_record(duma, "figure", 1, ["value=60000", "sector="], "recount")
    assert edited.changed == ["value"] and edited.after["value"] == 60000
    with pytest.raises(EditError) as caught:
        records.edit_record(duma, "figure", 1, ["value=many"], "x")
    assert isinstance(caught.value, errors.RefusedInput)
    assert records.delete_record(duma, "figure", 1, "wrong")["value"] == 60000


def test_grading_an_unknown_source_or_kind_is_refused(duma: Store) -> None:
    with pytest.raises(errors.NotFound, match="unknown source 'Nobody'"):
        records.grade_source(duma, "Nobody", "B", None)
    with pytest.raises(errors.RefusedInput, match="unknown kind 'nope'"):
        records.source_kind("nope")


def test_a_convoys_life_refuses_a_step_out_of_turn(duma: Store) -> None:
    asked = convoys.request(duma, "T-1", "C2329", date(2017, 2, 1), trucks=10, people=5000)
    assert asked.status == "requested"
    with pytest.raises(convoys.ConvoyError, match="not decided yet"):
        convoys.deliver(duma, "T-1", date(2017, 2, 10), 4000)
    decided = convoys.decide(duma, "T-1", "approved", "GoS", date(2017, 2, 5))
    assert decided.status == "approved"
    assert convoys.deliver(duma, "T-1", date(2017, 2, 10), 4000).status == "delivered"
    assert issubclass(convoys.ConvoyError, errors.RefusedInput)
