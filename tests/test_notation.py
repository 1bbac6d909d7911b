"""Numbers and dates in the file's notation: the column parsers and the scalar ones agree."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from lagebild.ingest.notation import (
    LOCALES,
    NotationError,
    parse_date,
    parse_dates,
    parse_number,
    parse_numbers,
)


def number(text: str, locale: str) -> float | None:
    """Parse one cell through the column parser, failing the test on a reason."""
    values, reasons = parse_numbers(pl.Series("n", [text], dtype=pl.Utf8), locale)
    assert reasons[0] is None, reasons[0]
    return values[0]


def number_reason(text: str, locale: str) -> str:
    values, reasons = parse_numbers(pl.Series("n", [text], dtype=pl.Utf8), locale)
    assert values[0] is None
    assert reasons[0] is not None
    return str(reasons[0])


# ---- numbers: what each locale reads --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234", 1234.0),
        ("80 418", 80418.0),
        ("80\u00a0418", 80418.0),  # no-break space
        ("80\u202f418", 80418.0),  # narrow no-break space
        ("13.5", 13.5),
        ("-3", -3.0),
        ("+5", 5.0),
        ("1,234.5", 1234.5),
        ("1,234,567.25", 1234567.25),
        ("12 345 678", 12345678.0),
        ("0.500", 0.5),
        ("600000", 600000.0),
        ("007", 7.0),
        ("1e3", 1000.0),
        ("1.5E+06", 1500000.0),
        ("  42  ", 42.0),
        ("\u2212" + "7", -7.0),  # a typographic minus
    ],
)
def test_en_notation(text: str, expected: float) -> None:
    assert number(text, "en") == expected
    assert parse_number(text, "en") == expected


def test_german_thousands_dot_reads_as_six_hundred_thousand() -> None:
    assert number("600.000", "de") == 600000.0
    assert parse_number("600.000", "de") == 600000.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13,5", 13.5),
        ("1.234,5", 1234.5),
        ("1.234.567", 1234567.0),
        ("80 418", 80418.0),
        ("0,5", 0.5),
        ("-3", -3.0),
        ("1,5e3", 1500.0),
    ],
)
def test_de_notation(text: str, expected: float) -> None:
    assert number(text, "de") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("80 418", 80418.0),
        ("80\u202f418,5", 80418.5),
        ("80\u00a0418", 80418.0),
        ("600.000", 600000.0),
        ("13,5", 13.5),
    ],
)
def test_fr_notation(text: str, expected: float) -> None:
    assert number(text, "fr") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("١٣٫٥", 13.5),
        ("٦٠٠٬٠٠٠", 600000.0),
        ("٦٠٠,٠٠٠", 600000.0),
        ("۱۲۳", 123.0),  # Eastern Arabic (Persian) digits
        ("13.5", 13.5),
        ("1,234", 1234.0),
        ("80 418", 80418.0),
    ],
)
def test_ar_notation(text: str, expected: float) -> None:
    assert number(text, "ar") == expected


@pytest.mark.parametrize("locale", LOCALES)
def test_arabic_indic_digits_are_read_in_every_locale(locale: str) -> None:
    assert number("١٢٣٤", locale) == 1234.0
    assert number("٦٠٠٬٠٠٠", locale) == 600000.0


# ---- numbers: ambiguity is an error, never a guess ------------------------------------------


def test_en_600_dot_000_is_ambiguous_error() -> None:
    reason = number_reason("600.000", "en")
    assert reason == (
        "600.000 reads as 600 in en notation but as 600000 in de notation: write it without a "
        "separator or import with --locale de"
    )
    with pytest.raises(NotationError) as caught:
        parse_number("600.000", "en")
    assert caught.value.reason == reason


@pytest.mark.parametrize(("text", "locale"), [("1.234", "en"), ("-1.234", "en"), ("1.234", "ar")])
def test_dot_and_three_digits_is_ambiguous_where_dot_is_the_decimal(text: str, locale: str) -> None:
    assert "reads as" in number_reason(text, locale)


@pytest.mark.parametrize("locale", ["de", "fr"])
def test_comma_and_three_digits_is_ambiguous_where_comma_is_the_decimal(locale: str) -> None:
    reason = number_reason("1,234", locale)
    assert reason.startswith(f"1,234 reads as 1.234 in {locale} notation but as 1234 in en")


def test_leading_zero_group_is_not_ambiguous() -> None:
    assert number("0.500", "en") == 0.5
    assert number("0,500", "de") == 0.5


def test_four_decimals_are_not_ambiguous() -> None:
    assert number("1.2340", "en") == 1.234
    assert number("1,2340", "de") == 1.234


def test_de_separators_in_an_en_file_look_like_de_notation() -> None:
    reason = number_reason("1.234,5", "en")
    assert "looks like de notation (1234.5)" in reason
    assert "--locale de" in reason


def test_en_separators_in_a_de_file_look_like_en_notation() -> None:
    assert "looks like en notation (1234.5)" in number_reason("1,234.5", "de")
    assert "looks like en notation (13.5)" in number_reason("13.5", "de")


@pytest.mark.parametrize("text", ["1,23,4", "12,34,567", "1,2,3", "1 23 456"])
def test_badly_grouped_number_is_an_error(text: str) -> None:
    assert "badly grouped digits" in number_reason(text, "en")


def test_comma_decimal_in_an_en_file_is_an_error() -> None:
    assert "looks like de notation (1.5)" in number_reason("1,5", "en")
    assert "looks like de notation (1.2345)" in number_reason("1,2345", "en")


# ---- numbers: blanks, placeholders and text --------------------------------------------------


def test_blank_cells_are_unknown_not_zero_and_not_errors() -> None:
    values, reasons = parse_numbers(pl.Series("n", [None, "", "   "], dtype=pl.Utf8), "en")
    assert values.to_list() == [None, None, None]
    assert reasons.to_list() == [None, None, None]


@pytest.mark.parametrize("text", ["-", "   -  ", "\u2013", "\u2014", "_", "n/a", "N/A"])
def test_lone_dash_underscore_or_na_is_null_without_error(text: str) -> None:
    values, reasons = parse_numbers(pl.Series("n", [text], dtype=pl.Utf8), "en")
    assert values[0] is None and reasons[0] is None
    assert parse_number(text, "en") is None


def test_excel_na_error_value_is_an_error() -> None:
    assert number_reason("#N/A", "en") == "#N/A is not a number"


@pytest.mark.parametrize("text", ["abc", "ten", "12 people", "inf", "nan", "(3)", "$100"])
def test_text_in_a_number_column_is_not_a_number(text: str) -> None:
    assert number_reason(text, "en").endswith("is not a number")


def test_percent_sign_is_an_error() -> None:
    assert "percentage" in number_reason("13%", "en")


def test_unknown_locale_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown locale"):
        parse_numbers(pl.Series("n", ["1"]), "xx")
    with pytest.raises(ValueError, match="unknown locale"):
        parse_number("1", "xx")


def test_parse_numbers_returns_float64_values_and_utf8_reasons_of_the_same_length() -> None:
    values, reasons = parse_numbers(pl.Series("reached", ["1", "x", None]), "en")
    assert values.dtype == pl.Float64 and reasons.dtype == pl.Utf8
    assert values.name == "reached"
    assert values.to_list() == [1.0, None, None]
    assert reasons.to_list() == [None, "x is not a number", None]


def test_parse_numbers_on_an_empty_column() -> None:
    values, reasons = parse_numbers(pl.Series("n", [], dtype=pl.Utf8), "en")
    assert values.len() == 0 and reasons.len() == 0


NUMBER_CASES = [
    "1,234", "80 418", "13.5", "-3", "1,234.5", "600.000", "1.234", "0.500", "1.234,5",
    "1,23,4", "1,5", "13,5", "abc", "#N/A", "-", "_", "n/a", "13%", "1e3", "١٣٫٥", "٦٠٠٬٠٠٠",
    "", "  ", "1.234.567", "+5", "12 345 678", "1,234,567.25", "007", "inf", ".5", "5.",
    "1 234,5", "1.234 567", "٠٫٥", "1٬234٫5", "--3", "3-", "1e", "e3", "1,234e3",
]  # fmt: skip


@pytest.mark.parametrize("locale", LOCALES)
def test_column_parser_agrees_with_scalar_parser(locale: str) -> None:
    values, reasons = parse_numbers(pl.Series("n", NUMBER_CASES, dtype=pl.Utf8), locale)
    for text, value, reason in zip(NUMBER_CASES, values, reasons, strict=True):
        try:
            expected, expected_reason = parse_number(text, locale), None
        except NotationError as error:
            expected, expected_reason = None, error.reason
        assert (value, reason) == (expected, expected_reason), text


def test_a_million_values_parse_column_wise() -> None:
    texts = pl.Series("n", ["1,234", "80 418", "13.5", "", "x"] * 200_000)
    values, reasons = parse_numbers(texts, "en")
    assert values.sum() == pytest.approx((1234 + 80418 + 13.5) * 200_000)
    assert reasons.null_count() == 800_000
    assert reasons.drop_nulls().unique().to_list() == ["x is not a number"]


# ---- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2017-02-28", date(2017, 2, 28)),
        ("2017-02-28T10:00:00", date(2017, 2, 28)),
        ("2017-02-28T10:00:00Z", date(2017, 2, 28)),
        ("2017-02-28T10:00:00+03:00", date(2017, 2, 28)),
        ("2017-02-28 10:00", date(2017, 2, 28)),
        ("2017-2-8", date(2017, 2, 8)),
        ("28/02/2017", date(2017, 2, 28)),
        ("8/2/2017", date(2017, 2, 8)),
        ("28.02.2017", date(2017, 2, 28)),
        ("28-02-2017", date(2017, 2, 28)),
        ("28/02/2017 10:00", date(2017, 2, 28)),
        ("2017/02/28", date(2017, 2, 28)),
        ("29/02/2016", date(2016, 2, 29)),
        ("٢٨/٠٢/٢٠١٧", date(2017, 2, 28)),
        ("۲۰۱۷-۰۲-۲۸", date(2017, 2, 28)),
        (" 2017-02-28 ", date(2017, 2, 28)),
    ],
)
def test_date_forms(text: str, expected: date) -> None:
    values, reasons = parse_dates(pl.Series("d", [text], dtype=pl.Utf8))
    assert reasons[0] is None
    assert values[0] == expected
    assert parse_date(text) == expected


def test_excel_serial_numbers_are_dates_from_1899_12_30() -> None:
    values, reasons = parse_dates(pl.Series("d", ["42794", "42794.75", "20000", "80000"]))
    assert values.to_list() == [date(2017, 2, 28), date(2017, 2, 28), date(1954, 10, 3),
                                date(2119, 1, 11)]  # fmt: skip
    assert reasons.null_count() == 4


@pytest.mark.parametrize("text", ["19999", "80001", "9999999", "5"])
def test_numbers_outside_the_serial_range_are_not_dates(text: str) -> None:
    with pytest.raises(NotationError, match="is a number, not a date"):
        parse_date(text)


def test_impossible_date_is_an_error_with_a_reason() -> None:
    values, reasons = parse_dates(pl.Series("d", ["31/02/2017"]))
    assert values[0] is None
    assert reasons[0] == "31/02/2017 is not a valid date: month 2 of 2017 has no day 31"


def test_month_first_date_is_an_error_that_says_dates_are_day_first() -> None:
    with pytest.raises(NotationError, match=r"no month 16; dates are read day first"):
        parse_date("03/16/2017")


def test_29_february_of_a_common_year_is_an_error() -> None:
    with pytest.raises(NotationError, match="has no day 29"):
        parse_date("29/02/2017")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1 March 2015", "1 March 2015 is not a date"),
        ("March 2015", "March 2015 is not a date"),
        ("2021-01", "2021-01 is a month, not a date: give the day (yyyy-mm-dd)"),
        ("2018", "2018 is a year, not a date: give the day (yyyy-mm-dd)"),
        ("28/02/17", "28/02/17 is not a date"),
        ("2017-13-01", "2017-13-01 is not a valid date: there is no month 13"),
        ("0000-01-01", "0000-01-01 is not a valid date: there is no year 0"),
        ("2017-02-28x", "2017-02-28x is not a date"),
    ],
)
def test_what_is_not_a_date(text: str, reason: str) -> None:
    values, reasons = parse_dates(pl.Series("d", [text]))
    assert values[0] is None
    assert reasons[0] == reason


def test_blank_dates_are_null_without_reason() -> None:
    values, reasons = parse_dates(pl.Series("d", [None, "", "  ", "-"], dtype=pl.Utf8))
    assert values.to_list() == [None] * 4
    assert reasons.to_list() == [None] * 4
    assert parse_date("") is None and parse_date(None) is None


def test_parse_dates_returns_date_values_and_keeps_the_name() -> None:
    values, reasons = parse_dates(pl.Series("when", ["2017-02-28", "28/02/2017", "x"]))
    assert values.dtype == pl.Date and reasons.dtype == pl.Utf8
    assert values.name == "when"
    assert values.to_list() == [date(2017, 2, 28), date(2017, 2, 28), None]


DATE_CASES = [
    "2017-02-28", "2017-02-28T10:00:00", "28/02/2017", "8/2/2017", "28.02.2017", "28-02-2017",
    "42794", "42794.5", "٢٨/٠٢/٢٠١٧", "31/02/2017", "2017/02/28", "2017.2.8", "03/16/2017",
    "1 March 2015", "2021-01", "2018", "0000-01-01", "01/01/0000", "19999", "", "-", "2017-13-01",
    "29/02/2016", "29/02/2017", "12017-02-28", "2017-1-5", "2017-02-28 25:00", "1/1/2017T10:00",
]  # fmt: skip


def test_date_column_parser_agrees_with_scalar_parser() -> None:
    values, reasons = parse_dates(pl.Series("d", DATE_CASES, dtype=pl.Utf8))
    for text, value, reason in zip(DATE_CASES, values, reasons, strict=True):
        try:
            expected, expected_reason = parse_date(text), None
        except NotationError as error:
            expected, expected_reason = None, error.reason
        assert (value, reason) == (expected, expected_reason), text
