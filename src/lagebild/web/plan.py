"""Delivery plans on the web: the page ``/plan`` (set the date and horizon, see the plan in
tables and on a map, compare two saved scenarios) and ``/api/plan`` (the plan's JSON, as
``lagebild plan --format json`` gives it). Plans name warehouses, stock and shipments: they are
for those who see detail (analysts, admins)."""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from lagebild.analysis.plan import PlanError
from lagebild.analysis.plan_compare import compare
from lagebild.analysis.plan_instance import instance_from_store
from lagebild.analysis.plan_report import plan_report
from lagebild.publish.svgmap import Circle, Line, Square, svg_map
from lagebild.security import policy
from lagebild.store.places import place_geometries
from lagebild.store.plans import saved_plan, saved_plans
from lagebild.web import auth
from lagebild.web.context import AsOf, Context, Ctx, Level, default_as_of, render_page

_detail = [Depends(auth.requires(policy.SEE_DETAIL))]
api_router = APIRouter(prefix="/api", tags=["api"], dependencies=_detail)
router = APIRouter(include_in_schema=False, dependencies=_detail)

Weeks = Annotated[int, Query(ge=1, le=52, description="The weeks the plan covers.")]
NameQ = Annotated[str | None, Query(max_length=200, description="A saved plan's name.")]


def the_plan(ctx: Context, as_of: date, weeks: int, level: str) -> dict[str, Any]:
    """The plan of the database's planning inputs, kept per data version."""
    from lagebild.model import parse_level

    def build() -> dict[str, Any]:
        instance = instance_from_store(ctx.store, as_of, weeks, parse_level(level),
                                       ctx.priority_model)  # fmt: skip
        return plan_report(instance)

    return ctx.cached(("plan", as_of, weeks, level), build)  # type: ignore[no-any-return]


@api_router.get("/plan", summary="Where the next trucks should go: the optimal delivery plan")
def plan_api(ctx: Ctx, as_of: AsOf = None, weeks: Weeks = 4, level: Level = "adm4") -> Response:
    when = default_as_of(ctx, as_of)
    try:
        return JSONResponse(the_plan(ctx, when, weeks, level))
    except PlanError as exc:
        return JSONResponse({"detail": str(exc), "code": exc.code}, status_code=422)


def plan_map(ctx: Context, data: dict[str, Any]) -> str:
    """The plan on a map: the governorates' outlines, each place a circle of its need with its
    coverage filled in, warehouses as squares, a line for each route a shipment takes."""
    instance = data["instance"]
    places = {p["pcode"]: p for p in instance["places"]}
    covered = {p["pcode"]: p for p in data["places"]}
    most = max((p["need"] for p in data["places"]), default=1.0) or 1.0
    circles = []
    for pcode, p in places.items():
        if p["lat"] is None or p["lon"] is None:
            continue
        row = covered[pcode]
        radius = 3 + 14 * math.sqrt(row["need"] / most)
        share = row["covered"] / row["need"] if row["need"] else 0.0
        circles.append(Circle(p["lon"], p["lat"], radius, f"place {p['access'] or 'none'}",
                              f"{p['name']} ({pcode}): {row['covered']:,.0f} of "
                              f"{row['need']:,.0f} covered a week; {row['why']}",
                              radius * math.sqrt(min(share, 1.0))))  # fmt: skip
    warehouses = {w["name"]: w for w in instance["warehouses"]}
    squares = [Square(w["lon"], w["lat"], 12, "warehouse",
                      f"{w['name']}: {w['trucks_per_week']:g} trucks a week")
               for w in warehouses.values() if w["lat"] is not None and w["lon"] is not None]
    trucks: dict[tuple[str, str], float] = {}
    for s in data["shipments"]:
        key = (s["warehouse"], s["pcode"])
        trucks[key] = trucks.get(key, 0.0) + s["trucks"]
    lines = []
    for (h, pcode), n in trucks.items():
        w, p = warehouses.get(h), places.get(pcode)
        if w and p and None not in (w["lat"], w["lon"], p["lat"], p["lon"]):
            lines.append(Line((w["lon"], w["lat"]), (p["lon"], p["lat"]),
                              1 + min(n, 40) / 8, "shipment",
                              f"{h} to {p['name']}: {n:,.1f} trucks"))  # fmt: skip
    outlines = [g for _, g in place_geometries(ctx.store, 1)]
    return svg_map(outlines, circles, squares, lines, label="The plan on the map")  # fmt: skip


@router.get("/plan", response_class=HTMLResponse)
def plan_page(
    request: Request,
    ctx: Ctx,
    as_of: AsOf = None,
    weeks: Weeks = 4,
    level: Level = "adm4",
    first: NameQ = None,
    second: NameQ = None,
) -> Response:
    when = default_as_of(ctx, as_of)
    data: dict[str, Any] | None = None
    refused = ""
    try:
        data = the_plan(ctx, when, weeks, level)
    except PlanError as exc:
        refused = str(exc)
    comparison = None
    if first and second:
        one, two = saved_plan(ctx.store, first), saved_plan(ctx.store, second)
        if one is not None and two is not None:
            comparison = compare({**json.loads(one.report), "name": first},
                                 {**json.loads(two.report), "name": second})  # fmt: skip
    return render_page(
        request,
        "plan.html",
        as_of=when,
        weeks=weeks,
        level=level,
        levels=("adm1", "adm2", "adm3", "adm4"),
        data=data,
        refused=refused,
        svg=ctx.cached(("plan map", when, weeks, level), lambda: plan_map(ctx, data))
        if data and data["objective"] is not None else "",
        limits=[b for b in data["binding"] if b["one_more"] is not None] if data else [],
        saved=saved_plans(ctx.store),
        first=first or "",
        second=second or "",
        comparison=comparison,
    )
