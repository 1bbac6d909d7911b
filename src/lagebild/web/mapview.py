"""The map: the page ``/map``, its data, ``/api/map`` (GeoJSON) and ``/api/map/outline``, and the
assembly of the layers of the resources (``incident_layer``, ``damage_layer``).

The page draws the places of one level with Leaflet (shipped in ``static/vendor/leaflet``),
coloured by access status or by coverage, on a plain background: the country's outline when the
gazetteer has boundaries, base-map tiles only when ``tile_url`` is configured. The numbers are
those of ``gaps`` for the same date, window, level and sector.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from lagebild.model import normalise_sector, parse_level
from lagebild.publish.geojson import (
    MapCollection,
    PointCollection,
    gaps_collection,
    outline_collection,
)
from lagebild.store.places import place_geometries
from lagebild.web.context import (
    AsOf,
    Context,
    Ctx,
    Level,
    Window,
    default_as_of,
    known_sector,
    render,
)
from lagebild.web.damage import damage_layer
from lagebild.web.i18n import Language, negotiate
from lagebild.web.incidents import incident_layer
from lagebild.web.words import WarWords

router = APIRouter(tags=["map"])

GEOJSON = "application/geo+json"
#: Levels the page offers, and the one it opens on: communities, where the points are.
PAGE_LEVELS = ("adm1", "adm2", "adm3", "adm4")
PAGE_LEVEL = "adm4"
COLOR_BY = ("access", "coverage")
#: The earliest date the page takes (the API's too): the window reaches back from it.
EARLIEST = date(1900, 1, 1)
ACCESS_COLOURS = {
    "accessible": "#2e7d32",
    "hard_to_reach": "#e08a00",
    "besieged": "#b3261e",
    "unknown": "#8d99a6",
}
#: Coverage classes: below 20 %, 20-40 %, 40-60 %, 60-80 %, 80 % and more (colour-blind safe).
COVERAGE_BREAKS = (0.2, 0.4, 0.6, 0.8)
COVERAGE_COLOURS = ("#d7191c", "#fdae61", "#ffffbf", "#abd9e9", "#2c7bb6")
NO_FIGURE_COLOUR = "#c3cad2"
CUT_OFF_STROKE = "#111111"


def map_collection(
    ctx: Context, as_of: date, window: int, level: str, sector: str | None
) -> MapCollection:
    """The gaps of a level as GeoJSON, kept per data version like the API's gaps."""

    def compute() -> MapCollection:
        tree = ctx.tree()
        result = ctx.gaps(as_of, window, level, sector)
        geometries = dict(place_geometries(ctx.store, parse_level(level)))
        return gaps_collection(result, tree, geometries)

    return ctx.cached(("map", as_of, window, level, sector), compute)  # type: ignore[no-any-return]


def outline(ctx: Context) -> str:
    """The boundaries of the coarsest level that has any (the country, else its governorates)."""

    def compute() -> str:
        tree = ctx.tree()
        for level in (0, 1):
            geometries = dict(place_geometries(ctx.store, level))
            if geometries:
                return outline_collection(tree, geometries)
        return outline_collection(tree, {})

    return ctx.cached(("map-outline",), compute)  # type: ignore[no-any-return]


_GEOJSON_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {GEOJSON: {"schema": {"type": "object"}}}, "description": "GeoJSON"}
}


@router.get(
    "/api/map",
    summary="The places of a level as GeoJSON, with access, coverage and cut-off for a map",
    response_class=Response,
    responses=_GEOJSON_RESPONSE,
)
def map_data(
    ctx: Ctx,
    as_of: AsOf = None,
    window: Window = 30,
    level: Level = "adm3",
    sector: str | None = None,
) -> Response:
    """A FeatureCollection of the places of ``level``, in the rank order of ``/api/gaps``.

    Each feature's properties are the place's row of ``/api/gaps`` for the same parameters
    (P-code, names, access status and besieging party on ``as_of``, people in need, reached,
    coverage, cut-off, days without aid, ...) and its ``rank``; its geometry is the place's
    boundary where the gazetteer gave one, else its point. Places with neither are left out and
    counted in ``without_location``.
    """
    when = default_as_of(ctx, as_of)
    wanted = known_sector(ctx, sector)
    found = map_collection(ctx, when, window, level, wanted)
    return Response(found.text, media_type=GEOJSON)


@router.get(
    "/api/map/outline",
    summary="The country's outline (the coarsest boundaries the gazetteer has) as GeoJSON",
    response_class=Response,
    responses=_GEOJSON_RESPONSE,
)
def map_outline(ctx: Ctx) -> Response:
    return Response(outline(ctx), media_type=GEOJSON)


# -- the layers of incidents and damage (web/incidents.py, web/damage.py) -----------------------


@dataclass(frozen=True)
class MapLayers:
    """What the map page says of its two switchable layers."""

    incidents_url: str
    incidents: PointCollection
    damage_url: str
    damage: PointCollection
    date_from: date
    date_to: date
    threshold: int  # counts below it are suppressed for the public (the protocol's)
    incident_colour: str = "#f2c500"
    aid_colour: str = "#7b1fa2"
    damage_colour: str = "#6b4f3a"


def map_layers(request: Request, ctx: Context, as_of: date, window: int) -> MapLayers:
    """The map page's layers: the incidents of its window, the damage on its date."""
    start = as_of - timedelta(days=window - 1)
    period = {"from": start.isoformat(), "to": as_of.isoformat()}
    return MapLayers(
        "/api/map/incidents?" + urlencode(period),
        incident_layer(request, ctx, start, as_of),
        "/api/map/damage?" + urlencode({"as_of": as_of.isoformat()}),
        damage_layer(request, ctx, as_of),
        start,
        as_of,
        ctx.protocol.threshold,
    )


@router.get("/map", include_in_schema=False)
def map_page(
    request: Request,
    ctx: Ctx,
    level: Annotated[str | None, Query()] = None,
    as_of: Annotated[str | None, Query()] = None,
    window: Annotated[str | None, Query()] = None,
    sector: Annotated[str | None, Query()] = None,
    color: Annotated[str | None, Query()] = None,
) -> Response:
    """The map page; parameters it cannot read fall back to their defaults and say so."""
    problems: list[str] = []
    chosen_level = level if level in PAGE_LEVELS else PAGE_LEVEL
    when = default_as_of(ctx, None)
    if as_of:
        try:
            asked = date.fromisoformat(as_of)
        except ValueError:
            problems.append("as_of")
        else:
            if asked >= EARLIEST:
                when = asked
            else:
                problems.append("as_of")
    days = 30
    if window:
        if window.isdigit() and 1 <= int(window) <= 3650:
            days = int(window)
        else:
            problems.append("window")
    wanted = normalise_sector(sector) if sector else None
    colour_by = color if color in COLOR_BY else COLOR_BY[0]
    found = map_collection(ctx, when, days, chosen_level, wanted)
    params = {"level": chosen_level, "as_of": when.isoformat(), "window": days}
    if wanted:
        params["sector"] = wanted
    sectors = ctx.sectors()
    return render(
        request,
        "map.html",
        status_code=422 if problems else 200,
        problems=problems,
        levels=PAGE_LEVELS,
        level=chosen_level,
        as_of=when,
        window=days,
        sector=wanted or "",
        sectors=[s for s in sectors if s],
        color=colour_by,
        found=found,
        data_url="/api/map?" + urlencode(params),
        outline_url="/api/map/outline",
        access_colours=ACCESS_COLOURS,
        coverage_breaks=COVERAGE_BREAKS,
        coverage_colours=COVERAGE_COLOURS,
        no_figure_colour=NO_FIGURE_COLOUR,
        cut_off_stroke=CUT_OFF_STROKE,
        layers=map_layers(request, ctx, when, days),
        war_words=WarWords(Language(negotiate(request, ctx.config.default_language)).gettext),
    )
