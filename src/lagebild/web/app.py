"""The application factory: ``create_app(WebConfig(db=...))`` gives an ASGI app on that database,
with the routes of every resource, the answers to errors, the static files and the API reader."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from lagebild import __version__
from lagebild.analysis.place import UnknownPlace
from lagebild.messages import N_, Message
from lagebild.security.policy import Denied
from lagebild.store import StoreUnavailable, outages
from lagebild.web import (
    accounts,
    auth,
    convoys,
    damage,
    evidence,
    gaps,
    imports,
    incidents,
    mapview,
    places,
    plan,
    presence,
    priorities,
    records,
    report,
    situation,
    sources,
    trust,
)
from lagebild.web.auth import CsrfRefused, SignInRequired
from lagebild.web.context import BlankQueryValues, Context, WebConfig, error_page
from lagebild.web.context import request_language as language_of
from lagebild.web.security import SecurityHeaders, TrustedHosts

HERE = Path(__file__).parent
#: The API reader (Swagger UI, shipped in static/vendor/swagger-ui).
DOCS_URL = "/api/docs"
log = logging.getLogger("lagebild.web")


class _App(FastAPI):
    """FastAPI with the security headers outside every other layer, so that an answer Starlette's
    own error middleware writes (a 500) carries them too; inside them, a request naming a host
    the server does not answer to is refused (``WebConfig.allowed_hosts``)."""

    def build_middleware_stack(self) -> Any:
        inner = super().build_middleware_stack()
        allowed = getattr(self.state, "allowed_hosts", None)
        if allowed is not None:
            inner = TrustedHosts(inner, allowed)
        return SecurityHeaders(inner, **getattr(self.state, "security_headers", {}))


def _store_outages() -> Iterator[None]:
    """Around every route (its dependencies too): a database that cannot be reached now is
    ``StoreUnavailable``, answered with 503; a fault in a query stays a bug (the server's 500)."""
    with outages():
        yield


def create_app(config: WebConfig | None = None) -> FastAPI:
    config = config or WebConfig()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.lagebild.close()

    app = _App(
        dependencies=[Depends(_store_outages, scope="function"), Depends(auth.guard)],
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
    app.state.allowed_hosts = config.allowed_hosts

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

    # On the pages (not the API), a blank query value, as an "All ..." choice sends, is absent.
    app.add_middleware(BlankQueryValues)
    _include_routers(app)
    _install_error_handlers(app)
    return app


#: The environment variable that passes ``WebConfig`` to the workers ``lagebild serve --workers``
#: starts (``from_environment``), as JSON.
CONFIG_VARIABLE = "LAGEBILD_WEB_CONFIG"


def from_environment() -> FastAPI:
    """The app of one server worker, configured by ``$LAGEBILD_WEB_CONFIG`` (uvicorn's factory)."""
    values = json.loads(os.environ.get(CONFIG_VARIABLE) or "{}")
    if values.get("allowed_hosts") is not None:
        values["allowed_hosts"] = tuple(values["allowed_hosts"])
    return create_app(WebConfig(**values))


def _include_routers(app: FastAPI) -> None:
    """The API's routes and the pages, in the order they are matched, and the static files."""
    app.include_router(places.api_router)
    app.include_router(records.api_router)
    app.include_router(situation.api_router)
    app.include_router(gaps.api_router)
    app.include_router(priorities.api_router)
    app.include_router(plan.api_router)
    app.include_router(situation.trend_router)
    app.include_router(trust.api_router)
    app.include_router(mapview.router)
    app.include_router(imports.router)
    app.include_router(imports.api_router)
    app.include_router(records.edit_router)
    app.include_router(records.history_router)
    app.include_router(trust.router)
    app.include_router(records.router)
    app.include_router(evidence.api_router)
    app.include_router(evidence.router)
    app.include_router(convoys.api_router)
    app.include_router(incidents.api_router)
    app.include_router(damage.api_router)
    app.include_router(incidents.map_router)
    app.include_router(damage.map_router)
    app.include_router(presence.api_router)
    app.include_router(convoys.router)
    app.include_router(presence.router)
    app.include_router(incidents.router)
    app.include_router(damage.router)
    app.include_router(situation.router)
    app.include_router(gaps.router)
    app.include_router(priorities.router)
    app.include_router(plan.router)
    app.include_router(report.router)
    app.include_router(places.router)
    app.include_router(sources.router)
    app.include_router(accounts.router)
    _install_refusals(app)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

def _install_error_handlers(app: FastAPI) -> None:
    """Errors are JSON under /api/, and an HTML page in the visitor's language elsewhere."""
    @app.exception_handler(UnknownPlace)
    async def unknown_place(request: Request, exc: UnknownPlace) -> Response:
        if not _is_api(request):
            return error_page(request, 404, "unknown-place", pcode=exc.pcode)
        said = language_of(request).message(exc.words)  # in the request's language
        return JSONResponse({"error": said, "status": 404, "pcode": exc.pcode}, status_code=404)

    @app.exception_handler(StoreUnavailable)
    async def store_unavailable(request: Request, exc: StoreUnavailable) -> Response:
        return _unavailable(request, exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        # The messages in the request's language (English unless it asks for another); the
        # parameters, values and allowed values as sent and stored.
        lang = language_of(request)
        problems = []
        for error in exc.errors():
            where = [str(part) for part in error.get("loc", ()) if part not in ("query", "path")]
            name = ".".join(where) or "request"
            value = error.get("input")
            problem: dict[str, Any] = {
                "parameter": name,
                "value": value if isinstance(value, str | int | float | None) else str(value),
                "message": lang.message(_message(name, error)),
            }
            allowed = _allowed(error)
            if allowed:
                problem["allowed"] = allowed
            problems.append(problem)
        first = problems[0] if problems else {"message": "invalid request"}
        if not _is_api(request):
            return error_page(request, 422, "invalid", problems=problems)
        return JSONResponse(
            {"error": first["message"], "status": 422, "problems": problems}, status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # A detail the web wrote as a message is said in the request's language (English
        # unless it asks for another); any other detail as it came.
        detail = exc.detail
        said = language_of(request).message(detail) if isinstance(detail, Message) else None
        if not _is_api(request):
            page = error_page(
                request, exc.status_code, "http", detail=said or str(detail), translated=bool(said)
            )
            page.headers.update(exc.headers or {})
            return page
        return JSONResponse(
            {"error": said or str(detail), "status": exc.status_code}, status_code=exc.status_code
        )


def _install_refusals(app: FastAPI) -> None:
    """The answers to denials, sign-in demands and CSRF refusals."""
    def is_api(request: Request) -> bool:
        return request.url.path == "/api" or request.url.path.startswith("/api/")

    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, exc: SignInRequired) -> Response:
        if is_api(request):
            said = Message(
                N_("%(reason)s: send 'Authorization: Bearer TOKEN' (lagebild token create NAME)"),
                {"reason": exc.reason},
            )  # in the request's language; the command line's English otherwise
            return JSONResponse(
                {"error": language_of(request).message(said), "status": 401},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="lagebild"'},
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/signin?" + urlencode({"next": target}), status_code=303)

    @app.exception_handler(Denied)
    async def denied(request: Request, exc: Denied) -> Response:
        if is_api(request):
            lang = language_of(request)
            said = str(exc) if lang.code == "en" else lang.gettext(
                "Your account (role: %(role)s) may not see or do this. Ask an administrator if "
                "you need it.",
                role=exc.principal.role,
            )  # the page's words in another language; the command line's in English
            return JSONResponse(
                {"error": said, "status": 403, "permission": exc.permission}, status_code=403
            )
        return error_page(
            request, 403, "denied", role=exc.principal.role, permission=exc.permission
        )

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        if is_api(request):
            return JSONResponse(
                {"error": f"refused: a change {exc}", "status": 403, "permission": "csrf"},
                status_code=403,
            )
        return error_page(request, 403, "csrf")


#: Seconds a client is asked to wait when the database is unavailable (Retry-After).
RETRY_AFTER_S = 10


def _unavailable(request: Request, exc: BaseException) -> Response:
    """503 with Retry-After: a page in the visitor's language, or JSON under /api/. What the
    driver said goes to the log, not to the visitor (it names hosts and ports)."""
    cause = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
    log.warning("database unavailable for %s %s: %s", request.method, request.url.path, cause)
    headers = {"Retry-After": str(RETRY_AFTER_S)}
    if not _is_api(request):
        page = error_page(request, 503, "unavailable")
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


def _allowed(error: dict) -> list[str] | None:  # type: ignore[type-arg]
    """The values a parameter takes: a choice's (``'adm1', 'adm2' or 'adm3'``) or those a
    check of a vocabulary named (``refuse_value``)."""
    if "allowed" in error:
        return list(error["allowed"])
    if error.get("type") in ("literal_error", "enum"):
        return re.findall(r"'([^']*)'", str((error.get("ctx") or {}).get("expected", "")))
    return None


def _message(name: str, error: dict) -> Message:  # type: ignore[type-arg]
    """What is wrong with a parameter: the web's own words (``refuse_value``) or, for what the
    framework checked, its message after the parameter's name."""
    kind = str(error.get("type", ""))
    value = error.get("input")
    if isinstance(error.get("words"), Message):
        return Message(N_("%(name)s: %(message)s"), {"name": name, "message": error["words"]})
    if "date" in kind:
        return Message(
            N_("%(name)s: %(value)s is not a date; write it as YYYY-MM-DD"),
            {"name": name, "value": repr(value)},
        )
    if kind == "missing":
        return Message(N_("%(name)s is required"), {"name": name})
    reason = str(error.get("msg", "invalid"))
    return Message(N_("%(name)s: %(message)s"), {"name": name, "message": reason})
