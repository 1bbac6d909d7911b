"""Languages of the pages: English, Arabic (right to left) and German, from Babel catalogs.

The language is the ``lang`` cookie if set, else the best match of the browser's
``Accept-Language``, else English. Templates get ``_``/``ngettext`` for words and ``number``,
``percent`` and ``day`` for figures in the language's notation.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations
from starlette.requests import Request

LANGUAGES = ("en", "ar", "de")
RTL = frozenset({"ar"})
LOCALE_DIR = Path(__file__).parent / "locale"
COOKIE = "lang"


@cache
def translations(language: str) -> NullTranslations:
    if language == "en":
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [language], domain="messages")


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


class Language:
    """Words, direction and number formats of one language, for one page."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.dir = "rtl" if code in RTL else "ltr"
        self.locale = Locale.parse(code)
        self.translations = translations(code)

    def gettext(self, message: str, **values: object) -> str:
        text = self.translations.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        text = self.translations.ngettext(singular, plural, n)
        return text % {"num": n, **values}

    def number(self, value: float | int | None, digits: int = 0) -> str:
        if value is None:
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def percent(self, value: float | None) -> str:
        """A share in whole percent, with one decimal below 1 % (0.4 %, not 0 %)."""
        if value is None:
            return "–"
        if 0 < abs(value) < 0.01:
            pattern = self.locale.percent_formats[None].pattern.replace("0", "0.0", 1)
            return format_percent(value, format=pattern, locale=self.locale)
        return format_percent(value, locale=self.locale)

    def day(self, value: date | str | None) -> str:
        if value is None:
            return "–"
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        return format_date(value, format="medium", locale=self.locale)

    def month(self, value: date) -> str:
        """A month and year, such as ``Feb 2017``."""
        return format_date(value, format="MMM y", locale=self.locale)

    def place_name(self, name_en: str | None, name_ar: str | None, pcode: str = "") -> str:
        if self.code == "ar" and name_ar:
            return name_ar
        return name_en or name_ar or pcode
