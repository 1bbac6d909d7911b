"""Presence as the layers pass it: one organisation in one sector at one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class PresenceRow:
    """One organisation in one sector at one place, with the rows that say so."""

    place_id: int
    org: str
    sector: str
    rows: int


@dataclass(frozen=True)
class PresenceFilter:
    """Which deliveries a who-does-what-where view counts: every field optional.

    ``organisation`` is an implementing organisation's name (any case, whole name);
    ``date_from`` and ``date_to`` bound a delivery's date (a month is the two of its first and
    last day); ``own_only`` keeps the rows of the reader's own organisation (a reader who may
    not see other organisations' names asks by name only among its own).
    """

    organisation: str | None = None
    sector: str | None = None
    modality: str | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    own_only: bool = False


@dataclass(frozen=True, slots=True)
class DeliveryPresence:
    """The deliveries of one implementing organisation in one sector, place and month.

    ``activities`` counts the rows, of any status the filter lets through; ``reached`` sums
    the people reached by those delivered (completed or partial), as gaps count them; ``own``:
    the rows came from an import of the reader's organisation (its names are the reader's to
    see)."""

    place_id: int
    org: str
    sector: str
    month: str  # YYYY-MM
    activities: int
    reached: float
    first: date
    last: date
    own: bool


@dataclass(frozen=True, slots=True)
class ListedPresence:
    """The 3W rows that list one organisation in one sector at one place as present.

    A listing reaches no one: it counts the organisation, never activities or people reached.
    ``first`` and ``last`` are the dates of the dated rows (none when every row is undated);
    ``own``: the rows came from an import of the reader's organisation."""

    place_id: int
    org: str
    sector: str
    rows: int
    first: date | None
    last: date | None
    own: bool
