"""Conflict events counted per place, period and type by another source (HDX HAPI's conflict
events): imported as counts (``event_counts``), never added to the incidents, listed by
``lagebild incidents --counted``, and written back by ``lagebild export hdx``.

The file shape is HAPI's own: the header and HXL row of ``hdx_hapi_conflict_event_global_2025.csv``
as OCHA-DAP/hdx-scraper-acled wrote it (tests/fixtures, commit 09707b4, 2025-02-20, the last
version with an HXL row; its config maps ``events`` to ``#indicator+event+num``). The rows are
Syrian districts of OCHA's 2020 boundaries (../shared/data) with numbers of our own.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from demo_support import demo_database

from lagebild.analysis.report import CountedEvents, Hidden, situation_report
from lagebild.cli import main
from lagebild.demo import AS_OF
from lagebild.security import policy
from lagebild.store import Store

HAPI_HEADER = (
    "location_code,has_hrp,in_gho,provider_admin1_name,provider_admin2_name,admin1_code,"
    "admin1_name,admin2_code,admin2_name,admin_level,event_type,events,fatalities,"
    "reference_period_start,reference_period_end,dataset_hdx_id,resource_hdx_id,warning,error\n"
    "#country+code,#meta+has_hrp,#meta+in_gho,#adm1+name+provider,#adm2+name+provider,"
    "#adm1+code,#adm1+name,#adm2+code,#adm2+name,#adm+level,#event+type,#indicator+event+num,"
    "#affected+killed,#date+start,#date+end,#meta+dataset_id,#meta+resource_id,#meta+warning,"
    "#meta+error\n"
)
IDS = "921fe117-7158-437b-943d-94969d545362,fb139931-641f-4428-be77-429972878e19"
#: (admin1, admin2, event type, events, fatalities, month): numbers of our own.
COUNTS = [
    ("SY02", "SY0200", "political_violence", 41, 17, 1),
    ("SY02", "SY0200", "civilian_targeting", 9, 6, 1),
    ("SY02", "SY0204", "political_violence", 12, 0, 1),
    ("SY07", "SY0700", "political_violence", 88, 35, 1),
    ("SY07", "SY0700", "demonstration", 4, 0, 1),
    ("SY01", "SY0100", "civilian_targeting", 2, 2, 1),
    ("SY02", "SY0200", "political_violence", 30, 11, 2),
    ("SY07", "SY0700", "political_violence", 61, 20, 2),
    ("SY10", "SY1000", "civilian_targeting", 3, 5, 2),
]
MONTHS = {1: ("2025-01-01", "2025-01-31"), 2: ("2025-02-01", "2025-02-28"),
          3: ("2025-03-01", "2025-03-31")}  # fmt: skip


def hapi_file(path: Path, counts: list[tuple[str, str, str, int, int, int]] = COUNTS) -> Path:
    lines = [
        f"SYR,Y,Y,,,{a1},,{a2},,2,{kind},{events},{killed},{','.join(MONTHS[m])},{IDS},,"
        for a1, a2, kind, events, killed, m in counts
    ]
    path.write_text(HAPI_HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout + result.stderr


def run(*args: str) -> str:
    code, out = cli(*args)
    assert code == 0, out
    return out


def query(db: str, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def rows_of(path: Path | str) -> list[dict[str, str]]:
    text = path.read_text(encoding="utf-8-sig") if isinstance(path, Path) else path
    lines = list(csv.reader(io.StringIO(text)))
    return [dict(zip(lines[0], r, strict=True)) for r in lines[2:]]


@pytest.fixture
def syria_db(tmp_path: Path, shared_data: Path) -> str:
    """A database with OCHA's 2020 governorates and districts of Syria."""
    db = str(tmp_path / "syria.db")
    boundaries = shared_data / "syria" / "cod_ab_2020-12-17"
    for name in ("syr_adm1.csv", "syr_adm2.csv"):
        run("--db", db, "import", str(boundaries / name))
    return db


def in_file(path: Path) -> list[tuple]:
    """Every row of a HAPI file as STORED gives it, read with the csv module."""
    return sorted(
        (r["admin2_code"], r["event_type"], r["reference_period_start"],
         r["reference_period_end"], int(r["events"]), int(r["fatalities"]))
        for r in rows_of(path)
    )  # fmt: skip


STORED = (
    "SELECT p.pcode, c.event_type, c.date_start, c.date_end, c.events, c.fatalities "
    "FROM event_counts c JOIN places p ON p.id = c.place_id ORDER BY 1, 2, 3"
)


def test_a_hapi_conflict_events_file_imports_as_counts_with_the_numbers_it_holds(
    syria_db: str, tmp_path: Path
) -> None:
    path = hapi_file(tmp_path / "hdx_hapi_conflict_event_syr.csv")
    out = run("--db", syria_db, "import", str(path), "--source", "HDX HAPI (ACLED)")
    assert "imported event_counts: 9 rows" in out
    assert "#indicator+event+num, as in HDX HAPI" in out
    assert query(syria_db, STORED) == in_file(path)
    # Counts are no events: the incidents stay empty, and their summary says where counts are.
    assert query(syria_db, "SELECT count(*) FROM incidents") == [(0,)]
    summary = run("--db", syria_db, "incidents")
    assert "9 counts of events by other sources are kept apart: --counted" in summary
    listed = json.loads(run("--db", syria_db, "incidents", "--counted", "--format", "json"))
    assert sum(c["events"] for c in listed["counts"]) == sum(c[3] for c in COUNTS) == 250
    assert {c["source"] for c in listed["counts"]} == {"HDX HAPI (ACLED)"}
    idleb = json.loads(
        run("--db", syria_db, "incidents", "--counted", "--place", "SY07", "--to", "2025-01-31",
            "--format", "json")
    )  # fmt: skip
    assert [(c["event_type"], c["events"]) for c in idleb["counts"]] == [
        ("demonstration", 4), ("political_violence", 88),
    ]  # fmt: skip


def test_a_later_import_of_the_same_counts_replaces_them_and_its_undo_brings_them_back(
    syria_db: str, tmp_path: Path
) -> None:
    run("--db", syria_db, "import", str(hapi_file(tmp_path / "january.csv", COUNTS[:6])))
    # The file of the year a month later: January again (one count corrected), and February.
    corrected = [(*c[:3], 50, c[4], c[5]) if c[1] == "SY0204" else c for c in COUNTS]
    out = run("--db", syria_db, "import", str(hapi_file(tmp_path / "february.csv", corrected)))
    newest = re.search(r"as import #(\d+)", out).group(1)  # type: ignore[union-attr]

    def listed() -> dict[tuple[str, str, str], int]:
        found = json.loads(run("--db", syria_db, "incidents", "--counted", "--format", "json"))
        return {(c["pcode"], c["event_type"], c["date_start"]): c["events"]
                for c in found["counts"]}  # fmt: skip

    now = listed()
    assert len(now) == 9 and now[("SY0204", "political_violence", "2025-01-01")] == 50
    assert sum(now.values()) == 250 - 12 + 50
    run("--db", syria_db, "import", "--undo", newest)
    before = listed()
    assert len(before) == 6 and before[("SY0204", "political_violence", "2025-01-01")] == 12


@pytest.mark.parametrize(
    ("cell", "value", "column", "said"),
    [
        (10, "Battles", "K #event+type", "is not an event type of HDX HAPI's conflict events"),
        (11, "-3", "L #indicator+event+num", "must be not negative"),
        (11, "2.5", "L #indicator+event+num", "is not a whole number of events"),
        (11, "", "L #indicator+event+num", "is not a whole number of events"),
        (14, "2024-12-01", "O #date+end", "the period ends on 2024-12-01 before it starts"),
    ],
)
def test_a_bad_count_refuses_the_whole_import_naming_file_row_column_and_value(
    syria_db: str, tmp_path: Path, cell: int, value: str, column: str, said: str
) -> None:
    path = hapi_file(tmp_path / "counts.csv")
    lines = path.read_text().splitlines()
    cells = lines[4].split(",")
    cells[cell] = value
    lines[4] = ",".join(cells)  # the third data row: row 5 of the file
    path.write_text("\n".join(lines) + "\n")
    code, out = cli("--db", syria_db, "import", str(path))
    assert code != 0
    assert "counts.csv" in out and "row 5" in out and said in out, out
    assert column in out, out
    assert query(syria_db, "SELECT count(*) FROM event_counts") == [(0,)]


def test_a_district_the_gazetteer_lacks_is_counted_in_its_governorate_with_a_warning(
    syria_db: str, tmp_path: Path
) -> None:
    unknown = [("SY02", "SY0299", "political_violence", 7, 1, 1)]
    out = run("--db", syria_db, "import", str(hapi_file(tmp_path / "counts.csv", unknown)))
    assert "SY0299" in out and "kept at the coarser level" in out
    assert query(syria_db, STORED) == [
        ("SY02", "political_violence", "2025-01-01", "2025-01-31", 7, 1)
    ]


def test_the_same_place_type_and_period_twice_in_one_file_is_refused(
    syria_db: str, tmp_path: Path
) -> None:
    path = hapi_file(tmp_path / "twice.csv", [*COUNTS, COUNTS[3]])
    code, out = cli("--db", syria_db, "import", str(path))
    assert code != 0
    assert "row 12" in out and "row 6 already counts political_violence" in out, out
    assert query(syria_db, "SELECT count(*) FROM event_counts") == [(0,)]


def test_the_conflict_events_of_the_hdx_export_import_back_and_export_again_the_same(
    tmp_path: Path,
) -> None:
    """The round trip of ``export hdx``: the demo's incidents counted per place and month go
    out, come back as counts into a fresh database, and go out again as the same table."""
    demo = demo_database(tmp_path)
    date = AS_OF.isoformat()
    first, again = tmp_path / "first", tmp_path / "again"
    run("--db", demo, "export", "hdx", "--as-of", date, "--role", "analyst", "-o", str(first))
    fresh = str(tmp_path / "fresh.db")
    (tmp_path / "places.csv").write_text(run("--db", demo, "places", "--format", "hxl"))
    run("--db", fresh, "import", str(tmp_path / "places.csv"))
    out = run("--db", fresh, "import", str(first / "conflict-events.csv"))
    assert "imported event_counts" in out
    run("--db", fresh, "export", "hdx", "--as-of", date, "--role", "analyst", "-o", str(again))
    sent, back = rows_of(first / "conflict-events.csv"), rows_of(again / "conflict-events.csv")
    assert len(sent) >= 8 and back == sent
    # The numbers, computed another way: the demo's incidents counted per place and month.
    counted = query(
        demo,
        "SELECT p.pcode, strftime('%Y-%m-01', i.date), count(*) FROM incidents i "
        "JOIN places p ON p.id = i.place_id WHERE i.event_type IN ('Battles', "
        f"'Explosions/Remote violence', 'Violence against civilians') AND i.date <= '{date}' "
        "GROUP BY 1, 2",
    )
    stored = query(
        fresh,
        "SELECT p.pcode, c.date_start, sum(c.events) FROM event_counts c JOIN places p "
        "ON p.id = c.place_id WHERE c.event_type = 'political_violence' GROUP BY 1, 2",
    )
    assert sorted(stored) == sorted(counted)
    # The public's file, with small fatality counts left empty, comes back with them empty.
    public = tmp_path / "public"
    run("--db", demo, "export", "hdx", "--as-of", date, "-o", str(public))
    shown = rows_of(public / "conflict-events.csv")
    blanks = Counter(r["fatalities"] == "" for r in shown)[True]
    assert blanks > 0
    other = str(tmp_path / "other.db")
    run("--db", other, "import", str(tmp_path / "places.csv"))
    run("--db", other, "import", str(public / "conflict-events.csv"))
    assert query(other, "SELECT count(*) FROM event_counts WHERE fatalities IS NULL") == [
        (blanks,)
    ]


def test_imported_counts_go_out_in_the_hdx_export_beside_the_incidents_with_their_source(
    syria_db: str, tmp_path: Path
) -> None:
    path = hapi_file(tmp_path / "counts.csv")
    run("--db", syria_db, "import", str(path), "--source", "HDX HAPI (ACLED)")
    out = tmp_path / "hdx"
    run("--db", syria_db, "export", "hdx", "--as-of", "2025-02-28", "--role", "analyst",
        "-o", str(out))  # fmt: skip
    rows = rows_of(out / "conflict-events.csv")
    assert sorted((r["admin2_code"], r["event_type"], r["reference_period_start"],
                   int(r["events"]), int(r["fatalities"])) for r in rows) == sorted(
        (c[1], c[2], MONTHS[c[5]][0], c[3], c[4]) for c in COUNTS
    )  # fmt: skip
    assert {r["source"] for r in rows} == {"HDX HAPI (ACLED)"}
    caveats = json.loads((out / "dataset.json").read_text())["caveats"]
    assert "conflict-events.csv: 9 rows are counts of events imported from other sources" in (
        caveats
    )
    # A period that ends after the date is not yet whole: it stays out.
    early = tmp_path / "early"
    run("--db", syria_db, "export", "hdx", "--as-of", "2025-02-27", "--role", "analyst",
        "-o", str(early))  # fmt: skip
    assert len(rows_of(early / "conflict-events.csv")) == 6


def test_a_viewers_copy_keeps_the_counts_with_small_fatality_counts_emptied(
    syria_db: str, tmp_path: Path
) -> None:
    run("--db", syria_db, "import", str(hapi_file(tmp_path / "counts.csv")), "--source", "HAPI")
    shared = str(tmp_path / "public.db")
    run("--db", syria_db, "export", "share", "--role", "viewer", "-o", shared)
    full, shown = (
        query(db, "SELECT id, events, fatalities, source_id FROM event_counts ORDER BY id")
        for db in (syria_db, shared)
    )
    assert [r[1] for r in shown] == [r[1] for r in full]
    # The sharing protocol's threshold (10) on fatalities, as on the incidents; no sources.
    assert [r[2] for r in shown] == [f if f == 0 or f >= 10 else None for _, _, f, _ in full]
    assert {r[3] for r in shown} == {None} and {r[3] for r in full} != {None}


def test_hapis_file_of_today_without_a_hashtag_row_imports_with_the_shipped_map(
    syria_db: str, tmp_path: Path
) -> None:
    """HAPI's files lost their hashtag row in October 2025 (hdx-scraper-acled, "No Hxl"): the
    header as its pipeline writes it now, with its byte order mark, read through
    ``--tags hapi-conflict-events``; the global file's other countries are left out with
    ``--skip-invalid``."""
    tagged = hapi_file(tmp_path / "tagged.csv")
    header, _tags, *rows = tagged.read_text().splitlines()
    plain = tmp_path / "hdx_hapi_conflict_event_global_2025.csv"
    other = f"ALB,N,N,,,,,,,0,civilian_targeting,0,0,2025-01-01,2025-01-31,{IDS},,"
    # A row HAPI marks with an error (as its real file does for Kosovo): refused too.
    flagged = f"SYR,Y,Y,,,SY02,,SY0200,,2,demonstration,1,0,2025-01-01,2025-01-31,{IDS},,Oops"
    plain.write_text("\ufeff" + "\n".join([header, *rows, other, flagged]) + "\n", encoding="utf-8")
    code, out = cli("--db", syria_db, "import", str(plain))
    assert code != 0 and "--tags" in out
    out = run("--db", syria_db, "import", "--tags", "hapi-conflict-events", "--skip-invalid",
              str(plain))  # fmt: skip
    assert "imported event_counts: 9 rows" in out and "2 rows rejected" in out
    assert query(syria_db, STORED) == in_file(tagged)


def test_the_hdx_export_writes_the_conflict_events_in_the_columns_of_hapis_own_file(
    syria_db: str, tmp_path: Path
) -> None:
    run("--db", syria_db, "import", str(hapi_file(tmp_path / "counts.csv")))
    run("--db", syria_db, "export", "hdx", "--as-of", "2025-02-28", "-o", str(tmp_path / "out"))
    written = (tmp_path / "out" / "conflict-events.csv").read_text(encoding="utf-8-sig")
    header, tags = (line.split(",") for line in written.splitlines()[:2])
    hapi_header, hapi_tags = (line.split(",") for line in HAPI_HEADER.splitlines())
    # HAPI's 19 columns in its order, then lagebild's finer admin levels and the source.
    assert header[:19] == hapi_header and tags[:19] == hapi_tags
    assert header[19:] == ["admin3_code", "admin3_name", "admin4_code", "admin4_name", "source"]


def test_the_situation_report_gives_the_newest_counted_month_apart_from_the_incidents(
    syria_db: str, tmp_path: Path
) -> None:
    run("--db", syria_db, "import", str(hapi_file(tmp_path / "counts.csv")), "--source", "HAPI")
    february = [c for c in COUNTS if c[5] == 2]
    events, killed = sum(c[3] for c in february), sum(c[4] for c in february)
    assert (events, killed) == (94, 36)
    for lang, said in (
        ("en", f"kept apart from the incidents: {events} conflict events and {killed} "
               "fatalities from Feb 1, 2025 to Feb 28, 2025. Source: HAPI."),
        ("de", f"getrennt von den Vorfällen gehalten: {events} Konfliktereignisse und {killed} "
               "Todesopfer"),
    ):  # fmt: skip
        out = tmp_path / f"report-{lang}.md"
        run("--db", syria_db, "report", "--as-of", "2025-02-28", "--lang", lang, "--format", "md",
            "-o", str(out))  # fmt: skip
        text = out.read_text(encoding="utf-8")
        assert said in text, text
        assert "Incidents: 0," in text or "Vorfälle: 0," in text
    # The public: small fatality counts suppressed, no source named.
    small = [("SY10", "SY1000", "demonstration", 2, 3, 3)]
    run("--db", syria_db, "import", str(hapi_file(tmp_path / "small.csv", small)), "--source",
        "HAPI")  # fmt: skip
    store = Store.open(syria_db)
    try:
        public = situation_report(store, date(2025, 3, 31), principal=policy.ANONYMOUS)
        local = situation_report(store, date(2025, 3, 31))
    finally:
        store.close()
    assert public.changes is not None and local.changes is not None
    assert public.changes.counted == CountedEvents(
        date(2025, 3, 1), date(2025, 3, 31), 2, Hidden(10), ()
    )
    assert local.changes.counted is not None and local.changes.counted.fatalities == 3


def test_the_counted_list_fits_80_columns_with_the_period_in_one(
    syria_db: str, tmp_path: Path
) -> None:
    run("--db", syria_db, "import", str(hapi_file(tmp_path / "counts.csv")), "--source",
        "HDX HAPI (ACLED)")  # fmt: skip
    lines = run("--db", syria_db, "incidents", "--counted").splitlines()
    assert max(len(line) for line in lines) <= 80, lines
    assert "source: HDX HAPI (ACLED)" in lines[1]
    assert any(line.startswith("2025-02  SY1000  Tartous") for line in lines)
    listed = json.loads(run("--db", syria_db, "incidents", "--counted", "--format", "json"))
    assert {c["period"] for c in listed["counts"]} == {"2025-01", "2025-02"}


def test_two_sources_counting_the_same_place_and_month_are_both_kept_and_listed_back(
    syria_db: str, tmp_path: Path
) -> None:
    """The list of counts (``incidents --counted --format hxl``) imports back, with a place
    and month two sources counted."""
    run("--db", syria_db, "import", str(hapi_file(tmp_path / "a.csv")), "--source", "HAPI")
    run("--db", syria_db, "import", str(hapi_file(tmp_path / "b.csv", COUNTS[:2])), "--source",
        "Another count")  # fmt: skip
    listed = tmp_path / "listed.csv"
    listed.write_text(run("--db", syria_db, "incidents", "--counted", "--format", "hxl"))
    assert len(rows_of(listed)) == 11
    fresh = str(tmp_path / "fresh.db")
    (tmp_path / "places.csv").write_text(run("--db", syria_db, "places", "--format", "hxl"))
    run("--db", fresh, "import", str(tmp_path / "places.csv"))
    run("--db", fresh, "import", str(listed))
    again = run("--db", fresh, "incidents", "--counted", "--format", "hxl")
    assert list(csv.reader(io.StringIO(again))) == list(csv.reader(io.StringIO(listed.read_text())))
