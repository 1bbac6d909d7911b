"""Who does what where (3W): organisations per place and sector, rolled up the place tree.

One picture of two sources: the deliveries of the 4W (activities reported: organisations,
activities and people reached) and the presence rows of a 3W (listed as present: the
organisation counts, reaching no one; nothing here counts in gaps). ``who_does_what_where``
gives organisations per place and sector, filtered by organisation, sector, modality, status
and period (a filter by modality or status keeps no listing, which has neither);
``organisation_profile`` one organisation's places, sectors and months. An organisation counts
once per place and sector however many rows name it; a place's organisations are those of its
own rows and of every place below it.
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
from lagebild.model.presence import DeliveryPresence, ListedPresence, PresenceFilter
from lagebild.store import Store
from lagebild.store.accounts import EVERYTHING, Scope
from lagebild.store.places import all_places
from lagebild.store.presence import delivery_presence, listed_presence

# -- who does what where, from the 4W and the 3W -------------------------------------------------

#: No filter: every delivery.
EVERY_DELIVERY = PresenceFilter()

#: Whose names a reader sees: every organisation's, its own organisation's rows', or none.
NAMES = ("all", "own", "none")


#: Where a row of who does what where comes from (``source``): the 4W, a 3W, or both.
REPORTED = "activities reported"
LISTED = "listed as present"


class UnknownOrganisation(NotFound):
    """No delivery or 3W row the reader may see names this organisation."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            Message(N_("no deliveries or presence of an organisation %(name)s"),
                    {"name": repr(name)})  # fmt: skip
        )


def source_of(reported: bool, listed: bool) -> str:
    """``REPORTED``, ``LISTED`` or both, joined by ``; ``."""
    return "; ".join(w for w, yes in ((REPORTED, reported), (LISTED, listed)) if yes)


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
    with its own tally, and which of them the reader may see by name (``named``; of those,
    ``named_reported`` the ones it may see named on their deliveries: an organisation a
    public 3W names is not thereby named on its deliveries)."""

    by_org: dict[str, Tally] = field(default_factory=dict)
    named: set[str] = field(default_factory=set)
    named_reported: set[str] = field(default_factory=set)
    listed: set[str] = field(default_factory=set)  # organisations a 3W lists as present

    def add_row(self, row: DeliveryPresence, shown: bool) -> None:
        self.add(row)
        self.by_org.setdefault(row.org, Tally()).add(row)
        if shown and row.org:
            self.named.add(row.org)
            self.named_reported.add(row.org)

    def add_listed(self, row: ListedPresence, shown: bool) -> None:
        """A 3W's listing: the organisation counts, its activities and reach do not."""
        self.listed.add(row.org)
        if shown:
            self.named.add(row.org)

    @property
    def reported(self) -> set[str]:
        """The organisations whose activities the 4W reports (a row without an implementing
        organisation names none)."""
        return {org for org in self.by_org if org}

    @property
    def organisations(self) -> int:
        """How many organisations: those that reported activities and those a 3W lists."""
        return len(self.reported | self.listed)

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
            "reported": len(self.reported),
            "listed": len(self.listed),
            "listed_only": len(self.listed - self.reported),
            "reported_names": sorted(self.named_reported),
            "listed_names": sorted(self.listed & self.named),
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

    def add_listed(self, row: ListedPresence, shown: bool) -> None:
        self.all.add_listed(row, shown)
        self.by_sector.setdefault(row.sector, Cell()).add_listed(row, shown)

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
                {
                    "name": name,
                    "slug": slug(name),
                    **Tally.as_dict(cell),
                    "reported": bool(cell.reported),
                    "listed": bool(cell.listed),
                    "source": source_of(bool(cell.reported), bool(cell.listed)),
                }
                for name, cell in sorted(self.organisations.items())
            ],  # fmt: skip
            "above_level": self.above_level,
        }

    def rows(self) -> list[dict[str, Any]]:
        """The 3W as a table (``publish.tables.who_does_what_where_columns``): one row per place,
        sector and organisation the reader sees by name, and per place and sector one row of the
        organisations it does not (``org`` empty, ``organisations`` how many); ``source`` says
        whether the row's organisations reported activities, are listed as present, or both
        (a listing alone has no activities and no people reached)."""
        out = []
        for place in self.places:
            for sector, cell in sorted(place.by_sector.items()):
                base = {"pcode": place.pcode, "name": place.name, "sector": sector}
                hidden = Tally()
                hidden_orgs: set[str] = set()
                nameless = cell.by_org.get("")
                for org in sorted(cell.reported | cell.listed):
                    tally = cell.by_org.get(org)
                    if org in cell.named_reported:
                        source = source_of(True, org in cell.listed)
                        out.append({**base, "org": org, "organisations": 1,
                                    **_tally_row(tally), "source": source})  # fmt: skip
                        continue
                    if org in cell.named:  # named by its listing only: its activities unnamed
                        out.append({**base, "org": org, "organisations": 1,
                                    **_tally_row(None), "source": LISTED})  # fmt: skip
                    else:
                        hidden_orgs.add(org)
                    if tally is not None:
                        _merge(hidden, tally)
                if nameless is not None:
                    _merge(hidden, nameless)
                if hidden_orgs or hidden.activities:
                    out.append({**base, "org": "", "organisations": len(hidden_orgs),
                                **_tally_row(hidden if hidden.activities else None),
                                "source": source_of(bool(hidden.activities),
                                                    bool(hidden_orgs & cell.listed))})  # fmt: skip
        return out


def _merge(into: Tally, tally: Tally) -> None:
    into.activities += tally.activities
    into.reached += tally.reached
    into.first = min(d for d in (into.first, tally.first) if d)
    into.last = max(d for d in (into.last, tally.last) if d)


def _tally_row(tally: Tally | None) -> dict[str, Any]:
    """A row's counts: a tally's, or none for organisations only listed as present."""
    if tally is None:
        return {"activities": None, "reached": None, "date_start": None, "date_end": None}
    return tally.as_dict()


def _shown(names: str, row: DeliveryPresence | ListedPresence) -> bool:
    return names == "all" or (names == "own" and row.own)


def who_does_what_where(
    store: Store,
    where: PresenceFilter = EVERY_DELIVERY,
    place: str | None = None,
    level: str | int | None = None,
    scope: Scope = EVERYTHING,
    names: str = "all",
    tree: PlaceTree | None = None,
    listed: bool = True,
    listed_names: str | None = None,
) -> WhoDoesWhatWhere:
    """The deliveries ``where`` lets through (activities reported) and, with ``listed``, the
    3W rows it lets through (listed as present: dated in the period or undated, none under a
    filter by modality or status), per place of ``level`` (below ``place`` when given; by
    default the governorates, or the level below ``place``) and per sector.

    ``names`` says whose organisations are named (``NAMES``; ``own``: the rows of imports in
    ``scope``), ``listed_names`` the same of the 3W's organisations (by default ``names``);
    the others are counted, not named. Places come by the number of organisations, most
    first, then by P-code.
    """
    tree = tree or PlaceTree(all_places(store))
    root, wanted = root_and_level(tree, place, level)
    naming = {DeliveryPresence: names, ListedPresence: listed_names or names}
    if root is not None:
        total = PlaceWork(root.pcode, root.name("en"), root.name_ar, level_name(root.level))
    else:
        total = PlaceWork("", "all places", None, "total")
    result = WhoDoesWhatWhere(
        place=root.pcode if root is not None else None,
        level=level_name(wanted),
        where=where,
        places=[],
        total=total,
        sectors=[],
        months=[],
        organisations={},
        above_level=0,
    )
    rows: dict[int, PlaceWork] = {}
    months: set[str] = set()
    found_rows: list[DeliveryPresence | ListedPresence] = [
        *delivery_presence(store, where, scope),
        *(listed_presence(store, where, scope) if listed else []),
    ]
    for found in found_rows:
        chain = tree.ancestors(found.place_id)
        if root is not None and chain.get(root.level) != root.id:
            continue
        shown = _shown(naming[type(found)], found)
        if isinstance(found, DeliveryPresence):
            months.add(found.month)
        _add(total, found, shown)
        if shown and found.org:
            _add_cell(result.organisations.setdefault(found.org, Cell()), found)
        at = chain.get(wanted)
        if at is None:
            key = (found.place_id, found.org, found.sector)
            result.above[key] = result.above.get(key, False) or shown
            continue
        if at not in rows:
            p = tree.places[at]
            rows[at] = PlaceWork(p.pcode, p.name("en"), p.name_ar, level_name(p.level))
        _add(rows[at], found, shown)
    result.places = sorted(rows.values(), key=lambda r: (-r.all.organisations, r.pcode))
    result.sectors = sorted(total.by_sector)
    result.months = sorted(months)
    result.above_level = len(result.above)
    return result


def _add(work: PlaceWork, row: DeliveryPresence | ListedPresence, shown: bool) -> None:
    if isinstance(row, DeliveryPresence):
        work.add(row, shown)
    else:
        work.add_listed(row, shown)


def _add_cell(cell: Cell, row: DeliveryPresence | ListedPresence) -> None:
    if isinstance(row, DeliveryPresence):
        cell.add_row(row, True)
    else:
        cell.add_listed(row, True)


@dataclass
class OrganisationProfile:
    """One organisation: where it works (each place its deliveries or a 3W's listings name,
    with its governorate), in which sectors, and what it reported per month and sector."""

    name: str
    where: PresenceFilter
    total: Cell
    places: list[PlaceWork]  # the places its rows name, most activities first
    governorates: list[PlaceWork]
    by_month: dict[str, dict[str, Tally]]  # month -> sector -> its rows
    governorate_of: dict[str, str]  # a place's P-code -> its governorate's

    def as_dict(self) -> dict[str, Any]:
        total = self.total.as_dict()
        for key in ("names", "unnamed", "organisations", "listed_only", "reported_names",
                    "listed_names"):  # fmt: skip
            total.pop(key)
        total["reported"] = bool(self.total.reported)
        total["listed"] = bool(self.total.listed)
        total["source"] = source_of(total["reported"], total["listed"])
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


def _sources(cell: Cell) -> dict[str, Any]:
    reported, listed = bool(cell.reported), bool(cell.listed)
    return {"reported": reported, "listed": listed, "source": source_of(reported, listed)}


def _work_dict(place: PlaceWork) -> dict[str, Any]:
    return {
        "pcode": place.pcode,
        "name": place.name,
        "name_ar": place.name_ar,
        "level": place.level,
        **Tally.as_dict(place.all),
        **_sources(place.all),
        "sectors": {
            s: {**Tally.as_dict(c), **_sources(c)} for s, c in sorted(place.by_sector.items())
        },
    }


def organisation_names(
    store: Store, scope: Scope = EVERYTHING, names: str = "all", listed_names: str | None = None
) -> list[str]:
    """The organisations the reader may see by name (``names``: implementing deliveries;
    ``listed_names``, by default ``names``: listed as present by a 3W), sorted."""
    found: set[str] = set()
    if names != "none":
        wanted = PresenceFilter(own_only=names != "all")
        found |= {r.org for r in delivery_presence(store, wanted, scope)}
    listed_names = listed_names or names
    if listed_names != "none":
        wanted = PresenceFilter(own_only=listed_names != "all")
        found |= {r.org for r in listed_presence(store, wanted, scope)}
    return sorted(o for o in found if o)


def organisation_profile(
    store: Store,
    name: str,
    where: PresenceFilter = EVERY_DELIVERY,
    scope: Scope = EVERYTHING,
    names: str = "all",
    tree: PlaceTree | None = None,
    listed_names: str | None = None,
) -> OrganisationProfile:
    """What ``name`` (any case) did, of the deliveries ``where`` lets through and the reader
    may see it named in (``names``), and where the 3W rows ``where`` lets through list it as
    present (named as ``listed_names``, by default ``names``, says; ``none`` for both:
    ``UnknownOrganisation``). Its name is spelled as most of its deliveries (else its
    listings) spell it."""
    tree = tree or PlaceTree(all_places(store))
    rows, listings = _rows_of(store, name, where, scope, names, listed_names or names)
    total = Cell()
    places: dict[int, PlaceWork] = {}
    governorates: dict[int, PlaceWork] = {}
    by_month: dict[str, dict[str, Tally]] = defaultdict(dict)
    governorate_of: dict[str, str] = {}
    every: list[DeliveryPresence | ListedPresence] = [*rows, *listings]
    for row in every:
        governorate = tree.ancestor_at(row.place_id, 1)
        if governorate is not None:
            governorate_of[tree.places[row.place_id].pcode] = tree.places[governorate].pcode
        _add_cell(total, row)
        if isinstance(row, DeliveryPresence):
            by_month[row.month].setdefault(row.sector, Tally()).add(row)
        for into, at in ((places, row.place_id), (governorates, governorate)):
            if at is None:
                continue
            if at not in into:
                p = tree.places[at]
                into[at] = PlaceWork(p.pcode, p.name("en"), p.name_ar, level_name(p.level))
            _add(into[at], row, True)
    order = lambda w: (-w.all.activities, -len(w.all.listed), w.pcode)  # noqa: E731
    if rows:
        spelled = max(total.by_org, key=lambda o: total.by_org[o].activities)
    else:
        spelled = max((r.org for r in listings), key=lambda o: (o != name, o), default=name)
    return OrganisationProfile(
        name=spelled,
        where=where,
        total=total,
        places=sorted(places.values(), key=order),
        governorates=sorted(governorates.values(), key=order),
        by_month=dict(by_month),
        governorate_of=governorate_of,
    )


def _rows_of(
    store: Store, name: str, where: PresenceFilter, scope: Scope, names: str, listed_names: str
) -> tuple[list[DeliveryPresence], list[ListedPresence]]:
    """An organisation's deliveries and listings ``where`` lets through, each as the reader
    may see them named."""
    if names == "none" and listed_names == "none":
        raise UnknownOrganisation(name)

    def wanted(naming: str) -> PresenceFilter:
        return PresenceFilter(
            name, where.sector, where.modality, where.status, where.date_from, where.date_to,
            own_only=naming == "own",
        )  # fmt: skip

    rows = delivery_presence(store, wanted(names), scope) if names != "none" else []
    listings = listed_presence(store, wanted(listed_names), scope) if listed_names != "none" else []
    return rows, listings


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
