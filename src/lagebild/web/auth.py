"""Who makes each request, and whether it may: API tokens, sessions, CSRF and the policy.

``guard`` runs before every route (the app's dependency). It finds the principal (an API token
in ``Authorization: Bearer``, else a session cookie, else: the open laptop's user while the
database has no accounts, the public viewer with ``public``, or a sign-in is asked for), refuses
a state-changing request from another site or without the session's CSRF token, and asks the
policy (``lagebild.security.policy``) whether the principal may use the route. Denials are 403
and go to the audit trail. Signing in is ``web/accounts.py``.

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
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from lagebild.messages import N_, Message
from lagebild.security import policy
from lagebild.security import protocol as sharing
from lagebild.security.passwords import secret_hash
from lagebild.security.policy import Denied, Principal
from lagebild.store import Store, accounts

log = logging.getLogger("lagebild.security")

SESSION_COOKIE = "lagebild_session"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
#: The largest url-encoded form the guard reads for its CSRF field.
MAX_FORM_BYTES = 64 * 1024


class SignInRequired(Exception):
    """No valid credentials where the server asks for them (401, or a redirect to sign in)."""

    def __init__(self, reason: Message | None = None) -> None:
        reason = reason or Message(N_("sign in first"))
        super().__init__(reason)
        self.reason = reason


class CsrfRefused(Exception):
    """A state-changing request from another site, or without its session's token (403)."""


def csrf_of(session_secret: str) -> str:
    return hmac.new(session_secret.encode(), b"lagebild csrf", hashlib.sha256).hexdigest()


def config_of(request: Request) -> Any:
    return request.app.state.lagebild.config


def enforced(request: Request) -> bool:
    """Whether this server asks for sign-in: always (``sign_in="required"``), or as soon as the
    database has an account (``"auto"``, the default)."""
    config = config_of(request)
    if config.sign_in == "required":
        return True
    found = getattr(request.state, "has_accounts", None)  # asked by ``guard`` for this request
    if isinstance(found, bool):
        return found
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
    # The data version of the kept results and whether any account exists: one query.
    request.state.has_accounts = request.app.state.lagebild.observe()
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        found = request.app.state.lagebild.token_account(secret_hash(header[7:].strip()))
        if found is None:
            raise SignInRequired(
                Message(N_("the API token is unknown, revoked or its account disabled"))
            )
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
    if request.method.upper() in policy.SAFE_METHODS:
        request.app.state.lagebild.observed()  # the route's kept results need no second query
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


__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "CsrfRefused",
    "SignInRequired",
    "client_of",
    "config_of",
    "csrf_of",
    "deny",
    "guard",
    "principal_of",
    "protocol_of",
    "record_export",
    "request_store",
    "require",
    "requires",
    "same_site",
    "scope_of",
    "secret_hash",
]
