"""The instance of a delivery plan from the database (docs/plan.md): the places of a level with
people in need, their priority as weight, need per sector, and the trucks they can receive each
week by their access; the warehouses, items, stock and routes of the planning inputs.

Access rules, from the data:

* a **besieged** place receives only what approved convoys carry: the trucks approved in the
  convoys to it (or below it) decided on or before the plan's date and not yet delivered, in
  the first week; nothing in the weeks after (a convoy passes once; the next must be approved);
* a **hard-to-reach** place at most its place limit a week (the planning inputs' limits on it or
  a place above it), else the default (``hard_to_reach_trucks``);
* an **accessible** place (or one without a status) no limit but a place limit given for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from lagebild.analysis.access import access_of, status_on
from lagebild.analysis.gaps import people_in_need
from lagebild.analysis.plan import (
    Instance,
    Options,
    PlanError,
    PlanItemSpec,
    PlanPlace,
    PlanRoute,
    PlanStock,
    PlanWarehouse,
)
from lagebild.analysis.priorities import Model
from lagebild.analysis.priority_list import priority_list
from lagebild.analysis.tree import PlaceTree
from lagebild.messages import N_, Message
from lagebild.model import Place
from lagebild.model.convoys import Convoy
from lagebild.model.plan import PlaceLimit, PlanItem, Route, StockRow, Warehouse
from lagebild.store import Store
from lagebild.store.convoys import convoys as stored_convoys
from lagebild.store.places import all_places

#: Trucks a week into a hard-to-reach place without a place limit of its own.
HARD_TO_REACH_TRUCKS = 2.0
APPROVED = ("approved", "partly_approved")


@dataclass(frozen=True)
class Inputs:
    """The planning inputs as the store gives them (store/plan.py)."""

    warehouses: Sequence[Warehouse]
    items: Sequence[PlanItem]
    stock: Sequence[StockRow]
    limits: Sequence[PlaceLimit]
    routes: Sequence[Route]


@dataclass(frozen=True)
class Scenario:
    """What a scenario changes of the data: convoys denied, routes closed (no truck), trucks a
    warehouse dispatches a week."""

    denied_convoys: tuple[str, ...] = ()
    closed_routes: tuple[str, ...] = ()
    warehouse_trucks: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"denied_convoys": list(self.denied_convoys),
                "closed_routes": list(self.closed_routes),
                "warehouse_trucks": dict(self.warehouse_trucks)}  # fmt: skip

    def apply(self, inputs: Inputs) -> Inputs:
        """The inputs with the routes closed and the warehouses' trucks changed; refused when
        the scenario names a route or warehouse the inputs do not have."""
        names = {w.name for w in inputs.warehouses}
        routes = {r.name for r in inputs.routes}
        for name in self.warehouse_trucks:
            if name not in names:
                raise PlanError(Message(N_("no warehouse named %(name)s; there are: %(names)s"),
                                        {"name": repr(name), "names": tuple(sorted(names))}))
        for name in self.closed_routes:
            if name not in routes:
                raise PlanError(Message(N_("no route named %(name)s; there are: %(names)s"), {
                    "name": repr(name), "names": tuple(sorted(routes)) or Message(N_("none")),
                }))  # fmt: skip
        return Inputs(
            [replace(w, trucks_per_week=self.warehouse_trucks.get(w.name, w.trucks_per_week))
             for w in inputs.warehouses],
            inputs.items, inputs.stock, inputs.limits,
            [replace(r, trucks_per_week=0.0) if r.name in self.closed_routes else r
             for r in inputs.routes],
        )  # fmt: skip

    def convoys(self, convoys: Sequence[Convoy]) -> list[Convoy]:
        """The convoys with those the scenario denies denied; refused when it names a convoy
        that does not exist."""
        codes = {c.code for c in convoys}
        for code in self.denied_convoys:
            if code not in codes:
                raise PlanError(Message(N_("no convoy %(code)s"), {"code": repr(code)}))
        return [replace(c, status="denied") if c.code in self.denied_convoys else c
                for c in convoys]  # fmt: skip


class _Points:
    """Where places are: a place's coordinates, or the mean of those of the places below it.
    The sums below each place are made once, in one pass over the places."""

    def __init__(self, tree: PlaceTree) -> None:
        self.tree = tree
        self._below: dict[int, tuple[float, float, int]] | None = None

    def _sums(self) -> dict[int, tuple[float, float, int]]:
        if self._below is None:
            below: dict[int, tuple[float, float, int]] = {}
            for p in self.tree.places.values():
                if p.lat is None or p.lon is None:
                    continue
                for a in self.tree.chain(p.id):
                    lat, lon, n = below.get(a.id, (0, 0, 0))
                    below[a.id] = (lat + p.lat, lon + p.lon, n + 1)
            self._below = below
        return self._below

    def of(self, place: Place) -> tuple[float | None, float | None]:
        if place.lat is not None and place.lon is not None:
            return place.lat, place.lon
        found = self._sums().get(place.id)
        if found is None:
            return None, None
        lat, lon, n = found
        return lat / n, lon / n


def pending_convoys(convoys: Sequence[Convoy], tree: PlaceTree, as_of: date
                    ) -> dict[int, list[Convoy]]:  # fmt: skip
    """Approved convoys not yet delivered on ``as_of``, by the id of their place."""
    out: dict[int, list[Convoy]] = {}
    for c in convoys:
        decided = c.decided_on is not None and c.decided_on <= as_of
        open_ = c.delivered_on is None or c.delivered_on > as_of
        if c.status in APPROVED and decided and open_:
            out.setdefault(c.place_id, []).append(c)
    return out


class _Caps:
    """The trucks a place can receive each week, and why."""

    def __init__(self, tree: PlaceTree, inputs: Inputs, convoys: dict[int, list[Convoy]],
                 weeks: int, hard_to_reach: float) -> None:  # fmt: skip
        self.tree = tree
        self.limits = {lim.place_id: lim for lim in inputs.limits}
        self.convoys = convoys
        self.weeks = weeks
        self.hard_to_reach = hard_to_reach
        self._below: dict[int, list[Convoy]] | None = None

    def _limit(self, place_id: int) -> PlaceLimit | None:
        found = [self.limits[p.id] for p in self.tree.chain(place_id) if p.id in self.limits]
        return min(found, key=lambda lim: lim.trucks_per_week, default=None)

    def _approved(self, place_id: int) -> list[Convoy]:
        """The convoys to the place or below it (indexed by the places above theirs, once)."""
        if self._below is None:
            self._below = {}
            for pid, found in self.convoys.items():
                for a in self.tree.chain(pid):
                    self._below.setdefault(a.id, []).extend(found)
        return list(self._below.get(place_id, []))

    def of(self, place: Place, status: str | None) -> tuple[list[float | None], str, str]:
        """The trucks a week, why in words, and what kind of reason (``PlanPlace.cap_kind``)."""
        limit = self._limit(place.id)
        if status == "besieged":
            approved = self._approved(place.id)
            trucks = float(sum((c.trucks_approved or c.trucks or 0) for c in approved))
            if limit is not None:
                trucks = min(trucks, limit.trucks_per_week)
            codes = ", ".join(c.code for c in approved)
            why = (f"besieged: the approved convoys ({codes})" if approved
                   else "besieged: no approved convoy")  # fmt: skip
            first: list[float | None] = [trucks]
            return first + [0.0] * (self.weeks - 1), why, "convoys" if approved else "no_convoy"
        if limit is not None:
            return [limit.trucks_per_week] * self.weeks, (
                f"a limit of {limit.trucks_per_week:g} trucks a week"
                + (f" ({limit.source})" if limit.source else "")
            ), "limit"
        if status == "hard_to_reach":
            return [self.hard_to_reach] * self.weeks, (
                f"hard to reach: at most {self.hard_to_reach:g} trucks a week (the default)"
            ), "hard_to_reach"
        return [None] * self.weeks, "", ""


def build_instance(
    store: Store,
    inputs: Inputs,
    as_of: date,
    weeks: int,
    level: int = 4,
    model: Model | None = None,
    options: Options | None = None,
    hard_to_reach: float = HARD_TO_REACH_TRUCKS,
    convoys: Sequence[Convoy] | None = None,
) -> Instance:
    """The instance of a plan on ``as_of`` over ``weeks``, from the database and the inputs;
    ``convoys`` replaces the stored convoys (a scenario)."""
    if not inputs.warehouses or not inputs.items:
        raise PlanError(Message(N_(
            "no warehouses or no items: import the planning inputs first (docs/plan.md)"
        )))
    tree = PlaceTree(all_places(store))
    ranked = priority_list(store, as_of, 30, level, None, model, tree)
    sectors = sorted({i.sector for i in inputs.items})
    by_sector = {s: people_in_need(store, tree, as_of, s) for s in sectors}
    access = status_on(store, as_of)
    found = stored_convoys(store) if convoys is None else convoys
    caps = _Caps(tree, inputs, pending_convoys(found, tree, as_of), weeks, hard_to_reach)
    ids = {p.pcode: p.id for p in tree.places.values()}
    points = _Points(tree)
    places = []
    for row in ranked.places:
        overall = row.people_in_need.value if row.people_in_need else 0.0
        if overall <= 0 or row.priority is None or row.priority.score is None:
            continue
        place = tree.places[ids[row.pcode]]
        need = {}
        for s in sectors:
            own = by_sector[s].value(place.id)
            need[s] = own.value if own is not None else overall
        status = access_of(tree, access, place.id)
        cap, why, kind = caps.of(place, status.status if status else None)
        lat, lon = points.of(place)
        places.append(PlanPlace(place.pcode, row.name, status.status if status else None,
                                round(row.priority.score / 5, 6), need, cap, why, lat, lon,
                                kind))  # fmt: skip
    warehouses = [_warehouse(points, w) for w in inputs.warehouses]
    return Instance(
        as_of.isoformat(), weeks, places, warehouses,
        [PlanItemSpec(i.name, i.sector, i.people_per_unit_week, i.units_per_truck)
         for i in inputs.items],
        [PlanStock(s.warehouse, s.item, s.units) for s in inputs.stock],
        _routes(tree, inputs.routes, {p.pcode for p in places}),
        options or Options(),
    )  # fmt: skip


def _warehouse(points: _Points, w: Warehouse) -> PlanWarehouse:
    lat, lon = w.lat, w.lon
    if (lat is None or lon is None) and w.place_id in points.tree.places:
        lat, lon = points.of(points.tree.places[w.place_id])
    return PlanWarehouse(w.name, w.pcode, w.trucks_per_week, lat, lon)


def _routes(tree: PlaceTree, routes: Sequence[Route], planned: set[str]) -> list[PlanRoute]:
    """Each route with the places planned for in its area (indexed by the places above each
    planned place, once)."""
    below: dict[int, list[str]] = {}
    for p in tree.places.values():
        if p.pcode in planned:
            for a in tree.chain(p.id):
                below.setdefault(a.id, []).append(p.pcode)
    return [PlanRoute(r.name, r.warehouse, tuple(sorted(below.get(r.place_id, []))),
                      r.trucks_per_week, r.distance_km) for r in routes]  # fmt: skip


def instance_from_store(
    store: Store,
    as_of: date,
    weeks: int,
    level: int = 4,
    model: Model | None = None,
    options: Options | None = None,
    hard_to_reach: float = HARD_TO_REACH_TRUCKS,
    scenario: Scenario | None = None,
) -> Instance:
    """The instance of a plan from the database's planning inputs, changed by a scenario."""
    from lagebild.store.plan import place_limits, plan_items, routes, stock, warehouses

    scenario = scenario or Scenario()
    inputs = scenario.apply(Inputs(
        warehouses(store), plan_items(store), stock(store, as_of), place_limits(store, as_of),
        routes(store),
    ))  # fmt: skip
    return build_instance(store, inputs, as_of, weeks, level, model, options, hard_to_reach,
                          scenario.convoys(stored_convoys(store)))  # fmt: skip

