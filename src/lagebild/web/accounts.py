"""Signing in and out: the sign-in page with its own CSRF token, the lock-out after failed
attempts (of one account or from one client address), and the session cookie. Accounts and API
tokens are made on the command line (``lagebild account``, ``lagebild token``).
"""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from lagebild.security import passwords
from lagebild.security.passwords import secret_hash
from lagebild.store import Store, accounts
from lagebild.web.auth import (
    CSRF_FIELD,
    SESSION_COOKIE,
    client_of,
    config_of,
    principal_of,
    same_site,
)
from lagebild.web.context import render

log = logging.getLogger("lagebild.security")

#: The sign-in form's own CSRF token, before there is a session (double submit).
SIGNIN_COOKIE = "lagebild_signin"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

router = APIRouter(include_in_schema=False)


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
