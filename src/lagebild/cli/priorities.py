"""``priorities``: where aid is needed first, by the priority model (docs/priorities.md)."""

from __future__ import annotations

from datetime import date

import click

from lagebild.cli.common import emit, known_sector, level_number, open_store
from lagebild.cli.picture import MODEL_OPTION, picture_date, picture_options, with_as_of_basis


@click.command()
@picture_options("adm3", "Days a delivery counts as recent (coverage, fatalities, attacks).")
@MODEL_OPTION
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=0,
    help="Show only the first N places (table format; 0 = all).",
)
@click.option(
    "--show-model",
    is_flag=True,
    help="Print the priority model (the shipped one, or --model's) as YAML and stop: a copy "
    "to change.",
)
@click.pass_context
def priorities(
    ctx: click.Context,
    as_of: date | None,
    window: int,
    level: str,
    sector: str | None,
    fmt: str,
    model: str | None,
    limit: int,
    show_model: bool,
) -> None:
    """Places ranked by priority: impact (people in need, damage), conditions (days without
    aid, coverage, fatalities) and complexity (access, attacks on aid), each indicator scored
    1-5, in categories from very low to very high. Every score explains itself in the JSON."""
    from pathlib import Path

    from lagebild.analysis.priorities import DEFAULT_MODEL, load_model
    from lagebild.analysis.priority_list import priority_list
    from lagebild.publish import render, tables

    chosen = load_model(model)
    if show_model:
        click.echo(Path(model or DEFAULT_MODEL).read_text(encoding="utf-8"), nl=False)
        return
    store = open_store(ctx)
    as_of, how = picture_date(store, as_of, fmt)
    found = priority_list(
        store, as_of, window, level_number(level),
        known_sector(store, sector), chosen,
    )  # fmt: skip
    rows = render.priority_rows(found)
    if fmt == "table" and limit:
        rows = rows[:limit]
    counts = found.counts()
    title = (
        f"Priorities on {as_of.isoformat()} ({level}"
        + (f", sector {sector}" if sector else "")
        + "): "
        + ", ".join(f"{n} {name}" for name, n in counts.items() if n)
    )
    columns = tables.priority_columns(found.level)
    emit(fmt, with_as_of_basis(found.as_dict(), how), columns, rows, title)
