"""``POST /api/imports``: the import of the /import page and of ``lagebild import``, for scripts.

A partner's nightly job, an analyst's notebook or a Kobo hook sends one file as
``multipart/form-data`` with ``Authorization: Bearer TOKEN`` (``lagebild token create``). The file
is kept in the app's private upload folder (``web.upload.Uploads``) under a generated name while
``lagebild.ingest.import_file`` writes it, as one transaction, and removed afterwards. As on the
page, the policy decides which kinds of data the caller may import (``policy.may_import``: a
partner, deliveries only) and a partner's records are stamped with its organisation.

Answers: 201 with the report (import id, rows, warnings); 422 with every problem (row, column,
value) and nothing written; 409 when the same file was imported before; 413 above the upload
limit (``WebConfig.max_upload_bytes``), refused before the rest of the body is read; 403 when the
role may not import this kind of data (in the audit trail, as every denial).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import IO, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.types import Message

from lagebild.analysis.trust import add_consistency_warnings
from lagebild.ingest import (
    ImportFailed,
    ImportOptions,
    ImportReport,
    Problem,
    ReadError,
    import_file,
)
from lagebild.ingest.catalogue import problem
from lagebild.ingest.columns import KINDS, LayoutError, layout_for
from lagebild.ingest.notation import LOCALES
from lagebild.ingest.problems import ERROR
from lagebild.ingest.read import open_table
from lagebild.security import policy
from lagebild.store import Store
from lagebild.web import auth
from lagebild.web.upload import EXTENSIONS, Uploads, extension, safe_name, upload_limit, uploads_of

router = APIRouter(prefix="/api", tags=["imports"])

#: Form fields besides the file; anything else is refused (a typing slip should not pass).
FIELDS = ("source", "date", "locale", "kind", "sheet", "update_places")
#: Room for the multipart framing and the form fields around the file.
_FORM_OVERHEAD = 64 * 1024
_CHUNK = 1 << 20


class ImportProblem(BaseModel):
    """One problem of an import: the file, row and column it concerns and the value found."""

    severity: str
    code: str
    reason: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None


class ImportCreated(BaseModel):
    """A written import."""

    import_id: int
    file: str
    kind: str
    source: str | None
    organisation: str | None
    sha256: str
    rows_read: int
    rows_written: int
    records_written: int
    rows_rejected: int
    warning_count: int
    warnings: list[ImportProblem]
    ignored_columns: list[str]
    #: The columns whose hashtags decided the kind, and why; every column left out.
    decided_by: list[str] = []
    reason: str = ""
    unused_columns: list[str] = []
    #: A gazetteer's effect on the places known (counts per kind, each change); else null.
    place_changes: dict[str, Any] | None = None


class ImportRefused(BaseModel):
    """An import that wrote nothing: every problem found."""

    error: str
    status: int
    errors: int
    problems: list[ImportProblem]


class TooLarge(BaseModel):
    error: str
    status: int
    limit: int


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


def _limited(request: Request, limit: int) -> Request:
    """The request, refused as soon as more than ``limit`` bytes of body have come, whether
    or not it declared its length."""
    receive = request.receive
    received = 0

    async def counted() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise _too_large(limit)
        return message

    return Request(request.scope, counted)


def _options(form: Any, organisation: str | None) -> ImportOptions:
    """The import's options from the form's fields; every unusable field is a problem."""
    values = {}
    for name, value in form.multi_items():
        if name == "file":
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
        _copy(file.file, target, limit)
    except BaseException:
        uploads.discard(token)
        raise
    return token, target


def _copy(source: IO[bytes], target: Path, limit: int) -> None:
    size = 0
    with target.open("xb") as out:
        while block := source.read(_CHUNK):
            size += len(block)
            if size > limit:
                raise _too_large(limit)
            out.write(block)
    if size == 0:
        raise _Refused(422, _form_problem("empty", "file", None))


def recognised_kind(path: Path, options: ImportOptions) -> str | None:
    """The kind of data the import would write, or None when the file cannot be read or
    recognised (the import then reports why)."""
    try:
        with open_table(
            path, sheet=options.sheet, tag_map=options.tag_map, locale=options.locale
        ) as table:
            return layout_for(table.columns, options.kind).kind
    except (ReadError, LayoutError):
        return None


def _run(store: Store, path: Path, options: ImportOptions) -> ImportReport:
    report = import_file(store, path, options)
    add_consistency_warnings(store, report)
    return report


def _problems(problems: list[Problem]) -> list[ImportProblem]:
    return [ImportProblem(**p.as_dict()) for p in problems]  # type: ignore[arg-type]


def _refusal(status: int, report: ImportReport) -> JSONResponse:
    errors = report.errors
    first = errors[0].reason if errors else "the import failed"
    body = ImportRefused(
        error=f"{report.file}: {report.error_count} error(s), nothing was imported: {first}",
        status=status,
        errors=report.error_count,
        problems=_problems(
            sorted(
                report.problems,
                key=lambda p: (p.severity != ERROR, p.row if p.row is not None else -1),
            )
        ),
    )
    return JSONResponse(body.model_dump(), status_code=status)


def _created(report: ImportReport, organisation: str | None) -> JSONResponse:
    assert report.import_id is not None and report.kind is not None
    body = ImportCreated(
        import_id=report.import_id,
        file=report.file,
        kind=report.kind,
        source=report.source,
        organisation=organisation,
        sha256=report.sha256 or "",
        rows_read=report.rows_read,
        rows_written=report.rows_written,
        records_written=report.records_written,
        rows_rejected=report.rows_rejected,
        warning_count=report.warning_count,
        warnings=_problems(report.warnings),
        ignored_columns=report.ignored_columns,
        decided_by=report.decided_by,
        reason=report.reason,
        unused_columns=report.unused_columns,
        place_changes=report.place_changes.as_dict() if report.place_changes else None,
    )
    return JSONResponse(body.model_dump(), status_code=201)


def _form_refusal(exc: _Refused) -> JSONResponse:
    if exc.status == 413:
        body: BaseModel = TooLarge(error=exc.problem.reason, status=413, limit=exc.limit or 0)
    else:
        body = ImportRefused(
            error=f"{exc.problem.column}: {exc.problem.reason}",
            status=exc.status,
            errors=1,
            problems=_problems([exc.problem]),
        )
    return JSONResponse(body.model_dump(), status_code=exc.status)


@router.post(
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
    body_limit = limit + _FORM_OVERHEAD
    declared = request.headers.get("content-length", "")
    uploads = uploads_of(request)
    token: str | None = None
    try:
        if declared.isdigit() and int(declared) > body_limit:
            raise _too_large(limit)
        async with _limited(request, body_limit).form(max_files=1, max_fields=10) as form:
            options = _options(form, policy.import_organisation(principal))
            token, path = await run_in_threadpool(_keep, uploads, form.get("file"), limit)
        kind = await run_in_threadpool(recognised_kind, path, options)
        if kind is not None and not policy.may_import(principal, kind):
            await run_in_threadpool(auth.deny, request, policy.IMPORT, f"import of {kind}")
        if kind is not None:
            options = replace(options, kind=kind)
        store = auth.request_store(request)  # the audit trail names the caller
        report = await run_in_threadpool(_run, store, path, options)
    except _Refused as exc:
        return _form_refusal(exc)
    except ImportFailed as exc:
        again = any(p.code == "already-imported" for p in exc.report.errors)
        return _refusal(409 if again else 422, exc.report)
    finally:
        if token is not None:
            uploads.discard(token)
    return _created(report, options.organisation)


__all__ = ["ImportCreated", "ImportProblem", "ImportRefused", "create_import", "router"]
