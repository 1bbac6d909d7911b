"""Opening table files: formats, encodings, delimiters, the hashtag row, rows and their numbers."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import python_calamine

from lagebild.ingest.notation import LOCALES, parse_number, parse_numbers
from lagebild.ingest.read import (
    ReadError,
    Table,
    column_letter,
    open_table,
    render_cell,
)
from lagebild.ingest.tags import Tag

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
LIBHXL_IO = DATA / "libhxl_tests" / "files" / "test_io"
FIXTURES = DATA / "hxl" / "hdx_fixtures"
SYRIA = DATA / "syria"

needs_libhxl = pytest.mark.skipif(
    not LIBHXL_IO.exists(), reason="libhxl test files not in ../shared/data"
)
needs_fixtures = pytest.mark.skipif(
    not FIXTURES.exists(), reason="HDX fixture files not in ../shared/data"
)
needs_syria = pytest.mark.skipif(not SYRIA.exists(), reason="Syria data not in ../shared/data")

LIBHXL_ROWS = [
    ("001", "WASH", "Higiene", "ACNUR", "100", "100", "Panamá", "Los Santos", "1 March 2015", 4),
    ("002", "Salud", "Vacunación", "OMS", None, None, "Colombia", "Cauca", None, 5),
    ("003", "Educación", "Formación de enseñadores", "UNICEF", "250", "300", "Colombia", "Chocó",
     None, 6),
    ("004", "WASH", "Urbano", "OMS", "80", "95", "Venezuela", "Amazonas", None, 7),
]  # fmt: skip


def write(tmp_path: Path, text: str, name: str = "data.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def rows_of(table: Table, rows: int = 500_000) -> list[tuple[object, ...]]:
    return [r for frame in table.batches(rows) for r in frame.rows()]


def tags_of(table: Table) -> list[str | None]:
    return [str(c.tag) if c.tag else None for c in table.columns]


def read_all(path: Path, **options: object) -> tuple[Table, list[tuple[object, ...]]]:
    with open_table(path, **options) as table:  # type: ignore[arg-type]
        return table, rows_of(table)


# ---- the hashtag row and the columns --------------------------------------------------------


def test_csv_with_header_and_tag_row(tmp_path: Path) -> None:
    path = write(tmp_path, "Org,Province,Affected\n#org,#adm1+name,#affected\nOrg A,Coast,100\n")
    table, rows = read_all(path)
    assert table.info.format == "csv"
    assert table.info.encoding == "utf-8"
    assert table.info.delimiter == ","
    assert table.info.tag_row == 2
    assert table.info.first_data_row == 3
    assert [(c.index, c.letter, c.header) for c in table.columns] == [
        (0, "A", "Org"),
        (1, "B", "Province"),
        (2, "C", "Affected"),
    ]
    assert tags_of(table) == ["#org", "#adm1+name", "#affected"]
    assert rows == [("Org A", "Coast", "100", 3)]


def test_batches_have_string_columns_named_by_position_and_an_int64_row(tmp_path: Path) -> None:
    path = write(tmp_path, "#org,#affected\nA,1\n")
    with open_table(path) as table:
        frame = next(table.batches())
    assert frame.schema == pl.Schema({"c0": pl.Utf8, "c1": pl.Utf8, "_row": pl.Int64})


def test_tag_row_under_several_header_rows_takes_headers_from_the_row_above(
    tmp_path: Path,
) -> None:
    text = "Title of the report,,\nWho?,Where?,\nOrg,Province,Number\n#org,#adm1,#affected\nA,B,1\n"
    table, rows = read_all(write(tmp_path, text))
    assert table.info.tag_row == 4
    assert [c.header for c in table.columns] == ["Org", "Province", "Number"]
    assert rows == [("A", "B", "1", 5)]


def test_tag_row_as_first_row_has_no_headers(tmp_path: Path) -> None:
    table, rows = read_all(write(tmp_path, "#org,#affected\nA,1\n"))
    assert table.info.tag_row == 1
    assert [c.header for c in table.columns] == [None, None]
    assert rows == [("A", "1", 2)]


def test_tags_match_in_any_case_and_spacing(tmp_path: Path) -> None:
    table, _ = read_all(write(tmp_path, "A,B\n #ADM1 +Code , #Inneed + F\nx,1\n"))
    assert [c.tag for c in table.columns] == [Tag("adm1", ("code",)), Tag("inneed", ("f",))]


def test_untagged_columns_have_no_tag_and_empty_headers_are_none(tmp_path: Path) -> None:
    table, rows = read_all(write(tmp_path, "Org,,Notes\n#org,#affected,\nA,1,note\n"))
    assert tags_of(table) == ["#org", "#affected", None]
    assert [c.header for c in table.columns] == ["Org", None, "Notes"]
    assert rows == [("A", "1", "note", 3)]


def test_tag_row_wider_than_header_row_makes_the_columns(tmp_path: Path) -> None:
    table, rows = read_all(write(tmp_path, "Org\n#org,#affected\nA,1\n"))
    assert tags_of(table) == ["#org", "#affected"]
    assert [c.header for c in table.columns] == ["Org", None]
    assert rows == [("A", "1", 3)]


def test_tag_row_after_25_rows_is_not_found(tmp_path: Path) -> None:
    text = "junk,junk\n" * 25 + "#org,#affected\nA,1\n"
    with pytest.raises(ReadError, match="no HXL hashtag row in the first 25 rows"):
        open_table(write(tmp_path, text))


def test_tag_row_on_row_25_is_found(tmp_path: Path) -> None:
    text = "junk,junk\n" * 24 + "#org,#affected\nA,1\n"
    table, rows = read_all(write(tmp_path, text))
    assert table.info.tag_row == 25
    assert rows == [("A", "1", 26)]


def test_no_tag_row_and_no_map_is_an_error_that_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as caught:
        open_table(write(tmp_path, "Org,Number\nA,1\n"))
    assert caught.value.reason == (
        "no HXL hashtag row in the first 25 rows; tag the file or pass --tags map.yml"
    )
    assert caught.value.row is None


# ---- tag maps -------------------------------------------------------------------------------


def test_tag_map_tags_an_untagged_file_by_header_text_in_any_case_and_spacing(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "CODE OF  IMPLEMENTING PARTNER,Project Status,Remarks\nGOAL,Done,x\n")
    tag_map = {"code of implementing partner": "#org+impl", "PROJECT STATUS": "#status"}
    table, rows = read_all(path, tag_map=tag_map)
    assert table.info.tag_row is None
    assert table.info.first_data_row == 2
    assert tags_of(table) == ["#org+impl", "#status", None]
    assert [c.header for c in table.columns] == [
        "CODE OF  IMPLEMENTING PARTNER",
        "Project Status",
        "Remarks",
    ]
    assert rows == [("GOAL", "Done", "x", 2)]


def test_tag_map_header_row_is_the_row_matching_most_keys(tmp_path: Path) -> None:
    text = (
        "NORTHERN SYRIA: CASH RESPONSE MATRIX,,\n"
        "Who?,Where?,\n"
        "(free text),(dropdown),(number)\n"
        "Partner,Community PCODE,# of Individuals Reached\n"
        "GOAL,C4143,1685\n"
    )
    tag_map = {
        "Partner": "#org",
        "Community PCODE": "#adm4+code",
        "# of individuals reached": "#reached",
    }
    table, rows = read_all(write(tmp_path, text), tag_map=tag_map)
    assert table.info.first_data_row == 5
    assert tags_of(table) == ["#org", "#adm4+code", "#reached"]
    assert rows == [("GOAL", "C4143", "1685", 5)]


def test_tag_map_fills_only_the_untagged_columns_of_a_tagged_file(tmp_path: Path) -> None:
    path = write(tmp_path, "Org,Sector,Status\n#org+impl,,\nA,Food,done\n")
    tag_map = {"Org": "#org+funder", "Status": "#status"}
    table, _ = read_all(path, tag_map=tag_map)
    assert table.info.tag_row == 2
    assert tags_of(table) == ["#org+impl", None, "#status"]


def test_tag_map_that_matches_no_header_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="no row there has any of the headers of the tag map"):
        open_table(write(tmp_path, "Org,Number\nA,1\n"), tag_map={"Partner": "#org"})


def test_tag_map_with_a_value_that_is_not_a_hashtag_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="tag map: 'org' \\(for 'Org'\\) is not a hashtag"):
        open_table(write(tmp_path, "Org\nA\n"), tag_map={"Org": "org"})


# ---- delimiters -----------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_recognised(tmp_path: Path, delimiter: str) -> None:
    text = "\n".join(
        delimiter.join(cells)
        for cells in [["Org", "Province", "N"], ["#org", "#adm1", "#affected"], ["A", "B", "1"]]
    )
    table, rows = read_all(write(tmp_path, text + "\n"))
    assert table.info.delimiter == delimiter
    assert rows == [("A", "B", "1", 3)]


def test_delimiter_is_the_one_that_splits_the_hashtag_row_into_most_tags(tmp_path: Path) -> None:
    # every data row has more commas than semicolons; the hashtag row decides
    text = "Org;Count\n#org;#affected\nA, B, C;1,5\nD, E, F;2,5\nG, H;3\n"
    table, rows = read_all(write(tmp_path, text))
    assert table.info.delimiter == ";"
    assert rows[0] == ("A, B, C", "1,5", 3)


def test_delimiter_can_be_given(tmp_path: Path) -> None:
    table, rows = read_all(write(tmp_path, "#org|#affected\nA|1\n"), delimiter="|")
    assert table.info.delimiter == "|"
    assert rows == [("A", "1", 2)]


def test_delimiter_of_more_than_one_character_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="one character"):
        open_table(write(tmp_path, "#org\nA\n"), delimiter=";;")


def test_untagged_file_with_a_map_guesses_the_delimiter_from_the_headers(tmp_path: Path) -> None:
    path = write(tmp_path, "Partner;Status\nA, B;done\n")
    table, rows = read_all(path, tag_map={"Partner": "#org", "Status": "#status"})
    assert table.info.delimiter == ";"
    assert rows == [("A, B", "done", 2)]


# ---- encodings ------------------------------------------------------------------------------

ARABIC = "المحافظة,الناحية\n#adm1+name,#adm3+name\nحلب,دمشق\nإدلب,حماة\n"
ARABIC_ROWS = [("حلب", "دمشق", 3), ("إدلب", "حماة", 4)]


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("cp1256", "cp1256"),
    ],
)
def test_arabic_text_is_read_in_each_encoding(tmp_path: Path, encoding: str, reported: str) -> None:
    table, rows = read_all(write(tmp_path, ARABIC, encoding=encoding))
    assert table.info.encoding == reported
    assert rows == ARABIC_ROWS


@pytest.mark.parametrize("bom", ["\ufeff"])
@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_either_byte_order_mark(tmp_path: Path, bom: str, codec: str) -> None:
    table, rows = read_all(write(tmp_path, bom + ARABIC, encoding=codec))
    assert table.info.encoding == "utf-16"
    assert rows == ARABIC_ROWS


def test_utf16_without_byte_order_mark_is_recognised(tmp_path: Path) -> None:
    table, rows = read_all(write(tmp_path, ARABIC, encoding="utf-16-le"))
    assert table.info.encoding == "utf-16-le"
    assert rows == ARABIC_ROWS


def test_bom_is_not_part_of_the_first_header(tmp_path: Path) -> None:
    table, _ = read_all(write(tmp_path, "Org,N\n#org,#affected\nA,1\n", encoding="utf-8-sig"))
    assert table.columns[0].header == "Org"


def test_latin1_german_and_french_text_is_recognised(tmp_path: Path) -> None:
    text = "Name,Ort\n#org,#loc+name\nMüller,Deir ez-Zôr\nCafé Hôtel,Französisch\n"
    table, rows = read_all(write(tmp_path, text, encoding="latin-1"))
    assert table.info.encoding == "latin-1"
    assert rows == [("Müller", "Deir ez-Zôr", 3), ("Café Hôtel", "Französisch", 4)]


def test_windows_1256_arabic_with_some_latin_is_recognised(tmp_path: Path) -> None:
    text = "Name,Gov\n#org,#adm1+name\nMüller GmbH,حلب\nCafé,دمشق\nNGO,إدلب\n"
    table, rows = read_all(write(tmp_path, text, encoding="cp1256"))
    assert table.info.encoding == "cp1256"
    assert [r[1] for r in rows] == ["حلب", "دمشق", "إدلب"]
    assert rows[0][0] == "Müller GmbH"


def test_windows_1252_curly_quotes_are_read_as_such(tmp_path: Path) -> None:
    text = "Name,Note\n#org,#description\nCafé,“quoted” – dash\n"
    table, rows = read_all(write(tmp_path, text, encoding="cp1252"))
    assert table.info.encoding == "cp1252"
    assert rows == [("Café", "“quoted” – dash", 3)]


@pytest.mark.parametrize(
    ("given", "encoding", "reported"),
    [("latin1", "latin-1", "latin-1"), ("windows-1256", "cp1256", "cp1256"),
     ("UTF8", "utf-8", "utf-8")],
)  # fmt: skip
def test_encoding_can_be_given(tmp_path: Path, given: str, encoding: str, reported: str) -> None:
    path = write(tmp_path, "Ort\n#loc\nMüller\n", encoding=encoding)
    table, rows = read_all(path, encoding=given)
    assert table.info.encoding == reported
    assert rows == [("Müller", 3)]


def test_unknown_encoding_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="unknown encoding 'klingon'"):
        open_table(write(tmp_path, "#org\nA\n"), encoding="klingon")


def test_wrong_encoding_in_the_header_rows_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "Müller\n#org\nA\n", encoding="latin-1")
    with pytest.raises(ReadError, match="cannot be read as utf-8"):
        open_table(path, encoding="utf-8")


def test_invalid_utf8_far_into_the_file_names_the_row_and_the_line(tmp_path: Path) -> None:
    body = "".join(f"x{i},{i}\n" for i in range(150_000)).encode()
    path = tmp_path / "late.csv"
    path.write_bytes(b"#org,#affected\n" + body + b"M\xfcller,1\n")
    with open_table(path) as table:
        assert table.info.encoding == "utf-8"
        with pytest.raises(ReadError) as caught:
            rows_of(table)
    assert caught.value.row == 150_002
    assert caught.value.value == "M\ufffdller,1"
    assert "not utf-8 text" in caught.value.reason


# ---- rows, cells and row numbers ------------------------------------------------------------


def test_cells_are_stripped_and_empty_cells_are_null(tmp_path: Path) -> None:
    path = write(tmp_path, "#org,#affected,#sector\n  A  ,   , Food\u00a0\n")
    _, rows = read_all(path)
    assert rows == [("A", None, "Food", 2)]


def test_empty_rows_are_left_out_but_keep_their_row_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, "#org,#affected\nA,1\n\n , \n,\nB,2\n\n")
    _, rows = read_all(path)
    assert rows == [("A", "1", 2), ("B", "2", 6)]


def test_quoted_newlines_count_as_one_row_in_headers_and_data(tmp_path: Path) -> None:
    lines = ['"Org\n(name)",Number', "#org,#affected", '"Line 1\nLine 2\nLine 3",1', "B,2",
             '"q\n\nq",3', "C,4", ""]  # fmt: skip
    text = "\n".join(lines)
    table, rows = read_all(write(tmp_path, text))
    assert table.columns[0].header == "Org\n(name)"
    assert table.info.tag_row == 2
    assert rows == [("Line 1\nLine 2\nLine 3", "1", 3), ("B", "2", 4), ("q\n\nq", "3", 5),
                    ("C", "4", 6)]  # fmt: skip


def test_short_rows_are_padded_and_long_rows_cut_to_the_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "#org,#adm1,#affected\nA,B,1\nC\nD,E,2,extra,more\nF,G,3\n")
    _, rows = read_all(path)
    assert rows == [
        ("A", "B", "1", 2),
        ("C", None, None, 3),
        ("D", "E", "2", 4),
        ("F", "G", "3", 5),
    ]


def test_data_rows_narrower_than_the_hashtag_row_are_padded(tmp_path: Path) -> None:
    text = "Org,N,Notes\n#org,#affected,#meta+notes\nA,1\nB,2\nC,3,note\nD,4\n"
    _, rows = read_all(write(tmp_path, text))
    assert rows == [("A", "1", None, 3), ("B", "2", None, 4), ("C", "3", "note", 5),
                    ("D", "4", None, 6)]  # fmt: skip


def test_data_rows_wider_than_the_hashtag_row_are_cut(tmp_path: Path) -> None:
    text = "Org,N\n#org,#affected\nA,1,x\nB,2,y\nC\nD,4,z,w\n"
    _, rows = read_all(write(tmp_path, text))
    assert rows == [("A", "1", 3), ("B", "2", 4), ("C", None, 5), ("D", "4", 6)]


def test_ragged_rows_quoted_newlines_and_blank_lines_keep_row_numbers_across_blocks(
    tmp_path: Path,
) -> None:
    # each row carries its own row number; several 1 MB blocks, so several pyarrow batches
    lines = ["Row,Text,Number", "#meta+row,#description,#affected"]
    expected_rows = []
    row = 3
    for i in range(120_000):
        if i % 997 == 0:
            lines.append(f"{row},short")  # too few cells
        elif i % 1009 == 0:
            lines.append(f'{row},"two\nlines",{i},extra')  # too many cells, across two lines
        elif i % 991 == 0:
            lines.append("")  # blank: left out, numbered
            row += 1
            continue
        elif i % 13 == 0:
            lines.append(f'{row},"a\nb",{i}')
        else:
            lines.append(f"{row},text {i},{i}")
        expected_rows.append(row)
        row += 1
    path = write(tmp_path, "\n".join(lines) + "\n")
    with open_table(path) as table:
        frames = list(table.batches(rows=50_000))
    assert [f.height for f in frames] == [50_000, 50_000, len(expected_rows) - 100_000]
    frame = pl.concat(frames)
    assert frame["_row"].to_list() == expected_rows
    assert (frame["c0"].cast(pl.Int64) == frame["_row"]).all()


def test_batches_can_be_read_again_and_in_small_sizes(tmp_path: Path) -> None:
    path = write(tmp_path, "#org\n" + "".join(f"o{i}\n" for i in range(10)))
    with open_table(path) as table:
        sizes = [f.height for f in table.batches(rows=4)]
        again = rows_of(table, rows=3)
    assert sizes == [4, 4, 2]
    assert again == [(f"o{i}", i + 2) for i in range(10)]


def test_batch_size_must_be_positive(tmp_path: Path) -> None:
    with open_table(write(tmp_path, "#org\nA\n")) as table, pytest.raises(ValueError):
        next(table.batches(rows=0))


def test_file_with_no_data_rows_gives_no_batches(tmp_path: Path) -> None:
    table, rows = read_all(write(tmp_path, "Org\n#org\n"))
    assert rows == []
    table, rows = read_all(write(tmp_path, "Org\n#org", name="nonl.csv"))
    assert rows == []


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_windows_and_old_mac_line_endings(tmp_path: Path, newline: str) -> None:
    text = newline.join(["Org,N", "#org,#affected", "A,1", '"B\nC",2', ""])
    table, rows = read_all(write(tmp_path, text))
    assert table.info.tag_row == 2
    assert rows == [("A", "1", 3), ("B\nC", "2", 4)]


def test_unclosed_quote_keeps_the_rest_in_one_cell(tmp_path: Path) -> None:
    _, rows = read_all(write(tmp_path, '#org,#affected\nA,1\n"B,2\nC,3\n'))
    assert rows[0] == ("A", "1", 2)
    assert rows[1][0] == "B,2\nC,3"


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA",
    ]  # fmt: skip


# ---- what is not a table --------------------------------------------------------------------


def test_missing_file_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.csv"
    with pytest.raises(ReadError) as caught:
        open_table(path)
    assert caught.value.path == path
    assert str(caught.value) == f"{path}: no such file"


def test_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="a folder, not a file"):
        open_table(tmp_path)


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="the file is empty"):
        open_table(write(tmp_path, ""))


def test_file_of_blank_lines_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="the file has no rows"):
        open_table(write(tmp_path, "  \n\n\n"))


def test_binary_file_is_not_a_table(tmp_path: Path) -> None:
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)))
    with pytest.raises(ReadError, match="not a CSV or XLSX file"):
        open_table(path)


def test_zip_archive_that_is_not_a_workbook_is_read_by_its_content(tmp_path: Path) -> None:
    path = tmp_path / "data.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data.csv", "#org\nA\n")
    table, rows = read_all(path)
    assert (table.info.format, table.info.member) == ("csv", "data.csv")
    assert rows == [("A", 2)]


def test_zip_archive_without_a_table_is_not_a_table(tmp_path: Path) -> None:
    path = tmp_path / "data.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("report.pdf", b"%PDF-1.4")
        archive.writestr("logo.png", b"\x89PNG")
    with pytest.raises(ReadError, match="a ZIP archive with no table in it .* 'report.pdf'"):
        open_table(path)


def test_damaged_zip_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "data.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 10)
    with pytest.raises(ReadError, match="damaged ZIP"):
        open_table(path)


def test_damaged_workbook_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "data.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "not xml at all <<<")
    with pytest.raises(ReadError, match="XLSX"):
        open_table(path)


def test_unknown_locale_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="unknown locale 'xx'"):
        open_table(write(tmp_path, "#org\nA\n"), locale="xx")


def test_read_error_message_names_path_row_column_and_value() -> None:
    error = ReadError(Path("4w.csv"), 12, "C", "1.234,5", "looks like de notation")
    assert str(error) == "4w.csv, row 12, column C, value '1.234,5': looks like de notation"
    assert (error.row, error.column, error.value) == (12, "C", "1.234,5")
    assert str(ReadError("4w.csv", reason="the file is empty")) == "4w.csv: the file is empty"


# ---- spreadsheets ---------------------------------------------------------------------------


def make_xlsx(path: Path, rows: list[list[object]], title: str = "Data", start: str = "A1") -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    first_col = openpyxl.utils.cell.column_index_from_string(start.rstrip("0123456789"))
    first_row = int(start.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    for i, values in enumerate(rows):
        for j, value in enumerate(values):
            if value is not None:
                sheet.cell(row=first_row + i, column=first_col + j, value=value)
    other = workbook.create_sheet("Other")
    other["A1"] = "#org"
    other["A2"] = "from the other sheet"
    workbook.save(path)
    return path


XLSX_ROWS: list[list[object]] = [
    ["Org", "Reached", "Share", "Date", "When", "Flag"],
    ["#org", "#reached", "#value+pct", "#date", "#date+reported", "#meta+flag"],
    ["A", 600000, 13.5, dt.date(2017, 2, 28), dt.datetime(2017, 2, 28, 10, 30), True],
    [None, None, None, None, None, None],
    ["B", 1.5e6, 1.234, dt.datetime(2017, 3, 1), dt.datetime(2017, 3, 1, 0, 0), False],
    ["C", -2, 0.00001, None, None, None],
]


def test_xlsx_cells_are_read_as_text_in_the_locale_notation(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "4w.xlsx", XLSX_ROWS)
    table, rows = read_all(path, sheet="Data")
    assert table.info.format == "xlsx"
    assert (table.info.sheet, table.info.encoding, table.info.delimiter) == ("Data", None, None)
    assert (table.info.tag_row, table.info.first_data_row) == (2, 3)
    assert tags_of(table) == ["#org", "#reached", "#value+pct", "#date", "#date+reported",
                              "#meta+flag"]  # fmt: skip
    assert rows == [
        ("A", "600000", "13.5", "2017-02-28", "2017-02-28T10:30:00", "true", 3),
        ("B", "1500000", "1.2340", "2017-03-01", "2017-03-01", "false", 5),
        ("C", "-2", "0.00001", None, None, None, 6),
    ]


def test_xlsx_numbers_use_a_decimal_comma_for_de(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "4w.xlsx", XLSX_ROWS)
    _, rows = read_all(path, locale="de", sheet="Data")
    assert [r[2] for r in rows] == ["13,5", "1,2340", "0,00001"]
    values, reasons = parse_numbers(pl.Series([r[2] for r in rows]), "de")
    assert values.to_list() == [13.5, 1.234, 0.00001]
    assert reasons.null_count() == 3


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("value", [1.234, 123.456, -1.5, 0.125, 600000.0, 36.055985, 1e-7, 2.5e20])
def test_typed_numbers_read_back_exactly_in_every_locale(locale: str, value: float) -> None:
    text = render_cell(value, locale)
    assert text is not None and "e" not in text.lower()
    assert parse_number(text, locale) == value


def test_xlsx_sheet_by_name(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "4w.xlsx", XLSX_ROWS)
    table, rows = read_all(path, sheet="Other")
    assert table.info.sheet == "Other"
    assert rows == [("from the other sheet", 2)]


def test_xlsx_unknown_sheet_is_an_error_listing_the_sheets(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "4w.xlsx", XLSX_ROWS)
    with pytest.raises(ReadError, match="no sheet 'Nope'; the sheets are 'Data', 'Other'"):
        open_table(path, sheet="Nope")


def test_xlsx_starting_at_c3_keeps_spreadsheet_rows_and_letters(tmp_path: Path) -> None:
    rows_in: list[list[object]] = [["Org", "N"], ["#org", "#affected"], ["A", 1], ["B", 2]]
    path = make_xlsx(tmp_path / "offset.xlsx", rows_in, start="C3")
    table, rows = read_all(path, sheet="Data")
    assert (table.info.tag_row, table.info.first_data_row) == (4, 5)
    tagged = [c for c in table.columns if c.tag]
    assert [(c.letter, c.index, c.header, str(c.tag)) for c in tagged] == [
        ("C", 2, "Org", "#org"),
        ("D", 3, "N", "#affected"),
    ]
    assert rows == [(None, None, "A", "1", 5), (None, None, "B", "2", 6)]


def test_xlsx_untagged_with_map_finds_the_header_row_under_title_rows(tmp_path: Path) -> None:
    rows_in: list[list[object]] = [
        ["CASH RESPONSE MATRIX", None, None],
        ["Who?", "Where?", None],
        ["(free text)", "(dropdown)", "(number)"],
        ["CODE OF IMPLEMENTING PARTNER", "Community PCODE\n", "# of Individuals Reached"],
        ["CBR-004", "C4143", 1685],
    ]
    path = make_xlsx(tmp_path / "cash.xlsx", rows_in)
    tag_map = {
        "CODE OF IMPLEMENTING PARTNER": "#org+impl",
        "Community PCODE": "#adm4+code",
        "# of Individuals Reached": "#reached+ind",
    }
    table, rows = read_all(path, tag_map=tag_map, sheet="Data")
    assert table.info.first_data_row == 5
    assert tags_of(table) == ["#org+impl", "#adm4+code", "#reached+ind"]
    assert rows == [("CBR-004", "C4143", "1685", 5)]


def test_xlsx_with_another_extension_is_recognised_by_content(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "4w.xlsx", XLSX_ROWS)  # its sheet "Other" is tagged too
    renamed = path.rename(tmp_path / "4w.dat")
    table, rows = read_all(renamed, sheet="Data")
    assert table.info.format == "xlsx"
    assert len(rows) == 3


def test_xlsx_without_tag_row_is_an_error(tmp_path: Path) -> None:
    rows_in: list[list[object]] = [["Org", "N"], ["A", 1]]
    path = make_xlsx(tmp_path / "plain.xlsx", rows_in)
    with pytest.raises(ReadError, match="no HXL hashtag row"):
        open_table(path, sheet="Data")


@pytest.mark.parametrize(
    ("value", "locale", "text"),
    [
        (None, "en", None),
        ("  x ", "en", "x"),
        ("   ", "en", None),
        (True, "en", "true"),
        (7, "en", "7"),
        (7.0, "de", "7"),
        (13.5, "fr", "13,5"),
        (13.5, "ar", "13.5"),
        (dt.date(2017, 2, 28), "en", "2017-02-28"),
        (dt.datetime(2017, 2, 28, 0, 0), "en", "2017-02-28"),
        (dt.datetime(2017, 2, 28, 10, 0, 5), "en", "2017-02-28T10:00:05"),
        (dt.time(10, 30), "en", "10:30:00"),
    ],
)
def test_render_cell(value: object, locale: str, text: str | None) -> None:
    assert render_cell(value, locale) == text


# ---- real files -----------------------------------------------------------------------------


@needs_libhxl
@pytest.mark.parametrize(
    ("name", "fmt", "delimiter"),
    [
        ("input-valid.csv", "csv", ","),
        ("input-valid.hxl", "csv", ","),
        ("input-valid.tsv", "csv", "\t"),
        ("input-valid.ssv", "csv", ";"),
        ("input-valid-latin1.csv", "csv", ","),
        ("input-valid.xlsx", "xlsx", None),
        ("input-valid-xlsx.NOEXT", "xlsx", None),
        ("input-valid.xls", "xls", None),
    ],
)
def test_libhxl_valid_files_read_alike(name: str, fmt: str, delimiter: str | None) -> None:
    table, rows = read_all(LIBHXL_IO / name)
    assert table.info.format == fmt
    assert table.info.delimiter == delimiter
    assert table.info.tag_row == 3
    assert tags_of(table) == [None, "#sector+es", "#subsector+es", "#org+es", "#targeted+f",
                              "#targeted+m", "#country", "#adm1", "#date+reported"]  # fmt: skip
    assert table.columns[1].header == "Sector/Cluster"
    assert table.columns[8].header is None
    assert rows == LIBHXL_ROWS


@needs_libhxl
def test_libhxl_latin1_file_is_recognised_as_latin1() -> None:
    table, _ = read_all(LIBHXL_IO / "input-valid-latin1.csv")
    assert table.info.encoding == "latin-1"


@needs_libhxl
def test_libhxl_multiple_header_rows_give_row_numbers_after_the_hashtags() -> None:
    table, rows = read_all(LIBHXL_IO / "input-multiple-headers.csv")
    assert table.info.tag_row == 3
    assert tags_of(table) == ["#org", None, "#adm1", "#affected"]
    assert [c.header for c in table.columns] == ["Org", "No hashtag", "Province", "Number affected"]
    assert rows == [("Org X", "xxx", "Coast", "100", 4), ("Org Y", "yyy", "Mountains", "200", 5)]


@needs_libhxl
def test_libhxl_fuzzy_hashtag_row_is_accepted() -> None:
    table, rows = read_all(LIBHXL_IO / "input-fuzzy.csv")
    assert table.info.tag_row == 3
    assert tags_of(table)[1:6] == ["#sector+es", "#subsector+es", "#org+es", "#targeted+f",
                                   "#targeted+f"]  # fmt: skip
    assert tags_of(table)[6:] == [None, None]
    assert len(rows) == 4


@needs_libhxl
def test_libhxl_invalid_file_has_no_hashtag_row() -> None:
    with pytest.raises(ReadError, match="no HXL hashtag row"):
        open_table(LIBHXL_IO / "input-invalid.csv")


@needs_libhxl
def test_libhxl_multiline_cell() -> None:
    _, rows = read_all(LIBHXL_IO / "input-multiline.csv")
    assert rows == [("Line 1\nLine 2\nLine 3", 2)]


@needs_libhxl
def test_libhxl_png_is_not_a_table() -> None:
    with pytest.raises(ReadError, match="not a CSV or XLSX file"):
        open_table(LIBHXL_IO / "input-invalid.png")


@needs_libhxl
def test_libhxl_zipped_csv_reads_as_the_csv_inside() -> None:
    table, rows = read_all(LIBHXL_IO / "input-valid-csv.zip")
    assert (table.info.format, table.info.member) == ("csv", "input.csv")
    assert table.info.path == LIBHXL_IO / "input-valid-csv.zip"
    assert rows == LIBHXL_ROWS


@needs_libhxl
def test_libhxl_broken_xlsx_reads_without_a_traceback() -> None:
    # "broken" for older readers (no shared strings, odd zip entries); calamine reads it, as
    # libhxl's own test expects.
    table, rows = read_all(LIBHXL_IO / "input-broken.xlsx")
    assert table.info.tag_row == 2
    assert tags_of(table)[-1] == "#affected+idps+ind+newdisp+disaster"
    assert len(rows) == 6431
    assert rows[0] == ("AB9", "Abyei Area", "2018", "2018-07-01", "Abyie: Flood - 01/07/2018",
                       "Weather related", "Flood", "2", 3)  # fmt: skip


@needs_libhxl
def test_libhxl_merged_xlsx() -> None:
    table, rows = read_all(LIBHXL_IO / "input-merged.xlsx")
    assert table.info.tag_row == 3
    assert rows[2] == ("003", "Educación", "Formación de enseñadores", None, "250", "300", None,
                       "Chocó", None, 6)  # fmt: skip


@needs_libhxl
def test_libhxl_untagged_workbook_sheet_is_an_error_and_the_tagged_sheet_reads() -> None:
    path = LIBHXL_IO / "input-quality.xlsx"
    untagged = python_calamine.CalamineWorkbook.from_path(str(path)).sheet_names[0]
    with pytest.raises(ReadError, match="no HXL hashtag row"):
        open_table(path, sheet=untagged)
    table, rows = read_all(path, sheet="input-quality-hxl")
    assert table.info.tag_row == 3
    assert len(rows) == 4
    found, same = read_all(path)  # without --sheet: the one sheet with hashtags
    assert found.info.sheet == "input-quality-hxl"
    assert same == rows


@needs_fixtures
def test_ethiopia_file_with_two_header_rows_and_spaced_thousands() -> None:
    path = (
        FIXTURES / "hdx-python-scraper__ethiopia_drought_affected_targeted_reached_by_cluster.csv"
    )
    table, rows = read_all(path)
    assert table.info.tag_row == 3
    assert table.info.first_data_row == 4
    assert len(rows) == 391
    health = next(c for c in table.columns if c.tag and c.tag.matches("#inneed+health"))
    assert health.letter == "K"
    assert health.header == "Affected"
    with open_table(path) as again:
        frame = pl.concat(list(again.batches()))
    values, reasons = parse_numbers(frame[f"c{health.index}"], "en")
    assert frame["_row"][0] == 4 and frame[f"c{health.index}"][0] == "80 418"
    assert values[0] == 80418.0
    number_columns = [
        f"c{c.index}" for c in table.columns
        if c.tag and c.tag.hashtag in {"affected", "inneed", "targeted", "reached", "target"}
    ]  # fmt: skip
    for name in number_columns:
        _, reasons = parse_numbers(frame[name], "en")
        assert reasons.null_count() == frame.height, name  # '-' and '80 418' are fine


@needs_fixtures
def test_afghanistan_3w_with_bom_and_spaced_attributes() -> None:
    name = "hapi-pipelines__operational_presence_afg_afghanistan_3w_operational_presence_"
    path = FIXTURES / (name + "january_march_2024.csv")
    table, rows = read_all(path)
    assert table.info.encoding == "utf-8-sig"
    assert table.columns[0].header == "REGION"
    assert tags_of(table) == [
        "#region+name", "#adm1+name", "#adm1+code", "#adm2+name", "#adm2+code", "#org+acronym",
        "#org+name", "#org+type+name", "#sector+cluster+code", "#sector+cluster+name", None,
    ]  # fmt: skip
    assert table.columns[10].header == "Question"
    assert len(rows) == 10902
    assert rows[0][:6] == ("Capital", "Kabul", "AF01", "Kabul", "AF0101", "ASCHIANA")
    assert rows[0][-1] == 3


@needs_fixtures
def test_sahel_file_with_a_junk_hashtag_cell() -> None:
    table, rows = read_all(FIXTURES / "hdx-python-scraper__hno_2017_sahel_nutrition.csv")
    assert tags_of(table) == ["#country", None, "#affected", "#inneed", "#targeted",
                              "#targeted+percentage"]  # fmt: skip
    assert rows[0] == ("Burkina Faso", "MAM", "433,412", "433,412", "_", "0", 3)


@needs_syria
def test_syria_communities_gazetteer() -> None:
    path = SYRIA / "locations_2018" / "syr_locations_communities.csv"
    with open_table(path) as table:
        frame = pl.concat(list(table.batches()))
    assert table.info.tag_row == 2
    assert frame.height == 7693
    code = next(c for c in table.columns if c.tag and c.tag.matches("#adm4+code"))
    name_ar = next(c for c in table.columns if c.tag and c.tag.matches("#adm1+name+i_ar"))
    first = frame.row(0, named=True)
    assert (first[f"c{code.index}"], first[f"c{name_ar.index}"], first["_row"]) == (
        "C1001", "دمشق", 3
    )  # fmt: skip
    assert frame["_row"][-1] == 7695


@needs_syria
def test_syria_cash_4w_xlsx_with_a_tag_map() -> None:
    path = SYRIA / "cash_4w_2023" / "SYR_TurkeyXB_CBR_4Ws_DATA_ver2_20230324_fsl_export.xlsx"
    tag_map = {
        "CODE OF IMPLEMENTING PARTNER": "#org+impl",
        "Project Status": "#status",
        "Community PCODE": "#adm4+code",
        "# of Individuals Reached": "#reached+ind",
        "End date": "#date+end",
    }
    table, rows = read_all(path, tag_map=tag_map)
    assert table.info.sheet == "data_entry"
    assert table.info.first_data_row == 5
    tagged = {str(c.tag): c for c in table.columns if c.tag}
    assert tagged["#status"].header == "Project Status"
    assert tagged["#adm4+code"].letter == "N"
    assert len(rows) == 413
    first = rows[0]
    assert first[0] == "CBR-004" and first[-1] == 5
    assert first[tagged["#adm4+code"].index] == "C4143"
    assert first[tagged["#reached+ind"].index] == "1685"
    assert first[tagged["#date+end"].index] == "2023-02-21"
