"""The imports resource: the Import page (upload a file, read its validation report, confirm
to write it) and ``POST /api/imports``, the same import for scripts.

The page's check is a dry run of the same import the command line runs; the confirmation runs it
for real with the same options. A cancelled upload is removed at once, a confirmed one loses
its file (the rejects stay for download) and every upload is removed after
``UPLOAD_MAX_AGE_SECONDS`` (``web.uploads``).

A partner's nightly job, an analyst's notebook or a Kobo hook sends one file to
``POST /api/imports`` as ``multipart/form-data`` with ``Authorization: Bearer TOKEN`` (``lagebild
token create``). The file is kept in the app's private upload folder (``web.uploads.Uploads``)
under a generated name while it is written, as one transaction, and removed afterwards. As on the
page, the policy decides which kinds of data the caller may import (``policy.may_import``: a
partner, deliveries only) and a partner's records are stamped with its organisation.

Answers: 201 with the report (import id, rows, warnings); 422 with every problem (row, column,
value) and nothing written; 409 when the same file was imported before; 413 above the upload
limit (``WebConfig.max_upload_bytes``), refused before the rest of the body is read; 403 when the
role may not import this kind of data (in the audit trail, as every denial).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from lagebild.actions.imports import import_file, recognised_kind, undo_import
from lagebild.ingest import (
    ImportOptions,
    ImportReport,
    Problem,
    ReadError,
    load_tag_map,
    load_vocabulary_map,
)
from lagebild.ingest.catalogue import problem
from lagebild.ingest.columns import KINDS
from lagebild.ingest.notation import LOCALES
from lagebild.model import ImportEntry, SavedTagMap
from lagebild.publish import tables
from lagebild.publish.language import LANGUAGES, Language
from lagebild.security import policy
from lagebild.store import Store, StoreError
from lagebild.store.imports import import_entry, import_log
from lagebild.store.tagmaps import MAX_NAME, save_tag_map, saved_tag_map
from lagebild.web import auth
from lagebild.web.context import (
    PER_PAGE,
    FormatQ,
    Limit,
    Offset,
    pager,
    render_page,
    request_language,
    respond,
)
from lagebild.web.import_report import (
    MAX_HEADERS,
    ImportCreated,
    ImportProblem,
    ImportRefused,
    TooLarge,
    built_tag_map,
    created,
    form_page,
    headers_of,
    json_problems,
    refusal,
    rejects_said,
    report_page,
)
from lagebild.web.uploads import (
    CHUNK,
    EXTENSIONS,
    MAX_TAG_MAP_BYTES,
    MAX_XLSFORM_BYTES,
    MODES,
    XLSFORM_EXTENSIONS,
    FormError,
    Upload,
    Uploads,
    copy_upload,
    extension,
    limited_request,
    safe_name,
    upload_limit,
    uploads_of,
)


@asynccontextmanager
async def _lifespan(app: Any) -> AsyncIterator[None]:
    """When the app stops, its uploads go: they may hold data nobody confirmed."""
    try:
        yield
    finally:
        uploads = getattr(app.state, "uploads", None)
        if isinstance(uploads, Uploads):
            uploads.close()


router = APIRouter(include_in_schema=False, lifespan=_lifespan)
api_router = APIRouter(prefix="/api", tags=["imports"])


# ---- the page's form ----------------------------------------------------------------------------


def _form_values(form: Any) -> dict[str, str]:
    names = ("source", "locale", "sheet", "kind", "date", "mode", "update_places", "saved_tags")
    return {n: v.strip() for n in names if isinstance(v := form.get(n), str)}


def _options_from(values: dict[str, str]) -> dict[str, Any]:
    locale = values.get("locale") or "en"
    if locale not in LOCALES:
        raise FormError("locale", value=locale)
    kind = values.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise FormError("kind", value=kind)
    mode = values.get("mode") or "strict"
    if mode not in MODES:
        raise FormError("mode", value=mode)
    on = values.get("date") or None
    if on is not None:
        try:
            on = date.fromisoformat(on).isoformat()
        except ValueError:
            raise FormError("date", value=on) from None
    return {
        "source": values.get("source") or None,
        "locale": locale,
        "sheet": values.get("sheet") or None,
        "kind": kind,
        "date": on,
        "mode": mode,
        "update_places": values.get("update_places") == "yes",
    }


def _receive(
    uploads: Uploads, form: Any, values: dict[str, str], limit: int, saved: SavedTagMap | None
) -> Upload:
    """Check the form and put its files into a new upload folder; ``saved`` is the saved tag
    map chosen in the field "Tag map" (a tag map file uploaded beside it wins)."""
    options = _options_from(values)
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        raise FormError("no-file")
    name = safe_name(file.filename)
    if extension(name) not in EXTENSIONS:
        raise FormError("extension", value=extension(name) or name)
    tags = form.get("tags")
    has_tags = isinstance(tags, UploadFile) and bool(tags.filename)
    token, folder = uploads.new()
    try:
        upload = Upload(
            token=token, folder=folder, file_name=name, asked_kind=options["kind"], **options
        )
        upload.path.parent.mkdir()
        copy_upload(file.file, upload.path, limit)
        if has_tags:
            assert isinstance(tags, UploadFile)
            tag_file = folder / "tags.yml"
            try:
                copy_upload(tags.file, tag_file, MAX_TAG_MAP_BYTES)
                upload.tag_map = load_tag_map(tag_file)
            except FormError as exc:
                raise FormError("tags-" + exc.code, exc.status, **exc.values) from None
            except ReadError as exc:
                raise FormError("tags", reason=exc.said) from None
            upload.tag_map_name = safe_name(tags.filename)
        elif saved is not None:
            upload.tag_map, upload.tag_map_name = saved.mapping, saved.name
        sectors = form.get("sectors")
        if isinstance(sectors, UploadFile) and sectors.filename:
            map_file = folder / "sectors.yml"
            try:
                copy_upload(sectors.file, map_file, MAX_TAG_MAP_BYTES)
                upload.sector_map = load_vocabulary_map(map_file)
            except FormError as exc:
                raise FormError("sectors-" + exc.code, exc.status, **exc.values) from None
            except ReadError as exc:
                raise FormError("sectors", reason=exc.said) from None
            upload.sector_map_name = safe_name(sectors.filename)
        _receive_xlsform(form, upload)
        upload.save()
        return upload
    except BaseException:
        uploads.discard(token)
        raise


def _receive_xlsform(form: Any, upload: Upload) -> None:
    """The XLSForm of a Kobo or ODK export, when one came in the field "xlsform"."""
    xlsform = form.get("xlsform")
    if not isinstance(xlsform, UploadFile) or not xlsform.filename:
        return
    name = safe_name(xlsform.filename)
    suffix = extension(name)
    if suffix not in XLSFORM_EXTENSIONS:
        raise FormError("xlsform", value=suffix or name)
    target = f"form{suffix}"
    try:
        copy_upload(xlsform.file, upload.folder / target, MAX_XLSFORM_BYTES)
    except FormError as exc:
        raise FormError("xlsform-" + exc.code, exc.status, **exc.values) from None
    upload.xlsform, upload.xlsform_name = target, name


def _check(store: Store, uploads: Uploads, upload: Upload) -> ImportReport:
    """The dry run: what the import would do and every problem it finds."""
    with uploads.lock(upload.token):
        return import_file(store, upload.path, upload.options(dry_run=True)).report


def _write(store: Store, uploads: Uploads, upload: Upload) -> tuple[Upload, ImportReport | None]:
    """The import itself; an upload already imported returns its stored result."""
    with uploads.lock(upload.token):
        upload = uploads.get(upload.token) or upload
        if upload.result is not None:
            return upload, None
        # the rejects file also in the page's other languages, for its download
        said = {code: rejects_said(code) for code in LANGUAGES if code != "en"}
        outcome = import_file(store, upload.path, upload.options(False, rejects_said=said))
        report = outcome.report
        if outcome.refused:
            return upload, report
        upload.result = {
            "import_id": report.import_id,
            "kind": report.kind,
            "rows_read": report.rows_read,
            "rows_written": report.rows_written,
            "records_written": report.records_written,
            "records_replaced": report.records_replaced,
            "rows_rejected": report.rows_rejected,
            "warnings": report.warning_count,
            "rejects": report.rejects_path is not None and report.rejects_path.exists(),
        }
        upload.save()
        upload.path.unlink(missing_ok=True)
        return upload, report


def _gone(request: Request, token: str) -> Response:
    return form_page(request, error=FormError("unknown-token", 404, token=token[:64]))


# ---- the page's routes --------------------------------------------------------------------------


@router.get("/import")
def import_form(request: Request, cancelled: bool = False) -> Response:
    uploads_of(request).sweep()
    return form_page(request, values={"locale": "en", "mode": "strict"}, cancelled=cancelled)


@router.post("/import")
async def import_check(request: Request) -> Response:
    uploads = uploads_of(request)
    await run_in_threadpool(uploads.sweep)
    limit = upload_limit(request)
    # the file, the tag and sector maps (1 MB between them at the most), an XLSForm and the
    # form fields
    body_limit = limit + MAX_TAG_MAP_BYTES + MAX_XLSFORM_BYTES + CHUNK
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > body_limit:
        return form_page(request, error=FormError("too-large", 413, limit=limit))
    values: dict[str, str] = {}
    principal = auth.principal_of(request)
    store = request.app.state.lagebild.store
    try:
        async with limited_request(request, body_limit).form(max_files=4, max_fields=20) as form:
            values = _form_values(form)
            saved = await run_in_threadpool(_saved_map, store, principal, values)
            upload = await run_in_threadpool(_receive, uploads, form, values, limit, saved)
    except FormError as exc:
        return form_page(request, values, exc)
    upload.owner, upload.organisation = principal.name, policy.import_organisation(principal)
    # Only who may import a gazetteer may let one rename and move places.
    upload.update_places = upload.update_places and policy.may_import(principal, "places")
    upload.save()
    report = await run_in_threadpool(_check, store, uploads, upload)
    await run_in_threadpool(_allow_kind, request, uploads, upload, report)
    return report_page(request, upload, report, "check")


def _saved_map(store: Store, principal: policy.Principal, values: dict[str, str]) -> Any:
    """The saved tag map chosen in the form, if any: one the uploader's scope may use."""
    name = values.get("saved_tags")
    if not name:
        return None
    saved = saved_tag_map(store, name, policy.scope_of(principal), principal.organisation)
    if saved is None:
        raise FormError("saved-tags", value=name[:MAX_NAME])
    return saved


@router.post("/import/{token}/tags")
async def import_tags(request: Request, token: str) -> Response:
    """The tag map built on the page: a hashtag for each header of the file (blank: the column
    is left out), saved under a name if one is given; then the check again, with the map."""
    uploads = uploads_of(request)
    upload = _mine(request, uploads.get(token))
    if upload is None:
        return _gone(request, token)
    if upload.result is not None:
        return report_page(request, upload, None, "done")
    async with request.form(max_files=0, max_fields=MAX_HEADERS + 5) as form:
        given = {k: v for k, v in form.items() if isinstance(v, str)}
    store = request.app.state.lagebild.store
    headers = await run_in_threadpool(headers_of, upload)
    try:
        mapping = built_tag_map(headers, given)
    except FormError as exc:
        report = await run_in_threadpool(_check, store, uploads, upload)
        return report_page(
            request, upload, report, "check", status=422, tag_error=exc, built=given
        )
    name = given.get("save_as", "").strip()[:MAX_NAME]
    upload.tag_map, upload.tag_map_name = mapping, name or None
    upload.kind = upload.asked_kind  # the new map may make the file another kind
    upload.save()
    if name:
        principal = auth.principal_of(request)
        organisation = principal.organisation_id if principal.role == "partner" else None
        await run_in_threadpool(
            save_tag_map, store, name, mapping, organisation, principal.name
        )
    report = await run_in_threadpool(_check, store, uploads, upload)
    await run_in_threadpool(_allow_kind, request, uploads, upload, report)
    return report_page(request, upload, report, "check", saved_as=name or None)


def _mine(request: Request, upload: Upload | None) -> Upload | None:
    """An upload is its uploader's alone: to anyone else it is unknown."""
    if upload is None or upload.owner != auth.principal_of(request).name:
        return None
    return upload


def _allow_kind(request: Request, uploads: Uploads, upload: Upload, report: ImportReport) -> None:
    """The policy says which kinds of data the uploader may import; the kind checked is the
    kind the confirmation writes (a file of another kind is refused and discarded)."""
    if report.kind is None:
        return
    if not policy.may_import(auth.principal_of(request), report.kind):
        uploads.discard(upload.token)
        auth.deny(request, policy.IMPORT, f"import of {report.kind}")
    upload.kind = report.kind
    upload.save()


@router.post("/import/{token}/mode")
async def import_mode(request: Request, token: str) -> Response:
    """Check the upload again in the other mode (strict or skip-invalid)."""
    uploads = uploads_of(request)
    upload = _mine(request, uploads.get(token))
    if upload is None:
        return _gone(request, token)
    if upload.result is not None:
        return report_page(request, upload, None, "done")
    async with request.form(max_files=0, max_fields=5) as form:
        mode = form.get("mode")
    if mode in MODES:
        upload.mode = str(mode)
        upload.save()
    store = request.app.state.lagebild.store
    report = await run_in_threadpool(_check, store, uploads, upload)
    return report_page(request, upload, report, "check")


@router.post("/import/{token}/confirm")
async def import_confirm(request: Request, token: str) -> Response:
    uploads = uploads_of(request)
    upload = _mine(request, uploads.get(token))
    if upload is None:
        return _gone(request, token)
    store = auth.request_store(request)  # the audit trail names the signed-in user
    written, report = await run_in_threadpool(_write, store, uploads, upload)
    if written.result is None:
        return report_page(request, written, report, "failed", status=422)
    return report_page(request, written, report, "done")


@router.post("/import/{token}/cancel")
def import_cancel(request: Request, token: str) -> Response:
    if _mine(request, uploads_of(request).get(token)) is not None:
        uploads_of(request).discard(token)
    return RedirectResponse("/import?cancelled=true", status_code=303)


@router.get("/import/{token}/rejects.csv")
def import_rejects(request: Request, token: str) -> Response:
    upload = _mine(request, uploads_of(request).get(token))
    if upload is None:
        return _gone(request, token)
    if not upload.rejects.is_file():
        return form_page(request, error=FormError("no-rejects", 404))
    # the reasons in the page's language; the command line's English file otherwise
    said = upload.rejects_in(request_language(request).code)
    stem = Path(upload.file_name).stem or "upload"
    return FileResponse(
        said if said.is_file() else upload.rejects, media_type="text/csv; charset=utf-8",
        filename=f"{stem}.rejects.csv",
    )


# ---- the list of imports, and undo --------------------------------------------------------------

#: The longest reason for an undo the page takes (as the API's edits).
MAX_WHY = 2000


def _entry_dict(entry: ImportEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "file_name": entry.file_name,
        "kind": entry.kind,
        "rows": entry.rows,
        "rejected": entry.rejected,
        "warnings": entry.warnings,
        "imported_at": entry.imported_at.isoformat(sep=" "),
        "imported_by": entry.imported_by,
        "organisation": entry.organisation,
        "source": entry.source,
        "status": entry.status,
        "undone_at": entry.undone_at.isoformat(sep=" ") if entry.undone_at else None,
        "undone_by": entry.undone_by,
        "why": entry.why,
    }


def _imports_page(
    request: Request, offset: int, status_code: int = 200, error: str | None = None,
    failed: int | None = None,
) -> Response:
    store = request.app.state.lagebild.store
    principal = auth.principal_of(request)
    entries, total = import_log(store, policy.scope_of(principal), PER_PAGE, offset)
    return render_page(
        request,
        "imports.html",
        status_code=status_code,
        entries=entries,
        total=total,
        offset=offset,
        pages=pager("/imports", {}, offset, PER_PAGE, total),
        undoable={e.id for e in entries if not e.undone and policy.may_undo(principal, e.kind)},
        done=request.query_params.get("done"),
        error=error,
        failed=failed,
    )


@router.get("/imports")
def imports_page(request: Request, offset: Offset = 0) -> Response:
    """Every import (a partner: its organisation's), newest first, each with Undo."""
    return _imports_page(request, offset)


def _undo_page(
    request: Request, entry: ImportEntry, status_code: int = 200, error: str | None = None,
    why: str = "",
) -> Response:
    return render_page(
        request, "undo.html", status_code=status_code, entry=entry, error=error, why=why,
        max_why=MAX_WHY,
    )


def _undoable(request: Request, import_id: int) -> ImportEntry | Response:
    """The import to undo, when the reader may; else the list with why not."""
    principal = auth.principal_of(request)
    store = request.app.state.lagebild.store
    entry = import_entry(store, import_id, policy.scope_of(principal))
    if entry is None:
        return _imports_page(request, 0, 404, "unknown", import_id)
    if not policy.may_undo(principal, entry.kind):
        auth.deny(request, policy.IMPORT, f"undo of {entry.kind}")
    if entry.undone:
        return _imports_page(request, 0, 409, "undone", import_id)
    return entry


@router.get("/imports/{import_id}/undo")
def imports_undo_form(request: Request, import_id: int) -> Response:
    """What undoing the import takes back, and the reason asked for, before anything goes."""
    found = _undoable(request, import_id)
    return found if isinstance(found, Response) else _undo_page(request, found)


@router.post("/imports/{import_id}/undo")
async def imports_undo(request: Request, import_id: int) -> Response:
    """Undo one import with a reason, as ``lagebild import --undo ID --why TEXT``."""
    async with request.form(max_files=0, max_fields=5) as form:
        why = str(form.get("why") or "").strip()
    found = await run_in_threadpool(_undoable, request, import_id)
    if isinstance(found, Response):
        return found
    if not why or len(why) > MAX_WHY:
        return _undo_page(request, found, 422, "why", why[:MAX_WHY])
    try:
        await run_in_threadpool(undo_import, auth.request_store(request), import_id, why)
    except StoreError:
        return _imports_page(request, 0, 409, "undone", import_id)
    return RedirectResponse(f"/imports?done=undone&import={import_id}", status_code=303)


@api_router.get("/imports", summary="Every import, newest first: file, kind, rows, who, undone")
def imports_list(
    request: Request, limit: Limit = 100, offset: Offset = 0, fmt: FormatQ = None
) -> Response:
    store = request.app.state.lagebild.store
    entries, total = import_log(store, auth.scope_of(request), limit, offset)
    items = [_entry_dict(e) for e in entries]
    data = {"total": total, "limit": limit, "offset": offset, "items": items}
    return respond(request, fmt, data, tables.IMPORTS, items, "imports")


# ---- the API ------------------------------------------------------------------------------------


#: Form fields besides the file; anything else is refused (a typing slip should not pass).
FIELDS = ("source", "date", "locale", "kind", "sheet", "update_places")
#: Room for the multipart framing and the form fields around the file.
_FORM_OVERHEAD = 64 * 1024

_REQUEST_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "HXL-tagged CSV or XLSX (also TSV, ODS, GeoJSON), as "
                        f"for lagebild import: {', '.join(EXTENSIONS)}.",
                    },
                    "source": {
                        "type": "string",
                        "description": "Source of rows without a #meta+source of their own.",
                    },
                    "date": {
                        "type": "string",
                        "format": "date",
                        "description": "Date of figure and access rows without a date.",
                    },
                    "locale": {
                        "type": "string",
                        "enum": list(LOCALES),
                        "default": "en",
                        "description": "Number notation of the file.",
                    },
                    "kind": {
                        "type": "string",
                        "enum": list(KINDS),
                        "description": "The kind of data (default: recognised from the hashtags).",
                    },
                    "sheet": {"type": "string", "description": "Spreadsheets: the sheet's name."},
                    "xlsform": {
                        "type": "string",
                        "format": "binary",
                        "description": "The XLSForm of a KoboToolbox or ODK Central export "
                        "sent as the file, as lagebild import --form: "
                        f"{', '.join(XLSFORM_EXTENSIONS)}.",
                    },
                    "update_places": {
                        "type": "boolean",
                        "default": False,
                        "description": "A gazetteer may rename known places and move them to "
                        "another parent (else it is refused, listing them).",
                    },
                },
            }
        }
    },
}


class _Refused(Exception):
    """A request refused before the import ran: 413 for size, 422 for its form."""

    def __init__(self, status: int, problem: Problem, limit: int | None = None) -> None:
        super().__init__(problem.reason)
        self.status = status
        self.problem = problem
        self.limit = limit


def _form_problem(key: str, field: str, value: str | None, **params: object) -> Problem:
    return problem(key, "", None, field, value, **params)


def _too_large(limit: int) -> _Refused:
    return _Refused(413, _form_problem("too-large", "file", None, limit=limit), limit)


def _from_form(error: FormError, body_limit: int) -> _Refused:
    """The API's refusal of what the upload folder refuses: a body or file too large, or an
    empty file."""
    if error.code == "too-large":
        limit = error.values.get("limit")  # the file's limit; else the body's
        return _too_large(limit if isinstance(limit, int) else body_limit)
    return _Refused(422, _form_problem("empty", "file", None))


def _options(form: Any, organisation: str | None) -> ImportOptions:
    """The import's options from the form's fields; every unusable field is a problem."""
    values = {}
    for name, value in form.multi_items():
        if name in ("file", "xlsform"):
            continue
        if name not in FIELDS:
            raise _Refused(
                422,
                _form_problem(
                    "invalid-field/unknown", name, None, name=name, fields=", ".join(FIELDS)
                ),
            )
        if not isinstance(value, str):
            raise _Refused(422, _form_problem("invalid-field/not-text", name, None, name=name))
        values[name] = value.strip()
    locale = values.get("locale") or "en"
    if locale not in LOCALES:
        raise _Refused(
            422, _form_problem("invalid-field", "locale", locale, allowed=", ".join(LOCALES))
        )
    kind = values.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise _Refused(422, _form_problem("invalid-field", "kind", kind, allowed=", ".join(KINDS)))
    on = None
    if values.get("date"):
        try:
            on = date.fromisoformat(values["date"])
        except ValueError:
            raise _Refused(
                422, _form_problem("invalid-field/date", "date", values["date"])
            ) from None
    update = values.get("update_places", "").lower()
    if update not in _BOOLEANS:
        raise _Refused(422, _form_problem("invalid-field/yes-no", "update_places", update))
    return ImportOptions(
        source=values.get("source") or None,
        locale=locale,
        sheet=values.get("sheet") or None,
        kind=kind,
        date=on,
        organisation=organisation,
        update_places=_BOOLEANS[update],
    )


#: How a form writes yes and no (an absent field is no).
_BOOLEANS = {
    "": False,
    "false": False,
    "0": False,
    "no": False,
    "true": True,
    "1": True,
    "yes": True,
}


def _keep(uploads: Uploads, file: Any, limit: int) -> tuple[str, Path]:
    """Copy the uploaded file into a private folder of its own: (token, path)."""
    if not isinstance(file, UploadFile) or not file.filename:
        raise _Refused(422, _form_problem("no-file", "file", None))
    name = safe_name(file.filename)
    if extension(name) not in EXTENSIONS:
        raise _Refused(
            422,
            _form_problem(
                "extension", "file", extension(name) or name, extensions=", ".join(EXTENSIONS)
            ),
        )
    token, folder = uploads.new()
    try:
        target = folder / "file" / name
        target.parent.mkdir()
        copy_upload(file.file, target, limit)
    except BaseException:
        uploads.discard(token)
        raise
    return token, target


def _keep_xlsform(folder: Path, file: Any) -> Path | None:
    """The XLSForm sent beside the file (the field ``xlsform``), into the file's folder."""
    if not isinstance(file, UploadFile) or not file.filename:
        return None
    suffix = extension(safe_name(file.filename))
    if suffix not in XLSFORM_EXTENSIONS:
        allowed = ", ".join(XLSFORM_EXTENSIONS)
        problem = _form_problem("extension", "xlsform", suffix or None, extensions=allowed)
        raise _Refused(422, problem)
    target = folder / f"form{suffix}"
    copy_upload(file.file, target, MAX_XLSFORM_BYTES)
    return target


def _form_refusal(exc: _Refused, lang: Language) -> JSONResponse:
    """A form that cannot be imported, said in ``lang`` (the request's language)."""
    reason = lang.reason(exc.problem)
    if exc.status == 413:
        body: BaseModel = TooLarge(error=reason, status=413, limit=exc.limit or 0)
    else:
        body = ImportRefused(
            error=f"{exc.problem.column}: {reason}",
            status=exc.status,
            errors=1,
            problems=json_problems([exc.problem], lang),
        )
    return JSONResponse(body.model_dump(), status_code=exc.status)


@api_router.post(
    "/imports",
    status_code=201,
    summary="Import a file (one transaction: all or nothing)",
    response_description="The import's report",
    openapi_extra={"requestBody": _REQUEST_BODY},
    responses={
        201: {"model": ImportCreated, "description": "Written: the import's id, rows, warnings."},
        403: {"description": "The role may not import this kind of data."},
        409: {"model": ImportRefused, "description": "This file was imported before."},
        413: {"model": TooLarge, "description": "The file is larger than the server accepts."},
        422: {"model": ImportRefused, "description": "Nothing written: every problem found."},
    },
)
async def create_import(request: Request) -> Response:
    """Import one file as ``lagebild import`` does: the kind of data is recognised from its
    hashtags, every cell is validated, and the file is written in one transaction or not at all.
    A partner's records belong to its organisation. Send ``Authorization: Bearer TOKEN``.
    """
    principal = auth.principal_of(request)
    limit = upload_limit(request)
    body_limit = limit + MAX_XLSFORM_BYTES + _FORM_OVERHEAD
    declared = request.headers.get("content-length", "")
    uploads = uploads_of(request)
    token: str | None = None
    try:
        if declared.isdigit() and int(declared) > body_limit:
            raise _too_large(limit)
        async with limited_request(request, body_limit).form(max_files=2, max_fields=10) as form:
            options = _options(form, policy.import_organisation(principal))
            token, path = await run_in_threadpool(_keep, uploads, form.get("file"), limit)
            sent = form.get("xlsform")
            xlsform = await run_in_threadpool(_keep_xlsform, path.parent.parent, sent)
            options = replace(options, form=xlsform)
        kind = await run_in_threadpool(recognised_kind, path, options)
        if kind is not None and not policy.may_import(principal, kind):
            await run_in_threadpool(auth.deny, request, policy.IMPORT, f"import of {kind}")
        if kind is not None:
            options = replace(options, kind=kind)
        store = auth.request_store(request)  # the audit trail names the caller
        outcome = await run_in_threadpool(import_file, store, path, options)
    except _Refused as exc:
        return _form_refusal(exc, request_language(request))
    except FormError as exc:
        return _form_refusal(_from_form(exc, body_limit), request_language(request))
    finally:
        if token is not None:
            uploads.discard(token)
    if outcome.refused:
        again = any(p.code == "already-imported" for p in outcome.report.errors)
        return refusal(409 if again else 422, outcome.report, request_language(request))
    return created(outcome.report, options.organisation, request_language(request))


__all__ = [
    "ImportCreated",
    "ImportProblem",
    "ImportRefused",
    "api_router",
    "create_import",
    "router",
]
