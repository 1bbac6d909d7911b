"""The map's geography and choropleths: OCHA's simplified boundaries shipped with the demo, the
classes of each measure with a "no data" class of their own, the links to a place that keep the
map's date, window and sector, translated sector names, and, in Chromium, a place reached by the
keyboard and the page photographed at two sizes in three languages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import LiveServer, output_dir
from demo_support import demo_database
from fastapi.testclient import TestClient

from lagebild import analysis
from lagebild.demo import AS_OF, BOUNDARIES, feature_pcode
from lagebild.publish.language import Language
from lagebild.store import Store
from lagebild.store.places import all_places, place_geometries
from lagebild.web import WebConfig, create_app

LEVELS = {"adm1": 1, "adm2": 2, "adm3": 3, "adm4": 4}


@pytest.fixture
def demo(demo_path: str) -> Iterator[Store]:
    store = Store.open(demo_path)
    yield store
    store.close()


@pytest.fixture
def client(demo: Store) -> Iterator[TestClient]:
    url = demo.engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(WebConfig(db=url))) as client:
        yield client


def legend(html: str, measure: str) -> dict[str, int]:
    """class -> the count the legend of ``measure`` shows."""
    block = re.search(rf'<ul id="legend-{measure}".*?</ul>', html, re.S)
    assert block, measure
    found = re.findall(r'<li data-class="([^"]+)">.*?class-count">\(([\d,]+)\)', block.group(0))
    return {key: int(count.replace(",", "")) for key, count in found}


# ---- the boundary file ------------------------------------------------------------------------


def test_the_boundary_file_is_a_few_hundred_kb_credits_ocha_and_holds_every_level() -> None:
    size = BOUNDARIES.stat().st_size
    assert 200_000 < size < 600_000, size
    data = json.loads(BOUNDARIES.read_text(encoding="utf-8"))
    assert "OCHA" in data["attribution"] and "CC BY-IGO" in data["license"]
    levels: dict[int, int] = {}
    for feature in data["features"]:
        code = feature_pcode(feature["properties"])
        level = {2: 0, 4: 1, 6: 2, 8: 3}[len(code)]
        levels[level] = levels.get(level, 0) + 1
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    # The COD-AB of 2020-12-17: 14 governorates, 62 districts, 272 sub-districts.
    assert levels == {0: 1, 1: 14, 2: 62, 3: 272}
    numbers = re.findall(r"-?\d+\.\d+", json.dumps([f["geometry"] for f in data["features"]]))
    assert numbers and max(len(n.split(".")[1]) for n in numbers) <= 3


def test_every_demo_place_above_the_communities_has_a_boundary(demo: Store) -> None:
    places = all_places(demo)
    bounded = {place_id for place_id, _ in place_geometries(demo)}
    above = [p for p in places if p.level <= 3]
    assert len(above) == 1 + 14 + 14 + 24
    assert [p.pcode for p in above if p.id not in bounded] == []
    assert all(p.id not in bounded for p in places if p.level == 4)  # communities stay points


# ---- the page -----------------------------------------------------------------------------------


@pytest.mark.parametrize("level", list(LEVELS))
def test_the_map_shows_every_place_of_each_level(
    client: TestClient, demo: Store, level: str
) -> None:
    expected = analysis.gaps(demo, AS_OF, 30, LEVELS[level]).places
    places = {p.pcode: p for p in all_places(demo)}
    bounded = {i for i, _ in place_geometries(demo)}
    located = [
        r for r in expected if places[r.pcode].id in bounded or places[r.pcode].lat is not None
    ]
    html = client.get("/map", params={"level": level}).text
    count = len(located)
    assert f"{count} places on the map" in html
    if level != "adm4":  # every area has a boundary
        assert count == len(expected) and "no coordinates or boundary" not in html


def test_the_legend_classes_count_the_places_and_no_data_is_its_own_class(
    client: TestClient, demo: Store
) -> None:
    rows = analysis.gaps(demo, AS_OF, 30, 1).places
    html = client.get("/map", params={"level": "adm1", "color": "people_in_need"}).text
    pin = [r.people_in_need.value if r.people_in_need else None for r in rows]
    bounds = [0, 10_000, 50_000, 100_000, 500_000, float("inf")]
    expected = {
        str(i): sum(1 for v in pin if v is not None and bounds[i] <= v < bounds[i + 1])
        for i in range(5)
    }
    expected["no_data"] = sum(1 for v in pin if v is None)
    assert legend(html, "people_in_need") == expected
    assert expected["no_data"] == 5  # the governorates the demo gives no people in need
    # Access is recorded on communities; a governorate takes the most severe among its own
    # (tests/test_honest_pictures.py counts them by hand); four have no community at all.
    assert legend(html, "access") == {"accessible": 4, "hard_to_reach": 2, "besieged": 4,
                                      "no_data": 4}
    coverage = legend(html, "coverage")
    assert coverage["no_data"] == sum(1 for r in rows if r.coverage is None)
    assert sum(coverage.values()) == 14
    days = legend(html, "days_without_aid")
    never = sum(1 for r in rows if r.days_without_aid is None and r.people_in_need)
    assert days["never"] == never
    assert days["no_data"] == sum(1 for r in rows if r.days_without_aid is None) - never
    assert days["0"] == sum(1 for r in rows if r.days_without_aid is not None
                            and r.days_without_aid <= 7)
    de = client.get("/map", params={"level": "adm1", "lang": "de"}).text
    assert "Keine Daten" in de and "No data" not in de


def test_the_communities_go_above_the_areas_with_the_same_parameters(client: TestClient) -> None:
    html = client.get(
        "/map", params={"level": "adm3", "as_of": "2017-02-10", "window": "14", "sector": "food"}
    ).text
    config = json.loads(
        unescape(re.search(r'id="map-config">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    )
    points = parse_qs(urlsplit(config["points"]).query)
    assert points == {
        "level": ["adm4"], "as_of": ["2017-02-10"], "window": ["14"], "sector": ["food"]
    }
    assert parse_qs(config["placeQuery"]) == {
        "as_of": ["2017-02-10"], "window": ["14"], "sector": ["food"]
    }
    assert "OCHA" in config["attribution"]
    communities = client.get(config["points"]).json()
    assert communities["level"] == "adm4" and communities["window_days"] == 14
    assert client.get("/map", params={"level": "adm4"}).text.count('"points": ""') == 1


def test_a_place_opened_from_the_map_keeps_date_window_sector_and_links_back(
    client: TestClient, demo: Store
) -> None:
    html = client.get(
        "/places/SY0302", params={"as_of": "2017-02-10", "window": "14", "sector": "food"}
    ).text
    back = re.search(r'id="place-map-link" href="([^"]+)"', html)
    assert back
    assert parse_qs(urlsplit(unescape(back.group(1))).query) == {
        "level": ["adm2"], "as_of": ["2017-02-10"], "window": ["14"], "sector": ["food"],
        "place": ["SY0302"],  # the map opens on the place's area
    }
    assert '<input type="hidden" name="window" value="14">' in html
    assert '<input type="hidden" name="sector" value="food">' in html
    assert "People reached in the last 14 days" in html
    gap = analysis.gaps(demo, AS_OF.replace(day=10), 14, 2, "food")
    reached = next(r.reached for r in gap.places if r.pcode == "SY0302")
    assert f"{reached:,.0f}" in html


@pytest.mark.parametrize("code", ["en", "ar", "de"])
def test_sector_names_are_words_of_the_page_language(client: TestClient, code: str) -> None:
    html = client.get("/map", params={"lang": code, "sector": "food"}).text
    words = Language(code).gettext
    assert f'<option value="food" selected>{words("Food security")}</option>' in html
    assert ">food<" not in html and ">wash<" not in html


# ---- in Chromium --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[Any]:
    db = demo_database(tmp_path_factory.mktemp("map"))
    server = LiveServer(create_app(WebConfig(db=db))).start()
    try:
        yield server
    finally:
        server.stop()


def test_tab_reaches_a_place_and_enter_opens_it_with_the_map_parameters(
    live_server: LiveServer, browser: Any
) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server.url("/map?level=adm2&as_of=2017-02-20&window=21&lang=en"))
    page.wait_for_selector("#map[data-ready]")
    first = page.locator("#map path.map-place[tabindex='0']").first
    first.wait_for()
    for _ in range(60):  # Tab from the top of the page until a place has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('map-place')"):
            break
    pcode = page.evaluate("document.activeElement.getAttribute('data-pcode')")
    assert pcode, "Tab never reached a place on the map"
    stroke = page.evaluate("getComputedStyle(document.activeElement).stroke")
    assert stroke == "rgb(11, 87, 208)"  # the visible focus
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert label and ":" in label
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/places/{pcode}\?"))
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"as_of": ["2017-02-20"], "window": ["21"]}
    assert errors == []
    page.close()


@pytest.mark.parametrize("code", ["en", "ar", "de"])
@pytest.mark.parametrize("size", [(1366, 800), (390, 844)])
def test_the_map_photographed_with_its_classes(
    live_server: LiveServer, browser: Any, code: str, size: tuple[int, int]
) -> None:
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(live_server.url(f"/map?level=adm3&color=people_in_need&lang={code}"))
    page.wait_for_selector("#map[data-ready]")
    page.wait_for_selector("#map[data-communities]")
    classes = page.eval_on_selector_all(
        "#map path.map-place", "els => els.map(e => e.getAttribute('data-class'))"
    )
    assert len(classes) == 24 and "no_data" in classes
    folder: Path = output_dir("map")
    page.screenshot(path=str(folder / f"map-adm3-{code}-{size[0]}.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#map-png")
    target = folder / f"map-export-{code}-{size[0]}.png"
    download.value.save_as(str(target))
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and target.stat().st_size > 10_000
    page.close()


#: The box of the map of the element with this id and the box of the country's outline as
#: drawn, in the page's pixels; with the boxes of the presence map's circles.
MEASURE_OUTLINE = """(id) => {
  const frame = document.getElementById(id).getBoundingClientRect();
  const parts = [...document.querySelectorAll(`#${id} path.map-outline`)]
    .map(p => p.getBoundingClientRect());
  const circles = [...document.querySelectorAll(`#${id} path.presence-circle`)]
    .map(p => p.getBoundingClientRect())
    .map(r => [r.left + r.width / 2, r.top + r.height / 2]);
  return {frame: [frame.left, frame.top, frame.right, frame.bottom],
          outline: [Math.min(...parts.map(r => r.left)), Math.min(...parts.map(r => r.top)),
                    Math.max(...parts.map(r => r.right)), Math.max(...parts.map(r => r.bottom))],
          parts: parts.length, circles: circles};
}"""


def assert_the_country_fills_the_frame(found: dict[str, Any], where: str) -> None:
    """The outline whole inside the map's box, filling it along one side (fitted: not zoomed
    past the outline, nor out to the world)."""
    assert found["parts"] >= 1, where
    (f_left, f_top, f_right, f_bottom), (left, top, right, bottom) = (
        found["frame"],
        found["outline"],
    )
    assert f_left <= left and right <= f_right, (where, found)
    assert f_top <= top and bottom <= f_bottom, (where, found)
    filled = max((right - left) / (f_right - f_left), (bottom - top) / (f_bottom - f_top))
    assert filled > 0.5, (where, found)


@pytest.mark.parametrize("code", ["en", "ar"])
@pytest.mark.parametrize("size", [(1366, 800), (390, 844)])
def test_every_level_opens_on_the_whole_country_inside_the_frame(
    live_server: LiveServer, browser: Any, code: str, size: tuple[int, int]
) -> None:
    """The first view of each level, the communities' too, shows the country's outline whole
    inside the map's box, and fills the box along one side (fitted, not the world)."""
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    folder: Path = output_dir("map")
    try:
        for level in LEVELS:
            page.goto(live_server.url(f"/map?level={level}&lang={code}"))
            page.wait_for_selector("#map[data-ready]")
            assert_the_country_fills_the_frame(page.evaluate(MEASURE_OUTLINE, "map"), level)
            page.screenshot(path=str(folder / f"first-view-{level}-{code}-{size[0]}.png"))
    finally:
        page.close()


#: The pages with the small map of who does what where: the country's, one level's and sector's,
#: and an organisation's own.
PRESENCE_PAGES = {
    "presence": "/presence",
    "presence-adm3-food": "/presence?level=adm3&sector=food",
    "organisation": "/organisations/sarc",
}


@pytest.mark.parametrize("code", ["en", "ar", "de"])
@pytest.mark.parametrize("size", [(1366, 800), (390, 844)])
def test_the_presence_map_opens_on_the_whole_country_inside_the_frame(
    live_server: LiveServer, browser: Any, code: str, size: tuple[int, int]
) -> None:
    """The small map of who does what where is framed as ``/map`` is: the country's outline
    whole in the map's box and filling it along one side, every circle inside the box."""
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    folder: Path = output_dir("map")
    try:
        for name, path in PRESENCE_PAGES.items():
            joiner = "&" if "?" in path else "?"
            page.goto(live_server.url(f"{path}{joiner}lang={code}"))
            page.wait_for_selector("#presence-map[data-ready]", state="attached")
            found = page.evaluate(MEASURE_OUTLINE, "presence-map")
            assert_the_country_fills_the_frame(found, name)
            f_left, f_top, f_right, f_bottom = found["frame"]
            assert found["circles"], name
            outside = [(x, y) for x, y in found["circles"]
                       if not (f_left <= x <= f_right and f_top <= y <= f_bottom)]  # fmt: skip
            assert outside == [], (name, found)
            page.locator("#presence-map").screenshot(
                path=str(folder / f"first-view-{name}-{code}-{size[0]}.png")
            )
    finally:
        page.close()


@pytest.mark.parametrize("size", [(1366, 800), (390, 844)])
def test_a_place_opened_on_the_map_is_its_area_inside_the_frame(
    live_server: LiveServer, browser: Any, demo: Store, size: tuple[int, int]
) -> None:
    """"On the map" of a place's page opens the map on the place's area (a community: its
    sub-district's), the area whole in the frame and filling it along one side; the country's
    outline then runs past the frame. An unknown P-code says so and shows the whole country."""
    from lagebild.analysis.tree import PlaceTree
    from lagebild.web.mapview import geometry_box

    tree = PlaceTree(all_places(demo))
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    try:
        for pcode in ("SY03", "SY0302", "C2450"):
            page.goto(live_server.url(f"/places/{pcode}?lang=de"))
            page.click("#place-map-link")
            page.wait_for_selector("#map[data-ready]")
            place = tree.get(pcode)
            assert place is not None
            area = next(p for p in tree.chain(place.id) if p.level <= 3)
            geometry = dict(place_geometries(demo, area.level))[area.id]
            assert geometry_box(json.loads(geometry)) is not None  # an area, not a point
            corners = page.evaluate(
                """() => {
                  const frame = document.getElementById('map').getBoundingClientRect();
                  const outline = document.querySelector('#map path.map-outline')
                    .getBoundingClientRect();
                  return {frame: [frame.width, frame.height],
                          outline: [outline.width, outline.height]};
                }"""
            )
            frame, outline = corners["frame"], corners["outline"]
            # Zoomed in on the area: the country is larger than the frame.
            assert outline[0] > frame[0] or outline[1] > frame[1], (pcode, corners)
            if area.pcode == pcode:  # an area of its own: drawn whole, filling the frame
                drawn = page.evaluate(
                    """(pcode) => {
                      const frame = document.getElementById('map').getBoundingClientRect();
                      const r = document.querySelector(`#map path.map-place[data-pcode="${pcode}"]`)
                        .getBoundingClientRect();
                      return [r.left - frame.left, r.top - frame.top, frame.right - r.right,
                              frame.bottom - r.bottom, r.width / frame.width,
                              r.height / frame.height];
                    }""",
                    pcode,
                )
                assert min(drawn[:4]) >= -0.5, (pcode, drawn)
                assert max(drawn[4:]) > 0.5, (pcode, drawn)
            else:  # a community: its point in the frame
                inside = page.evaluate(
                    """(pcode) => {
                      const frame = document.getElementById('map').getBoundingClientRect();
                      const r = document.querySelector(`#map [data-pcode="${pcode}"]`)
                        .getBoundingClientRect();
                      return frame.left <= r.left && r.right <= frame.right &&
                             frame.top <= r.top && r.bottom <= frame.bottom;
                    }""",
                    pcode,
                )
                assert inside, pcode
            page.screenshot(path=str(output_dir("map") / f"place-{pcode}-de-{size[0]}.png"))
        answer = page.goto(live_server.url("/map?level=adm1&place=XX99&lang=de"))
        assert answer is not None and answer.status == 422
        assert page.locator("p.problem").count() == 1
    finally:
        page.close()
