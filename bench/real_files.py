"""Import of the files the field publishes: the Afghanistan 3W and a long-form HNO of 1M rows.

Prints, for each, the wall time of ``lagebild import`` (a fresh process, as a user runs it) and
its peak resident memory, with the rows it stored. Never asserts a time.

1. **Afghanistan 3W** (operational presence, January-March 2024, 10,902 rows, from
   ``../shared/data``): imported as presence after a gazetteer built from the file's own
   province and district codes.
2. **Long-form HNO** shaped like HDX HAPI's humanitarian needs table: one row per place, sector,
   gender, age range and population group, with ``ALL`` totals and the disaggregated rows, on the
   synthetic gazetteer of ``generate_4w.py`` (7,000 communities). ``--rows`` (default 1,000,000).

Usage::

    python bench/real_files.py [--rows 1000000] [--data ../shared/data] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate_4w  # noqa: E402  (the synthetic gazetteer)
from placing import machine  # noqa: E402  (the machine's description, as the other benches)

THREE_W = "hxl/hdx_fixtures/hapi-pipelines__operational_presence_afg_afghanistan_3w_operational_presence_january_march_2024.csv"  # noqa: E501

SECTORS = (
    "ALL", "EDU", "FSC", "HEA", "NUT", "PRO", "SHL", "WSH", "CCM", "ERL", "LOG", "PRO_GBV",
    "PRO_CPM", "PRO_HLP", "PRO_MIN", "ETC",
)  # fmt: skip
#: (gender, age range, min, max, population group): the total first, then its parts.
COMBOS = (
    ("a", "ALL", "", "", "ALL"),
    ("f", "0-17", "0", "17", "ALL"),
    ("f", "18-64", "18", "64", "ALL"),
    ("f", "65+", "65", "", "ALL"),
    ("m", "0-17", "0", "17", "ALL"),
    ("m", "18-64", "18", "64", "ALL"),
    ("m", "65+", "65", "", "ALL"),
    ("a", "ALL", "", "", "IDP"),
    ("a", "ALL", "", "", "RES"),
)
SHARES = (1.0, 0.16, 0.2, 0.02, 0.17, 0.21, 0.02, 0.4, 0.6)
HNO_HEADER = [
    ("Admin 1 PCode", "#adm1+code"),
    ("Admin 2 PCode", "#adm2+code"),
    ("Admin 3 PCode", "#adm3+code"),
    ("Admin 4 PCode", "#adm4+code"),
    ("Sector", "#sector+code"),
    ("Gender", "#gender+code"),
    ("Age Range", "#age+range"),
    ("Min Age", "#age+min"),
    ("Max Age", "#age+max"),
    ("Disabled", "#is_disabled"),
    ("Population Group", "#population_group+code"),
    ("In Need", "#inneed"),
    ("Targeted", "#targeted"),
]


def run(args: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (MB) and output of one command in a fresh process."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
        start = time.perf_counter()
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if process.returncode:
        print(text, file=sys.stderr)
        raise SystemExit(f"FAIL: {' '.join(args)} exited {process.returncode}")
    return wall, usage.ru_maxrss // 1024, text


def lagebild(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "lagebild.cli", "--db", str(db), *args]


def afghanistan_gazetteer(three_w: Path, out: Path) -> int:
    places: dict[str, tuple[str, str | None]] = {}
    with three_w.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader), next(reader)
        for row in reader:
            places[row[2]] = (row[1], None)
            places[row[4]] = (row[3], row[2])
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Country", "Province", "Province name", "District", "District name"])
        writer.writerow(["#country+code", "#adm1+code", "#adm1+name", "#adm2+code", "#adm2+name"])
        writer.writerow(["AF", "", "", "", ""])
        for code, (name, parent) in sorted(places.items()):
            if parent is not None:
                writer.writerow(["AF", parent, places[parent][0], code, name])
    return len(places)


def write_hno(path: Path, rows: int) -> int:
    """The long-form HNO: community x sector x (total, 6 gender-age rows, 2 population groups)."""
    places = generate_4w.build_places()
    written = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow([h for h, _ in HNO_HEADER])
        writer.writerow([t for _, t in HNO_HEADER])
        for i in range(generate_4w.N_COMMUNITIES):
            base = 200 + (i * 7919) % 9000
            for sector in SECTORS:
                need = base if sector == "ALL" else base * (0.3 + (hash(sector) % 5) / 10)
                for combo, share in zip(COMBOS, SHARES, strict=True):
                    if written == rows:
                        return written
                    value = round(need * share)
                    writer.writerow(
                        [
                            places.adm1[i], places.adm2[i], places.adm3[i], places.adm4[i],
                            sector, combo[0], combo[1], combo[2], combo[3], "a", combo[4],
                            value, round(value * 0.6),
                        ]
                    )  # fmt: skip
                    written += 1
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--keep", type=Path, help="keep the files and databases in this folder")
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="lagebild-real-"))
    folder.mkdir(parents=True, exist_ok=True)
    results: list[tuple[str, int, float, int]] = []

    three_w = args.data / THREE_W
    if three_w.exists():
        db = folder / "afg.db"
        db.unlink(missing_ok=True)
        gazetteer = folder / "afg_gazetteer.csv"
        n = afghanistan_gazetteer(three_w, gazetteer)
        run(lagebild(db, "import", str(gazetteer)))
        wall, peak, _ = run(lagebild(db, "import", "--source", "OCHA Afghanistan", str(three_w)))
        rows = sum(1 for _ in three_w.open(encoding="utf-8-sig")) - 2
        results.append((f"Afghanistan 3W as presence ({n} places known)", rows, wall, peak))
        wall, peak, _ = run(lagebild(db, "presence", "--level", "adm2", "--format", "json"))
        results.append(("presence --level adm2 --format json on it", rows, wall, peak))
    else:
        print(f"SKIP: {three_w} is absent")

    db = folder / "hno.db"
    db.unlink(missing_ok=True)
    gazetteer = folder / "gazetteer.csv"
    generate_4w.write_gazetteer(generate_4w.build_places(), gazetteer)
    run(lagebild(db, "import", str(gazetteer)))
    hno = folder / f"hno_{args.rows}.csv"
    start = time.perf_counter()
    n = write_hno(hno, args.rows)
    print(f"generated {n:,} rows ({hno.stat().st_size / 1e6:.1f} MB) in "
          f"{time.perf_counter() - start:.1f} s")  # fmt: skip
    wall, peak, out = run(
        lagebild(db, "import", "--source", "bench HNO", "--date", "2024-01-01", str(hno))
    )
    results.append((f"long-form HNO, {n:,} rows", n, wall, peak))
    wall, peak, _ = run(
        lagebild(db, "situation", "--as-of", "2024-06-30", "--level", "adm1", "--format", "json")
    )
    results.append(("situation --level adm1 on it", n, wall, peak))

    print(f"\n{'what':<58} {'rows':>10} {'seconds':>8} {'peak MB':>8}")
    for what, rows, wall, peak in results:
        print(f"{what:<58} {rows:>10,} {wall:>8.2f} {peak:>8,}")
    if not args.keep:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
