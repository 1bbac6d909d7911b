"""ActivityInfo's export of a 4W form, read with the shipped tag map (``--tags activityinfo``).

The export is written as ActivityInfo writes it (docs/kobo.md): the record's ``_id`` and
``_lastEditTime``, then each field by its label, a reference field by its label and the key
field of the form it references ("Partner Name", "Governorate Code"), dates YYYY-MM-DD,
quantities with a dot. The people reached stored are those added up from the export's rows;
an edited record exported again replaces its delivery.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from kobo_support import delivered, with_gazetteer
from sqlalchemy import func, select

from lagebild.actions.imports import import_file
from lagebild.cli import main
from lagebild.ingest import ImportOptions, load_tag_map
from lagebild.store import Store
from lagebild.store import schema as t

HEADER = [
    "_id", "_lastEditTime", "Partner Name", "Governorate Name", "Governorate Code",
    "Community Name", "Community Code", "Sector", "Activity", "Start Date", "End Date",
    "People reached", "Households reached", "Comments",
]  # fmt: skip

RECORDS = [
    ["c4x8kq2lm1a0b1c2", "2024-04-02T09:14:51Z", "Syrian Arab Red Crescent", "Aleppo", "SY02",
     "Aleppo", "C1007", "Health", "Mobile clinic consultations", "2024-03-01", "2024-03-31",
     "1250", "310", ""],
    ["c4x8kq2lm1a0b1c3", "2024-04-02T09:20:07Z", "Syrian Arab Red Crescent", "Aleppo", "SY02",
     "Musallamiyeh", "C1003", "Food Security", "Food baskets", "2024-03-01", "2024-03-31",
     "840.5", "", "half rations in week 2"],
    ["c4x8kq2lm1a0b1c4", "2024-04-03T14:02:33Z", "Alpha Relief", "Idleb", "SY07", "Salqin",
     "C4140", "WASH", "Water trucking", "2024-03-05", "2024-03-28", "2600", "520", ""],
]  # fmt: skip


def write_csv(path: Path, records: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        out.writerows(records)
    return path


def write_xlsx(path: Path, records: list[list[str]]) -> Path:
    """The Excel export: one sheet, numbers and dates as typed cells."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "4W"
    sheet.append(HEADER)
    for record in records:
        row: list[object] = list(record)
        for i in (11, 12):
            row[i] = float(record[i]) if record[i] else None
        sheet.append(row)
    book.save(path)
    return path


def by_community(records: list[list[str]]) -> dict[str, float]:
    """People reached per community, added up from the rows themselves."""
    out: dict[str, float] = {}
    for r in records:
        out[r[6]] = out.get(r[6], 0.0) + float(r[11])
    return out


@pytest.fixture
def gazetteer_store(store: Store, tmp_path: Path) -> Store:
    return with_gazetteer(store, tmp_path)


def _options(**more: object) -> ImportOptions:
    return ImportOptions(tag_map=load_tag_map("activityinfo"), **more)  # type: ignore[arg-type]


@pytest.mark.parametrize("write", [write_csv, write_xlsx], ids=["csv", "xlsx"])
def test_an_activityinfo_export_imports_its_deliveries(
    gazetteer_store: Store, tmp_path: Path, write: object
) -> None:
    path = write(tmp_path / "records", RECORDS)  # type: ignore[operator]
    outcome = import_file(gazetteer_store, path, _options(source="ActivityInfo"))
    report = outcome.report
    assert not outcome.refused, [p.reason for p in report.problems]
    assert report.kind == "deliveries" and report.rows_written == len(RECORDS)
    assert delivered(gazetteer_store) == by_community(RECORDS)
    d = t.deliveries
    with gazetteer_store.engine.connect() as conn:
        rows = conn.execute(
            select(d.c.org_impl, d.c.sector, d.c.date, d.c.households, d.c.external_key)
            .order_by(d.c.external_key)
        ).all()  # fmt: skip
    assert [r.org_impl for r in rows] == [r[2] for r in RECORDS]
    assert [r.external_key for r in rows] == [r[0] for r in RECORDS]
    assert [str(r.date) for r in rows] == [r[10] for r in RECORDS]  # the end date
    assert sum(r.households or 0 for r in rows) == 310 + 520
    # the columns the map leaves out are listed, not dropped silently
    assert any("_lastEditTime" in c for c in report.unused_columns)
    assert any("Comments" in c for c in report.unused_columns)


def test_an_edited_record_exported_again_replaces_its_delivery(
    gazetteer_store: Store, tmp_path: Path
) -> None:
    first = write_csv(tmp_path / "march.csv", RECORDS)
    assert not import_file(gazetteer_store, first, _options()).refused
    edited = [list(r) for r in RECORDS]
    edited[1][11], edited[1][1] = "910", "2024-04-09T08:00:00Z"  # corrected on the server
    second = write_csv(tmp_path / "march-corrected.csv", edited)
    outcome = import_file(gazetteer_store, second, _options())
    assert not outcome.refused, [p.reason for p in outcome.report.problems]
    assert outcome.report.records_replaced == len(RECORDS)
    with gazetteer_store.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(t.deliveries)).scalar_one()
    assert count == len(RECORDS)
    assert delivered(gazetteer_store) == by_community(edited)
    assert delivered(gazetteer_store)["C1003"] == 910


def test_text_in_a_quantity_refuses_the_whole_export(
    gazetteer_store: Store, tmp_path: Path
) -> None:
    records = [list(r) for r in RECORDS]
    records[2][11] = "many"
    path = write_csv(tmp_path / "records.csv", records)
    outcome = import_file(gazetteer_store, path, _options())
    assert outcome.refused
    found = [(p.row, p.column, p.value) for p in outcome.report.problems if p.severity == "error"]
    assert found == [(4, "L #reached+ind", "many")]
    assert delivered(gazetteer_store) == {}


def test_a_community_code_not_in_the_gazetteer_is_kept_at_its_governorate(
    gazetteer_store: Store, tmp_path: Path
) -> None:
    records = [list(r) for r in RECORDS]
    records[2][6] = "C9999"
    path = write_csv(tmp_path / "records.csv", records)
    outcome = import_file(gazetteer_store, path, _options())
    assert not outcome.refused
    (warning,) = outcome.report.problems
    assert (warning.code, warning.row, warning.column, warning.value) == (
        "unknown-pcode",
        4,
        "G #adm4+code",
        "C9999",
    )
    assert delivered(gazetteer_store)["SY07"] == 2600


def test_the_command_line_takes_the_shipped_map_by_name(
    gazetteer_store: Store, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "records.csv", RECORDS)
    db = gazetteer_store.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(
        main, ["--db", db, "import", "--tags", "activityinfo", "--format", "json", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["rows_written"] == len(RECORDS)
    assert delivered(gazetteer_store) == by_community(RECORDS)


#: A monthly report (ActivityInfo's monthly reporting form): the month field instead of dates.
MONTHLY_HEADER = [
    "_id", "_lastEditTime", "Partner Name", "Governorate Code", "Community Code", "Sector",
    "Month", "People reached",
]  # fmt: skip
MONTHLY = [
    ["m1a2b3c4d5e6f701", "2024-03-04T10:00:00Z", "Alpha Relief", "SY02", "C1007", "Health",
     "2024-02", "400"],
    ["m1a2b3c4d5e6f702", "2024-04-03T10:00:00Z", "Alpha Relief", "SY02", "C1007", "Health",
     "2024-03", "450"],
    ["m1a2b3c4d5e6f703", "2024-01-05T10:00:00Z", "Alpha Relief", "SY07", "C4140", "Health",
     "2023-12", "300"],
]  # fmt: skip


def _monthly(path: Path, records: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(MONTHLY_HEADER)
        out.writerows(records)
    return path


def test_a_month_field_is_the_reporting_period_from_its_first_to_its_last_day(
    gazetteer_store: Store, tmp_path: Path
) -> None:
    import calendar

    path = _monthly(tmp_path / "monthly.csv", MONTHLY)
    outcome = import_file(gazetteer_store, path, _options())
    assert not outcome.refused, [p.reason for p in outcome.report.problems]
    d = t.deliveries
    with gazetteer_store.engine.connect() as conn:
        rows = conn.execute(
            select(d.c.external_key, d.c.date_start, d.c.date_end, d.c.date, d.c.reached)
            .order_by(d.c.external_key)
        ).all()  # fmt: skip
    for row, record in zip(rows, MONTHLY, strict=True):
        year, month = (int(x) for x in record[6].split("-"))
        last = calendar.monthrange(year, month)[1]  # 29 in February 2024, a leap year
        assert str(row.date_start) == f"{record[6]}-01"
        assert str(row.date_end) == f"{record[6]}-{last:02d}"
        assert row.date == row.date_end  # a delivery's date is the end of its period
        assert row.reached == float(record[7])
    assert [str(r.date_end) for r in rows] == ["2024-02-29", "2024-03-31", "2023-12-31"]


def test_a_month_that_is_no_month_refuses_its_row(gazetteer_store: Store, tmp_path: Path) -> None:
    records = [list(r) for r in MONTHLY]
    records[0][6], records[2][6] = "2024-13", "March 2024"
    path = _monthly(tmp_path / "monthly.csv", records)
    outcome = import_file(gazetteer_store, path, _options())
    assert outcome.refused
    found = [(p.key, p.row, p.column, p.value) for p in outcome.report.problems]
    assert found == [
        ("not-a-date/month", 2, "G #date+month", "2024-13"),
        ("not-a-date/month", 4, "G #date+month", "March 2024"),
    ]
    said = outcome.report.problems[0].reason
    assert "'2024-13' is not a month: write it as YYYY-MM (2024-03)" in said
    assert delivered(gazetteer_store) == {}
