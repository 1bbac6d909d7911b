"""How long conflict event counts (HDX HAPI's) take to import, list and export:
`python bench/event_counts.py [--years 1,10]`.

A database gets OCHA's 2020 governorates and districts of Syria (../shared/data); then, per size,
a file shaped as HAPI's ACLED pipeline writes it (its header and hashtag row), one row per
district, HAPI event type and month over the years asked for (62 x 3 x 12 rows a year), with
counts from a fixed seed. It prints the rows and the seconds of `lagebild import`, of
`lagebild incidents --counted --format json` and of `lagebild export hdx`, each a process of its
own (start-up included, as a user sees it). Nothing is asserted: the figures go to
bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import csv
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data" / "syria" / "cod_ab_2020-12-17"
HEADER = [
    ["location_code", "has_hrp", "in_gho", "provider_admin1_name", "provider_admin2_name",
     "admin1_code", "admin1_name", "admin2_code", "admin2_name", "admin_level", "event_type",
     "events", "fatalities", "reference_period_start", "reference_period_end", "dataset_hdx_id",
     "resource_hdx_id", "warning", "error"],
    ["#country+code", "#meta+has_hrp", "#meta+in_gho", "#adm1+name+provider",
     "#adm2+name+provider", "#adm1+code", "#adm1+name", "#adm2+code", "#adm2+name", "#adm+level",
     "#event+type", "#indicator+event+num", "#affected+killed", "#date+start", "#date+end",
     "#meta+dataset_id", "#meta+resource_id", "#meta+warning", "#meta+error"],
]  # fmt: skip
TYPES = ("political_violence", "civilian_targeting", "demonstration")


def districts() -> list[tuple[str, str]]:
    """(governorate, district) P-codes of OCHA's 2020 boundaries."""
    with (SHARED / "syr_adm2.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))[1:]  # the hashtag row
    return [(r["ADM1_PCODE"], r["ADM2_PCODE"]) for r in rows]


def write_file(path: Path, years: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerows(HEADER)
        for year in range(2025 - years, 2025):
            for month in range(1, 13):
                start = f"{year}-{month:02d}-01"
                end = f"{year + month // 12}-{month % 12 + 1:02d}-01"  # the next month's first
                for adm1, adm2 in districts():
                    for kind in TYPES:
                        events = rng.randint(0, 60)
                        out.writerow(["SYR", "Y", "Y", "", "", adm1, "", adm2, "", 2, kind,
                                      events, rng.randint(0, events), start,
                                      _day_before(end), "", "", "", ""])  # fmt: skip
                        rows += 1
    return rows


def _day_before(iso: str) -> str:
    from datetime import date, timedelta

    return (date.fromisoformat(iso) - timedelta(days=1)).isoformat()


def timed(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "lagebild.cli", *args], check=True,
                   stdout=subprocess.DEVNULL, cwd=REPO)  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", default="1,10", help="sizes, in years of months")
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"{'years':>5} {'rows':>7} {'import s':>9} {'list s':>7} {'export s':>9}")
    for years in (int(y) for y in args.years.split(",")):
        with tempfile.TemporaryDirectory() as folder:
            db = str(Path(folder) / "counts.db")
            for name in ("syr_adm1.csv", "syr_adm2.csv"):
                timed("--db", db, "import", str(SHARED / name))
            path = Path(folder) / "hdx_hapi_conflict_event_syr.csv"
            rows = write_file(path, years)
            load = timed("--db", db, "import", str(path), "--source", "bench")
            listed = timed("--db", db, "incidents", "--counted", "--format", "json")
            export = timed("--db", db, "export", "hdx", "--as-of", "2024-12-31", "-o",
                           str(Path(folder) / "hdx"))  # fmt: skip
            print(f"{years:>5} {rows:>7,} {load:>9.2f} {listed:>7.2f} {export:>9.2f}")


if __name__ == "__main__":
    main()
