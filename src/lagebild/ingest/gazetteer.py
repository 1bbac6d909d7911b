"""The P-code tree as the validator sees it, and the column-wise resolution of a row's place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import polars as pl

from lagebild.ingest.catalogue import problem
from lagebild.ingest.columns import Layout, describe
from lagebild.ingest.problems import WARNING, ImportReport, Problem
from lagebild.ingest.read import Column
from lagebild.messages import level_code
from lagebild.model import Place, level_name
from lagebild.model.countries import alpha3_aliases

#: What partners write when a lookup failed or a code is unknown; read as "no code".
PLACEHOLDERS = frozenset({"#N/A", "N/A", "NA", "#REF!", "#VALUE!", "0", "-", "--", "NONE", "NULL"})


class Gazetteer:
    """Every known place, by P-code, with its level, parents and validity."""

    def __init__(self, places: Iterable[Place], checked: bool = True) -> None:
        self.places = {p.id: p for p in places}
        self.checked = checked  # False: no database to check against (a dry run without one)
        self.by_code = {p.pcode.upper(): p for p in self.places.values()}
        # A country is also found by its ISO alpha-3 code (SYR for SY: HDX's location_code).
        countries = [p.pcode for p in self.places.values() if p.level == 0]
        for alias, pcode in alpha3_aliases(countries).items():
            self.by_code.setdefault(alias, self.by_code[pcode.upper()])
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
    cleaned: dict[int, pl.Series] = {}
    for level, column in columns:
        raw[level] = df[f"c{column.index}"]
        cleaned[level] = df.select(_clean_codes(df[f"c{column.index}"])).to_series()
        # ``#loc+code`` names a place of any level (lagebild's own exports write it so).
        any_level = column.tag is not None and column.tag.hashtag == "loc"
        known = gazetteer.ids() if any_level else gazetteer.ids_at_level(level)
        ids[level] = cleaned[level].replace_strict(known, default=None, return_dtype=pl.Int64)
    if pcodes_unchecked(gazetteer, report):
        return _unchecked(df, columns, cleaned, report)
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
    _count_unknown(columns, cleaned, ids, finest_level, missing, gazetteer, report)
    _report_no_valid_code(columns, raw, missing, rows, report)
    _report_coarser_kept(columns, raw, finest, finest_level, missing, rows, gazetteer, report)
    _report_parent_mismatch(
        columns, raw, ids, finest, finest_level, missing, rows, gazetteer, report
    )
    _report_retired(columns, finest, finest_level, rows, record_dates, gazetteer, report)
    return Resolved(finest, finest_level, missing)


def _report_no_valid_code(
    columns: list[tuple[int, Column]],
    raw: dict[int, pl.Series],
    missing: pl.Series,
    rows: pl.Series,
    report: ImportReport,
) -> None:
    """An error for each row with no valid P-code at any level, naming the codes it gave."""
    for i in missing.arg_true().to_list():
        filled = [(c, raw[lvl][i]) for lvl, c in columns if raw[lvl][i] is not None]
        given = ", ".join(f"{describe(c)}={value!r}" for c, value in filled)
        # the row's finest P-code given (a placeholder such as #N/A is none), else the finest
        # P-code column, left blank
        real = [(c, v) for c, v in filled if str(v).strip().upper() not in PLACEHOLDERS]
        column, value = (real or filled or [(columns[-1][1], None)])[-1]
        key = "no-valid-pcode" if filled else "no-valid-pcode/blank"
        report.add(problem(key, report.file, rows[i], describe(column), value, given=given))


def _report_coarser_kept(
    columns: list[tuple[int, Column]],
    raw: dict[int, pl.Series],
    finest: pl.Series,
    finest_level: pl.Series,
    missing: pl.Series,
    rows: pl.Series,
    gazetteer: Gazetteer,
    report: ImportReport,
) -> None:
    """A warning for each finer code left blank or unknown while a coarser code was valid; a
    column empty throughout is said once."""
    n = len(finest)
    for level, column in columns:
        finer_than_found = (~missing) & (finest_level < level)
        if raw[level].null_count() == n and n:
            # A column left empty throughout (neighbourhoods in a 4W of villages) is said once.
            report.add(
                problem(
                    "empty-pcode-column", report.file, None, describe(column),
                    level=level_code(level_name(level)),
                )
            )  # fmt: skip
            continue
        for i in finer_than_found.arg_true().to_list():
            value = raw[level][i]
            kept = gazetteer.places[finest[i]]
            what = "blank" if value is None else "unknown"
            report.add(
                problem(
                    f"{what}-pcode",
                    report.file,
                    rows[i],
                    describe(column),
                    value,
                    level=level_code(level_name(level)),
                    kept_level=level_code(level_name(kept.level)),
                    kept=kept.pcode,
                )
            )


def _report_parent_mismatch(
    columns: list[tuple[int, Column]],
    raw: dict[int, pl.Series],
    ids: dict[int, pl.Series],
    finest: pl.Series,
    finest_level: pl.Series,
    missing: pl.Series,
    rows: pl.Series,
    gazetteer: Gazetteer,
    report: ImportReport,
) -> None:
    """A warning for each coarser code that disagrees with the finest code's own parents (the
    gazetteer's parents are used)."""
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
                    problem(
                        "parent-mismatch",
                        report.file,
                        rows[i],
                        describe(column),
                        raw[level][i],
                        pcode=place.pcode,
                        level=level_code(level_name(level)),
                        parent=parent,
                        given=raw[level][i],
                    )
                )


def _report_retired(
    columns: list[tuple[int, Column]],
    finest: pl.Series,
    finest_level: pl.Series,
    rows: pl.Series,
    record_dates: pl.Series | None,
    gazetteer: Gazetteer,
    report: ImportReport,
) -> None:
    """A warning for each row placed by a code retired on or before its date (today when the
    row has none)."""
    n = len(finest)
    retired = {p.id: p.valid_to for p in gazetteer.places.values() if p.valid_to is not None}
    if retired:
        valid_to = finest.replace_strict(retired, default=None, return_dtype=pl.Date)
        on = record_dates if record_dates is not None else pl.Series([date.today()] * n)
        hit = (valid_to.is_not_null() & (valid_to <= on.fill_null(date.today()))).fill_null(False)
        by_level = dict(columns)
        for i in hit.arg_true().to_list():
            place = gazetteer.places[finest[i]]
            column = by_level.get(finest_level[i])
            report.add(
                problem(
                    "retired-pcode",
                    report.file,
                    rows[i],
                    describe(column) if column else None,
                    place.pcode,
                    pcode=place.pcode,
                    valid_to=place.valid_to,
                )
            )


def stands_for_unknown_pcode(problem: Problem) -> bool:
    """A row's problem that the summary of unknown P-codes (``UnknownPcodes``) says for it:
    an unknown finer P-code, or no known P-code at any level while some were given."""
    if problem.code == "unknown-pcode":  # a placeholder (#N/A) is no code, said row by row
        return (problem.value or "").strip().upper() not in PLACEHOLDERS | {""}
    return problem.code == "no-valid-pcode" and problem.reason.endswith("not in the gazetteer)")


def pcodes_unchecked(gazetteer: Gazetteer, report: ImportReport) -> bool:
    """A dry run without a database cannot check P-codes: True then, and the report says so
    once. (A database without places can: every code is unknown, and the summary says why.)"""
    if gazetteer.checked:
        return False
    if not report.counts[(WARNING, "pcodes-unchecked")]:
        report.add(
            problem("pcodes-unchecked", report.file)
        )
    return True


def _unchecked(
    df: pl.DataFrame,
    columns: list[tuple[int, Column]],
    cleaned: dict[int, pl.Series],
    report: ImportReport,
) -> Resolved:
    """A dry run without a database: P-codes cannot be checked. Said once; only rows without
    any P-code are errors."""
    n = df.height
    blank = pl.Series([True] * n)
    for level, _ in columns:
        blank = blank & cleaned[level].is_null()
    rows = df["_row"]
    finest_column = describe(columns[-1][1]) if columns else None
    for i in blank.arg_true().to_list():
        report.add(problem("no-valid-pcode/blank", report.file, rows[i], finest_column))
    return Resolved(
        pl.Series("place_id", [None] * n, dtype=pl.Int64),
        pl.Series("level", [None] * n, dtype=pl.Int8),
        blank,
    )


def _count_unknown(
    columns: list[tuple[int, Column]],
    cleaned: dict[int, pl.Series],
    ids: dict[int, pl.Series],
    finest_level: pl.Series,
    missing: pl.Series,
    gazetteer: Gazetteer,
    report: ImportReport,
) -> None:
    """Count, for the summary of the import, each row's finest given P-code that the gazetteer
    lacks (finer than the code it was placed on), with the country the row names."""
    summary = report.unknown_pcodes
    summary.gazetteer_places = len(gazetteer)
    summary.placed += int((~missing).sum())
    found = finest_level.fill_null(-1)
    taken = pl.Series([False] * len(found))
    country = _countries(columns, cleaned)
    for level, _ in reversed(columns):  # fine to coarse: a row counts at its finest unknown code
        unknown = cleaned[level].is_not_null() & ids[level].is_null() & (found < level) & ~taken
        unknown = unknown.fill_null(False)
        if not unknown.any():
            continue
        taken = taken | unknown
        summary.note(
            level,
            cleaned[level].filter(unknown).to_list(),
            int((unknown & missing).sum()),
            country.filter(unknown).to_list(),
        )


def _countries(columns: list[tuple[int, Column]], cleaned: dict[int, pl.Series]) -> pl.Series:
    """The country a row names: its #country+code, else the letters that begin its coarsest
    P-code (SY of SY0200, AF of AF01); null where neither says."""
    n = cleaned[columns[0][0]].len() if columns else 0
    found = pl.Series([None] * n, dtype=pl.Utf8)
    for level, _ in columns:
        if level == 0:
            found = cleaned[level]
            continue
        if level <= 3:
            prefix = cleaned[level].str.extract(r"^([A-Z]{2,3})[0-9]", 1)
            found = found.fill_null(prefix)
    return found
