"""A place's history: every change to the records of the place and the places below it."""

from __future__ import annotations

import re
from typing import Any

from lagebild.analysis.place import UnknownPlace, subtree_ids
from lagebild.analysis.tree import PlaceTree
from lagebild.ingest.placechanges import (
    ADDED,
    COMPLETED,
    MOVED,
    RELOCATED,
    RENAMED,
    RETIRED,
    REVISED,
    UNCHANGED,
)
from lagebild.messages import N_, Message, Np_, Value
from lagebild.model.audit import Change
from lagebild.store import Store
from lagebild.store.audit import history
from lagebild.store.places import all_places

#: Fields of a record that say what it is, shown for a deletion.
_WHAT = ("indicator", "sector", "date", "value", "status", "party", "valid_from", "reached")
#: Bookkeeping fields an edit never shows as changed.
_HIDDEN = {"id", "place_id", "import_id", "row_number", "column", "source_id"}

#: Each kind of record, as a line of the history names one.
RECORD_WORDS = {
    "figure": N_("figure"),
    "access": N_("access status"),
    "delivery": N_("delivery"),
    "incident": N_("incident"),
    "event_count": N_("conflict event count"),
    "damage": N_("damage assessment"),
    "convoy": N_("convoy"),
    "presence": N_("presence"),
    "place": N_("place"),
    "source": N_("source"),
    "evidence": N_("evidence"),
    "import": N_("import"),
}

#: The rows of one kind an import added to (or its undo removed from) a place.
ROWS = {
    "figure": Np_("%(num)s figure row", "%(num)s figure rows"),
    "access": Np_("%(num)s access row", "%(num)s access rows"),
    "delivery": Np_("%(num)s delivery row", "%(num)s delivery rows"),
    "incident": Np_("%(num)s incident row", "%(num)s incident rows"),
    "event_count": Np_("%(num)s event count row", "%(num)s event count rows"),
    "damage": Np_("%(num)s damage row", "%(num)s damage rows"),
    "convoy": Np_("%(num)s convoy row", "%(num)s convoy rows"),
    "presence": Np_("%(num)s presence row", "%(num)s presence rows"),
    "place": Np_("%(num)s place row", "%(num)s place rows"),
}
_SOME_ROWS = Np_("%(num)s %(kind)s row", "%(num)s %(kind)s rows")

#: The records an undo removed, by table.
REMOVED = {
    "figures": Np_("%(num)s figure", "%(num)s figures"),
    "access_changes": Np_("%(num)s access status", "%(num)s access statuses"),
    "deliveries": Np_("%(num)s delivery", "%(num)s deliveries"),
    "damage": Np_("%(num)s damage assessment", "%(num)s damage assessments"),
    "incidents": Np_("%(num)s incident", "%(num)s incidents"),
    "event_counts": Np_("%(num)s conflict event count", "%(num)s conflict event counts"),
    "presence": Np_("%(num)s presence record", "%(num)s presence records"),
    "convoy_items": Np_("%(num)s convoy item", "%(num)s convoy items"),
    "convoys": Np_("%(num)s convoy", "%(num)s convoys"),
}

#: The main number of an import's rows at a place (``store.imports.import_footprint``).
TOTALS = {
    "reached": N_("reached %(value)s"),
    "fatalities": N_("fatalities %(value)s"),
    "destroyed": N_("destroyed %(value)s"),
    "events": N_("events %(value)s"),
}

#: The kinds of data an import reads (``ingest.columns.KINDS``), as the history names them.
IMPORT_KINDS = {
    "places": N_("places"),
    "figures": N_("figures"),
    "access": N_("access"),
    "deliveries": N_("deliveries"),
    "presence": N_("presence"),
    "convoys": N_("convoys"),
    "incidents": N_("incidents"),
    "event_counts": N_("conflict event counts"),
    "damage": N_("damage"),
}

#: The fields of a record that a line of the history names: in English as the record has them
#: (the command line shows the field's own name), translated on the pages.
FIELD_WORDS = {
    "indicator": N_("indicator"),
    "sector": N_("sector"),
    "date": N_("date"),
    "value": N_("value"),
    "status": N_("status"),
    "party": N_("party"),
    "valid_from": N_("valid_from"),
    "reached": N_("reached"),
    "planned_people": N_("planned_people"),
    "organisation": N_("organisation"),
    "modality": N_("modality"),
    "name": N_("name"),
    "name_en": N_("name_en"),
    "name_ar": N_("name_ar"),
    "parent": N_("parent"),
    "geometry": N_("geometry"),
    "lat": N_("lat"),
    "lon": N_("lon"),
    "level": N_("level"),
    "reliability": N_("reliability"),
    "credibility": N_("credibility"),
    "fatalities": N_("fatalities"),
    "destroyed": N_("destroyed"),
    "valid_to": N_("valid_to"),
}

#: How a gazetteer import changed a place (``ingest.placechanges``), in the reason it gives.
PLACE_CHANGE_WORDS = {
    ADDED: N_("added"),
    RENAMED: N_("renamed"),
    MOVED: N_("moved"),
    RETIRED: N_("retired"),
    COMPLETED: N_("completed"),
    RELOCATED: N_("relocated"),
    REVISED: N_("revised"),
    UNCHANGED: N_("unchanged"),
}
_GAZETTEER_WHY = re.compile(r"^([a-z]+(?:, [a-z]+)*) by gazetteer import #(\d+) \((.*)\)$", re.S)


def _word(table: dict[str, str], key: str) -> Message | str:
    return Message(table[key]) if key in table else key.replace("_", " ")


def _number(value: Any) -> Value:
    """A field's value as a line shows it: numbers stay numbers (each language writes them its
    way), anything else as text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return "" if value is None else str(value)


def _value(key: str, value: Any) -> Value:
    """A field's value in one line; a place's boundary (GeoJSON) only by its type and size."""
    if key == "geometry" and value:
        text = str(value)
        kind = re.search(r'"type"\s*:\s*"(\w+)"', text)
        return Message(
            N_("%(type)s (%(size)s characters)"),
            {"type": kind.group(1) if kind else Message(N_("boundary")), "size": len(text)},
        )
    shown = _number(value)
    return "-" if shown == "" else shown


def _field(key: str, value: Any) -> Message:
    return Message(N_("%(field)s %(value)s"), {"field": _word(FIELD_WORDS, key), "value": value})


def _rows(kind: str, rows: int) -> Message:
    if kind in ROWS:
        return Message.count(ROWS[kind], rows)
    return Message.count(_SOME_ROWS, rows, kind=kind)


def _import(change: Change) -> Message:
    """An import as a whole, or its undo."""
    before, after = change.before or {}, change.after or {}
    if change.action == "undo":
        removed = tuple(
            Message.count(REMOVED[k], n) if k in REMOVED else f"{n:,} {k.replace('_', ' ')}"
            for k, n in after.get("removed", {}).items()
            if n
        )
        return Message(
            N_("import #%(id)s (%(file)s) undone: %(removed)s removed"),
            {
                "id": str(change.record_id),
                "file": before.get("file"),
                "removed": removed or Message(N_("nothing")),
            },
        )
    rows = after.get("rows")
    return Message(
        N_("import #%(id)s: %(file)s, %(kind)s, %(rows)s"),
        {
            "id": str(change.record_id),
            "file": after.get("file"),
            "kind": _word(IMPORT_KINDS, str(after.get("kind"))),
            "rows": Message.count(Np_("%(num)s row", "%(num)s rows"), int(rows or 0)),
        },
    )


def _footprint(change: Change) -> Message:
    """The rows an import added to a place, or its undo removed, with their main numbers."""
    summary = (change.after if change.action == "import" else change.before) or {}
    parts: list[Message | str] = [_rows(change.record_kind, int(summary.get("rows") or 0))]
    for key, value in summary.items():
        if key == "rows" or value is None:  # a sum of nothing (no convoy delivered yet)
            continue
        total = TOTALS.get(key)
        parts.append(Message(total, {"value": value}) if total else _field(key, _number(value)))
    template = (
        N_("%(rows)s added by import #%(import_id)s")
        if change.action == "import"
        else N_("%(rows)s removed by undoing import #%(import_id)s")
    )
    return Message(template, {"rows": tuple(parts), "import_id": str(change.import_id)})


def _edit(change: Change) -> Message:
    before, after = change.before or {}, change.after or {}
    fields = [
        k
        for k in sorted(set(before) | set(after))
        if k not in _HIDDEN and before.get(k) != after.get(k)
    ]
    diffs = tuple(
        Message(
            N_("%(field)s %(before)s -> %(after)s"),
            {
                "field": _word(FIELD_WORDS, k),
                "before": _value(k, before.get(k)),
                "after": _value(k, after.get(k)),
            },
        )
        for k in fields
    )
    values: dict[str, Value] = {
        "kind": _word(RECORD_WORDS, change.record_kind),
        "id": str(change.record_id),
        "diffs": diffs or Message(N_("no field changed")),
    }
    if change.record_kind == "source" and "name" in before:
        return Message(
            N_("%(kind)s %(name)s #%(id)s: %(diffs)s"), {**values, "name": before["name"]}
        )
    return Message(N_("%(kind)s #%(id)s: %(diffs)s"), values)


def describe(change: Change) -> Message:
    """What the change did, in one line: ``str()`` of it is the English the command line
    shows; the web says it in the page's language."""
    before, after = change.before or {}, change.after or {}
    kind = _word(RECORD_WORDS, change.record_kind)
    if change.record_kind == "import":
        return _import(change)
    if change.record_kind == "place" and change.action == "import":
        return Message(
            N_("place added by import #%(import_id)s"), {"import_id": str(change.import_id)}
        )
    if change.action in ("import", "undo"):
        return _footprint(change)
    if change.action == "delete":
        what = tuple(_field(k, _number(before[k])) for k in _WHAT if before.get(k) is not None)
        return Message(
            N_("%(kind)s #%(id)s deleted (%(what)s)"),
            {"kind": kind, "id": str(change.record_id), "what": what},
        )
    if change.action == "add":
        what = tuple(_field(k, _number(v)) for k, v in sorted(after.items()) if k not in _HIDDEN)
        return Message(
            N_("%(kind)s #%(id)s added (%(what)s)"),
            {"kind": kind, "id": str(change.record_id), "what": what},
        )
    if change.action in ("edit", "grade", "status"):
        return _edit(change)
    return Message(
        N_("%(action)s %(kind)s #%(id)s"),
        {"action": change.action, "kind": kind, "id": str(change.record_id)},
    )


def why(change: Change) -> Message | str | None:
    """The reason given for the change: a person's words as written; the reason a gazetteer
    import gives for changing a place (``ingest.placechanges``) as a message."""
    found = _GAZETTEER_WHY.match(change.why or "")
    if not found or not all(k in PLACE_CHANGE_WORDS for k in found.group(1).split(", ")):
        return change.why
    return Message(
        N_("%(changes)s by gazetteer import #%(import_id)s (%(file)s)"),
        {
            "changes": tuple(Message(PLACE_CHANGE_WORDS[k]) for k in found.group(1).split(", ")),
            "import_id": found.group(2),
            "file": found.group(3),
        },
    )


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
    """A change as the command line and the API show it, its line in English."""
    return {**change.as_dict(), "what": str(describe(change))}
