"""The map: the page ``/map``, its data, ``/api/map`` (GeoJSON) and ``/api/map/outline``, and the
assembly of the layers of the resources (``incident_layer``, ``damage_layer``).

The page draws the places of one level with Leaflet (shipped in ``static/vendor/leaflet``) as a
choropleth of one measure (``MEASURES``: access, coverage, people in need, days without aid), each
in classes with a legend, places without the figure in a class of their own ("no data"), on a
plain background: the country's outline when the gazetteer has boundaries, base-map tiles only
when ``tile_url`` is configured. Above the governorates, districts and sub-districts the
communities are drawn as points. The numbers are those of ``gaps`` for the same date, window,
level and sector; a place opens on its page with the same date, window and sector. The first
view shows the whole country, or, with ``place``, the area of that place (``focus_bounds``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from lagebild.errors import RefusedInput
from lagebild.messages import SECTOR_WORDS
from lagebild.model import normalise_sector, parse_level
from lagebild.publish.geojson import (
    MapCollection,
    PointCollection,
    gaps_collection,
    outline_collection,
)
from lagebild.publish.words import WarWords
from lagebild.security import policy
from lagebild.store.places import boundary_sources, place_geometries
from lagebild.web import auth
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
from lagebild.web.i18n import request_language
from lagebild.web.incidents import incident_layer
from lagebild.web.plan import Choice, choice_of, plan_layer_url

router = APIRouter(tags=["map"])

GEOJSON = "application/geo+json"
#: Levels the page offers, and the one it opens on: communities, where the points are.
PAGE_LEVELS = ("adm1", "adm2", "adm3", "adm4")
PAGE_LEVEL = "adm4"
COLOR_BY = ("access", "coverage", "people_in_need", "days_without_aid")
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
#: The class of a place without the measure's figure, and its colour (hatched grey in print).
NO_DATA = "no_data"
NO_DATA_COLOUR = "#c9ced5"
#: The plan's layer: places filled by the share of their need covered (the coverage classes),
#: warehouses and the shipments' lines.
PLAN_COLOURS = {"warehouse": "#37474f", "shipment": "#1d2733"}  # the warehouse's in map.css too


@dataclass(frozen=True)
class Measure:
    """One way to colour the map: a property of ``/api/map``'s features, cut into classes.

    ``breaks`` are the lower bounds of the classes after the first (a value equal to a break is
    in the class above it); ``categories`` name the classes of a categorical measure instead.
    Each class has a key (``"0"``, ``"1"``, ... or the category), a colour, and ``no_data`` comes
    last. ``never`` (days without aid only) is the class of places with people in need and no
    delivery on record.
    """

    key: str
    colours: tuple[str, ...]
    breaks: tuple[float, ...] = ()
    categories: tuple[str, ...] = ()
    never_colour: str | None = None

    def classes(self) -> list[tuple[str, str]]:
        keys = list(self.categories) or [str(i) for i in range(len(self.breaks) + 1)]
        found = list(zip(keys, self.colours, strict=True))
        if self.never_colour:
            found.append(("never", self.never_colour))
        return [*found, (NO_DATA, NO_DATA_COLOUR)]

    def class_of(self, properties: dict[str, Any]) -> str:
        """The class of one feature's properties (the page's script does the same)."""
        value = properties.get(self.key)
        if self.categories:
            return str(value) if value in self.categories else NO_DATA
        if value is None:
            if self.never_colour and properties.get("people_in_need") is not None:
                return "never"
            return NO_DATA
        return str(sum(1 for b in self.breaks if value >= b))


#: The measures the map can show, each with its classes (colour-blind safe ColorBrewer ramps).
MEASURES = {
    # The most severe status among a place's communities (docs/gaps.md): at the communities'
    # level a community's own (or inherited) status, above it the area's summary.
    "access": Measure(
        "access_most_severe",
        tuple(ACCESS_COLOURS[k] for k in ("accessible", "hard_to_reach", "besieged")),
        categories=("accessible", "hard_to_reach", "besieged"),
    ),
    "coverage": Measure("coverage", COVERAGE_COLOURS, breaks=COVERAGE_BREAKS),
    "people_in_need": Measure(
        "people_in_need",
        ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"),
        breaks=(10_000, 50_000, 100_000, 500_000),
    ),
    "days_without_aid": Measure(
        "days_without_aid",
        ("#f1eef6", "#bdc9e1", "#74a9cf", "#0570b0"),
        breaks=(8, 31, 91),
        never_colour="#023858",
    ),
}


def class_counts(found: MapCollection) -> dict[str, dict[str, int]]:
    """measure -> class -> the number of the map's features in it (the legend's counts)."""
    features = json.loads(found.text)["features"]
    counts: dict[str, dict[str, int]] = {}
    for name, measure in MEASURES.items():
        counts[name] = dict.fromkeys((k for k, _ in measure.classes()), 0)
        for feature in features:
            counts[name][measure.class_of(feature["properties"])] += 1
    return counts


def measure_config() -> dict[str, dict[str, Any]]:
    """The measures as the page's script reads them (``class_of``'s rules, the colours)."""
    return {
        name: {
            "key": m.key,
            "breaks": list(m.breaks),
            "categories": list(m.categories),
            "never": bool(m.never_colour),
            "colours": dict(m.classes()),
        }
        for name, m in MEASURES.items()
    }


def place_query(as_of: date, window: int, sector: str | None) -> str:
    """The query a place's page is opened with from the map: the map's date, window, sector."""
    params: dict[str, str | int] = {"as_of": as_of.isoformat(), "window": window}
    if sector:
        params["sector"] = sector
    return urlencode(params)


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
    presence_url: str
    date_from: date
    date_to: date
    threshold: int  # counts below it are suppressed for the public (the protocol's)
    incident_colour: str = "#f2c500"
    aid_colour: str = "#7b1fa2"
    damage_colour: str = "#6b4f3a"
    presence_colour: str = "#1565c0"


def map_layers(
    request: Request, ctx: Context, as_of: date, window: int, level: str = PAGE_LEVEL
) -> MapLayers:
    """The map page's layers: the incidents of its window, the damage on its date, and who
    worked where (organisations per place of its level) in its window."""
    start = as_of - timedelta(days=window - 1)
    period = {"from": start.isoformat(), "to": as_of.isoformat()}
    return MapLayers(
        "/api/map/incidents?" + urlencode(period),
        incident_layer(request, ctx, start, as_of),
        "/api/map/damage?" + urlencode({"as_of": as_of.isoformat()}),
        damage_layer(request, ctx, as_of),
        "/api/map/presence?" + urlencode({**period, "level": level}),
        start,
        as_of,
        ctx.protocol.threshold,
    )


def geometry_box(geometry: dict[str, Any]) -> list[list[float]] | None:
    """[[south, west], [north, east]] of a polygon's or multipolygon's coordinates; None for
    any other geometry (a point has no area to show)."""
    if geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return None
    flat: list[list[float]] = []

    def walk(item: Any) -> None:
        if item and isinstance(item[0], (int, float)):
            flat.append([float(item[0]), float(item[1])])
        else:
            for part in item:
                walk(part)

    walk(geometry.get("coordinates") or [])
    if not flat:
        return None
    lons, lats = [c[0] for c in flat], [c[1] for c in flat]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def focus_bounds(ctx: Context, pcode: str) -> list[list[float]] | None:
    """The box of the place's boundary, or of the nearest place above it that has one (a
    community is a point: its sub-district's area); None when no place above has one. An
    unknown P-code is refused."""
    tree = ctx.tree()
    place = tree.get(pcode)
    if place is None:
        raise RefusedInput(f"no place has the P-code {pcode!r}")
    for each in tree.chain(place.id):
        geometries = dict(place_geometries(ctx.store, each.level))
        if each.id in geometries:
            box = geometry_box(json.loads(geometries[each.id]))
            if box is not None:
                return box
    return None


def _asked_focus(ctx: Context, pcode: str | None, problems: list[str]) -> list[list[float]] | None:
    """``focus_bounds`` of the place the address names; an unknown P-code is a problem."""
    if not pcode:
        return None
    try:
        return focus_bounds(ctx, pcode)
    except RefusedInput:
        problems.append("place")
        return None


@router.get("/map", include_in_schema=False)
def map_page(
    request: Request,
    ctx: Ctx,
    level: Annotated[str | None, Query()] = None,
    as_of: Annotated[str | None, Query()] = None,
    window: Annotated[str | None, Query()] = None,
    sector: Annotated[str | None, Query()] = None,
    color: Annotated[str | None, Query()] = None,
    weeks: Annotated[str | None, Query()] = None,
    deny_convoy: Annotated[list[str] | None, Query()] = None,
    close_route: Annotated[list[str] | None, Query()] = None,
    warehouse: Annotated[list[str] | None, Query()] = None,
    trucks: Annotated[list[str] | None, Query()] = None,
    place: Annotated[str | None, Query()] = None,
) -> Response:
    """The map page; parameters it cannot read fall back to their defaults and say so."""
    problems: list[str] = []
    focus = _asked_focus(ctx, place, problems)
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
    sectors = [s for s in ctx.sectors() if s]
    if wanted and wanted not in sectors:
        sectors.append(wanted)
    language = request_language(request, ctx.config.default_language)
    plan_url = ""
    plan_query: list[tuple[str, str]] = []
    if policy.may(auth.principal_of(request), policy.SEE_DETAIL):
        # The plan's layer (web/plan.py): the weeks and scenario of the page /plan it came from.
        horizon = int(weeks) if weeks and weeks.isdigit() and 1 <= int(weeks) <= 52 else 4
        try:
            choice = choice_of(ctx, deny_convoy, close_route, warehouse, trucks)
        except RefusedInput:
            problems.append("scenario")
            choice = Choice()
        plan_url = plan_layer_url(when, horizon, chosen_level, choice)
        plan_query = [("weeks", str(horizon)), *choice.query()]
    points_url = ""
    if chosen_level != "adm4":
        points_url = "/api/map?" + urlencode({**params, "level": "adm4"})
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
        sectors=sectors,
        sector_names={
            s: language.gettext(SECTOR_WORDS[s]) if s in SECTOR_WORDS else s for s in sectors
        },
        color=colour_by,
        found=found,
        measures=MEASURES,
        measure_config=measure_config(),
        counts=class_counts(found),
        no_data=NO_DATA,
        place_query=place_query(when, days, wanted),
        attribution=ctx.cached(("boundary-sources",), lambda: boundary_sources(ctx.store)),
        points_url=points_url,
        data_url="/api/map?" + urlencode(params),
        outline_url="/api/map/outline",
        focus=focus,
        access_colours=ACCESS_COLOURS,
        coverage_breaks=COVERAGE_BREAKS,
        coverage_colours=COVERAGE_COLOURS,
        no_figure_colour=NO_FIGURE_COLOUR,
        cut_off_stroke=CUT_OFF_STROKE,
        layers=map_layers(request, ctx, when, days, chosen_level),
        plan_url=plan_url,
        plan_query=plan_query,
        plan_colours=PLAN_COLOURS,
        war_words=WarWords(language.gettext),
    )
