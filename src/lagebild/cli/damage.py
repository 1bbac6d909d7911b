"""``lagebild damage``: building damage per place, or the damage rows as stored."""

from __future__ import annotations

from datetime import date

import click

from lagebild.cli.common import DATE, FORMAT, LEVELS, emit, level_number, open_store
from lagebild.store import Store
from lagebild.store.places import all_places


@click.command()
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
    from lagebild.publish import render, tables

    store = open_store(ctx)
    when = as_of or date.today()
    if as_list:
        _list_damage(store, fmt, when, pcode, unit)
        return
    if changes:
        found = damage_changes(store, when, level_number(level), pcode, unit)
        rows = [c.as_dict() for c in found]
        data = {
            "as_of": when.isoformat(),
            "level": level,
            "unit": unit,
            "changes": rows,
        }
        title = f"Damage: changes between assessments up to {when.isoformat()} ({level})"
        emit(fmt, data, tables.damage_change_columns(level), rows, title)
        return
    result = damage_by_place(store, when, level_number(level), pcode, unit)
    title = f"Damage on {when.isoformat()} ({level}); damage total = destroyed + severe + moderate"
    emit(fmt, result.as_dict(), tables.damage_columns(level), render.damage_rows(result), title)


def _list_damage(
    store: Store, fmt: str, when: date, pcode: str | None, unit: str | None
) -> None:
    from lagebild.analysis.tree import PlaceTree
    from lagebild.publish import tables
    from lagebild.store.damage import damage_rows

    place_ids = None
    if pcode:
        tree = PlaceTree(all_places(store))
        place = tree.get(pcode)
        if place is None:
            raise click.ClickException(f"unknown P-code {pcode!r}")
        place_ids = [i for i in tree.places if place.id in tree.ancestors(i).values()]
    rows = damage_rows(store, when, place_ids, unit)
    title = f"{len(rows):,} damage rows on or before {when.isoformat()}"
    emit(fmt, {"as_of": when.isoformat(), "rows": rows}, tables.DAMAGE_LIST, rows, title)
