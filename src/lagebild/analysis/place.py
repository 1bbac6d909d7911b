"""One place as a page or the API shows it: where it sits, its figures, access and deliveries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from lagebild.analysis.access import AccessOn, AccessPeriod, access_of, history, status_on
from lagebild.analysis.figures import FigureValue, Rollup, current_figures, own_from
from lagebild.analysis.situation import COLUMNS
from lagebild.analysis.tree import PlaceTree, UnknownPlace
from lagebild.model import Place, level_name
from lagebild.store import Store
from lagebild.store.places import all_places
from lagebild.store.sources import all_sources


def place_dict(place: Place, tree: PlaceTree | None = None) -> dict[str, object]:
    parent = tree.places.get(place.parent_id) if tree and place.parent_id else None
    return {
        "pcode": place.pcode,
        "name": place.name("en"),
        "name_en": place.name_en,
        "name_ar": place.name_ar,
        "level": level_name(place.level),
        "parent": parent.pcode if parent else None,
        "lat": place.lat,
        "lon": place.lon,
        "valid_to": place.valid_to.isoformat() if place.valid_to else None,
    }


@dataclass
class PlaceProfile:
    place: Place
    parents: list[Place]  # coarsest first
    children: list[Place]
    access: AccessOn | None
    access_history: list[AccessPeriod]
    current: dict[str, FigureValue | None] = field(default_factory=dict)

    def as_dict(self, tree: PlaceTree, as_of: date) -> dict[str, object]:
        return {
            **place_dict(self.place, tree),
            "as_of": as_of.isoformat(),
            "parents": [place_dict(p, tree) for p in self.parents],
            "children": len(self.children),
            "access": self.access.as_dict() if self.access else None,
            "access_history": [p.as_dict() for p in self.access_history],
            "figures": {k: v.as_dict() if v else None for k, v in self.current.items()},
        }


def find(tree: PlaceTree, pcode: str) -> Place:
    place = tree.get(pcode)
    if place is None:
        raise UnknownPlace(pcode)
    return place


def profile(store: Store, pcode: str, as_of: date, tree: PlaceTree | None = None) -> PlaceProfile:
    """A place on a date: parents, children, access then and over time, current figures."""
    tree = tree or PlaceTree(all_places(store))
    place = find(tree, pcode)
    sources = all_sources(store)
    current = {}
    for column, indicator in COLUMNS.items():
        rows = current_figures(store, indicator, as_of, "", sources)
        current[column] = Rollup(tree, own_from(rows, sources)).value(place.id)
    return PlaceProfile(
        place=place,
        parents=list(reversed(tree.chain(place.id)[1:])),
        children=[tree.places[c] for c in tree.children.get(place.id, [])],
        access=access_of(tree, status_on(store, as_of), place.id),
        access_history=history(store, place.id),
        current=current,
    )


def subtree_ids(tree: PlaceTree, place: Place) -> list[int]:
    """The place and every place below it."""
    out, stack = [], [place.id]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(tree.children.get(node, []))
    return out


def search(
    tree: PlaceTree, text: str | None = None, level: int | None = None, parent: Place | None = None
) -> list[Place]:
    """Places whose P-code or English or Arabic name contains ``text``, P-code matches first."""
    found = list(tree.places.values())
    if level is not None:
        found = [p for p in found if p.level == level]
    if parent is not None:
        found = [p for p in found if p.parent_id == parent.id]
    if text:
        needle = text.strip().casefold()
        exact = [p for p in found if p.pcode.casefold() == needle]
        rest = [
            p for p in found
            if p not in exact and (
                needle in p.pcode.casefold()
                or needle in (p.name_en or "").casefold()
                or needle in (p.name_ar or "")
            )
        ]
        found = exact + sorted(rest, key=lambda p: (p.level, p.pcode))
    else:
        found.sort(key=lambda p: (p.level, p.pcode))
    return found
