"""The errors of a gazetteer's place changes: a P-code at another level, renames and moves
refused without ``--update-places``."""

from __future__ import annotations

from lagebild.ingest.catalogue import problem
from lagebild.ingest.placechanges import RENAMED, PlaceChanges
from lagebild.ingest.problems import ImportReport
from lagebild.messages import level_code


def refuse_levels(changes: PlaceChanges, report: ImportReport) -> bool:
    """A P-code keeps its level: one error for each the file gives at another. Returns whether
    there was any."""
    for change in changes.conflicts:
        report.add(
            problem(
                "place-level",
                report.file,
                change.row,
                change.column,
                change.pcode,
                pcode=change.pcode,
                old=level_code(str(change.old)),
                new=level_code(str(change.new)),
            )
        )
    return bool(changes.conflicts)


def refuse(changes: PlaceChanges, report: ImportReport) -> bool:
    """Without ``--update-places``: one error per rename or move, naming old and new value.
    Returns whether there was any."""
    for change in changes.refused:
        report.add(
            problem(
                "place-renamed" if change.kind == RENAMED else "place-moved",
                report.file,
                change.row,
                change.column,
                str(change.new),
                pcode=change.pcode,
                old=change.old,
                new=change.new,
            )
        )
    return bool(changes.refused)
