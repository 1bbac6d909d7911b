"""The records the picture is made of: figures, access changes and deliveries.

Their lists in the API (``/api/figures``, ``/api/access``, ``/api/deliveries``, and those of a
place and below it), changing or deleting one (``PATCH`` and ``DELETE /api/records/...``, as
``lagebild edit`` and ``lagebild delete`` do: checked like an import, recorded in the audit trail
as the signed-in user; a partner may change only its own organisation's deliveries), and the
history of the records of a place and below it, the audit trail (``/places/{pcode}/history`` and
``/api/places/{pcode}/history``, as ``lagebild history PCODE``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from lagebild import analysis
from lagebild.actions.records import delete_record, edit_record
from lagebild.analysis.changes import change_row, place_history
from lagebild.analysis.place import find, place_dict, subtree_ids
from lagebild.analysis.tree import PlaceTree
from lagebild.ingest.edit import EditError
from lagebild.publish import tables
from lagebild.publish.tables import Col
from lagebild.security import policy
from lagebild.security import protocol as sharing
from lagebild.store import StoreError, listing
from lagebild.store.audit import OutOfScope
from lagebild.web import auth
from lagebild.web.context import (
    AsOf,
    Ctx,
    FormatQ,
    Level,
    Limit,
    Offset,
    default_as_of,
    flat_rows,
    known_sector,
    known_word,
    level_number,
    render_page,
    request_language,
    respond,
    wanted_format,
)
from lagebild.web.words import N_

api_router = APIRouter(prefix="/api", tags=["api"])
#: Changing and deleting records, included after the imports (the order of the API's description).
edit_router = APIRouter(prefix="/api", tags=["records"])
#: The history of a place's records, included after the changes.
history_router = APIRouter(prefix="/api")
router = APIRouter(include_in_schema=False)


# -- the lists -------------------------------------------------------------------------------------


def _json_ready(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in item.items()}


def _page(page: listing.Page, **extra: Any) -> dict[str, Any]:
    return {
        **extra,
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
        "items": [_json_ready(i) for i in page.items],
    }


def _place_ids(tree: PlaceTree, pcode: str | None) -> list[int] | None:
    return subtree_ids(tree, find(tree, pcode)) if pcode else None


@api_router.get("/figures", summary="Figures with their sources, newest first")
def figures(
    request: Request,
    ctx: Ctx,
    pcode: Annotated[str | None, Query(description="This place and the places below it.")] = None,
    indicator: Annotated[
        Literal["population", "inneed", "idps", "returnees", "besieged", "hard_to_reach"] | None,
        Query(),
    ] = None,
    sector: str | None = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    as_of: AsOf = None,
    limit: Limit = 100,
    offset: Offset = 0,
    fmt: FormatQ = None,
) -> Response:
    tree = ctx.tree()
    when = default_as_of(ctx, as_of)
    page = listing.figures(
        ctx.store,
        _place_ids(tree, pcode),
        indicator,
        "" if sector == "" else known_sector(ctx, sector),
        when,
        date_from,
        limit,
        offset,
    )
    data = _page(page, as_of=when.isoformat())
    items = data["items"]
    return respond(request, fmt, data, tables.API_FIGURES, items, "figures")


@api_router.get(
    "/places/{pcode}/figures", summary="Every figure of a place and below, with sources"
)
def place_figures(
    request: Request,
    ctx: Ctx,
    pcode: str,
    as_of: AsOf = None,
    limit: Limit = 100,
    offset: Offset = 0,
    fmt: FormatQ = None,
) -> Response:
    return figures(request, ctx, pcode, None, None, None, as_of, limit, offset, fmt)


@api_router.get("/access", summary="Access status of every place on a date")
def access(
    request: Request,
    ctx: Ctx,
    as_of: AsOf = None,
    status: Annotated[str | None, Query(description="accessible, hard_to_reach, besieged")] = None,
    level: Level | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
    fmt: FormatQ = None,
) -> Response:
    tree = ctx.tree()
    when = default_as_of(ctx, as_of)
    current = analysis.status_on(ctx.store, when)
    wanted = known_word("status", status, "access", "access status")
    level_no = level_number(level)
    rows = []
    for place_id, (row, since) in sorted(current.items(), key=lambda kv: tree.places[kv[0]].pcode):
        found = tree.places[place_id]
        if (wanted and row.status != wanted) or (level_no is not None and found.level != level_no):
            continue
        rows.append(
            {
                **place_dict(found, tree),
                "status": row.status,
                "party": row.party,
                "since": since.isoformat(),
                "valid_from": row.valid_from.isoformat(),
            }
        )
    items = sharing.public_table(
        auth.principal_of(request), "access", rows[offset : offset + limit], ctx.protocol
    )
    data = {
        "as_of": when.isoformat(),
        "total": len(rows),
        "limit": limit,
        "offset": offset,
        "items": items,
    }
    return respond(request, fmt, data, tables.API_ACCESS, items, "access")


@api_router.get("/deliveries", summary="Deliveries (the 4W), filtered, newest first")
def deliveries(
    request: Request,
    ctx: Ctx,
    pcode: Annotated[str | None, Query(description="This place and the places below it.")] = None,
    organisation: Annotated[
        str | None, Query(description="Part of an implementing, reporting or donor name.")
    ] = None,
    sector: str | None = None,
    status: str | None = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    as_of: AsOf = None,
    limit: Limit = 100,
    offset: Offset = 0,
    fmt: FormatQ = None,
) -> Response:
    tree = ctx.tree()
    wanted_status = known_word("status", status, "statuses", "delivery status")
    until = min(d for d in (date_to, as_of) if d) if (date_to or as_of) else None
    where = listing.DeliveryFilter(
        place_ids=_place_ids(tree, pcode),
        organisation=organisation,
        sector=known_sector(ctx, sector),
        status=wanted_status,
        date_from=date_from,
        date_to=until,
    )
    # The policy's scope picks the rows seen in full; the protocol redacts the others.
    page = listing.deliveries(ctx.store, where, limit, offset, auth.scope_of(request))
    shown = sharing.view(auth.principal_of(request), "delivery", page.items, ctx.protocol)
    data = _page(listing.Page(shown, page.total, page.limit, page.offset))
    export_format = wanted_format(request, fmt)
    auth.record_export(request, "delivery", shown, export_format)
    columns = _shown(tables.API_DELIVERIES, shown)
    rows = flat_rows(data["items"])
    return respond(request, fmt, data, columns, rows, "deliveries")


def _shown(columns: list[Col], rows: list[dict[str, Any]]) -> list[Col]:
    """The columns of a download: those some row shows (redacted fields are in none)."""
    present = {k for row in rows for k in row}
    return [c for c in columns if c.key in present or not rows and c.key != "suppressed"]


@api_router.get("/places/{pcode}/deliveries", summary="Deliveries in a place and below it")
def place_deliveries(
    request: Request,
    ctx: Ctx,
    pcode: str,
    as_of: AsOf = None,
    limit: Limit = 100,
    offset: Offset = 0,
    fmt: FormatQ = None,
) -> Response:
    return deliveries(request, ctx, pcode, None, None, None, None, None, as_of, limit, offset, fmt)


# -- changing or deleting one record ---------------------------------------------------------------


Kind = Literal["figure", "access", "delivery"]

RecordId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The record's number.")]


class Edit(BaseModel):
    """Fields to change, as text the way a file would give them, and why."""

    set: dict[str, str] = Field(
        ..., min_length=1, examples=[{"reached": "1200", "status": "completed"}]
    )
    why: str = Field(..., min_length=1, max_length=2000)


def _check(request: Request, kind: str, fields: list[str]) -> None:
    principal = auth.principal_of(request)
    if not policy.may_edit(principal, kind, fields):
        auth.deny(request, policy.EDIT, f"{kind} {', '.join(fields) or ''}".strip())


def _refused(request: Request, kind: str, exc: StoreError) -> HTTPException:
    if isinstance(exc, OutOfScope):
        auth.deny(request, policy.EDIT, str(exc))
    status = 404 if str(exc).startswith("there is no") else 422
    return HTTPException(status, str(exc))


@edit_router.patch(
    "/records/{kind}/{record_id}",
    summary="Change fields of one figure, access change or delivery (kept in the audit trail)",
)
def edit(request: Request, kind: Kind, record_id: RecordId, body: Edit) -> dict[str, Any]:
    _check(request, kind, list(body.set))
    try:
        edited = edit_record(
            auth.request_store(request),
            kind,
            record_id,
            [f"{k}={v}" for k, v in body.set.items()],
            body.why,
            auth.scope_of(request),
        )
    except EditError as exc:
        raise HTTPException(422, str(exc)) from exc
    except StoreError as exc:
        raise _refused(request, kind, exc) from exc
    return {"kind": kind, "id": record_id, "before": edited.before, "after": edited.after}


@edit_router.delete(
    "/records/{kind}/{record_id}",
    summary="Delete one figure, access change or delivery (the audit trail keeps all of it)",
)
def delete(
    request: Request,
    kind: Kind,
    record_id: RecordId,
    why: Annotated[str, Query(min_length=1, max_length=2000)],
) -> dict[str, Any]:
    _check(request, kind, [])
    try:
        before = delete_record(
            auth.request_store(request), kind, record_id, why, auth.scope_of(request)
        )
    except StoreError as exc:
        raise _refused(request, kind, exc) from exc
    return {"kind": kind, "id": record_id, "deleted": before}


# -- the history of a place's records --------------------------------------------------------------


HISTORY_LIMIT = 500

ACTION_WORDS = {
    "import": N_("import"),
    "undo": N_("undo"),
    "edit": N_("edit"),
    "delete": N_("deletion"),
    "grade": N_("grade"),
    "add": N_("added"),
    "status": N_("status"),
}


@router.get("/places/{pcode}/history", response_class=HTMLResponse)
def history_page(request: Request, ctx: Ctx, pcode: str) -> Response:
    place, changes = place_history(ctx.store, pcode, limit=HISTORY_LIMIT)
    lang = request_language(request)
    return render_page(
        request,
        "history.html",
        lang=lang,
        place=place,
        changes=[change_row(c) for c in changes],
        limit=HISTORY_LIMIT,
        action_words={k: lang.gettext(v) for k, v in ACTION_WORDS.items()},
    )


@history_router.get(
    "/places/{pcode}/history",
    summary="The audit trail of a place and the places below it, newest first",
)
def history_api(
    ctx: Ctx,
    pcode: str,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    only: bool = False,
) -> dict[str, Any]:
    place, changes = place_history(ctx.store, pcode, below=not only, limit=limit)
    return {"pcode": place.pcode, "changes": [change_row(c) for c in changes]}
