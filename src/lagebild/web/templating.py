"""Jinja2 templates that know the request's language."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from lagebild.web.i18n import COOKIE, LANGUAGES, Language, negotiate

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.add_extension("jinja2.ext.i18n")
# English until a page passes its own words (a macro imported without context sees these).
templates.env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]

#: The names of the languages in themselves, for the language switch.
LANGUAGE_NAMES = {"en": "English", "ar": "العربية", "de": "Deutsch"}


def gettext_callables(language: Language) -> dict[str, Callable[..., str]]:
    """``_``, ``gettext`` and ``ngettext`` for one page, as Jinja's new-style gettext has them:
    the message is always a format string (``%(name)s``; write ``%%`` for a percent sign), its
    values are escaped, and ``ngettext`` fills ``%(num)s`` with the count unless given one.

    They go into the page's context rather than the shared environment's globals, so that pages
    rendered at the same time in different languages do not mix their words.
    """
    translations = language.translations

    @pass_context
    def gettext(__context: Context, __message: str, **values: Any) -> str:
        text = translations.gettext(__message)
        if __context.eval_ctx.autoescape:
            text = Markup(text)
        return text % values  # type: ignore[no-any-return]

    @pass_context
    def ngettext(
        __context: Context, __singular: str, __plural: str, __num: int, **values: Any
    ) -> str:
        values.setdefault("num", __num)
        text = translations.ngettext(__singular, __plural, __num)
        if __context.eval_ctx.autoescape:
            text = Markup(text)
        return text % values  # type: ignore[no-any-return]

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


def language_url(request: Request, code: str) -> str:
    """This page in another language: the same query with ``lang`` set."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    params.append(("lang", code))
    return f"{request.url.path}?{urlencode(params)}"


def render(request: Request, name: str, /, status_code: int = 200, **context: Any) -> Response:
    """Render a page in the request's language; a ``?lang=`` choice is remembered in a cookie."""
    config = request.app.state.lagebild.config
    language = Language(negotiate(request, config.default_language))
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
    return response
