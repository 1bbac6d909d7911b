"""The priority list: the places of a level ranked by the priority model (analysis/priorities.py),
each with its explanation; what ``lagebild priorities``, ``/api/priorities`` and the page show."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from lagebild.analysis.gaps import GapRow, gaps
from lagebild.analysis.priorities import CATEGORY_NAMES, Model, PriorityRule, load_model
from lagebild.analysis.tree import PlaceTree
from lagebild.store import Store


@dataclass
class PriorityList:
    as_of: date
    window_days: int
    level: str
    sector: str | None
    model: Model
    rule: str
    places: list[GapRow] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Places per category, and those without a priority (no indicator had data)."""
        found = {name: 0 for name in CATEGORY_NAMES}
        found["no data"] = 0
        for row in self.places:
            name = row.priority.category_name if row.priority else None
            found[name or "no data"] += 1
        return found

    def as_dict(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "window_days": self.window_days,
            "level": self.level,
            "sector": self.sector,
            "rule": self.rule,
            "model": self.model.as_dict(),
            "categories": self.counts(),
            "places": [place_dict(i + 1, r) for i, r in enumerate(self.places)],
        }


def place_dict(rank: int, row: GapRow) -> dict[str, object]:
    """One place of the list: its rank, priority and explanation, and the gap beside it."""
    assert row.priority is not None and row.incidents is not None
    found = row.priority.as_dict()
    access = row.priority.indicators.get("complexity", {}).get("access")
    return {
        "rank": rank,
        "pcode": row.pcode,
        "name": row.name,
        "name_ar": row.name_ar,
        "level": row.level,
        **found,
        "access": row.access.status if row.access else None,
        "access_scored": access.value if access else None,
        "besieged_by": row.access.party if row.access and row.access.party else None,
        "access_within": row.access_within,
        "people_in_need": row.people_in_need.value if row.people_in_need else None,
        "reached": row.reached,
        "coverage": row.coverage,
        "last_delivery": row.last_delivery.isoformat() if row.last_delivery else None,
        "days_without_aid": row.days_without_aid,
        "cut_off": row.cut_off,
        "incidents": row.incidents.events,
        "fatalities": row.incidents.fatalities,
        "attacks_on_aid": row.incidents.attacks_on_aid,
        "damage_total": row.damage_total or {},
    }


def priority_list(
    store: Store,
    as_of: date,
    window: int = 30,
    level: int = 3,
    sector: str | None = None,
    model: Model | None = None,
    tree: PlaceTree | None = None,
) -> PriorityList:
    """The places of ``level`` on ``as_of``, highest priority first."""
    model = model or load_model()
    result = gaps(store, as_of, window, level, sector, tree, rank="severity", model=model)
    return PriorityList(
        as_of,
        window,
        result.level,
        sector,
        model,
        PriorityRule(model, as_of, window).text(),
        result.places,
    )
