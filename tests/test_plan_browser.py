"""The delivery plan in a real browser: headless Chromium, driven by Playwright, on the demo
database (its planning case of February-March 2017) served by uvicorn on 127.0.0.1.

* The page ``/plan`` links to the map with the plan's layer on, for the same date, weeks and
  scenario; the layer draws one line per (warehouse, place) pair of the plan's shipments, one
  circle per place and one square per warehouse, each a tab stop that shows its tooltip; the
  map page offers the layer in its layer choice. In English, Arabic and German, on a laptop
  (1366x800) and a phone (390x844), the page's content no wider than the screen. Screenshots go
  to ``test-output/plan/``.
* Two scenarios saved through the page's form and compared on the page give the figures of
  ``lagebild plans compare`` on the same database.

Without Chromium or Playwright the tests skip, saying why (with ``CI`` set they fail instead).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from browser_support import LiveServer, output_dir
from click.testing import CliRunner
from demo_support import demo_database

from lagebild.cli import main
from lagebild.web import WebConfig, create_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

TIMEOUT_MS = 30_000
SIZES = {"laptop": (1366, 800), "phone": (390, 844)}
AS_OF = "2017-02-28"
#: The layer's name in the map's layer choice, in each language.
LAYER = {"en": "Delivery plan", "ar": "خطة التسليم", "de": "Lieferplan"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, chromium_path: str
           ) -> Iterator[tuple[LiveServer, str]]:  # fmt: skip
    db = demo_database(tmp_path_factory.mktemp("plan-browser"))
    server = LiveServer(create_app(WebConfig(db=db))).start()
    try:
        yield server, db
    finally:
        server.stop()


def _open(browser: Browser, lang: str, size: str) -> tuple[Page, list[str]]:
    width, height = SIZES[size]
    context = browser.new_context(locale=lang, viewport={"width": width, "height": height})
    context.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return page, errors


@pytest.mark.parametrize("lang", ["en", "ar", "de"])
@pytest.mark.parametrize("size", list(SIZES))
def test_the_plan_layer_draws_a_line_for_each_warehouse_and_place_of_the_plan(
    served: tuple[LiveServer, str], browser: Browser, lang: str, size: str
) -> None:
    server, _ = served
    page, errors = _open(browser, lang, size)
    folder = output_dir("plan")
    width = SIZES[size][0]
    try:
        page.goto(server.url(f"/plan?as_of={AS_OF}&weeks=4&lang={lang}"), wait_until="load")
        wide = page.evaluate("document.querySelector('main').scrollWidth")
        assert wide <= width, f"/plan in {lang} is {wide} px wide on a {width} px screen"
        page.locator("#plan-scenario summary").click()  # the scenario's choices, shown
        assert page.locator("#scenario-trucks input[type=number]").count() == 3
        wide = page.evaluate("document.querySelector('main').scrollWidth")
        assert wide <= width, f"/plan's scenario in {lang} is {wide} px wide on {width} px"
        page.screenshot(path=str(folder / f"plan-{lang}-{size}.png"), full_page=True)
        link = page.locator("#plan-map-link")
        assert "weeks=4" in (link.get_attribute("href") or "")
        link.click()
        page.wait_for_selector("#map[data-plan-lines]", state="attached")
        plan = page.request.get(server.url(f"/api/plan?as_of={AS_OF}&weeks=4")).json()
        pairs = {(s["warehouse"], s["pcode"]) for s in plan["shipments"]}
        located = [p for p in plan["instance"]["places"] if p["lat"] is not None]
        lines = page.locator(".leaflet-plan-pane path.map-shipment")
        assert lines.count() == len(pairs) > 0
        assert page.locator("#map").get_attribute("data-plan-lines") == str(len(pairs))
        circles = page.locator(".leaflet-plan-pane path.map-plan-place")
        assert circles.count() == len(located)
        assert page.locator(".leaflet-plan-pane .map-warehouse").count() == len(
            plan["instance"]["warehouses"])
        # The layer is a choice of the map's layer control, switched on from /plan.
        choice = page.locator(".leaflet-control-layers-overlays label", has_text=LAYER[lang])
        assert choice.locator("input").is_checked()
        # Keyboard: every shape of the plan is a tab stop and shows its tooltip on focus.
        assert lines.first.get_attribute("tabindex") == "0"
        lines.first.focus()
        tip = page.locator(".leaflet-tooltip .map-tip").first
        tip.wait_for(state="visible")
        assert "→" not in (tip.text_content() or "")  # words, not arrows: "X to Y"
        page.locator(".leaflet-control-zoom-in").scroll_into_view_if_needed()
        page.screenshot(path=str(folder / f"map-{lang}-{size}.png"), full_page=True)
        wide = page.evaluate("document.querySelector('main').scrollWidth")
        assert wide <= width, f"the map in {lang} is {wide} px wide on a {width} px screen"
        assert errors == []
    finally:
        page.context.close()


def _figures(text: str) -> list[float]:
    text = text.replace("\u2212", "-")  # a minus sign
    return [float(n.replace(",", "")) for n in re.findall(r"-?\d[\d,]*(?:\.\d+)?", text)]


def test_two_scenarios_saved_on_the_page_compare_as_the_command_line_does(
    served: tuple[LiveServer, str], browser: Browser
) -> None:
    server, db = served
    page, errors = _open(browser, "en", "laptop")
    try:
        page.goto(server.url(f"/plan?as_of={AS_OF}&weeks=4&lang=en"), wait_until="load")
        page.fill("#plan-name", "as planned")
        page.click("#plan-save-form button[type=submit]")
        page.locator("#plan-saved").wait_for()
        # The second scenario: a convoy denied and a crossing closed, chosen on the form.
        page.locator("#plan-scenario summary").click()
        convoy = page.locator("#scenario-convoys input").first
        denied = convoy.get_attribute("value")
        convoy.check()
        route = page.locator("#scenario-routes input").first
        closed = route.get_attribute("value")
        route.check()
        with page.expect_navigation():
            page.click("#plan-form button[type=submit]")
        assert page.locator(f"#plan-scenario input[value='{denied}']").is_checked()
        page.fill("#plan-name", "convoy denied")
        page.fill("#plan-note", "one convoy denied, a route closed")
        page.click("#plan-save-form button[type=submit]")
        page.locator("#plan-saved").wait_for()
        # Saving a name taken is refused, saying so.
        page.fill("#plan-name", "convoy denied")
        page.click("#plan-save-form button[type=submit]")
        assert page.locator("#plan-save-error").get_attribute("data-error") == "taken"
        assert page.locator("#plan-name").input_value() == "convoy denied"
        page.select_option("#first", "as planned")
        page.select_option("#second", "convoy denied")
        page.click("#compare-form button[type=submit]")
        table = page.locator("#plan-comparison")
        table.wait_for()
        shown = {
            row.locator("th").inner_text().strip(): _figures(" ".join(
                row.locator("td").all_inner_texts()))
            for row in table.locator("tbody tr:not([data-pcode])").all()
        }  # fmt: skip
        changed = {
            row.get_attribute("data-pcode"): _figures(" ".join(row.locator("td").all_inner_texts()))
            for row in table.locator("tbody tr[data-pcode]").all()
        }
        objectives = _figures(page.locator("#plan-comparison-objectives").inner_text())
        assert [e for e in errors if "409 (Conflict)" not in e] == []  # the taken name: 409
    finally:
        page.context.close()
    out = CliRunner().invoke(main, ["--db", db, "plans", "compare", "as planned",
                                    "convoy denied", "--format", "json"])  # fmt: skip
    assert out.exit_code == 0, out.output
    cli = json.loads(out.output)
    assert cli["second"]["scenario"] == {"denied_convoys": [denied], "closed_routes": [closed],
                                         "warehouse_trucks": {}}  # fmt: skip
    names = {"accessible": "accessible", "hard_to_reach": "hard to reach",
             "besieged": "besieged", "unknown": "no status"}  # fmt: skip
    assert shown == {
        names[r["access"]]: [round(r[k]) for k in ("need", "first", "second", "difference")]
        for r in cli["by_access"]
    }
    assert changed == {
        p["pcode"]: [round(p[k]) for k in ("need", "first", "second", "difference")]
        for p in cli["places"] if abs(p["difference"]) > 0.5
    }
    assert changed, "denying a convoy and closing a route changes what some place gets"
    assert objectives == [round(cli["first"]["objective"]), round(cli["second"]["objective"])]
