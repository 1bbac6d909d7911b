"""Honest pictures: coverage drawn on a 0-100 % track with its value written (one decimal below
1 %), places without data a category of their own in gaps (table, downloads, page, overview),
the access of an area summarised from its communities (gaps and the access map at every
level), and the presence layer on the map; in Chromium, the charts measured and photographed
in three languages.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from browser_support import LiveServer, output_dir
from demo_support import demo_database
from fastapi.testclient import TestClient

from lagebild import analysis
from lagebild.analysis.figures import FigureValue
from lagebild.analysis.gaps import is_no_data, missing_data
from lagebild.demo import AS_OF
from lagebild.publish.language import Language
from lagebild.store import Store
from lagebild.web import WebConfig, create_app

LANGUAGES = ("en", "ar", "de")

#: The demo's access on AS_OF per governorate, counted by hand from its access records (the
#: latest change of each of its 36 communities on or before 28 February 2017).
BY_HAND_ADM1 = {
    "SY01": {"besieged": 1, "accessible": 1},  # Yarmuk; Damascus
    "SY02": {"accessible": 1},  # Aleppo: besieged from 2016-07-17, accessible from 2016-12-22
    "SY03": {"besieged": 17, "hard_to_reach": 4, "accessible": 1},  # Rif Dimashq, 22 communities
    "SY04": {"hard_to_reach": 2, "accessible": 1},  # Ar-Rastan, Talbiseh; Homs
    "SY05": {"accessible": 1},
    "SY06": {"accessible": 1},
    "SY07": {"besieged": 2, "hard_to_reach": 1},  # Foah, Kafraya; Idleb
    "SY09": {"besieged": 1},
    "SY10": {"accessible": 1},
    "SY11": {"hard_to_reach": 1},  # Ar-Raqqa
}


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


def expected_coverage(client: TestClient) -> dict[str, float]:
    """Sector -> coverage over the country, from /api/gaps (reached, the sector's people in
    need) and /api/situation (the inter-sector people in need, where a sector has none)."""
    total = client.get("/api/situation", params={"level": "adm1"}).json()["total"]
    inter = total["people_in_need"]["value"]
    found = {}
    for sector in ("food", "health", "nutrition", "shelter", "wash"):
        row = client.get("/api/gaps", params={"level": "country", "sector": sector}).json()
        place = row["places"][0]
        need = place["people_in_need"] or inter
        found[sector] = place["reached"] / need
    return found


def bars_of(html: str, chart_id: str) -> list[dict[str, Any]]:
    svg = re.search(rf'<svg class="chart bars[^"]*" id="{chart_id}".*?</svg>', html, re.S)
    assert svg, chart_id
    body = svg.group(0)
    tracks = re.findall(r'<rect class="track" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', body)
    bars = re.findall(r'<rect class="bar coverage" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"'
                      r'.*?<title>(.*?)</title>', body)  # fmt: skip
    values = re.findall(r'class="value">(.*?)</text>', body)
    assert len(tracks) == len(bars) == len(values)
    return [
        {"track": float(t[1]), "bar": float(b[1]), "tip": unescape(b[2]), "value": unescape(v)}
        for t, b, v in zip(tracks, bars, values, strict=True)
    ]


# ---- coverage by sector -----------------------------------------------------------------------


@pytest.mark.parametrize("code", LANGUAGES)
def test_coverage_bars_are_shares_of_a_full_track_with_their_value_written(
    client: TestClient, code: str
) -> None:
    expected = expected_coverage(client)
    lang = Language(code)
    html = client.get("/", params={"lang": code}).text
    # The wide drawing and the narrow one (for a phone) draw the same shares.
    wide, narrow = bars_of(html, "coverage-by-sector"), bars_of(html, "coverage-by-sector-narrow")
    assert [b["value"] for b in wide] == [b["value"] for b in narrow]
    for one, other in zip(wide, narrow, strict=True):
        assert one["bar"] / one["track"] == pytest.approx(other["bar"] / other["track"], abs=0.001)
    bars = wide
    assert len(bars) == len(expected)
    by_value = sorted(expected.values(), key=lambda v: -v)
    for bar in bars:
        share = bar["bar"] / bar["track"]
        # The bar is the share of the whole track (not of the largest bar) ...
        match = min(expected.values(), key=lambda v: abs(v - share))
        assert share == pytest.approx(match, abs=0.001), bar
        # ... and the number written beside it is that share in the page's notation.
        assert bar["value"] == lang.percent(match)
    assert by_value[0] == pytest.approx(1_120_000 / 13_500_000)  # food, about 8 %
    assert bars[0]["bar"] / bars[0]["track"] < 0.1  # a long way from a full bar
    health = expected["health"]
    assert 0.001 < health < 0.01
    written = [b["value"] for b in bars]
    assert lang.percent(health) in written
    # Arabic pages write Arabic-Indic digits and the Arabic percent sign by default.
    assert {"en": "0.4%", "ar": "٠٫٤٪", "de": "0,4\xa0%"}[code] in written


def test_percent_has_one_decimal_below_one_percent_in_each_language() -> None:
    assert [Language(c).percent(0.004) for c in LANGUAGES] == ["0.4%", "٠٫٤٪", "0,4\xa0%"]
    assert [Language(c).percent(0.083) for c in LANGUAGES] == ["8%", "٨٪", "8\xa0%"]
    assert Language("ar", digits="latn").percent(0.004) == "0.4%"  # ?digits=latn
    assert Language("en").percent(0.0) == "0%"  # nothing reached is nothing, not "0.0%"
    assert Language("en").percent(0.0004) == "0.0%"  # above nothing, below a tenth of one
    assert Language("en").percent(None) == "–"


def test_the_command_line_table_writes_small_coverage_with_a_decimal() -> None:
    from lagebild.publish.render import to_table
    from lagebild.publish.tables import gap_columns

    columns = [c for c in gap_columns("adm3") if c.key in ("pcode", "coverage")]
    table = to_table(columns, [{"pcode": "A", "coverage": 0.004}, {"pcode": "B", "coverage": 0.08}])
    assert "0.4%" in table and " 8%" in table and "0%" not in table.replace("0.4%", "")


# ---- no data ----------------------------------------------------------------------------------


def test_the_no_data_rule() -> None:
    need = FigureValue(100.0, "own", AS_OF)
    assert missing_data(None, None, True) == ["people_in_need", "deliveries"]
    assert is_no_data(missing_data(None, AS_OF, True))  # need unknown: the gap is unknown
    assert is_no_data(missing_data(need, None, False))  # never reached, access unknown
    assert not is_no_data(missing_data(need, None, True))  # never reached but known: cut off
    assert not is_no_data(missing_data(need, AS_OF, False))
    assert missing_data(need, AS_OF, True) == []


@pytest.mark.parametrize(("level", "pcode"), [(3, "SY110100"), (4, "C5710")])
def test_ar_raqqa_is_no_data_hard_to_reach_and_comes_after_the_ranked_places(
    demo: Store, level: int, pcode: str
) -> None:
    result = analysis.gaps(demo, AS_OF, 30, level)
    row = next(r for r in result.places if r.pcode == pcode)
    data = row.as_dict()
    assert data["data"] == "no_data"
    assert data["data_missing"] == ["people_in_need", "deliveries"]
    assert data["access_most_severe"] == "hard_to_reach"
    assert data["access_communities"] == "hard_to_reach (1 of 1 community)"
    assert not row.cut_off  # no people in need known: not counted as cut off either
    measured = [r for r in result.places if r.people_in_need is not None]
    assert result.places[: len(measured)] == measured  # the unmeasured come last
    assert [r.pcode for r in result.no_data] == [pcode]
    if level == 4:
        assert data["access"] == "hard_to_reach"  # the community's own record
    else:
        assert data["access"] is None  # the sub-district has no record of its own


def test_the_gaps_downloads_carry_the_data_and_access_columns(client: TestClient) -> None:
    text = client.get("/api/gaps", params={"level": "adm3", "format": "hxl"}).text
    rows = list(csv.reader(io.StringIO(text)))
    header, tags = rows[0], rows[1]
    assert "#status+data" in tags and "#access+communities" in tags and "#meta+missing" in tags
    by_code = {r[0]: dict(zip(header, r, strict=True)) for r in rows[2:]}
    raqqa = by_code["SY110100"]
    assert raqqa["Data"] == "no_data"
    assert raqqa["Data missing"] == "people_in_need; deliveries"
    assert raqqa["Access of its communities"] == "hard_to_reach (1 of 1 community)"
    assert by_code["SY030703"]["Data"] == "ok"
    assert by_code["SY030703"]["Access of its communities"] == "besieged (2 of 2 communities)"
    api = client.get("/api/gaps", params={"level": "adm3"}).json()
    assert api["no_data"] == 1
    # The contract's fields keep their meaning: access is the place's own or its parent's.
    assert all(p["access"] is None for p in api["places"])
    assert set(api["places"][0]) >= {"pcode", "name", "level", "access", "people_in_need",
                                     "reached", "coverage", "last_delivery",
                                     "days_without_aid", "cut_off"}  # fmt: skip


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_gaps_page_lists_the_places_without_data_in_their_own_section(
    client: TestClient, code: str
) -> None:
    words = Language(code).gettext
    html = client.get("/gaps", params={"level": "adm3", "lang": code}).text
    section = re.search(r'<section id="no-data".*?</section>', html, re.S)
    assert section
    assert 'data-place="SY110100"' in section.group(0)
    assert words("people in need unknown") in section.group(0)
    assert words("no delivery on record") in section.group(0)
    assert section.group(0).count("data-place=") == 1
    row = re.search(r'<tr class="[^"]*no-data" data-pcode="SY110100".*?</tr>', html, re.S)
    assert row and words("no data") in row.group(0)
    madaya = re.search(r'<tr class="cut-off" data-pcode="SY030703".*?</tr>', html, re.S)
    assert madaya and words("besieged") in madaya.group(0)


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_overview_counts_the_places_without_data(client: TestClient, code: str) -> None:
    html = client.get("/", params={"lang": code}).text
    for level in ("adm3", "adm4"):
        card = re.search(rf'<li class="card no-data" id="no-data-{level}">.*?</li>', html, re.S)
        assert card, level
        assert f'<strong class="value">{Language(code).number(1)}</strong>' in card.group(0)
        assert "SY110100" in card.group(0) or "C5710" in card.group(0)
        assert Language(code).gettext("hard to reach") in card.group(0)


# ---- the access of an area ----------------------------------------------------------------------


def test_each_governorate_summarises_its_communities_as_counted_by_hand(demo: Store) -> None:
    result = analysis.gaps(demo, AS_OF, 30, 1)
    found = {}
    for row in result.places:
        summary = row.as_dict()["access_summary"]
        if summary is not None:
            found[row.pcode] = summary
            assert summary["unknown"] == 0  # every demo community has a record
    assert {code: s["counts"] for code, s in found.items()} == BY_HAND_ADM1
    rif = found["SY03"]
    assert (rif["status"], rif["count"], rif["communities"]) == ("besieged", 17, 22)
    homs = next(r for r in result.places if r.pcode == "SY04").as_dict()
    assert homs["access_communities"] == "hard_to_reach (2 of 3 communities)"
    assert sum(s["communities"] for s in found.values()) == 36


def test_the_access_map_colours_every_level_by_its_communities(client: TestClient) -> None:
    from test_map_choropleth import legend

    html = client.get("/map", params={"level": "adm1", "color": "access"}).text
    worst = {"besieged": 0, "hard_to_reach": 0, "accessible": 0}
    for counts in BY_HAND_ADM1.values():
        worst[next(s for s in worst if counts.get(s))] += 1
    assert legend(html, "access") == {**worst, "no_data": 14 - len(BY_HAND_ADM1)}
    assert worst == {"besieged": 4, "hard_to_reach": 2, "accessible": 4}
    assert 'id="legend-access-note"' in html
    for level in ("adm2", "adm3", "adm4"):
        counts = legend(client.get("/map", params={"level": level}).text, "access")
        rows = client.get("/api/gaps", params={"level": level}).json()["places"]
        for status in worst:
            assert counts[status] == sum(1 for r in rows if r["access_most_severe"] == status)
        assert counts["no_data"] == sum(1 for r in rows if r["access_most_severe"] is None)
        if level != "adm2":  # every sub-district and community of the demo has a status
            assert counts["no_data"] == 0


# ---- in Chromium ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[Any]:
    db = demo_database(tmp_path_factory.mktemp("honest"))
    server = LiveServer(create_app(WebConfig(db=db))).start()
    try:
        yield server
    finally:
        server.stop()


MEASURE_BARS = """svg => {
  const track = [...svg.querySelectorAll('rect.track')].map(r => r.getBoundingClientRect());
  const bars = [...svg.querySelectorAll('rect.bar')].map(r => r.getBoundingClientRect());
  const labels = [...svg.querySelectorAll('text.label')].map(t => t.getBoundingClientRect());
  const box = svg.getBoundingClientRect();
  return {track: track.map(r => [r.left, r.right, r.width, r.top]),
          bars: bars.map(r => r.width),
          labels: labels.map(r => [r.left, r.right, r.top]),
          box: [box.left, box.right]};
}"""


@pytest.mark.parametrize("code", LANGUAGES)
def test_charts_measured_in_chromium_bars_in_proportion_labels_whole(
    live_server: LiveServer, browser: Any, code: str
) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 800})
    folder: Path = output_dir("honest")
    try:
        page.goto(live_server.url(f"/?lang={code}"))
        expected = sorted(
            expected_coverage_live(page, live_server).values(), key=lambda v: -v
        )
        for chart in ("coverage-by-sector", "people-by-access", "besieged-by-party"):
            found = page.eval_on_selector(f"#{chart}", MEASURE_BARS)
            left, right = found["box"]
            for label in found["labels"]:
                assert left - 0.5 <= label[0] and label[1] <= right + 0.5, (chart, label)
                # no label runs into its bar's track
                track = min(found["track"], key=lambda t: abs(t[3] - label[2]))
                if code == "ar":
                    assert label[0] >= track[1] - 0.5, (chart, label, track)
                else:
                    assert label[1] <= track[0] + 0.5, (chart, label, track)
            if chart == "coverage-by-sector":
                pairs = zip(found["bars"], found["track"], strict=True)
                shares = sorted((b / t[2] for b, t in pairs), key=lambda v: -v)
                assert shares == pytest.approx(expected, abs=0.002)
        page.locator("#plot-sectors").screenshot(path=str(folder / f"coverage-{code}.png"))
        page.screenshot(path=str(folder / f"overview-{code}-1366.png"), full_page=True)
        page.goto(live_server.url(f"/gaps?level=adm3&lang={code}"))
        assert page.locator("#no-data-table tbody tr").count() == 1
        page.screenshot(path=str(folder / f"gaps-adm3-{code}-1366.png"), full_page=True)
    finally:
        page.close()


#: Every plot on a page as the browser shows it: its box, the drawing shown, its text.
MEASURE_PLOTS = """() => [...document.querySelectorAll('figure.plot')].map(figure => {
  const svg = [...figure.querySelectorAll('svg.chart')].find(s => s.getBoundingClientRect().width);
  const box = svg.getBoundingClientRect();
  const scale = svg.getScreenCTM().a;
  const texts = [...svg.querySelectorAll('text')].map(t => {
    const r = t.getBoundingClientRect();
    return [r.left, r.right, r.top, r.bottom, parseFloat(getComputedStyle(t).fontSize) * scale,
            t.textContent];
  });
  const rects = (sel) => [...svg.querySelectorAll(sel)].map(r => {
    const b = r.getBoundingClientRect(); return [b.left, b.right, b.top, b.bottom]; });
  return {figure: figure.id, id: svg.id, scroll: [figure.scrollWidth, figure.clientWidth],
          box: [box.left, box.right], texts, labels: rects('text.label'),
          tracks: rects('rect.track'), bars: rects('rect.bar')};
})"""


@pytest.mark.parametrize("code", LANGUAGES)
def test_charts_on_a_phone_are_drawn_for_its_width_without_scrolling(
    live_server: LiveServer, browser: Any, code: str
) -> None:
    """At 390 px every plot of the overview and of a place's page is its narrow drawing: no
    sideways scroll in its box, every word inside the plot at 11 px or more, a bar's label
    above its bar, coverage bars the shares of a full track, growing from the reading start."""
    page = browser.new_page(viewport={"width": 390, "height": 844})
    folder: Path = output_dir("honest")
    expected = sorted(expected_coverage_live(page, live_server).values(), key=lambda v: -v)
    try:
        for path, name in (("/", "overview"), ("/places/C2450", "place")):
            page.goto(live_server.url(f"{path}?lang={code}"))
            plots = page.evaluate(MEASURE_PLOTS)
            assert len(plots) == {"overview": 4, "place": 2}[name]
            for plot in plots:
                where = (name, plot["figure"])
                assert plot["id"].endswith("-narrow"), where
                assert plot["scroll"][0] <= plot["scroll"][1], where  # no sideways scroll
                left, right = plot["box"]
                assert right - left > 300, where  # as wide as the box, not a thumbnail
                for x0, x1, _, _, size, words in plot["texts"]:
                    assert left - 0.5 <= x0 and x1 <= right + 0.5, (where, words)
                    assert size >= 11, (where, words, size)
                for _, _, _, bottom in plot["labels"]:
                    track = min((t for t in plot["tracks"] if t[2] >= bottom - 0.5),
                                key=lambda t: t[2])  # fmt: skip
                    assert track[2] - bottom < 12, where  # the label just above its bar
            coverage = [p for p in plots if p["id"] == "coverage-by-sector-narrow"]
            if name == "overview":
                (plot,) = coverage
                pairs = list(zip(plot["bars"], plot["tracks"], strict=True))
                shares = sorted(((b[1] - b[0]) / (t[1] - t[0]) for b, t in pairs),
                                key=lambda v: -v)  # fmt: skip
                assert shares == pytest.approx(expected, abs=0.004)
                for bar, track in pairs:  # Arabic mirrored: bars grow from the right
                    edge = (bar[1], track[1]) if code == "ar" else (bar[0], track[0])
                    assert edge[0] == pytest.approx(edge[1], abs=0.5)
            page.screenshot(path=str(folder / f"{name}-{code}-390.png"), full_page=True)
    finally:
        page.close()


def expected_coverage_live(page: Any, server: LiveServer) -> dict[str, float]:
    total = page.request.get(server.url("/api/situation?level=adm1")).json()["total"]
    found = {}
    for sector in ("food", "health", "nutrition", "shelter", "wash"):
        place = page.request.get(
            server.url(f"/api/gaps?level=country&sector={sector}")
        ).json()["places"][0]
        found[sector] = place["reached"] / (place["people_in_need"] or
                                            total["people_in_need"]["value"])  # fmt: skip
    return found


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_presence_layer_switches_on_with_a_circle_per_place(
    live_server: LiveServer, browser: Any, code: str
) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(live_server.url(f"/map?level=adm2&color=access&lang={code}"))
        page.wait_for_selector("#map[data-ready]", state="attached")
        config = json.loads(page.locator("#map-config").text_content() or "{}")
        expected = page.request.get(live_server.url(config["presence"])).json()
        assert expected["features"], "the demo has deliveries in the map's window"
        assert expected["level"] == "adm2"
        name = Language(code).gettext("Who does what where")
        control = page.locator(".leaflet-control-layers-overlays label").filter(has_text=name)
        control.locator("input").check()
        page.wait_for_selector("#map[data-presence]", state="attached")
        assert page.locator("#map path.map-presence").count() == len(expected["features"])
        assert "layers=presence" in page.url
        page.screenshot(path=str(output_dir("honest") / f"map-presence-{code}.png"))
    finally:
        page.close()
    assert errors == []


@pytest.mark.parametrize("code", LANGUAGES)
def test_date_labels_of_a_year_neither_touch_nor_leave_the_narrow_plot(code: str) -> None:
    from datetime import date

    from lagebild.web.charts import NARROW_WIDTH, date_labels, text_width

    lang = Language(code)
    labels = [lang.month(date(2016, m, 1)) for m in range(3, 13)] + [
        lang.month(date(2017, m, 1)) for m in (1, 2)
    ]
    left, right = 60.0, NARROW_WIDTH - 16.0

    def px(i: int) -> float:
        return left + (right - left) * i / (len(labels) - 1)

    chosen = date_labels(labels, px, 0, NARROW_WIDTH)
    assert chosen[-1] == (11, "end")  # the newest month is always written
    assert len(chosen) >= 2
    spans = []
    for i, anchor in chosen:
        w = text_width(labels[i])
        x0 = {"start": px(i), "middle": px(i) - w / 2, "end": px(i) - w}[anchor]
        spans.append((x0, x0 + w))
    assert all(0 <= a and b <= NARROW_WIDTH for a, b in spans)
    assert all(spans[k][1] < spans[k + 1][0] for k in range(len(spans) - 1))


def test_the_marker_date_of_a_timeline_stays_inside_the_plot() -> None:
    from datetime import date

    from lagebild.web.charts import NARROW_WIDTH, Segment, text_width, timeline

    words = "as of 20 February 2017, a long date"
    svg = timeline(
        "t",
        [Segment(date(2016, 1, 1), date(2017, 3, 1), "besieged", "besieged")],
        start=date(2016, 1, 1),
        end=date(2017, 3, 1),
        title="t",
        desc="d",
        day=date.isoformat,
        marker=date(2017, 2, 20),  # near the end: a centred label would run out
        marker_label=words,
    )
    narrow = svg[svg.index('id="t-narrow"') :]
    found = re.search(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="middle" class="axis">'
                      + re.escape(words), narrow)  # fmt: skip
    assert found
    middle = float(found.group(1))
    assert middle + text_width(words) / 2 <= NARROW_WIDTH - 8 + 0.1
