"""``lagebild convoy``: inter-agency convoys, requested, decided and delivered."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from lagebild.cli.common import DATE, FORMAT, LEVELS, emit, level_number, open_store
from lagebild.store.places import all_places

CONVOY_STATUS = click.Choice(
    ["requested", "approved", "partly_approved", "denied", "delivered"], case_sensitive=False
)


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


@click.group()
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
    from lagebild.actions import convoys as life

    planned = [life.parse_item(text) for text in items]
    store = open_store(ctx)
    done = life.request(
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
    from lagebild.actions import convoys as life

    if decision is None:
        raise click.UsageError("give --approved, --partly or --denied")
    store = open_store(ctx)
    done = life.decide(store, code, decision, by, on, reason=reason, trucks=trucks, people=people)
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
    from lagebild.actions import convoys as life

    came = dict(life.parse_quantity(text) for text in arrived)
    taken = dict(life.parse_quantity(text) for text in removed)
    store = open_store(ctx)
    done = life.deliver(
        store, code, on, reached, arrived=came, removed=taken, removed_by=removed_by
    )
    click.echo(_convoy_line(done))
    for item in done.items:
        if item.removed:
            click.echo(
                f"  {item.item}: {item.removed:,.0f} of {item.loaded or 0:,.0f} "
                f"{item.unit or ''} removed by {item.removed_by}".replace("  removed", " removed")
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
    from lagebild.publish import render, tables
    from lagebild.store import convoys as convoy_store

    store = open_store(ctx)
    place_ids = None
    if pcode:
        tree = analysis.PlaceTree(all_places(store))
        place = tree.get(pcode)
        if place is None:
            raise click.ClickException(f"unknown P-code {pcode!r}")
        place_ids = [i for i in tree.places if place.id in tree.ancestors(i).values()]
    found = convoy_store.convoys(
        store, place_ids=place_ids, status=status.lower() if status else None
    )
    listed = [c.as_dict() for c in found]
    for row in listed:
        row["items_text"] = render.items_text(row["items"])
    rows, columns = listed, tables.CONVOYS
    title = f"{len(rows)} convoy(s)"
    if items:
        columns = tables.CONVOYS_BY_ITEM
        # One row per item (a convoy without items: one row), the convoy's fields on each.
        rows = [{**r, **item} for r in listed for item in (r["items"] or [{}])]
    emit(fmt, {"convoys": listed}, columns, rows, title)


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

    store = open_store(ctx)
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
    from lagebild.publish import tables

    store = open_store(ctx)
    result = stats(store, date_from, date_to, level_number(level) if level else None, by)
    rows = _convoy_stats_rows(result)
    title = f"Convoys by place ({result.level or 'place of each convoy'}, per {by})"
    emit(fmt, result.as_dict(), tables.convoy_stats_columns(result.level), rows, title)
