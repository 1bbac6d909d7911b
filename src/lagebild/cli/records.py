"""Records and trust: ``sources``, ``history``, ``edit``, ``delete`` and ``explain``."""

from __future__ import annotations

from datetime import date

import click

from lagebild.cli.common import DATE, FORMAT, emit, known_sector, open_store


@click.group(invoke_without_command=True)
@click.option("--format", "fmt", type=FORMAT, default="table", show_default=True)
@click.pass_context
def sources(ctx: click.Context, fmt: str) -> None:
    """The source register: each source's kind, Admiralty grade (such as B2, or unrated) and how
    many figures, deliveries and access rows it gave; records without a source are unsourced.

    'lagebild sources grade NAME --reliability B --credibility 2 [--kind ngo]' grades a source.
    """
    if ctx.invoked_subcommand is not None:
        return
    from lagebild.model import Source
    from lagebild.publish import tables
    from lagebild.store.trust import source_register

    rows = [
        {
            "source": r.name,
            "kind": r.kind,
            "grade": Source(0, r.name, r.kind, r.reliability, r.credibility).grade
            if r.id is not None
            else "unsourced",
            "reliability": r.reliability,
            "credibility": r.credibility,
            "figures": r.figures,
            "deliveries": r.deliveries,
            "access": r.access,
        }
        for r in source_register(open_store(ctx))
    ]
    emit(fmt, {"sources": rows}, tables.SOURCES, rows, f"{len(rows) - 1} sources")


@sources.command("grade")
@click.argument("name")
@click.option(
    "--reliability",
    type=click.Choice(list("ABCDEF"), case_sensitive=False),
    help="Admiralty source reliability: A (completely reliable) .. E (unreliable), F (cannot "
    "be judged).",
)
@click.option(
    "--credibility",
    type=click.IntRange(1, 6),
    help="Admiralty information credibility: 1 (confirmed) .. 5 (improbable), 6 (cannot be "
    "judged).",
)
@click.option(
    "--kind",
    metavar="KIND",
    help="un_agency, ngo, cluster, government, "
    "party_to_conflict, first_responders, media or individual.",
)
@click.option("--why", metavar="TEXT", help="Why the grade changes (kept in the audit trail).")
@click.pass_context
def sources_grade(
    ctx: click.Context,
    name: str,
    reliability: str | None,
    credibility: int | None,
    kind: str | None,
    why: str | None,
) -> None:
    """Set the Admiralty grade (and kind) of a source; the current-figure rule uses it at once."""
    from lagebild.actions.records import grade_source, source_kind

    wanted_kind = source_kind(kind) if kind else None
    if reliability is None and credibility is None and wanted_kind is None:
        raise click.ClickException("give --reliability, --credibility or --kind")
    store = open_store(ctx)
    graded = grade_source(store, name, reliability, credibility, wanted_kind, why)
    click.echo(f"{graded.name}: {graded.grade}" + (f", {graded.kind}" if graded.kind else ""))


# -- the audit trail -------------------------------------------------------------------------------

RECORD_KINDS = click.Choice(["figure", "access", "delivery"])


@click.command()
@click.argument("pcode", required=False)
@click.option("--only", is_flag=True, help="Only the place itself, not the places below it.")
@click.option(
    "--kind",
    "record_kind",
    metavar="KIND",
    help="Only changes of this record kind (figure, access, delivery, source, import, ...).",
)
@click.option("--record", "record_id", type=int, metavar="ID", help="Only this record's changes.")
@click.option("--by", "actor", metavar="NAME", help="Only changes made by this person.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many, newest first.")
@click.option("--format", "fmt", type=FORMAT, default="table", show_default=True)
@click.pass_context
def history(
    ctx: click.Context,
    pcode: str | None,
    only: bool,
    record_kind: str | None,
    record_id: int | None,
    actor: str | None,
    limit: int | None,
    fmt: str,
) -> None:
    """The audit trail: every import, undo, edit, deletion and grade change, with who, when,
    what it was before and after, and why. With PCODE: the changes of that place and the places
    below it, newest first.
    """
    from lagebild.analysis.changes import change_row, place_history
    from lagebild.publish import tables
    from lagebild.store.audit import history as all_history

    store = open_store(ctx)
    title = "all changes"
    if pcode:
        place, changes = place_history(store, pcode, below=not only)
        title = f"changes of {place.pcode} {place.name('en')}" + ("" if only else " and below")
        changes = [
            c
            for c in changes
            if (record_kind is None or c.record_kind == record_kind)
            and (record_id is None or c.record_id == record_id)
            and (actor is None or c.actor == actor)
        ][:limit]
    else:
        changes = all_history(
            store, record_kind=record_kind, record_id=record_id, actor=actor, limit=limit
        )
    rows = [change_row(c) for c in changes]
    emit(fmt, {"changes": rows}, tables.HISTORY, rows, f"{title}: {len(rows)}")


@click.command()
@click.argument("kind", type=RECORD_KINDS)
@click.argument("record_id", type=int)
@click.argument("assignments", nargs=-1, required=True)
@click.option("--why", required=True, metavar="TEXT", help="Why (kept in the audit trail).")
@click.pass_context
def edit(
    ctx: click.Context, kind: str, record_id: int, assignments: tuple[str, ...], why: str
) -> None:
    """Change one stored figure, access change or delivery: FIELD=VALUE ... (such as
    value=12000 or status=besieged). The audit trail keeps what it was.

    A figure's own grade overrides its source's: 'lagebild edit figure 17 reliability=C
    credibility=3 --why "..."' (empty values return it to the source's grade).
    """
    from lagebild.actions.records import edit_record

    edited = edit_record(open_store(ctx), kind, record_id, assignments, why)
    before, after = edited.before, edited.after
    click.echo(
        f"{kind} #{record_id}: "
        + (
            ", ".join(f"{k} {before.get(k)} -> {after.get(k)}" for k in edited.changed)
            or "unchanged"
        )
    )


@click.command()
@click.argument("kind", type=RECORD_KINDS)
@click.argument("record_id", type=int)
@click.option("--why", required=True, metavar="TEXT", help="Why (kept in the audit trail).")
@click.pass_context
def delete(ctx: click.Context, kind: str, record_id: int, why: str) -> None:
    """Delete one stored figure, access change or delivery. The audit trail keeps all of it; an
    import's record is never deleted ('import --undo' takes a whole import back)."""
    from lagebild.actions.records import delete_record

    delete_record(open_store(ctx), kind, record_id, why)
    click.echo(f"{kind} #{record_id} deleted; 'lagebild history --record {record_id}' shows it")


@click.command()
@click.option("--as-of", "as_of", type=DATE, required=True, help="Date of the number.")
@click.option(
    "--window",
    type=click.IntRange(min=1),
    default=30,
    show_default=True,
    help="Days a delivery counts as recent (for reached).",
)
@click.option("--pcode", required=True, metavar="PCODE", help="The place.")
@click.option(
    "--indicator",
    required=True,
    type=click.Choice(
        ["people_in_need", "population", "displaced", "besieged", "hard_to_reach", "reached"]
    ),
)
@click.option("--sector", metavar="S", help="One sector (people in need and reached).")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_context
def explain(
    ctx: click.Context,
    as_of: date,
    window: int,
    pcode: str,
    indicator: str,
    sector: str | None,
    fmt: str,
) -> None:
    """The records behind a number of situation or gaps: source, import, file and row of each,
    and the rule that combined them."""
    from lagebild.analysis import trust
    from lagebild.publish.render import to_json

    store = open_store(ctx)
    result = trust.explain(
        store, as_of, pcode, indicator, window, known_sector(store, sector)
    )
    if fmt == "json":
        click.echo(to_json(result.as_dict()), nl=False)
    else:
        click.echo("\n".join(trust.explanation_lines(result)))
