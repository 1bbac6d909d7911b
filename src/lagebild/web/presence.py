"""Who does what where on the web: the page ``/presence`` and its API (``/api/presence``), its
map layer (``/api/map/presence``), and each organisation's page (``/organisations/{slug}``,
``/api/organisations/{slug}``): ``analysis.presence`` over the deliveries of the 4W
(activities reported) and the presence rows of a 3W (listed as present), the same result
``lagebild presence`` prints.

What a reader sees follows the sharing protocol (``security/protocol.yml``) as the deliveries
list does: organisations are named where the reader may see a delivery's ``org_impl`` (analysts
and admins every one, a partner those of its own organisation's imports, the public none; the
others are counted, not named), those a 3W lists where it may see the ``presence`` kind's
``org``, and the public sees small counts of people reached suppressed (the ``presence`` kind),
as in the situation.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from lagebild.analysis.presence import (
    OrganisationProfile,
    UnknownOrganisation,
    WhoDoesWhatWhere,
    organisation_names,
    organisation_profile,
    place_point,
    slug,
    who_does_what_where,
)
from lagebild.messages import N_, Message
from lagebild.model.presence import PresenceFilter
from lagebild.model.vocab import vocabulary
from lagebild.publish import tables
from lagebild.publish.geojson import PointCollection, points_collection
from lagebild.security import policy
from lagebild.security import protocol as sharing
from lagebild.store.presence import delivery_modalities
from lagebild.web import auth
from lagebild.web.context import (
    GEOJSON,
    GEOJSON_RESPONSE,
    Context,
    Ctx,
    FormatQ,
    FromQ,
    Level,
    PcodeQ,
    TextQ,
    ToQ,
    check_period,
    download,
    find_place,
    iso,
    known_sector,
    known_word,
    link,
    render_page,
)

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["who does what where"])

#: The levels the page offers.
PAGE_LEVELS = ("adm1", "adm2", "adm3", "adm4")
#: The colour of the map's organisation circles.
CIRCLE_COLOUR = "#1f5f99"

MonthQ = Annotated[
    str | None,
    Query(max_length=7, description="A month, YYYY-MM: the deliveries dated in it."),
]
OrganisationQ = Annotated[
    TextQ, Query(description="An implementing organisation's name (any case, the whole name).")
]
SectorQ = Annotated[TextQ, Query(description="A sector (food, health, wash, ...).")]
ModalityQ = Annotated[TextQ, Query(description="A modality (in_kind, cash, voucher, ...).")]
StatusQ = Annotated[TextQ, Query(description="planned, completed, partial, denied, cancelled.")]


# -- the filter and who sees which names ------------------------------------------------------


def names_for(
    request: Request, ctx: Context, kind: str = "delivery", field: str = "org_impl"
) -> str:
    """Whose organisations the reader sees by name (``analysis.presence.NAMES``): as the
    protocol lets it see the ``org_impl`` of others' deliveries and of its own (or, given
    ``presence`` and ``org``, the organisation of others' 3W rows and of its own)."""
    principal = auth.principal_of(request)
    needed = ctx.protocol.level(kind, field)
    if sharing.at_most(needed, policy.clearance(principal, False)):
        return "all"
    if sharing.at_most(needed, policy.clearance(principal, True)):
        return "own"
    return "none"


def listed_names_for(request: Request, ctx: Context) -> str:
    """Whose organisations the reader sees by name among those a 3W lists as present."""
    return names_for(request, ctx, "presence", "org")


def _month(month: str | None) -> tuple[date | None, date | None]:
    if not month:
        return None, None
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise HTTPException(
            422, Message(N_("month: %(month)s is not a month YYYY-MM"), {"month": repr(month)})
        ) from None
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return first, last


def _first_day(month: str) -> date:
    return date.fromisoformat(f"{month}-01")


def presence_filter(
    ctx: Context,
    names: str,
    organisation: str | None = None,
    sector: str | None = None,
    modality: str | None = None,
    status: str | None = None,
    month: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> PresenceFilter:
    """The filter of the parameters (empty ones are no filter); an unknown sector or status,
    or a month that is none, is a 422 naming the parameter. A reader who may not see every
    organisation's name asks by name among its own organisation's deliveries only, as the
    deliveries list does."""
    check_period(date_from, date_to)
    wanted_sector = known_sector(ctx, sector)
    wanted_status = known_word("status", status, "statuses", "delivery status")
    wanted_modality = None
    if modality:
        wanted_modality = vocabulary("modalities").code(modality) or modality.strip()
    first, last = _month(month)
    starts = [d for d in (date_from, first) if d]
    ends = [d for d in (date_to, last) if d]
    return PresenceFilter(
        organisation=organisation.strip() if organisation else None,
        sector=wanted_sector,
        modality=wanted_modality,
        status=wanted_status,
        date_from=max(starts) if starts else None,
        date_to=min(ends) if ends else None,
        own_only=bool(organisation) and names != "all",
    )


def _public(request: Request, ctx: Context, row: dict[str, Any]) -> dict[str, Any]:
    """A place's (or the total's) counts as the reader may see them, per sector too."""
    principal = auth.principal_of(request)
    [shown] = sharing.public_table(principal, "presence", [row], ctx.protocol)
    if "sectors" in shown:
        shown["sectors"] = {
            s: sharing.public_table(principal, "presence", [cell], ctx.protocol)[0]
            for s, cell in shown["sectors"].items()
        }
    return shown


def presence_result(
    request: Request, ctx: Context, where: PresenceFilter, pcode: str | None, level: str | None
) -> WhoDoesWhatWhere:
    """``who_does_what_where`` for the reader (its scope and names), kept per data version."""
    names = names_for(request, ctx)
    listed = listed_names_for(request, ctx)
    scope = auth.scope_of(request)
    place = find_place(ctx, pcode)
    key = ("presence", where, place.pcode if place else None, level, scope, names, listed)
    return ctx.cached(  # type: ignore[no-any-return]
        key,
        lambda: who_does_what_where(
            ctx.store,
            where,
            place.pcode if place else None,
            level,
            scope,
            names,
            ctx.tree(),
            listed_names=listed,
        ),
    )


def presence_view(request: Request, ctx: Context, result: WhoDoesWhatWhere) -> dict[str, Any]:
    """The result as ``/api/presence`` gives it: small counts of people reached suppressed for
    the public."""
    data = result.as_dict()
    data["total"] = _public(request, ctx, data["total"])
    data["places"] = [_public(request, ctx, p) for p in data["places"]]
    data["organisations"] = [_public(request, ctx, o) for o in data["organisations"]]
    return data


def presence_rows(request: Request, ctx: Context, result: WhoDoesWhatWhere) -> list[dict[str, Any]]:
    """The download's rows (``tables.who_does_what_where_columns``), as the reader may see
    them."""
    principal = auth.principal_of(request)
    return sharing.public_table(principal, "presence", result.rows(), ctx.protocol)


def presence_layer(request: Request, ctx: Context, result: WhoDoesWhatWhere) -> PointCollection:
    """The places of the result as points (their own, else the middle of the points below
    them) with how many organisations work there, for the map."""
    tree = ctx.tree()
    points: list[tuple[dict[str, object], float | None, float | None]] = []
    shown = presence_view(request, ctx, result)["places"]
    for row, found in zip(shown, result.places, strict=True):
        place = tree.get(found.pcode)
        lat, lon = place_point(tree, place.id) if place else (None, None)
        properties = {
            k: row[k]
            for k in ("pcode", "name", "name_ar", "organisations", "activities", "reached",
                      "names", "unnamed", "suppressed")
            if k in row
        }  # fmt: skip
        points.append((properties, lat, lon))
    meta = {"level": result.level, "organisations": result.total.all.organisations}
    return points_collection(points, meta)


# -- the API ----------------------------------------------------------------------------------


@api_router.get("/presence", summary="Who does what where: organisations per place and sector")
def api_presence(
    request: Request,
    ctx: Ctx,
    pcode: PcodeQ = None,
    level: Annotated[
        Level | None,
        Query(description="One row per place of this level (default: governorates, or the "
              "level below pcode)."),
    ] = None,
    organisation: OrganisationQ = None,
    sector: SectorQ = None,
    modality: ModalityQ = None,
    status: StatusQ = None,
    month: MonthQ = None,
    date_from: FromQ = None,
    date_to: ToQ = None,
    fmt: FormatQ = None,
) -> Response:
    """Per place of ``level`` and per sector: how many organisations reported activities (the
    4W) or are listed as present (a 3W's rows dated in the period or undated; none under a
    filter by modality or status): ``organisations`` counts both, ``reported`` and ``listed``
    each; how many activities (4W rows, of any status the filter lets through) and people
    reached (by the completed and partial ones; a listing counts neither); in total, and per
    organisation (``source``: activities reported, listed as present, or both).
    Organisations the reader may not see by name (``security/protocol.yml``: a delivery's
    ``org_impl``, a 3W row's ``org``) are counted in ``unnamed``. CSV and HXL: one row per
    place, sector and organisation, with the hashtags of HDX's 3W and its source."""
    names = names_for(request, ctx)
    where = presence_filter(
        ctx, names, organisation, sector, modality, status, month, date_from, date_to
    )
    result = presence_result(request, ctx, where, pcode, level)
    data = presence_view(request, ctx, result)
    columns = tables.with_suppressed(tables.who_does_what_where_columns(result.level))
    rows = presence_rows(request, ctx, result)
    return download(request, fmt, "presence", data, columns, rows, "presence")


@api_router.get(
    "/map/presence",
    summary="Who does what where as GeoJSON points: organisations per place",
    response_class=Response,
    responses=GEOJSON_RESPONSE,
)
def api_map_presence(
    request: Request,
    ctx: Ctx,
    pcode: PcodeQ = None,
    level: Level | None = None,
    organisation: OrganisationQ = None,
    sector: SectorQ = None,
    modality: ModalityQ = None,
    status: StatusQ = None,
    month: MonthQ = None,
    date_from: FromQ = None,
    date_to: ToQ = None,
) -> Response:
    """The places of ``/api/presence`` as points: each place's own, else the middle of the
    points below it (a governorate's communities); places with neither are counted in
    ``without_location``."""
    where = presence_filter(
        ctx, names_for(request, ctx), organisation, sector, modality, status, month, date_from,
        date_to,
    )  # fmt: skip
    result = presence_result(request, ctx, where, pcode, level)
    return Response(presence_layer(request, ctx, result).text, media_type=GEOJSON)


def _profile(
    request: Request, ctx: Context, name_slug: str, where: PresenceFilter
) -> OrganisationProfile:
    """The organisation of an address, as the reader may see it; a 404 when none of the
    deliveries it may see names it."""
    names = names_for(request, ctx)
    listed = listed_names_for(request, ctx)
    scope = auth.scope_of(request)
    known = ctx.cached(
        ("organisation_names", scope, names, listed),
        lambda: organisation_names(ctx.store, scope, names, listed),
    )
    wanted = slug(name_slug)
    found = [n for n in known if slug(n) == wanted]
    if not found:
        raise HTTPException(
            404,
            Message(
                N_("no organisation %(name)s among the deliveries and the 3W"),
                {"name": repr(name_slug)},
            ),
        )
    try:
        return ctx.cached(  # type: ignore[no-any-return]
            ("organisation", found[0], where, scope, names, listed),
            lambda: organisation_profile(
                ctx.store, found[0], where, scope, names, ctx.tree(), listed
            ),
        )
    except UnknownOrganisation as exc:
        raise HTTPException(404, exc.words) from exc  # said in the request's language


def profile_layer(request: Request, ctx: Context, profile: OrganisationProfile) -> PointCollection:
    """The places an organisation's deliveries or listings name, at the level they name (a
    community, a district), as points with its activities and people reached there."""
    tree = ctx.tree()
    points: list[tuple[dict[str, object], float | None, float | None]] = []
    for row in profile_view(request, ctx, profile)["places"]:
        place = tree.get(row["pcode"])
        lat, lon = place_point(tree, place.id) if place else (None, None)
        properties = {
            k: row[k]
            for k in ("pcode", "name", "name_ar", "activities", "reached", "source", "suppressed")
            if k in row
        }
        points.append(({**properties, "organisations": 1}, lat, lon))
    return points_collection(points, {"level": "places", "organisations": 1})


def profile_view(request: Request, ctx: Context, profile: OrganisationProfile) -> dict[str, Any]:
    data = profile.as_dict()
    principal = auth.principal_of(request)
    [head] = sharing.public_table(principal, "presence", [data], ctx.protocol)
    for key in ("governorates", "places"):
        head[key] = [_public(request, ctx, p) for p in data[key]]
    head["months"] = [
        {**m, "sectors": {s: sharing.public_table(principal, "presence", [c], ctx.protocol)[0]
                          for s, c in m["sectors"].items()}}
        for m in data["months"]
    ]  # fmt: skip
    return head


@api_router.get("/organisations/{name}", summary="One organisation: where it works, what it did")
def api_organisation(
    request: Request,
    ctx: Ctx,
    name: str,
    sector: SectorQ = None,
    month: MonthQ = None,
    date_from: FromQ = None,
    date_to: ToQ = None,
) -> Response:
    """An implementing organisation by its name or the slug of its page (``sarc``,
    ``syrian-arab-red-crescent``): its activities and people reached in total, per governorate,
    per place its deliveries name and per month and sector. A 404 for a name no delivery the
    reader may see names (a partner sees its own organisation's, the public none)."""
    where = presence_filter(
        ctx, "all", None, sector, None, None, month, date_from, date_to
    )
    profile = _profile(request, ctx, name, where)
    return JSONResponse(profile_view(request, ctx, profile))


@api_router.get(
    "/map/organisations/{name}",
    summary="One organisation's places as GeoJSON points",
    response_class=Response,
    responses=GEOJSON_RESPONSE,
)
def api_map_organisation(
    request: Request,
    ctx: Ctx,
    name: str,
    sector: SectorQ = None,
    month: MonthQ = None,
    date_from: FromQ = None,
    date_to: ToQ = None,
) -> Response:
    """The places of ``/api/organisations/{name}`` (each place its deliveries or a 3W's
    listings name) as points: a place's own, else the middle of the points below it."""
    where = presence_filter(ctx, "all", None, sector, None, None, month, date_from, date_to)
    profile = _profile(request, ctx, name, where)
    return Response(profile_layer(request, ctx, profile).text, media_type=GEOJSON)


# -- the pages --------------------------------------------------------------------------------


def _choices(ctx: Context, request: Request) -> dict[str, Any]:
    everything = presence_result(request, ctx, PresenceFilter(), None, None)
    return {
        "months": everything.months,
        "sectors": ctx.sectors(),
        "modalities": ctx.cached(("modalities",), lambda: delivery_modalities(ctx.store)),
        "statuses": ("completed", "partial", "planned", "denied", "cancelled"),
        "organisations": sorted(everything.organisations),
    }


@router.get("/presence", response_class=HTMLResponse)
def presence_page(
    request: Request,
    ctx: Ctx,
    pcode: PcodeQ = None,
    level: Annotated[str | None, Query(max_length=8)] = None,
    organisation: OrganisationQ = None,
    sector: SectorQ = None,
    modality: ModalityQ = None,
    status: StatusQ = None,
    month: MonthQ = None,
) -> Response:
    """The page: filters, key figures, the matrix of places and sectors, the organisations and
    the map. Empty choices are no filter."""
    if level and level not in PAGE_LEVELS:
        raise HTTPException(
            422, Message(N_("level: unknown level %(level)s"), {"level": repr(level)})
        )
    names = names_for(request, ctx)
    where = presence_filter(ctx, names, organisation, sector, modality, status, month)
    result = presence_result(request, ctx, where, pcode or None, level or None)
    data = presence_view(request, ctx, result)
    params = {
        "pcode": result.place, "level": level, "organisation": where.organisation,
        "sector": sector, "modality": modality, "status": status, "month": month,
    }  # fmt: skip
    return render_page(
        request,
        "presence.html",
        data=data,
        result=result,
        place=find_place(ctx, pcode or None),
        levels=PAGE_LEVELS,
        chosen={k: v or "" for k, v in params.items()},
        choices=_choices(ctx, request),
        names=names,
        place_of=ctx.tree().get,
        slug=slug,
        downloads={
            fmt: link("/api/presence", {**params, "format": fmt}) for fmt in ("csv", "hxl")
        },
        layer=presence_layer(request, ctx, result),
        map_url=link("/api/map/presence", params),
        circle_colour=CIRCLE_COLOUR,
        threshold=ctx.protocol.threshold,
        month_of=_first_day,
    )


@router.get("/organisations/{name}", response_class=HTMLResponse)
def organisation_page(
    request: Request,
    ctx: Ctx,
    name: str,
    sector: SectorQ = None,
    month: MonthQ = None,
) -> Response:
    where = presence_filter(ctx, "all", None, sector, None, None, month)
    profile = _profile(request, ctx, name, where)
    data = profile_view(request, ctx, profile)
    tree = ctx.tree()
    layer = profile_layer(request, ctx, profile)
    return render_page(
        request,
        "organisation.html",
        data=data,
        profile=profile,
        chosen={"sector": sector or "", "month": month or ""},
        sectors=ctx.sectors(),
        months=sorted({m["month"] for m in data["months"]}),
        layer=layer,
        map_url=link(
            f"/api/map/organisations/{data['slug']}", {"sector": sector, "month": month}
        ),
        circle_colour=CIRCLE_COLOUR,
        threshold=ctx.protocol.threshold,
        month_of=_first_day,
        place_of=tree.get,
        deliveries_csv=link(
            "/api/deliveries",
            {"organisation": profile.name, "format": "csv", "limit": 5000,
             "from": iso(where.date_from), "to": iso(where.date_to), "sector": where.sector},
        ),  # fmt: skip
        presence_link=link("/presence", {"organisation": profile.name}),
    )
