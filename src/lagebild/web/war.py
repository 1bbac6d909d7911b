"""Convoys, incidents and damage on the web: the pages ``/convoys``, ``/incidents`` and
``/damage``, their API (``/api/convoys``, ``/api/convoys/stats``, ``/api/incidents``,
``/api/incidents/summary``, ``/api/damage``, ``/api/damage/changes``), the map's layers
(``/api/map/incidents``, ``/api/map/damage``) and the section of the place page.

The numbers are those of ``lagebild convoy list/stats``, ``lagebild incidents [--list]`` and
``lagebild damage [--changes]``: the same library functions. What a reader sees follows the
sharing protocol (``security/protocol.yml``): records through ``protocol.view`` (incidents' exact
coordinates and notes, convoys' negotiation details), aggregated tables through
``protocol.public_table``, map points through ``protocol.coordinates``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from lagebild.analysis.access import AccessPeriod
from lagebild.analysis.convoys import convoy_stats
from lagebild.analysis.damage import DamageBook, damage, damage_changes, damage_shares
from lagebild.analysis.incidents import incident_dict, incident_summary
from lagebild.analysis.place import find, subtree_ids
from lagebild.model import Place, level_name, parse_level
from lagebild.model.vocab import normalise_convoy_status
from lagebild.publish import render
from lagebild.publish.geojson import PointCollection, points_collection
from lagebild.publish.render import Col
from lagebild.security import policy
from lagebild.security import protocol as sharing
from lagebild.store import convoys as convoy_store
from lagebild.store.incidents import (
    IncidentRow,
    incident_count,
    incident_list,
    incident_totals,
)
from lagebild.web import auth
from lagebild.web.api import (
    EARLIEST,
    AsOf,
    Ctx,
    FormatQ,
    Level,
    Limit,
    Offset,
    default_as_of,
    respond,
    wanted_format,
)
from lagebild.web.app import Context
from lagebild.web.pages import N_, _page

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["convoys, incidents and damage"])

GEOJSON = "application/geo+json"
PER_PAGE = 100
#: The place page lists the incidents of the last this many days up to its date.
PLACE_INCIDENT_DAYS = 90
PLACE_INCIDENTS = 20
#: The map's incident layer: the days up to the map's date when no start is given.
MAP_DAYS = 30

PlacedBy = Literal["pcode", "polygon", "nearest", "name", "none"]
Unit = Literal["buildings", "houses"]
Period = Literal["total", "month"]
PcodeQ = Annotated[
    str | None,
    Query(max_length=40, description="A P-code: this place and the places below it."),
]
FromQ = Annotated[
    date | None, Query(alias="from", ge=EARLIEST, description="On or after this date.")
]
ToQ = Annotated[date | None, Query(alias="to", ge=EARLIEST, description="On or before this date.")]
TextQ = Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$")]

CONVOY_STATUS_WORDS = {
    "requested": N_("requested"),
    "approved": N_("approved"),
    "partly_approved": N_("partly approved"),
    "denied": N_("denied"),
    "delivered": N_("delivered"),
}
#: ACLED's event types; others are shown as the data has them.
EVENT_TYPE_WORDS = {
    "Battles": N_("Battles"),
    "Explosions/Remote violence": N_("Explosions/Remote violence"),
    "Violence against civilians": N_("Violence against civilians"),
    "Protests": N_("Protests"),
    "Riots": N_("Riots"),
    "Strategic developments": N_("Strategic developments"),
}
PLACED_BY_WORDS = {
    "pcode": N_("by its P-code"),
    "polygon": N_("in a boundary"),
    "nearest": N_("nearest community"),
    "name": N_("by name"),
    "none": N_("not placed"),
}
UNIT_WORDS = {"buildings": N_("buildings"), "houses": N_("houses")}
BASIS_WORDS = {
    "own": N_("its own assessment"),
    "children": N_("sum of the places below"),
    "own and children": N_("its own points and the places below"),
}


class WarWords:
    """Convoy statuses, event types, placing methods and damage units in the page's language."""

    def __init__(self, gettext: Callable[[str], str]) -> None:
        self._ = gettext

    def _word(self, table: dict[str, str], key: str | None) -> str:
        if not key:
            return "–"
        return self._(table[key]) if key in table else key

    def convoy_status(self, key: str | None) -> str:
        return self._word(CONVOY_STATUS_WORDS, key)

    def event_type(self, key: str | None) -> str:
        return self._word(EVENT_TYPE_WORDS, key)

    def event_type_names(self) -> dict[str, str]:
        """ACLED's event types -> their names in the page's language (for the map's script)."""
        return {key: self._(word) for key, word in EVENT_TYPE_WORDS.items()}

    def placed_by(self, key: str | None) -> str:
        return self._word(PLACED_BY_WORDS, key)

    def unit(self, key: str | None) -> str:
        return self._word(UNIT_WORDS, key)

    def basis(self, key: str | None) -> str:
        return self._word(BASIS_WORDS, key)


# -- columns of the downloads (those of the command line) ---------------------------------------

CONVOY_COLUMNS = [
    Col("code", "Convoy", "#convoy+code"),
    Col("pcode", "P-code", "#loc+code"),
    Col("place", "Place", "#loc+name"),
    Col("status", "Status", "#convoy+status"),
    Col("requested_on", "Requested", "#date+requested"),
    Col("agencies", "Agencies", "#org+impl"),
    Col("trucks", "Trucks", "#convoy+trucks"),
    Col("planned_people", "People planned", "#targeted"),
    Col("decided_on", "Decided", "#date+decided"),
    Col("decided_by", "By", "#org+decided"),
    Col("decision_reason", "Reason", "#description+reason"),
    Col("trucks_approved", "Trucks approved", "#convoy+trucks+approved"),
    Col("people_approved", "People approved", "#targeted+approved"),
    Col("delivered_on", "Delivered", "#date+delivered"),
    Col("reached", "Reached", "#reached+ind"),
    Col("items_text", "Items", "#item+name+list"),
    Col("source", "Source", "#meta+source"),
    Col("suppressed", "Suppressed", "#meta+suppressed"),
]
INCIDENT_COLUMNS = [
    Col("date", "Date", "#date+occurred"),
    Col("event_code", "Event", "#event+code"),
    Col("event_type", "Type", "#event+type"),
    Col("sub_event_type", "Sub-type", "#event+type+sub"),
    Col("actor1", "Actor 1", "#group+name+first"),
    Col("actor2", "Actor 2", "#group+name+second"),
    Col("location", "Location", "#loc+name"),
    Col("lat", "Latitude", "#geo+lat"),
    Col("lon", "Longitude", "#geo+lon"),
    Col("pcode", "P-code", "#loc+code"),
    Col("place", "Place", "#loc+name+placed"),
    Col("placed_by", "Placed by", "#meta+placed_by"),
    Col("confidence", "Confidence", "#meta+confidence"),
    Col("distance_km", "km", "#meta+distance_km"),
    Col("fatalities", "Fatalities", "#affected+killed"),
    Col("attack_on_aid", "Aid", "#event+aid"),
    Col("notes", "Notes", "#description"),
    Col("source", "Source", "#meta+source"),
    Col("file_name", "File", "#meta+file"),
    Col("row_number", "Row", "#meta+row"),
    Col("suppressed", "Suppressed", "#meta+suppressed"),
]


def convoy_stats_columns(level: str | None) -> list[Col]:
    """The columns of ``lagebild convoy stats``, and which counts were suppressed."""
    return [
        *render.convoy_stats_columns(level),
        Col("suppressed", "Suppressed", "#meta+suppressed"),
    ]


def incident_summary_columns(level: str, event_types: list[str]) -> list[Col]:
    """The columns of ``lagebild incidents``: one per event type after the totals."""
    tag = f"#{level}" if level.startswith("adm") else "#country"
    return [
        Col("pcode", "P-code", f"{tag}+code"),
        Col("name", "Name", f"{tag}+name"),
        Col("events", "Events", "#event+num"),
        Col("fatalities", "Fatalities", "#affected+killed"),
        Col("attacks_on_aid", "Attacks on aid", "#event+aid+num"),
        *(
            Col(f"type:{t}", t or "(no type)", f"#event+num+{_slug(t) or 'untyped'}")
            for t in event_types
        ),
        Col("suppressed", "Suppressed", "#meta+suppressed"),
    ]


def _slug(text: str) -> str:
    return "_".join(w for w in "".join(c if c.isalnum() else " " for c in text.lower()).split())


def _shown(columns: list[Col], rows: list[dict[str, Any]]) -> list[Col]:
    """The columns some row shows: fields the protocol withheld from every row are left out,
    and so is ``suppressed`` when nothing was."""
    present = {k for row in rows for k, v in row.items() if k != "suppressed" or v}
    return [c for c in columns if c.key in present or (not rows and c.key != "suppressed")]


def _flat(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for CSV: the suppressed counts named in one cell, ``reached;planned_people``."""
    return [
        {**r, "suppressed": ";".join(r["suppressed"])} if isinstance(r.get("suppressed"), list)
        else r
        for r in rows
    ]


# -- the library's answers, as the reader may see them ------------------------------------------


def _place(ctx: Context, pcode: str | None) -> Place | None:
    """The place of a P-code (any case), None without one; an unknown one is a 404."""
    return find(ctx.tree(), pcode) if pcode else None


def _check_period(date_from: date | None, date_to: date | None) -> None:
    if date_from and date_to and date_to < date_from:
        raise HTTPException(
            422, f"to: {date_to.isoformat()} is before from ({date_from.isoformat()})"
        )


def _items_text(items: list[dict[str, Any]]) -> str:
    parts = []
    for item in items:
        text = f"{item['item']} ({item.get('category') or '-'})"
        if item.get("planned") is not None:
            text += f" {item['planned']:.0f}"
        if item.get("arrived") is not None:
            text += f", arrived {item['arrived']:.0f}"
        if item.get("removed"):
            by = f" by {item['removed_by']}" if item.get("removed_by") else ""
            text += f", removed {item['removed']:.0f}{by}"
        parts.append(text)
    return "; ".join(parts)


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
        seen["items_text"] = _items_text(seen["items"])
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
    _check_period(date_from, date_to)
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
    _check_period(date_from, date_to)
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


# -- the map's layers ---------------------------------------------------------------------------


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


# -- API ----------------------------------------------------------------------------------------


def _status(word: str | None) -> str | None:
    if not word:
        return None
    found = normalise_convoy_status(word)
    if found is None:
        raise HTTPException(
            422,
            f"status: unknown convoy status {word!r}; use "
            + ", ".join(CONVOY_STATUS_WORDS),
        )
    return found


def _download(
    request: Request,
    fmt: str | None,
    kind: str,
    data: dict[str, Any],
    columns: list[Col],
    rows: list[dict[str, Any]],
    name: str,
) -> Response:
    """``respond``, with the columns the rows show, and the export in the audit trail."""
    chosen = wanted_format(request, fmt)  # type: ignore[arg-type]
    auth.record_export(request, kind, rows, chosen)
    return respond(request, fmt, data, _shown(columns, rows), _flat(rows), name)  # type: ignore[arg-type]


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
    _check_period(date_from, date_to)
    place = _place(ctx, pcode)
    found = convoy_rows(request, ctx, place, _status(status), date_from, date_to)
    items = found[offset : offset + limit]
    data = {"total": len(found), "limit": limit, "offset": offset, "convoys": items}
    return _download(request, fmt, "convoy", data, CONVOY_COLUMNS, items, "convoys")


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
    view = convoy_stats_view(request, ctx, date_from, date_to, level, by, _place(ctx, pcode))
    rows = [*(dict(r) for r in view.places), *({**t, "pcode": "(total)"} for t in view.totals)]
    for row in rows:
        for key in ("denied", "reached", "medical_removed", "population_reached"):
            row[f"share_{key}"] = row.get(f"{key}_share")
    columns = convoy_stats_columns(view.data["level"])
    return _download(request, fmt, "convoy_stats", view.data, columns, rows, "convoy-stats")


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
    _check_period(date_from, date_to)
    place = _place(ctx, pcode)
    rows, total = incident_page(
        ctx, place, date_from, date_to, event_type or None, placed_by, limit, offset
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
    return _download(request, fmt, "incident", data, INCIDENT_COLUMNS, items, "incidents")


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
    data = incident_summary_view(request, ctx, _place(ctx, pcode), date_from, date_to, level)
    columns = incident_summary_columns(data["level"], data["event_types"])
    rows = _incident_summary_rows(data)
    return _download(request, fmt, "incident_summary", data, columns, rows, "incident-summary")


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
    data, rows = damage_view(request, ctx, when, level, _place(ctx, pcode), unit)
    return _download(
        request, fmt, "damage", data, render.damage_columns(level), rows, "damage"
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
    data = damage_changes_view(request, ctx, when, level, _place(ctx, pcode), unit)
    columns = render.damage_change_columns(level)
    return _download(request, fmt, "damage", data, columns, data["changes"], "damage-changes")


_GEOJSON_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {GEOJSON: {"schema": {"type": "object"}}}, "description": "GeoJSON"}
}


@api_router.get(
    "/map/incidents",
    summary="Incidents of a period as GeoJSON points for the map",
    response_class=Response,
    responses=_GEOJSON_RESPONSE,
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
    _check_period(start, until)
    found = incident_layer(request, ctx, start, until)
    return Response(found.text, media_type=GEOJSON)


@api_router.get(
    "/map/damage",
    summary="Each place's current damage as GeoJSON points for the map",
    response_class=Response,
    responses=_GEOJSON_RESPONSE,
)
def api_map_damage(request: Request, ctx: Ctx, as_of: AsOf = None) -> Response:
    """Every place with a damage assessment of its own on or before ``as_of``: its current
    damage per unit and its shares of the national total, at the place's point (places
    without one are counted in ``without_location``)."""
    found = damage_layer(request, ctx, default_as_of(ctx, as_of))
    return Response(found.text, media_type=GEOJSON)


# -- pages --------------------------------------------------------------------------------------


def _url(path: str, params: dict[str, Any]) -> str:
    query = {k: v for k, v in params.items() if v not in (None, "")}
    return path + ("?" + urlencode(query) if query else "")


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _pager(path: str, params: dict[str, Any], offset: int, limit: int, total: int) -> dict:  # type: ignore[type-arg]
    return {
        "previous": _url(path, {**params, "offset": max(offset - limit, 0)}) if offset else None,
        "next": _url(path, {**params, "offset": offset + limit})
        if offset + limit < total
        else None,
    }


def _war_page(request: Request, template: str, **context: Any) -> Response:
    from lagebild.web.pages import _language

    lang = _language(request)
    return _page(
        request, template, lang=lang, war_words=WarWords(lang.gettext), **context
    )


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
    _check_period(date_from, date_to)
    place = _place(ctx, pcode)
    wanted = _status(status)
    found = convoy_rows(request, ctx, place, wanted, date_from, date_to)
    stats = convoy_stats_view(request, ctx, date_from, date_to, level, by, place)
    filters = {
        "pcode": place.pcode if place else None,
        "from": _iso(date_from),
        "to": _iso(date_to),
    }
    list_params = {**filters, "status": wanted}
    stats_params = {**filters, "level": level, "by": by}
    limit = PER_PAGE
    return _war_page(
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
            fmt: _url("/api/convoys", {**list_params, "limit": limit, "offset": offset,
                                       "format": fmt})
            for fmt in ("csv", "hxl")
        },
        stats_downloads={
            fmt: _url("/api/convoys/stats", {**stats_params, "format": fmt})
            for fmt in ("csv", "hxl")
        },
        pages=_pager(
            "/convoys", {**list_params, "level": level, "by": by}, offset, limit, len(found)
        ),
    )


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
) -> Response:
    _check_period(date_from, date_to)
    place = _place(ctx, pcode)
    limit = PER_PAGE
    rows, total = incident_page(
        ctx, place, date_from, date_to, event_type or None, placed_by, limit, offset
    )
    summary = incident_summary_view(request, ctx, place, date_from, date_to, level)
    filters = {
        "pcode": place.pcode if place else None,
        "from": _iso(date_from),
        "to": _iso(date_to),
    }
    list_params = {**filters, "event_type": event_type, "placed_by": placed_by}
    return _war_page(
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
            fmt: _url("/api/incidents", {**list_params, "limit": limit, "offset": offset,
                                         "format": fmt})
            for fmt in ("csv", "hxl")
        },
        summary_downloads={
            fmt: _url("/api/incidents/summary", {**filters, "level": level, "format": fmt})
            for fmt in ("csv", "hxl")
        },
        pages=_pager("/incidents", {**list_params, "level": level}, offset, limit, total),
    )


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
    place = _place(ctx, pcode)
    data, _ = damage_view(request, ctx, when, level, place, unit)
    changes = damage_changes_view(request, ctx, when, level, place, unit)
    params = {
        "as_of": when.isoformat(),
        "level": level,
        "pcode": place.pcode if place else None,
        "unit": unit,
    }
    return _war_page(
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
        downloads={fmt: _url("/api/damage", {**params, "format": fmt}) for fmt in ("csv", "hxl")},
        change_downloads={
            fmt: _url("/api/damage/changes", {**params, "format": fmt}) for fmt in ("csv", "hxl")
        },
    )


# -- the place page's section -------------------------------------------------------------------


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
            "convoys": _url("/convoys", {"pcode": place.pcode, "to": when.isoformat()}),
            "incidents": _url(
                "/incidents",
                {"pcode": place.pcode, "from": since.isoformat(), "to": when.isoformat()},
            ),
            "damage": _url(
                "/damage",
                {
                    "pcode": place.pcode,
                    "as_of": when.isoformat(),
                    "level": level_name(place.level),
                },
            ),
        },
    )


__all__ = [
    "MapLayers",
    "PlaceWar",
    "WarWords",
    "api_router",
    "map_layers",
    "place_section",
    "router",
]
