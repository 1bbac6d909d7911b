"""Trust: graded sources, contradicting figures, consistency checks, every number explained."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from lagebild.analysis import gaps, situation, trust
from lagebild.cli import main
from lagebild.ingest import ImportOptions, import_file
from lagebild.store import Store
from lagebild.store.sources import all_sources, grade_source
from lagebild.store.summary import row_counts

AS_OF = date(2017, 2, 28)

PLACES = [
    ["#country+code", "#adm1+code", "#adm2+code", "#adm3+code", "#adm4+code", "#adm4+name"],
    ["SY", "SY02", "SY0200", "SY020000", "C1007", "Aleppo"],
    ["SY", "SY02", "SY0200", "SY020000", "C1003", "Musallamiyeh"],
    ["SY", "SY03", "SY0301", "SY030100", "C2329", "Duma"],
]
HEADER = [
    "#adm4+code",
    "#adm3+code",
    "#indicator",
    "#inneed",
    "#population",
    "#date",
    "#meta+source",
]


def write(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def figures(store: Store, tmp_path: Path, name: str, rows: list[list[object]], **opts: object):  # type: ignore[no-untyped-def]
    header = ["#adm4+code", "#adm3+code", "#inneed", "#population", "#date", "#meta+source"]
    path = write(tmp_path / name, [header, *rows])
    return import_file(store, path, ImportOptions(**opts))  # type: ignore[arg-type]


@pytest.fixture
def world(store: Store, tmp_path: Path) -> Store:
    import_file(store, write(tmp_path / "places.csv", PLACES))
    return store


def run(store: Store, *args: str) -> str:
    db = store.engine.url.render_as_string(hide_password=False)
    db = db.replace("sqlite:///", "").replace("postgresql+psycopg://", "postgresql://")
    result = CliRunner().invoke(main, ["--db", db, *args])
    assert result.exit_code == 0, result.output
    return result.output


# -- 1. sources ---------------------------------------------------------------------------------


def test_a_grade_decides_between_two_figures_of_the_same_date(world: Store, tmp_path: Path) -> None:
    figures(world, tmp_path, "a.csv", [["C2329", "", 100000, "", "2017-02-01", "Council"]])
    figures(world, tmp_path, "b.csv", [["C2329", "", 80000, "", "2017-02-01", "UN survey"]])
    pin = lambda: {r.pcode: r for r in gaps(world, AS_OF, level=4).places}["C2329"]  # noqa: E731
    assert pin().people_in_need.value == 80000  # ungraded: the later import wins
    run(
        world,
        "sources",
        "grade",
        "Council",
        "--reliability",
        "B",
        "--credibility",
        "2",
        "--kind",
        "government",
    )
    assert pin().people_in_need.value == 100000  # graded B2 beats unrated at once
    run(world, "sources", "grade", "UN survey", "--reliability", "A", "--credibility", "1")
    assert pin().people_in_need.value == 80000
    register = json.loads(run(world, "sources", "--format", "json"))["sources"]
    council = next(s for s in register if s["source"] == "Council")
    assert (council["kind"], council["grade"], council["figures"]) == ("government", "B2", 1)
    assert register[-1]["source"] == "unsourced"
    assert "A1" in run(world, "sources")


def test_grading_refuses_unknown_sources_kinds_and_grades(world: Store) -> None:
    db = str(world.engine.url.database) if world.dialect == "sqlite" else None
    if db is None:
        pytest.skip("the messages are the same on both databases")
    runner = CliRunner()
    bad = runner.invoke(main, ["--db", db, "sources", "grade", "Nobody", "--reliability", "A"])
    assert bad.exit_code == 1 and "unknown source 'Nobody'" in bad.output
    bad = runner.invoke(main, ["--db", db, "sources", "grade", "X", "--kind", "wizard"])
    assert bad.exit_code == 1 and "unknown kind 'wizard'" in bad.output
    bad = runner.invoke(main, ["--db", db, "sources", "grade", "X", "--reliability", "G"])
    assert bad.exit_code == 2


def test_figures_without_a_source_are_unsourced_never_hidden(world: Store, tmp_path: Path) -> None:
    figures(world, tmp_path, "a.csv", [["C1003", "", 5000, 9000, "2017-02-01", ""]])
    gap = {r["pcode"]: r for r in gaps(world, AS_OF, level=4).as_dict()["places"]}  # type: ignore[union-attr]
    assert gap["C1003"]["people_in_need_sources"] == ["unsourced"]
    found = situation(world, AS_OF, level=4).as_dict()
    row = next(p for p in found["places"] if p["pcode"] == "C1003")  # type: ignore[attr-defined]
    assert row["people_in_need"]["sources"] == ["unsourced"]
    register = json.loads(run(world, "sources", "--format", "json"))["sources"]
    assert register[-1] == {**register[-1], "source": "unsourced", "figures": 2}


# -- 2. contradicting figures and consistency ---------------------------------------------------


def test_conflicts_show_every_value_the_spread_and_the_current_figure(
    world: Store, tmp_path: Path
) -> None:
    figures(
        world,
        tmp_path,
        "a.csv",
        [
            ["C2329", "", 100000, "", "2017-02-10", "Council"],
            ["C1007", "", 50000, "", "2017-02-10", "Council"],
        ],
    )
    figures(
        world,
        tmp_path,
        "b.csv",
        [
            ["C2329", "", 70000, "", "2017-02-03", "UN survey"],
            ["C1007", "", 45000, "", "2017-02-03", "UN survey"],
            ["C2329", "", 10000, "", "2017-03-03", "UN survey"],
        ],
    )
    found = trust.conflicts(world)
    assert [(c.pcode, c.month) for c in found] == [("C2329", "2017-02")]  # 10 % is no conflict
    conflict = found[0].as_dict()
    assert conflict["spread"] == {"min": 70000, "max": 100000, "relative": 0.3}
    assert conflict["current"]["value"] == 100000  # the later one
    assert {(v["source"], v["file_name"], v["row_number"]) for v in conflict["values"]} == {
        ("Council", "a.csv", 2),
        ("UN survey", "b.csv", 2),
    }
    assert trust.conflicts(world, share=0.05, pcode="SY02")[0].pcode == "C1007"
    assert trust.conflicts(world, share=0.5) == []
    out = json.loads(run(world, "figures", "--conflicts", "--share", "0.2", "--format", "json"))
    assert len(out["conflicts"]) == 1
    assert "30%" in run(world, "figures", "--conflicts")
    side = json.loads(run(world, "figures", "C2329", "--format", "json"))["series"]
    assert side[0]["spread"] == {"min": 10000, "max": 100000, "relative": 0.9}
    assert side[0]["current"]["value"] == 10000


def test_conflicts_api_is_paginated(world: Store, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from lagebild.web import WebConfig, create_app

    figures(world, tmp_path, "a.csv", [["C2329", "", 100000, "", "2017-02-10", "Council"]])
    figures(world, tmp_path, "b.csv", [["C2329", "", 70000, "", "2017-02-03", "UN survey"]])
    db = world.engine.url.render_as_string(hide_password=False).replace("sqlite:///", "")
    with TestClient(create_app(WebConfig(db=db))) as client:
        got = client.get("/api/figures/conflicts", params={"share": 0.2, "limit": 1}).json()
        assert got["total"] == 1 and got["items"][0]["pcode"] == "C2329"
        assert (
            client.get("/api/figures/conflicts", params={"indicator": "population"}).json()["total"]
            == 0
        )
        explained = client.get(
            "/api/explain",
            params={"pcode": "C2329", "indicator": "people_in_need", "as_of": "2017-02-28"},
        ).json()
        assert explained["value"] == 100000
        assert explained["figures"]["beaten"][0]["why"].startswith("older")


def test_checks_name_the_figures_and_their_sources(world: Store, tmp_path: Path) -> None:
    figures(
        world,
        tmp_path,
        "a.csv",
        [
            ["C2329", "", 120000, 100000, "2017-02-10", "Council"],  # above the population
            ["", "SY020000", 1000, "", "2017-02-10", "Council"],  # children's sum above it
            ["C1007", "", 800, "", "2017-01-10", "Council"],
            ["C1003", "", 500, "", "2017-01-10", "Council"],
            ["C1007", "", 9000, "", "2017-02-10", "UN survey"],  # more than tenfold 800
        ],
    )
    found = {f.code: f for f in trust.checks(world, AS_OF)}
    assert set(found) == {"above-population", "children-above-parent", "jump"}
    above = found["above-population"]
    assert [(r.value, r.source) for r in above.figures] == [
        (120000, "Council"),
        (100000, "Council"),
    ]
    assert "Council" in above.message and "a.csv row 2" in above.message
    kids = found["children-above-parent"]
    assert kids.pcode == "SY020000" and {r.value for r in kids.figures} == {1000, 9000, 500}
    assert [r.value for r in found["jump"].figures] == [800, 9000]
    out = run(world, "figures", "--check", "--as-of", "2017-02-28")
    assert "3 finding(s)" in out and "jump:" in out


def test_reached_above_population_is_a_finding(world: Store, tmp_path: Path) -> None:
    figures(world, tmp_path, "a.csv", [["C1003", "", 500, 1000, "2017-02-10", "Council"]])
    path = write(
        tmp_path / "4w.csv",
        [["#adm4+code", "#sector", "#reached+ind", "#date"], ["C1003", "Food", 3000, "2017-02-20"]],
    )
    import_file(world, path, ImportOptions(source="Partner"))
    assert [f.code for f in trust.checks(world, AS_OF)] == ["reached-above-population"]


def test_import_reports_findings_as_consistency_warnings_without_failing(
    world: Store, tmp_path: Path
) -> None:
    figures(world, tmp_path, "a.csv", [["C2329", "", 50000, 100000, "2017-01-10", "Council"]])
    path = write(
        tmp_path / "b.csv",
        [
            ["#adm4+code", "#inneed", "#date", "#meta+source"],
            ["C2329", 150000, "2017-02-10", "Rumour"],
        ],
    )
    db = world.engine.url.render_as_string(hide_password=False)
    db = db.replace("sqlite:///", "").replace("postgresql+psycopg://", "postgresql://")
    result = CliRunner().invoke(main, ["--db", db, "import", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    problems = json.loads(result.output)[0]["problems"]
    consistency = [p for p in problems if p["code"] == "consistency"]
    assert consistency and all(p["severity"] == "warning" for p in consistency)
    assert consistency[0]["row"] == 2 and "Rumour" in consistency[0]["reason"]
    assert row_counts(world)["figures"] == 3


# -- 3. explain ---------------------------------------------------------------------------------


def test_explain_gives_the_records_and_the_rule_and_equals_situation(
    world: Store, tmp_path: Path
) -> None:
    figures(
        world,
        tmp_path,
        "a.csv",
        [
            ["C2329", "", 100000, 200000, "2017-02-10", "Council"],
            ["C1007", "", 40000, "", "2017-02-10", "Council"],
        ],
    )
    figures(
        world,
        tmp_path,
        "b.csv",
        [
            ["C2329", "", 70000, "", "2017-02-10", "UN survey"],
            ["C1003", "", 5000, "", "2017-01-10", ""],
        ],
    )
    grade_source(world, "Council", "B", 2)
    path = write(
        tmp_path / "4w.csv",
        [
            ["#adm4+code", "#sector", "#reached+ind", "#date"],
            ["C1007", "Food", 3000, "2017-02-20"],
            ["C1003", "Food", 1000, "2017-02-21"],
            ["C1007", "Health", 2500, "2017-02-22"],
            ["C1007", "Food", 9999, "2017-01-01"],
        ],
    )
    import_file(world, path, ImportOptions(source="Partner"))
    result = trust.explain(world, AS_OF, "C2329", "people_in_need")
    assert result.value == 100000 and result.node is not None
    assert result.node["chosen"]["source"] == "Council"  # type: ignore[index]
    beaten = result.node["beaten"][0]  # type: ignore[index]
    assert (beaten["source"], beaten["file_name"], beaten["row_number"]) == (
        "UN survey",
        "b.csv",
        2,
    )
    assert "less reliable" in beaten["why"]
    for level in (1, 3, 4):
        pic = situation(world, AS_OF, 30, level)
        for row in pic.places:
            for name, column in (
                ("people_in_need", row.people_in_need),
                ("population", row.population),
            ):
                got = trust.explain(world, AS_OF, row.pcode, name).value
                assert got == (column.value if column else None), (row.pcode, name)
            assert trust.explain(world, AS_OF, row.pcode, "reached").value == row.reached
    sub = trust.explain(world, AS_OF, "SY020000", "people_in_need")
    assert sub.value == 45000 and sub.node and sub.node["basis"] == "children"
    reached = trust.explain(world, AS_OF, "SY02", "reached")
    assert (reached.value, reached.upper) == (4000, 6500)
    assert reached.deliveries_total == 3 and {d["row_number"] for d in reached.deliveries} == {
        2,
        3,
        4,
    }
    assert trust.explain(world, AS_OF, "SY02", "reached", sector="health").value == 2500
    text = run(
        world,
        "explain",
        "--as-of",
        "2017-02-28",
        "--pcode",
        "SY020000",
        "--indicator",
        "people_in_need",
    )
    assert "45,000" in text and "unsourced" in text and "a.csv row 3 column" in text
    data = json.loads(
        run(
            world,
            "explain",
            "--as-of",
            "2017-02-28",
            "--pcode",
            "SY02",
            "--indicator",
            "reached",
            "--format",
            "json",
        )
    )
    assert data["by_sector"]["food"]["reached"] == 4000


def test_explain_agrees_with_situation_and_gaps_on_the_demo(demo_store: Store) -> None:
    for level in (0, 1, 4):
        pic = situation(demo_store, AS_OF, 30, level)
        for row in pic.places:
            for name in ("people_in_need", "population", "displaced", "besieged", "hard_to_reach"):
                column = getattr(row, name)
                got = trust.explain(demo_store, AS_OF, row.pcode, name).value
                assert got == (column.value if column else None), (row.pcode, name)
            assert trust.explain(demo_store, AS_OF, row.pcode, "reached").value == row.reached
    for row in gaps(demo_store, AS_OF, level=3).places:
        pin = row.people_in_need.value if row.people_in_need else None
        assert trust.explain(demo_store, AS_OF, row.pcode, "people_in_need").value == pin


# -- 4. the demo --------------------------------------------------------------------------------


def test_demo_has_graded_sources_and_an_illustrative_contradiction(demo_store: Store) -> None:
    from lagebild.demo import SEED_SOURCE

    grades = {s.name: s.grade for s in all_sources(demo_store).values()}
    assert grades[SEED_SOURCE] == "A2" and "unrated" not in grades.values()
    found = trust.conflicts(demo_store)
    assert found and all("illustrative" in (r.source or "") for c in found for r in c.values)
    madaya = next(c for c in found if c.pcode == "C2450")
    assert madaya.current.value == 30000 and madaya.spread.low == 30000
