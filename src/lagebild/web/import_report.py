"""What the imports resource shows: the Import page's form and report, and the JSON answers of
``POST /api/imports``."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from lagebild.ingest import ImportReport, Problem
from lagebild.ingest import problems as problem_records
from lagebild.ingest.columns import KINDS
from lagebild.ingest.notation import LOCALES
from lagebild.ingest.placechanges import KINDS as PLACE_CHANGE_KINDS
from lagebild.ingest.problems import ERROR
from lagebild.security import policy
from lagebild.web import auth
from lagebild.web.context import render
from lagebild.web.uploads import EXTENSIONS, MODES, FormError, Upload, upload_limit
from lagebild.web.words import N_

#: Problem codes that no mode can get past: the file as a whole cannot be imported.
FILE_PROBLEMS = frozenset({"unreadable", "layout", "already-imported"})
#: A gazetteer's renames and moves (only the "rename and move places" box, ``--update-places``,
#: gets past them) and P-codes at another level: no mode gets past these.
PLACE_CHANGE_PROBLEMS = frozenset({"place-renamed", "place-moved", "place-level"})


# ---- the page -----------------------------------------------------------------------------------


def form_page(
    request: Request,
    values: dict[str, str] | None = None,
    error: FormError | None = None,
    cancelled: bool = False,
) -> Response:
    return render(
        request,
        "import.html",
        status_code=error.status if error else 200,
        values=values or {},
        error=error,
        cancelled=cancelled,
        may_update_places=policy.may_import(auth.principal_of(request), "places"),
        **_choices(upload_limit(request)),
    )


def _choices(limit: int) -> dict[str, Any]:
    return {
        "locales": LOCALES,
        "kinds": KINDS,
        "modes": MODES,
        "extensions": EXTENSIONS,
        "max_mb": limit // (1024 * 1024),
    }


def _sorted_problems(report: ImportReport) -> list[Any]:
    return sorted(
        report.problems,
        key=lambda p: (p.severity != ERROR, p.row if p.row is not None else -1),
    )


#: The vocabularies of the import report's mappings, in the page's words.
VOCABULARY_NAMES = {
    "sector": N_("Sector"),
    "status": N_("Status"),
    "convoy status": N_("Status"),
    "access status": N_("Access status"),
    "item category": N_("Item category"),
    "modality": N_("Modality"),
    "event type": N_("Event type"),
}


def _mappings(report: ImportReport) -> list[dict[str, Any]]:
    """Each word the import mapped to a code, with its rows, by vocabulary and word."""
    return [
        {"vocabulary": VOCABULARY_NAMES.get(v, v), "word": w, "code": c, "rows": n}
        for (v, w, c), n in sorted(report.mappings.items())
    ]


def _can_skip(report: ImportReport) -> bool:
    """Skip-invalid would write something: the errors are row errors and some rows are good."""
    errors = report.errors
    return (
        bool(errors)
        and report.rows_written > 0
        and all(
            p.row is not None and p.code not in FILE_PROBLEMS | PLACE_CHANGE_PROBLEMS
            for p in errors
        )
    )


def report_page(
    request: Request, upload: Upload, report: ImportReport | None, stage: str, status: int = 200
) -> Response:
    """``stage``: ``check`` (the dry run), ``failed`` (the import refused) or ``done``."""
    return render(
        request,
        "import_report.html",
        status_code=status,
        upload=upload,
        report=report,
        stage=stage,
        problems=_sorted_problems(report) if report else [],
        place_kinds=PLACE_CHANGE_KINDS,
        mappings=_mappings(report) if report else [],
        keep=problem_records.KEEP_PER_CODE,
        can_skip=report is not None and _can_skip(report),
        blocked=report is not None
        and report.error_count > 0
        and (upload.mode == "strict" or not _can_skip(report)),
    )


# ---- the API ------------------------------------------------------------------------------------


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


def json_problems(problems: list[Problem]) -> list[ImportProblem]:
    return [ImportProblem(**p.as_dict()) for p in problems]  # type: ignore[arg-type]


def refusal(status: int, report: ImportReport) -> JSONResponse:
    errors = report.errors
    first = errors[0].reason if errors else "the import failed"
    body = ImportRefused(
        error=f"{report.file}: {report.error_count} error(s), nothing was imported: {first}",
        status=status,
        errors=report.error_count,
        problems=json_problems(
            sorted(
                report.problems,
                key=lambda p: (p.severity != ERROR, p.row if p.row is not None else -1),
            )
        ),
    )
    return JSONResponse(body.model_dump(), status_code=status)


def created(report: ImportReport, organisation: str | None) -> JSONResponse:
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
        warnings=json_problems(report.warnings),
        ignored_columns=report.ignored_columns,
        decided_by=report.decided_by,
        reason=report.reason,
        unused_columns=report.unused_columns,
        place_changes=report.place_changes.as_dict() if report.place_changes else None,
    )
    return JSONResponse(body.model_dump(), status_code=201)
