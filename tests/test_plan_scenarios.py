"""Scenarios: plans saved under a name (store/plans.py) and compared side by side
(analysis/plan_compare.py, ``lagebild plans``)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from lagebild.analysis.plan_compare import compare
from lagebild.cli import main
from lagebild.errors import Conflict
from lagebild.store import Store
from lagebild.store.plans import delete_plan, save_plan, saved_plan, saved_plans


def report(
    objective: float, covered: dict[str, float], access: dict[str, str]
) -> dict:  # type: ignore[type-arg]
    """A plan report as docs/plan.md gives it, with only what a comparison reads."""
    places = [{"pcode": c, "name": c, "access": access[c], "weight": 0.5, "need": 1000.0,
               "covered": v, "why": "why"} for c, v in covered.items()]  # fmt: skip
    by_access: dict[str, dict[str, float]] = {}
    for c, v in covered.items():
        row = by_access.setdefault(access[c], {"need": 0.0, "covered": 0.0})
        row["need"] += 1000.0
        row["covered"] += v
    return {"as_of": "2017-02-28", "weeks": 4, "objective": objective, "places": places,
            "by_access": [{"access": k, **v} for k, v in by_access.items()]}  # fmt: skip


ACCESS = {"C2450": "besieged", "C3871": "hard_to_reach", "C1001": "accessible"}


def test_a_comparison_gives_both_plans_and_their_difference_by_place_and_access() -> None:
    open_ = report(900.0, {"C2450": 500, "C3871": 300, "C1001": 1000}, ACCESS)
    denied = report(650.0, {"C3871": 300, "C1001": 1000}, ACCESS)  # Madaya's convoy denied
    found = compare(open_, denied)
    assert found["objective_difference"] == pytest.approx(-250)
    madaya = next(p for p in found["places"] if p["pcode"] == "C2450")
    assert (madaya["first"], madaya["second"], madaya["difference"]) == (500, 0.0, -500)
    assert madaya["second_why"] is None  # not in the second plan at all
    besieged = next(r for r in found["by_access"] if r["access"] == "besieged")
    assert (besieged["first"], besieged["second"], besieged["difference"]) == (500, 0.0, -500)
    assert sum(r["difference"] for r in found["by_access"]) == pytest.approx(
        sum(p["difference"] for p in found["places"])
    )


def test_a_saved_plan_keeps_its_report_and_a_taken_name_is_refused(store: Store) -> None:
    data = report(900.0, {"C2450": 500}, ACCESS)
    save_plan(store, "open", date(2017, 2, 28), 4, 900.0, json.dumps(data), note="as is")
    with pytest.raises(Conflict, match="a plan named 'open' is saved already"):
        save_plan(store, "open", date(2017, 2, 28), 4, 1.0, "{}")
    kept = saved_plan(store, "open")
    assert kept is not None and json.loads(kept.report) == data
    assert (kept.as_of, kept.weeks, kept.objective, kept.note) == (date(2017, 2, 28), 4, 900.0,
                                                                   "as is")  # fmt: skip
    save_plan(store, "open", date(2017, 3, 7), 2, 5.0, "{}", replace=True)
    assert [(p.name, p.weeks, p.report) for p in saved_plans(store)] == [("open", 2, "")]
    assert delete_plan(store, "open") and not delete_plan(store, "open")
    assert saved_plan(store, "open") is None


def test_plans_compare_on_the_command_line(store: Store, db_url: str) -> None:
    save_plan(store, "open", date(2017, 2, 28), 4, 900.0,
              json.dumps(report(900.0, {"C2450": 500, "C1001": 1000}, ACCESS)))
    save_plan(store, "denied", date(2017, 2, 28), 4, 650.0,
              json.dumps(report(650.0, {"C1001": 1000}, ACCESS)))
    out = CliRunner().invoke(main, ["--db", db_url, "plans", "compare", "open", "denied"])
    assert out.exit_code == 0, out.output
    assert "'open' against 'denied': priority-weighted people covered 900 and 650" in out.output
    assert "Places covered differently (1)" in out.output and "C2450" in out.output
    listed = CliRunner().invoke(main, ["--db", db_url, "plans", "list", "--format", "json"])
    assert [p["name"] for p in json.loads(listed.output)["plans"]] == ["denied", "open"]
    missing = CliRunner().invoke(main, ["--db", db_url, "plans", "show", "nothing"])
    assert missing.exit_code == 1 and "no plan saved as 'nothing'" in missing.output
