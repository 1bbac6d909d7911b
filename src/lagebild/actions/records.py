"""Changing one stored record by hand: edit a figure, access change or delivery, delete one, and
grade a source; each kept in the audit trail, as ``lagebild edit``, ``lagebild delete``,
``lagebild sources grade`` and ``/api/records`` do it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lagebild.errors import NotFound, RefusedInput
from lagebild.ingest.edit import parse_edits
from lagebild.model import SOURCE_KINDS, Source, normalise_source_kind
from lagebild.store import Store, audit
from lagebild.store import sources as source_store
from lagebild.store.accounts import EVERYTHING, Scope
from lagebild.store.sources import all_sources
from lagebild.store.trust import source_id_named


@dataclass(frozen=True, slots=True)
class Edited:
    """A record's fields as they were and as they are, and the fields the edit named."""

    fields: tuple[str, ...]
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def changed(self) -> list[str]:
        """The fields named whose value changed."""
        return [k for k in self.fields if self.before.get(k) != self.after.get(k)]


def edit_record(
    store: Store,
    kind: str,
    record_id: int,
    assignments: Sequence[str],
    why: str,
    scope: Scope = EVERYTHING,
) -> Edited:
    """Change fields of one stored record, ``FIELD=VALUE`` each, checked and typed as an import
    would check them (``EditError`` otherwise); the audit trail keeps it as it was."""
    values = parse_edits(kind, assignments)
    before, after = audit.edit_record(store, kind, record_id, values, why, scope)
    return Edited(tuple(values), before, after)


def delete_record(
    store: Store, kind: str, record_id: int, why: str, scope: Scope = EVERYTHING
) -> dict[str, Any]:
    """Delete one stored record; the audit trail keeps all of it. Returns it as it was."""
    return audit.delete_record(store, kind, record_id, why, scope)


def source_kind(text: str) -> str:
    """The kind of source a word names (``ngo``, ``un_agency``, ...); ``RefusedInput`` if none."""
    kind = normalise_source_kind(text)
    if kind is None:
        raise RefusedInput(f"unknown kind {text!r}: use {', '.join(SOURCE_KINDS)}")
    return kind


def grade_source(
    store: Store,
    name: str,
    reliability: str | None,
    credibility: int | None,
    kind: str | None = None,
    why: str | None = None,
) -> Source:
    """Set the Admiralty grade (and kind, as ``source_kind`` gives it) of a source; what is not
    given stays as it was. Returns the source as graded."""
    if source_id_named(store, name) is None:
        raise NotFound(f"unknown source {name!r}: 'lagebild sources' lists them")
    current = next(s for s in all_sources(store).values() if s.name == name.strip())
    source_store.grade_source(
        store,
        name,
        reliability or current.reliability,
        credibility or current.credibility,
        kind,
        why=why,
    )
    return next(s for s in all_sources(store).values() if s.name == name.strip())


__all__ = ["Edited", "delete_record", "edit_record", "grade_source", "source_kind"]
