"""Imports: the record of each file that came in, its footprint in the audit trail, and undo."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, func, select, text

from lagebild.model import ImportEntry, ImportRecord
from lagebild.store import schema as t
from lagebild.store.accounts import EVERYTHING, Scope
from lagebild.store.changes import record_changes
from lagebild.store.store import Store, StoreError, Writer


def all_imports(store: Store) -> list[ImportRecord]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.imports).order_by(t.imports.c.id)).all()
    return [
        ImportRecord(
            r.id,
            r.file_name,
            r.sha256,
            r.kind,
            r.source_id,
            r.imported_at,
            r.row_count,
            r.rejected_count,
            r.status,
        )
        for r in rows
    ]


def import_log(
    store: Store, scope: Scope = EVERYTHING, limit: int = 100, offset: int = 0
) -> tuple[list[ImportEntry], int]:
    """The imports in ``scope`` (a partner's: its organisation's), newest first, with who
    brought each in and who undid it, when and why (from the audit trail); and their number."""
    i, o, s, c = t.imports, t.organisations, t.sources, t.changes
    owned = scope.owns(i.c.organisation_id)
    with store.engine.connect() as conn:
        total = int(conn.execute(select(func.count()).select_from(i).where(owned)).scalar_one())
        rows = conn.execute(
            select(
                i.c.id, i.c.file_name, i.c.kind, i.c.row_count, i.c.rejected_count,
                i.c.warning_count, i.c.imported_at, i.c.status, o.c.name.label("organisation"),
                s.c.name.label("source"),
            )
            .outerjoin(o, o.c.id == i.c.organisation_id)
            .outerjoin(s, s.c.id == i.c.source_id)
            .where(owned)
            .order_by(i.c.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        ids = [r.id for r in rows]
        trail: dict[tuple[int, str], Any] = {}
        if ids:
            for change in conn.execute(
                select(c.c.record_id, c.c.action, c.c.actor, c.c.at, c.c.why)
                .where(c.c.record_kind == "import", c.c.record_id.in_(ids))
                .where(c.c.action.in_(("import", "undo")))
                .order_by(c.c.id)
            ):
                trail[(change.record_id, change.action)] = change  # the latest of each
    entries = []
    for r in rows:
        brought, undone = trail.get((r.id, "import")), trail.get((r.id, "undo"))
        entries.append(
            ImportEntry(
                r.id, r.file_name, r.kind, int(r.row_count or 0), int(r.rejected_count or 0),
                int(r.warning_count or 0), r.imported_at, r.status,
                imported_by=brought.actor if brought else None,
                organisation=r.organisation,
                source=r.source,
                undone_at=undone.at if undone else None,
                undone_by=undone.actor if undone else None,
                why=undone.why if undone else None,
            )
        )
    return entries, total


def import_entry(store: Store, import_id: int, scope: Scope = EVERYTHING) -> ImportEntry | None:
    """One import as ``import_log`` gives it, None when there is none in ``scope``."""
    i = t.imports
    with store.engine.connect() as conn:
        newer = int(
            conn.execute(
                select(func.count())
                .select_from(i)
                .where(scope.owns(i.c.organisation_id), i.c.id > import_id)
            ).scalar_one()
        )
    found, _ = import_log(store, scope, 1, newer)
    return found[0] if found and found[0].id == import_id else None


def add_import(
    writer: Writer,
    file_name: str,
    sha256: str,
    kind: str,
    source_id: int | None,
    options: str,
    organisation_id: int | None = None,
    recognition: str | None = None,
) -> int:
    """A new import; its records belong to ``organisation_id`` (the partner's, if any).

    ``recognition``: JSON, the kind's deciding hashtags and the columns left unused."""
    result = writer.conn.execute(
        t.imports.insert().values(
            file_name=file_name,
            sha256=sha256,
            kind=kind,
            source_id=source_id,
            imported_at=datetime.now().replace(microsecond=0),
            options=options,
            status="committed",
            organisation_id=organisation_id,
            recognition=recognition,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def finish_import(writer: Writer, import_id: int, rows: int, rejected: int, warnings: int) -> None:
    writer.conn.execute(
        t.imports.update()
        .where(t.imports.c.id == import_id)
        .values(row_count=rows, rejected_count=rejected, warning_count=warnings)
    )


#: The tables an import writes, each with its place column and the number its footprint sums.
_IMPORTED = (
    ("figure", "figures", None),
    ("access", "access_changes", None),
    ("delivery", "deliveries", "reached"),
    ("incident", "incidents", "fatalities"),
    ("event_count", "event_counts", "events"),
    ("damage", "damage", "destroyed"),
    ("convoy", "convoys", "reached"),
    ("presence", "presence", None),
    ("place", "places", None),
)


def id_marks(writer: Writer) -> dict[str, int]:
    """The newest id of each imported table: an import's rows lie above these marks."""
    marks = {}
    for _, name, _ in _IMPORTED:
        table = t.metadata.tables[name]
        marks[name] = int(
            writer.conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        )
    return marks


def import_footprint(
    writer: Writer,
    import_id: int,
    marks: dict[str, int] | None = None,
    known: dict[str, list[tuple[int, int, float | None]]] | None = None,
) -> list[dict[str, Any]]:
    """Per record kind and place: how many rows an import holds there, and the sum of their
    main number (people reached, the figure's value, fatalities, buildings destroyed).

    With ``marks`` (from ``id_marks`` before the import wrote) only rows above them are read:
    a range of the primary key, not a scan of the table.
    """
    found: list[dict[str, Any]] = []
    for kind, name, number in _IMPORTED:
        if known is not None and name in known:
            for place_id, count, value in known[name]:
                summary: dict[str, Any] = {"rows": count}
                if number:
                    summary[number] = value
                found.append({"record_kind": kind, "place_id": place_id, "summary": summary})
            continue
        table = t.metadata.tables[name]
        place = table.c.id if name == "places" else table.c.place_id
        total = func.sum(table.c[number]) if number else func.count()
        query = (
            select(place, func.count(), total)
            .where(table.c.import_id == import_id)
            .group_by(place)
        )
        if marks is not None:
            query = query.where(table.c.id > marks.get(name, 0))
        for place_id, count, value in writer.conn.execute(query):
            entry: dict[str, Any] = {"rows": int(count)}
            if number:
                entry[number] = float(value) if value is not None else None
            found.append({"record_kind": kind, "place_id": place_id, "summary": entry})
    return found


def record_import(
    writer: Writer,
    import_id: int,
    marks: dict[str, int] | None = None,
    known: dict[str, list[tuple[int, int, float | None]]] | None = None,
    why: str | None = None,
) -> None:
    """The audit rows of a finished import: one for the import, one per kind and place.

    ``known``: per table, (place id, rows, sum) the importer gathered as it wrote; the other
    tables are read back above ``marks``.
    """
    record = writer.conn.execute(
        select(t.imports).where(t.imports.c.id == import_id)
    ).one()._mapping
    rows: list[dict[str, Any]] = [
        {
            "action": "import",
            "record_kind": "import",
            "record_id": import_id,
            "import_id": import_id,
            "after": {
                "file": record["file_name"],
                "kind": record["kind"],
                "rows": record["row_count"],
                "rejected": record["rejected_count"],
                "source_id": record["source_id"],
            },
            "why": why,
        }
    ]
    for part in import_footprint(writer, import_id, marks, known):
        rows.append(
            {
                "action": "import",
                "record_kind": part["record_kind"],
                "place_id": part["place_id"],
                "import_id": import_id,
                "after": part["summary"],
            }
        )
    record_changes(writer, rows)


def undo_import(writer: Writer, import_id: int, why: str | None = None) -> dict[str, int]:
    """Remove the records of one import; keep its record, and say in the audit trail what
    went, per place.

    The import stays in ``imports``, marked ``undone``, so that the record of what came in
    is never lost and the same file may be imported again. A gazetteer cannot be undone:
    other imports point at its places.
    """
    record = writer.conn.execute(
        select(t.imports.c.kind, t.imports.c.status, t.imports.c.file_name).where(
            t.imports.c.id == import_id
        )
    ).first()
    if record is None:
        raise StoreError(f"there is no import #{import_id}")
    if record.status != "committed":
        raise StoreError(f"import #{import_id} was already {record.status}")
    if record.kind == "places":
        raise StoreError(
            f"import #{import_id} is a gazetteer: its places may carry other imports' data "
            "and cannot be undone"
        )
    footprint = import_footprint(writer, import_id)
    removed = {}
    for name, table in (
        ("figures", t.figures), ("access_changes", t.access_changes),
        ("deliveries", t.deliveries), ("damage", t.damage), ("incidents", t.incidents),
        ("event_counts", t.event_counts), ("presence", t.presence),
        *((p.name, p) for p in t.PLAN_TABLES.values()),
    ):
        result = writer.conn.execute(table.delete().where(table.c.import_id == import_id))
        removed[name] = int(result.rowcount or 0)
    # A convoy's items go before it, also items added to it later on the command line.
    convoy_ids = select(t.convoys.c.id).where(t.convoys.c.import_id == import_id)
    for name, table, which in (
        ("convoy_items", t.convoy_items, t.convoy_items.c.convoy_id.in_(convoy_ids)),
        ("convoys", t.convoys, t.convoys.c.import_id == import_id),
    ):
        removed[name] = int(writer.conn.execute(table.delete().where(which)).rowcount or 0)
    restored = _restore_replaced(writer, import_id)
    writer.conn.execute(
        t.imports.update().where(t.imports.c.id == import_id).values(status="undone")
    )
    record_changes(
        writer,
        [
            {
                "action": "undo",
                "record_kind": "import",
                "record_id": import_id,
                "import_id": import_id,
                "before": {
                    "file": record.file_name,
                    "kind": record.kind,
                    "status": "committed",
                },
                "after": {"status": "undone", "removed": removed, "restored": restored},
                "why": why,
            },
            *(
                {
                    "action": "undo",
                    "record_kind": part["record_kind"],
                    "place_id": part["place_id"],
                    "import_id": import_id,
                    "before": part["summary"],
                    "why": why,
                }
                for part in footprint
            ),
        ]
    )
    return removed


def lock_import_hash(writer: Writer, sha256: str) -> None:
    """Until this transaction ends, hold off other imports of a file with this hash, so that
    the check that it was not imported before cannot race a concurrent import of the same
    file (PostgreSQL; SQLite lets one transaction write at a time anyway)."""
    if writer.dialect == "postgresql":
        key = int(sha256[:15], 16)  # 60 bits: a bigint lock key
        writer.conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def set_import_hash(writer: Writer, import_id: int, sha256: str) -> None:
    writer.conn.execute(
        t.imports.update().where(t.imports.c.id == import_id).values(sha256=sha256)
    )


#: The tables whose rows may carry the key they have in the system they came from.
_KEYED = {"deliveries": ("delivery", t.deliveries), "figures": ("figure", t.figures)}


def count_keyed(store: Store, table: str, keys: list[str]) -> int:
    """How many stored records of ``table`` carry one of ``keys``: what an import of them would
    replace (``replace_keyed``), said in its dry run."""
    _, rows = _KEYED[table]
    total = 0
    with store.engine.connect() as conn:
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            query = select(func.count()).where(rows.c.external_key.in_(chunk))
            total += int(conn.execute(query).scalar_one())
    return total


def replace_keyed(writer: Writer, table: str, keys: list[str], import_id: int) -> int:
    """Delete the rows of other imports that carry one of ``keys`` (a Kobo submission edited
    and imported again): the import ``import_id`` brings their new version. The audit trail
    keeps each deleted row whole, with the import that replaced it; how many went."""
    kind, rows = _KEYED[table]
    removed = 0
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        old = writer.conn.execute(
            select(rows).where(rows.c.external_key.in_(chunk), rows.c.import_id != import_id)
        ).all()
        if not old:
            continue
        writer.conn.execute(rows.delete().where(rows.c.id.in_([r.id for r in old])))
        record_changes(
            writer,
            [
                {
                    "action": "delete",
                    "record_kind": kind,
                    "record_id": r.id,
                    "place_id": r.place_id,
                    "import_id": r.import_id,
                    "before": dict(r._asdict()),
                    "after": {"replaced_by": import_id},
                    "why": f"replaced by import #{import_id}: the same submission "
                    f"({r.external_key}) edited or sent again",
                }
                for r in old
            ],
        )
        removed += len(old)
    return removed


def _restore_replaced(writer: Writer, import_id: int) -> int:
    """Put back the rows an import replaced (``replace_keyed``), from the audit trail, as it is
    undone; rows of an import undone since stay away. How many came back."""
    c = t.changes
    marker = json.dumps({"replaced_by": import_id}, ensure_ascii=False, sort_keys=True)
    gone = writer.conn.execute(
        select(c.c.record_kind, c.c.before).where(
            c.c.action == "delete",
            c.c.record_kind.in_([kind for kind, _ in _KEYED.values()]),
            c.c.after == marker,
        )
    ).all()
    committed = {
        int(i)
        for i in writer.conn.execute(
            select(t.imports.c.id).where(t.imports.c.status == "committed")
        ).scalars()
    }
    tables = dict(_KEYED.values())
    restored = 0
    for kind, before in gone:
        row = json.loads(before)
        if row.get("import_id") not in committed:
            continue
        table = tables[kind]
        for name, value in row.items():
            if value is not None and isinstance(table.c[name].type, Date):
                row[name] = date.fromisoformat(str(value)[:10])
        writer.conn.execute(table.insert().values(**row))
        restored += 1
    return restored
