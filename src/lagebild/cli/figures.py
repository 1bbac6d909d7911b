"""``lagebild figures``: a place's figures, their conflicts, checks and series."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from lagebild.cli.common import DATE, FORMAT, emit, open_store


@click.command()
@click.argument("pcode", required=False)
@click.option(
    "--conflicts",
    "show_conflicts",
    is_flag=True,
    help="List contradicting figures: values for the same place, indicator, sector "
    "and month from 2+ sources more than --share apart.",
)
@click.option(
    "--check",
    "show_checks",
    is_flag=True,
    help="Run the consistency checks on the current figures of --as-of.",
)
@click.option(
    "--share",
    type=click.FloatRange(0, 1, max_open=True),
    default=0.2,
    show_default=True,
    help="How far apart values contradict, as a share of the larger.",
)
@click.option(
    "--indicator",
    metavar="NAME",
    help="people_in_need, population, displaced, returnees, besieged, hard_to_reach.",
)
@click.option("--pcode", "place", metavar="PCODE", help="This place and the places below it.")
@click.option("--from", "date_from", type=DATE, help="Figures dated on or after this date.")
@click.option("--to", "date_to", type=DATE, help="Figures dated on or before this date.")
@click.option(
    "--as-of",
    "as_of",
    type=DATE,
    help="Date of the checks and of the current figure (default: the end of the data).",
)
@click.option("--format", "fmt", type=FORMAT, default="table", show_default=True)
@click.option(
    "--by",
    type=click.Choice(["gender", "age", "population-group"]),
    help="With PCODE: the place's figures and those disaggregated by this dimension only.",
)
@click.pass_context
def figures(
    ctx: click.Context,
    pcode: str | None,
    show_conflicts: bool,
    show_checks: bool,
    share: float,
    indicator: str | None,
    place: str | None,
    date_from: date | None,
    date_to: date | None,
    as_of: date | None,
    fmt: str,
    by: str | None,
) -> None:
    """Every value of every source for a place side by side with the spread (PCODE), the
    contradicting figures (--conflicts), or the consistency checks (--check). A place's figures
    come first; its disaggregated ones (gender, age, population group, disability) follow, each
    series on its own (--by: only those by one dimension)."""
    from lagebild.analysis import trust
    from lagebild.store import listing

    if sum((bool(pcode), show_conflicts, show_checks)) != 1:
        raise click.ClickException("give one of: a PCODE, --conflicts or --check")
    store = open_store(ctx)
    if show_conflicts:
        found = trust.conflicts(store, share, indicator, place, date_from, date_to)
        _emit_conflicts(fmt, found, share)
    elif show_checks:
        when = as_of or listing.latest_date(store) or date.today()
        findings = trust.checks(store, when)
        _emit_findings(fmt, findings, when)
    else:
        assert pcode is not None
        series = trust.side_by_side(
            store, pcode, as_of or date_to, indicator, date_from,
            by=by.replace("-", "_") if by else None,
        )  # fmt: skip
        _emit_series(fmt, pcode, series)


def _emit_conflicts(fmt: str, found: list[Any], share: float) -> None:
    from lagebild.publish import tables

    rows = []
    for c in found:
        low, high, rel = c.spread.low, c.spread.high, c.spread.relative
        for value in c.as_dict()["values"]:
            rows.append(
                {
                    "month": c.month,
                    "spread": f"{low:,.0f}..{high:,.0f} ({rel:.0%})",
                    **value,
                    "current": "yes" if value["current"] else "",
                }
            )
    data = {"share": share, "conflicts": [c.as_dict() for c in found]}
    title = f"{len(found)} contradiction(s): values more than {share:.0%} apart"
    emit(fmt, data, tables.FIGURE_CONFLICTS, rows, title)


def _emit_findings(fmt: str, findings: list[Any], when: date) -> None:
    from lagebild.publish import tables

    data = {"as_of": when.isoformat(), "findings": [f.as_dict() for f in findings]}
    if fmt == "table":
        click.echo(f"{len(findings)} finding(s) on {when.isoformat()}")
        for f in findings:
            click.echo(f"{f.code}: {f.message}")
        return
    rows = [
        {"code": f.code, "pcode": f.pcode, "indicator": f.indicator, "message": f.message}
        for f in findings
    ]
    emit(fmt, data, tables.FIGURE_FINDINGS, rows, "")


def _emit_series(fmt: str, pcode: str, series: list[Any]) -> None:
    from lagebild.publish import tables

    rows = []
    for s in series:
        gap = s.as_dict()["spread"]
        dims = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in s.dimensions.items() if v)
        for value in s.as_dict()["values"]:
            rows.append(
                {
                    "spread": f"{gap['min']:,.0f}..{gap['max']:,.0f} ({gap['relative']:.0%})",
                    **value,
                    "dimensions": dims or "total",
                    "current": "yes" if value["current"] else "",
                }
            )
    data = {"pcode": pcode.upper(), "series": [s.as_dict() for s in series]}
    title = f"Figures of {pcode.upper()} from every source"
    emit(fmt, data, tables.FIGURE_SERIES, rows, title)
