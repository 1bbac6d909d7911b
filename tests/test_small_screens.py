"""Every page fits a phone and a small laptop, in English, Arabic and German, in Chromium.

Every GET page route of the app is walked (``PAGES``; a route that is neither walked nor in
``NOT_PAGES`` with its reason fails ``test_every_page_route_is_walked_or_excused``), signed in as
an administrator on a copy of the demo database with its pictures, so that every form shows.
Pages with a path parameter open a real place (Madaya), organisation, record, source, import and
picture, each found as a link on the page that lists them. At 390x844 and at 1366x800 each page:

- does not scroll sideways: the document is no wider than the window;
- keeps its text inside the screen: no element with text of its own lies beyond the left or
  right edge, unless it is in a box that scrolls (a wide table scrolls in its own box);
- has every table fit the screen or sit in a box that scrolls;
- has no box that scrolls sideways but for a table's: a chart is drawn for the width of its box
  (charts.py draws each plot wide and narrow), not scrolled in it;
- writes its text at a contrast of 4.5:1 or more against what is behind it (3:1 when large);
- on a phone, writes chart text (SVG ``<text>``, as drawn, after the chart is scaled to the
  screen) and the labels of charts and of the map's legend at 11 px or more.

The report of an upload (the answer to a POST, so no route of the walk) is checked the same way.
The menu folds behind its button on a phone (a ``<details>`` element: no script needed, reached
and opened by keyboard, its state told by the browser) and is laid out in full on a laptop.

A full-page screenshot of each page goes to ``test-output/screens/NAME-LANG-WIDTH.png``. One
live server and one browser context per language serve the whole walk; each language is a test
of its own, so that pytest-xdist spreads them over its workers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from accounts_support import CHEAP_ARGON2, PASSWORD, add_accounts
from browser_support import LiveServer, output_dir
from demo_support import demo_database

from lagebild.web import WebConfig, create_app

if TYPE_CHECKING:
    from fastapi import FastAPI
    from playwright.sync_api import Browser, Page

LANGUAGES = ("en", "ar", "de")
SIZES = ((390, 844), (1366, 800))
PHONE = 390
#: The smallest chart text a phone may show, in CSS pixels.
SMALLEST_CHART_TEXT = 11.0
TIMEOUT_MS = 30_000
ADMIN = "admin1"
MADAYA = "C2450"


@dataclass(frozen=True)
class Walked:
    """A page of the walk: the route it stands for, and how to reach it. ``path`` is the address,
    or, for a route with a path parameter, ``(listing, prefix)``: the first link of ``listing``
    whose address starts with ``prefix`` (and is more than it) is the page."""

    route: str
    path: str | tuple[str, str]
    #: What the page must have loaded before it is measured (the map: its layers).
    ready: str = ""


PAGES: dict[str, Walked] = {
    "overview": Walked("/", "/"),
    "map": Walked("/map", "/map", ready="#map[data-ready]:not(.leaflet-zoom-anim)"),
    "gaps": Walked("/gaps", "/gaps"),
    "priorities": Walked("/priorities", "/priorities"),
    "plan": Walked("/plan", "/plan"),
    "report": Walked("/report", "/report?language=en"),
    "places": Walked("/places", "/places"),
    "place": Walked("/places/{pcode}", f"/places/{MADAYA}"),
    "governorate": Walked("/places/{pcode}", "/places/SY03"),
    "history": Walked("/places/{pcode}/history", f"/places/{MADAYA}/history"),
    "explain": Walked("/explain", (f"/places/{MADAYA}", "/explain?")),
    "presence": Walked("/presence", "/presence"),
    "organisation": Walked("/organisations/{name}", ("/presence", "/organisations/")),
    "convoys": Walked("/convoys", "/convoys"),
    "incidents": Walked("/incidents", "/incidents"),
    "damage": Walked("/damage", "/damage"),
    "evidence": Walked("/evidence", "/evidence"),
    "picture": Walked("/evidence/{item_id}", ("/evidence", "/evidence/")),
    "records": Walked("/records", "/records"),
    "record": Walked("/records/{kind}/{record_id}", ("/records", "/records/delivery/")),
    "sources": Walked("/sources", "/sources"),
    "grade": Walked("/sources/{source_id}/grade", ("/sources", "/sources/")),
    "import": Walked("/import", "/import"),
    "imports": Walked("/imports", "/imports"),
    "undo": Walked("/imports/{import_id}/undo", ("/imports", "/imports/")),
    "signin": Walked("/signin", "/signin"),
}

#: GET routes outside /api/ that are no page, and why they are not walked.
NOT_PAGES = {
    "/import/{token}/rejects.csv": "a CSV download of an upload's rejected rows, no page",
    "/evidence/{item_id}/thumbnail": "a picture's thumbnail image, shown on the evidence pages",
    "/report/download": "the situation report as a file (PDF, HTML, Markdown), no page",
}

#: Everything measured on a page, in one pass of the browser.
MEASURE = """(smallest) => {
  const width = window.innerWidth;
  const main = document.querySelector("main") || document.body;
  const classes = (el) => typeof el.className === "string" ? el.className.trim() : "";
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (classes(el) ? "." + classes(el).split(/\\s+/).join(".") : "");
  const scrolls = (el) => {
    for (let up = el.parentElement; up; up = up.parentElement) {
      const x = getComputedStyle(up).overflowX;
      if (x === "auto" || x === "scroll") return true;
      if (up.classList.contains("leaflet-container")) return true;  // the map pans, not the page
    }
    return false;
  };
  const ownText = (el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  const hidden = (el) =>
    el.closest(".skip, .visually-hidden, [hidden], details:not([open]) > :not(summary)");
  const outside = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (!ownText(el) || hidden(el) || scrolls(el)) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.left < -1 || box.right > width + 1) {
      outside.push(`${name(el)} [${Math.round(box.left)}, ${Math.round(box.right)}]: ` +
                   el.textContent.trim().slice(0, 40));
    }
  }
  const tables = [...main.querySelectorAll("table")]
    .filter((t) => { const box = t.getBoundingClientRect();
                     return box.right > width + 1 || box.left < -1; })
    .filter((t) => !scrolls(t) && !["auto", "scroll"].includes(getComputedStyle(t).overflowX))
    .map((t) => `${name(t)} ${Math.round(t.getBoundingClientRect().width)} px`);
  // A box wider inside than it is shown, which is no table and holds none: a chart, say.
  const scrolling = [...main.querySelectorAll("*")]
    .filter((el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowX))
    .filter((el) => el.scrollWidth > el.clientWidth + 1 && !el.closest(".leaflet-container"))
    .filter((el) => !el.matches("table") && !el.querySelector("table"))
    .map((el) => `${name(el)} ${el.scrollWidth} px in ${el.clientWidth}`);
  const small = [];
  for (const text of main.querySelectorAll("svg text")) {
    if (!text.getBBox || hidden(text)) continue;
    const matrix = text.getScreenCTM();
    const scale = matrix ? Math.hypot(matrix.a, matrix.b) : 1;
    const size = parseFloat(getComputedStyle(text).fontSize) * scale;
    const words = text.textContent.trim().slice(0, 30);
    if (size < smallest - 0.01) small.push(`svg text ${size.toFixed(1)} px: ${words}`);
  }
  const labels = "figure.plot *, .plots *, .map-legend *, .map-counts *, .legend *, .matrix *";
  for (const el of main.querySelectorAll(labels)) {
    if (el.closest("svg") || !ownText(el) || hidden(el)) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    const words = el.textContent.trim().slice(0, 30);
    if (size < smallest - 0.01) small.push(`${name(el)} ${size.toFixed(1)} px: ${words}`);
  }
  const rgb = (colour) => (colour.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const f = (v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const behind = (el) => {
    for (let up = el; up; up = up.parentElement) {
      const colour = rgb(getComputedStyle(up).backgroundColor);
      if (colour.length === 3 || colour[3] > 0) return colour;
    }
    return [255, 255, 255];
  };
  const faint = [];
  for (const el of main.querySelectorAll("*")) {
    if (!ownText(el) || hidden(el) || el.closest("svg, .leaflet-container")) continue;
    const style = getComputedStyle(el);
    const [front, back] = [luminance(rgb(style.color)), luminance(behind(el))];
    const ratio = (Math.max(front, back) + 0.05) / (Math.min(front, back) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      faint.push(`${name(el)} ${ratio.toFixed(1)}:1 ${el.textContent.trim().slice(0, 30)}`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, outside, tables, scrolling,
          small, faint,
          lang: document.documentElement.lang, dir: document.documentElement.dir};
}"""


def page_routes(app: FastAPI) -> set[str]:
    """The paths of the app's GET routes outside /api/ and /static/: its pages, and downloads."""

    def walk(routes: list[Any]) -> Iterator[Any]:
        for route in routes:
            inner = getattr(route, "original_router", None)  # an included router
            if inner is not None:
                yield from walk(inner.routes)
            else:
                yield route

    return {
        route.path
        for route in walk(app.routes)
        if "GET" in (getattr(route, "methods", None) or ())
        and not route.path.startswith(("/api/", "/static"))
    }


def test_every_page_route_is_walked_or_excused(tmp_path: Any) -> None:
    routes = page_routes(create_app(WebConfig(db=str(tmp_path / "empty.db"))))
    walked = {page.route for page in PAGES.values()}
    assert not routes - walked - set(NOT_PAGES), "pages nobody walks: add them to PAGES"
    assert not (walked | set(NOT_PAGES)) - routes, "walked routes the app no longer has"
    assert "/places/{pcode}" in routes and "/map" in routes  # the walk reads the real routes


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[LiveServer]:
    from lagebild.evidence.demo import add_demo_evidence
    from lagebild.store import Store

    folder = tmp_path_factory.mktemp("small-screens")
    db = demo_database(folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAGEBILD_ARGON2", CHEAP_ARGON2)
        store = Store.open(db)
        try:
            add_demo_evidence(store, folder / "pictures")
            add_accounts(store, {ADMIN: ("admin", None)})
        finally:
            store.close()
        server = LiveServer(create_app(WebConfig(db=db))).start()
        try:
            yield server
        finally:
            server.stop()


def sign_in(page: Page, server: LiveServer) -> None:
    page.goto(server.url("/signin?next=/"))
    page.fill("#signin-name", ADMIN)
    page.fill("#signin-password", PASSWORD)
    page.click("#signin-submit")
    page.wait_for_load_state()
    assert page.url == server.url("/"), page.url


def address(page: Page, server: LiveServer, walked: Walked) -> str:
    """The page's path; for a route with a parameter, the first fitting link of its listing."""
    if isinstance(walked.path, str):
        return walked.path
    listing, prefix = walked.path
    page.goto(server.url(listing))
    hrefs = page.eval_on_selector_all("main a[href]", "all => all.map(a => a.getAttribute('href'))")
    for href in hrefs:
        if href.startswith(prefix) and len(href) > len(prefix):
            return str(href)
    raise AssertionError(f"{listing} has no link to {prefix}...")


def shoot(page: Page, path: str) -> None:
    """A full-page screenshot; Chromium on a loaded machine now and then fails to capture one,
    which a second try takes."""
    from playwright.sync_api import Error

    for attempt in range(3):
        try:
            page.screenshot(path=path, full_page=True)
            return
        except Error:
            if attempt == 2:
                raise
            page.wait_for_timeout(500)


def with_language(path: str, language: str) -> str:
    return path + ("&" if "?" in path else "?") + f"lang={language}"


def measure(page: Page, where: str, language: str, width: int) -> list[str]:
    """What is wrong with the page as the browser shows it now: ``MEASURE``'s findings."""
    found = page.evaluate(MEASURE, SMALLEST_CHART_TEXT)
    assert found["lang"] == language
    assert found["dir"] == ("rtl" if language == "ar" else "ltr")
    problems = []
    if found["scrollWidth"] > found["width"]:
        problems.append(f"{where}: {found['scrollWidth']} px wide in {found['width']}")
    problems += [f"{where}: text beyond the edge: {what}" for what in found["outside"][:5]]
    problems += [f"{where}: a table wider than the screen: {what}" for what in found["tables"]]
    problems += [f"{where}: a box, no table, scrolls sideways: {w}" for w in found["scrolling"]]
    problems += [f"{where}: text of too little contrast: {what}" for what in found["faint"][:5]]
    if width == PHONE:
        problems += [f"{where}: small chart text: {what}" for what in found["small"][:5]]
    return problems


#: A 4W with a row in a place the gazetteer does not know: its report has a problems table.
FOUR_W = (
    "Organisation,Sector,Status,Community,Reached,End\n"
    "#org+impl,#sector,#status,#adm4+code,#reached+ind,#date+end\n"
    "Small screens {language},Food,completed,C1007,100,2017-02-20\n"
    "Small screens {language},Health,completed,C99999,50,2017-02-21\n"
)


def upload(page: Page, server: LiveServer, language: str) -> None:
    """Send a 4W to be checked; the page is its report."""
    page.set_viewport_size({"width": 1366, "height": 800})
    page.goto(server.url(f"/import?lang={language}"))
    body = FOUR_W.format(language=language).encode()
    page.set_input_files(
        "#import-file", files=[{"name": "4w.csv", "mimeType": "text/csv", "buffer": body}]
    )
    with page.expect_navigation():
        page.click("#import-check")
    assert page.locator("table.problems").count() == 1, page.url


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_fits_a_phone_and_a_laptop(
    served: LiveServer, browser: Browser, language: str
) -> None:
    folder = output_dir("screens")
    problems: list[str] = []
    walked = 0
    signed_out = browser.new_context(viewport={"width": 1366, "height": 800})
    context = browser.new_context(viewport={"width": 1366, "height": 800})
    try:
        for each in (signed_out, context):
            each.set_default_timeout(TIMEOUT_MS)
        page, visitor = context.new_page(), signed_out.new_page()
        sign_in(page, served)
        addresses = {name: address(page, served, found) for name, found in PAGES.items()}
        for width, height in SIZES:
            for name, path in addresses.items():
                # The sign-in page as a visitor sees it; everything else as the administrator.
                tab = visitor if name == "signin" else page
                tab.set_viewport_size({"width": width, "height": height})
                answer = tab.goto(served.url(with_language(path, language)))
                assert answer is not None and answer.status == 200, (name, path, answer)
                if PAGES[name].ready:
                    tab.wait_for_selector(PAGES[name].ready, state="attached")
                problems += measure(tab, f"{name} ({path}) {language} {width}", language, width)
                shoot(tab, str(folder / f"{name}-{language}-{width}.png"))
                walked += 1
        # The report an upload answers with (a POST's page), its problems table on a phone too.
        upload(page, served, language)
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            problems += measure(page, f"import report {language} {width}", language, width)
            shoot(page, str(folder / f"import-report-{language}-{width}.png"))
            walked += 1
    finally:
        signed_out.close()
        context.close()
    assert walked == (len(PAGES) + 1) * len(SIZES)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", ("en", "ar"))
def test_the_menu_folds_on_a_phone_and_opens_by_keyboard(
    served: LiveServer, browser: Browser, language: str
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        sign_in(page, served)
        page.goto(served.url(f"/gaps?lang={language}"))
        button, links = page.locator("#menu-button"), page.locator("#menu nav a")
        assert links.count() >= 10  # the administrator's menu: evidence, import and imports too
        assert button.is_visible() and not links.first.is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # The button is the first thing after the brand a keyboard reaches (skip link, brand).
        for _ in range(3):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "menu-button":
                break
        assert page.evaluate("document.activeElement.id") == "menu-button"
        page.keyboard.press("Enter")
        assert page.locator("#menu").get_attribute("open") is not None
        assert all(links.nth(i).is_visible() for i in range(links.count()))
        boxes = [links.nth(i).bounding_box() for i in range(links.count())]
        assert all(box and 0 <= box["x"] and box["x"] + box["width"] <= 390 for box in boxes)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shoot(page, str(output_dir("screens") / f"menu-open-{language}-390.png"))
        page.keyboard.press("Tab")  # into the menu: its first link
        assert page.evaluate("document.activeElement.getAttribute('href')") == "/"
        current = page.locator("#menu nav a[aria-current=page]")
        assert current.get_attribute("href") == "/gaps"
        # A laptop shows the whole menu, without its button.
        page.set_viewport_size({"width": 1366, "height": 800})
        page.goto(served.url(f"/gaps?lang={language}"))
        assert not button.is_visible()
        assert all(links.nth(i).is_visible() for i in range(links.count()))
        boxes = [links.nth(i).bounding_box() for i in range(links.count())]
        tops = {round(box["y"]) for box in boxes if box}
        assert len(tops) == 1, "the menu is one line on a laptop"
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")  # skip link, brand, then the menu's first link
        assert page.evaluate("document.activeElement.getAttribute('href')") == "/"
    finally:
        context.close()
