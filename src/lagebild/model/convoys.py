"""Convoys as the layers pass them: a convoy, its items, and what was decided."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
class ConvoyItem:
    """One item of a convoy: what was loaded (planned), what arrived, what was removed, by whom."""

    id: int
    item: str
    category: str
    unit: str | None
    planned: float | None
    arrived: float | None
    removed: float | None
    removed_by: str | None
    row_number: int | None = None

    @property
    def loaded(self) -> float | None:
        """What the convoy carried: the planned quantity, else what arrived plus what was
        removed."""
        if self.planned is not None:
            return self.planned
        if self.arrived is None and self.removed is None:
            return None
        return (self.arrived or 0.0) + (self.removed or 0.0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "category": self.category,
            "unit": self.unit,
            "planned": self.planned,
            "arrived": self.arrived,
            "removed": self.removed,
            "removed_by": self.removed_by,
        }


@dataclass(frozen=True)
class Convoy:
    """A convoy as stored, with its place's P-code and name, its source and its items."""

    id: int
    code: str
    place_id: int
    pcode: str
    place_name: str | None
    status: str
    requested_on: date
    agencies: str | None
    trucks: int | None
    planned_people: float | None
    decided_on: date | None
    decided_by: str | None
    decision_reason: str | None
    trucks_approved: int | None
    people_approved: float | None
    delivered_on: date | None
    reached: float | None
    note: str | None
    source: str | None
    import_id: int | None
    row_number: int | None
    items: tuple[ConvoyItem, ...] = field(default=())

    @property
    def decision(self) -> str | None:
        """approved, partly_approved or denied; ``None`` while undecided. A delivered convoy was
        approved, partly when fewer trucks or people were approved than requested."""
        if self.status in ("approved", "partly_approved", "denied"):
            return self.status
        if self.status != "delivered":
            return None
        less = (
            self.trucks_approved is not None
            and self.trucks is not None
            and self.trucks_approved < self.trucks
        ) or (
            self.people_approved is not None
            and self.planned_people is not None
            and self.people_approved < self.planned_people
        )
        return "partly_approved" if less else "approved"

    def item_named(self, name: str) -> ConvoyItem | None:
        key = name.strip().casefold()
        return next((i for i in self.items if i.item.casefold() == key), None)

    def as_dict(self) -> dict[str, Any]:
        """The convoy as JSON: dates as ISO text, items as a list."""
        return {
            "code": self.code,
            "pcode": self.pcode,
            "place": self.place_name,
            "status": self.status,
            "requested_on": self.requested_on.isoformat(),
            "agencies": self.agencies,
            "trucks": self.trucks,
            "planned_people": self.planned_people,
            "decided_on": self.decided_on.isoformat() if self.decided_on else None,
            "decided_by": self.decided_by,
            "decision_reason": self.decision_reason,
            "trucks_approved": self.trucks_approved,
            "people_approved": self.people_approved,
            "delivered_on": self.delivered_on.isoformat() if self.delivered_on else None,
            "reached": self.reached,
            "note": self.note,
            "source": self.source,
            "import_id": self.import_id,
            "row_number": self.row_number,
            "items": [i.as_dict() for i in self.items],
        }
