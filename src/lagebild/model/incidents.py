"""Incidents as the layers pass them: a stored event, and the totals per place and event type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class IncidentTotal:
    """Events of one type at one place (None: unplaced), with fatalities and attacks on aid."""

    place_id: int | None
    event_type: str
    events: int
    fatalities: int
    attacks_on_aid: int


@dataclass(frozen=True, slots=True)
class IncidentRow:
    """One stored incident with how it was placed and the file and row it came from."""

    id: int
    event_code: str | None
    date: date
    event_type: str
    sub_event_type: str | None
    actor1: str | None
    actor2: str | None
    fatalities: int | None
    attack_on_aid: bool
    lat: float | None
    lon: float | None
    location: str | None
    admin_names: str | None
    notes: str | None
    reported_by: str | None
    place_id: int | None
    placed_by: str
    place_confidence: float | None
    place_distance_km: float | None
    source: str | None
    import_id: int
    file_name: str
    row_number: int


@dataclass(frozen=True, slots=True)
class EventCount:
    """Conflict events of one type counted at a place over a period by another source (HDX
    HAPI's conflict events), with their fatalities (None: not given)."""

    place_id: int
    event_type: str
    date_start: date
    date_end: date
    events: int
    fatalities: int | None
    source: str | None
