"""HXL JSON as a table: the forms libhxl reads and writes.

- An array of rows, each an array of cells: header rows (any number, or none), the hashtag row,
  then the data rows; exactly like the rows of a CSV file. A row is numbered by its position in
  the array, from 1, so the hashtag row under two header rows is row 3 and the first data row 4.
- An array of objects whose keys are hashtags (``[{"#sector": "WASH", "#adm1+code": "SY02"}]``):
  each object is a data row, numbered by its position in the array from 1. The columns are the
  keys in the order they first appear (a key missing from an object is an empty cell); a key that
  is no hashtag is the column's header, tagged by the tag map or left untagged.
- Either of these as a member of a JSON object, at any depth (``{"status": "OK", "results":
  [...]}``). When the object holds several tables with hashtags, ``member`` chooses one
  (``results``, or ``data.results`` for one inside ``data``); without it the import is refused
  with the tables listed.

Cells are text, numbers, ``true``/``false`` or ``null``; numbers are written in the import's
notation (:func:`lagebild.ingest.read.render_cell`). A list or object where a cell should be is an
error naming its row and column. A GeoJSON FeatureCollection is read by
:mod:`lagebild.ingest.geojson`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lagebild.ingest.geojson import geojson_table, load_json
from lagebild.ingest.read import (
    HEAD_ROWS,
    Column,
    MemoryTable,
    ReadError,
    ReadWarning,
    Table,
    TableInfo,
    column_letter,
    few_tags,
    find_layout,
    normal_header,
    register_reader,
    render_cell,
)
from lagebild.ingest.tags import Tag, is_tag_row
from lagebild.messages import N_, Message, Np_

#: The "type" of a GeoJSON object: such JSON goes to the GeoJSON reader.
GEOJSON_TYPES = frozenset(
    {"FeatureCollection", "Feature", "Point", "MultiPoint", "LineString", "MultiLineString",
     "Polygon", "MultiPolygon", "GeometryCollection"}
)  # fmt: skip
_MAX_DEPTH = 8  # how deep tables are searched for in JSON objects
_REPLACEMENT = "\ufffd"
_CELL = Message(N_("a cell holds one value (text, a number, true, false or null)"))
_FORMS = Message(
    N_("HXL JSON is an array of rows (arrays of cells) or of objects whose keys are hashtags")
)


@dataclass(frozen=True)
class _Found:
    where: str  # the member's path in the object ("" for the top-level array)
    rows: list[Any]


def open_json(
    path: Path,
    mapping: dict[str, Tag] | None,
    encoding: str | None = None,
    locale: str = "en",
    member: str | None = None,
) -> Table:
    """Read HXL JSON (or a GeoJSON FeatureCollection); raises :class:`ReadError` otherwise."""
    data, encoding_name, mended = load_json(path, encoding)
    if isinstance(data, dict) and data.get("type") in GEOJSON_TYPES:
        if member is not None:
            raise ReadError(path, reason="--member chooses a table in JSON; this is GeoJSON")
        return geojson_table(path, data, encoding_name, mended, mapping, locale)
    found = _choose(path, data, mapping, member)
    if isinstance(found.rows[0], dict):
        table = _objects_table(path, found, mapping, locale)
    else:
        table = _arrays_table(path, found, mapping, locale)
    table.info = TableInfo(
        path=path,
        format="json",
        encoding=encoding_name,
        delimiter=None,
        sheet=None,
        tag_row=table.info.tag_row,
        first_data_row=table.info.first_data_row,
        member=found.where or None,
    )
    if mended:
        table.warnings.extend(_mended(table))
    return table


# ---- where the table is -----------------------------------------------------------------------


def _choose(path: Path, data: Any, mapping: dict[str, Tag] | None, member: str | None) -> _Found:
    if isinstance(data, list):
        if member is not None:
            raise ReadError(
                path,
                value=member,
                reason="the JSON is an array, a table with no members: leave --member out",
            )
        if not data:
            raise ReadError(path, reason=Message(N_("the JSON array is empty: no rows")))
        if isinstance(data[0], list | dict):
            return _Found("", data)
    if not isinstance(data, dict):
        raise ReadError(
            path, reason=Message(N_("JSON that is no table: %(forms)s"), {"forms": _FORMS})
        )
    tables = list(_tables(data, "", 0))
    if member is not None:
        chosen = [t for t in tables if t.where == member]
        if chosen:
            return chosen[0]
        listed = ", ".join(repr(t.where) for t in tables) or "none"
        raise ReadError(
            path, value=member, reason=f"no such table in the JSON; its tables: {listed}"
        )
    tagged = [(t, _tags_of(t, mapping)) for t in tables]
    tagged = [(t, tags) for t, tags in tagged if tags]
    if len(tagged) == 1:
        return tagged[0][0]
    if len(tagged) > 1:
        said: Message | None = None
        for t, tags in tagged[:10]:
            one = Message(
                N_("%(sheet)s (%(tags)s)"), {"sheet": repr(t.where), "tags": few_tags(tags)}
            )
            said = one if said is None else Message(
                N_("%(first)s; %(then)s"), {"first": said, "then": one}
            )
        raise ReadError(path, reason=Message.count(
            Np_("the JSON holds %(num)s table with HXL hashtags: %(tables)s; choose one with "
                "--member NAME",
                "the JSON holds %(num)s tables with HXL hashtags: %(tables)s; choose one with "
                "--member NAME"),
            len(tagged), tables=said,
        ))  # fmt: skip
    if tables:
        names = ", ".join(repr(t.where) for t in tables[:10])
        raise ReadError(path, reason=Message(
            N_("no table in the JSON has HXL hashtags; its tables: %(tables)s; tag them or "
               "pass --tags map.yml (with --member NAME)"),
            {"tables": names},
        ))  # fmt: skip
    raise ReadError(
        path,
        reason=Message(
            N_("no table in the JSON: %(forms)s, alone or in a JSON object"), {"forms": _FORMS}
        ),
    )


def _tables(data: dict[str, Any], prefix: str, depth: int) -> Iterator[_Found]:
    """The members of a JSON object (and of the objects in it) that are arrays of rows or of
    objects, breadth first, each with its dotted path."""
    nested = []
    for key, value in data.items():
        where = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, list) and _is_table(value):
            yield _Found(where, value)
        elif isinstance(value, dict) and depth < _MAX_DEPTH:
            nested.append((where, value))
    for where, value in nested:
        yield from _tables(value, where, depth + 1)


def _is_table(rows: list[Any]) -> bool:
    return bool(rows) and (
        all(isinstance(r, list) for r in rows) or all(isinstance(r, dict) for r in rows)
    )


def _tags_of(found: _Found, mapping: dict[str, Tag] | None) -> list[str]:
    """The hashtags (or tag-map headers) a table carries; empty when none."""
    if isinstance(found.rows[0], dict):
        keys: dict[str, None] = {}
        for row in found.rows[:HEAD_ROWS]:
            keys.update(dict.fromkeys(str(k) for k in row))
        return [str(t) for k in keys if (t := _key_tag(k, mapping)) is not None]
    for row in found.rows[:HEAD_ROWS]:
        cells = [c if isinstance(c, str) else "" for c in row]
        if is_tag_row(cells):
            return [str(t) for c in cells if c.strip() and (t := Tag.parse(c)) is not None]
    if mapping:
        for row in found.rows[:HEAD_ROWS]:
            named = [c for c in row if isinstance(c, str) and normal_header(c) in mapping]
            if named:
                return named
    return []


# ---- the two forms ----------------------------------------------------------------------------


def _arrays_table(
    path: Path, found: _Found, mapping: dict[str, Tag] | None, locale: str
) -> JsonTable:
    """An array of rows: the hashtag row is found as in a CSV file."""
    for number, row in enumerate(found.rows, start=1):
        if not isinstance(row, list):
            raise ReadError(
                path,
                row=number,
                value=_shown(row),
                reason=Message(
                    N_("row %(row)s is %(what)s, not an array of cells like the rows before"),
                    {"row": str(number), "what": _what(row)},
                ),
            )
    # a list or object in a cell is no header or hashtag; in a data row it is an error (below)
    head = [
        ["" if isinstance(v, dict | list) else render_cell(v, locale) or "" for v in row]
        for row in found.rows[:HEAD_ROWS]
    ]
    layout = find_layout(path, head, mapping)
    width = len(layout.columns)
    rows, numbers = [], []
    for number, row in enumerate(found.rows[layout.first_data :], start=layout.first_data + 1):
        rows.append(
            [
                _cell(path, number, layout.columns[j], row[j], locale) if j < len(row) else None
                for j in range(width)
            ]
        )
        numbers.append(number)
    info = TableInfo(
        path=path,
        format="json",
        encoding=None,
        delimiter=None,
        sheet=None,
        tag_row=None if layout.tag_row is None else layout.tag_row + 1,
        first_data_row=layout.first_data + 1,
    )
    return JsonTable(info, layout.columns, rows, numbers)


def _objects_table(
    path: Path, found: _Found, mapping: dict[str, Tag] | None, locale: str
) -> JsonTable:
    """An array of objects: each key a column, tagged by itself when it is a hashtag."""
    keys: dict[str, None] = {}
    for number, row in enumerate(found.rows, start=1):
        if not isinstance(row, dict):
            raise ReadError(
                path,
                row=number,
                value=_shown(row),
                reason=Message(
                    N_("row %(row)s is %(what)s, not a JSON object like the rows before"),
                    {"row": str(number), "what": _what(row)},
                ),
            )
        keys.update(dict.fromkeys(row))
    columns = []
    for j, key in enumerate(keys):
        # as in libhxl: a key that is a hashtag is the tag row, a key that is none the header
        own = Tag.parse(key) if key.strip().startswith("#") else None
        header = None if own is not None else key.strip() or None
        columns.append(Column(j, column_letter(j), header, own or _key_tag(key, mapping)))
    if not any(c.tag is not None for c in columns):
        names = ", ".join(repr(k) for k in list(keys)[:10])
        reason = Message(
            N_("none of the keys is in the tag map; the keys: %(keys)s")
            if mapping
            else N_("no key of the objects is an HXL hashtag; tag them with --tags map.yml "
                    "(key: hashtag); the keys: %(keys)s"),
            {"keys": names},
        )  # fmt: skip
        raise ReadError(path, reason=reason)
    rows = [
        [_cell(path, number, columns[j], row.get(key), locale) for j, key in enumerate(keys)]
        for number, row in enumerate(found.rows, start=1)
    ]
    info = TableInfo(path, "json", None, None, None, None, 1)
    return JsonTable(info, columns, rows, list(range(1, len(rows) + 1)))


def _key_tag(key: str, mapping: dict[str, Tag] | None) -> Tag | None:
    if key.strip().startswith("#"):
        tag = Tag.parse(key)
        if tag is not None:
            return tag
    return mapping.get(normal_header(key)) if mapping and key.strip() else None


def _cell(path: Path, number: int, column: Column, value: Any, locale: str) -> str | None:
    if isinstance(value, dict | list):
        label = column.tag or column.header
        where = f"{column.letter} {label}" if label else column.letter
        raise ReadError(
            path,
            row=number,
            column=where,
            value=_shown(value),
            reason=Message(N_("%(what)s where %(cell)s"), {"what": _what(value), "cell": _CELL}),
        )
    return render_cell(value, locale)


def _what(value: Any) -> Message:
    if isinstance(value, dict):
        return Message(N_("a JSON object"))
    if isinstance(value, list):
        return Message(N_("a JSON array"))
    return Message(N_("a single value (%(value)s)"), {"value": _shown(value)})


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def _mended(table: JsonTable) -> list[ReadWarning]:
    """A warning for each cell whose text had invalid UTF-8 (now U+FFFD) in it."""
    found = []
    for number, row in zip(table.numbers, table.rows, strict=True):
        for column, value in zip(table.columns, row, strict=True):
            if value is not None and _REPLACEMENT in value:
                found.append(
                    ReadWarning("invalid-utf8", number, column, value)
                )
    if not found:
        found.append(
            ReadWarning("invalid-utf8/outside-cells")
        )
    return found


class JsonTable(MemoryTable):
    """Rows held in memory, each with its number in the JSON array."""


register_reader("json", open_json)
