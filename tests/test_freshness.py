"""``--if-changed``: a scheduled ``lagebild export hdx`` writes only when something was imported,
undone, edited or graded since the run that wrote its output (publish/freshness.py).

The stamp beside the output holds the data version of that run; a run finding the same version
and options writes nothing, says so and exits 0.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from demo_support import demo_database

from lagebild.cli import main
from lagebild.demo import AS_OF
from lagebild.publish import freshness
from lagebild.store import Store

DATE = AS_OF.isoformat()
NEEDS = """\
Community code,People in need,Date,Source
#adm4+code,#inneed,#date,#meta+source
C1001,510000,2017-02-20,freshness test
"""


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def demo(tmp_path: Path) -> str:
    return demo_database(tmp_path)


def mtimes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


def export(db: str, out: Path, *more: str) -> str:
    return run("--db", db, "export", "hdx", "--as-of", DATE, "-o", str(out), "--if-changed", *more)


def aged(folder: Path) -> None:
    """Every file of the folder a minute older, so that a rewrite shows in its time."""
    for path in folder.iterdir():
        then = path.stat().st_mtime_ns - 60 * 10**9
        os.utime(path, ns=(then, then))


def test_a_second_run_without_an_import_writes_nothing_and_says_so(
    demo: str, tmp_path: Path
) -> None:
    out = tmp_path / "hdx"
    first = export(demo, out)
    assert "wrote" in first and (out / "population.csv").exists()
    stamp = json.loads(freshness.stamp_path(out).read_text())
    aged(out)
    before = mtimes(out)
    second = export(demo, out)
    assert second.startswith("unchanged: nothing was imported or changed since")
    assert "wrote" not in second
    assert mtimes(out) == before
    assert json.loads(freshness.stamp_path(out).read_text()) == stamp


def test_an_import_then_its_undo_each_make_the_next_run_write(demo: str, tmp_path: Path) -> None:
    out = tmp_path / "hdx"
    export(demo, out)
    needs = tmp_path / "needs.csv"
    needs.write_text(NEEDS, encoding="utf-8")
    imported = run("--db", demo, "import", str(needs))
    import_id = imported.split("as import #")[1].split()[0]
    aged(out)
    before = mtimes(out)
    assert "wrote" in export(demo, out)
    assert mtimes(out)["humanitarian-needs.csv"] > before["humanitarian-needs.csv"]
    assert "510000" in (out / "humanitarian-needs.csv").read_text()
    assert "unchanged" in export(demo, out)
    run("--db", demo, "import", "--undo", import_id, "--why", "test")
    assert "wrote" in export(demo, out)
    assert "510000" not in (out / "humanitarian-needs.csv").read_text()


def test_a_grade_changes_the_data_version_and_other_options_rewrite(
    demo: str, tmp_path: Path
) -> None:
    out = tmp_path / "hdx"
    export(demo, out)
    run("--db", demo, "sources", "grade", "lagebild demo (illustrative)", "--reliability", "b")
    assert "wrote" in export(demo, out)
    assert "unchanged" in export(demo, out)
    assert "wrote" in export(demo, out, "--role", "analyst")
    assert json.loads(freshness.stamp_path(out).read_text())["options"]["role"] == "analyst"


def test_check_says_why_an_output_must_be_written(demo: str, tmp_path: Path) -> None:
    store = Store.open(demo)
    try:
        output = tmp_path / "report.pdf"
        found = freshness.check(store, output, {"lang": "ar"})
        assert found.changed and "does not exist yet" in found.reason
        output.write_bytes(b"%PDF")
        found = freshness.check(store, output, {"lang": "ar"})
        assert found.changed and "no readable stamp" in found.reason
        freshness.record(output, found)
        assert freshness.stamp_path(output).name == ".report.pdf.lagebild-stamp.json"
        assert not freshness.check(store, output, {"lang": "ar"}).changed
        found = freshness.check(store, output, {"lang": "de"})
        assert found.changed and "other options" in found.reason
        freshness.stamp_path(output).write_text("{not json")
        assert freshness.check(store, output, {"lang": "ar"}).changed
    finally:
        store.close()


def test_without_if_changed_every_run_writes(demo: str, tmp_path: Path) -> None:
    out = tmp_path / "hdx"
    for _ in range(2):
        written = run("--db", demo, "export", "hdx", "--as-of", DATE, "-o", str(out))
        assert "wrote" in written


def report(db: str, out: Path, *more: str) -> str:
    return run("--db", db, "report", "--as-of", DATE, "-o", str(out), "--if-changed", *more)


def test_a_scheduled_report_is_written_again_only_after_an_import_or_another_template(
    demo: str, tmp_path: Path
) -> None:
    out = tmp_path / "sitrep.md"
    assert report(demo, out).startswith(f"wrote {out}")
    text = out.read_text(encoding="utf-8")
    then = out.stat().st_mtime_ns - 60 * 10**9
    os.utime(out, ns=(then, then))
    again = report(demo, out)
    assert again.startswith("unchanged: nothing was imported or changed since")
    assert out.stat().st_mtime_ns == then and out.read_text(encoding="utf-8") == text
    # another language is another report: written although the data did not change
    assert report(demo, out, "--lang", "de").startswith(f"wrote {out}")
    assert out.read_text(encoding="utf-8") != text
    # a template folder, then a change inside it, each write it again
    folder = tmp_path / "templates"
    run("report", "--template-copy", str(folder))
    assert report(demo, out, "--lang", "de", "--template", str(folder)).startswith("wrote")
    assert report(demo, out, "--lang", "de", "--template", str(folder)).startswith("unchanged")
    md = folder / "report.md"
    md.write_text("CHANGED TEMPLATE\n" + md.read_text(encoding="utf-8"), encoding="utf-8")
    assert report(demo, out, "--lang", "de", "--template", str(folder)).startswith("wrote")
    assert out.read_text(encoding="utf-8").startswith("CHANGED TEMPLATE")
    # an import makes the next run write
    needs = tmp_path / "needs.csv"
    needs.write_text(NEEDS, encoding="utf-8")
    run("--db", demo, "import", str(needs))
    assert report(demo, out, "--lang", "de", "--template", str(folder)).startswith("wrote")
