"""Importing a file with its checks, and undoing an import: what ``lagebild import``, the Import
page and ``POST /api/imports`` all do.

``import_file`` reads the file, recognises its kind, validates every cell and writes it in one
transaction (or, in a dry run, only says what it would write); a file with errors writes nothing
and comes back with every problem. After a real import the consistency check compares the new
figures with those stored and adds its warnings to the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lagebild.analysis.trust import add_consistency_warnings
from lagebild.ingest import ImportFailed, ImportOptions, ImportReport, ReadError
from lagebild.ingest import import_file as ingest_file
from lagebild.ingest.columns import LayoutError, layout_for
from lagebild.ingest.importer import Progress, open_source
from lagebild.store import Store
from lagebild.store import imports as import_store


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """An import's report, and whether the import was refused: the file had errors and nothing
    was written (in a dry run: it would have been refused)."""

    report: ImportReport
    refused: bool


def import_file(
    store: Store, path: Path, options: ImportOptions, *, progress: Progress | None = None
) -> ImportOutcome:
    """Import one file as one transaction, then, unless it is a dry run, check the figures it
    brought against those stored (``analysis.trust.add_consistency_warnings``)."""
    try:
        report = ingest_file(store, path, options, progress=progress)
    except ImportFailed as exc:
        return ImportOutcome(exc.report, refused=True)
    if not options.dry_run:
        add_consistency_warnings(store, report)
    return ImportOutcome(report, refused=False)


def recognised_kind(path: Path, options: ImportOptions) -> str | None:
    """The kind of data the import would write, or None when the file cannot be read or
    recognised (the import then reports why)."""
    try:
        with open_source(path, options) as table:
            return layout_for(table.columns, options.kind).kind
    except (ReadError, LayoutError):
        return None


def undo_import(store: Store, import_id: int, why: str | None = None) -> dict[str, int]:
    """Take an import back as a whole: its records go, its record stays, marked undone; how many
    of each kind of record went."""
    with store.writer() as writer:
        return import_store.undo_import(writer, import_id, why=why)


__all__ = ["ImportOutcome", "import_file", "recognised_kind", "undo_import"]
