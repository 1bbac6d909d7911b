"""The errors of a gazetteer's place changes: a P-code at another level, renames and moves
refused without ``--update-places``."""

from __future__ import annotations

from lagebild.ingest.placechanges import RENAMED, UPDATE_HINT, PlaceChanges
from lagebild.ingest.problems import ERROR, ImportReport, Problem


def refuse_levels(changes: PlaceChanges, report: ImportReport) -> bool:
    """A P-code keeps its level: one error for each the file gives at another. Returns whether
    there was any."""
    for change in changes.conflicts:
        report.add(
            Problem(
                ERROR,
                "place-level",
                f"{change.pcode} is {change.old} in the places known but {change.new} in this "
                "file: a P-code keeps its level (a new place needs a new P-code)",
                report.file,
                change.row,
                change.column,
                change.pcode,
            )
        )
    return bool(changes.conflicts)


def refuse(changes: PlaceChanges, report: ImportReport) -> bool:
    """Without ``--update-places``: one error per rename or move, naming old and new value.
    Returns whether there was any."""
    for change in changes.refused:
        if change.kind == RENAMED:
            code, what = (
                "place-renamed",
                f"renames {change.pcode} from {change.old!r} to {change.new!r}",
            )
        else:
            code, what = "place-moved", f"moves {change.pcode} from {change.old} to {change.new}"
        report.add(
            Problem(
                ERROR,
                code,
                f"this gazetteer {what}; {UPDATE_HINT}",
                report.file,
                change.row,
                change.column,
                str(change.new),
            )
        )
    return bool(changes.refused)
