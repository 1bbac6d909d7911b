"""The situation report (``lagebild report``, ``/report``) on the demo database: each language
rendered to PDF and read back (page count, key figures, place names in Arabic too, the map and
charts drawn, fonts embedded), Markdown and HTML, the sharing protocol, the saved plan, the
templates a user copies, the refusals; and the page's form and download in the browser.

The key figures are compared with ``lagebild situation --format json``, formatted by Babel in
each language's notation. Each PDF's pages are written as PNGs to ``test-output/report/`` for a
person to look at.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from babel.dates import format_date
from babel.numbers import format_decimal
from browser_support import LiveServer, output_dir
from click.testing import CliRunner
from demo_support import demo_database
from fastapi.testclient import TestClient

from lagebild.analysis.report import Hidden, situation_report
from lagebild.cli import main
from lagebild.security import policy
from lagebild.store import Store
from lagebild.web import WebConfig, create_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser

LANGUAGES = ("en", "ar", "de")
AS_OF = "2017-02-28"
#: Babel's locale of each language's numbers, and its digits (as the pages write them).
NOTATION = {"en": ("en", "latn"), "ar": ("ar_SY", "arab"), "de": ("de", "latn")}
#: A besieged community of the demo, by its name in each language.
MADAYA = {"en": "Madaya", "ar": "مضايا", "de": "Madaya"}
TITLE = {"en": "Situation report", "ar": "تقرير الوضع", "de": "Lagebericht"}
MAP_HEADING = {"en": "People in need by governorate", "ar": "الأشخاص المحتاجون حسب المحافظة",
               "de": "Menschen in Not nach Gouvernement"}  # fmt: skip


def pdf_works() -> str | None:
    """Why a PDF cannot be made here, or None."""
    from lagebild.publish.report import PdfUnavailable, pdf_engine

    try:
        pdf_engine()
    except PdfUnavailable as exc:
        return str(exc)
    return None


needs_pdf = pytest.mark.skipif(pdf_works() is not None, reason=f"no PDF here: {pdf_works()}")


def number(value: float, language: str) -> str:
    locale, digits = NOTATION[language]
    text = format_decimal(value, format="#,##0", locale=locale, numbering_system=digits)
    return text.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")) if digits == "arab" else text


def month(day: date, language: str) -> str:
    """A month as the charts label it (Babel's ``MMM y``), in the language's digits."""
    locale, digits = NOTATION[language]
    text = format_date(day, format="MMM y", locale=locale)
    return text.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")) if digits == "arab" else text


def run(db: str, *args: str) -> Any:
    return CliRunner().invoke(main, ["--db", db, *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return demo_database(tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def situation_json(demo_db: str) -> dict[str, Any]:
    result = run(demo_db, "situation", "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


class Pdf:
    """A PDF read back: its pages' text (pypdfium2), the drawings of each page and its fonts."""

    def __init__(self, path: Path) -> None:
        import pypdf
        import pypdfium2 as pdfium

        self.path = path
        document = pdfium.PdfDocument(str(path))
        self.texts = [page.get_textpage().get_text_range() for page in document]
        #: Per page, how many path objects (vector drawing) it holds, forms included.
        self.paths = [
            sum(1 for o in page.get_objects(max_depth=8) if o.type == pdfium.raw.FPDF_PAGEOBJ_PATH)
            for page in document
        ]
        for i, page in enumerate(document):
            page.render(scale=1.2).to_pil().save(
                output_dir("report") / f"{path.stem}-page{i + 1}.png"
            )
        document.close()
        self.fonts: dict[str, bool] = {}  # base font -> its font file is embedded
        for page in pypdf.PdfReader(str(path)).pages:
            for font in (page["/Resources"].get("/Font") or {}).values():
                font = font.get_object()
                embedded = False
                for descendant in font.get("/DescendantFonts") or [font]:
                    descriptor = descendant.get_object().get("/FontDescriptor")
                    if descriptor is not None:
                        keys = descriptor.get_object().keys()
                        embedded = any(k in keys for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                self.fonts[str(font["/BaseFont"])] = embedded

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    def page_with(self, words: str) -> int:
        """The first page after the title page (its list of contents) with these words."""
        return next(i for i, t in enumerate(self.texts) if i and words in t)


@pytest.fixture(scope="module")
def pdfs(demo_db: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Pdf]:
    if pdf_works() is not None:
        pytest.skip(f"no PDF here: {pdf_works()}")
    folder = tmp_path_factory.mktemp("pdf")
    found = {}
    for language in LANGUAGES:
        path = folder / f"report-{language}.pdf"
        result = run(demo_db, "report", "--as-of", AS_OF, "--lang", language, "-o", str(path))
        assert result.exit_code == 0, result.output
        found[language] = Pdf(path)
    return found


# -- the PDF of each language ------------------------------------------------------------------


@needs_pdf
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pdf_has_a_title_page_and_each_section_on_a_handful_of_pages(
    pdfs: dict[str, Pdf], language: str
) -> None:
    pdf = pdfs[language]
    assert 5 <= len(pdf.texts) <= 9, len(pdf.texts)
    first = pdf.texts[0]
    assert TITLE[language] in first
    assert number(18_000_000, language) not in first  # the figures start on the next page
    # The map, the charts and the sources each open a page of their own, in that order.
    pages = [pdf.page_with(MAP_HEADING[language]), pdf.page_with(month(date(2016, 3, 1), language))]
    assert 1 < pages[0] < pages[1] <= len(pdf.texts) - 1


@needs_pdf
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_key_figures_in_the_pdf_are_those_of_lagebild_situation(
    pdfs: dict[str, Pdf], situation_json: dict[str, Any], language: str
) -> None:
    total = situation_json["total"]
    text = pdfs[language].text
    for column in ("population", "people_in_need", "displaced", "besieged", "hard_to_reach"):
        assert number(total[column]["value"], language) in text, column
    assert number(total["reached"]["value"], language) in text
    for name in total["besieged"]["sources"]:
        assert name in text.replace("\r", "").replace("\n", " ")


@needs_pdf
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pdf_names_the_cut_off_places_in_its_language(
    pdfs: dict[str, Pdf], language: str
) -> None:
    text = pdfs[language].text
    assert MADAYA[language] in text
    assert number(30_000, language) in text  # Madaya's people in need (the demo's figure)
    if language == "ar":
        assert "Madaya" not in text and "مضايا" in text and "دمشق" in text  # Damascus


@needs_pdf
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_map_and_the_charts_are_drawn_in_the_pdf(pdfs: dict[str, Pdf], language: str) -> None:
    pdf = pdfs[language]
    on_map = pdf.paths[pdf.page_with(MAP_HEADING[language])]
    assert on_map >= 14, on_map  # the 14 governorates, and the legend's swatches
    on_charts = pdf.paths[pdf.page_with(month(date(2016, 3, 1), language))]
    assert on_charts >= 2 * 12, on_charts  # a track and a bar for each of the 12 months
    assert sum(pdf.paths) > on_map + on_charts  # the besieging parties' bars, elsewhere


@needs_pdf
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_shipped_fonts_are_embedded_in_the_pdf(pdfs: dict[str, Pdf], language: str) -> None:
    fonts = pdfs[language].fonts
    assert fonts and all(fonts.values()), fonts
    names = " ".join(fonts)
    assert "Noto-Sans" in names
    if language == "ar":
        assert "Noto-Naskh-Arabic" in names


# -- Markdown and HTML -------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_markdown_and_html_carry_the_same_figures(
    demo_db: str, situation_json: dict[str, Any], tmp_path: Path, language: str
) -> None:
    md, html = tmp_path / "report.md", tmp_path / "report.html"
    for path in (md, html):
        result = run(demo_db, "report", "--as-of", AS_OF, "--lang", language, "-o", str(path))
        assert result.exit_code == 0, result.output
    people_in_need = number(situation_json["total"]["people_in_need"]["value"], language)
    markdown = md.read_text(encoding="utf-8")
    assert markdown.startswith(f"# {TITLE[language]}")
    assert f"| {people_in_need} |" in markdown
    assert MADAYA[language] in markdown
    page = html.read_text(encoding="utf-8")
    assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in page
    assert people_in_need in page and MADAYA[language] in page
    assert page.count('class="svg-map choropleth"') == 1
    assert len(re.findall(r'<path class="area (c[0-9]|none)"', page)) == 14  # the governorates
    assert page.count('<path class="area cut"') >= 1  # the sub-districts of cut-off communities
    assert "@font-face" not in page  # a web page uses the reader's fonts; the PDF ships its own


# -- what the report holds ---------------------------------------------------------------------


def test_the_changes_of_the_period_are_counted_against_its_start(demo_db: str) -> None:
    store = Store.open(demo_db)
    try:
        report = situation_report(store, date(2017, 2, 28), date(2017, 2, 21))
        longer = situation_report(store, date(2017, 2, 28), date(2016, 11, 1))
    finally:
        store.close()
    changes = report.changes
    assert changes is not None
    assert changes.cut_off_now == len(report.cut_off)
    assert changes.cut_off_now - changes.cut_off_before == (
        changes.new_cut_off - changes.no_longer_cut_off
    )
    assert changes.new_cut_off == sum(p.new for p in report.cut_off)
    assert sum(p.people for p in report.parties) == report.besieged_total
    key = {f.key: f.value for f in report.key_figures}
    assert report.besieged_total == key["besieged"]  # the shares add up to the key figure
    # Every cut-off community lies in one of the sub-districts the map marks (all have a boundary).
    assert sum(a.cut_off_places for a in report.cut_off_areas) == len(report.cut_off)
    assert sum(a.cut_off_people for a in report.cut_off_areas) == sum(  # type: ignore[misc]
        p.people_in_need for p in report.cut_off)
    assert sum(a.cut_off_people or 0 for a in report.areas) == sum(  # type: ignore[misc]
        p.people_in_need for p in report.cut_off)
    # Over four months Madaya's siege counts no change, but the incidents of the period do.
    assert longer.changes is not None
    assert longer.changes.incidents.events >= changes.incidents.events


def test_the_public_sees_small_counts_suppressed_and_no_plan(demo_db: str) -> None:
    store = Store.open(demo_db)
    try:
        full = situation_report(store, date(2017, 2, 28), date(2017, 2, 21))
        public = situation_report(store, date(2017, 2, 28), date(2017, 2, 21),
                                  principal=policy.ANONYMOUS)  # fmt: skip
    finally:
        store.close()
    assert full.changes is not None and public.changes is not None
    assert full.changes.fatalities_before == 7  # the demo's incidents in the week before
    assert public.changes.fatalities_before == Hidden(10)
    assert public.public and not full.public
    shown = [m.reached for m in public.months]
    assert all(not (isinstance(v, float) and 0 < v < 10) for v in shown)


def test_a_protocol_that_restricts_the_besieging_party_withholds_it_from_the_public(
    demo_db: str, tmp_path: Path
) -> None:
    from lagebild.security import protocol as sharing

    text = sharing.DEFAULT_PATH.read_text(encoding="utf-8")
    assert "      party: public" in text
    path = tmp_path / "protocol.yml"
    path.write_text(text.replace("      party: public", "      party: restricted"), "utf-8")
    restricted = sharing.load(path)
    analyst = policy.Principal("a", "analyst", signed_in=True)
    store = Store.open(demo_db)
    try:
        public = situation_report(store, date(2017, 2, 28), principal=policy.ANONYMOUS,
                                  protocol=restricted)  # fmt: skip
        detail = situation_report(store, date(2017, 2, 28), principal=analyst,
                                  protocol=restricted)  # fmt: skip
    finally:
        store.close()
    assert [p.party for p in public.parties] == [None] and public.party_withheld
    assert public.parties[0].places == sum(p.places for p in detail.parties)
    assert all(p.party is None for p in public.cut_off)
    assert public.besieged_total == detail.besieged_total  # the people stay, the names go
    assert "Government of Syria and allies" in {p.party for p in detail.parties}
    assert any(p.party for p in detail.cut_off)


def test_a_saved_plan_is_summarised_with_the_optimal_and_the_greedy_plan(
    tmp_path: Path,
) -> None:
    db = demo_database(tmp_path)
    result = run(db, "plan", "--as-of", AS_OF, "--weeks", "2", "--save", "baseline")
    assert result.exit_code == 0, result.output
    shown = json.loads(run(db, "plans", "show", "baseline").output)
    store = Store.open(db)
    try:
        report = situation_report(store, date(2017, 2, 28))
        public = situation_report(store, date(2017, 2, 28), principal=policy.ANONYMOUS)
    finally:
        store.close()
    assert report.plan is not None and public.plan is None
    assert report.plan.name == "baseline" and report.plan.weeks == 2
    assert report.plan.objective == pytest.approx(shown["objective"])
    assert report.plan.greedy_objective == pytest.approx(shown["greedy_objective"])
    assert {a.access for a in report.plan.by_access} == {
        a["access"] or "none" for a in shown["by_access"]
    }
    markdown = tmp_path / "plan.md"
    assert run(db, "report", "--as-of", AS_OF, "-o", str(markdown)).exit_code == 0
    assert "The delivery plan baseline" in markdown.read_text(encoding="utf-8")


# -- templates and refusals --------------------------------------------------------------------


def test_a_copied_template_changed_by_a_user_is_the_one_used(demo_db: str, tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    result = run(demo_db, "report", "--template-copy", str(folder))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["report.css", "report.html", "report.md"]
    template = folder / "report.md"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "# {{ _(\"Situation report\") }}", "# Weekly report of the Damascus hub"), encoding="utf-8")
    out = tmp_path / "report.md"
    result = run(demo_db, "report", "--as-of", AS_OF, "--template", str(folder), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("# Weekly report of the Damascus hub: ")
    again = run(demo_db, "report", "--template-copy", str(folder))
    assert again.exit_code != 0 and "choose an empty folder" in again.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--as-of", "2017-02-30"], "'2017-02-30' is not a date"),
        (["--lang", "fr"], "'fr' is not one of 'en', 'ar', 'de'"),
        (["--as-of", "2017-02-01", "--since", "2017-02-10"],
         "--since 2017-02-10 is not before --as-of 2017-02-01"),
        (["--as-of", AS_OF, "--since", AS_OF], f"--since {AS_OF} is not before --as-of {AS_OF}"),
        (["--format", "docx"], "'docx' is not one of 'pdf', 'html', 'md'"),
        (["--template", "/nonexistent/folder"], "not a folder"),
    ],
)
def test_bad_choices_are_refused_with_a_clear_message(
    demo_db: str, tmp_path: Path, args: list[str], says: str
) -> None:
    out = tmp_path / "report.md"
    result = run(demo_db, "report", *args, "-o", str(out))
    assert result.exit_code != 0
    assert says in result.output, result.output
    assert not out.exists()


def test_without_an_output_file_or_a_known_suffix_the_report_is_refused(
    demo_db: str, tmp_path: Path
) -> None:
    assert "-o FILE" in run(demo_db, "report").output
    result = run(demo_db, "report", "-o", str(tmp_path / "report.txt"))
    assert result.exit_code == 2 and "--format pdf|html|md" in result.output


def test_without_weasyprint_a_pdf_is_refused_saying_what_to_install(
    demo_db: str, tmp_path: Path
) -> None:
    # A Python in which WeasyPrint cannot be imported, as on a machine without it.
    code = ("import sys; sys.modules['weasyprint'] = None; from lagebild.cli import main; "
            "main()")  # fmt: skip
    out = tmp_path / "report.pdf"
    done = subprocess.run(
        [sys.executable, "-c", code, "--db", demo_db, "report", "-o", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "a PDF needs WeasyPrint" in done.stderr and "pip install weasyprint" in done.stderr
    assert not out.exists()


# -- the page --------------------------------------------------------------------------------


def test_the_download_answers_with_the_file_and_refuses_a_period_after_the_date(
    demo_db: str,
) -> None:
    with TestClient(create_app(WebConfig(db=demo_db))) as client:
        page = client.get("/report", params={"language": "ar", "format": "md", "as_of": AS_OF})
        assert page.status_code == 200
        assert 'id="report-download"' in page.text
        assert "lagebild-report-2017-02-28-ar.md" in page.text
        got = client.get("/report/download", params={"as_of": AS_OF, "language": "ar",
                                                      "format": "md"})  # fmt: skip
        assert got.status_code == 200
        assert got.headers["content-disposition"] == (
            'attachment; filename="lagebild-report-2017-02-28-ar.md"'
        )
        assert "مضايا" in got.text and number(13_500_000, "ar") in got.text
        refused = client.get("/report", params={"as_of": "2017-02-01", "since": "2017-02-10"})
        assert refused.status_code == 422 and 'id="report-refused"' in refused.text
        assert 'id="report-download"' not in refused.text


def test_the_page_gives_each_role_the_report_it_may_see(tmp_path: Path) -> None:
    from accounts_support import add_accounts, sign_in, web

    db = demo_database(tmp_path)
    assert run(db, "plan", "--as-of", AS_OF, "--weeks", "2", "--save", "baseline").exit_code == 0
    store = Store.open(db)
    add_accounts(store)
    query = {"as_of": AS_OF, "language": "en", "format": "md"}
    seen: dict[str, str] = {}
    try:
        with web(store) as anonymous:
            assert anonymous.get("/report").status_code in (302, 303)  # sign in first
        for name in ("viewer1", "analyst1"):
            with web(store) as client:
                assert sign_in(client, name) in (302, 303)
                got = client.get("/report/download", params=query)
                assert got.status_code == 200
                seen[name] = got.text
    finally:
        store.close()
    # 7 fatalities in the week before: below the protocol's threshold, suppressed for viewers.
    assert "the period before: 2 incidents, <10 fatalities" in seen["viewer1"]
    assert "the period before: 2 incidents, 7 fatalities" in seen["analyst1"]
    assert "The delivery plan baseline" in seen["analyst1"]
    assert "delivery plan" not in seen["viewer1"]


@pytest.fixture(scope="module")
def live_server(demo_db: str, chromium_path: str) -> Iterator[LiveServer]:
    server = LiveServer(create_app(WebConfig(db=demo_db))).start()
    try:
        yield server
    finally:
        server.stop()


@needs_pdf
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_makes_the_report_a_person_downloads_in_the_browser(
    live_server: LiveServer, browser: Browser, tmp_path: Path, language: str
) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 800}, accept_downloads=True)
    context.add_cookies([{"name": "lang", "value": language, "url": live_server.origin}])
    page = context.new_page()
    try:
        page.goto(live_server.url("/report"))
        assert page.locator("#language").input_value() == language  # the page's own language
        page.fill("#as_of", AS_OF)
        page.fill("#since", "2017-02-01")
        page.select_option("#format", "pdf")
        with page.expect_navigation():
            page.locator("#report-form button[type=submit]").click()
        for width, height in ((1366, 800), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(output_dir("report") / f"page-{language}-{width}.png"),
                            full_page=True)  # fmt: skip
        with page.expect_download() as info:
            page.locator("#report-download").click()
        download = info.value
        assert download.suggested_filename == f"lagebild-report-2017-02-28-{language}.pdf"
        saved = tmp_path / download.suggested_filename
        download.save_as(str(saved))
        pdf = Pdf(saved)
        assert MADAYA[language] in pdf.text and TITLE[language] in pdf.texts[0]
    finally:
        context.close()
