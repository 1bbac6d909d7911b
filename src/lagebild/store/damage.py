"""Queries of the war in the picture: damage assessments and the sums of conflict incidents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, select

from lagebild.model.damage import AssessmentRow, IncidentSum
from lagebild.store import schema as t
from lagebild.store.store import Store, required_date


def damage_assessments(
    store: Store, as_of: date | None = None, unit: str | None = None
) -> list[AssessmentRow]:
    """Every damage assessment dated on or before ``as_of`` (all, without it), of one unit or all:
    the rows of each (place, unit, date, source, import), summed."""
    d = t.damage
    query = (
        select(
            d.c.place_id,
            d.c.unit,
            d.c.date,
            d.c.source_id,
            d.c.import_id,
            func.min(d.c.id),
            func.count(),
            func.count(d.c.damage_class),
            func.sum(d.c.destroyed),
            func.sum(d.c.severe),
            func.sum(d.c.moderate),
            func.sum(d.c.possible),
        )
        .group_by(d.c.place_id, d.c.unit, d.c.date, d.c.source_id, d.c.import_id)
        .order_by(d.c.place_id, d.c.unit, d.c.date, d.c.import_id)
    )
    if as_of is not None:
        query = query.where(d.c.date <= as_of)
    if unit is not None:
        query = query.where(d.c.unit == unit)
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        AssessmentRow(
            int(r[0]),
            str(r[1]),
            required_date(r[2]),
            r[3],
            int(r[4]),
            int(r[5]),
            int(r[6]),
            int(r[7]),
            float(r[8] or 0),
            float(r[9] or 0),
            float(r[10] or 0),
            float(r[11] or 0),
        )
        for r in rows
    ]


def damage_units(store: Store) -> list[str]:
    """The units the damage rows count (``buildings``, ``houses``), in order."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.damage.c.unit).distinct()).all()
    return sorted(str(r[0]) for r in rows)


def incident_sums(store: Store, after: date, until: date) -> list[IncidentSum]:
    """Per place (and once for the unplaced events, ``place_id`` None): incidents dated in
    ``(after, until]``, their fatalities (blank counts as none) and the attacks on aid."""
    i = t.incidents
    query = (
        select(
            i.c.place_id,
            func.count(),
            func.coalesce(func.sum(i.c.fatalities), 0),
            func.coalesce(func.sum(case((i.c.attack_on_aid, 1), else_=0)), 0),
        )
        .where(and_(i.c.date > after, i.c.date <= until))
        .group_by(i.c.place_id)
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [IncidentSum(r[0], int(r[1]), int(r[2]), int(r[3])) for r in rows]


def damage_rows(
    store: Store,
    as_of: date | None = None,
    place_ids: Sequence[int] | None = None,
    unit: str | None = None,
) -> list[dict[str, Any]]:
    """Every damage row as stored (a point with its class, or counts of a place), dated on or
    before ``as_of``, in the places given (None: all), of one unit or all: with its place's
    P-code, its source, file and row. In order of date, P-code and row."""
    d, p, s, i = t.damage, t.places, t.sources, t.imports
    query = (
        select(
            p.c.pcode, d.c.site, d.c.date, d.c.unit, d.c.damage_class, d.c.destroyed,
            d.c.severe, d.c.moderate, d.c.possible, d.c.lat, d.c.lon,
            s.c.name.label("source"), i.c.file_name, d.c.row_number,
        )
        .join(p, p.c.id == d.c.place_id)
        .join(i, i.c.id == d.c.import_id)
        .outerjoin(s, s.c.id == d.c.source_id)
        .order_by(d.c.date, p.c.pcode, d.c.import_id, d.c.row_number, d.c.id)
    )  # fmt: skip
    if as_of is not None:
        query = query.where(d.c.date <= as_of)
    if place_ids is not None:
        query = query.where(d.c.place_id.in_(list(place_ids)))
    if unit is not None:
        query = query.where(d.c.unit == unit)
    with store.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    out = []
    for row in rows:
        item = dict(row)
        item["date"] = required_date(item["date"]).isoformat()
        point = item["damage_class"] is not None
        for name in ("destroyed", "severe", "moderate", "possible"):
            # A point gives its class; its count of one is not written again.
            item[name] = None if point else item[name]
        out.append(item)
    return out
