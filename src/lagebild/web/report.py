"""The situation report on the web: the page ``/report`` (choose the date, the period, the
language and the format) and ``/report/download`` (the file, as ``lagebild report`` writes it),
as the reader's role may see it: for the public, small counts suppressed by the sharing
protocol; a saved plan's summary only for those who see detail."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from lagebild.analysis.report import Report, report_since, situation_report
from lagebild.errors import RefusedInput
from lagebild.publish import report as sitrep
from lagebild.publish.language import LANGUAGES, Language
from lagebild.publish.words import Words
from lagebild.security import policy
from lagebild.web import auth
from lagebild.web.context import (
    LANGUAGE_NAMES,
    AsOf,
    Context,
    Ctx,
    Window,
    default_as_of,
    link,
    render_page,
    request_language,
)

router = APIRouter(include_in_schema=False)

Since = Annotated[date | None, Query(description="The start of the period (default: a week "
                                     "before the date).")]  # fmt: skip
ReportLanguage = Annotated[Literal["en", "ar", "de"] | None, Query(alias="language")]
ReportFormat = Annotated[Literal["pdf", "html", "md"], Query(alias="format")]
MEDIA = {"pdf": "application/pdf", "html": "text/html; charset=utf-8",
         "md": "text/markdown; charset=utf-8"}  # fmt: skip


def the_report(ctx: Context, request: Request, as_of: date, since: date, window: int) -> Report:
    """The report as this reader may see it, kept per data version."""
    principal = auth.principal_of(request)
    public = policy.sees_public_tables(principal)
    detail = policy.may(principal, policy.SEE_DETAIL)
    return ctx.cached(  # type: ignore[no-any-return]
        ("report", as_of, since, window, public, detail),
        lambda: situation_report(ctx.store, as_of, since, window, principal, ctx.protocol,
                                 ctx.priority_model, ctx.tree()),  # fmt: skip
    )


def _page(
    request: Request, as_of: date, since: date, window: int, language: str, fmt: str,
    chosen: bool, refused: str = "", status: int = 200,
) -> Response:  # fmt: skip
    query = {"as_of": as_of.isoformat(), "since": since.isoformat(), "window": window,
             "language": language, "format": fmt}  # fmt: skip
    return render_page(
        request, "report.html", status_code=status, as_of=as_of, since=since, window=window,
        language=language, fmt=fmt, languages=LANGUAGES, formats=sitrep.FORMATS,
        names=LANGUAGE_NAMES, refused=refused,
        download=link("/report/download", query) if chosen and not refused else "",
        file_name=file_name(as_of, language, fmt),
    )  # fmt: skip


def file_name(as_of: date, language: str, fmt: str) -> str:
    return f"lagebild-report-{as_of.isoformat()}-{language}.{fmt}"


@router.get("/report", response_class=HTMLResponse)
def report_page(
    request: Request, ctx: Ctx, as_of: AsOf = None, since: Since = None, window: Window = 30,
    language: ReportLanguage = None, fmt: ReportFormat = "pdf",
) -> Response:  # fmt: skip
    """The form; once sent (a language chosen), the link to the report it asks for."""
    when = default_as_of(ctx, as_of)
    start = since or when - timedelta(days=7)
    try:
        report_since(when, start)
    except RefusedInput as exc:
        return _page(request, when, start, window, language or "en", fmt, True, str(exc), 422)
    chosen = language or request_language(request).code
    return _page(request, when, start, window, chosen, fmt, language is not None)


@router.get("/report/download")
def report_download(
    request: Request, ctx: Ctx, as_of: AsOf = None, since: Since = None, window: Window = 30,
    language: ReportLanguage = None, fmt: ReportFormat = "pdf",
) -> Response:  # fmt: skip
    """The report as a file, as ``lagebild report`` writes it."""
    when = default_as_of(ctx, as_of)
    chosen = language or request_language(request).code
    try:
        start = report_since(when, since)
        found = the_report(ctx, request, when, start, window)
        lang = Language(chosen)
        content = sitrep.render(found, fmt, lang, Words(lang))
    except RefusedInput as exc:
        return _page(request, when, since or when, window, chosen, fmt, True, str(exc), 422)
    except sitrep.PdfUnavailable as exc:
        return _page(request, when, since or when, window, chosen, fmt, True, str(exc), 503)
    name = file_name(when, chosen, fmt)
    return Response(content, media_type=MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip
