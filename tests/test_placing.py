"""Placing events: shapefile boundaries, point in polygon, nearest community, names in Arabic and
English. Each result is checked against the same answer computed another way (pyshp and shapely
directly, a brute-force great-circle search, the csv module)."""

from __future__ import annotations

import csv
import io
import json
import math
import zipfile
from pathlib import Path

import numpy as np
import pytest
import shapefile as pyshp
import shapely
from shapely.geometry import shape

from lagebild.ingest import ImportFailed, ReadError, import_file
from lagebild.ingest.names import name_key, normalise_arabic
from lagebild.ingest.placing import NONE, PlaceIndex
from lagebild.ingest.read import open_table
from lagebild.model import Place
from lagebild.store import Store
from lagebild.store.places import all_places, place_geometries

COD = "syria/cod_ab_2020-12-17/shp/syr_admbnda_{}_uncs_unocha_20201217.shp"
COMMUNITIES = "syria/locations_2018/syr_locations_communities.csv"
WGS84_PRJ = (
    'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],'
    'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'
)
UTM_PRJ = (
    'PROJCS["WGS_1984_UTM_Zone_37N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",'
    'SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"]]'
)


# -- the real gazetteer, read with pyshp and the csv module, without lagebild --------------------


class Gazetteer:
    """Places with ids as lagebild would give them, built straight from the files."""

    def __init__(self) -> None:
        self.places: dict[str, Place] = {}

    def add(
        self,
        code: str,
        level: int,
        parent: str | None,
        en: str,
        ar: str,
        lat: float | None = None,
        lon: float | None = None,
    ) -> int:
        if code not in self.places:
            parent_id = self.places[parent].id if parent else None
            self.places[code] = Place(
                len(self.places) + 1, code, level, parent_id, en, ar, lat, lon
            )
        return self.places[code].id

    def by_id(self, place_id: int) -> str:
        return next(p.pcode for p in self.places.values() if p.id == place_id)


@pytest.fixture(scope="module")
def real(shared_data: Path) -> tuple[Gazetteer, dict[int, object], list[list[str]]]:
    """The 2020 sub-district polygons (pyshp, shapely) and the 7,693 communities (csv)."""
    gaz = Gazetteer()
    shapes: dict[int, object] = {}
    with pyshp.Reader(str(shared_data / COD.format("adm3"))) as reader:
        for item in reader.iterShapeRecords():
            r = item.record.as_dict()
            gaz.add(r["ADM1_PCODE"], 1, None, r["ADM1_EN"], r["ADM1_AR"])
            gaz.add(r["ADM2_PCODE"], 2, r["ADM1_PCODE"], r["ADM2_EN"], r["ADM2_AR"])
            pid = gaz.add(r["ADM3_PCODE"], 3, r["ADM2_PCODE"], r["ADM3_EN"], r["ADM3_AR"])
            shapes[pid] = shape(item.shape.__geo_interface__)
    with (shared_data / COMMUNITIES).open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[2:]
    for row in rows:
        gaz.add(row[15], 4, row[11], row[12], row[13], lat=float(row[21]), lon=float(row[22]))
    return gaz, shapes, rows


# -- shapefile import ----------------------------------------------------------------------------


def test_shapefile_import_gives_272_subdistricts_their_polygons_as_pyshp_reads_them(
    store: Store, shared_data: Path
) -> None:
    for level in ("adm1", "adm3"):
        report = import_file(store, shared_data / COD.format(level))
        assert report.kind == "places" and report.error_count == 0
    places = {p.pcode: p for p in all_places(store)}
    stored = {places_id: text for places_id, text in place_geometries(store)}
    by_id = {p.id: p for p in places.values()}
    with pyshp.Reader(str(shared_data / COD.format("adm3"))) as reader:
        direct = {
            r.record["ADM3_PCODE"]: (r.record.as_dict(), shape(r.shape.__geo_interface__))
            for r in reader.iterShapeRecords()
        }
    assert len(direct) == 272
    assert sum(1 for i in stored if by_id[i].level == 3) == 272
    assert sum(1 for i in stored if by_id[i].level == 1) == 14
    for pcode in ("SY020000", "SY090100", "SY140201"):
        record, expected = direct[pcode]
        mine = shapely.from_geojson(stored[places[pcode].id])
        assert mine.area == pytest.approx(expected.area, rel=1e-5)
        assert mine.centroid.distance(expected.centroid) < 1e-5  # degrees: about a metre
        assert places[pcode].name_en == record["ADM3_EN"]
        assert places[pcode].name_ar == record["ADM3_AR"]
        assert by_id[places[pcode].parent_id or 0].pcode == record["ADM2_PCODE"]


def _write_shapefile(
    folder: Path, prj: str | None, encoding: str = "utf-8", cpg: str | None = "UTF-8"
) -> Path:
    base = folder / "tiny"
    with pyshp.Writer(str(base), shapeType=pyshp.POLYGON, encoding=encoding) as w:
        w.field("ADM1_PCODE", "C", 10)
        w.field("ADM1_EN", "C", 30)
        w.field("ADM1_AR", "C", 30)
        w.poly([[[36.0, 33.0], [36.0, 34.0], [37.0, 34.0], [37.0, 33.0], [36.0, 33.0]]])
        w.record("SY01", "Damascus", "دمشق")
        w.poly([[[37.0, 33.0], [37.0, 34.0], [38.0, 34.0], [38.0, 33.0], [37.0, 33.0]]])
        w.record("SY03", "Rural Damascus", "ريف دمشق")
    if prj is not None:
        (folder / "tiny.prj").write_text(prj, encoding="ascii")
    if cpg is not None:
        (folder / "tiny.cpg").write_text(cpg, encoding="ascii")
    return base.with_suffix(".shp")


def test_shapefile_in_arabic_windows_1256_is_read_by_its_cpg(tmp_path: Path) -> None:
    path = _write_shapefile(tmp_path, WGS84_PRJ, encoding="cp1256", cpg="1256")
    with open_table(path) as table:
        frame = next(table.batches())
        tags = [str(c.tag) for c in table.columns]
    assert tags == ["#adm1+code", "#adm1+name+i_en", "#adm1+name+i_ar", "#geo+json"]
    assert frame["c2"].to_list() == ["دمشق", "ريف دمشق"]
    assert json.loads(frame["c3"][0])["type"] == "Polygon"
    assert frame["_row"].to_list() == [1, 2]


def test_shapefile_in_a_zip_archive_imports_as_one(store: Store, tmp_path: Path) -> None:
    path = _write_shapefile(tmp_path, WGS84_PRJ)
    archive = tmp_path / "tiny_shp.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            z.write(path.with_suffix(suffix), f"tiny{suffix}")
    report = import_file(store, archive)
    assert report.records_written == 2
    assert len(place_geometries(store, level=1)) == 2


def test_shapefile_in_a_projected_system_is_refused_naming_it(tmp_path: Path) -> None:
    path = _write_shapefile(tmp_path, UTM_PRJ)
    with pytest.raises(ReadError) as caught:
        open_table(path)
    assert "WGS_1984_UTM_Zone_37N" in caught.value.reason
    assert "reproject" in caught.value.reason


def test_shapefile_without_prj_is_read_as_wgs84_with_a_warning(tmp_path: Path) -> None:
    path = _write_shapefile(tmp_path, None)
    with open_table(path) as table:
        assert [w.code for w in table.warnings] == ["no-prj"]


def test_shapefile_without_dbf_or_with_two_in_a_zip_is_refused(tmp_path: Path) -> None:
    path = _write_shapefile(tmp_path, WGS84_PRJ)
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(path, "a.shp")
        z.write(path, "b.shp")
    with pytest.raises(ReadError, match="exactly one shapefile; .shp files: a.shp, b.shp"):
        open_table(archive)
    path.with_suffix(".dbf").unlink()
    with pytest.raises(ReadError, match="needs its .dbf"):
        open_table(path)


def test_shapefile_with_a_bad_cpg_or_positions_outside_the_globe_fails_the_import(
    store: Store, tmp_path: Path
) -> None:
    path = _write_shapefile(tmp_path, WGS84_PRJ, cpg="klingon")
    with pytest.raises(ImportFailed) as caught:
        import_file(store, path)
    assert "unknown encoding 'klingon' in the .cpg file" in str(caught.value.report.errors[0])
    # A .prj that says WGS 84 over coordinates in metres: each feature is an error.
    base = tmp_path / "metres"
    with pyshp.Writer(str(base), shapeType=pyshp.POLYGON) as w:
        w.field("ADM1_PCODE", "C", 10)
        w.poly([[[300000.0, 3700000.0], [300000.0, 3710000.0], [310000.0, 3700000.0]]])
        w.record("SY01")
    (tmp_path / "metres.prj").write_text(WGS84_PRJ, encoding="ascii")
    with pytest.raises(ImportFailed) as caught:
        import_file(store, base.with_suffix(".shp"))
    (error,) = caught.value.report.errors
    assert error.row == 1 and error.column == "B #geo+json" and "outside ±180/±90" in error.reason
    assert all_places(store) == []


# -- point in polygon and nearest community ------------------------------------------------------


def test_point_in_polygon_agrees_with_shapely_contains_on_every_polygon(real: tuple) -> None:
    gaz, shapes, _ = real
    index = PlaceIndex.from_places(gaz.places.values(), shapes)
    assert index.polygon_levels == [3]
    rng = np.random.default_rng(5)
    lon = rng.uniform(35.5, 42.5, 20_000)
    lat = rng.uniform(32.2, 37.4, 20_000)
    found = index.locate(lat, lon)
    expected = np.full(len(lat), NONE)
    for place_id in sorted(shapes, reverse=True):  # the lowest id wins, as on a shared border
        inside = shapely.contains_xy(shapes[place_id], lon, lat)
        expected[inside] = place_id
    assert (found == expected).all()
    assert 0.3 < (found != NONE).mean() < 0.9  # Syria fills part of its bounding box


def _great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def test_nearest_community_within_max_km_agrees_with_a_brute_force_search(real: tuple) -> None:
    gaz, _, rows = real
    index = PlaceIndex.from_places(gaz.places.values(), max_km=5.0)
    assert index.community_count == 7693
    rng = np.random.default_rng(7)
    lat, lon = rng.uniform(32.3, 37.3, 150), rng.uniform(35.7, 42.3, 150)
    ids, km = index.nearest(lat, lon)
    points = [(row[15], float(row[21]), float(row[22])) for row in rows]
    for i in range(len(lat)):
        code, best = min(
            ((c, _great_circle_km(lat[i], lon[i], a, b)) for c, a, b in points),
            key=lambda pair: pair[1],
        )
        if best <= 5.0:
            assert gaz.by_id(int(ids[i])) == code
            assert km[i] == pytest.approx(best, abs=1e-6)
        else:
            assert ids[i] == NONE and math.isnan(km[i])
    assert 10 < (ids != NONE).sum() < 145


def test_polygon_placing_refines_to_the_nearest_community_inside_the_same_subdistrict(
    real: tuple,
) -> None:
    gaz, shapes, rows = real
    index = PlaceIndex.from_places(gaz.places.values(), shapes)
    # Douma city's own coordinates, 300 m off: the community, by polygon.
    duma = next(r for r in rows if r[15] == "C2338")
    lat, lon = float(duma[21]) + 0.0027, float(duma[22])
    placed = index.place([lat], [lon])
    assert placed.placed_by.tolist() == ["polygon"]
    assert gaz.by_id(int(placed.place_id[0])) == "C2338"
    assert placed.distance_km[0] == pytest.approx(0.30, abs=0.01)
    assert placed.confidence[0] == pytest.approx(1 - 0.5 * placed.distance_km[0] / 10)
    # Every community a refined point lands on lies in the polygon that holds the point.
    rng = np.random.default_rng(11)
    lats, lons = rng.uniform(32.3, 37.3, 3000), rng.uniform(35.7, 42.3, 3000)
    placed = index.place(lats, lons)
    polygon = index.locate(lats, lons)
    refined = (placed.placed_by == "polygon") & (placed.place_id != polygon)
    parent = {p.id: p.parent_id for p in gaz.places.values()}
    assert refined.sum() > 100
    assert all(
        parent[int(c)] == int(s)
        for c, s in zip(placed.place_id[refined], polygon[refined], strict=True)
    )
    assert (placed.distance_km[refined] <= 10).all()


# -- a small authored gazetteer: the cascade and its edges ---------------------------------------


def _small() -> tuple[list[Place], dict[int, str]]:
    places = [
        Place(1, "SY07", 1, None, "Idleb", "إدلب"),
        Place(2, "SY0700", 2, 1, "Idleb", "مركز إدلب"),
        Place(3, "SY070000", 3, 2, "Idleb", "مركز إدلب"),
        Place(4, "C3871", 4, 3, "Idleb", "إدلب", lat=35.93, lon=36.63),
        Place(5, "C3872", 4, 3, "Maarrat Ikhwan", "معرة إخوان", lat=36.0, lon=36.6),
        Place(6, "SY05", 1, None, "Hama", "حماة"),
        Place(7, "C5000", 4, 6, "Hama", "حماة", lat=35.13, lon=36.75),
        Place(8, "SY09", 1, None, "Deir-ez-Zor", "دير الزور"),
        Place(9, "SY02", 1, None, "Aleppo", "حلب"),
    ]
    square = {
        "type": "Polygon",
        "coordinates": [[[36.5, 35.8], [36.8, 35.8], [36.8, 36.1], [36.5, 36.1], [36.5, 35.8]]],
    }
    return places, {3: json.dumps(square)}


def test_each_method_is_used_in_its_order_and_says_so() -> None:
    places, shapes = _small()
    index = PlaceIndex.from_places(places, shapes, max_km=10)
    km_per_degree = 6371.0088 * math.pi / 180
    lats = [
        35.93,
        35.931,
        35.13 + 9.9 / km_per_degree,
        35.13 + 10.1 / km_per_degree,
        np.nan,
        np.nan,
    ]
    lons = [36.63, 36.63, 36.75, 36.75, np.nan, np.nan]
    placed = index.place(
        lats,
        lons,
        known=np.array([9, NONE, NONE, NONE, NONE, NONE]),
        admin1=[None, None, None, "Hamah", "Dayr az Zawr", "Atlantis"],
    )
    assert placed.placed_by.tolist() == ["pcode", "polygon", "nearest", "name", "name", "none"]
    assert placed.place_id.tolist() == [9, 4, 7, 6, 8, NONE]
    assert placed.distance_km[2] == pytest.approx(9.9, abs=0.01)
    assert placed.confidence[2] == pytest.approx(0.8 * (1 - 0.5 * 0.99), abs=1e-3)
    assert placed.counts() == {"pcode": 1, "polygon": 1, "nearest": 1, "name": 2, "none": 1}


def test_a_point_in_a_polygon_far_from_its_communities_stays_on_the_polygon() -> None:
    places, shapes = _small()
    index = PlaceIndex.from_places(places, shapes, max_km=2)
    placed = index.place([36.09], [36.51])  # in the square, 17 km from Idleb city
    assert placed.place_id.tolist() == [3] and placed.confidence.tolist() == [1.0]
    assert math.isnan(placed.distance_km[0])


@pytest.mark.parametrize(
    ("names", "pcode"),
    [
        (("Idleb",), "SY07"),
        (("Idlib",), "SY07"),
        (("Edlib",), "SY07"),
        (("ادلب",), "SY07"),  # without the hamza under the alef
        (("إدلب",), "SY07"),
        (("Halab",), "SY02"),
        (("حلب",), "SY02"),
        (("حَلَب",), "SY02"),  # with fatha: diacritics go
        (("Dayr az Zawr",), "SY09"),
        (("Deir ez-Zor",), "SY09"),
        (("Deir-ez-Zor",), "SY09"),
        (("حماه",), "SY05"),  # taa marbuta written as haa
        (("Hamaa",), "SY05"),  # a doubled letter
        (("Idlib", None, None, "Maarat Ikhwan"), "C3872"),
        (("Idlib", None, None, "Maarat Ikhwn"), "C3872"),  # a letter dropped
        (("Idleb", None, None, "Maarrat Ikwan"), "C3872"),  # one doubled, one dropped
        (("Idlib", None, None, "معرة اخوان"), "C3872"),
        (("Idlib", None, None, "Idlib"), "C3871"),  # a city named as its governorate
    ],
)
def test_names_match_across_spellings_and_scripts(names: tuple, pcode: str) -> None:
    places, _ = _small()
    index = PlaceIndex.from_places(places)
    ids, confidence = index.by_name(*[[n] for n in names])
    assert {p.id: p.pcode for p in places}[int(ids[0])] == pcode
    assert 0.7 <= confidence[0] <= 0.9


def test_names_nothing_like_any_place_are_not_matched() -> None:
    index = PlaceIndex.from_places(_small()[0])
    ids, confidence = index.by_name(["Atlantis", "Idl", None], [None, None, None])
    assert ids.tolist() == [NONE, NONE, NONE] and np.isnan(confidence).all()


def test_arabic_normalisation_folds_alef_taa_marbuta_alef_maqsura_tatweel_and_harakat() -> None:
    assert normalise_arabic("أإآٱ") == "اااا"
    assert normalise_arabic("حماة") == "حماه"
    assert normalise_arabic("مصطفى") == "مصطفي"
    assert normalise_arabic("دمـــشق") == "دمشق"
    assert normalise_arabic("حَلَبُ") == "حلب"
    assert name_key("الرقة") == name_key("رقه")
    assert name_key("Al-Hasakeh") == name_key("al hasakeh") == "hasakeh"
    assert name_key("Dar'a") == name_key("Dara")
    assert name_key("Ar-Raqqa") == name_key("Raqa")


def test_place_index_refuses_nonsense_settings() -> None:
    with pytest.raises(ValueError, match="max_km"):
        PlaceIndex.from_places([], max_km=0)
    with pytest.raises(ValueError, match="min_score"):
        PlaceIndex.from_places([], min_score=120)
    with pytest.raises(ValueError, match="one length"):
        PlaceIndex.from_places([]).locate([1.0, 2.0], [1.0])


def test_real_names_from_acled_find_the_gazetteer_s_places(real: tuple) -> None:
    gaz, shapes, _ = real
    index = PlaceIndex.from_places(gaz.places.values(), shapes)
    rows = io.StringIO(
        "admin1,admin2,admin3,location,pcode\n"
        "Idlib,Idlib,Idlib,Idlib,C3871\n"
        "Aleppo,Jebel Saman,Jebel Saman,Aleppo,C1007\n"
        "Rural Damascus,Duma,Duma,Douma,C2338\n"
        "Deir ez Zor,Deir ez Zor,Deir ez Zor,Deir ez Zor,C5086\n"
        "Halab,,,,SY02\n"
        "دير الزور,,,,SY09\n"
    )
    table = list(csv.DictReader(rows))
    ids, _ = index.by_name(
        *[[r[k] or None for r in table] for k in ("admin1", "admin2", "admin3", "location")]
    )
    assert [gaz.by_id(int(i)) for i in ids] == [r["pcode"] for r in table]
