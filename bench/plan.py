"""How long the delivery plan takes to solve: `python bench/plan.py [--places 100,300,1000]`.

Each size is a synthetic instance made from a fixed seed: places spread over Syria's extent with
a need in each of the items' sectors, a third hard to reach (two trucks a week), a tenth besieged
(one truck in week 1, none after), warehouses with trucks and stock, items of several sectors.
It prints, per size, the rows and columns of the programme, the time HiGHS takes (with the
binding constraints explained, as ``lagebild plan`` does), the greedy plan's time and both
objectives. Nothing is asserted: the figures go to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from lagebild.analysis.plan import (  # noqa: E402
    Instance,
    Options,
    PlanItemSpec,
    PlanPlace,
    PlanStock,
    PlanWarehouse,
    greedy,
    solve,
)

SECTORS = ("food", "wash", "health", "nutrition", "shelter")


def instance(places: int, warehouses: int, items: int, weeks: int, seed: int = 7,
             options: Options | None = None) -> Instance:  # fmt: skip
    """A synthetic instance of this size, the same for the same arguments."""
    rng = random.Random(seed)
    specs = [PlanItemSpec(f"item{i}", SECTORS[i % len(SECTORS)], rng.uniform(2, 10),
                          rng.choice((400, 800, 1200))) for i in range(items)]  # fmt: skip
    sectors = sorted({s.sector for s in specs})
    plan_places = []
    for p in range(places):
        roll = rng.random()
        access, cap = ("besieged", [1.0] + [0.0] * (weeks - 1)) if roll < 0.1 else (
            ("hard_to_reach", [2.0] * weeks) if roll < 0.4 else ("accessible", [None] * weeks))
        plan_places.append(PlanPlace(
            pcode=f"P{p:05d}", name=f"Place {p}", access=access, weight=rng.uniform(0.1, 1.0),
            need={s: float(rng.randrange(500, 60_000)) for s in sectors}, cap=list(cap),
            lat=rng.uniform(32.3, 37.3), lon=rng.uniform(35.7, 42.4),
        ))  # fmt: skip
    houses = [PlanWarehouse(f"hub{h}", None, float(rng.randrange(20, 120)),
                            rng.uniform(32.3, 37.3), rng.uniform(35.7, 42.4))
              for h in range(warehouses)]  # fmt: skip
    stock = [PlanStock(h.name, s.name, float(rng.randrange(5_000, 200_000)))
             for h in houses for s in specs]  # fmt: skip
    return Instance("2017-02-28", weeks, plan_places, houses, specs, stock,
                    options=options or Options())  # fmt: skip


def timed(what, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = what(*args)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--places", default="100,300,1000")
    parser.add_argument("--warehouses", type=int, default=5)
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--whole-trucks", action="store_true", help="the MIP of whole trucks")
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}; "
          f"{args.warehouses} warehouses, {args.items} items, {args.weeks} weeks"
          f"{', whole trucks' if args.whole_trucks else ''}")  # fmt: skip
    print(f"{'places':>7} {'status':>9} {'solve s':>8} {'greedy s':>9} {'objective':>14} "
          f"{'greedy':>14}")  # fmt: skip
    for size in (int(n) for n in args.places.split(",")):
        case = instance(size, args.warehouses, args.items, args.weeks,
                        options=Options(whole_trucks=args.whole_trucks))  # fmt: skip
        best, solve_s = timed(solve, case)
        fast, greedy_s = timed(greedy, case)
        print(f"{size:>7} {best.status:>9} {solve_s:>8.2f} {greedy_s:>9.2f} "
              f"{best.objective:>14,.0f} {fast.objective:>14,.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
