"""Evidence in a real browser (issue 4, point 5): headless Chromium, driven by Playwright.

The demo database with its illustrative evidence (four drawn pictures, the last a recycled copy
of the first) is served by uvicorn on 127.0.0.1. A person goes from the place page's evidence
count to the filtered list, sees every thumbnail drawn, opens the recycled picture, reads which
earlier item it matches and follows the link there; the list opens in every language without a
console error or a request to another host. Screenshots: ``test-output/screenshots/evidence-*``.

Without Chromium or Playwright the tests skip, saying why; with ``CI`` set they fail instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from browser_support import LiveServer, output_dir
from demo_support import demo_database

from lagebild.evidence.demo import DEMO_ITEMS, RECYCLED, add_demo_evidence
from lagebild.store import Store
from lagebild.web import WebConfig, create_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

TIMEOUT_MS = 15_000
ARABIC_LETTER = re.compile(r"[\u0600-\u06ff]")




@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, chromium_path: str
) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("evidence-browser")
    db = demo_database(folder)
    store = Store.open(db)
    try:
        add_demo_evidence(store, Path(folder) / "pictures")
    finally:
        store.close()
    server = LiveServer(create_app(WebConfig(db=db))).start()
    try:
        yield server
    finally:
        server.stop()




@pytest.fixture
def page(browser: Browser) -> Iterator[tuple[Page, list[str], list[str]]]:
    """A page in a fresh English context, the console errors and every request it makes."""
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    opened = context.new_page()
    opened.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield opened, errors, requests
    finally:
        context.close()


def drawn_thumbnails(page: Page) -> list[int]:
    """The natural width of every picture of the page, once all have loaded (0: not drawn)."""
    # Polled from here: wait_for_function would evaluate a string in the page, which the pages'
    # Content-Security-Policy refuses.
    widths: list[int] = []
    for _ in range(100):
        widths = page.evaluate("[...document.images].map(i => i.complete ? i.naturalWidth : 0)")
        if all(widths):
            break
        page.wait_for_timeout(100)
    return widths


def undrawn(page: Page) -> list[str]:
    return page.evaluate("[...document.images].filter(i => !i.naturalWidth).map(i => i.src)")


def test_from_the_place_page_to_the_recycled_picture_and_the_one_it_recycles(
    live_server: LiveServer, page: tuple[Page, list[str], list[str]]
) -> None:
    browser_page, errors, _ = page
    # The recycled copy is claimed for SY030200 (Duma's sub-district), like the convoy picture.
    place = RECYCLED[2]
    here = [item for item in DEMO_ITEMS if item[3] == place]
    browser_page.goto(live_server.url(f"/places/{place}?lang=en"), wait_until="networkidle")
    card = browser_page.locator("#place-evidence a")
    assert card.inner_text().strip() == str(len(here) + 1)
    card.click()
    browser_page.wait_for_url(re.compile(rf"/evidence\?place={place}$"))
    rows = browser_page.locator("#evidence-table tbody tr[data-item]")
    assert rows.count() == len(here) + 1
    assert all(width > 0 for width in drawn_thumbnails(browser_page)), undrawn(browser_page)
    browser_page.screenshot(
        path=str(output_dir("screenshots") / "evidence-list-en.png"), full_page=True
    )
    recycled = browser_page.locator("#evidence-table tbody tr[data-item='4']")
    assert recycled.locator("td.num .flag").inner_text().strip() == "1"
    recycled.locator("th a").click()
    browser_page.wait_for_url(re.compile(r"/evidence/4$"))
    assert all(width > 0 for width in drawn_thumbnails(browser_page))
    match = browser_page.locator("#evidence-matches li").first.inner_text()
    assert "This matches item 1, first registered on" in match
    assert f"from {DEMO_ITEMS[0][2]} at {DEMO_ITEMS[0][3]}." in match
    browser_page.screenshot(
        path=str(output_dir("screenshots") / "evidence-item-en.png"), full_page=True
    )
    browser_page.locator("#evidence-matches li a").first.click()
    browser_page.wait_for_url(re.compile(r"/evidence/1$"))
    assert "Item 4, registered later on" in browser_page.locator("#evidence-matches").inner_text()
    assert errors == []


@pytest.mark.parametrize("language", ["en", "ar", "de"])
def test_the_evidence_pages_open_in_each_language_and_stay_on_their_host(
    live_server: LiveServer, page: tuple[Page, list[str], list[str]], language: str
) -> None:
    browser_page, errors, requests = page
    for path in ("/evidence", "/evidence/4"):
        response = browser_page.goto(live_server.url(f"{path}?lang={language}"))
        assert response is not None and response.status == 200
        browser_page.wait_for_load_state("networkidle")
        assert all(width > 0 for width in drawn_thumbnails(browser_page))
        direction = browser_page.evaluate("document.dir")
        assert direction == ("rtl" if language == "ar" else "ltr")
        heading = browser_page.locator("h1").first.inner_text()
        if language == "ar":
            assert ARABIC_LETTER.search(heading), heading
    browser_page.screenshot(
        path=str(output_dir("screenshots") / f"evidence-item-{language}.png"), full_page=True
    )
    assert errors == []
    assert {urlsplit(url).netloc for url in requests} == {f"127.0.0.1:{live_server.port}"}
