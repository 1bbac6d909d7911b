"""Evidence in the database: items, their PDQ hashes, matches and status history. All its SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select

from lagebild.model.evidence import EvidenceItem, EvidenceMatch, FrameHash, NewItem, StatusChange
from lagebild.store import schema as t
from lagebild.store.changes import record_change
from lagebild.store.sources import register_source
from lagebild.store.store import Store, StoreError, optional_date


def place_id(store: Store, pcode: str) -> int | None:
    """The id of the place with this P-code (any case), or None."""
    p = t.places
    with store.engine.connect() as conn:
        found = conn.execute(select(p.c.id).where(func.upper(p.c.pcode) == pcode.upper())).scalar()
    return int(found) if found is not None else None


def add_item(
    store: Store,
    item: NewItem,
    hashes: Sequence[tuple[int, FrameHash]],
    matches: Sequence[EvidenceMatch],
    by: str,
) -> int:
    """Register an item with its hashes (each with its variant: 0 for a frame as registered, else
    a cropped view of it), the earlier items it matches and its first status, in one transaction;
    returns its id."""
    skip = ("source", "place_id")
    values = {f.name: getattr(item, f.name) for f in fields(item) if f.name not in skip}
    with store.writer() as writer:
        conn = writer.conn
        source_id = register_source(writer, item.source)
        result = conn.execute(
            t.evidence_items.insert().values(
                **values, source_id=source_id, place_id=item.place_id, status="unverified"
            )
        )
        item_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        if hashes:
            conn.execute(
                t.evidence_hashes.insert(),
                [
                    {
                        "item_id": item_id,
                        "frame": h.frame,
                        "seconds": h.seconds,
                        "pdq": h.pdq,
                        "quality": h.quality,
                        "variant": variant,
                    }
                    for variant, h in hashes
                ],
            )
        if matches:
            conn.execute(
                t.evidence_matches.insert(),
                [
                    {
                        "item_id": item_id,
                        "match_id": m.match_id,
                        "distance": m.distance,
                        "frames": m.frames,
                        "transform": m.transform,
                    }
                    for m in matches
                ],
            )
        conn.execute(
            t.evidence_status.insert().values(
                item_id=item_id,
                status="unverified",
                set_by=by,
                why="registered",
                set_at=item.registered_at,
            )
        )
        record_change(
            writer,
            "add",
            "evidence",
            item_id,
            place_id=item.place_id,
            after={"file": item.file_name, "sha256": item.sha256, "source": item.source},
        )
    return item_id


def all_hashes(store: Store) -> tuple[list[int], list[str], list[int]]:
    """Every stored PDQ hash with its item's id and variant, for the near-duplicate index."""
    h = t.evidence_hashes
    with store.engine.connect() as conn:
        rows = conn.execute(select(h.c.item_id, h.c.pdq, h.c.variant).order_by(h.c.id)).all()
    return [int(r[0]) for r in rows], [str(r[1]) for r in rows], [int(r[2]) for r in rows]


def hashes_of(store: Store, item_id: int, variant: int = 0) -> list[FrameHash]:
    """An item's hashes of one variant (0: its photo or keyframes as registered)."""
    h = t.evidence_hashes
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(h.c.frame, h.c.seconds, h.c.pdq, h.c.quality)
            .where((h.c.item_id == item_id) & (h.c.variant == variant))
            .order_by(h.c.frame)
        ).all()
    return [FrameHash(int(r[0]), float(r[1]), str(r[2]), int(r[3])) for r in rows]


def _items_query() -> Any:
    e, s, p = t.evidence_items, t.sources, t.places
    return (
        select(e, s.c.name.label("source_name"), p.c.pcode, p.c.name_en)
        .select_from(e.outerjoin(s, e.c.source_id == s.c.id).outerjoin(p, e.c.place_id == p.c.id))
        .order_by(e.c.id)
    )


def _item(r: Row[Any]) -> EvidenceItem:
    return EvidenceItem(
        id=r.id,
        sha256=r.sha256,
        kind=r.kind,
        extension=r.extension,
        size=int(r.size),
        file_name=r.file_name,
        stored_path=r.stored_path,
        source=r.source_name,
        pcode=r.pcode,
        place_name=r.name_en,
        claimed_date=optional_date(r.claimed_date),
        claim=r.claim,
        taken_at=r.taken_at,
        lat=r.lat,
        lon=r.lon,
        duration=r.duration,
        width=r.width,
        height=r.height,
        status=r.status,
        registered_at=r.registered_at,
        incident_id=r.incident_id,
    )


def items(
    store: Store, place_id: int | None = None, status: str | None = None
) -> list[EvidenceItem]:
    """Registered items, oldest first, of one place (and not of the places below it) or status."""
    e = t.evidence_items
    query = _items_query()
    if place_id is not None:
        query = query.where(e.c.place_id == place_id)
    if status is not None:
        query = query.where(e.c.status == status)
    with store.engine.connect() as conn:
        return [_item(r) for r in conn.execute(query)]


def item(store: Store, item_id: int) -> EvidenceItem | None:
    with store.engine.connect() as conn:
        row = conn.execute(_items_query().where(t.evidence_items.c.id == item_id)).first()
    return _item(row) if row is not None else None


def items_by_id(store: Store, ids: Sequence[int]) -> dict[int, EvidenceItem]:
    if not ids:
        return {}
    query = _items_query().where(t.evidence_items.c.id.in_(list(ids)))
    with store.engine.connect() as conn:
        return {r.id: _item(r) for r in conn.execute(query)}


def set_status(store: Store, item_id: int, status: str, by: str, why: str, at: datetime) -> None:
    """Give an item a new verification status, keeping who set it, when and why."""
    e = t.evidence_items
    with store.writer() as writer:
        before = writer.conn.execute(
            select(e.c.status, e.c.place_id).where(e.c.id == item_id)
        ).first()
        if before is None:
            raise StoreError(f"no evidence item {item_id}")
        writer.conn.execute(e.update().where(e.c.id == item_id).values(status=status))
        writer.conn.execute(
            t.evidence_status.insert().values(
                item_id=item_id, status=status, set_by=by, why=why, set_at=at
            )
        )
        record_change(
            writer,
            "status",
            "evidence",
            item_id,
            place_id=before.place_id,
            before={"status": before.status},
            after={"status": status, "set_by": by},
            why=why,
        )


def status_history(store: Store, item_id: int) -> list[StatusChange]:
    s = t.evidence_status
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(s.c.item_id, s.c.status, s.c.set_by, s.c.why, s.c.set_at)
            .where(s.c.item_id == item_id)
            .order_by(s.c.id)
        ).all()
    return [StatusChange(int(r[0]), r[1], r[2], r[3], r[4]) for r in rows]


def matches_of(store: Store, item_id: int) -> list[EvidenceMatch]:
    """The earlier items this one matched when it was registered, and the later ones that matched
    it (each pair once, from the later item's side)."""
    m = t.evidence_matches
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(m.c.item_id, m.c.match_id, m.c.distance, m.c.frames, m.c.transform)
            .where((m.c.item_id == item_id) | (m.c.match_id == item_id))
            .order_by(m.c.id)
        ).all()
    return [EvidenceMatch(int(r[0]), int(r[1]), int(r[2]), int(r[3]), r[4]) for r in rows]


def _filtered(
    query: Any, place_ids: Sequence[int] | None, status: str | None, source: str | None
) -> Any:
    e, s = t.evidence_items, t.sources
    if place_ids is not None:
        query = query.where(e.c.place_id.in_(list(place_ids)))
    if status is not None:
        query = query.where(e.c.status == status)
    if source is not None:
        query = query.where(
            e.c.source_id.in_(select(s.c.id).where(func.lower(s.c.name) == source.lower()))
        )
    return query


def page(
    store: Store,
    place_ids: Sequence[int] | None = None,
    status: str | None = None,
    source: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[EvidenceItem]]:
    """How many items pass the filters (places, status, source name in any case), and one page
    of them, newest first."""
    e = t.evidence_items
    counted = _filtered(select(func.count()).select_from(e), place_ids, status, source)
    listed = _filtered(_items_query(), place_ids, status, source)
    listed = listed.order_by(None).order_by(e.c.id.desc()).limit(limit).offset(offset)
    with store.engine.connect() as conn:
        total = int(conn.execute(counted).scalar() or 0)
        return total, [_item(r) for r in conn.execute(listed)]


def sources(store: Store) -> list[str]:
    """The names of the sources that supplied evidence, in alphabetical order."""
    e, s = t.evidence_items, t.sources
    query = select(s.c.name).where(s.c.id.in_(select(e.c.source_id))).order_by(s.c.name)
    with store.engine.connect() as conn:
        return [str(r[0]) for r in conn.execute(query)]


def match_counts(store: Store, item_ids: Sequence[int]) -> dict[int, int]:
    """How many other items each of these items matches (either side of a recorded pair)."""
    if not item_ids:
        return {}
    m = t.evidence_matches
    wanted = list(item_ids)
    counts = dict.fromkeys(wanted, 0)
    with store.engine.connect() as conn:
        for column in (m.c.item_id, m.c.match_id):
            query = select(column, func.count()).where(column.in_(wanted)).group_by(column)
            for item_id, count in conn.execute(query):
                counts[int(item_id)] += int(count)
    return counts


def link_incident(store: Store, item_id: int, incident: str, why: str) -> tuple[int, str]:
    """Link an item to the incident it is said to show: ``incident`` is the event's code (such
    as ACLED's ``SYR12345``) or its number. Returns (incident id, its code or date and type)."""
    i, e = t.incidents, t.evidence_items
    ref = incident.strip()
    condition = i.c.event_code == ref
    if ref.isdigit():
        condition = condition | (i.c.id == int(ref))
    with store.writer() as writer:
        found = writer.conn.execute(
            select(i.c.id, i.c.event_code, i.c.date, i.c.event_type).where(condition)
        ).all()
        if not found:
            raise StoreError(f"there is no incident {ref!r}: give its code or number")
        if len(found) > 1:
            raise StoreError(f"incident {ref!r} is ambiguous: give its number")
        before = writer.conn.execute(
            select(e.c.incident_id, e.c.place_id).where(e.c.id == item_id)
        ).first()
        if before is None:
            raise StoreError(f"no evidence item {item_id}")
        incident_id = int(found[0].id)
        writer.conn.execute(e.update().where(e.c.id == item_id).values(incident_id=incident_id))
        record_change(
            writer,
            "edit",
            "evidence",
            item_id,
            place_id=before.place_id,
            before={"incident_id": before.incident_id},
            after={"incident_id": incident_id},
            why=why,
        )
    label = found[0].event_code or f"{found[0].date} {found[0].event_type}"
    return incident_id, str(label)


def incident_label(store: Store, incident_id: int) -> str | None:
    """``#12 SYR123 2017-02-07 Air/drone strike`` for an item's incident, None when gone."""
    i = t.incidents
    with store.engine.connect() as conn:
        row = conn.execute(
            select(i.c.id, i.c.event_code, i.c.date, i.c.event_type, i.c.sub_event_type).where(
                i.c.id == incident_id
            )
        ).first()
    if row is None:
        return None
    kind = row.sub_event_type or row.event_type
    return f"#{row.id} {row.event_code or ''} {row.date} {kind}".replace("  ", " ")
