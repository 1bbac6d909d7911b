"""Speed, measured: lagebild's import and gap analysis next to libhxl, DuckDB and polars.

Usage::

    python bench/run.py --rows 1000000 [--seed 1] [--keep] [--skip-libhxl] [--cache-dir DIR]

Generates (or reuses from the cache directory) a synthetic HXL 4W file of ``--rows`` rows and its
gazetteer with ``bench/generate_4w.py``, then measures, on that one file and in this one run:

* reference readers, each in a child process of its own: polars, Python's ``csv`` module,
  DuckDB (count, sum by governorate and sector, full load), libhxl (bare parse, sum);
* ``lagebild import`` of the file into a fresh SQLite database: wall time and peak memory of the
  command, measured from outside;
* ``lagebild.analysis.gaps`` at sub-district level over the stored rows, inside a process and as
  the ``lagebild gaps`` command, checked against the same numbers computed by DuckDB;

and prints the figures, the issue's targets with PASS or FAIL, and the machine. A benchmark never
asserts: whatever fails or is not there yet is printed as such and the run goes on.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

from lagebild.store.summary import row_counts

BENCH = Path(__file__).resolve().parent
DEFAULT_CACHE = Path(
    os.environ.get("LAGEBILD_BENCH_CACHE", Path(tempfile.gettempdir()) / "lagebild-bench")
)
AS_OF = date(2017, 6, 30)
WINDOW = 30
LEVEL = 3
#: Statuses of the generated file that count as delivered (``Ongoing`` is ``partial``).
DELIVERED = ("Completed", "Ongoing")
#: The issue's targets.
IMPORT_VS_LIBHXL = 2.0
IMPORT_VS_DUCKDB = 5.0
PEAK_MEMORY_LIMIT = 1.5e9
GAPS_AIM_SECONDS = 0.200
CHILD_TIMEOUT = 3600
#: Labels of the reference figures (the targets look them up).
DUCKDB_READ = "read: SELECT count(*) FROM read_csv"
DUCKDB_LOAD = "load all columns into a table"
DUCKDB_SUM = "sum #reached+ind by #adm1+code, #sector"
LIBHXL_PARSE = "parse: iterate every row of hxl.data()"
LIBHXL_SUM = "parse + count(sum #reached+ind)"


# -- the reference tasks, each run in a child process (``run.py --child TASK``) ------------------


def _duckdb_source(path: str) -> str:
    # The file has a header row and a hashtag row: skip the header, take the hashtags as names.
    quoted = path.replace("'", "''")
    return f"read_csv('{quoted}', skip=1, header=true)"


def task_polars_read(path: str) -> Any:
    import polars as pl

    return pl.read_csv(path, skip_rows_after_header=1).height


def task_csv_module(path: str) -> Any:
    import csv

    with open(path, newline="", encoding="utf-8") as f:
        rows = sum(1 for _ in csv.reader(f))
    return rows - 2


def task_duckdb_read(path: str) -> Any:
    import duckdb

    return duckdb.connect().execute(f"SELECT count(*) FROM {_duckdb_source(path)}").fetchall()[0][0]


def task_duckdb_load(path: str) -> Any:
    import duckdb

    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS SELECT * FROM {_duckdb_source(path)}")
    return con.execute("SELECT count(*) FROM t").fetchall()[0][0]


def task_duckdb_sum(path: str) -> Any:
    import duckdb

    rows = (
        duckdb.connect()
        .execute(
            f'SELECT "#adm1+code", "#sector", sum("#reached+ind") FROM {_duckdb_source(path)} '
            "GROUP BY ALL"
        )
        .fetchall()
    )
    return [[a, s, float(v or 0)] for a, s, v in rows]


def _hxl_source(path: str) -> Any:
    import hxl

    return hxl.data(path, hxl.InputOptions(allow_local=True))


def task_libhxl_parse(path: str) -> Any:
    return sum(1 for _ in _hxl_source(path))


def task_libhxl_sum(path: str) -> Any:
    counted = _hxl_source(path).count(
        ["#adm1+code", "#sector"], aggregators="sum(#reached+ind) as Reached#reached+ind"
    )
    return [[r.values[0], r.values[1], float(r.values[2] or 0)] for r in counted]


def gaps_times(db: str, repeat: int) -> tuple[list[float], Any]:
    """Times of ``repeat`` calls of ``gaps(store, as_of, window, level=3)`` on one open store."""
    gaps = _gaps_function()
    from lagebild.store import Store

    store = Store.open(db)
    times, places = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = gaps(store, as_of=AS_OF, window=WINDOW, level=LEVEL)
        times.append(time.perf_counter() - started)
        places = _places_of(result)
    return times, {"places": None if places is None else len(places)}


TASKS: dict[str, Callable[[str], Any]] = {
    "polars_read": task_polars_read,
    "csv_module": task_csv_module,
    "duckdb_read": task_duckdb_read,
    "duckdb_load": task_duckdb_load,
    "duckdb_sum": task_duckdb_sum,
    "libhxl_parse": task_libhxl_parse,
    "libhxl_sum": task_libhxl_sum,
}


def _gaps_function() -> Callable[..., Any]:
    """``lagebild.analysis.gaps``, whether it is a function or a module holding one."""
    import importlib

    analysis = importlib.import_module("lagebild.analysis")
    gaps = getattr(analysis, "gaps", None)
    if gaps is None:
        gaps = importlib.import_module("lagebild.analysis.gaps")
    if not callable(gaps):
        gaps = getattr(gaps, "gaps", None)
    if not callable(gaps):
        raise ImportError("lagebild.analysis has no gaps() function")
    return gaps


def _places_of(result: Any) -> list[Any] | None:
    """The list of ranked places in what ``gaps`` returned, whatever its shape."""
    if isinstance(result, list):
        return result
    if isinstance(result, dict):
        return result.get("places")
    places = getattr(result, "places", None)
    return list(places) if places is not None else None


def child_main(task: str, target: str, repeat: int, json_out: Path) -> int:
    """Run one task ``repeat`` times in this process; write times, result and peak memory."""
    out: dict[str, Any] = {"task": task}
    try:
        if task == "gaps":
            times, value = gaps_times(target, repeat)
        else:
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                value = TASKS[task](target)
                times.append(time.perf_counter() - started)
        out.update(seconds=times, value=value)
    except Exception as exc:  # noqa: BLE001 - reported by the parent, never hidden
        out["error"] = f"{type(exc).__name__}: {exc}"
    out["maxrss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    json_out.write_text(json.dumps(out))
    return 0


def measure_main(json_out: Path, stdout: Path, stderr: Path, command: list[str]) -> int:
    """Run a command; record its wall time, exit code and peak memory (``RUSAGE_CHILDREN``)."""
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        started = time.perf_counter()
        code = subprocess.call(command, stdout=out, stderr=err)
        wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    json_out.write_text(json.dumps({"wall": wall, "rc": code, "maxrss": peak}))
    return 0


# -- the parent: orchestration and printing -------------------------------------------------------


@dataclass
class Figure:
    tool: str
    task: str
    seconds: float | None = None  # the figure compared: best of the runs, or the one run
    runs: list[float] = field(default_factory=list)
    maxrss: int | None = None
    note: str = ""
    rows: int | None = None

    def rate(self) -> str:
        if not self.seconds or not self.rows:
            return ""
        return f"{self.rows / self.seconds / 1e6:,.2f} M"


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rows: int = args.rows
        self.figures: list[Figure] = []
        self.work = Path(tempfile.mkdtemp(prefix="lagebild-bench-"))
        self.values: dict[str, Any] = {}
        self.files_4w = Path()
        self.db: Path | None = None
        self.import_figure: Figure | None = None
        self.gaps_figure: Figure | None = None

    # running things

    def child(self, task: str, target: Path, repeat: int) -> dict[str, Any]:
        json_out = self.work / f"{task}.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            task,
            "--target",
            str(target),
            "--repeat",
            str(repeat),
            "--json-out",
            str(json_out),
        ]
        try:
            subprocess.run(command, timeout=CHILD_TIMEOUT, check=False)
            return json.loads(json_out.read_text())
        except (subprocess.TimeoutExpired, OSError, ValueError) as exc:
            return {"error": f"{type(exc).__name__}: {exc}"}

    def command(self, name: str, command: Sequence[str]) -> dict[str, Any]:
        """Run a command under ``--measure``; returns wall, rc, maxrss, stdout and stderr paths."""
        json_out = self.work / f"{name}.json"
        stdout, stderr = self.work / f"{name}.out", self.work / f"{name}.err"
        wrapper = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--measure",
            "--json-out",
            str(json_out),
            "--stdout",
            str(stdout),
            "--stderr",
            str(stderr),
            "--",
            *command,
        ]
        subprocess.run(wrapper, timeout=CHILD_TIMEOUT, check=False)
        result = json.loads(json_out.read_text())
        result.update(stdout=stdout, stderr=stderr)
        return result

    def reference(self, tool: str, task: str, label: str, path: Path, repeat: int) -> Figure:
        result = self.child(task, path, repeat)
        figure = Figure(tool, label, rows=self.rows, maxrss=result.get("maxrss"))
        if "error" in result:
            figure.note = f"failed: {result['error']}"
        else:
            figure.runs = result["seconds"]
            figure.seconds = min(figure.runs)
            self.values[task] = result["value"]
            if len(figure.runs) > 1:
                figure.note = f"best of {len(figure.runs)}"
        self.figures.append(figure)
        print(f"  {tool:9} {label:44} {_secs(figure.seconds)}  {figure.note}", flush=True)
        return figure

    # the parts

    def files(self) -> tuple[Path, Path, Path, Path]:
        """The 4W, gazetteer, figures and access files, generated unless cached."""
        cache: Path = self.args.cache_dir
        cache.mkdir(parents=True, exist_ok=True)
        version = hashlib.sha256((BENCH / "generate_4w.py").read_bytes()).hexdigest()[:8]
        four_w = cache / f"4w_{self.rows}_seed{self.args.seed}_{version}.csv"
        gaz = cache / f"gazetteer_{version}.csv"
        figures = cache / f"inneed_{version}.csv"
        access = cache / f"access_{version}.csv"
        if all(p.exists() for p in (four_w, gaz, figures, access)):
            print(f"reusing {four_w} ({four_w.stat().st_size / 1e6:,.1f} MB)")
        else:
            command = [
                sys.executable,
                str(BENCH / "generate_4w.py"),
                "--rows",
                str(self.rows),
                "--seed",
                str(self.args.seed),
                "--out",
                str(four_w),
                "--gazetteer-out",
                str(gaz),
                "--figures-out",
                str(figures),
                "--access-out",
                str(access),
            ]
            started = time.perf_counter()
            subprocess.run(command, check=True)
            print(f"generated in {time.perf_counter() - started:.1f} s")
        return four_w, gaz, figures, access

    def references(self, path: Path) -> None:
        repeat = self.args.repeat
        print("\nreference readers (each in a child process; the file is in the page cache)")
        self.reference("polars", "polars_read", "read_csv, all columns", path, repeat)
        self.reference("python", "csv_module", "csv.reader, every row", path, 1)
        self.reference("duckdb", "duckdb_read", DUCKDB_READ, path, repeat)
        self.reference("duckdb", "duckdb_load", DUCKDB_LOAD, path, repeat)
        self.reference("duckdb", "duckdb_sum", DUCKDB_SUM, path, repeat)
        if self.args.skip_libhxl:
            for label in (LIBHXL_PARSE, LIBHXL_SUM):
                self.figures.append(Figure("libhxl", label, note="skipped (--skip-libhxl)"))
        else:
            self.reference("libhxl", "libhxl_parse", LIBHXL_PARSE, path, 1)
            self.reference("libhxl", "libhxl_sum", LIBHXL_SUM, path, 1)
        ducks, hxls = self.values.get("duckdb_sum"), self.values.get("libhxl_sum")
        if ducks is not None and hxls is not None:
            agree = _sums(ducks) == _sums(hxls)
            print(f"  libhxl and DuckDB sums agree: {'yes' if agree else 'NO'}")

    def lagebild(self, four_w: Path, gaz: Path, figures: Path, access: Path) -> None:
        print("\nlagebild")
        how = _import_driver()
        if how is None:
            print("  import: not available (no 'lagebild import', no lagebild.ingest.import_file)")
            self.figures.append(Figure("lagebild", "import", note="not available"))
            self.figures.append(Figure("lagebild", "gaps adm3 (in process)", note="not available"))
            self.figures.append(Figure("lagebild", "gaps adm3 (command)", note="not available"))
            return
        db = self.args.cache_dir / f"bench_{self.rows}.db"
        self.db = db
        _remove_db(db)
        print(f"  database {db}; import via {how}")
        if how == "cli" and "init" in _cli_commands():
            self.command("init", ["lagebild", "--db", str(db), "init"])
        for name, path in (("gazetteer", gaz), ("inneed", figures), ("access", access)):
            result = self.command(f"import_{name}", _import_command(how, db, path))
            status = "ok" if result["rc"] == 0 else f"FAILED (exit {result['rc']})"
            print(f"  import {name}: {status} in {result['wall']:.2f} s")
            if result["rc"]:
                print(_tail(result["stderr"]) or _tail(result["stdout"]))
        if how == "cli":
            startup = [self.command("startup", ["lagebild", "--help"])["wall"] for _ in range(3)]
            self.figures.append(
                Figure(
                    "lagebild",
                    "CLI start-up: lagebild --help",
                    min(startup),
                    startup,
                    maxrss=None,
                    note="best of 3; included in the import and gaps CLI walls",
                )
            )
            print(f"  start-up (lagebild --help): {min(startup):.3f} s")
        result = self.command("import_4w", _import_command(how, db, four_w))
        label = (
            "import (CLI wall, full validation)" if how == "cli" else "import (library, CLI n/a)"
        )
        figure = Figure("lagebild", label, rows=self.rows, maxrss=result["maxrss"])
        if result["rc"] == 0:
            figure.seconds = result["wall"]
            figure.runs = [result["wall"]]
            stored = _stored_deliveries(db)
            figure.note = f"{stored:,} deliveries stored" if stored is not None else ""
            if stored is not None and stored != self.rows:
                figure.note += f" (expected {self.rows:,})"
            size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
            figure.note += f", database {size / 1e6:,.0f} MB"
        else:
            figure.note = f"FAILED (exit {result['rc']})"
            print(_tail(result["stderr"]) or _tail(result["stdout"]))
        self.figures.append(figure)
        self.import_figure = figure
        print(f"  import 4W: {_secs(figure.seconds)}  peak RSS {_mb(figure.maxrss)}  {figure.note}")
        if result["rc"] == 0 and _tail(result["stdout"], 6):
            print(_tail(result["stdout"], 6))
        if figure.seconds is None:
            return
        self.gaps(db)

    def gaps(self, db: Path) -> None:
        repeat = self.args.gaps_repeat
        result = self.child("gaps", db, repeat)
        figure = Figure(
            "lagebild", f"gaps adm3 in process, median of {repeat}", maxrss=result.get("maxrss")
        )
        if "error" in result:
            figure.note = f"not available: {result['error']}"
        else:
            runs = result["seconds"]
            figure.runs = runs
            figure.seconds = statistics.median(runs)
            places = result["value"].get("places")
            figure.note = f"best {min(runs) * 1000:.0f} ms, first {runs[0] * 1000:.0f} ms"
            figure.note += f", {places} places" if places is not None else ""
        self.figures.append(figure)
        self.gaps_figure = figure
        print(f"  gaps in process: {_secs(figure.seconds)}  {figure.note}")

        command = [
            "lagebild",
            "--db",
            str(db),
            "gaps",
            "--as-of",
            AS_OF.isoformat(),
            "--window",
            str(WINDOW),
            "--level",
            f"adm{LEVEL}",
            "--format",
            "json",
        ]
        cli = Figure("lagebild", "gaps adm3, CLI wall (--format json)")
        if "gaps" not in _cli_commands():
            cli.note = "not available (no 'lagebild gaps' command)"
        else:
            run = self.command("gaps_cli", command)
            cli.maxrss = run["maxrss"]
            if run["rc"] == 0:
                cli.seconds = run["wall"]
                cli.note = _check_gaps(run["stdout"], self.files_4w)
            else:
                cli.note = f"FAILED (exit {run['rc']})"
                print(_tail(run["stderr"]))
        self.figures.append(cli)
        print(f"  gaps CLI: {_secs(cli.seconds)}  {cli.note}")

    # printing

    def table(self) -> None:
        size = self.files_4w.stat().st_size / 1e6
        print(f"\nfigures, {self.rows:,} rows, {size:,.1f} MB, same file")
        print(f"  {'tool':9} {'task':44} {'seconds':>9} {'Mrows/s':>8} {'peak RSS':>9}  note")
        for f in self.figures:
            seconds, memory = _secs(f.seconds), _mb(f.maxrss)
            print(f"  {f.tool:9} {f.task:44} {seconds:>9} {f.rate():>8} {memory:>9}  {f.note}")

    def targets(self) -> None:
        seconds = {f.task: f.seconds for f in self.figures}
        imp = self.import_figure
        t_import = imp.seconds if imp else None
        t_parse = seconds.get(LIBHXL_PARSE)
        t_read = seconds.get(DUCKDB_READ)
        t_sum = seconds.get(DUCKDB_SUM)
        gaps = self.gaps_figure
        at = (
            ""
            if self.rows == 1_000_000
            else f" (measured at {self.rows:,} rows; the target is for 1M)"
        )
        print(f"\ntargets (issue point 10){at}")
        _target(
            f"import with full validation <= {IMPORT_VS_LIBHXL:g}x libhxl's bare parse",
            t_import,
            t_parse,
            IMPORT_VS_LIBHXL,
        )
        _target(
            f"import with full validation <= {IMPORT_VS_DUCKDB:g}x DuckDB's read",
            t_import,
            t_read,
            IMPORT_VS_DUCKDB,
        )
        t_load = seconds.get(DUCKDB_LOAD)
        if t_import is not None and t_load:
            print(
                f"         (for reference, against DuckDB loading all columns, {t_load:.3f} s: "
                f"ratio {t_import / t_load:.2f})"
            )
        label = "10M rows streamed, peak memory < 1.5 GB"
        if self.rows < 10_000_000:
            print(f"  [n/a ] {label}: run with --rows 10000000")
        elif imp is None or imp.seconds is None or imp.maxrss is None:
            print(f"  [n/a ] {label}: import not available")
        else:
            verdict = "PASS" if imp.maxrss < PEAK_MEMORY_LIMIT else "FAIL"
            print(f"  [{verdict}] {label}: peak RSS {_mb(imp.maxrss)}")
        t_gaps = gaps.seconds if gaps else None
        _target("gaps adm3 in process faster than DuckDB's sum on the raw file", t_gaps, t_sum, 1.0)
        if t_gaps is None:
            print("  [n/a ] gaps adm3 in process < 200 ms (aim): gaps not available")
        else:
            verdict = "PASS" if t_gaps < GAPS_AIM_SECONDS else "FAIL"
            print(
                f"  [{verdict}] gaps adm3 in process < 200 ms (aim): {t_gaps * 1000:.0f} ms median"
            )

    def cleanup(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
        db = self.db
        if db is not None:
            if self.args.keep:
                print(f"\nkept the database: {db}")
            else:
                _remove_db(db)


def _target(label: str, value: float | None, reference: float | None, factor: float) -> None:
    if value is None or reference is None:
        missing = "lagebild n/a" if value is None else "reference n/a"
        print(f"  [n/a ] {label}: {missing}")
        return
    verdict = "PASS" if value <= factor * reference else "FAIL"
    ratio = value / reference
    print(
        f"  [{verdict}] {label}: {value:.3f} s vs {factor:g} x {reference:.3f} s "
        f"= {factor * reference:.3f} s (ratio {ratio:.2f})"
    )


def _sums(rows: list[list[Any]]) -> dict[tuple[str, str], int]:
    return {(a, s): round(v) for a, s, v in rows}


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _mb(value: int | None) -> str:
    return "-" if value is None else f"{value / 1e6:,.0f} MB"


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = Path(path).read_text(errors="replace").rstrip().splitlines()
    except OSError:
        return ""
    return "\n".join("    | " + line for line in text[-lines:])


def _remove_db(db: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(db) + suffix).unlink(missing_ok=True)


_COMMANDS: set[str] | None = None


def _cli_commands() -> set[str]:
    """The subcommands ``lagebild --help`` lists (empty when the command does not run)."""
    global _COMMANDS
    if _COMMANDS is None:
        _COMMANDS = set()
        if shutil.which("lagebild"):
            try:
                done = subprocess.run(
                    ["lagebild", "--help"], capture_output=True, text=True, timeout=60, check=False
                )
            except subprocess.TimeoutExpired:
                done = None
            if done is not None and done.returncode == 0:
                in_commands = False
                for line in done.stdout.splitlines():
                    if line.strip().lower().startswith("commands"):
                        in_commands = True
                    elif in_commands and line.startswith("  ") and line.strip():
                        _COMMANDS.add(line.split()[0])
    return _COMMANDS


def _import_driver() -> str | None:
    """``cli`` when ``lagebild import`` exists, ``library`` when only the importer does."""
    if "import" in _cli_commands():
        return "cli"
    probe = (
        "from lagebild.ingest import ImportOptions, import_file; from lagebild.store import Store"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, check=False)
    return "library" if done.returncode == 0 else None


_LIBRARY_IMPORT = """
import sys
from lagebild.ingest import ImportFailed, ImportOptions, import_file
from lagebild.store import Store
store = Store.open(sys.argv[1])
store.migrate()
try:
    report = import_file(store, sys.argv[2], ImportOptions(source="bench"))
except ImportFailed as exc:
    print(exc, file=sys.stderr)
    sys.exit(1)
"""


def _import_command(how: str, db: Path, path: Path) -> list[str]:
    if how == "cli":
        return ["lagebild", "--db", str(db), "import", "--source", "bench", str(path)]
    return [sys.executable, "-c", _LIBRARY_IMPORT, str(db), str(path)]


def _stored_deliveries(db: Path) -> int | None:
    try:
        from lagebild.store import Store

        store = Store.open(str(db))
        try:
            return int(row_counts(store)["deliveries"])
        finally:
            store.close()
    except Exception:  # noqa: BLE001 - a count is a nicety; its absence is printed as such
        return None


def _check_gaps(stdout: Path, four_w: Path) -> str:
    """Compare the command's JSON with reached and cut-off places that DuckDB finds in the file."""
    try:
        answer = json.loads(Path(stdout).read_text())
        places = answer["places"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"output is not the gaps JSON: {exc}"
    reached = sum(float(p.get("reached") or 0) for p in places)
    cut_off = sum(1 for p in places if p.get("cut_off"))
    expected = _expected_gaps(four_w)
    if expected is None:
        return f"{len(places)} places, {cut_off} cut off (no DuckDB to check against)"
    want_reached, want_cut_off, want_places = expected
    agree = round(reached) == round(want_reached) and cut_off == want_cut_off
    verdict = (
        "agrees with DuckDB"
        if agree
        else (
            f"DISAGREES with DuckDB: reached {reached:,.0f} vs {want_reached:,.0f}, "
            f"cut off {cut_off} vs {want_cut_off}"
        )
    )
    return f"{len(places)} places, {cut_off} cut off, reached {reached:,.0f}: {verdict}"


def _expected_gaps(four_w: Path) -> tuple[float, int, int] | None:
    """Per sub-district: the largest per-sector sum of people reached by delivered rows whose date
    (the end date) is in the window, summed over sub-districts; and how many had none (all have
    people in need in the generated figures, so those are the cut-off places)."""
    try:
        import duckdb
    except ImportError:
        return None
    sys.path.insert(0, str(BENCH))
    from generate_4w import build_places

    after = AS_OF - timedelta(days=WINDOW)
    statuses = ", ".join(f"'{s}'" for s in DELIVERED)
    con = duckdb.connect()
    per_place = con.execute(
        f"""
        WITH recent AS (
            SELECT "#adm3+code" AS pcode, "#sector" AS sector, "#reached+ind" AS reached
            FROM {_duckdb_source(str(four_w))}
            WHERE "#status" IN ({statuses})
              AND "#date+end" > DATE '{after}' AND "#date+end" <= DATE '{AS_OF}'
        ), by_sector AS (
            SELECT pcode, sector, sum(reached) AS reached FROM recent GROUP BY ALL
        )
        SELECT pcode, max(reached) FROM by_sector GROUP BY pcode
        """
    ).fetchall()
    all_places = set(build_places().subdistricts)
    served = {p for p, _ in per_place}
    return float(sum(v or 0 for _, v in per_place)), len(all_places - served), len(all_places)


def machine() -> None:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = int(line.split()[1]) * 1024
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"date     {datetime.now().astimezone().isoformat(timespec='seconds')}")
    memory = f"{ram / 2**30:,.1f} GiB RAM" if ram else "RAM unknown"
    print(f"machine  {cpu}, {os.cpu_count()} cores ({usable} usable), {memory}")
    print(f"system   {platform.platform()}")
    print(f"python   {platform.python_version()} ({platform.python_implementation()})")
    import sqlite3

    versions = [f"sqlite {sqlite3.sqlite_version}"]
    for dist in ("lagebild", "polars", "duckdb", "libhxl", "pyarrow", "numpy", "SQLAlchemy"):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist} -")
    print(f"versions {', '.join(versions)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the 4W file")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated rows")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=DEFAULT_CACHE,
        help=f"where generated files and the database go (default {DEFAULT_CACHE})",
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--skip-libhxl", action="store_true", help="do not run libhxl (slow)")
    parser.add_argument(
        "--skip-references",
        action="store_true",
        help="measure lagebild only (the targets then show n/a)",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each fast reader (best is kept)"
    )
    parser.add_argument("--gaps-repeat", type=int, default=7, help="calls of gaps() in process")
    # Internal: the parent runs itself in these modes.
    parser.add_argument("--child", choices=[*sorted(TASKS), "gaps"], help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    parser.add_argument("--json-out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--stdout", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--stderr", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("command", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args.child, args.target, args.repeat, args.json_out)
    if args.measure:
        return measure_main(args.json_out, args.stdout, args.stderr, args.command)

    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    print("lagebild benchmark: speed, measured (issue point 10)")
    machine()
    bench = Bench(args)
    try:
        four_w, gaz, figures, access = bench.files()
        bench.files_4w = four_w
        if not args.skip_references:
            bench.references(four_w)
        bench.lagebild(four_w, gaz, figures, access)
        bench.table()
        bench.targets()
    finally:
        bench.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
