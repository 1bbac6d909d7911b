"""The server-rendered pages, through the ASGI app on the demo database: the numbers shown are the
library's, formatted for the language; cut-off rows stand out; links go up and down the P-code
tree; downloads are what is shown; errors are HTML on pages and JSON under /api/."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from demo_support import demo_database
from fastapi.testclient import TestClient

from lagebild import analysis
from lagebild.analysis import PlaceTree
from lagebild.analysis.overview import besieged_by_party, coverage_by_sector, monthly_reached
from lagebild.demo import AS_OF
from lagebild.publish.language import Language
from lagebild.store import Store
from lagebild.store.places import all_places
from lagebild.web import WebConfig, charts, create_app

LANGUAGES = ("en", "ar", "de")


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The demo database on SQLite, one copy for the module (the pages only read it)."""
    store = Store.open(demo_database(tmp_path_factory.mktemp("pages")))
    yield store
    store.close()


@pytest.fixture(scope="module")
def client(demo_db: Store) -> Iterator[TestClient]:
    with TestClient(create_app(WebConfig(db=str(demo_db.url)))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def tree(demo_db: Store) -> PlaceTree:
    return PlaceTree(all_places(demo_db))


def page(client: TestClient, url: str, lang: str = "en", **params: object) -> str:
    response = client.get(url, params={**params, "lang": lang})
    assert response.status_code == 200, (url, response.text[:500])
    assert response.headers["content-type"].startswith("text/html")
    return response.text


# -- reading the HTML ---------------------------------------------------------------------------


class Elements(HTMLParser):
    """Every element with its attributes and its text (its own and its children's)."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "source", "col", "wbr", "area", "base"}

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str], list[str]]] = []
        self._open: list[tuple[str, dict[str, str], list[str]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = (tag, {k: v or "" for k, v in attrs}, [])
        self.found.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element[2].append(data)

    def select(self, tag: str, **attrs: str) -> list[tuple[dict[str, str], str]]:
        """Elements of ``tag`` whose attributes contain these (``class_`` for ``class``, matched
        as one of the classes)."""
        out = []
        for name, have, text in self.found:
            if name != tag:
                continue
            ok = True
            for key, value in attrs.items():
                key = key.rstrip("_")
                if key == "class":
                    ok = ok and value in have.get("class", "").split()
                else:
                    ok = ok and have.get(key) == value
            if ok:
                out.append((have, " ".join("".join(text).split())))
        return out


def table_rows(text: str, table_id: str) -> list[tuple[dict[str, str], str]]:
    """The body rows of the table with this id: (attributes of the row, its text)."""
    start = text.index(f'id="{table_id}"')
    body = text[start : text.index("</table>", start)]
    body = body[body.index("<tbody>") : body.index("</tbody>")]
    return Elements(body).select("tr")


def links(text: str) -> list[str]:
    return [attrs["href"] for attrs, _ in Elements(text).select("a") if "href" in attrs]


# -- overview -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_overview_shows_the_key_figures_of_situation_with_their_sources_and_dates(
    client: TestClient, demo_db: Store, lang: str
) -> None:
    language = Language(lang)
    total = analysis.situation(demo_db, AS_OF, 30, 1).total
    assert total is not None
    text = page(client, "/", lang)
    cards = Elements(text)
    for column in ("population", "people_in_need", "displaced", "besieged", "hard_to_reach"):
        value = getattr(total, column)
        [(_, card)] = cards.select("li", id=f"figure-{column}")
        assert language.number(value.value) in card, column
        assert language.day(value.date) in card, column
        for source in value.sources:
            assert source in card, (column, source)
    [(_, reached)] = cards.select("li", id="figure-reached")
    assert language.number(total.reached) in reached
    assert language.number(total.reached_upper) in reached


def test_overview_defaults_to_the_end_of_the_data(client: TestClient) -> None:
    text = page(client, "/")
    assert 'value="2017-02-28"' in text and Language("en").day(AS_OF) in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_overview_counts_the_cut_off_places_and_the_people_in_need_in_them(
    client: TestClient, demo_db: Store, lang: str
) -> None:
    language = Language(lang)
    cards = Elements(page(client, "/", lang))
    for level, number in (("adm3", 3), ("adm4", 4)):
        cut = analysis.gaps(demo_db, AS_OF, 30, number).cut_off
        people = sum(r.people_in_need.value for r in cut if r.people_in_need)
        [(_, card)] = cards.select("li", id=f"cut-off-{level}")
        assert language.number(len(cut)) in card and language.number(people) in card
    # The demo's story: nine communities, 88,280 people in need.
    [(_, communities)] = cards.select("li", id="cut-off-adm4")
    assert "88,280" in communities or lang != "en"


def test_overview_lists_the_cut_off_communities_with_their_sources(
    client: TestClient, demo_db: Store
) -> None:
    rows = table_rows(page(client, "/"), "cut-off-communities")
    cut = analysis.gaps(demo_db, AS_OF, 30, 4).cut_off
    assert len(rows) == len(cut) == 9
    for (attrs, text), row in zip(rows, cut, strict=True):
        assert attrs["class"] == "cut-off"
        assert row.name in text and row.people_in_need is not None
        assert row.people_in_need.sources[0] in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_overview_splits_the_besieged_population_by_besieging_party(
    client: TestClient, demo_db: Store, lang: str
) -> None:
    language = Language(lang)
    rows = table_rows(page(client, "/", lang), "besieged-by-party")
    shares = besieged_by_party(demo_db, AS_OF)
    assert [a["data-party"] for a, _ in rows] == [s.party for s in shares]
    for (_, text), share in zip(rows, shares, strict=True):
        assert language.number(share.people) in text
    total = analysis.situation(demo_db, AS_OF, 30, 1).total
    assert total is not None and total.besieged is not None
    assert sum(s.people for s in shares) == total.besieged.value == 643_780


def test_overview_plots_are_inline_svg_with_a_title_and_a_description(client: TestClient) -> None:
    text = page(client, "/")
    svgs = re.findall(r"<svg\b.*?</svg>", text, flags=re.S)
    ids = {re.search(r'id="([^"]+)"', svg).group(1) for svg in svgs}  # type: ignore[union-attr]
    assert {"trend", "coverage-by-sector", "people-by-access", "besieged-by-party"} <= ids
    for svg in svgs:
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
        assert "aria-labelledby" in svg
        # Nothing from elsewhere: the only URL is the SVG namespace.
        assert re.findall(r"https?://[^\"']+", svg) == ["http://www.w3.org/2000/svg"]
    assert "<script" not in text


def test_overview_trend_plots_people_reached_per_month(client: TestClient, demo_db: Store) -> None:
    text = page(client, "/")
    trend = monthly_reached(demo_db, AS_OF, 12)
    assert len(trend) == 12 and trend[-1].month == date(2017, 2, 1)
    svg = re.search(r'<svg[^>]*id="trend".*?</svg>', text, flags=re.S).group(0)  # type: ignore[union-attr]
    language = Language("en")
    for month in trend:
        assert f"{language.month(month.month)}: " in svg
        assert language.number(month.lower) in svg


def test_overview_coverage_by_sector_has_every_sector_reached(
    client: TestClient, demo_db: Store
) -> None:
    text = page(client, "/")
    sectors = coverage_by_sector(demo_db, AS_OF, 30)
    assert {s.sector for s in sectors} == {"food", "health", "nutrition", "shelter", "wash"}
    svg = re.search(r'<svg[^>]*id="coverage-by-sector".*?</svg>', text, flags=re.S).group(0)  # type: ignore[union-attr]
    for row in sectors:
        assert Language("en").percent(row.coverage) in svg


def test_overview_follows_its_date_and_window(client: TestClient, demo_db: Store) -> None:
    when = date(2016, 12, 31)
    text = page(client, "/", as_of=when.isoformat(), window=60)
    total = analysis.situation(demo_db, when, 60, 1).total
    assert total is not None
    [(_, card)] = Elements(text).select("li", id="figure-reached")
    assert Language("en").number(total.reached) in card
    cut = analysis.gaps(demo_db, when, 60, 4).cut_off
    [(_, cut_card)] = Elements(text).select("li", id="cut-off-adm4")
    assert str(len(cut)) in cut_card


def test_plots_mirror_right_to_left() -> None:
    bars = [charts.Bar("a", 10.0), charts.Bar("b", 5.0)]
    ltr = charts.bar_chart("x", bars, title="t", desc="d", fmt=str, width=600, label_width=200)
    rtl = charts.bar_chart(
        "x", bars, title="t", desc="d", fmt=str, rtl=True, width=600, label_width=200
    )
    # The first bar starts after the labels on the left, or ends before them on the right.
    ltr_bar = re.search(r'class="bar" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', ltr)
    rtl_bar = re.search(r'class="bar" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', rtl)
    assert ltr_bar and rtl_bar
    assert float(ltr_bar.group(1)) == 200
    assert float(rtl_bar.group(1)) + float(rtl_bar.group(2)) == 400
    assert 'direction="rtl"' in rtl and 'direction="rtl"' not in ltr


def test_plots_escape_their_words() -> None:
    svg = charts.bar_chart("x", [charts.Bar("<b>&", 1.0)], title="a < b", desc='"q"', fmt=str)
    assert "<b>" not in svg and "&lt;b&gt;&amp;" in svg and "a &lt; b" in svg


# -- gaps ---------------------------------------------------------------------------------------


def test_gaps_page_ranks_the_places_like_gaps_and_marks_the_cut_off_rows(
    client: TestClient, demo_db: Store
) -> None:
    result = analysis.gaps(demo_db, AS_OF, 30, 4)
    rows = table_rows(page(client, "/gaps", level="adm4"), "gaps-table")
    assert [a["data-pcode"] for a, _ in rows] == [r.pcode for r in result.places]
    marked = {a["data-pcode"] for a, _ in rows if "cut-off" in a.get("class", "").split()}
    assert marked == {r.pcode for r in result.cut_off} and len(marked) == 9
    language = Language("en")
    for (_, text), row in zip(rows, result.places, strict=True):
        need = row.people_in_need.value if row.people_in_need else None
        assert language.number(need) in text and language.percent(row.coverage) in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_gaps_page_formats_its_numbers_for_the_language(
    client: TestClient, demo_db: Store, lang: str
) -> None:
    result = analysis.gaps(demo_db, AS_OF, 30, 3)
    language = Language(lang)
    rows = table_rows(page(client, "/gaps", lang, level="adm3"), "gaps-table")
    for (_, text), row in zip(rows, result.places, strict=True):
        if row.people_in_need:
            assert language.number(row.people_in_need.value) in text
        if row.last_delivery:
            assert language.day(row.last_delivery) in text


def test_gaps_rows_link_to_their_place_pages(client: TestClient) -> None:
    text = page(client, "/gaps", level="adm4")
    targets = [h for h in links(text) if h.startswith("/places/")]
    assert "/places/C2450?as_of=2017-02-28" in targets  # Madaya, cut off
    assert client.get("/places/C2450?as_of=2017-02-28").status_code == 200


def test_gaps_controls_choose_level_sector_date_and_window(
    client: TestClient, demo_db: Store
) -> None:
    when = date(2017, 1, 31)
    result = analysis.gaps(demo_db, when, 60, 3, "food")
    text = page(client, "/gaps", as_of=when.isoformat(), window=60, level="adm3", sector="food")
    rows = table_rows(text, "gaps-table")
    assert [a["data-pcode"] for a, _ in rows] == [r.pcode for r in result.places]
    assert '<option value="adm3" selected>' in text
    assert '<option value="food" selected>' in text
    assert 'value="2017-01-31"' in text and 'value="60"' in text


def test_gaps_downloads_are_exactly_what_is_shown(client: TestClient) -> None:
    text = page(client, "/gaps", level="adm4", window=45, sector="food", limit=5, offset=3)
    shown = [a["data-pcode"] for a, _ in table_rows(text, "gaps-table")]
    assert len(shown) == 5
    elements = Elements(text)
    for fmt in ("csv", "hxl"):
        [(attrs, _)] = elements.select("a", id=f"download-{fmt}")
        url = urlsplit(attrs["href"])
        assert url.path == "/api/gaps"
        assert parse_qs(url.query) == {
            "as_of": ["2017-02-28"],
            "window": ["45"],
            "level": ["adm4"],
            "sector": ["food"],
            "limit": ["5"],
            "offset": ["3"],
            "format": [fmt],
        }
        response = client.get(attrs["href"])
        assert response.status_code == 200
        lines = list(csv.reader(io.StringIO(response.text)))
        body = lines[2:] if fmt == "hxl" else lines[1:]
        if fmt == "hxl":
            assert lines[1][0].startswith("#adm4")
        assert [line[0] for line in body] == shown


def test_gaps_page_pages_through_the_table(client: TestClient, demo_db: Store) -> None:
    result = analysis.gaps(demo_db, AS_OF, 30, 4)
    first = page(client, "/gaps", level="adm4", limit=10)
    [(attrs, _)] = [(a, t) for a, t in Elements(first).select("a") if a.get("rel") == "next"]
    second = client.get(attrs["href"]).text
    pcodes = [a["data-pcode"] for a, _ in table_rows(second, "gaps-table")]
    assert pcodes == [r.pcode for r in result.places[10:20]]


# -- places -------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["C2450", "c2450", "Madaya", "madaya", "مضايا"])
def test_places_are_found_by_pcode_or_english_or_arabic_name(
    client: TestClient, query: str
) -> None:
    text = page(client, "/places", q=query)
    found = [a["data-pcode"] for a, _ in table_rows(text, "places-table")]
    assert "C2450" in found and len(found) <= 2  # and the sub-district of the same name
    assert "/places/C2450" in links(text)


def test_places_list_is_paginated(client: TestClient, tree: PlaceTree) -> None:
    first = table_rows(page(client, "/places"), "places-table")
    second = table_rows(page(client, "/places", offset=50), "places-table")
    assert len(first) == 50 and len(second) == len(tree) - 50
    assert {a["data-pcode"] for a, _ in first}.isdisjoint(a["data-pcode"] for a, _ in second)


# -- one place ----------------------------------------------------------------------------------


def test_place_page_links_up_and_down_the_pcode_tree(client: TestClient, tree: PlaceTree) -> None:
    place = tree.get("SY0301")
    assert place is not None
    text = page(client, "/places/SY0301")
    elements = Elements(text)
    up = [a["href"] for a, _ in elements.select("a") if a.get("rel") == "up"]
    down = [a["href"] for a, _ in elements.select("a") if a.get("rel") == "down"]
    assert up == ["/places/SY", "/places/SY03"]
    children = [tree.places[c].pcode for c in tree.children[place.id]]
    assert children and down == [f"/places/{c}" for c in children]
    for href in up + down:
        assert client.get(href).status_code == 200


def test_place_page_shows_figures_over_time_with_their_sources(
    client: TestClient, demo_db: Store
) -> None:
    text = page(client, "/places/C2450")  # Madaya: two figures from two sources
    section = text[text.index('id="figures-over-time"') :]
    tables = re.findall(r'<table class="figures" data-indicator="(\w+)"', section)
    assert {"population", "inneed", "besieged"} <= set(tables)
    besieged = section[section.index('data-indicator="besieged"') :]
    besieged = besieged[: besieged.index("</table>")]
    rows = Elements(besieged).select("tr")[1:]
    assert len(rows) == 2
    newest, older = rows[0][1], rows[1][1]
    assert "30,000" in newest and "current" in newest and "local council estimate" in newest
    assert "40,000" in older and "inter-agency needs assessment" in older
    # The demo grades its sources: the local council estimate is C3 (demo.SOURCE_GRADES).
    assert "02_figures.csv" in newest and "row" in newest and "C3" in newest


def test_place_page_shows_the_current_figure_of_each_indicator(
    client: TestClient, demo_db: Store
) -> None:
    rows = table_rows(page(client, "/places/SY"), "current-figures")
    by_indicator = {a["data-indicator"]: t for a, t in rows}
    assert "13,500,000" in by_indicator["inneed"]
    assert "WFP spokesperson" in by_indicator["inneed"]
    assert "643,780" in by_indicator["besieged"]


def test_place_page_shows_the_access_history_as_a_timeline(client: TestClient) -> None:
    text = page(client, "/places/C2450")
    rows = table_rows(text, "access-history")
    assert [t.split()[0] for _, t in rows] == ["hard", "besieged"]
    assert "Government of Syria and allies" in rows[1][1] and "Jul 4, 2015" in rows[1][1]
    svg = re.search(r'<svg[^>]*id="access-timeline".*?</svg>', text, flags=re.S)
    assert svg and 'class="period besieged"' in svg.group(0)
    assert "<desc" in svg.group(0)


def test_place_page_lists_the_latest_deliveries_in_and_below_it(client: TestClient) -> None:
    text = page(client, "/places/C2450")
    rows = table_rows(text, "deliveries")
    assert len(rows) == 9
    assert "denied" in rows[0][1] and "Feb 20, 2017" in rows[0][1]
    assert rows[0][0]["class"] == "status-denied"
    many = table_rows(page(client, "/places/SY"), "deliveries")
    assert len(many) == 50  # the latest 50 only


def test_place_page_shows_the_arabic_name_in_arabic(client: TestClient) -> None:
    text = page(client, "/places/C2450", "ar")
    [(_, heading)] = Elements(text).select("h1")
    assert heading == "مضايا"
    assert page(client, "/places/C2450", "de").count("<h1") == 1


def test_place_page_says_a_place_is_cut_off(client: TestClient) -> None:
    [(_, card)] = Elements(page(client, "/places/C2450")).select("li", id="place-gap")
    assert "cut off" in card and "Nov 28, 2016" in card


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_unknown_place_is_an_html_404_naming_it(client: TestClient, lang: str) -> None:
    response = client.get("/places/XX9999", params={"lang": lang})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "XX9999" in Elements(response.text).select("p", role="alert")[0][1]
    assert f'<html lang="{lang}"' in response.text


def test_unknown_place_under_api_stays_json(client: TestClient) -> None:
    # in English whatever language an earlier test of this client chose (a cookie)
    response = client.get("/api/places/XX9999?lang=en")
    assert response.status_code == 404
    assert response.json() == {
        "error": "unknown P-code 'XX9999'",
        "status": 404,
        "pcode": "XX9999",
    }


def test_unknown_page_is_html_and_unknown_api_path_json(client: TestClient) -> None:
    page_404 = client.get("/nowhere")
    assert page_404.status_code == 404 and "/nowhere" in page_404.text
    assert page_404.headers["content-type"].startswith("text/html")
    api_404 = client.get("/api/nowhere")
    assert api_404.status_code == 404 and api_404.json() == {"error": "Not Found", "status": 404}


def test_malformed_date_on_a_page_is_an_html_422_naming_the_parameter(client: TestClient) -> None:
    response = client.get("/gaps", params={"as_of": "28.02.2017"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    [(attrs, text)] = Elements(response.text).select("li", **{"data-parameter": "as_of"})
    assert "28.02.2017" in text and "YYYY-MM-DD" in text
    api = client.get("/api/gaps", params={"as_of": "28.02.2017"})
    assert api.status_code == 422 and api.json()["problems"][0]["parameter"] == "as_of"


# -- both databases -----------------------------------------------------------------------------


@pytest.fixture
def any_client(demo_store: Store) -> Iterator[TestClient]:
    """The app on the demo database, on SQLite and on PostgreSQL."""
    url = demo_store.engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(WebConfig(db=url))) as test_client:
        yield test_client


def test_every_page_renders_the_same_numbers_on_sqlite_and_postgresql(
    any_client: TestClient, demo_store: Store
) -> None:
    language = Language("de")
    total = analysis.situation(demo_store, AS_OF, 30, 1).total
    assert total is not None and total.people_in_need is not None
    overview = page(any_client, "/", "de")
    assert "13.500.000" in overview and language.number(total.reached) in overview
    trend = monthly_reached(demo_store, AS_OF, 12)
    assert language.number(trend[-1].lower) in overview
    gaps_rows = table_rows(page(any_client, "/gaps", "de", level="adm4"), "gaps-table")
    assert [a["data-pcode"] for a, _ in gaps_rows] == [
        r.pcode for r in analysis.gaps(demo_store, AS_OF, 30, 4).places
    ]
    assert "C2450" in page(any_client, "/places", "de", q="Madaya")
    madaya = page(any_client, "/places/C2450", "de")
    assert len(table_rows(madaya, "deliveries")) == 9 and "30.000" in madaya


def test_gaps_page_says_how_many_places_below_a_subdistrict_are_besieged(
    client: TestClient,
) -> None:
    # Madaya's two communities are besieged: the sub-district says so, with the count.
    html = client.get("/gaps", params={"level": "adm3", "lang": "en"}).text
    madaya = html[html.index('data-pcode="SY030703"') :]
    madaya = madaya[: madaya.index("</tr>")]
    assert ">besieged</span>" in madaya and "(2 of 2 communities)" in madaya
    german = client.get("/gaps", params={"level": "adm3", "lang": "de"}).text
    assert "(2 von 2 Gemeinden)" in german
