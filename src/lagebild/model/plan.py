"""The inputs of a delivery plan as the layers pass them (docs/plan.md): warehouses, the items
they hold and how much, the limits on trucks into a place, and the optional routes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Warehouse:
    """A warehouse (or a border crossing's hub) and the trucks it can dispatch a week."""

    name: str
    pcode: str | None  # where it is, if given by P-code
    place_id: int | None
    lat: float | None  # where it is, if given by coordinates (else the place's point)
    lon: float | None
    trucks_per_week: float
    source: str | None = None
    import_id: int | None = None
    row_number: int | None = None


@dataclass(frozen=True)
class PlanItem:
    """An item a plan can ship: its sector, the people one unit serves for a week, the units a
    truck carries, and for food its nutrients per unit (kcal, protein and fat in grams)."""

    name: str
    sector: str
    people_per_unit_week: float
    units_per_truck: float
    unit: str | None = None
    kcal: float | None = None
    protein_g: float | None = None
    fat_g: float | None = None
    source: str | None = None
    import_id: int | None = None
    row_number: int | None = None


@dataclass(frozen=True)
class StockRow:
    """Units of an item in a warehouse, as counted on a date (None: undated)."""

    warehouse: str
    item: str
    units: float
    date: date | None = None
    source: str | None = None
    import_id: int | None = None
    row_number: int | None = None


@dataclass(frozen=True)
class PlaceLimit:
    """At most ``trucks_per_week`` trucks into a place (and the places below it) while the limit
    holds: the access rule of a hard-to-reach place, or any negotiated cap."""

    pcode: str
    place_id: int
    trucks_per_week: float
    valid_from: date | None = None
    valid_to: date | None = None
    source: str | None = None
    import_id: int | None = None
    row_number: int | None = None


@dataclass(frozen=True)
class Route:
    """A route from a warehouse into an area (a border crossing, a front line): at most
    ``trucks_per_week`` trucks a week on it, and its length where known."""

    name: str
    warehouse: str
    pcode: str  # the area the route serves: every place in it and below it
    place_id: int
    trucks_per_week: float | None = None
    distance_km: float | None = None
    source: str | None = None
    import_id: int | None = None
    row_number: int | None = None


@dataclass(frozen=True)
class SavedPlan:
    """A plan saved under a name: when, by whom, its date, horizon and objective, and the
    whole report (JSON text; empty in a listing)."""

    name: str
    saved_at: datetime
    saved_by: str | None
    as_of: date
    weeks: int
    objective: float | None
    note: str | None
    report: str = ""
