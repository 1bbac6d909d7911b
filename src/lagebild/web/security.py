"""Security headers on every response: a Content-Security-Policy without inline scripts or
styles, no MIME sniffing, no framing, no referrer sent to other hosts.

The pages run no inline script (their data travels in ``<script type="application/json">``,
which is never executed) and carry no ``style`` attribute, so ``script-src`` and ``style-src``
are ``'self'``: a name that slipped past escaping still could not run. Images may come from the
optional tile server of ``WebConfig.tile_url``. The API reader at ``/api/docs`` (Swagger UI,
shipped in ``static/vendor/swagger-ui``) is the one page that runs an inline script of its own; it
alone gets a policy naming the hashes of exactly the inline scripts FastAPI wrote into it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def tile_source(tile_url: str | None) -> str | None:
    """The CSP source of a tile URL template: its scheme and host, a ``{s}`` subdomain as ``*``
    (``https://{s}.tile.example.org/{z}/{x}/{y}.png`` -> ``https://*.tile.example.org``).
    None when there is none, or it is not an http(s) URL a policy can name."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    labels = parts.netloc.split(".")
    if "{" in labels[0]:
        labels[0] = "*"
    host = ".".join(labels)
    if not re.fullmatch(r"(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?", host):
        return None  # a template in the middle of the host, user info, ...: no tiles
    return f"{parts.scheme}://{host}"


def content_security_policy(
    tile_url: str | None = None,
    scripts: Iterable[str] = (),
    styles: Iterable[str] = (),
    images: Iterable[str] = (),
) -> str:
    """The policy of the pages; ``scripts``, ``styles`` and ``images`` add sources (the API
    reader's)."""
    tiles = tile_source(tile_url)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *scripts],
        "style-src": ["'self'", *styles],
        "img-src": ["'self'", "data:", *([tiles] if tiles else []), *images],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def _script_hashes(body: bytes) -> list[str]:
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode("ascii") + "'"
        for script in _INLINE_SCRIPT.findall(body)
    ]


class SecurityHeaders:
    """ASGI middleware: the headers above on every HTTP response, unless a route set its own."""

    def __init__(self, app: ASGIApp, tile_url: str | None = None, docs_url: str | None = None):
        self.app = app
        self.policy = content_security_policy(tile_url)
        self.tile_url = tile_url
        self.docs_url = docs_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.docs_url is not None and scope.get("path") == self.docs_url:
            await self._docs(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._add(message, self.policy)
            await send(message)

        await self.app(scope, receive, with_headers)

    def _add(self, start: Message, policy: str) -> None:
        headers = MutableHeaders(scope=start)
        if "content-security-policy" not in headers:
            headers["Content-Security-Policy"] = policy
        for name, value in HEADERS.items():
            if name.lower() not in headers:
                headers[name] = value

    async def _docs(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The API reader: its page is held until whole, to hash its inline scripts."""
        start: Message | None = None
        body: list[bytes] = []

        async def held(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            page = b"".join(body)
            policy = content_security_policy(self.tile_url, scripts=_script_hashes(page))
            self._add(start, policy)
            await send(start)
            await send({"type": "http.response.body", "body": page, "more_body": False})

        await self.app(scope, receive, held)


def host_name(value: str) -> str:
    """The name of a Host header or an allowed name: lower case, without its port, brackets or
    final dot (``[::1]:8000`` -> ``::1``, ``Office.Example.:80`` -> ``office.example``)."""
    text = value.strip().lower()
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    return text.rstrip(".")


class TrustedHosts:
    """ASGI middleware: a request whose Host is none of the allowed names is refused with 400.

    A browser sends the name it looked up: a page of another site whose name was pointed at
    this server's address (DNS rebinding) names that site, and would otherwise read the server
    as if from its own origin. ``*.example.org`` allows every name under example.org."""

    def __init__(self, app: ASGIApp, allowed: Iterable[str]) -> None:
        self.app = app
        names = {host_name(name) for name in allowed if name.strip()}
        self.exact = frozenset(n for n in names if not n.startswith("*."))
        self.suffixes = tuple(n[1:] for n in names if n.startswith("*."))
        self.shown = ", ".join(sorted(names))

    def allows(self, host: str) -> bool:
        name = host_name(host)
        return name in self.exact or (bool(name) and name.endswith(self.suffixes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = ""
        for name, value in scope.get("headers", []):
            if name == b"host":
                host = value.decode("latin-1")
                break
        if self.allows(host):
            await self.app(scope, receive, send)
            return
        message = (
            f"refused: this server does not answer to the name {host_name(host)!r}; it answers "
            f"to {self.shown}. To reach it under another name, its administrator adds "
            "'--allowed-host NAME' to 'lagebild serve'."
        )
        path = str(scope.get("path", ""))
        if path == "/api" or path.startswith("/api/"):
            body = json.dumps({"error": message, "status": 400}).encode()
            kind = b"application/json"
        else:
            body, kind = message.encode(), b"text/plain; charset=utf-8"
        await send({
            "type": "http.response.start",
            "status": 400,
            "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())],
        })
        await send({"type": "http.response.body", "body": body})


__all__ = [
    "HEADERS",
    "SecurityHeaders",
    "TrustedHosts",
    "content_security_policy",
    "host_name",
    "tile_source",
]
