"""The situation report rendered: HTML and Markdown from the Jinja2 templates of this folder
(``report.html``, ``report.md``, ``report.css``), PDF from the same HTML through WeasyPrint with
the fonts shipped in ``fonts/`` (Noto Sans and Noto Naskh Arabic, SIL Open Font License),
embedded in the PDF so that it reads the same on any machine.

Words come through the catalogues of the pages (``lang``: a ``publish.language.Language``;
``words``: its ``Words``), numbers and dates through Babel; Arabic is right to left with
Arabic-Indic digits.
A folder given as ``template_dir`` is searched first (``copy_templates`` starts one from these).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from lagebild.analysis.report import Count, Hidden, MapArea, Report
from lagebild.errors import LagebildError, RefusedInput
from lagebild.publish.language import Language, gettext_callables
from lagebild.publish.report.drawing import bar_svg, map_svg, shades

FOLDER = Path(__file__).parent
FONTS = FOLDER / "fonts"
#: The files of a template folder: what ``copy_templates`` writes.
TEMPLATES = ("report.html", "report.md", "report.css")
FORMATS = ("html", "pdf", "md")
#: What WeasyPrint needs of the system, by Debian's package names.
PANGO_PACKAGES = ("libpango-1.0-0", "libpangoft2-1.0-0")


class PdfUnavailable(LagebildError):
    """A PDF was asked for where WeasyPrint or the Pango library it draws text with is missing."""

    code = "pdf-unavailable"


def _environment(template_dir: Path | None, markdown: bool) -> Environment:
    folders = [FileSystemLoader(str(template_dir))] if template_dir else []
    env = Environment(
        loader=ChoiceLoader([*folders, FileSystemLoader(str(FOLDER))]),
        autoescape=not markdown,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=markdown,
        lstrip_blocks=markdown,
        keep_trailing_newline=True,
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    return env


def check_template_dir(template_dir: Path | str | None) -> Path | None:
    """The folder of ``--template``, refused when it is not a folder."""
    if template_dir is None:
        return None
    folder = Path(template_dir)
    if not folder.is_dir():
        raise RefusedInput(f"--template {folder}: not a folder (lagebild report --template-copy "
                           "DIR makes one from the shipped templates)")  # fmt: skip
    return folder


def _context(report: Report, lang: Language, words: Any, for_pdf: bool) -> dict[str, Any]:
    rtl = lang.dir == "rtl"

    def count(value: Count, digits: int = 0) -> str:
        if isinstance(value, Hidden):
            return "<" + lang.number(value.threshold)
        return lang.number(value, digits)

    def place(name: str, name_ar: str | None, pcode: str = "") -> str:
        return lang.place_name(name, name_ar, pcode)

    def text(value: str) -> Markup:
        """Words of the data (a name, a source) isolated in their own direction."""
        return Markup('<span class="text" dir="{}">{}</span>').format(dir_of(value), value)

    def bar(value: Count, maximum: float, kind: str = "") -> Markup:
        shown = None if isinstance(value, Hidden) else value
        return Markup(bar_svg(shown, maximum, kind, rtl))

    found = shades([a.people_in_need or 0.0 for a in report.areas])

    def area_title(area: MapArea) -> str:
        shown = count(area.cut_off_people) if area.people_in_need is None else lang.number(
            area.people_in_need)
        return f"{place(area.name, area.name_ar, area.pcode)}: {shown}"

    map_label = lang.translations.gettext("People in need by governorate")
    numbers = [v for v in (_plain(m.reached) for m in report.months) if v is not None]
    party_most = max((p.people for p in report.parties), default=0.0)
    return {
        **gettext_callables(lang),
        "report": report,
        "lang": lang,
        "words": words,
        "rtl": rtl,
        "count": count,
        "place": place,
        "text": text,
        "dir_of": dir_of,
        "bar": bar,
        "plain": _plain,
        "map_svg": Markup(map_svg(report.areas, found, area_title, map_label,
                                  lang.digits == "arab", report.cut_off_areas)),  # fmt: skip
        "shades": found,
        "month_most": max(numbers, default=0.0),
        "party_most": party_most,
        "for_pdf": for_pdf,
        "fonts": FONTS.as_uri() if for_pdf else "",
    }


def dir_of(text: str) -> str:
    """``rtl`` for words in Arabic script (their first strong letter), else ``ltr``."""
    for char in text:
        if "\u0590" <= char <= "\u08ff" or "\ufb1d" <= char <= "\ufefc":
            return "rtl"
        if char.isalpha():
            return "ltr"
    return "ltr"


def _plain(value: Count) -> float | None:
    return None if isinstance(value, Hidden) else value


def render_html(
    report: Report, lang: Language, words: Any, template_dir: Path | None = None,
    for_pdf: bool = False,
) -> str:  # fmt: skip
    """The report as one HTML page (its style inline; for a PDF, with the shipped fonts)."""
    env = _environment(template_dir, markdown=False)
    return env.get_template("report.html").render(_context(report, lang, words, for_pdf))


def render_markdown(
    report: Report, lang: Language, words: Any, template_dir: Path | None = None
) -> str:
    """The report as Markdown: its sections and tables, the chart's numbers as tables."""
    env = _environment(template_dir, markdown=True)
    return env.get_template("report.md").render(_context(report, lang, words, False))


def pdf_engine() -> Any:
    """WeasyPrint's ``HTML``, or ``PdfUnavailable`` saying what to install."""
    try:
        from weasyprint import HTML
    except ImportError as exc:
        raise PdfUnavailable(
            f"a PDF needs WeasyPrint ({exc}): pip install weasyprint (a dependency of lagebild)"
        ) from exc
    except OSError as exc:  # WeasyPrint loads Pango when imported
        raise PdfUnavailable(
            f"a PDF needs the Pango library ({exc}): install Debian's "
            f"{' and '.join(PANGO_PACKAGES)} (apt-get install {' '.join(PANGO_PACKAGES)})"
        ) from exc
    return HTML


def render_pdf(
    report: Report, lang: Language, words: Any, template_dir: Path | None = None
) -> bytes:
    """The report as PDF: the HTML of ``render_html`` typeset by WeasyPrint, fonts embedded."""
    html_class = pdf_engine()
    html = render_html(report, lang, words, template_dir, for_pdf=True)
    base = template_dir or FOLDER
    return html_class(string=html, base_url=str(base)).write_pdf()  # type: ignore[no-any-return]


def render(
    report: Report, fmt: str, lang: Language, words: Any, template_dir: Path | None = None
) -> bytes:
    """The report in ``fmt`` (html, pdf or md), as the bytes of a file."""
    if fmt == "pdf":
        return render_pdf(report, lang, words, template_dir)
    if fmt == "md":
        return render_markdown(report, lang, words, template_dir).encode()
    if fmt == "html":
        return render_html(report, lang, words, template_dir).encode()
    raise RefusedInput(f"unknown report format {fmt!r}: use {', '.join(FORMATS)}")


def copy_templates(target: Path | str) -> list[Path]:
    """Copy the shipped templates into ``target`` (made if missing) for a user to change and
    give to ``--template``; refused when the folder holds any of them already."""
    folder = Path(target)
    taken = [name for name in TEMPLATES if (folder / name).exists()]
    if taken:
        raise RefusedInput(f"{folder} holds {', '.join(taken)} already: choose an empty folder")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TEMPLATES:
        shutil.copyfile(FOLDER / name, folder / name)
        written.append(folder / name)
    return written


__all__ = [
    "FORMATS",
    "PdfUnavailable",
    "check_template_dir",
    "copy_templates",
    "pdf_engine",
    "render",
    "render_html",
    "render_markdown",
    "render_pdf",
]
