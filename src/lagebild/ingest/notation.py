"""Numbers and dates as a file writes them, read column by column.

``--locale`` says how a file writes numbers (thousands separators; decimal mark):

- ``en``: ``,`` or a space; ``.``  (``1,234.5``, ``80 418``)
- ``de``: ``.`` or a space; ``,``  (``600.000``, ``13,5``)
- ``fr``: a space (also no-break or narrow) or ``.``; ``,``  (``80 418``, ``13,5``)
- ``ar``: ``٬``, ``,`` or a space; ``٫`` or ``.``  (``٦٠٠٬٠٠٠``, ``١٣٫٥``)

In every locale, Arabic-Indic (``٠``-``٩``) and Eastern Arabic (``۰``-``۹``) digits are digits,
``٫`` is a decimal and ``٬`` a thousands separator, and a no-break or narrow space groups thousands.

A number that reads two ways is an error, never a guess: ``600.000`` in an ``en`` file may be six
hundred or six hundred thousand. A blank cell, or a lone dash, underscore or ``n/a`` (how
spreadsheets show "nothing here"), is unknown: null, without an error.

The column functions work on polars expressions; Python only runs for the cells that fail, to say
why. The scalar functions give the same answers and raise :class:`NotationError`.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import polars as pl

from lagebild.errors import RefusedInput
from lagebild.messages import N_, Message

LOCALES = ("en", "de", "ar", "fr")

_DIGITS_FROM = [chr(0x0660 + i) for i in range(10)] + [chr(0x06F0 + i) for i in range(10)]
_DIGITS_TO = [str(i) for i in range(10)] * 2
_SPACES = ["\u00a0", "\u202f", "\u2009", "\u2007"]
_MINUSES = ["\u2212"]
_NORMAL_FROM = _DIGITS_FROM + _SPACES + _MINUSES
_NORMAL_TO = _DIGITS_TO + [" "] * len(_SPACES) + ["-"] * len(_MINUSES)
_TRANSLATE = str.maketrans(dict(zip(_NORMAL_FROM, _NORMAL_TO, strict=True)))

_PLACEHOLDER = r"^(?:[-\u2013\u2014_]|[nN]/[aA])$"
_ARABIC_DECIMAL = "\u066b"
_ARABIC_THOUSANDS = "\u066c"

# (decimal characters, thousands separators) per locale
_CONVENTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "en": (".", (",", " ")),
    "de": (",", (".", " ")),
    "fr": (",", (" ", ".")),
    "ar": (".", (",", " ")),
}
# the convention a number that fails in a locale is checked against, to say what it looks like
_OTHER = {"en": "de", "ar": "de", "de": "en", "fr": "en"}


class NotationError(RefusedInput):
    """A cell that is not a number (or date) in the file's notation; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _check_locale(locale: str) -> None:
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r}: use one of {', '.join(LOCALES)}")


def _esc(char: str) -> str:
    """Escape a character for both Python's and polars' (Rust) regular expressions."""
    return "\\" + char if char in ".^$*+?()[]{}|\\-" else char


def _class(chars: str) -> str:
    return "[" + "".join(_esc(c) for c in chars) + "]"


class _NumberRules:
    """The regular expressions of one locale, shared by the column and the scalar parser."""

    def __init__(self, locale: str) -> None:
        decimal, groups = _CONVENTIONS[locale]
        self.decimal_chars = decimal + _ARABIC_DECIMAL
        self.group_chars = "".join(groups) + _ARABIC_THOUSANDS
        dec = _class(self.decimal_chars)
        mantissa = rf"(?:[0-9]+(?:{dec}[0-9]*)?|{dec}[0-9]+)"
        grouped = "|".join(rf"(?:{_esc(g)}[0-9]{{3}})+" for g in (*groups, _ARABIC_THOUSANDS))
        self.plain = rf"^[+-]?{mantissa}(?:[eE][+-]?[0-9]+)?$"
        self.grouped = rf"^[+-]?[1-9][0-9]{{0,2}}(?:{grouped})(?:{dec}[0-9]+)?$"
        # A lone separator followed by three digits that this locale reads as a decimal point
        # but the other convention reads as a thousands separator.
        ambiguous_sep = "." if decimal == "." else ","
        self.ambiguous = rf"^[+-]?[1-9][0-9]{{0,2}}{_esc(ambiguous_sep)}[0-9]{{3}}$"
        self.group_class = _class(self.group_chars)
        self.decimal_class = _class(self.decimal_chars)
        self.plain_re = re.compile(self.plain)
        self.grouped_re = re.compile(self.grouped)
        self.ambiguous_re = re.compile(self.ambiguous)

    def canonical(self, text: str) -> str:
        return re.sub(self.decimal_class, ".", re.sub(self.group_class, "", text))


_RULES = {locale: _NumberRules(locale) for locale in LOCALES}


def _normal(text: str) -> str:
    return text.translate(_TRANSLATE).strip()


def parse_number(text: str | None, locale: str = "en") -> float | None:
    """Read one number in the notation of ``locale``; None for a blank or placeholder cell."""
    _check_locale(locale)
    if text is None:
        return None
    value = _normal(text)
    if value == "" or re.match(_PLACEHOLDER, value):
        return None
    rules = _RULES[locale]
    if rules.ambiguous_re.match(value):
        raise NotationError(_ambiguous_reason(text.strip(), value, locale))
    if rules.plain_re.match(value) or rules.grouped_re.match(value):
        return float(rules.canonical(value))
    raise NotationError(_number_reason(text.strip(), value, locale))


#: Why a cell is not a number or a date: each reason's English template. The reasons travel
#: as text (a column of the import), so a front end that says them in another language reads
#: them back into messages with :func:`reason_words`.
_AMBIGUOUS = N_(
    "%(value)s reads as %(here)s in %(locale)s notation but as %(there)s in %(other)s "
    "notation: write it without a separator or import with --locale %(other)s"
)
_PERCENTAGE = N_("%(value)s is a percentage: give the number without %%")
_OTHER_NOTATION = N_(
    "%(value)s is not a number in %(locale)s notation; it looks like %(other)s notation "
    "(%(there)s): import with --locale %(other)s"
)
_BADLY_GROUPED = N_("%(value)s is not a number in %(locale)s notation: badly grouped digits")
_NOT_A_NUMBER = N_("%(value)s is not a number")
_A_YEAR = N_("%(value)s is a year, not a date: give the day (yyyy-mm-dd)")
_A_SERIAL = N_(
    "%(value)s is a number, not a date (Excel serial dates are read between %(low)s and "
    "%(high)s)"
)
_A_MONTH = N_("%(value)s is a month, not a date: give the day (yyyy-mm-dd)")
_NOT_A_DATE = N_("%(value)s is not a date")
_NO_MONTH_DAY_FIRST = N_(
    "%(value)s is not a valid date: there is no month %(month)s; dates are read day first "
    "(dd/mm/yyyy)"
)
_NO_MONTH = N_("%(value)s is not a valid date: there is no month %(month)s")
_NO_YEAR = N_("%(value)s is not a valid date: there is no year %(year)s")
_NO_DAY = N_("%(value)s is not a valid date: month %(month)s of %(year)s has no day %(day)s")
_REASONS = (
    _AMBIGUOUS, _PERCENTAGE, _OTHER_NOTATION, _BADLY_GROUPED, _NOT_A_NUMBER, _A_YEAR,
    _A_SERIAL, _A_MONTH, _NOT_A_DATE, _NO_MONTH_DAY_FIRST, _NO_MONTH, _NO_YEAR, _NO_DAY,
)  # fmt: skip


def _say(template: str, **values: str) -> str:
    """A reason in English (every value is text: the cell as written, numbers as read)."""
    return template % values


def _pattern(template: str) -> re.Pattern[str]:
    """A reason's template as a pattern that reads its values back."""
    seen: set[str] = set()
    parts = []
    for piece in re.split(r"(%\(\w+\)s)", template.replace("%%", "%")):
        name = re.fullmatch(r"%\((\w+)\)s", piece)
        if name is None:
            parts.append(re.escape(piece))
        elif name.group(1) in seen:
            parts.append(f"(?P={name.group(1)})")
        else:
            seen.add(name.group(1))
            parts.append(f"(?P<{name.group(1)}>.+?)")
    return re.compile("".join(parts), re.S)


_PATTERNS = tuple((template, _pattern(template)) for template in _REASONS)


def reason_words(reason: str) -> Message | None:
    """A reason this module wrote, as a message to be said in another language; None for a
    text it did not write."""
    for template, pattern in _PATTERNS:
        found = pattern.fullmatch(reason)
        if found:
            return Message(template, found.groupdict())
    return None


def _ambiguous_reason(shown: str, value: str, locale: str) -> str:
    other = _OTHER[locale]
    here = float(_RULES[locale].canonical(value))
    there = float(_RULES[other].canonical(value))
    return _say(
        _AMBIGUOUS, value=shown, here=_show(here), locale=locale, there=_show(there), other=other
    )


def _number_reason(shown: str, value: str, locale: str) -> str:
    if "%" in value:
        return _say(_PERCENTAGE, value=shown)
    other = _OTHER[locale]
    rules = _RULES[other]
    if not rules.ambiguous_re.match(value) and (
        rules.plain_re.match(value) or rules.grouped_re.match(value)
    ):
        there = _show(float(rules.canonical(value)))
        return _say(_OTHER_NOTATION, value=shown, locale=locale, other=other, there=there)
    if re.fullmatch(r"[+-]?[0-9][0-9 .,\u066b\u066c]*", value):
        return _say(_BADLY_GROUPED, value=shown, locale=locale)
    return _say(_NOT_A_NUMBER, value=shown)


def _show(number: float) -> str:
    return str(int(number)) if number.is_integer() else repr(number)


def _normalised(text: pl.Series) -> pl.DataFrame:
    """A frame with column ``v``: the cells with digits made ASCII, spaces plain, and stripped."""
    return pl.DataFrame({"v": text}).select(
        pl.col("v").str.replace_many(_NORMAL_FROM, _NORMAL_TO).str.strip_chars()
    )


def parse_numbers(values: pl.Series, locale: str = "en") -> tuple[pl.Series, pl.Series]:
    """Read a column of numbers: (Float64 values, Utf8 reason or null).

    A blank cell is null with no reason (unknown, not zero); a cell that fails is null with the
    reason. Works column-wise; only failing cells go through Python to explain themselves.
    """
    _check_locale(locale)
    rules = _RULES[locale]
    name = values.name
    text = values.cast(pl.Utf8)
    frame = _normalised(text)
    v = pl.col("v")
    number_ok = (v.str.contains(rules.plain) | v.str.contains(rules.grouped)) & ~v.str.contains(
        rules.ambiguous
    )
    frame = frame.with_columns(number_ok.fill_null(False).alias("ok"))
    converted = (
        v.str.replace_all(rules.group_class, "")
        .str.replace_all(rules.decimal_class, ".")
        .cast(pl.Float64, strict=False)
    )
    blank = v.is_null() | (v == "") | v.str.contains(_PLACEHOLDER)
    out = frame.select(
        pl.when(pl.col("ok")).then(converted).alias("value"),
        (~blank & ~pl.col("ok")).alias("failed"),
    )
    result = out["value"].alias(name)
    failed = out["failed"]
    reasons = pl.repeat(None, len(values), dtype=pl.Utf8, eager=True).alias(name)
    if failed.any():
        index = failed.arg_true()
        messages = []
        for cell in text.gather(index).to_list():
            try:
                parse_number(cell, locale)
            except NotationError as error:
                messages.append(error.reason)
            else:  # pragma: no cover - the column rules and the scalar rules are the same
                messages.append(f"{cell} could not be read as a number")
        reasons = reasons.scatter(index, pl.Series(messages, dtype=pl.Utf8))
    return result, reasons


# ---- dates ------------------------------------------------------------------------------------

_TIME = r"(?:[T ][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
_ISO = rf"^([0-9]{{4}})-([0-9]{{1,2}})-([0-9]{{1,2}}){_TIME}$"
_YMD = r"^([0-9]{4})[/.]([0-9]{1,2})[/.]([0-9]{1,2})$"
_DMY = rf"^([0-9]{{1,2}})[/.-]([0-9]{{1,2}})[/.-]([0-9]{{4}}){_TIME}$"
_ISO_DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_ANY_DATE = (
    rf"^(?:(?P<y1>[0-9]{{4}})-(?P<m1>[0-9]{{1,2}})-(?P<d1>[0-9]{{1,2}}){_TIME}"
    r"|(?P<y2>[0-9]{4})[/.](?P<m2>[0-9]{1,2})[/.](?P<d2>[0-9]{1,2})"
    rf"|(?P<d3>[0-9]{{1,2}})[/.-](?P<m3>[0-9]{{1,2}})[/.-](?P<y3>[0-9]{{4}}){_TIME})$"
)
_SERIAL = r"^[0-9]+(?:\.[0-9]+)?$"
_MONTH_ONLY = r"^[0-9]{4}-[0-9]{1,2}$"
_SERIAL_MIN, _SERIAL_MAX = 20000, 80000
_EXCEL_EPOCH = date(1899, 12, 30)
_UNIX_MINUS_EXCEL = (date(1970, 1, 1) - _EXCEL_EPOCH).days


def parse_date(text: str | None) -> date | None:
    """Read one date (ISO, dd/mm/yyyy, dd.mm.yyyy, dd-mm-yyyy, yyyy/mm/dd or an Excel serial)."""
    if text is None:
        return None
    value = _normal(text)
    if value == "" or re.match(_PLACEHOLDER, value):
        return None
    shown = text.strip()
    for pattern, order in ((_ISO, "ymd"), (_YMD, "ymd"), (_DMY, "dmy")):
        match = re.match(pattern, value)
        if match:
            parts = [int(g) for g in match.groups()]
            y, m, d = parts if order == "ymd" else (parts[2], parts[1], parts[0])
            return _make_date(shown, y, m, d, order)
    if re.match(r"^(?:19|20)[0-9]{2}$", value):
        raise NotationError(_say(_A_YEAR, value=shown))
    if re.match(_SERIAL, value):
        serial = float(value)
        if _SERIAL_MIN <= serial <= _SERIAL_MAX:
            return _EXCEL_EPOCH + timedelta(days=int(serial))
        raise NotationError(
            _say(_A_SERIAL, value=shown, low=str(_SERIAL_MIN), high=str(_SERIAL_MAX))
        )
    if re.match(_MONTH_ONLY, value):
        raise NotationError(_say(_A_MONTH, value=shown))
    raise NotationError(_say(_NOT_A_DATE, value=shown))


def _make_date(shown: str, y: int, m: int, d: int, order: str) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        pass
    if not 1 <= m <= 12:
        day_first = order == "dmy" and d <= 12
        raise NotationError(
            _say(_NO_MONTH_DAY_FIRST if day_first else _NO_MONTH, value=shown, month=str(m))
        )
    if y < 1:
        raise NotationError(_say(_NO_YEAR, value=shown, year=str(y)))
    raise NotationError(_say(_NO_DAY, value=shown, month=str(m), year=str(y), day=str(d)))


def parse_dates(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Read a column of dates: (Date values, Utf8 reason or null); blank cells are null."""
    name = values.name
    text = values.cast(pl.Utf8)
    v = _normalised(text).to_series()
    # the common case, plain ISO dates, costs two vectorised passes
    quick = (v.str.contains(_ISO_DAY) & ~v.str.starts_with("0000")).fill_null(False)
    result = (
        pl.DataFrame({"v": v, "q": quick})
        .select(pl.when(pl.col("q")).then(pl.col("v").str.to_date("%Y-%m-%d", strict=False)))
        .to_series()
    )
    blank = (v.is_null() | (v == "") | v.str.contains(_PLACEHOLDER)).fill_null(True)
    rest = ~quick & ~blank
    if rest.any():
        index = rest.arg_true()
        result = result.scatter(index, _dates_other_forms(v.gather(index)))
    result = result.alias(name)
    failed = ~blank & result.is_null()
    reasons = pl.repeat(None, len(values), dtype=pl.Utf8, eager=True).alias(name)
    if failed.any():
        index = failed.arg_true()
        messages = []
        for cell in text.gather(index).to_list():
            try:
                parse_date(cell)
            except NotationError as error:
                messages.append(error.reason)
            else:  # pragma: no cover - the column rules and the scalar rules are the same
                messages.append(f"{cell} could not be read as a date")
        reasons = reasons.scatter(index, pl.Series(messages, dtype=pl.Utf8))
    return result, reasons


def _dates_other_forms(v: pl.Series) -> pl.Series:
    """Dates other than plain ISO: rewritten to year-month-day by one regular expression."""
    frame = pl.DataFrame({"v": v})
    col = pl.col("v")
    canonical = col.str.replace(_ANY_DATE, "${y1}${y2}${y3}-${m1}${m2}${m3}-${d1}${d2}${d3}")
    serial = pl.when(col.str.contains(_SERIAL)).then(col.cast(pl.Float64, strict=False))
    from_serial = pl.when((serial >= _SERIAL_MIN) & (serial <= _SERIAL_MAX)).then(
        (serial.floor().cast(pl.Int32) - _UNIX_MINUS_EXCEL).cast(pl.Date)
    )
    from_text = pl.when(col.str.contains(_ANY_DATE) & ~canonical.str.starts_with("0000-")).then(
        canonical.str.to_date("%Y-%m-%d", strict=False)
    )
    return frame.select(pl.coalesce(from_text, from_serial)).to_series()
