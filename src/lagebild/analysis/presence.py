"""Who does what where (3W): organisations per place and sector, rolled up the place tree.

Two sources: the presence rows of a 3W (``presence``: who works where, reaching no one by
itself, nothing here counts in gaps) and the deliveries of the 4W (``who_does_what_where``:
organisations, activities and people reached per place and sector, filtered by organisation,
sector, modality, status and period; ``organisation_profile``: one organisation's places,
sectors and months). An organisation counts once per place and sector however many rows name
it; a place's organisations are those of its own rows and of every place below it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lagebild.analysis.tree import PlaceTree, root_and_level
from lagebild.errors import NotFound
from lagebild.messages import N_, Message
from lagebild.model import level_name
from lagebild.model.presence import DeliveryPresence, PresenceFilter
from lagebild.store import Store
from lagebild.store.accounts import EVERYTHING, Scope
from lagebild.store.places import all_places
from lagebild.store.presence import delivery_presence, presence_rows


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


# -- who does what where, from the deliveries of the 4W -------------------------------------------

#: No filter: every delivery.
EVERY_DELIVERY = PresenceFilter()

#: Whose names a reader sees: every organisation's, its own organisation's rows', or none.
NAMES = ("all", "own", "none")


class UnknownOrganisation(NotFound):
    """No delivery the reader may see names this organisation."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            Message(N_("no deliveries of an organisation %(name)s"), {"name": repr(name)})
        )


def slug(name: str) -> str:
    """An organisation's name in an address: lower case, words joined by ``-``
    (``Syrian Arab Red Crescent`` -> ``syrian-arab-red-crescent``); Arabic letters stay."""
    words = "".join(c if c.isalnum() else " " for c in name.casefold()).split()
    return "-".join(words)


@dataclass
class Tally:
    """Activities (rows), people reached (delivered rows) and first and last date of some rows."""

    activities: int = 0
    reached: float = 0.0
    first: date | None = None
    last: date | None = None

    def add(self, row: DeliveryPresence) -> None:
        self.activities += row.activities
        self.reached += row.reached
        self.first = row.first if self.first is None else min(self.first, row.first)
        self.last = row.last if self.last is None else max(self.last, row.last)

    def as_dict(self) -> dict[str, Any]:
        return {
            "activities": self.activities,
            "reached": self.reached,
            "date_start": self.first.isoformat() if self.first else None,
            "date_end": self.last.isoformat() if self.last else None,
        }


@dataclass
class Cell(Tally):
    """Rows of one place (or all places) in one sector (or all): their organisations, each
    with its own tally, and which of them the reader may see by name."""

    by_org: dict[str, Tally] = field(default_factory=dict)
    named: set[str] = field(default_factory=set)

    def add_row(self, row: DeliveryPresence, shown: bool) -> None:
        self.add(row)
        self.by_org.setdefault(row.org, Tally()).add(row)
        if shown and row.org:
            self.named.add(row.org)

    @property
    def organisations(self) -> int:
        """How many organisations (a row without an implementing organisation names none)."""
        return sum(1 for org in self.by_org if org)

    @property
    def unnamed(self) -> int:
        """How many of the organisations the reader may not see by name."""
        return self.organisations - len(self.named)

    def as_dict(self) -> dict[str, Any]:
        return {
            "organisations": self.organisations,
            **super().as_dict(),
            "names": sorted(self.named),
            "unnamed": self.unnamed,
        }


@dataclass
class PlaceWork:
    """Who does what in one place (or in all): in all sectors and per sector."""

    pcode: str
    name: str
    name_ar: str | None
    level: str
    all: Cell = field(default_factory=Cell)
    by_sector: dict[str, Cell] = field(default_factory=dict)

    def add(self, row: DeliveryPresence, shown: bool) -> None:
        self.all.add_row(row, shown)
        self.by_sector.setdefault(row.sector, Cell()).add_row(row, shown)

    def as_dict(self) -> dict[str, Any]:
        return {
            "pcode": self.pcode,
            "name": self.name,
            "name_ar": self.name_ar,
            "level": self.level,
            **self.all.as_dict(),
            "sectors": {s: c.as_dict() for s, c in sorted(self.by_sector.items())},
        }


@dataclass
class WhoDoesWhatWhere:
    """Organisations, activities and people reached per place of a level and per sector."""

    place: str | None
    level: str
    where: PresenceFilter
    places: list[PlaceWork]
    total: PlaceWork
    sectors: list[str]
    months: list[str]
    organisations: dict[str, Cell]  # the names the reader sees -> their rows everywhere
    above_level: int  # organisation-sector pairs known only above ``level``
    #: Those pairs, each at the place its rows name: (place id, organisation, sector) ->
    #: whether the reader sees the organisation's name.
    above: dict[tuple[int, str, str], bool] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        w = self.where
        return {
            "place": self.place,
            "level": self.level,
            "organisation": w.organisation,
            "sector": w.sector,
            "modality": w.modality,
            "status": w.status,
            "from": w.date_from.isoformat() if w.date_from else None,
            "to": w.date_to.isoformat() if w.date_to else None,
            "sectors": self.sectors,
            "months": self.months,
            "total": self.total.as_dict(),
            "places": [p.as_dict() for p in self.places],
            "organisations": [
                {"name": name, "slug": slug(name), **Tally.as_dict(cell)}
                for name, cell in sorted(self.organisations.items())
            ],
            "above_level": self.above_level,
        }

    def rows(self) -> list[dict[str, Any]]:
        """The 3W as a table (``publish.tables.who_does_what_where_columns``): one row per place,
        sector and organisation the reader sees by name, and per place and sector one row of the
        organisations it does not (``org`` empty, ``organisations`` how many)."""
        out = []
        for place in self.places:
            for sector, cell in sorted(place.by_sector.items()):
                base = {"pcode": place.pcode, "name": place.name, "sector": sector}
                hidden = Tally()
                hidden_orgs = 0
                for org, tally in sorted(cell.by_org.items()):
                    if org in cell.named:
                        out.append({**base, "org": org, "organisations": 1, **tally.as_dict()})
                        continue
                    hidden.activities += tally.activities
                    hidden.reached += tally.reached
                    hidden.first = min(d for d in (hidden.first, tally.first) if d)
                    hidden.last = max(d for d in (hidden.last, tally.last) if d)
                    hidden_orgs += 1 if org else 0
                if hidden.activities:
                    out.append({**base, "org": "", "organisations": hidden_orgs,
                                **hidden.as_dict()})  # fmt: skip
        return out


def _shown(names: str, row: DeliveryPresence) -> bool:
    return names == "all" or (names == "own" and row.own)


def who_does_what_where(
    store: Store,
    where: PresenceFilter = EVERY_DELIVERY,
    place: str | None = None,
    level: str | int | None = None,
    scope: Scope = EVERYTHING,
    names: str = "all",
    tree: PlaceTree | None = None,
) -> WhoDoesWhatWhere:
    """The deliveries ``where`` lets through, per place of ``level`` (below ``place`` when
    given; by default the governorates, or the level below ``place``) and per sector.

    ``names`` says whose organisations are named (``NAMES``; ``own``: the rows of imports in
    ``scope``); the others are counted, not named. Places come by the number of organisations,
    most first, then by P-code.
    """
    tree = tree or PlaceTree(all_places(store))
    root, wanted = root_and_level(tree, place, level)
    if root is not None:
        total = PlaceWork(root.pcode, root.name("en"), root.name_ar, level_name(root.level))
    else:
        total = PlaceWork("", "all places", None, "total")
    rows: dict[int, PlaceWork] = {}
    organisations: dict[str, Cell] = {}
    months: set[str] = set()
    above: dict[tuple[int, str, str], bool] = {}
    for found in delivery_presence(store, where, scope):
        chain = tree.ancestors(found.place_id)
        if root is not None and chain.get(root.level) != root.id:
            continue
        shown = _shown(names, found)
        months.add(found.month)
        total.add(found, shown)
        if shown and found.org:
            organisations.setdefault(found.org, Cell()).add_row(found, True)
        at = chain.get(wanted)
        if at is None:
            key = (found.place_id, found.org, found.sector)
            above[key] = above.get(key, False) or shown
            continue
        if at not in rows:
            p = tree.places[at]
            rows[at] = PlaceWork(p.pcode, p.name("en"), p.name_ar, level_name(p.level))
        rows[at].add(found, shown)
    return WhoDoesWhatWhere(
        place=root.pcode if root is not None else None,
        level=level_name(wanted),
        where=where,
        places=sorted(rows.values(), key=lambda r: (-r.all.organisations, r.pcode)),
        total=total,
        sectors=sorted(total.by_sector),
        months=sorted(months),
        organisations=organisations,
        above_level=len(above),
        above=above,
    )


@dataclass
class OrganisationProfile:
    """One organisation: where it works (each place its deliveries name, with its
    governorate), in which sectors, and what it reported per month and sector."""

    name: str
    where: PresenceFilter
    total: Cell
    places: list[PlaceWork]  # the places its rows name, most activities first
    governorates: list[PlaceWork]
    by_month: dict[str, dict[str, Tally]]  # month -> sector -> its rows
    governorate_of: dict[str, str]  # a place's P-code -> its governorate's

    def as_dict(self) -> dict[str, Any]:
        total = self.total.as_dict()
        for key in ("names", "unnamed", "organisations"):
            total.pop(key)
        return {
            "name": self.name,
            "slug": slug(self.name),
            **total,
            "sectors": sorted({s for p in self.places for s in p.by_sector}),
            "governorates": [_work_dict(p) for p in self.governorates],
            "places": [
                {**_work_dict(p), "adm1": self.governorate_of.get(p.pcode)} for p in self.places
            ],
            "months": [
                {"month": month, "sectors": {s: t.as_dict() for s, t in sorted(per.items())}}
                for month, per in sorted(self.by_month.items())
            ],
        }


def _work_dict(place: PlaceWork) -> dict[str, Any]:
    return {
        "pcode": place.pcode,
        "name": place.name,
        "name_ar": place.name_ar,
        "level": place.level,
        **Tally.as_dict(place.all),
        "sectors": {s: Tally.as_dict(c) for s, c in sorted(place.by_sector.items())},
    }


def organisation_names(
    store: Store, scope: Scope = EVERYTHING, names: str = "all"
) -> list[str]:
    """The implementing organisations the reader may see by name, sorted."""
    found = {r.org for r in delivery_presence(store, PresenceFilter(), scope) if r.org}
    if names == "all":
        return sorted(found)
    if names == "none":
        return []
    own = PresenceFilter(own_only=True)
    return sorted({r.org for r in delivery_presence(store, own, scope) if r.org})


def organisation_profile(
    store: Store,
    name: str,
    where: PresenceFilter = EVERY_DELIVERY,
    scope: Scope = EVERYTHING,
    names: str = "all",
    tree: PlaceTree | None = None,
) -> OrganisationProfile:
    """What ``name`` (any case) did, of the deliveries ``where`` lets through and the reader
    may see it named in (``names``; ``none``: ``UnknownOrganisation``). Its name is spelled as
    most of its rows spell it."""
    tree = tree or PlaceTree(all_places(store))
    if names == "none":
        raise UnknownOrganisation(name)
    wanted = PresenceFilter(
        name, where.sector, where.modality, where.status, where.date_from, where.date_to,
        own_only=names == "own",
    )  # fmt: skip
    rows = delivery_presence(store, wanted, scope)
    total = Cell()
    places: dict[int, PlaceWork] = {}
    governorates: dict[int, PlaceWork] = {}
    by_month: dict[str, dict[str, Tally]] = defaultdict(dict)
    governorate_of: dict[str, str] = {}
    for row in rows:
        at = tree.ancestor_at(row.place_id, 1)
        if at is not None:
            governorate_of[tree.places[row.place_id].pcode] = tree.places[at].pcode
        total.add_row(row, True)
        by_month[row.month].setdefault(row.sector, Tally()).add(row)
        for into, at in ((places, row.place_id), (governorates, tree.ancestor_at(row.place_id, 1))):
            if at is None:
                continue
            if at not in into:
                p = tree.places[at]
                into[at] = PlaceWork(p.pcode, p.name("en"), p.name_ar, level_name(p.level))
            into[at].add(row, True)
    order = lambda w: (-w.all.activities, w.pcode)  # noqa: E731
    return OrganisationProfile(
        name=max(total.by_org, key=lambda o: total.by_org[o].activities) if rows else name,
        where=where,
        total=total,
        places=sorted(places.values(), key=order),
        governorates=sorted(governorates.values(), key=order),
        by_month=dict(by_month),
        governorate_of=governorate_of,
    )


def place_point(tree: PlaceTree, place_id: int) -> tuple[float | None, float | None]:
    """A place's point: its own, else the mean of the points of the places below it (a
    governorate's communities), else none."""
    place = tree.places[place_id]
    if place.lat is not None and place.lon is not None:
        return place.lat, place.lon
    lats, lons, stack = [], [], list(tree.children.get(place_id, []))
    while stack:
        node = tree.places[stack.pop()]
        if node.lat is not None and node.lon is not None:
            lats.append(node.lat)
            lons.append(node.lon)
        stack.extend(tree.children.get(node.id, []))
    if not lats:
        return None, None
    return sum(lats) / len(lats), sum(lons) / len(lons)
