"""Sign-in, sessions, API tokens and CSRF: who makes each request, and whether it may.

``guard`` runs before every route (the app's dependency). It finds the principal (an API token
in ``Authorization: Bearer``, else a session cookie, else: the open laptop's user while the
database has no accounts, the public viewer with ``public``, or a sign-in is asked for), refuses
a state-changing request from another site or without the session's CSRF token, and asks the
policy (``lagebild.security.policy``) whether the principal may use the route. Denials are 403
and go to the audit trail.

CSRF: a session's token is an HMAC of its secret (nothing more to keep). Forms carry it in the
hidden field ``csrf`` (``{{ csrf_field() }}``), multipart forms in their action's query
(``{{ csrf_query() }}``), scripts in the ``X-CSRF-Token`` header. Every state-changing request
also must not come from another site (``Origin``, ``Sec-Fetch-Site``): that alone protects the
open laptop, which has no session.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from jinja2 import pass_context
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from lagebild.security import passwords, policy
from lagebild.security import protocol as sharing
from lagebild.security.passwords import secret_hash
from lagebild.security.policy import Denied, Principal
from lagebild.store import Store, accounts
from lagebild.web.templating import render, templates

log = logging.getLogger("lagebild.security")

SESSION_COOKIE = "lagebild_session"
#: The sign-in form's own CSRF token, before there is a session (double submit).
SIGNIN_COOKIE = "lagebild_signin"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
#: The largest url-encoded form the guard reads for its CSRF field.
MAX_FORM_BYTES = 64 * 1024

router = APIRouter(include_in_schema=False)


class SignInRequired(Exception):
    """No valid credentials where the server asks for them (401, or a redirect to sign in)."""

    def __init__(self, reason: str = "sign in first") -> None:
        super().__init__(reason)
        self.reason = reason


class CsrfRefused(Exception):
    """A state-changing request from another site, or without its session's token (403)."""


def csrf_of(session_secret: str) -> str:
    return hmac.new(session_secret.encode(), b"lagebild csrf", hashlib.sha256).hexdigest()


# -- who is asking ------------------------------------------------------------------------------


def config_of(request: Request) -> Any:
    return request.app.state.lagebild.config


def enforced(request: Request) -> bool:
    """Whether this server asks for sign-in: always (``sign_in="required"``), or as soon as the
    database has an account (``"auto"``, the default)."""
    config = config_of(request)
    if config.sign_in == "required":
        return True
    return accounts.has_accounts(request.app.state.lagebild.store)


def principal_of(request: Request | None) -> Principal:
    """The principal ``guard`` found for this request (the open laptop's user before it ran)."""
    found = getattr(request.state, "principal", None) if request is not None else None
    return found if isinstance(found, Principal) else policy.local()


def request_store(request: Request) -> Store:
    """The app's store, its changes recorded as the signed-in user."""
    store: Store = request.app.state.lagebild.store
    principal = principal_of(request)
    return store.as_actor(principal.name) if principal.signed_in else store


def scope_of(request: Request) -> accounts.Scope:
    return policy.scope_of(principal_of(request))


def protocol_of(request: Request) -> sharing.Protocol:
    found: sharing.Protocol = request.app.state.lagebild.protocol
    return found


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _identify(request: Request) -> tuple[Principal | None, str | None]:
    """(principal, session secret): from a token, a session, or the server's mode."""
    store: Store = request.app.state.lagebild.store
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        found = accounts.token_account(store, secret_hash(header[7:].strip()))
        if found is None:
            raise SignInRequired("the API token is unknown, revoked or its account disabled")
        return Principal.of(found, "token"), None
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        found = accounts.session_account(store, secret_hash(secret))
        if found is not None:
            return Principal.of(found, "session"), secret
    if not enforced(request):
        return policy.local(), None
    if config_of(request).public:
        return policy.ANONYMOUS, None
    return None, None


async def guard(request: Request) -> None:
    """Before every route: who asks, a CSRF check for changes, and the policy's permission."""
    route = getattr(request.scope.get("route"), "path", request.url.path)
    principal, secret = await run_in_threadpool(_identify, request)
    request.state.principal = principal or policy.ANONYMOUS
    request.state.session_secret = secret
    if route in policy.OPEN_ROUTES:
        return
    if principal is None:
        raise SignInRequired()
    if request.method.upper() not in policy.SAFE_METHODS:
        await _check_csrf(request, principal, secret)
    permission = policy.permission_for(request.method, route)
    if not policy.may(principal, permission):
        await run_in_threadpool(deny, request, permission)


def deny(request: Request, permission: str, what: str = "") -> None:
    """Refuse (403), in the audit trail and the log."""
    principal = principal_of(request)
    where = request.url.path
    log.warning("denied %s (%s) %s %s: %s", principal.name, principal.role, request.method,
                where, permission)
    accounts.record_event(
        request.app.state.lagebild.store,
        principal.name,
        "denied",
        {
            "method": request.method,
            "path": where,
            "permission": permission,
            "role": principal.role,
            "client": client_of(request),
            **({"what": what} if what else {}),
        },
    )
    raise Denied(principal, permission, what)


def require(request: Request, permission: str, what: str = "") -> None:
    """For a check inside a route (a kind of import, a record of another organisation)."""
    if not policy.may(principal_of(request), permission):
        deny(request, permission, what)


def requires(permission: str) -> Any:
    """A route dependency: ``dependencies=[Depends(auth.requires(policy.SEE_DETAIL))]``."""

    def check(request: Request) -> None:
        require(request, permission)

    return check


# -- CSRF ---------------------------------------------------------------------------------------


def same_site(request: Request) -> bool:
    if request.headers.get("sec-fetch-site", "") == "cross-site":
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not a browser's cross-site form or fetch: those send Origin
    parts = urlsplit(origin)
    host = request.headers.get("host", "")
    return origin != "null" and bool(parts.netloc) and parts.netloc.lower() == host.lower()


async def _sent_token(request: Request) -> str:
    sent = request.headers.get(CSRF_HEADER) or request.query_params.get(CSRF_FIELD)
    if sent:
        return sent
    kind = request.headers.get("content-type", "")
    declared = request.headers.get("content-length", "")
    if kind.startswith("application/x-www-form-urlencoded") and (
        declared.isdigit() and int(declared) <= MAX_FORM_BYTES
    ):
        form = await request.form()  # kept by the request: the route reads the same form
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def _check_csrf(request: Request, principal: Principal, secret: str | None) -> None:
    if not same_site(request):
        await run_in_threadpool(_refuse_csrf, request, "from another site")
    if principal.via == "session":
        sent = await _sent_token(request)
        if not (secret and sent and hmac.compare_digest(sent, csrf_of(secret))):
            await run_in_threadpool(_refuse_csrf, request, "without this session's CSRF token")


def _refuse_csrf(request: Request, why: str) -> None:
    principal = principal_of(request)
    log.warning("refused %s %s %s: %s", principal.name, request.method, request.url.path, why)
    accounts.record_event(
        request.app.state.lagebild.store,
        principal.name,
        "denied",
        {"method": request.method, "path": request.url.path, "permission": "csrf", "why": why,
         "client": client_of(request)},
    )
    raise CsrfRefused(why)


# -- cookies ------------------------------------------------------------------------------------


def secure_cookies(request: Request) -> bool:
    """Secure cookies, unless configured otherwise or served over plain http on loopback."""
    configured = config_of(request).secure_cookies
    if configured is not None:
        return bool(configured)
    return not (request.url.scheme == "http" and (request.url.hostname or "") in LOOPBACK)


def _set_cookie(
    request: Request, response: Response, name: str, value: str, max_age: int, path: str = "/"
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
    )


# -- the sign-in page ---------------------------------------------------------------------------


def _next_path(value: str | None) -> str:
    """Where to go after signing in: a path of this site, never another site."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def _signin_page(
    request: Request, status: int = 200, error: str | None = None, **values: Any
) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "signin.html",
        status_code=status,
        error=error,
        signin_token=token,
        next=_next_path(values.pop("next", None)),
        name=values.pop("name", ""),
        **values,
    )
    _set_cookie(request, response, SIGNIN_COOKIE, token, 3600, path="/signin")
    return response


@router.get("/signin")
def signin_form(request: Request, next: str | None = None) -> Response:  # noqa: A002
    return _signin_page(request, next=next)


def _locked_until(request: Request, name: str) -> datetime | None:
    """When the lock-out on this account or this client lifts; None when there is none."""
    config = config_of(request)
    store: Store = request.app.state.lagebild.store
    window = timedelta(minutes=config.lockout_minutes)
    since = datetime.now() - window
    for limit, which in (
        (config.lockout_attempts, {"account_name": name}),
        (config.lockout_client_attempts, {"client": client_of(request)}),
    ):
        count, first = accounts.failures_since(store, since, **which)  # type: ignore[arg-type]
        if count >= limit and first is not None:
            return first + window  # type: ignore[no-any-return]
    return None


def _sign_in(request: Request, name: str, password: str) -> tuple[str, Any]:
    """('ok', secret) | ('locked', until) | ('failed', None); every outcome is in the audit."""
    store: Store = request.app.state.lagebild.store
    client = client_of(request)
    until = _locked_until(request, name)
    if until is not None:
        accounts.record_event(store, name, "locked", {"client": client, "until": str(until)})
        log.warning("locked out: %s from %s until %s", name, client, until)
        return "locked", until
    found = accounts.account(store, name)
    if found is None:
        passwords.dummy_verify(password)
        ok, why = False, "unknown account"
    elif not passwords.verify_password(found.password_hash, password):
        ok, why = False, "wrong password"
    elif found.disabled:
        ok, why = False, "account disabled"
    else:
        ok, why = True, ""
    if not ok or found is None:
        accounts.add_failure(store, name, client)
        accounts.record_event(store, name, "signin_failed", {"client": client, "why": why})
        log.warning("failed sign-in: %s from %s (%s)", name, client, why)
        until = _locked_until(request, name)
        if until is not None:
            accounts.record_event(store, name, "locked", {"client": client, "until": str(until)})
            return "locked", until
        return "failed", None
    accounts.clear_failures(store, name)
    secret = secrets.token_urlsafe(32)
    expires = datetime.now() + timedelta(hours=config_of(request).session_hours)
    accounts.add_session(store, found.id, secret_hash(secret), expires, client)
    accounts.record_event(
        store, name, "signin", {"client": client, "role": found.role}, record_id=found.id
    )
    return "ok", secret


@router.post("/signin")
async def signin(request: Request) -> Response:
    async with request.form(max_files=0, max_fields=10, max_part_size=64 * 1024) as form:
        values = {k: v for k, v in form.items() if isinstance(v, str)}
    name = values.get("name", "").strip()[:80]
    next_path = _next_path(values.get("next"))
    expected = request.cookies.get(SIGNIN_COOKIE, "")
    sent = values.get(CSRF_FIELD, "")
    if not (same_site(request) and expected and sent and hmac.compare_digest(expected, sent)):
        return _signin_page(request, 403, "expired", name=name, next=next_path)
    outcome, detail = await run_in_threadpool(_sign_in, request, name, values.get("password", ""))
    if outcome == "locked":
        minutes = max(1, int((detail - datetime.now()).total_seconds() // 60) + 1)
        return _signin_page(request, 429, "locked", name=name, next=next_path, minutes=minutes)
    if outcome == "failed":
        return _signin_page(request, 401, "failed", name=name, next=next_path)
    response = RedirectResponse(next_path, status_code=303)
    hours = config_of(request).session_hours
    _set_cookie(request, response, SESSION_COOKIE, detail, int(hours * 3600))
    response.delete_cookie(SIGNIN_COOKIE, path="/signin")
    return response


@router.post("/signout")
def signout(request: Request) -> Response:
    principal = principal_of(request)
    secret = getattr(request.state, "session_secret", None)
    store: Store = request.app.state.lagebild.store
    if secret:
        accounts.end_session(store, secret_hash(secret))
        accounts.record_event(store, principal.name, "signout", {"client": client_of(request)})
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- exports of restricted data -----------------------------------------------------------------


def record_export(request: Request, kind: str, rows: list[dict[str, Any]], fmt: str) -> None:
    """An export that gave restricted fields to a signed-in user goes to the audit trail."""
    principal = principal_of(request)
    if not principal.signed_in or not rows:
        return
    fields = sharing.restricted_fields(protocol_of(request), kind, rows)
    if not fields:
        return
    query = request.url.query
    accounts.record_event(
        request.app.state.lagebild.store,
        principal.name,
        "export",
        {
            "path": request.url.path + (f"?{query}" if query else ""),
            "kind": kind,
            "format": fmt,
            "rows": len(rows),
            "fields": fields,
        },
    )


# -- templates and the app ----------------------------------------------------------------------


def _request(context: Any) -> Request | None:
    found = context.get("request")
    return found if isinstance(found, Request) else None


@pass_context
def _current(context: Any) -> Principal:
    return principal_of(_request(context))


@pass_context
def _csrf_token(context: Any) -> str:
    request = _request(context)
    secret = getattr(request.state, "session_secret", None) if request is not None else None
    return csrf_of(secret) if secret else ""


@pass_context
def _csrf_field(context: Any) -> Markup:
    token = _csrf_token(context)
    if not token:
        return Markup("")
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, token)


@pass_context
def _csrf_query(context: Any) -> str:
    token = _csrf_token(context)
    return "?" + urlencode({CSRF_FIELD: token}) if token else ""


@pass_context
def _may(context: Any, permission: str) -> bool:
    return policy.may(principal_of(_request(context)), permission)


def _threshold(context: Any) -> int:
    request = _request(context)
    return protocol_of(request).threshold if request is not None else 10


@pass_context
def _hidden_count(context: Any, value: Any) -> bool:
    """Whether a count of an aggregated table is suppressed for this reader (the public)."""
    if not policy.sees_public_tables(principal_of(_request(context))):
        return False
    return sharing.suppress_count(value, _threshold(context))[1]


@pass_context
def _count(context: Any, value: Any, name: str | None = None, row: Any = None) -> str:
    """A count in the page's notation, or ``<10`` where it is suppressed: a record's count
    named in its ``suppressed`` list, or a small count of a table the public sees."""
    lang = context.get("lang")
    if row is not None and name is not None:
        hidden = name in (row.get(sharing.SUPPRESSED) or [])
    else:
        hidden = _hidden_count(context, value)
    if hidden:
        return f"<{lang.number(_threshold(context)) if lang else _threshold(context)}"
    return lang.number(value) if lang else str(value)


templates.env.globals.update(
    count=_count,
    hidden_count=_hidden_count,
    current_principal=_current,
    csrf_field=_csrf_field,
    csrf_query=_csrf_query,
    may=_may,
)


def install(app: FastAPI) -> None:
    """The sign-in routes and the answers to denials, sign-in demands and CSRF refusals."""
    from lagebild.web import pages

    app.include_router(router)

    def is_api(request: Request) -> bool:
        return request.url.path == "/api" or request.url.path.startswith("/api/")

    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, exc: SignInRequired) -> Response:
        if is_api(request):
            return JSONResponse(
                {
                    "error": f"{exc.reason}: send 'Authorization: Bearer TOKEN' "
                    "(lagebild token create NAME)",
                    "status": 401,
                },
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="lagebild"'},
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/signin?" + urlencode({"next": target}), status_code=303)

    @app.exception_handler(Denied)
    async def denied(request: Request, exc: Denied) -> Response:
        if is_api(request):
            return JSONResponse(
                {"error": str(exc), "status": 403, "permission": exc.permission}, status_code=403
            )
        return pages.error_page(
            request, 403, "denied", role=exc.principal.role, permission=exc.permission
        )

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        if is_api(request):
            return JSONResponse(
                {"error": f"refused: a change {exc}", "status": 403, "permission": "csrf"},
                status_code=403,
            )
        return pages.error_page(request, 403, "csrf")


__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "CsrfRefused",
    "SignInRequired",
    "csrf_of",
    "deny",
    "guard",
    "install",
    "principal_of",
    "protocol_of",
    "record_export",
    "request_store",
    "require",
    "requires",
    "scope_of",
    "secret_hash",
]
