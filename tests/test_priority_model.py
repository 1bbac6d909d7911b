"""The priority model (docs/priorities.md): scoring by thresholds, its explanations, the model
file a coordinator changes and what it refuses, and that access only ever raises a priority."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from lagebild.analysis.priorities import (
    ACCESS_STATUSES,
    DEFAULT_MODEL,
    Facts,
    ModelError,
    load_model,
    priority,
)
from lagebild.cli import main
from lagebild.ingest import ImportOptions, import_file
from lagebild.store import Store

AS_OF = date(2017, 2, 28)


def facts(**given: object) -> Facts:
    base = Facts(
        people_in_need=20_000,
        damage=None,
        days_without_aid=10,
        ever_served=True,
        coverage=0.3,
        fatalities=0,
        access=None,
    )
    return replace(base, **given)  # type: ignore[arg-type]


def test_thresholds_score_a_value_at_a_threshold_into_the_higher_band() -> None:
    model = load_model()
    need = model.dimensions[0].indicators[0]
    assert need.name == "people_in_need" and need.thresholds == (1000, 10000, 50000, 250000)
    scores = [need.score(v) for v in (0, 999, 1000, 9999, 10000, 250000, 10**7)]
    assert scores == [1, 1, 2, 2, 3, 5, 5]
    coverage = model.dimensions[1].indicators[1]
    assert coverage.lower_is_worse
    assert [coverage.score(v) for v in (1.0, 0.81, 0.8, 0.3, 0.1, 0.0)] == [1, 1, 2, 3, 5, 5]


def test_a_priority_explains_each_indicator_and_names_what_had_no_data() -> None:
    found = priority(load_model(), facts(access="besieged", damage=None))
    explained = found.as_dict()
    assert explained["missing"] == ["damage"]
    access = explained["indicators"]["complexity"]["access"]  # type: ignore[index]
    assert access == {"value": "besieged", "score": 5.0, "weight": 3.0}
    # By hand: impact 3 (20,000); conditions (2×2 + 1×3 + 1×1) / 4 = 2 (10 days, 30 %, no
    # deaths); complexity (3×5 + 1×1) / 4 = 4.
    assert found.dimensions == {"impact": 3.0, "conditions": 2.0, "complexity": 4.0}
    assert found.score == pytest.approx(0.3 * 3 + 0.4 * 2 + 0.3 * 4)
    assert (found.category, found.category_name) == (3, "medium")


def test_an_area_without_a_status_of_its_own_takes_the_worst_status_below_it() -> None:
    found = priority(load_model(), facts(access_within={"accessible": 3, "besieged": 1}))
    access = found.indicators["complexity"]["access"]
    assert (access.value, access.score) == ("besieged", 5.0)
    assert "1 besieged" in access.note and "3 accessible" in access.note


statuses = st.sampled_from([None, *ACCESS_STATUSES])
some_facts = st.builds(
    Facts,
    people_in_need=st.none() | st.floats(0, 5e6),
    damage=st.none() | st.floats(0, 1e5),
    days_without_aid=st.none() | st.integers(0, 400),
    ever_served=st.booleans(),
    coverage=st.none() | st.floats(0, 2),
    fatalities=st.integers(0, 500),
    access=statuses,
    access_within=st.dictionaries(st.sampled_from(ACCESS_STATUSES), st.integers(1, 9)),
    attacks_on_aid=st.integers(0, 10),
)


@settings(max_examples=300, deadline=None)
@given(some_facts, st.sampled_from(ACCESS_STATUSES), st.sampled_from(ACCESS_STATUSES))
def test_worse_access_never_lowers_a_priority_all_else_equal(
    place: Facts, first: str, second: str
) -> None:
    model = load_model()
    better, worse = sorted((first, second), key=ACCESS_STATUSES.index)
    low = priority(model, replace(place, access=better)).score
    high = priority(model, replace(place, access=worse)).score
    assert low is not None and high is not None and high >= low


@settings(max_examples=300, deadline=None)
@given(some_facts, st.integers(0, 400))
def test_longer_without_aid_never_lowers_a_priority_all_else_equal(
    place: Facts, more: int
) -> None:
    model = load_model()
    place = replace(place, ever_served=True, days_without_aid=place.days_without_aid or 0)
    longer = replace(place, days_without_aid=(place.days_without_aid or 0) + more)
    before, after = priority(model, place).score, priority(model, longer).score
    assert before is not None and after is not None and after >= before


def write(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_a_besieged_cut_off_place_ranks_above_an_accessible_place_served_last_week(
    store: Store, db_url: str, tmp_path: Path
) -> None:
    places = [["#adm1+code", "#adm4+code", "#adm4+name"], ["SY03", "C2450", "Madaya"],
              ["SY03", "C2304", "Jaramana"]]  # fmt: skip
    import_file(store, write(tmp_path / "p.csv", places), ImportOptions())
    need = [["#adm4+code", "#inneed", "#date"], ["C2450", 30000, "2017-01-01"],
            ["C2304", 30000, "2017-01-01"]]  # fmt: skip
    import_file(store, write(tmp_path / "n.csv", need), ImportOptions(source="HNO"))
    access = [["#adm4+code", "#access", "#group+besieging", "#date+start"],
              ["C2450", "besieged", "Government of Syria and allies", "2015-07-01"],
              ["C2304", "accessible", "", "2013-01-01"]]  # fmt: skip
    import_file(store, write(tmp_path / "a.csv", access), ImportOptions(source="OCHA"))
    delivered = [["#adm4+code", "#sector", "#reached+ind", "#date", "#org+impl"],
                 ["C2450", "food", 5000, "2016-11-28", "WFP"],
                 ["C2304", "food", 5000, (AS_OF - timedelta(days=6)).isoformat(), "WFP"]]
    import_file(store, write(tmp_path / "d.csv", delivered), ImportOptions(source="4W"))
    out = CliRunner().invoke(main, ["--db", db_url, "priorities", "--as-of", AS_OF.isoformat(),
                                    "--level", "adm4", "--format", "json"])  # fmt: skip
    assert out.exit_code == 0, out.output
    ranked = json.loads(out.output)["places"]
    assert [p["pcode"] for p in ranked] == ["C2450", "C2304"]
    assert ranked[0]["rank"] == 1 and ranked[0]["access_scored"] == "besieged"
    # By hand: Madaya 0.3×3 + 0.4×(2×5 + 5 + 1)/4 + 0.3×(3×5 + 1)/4 = 3.7 (92 days, 0 %);
    # Jaramana 0.3×3 + 0.4×(2×1 + 4 + 1)/4 + 0.3×(3×1 + 1)/4 = 1.9 (6 days, 17 %).
    assert [p["priority"] for p in ranked] == [pytest.approx(3.7), pytest.approx(1.9)]
    table = CliRunner().invoke(main, ["--db", db_url, "priorities", "--as-of",
                                      AS_OF.isoformat(), "--level", "adm4"])  # fmt: skip
    assert table.exit_code == 0
    assert "1 low, 1 high" in table.output.splitlines()[0]
    assert all(len(line) <= 100 for line in table.output.splitlines())
    hxl = CliRunner().invoke(main, ["--db", db_url, "priorities", "--as-of",
                                    AS_OF.isoformat(), "--level", "adm4", "--format", "hxl"])
    rows = list(csv.reader(io.StringIO(hxl.output)))
    assert rows[1][:4] == ["#priority+rank", "#severity", "#severity+category", "#adm4+code"]
    assert [r[3] for r in rows[2:]] == ["C2450", "C2304"]


def test_a_changed_model_file_changes_the_ranking_and_says_which_file(
    store: Store, db_url: str, tmp_path: Path
) -> None:
    shown = CliRunner().invoke(main, ["--db", db_url, "priorities", "--show-model"])
    assert shown.exit_code == 0
    assert shown.output == DEFAULT_MODEL.read_text(encoding="utf-8")
    model = yaml.safe_load(shown.output)
    model["dimensions"]["impact"]["weight"] = 0
    model["dimensions"]["complexity"]["weight"] = 0
    changed = tmp_path / "mine.yml"
    changed.write_text(yaml.safe_dump(model), encoding="utf-8")
    loaded = load_model(changed)
    assert loaded.path == str(changed)
    found = priority(loaded, facts(people_in_need=10**6, access="besieged"))
    assert found.score == found.dimensions["conditions"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m["dimensions"]["impact"].update(weight=-1), "must not be negative"),
        (lambda m: m["dimensions"]["impact"]["indicators"]["people_in_need"].update(
            thresholds=[5, 4, 3, 2]), "four different numbers, rising"),
        (lambda m: m["dimensions"]["impact"]["indicators"].update(rainfall={"weight": 1}),
         "unknown indicator 'rainfall'"),
        (lambda m: m["dimensions"]["complexity"]["indicators"]["access"]["scores"].update(
            besieged=2), "a worse status must not score lower"),
        (lambda m: m.update(categories=[2, 3]), "categories must be a list of four numbers"),
        (lambda m: m["dimensions"].update(mood={"weight": 1, "indicators": {}}),
         "unknown dimension 'mood'"),
    ],
)
def test_a_wrong_model_file_is_refused_naming_the_file_and_the_key(
    tmp_path: Path, change: object, message: str
) -> None:
    model = yaml.safe_load(DEFAULT_MODEL.read_text(encoding="utf-8"))
    change(model)  # type: ignore[operator]
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(model), encoding="utf-8")
    with pytest.raises(ModelError, match=message) as refused:
        load_model(path)
    assert str(path) in str(refused.value)


def test_the_command_line_refuses_a_missing_model_file_with_a_clear_message(
    store: Store, db_url: str, tmp_path: Path
) -> None:
    out = CliRunner().invoke(main, ["--db", db_url, "priorities", "--model",
                                    str(tmp_path / "none.yml")])  # fmt: skip
    assert out.exit_code != 0
    assert "none.yml: cannot read the priority model" in out.output
    assert "Traceback" not in out.output
