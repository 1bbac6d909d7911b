"""``lagebild evidence``: photos and videos, registered, linked and verified."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from lagebild.cli.common import DATE, open_store
from lagebild.store import Store

EVIDENCE_STATUS = click.Choice(
    ["unverified", "corroborated", "disputed", "verified", "false"], case_sensitive=False
)


@click.group()
@click.option(
    "--folder",
    envvar="LAGEBILD_EVIDENCE",
    metavar="DIR",
    help="Where the files are kept. Default: $LAGEBILD_EVIDENCE, else evidence/ beside a SQLite "
    "database, ./lagebild-evidence for PostgreSQL.",
)
@click.pass_context
def evidence(ctx: click.Context, folder: str | None) -> None:
    """Photos and videos: register them (with the recycled-footage check), verify the stored
    files, and record who judged each item how."""
    ctx.obj["evidence_folder"] = folder


def demo_evidence(store: Store) -> None:
    """Illustrative pictures for the demo, one of them recycled, and what the check says of it."""
    import tempfile

    from lagebild.evidence.demo import add_demo_evidence

    with tempfile.TemporaryDirectory(prefix="lagebild-demo-pictures-") as drawn:
        registered = add_demo_evidence(store, Path(drawn))
    click.echo(f"evidence: {len(registered)} illustrative pictures registered")
    for done in registered:
        for _, other in done.matches:
            click.echo(
                f"  recycled-footage check: item {done.item.id} ({done.item.file_name}) "
                f"matches {_first_registered(other)}"
            )


def _item_line(item: Any) -> str:
    claimed = item.claimed_date.isoformat() if item.claimed_date else "no date"
    return (
        f"{item.id:>5}  {item.kind:<5}  {item.status:<12}  {item.pcode or '-':<10}  {claimed}  "
        f"{item.source or '-'}  {item.file_name}"
    )


def _first_registered(other: Any) -> str:
    return (
        f"item {other.id}, first registered on {other.registered_at.date().isoformat()} "
        f"from {other.source or 'an unknown source'} at {other.pcode or 'an unknown place'}"
    )


@evidence.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--source", required=True, metavar="NAME", help="Who supplied the files.")
@click.option("--place", "pcode", required=True, metavar="PCODE", help="The place they show.")
@click.option("--date", "on", type=DATE, required=True, help="The date they are claimed to show.")
@click.option("--claim", metavar="TEXT", help="What they are said to show.")
@click.pass_context
def evidence_add(
    ctx: click.Context,
    files: tuple[Path, ...],
    source: str,
    pcode: str,
    on: date,
    claim: str | None,
) -> None:
    """Register photos (JPEG, PNG, WebP) and videos (MP4, WebM, MOV, MKV): SHA-256, embedded
    time and GPS, PDQ hashes; keep a copy; say which earlier items each one matches."""
    from lagebild.actions.evidence import add_evidence

    store = open_store(ctx)
    done = add_evidence(
        store,
        list(files),
        source=source,
        pcode=pcode,
        on=on,
        claim=claim,
        folder=ctx.obj["evidence_folder"],
    )
    for registered in done:
        item = registered.item
        click.echo(f"item {item.id}: {item.file_name} ({item.kind}, sha256 {item.sha256[:16]}...)")
        for match, other in registered.matches:
            how = f", {match.transform}" if match.transform else ""
            click.echo(
                f"  this matches {_first_registered(other)} (PDQ distance {match.distance}{how})"
            )


@evidence.command("link")
@click.argument("item_id", type=int)
@click.option(
    "--incident", required=True, metavar="CODE|ID", help="The incident it shows: code or number."
)
@click.option("--why", required=True, metavar="TEXT", help="Why (kept in the audit trail).")
@click.pass_context
def evidence_link(ctx: click.Context, item_id: int, incident: str, why: str) -> None:
    """Link an item to the incident it is said to show ('lagebild incidents --list' lists them)."""
    from lagebild.actions.evidence import link_evidence

    label = link_evidence(open_store(ctx), item_id, incident, why)
    click.echo(f"item {item_id} linked to incident {label}")


@evidence.command("verify")
@click.pass_context
def evidence_verify(ctx: click.Context) -> None:
    """Re-hash every stored file; list those that changed or went missing (exit 1 if any)."""
    from lagebild import evidence as ev

    store = open_store(ctx)
    checked, problems = ev.verify(store, ctx.obj["evidence_folder"])
    for problem in problems:
        click.echo(
            f"item {problem.item.id}: {problem.item.stored_path} {problem.what}"
            + (f" (sha256 now {problem.found_sha256})" if problem.found_sha256 else ""),
            err=True,
        )
    click.echo(f"{checked} items checked, {len(problems)} changed or missing")
    if problems:
        ctx.exit(1)


@evidence.command("list")
@click.option("--place", "pcode", metavar="PCODE", help="Only items of this place.")
@click.option("--status", type=EVIDENCE_STATUS, help="Only items with this status.")
@click.pass_context
def evidence_list(ctx: click.Context, pcode: str | None, status: str | None) -> None:
    """The registered items: id, kind, status, place, claimed date, source, file name."""
    from lagebild import evidence as ev

    store = open_store(ctx)
    found = ev.items(store, pcode, status.lower() if status else None)
    for item in found:
        click.echo(_item_line(item))
    click.echo(f"{len(found)} items")


@evidence.command("status")
@click.argument("item_id", metavar="ID", type=int)
@click.argument("status", type=EVIDENCE_STATUS)
@click.option("--by", required=True, metavar="NAME", help="Who sets it.")
@click.option("--why", required=True, metavar="TEXT", help="Why: what was checked, and how.")
@click.pass_context
def evidence_status(ctx: click.Context, item_id: int, status: str, by: str, why: str) -> None:
    """Set an item's verification status; the history keeps who set it, when and why."""
    from lagebild.actions.evidence import set_evidence_status

    store = open_store(ctx)
    set_evidence_status(store, item_id, status.lower(), by, why)
    click.echo(f"item {item_id}: {status.lower()}")


@evidence.command("show")
@click.argument("item_id", metavar="ID", type=int)
@click.pass_context
def evidence_show(ctx: click.Context, item_id: int) -> None:
    """An item: its file, metadata, the items it matches and its status history."""
    from lagebild import evidence as ev

    store = open_store(ctx)
    found = ev.detail(store, item_id)
    item = found.item
    claimed = item.claimed_date.isoformat() if item.claimed_date else "-"
    lines = [
        f"item {item.id}: {item.file_name} ({item.kind}, {item.width}x{item.height}, "
        f"{item.size:,} bytes)",
        f"  sha256      {item.sha256}",
        f"  stored as   {item.stored_path}",
        f"  source      {item.source or '-'}",
        f"  place       {item.pcode or '-'} {item.place_name or ''}".rstrip(),
        f"  claimed     {claimed}" + (f": {item.claim}" if item.claim else ""),
        f"  registered  {item.registered_at.isoformat(sep=' ')}",
        f"  status      {item.status}",
    ]
    if item.taken_at:
        lines.append(f"  taken at    {item.taken_at.isoformat(sep=' ')} (embedded)")
    if item.lat is not None and item.lon is not None:
        lines.append(f"  GPS         {item.lat:.6f}, {item.lon:.6f} (embedded)")
    if item.duration is not None:
        lines.append(f"  duration    {item.duration:.1f} s, {found.hashes} keyframes hashed")
    if item.incident_id is not None:
        from lagebild.store.evidence import incident_label

        label = incident_label(store, item.incident_id)
        lines.append(f"  incident    {label or f'#{item.incident_id} (no longer stored)'}")
    click.echo("\n".join(lines))
    click.echo("matches:" if found.matches else "matches: none")
    for match, other in found.matches:
        how = f", {match.transform}" if match.transform else ""
        side = "matches" if match.item_id == item.id else "is matched by"
        click.echo(f"  {side} {_first_registered(other)} (PDQ distance {match.distance}{how})")
    click.echo("status history:")
    for change in found.history:
        click.echo(
            f"  {change.at.isoformat(sep=' ')}  {change.status:<12}  by {change.by}: {change.why}"
        )
