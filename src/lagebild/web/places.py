"""Places: the search and the profile of a place in the API (``/api/places``, one place, its
children and its access history), the place list ``/places`` and the place page
``/places/{pcode}``: its figures, access history, deliveries, gaps, trust, and what it saw of the
war (its convoys, recent incidents beside the access status then, and its damage).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from lagebild import analysis, evidence
from lagebild.analysis import overview as breakdowns
from lagebild.analysis.access import AccessPeriod
from lagebild.analysis.damage import damage_shares
from lagebild.analysis.figures import FigureValue
from lagebild.analysis.place import find, place_dict, profile, search, subtree_ids
from lagebild.analysis.situation import COLUMNS as COLUMN_INDICATORS
from lagebild.model import Place, level_name, normalise_sector, parse_level
from lagebild.publish import tables
from lagebild.publish.language import Language
from lagebild.publish.words import WarWords, Words, change_lines
from lagebild.security import policy
from lagebild.security import protocol as sharing
from lagebild.store import listing
from lagebild.store.incidents import incident_list
from lagebild.web import auth, charts
from lagebild.web.context import (
    AsOf,
    Context,
    Ctx,
    FormatQ,
    Level,
    Limit,
    Offset,
    Window,
    default_as_of,
    kept_page,
    level_number,
    link,
    render_page,
    request_language,
    respond,
)
from lagebild.web.convoys import convoy_rows
from lagebild.web.gaps import GAP_LEVELS
from lagebild.web.incidents import incident_view
from lagebild.web.situation import TREND_MONTHS, trend_chart

api_router = APIRouter(prefix="/api", tags=["api"])
router = APIRouter(include_in_schema=False)


# -- the API ---------------------------------------------------------------------------------------


@api_router.get("/places", summary="Search places by P-code or English or Arabic name")
def places(
    request: Request,
    ctx: Ctx,
    q: Annotated[str | None, Query(description="P-code or part of a name.")] = None,
    level: Level | None = None,
    parent: Annotated[str | None, Query(description="Only the children of this P-code.")] = None,
    as_of: AsOf = None,
    limit: Limit = 100,
    offset: Offset = 0,
    fmt: FormatQ = None,
) -> Response:
    tree = ctx.tree()
    parent_place = find(tree, parent) if parent else None
    found = search(tree, q, level_number(level), parent_place)
    if as_of:
        found = [p for p in found if tree.active(p, as_of)]
    items = [place_dict(p, tree) for p in found[offset : offset + limit]]
    data = {"total": len(found), "limit": limit, "offset": offset, "items": items}
    return respond(request, fmt, data, tables.API_PLACES, items, "places")


@api_router.get("/places/{pcode}", summary="One place: parents, access, current figures")
def place(ctx: Ctx, pcode: str, as_of: AsOf = None) -> dict[str, Any]:
    tree = ctx.tree()
    when = default_as_of(ctx, as_of)
    return profile(ctx.store, pcode, when, tree).as_dict(tree, when)


@api_router.get("/places/{pcode}/children", summary="The places one level below")
def children(
    request: Request,
    ctx: Ctx,
    pcode: str,
    as_of: AsOf = None,
    limit: Limit = 100,
    offset: Offset = 0,
    fmt: FormatQ = None,
) -> Response:
    tree = ctx.tree()
    found = search(tree, parent=find(tree, pcode))
    if as_of:
        found = [p for p in found if tree.active(p, as_of)]
    items = [place_dict(p, tree) for p in found[offset : offset + limit]]
    data = {"pcode": pcode, "total": len(found), "limit": limit, "offset": offset, "items": items}
    return respond(request, fmt, data, tables.API_PLACES, items, "children")


@api_router.get("/places/{pcode}/access", summary="A place's access history and status on a date")
def place_access(request: Request, ctx: Ctx, pcode: str, as_of: AsOf = None) -> dict[str, Any]:
    tree = ctx.tree()
    found = find(tree, pcode)
    when = default_as_of(ctx, as_of)
    on = analysis.access_of(tree, analysis.status_on(ctx.store, when), found.id)
    # The besieging party follows the sharing protocol (security/protocol.yml: access.party).
    principal = auth.principal_of(request)
    shown = sharing.public_table(principal, "access", [on.as_dict()] if on else [], ctx.protocol)
    history = [p.as_dict() for p in analysis.history(ctx.store, found.id)]
    return {
        "pcode": found.pcode,
        "as_of": when.isoformat(),
        "status_on": shown[0] if shown else None,
        "history": sharing.public_table(principal, "access", history, ctx.protocol),
    }


# -- the place list and the place page -------------------------------------------------------------


PLACE_DELIVERIES = 50

PLACE_FIGURES = 1000

PLACES_PER_PAGE = 50


@router.get("/places", response_class=HTMLResponse)
def places_page(
    request: Request,
    ctx: Ctx,
    q: Annotated[str | None, Query(max_length=200)] = None,
    level: Level | None = None,
    offset: Offset = 0,
) -> Response:
    tree = ctx.tree()
    found = search(tree, q, parse_level(level) if level else None)
    limit = PLACES_PER_PAGE
    params: dict[str, Any] = {k: v for k, v in (("q", q or ""), ("level", level or "")) if v}
    return render_page(
        request,
        "places.html",
        q=q or "",
        level=level or "",
        levels=["country", *GAP_LEVELS],
        places=found[offset : offset + limit],
        parents={
            p.id: tree.places.get(p.parent_id)
            for p in found[offset : offset + limit]
            if p.parent_id is not None
        },
        total=len(found),
        offset=offset,
        limit=limit,
        previous="/places?" + urlencode({**params, "offset": max(offset - limit, 0)})
        if offset > 0
        else None,
        next="/places?" + urlencode({**params, "offset": offset + limit})
        if offset + limit < len(found)
        else None,
        level_name=level_name,
    )


@dataclass
class IndicatorHistory:
    """Every figure of one indicator of a place, newest first, and the current one."""

    indicator: str
    column: str
    rows: list[dict[str, Any]]
    current: FigureValue | None


def _map_link(place: Place, as_of: date, window: int, sector: str | None) -> str:
    """The map of the place's level (governorates for the country) on the same date, window and
    sector, opened on the place's area."""
    level = level_name(place.level)
    params: dict[str, str | int] = {
        "level": level if level in ("adm1", "adm2", "adm3", "adm4") else "adm1",
        "as_of": as_of.isoformat(),
        "window": window,
    }
    if level in ("adm1", "adm2", "adm3", "adm4"):
        params["place"] = place.pcode
    if sector:
        params["sector"] = sector
    return "/map?" + urlencode(params)


@router.get("/places/{pcode}", response_class=HTMLResponse)
@kept_page
def place_page(
    request: Request,
    ctx: Ctx,
    pcode: str,
    as_of: AsOf = None,
    window: Window = 30,
    sector: str | None = None,
) -> Response:
    """A place's page on a date; its gap (reached, coverage) for ``window`` days and ``sector``,
    the ones the map or the gaps table opened it with, and a link back to the map with them."""
    tree = ctx.tree()
    place = find(tree, pcode)  # in any case: the page shows the gazetteer's spelling
    when = default_as_of(ctx, as_of)
    lang = request_language(request)
    words = Words(lang)
    found = profile(ctx.store, place.pcode, when, tree)
    figures = listing.figures(  # the place's own figures: totals, never an age group
        ctx.store, [place.id], date_to=when, limit=PLACE_FIGURES, totals=True
    ).items
    histories = []
    for column, indicator in COLUMN_INDICATORS.items():
        rows = [f for f in figures if f["indicator"] == indicator]
        current = found.current.get(column)
        if rows or current:
            histories.append(IndicatorHistory(indicator, column, rows, current))
    below = subtree_ids(tree, place)
    # Over a million deliveries these two take a good part of a second: kept like the rest.
    scope = auth.scope_of(request)  # whose deliveries this reader sees in full
    deliveries = ctx.cached(
        ("place_deliveries", place.id, when, scope),
        lambda: listing.deliveries(
            ctx.store,
            listing.DeliveryFilter(place_ids=below, date_to=when),
            PLACE_DELIVERIES,
            scope=scope,
        ),
    )
    principal = auth.principal_of(request)
    deliveries = listing.Page(
        sharing.view(principal, "delivery", deliveries.items, ctx.protocol),
        deliveries.total,
        deliveries.limit,
        deliveries.offset,
    )
    trend = ctx.cached(
        ("place_trend", place.id, when),
        lambda: breakdowns.monthly_reached(ctx.store, when, TREND_MONTHS, below),
    )
    gap = None
    wanted = normalise_sector(sector) if sector else None
    if level_name(place.level) in GAP_LEVELS:
        result = ctx.gaps(when, window, level_name(place.level), wanted)
        gap = next((r for r in result.places if r.pcode == place.pcode), None)
    trust_view = ctx.cached(("place_trust", place.id, when), lambda: _place_trust(ctx, place, when))
    disaggregated = ctx.cached(
        ("place_breakdown", place.id, when), lambda: _place_breakdown(ctx, place, when)
    )
    return render_page(
        request,
        "place.html",
        lang=lang,
        as_of=when,
        window=window,
        sector=wanted or "",
        map_url=_map_link(place, when, window, wanted),
        place=place,
        name=words.place(place),
        level=level_name(place.level),
        profile=found,
        parents=found.parents,
        children=found.children,
        histories=histories,
        deliveries=deliveries,
        gap=gap,
        inherited=tree.get(found.access.inherited_from)
        if found.access and found.access.inherited_from
        else None,
        timeline_svg=_access_timeline(found.access_history, when, lang, words),
        trend_svg=trend_chart("place-trend", trend, lang),
        conflicts=trust_view[0],
        changes=change_lines(trust_view[1], lang)
        if policy.may(principal, policy.SEE_DETAIL)
        else [],
        # Evidence is confidential: counted only for those who may see it (web/evidence.py).
        evidence_count=evidence.browse(ctx.store, below, limit=1).total
        if policy.may(principal, policy.SEE_DETAIL)
        else None,
        explained=EXPLAINED,
        war=place_section(request, ctx, place, when, found.access_history),
        disaggregated=disaggregated,
        war_words=WarWords(lang.gettext),
        # The record kinds this reader may change here (a partner: its own deliveries only).
        editable=[k for k in ("figure", "access", "delivery") if policy.may_edit(principal, k)],
        done=request.query_params.get("done"),
    )


#: The key figures the place page links to their explanation (``/explain``).
EXPLAINED = frozenset(
    {"people_in_need", "population", "displaced", "besieged", "hard_to_reach", "reached"}
)

PLACE_CHANGES = 8


def _place_breakdown(ctx: Context, place: Place, when: date) -> list[tuple[str, Any]]:
    """(dimension, breakdown) of the place's people in need and population, by gender, age and
    population group, where its current figure has disaggregated figures beside it."""
    from lagebild.analysis.disaggregation import BY, breakdown

    found = []
    for by in BY:
        for part in breakdown(ctx.store, when, by, [place.id]).get(place.id, []):
            found.append((by, part))
    return found


def _place_trust(ctx: Context, place: Place, when: date) -> tuple[list[Any], list[Any]]:
    """The contradicting figures of a place and below it up to ``when`` (20 % apart, by
    month), and its newest changes."""
    from lagebild.analysis import trust
    from lagebild.analysis.changes import place_history

    found = trust.conflicts(ctx.store, 0.2, None, place.pcode, None, when, ctx.tree())
    _, changes = place_history(ctx.store, place.pcode, limit=PLACE_CHANGES)
    return found, changes


def _access_timeline(
    periods: list[analysis.AccessPeriod], when: date, lang: Language, words: Words
) -> str | None:
    if not periods:
        return None
    start = periods[0].valid_from
    end = max(when, periods[-1].valid_from + timedelta(days=1))
    segments = [
        charts.Segment(
            p.valid_from,
            p.valid_to or end,
            words.access(p.status) + (f" ({p.party})" if p.party else ""),
            p.status,
        )
        for p in periods
    ]
    desc = "; ".join(
        lang.gettext(
            "%(status)s from %(start)s to %(end)s",
            status=s.label,
            start=lang.day(s.start),
            end=lang.day(s.end) if p.valid_to else lang.gettext("today"),
        )
        for s, p in zip(segments, periods, strict=True)
    )
    return charts.timeline(
        "access-timeline",
        segments,
        start=start,
        end=end,
        title=lang.gettext("Access history"),
        desc=desc,
        day=lang.day,
        rtl=lang.dir == "rtl",
        marker=when,
        marker_label=lang.day(when),
    )


# -- the place page's section on the war: convoys, incidents, damage -------------------------------


#: The place page lists the incidents of the last this many days up to its date.
PLACE_INCIDENT_DAYS = 90

PLACE_INCIDENTS = 20


@dataclass
class PlaceWar:
    """Convoys, recent incidents and damage of one place (and the places below it)."""

    convoys: list[dict[str, Any]]
    incidents: list[dict[str, Any]]
    incidents_total: int
    killed: dict[str, Any]  # {"fatalities": n, "suppressed": [...]}, as the reader may see it
    attacks_on_aid: int
    incidents_from: date
    access_then: list[AccessPeriod | None]  # the place's status on each incident's date
    damage: dict[str, Any]  # unit -> DamageShare
    links: dict[str, str]


def _period_on(periods: list[AccessPeriod], day: date) -> AccessPeriod | None:
    for period in periods:
        if period.valid_from <= day and (period.valid_to is None or day < period.valid_to):
            return period
    return None


def place_section(
    request: Request, ctx: Context, place: Place, when: date, periods: list[AccessPeriod]
) -> PlaceWar:
    """What the place page shows of the war: its convoys (requested up to its date), the
    incidents of the last 90 days up to it beside the access status then, and its current damage
    with the share of the national total; each with a link to the filtered list."""
    tree = ctx.tree()
    below = subtree_ids(tree, place)
    convoys = convoy_rows(request, ctx, place, None, None, when)
    since = when - timedelta(days=PLACE_INCIDENT_DAYS - 1)
    rows = incident_list(ctx.store, below, since, when, newest_first=True)
    shown = incident_view(request, ctx, rows[:PLACE_INCIDENTS])
    fatalities = sum(r.fatalities or 0 for r in rows)
    [total] = sharing.public_table(
        auth.principal_of(request), "incident_summary", [{"fatalities": fatalities}], ctx.protocol
    )
    shares = ctx.cached(("damage_shares", when), lambda: damage_shares(ctx.store, tree, when))
    return PlaceWar(
        convoys=convoys,
        incidents=shown,
        incidents_total=len(rows),
        killed=total,
        attacks_on_aid=sum(1 for r in rows if r.attack_on_aid),
        incidents_from=since,
        access_then=[_period_on(periods, r.date) for r in rows[:PLACE_INCIDENTS]],
        damage=shares[0].get(place.id, {}),
        links={
            "convoys": link("/convoys", {"pcode": place.pcode, "to": when.isoformat()}),
            "incidents": link(
                "/incidents",
                {"pcode": place.pcode, "from": since.isoformat(), "to": when.isoformat()},
            ),
            "damage": link(
                "/damage",
                {
                    "pcode": place.pcode,
                    "as_of": when.isoformat(),
                    "level": level_name(place.level),
                },
            ),
        },
    )
