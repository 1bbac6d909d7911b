"""The pages in a real browser (issue 3, point 6): headless Chromium, driven by Playwright.

The demo database is served by uvicorn on 127.0.0.1 for the whole module; each test gets a fresh
browser context (no cookies) and page. Every page is opened in every language and photographed
(``test-output/screenshots/{page}-{lang}.png``, or under ``$LAGEBILD_TEST_OUTPUT``); the pages
must make no request to any host but their own, show no console error, and take a person from
the map and from the gaps table to a place, through an upload with an error to its report, and
to Arabic, right to left, remembered on the next page.

Without Chromium or Playwright the tests skip, saying why; with ``CI`` set they fail instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import pytest
from browser_support import LiveServer, output_dir
from demo_support import demo_database

from lagebild.web import WebConfig, create_app

if TYPE_CHECKING:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        ConsoleMessage,
        FilePayload,
        Page,
        Request,
    )

#: The pages, by the name their screenshots carry.
PAGES = {
    "overview": "/",
    "map": "/map",
    "gaps": "/gaps",
    "places": "/places",
    "place-C2450": "/places/C2450",
    "import": "/import",
}
LANGUAGES = ("en", "ar", "de")
#: The words of the navigation bar in English; in another language they must be that language's.
ENGLISH_NAV = [
    "Overview", "Map", "Gaps", "Priorities", "Plan", "Report", "Places", "Who does what where",
    "Convoys",
    "Incidents", "Damage", "Evidence", "Records", "Sources", "Import", "Imports",
]
ARABIC_LETTER = re.compile(r"[\u0600-\u06ff]")
#: The longest a page, a click or a wait may take before the test fails (milliseconds).
TIMEOUT_MS = 15_000

# A 4W file on the demo's communities; row 4 (two header rows) has text where people go.
FOUR_W_WITH_ERROR = """\
Org,Sector,Status,Community,People,End
#org+impl,#sector,#status,#adm4+code,#reached+ind,#date+end
SARC,Food,Completed,C2450,100,2017-02-20
SARC,Food,Completed,C2429,lots,2017-02-21
WFP,Health,Completed,C2450,250,2017-02-22
"""


# -- fixtures ------------------------------------------------------------------------------------




@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, chromium_path: str
) -> Iterator[LiveServer]:
    """The web app on the demo database, served for real on 127.0.0.1 (for the browser only:
    without one, nothing is built)."""
    db = demo_database(tmp_path_factory.mktemp("browser"))
    server = LiveServer(create_app(WebConfig(db=db))).start()
    try:
        yield server
    finally:
        server.stop()




class Watch:
    """What a browser context did: every request it made, and every console error and
    uncaught exception of its pages."""

    def __init__(self, context: BrowserContext) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        context.on("request", self._request)
        context.on("page", self.page)

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)

    def page(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: uncaught {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        where = message.location.get("url", "")
        # The browser asks for /favicon.ico once per run, on whichever page comes first:
        # test_pages_have_an_icon checks the icon, so that no other test fails by its order.
        if message.type == "error" and urlsplit(where).path != "/favicon.ico":
            self.errors.append(f"{where}: {message.text}")

    def foreign(self, origin: str) -> list[str]:
        """The requests that went anywhere but ``origin`` (data: and blob: URLs fetch nothing)."""
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in ("data", "blob", "about")
            and not (url == origin or url.startswith(origin + "/"))
        ]


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Any]:
    """A maker of fresh browser contexts (own cookies), each watched; closed after the test."""
    made: list[BrowserContext] = []

    def make(**options: Any) -> tuple[BrowserContext, Watch]:
        if "Accept-Language" not in options.get("extra_http_headers", {}):
            options.setdefault("locale", "en-US")
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        made.append(context)
        return context, Watch(context)

    yield make
    for context in made:
        context.close()


@pytest.fixture
def watched(new_context: Any) -> tuple[Page, Watch]:
    """A page in a fresh English context, and what it does."""
    context, watch = new_context()
    return context.new_page(), watch


# -- helpers -------------------------------------------------------------------------------------


def visit(page: Page, url: str) -> int:
    """Open ``url`` and wait until the page has settled (the map: until its data is drawn)."""
    response = page.goto(url, wait_until="networkidle")
    assert response is not None, url
    if urlsplit(url).path == "/map" and response.status == 200:
        page.wait_for_selector("#map[data-ready]", state="attached")
    return response.status


def html_lang(page: Page) -> tuple[str, str]:
    """``<html lang dir>`` as the browser sees them."""
    lang, dir_ = page.evaluate("[document.documentElement.lang, document.dir]")
    return lang, dir_


def direction(language: str) -> str:
    return "rtl" if language == "ar" else "ltr"


# -- every page, every language ------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", PAGES)
def test_page_opens_in_each_language_without_errors(
    live_server: LiveServer, watched: tuple[Page, Watch], name: str, language: str
) -> None:
    page, watch = watched
    status = visit(page, live_server.url(f"{PAGES[name]}?lang={language}"))
    shot = output_dir("screenshots") / f"{name}-{language}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert status == 200, f"{PAGES[name]} answered {status} (screenshot: {shot})"
    assert html_lang(page) == (language, direction(language))
    assert watch.errors == [], f"console errors on {PAGES[name]}?lang={language}"
    assert watch.foreign(live_server.origin) == []
    nav = [word.strip() for word in page.locator("header nav a").all_inner_texts()]
    assert len(nav) == len(ENGLISH_NAV)
    if language == "en":
        assert nav == ENGLISH_NAV
    else:
        assert nav != ENGLISH_NAV, f"the navigation is not in {language}"
    if language == "ar":
        untranslated = [word for word in nav if not ARABIC_LETTER.search(word)]
        assert untranslated == [], "navigation words not in Arabic"
        heading = page.locator("h1").first.inner_text()
        assert ARABIC_LETTER.search(heading), f"the heading is not in Arabic: {heading!r}"


def test_pages_make_no_request_to_any_other_host(
    live_server: LiveServer, watched: tuple[Page, Watch]
) -> None:
    page, watch = watched
    for path in PAGES.values():
        for language in LANGUAGES:
            visit(page, live_server.url(f"{path}?lang={language}"))
    hosts = {urlsplit(url).netloc for url in watch.requests}
    assert hosts == {f"127.0.0.1:{live_server.port}"}, watch.foreign(live_server.origin)
    assert len(watch.requests) >= len(PAGES) * len(LANGUAGES)


def test_pages_have_an_icon(live_server: LiveServer, watched: tuple[Page, Watch]) -> None:
    """The icon the browser asks for (the page's ``<link rel="icon">``, else ``/favicon.ico``)
    is there: without it every first page load logs an error to the console."""
    page, _ = watched
    assert visit(page, live_server.url("/?lang=en")) == 200
    icon = page.evaluate(
        "(document.querySelector('link[rel~=icon]') || {href: '/favicon.ico'}).href"
    )
    if icon.startswith("data:"):
        return
    found = page.request.get(urljoin(live_server.origin + "/", icon))
    assert found.status == 200, f"{icon} answered {found.status}"


# -- from the map and from the gaps table to a place ---------------------------------------------


def test_clicking_a_place_on_the_map_opens_its_page(
    live_server: LiveServer, watched: tuple[Page, Watch]
) -> None:
    page, watch = watched
    assert visit(page, live_server.url("/map?lang=en")) == 200
    drawn = page.locator("#map path.map-place[data-pcode]")
    assert drawn.count() > 0, "the map drew no place"
    # The last drawn is on top: the most urgent place, cut off first (map.js reverses the rank).
    target = page.locator("#map path.map-place.map-cut-off[data-pcode]").last
    pcode = target.get_attribute("data-pcode")
    assert pcode
    target.click()
    page.wait_for_url(re.compile(rf"/places/{re.escape(pcode)}(\?.*)?$"))
    assert page.title() and pcode in page.content()
    assert watch.errors == []


def test_clicking_the_first_row_of_the_gaps_table_opens_that_place(
    live_server: LiveServer, watched: tuple[Page, Watch]
) -> None:
    page, watch = watched
    api = page.request.get(live_server.url("/api/gaps?level=adm4"))
    assert api.ok
    first = api.json()["places"][0]["pcode"]
    assert visit(page, live_server.url("/gaps?level=adm4&lang=en")) == 200
    row = page.locator("main table tbody tr").first
    row.locator('a[href*="/places/"]').first.click()
    page.wait_for_url(re.compile(rf"/places/{re.escape(first)}(\?.*)?$"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert watch.errors == []


# -- an upload with an error ---------------------------------------------------------------------


def test_uploading_a_file_with_an_error_shows_its_row_column_and_value(
    live_server: LiveServer, watched: tuple[Page, Watch]
) -> None:
    page, watch = watched
    assert visit(page, live_server.url("/import?lang=en")) == 200
    upload: FilePayload = {
        "name": "4w-with-error.csv",
        "mimeType": "text/csv",
        "buffer": FOUR_W_WITH_ERROR.encode("utf-8"),
    }
    page.set_input_files("#import-file", files=upload)
    page.click("#import-check")
    page.wait_for_selector("#import-report")
    page.screenshot(path=str(output_dir("screenshots") / "import-report-en.png"), full_page=True)
    rows = page.locator("#import-problems tbody tr").all()
    cells = [[cell.inner_text().strip() for cell in row.locator("td").all()] for row in rows]
    assert [c[:4] for c in cells] == [["Error", "4", "E #reached+ind", "lots"]]
    assert page.locator("#import-blocked").is_visible()  # all or nothing: nothing to confirm
    assert page.locator("#import-confirm").count() == 0
    assert watch.errors == []


# -- languages -----------------------------------------------------------------------------------


def test_switching_to_arabic_lays_the_page_right_to_left_and_is_remembered(
    live_server: LiveServer, new_context: Any
) -> None:
    context, watch = new_context()
    page = context.new_page()
    assert visit(page, live_server.url("/")) == 200
    assert html_lang(page) == ("en", "ltr")
    page.get_by_role("link", name="العربية").click()
    page.wait_for_url(re.compile(r"[?&]lang=ar"))
    assert html_lang(page) == ("ar", "rtl")
    assert {c["name"]: c["value"] for c in context.cookies()}.get("lang") == "ar"
    assert visit(page, live_server.url("/map")) == 200  # no ?lang=: the cookie says
    assert html_lang(page) == ("ar", "rtl")
    page.screenshot(path=str(output_dir("screenshots") / "map-ar-remembered.png"))
    assert watch.errors == []


@pytest.mark.parametrize(
    ("options", "language"),
    [
        pytest.param({"locale": "ar"}, "ar", id="locale-ar"),
        pytest.param({"extra_http_headers": {"Accept-Language": "de-DE,de;q=0.9"}}, "de", id="de"),
        pytest.param({"locale": "fr-FR"}, "en", id="unknown-fr"),
    ],
)
def test_first_visit_follows_the_browsers_language(
    live_server: LiveServer, new_context: Any, options: dict[str, Any], language: str
) -> None:
    context, watch = new_context(**options)
    page = context.new_page()
    assert visit(page, live_server.url("/")) == 200
    assert html_lang(page) == (language, direction(language))
    assert watch.errors == []
