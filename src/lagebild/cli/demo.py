"""``lagebild demo``: build the demonstration database, show its picture, serve it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from lagebild.cli.common import DATE, LEVELS, level_number, open_store
from lagebild.cli.evidence import demo_evidence
from lagebild.cli.picture import situation
from lagebild.cli.reports import summary
from lagebild.cli.serve import check_exposure, run_server, serve_options
from lagebild.store.summary import row_counts


@click.command()
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
    open_: bool,
    allowed_hosts: tuple[str, ...],
) -> None:
    """Build the demonstration database (Syria, early 2017), show its situation picture and
    serve the dashboard.

    Without --db it is built afresh in ./lagebild-demo.db.
    """
    from lagebild import analysis
    from lagebild.demo import AS_OF, build_demo
    from lagebild.ingest import ImportFailed
    from lagebild.publish import render, tables

    if not no_serve:  # the demo has no accounts: refused on the network before it is built
        check_exposure(host, open_, "auto", has_accounts=False)
        ctx.obj["exposure"] = {"open": open_, "allowed_hosts": allowed_hosts}
    if not ctx.obj["db"]:
        target = Path("lagebild-demo.db")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        ctx.obj["db"] = str(target)
    store = open_store(ctx, ready=False, create=True)
    if row_counts(store)["places"]:
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
        click.echo(summary(report))
    demo_evidence(store)
    when = as_of or AS_OF
    click.echo(f"\ndemo database: {store.url}\n")
    result = analysis.situation(store, when, 30, level_number(level))
    ctx.invoke(situation, as_of=when, window=30, level=level, sector=None, fmt="table")
    gap = analysis.gaps(store, when, 30, 4)
    cut = gap.cut_off
    people = sum(r.people_in_need.value for r in cut if r.people_in_need)
    click.echo(
        f"\n{len(cut)} communities cut off on {when.isoformat()}, "
        f"{people:,.0f} people in need in them:"
    )
    rows = render.gap_rows(gap)[: max(len(cut), 5)]
    click.echo(render.to_table(tables.gap_columns(gap.level), rows), nl=False)
    del result
    if not no_serve:
        click.echo("")
        run_server(ctx, host, port, tile_url)
