"""``plans``: the delivery plans saved with ``lagebild plan --save``: list, show, compare
two scenarios side by side, delete."""

from __future__ import annotations

import json
from typing import Any

import click

from lagebild.cli.common import FORMAT, emit, open_store
from lagebild.cli.plan import SUMMED


@click.group()
def plans() -> None:
    """Saved delivery plans: list them, show one, compare two scenarios, delete one."""


@plans.command("list")
@click.option("--format", "fmt", type=FORMAT, default="table", show_default=True)
@click.pass_context
def list_(ctx: click.Context, fmt: str) -> None:
    """The saved plans, newest first."""
    from lagebild.publish import tables
    from lagebild.store.plans import saved_plans

    rows = [
        {"name": p.name, "as_of": p.as_of.isoformat(), "weeks": p.weeks,
         "objective": p.objective, "saved_at": p.saved_at.isoformat(sep=" "),
         "saved_by": p.saved_by, "note": p.note}
        for p in saved_plans(open_store(ctx))
    ]  # fmt: skip
    emit(fmt, {"plans": rows}, tables.SAVED_PLANS, rows, f"{len(rows)} saved plans")


def _report(ctx: click.Context, name: str) -> dict[str, Any]:
    from lagebild.errors import NotFound
    from lagebild.store.plans import saved_plan

    found = saved_plan(open_store(ctx), name)
    if found is None:
        raise NotFound(f"no plan saved as {name!r} (lagebild plans list)")
    data: dict[str, Any] = json.loads(found.report)
    data["name"] = found.name
    return data


@plans.command()
@click.argument("name")
@click.pass_context
def show(ctx: click.Context, name: str) -> None:
    """A saved plan's whole report, as JSON (the instance included)."""
    from lagebild.publish import render

    click.echo(render.to_json(_report(ctx, name)), nl=False)


@plans.command()
@click.argument("first")
@click.argument("second")
@click.option("--format", "fmt", type=FORMAT, default="table", show_default=True,
              help="JSON: both sides by access and by place; CSV and HXL: by place.")
@click.pass_context
def compare(ctx: click.Context, first: str, second: str, fmt: str) -> None:
    """Two saved plans side by side: people covered a week by access status and by place."""
    from lagebild.analysis.plan_compare import compare as side_by_side
    from lagebild.publish import render, tables

    data = side_by_side(_report(ctx, first), _report(ctx, second))
    if fmt != "table":
        emit(fmt, data, tables.PLAN_COMPARISON, data["places"], "")
        return
    one, two = data["first"]["objective"], data["second"]["objective"]
    click.echo(f"{first!r} against {second!r}: priority-weighted people covered "
               f"{one or 0:,.0f} and {two or 0:,.0f}")  # fmt: skip
    click.echo(SUMMED)
    click.echo()
    click.echo(render.to_table(tables.PLAN_COMPARISON_ACCESS, data["by_access"],
                               "People covered a week by access, summed over sectors"),
               nl=False)  # fmt: skip
    click.echo()
    changed = [p for p in data["places"] if abs(p["difference"]) > 0.5]
    click.echo(render.to_table(tables.PLAN_COMPARISON, changed,
                               f"Places covered differently ({len(changed)}), summed over "
                               "sectors"), nl=False)  # fmt: skip


@plans.command()
@click.argument("name")
@click.pass_context
def delete(ctx: click.Context, name: str) -> None:
    """Forget a saved plan."""
    from lagebild.errors import NotFound
    from lagebild.store.plans import delete_plan

    if not delete_plan(open_store(ctx), name):
        raise NotFound(f"no plan saved as {name!r}")
    click.echo(f"Deleted the plan {name!r}")
