"""The application factory: ``create_app(WebConfig(db=...))`` gives an ASGI app on that database."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from threading import Lock
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from lagebild import __version__, analysis
from lagebild.analysis import GapsResult, PlaceTree, SituationResult
from lagebild.analysis.place import UnknownPlace
from lagebild.model import parse_level
from lagebild.store import Store

HERE = Path(__file__).parent


@dataclass(frozen=True)
class WebConfig:
    """What the web app needs to know.

    ``tile_url`` is an optional base-map tile URL (``https://.../{z}/{x}/{y}.png``) for those with a
    connection; without it the map draws places on a blank background and fetches nothing.
    """

    db: str | None = None
    tile_url: str | None = None
    default_language: str = "en"


class Context:
    """The store and what is worth keeping between requests.

    The numbers change only when an import is written, so results are kept per data version
    (the newest import's id): the P-code tree, and the last few ``situation`` and ``gaps``.
    """

    CACHE_SIZE = 64

    def __init__(self, config: WebConfig) -> None:
        self.config = config
        self.store = Store.open(config.db)
        self._lock = Lock()
        self._version: tuple[int, int] = (-1, -1)
        self._tree: PlaceTree | None = None
        self._results: OrderedDict[Hashable, Any] = OrderedDict()

    def _current(self) -> tuple[int, int]:
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

    def gaps(self, as_of: date, window: int, level: str, sector: str | None) -> GapsResult:
        """``analysis.gaps``, kept per data version: the API, the pages and the map share it."""
        return self.cached(  # type: ignore[no-any-return]
            ("gaps", as_of, window, level, sector),
            lambda: analysis.gaps(self.store, as_of, window, parse_level(level), sector,
                                  self.tree()),
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


def create_app(config: WebConfig | None = None) -> FastAPI:
    config = config or WebConfig()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.lagebild.store.close()

    app = FastAPI(
        lifespan=lifespan,
        title="lagebild",
        version=__version__,
        description="The situation picture of a humanitarian response: people in need, access, "
        "deliveries and gaps, each number traced to its source.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.lagebild = Context(config)

    from lagebild.web import api, mapview, pages, upload

    app.include_router(api.router)
    app.include_router(mapview.router)
    app.include_router(upload.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    # Errors are JSON under /api/, and an HTML page in the visitor's language elsewhere.

    @app.exception_handler(UnknownPlace)
    async def unknown_place(request: Request, exc: UnknownPlace) -> Response:
        if not _is_api(request):
            return pages.error_page(request, 404, "unknown-place", pcode=exc.pcode)
        return JSONResponse({"error": str(exc), "status": 404, "pcode": exc.pcode}, status_code=404)

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

    return app


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
