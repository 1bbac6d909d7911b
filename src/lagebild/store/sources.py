"""Sources: who reported a row, and their Admiralty grade."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lagebild.model import Source
from lagebild.store import schema as t
from lagebild.store.changes import record_change
from lagebild.store.store import Store, Writer


def _insert_or_ignore(dialect: str, table: Any, key: str) -> Any:
    """An INSERT that does nothing when a row with the same unique ``key`` exists (or is being
    written by another transaction, which it waits for on PostgreSQL)."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing(index_elements=[key])


def all_sources(store: Store) -> dict[int, Source]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.sources).order_by(t.sources.c.id)).all()
    return {r.id: Source(r.id, r.name, r.kind, r.reliability, r.credibility) for r in rows}


def register_source(writer: Writer, name: str, kind: str | None = None) -> int:
    """The id of the source with this name, registering it when new."""
    name = name.strip()
    which = select(t.sources.c.id).where(t.sources.c.name == name)
    found = writer.conn.execute(which).scalar()
    if found is not None:
        return int(found)
    # Two imports at once may register the same new source: the second takes the first's.
    insert = _insert_or_ignore(writer.dialect, t.sources, "name")
    writer.conn.execute(insert.values(name=name, kind=kind))
    return int(writer.conn.execute(which).scalar_one())


def grade_source(
    store: Store,
    name: str,
    reliability: str | None,
    credibility: int | None,
    kind: str | None = None,
    why: str | None = None,
) -> int:
    """Set the Admiralty grade of a source (reliability A-F, credibility 1-6)."""
    if reliability is not None and reliability.upper() not in "ABCDEF":
        raise ValueError(f"reliability {reliability!r}: use A to F")
    if credibility is not None and not 1 <= credibility <= 6:
        raise ValueError(f"credibility {credibility!r}: use 1 to 6")
    with store.writer() as writer:
        source_id = register_source(writer, name, kind)
        s = t.sources
        before = writer.conn.execute(
            select(s.c.name, s.c.kind, s.c.reliability, s.c.credibility).where(
                s.c.id == source_id
            )
        ).one()
        after = {
            "reliability": reliability.upper() if reliability else None,
            "credibility": credibility,
            **({"kind": kind} if kind else {}),
        }
        writer.conn.execute(s.update().where(s.c.id == source_id).values(**after))
        record_change(
            writer,
            "grade",
            "source",
            source_id,
            before=dict(before._mapping),
            after={**dict(before._mapping), **after},
            why=why,
        )
    return source_id
