"""Derive Syria's administrative boundaries for lagebild from OCHA's COD-AB shapefiles.

    python scripts/boundaries.py SOURCE_DIR [--out FILE] [--tolerance DEG] [--digits N]

SOURCE_DIR holds the COD-AB shapefile of the sub-districts,
``syr_admbnda_adm3_uncs_unocha_20201217.shp`` (with its .dbf, .shx, .prj, .cpg), and that of the
governorates, ``syr_admbnda_adm1_uncs_unocha_20201217.shp``. The sub-districts are one polygonal
coverage: they are simplified together (``shapely.coverage_simplify``, so that neighbours keep one
shared edge, with no gap or overlap), then the districts, governorates and the country are the
unions of their simplified sub-districts, so that every level's lines lie on the finer level's.
The governorate shapefile checks the result: each derived governorate must cover its COD polygon
to within 5 % of its area (Damascus, the smallest, differs most).

The output is one GeoJSON FeatureCollection (coordinates rounded to ``--digits`` decimals, WGS 84
longitude/latitude) with the country, the 14 governorates, 62 districts and 272 sub-districts, in
that order, each feature's properties named by HXL hashtags (``#adm1+code``, ``#adm2+name+i_ar``,
...) so that ``lagebild import FILE`` reads it as a gazetteer with boundaries. The file names its
source, attribution and licence (OCHA COD-AB, CC BY-IGO) in top-level members. The source
shapefiles are never packaged; only this derived file is.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import shapefile
import shapely
from shapely.geometry import mapping, shape

ADM3 = "syr_admbnda_adm3_uncs_unocha_20201217.shp"
ADM1 = "syr_admbnda_adm1_uncs_unocha_20201217.shp"
DEFAULT_OUT = (
    Path(__file__).resolve().parents[1]
    / "src"
    / "lagebild"
    / "demo"
    / "data"
    / "syr_boundaries.geojson"
)
ATTRIBUTION = "OCHA Syria / UNOCHA: Syria administrative boundaries (COD-AB)"
LICENCE = "CC BY-IGO 3.0 (https://creativecommons.org/licenses/by/3.0/igo/)"
SOURCE = (
    "OCHA COD-AB Syria, syr_admbnda_uncs_unocha_20201217 (valid on 2020-12-17, source date "
    "2017-06-01), as published on HDX (cod-ab-syr)"
)


def read(path: Path) -> list[tuple[dict[str, Any], Any]]:
    """(attributes, shapely geometry) of each feature of a shapefile."""
    with shapefile.Reader(str(path), encoding="utf-8") as reader:
        names = [f[0] for f in reader.fields[1:]]
        return [
            (dict(zip(names, rec.record, strict=True)), shape(rec.shape.__geo_interface__))
            for rec in reader.iterShapeRecords()
        ]


def rounded(geometry: Any, digits: int) -> dict[str, Any]:
    """The geometry as GeoJSON with coordinates rounded (snapped to a grid, kept valid)."""
    snapped = shapely.set_precision(geometry, 10.0**-digits)
    return round_coordinates(mapping(snapped), digits)


def round_coordinates(value: Any, digits: int) -> Any:
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: round_coordinates(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [round_coordinates(v, digits) for v in value]
    return value


def derive(source: Path, tolerance: float, digits: int) -> dict[str, Any]:
    adm3 = read(source / ADM3)
    simplified = shapely.coverage_simplify([g for _, g in adm3], tolerance, simplify_boundary=True)
    cells = [(attrs, geom) for (attrs, _), geom in zip(adm3, simplified, strict=True)]
    groups: dict[int, dict[str, list[Any]]] = {0: defaultdict(list), 1: defaultdict(list)}
    groups[2] = defaultdict(list)
    names: dict[str, dict[str, str]] = {}
    for attrs, geom in cells:
        for level in (0, 1, 2):
            code = attrs[f"ADM{level}_PCODE"]
            groups[level][code].append(geom)
            names[code] = {"en": attrs[f"ADM{level}_EN"], "ar": attrs[f"ADM{level}_AR"]}
    features: list[dict[str, Any]] = []
    parents = {a["ADM3_PCODE"]: a for a, _ in cells}
    first = next(iter(parents.values()))

    def chain(level: int, attrs: dict[str, Any]) -> dict[str, Any]:
        props: dict[str, Any] = {
            "#country+code": first["ADM0_PCODE"],
            "#country+name+i_en": first["ADM0_EN"],
            "#country+name+i_ar": first["ADM0_AR"],
        }
        for k in range(1, level + 1):
            props[f"#adm{k}+code"] = attrs[f"ADM{k}_PCODE"]
            props[f"#adm{k}+name+i_en"] = attrs[f"ADM{k}_EN"]
            props[f"#adm{k}+name+i_ar"] = attrs[f"ADM{k}_AR"]
        return props

    def feature(level: int, props: dict[str, Any], geometry: Any) -> dict[str, Any]:
        return {"type": "Feature", "properties": props, "geometry": rounded(geometry, digits)}

    country = shapely.coverage_union_all([g for _, g in cells])
    features.append(feature(0, chain(0, first), country))
    for level in (1, 2):
        done: set[str] = set()
        for attrs, _ in sorted(cells, key=lambda c: c[0][f"ADM{level}_PCODE"]):
            code = attrs[f"ADM{level}_PCODE"]
            if code in done:
                continue
            done.add(code)
            union = shapely.coverage_union_all(groups[level][code])
            features.append(feature(level, chain(level, attrs), union))
    for attrs, geom in sorted(cells, key=lambda c: c[0]["ADM3_PCODE"]):
        features.append(feature(3, chain(3, attrs), geom))
    check_governorates(source, features)
    return {
        "type": "FeatureCollection",
        "name": "Syria administrative boundaries, adm0-adm3, simplified for lagebild",
        "attribution": ATTRIBUTION,
        "license": LICENCE,
        "source": SOURCE,
        "derived": (
            f"scripts/boundaries.py: shapely.coverage_simplify, tolerance {tolerance} degrees, "
            "on the sub-districts, districts/governorates/country as their unions, "
            "coordinates rounded "
            f"to {digits} decimals"
        ),
        "features": features,
    }


def check_governorates(source: Path, features: list[dict[str, Any]]) -> None:
    """Each derived governorate covers its COD polygon to within 5 % of its area (Damascus,
    the smallest, differs most)."""
    derived = {
        f["properties"]["#adm1+code"]: shape(f["geometry"])
        for f in features
        if "#adm1+code" in f["properties"] and "#adm2+code" not in f["properties"]
    }
    for attrs, geometry in read(source / ADM1):
        mine = derived[attrs["ADM1_PCODE"]]
        differ = mine.symmetric_difference(geometry).area / geometry.area
        if differ > 0.05:
            raise SystemExit(
                f"{attrs['ADM1_PCODE']}: the derived governorate differs by {differ:.1%}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="the folder of the COD-AB shapefiles")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--tolerance", type=float, default=0.006, help="degrees (0.006: ~600 m)")
    parser.add_argument("--digits", type=int, default=3, help="decimals kept (3: ~100 m)")
    args = parser.parse_args(argv)
    collection = derive(args.source, args.tolerance, args.digits)
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"{args.out}: {len(collection['features'])} features, {len(text.encode()):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
