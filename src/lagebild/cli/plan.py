"""``plan``: where the next trucks should go, as a linear programme over the planning inputs
(docs/plan.md), beside the greedy plan of today."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import click

from lagebild.analysis.plan_instance import Scenario
from lagebild.cli.common import DATE, FORMAT, LEVELS, emit, level_number, open_store
from lagebild.cli.picture import MODEL_OPTION

#: What the tables' "In need" and "Covered" are.
SUMMED = ("In need and Covered are summed over the sectors: a person in need of food and of "
          "water counts twice.")


def _summary(data: dict[str, Any]) -> list[str]:
    best, today = data["objective"], data["greedy_objective"]
    lines = [
        f"Plan on {data['as_of']} for {data['weeks']} weeks: {data['status']}",
    ]
    if best is not None:
        gain = f" (+{(best - today) / today:.0%})" if today else ""
        lines.append(
            f"Priority-weighted people covered: {best:,.0f} optimal, {today:,.0f} greedy{gain}"
        )
    return lines


def _echo_table(data: dict[str, Any]) -> None:
    from lagebild.publish import render, tables

    for line in _summary(data):
        click.echo(line)
    if data["objective"] is None:
        return
    click.echo()
    click.echo(SUMMED)
    click.echo()
    click.echo(render.to_table(tables.PLAN_ACCESS, data["by_access"],
                               "People covered a week by access, summed over sectors"),
               nl=False)  # fmt: skip
    click.echo()
    click.echo(render.to_table(tables.PLAN_PLACES, data["places"],
                               "Places: people in need and covered a week, summed over sectors"),
               nl=False)  # fmt: skip
    click.echo()
    click.echo(render.to_table(tables.PLAN_SHIPMENTS, _named(data), "Shipments"), nl=False)
    solved = [b for b in data["binding"] if b["one_more"] is not None] or data["binding"][:8]
    if solved:
        click.echo("\nWhat limits the plan (the dearest first; --format json lists every one):")
        for b in solved:
            click.echo(f"- {b['meaning']}")


def _named(data: dict[str, Any]) -> list[dict[str, Any]]:
    names = {p["pcode"]: p["name"] for p in data["instance"]["places"]}
    return [{**s, "name": names.get(s["pcode"])} for s in data["shipments"]]


@click.command()
@click.option("--as-of", "as_of", type=DATE, help="The plan's date (default: the newest data).")
@click.option("--weeks", type=click.IntRange(1, 52), default=4, show_default=True)
@click.option("--level", type=LEVELS, default="adm4", show_default=True,
              help="The places planned for.")  # fmt: skip
@click.option("--format", "fmt", type=FORMAT, default="table", show_default=True,
              help="JSON: everything, with the instance; CSV and HXL: the shipments.")  # fmt: skip
@MODEL_OPTION
@click.option("--whole-trucks", is_flag=True,
              help="Send whole trucks only (a mixed-integer programme; no shadow prices).")
@click.option("--equity-floor", type=click.FloatRange(0, 1), default=0.0,
              help="Cover at least this share of every place's need each week, or fail.")
@click.option("--replenish", is_flag=True,
              help="Each warehouse's stock arrives again every week.")
@click.option("--hard-to-reach-trucks", type=click.FloatRange(min=0), default=2.0,
              show_default=True,
              help="Trucks a week into a hard-to-reach place without a place limit.")
@click.option("--deny-convoy", "denied", multiple=True, metavar="CODE",
              help="Scenario: this approved convoy is denied (repeat for several).")
@click.option("--close-route", "closed", multiple=True, metavar="NAME",
              help="Scenario: no truck on this route (a crossing closed; repeat for several).")
@click.option("--warehouse-trucks", "trucks", multiple=True, metavar="NAME=N",
              help="Scenario: this warehouse dispatches N trucks a week.")
@click.option("--save", "save_as", metavar="NAME",
              help="Keep the plan under this name, to compare (`lagebild plans compare`).")
@click.option("--note", metavar="TEXT", help="What the saved plan's scenario is.")
@click.option("--replace", is_flag=True, help="With --save: replace a plan of that name.")
@click.option("--instance", "instance_file", type=click.Path(path_type=Path, dir_okay=False,
              exists=True), metavar="FILE",
              help="Solve again the instance of a plan's JSON (no database needed).")
@click.pass_context
def plan(
    ctx: click.Context,
    as_of: date | None,
    weeks: int,
    level: str,
    fmt: str,
    model: str | None,
    whole_trucks: bool,
    equity_floor: float,
    replenish: bool,
    hard_to_reach_trucks: float,
    denied: tuple[str, ...],
    closed: tuple[str, ...],
    trucks: tuple[str, ...],
    save_as: str | None,
    note: str | None,
    replace: bool,
    instance_file: Path | None,
) -> None:
    """Plan the next weeks' deliveries: which warehouse sends which items to which place each
    week, maximising people in need covered weighted by priority, within stock, trucks and
    access (approved convoys into besieged places, limits into hard-to-reach ones). Beside it,
    the greedy plan: highest priority first, nearest warehouse first."""
    from lagebild.analysis.plan import Instance, Options
    from lagebild.analysis.plan_report import plan_report
    from lagebild.publish import tables

    options = Options(whole_trucks, equity_floor, replenish)
    scenario = Scenario(denied, closed, _trucks(trucks))
    if instance_file is not None:
        saved = json.loads(instance_file.read_text(encoding="utf-8"))
        instance = Instance.from_dict(saved.get("as_of", ""), saved.get("weeks", weeks),
                                      saved.get("instance", saved))  # fmt: skip
        data = plan_report(instance)
        data["scenario"] = scenario.as_dict()
    else:
        data = _plan(ctx, as_of, weeks, level, model, options, hard_to_reach_trucks, scenario)
    if save_as:
        _save(ctx, save_as, note, replace, data)
    if fmt == "table":
        _echo_table(data)
        return
    emit(fmt, data, tables.PLAN_SHIPMENTS, _named(data), "")


def _trucks(given: tuple[str, ...]) -> dict[str, float]:
    out = {}
    for text in given:
        name, _, number = text.rpartition("=")
        try:
            out[name.strip()] = float(number)
        except ValueError:
            raise click.BadParameter(f"{text!r}: give NAME=N, N trucks a week",
                                     param_hint="--warehouse-trucks") from None  # fmt: skip
        if not name.strip() or out[name.strip()] < 0:
            raise click.BadParameter(f"{text!r}: give NAME=N, N trucks a week (N >= 0)",
                                     param_hint="--warehouse-trucks")  # fmt: skip
    return out


def _save(ctx: click.Context, name: str, note: str | None, replace: bool,
          data: dict[str, Any]) -> None:  # fmt: skip
    from lagebild.actions.plans import save

    kept = save(open_store(ctx), name, data, ctx.obj.get("user"), note, replace)
    click.echo(f"Saved the plan as {kept!r}", err=True)


def _plan(ctx: click.Context, as_of: date | None, weeks: int, level: str,
          model: str | None, options: Any, hard_to_reach: float,
          scenario: Scenario) -> dict[str, Any]:  # fmt: skip
    from lagebild.actions.plans import make_plan
    from lagebild.analysis.priorities import load_model
    from lagebild.cli.picture import picture_date

    store = open_store(ctx)
    when, _ = picture_date(store, as_of, "json")
    return make_plan(store, when, weeks, level_number(level),
                     load_model(model) if model else None, options, hard_to_reach,
                     scenario)  # fmt: skip


def _basket_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for g in data["governorates"]:
        best, ref = g["cheapest"], g["reference"]
        rows.append({
            "governorate": g["governorate"],
            "prices_to": g["prices_to"],
            "cheapest_day": best["cost_per_person_day"] if best else None,
            "cheapest_month": best["cost_family_month"] if best else None,
            "reference_day": ref["cost_per_person_day"] if not ref["missing"] else None,
            "reference_month": ref["cost_family_month"] if not ref["missing"] else None,
            "saving": g["saving"],
            "foods": ", ".join(f"{k} {v:.0f}" for k, v in best["grams_per_day"].items())
            if best else g["status"],
            "reference_missing": ", ".join(ref["missing"]),
        })  # fmt: skip
    return rows


@click.command()
@click.option("--as-of", "as_of", type=DATE, required=True,
              help="The prices of the newest month on or before this date (at most 62 days old).")
@click.option("--prices", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              metavar="FILE",
              help="WFP market prices in HDX's columns (wfp_food_prices_<country>.csv); default: "
              "the demo's Syrian prices of December 2016 to March 2017.")
@click.option("--nutrients", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              metavar="FILE",
              help="Nutrients, the most of each food a day, the needs and the reference basket "
              "(YAML; default: the one shipped, analysis/nutrients.yml).")
@click.option("--format", "fmt", type=FORMAT, default="table", show_default=True)
def basket(as_of: date, prices: Path | None, nutrients: Path | None, fmt: str) -> None:
    """The cheapest food basket per governorate: 2,100 kcal a person a day, 10-12 % of the
    energy from protein and at least 17 % from fat, from the month's market prices, beside the
    cost of WFP's standard reference basket in the same markets."""
    from lagebild.analysis.basket import baskets
    from lagebild.publish import tables

    found = baskets(as_of, prices, nutrients)
    data = found.as_dict()
    title = (f"Food baskets on {as_of.isoformat()}, SYP a person a day "
             f"(prices: {Path(found.prices_file).name})")  # fmt: skip
    emit(fmt, data, tables.BASKET, _basket_rows(data), title)
