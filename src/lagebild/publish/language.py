"""Languages of what lagebild shows and writes: English, Arabic (right to left) and German,
from Babel catalogs (``locale/``), for the web pages and the situation report alike.

A ``Language`` gives ``gettext``/``ngettext`` for words and ``number``, ``percent`` and ``day``
for figures in the language's notation, and ``message`` for the words made below
(``lagebild.messages``, the import's problems, the history's lines). Which language a web
request asks for is the web's to say (``web/i18n.py``).

Digits: Arabic writes numbers and dates with Arabic-Indic digits (٠١٢٣٤٥٦٧٨٩) and the Arabic
percent sign (٪), as Syrian readers commonly read them in print, and months by their Syrian names
(Babel's ``ar_SY``); a ``Language`` made with ``digits="latn"`` writes them with Latin digits.
P-codes, record numbers, the ISO dates of forms and inputs and the data's own text keep their
Latin digits. English and German always use Latin digits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations

from lagebild.ingest import Problem
from lagebild.ingest.catalogue import CATALOGUE
from lagebild.ingest.notation import reason_words
from lagebild.messages import Code, Message, Value

LANGUAGES = ("en", "ar", "de")
RTL = frozenset({"ar"})
LOCALE_DIR = Path(__file__).parent / "locale"
#: The digits numbers are written with: Latin (0-9) or Arabic-Indic (٠-٩).
DIGITS = ("latn", "arab")
#: The digits of each language when the reader chose none.
DEFAULT_DIGITS = {"ar": "arab"}
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
#: The locale of a language's numbers and dates: Arabic as written in Syria (the months شباط,
#: آذار, as Syrian readers name them).
LOCALES = {"ar": "ar_SY"}
#: How a list of values is joined in a sentence.
_LIST_SEPARATOR = {"ar": "، "}


@cache
def translations(language: str) -> NullTranslations:
    if language == "en":
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [language], domain="messages")


class Language:
    """Words, direction and number formats of one language, for one page or report."""

    def __init__(self, code: str, digits: str | None = None) -> None:
        self.code = code
        self.dir = "rtl" if code in RTL else "ltr"
        self.locale = Locale.parse(LOCALES.get(code, code))
        self.translations = translations(code)
        self.digits = digits if digits in DIGITS else DEFAULT_DIGITS.get(code, "latn")

    @property
    def js_locale(self) -> str:
        """The locale for the browser's ``Intl`` formats, with the page's digits."""
        return f"{self.code}-u-nu-{self.digits}"

    def written(self, text: str) -> str:
        """A number or date Babel wrote, in the page's digits."""
        return text.translate(_ARABIC_INDIC) if self.digits == "arab" else text

    def gettext(self, message: str, **values: object) -> str:
        text = self.translations.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        text = self.translations.ngettext(singular, plural, n)
        return text % {"num": self.number(n), **values}

    def number(self, value: float | int | None, digits: int = 0) -> str:
        if value is None:
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return self.written(
            format_decimal(value, format=pattern, locale=self.locale, numbering_system=self.digits)
        )

    def locator(self, value: int) -> str:
        """A number that points into a file, such as a spreadsheet's row: in Latin digits, as
        the spreadsheet shows it beside its column letters (E4), grouped the language's way."""
        return format_decimal(value, format="#,##0", locale=self.locale, numbering_system="latn")

    def percent(self, value: float | None) -> str:
        """A share in whole percent, with one decimal below 1 % (0.4 %, not 0 %)."""
        if value is None:
            return "–"
        pattern = None
        if 0 < abs(value) < 0.01:
            pattern = self.locale.percent_formats[None].pattern.replace("0", "0.0", 1)
        text = format_percent(value, format=pattern, locale=self.locale,
                              numbering_system=self.digits)
        return self.written(text).replace("%", "٪") if self.digits == "arab" else text

    def day(self, value: date | str | None) -> str:
        if value is None:
            return "–"
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        return self.written(format_date(value, format="medium", locale=self.locale))

    def month(self, value: date) -> str:
        """A month and year, such as ``Feb 2017``."""
        return self.written(format_date(value, format="MMM y", locale=self.locale))

    def message(self, message: Message | str) -> str:
        """A message made below the web, in this language: its template translated, its
        numbers in the page's notation, the messages among its values translated in turn."""
        if isinstance(message, str):
            return message
        values = {k: self.value(v) for k, v in message.values.items()}
        if message.plural:
            count = message.num if message.num is not None else 0
            text = self.translations.ngettext(message.template, message.plural, count)
        else:
            text = self.translations.gettext(message.template)
        try:
            return text % values
        except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
            return message.template % values

    def coded(self, value: Code) -> str:
        """A code of the data that reads as a word: the code in English, else the word in
        this language with the code beside it (``Gouvernement (adm1)``)."""
        if self.code == "en":
            return value.code
        word = self.translations.gettext(value.word)
        return f"{word} ({value.code})" if word != value.code else word

    def value(self, value: Value) -> str:
        """One value of a message, as this language writes it."""
        if isinstance(value, Message):
            return self.message(value)
        if isinstance(value, Code):
            return self.coded(value)
        if isinstance(value, tuple):
            return _LIST_SEPARATOR.get(self.code, ", ").join(self.value(v) for v in value)
        if isinstance(value, bool) or value is None:
            return "" if value is None else str(value)
        if isinstance(value, int | float):
            return self.number(value, 0 if float(value).is_integer() else 1)
        return str(value)

    def reason(self, problem: Problem) -> str:
        """A problem's reason in this language: its kind's template (``ingest.catalogue``)
        translated and filled with the problem's values; the reason as made, in English, for a
        problem that has no kind."""
        found = CATALOGUE.get(problem.key)
        if found is None or self.code == "en":
            return problem.reason
        params = {k: _Shown(self, _said(k, v)) for k, v in problem.params}
        try:
            return self.translations.gettext(found.template).format_map(params)
        except (KeyError, IndexError, ValueError):  # a translation that lost a field
            return problem.reason

    def place_name(self, name_en: str | None, name_ar: str | None, pcode: str = "") -> str:
        if self.code == "ar" and name_ar:
            return name_ar
        return name_en or name_ar or pcode


def _said(name: str, value: object) -> object:
    """A problem's value; a number's or date's reason (ingest.notation) as its message."""
    if name == "reason" and isinstance(value, str):
        return reason_words(value) or value
    return value


class _Shown:
    """A problem's value as a translated reason shows it: numbers in the page's notation,
    messages in its language, anything else as the English reason has it."""

    def __init__(self, lang: Language, value: Any) -> None:
        self.lang = lang
        self.value = value

    def __format__(self, spec: str) -> str:
        value = self.value
        if isinstance(value, Message):
            return self.lang.message(value)
        if isinstance(value, Code):
            return self.lang.coded(value)
        if isinstance(value, tuple):
            return self.lang.value(value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            places = spec.rpartition(".")[2].rstrip("f") if "." in spec else ""
            if places.isdigit():
                return self.lang.number(value, int(places))
            return self.lang.number(value, 0 if float(value).is_integer() else 1)
        return format(value, spec)

    def __repr__(self) -> str:
        return repr(self.value)

    def __str__(self) -> str:
        return format(self, "")


def gettext_callables(language: Language) -> dict[str, Callable[..., str]]:
    """``_``, ``gettext`` and ``ngettext`` for one page, as Jinja's new-style gettext has them:
    the message is always a format string (``%(name)s``; write ``%%`` for a percent sign), its
    values are escaped, and ``ngettext`` fills ``%(num)s`` with the count unless given one.

    They go into the page's context rather than the shared environment's globals, so that pages
    rendered at the same time in different languages do not mix their words.
    """
    from jinja2 import pass_context
    from jinja2.runtime import Context as JinjaContext
    from markupsafe import Markup

    translations = language.translations

    @pass_context
    def gettext(__context: JinjaContext, __message: str, **values: Any) -> str:
        text = translations.gettext(__message)
        if __context.eval_ctx.autoescape:
            text = Markup(text)
        return text % values  # type: ignore[no-any-return]

    @pass_context
    def ngettext(
        __context: JinjaContext, __singular: str, __plural: str, __num: int, **values: Any
    ) -> str:
        values.setdefault("num", language.number(__num) if isinstance(__num, int) else __num)
        text = translations.ngettext(__singular, __plural, __num)
        if __context.eval_ctx.autoescape:
            text = Markup(text)
        return text % values  # type: ignore[no-any-return]

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}
