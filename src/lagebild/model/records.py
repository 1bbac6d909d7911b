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


@dataclass(frozen=True, slots=True)
class ImportEntry:
    """An import as the list of imports shows it: the file, who brought it in and when, and
    whether, by whom, when and why it was undone."""

    id: int
    file_name: str
    kind: str
    rows: int
    rejected: int
    warnings: int
    imported_at: dt.datetime
    status: str  # committed | undone
    imported_by: str | None = None
    organisation: str | None = None
    source: str | None = None
    undone_at: dt.datetime | None = None
    undone_by: str | None = None
    why: str | None = None

    @property
    def undone(self) -> bool:
        return self.status == "undone"


@dataclass(frozen=True, slots=True)
class FigureRow:
    """One stored figure, as the analysis reads it."""

    id: int
    place_id: int
    indicator: str
    sector: str
    date: dt.date
    value: float
    source_id: int | None
    import_id: int
    row_number: int
    reliability: str | None = None  # the figure's own grade, over its source's
    credibility: int | None = None
    gender: str = ""  # dimensions: '' is the total in each (see schema.FIGURE_DIMENSIONS)
    age: str = ""
    population_group: str = ""
    disability: str = ""
    #: A sum of disaggregated figures that partition the place's total (no total row): their ids.
    parts: tuple[int, ...] = ()

    @property
    def is_total(self) -> bool:
        return not (self.gender or self.age or self.population_group or self.disability)


@dataclass(frozen=True, slots=True)
class AccessRow:
    place_id: int
    status: str
    party: str | None
    valid_from: dt.date
    source_id: int | None
    import_id: int
    row_number: int
    id: int | None = None  # the access change's own number (to edit or delete it)


@dataclass(frozen=True, slots=True)
class SavedTagMap:
    """A tag map kept under a name (a partner's, or one of its names) for its next files."""

    name: str
    mapping: dict[str, str]  # header text -> hashtag
    saved_at: dt.datetime
    saved_by: str | None = None
    organisation: str | None = None  # the partner's whose map it is; None: everyone's
