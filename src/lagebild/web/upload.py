"""The Import page: upload a file, read its validation report, confirm to write it.

An upload lives in a private folder of its own, ``<root>/<token>/``, under a temporary folder the
app owns (``lagebild-upload-*``): ``file/`` holds the file under a safe version of its name,
``upload.json`` the options, and after a skip-invalid import ``rejects.csv`` the rows left out.
The check is a dry run of the same ``import_file`` the command line calls; the confirmation runs
it for real with the same options. A cancelled upload is removed at once, a confirmed one loses
its file (the rejects stay for download) and every upload is removed after
``UPLOAD_MAX_AGE_SECONDS``.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import tempfile
import threading
import time
import unicodedata
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.types import Message

from lagebild.analysis.trust import add_consistency_warnings
from lagebild.ingest import (
    ImportFailed,
    ImportOptions,
    ImportReport,
    ReadError,
    import_file,
    load_tag_map,
    load_vocabulary_map,
)
from lagebild.ingest import problems as problem_records
from lagebild.ingest.columns import KINDS
from lagebild.ingest.notation import LOCALES
from lagebild.ingest.placechanges import KINDS as PLACE_CHANGE_KINDS
from lagebild.ingest.problems import ERROR
from lagebild.security import policy
from lagebild.store import Store
from lagebild.web import auth
from lagebild.web.context import render
from lagebild.web.words import N_


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

#: The largest file the page accepts unless ``WebConfig.max_upload_bytes`` says otherwise;
#: larger files are for ``lagebild import``.
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
#: The largest tag map file.
MAX_TAG_MAP_BYTES = 1024 * 1024
#: An upload (and its rejects file) is removed this long after it was made.
UPLOAD_MAX_AGE_SECONDS = 24 * 3600
#: The file types the importer reads.
EXTENSIONS = (
    ".csv", ".tsv", ".txt", ".hxl", ".xlsx", ".xls", ".ods", ".geojson", ".json", ".zip"
)
MODES = ("strict", "skip-invalid")
#: Problem codes that no mode can get past: the file as a whole cannot be imported.
FILE_PROBLEMS = frozenset({"unreadable", "layout", "already-imported"})
#: A gazetteer's renames and moves (only the "rename and move places" box, ``--update-places``,
#: gets past them) and P-codes at another level: no mode gets past these.
PLACE_CHANGE_PROBLEMS = frozenset({"place-renamed", "place-moved", "place-level"})

_CHUNK = 1 << 20
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_META = "upload.json"
_REJECTS = "rejects.csv"
_FILE = "file"
_ROOT_PREFIX = "lagebild-upload-"


class FormError(Exception):
    """A form that cannot be checked; ``code`` picks the message the page shows."""

    def __init__(self, code: str, status: int = 400, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.values = values


@dataclass
class Upload:
    """One uploaded file, the options it is checked and imported with, and the outcome."""

    token: str
    folder: Path
    file_name: str
    source: str | None = None
    locale: str = "en"
    sheet: str | None = None
    kind: str | None = None
    date: str | None = None
    mode: str = "strict"
    tag_map: dict[str, str] | None = None
    tag_map_name: str | None = None
    sector_map: dict[str, str] | None = None  # sector words -> codes, for this import
    sector_map_name: str | None = None
    created: float = field(default_factory=time.time)
    result: dict[str, Any] | None = None  # set once the import is written
    owner: str | None = None  # who uploaded it: nobody else sees or imports it
    organisation: str | None = None  # whose records the import writes (the partner's)
    update_places: bool = False  # a gazetteer may rename and move known places (admins)

    @property
    def path(self) -> Path:
        """The uploaded file, in a folder of its own: its name cannot clash with ours."""
        return self.folder / _FILE / self.file_name

    @property
    def rejects(self) -> Path:
        return self.folder / _REJECTS

    def options(self, dry_run: bool) -> ImportOptions:
        return ImportOptions(
            source=self.source,
            locale=self.locale,
            sheet=self.sheet,
            tag_map=self.tag_map,
            kind=self.kind,
            date=date.fromisoformat(self.date) if self.date else None,
            dry_run=dry_run,
            skip_invalid=self.mode == "skip-invalid",
            rejects=self.rejects,
            organisation=self.organisation,
            update_places=self.update_places,
            sectors=self.sector_map,
        )

    def save(self) -> None:
        values = asdict(self)
        values["folder"] = str(self.folder)
        (self.folder / _META).write_text(json.dumps(values, ensure_ascii=False), encoding="utf-8")


class Uploads:
    """The app's private upload folders, one per token; the root is made on first use."""

    def __init__(self) -> None:
        self._root: Path | None = None
        self._lock = threading.Lock()
        self._busy: dict[str, threading.Lock] = {}

    @property
    def root(self) -> Path:
        with self._lock:
            if self._root is None:
                _remove_stale_roots()
                self._root = Path(tempfile.mkdtemp(prefix=_ROOT_PREFIX))
                weakref.finalize(self, shutil.rmtree, self._root, ignore_errors=True)
            return self._root

    def close(self) -> None:
        """Remove every upload of this app."""
        with self._lock:
            if self._root is not None:
                shutil.rmtree(self._root, ignore_errors=True)
            self._root = None
            self._busy.clear()

    def new(self) -> tuple[str, Path]:
        token = secrets.token_urlsafe(24)
        self.root.mkdir(mode=0o700, exist_ok=True)  # another app may have swept an idle root
        folder = self.root / token
        folder.mkdir(mode=0o700)
        return token, folder

    def get(self, token: str) -> Upload | None:
        """The upload of a token, or None when it is unknown, malformed or expired."""
        if not _TOKEN.fullmatch(token) or self._root is None:
            return None
        folder = self._root / token
        try:
            values = json.loads((folder / _META).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        values["folder"] = folder
        try:
            upload = Upload(**values)
        except TypeError:
            return None
        if time.time() - upload.created > UPLOAD_MAX_AGE_SECONDS:
            self.discard(token)
            return None
        return upload

    def lock(self, token: str) -> threading.Lock:
        """One check or import of an upload at a time (a double click waits for the first)."""
        with self._lock:
            return self._busy.setdefault(token, threading.Lock())

    def discard(self, token: str) -> None:
        if _TOKEN.fullmatch(token) and self._root is not None:
            shutil.rmtree(self._root / token, ignore_errors=True)
        with self._lock:
            self._busy.pop(token, None)

    def sweep(self) -> None:
        """Remove the uploads older than ``UPLOAD_MAX_AGE_SECONDS``."""
        if self._root is None or not self._root.is_dir():
            return
        limit = time.time() - UPLOAD_MAX_AGE_SECONDS
        for folder in list(self._root.iterdir()):
            try:
                made = json.loads((folder / _META).read_text(encoding="utf-8"))["created"]
            except (OSError, ValueError, KeyError, TypeError):
                made = folder.stat().st_mtime if folder.exists() else limit
            if made < limit:
                self.discard(folder.name)


def _remove_stale_roots() -> None:
    """Uploads an app left behind when it was killed: removed once they are too old."""
    limit = time.time() - UPLOAD_MAX_AGE_SECONDS
    for root in Path(tempfile.gettempdir()).glob(_ROOT_PREFIX + "*"):
        try:
            idle = root.stat().st_mtime < limit
            for folder in list(root.iterdir()):
                if folder.stat().st_mtime < limit:
                    shutil.rmtree(folder, ignore_errors=True)
            if idle and not any(root.iterdir()):
                root.rmdir()
        except OSError:
            continue  # another user's, or removed meanwhile


def upload_limit(request: Request) -> int:
    """The largest file the page accepts: ``WebConfig.max_upload_bytes``, else the default."""
    configured = getattr(request.app.state.lagebild.config, "max_upload_bytes", None)
    return MAX_UPLOAD_BYTES if configured is None else int(configured)


def _limited(request: Request, limit: int) -> Request:
    """The request, whose body is refused once more than ``limit`` bytes have come: whether
    or not it declared its length (a chunked body declares none), no more is read or stored."""
    receive = request.receive
    received = 0

    async def counted() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise FormError("too-large", 413)
        return message

    return Request(request.scope, counted)


def uploads_of(request: Request) -> Uploads:
    state = request.app.state
    if not hasattr(state, "uploads"):
        state.uploads = Uploads()
    uploads: Uploads = state.uploads
    return uploads


def safe_name(name: str | None) -> str:
    """The last part of a client's file name, with nothing that could make it a path."""
    text = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    text = _UNSAFE.sub("_", text).strip().lstrip(".").strip()
    if len(text) > 120:
        stem, dot, ext = text.rpartition(".")
        text = (stem[:110] + dot + ext[:9]) if dot and len(ext) < 10 else text[:120]
    return text or "upload"


def extension(name: str) -> str:
    return Path(name).suffix.lower()


# ---- the form ---------------------------------------------------------------------------------


def _form_values(form: Any) -> dict[str, str]:
    names = ("source", "locale", "sheet", "kind", "date", "mode", "update_places")
    return {n: v.strip() for n in names if isinstance(v := form.get(n), str)}


def _copy(source: IO[bytes], target: Path, limit: int) -> int:
    """Copy an upload into place, refusing it once it grows past ``limit`` bytes."""
    size = 0
    with target.open("xb") as out:
        while block := source.read(_CHUNK):
            size += len(block)
            if size > limit:
                raise FormError("too-large", 413, limit=limit)
            out.write(block)
    if size == 0:
        raise FormError("empty")
    return size


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


def _receive(uploads: Uploads, form: Any, values: dict[str, str], limit: int) -> Upload:
    """Check the form and put its files into a new upload folder."""
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
        upload = Upload(token=token, folder=folder, file_name=name, **options)
        upload.path.parent.mkdir()
        _copy(file.file, upload.path, limit)
        if has_tags:
            assert isinstance(tags, UploadFile)
            tag_file = folder / "tags.yml"
            try:
                _copy(tags.file, tag_file, MAX_TAG_MAP_BYTES)
                upload.tag_map = load_tag_map(tag_file)
            except FormError as exc:
                raise FormError("tags-" + exc.code, exc.status, **exc.values) from None
            except ReadError as exc:
                raise FormError("tags", reason=exc.reason) from None
            upload.tag_map_name = safe_name(tags.filename)
        sectors = form.get("sectors")
        if isinstance(sectors, UploadFile) and sectors.filename:
            map_file = folder / "sectors.yml"
            try:
                _copy(sectors.file, map_file, MAX_TAG_MAP_BYTES)
                upload.sector_map = load_vocabulary_map(map_file)
            except FormError as exc:
                raise FormError("sectors-" + exc.code, exc.status, **exc.values) from None
            except ReadError as exc:
                raise FormError("sectors", reason=exc.reason) from None
            upload.sector_map_name = safe_name(sectors.filename)
        upload.save()
        return upload
    except BaseException:
        uploads.discard(token)
        raise


def _form_page(
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


# ---- the report -------------------------------------------------------------------------------


def _check(store: Store, uploads: Uploads, upload: Upload) -> ImportReport:
    """The dry run: what the import would do and every problem it finds."""
    with uploads.lock(upload.token):
        try:
            return import_file(store, upload.path, upload.options(dry_run=True))
        except ImportFailed as exc:
            return exc.report


def _write(store: Store, uploads: Uploads, upload: Upload) -> tuple[Upload, ImportReport | None]:
    """The import itself; an upload already imported returns its stored result."""
    with uploads.lock(upload.token):
        upload = uploads.get(upload.token) or upload
        if upload.result is not None:
            return upload, None
        try:
            report = import_file(store, upload.path, upload.options(dry_run=False))
        except ImportFailed as exc:
            return upload, exc.report
        add_consistency_warnings(store, report)
        upload.result = {
            "import_id": report.import_id,
            "kind": report.kind,
            "rows_read": report.rows_read,
            "rows_written": report.rows_written,
            "records_written": report.records_written,
            "rows_rejected": report.rows_rejected,
            "warnings": report.warning_count,
            "rejects": report.rejects_path is not None and report.rejects_path.exists(),
        }
        upload.save()
        upload.path.unlink(missing_ok=True)
        return upload, report


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


def _report_page(
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


def _gone(request: Request, token: str) -> Response:
    return _form_page(request, error=FormError("unknown-token", 404, token=token[:64]))


# ---- the routes -------------------------------------------------------------------------------


@router.get("/import")
def import_form(request: Request, cancelled: bool = False) -> Response:
    uploads_of(request).sweep()
    return _form_page(request, values={"locale": "en", "mode": "strict"}, cancelled=cancelled)


@router.post("/import")
async def import_check(request: Request) -> Response:
    uploads = uploads_of(request)
    await run_in_threadpool(uploads.sweep)
    limit = upload_limit(request)
    # the file, the tag and sector maps (1 MB between them at the most) and the form fields
    body_limit = limit + MAX_TAG_MAP_BYTES + _CHUNK
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > body_limit:
        return _form_page(request, error=FormError("too-large", 413, limit=limit))
    values: dict[str, str] = {}
    try:
        async with _limited(request, body_limit).form(max_files=3, max_fields=20) as form:
            values = _form_values(form)
            upload = await run_in_threadpool(_receive, uploads, form, values, limit)
    except FormError as exc:
        return _form_page(request, values, exc)
    principal = auth.principal_of(request)
    upload.owner, upload.organisation = principal.name, policy.import_organisation(principal)
    # Only who may import a gazetteer may let one rename and move places.
    upload.update_places = upload.update_places and policy.may_import(principal, "places")
    upload.save()
    store = request.app.state.lagebild.store
    report = await run_in_threadpool(_check, store, uploads, upload)
    await run_in_threadpool(_allow_kind, request, uploads, upload, report)
    return _report_page(request, upload, report, "check")


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
        return _report_page(request, upload, None, "done")
    async with request.form(max_files=0, max_fields=5) as form:
        mode = form.get("mode")
    if mode in MODES:
        upload.mode = str(mode)
        upload.save()
    store = request.app.state.lagebild.store
    report = await run_in_threadpool(_check, store, uploads, upload)
    return _report_page(request, upload, report, "check")


@router.post("/import/{token}/confirm")
async def import_confirm(request: Request, token: str) -> Response:
    uploads = uploads_of(request)
    upload = _mine(request, uploads.get(token))
    if upload is None:
        return _gone(request, token)
    store = auth.request_store(request)  # the audit trail names the signed-in user
    written, report = await run_in_threadpool(_write, store, uploads, upload)
    if written.result is None:
        return _report_page(request, written, report, "failed", status=422)
    return _report_page(request, written, report, "done")


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
        return _form_page(request, error=FormError("no-rejects", 404))
    stem = Path(upload.file_name).stem or "upload"
    return FileResponse(
        upload.rejects, media_type="text/csv; charset=utf-8", filename=f"{stem}.rejects.csv"
    )
