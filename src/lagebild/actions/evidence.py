"""Evidence by hand: register photos and videos, link one to an incident, set its verification
status, as ``lagebild evidence add``, ``link`` and ``status`` do it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from lagebild.evidence import archive
from lagebild.evidence.archive import Registered
from lagebild.store import Store
from lagebild.store.evidence import link_incident


def add_evidence(
    store: Store,
    files: Sequence[Path],
    *,
    source: str,
    pcode: str,
    on: date | None,
    claim: str | None = None,
    folder: str | Path | None = None,
) -> list[Registered]:
    """Register photos and videos: hash them, read their metadata, keep a copy, and say which
    earlier items each one matches (the recycled-footage check)."""
    return archive.register(
        store, files, source=source, pcode=pcode, on=on, claim=claim, folder=folder
    )


def link_evidence(store: Store, item_id: int, incident: str, why: str) -> str:
    """Link an item to the incident it is said to show (its code or number); the incident's
    label. The audit trail keeps why."""
    _, label = link_incident(store, item_id, incident, why)
    return label


def set_evidence_status(store: Store, item_id: int, status: str, by: str, why: str) -> None:
    """Set an item's verification status; its history keeps who set it, when and why."""
    archive.set_status(store, item_id, status, by, why)


__all__ = ["add_evidence", "link_evidence", "set_evidence_status"]
