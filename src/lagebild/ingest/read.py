"""Open a table file: CSV, a spreadsheet, HXL JSON or GeoJSON, its HXL hashtags, and its rows as
string columns.

``open_table`` finds the format (from the content, not the name), the encoding and delimiter of a
CSV file, the hashtag row (under any number of header rows) or the header row a tag map names, and
returns a :class:`Table` whose :meth:`Table.batches` stream the data rows as polars DataFrames of
strings, each row with its number as a spreadsheet shows it.

What libhxl reads, this reads: HXL JSON (an array of rows or an array of objects keyed by
hashtags, also inside a JSON object; see :mod:`lagebild.ingest.hxl_json`), JSON under any name,
the one table inside a ZIP archive (:func:`check_archive` guards every archive), and the sheet of
a workbook that carries the hashtags.

CSV files stream through pyarrow's CSV reader from the byte offset of the first data row, so a
file of any size is read in bounded memory. Spreadsheets are read with calamine; typed cells come
out as text in the file's number notation (see :func:`render_cell`). A GeoJSON FeatureCollection
is a table of its features (see :mod:`lagebild.ingest.geojson`).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import math
import re
import shutil
import tempfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import python_calamine

from lagebild.errors import RefusedInput
from lagebild.ingest.acled import acled_tag_map
from lagebild.ingest.catalogue import kind
from lagebild.ingest.notation import LOCALES
from lagebild.ingest.tags import Tag, is_tag_row
from lagebild.messages import N_, Message, Np_

HEAD_ROWS = 25  # the hashtag (or header) row is searched for in this many first rows
DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_BYTES = 1 << 20  # encoding and delimiter are guessed from this much of a file
_HEAD_MAX_BYTES = 64 << 20  # the rows above the data may not take more than this
_BLOCK_BYTES = 1 << 20  # pyarrow reads this much at a time
_CLEAN_ROWS = 65_536  # rows are stripped and checked for emptiness this many at a time
_NO_TAGS = Message(
    N_("no HXL hashtag row in the first %(rows)s rows; tag the file or pass --tags map.yml"),
    {"rows": HEAD_ROWS},
)
_NOT_A_TABLE = "not a CSV or XLSX file"
_BINARY = Message(N_("a binary file, not a CSV or XLSX file"))
_JSON_SUFFIXES = (".geojson", ".json")
#: The start of a JSON array of rows or objects, or of a JSON object (not "[Org],..." of a CSV).
_JSON_START = re.compile(rb'\s*(\{\s*["}]|\[\s*[\[{\]])')
_HTML_START = re.compile(rb"\s*<(!doctype\s+html|html[\s>])", re.IGNORECASE)
#: Names of the files in a ZIP archive that are tables (a README.pdf beside them is not).
TABLE_SUFFIXES = (
    ".csv", ".tsv", ".tab", ".ssv", ".hxl", ".txt", ".json", ".geojson",
    ".xlsx", ".xlsm", ".xls", ".ods",
)  # fmt: skip


class ReadError(RefusedInput):
    """A file that cannot be read as a table, with where and why."""

    def __init__(
        self,
        path: Path | str,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
        reason: str | Message = "cannot be read",
    ) -> None:
        super().__init__(path, row, column, value, str(reason))
        self.path = Path(path)
        self.row = row
        self.column = column
        self.value = value
        self.reason = str(reason)
        #: The reason to say in the reader's language: a message where one was made.
        self.said: Message | str = reason

    @property
    def words(self) -> Message | str:
        return self.said

    def __str__(self) -> str:
        where = [str(self.path)]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        if self.value is not None:
            where.append(f"value {self.value!r}")
        return ", ".join(where) + ": " + self.reason


@dataclass(frozen=True)
class Column:
    index: int  # 0-based position in the file
    letter: str  # spreadsheet letter: 0 -> 'A', 26 -> 'AA'
    header: str | None  # header text from the row just above the tag row (None if none)
    tag: Tag | None  # None for untagged columns


@dataclass(frozen=True)
class ReadWarning:
    """Something the reader mended and the import should report (such as invalid UTF-8): the
    key of its kind in ``ingest.catalogue`` and the fields that fill its reason."""

    key: str
    row: int | None = None
    column: Column | None = None
    value: str | None = None
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return kind(self.key).code

    @property
    def reason(self) -> str:
        return kind(self.key).reason(**self.params)


@dataclass(frozen=True)
class TableInfo:
    path: Path
    format: str  # 'csv', 'xlsx', 'xls' / 'ods' (read like xlsx), 'json', 'geojson', 'shapefile'
    encoding: str | None  # csv only: 'utf-8', 'utf-8-sig', 'utf-16', 'cp1256', 'latin-1', ...
    delimiter: str | None  # csv only
    sheet: str | None  # spreadsheets only
    tag_row: int | None  # 1-based row of the hashtag row (None if the tags came from a map)
    first_data_row: int  # 1-based row of the first data row
    #: The file read inside a ZIP archive (``path`` is the archive), or the member of a JSON
    #: object that holds the table (``results``, ``data.rows``); else None.
    member: str | None = None


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column: 0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


class Table:
    """An open table file: what it is, its columns, and its data rows in batches."""

    info: TableInfo
    columns: list[Column]
    warnings: list[ReadWarning]  # what the reader mended, for the import's report

    def __init__(self, info: TableInfo, columns: list[Column]) -> None:
        self.info = info
        self.columns = columns
        self.warnings = []

    @property
    def data_path(self) -> Path:
        """The file whose bytes hold the rows: the file itself, or the one unpacked from a ZIP
        archive (so that a table counts as the same file zipped or not)."""
        return self.info.path

    @property
    def names(self) -> list[str]:
        """The names of the data columns in :meth:`batches`: ``c0``, ``c1``, ..."""
        return [f"c{c.index}" for c in self.columns]

    def batches(self, rows: int = 500_000) -> Iterator[pl.DataFrame]:
        """DataFrames of about ``rows`` rows: one Utf8 column per file column, ``c0``, ``c1``, ...,
        and ``_row`` (Int64), the 1-based row number as a spreadsheet shows it.

        Cells are stripped of surrounding whitespace and empty cells are null; rows with no value
        at all are left out (their numbers are skipped). Rows shorter than the header are padded
        with nulls; cells beyond the header's width are ignored. Each call reads from the start.
        """
        raise NotImplementedError

    def close(self) -> None:
        """Release the file."""

    def __enter__(self) -> Table:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


#: A reader of a format that builds on this module: (path, tag map, encoding, locale, member).
Reader = Callable[[Path, "dict[str, Tag] | None", str | None, str, str | None], Table]
#: The readers of the formats that build on this module (JSON, shapefile), by the format
#: :func:`open_table` recognises: each module registers its own (:func:`register_reader`).
READERS: dict[str, Reader] = {}


def register_reader(kind: str, reader: Reader) -> None:
    """Read the files recognised as ``kind`` (``json``, ``shapefile``) with ``reader``."""
    READERS[kind] = reader


def open_table(
    path: Path | str,
    *,
    sheet: str | None = None,
    tag_map: Mapping[str, str] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    locale: str = "en",
    member: str | None = None,
) -> Table:
    """Open a CSV or spreadsheet file with an HXL hashtag row, or with headers a tag map names;
    HXL JSON; a GeoJSON FeatureCollection whose properties are named as hashtags or in a tag map;
    or a ZIP archive holding one of these.

    Args:
        path: the file; its format is recognised from its content (JSON also from a ``.json``
            or ``.geojson`` name).
        sheet: for spreadsheets, the sheet by name (default: the one sheet whose first rows
            hold an HXL hashtag row, or the one sheet, else an error listing the sheets).
        tag_map: header text -> hashtag, for files without a hashtag row (or to tag the columns a
            hashtag row leaves untagged). Header text matches in any case, spaces collapsed.
        encoding: for CSV, the encoding (default: recognised).
        delimiter: for CSV, the delimiter (default: recognised among , ; tab |).
        locale: the number notation spreadsheet numbers are written in (``en``, ``de``, ``ar``,
            ``fr``), so that the number parser of the same locale reads them back.
        member: for a ZIP archive, the file inside it to read (default: its one table); for a
            JSON object, the member holding the table (default: the one table with hashtags).

    Raises:
        ReadError: the file is missing, empty, not a table, or has no hashtag row.
    """
    path = Path(path)
    if locale not in LOCALES:
        raise ReadError(path, reason=f"unknown locale {locale!r}: use one of {', '.join(LOCALES)}")
    if delimiter is not None and len(delimiter) != 1:
        raise ReadError(path, reason=f"the delimiter must be one character, not {delimiter!r}")
    mapping = _normal_tag_map(path, tag_map)
    return _open(path, sheet, mapping, encoding, delimiter, locale, member, in_archive=False)


def _open(
    path: Path,
    sheet: str | None,
    mapping: dict[str, Tag] | None,
    encoding: str | None,
    delimiter: str | None,
    locale: str,
    member: str | None,
    in_archive: bool,
) -> Table:
    head = _read_head(path)
    kind = _sniff_format(path, head)
    if kind == "zip":
        if in_archive:
            raise ReadError(
                path, reason=Message(N_("a ZIP archive inside a ZIP archive: unzip it first"))
            )
        return _open_member(path, member, sheet, mapping, encoding, delimiter, locale)
    if member is not None and kind != "json":
        raise ReadError(
            path,
            reason=f"--member {member!r} names a file inside a ZIP archive or a table inside a "
            f"JSON object, and this is a {kind.upper()} file: leave --member out",
        )
    if kind in READERS:  # JSON and shapefiles: read by the modules that build on this one
        return READERS[kind](path, mapping, encoding, locale, member)
    if kind == "csv":
        return _open_csv(path, head, mapping, encoding, delimiter)
    return _open_sheet(path, kind, sheet, mapping, locale)


# ---- what the file is -------------------------------------------------------------------------


def _read_head(path: Path) -> bytes:
    if not path.exists():
        raise ReadError(path, reason=Message(N_("no such file")))
    if path.is_dir():
        raise ReadError(path, reason=Message(N_("a folder, not a file")))
    try:
        with path.open("rb") as fh:
            head = fh.read(_SAMPLE_BYTES)
    except OSError as exc:
        raise ReadError(path, reason=Message(
            N_("cannot open the file: %(detail)s"), {"detail": str(exc.strerror or exc)}
        )) from exc
    if not head:
        raise ReadError(path, reason=Message(N_("the file is empty")))
    return head


def _sniff_format(path: Path, head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                check_archive(path, archive)
                names = set(archive.namelist())
                mimetype = archive.read("mimetype") if "mimetype" in names else b""
        except ReadError:  # refused, with why (a ReadError is a ValueError too)
            raise
        except _ZIP_ERRORS as exc:
            raise ReadError(
                path, reason=Message(N_("a damaged ZIP archive, not a CSV or XLSX file"))
            ) from exc
        if "[Content_Types].xml" in names:
            return "xlsx"
        if any(n.lower().endswith(".shp") for n in names):
            return "shapefile"
        if mimetype.strip() == b"application/vnd.oasis.opendocument.spreadsheet":
            return "ods"
        return "zip"  # a ZIP of a table: see _open_member
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if path.suffix.lower() in _JSON_SUFFIXES:
        return "json"
    if head.startswith(b"\x00\x00\x27\x0a") or path.suffix.lower() == ".shp":
        return "shapefile"
    if _JSON_START.match(head.removeprefix(codecs.BOM_UTF8)):
        return "json"  # JSON under another name (libhxl's input-valid-json.txt)
    if _HTML_START.match(head.removeprefix(codecs.BOM_UTF8)):
        raise ReadError(
            path,
            reason=Message(
                N_(
                    "an HTML page, not a table: a link to a web page or a login page rather than "
                    "to the file itself? Download the file (CSV, XLSX, JSON) and import that"
                )
            ),
        )
    return "csv"


# ---- ZIP archives (XLSX, ODS, zipped shapefiles): no bombs, no DOCTYPE ----------------------

#: The most an archive may unpack to, all its parts together (a 1M-row XLSX sheet is ~300 MB).
MAX_UNPACKED_BYTES = 1 << 30
#: The most a part larger than ``_RATIO_FLOOR`` may unpack to per byte packed; spreadsheet XML
#: packs 5 to 30 times, a ZIP bomb about a thousand times.
MAX_PACKING_RATIO = 100
MAX_ARCHIVE_PARTS = 10_000
_RATIO_FLOOR = 1 << 20
_XML_PARTS = (".xml", ".rels")
#: A DOCTYPE is how XML declares entities: external ones (XXE) and nested ones (billion laughs).
#: Office and OpenDocument files never carry one. UTF-8 and UTF-16 spellings.
_DOCTYPE = (b"<!DOCTYPE", "<!DOCTYPE".encode("utf-16-le"), "<!DOCTYPE".encode("utf-16-be"))
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,  # a compression method zipfile does not know
    RuntimeError,  # an encrypted part
    ValueError,
    OSError,
)


def check_archive(path: Path, archive: zipfile.ZipFile) -> None:
    """Refuse a ZIP archive that would unpack to too much, or whose XML declares a DOCTYPE.

    The sizes the archive declares are checked first, before anything is unpacked: in all at most
    ``MAX_UNPACKED_BYTES``, no part larger than 1 MB packed more than ``MAX_PACKING_RATIO`` times.
    Then each part is unpacked in blocks, never held whole: zipfile stops a part at its declared
    size and fails on its checksum, so a part that lies about its size is refused as damaged
    (raises ``zipfile.BadZipFile``), and the XML parts are searched for a DOCTYPE.

    Raises:
        ReadError: the archive is refused, with why.
        zipfile.BadZipFile, zlib.error, ...: the archive is damaged (see ``_ZIP_ERRORS``).
    """
    parts = archive.infolist()
    if len(parts) > MAX_ARCHIVE_PARTS:
        raise ReadError(
            path,
            reason=Message(
                N_("a ZIP archive of %(parts)s parts, more than %(most)s: refused"),
                {"parts": len(parts), "most": MAX_ARCHIVE_PARTS},
            ),
        )
    names = [p.filename for p in parts]
    if len(set(names)) != len(names):
        raise ReadError(
            path, reason=Message(N_("a ZIP archive with two parts of the same name: refused"))
        )
    total = sum(p.file_size for p in parts)
    if total > MAX_UNPACKED_BYTES:
        raise ReadError(
            path,
            reason=Message(
                N_("unpacks to %(bytes)s bytes, more than the limit of %(most)s (a ZIP bomb?): "
                   "refused before unpacking"),
                {"bytes": total, "most": MAX_UNPACKED_BYTES},
            ),  # fmt: skip
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > _RATIO_FLOOR and ratio > MAX_PACKING_RATIO:
            raise ReadError(
                path,
                value=part.filename,
                reason=Message(
                    N_("this part unpacks %(ratio)s times its packed size to %(bytes)s bytes, "
                       "more than %(most)s times (a ZIP bomb?): refused before unpacking"),
                    {"ratio": round(ratio), "bytes": part.file_size, "most": MAX_PACKING_RATIO},
                ),  # fmt: skip
            )
    for part in parts:
        xml = part.filename.lower().endswith(_XML_PARTS)
        tail = b""
        with archive.open(part) as stream:
            while block := stream.read(_BLOCK_BYTES):
                if xml:
                    window = tail + block
                    if any(marker in window for marker in _DOCTYPE):
                        raise ReadError(
                            path,
                            value=part.filename,
                            reason=Message(
                                N_("this XML part declares a DOCTYPE, which can fetch files or "
                                   "expand without end; spreadsheets never need one: refused")
                            ),  # fmt: skip
                        )
                    tail = window[-20:]


# ---- a table inside a ZIP archive -------------------------------------------------------------


def archive_files(archive: zipfile.ZipFile) -> list[str]:
    """The names of the files in an archive, without folders, dotfiles and ``__MACOSX``."""
    names = []
    for part in archive.infolist():
        parts = PurePosixPath(part.filename.replace("\\", "/")).parts
        if part.is_dir() or not parts or parts[0] == "__MACOSX":
            continue
        if any(p.startswith(".") for p in parts):
            continue
        names.append(part.filename)
    return names


def _choose_member(path: Path, names: list[str], member: str | None) -> str:
    """The file of the archive to read: ``member``, else the one table (by its name's suffix),
    else the one file; anything else is refused with the names."""
    listed = _listing(names)
    if member is not None:
        if member in names:
            return member
        same = [n for n in names if PurePosixPath(n).name == member]
        if len(same) == 1:
            return same[0]
        raise ReadError(
            path,
            value=member,
            reason=Message(
                N_("no such file in the ZIP archive; its files: %(files)s"), {"files": listed}
            ),
        )
    tables = [n for n in names if PurePosixPath(n).suffix.lower() in TABLE_SUFFIXES]
    if len(tables) == 1:
        return tables[0]
    if not tables and len(names) == 1:
        return names[0]  # a table under another name: its content tells
    if not tables:
        what = (
            Message(N_("its files: %(files)s"), {"files": listed})
            if names
            else Message(N_("it holds no file"))
        )
        raise ReadError(
            path,
            reason=Message(
                N_("a ZIP archive with no table in it (CSV, TSV, XLSX, XLS, ODS, JSON or a "
                   "shapefile), not a CSV or XLSX file; %(what)s"),
                {"what": what},
            ),
        )  # fmt: skip
    raise ReadError(
        path,
        reason=Message(
            N_("a ZIP archive of %(count)s tables: %(tables)s; choose the one to import with "
               "--member NAME"),
            {"count": len(tables), "tables": _listing(tables)},
        ),
    )  # fmt: skip


def _listing(names: Sequence[str], most: int = 10) -> str:
    shown = ", ".join(repr(n) for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _open_member(
    path: Path,
    member: str | None,
    sheet: str | None,
    mapping: dict[str, Tag] | None,
    encoding: str | None,
    delimiter: str | None,
    locale: str,
) -> Table:
    """Read the table inside a ZIP archive (already passed through :func:`check_archive`).

    The file is unpacked into a temporary folder, which goes when the table is closed; errors
    name the archive and the file in it, and rows are numbered as in that file.
    """
    folder = Path(tempfile.mkdtemp(prefix="lagebild-zip-"))
    try:
        try:
            with zipfile.ZipFile(path) as archive:
                for part in archive.namelist():
                    climbs = PurePosixPath(part.replace("\\", "/"))
                    if climbs.is_absolute() or ".." in climbs.parts:
                        raise ReadError(
                            path,
                            value=part,
                            reason=Message(
                                N_("a file of the ZIP archive is named to land outside the "
                                   "folder it is unpacked in (a hostile archive?): refused")
                            ),  # fmt: skip
                        )
                name = _choose_member(path, archive_files(archive), member)
                target = folder / PurePosixPath(name.replace("\\", "/")).name
                with archive.open(name) as source, target.open("wb") as out:
                    shutil.copyfileobj(source, out, _BLOCK_BYTES)
        except ReadError:  # refused, with why (a ReadError is a ValueError too)
            raise
        except _ZIP_ERRORS as exc:
            said = Message(N_("a damaged ZIP archive: %(why)s"), {"why": str(exc)})
            raise ReadError(path, reason=said) from exc
        try:
            inner = _open(target, sheet, mapping, encoding, delimiter, locale, None, True)
        except ReadError as exc:
            raise _in_member(exc, path, name) from exc
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return _MemberTable(path, name, inner, folder)


def _in_member(exc: ReadError, path: Path, name: str) -> ReadError:
    reason = Message(
        N_("%(name)s (in the ZIP archive): %(reason)s"), {"name": name, "reason": exc.said}
    )
    return ReadError(path, exc.row, exc.column, exc.value, reason)


class MemoryTable(Table):
    """A table read whole into memory (JSON, GeoJSON, a shapefile's records): its rows of cells
    and the number of each row as a person counts it (default: 1, 2, ...)."""

    def __init__(
        self,
        info: TableInfo,
        columns: list[Column],
        rows: list[list[str | None]],
        numbers: list[int] | None = None,
    ) -> None:
        super().__init__(info, columns)
        self.rows = rows
        self.numbers = numbers if numbers is not None else list(range(1, len(rows) + 1))

    def batches(self, rows: int = 500_000) -> Iterator[pl.DataFrame]:
        if rows < 1:
            raise ValueError("rows must be at least 1")
        names = self.names
        schema = {n: pl.Utf8 for n in names} | {"_row": pl.Int64}
        for start in range(0, len(self.rows), rows):
            block = self.rows[start : start + rows]
            data: dict[str, list[Any]] = {n: [r[i] for r in block] for i, n in enumerate(names)}
            data["_row"] = self.numbers[start : start + rows]
            frame = _clean(pl.DataFrame(data, schema=schema), names)
            if frame.height:
                yield frame


class _MemberTable(Table):
    """The table of a file unpacked from a ZIP archive; its info names the archive."""

    def __init__(self, path: Path, name: str, inner: Table, folder: Path) -> None:
        within = inner.info.member
        info = replace(inner.info, path=path, member=f"{name}: {within}" if within else name)
        super().__init__(info, inner.columns)
        self.warnings = inner.warnings
        self._inner = inner
        self._name = name
        self._folder = folder

    @property
    def data_path(self) -> Path:
        return self._inner.info.path

    def batches(self, rows: int = 500_000) -> Iterator[pl.DataFrame]:
        try:
            yield from self._inner.batches(rows)
        except ReadError as exc:
            raise _in_member(exc, self.info.path, self._name) from exc

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            shutil.rmtree(self._folder, ignore_errors=True)


# ---- the rows above the data ------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    tag_row: int | None  # 0-based index of the hashtag row among the head rows
    first_data: int  # 0-based index of the first data row
    columns: list[Column]


def normal_header(text: str) -> str:
    return " ".join(text.split()).casefold()


class _AnyHeader(dict[str, Tag]):
    """A tag map that knows every header: the header row it finds is the row of the first
    ones with most cells filled (``ingest.tagging`` shows these headers to build a real map)."""

    def __contains__(self, key: object) -> bool:
        return True

    def get(self, key: str, default: object = None) -> Tag:  # type: ignore[override]
        return _UNNAMED

    def __bool__(self) -> bool:
        return True


_UNNAMED = Tag("meta", ("header",))
#: Pass as ``tag_map`` to find the header row of an untagged file (every column gets a
#: placeholder tag).
ANY_HEADER: Mapping[str, str] = _AnyHeader()  # type: ignore[assignment]


def _normal_tag_map(path: Path, tag_map: Mapping[str, str] | None) -> dict[str, Tag] | None:
    if tag_map is None:
        return None
    if isinstance(tag_map, _AnyHeader):
        return tag_map
    mapping: dict[str, Tag] = {}
    for header, spec in tag_map.items():
        tag = Tag.parse(str(spec))
        if tag is None:
            said = Message(
                N_("tag map: %(spec)s (for %(header)s) is not a hashtag"),
                {"spec": repr(spec), "header": repr(header)},
            )
            raise ReadError(path, reason=said)
        mapping[normal_header(str(header))] = tag
    return mapping


def _cell(cells: Sequence[str], index: int) -> str | None:
    if index < len(cells):
        text = cells[index].strip()
        return text or None
    return None


def find_layout(path: Path, head: list[list[str]], mapping: dict[str, Tag] | None) -> _Layout:
    """Find the hashtag row (or, failing that, the header row the tag map knows best)."""
    head = head[:HEAD_ROWS]
    for i, cells in enumerate(head):
        if is_tag_row(cells):
            above = head[i - 1] if i > 0 else []
            width = max(len(cells), len(above))
            columns = []
            for j in range(width):
                tag_cell = _cell(cells, j)
                tag = Tag.parse(tag_cell) if tag_cell else None
                header = _cell(above, j)
                if tag is None and mapping and header:
                    tag = mapping.get(normal_header(header))
                columns.append(Column(j, column_letter(j), header, tag))
            return _Layout(i, i + 1, columns)
    if not mapping:
        found = acled_tag_map(head)
        if found is None:
            raise ReadError(path, reason=_NO_TAGS)
        mapping = _normal_tag_map(path, found)
        assert mapping is not None
    best, best_count = -1, 0
    for i, cells in enumerate(head):
        count = sum(1 for c in cells if c.strip() and normal_header(c) in mapping)
        if count > best_count:
            best, best_count = i, count
    if best < 0:
        raise ReadError(
            path,
            reason=Message(
                N_("no HXL hashtag row in the first %(rows)s rows, and no row there has any of "
                   "the headers of the tag map"),
                {"rows": HEAD_ROWS},
            ),
        )  # fmt: skip
    cells = head[best]
    columns = []
    for j in range(len(cells)):
        header = _cell(cells, j)
        tag = mapping.get(normal_header(header)) if header else None
        columns.append(Column(j, column_letter(j), header, tag))
    return _Layout(None, best + 1, columns)


# ---- CSV --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Encoding:
    name: str  # as reported in TableInfo
    codec: str  # Python codec of the text after the byte-order mark
    bom: int  # length of the byte-order mark


_BOMS = (
    (codecs.BOM_UTF8, _Encoding("utf-8-sig", "utf-8", 3)),
    (codecs.BOM_UTF16_LE, _Encoding("utf-16", "utf-16-le", 2)),
    (codecs.BOM_UTF16_BE, _Encoding("utf-16", "utf-16-be", 2)),
)
_ARABIC_WORD = re.compile("[\u0621-\u0652\u067e\u0686\u0698\u06a9\u06af]{2,}")
_LATIN_ACCENT = re.compile("(?<=[A-Za-z])[\u00c0-\u00ff]|[\u00c0-\u00ff](?=[A-Za-z])")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def _detect_encoding(path: Path, head: bytes, encoding: str | None) -> _Encoding:
    if encoding is not None:
        return _given_encoding(path, head, encoding)
    for bom, found in _BOMS:
        if head.startswith(bom):
            return found
    if b"\x00" in head:
        return _utf16_without_bom(path, head)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < _SAMPLE_BYTES)
        return _Encoding("utf-8", "utf-8", 0)
    except UnicodeDecodeError:
        pass
    name = _guess_single_byte(head)
    return _Encoding(name, name, 0)


def _utf16_without_bom(path: Path, head: bytes) -> _Encoding:
    """UTF-16 has the zero bytes of its ASCII characters (delimiters, digits) all on one side."""
    pairs = len(head) // 2
    even, odd = head[0 : 2 * pairs : 2].count(0), head[1 : 2 * pairs : 2].count(0)
    for codec, main, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if main >= 0.05 * pairs and other <= 0.02 * main:
            try:
                codecs.getincrementaldecoder(codec)().decode(head[: 2 * pairs], final=False)
            except UnicodeDecodeError:
                continue
            return _Encoding(codec, codec, 0)
    raise ReadError(path, reason=_BINARY)


def _guess_single_byte(sample: bytes) -> str:
    """Windows-1256 (Arabic) or Latin-1: whichever makes words of the high bytes.

    Arabic text in Windows-1256 is runs of letters between spaces and punctuation; Latin text with
    accents has its accented letters next to plain ASCII letters ("Müller", "Zôr").
    """
    arabic = sum(len(m) for m in _ARABIC_WORD.findall(sample.decode("cp1256")))
    latin = len(_LATIN_ACCENT.findall(sample.decode("latin-1")))
    if arabic > latin:
        return "cp1256"
    if re.search(b"[\x80-\x9f]", sample):
        try:
            sample.decode("cp1252")
            return "cp1252"  # Windows "ANSI": curly quotes and dashes where Latin-1 has controls
        except UnicodeDecodeError:
            pass
    return "latin-1"


def _not_decoded(name: str, why: str) -> Message:
    """A file its encoding does not read: which encoding, what the decoder said."""
    return Message(
        N_("cannot be read as %(encoding)s (%(why)s); pass the right encoding"),
        {"encoding": name, "why": why},
    )


def _given_encoding(path: Path, head: bytes, encoding: str) -> _Encoding:
    try:
        codec = codecs.lookup(encoding).name
    except LookupError as exc:
        raise ReadError(
            path, reason=Message(N_("unknown encoding %(encoding)s"), {"encoding": repr(encoding)})
        ) from exc
    if codec in ("utf-8", "utf-8-sig"):
        return _BOMS[0][1] if head.startswith(codecs.BOM_UTF8) else _Encoding("utf-8", "utf-8", 0)
    if codec == "utf-16":
        for bom, found in _BOMS[1:]:
            if head.startswith(bom):
                return found
        return _Encoding("utf-16", "utf-16-le", 0)
    names = {"iso8859-1": "latin-1", "iso8859-6": "iso-8859-6"}
    return _Encoding(names.get(codec, codec), codec, 0)


def _decode_sample(path: Path, head: bytes, enc: _Encoding) -> str:
    try:
        decoder = codecs.getincrementaldecoder(enc.codec)()
        text: str = decoder.decode(head[enc.bom :], final=len(head) < _SAMPLE_BYTES)
    except UnicodeDecodeError as exc:
        raise ReadError(path, reason=_not_decoded(enc.name, exc.reason)) from exc
    if "\x00" in text or len(_CONTROL.findall(text[:65536])) > 0.01 * min(len(text), 65536):
        raise ReadError(path, reason=_BINARY)
    return text


def _sample_records(text: str, delimiter: str) -> list[list[str]]:
    try:
        return list(itertools.islice(csv.reader(io.StringIO(text), delimiter=delimiter), HEAD_ROWS))
    except csv.Error:
        return []


def _guess_delimiter(text: str, mapping: dict[str, Tag] | None) -> str:
    """The delimiter under which the hashtag row splits into most tags (else: most columns)."""
    best, best_score = DELIMITERS[0], (-1, -1, -1)
    for delimiter in DELIMITERS:
        records = _sample_records(text, delimiter)
        tags = max(
            (sum(1 for c in r if Tag.parse(c) is not None) for r in records if is_tag_row(r)),
            default=0,
        )
        mapped = 0
        if mapping:
            mapped = max(
                (sum(1 for c in r if c.strip() and normal_header(c) in mapping) for r in records),
                default=0,
            )
        widths = sorted(len(r) for r in records if any(c.strip() for c in r))
        width = widths[len(widths) // 2] if widths else 0
        score = (tags, mapped, width if width > 1 else 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _head_records(
    path: Path, enc: _Encoding, delimiter: str, newline: str = "\n"
) -> tuple[list[list[str]], list[int]]:
    """The first records of a CSV file and the byte offset just after each of them."""
    consumed = enc.bom

    def lines() -> Generator[str, None, None]:
        nonlocal consumed
        decoder = codecs.getincrementaldecoder(enc.codec)()
        pending = ""
        with path.open("rb") as fh:
            fh.seek(enc.bom)
            while True:
                chunk = fh.read(1 << 16)
                pending += decoder.decode(chunk, final=not chunk)
                *complete, pending = pending.split(newline)
                for text in complete:
                    line = text + newline
                    consumed += len(line.encode(enc.codec))
                    yield line
                if not chunk or consumed - enc.bom > _HEAD_MAX_BYTES:
                    break
        if pending:
            consumed += len(pending.encode(enc.codec))
            yield pending

    records: list[list[str]] = []
    offsets: list[int] = []
    source = lines()
    try:
        for record in csv.reader(source, delimiter=delimiter):
            records.append(record)
            offsets.append(consumed)
            if len(records) == HEAD_ROWS:
                break
    except UnicodeDecodeError as exc:
        raise ReadError(
            path,
            row=len(records) + 1,
            reason=_not_decoded(enc.name, exc.reason),
        ) from exc
    except csv.Error as exc:
        raise ReadError(
            path,
            row=len(records) + 1,
            reason=Message(N_("not a readable CSV row: %(why)s"), {"why": str(exc)}),
        ) from exc
    finally:
        source.close()
    return records, offsets


def _open_csv(
    path: Path,
    head: bytes,
    mapping: dict[str, Tag] | None,
    encoding: str | None,
    delimiter: str | None,
) -> _CsvTable:
    enc = _detect_encoding(path, head, encoding)
    text = _decode_sample(path, head, enc)
    if not text.strip():
        raise ReadError(path, reason=Message(N_("the file has no rows")))
    if delimiter is None:
        delimiter = _guess_delimiter(text, mapping)
    # old Mac files end lines with a lone carriage return
    crlf = text.count("\r\n")
    newline = "\r" if text.count("\r") - crlf > text.count("\n") else "\n"
    records, offsets = _head_records(path, enc, delimiter, newline)
    layout = find_layout(path, records, mapping)
    offset = offsets[layout.first_data - 1]
    info = TableInfo(
        path=path,
        format="csv",
        encoding=enc.name,
        delimiter=delimiter,
        sheet=None,
        tag_row=None if layout.tag_row is None else layout.tag_row + 1,
        first_data_row=layout.first_data + 1,
    )
    return _CsvTable(info, layout.columns, enc, offset, _data_width(records[layout.first_data :]))


def _data_width(records: list[list[str]]) -> int | None:
    """The most common number of cells of the first data rows (None if there are none)."""
    widths = Counter(len(r) for r in records if any(c.strip() for c in r))
    return widths.most_common(1)[0][0] if widths else None


class _CsvTable(Table):
    def __init__(
        self,
        info: TableInfo,
        columns: list[Column],
        enc: _Encoding,
        offset: int,
        data_width: int | None,
    ) -> None:
        super().__init__(info, columns)
        self._enc = enc
        self._offset = offset
        # pyarrow reads rows of one width and hands the others to Python, one by one; so it reads
        # the width most data rows have, even when the hashtag row is shorter or longer
        width = len(columns)
        self._parse_names = [f"c{i}" for i in range(width)]
        if data_width is not None and data_width < width:
            self._parse_names = self._parse_names[:data_width]
        elif data_width is not None and data_width > width:
            self._parse_names += [f"_extra{i}" for i in range(width, data_width)]

    def batches(self, rows: int = 500_000) -> Iterator[pl.DataFrame]:
        if rows < 1:
            raise ValueError("rows must be at least 1")
        path = self.info.path
        if self._offset >= path.stat().st_size:
            return
        invalid: list[tuple[int, str]] = []  # (record number, text) of rows of another width
        numbering = _Numbering(invalid)
        with path.open("rb") as fh:
            fh.seek(self._offset)
            try:
                reader = pacsv.open_csv(fh, *self._arrow_options(invalid))
            except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
                raise self._arrow_error(exc, numbering.next_record) from exc
            raw: list[pa.RecordBatch] = []  # read, not yet cleaned
            raw_rows = 0
            group = min(rows, _CLEAN_ROWS)
            frames: list[pl.DataFrame] = []  # cleaned, not yet given out
            pending_rows = 0
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
                    raise self._arrow_error(exc, numbering.next_record + raw_rows) from exc
                raw.append(batch)
                raw_rows += batch.num_rows
                if raw_rows < group:
                    continue
                frame = self._frame(pa.Table.from_batches(raw), numbering, last=False)
                raw, raw_rows = [], 0
                if frame.height:
                    frames.append(frame)
                    pending_rows += frame.height
                while pending_rows >= rows:
                    block = pl.concat(frames)
                    yield block.slice(0, rows)
                    frames = [block.slice(rows)]
                    pending_rows -= rows
            rest = pa.Table.from_batches(raw, schema=reader.schema)
            frames.append(self._frame(rest, numbering, last=True))
            yield from _in_slices(pl.concat(frames), rows)

    def _arrow_options(
        self, invalid: list[tuple[int, str]]
    ) -> tuple[pacsv.ReadOptions, pacsv.ParseOptions, pacsv.ConvertOptions]:
        """How pyarrow reads the file: every cell as text, and the rows of another width kept
        aside in ``invalid`` (record number, text)."""
        names = self._parse_names

        def keep_invalid(row: Any) -> str:
            invalid.append((row.number, row.text))
            return "skip"

        read_options = pacsv.ReadOptions(
            use_threads=False,  # keeps the record numbers of invalid rows, which we need
            block_size=_BLOCK_BYTES,
            column_names=names,
            encoding="utf8" if self._enc.codec == "utf-8" else self._enc.codec,
        )
        parse_options = pacsv.ParseOptions(
            delimiter=self.info.delimiter or ",",
            newlines_in_values=True,
            ignore_empty_lines=False,  # an empty line is a row: it keeps the numbering right
            invalid_row_handler=keep_invalid,
        )
        convert_options = pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=False
        )
        return read_options, parse_options, convert_options

    def _frame(self, table: pa.Table, numbering: _Numbering, last: bool) -> pl.DataFrame:
        names = self.names
        numbers, odd = numbering.assign(table.num_rows, last)
        first = self.info.first_data_row - 1
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        frame = frame.select(
            *[pl.col(n) if n in frame.columns else pl.lit(None, pl.Utf8).alias(n) for n in names],
            (numbers + first).alias("_row"),
        )
        if odd:
            delimiter = self.info.delimiter or ","
            fixed = [_fit(_split_row(text, delimiter), len(names)) for _, text in odd]
            extra = pl.DataFrame(
                {n: [r[i] for r in fixed] for i, n in enumerate(names)}
                | {"_row": [number + first for number, _ in odd]},
                schema={n: pl.Utf8 for n in names} | {"_row": pl.Int64},
            )
            frame = pl.concat([frame, extra]).sort("_row")
        return _clean(frame, names)

    def _arrow_error(self, exc: Exception, record: int) -> ReadError:
        row = self.info.first_data_row + record - 1
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "UTF8" in message or isinstance(exc, UnicodeDecodeError):
            reason = Message(
                N_("not %(encoding)s text; pass the file's encoding (for example cp1256 or "
                   "latin-1)"),
                {"encoding": self._enc.name},
            )  # fmt: skip
            if self._enc.codec == "utf-8":
                found = _locate_bad_text(self.info.path, self._offset, self.info.delimiter or ",")
                if found is not None:
                    records, value = found
                    return ReadError(
                        self.info.path, self.info.first_data_row + records, None, value, reason
                    )
            said = Message(N_("at or after this row: %(reason)s"), {"reason": reason})
            return ReadError(self.info.path, row=row, reason=said)
        said = Message(N_("cannot read the CSV: %(why)s"), {"why": message})
        return ReadError(self.info.path, row=row, reason=said)


def _locate_bad_text(path: Path, offset: int, delimiter: str) -> tuple[int, str] | None:
    """(records before the line, the line) of the first line that is not UTF-8, if any.

    Runs only on the error path: it reads the file line by line in Python.
    """
    stop = False
    bad_line = b""

    def lines() -> Iterator[str]:
        nonlocal stop, bad_line
        with path.open("rb") as fh:
            fh.seek(offset)
            for raw in fh:
                try:
                    yield raw.decode("utf-8")
                except UnicodeDecodeError:
                    stop, bad_line = True, raw
                    return

    records = 0
    try:
        for _ in csv.reader(lines(), delimiter=delimiter):
            if stop:
                break
            records += 1
    except csv.Error:
        return None
    if not stop:
        return None
    text = bad_line.decode("utf-8", errors="replace").strip()
    return records, text if len(text) <= 80 else text[:77] + "..."


class _Numbering:
    """Record numbers of the rows pyarrow returns, given those it handed to the invalid-row
    handler (rows of another width), which are numbered but missing from its batches."""

    def __init__(self, invalid: list[tuple[int, str]]) -> None:
        self.invalid = invalid
        self.next_record = 1  # 1-based record number, counted from the first data row
        self._done = 0  # invalid rows already placed

    def assign(self, count: int, last: bool) -> tuple[pl.Series, list[tuple[int, str]]]:
        start = self.next_record
        todo = self.invalid[self._done :]
        extra = 0
        if last:
            extra = len(todo)
        else:
            while extra < len(todo) and todo[extra][0] < start + count + extra:
                extra += 1
        span = pl.int_range(start, start + count + extra, dtype=pl.Int64, eager=True)
        odd = todo[:extra]
        if odd:
            span = span.filter(~span.is_in([n for n, _ in odd]))
            span = span[:count]
        self._done += extra
        self.next_record = start + count + extra
        return span, odd


def _split_row(text: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    except csv.Error:
        return [text]


def _fit(cells: Sequence[str | None], width: int) -> list[str | None]:
    fitted: list[str | None] = list(cells[:width])
    fitted.extend([None] * (width - len(fitted)))
    return fitted


def _clean(frame: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """Strip cells, make empty ones null, and drop the rows left without a value."""
    frame = frame.with_columns(pl.col(names).str.strip_chars())
    frame = frame.with_columns(pl.when(pl.col(names) != "").then(pl.col(names)).name.keep())
    return frame.filter(pl.any_horizontal(pl.col(names).is_not_null()))


# ---- spreadsheets -----------------------------------------------------------------------------

_DECIMAL = {"en": ".", "ar": ".", "de": ",", "fr": ","}
_CALAMINE_ERRORS = (python_calamine.CalamineError, OSError, ValueError)


def render_cell(value: object, locale: str = "en") -> str | None:
    """A spreadsheet cell as text: numbers in the locale's notation without grouping (``600000``,
    ``13.5`` or ``13,5``; never an exponent), dates ISO, booleans ``true``/``false``.

    A fraction with exactly three decimals gets a trailing zero (``1.2340``), so that the
    number parser never takes a typed number for an ambiguous one.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _render_float(value, _DECIMAL.get(locale, "."))
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, timedelta):
        return str(value)
    return str(value).strip() or None


def _render_float(value: float, decimal: str) -> str:
    if not math.isfinite(value):
        return repr(value)
    if value.is_integer():
        return str(int(value))
    text = format(Decimal(repr(value)), "f")
    whole, _, fraction = text.partition(".")
    if len(fraction) == 3 and re.fullmatch(r"-?[1-9][0-9]{0,2}", whole):
        fraction += "0"
    return whole + decimal + fraction


def _open_sheet(
    path: Path, kind: str, sheet: str | None, mapping: dict[str, Tag] | None, locale: str
) -> _SheetTable:
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except _CALAMINE_ERRORS as exc:
        said = Message(
            N_("a damaged %(kind)s file: %(why)s"), {"kind": kind.upper(), "why": str(exc)}
        )
        raise ReadError(path, reason=said) from exc
    try:
        names = list(workbook.sheet_names)
        if not names:
            raise ReadError(path, reason=Message(N_("the workbook has no sheets")))
        if sheet is None and len(names) > 1:
            table, layout = _sheet_with_tags(path, kind, workbook, names, mapping, locale)
            sheet = table.sheet
        else:
            if sheet is None:
                sheet = names[0]
            elif sheet not in names:
                listed = ", ".join(repr(n) for n in names)
                raise ReadError(
                    path,
                    reason=Message(
                        N_("no sheet %(sheet)s; the sheets are %(sheets)s"),
                        {"sheet": repr(sheet), "sheets": listed},
                    ),
                )
            table = _SheetTable(path, kind, workbook, sheet, locale)
            layout = find_layout(path, table.head(), mapping)
    except ReadError:
        workbook.close()
        raise
    except _CALAMINE_ERRORS as exc:
        workbook.close()
        said = Message(
            N_("cannot read sheet %(sheet)s: %(why)s"), {"sheet": repr(sheet), "why": str(exc)}
        )
        raise ReadError(path, reason=said) from exc
    table.info = TableInfo(
        path=path,
        format=kind,
        encoding=None,
        delimiter=None,
        sheet=sheet,
        tag_row=None if layout.tag_row is None else layout.tag_row + 1,
        first_data_row=layout.first_data + 1,
    )
    table.columns = layout.columns
    return table


def _sheet_with_tags(
    path: Path,
    kind: str,
    workbook: python_calamine.CalamineWorkbook,
    names: list[str],
    mapping: dict[str, Tag] | None,
    locale: str,
) -> tuple[_SheetTable, _Layout]:
    """The sheet of a workbook that carries the hashtags, when no sheet is named.

    The one sheet with an HXL hashtag row in its first rows; without such a sheet, the one sheet
    whose headers are a known export's (ACLED). With a tag map: the first sheet when it has a
    hashtag row or a header row the map names (the default it always had), else the one sheet
    that has. Several such sheets, or none, are refused with the sheets listed, so that the import
    never reads a sheet by guess.
    """
    tagged: list[tuple[_SheetTable, _Layout]] = []
    mapped: list[tuple[_SheetTable, _Layout]] = []
    for name in names:
        table = _SheetTable(path, kind, workbook, name, locale)
        try:
            layout = find_layout(path, table.head(), mapping)
        except ReadError:
            continue
        (tagged if layout.tag_row is not None else mapped).append((table, layout))
        if len(tagged) + len(mapped) > 1:
            table.unload()  # only the sheet that is read stays in memory
    pool = tagged + mapped if mapping else tagged or mapped
    if len(pool) == 1:
        return pool[0]
    first = [found for found in pool if found[0].sheet == names[0]]
    if mapping and first:
        return first[0]  # a tag map is for the first sheet unless --sheet says otherwise
    listed = ", ".join(repr(n) for n in names)
    if pool:
        what = Message(
            N_("hashtags or headers the tag map names")
            if mapping
            else N_("an HXL hashtag row")
            if tagged
            else N_("the columns of a known export (ACLED)")
        )
        several: Message | None = None
        for table, layout in pool:
            one = Message(
                N_("%(sheet)s (%(tags)s)"),
                {"sheet": repr(table.sheet), "tags": _few_tags(layout.columns)},
            )
            several = one if several is None else Message(
                N_("%(first)s; %(then)s"), {"first": several, "then": one}
            )
        raise ReadError(
            path,
            reason=Message.count(
                Np_("%(num)s sheet has %(what)s: %(sheets)s; choose one with --sheet NAME",
                    "%(num)s sheets have %(what)s: %(sheets)s; choose one with --sheet NAME"),
                len(pool),
                what=what,
                sheets=several,
            ),
        )  # fmt: skip
    if mapping:
        reason = Message(
            N_("no sheet has an HXL hashtag row or a header the tag map names in its first "
               "%(rows)s rows; the sheets are %(sheets)s"),
            {"rows": HEAD_ROWS, "sheets": listed},
        )  # fmt: skip
    else:
        reason = Message(
            N_("no sheet has an HXL hashtag row in its first %(rows)s rows; tag the sheet or "
               "pass --tags map.yml (and --sheet NAME); the sheets are %(sheets)s"),
            {"rows": HEAD_ROWS, "sheets": listed},
        )  # fmt: skip
    raise ReadError(path, reason=reason)


def _few_tags(columns: list[Column], most: int = 4) -> Message | str:
    return few_tags([str(c.tag) for c in columns if c.tag is not None], most)


def few_tags(tags: list[str], most: int = 4) -> Message | str:
    """Hashtags for a reason: all of them when few, else the first ``most`` and how many."""
    if len(tags) <= most:
        return ", ".join(tags)
    return Message.count(
        Np_("%(tags)s, ... (%(num)s tag)", "%(tags)s, ... (%(num)s tags)"),
        len(tags),
        tags=", ".join(tags[:most]),
    )


class _SheetTable(Table):
    def __init__(
        self,
        path: Path,
        kind: str,
        workbook: python_calamine.CalamineWorkbook,
        sheet: str,
        locale: str,
    ) -> None:
        super().__init__(TableInfo(path, kind, None, None, sheet, None, 1), [])
        self._workbook = workbook
        self._sheet = sheet
        self._locale = locale
        self._loaded: python_calamine.CalamineSheet | None = None

    @property
    def sheet(self) -> str:
        return self._sheet

    def unload(self) -> None:
        """Forget the sheet's cells (read again when needed)."""
        self._loaded = None

    def head(self) -> list[list[str]]:
        """The first ``HEAD_ROWS`` rows, empty cells as ``""``: where the hashtags are."""
        return [[c or "" for c in cells] for _, cells in itertools.islice(self.rows(), HEAD_ROWS)]

    def rows(self) -> Iterator[tuple[int, list[str | None]]]:
        """(1-based row number, cells from column A) for every row of the sheet."""
        if self._loaded is None:
            self._loaded = self._workbook.get_sheet_by_name(self._sheet)
        sheet = self._loaded
        end = sheet.end
        if end is None:
            return
        width = end[1] + 1
        locale = self._locale
        # calamine numbers rows from the top of the sheet but columns from the first used one
        for i, raw in enumerate(sheet.iter_rows()):
            cells: list[str | None] = [None] * (width - len(raw))
            cells.extend(render_cell(v, locale) for v in raw)
            yield i + 1, cells

    def batches(self, rows: int = 500_000) -> Iterator[pl.DataFrame]:
        if rows < 1:
            raise ValueError("rows must be at least 1")
        names = self.names
        width = len(names)
        schema = {n: pl.Utf8 for n in names} | {"_row": pl.Int64}
        first = self.info.first_data_row
        block: list[list[str | None]] = []
        numbers: list[int] = []
        try:
            for number, cells in self.rows():
                if number < first:
                    continue
                fitted = _fit(cells, width)
                if all(c is None for c in fitted):
                    continue
                block.append(fitted)
                numbers.append(number)
                if len(block) >= rows:
                    yield _sheet_frame(block, numbers, names, schema)
                    block, numbers = [], []
        except _CALAMINE_ERRORS as exc:
            reason = f"cannot read sheet {self._sheet!r}: {exc}"
            raise ReadError(self.info.path, reason=reason) from exc
        if block:
            yield _sheet_frame(block, numbers, names, schema)

    def close(self) -> None:
        self._workbook.close()


def _sheet_frame(
    block: list[list[str | None]], numbers: list[int], names: list[str], schema: dict[str, Any]
) -> pl.DataFrame:
    data: dict[str, list[Any]] = {n: [r[i] for r in block] for i, n in enumerate(names)}
    data["_row"] = numbers
    return pl.DataFrame(data, schema=schema)


def _in_slices(block: pl.DataFrame, rows: int) -> Iterator[pl.DataFrame]:
    """``block`` in frames of ``rows`` rows, the last one shorter; none when it is empty."""
    while block.height > rows:
        yield block.slice(0, rows)
        block = block.slice(rows)
    if block.height:
        yield block
