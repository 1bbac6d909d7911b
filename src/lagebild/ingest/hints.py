"""What a problem's reason tells a person to do, as a neutral key each front end words.

A reason is written once, in the words of ``lagebild import``: "tag the file or pass --tags
map.yml". The Import page has fields, not options, so the same advice reads "choose a tag map in
the field 'Tag map'" there. Each piece of advice a reason can hold is a :class:`Hint`: a key
(``tags``), the value it names if any (``--locale de``: ``de``) and the words of the command line
it stands for (``said``), found in the reason by :func:`hints_in`. The command line prints the
reason as it is; the web words each hint by its key (``web.import_report``) in place of ``said``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Each key and the command-line words it stands for, longest first (the first match of a
#: stretch of text wins). ``value`` is the value named, where the advice names one.
COMMAND_LINE: tuple[tuple[str, str], ...] = (
    (
        "tags-or-kind",
        r"Tag the columns it should be read by \(--tags map\.yml\) or name its kind \(--kind\)",
    ),
    ("tags-sheet", r"pass --tags map\.yml \(and --sheet NAME\)"),
    ("member", r"choose the one to import with --member NAME"),
    ("tags-member", r"tag them or pass --tags map\.yml \(with --member NAME\)"),
    ("json-member", r"choose one with --member NAME"),
    ("kind-or-tags", r"no --kind or --tags reads them"),
    ("tag-them", r"tag them with --tags map\.yml"),
    ("tags", r"pass --tags map\.yml"),
    ("tags-aside", r"\(--tags map\.yml\)"),
    ("sheet", r"choose one with --sheet NAME"),
    ("kind", r"\(--kind (?P<value>[a-z]+)\)"),
    ("locale", r"import with --locale (?P<value>[a-z]{2})"),
    ("date", r"import with --date"),
    ("date-aside", r"or --date(?=\))"),
    ("update-places", r"--update-places applies renames and moves of existing places"),
    ("country", r"choose one with --country CODE"),
    ("country-aside", r"--country \S+ says so and silences this"),
    ("encoding", r"or pass --encoding"),
    ("max-km", r"or raise --max-km"),
    ("sectors", r"--sectors map\.yml maps it"),
    ("words-map", r"--(?:statuses|modalities|event-types) map\.yml maps it"),
    ("map-sectors", r"map it with --sectors map\.yml \(docs/hxl\.md\)"),
    ("map-words", r"map it with --(?:statuses|modalities|event-types) map\.yml \(docs/hxl\.md\)"),
)

_FOUND = re.compile(
    "|".join(
        f"(?P<k{i}>{pattern.replace('(?P<value>', '(?:')})"
        for i, (_, pattern) in enumerate(COMMAND_LINE)
    )
)
_VALUE = [re.compile(pattern) for _, pattern in COMMAND_LINE]


@dataclass(frozen=True, slots=True)
class Hint:
    """One piece of advice in a reason: its key, the value it names, the command line's words."""

    key: str
    value: str
    said: str

    def as_dict(self) -> dict[str, str]:
        return {"key": self.key, "value": self.value, "said": self.said}


def hints_in(reason: str) -> tuple[Hint, ...]:
    """The advice a reason holds, in the order written."""
    if "--" not in reason:
        return ()
    found = []
    for match in _FOUND.finditer(reason):
        index = int((match.lastgroup or "k0")[1:])
        # the named group of the key matched; its own pattern gives the value, if any
        own = _VALUE[index].fullmatch(match.group(0))
        value = (own.groupdict().get("value") or "") if own else ""
        found.append(Hint(COMMAND_LINE[index][0], value, match.group(0)))
    return tuple(found)


def split_reason(reason: str, hints: tuple[Hint, ...]) -> list[str | Hint]:
    """The reason as pieces of text and the hints between them, for a front end that words
    each hint its own way."""
    pieces: list[str | Hint] = []
    rest = reason
    for hint in hints:
        before, said, after = rest.partition(hint.said)
        if not said:
            continue
        if before:
            pieces.append(before)
        pieces.append(hint)
        rest = after
    if rest:
        pieces.append(rest)
    return pieces


__all__ = ["COMMAND_LINE", "Hint", "hints_in", "split_reason"]
