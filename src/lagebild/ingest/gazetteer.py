"""The P-code tree as the validator sees it, and the column-wise resolution of a row's place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import polars as pl

from lagebild.ingest.columns import Layout, describe
from lagebild.ingest.problems import ERROR, WARNING, ImportReport, Problem
from lagebild.model import Place, level_name

#: What partners write when a lookup failed or a code is unknown; read as "no code".
PLACEHOLDERS = frozenset({"#N/A", "N/A", "NA", "#REF!", "#VALUE!", "0", "-", "--", "NONE", "NULL"})


class Gazetteer:
    """Every known place, by P-code, with its level, parents and validity."""

    def __init__(self, places: Iterable[Place]) -> None:
        self.places = {p.id: p for p in places}
        self.by_code = {p.pcode.upper(): p for p in self.places.values()}
        self._ancestors: dict[int, dict[int, int]] = {}

    def __len__(self) -> int:
        return len(self.places)

    def ancestors(self, place_id: int) -> dict[int, int]:
        """level -> id of the place and each of its parents."""
        found = self._ancestors.get(place_id)
        if found is None:
            found = {}
            current: int | None = place_id
            while current is not None and current in self.places:
                place = self.places[current]
                found[place.level] = place.id
                current = place.parent_id
            self._ancestors[place_id] = found
        return found

    def ids_at_level(self, level: int) -> dict[str, int]:
        return {code: p.id for code, p in self.by_code.items() if p.level == level}

    def ids(self) -> dict[str, int]:
        """Every P-code's id, at any level (a P-code is unique across levels)."""
        return {code: p.id for code, p in self.by_code.items()}


@dataclass
class Resolved:
    place_id: pl.Series  # Int64, null where no valid code
    level: pl.Series  # Int8 level of the place
    error_mask: pl.Series  # Boolean


def _clean_codes(series: pl.Series) -> pl.Series:
    s = series.str.strip_chars().str.to_uppercase()
    return pl.when(s.is_in(list(PLACEHOLDERS))).then(None).otherwise(s).alias(series.name)  # type: ignore[return-value]


def resolve_places(
    df: pl.DataFrame,
    layout: Layout,
    gazetteer: Gazetteer,
    report: ImportReport,
    record_dates: pl.Series | None = None,
) -> Resolved:
    """The finest valid P-code of each row, with the warnings and errors the rules ask for.

    Rules: the finest valid code wins; a blank or unknown finer code next to a valid coarser one is
    a warning; a valid code whose parent disagrees with a coarser code of the row is a warning (the
    gazetteer's parents are used); no valid code at all is an error; a retired code is a warning.
    """
    columns = layout.code_columns
    n = df.height
    raw: dict[int, pl.Series] = {}
    ids: dict[int, pl.Series] = {}
    for level, column in columns:
        raw[level] = df[f"c{column.index}"]
        cleaned = df.select(_clean_codes(df[f"c{column.index}"])).to_series()
        # ``#loc+code`` names a place of any level (lagebild's own exports write it so).
        any_level = column.tag is not None and column.tag.hashtag == "loc"
        known = gazetteer.ids() if any_level else gazetteer.ids_at_level(level)
        ids[level] = cleaned.replace_strict(known, default=None, return_dtype=pl.Int64)
    finest = pl.Series("place_id", [None] * n, dtype=pl.Int64)
    finest_level = pl.Series("level", [None] * n, dtype=pl.Int8)
    for level, _ in columns:  # coarse to fine: later levels overwrite
        has = ids[level].is_not_null()
        finest = pl.select(pl.when(has).then(ids[level]).otherwise(finest)).to_series()
        finest_level = pl.select(
            pl.when(has).then(pl.lit(level, pl.Int8)).otherwise(finest_level)
        ).to_series()
    rows = df["_row"]
    missing = finest.is_null()
    for i in missing.arg_true().to_list():
        given = [f"{describe(c)}={raw[lvl][i]!r}" for lvl, c in columns if raw[lvl][i] is not None]
        report.add(
            Problem(
                ERROR,
                "no-valid-pcode",
                "no valid P-code at any level"
                + (
                    f" ({', '.join(given)} not in the gazetteer)"
                    if given
                    else " (all P-code cells blank)"
                ),
                report.file,
                rows[i],
                None,
                None,
            )
        )
    # Finer columns that were blank or unknown while a coarser code was valid.
    for level, column in columns:
        finer_than_found = (~missing) & (finest_level < level)
        if raw[level].null_count() == n and n:
            # A column left empty throughout (neighbourhoods in a 4W of villages) is said once.
            report.add(Problem(
                WARNING, "empty-pcode-column",
                f"no {level_name(level)} P-code in any row; records sit at coarser levels",
                report.file, None, describe(column), None,
            ))
            continue
        for i in finer_than_found.arg_true().to_list():
            value = raw[level][i]
            kept = gazetteer.places[finest[i]]
            what = "blank" if value is None else "unknown"
            report.add(
                Problem(
                    WARNING,
                    f"{what}-pcode",
                    f"{what} {level_name(level)} P-code; record kept at {level_name(kept.level)} "
                    f"{kept.pcode}",
                    report.file,
                    rows[i],
                    describe(column),
                    value,
                )
            )
    # Coarser columns that disagree with the finest code's own parents.
    valid_rows = (~missing).arg_true().to_list()
    if valid_rows:
        for level, column in columns:
            coarser = (~missing) & (finest_level > level) & raw[level].is_not_null()
            if not coarser.any():
                continue
            expected = finest.replace_strict(
                {pid: gazetteer.ancestors(pid).get(level) for pid in finest.drop_nulls().unique()},
                default=None,
                return_dtype=pl.Int64,
            )
            clash = coarser & ((ids[level] != expected).fill_null(True))
            for i in clash.arg_true().to_list():
                place = gazetteer.places[finest[i]]
                parent_id = gazetteer.ancestors(place.id).get(level)
                parent = gazetteer.places[parent_id].pcode if parent_id else "none"
                report.add(
                    Problem(
                        WARNING,
                        "parent-mismatch",
                        f"{place.pcode} lies in {level_name(level)} {parent} by the gazetteer, "
                        "not in "
                        f"{raw[level][i]}; the gazetteer's parents are used",
                        report.file,
                        rows[i],
                        describe(column),
                        raw[level][i],
                    )
                )
    # Retired codes.
    retired = {p.id: p.valid_to for p in gazetteer.places.values() if p.valid_to is not None}
    if retired:
        valid_to = finest.replace_strict(retired, default=None, return_dtype=pl.Date)
        on = record_dates if record_dates is not None else pl.Series([date.today()] * n)
        hit = (valid_to.is_not_null() & (valid_to <= on.fill_null(date.today()))).fill_null(False)
        for i in hit.arg_true().to_list():
            place = gazetteer.places[finest[i]]
            report.add(
                Problem(
                    WARNING,
                    "retired-pcode",
                    f"P-code {place.pcode} was retired on {place.valid_to}; "
                    "recode the data to the current gazetteer",
                    report.file,
                    rows[i],
                    None,
                    place.pcode,
                )
            )
    return Resolved(finest, finest_level, missing)
