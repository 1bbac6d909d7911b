"""Who does what where in a real browser: headless Chromium, driven by Playwright, on the demo
database served by uvicorn on 127.0.0.1.

The page (with a 3W imported beside the demo's 4W), an organisation's page and the page of an
organisation only the 3W lists, in English, Arabic and German, on a laptop (1366x800) and a
phone (390x844): the map draws one circle per place of its GeoJSON, a tooltip names the place,
the page's content is no wider than the screen (the shared menu above it is the layout's), nothing
is fetched from another host and no script fails.
Screenshots go to ``test-output/presence/``. Without Chromium or Playwright the test skips,
saying why (with ``CI`` set it fails instead).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from browser_support import LiveServer, output_dir
from click.testing import CliRunner
from demo_support import demo_database
from test_presence_3w import THREE_W

from lagebild.cli import main
from lagebild.web import WebConfig, create_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser

TIMEOUT_MS = 15_000
SIZES = {"laptop": (1366, 800), "phone": (390, 844)}
PAGES = {"presence": "/presence", "presence-adm3": "/presence?level=adm3&sector=food",
         "organisation": "/organisations/sarc",
         "organisation-listed": "/organisations/mercy-relief"}  # fmt: skip
#: The menu entry in each language.
MENU = {"en": "Who does what where", "ar": "من يفعل ماذا وأين", "de": "Wer macht was wo"}


@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, chromium_path: str
) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("presence-browser")
    db = demo_database(folder)
    (folder / "3w.csv").write_text(THREE_W, encoding="utf-8")
    imported = CliRunner().invoke(main, ["--db", db, "import", str(folder / "3w.csv")])
    assert imported.exit_code == 0, imported.output
    server = LiveServer(create_app(WebConfig(db=db))).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("lang", ["en", "ar", "de"])
@pytest.mark.parametrize("size", list(SIZES))
def test_the_pages_draw_their_map_and_fit_the_screen(
    live_server: LiveServer, browser: Browser, lang: str, size: str
) -> None:
    width, height = SIZES[size]
    context = browser.new_context(locale=lang, viewport={"width": width, "height": height})
    context.set_default_timeout(TIMEOUT_MS)
    requests: list[str] = []
    errors: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    folder = output_dir("presence")
    try:
        for name, path in PAGES.items():
            joiner = "&" if "?" in path else "?"
            page.goto(live_server.url(f"{path}{joiner}lang={lang}"), wait_until="networkidle")
            page.wait_for_selector("#presence-map[data-ready]", state="attached")
            assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
            # On a phone the menu is folded behind its button: its words are there, not shown.
            assert MENU[lang] in (page.locator("header nav").text_content() or "")
            config = json.loads(page.locator("#presence-config").text_content() or "{}")
            layer = page.request.get(live_server.url(config["data"])).json()
            circles = page.locator("#presence-map path.presence-circle")
            assert circles.count() == len(layer["features"]) > 0, name
            # The page's own content fits the screen; the shared menu above it is the layout's.
            wide = page.evaluate("document.querySelector('main').scrollWidth")
            assert wide <= width, f"{name} in {lang} is {wide} px wide on a {width} px screen"
            page.screenshot(path=str(folder / f"{name}-{lang}-{size}.png"), full_page=True)
            if size == "laptop":
                circles.first.hover(force=True)
                tip = page.locator(".leaflet-tooltip .presence-tip").first
                tip.wait_for()
                assert tip.inner_text().strip()
    finally:
        context.close()
    assert errors == []
    foreign = [u for u in requests if not u.startswith(live_server.origin + "/")]
    assert foreign == [], "a request left the host"
