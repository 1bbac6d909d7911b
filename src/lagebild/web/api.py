"""The JSON API under /api/: the numbers of the command line, from the same library functions.

Every list is paginated (``limit``, ``offset``); every endpoint takes ``as_of`` (default: the end of
the data); every list downloads as CSV or HXL with ``?format=csv|hxl`` or an ``Accept`` header.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from lagebild import analysis
from lagebild.analysis.place import UnknownPlace, find, place_dict, profile, search, subtree_ids
from lagebild.analysis.tree import PlaceTree
from lagebild.model import normalise_access, normalise_sector, normalise_status, parse_level
from lagebild.model.listing import DeliveryFilter, Page
from lagebild.publish import render
from lagebild.publish.render import Col
from lagebild.security import protocol as sharing
from lagebild.store import Store, listing
from lagebild.web import auth
from lagebild.web.app import Context

router = APIRouter(prefix="/api", tags=["api"])

Level = Literal["country", "adm1", "adm2", "adm3", "adm4"]
Format = Literal["json", "csv", "hxl"]

#: The earliest ``as_of``: the window and the trend reach back from it, still in the calendar.
EARLIEST = date(1900, 1, 1)
#: The largest ``offset`` a database's integer holds.
MAX_OFFSET = 2**63 - 1

AsOf = Annotated[
    date | None,
    Query(
        ge=EARLIEST,
        description="Date of the picture, YYYY-MM-DD, from 1900-01-01 (default: the end of the "
        "data).",
    ),
]
Limit = Annotated[int, Query(ge=1, le=5000, description="Items per page.")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.")]
Window = Annotated[int, Query(ge=1, le=3650, description="Days a delivery counts as recent.")]
FormatQ = Annotated[Format | None, Query(alias="format", description="json, csv or hxl.")]


def context(request: Request) -> Context:
    return request.app.state.lagebild  # type: ignore[no-any-return]


Ctx = Annotated[Context, Depends(context)]


def resolve_as_of(store: Store, as_of: date | None) -> date:
    return as_of or listing.latest_date(store) or date.today()


def default_as_of(ctx: Context, as_of: date | None) -> date:
    """``as_of``, else the end of the data (kept per data version)."""
    if as_of is not None:
        return as_of
    found = ctx.cached(("latest_date",), lambda: listing.latest_date(ctx.store))
    return found or date.today()


def wanted_format(request: Request, fmt: Format | None) -> Format:
    if fmt:
        return fmt
    accept = request.headers.get("accept", "").lower()
    if "hxl" in accept:
        return "hxl"
    if "text/csv" in accept:
        return "csv"
    return "json"


def respond(
    request: Request,
    fmt: Format | None,
    data: dict[str, Any],
    columns: list[Col],
    rows: list[dict[str, Any]],
    name: str,
) -> Response:
    chosen = wanted_format(request, fmt)
    if chosen == "json":
        return JSONResponse(data)
    body = render.to_csv(columns, rows, hxl=chosen == "hxl")
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.{chosen}.csv"'},
    )


def _json_ready(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in item.items()}


def _page(page: Page, **extra: Any) -> dict[str, Any]:
    return {
        **extra,
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
        "items": [_json_ready(i) for i in page.items],
    }


def _columns(keys: list[str], tags: dict[str, str]) -> list[Col]:
    return [Col(k, k, tags.get(k, f"#meta+{k}")) for k in keys]


PLACE_TAGS = {
    "pcode": "#loc+code",
    "name": "#loc+name",
    "name_en": "#loc+name+i_en",
    "name_ar": "#loc+name+i_ar",
    "level": "#meta+level",
    "parent": "#loc+code+parent",
    "lat": "#geo+lat",
    "lon": "#geo+lon",
    "valid_to": "#date+valid_to",
}
DELIVERY_TAGS = {
    "pcode": "#loc+code",
    "name_en": "#loc+name+i_en",
    "name_ar": "#loc+name+i_ar",
    "date": "#date",
    "date_start": "#date+start",
    "date_end": "#date+end",
    "status": "#status",
    "sector": "#sector",
    "reached": "#reached+ind",
    "households": "#reached+hh",
    "org_impl": "#org+impl",
    "org_reporting": "#org+reporting",
    "donor": "#org+funder",
    "activity": "#activity",
    "modality": "#delivery",
    "item": "#item+name",
    "quantity": "#item+num",
    "unit": "#item+unit",
    "value_usd": "#value+usd",
    "source": "#meta+source",
    "file_name": "#meta+file",
    "row_number": "#meta+row",
    "organisation": "#org+entered",
    "suppressed": "#meta+suppressed",
}
FIGURE_TAGS = {
    "pcode": "#loc+code",
    "name_en": "#loc+name+i_en",
    "name_ar": "#loc+name+i_ar",
    "indicator": "#indicator+code",
    "sector": "#sector",
    "date": "#date",
    "value": "#indicator+value+num",
    "gender": "#gender+code",
    "age": "#age+range",
    "population_group": "#population_group+code",
    "disability": "#is_disabled",
    "source": "#meta+source",
    "reliability": "#meta+reliability",
    "credibility": "#meta+credibility",
    "file_name": "#meta+file",
    "row_number": "#meta+row",
}


def _level(level: Level | None) -> int | None:
    return parse_level(level) if level else None


@router.get("/places", summary="Search places by P-code or English or Arabic name")
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
    found = search(tree, q, _level(level), parent_place)
    if as_of:
        found = [p for p in found if tree.active(p, as_of)]
    items = [place_dict(p, tree) for p in found[offset : offset + limit]]
    data = {"total": len(found), "limit": limit, "offset": offset, "items": items}
    return respond(request, fmt, data, _columns(list(PLACE_TAGS), PLACE_TAGS), items, "places")


@router.get("/places/{pcode}", summary="One place: parents, access, current figures")
def place(ctx: Ctx, pcode: str, as_of: AsOf = None) -> dict[str, Any]:
    tree = ctx.tree()
    when = default_as_of(ctx, as_of)
    return profile(ctx.store, pcode, when, tree).as_dict(tree, when)


@router.get("/places/{pcode}/children", summary="The places one level below")
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
    return respond(request, fmt, data, _columns(list(PLACE_TAGS), PLACE_TAGS), items, "children")


@router.get("/places/{pcode}/access", summary="A place's access history and status on a date")
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


def _place_ids(tree: PlaceTree, pcode: str | None) -> list[int] | None:
    return subtree_ids(tree, find(tree, pcode)) if pcode else None


@router.get("/figures", summary="Figures with their sources, newest first")
def figures(
    request: Request,
    ctx: Ctx,
    pcode: Annotated[str | None, Query(description="This place and the places below it.")] = None,
    indicator: Annotated[
        Literal["population", "inneed", "idps", "returnees", "besieged", "hard_to_reach"] | None,
        Query(),
    ] = None,
    sector: str | None = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    as_of: AsOf = None,
    limit: Limit = 100,
    offset: Offset = 0,
    fmt: FormatQ = None,
) -> Response:
    tree = ctx.tree()
    when = default_as_of(ctx, as_of)
    page = listing.figures(
        ctx.store,
        _place_ids(tree, pcode),
        indicator,
        normalise_sector(sector) if sector is not None else None,
        when,
        date_from,
        limit,
        offset,
    )
    data = _page(page, as_of=when.isoformat())
    items = data["items"]
    return respond(request, fmt, data, _columns(list(FIGURE_TAGS), FIGURE_TAGS), items, "figures")


@router.get("/places/{pcode}/figures", summary="Every figure of a place and below, with sources")
def place_figures(
    request: Request,
    ctx: Ctx,
    pcode: str,
    as_of: AsOf = None,
    limit: Limit = 100,
    offset: Offset = 0,
    fmt: FormatQ = None,
) -> Response:
    return figures(request, ctx, pcode, None, None, None, as_of, limit, offset, fmt)


@router.get("/access", summary="Access status of every place on a date")
def access(
    request: Request,
    ctx: Ctx,
    as_of: AsOf = None,
    status: Annotated[str | None, Query(description="accessible, hard_to_reach, besieged")] = None,
    level: Level | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
    fmt: FormatQ = None,
) -> Response:
    tree = ctx.tree()
    when = default_as_of(ctx, as_of)
    current = analysis.status_on(ctx.store, when)
    wanted = normalise_access(status) if status else None
    if status and wanted is None:
        return JSONResponse(
            {"error": f"status: unknown access status {status!r}", "status": 422}, 422
        )
    level_no = _level(level)
    rows = []
    for place_id, (row, since) in sorted(current.items(), key=lambda kv: tree.places[kv[0]].pcode):
        found = tree.places[place_id]
        if (wanted and row.status != wanted) or (level_no is not None and found.level != level_no):
            continue
        rows.append(
            {
                **place_dict(found, tree),
                "status": row.status,
                "party": row.party,
                "since": since.isoformat(),
                "valid_from": row.valid_from.isoformat(),
            }
        )
    items = sharing.public_table(
        auth.principal_of(request), "access", rows[offset : offset + limit], ctx.protocol
    )
    data = {
        "as_of": when.isoformat(),
        "total": len(rows),
        "limit": limit,
        "offset": offset,
        "items": items,
    }
    tags = {**PLACE_TAGS, "status": "#access", "party": "#group+besieging", "since": "#date+start"}
    keys = ["pcode", "name", "level", "status", "party", "since"]
    return respond(request, fmt, data, _columns(keys, tags), items, "access")


@router.get("/deliveries", summary="Deliveries (the 4W), filtered, newest first")
def deliveries(
    request: Request,
    ctx: Ctx,
    pcode: Annotated[str | None, Query(description="This place and the places below it.")] = None,
    organisation: Annotated[
        str | None, Query(description="Part of an implementing, reporting or donor name.")
    ] = None,
    sector: str | None = None,
    status: str | None = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    as_of: AsOf = None,
    limit: Limit = 100,
    offset: Offset = 0,
    fmt: FormatQ = None,
) -> Response:
    tree = ctx.tree()
    wanted_status = normalise_status(status) if status else None
    if status and wanted_status is None:
        return JSONResponse(
            {"error": f"status: unknown delivery status {status!r}", "status": 422}, 422
        )
    until = min(d for d in (date_to, as_of) if d) if (date_to or as_of) else None
    where = DeliveryFilter(
        place_ids=_place_ids(tree, pcode),
        organisation=organisation,
        sector=normalise_sector(sector) if sector else None,
        status=wanted_status,
        date_from=date_from,
        date_to=until,
    )
    # The policy's scope picks the rows seen in full; the protocol redacts the others.
    page = listing.deliveries(ctx.store, where, limit, offset, auth.scope_of(request))
    shown = sharing.view(auth.principal_of(request), "delivery", page.items, ctx.protocol)
    data = _page(Page(shown, page.total, page.limit, page.offset))
    export_format = wanted_format(request, fmt)
    auth.record_export(request, "delivery", shown, export_format)
    keys = _shown_keys(DELIVERY_TAGS, shown)
    rows = _flagged(data["items"])
    return respond(request, fmt, data, _columns(keys, DELIVERY_TAGS), rows, "deliveries")


def _shown_keys(tags: dict[str, str], rows: list[dict[str, Any]]) -> list[str]:
    """The columns of a download: those some row shows (redacted fields are in none)."""
    present = {k for row in rows for k in row}
    return [k for k in tags if k in present or not rows and k != "suppressed"]


def _flagged(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for CSV: the suppressed counts named in one cell, ``reached;households``."""
    return [
        {**r, "suppressed": ";".join(r["suppressed"])} if isinstance(r.get("suppressed"), list)
        else r
        for r in rows
    ]


@router.get("/places/{pcode}/deliveries", summary="Deliveries in a place and below it")
def place_deliveries(
    request: Request,
    ctx: Ctx,
    pcode: str,
    as_of: AsOf = None,
    limit: Limit = 100,
    offset: Offset = 0,
    fmt: FormatQ = None,
) -> Response:
    return deliveries(request, ctx, pcode, None, None, None, None, None, as_of, limit, offset, fmt)


@router.get("/situation", summary="The situation picture, per place and in total")
def situation(
    request: Request,
    ctx: Ctx,
    as_of: AsOf = None,
    window: Window = 30,
    level: Level = "adm1",
    sector: str | None = None,
    fmt: FormatQ = None,
    by: Annotated[
        Literal["gender", "age", "population-group"] | None,
        Query(description="Add people in need and population by this dimension beside each "
              "place's total (JSON: a disaggregation key)"),
    ] = None,
) -> Response:
    when = default_as_of(ctx, as_of)
    wanted = normalise_sector(sector) if sector else None
    result = ctx.situation(when, window, level, wanted)
    data: dict[str, Any] = result.as_dict()
    if by:
        from lagebild.analysis.disaggregation import by_place

        places = [(r.pcode, r.name) for r in result.places]
        if result.total is not None and result.total.pcode:
            places.append((result.total.pcode, result.total.name))
        data["disaggregation"] = {
            "by": by, "places": by_place(ctx.store, when, by, places, wanted or "")
        }
    rows = render.situation_rows(result)
    columns = render.situation_columns(result.level)
    principal = auth.principal_of(request)
    if sharing.sees_public_tables(principal):
        # The public sees small counts of people reached suppressed (security/protocol.yml).
        data["places"] = sharing.public_table(principal, "situation", data["places"], ctx.protocol)
        if data.get("total"):
            data["total"] = sharing.public_table(
                principal, "situation", [data["total"]], ctx.protocol
            )[0]
        rows = sharing.public_table(principal, "situation", rows, ctx.protocol)
        if any("suppressed" in r for r in rows):
            columns = [*columns, Col("suppressed", "Suppressed", "#meta+suppressed")]
            rows = _flagged(rows)
    return respond(request, fmt, data, columns, rows, "situation")


@router.get("/gaps", summary="Places ranked by gap: cut off first, then by coverage")
def gaps(
    request: Request,
    ctx: Ctx,
    as_of: AsOf = None,
    window: Window = 30,
    level: Level = "adm3",
    sector: str | None = None,
    limit: Annotated[int, Query(ge=1, le=50000)] = 1000,
    offset: Offset = 0,
    fmt: FormatQ = None,
    rank: Annotated[
        Literal["plain", "severity"],
        Query(description="plain (DESIGN.md) or severity (docs/severity.md)"),
    ] = "plain",
) -> Response:
    when = default_as_of(ctx, as_of)
    wanted = normalise_sector(sector) if sector else None
    result = ctx.gaps(when, window, level, wanted, rank)
    data = result.as_dict()
    total = len(result.places)
    page = data["places"][offset : offset + limit]  # type: ignore[index]
    # The public sees small counts suppressed (security/protocol.py).
    data["places"] = sharing.public_table(auth.principal_of(request), "gaps", page, ctx.protocol)
    data.update(total=total, limit=limit, offset=offset, cut_off=len(result.cut_off))
    rows = data["places"]
    columns = render.gap_columns(result.level, severity=rank == "severity")
    if any("suppressed" in r for r in rows):  # type: ignore[attr-defined]
        columns = [*columns, Col("suppressed", "Suppressed", "#meta+suppressed")]
        rows = _flagged(rows)  # type: ignore[arg-type]
    return respond(request, fmt, data, columns, rows, "gaps")  # type: ignore[arg-type]


@router.get("/trend", summary="People reached per month and sector")
def trend(
    request: Request,
    ctx: Ctx,
    as_of: AsOf = None,
    months: Annotated[int, Query(ge=1, le=120)] = 12,
    sector: str | None = None,
) -> dict[str, Any]:
    when = default_as_of(ctx, as_of)
    start = (when.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    rows = listing.monthly_reached(
        ctx.store, start, when, normalise_sector(sector) if sector else None
    )
    return {
        "as_of": when.isoformat(),
        "from": start.isoformat(),
        "items": sharing.public_table(
            auth.principal_of(request),
            "trend",
            [{"month": m, "sector": s, "reached": r, "deliveries": n} for m, s, r, n in rows],
            ctx.protocol,
        ),
    }


@router.get("/figures/conflicts", summary="Contradicting figures: 2+ sources, same month, apart")
def figure_conflicts(
    request: Request,
    ctx: Ctx,
    share: Annotated[float, Query(ge=0, lt=1, description="How far apart, of the larger.")] = 0.2,
    indicator: Annotated[
        Literal[
            "people_in_need",
            "population",
            "displaced",
            "returnees",
            "besieged",
            "hard_to_reach",
            "inneed",
            "idps",
        ]
        | None,
        Query(),
    ] = None,
    pcode: Annotated[str | None, Query(description="This place and the places below it.")] = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
    fmt: FormatQ = None,
) -> Response:
    from lagebild.analysis import trust

    found = trust.conflicts(ctx.store, share, indicator, pcode, date_from, date_to, ctx.tree())
    items = [c.as_dict() for c in found[offset : offset + limit]]
    data = {"share": share, "total": len(found), "limit": limit, "offset": offset, "items": items}
    rows = [
        {**value, "month": c["month"], "spread": c["spread"]["relative"]}  # type: ignore[index]
        for c in items
        for value in c["values"]  # type: ignore[attr-defined]
    ]
    tags = {**FIGURE_TAGS, "month": "#date+month", "spread": "#meta+spread", "grade": "#meta+grade"}
    keys = [
        "month",
        "spread",
        "pcode",
        "indicator",
        "sector",
        "date",
        "value",
        "source",
        "grade",
        "file_name",
        "row_number",
    ]
    return respond(request, fmt, data, _columns(keys, tags), rows, "conflicts")


@router.get("/explain", summary="The records behind a number of situation or gaps, and the rule")
def explain(
    ctx: Ctx,
    pcode: str,
    indicator: Literal[
        "people_in_need", "population", "displaced", "besieged", "hard_to_reach", "reached"
    ],
    as_of: AsOf = None,
    window: Window = 30,
    sector: str | None = None,
) -> dict[str, Any]:
    from lagebild.analysis import trust

    when = default_as_of(ctx, as_of)
    wanted = normalise_sector(sector) if sector else None
    return trust.explain(ctx.store, when, pcode, indicator, window, wanted, ctx.tree()).as_dict()


__all__ = ["UnknownPlace", "router"]
