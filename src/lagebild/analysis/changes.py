"""A place's history: every change to the records of the place and the places below it."""

from __future__ import annotations

import re
from typing import Any

from lagebild.analysis.place import UnknownPlace, subtree_ids
from lagebild.analysis.tree import PlaceTree
from lagebild.model.audit import Change
from lagebild.store import Store
from lagebild.store.audit import history
from lagebild.store.places import all_places

#: Fields of a record that say what it is, shown for a deletion.
_WHAT = ("indicator", "sector", "date", "value", "status", "party", "valid_from", "reached")
#: Bookkeeping fields an edit never shows as changed.
_HIDDEN = {"id", "place_id", "import_id", "row_number", "column", "source_id"}


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    if isinstance(value, int | float):
        return f"{value:,}"
    return "" if value is None else str(value)


def _value(key: str, value: Any) -> str:
    """A field's value in one line; a place's boundary (GeoJSON) only by its type and size."""
    if key == "geometry" and value:
        text = str(value)
        kind = re.search(r'"type"\s*:\s*"(\w+)"', text)
        return f"{kind.group(1) if kind else 'boundary'} ({len(text):,} characters)"
    return _number(value) or "-"


def describe(change: Change) -> str:
    """One line saying what the change did."""
    before, after = change.before or {}, change.after or {}
    if change.record_kind == "import":
        if change.action == "undo":
            removed = after.get("removed", {})
            parts = [f"{n:,} {k.replace('_', ' ')}" for k, n in removed.items() if n]
            return f"import #{change.record_id} ({before.get('file')}) undone: " + (
                ", ".join(parts) or "nothing"
            ) + " removed"
        return (
            f"import #{change.record_id}: {after.get('file')}, {after.get('kind')}, "
            f"{_number(after.get('rows'))} rows"
        )
    if change.record_kind == "place" and change.action == "import":
        return f"place added by import #{change.import_id}"
    if change.action in ("import", "undo"):
        summary = after if change.action == "import" else before
        rows = summary.get("rows", 0)
        parts = [f"{_number(rows)} {change.record_kind} row{'s' if rows != 1 else ''}"]
        parts += [f"{k} {_number(v)}" for k, v in summary.items() if k != "rows"]
        verb = "added by" if change.action == "import" else "removed by undoing"
        return f"{', '.join(parts)} {verb} import #{change.import_id}"
    if change.action == "delete":
        what = ", ".join(f"{k} {_number(before[k])}" for k in _WHAT if before.get(k) is not None)
        return f"{change.record_kind} #{change.record_id} deleted ({what})"
    if change.action == "add":
        what = ", ".join(f"{k} {_number(v)}" for k, v in sorted(after.items()) if k not in _HIDDEN)
        return f"{change.record_kind} #{change.record_id} added ({what})"
    if change.action in ("edit", "grade", "status"):
        fields = [
            k
            for k in sorted(set(before) | set(after))
            if k not in _HIDDEN and before.get(k) != after.get(k)
        ]
        diffs = ", ".join(
            f"{k} {_value(k, before.get(k))} -> {_value(k, after.get(k))}" for k in fields
        )
        name = f" {before['name']}" if change.record_kind == "source" and "name" in before else ""
        return f"{change.record_kind}{name} #{change.record_id}: {diffs or 'no field changed'}"
    return f"{change.action} {change.record_kind} #{change.record_id}"


def place_history(
    store: Store, pcode: str, *, below: bool = True, limit: int | None = None
) -> tuple[Any, list[Change]]:
    """(the place, its changes newest first); with ``below`` also those of places under it."""
    tree = PlaceTree(all_places(store))
    place = tree.get(pcode)
    if place is None:
        raise UnknownPlace(pcode)
    ids = subtree_ids(tree, place) if below else [place.id]
    return place, history(store, ids, limit=limit)


def change_row(change: Change) -> dict[str, Any]:
    """A change as the history table and the API show it."""
    return {**change.as_dict(), "what": describe(change)}
