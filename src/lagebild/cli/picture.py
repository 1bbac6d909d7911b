"""The picture: ``situation``, ``gaps``, ``places`` and ``access``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import click

from lagebild.analysis.priorities import load_model
from lagebild.cli.common import DATE, FORMAT, LEVELS, emit, known_sector, level_number, open_store
from lagebild.cli.incidents import echo_period_incidents, period_incidents_json
from lagebild.model import parse_level
from lagebild.store import Store
from lagebild.store.places import all_places


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
    from lagebild.publish import tables

    listed = by_place(open_store(ctx), as_of, by, places, sector)
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
    columns = tables.breakdown_columns(by, BY[by])
    data = {**data, "disaggregation": {"by": by, "places": listed}}
    title = (
        f"By {by.replace('-', ' ')} on {as_of.isoformat()}: {len(listed)} of {len(places)} "
        "places carry it; the total is the place's figure"
    )
    emit(fmt, data, columns, rows, title)


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


def picture_date(store: Store, as_of: date | None, fmt: str) -> tuple[date, str]:
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


def with_as_of_basis(data: dict[str, Any], how: str) -> dict[str, Any]:
    """The JSON of a picture with ``as_of_basis`` (how the date was chosen) after ``as_of``."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        out[key] = value
        if key == "as_of":
            out["as_of_basis"] = how
    return out
MODEL_OPTION = click.option(
    "--model",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="The priority model's weights and thresholds (YAML; default: the one shipped, which "
    "`lagebild priorities --show-model` prints).",
)
BY_OPTION = click.option(
    "--by",
    type=click.Choice(["gender", "age", "population-group"]),
    help="Also list, per place, people in need (and population) by gender, age range or "
    "population group beside the total, where the data carries it.",
)


@click.command()
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
    from lagebild.publish import render, tables

    store = open_store(ctx)
    as_of, how = picture_date(store, as_of, fmt)
    result = analysis.situation(
        store, as_of, window, level_number(level), known_sector(store, sector)
    )
    places = [(r.pcode, r.name) for r in result.places]
    if result.total is not None and result.total.pcode:
        places.append((result.total.pcode, result.total.name))
    if by and fmt != "table":
        _emit_breakdown(
            ctx, fmt, by, as_of, places, result.sector or "",
            with_as_of_basis(result.as_dict(), how),
        )
        return
    rows = render.situation_rows(result)
    title = f"Situation on {as_of.isoformat()} ({level}, window {window} days" + (
        f", sector {sector})" if sector else ")"
    )
    columns = tables.situation_columns(result.level, result.damage_units)
    emit(fmt, with_as_of_basis(result.as_dict(), how), columns, rows, title)
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


@click.command()
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
    "the priority model, in which access, time without aid, need, incidents and damage count "
    "(docs/priorities.md).",
)
@BY_OPTION
@MODEL_OPTION
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
    model: str | None,
) -> None:
    """Places ranked by gap: cut-off places first by people in need, then by coverage; or, with
    --rank severity, by priority (access, time without aid, need, incidents, damage)."""
    from lagebild import analysis
    from lagebild.publish import render, tables

    store = open_store(ctx)
    as_of, how = picture_date(store, as_of, fmt)
    result = analysis.gaps(
        store, as_of, window, level_number(level), known_sector(store, sector),
        rank=rank, model=load_model(model) if model else None,
    )
    places = [(r.pcode, r.name) for r in result.places]
    if by and fmt != "table":
        _emit_breakdown(
            ctx, fmt, by, as_of, places, result.sector or "",
            with_as_of_basis(result.as_dict(), how),
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
        f"{people:,.0f} people in need in them; {len(result.no_data)} without data"
    )
    columns = tables.gap_columns(result.level, severity=rank == "severity")
    emit(fmt, with_as_of_basis(result.as_dict(), how), columns, rows, title)
    if by:
        click.echo()
        _emit_breakdown(ctx, fmt, by, as_of, places[:limit] if limit else places,
                        result.sector or "", {})  # fmt: skip


@click.command()
@click.option("--level", type=LEVELS, help="Only places of this level.")
@click.option("--search", metavar="TEXT", help="P-code or part of the English or Arabic name.")
@click.option("--format", "fmt", type=FORMAT, default="table", show_default=True)
@click.pass_context
def places(ctx: click.Context, level: str | None, search: str | None, fmt: str) -> None:
    """List the places of the gazetteer."""
    from lagebild.publish import render, tables

    store = open_store(ctx)
    found = all_places(store)
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
    emit(fmt, {"places": rows}, tables.place_columns(), rows, f"{len(rows)} places")


@click.command()
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

    store = open_store(ctx)
    tree = analysis.PlaceTree(all_places(store))
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
                    "incidents": period_incidents_json(by_period, tree),
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
        echo_period_incidents(group, tree)
    if as_of:
        if on is None:
            click.echo(f"on {as_of.isoformat()}: unknown")
        else:
            via = f" (as part of {on.inherited_from})" if on.inherited_from else ""
            party = f" by {on.party}" if on.party else ""
            click.echo(
                f"on {as_of.isoformat()}: {on.status}{party} since {on.since.isoformat()}{via}"
            )
