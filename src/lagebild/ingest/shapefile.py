"""An ESRI shapefile as a table: one row per feature, one column per attribute, and its geometry.

``lagebild import x.shp`` reads ``x.shp`` with the ``.dbf`` (attributes), ``.shx``, ``.prj``
(coordinate system) and ``.cpg`` (text encoding) beside it, or a ZIP archive holding one
shapefile. Each feature is a row, numbered from 1 as the features come; each attribute a column
(header: the field name); a last column ``geometry`` holds the shape as GeoJSON text, tagged
``#geo+json``, exactly as a GeoJSON gazetteer has it (:mod:`lagebild.ingest.geojson`).

Columns are tagged by their field name when it is a hashtag, else by the tag map, else (without a
tag map) by the field names of OCHA's COD-AB shapefiles (:func:`cod_tag`): ``ADM3_PCODE`` is
``#adm3+code``, ``ADM3_EN`` ``#adm3+name+i_en``, ``ADM3_AR`` ``#adm3+name+i_ar``, ``validOn``
``#date+valid_on``, ``validTo`` ``#date+valid_to`` (``ADM0_*`` the country).

Coordinates must be WGS 84 longitude/latitude: a ``.prj`` that names a projected or another
geographic system is refused with its name; without a ``.prj`` the coordinates are taken as
WGS 84 and the import says so. The ``.cpg`` names the encoding of the attributes (``UTF-8``,
``1256``, ``ANSI 1252``, ...); without one, UTF-8. Bytes that do not decode are read as U+FFFD
and each is a warning naming the feature and field; ``--encoding`` overrides the ``.cpg``.
"""

from __future__ import annotations

import codecs
import io
import json
import re
import struct
import zipfile
from pathlib import Path
from typing import Any

import shapefile as pyshp

from lagebild.ingest.geojson import GEOMETRY_HEADER, GEOMETRY_TAG, GeoJsonTable
from lagebild.ingest.read import (
    Column,
    ReadError,
    ReadWarning,
    Table,
    TableInfo,
    column_letter,
    normal_header,
    register_reader,
    render_cell,
)
from lagebild.ingest.tags import Tag
from lagebild.messages import N_, Message

SHP_MAGIC = b"\x00\x00\x27\x0a"  # file code 9994, big-endian
_COD_FIELD = re.compile(r"^adm([0-5])_(en|ar|pcode)$", re.IGNORECASE)
_COD_DATES = {"validon": "#date+valid_on", "validto": "#date+valid_to"}
_WGS84 = re.compile(r"wgs[ _]?(19)?84|epsg[\"',:\s]*4326|crs84", re.IGNORECASE)
_REPLACEMENT = "\ufffd"
_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def cod_tag(field: str) -> Tag | None:
    """The hashtag of a field of an OCHA COD-AB shapefile or GeoJSON (``ADM2_PCODE``, ...)."""
    found = _COD_FIELD.match(field.strip())
    if found:
        level, what = int(found.group(1)), found.group(2).lower()
        prefix = "#country" if level == 0 else f"#adm{level}"
        suffix = {"en": "+name+i_en", "ar": "+name+i_ar", "pcode": "+code"}[what]
        return Tag.parse(prefix + suffix)
    spec = _COD_DATES.get(field.strip().lower())
    return Tag.parse(spec) if spec else None


def open_shapefile(
    path: Path,
    mapping: dict[str, Tag] | None,
    encoding: str | None = None,
    locale: str = "en",
) -> GeoJsonTable:
    """Read a shapefile (or a ZIP of one) as a table; raises :class:`ReadError` otherwise."""
    parts = _parts(path)
    warnings: list[ReadWarning] = []
    _check_prj(path, parts.get(".prj"), warnings)
    codec = _codec(path, encoding, parts.get(".cpg"))
    if ".dbf" not in parts:
        raise ReadError(
            path, reason=Message(N_("a shapefile needs its .dbf (the attributes) beside it"))
        )
    try:
        reader = pyshp.Reader(
            shp=io.BytesIO(parts[".shp"]),
            dbf=io.BytesIO(parts[".dbf"]),
            shx=io.BytesIO(parts[".shx"]) if ".shx" in parts else None,
            encoding=codec,
            encodingErrors="replace",
        )
    except (pyshp.ShapefileException, OSError, ValueError, EOFError) as exc:
        raise ReadError(path, reason=Message(
            N_("not a readable shapefile: %(detail)s"), {"detail": str(exc)}
        )) from exc
    with reader:
        fields = [f.name for f in reader.fields if f.name != "DeletionFlag"]
        columns = [
            Column(j, column_letter(j), name, _tag(name, mapping)) for j, name in enumerate(fields)
        ]
        columns.append(
            Column(len(columns), column_letter(len(columns)), GEOMETRY_HEADER, GEOMETRY_TAG)
        )
        if not any(c.tag is not None for c in columns[:-1]):
            raise ReadError(
                path,
                reason=Message(
                    N_("no attribute is named as an HXL hashtag or as in OCHA's COD shapefiles; "
                       "tag them with --tags map.yml (field name: hashtag); the fields: "
                       "%(fields)s"),
                    {"fields": ", ".join(fields) or Message(N_("none"))},
                ),
            )  # fmt: skip
        rows: list[list[str | None]] = []
        try:
            for number, item in enumerate(reader.iterShapeRecords(), start=1):
                values = list(item.record)
                row = [render_cell(v, locale) for v in values]
                for name, value in zip(fields, row, strict=True):
                    if value is not None and _REPLACEMENT in value:
                        warnings.append(_bad_text(number, name, value, codec, columns))
                row.append(_geometry(path, number, item.shape))
                rows.append(row)
        except ReadError:  # a malformed shape, said as such (a ReadError is a ValueError too)
            raise
        except (pyshp.ShapefileException, ValueError, EOFError, struct.error) as exc:
            raise ReadError(path, row=len(rows) + 1, reason=Message(
                N_("a damaged shapefile: %(detail)s"), {"detail": str(exc)}
            )) from exc
    if not rows:
        raise ReadError(path, reason=Message(N_("the shapefile has no features")))
    info = TableInfo(
        path=path,
        format="shapefile",
        encoding=codec,
        delimiter=None,
        sheet=None,
        tag_row=None,
        first_data_row=1,
    )
    table = GeoJsonTable(info, columns, rows)
    table.warnings.extend(warnings)
    return table


def _parts(path: Path) -> dict[str, bytes]:
    """The bytes of the shapefile's parts, by suffix, from beside it or from its ZIP archive."""
    try:
        if zipfile.is_zipfile(path):
            return _zip_parts(path)
        parts = {}
        for suffix in _PARTS:
            sibling = _sibling(path, suffix)
            if sibling is not None:
                parts[suffix] = sibling.read_bytes()
    except OSError as exc:
        raise ReadError(path, reason=f"cannot read the shapefile: {exc.strerror or exc}") from exc
    if ".shp" not in parts:
        raise ReadError(path, reason=Message(N_("no .shp file")))
    return parts


def _sibling(path: Path, suffix: str) -> Path | None:
    """``x.dbf`` beside ``x.shp``, in whichever case the file system has it."""
    for candidate in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
        if candidate.is_file():
            return candidate
    return None


def _zip_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        shps = [n for n in names if n.lower().endswith(".shp")]
        if len(shps) != 1:
            listed = ", ".join(shps) or "none"
            raise ReadError(
                path,
                reason=Message(
                    N_("a ZIP archive must hold exactly one shapefile; .shp files: %(files)s"),
                    {"files": listed},
                ),
            )
        stem = shps[0][:-4].lower()
        parts = {}
        for name in names:
            base, dot, suffix = name.rpartition(".")
            if dot and base.lower() == stem and f".{suffix.lower()}" in _PARTS:
                parts[f".{suffix.lower()}"] = archive.read(name)
        return parts


def _check_prj(path: Path, prj: bytes | None, warnings: list[ReadWarning]) -> None:
    if prj is None:
        warnings.append(
            ReadWarning("no-prj")
        )
        return
    text = prj.decode("utf-8", errors="replace").strip()
    name_match = re.match(r'\s*([A-Z0-9_]+)\s*\[\s*"([^"]*)"', text)
    kind, name = (name_match.group(1).upper(), name_match.group(2)) if name_match else ("", text)
    projected = kind in ("PROJCS", "PROJCRS", "PROJECTEDCRS")
    geographic = kind in ("GEOGCS", "GEOGCRS", "GEODCRS", "GEOGRAPHICCRS")
    if projected or not geographic or not _WGS84.search(text):
        shown = name if len(name) <= 80 else name[:77] + "..."
        raise ReadError(
            path,
            reason=f"the coordinates are in {shown or 'an unnamed coordinate system'} (.prj); "
            "lagebild reads WGS 84 longitude/latitude (EPSG:4326): reproject the shapefile "
            "first, e.g. ogr2ogr -t_srs EPSG:4326 out.shp in.shp",
        )


def _codec(path: Path, encoding: str | None, cpg: bytes | None) -> str:
    """The Python codec of the attributes: ``--encoding``, else the .cpg, else UTF-8."""
    given = encoding
    if given is None and cpg is not None:
        given = cpg.decode("ascii", errors="replace").strip()
        given = re.sub(r"^(ansi|cp|windows-?)\s*", "cp", given, flags=re.IGNORECASE)
        if re.fullmatch(r"\d{3,5}", given):
            given = f"cp{given}"
        if given.lower() in ("88591", "8859-1"):
            given = "latin-1"
    if not given:
        return "utf-8"
    try:
        return codecs.lookup(given).name
    except LookupError as exc:
        where = "--encoding" if encoding else "the .cpg file"
        raise ReadError(path, reason=f"unknown encoding {given!r} in {where}") from exc


def _tag(field: str, mapping: dict[str, Tag] | None) -> Tag | None:
    if field.strip().startswith("#"):
        tag = Tag.parse(field)
        if tag is not None:
            return tag
    if mapping is not None:
        return mapping.get(normal_header(field))
    return cod_tag(field)


def _geometry(path: Path, number: int, shape: Any) -> str | None:
    if shape is None or shape.shapeType == pyshp.NULL:
        return None
    try:
        geometry = shape.__geo_interface__
    except Exception as exc:  # noqa: BLE001 - pyshp raises bare Exception for malformed shapes
        reason = f"feature {number}: a malformed shape: {exc}"
        raise ReadError(path, row=number, reason=reason) from exc
    return json.dumps(geometry, ensure_ascii=False, separators=(",", ":"))


def _bad_text(
    number: int, field: str, value: str, codec: str, columns: list[Column]
) -> ReadWarning:
    column = next((c for c in columns if c.header == field), None)
    return ReadWarning(
        "invalid-text", number, column, value, {"number": number, "field": field, "codec": codec}
    )


def _read_shapefile(
    path: Path,
    mapping: dict[str, Tag] | None,
    encoding: str | None,
    locale: str,
    member: str | None,
) -> Table:
    """:func:`open_shapefile` as a reader of ``open_table`` (a shapefile has no members)."""
    return open_shapefile(path, mapping, encoding, locale)


register_reader("shapefile", _read_shapefile)
