"""Presence as the layers pass it: one organisation in one sector at one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PresenceRow:
    """One organisation in one sector at one place, with the rows that say so."""

    place_id: int
    org: str
    sector: str
    rows: int
