"""Jinja2 templates that know the request's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import Response

from lagebild.web.i18n import COOKIE, LANGUAGES, Language, negotiate

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.add_extension("jinja2.ext.i18n")


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    """Render a page in the request's language; a ``?lang=`` choice is remembered in a cookie."""
    config = request.app.state.lagebild.config
    language = Language(negotiate(request, config.default_language))
    env = templates.env
    env.install_gettext_callables(  # type: ignore[attr-defined]
        language.gettext, language.ngettext, newstyle=True
    )
    response = templates.TemplateResponse(
        request, name,
        {"lang": language, "languages": LANGUAGES, "config": config, **context},
        status_code=status_code,
    )
    chosen = request.query_params.get("lang")
    if chosen in LANGUAGES:
        response.set_cookie(COOKIE, chosen, max_age=365 * 24 * 3600, samesite="lax")
    return response
