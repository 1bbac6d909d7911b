"""Access status as a history: a place's status on any date, with the besieging party."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lagebild.analysis.tree import PlaceTree
from lagebild.model import AccessRow
from lagebild.store import Store
from lagebild.store.access import access_changes


@dataclass(frozen=True)
class AccessPeriod:
    """A status that held from ``valid_from`` until the day before ``valid_to`` (open if None)."""

    status: str
    party: str | None
    valid_from: date
    valid_to: date | None
    source_id: int | None
    import_id: int
    row_number: int
    id: int | None = None  # the access change that began the period

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "party": self.party,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
        }


def periods(rows: list[AccessRow]) -> list[AccessPeriod]:
    """Consecutive changes of one place, in date order, as periods."""
    out = []
    for i, row in enumerate(rows):
        until = rows[i + 1].valid_from if i + 1 < len(rows) else None
        out.append(
            AccessPeriod(
                row.status,
                row.party,
                row.valid_from,
                until,
                row.source_id,
                row.import_id,
                row.row_number,
                row.id,
            )
        )
    return out


def status_on(store: Store, as_of: date) -> dict[int, tuple[AccessRow, date]]:
    """place id -> the access change in force on ``as_of``, and since when that status has held
    (a change that repeats the status and party does not restart the clock)."""
    current: dict[int, tuple[AccessRow, date]] = {}
    for row in access_changes(store, as_of):  # ordered by place, date, id
        held = current.get(row.place_id)
        same = held is not None and (held[0].status, held[0].party) == (row.status, row.party)
        current[row.place_id] = (row, held[1] if same and held else row.valid_from)
    return current


def history(store: Store, place_id: int) -> list[AccessPeriod]:
    return periods([r for r in access_changes(store) if r.place_id == place_id])


@dataclass(frozen=True)
class AccessOn:
    status: str
    party: str | None
    since: date
    inherited_from: str | None  # P-code of the parent whose status this is, if not the place's own

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "party": self.party,
            "since": self.since.isoformat(),
            "inherited_from": self.inherited_from,
        }


def access_of(
    tree: PlaceTree, current: dict[int, tuple[AccessRow, date]], place_id: int
) -> AccessOn | None:
    """The place's own status on the date, else the nearest parent's (a besieged sub-district's
    communities are besieged)."""
    for place in tree.chain(place_id):
        held = current.get(place.id)
        if held is not None:
            row, since = held
            inherited = None if place.id == place_id else place.pcode
            return AccessOn(row.status, row.party, since, inherited)
    return None


def access_within(
    tree: PlaceTree, current: dict[int, tuple[AccessRow, date]], level: int
) -> dict[int, dict[str, int]]:
    """For each place of ``level``: how many places below it have each status of their own.

    A sub-district with no status of its own may hold besieged communities; this says so.
    """
    found: dict[int, dict[str, int]] = {}
    for place_id, (row, _) in current.items():
        place = tree.places.get(place_id)
        if place is None or place.level <= level:
            continue
        above = tree.ancestor_at(place_id, level)
        if above is not None:
            counts = found.setdefault(above, {})
            counts[row.status] = counts.get(row.status, 0) + 1
    return found


#: The access statuses from the most severe to the least (docs/gaps.md, "Access of an area").
MOST_SEVERE_FIRST = ("besieged", "hard_to_reach", "accessible")
#: The level of the communities, the places access is recorded on.
COMMUNITY_LEVEL = 4


@dataclass(frozen=True)
class AccessSummary:
    """The access of an area's communities on a date: how many have each status (their own or
    the nearest parent's, as :func:`access_of` gives it) and how many have none.

    The area's summary status is the most severe status any of its communities has, labelled
    with how many of them have it: "besieged (2 of 5 communities)". A community summarises
    itself (1 of 1); an area without communities in the gazetteer summarises its own status.
    """

    counts: dict[str, int]
    communities: int

    @property
    def status(self) -> str | None:
        return next((s for s in MOST_SEVERE_FIRST if self.counts.get(s)), None)

    @property
    def count(self) -> int:
        return self.counts.get(self.status, 0) if self.status else 0

    @property
    def unknown(self) -> int:
        return self.communities - sum(self.counts.values())

    def text(self) -> str:
        """The summary in English words, for tables and downloads."""
        if self.status is None:
            return ""
        noun = "community" if self.communities == 1 else "communities"
        return f"{self.status} ({self.count} of {self.communities} {noun})"

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "count": self.count,
            "communities": self.communities,
            "counts": {s: self.counts[s] for s in MOST_SEVERE_FIRST if self.counts.get(s)},
            "unknown": self.unknown,
        }


def access_summaries(
    tree: PlaceTree, current: dict[int, tuple[AccessRow, date]], level: int, on: date
) -> dict[int, AccessSummary]:
    """For each place of ``level`` in force on ``on``: the access of its communities."""
    units: dict[int, list[int]] = {}
    for place in tree.places.values():
        if place.level != COMMUNITY_LEVEL or not tree.active(place, on):
            continue
        above = tree.ancestor_at(place.id, level) if level <= COMMUNITY_LEVEL else None
        if above is not None:
            units.setdefault(above, []).append(place.id)
    found: dict[int, AccessSummary] = {}
    for area in tree.at_level(level, on):
        counts: dict[str, int] = {}
        members = units.get(area.id) or [area.id]
        for member in members:
            access = access_of(tree, current, member)
            if access is not None:
                counts[access.status] = counts.get(access.status, 0) + 1
        found[area.id] = AccessSummary(counts, len(members))
    return found
