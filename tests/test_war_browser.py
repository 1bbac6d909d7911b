"""The map's incident and damage layers in a real browser (issue 5, point 6): headless Chromium,
driven by Playwright, on the demo database served by uvicorn on 127.0.0.1.

The layers are off when the map opens; switched on in Leaflet's layer control, each draws one
marker per feature of its GeoJSON, the switch is kept in the address, and nothing is fetched
from any host but the server's own. Without Chromium or Playwright the test skips, saying why
(with ``CI`` set it fails instead).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import LiveServer, output_dir
from demo_support import demo_database

from lagebild.web import WebConfig, create_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser

TIMEOUT_MS = 15_000




@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, chromium_path: str
) -> Iterator[LiveServer]:
    db = demo_database(tmp_path_factory.mktemp("war-browser"))
    server = LiveServer(create_app(WebConfig(db=db))).start()
    try:
        yield server
    finally:
        server.stop()




def test_the_incident_layer_switches_on_and_shows_a_marker_per_incident(
    live_server: LiveServer, browser: Browser
) -> None:
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    requests: list[str] = []
    errors: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(live_server.url("/map?lang=en"), wait_until="networkidle")
        page.wait_for_selector("#map[data-ready]", state="attached")
        assert page.locator("#map path.map-incident").count() == 0, "the layer starts off"
        control = page.locator(".leaflet-control-layers-overlays label")
        assert control.all_inner_texts() == [
            " Places", " Incidents", " Damage", " Who does what where", " Delivery plan"
        ]  # the plan's layer: an open database's reader may plan
        # What the layer must draw: the GeoJSON the map asks for (the incidents of its window).
        config = json.loads(page.locator("#map-config").text_content() or "{}")
        expected = page.request.get(live_server.url(config["incidents"])).json()
        assert expected["features"], "the demo has incidents in the map's window"

        control.filter(has_text="Incidents").locator("input").check()
        page.wait_for_selector("#map[data-incidents]", state="attached")
        markers = page.locator("#map path.map-incident")
        assert markers.count() == len(expected["features"])
        assert page.locator("#map path.map-attack-on-aid").count() == sum(
            1 for f in expected["features"] if f["properties"]["attack_on_aid"]
        )
        assert parse_qs(urlsplit(page.url).query)["layers"] == ["incidents"]
        markers.last.hover()  # the last drawn is on top
        tip = page.locator(".leaflet-tooltip .map-tip").first
        assert "Fatalities" in tip.inner_text()

        control.filter(has_text="Damage").locator("input").check()
        page.wait_for_selector("#map[data-damage]", state="attached")
        damage = page.request.get(live_server.url(config["damage"])).json()
        assert page.locator("#map path.map-damage").count() == len(damage["features"]) > 0
        page.screenshot(path=str(output_dir("screenshots") / "map-war-layers.png"))

        # The choice is in the address: opening it again draws both layers at once.
        page.goto(page.url, wait_until="networkidle")
        page.wait_for_selector("#map[data-incidents][data-damage]", state="attached")
        assert page.locator("#map path.map-incident").count() == len(expected["features"])
    finally:
        context.close()
    assert errors == []
    foreign = [u for u in requests if not u.startswith(live_server.origin + "/")]
    assert foreign == [], "a request left the host"
