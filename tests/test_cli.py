"""The command line: its contracts (DESIGN.md), its formats and its one-line errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from lagebild.cli import main
from lagebild.store import Store

PLACES = [
    ["Governorate", "Sub-district", "Community", "Name", "Arabic name"],
    ["#adm1+code", "#adm3+code", "#adm4+code", "#adm4+name+i_en", "#adm4+name+i_ar"],
    ["SY02", "SY020000", "C1007", "Aleppo", "حلب"],
    ["SY03", "SY030100", "C2329", "Duma", "دوما"],
]
PIN = [
    ["#adm4+code", "#inneed", "#date", "#meta+source"],
    ["C1007", "1.500.000", "2017-01-01", "OCHA"],
    ["C2329", "120.000", "2017-01-01", "OCHA"],
]
FOUR_W = [
    ["#adm4+code", "#sector", "#reached+ind", "#date", "#org+impl"],
    ["C1007", "Food", "50000", "2017-02-27", "WFP"],
]


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.fixture
def db(db_url: str, tmp_path: Path) -> str:
    """A database with two communities, their people in need and one delivery (both kinds)."""
    target = db_url
    runner = CliRunner()
    for rows, name, extra in (
        (PLACES, "p.csv", []),
        (PIN, "pin.csv", ["--locale", "de"]),
        (FOUR_W, "4w.csv", []),
    ):
        result = runner.invoke(
            main, ["--db", target, "import", *extra, str(write(tmp_path / name, rows))]
        )
        assert result.exit_code == 0, result.output
    return target


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    "command", ["init", "import", "places", "situation", "gaps", "access", "demo"]
)
def test_every_command_has_help(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0 and "Usage: main " + command in out.replace("lagebild", "main")


def test_gaps_json_follows_the_contract(db: str) -> None:
    code, out, _ = run(
        "--db", db, "gaps", "--as-of", "2017-02-28", "--level", "adm4", "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    assert (data["as_of"], data["window_days"], data["level"], data["sector"]) == (
        "2017-02-28",
        30,
        "adm4",
        None,
    )
    first, second = data["places"]
    assert first["pcode"] == "C2329" and first["cut_off"] is True
    assert first["people_in_need"] == 120000 and first["last_delivery"] is None
    assert second == second | {
        "pcode": "C1007",
        "reached": 50000.0,
        "cut_off": False,
        "last_delivery": "2017-02-27",
        "days_without_aid": 1,
    }
    assert second["coverage"] == pytest.approx(50000 / 1500000)


def test_gaps_hxl_has_a_hashtag_row_and_csv_has_none(db: str) -> None:
    _, hxl, _ = run(
        "--db", db, "gaps", "--as-of", "2017-02-28", "--level", "adm4", "--format", "hxl"
    )
    rows = list(csv.reader(io.StringIO(hxl)))
    assert rows[1][:2] == ["#adm4+code", "#adm4+name"] and "#inneed" in rows[1]
    assert rows[2][0] == "C2329"
    _, plain, _ = run(
        "--db", db, "gaps", "--as-of", "2017-02-28", "--level", "adm4", "--format", "csv"
    )
    assert list(csv.reader(io.StringIO(plain)))[1][0] == "C2329"


def test_gaps_table_is_readable(db: str) -> None:
    code, out, _ = run("--db", db, "gaps", "--as-of", "2017-02-28", "--level", "adm4")
    assert code == 0
    assert "1 places cut off, 120,000 people in need in them" in out
    assert "CUT OFF" in out and "1,500,000" in out


def test_situation_names_the_sources_of_the_totals(db: str) -> None:
    code, out, _ = run("--db", db, "situation", "--as-of", "2017-02-28")
    assert code == 0 and "people in need: 1,620,000" in out and "OCHA" in out
    code, out, _ = run("--db", db, "situation", "--as-of", "2017-02-28", "--format", "json")
    assert json.loads(out)["total"]["people_in_need"]["value"] == 1620000


def test_places_search_finds_arabic_names(db: str) -> None:
    code, out, _ = run("--db", db, "places", "--search", "دوما", "--format", "json")
    assert code == 0 and [p["pcode"] for p in json.loads(out)["places"]] == ["C2329"]


def test_import_errors_list_row_column_value_and_exit_non_zero(db: str, tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.csv", [FOUR_W[0], ["C1007", "Food", "many", "2017-02-27", "WFP"]])
    code, out, err = run("--db", db, "import", str(bad))
    assert code == 1
    assert "bad.csv, row 2, column C #reached+ind, value 'many'" in err
    assert "nothing was imported" in err and "Traceback" not in err + out


def test_malformed_date_is_a_one_line_error(db: str) -> None:
    code, out, err = run("--db", db, "gaps", "--as-of", "28.02.2017")
    assert code == 2 and "YYYY-MM-DD" in err and "Traceback" not in err


def test_uninitialised_database_says_to_run_init(tmp_path: Path) -> None:
    code, _, err = run("--db", str(tmp_path / "new.db"), "gaps", "--as-of", "2017-02-28")
    assert code == 1 and "lagebild init" in err
    assert err.strip().count("\n") == 0


def test_init_creates_the_schema(tmp_path: Path) -> None:
    code, out, _ = run("--db", str(tmp_path / "new.db"), "init")
    head = Store.open(str(tmp_path / "new.db")).head_revision()
    assert code == 0 and f"schema {head}" in out and head >= "0002"


def test_lagebild_db_environment_variable_chooses_the_database(db: str) -> None:
    result = CliRunner().invoke(main, ["places", "--format", "json"], env={"LAGEBILD_DB": db})
    assert result.exit_code == 0 and len(json.loads(result.stdout)["places"]) == 6


def test_dry_run_changes_nothing(db: str, tmp_path: Path) -> None:
    extra = write(tmp_path / "more.csv", [FOUR_W[0], ["C2329", "Food", "10", "2017-02-27", "WFP"]])
    code, out, _ = run("--db", db, "import", "--dry-run", str(extra))
    assert code == 0 and "would import deliveries: 1 rows" in out
    _, after, _ = run(
        "--db", db, "gaps", "--as-of", "2017-02-28", "--level", "adm4", "--format", "json"
    )
    assert json.loads(after)["places"][0]["cut_off"] is True


def test_console_script_runs_as_a_program(db: str) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "lagebild.cli",
            "--db",
            db,
            "gaps",
            "--as-of",
            "2017-02-28",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["level"] == "adm3"


def test_access_shows_history_and_status_on_a_date(db: str, tmp_path: Path) -> None:
    path = write(
        tmp_path / "access.csv",
        [
            ["#adm4+code", "#access", "#group+besieging", "#date+start"],
            ["C2329", "besieged", "Government of Syria", "2013-04-01"],
        ],
    )
    assert run("--db", db, "import", str(path))[0] == 0
    code, out, _ = run("--db", db, "access", "C2329", "--as-of", "2017-02-28")
    assert code == 0
    assert "2013-04-01 .. now: besieged by Government of Syria" in out
    assert "on 2017-02-28: besieged by Government of Syria since 2013-04-01" in out
    code, _, err = run("--db", db, "access", "C9999")
    assert code == 1 and "unknown P-code 'C9999'" in err


@pytest.mark.parametrize(
    "target", ["postgresql://nobody@127.0.0.1:1/nothing", "/nonexistent/folder/x.db"]
)
def test_a_database_that_cannot_be_opened_is_a_one_line_error(target: str) -> None:
    code, out, err = run("--db", target, "gaps", "--as-of", "2017-02-28")
    assert code == 1 and err.startswith("Error: cannot open database")
    assert err.strip().count("\n") == 0 and "Traceback" not in err + out


def test_missing_input_file_and_missing_tag_map_are_clean_errors(db: str, tmp_path: Path) -> None:
    code, _, err = run("--db", db, "import", str(tmp_path / "nothing.csv"))
    assert code == 1 and "nothing.csv: no such file" in err
    code, _, err = run("--db", db, "import", "--tags", str(tmp_path / "map.yml"), "x.csv")
    assert code == 1 and "cannot read the tag map" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "command",
    [("situation",), ("gaps", "--as-of", "2017-02-28"), ("priorities", "--as-of", "2017-02-28"),
     ("presence",), ("explain", "--pcode", "C1007", "--as-of", "2017-02-28", "--indicator",
      "people_in_need")],
)  # fmt: skip
def test_an_unknown_sector_is_refused_not_answered_with_an_empty_table(
    db: str, command: tuple[str, ...]
) -> None:
    """As the web's 422: a misspelt sector would give no place cut off and no organisation."""
    code, out, err = run("--db", db, *command, "--sector", "fod")
    assert code == 2, out
    assert "unknown sector 'fod'; use one of: food," in err and "--sector" in err
    code, out, _ = run("--db", db, *command, "--sector", "Food security", "--format", "json")
    assert code == 0, out
