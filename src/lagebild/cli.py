"""The ``lagebild`` command line: parse options, call one library function, render the result."""

from __future__ import annotations

import sys
import textwrap
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from lagebild import __version__
from lagebild.model import parse_level
from lagebild.store import Store, StoreError, missing_sqlite_file

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
    missing = missing_sqlite_file(target)
    if missing is not None and ready and not create:  # opening it would create an empty file
        raise click.ClickException(
            f"no database at {missing}: create it with 'lagebild init' or 'lagebild import "
            "FILE'"
        )
    try:
        store = Store.open(target, actor=ctx.obj.get("user"))
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


def _revision(store: Store) -> str | None:
    try:
        return store.revision()
    except SQLAlchemyError as exc:
        raise click.ClickException(f"cannot open database {store.url}: {_cause(exc)}") from exc


def _scratch_store(ctx: click.Context) -> Store:
    """An empty database in a temporary folder, removed when the command ends: what a dry run
    checks against when the database it names does not exist yet."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="lagebild-dry-run-"))
    store = Store.open(str(folder / "empty.db"), actor=ctx.obj.get("user"))
    ctx.call_on_close(lambda: shutil.rmtree(folder, ignore_errors=True))
    ctx.call_on_close(store.close)  # runs first: callbacks run last in, first out
    store.migrate()
    return store


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    envvar="LAGEBILD_DB",
    metavar="PATH|URL",
    help="Database: a file path (SQLite) or a URL such as postgresql://user@host/db. "
    "Default: $LAGEBILD_DB, else ./lagebild.db.",
)
@click.option(
    "--user",
    envvar="LAGEBILD_USER",
    metavar="NAME",
    help="Who the changes are recorded as in the audit trail. Default: $LAGEBILD_USER, else "
    "the system user.",
)
@click.version_option(__version__, prog_name="lagebild")
@click.pass_context
def main(ctx: click.Context, db: str | None, user: str | None) -> None:
    """lagebild: the situation picture of a humanitarian response.

    Load a gazetteer, figures, access status and 4W deliveries, then ask who is in need, who is
    reached and who is cut off, since when.
    """
    ctx.ensure_object(dict)
    ctx.obj["db"] = db
    ctx.obj["user"] = user


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
@click.option(
    "--sheet",
    metavar="NAME",
    help="Sheet of a workbook (default: the one sheet with an HXL hashtag row).",
)
@click.option(
    "--member",
    metavar="NAME",
    help="File to read inside a ZIP archive, or table of a JSON object (default: the only one).",
)
@click.option(
    "--tags",
    "tags",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="MAP",
    help="YAML file mapping header text (or GeoJSON property names) to hashtags, for files "
    "without HXL tags; or the name of a map lagebild ships (acu-earthquake-2023).",
)
@click.option(
    "--kind",
    type=click.Choice(
        ["places", "figures", "access", "deliveries", "presence", "convoys", "incidents", "damage"]
    ),
    help="What the file holds (default: recognised from its hashtags).",
)
@click.option(
    "--sectors",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    metavar="MAP",
    help="YAML file mapping sector words to sector codes ('word: code'), beside the shipped "
    "vocabulary, for this import.",
)
@click.option(
    "--statuses",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    metavar="MAP",
    help="YAML file mapping status words to delivery (or, for a convoy file, convoy) statuses.",
)
@click.option(
    "--modalities",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    metavar="MAP",
    help="YAML file mapping delivery modality words (#delivery) to modality codes.",
)
@click.option(
    "--event-types",
    "event_types",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    metavar="MAP",
    help="YAML file mapping incident event type words (#event+type) to event types.",
)
@click.option("--date", "on", type=DATE, help="Date of figures and access rows without one.")
@click.option("--encoding", metavar="NAME", help="Text encoding (default: detected).")
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@click.option(
    "--update-places",
    is_flag=True,
    help="Let a gazetteer rename existing places and move them to another parent (else such "
    "an import is refused, listing the renames and moves).",
)
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
@click.option("--why", metavar="TEXT", help="With --undo: why (kept in the audit trail).")
@click.option(
    "--org",
    "organisation",
    metavar="ORG",
    help="The organisation whose records these are (a partner's): its accounts see them in "
    "full, other partners as the public does.",
)
@click.option(
    "--max-km",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Incidents: how far the nearest community may be from an event's coordinates.",
)
@click.option(
    "--country",
    metavar="CODE",
    help="Figures: the country (level 0 P-code) of rows without any admin code, where the "
    "database holds several.",
)
@click.pass_context
def import_(
    ctx: click.Context,
    files: tuple[Path, ...],
    source: str | None,
    locale: str,
    sheet: str | None,
    member: str | None,
    tags: Path | None,
    kind: str | None,
    sectors: Path | None,
    statuses: Path | None,
    modalities: Path | None,
    event_types: Path | None,
    on: date | None,
    encoding: str | None,
    dry_run: bool,
    update_places: bool,
    skip_invalid: bool,
    rejects: Path | None,
    fmt: str,
    verbose: bool,
    undo: int | None,
    why: str | None,
    max_km: float,
    organisation: str | None,
    country: str | None,
) -> None:
    """Import HXL-tagged CSV, XLSX, JSON or GeoJSON files (also zipped): a gazetteer, figures,
    access status or a 4W.

    Also shapefiles of boundaries (with their .dbf and .prj) and ACLED's conflict events, in
    ACLED's own columns or HXL-tagged; events are placed by polygon, community or name.

    Each file is one transaction: a file with errors changes nothing, and each problem is listed
    with its row, column and value.
    """
    from lagebild.ingest import (
        ImportFailed,
        ImportOptions,
        ReadError,
        import_file,
        load_tag_map,
        load_vocabulary_map,
    )
    from lagebild.publish.render import to_json

    if undo is not None:
        if files:
            raise click.UsageError("--undo takes an import id, not files")
        _undo(ctx, undo, why)
        return
    if not files:
        raise click.UsageError("give the files to import, or --undo ID")

    try:
        tag_map = load_tag_map(tags) if tags else None
        maps = {
            name: load_vocabulary_map(path) if path else None
            for name, path in (
                ("sectors", sectors),
                ("statuses", statuses),
                ("modalities", modalities),
                ("event_types", event_types),
            )
        }
    except ReadError as exc:
        raise click.ClickException(str(exc)) from exc
    no_database = False
    if dry_run and (missing := missing_sqlite_file(ctx.obj["db"])) is not None:
        click.echo(f"note: no database at {missing} yet, and a dry run creates none", err=True)
        store, no_database = _scratch_store(ctx), True
    else:
        store = _store(ctx, ready=not dry_run, create=not dry_run)
        if dry_run and _revision(store) is None:  # an empty file or server database: no schema
            click.echo(
                f"note: database {store.url} is not initialised, and a dry run changes nothing",
                err=True,
            )
            store, no_database = _scratch_store(ctx), True
    options = ImportOptions(
        source=source,
        locale=locale,
        sheet=sheet,
        member=member,
        tag_map=tag_map,
        kind=kind,
        date=on,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        rejects=rejects,
        encoding=encoding,
        batch_rows=100_000,
        max_km=max_km,
        organisation=organisation,
        no_database=no_database,
        update_places=update_places,
        country=country,
        sectors=maps["sectors"],
        statuses=maps["statuses"],
        modalities=maps["modalities"],
        event_types=maps["event_types"],
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
                _print_place_changes(report, err=True)
                click.echo(
                    f"{report.file}: {report.error_count} error(s), "
                    f"{report.warning_count} warning(s): nothing was imported",
                    err=True,
                )
                if report.kind:
                    click.echo(_recognition(report), err=True)
            continue
        done()
        if not dry_run:
            from lagebild.analysis.trust import add_consistency_warnings

            add_consistency_warnings(store, report)
        reports.append(report)
        if fmt == "text":
            _print_problems(report, verbose, err=False)
            for line in _mapping_lines(report):
                click.echo(line)
            click.echo(_summary(report))
            _print_place_changes(report, err=False)
    if fmt == "json":
        click.echo(to_json([r.as_dict() for r in reports]), nl=False)
    if failed:
        sys.exit(1)


def _undo(ctx: click.Context, import_id: int, why: str | None) -> None:
    store = _store(ctx)
    try:
        with store.writer() as writer:
            removed = writer.undo_import(import_id, why=why)
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
    return text + "\n" + _recognition(report)


def _recognition(report: Any) -> str:
    """How the kind was recognised and which columns were left out, wrapped for 80 columns."""
    import textwrap

    lines = []
    if report.decided_by:
        lines.append(
            f"kind {report.kind}: {report.reason} ({', '.join(report.decided_by)})"
        )
    elif report.kind:
        lines.append(f"kind {report.kind}: {report.reason or 'named by --kind'}")
    if report.unused_columns:
        lines.append(f"unused columns: {', '.join(report.unused_columns)}")
    return "\n".join(
        textwrap.fill(line, width=78, initial_indent="  ", subsequent_indent="    ")
        for line in lines
    )


def _print_place_changes(report: Any, err: bool) -> None:
    """A gazetteer's effect on the places known: counts per kind, the first renames and moves."""
    if report.place_changes is not None:
        for line in report.place_changes.lines():
            click.echo(line, err=err)


def _mapping_lines(report: Any, width: int = 80) -> list[str]:
    """``  sector "Multipurpose - One time" -> cash: 413 rows``, one line a word the import
    mapped to another code (a word that is its code but for case, "Food" -> food, is left out;
    the JSON report lists it)."""
    lines = []
    for (vocabulary, word, code), rows in sorted(report.mappings.items()):
        if word.strip().casefold() == code.casefold():
            continue
        tail = f" -> {code or '(inter-sector)'}: {rows:,} row{'s' if rows != 1 else ''}"
        room = max(width - len(vocabulary) - len(tail) - 5, 8)
        shown = word.strip() if len(word.strip()) <= room else word.strip()[: room - 1] + "…"
        lines.append(f"  {vocabulary} \"{shown}\"{tail}")
    return lines


def _print_problems(report: Any, verbose: bool, err: bool) -> None:
    from lagebild.ingest.gazetteer import stands_for_unknown_pcode
    from lagebild.ingest.problems import WARNING

    unknown = report.unknown_pcodes
    summarise = bool(unknown.rows) and not verbose
    if unknown.rows:  # said once, first; the rows it stands for are listed with --verbose
        said = f"{unknown.severity}: {report.file}: {unknown.message()}"
        click.echo(textwrap.fill(said, width=80, subsequent_indent="  "), err=err)
    shown = summarised = kept = 0
    for problem in report.problems:
        kept += problem.code == "unknown-pcode"
        if summarise and stands_for_unknown_pcode(problem):
            summarised += problem.severity == WARNING
            continue
        if problem.severity == WARNING and not verbose and shown >= 20:
            continue
        click.echo(str(problem), err=err)
        shown += problem.severity == WARNING
    if summarise:  # and those past the cap of problems kept per code
        summarised += report.counts[(WARNING, "unknown-pcode")] - kept
        click.echo("... a line for each row of these P-codes with --verbose", err=err)
    hidden = report.warning_count - min(shown, report.warning_count) - summarised
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


def _emit_breakdown(
    ctx: click.Context,
    fmt: str,
    by: str,
    as_of: date,
    places: list[tuple[str, str]],
    sector: str,
    data: dict[str, Any],
) -> None:
    """``--by``: per place, people in need and population by gender, age or population group
    beside the total. JSON: the command's own object with a ``disaggregation`` key added; table,
    CSV and HXL: one row per place, indicator and value (the total first)."""
    from lagebild.analysis.disaggregation import BY, by_place
    from lagebild.publish.render import Col

    listed = by_place(_store(ctx), as_of, by, places, sector)
    rows: list[dict[str, Any]] = []
    for place in listed:
        for indicator in ("inneed", "population"):
            b: dict[str, Any] | None = place.get(indicator)  # type: ignore[assignment]
            if b is None:
                continue
            for key, value in (("total", b["total"]), *b["values"].items()):
                rows.append({"pcode": place["pcode"], "name": place["name"],
                             "indicator": indicator, "value_of": key, "value": value,
                             "date": b["date"]})  # fmt: skip
    dimension = BY[by]
    tag = {"gender": "#gender+code", "age": "#age+range", "population_group":
           "#population_group+code"}[dimension]  # fmt: skip
    columns = [
        Col("pcode", "P-code", "#loc+code"),
        Col("name", "Name", "#loc+name"),
        Col("indicator", "Indicator", "#indicator+code"),
        Col("value_of", by.replace("-", " ").capitalize(), tag),
        Col("value", "Value", "#indicator+value+num"),
        Col("date", "Date", "#date"),
    ]
    data = {**data, "disaggregation": {"by": by, "places": listed}}
    title = (
        f"By {by.replace('-', ' ')} on {as_of.isoformat()}: {len(listed)} of {len(places)} "
        "places carry it; the total is the place's figure"
    )
    _emit(fmt, data, columns, rows, title)


def picture_options(level: str, window_help: str) -> Callable[[Any], Any]:
    """The options ``situation`` and ``gaps`` share: date, window, level, sector, format."""

    def decorate(command: Any) -> Any:
        for option in reversed(
            [
                click.option(
                    "--as-of",
                    "as_of",
                    type=DATE,
                    help="Date of the picture (default: the date of the newest data, never "
                    "after today).",
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


def _picture_date(store: Store, as_of: date | None, fmt: str) -> tuple[date, str]:
    """The date of a picture and how it was chosen: ``given`` (--as-of), ``newest data`` (the
    latest figure, access change or delivery made, never after today) or ``today`` (no data).
    A chosen date is said in a line above a table, on stderr beside CSV; JSON carries the how."""
    from lagebild.store import listing

    if as_of is not None:
        return as_of, "given"
    newest = listing.latest_date(store)
    when, how = (newest, "newest data") if newest else (date.today(), "today")
    why = "the date of the newest data" if newest else "today, as there is no dated data yet"
    if fmt != "json":
        click.echo(f"As of {when.isoformat()}, {why} (no --as-of given)", err=fmt != "table")
    return when, how


def _with_as_of_basis(data: dict[str, Any], how: str) -> dict[str, Any]:
    """The JSON of a picture with ``as_of_basis`` (how the date was chosen) after ``as_of``."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        out[key] = value
        if key == "as_of":
            out["as_of_basis"] = how
    return out
BY_OPTION = click.option(
    "--by",
    type=click.Choice(["gender", "age", "population-group"]),
    help="Also list, per place, people in need (and population) by gender, age range or "
    "population group beside the total, where the data carries it.",
)


@main.command()
@picture_options("adm1", "Days a delivery counts as recent.")
@BY_OPTION
@click.pass_context
def situation(
    ctx: click.Context,
    as_of: date | None,
    window: int,
    level: str,
    sector: str | None,
    fmt: str,
    by: str | None,
) -> None:
    """Per place and in total: population, people in need, displaced, besieged, hard to reach,
    reached, with the sources behind each figure."""
    from lagebild import analysis
    from lagebild.model import normalise_sector
    from lagebild.publish import render

    store = _store(ctx)
    as_of, how = _picture_date(store, as_of, fmt)
    result = analysis.situation(
        store, as_of, window, _level(level), normalise_sector(sector) if sector else None
    )
    places = [(r.pcode, r.name) for r in result.places]
    if result.total is not None and result.total.pcode:
        places.append((result.total.pcode, result.total.name))
    if by and fmt != "table":
        _emit_breakdown(
            ctx, fmt, by, as_of, places, result.sector or "",
            _with_as_of_basis(result.as_dict(), how),
        )
        return
    rows = render.situation_rows(result)
    title = f"Situation on {as_of.isoformat()} ({level}, window {window} days" + (
        f", sector {sector})" if sector else ")"
    )
    columns = render.situation_columns(result.level, result.damage_units)
    _emit(fmt, _with_as_of_basis(result.as_dict(), how), columns, rows, title)
    if fmt == "table" and result.total:
        click.echo("\nSources of the totals:")
        for key in ("population", "people_in_need", "displaced", "besieged", "hard_to_reach"):
            value = getattr(result.total, key)
            if value:
                click.echo(
                    f"  {key.replace('_', ' ')}: {value.value:,.0f} "
                    f"({value.describe()}; {', '.join(value.sources)})"
                )
    if by:
        click.echo()
        _emit_breakdown(ctx, fmt, by, as_of, places, result.sector or "", {})


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
@click.option(
    "--rank",
    type=click.Choice(["plain", "severity"]),
    default="plain",
    show_default=True,
    help="plain: cut off first by people in need, then by coverage (DESIGN.md); severity: by "
    "people in need, days without aid, recent incidents and damage (docs/severity.md).",
)
@BY_OPTION
@click.pass_context
def gaps(
    ctx: click.Context,
    as_of: date | None,
    window: int,
    level: str,
    sector: str | None,
    fmt: str,
    limit: int,
    rank: str,
    by: str | None,
) -> None:
    """Places ranked by gap: cut-off places first by people in need, then by coverage; or, with
    --rank severity, by a severity that adds recent incidents and damage."""
    from lagebild import analysis
    from lagebild.model import normalise_sector
    from lagebild.publish import render

    store = _store(ctx)
    as_of, how = _picture_date(store, as_of, fmt)
    result = analysis.gaps(
        store, as_of, window, _level(level), normalise_sector(sector) if sector else None,
        rank=rank,
    )
    places = [(r.pcode, r.name) for r in result.places]
    if by and fmt != "table":
        _emit_breakdown(
            ctx, fmt, by, as_of, places, result.sector or "",
            _with_as_of_basis(result.as_dict(), how),
        )
        return
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
    columns = render.gap_columns(result.level, severity=rank == "severity")
    _emit(fmt, _with_as_of_basis(result.as_dict(), how), columns, rows, title)
    if by:
        click.echo()
        _emit_breakdown(ctx, fmt, by, as_of, places[:limit] if limit else places,
                        result.sector or "", {})  # fmt: skip


# -- damage (issue 5) ---------------------------------------------------------------------------


@main.command()
@click.option("--as-of", "as_of", type=DATE, help="Date of the picture (default: today).")
@click.option("--level", type=LEVELS, default="adm1", show_default=True)
@click.option("--place", "pcode", metavar="PCODE", help="Only places within this one.")
@click.option(
    "--unit",
    type=click.Choice(["buildings", "houses"]),
    help="Only damage counted in this unit (default: each unit apart).",
)
@click.option(
    "--changes", is_flag=True, help="The change between successive assessments of each place."
)
@click.option(
    "--list",
    "as_list",
    is_flag=True,
    help="Every damage row as stored (a point with its class, or counts of a place), dated on "
    "or before --as-of: the shape it imports back in.",
)
@click.option("--format", "fmt", type=FORMAT, default="table", show_default=True)
@click.pass_context
def damage(
    ctx: click.Context,
    as_of: date | None,
    level: str,
    pcode: str | None,
    unit: str | None,
    changes: bool,
    as_list: bool,
    fmt: str,
) -> None:
    """Damage by place: destroyed, severe, moderate and possible, the damage total (destroyed +
    severe + moderate; possible apart) and each place's share of the national total.

    A place's current damage is its latest assessment on or before the date (same date: the more
    reliable source, then the later import); a place without one sums its children's. Houses and
    buildings are never added together.
    """
    from lagebild.analysis.damage import damage as damage_by_place
    from lagebild.analysis.damage import damage_changes
    from lagebild.publish import render

    store = _store(ctx)
    when = as_of or date.today()
    if as_list:
        _list_damage(store, fmt, when, pcode, unit)
        return
    try:
        if changes:
            found = damage_changes(store, when, _level(level), pcode, unit)
            rows = [c.as_dict() for c in found]
            data = {
                "as_of": when.isoformat(),
                "level": level,
                "unit": unit,
                "changes": rows,
            }
            title = f"Damage: changes between assessments up to {when.isoformat()} ({level})"
            _emit(fmt, data, render.damage_change_columns(level), rows, title)
            return
        result = damage_by_place(store, when, _level(level), pcode, unit)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    title = f"Damage on {when.isoformat()} ({level}); damage total = destroyed + severe + moderate"
    _emit(fmt, result.as_dict(), render.damage_columns(level), render.damage_rows(result), title)


def _list_damage(
    store: Store, fmt: str, when: date, pcode: str | None, unit: str | None
) -> None:
    from lagebild.analysis.tree import PlaceTree
    from lagebild.publish.render import damage_list_columns
    from lagebild.store.damage import damage_rows

    place_ids = None
    if pcode:
        tree = PlaceTree(store.places())
        place = tree.get(pcode)
        if place is None:
            raise click.ClickException(f"unknown P-code {pcode!r}")
        place_ids = [i for i in tree.places if place.id in tree.ancestors(i).values()]
    rows = damage_rows(store, when, place_ids, unit)
    title = f"{len(rows):,} damage rows on or before {when.isoformat()}"
    _emit(fmt, {"as_of": when.isoformat(), "rows": rows}, damage_list_columns(), rows, title)


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
    """A place's access history: accessible, hard to reach or besieged (by whom), since when;
    beside each period, the incidents in the place and below it."""
    from lagebild import analysis
    from lagebild.analysis.incidents import incidents_by_period
    from lagebild.publish.render import to_json

    store = _store(ctx)
    tree = analysis.PlaceTree(store.places())
    place = tree.get(pcode)
    if place is None:
        raise click.ClickException(f"unknown P-code {pcode!r}")
    periods = analysis.history(store, place.id)
    on = analysis.access_of(tree, analysis.status_on(store, as_of), place.id) if as_of else None
    by_period = incidents_by_period(store, tree, place.id, periods)
    if fmt == "json":
        click.echo(
            to_json(
                {
                    "pcode": place.pcode,
                    "name": place.name("en"),
                    "history": [p.as_dict() for p in periods],
                    "as_of": as_of.isoformat() if as_of else None,
                    "status_on": on.as_dict() if on else None,
                    "incidents": _period_incidents_json(by_period, tree),
                }
            ),
            nl=False,
        )
        return
    click.echo(f"{place.pcode} {place.name('en')}")
    if not periods:
        click.echo("  no access status of its own")
    for group in by_period:
        period = group.period
        if period is None:
            click.echo("  before any access status:" if periods else "  incidents:")
        else:
            until = period.valid_to.isoformat() if period.valid_to else "now"
            party = f" by {period.party}" if period.party else ""
            click.echo(f"  {period.valid_from.isoformat()} .. {until}: {period.status}{party}")
        _echo_period_incidents(group, tree)
    if as_of:
        if on is None:
            click.echo(f"on {as_of.isoformat()}: unknown")
        else:
            via = f" (as part of {on.inherited_from})" if on.inherited_from else ""
            party = f" by {on.party}" if on.party else ""
            click.echo(
                f"on {as_of.isoformat()}: {on.status}{party} since {on.since.isoformat()}{via}"
            )


# -- incidents (issue 5) ------------------------------------------------------------------------

PERIOD_INCIDENTS_SHOWN = 5


def _incident_line(row: Any, tree: Any) -> str:
    place = tree.places.get(row.place_id) if row.place_id is not None else None
    what = row.event_type + (f" ({row.sub_event_type})" if row.sub_event_type else "")
    where = row.location or (place.name("en") if place else "an unknown place")
    killed = f", {row.fatalities} killed" if row.fatalities else ""
    aid = ", attack on aid" if row.attack_on_aid else ""
    return f"{row.date.isoformat()} {what or 'incident'} at {where}{killed}{aid}"


def _echo_period_incidents(group: Any, tree: Any) -> None:
    """The incidents of one access period, newest first, a few of them."""
    rows = group.incidents
    if not rows:
        return
    click.echo(
        f"    {len(rows)} incident(s), {group.fatalities} killed, "
        f"{group.attacks_on_aid} attack(s) on aid"
    )
    for row in rows[::-1][:PERIOD_INCIDENTS_SHOWN]:
        click.echo("      " + _incident_line(row, tree))
    if len(rows) > PERIOD_INCIDENTS_SHOWN:
        click.echo(
            f"      ... and {len(rows) - PERIOD_INCIDENTS_SHOWN} earlier "
            "('lagebild incidents --list --place PCODE' lists them)"
        )


def _period_incidents_json(by_period: Any, tree: Any) -> list[dict[str, Any]]:
    from lagebild.analysis.incidents import incident_dict

    return [
        {
            "valid_from": g.period.valid_from.isoformat() if g.period else None,
            "status": g.period.status if g.period else None,
            "events": len(g.incidents),
            "fatalities": g.fatalities,
            "attacks_on_aid": g.attacks_on_aid,
            "incidents": [incident_dict(r, tree) for r in g.incidents],
        }
        for g in by_period
    ]


def _slug(text: str) -> str:
    return "_".join(w for w in "".join(c if c.isalnum() else " " for c in text.lower()).split())


@main.command()
@click.option("--place", "pcode", metavar="PCODE", help="This place and the places below it.")
@click.option("--from", "date_from", type=DATE, help="Incidents dated on or after this date.")
@click.option("--to", "date_to", type=DATE, help="Incidents dated on or before this date.")
@click.option(
    "--level",
    type=LEVELS,
    help="One row per place of this level (default: governorates, or the level below --place).",
)
@click.option(
    "--list",
    "as_list",
    is_flag=True,
    help="List the events with how each was placed (P-code, polygon, nearest, name or none).",
)
@click.option("--unplaced", is_flag=True, help="With --list: only the events not placed.")
@click.option("--limit", type=click.IntRange(min=1), help="With --list: at most this many events.")
@click.option("--format", "fmt", type=FORMAT, default="table", show_default=True)
@click.pass_context
def incidents(
    ctx: click.Context,
    pcode: str | None,
    date_from: date | None,
    date_to: date | None,
    level: str | None,
    as_list: bool,
    unplaced: bool,
    limit: int | None,
    fmt: str,
) -> None:
    """Conflict incidents per place and period: events by type, fatalities and attacks on aid,
    rolled up the place tree; or, with --list, the events and how each was placed."""
    from lagebild.analysis.incidents import incident_summary
    from lagebild.analysis.place import UnknownPlace

    if (unplaced or limit) and not as_list:
        raise click.UsageError("--unplaced and --limit go with --list")
    if unplaced and pcode:
        raise click.UsageError("--unplaced lists the events no place holds: drop --place")
    store = _store(ctx)
    try:
        if as_list:
            _list_incidents(fmt, store, pcode, date_from, date_to, unplaced, limit)
            return
        summary = incident_summary(store, pcode, date_from, date_to, level)
    except UnknownPlace as exc:
        raise click.ClickException(str(exc)) from exc
    _emit_incident_summary(fmt, summary)


@main.command()
@click.option("--place", "pcode", metavar="PCODE", help="This place and the places below it.")
@click.option(
    "--level",
    type=LEVELS,
    help="One row per place of this level (default: governorates, or the level below --place).",
)
@click.option("--sector", metavar="SECTOR", help="Only this sector (a cluster code or name).")
@click.option("--format", "fmt", type=FORMAT, default="table", show_default=True)
@click.pass_context
def presence(
    ctx: click.Context, pcode: str | None, level: str | None, sector: str | None, fmt: str
) -> None:
    """Who does what where (3W): organisations present per place and sector.

    Presence reaches no one by itself: it never counts as a delivery in gaps.
    """
    from lagebild.analysis.place import UnknownPlace
    from lagebild.analysis.presence import presence as presence_summary
    from lagebild.model.vocab import normalise_sector
    from lagebild.publish.render import presence_columns, presence_rows

    store = _store(ctx)
    wanted = normalise_sector(sector) if sector else None
    try:
        summary = presence_summary(store, pcode, level, wanted)
    except UnknownPlace as exc:
        raise click.ClickException(str(exc)) from exc
    total = summary.total
    title = (
        f"Who does what where, by {summary.level}"
        + (f" in {summary.place}" if summary.place else "")
        + (f", sector {summary.sector}" if summary.sector else "")
        + f": {len(total.organisations):,} organisations in {len(summary.places):,} places"
        + (
            f"; {summary.above_level:,} known only above {summary.level}"
            if summary.above_level
            else ""
        )
    )
    columns = presence_columns(summary.level)
    if fmt == "table":  # who, by name, is in the CSV, HXL and JSON: a terminal has 80 columns
        columns = [c for c in columns if c.key != "names"]
    _emit(fmt, summary.as_dict(), columns, presence_rows(summary), title)


def _emit_incident_summary(fmt: str, summary: Any) -> None:
    from lagebild.publish.render import Col

    tag = f"#{summary.level}" if summary.level.startswith("adm") else "#country"
    columns = [
        Col("pcode", "P-code", f"{tag}+code"),
        Col("name", "Name", f"{tag}+name"),
        Col("events", "Events", "#event+num"),
        Col("fatalities", "Fatalities", "#affected+killed"),
        Col("attacks_on_aid", "Attacks on aid", "#event+aid+num"),
    ]
    columns += [
        Col(f"type:{t}", t or "(no type)", f"#event+num+{_slug(t) or 'untyped'}")
        for t in summary.event_types
    ]
    rows = []
    for counts in [*summary.places, summary.total]:
        row = counts.as_dict()
        if counts is summary.total:
            row["pcode"] = f"{counts.pcode} (total)".strip()
        row.update({f"type:{t}": counts.by_type.get(t, 0) for t in summary.event_types})
        rows.append(row)
    span = f"{summary.date_from or '…'} .. {summary.date_to or '…'}"
    placed = ", ".join(f"{n:,} {m}" for m, n in summary.placed_by.items() if n)
    title = (
        f"Incidents {span} by {summary.level}"
        + (f" in {summary.place}" if summary.place else "")
        + f": {summary.total.events:,} events, {summary.total.fatalities:,} killed, "
        f"{summary.total.attacks_on_aid:,} attacks on aid"
        + (f"; {summary.unplaced:,} not placed" if summary.unplaced else "")
        + (f"; {summary.above_level:,} placed above {summary.level}" if summary.above_level else "")
        + (f"\nplaced by (all incidents): {placed}" if placed else "")
    )
    _emit(fmt, summary.as_dict(), columns, rows, title)


def _list_incidents(
    fmt: str,
    store: Store,
    pcode: str | None,
    date_from: date | None,
    date_to: date | None,
    unplaced: bool,
    limit: int | None,
) -> None:
    from lagebild.analysis.incidents import incident_dict, incidents_at
    from lagebild.publish.render import Col

    tree, found = incidents_at(store, pcode, date_from, date_to, unplaced=unplaced, limit=limit)
    rows = [incident_dict(r, tree) for r in found]
    columns = [
        Col("date", "Date", "#date+occurred"),
        Col("event_code", "Event", "#event+code"),
        Col("event_type", "Type", "#event+type"),
        Col("sub_event_type", "Sub-type", "#event+type+sub"),
        Col("location", "Location", "#loc+name"),
        Col("pcode", "P-code", "#loc+code"),
        Col("place", "Place", "#loc+name+placed"),
        Col("placed_by", "Placed by", "#meta+placed_by"),
        Col("confidence", "Confidence", "#meta+confidence"),
        Col("distance_km", "km", "#meta+distance_km"),
        Col("fatalities", "Fatalities", "#affected+killed"),
        Col("attack_on_aid", "Aid", "#event+aid"),
        Col("file_name", "File", "#meta+file"),
        Col("row_number", "Row", "#meta+row"),
    ]
    if fmt == "table":  # two decimals read better than the table's whole numbers
        for row in rows:
            for key in ("confidence", "distance_km"):
                row[key] = None if row[key] is None else f"{row[key]:.2f}"
    title = f"{len(rows):,} incident(s)" + (f" in {pcode.upper()} and below" if pcode else "")
    _emit(fmt, {"place": pcode, "incidents": rows}, columns, rows, title)


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
@click.option("--why", metavar="TEXT", help="Why the grade changes (kept in the audit trail).")
@click.pass_context
def sources_grade(
    ctx: click.Context,
    name: str,
    reliability: str | None,
    credibility: int | None,
    kind: str | None,
    why: str | None,
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
        why=why,
    )
    graded = next(s for s in store.sources().values() if s.name == name.strip())
    click.echo(f"{graded.name}: {graded.grade}" + (f", {graded.kind}" if graded.kind else ""))


# -- the audit trail -------------------------------------------------------------------------------

RECORD_KINDS = click.Choice(["figure", "access", "delivery"])


@main.command()
@click.argument("pcode", required=False)
@click.option("--only", is_flag=True, help="Only the place itself, not the places below it.")
@click.option(
    "--kind",
    "record_kind",
    metavar="KIND",
    help="Only changes of this record kind (figure, access, delivery, source, import, ...).",
)
@click.option("--record", "record_id", type=int, metavar="ID", help="Only this record's changes.")
@click.option("--by", "actor", metavar="NAME", help="Only changes made by this person.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many, newest first.")
@click.option("--format", "fmt", type=FORMAT, default="table", show_default=True)
@click.pass_context
def history(
    ctx: click.Context,
    pcode: str | None,
    only: bool,
    record_kind: str | None,
    record_id: int | None,
    actor: str | None,
    limit: int | None,
    fmt: str,
) -> None:
    """The audit trail: every import, undo, edit, deletion and grade change, with who, when,
    what it was before and after, and why. With PCODE: the changes of that place and the places
    below it, newest first.
    """
    from lagebild.analysis.changes import change_row, place_history
    from lagebild.analysis.place import UnknownPlace
    from lagebild.publish.render import Col
    from lagebild.store.audit import history as all_history

    store = _store(ctx)
    title = "all changes"
    if pcode:
        try:
            place, changes = place_history(store, pcode, below=not only)
        except UnknownPlace as exc:
            raise click.ClickException(str(exc)) from exc
        title = f"changes of {place.pcode} {place.name('en')}" + ("" if only else " and below")
        changes = [
            c
            for c in changes
            if (record_kind is None or c.record_kind == record_kind)
            and (record_id is None or c.record_id == record_id)
            and (actor is None or c.actor == actor)
        ][:limit]
    else:
        changes = all_history(
            store, record_kind=record_kind, record_id=record_id, actor=actor, limit=limit
        )
    rows = [change_row(c) for c in changes]
    columns = [
        Col("at", "When", "#date+changed"),
        Col("actor", "Who", "#contact+name"),
        Col("action", "Action", "#meta+action"),
        Col("pcode", "P-code", "#loc+code"),
        Col("what", "What", "#description"),
        Col("why", "Why", "#description+why"),
    ]
    _emit(fmt, {"changes": rows}, columns, rows, f"{title}: {len(rows)}")


@main.command()
@click.argument("kind", type=RECORD_KINDS)
@click.argument("record_id", type=int)
@click.argument("assignments", nargs=-1, required=True)
@click.option("--why", required=True, metavar="TEXT", help="Why (kept in the audit trail).")
@click.pass_context
def edit(
    ctx: click.Context, kind: str, record_id: int, assignments: tuple[str, ...], why: str
) -> None:
    """Change one stored figure, access change or delivery: FIELD=VALUE ... (such as
    value=12000 or status=besieged). The audit trail keeps what it was.

    A figure's own grade overrides its source's: 'lagebild edit figure 17 reliability=C
    credibility=3 --why "..."' (empty values return it to the source's grade).
    """
    from lagebild.ingest.edit import EditError, parse_edits
    from lagebild.store.audit import edit_record

    store = _store(ctx)
    try:
        values = parse_edits(kind, assignments)
        before, after = edit_record(store, kind, record_id, values, why)
    except (EditError, StoreError) as exc:
        raise click.ClickException(str(exc)) from exc
    changed = [k for k in values if before.get(k) != after.get(k)]
    click.echo(
        f"{kind} #{record_id}: "
        + (", ".join(f"{k} {before.get(k)} -> {after.get(k)}" for k in changed) or "unchanged")
    )


@main.command()
@click.argument("kind", type=RECORD_KINDS)
@click.argument("record_id", type=int)
@click.option("--why", required=True, metavar="TEXT", help="Why (kept in the audit trail).")
@click.pass_context
def delete(ctx: click.Context, kind: str, record_id: int, why: str) -> None:
    """Delete one stored figure, access change or delivery. The audit trail keeps all of it; an
    import's record is never deleted ('import --undo' takes a whole import back)."""
    from lagebild.store.audit import delete_record

    store = _store(ctx)
    try:
        delete_record(store, kind, record_id, why)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{kind} #{record_id} deleted; 'lagebild history --record {record_id}' shows it")


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
@click.option(
    "--by",
    type=click.Choice(["gender", "age", "population-group"]),
    help="With PCODE: the place's figures and those disaggregated by this dimension only.",
)
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
    by: str | None,
) -> None:
    """Every value of every source for a place side by side with the spread (PCODE), the
    contradicting figures (--conflicts), or the consistency checks (--check). A place's figures
    come first; its disaggregated ones (gender, age, population group, disability) follow, each
    series on its own (--by: only those by one dimension)."""
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
            series = trust.side_by_side(
                store, pcode, as_of or date_to, indicator, date_from,
                by=by.replace("-", "_") if by else None,
            )  # fmt: skip
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
        dims = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in s.dimensions.items() if v)
        for value in s.as_dict()["values"]:
            rows.append(
                {
                    "spread": f"{gap['min']:,.0f}..{gap['max']:,.0f} ({gap['relative']:.0%})",
                    **value,
                    "dimensions": dims or "total",
                    "current": "yes" if value["current"] else "",
                }
            )
    data = {"pcode": pcode.upper(), "series": [s.as_dict() for s in series]}
    title = f"Figures of {pcode.upper()} from every source"
    columns = _entry_columns(
        ("spread", "Spread", "#meta+spread"), ("dimensions", "Of", "#meta+dimensions")
    )
    _emit(fmt, data, columns, rows, title)


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

    web = ctx.obj.get("web", {})
    app = create_app(WebConfig(db=ctx.obj["db"], tile_url=tile_url, **web))
    click.echo(
        f"lagebild serves {ctx.obj['db'] or 'lagebild.db'} at http://{host}:{port}/ "
        "(Ctrl-C stops it)"
    )
    click.echo(_access_mode(app.state.lagebild.store, web))
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


def _access_mode(store: Store, web: dict[str, Any]) -> str:
    """Say who may use the server: everyone (no accounts yet) or those who sign in."""
    from lagebild.store import accounts

    count = len(accounts.accounts(store))
    if not count and web.get("sign_in") != "required":
        return (
            "open: the database has no accounts, so everyone who reaches this server may see and "
            "do everything; make the first with 'lagebild user add NAME --role admin'"
        )
    public = "; anonymous visitors see the public picture" if web.get("public") else ""
    return f"sign-in required ({count} account(s)){public}"


@main.command()
@serve_options
@click.option(
    "--sign-in",
    "sign_in",
    type=click.Choice(["auto", "required"]),
    default="auto",
    show_default=True,
    help="auto: open while the database has no accounts, sign-in required once one exists; "
    "required: always.",
)
@click.option(
    "--public", is_flag=True, help="Anonymous visitors see the public picture (as viewers)."
)
@click.option(
    "--protocol",
    envvar="LAGEBILD_PROTOCOL",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    metavar="FILE",
    help="Information sharing protocol (YAML; default: the one lagebild ships, "
    "security/protocol.yml).",
)
@click.option(
    "--insecure-cookies",
    is_flag=True,
    help="Send the session cookie over plain http too (an office network without TLS). "
    "Default: Secure, unless served over plain http on loopback.",
)
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    tile_url: str | None,
    sign_in: str,
    public: bool,
    protocol: Path | None,
    insecure_cookies: bool,
) -> None:
    """Serve the dashboard, map, gap table, place pages and the JSON API of a database."""
    from lagebild.security.protocol import ProtocolError, load

    _store(ctx)  # a clear error now rather than on the first page
    try:
        load(protocol)
    except ProtocolError as exc:
        raise click.ClickException(str(exc)) from exc
    ctx.obj["web"] = {
        "sign_in": sign_in,
        "public": public,
        "protocol": str(protocol) if protocol else None,
        "secure_cookies": False if insecure_cookies else None,
    }
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


# -- convoys (issue 5) ---------------------------------------------------------------------------

CONVOY_STATUS = click.Choice(
    ["requested", "approved", "partly_approved", "denied", "delivered"], case_sensitive=False
)


def _convoy_call(call: Callable[[], Any]) -> Any:
    from lagebild.ingest.convoys import ConvoyError

    try:
        return call()
    except ConvoyError as exc:
        raise click.ClickException(str(exc)) from exc


def _convoy_line(convoy: Any) -> str:
    """One line saying what a convoy is now."""
    status = convoy.status.replace("_", " ")
    people = f"{convoy.planned_people:,.0f} people" if convoy.planned_people is not None else ""
    trucks = f"{convoy.trucks} trucks" if convoy.trucks is not None else ""
    planned = ", ".join(x for x in (trucks, people) if x)
    text = (
        f"convoy {convoy.code} to {convoy.pcode} {convoy.place_name or ''}".rstrip()
        + f": {status}; requested on {convoy.requested_on.isoformat()}"
        + (f" ({planned})" if planned else "")
    )
    if convoy.decided_on:
        verb = "denied" if convoy.decision == "denied" else "decided"
        text += f"; {verb} on {convoy.decided_on.isoformat()} by {convoy.decided_by}"
    if convoy.delivered_on:
        reached = f", {convoy.reached:,.0f} people reached" if convoy.reached is not None else ""
        text += f"; delivered on {convoy.delivered_on.isoformat()}{reached}"
    return text


def _approved(convoy: Any) -> str | None:
    """What a decision approved: trucks and people, in full or in part."""
    if convoy.decision in (None, "denied"):
        return None
    trucks = "?" if convoy.trucks_approved is None else f"{convoy.trucks_approved}"
    people = "?" if convoy.people_approved is None else f"{convoy.people_approved:,.0f}"
    return f"{trucks} trucks, {people} people ({convoy.decision.replace('_', ' ')})"


@main.group()
def convoy() -> None:
    """Inter-agency convoys to besieged and hard-to-reach places: the request, the decision
    (approved, partly approved, denied), the delivery with the items that arrived and those
    removed at checkpoints; and their statistics per place and period.

    A delivered convoy counts in 'lagebild gaps' as a completed delivery without a sector.
    """


@convoy.command("request")
@click.argument("code")
@click.option("--place", "pcode", required=True, metavar="PCODE", help="Where the convoy goes.")
@click.option("--date", "on", type=DATE, required=True, help="Date of the request.")
@click.option("--agencies", metavar="NAMES", help="Agencies of the convoy, e.g. 'UN, ICRC, SARC'.")
@click.option("--trucks", type=click.IntRange(min=0), help="Trucks requested.")
@click.option("--people", type=click.IntRange(min=0), help="People the convoy is planned for.")
@click.option(
    "--item",
    "items",
    multiple=True,
    metavar="NAME:CATEGORY:QTY[:UNIT]",
    help="An item to carry, e.g. 'surgical kits:medical:120:kits'; repeat for each item. "
    "Categories: medical, food, nutrition, nfi, shelter, wash, education, protection, other.",
)
@click.option("--source", metavar="NAME", help="Who reports the convoy.")
@click.option("--note", metavar="TEXT", help="A note on the convoy.")
@click.pass_context
def convoy_request(
    ctx: click.Context,
    code: str,
    pcode: str,
    on: date,
    agencies: str | None,
    trucks: int | None,
    people: int | None,
    items: tuple[str, ...],
    source: str | None,
    note: str | None,
) -> None:
    """Record the request of convoy CODE (its own reference, e.g. DUMA-2018-03-05)."""
    from lagebild.ingest import convoys as life

    planned = _convoy_call(lambda: [life.parse_item(text) for text in items])
    store = _store(ctx)
    done = _convoy_call(
        lambda: life.request(
            store,
            code,
            pcode,
            on,
            agencies=agencies,
            trucks=trucks,
            people=people,
            items=planned,
            source=source,
            note=note,
        )
    )
    click.echo(_convoy_line(done) + f"; {len(done.items)} item(s)")


@convoy.command("decide")
@click.argument("code")
@click.option("--approved", "decision", flag_value="approved", help="Approved in full.")
@click.option(
    "--partly",
    "decision",
    flag_value="partly_approved",
    help="Approved in part (--trucks, --people).",
)
@click.option("--denied", "decision", flag_value="denied", help="Denied.")
@click.option("--by", required=True, metavar="WHO", help="Who decided.")
@click.option("--date", "on", type=DATE, required=True, help="Date of the decision.")
@click.option("--reason", metavar="TEXT", help="Why, as the decision says.")
@click.option("--trucks", type=click.IntRange(min=0), help="Trucks approved.")
@click.option("--people", type=click.IntRange(min=0), help="People approved.")
@click.pass_context
def convoy_decide(
    ctx: click.Context,
    code: str,
    decision: str | None,
    by: str,
    on: date,
    reason: str | None,
    trucks: int | None,
    people: int | None,
) -> None:
    """Record the decision on requested convoy CODE; a request is decided once."""
    from lagebild.ingest import convoys as life

    if decision is None:
        raise click.UsageError("give --approved, --partly or --denied")
    store = _store(ctx)
    done = _convoy_call(
        lambda: life.decide(
            store, code, decision, by, on, reason=reason, trucks=trucks, people=people
        )
    )
    click.echo(_convoy_line(done))


@convoy.command("deliver")
@click.argument("code")
@click.option("--date", "on", type=DATE, required=True, help="Date of the delivery.")
@click.option("--reached", type=click.IntRange(min=0), required=True, help="People reached.")
@click.option(
    "--arrived",
    multiple=True,
    metavar="NAME=QTY",
    help="How much of an item arrived; items not named arrived as planned, less what was removed.",
)
@click.option(
    "--removed", multiple=True, metavar="NAME=QTY", help="How much of an item was removed."
)
@click.option("--by", "removed_by", metavar="WHO", help="Who removed the items (with --removed).")
@click.pass_context
def convoy_deliver(
    ctx: click.Context,
    code: str,
    on: date,
    reached: int,
    arrived: tuple[str, ...],
    removed: tuple[str, ...],
    removed_by: str | None,
) -> None:
    """Record the delivery of approved convoy CODE: people reached, what arrived, what was
    removed at checkpoints and by whom."""
    from lagebild.ingest import convoys as life

    came = _convoy_call(lambda: dict(life.parse_quantity(text) for text in arrived))
    taken = _convoy_call(lambda: dict(life.parse_quantity(text) for text in removed))
    store = _store(ctx)
    done = _convoy_call(
        lambda: life.deliver(
            store, code, on, reached, arrived=came, removed=taken, removed_by=removed_by
        )
    )
    click.echo(_convoy_line(done))
    for item in done.items:
        if item.removed:
            click.echo(
                f"  {item.item}: {item.removed:,.0f} of {item.loaded or 0:,.0f} "
                f"{item.unit or ''} removed by {item.removed_by}".replace("  removed", " removed")
            )


CONVOY_LIST_COLUMNS = (
    ("code", "Convoy", "#convoy+code"),
    ("pcode", "P-code", "#loc+code"),
    ("place", "Place", "#loc+name"),
    ("status", "Status", "#convoy+status"),
    ("requested_on", "Requested", "#date+requested"),
    ("agencies", "Agencies", "#org+impl"),
    ("trucks", "Trucks", "#convoy+trucks"),
    ("planned_people", "People planned", "#targeted"),
    ("decided_on", "Decided", "#date+decided"),
    ("decided_by", "By", "#org+decided"),
    ("trucks_approved", "Trucks approved", "#convoy+trucks+approved"),
    ("people_approved", "People approved", "#targeted+approved"),
    ("delivered_on", "Delivered", "#date+delivered"),
    ("reached", "Reached", "#reached+ind"),
    ("source", "Source", "#meta+source"),
)


#: With ``convoy list --items``: the decision's reason, the note and one row per item, as a
#: convoy file is imported (docs/hxl.md), so that the list imports back whole.
CONVOY_ITEM_COLUMNS = (
    ("decision_reason", "Reason", "#description+reason"),
    ("note", "Note", "#meta+note"),
    ("item", "Item", "#item+name"),
    ("category", "Category", "#item+type"),
    ("unit", "Unit", "#item+unit"),
    ("planned", "Planned", "#item+planned"),
    ("arrived", "Arrived", "#item+arrived"),
    ("removed", "Removed", "#item+removed"),
    ("removed_by", "Removed by", "#group+removed_by"),
)


@convoy.command("list")
@click.option("--place", "pcode", metavar="PCODE", help="Convoys to this place and places below.")
@click.option("--status", type=CONVOY_STATUS, help="Only convoys with this status.")
@click.option(
    "--items",
    is_flag=True,
    help="One row per convoy and item, with the decision's reason and the note: the shape a "
    "convoy file is imported in.",
)
@click.option("--format", "fmt", type=FORMAT, default="table", show_default=True)
@click.pass_context
def convoy_list(
    ctx: click.Context, pcode: str | None, status: str | None, items: bool, fmt: str
) -> None:
    """The convoys, in order of request."""
    from lagebild import analysis
    from lagebild.publish.render import Col
    from lagebild.store import convoys as convoy_store

    store = _store(ctx)
    place_ids = None
    if pcode:
        tree = analysis.PlaceTree(store.places())
        place = tree.get(pcode)
        if place is None:
            raise click.ClickException(f"unknown P-code {pcode!r}")
        place_ids = [i for i in tree.places if place.id in tree.ancestors(i).values()]
    found = convoy_store.convoys(
        store, place_ids=place_ids, status=status.lower() if status else None
    )
    rows = [c.as_dict() for c in found]
    columns = [Col(*c) for c in CONVOY_LIST_COLUMNS]
    title = f"{len(rows)} convoy(s)"
    if items:
        columns += [Col(*c) for c in CONVOY_ITEM_COLUMNS]
        # One row per item (a convoy without items: one row), the convoy's fields on each.
        rows = [{**r, **item} for r in rows for item in (r["items"] or [{}])]
    _emit(fmt, {"convoys": [c.as_dict() for c in found]}, columns, rows, title)


@convoy.command("show")
@click.argument("code")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_context
def convoy_show(ctx: click.Context, code: str, fmt: str) -> None:
    """A convoy: its request, decision, delivery, items and the history of its changes."""
    from lagebild.publish.render import to_json
    from lagebild.store import audit
    from lagebild.store import convoys as convoy_store

    store = _store(ctx)
    found = convoy_store.convoy(store, code)
    if found is None:
        raise click.ClickException(
            f"there is no convoy {code!r}: 'lagebild convoy list' lists them"
        )
    changes = audit.history(store, record_kind="convoy", record_id=found.id)
    if fmt == "json":
        data = {**found.as_dict(), "history": [c.as_dict() for c in changes]}
        click.echo(to_json(data), nl=False)
        return
    click.echo(_convoy_line(found))
    for label, value in (
        ("agencies", found.agencies),
        ("approved", _approved(found)),
        ("reason", found.decision_reason),
        ("note", found.note),
        ("source", found.source),
        ("import", f"#{found.import_id}, row {found.row_number}" if found.import_id else None),
    ):
        if value:
            click.echo(f"  {label:<9} {value}")
    click.echo("items:" if found.items else "items: none")
    for item in found.items:
        unit = f" {item.unit}" if item.unit else ""
        parts = [f"planned {item.planned:,.0f}{unit}" if item.planned is not None else ""]
        if item.arrived is not None:
            parts.append(f"arrived {item.arrived:,.0f}")
        if item.removed:
            parts.append(f"removed {item.removed:,.0f} by {item.removed_by or 'unknown'}")
        click.echo(f"  {item.item} ({item.category or '-'}): {', '.join(p for p in parts if p)}")
    click.echo("history:" if changes else "history: none")
    for change in reversed(changes):
        status = (change.after or {}).get("status", "") if isinstance(change.after, dict) else ""
        click.echo(
            f"  {change.at.isoformat(sep=' ')}  {change.action:<6} {status:<16} {change.actor}"
        )


def _convoy_stats_rows(result: Any) -> list[dict[str, Any]]:
    rows = []
    for row in [*result.places, *result.totals]:
        out = row.as_dict()
        for key in ("denied", "reached", "medical_removed", "population_reached"):
            out[f"share_{key}"] = out[f"{key}_share"]
        if not out["pcode"]:
            out["pcode"] = "(total)"
        rows.append(out)
    return rows


@convoy.command("stats")
@click.option("--from", "date_from", type=DATE, help="Convoys requested on or after this date.")
@click.option("--to", "date_to", type=DATE, help="Convoys requested on or before this date.")
@click.option("--level", type=LEVELS, help="Count at this level (default: each convoy's place).")
@click.option(
    "--by",
    type=click.Choice(["total", "month"]),
    default="total",
    show_default=True,
    help="One period from --from to --to, or one per month of request.",
)
@click.option("--format", "fmt", type=FORMAT, default="table", show_default=True)
@click.pass_context
def convoy_stats(
    ctx: click.Context,
    date_from: date | None,
    date_to: date | None,
    level: str | None,
    by: str,
    fmt: str,
) -> None:
    """Per place and period: convoys requested, approved, denied and delivered; the share of
    requests denied, of planned people reached, of medical items removed and of the place's
    population reached. A convoy counts in the period of its request."""
    from lagebild.analysis.convoys import convoy_stats as stats
    from lagebild.publish import render as render_columns

    store = _store(ctx)
    try:
        result = stats(store, date_from, date_to, _level(level) if level else None, by)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = _convoy_stats_rows(result)
    title = f"Convoys by place ({result.level or 'place of each convoy'}, per {by})"
    _emit(fmt, result.as_dict(), render_columns.convoy_stats_columns(result.level), rows, title)


# -- accounts and API tokens (issue 6) -----------------------------------------------------------

ROLE_CHOICE = click.Choice(["viewer", "partner", "analyst", "admin"])


def _account_call(call: Callable[[], Any]) -> Any:
    from lagebild.security.passwords import PasswordRefused

    try:
        return call()
    except (StoreError, PasswordRefused, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc


def _new_password(name: str, from_stdin: bool) -> str:
    """A password from standard input (one line) or asked twice at a prompt; checked."""
    from lagebild.security.passwords import check_strength

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(
            f"Password for {name}", hide_input=True, confirmation_prompt=True
        )
    _account_call(lambda: check_strength(password, name))
    return str(password)


PASSWORD_STDIN = click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)


@main.group()
def user() -> None:
    """Accounts of the web app: add, list, disable, set a password.

    A database without accounts serves everything to everyone (a single laptop); as soon as an
    account exists, the web app asks everyone to sign in. Make the first admin here.
    """


@user.command("add")
@click.argument("name")
@click.option("--role", type=ROLE_CHOICE, required=True, help="What the account may do.")
@click.option("--org", "organisation", metavar="ORG", help="Its organisation (partners need one).")
@PASSWORD_STDIN
@click.pass_context
def user_add(
    ctx: click.Context, name: str, role: str, organisation: str | None, password_stdin: bool
) -> None:
    """Add an account: viewer (the public picture), partner (its organisation's deliveries),
    analyst (all detail, grades, edits) or admin (also accounts and gazetteers)."""
    from lagebild.security import passwords, policy
    from lagebild.store import accounts

    _account_call(lambda: policy.check_account(role, organisation))
    store = _store(ctx)
    if accounts.account(store, name) is not None:
        raise click.ClickException(f"there is already an account {name!r}")
    password = _new_password(name, password_stdin)
    found = _account_call(
        lambda: accounts.add_account(
            store, name, passwords.hash_password(password), role, organisation
        )
    )
    org = f" of {found.organisation}" if found.organisation else ""
    click.echo(f"added {found.name}: {found.role}{org}")


@user.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def user_list(ctx: click.Context, fmt: str) -> None:
    """The accounts: name, role, organisation, disabled or not."""
    from lagebild.publish.render import Col, to_json, to_table
    from lagebild.store import accounts

    rows = [
        {
            "name": a.name,
            "role": a.role,
            "organisation": a.organisation,
            "disabled": a.disabled,
            "created": a.created_at.isoformat(sep=" "),
        }
        for a in accounts.accounts(_store(ctx))
    ]
    if fmt == "table":
        rows = [{**r, "disabled": "yes" if r["disabled"] else "no"} for r in rows]
    if fmt == "json":
        click.echo(to_json(rows), nl=False)
        return
    columns = [Col(k, k.capitalize(), "") for k in ("name", "role", "organisation", "disabled",
                                                   "created")]
    click.echo(to_table(columns, rows), nl=False)


@user.command("disable")
@click.argument("name")
@click.option("--enable", is_flag=True, help="Enable the account again.")
@click.pass_context
def user_disable(ctx: click.Context, name: str, enable: bool) -> None:
    """Disable an account: its sessions end and its API tokens stop working."""
    from lagebild.store import accounts

    store = _store(ctx)
    _account_call(lambda: accounts.set_disabled(store, name, not enable))
    click.echo(f"{name} is {'enabled' if enable else 'disabled'}")


@user.command("password")
@click.argument("name")
@PASSWORD_STDIN
@click.pass_context
def user_password(ctx: click.Context, name: str, password_stdin: bool) -> None:
    """Set an account's password; its sessions end."""
    from lagebild.security import passwords
    from lagebild.store import accounts

    store = _store(ctx)
    if accounts.account(store, name) is None:
        raise click.ClickException(f"there is no account {name!r}")
    password = _new_password(name, password_stdin)
    _account_call(
        lambda: accounts.set_password_hash(store, name, passwords.hash_password(password))
    )
    click.echo(f"the password of {name} is set; its sessions have ended")


@main.group()
def token() -> None:
    """API tokens for scripts: 'Authorization: Bearer TOKEN' on /api, with the account's role."""


@token.command("create")
@click.argument("name")
@click.option("--label", metavar="TEXT", help="What the token is for.")
@click.pass_context
def token_create(ctx: click.Context, name: str, label: str | None) -> None:
    """Make an API token for account NAME and print it, once: only its hash is kept."""
    import secrets

    from lagebild.security.passwords import secret_hash
    from lagebild.store import accounts

    store = _store(ctx)
    secret = secrets.token_urlsafe(32)
    token_id = _account_call(lambda: accounts.add_token(store, name, secret_hash(secret), label))
    click.echo(f"token #{token_id} for {name} (shown once, keep it safe):", err=True)
    click.echo(secret)


@token.command("list")
@click.pass_context
def token_list(ctx: click.Context) -> None:
    """The API tokens: id, account, label, made, revoked (never the token itself)."""
    from lagebild.store import accounts

    for found in accounts.tokens(_store(ctx)):
        state = f"revoked {found.revoked_at:%Y-%m-%d %H:%M}" if found.revoked_at else "active"
        label = f" {found.label}" if found.label else ""
        click.echo(f"#{found.id} {found.user}{label} (made {found.created_at:%Y-%m-%d}, {state})")


@token.command("revoke")
@click.argument("token_id", type=int, metavar="ID")
@click.pass_context
def token_revoke(ctx: click.Context, token_id: int) -> None:
    """Revoke API token ID: it stops working at once."""
    from lagebild.store import accounts

    store = _store(ctx)
    _account_call(lambda: accounts.revoke_token(store, token_id))
    click.echo(f"token #{token_id} is revoked")


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
    import tempfile

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


@evidence.command("link")
@click.argument("item_id", type=int)
@click.option(
    "--incident", required=True, metavar="CODE|ID", help="The incident it shows: code or number."
)
@click.option("--why", required=True, metavar="TEXT", help="Why (kept in the audit trail).")
@click.pass_context
def evidence_link(ctx: click.Context, item_id: int, incident: str, why: str) -> None:
    """Link an item to the incident it is said to show ('lagebild incidents --list' lists them)."""
    from lagebild.store.evidence import link_incident

    store = _store(ctx)
    try:
        _, label = link_incident(store, item_id, incident, why)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"item {item_id} linked to incident {label}")


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
    if item.incident_id is not None:
        from lagebild.store.evidence import incident_label

        label = incident_label(store, item.incident_id)
        lines.append(f"  incident    {label or f'#{item.incident_id} (no longer stored)'}")
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


# -- backup and restore (issue 6) ----------------------------------------------------------------

EVIDENCE_FOLDER_OPTION = click.option(
    "--folder",
    envvar="LAGEBILD_EVIDENCE",
    metavar="DIR",
    help="The evidence folder, with --evidence. Default: $LAGEBILD_EVIDENCE, else evidence/ "
    "beside a SQLite database, ./lagebild-evidence for PostgreSQL.",
)


def _evidence_folder(store: Store, wanted: bool, folder: str | None) -> Path | None:
    if not wanted:
        return None
    from lagebild.evidence.archive import evidence_folder

    return evidence_folder(store, folder)


@main.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--evidence", "with_evidence", is_flag=True,
    help="Also put the evidence files (photos and videos) into the backup.",
)
@EVIDENCE_FOLDER_OPTION
@click.pass_context
def backup(ctx: click.Context, file: Path, with_evidence: bool, folder: str | None) -> None:
    """Write a consistent copy of the whole database to FILE while it is in use.

    Every table is read in one snapshot: an import running meanwhile is wholly in the copy or
    not at all. FILE is a zip archive of lagebild.db (a SQLite lagebild database) and
    manifest.json (lagebild version, schema revision, rows and SHA-256 of every table), so a
    PostgreSQL server can be backed up to a laptop and restored into either kind of database.

    The evidence folder holds the photos and videos under their SHA-256 and never changes a
    stored file: give --evidence to put them into FILE, or copy the folder (rsync -a, cp -a)
    after the backup; a later copy holds every file the backup names.
    """
    from lagebild.store.backup import backup as make_backup

    store = _store(ctx)
    started = time.monotonic()
    try:
        manifest = make_backup(store, file, _evidence_folder(store, with_evidence, folder))
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    files = f", {len(manifest.evidence)} evidence files" if with_evidence else ""
    click.echo(
        f"{file}: {len(manifest.tables)} tables, {manifest.rows:,} rows{files} at schema "
        f"{manifest.revision}, {file.stat().st_size / 1e6:,.1f} MB in "
        f"{time.monotonic() - started:.1f} s"
    )


@main.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace everything in a database that holds data.")
@click.option("--check", is_flag=True, help="Only check FILE completely; write nothing.")
@click.option(
    "--evidence", "with_evidence", is_flag=True,
    help="Also put the backup's evidence files into the evidence folder.",
)
@EVIDENCE_FOLDER_OPTION
@click.pass_context
def restore(
    ctx: click.Context,
    file: Path,
    force: bool,
    check: bool,
    with_evidence: bool,
    folder: str | None,
) -> None:
    """Restore a backup made by 'lagebild backup' into the database (--db).

    The database must be empty (a new file, or a new PostgreSQL database) unless --force.
    Everything is checked before anything is written: the archive, the schema revision (an
    older backup is migrated forward), the rows and SHA-256 of every table. All tables are
    loaded in one transaction and compared with the backup before it commits: a refused or
    failed restore changes nothing.
    """
    from lagebild.store.backup import restore as restore_backup
    from lagebild.store.backup import verify_backup

    try:
        if check:
            manifest = verify_backup(file)
            click.echo(
                f"{file}: sound; {len(manifest.tables)} tables, {manifest.rows:,} rows at schema "
                f"{manifest.revision}, made {manifest.created_at} by lagebild "
                f"{manifest.lagebild_version} from {manifest.source_dialect}"
            )
            return
        store = _store(ctx, ready=False)
        done = restore_backup(
            store, file, force=force, evidence_folder=_evidence_folder(store, with_evidence, folder)
        )
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    manifest = done.manifest
    migrated = f", migrated to {done.revision}" if done.revision != manifest.revision else ""
    files = f", {done.evidence_files} evidence files" if with_evidence else ""
    click.echo(
        f"restored {file} into {store.url}: {len(manifest.tables)} tables, {manifest.rows:,} "
        f"rows{files} (made {manifest.created_at} from {manifest.source_dialect} at schema "
        f"{manifest.revision}{migrated}); every table matches the backup"
    )


if __name__ == "__main__":  # pragma: no cover
    main()
