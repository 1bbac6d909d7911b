"""Damage on the web: the page ``/damage``, its API (``/api/damage``, ``/api/damage/changes``)
and the map's layer (``/api/map/damage``), the numbers of ``lagebild damage [--changes]``: the
same library functions, as the sharing protocol (``security/protocol.yml``) lets the reader see
them (``protocol.public_table``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from lagebild.analysis.damage import DamageBook, damage, damage_changes
from lagebild.model import Place, level_name, parse_level
from lagebild.publish import render, tables
from lagebild.publish.geojson import PointCollection, points_collection
from lagebild.publish.words import UNIT_WORDS
from lagebild.security import policy
from lagebild.security import protocol as sharing
from lagebild.web import auth
from lagebild.web.context import (
    GEOJSON,
    GEOJSON_RESPONSE,
    AsOf,
    Context,
    Ctx,
    FormatQ,
    Level,
    PcodeQ,
    default_as_of,
    download,
    find_place,
    link,
    war_page,
)

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["convoys, incidents and damage"])
#: The map's layer, included last (the order of the API's description).
map_router = APIRouter(prefix="/api", tags=["convoys, incidents and damage"])

Unit = Literal["buildings", "houses"]


def damage_view(
    request: Request,
    ctx: Context,
    as_of: date,
    level: str,
    place: Place | None,
    unit: str | None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``lagebild damage --format json`` and its rows (the national totals last)."""
    pcode = place.pcode if place else None
    result = ctx.cached(
        ("damage", as_of, level, pcode, unit),
        lambda: damage(ctx.store, as_of, parse_level(level), pcode, unit, ctx.tree()),
    )
    principal = auth.principal_of(request)
    data = result.as_dict()
    data["places"] = sharing.public_table(principal, "damage", data["places"], ctx.protocol)
    rows = sharing.public_table(principal, "damage", render.damage_rows(result), ctx.protocol)
    return data, rows


def damage_changes_view(
    request: Request,
    ctx: Context,
    as_of: date,
    level: str,
    place: Place | None,
    unit: str | None,
) -> dict[str, Any]:
    """``lagebild damage --changes --format json``."""
    pcode = place.pcode if place else None
    found = ctx.cached(
        ("damage_changes", as_of, level, pcode, unit),
        lambda: damage_changes(ctx.store, as_of, parse_level(level), pcode, unit, ctx.tree()),
    )
    rows = [c.as_dict() for c in found]
    return {
        "as_of": as_of.isoformat(),
        "level": level,
        "unit": unit,
        "changes": sharing.public_table(
            auth.principal_of(request), "damage", rows, ctx.protocol
        ),
    }


def damage_layer(request: Request, ctx: Context, as_of: date) -> PointCollection:
    """Each place's own current damage assessment on ``as_of`` (per unit) at the place's point,
    with its shares of the national total."""
    principal = auth.principal_of(request)
    public = policy.sees_public_tables(principal)

    def compute() -> PointCollection:
        tree = ctx.tree()
        book = DamageBook.load(ctx.store, tree, as_of)
        rows: list[dict[str, Any]] = []
        where: list[tuple[float | None, float | None]] = []
        for unit in book.units:
            values = book.rolled(unit, as_of)
            national = book.national(values)
            for place_id in sorted(book.current(unit, as_of)):
                place, value = tree.places[place_id], values[place_id]
                rows.append(
                    {
                        "pcode": place.pcode,
                        "name": place.name("en"),
                        "name_ar": place.name_ar,
                        "level": level_name(place.level),
                        "unit": unit,
                        **value.counts(),
                        "share_destroyed": value.destroyed / national.destroyed
                        if national and national.destroyed
                        else None,
                        "share_total": value.total / national.total
                        if national and national.total
                        else None,
                        "date": value.date.isoformat() if value.date else None,
                        "basis": value.basis,
                    }
                )
                where.append((place.lat, place.lon))
        shown = sharing.public_table(principal, "damage", rows, ctx.protocol)
        meta = {"as_of": as_of.isoformat(), "places": len(rows)}
        return points_collection(
            [(row, lat, lon) for row, (lat, lon) in zip(shown, where, strict=True)], meta
        )

    return ctx.cached(("damage_layer", as_of, public), compute)  # type: ignore[no-any-return]


@api_router.get("/damage", summary="Damage by place and its share of the national total")
def api_damage(
    request: Request,
    ctx: Ctx,
    as_of: AsOf = None,
    level: Level = "adm1",
    pcode: PcodeQ = None,
    unit: Annotated[Unit | None, Query(description="Only this unit (default: each).")] = None,
    fmt: FormatQ = None,
) -> Response:
    """``lagebild damage``: each place's current damage (destroyed, severe, moderate, possible;
    damage total = destroyed + severe + moderate) and its shares of the national total."""
    when = default_as_of(ctx, as_of)
    data, rows = damage_view(request, ctx, when, level, find_place(ctx, pcode), unit)
    return download(
        request, fmt, "damage", data, tables.damage_columns(level), rows, "damage"
    )


@api_router.get("/damage/changes", summary="Damage: the change between successive assessments")
def api_damage_changes(
    request: Request,
    ctx: Ctx,
    as_of: AsOf = None,
    level: Level = "adm1",
    pcode: PcodeQ = None,
    unit: Annotated[Unit | None, Query(description="Only this unit (default: each).")] = None,
    fmt: FormatQ = None,
) -> Response:
    """``lagebild damage --changes``: each place's damage on each assessment date up to
    ``as_of`` and the change from the one before."""
    when = default_as_of(ctx, as_of)
    data = damage_changes_view(request, ctx, when, level, find_place(ctx, pcode), unit)
    columns = tables.damage_change_columns(level)
    return download(request, fmt, "damage", data, columns, data["changes"], "damage-changes")


@map_router.get(
    "/map/damage",
    summary="Each place's current damage as GeoJSON points for the map",
    response_class=Response,
    responses=GEOJSON_RESPONSE,
)
def api_map_damage(request: Request, ctx: Ctx, as_of: AsOf = None) -> Response:
    """Every place with a damage assessment of its own on or before ``as_of``: its current
    damage per unit and its shares of the national total, at the place's point (places
    without one are counted in ``without_location``)."""
    found = damage_layer(request, ctx, default_as_of(ctx, as_of))
    return Response(found.text, media_type=GEOJSON)


@router.get("/damage", response_class=HTMLResponse)
def damage_page(
    request: Request,
    ctx: Ctx,
    as_of: AsOf = None,
    level: Level = "adm1",
    pcode: PcodeQ = None,
    unit: Unit | None = None,
) -> Response:
    when = default_as_of(ctx, as_of)
    place = find_place(ctx, pcode)
    data, _ = damage_view(request, ctx, when, level, place, unit)
    changes = damage_changes_view(request, ctx, when, level, place, unit)
    params = {
        "as_of": when.isoformat(),
        "level": level,
        "pcode": place.pcode if place else None,
        "unit": unit,
    }
    return war_page(
        request,
        "damage.html",
        as_of=when,
        level=level,
        levels=("country", "adm1", "adm2", "adm3", "adm4"),
        place=place,
        unit=unit or "",
        units=list(UNIT_WORDS),
        result=data,
        changes=changes["changes"],
        place_of=ctx.tree().get,
        downloads={fmt: link("/api/damage", {**params, "format": fmt}) for fmt in ("csv", "hxl")},
        change_downloads={
            fmt: link("/api/damage/changes", {**params, "format": fmt}) for fmt in ("csv", "hxl")
        },
    )
