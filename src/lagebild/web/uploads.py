"""Uploaded files: the app's private upload folders, the limits of what they take, and the
refusals of a form that cannot be checked.

An upload lives in a private folder of its own, ``<root>/<token>/``, under a temporary folder the
app owns (``lagebild-upload-*``): ``file/`` holds the file under a safe version of its name,
``upload.json`` the options, and after a skip-invalid import ``rejects.csv`` the rows left out.
A cancelled upload is removed at once, a confirmed one loses its file (the rejects stay for
download) and every upload is removed after ``UPLOAD_MAX_AGE_SECONDS``.

Everything about an upload waiting for its confirmation is in its folder, nothing in the
process: with a shared root (``WebConfig.upload_folder``, which ``lagebild serve`` always sets)
the check may run in one server worker and the confirmation in another, and the lock that lets
one check or import of an upload run at a time is a file lock that holds across processes. The
app's own temporary root, without one, is removed when the app stops; a shared root outlives
any one worker, and its uploads go when confirmed, cancelled or too old.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import stat
import tempfile
import threading
import time
import unicodedata
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from fastapi import Request
from starlette.types import Message

from lagebild.errors import RefusedInput
from lagebild.ingest import ImportOptions
from lagebild.ingest.importer import said_rejects_path
from lagebild.ingest.problems import Reasons

#: The largest file the page accepts unless ``WebConfig.max_upload_bytes`` says otherwise;
#: larger files are for ``lagebild import``.
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
#: The largest tag map file.
MAX_TAG_MAP_BYTES = 1024 * 1024
#: The most an XLSForm may weigh (a form with long choice lists, of every place, say).
MAX_XLSFORM_BYTES = 4 * 1024 * 1024
#: The file types an XLSForm comes as.
XLSFORM_EXTENSIONS = (".xlsx", ".xls", ".ods")
#: An upload (and its rejects file) is removed this long after it was made.
UPLOAD_MAX_AGE_SECONDS = 24 * 3600
#: The file types the importer reads.
EXTENSIONS = (
    ".csv", ".tsv", ".txt", ".hxl", ".xlsx", ".xls", ".ods", ".geojson", ".json", ".zip"
)
MODES = ("strict", "skip-invalid")
#: How much of an upload is read at a time.
CHUNK = 1 << 20
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_META = "upload.json"
_REJECTS = "rejects.csv"
_FILE = "file"
_ROOT_PREFIX = "lagebild-upload-"
_LOCK = ".lock"


class RefusedUploadFolder(RefusedInput):
    """A shared upload folder that is not private to this user."""


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
    asked_kind: str | None = None  # the kind chosen in the form (``kind``: the kind checked)
    date: str | None = None
    mode: str = "strict"
    tag_map: dict[str, str] | None = None
    tag_map_name: str | None = None
    sector_map: dict[str, str] | None = None  # sector words -> codes, for this import
    sector_map_name: str | None = None
    #: The XLSForm of a Kobo or ODK export, in the upload's folder, and its name as uploaded.
    xlsform: str | None = None
    xlsform_name: str | None = None
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

    def options(
        self, dry_run: bool, rejects_said: Mapping[str, Callable[[Reasons], str]] | None = None
    ) -> ImportOptions:
        """The import's options; ``rejects_said``: how the rejects file is said in other
        languages (``ImportOptions.rejects_said``)."""
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
            rejects_said=rejects_said,
            organisation=self.organisation,
            update_places=self.update_places,
            sectors=self.sector_map,
            form=self.folder / self.xlsform if self.xlsform else None,
        )

    def rejects_in(self, language: str) -> Path:
        """The rejects file said in ``language`` (the English one for English)."""
        return self.rejects if language == "en" else said_rejects_path(self.rejects, language)

    def save(self) -> None:
        values = asdict(self)
        values["folder"] = str(self.folder)
        (self.folder / _META).write_text(json.dumps(values, ensure_ascii=False), encoding="utf-8")


class Uploads:
    """The upload folders, one per token, under a root: the app's own temporary folder, made on
    first use, or a ``shared`` one (several server workers on one database)."""

    def __init__(self, shared: str | Path | None = None) -> None:
        self._shared = Path(shared) if shared is not None else None
        self._root: Path | None = private_root(self._shared) if self._shared else None
        self._lock = threading.Lock()

    @property
    def root(self) -> Path:
        with self._lock:
            if self._root is None:
                _remove_stale_roots()
                self._root = Path(tempfile.mkdtemp(prefix=_ROOT_PREFIX))
                weakref.finalize(self, shutil.rmtree, self._root, ignore_errors=True)
            return self._root

    def close(self) -> None:
        """Remove every upload of this app (a shared root keeps those of other workers)."""
        with self._lock:
            if self._shared is not None:
                return
            if self._root is not None:
                shutil.rmtree(self._root, ignore_errors=True)
            self._root = None

    def new(self) -> tuple[str, Path]:
        token = secrets.token_urlsafe(24)
        if self._shared is not None:
            private_root(self._shared)  # another app may have swept an idle root
        else:
            self.root.mkdir(mode=0o700, exist_ok=True)  # ... or the folder was removed
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

    @contextmanager
    def lock(self, token: str) -> Iterator[None]:
        """One check or import of an upload at a time, in any thread of any worker (a double
        click waits for the first): a lock on a file beside the upload's folder."""
        if not _TOKEN.fullmatch(token):
            raise ValueError("not an upload token")
        with (self.root / f"{token}{_LOCK}").open("a") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(held, fcntl.LOCK_UN)

    def discard(self, token: str) -> None:
        if _TOKEN.fullmatch(token) and self._root is not None:
            shutil.rmtree(self._root / token, ignore_errors=True)
            (self._root / f"{token}{_LOCK}").unlink(missing_ok=True)

    def sweep(self) -> None:
        """Remove the uploads older than ``UPLOAD_MAX_AGE_SECONDS``."""
        if self._root is None or not self._root.is_dir():
            return
        limit = time.time() - UPLOAD_MAX_AGE_SECONDS
        for folder in list(self._root.iterdir()):
            if not folder.is_dir():
                continue  # a lock file, removed with its upload
            try:
                made = json.loads((folder / _META).read_text(encoding="utf-8"))["created"]
            except (OSError, ValueError, KeyError, TypeError):
                made = folder.stat().st_mtime if folder.exists() else limit
            if made < limit:
                self.discard(folder.name)


def private_root(folder: Path) -> Path:
    """A shared upload root, made if missing: a folder of this user's that no one else may
    read (one made by someone else, or a link, is refused: it could be watched or redirected)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    status = folder.lstat()
    if not stat.S_ISDIR(status.st_mode) or status.st_uid != os.getuid():
        raise RefusedUploadFolder(f"{folder} is not a folder of this user's")
    if status.st_mode & 0o077:
        raise RefusedUploadFolder(f"{folder} may be read by others (chmod 700 {folder})")
    return folder


def shared_root_for(database: str) -> Path:
    """The shared upload root ``lagebild serve`` uses for a database unless told another: a
    folder of its own in the temporary folder, the same for every worker serving it."""
    key = hashlib.sha256(database.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"{_ROOT_PREFIX}{os.getuid()}-{key}"


def _remove_stale_roots() -> None:
    """Uploads an app left behind when it was killed: removed once they are too old."""
    limit = time.time() - UPLOAD_MAX_AGE_SECONDS
    for root in Path(tempfile.gettempdir()).glob(_ROOT_PREFIX + "*"):
        try:
            idle = root.stat().st_mtime < limit
            for folder in list(root.iterdir()):
                if folder.stat().st_mtime >= limit:
                    continue
                if folder.is_dir():
                    shutil.rmtree(folder, ignore_errors=True)
                else:
                    folder.unlink(missing_ok=True)  # a lock file
            if idle and not any(root.iterdir()):
                root.rmdir()
        except OSError:
            continue  # another user's, or removed meanwhile


def upload_limit(request: Request) -> int:
    """The largest file the page accepts: ``WebConfig.max_upload_bytes``, else the default."""
    configured = getattr(request.app.state.lagebild.config, "max_upload_bytes", None)
    return MAX_UPLOAD_BYTES if configured is None else int(configured)


def limited_request(request: Request, limit: int) -> Request:
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
        state.uploads = Uploads(getattr(state.lagebild.config, "upload_folder", None))
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


def copy_upload(source: IO[bytes], target: Path, limit: int) -> int:
    """Copy an upload into place, refusing it once it grows past ``limit`` bytes."""
    size = 0
    with target.open("xb") as out:
        while block := source.read(CHUNK):
            size += len(block)
            if size > limit:
                raise FormError("too-large", 413, limit=limit)
            out.write(block)
    if size == 0:
        raise FormError("empty")
    return size
