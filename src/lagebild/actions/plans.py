"""Delivery plans as a use case: make the plan of a scenario from the database, and keep it under
a name to compare it with another (``lagebild plan --save``, the form of the page ``/plan``)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from lagebild.analysis.plan import Options
from lagebild.analysis.plan_instance import HARD_TO_REACH_TRUCKS, Scenario, instance_from_store
from lagebild.analysis.plan_report import plan_report
from lagebild.analysis.priorities import Model
from lagebild.errors import RefusedInput
from lagebild.store import Store
from lagebild.store.plans import save_plan

#: The longest name and note a saved plan takes.
MAX_NAME = 200
MAX_NOTE = 2000


def make_plan(
    store: Store,
    as_of: date,
    weeks: int,
    level: int = 4,
    model: Model | None = None,
    options: Options | None = None,
    hard_to_reach: float = HARD_TO_REACH_TRUCKS,
    scenario: Scenario | None = None,
) -> dict[str, Any]:
    """The plan's report (docs/plan.md) on the database's planning inputs, changed by the
    scenario, which the report names (``scenario``)."""
    scenario = scenario or Scenario()
    instance = instance_from_store(store, as_of, weeks, level, model, options, hard_to_reach,
                                   scenario)  # fmt: skip
    data = plan_report(instance)
    data["scenario"] = scenario.as_dict()
    return data


def save(
    store: Store,
    name: str,
    data: dict[str, Any],
    saved_by: str | None = None,
    note: str | None = None,
    replace: bool = False,
) -> str:
    """Keep a plan's report under ``name`` (trimmed; refused empty or too long, or taken unless
    ``replace``); the name it was kept under."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise RefusedInput(f"a plan's name takes 1 to {MAX_NAME} characters")
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise RefusedInput(f"a plan's note takes at most {MAX_NOTE} characters")
    data["name"] = name
    save_plan(store, name, date.fromisoformat(data["as_of"]), data["weeks"], data["objective"],
              json.dumps(data, ensure_ascii=False), saved_by, note, replace)  # fmt: skip
    return name
