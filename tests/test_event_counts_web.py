"""Conflict events other sources counted (HDX HAPI's, imported as ``event_counts``) on the web.

``/api/incidents/counted`` gives the JSON of ``lagebild incidents --counted --format json`` for
the same filters; the public sees small fatality counts suppressed and no sources, as the HDX
export writes them. ``/incidents`` shows the counts in a section of their own, kept apart from
the incidents (never added to their totals), paged, in English, Arabic and German, with the
numbers the database holds; without counts for the page's place and period there is no section.
In Chromium, at 1366x800 and 390x844, the section is there and the page does not scroll sideways
(the checks of test_small_screens); screenshots go to ``test-output/event-counts/``.

The counts are a HAPI-shaped file (the header of test_event_counts) over six months of the demo
scenario in five of its districts, with numbers of our own: 90 counts, two pages of the section.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sqlite3
from collections.abc import Iterator
from itertools import product
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from browser_support import LiveServer, output_dir
from click.testing import CliRunner
from demo_support import demo_database
from fastapi.testclient import TestClient
from test_event_counts import HAPI_HEADER, IDS

from lagebild.cli import main
from lagebild.publish.language import Language
from lagebild.publish.words import COUNTED_EVENT_TYPE_WORDS
from lagebild.security import protocol as sharing
from lagebild.web import WebConfig, create_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser

SOURCE = "HDX HAPI (ACLED)"
DISTRICTS = ("SY0200", "SY0302", "SY0307", "SY0700", "SY0901")
TYPES = ("political_violence", "civilian_targeting", "demonstration")
MONTHS = (
    ("2016-09-01", "2016-09-30"), ("2016-10-01", "2016-10-31"), ("2016-11-01", "2016-11-30"),
    ("2016-12-01", "2016-12-31"), ("2017-01-01", "2017-01-31"), ("2017-02-01", "2017-02-28"),
)  # fmt: skip
#: Rows of the section per page (web/incidents.py's COUNTED_PER_PAGE).
PER_PAGE = 50
THRESHOLD = sharing.default().threshold
ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")

Count = tuple[str, str, str, str, int, int | None]


def counts() -> list[Count]:
    """(district, type, start, end, events, fatalities): fatalities 0, below the threshold, at
    or above it, and once not given."""
    rows: list[Count] = []
    for i, (district, kind, (start, end)) in enumerate(product(DISTRICTS, TYPES, MONTHS)):
        killed = None if i == 5 else (i * 11) % 37
        rows.append((district, kind, start, end, (i * 7) % 31 + 1, killed))
    return rows


def hapi_text(rows: list[Count]) -> str:
    lines = [
        f"SYR,Y,Y,,,{d[:4]},,{d},,2,{kind},{events},{'' if killed is None else killed},"
        f"{start},{end},{IDS},,"
        for d, kind, start, end, events, killed in rows
    ]
    return HAPI_HEADER + "\n".join(lines) + "\n"


def run(db: str, *args: str) -> str:
    result = CliRunner().invoke(main, ["--db", db, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def query(db: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("event-counts-web")
    found = demo_database(folder)
    path = folder / "hdx_hapi_conflict_event_syr.csv"
    path.write_text(hapi_text(counts()), encoding="utf-8")
    assert "imported event_counts: 90 rows" in run(found, "import", str(path), "--source", SOURCE)
    return found


@pytest.fixture(scope="module")
def client(db: str) -> Iterator[TestClient]:
    with TestClient(create_app(WebConfig(db=db))) as found:  # open: as an analyst sees it
        yield found


#: The counts as the database holds them, with their place: what the page must show.
STORED = (
    "SELECT p.pcode, c.event_type, c.date_start, c.events, c.fatalities, p.name_en, p.name_ar "
    "FROM event_counts c JOIN places p ON p.id = c.place_id"
)


def stored(
    db: str, like: str = "%", start: str = "0000-01-01", end: str = "9999-12-31"
) -> dict[tuple[str, str, str], tuple[Any, ...]]:
    """Keyed by P-code, type and start: events, fatalities and the place's names. (The bounds
    are dates: SQLite compares a DATE column with "9999" as a number.)"""
    rows = query(db, STORED + " WHERE p.pcode LIKE ? AND c.date_start >= ? AND c.date_end <= ?",
                 like, start, end)  # fmt: skip
    return {(r[0], r[1], r[2]): r[3:] for r in rows}


# -- the API and the command line ---------------------------------------------------------------

FILTERS = [
    {},
    {"pcode": "SY03"},
    {"from": "2016-12-01", "to": "2017-01-31"},
    {"pcode": "SY07", "from": "2016-10-15"},
]
OPTIONS = {"pcode": "--place", "from": "--from", "to": "--to"}


@pytest.mark.parametrize("filters", FILTERS)
def test_the_api_gives_the_json_of_the_command_line_for_the_same_filters(
    db: str, client: TestClient, filters: dict[str, str]
) -> None:
    args = [a for k, v in filters.items() for a in (OPTIONS[k], v)]
    cli = json.loads(run(db, "incidents", "--counted", *args, "--format", "json"))
    api = client.get("/api/incidents/counted", params=filters)
    assert api.status_code == 200, api.text
    assert api.json() == cli
    # Counted another way: the rows of the file within the filters.
    start, end = filters.get("from", "0000"), filters.get("to", "9999")
    expected = [c for c in counts() if c[0].startswith(filters.get("pcode", "SY"))
                and c[2] >= start and c[3] <= end]  # fmt: skip
    assert len(cli["counts"]) == len(expected) > 0
    assert sum(c["events"] for c in cli["counts"]) == sum(c[4] for c in expected)
    assert {c["source"] for c in cli["counts"]} == {SOURCE}


def test_the_api_s_csv_and_hxl_are_the_command_line_s(db: str, client: TestClient) -> None:
    for fmt in ("csv", "hxl"):
        cli = run(db, "incidents", "--counted", "--place", "SY02", "--format", fmt)
        api = client.get("/api/incidents/counted", params={"pcode": "SY02", "format": fmt})
        assert api.headers["content-disposition"].endswith(f'counted-events.{fmt}.csv"')
        assert list(csv.reader(io.StringIO(api.text))) == list(csv.reader(io.StringIO(cli)))
    assert api.text.splitlines()[1].startswith("#date+start,#date+end,#date+period,#loc+code")


@pytest.mark.parametrize(("params", "status"), [
    ({"pcode": "SY99"}, 404),
    ({"from": "2017-02-01", "to": "2017-01-01"}, 422),
    ({"format": "xlsx"}, 422),
    ({"from": "2017-13-01"}, 422),
])  # fmt: skip
def test_the_api_refuses_what_it_cannot_answer(
    client: TestClient, params: dict[str, str], status: int
) -> None:
    assert client.get("/api/incidents/counted", params=params).status_code == status


@pytest.mark.usefixtures("cheap_hashes")
def test_the_public_sees_small_fatality_counts_suppressed_and_no_source(
    db: str, tmp_path: Path
) -> None:
    from accounts_support import add_accounts, sign_in, web

    from lagebild.store import Store

    copy = tmp_path / "with-accounts.db"
    shutil.copyfile(db, copy)
    store = Store.open(str(copy))
    add_accounts(store)
    try:
        with web(store, public=True) as anonymous:
            public = anonymous.get("/api/incidents/counted").json()
            public_csv = anonymous.get("/api/incidents/counted?format=csv").text
            public_page = anonymous.get("/incidents").text
        with web(store, public=True) as analyst:
            assert sign_in(analyst, "analyst1") == 303
            seen = analyst.get("/api/incidents/counted").json()
            analyst_page = analyst.get("/incidents").text
        with web(store, public=True) as partner:
            assert sign_in(partner, "partner_a") == 303
            partners = partner.get("/api/incidents/counted").json()
    finally:
        store.close()
    cli = json.loads(run(str(copy), "incidents", "--counted", "--format", "json"))
    assert seen == cli
    by_key = {(c[0], c[1], c[2]): c for c in counts()}
    small = 0
    for row in public["counts"]:
        killed = by_key[(row["pcode"], row["event_type"], row["date_start"])][5]
        assert "source" not in row
        assert row["events"] == by_key[(row["pcode"], row["event_type"], row["date_start"])][4]
        if killed is not None and 0 < killed < THRESHOLD:
            small += 1
            assert (row["fatalities"], row["suppressed"]) == (None, ["fatalities"])
        else:
            assert (row["fatalities"], row["suppressed"]) == (killed, [])
    assert small > 0 and len(public["counts"]) == len(counts())
    rows = list(csv.DictReader(io.StringIO(public_csv)))
    assert "Source" not in rows[0] and "Suppressed" in rows[0]
    assert sum(r["Fatalities"] == "" for r in rows) == small + 1  # and the one not given
    # A partner sees what the incidents' summary shows it: every count, no source.
    assert all("source" not in r for r in partners["counts"])
    assert [r["fatalities"] for r in partners["counts"]] == [r["fatalities"] for r in cli["counts"]]
    # The pages alike: "<10" and no source for the public, the source for the analyst.
    public_section = section(public_page)
    assert "&lt;10" in public_section and SOURCE not in public_section
    assert "Who counted them is for analysts." in public_section
    assert SOURCE in section(analyst_page) and "&lt;10" not in section(analyst_page)


# -- the page -----------------------------------------------------------------------------------

ROW = re.compile(
    r'<tr data-pcode="([^"]+)" data-type="([^"]+)" data-start="([^"]+)">(.*?)</tr>', re.S
)
NUM = re.compile(r'<td class="num">([^<]*)</td>')
NEXT = re.compile(r'<a rel="next" href="([^"]+)"')


def section(page: str) -> str:
    """The section of the counts, "" when the page has none."""
    start = page.find('<section id="counted"')
    return page[start : page.index("</section>", start)] if start >= 0 else ""


def number(text: str) -> int | None:
    plain = text.translate(ARABIC_DIGITS).replace(",", "").replace("٬", "").strip()
    return None if plain in ("–", "&lt;10") else int(plain)


def page_rows(page: str) -> dict[tuple[str, str, str], tuple[int | None, int | None, str]]:
    out = {}
    for pcode, kind, start, cells in ROW.findall(section(page)):
        events, killed = (number(n) for n in NUM.findall(cells))
        out[(pcode, kind, start)] = (events, killed, cells)
    return out


@pytest.mark.parametrize("lang", ["en", "ar", "de"])
def test_the_page_shows_the_counts_the_database_holds_in_a_section_of_their_own(
    db: str, client: TestClient, lang: str
) -> None:
    first = client.get(f"/incidents?lang={lang}").text
    words = Language(lang)
    assert words.gettext("Conflict events counted by other sources") in section(first)
    # Where the totals are, a line says how many counts are kept apart, linking to them.
    note = re.search(r'<p class="note" id="counted-apart"><a href="#counted">([^<]+)</a>', first)
    assert note and "90" in note.group(1).translate(ARABIC_DIGITS)
    # The incidents' totals are the incidents' alone: the demo's 8 events.
    assert query(db, "SELECT count(*) FROM incidents") == [(8,)]
    cards = re.search(r'<strong class="value">([^<]+)</strong>', first)
    assert cards and number(cards.group(1)) == 8
    rows = page_rows(first)
    assert len(rows) == PER_PAGE
    later = NEXT.search(section(first))
    assert later, "the section has a next page"
    second = client.get(later.group(1).replace("&amp;", "&").split("#")[0]).text
    assert NEXT.search(section(second)) is None
    rest = page_rows(second)
    assert min(k[2] for k in rows) >= max(k[2] for k in rest)  # the newest period first
    shown = {**rows, **rest}
    expected = stored(db)
    assert len(shown) == len(rows) + len(rest) == len(expected) == 90
    for key, (events, killed, cells) in shown.items():
        assert (events, killed) == expected[key][:2], key
        name_en, name_ar = expected[key][2:]
        assert (name_ar if lang == "ar" else name_en) in cells
        assert words.gettext(COUNTED_EVENT_TYPE_WORDS[key[1]]) in cells
    if lang == "ar":
        assert "عنف سياسي" in section(first) and "Political violence" not in section(first)


@pytest.mark.parametrize(("params", "like", "start", "end"), [
    ("pcode=SY03", "SY03%", "0000-01-01", "9999-12-31"),
    ("from=2016-12-01&to=2017-01-31", "%", "2016-12-01", "2017-01-31"),
])  # fmt: skip
def test_the_page_shows_the_counts_of_its_place_and_period(
    db: str, client: TestClient, params: str, like: str, start: str, end: str
) -> None:
    page = client.get(f"/incidents?{params}").text
    expected = stored(db, like, start, end)
    assert {k: v[:2] for k, v in page_rows(page).items()} == {k: v[:2] for k, v in
                                                              expected.items()}  # fmt: skip
    assert 0 < len(expected) <= PER_PAGE
    assert NEXT.search(section(page)) is None
    download = re.search(r'id="counted-csv" href="([^"]+)"', page)
    assert download
    text = client.get(download.group(1).replace("&amp;", "&")).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {(r["P-code"], r["Event type"], r["From"]) for r in rows} == set(expected)


def test_no_section_without_counts_for_the_page_s_place_and_period(
    client: TestClient, tmp_path: Path
) -> None:
    for params in ("pcode=SY10", "from=2017-03-01", "pcode=SY0200&to=2016-08-31"):
        page = client.get(f"/incidents?{params}")
        assert page.status_code == 200
        assert 'id="counted"' not in page.text and 'id="counted-apart"' not in page.text
    with TestClient(create_app(WebConfig(db=demo_database(tmp_path)))) as plain:
        page = plain.get("/incidents").text
        assert "<table id=\"incidents\"" in page
        assert 'id="counted"' not in page and "other sources" not in page
        assert plain.get("/api/incidents/counted").json() == {"place": None, "counts": []}


# -- in a browser -------------------------------------------------------------------------------

SIZES = {"laptop": (1366, 800), "phone": (390, 844)}
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def live_server(db: str, chromium_path: str) -> Iterator[LiveServer]:
    server = LiveServer(create_app(WebConfig(db=db))).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("lang", ["en", "ar", "de"])
def test_the_section_is_there_and_nothing_scrolls_sideways(
    live_server: LiveServer, browser: Browser, lang: str
) -> None:
    from test_small_screens import measure

    folder = output_dir("event-counts")
    problems: list[str] = []
    context = browser.new_context(locale=lang)
    context.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        for size, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            page.goto(live_server.url(f"/incidents?lang={lang}"))
            heading = page.locator("#counted-heading")
            assert heading.inner_text() == Language(lang).gettext(
                "Conflict events counted by other sources"
            )
            assert page.locator("#counted-events tbody tr").count() == PER_PAGE
            problems += measure(page, f"/incidents {lang} {width}", lang, width)
            page.screenshot(path=str(folder / f"incidents-{lang}-{size}.png"), full_page=True)
            # The line beside the totals leads to the section.
            page.click("#counted-apart a")
            page.wait_for_function("location.hash === '#counted'")
            top = heading.bounding_box()
            assert top is not None and -2 <= top["y"] < height  # scrolled to (sub-pixel)
            page.locator("#counted").screenshot(
                path=str(folder / f"section-{lang}-{size}.png")
            )
            # Its second page, reached by its own pager, is there as well.
            page.click("#counted nav.pager a[rel=next]")
            page.wait_for_load_state()
            assert "counted_offset=50" in page.url
            assert page.locator("#counted-events tbody tr").count() == 90 - PER_PAGE
            problems += measure(page, f"/incidents (counts, page 2) {lang} {width}", lang, width)
    finally:
        context.close()
    assert errors == []
    assert not problems, "\n".join(problems)
