"""Sign-in in a real browser (issue 6, point 1): headless Chromium against the app served on
127.0.0.1 (plain loopback http: the session cookie is HttpOnly and SameSite=Lax, not Secure).
A wrong password is refused with a message, the right one opens the page asked for, the upload
form works with its CSRF token, and signing out ends the session.

Without Chromium or Playwright the tests skip, saying why; with ``CI`` set they fail instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from accounts_support import CHEAP_ARGON2, PASSWORD, add_accounts, load_two_organisations
from browser_support import CHROMIUM_ARGS, LiveServer, chromium, in_ci

from lagebild.store import Store
from lagebild.store.imports import all_imports
from lagebild.web import WebConfig, create_app

if TYPE_CHECKING:
    from playwright.sync_api import Page

TIMEOUT_MS = 15_000
NEW_4W = """\
Org,Sector,Status,Community,People,End
#org+impl,#sector,#status,#adm4+code,#reached+ind,#date+end
Alpha Relief,Food,Completed,C1003,60,2017-02-27
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
def served(
    tmp_path_factory: pytest.TempPathFactory, chromium_path: str
) -> Iterator[tuple[LiveServer, Store]]:
    folder = tmp_path_factory.mktemp("auth-browser")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAGEBILD_ARGON2", CHEAP_ARGON2)
        store = Store.open(str(folder / "db.sqlite"))
        store.migrate()
        load_two_organisations(store, folder)
        add_accounts(store)
        server = LiveServer(create_app(WebConfig(db=str(folder / "db.sqlite")))).start()
        try:
            yield server, store
        finally:
            server.stop()
            store.close()


def in_chromium(chromium_path: str, scenario: Callable[[Page], None]) -> None:
    """Run ``scenario`` on a fresh page of its own Chromium, on a thread of its own: Playwright's
    sync API refuses a thread where another test module's Playwright already runs."""
    failure: list[BaseException] = []

    def run() -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
                )
                try:
                    context = browser.new_context()
                    context.set_default_timeout(TIMEOUT_MS)
                    scenario(context.new_page())
                finally:
                    browser.close()
        except BaseException as exc:  # noqa: BLE001 - raised again on the test's thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="auth-browser")
    thread.start()
    thread.join(120)
    if failure:
        raise failure[0]
    assert not thread.is_alive(), "the browser scenario did not finish within 120 s"


def fill_sign_in(page: Page, name: str, password: str) -> None:
    page.fill("#signin-name", name)
    page.fill("#signin-password", password)
    page.click("#signin-submit")
    page.wait_for_load_state()


def test_signing_in_opens_the_page_asked_for_and_signing_out_ends_it(
    served: tuple[LiveServer, Store], chromium_path: str
) -> None:
    in_chromium(chromium_path, lambda page: _sign_in_and_out(served[0], page))


def _sign_in_and_out(server: LiveServer, page: Page) -> None:
    page.goto(server.url("/gaps?level=adm4"))
    assert "/signin" in page.url  # sent to sign in first
    fill_sign_in(page, "analyst1", "not the password")
    assert page.locator("#signin-error").get_attribute("data-code") == "failed"
    fill_sign_in(page, "analyst1", PASSWORD)
    assert page.url == server.url("/gaps?level=adm4")
    assert page.locator("#signed-in-as").inner_text().startswith("analyst1")
    cookie = next(c for c in page.context.cookies() if c["name"] == "lagebild_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]
    assert page.evaluate("document.cookie").find("lagebild_session") == -1  # HttpOnly
    page.click("#signout")
    page.wait_for_load_state()
    assert "/signin" in page.url
    page.goto(server.url("/"))
    assert "/signin" in page.url


def test_a_partner_uploads_and_confirms_through_the_forms(
    served: tuple[LiveServer, Store], chromium_path: str, tmp_path: Path
) -> None:
    server, store = served
    in_chromium(chromium_path, lambda page: _upload(server, page, tmp_path))
    newest = max(all_imports(store), key=lambda r: r.id)
    assert newest.file_name == "new_4w.csv"


def _upload(server: LiveServer, page: Page, tmp_path: Path) -> None:
    page.goto(server.url("/signin?next=/import"))
    fill_sign_in(page, "partner_a", PASSWORD)
    assert page.url == server.url("/import")
    file = tmp_path / "new_4w.csv"
    file.write_text(NEW_4W, encoding="utf-8")
    page.set_input_files("#import-file", str(file))
    page.click("#import-check")
    page.wait_for_load_state()
    assert page.locator("#import-report").get_attribute("data-stage") == "check"
    page.click("#import-confirm")
    page.wait_for_load_state()
    assert page.locator("#import-report").get_attribute("data-stage") == "done"
