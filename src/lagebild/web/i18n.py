"""The language of a page: the one a request asks for, and the digits it is written in.

The language is the ``lang`` query or cookie if set, else the best match of the browser's
``Accept-Language``, else English; its words and formats are a ``publish.language.Language``.
Arabic pages write Arabic-Indic digits unless ``?digits=latn`` (remembered in the ``digits``
cookie) asks for Latin ones; ``?digits=arab`` goes back.
"""

from __future__ import annotations

from starlette.requests import Request

from lagebild.publish.language import DEFAULT_DIGITS, DIGITS, LANGUAGES, Language

COOKIE = "lang"
#: The cookie that remembers the digits chosen with ``?digits=``.
DIGITS_COOKIE = "digits"


def negotiate(request: Request, default: str = "en") -> str:
    """The language for this request: its cookie, else the browser's wish, else the default."""
    chosen = request.query_params.get("lang") or request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    header = request.headers.get("accept-language", "")
    wishes = []
    for part in header.split(","):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        if tag:
            wishes.append((weight, tag.split("-")[0].lower()))
    for _, tag in sorted(wishes, key=lambda w: -w[0]):
        if tag in LANGUAGES:
            return tag
    return default


def chosen_digits(request: Request, language: str) -> str:
    """The digits for this request: its ``digits`` query or cookie, else the language's own."""
    chosen = request.query_params.get("digits") or request.cookies.get(DIGITS_COOKIE)
    return chosen if chosen in DIGITS else DEFAULT_DIGITS.get(language, "latn")


def request_language(request: Request, default: str = "en") -> Language:
    """The language and digits a request asks for (``negotiate``, ``chosen_digits``)."""
    code = negotiate(request, default)
    return Language(code, chosen_digits(request, code))
