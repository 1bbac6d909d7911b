"""Damage as the layers pass it: one assessment of a place, the incidents of a place in a period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class AssessmentRow:
    """The damage rows one import gave for one place, unit and date, from one source, summed:
    one assessment of the place (a UNOSAT point is a row; a count per place is a row too)."""

    place_id: int
    unit: str
    date: date
    source_id: int | None
    import_id: int
    first_id: int  # the lowest damage row id: the last tie-breaker of the current-figure rule
    rows: int
    points: int  # rows with a damage class: buildings or sites, not counts per place
    destroyed: float
    severe: float
    moderate: float
    possible: float


@dataclass(frozen=True, slots=True)
class IncidentSum:
    """Incidents of one place (None: events that could not be placed) in a period."""

    place_id: int | None
    events: int
    fatalities: int
    attacks_on_aid: int
