"""``lagebild incidents`` and ``lagebild presence``: security incidents and who works where."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

import click

from lagebild.cli.common import DATE, FORMAT, LEVELS, emit, known_sector, open_store
from lagebild.store import Store

PERIOD_INCIDENTS_SHOWN = 5


def _incident_line(row: Any, tree: Any) -> str:
    place = tree.places.get(row.place_id) if row.place_id is not None else None
    what = row.event_type + (f" ({row.sub_event_type})" if row.sub_event_type else "")
    where = row.location or (place.name("en") if place else "an unknown place")
    killed = f", {row.fatalities} killed" if row.fatalities else ""
    aid = ", attack on aid" if row.attack_on_aid else ""
    return f"{row.date.isoformat()} {what or 'incident'} at {where}{killed}{aid}"


def echo_period_incidents(group: Any, tree: Any) -> None:
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


def period_incidents_json(by_period: Any, tree: Any) -> list[dict[str, Any]]:
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


@click.command()
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
@click.option(
    "--counted",
    is_flag=True,
    help="List the conflict events other sources counted per place, period and type (HDX "
    "HAPI's conflict events, imported), kept apart from the incidents; --from and --to keep "
    "the periods within them.",
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
    counted: bool,
    unplaced: bool,
    limit: int | None,
    fmt: str,
) -> None:
    """Conflict incidents per place and period: events by type, fatalities and attacks on aid,
    rolled up the place tree; or, with --list, the events and how each was placed; or, with
    --counted, the counts of events other sources made (HDX HAPI's), which are never added to
    the incidents."""
    from lagebild.analysis.incidents import counted_number, incident_summary

    if as_list and counted:
        raise click.UsageError("--list and --counted are two lists: give one")
    if (unplaced or limit) and not as_list:
        raise click.UsageError("--unplaced and --limit go with --list")
    if unplaced and pcode:
        raise click.UsageError("--unplaced lists the events no place holds: drop --place")
    store = open_store(ctx)
    if as_list:
        _list_incidents(fmt, store, pcode, date_from, date_to, unplaced, limit)
        return
    if counted:
        _list_counted(fmt, store, pcode, date_from, date_to)
        return
    summary = incident_summary(store, pcode, date_from, date_to, level)
    apart = counted_number(store, pcode, date_from, date_to)
    _emit_incident_summary(fmt, summary, apart)


@click.command()
@click.option("--place", "pcode", metavar="PCODE", help="This place and the places below it.")
@click.option(
    "--level",
    type=LEVELS,
    help="One row per place of this level (default: governorates, or the level below --place).",
)
@click.option("--organisation", metavar="NAME", help="Only this organisation (any case).")
@click.option("--sector", metavar="SECTOR", help="Only this sector (a cluster code or name).")
@click.option(
    "--modality", metavar="MODALITY", help="Only deliveries of this modality (no 3W listing)."
)
@click.option("--status", metavar="STATUS", help="Only deliveries of this status (no 3W listing).")
@click.option("--month", metavar="YYYY-MM", help="Only the deliveries and 3W rows of a month.")
@click.option("--from", "date_from", type=DATE, help="Only from this date (YYYY-MM-DD).")
@click.option("--to", "date_to", type=DATE, help="Only until this date (YYYY-MM-DD).")
@click.option("--format", "fmt", type=FORMAT, default="table", show_default=True)
@click.pass_context
def presence(
    ctx: click.Context,
    pcode: str | None,
    level: str | None,
    organisation: str | None,
    sector: str | None,
    modality: str | None,
    status: str | None,
    month: str | None,
    date_from: date | None,
    date_to: date | None,
    fmt: str,
) -> None:
    """Who does what where: organisations per place and sector, as /presence shows them.

    From the deliveries of the 4W (activities reported, with activities and people reached)
    and the rows of a 3W (listed as present: dated in the period or undated; organisations
    only, never people reached). A filter by modality or status keeps no 3W row. Presence
    never counts as a delivery in gaps. The JSON is /api/presence's.
    """
    from lagebild.analysis.presence import who_does_what_where
    from lagebild.publish.render import presence_rows
    from lagebild.publish.tables import presence_columns

    store = open_store(ctx)
    where = _presence_filter(
        organisation, known_sector(store, sector), modality, status, month, date_from, date_to
    )
    result = who_does_what_where(store, where, pcode, level)
    total = result.total.all
    title = (
        f"Who does what where, by {result.level}"
        + (f" in {result.place}" if result.place else "")
        + (f", sector {where.sector}" if where.sector is not None else "")
        + f": {total.organisations:,} organisations in {len(result.places):,} places"
        + f" ({len(total.reported):,} reported activities, {len(total.listed):,} listed as"
        + " present)"
        + (
            f"; {result.above_level:,} known only above {result.level}"
            if result.above_level
            else ""
        )
    )
    emit(fmt, result.as_dict(), presence_columns(result.level), presence_rows(result), title)


def _presence_filter(
    organisation: str | None,
    sector: str | None,
    modality: str | None,
    status: str | None,
    month: str | None,
    date_from: date | None,
    date_to: date | None,
) -> Any:
    """The filter of the options, as /api/presence reads its parameters."""
    from lagebild.model.presence import PresenceFilter
    from lagebild.model.vocab import vocabulary

    wanted_status = vocabulary("statuses").code(status) if status else None
    if status and wanted_status is None:
        raise click.BadParameter(f"unknown status {status!r}", param_hint="--status")
    starts, ends = [d for d in (date_from,) if d], [d for d in (date_to,) if d]
    if month:
        try:
            first = date.fromisoformat(f"{month}-01")
        except ValueError:
            raise click.BadParameter(
                f"{month!r} is not a month YYYY-MM", param_hint="--month"
            ) from None
        starts.append(first)
        ends.append(first.replace(day=calendar.monthrange(first.year, first.month)[1]))
    if date_from and date_to and date_to < date_from:
        raise click.BadParameter(f"{date_to} is before --from ({date_from})", param_hint="--to")
    return PresenceFilter(
        organisation=organisation.strip() if organisation else None,
        sector=sector,
        modality=(vocabulary("modalities").code(modality) or modality.strip())
        if modality
        else None,
        status=wanted_status,
        date_from=max(starts) if starts else None,
        date_to=min(ends) if ends else None,
    )


def _emit_incident_summary(fmt: str, summary: Any, apart: int) -> None:
    from lagebild.publish import tables

    columns = tables.incident_summary_columns(summary.level, summary.event_types)
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
        + (
            f"\n{apart:,} counts of events by other sources are kept apart: --counted"
            if apart
            else ""
        )
    )
    emit(fmt, summary.as_dict(), columns, rows, title)


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
    from lagebild.publish import tables

    tree, found = incidents_at(store, pcode, date_from, date_to, unplaced=unplaced, limit=limit)
    rows = [incident_dict(r, tree) for r in found]
    columns = tables.INCIDENT_LIST
    if fmt == "table":  # two decimals read better than the table's whole numbers
        for row in rows:
            for key in ("confidence", "distance_km"):
                row[key] = None if row[key] is None else f"{row[key]:.2f}"
    title = f"{len(rows):,} incident(s)" + (f" in {pcode.upper()} and below" if pcode else "")
    emit(fmt, {"place": pcode.upper() if pcode else None, "incidents": rows}, columns, rows, title)


def _list_counted(
    fmt: str, store: Store, pcode: str | None, date_from: date | None, date_to: date | None
) -> None:
    from lagebild.analysis.incidents import counted_at, event_count_dict
    from lagebild.publish import tables

    tree, found = counted_at(store, pcode, date_from, date_to)
    rows = [event_count_dict(c, tree) for c in found]
    data = {"place": pcode.upper() if pcode else None, "counts": rows}
    # A terminal's 80 columns: the sources said once above the table.
    sources = sorted({c.source or "(none)" for c in found})
    title = (
        f"{len(rows):,} count(s) of conflict events by other sources"
        + (f" in {pcode.upper()} and below" if pcode else "")
        + f": {sum(c.events for c in found):,} events,\nnever added to the incidents"
        + (f"; source: {', '.join(sources)}" if sources else "")
    )
    emit(fmt, data, tables.EVENT_COUNT_LIST, rows, title)
