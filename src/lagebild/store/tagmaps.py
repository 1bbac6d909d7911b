"""Saved tag maps: a tag map (header text -> hashtag) kept under a name, for the next untagged
file of the same partner. A partner's maps are its organisation's: it sees and replaces those,
and the maps saved by those who see everything (no organisation); they see every map."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from lagebild.model import SavedTagMap
from lagebild.store import schema as t
from lagebild.store.accounts import EVERYTHING, Scope
from lagebild.store.changes import record_change
from lagebild.store.store import Store

#: The longest name of a saved tag map.
MAX_NAME = 200


def _maps(store: Store, where: Any) -> list[SavedTagMap]:
    m = t.tag_maps.c
    query = (
        select(m.name, m.mapping, m.saved_at, m.saved_by, t.organisations.c.name.label("org"))
        .select_from(
            t.tag_maps.outerjoin(t.organisations, t.organisations.c.id == m.organisation_id)
        )
        .where(where)
        .order_by(m.name, m.organisation_id.is_(None), m.id)
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [SavedTagMap(r.name, json.loads(r.mapping), r.saved_at, r.saved_by, r.org) for r in rows]


def saved_tag_maps(store: Store, scope: Scope = EVERYTHING) -> list[SavedTagMap]:
    """The maps ``scope`` may use, one per name (an organisation's own before everyone's)."""
    m = t.tag_maps.c
    found: dict[str, SavedTagMap] = {}
    for saved in _maps(store, or_(scope.owns(m.organisation_id), m.organisation_id.is_(None))):
        found.setdefault(saved.name, saved)
    return list(found.values())


def saved_tag_map(
    store: Store, name: str, scope: Scope = EVERYTHING, organisation: str | None = None
) -> SavedTagMap | None:
    """The map of this name ``scope`` may use, or None; of several (those who see everything
    see every organisation's), ``organisation``'s, else everyone's, else the first."""
    m = t.tag_maps.c
    visible = or_(scope.owns(m.organisation_id), m.organisation_id.is_(None))
    found = _maps(store, (m.name == name.strip()) & visible)
    own = [s for s in found if s.organisation is not None]
    if organisation is not None or not scope.everything:  # a partner: its own, if it has one
        own = [s for s in own if not scope.everything or s.organisation == organisation]
        if own:
            return own[0]
    shared = [s for s in found if s.organisation is None]
    chosen = shared or found
    return chosen[0] if chosen else None


def save_tag_map(
    store: Store,
    name: str,
    mapping: dict[str, str],
    organisation_id: int | None = None,
    saved_by: str | None = None,
) -> None:
    """Keep ``mapping`` under ``name`` for this organisation (None: everyone's), replacing the
    map it had under that name; the audit trail keeps the old and the new map."""
    name = name.strip()
    m = t.tag_maps.c
    mine = (m.name == name) & (
        m.organisation_id.is_(None)
        if organisation_id is None
        else m.organisation_id == organisation_id
    )
    text = json.dumps(mapping, ensure_ascii=False, sort_keys=True)
    at = datetime.now().replace(microsecond=0)
    with store.writer() as writer:
        old = writer.conn.execute(select(m.id, m.mapping).where(mine)).first()
        if old is None:
            new_id = writer.conn.execute(
                t.tag_maps.insert().values(
                    name=name,
                    organisation_id=organisation_id,
                    mapping=text,
                    saved_at=at,
                    saved_by=saved_by,
                )
            ).inserted_primary_key
            record_id, before = int(new_id[0]) if new_id else None, None
        else:
            writer.conn.execute(
                t.tag_maps.update()
                .where(m.id == old.id)
                .values(mapping=text, saved_at=at, saved_by=saved_by)
            )
            record_id, before = old.id, {"name": name, "mapping": json.loads(old.mapping)}
        record_change(
            writer, "add" if before is None else "edit", "tag_map", record_id,
            before=before, after={"name": name, "mapping": mapping},
        )  # fmt: skip


__all__ = ["MAX_NAME", "save_tag_map", "saved_tag_map", "saved_tag_maps"]
