"""Turn a batch of tagged string columns into validated records of one kind, column by column."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import polars as pl

from lagebild.ingest.catalogue import UNKNOWN_CODE, problem
from lagebild.ingest.columns import CODE_ROLES, FigureColumn, Layout, describe, normalise_age
from lagebild.ingest.gazetteer import PLACEHOLDERS, Gazetteer, resolve_places
from lagebild.ingest.geometry import Geometry, GeometryError, read_geometry
from lagebild.ingest.notation import parse_dates, parse_numbers
from lagebild.ingest.problems import NO_VALID_PCODE, WARNING, ImportReport, Reasons, reject
from lagebild.ingest.vocabularies import OVERRIDE_OPTION, ImportVocabularies
from lagebild.messages import ACCESS_WORDS, N_, STATUS_WORDS, Code, Message, Value, codes, either
from lagebild.model.vocab import (
    ACCESS_STATUSES,
    DELIVERY_STATUSES,
    INDICATORS,
    SHARE_SUFFIX,
    normalise_indicator,
    parse_level,
    sector_code,
)
from lagebild.store.schema import (
    ACCESS_COLUMNS,
    DELIVERY_COLUMNS,
    EVENT_COUNT_COLUMNS,
    FIGURE_COLUMNS,
    FIGURE_DIMENSIONS,
    PRESENCE_COLUMNS,
)

Insert = tuple[str, Sequence[str], Iterable[Sequence[Any]]]


class SourceIds(Protocol):
    def ids_for(self, names: pl.Series | None, n: int) -> pl.Series: ...


#: The number an import's footprint sums, per table (None: rows only).
FOOTPRINT_NUMBER = {
    "figures": None,
    "access_changes": None,
    "deliveries": "reached",
    "presence": None,
    "event_counts": "events",
}


@dataclass
class Footprint:
    """Per table and place: how many rows an import writes and the sum of their main number,
    gathered from the batches as they go (for the audit trail, without reading the rows back)."""

    parts: dict[str, list[pl.DataFrame]] = field(default_factory=dict)

    def add(self, table: str, frame: pl.DataFrame) -> None:
        if table not in FOOTPRINT_NUMBER or frame.height == 0:
            return
        number = FOOTPRINT_NUMBER[table]
        sums = [pl.len().alias("rows")]
        if number is not None and number in frame.columns:
            sums.append(pl.col(number).sum().alias("total"))
        self.parts.setdefault(table, []).append(frame.group_by("place_id").agg(sums))

    def summary(self) -> dict[str, list[tuple[int, int, float | None]]]:
        """table -> [(place id, rows, sum)]."""
        out = {}
        for table, frames in self.parts.items():
            merged = pl.concat(frames, how="diagonal_relaxed")
            sums = [pl.col("rows").sum()]
            if "total" in merged.columns:
                sums.append(pl.col("total").sum())
            merged = merged.group_by("place_id").agg(sums).sort("place_id")
            totals = merged["total"] if "total" in merged.columns else None
            out[table] = [
                (int(p), int(n), float(totals[i]) if totals is not None else None)
                for i, (p, n) in enumerate(zip(merged["place_id"], merged["rows"], strict=True))
            ]
        return out


@dataclass
class Context:
    """What every batch of one import shares."""

    file: str
    layout: Layout
    gazetteer: Gazetteer
    options_locale: str
    default_date: date | None
    report: ImportReport
    sources: SourceIds
    import_id: int
    footprint: Footprint = field(default_factory=Footprint)
    country: str | None = None  # --country: the place of figure rows without an admin code
    vocabularies: ImportVocabularies = field(default_factory=ImportVocabularies)


@dataclass
class Batch:
    """One batch under validation: its frame, and the reasons its rejected rows were refused."""

    frame: pl.DataFrame
    context: Context
    rejected: dict[int, Reasons] = field(default_factory=dict)

    @property
    def rows(self) -> pl.Series:
        return self.frame["_row"]

    def raw(self, role: str) -> pl.Series | None:
        column = self.context.layout.roles.get(role)
        return None if column is None else self.frame[f"c{column.index}"]

    def error(self, row: int, key: str, role: str | None, value: Any, **params: object) -> None:
        """An error of kind ``key`` (``ingest.catalogue``) in ``row``, naming the role's column
        and the value found; the row is refused."""
        column = self.context.layout.roles.get(role) if role else None
        found = problem(
            key,
            self.context.file,
            row,
            describe(column) if column else None,
            None if value is None else str(value),
            **params,
        )
        self.context.report.add(found)
        reject(self.rejected, row, found)

    def reject_mask(self) -> pl.Series:
        return (
            self.rows.is_in(list(self.rejected))
            if self.rejected
            else pl.Series([False] * self.frame.height)
        )

    def numbers(
        self, role: str, *, people: bool = False, coordinate: bool = False
    ) -> pl.Series | None:
        raw = self.raw(role)
        if raw is None:
            return None
        values, reasons = _numbers(raw, self.context.options_locale)
        if coordinate:
            # Degrees never carry thousands: a plain decimal point is never ambiguous in them.
            plain = (
                raw.str.strip_chars().str.contains(r"^[+-]?[0-9]{1,3}\.[0-9]+$").fill_null(False)
            )
            direct = raw.str.strip_chars().cast(pl.Float64, strict=False)
            values = pl.select(pl.when(plain).then(direct).otherwise(values)).to_series()
            reasons = pl.select(pl.when(plain).then(None).otherwise(reasons)).to_series()
        self._report(reasons, raw, role, "not-a-number")
        values = pl.select(pl.when(reasons.is_null()).then(values)).to_series()
        if people:
            negative = (values < 0).fill_null(False)
            for i in negative.arg_true().to_list():
                self.error(self.rows[i], "negative", role, raw[i])
            values = pl.select(pl.when(~negative).then(values)).to_series()
        return values

    def dates(self, role: str) -> pl.Series | None:
        raw = self.raw(role)
        if raw is None:
            return None
        values, reasons = parse_dates(raw)
        self._report(reasons, raw, role, "not-a-date")
        return pl.select(pl.when(reasons.is_null()).then(values)).to_series()

    def months(self, role: str) -> tuple[pl.Series, pl.Series] | None:
        """A column of months (``2024-03``) as their first and last days; a cell that is no
        month is an error of its row."""
        raw = self.raw(role)
        if raw is None:
            return None
        text = raw.cast(pl.Utf8).str.strip_chars()
        padded = text.str.replace(r"^([0-9]{4})-([0-9])$", "${1}-0${2}")
        month = padded.str.contains(r"^[0-9]{4}-[0-9]{2}$").fill_null(False)
        first = pl.select(
            pl.when(month).then((padded + "-01").str.to_date("%Y-%m-%d", strict=False))
        ).to_series()
        blank = (text.is_null() | (text == "")).fill_null(True)
        for i in (~blank & first.is_null()).arg_true().to_list():
            self.error(self.rows[i], "not-a-date/month", role, raw[i], given=raw[i])
        return first, first.dt.month_end()

    def when(self, key: str, needed: pl.Series | None = None) -> pl.Series:
        """The ``#date`` of each row, else the import's ``--date``; a missing one is an error
        (only in the ``needed`` rows, and not again in rows already refused)."""
        n = self.frame.height
        default = self.context.default_date
        found = self.dates("date")
        if found is None:
            found = pl.Series([default] * n, dtype=pl.Date)
        elif default is not None:
            found = found.fill_null(default)
        missing = found.is_null() if needed is None else found.is_null() & needed
        failed = set(self.rejected)
        for i in missing.arg_true().to_list():
            if self.rows[i] not in failed:
                self.error(self.rows[i], key, None, None)
        return found

    def _report(self, reasons: pl.Series, raw: pl.Series, role: str, key: str) -> None:
        for i in reasons.is_not_null().arg_true().to_list():
            self.error(self.rows[i], key, role, raw[i], reason=reasons[i])

    def text(self, role: str) -> pl.Series:
        raw = self.raw(role)
        return raw if raw is not None else pl.Series([None] * self.frame.height, dtype=pl.Utf8)

    def place(self, dates: pl.Series | None) -> pl.Series:
        resolved = resolve_places(
            self.frame, self.context.layout, self.context.gazetteer, self.context.report, dates
        )
        for i in resolved.error_mask.arg_true().to_list():
            row = self.rows[i]
            reject(self.rejected, row, NO_VALID_PCODE)
        return resolved.place_id

    def sector(self) -> pl.Series:
        """The sector code of each row (``""``: inter-sector or blank); an unknown word is an
        error naming the option that maps it."""
        return self.mapped("sector", "sectors", blank="")

    def mapped(
        self,
        role: str,
        name: str,
        *,
        blank: str | None,
        required: bool = False,
        allowed: Value = None,
        keep_unknown: bool = False,
    ) -> pl.Series:
        """Each word of the ``role`` column through the import's vocabulary ``name``.

        A blank cell is ``blank`` (an error when ``required``). Each word mapped goes to the
        report with the number of rows that carry it. A word the vocabulary does not hold is an
        error of its row naming the option that would map it; with ``keep_unknown`` it is kept
        as written, with one warning per word.
        """
        raw = self.text(role)
        vocab = self.context.vocabularies[name]
        mapping: dict[str, str | None] = {}
        unknown: dict[str, int] = {}
        for word, rows in raw.value_counts().iter_rows():
            if word is None or not word.strip():
                mapping[word or ""] = blank
                continue
            code = vocab.code(word)
            if code is None:
                unknown[word] = rows
                mapping[word] = word.strip() if keep_unknown else None
                continue
            mapping[word] = code
            self.context.report.add_mapping(vocab.name, word, code, rows)
        option = OVERRIDE_OPTION.get(name)
        use = _use(allowed, option)
        slug = UNKNOWN_CODE[name]
        if unknown and keep_unknown:
            for word, rows in unknown.items():
                first = self.rows.filter(raw == word)[0]
                self.context.report.add(
                    problem(
                        f"{slug}/kept", self.context.file, first, self._column(role), word,
                        vocabulary=vocab.name, word=word, rows=rows,
                        mapping=Message(N_("%(option)s map.yml maps it"), {"option": option}),
                    )
                )  # fmt: skip
        elif unknown:
            for i in raw.is_in(list(unknown)).fill_null(False).arg_true().to_list():
                word = raw[i]
                self.error(self.rows[i], slug, role, word, what=_role(role), word=word, use=use)
        if required:
            empty = raw.is_null() | (raw.str.strip_chars() == "").fill_null(False)
            for i in empty.arg_true().to_list():
                self.error(self.rows[i], f"{slug}/blank", role, raw[i], what=_role(role), use=use)
        return raw.fill_null("").replace_strict(mapping, default=None, return_dtype=pl.Utf8)

    def _column(self, role: str) -> str | None:
        column = self.context.layout.roles.get(role)
        return describe(column) if column else None

    def grades(self) -> tuple[pl.Series, pl.Series]:
        """Each row's own Admiralty grade (reliability A-F, credibility 1-6), from
        ``#meta+source+grade`` (``B2``) or ``#meta+source+reliability`` and ``+credibility``;
        null where the row gives none (its source's grade then counts)."""
        n = self.frame.height
        reliability = pl.Series([None] * n, dtype=pl.Utf8)
        credibility = pl.Series([None] * n, dtype=pl.Int64)
        for role, pattern, key in (
            ("grade", r"^([A-F])?([1-6])?$", "bad-grade"),
            ("reliability", r"^([A-F])()$", "bad-grade/reliability"),
            ("credibility", r"^()([1-6])$", "bad-grade/credibility"),
        ):
            raw = self.raw(role)
            if raw is None:
                continue
            text = raw.str.strip_chars().str.to_uppercase()
            text = pl.select(pl.when(text != "").then(text)).to_series()
            parts = text.str.extract_groups(pattern)
            letter = parts.struct.field("1")
            number = parts.struct.field("2")
            bad = text.is_not_null() & (letter.is_null() | (text == ""))
            bad = bad | (text.is_not_null() & ~text.str.contains(pattern))
            for i in bad.fill_null(False).arg_true().to_list():
                self.error(self.rows[i], key, role, raw[i], given=raw[i])
            letter = pl.select(pl.when(letter != "").then(letter)).to_series()
            number = pl.select(pl.when(number != "").then(number)).to_series()
            reliability = reliability.fill_null(letter)
            credibility = credibility.fill_null(number.cast(pl.Int64, strict=False))
        return reliability.alias("reliability"), credibility.alias("credibility")

    def source_ids(self) -> pl.Series:
        return self.context.sources.ids_for(self.raw("source"), self.frame.height)


def _numbers(raw: pl.Series, locale: str) -> tuple[pl.Series, pl.Series]:
    """``parse_numbers``, with a fast path: plain digits read the same in every notation."""
    plain = raw.str.contains(r"^[0-9]{1,15}$").fill_null(True)
    if plain.all():
        return raw.cast(pl.Float64), pl.Series([None] * raw.len(), dtype=pl.Utf8)
    rest = (~plain).arg_true()
    values, reasons = parse_numbers(raw.gather(rest), locale)
    direct = pl.select(pl.when(plain).then(raw).cast(pl.Float64)).to_series()
    out_values = direct.scatter(rest, values)
    out_reasons = pl.Series([None] * raw.len(), dtype=pl.Utf8).scatter(rest, reasons)
    return out_values, out_reasons


def iso_dates(series: pl.Series | None, n: int) -> pl.Series:
    if series is None:
        return pl.Series([None] * n, dtype=pl.Utf8)
    return series.dt.strftime("%Y-%m-%d")


def build(frame: pl.DataFrame, context: Context) -> tuple[Insert | None, dict[int, Reasons]]:
    """Validated rows of a figures, access or deliveries batch, ready to insert."""
    batch = Batch(frame, context)
    _hapi_errors(batch)
    kind = context.layout.kind
    if kind == "deliveries":
        return _deliveries(batch), batch.rejected
    if kind == "access":
        return _access(batch), batch.rejected
    if kind == "presence":
        return _presence(batch), batch.rejected
    if kind == "event_counts":
        return _event_counts(batch), batch.rejected
    return _figures(batch), batch.rejected


def _hapi_errors(batch: Batch) -> None:
    """The rows HDX HAPI's own files mark with an error (``#meta+error``): HAPI does not load
    them, and they are errors here too."""
    raw = batch.raw("hapi_error")
    if raw is None:
        return
    for i, said in enumerate(raw.to_list()):
        if said and said.strip():
            batch.error(batch.rows[i], "hapi-error", "hapi_error", said, error=said.strip())


def _deliveries(batch: Batch) -> Insert | None:
    n = batch.frame.height
    end, plain, start = batch.dates("date_end"), batch.dates("date"), batch.dates("date_start")
    months = batch.months("month")
    if months is not None:  # a reporting month: its first and last days, where no dates are
        first, last = months
        start = first if start is None else start.fill_null(first)
        end = last if end is None else end.fill_null(last)
    present = [s for s in (end, plain, start) if s is not None]
    effective = (
        pl.select(pl.coalesce(present)).to_series()
        if present
        else pl.Series([None] * n, dtype=pl.Date)
    )
    parse_failed = set(batch.rejected)
    for i in effective.is_null().arg_true().to_list():
        row = batch.rows[i]
        if row not in parse_failed:
            batch.error(row, "no-date", None, None)
    allowed = codes(DELIVERY_STATUSES, STATUS_WORDS)
    status = batch.mapped("status", "statuses", blank="completed", allowed=allowed)
    place_id = batch.place(effective)
    values = {
        "place_id": place_id,
        "date": iso_dates(effective, n),
        "date_start": iso_dates(start, n),
        "date_end": iso_dates(end, n),
        "status": status,
        "sector": batch.sector(),
        "reached": batch.numbers("reached", people=True),
        "households": batch.numbers("households", people=True),
        "reached_female": batch.numbers("reached_female", people=True),
        "reached_male": batch.numbers("reached_male", people=True),
        "reached_children": batch.numbers("reached_children", people=True),
        "org_impl": batch.text("org_impl"),
        "org_reporting": batch.text("org_reporting"),
        "donor": batch.text("donor"),
        "activity": batch.text("activity"),
        "modality": batch.mapped("modality", "modalities", blank=None, keep_unknown=True)
        if "modality" in batch.context.layout.roles
        else None,
        "item": batch.text("item"),
        "quantity": batch.numbers("quantity"),
        "unit": batch.text("unit"),
        "value_usd": batch.numbers("value_usd"),
        "source_id": batch.source_ids(),
        "import_id": pl.Series([batch.context.import_id] * n, dtype=pl.Int64),
        "row_number": batch.rows,
        "external_key": batch.text("key"),
    }
    return to_insert("deliveries", DELIVERY_COLUMNS, values, batch)


def _presence(batch: Batch) -> Insert | None:
    """A 3W row: an organisation works in a sector in a place (on a date, when given)."""
    n = batch.frame.height
    when = batch.dates("date")
    if when is None and batch.context.default_date is not None:
        when = pl.Series([batch.context.default_date] * n, dtype=pl.Date)
    org = batch.text("org")
    acronym = batch.text("org_acronym")
    named = pl.select(pl.coalesce([org, acronym])).to_series()
    for i in named.is_null().arg_true().to_list():
        batch.error(batch.rows[i], "no-org", "org", None)
    values = {
        "place_id": batch.place(when),
        "org": named,
        "org_acronym": acronym,
        "org_type": batch.text("org_type"),
        "sector": batch.sector(),
        "activity": batch.text("activity"),
        "date": iso_dates(when, n),
        "source_id": batch.source_ids(),
        "import_id": pl.Series([batch.context.import_id] * n, dtype=pl.Int64),
        "row_number": batch.rows,
    }
    return to_insert("presence", PRESENCE_COLUMNS, values, batch)


#: HDX HAPI's conflict event types (its ``event_type``), which lagebild keeps as they are.
EVENT_COUNT_TYPES = ("political_violence", "civilian_targeting", "demonstration")


def _event_counts(batch: Batch) -> Insert | None:
    """A count of conflict events (and their fatalities) of one type in a place over a period,
    as HDX HAPI counts ACLED's events per district and month."""
    n = batch.frame.height
    _hapi_errors(batch)
    start, end = batch.dates("date_start"), batch.dates("date_end")
    assert start is not None and end is not None  # required roles (ingest.columns)
    for i in (start.is_null() | end.is_null()).arg_true().to_list():
        if batch.rows[i] not in batch.rejected:
            batch.error(batch.rows[i], "no-date/event-count", None, None)
    for i in (end < start).fill_null(False).arg_true().to_list():
        batch.error(batch.rows[i], "period-reversed", "date_end", end[i], start=start[i],
                    end=end[i])  # fmt: skip
    kind = batch.text("event_type").str.strip_chars().str.to_lowercase()
    for i in (~kind.is_in(EVENT_COUNT_TYPES)).fill_null(True).arg_true().to_list():
        given = batch.raw("event_type")[i]  # type: ignore[index]
        batch.error(
            batch.rows[i], "unknown-event-type/hapi", "event_type", given, given=given or ""
        )
    events = _counts(batch, "events", required=True)
    fatalities = _counts(batch, "fatalities", required=False)
    place_id = batch.place(end)
    _refuse_twice(batch, place_id, kind, start, end)
    values = {
        "place_id": place_id,
        "event_type": kind,
        "date_start": iso_dates(start, n),
        "date_end": iso_dates(end, n),
        "events": events,
        "fatalities": fatalities,
        "source_id": batch.source_ids(),
        "import_id": pl.Series([batch.context.import_id] * n, dtype=pl.Int64),
        "row_number": batch.rows,
    }
    return to_insert("event_counts", EVENT_COUNT_COLUMNS, values, batch)


def _counts(batch: Batch, role: str, *, required: bool) -> pl.Series | None:
    """Whole, not negative numbers of a column (events, fatalities); a blank is an error when
    ``required``."""
    values = batch.numbers(role)
    if values is None:
        return None
    raw = batch.text(role)
    for i in (values < 0).fill_null(False).arg_true().to_list():
        batch.error(batch.rows[i], "bad-number/negative", role, raw[i])
    for i in (values.is_not_null() & (values != values.floor())).arg_true().to_list():
        batch.error(batch.rows[i], "not-a-count/events", role, raw[i], given=raw[i])
    if required:
        blank = (raw.is_null() | (raw.str.strip_chars() == "")).fill_null(True)
        for i in blank.arg_true().to_list():
            batch.error(batch.rows[i], "not-a-count/events", role, raw[i], given=raw[i] or "")
    return values.cast(pl.Int64, strict=False)


def _refuse_twice(
    batch: Batch, place_id: pl.Series, kind: pl.Series, start: pl.Series, end: pl.Series
) -> None:
    """A place, type and period counted in two rows of one batch by the same source: the later
    row is refused (two sources may count the same, and are kept apart)."""
    source = batch.text("source").fill_null("")
    frame = pl.DataFrame(
        {"row": batch.rows, "place": place_id, "kind": kind, "start": start, "end": end,
         "source": source}
    ).drop_nulls()  # fmt: skip
    key = ["place", "kind", "start", "end", "source"]
    first = frame.group_by(key, maintain_order=True).agg(pl.col("row").first().alias("first_row"))
    again = frame.join(first, on=key).filter(pl.col("row") != pl.col("first_row"))
    for row, kind_said, first_row in again.select("row", "kind", "first_row").iter_rows():
        batch.error(row, "count-twice", "event_type", kind_said, first_row=first_row,
                    event_type=kind_said)  # fmt: skip


def to_insert(
    table: str, columns: Sequence[str], values: Mapping[str, pl.Series | None], batch: Batch
) -> Insert | None:
    n = batch.frame.height
    empty = pl.Series([None] * n, dtype=pl.Float64)
    frame = pl.DataFrame(
        {c: (value if (value := values[c]) is not None else empty).alias(c) for c in columns}
    )
    keep = ~batch.reject_mask()
    frame = frame.filter(keep)
    if frame.height == 0:
        return None
    batch.context.footprint.add(table, frame)
    # Columns the file left empty stay NULL without binding a million Nones.
    filled = [c for c in columns if frame[c].null_count() < frame.height]
    return table, filled, frame.select(filled).iter_rows()


def _access(batch: Batch) -> Insert | None:
    n = batch.frame.height
    when = batch.when("no-date/access")
    allowed = either(codes(ACCESS_STATUSES, ACCESS_WORDS))
    status = batch.mapped("access", "access", blank=None, required=True, allowed=allowed)
    party = batch.text("party")
    for i in ((status == "besieged").fill_null(False) & party.is_null()).arg_true().to_list():
        batch.context.report.add(
            problem("no-besieging-party", batch.context.file, batch.rows[i])
        )
    values = {
        "place_id": batch.place(when),
        "status": status,
        "party": party,
        "valid_from": iso_dates(when, n),
        "source_id": batch.source_ids(),
        "import_id": pl.Series([batch.context.import_id] * n, dtype=pl.Int64),
        "row_number": batch.rows,
    }
    return to_insert("access_changes", ACCESS_COLUMNS, values, batch)


#: Sector words of a long-form table that mean inter-sector (stored as ``''``).
INTER_SECTOR = frozenset(
    {"all", "intersectoral", "inter-sectoral", "intersector", "inter-sector", "inter sector"}
)
#: Cell values of a dimension column that mean the total in that dimension.
TOTAL_WORDS = frozenset({"", "all", "a", "total", "t"})
GENDER_CODES = {"f": "f", "female": "f", "w": "f", "women": "f", "femmes": "f", "mujeres": "f",
                "m": "m", "male": "m", "men": "m", "hommes": "m", "hombres": "m"}  # fmt: skip
DISABILITY_CODES = {"y": "y", "yes": "y", "true": "y", "1": "y", "n": "n", "no": "n",
                    "false": "n", "0": "n"}  # fmt: skip
POPULATION_GROUPS = {"idp": "idps", "idps": "idps", "ref": "refugees", "refugees": "refugees",
                     "ret": "returnees", "returnees": "returnees"}  # fmt: skip

#: The words of the parts of HDX HAPI's humanitarian-needs ``category`` (``Children - Female -
#: IDP``, ``Adult - Male``, ``Female - 0-4``, ``People with Disabilities``), each with the
#: dimension it gives and its value; an age range (``0-4``, ``65+``) is an age too.
CATEGORY_WORDS: dict[str, tuple[str, str]] = {
    **{word: ("gender", code) for word, code in GENDER_CODES.items() if len(word) > 1},
    "non-binary": ("gender", "x"),
    "other": ("gender", "o"),
    "unspecified": ("gender", "u"),
    "infants": ("age", "infants"),
    "children": ("age", "children"),
    "adolescents": ("age", "adolescents"),
    "youth": ("age", "youth"),
    "adult": ("age", "adults"),
    "adults": ("age", "adults"),
    "elderly": ("age", "elderly"),
    "disabled": ("disability", "y"),
    "people with disabilities": ("disability", "y"),
    "persons with disabilities": ("disability", "y"),
    "not disabled": ("disability", "n"),
    **{word: ("population_group", group) for word, group in POPULATION_GROUPS.items()},
}


def category_dimensions(text: str | None) -> dict[str, str] | str:
    """The dimensions a HAPI category gives (``{'gender': 'f', 'age': 'children',
    'population_group': 'idps'}``; ``{}`` for the total), or the part lagebild cannot read
    (a second part of one dimension is not read either: ``Total Households``, ``Female -
    Male``)."""
    found: dict[str, str] = {}
    for part in (text or "").split(" - "):
        word = part.strip().lower()
        if word in TOTAL_WORDS:
            continue
        age = normalise_age(word)
        dimension, value = ("age", age) if age else CATEGORY_WORDS.get(word, ("", ""))
        if not dimension or dimension in found:
            return part.strip()
        found[dimension] = value
    return found


def _category(batch: Batch) -> dict[str, pl.Series]:
    """Each row's dimensions from its HAPI category (``''``: the total in a dimension); null in
    every dimension of a row whose category lagebild cannot read (the row is then an error)."""
    raw = batch.raw("category")
    assert raw is not None  # only called with a category column
    words = {word: category_dimensions(word) for word in raw.unique().to_list()}
    out: dict[str, list[str | None]] = {name: [] for name in FIGURE_DIMENSIONS}
    for i, word in enumerate(raw.to_list()):
        found = words[word]
        if isinstance(found, str):
            batch.error(batch.rows[i], "bad-category", "category", word, part=found)
        for name in FIGURE_DIMENSIONS:
            out[name].append(None if isinstance(found, str) else found.get(name, ""))
    return {name: pl.Series(values, dtype=pl.Utf8) for name, values in out.items()}


def _row_dimensions(batch: Batch) -> dict[str, pl.Series]:
    """Each long-form dimension of the rows: from its own column, else from a HAPI category
    where the file has one (a file with both reads the columns), else the total."""
    own = {name: _dimension(batch, name) for name in FIGURE_DIMENSIONS}
    given = {
        name for name in FIGURE_DIMENSIONS
        if batch.raw(name) is not None or (name == "age" and batch.raw("age_min") is not None)
    }  # fmt: skip
    if batch.raw("category") is None or given == set(FIGURE_DIMENSIONS):
        return own
    from_category = _category(batch)
    return {name: own[name] if name in given else from_category[name] for name in own}


def _dimension(batch: Batch, name: str) -> pl.Series:
    """A long-form dimension column's value in each row (``''``: the total); null where the
    cell cannot be read (the row is then an error)."""
    n = batch.frame.height
    raw = batch.raw(name)
    if name == "age" and raw is None:
        return _age_from_bounds(batch)
    if raw is None:
        return pl.Series([""] * n, dtype=pl.Utf8)
    out: dict[str, str | None] = {}
    for word in raw.unique().to_list():
        key = (word or "").strip().lower()
        if key in TOTAL_WORDS:
            out[word] = ""
        elif name == "gender":
            out[word] = GENDER_CODES.get(key, key)
        elif name == "disability":
            out[word] = DISABILITY_CODES.get(key)
        elif name == "age":
            out[word] = normalise_age(key) or key
        else:
            out[word] = POPULATION_GROUPS.get(key, key)
    values = raw.fill_null("").replace_strict(
        {("" if k is None else k): v for k, v in out.items()}, return_dtype=pl.Utf8
    )
    if name == "age" and batch.raw("age_min") is not None:
        values = pl.select(
            pl.when(values == "").then(_age_from_bounds(batch)).otherwise(values)
        ).to_series()
    for i in values.is_null().arg_true().to_list():
        batch.error(batch.rows[i], "bad-dimension", name, raw[i], name=name)
    return values


def _age_from_bounds(batch: Batch) -> pl.Series:
    """``#age+min`` and ``#age+max`` as a range (``18-64``, ``65+``); ``''`` where both are
    blank."""
    n = batch.frame.height
    low, high = batch.raw("age_min"), batch.raw("age_max")
    if low is None:
        return pl.Series([""] * n, dtype=pl.Utf8)
    low = low.str.strip_chars().fill_null("")
    high = (high if high is not None else pl.Series([None] * n, dtype=pl.Utf8)).str.strip_chars()
    text = pl.select(
        pl.when(low == "")
        .then(pl.lit(""))
        .when(high.is_null() | (high == ""))
        .then(low + "+")
        .otherwise(low + "-" + high)
    ).to_series()
    # Few distinct ranges in many rows: each is normalised once.
    ranges = {t: (normalise_age(t) or t) if t else "" for t in text.unique().to_list()}
    return text.replace_strict(ranges, return_dtype=pl.Utf8)


NAME_HASHTAGS = frozenset({"adm1", "adm2", "adm3", "adm4", "adm5", "loc"})


def _national(batch: Batch, layout: Layout) -> tuple[pl.Series, int | None]:
    """Rows without any admin code (and no place name) are national: they get the country
    (level 0) place, the gazetteer's only one or ``--country``; an error where that is not
    known. Returns the mask of national rows and the country's id."""
    code_columns = layout.code_columns
    frame = batch.frame
    blank = pl.Series([True] * frame.height)
    for _, column in code_columns:
        cleaned = frame[f"c{column.index}"].str.strip_chars().str.to_uppercase()
        blank = blank & (cleaned.is_null() | (cleaned == "") | cleaned.is_in(list(PLACEHOLDERS)))
    # A row that names its place (#adm1+name, ...) without a code is no national row.
    for column in layout.ignored:
        tag = column.tag
        if tag is not None and tag.hashtag in NAME_HASHTAGS and "name" in tag.attributes:
            named = frame[f"c{column.index}"].str.strip_chars()
            blank = blank & (named.is_null() | (named == ""))
    if "code0" in layout.roles or not blank.any():
        return pl.Series([False] * frame.height), None
    gazetteer = batch.context.gazetteer
    countries = sorted(p.pcode for p in gazetteer.places.values() if p.level == 0)
    chosen = batch.context.country
    key = None
    if chosen is not None:
        chosen = chosen.strip().upper()
        if chosen not in countries:
            key = "national-row" if countries else "national-row/none"
    elif not countries:
        key = "national-row/no-country"
    elif len(countries) > 1:
        key = "national-row/several-countries"
    else:
        chosen = countries[0]
        report = batch.context.report
        first = blank.arg_true()[0]
        if not report.counts[(WARNING, "national-rows")]:  # said once for the whole file
            report.add(
                problem(
                    "national-rows", batch.context.file,
                    first_row=batch.rows[first], country=chosen,
                )
            )  # fmt: skip
    if key is not None or chosen is None:
        listed = ", ".join(countries)
        for i in blank.arg_true().to_list():
            batch.error(
                batch.rows[i], key or "national-row", None, None, country=chosen, countries=listed
            )
        return blank, None
    return blank, gazetteer.by_code[chosen].id


def _figures(batch: Batch) -> Insert | None:
    n = batch.frame.height
    layout = batch.context.layout
    row_sector = batch.sector()
    rows_dims = _row_dimensions(batch)
    listed = _figure_list(batch) if "list_indicator" in layout.roles else None
    parsed = _figure_values(batch)
    any_value = pl.select(
        pl.any_horizontal([v.is_not_null() for _, v in parsed]) if parsed else pl.lit(False)
    ).to_series()
    if listed is not None:
        any_value = listed[1].is_not_null()
    when = batch.when("no-date/figure", any_value)
    place_id = _figure_places(batch, when)
    reliability, credibility = batch.grades()
    source_id = batch.source_ids()
    key = batch.text("key")
    frames = []
    for fc, values in parsed:
        assert values is not None
        sector = pl.Series([fc.sector] * n, dtype=pl.Utf8) if fc.sector else row_sector
        if fc.sector:
            _report_attribute(batch, fc, int(values.is_not_null().sum()))
        dims = _column_dimensions(batch, fc, rows_dims)
        frames.append(
            pl.DataFrame(
                {
                    "place_id": place_id,
                    "indicator": pl.Series([fc.indicator] * n, dtype=pl.Utf8),
                    "sector": sector,
                    "date": iso_dates(when, n),
                    "value": values,
                    "source_id": source_id,
                    "import_id": pl.Series([batch.context.import_id] * n, dtype=pl.Int64),
                    "row_number": batch.rows,
                    "column": pl.Series([fc.column.letter] * n, dtype=pl.Utf8),
                    "reliability": reliability,
                    "credibility": credibility,
                    **{name: dims[name].fill_null("").alias(name) for name in FIGURE_DIMENSIONS},
                    "external_key": key,
                }
            ).filter(values.is_not_null())
        )
    if listed is not None:
        indicators, values = listed
        frames.append(
            pl.DataFrame(
                {
                    "place_id": place_id,
                    "indicator": indicators,
                    "sector": row_sector,
                    "date": iso_dates(when, n),
                    "value": values,
                    "source_id": source_id,
                    "import_id": pl.Series([batch.context.import_id] * n, dtype=pl.Int64),
                    "row_number": batch.rows,
                    "column": pl.Series(
                        [layout.roles["list_value"].letter] * n, dtype=pl.Utf8
                    ),
                    "reliability": reliability,
                    "credibility": credibility,
                    **{
                        name: rows_dims[name].fill_null("").alias(name)
                        for name in FIGURE_DIMENSIONS
                    },
                    "external_key": key,
                }
            ).filter(values.is_not_null() & indicators.is_not_null())
        )
    if not frames:
        return None
    out = pl.concat(frames)
    if batch.rejected:
        out = out.filter(~pl.col("row_number").is_in(list(batch.rejected)))
    if out.height == 0:
        return None
    batch.context.footprint.add("figures", out)
    return "figures", FIGURE_COLUMNS, out.select(FIGURE_COLUMNS).iter_rows()


def _figure_values(batch: Batch) -> list[tuple[FigureColumn, pl.Series]]:
    """Each figure column with its numbers (a share as a fraction of one), the column given
    its role ``figure:<index>``."""
    layout = batch.context.layout
    parsed: list[tuple[FigureColumn, pl.Series]] = []
    for fc in layout.figure_columns:
        role = f"figure:{fc.column.index}"
        layout.roles[role] = fc.column
        values = batch.numbers(role, people=True)
        assert values is not None  # the role was just given its column
        if fc.indicator.endswith(SHARE_SUFFIX):
            values = _percent(values, batch, role)
        parsed.append((fc, values))
    return parsed


def _figure_places(batch: Batch, when: pl.Series) -> pl.Series:
    """The place of each row of figures: its P-code's, or the country's for a national row
    (no admin code)."""
    layout = batch.context.layout
    national, country_id = _national(batch, layout)
    if not national.any():
        return batch.place(when)
    place_id = pl.Series([None] * batch.frame.height, dtype=pl.Int64)
    if country_id is not None:
        place_id = pl.select(
            pl.when(national).then(pl.lit(country_id, pl.Int64)).otherwise(place_id)
        ).to_series()
    others = (~national).arg_true()
    if others.len():
        resolved = resolve_places(
            batch.frame.filter(~national), layout, batch.context.gazetteer,
            batch.context.report, when.filter(~national),
        )  # fmt: skip
        place_id = place_id.scatter(others, resolved.place_id)
        for i in resolved.error_mask.arg_true().to_list():
            row = batch.rows[others[i]]
            if row not in batch.rejected:
                reject(batch.rejected, row, NO_VALID_PCODE)
    return place_id


def _column_dimensions(
    batch: Batch, fc: FigureColumn, rows_dims: dict[str, pl.Series]
) -> dict[str, pl.Series]:
    """The dimensions of a figure column's values: the column's own (a row saying another is
    an error), else the row's."""
    n = batch.frame.height
    dims: dict[str, pl.Series] = {}
    for name, own in zip(FIGURE_DIMENSIONS, fc.tag.dimensions, strict=True):
        row_values = rows_dims[name]
        if own:
            clash = (row_values.is_not_null() & (row_values != "") & (row_values != own))
            for i in clash.fill_null(False).arg_true().to_list():
                batch.error(
                    batch.rows[i], "dimension-clash", name, row_values[i],
                    name=name, own=own, given=row_values[i],
                )  # fmt: skip
            dims[name] = pl.Series([own] * n, dtype=pl.Utf8)
        else:
            dims[name] = row_values
    return dims


def _figure_list(batch: Batch) -> tuple[pl.Series, pl.Series]:
    """lagebild's own list of figures: the indicator of each row (a known one, else an error
    naming it) and its value."""
    raw = batch.text("list_indicator")
    known = {
        word: normalise_indicator(word) for word in raw.unique().to_list() if word is not None
    }
    for i, word in enumerate(raw.to_list()):
        if word is None or known.get(word) is None:
            batch.error(
                batch.rows[i], "unknown-indicator", "list_indicator", word,
                indicators=", ".join(INDICATORS),
            )  # fmt: skip
    indicators = raw.replace_strict(
        {k: v for k, v in known.items() if v is not None}, default=None, return_dtype=pl.Utf8
    )
    values = batch.numbers("list_value", people=True)
    assert values is not None  # the role has its column
    return indicators, values


def _report_attribute(batch: Batch, fc: FigureColumn, rows: int) -> None:
    """A sector named by an attribute of the column's tag (``#inneed+wash``) is a mapping too:
    the report counts the rows that give a value in that column."""
    tag = fc.column.tag
    words = [a for a in (tag.attributes if tag else ()) if sector_code(a) == fc.sector]
    if words and rows:
        batch.context.report.add_mapping("sector", "+" + words[0], fc.sector, rows)


def _percent(values: pl.Series, batch: Batch, role: str) -> pl.Series:
    """A stated share as percent: 75 stays 75, a fraction such as 0.75 becomes 75; above 100 %
    is an error."""
    values = pl.select(pl.when(values <= 1).then(values * 100).otherwise(values)).to_series()
    above = (values > 100).fill_null(False)
    raw = batch.raw(role)
    for i in above.arg_true().to_list():
        batch.error(batch.rows[i], "share-above-100", role, raw[i] if raw is not None else None)
    return pl.select(pl.when(~above).then(values)).to_series()


#: What a P-code of a gazetteer may look like (``places.pcode`` holds 32 characters).
PCODE_SHAPE = re.compile(r"[A-Z0-9_.-]{1,32}")


def places(
    frame: pl.DataFrame, context: Context
) -> tuple[list[dict[str, Any]], dict[int, Reasons]]:
    """Gazetteer rows: each row declares its finest place and that place's parents."""
    batch = Batch(frame, context)
    layout = context.layout
    if "list_code" in layout.roles:
        return _place_list(batch), batch.rejected
    lat = batch.numbers("lat", coordinate=True)
    lon = batch.numbers("lon", coordinate=True)
    valid_on = batch.dates("valid_on")
    valid_to = batch.dates("valid_to")
    shapes = _geometries(batch)
    _check_coordinates(batch, lat, lon)
    code_levels = [lvl for lvl, r in CODE_ROLES.items() if r in layout.roles]
    raw = {lvl: batch.text(CODE_ROLES[lvl]).to_list() for lvl in code_levels}
    names = {
        (lvl, lang): batch.text(f"name{lvl}_{lang}").to_list()
        for lvl in range(6)
        for lang in ("en", "ar")
    }
    countries = [p.pcode for p in context.gazetteer.places.values() if p.level == 0]
    merged: dict[str, dict[str, Any]] = {}
    parent_seen: dict[str, tuple[str | None, int]] = {}
    fields = (("lat", lat), ("lon", lon), ("valid_from", valid_on), ("valid_to", valid_to))
    for i, row in enumerate(batch.rows.to_list()):
        codes = _row_codes(batch, row, [(lvl, raw[lvl][i]) for lvl in code_levels])
        if row in batch.rejected:
            continue
        if not codes:
            batch.error(
                row, "no-valid-pcode/gazetteer", CODE_ROLES[max(code_levels, default=0)], None
            )
            continue
        file_countries = [c for lvl, c in codes if lvl == 0]
        for k, (lvl, _code) in enumerate(codes):
            parent = codes[k - 1][1] if k else None
            if parent is None and lvl == 1:
                known = file_countries or countries
                parent = known[0] if len(known) == 1 else None
            entry = _merge_place(context, merged, parent_seen, row, codes, k, parent)
            for lang in ("en", "ar"):
                name = names[(lvl, lang)][i]
                if name and not entry.get(f"name_{lang}"):
                    entry[f"name_{lang}"] = name
                    entry["origins"][f"name_{lang}"] = (row, f"name{lvl}_{lang}")
        finest = merged[codes[-1][1]]
        _give_finest(finest, row, {key: s[i] for key, s in fields if s is not None})
        shape = shapes.get(row)
        if shape is not None:
            _give_shape(finest, shape)
            finest["origins"].setdefault("geometry", (row, "geometry"))
            finest["origins"].setdefault("coordinates", (row, "geometry"))
    ordered = sorted(merged.values(), key=lambda e: e["level"])
    return ordered, batch.rejected


def _check_coordinates(batch: Batch, lat: pl.Series | None, lon: pl.Series | None) -> None:
    """An error for each latitude beyond ±90 and longitude beyond ±180."""
    for series, role, limit in ((lat, "lat", 90), (lon, "lon", 180)):
        if series is None:
            continue
        for i in (series.abs() > limit).fill_null(False).arg_true().to_list():
            axis = Code(role, AXIS_WORDS[role])
            batch.error(batch.rows[i], "out-of-range", role, series[i], axis=axis, limit=limit)


def _row_codes(
    batch: Batch, row: int, given: list[tuple[int, str | None]]
) -> list[tuple[int, str]]:
    """A gazetteer row's P-codes, coarse to fine (level, code), from the cells given per level:
    blanks and placeholders left out, a code of the wrong shape an error."""
    codes = []
    for lvl, value in given:
        if value is not None and value.strip().upper() not in PLACEHOLDERS:
            code = value.strip().upper()
            if not PCODE_SHAPE.fullmatch(code):
                batch.error(row, "bad-pcode", CODE_ROLES[lvl], value)
                continue
            codes.append((lvl, code))
    return codes


def _merge_place(
    context: Context,
    merged: dict[str, dict[str, Any]],
    parent_seen: dict[str, tuple[str | None, int]],
    row: int,
    codes: list[tuple[int, str]],
    k: int,
    parent: str | None,
) -> dict[str, Any]:
    """The place of a row's ``k``-th code, merged with the rows before that named it: the first
    row's parent is kept, another one is a warning."""
    lvl, code = codes[k]
    entry = merged.setdefault(
        code,
        {
            "pcode": code,
            "level": lvl,
            "parent": parent,
            "import_id": context.import_id,
            "row_number": row,
            # field -> (row, role) it came from, for reports (ingest/placechanges.py)
            "origins": {"code": (row, CODE_ROLES[lvl])},
        },
    )
    origins = entry["origins"]
    if k and "parent" not in origins:
        origins["parent"] = (row, CODE_ROLES[codes[k - 1][0]])
    if parent and code in parent_seen and parent_seen[code][0] not in (None, parent):
        context.report.add(
            problem(
                "parent-mismatch/file",
                context.file,
                row,
                describe(context.layout.roles[CODE_ROLES[lvl]]),
                code,
                pcode=code,
                first=parent_seen[code][0],
                first_row=parent_seen[code][1],
                parent=parent,
            )
        )
    elif parent and code not in parent_seen:
        parent_seen[code] = (parent, row)
        entry["parent"] = entry["parent"] or parent
    return entry


def _give_finest(finest: dict[str, Any], row: int, values: dict[str, Any]) -> None:
    """The coordinates and validity dates of a row, given to its finest place where it has none
    yet."""
    for key, value in values.items():
        if value is not None and finest.get(key) is None:
            finest[key] = value
            role = {"lon": "lat", "valid_from": "valid_on"}.get(key, key)
            finest["origins"].setdefault(_ORIGIN.get(key, key), (row, role))


def _place_list(batch: Batch) -> list[dict[str, Any]]:
    """lagebild's own list of places: each row one place with its level and its parent's code."""
    codes = batch.text("list_code").to_list()
    levels = batch.text("list_level").to_list()
    parents = batch.text("list_parent").to_list()
    names_en = batch.text("list_name_en").to_list()
    names_ar = batch.text("list_name_ar").to_list()
    valid_to = batch.dates("list_valid_to")
    lat = batch.numbers("list_lat", coordinate=True)
    lon = batch.numbers("list_lon", coordinate=True)
    out: list[dict[str, Any]] = []
    for i, row in enumerate(batch.rows.to_list()):
        code = (codes[i] or "").strip().upper()
        if not PCODE_SHAPE.fullmatch(code):
            batch.error(row, "bad-pcode/list", "list_code", codes[i])
            continue
        try:
            level = parse_level(levels[i] or "")
        except ValueError as exc:
            batch.error(row, "bad-level", "list_level", levels[i], reason=str(exc))
            continue
        parent = (parents[i] or "").strip().upper() or None
        entry: dict[str, Any] = {
            "pcode": code,
            "level": level,
            "parent": parent,
            "import_id": batch.context.import_id,
            "row_number": row,
            "name_en": names_en[i],
            "name_ar": names_ar[i],
            "origins": {
                "code": (row, "list_code"),
                "parent": (row, "list_parent"),
                "name_en": (row, "list_name_en"),
                "name_ar": (row, "list_name_ar"),
                "valid_to": (row, "list_valid_to"),
                "coordinates": (row, "list_lat"),
            },
        }
        for key, series in (("valid_to", valid_to), ("lat", lat), ("lon", lon)):
            if series is not None and series[i] is not None:
                entry[key] = series[i]
        out.append(entry)
    return sorted(out, key=lambda e: e["level"])


#: The field of a place change (``ingest.placechanges``) each place key belongs to.
_ORIGIN = {"lat": "coordinates", "lon": "coordinates"}


def _geometries(batch: Batch) -> dict[int, Geometry]:
    """Row number -> the row's checked geometry; a malformed one is an error of its row."""
    raw = batch.raw("geometry")
    if raw is None:
        return {}
    found: dict[int, Geometry] = {}
    rows = batch.rows.to_list()
    for i in raw.is_not_null().arg_true().to_list():
        text = raw[i]
        try:
            shape = read_geometry(text)
        except GeometryError as exc:
            shown = text if len(text) <= 80 else text[:77] + "..."
            batch.error(rows[i], "not-a-geometry", "geometry", shown, reason=exc)
            continue
        if shape is not None:
            found[rows[i]] = shape
    return found


def _give_shape(place: dict[str, Any], shape: Geometry) -> None:
    """A point is the place's coordinates (unless the row gave them); other shapes are kept."""
    if shape.is_point:
        if place.get("lat") is None and place.get("lon") is None:
            place["lat"], place["lon"] = shape.lat, shape.lon
    elif place.get("geometry") is None:
        place["geometry"] = shape.text


#: The coordinates' words, by their roles.
AXIS_WORDS = {"lat": N_("latitude"), "lon": N_("longitude")}

#: The words of the columns whose vocabulary an import checks, as a problem's reason names them.
_ROLE_WORDS = {
    "sector": N_("sector"),
    "status": N_("status"),
    "convoy_status": N_("convoy status"),
    "access": N_("access"),
    "item_category": N_("item category"),
    "modality": N_("modality"),
    "event_type": N_("event type"),
}


def _role(role: str) -> Message | str:
    """A column's role as a reason names it (``convoy_status``: convoy status)."""
    word = _ROLE_WORDS.get(role)
    return Message(word) if word else role.replace("_", " ")


def _use(allowed: Value, option: str | None) -> Message | str:
    """What to write instead of an unknown word: one of the words allowed, or a map."""
    if allowed and option:
        return Message(
            N_("use %(allowed)s or map it with %(option)s map.yml (docs/hxl.md)"),
            {"allowed": allowed, "option": option},
        )
    if allowed:
        return Message(N_("use %(allowed)s"), {"allowed": allowed})
    if option:
        return Message(N_("map it with %(option)s map.yml (docs/hxl.md)"), {"option": option})
    return ""
