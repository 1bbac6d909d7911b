"""HXL hashtags: parsing a tag cell, matching tag patterns, finding the hashtag row.

A tag is a hashtag with attributes, ``#adm1+code``. Tags match in any case, in any order of
attributes and with spaces around the ``+`` (``#ADM1 +Code`` is ``#adm1+code``).

Parsing is strict about characters: the hashtag and each attribute are ``[a-z][a-z0-9_]*`` after
lowering the case. A cell such as ``#sector?`` (seen in real files) is not a tag; the column stays
untagged and the hashtag row is still found when enough of its other cells are tags (see
:func:`is_tag_row`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
_PATTERN_ATTR = re.compile(r"\s*([+-])\s*([^\s+-]*)")

# A row with some cells that are not tags is still the hashtag row when at least this many cells
# are tags and the tags outnumber the other cells two to one (libhxl accepts its "fuzzy" test file,
# 5 tags and 2 untagged words, and so do we).
_FUZZY_MIN_TAGS = 3


@dataclass(frozen=True)
class Tag:
    """An HXL hashtag with its attributes: lower case, in the order written, without repeats."""

    hashtag: str
    attributes: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Tag | None:
        """Read a tag cell such as ``'#adm1 +Code'``; None when the cell is not a tag."""
        spec = text.strip()
        if not spec.startswith("#"):
            return None
        parts = spec[1:].split("+")
        hashtag = parts[0].strip().lower()
        if not _NAME.match(hashtag):
            return None
        attributes: list[str] = []
        for part in parts[1:]:
            attribute = part.strip().lower()
            if not _NAME.match(attribute):
                return None
            if attribute not in attributes:
                attributes.append(attribute)
        return cls(hashtag, tuple(attributes))

    def has(self, *attrs: str) -> bool:
        """True when the tag carries every one of ``attrs`` (``'code'`` or ``'+code'``)."""
        return all(a.strip().lstrip("+").lower() in self.attributes for a in attrs)

    def matches(self, pattern: str) -> bool:
        """True when the tag matches a pattern such as ``#adm1+code`` or ``#population-besieged``.

        The hashtags must be equal; the tag must carry every ``+attribute`` of the pattern and none
        of its ``-attribute``. Case, spaces and the order of attributes do not matter.
        """
        hashtag, include, exclude = _parse_pattern(pattern)
        if hashtag != self.hashtag:
            return False
        attrs = set(self.attributes)
        return include <= attrs and not (exclude & attrs)

    def __str__(self) -> str:
        return "#" + self.hashtag + "".join("+" + a for a in self.attributes)


@lru_cache(maxsize=1024)
def _parse_pattern(pattern: str) -> tuple[str, frozenset[str], frozenset[str]]:
    spec = pattern.strip()
    if spec.startswith("#"):
        spec = spec[1:]
    match = re.match(r"\s*([a-zA-Z][a-zA-Z0-9_]*)", spec)
    if not match:
        raise ValueError(f"not a tag pattern: {pattern!r}")
    hashtag = match.group(1).lower()
    include: set[str] = set()
    exclude: set[str] = set()
    pos = match.end()
    while pos < len(spec):
        attr = _PATTERN_ATTR.match(spec, pos)
        if not attr or not _NAME.match(attr.group(2).lower()):
            if spec[pos:].strip() == "":
                break
            raise ValueError(f"not a tag pattern: {pattern!r}")
        (include if attr.group(1) == "+" else exclude).add(attr.group(2).lower())
        pos = attr.end()
    return hashtag, frozenset(include), frozenset(exclude)


def is_tag_row(cells: list[str]) -> bool:
    """True when ``cells`` is an HXL hashtag row.

    Every non-empty cell must be a tag, with one tolerance for real-world files: when at least
    three cells are tags, other non-empty cells are allowed as long as the tags are more than twice
    as many (libhxl's fuzzy detection accepts a row when half its cells are tags; we are stricter).
    """
    tags = junk = 0
    for cell in cells:
        if cell is None or not cell.strip():
            continue
        if Tag.parse(cell) is None:
            junk += 1
        else:
            tags += 1
    if tags == 0:
        return False
    if junk == 0:
        return True
    return tags >= _FUZZY_MIN_TAGS and tags > 2 * junk
