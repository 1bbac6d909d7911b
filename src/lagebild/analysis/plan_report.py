"""A plan as lagebild reports it (docs/plan.md): the optimal plan beside the greedy one on the
same instance, people covered by access status, each place's coverage and why not more, and the
binding constraints in words; the JSON carries the instance, to be solved again."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from lagebild.analysis.plan import (
    EPSILON,
    Instance,
    PlanPlace,
    Solution,
    by_access,
    covered_by_place,
    greedy,
    solve,
)


def _trucks_in(solution: Solution, pcode: str) -> dict[int, float]:
    out: dict[int, float] = defaultdict(float)
    for s in solution.shipments:
        if s.pcode == pcode:
            out[s.week - 1] += s.trucks
    return out


def why(instance: Instance, solution: Solution, place: PlanPlace,
        covered: float) -> tuple[str, str, dict[str, Any]]:  # fmt: skip
    """Why a place is covered no more than it is: a code (``covered``, ``no_trucks``,
    ``limit_used``, ``no_items``, ``elsewhere``), the words, and the numbers in them."""
    need = sum(place.need.values())
    if need - covered <= EPSILON * max(need, 1.0):
        return "covered", "fully covered", {}
    if all(c is not None and c <= EPSILON for c in place.cap):
        return "no_trucks", place.cap_reason or "no truck may enter", {}
    used = _trucks_in(solution, place.pcode)
    for t, cap in enumerate(place.cap):
        if cap is not None and cap > EPSILON and used.get(t, 0.0) >= cap - 1e-6:
            words = f"{place.cap_reason or 'its limit'}: {cap:g} trucks in week {t + 1} used"
            return "limit_used", words, {"trucks": cap, "week": t + 1}
    stocked = {i.sector for i in instance.items
               if any(s.item == i.name and s.units > 0 for s in instance.stock)}  # fmt: skip
    missing = sorted(s for s, n in place.need.items() if n > 0 and s not in stocked)
    if missing:
        return "no_items", "no items in stock for " + ", ".join(missing), {"sectors": missing}
    return ("elsewhere",
            "stock and trucks went to places of higher priority or nearer a warehouse", {})


def _places(instance: Instance, solution: Solution) -> list[dict[str, Any]]:
    covered = covered_by_place(instance, solution)
    out = []
    for p in sorted(instance.places, key=lambda p: (-p.weight, p.pcode)):
        got = covered.get(p.pcode, 0.0)
        need = sum(p.need.values())
        code, words, values = why(instance, solution, p, got)
        out.append({
            "pcode": p.pcode,
            "name": p.name,
            "access": p.access,
            "weight": p.weight,
            "need": need,
            "covered": got,
            "unmet": max(need - got, 0.0),
            "why": words,
            "why_code": code,
            "why_values": values,
            "cap_kind": p.cap_kind,
        })  # fmt: skip
    return out


def plan_report(instance: Instance) -> dict[str, Any]:
    """The plan's JSON (docs/plan.md): the optimum, the greedy plan, the instance."""
    optimum = solve(instance)
    today = greedy(instance)
    names = {p.pcode: f"{p.name} ({p.pcode})" for p in instance.places}
    optimum_access = by_access(instance, optimum)
    greedy_access = by_access(instance, today)
    return {
        "as_of": instance.as_of,
        "weeks": instance.weeks,
        "objective": optimum.objective,
        "greedy_objective": today.objective,
        "status": optimum.status,
        "instance": instance.as_dict(),
        "shipments": [
            {"week": s.week, "warehouse": s.warehouse, "pcode": s.pcode, "item": s.item,
             "units": s.units, "trucks": s.trucks}
            for s in sorted(optimum.shipments, key=lambda s: (s.week, s.warehouse, s.pcode))
        ],  # fmt: skip
        "places": _places(instance, optimum),
        "binding": [
            {"constraint": b.constraint, "shadow_price": b.shadow_price, "meaning": b.meaning,
             "kind": b.kind, "subject": b.subject, "week": b.week, "one_more": b.one_more,
             "subject_name": names.get(b.subject, b.subject) if b.kind == "place" else b.subject,
             "one_more_people": b.one_more_people}
            for b in optimum.binding
        ],
        "by_access": [
            {"access": status, "need": row["need"], "covered": row["covered"],
             "greedy_covered": greedy_access.get(status, {}).get("covered", 0.0)}
            for status, row in sorted(optimum_access.items())
        ],  # fmt: skip
        "greedy_shipments": [
            {"week": s.week, "warehouse": s.warehouse, "pcode": s.pcode, "item": s.item,
             "units": s.units, "trucks": s.trucks}
            for s in today.shipments
        ],  # fmt: skip
    }
