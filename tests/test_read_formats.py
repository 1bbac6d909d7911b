"""What libhxl reads, lagebild reads: HXL JSON, a table inside a ZIP archive, the workbook sheet
that carries the hashtags, JSON under any name; each compared with libhxl on libhxl's own files."""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import hxl
import openpyxl
import pytest
from click.testing import CliRunner

from lagebild.cli import main
from lagebild.ingest.read import ReadError, Table, open_table, render_cell

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
LIBHXL_IO = DATA / "libhxl_tests" / "files" / "test_io"
needs_libhxl = pytest.mark.skipif(
    not LIBHXL_IO.exists(), reason="libhxl test files not in ../shared/data"
)

#: The files of libhxl's test_io that libhxl itself cannot read with tags, and why; every other
#: file there is compared column by column (the test below fails when a new file appears that
#: neither reads).
LIBHXL_REFUSES = {
    "input-invalid.csv": "no hashtag row",
    "input-invalid.png": "an image",
    "input-notag1.html": "an HTML page",
    "input-notag2.html": "an HTML page",
    "input-untagged-csv.zip": "no hashtag row (a zipped untagged CSV)",
    "input-untagged-objects.json": "no key is a hashtag",
    "input-untagged.csv": "no hashtag row",
    "input-untagged.json": "no hashtag row",
    "input-zip-invalid.zip": "libhxl reads no workbook inside a ZIP; lagebild does, see below",
}
#: libhxl options for files it reads only when told how (lagebild finds these by itself).
LIBHXL_OPTIONS: dict[str, dict[str, str]] = {
    "input-valid-latin1.csv": {"encoding": "latin-1"},  # libhxl reads UTF-8 unless told
}
VALID_TAGS = ["", "#sector+es", "#subsector+es", "#org+es", "#targeted+f", "#targeted+m",
              "#country", "#adm1", "#date+reported"]  # fmt: skip


def libhxl_read(path: Path, **options: Any) -> tuple[list[str], list[str | None], list[tuple]]:
    """Tags, headers and data rows (cells as lagebild writes them) as libhxl reads the file."""
    source = hxl.data(str(path), hxl.InputOptions(allow_local=True, **options))
    tags = [c.display_tag for c in source.columns]
    headers = [(c.header or "").strip() or None for c in source.columns]
    width = len(tags)
    rows = []
    for row in source:
        values = list(row.values)[:width]
        cells = tuple(render_cell(v) for v in values + [None] * (width - len(values)))
        if any(c is not None for c in cells):  # lagebild leaves out rows with no value
            rows.append(cells)
    return tags, headers, rows


def lagebild_read(path: Path, **options: Any) -> tuple[list[str], list[str | None], list[tuple]]:
    with open_table(path, **options) as table:
        tags = [str(c.tag) if c.tag else "" for c in table.columns]
        headers = [c.header for c in table.columns]
        rows = [row[:-1] for frame in table.batches() for row in frame.rows()]
    return tags, headers, rows


def rows_of(table: Table) -> list[tuple[Any, ...]]:
    return [row for frame in table.batches() for row in frame.rows()]


def read_all(path: Path, **options: Any) -> tuple[Table, list[tuple[Any, ...]]]:
    with open_table(path, **options) as table:
        return table, rows_of(table)


def libhxl_files() -> list[str]:
    return sorted(p.name for p in LIBHXL_IO.iterdir()) if LIBHXL_IO.exists() else []


# ---- libhxl's test files, compared with libhxl ------------------------------------------------


@needs_libhxl
@pytest.mark.parametrize("name", [n for n in libhxl_files() if n not in LIBHXL_REFUSES])
def test_every_file_libhxl_reads_gives_the_same_tags_headers_and_cells(name: str) -> None:
    path = LIBHXL_IO / name
    theirs = libhxl_read(path, **LIBHXL_OPTIONS.get(name, {}))
    if name == "input-valid-json-selector.json":  # two tables: both read apart, by their name
        for member in ("sel1", "sel2"):
            assert lagebild_read(path, member=member) == libhxl_read(path, selector=member)
        return
    ours = lagebild_read(path)
    assert ours[0] == theirs[0], "tags"
    assert ours[1] == theirs[1], "headers"
    assert ours[2] == theirs[2], "cells"
    assert ours[2], "no rows compared"


@needs_libhxl
@pytest.mark.parametrize("name", sorted(LIBHXL_REFUSES))
def test_files_libhxl_cannot_read_are_refused_by_it(name: str) -> None:
    with pytest.raises(hxl.HXLException):
        libhxl_read(LIBHXL_IO / name)


@needs_libhxl
@pytest.mark.parametrize("name", sorted(n for n in LIBHXL_REFUSES if n != "input-zip-invalid.zip"))
def test_files_libhxl_cannot_read_are_a_read_error_here_not_a_traceback(name: str) -> None:
    with pytest.raises(ReadError) as caught:
        open_table(LIBHXL_IO / name)
    assert caught.value.reason


@needs_libhxl
@pytest.mark.parametrize("name", ["input-notag1.html", "input-notag2.html"])
def test_html_page_is_refused_as_a_page_not_a_table_as_libhxl_does(name: str) -> None:
    with pytest.raises(hxl.input.HXLHTMLException):
        libhxl_read(LIBHXL_IO / name)
    with pytest.raises(ReadError, match="an HTML page, not a table"):
        open_table(LIBHXL_IO / name)


@needs_libhxl
def test_zipped_workbook_libhxl_refuses_reads_as_the_workbook_inside() -> None:
    table, rows = read_all(LIBHXL_IO / "input-zip-invalid.zip")
    assert (table.info.format, table.info.member) == ("xlsx", "input-valid.xlsx")
    assert lagebild_read(LIBHXL_IO / "input-zip-invalid.zip") == libhxl_read(
        LIBHXL_IO / "input-valid.xlsx"
    )


@needs_libhxl
def test_every_file_of_libhxl_test_io_is_compared_or_listed_with_a_reason() -> None:
    readable = []
    for name in libhxl_files():
        try:
            libhxl_read(LIBHXL_IO / name, **LIBHXL_OPTIONS.get(name, {}))
        except hxl.HXLException:
            assert name in LIBHXL_REFUSES, f"{name}: libhxl refuses it, list it with a reason"
            continue
        readable.append(name)
    assert len(readable) == len(libhxl_files()) - len(LIBHXL_REFUSES) == 24


@needs_libhxl
@pytest.mark.parametrize(
    ("name", "fmt", "member", "tag_row", "first"),
    [
        ("input-valid.json", "json", None, 3, 4),
        ("input-valid-json.txt", "json", None, 3, 4),
        ("output-valid.json", "json", None, 2, 3),
        ("input-valid-objects.json", "json", None, None, 1),
        ("input-valid-nested.json", "json", "results", None, 1),
        ("input-valid-csv.zip", "csv", "input.csv", 3, 4),
        ("input-valid-xlsx.NOEXT", "xlsx", None, 3, 4),
        ("input-quality.xls", "xls", None, 3, 4),
    ],
)
def test_libhxl_files_are_recognised_by_content_with_rows_numbered_as_a_person_counts(
    name: str, fmt: str, member: str | None, tag_row: int | None, first: int
) -> None:
    table, rows = read_all(LIBHXL_IO / name)
    assert (table.info.format, table.info.member) == (fmt, member)
    assert (table.info.tag_row, table.info.first_data_row) == (tag_row, first)
    assert [r[-1] for r in rows] == [first, first + 1, first + 2, first + 3]
    assert [str(c.tag) if c.tag else "" for c in table.columns][1:] == VALID_TAGS[1:] or (
        name == "output-valid-objects.json"
    )


@needs_libhxl
def test_workbook_with_tags_on_its_second_sheet_reads_that_sheet_xls_and_xlsx() -> None:
    for name in ("input-quality.xls", "input-quality.xlsx"):
        table, rows = read_all(LIBHXL_IO / name)
        assert table.info.sheet == "input-quality-hxl"
        assert len(rows) == 4


# ---- HXL JSON ---------------------------------------------------------------------------------


def write_json(tmp_path: Path, data: Any, name: str = "data.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_json_rows_with_a_header_row_are_numbered_by_their_position_in_the_array(
    tmp_path: Path,
) -> None:
    path = write_json(
        tmp_path,
        [
            ["Community", "Sector", "Reached"],
            ["#adm4+code", "#sector", "#reached"],
            ["C1007", "WASH", 1200],
            [],
            ["C2329", "Food", 3.5, "beyond the hashtag row: left out"],
            ["C4143"],
        ],
    )
    table, rows = read_all(path)
    assert (table.info.format, table.info.tag_row, table.info.first_data_row) == ("json", 2, 3)
    assert [c.header for c in table.columns] == ["Community", "Sector", "Reached"]
    assert rows == [
        ("C1007", "WASH", "1200", 3),
        ("C2329", "Food", "3.5", 5),
        ("C4143", None, None, 6),
    ]


def test_json_rows_with_the_hashtag_row_first(tmp_path: Path) -> None:
    path = write_json(tmp_path, [["#org", "#affected"], ["A", 1], ["B", None]])
    table, rows = read_all(path)
    assert (table.info.tag_row, table.info.first_data_row) == (1, 2)
    assert rows == [("A", "1", 2), ("B", None, 3)]


def test_json_objects_keyed_by_hashtags_are_rows_from_one_keys_in_first_seen_order(
    tmp_path: Path,
) -> None:
    path = write_json(
        tmp_path,
        [
            {"#sector": "WASH", "#adm1+code": "SY02"},
            {"#adm1+code": "SY03", "#affected": 1.25, "Notes": True},
            {"#sector": " Food ", "#adm1+code": "SY04", "#affected": None},
        ],
    )
    table, rows = read_all(path)
    assert [str(c.tag) if c.tag else None for c in table.columns] == [
        "#sector", "#adm1+code", "#affected", None
    ]  # fmt: skip
    assert [c.header for c in table.columns] == [None, None, None, "Notes"]
    assert [c.letter for c in table.columns] == ["A", "B", "C", "D"]
    assert rows == [
        ("WASH", "SY02", None, None, 1),
        (None, "SY03", "1.25", "true", 2),
        ("Food", "SY04", None, None, 3),
    ]


def test_json_numbers_are_written_in_the_import_locale(tmp_path: Path) -> None:
    path = write_json(tmp_path, [{"#affected": 1234.5, "#population": 600000}])
    _, rows = read_all(path, locale="de")
    assert rows == [("1234,5", "600000", 1)]


def test_json_objects_with_untagged_keys_read_with_a_tag_map(tmp_path: Path) -> None:
    path = write_json(tmp_path, [{"Pcode": "SY02", "PIN": 10}, {"Pcode": "SY03", "PIN": 20}])
    with pytest.raises(ReadError, match="no key of the objects is an HXL hashtag.*'Pcode', 'PIN'"):
        open_table(path)
    table, rows = read_all(path, tag_map={"pcode": "#adm1+code", "PIN": "#inneed"})
    assert [str(c.tag) for c in table.columns] == ["#adm1+code", "#inneed"]
    assert rows == [("SY02", "10", 1), ("SY03", "20", 2)]


def test_json_nested_object_in_a_cell_is_an_error_naming_row_and_key(tmp_path: Path) -> None:
    path = write_json(
        tmp_path,
        [{"#adm1+code": "SY02", "#affected": 5}, {"#adm1+code": {"code": "SY03"}, "#affected": 6}],
    )
    with pytest.raises(ReadError) as caught:
        open_table(path)
    error = caught.value
    assert (error.row, error.column, error.value) == (2, "A #adm1+code", '{"code": "SY03"}')
    assert "a JSON object where a cell holds one value" in error.reason
    assert str(error).startswith(f"{path}, row 2, column A #adm1+code, value")


def test_json_nested_list_in_a_row_cell_is_an_error_naming_row_and_column(
    tmp_path: Path,
) -> None:
    path = write_json(tmp_path, [["Org", "N"], ["#org", "#affected"], ["A", 1], ["B", [1, 2]]])
    with pytest.raises(ReadError) as caught:
        open_table(path)
    assert (caught.value.row, caught.value.column, caught.value.value) == (
        4,
        "B #affected",
        "[1, 2]",
    )
    assert "a JSON array where a cell holds one value" in caught.value.reason


@pytest.mark.parametrize(
    ("data", "row", "reason"),
    [
        ([["#org"], ["A"], {"#org": "B"}], 3, "row 3 is a JSON object, not an array of cells"),
        ([{"#org": "A"}, ["B"]], 2, "row 2 is a JSON array, not a JSON object"),
        ([{"#org": "A"}, "B"], 2, 'row 2 is a single value ("B"), not a JSON object'),
    ],
)
def test_json_row_of_another_shape_is_an_error_naming_the_row(
    tmp_path: Path, data: Any, row: int, reason: str
) -> None:
    with pytest.raises(ReadError) as caught:
        open_table(write_json(tmp_path, data))
    assert caught.value.row == row
    assert reason in caught.value.reason


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ([], "the JSON array is empty"),
        ("text", "JSON that is no table"),
        ({"status": "OK", "count": 3}, "no table in the JSON"),
        ({"rows": [["Org"], ["A"]]}, "no table in the JSON has HXL hashtags; its tables: 'rows'"),
    ],
)
def test_json_without_a_table_is_refused_with_a_reason(
    tmp_path: Path, data: Any, reason: str
) -> None:
    with pytest.raises(ReadError, match=reason):
        open_table(write_json(tmp_path, data))


def test_invalid_json_is_an_error_with_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text('[["#org"],\n ["A",]]', encoding="utf-8")
    with pytest.raises(ReadError, match="not valid JSON: .* at line 2, column 7"):
        open_table(path)


def test_json_table_inside_an_object_is_found_and_named(tmp_path: Path) -> None:
    path = write_json(
        tmp_path,
        {
            "status": "OK",
            "meta": {"tags": ["not", "a", "table"]},
            "data": {"results": [{"#org": "A", "#affected": 3}]},
        },
    )
    table, rows = read_all(path)
    assert table.info.member == "data.results"
    assert rows == [("A", "3", 1)]


def test_json_with_two_tagged_tables_is_refused_listing_them_and_member_chooses(
    tmp_path: Path,
) -> None:
    data = {
        "north": [["#adm1", "#affected"], ["Coast", 100]],
        "south": [{"#adm1": "Plains", "#affected": 200, "#date": "2024-01-01"}],
        "notes": [["no tags here"]],
    }
    path = write_json(tmp_path, data)
    with pytest.raises(ReadError) as caught:
        open_table(path)
    assert caught.value.reason == (
        "the JSON holds 2 tables with HXL hashtags: 'north' (#adm1, #affected); 'south' "
        "(#adm1, #affected, #date); choose one with --member NAME"
    )
    table, rows = read_all(path, member="south")
    assert (table.info.member, rows) == ("south", [("Plains", "200", "2024-01-01", 1)])
    _, rows = read_all(path, member="north")
    assert rows == [("Coast", "100", 2)]
    with pytest.raises(ReadError, match="no such table in the JSON; its tables: 'north', 'south'"):
        open_table(path, member="west")


def test_member_for_a_file_that_has_none_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("#org\nA\n", encoding="utf-8")
    with pytest.raises(ReadError, match="this is a CSV file: leave --member out"):
        open_table(path, member="x")
    with pytest.raises(ReadError, match="the JSON is an array"):
        open_table(write_json(tmp_path, [["#org"], ["A"]]), member="x")


def test_json_in_a_txt_file_is_recognised_by_its_content(tmp_path: Path) -> None:
    path = write_json(tmp_path, [["#org", "#affected"], ["A", 1]], name="export.txt")
    table, rows = read_all(path)
    assert table.info.format == "json"
    assert rows == [("A", "1", 2)]


def test_csv_whose_first_cell_starts_with_a_bracket_is_still_csv(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text("[Org],Number\n#org,#affected\nA,1\n", encoding="utf-8")
    table, rows = read_all(path)
    assert table.info.format == "csv"
    assert rows == [("A", "1", 3)]


def test_json_with_invalid_utf8_reads_with_a_warning_naming_the_cell(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_bytes(b'[{"#adm1+name": "Dar\xe2a", "#affected": 1}]')
    table, rows = read_all(path)
    assert rows == [("Dar\ufffda", "1", 1)]
    [warning] = table.warnings
    assert (warning.code, warning.row, warning.column, warning.value) == (
        "invalid-utf8", 1, table.columns[0], "Dar\ufffda"
    )  # fmt: skip


def test_geojson_under_a_json_name_still_goes_to_the_geojson_reader(tmp_path: Path) -> None:
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"#adm1+code": "SY02"}, "geometry": None},
        ],
    }
    table, rows = read_all(write_json(tmp_path, collection))
    assert table.info.format == "geojson"
    assert rows == [("SY02", None, 1)]


# ---- a table inside a ZIP archive -------------------------------------------------------------

CSV_4W = "Org,Community,Reached\n#org,#adm4+code,#reached\nWFP,C1007,50\nWHO,C2329,7\n"


def write_zip(path: Path, members: Mapping[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def test_zip_of_one_csv_reads_the_csv_and_names_the_archive(tmp_path: Path) -> None:
    path = write_zip(
        tmp_path / "4w.zip",
        {
            "export/4w.csv": CSV_4W,
            "__MACOSX/export/._4w.csv": b"\x00\x05\x16\x07",
            "export/.DS_Store": b"\x00",
            "export/README.pdf": b"%PDF-1.4",
        },
    )
    table, rows = read_all(path)
    assert (table.info.path, table.info.member, table.info.format) == (path, "export/4w.csv", "csv")
    assert table.info.tag_row == 2
    assert rows == [("WFP", "C1007", "50", 3), ("WHO", "C2329", "7", 4)]


def test_zip_of_two_csvs_is_refused_listing_them_and_member_chooses(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "two.zip", {"north.csv": CSV_4W, "south.csv": "#org\nUNICEF\n"})
    with pytest.raises(ReadError) as caught:
        open_table(path)
    assert caught.value.reason == (
        "a ZIP archive of 2 tables: 'north.csv', 'south.csv'; choose the one to import with "
        "--member NAME"
    )
    _, rows = read_all(path, member="south.csv")
    assert rows == [("UNICEF", 2)]
    with pytest.raises(ReadError, match="no such file in the ZIP archive; its files: 'north.csv'"):
        open_table(path, member="west.csv")


def test_zip_of_a_tsv_a_json_and_a_workbook_reads_each(tmp_path: Path) -> None:
    tsv = write_zip(tmp_path / "a.zip", {"a.tsv": "#org\t#affected\nA\t1\n"})
    assert rows_of_path(tsv) == [("A", "1", 2)]
    js = write_zip(tmp_path / "b.zip", {"b.json": json.dumps([{"#org": "B", "#affected": 2}])})
    table, rows = read_all(js)
    assert (table.info.format, rows) == ("json", [("B", "2", 1)])
    book = make_workbook(tmp_path / "c.xlsx", {"Readme": [["About"]], "Data": TAGGED})
    packed = write_zip(tmp_path / "c.zip", {"c.xlsx": book.read_bytes()})
    table, rows = read_all(packed)
    assert (table.info.format, table.info.sheet, table.info.member) == ("xlsx", "Data", "c.xlsx")
    assert rows == [("WFP", "C1007", "50", 3)]


def rows_of_path(path: Path) -> list[tuple[Any, ...]]:
    return read_all(path)[1]


def test_error_inside_a_zipped_file_names_the_archive_and_the_file(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "data.zip", {"plain.csv": "Org,N\nA,1\n"})
    with pytest.raises(ReadError) as caught:
        open_table(path)
    assert caught.value.path == path
    assert str(caught.value) == (
        f"{path}: plain.csv (in the ZIP archive): no HXL hashtag row in the first 25 rows; "
        "tag the file or pass --tags map.yml"
    )


def test_zip_inside_a_zip_is_refused(tmp_path: Path) -> None:
    inner = write_zip(tmp_path / "inner.zip", {"a.csv": CSV_4W})
    path = write_zip(tmp_path / "outer.zip", {"inner.zip": inner.read_bytes()})
    with pytest.raises(ReadError, match="inner.zip .in the ZIP archive.: a ZIP archive inside"):
        open_table(path)


def test_zip_bomb_of_a_csv_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "bomb.zip", {"big.csv": "#org\n" + "0" * (8 << 20)})
    packed = zipfile.ZipFile(path).infolist()[0]
    assert packed.file_size / packed.compress_size > 100
    with pytest.raises(ReadError, match="this part unpacks .* times its packed size"):
        open_table(path)


def test_unpacked_file_goes_when_the_table_is_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    path = write_zip(tmp_path / "4w.zip", {"4w.csv": CSV_4W})
    with open_table(path) as table:
        assert [p.name for p in scratch.glob("*/*")] == ["4w.csv"]
        assert len(rows_of(table)) == 2
    assert list(scratch.iterdir()) == []
    with pytest.raises(ReadError):
        open_table(write_zip(tmp_path / "bad.zip", {"bad.csv": "Org\nA\n"}))
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize("name", ["../../../evil.csv", "/etc/evil.csv", "data/../../evil.csv"])
def test_zip_with_a_file_named_to_climb_out_is_refused(tmp_path: Path, name: str) -> None:
    path = write_zip(tmp_path / "evil.zip", {name: CSV_4W, "good.csv": CSV_4W})
    with pytest.raises(ReadError) as caught:
        open_table(path)
    assert caught.value.value == name
    assert "named to land outside the folder it is unpacked in" in caught.value.reason
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["evil.zip"]


def test_zipped_shapefile_still_goes_to_the_shapefile_reader(tmp_path: Path) -> None:
    shp = DATA / "syria" / "cod_ab_2020-12-17" / "shp"
    if not shp.exists():
        pytest.skip("Syria shapefiles not in ../shared/data")
    members = {p.name: p.read_bytes() for p in shp.glob("syr_admbnda_adm1_uncs_unocha_20201217.*")}
    table, rows = read_all(write_zip(tmp_path / "adm1.zip", members))
    assert table.info.format == "shapefile"
    assert len(rows) == 14


# ---- the sheet that carries the hashtags ------------------------------------------------------

TAGGED: list[list[Any]] = [["Org", "Community", "Reached"], ["#org", "#adm4+code", "#reached"],
                           ["WFP", "C1007", 50]]  # fmt: skip


def make_workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    workbook = openpyxl.Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def test_workbook_with_tags_on_one_of_two_sheets_reads_that_sheet(tmp_path: Path) -> None:
    path = make_workbook(
        tmp_path / "4w.xlsx", {"Read me": [["Who does what where"], ["Version 3"]], "4W": TAGGED}
    )
    table, rows = read_all(path)
    assert (table.info.sheet, table.info.tag_row) == ("4W", 2)
    assert rows == [("WFP", "C1007", "50", 3)]


def test_workbook_with_tags_on_two_sheets_is_refused_listing_both_with_their_tags(
    tmp_path: Path,
) -> None:
    lists = [["Community", "Name"], ["#adm4+code", "#adm4+name", "#adm3+code", "#adm2+code",
                                     "#adm1+code"]]  # fmt: skip
    path = make_workbook(tmp_path / "4w.xlsx", {"4W": TAGGED, "Lists": lists, "Notes": [["x"]]})
    with pytest.raises(ReadError) as caught:
        open_table(path)
    assert caught.value.reason == (
        "2 sheets have an HXL hashtag row: '4W' (#org, #adm4+code, #reached); 'Lists' "
        "(#adm4+code, #adm4+name, #adm3+code, #adm2+code, ... (5 tags)); choose one with "
        "--sheet NAME"
    )
    table, rows = read_all(path, sheet="Lists")
    assert table.info.sheet == "Lists" and rows == []


def test_workbook_without_tags_is_refused_listing_its_sheets(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "plain.xlsx", {"One": [["Org"], ["A"]], "Two": [["N"], [1]]})
    with pytest.raises(ReadError) as caught:
        open_table(path)
    assert caught.value.reason == (
        "no sheet has an HXL hashtag row in its first 25 rows; tag the sheet or pass --tags "
        "map.yml (and --sheet NAME); the sheets are 'One', 'Two'"
    )


def test_workbook_with_a_tag_map_reads_the_one_sheet_it_names(tmp_path: Path) -> None:
    path = make_workbook(
        tmp_path / "cash.xlsx",
        {"Cover": [["Cash matrix"]], "Matrix": [["Partner", "Pcode"], ["WFP", "C1007"]]},
    )
    table, rows = read_all(path, tag_map={"Partner": "#org", "Pcode": "#adm4+code"})
    assert table.info.sheet == "Matrix"
    assert rows == [("WFP", "C1007", 2)]


def test_workbook_with_a_tag_map_reads_the_first_sheet_when_the_map_names_its_headers(
    tmp_path: Path,
) -> None:
    matrix = [["Partner", "Pcode", "Sector"], ["WFP", "C1007", "Food"]]
    lists = [["Sector"], ["Food"], ["WASH"]]
    tag_map = {"Partner": "#org", "Pcode": "#adm4+code", "Sector": "#sector"}
    path = make_workbook(tmp_path / "cash.xlsx", {"Matrix": matrix, "Lists": lists})
    table, rows = read_all(path, tag_map=tag_map)
    assert table.info.sheet == "Matrix"
    assert rows == [("WFP", "C1007", "Food", 2)]


def test_workbook_with_a_tag_map_and_two_other_candidate_sheets_is_refused(
    tmp_path: Path,
) -> None:
    path = make_workbook(
        tmp_path / "cash.xlsx",
        {
            "Cover": [["Cash matrix"]],
            "Tagged": TAGGED,
            "Matrix": [["Partner", "Pcode"], ["WFP", "C1007"]],
        },
    )
    with pytest.raises(ReadError) as caught:
        open_table(path, tag_map={"Partner": "#org", "Pcode": "#adm4+code"})
    assert caught.value.reason == (
        "2 sheets have hashtags or headers the tag map names: 'Tagged' (#org, #adm4+code, "
        "#reached); 'Matrix' (#org, #adm4+code); choose one with --sheet NAME"
    )


def test_named_sheet_is_read_even_when_another_carries_tags(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "4w.xlsx", {"4W": TAGGED, "Old 4W": TAGGED[:2]})
    with pytest.raises(ReadError, match="2 sheets have an HXL hashtag row"):
        open_table(path)
    table, rows = read_all(path, sheet="4W")
    assert len(rows) == 1


# ---- the command line, end to end -------------------------------------------------------------

PLACES = "Governorate,Sub-district,Community,Name\n#adm1+code,#adm3+code,#adm4+code,#adm4+name\n" \
    "SY02,SY020000,C1007,Aleppo\nSY03,SY030100,C2329,Duma\n"  # fmt: skip


def cli(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def places_db(tmp_path: Path) -> str:
    db = str(tmp_path / "lagebild.db")
    gazetteer = tmp_path / "places.csv"
    gazetteer.write_text(PLACES, encoding="utf-8")
    result = cli("--db", db, "import", str(gazetteer))
    assert result.exit_code == 0, result.output
    return db


def test_cli_dry_run_of_a_json_4w_and_a_zipped_figures_csv(places_db: str, tmp_path: Path) -> None:
    four_w = write_json(
        tmp_path,
        {
            "status": "OK",
            "results": [
                {"#adm4+code": "C1007", "#sector": "Food", "#reached+ind": 50000,
                 "#date": "2017-02-27", "#org+impl": "WFP"},
                {"#adm4+code": "C2329", "#sector": "Health", "#reached+ind": 1200,
                 "#date": "2017-02-27", "#org+impl": "WHO"},
                {"#adm4+code": "C2329", "#sector": "Food", "#reached+ind": 800,
                 "#date": "2017-02-28", "#org+impl": "WFP"},
            ],
        },
        name="4w.json",
    )  # fmt: skip
    figures = write_zip(
        tmp_path / "pin.zip",
        {"pin/pin.csv": "#adm4+code,#inneed,#date,#meta+source\nC1007,1500000,2017-01-01,OCHA\n"
                        "C2329,120000,2017-01-01,OCHA\n"},
    )  # fmt: skip
    result = cli("--db", places_db, "import", "--dry-run", "--format", "json", str(four_w),
                 str(figures))  # fmt: skip
    assert result.exit_code == 0, result.output
    reports = json.loads(result.stdout)
    got = [(r["file"], r["kind"], r["rows_read"], r["rows_written"], r["errors"]) for r in reports]
    assert got == [("4w.json", "deliveries", 3, 3, 0), ("pin.zip", "figures", 2, 2, 0)]


def test_cli_imports_a_zipped_csv_and_a_json_file_for_real(places_db: str, tmp_path: Path) -> None:
    four_w = (
        "#adm4+code,#sector,#reached+ind,#date\nC1007,Food,50,2017-02-27\nC2329,Food,7,2017-02-27\n"
    )
    packed = write_zip(tmp_path / "4w.zip", {"4w.csv": four_w})
    figures = write_json(
        tmp_path, [["#adm4+code", "#inneed", "#date"], ["C1007", 900, "2017-01-01"]]
    )
    result = cli("--db", places_db, "import", "--format", "json", str(packed), str(figures))
    assert result.exit_code == 0, result.output
    reports = json.loads(result.stdout)
    assert [(r["kind"], r["rows_written"]) for r in reports] == [("deliveries", 2), ("figures", 1)]


def test_cli_refuses_a_zip_of_two_tables_naming_member_and_reads_the_one_chosen(
    places_db: str, tmp_path: Path
) -> None:
    packed = write_zip(
        tmp_path / "two.zip",
        {"a.csv": "#adm4+code,#inneed,#date\nC1007,10,2017-01-01\n",
         "b.csv": "#adm4+code,#inneed,#date\nC2329,20,2017-01-01\n"},
    )  # fmt: skip
    result = cli("--db", places_db, "import", "--dry-run", str(packed))
    assert result.exit_code != 0
    assert (
        "a ZIP archive of 2 tables: 'a.csv', 'b.csv'; choose the one to import with --member"
        in (result.stderr)
    )
    result = cli("--db", places_db, "import", "--dry-run", "--member", "b.csv", str(packed))
    assert result.exit_code == 0, result.output
    assert "would import figures: 1 rows" in result.stdout


SYRIA = DATA / "syria"
needs_syria = pytest.mark.skipif(not SYRIA.exists(), reason="Syria data not in ../shared/data")


@needs_syria
def test_real_4w_workbook_with_its_tag_map_reads_the_data_sheet_not_the_lists() -> None:
    # its "otherlists" sheet has a "Sector" header the map names too: the first sheet is meant
    from lagebild.ingest import load_tag_map

    path = SYRIA / "cash_4w_2023" / "SYR_TurkeyXB_CBR_4Ws_DATA_ver2_20230324_fsl_export.xlsx"
    tag_map = load_tag_map(Path(__file__).parent / "data" / "cash_4w_tags.yml")
    table, rows = read_all(path, tag_map=tag_map)
    assert table.info.sheet == "data_entry"
    assert len(rows) == 413


@needs_syria
def test_real_impact_workbook_with_a_shipped_map_finds_its_dataset_sheet_without_sheet() -> None:
    from lagebild.ingest import load_tag_map

    path = SYRIA / "earthquake_2023_acu" / "syria-earthquake-impact-05-march-2023.xlsx"
    with pytest.raises(ReadError) as caught:
        open_table(path)
    assert caught.value.reason.endswith("the sheets are 'Info', 'DATASET'")
    table, rows = read_all(path, tag_map=load_tag_map("acu-earthquake-2023"))
    assert table.info.sheet == "DATASET"
    sheet = openpyxl.load_workbook(path, read_only=True)["DATASET"]
    values = [r for r in sheet.iter_rows(values_only=True)]
    below = values[table.info.first_data_row - 1 :]
    assert len(rows) == sum(1 for r in below if any(v not in (None, "") for v in r)) == 148


def test_a_file_imported_once_is_refused_zipped_as_it_would_count_twice(
    places_db: str, tmp_path: Path
) -> None:
    pin = "#adm4+code,#inneed,#date\nC1007,10,2017-01-01\n"
    bare = tmp_path / "pin.csv"
    bare.write_text(pin, encoding="utf-8")
    assert cli("--db", places_db, "import", str(bare)).exit_code == 0
    packed = write_zip(tmp_path / "pin.zip", {"export/pin.csv": pin})
    result = cli("--db", places_db, "import", str(packed))
    assert result.exit_code == 1
    assert "this file was already imported as import #2" in result.stderr
