"""In Chromium, on the demo database: a partner's KoboToolbox export (an XLSX with a repeat
group of activities) is uploaded on the Import page with its XLSForm in the field "Form
(XLSForm)"; the dry run reads it as deliveries, one per activity, and the confirmation writes
them. An export with an answer the form's choices do not hold is refused, the problem naming its
sheet, column and value. Photographed at 1366x800 and 390x844 in English, Arabic and German
(``test-output/import-kobo/``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from browser_support import LiveServer, output_dir
from demo_support import demo_database
from kobo_support import AR, CHOICES, EN, Submission, export_rows, write_export, write_form

from lagebild.web import WebConfig, create_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

TIMEOUT_MS = 20_000
SIZES = {"wide": {"width": 1366, "height": 800}, "phone": {"width": 390, "height": 844}}
LANGUAGES = ("en", "ar", "de")

#: Choices of places the demo gazetteer holds (Rif Dimashq), beside the form's own.
DEMO_CHOICES = [
    *CHOICES,
    {"list_name": "governorates", "name": "SY03", EN: "Rif Dimashq", AR: "ريف دمشق"},
    {"list_name": "communities", "name": "C2429", EN: "C2429", AR: "C2429"},
    {"list_name": "communities", "name": "C2449", EN: "C2449", AR: "C2449"},
]


def submissions(run: int) -> list[Submission]:
    """Two submissions, three activities; ``run`` makes each upload a file of its own."""
    return [
        Submission(f"5e1a0c9e-0000-4000-8000-{run:012d}", "sarc", "ECHO", "SY03", "C2429",
                   f"2017-03-{run:02d}", [("food", "children", 120), ("health", "", 80)]),
        Submission(f"5e1a0c9e-0001-4000-8000-{run:012d}", "alpha", "BHA", "SY03", "C2449",
                   f"2017-03-{run:02d}", [("food", "older", 45)]),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, chromium_path: str
) -> Iterator[tuple[LiveServer, Path]]:
    folder = tmp_path_factory.mktemp("import-kobo")
    db = demo_database(folder)
    write_form(folder / "syria-4w-form.xlsx", choices=DEMO_CHOICES)
    server = LiveServer(create_app(WebConfig(db=db))).start()
    try:
        yield server, folder
    finally:
        server.stop()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(output_dir("import-kobo") / f"{name}.png"), full_page=True)


def _upload(page: Page, export: Path, form: Path) -> None:
    page.set_input_files("#import-file", str(export))
    page.set_input_files("#import-xlsform", str(form))
    page.click("#import-check")


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_kobo_export_with_its_form_imports_in_the_browser(
    browser: Browser, served: tuple[LiveServer, Path], language: str, size: str
) -> None:
    server, folder = served
    run = 1 + LANGUAGES.index(language) * 2 + list(SIZES).index(size)
    rows = submissions(run)
    export = write_export(folder / f"kobo-{language}-{size}.xlsx", export_rows(rows))
    context = browser.new_context(viewport=SIZES[size], locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server.url(f"/import?lang={language}"), wait_until="networkidle")
        assert page.locator("#import-xlsform").is_visible()
        shot(page, f"1-form-{language}-{size}")
        _upload(page, export, folder / "syria-4w-form.xlsx")
        page.wait_for_selector("#import-confirm")
        shot(page, f"2-dry-run-{language}-{size}")
        assert page.locator("#error-count").inner_text().strip() in ("0", "٠")
        page.click("#import-confirm")
        page.wait_for_selector('#import-report[data-stage="done"]')
        shot(page, f"3-done-{language}-{size}")
        activities = sum(len(s.activities) for s in rows)
        written = page.locator("#rows-written").inner_text().strip()
        assert written in (str(activities), "٠١٢٣٤٥٦٧٨٩"[activities])
        assert errors == []
    finally:
        context.close()


def test_an_answer_not_in_the_forms_choices_is_refused_on_the_page(
    browser: Browser, served: tuple[LiveServer, Path]
) -> None:
    server, folder = served
    sheets = export_rows(submissions(20))
    sheets["activities"][2][0] = "shelter"  # no choice of the list "sectors"
    export = write_export(folder / "kobo-bad-choice.xlsx", sheets)
    context = browser.new_context(viewport=SIZES["wide"], locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(server.url("/import?lang=en"), wait_until="networkidle")
        _upload(page, export, folder / "syria-4w-form.xlsx")
        page.wait_for_selector('#import-problems tr[data-code="kobo-choice"]')
        shot(page, "4-bad-choice-en-wide")
        cells = [
            c.inner_text().strip()
            for c in page.locator('#import-problems tr[data-code="kobo-choice"] td').all()
        ]
        assert cells[1:4] == ["3", "activities!A activities/sector", "shelter"], cells
        assert page.locator("#import-confirm").count() == 0
    finally:
        context.close()


def test_an_edited_export_says_how_many_records_it_replaced(
    browser: Browser, served: tuple[LiveServer, Path]
) -> None:
    server, folder = served
    rows = submissions(30)
    edited = [rows[0], Submission(**{**rows[1].__dict__, "activities": [("food", "older", 60)]})]
    context = browser.new_context(viewport=SIZES["wide"], locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        for number, these in enumerate((rows, edited), start=1):
            export = write_export(folder / f"kobo-edited-{number}.xlsx", export_rows(these))
            page.goto(server.url("/import?lang=de"), wait_until="networkidle")
            _upload(page, export, folder / "syria-4w-form.xlsx")
            page.wait_for_selector("#import-confirm")
            if number == 2:  # the check says what the import will replace
                shot(page, "5-will-replace-de-wide")
                assert page.locator("#records-replaced").inner_text().strip() == "3"
            page.click("#import-confirm")
            page.wait_for_selector('#import-report[data-stage="done"]')
        shot(page, "6-replaced-de-wide")
        # the second export holds both submissions again: their 3 earlier rows are replaced
        assert page.locator("#records-replaced").inner_text().strip() == "3"
        assert page.locator("#rows-written").inner_text().strip() == "3"
    finally:
        context.close()
