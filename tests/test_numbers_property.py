"""Property: any number written in a locale's notation reads back as that number (importer path)."""

from __future__ import annotations

import os

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from lagebild.ingest.records import _numbers

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

#: Examples per property; ``bench/properties.py`` raises it for a longer, randomized hunt.
PROPERTY_EXAMPLES = int(os.environ.get("LAGEBILD_PROPERTY_EXAMPLES", "300"))


def written(value: int, cents: int | None, locale: str, grouped: bool) -> str:
    """How a partner in ``locale`` writes ``value`` (+ ``cents`` hundredths)."""
    whole = f"{value:,}" if grouped else str(value)
    tail = f".{cents:02d}" if cents is not None else ""
    text = whole + tail
    if locale in ("de", "fr"):
        sep = "." if locale == "de" else "\u202f"
        text = text.replace(",", "\0").replace(".", ",").replace("\0", sep)
    if locale == "ar":
        text = text.replace(",", "٬").replace(".", "٫").translate(ARABIC_DIGITS)
    return text


@settings(max_examples=PROPERTY_EXAMPLES, deadline=None)
@given(
    values=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10**12),
            st.one_of(st.none(), st.integers(min_value=1, max_value=99)),
            st.booleans(),
        ),
        min_size=1,
        max_size=20,
    ),
    locale=st.sampled_from(["en", "de", "fr", "ar"]),
)
def test_numbers_written_in_a_locale_read_back_exactly(
    values: list[tuple[int, int | None, bool]], locale: str
) -> None:
    cells = [written(v, c, locale, g) for v, c, g in values]
    parsed, reasons = _numbers(pl.Series(cells, dtype=pl.Utf8), locale)
    assert reasons.null_count() == len(cells), list(zip(cells, reasons.to_list(), strict=True))
    expected = [v + (c / 100 if c is not None else 0) for v, c, _ in values]
    assert parsed.to_list() == [round(x, 2) for x in expected] or all(
        abs(a - b) < 1e-6 * max(1.0, b) for a, b in zip(parsed.to_list(), expected, strict=True)
    )
