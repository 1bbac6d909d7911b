"""Every form and every link of the web app works, in English, Arabic and German, on the demo
database: no answer is a 4xx or 5xx.

- Links: a crawl from ``/`` in each language (the language kept in its cookie), following every
  same-site ``<a href>`` it finds, with a visited set. Links of one shape (the same path once its
  digits are read as one, the same query parameters with the same choice values: ``level``,
  ``sector``, ``status``, ...) are followed ``PER_SHAPE`` times: the place page of every level,
  every choice of every filter, but not all 1,900 links of every place twice over. The crawl runs
  with a plain HTTP client (TestClient), which proves a link as well as a browser would.
- Forms: in headless Chromium against the app served by uvicorn, every form of one page of each
  shape is submitted with its default values and then once per choice of each of its selects and
  radio groups (one choice at a time, the rest at their defaults), as a person would: the browser
  builds the query, blank "All ..." choices included. The import form, which the browser sends
  only with a file, gets a small 4W file; the forms of the report it answers with (confirm,
  switch the mode, cancel) are each sent on a fresh upload.

How many pages, links and forms were covered is printed and written to
``test-output/forms/coverage.json``.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from browser_support import LiveServer, output_dir
from demo_support import demo_database
from fastapi.testclient import TestClient

from lagebild.web import WebConfig, create_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

LANGUAGES = ("en", "ar", "de")
#: Query parameters whose value is a choice: each value makes a shape of its own.
CHOICE_KEYS = frozenset(
    {"level", "sector", "status", "unit", "by", "rank", "indicator", "format", "event_type",
     "placed_by", "color", "layers", "kind"}
)  # fmt: skip
#: Links of one shape followed per language.
PER_SHAPE = 2
TIMEOUT_MS = 15_000
SITE = "http://testserver"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def same_site(base: str, href: str) -> str | None:
    """The link as ``path?query`` without ``lang`` (the crawl keeps its language in the
    cookie) and without a fragment; None when it leads to another site or is no page."""
    if href.startswith(("#", "mailto:", "javascript:", "tel:")):
        return None
    parts = urlsplit(urljoin(SITE + base, href))
    if f"{parts.scheme}://{parts.netloc}" != SITE:
        return None
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    return parts.path + ("?" + urlencode(query) if query else "")


def shape(url: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``/places/C1007?as_of=...&level=adm4`` -> ``/places/C9999``, as_of=*, level=adm4."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    keys = tuple(sorted((k, v if k in CHOICE_KEYS else "*") for k, v in query))
    return re.sub(r"\d", "9", parts.path), keys


@dataclass
class Crawl:
    language: str
    answers: dict[str, int] = field(default_factory=dict)  # url -> status
    found: set[str] = field(default_factory=set)  # every distinct same-site link
    pages: list[str] = field(default_factory=list)  # the HTML pages among the answers
    not_followed: int = 0  # links beyond PER_SHAPE of their shape
    failures: list[tuple[int, str, str]] = field(default_factory=list)  # status, url, found on


def crawl(client: TestClient, language: str) -> Crawl:
    result = Crawl(language)
    client.get(f"/?lang={language}")  # the language's cookie
    per_shape: Counter[tuple[str, tuple[tuple[str, str], ...]]] = Counter()
    queue: list[tuple[str, str]] = [("/", "")]
    while queue:
        url, referrer = queue.pop(0)
        if url in result.answers:
            continue
        key = shape(url)
        if per_shape[key] >= PER_SHAPE:
            result.not_followed += 1
            continue
        per_shape[key] += 1
        answer = client.get(url)
        result.answers[url] = answer.status_code
        if answer.status_code >= 400:
            result.failures.append((answer.status_code, url, referrer))
            continue
        if answer.is_redirect:
            target = same_site(url, answer.headers["location"])
            if target:
                result.found.add(target)
                queue.append((target, url))
            continue
        if not answer.headers.get("content-type", "").startswith("text/html"):
            continue
        result.pages.append(url)
        links = _Links()
        links.feed(answer.text)
        for href in links.hrefs:
            target = same_site(url, href)
            if target and target not in result.found:
                result.found.add(target)
                queue.append((target, url))
    return result


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo database with the demo's illustrative pictures, as ``lagebild demo`` has it."""
    from lagebild.evidence.demo import add_demo_evidence
    from lagebild.store import Store

    folder = tmp_path_factory.mktemp("forms")
    db = demo_database(folder)
    store = Store.open(db)
    try:
        add_demo_evidence(store, folder / "pictures")
    finally:
        store.close()
    return db


@pytest.fixture(scope="module")
def crawls(demo_db: str) -> dict[str, Crawl]:
    found = {}
    for language in LANGUAGES:
        with TestClient(create_app(WebConfig(db=demo_db)), follow_redirects=False) as client:
            found[language] = crawl(client, language)
    return found


def _record(name: str, values: dict[str, Any]) -> None:
    path = output_dir("forms") / "coverage.json"
    known = json.loads(path.read_text()) if path.exists() else {}
    known[name] = values
    path.write_text(json.dumps(known, indent=2, ensure_ascii=False) + "\n")
    print(f"{name}: {json.dumps(values)}")


def test_every_same_site_link_of_every_page_answers_without_an_error(
    crawls: dict[str, Crawl],
) -> None:
    figures = {
        language: {
            "pages": len(found.pages),
            "links_found": len(found.found),
            "links_followed": len(found.answers),
            "links_of_a_followed_shape": found.not_followed,
        }
        for language, found in crawls.items()
    }
    _record("links", figures)
    for language, found in crawls.items():
        assert not found.failures, (language, found.failures[:20])
        # The crawl went everywhere the menu leads, and to the place pages of every level.
        paths = {shape(url)[0] for url in found.pages}
        for path in ("/", "/gaps", "/map", "/places", "/convoys", "/incidents", "/damage",
                     "/evidence", "/import", "/places/SY99", "/places/SY9999",
                     "/places/SY999999", "/places/C9999", "/places/SY99/history",
                     "/evidence/9"):  # fmt: skip
            assert path in paths, (language, path, sorted(paths))
        assert any(p.startswith("/explain") for p in found.pages)
        assert any(u.startswith("/api/") for u in found.answers), "downloads are followed"
        assert "/api/docs" in found.answers, "the API reference is linked"


def test_the_crawl_bounds_links_by_shape_not_by_place() -> None:
    """The shapes that bound the crawl: a place's level shows, its P-code does not; a choice
    shows, a date does not."""
    assert shape("/places/C1007") == shape("/places/C2427") != shape("/places/SY0200")
    assert shape("/gaps?level=adm1&as_of=2017-01-01") == shape("/gaps?as_of=2016-12-01&level=adm1")
    assert shape("/gaps?level=adm1") != shape("/gaps?level=adm2")
    assert same_site("/gaps", "/places/SY02?lang=ar#top") == "/places/SY02"
    assert same_site("/gaps", "https://example.org/") is None


# -- forms, in the browser ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live_server(demo_db: str, chromium_path: str) -> Iterator[LiveServer]:
    server = LiveServer(create_app(WebConfig(db=demo_db))).start()
    try:
        yield server
    finally:
        server.stop()


#: What the page's forms are: method, whether the browser would send them as they are, and the
#: choices of each select and radio group.
DESCRIBE_FORMS = """() => Array.from(document.forms).map((form, index) => {
  const choices = {};
  for (const element of form.elements) {
    if (!element.name || element.disabled) continue;
    if (element.tagName === "SELECT") {
      choices[element.name] = Array.from(element.options).map(o => o.value);
    } else if (element.type === "radio") {
      (choices[element.name] = choices[element.name] || []).push(element.value);
    }
  }
  const named = Array.from(form.elements).filter(e => e.name).length;
  return {index, id: form.id, method: (form.getAttribute("method") || "get").toLowerCase(),
          named, valid: form.checkValidity(), choices};
})"""

#: Set one choice without firing ``change`` (the map's selects send their form on a change).
CHOOSE = """([index, name, value]) => {
  for (const element of document.forms[index].elements) {
    if (element.name !== name) continue;
    if (element.tagName === "SELECT") element.value = value;
    else if (element.type === "radio") element.checked = element.value === value;
  }
}"""


@dataclass
class FormRun:
    pages: int = 0
    forms: int = 0
    submissions: int = 0
    ids: set[str] = field(default_factory=set)
    not_sent: list[str] = field(default_factory=list)
    guarded: list[str] = field(default_factory=list)
    failures: list[tuple[Any, str, str]] = field(default_factory=list)


#: The file the import form is sent with: a 4W of one delivery, with its HXL row; each upload
#: is a file of its own (a file imported before is refused, and its report has no confirm).
FOUR_W = (
    "Organisation,Sector,Status,Community,Reached,End\n"
    "#org+impl,#sector,#status,#adm4+code,#reached+ind,#date+end\n"
    "Forms test {number},Food,completed,C1007,100,2017-02-20\n"
)
UPLOADS = itertools.count(1)
#: Forms the browser sends only with a file: its input, and the file.
FILES = {"import-form": "#import-file"}
#: Forms that change stored data and ask for a reason (undo an import, grade a source, change or
#: delete a record) or a name (save a plan): the browser must refuse to send them as they stand,
#: empty reason and all. tests/test_data_pages.py, tests/test_data_browser.py and
#: tests/test_plan_browser.py send them filled in.
CHANGES = {"undo-form", "grade-form", "edit-form", "delete-form", "plan-save-form"}


def _submit(
    page: Page, url: str, index: int, choice: tuple[str, str] | None, file: str | None = None
) -> tuple[Any, str]:
    page.goto(url, wait_until="domcontentloaded")
    if file is not None:
        body = FOUR_W.format(number=next(UPLOADS)).encode()
        page.set_input_files(
            file, files=[{"name": "4w.csv", "mimeType": "text/csv", "buffer": body}]
        )
    if choice is not None:
        page.evaluate(CHOOSE, [index, *choice])
    with page.expect_navigation(wait_until="commit") as navigation:
        page.evaluate("i => document.forms[i].requestSubmit()", index)
    answer = navigation.value
    page.wait_for_load_state("domcontentloaded")
    return (answer.status if answer else None), page.url


def submit_every_form(page: Page, origin: str, url: str, run: FormRun) -> None:
    page.goto(origin + url, wait_until="domcontentloaded")
    run.pages += 1
    for form in page.evaluate(DESCRIBE_FORMS):
        if not form["named"]:
            continue  # the language switch: links in a form element, nothing to send
        run.forms += 1
        where = f"{url} form #{form['index']} {form['id']}"
        file = FILES.get(form["id"])
        if form["id"] in CHANGES:
            (run.not_sent if form["valid"] else run.guarded).append(where)
            continue
        if not (form["valid"] or file) or (form["method"] != "get" and not file):
            run.not_sent.append(where)
            continue
        run.ids.add(form["id"] or url)
        variants: list[tuple[str, str] | None] = [None]
        variants += [(name, value) for name, values in form["choices"].items() for value in values]
        for choice in variants:
            status, landed = _submit(page, origin + url, form["index"], choice, file)
            run.submissions += 1
            if status is None or status >= 400:
                run.failures.append((status, where, f"{choice} -> {landed}"))
        if file:
            submit_report_forms(page, origin + url, form["index"], file, run)


def submit_report_forms(page: Page, url: str, index: int, file: str, run: FormRun) -> None:
    """The forms of the report an upload answers with, each on an upload of its own; the one
    that writes (confirm) last, since the file then is in the database."""
    actions_of = "() => Array.from(document.forms).map(f => f.action)"
    _submit(page, url, index, None, file)
    actions = [a.rsplit("/", 1)[-1] for a in page.evaluate(actions_of) if "/import/" in a]
    for action in sorted(actions, key=lambda a: a == "confirm"):
        run.forms += 1
        run.ids.add(f"import-{action}")
        _submit(page, url, index, None, file)
        found = [i for i, a in enumerate(page.evaluate(actions_of)) if a.endswith("/" + action)]
        assert found, f"the report of a new upload has no {action} form: {page.url}"
        with page.expect_navigation(wait_until="commit") as navigation:
            page.evaluate("i => document.forms[i].requestSubmit()", found[0])
        answer = navigation.value
        page.wait_for_load_state("domcontentloaded")
        run.submissions += 1
        if answer is None or answer.status >= 400:
            status = answer.status if answer else None
            run.failures.append((status, f"import report form {action}", page.url))


def form_pages(found: Crawl) -> list[str]:
    """One page of each path shape the crawl answered with HTML, the first it met."""
    chosen: dict[str, str] = {}
    for url in found.pages:
        chosen.setdefault(shape(url)[0], url)
    return sorted(chosen.values())


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_form_sends_with_its_defaults_and_with_each_choice(
    live_server: LiveServer, browser: Browser, crawls: dict[str, Crawl], language: str
) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies([{"name": "lang", "value": language, "url": live_server.origin}])
    # Forms are plain HTML: the pages are loaded without their styles, scripts and map data.
    context.route(
        "**/*",
        lambda route: route.continue_() if route.request.resource_type == "document"
        else route.abort(),
    )
    page = context.new_page()
    run = FormRun()
    try:
        for url in form_pages(crawls[language]):
            submit_every_form(page, live_server.origin, url, run)
        context.unroute("**/*")  # the footer as it looks, styled
        for width, height in ((1366, 800), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            page.goto(live_server.url("/"), wait_until="load")
            footer = page.locator("#api-docs-link")
            footer.scroll_into_view_if_needed()
            page.screenshot(path=str(output_dir("forms") / f"footer-{language}-{width}.png"))
        assert page.locator("html").get_attribute("lang") == language
        with page.expect_navigation() as reference:
            footer.click()
        assert reference.value is not None and reference.value.status == 200
        assert page.url == live_server.url("/api/docs")
    finally:
        context.close()
    _record(
        f"forms-{language}",
        {"pages": run.pages, "forms": run.forms, "submissions": run.submissions,
         "form_ids": sorted(run.ids), "not_sent": run.not_sent, "guarded": run.guarded},
    )  # fmt: skip
    assert not run.failures, run.failures[:20]
    assert run.ids >= {
        "gaps-form", "places-form", "convoys-form", "incidents-form", "damage-form",
        "evidence-form", "map-controls", "import-form", "import-confirm", "import-cancel",
    }, run.ids  # fmt: skip
    assert not run.not_sent, run.not_sent
    guarded = {where.rsplit(" ", 1)[-1] for where in run.guarded}
    assert guarded == CHANGES, guarded  # each kind met, and not one sent without its reason
