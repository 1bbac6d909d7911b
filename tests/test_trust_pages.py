"""Trust on the web (issue 4, points 2-4): the place page links each key figure to its
explanation, whose number is the page's; it shows the place's contradicting figures and its
changes; the history page and API list the audit trail; an edit shows at once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lagebild.analysis import trust
from lagebild.analysis.changes import place_history
from lagebild.demo import AS_OF, build_demo
from lagebild.store import Store
from lagebild.store.audit import edit_record
from lagebild.web import WebConfig, create_app

MADAYA = "C2450"  # the demo's illustrative contradiction: 30,000 against 45,000 in January 2017


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path: Path = tmp_path_factory.mktemp("trustpages") / "demo.db"
    store = Store.open(str(path), actor="demo-builder")
    store.migrate()
    build_demo(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def client(demo: Store) -> Iterator[TestClient]:
    with TestClient(create_app(WebConfig(db=str(demo.url)))) as test_client:
        yield test_client


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def explain_links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'<a class="explain" href="([^"]+)"', html)]


def number(text: str) -> float:
    return float(text.replace(",", ""))


def test_every_key_figure_links_to_an_explanation_of_the_same_number(
    client: TestClient,
) -> None:
    html = client.get(f"/places/SY0302?as_of={AS_OF}").text
    links = explain_links(html)
    indicators = {re.search(r"indicator=(\w+)", h).group(1) for h in links}  # type: ignore[union-attr]
    assert {"people_in_need", "reached"} <= indicators
    for href in links:
        shown = re.search(
            rf'href="{re.escape(href).replace("&", "&amp;")}"[^>]*>([^<]+)<', html
        )
        assert shown is not None
        page = client.get(href)
        assert page.status_code == 200, href
        explained = re.search(r'id="explained-value">([^<]+)<', page.text)
        assert explained is not None
        assert number(explained.group(1)) == number(shown.group(1)), href


def test_the_explanation_page_lists_the_records_and_the_api_agrees(client: TestClient) -> None:
    url = f"/explain?pcode={MADAYA}&indicator=people_in_need&as_of={AS_OF}"
    page = text_of(client.get(url).text)
    api = client.get(url.replace("/explain", "/api/explain")).json()
    chosen = api["figures"]["chosen"]
    assert f"{chosen['file_name']}, row {chosen['row_number']}" in page
    for beaten in api["figures"]["beaten"]:
        assert beaten["why"] in page
    assert "People in need: 30,000" in page


def test_the_place_page_shows_its_contradictions_as_the_library_finds_them(
    client: TestClient, demo: Store
) -> None:
    html = client.get(f"/places/{MADAYA}?as_of={AS_OF}").text
    section = html[html.index('id="place-conflicts"') : html.index('id="changes-heading"')]
    found = trust.conflicts(demo, 0.2, None, MADAYA, None, AS_OF)
    assert found, "the demo carries an illustrative contradiction in Madaya"
    assert section.count("<table") == len(found)
    shown = text_of(section)
    for conflict in found:
        for r in conflict.values:
            assert r.source in shown and f"{r.value:,.0f}" in shown
    quiet = client.get(f"/places/SY0100?as_of={AS_OF}").text
    assert "No contradicting figures here or below." in quiet


def test_history_page_and_api_list_the_trail_and_an_edit_appears_at_once(
    client: TestClient, demo: Store
) -> None:
    _, before = place_history(demo, MADAYA)
    api = client.get(f"/api/places/{MADAYA}/history?limit=1000").json()["changes"]
    assert [c["id"] for c in api] == [c.id for c in before]
    assert {c["actor"] for c in api} == {"demo-builder"}
    figure = next(r for r in trust.figure_records(demo) if r.pcode == MADAYA)
    edit_record(demo, "figure", figure.id, {"value": 31000.0}, "<script>alert(1)</script>")
    page = client.get(f"/places/{MADAYA}/history").text
    assert f"value {figure.value:,.0f} -&gt; 31,000" in page or "-> 31,000" in text_of(page)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    newest = client.get(f"/api/places/{MADAYA}/history?limit=1").json()["changes"][0]
    assert (newest["action"], newest["after"]["value"]) == ("edit", 31000.0)
    assert client.get("/api/places/SY99/history").status_code == 404
