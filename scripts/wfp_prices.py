"""Derive the WFP market prices the demo ships (lagebild basket) from WFP's own monthly price
records for Syria.

    python scripts/wfp_prices.py PAGES_DIR MARKETS_CSV [--out FILE] [--from YYYY-MM] [--to YYYY-MM]

PAGES_DIR holds the pages of WFP's market price API for Syria as HDX's WFP food prices pipeline
keeps them for its tests (``MarketPrices_PriceMonthly_SYR_1.json`` ... ``_319.json`` in
``tests/fixtures/input`` of github.com/OCHA-DAP/hdx-scraper-wfp-foodprices, commit 9ce3b116);
MARKETS_CSV is WFP's list of Syrian markets (``../shared/data/syria/wfp/wfp_markets_syr.csv``,
from the same repository), which names each market's governorate and district.

The output keeps the retail prices of food in Syrian pounds from the months asked for (by
default December 2016 to March 2017, the months of the demo's story), one row per market,
commodity, unit and month, in the columns and HXL hashtags of HDX's ``wfp_food_prices_syr.csv``,
so that ``lagebild basket --prices`` reads HDX's own file the same way. Non-food series (wages,
fuel, livestock) are left out. The data is WFP's (VAM), published on HDX under CC BY-IGO; the
notice beside the output (the same name, ``.txt``) says so. The source pages are never packaged;
only this derived file is.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

DEFAULT_OUT = (
    Path(__file__).resolve().parents[1] / "src" / "lagebild" / "demo" / "prices"
    / "wfp_prices_syr.csv"
)
NOT_FOOD = ("Wage", "Fuel", "Livestock")
HEADER = ["date", "admin1", "admin2", "market", "market_id", "commodity", "unit", "pricetype",
          "currency", "price"]  # fmt: skip
HASHTAGS = ["#date", "#adm1+name", "#adm2+name", "#loc+market+name", "#loc+market+code",
            "#item+name", "#item+unit", "#item+price+type", "#currency", "#value"]  # fmt: skip
NOTICE = (
    "WFP market prices, Syria, retail food prices in SYP. Source: World Food Programme (VAM), "
    "via HDX (data.humdata.org/dataset/wfp-food-prices-for-syrian-arab-republic), licence CC "
    "BY-IGO. Derived by lagebild's scripts/wfp_prices.py from the WFP API pages kept by "
    "github.com/OCHA-DAP/hdx-scraper-wfp-foodprices (commit 9ce3b116)."
)


def months(first: str, last: str) -> set[tuple[int, int]]:
    year, month = map(int, first.split("-"))
    end = tuple(map(int, last.split("-")))
    out = set()
    while (year, month) <= end:
        out.add((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", type=Path)
    parser.add_argument("markets", type=Path)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--from", dest="first", default="2016-12")
    parser.add_argument("--to", dest="last", default="2017-03")
    args = parser.parse_args(argv)
    with args.markets.open(encoding="utf-8") as fh:
        markets = {int(r["market_id"]): r for r in csv.DictReader(fh)}
    wanted = months(args.first, args.last)
    pages = sorted(args.pages.glob("MarketPrices_PriceMonthly_SYR_*.json"))
    if not pages:
        print(f"no MarketPrices_PriceMonthly_SYR_*.json in {args.pages}", file=sys.stderr)
        return 1
    rows = []
    for page in pages:
        for item in json.loads(page.read_text(encoding="utf-8"))["items"]:
            when = (item["commodityDateYear"], item["commodityDateMonth"])
            keep = (when in wanted and item["priceTypeName"] == "Retail"
                    and item["currencyName"] == "SYP"
                    and not item["commodityName"].startswith(NOT_FOOD))  # fmt: skip
            market = markets.get(item["marketId"])
            if not keep or market is None:
                continue
            rows.append([
                item["commodityPriceDate"][:10], market["admin1"], market["admin2"],
                item["marketName"], item["marketId"], item["commodityName"],
                item["commodityUnitName"], item["priceTypeName"], item["currencyName"],
                f"{item['commodityPrice']:g}",
            ])  # fmt: skip
    rows.sort(key=lambda r: (r[0], r[1], r[3], r[5]))
    args.out.with_suffix(".txt").write_text(NOTICE + "\n", encoding="utf-8")
    with args.out.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerows([HEADER, HASHTAGS, *rows])
    print(f"{args.out}: {len(rows)} prices, {len({r[4] for r in rows})} markets, "
          f"{len({r[5] for r in rows})} commodities", file=sys.stderr)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
