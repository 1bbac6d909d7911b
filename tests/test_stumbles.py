"""A new user's stumbles, fixed (issue 10, point 7).

1. Read-only use creates no database file: a read command on a missing file says so and names
   ``lagebild init``/``lagebild import``; ``import --dry-run`` checks against an empty database
   in a temporary folder and says once that P-codes cannot be checked.
2. ``situation`` and ``gaps`` without ``--as-of`` take the date of the newest data (never after
   today) and say so.
3. The source of a total says "sum of N places below", never "children".
4. Unknown P-codes are said once: rows, distinct codes by level, examples, the gazetteer to load.
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from lagebild.cli import main
from lagebild.store import Store
from lagebild.store.places import all_places
from lagebild.store.summary import row_counts
from lagebild.web import WebConfig, create_app

PLACES = [
    ["#adm1+code", "#adm1+name", "#adm3+code", "#adm4+code", "#adm4+name+i_en"],
    ["SY02", "Aleppo", "SY020000", "C1007", "Aleppo"],
    ["SY02", "Aleppo", "SY020000", "C1008", "Haritan"],
    ["SY03", "Rural Damascus", "SY030100", "C2329", "Duma"],
]
PIN = [
    ["#adm4+code", "#inneed", "#date", "#meta+source"],
    ["C1007", "1500000", "2017-01-01", "OCHA"],
    ["C1008", "20000", "2017-01-15", "OCHA"],
    ["C2329", "120000", "2017-01-01", "OCHA"],
]
FOUR_W = [
    ["#adm4+code", "#sector", "#reached+ind", "#date", "#org+impl", "#status"],
    ["C1007", "Food", "50000", "2017-02-20", "WFP", "completed"],
    ["C2329", "Food", "9000", "2017-02-27", "WFP", "completed"],
    ["C2329", "Food", "9000", "2017-06-30", "WFP", "planned"],  # ahead: not the end of the data
]


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(db_url: str, tmp_path: Path) -> str:
    for rows, name in ((PLACES, "p.csv"), (PIN, "pin.csv"), (FOUR_W, "4w.csv")):
        code, out, err = run("--db", db_url, "import", str(write(tmp_path / name, rows)))
        assert code == 0, out + err
    return db_url


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- 1. read-only use creates no database ------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["situation"],
        ["gaps", "--as-of", "2017-02-28"],
        ["places"],
        ["figures", "--check"],
        ["figures", "--conflicts"],
        ["access", "C1007"],
        ["sources"],
        ["damage"],
        ["incidents"],
    ],
)
def test_a_read_command_on_a_missing_database_creates_no_file_and_says_how_to_make_one(
    tmp_path: Path, command: list[str]
) -> None:
    target = tmp_path / "lagebild.db"
    code, out, err = run("--db", str(target), *command)
    assert code == 1
    assert f"no database at {target}" in err
    assert "'lagebild init'" in err and "'lagebild import FILE'" in err
    assert err.strip().count("\n") == 0 and "Traceback" not in out + err
    assert files_in(tmp_path) == []


def test_init_and_import_still_create_the_database(tmp_path: Path) -> None:
    code, _, _ = run("--db", str(tmp_path / "a.db"), "init")
    assert code == 0 and (tmp_path / "a.db").is_file()
    places = write(tmp_path / "p.csv", PLACES)
    code, out, _ = run("--db", str(tmp_path / "b.db"), "import", str(places))
    assert code == 0 and "imported places: 3 rows" in out
    store = Store.open(str(tmp_path / "b.db"))
    assert len(all_places(store)) == 7  # 2 governorates, 2 sub-districts, 3 communities
    store.close()


@pytest.fixture
def own_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of its own for tempfile, to see that a dry run leaves nothing there."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_dry_run_on_a_missing_database_creates_none_and_says_once_pcodes_are_unchecked(
    tmp_path: Path, own_tmp: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    deliveries = [FOUR_W[0]] + [
        [f"C{9000 + i}", "Food", str(100 + i), "2017-02-20", "WFP", "completed"] for i in range(150)
    ]
    four_w = write(tmp_path / "4w.csv", deliveries)
    target = work / "lagebild.db"
    code, out, err = run("--db", str(target), "import", "--dry-run", str(four_w))
    assert code == 0, out + err
    assert err.startswith(f"note: no database at {target} yet, and a dry run creates none\n")
    assert "4w.csv: would import deliveries: 150 rows" in out
    said = [line for line in (out + err).splitlines() if "cannot be checked" in line]
    assert len(said) == 1 and said[0].startswith("warning: 4w.csv:")
    assert "row " not in out + err  # no line per row
    assert files_in(work) == [] and files_in(own_tmp) == []

    code, out, _ = run("--db", str(target), "import", "--dry-run", "--format", "json", str(four_w))
    report = json.loads(out)[0]
    assert code == 0 and (report["rows_written"], report["errors"], report["warnings"]) == (
        150,
        0,
        1,
    )
    assert [p["code"] for p in report["problems"]] == ["pcodes-unchecked"]
    assert files_in(work) == [] and files_in(own_tmp) == []


def test_dry_run_on_an_uninitialised_database_file_leaves_it_as_it_was(
    tmp_path: Path, own_tmp: Path
) -> None:
    target = tmp_path / "empty.db"
    target.touch()  # what an older lagebild left behind after a read on a missing file
    four_w = write(tmp_path / "4w.csv", FOUR_W)
    code, out, err = run("--db", str(target), "import", "--dry-run", str(four_w))
    assert code == 0, out + err
    assert "is not initialised, and a dry run changes nothing" in err
    assert "would import deliveries: 3 rows" in out and "cannot be checked" in out
    with sqlite3.connect(target) as conn:  # SQLite's header maybe, but no schema written
        assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
    assert files_in(own_tmp) == []


def test_dry_run_on_a_missing_database_still_finds_the_other_errors(
    tmp_path: Path, own_tmp: Path
) -> None:
    bad = write(
        tmp_path / "bad.csv", [FOUR_W[0], ["C1007", "Food", "many", "2017-02-20", "WFP", ""]]
    )
    target = tmp_path / "none.db"
    code, out, err = run("--db", str(target), "import", "--dry-run", str(bad))
    assert code == 1
    assert "bad.csv, row 2, column C #reached+ind, value 'many'" in err
    assert "nothing was imported" in err and "Traceback" not in out + err
    assert not target.exists() and files_in(own_tmp) == []


def test_dry_run_of_a_gazetteer_on_a_missing_database_counts_its_places(
    tmp_path: Path, own_tmp: Path
) -> None:
    target = tmp_path / "none.db"
    code, out, _ = run(
        "--db", str(target), "import", "--dry-run", str(write(tmp_path / "p.csv", PLACES))
    )
    assert code == 0 and "would import places: 3 rows" in out and "cannot be checked" not in out
    assert not target.exists()


def test_dry_run_on_a_database_without_places_checks_pcodes_and_says_there_are_none(
    tmp_path: Path,
) -> None:
    target = str(tmp_path / "empty.db")
    assert run("--db", target, "init")[0] == 0
    code, out, err = run(
        "--db", target, "import", "--dry-run", str(write(tmp_path / "4w.csv", FOUR_W))
    )
    assert code == 1  # as the import itself would be: the dry run tells the truth
    assert first_paragraph(err.splitlines()).startswith(
        "error: 4w.csv: the database holds no places yet, so no row can be placed: 3 rows"
    )
    assert "cannot be checked" not in err and "note:" not in err


def test_dry_run_on_an_existing_database_checks_pcodes_as_before(db: str, tmp_path: Path) -> None:
    extra = write(
        tmp_path / "more.csv", [FOUR_W[0], ["C2329", "Food", "10", "2017-02-28", "WFP", ""]]
    )
    code, out, err = run("--db", db, "import", "--dry-run", str(extra))
    assert code == 0 and "would import deliveries: 1 rows" in out
    assert "cannot be checked" not in out + err and "no database" not in err


# -- 2. the date of the picture ----------------------------------------------------------------


def newest_date(*tables: list[list[str]]) -> date:
    """The newest figure, access change or delivery made, read from the rows themselves."""
    found = []
    for rows in tables:
        header = rows[0]
        for row in rows[1:]:
            cells = dict(zip(header, row, strict=True))
            if cells.get("#status", "completed") in ("completed", "partial", ""):
                found.append(date.fromisoformat(cells["#date"]))
    return max(found)


@pytest.mark.parametrize("command", ["situation", "gaps"])
def test_without_as_of_the_picture_is_of_the_newest_data_and_says_so(db: str, command: str) -> None:
    newest = newest_date(PIN, FOUR_W)
    assert newest == date(2017, 2, 27)  # the planned delivery of June does not count
    code, out, err = run("--db", db, command, "--level", "adm4")
    assert code == 0, err
    first = out.splitlines()[0]
    assert first == f"As of {newest}, the date of the newest data (no --as-of given)"
    given = run("--db", db, command, "--level", "adm4", "--as-of", newest.isoformat())[1]
    assert out.split("\n", 1)[1] == given  # the same picture as with --as-of, below the line
    assert "no --as-of given" not in given

    code, out, _ = run("--db", db, command, "--level", "adm4", "--format", "json")
    data = json.loads(out)
    assert (data["as_of"], data["as_of_basis"]) == (newest.isoformat(), "newest data")
    assert list(data)[:2] == ["as_of", "as_of_basis"]
    explicit = json.loads(
        run("--db", db, command, "--level", "adm4", "--format", "json", "--as-of", "2017-02-10")[1]
    )
    assert (explicit["as_of"], explicit["as_of_basis"]) == ("2017-02-10", "given")

    code, out, err = run("--db", db, command, "--format", "csv")
    assert code == 0 and out.startswith("P-code,")  # the CSV as it was, nothing above it
    assert f"As of {newest}, the date of the newest data" in err and "As of" not in out


def test_gaps_without_as_of_finds_the_place_cut_off_in_the_newest_window(db: str) -> None:
    # On 2017-02-27 Duma's delivery is one day old and Haritan never had one.
    data = json.loads(run("--db", db, "gaps", "--level", "adm4", "--format", "json")[1])
    cut = {p["pcode"]: p["cut_off"] for p in data["places"]}
    assert cut == {"C1007": False, "C1008": True, "C2329": False}


def test_the_date_of_the_newest_data_is_never_after_today(db: str, tmp_path: Path) -> None:
    ahead = (date.today() + timedelta(days=400)).isoformat()
    projection = write(tmp_path / "proj.csv", [PIN[0], ["C1007", "1600000", ahead, "OCHA"]])
    assert run("--db", db, "import", str(projection))[0] == 0
    data = json.loads(run("--db", db, "situation", "--format", "json")[1])
    assert (data["as_of"], data["as_of_basis"]) == (date.today().isoformat(), "newest data")


def test_without_any_dated_data_the_picture_is_of_today(tmp_path: Path) -> None:
    target = str(tmp_path / "x.db")
    assert run("--db", target, "import", str(write(tmp_path / "p.csv", PLACES)))[0] == 0
    code, out, _ = run("--db", target, "gaps")
    assert code == 0
    first = out.splitlines()[0]
    assert first == f"As of {date.today()}, today, as there is no dated data yet (no --as-of given)"
    data = json.loads(run("--db", target, "situation", "--format", "json")[1])
    assert data["as_of_basis"] == "today"


# -- 3. "sum of N places below" ----------------------------------------------------------------


def test_the_source_of_a_total_counts_the_places_below(db: str) -> None:
    code, out, _ = run("--db", db, "situation", "--as-of", "2017-02-28")
    assert code == 0
    # Two governorates have people in need: SY02 (two communities) and SY03 (one).
    governorate = {r[3]: r[0] for r in PLACES[1:]}
    below = {governorate[r[0]] for r in PIN[1:]}
    total = sum(int(r[1]) for r in PIN[1:])
    assert f"  people in need: {total:,} (sum of {len(below)} places below; OCHA)" in out
    assert "children" not in out
    lines = run(
        "--db",
        db,
        "explain",
        "--as-of",
        "2017-02-28",
        "--pcode",
        "SY02",
        "--indicator",
        "people_in_need",
    )[1].splitlines()
    assert "children" not in "\n".join(lines)
    assert "  SY02 Aleppo: 1,520,000 (sum of 1 place below)" in lines
    assert "    SY020000 SY020000: 1,520,000 (sum of 2 places below)" in lines
    assert "      C1007 Aleppo: 1,500,000 (its own figure)" in lines
    data = json.loads(run("--db", db, "situation", "--as-of", "2017-02-28", "--format", "json")[1])
    total = data["total"]["people_in_need"]
    assert (total["basis"], total["children"]) == ("children", 2)  # the JSON keeps its words


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [
        ("en", "sum of 1 place below", "sum of 2 places below"),
        ("de", "Summe von 1 Ort darunter", "Summe von 2 Orten darunter"),
        ("ar", "رقم المكان التابع الوحيد", "مجموع المكانين التابعين"),
    ],
)
def test_the_explanation_page_says_how_many_places_below_in_each_language(
    db: str, language: str, one: str, two: str
) -> None:
    with TestClient(create_app(WebConfig(db=db))) as client:
        html = client.get(
            "/explain?pcode=SY02&indicator=people_in_need&as_of=2017-02-28",
            headers={"Accept-Language": language},
        ).text
    notes = [
        re.sub(r"\s+", " ", n).strip() for n in re.findall(r"<small>(.*?)</small>", html, re.S)
    ]
    assert one in notes and two in notes
    assert not any("children" in n for n in notes)


# -- 4. unknown P-codes said once ---------------------------------------------------------------

TAGS = Path(__file__).parent / "data"
PLACEHOLDER_CELLS = ("", "#N/A")  # what the real 4W's community column holds besides C-codes


@pytest.fixture
def cod_adm1_to_adm3(shared_data: Path, tmp_path: Path) -> str:
    """A database with the COD gazetteer down to sub-districts: no communities."""
    target = str(tmp_path / "cod.db")
    cod = shared_data / "syria" / "cod_ab_2020-12-17"
    for name in ("syr_adm1.csv", "syr_adm2.csv", "syr_adm3_with_centroids.csv"):
        code, out, err = run("--db", target, "import", str(cod / name))
        assert code == 0, out + err
    return target


def first_paragraph(lines: list[str]) -> str:
    """The first message of an output, its lines (wrapped at 80 columns) joined again."""
    head = [lines[0]]
    for line in lines[1:]:
        if not line.startswith("  "):
            break
        head.append(line.strip())
    assert all(len(line) <= 80 for line in head), head
    return " ".join(head)


def cash_4w(shared_data: Path) -> Path:
    return shared_data / "syria" / "cash_4w_2023" / "syr_nws_cash_4w_2023-02_03.csv"


def community_codes(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [
            r["Community PCODE"].strip()
            for r in csv.DictReader(fh)
            if r["Community PCODE"].strip() not in PLACEHOLDER_CELLS
        ]


def test_a_4w_of_communities_without_the_communities_gazetteer_is_said_once(
    cod_adm1_to_adm3: str, shared_data: Path
) -> None:
    from collections import Counter

    path = cash_4w(shared_data)
    codes = Counter(community_codes(path))  # the csv module's count, in the file's order
    examples = ", ".join(c for c, _ in codes.most_common(3))
    tags = str(TAGS / "cash_4w_tags.yml")
    code, out, err = run("--db", cod_adm1_to_adm3, "import", "--dry-run", "--tags", tags, str(path))
    assert code == 1  # the 30 undated rows are errors, as before
    lines = err.splitlines()
    assert first_paragraph(lines) == (
        f"warning: {path.name}: {sum(codes.values())} rows ({len(codes)} distinct P-codes at adm4, "
        f"e.g. {examples}; country SY) are not in the gazetteer: import the gazetteer that "
        "defines them first (docs/hxl.md); until then they are kept at the coarser level whose "
        "P-code is known"
    )
    assert (sum(codes.values()), len(codes)) == (408, 154)
    # Row by row only the failed lookups (#N/A): no code, so not in the summary.
    listed = [line for line in lines if "unknown adm4 P-code" in line]
    assert len(listed) == 2 and all("value '#N/A'" in line for line in listed)
    problems = [line for line in lines if line.startswith(("error:", "warning:", "..."))]
    assert len(problems) < 50  # 30 undated rows, 8 other warnings, the summary and the totals

    data = json.loads(
        run(
            "--db",
            cod_adm1_to_adm3,
            "import",
            "--dry-run",
            "--format",
            "json",
            "--tags",
            tags,
            str(path),
        )[1]
    )[0]
    summary = data["unknown_pcodes"]
    assert (summary["rows"], summary["rows_unplaced"], summary["severity"]) == (408, 0, "warning")
    assert summary["levels"] == {
        "adm4": {"codes": len(codes), "examples": [c for c, _ in codes.most_common(3)]}
    }
    assert summary["countries"] == ["SY"]
    # The rows' own warnings stay in the JSON: one per unknown code cell.
    per_row = [
        p
        for p in data["problems"]
        if p["code"] == "unknown-pcode" and p["value"] not in PLACEHOLDER_CELLS
    ]
    assert {p["row"] for p in per_row if p["column"] == "N #adm4+code"} == set(
        i + 2 for i, c in enumerate(_community_column(path)) if c not in PLACEHOLDER_CELLS
    )

    verbose = run(
        "--db", cod_adm1_to_adm3, "import", "--dry-run", "--verbose", "--tags", tags, str(path)
    )[2]
    assert sum("unknown adm4 P-code" in line for line in verbose.splitlines()) == 408 + 2


def _community_column(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [r["Community PCODE"].strip() for r in csv.DictReader(fh)]


def test_the_summary_counts_the_whole_file_across_batches(
    cod_adm1_to_adm3: str, shared_data: Path
) -> None:
    from lagebild.ingest import ImportFailed, ImportOptions, import_file, load_tag_map

    store = Store.open(cod_adm1_to_adm3)
    options = ImportOptions(
        tag_map=load_tag_map(TAGS / "cash_4w_tags.yml"), dry_run=True, batch_rows=50
    )
    with pytest.raises(ImportFailed) as failed:
        import_file(store, cash_4w(shared_data), options)
    store.close()
    unknown = failed.value.report.unknown_pcodes
    assert (unknown.rows, len(unknown.codes[4])) == (408, 154)


AFGHAN_4W = [
    ["#adm1+code", "#adm2+code", "#sector", "#reached+ind", "#date"],
    *[["AF01", f"AF01{i:02d}", "Food", "100", "2024-01-10"] for i in range(1, 13)],
    ["AF02", "AF0201", "Food", "100", "2024-01-10"],
]


def test_a_file_of_another_country_says_none_of_its_pcodes_is_in_the_gazetteer(
    cod_adm1_to_adm3: str, tmp_path: Path
) -> None:
    path = write(tmp_path / "afg.csv", AFGHAN_4W)
    code, out, err = run("--db", cod_adm1_to_adm3, "import", str(path))
    assert code == 1
    lines = err.splitlines()
    assert first_paragraph(lines) == (
        "error: afg.csv: none of the file's P-codes is in the gazetteer (it holds 349 places): "
        "13 rows (13 distinct P-codes at adm2, e.g. AF0101, AF0102, AF0103; country AF); this "
        "file needs another gazetteer: import the gazetteer that defines them first (docs/hxl.md)"
    )
    assert not any(", row " in line for line in lines)
    assert "afg.csv: 13 error(s), 0 warning(s): nothing was imported" in lines
    data = json.loads(run("--db", cod_adm1_to_adm3, "import", "--format", "json", str(path))[1])[0]
    assert [p["row"] for p in data["problems"]] == list(range(2, 15))  # kept row by row
    assert data["unknown_pcodes"]["rows_unplaced"] == 13
    assert row_counts(Store.open(cod_adm1_to_adm3))["deliveries"] == 0


def test_a_database_without_places_says_so_plainly(tmp_path: Path) -> None:
    target = str(tmp_path / "empty.db")
    assert run("--db", target, "init")[0] == 0
    path = write(tmp_path / "4w.csv", FOUR_W)
    code, _, err = run("--db", target, "import", str(path))
    assert code == 1
    assert first_paragraph(err.splitlines()) == (
        "error: 4w.csv: the database holds no places yet, so no row can be placed: 3 rows "
        "(2 distinct P-codes at adm4, e.g. C2329, C1007); import the gazetteer that defines "
        "them first (docs/hxl.md)"
    )


def test_rows_with_and_without_a_known_coarser_code_are_counted_apart(
    db: str, tmp_path: Path
) -> None:
    rows = [
        ["#adm1+code", "#adm4+code", "#sector", "#reached+ind", "#date"],
        ["SY02", "C1099", "Food", "10", "2017-02-20"],  # kept at SY02
        ["SY02", "C1099", "Food", "10", "2017-02-21"],  # kept at SY02
        ["SY99", "C9999", "Food", "10", "2017-02-20"],  # no known code: an error
        ["SY03", "C2329", "Food", "10", "2017-02-20"],  # known
        ["SY03", "", "Food", "10", "2017-02-20"],  # blank, not unknown: its own warning
    ]
    path = write(tmp_path / "mixed.csv", rows)
    code, out, err = run("--db", db, "import", str(path))
    assert code == 1
    lines = err.splitlines()
    assert first_paragraph(lines) == (
        "error: mixed.csv: 3 rows (2 distinct P-codes at adm4, e.g. C1099, C9999; country SY) "
        "are not in the gazetteer: import the gazetteer that defines them first (docs/hxl.md); "
        "2 of them are kept at a coarser level, 1 has no known P-code"
    )
    assert "warning: mixed.csv, row 6, column B #adm4+code: blank adm4 P-code" in err
    assert ", row 4" not in err and ", row 3" not in err

    code, out, err = run("--db", db, "import", "--skip-invalid", str(path))
    assert code == 0 and "imported deliveries: 4 rows" in out and "1 rows rejected" in out
    rejects = (tmp_path / "mixed.rejects.csv").read_text(encoding="utf-8")
    assert "no valid P-code at any level" in rejects and ",C9999," in rejects


def test_the_import_page_says_the_unknown_pcodes_once_above_the_rows(
    db: str, tmp_path: Path
) -> None:
    rows = [FOUR_W[0]] + [
        [f"C{7000 + i % 4}", "Food", "10", "2017-02-20", "WFP", ""] for i in range(30)
    ]
    content = "\n".join(",".join(r) for r in rows)
    with TestClient(create_app(WebConfig(db=db))) as client:
        page = client.post(
            "/import",
            files={"file": ("unknown.csv", content.encode("utf-8"), "text/csv")},
            data={"source": "Test partner"},
            headers={"Accept-Language": "de"},
        )
    found = re.search(r'id="import-unknown-pcodes"[^>]*><bdi>(.*?)</bdi>', page.text)
    assert found is not None, page.text
    assert found.group(1) == (  # the command line's sentence, in the page's language
        "keiner der P-Codes der Datei steht im Ortsverzeichnis (es enthält 7 Orte): 30 Zeilen "
        "(4 verschiedene P-Codes auf Gemeinde (adm4), z. B. C7000, C7001, C7002); diese Datei "
        "braucht ein anderes Ortsverzeichnis: importieren Sie zuerst das Ortsverzeichnis, das sie "
        "festlegt (docs/hxl.md)"
    )
    assert "P-Codes, die nicht im Ortsverzeichnis stehen" in page.text
    assert page.text.count('class="problem error"') == 30  # the rows are still listed


def test_dry_run_of_incidents_on_a_missing_database_says_once_they_cannot_be_placed(
    tmp_path: Path, own_tmp: Path
) -> None:
    from lagebild.demo import DATA_DIR

    events = DATA_DIR / "06_incidents.csv"
    with events.open(encoding="utf-8-sig", newline="") as fh:
        rows = len(list(csv.reader(fh))) - 2  # header and hashtag rows
    code, out, err = run(
        "--db", str(tmp_path / "none.db"), "import", "--dry-run", "--format", "json", str(events)
    )
    report = json.loads(out)[0]
    assert code == 0, err
    assert (report["kind"], report["rows_written"]) == ("incidents", rows)
    assert [p["code"] for p in report["problems"]] == ["pcodes-unchecked"]
    assert files_in(tmp_path) == ["tmp"] and files_in(own_tmp) == []
