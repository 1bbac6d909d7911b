"""The ``lagebild`` command line: parse options, call one library function, render the result."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from lagebild import __version__
from lagebild.model import parse_level
from lagebild.store import Store, StoreError

FORMAT = click.Choice(["table", "json", "csv", "hxl"], case_sensitive=False)
LEVELS = click.Choice(["country", "adm1", "adm2", "adm3", "adm4"], case_sensitive=False)


class IsoDate(click.ParamType):
    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return datetime.strptime(str(value).strip(), "%Y-%m-%d").date()
        except ValueError:
            self.fail(
                f"{value!r} is not a date: write it as YYYY-MM-DD, e.g. 2017-02-28", param, ctx
            )


DATE = IsoDate()


def _cause(exc: BaseException) -> str:
    """The first line of what the database driver said, without SQLAlchemy's background note."""
    original = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return lines[0] if lines else type(original).__name__


def _store(ctx: click.Context, *, ready: bool = True, create: bool = False) -> Store:
    target = ctx.obj["db"]
    try:
        store = Store.open(target)
        if create and store.revision() is None:
            store.migrate()
        if ready:
            store.check_ready()
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    except SQLAlchemyError as exc:  # the driver could not connect or refused the schema
        raise click.ClickException(
            f"cannot open database {target or 'lagebild.db'}: {_cause(exc)}"
        ) from exc
    ctx.call_on_close(store.close)
    return store


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    envvar="LAGEBILD_DB",
    metavar="PATH|URL",
    help="Database: a file path (SQLite) or a URL such as postgresql://user@host/db. "
    "Default: $LAGEBILD_DB, else ./lagebild.db.",
)
@click.version_option(__version__, prog_name="lagebild")
@click.pass_context
def main(ctx: click.Context, db: str | None) -> None:
    """lagebild: the situation picture of a humanitarian response.

    Load a gazetteer, figures, access status and 4W deliveries, then ask who is in need, who is
    reached and who is cut off, since when.
    """
    ctx.ensure_object(dict)
    ctx.obj["db"] = db


@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the database, or migrate it to this version's schema."""
    store = _store(ctx, ready=False)
    try:
        revision = store.migrate()
    except SQLAlchemyError as exc:
        raise click.ClickException(f"cannot initialise {store.url}: {_cause(exc)}") from exc
    click.echo(f"database {store.url} is at schema {revision}")


def _estimated_rows(path: Path) -> int | None:
    """Rows of a CSV estimated from its size and the length of its first lines."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(1 << 16)
    except OSError:
        return None
    if path.suffix.lower() in (".xlsx", ".xls", ".ods") or not head.count(b"\n"):
        return None
    return max(1, round(size / (len(head) / head.count(b"\n"))))


def _progress_printer(path: Path) -> tuple[Callable[[int], None], Callable[[], None]]:
    """A progress bar on stderr, shown once an import has taken more than a second."""
    start = time.monotonic()
    total = _estimated_rows(path)
    shown = False

    def update(rows: int) -> None:
        nonlocal shown
        elapsed = time.monotonic() - start
        if elapsed < 1.0:
            return
        shown = True
        rate = f"{rows / elapsed:,.0f} rows/s"
        if total:
            share = min(rows / total, 1.0)
            bar = "#" * round(30 * share) + "-" * (30 - round(30 * share))
            line = f"[{bar}] {share:4.0%}  {rows:,} of ~{total:,} rows  {rate}"
        else:
            line = f"{rows:,} rows  {rate}"
        click.echo(f"\r  {line}", nl=False, err=True)

    def done() -> None:
        if shown:
            click.echo("", err=True)

    return update, done


@main.command("import")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--source", metavar="NAME", help="Who says so, for rows without a #meta+source.")
@click.option(
    "--locale",
    type=click.Choice(["en", "de", "ar", "fr"]),
    default="en",
    show_default=True,
    help="How the file writes numbers: 1,234.5 / 1.234,5 / ١٬٢٣٤٫٥.",
)
@click.option("--sheet", metavar="NAME", help="Sheet of an XLSX file (default: the first).")
@click.option(
    "--tags",
    "tags",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="MAP",
    help="YAML file mapping header text (or GeoJSON property names) to hashtags, for files "
    "without HXL tags.",
)
@click.option(
    "--kind",
    type=click.Choice(["places", "figures", "access", "deliveries"]),
    help="What the file holds (default: recognised from its hashtags).",
)
@click.option("--date", "on", type=DATE, help="Date of figures and access rows without one.")
@click.option("--encoding", metavar="NAME", help="Text encoding (default: detected).")
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Write the valid rows; put rejected rows with a reason into a rejects file.",
)
@click.option(
    "--rejects",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where --skip-invalid writes rejected rows (default: FILE.rejects.csv beside it).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report as text or JSON.",
)
@click.option("-v", "--verbose", is_flag=True, help="List every warning.")
@click.option(
    "--undo",
    type=click.IntRange(min=1),
    metavar="ID",
    help="Undo import ID as a whole: its figures, access changes or deliveries go; its record "
    "stays, marked undone.",
)
@click.pass_context
def import_(
    ctx: click.Context,
    files: tuple[Path, ...],
    source: str | None,
    locale: str,
    sheet: str | None,
    tags: Path | None,
    kind: str | None,
    on: date | None,
    encoding: str | None,
    dry_run: bool,
    skip_invalid: bool,
    rejects: Path | None,
    fmt: str,
    verbose: bool,
    undo: int | None,
) -> None:
    """Import HXL-tagged CSV, XLSX or GeoJSON files: a gazetteer, figures, access status or a 4W.

    Each file is one transaction: a file with errors changes nothing, and each problem is listed
    with its row, column and value.
    """
    from lagebild.ingest import ImportFailed, ImportOptions, ReadError, import_file, load_tag_map
    from lagebild.publish.render import to_json

    if undo is not None:
        if files:
            raise click.UsageError("--undo takes an import id, not files")
        _undo(ctx, undo)
        return
    if not files:
        raise click.UsageError("give the files to import, or --undo ID")

    try:
        tag_map = load_tag_map(tags) if tags else None
    except ReadError as exc:
        raise click.ClickException(str(exc)) from exc
    store = _store(ctx, ready=not dry_run, create=True)
    options = ImportOptions(
        source=source,
        locale=locale,
        sheet=sheet,
        tag_map=tag_map,
        kind=kind,
        date=on,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        rejects=rejects,
        encoding=encoding,
        batch_rows=100_000,
    )
    failed = 0
    reports = []
    for path in files:
        update, done = _progress_printer(path)
        try:
            report = import_file(store, path, options, progress=update)
        except ImportFailed as exc:
            done()
            failed += 1
            report = exc.report
            reports.append(report)
            if fmt == "text":
                _print_problems(report, verbose, err=True)
                click.echo(
                    f"{report.file}: {report.error_count} error(s), "
                    f"{report.warning_count} warning(s): nothing was imported",
                    err=True,
                )
            continue
        done()
        if not dry_run:
            from lagebild.analysis.trust import add_consistency_warnings

            add_consistency_warnings(store, report)
        reports.append(report)
        if fmt == "text":
            _print_problems(report, verbose, err=False)
            click.echo(_summary(report))
    if fmt == "json":
        click.echo(to_json([r.as_dict() for r in reports]), nl=False)
    if failed:
        sys.exit(1)


def _undo(ctx: click.Context, import_id: int) -> None:
    store = _store(ctx)
    try:
        with store.writer() as writer:
            removed = writer.undo_import(import_id)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    what = ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in removed.items() if n)
    click.echo(
        f"import #{import_id} undone: {what or 'nothing'} removed; its record stays, marked undone"
    )


def _summary(report: Any) -> str:
    verb = "would import" if report.dry_run else "imported"
    text = f"{report.file}: {verb} {report.kind}: {report.rows_written:,} rows"
    if not report.dry_run:
        text += f" ({report.records_written:,} records) as import #{report.import_id}"
    if report.rows_rejected:
        text += f"; {report.rows_rejected:,} rows rejected"
        if report.rejects_path:
            text += f" (see {report.rejects_path})"
    if report.warning_count:
        text += f"; {report.warning_count:,} warning(s)"
    if report.ignored_columns:
        text += f"; ignored columns: {', '.join(report.ignored_columns)}"
    return text


def _print_problems(report: Any, verbose: bool, err: bool) -> None:
    shown = 0
    for problem in report.problems:
        if problem.severity == "warning" and not verbose and shown >= 20:
            continue
        click.echo(str(problem), err=err)
        shown += problem.severity == "warning"
    hidden = report.warning_count - min(shown, report.warning_count)
    if hidden > 0 and not verbose:
        click.echo(f"... and {hidden:,} more warning(s); --verbose lists them all", err=err)
    if report.omitted:
        click.echo(f"... {report.omitted:,} more problem(s) of the same kinds not listed", err=err)


def _emit(fmt: str, data: dict[str, Any], columns: Any, rows: Any, title: str) -> None:
    from lagebild.publish import render

    if fmt == "json":
        click.echo(render.to_json(data), nl=False)
    elif fmt in ("csv", "hxl"):
        click.echo(render.to_csv(columns, rows, hxl=fmt == "hxl"), nl=False)
    else:
        click.echo(render.to_table(columns, rows, title), nl=False)


def _level(text: str) -> int:
    return parse_level(text)


def picture_options(level: str, window_help: str) -> Callable[[Any], Any]:
    """The options ``situation`` and ``gaps`` share: date, window, level, sector, format."""

    def decorate(command: Any) -> Any:
        for option in reversed(
            [
                click.option(
                    "--as-of", "as_of", type=DATE, required=True, help="Date of the picture."
                ),
                click.option(
                    "--window",
                    type=click.IntRange(min=1),
                    default=30,
                    show_default=True,
                    help=window_help,
                ),
                click.option("--level", type=LEVELS, default=level, show_default=True),
                click.option(
                    "--sector", metavar="S", help="One sector's people in need and deliveries."
                ),
                click.option("--format", "fmt", type=FORMAT, default="table", show_default=True),
            ]
        ):
            command = option(command)
        return command

    return decorate


@main.command()
@picture_options("adm1", "Days a delivery counts as recent.")
@click.pass_context
def situation(
    ctx: click.Context, as_of: date, window: int, level: str, sector: str | None, fmt: str
) -> None:
    """Per place and in total: population, people in need, displaced, besieged, hard to reach,
    reached, with the sources behind each figure."""
    from lagebild import analysis
    from lagebild.model import normalise_sector
    from lagebild.publish import render

    store = _store(ctx)
    result = analysis.situation(
        store, as_of, window, _level(level), normalise_sector(sector) if sector else None
    )
    rows = render.situation_rows(result)
    title = f"Situation on {as_of.isoformat()} ({level}, window {window} days" + (
        f", sector {sector})" if sector else ")"
    )
    _emit(fmt, result.as_dict(), render.situation_columns(result.level), rows, title)
    if fmt == "table" and result.total:
        click.echo("\nSources of the totals:")
        for key in ("population", "people_in_need", "displaced", "besieged", "hard_to_reach"):
            value = getattr(result.total, key)
            if value:
                click.echo(
                    f"  {key.replace('_', ' ')}: {value.value:,.0f} "
                    f"({value.basis}; {', '.join(value.sources)})"
                )


@main.command()
@picture_options(
    "adm3", "Days without a delivery after which a place with people in need is cut off."
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=0,
    help="Show only the first N places (table format; 0 = all).",
)
@click.pass_context
def gaps(
    ctx: click.Context,
    as_of: date,
    window: int,
    level: str,
    sector: str | None,
    fmt: str,
    limit: int,
) -> None:
    """Places ranked by gap: cut-off places first by people in need, then by coverage."""
    from lagebild import analysis
    from lagebild.model import normalise_sector
    from lagebild.publish import render

    store = _store(ctx)
    result = analysis.gaps(
        store, as_of, window, _level(level), normalise_sector(sector) if sector else None
    )
    rows = render.gap_rows(result)
    if fmt == "table" and limit:
        rows = rows[:limit]
    cut = result.cut_off
    people = sum(r.people_in_need.value for r in cut if r.people_in_need)
    title = (
        f"Gaps on {as_of.isoformat()} ({level}, window {window} days"
        + (f", sector {sector}" if sector else "")
        + f"): {len(cut)} places cut off, "
        f"{people:,.0f} people in need in them"
    )
    _emit(fmt, result.as_dict(), render.gap_columns(result.level), rows, title)


@main.command()
@click.option("--level", type=LEVELS, help="Only places of this level.")
@click.option("--search", metavar="TEXT", help="P-code or part of the English or Arabic name.")
@click.option("--format", "fmt", type=FORMAT, default="table", show_default=True)
@click.pass_context
def places(ctx: click.Context, level: str | None, search: str | None, fmt: str) -> None:
    """List the places of the gazetteer."""
    from lagebild.publish import render

    store = _store(ctx)
    found = store.places()
    codes = {p.id: p.pcode for p in found}
    if level:
        found = [p for p in found if p.level == parse_level(level)]
    if search:
        needle = search.strip().casefold()
        found = [
            p
            for p in found
            if needle in p.pcode.casefold()
            or needle in (p.name_en or "").casefold()
            or needle in (p.name_ar or "")
        ]
    rows = render.place_rows(found, codes)
    _emit(fmt, {"places": rows}, render.place_columns(), rows, f"{len(rows)} places")


@main.command()
@click.argument("pcode")
@click.option("--as-of", "as_of", type=DATE, help="Also say the status on this date.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_context
def access(ctx: click.Context, pcode: str, as_of: date | None, fmt: str) -> None:
    """A place's access history: accessible, hard to reach or besieged (by whom), since when."""
    from lagebild import analysis
    from lagebild.publish.render import to_json

    store = _store(ctx)
    tree = analysis.PlaceTree(store.places())
    place = tree.get(pcode)
    if place is None:
        raise click.ClickException(f"unknown P-code {pcode!r}")
    periods = analysis.history(store, place.id)
    on = analysis.access_of(tree, analysis.status_on(store, as_of), place.id) if as_of else None
    if fmt == "json":
        click.echo(
            to_json(
                {
                    "pcode": place.pcode,
                    "name": place.name("en"),
                    "history": [p.as_dict() for p in periods],
                    "as_of": as_of.isoformat() if as_of else None,
                    "status_on": on.as_dict() if on else None,
                }
            ),
            nl=False,
        )
        return
    click.echo(f"{place.pcode} {place.name('en')}")
    if not periods:
        click.echo("  no access status of its own")
    for period in periods:
        until = period.valid_to.isoformat() if period.valid_to else "now"
        party = f" by {period.party}" if period.party else ""
        click.echo(f"  {period.valid_from.isoformat()} .. {until}: {period.status}{party}")
    if as_of:
        if on is None:
            click.echo(f"on {as_of.isoformat()}: unknown")
        else:
            via = f" (as part of {on.inherited_from})" if on.inherited_from else ""
            party = f" by {on.party}" if on.party else ""
            click.echo(
                f"on {as_of.isoformat()}: {on.status}{party} since {on.since.isoformat()}{via}"
            )


@main.group(invoke_without_command=True)
@click.option("--format", "fmt", type=FORMAT, default="table", show_default=True)
@click.pass_context
def sources(ctx: click.Context, fmt: str) -> None:
    """The source register: each source's kind, Admiralty grade (such as B2, or unrated) and how
    many figures, deliveries and access rows it gave; records without a source are unsourced.

    'lagebild sources grade NAME --reliability B --credibility 2 [--kind ngo]' grades a source.
    """
    if ctx.invoked_subcommand is not None:
        return
    from lagebild.model import Source
    from lagebild.publish.render import Col
    from lagebild.store.trust import source_register

    rows = [
        {
            "source": r.name,
            "kind": r.kind,
            "grade": Source(0, r.name, r.kind, r.reliability, r.credibility).grade
            if r.id is not None
            else "unsourced",
            "reliability": r.reliability,
            "credibility": r.credibility,
            "figures": r.figures,
            "deliveries": r.deliveries,
            "access": r.access,
        }
        for r in source_register(_store(ctx))
    ]
    columns = [
        Col("source", "Source", "#meta+source"),
        Col("kind", "Kind", "#meta+source+kind"),
        Col("grade", "Grade", "#meta+source+grade"),
        Col("figures", "Figures", "#meta+figures+num"),
        Col("deliveries", "Deliveries", "#meta+deliveries+num"),
        Col("access", "Access rows", "#meta+access+num"),
    ]
    _emit(fmt, {"sources": rows}, columns, rows, f"{len(rows) - 1} sources")


@sources.command("grade")
@click.argument("name")
@click.option(
    "--reliability",
    type=click.Choice(list("ABCDEF"), case_sensitive=False),
    help="Admiralty source reliability: A (completely reliable) .. E (unreliable), F (cannot "
    "be judged).",
)
@click.option(
    "--credibility",
    type=click.IntRange(1, 6),
    help="Admiralty information credibility: 1 (confirmed) .. 5 (improbable), 6 (cannot be "
    "judged).",
)
@click.option(
    "--kind",
    metavar="KIND",
    help="un_agency, ngo, cluster, government, "
    "party_to_conflict, first_responders, media or individual.",
)
@click.pass_context
def sources_grade(
    ctx: click.Context,
    name: str,
    reliability: str | None,
    credibility: int | None,
    kind: str | None,
) -> None:
    """Set the Admiralty grade (and kind) of a source; the current-figure rule uses it at once."""
    from lagebild.model import SOURCE_KINDS, normalise_source_kind
    from lagebild.store.trust import source_id_named

    wanted_kind = normalise_source_kind(kind) if kind else None
    if kind and wanted_kind is None:
        raise click.ClickException(f"unknown kind {kind!r}: use {', '.join(SOURCE_KINDS)}")
    if reliability is None and credibility is None and wanted_kind is None:
        raise click.ClickException("give --reliability, --credibility or --kind")
    store = _store(ctx)
    if source_id_named(store, name) is None:
        raise click.ClickException(f"unknown source {name!r}: 'lagebild sources' lists them")
    current = next(s for s in store.sources().values() if s.name == name.strip())
    store.grade_source(
        name,
        reliability or current.reliability,
        credibility or current.credibility,
        wanted_kind,
    )
    graded = next(s for s in store.sources().values() if s.name == name.strip())
    click.echo(f"{graded.name}: {graded.grade}" + (f", {graded.kind}" if graded.kind else ""))


@main.command()
@click.argument("pcode", required=False)
@click.option(
    "--conflicts",
    "show_conflicts",
    is_flag=True,
    help="List contradicting figures: values for the same place, indicator, sector "
    "and month from 2+ sources more than --share apart.",
)
@click.option(
    "--check",
    "show_checks",
    is_flag=True,
    help="Run the consistency checks on the current figures of --as-of.",
)
@click.option(
    "--share",
    type=click.FloatRange(0, 1, max_open=True),
    default=0.2,
    show_default=True,
    help="How far apart values contradict, as a share of the larger.",
)
@click.option(
    "--indicator",
    metavar="NAME",
    help="people_in_need, population, displaced, returnees, besieged, hard_to_reach.",
)
@click.option("--pcode", "place", metavar="PCODE", help="This place and the places below it.")
@click.option("--from", "date_from", type=DATE, help="Figures dated on or after this date.")
@click.option("--to", "date_to", type=DATE, help="Figures dated on or before this date.")
@click.option(
    "--as-of",
    "as_of",
    type=DATE,
    help="Date of the checks and of the current figure (default: the end of the data).",
)
@click.option("--format", "fmt", type=FORMAT, default="table", show_default=True)
@click.pass_context
def figures(
    ctx: click.Context,
    pcode: str | None,
    show_conflicts: bool,
    show_checks: bool,
    share: float,
    indicator: str | None,
    place: str | None,
    date_from: date | None,
    date_to: date | None,
    as_of: date | None,
    fmt: str,
) -> None:
    """Every value of every source for a place side by side with the spread (PCODE), the
    contradicting figures (--conflicts), or the consistency checks (--check)."""
    from lagebild.analysis import trust
    from lagebild.analysis.place import UnknownPlace
    from lagebild.store import listing

    if sum((bool(pcode), show_conflicts, show_checks)) != 1:
        raise click.ClickException("give one of: a PCODE, --conflicts or --check")
    store = _store(ctx)
    try:
        if show_conflicts:
            found = trust.conflicts(store, share, indicator, place, date_from, date_to)
            _emit_conflicts(fmt, found, share)
        elif show_checks:
            when = as_of or listing.latest_date(store) or date.today()
            findings = trust.checks(store, when)
            _emit_findings(fmt, findings, when)
        else:
            assert pcode is not None
            series = trust.side_by_side(store, pcode, as_of or date_to, indicator, date_from)
            _emit_series(fmt, pcode, series)
    except (UnknownPlace, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc


FIGURE_ENTRY_COLUMNS = (
    ("pcode", "P-code", "#loc+code"),
    ("indicator", "Indicator", "#indicator+code"),
    ("sector", "Sector", "#sector"),
    ("date", "Date", "#date"),
    ("value", "Value", "#indicator+value+num"),
    ("source", "Source", "#meta+source"),
    ("grade", "Grade", "#meta+source+grade"),
    ("current", "Current", "#meta+current"),
    ("file_name", "File", "#meta+file"),
    ("row_number", "Row", "#meta+row"),
)


def _entry_columns(*extra: tuple[str, str, str]) -> list[Any]:
    from lagebild.publish.render import Col

    return [Col(*c) for c in (*extra, *FIGURE_ENTRY_COLUMNS)]


def _emit_conflicts(fmt: str, found: list[Any], share: float) -> None:
    rows = []
    for c in found:
        low, high, rel = c.spread.low, c.spread.high, c.spread.relative
        for value in c.as_dict()["values"]:
            rows.append(
                {
                    "month": c.month,
                    "spread": f"{low:,.0f}..{high:,.0f} ({rel:.0%})",
                    **value,
                    "current": "yes" if value["current"] else "",
                }
            )
    columns = _entry_columns(
        ("month", "Month", "#date+month"), ("spread", "Spread", "#meta+spread")
    )
    data = {"share": share, "conflicts": [c.as_dict() for c in found]}
    title = f"{len(found)} contradiction(s): values more than {share:.0%} apart"
    _emit(fmt, data, columns, rows, title)


def _emit_findings(fmt: str, findings: list[Any], when: date) -> None:
    from lagebild.publish.render import Col

    data = {"as_of": when.isoformat(), "findings": [f.as_dict() for f in findings]}
    if fmt == "table":
        click.echo(f"{len(findings)} finding(s) on {when.isoformat()}")
        for f in findings:
            click.echo(f"{f.code}: {f.message}")
        return
    rows = [
        {"code": f.code, "pcode": f.pcode, "indicator": f.indicator, "message": f.message}
        for f in findings
    ]
    columns = [
        Col("code", "Check", "#meta+check"),
        Col("pcode", "P-code", "#loc+code"),
        Col("indicator", "Indicator", "#indicator+code"),
        Col("message", "Finding", "#description"),
    ]
    _emit(fmt, data, columns, rows, "")


def _emit_series(fmt: str, pcode: str, series: list[Any]) -> None:
    rows = []
    for s in series:
        gap = s.as_dict()["spread"]
        for value in s.as_dict()["values"]:
            rows.append(
                {
                    "spread": f"{gap['min']:,.0f}..{gap['max']:,.0f} ({gap['relative']:.0%})",
                    **value,
                    "current": "yes" if value["current"] else "",
                }
            )
    data = {"pcode": pcode.upper(), "series": [s.as_dict() for s in series]}
    title = f"Figures of {pcode.upper()} from every source"
    _emit(fmt, data, _entry_columns(("spread", "Spread", "#meta+spread")), rows, title)


@main.command()
@click.option("--as-of", "as_of", type=DATE, required=True, help="Date of the number.")
@click.option(
    "--window",
    type=click.IntRange(min=1),
    default=30,
    show_default=True,
    help="Days a delivery counts as recent (for reached).",
)
@click.option("--pcode", required=True, metavar="PCODE", help="The place.")
@click.option(
    "--indicator",
    required=True,
    type=click.Choice(
        ["people_in_need", "population", "displaced", "besieged", "hard_to_reach", "reached"]
    ),
)
@click.option("--sector", metavar="S", help="One sector (people in need and reached).")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_context
def explain(
    ctx: click.Context,
    as_of: date,
    window: int,
    pcode: str,
    indicator: str,
    sector: str | None,
    fmt: str,
) -> None:
    """The records behind a number of situation or gaps: source, import, file and row of each,
    and the rule that combined them."""
    from lagebild.analysis import trust
    from lagebild.analysis.place import UnknownPlace
    from lagebild.model import normalise_sector
    from lagebild.publish.render import to_json

    store = _store(ctx)
    try:
        result = trust.explain(
            store, as_of, pcode, indicator, window, normalise_sector(sector) if sector else None
        )
    except (UnknownPlace, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        click.echo(to_json(result.as_dict()), nl=False)
    else:
        click.echo("\n".join(trust.explanation_lines(result)))


def _serve(ctx: click.Context, host: str, port: int, tile_url: str | None) -> None:
    import uvicorn

    from lagebild.web import WebConfig, create_app

    app = create_app(WebConfig(db=ctx.obj["db"], tile_url=tile_url))
    click.echo(
        f"lagebild serves {ctx.obj['db'] or 'lagebild.db'} at http://{host}:{port}/ "
        "(Ctrl-C stops it)"
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")


def serve_options(command: Any) -> Any:
    """--host, --port and --tile-url, for ``serve`` and ``demo``."""
    for option in reversed(
        [
            click.option(
                "--host",
                default="127.0.0.1",
                show_default=True,
                help="Address to listen on (0.0.0.0 for the office network).",
            ),
            click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True),
            click.option(
                "--tile-url",
                envvar="LAGEBILD_TILE_URL",
                metavar="URL",
                help="Base-map tiles, e.g. https://tile.example/{z}/{x}/{y}.png; "
                "without it the map fetches nothing.",
            ),
        ]
    ):
        command = option(command)
    return command


@main.command()
@serve_options
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, tile_url: str | None) -> None:
    """Serve the dashboard, map, gap table, place pages and the JSON API of a database."""
    _store(ctx)  # a clear error now rather than on the first page
    _serve(ctx, host, port, tile_url)


@main.command()
@click.option(
    "--as-of",
    "as_of",
    type=DATE,
    default=None,
    help="Date of the picture (default: the end of the story, 2017-02-28).",
)
@click.option("--level", type=LEVELS, default="adm1", show_default=True)
@click.option("--no-serve", is_flag=True, help="Build and print, but do not serve the dashboard.")
@serve_options
@click.pass_context
def demo(
    ctx: click.Context,
    as_of: date | None,
    level: str,
    no_serve: bool,
    host: str,
    port: int,
    tile_url: str | None,
) -> None:
    """Build the demonstration database (Syria, early 2017), show its situation picture and
    serve the dashboard.

    Without --db it is built afresh in ./lagebild-demo.db.
    """
    from lagebild import analysis
    from lagebild.demo import AS_OF, build_demo
    from lagebild.ingest import ImportFailed
    from lagebild.publish import render

    if not ctx.obj["db"]:
        target = Path("lagebild-demo.db")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        ctx.obj["db"] = str(target)
    store = _store(ctx, ready=False, create=True)
    if store.counts()["places"]:
        raise click.ClickException(
            f"{store.url} already holds data: give the demo an empty database"
        )
    try:
        reports = build_demo(store)
    except ImportFailed as exc:  # the bundled data is ours: this is a bug, say so plainly
        raise click.ClickException(
            f"demo data failed to import: {exc}; {'; '.join(str(p) for p in exc.report.errors[:5])}"
        ) from exc
    for report in reports:
        click.echo(_summary(report))
    _demo_evidence(store)
    when = as_of or AS_OF
    click.echo(f"\ndemo database: {store.url}\n")
    result = analysis.situation(store, when, 30, _level(level))
    ctx.invoke(situation, as_of=when, window=30, level=level, sector=None, fmt="table")
    gap = analysis.gaps(store, when, 30, 4)
    cut = gap.cut_off
    people = sum(r.people_in_need.value for r in cut if r.people_in_need)
    click.echo(
        f"\n{len(cut)} communities cut off on {when.isoformat()}, "
        f"{people:,.0f} people in need in them:"
    )
    rows = render.gap_rows(gap)[: max(len(cut), 5)]
    click.echo(render.to_table(render.gap_columns(gap.level), rows), nl=False)
    del result
    if not no_serve:
        click.echo("")
        _serve(ctx, host, port, tile_url)


# -- evidence: photos and videos -----------------------------------------------------------------

EVIDENCE_STATUS = click.Choice(
    ["unverified", "corroborated", "disputed", "verified", "false"], case_sensitive=False
)


@main.group()
@click.option(
    "--folder",
    envvar="LAGEBILD_EVIDENCE",
    metavar="DIR",
    help="Where the files are kept. Default: $LAGEBILD_EVIDENCE, else evidence/ beside a SQLite "
    "database, ./lagebild-evidence for PostgreSQL.",
)
@click.pass_context
def evidence(ctx: click.Context, folder: str | None) -> None:
    """Photos and videos: register them (with the recycled-footage check), verify the stored
    files, and record who judged each item how."""
    ctx.obj["evidence_folder"] = folder


def _evidence_call(call: Callable[[], Any]) -> Any:
    from lagebild.evidence import EvidenceError

    try:
        return call()
    except EvidenceError as exc:
        raise click.ClickException(str(exc)) from exc


def _demo_evidence(store: Store) -> None:
    """Illustrative pictures for the demo, one of them recycled, and what the check says of it."""
    import importlib.util
    import tempfile

    missing = [m for m in ("pdqhash", "av", "PIL") if importlib.util.find_spec(m) is None]
    if missing:
        click.echo(
            f"evidence: not in this demo ({', '.join(missing)} not installed: "
            "pip install 'lagebild[evidence]')"
        )
        return
    from lagebild.evidence.demo import add_demo_evidence

    with tempfile.TemporaryDirectory(prefix="lagebild-demo-pictures-") as drawn:
        registered = add_demo_evidence(store, Path(drawn))
    click.echo(f"evidence: {len(registered)} illustrative pictures registered")
    for done in registered:
        for _, other in done.matches:
            click.echo(
                f"  recycled-footage check: item {done.item.id} ({done.item.file_name}) "
                f"matches {_first_registered(other)}"
            )


def _item_line(item: Any) -> str:
    claimed = item.claimed_date.isoformat() if item.claimed_date else "no date"
    return (
        f"{item.id:>5}  {item.kind:<5}  {item.status:<12}  {item.pcode or '-':<10}  {claimed}  "
        f"{item.source or '-'}  {item.file_name}"
    )


def _first_registered(other: Any) -> str:
    return (
        f"item {other.id}, first registered on {other.registered_at.date().isoformat()} "
        f"from {other.source or 'an unknown source'} at {other.pcode or 'an unknown place'}"
    )


@evidence.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--source", required=True, metavar="NAME", help="Who supplied the files.")
@click.option("--place", "pcode", required=True, metavar="PCODE", help="The place they show.")
@click.option("--date", "on", type=DATE, required=True, help="The date they are claimed to show.")
@click.option("--claim", metavar="TEXT", help="What they are said to show.")
@click.pass_context
def evidence_add(
    ctx: click.Context,
    files: tuple[Path, ...],
    source: str,
    pcode: str,
    on: date,
    claim: str | None,
) -> None:
    """Register photos (JPEG, PNG, WebP) and videos (MP4, WebM, MOV, MKV): SHA-256, embedded
    time and GPS, PDQ hashes; keep a copy; say which earlier items each one matches."""
    from lagebild import evidence as ev

    store = _store(ctx)
    done = _evidence_call(
        lambda: ev.register(
            store,
            list(files),
            source=source,
            pcode=pcode,
            on=on,
            claim=claim,
            folder=ctx.obj["evidence_folder"],
        )
    )
    for registered in done:
        item = registered.item
        click.echo(f"item {item.id}: {item.file_name} ({item.kind}, sha256 {item.sha256[:16]}...)")
        for match, other in registered.matches:
            how = f", {match.transform}" if match.transform else ""
            click.echo(
                f"  this matches {_first_registered(other)} (PDQ distance {match.distance}{how})"
            )


@evidence.command("verify")
@click.pass_context
def evidence_verify(ctx: click.Context) -> None:
    """Re-hash every stored file; list those that changed or went missing (exit 1 if any)."""
    from lagebild import evidence as ev

    store = _store(ctx)
    checked, problems = ev.verify(store, ctx.obj["evidence_folder"])
    for problem in problems:
        click.echo(
            f"item {problem.item.id}: {problem.item.stored_path} {problem.what}"
            + (f" (sha256 now {problem.found_sha256})" if problem.found_sha256 else ""),
            err=True,
        )
    click.echo(f"{checked} items checked, {len(problems)} changed or missing")
    if problems:
        ctx.exit(1)


@evidence.command("list")
@click.option("--place", "pcode", metavar="PCODE", help="Only items of this place.")
@click.option("--status", type=EVIDENCE_STATUS, help="Only items with this status.")
@click.pass_context
def evidence_list(ctx: click.Context, pcode: str | None, status: str | None) -> None:
    """The registered items: id, kind, status, place, claimed date, source, file name."""
    from lagebild import evidence as ev

    store = _store(ctx)
    found = _evidence_call(lambda: ev.items(store, pcode, status.lower() if status else None))
    for item in found:
        click.echo(_item_line(item))
    click.echo(f"{len(found)} items")


@evidence.command("status")
@click.argument("item_id", metavar="ID", type=int)
@click.argument("status", type=EVIDENCE_STATUS)
@click.option("--by", required=True, metavar="NAME", help="Who sets it.")
@click.option("--why", required=True, metavar="TEXT", help="Why: what was checked, and how.")
@click.pass_context
def evidence_status(ctx: click.Context, item_id: int, status: str, by: str, why: str) -> None:
    """Set an item's verification status; the history keeps who set it, when and why."""
    from lagebild import evidence as ev

    store = _store(ctx)
    _evidence_call(lambda: ev.set_status(store, item_id, status.lower(), by, why))
    click.echo(f"item {item_id}: {status.lower()}")


@evidence.command("show")
@click.argument("item_id", metavar="ID", type=int)
@click.pass_context
def evidence_show(ctx: click.Context, item_id: int) -> None:
    """An item: its file, metadata, the items it matches and its status history."""
    from lagebild import evidence as ev

    store = _store(ctx)
    found = _evidence_call(lambda: ev.detail(store, item_id))
    item = found.item
    claimed = item.claimed_date.isoformat() if item.claimed_date else "-"
    lines = [
        f"item {item.id}: {item.file_name} ({item.kind}, {item.width}x{item.height}, "
        f"{item.size:,} bytes)",
        f"  sha256      {item.sha256}",
        f"  stored as   {item.stored_path}",
        f"  source      {item.source or '-'}",
        f"  place       {item.pcode or '-'} {item.place_name or ''}".rstrip(),
        f"  claimed     {claimed}" + (f": {item.claim}" if item.claim else ""),
        f"  registered  {item.registered_at.isoformat(sep=' ')}",
        f"  status      {item.status}",
    ]
    if item.taken_at:
        lines.append(f"  taken at    {item.taken_at.isoformat(sep=' ')} (embedded)")
    if item.lat is not None and item.lon is not None:
        lines.append(f"  GPS         {item.lat:.6f}, {item.lon:.6f} (embedded)")
    if item.duration is not None:
        lines.append(f"  duration    {item.duration:.1f} s, {found.hashes} keyframes hashed")
    click.echo("\n".join(lines))
    click.echo("matches:" if found.matches else "matches: none")
    for match, other in found.matches:
        how = f", {match.transform}" if match.transform else ""
        side = "matches" if match.item_id == item.id else "is matched by"
        click.echo(f"  {side} {_first_registered(other)} (PDQ distance {match.distance}{how})")
    click.echo("status history:")
    for change in found.history:
        click.echo(
            f"  {change.at.isoformat(sep=' ')}  {change.status:<12}  by {change.by}: {change.why}"
        )


if __name__ == "__main__":  # pragma: no cover
    main()
