"""Places (the gazetteer): reading them, and writing a gazetteer's rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from lagebild.model import Place
from lagebild.store import schema as t
from lagebild.store.store import Store, Writer, optional_date


def all_places(store: Store) -> list[Place]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(
                t.places.c.id,
                t.places.c.pcode,
                t.places.c.level,
                t.places.c.parent_id,
                t.places.c.name_en,
                t.places.c.name_ar,
                t.places.c.lat,
                t.places.c.lon,
                t.places.c.valid_from,
                t.places.c.valid_to,
            ).order_by(t.places.c.level, t.places.c.pcode)
        ).all()
    return [
        Place(
            r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7],
            optional_date(r[8]), optional_date(r[9]),
        )  # fmt: skip
        for r in rows
    ]


def place_geometries(store: Store, level: int | None = None) -> list[tuple[int, str]]:
    """(place id, GeoJSON geometry text) of the places that have a geometry, of one level or
    of all; ordered by place id."""
    p = t.places
    query = select(p.c.id, p.c.geometry).where(p.c.geometry.is_not(None)).order_by(p.c.id)
    if level is not None:
        query = query.where(p.c.level == level)
    with store.engine.connect() as conn:
        return [(int(r[0]), str(r[1])) for r in conn.execute(query)]


#: The files a gazetteer's boundaries come in (``lagebild import``'s readers).
BOUNDARY_FILES = (".geojson", ".json", ".shp", ".zip")


def boundary_sources(store: Store) -> list[str]:
    """The named sources of the gazetteer imports that can carry boundaries (GeoJSON, shapefile),
    in import order: what a map of those boundaries must credit."""
    i, s = t.imports, t.sources
    query = (
        select(s.c.name, i.c.file_name)
        .select_from(i.join(s, i.c.source_id == s.c.id))
        .where(i.c.kind == "places", i.c.status == "committed")
        .order_by(i.c.id)
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    names = [str(r[0]) for r in rows if str(r[1]).lower().endswith(BOUNDARY_FILES)]
    return list(dict.fromkeys(names))


def place_ids(writer: Writer) -> dict[str, int]:
    return {r[0]: r[1] for r in writer.conn.execute(select(t.places.c.pcode, t.places.c.id))}


def upsert_places(writer: Writer, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert new places and fill in what a newer gazetteer row says of known ones.

    Each row has ``pcode``, ``level``, ``parent`` (a P-code or None) and optionally names,
    coordinates, ``geometry`` (GeoJSON geometry text, WGS 84), ``valid_from``, ``valid_to``,
    ``import_id`` and ``row_number``. Rows must come parents first. Returns every P-code's id.
    """
    ids = place_ids(writer)
    fields = ("name_en", "name_ar", "lat", "lon", "geometry", "valid_from", "valid_to")
    by_level: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_level.setdefault(row["level"], []).append(row)
    for level in sorted(by_level):  # parents are in place before their children
        new: list[dict[str, Any]] = []
        for row in by_level[level]:
            values = {k: row[k] for k in fields if row.get(k) is not None}
            parent = row.get("parent")
            parent_id = ids.get(parent) if parent else None
            if row["pcode"] in ids:
                if parent_id is not None:
                    values["parent_id"] = parent_id
                if values:
                    writer.conn.execute(
                        t.places.update()
                        .where(t.places.c.id == ids[row["pcode"]])
                        .values(**values)
                    )
                continue
            new.append(
                {
                    "pcode": row["pcode"],
                    "level": level,
                    "parent_id": parent_id,
                    "import_id": row.get("import_id"),
                    "row_number": row.get("row_number"),
                    **{k: row.get(k) for k in fields},
                }
            )
        if new:
            writer.conn.execute(t.places.insert(), new)
            ids = place_ids(writer)
    return ids
