"""The records the picture is made of: figures, access changes and deliveries.

Their lists in the API (``/api/figures``, ``/api/access``, ``/api/deliveries``, and those of a
place and below it), changing or deleting one (``PATCH`` and ``DELETE /api/records/...``, as
``lagebild edit`` and ``lagebild delete`` do: checked like an import, recorded in the audit trail
as the signed-in user; a partner may change only its own organisation's deliveries), and the
history of the records of a place and below it, the audit trail (``/places/{pcode}/history`` and
``/api/places/{pcode}/history``, as ``lagebild history PCODE``).

The same in the browser: the page ``/records`` lists them (here and below a place), and
``/records/{kind}/{id}`` has a small form to change a record and one to delete it, each with a
reason (the deletion also with a confirmation); the place page and the list link each record
there for who may change it. The forms post to ``.../edit`` and ``.../delete`` with the session's
CSRF token; the policy and the organisation's scope are checked as the API checks them, and the
page returns to where it came from with a message.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from lagebild import analysis
from lagebild.actions.records import delete_record, edit_record
from lagebild.analysis.changes import change_row, describe, place_history
from lagebild.analysis.place import find, place_dict, subtree_ids
from lagebild.analysis.tree import PlaceTree
from lagebild.ingest.edit import EditError
from lagebild.messages import Message
from lagebild.publish import tables
from lagebild.publish.tables import Col
from lagebild.publish.words import N_, change_lines
from lagebild.security import policy
from lagebild.security import protocol as sharing
from lagebild.store import StoreError, listing
from lagebild.store.audit import EDITABLE, OutOfScope, record_of
from lagebild.web import auth
from lagebild.web.context import (
    PER_PAGE,
    AsOf,
    Ctx,
    FormatQ,
    Level,
    Limit,
    Offset,
    PcodeQ,
    default_as_of,
    error_page,
    find_place,
    flat_rows,
    known_sector,
    known_word,
    level_number,
    link,
    pager,
    render_page,
    request_language,
    respond,
    wanted_format,
)

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


#: The kinds of record as a sentence names them.
RECORD_WORDS = {"figure": N_("figure"), "access": N_("access change"), "delivery": N_("delivery")}


def _refused(request: Request, kind: str, record_id: int, exc: StoreError) -> HTTPException:
    if isinstance(exc, OutOfScope):
        auth.deny(request, policy.EDIT, str(exc))
    if str(exc) == f"there is no {kind} #{record_id}":
        # The same sentence, said in the request's language.
        said = Message(
            N_("there is no %(kind)s #%(id)s"),
            {"kind": Message(RECORD_WORDS[kind]), "id": str(record_id)},
        )
        return HTTPException(404, said)
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
        raise HTTPException(422, exc.words) from exc  # said in the request's language
    except StoreError as exc:
        raise _refused(request, kind, record_id, exc) from exc
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
        raise _refused(request, kind, record_id, exc) from exc
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
        changes=change_lines(changes, lang),
        limit=HISTORY_LIMIT,
        action_words={k: lang.gettext(v) for k, v in ACTION_WORDS.items()},
    )


@history_router.get(
    "/places/{pcode}/history",
    summary="The audit trail of a place and the places below it, newest first",
)
def history_api(
    request: Request,
    ctx: Ctx,
    pcode: str,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    only: bool = False,
) -> dict[str, Any]:
    """Each change as the command line gives it; its line (``what``) in the language the
    request asks for, as the history page says it (English unless another is asked for)."""
    place, changes = place_history(ctx.store, pcode, below=not only, limit=limit)
    rows = [change_row(c) for c in changes]
    lang = request_language(request)
    if lang.code != "en":
        for row, change in zip(rows, changes, strict=True):
            row["what"] = lang.message(describe(change))
    return {"pcode": place.pcode, "changes": rows}


# -- changing or deleting one record from a page ---------------------------------------------------

#: The fields of the edit form, in words.
FIELD_WORDS = {
    "value": N_("Value"),
    "date": N_("Date"),
    "date_start": N_("Start date"),
    "date_end": N_("End date"),
    "valid_from": N_("Valid from"),
    "status": N_("Status"),
    "party": N_("Besieging party"),
    "sector": N_("Sector"),
    "reliability": N_("Reliability (A-F; empty: the source's)"),
    "credibility": N_("Credibility (1-6; empty: the source's)"),
    "reached": N_("People reached"),
    "households": N_("Households"),
    "reached_female": N_("Women and girls reached"),
    "reached_male": N_("Men and boys reached"),
    "reached_children": N_("Children reached"),
    "org_impl": N_("Implementing organisation"),
    "org_reporting": N_("Reporting organisation"),
    "donor": N_("Donor"),
    "activity": N_("Activity"),
    "modality": N_("Modality"),
    "item": N_("Item"),
    "quantity": N_("Quantity"),
    "unit": N_("Unit"),
    "value_usd": N_("Value (USD)"),
}
KIND_WORDS = {"figure": N_("Figure"), "access": N_("Access change"), "delivery": N_("Delivery")}
MAX_WHY = 2000


def _as_text(value: Any) -> str:
    """A stored value as the edit form shows it: as a file would give it."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _back(request: Request, sent: str | None, pcode: str | None) -> str:
    """Where the page returns to: a path of this site (never another's), else the place."""
    if sent and sent.startswith("/") and not sent.startswith("//") and "\\" not in sent:
        return sent
    return f"/places/{pcode}" if pcode else "/"


def _with_done(path: str, done: str) -> str:
    return path + ("&" if "?" in path else "?") + urlencode({"done": done})


def _editable(request: Request, kind: str) -> list[str]:
    """The fields this reader may change (a grade only who may grade)."""
    principal = auth.principal_of(request)
    _, fields = EDITABLE[kind]
    grades = policy.may(principal, policy.GRADE)
    return [f for f in fields if f not in policy.GRADE_FIELDS or grades]


def _record_or_refuse(request: Request, kind: str, record_id: int) -> dict[str, Any] | None:
    """The record, when the reader may change it; None when there is none (a 404 page)."""
    if not policy.may_edit(auth.principal_of(request), kind):
        auth.deny(request, policy.EDIT, kind)
    try:
        return record_of(request.app.state.lagebild.store, kind, record_id, auth.scope_of(request))
    except OutOfScope as exc:
        auth.deny(request, policy.EDIT, str(exc))
    except StoreError:
        return None
    return None


def _record_page(
    request: Request,
    kind: str,
    record: dict[str, Any],
    back: str,
    status_code: int = 200,
    error: str | None = None,
    detail: str | None = None,
    sent: dict[str, str] | None = None,
) -> Response:
    lang = request_language(request)
    fields = _editable(request, kind)
    return render_page(
        request,
        "record.html",
        status_code=status_code,
        lang=lang,
        kind=kind,
        kind_word=lang.gettext(KIND_WORDS[kind]),
        record=record,
        fields=[(f, lang.gettext(FIELD_WORDS.get(f, f))) for f in fields],
        values={f: (sent or {}).get(f, _as_text(record.get(f))) for f in fields},
        why=(sent or {}).get("why", ""),
        back=back,
        error=error,
        detail=detail,
        max_why=MAX_WHY,
    )


def _gone(request: Request, kind: str, record_id: int) -> Response:
    return error_page(request, 404, "http", detail=f"there is no {kind} #{record_id}")


@router.get("/records/{kind}/{record_id}", response_class=HTMLResponse)
def record_page(
    request: Request,
    kind: Kind,
    record_id: RecordId,
    back: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """One record with a small form to change it and one to delete it, each with a reason."""
    record = _record_or_refuse(request, kind, record_id)
    if record is None:
        return _gone(request, kind, record_id)
    return _record_page(request, kind, record, _back(request, back, record.get("pcode")))


async def _form(request: Request) -> dict[str, str]:
    async with request.form(max_files=0, max_fields=40) as sent:
        return {k: v.strip() for k, v in sent.items() if isinstance(v, str)}


@router.post("/records/{kind}/{record_id}/edit")
async def record_edit(request: Request, kind: Kind, record_id: RecordId) -> Response:
    """Change the fields whose value the form changed, with a reason (``lagebild edit``)."""
    form = await _form(request)
    record = await run_in_threadpool(_record_or_refuse, request, kind, record_id)
    if record is None:
        return _gone(request, kind, record_id)
    back = _back(request, form.get("back"), record.get("pcode"))
    fields = _editable(request, kind)
    assignments = [
        f"{f}={form[f]}" for f in fields if f in form and form[f] != _as_text(record.get(f))
    ]
    why = form.get("why", "")
    problem = None
    if not assignments:
        problem = "nothing"
    elif not why or len(why) > MAX_WHY:
        problem = "why"
    if problem:
        return _record_page(request, kind, record, back, 422, problem, sent=form)
    try:
        await run_in_threadpool(
            edit_record, auth.request_store(request), kind, record_id, assignments, why,
            auth.scope_of(request),
        )
    except EditError as exc:
        said = request_language(request).message(exc.words)
        return _record_page(request, kind, record, back, 422, "value", said, form)
    except OutOfScope as exc:
        await run_in_threadpool(auth.deny, request, policy.EDIT, str(exc))
    except StoreError:
        return _gone(request, kind, record_id)
    return RedirectResponse(_with_done(back, "edited"), status_code=303)


@router.post("/records/{kind}/{record_id}/delete")
async def record_delete(request: Request, kind: Kind, record_id: RecordId) -> Response:
    """Delete the record, with a reason and a confirmation (``lagebild delete``)."""
    form = await _form(request)
    record = await run_in_threadpool(_record_or_refuse, request, kind, record_id)
    if record is None:
        return _gone(request, kind, record_id)
    back = _back(request, form.get("back"), record.get("pcode"))
    why = form.get("delete_why", "")
    if form.get("confirm") != "yes":
        return _record_page(request, kind, record, back, 422, "confirm", sent=form)
    if not why or len(why) > MAX_WHY:
        return _record_page(request, kind, record, back, 422, "delete_why", sent=form)
    try:
        await run_in_threadpool(
            delete_record, auth.request_store(request), kind, record_id, why,
            auth.scope_of(request),
        )
    except OutOfScope as exc:
        await run_in_threadpool(auth.deny, request, policy.EDIT, str(exc))
    except StoreError:
        return _gone(request, kind, record_id)
    return RedirectResponse(_with_done(back, "deleted"), status_code=303)


# -- the lists of records, each with its Change link -----------------------------------------------

LIST_KINDS = ("delivery", "figure", "access")
KIND_PLURALS = {"figure": N_("Figures"), "access": N_("Access changes"),
                "delivery": N_("Deliveries")}


@router.get("/records", response_class=HTMLResponse)
def records_page(
    request: Request,
    ctx: Ctx,
    kind: Kind = "delivery",
    pcode: PcodeQ = None,
    offset: Offset = 0,
) -> Response:
    """Figures, access changes or deliveries, newest first (here and below a place), each with a
    link to change or delete it for who may."""
    place = find_place(ctx, pcode)
    below = subtree_ids(ctx.tree(), place) if place else None
    principal = auth.principal_of(request)
    if kind == "figure":
        page = listing.figures(ctx.store, below, limit=PER_PAGE, offset=offset)
    elif kind == "access":
        page = listing.access_list(ctx.store, below, PER_PAGE, offset)
    else:
        found = listing.deliveries(
            ctx.store, listing.DeliveryFilter(place_ids=below), PER_PAGE, offset,
            auth.scope_of(request),
        )
        shown = sharing.view(principal, "delivery", found.items, ctx.protocol)
        page = listing.Page(shown, found.total, found.limit, found.offset)
    lang = request_language(request)
    params = {"kind": kind, "pcode": place.pcode if place else None}
    return render_page(
        request,
        "records.html",
        lang=lang,
        kind=kind,
        kinds=[(k, lang.gettext(KIND_PLURALS[k])) for k in LIST_KINDS],
        place=place,
        rows=page.items,
        total=page.total,
        pages=pager("/records", params, offset, PER_PAGE, page.total),
        may_change=policy.may_edit(principal, kind),
        back=link("/records", {**params, "offset": offset or None}),
        done=request.query_params.get("done"),
    )
