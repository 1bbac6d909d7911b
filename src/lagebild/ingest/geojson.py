"""A GeoJSON FeatureCollection as a table: one row per feature, one column per property.

Each feature is a row (numbered from 1, as the features come); each property a column whose header
is the property name, tagged by the name itself when it is a hashtag (``"#adm1+code"``) or else by
the tag map (``admin1Pcod: "#adm1+code"``). A last column, ``geometry``, holds the feature's
geometry as JSON text, tagged ``#geo+json``. Property values are text as in a spreadsheet: numbers
in the import's notation (:func:`lagebild.ingest.read.render_cell`).

GeoJSON is UTF-8 (RFC 8259). Bytes that are not UTF-8 (names cut mid-character by an old shapefile
field width) are read as U+FFFD and reported as a warning naming the feature and property.
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from typing import Any

from lagebild.ingest.read import (
    Column,
    MemoryTable,
    ReadError,
    ReadWarning,
    TableInfo,
    column_letter,
    normal_header,
    render_cell,
)
from lagebild.ingest.tags import Tag
from lagebild.messages import N_, Message

GEOMETRY_HEADER = "geometry"
GEOMETRY_TAG = Tag("geo", ("json",))
#: Names of the coordinate reference systems that are WGS 84 longitude/latitude.
WGS84_NAMES = ("crs84", "epsg::4326", "epsg:4326", "wgs84", "wgs 84")
_REPLACEMENT = "\ufffd"


def open_geojson(
    path: Path,
    mapping: dict[str, Tag] | None,
    encoding: str | None = None,
    locale: str = "en",
) -> GeoJsonTable:
    """Read a FeatureCollection; raises :class:`ReadError` for anything else."""
    data, encoding_name, mended = load_json(path, encoding)
    return geojson_table(path, data, encoding_name, mended, mapping, locale)


def geojson_table(
    path: Path,
    data: Any,
    encoding_name: str,
    mended: bool,
    mapping: dict[str, Tag] | None,
    locale: str = "en",
) -> GeoJsonTable:
    """The table of a FeatureCollection already parsed (by :func:`load_json`)."""
    features = _features(path, data)
    keys: dict[str, None] = {}
    for feature in features:
        keys.update(dict.fromkeys(feature["properties"]))
    columns = [Column(j, column_letter(j), key, _tag(key, mapping)) for j, key in enumerate(keys)]
    geometry_tag = (mapping or {}).get(GEOMETRY_HEADER, GEOMETRY_TAG)
    columns.append(Column(len(columns), column_letter(len(columns)), GEOMETRY_HEADER, geometry_tag))
    if not any(c.tag is not None for c in columns[:-1]):
        names = ", ".join(keys) or "none"
        if mapping:
            reason = f"none of the feature properties is in the tag map; the properties: {names}"
        else:
            reason = (
                "no feature property is named as an HXL hashtag; tag them with --tags map.yml "
                f"(property name: hashtag); the properties: {names}"
            )
        raise ReadError(path, reason=reason)
    rows = [
        [_text(feature["properties"].get(key), locale) for key in keys]
        + [_geometry_text(feature["geometry"])]
        for feature in features
    ]
    info = TableInfo(
        path=path,
        format="geojson",
        encoding=encoding_name,
        delimiter=None,
        sheet=None,
        tag_row=None,
        first_data_row=1,
    )
    table = GeoJsonTable(info, columns, rows)
    if mended:
        table.warnings.extend(_mended(features, columns))
    return table


class GeoJsonTable(MemoryTable):
    """A FeatureCollection (or a shapefile's records) as rows, numbered by feature from 1."""


def load_json(path: Path, encoding: str | None) -> tuple[Any, str, bool]:
    """The parsed JSON, the encoding it was read in, and whether bytes had to be replaced
    (invalid UTF-8 is read as U+FFFD; the table reports it)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ReadError(path, reason=Message(
            N_("cannot open the file: %(detail)s"), {"detail": str(exc.strerror or exc)}
        )) from exc
    mended = False
    if encoding is not None:
        try:
            text = raw.decode(codecs.lookup(encoding).name)
        except LookupError as exc:
            raise ReadError(path, reason=f"unknown encoding {encoding!r}") from exc
        except UnicodeDecodeError as exc:
            raise ReadError(path, reason=f"cannot be read as {encoding} ({exc.reason})") from exc
        name = encoding
    else:
        name = "utf-8-sig" if raw.startswith(codecs.BOM_UTF8) else "utf-8"
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("utf-8-sig", errors="replace")
            mended = True
    text = text.removeprefix("\ufeff")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReadError(
            path,
            reason=Message(
                N_("not valid JSON: %(why)s at line %(line)s, column %(column)s"),
                {"why": exc.msg, "line": str(exc.lineno), "column": str(exc.colno)},
            ),
        ) from exc
    return data, name, mended


def _features(path: Path, data: Any) -> list[dict[str, Any]]:
    """The features, each with ``properties`` (a dict) and ``geometry`` (a dict or None)."""
    kind = data.get("type") if isinstance(data, dict) else None
    if kind != "FeatureCollection":
        if isinstance(kind, str):
            said = Message(
                N_("a GeoJSON %(kind)s, not a GeoJSON FeatureCollection"), {"kind": kind}
            )
        else:
            said = Message(N_("JSON, not a GeoJSON FeatureCollection"))
        raise ReadError(path, reason=said)
    _check_crs(path, data.get("crs"))
    features = data.get("features")
    if not isinstance(features, list):
        raise ReadError(
            path, reason=Message(N_("the FeatureCollection has no list of features"))
        )
    if not features:
        raise ReadError(path, reason=Message(N_("the FeatureCollection has no features")))
    out = []
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            said = Message(
                N_("feature %(number)s is not a GeoJSON Feature"), {"number": str(number)}
            )
            raise ReadError(path, row=number, reason=said)
        properties = feature.get("properties") or {}
        geometry = feature.get("geometry")
        if not isinstance(properties, dict):
            said = Message(N_("the properties are not a JSON object"))
            raise ReadError(path, row=number, reason=said)
        if geometry is not None and not isinstance(geometry, dict):
            said = Message(N_("the geometry is not a JSON object"))
            raise ReadError(path, row=number, reason=said)
        out.append({"properties": properties, "geometry": geometry})
    return out


def _check_crs(path: Path, crs: Any) -> None:
    """Old GeoJSON may name its coordinate system; lagebild reads WGS 84 longitude/latitude."""
    if crs is None:
        return
    name = ""
    if isinstance(crs, dict) and isinstance(crs.get("properties"), dict):
        name = str(crs["properties"].get("name") or "")
    if not any(known in name.lower() for known in WGS84_NAMES):
        raise ReadError(
            path,
            reason=Message(
                N_("the coordinates are in %(system)s; lagebild reads WGS 84 longitude/latitude "
                   "(CRS84, EPSG:4326): reproject the file first"),
                {"system": name or Message(N_("an unnamed coordinate system"))},
            ),
        )


def _tag(key: str, mapping: dict[str, Tag] | None) -> Tag | None:
    if key.strip().startswith("#"):
        tag = Tag.parse(key)
        if tag is not None:
            return tag
    return mapping.get(normal_header(key)) if mapping else None


def _text(value: Any, locale: str) -> str | None:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return render_cell(value, locale)


def _geometry_text(geometry: dict[str, Any] | None) -> str | None:
    if geometry is None:
        return None
    return json.dumps(geometry, ensure_ascii=False, separators=(",", ":"))


def _mended(features: list[dict[str, Any]], columns: list[Column]) -> list[ReadWarning]:
    """A warning for each property whose text had invalid UTF-8 (now U+FFFD) in it."""
    by_header = {c.header: c for c in columns}
    found = []
    for number, feature in enumerate(features, start=1):
        for key, value in feature["properties"].items():
            if isinstance(value, str) and _REPLACEMENT in value:
                found.append(
                    ReadWarning(
                        "invalid-utf8/feature",
                        number,
                        by_header.get(key),
                        value,
                        {"number": number, "name": key},
                    )
                )
    if not found:
        found.append(
            ReadWarning("invalid-utf8/outside-properties")
        )
    return found
