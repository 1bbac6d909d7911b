"""``FIELD=VALUE`` edits of one stored record, checked and typed the way an import checks them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from lagebild.errors import RefusedInput
from lagebild.messages import (
    ACCESS_WORDS,
    N_,
    SECTOR_WORDS,
    STATUS_WORDS,
    Code,
    Message,
    Value,
    codes,
)
from lagebild.model.vocab import (
    ACCESS_STATUSES,
    DELIVERY_STATUSES,
    SECTORS,
    normalise_access,
    normalise_status,
    sector_code,
)

_NUMBERS = {
    "value",
    "reached",
    "households",
    "reached_female",
    "reached_male",
    "reached_children",
    "quantity",
    "value_usd",
}
_DATES = {"date", "date_start", "date_end", "valid_from"}


class EditError(RefusedInput):
    """An edit that names an unknown field or gives a value that does not fit it."""


def _refused(template: str, field: str, text: str, **values: Value) -> EditError:
    """``FIELD='VALUE': why``, the value quoted as typed."""
    return EditError(Message(template, {"field": field, "text": repr(text), **values}))


def _number(field: str, text: str) -> float | None:
    if text == "":
        if field == "value":
            raise EditError(Message(N_("value cannot be empty: delete the figure instead")))
        return None
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        raise _refused(N_("%(field)s=%(text)s: not a number"), field, text) from None
    if number < 0:
        raise _refused(N_("%(field)s=%(text)s: cannot be negative"), field, text)
    return number


def _date(field: str, text: str) -> date | None:
    if text == "" and field in ("date_start", "date_end"):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        template = N_("%(field)s=%(text)s: not a date, write YYYY-MM-DD")
        raise _refused(template, field, text) from None


def _word(
    field: str,
    normalise: Callable[[str], str | None],
    allowed: Sequence[Code | Message | str],
) -> Callable[[str], str]:
    def parse(text: str) -> str:
        found = normalise(text)
        if found is None:
            raise _refused(N_("%(field)s=%(text)s: use %(allowed)s"), field, text,
                           allowed=tuple(allowed))  # fmt: skip
        return found

    return parse


def _grade_letter(text: str) -> str | None:
    if text == "":
        return None
    if len(text) != 1 or text.upper() not in "ABCDEF":
        raise _refused(
            N_("%(field)s=%(text)s: use A to F, or nothing to take the source's"),
            "reliability",
            text,
        )
    return text.upper()


def _grade_number(text: str) -> int | None:
    if text == "":
        return None
    if text not in {"1", "2", "3", "4", "5", "6"}:
        raise _refused(
            N_("%(field)s=%(text)s: use 1 to 6, or nothing to take the source's"),
            "credibility",
            text,
        )
    return int(text)


def _text(text: str) -> str | None:
    return text or None


def parse_edits(kind: str, assignments: Sequence[str]) -> dict[str, Any]:
    """``["value=1200", "date=2016-03-01"]`` -> typed values; raises ``EditError``."""
    sectors = (
        *codes(SECTORS, SECTOR_WORDS),
        Message(N_("or a word of sectors.yml (docs/hxl.md)")),
    )
    special: dict[str, Callable[[str], Any]] = {
        "reliability": _grade_letter,
        "credibility": _grade_number,
        # A sector word the vocabulary does not hold is refused, as on import; blank is
        # inter-sector.
        "sector": _word("sector", sector_code, sectors),
        "party": _text,
    }
    if kind == "access":
        special["status"] = _word(
            "status", normalise_access, codes(ACCESS_STATUSES, ACCESS_WORDS)
        )
    else:
        special["status"] = _word(
            "status", normalise_status, codes(DELIVERY_STATUSES, STATUS_WORDS)
        )
    values: dict[str, Any] = {}
    for assignment in assignments:
        field, sep, text = assignment.partition("=")
        field, text = field.strip().lower(), text.strip()
        if not sep or not field:
            raise EditError(
                Message(
                    N_("%(assignment)s: write FIELD=VALUE, e.g. value=12000"),
                    {"assignment": repr(assignment)},
                )
            )
        if field in values:
            raise EditError(Message(N_("%(field)s is given twice"), {"field": field}))
        if field in _NUMBERS:
            values[field] = _number(field, text)
        elif field in _DATES:
            values[field] = _date(field, text)
        elif field in special:
            values[field] = special[field](text)
        else:
            values[field] = _text(text)
    return values


def parse_grade(text: str) -> tuple[str | None, int | None]:
    """``B2`` -> (``B``, 2); ``B`` -> (``B``, None); ``2`` -> (None, 2)."""
    text = text.strip().upper()
    letter = text[0] if text and text[0].isalpha() else ""
    number = text[len(letter) :]
    if (letter and letter not in "ABCDEF") or (number and number not in "123456") or not text:
        raise EditError(
            Message(
                N_("grade %(text)s: write reliability A-F and credibility 1-6, such as B2"),
                {"text": repr(text)},
            )
        )
    return (letter or None, int(number) if number else None)
