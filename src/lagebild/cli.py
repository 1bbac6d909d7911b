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
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
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
) -> None:
    """Import HXL-tagged CSV, XLSX or GeoJSON files: a gazetteer, figures, access status or a 4W.

    Each file is one transaction: a file with errors changes nothing, and each problem is listed
    with its row, column and value.
    """
    from lagebild.ingest import ImportFailed, ImportOptions, ReadError, import_file, load_tag_map
    from lagebild.publish.render import to_json

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
        reports.append(report)
        if fmt == "text":
            _print_problems(report, verbose, err=False)
            click.echo(_summary(report))
    if fmt == "json":
        click.echo(to_json([r.as_dict() for r in reports]), nl=False)
    if failed:
        sys.exit(1)


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


if __name__ == "__main__":  # pragma: no cover
    main()
