"""The delivery plan's linear programme (analysis/plan.py, docs/plan.md) on instances small
enough to solve by hand: what it ships, the objective, the shadow prices and their words, the
greedy plan beside it, and that the JSON's instance solves again to the same objective."""

from __future__ import annotations

from dataclasses import replace

import pytest

from lagebild.analysis.plan import (
    Instance,
    Options,
    PlanError,
    PlanItemSpec,
    PlanPlace,
    PlanRoute,
    PlanStock,
    PlanWarehouse,
    by_access,
    covered_by_place,
    great_circle_km,
    greedy,
    solve,
)

FOOD = PlanItemSpec("food ration", "food", people_per_unit_week=5, units_per_truck=100)
KITS = PlanItemSpec("hygiene kit", "wash", people_per_unit_week=2, units_per_truck=500)
DAMASCUS = (33.51, 36.29)
MADAYA = (33.69, 36.10)
IDLEB = (35.93, 36.63)


def place(pcode: str, weight: float, need: dict[str, float], cap: float | None = None,
          weeks: int = 1, at: tuple[float, float] = DAMASCUS, access: str = "accessible"
          ) -> PlanPlace:  # fmt: skip
    return PlanPlace(pcode, pcode, access, weight, need, [cap] * weeks, "", *at)


def instance(places: list[PlanPlace], trucks: float = 10, stock: float = 1000, weeks: int = 1,
             **more: object) -> Instance:  # fmt: skip
    return Instance(
        "2017-02-28", weeks, places, [PlanWarehouse("Damascus", "C1001", trucks, *DAMASCUS)],
        [FOOD, KITS], [PlanStock("Damascus", "food ration", stock)], **more,  # type: ignore[arg-type]
    )


def test_scarce_stock_goes_to_the_place_of_higher_priority() -> None:
    # 200 rations feed 1,000 people a week; A (0.9) and B (0.5) each have 1,000 in need.
    inst = instance([place("A", 0.9, {"food": 1000}), place("B", 0.5, {"food": 1000})],
                    stock=200)  # fmt: skip
    plan = solve(inst)
    assert plan.status == "Optimal"
    assert covered_by_place(inst, plan) == {"A": pytest.approx(1000)}
    assert plan.covered == {("A", "food", 0): pytest.approx(1000)}
    assert plan.objective == pytest.approx(0.9 * 1000)
    assert [(s.pcode, s.units, s.trucks) for s in plan.shipments] == [
        ("A", pytest.approx(200), pytest.approx(2))
    ]


def test_a_place_limit_caps_what_arrives_and_its_shadow_price_is_a_truckload_of_people() -> None:
    # Madaya may receive one truck a week (100 rations, 500 people) of its 3,000 in need.
    madaya = replace(place("C2450", 0.8, {"food": 3000}, cap=1, at=MADAYA, access="besieged"),
                     cap_reason="the approved convoys to Madaya")  # fmt: skip
    plan = solve(instance([madaya]))
    assert plan.covered[("C2450", "food", 0)] == pytest.approx(500)
    assert plan.objective == pytest.approx(0.8 * 500)
    binding = {b.constraint: b for b in plan.binding}
    limit = binding["place: C2450, week 1"]
    # One more truck: 100 rations × 5 people × weight 0.8 = 400 (less the tie-break's crumb).
    assert limit.shadow_price == pytest.approx(400, rel=1e-3)
    assert limit.meaning.startswith(
        "C2450 (C2450) may receive 1 trucks in week 1 (the approved convoys to Madaya)"
    )
    # Solved again with a second truck: 500 more people, 400 weighted.
    assert (limit.one_more_people, limit.one_more) == (pytest.approx(500), pytest.approx(400))
    assert "one more truck would cover 500 more people in need (400 weighted" in limit.meaning


def test_one_more_truck_at_a_busy_warehouse_is_worth_what_it_would_carry() -> None:
    # Two trucks a week for 5,000 in need: the dispatch binds; a truck is 500 people × 0.6.
    plan = solve(instance([place("A", 0.6, {"food": 5000})], trucks=2))
    assert plan.covered[("A", "food", 0)] == pytest.approx(1000)
    dispatch = next(b for b in plan.binding if b.constraint == "dispatch: Damascus, week 1")
    assert dispatch.shadow_price == pytest.approx(300, rel=1e-3)
    assert dispatch.one_more == pytest.approx(300)
    assert "one more truck at warehouse Damascus in week 1 would cover 500 more" in (
        dispatch.meaning
    )


def test_stock_lasts_over_the_weeks_unless_it_is_replenished() -> None:
    places = [place("A", 1.0, {"food": 1000}, weeks=3)]
    once = solve(instance(places, stock=300, weeks=3))
    assert sum(once.covered.values()) == pytest.approx(1500)  # 300 rations × 5, all weeks
    again = solve(instance(places, stock=300, weeks=3, options=Options(replenish=True)))
    assert sum(again.covered.values()) == pytest.approx(3000)  # 1,000 a week, capped by need


def test_the_greedy_plan_uses_the_nearest_warehouse_and_leaves_people_the_optimum_serves() -> None:
    """The first place (higher priority) lies next to Damascus and can also be served from the
    border; Madaya only from Damascus (the border's route does not lead there). Each warehouse
    has one truck.
    Greedy serves the first place from its nearest warehouse, Damascus, and Madaya gets
    nothing; the optimum sends the border's truck to the first place and Damascus's to Madaya."""
    border = PlanWarehouse("Border", None, 1, 36.9, 36.7)  # a truck a week, farther from Idleb
    idleb = place("C3871", 0.9, {"food": 500}, at=(33.6, 36.2))  # next to Damascus
    madaya = place("C2450", 0.8, {"food": 500}, at=MADAYA, access="besieged")
    inst = Instance(
        "2017-02-28", 1, [idleb, madaya],
        [PlanWarehouse("Damascus", "C1001", 1, *DAMASCUS), border], [FOOD],
        [PlanStock("Damascus", "food ration", 500), PlanStock("Border", "food ration", 500)],
        # The border's only route leads to the first place: it cannot serve Madaya.
        [PlanRoute("the crossing", "Border", ("C3871",), None)],
    )
    optimum, today = solve(inst), greedy(inst)
    assert optimum.objective == pytest.approx(0.9 * 500 + 0.8 * 500)
    assert today.objective == pytest.approx(0.9 * 500)  # Madaya gets nothing
    assert {(s.warehouse, s.pcode) for s in optimum.shipments} == {
        ("Border", "C3871"), ("Damascus", "C2450")
    }
    assert {(s.warehouse, s.pcode) for s in today.shipments} == {("Damascus", "C3871")}
    access = by_access(inst, optimum)
    assert access["besieged"] == {"need": 500, "covered": pytest.approx(500)}


def test_a_warehouse_with_routes_serves_only_the_areas_they_reach() -> None:
    border = PlanWarehouse("Border", None, 50, *IDLEB)
    inst = Instance(
        "2017-02-28", 1, [place("C2450", 0.9, {"food": 5000}, at=MADAYA),
                          place("C3871", 0.1, {"food": 5000}, at=IDLEB)],
        [border], [FOOD], [PlanStock("Border", "food ration", 10_000)],
        [PlanRoute("Bab al-Hawa", "Border", ("C3871",), 10)],
    )  # fmt: skip
    for found in (solve(inst), greedy(inst)):
        assert {s.pcode for s in found.shipments} == {"C3871"}
        # The route's 10 trucks a week: 1,000 rations, 5,000 people.
        assert sum(s.trucks for s in found.shipments) == pytest.approx(10)


def test_ties_are_broken_by_distance() -> None:
    near = place("NEAR", 0.5, {"food": 500}, at=(33.52, 36.30))
    far = place("FAR", 0.5, {"food": 500}, at=IDLEB)
    plan = solve(instance([far, near], trucks=1))  # one truck, equal priority and need
    assert [s.pcode for s in plan.shipments] == ["NEAR"]
    assert great_circle_km(DAMASCUS, IDLEB) == pytest.approx(272, abs=3)


def test_whole_trucks_round_what_a_place_receives() -> None:
    # 150 in need = 30 rations = 0.3 of a truck: with whole trucks, one truck goes (a place
    # may receive one); where a place may receive only half a truck a week, none goes.
    plan = solve(instance([place("A", 1.0, {"food": 150})], options=Options(whole_trucks=True)))
    assert plan.covered[("A", "food", 0)] == pytest.approx(150)
    capped = solve(instance([place("A", 1.0, {"food": 150}, cap=0.5)],
                            options=Options(whole_trucks=True)))  # fmt: skip
    assert capped.covered == {}  # half a truck is no truck


def test_an_equity_floor_that_cannot_be_met_is_reported_not_hidden() -> None:
    places = [place("A", 1.0, {"food": 10_000}), place("B", 0.1, {"food": 10_000})]
    fair = solve(instance(places, stock=1000, options=Options(equity_floor=0.2)))
    assert fair.covered[("B", "food", 0)] == pytest.approx(2000)  # the floor, not more
    impossible = solve(instance(places, stock=100, options=Options(equity_floor=0.2)))
    assert impossible.status == "Infeasible" and impossible.objective is None


def test_the_instance_of_the_json_solves_again_to_the_same_objective() -> None:
    inst = instance([place("A", 0.7, {"food": 800, "wash": 300}), place("B", 0.4, {"food": 900})],
                    stock=150, routes=[PlanRoute("r", "Damascus", ("B",), 1, 40.0)])
    again = Instance.from_dict(inst.as_of, inst.weeks, inst.as_dict())
    assert again == inst
    assert solve(again).objective == pytest.approx(solve(inst).objective)


def test_an_instance_that_contradicts_itself_is_refused_saying_what() -> None:
    bad = instance([place("A", 1.0, {"food": 10})])
    bad.stock.append(PlanStock("Aleppo", "food ration", 5))
    with pytest.raises(PlanError, match="unknown warehouse 'Aleppo'"):
        solve(bad)
    with pytest.raises(PlanError, match="not the instance of a lagebild plan"):
        Instance.from_dict("2017-02-28", 1, {"places": []})


def _second_solver(inst: Instance) -> float:
    """The optimum of docs/plan.md's programme, written out again from its equations and solved
    with scipy's ``linprog``: max Σ w_p c[p,s,t] within need, what arrives, stock, dispatch,
    place limits and routes (a warehouse with routes serves only their places)."""
    import numpy as np
    from scipy.optimize import linprog

    reach = inst.reach()
    stock = {(s.warehouse, s.item): s.units for s in inst.stock if s.units > 0}
    weeks = range(inst.weeks)
    x = [(h, p, i, t) for t in weeks for p in inst.places for (h, name) in stock
         for i in inst.items if i.name == name and p.need.get(i.sector, 0) > 0
         and (reach[h] is None or p.pcode in reach[h])]  # type: ignore[operator]  # fmt: skip
    c = [(p, s, t) for t in weeks for p in inst.places for s, n in p.need.items() if n > 0]
    n = len(x) + len(c)
    cost = np.zeros(n)
    for k, (p, _, _) in enumerate(c):
        cost[len(x) + k] = -p.weight
    rows: list[np.ndarray] = []
    limits: list[float] = []

    def row(terms: dict[int, float], limit: float) -> None:
        r = np.zeros(n)
        for col, v in terms.items():
            r[col] += v
        rows.append(r)
        limits.append(limit)

    for k, (p, s, t) in enumerate(c):  # c ≤ what arrives
        terms = {len(x) + k: 1.0}
        terms.update({j: -i.people_per_unit_week for j, (h, q, i, tt) in enumerate(x)
                      if q is p and tt == t and i.sector == s})  # fmt: skip
        row(terms, 0.0)
    for (h, name), units in stock.items():
        for ts in ([[t] for t in weeks] if inst.options.replenish else [list(weeks)]):
            row({j: 1.0 for j, (hh, _, i, t) in enumerate(x)
                 if (hh, i.name) == (h, name) and t in ts}, units)  # fmt: skip
    for t in weeks:
        for terms, limit in _truck_limits(inst, x, t):
            row(terms, limit)
    bounds = [(0, None)] * len(x) + [(0, p.need[s]) for p, s, _ in c]
    found = linprog(cost, A_ub=np.array(rows), b_ub=np.array(limits), bounds=bounds,
                    method="highs-ipm")  # fmt: skip
    assert found.status == 0, found.message
    return float(-found.fun)


def _truck_limits(inst: Instance, x: list, t: int) -> list:  # type: ignore[type-arg]
    """Week t's rows of trucks: dispatch per warehouse, place limits, routes."""
    found = []
    for w in inst.warehouses:
        found.append(({j: 1 / i.units_per_truck for j, (h, _, i, tt) in enumerate(x)
                       if h == w.name and tt == t}, w.trucks_per_week))  # fmt: skip
    for p in inst.places:
        if p.cap[t] is not None:
            found.append(({j: 1 / i.units_per_truck for j, (_, q, i, tt) in enumerate(x)
                           if q is p and tt == t}, p.cap[t]))  # fmt: skip
    for r in inst.routes:
        if r.trucks_per_week is not None:
            found.append(({j: 1 / i.units_per_truck for j, (h, q, i, tt) in enumerate(x)
                           if h == r.warehouse and q.pcode in r.pcodes and tt == t},
                          r.trucks_per_week))  # fmt: skip
    return found


@pytest.mark.parametrize("seed", range(12))
def test_the_optimum_is_the_one_a_second_solver_finds_on_random_instances(seed: int) -> None:
    import random

    rng = random.Random(seed)
    weeks = rng.randint(1, 3)
    items = [FOOD, KITS, PlanItemSpec("water kit", "wash", 3, 250)]
    places = [
        PlanPlace(f"P{k}", f"P{k}", rng.choice(["accessible", "hard_to_reach", "besieged"]),
                  round(rng.random(), 3),
                  {s: float(rng.choice([0, rng.randint(200, 4000)])) for s in ("food", "wash")},
                  [rng.choice([None, None, 0.0, float(rng.randint(1, 6))]) for _ in range(weeks)],
                  "", 33 + rng.random() * 3, 36 + rng.random())
        for k in range(rng.randint(3, 7))
    ]  # fmt: skip
    houses = [PlanWarehouse("Damascus", None, float(rng.randint(2, 12)), *DAMASCUS),
              PlanWarehouse("Bab al-Hawa", None, float(rng.randint(2, 12)), *IDLEB)]  # fmt: skip
    stock = [PlanStock(w.name, i.name, float(rng.randint(0, 900)))
             for w in houses for i in items if rng.random() < 0.8]  # fmt: skip
    routes = [PlanRoute("crossing", "Bab al-Hawa",
                        tuple(p.pcode for p in places if rng.random() < 0.6),
                        rng.choice([None, float(rng.randint(1, 5))]))]  # fmt: skip
    inst = Instance("2017-02-28", weeks, places, houses, items, stock, routes,
                    Options(replenish=rng.random() < 0.5))  # fmt: skip
    found = solve(inst)
    assert found.status == "Optimal"
    assert found.objective == pytest.approx(_second_solver(inst), rel=1e-6, abs=1e-3)
