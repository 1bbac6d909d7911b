"""Conflict incidents on the web: the page ``/incidents``, its API (``/api/incidents``,
``/api/incidents/summary``, ``/api/incidents/counted``) and the map's layer
(``/api/map/incidents``), the numbers of ``lagebild incidents [--list | --counted]``: the same
library functions. What a reader sees follows the sharing protocol (``security/protocol.yml``):
records through ``protocol.view`` (exact coordinates and notes), the summary and the counts other
sources made through ``protocol.public_table``, map points through ``protocol.coordinates``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from lagebild.analysis.incidents import (
    counted_at,
    event_count_dict,
    incident_dict,
    incident_summary,
    whole_month,
)
from lagebild.analysis.place import subtree_ids
from lagebild.model import Place
from lagebild.model.incidents import IncidentRow
from lagebild.model.vocab import vocabulary
from lagebild.publish import tables
from lagebild.publish.geojson import PointCollection, points_collection
from lagebild.publish.words import PLACED_BY_WORDS
from lagebild.security import policy
from lagebild.security import protocol as sharing
from lagebild.store.incidents import incident_count, incident_list, incident_totals
from lagebild.web import auth
from lagebild.web.context import (
    EARLIEST,
    GEOJSON,
    GEOJSON_RESPONSE,
    PER_PAGE,
    Context,
    Ctx,
    FormatQ,
    FromQ,
    Level,
    Limit,
    Offset,
    PcodeQ,
    TextQ,
    ToQ,
    check_period,
    default_as_of,
    download,
    find_place,
    iso,
    link,
    pager,
    refuse_value,
    war_page,
)

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["convoys, incidents and damage"])
#: The map's layer, included after the routes of damage (the order of the API's description).
map_router = APIRouter(prefix="/api", tags=["convoys, incidents and damage"])

#: The map's incident layer: the days up to the map's date when no start is given.
MAP_DAYS = 30

#: Rows of the counts other sources made per page of ``/incidents``.
COUNTED_PER_PAGE = 50

PlacedBy = Literal["pcode", "polygon", "nearest", "name", "none"]

def _incident_totals(ctx: Context, date_from: date | None, date_to: date | None) -> list[Any]:
    return ctx.cached(  # type: ignore[no-any-return]
        ("incident_totals", date_from, date_to),
        lambda: incident_totals(ctx.store, date_from, date_to),
    )


def incident_page(
    ctx: Context,
    place: Place | None,
    date_from: date | None,
    date_to: date | None,
    event_type: str | None,
    placed_by: str | None,
    limit: int,
    offset: int,
) -> tuple[list[IncidentRow], int]:
    """One page of the incidents, newest first, and how many there are in all; every filter
    applied by the store."""
    ids = subtree_ids(ctx.tree(), place) if place else None
    unplaced = placed_by == "none"
    if unplaced and place is not None:
        return [], 0  # an event no place holds is below no place
    method = None if unplaced else placed_by
    rows = incident_list(
        ctx.store, ids, date_from, date_to, unplaced=unplaced, limit=limit, offset=offset,
        newest_first=True, event_type=event_type, placed_by=method,
    )  # fmt: skip
    total = incident_count(
        ctx.store, ids, date_from, date_to, unplaced=unplaced, event_type=event_type,
        placed_by=method,
    )  # fmt: skip
    return rows, total


def incident_view(request: Request, ctx: Context, rows: list[IncidentRow]) -> list[dict[str, Any]]:
    """Incidents as ``lagebild incidents --list --format json`` gives them, as the reader may
    see them: exact coordinates rounded, notes, sources and files withheld from the public."""
    tree = ctx.tree()
    found = [incident_dict(r, tree) for r in rows]
    return sharing.view(auth.principal_of(request), "incident", found, ctx.protocol)


def incident_summary_view(
    request: Request,
    ctx: Context,
    place: Place | None,
    date_from: date | None,
    date_to: date | None,
    level: str | None,
) -> dict[str, Any]:
    """``lagebild incidents --format json`` as the reader may see it (small fatality counts
    suppressed for the public)."""
    check_period(date_from, date_to)
    pcode = place.pcode if place else None
    summary = ctx.cached(
        ("incident_summary", pcode, date_from, date_to, level),
        lambda: incident_summary(ctx.store, pcode, date_from, date_to, level),
    )
    data = summary.as_dict()
    principal = auth.principal_of(request)
    data["places"] = sharing.public_table(
        principal, "incident_summary", data["places"], ctx.protocol
    )
    [data["total"]] = sharing.public_table(
        principal, "incident_summary", [data["total"]], ctx.protocol
    )
    return data


def sees_count_sources(request: Request, ctx: Context) -> bool:
    """Whether the reader sees who counted events: the incidents' sources, as the protocol
    gives them (the HDX export names them alike)."""
    clearance = policy.clearance(auth.principal_of(request), own=False)
    return sharing.at_most(ctx.protocol.level("incident", "source"), clearance)


def counted_view(
    request: Request,
    ctx: Context,
    place: Place | None,
    date_from: date | None,
    date_to: date | None,
) -> list[dict[str, Any]]:
    """``lagebild incidents --counted --format json``'s counts (HDX HAPI's conflict events,
    imported) as the reader may see them: small fatality counts suppressed for the public, as in
    the incidents' summary; sources left out for those who do not see the incidents' sources."""
    check_period(date_from, date_to)
    pcode = place.pcode if place else None

    def compute() -> list[dict[str, Any]]:
        tree, found = counted_at(ctx.store, pcode, date_from, date_to, ctx.tree())
        return [event_count_dict(c, tree) for c in found]

    rows = ctx.cached(("event_counts", pcode, date_from, date_to), compute)
    shown = sharing.public_table(auth.principal_of(request), "incident_summary", rows,
                                 ctx.protocol)  # fmt: skip
    if not sees_count_sources(request, ctx):
        for row in shown:
            row.pop("source", None)
    return shown


def counted_page_rows(rows: list[dict[str, Any]], limit: int, offset: int) -> list[dict[str, Any]]:
    """One page of the counts for ``/incidents``: the newest period first, then by place and
    type; each with its period as dates (``month``: the first day of a whole calendar month)."""
    ordered = sorted(rows, key=lambda r: (r["pcode"] or "", r["event_type"]))
    ordered.sort(key=lambda r: (r["date_start"], r["date_end"]), reverse=True)
    page = []
    for row in ordered[offset : offset + limit]:
        start, end = date.fromisoformat(row["date_start"]), date.fromisoformat(row["date_end"])
        month = start if whole_month(start, end) else None
        page.append({**row, "start": start, "end": end, "month": month})
    return page


def _incident_summary_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for counts in [*data["places"], data["total"]]:
        row = dict(counts)
        if counts is data["total"]:
            row["pcode"] = f"{counts['pcode']} (total)".strip()
        row.update({f"type:{t}": counts["by_type"].get(t, 0) for t in data["event_types"]})
        rows.append(row)
    return rows


def event_types(ctx: Context) -> list[str]:
    """The event types of every stored incident, for the page's choice."""
    return sorted({t.event_type for t in _incident_totals(ctx, None, None) if t.event_type})


def known_event_type(ctx: Context, event_type: str | None) -> str | None:
    """The event type a query names, None without one: a word of the shipped list
    (``clashes`` -> Battles) or a type the stored incidents have (any case); anything else is a
    422 listing the types."""
    if not event_type:
        return None
    found = vocabulary("event_types").code(event_type)
    if found is not None:
        return found
    stored = event_types(ctx)
    for known in stored:
        if known.casefold() == event_type.strip().casefold():
            return known
    shipped = list(vocabulary("event_types").codes)
    refuse_value(
        "event_type", event_type, [*shipped, *sorted(set(stored) - set(shipped))], "event type"
    )


def incident_layer(
    request: Request, ctx: Context, date_from: date, date_to: date
) -> PointCollection:
    """The incidents of the period as points: at their own coordinates as the protocol lets the
    reader see them (rounded for the public), else at their place's point. Events no place
    holds are left off and counted (``unplaced``)."""
    principal = auth.principal_of(request)
    clearance = policy.clearance(principal, False)

    def compute() -> PointCollection:
        tree = ctx.tree()
        points: list[tuple[dict[str, object], float | None, float | None]] = []
        unplaced = 0
        for row in incident_list(ctx.store, None, date_from, date_to):
            if row.place_id is None:
                unplaced += 1
                continue
            [shown] = sharing.view(principal, "incident", [incident_dict(row, tree)], ctx.protocol)
            lat, lon = sharing.coordinates(
                principal, "incident", row.lat, row.lon, protocol=ctx.protocol
            )
            shown["located"] = "event" if lat is not None and lon is not None else "place"
            if shown["located"] == "place":
                place = tree.places[row.place_id]
                lat, lon = place.lat, place.lon
            shown.pop("lat", None)
            shown.pop("lon", None)
            points.append((shown, lat, lon))
        meta = {
            "from": date_from.isoformat(),
            "to": date_to.isoformat(),
            "coordinates": "exact" if clearance != "public" else "rounded",
            "events": len(points) + unplaced,
        }
        return points_collection(points, meta, {"unplaced": unplaced})

    return ctx.cached(  # type: ignore[no-any-return]
        ("incident_layer", date_from, date_to, clearance), compute
    )


@api_router.get("/incidents", summary="Conflict incidents, newest first, and how each was placed")
def api_incidents(
    request: Request,
    ctx: Ctx,
    pcode: PcodeQ = None,
    date_from: FromQ = None,
    date_to: ToQ = None,
    event_type: Annotated[TextQ, Query(description="ACLED's event type, e.g. Battles.")] = None,
    placed_by: Annotated[
        PlacedBy | None, Query(description="How the event was placed; none: not placed.")
    ] = None,
    limit: Limit = PER_PAGE,
    offset: Offset = 0,
    fmt: FormatQ = None,
) -> Response:
    """The events of ``lagebild incidents --list`` in a place and below, newest first. For the
    public, exact coordinates are rounded and notes, sources and files withheld
    (``security/protocol.yml``)."""
    check_period(date_from, date_to)
    place = find_place(ctx, pcode)
    rows, total = incident_page(
        ctx, place, date_from, date_to, known_event_type(ctx, event_type), placed_by, limit,
        offset,
    )
    items = incident_view(request, ctx, rows)
    data = {
        "place": place.pcode if place else None,
        "from": date_from.isoformat() if date_from else None,
        "to": date_to.isoformat() if date_to else None,
        "total": total,
        "limit": limit,
        "offset": offset,
        "incidents": items,
    }
    columns = tables.with_suppressed(tables.INCIDENTS)
    return download(request, fmt, "incident", data, columns, items, "incidents")


@api_router.get(
    "/incidents/summary", summary="Incidents per place: events by type, fatalities, attacks on aid"
)
def api_incident_summary(
    request: Request,
    ctx: Ctx,
    pcode: PcodeQ = None,
    date_from: FromQ = None,
    date_to: ToQ = None,
    level: Annotated[
        Level | None,
        Query(description="One row per place of this level (default: governorates, or the "
              "level below pcode)."),
    ] = None,
    fmt: FormatQ = None,
) -> Response:
    """``lagebild incidents``: rolled up the P-code tree; events no place holds count in the
    total only (``unplaced``)."""
    data = incident_summary_view(request, ctx, find_place(ctx, pcode), date_from, date_to, level)
    columns = tables.with_suppressed(
        tables.incident_summary_columns(data["level"], data["event_types"])
    )
    rows = _incident_summary_rows(data)
    return download(request, fmt, "incident_summary", data, columns, rows, "incident-summary")


@api_router.get(
    "/incidents/counted",
    summary="Conflict events other sources counted per place, period and type (HDX HAPI's)",
)
def api_incidents_counted(
    request: Request,
    ctx: Ctx,
    pcode: PcodeQ = None,
    date_from: Annotated[
        date | None,
        Query(alias="from", ge=EARLIEST, description="Periods starting on or after this date."),
    ] = None,
    date_to: Annotated[
        date | None,
        Query(alias="to", ge=EARLIEST, description="Periods ending on or before this date."),
    ] = None,
    fmt: FormatQ = None,
) -> Response:
    """``lagebild incidents --counted``: the counts of conflict events another source made
    (HDX HAPI's conflict events, imported) in a place and below it, each with its period, HAPI's
    event type (political_violence, civilian_targeting, demonstration) and its source. They are
    kept apart: never added to the incidents, which may be the same events. For the public,
    small fatality counts are suppressed and sources left out (``security/protocol.yml``)."""
    place = find_place(ctx, pcode)
    rows = counted_view(request, ctx, place, date_from, date_to)
    data = {"place": place.pcode if place else None, "counts": rows}
    columns = tables.with_suppressed(tables.EVENT_COUNT_LIST)
    return download(request, fmt, "incident", data, columns, rows, "counted-events")


@map_router.get(
    "/map/incidents",
    summary="Incidents of a period as GeoJSON points for the map",
    response_class=Response,
    responses=GEOJSON_RESPONSE,
)
def api_map_incidents(
    request: Request, ctx: Ctx, date_from: FromQ = None, date_to: ToQ = None
) -> Response:
    """The incidents dated from ``from`` (default: 30 days up to ``to``) to ``to`` (default: the
    end of the data), each a point with the incident's fields as the reader may see them. Its
    coordinates are the event's, rounded to the protocol's grid for the public
    (``coordinates``: exact or rounded), else its place's (``located``: place). Events no place
    holds are left off and counted in ``unplaced``; placed ones without any point in
    ``without_location``."""
    until = default_as_of(ctx, date_to)
    start = date_from or until - timedelta(days=MAP_DAYS - 1)
    check_period(start, until)
    found = incident_layer(request, ctx, start, until)
    return Response(found.text, media_type=GEOJSON)


@router.get("/incidents", response_class=HTMLResponse)
def incidents_page(
    request: Request,
    ctx: Ctx,
    pcode: PcodeQ = None,
    date_from: FromQ = None,
    date_to: ToQ = None,
    event_type: TextQ = None,
    placed_by: PlacedBy | None = None,
    level: Level | None = None,
    offset: Offset = 0,
    counted_offset: Offset = 0,
) -> Response:
    check_period(date_from, date_to)
    place = find_place(ctx, pcode)
    limit = PER_PAGE
    rows, total = incident_page(
        ctx, place, date_from, date_to, known_event_type(ctx, event_type), placed_by, limit,
        offset,
    )
    summary = incident_summary_view(request, ctx, place, date_from, date_to, level)
    filters = {
        "pcode": place.pcode if place else None,
        "from": iso(date_from),
        "to": iso(date_to),
    }
    list_params = {**filters, "event_type": event_type, "placed_by": placed_by}
    counted = counted_view(request, ctx, place, date_from, date_to)
    page_params = {**list_params, "level": level}
    return war_page(
        request,
        "incidents.html",
        place=place,
        date_from=date_from,
        date_to=date_to,
        event_type=event_type or "",
        event_types=event_types(ctx),
        placed_by=placed_by or "",
        placing=list(PLACED_BY_WORDS),
        level=level or "",
        levels=("adm1", "adm2", "adm3", "adm4"),
        incidents=incident_view(request, ctx, rows),
        incidents_total=total,
        offset=offset,
        summary=summary,
        place_of=ctx.tree().get,
        sees_detail=policy.may(auth.principal_of(request), policy.SEE_DETAIL),
        downloads={
            fmt: link("/api/incidents", {**list_params, "limit": limit, "offset": offset,
                                         "format": fmt})
            for fmt in ("csv", "hxl")
        },
        summary_downloads={
            fmt: link("/api/incidents/summary", {**filters, "level": level, "format": fmt})
            for fmt in ("csv", "hxl")
        },
        pages=pager(
            "/incidents", {**page_params, "counted_offset": counted_offset or None}, offset,
            limit, total,
        ),  # fmt: skip
        counted=counted_page_rows(counted, COUNTED_PER_PAGE, counted_offset),
        counted_total=len(counted),
        counted_offset=counted_offset,
        counted_sources=sees_count_sources(request, ctx),
        counted_downloads={
            fmt: link("/api/incidents/counted", {**filters, "format": fmt})
            for fmt in ("csv", "hxl")
        },
        counted_pages=pager(
            "/incidents", {**page_params, "offset": offset or None}, counted_offset,
            COUNTED_PER_PAGE, len(counted), key="counted_offset", anchor="#counted",
        ),  # fmt: skip
    )
