"""Lists as the layers pass them: one page of a list, and the filter of the delivery list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Page:
    """One page of a list, and how long the whole list is."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class DeliveryFilter:
    place_ids: Sequence[int] | None = None  # the place and everything below it, resolved by caller
    organisation: str | None = None  # implementing, reporting or donor, case-insensitive
    sector: str | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
