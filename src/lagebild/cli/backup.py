"""``lagebild backup`` and ``lagebild restore``: the whole database in one file, and back."""

from __future__ import annotations

import time
from pathlib import Path

import click

from lagebild.cli.common import open_store
from lagebild.store import Store, StoreError

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


@click.command()
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

    store = open_store(ctx)
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


@click.command()
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
        store = open_store(ctx, ready=False)
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
