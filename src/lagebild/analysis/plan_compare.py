"""Two plans side by side (scenarios: "crossing closed", "convoy to Madaya denied"): the
objectives, the people covered a week by access status and by place, and the difference."""

from __future__ import annotations

from typing import Any


def _covered(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["pcode"]: p for p in report.get("places", [])}


def compare(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """``first`` and ``second`` (plan reports, docs/plan.md) side by side; a place or access
    status missing from one plan counts 0 there."""
    a, b = _covered(first), _covered(second)
    places = []
    for pcode in sorted(set(a) | set(b), key=lambda c: (-(a.get(c) or b[c])["weight"], c)):
        pa, pb = a.get(pcode), b.get(pcode)
        one, two = (pa or {}).get("covered", 0.0), (pb or {}).get("covered", 0.0)
        places.append({
            "pcode": pcode,
            "name": (pa or pb or {}).get("name"),
            "access": (pa or pb or {}).get("access"),
            "need": (pa or pb or {}).get("need"),
            "first": one,
            "second": two,
            "difference": two - one,
            "first_why": (pa or {}).get("why"),
            "second_why": (pb or {}).get("why"),
        })  # fmt: skip
    access_a = {r["access"]: r for r in first.get("by_access", [])}
    access_b = {r["access"]: r for r in second.get("by_access", [])}
    by_access = [
        {"access": s, "need": (access_a.get(s) or access_b[s])["need"],
         "first": access_a.get(s, {}).get("covered", 0.0),
         "second": access_b.get(s, {}).get("covered", 0.0)}
        for s in sorted(set(access_a) | set(access_b))
    ]  # fmt: skip
    for row in by_access:
        row["difference"] = row["second"] - row["first"]
    return {
        "first": {k: first.get(k) for k in ("name", "as_of", "weeks", "objective", "scenario")},
        "second": {k: second.get(k) for k in ("name", "as_of", "weeks", "objective", "scenario")},
        "objective_difference": (second["objective"] or 0.0) - (first["objective"] or 0.0)
        if first.get("objective") is not None and second.get("objective") is not None else None,
        "by_access": by_access,
        "places": places,
    }
