"""The situation picture: per place and in total, who lives there, who is in need, displaced,
besieged, hard to reach and reached, with the sources behind each number."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from lagebild.analysis.access import AccessOn, access_of, status_on
from lagebild.analysis.damage import TOTAL_RULE, DamageShare, damage_shares
from lagebild.analysis.figures import FigureValue, Rollup, current_figures, own_from, source_name
from lagebild.analysis.gaps import REACHED_RULE_ALL, REACHED_RULE_SECTOR, Reached, activity
from lagebild.analysis.tree import PlaceTree
from lagebild.analysis.violence import IncidentCount, recent_incidents
from lagebild.model import level_name
from lagebild.store import Store
from lagebild.store.places import all_places
from lagebild.store.sources import all_sources

#: Situation columns and the indicator behind each.
COLUMNS = {
    "population": "population",
    "people_in_need": "inneed",
    "displaced": "idps",
    "returnees": "returnees",
    "besieged": "besieged",
    "hard_to_reach": "hard_to_reach",
}


@dataclass(frozen=True)
class SituationRow:
    pcode: str
    name: str
    name_ar: str | None
    level: str
    access: AccessOn | None
    population: FigureValue | None
    people_in_need: FigureValue | None
    displaced: FigureValue | None
    returnees: FigureValue | None
    besieged: FigureValue | None
    hard_to_reach: FigureValue | None
    reached: float
    reached_upper: float
    deliveries: int
    # Incidents in the window, and current damage per unit (houses, buildings) with its shares.
    incidents: IncidentCount = field(default_factory=IncidentCount)
    damage: dict[str, DamageShare] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "pcode": self.pcode,
            "name": self.name,
            "name_ar": self.name_ar,
            "level": self.level,
            "access": self.access.as_dict() if self.access else None,
        }
        for column in COLUMNS:
            value: FigureValue | None = getattr(self, column)
            out[column] = value.as_dict() if value else None
        out["reached"] = {
            "value": self.reached,
            "upper": self.reached_upper,
            "deliveries": self.deliveries,
        }
        out["incidents"] = self.incidents.as_dict()
        out["damage"] = {unit: share.as_dict() for unit, share in self.damage.items()}
        return out


@dataclass
class SituationResult:
    as_of: date
    window_days: int
    level: str
    sector: str | None
    places: list[SituationRow] = field(default_factory=list)
    total: SituationRow | None = None
    reached_rule: str = REACHED_RULE_ALL
    damage_units: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "window_days": self.window_days,
            "level": self.level,
            "sector": self.sector,
            "reached_rule": self.reached_rule,
            "damage_rule": TOTAL_RULE,
            "places": [p.as_dict() for p in self.places],
            "total": self.total.as_dict() if self.total else None,
        }


def situation(
    store: Store,
    as_of: date,
    window: int = 30,
    level: int = 1,
    sector: str | None = None,
    tree: PlaceTree | None = None,
) -> SituationResult:
    tree = tree or PlaceTree(all_places(store))
    sources = all_sources(store)
    access_now = status_on(store, as_of)
    rows = {
        column: current_figures(
            store, indicator, as_of, (sector or "") if indicator == "inneed" else "", sources
        )
        for column, indicator in COLUMNS.items()
    }
    rollups: dict[str, Rollup] = {
        column: Rollup(tree, own_from(found, sources)) for column, found in rows.items()
    }
    population = rollups["population"]
    # A besieged (or hard-to-reach) place without a figure of its own counts its population.
    for column in ("besieged", "hard_to_reach"):
        rollups[column] = Rollup(
            tree, own_or_population(column, rows[column], population, tree, access_now, sources)
        )
    roots = tree.roots()
    act = activity(store, tree, as_of, window, level, sector)
    incidents, incidents_total = recent_incidents(store, tree, as_of, window, level)
    damage, damage_national = damage_shares(store, tree, as_of)
    result = SituationResult(
        as_of,
        window,
        level_name(level),
        sector,
        reached_rule=REACHED_RULE_SECTOR if sector else REACHED_RULE_ALL,
    )
    for place in tree.at_level(level, as_of):
        got = act.reached.get(place.id)
        result.places.append(
            SituationRow(
                place.pcode,
                place.name("en"),
                place.name_ar,
                level_name(place.level),
                access_of(tree, access_now, place.id),
                **{c: rollups[c].value(place.id) for c in COLUMNS},
                reached=_reached(got, sector),
                reached_upper=got.upper if got else 0.0,
                deliveries=got.deliveries if got else 0,
                incidents=incidents.get(place.id, IncidentCount()),
                damage=damage.get(place.id, {}),
            )
        )
    result.damage_units = sorted(damage_national)
    if len(roots) == 1:
        root = tree.places[roots[0]]
        got = activity(store, tree, as_of, window, root.level, sector).reached.get(root.id)
        result.total = SituationRow(
            root.pcode,
            root.name("en"),
            root.name_ar,
            "total",
            None,
            **{c: rollups[c].value(root.id) for c in COLUMNS},
            reached=_reached(got, sector),
            reached_upper=got.upper if got else 0.0,
            deliveries=got.deliveries if got else 0,
            incidents=incidents_total,
            damage=damage_national,
        )
    elif roots:
        reached = sum(_reached(act.reached.get(p.id), sector) for p in tree.at_level(level, as_of))
        result.total = SituationRow(
            "",
            "total",
            None,
            "total",
            None,
            **{c: rollups[c].total(roots) for c in COLUMNS},
            reached=reached,
            reached_upper=reached,
            deliveries=0,
            incidents=incidents_total,
            damage=damage_national,
        )
    return result


def _reached(got: Reached | None, sector: str | None) -> float:
    if got is None:
        return 0.0
    return got.by_sector.get(sector, 0.0) if sector else got.lower


def own_or_population(
    column: str,
    own_rows: dict,  # type: ignore[type-arg]
    population: Rollup,
    tree: PlaceTree,
    access_now: dict,  # type: ignore[type-arg]
    sources: dict,  # type: ignore[type-arg]
) -> Callable[[int], FigureValue | None]:
    own = own_from(own_rows, sources)
    status = column  # "besieged" or "hard_to_reach"

    def value(place_id: int) -> FigureValue | None:
        found = own(place_id)
        if found is not None:
            return found
        held = access_now.get(place_id)
        if held is None or held[0].status != status:
            return None
        people = population.value(place_id)
        if people is None:
            return None
        return FigureValue(
            people.value,
            f"population of a place {status.replace('_', '-')} on the date",
            people.date,
            people.sources,
            people.figure_ids,
        )

    return value


__all__ = ["COLUMNS", "SituationResult", "SituationRow", "situation", "source_name"]
