"""What the web modules share: the configuration (``WebConfig``), the store and the results kept
between requests (``Context``, ``Ctx`` in a route), the query parameters of the API and the pages,
the answers in JSON, CSV or HXL and their downloads, and pages rendered from the Jinja2 templates
in the visitor's language (``render_page``, ``error_page``).
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from threading import Lock
from typing import Annotated, Any, Literal, NoReturn
from urllib.parse import unquote_plus, urlencode

from fastapi import Depends, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup, escape
from starlette.types import ASGIApp, Receive, Scope, Send

from lagebild import analysis
from lagebild.analysis import GapsResult, PlaceTree, SituationResult
from lagebild.analysis.place import find
from lagebild.analysis.priorities import load_model
from lagebild.messages import N_, Message
from lagebild.model import Place, parse_level
from lagebild.model.accounts import Account
from lagebild.model.vocab import (
    query_sector,
    sector_choices,
    vocabulary,
)
from lagebild.publish.language import DIGITS, LANGUAGES, Language, gettext_callables
from lagebild.publish.render import to_csv
from lagebild.publish.tables import Col
from lagebild.publish.words import WarWords, Words
from lagebild.security import policy
from lagebild.security import protocol as sharing
from lagebild.security.policy import Principal
from lagebild.store import Store, accounts, listing
from lagebild.store.changes import CommitWatch, data_state
from lagebild.store.places import all_places
from lagebild.store.summary import sectors
from lagebild.web.auth import CSRF_FIELD, csrf_of, principal_of, protocol_of, record_export
from lagebild.web.i18n import COOKIE, DIGITS_COOKIE, chosen_digits, negotiate
from lagebild.web.i18n import request_language as language_of


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
    #: The largest file the Import page accepts, in bytes (None: ``upload.MAX_UPLOAD_BYTES``,
    #: 200 MB); larger files are for ``lagebild import``.
    max_upload_bytes: int | None = None
    #: Where the evidence files are (None: $LAGEBILD_EVIDENCE, else beside a SQLite database).
    evidence_folder: str | None = None
    #: The names a request's Host may give (``lagebild serve`` sets the served address and its
    #: ``--allowed-host`` names); any other is refused with 400, so that a page of another site
    #: whose name was pointed at this server (DNS rebinding) cannot read it. None: no check (an
    #: app built in a test or embedded behind a proxy that checks).
    allowed_hosts: tuple[str, ...] | None = None
    #: The folder of the uploads waiting for their confirmation, shared by every worker serving
    #: the database (None: a temporary folder of this app's own, removed when it stops).
    upload_folder: str | None = None
    #: The priority model's YAML (None: the one lagebild ships, analysis/priorities.yml).
    priority_model: str | None = None


#: Whether this request has asked the database for its data version already (``Context.observe``
#: in ``auth.guard``): its kept results then need no second query. One value per request: each
#: request runs in a context of its own, copied into the threads its routes run in.
_OBSERVED: ContextVar[bool] = ContextVar("lagebild_observed", default=False)
#: Whether this thread computes a result to keep (``Context.cached``; the overview's jobs run in
#: copies of its context): what it asks must be of the current version, never of the one before.
_COMPUTING: ContextVar[bool] = ContextVar("lagebild_computing", default=False)


class Context:
    """The store and what is worth keeping between requests.

    The numbers change only when data is written, so results are kept per data version (the
    newest import and change): the P-code tree, the last few ``situation`` and ``gaps`` and the
    encoded answers of the API. The version is asked once per request, with whether any account
    exists, in one query (``observe``). A result missing for the current version is computed
    once: after an import, fifty clients do not compute the same gaps fifty times. The first
    request that wants it computes it; a request that wants it meanwhile gets the result of the
    version before, if there is one (the figures as they were a moment before the import, whole
    and consistent), else it waits for the new one. Only the request itself is answered so:
    what a computation asks of the cache is always of the current version, and only results of
    the current version are kept.
    """

    CACHE_SIZE = 128

    def __init__(self, config: WebConfig) -> None:
        from lagebild.security import protocol

        self.config = config
        self.store = Store.open(config.db)
        self.protocol = protocol.load(config.protocol)
        self.priority_model = load_model(config.priority_model)
        self._lock = Lock()
        self._version: tuple[int, ...] = (-1, -1)
        self._tree: PlaceTree | None = None
        self._results: OrderedDict[Hashable, Any] = OrderedDict()
        #: Results of older versions, given to a request while the current one is computed.
        self._before: OrderedDict[Hashable, Any] = OrderedDict()
        #: How many requests got a result of the version before (while it was computed).
        self.served_before = 0
        self._computing: dict[Hashable, Lock] = {}
        #: How many results were computed (not found kept): what tests of the cache count.
        self.computed = 0
        #: Whether anything was committed since the last look, without a query (SQLite).
        self._watch = CommitWatch(self.store)
        self._stamp: int | None = None
        self._any_account = False
        self._tokens: dict[str, tuple[int, Account | None]] = {}
        #: How many times the data state was asked of the database: what tests count.
        self.state_queries = 0

    def close(self) -> None:
        self._watch.close()
        self.store.close()

    def observe(self) -> bool:
        """The data version (dropping kept results of an older one) and whether any account
        exists: one query, and none while nothing was committed since the last (SQLite)."""
        stamp = self._watch.stamp()  # before the query: a commit after it shows next time
        with self._lock:
            if stamp is not None and stamp == self._stamp:
                return self._any_account
        version, any_account = data_state(self.store)
        self._sync(version)
        with self._lock:
            self.state_queries += 1
            self._stamp, self._any_account = stamp, any_account
        return any_account

    def token_account(self, token_hash: str) -> Account | None:
        """The account of an API token (``accounts.token_account``), kept while nothing is
        committed (SQLite: a new, revoked or disabled token or account is a commit); asked
        every time where commits cannot be watched."""
        stamp = self._watch.stamp()  # before the query: a commit after it shows next time
        if stamp is None:
            return accounts.token_account(self.store, token_hash)
        with self._lock:
            kept = self._tokens.get(token_hash)
            if kept is not None and kept[0] == stamp:
                return kept[1]
        found = accounts.token_account(self.store, token_hash)
        with self._lock:
            if len(self._tokens) >= self.CACHE_SIZE * 8:  # unknown tokens: keep it small
                self._tokens.clear()
            self._tokens[token_hash] = (stamp, found)
        return found

    @staticmethod
    def observed() -> None:
        """The rest of this request uses the version ``observe`` found (called in the request's
        own context, not in a thread's copy of it; only for requests that write nothing)."""
        _OBSERVED.set(True)

    def _sync(self, version: tuple[int, ...]) -> None:
        with self._lock:
            if version != self._version:
                self._version, self._tree = version, None
                self._before.update(self._results)
                while len(self._before) > self.CACHE_SIZE:
                    self._before.popitem(last=False)
                self._results.clear()

    def _current(self) -> tuple[int, ...]:
        if not _OBSERVED.get():
            self.observe()
        with self._lock:
            return self._version

    def tree(self) -> PlaceTree:
        self._current()
        with self._lock:
            if self._tree is None:
                self._tree = PlaceTree(all_places(self.store))
            return self._tree

    def gaps(
        self, as_of: date, window: int, level: str, sector: str | None, rank: str = "plain"
    ) -> GapsResult:
        """``analysis.gaps``, kept per data version: the API, the pages and the map share it."""
        return self.cached(  # type: ignore[no-any-return]
            ("gaps", as_of, window, level, sector, rank),
            lambda: analysis.gaps(self.store, as_of, window, parse_level(level), sector,
                                  self.tree(), rank, self.priority_model),
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
            ("sectors",), lambda: [s for s in sectors(self.store) if s]
        )

    def cached(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per data version and key, however many ask at once; the last
        results are kept. While another request computes it, the result of the version before
        if there is one (for a request, not within a computation)."""
        while True:
            version = self._current()
            with self._lock:
                if key in self._results:
                    self._results.move_to_end(key)
                    return self._results[key]
                running = self._computing.get(key)
                if running is None:
                    running = self._computing[key] = Lock()
                    running.acquire()
                    break
                if key in self._before and not _COMPUTING.get():
                    self.served_before += 1
                    return self._before[key]
            with running:  # another request computes it: wait, then take its result
                pass
        inside = _COMPUTING.set(True)  # what this computation asks must be of this version
        try:
            value = compute()
            with self._lock:
                self.computed += 1
                if self._version == version:  # not a result of data replaced meanwhile
                    self._results[key] = value
                    self._before.pop(key, None)
                    while len(self._results) > self.CACHE_SIZE:
                        self._results.popitem(last=False)
        finally:
            _COMPUTING.reset(inside)
            with self._lock:
                del self._computing[key]
            running.release()
        return value


# -- templates in the visitor's language -----------------------------------------------------------


templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.add_extension("jinja2.ext.i18n")
# English until a page passes its own words (a macro imported without context sees these).
templates.env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]

#: The names of the languages in themselves, for the language switch.
LANGUAGE_NAMES = {"en": "English", "ar": "العربية", "de": "Deutsch"}


def language_url(request: Request, code: str) -> str:
    """This page in another language: the same query with ``lang`` set."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    params.append(("lang", code))
    return f"{request.url.path}?{urlencode(params)}"


def render(request: Request, name: str, /, status_code: int = 200, **context: Any) -> Response:
    """Render a page in the request's language; a ``?lang=`` choice is remembered in a cookie."""
    config = request.app.state.lagebild.config
    language = language_of(request, config.default_language)
    response = templates.TemplateResponse(
        request,
        name,
        {
            **gettext_callables(language),
            "lang": language,
            "languages": LANGUAGES,
            "language_names": LANGUAGE_NAMES,
            "language_url": lambda code: language_url(request, code),
            "config": config,
            **context,
        },
        status_code=status_code,
    )
    chosen = request.query_params.get("lang")
    if chosen in LANGUAGES:
        response.set_cookie(COOKIE, chosen, max_age=365 * 24 * 3600, samesite="lax")
    digits = request.query_params.get("digits")
    if digits in DIGITS:
        response.set_cookie(DIGITS_COOKIE, digits, max_age=365 * 24 * 3600, samesite="lax")
    return response

# -- what templates ask of the request: who, CSRF, counts ------------------------------------------


def _request(context: Any) -> Request | None:
    found = context.get("request")
    return found if isinstance(found, Request) else None


@pass_context
def _current(context: Any) -> Principal:
    return principal_of(_request(context))


@pass_context
def _csrf_token(context: Any) -> str:
    request = _request(context)
    if request is None:
        return ""
    stand_in = getattr(request.state, "csrf_stand_in", None)
    if stand_in:  # a page kept for many readers: each request puts its own token in
        return str(stand_in)
    secret = getattr(request.state, "session_secret", None)
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

# -- query parameters and answers of the API -------------------------------------------------------


Level = Literal["country", "adm1", "adm2", "adm3", "adm4"]

Format = Literal["json", "csv", "hxl"]

#: The earliest ``as_of``: the window and the trend reach back from it, still in the calendar.
EARLIEST = date(1900, 1, 1)

#: The largest ``offset`` a database's integer holds.
MAX_OFFSET = 2**63 - 1

AsOf = Annotated[
    date | None,
    Query(
        ge=EARLIEST,
        description="Date of the picture, YYYY-MM-DD, from 1900-01-01 (default: the end of the "
        "data).",
    ),
]

Limit = Annotated[int, Query(ge=1, le=5000, description="Items per page.")]

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.")]

Window = Annotated[int, Query(ge=1, le=3650, description="Days a delivery counts as recent.")]

FormatQ = Annotated[Format | None, Query(alias="format", description="json, csv or hxl.")]


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


class BlankQueryValues:
    """On the pages, a query value left blank means "not given": a form's "All ..." choice or an
    empty date field sends ``level=`` or ``from=``, and the page answers as if it were absent.
    The API keeps its contract explicit: there a blank value is checked like any other."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string") and not is_api_path(scope["path"]):
            parts = scope["query_string"].split(b"&")
            kept = [part for part in parts if not _blank(part)]
            if len(kept) != len(parts):
                scope = {**scope, "query_string": b"&".join(kept)}
        await self.app(scope, receive, send)


def _blank(part: bytes) -> bool:
    """Whether ``name=value`` of a query string has a blank value (or is blank itself)."""
    value = part.partition(b"=")[2]
    return not unquote_plus(value.decode("latin-1")).strip()


def context(request: Request) -> Context:
    return request.app.state.lagebild  # type: ignore[no-any-return]


Ctx = Annotated[Context, Depends(context)]


def resolve_as_of(store: Store, as_of: date | None) -> date:
    return as_of or listing.latest_date(store) or date.today()


def default_as_of(ctx: Context, as_of: date | None) -> date:
    """``as_of``, else the end of the data (kept per data version)."""
    if as_of is not None:
        return as_of
    found = ctx.cached(("latest_date",), lambda: listing.latest_date(ctx.store))
    return found or date.today()


def wanted_format(request: Request, fmt: Format | None) -> Format:
    if fmt:
        return fmt
    accept = request.headers.get("accept", "").lower()
    if "hxl" in accept:
        return "hxl"
    if "text/csv" in accept:
        return "csv"
    return "json"


def respond(
    request: Request,
    fmt: Format | None,
    data: dict[str, Any],
    columns: list[Col],
    rows: list[dict[str, Any]],
    name: str,
) -> Response:
    chosen = wanted_format(request, fmt)
    if chosen == "json":
        return JSONResponse(data)
    body = to_csv(columns, rows, hxl=chosen == "hxl")
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.{chosen}.csv"'},
    )


def kept_answer(
    request: Request,
    ctx: Context,
    key: Hashable,
    fmt: Format | None,
    name: str,
    build: Callable[[], tuple[dict[str, Any], list[Col], list[dict[str, Any]]]],
) -> Response:
    """``respond``, its encoded body kept per data version, ``key`` and format: a busy API
    encodes the same answer once, not on every request. ``key`` holds every parameter and
    whatever of the reader changes the answer."""

    def encode() -> tuple[bytes, str | None, dict[str, str]]:
        answer = respond(request, chosen, *build(), name)
        headers = {"Content-Disposition": answer.headers["content-disposition"]} if (
            "content-disposition" in answer.headers
        ) else {}
        return bytes(answer.body), answer.media_type, headers

    chosen = wanted_format(request, fmt)
    body, media_type, headers = ctx.cached(("answer", name, chosen, key), encode)
    return Response(body, media_type=media_type, headers=headers)


#: What a page kept for every signed-in reader of one role and organisation carries where the
#: reader's own words go: their name and the CSRF token of their session. Letters and digits
#: only, so that HTML escaping and URL encoding leave them as they are.
NAME_STAND_IN = "lagebildReaderName7c2d9a41"
CSRF_STAND_IN = "lagebildCsrfToken7c2d9a41"


def kept_page(route: Callable[..., Response]) -> Callable[..., Response]:
    """A page route whose rendered page is kept per data version, address, language and reader,
    so that the same page is rendered once, not on every request. The reader is who the page's
    contents depend on: for visitors without an account of their own (the open laptop, the
    public) their role and name; for a signed-in reader their role and organisation (what the
    policy lets them see), whether they have a session (its forms carry a CSRF token). Their own
    name and token are stand-ins in the kept page, replaced on each request."""

    @functools.wraps(route)
    def page(request: Request, ctx: Ctx, *args: Any, **kwargs: Any) -> Response:
        principal = principal_of(request)
        secret = getattr(request.state, "session_secret", None)
        language = negotiate(request, ctx.config.default_language)
        if principal.signed_in:
            reader: tuple[Any, ...] = (principal.role, principal.organisation_id,
                                       principal.organisation, bool(secret))
        else:
            reader = (principal.role, principal.name)

        def render_once() -> tuple[bytes, int, list[tuple[bytes, bytes]]]:
            if principal.signed_in:  # rendered for every reader of the key: their stand-in
                request.state.principal = replace(principal, name=NAME_STAND_IN)
                request.state.csrf_stand_in = CSRF_STAND_IN if secret else None
            try:
                answer = route(request, ctx, *args, **kwargs)
            finally:
                request.state.principal = principal
                request.state.csrf_stand_in = None
            headers = [h for h in answer.raw_headers if h[0].lower() != b"content-length"]
            return bytes(answer.body), answer.status_code, headers

        key = ("page", request.url.path, request.url.query, language,
               chosen_digits(request, language), *reader)
        body, status, headers = ctx.cached(key, render_once)
        if principal.signed_in:
            body = body.replace(NAME_STAND_IN.encode(), str(escape(principal.name)).encode())
            if secret:
                body = body.replace(CSRF_STAND_IN.encode(), csrf_of(secret).encode())
        answer = Response(body, status_code=status)
        answer.raw_headers = [*headers, (b"content-length", str(len(body)).encode())]
        return answer

    return page


def level_number(level: Level | None) -> int | None:
    return parse_level(level) if level else None


#: What the pages' parameters name (``refuse_value``'s ``what``), for the catalogs.
REFUSED_WORDS = (
    N_("sector"),
    N_("convoy status"),
    N_("delivery status"),
    N_("access status"),
    N_("event type"),
)


def refuse_value(name: str, value: str, allowed: list[str], what: str) -> NoReturn:
    """A 422 naming the query parameter, its value and the values it takes, in the shape of
    every other refused parameter (``problems``: parameter, value, message, allowed)."""
    raise RequestValidationError(
        [
            {
                "type": "unknown_value",
                "loc": ("query", name),
                "input": value,
                "msg": f"unknown {what} {value!r}; use one of: {', '.join(allowed)}",
                "words": Message(
                    N_("unknown %(what)s %(value)s; use one of: %(allowed)s"),
                    {"what": Message(what), "value": repr(value), "allowed": ", ".join(allowed)},
                ),
                "allowed": allowed,
            }
        ]
    )


def known_sector(ctx: Context, sector: str | None, name: str = "sector") -> str | None:
    """The sector code a query names (``""``: inter-sector), None without one. A word of the
    shipped vocabulary or a sector the data holds (one an import's override brought in) is
    known; anything else is a 422 listing the sectors."""
    if not sector:
        return None
    found = query_sector(sector, ctx.sectors())
    if found is None:
        refuse_value(name, sector, sector_choices(ctx.sectors()), "sector")
    return found


def known_word(name: str, value: str | None, vocabulary_name: str, what: str) -> str | None:
    """The code a word of a shipped vocabulary (``statuses``, ``access``, ``convoy_statuses``)
    means, None without one; an unknown word is a 422 listing the codes."""
    if not value:
        return None
    words = vocabulary(vocabulary_name)
    found = words.code(value)
    if found is None:
        refuse_value(name, value, [c for c in words.codes if c], what)
    return found


# -- lists: their filters, links and downloads -----------------------------------------------------


GEOJSON = "application/geo+json"

PER_PAGE = 100

PcodeQ = Annotated[
    str | None,
    Query(max_length=40, description="A P-code: this place and the places below it."),
]

FromQ = Annotated[
    date | None, Query(alias="from", ge=EARLIEST, description="On or after this date.")
]

ToQ = Annotated[date | None, Query(alias="to", ge=EARLIEST, description="On or before this date.")]

TextQ = Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$")]


def shown_columns(columns: list[Col], rows: list[dict[str, Any]]) -> list[Col]:
    """The columns some row shows: fields the protocol withheld from every row are left out,
    and so is ``suppressed`` when nothing was."""
    present = {k for row in rows for k, v in row.items() if k != "suppressed" or v}
    return [c for c in columns if c.key in present or (not rows and c.key != "suppressed")]


def flat_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for CSV: the suppressed counts named in one cell, ``reached;planned_people``."""
    return [
        {**r, "suppressed": ";".join(r["suppressed"])} if isinstance(r.get("suppressed"), list)
        else r
        for r in rows
    ]


def find_place(ctx: Context, pcode: str | None) -> Place | None:
    """The place of a P-code (any case), None without one; an unknown one is a 404."""
    return find(ctx.tree(), pcode) if pcode else None


def check_period(date_from: date | None, date_to: date | None) -> None:
    if date_from and date_to and date_to < date_from:
        raise HTTPException(
            422,
            Message(
                N_("to: %(to)s is before from (%(from)s)"),
                {"to": date_to.isoformat(), "from": date_from.isoformat()},
            ),
        )


def download(
    request: Request,
    fmt: str | None,
    kind: str,
    data: dict[str, Any],
    columns: list[Col],
    rows: list[dict[str, Any]],
    name: str,
) -> Response:
    """``respond``, with the columns the rows show, and the export in the audit trail."""
    chosen = wanted_format(request, fmt)  # type: ignore[arg-type]
    record_export(request, kind, rows, chosen)
    return respond(request, fmt, data, shown_columns(columns, rows), flat_rows(rows), name)  # type: ignore[arg-type]


GEOJSON_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {GEOJSON: {"schema": {"type": "object"}}}, "description": "GeoJSON"}
}


def link(path: str, params: dict[str, Any]) -> str:
    query = {k: v for k, v in params.items() if v not in (None, "")}
    return path + ("?" + urlencode(query) if query else "")


def iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def pager(  # type: ignore[type-arg]
    path: str,
    params: dict[str, Any],
    offset: int,
    limit: int,
    total: int,
    *,
    key: str = "offset",
    anchor: str = "",
) -> dict:
    """The links to the previous and next page of a table (None at either end); ``key`` names
    the offset's parameter (a page with two paged tables pages each by its own), ``anchor`` the
    table's place on the page (``#...``)."""
    return {
        "previous": link(path, {**params, key: max(offset - limit, 0)}) + anchor
        if offset
        else None,
        "next": link(path, {**params, key: offset + limit}) + anchor
        if offset + limit < total
        else None,
    }


def war_page(request: Request, template: str, **context: Any) -> Response:
    """A page of these resources in the visitor's language, with the words of their
    vocabularies (``war_words``)."""
    lang = language_of(request, request.app.state.lagebild.config.default_language)
    return render(
        request, template, status_code=200, words=Words(lang),
        war_words=WarWords(lang.gettext), **context,
    )  # fmt: skip


# -- pages -----------------------------------------------------------------------------------------


def request_language(request: Request) -> Language:
    return language_of(request, request.app.state.lagebild.config.default_language)


def render_page(
    request: Request,
    template: str,
    /,
    status_code: int = 200,
    lang: Language | None = None,
    **context: Any,
) -> Response:
    words = Words(lang or request_language(request))
    return render(request, template, status_code=status_code, words=words, **context)


def error_page(request: Request, status: int, kind: str, **values: Any) -> Response:
    """The HTML error page of a page (``/api/`` answers in JSON): ``kind`` picks the message."""
    return render_page(
        request, "error.html", status_code=status, status=status, kind=kind, **values
    )
