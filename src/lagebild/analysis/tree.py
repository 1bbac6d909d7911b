"""The P-code tree in memory: parents, children and the place at each level above a place."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from lagebild.errors import NotFound
from lagebild.messages import N_, Message
from lagebild.model import Place, parse_level


class UnknownPlace(NotFound):
    """A P-code the gazetteer does not hold."""

    def __init__(self, pcode: str) -> None:
        self.pcode = pcode
        super().__init__(Message(N_("unknown P-code %(pcode)s"), {"pcode": repr(pcode)}))


class PlaceTree:
    def __init__(self, places: Iterable[Place]) -> None:
        self.places: dict[int, Place] = {p.id: p for p in places}
        self.by_code = {p.pcode.upper(): p for p in self.places.values()}
        self.children: dict[int | None, list[int]] = defaultdict(list)
        for place in self.places.values():
            parent = place.parent_id if place.parent_id in self.places else None
            self.children[parent].append(place.id)
        for ids in self.children.values():
            ids.sort(key=lambda i: self.places[i].pcode)
        self._ancestor_cache: dict[int, dict[int, int]] = {}

    def __len__(self) -> int:
        return len(self.places)

    def get(self, pcode: str) -> Place | None:
        return self.by_code.get(pcode.strip().upper())

    def ancestors(self, place_id: int) -> dict[int, int]:
        """level -> id, for the place itself and every place above it."""
        found = self._ancestor_cache.get(place_id)
        if found is None:
            found = {}
            current: int | None = place_id
            seen = set()
            while current is not None and current in self.places and current not in seen:
                seen.add(current)
                place = self.places[current]
                found.setdefault(place.level, place.id)
                current = place.parent_id
            self._ancestor_cache[place_id] = found
        return found

    def ancestor_at(self, place_id: int, level: int) -> int | None:
        return self.ancestors(place_id).get(level)

    def chain(self, place_id: int) -> list[Place]:
        """The place and its parents, finest first."""
        out: list[Place] = []
        current: int | None = place_id
        while current is not None and current in self.places and len(out) < 10:
            out.append(self.places[current])
            current = self.places[current].parent_id
        return out

    def active(self, place: Place, on: date) -> bool:
        """False for a place retired on or before ``on``."""
        return place.valid_to is None or place.valid_to > on

    def at_level(self, level: int, on: date) -> list[Place]:
        return sorted(
            (p for p in self.places.values() if p.level == level and self.active(p, on)),
            key=lambda p: p.pcode,
        )

    def roots(self) -> list[int]:
        return list(self.children.get(None, []))

    def descendants_postorder(self) -> list[int]:
        """Every place, children before parents."""
        order: list[int] = []
        stack: list[tuple[int, bool]] = [(r, False) for r in self.roots()]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
                continue
            stack.append((node, True))
            stack.extend((c, False) for c in self.children.get(node, []))
        return order


def root_and_level(
    tree: PlaceTree, place: str | None, level: str | int | None
) -> tuple[Place | None, int]:
    """The place a summary is made within (None: everywhere; ``UnknownPlace`` if not known) and
    the level of its rows: ``level``, by default the governorates, or the level below the place;
    never above the place itself."""
    root = None
    if place is not None:
        root = tree.get(place)
        if root is None:
            raise UnknownPlace(place)
    if level is None:
        wanted = min(root.level + 1, 4) if root is not None else 1
    else:
        wanted = parse_level(level) if isinstance(level, str) else level
    if root is not None:
        wanted = max(wanted, root.level)
    return root, wanted
