"""The application factory: ``create_app(WebConfig(db=...))`` gives an ASGI app on that database."""

from __future__ import annotations

import logging
import sqlite3
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from threading import Lock
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from lagebild import __version__, analysis
from lagebild.analysis import GapsResult, PlaceTree, SituationResult
from lagebild.analysis.place import UnknownPlace
from lagebild.model import parse_level
from lagebild.store import Store, StoreUnavailable
from lagebild.web.security import SecurityHeaders

HERE = Path(__file__).parent
#: The API reader (Swagger UI, shipped in static/vendor/swagger-ui).
DOCS_URL = "/api/docs"
log = logging.getLogger("lagebild.web")


@dataclass(frozen=True)
class WebConfig:
    """What the web app needs to know.

    ``tile_url`` is an optional base-map tile URL (``https://.../{z}/{x}/{y}.png``) for those with a
    connection; without it the map draws places on a blank background and fetches nothing.
    """

    db: str | None = None
    tile_url: str | None = None
    default_language: str = "en"
    # Accounts (web/auth.py, security/policy.py). "auto": everything is open while the database
    # has no account (a single laptop) and sign-in is required as soon as one exists;
    # "required": sign-in is always required.
    sign_in: str = "auto"
    public: bool = False  # anonymous visitors see the public picture, as viewers
    secure_cookies: bool | None = None  # None: Secure, unless served over plain loopback http
    protocol: str | None = None  # sharing protocol file (default: $LAGEBILD_PROTOCOL, shipped)
    session_hours: float = 12.0
    lockout_attempts: int = 5  # failed sign-ins of one account within lockout_minutes ...
    lockout_client_attempts: int = 20  # ... or from one client address, lock it out
    lockout_minutes: float = 15.0
    #: The largest file the Import page accepts, in bytes (None: ``uploads.MAX_UPLOAD_BYTES``,
    #: 200 MB); larger files are for ``lagebild import``.
    max_upload_bytes: int | None = None
    #: Where the evidence files are (None: $LAGEBILD_EVIDENCE, else beside a SQLite database).
    evidence_folder: str | None = None


class Context:
    """The store and what is worth keeping between requests.

    The numbers change only when an import is written, so results are kept per data version
    (the newest import's id): the P-code tree, and the last few ``situation`` and ``gaps``.
    """

    CACHE_SIZE = 64

    def __init__(self, config: WebConfig) -> None:
        from lagebild.security import protocol

        self.config = config
        self.store = Store.open(config.db)
        self.protocol = protocol.load(config.protocol)
        self._lock = Lock()
        self._version: tuple[int, ...] = (-1, -1)
        self._tree: PlaceTree | None = None
        self._results: OrderedDict[Hashable, Any] = OrderedDict()

    def _current(self) -> tuple[int, ...]:
        version = self.store.data_version()
        with self._lock:
            if version != self._version:
                self._version, self._tree = version, None
                self._results.clear()
        return version

    def tree(self) -> PlaceTree:
        self._current()
        with self._lock:
            if self._tree is None:
                self._tree = PlaceTree(self.store.places())
            return self._tree

    def gaps(
        self, as_of: date, window: int, level: str, sector: str | None, rank: str = "plain"
    ) -> GapsResult:
        """``analysis.gaps``, kept per data version: the API, the pages and the map share it."""
        return self.cached(  # type: ignore[no-any-return]
            ("gaps", as_of, window, level, sector, rank),
            lambda: analysis.gaps(self.store, as_of, window, parse_level(level), sector,
                                  self.tree(), rank),
        )

    def situation(
        self, as_of: date, window: int, level: str, sector: str | None
    ) -> SituationResult:
        """``analysis.situation``, kept per data version."""
        return self.cached(  # type: ignore[no-any-return]
            ("situation", as_of, window, level, sector),
            lambda: analysis.situation(self.store, as_of, window, parse_level(level), sector,
                                       self.tree()),
        )

    def sectors(self) -> list[str]:
        """The sectors named in figures and deliveries (inter-sector, the empty one, left out)."""
        return self.cached(  # type: ignore[no-any-return]
            ("sectors",), lambda: [s for s in self.store.sectors() if s]
        )

    def cached(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per data version and key; the last results are kept."""
        self._current()
        with self._lock:
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]
        value = compute()
        with self._lock:
            self._results[key] = value
            while len(self._results) > self.CACHE_SIZE:
                self._results.popitem(last=False)
        return value


class _App(FastAPI):
    """FastAPI with the security headers outside every other layer, so that an answer Starlette's
    own error middleware writes (a 500) carries them too."""

    def build_middleware_stack(self) -> Any:
        inner = super().build_middleware_stack()
        return SecurityHeaders(inner, **getattr(self.state, "security_headers", {}))


def create_app(config: WebConfig | None = None) -> FastAPI:
    config = config or WebConfig()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.lagebild.store.close()

    from lagebild.web import auth

    app = _App(
        dependencies=[Depends(auth.guard)],
        lifespan=lifespan,
        title="lagebild",
        version=__version__,
        description="The situation picture of a humanitarian response: people in need, access, "
        "deliveries and gaps, each number traced to its source.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # served below from the package's own copy of Swagger UI
        redoc_url=None,
    )
    app.state.lagebild = Context(config)
    # CSP, nosniff, no framing, same-origin referrer on every response (web/security.py), the
    # server's own 500 included: outside even Starlette's error middleware (``_App``).
    app.state.security_headers = {"tile_url": config.tile_url, "docs_url": DOCS_URL}

    @app.get(DOCS_URL, include_in_schema=False)
    def api_docs() -> Response:
        """The API reader, with Swagger UI from the package: nothing fetched from elsewhere."""
        return get_swagger_ui_html(
            openapi_url="/api/openapi.json",
            title="lagebild API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/icon.svg",
        )

    _include_routers(app)
    _install_error_handlers(app)
    return app


def _include_routers(app: FastAPI) -> None:
    """The API's routes and the pages, in the order they are matched, and the static files."""
    from lagebild.web import (
        api,
        auth,
        convoys,
        damage,
        evidence,
        imports,
        incidents,
        mapview,
        pages,
        records_api,
        trustpages,
    )

    app.include_router(api.router)
    app.include_router(mapview.router)
    app.include_router(imports.router)
    app.include_router(imports.api_router)
    app.include_router(records_api.router)
    app.include_router(trustpages.api_router)
    app.include_router(trustpages.router)
    app.include_router(evidence.api_router)
    app.include_router(evidence.router)
    app.include_router(convoys.api_router)
    app.include_router(incidents.api_router)
    app.include_router(damage.api_router)
    app.include_router(incidents.map_router)
    app.include_router(damage.map_router)
    app.include_router(convoys.router)
    app.include_router(incidents.router)
    app.include_router(damage.router)
    app.include_router(pages.router)
    auth.install(app)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")


def _install_error_handlers(app: FastAPI) -> None:
    """Errors are JSON under /api/, and an HTML page in the visitor's language elsewhere."""
    from lagebild.web import pages

    @app.exception_handler(UnknownPlace)
    async def unknown_place(request: Request, exc: UnknownPlace) -> Response:
        if not _is_api(request):
            return pages.error_page(request, 404, "unknown-place", pcode=exc.pcode)
        return JSONResponse({"error": str(exc), "status": 404, "pcode": exc.pcode}, status_code=404)

    @app.exception_handler(SQLAlchemyError)
    async def database_error(request: Request, exc: SQLAlchemyError) -> Response:
        if not database_unavailable(exc):
            raise exc  # a bug, not an outage: the server's 500
        return _unavailable(request, exc)

    @app.exception_handler(StoreUnavailable)
    async def store_unavailable(request: Request, exc: StoreUnavailable) -> Response:
        return _unavailable(request, exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for error in exc.errors():
            where = [str(part) for part in error.get("loc", ()) if part not in ("query", "path")]
            name = ".".join(where) or "request"
            value = error.get("input")
            problems.append(
                {
                    "parameter": name,
                    "value": value if isinstance(value, str | int | float | None) else str(value),
                    "message": _message(name, error),
                }
            )
        first = problems[0] if problems else {"message": "invalid request"}
        if not _is_api(request):
            return pages.error_page(request, 422, "invalid", problems=problems)
        return JSONResponse(
            {"error": first["message"], "status": 422, "problems": problems}, status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if not _is_api(request):
            page = pages.error_page(request, exc.status_code, "http", detail=str(exc.detail))
            page.headers.update(exc.headers or {})
            return page
        return JSONResponse(
            {"error": str(exc.detail), "status": exc.status_code}, status_code=exc.status_code
        )


#: Seconds a client is asked to wait when the database is unavailable (Retry-After).
RETRY_AFTER_S = 10
_SQLITE_OUTAGES = ("locked", "busy", "unable to open", "disk i/o error")


def database_unavailable(exc: BaseException) -> bool:
    """Whether a database error means the database cannot be reached now (down, cut off, locked
    beyond the busy timeout), rather than a fault in a query."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, OperationalError):
        if isinstance(exc.orig, sqlite3.Error):  # SQLite says "no such table" this way too
            return any(word in str(exc.orig).lower() for word in _SQLITE_OUTAGES)
        return True  # psycopg: the connection failed, was closed or was terminated
    return False


def _unavailable(request: Request, exc: BaseException) -> Response:
    """503 with Retry-After: a page in the visitor's language, or JSON under /api/. What the
    driver said goes to the log, not to the visitor (it names hosts and ports)."""
    from lagebild.web import pages

    cause = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
    log.warning("database unavailable for %s %s: %s", request.method, request.url.path, cause)
    headers = {"Retry-After": str(RETRY_AFTER_S)}
    if not _is_api(request):
        page = pages.error_page(request, 503, "unavailable")
        page.headers.update(headers)
        return page
    return JSONResponse(
        {
            "error": "the database is unavailable; try again shortly",
            "status": 503,
            "retry_after": RETRY_AFTER_S,
        },
        status_code=503,
        headers=headers,
    )


def _is_api(request: Request) -> bool:
    path = request.url.path
    return path == "/api" or path.startswith("/api/")


def _message(name: str, error: dict) -> str:  # type: ignore[type-arg]
    kind = str(error.get("type", ""))
    value = error.get("input")
    if "date" in kind:
        return f"{name}: {value!r} is not a date; write it as YYYY-MM-DD"
    if kind == "missing":
        return f"{name} is required"
    return f"{name}: {error.get('msg', 'invalid')}"
