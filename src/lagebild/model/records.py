"""Records as the store returns them and the importer produces them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Place:
    id: int
    pcode: str
    level: int
    parent_id: int | None
    name_en: str | None = None
    name_ar: str | None = None
    lat: float | None = None
    lon: float | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    def name(self, lang: str = "en") -> str:
        if lang == "ar" and self.name_ar:
            return self.name_ar
        return self.name_en or self.name_ar or self.pcode


@dataclass(frozen=True, slots=True)
class Source:
    id: int
    name: str
    kind: str | None = None
    reliability: str | None = None  # Admiralty A-F
    credibility: int | None = None  # Admiralty 1-6

    @property
    def grade(self) -> str:
        """The Admiralty grade, such as ``B2``, or ``unrated``."""
        if not self.reliability and not self.credibility:
            return "unrated"
        return f"{self.reliability or 'F'}{self.credibility or 6}"


@dataclass(frozen=True, slots=True)
class ImportRecord:
    id: int
    file_name: str
    sha256: str
    kind: str
    source_id: int | None
    imported_at: dt.datetime
    row_count: int
    rejected_count: int
    status: str
