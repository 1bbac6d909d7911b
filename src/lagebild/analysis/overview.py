"""The overview's breakdowns: besieged population by besieging party, coverage by sector and
people reached per month. Pure functions of the store, like ``situation`` and ``gaps``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from lagebild.analysis.access import access_of, status_on
from lagebild.analysis.figures import FigureValue, Rollup, current_figures, own_from
from lagebild.analysis.gaps import activity, people_in_need
from lagebild.analysis.situation import own_or_population
from lagebild.analysis.tree import PlaceTree
from lagebild.model import Place
from lagebild.store import Store, listing
from lagebild.store.places import all_places
from lagebild.store.sources import all_sources


@dataclass
class PartyShare:
    """The people besieged by one party on a date, and the places they live in.

    ``party`` is None for people whose besieging party is not recorded, or whose place is not
    besieged on the date (a besieged figure that outlived the siege).
    """

    party: str | None
    people: float = 0.0
    places: list[tuple[Place, FigureValue]] = field(default_factory=list)


def besieged_by_party(store: Store, as_of: date, tree: PlaceTree | None = None) -> list[PartyShare]:
    """The besieged population of ``situation`` split by the party besieging each place.

    The total besieged figure is the sum of the topmost places that have a figure of their own (or,
    besieged without one, their population); each of those counts for the party besieging it on
    ``as_of`` (its own status, else its nearest parent's). The shares add up to the total. Largest
    share first; places without a besieging party on the date share ``party=None``.
    """
    tree = tree or PlaceTree(all_places(store))
    sources = all_sources(store)
    access_now = status_on(store, as_of)
    population = Rollup(
        tree, own_from(current_figures(store, "population", as_of, "", sources), sources)
    )
    own = own_or_population(
        "besieged",
        current_figures(store, "besieged", as_of, "", sources),
        population,
        tree,
        access_now,
        sources,
    )
    shares: dict[str | None, PartyShare] = {}
    stack = list(reversed(tree.roots()))
    while stack:
        node = stack.pop()
        value = own(node)
        if value is None:
            stack.extend(reversed(tree.children.get(node, [])))
            continue
        if value.value <= 0:
            continue
        access = access_of(tree, access_now, node)
        party = access.party if access and access.status == "besieged" else None
        share = shares.setdefault(party, PartyShare(party))
        share.people += value.value
        share.places.append((tree.places[node], value))
    for share in shares.values():
        share.places.sort(key=lambda item: (-item[1].value, item[0].pcode))
    return sorted(shares.values(), key=lambda s: (s.party is None, -s.people, s.party or ""))


@dataclass(frozen=True)
class SectorCoverage:
    """People reached in the window in one sector against the people in need.

    ``basis`` says which people in need: ``sector`` (the sector's own figure) or ``inter-sector``
    (the sector has no figure, so the inter-sector figure stands in).
    """

    sector: str
    reached: float
    people_in_need: FigureValue | None
    basis: str
    coverage: float | None


def coverage_by_sector(
    store: Store, as_of: date, window: int = 30, tree: PlaceTree | None = None
) -> list[SectorCoverage]:
    """Per sector with deliveries in the window or a people-in-need figure of its own: reached,
    people in need and coverage over the whole tree. Sectors in name order."""
    tree = tree or PlaceTree(all_places(store))
    roots = tree.roots()
    if not roots:
        return []
    reached: dict[str, float] = defaultdict(float)
    for level in sorted({tree.places[r].level for r in roots}):
        act = activity(store, tree, as_of, window, level, None)
        for root in roots:
            if tree.places[root].level != level or root not in act.reached:
                continue
            for sector, people in act.reached[root].by_sector.items():
                reached[sector] += people
    inter_sector = people_in_need(store, tree, as_of, None).total(roots)
    known = {s for s in listing.figure_sectors(store, "inneed") if s}
    out = []
    for sector in sorted((set(reached) | known) - {""}):
        need = people_in_need(store, tree, as_of, sector).total(roots)
        basis = "sector"
        if need is None:
            need, basis = inter_sector, "inter-sector"
        if sector not in reached and basis == "inter-sector":
            continue  # a sector named only by deliveries outside the window
        people = reached.get(sector, 0.0)
        coverage = people / need.value if need is not None and need.value > 0 else None
        out.append(SectorCoverage(sector, people, need, basis, coverage))
    return out


@dataclass(frozen=True)
class MonthReached:
    """People reached in one month: ``lower`` the largest per-sector sum (unique people, at
    least), ``upper`` the sum over sectors."""

    month: date  # the first day of the month
    lower: float
    upper: float
    deliveries: int
    by_sector: dict[str, float]


def month_start(day: date, back: int = 0) -> date:
    """The first day of the month ``back`` months before ``day``'s."""
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def monthly_reached(
    store: Store,
    as_of: date,
    months: int = 12,
    place_ids: Sequence[int] | None = None,
    sector: str | None = None,
) -> list[MonthReached]:
    """People reached by completed and partial deliveries in each of the ``months`` months up to
    ``as_of`` (the last one ending on ``as_of``), oldest first; months without any are zero."""
    first = month_start(as_of, months - 1)
    rows = listing.monthly_reached(store, first, as_of, sector, place_ids)
    sums: dict[str, dict[str, float]] = defaultdict(dict)
    counts: dict[str, int] = defaultdict(int)
    for month, row_sector, people, n in rows:
        sums[month][row_sector] = sums[month].get(row_sector, 0.0) + people
        counts[month] += n
    out = []
    for back in range(months - 1, -1, -1):
        start = month_start(as_of, back)
        key = f"{start.year:04d}-{start.month:02d}"
        by_sector = sums.get(key, {})
        out.append(
            MonthReached(
                start,
                max(by_sector.values(), default=0.0),
                sum(by_sector.values()),
                counts.get(key, 0),
                dict(by_sector),
            )
        )
    return out


__all__ = [
    "MonthReached",
    "PartyShare",
    "SectorCoverage",
    "besieged_by_party",
    "coverage_by_sector",
    "month_start",
    "monthly_reached",
]
