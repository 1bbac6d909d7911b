"""``lagebild init`` and ``lagebild import``: create the database, load files, undo an import."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from lagebild.cli.common import DATE, open_store, revision_of, scratch_store
from lagebild.cli.reports import (
    mapping_lines,
    print_place_changes,
    print_problems,
    progress_printer,
    recognition,
    summary,
)
from lagebild.store import Store, StoreFailure, driver_failures, missing_sqlite_file


@click.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the database, or migrate it to this version's schema."""
    store = open_store(ctx, ready=False)
    try:
        with driver_failures():
            revision = store.migrate()
    except StoreFailure as exc:
        raise click.ClickException(f"cannot initialise {store.url}: {exc.cause}") from exc
    click.echo(f"database {store.url} is at schema {revision}")


@click.command("import")
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
    "--form",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    metavar="XLSFORM",
    help="The XLSForm of a KoboToolbox or ODK Central export (CSV or XLSX): its questions "
    "and choices read the export; common 4W and needs questions are tagged by name, --tags "
    "tags the others (by name, path or label).",
)
@click.option(
    "--form-lang",
    "form_language",
    metavar="LANGUAGE",
    help="With --form: the language of the labels imported ('English (en)', 'Arabic', 'ar'; "
    "default: the form's default, else English).",
)
@click.option(
    "--tags-saved",
    "tags_saved",
    metavar="NAME",
    help="A tag map saved under NAME (on the Import page, or with --save-tags), for files "
    "without HXL tags.",
)
@click.option(
    "--save-tags",
    "save_tags",
    metavar="NAME",
    help="Keep the --tags map under NAME, for the next file on the Import page or with "
    "--tags-saved.",
)
@click.option(
    "--kind",
    type=click.Choice(
        [
            "places", "figures", "access", "deliveries", "presence", "convoys", "incidents",
            "event_counts", "damage", "warehouses", "items", "stock", "place_limits", "routes",
        ]  # ingest.columns.KINDS, without loading the ingest layer
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
    form: Path | None,
    form_language: str | None,
    tags_saved: str | None,
    save_tags: str | None,
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
    from lagebild.ingest import ImportOptions
    from lagebild.publish.render import to_json

    if undo is not None:
        if files:
            raise click.UsageError("--undo takes an import id, not files")
        _undo(ctx, undo, why)
        return
    if not files:
        raise click.UsageError("give the files to import, or --undo ID")
    tag_map, maps = _maps(tags, sectors, statuses, modalities, event_types)
    tag_map = _saved_tags(ctx, tag_map, tags_saved, save_tags, organisation) or tag_map
    store, no_database = _store_for(ctx, dry_run)
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
        form=form,
        form_language=form_language,
    )
    results = [_import_one(store, path, options, fmt, verbose) for path in files]
    if fmt == "json":
        click.echo(to_json([report.as_dict() for report, _ in results]), nl=False)
    if any(not ok for _, ok in results):
        sys.exit(1)


def _maps(
    tags: Path | None,
    sectors: Path | None,
    statuses: Path | None,
    modalities: Path | None,
    event_types: Path | None,
) -> tuple[Any, dict[str, Any]]:
    """The tag map and the vocabulary maps an import was given; a bad file is a clean error."""
    from lagebild.ingest import load_tag_map, load_vocabulary_map

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
    return tag_map, maps


def _saved_tags(
    ctx: click.Context,
    tag_map: dict[str, str] | None,
    tags_saved: str | None,
    save_tags: str | None,
    organisation: str | None,
) -> dict[str, str] | None:
    """The map saved under ``--tags-saved``; with ``--save-tags``, the ``--tags`` map saved."""
    from lagebild.store.tagmaps import save_tag_map, saved_tag_map

    if tags_saved and tag_map is not None:
        raise click.UsageError("give --tags or --tags-saved, not both")
    if save_tags and tag_map is None:
        raise click.UsageError("--save-tags keeps the map given with --tags: give --tags")
    if save_tags and tag_map is not None:
        save_tag_map(open_store(ctx), save_tags, tag_map, saved_by="command line")
        click.echo(f"tag map saved as {save_tags.strip()!r}", err=True)
    if not tags_saved:
        return None
    saved = saved_tag_map(open_store(ctx), tags_saved, organisation=organisation)
    if saved is None:
        raise click.ClickException(
            f"no tag map saved as {tags_saved!r}: save one on the Import page or with "
            "--tags MAP --save-tags NAME"
        )
    return saved.mapping


def _store_for(ctx: click.Context, dry_run: bool) -> tuple[Store, bool]:
    """The database to import into, and whether it is a scratch one: a dry run on a database
    that does not exist (or has no schema) checks against an empty one and creates nothing."""
    if dry_run and (missing := missing_sqlite_file(ctx.obj["db"])) is not None:
        click.echo(f"note: no database at {missing} yet, and a dry run creates none", err=True)
        return scratch_store(ctx), True
    store = open_store(ctx, ready=not dry_run, create=not dry_run)
    if dry_run and revision_of(store) is None:  # an empty file or server database: no schema
        click.echo(
            f"note: database {store.url} is not initialised, and a dry run changes nothing",
            err=True,
        )
        return scratch_store(ctx), True
    return store, False


def _import_one(
    store: Store, path: Path, options: Any, fmt: str, verbose: bool
) -> tuple[Any, bool]:
    """One file imported (or refused) and its report printed; (the report, whether it went)."""
    from lagebild.actions.imports import import_file

    update, done = progress_printer(path)
    outcome = import_file(store, path, options, progress=update)
    done()
    report = outcome.report
    if outcome.refused:
        if fmt == "text":
            print_problems(report, verbose, err=True)
            print_place_changes(report, err=True)
            click.echo(
                f"{report.file}: {report.error_count} error(s), "
                f"{report.warning_count} warning(s): nothing was imported",
                err=True,
            )
            if report.kind:
                click.echo(recognition(report), err=True)
        return report, False
    if fmt == "text":
        print_problems(report, verbose, err=False)
        for line in mapping_lines(report):
            click.echo(line)
        click.echo(summary(report))
        print_place_changes(report, err=False)
    return report, True


def _undo(ctx: click.Context, import_id: int, why: str | None) -> None:
    from lagebild.actions.imports import undo_import

    removed = undo_import(open_store(ctx), import_id, why)
    what = ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in removed.items() if n)
    click.echo(
        f"import #{import_id} undone: {what or 'nothing'} removed; its record stays, marked undone"
    )
