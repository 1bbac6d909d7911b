"""The convoy's life: requested, decided, delivered, one step at a time.

A convoy is requested (date, agencies, trucks, people and items planned), then approved, partly
approved or denied (by whom, when, why, how many trucks and people), then, when approved,
delivered (date, people reached, what arrived, what was removed at checkpoints and by whom).
``request``, ``decide`` and ``deliver`` take one step each and refuse a step that does not
follow (``ConvoyError``); each leaves a row in the audit trail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from lagebild.errors import RefusedInput
from lagebild.model.convoys import Convoy
from lagebild.model.vocab import CONVOY_NEXT, ITEM_CATEGORIES, normalise_item_category
from lagebild.store import Store, Writer
from lagebild.store import convoys as convoy_store
from lagebild.store.changes import record_change
from lagebild.store.sources import register_source

DECISIONS = ("approved", "partly_approved", "denied")


class ConvoyError(RefusedInput):
    """A convoy step the rules refuse; the message says why and what to do instead."""


@dataclass(frozen=True, slots=True)
class PlannedItem:
    """An item a convoy is to carry: ``--item NAME:CATEGORY:QUANTITY[:UNIT]``."""

    name: str
    category: str
    planned: float
    unit: str | None = None


def _number(text: str, what: str) -> float:
    try:
        value = float(text.strip().replace(",", ""))
    except ValueError:
        raise ConvoyError(f"{what}: {text.strip()!r} is not a number") from None
    if value < 0 or value != value:
        raise ConvoyError(f"{what}: {text.strip()!r} cannot be negative")
    return value


def parse_item(text: str) -> PlannedItem:
    """``'surgical kits:medical:120:kits'`` -> the item, its category, quantity and unit."""
    parts = [part.strip() for part in text.split(":")]
    if len(parts) not in (3, 4) or not parts[0] or not parts[2]:
        raise ConvoyError(
            f"item {text!r}: write NAME:CATEGORY:QUANTITY[:UNIT], "
            "e.g. 'surgical kits:medical:120:kits'"
        )
    category = normalise_item_category(parts[1])
    if not category:
        raise ConvoyError(
            f"item {text!r}: unknown category {parts[1]!r}: use {', '.join(ITEM_CATEGORIES)}"
        )
    unit = parts[3] if len(parts) == 4 and parts[3] else None
    return PlannedItem(parts[0], category, _number(parts[2], f"item {text!r}"), unit)


def parse_quantity(text: str) -> tuple[str, float]:
    """``'surgical kits=84'`` -> (``'surgical kits'``, 84.0)."""
    name, sep, amount = text.rpartition("=")
    if not sep or not name.strip() or not amount.strip():
        raise ConvoyError(f"{text!r}: write NAME=QUANTITY, e.g. 'surgical kits=84'")
    return name.strip(), _number(amount, f"{text!r}")


def _existing(writer: Writer, code: str) -> Convoy:
    found = convoy_store.convoy_for_update(writer, code)
    if found is None:
        raise ConvoyError(f"there is no convoy {code.strip()!r}: 'lagebild convoy list' lists them")
    return found


def _record(
    writer: Writer, action: str, before: Convoy | None, code: str, why: str | None
) -> Convoy:
    after = _existing(writer, code)
    record_change(
        writer,
        action,
        "convoy",
        after.id,
        place_id=after.place_id,
        import_id=after.import_id,
        before=before.as_dict() if before else None,
        after=after.as_dict(),
        why=why,
    )
    return after


def request(
    store: Store,
    code: str,
    pcode: str,
    on: date,
    *,
    agencies: str | None = None,
    trucks: int | None = None,
    people: float | None = None,
    items: Sequence[PlannedItem] = (),
    source: str | None = None,
    note: str | None = None,
) -> Convoy:
    """Record a convoy request; the code must be new, the P-code known and not retired."""
    code = code.strip()
    if not code:
        raise ConvoyError("a convoy needs a code: its reference, such as 'DUMA-2018-03-05'")
    place = convoy_store.place_named(store, pcode)
    if place is None:
        raise ConvoyError(f"unknown P-code {pcode!r}: 'lagebild places --search' finds places")
    place_id, retired = place
    if retired is not None and retired <= on:
        raise ConvoyError(
            f"P-code {pcode.strip().upper()} was retired on {retired.isoformat()}: use the P-code "
            "of the place as it is now"
        )
    for value, what in ((trucks, "trucks"), (people, "people")):
        if value is not None and value < 0:
            raise ConvoyError(f"{what} cannot be negative: {value}")
    seen: set[str] = set()
    for item in items:
        if item.name.casefold() in seen:
            raise ConvoyError(f"item {item.name!r} is given twice: give each item once")
        seen.add(item.name.casefold())
    with store.writer() as writer:
        held = convoy_store.convoy_for_update(writer, code)
        if held is not None:
            raise ConvoyError(
                f"convoy {held.code} exists already (requested on {held.requested_on.isoformat()} "
                f"for {held.pcode}, now {held.status}): 'lagebild convoy show {held.code}'"
            )
        convoy_store.add(
            writer,
            {
                "code": code,
                "place_id": place_id,
                "status": "requested",
                "requested_on": on,
                "agencies": agencies.strip() if agencies and agencies.strip() else None,
                "trucks": trucks,
                "planned_people": people,
                "note": note,
                "source_id": register_source(writer, source.strip())
                if source and source.strip()
                else None,
            },
            [
                {"item": i.name, "category": i.category, "unit": i.unit, "planned": i.planned}
                for i in items
            ],
        )
        return _record(writer, "add", None, code, None)


def check_decision(
    convoy: Convoy, decision: str, on: date, trucks: int | None, people: float | None
) -> None:
    """Raise ``ConvoyError`` unless ``decision`` may follow the convoy's status on ``on``."""
    if decision not in DECISIONS:
        raise ConvoyError(f"unknown decision {decision!r}: use {', '.join(DECISIONS)}")
    if convoy.status != "requested":
        when = convoy.delivered_on if convoy.status == "delivered" else convoy.decided_on
        by = (
            f" by {convoy.decided_by}" if convoy.decided_by and convoy.status != "delivered" else ""
        )
        raise ConvoyError(
            f"convoy {convoy.code} was already {convoy.status.replace('_', ' ')}"
            + (f" on {when.isoformat()}" if when else "")
            + f"{by}: a request is decided once"
        )
    if on < convoy.requested_on:
        raise ConvoyError(
            f"convoy {convoy.code}: decided on {on.isoformat()}, before it was requested on "
            f"{convoy.requested_on.isoformat()}"
        )
    if decision == "denied":
        if trucks or people:
            raise ConvoyError(
                f"convoy {convoy.code}: a denied convoy has no trucks or people approved"
            )
        return
    for value, asked, what in (
        (trucks, convoy.trucks, "trucks"),
        (people, convoy.planned_people, "people"),
    ):
        if value is not None and asked is not None and value > asked:
            raise ConvoyError(
                f"convoy {convoy.code}: {value:,.0f} {what} approved, more than the "
                f"{asked:,.0f} requested"
            )
    less = any(
        value is not None and asked is not None and value < asked
        for value, asked in ((trucks, convoy.trucks), (people, convoy.planned_people))
    )
    if decision == "approved" and less:
        raise ConvoyError(
            f"convoy {convoy.code}: fewer trucks or people approved than requested is a partial "
            "approval: use --partly"
        )
    if decision == "partly_approved" and trucks is None and people is None:
        raise ConvoyError(
            f"convoy {convoy.code}: say how much of it was approved: --trucks N and/or --people N"
        )


def decide(
    store: Store,
    code: str,
    decision: str,
    by: str,
    on: date,
    *,
    reason: str | None = None,
    trucks: int | None = None,
    people: float | None = None,
) -> Convoy:
    """Approve, partly approve or deny a requested convoy: once, on or after its request."""
    if not by or not by.strip():
        raise ConvoyError("say who decided: --by")
    with store.writer() as writer:
        convoy = _existing(writer, code)
        check_decision(convoy, decision, on, trucks, people)
        if decision == "denied":
            trucks, people = 0, 0.0
        elif decision == "approved":
            trucks = convoy.trucks if trucks is None else trucks
            people = convoy.planned_people if people is None else people
        convoy_store.update(
            writer,
            convoy.id,
            {
                "status": decision,
                "decided_on": on,
                "decided_by": by.strip(),
                "decision_reason": reason.strip() if reason and reason.strip() else None,
                "trucks_approved": trucks,
                "people_approved": people,
            },
        )
        return _record(writer, "edit", convoy, code, reason)


def check_delivery(
    convoy: Convoy,
    on: date,
    reached: float,
    arrived: Mapping[str, float],
    removed: Mapping[str, float],
    removed_by: str | None,
) -> dict[int, dict[str, Any]]:
    """What a delivery writes to each item (by item id); ``ConvoyError`` when it may not be."""
    if convoy.status == "requested":
        raise ConvoyError(
            f"convoy {convoy.code} is not decided yet (requested on "
            f"{convoy.requested_on.isoformat()}): decide it first, 'lagebild convoy decide "
            f"{convoy.code} --approved ...'"
        )
    if convoy.status not in CONVOY_NEXT or "delivered" not in CONVOY_NEXT[convoy.status]:
        when = convoy.delivered_on if convoy.status == "delivered" else convoy.decided_on
        by = f" by {convoy.decided_by}" if convoy.decided_by and convoy.status == "denied" else ""
        raise ConvoyError(
            f"convoy {convoy.code} was {convoy.status}"
            + (f" on {when.isoformat()}" if when else "")
            + by
            + (
                ": it cannot be delivered"
                if convoy.status == "denied"
                else ": it is delivered once"
            )
        )
    since = convoy.decided_on or convoy.requested_on
    if on < since:
        raise ConvoyError(
            f"convoy {convoy.code}: delivered on {on.isoformat()}, before it was "
            f"{'decided' if convoy.decided_on else 'requested'} on {since.isoformat()}"
        )
    if reached < 0:
        raise ConvoyError(f"convoy {convoy.code}: people reached cannot be negative")
    if any(removed.values()) and not (removed_by and removed_by.strip()):
        raise ConvoyError(f"convoy {convoy.code}: say who removed the items: --by")
    for name in (*arrived, *removed):
        if convoy.item_named(name) is None:
            known = ", ".join(repr(i.item) for i in convoy.items) or "none"
            raise ConvoyError(f"convoy {convoy.code} carries no item {name!r}; its items: {known}")
    wanted_arrived = {k.casefold(): v for k, v in arrived.items()}
    wanted_removed = {k.casefold(): v for k, v in removed.items()}
    changes: dict[int, dict[str, Any]] = {}
    for item in convoy.items:
        taken = wanted_removed.get(item.item.casefold(), 0.0)
        came = wanted_arrived.get(item.item.casefold())
        if came is None and item.planned is not None:
            came = item.planned - taken  # what you do not name arrived as loaded, less removals
        if item.planned is not None and came is not None and came + taken > item.planned:
            raise ConvoyError(
                f"convoy {convoy.code}, item {item.item!r}: {came:,.0f} arrived and {taken:,.0f} "
                f"removed is more than the {item.planned:,.0f} loaded"
            )
        changes[item.id] = {
            "arrived": came,
            "removed": taken,
            "removed_by": removed_by.strip() if taken and removed_by else None,
        }
    return changes


def deliver(
    store: Store,
    code: str,
    on: date,
    reached: float,
    *,
    arrived: Mapping[str, float] | None = None,
    removed: Mapping[str, float] | None = None,
    removed_by: str | None = None,
) -> Convoy:
    """Record the delivery of an approved convoy: when, people reached, what arrived and what
    was removed at checkpoints, by whom. Items not named arrived as planned, less removals."""
    with store.writer() as writer:
        convoy = _existing(writer, code)
        items = check_delivery(convoy, on, reached, arrived or {}, removed or {}, removed_by)
        convoy_store.update(
            writer, convoy.id, {"status": "delivered", "delivered_on": on, "reached": reached}
        )
        convoy_store.update_items(writer, items)
        return _record(writer, "edit", convoy, code, None)


__all__ = [
    "DECISIONS",
    "ConvoyError",
    "PlannedItem",
    "check_decision",
    "check_delivery",
    "decide",
    "deliver",
    "parse_item",
    "parse_quantity",
    "request",
]
