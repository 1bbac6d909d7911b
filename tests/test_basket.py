"""The food basket (analysis/basket.py, docs/plan.md): the cheapest day's food meeting WFP's
energy, protein and fat figures, checked against a search of every basket on a gram grid; WFP's
reference basket's nutrients by hand; the demo's prices; and refusals naming row and value."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from lagebild.analysis.basket import (
    BasketError,
    baskets,
    cheapest,
    load_nutrition,
    read_prices,
    reference,
    unit_grams,
)
from lagebild.cli import main

AS_OF = date(2017, 2, 28)
NUTRITION = load_nutrition()


def prices_file(path: Path, rows: list[tuple[str, str, str, str, float]]) -> Path:
    """WFP prices in HDX's columns: (date, governorate, commodity, unit, price)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["date", "admin1", "market", "commodity", "unit", "pricetype", "currency",
                      "price"])  # fmt: skip
        out.writerow(["#date", "#adm1+name", "#loc+market+name", "#item+name", "#item+unit",
                      "#item+price+type", "#currency", "#value"])  # fmt: skip
        for when, admin1, food, unit, price in rows:
            out.writerow([when, admin1, f"{admin1} market", food, unit, "Retail", "SYP", price])
    return path


def test_price_units_are_weighed_as_wfp_writes_them() -> None:
    grams = NUTRITION.grams
    assert unit_grams("KG", "Rice", grams) == 1000
    assert unit_grams("1.1 KG", "Bread (bakery)", grams) == pytest.approx(1100)
    assert unit_grams("650 G", "Tomatoes (paste)", grams) == 650
    assert unit_grams("L", "Oil", grams) == 920
    assert unit_grams("Packet", "Parsley", grams) is None


def test_the_cheapest_basket_is_the_cheapest_of_every_basket_on_a_gram_grid(
    tmp_path: Path,
) -> None:
    # Flour, lentils and oil at prices of the demo's order (SYP a kilo, oil a litre).
    path = prices_file(tmp_path / "p.csv", [
        ("2017-02-15", "Test", "Wheat flour", "KG", 180),
        ("2017-02-15", "Test", "Lentils", "KG", 450),
        ("2017-02-15", "Test", "Oil", "L", 700),
    ])  # fmt: skip
    prices = read_prices(path, AS_OF, NUTRITION)["Test"]
    status, best = cheapest(prices, NUTRITION)
    assert status == "Optimal" and best is not None
    assert best.kcal >= 2100 - 1e-6
    assert 0.10 - 1e-9 <= best.protein_share <= 0.12 + 1e-9 and best.fat_share >= 0.17 - 1e-9
    # Every basket of whole grams within the foods' limits, searched with numpy.
    foods = NUTRITION.foods
    f, le, o = (np.arange(0, foods[k].max_g + 1, dtype=float)
                for k in ("Wheat flour", "Lentils", "Oil"))  # fmt: skip
    flour, lentils, oil = np.meshgrid(f, le, o, indexing="ij")
    kcal = (foods["Wheat flour"].kcal * flour + foods["Lentils"].kcal * lentils
            + foods["Oil"].kcal * oil)
    protein = 4 * (foods["Wheat flour"].protein * flour + foods["Lentils"].protein * lentils)
    fat = 9 * (foods["Wheat flour"].fat * flour + foods["Lentils"].fat * lentils
               + foods["Oil"].fat * oil)
    ok = (kcal >= 2100) & (protein >= 0.10 * kcal) & (protein <= 0.12 * kcal) & (fat >= 0.17 * kcal)
    cost = (0.18 * flour + 0.45 * lentils + 700 / 920 * oil)[ok]
    assert best.cost <= cost.min() + 1e-6  # no basket on the grid is cheaper
    assert best.cost >= cost.min() - 1.0  # and the grid comes within a pound of it


def test_the_reference_basket_gives_what_wfp_says_it_gives() -> None:
    """37 kg bread, 19 kg rice, 19 kg lentils, 5 kg sugar, 7 L oil for five people a month."""
    ref = reference({}, NUTRITION)  # no prices: its foods are all "missing", its grams known
    assert ref.missing == sorted(NUTRITION.reference["grams"])
    per_day = {k: g / 150 for k, g in {"Bread (bakery)": 37000, "Rice": 19000, "Lentils": 19000,
                                       "Sugar": 5000, "Oil": 6440}.items()}  # fmt: skip
    assert ref.grams == pytest.approx(per_day)
    # By hand from nutrients.yml: 275, 365, 352, 387 and 884 kcal per 100 g.
    kcal = (2.75 * 246.67 + 3.65 * 126.67 + 3.52 * 126.67 + 3.87 * 33.33 + 8.84 * 42.93)
    assert ref.kcal == pytest.approx(kcal, rel=1e-3)
    assert ref.kcal == pytest.approx(2095, abs=5)
    assert ref.protein_share == pytest.approx(0.12, abs=0.005)
    assert ref.fat_share == pytest.approx(0.207, abs=0.005)


def test_the_demo_prices_give_every_governorate_a_basket_cheaper_than_the_reference() -> None:
    found = baskets(AS_OF).as_dict()
    assert len(found["governorates"]) == 14
    for g in found["governorates"]:
        assert g["status"] == "Optimal" and g["prices_to"] == "2017-02-15"
        best = g["cheapest"]
        assert best["kcal"] == pytest.approx(2100, abs=0.5)
        if not g["reference"]["missing"]:
            assert best["cost_per_person_day"] < g["reference"]["cost_per_person_day"]
    idleb = next(g for g in found["governorates"] if g["governorate"] == "Idleb")
    assert idleb["reference"]["missing"] == ["Lentils"] and idleb["saving"] is None


def test_the_basket_command_prints_a_table_and_json(tmp_path: Path) -> None:
    table = CliRunner().invoke(main, ["--db", str(tmp_path / "x.db"), "basket", "--as-of",
                                      AS_OF.isoformat()])  # fmt: skip
    assert table.exit_code == 0, table.output
    assert "Damascus" in table.output and "Bread (bakery) 600" in table.output
    data = json.loads(CliRunner().invoke(main, ["--db", str(tmp_path / "x.db"), "basket",
                                                "--as-of", AS_OF.isoformat(), "--format",
                                                "json"]).output)  # fmt: skip
    assert data["governorates"][0]["cheapest"]["grams_per_day"]
    assert not (tmp_path / "x.db").exists()  # a basket needs no database


def test_the_real_hdx_prices_of_rice_alone_cannot_make_a_basket(shared_data: Path) -> None:
    """The shared HDX file holds rice only: its protein (8 % of energy) is below 10 %, so no
    basket meets the figures; each governorate says so instead of inventing one."""
    path = shared_data / "syria" / "wfp" / "wfp_food_prices_syr_api_pages1-5.csv"
    found = baskets(date(2017, 6, 30), path).as_dict()
    assert found["governorates"]
    for g in found["governorates"]:
        assert g["foods_priced"] == 1 and g["status"] == "Infeasible" and g["cheapest"] is None


def test_a_price_that_is_not_a_number_is_refused_naming_the_row(tmp_path: Path) -> None:
    path = prices_file(tmp_path / "p.csv", [("2017-02-15", "Test", "Rice", "KG", 300)])
    text = path.read_text(encoding="utf-8").replace(",300", ",three hundred")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BasketError, match=r"p.csv: row 3, column price: 'three hundred'"):
        baskets(AS_OF, path)
    (tmp_path / "q.csv").write_text("date,market\n2017-02-15,X\n", encoding="utf-8")
    with pytest.raises(BasketError, match="not WFP market prices: no column"):
        baskets(AS_OF, tmp_path / "q.csv")
    with pytest.raises(BasketError, match="no retail prices of known foods"):
        baskets(date(2010, 1, 1), path)
