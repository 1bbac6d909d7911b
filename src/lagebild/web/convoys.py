"""Convoys on the web: the page ``/convoys`` and its API (``/api/convoys``,
``/api/convoys/stats``), the numbers of ``lagebild convoy list/stats``: the same library
functions. Negotiation details follow the sharing protocol (``security/protocol.yml``) through
``protocol.view``; the statistics through ``protocol.public_table``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from lagebild.analysis.convoys import convoy_stats
from lagebild.analysis.place import subtree_ids
from lagebild.messages import CONVOY_STATUS_WORDS
from lagebild.model import Place, parse_level
from lagebild.publish import render, tables
from lagebild.security import protocol as sharing
from lagebild.store import convoys as convoy_store
from lagebild.web import auth
from lagebild.web.context import (
    PER_PAGE,
    Context,
    Ctx,
    FormatQ,
    FromQ,
    Level,
    Limit,
    Offset,
    PcodeQ,
    ToQ,
    check_period,
    download,
    find_place,
    iso,
    known_word,
    link,
    pager,
    war_page,
)

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["convoys, incidents and damage"])

Period = Literal["total", "month"]

def convoy_rows(
    request: Request,
    ctx: Context,
    place: Place | None,
    status: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[dict[str, Any]]:
    """The convoys requested in the period, to the place and below, as ``lagebild convoy list
    --format json`` gives them, then as the reader may see them (items too)."""
    ids = subtree_ids(ctx.tree(), place) if place else None
    found = convoy_store.convoys(
        ctx.store, place_ids=ids, status=status, requested_from=date_from, requested_to=date_to
    )
    principal = auth.principal_of(request)
    shown = []
    for convoy in found:
        row = convoy.as_dict()
        items = row.pop("items")
        found_rows = sharing.view(principal, "convoy", [row], ctx.protocol)
        if not found_rows:
            continue  # a convoy above the reader's clearance (a protocol may say so)
        seen = found_rows[0]
        seen["items"] = [
            {k: v for k, v in item.items() if k != sharing.SUPPRESSED}
            for item in sharing.view(principal, "convoy", items, ctx.protocol)
        ]
        seen["items_text"] = render.items_text(seen["items"])
        shown.append(seen)
    return shown


@dataclass
class ConvoyStatsView:
    data: dict[str, Any]  # the JSON of ``lagebild convoy stats``, as the reader may see it
    places: list[dict[str, Any]]
    totals: list[dict[str, Any]]


def convoy_stats_view(
    request: Request,
    ctx: Context,
    date_from: date | None,
    date_to: date | None,
    level: str | None,
    by: str,
    place: Place | None,
) -> ConvoyStatsView:
    """``convoy_stats``; with a place, its rows below it counted at the place's level or finer
    (so the place's own row is its total) and no national total."""
    check_period(date_from, date_to)
    level_no = parse_level(level) if level else None
    if place is not None and (level_no is None or level_no < place.level):
        level_no = place.level
    result = ctx.cached(
        ("convoy_stats", date_from, date_to, level_no, by),
        lambda: convoy_stats(ctx.store, date_from, date_to, level_no, by, ctx.tree()),
    )
    data = result.as_dict()
    places, totals = [r.as_dict() for r in result.places], [r.as_dict() for r in result.totals]
    if place is not None:
        tree = ctx.tree()
        within = set(subtree_ids(tree, place))
        places = [r for r in places if tree.get(str(r["pcode"])).id in within]  # type: ignore[union-attr]
        totals = []
        data["place"] = place.pcode
    principal = auth.principal_of(request)
    data["places"] = sharing.public_table(principal, "convoy_stats", places, ctx.protocol)
    data["totals"] = sharing.public_table(principal, "convoy_stats", totals, ctx.protocol)
    return ConvoyStatsView(data, data["places"], data["totals"])


def _status(word: str | None) -> str | None:
    if not word:
        return None
    return known_word("status", word, "convoy_statuses", "convoy status")


@api_router.get("/convoys", summary="Convoys: request, decision, delivery, items removed")
def api_convoys(
    request: Request,
    ctx: Ctx,
    pcode: PcodeQ = None,
    status: Annotated[
        str | None,
        Query(max_length=40, description="requested, approved, partly_approved, denied, "
              "delivered"),
    ] = None,
    date_from: FromQ = None,
    date_to: ToQ = None,
    limit: Limit = PER_PAGE,
    offset: Offset = 0,
    fmt: FormatQ = None,
) -> Response:
    """The convoys requested in the period (``from``, ``to``: the request date) to a place and
    below, in order of request, as ``lagebild convoy list``; negotiation details
    (``decided_by``, ``decision_reason``, ``removed_by``) and notes follow the sharing
    protocol."""
    check_period(date_from, date_to)
    place = find_place(ctx, pcode)
    found = convoy_rows(request, ctx, place, _status(status), date_from, date_to)
    items = found[offset : offset + limit]
    data = {"total": len(found), "limit": limit, "offset": offset, "convoys": items}
    columns = tables.with_suppressed(tables.CONVOYS)
    return download(request, fmt, "convoy", data, columns, items, "convoys")


@api_router.get(
    "/convoys/stats", summary="Convoys per place and period: requested, denied, delivered, shares"
)
def api_convoy_stats(
    request: Request,
    ctx: Ctx,
    date_from: FromQ = None,
    date_to: ToQ = None,
    level: Annotated[
        Level | None, Query(description="Count at this level (default: each convoy's place).")
    ] = None,
    by: Annotated[Period, Query(description="One period, or one per month of request.")] = "total",
    pcode: PcodeQ = None,
    fmt: FormatQ = None,
) -> Response:
    """``lagebild convoy stats``: per place and period, convoys requested, approved, denied and
    delivered, the share of requests denied, of planned people reached, of medical items
    removed and of the population reached. With ``pcode``, the places at and below it."""
    view = convoy_stats_view(request, ctx, date_from, date_to, level, by, find_place(ctx, pcode))
    rows = [*(dict(r) for r in view.places), *({**t, "pcode": "(total)"} for t in view.totals)]
    for row in rows:
        for key in ("denied", "reached", "medical_removed", "population_reached"):
            row[f"share_{key}"] = row.get(f"{key}_share")
    columns = tables.with_suppressed(tables.convoy_stats_columns(view.data["level"]))
    return download(request, fmt, "convoy_stats", view.data, columns, rows, "convoy-stats")


@router.get("/convoys", response_class=HTMLResponse)
def convoys_page(
    request: Request,
    ctx: Ctx,
    pcode: PcodeQ = None,
    status: Annotated[str | None, Query(max_length=40)] = None,
    date_from: FromQ = None,
    date_to: ToQ = None,
    level: Level | None = None,
    by: Period = "total",
    offset: Offset = 0,
) -> Response:
    check_period(date_from, date_to)
    place = find_place(ctx, pcode)
    wanted = _status(status)
    found = convoy_rows(request, ctx, place, wanted, date_from, date_to)
    stats = convoy_stats_view(request, ctx, date_from, date_to, level, by, place)
    filters = {
        "pcode": place.pcode if place else None,
        "from": iso(date_from),
        "to": iso(date_to),
    }
    list_params = {**filters, "status": wanted}
    stats_params = {**filters, "level": level, "by": by}
    limit = PER_PAGE
    return war_page(
        request,
        "convoys.html",
        place=place,
        status=wanted or "",
        statuses=list(CONVOY_STATUS_WORDS),
        date_from=date_from,
        date_to=date_to,
        level=level or "",
        levels=("adm1", "adm2", "adm3", "adm4"),
        by=by,
        convoys=found[offset : offset + limit],
        total=len(found),
        offset=offset,
        stats=stats,
        place_of=ctx.tree().get,
        downloads={
            fmt: link("/api/convoys", {**list_params, "limit": limit, "offset": offset,
                                       "format": fmt})
            for fmt in ("csv", "hxl")
        },
        stats_downloads={
            fmt: link("/api/convoys/stats", {**stats_params, "format": fmt})
            for fmt in ("csv", "hxl")
        },
        pages=pager(
            "/convoys", {**list_params, "level": level, "by": by}, offset, limit, len(found)
        ),
    )
