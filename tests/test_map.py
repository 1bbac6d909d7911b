"""The map: place geometry in the store, GeoJSON gazetteers, /api/map and the /map page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from alembic import command
from alembic.config import Config
from demo_support import demo_database
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from lagebild import analysis
from lagebild.demo import AS_OF
from lagebild.ingest import ImportFailed, ImportOptions, import_file
from lagebild.ingest.read import ReadError, open_table
from lagebild.publish.language import Language
from lagebild.store import Store
from lagebild.store import store as store_module
from lagebild.store.places import all_places, place_geometries, upsert_places
from lagebild.web import WebConfig, create_app

ADM1_TAGS = {"PCODE": "#adm1+code", "NAME_EN": "#adm1+name+i_en", "NAME_ARA": "#adm1+name+i_ar"}
SQUARE = [[[36.0, 33.0], [36.5, 33.0], [36.5, 33.5], [36.0, 33.5], [36.0, 33.0]]]


def feature(properties: dict[str, Any], geometry: dict[str, Any] | None) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def polygon(rings: list[Any] = SQUARE) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": rings}


def write_geojson(path: Path, features: list[dict[str, Any]], **extra: Any) -> Path:
    path.write_text(
        json.dumps(
            {"type": "FeatureCollection", **extra, "features": features}, ensure_ascii=False
        ),
        encoding="utf-8",
    )
    return path


@contextmanager
def client_of(store: Store, **config: Any) -> Iterator[TestClient]:
    url = store.engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(WebConfig(db=url, **config))) as client:
        yield client


@pytest.fixture
def demo(demo_path: str) -> Iterator[Store]:
    store = Store.open(demo_path)
    yield store
    store.close()


@pytest.fixture
def client(demo: Store) -> Iterator[TestClient]:
    with client_of(demo) as client:
        yield client


def geometries(store: Store, level: int | None = None) -> dict[str, dict[str, Any]]:
    codes = {p.id: p.pcode for p in all_places(store)}
    return {codes[i]: json.loads(g) for i, g in place_geometries(store, level)}


# ---- the store ----------------------------------------------------------------------------------


def test_migration_adds_a_nullable_geometry_column_to_places(store: Store) -> None:
    columns = {c["name"]: c for c in inspect(store.engine).get_columns("places")}
    assert "geometry" in columns and columns["geometry"]["nullable"]
    assert store.revision() == store.head_revision() >= "0002"


def test_migration_from_0001_keeps_the_places_and_leaves_their_geometry_empty(
    db_url: str,
) -> None:
    store = Store.open(db_url)
    try:
        assert store.migrate("0001") == "0001"
        with store.engine.begin() as conn:
            conn.execute(text("INSERT INTO places (pcode, level) VALUES ('SY', 0)"))
        assert store.migrate() == store.head_revision()
        assert [p.pcode for p in all_places(store)] == ["SY"]
        assert place_geometries(store) == []
        downgrade(store, "0001")  # and back: the column goes, the place stays
        assert "geometry" not in {c["name"] for c in inspect(store.engine).get_columns("places")}
        assert store.migrate() == store.head_revision() and len(all_places(store)) == 1
    finally:
        store.close()


def downgrade(store: Store, revision: str) -> None:
    config = Config()
    config.set_main_option(
        "script_location", str(Path(store_module.__file__).parent / "migrations")
    )
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def test_upsert_places_stores_a_geometry_and_keeps_it_when_a_row_gives_none(store: Store) -> None:
    shape = json.dumps(polygon())
    with store.writer() as writer:
        upsert_places(
            writer,
            [
                {"pcode": "SY01", "level": 1, "parent": None, "geometry": shape},
                {"pcode": "SY0100", "level": 2, "parent": "SY01"},
            ]
        )
    assert geometries(store, 1) == {"SY01": polygon()} and geometries(store, 2) == {}
    with store.writer() as writer:
        upsert_places(
            writer, [{"pcode": "SY01", "level": 1, "parent": None, "name_en": "Damascus"}]
        )
    assert geometries(store) == {"SY01": polygon()}
    moved = polygon([[[35.0, 33.0], [35.5, 33.0], [35.5, 33.5], [35.0, 33.0]]])
    with store.writer() as writer:
        upsert_places(
            writer,
            [{"pcode": "SY01", "level": 1, "parent": None, "geometry": json.dumps(moved)}]
        )
    assert geometries(store) == {"SY01": moved}


# ---- reading GeoJSON ----------------------------------------------------------------------------


def test_a_feature_collection_reads_as_a_table_of_properties_and_geometry(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "adm1.geojson",
        [
            feature({"#adm1+code": "SY01", "#adm1+name": " Damascus ", "area": 105}, polygon()),
            feature({"#adm1+code": "SY02", "#adm1+name": "Aleppo", "area": 18.5}, None),
        ],
    )
    with open_table(path, locale="de") as table:
        assert table.info.format == "geojson" and table.info.first_data_row == 1
        assert [c.header for c in table.columns] == ["#adm1+code", "#adm1+name", "area", "geometry"]
        assert [str(c.tag) if c.tag else None for c in table.columns] == [
            "#adm1+code",
            "#adm1+name",
            None,
            "#geo+json",
        ]
        rows = [r for frame in table.batches() for r in frame.rows()]
        assert table.warnings == []
    assert rows[0][:3] == ("SY01", "Damascus", "105") and json.loads(rows[0][3]) == polygon()
    assert rows[1] == ("SY02", "Aleppo", "18,5", None, 2)  # numbers in the import's notation
    assert rows[0][-1] == 1


def test_properties_are_tagged_by_the_tag_map_and_found_by_content(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "boundaries.txt", [feature({"PCODE": "SY01", "NAME_EN": "X"}, polygon())]
    )
    with open_table(path, tag_map=ADM1_TAGS) as table:
        assert table.info.format == "geojson"
        assert [str(c.tag) for c in table.columns] == [
            "#adm1+code",
            "#adm1+name+i_en",
            "#geo+json",
        ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"type": "Feature", "properties": {}, "geometry": null}', "a GeoJSON Feature, not a"),
        ("[1, 2]", "JSON that is no table: HXL JSON is an array of rows"),
        ('{"type": "FeatureCollection", "features": [', "not valid JSON"),
        ('{"type": "FeatureCollection", "features": []}', "has no features"),
        (
            '{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": '
            '"urn:ogc:def:crs:EPSG::3857"}}, "features": []}',
            "EPSG::3857; lagebild reads WGS 84",
        ),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
            '{"PCODE": "SY01", "NAME": "x"}, "geometry": null}]}',
            "no feature property is named as an HXL hashtag; tag them with --tags map.yml "
            "(property name: hashtag); the properties: PCODE, NAME",
        ),
    ],
)
def test_what_is_no_geojson_gazetteer_is_refused_with_a_reason(
    tmp_path: Path, content: str, reason: str
) -> None:
    path = tmp_path / "places.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ReadError) as caught:
        open_table(path)
    assert reason in caught.value.reason


# ---- importing a GeoJSON gazetteer ------------------------------------------------------------


def test_geojson_gazetteer_puts_each_geometry_on_the_finest_place(
    store: Store, tmp_path: Path
) -> None:
    inner = [[[36.1, 33.1], [36.2, 33.1], [36.2, 33.2], [36.1, 33.1]]]
    path = write_geojson(
        tmp_path / "gazetteer.geojson",
        [
            feature({"#adm1+code": "SY01", "#adm1+name+i_en": "Damascus"}, polygon()),
            feature(
                {"#adm1+code": "SY01", "#adm2+code": "SY0100", "#adm2+name+i_ar": "دمشق"},
                {"type": "MultiPolygon", "coordinates": [inner]},
            ),
            feature(
                {"#adm1+code": "SY01", "#adm2+code": "SY0100", "#adm4+code": "C1001"},
                {"type": "Point", "coordinates": [36.123456789, 33.987654321]},
            ),
        ],
    )
    report = import_file(store, path)
    assert report.kind == "places" and report.error_count == 0 and report.records_written == 3
    assert geometries(store) == {
        "SY01": polygon(),
        "SY0100": {"type": "MultiPolygon", "coordinates": [inner]},
    }
    places = {p.pcode: p for p in all_places(store)}
    assert (places["C1001"].lon, places["C1001"].lat) == (36.123457, 33.987654)  # 6 decimals
    assert places["SY0100"].name_ar == "دمشق" and places["SY01"].name_en == "Damascus"
    assert places["C1001"].parent_id == places["SY0100"].id


def test_real_2015_governorate_boundaries_are_stored_as_polygons(
    shared_data: Path, sqlite_store: Store
) -> None:
    path = shared_data / "syria" / "gazetteer_2015_alahwa" / "syr_admin1.geojson"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    report = import_file(sqlite_store, path, ImportOptions(tag_map=ADM1_TAGS))
    assert report.error_count == 0 and report.records_written == 14
    found = geometries(sqlite_store, 1)
    assert len(found) == 14
    assert {g["type"] for g in found.values()} <= {"Polygon", "MultiPolygon"}
    for shape in found.values():
        rings = shape["coordinates"] if shape["type"] == "Polygon" else shape["coordinates"][0]
        lon, lat = rings[0][0]
        assert 35 < lon < 43 and 32 < lat < 38  # Syria, longitude first
    names = {p.pcode: (p.name_en, p.name_ar) for p in all_places(sqlite_store)}
    assert names["SY07"] == ("Idleb", "إدلب") and names["SY01"][0] == "Damascus"


def test_invalid_utf8_is_read_with_a_warning_naming_the_feature(
    sqlite_store: Store, tmp_path: Path
) -> None:
    good = json.dumps(feature({"#adm1+code": "SY01", "#adm1+name+i_ar": "دمشق"}, polygon()))
    cut = "حلب".encode()[:-1]  # the name cut mid-character, as an old shapefile field did
    bad = (
        b'{"type": "Feature", "properties": {"#adm1+code": "SY02", "#adm1+name+i_ar": "'
        + cut
        + b'"}, "geometry": null}'
    )
    path = tmp_path / "adm1.geojson"
    path.write_bytes(
        b'{"type": "FeatureCollection", "features": [' + good.encode() + b", " + bad + b"]}"
    )
    report = import_file(sqlite_store, path)
    assert report.error_count == 0 and report.records_written == 2
    [warning] = report.warnings
    assert (warning.code, warning.row, warning.column) == ("invalid-utf8", 2, "B #adm1+name+i_ar")
    assert "feature 2" in warning.reason and warning.value == "حل\ufffd"
    assert {p.pcode: p.name_ar for p in all_places(sqlite_store)}["SY02"] == "حل\ufffd"


def test_real_community_points_with_invalid_utf8_warn_and_give_coordinates(
    shared_data: Path, sqlite_store: Store
) -> None:
    path = shared_data / "syria" / "gazetteer_2015_alahwa" / "syr_admin4_point.geojson"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    tags = {
        "PCODE": "#adm4+code",
        "NAME_EN": "#adm4+name+i_en",
        "NAME_ARA": "#adm4+name+i_ar",
        "ADMIN3_COD": "#adm3+code",
        "ADMIN2_COD": "#adm2+code",
        "ADMIN1_COD": "#adm1+code",
    }
    report = import_file(sqlite_store, path, ImportOptions(tag_map=tags))
    assert report.error_count == 0
    warned = [w for w in report.warnings if w.code == "invalid-utf8"]
    assert len(warned) == 6 and all(f"feature {w.row}:" in w.reason for w in warned)
    communities = [p for p in all_places(sqlite_store) if p.level == 4]
    assert len(communities) == 5251 and all(p.lat is not None for p in communities)
    assert place_geometries(sqlite_store) == []  # points are coordinates, not boundaries


def test_a_malformed_geometry_is_an_error_of_its_feature_and_nothing_is_written(
    sqlite_store: Store, tmp_path: Path
) -> None:
    projected = polygon([[[4000000.0, 3900000.0], [4100000.0, 3900000.0], [4000000.0, 3900000.0]]])
    path = write_geojson(
        tmp_path / "utm.geojson",
        [
            feature({"#adm1+code": "SY01"}, polygon()),
            feature({"#adm1+code": "SY02"}, projected),
            feature({"#adm1+code": "SY03"}, {"type": "Polygon", "coordinates": [[1, 2]]}),
        ],
    )
    with pytest.raises(ImportFailed) as caught:
        import_file(sqlite_store, path)
    errors = caught.value.report.errors
    assert [(e.code, e.row, e.column) for e in errors] == [
        ("not-a-geometry", 2, "B #geo+json"),
        ("not-a-geometry", 3, "B #geo+json"),
    ]
    assert "not WGS 84 longitude/latitude" in errors[0].reason
    assert all_places(sqlite_store) == []


def test_a_csv_gazetteer_carries_boundaries_in_a_geo_json_column(
    sqlite_store: Store, tmp_path: Path
) -> None:
    shape = json.dumps(polygon()).replace('"', '""')
    path = tmp_path / "adm1.csv"
    path.write_text(f'#adm1+code,#geo+json\nSY01,"{shape}"\nSY02,\n', encoding="utf-8")
    import_file(sqlite_store, path)
    assert geometries(sqlite_store) == {"SY01": polygon()}


# ---- /api/map ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "level", "window", "sector"),
    [
        ({"level": "adm4"}, 4, 30, None),
        ({"level": "adm3", "window": "60"}, 3, 60, None),
        ({"level": "adm4", "sector": "Food"}, 4, 30, "food"),
        ({"level": "adm1"}, 1, 30, None),
    ],
)
def test_map_features_are_the_gaps_of_the_same_parameters(
    client: TestClient,
    demo: Store,
    params: dict[str, str],
    level: int,
    window: int,
    sector: str | None,
) -> None:
    response = client.get("/api/map", params={"as_of": AS_OF.isoformat(), **params})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    collection = response.json()
    result = analysis.gaps(demo, AS_OF, window, level, sector)
    expected = [row.as_dict() for row in result.places]
    places = {p.pcode: p for p in all_places(demo)}
    bounded = {place_id for place_id, _ in place_geometries(demo, level)}
    located = [
        r
        for r in expected
        if places[str(r["pcode"])].lat is not None or places[str(r["pcode"])].id in bounded
    ]
    assert collection["type"] == "FeatureCollection"
    assert (collection["as_of"], collection["window_days"], collection["level"]) == (
        AS_OF.isoformat(),
        window,
        f"adm{level}",
    )
    assert collection["sector"] == sector
    assert collection["places"] == len(expected)
    assert collection["without_location"] == len(expected) - len(located)
    assert collection["cut_off"] == len(result.cut_off)
    got = [
        {k: v for k, v in f["properties"].items() if k != "rank"} for f in collection["features"]
    ]
    assert got == located
    for item in collection["features"]:
        place = places[item["id"]]
        if place.id in bounded:  # the demo's OCHA boundaries, adm0-adm3
            assert item["geometry"]["type"] in ("Polygon", "MultiPolygon")
        else:
            assert item["geometry"] == {"type": "Point", "coordinates": [place.lon, place.lat]}


def test_a_place_with_a_boundary_is_a_polygon_the_others_points(
    client: TestClient, demo: Store, tmp_path: Path
) -> None:
    path = write_geojson(tmp_path / "madaya.geojson", [feature({"#adm4+code": "C2450"}, polygon())])
    import_file(demo, path)
    collection = client.get("/api/map", params={"level": "adm4"}).json()
    kinds = {f["id"]: f["geometry"]["type"] for f in collection["features"]}
    assert kinds.pop("C2450") == "Polygon"
    assert set(kinds.values()) == {"Point"} and len(kinds) == 35
    madaya = next(f for f in collection["features"] if f["id"] == "C2450")
    assert madaya["properties"]["access"] == "besieged" and madaya["properties"]["cut_off"]
    assert madaya["properties"]["besieged_by"] == "Government of Syria and allies"


def test_real_governorate_boundaries_make_the_governorate_map_and_the_outline(
    shared_data: Path, client: TestClient, demo: Store
) -> None:
    # The demo carries OCHA's simplified boundaries: the outline is the country's.
    assert [f["id"] for f in client.get("/api/map/outline").json()["features"]] == ["SY"]
    path = shared_data / "syria" / "gazetteer_2015_alahwa" / "syr_admin1.geojson"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    # The 2015 file names SY01 otherwise in Arabic: a rename needs update_places (issue 10).
    import_file(demo, path, ImportOptions(tag_map=ADM1_TAGS, update_places=True))
    collection = client.get("/api/map", params={"level": "adm1"}).json()
    assert len(collection["features"]) == 14 and collection["without_location"] == 0
    assert {f["geometry"]["type"] for f in collection["features"]} <= {"Polygon", "MultiPolygon"}
    outline = client.get("/api/map/outline").json()
    assert [f["id"] for f in outline["features"]] == ["SY"]


def test_api_map_is_documented_and_refuses_bad_parameters(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    parameters = {p["name"] for p in spec["paths"]["/api/map"]["get"]["parameters"]}
    assert {"as_of", "window", "level", "sector"} <= parameters
    assert "/map" not in spec["paths"]
    bad_date = client.get("/api/map", params={"as_of": "28.02.2017"})
    assert bad_date.status_code == 422 and "as_of" in bad_date.json()["error"]
    assert client.get("/api/map", params={"level": "adm9"}).status_code == 422
    assert client.get("/api/map", params={"window": "0"}).status_code == 422


# ---- the /map page ------------------------------------------------------------------------------


class Page(HTMLParser):
    """What a test needs of a page: its links, the legend's words and the map's config."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.html_attrs: dict[str, str | None] = {}
        self.urls: list[tuple[str, str]] = []  # (tag, src or href)
        self.legend: dict[str, list[str]] = {}
        self.config: dict[str, Any] = {}
        self._list: str | None = None
        self._item: list[str] | None = None
        self._config = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.html_attrs = found
        for name in ("src", "href"):
            if found.get(name):
                self.urls.append((tag, found[name] or ""))
        if tag == "ul" and "legend" in (found.get("class") or ""):
            self._list = found.get("id") or f"legend-{len(self.legend)}"
            self.legend[self._list] = []
        if tag == "li" and self._list:
            self._item = []
        self._config = tag == "script" and found.get("id") == "map-config"

    def handle_endtag(self, tag: str) -> None:
        if tag == "li" and self._list and self._item is not None:
            # ASCII white space only: numbers may hold no-break spaces (German "20 %"); the
            # count of places in a class, "(3)", is left off
            text = re.sub(r"[ \t\r\n]+", " ", "".join(self._item)).strip()
            self.legend[self._list].append(re.sub(r" \([^()]*\)$", "", text))
            self._item = None
        if tag == "ul":
            self._list = None
        if tag == "script":
            self._config = False

    def handle_data(self, data: str) -> None:
        if self._item is not None:
            self._item.append(data)
        if self._config:
            self.config = json.loads(data)


def test_the_map_page_asks_only_this_server_for_its_files(client: TestClient) -> None:
    response = client.get("/map")
    assert response.status_code == 200
    page = Page(response.text)
    assert page.urls
    for tag, url in page.urls:
        parts = urlsplit(url)
        assert parts.netloc in ("", "testserver") and parts.scheme in ("", "http"), url
        if tag in ("script", "link"):
            assert parts.path.startswith("/static/"), url
            assert client.get(parts.path).status_code == 200, url
    scripts = [u for t, u in page.urls if t == "script"]
    assert scripts == ["/static/vendor/leaflet/leaflet.js", "/static/js/map.js"]
    assert page.config["tiles"] is None and page.config["data"].startswith("/api/map?")
    assert client.get(page.config["data"]).status_code == 200
    assert client.get(page.config["outline"]).status_code == 200
    script = client.get("/static/js/map.js").text
    assert "http:" not in script and "https:" not in script
    css = client.get("/static/vendor/leaflet/leaflet.css").text
    assert "images/layers.png" in css
    assert client.get("/static/vendor/leaflet/images/layers.png").status_code == 200


def test_a_tile_layer_is_drawn_only_when_configured(demo: Store) -> None:
    url = "https://tiles.example.org/{z}/{x}/{y}.png"
    with client_of(demo, tile_url=url) as client:
        page = Page(client.get("/map").text)
    assert page.config["tiles"] == url
    assert all(urlsplit(u).netloc in ("", "testserver") for _, u in page.urls)


@pytest.mark.parametrize("code", ["en", "ar", "de"])
def test_the_legend_and_the_script_words_are_in_the_chosen_language(
    client: TestClient, code: str
) -> None:
    page = Page(client.get("/map", params={"lang": code}).text)
    language = Language(code)
    words = language.gettext
    assert page.html_attrs["lang"] == code
    assert page.html_attrs["dir"] == ("rtl" if code == "ar" else "ltr")
    assert page.legend["legend-access"] == [
        words("Accessible"),
        words("Hard to reach"),
        words("Besieged"),
        words("No data"),
    ]
    coverage = page.legend["legend-coverage"]
    assert len(coverage) == 6 and coverage[-1] == words("No data")
    assert language.percent(0.2) in coverage[0] and language.percent(0.8) in coverage[4]
    assert page.config["lang"] == code
    labels = page.config["labels"]
    assert labels["besieged"] == words("Besieged")
    assert labels["people_in_need"] == words("People in need")
    assert labels["days_without_aid"] == words("Days without aid")
    assert all(isinstance(v, str) and v for v in labels.values())


def test_the_colour_switch_and_level_come_from_the_address(client: TestClient) -> None:
    page = Page(client.get("/map", params={"color": "coverage", "level": "adm3"}).text)
    assert page.config["color"] == "coverage" and page.config["level"] == "adm3"
    assert "level=adm3" in page.config["data"]
    html = client.get("/map", params={"color": "coverage"}).text
    assert re.search(r'<ul id="legend-access"[^>]* hidden', html)
    assert not re.search(r'<ul id="legend-coverage"[^>]* hidden', html)


def test_places_without_a_location_are_counted_and_bad_parameters_said(
    client: TestClient,
) -> None:
    html = client.get("/map", params={"level": "adm1"}).text
    assert "14 places on the map" in html and "no coordinates or boundary" not in html
    wrong = client.get("/map", params={"as_of": "28.02.2017", "window": "x", "level": "adm9"})
    assert wrong.status_code == 422
    assert "write it as YYYY-MM-DD" in wrong.text and "whole number of days" in wrong.text
    page = Page(wrong.text)
    assert page.config["level"] == "adm4" and "window=30" in page.config["data"]
    assert f"as_of={AS_OF.isoformat()}" in page.config["data"]
    ancient = client.get("/map", params={"as_of": "0001-01-01"})
    assert ancient.status_code == 422 and "YYYY-MM-DD" in ancient.text


def test_map_and_pages_share_one_list_of_sectors_whichever_comes_first(tmp_path: Path) -> None:
    """Both read the same kept list: no blank 'sector' beside 'All sectors', in either order."""
    from fastapi.testclient import TestClient

    from lagebild.web import WebConfig, create_app

    path = demo_database(tmp_path)
    for first, second in (("/gaps", "/map"), ("/map", "/gaps")):
        client = TestClient(create_app(WebConfig(db=path)))
        client.get(first)
        html = client.get(second).text
        assert html.count('<option value=""') == 1, (first, second)
