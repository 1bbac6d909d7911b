"""Who does what where (3W): organisations per place and sector, rolled up the place tree.

Presence is not delivery: an organisation present in a place reaches no one by itself, and
nothing here counts in gaps. An organisation counts once per place and sector however many
rows name it; a place's organisations are those of its own rows and of every place below it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from lagebild.analysis.tree import PlaceTree, root_and_level
from lagebild.model import level_name
from lagebild.store import Store
from lagebild.store.places import all_places
from lagebild.store.presence import presence_rows


@dataclass
class PlacePresence:
    pcode: str
    name: str
    level: str
    organisations: set[str] = field(default_factory=set)
    by_sector: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def as_dict(self) -> dict[str, Any]:
        return {
            "pcode": self.pcode,
            "name": self.name,
            "level": self.level,
            "organisations": len(self.organisations),
            "sectors": {s: len(orgs) for s, orgs in sorted(self.by_sector.items())},
            "names": sorted(self.organisations),
        }


@dataclass
class PresenceSummary:
    place: str | None
    level: str
    sector: str | None
    places: list[PlacePresence]
    total: PlacePresence
    sectors: list[str]
    above_level: int  # organisation-sector pairs known only above ``level``

    def as_dict(self) -> dict[str, Any]:
        return {
            "place": self.place,
            "level": self.level,
            "sector": self.sector,
            "sectors": self.sectors,
            "places": [p.as_dict() for p in self.places],
            "total": self.total.as_dict(),
            "above_level": self.above_level,
        }


def presence(
    store: Store,
    place: str | None = None,
    level: str | int | None = None,
    sector: str | None = None,
) -> PresenceSummary:
    """Organisations per place of ``level`` (below ``place`` when given) and per sector.

    ``level`` defaults to the governorates, or to the level below ``place``. Places come by the
    number of organisations, most first, then by P-code.
    """
    tree = PlaceTree(all_places(store))
    root, wanted = root_and_level(tree, place, level)
    if root is not None:
        total = PlacePresence(root.pcode, root.name("en"), level_name(root.level))
    else:
        total = PlacePresence("", "all places", "total")
    rows: dict[int, PlacePresence] = {}
    sectors: set[str] = set()
    above: set[tuple[int, str, str]] = set()
    for found in presence_rows(store, sector):
        chain = tree.ancestors(found.place_id)
        if root is not None and chain.get(root.level) != root.id:
            continue
        sectors.add(found.sector)
        total.organisations.add(found.org)
        total.by_sector[found.sector].add(found.org)
        at = chain.get(wanted)
        if at is None:
            above.add((found.place_id, found.org, found.sector))
            continue
        if at not in rows:
            p = tree.places[at]
            rows[at] = PlacePresence(p.pcode, p.name("en"), level_name(p.level))
        rows[at].organisations.add(found.org)
        rows[at].by_sector[found.sector].add(found.org)
    ordered = sorted(rows.values(), key=lambda r: (-len(r.organisations), r.pcode))
    return PresenceSummary(
        place=root.pcode if root is not None else None,
        level=level_name(wanted),
        sector=sector,
        places=ordered,
        total=total,
        sectors=sorted(sectors),
        above_level=len(above),
    )
