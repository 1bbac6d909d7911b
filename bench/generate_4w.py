"""Generate a realistic, synthetic HXL 4W (who does what, where, when) file and its gazetteer.

The places follow the structure of Syria's common operational dataset: 14 governorates
(``SY01`` .. ``SY14``, real names), 62 districts (``SY0200``), 272 sub-districts (``SY020301``) and
7,000 communities ``C1001`` .. ``C8000``. Below the governorates every name, code and coordinate is
made up; the counts of districts and sub-districts per parent are Syria's. Deliveries cluster on
popular communities and large partners, the way real 4W data does.

Usage::

    python bench/generate_4w.py --rows 1000000 --out /tmp/4w_1m.csv --gazetteer-out /tmp/gaz.csv

The 4W is written in fixed-size chunks from one random stream, so memory stays bounded at any size
and a file of N rows is the first N rows of any larger file made with the same seed. The places
do not depend on the seed: one gazetteer fits every 4W file.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

#: Rows generated and written per chunk; fixed so that the output does not depend on it.
CHUNK_ROWS = 200_000
#: The first and last day of the reporting period.
PERIOD_START = date(2016, 1, 1)
PERIOD_END = date(2017, 12, 31)
N_COMMUNITIES = 7_000
FIRST_COMMUNITY = 1001
N_ORGS = 60
#: Seed of the place structure, independent of ``--seed`` so that one gazetteer fits every file.
STRUCTURE_SEED = 20161231
#: Sub-districts under siege for part of the period.
N_BESIEGED = 12

#: Governorate: P-code, name, approximate centre (lat, lon), spread in degrees, whether the first
#: district is the governorate centre (``..00``), and the number of sub-districts of each district.
GOVERNORATES: tuple[tuple[str, str, float, float, float, bool, tuple[int, ...]], ...] = (
    ("SY01", "Damascus", 33.51, 36.29, 0.03, True, (1,)),
    ("SY02", "Aleppo", 36.25, 37.55, 0.45, True, (7, 7, 7, 6, 4, 3, 4, 2)),
    ("SY03", "Rural Damascus", 33.55, 36.60, 0.35, False, (7, 7, 4, 3, 2, 2, 5, 3, 3)),
    ("SY04", "Homs", 34.60, 37.90, 0.70, False, (12, 1, 4, 2, 2, 2)),
    ("SY05", "Hama", 35.20, 36.85, 0.35, False, (4, 5, 5, 5, 3)),
    ("SY06", "Lattakia", 35.60, 35.95, 0.15, True, (7, 6, 5, 4)),
    ("SY07", "Idleb", 35.80, 36.60, 0.25, True, (7, 6, 6, 4, 3)),
    ("SY08", "Al-Hasakeh", 36.60, 40.80, 0.45, True, (7, 4, 3, 2)),
    ("SY09", "Deir-ez-Zor", 35.00, 40.30, 0.50, False, (7, 4, 3)),
    ("SY10", "Tartous", 34.90, 36.00, 0.12, True, (7, 3, 6, 4, 3, 4)),
    ("SY11", "Ar-Raqqa", 35.90, 38.90, 0.40, False, (4, 3, 3)),
    ("SY12", "Dar'a", 32.75, 36.20, 0.15, True, (8, 3, 6)),
    ("SY13", "As-Sweida", 32.70, 36.65, 0.15, True, (3, 5, 4)),
    ("SY14", "Quneitra", 33.10, 35.85, 0.08, True, (4, 2)),
)

#: Sector code, share of rows, reached median, and its activities: (activity, modality, item).
SECTORS: tuple[tuple[str, float, int, tuple[tuple[str, str, str], ...]], ...] = (
    (
        "food",
        0.28,
        400,
        (
            ("Food baskets", "In-kind", "Food basket"),
            ("Bread", "In-kind", "Bread bundle"),
            ("Food voucher", "Voucher", "E-voucher"),
        ),
    ),
    (
        "health",
        0.15,
        300,
        (
            ("Primary care", "Service", "Consultation"),
            ("Vaccination", "Service", "Vaccine dose"),
            ("Medical supplies", "In-kind", "Trauma kit"),
        ),
    ),
    (
        "wash",
        0.12,
        600,
        (
            ("Water trucking", "Service", "Water m3"),
            ("Hygiene kits", "In-kind", "Hygiene kit"),
            ("Water network", "Service", "Pipe"),
        ),
    ),
    (
        "shelter",
        0.06,
        120,
        (
            ("Shelter repair", "In-kind", "Shelter kit"),
            ("Rental subsidy", "Cash", "Rent payment"),
        ),
    ),
    (
        "nfi",
        0.10,
        250,
        (
            ("NFI kits", "In-kind", "NFI kit"),
            ("Winterisation", "In-kind", "Winter kit"),
            ("Fuel distribution", "Voucher", "Heating fuel"),
        ),
    ),
    (
        "protection",
        0.10,
        80,
        (
            ("Psychosocial support", "Service", "PSS session"),
            ("Case management", "Service", "Case"),
            ("Legal counselling", "Service", "Session"),
        ),
    ),
    (
        "education",
        0.06,
        150,
        (
            ("Learning spaces", "Service", "Classroom"),
            ("School supplies", "In-kind", "School kit"),
        ),
    ),
    (
        "nutrition",
        0.05,
        200,
        (
            ("MUAC screening", "Service", "MUAC test"),
            ("Supplementary feeding", "In-kind", "RUSF"),
        ),
    ),
    (
        "cccm",
        0.03,
        500,
        (
            ("Camp management", "Service", "Site"),
            ("Site improvement", "Service", "Gravel m3"),
        ),
    ),
    (
        "erl",
        0.05,
        60,
        (
            ("Livelihood grants", "Cash", "Grant"),
            ("Cash for work", "Cash", "Work day"),
            ("Agricultural inputs", "In-kind", "Seeds"),
        ),
    ),
)

#: Status as partners write it, and its share of rows.
STATUSES: tuple[tuple[str, float], ...] = (
    ("Completed", 0.85),
    ("Ongoing", 0.08),
    ("Planned", 0.05),
    ("Denied", 0.02),
)

#: The 4W's columns: human header, HXL hashtag.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Governorate PCODE", "#adm1+code"),
    ("District PCODE", "#adm2+code"),
    ("Sub-district PCODE", "#adm3+code"),
    ("Community PCODE", "#adm4+code"),
    ("Implementing partner", "#org+impl"),
    ("Sector", "#sector"),
    ("Activity", "#activity"),
    ("Modality", "#delivery+modality"),
    ("Item", "#item+name"),
    ("Status", "#status"),
    ("Start date", "#date+start"),
    ("End date", "#date+end"),
    ("Individuals reached", "#reached+ind"),
    ("Households reached", "#reached+hh"),
    ("Female reached", "#reached+f"),
    ("Male reached", "#reached+m"),
)

GAZETTEER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Governorate PCODE", "#adm1+code"),
    ("Governorate", "#adm1+name+i_en"),
    ("District PCODE", "#adm2+code"),
    ("District", "#adm2+name+i_en"),
    ("Sub-district PCODE", "#adm3+code"),
    ("Sub-district", "#adm3+name+i_en"),
    ("Community PCODE", "#adm4+code"),
    ("Community", "#adm4+name+i_en"),
    ("Latitude", "#geo+lat"),
    ("Longitude", "#geo+lon"),
)

_NAME_HEADS = (
    "Tal",
    "Ain",
    "Kafr",
    "Deir",
    "Beit",
    "Khirbet",
    "Jisr",
    "Maarat",
    "Qasr",
    "Bir",
    "Jeb",
    "Um",
    "Abu",
    "Tell",
    "Arab",
    "Mazraat",
    "Qaryat",
    "Hawsh",
    "Ard",
    "Zahr",
)
_NAME_TAILS = (
    "Hamra",
    "Sultan",
    "Abiad",
    "Nahr",
    "Zeitoun",
    "Kabir",
    "Saghir",
    "Jadida",
    "Qadima",
    "Sharqi",
    "Gharbi",
    "Shamali",
    "Janoubi",
    "Rumman",
    "Tin",
    "Hajar",
    "Batin",
    "Ward",
    "Sham",
    "Asi",
    "Jabal",
    "Wadi",
    "Marj",
    "Sahel",
    "Bustan",
    "Aswad",
    "Nour",
    "Salam",
    "Khadra",
    "Ruz",
)


@dataclass(frozen=True)
class Places:
    """The synthetic gazetteer: parallel arrays, one entry per community."""

    adm1: np.ndarray  # P-codes, str
    adm1_name: np.ndarray
    adm2: np.ndarray
    adm2_name: np.ndarray
    adm3: np.ndarray
    adm3_name: np.ndarray
    adm4: np.ndarray
    adm4_name: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    weight: np.ndarray  # share of 4W rows, sums to 1
    subdistrict: np.ndarray  # index into ``subdistricts`` of each community
    subdistricts: np.ndarray  # the sub-district P-codes
    siege_start: np.ndarray  # per sub-district: first day of its siege (day 0 = 2016-01-01)
    siege_end: np.ndarray  # and its last day
    inneed: np.ndarray  # people in need per year (rows) and sub-district (columns)


def _name(rng: np.random.Generator) -> str:
    head = _NAME_HEADS[rng.integers(len(_NAME_HEADS))]
    return f"{head} {_NAME_TAILS[rng.integers(len(_NAME_TAILS))]}"


def build_places() -> Places:
    """Governorates, districts, sub-districts and 7,000 communities, the same on every call."""
    rng = np.random.default_rng(STRUCTURE_SEED)
    subdistricts: list[tuple[str, str, str, str, str, str, float, float, float]] = []
    for code, name, lat, lon, spread, has_centre, subs in GOVERNORATES:
        first = 2 if has_centre else 1
        district_numbers = [0] * has_centre + list(range(first, first + len(subs) - has_centre))
        for number, n_subs in zip(district_numbers, subs, strict=True):
            d_code = f"{code}{number:02d}"
            d_name = name if number == 0 else _name(rng)
            d_lat = lat + rng.normal(0, spread / 2)
            d_lon = lon + rng.normal(0, spread / 2)
            for z in range(n_subs):
                s_name = d_name if z == 0 else _name(rng)
                s_spread = max(spread / 4, 0.02)
                subdistricts.append(
                    (
                        code,
                        name,
                        d_code,
                        d_name,
                        f"{d_code}{z:02d}",
                        s_name,
                        d_lat + rng.normal(0, s_spread),
                        d_lon + rng.normal(0, s_spread),
                        s_spread,
                    )
                )
    # Communities per sub-district: skewed like the real ones, at least one each (median ~18).
    size = rng.lognormal(0.0, 0.9, len(subdistricts))
    per_sub = 1 + rng.multinomial(N_COMMUNITIES - len(subdistricts), size / size.sum())
    sub_index = np.repeat(np.arange(len(subdistricts)), per_sub)
    cols = list(zip(*subdistricts, strict=True))

    def take(i: int) -> np.ndarray:
        return np.asarray(cols[i], dtype=object)[sub_index]

    community_spread = np.asarray(cols[8])[sub_index]
    jitter = rng.normal(0, 1, (2, N_COMMUNITIES)) * community_spread / 2
    community_lat = np.asarray(np.round(np.asarray(cols[6])[sub_index] + jitter[0], 6))
    community_lon = np.asarray(np.round(np.asarray(cols[7])[sub_index] + jitter[1], 6))
    adm4 = np.asarray([f"C{FIRST_COMMUNITY + i}" for i in range(N_COMMUNITIES)], dtype=object)
    adm4_name = np.asarray([_name(rng) for _ in range(N_COMMUNITIES)], dtype=object)
    # Where partners work: a few towns get most of the rows, many villages a handful.
    weight = rng.lognormal(0.0, 1.3, N_COMMUNITIES)
    # Sieges: a few sub-districts are besieged for a stretch of the period; almost every delivery
    # to them is denied, so at sub-district level some are cut off in any 30-day window.
    n_days = (PERIOD_END - PERIOD_START).days + 1
    siege_start = np.full(len(subdistricts), n_days, dtype=np.int64)
    siege_end = np.full(len(subdistricts), -1, dtype=np.int64)
    besieged = rng.choice(len(subdistricts), N_BESIEGED, replace=False)
    siege_start[besieged] = rng.integers(0, 366, N_BESIEGED)
    length = rng.integers(180, 700, N_BESIEGED)
    siege_end[besieged] = np.minimum(siege_start[besieged] + length, n_days)
    # People in need per sub-district, one figure dated at the start of each year.
    inneed = rng.lognormal(np.log(30_000), 0.8, (2, len(subdistricts)))
    inneed = np.round(inneed, -2).astype(np.int64)
    return Places(
        take(0),
        take(1),
        take(2),
        take(3),
        take(4),
        take(5),
        adm4,
        adm4_name,
        community_lat,
        community_lon,
        weight / weight.sum(),
        sub_index,
        np.asarray(cols[4], dtype=object),
        siege_start,
        siege_end,
        inneed,
    )


def write_gazetteer(places: Places, path: Path) -> None:
    """The places as an HXL gazetteer: one row per community with its parents and coordinates."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([h for h, _ in GAZETTEER_COLUMNS])
        writer.writerow([t for _, t in GAZETTEER_COLUMNS])
        for i in range(N_COMMUNITIES):
            writer.writerow(
                [
                    places.adm1[i],
                    places.adm1_name[i],
                    places.adm2[i],
                    places.adm2_name[i],
                    places.adm3[i],
                    places.adm3_name[i],
                    places.adm4[i],
                    places.adm4_name[i],
                    f"{places.lat[i]:.6f}",
                    f"{places.lon[i]:.6f}",
                ]
            )


def write_figures(places: Places, path: Path) -> None:
    """People in need per sub-district (``#inneed``), one figure at the start of each year."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(
            ["Governorate PCODE", "District PCODE", "Sub-district PCODE", "People in need", "Date"]
        )
        writer.writerow(["#adm1+code", "#adm2+code", "#adm3+code", "#inneed", "#date"])
        for year_index, year in enumerate((PERIOD_START.year, PERIOD_START.year + 1)):
            for code, value in zip(places.subdistricts, places.inneed[year_index], strict=True):
                writer.writerow([code[:4], code[:6], code, int(value), f"{year}-01-01"])


def write_access(places: Places, path: Path) -> None:
    """The sieges as access changes: besieged from its first day, accessible after its last."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["Sub-district PCODE", "Access", "Besieging party", "Since"])
        writer.writerow(["#adm3+code", "#access", "#group+besieging", "#date+start"])
        n_days = (PERIOD_END - PERIOD_START).days + 1
        for i in np.flatnonzero(places.siege_end >= 0):
            code = places.subdistricts[i]
            start = PERIOD_START.toordinal() + int(places.siege_start[i])
            writer.writerow([code, "besieged", f"Party {'ABC'[i % 3]}", date.fromordinal(start)])
            if places.siege_end[i] < n_days - 1:
                end = PERIOD_START.toordinal() + int(places.siege_end[i]) + 1
                writer.writerow([code, "accessible", "", date.fromordinal(end)])


class RowMaker:
    """Makes chunks of 4W rows as polars frames from one random stream."""

    def __init__(self, places: Places, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        rng = self.rng
        self.places = places
        self.community_cdf = np.cumsum(places.weight)
        self.adm = [
            pl.Series(a.tolist(), dtype=pl.String)
            for a in (places.adm1, places.adm2, places.adm3, places.adm4)
        ]
        # Organisations: a few large UN agencies and INGOs, many Syrian NGOs.
        names = [f"UN-{i + 1:02d}" for i in range(6)] + [f"INGO-{i + 1:03d}" for i in range(18)]
        names += [f"SNGO-{i + 1:03d}" for i in range(N_ORGS - len(names))]
        self.orgs = pl.Series(names, dtype=pl.String)
        org_weight = 1.0 / np.arange(1, N_ORGS + 1) ** 0.9
        self.org_cdf = np.cumsum(org_weight / org_weight.sum())
        # Each organisation has a main sector it reports most of its rows in.
        sector_share = np.asarray([s[1] for s in SECTORS])
        self.sector_p = sector_share / sector_share.sum()
        self.org_main_sector = rng.choice(len(SECTORS), N_ORGS, p=self.sector_p)
        self.sectors = pl.Series([s[0] for s in SECTORS], dtype=pl.String)
        self.sector_median = np.asarray([s[2] for s in SECTORS], dtype=float)
        # Activities: global index; per sector its first index and how many it has.
        activities = [a for s in SECTORS for a in s[3]]
        self.activity = pl.Series([a[0] for a in activities], dtype=pl.String)
        self.modality = pl.Series([a[1] for a in activities], dtype=pl.String)
        self.item = pl.Series([a[2] for a in activities], dtype=pl.String)
        counts = np.asarray([len(s[3]) for s in SECTORS])
        self.activity_first = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.activity_count = counts
        self.statuses = pl.Series([s[0] for s in STATUSES], dtype=pl.String)
        status_share = np.asarray([s[1] for s in STATUSES])
        self.status_cdf = np.cumsum(status_share / status_share.sum())
        self.denied = [s[0] for s in STATUSES].index("Denied")
        self.n_days = (PERIOD_END - PERIOD_START).days + 1
        self.epoch_offset = (PERIOD_START - date(1970, 1, 1)).days

    @staticmethod
    def _draw(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
        return np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)

    def chunk(self, n: int) -> pl.DataFrame:
        rng = self.rng
        community = self._draw(self.community_cdf, rng.random(n))
        org = self._draw(self.org_cdf, rng.random(n))
        other_sector = self._draw(np.cumsum(self.sector_p), rng.random(n))
        sector = np.where(rng.random(n) < 0.6, self.org_main_sector[org], other_sector)
        activity = self.activity_first[sector] + (
            rng.random(n) * self.activity_count[sector]
        ).astype(np.int64)
        status = self._draw(self.status_cdf, rng.random(n))
        # Dates: a start day in the period; half are one-day distributions, the rest last up to
        # about three months; the end never passes the end of the period.
        start = rng.integers(0, self.n_days, n)
        length = np.where(rng.random(n) < 0.5, 0, rng.geometric(1 / 20, n))
        end = np.minimum(start + np.minimum(length, 90), self.n_days - 1)
        # Under siege, one delivery in 200 gets through; the others are denied.
        sub = self.places.subdistrict[community]
        siege_start, siege_end = self.places.siege_start[sub], self.places.siege_end[sub]
        under_siege = (start >= siege_start) & (start <= siege_end)
        status = np.where(under_siege & (rng.random(n) < 0.995), self.denied, status)
        # People reached: log-normal around the sector's median, 1 .. 50,000.
        reached = np.clip(
            np.round(self.sector_median[sector] * rng.lognormal(0.0, 1.1, n)), 1, 50_000
        ).astype(np.int64)
        households = np.maximum(1, np.round(reached / rng.uniform(4.5, 6.5, n))).astype(np.int64)
        female = rng.binomial(reached, 0.51)
        male = reached - female
        no_households = rng.random(n) < 0.08
        no_sex = rng.random(n) < 0.15
        idx = pl.Series(community)
        return pl.DataFrame(
            {
                "adm1": self.adm[0].gather(idx),
                "adm2": self.adm[1].gather(idx),
                "adm3": self.adm[2].gather(idx),
                "adm4": self.adm[3].gather(idx),
                "org": self.orgs.gather(pl.Series(org)),
                "sector": self.sectors.gather(pl.Series(sector)),
                "activity": self.activity.gather(pl.Series(activity)),
                "modality": self.modality.gather(pl.Series(activity)),
                "item": self.item.gather(pl.Series(activity)),
                "status": self.statuses.gather(pl.Series(status)),
                "start": pl.Series(start + self.epoch_offset, dtype=pl.Int32).cast(pl.Date),
                "end": pl.Series(end + self.epoch_offset, dtype=pl.Int32).cast(pl.Date),
                "reached": pl.Series(reached),
                "households": pl.Series(households).scatter(np.flatnonzero(no_households), None),
                "female": pl.Series(female).scatter(np.flatnonzero(no_sex), None),
                "male": pl.Series(male).scatter(np.flatnonzero(no_sex), None),
            }
        )


def write_4w(path: Path, rows: int, seed: int, places: Places | None = None) -> int:
    """Write ``rows`` 4W rows under a header row and a hashtag row; returns the file's size."""
    maker = RowMaker(places or build_places(), seed)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as f:
        f.write((",".join(h for h, _ in COLUMNS) + "\n").encode())
        f.write((",".join(t for _, t in COLUMNS) + "\n").encode())
        left = rows
        while left > 0:
            n = min(CHUNK_ROWS, left)
            frame = maker.chunk(CHUNK_ROWS)  # always a full chunk: output independent of --rows
            frame.head(n).write_csv(f, include_header=False)
            left -= n
    os.replace(partial, path)
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="4W rows to write")
    parser.add_argument("--out", type=Path, required=True, help="the 4W CSV to write")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the rows")
    parser.add_argument("--gazetteer-out", type=Path, help="also write the gazetteer CSV here")
    parser.add_argument(
        "--figures-out", type=Path, help="also write people in need per sub-district"
    )
    parser.add_argument("--access-out", type=Path, help="also write the sieges as access changes")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    places = build_places()
    if args.gazetteer_out:
        write_gazetteer(places, args.gazetteer_out)
        print(f"gazetteer: {args.gazetteer_out} ({N_COMMUNITIES:,} communities)", file=sys.stderr)
    if args.figures_out:
        write_figures(places, args.figures_out)
        print(f"figures: {args.figures_out}", file=sys.stderr)
    if args.access_out:
        write_access(places, args.access_out)
        print(f"access: {args.access_out}", file=sys.stderr)
    size = write_4w(args.out, args.rows, args.seed, places)
    seconds = time.perf_counter() - started
    print(
        f"4W: {args.out} {args.rows:,} rows, {size / 1e6:,.1f} MB "
        f"({size / max(args.rows, 1):.0f} bytes/row) in {seconds:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
