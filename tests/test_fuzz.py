"""Fuzzing the importer (issue 6, point 5): Hypothesis throws malformed CSV, XLSX and HXL at
``import_file`` on a real store holding a small gazetteer.

Ragged rows, random and malformed hashtags, header rows above the tags, odd encodings, byte-order
marks, NUL bytes and other controls, huge and odd numbers, impossible dates, Arabic, Latin and
other scripts mixed, damaged bytes. The only outcomes allowed: the import succeeds, or it raises
``ImportFailed`` whose report names, for every error, its reason and (unless the file as a whole
is refused) its row; and after a failure, or a dry run, every table has exactly the rows it had.

Each form runs a bounded number of examples (``FUZZ_EXAMPLES``, 150 by default), no deadline:
seconds on SQLite. ``LAGEBILD_FUZZ_EXAMPLES`` raises it for a longer hunt.
"""

from __future__ import annotations

import csv
import io
import os
import re
import string
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lagebild.ingest import ImportFailed, ImportOptions, ImportReport, import_file
from lagebild.store import Store
from lagebild.store.summary import row_counts

FUZZ_EXAMPLES = int(os.environ.get("LAGEBILD_FUZZ_EXAMPLES", "150"))
#: Problems about the file as a whole: they need no row.
FILE_CODES = {"unreadable", "layout", "already-imported"}

GAZETTEER = """\
#adm1+code,#adm1+name+i_en,#adm1+name+i_ar,#adm2+code,#adm3+code,#adm4+code,#adm4+name,#geo+lat,#geo+lon
SY02,Aleppo,حلب,SY0200,SY020000,C1007,Aleppo,36.2,37.15
SY02,Aleppo,حلب,SY0200,SY020000,C1003,Musallamiyeh,36.3,37.2
SY07,Idleb,إدلب,SY0703,SY070302,C4140,Salqin,36.14,36.45
"""  # noqa: E501

#: Tags the importer reads, by the kind of file they make.
KIND_TAGS = {
    "places": ["#adm1+code", "#adm1+name", "#adm2+code", "#adm3+code", "#adm4+code",
               "#adm4+name+i_ar", "#geo+lat", "#geo+lon", "#date+valid_on"],
    "figures": ["#adm4+code", "#adm1+code", "#population", "#inneed", "#affected+idps",
                "#inneed+food", "#inneed+pct", "#date", "#meta+source", "#meta+source+grade"],
    "access": ["#adm4+code", "#adm3+code", "#access", "#group+besieging", "#date+start",
               "#meta+source"],
    "deliveries": ["#org+impl", "#org+reporting", "#org+funder", "#sector", "#activity",
                   "#item+name", "#item+num", "#reached+ind", "#reached+f", "#status",
                   "#date+start", "#date+end", "#adm4+code", "#adm3+code", "#meta+source"],
}  # fmt: skip
ALL_TAGS = sorted({t for tags in KIND_TAGS.values() for t in tags})

PCODES = ["SY02", "SY0200", "SY020000", "C1007", "C1003", "C4140", "SY07", "C9999", "sy02",
          " C1007 ", "SY", "C1007C1003", "SY0703", "SY070302"]  # fmt: skip
WORDS = ["completed", "Completed", "done", "planned", "ongoing", "denied", "besieged",
         "hard_to_reach", "accessible", "Food Security", "Health", "WASH", "حلب", "الغذاء",
         "Zôr", "Müller", "Идлиб", "🙂", "ⅷ", "A+", "B2", "F6", "Z9", ""]  # fmt: skip
NUMBERS = ["0", "-1", "12", "600000", "600.000", "600,000", "1.5", "1,5", "1e309", "-1e309",
           "NaN", "inf", "1" * 40, "-" + "9" * 30, "١٢٣٤", "٣,٥", "12 000", "0x1F", "1_000",
           "5%", "75 %", "+3", "٫٥"]  # fmt: skip
DATES = ["2017-02-20", "2017-02-30", "2017-13-01", "0000-00-00", "9999-12-31", "99999-01-01",
         "31/12/2017", "12/31/2017", "2017-02", "2017", "20.02.2017", "2017-02-20T10:00:00",
         "2017-02-20 10:00", "١٥/٠٢/٢٠١٧", "Feb 20 2017", "0001-01-01", "1899-12-31",
         "43000", "-1"]  # fmt: skip
CONTROLS = ["\x00", "\x01", "\x1b", "\x7f", "\u202e", "\u200f", "\ufeff", "\r", "\n", "\r\n",
            '"', "'", ",", ";", "\t", "|", "\\"]  # fmt: skip

text_cells = st.text(
    alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Z", "Cc"]),
    max_size=20,
)
cells = st.one_of(
    st.sampled_from(PCODES),
    st.sampled_from(WORDS),
    st.sampled_from(NUMBERS),
    st.sampled_from(DATES),
    st.sampled_from(CONTROLS),
    text_cells,
    st.builds(lambda a, b: a + b, st.sampled_from(WORDS + NUMBERS), st.sampled_from(CONTROLS)),
)
odd_tags = st.one_of(
    st.sampled_from(ALL_TAGS),
    st.builds(lambda t: t.upper(), st.sampled_from(ALL_TAGS)),
    st.builds(lambda t: t.replace("+", " +"), st.sampled_from(ALL_TAGS)),
    st.sampled_from(["#", "##", "#+", "#adm9+code", "#inneed+", "# inneed", "#meta+", "#x-y",
                     "#adm1+code+code", "#date+start+end", "#reached+ind+f", "#population-"]),
    st.builds(lambda s: "#" + s, st.text(string.ascii_letters + "+-_#", max_size=12)),
)  # fmt: skip


@st.composite
def tables(draw: st.DrawFn) -> list[list[str]]:
    """Header rows, a hashtag row, ragged data rows."""
    width = draw(st.integers(1, 8))
    kind = draw(st.sampled_from(sorted(KIND_TAGS)))
    tags = draw(
        st.lists(st.one_of(st.sampled_from(KIND_TAGS[kind]), odd_tags), min_size=1,
                 max_size=width)
    )  # fmt: skip
    above = draw(st.lists(st.lists(cells, max_size=width + 2), max_size=3))
    rows = draw(st.lists(st.lists(cells, max_size=width + 3), max_size=12))
    return [*above, tags, *rows]


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1256", "latin-1", "cp1252"]


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    rows = draw(tables())
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=draw(st.sampled_from([",", ";", "\t", "|"])),
        lineterminator=draw(st.sampled_from(["\n", "\r\n", "\r"])),
        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
    )
    writer.writerows(rows)
    text = buffer.getvalue()
    encoding = draw(st.sampled_from(ENCODINGS))
    data = text.encode(encoding, errors="replace")
    damage = draw(st.sampled_from(["none", "none", "truncate", "bytes", "bom"]))
    if damage == "truncate" and data:
        data = data[: draw(st.integers(0, len(data)))]
    elif damage == "bytes":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    elif damage == "bom":
        data = draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"])) + data
    return data


#: Characters XML 1.0 cannot hold: openpyxl refuses them, as a spreadsheet program would.
_XML_ILLEGAL = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"} | {"\ufffe", "\uffff"}

xlsx_values = st.one_of(
    cells.map(lambda s: "".join(c for c in s if c not in _XML_ILLEGAL and not 0xD800 <= ord(c) <= 0xDFFF)),  # noqa: E501
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 12, 31)),
    st.dates(min_value=date(1900, 3, 1)),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)),
    st.none(),
)


@st.composite
def xlsx_rows(draw: st.DrawFn) -> list[list[Any]]:
    rows = draw(tables())
    typed: list[list[Any]] = []
    for row in rows:
        if row and all(str(c).startswith("#") for c in row):
            # The hashtag row stays text, but text openpyxl can write ('#\x1f' it refuses).
            typed.append(["".join(ch for ch in str(c) if ch not in _XML_ILLEGAL) for c in row])
            continue
        typed.append([draw(xlsx_values) if draw(st.booleans()) else
                      "".join(ch for ch in c if ch not in _XML_ILLEGAL) for c in row])  # fmt: skip
    return typed


# ---- the store and the check ---------------------------------------------------------------------


@pytest.fixture
def gazetteer_store(store: Store, tmp_path: Path) -> Store:
    path = tmp_path / "gazetteer.csv"
    path.write_text(GAZETTEER, encoding="utf-8")
    import_file(store, path)
    return store


class Importer:
    """``import_file`` on one store, with the check every example must pass."""

    def __init__(self, store: Store, folder: Path) -> None:
        self.store = store
        self.folder = folder
        self.count = 0
        self.outcomes: dict[str, int] = {}

    def run(self, data: bytes, suffix: str, options: ImportOptions) -> ImportReport | None:
        self.count += 1
        path = self.folder / f"fuzz{self.count}{suffix}"
        path.write_bytes(data)
        before = row_counts(self.store)
        try:
            report = import_file(self.store, path, options)
        except ImportFailed as failed:
            assert row_counts(self.store) == before, "a failed import changed the database"
            check_report(failed.report)
            self.outcomes["failed"] = self.outcomes.get("failed", 0) + 1
            return None
        finally:
            path.unlink()
        if options.dry_run:
            assert row_counts(self.store) == before, "a dry run changed the database"
        assert report.rows_written <= report.rows_read
        self.outcomes["imported"] = self.outcomes.get("imported", 0) + 1
        return report


def check_report(report: ImportReport) -> None:
    assert report.errors, "ImportFailed without an error"
    for problem in report.errors:
        assert problem.reason.strip(), problem
        assert problem.file, problem
        if problem.code not in FILE_CODES:
            assert problem.row is not None, f"no row: {problem}"
            assert problem.row >= 1, problem


@pytest.fixture
def importer(gazetteer_store: Store, tmp_path: Path) -> Iterator[Importer]:
    folder = tmp_path / "fuzz"
    folder.mkdir()
    yield Importer(gazetteer_store, folder)


options = st.builds(
    ImportOptions,
    source=st.sampled_from([None, "Fuzz partner", "مصدر"]),
    locale=st.sampled_from(["en", "de", "ar", "fr"]),
    date=st.sampled_from([None, date(2017, 2, 28)]),
    dry_run=st.booleans(),
    skip_invalid=st.booleans(),
)
FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


def _with_rejects(importer: Importer, chosen: ImportOptions) -> ImportOptions:
    rejects = importer.folder / "rejects.csv"
    return ImportOptions(**{**chosen.__dict__, "rejects": rejects})


@FUZZ
@given(data=csv_files(), chosen=options)
def test_malformed_csv_is_imported_or_reported_never_half(
    importer: Importer, data: bytes, chosen: ImportOptions
) -> None:
    importer.run(data, ".csv", _with_rejects(importer, chosen))


def _damaged(draw: st.DrawFn, data: bytes) -> bytes:
    """The file, or (one time in three) with a few bytes changed, cut short or inserted."""
    how = draw(st.sampled_from(["none", "none", "none", "none", "flip", "truncate", "insert"]))
    if how == "none" or not data:
        return data
    at = draw(st.integers(0, len(data) - 1))
    if how == "truncate":
        return data[:at]
    junk = draw(st.binary(min_size=1, max_size=16))
    if how == "insert":
        return data[:at] + junk + data[at:]
    return data[:at] + junk + data[at + len(junk) :]


@FUZZ
@given(rows=xlsx_rows(), chosen=options, data=st.data())
def test_malformed_xlsx_is_imported_or_reported_never_half(
    importer: Importer, rows: list[list[Any]], chosen: ImportOptions, data: st.DataObject
) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    file = _damaged(data.draw, _timeless(buffer.getvalue()))
    importer.run(file, ".xlsx", _with_rejects(importer, chosen))


_STAMPS = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _timeless(xlsx: bytes) -> bytes:
    """The workbook without the time it was saved (openpyxl writes the clock into its properties
    and its ZIP entries): the same rows give the same bytes, so Hypothesis replays a failure
    exactly, whenever it runs."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/core.xml":
                body = _STAMPS.sub(rb"\g<1>2017-01-01T00:00:00Z\g<2>", body)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2017, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, body)
    return out.getvalue()


@st.composite
def hxl_files(draw: st.DrawFn) -> bytes:
    """Files of one kind with mostly valid tags (in any case, spacing and order) and cells
    drawn for their columns: they get past the layout into row validation."""
    kind = draw(st.sampled_from(sorted(KIND_TAGS)))
    tags = draw(st.lists(st.sampled_from(KIND_TAGS[kind]), min_size=2, max_size=8, unique=True))
    spelled = [
        draw(st.sampled_from([t, t.upper(), t.replace("+", " +"), " " + t + " "])) for t in tags
    ]
    by_tag = {
        "code": st.sampled_from(PCODES),
        "date": st.sampled_from(DATES),
        "num": st.sampled_from(NUMBERS),
    }

    def cell_for(tag: str) -> st.SearchStrategy[str]:
        if "code" in tag:
            return st.one_of(by_tag["code"], cells)
        if tag.startswith("#date"):
            return st.one_of(by_tag["date"], cells)
        if tag.split("+")[0] in ("#population", "#inneed", "#affected", "#reached", "#item"):
            return st.one_of(by_tag["num"], cells)
        return st.one_of(st.sampled_from(WORDS), cells)

    rows = [[draw(cell_for(t)) for t in tags] for _ in range(draw(st.integers(0, 10)))]
    rows = [r[: draw(st.integers(0, len(r) + 1))] for r in rows]  # ragged
    header = [draw(st.sampled_from(["", "Name", "الاسم", "Wert"])) for _ in tags]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([header, spelled, *rows])
    return buffer.getvalue().encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"])))


@FUZZ
@given(data=hxl_files(), chosen=options)
def test_hxl_rows_of_each_kind_are_imported_or_reported_never_half(
    importer: Importer, data: bytes, chosen: ImportOptions
) -> None:
    importer.run(data, ".csv", _with_rejects(importer, chosen))


# ---- atheris, when it is installed -----------------------------------------------------------

ATHERIS_HARNESS = Path(__file__).resolve().parents[1] / "bench" / "fuzz_import.py"


def test_atheris_harness_finds_no_crash_in_a_short_run(tmp_path: Path) -> None:
    """Coverage-guided inputs from the seed corpus (bench/fuzz_import.py): a few hundred runs,
    no crash and no changed count after a failure. Skipped without atheris."""
    import subprocess
    import sys

    pytest.importorskip("atheris", reason="atheris is not installed: pip install atheris")
    run = subprocess.run(
        [sys.executable, str(ATHERIS_HARNESS), "-runs=300", "-seed=1", "-max_total_time=60",
         str(tmp_path / "corpus")],
        capture_output=True,
        text=True,
        timeout=180,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Done 300 runs" in run.stderr or "DONE" in run.stderr, run.stderr[-2000:]
