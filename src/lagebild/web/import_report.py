"""What the imports resource shows: the Import page's form and report, and the JSON answers of
``POST /api/imports``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from lagebild.ingest import ImportReport, Problem, ReadError
from lagebild.ingest import problems as problem_records
from lagebild.ingest.columns import KINDS
from lagebild.ingest.hints import Hint, split_reason
from lagebild.ingest.notation import LOCALES
from lagebild.ingest.placechanges import KINDS as PLACE_CHANGE_KINDS
from lagebild.ingest.problems import ERROR, Reasons
from lagebild.ingest.read import normal_header
from lagebild.ingest.tagging import file_headers, known_tags, suggest
from lagebild.ingest.tags import Tag
from lagebild.messages import Message
from lagebild.publish.language import Language
from lagebild.publish.words import N_
from lagebild.security import policy
from lagebild.store.tagmaps import saved_tag_maps
from lagebild.web import auth
from lagebild.web.context import render
from lagebild.web.uploads import EXTENSIONS, MODES, FormError, Upload, upload_limit

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
    principal = auth.principal_of(request)
    store = request.app.state.lagebild.store
    return render(
        request,
        "import.html",
        status_code=error.status if error else 200,
        values=values or {},
        error=error,
        cancelled=cancelled,
        may_update_places=policy.may_import(principal, "places"),
        saved_maps=[m.name for m in saved_tag_maps(store, policy.scope_of(principal))],
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


#: The advice of a problem's reason (``ingest.hints``) in the page's words: the fields of the
#: form where the command line names its options. ``%(value)s`` is the value named.
HINT_WORDS = {
    "tags": N_("choose a tag map in the field “Tag map”, or give each column its hashtag on "
               "this page"),
    "tags-sheet": N_("choose a tag map in the field “Tag map” (and name the sheet in the field "
                     "“Sheet”)"),
    "tag-them": N_("tag them with a tag map in the field “Tag map”"),
    "tags-aside": N_("(a tag map in the field “Tag map”)"),
    "tags-or-kind": N_("Tag the columns it should be read by (the field “Tag map”) or name its "
                       "kind (the field “Kind of data”)"),
    "kind-or-tags": N_("no choice in the fields “Kind of data” or “Tag map” reads them"),
    "kind": N_("(the field “Kind of data”: %(value)s)"),
    "sheet": N_("write the name of one in the field “Sheet”"),
    "member": N_("upload the one to import on its own: this page reads an archive of one table"),
    "locale": N_("choose %(value)s in the field “Number notation”"),
    "date": N_("fill in the field “Date of figures or access rows without a date of their own”"),
    "date-aside": N_("or the field “Date of figures or access rows without a date of their own”"),
    "update-places": N_("the box “Rename and move places” lets a gazetteer rename and move known "
                        "places"),
    "sectors": N_("a file in the field “Sector map” maps it"),
    "words-map": N_("this page reads no map of these words"),
    "country": N_("give each row an admin code: this page has no field for the country"),
    "country-aside": N_("an admin code in each row silences this"),
    "encoding": N_("or give the shapefile a .cpg file that names its encoding"),
    "max-km": N_("or import the file on the command line, which can look further from the "
                 "incident's point"),
    "json-member": N_("upload the table to import as a JSON file of its own: this page does not "
                      "choose a table inside a JSON object"),
    "tags-member": N_("tag them with a tag map in the field “Tag map”, in a JSON file of that "
                      "table alone"),
    "map-sectors": N_("map it with a file in the field “Sector map”"),
    "map-words": N_("write one of lagebild's words in its place: this page reads no map of "
                    "these words"),
}  # fmt: skip
#: The advice to map a word, made as a message of the reason (``ingest.records``), in the page's
#: words: (with the sector map, the field of the form; with another map, which the page does not
#: read). The hints of the same advice (``map-sectors``, ``map-words``) word the English reason.
MAP_ADVICE = {
    "use %(allowed)s or map it with %(option)s map.yml (docs/hxl.md)": (
        N_("use %(allowed)s or map it with a file in the field “Sector map”"),
        N_("use %(allowed)s"),
    ),
    "map it with %(option)s map.yml (docs/hxl.md)": (
        N_("map it with a file in the field “Sector map”"),
        N_("write one of lagebild's words in its place: this page reads no map of these words"),
    ),
    "%(option)s map.yml maps it": (
        N_("a file in the field “Sector map” maps it"),
        N_("this page reads no map of these words"),
    ),
}
#: The hints ``MAP_ADVICE`` words in a translated reason.
MAP_HINTS = frozenset({"map-sectors", "map-words", "sectors", "words-map"})


def _page_advice(value: object) -> object:
    """A value of a reason with the advice to map a word in the page's words."""
    if isinstance(value, Message) and value.template in MAP_ADVICE:
        sectors, other = MAP_ADVICE[value.template]
        chosen = sectors if value.values.get("option") == "--sectors" else other
        return Message(chosen, value.values)
    return value


def reason_pieces(found: Problem, lang: Language) -> list[str | Hint]:
    """A problem's reason in the page's language as text and the hints the page words itself
    (``HINT_WORDS``). Advice that reaches the reason in a value (a file's reason, in the
    command line's words) is replaced where it stands; advice a translation leaves out (the
    catalogs translate a reason without the command line's advice) follows the reason."""
    hints = tuple(h for h in found.hints if h.key in HINT_WORDS)
    if lang.code != "en":
        found = replace(found, params=tuple((k, _page_advice(v)) for k, v in found.params))
        hints = tuple(h for h in hints if h.key not in MAP_HINTS)
    text = lang.reason(found)
    inside = tuple(h for h in hints if h.said in text)
    pieces = [*split_reason(text, inside), *(h for h in hints if h not in inside)]
    # the page puts one space before a hint: the text before it ends without one
    return [
        p.rstrip() if isinstance(p, str) and i + 1 < len(pieces) and isinstance(pieces[i + 1], Hint)
        else p
        for i, p in enumerate(pieces)
    ]


def said_reason(found: Problem, lang: Language) -> str:
    """A problem's reason as the page says it, its advice in the page's words, as one text."""
    said: list[str] = []
    for piece in reason_pieces(found, lang):
        if isinstance(piece, str):
            said.append(piece)
        else:
            hint = lang.gettext(HINT_WORDS[piece.key], value=piece.value)
            said.append(f" {hint}" if said else hint)
    return "".join(said)


def rejects_said(code: str) -> Callable[[Reasons], str]:
    """How the rejects file of an import made on the page says a row's reasons in a language
    other than English: each as the page says it."""
    lang = Language(code)

    def said(reasons: Reasons) -> str:
        return "; ".join(
            said_reason(r, lang) if isinstance(r, Problem) else lang.message(r) for r in reasons
        )

    return said


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


#: The hints that ask for a tag map: the file has no hashtag row (``ingest.hints``).
TAG_HINTS = frozenset({"tags", "tags-sheet", "tag-them"})
#: The most columns the page builds a tag map for.
MAX_HEADERS = 500


def headers_of(upload: Upload) -> list[str | None]:
    """The headers of an uploaded file without hashtags; none when it cannot be read so."""
    try:
        return file_headers(upload.path, sheet=upload.sheet)[:MAX_HEADERS]
    except ReadError:
        return []


def built_tag_map(headers: list[str | None], given: dict[str, str]) -> dict[str, str]:
    """The tag map of the page's form: ``tag-N`` is the hashtag of header N (blank: the column
    is left out). A ``FormError`` names the first field that is no hashtag, or says none was
    given."""
    mapping: dict[str, str] = {}
    for index, header in enumerate(headers):
        spec = given.get(f"tag-{index}", "").strip()
        if not spec or header is None:
            continue
        tag = Tag.parse(spec)
        if tag is None:
            raise FormError("not-a-hashtag", 422, value=spec[:100], header=header)
        mapping[header] = str(tag)
    if not mapping:
        raise FormError("no-hashtags", 422)
    return mapping


def _builder(
    request: Request, upload: Upload, report: ImportReport | None, built: dict[str, str] | None
) -> dict[str, Any] | None:
    """The tag map builder of the report: each header of the file with its hashtag (as given,
    as in the map used, or as suggested), when the file needs a tag map or was given one."""
    if report is None or upload.result is not None:
        return None
    asks = any(h.key in TAG_HINTS for p in report.errors for h in p.hints)
    if not asks and upload.tag_map is None:
        return None
    headers = headers_of(upload)
    if not headers:
        return None
    used = {normal_header(k): v for k, v in (upload.tag_map or {}).items()}
    rows = []
    for index, header in enumerate(headers):
        if built is not None:
            tag = built.get(f"tag-{index}", "")
        elif upload.tag_map is not None:
            tag = used.get(normal_header(header), "") if header else ""
        else:
            tag = (suggest(header) or "") if header else ""
        rows.append({"index": index, "header": header, "tag": tag})
    principal = auth.principal_of(request)
    return {
        "open": asks or report.kind is None,
        "rows": rows,
        "known": known_tags(),
        "save_as": (built or {}).get("save_as")
        or upload.tag_map_name
        or (principal.organisation if principal.role == "partner" else "")
        or "",
    }


def report_page(
    request: Request,
    upload: Upload,
    report: ImportReport | None,
    stage: str,
    status: int = 200,
    tag_error: FormError | None = None,
    built: dict[str, str] | None = None,
    saved_as: str | None = None,
) -> Response:
    """``stage``: ``check`` (the dry run), ``failed`` (the import refused) or ``done``. A tag map
    built on the page comes back with ``tag_error`` and the fields as ``built`` when refused,
    and names the map it was saved as (``saved_as``)."""
    return render(
        request,
        "import_report.html",
        status_code=status,
        upload=upload,
        report=report,
        stage=stage,
        builder=_builder(request, upload, report, built) if stage == "check" else None,
        tag_error=tag_error,
        saved_as=saved_as,
        problems=_sorted_problems(report) if report else [],
        place_kinds=PLACE_CHANGE_KINDS,
        mappings=_mappings(report) if report else [],
        keep=problem_records.KEEP_PER_CODE,
        reason_pieces=reason_pieces,
        hint_words=HINT_WORDS,
        can_skip=report is not None and _can_skip(report),
        blocked=report is not None
        and report.error_count > 0
        and (upload.mode == "strict" or not _can_skip(report)),
    )


# ---- the API ------------------------------------------------------------------------------------


class ProblemHint(BaseModel):
    """A piece of advice in a reason: its key (``tags``, ``sheet``, ``locale``, ...), the value
    it names, and the words of the command line the reason holds for it."""

    key: str
    value: str = ""
    said: str


class ImportProblem(BaseModel):
    """One problem of an import: the file, row and column it concerns and the value found; the
    advice of its reason as ``hints``, for a front end to word its own way."""

    severity: str
    code: str
    reason: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    hints: list[ProblemHint] = []


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
    #: Records of earlier imports this one replaced (the same key: a Kobo submission edited).
    records_replaced: int = 0
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


def json_problems(problems: list[Problem], lang: Language | None = None) -> list[ImportProblem]:
    """The problems as the API gives them; each reason in ``lang`` (English without one)."""
    shown = []
    for found in problems:
        fields = {**found.as_dict(), "reason": lang.reason(found) if lang else found.reason}
        shown.append(ImportProblem(**fields))  # type: ignore[arg-type]
    return shown


def refusal(status: int, report: ImportReport, lang: Language | None = None) -> JSONResponse:
    """An import that wrote nothing; its words in ``lang``, the language the request asks for
    (English without one), its keys, codes and values as they are."""
    lang = lang or Language("en")
    errors = report.errors
    first = lang.reason(errors[0]) if errors else lang.gettext("the import failed")
    body = ImportRefused(
        error=lang.gettext(
            "%(file)s: %(count)s error(s), nothing was imported: %(first)s",
            file=report.file,
            count=str(report.error_count),
            first=first,
        ),
        status=status,
        errors=report.error_count,
        problems=json_problems(
            sorted(
                report.problems,
                key=lambda p: (p.severity != ERROR, p.row if p.row is not None else -1),
            ),
            lang,
        ),
    )
    return JSONResponse(body.model_dump(), status_code=status)


def created(
    report: ImportReport, organisation: str | None, lang: Language | None = None
) -> JSONResponse:
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
        records_replaced=report.records_replaced,
        rows_rejected=report.rows_rejected,
        warning_count=report.warning_count,
        warnings=json_problems(report.warnings, lang),
        ignored_columns=report.ignored_columns,
        decided_by=report.decided_by,
        reason=report.reason,
        unused_columns=report.unused_columns,
        place_changes=report.place_changes.as_dict() if report.place_changes else None,
    )
    return JSONResponse(body.model_dump(), status_code=201)
