"""Delivery plans on the web: the page ``/plan`` (set the date, horizon and a scenario, see the
plan in tables and on a map, save it under a name, compare two saved scenarios), ``/api/plan``
(the plan's JSON, as ``lagebild plan --format json`` gives it) and ``/api/map/plan`` (the plan
as GeoJSON, the map's plan layer). Plans name warehouses, stock and shipments: they are for
those who see detail (analysts, admins)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from lagebild.actions.plans import MAX_NAME, MAX_NOTE, make_plan, save
from lagebild.analysis.plan import PlanError
from lagebild.analysis.plan_compare import compare
from lagebild.analysis.plan_instance import APPROVED, Scenario
from lagebild.analysis.tree import PlaceTree
from lagebild.errors import Conflict, RefusedInput
from lagebild.messages import N_, Message
from lagebild.model import parse_level
from lagebild.publish.svgmap import Circle, Line, Square, svg_map
from lagebild.security import policy
from lagebild.store.convoys import convoys as stored_convoys
from lagebild.store.places import place_geometries
from lagebild.store.plan import routes, warehouses
from lagebild.store.plans import saved_plan, saved_plans
from lagebild.web import auth
from lagebild.web.context import (
    AsOf,
    Context,
    Ctx,
    Level,
    default_as_of,
    render_page,
    request_language,
)

_detail = [Depends(auth.requires(policy.SEE_DETAIL))]
api_router = APIRouter(prefix="/api", tags=["api"], dependencies=_detail)
router = APIRouter(include_in_schema=False, dependencies=_detail)

Weeks = Annotated[int, Query(ge=1, le=52, description="The weeks the plan covers.")]
NameQ = Annotated[str | None, Query(max_length=200, description="A saved plan's name.")]
DenyQ = Annotated[list[str] | None, Query(
    max_length=200, description="Scenario: an approved convoy denied (its code; repeat).")]
CloseQ = Annotated[list[str] | None, Query(
    max_length=200, description="Scenario: a route closed, no truck on it (its name; repeat).")]
TruckWQ = Annotated[list[str] | None, Query(
    max_length=200, description="Scenario: a warehouse whose trucks a week change (its name; "
    "repeat, in the order of trucks).")]
TruckNQ = Annotated[list[str] | None, Query(
    max_length=40, description="Scenario: the trucks a week of the warehouse of the same "
    "position in warehouse.")]
LEVELS = ("adm1", "adm2", "adm3", "adm4")


@dataclass(frozen=True)
class Choice:
    """A scenario as the page's form and addresses carry it: convoys denied, routes closed, and
    the warehouses whose trucks a week differ from the data's (name, trucks)."""

    denied: tuple[str, ...] = ()
    closed: tuple[str, ...] = ()
    trucks: tuple[tuple[str, float], ...] = ()

    def scenario(self) -> Scenario:
        return Scenario(self.denied, self.closed, dict(self.trucks))

    def query(self) -> list[tuple[str, str]]:
        """The address's parameters of this scenario (``warehouse``/``trucks`` in pairs)."""
        pairs = [("deny_convoy", c) for c in self.denied]
        pairs += [("close_route", r) for r in self.closed]
        for name, n in self.trucks:
            pairs += [("warehouse", name), ("trucks", f"{n:g}")]
        return pairs

    def __bool__(self) -> bool:
        return bool(self.denied or self.closed or self.trucks)


def choice_of(ctx: Context, denied: list[str] | None, closed: list[str] | None,
              names: list[str] | None, counts: list[str] | None) -> Choice:  # fmt: skip
    """The scenario of the address or form; trucks equal to the data's are no change, a count
    that is not a number of 0 or more is refused."""
    stored = {w.name: w.trucks_per_week for w in warehouses(ctx.store)}
    trucks = []
    for name, text in zip(names or [], counts or [], strict=False):
        try:
            n = float(text)
        except ValueError:
            raise RefusedInput(Message(N_("trucks of %(name)s: %(text)s is not a number"),
                                       {"name": repr(name), "text": repr(text)})) from None
        if not math.isfinite(n) or n < 0:
            raise RefusedInput(Message(N_("trucks of %(name)s: give a number of 0 or more"),
                                       {"name": repr(name)}))
        if stored.get(name) != n:
            trucks.append((name, n))
    return Choice(tuple(dict.fromkeys(c for c in denied or [] if c)),
                  tuple(dict.fromkeys(r for r in closed or [] if r)), tuple(trucks))  # fmt: skip


@dataclass(frozen=True)
class PlanQuery:
    """The parameters of a plan's address, as ``/api/plan`` and ``/api/map/plan`` take them
    (a dependency: FastAPI reads each field as a query parameter, documented and checked)."""

    as_of: AsOf = None
    weeks: Weeks = 4
    level: Level = "adm4"
    deny_convoy: DenyQ = None
    close_route: CloseQ = None
    warehouse: TruckWQ = None
    trucks: TruckNQ = None

    def choice(self, ctx: Context) -> Choice:
        """The scenario asked for (``choice_of``: refused when a count is not a number)."""
        return choice_of(ctx, self.deny_convoy, self.close_route, self.warehouse, self.trucks)


PlanQ = Annotated[PlanQuery, Depends()]


def the_plan(ctx: Context, as_of: date, weeks: int, level: str,
             choice: Choice | None = None) -> dict[str, Any]:  # fmt: skip
    """The plan of the database's planning inputs under a scenario, kept per data version."""
    choice = choice or Choice()

    def build() -> dict[str, Any]:
        return make_plan(ctx.store, as_of, weeks, parse_level(level), ctx.priority_model,
                         scenario=choice.scenario())  # fmt: skip

    key = ("plan", as_of, weeks, level, choice)
    return ctx.cached(key, build)  # type: ignore[no-any-return]


def refused(request: Request, exc: RefusedInput) -> JSONResponse:
    """A plan or scenario refused, in the language the request asks for (English unless it
    asks for another): ``detail`` and ``code`` (``plan``, or ``scenario`` for the address's)."""
    code = exc.code if isinstance(exc, PlanError) else "scenario"
    said = request_language(request).message(exc.words)
    return JSONResponse({"detail": said, "code": code}, status_code=422)


@api_router.get("/plan", summary="Where the next trucks should go: the optimal delivery plan")
def plan_api(request: Request, ctx: Ctx, asked: PlanQ) -> Response:
    """The plan's JSON (docs/plan.md), under the scenario given (``deny_convoy``,
    ``close_route``, ``warehouse`` with ``trucks``)."""
    when = default_as_of(ctx, asked.as_of)
    try:
        return JSONResponse(the_plan(ctx, when, asked.weeks, asked.level, asked.choice(ctx)))
    except RefusedInput as exc:
        return refused(request, exc)


def plan_features(data: dict[str, Any], tree: PlaceTree) -> dict[str, Any]:
    """The plan as GeoJSON: each place planned for (a point: need, covered a week, the share
    covered, why not more), each warehouse (a point) and each route a shipment takes, one line
    from the warehouse to the place per (warehouse, place) with the trucks of every week.
    ``pairs`` counts those pairs; ``without_location`` those left off for want of a point."""
    instance = data["instance"]
    points = {p["pcode"]: p for p in instance["places"]}
    stores = {w["name"]: w for w in instance["warehouses"]}

    def where(p: dict[str, Any] | None) -> list[float] | None:
        if p is None or p["lat"] is None or p["lon"] is None:
            return None
        return [p["lon"], p["lat"]]

    def name_ar(pcode: str) -> str | None:
        found = tree.get(pcode)
        return found.name_ar if found else None

    features: list[dict[str, Any]] = []
    for row in data["places"]:
        at = where(points.get(row["pcode"]))
        if at is None:
            continue
        share = row["covered"] / row["need"] if row["need"] else None
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": at},
                         "properties": {
                             "kind": "place", "pcode": row["pcode"], "name": row["name"],
                             "name_ar": name_ar(row["pcode"]), "access": row["access"],
                             "need": row["need"], "covered": row["covered"], "share": share,
                             "why_code": row["why_code"], "why": row["why"],
                             "weight": row["weight"]}})  # fmt: skip
    for w in stores.values():
        at = where(w)
        if at is not None:
            features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": at},
                             "properties": {"kind": "warehouse", "name": w["name"],
                                            "pcode": w["pcode"],
                                            "trucks_per_week": w["trucks_per_week"]}})  # fmt: skip
    sent: dict[tuple[str, str], dict[str, float]] = {}
    for s in data["shipments"]:
        pair = sent.setdefault((s["warehouse"], s["pcode"]), {"trucks": 0.0, "units": 0.0})
        pair["trucks"] += s["trucks"]
        pair["units"] += s["units"]
    missing = 0
    for (h, pcode), total in sent.items():
        start, end = where(stores.get(h)), where(points.get(pcode))
        if start is None or end is None:
            missing += 1
            continue
        p = points[pcode]
        features.append({"type": "Feature",
                         "geometry": {"type": "LineString", "coordinates": [start, end]},
                         "properties": {"kind": "shipment", "warehouse": h, "pcode": pcode,
                                        "name": p["name"], "name_ar": name_ar(pcode),
                                        "trucks": total["trucks"], "units": total["units"]}})
    return {"type": "FeatureCollection", "features": features, "as_of": data["as_of"],
            "weeks": data["weeks"], "pairs": len(sent), "without_location": missing,
            "scenario": data.get("scenario")}  # fmt: skip


@api_router.get("/map/plan", summary="The delivery plan as GeoJSON: places, warehouses and "
                "shipments (the map's plan layer)")  # fmt: skip
def plan_layer(request: Request, ctx: Ctx, asked: PlanQ) -> Response:
    """The plan of ``/api/plan`` with the same parameters, as a FeatureCollection: ``kind``
    ``place`` (need, covered a week, share), ``warehouse`` and ``shipment`` (a line from the
    warehouse to the place, the trucks and units of all weeks)."""
    when, weeks, level = default_as_of(ctx, asked.as_of), asked.weeks, asked.level
    try:
        choice = asked.choice(ctx)
        data = the_plan(ctx, when, weeks, level, choice)
    except RefusedInput as exc:
        return refused(request, exc)
    found = ctx.cached(("plan layer", when, weeks, level, choice),
                       lambda: plan_features(data, ctx.tree()))  # fmt: skip
    return JSONResponse(found, media_type="application/geo+json")


def plan_layer_url(as_of: date, weeks: int, level: str, choice: Choice) -> str:
    """The address of the map's plan layer for this plan."""
    query = [("as_of", as_of.isoformat()), ("weeks", str(weeks)), ("level", level)]
    return "/api/map/plan?" + urlencode(query + choice.query())


def map_link(as_of: date, weeks: int, level: str, choice: Choice) -> str:
    """The map page with the plan's layer on, for the same date, weeks, level and scenario;
    its legend that of Coverage, whose classes colour the plan's places."""
    query = [("level", level), ("as_of", as_of.isoformat()), ("weeks", str(weeks))]
    return "/map?" + urlencode(query + choice.query() + [("color", "coverage"),
                                                         ("layers", "plan")])  # fmt: skip


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


def scenario_choices(ctx: Context) -> dict[str, Any]:
    """What the scenario form offers: the approved convoys (code, place), the routes and the
    warehouses with their trucks a week."""
    approved = [c for c in stored_convoys(ctx.store) if c.status in APPROVED]
    return {
        "convoys": sorted(approved, key=lambda c: c.code),
        "routes": [r.name for r in routes(ctx.store)],
        "warehouses": [(w.name, w.trucks_per_week) for w in warehouses(ctx.store)],
    }


def _page(
    request: Request,
    ctx: Context,
    when: date,
    weeks: int,
    level: str,
    choice: Choice,
    first: str | None = None,
    second: str | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    data: dict[str, Any] | None = None
    refused = scenario_refused = ""
    try:
        data = the_plan(ctx, when, weeks, level, choice)
    except PlanError as exc:
        if choice:
            scenario_refused = str(exc)
        else:
            refused = str(exc)
    comparison = None
    if first and second:
        one, two = saved_plan(ctx.store, first), saved_plan(ctx.store, second)
        if one is not None and two is not None:
            comparison = compare({**json.loads(one.report), "name": first},
                                 {**json.loads(two.report), "name": second})  # fmt: skip
    solved = data is not None and data["objective"] is not None
    svg = ""
    if data is not None and solved:
        found = data
        svg = ctx.cached(("plan map", when, weeks, level, choice), lambda: plan_map(ctx, found))
    return render_page(
        request,
        "plan.html",
        status_code=status_code,
        as_of=when,
        weeks=weeks,
        level=level,
        levels=LEVELS,
        data=data,
        refused=refused,
        scenario_refused=scenario_refused,
        choice=choice,
        choices=scenario_choices(ctx),
        svg=svg,
        map_url=map_link(when, weeks, level, choice) if solved else "",
        limits=[b for b in data["binding"] if b["one_more"] is not None] if data else [],
        saved=saved_plans(ctx.store),
        first=first or "",
        second=second or "",
        comparison=comparison,
        place_of=ctx.tree().get,
        max_name=MAX_NAME,
        max_note=MAX_NOTE,
        **extra,
    )


@router.get("/plan", response_class=HTMLResponse)
def plan_page(
    request: Request,
    ctx: Ctx,
    as_of: AsOf = None,
    weeks: Weeks = 4,
    level: Level = "adm4",
    first: NameQ = None,
    second: NameQ = None,
    deny_convoy: DenyQ = None,
    close_route: CloseQ = None,
    warehouse: TruckWQ = None,
    trucks: TruckNQ = None,
    saved: NameQ = None,
) -> Response:
    when = default_as_of(ctx, as_of)
    try:
        choice = choice_of(ctx, deny_convoy, close_route, warehouse, trucks)
    except RefusedInput:
        return _page(request, ctx, when, weeks, level, Choice(), first, second, 422,
                     save_error="trucks")  # fmt: skip
    return _page(request, ctx, when, weeks, level, choice, first, second, just_saved=saved)


def _form_int(text: str | None, low: int, high: int, default: int) -> int:
    return int(text) if text and text.isdigit() and low <= int(text) <= high else default


@router.post("/plan/save")
async def plan_save(request: Request) -> Response:
    """Save the plan of the form's date, weeks, level and scenario under a name, as
    ``lagebild plan --save NAME`` does; then the page, the saved plan chosen to compare."""
    async with request.form(max_files=0, max_fields=400) as form:
        def many(key: str) -> list[str]:
            return [str(v).strip() for v in form.getlist(key) if isinstance(v, str)]

        def one(key: str) -> str:
            value = form.get(key)
            return value.strip() if isinstance(value, str) else ""

        sent = {k: one(k) for k in ("as_of", "weeks", "level", "name", "note", "replace")}
        lists = [many(k) for k in ("deny_convoy", "close_route", "warehouse", "trucks")]
    ctx: Context = request.app.state.lagebild
    try:
        when = date.fromisoformat(sent["as_of"])
    except ValueError:
        when = default_as_of(ctx, None)
    weeks = _form_int(sent["weeks"], 1, 52, 4)
    level = sent["level"] if sent["level"] in LEVELS else "adm4"
    principal = auth.principal_of(request)

    def work() -> Response:
        try:
            choice = choice_of(ctx, *lists)
        except RefusedInput:
            return _page(request, ctx, when, weeks, level, Choice(), status_code=422,
                         save_error="trucks")  # fmt: skip
        name = sent["name"]
        if not name or len(name) > MAX_NAME or len(sent["note"]) > MAX_NOTE:
            return _page(request, ctx, when, weeks, level, choice, status_code=422,
                         save_error="name", sent_name=name[:MAX_NAME], sent_note=sent["note"])
        try:
            data = dict(the_plan(ctx, when, weeks, level, choice))
            kept = save(ctx.store, name, data, principal.name, sent["note"],
                        sent["replace"] == "yes")  # fmt: skip
        except PlanError:
            return _page(request, ctx, when, weeks, level, choice, status_code=422)
        except Conflict:
            return _page(request, ctx, when, weeks, level, choice, status_code=409,
                         save_error="taken", sent_name=name, sent_note=sent["note"])
        query = [("as_of", when.isoformat()), ("weeks", str(weeks)), ("level", level),
                 *choice.query(), ("saved", kept)]  # fmt: skip
        return RedirectResponse("/plan?" + urlencode(query) + "#scenarios", status_code=303)

    return await run_in_threadpool(work)
