"""A delivery plan: which warehouse sends what to which place in which week, solved as a linear
programme with HiGHS, beside the greedy plan made the way it is done today (docs/plan.md).

The instance (``Instance``) holds everything the solution depends on, so that anyone can solve
it again from the plan's JSON and get the same objective:

    maximise    Σ_p Σ_s Σ_t  w_p · c[p,s,t]
    subject to  c[p,s,t] ≤ need[p,s]                                  people in need
                c[p,s,t] ≤ Σ_h Σ_{i of s} a_i · x[h,p,i,t]            what arrives serves them
                Σ_p Σ_t x[h,p,i,t] ≤ stock[h,i]                        stock
                Σ_p Σ_i x[h,p,i,t] / u_i ≤ trucks[h]          each t   dispatch
                Σ_h Σ_i x[h,p,i,t] / u_i ≤ cap[p,t]           each t   access
                Σ_{p in r} Σ_i x[h_r,p,i,t] / u_i ≤ trucks[r]  each t   routes (optional)
                x ≥ 0, c ≥ 0

with ``w_p`` the place's priority weight (0-1), ``a_i`` the people one unit of item i serves for a
week and ``u_i`` the units a truck carries. Ties are broken by distance: the objective the solver
sees subtracts a tiny cost per truck-kilometre, too small to trade one person for any distance;
the objective reported is the people's alone.
"""

from __future__ import annotations

import math
import os
import sys
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from lagebild.errors import RefusedInput

#: What breaks ties between equal plans: a cost per unit shipped of this share of the least
#: value a unit of the item has (the lowest weight times the people it serves), times the
#: distance as a share of the farthest; never worth one person.
TIE_BREAK = 1e-4
#: Below this a value is nothing (HiGHS works to about 1e-7 relative).
EPSILON = 1e-6


class PlanError(RefusedInput):
    """An instance that cannot be planned: what is missing or contradicts itself."""

    code = "plan"


@dataclass(frozen=True)
class PlanPlace:
    """A place the plan may serve: its access status, priority weight (0-1), people in need per
    sector, the trucks it can receive each week (None: no limit) and where it is."""

    pcode: str
    name: str
    access: str | None
    weight: float
    need: dict[str, float]
    cap: list[float | None]
    cap_reason: str = ""
    lat: float | None = None
    lon: float | None = None
    #: What the cap comes from: "convoys" (approved convoys into a besieged place), "no_convoy",
    #: "limit" (a place limit), "hard_to_reach" (the default), "" (none).
    cap_kind: str = ""


@dataclass(frozen=True)
class PlanWarehouse:
    name: str
    pcode: str | None
    trucks_per_week: float
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class PlanItemSpec:
    name: str
    sector: str
    people_per_unit_week: float
    units_per_truck: float


@dataclass(frozen=True)
class PlanStock:
    warehouse: str
    item: str
    units: float


@dataclass(frozen=True)
class PlanRoute:
    """At most ``trucks_per_week`` from ``warehouse`` into the places listed (an area's)."""

    name: str
    warehouse: str
    pcodes: tuple[str, ...]
    trucks_per_week: float | None
    distance_km: float | None = None


@dataclass
class Options:
    whole_trucks: bool = False  # x / u_i in whole trucks per warehouse, place and week (MIP)
    equity_floor: float = 0.0  # each place with need: at least this share of it covered a week
    replenish: bool = False  # each warehouse's stock arrives again every week


@dataclass
class Instance:
    as_of: str
    weeks: int
    places: list[PlanPlace]
    warehouses: list[PlanWarehouse]
    items: list[PlanItemSpec]
    stock: list[PlanStock]
    routes: list[PlanRoute] = field(default_factory=list)
    options: Options = field(default_factory=Options)

    def as_dict(self) -> dict[str, Any]:
        return {
            "places": [asdict(p) for p in self.places],
            "warehouses": [asdict(w) for w in self.warehouses],
            "items": [asdict(i) for i in self.items],
            "stock": [asdict(s) for s in self.stock],
            "routes": [{**asdict(r), "pcodes": list(r.pcodes)} for r in self.routes],
            "options": asdict(self.options),
        }

    @classmethod
    def from_dict(cls, as_of: str, weeks: int, data: dict[str, Any]) -> Instance:
        """The instance a plan's JSON carries (``instance``), to solve it again."""
        try:
            return cls(
                as_of,
                weeks,
                [PlanPlace(**p) for p in data["places"]],
                [PlanWarehouse(**w) for w in data["warehouses"]],
                [PlanItemSpec(**i) for i in data["items"]],
                [PlanStock(**s) for s in data["stock"]],
                [PlanRoute(**{**r, "pcodes": tuple(r["pcodes"])}) for r in data.get("routes", [])],
                Options(**data.get("options", {})),
            )
        except (KeyError, TypeError) as exc:
            raise PlanError(f"not the instance of a lagebild plan: {exc}") from exc

    def reach(self) -> dict[str, set[str] | None]:
        """Where each warehouse may send: a warehouse with routes only into its routes' areas
        (a cross-border hub serves the areas across its crossing); one without, everywhere
        (None)."""
        out: dict[str, set[str] | None] = {w.name: None for w in self.warehouses}
        for r in self.routes:
            found = out.get(r.warehouse)
            out[r.warehouse] = (found or set()) | set(r.pcodes)
        return out

    def check(self) -> None:
        """Refuse what cannot be solved, saying what."""
        if self.weeks < 1:
            raise PlanError("a plan needs at least one week")
        names = {w.name for w in self.warehouses}
        items = {i.name for i in self.items}
        for s in self.stock:
            if s.warehouse not in names:
                raise PlanError(f"stock of {s.item!r} in an unknown warehouse {s.warehouse!r}")
            if s.item not in items:
                raise PlanError(f"stock of an unknown item {s.item!r} in {s.warehouse!r}")
        for i in self.items:
            if i.people_per_unit_week <= 0 or i.units_per_truck <= 0:
                raise PlanError(f"item {i.name!r}: people per unit and units per truck must be > 0")
        for p in self.places:
            if len(p.cap) != self.weeks:
                raise PlanError(f"{p.pcode}: a truck limit for each of the {self.weeks} weeks")
        if not 0 <= self.options.equity_floor <= 1:
            raise PlanError("the equity floor is a share of need between 0 and 1")


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The distance in km between two (lat, lon) points on a sphere of the Earth's mean radius."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(
        (lon2 - lon1) / 2
    ) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def distances(instance: Instance) -> dict[tuple[str, str], float | None]:
    """(warehouse, place) -> km: a route's length where a route gives one, else the great
    circle, else None (no coordinates)."""
    out: dict[tuple[str, str], float | None] = {}
    for w in instance.warehouses:
        for p in instance.places:
            known = w.lat is not None and w.lon is not None and p.lat is not None
            out[(w.name, p.pcode)] = (
                great_circle_km((w.lat, w.lon), (p.lat, p.lon))  # type: ignore[arg-type]
                if known and p.lon is not None else None
            )
    for r in instance.routes:
        if r.distance_km is not None:
            for pcode in r.pcodes:
                out[(r.warehouse, pcode)] = r.distance_km
    return out


# -- the linear programme ----------------------------------------------------------------------


@dataclass
class Shipment:
    week: int
    warehouse: str
    pcode: str
    item: str
    units: float
    trucks: float


@dataclass
class Binding:
    constraint: str
    shadow_price: float
    meaning: str
    kind: str = ""  # dispatch, place, stock, route, floor
    subject: str = ""  # the warehouse, place (P-code), route; for stock "warehouse / item"
    week: int | None = None  # 1-based
    one_more: float | None = None  # one more truck (of stock: truckload), solved again: weighted
    one_more_people: float | None = None  # ... and as people


@dataclass
class Solution:
    status: str
    objective: float | None
    shipments: list[Shipment]
    covered: dict[tuple[str, str, int], float]  # (pcode, sector, week) -> people
    binding: list[Binding] = field(default_factory=list)


@contextmanager
def quiet_highs() -> Iterator[None]:
    """HiGHS greets on standard output when it first starts: not into a plan's JSON."""
    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(null)
        os.close(saved)


class _Programme:
    """The columns and rows of the linear programme of an instance, built for HiGHS."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.km = distances(instance)
        self.items = {i.name: i for i in instance.items}
        self.stocked = {(s.warehouse, s.item): s.units for s in instance.stock if s.units > 0}
        self.x: dict[tuple[str, str, str, int], int] = {}  # (h, p, i, t) -> column
        self.c: dict[tuple[str, str, int], int] = {}  # (p, s, t) -> column
        self.y: dict[tuple[str, str, int], int] = {}  # whole trucks (h, p, t) -> column
        self.cost: list[float] = []
        self.upper: list[float] = []
        self.rows: list[tuple[float, float, dict[int, float], str, tuple[Any, ...]]] = []
        self._columns()
        self._constraints()

    def _column(self, cost: float, upper: float) -> int:
        self.cost.append(cost)
        self.upper.append(upper)
        return len(self.cost) - 1

    def _columns(self) -> None:
        inst = self.instance
        farthest = max((d for d in self.km.values() if d is not None), default=0.0)
        lightest = min((p.weight for p in inst.places if p.weight > 0), default=1.0)
        reach = inst.reach()
        routed: set[tuple[str, str, int]] = set()  # (h, p, t) with a shipment column
        for t in range(inst.weeks):
            for p in inst.places:
                for sector, need in p.need.items():
                    if need > 0:
                        self.c[(p.pcode, sector, t)] = self._column(p.weight, need)
                for (h, name), _ in self.stocked.items():
                    item = self.items[name]
                    served = reach.get(h)
                    if p.need.get(item.sector, 0) <= 0 or (served is not None
                                                           and p.pcode not in served):
                        continue
                    km = self.km.get((h, p.pcode))
                    share = ((km if km is not None else farthest) + 1) / (farthest + 1)
                    tie = TIE_BREAK * lightest * item.people_per_unit_week * share
                    self.x[(h, p.pcode, name, t)] = self._column(-tie, math.inf)
                    routed.add((h, p.pcode, t))
                if inst.options.whole_trucks:
                    for w in inst.warehouses:
                        if (w.name, p.pcode, t) in routed:
                            self.y[(w.name, p.pcode, t)] = self._column(0.0, math.inf)

    def _row(self, low: float, high: float, terms: dict[int, float], kind: str,
             *key: Any) -> None:  # fmt: skip
        if terms:
            self.rows.append((low, high, terms, kind, key))

    def _constraints(self) -> None:
        by_place: dict[tuple[str, int], list[tuple[str, str, int]]] = defaultdict(list)
        for (h, p, i, t), col in self.x.items():
            by_place[(p, t)].append((h, i, col))
        # what arrives serves c: c - Σ a_i x ≤ 0
        for (p, s, t), col in self.c.items():
            terms = {col: 1.0}
            for _, i, xc in by_place[(p, t)]:
                if self.items[i].sector == s:
                    terms[xc] = -self.items[i].people_per_unit_week
            self._row(-math.inf, 0.0, terms, "serve", p, s, t)
        self._stock_rows()
        self._truck_rows(by_place)
        self._floor_rows()

    def _stock_rows(self) -> None:
        weeks = range(self.instance.weeks)
        # The shipment columns by (h, i) and by (h, i, t), in the columns' order: one pass.
        by_stock: dict[tuple[str, str], list[int]] = defaultdict(list)
        by_week: dict[tuple[str, str, int], list[int]] = defaultdict(list)
        for (h, _, i, t), col in self.x.items():
            by_stock[(h, i)].append(col)
            by_week[(h, i, t)].append(col)
        for (h, i), units in self.stocked.items():
            if self.instance.options.replenish:
                for t in weeks:
                    terms = dict.fromkeys(by_week[(h, i, t)], 1.0)
                    self._row(-math.inf, units, terms, "stock", h, i, t)
            else:
                self._row(-math.inf, units, dict.fromkeys(by_stock[(h, i)], 1.0), "stock", h, i)

    def _trucks(self, keys: list[tuple[str, str, str, int]]) -> dict[int, float]:
        """The trucks of shipments: their loads, or with whole trucks the trucks sent."""
        if self.y:
            sent = {(h, p, t) for h, p, _, t in keys}
            return {self.y[k]: 1.0 for k in sent if k in self.y}
        return {self.x[k]: 1.0 / self.items[k[2]].units_per_truck for k in keys}

    def _truck_rows(self, by_place: dict[tuple[str, int], list[tuple[str, str, int]]]) -> None:
        inst = self.instance
        # The shipment keys by (h, t), (p, t) and (h, p, t), in the columns' order: one pass.
        from_store: dict[tuple[str, int], list[tuple[str, str, str, int]]] = defaultdict(list)
        into: dict[tuple[str, int], list[tuple[str, str, str, int]]] = defaultdict(list)
        pair: dict[tuple[str, str, int], list[tuple[str, str, str, int]]] = defaultdict(list)
        for k in self.x:
            from_store[(k[0], k[3])].append(k)
            into[(k[1], k[3])].append(k)
            pair[(k[0], k[1], k[3])].append(k)
        for t in range(inst.weeks):
            for w in inst.warehouses:
                keys = from_store[(w.name, t)]
                self._row(-math.inf, w.trucks_per_week, self._trucks(keys), "dispatch", w.name, t)
            for spot in inst.places:
                cap = spot.cap[t]
                if cap is not None:
                    keys = into[(spot.pcode, t)]
                    self._row(-math.inf, cap, self._trucks(keys), "place", spot.pcode, t)
            for r in inst.routes:
                if r.trucks_per_week is None:
                    continue
                inside = set(r.pcodes)
                keys = [k for k in from_store[(r.warehouse, t)] if k[1] in inside]
                self._row(-math.inf, r.trucks_per_week, self._trucks(keys), "route", r.name, t)
            for (h, p, tt), col in self.y.items():
                if tt == t:
                    keys = pair[(h, p, t)]
                    loads = {self.x[k]: 1.0 / self.items[k[2]].units_per_truck for k in keys}
                    self._row(-math.inf, 0.0, {**loads, col: -1.0}, "whole", h, p, t)

    def _floor_rows(self) -> None:
        floor = self.instance.options.equity_floor
        if floor <= 0:
            return
        for (p, s, t), col in self.c.items():
            need = self.upper[col]
            self._row(floor * need, math.inf, {col: 1.0}, "floor", p, s, t)

    def solve(self) -> tuple[str, np.ndarray, np.ndarray]:
        import highspy

        with quiet_highs():
            highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        n = len(self.cost)
        inf = highspy.kHighsInf
        highs.addCols(n, np.array(self.cost), np.zeros(n),
                      np.array([inf if math.isinf(u) else u for u in self.upper]),
                      0, np.array([], dtype=np.int32), np.array([], dtype=np.int32),
                      np.array([]))  # fmt: skip
        starts: list[int] = []
        index: list[int] = []
        value: list[float] = []
        for _, _, terms, _, _ in self.rows:
            starts.append(len(index))
            index.extend(terms)
            value.extend(terms.values())
        lows = np.array([-inf if math.isinf(r[0]) else r[0] for r in self.rows])
        highs_ = np.array([inf if math.isinf(r[1]) else r[1] for r in self.rows])
        highs.addRows(
            len(self.rows), lows, highs_, len(index), np.array(starts, dtype=np.int32),
            np.array(index, dtype=np.int32), np.array(value, dtype=np.float64),
        )  # fmt: skip
        highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
        if self.y:
            for col in self.y.values():
                highs.changeColIntegrality(col, highspy.HighsVarType.kInteger)
        highs.run()
        self.highs = highs
        status = highs.modelStatusToString(highs.getModelStatus())
        solution = highs.getSolution()
        return status, np.array(solution.col_value), np.array(solution.row_dual)

    def covered(self, cols: np.ndarray) -> tuple[float, float]:
        """People covered, weighted by priority and as people, of a solution's columns."""
        weights = {p.pcode: p.weight for p in self.instance.places}
        weighted = sum(weights[p] * float(cols[col]) for (p, _, _), col in self.c.items())
        return weighted, sum(float(cols[col]) for col in self.c.values())

    def gain(self, row: int, delta: float, base: tuple[float, float]) -> tuple[float, float]:
        """What ``delta`` more on a row's bound adds to the people covered (weighted, people):
        solved again, not read off the shadow price, which holds only at the margin."""
        low, high = self.rows[row][0], self.rows[row][1]
        self.highs.changeRowBounds(row, -self.highs.getInfinity() if math.isinf(low) else low,
                                   high + delta)  # fmt: skip
        self.highs.run()
        found = self.covered(np.array(self.highs.getSolution().col_value))
        self.highs.changeRowBounds(row, -self.highs.getInfinity() if math.isinf(low) else low,
                                   high)  # fmt: skip
        return found[0] - base[0], found[1] - base[1]


def solve(instance: Instance) -> Solution:
    """The optimal plan of an instance (HiGHS), with its binding constraints explained."""
    instance.check()
    lp = _Programme(instance)
    if not lp.x:
        return Solution("Optimal", 0.0, [], {})
    status, cols, duals = lp.solve()
    if status != "Optimal":
        return Solution(status, None, [], {})
    shipments = [
        Shipment(t + 1, h, p, i, float(cols[col]), float(cols[col]) / lp.items[i].units_per_truck)
        for (h, p, i, t), col in lp.x.items()
        if cols[col] > EPSILON
    ]
    covered = {k: float(cols[col]) for k, col in lp.c.items() if cols[col] > EPSILON}
    weights = {p.pcode: p.weight for p in instance.places}
    objective = sum(weights[p] * v for (p, _, _), v in covered.items())
    binding = [] if lp.y else explain_binding(lp, duals, lp.covered(cols))
    return Solution(status, objective, shipments, covered, binding)


#: How many of the dearest binding constraints (one per warehouse, place, route or stock) get
#: the effect of one more truck worked out by solving again.
SOLVED_AGAIN = 8


def explain_binding(lp: _Programme, duals: np.ndarray,
                    base: tuple[float, float]) -> list[Binding]:  # fmt: skip
    """The constraints whose one more unit would add to the objective, the dearest first; for
    the dearest few, what one more truck (or truckload of stock) would cover, solved again."""
    found = []
    for row, ((_, _, _, kind, key), dual) in enumerate(zip(lp.rows, duals, strict=True)):
        price = float(dual)
        if kind == "serve" or abs(price) < 1e-6:
            continue
        week = key[-1] + 1 if isinstance(key[-1], int) else None
        subject = " / ".join(str(k) for k in (key[:-1] if week is not None else key))
        found.append((row, Binding(_name(kind, key), price, "", kind, subject, week)))
    found.sort(key=lambda rb: -abs(rb[1].shadow_price))
    places = {p.pcode: p for p in lp.instance.places}
    solved: set[tuple[str, str]] = set()
    for row, b in found:
        key = lp.rows[row][4]
        if b.kind in ("dispatch", "place", "route", "stock") and len(solved) < SOLVED_AGAIN \
                and (b.kind, b.subject) not in solved:
            solved.add((b.kind, b.subject))
            delta = lp.items[key[1]].units_per_truck if b.kind == "stock" else 1.0
            b.one_more, b.one_more_people = lp.gain(row, delta, base)
        b.meaning = _meaning(b, key, places)
    return [b for _, b in found]


def _name(kind: str, key: tuple[Any, ...]) -> str:
    week = f", week {key[-1] + 1}" if isinstance(key[-1], int) else ""
    head = ", ".join(str(k) for k in (key[:-1] if week else key))
    return f"{kind}: {head}{week}"


def _effect(b: Binding, what: str) -> str:
    if b.one_more is None:
        return (f"at the margin, {what} is worth {b.shadow_price:,.1f} priority-weighted people "
                "in need per unit")  # fmt: skip
    if (b.one_more_people or 0.0) < 0.5:
        return (f"{what} would move aid to it from places of lower priority (people covered "
                f"weighted by priority: +{b.one_more:,.0f})")  # fmt: skip
    return (f"{what} would cover {b.one_more_people:,.0f} more people in need "
            f"({b.one_more:,.0f} weighted by priority)")  # fmt: skip


def _meaning(b: Binding, key: tuple[Any, ...], places: dict[str, PlanPlace]) -> str:
    if b.kind == "dispatch":
        return _effect(b, f"one more truck at warehouse {key[0]} in week {key[1] + 1}")
    if b.kind == "place":
        place = places[key[0]]
        cap = place.cap[key[1]] or 0.0
        why = place.cap_reason or f"a limit of {cap:g} trucks a week"
        return (f"{place.name} ({place.pcode}) may receive {cap:g} trucks in week {key[1] + 1} "
                f"({why}); " + _effect(b, "one more truck"))  # fmt: skip
    if b.kind == "stock":
        return _effect(b, f"one more truckload of {key[1]} at {key[0]}")
    if b.kind == "route":
        return _effect(b, f"one more truck on the route {key[0]} in week {key[1] + 1}")
    if b.kind == "floor":
        return (f"the equity floor at {key[0]} ({key[1]}, week {key[2] + 1}) costs "
                f"{b.shadow_price:,.2f} priority-weighted people elsewhere per person kept "
                "above it")  # fmt: skip
    return f"{b.kind}: {b.shadow_price:,.2f}"


# -- the greedy plan, as it is done today ------------------------------------------------------


class _Greedy:
    """Highest priority first, nearest warehouse first, until stock or trucks run out."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.km = distances(instance)
        self.items = {i.name: i for i in instance.items}
        self.stock = {(s.warehouse, s.item): s.units for s in instance.stock if s.units > 0}
        self.routes = [r for r in instance.routes if r.trucks_per_week is not None]
        self.reach = instance.reach()

    def week(self, t: int, plan: Solution) -> None:
        inst = self.instance
        trucks = {w.name: w.trucks_per_week for w in inst.warehouses}
        route_left = {r.name: r.trucks_per_week or 0.0 for r in self.routes}
        if inst.options.replenish:
            self.stock = {(s.warehouse, s.item): s.units for s in inst.stock if s.units > 0}
        order = sorted(inst.places, key=lambda p: (-p.weight, self._nearest(p), p.pcode))
        for place in order:
            limit = place.cap[t]
            cap_left: float = limit if limit is not None else math.inf
            for sector, need in sorted(place.need.items()):
                unmet = need
                for h, name in self._sources(place, sector):
                    item = self.items[name]
                    routes = [r for r in self.routes
                              if r.warehouse == h and place.pcode in r.pcodes]  # fmt: skip
                    room = min([trucks[h], cap_left, *(route_left[r.name] for r in routes)])
                    units = min(unmet / item.people_per_unit_week, self.stock[(h, name)],
                                room * item.units_per_truck)  # fmt: skip
                    if units <= EPSILON:
                        continue
                    load = units / item.units_per_truck
                    self.stock[(h, name)] -= units
                    trucks[h] -= load
                    cap_left -= load
                    for r in routes:
                        route_left[r.name] -= load
                    unmet -= units * item.people_per_unit_week
                    plan.shipments.append(Shipment(t + 1, h, place.pcode, name, units, load))
                if need - unmet > EPSILON:
                    plan.covered[(place.pcode, sector, t)] = need - unmet

    def _nearest(self, place: PlanPlace) -> float:
        known = [d for (h, p), d in self.km.items() if p == place.pcode and d is not None]
        return min(known, default=math.inf)

    def _reaches(self, warehouse: str, pcode: str) -> bool:
        served = self.reach.get(warehouse)
        return served is None or pcode in served

    def _sources(self, place: PlanPlace, sector: str) -> list[tuple[str, str]]:
        """(warehouse, item) with stock of the sector, nearest warehouse first."""
        found = [(h, i) for (h, i), units in self.stock.items()
                 if units > EPSILON and self.items[i].sector == sector
                 and self._reaches(h, place.pcode)]  # fmt: skip
        far = math.inf
        return sorted(found, key=lambda k: (self.km.get((k[0], place.pcode)) or far, k))


def greedy(instance: Instance) -> Solution:
    """The plan made by hand today: each week, the places by priority, each served from the
    nearest warehouse that has the sector's items, as much as need, stock, the warehouse's
    trucks, the place's limit and the routes allow."""
    instance.check()
    plan = Solution("Greedy", 0.0, [], {})
    maker = _Greedy(instance)
    for t in range(instance.weeks):
        maker.week(t, plan)
    weights = {p.pcode: p.weight for p in instance.places}
    plan.objective = sum(weights[p] * v for (p, _, _), v in plan.covered.items())
    return plan


# -- the plan's report -------------------------------------------------------------------------


def covered_by_place(instance: Instance, solution: Solution) -> dict[str, float]:
    """People covered a week on average, summed over sectors, per place."""
    out: dict[str, float] = defaultdict(float)
    for (p, _, _), people in solution.covered.items():
        out[p] += people / instance.weeks
    return dict(out)


def by_access(instance: Instance, solution: Solution) -> dict[str, dict[str, float]]:
    """Per access status: people in need (summed over sectors) and covered a week on average."""
    covered = covered_by_place(instance, solution)
    out: dict[str, dict[str, float]] = {}
    for p in instance.places:
        status = p.access or "unknown"
        row = out.setdefault(status, {"need": 0.0, "covered": 0.0})
        row["need"] += sum(p.need.values())
        row["covered"] += covered.get(p.pcode, 0.0)
    return out
