"""Convoys: the HXL import, one row per convoy and item.

``build`` validates a file: the convoy's own fields may repeat on each of its rows and must
agree; ``write`` inserts the convoys built. The convoy's life (request, decide, deliver) is
``lagebild.actions.convoys``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import polars as pl

from lagebild.ingest.problems import Reasons
from lagebild.ingest.records import Batch, Context
from lagebild.messages import CONVOY_STATUS_WORDS, N_, Message, codes
from lagebild.model.vocab import (
    CONVOY_STATUSES,
    ITEM_CATEGORIES,
)
from lagebild.store import Writer
from lagebild.store import convoys as convoy_store

#: The convoy's own fields, repeated on each of its rows, and their names in messages.
CONVOY_ROLES = {
    "place_id": N_("place"),
    "requested_on": N_("request date"),
    "agencies": N_("agencies"),
    "trucks": N_("trucks"),
    "planned_people": N_("people planned"),
    "status": N_("status"),
    "decided_on": N_("decision date"),
    "decided_by": N_("decided by"),
    "reason": N_("reason"),
    "trucks_approved": N_("trucks approved"),
    "people_approved": N_("people approved"),
    "delivered_on": N_("delivery date"),
    "reached": N_("people reached"),
    "note": N_("note"),
    "source": N_("source"),
}
#: The words of a convoy's statuses and steps, as a reason names them.
STATUS_WORDS = {**CONVOY_STATUS_WORDS, "decided": N_("decided")}
CATEGORY_WORDS = {
    "medical": N_("medical"),
    "food": N_("food"),
    "nutrition": N_("nutrition"),
    "wash": N_("WASH"),
    "shelter": N_("shelter"),
    "nfi": N_("non-food items"),
    "education": N_("education"),
    "protection": N_("protection"),
    "other": N_("other"),
}


def _word(words: dict[str, str], key: str) -> Message | str:
    """A word of ``words`` as a message to translate; a key it does not hold as it is."""
    return Message(words[key]) if key in words else key.replace("_", " ")


ITEM_ROLES = ("item", "category", "unit", "planned", "arrived", "removed", "removed_by")
_STORED_AS = {"reason": "decision_reason"}


def _counts(batch: Batch, role: str, whole: bool) -> pl.Series | None:
    """Numbers of a column that must not be negative (and, with ``whole``, be whole)."""
    values = batch.numbers(role)
    if values is None:
        return None
    raw = batch.raw(role)
    assert raw is not None
    bad = values < 0
    if whole:
        bad = bad | (values != values.floor())
    bad = bad.fill_null(False)
    key = "bad-number" if whole else "bad-number/negative"
    for i in bad.arg_true().to_list():
        batch.error(batch.rows[i], key, role, raw[i])
    return pl.select(pl.when(~bad).then(values)).to_series()


def _fill_codes(frame: pl.DataFrame, context: Context) -> pl.DataFrame:
    """Blank P-code cells of a convoy's rows take the convoy's P-code from its other rows."""
    code = context.layout.roles["code"]
    key = pl.col(f"c{code.index}").str.to_uppercase()
    return frame.with_columns(
        pl.col(f"c{c.index}").fill_null(pl.col(f"c{c.index}").drop_nulls().first().over(key))
        for _, c in context.layout.code_columns
    )


def _shown(value: Any) -> Message | str:
    """A cell's value as a reason quotes it: a date as written, a number in the reader's
    notation (``1,200`` in English), text in quotes."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return Message("%(value)s", {"value": value})
    return repr(value)


class _Convoys:
    """The rows of a file grouped into convoys, checked, and made into records."""

    def __init__(self, batch: Batch, known: Mapping[str, tuple[str, int | None]]) -> None:
        self.batch = batch
        self.known = known
        self.rows: list[int] = batch.rows.to_list()
        layout = batch.context.layout
        self.place_role = next(
            (
                r
                for r in ("code5", "code4", "code3", "code2", "code1", "code0")
                if r in layout.roles
            ),
            None,
        )

    def error(self, i: int, key: str, role: str | None, **params: object) -> None:
        """An error of kind ``key`` of the row at index ``i``, naming the role's column and the
        cell as given."""
        if role == "place_id":
            role = self.place_role
        raw = self.batch.raw(role) if role else None
        self.batch.error(self.rows[i], key, role, raw[i] if raw is not None else None, **params)

    def parse(self) -> dict[str, list[Any]]:
        batch = self.batch
        requested = batch.dates("requested_on")
        statuses = codes(CONVOY_STATUSES, STATUS_WORDS)
        categories = codes(ITEM_CATEGORIES, CATEGORY_WORDS)
        series: dict[str, pl.Series | None] = {
            "code": batch.text("code"),
            "requested_on": requested,
            "decided_on": batch.dates("decided_on"),
            "delivered_on": batch.dates("delivered_on"),
            "status": batch.mapped("status", "convoy_statuses", blank="", allowed=statuses),
            "category": batch.mapped("category", "item_categories", blank="", allowed=categories),
            "trucks": _counts(batch, "trucks", whole=True),
            "trucks_approved": _counts(batch, "trucks_approved", whole=True),
            "planned_people": batch.numbers("planned_people", people=True),
            "people_approved": batch.numbers("people_approved", people=True),
            "reached": batch.numbers("reached", people=True),
            "planned": _counts(batch, "planned", whole=False),
            "arrived": _counts(batch, "arrived", whole=False),
            "removed": _counts(batch, "removed", whole=False),
            "place_id": batch.place(requested),
            "source_id": batch.source_ids(),
        }
        for role in (
            "source",
            "agencies",
            "decided_by",
            "reason",
            "note",
            "item",
            "unit",
            "removed_by",
        ):
            series[role] = batch.text(role)
        n = batch.frame.height
        return {k: (v.to_list() if v is not None else [None] * n) for k, v in series.items()}

    def group(self, cols: dict[str, list[Any]]) -> dict[str, list[int]]:
        """Upper-case code -> the indexes of its rows; a row with values but no code is an error."""
        groups: dict[str, list[int]] = {}
        for i, code in enumerate(cols["code"]):
            if code is None:
                self.error(i, "no-convoy-code", "code")
                continue
            groups.setdefault(code.upper(), []).append(i)
        return groups

    def merge(self, cols: dict[str, list[Any]], idx: list[int]) -> dict[str, Any]:
        """The convoy's own fields from its rows: the first value given; a different one is an
        error of the row that gives it."""
        code = cols["code"][idx[0]]
        merged: dict[str, Any] = {"code": code, "row_number": self.rows[idx[0]]}
        firsts: dict[str, int] = {}
        for role, label in CONVOY_ROLES.items():
            first: int | None = None
            for i in idx:
                value = cols[role][i]
                if value is None or value == "" and role == "status":
                    continue
                if first is None:
                    first = i
                elif value != cols[role][first]:
                    self.error(
                        i,
                        "convoy-disagrees",
                        role,
                        code=code,
                        label=Message(label),
                        first=_shown(cols[role][first]),
                        first_row=self.rows[first],
                        given=_shown(value),
                    )
            merged[role] = cols[role][first] if first is not None else None
            firsts[role] = first if first is not None else idx[0]
        merged["_first"] = firsts
        # The source named on the convoy's rows, else the import's --source.
        merged["source_id"] = cols["source_id"][firsts["source"]]
        del merged["source"]
        return merged

    def check(self, c: dict[str, Any]) -> None:
        """The rules of a convoy's life, on the merged fields."""
        if c["requested_on"] is None and c["_first"]["requested_on"] not in self._failed():
            self.error(
                c["_first"]["requested_on"], "no-date/requested", "requested_on", code=c["code"]
            )
        status = self._settle_status(c)
        if status is None:
            return
        self._check_how_much(c)
        self._check_delivery(c, status)
        self._check_decision(c, status)
        self._check_order(c)

    def _settle_status(self, c: dict[str, Any]) -> str | None:
        """The convoy's status from its given status and dates, set in ``c["status"]`` (the
        given one kept in ``c["_given_status"]``); None when a decision date has no status, an
        error that ends the convoy's checks."""
        status = c["_given_status"] = c["status"] or None
        if status in (None, "approved", "partly_approved") and (
            c["delivered_on"] is not None or c["reached"] is not None
        ):
            status = "delivered"  # approved, then delivered: the decision stays in its fields
        elif status is None:
            if c["decided_on"] is not None:
                self.error(
                    c["_first"]["decided_on"],
                    "no-status",
                    "decided_on",
                    code=c["code"],
                    decided=c["decided_on"].isoformat(),
                )
                c["status"] = "requested"
                return None
            status = "requested"
        c["status"] = status
        return status

    def _check_how_much(self, c: dict[str, Any]) -> None:
        how_much = (c["trucks_approved"], c["people_approved"])
        if c["_given_status"] == "partly_approved" and how_much == (None, None):
            self.error(c["_first"]["status"], "partly-how-much", "status", code=c["code"])

    def _check_delivery(self, c: dict[str, Any], status: str) -> None:
        first, code = c["_first"], c["code"]
        if status == "delivered" and c["delivered_on"] is None:
            self.error(first["status"], "no-date/delivered", "status", code=code)
        if status != "delivered":
            for role in ("delivered_on", "reached"):
                if c[role] is not None:
                    self.error(
                        first[role],
                        "not-delivered",
                        role,
                        code=code,
                        status=_word(STATUS_WORDS, status),
                        what=Message(CONVOY_ROLES[role]),
                    )

    def _check_decision(self, c: dict[str, Any], status: str) -> None:
        first, code = c["_first"], c["code"]
        if status == "requested" and c["decided_on"] is not None:
            self.error(first["decided_on"], "not-decided", "decided_on", code=code)
        if status == "denied":
            for role in ("trucks_approved", "people_approved"):
                if c[role]:
                    what = Message(CONVOY_ROLES[role])
                    self.error(first[role], "denied", role, code=code, what=what)

    def _check_order(self, c: dict[str, Any]) -> None:
        first, code = c["_first"], c["code"]
        steps = [
            (c["requested_on"], "requested"),
            (c["decided_on"], "decided"),
            (c["delivered_on"], "delivered"),
        ]
        known = [(d, what) for d, what in steps if d is not None]
        for (before, was), (after, then) in zip(known, known[1:], strict=False):
            if after < before:
                role = "decided_on" if then == "decided" else "delivered_on"
                self.error(
                    first[role],
                    "date-order",
                    role,
                    code=code,
                    then=_word(STATUS_WORDS, then),
                    after=after.isoformat(),
                    was=_word(STATUS_WORDS, was),
                    before=before.isoformat(),
                )
        for approved, asked, label in (
            ("trucks_approved", "trucks", N_("trucks")),
            ("people_approved", "planned_people", N_("people")),
        ):
            if c[approved] is not None and c[asked] is not None and c[approved] > c[asked]:
                self.error(
                    first[approved],
                    "above-request",
                    approved,
                    code=code,
                    approved=c[approved],
                    label=Message(label),
                    asked=c[asked],
                )

    def items(
        self, cols: dict[str, list[Any]], idx: list[int], c: dict[str, Any]
    ) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        named: dict[str, int] = {}
        code = c["code"]
        for i in idx:
            item = {role: cols[role][i] for role in ITEM_ROLES}
            if item["item"] is None:
                given = [r for r in ITEM_ROLES if item[r] not in (None, "")]
                if given:
                    self.error(i, "no-item-name", given[0])
                continue
            key = item["item"].casefold()
            if key in named:
                self.error(
                    i,
                    "item-twice",
                    "item",
                    code=code,
                    item=item["item"],
                    first_row=self.rows[named[key]],
                )
                continue
            named[key] = i
            planned, arrived, removed = item["planned"], item["arrived"], item["removed"]
            if (arrived or removed) and c["status"] != "delivered":
                role = "arrived" if arrived else "removed"
                self.error(
                    i, "not-delivered/items", role, code=code,
                    status=_word(STATUS_WORDS, c["status"]),
                )
            elif planned is not None and (arrived or 0) + (removed or 0) > planned:
                self.error(
                    i,
                    "above-planned",
                    "removed" if removed else "arrived",
                    arrived=_shown(arrived or 0.0),
                    removed=_shown(removed or 0.0),
                    planned=_shown(planned),
                )
            item["category"] = item["category"] or ""
            item["row_number"] = self.rows[i]
            found.append(item)
        return found

    def _failed(self) -> set[int]:
        rows = set(self.batch.rejected)
        return {i for i, row in enumerate(self.rows) if row in rows}

    def build(self) -> list[dict[str, Any]]:
        cols = self.parse()
        built = []
        for key, idx in self.group(cols).items():
            merged = self.merge(cols, idx)
            self.check(merged)
            items = self.items(cols, idx, merged)
            held = self.known.get(key)
            if held is not None:
                self.error(
                    idx[0],
                    "convoy-exists/imported" if held[1] else "convoy-exists",
                    "code",
                    code=held[0],
                    import_id=held[1],
                )
            failed = [self.rows[i] for i in idx if self.rows[i] in self.batch.rejected]
            if failed:
                reason = Message(N_("convoy %(code)s has errors in row(s) %(rows)s"), {
                    "code": merged["code"], "rows": ", ".join(str(r) for r in failed)
                })  # fmt: skip
                for i in idx:
                    self.batch.rejected.setdefault(self.rows[i], Reasons([reason]))
                continue
            record = {_STORED_AS.get(k, k): v for k, v in merged.items() if not k.startswith("_")}
            record["trucks"] = _whole(record["trucks"])
            record["trucks_approved"] = _whole(record["trucks_approved"])
            record["import_id"] = self.batch.context.import_id or None
            record["items"] = items
            built.append(record)
        return built


def _whole(value: float | None) -> int | None:
    return None if value is None else int(value)


def build(
    frame: pl.DataFrame, context: Context, known: Mapping[str, tuple[str, int | None]]
) -> tuple[list[dict[str, Any]], dict[int, Reasons]]:
    """Validated convoys of a whole file, each with its items; and the rejected rows with why.

    ``known`` holds the codes already stored (``store.convoys.known_codes``): a file cannot
    change a stored convoy. A convoy with an error in any of its rows is rejected as a whole.
    """
    if frame.height == 0:
        return [], {}
    batch = Batch(_fill_codes(frame, context), context)
    convoys = _Convoys(batch, known).build()
    return convoys, batch.rejected


def write(writer: Writer, convoys: Sequence[dict[str, Any]]) -> int:
    """Insert built convoys with their items; returns how many convoys."""
    for convoy in convoys:
        convoy_store.add(writer, convoy, convoy["items"])
    return len(convoys)


__all__ = ["build", "write"]
