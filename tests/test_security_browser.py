"""The Content-Security-Policy in a real browser (issue 6, point 5): headless Chromium loads the
overview, the map and a place page of the demo served for real, and reports no violation of the
policy, while the map still draws its places. A page that breaks the policy on purpose shows that
a violation would be seen.

Without Chromium or Playwright the tests skip, saying why; with ``CI`` set they fail instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

import pytest
from browser_support import CHROMIUM_ARGS, LiveServer, chromium, in_ci
from demo_support import demo_database

from lagebild.web import WebConfig, create_app

if TYPE_CHECKING:
    from playwright.sync_api import Page

T = TypeVar("T")

PAGES = {"overview": "/", "map": "/map", "place": "/places/C2450"}
TIMEOUT_MS = 15_000
#: Listens for the browser's CSP violation events from the first moment of every document.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


@pytest.fixture(scope="module")
def chromium_path() -> str:
    path, reason = chromium()
    if path is None:
        if in_ci():
            pytest.fail(f"CI is set but the browser tests cannot run: {reason}", pytrace=False)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, chromium_path: str
) -> Iterator[LiveServer]:
    db = demo_database(tmp_path_factory.mktemp("csp"))
    server = LiveServer(create_app(WebConfig(db=db))).start()
    try:
        yield server
    finally:
        server.stop()


class BrowserThread:
    """Chromium driven from a thread of its own: Playwright's sync API refuses to start a
    second time in a thread where it already runs (tests/test_browser.py's session browser)."""

    def __init__(self, executable: str) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="csp-browser")
        self._pool.submit(self._start, executable).result()

    def _start(self, executable: str) -> None:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self.browser = self._playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )

    def _stop(self) -> None:
        self.browser.close()
        self._playwright.stop()

    def run(self, test: Callable[[Watched], T]) -> T:
        """``test(watched)`` on a fresh English page in that thread; its result or exception."""

        def in_thread() -> T:
            context = self.browser.new_context(
                locale="en-US", viewport={"width": 1280, "height": 900}
            )
            context.set_default_timeout(TIMEOUT_MS)
            context.add_init_script(RECORD_VIOLATIONS)
            try:
                return test(Watched(context.new_page()))
            finally:
                context.close()

        return self._pool.submit(in_thread).result()

    def close(self) -> None:
        self._pool.submit(self._stop).result()
        self._pool.shutdown()


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[BrowserThread]:
    thread = BrowserThread(chromium_path)
    try:
        yield thread
    finally:
        thread.close()


class Watched:
    """A page, its console messages that speak of the policy, and its violation events."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.on("console", self._console)

    def _console(self, message: object) -> None:
        text = getattr(message, "text", "")
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.console.append(text)

    def violations(self) -> list[str]:
        found: list[str] = self.page.evaluate("window.__violations || []")
        return found + self.console


@pytest.mark.parametrize("name", PAGES)
def test_page_runs_under_the_policy_without_a_violation(
    live_server: LiveServer, browser: BrowserThread, name: str
) -> None:
    browser.run(lambda watched: _page_under_policy(live_server, watched, name))


def _page_under_policy(live_server: LiveServer, watched: Watched, name: str) -> None:
    page = watched.page
    response = page.goto(live_server.url(PAGES[name]), wait_until="networkidle")
    assert response is not None and response.status == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy
    if name == "map":
        page.wait_for_selector("#map[data-ready]", state="attached")
        assert int(page.get_attribute("#map", "data-ready") or 0) > 0
        assert page.locator("#map path.map-place[data-pcode]").count() > 0, "no place drawn"
        swatch = page.locator("#legend-access svg.swatch rect").first
        assert swatch.get_attribute("fill"), "the legend lost its colours"
        page.locator("#map path.map-place[data-pcode]").last.hover()  # a tooltip opens
        page.wait_for_selector(".map-tip", state="attached")
    assert watched.violations() == []


def test_a_violation_would_be_seen(live_server: LiveServer, browser: BrowserThread) -> None:
    """What the page tests look for is there: an inline style and an inline script, added to
    the overview on purpose, are refused and reported."""
    browser.run(lambda watched: _violation_seen(live_server, watched))


def _violation_seen(live_server: LiveServer, watched: Watched) -> None:
    page = watched.page
    page.goto(live_server.url("/"), wait_until="networkidle")
    page.evaluate(
        """() => {
        const box = document.createElement("div");
        box.innerHTML = '<p style="color: red">x</p>';
        document.body.append(box);
        const script = document.createElement("script");
        script.textContent = "window.__ran = true";
        document.body.append(script);
    }"""
    )
    page.wait_for_function("window.__violations.length >= 2")
    found = watched.violations()
    assert any(v.startswith("style-src") for v in found), found
    assert any(v.startswith("script-src") for v in found), found
    assert page.evaluate("window.__ran === undefined")
