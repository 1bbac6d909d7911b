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
