"""The food basket: per governorate, the cheapest daily food for one person that meets the
energy, protein and fat WFP plans with, from the market prices of the month, beside the cost of
WFP's standard reference basket in the same markets (docs/plan.md, "The food basket").

For the foods k with a price in the governorate's markets (the median over its markets, of the
newest month on or before the date, at most ``MAX_AGE_DAYS`` old):

    minimise    Σ_k price_k · q_k                       (Syrian pounds a day)
    subject to  E = Σ_k kcal_k · q_k ≥ 2,100
                0.10 · E ≤ 4 · Σ_k protein_k · q_k ≤ 0.12 · E
                9 · Σ_k fat_k · q_k ≥ 0.17 · E
                0 ≤ q_k ≤ max_k                         (grams a day)
                Σ_{k in g} q_k ≤ max_g                  for each group g of foods

with the nutrients per gram, the most a day of each food and of each group (bread, however it
is sold) from ``nutrients.yml``.
"""

from __future__ import annotations

import csv
import math
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from lagebild.analysis.plan import quiet_highs
from lagebild.errors import RefusedInput

NUTRIENTS = Path(__file__).parent / "nutrients.yml"
DEMO_PRICES = Path(__file__).parents[1] / "demo" / "prices" / "wfp_prices_syr.csv"
#: Prices older than this on the date are not used.
MAX_AGE_DAYS = 62
_UNIT = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*)?(KG|G|L)\s*$", re.IGNORECASE)


class BasketError(RefusedInput):
    """Prices or nutrients that cannot be used: the file, row and value."""

    code = "basket"


@dataclass(frozen=True)
class Food:
    name: str
    kcal: float  # per gram
    protein: float
    fat: float
    max_g: float


@dataclass(frozen=True)
class Needs:
    kcal: float
    protein_low: float
    protein_high: float
    fat_min: float


@dataclass(frozen=True)
class Nutrition:
    foods: dict[str, Food]
    grams: dict[str, float]
    needs: Needs
    reference: dict[str, Any]
    groups: dict[str, tuple[tuple[str, ...], float]] = field(default_factory=dict)


def load_nutrition(path: Path | None = None) -> Nutrition:
    file = path or NUTRIENTS
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        foods = {
            name: Food(name, v["kcal"] / 100, v["protein"] / 100, v["fat"] / 100,
                       v["max_g_per_day"])
            for name, v in data["foods"].items()
        }  # fmt: skip
        low, high = data["needs"]["protein_share"]
        needs = Needs(data["needs"]["kcal"], low, high, data["needs"]["fat_share_min"])
        groups = {name: (tuple(g["foods"]), float(g["max_g_per_day"]))
                  for name, g in (data.get("groups") or {}).items()}  # fmt: skip
        return Nutrition(foods, data["grams"], needs, data["reference_basket"], groups)
    except OSError as exc:
        raise BasketError(f"{file}: cannot read the nutrients: {exc.strerror}") from exc
    except (yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise BasketError(f"{file}: not a nutrients file as docs/plan.md describes: {exc}") from exc


def unit_grams(unit: str, food: str, grams: dict[str, float]) -> float | None:
    """The weight of a price unit ("KG", "1.1 KG", "650 G", "L"), or None (a packet)."""
    found = _UNIT.match(unit)
    if not found:
        return None
    amount = float(found.group(1) or 1)
    kind = found.group(2).upper()
    per = {"G": 1.0}.get(kind, grams.get(kind))
    return amount * per if per is not None else None


@dataclass(frozen=True)
class Price:
    """A food's median price per gram in a governorate, the month it is from and the markets."""

    food: str
    per_gram: float
    month: date
    markets: int


def read_prices(path: Path, as_of: date, nutrition: Nutrition) -> dict[str, dict[str, Price]]:
    """governorate -> food -> its median price per gram over the governorate's markets, in the
    newest month on or before ``as_of`` (at most ``MAX_AGE_DAYS`` old) that has it."""
    per: dict[tuple[str, str, date], list[float]] = defaultdict(list)
    with _open(path) as rows:
        for number, row in rows:
            food = row.get("commodity", "")
            if food not in nutrition.foods or row.get("pricetype", "Retail") != "Retail":
                continue
            when = _date(path, number, row.get("date", ""))
            if when > as_of or (as_of - when).days > MAX_AGE_DAYS:
                continue
            grams = unit_grams(row.get("unit", ""), food, nutrition.grams)
            price = _number(path, number, "price", row.get("price", ""))
            if grams and price > 0:
                per[(row.get("admin1", ""), food, when)].append(price / grams)
    newest: dict[tuple[str, str], date] = {}
    for admin1, food, when in per:
        if when > newest.get((admin1, food), date.min):
            newest[(admin1, food)] = when
    out: dict[str, dict[str, Price]] = defaultdict(dict)
    for (admin1, food), when in newest.items():
        found = per[(admin1, food, when)]
        out[admin1][food] = Price(food, statistics.median(found), when, len(found))
    return dict(out)


#: HDX HAPI's food-price columns (``lagebild export hdx`` writes them) -> WFP's of HDX.
HAPI_PRICE_COLUMNS = {
    "reference_period_start": "date", "admin1_name": "admin1", "admin2_name": "admin2",
    "market_name": "market", "market_code": "market_id", "commodity_name": "commodity",
    "commodity_code": "commodity_id", "commodity_category": "category", "unit": "unit",
    "price_flag": "priceflag", "price_type": "pricetype", "currency_code": "currency",
    "price": "price", "usd_price": "usdprice", "lat": "latitude", "lon": "longitude",
}  # fmt: skip


def price_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Every row of a WFP prices CSV (HDX's columns, or HAPI's food-price columns read as
    WFP's) with its row number, its date and price checked."""
    out = []
    with _open(path) as rows:
        for number, row in rows:
            _date(path, number, row.get("date", ""))
            _number(path, number, "price", row.get("price", ""))
            out.append((number, row))
    return out


class _open:
    """The rows of a WFP prices CSV (HDX's columns; HAPI's food-price columns are read as
    theirs), with their row numbers; the HXL row skipped."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> Any:
        try:
            self.fh = self.path.open(encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise BasketError(f"{self.path}: cannot read the prices: {exc.strerror}") from exc
        reader = csv.DictReader(self.fh)
        if "commodity_name" in (reader.fieldnames or ()):  # HAPI's columns
            reader.fieldnames = [HAPI_PRICE_COLUMNS.get(n, n) for n in reader.fieldnames or ()]
        missing = {"date", "admin1", "commodity", "unit", "price"} - set(reader.fieldnames or ())
        if missing:
            self.fh.close()
            raise BasketError(f"{self.path}: not WFP market prices: no column "
                              f"{', '.join(sorted(missing))}")  # fmt: skip
        return ((n, r) for n, r in enumerate(reader, start=2)
                if not (r.get("date") or "").startswith("#"))  # fmt: skip

    def __exit__(self, *exc: object) -> None:
        self.fh.close()


def _date(path: Path, row: int, text: str) -> date:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise BasketError(f"{path}: row {row}, column date: {text!r} is not a date") from None


def _number(path: Path, row: int, column: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise BasketError(f"{path}: row {row}, column {column}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise BasketError(f"{path}: row {row}, column {column}: {text!r} is not a number")
    return value


@dataclass
class Basket:
    """A day's food for one person: grams of each food, what it costs and gives."""

    grams: dict[str, float]
    cost: float
    kcal: float
    protein_share: float
    fat_share: float
    missing: list[str] = field(default_factory=list)  # foods of a reference without a price

    def as_dict(self, people: int = 5, days: int = 30) -> dict[str, Any]:
        return {
            "grams_per_day": {k: round(v, 1) for k, v in self.grams.items() if v > 0.05},
            "cost_per_person_day": self.cost,
            "cost_family_month": self.cost * people * days,
            "kcal": self.kcal,
            "protein_share": self.protein_share,
            "fat_share": self.fat_share,
            "missing": self.missing,
        }


def _measure(grams: dict[str, float], prices: dict[str, Price], nutrition: Nutrition,
             missing: list[str]) -> Basket:  # fmt: skip
    foods = nutrition.foods
    kcal = sum(foods[k].kcal * g for k, g in grams.items())
    protein = sum(foods[k].protein * g for k, g in grams.items())
    fat = sum(foods[k].fat * g for k, g in grams.items())
    cost = sum(prices[k].per_gram * g for k, g in grams.items() if k in prices)
    return Basket(grams, cost, kcal, 4 * protein / kcal if kcal else 0.0,
                  9 * fat / kcal if kcal else 0.0, missing)  # fmt: skip


def cheapest(prices: dict[str, Price], nutrition: Nutrition) -> tuple[str, Basket | None]:
    """The cheapest basket from the foods priced, and HiGHS's status."""
    import highspy

    names = sorted(prices)
    foods = [nutrition.foods[n] for n in names]
    need = nutrition.needs
    with quiet_highs():
        highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    inf = highspy.kHighsInf
    n = len(names)
    highs.addCols(n, np.array([prices[k].per_gram for k in names]), np.zeros(n),
                  np.array([f.max_g for f in foods]), 0, np.array([], dtype=np.int32),
                  np.array([], dtype=np.int32), np.array([]))  # fmt: skip
    rows = [
        (need.kcal, inf, [f.kcal for f in foods]),  # energy
        (0.0, inf, [4 * f.protein - need.protein_low * f.kcal for f in foods]),
        (-inf, 0.0, [4 * f.protein - need.protein_high * f.kcal for f in foods]),
        (0.0, inf, [9 * f.fat - need.fat_min * f.kcal for f in foods]),
    ]
    for members, most in nutrition.groups.values():
        rows.append((-inf, most, [1.0 if k in members else 0.0 for k in names]))
    for low, high, coefficients in rows:
        highs.addRow(low, high, n, np.arange(n, dtype=np.int32),
                     np.array(coefficients, dtype=np.float64))  # fmt: skip
    highs.run()
    status = highs.modelStatusToString(highs.getModelStatus())
    if status != "Optimal":
        return status, None
    values = highs.getSolution().col_value
    return status, _measure(dict(zip(names, values, strict=True)), prices, nutrition, [])


def reference(prices: dict[str, Price], nutrition: Nutrition) -> Basket:
    """WFP's standard reference basket a person a day, priced where its foods have a price."""
    ref = nutrition.reference
    share = 1 / (ref["people"] * ref["days"])
    grams = {k: g * share for k, g in ref["grams"].items()}
    missing = sorted(k for k in grams if k not in prices)
    return _measure(grams, prices, nutrition, missing)


@dataclass
class BasketResult:
    as_of: date
    prices_file: str
    governorates: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "prices": self.prices_file,
                "governorates": self.governorates}  # fmt: skip


def baskets(as_of: date, prices_file: Path | None = None,
            nutrients: Path | None = None) -> BasketResult:  # fmt: skip
    """The cheapest basket and the reference basket of each governorate with prices."""
    nutrition = load_nutrition(nutrients)
    path = prices_file or DEMO_PRICES
    found = read_prices(path, as_of, nutrition)
    if not found:
        raise BasketError(
            f"{path}: no retail prices of known foods in the {MAX_AGE_DAYS} days up to "
            f"{as_of.isoformat()}"
        )
    out = []
    for admin1 in sorted(found):
        prices = found[admin1]
        status, best = cheapest(prices, nutrition)
        ref = reference(prices, nutrition)
        months = sorted({p.month for p in prices.values()})
        out.append({
            "governorate": admin1,
            "status": status,
            "prices_from": months[0].isoformat(),
            "prices_to": months[-1].isoformat(),
            "foods_priced": len(prices),
            "cheapest": best.as_dict() if best else None,
            "reference": ref.as_dict(),
            "saving": (1 - best.cost / ref.cost)
            if best and ref.cost and not ref.missing else None,
        })  # fmt: skip
    return BasketResult(as_of, str(path), out)

