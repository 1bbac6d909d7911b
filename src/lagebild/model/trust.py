"""Trust as the layers pass it: a source and what it gave, a figure with where it came from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class SourceCount:
    """A registered source (``id`` None: the records without a source) and what it gave."""

    id: int | None
    name: str
    kind: str | None
    reliability: str | None
    credibility: int | None
    figures: int
    deliveries: int
    access: int


@dataclass(frozen=True, slots=True)
class FigureRecord:
    """A stored figure with its place, source, grade, import, file, row and column."""

    id: int
    place_id: int
    pcode: str
    name: str
    indicator: str
    sector: str
    date: date
    value: float
    source_id: int | None
    source: str | None
    reliability: str | None
    credibility: int | None
    import_id: int
    file_name: str
    row_number: int
    column: str | None
    own_grade: bool = False  # the grade is the figure's own, over its source's
    gender: str = ""  # dimensions: '' is the total in each
    age: str = ""
    population_group: str = ""
    disability: str = ""

    @property
    def dimensions(self) -> dict[str, str]:
        return {
            "gender": self.gender,
            "age": self.age,
            "population_group": self.population_group,
            "disability": self.disability,
        }
