"""``lagebild export`` (HDX-ready datasets, a copy for sharing) and ``lagebild
datasette-metadata``: what lagebild hands on, as the sharing protocol allows."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import click

from lagebild.cli.common import DATE, open_store
from lagebild.security.policy import ROLES

ROLE = click.Choice(ROLES, case_sensitive=False)


@click.group()
def export() -> None:
    """Hand the data on: HDX-ready datasets, or a copy of the database for sharing."""


@export.command("hdx")
@click.option("--as-of", "as_of", type=DATE, required=True, help="The date of the data.")
@click.option(
    "-o", "--output", "output", type=click.Path(file_okay=False, path_type=Path),
    required=True, help="The folder to write the tables and dataset.json to.",
)  # fmt: skip
@click.option(
    "--role", type=ROLE, default="viewer", show_default=True,
    help="Export as this role sees it (viewer: the public, small counts suppressed).",
)  # fmt: skip
@click.option(
    "--since", type=DATE,
    help="The start of the operational presence's period (default: the three calendar months "
    "up to --as-of, from the first day of the month two months before).",
)  # fmt: skip
@click.option("--licence", default="cc-by", show_default=True, help="HDX's licence id.")
@click.option(
    "--protocol", "protocol_path", type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The sharing protocol (default: $LAGEBILD_PROTOCOL, else the shipped one).",
)  # fmt: skip
@click.option(
    "--prices", type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="WFP market prices (HDX's columns, as `lagebild basket --prices` reads them) to "
    "publish as food-prices.csv; the database keeps none.",
)  # fmt: skip
@click.option(
    "--if-changed", is_flag=True,
    help="Write nothing (and exit 0) when nothing was imported or changed since the run that "
    "wrote this folder with the same options.",
)  # fmt: skip
@click.pass_context
def hdx(
    ctx: click.Context,
    as_of: date,
    output: Path,
    role: str,
    since: date | None,
    licence: str,
    protocol_path: Path | None,
    prices: Path | None,
    if_changed: bool,
) -> None:
    """Tables shaped like HDX HAPI's (population, humanitarian needs, IDPs, operational
    presence, conflict events; food prices with --prices), each an HXL CSV, and dataset.json:
    the metadata HDX asks for. The operational presence is who does what where (/presence)
    from --since to --as-of, per district.
    """
    from lagebild.publish import freshness
    from lagebild.publish.hdx import hdx_dataset, write_dataset
    from lagebild.security import protocol

    store = open_store(ctx)
    rules = protocol.load(protocol_path)  # None: $LAGEBILD_PROTOCOL, else the shipped one
    options = {"role": role.lower(), "licence": licence, "protocol": rules.path,
               "since": since.isoformat() if since else ""}  # fmt: skip
    if prices is not None:  # a changed prices file is new data too
        options["prices"] = f"{prices.resolve()} {hashlib.sha256(prices.read_bytes()).hexdigest()}"
    found = freshness.check(store, output, options)
    if if_changed and not found.changed:
        click.echo(found.reason)
        return
    dataset = hdx_dataset(store, as_of, role.lower(), rules, licence, prices, since)
    for path in write_dataset(dataset, output):
        rows = next((len(t.rows) for t in dataset.tables if t.file == path.name), None)
        click.echo(f"wrote {path}" + (f" ({rows:,} rows)" if rows is not None else ""))
    freshness.record(output, found)


@export.command("share")
@click.option(
    "--role", type=ROLE, default="viewer", show_default=True,
    help="Keep only what this role may see.",
)  # fmt: skip
@click.option(
    "-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path), required=True,
    help="The SQLite file to write (replaced).",
)  # fmt: skip
@click.option(
    "--protocol", "protocol_path", type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The sharing protocol (default: $LAGEBILD_PROTOCOL, else the shipped one).",
)  # fmt: skip
@click.pass_context
def share(ctx: click.Context, role: str, output: Path, protocol_path: Path | None) -> None:
    """A copy of the database holding only what ROLE may see: the same schema (lagebild and
    Datasette open it), records and fields above the role's clearance left out, small counts
    suppressed for viewers, accounts, sessions and tokens empty."""
    from lagebild.publish.share import export_share
    from lagebild.security import protocol

    store = open_store(ctx)
    if store.dialect != "sqlite":
        raise click.ClickException("a shared copy is made of a SQLite database file")
    if output.resolve() == Path(store.engine.url.database or "").resolve():
        raise click.ClickException("the copy cannot replace the database it is made of")
    rules = protocol.load(protocol_path)  # None: $LAGEBILD_PROTOCOL, else the shipped one
    counts = export_share(store, output, role.lower(), rules)
    kept = sum(counts.values())
    empty = sorted(name for name, n in counts.items() if n == 0)
    click.echo(f"wrote {output}: a copy for a {role.lower()}, {kept:,} rows")
    click.echo("empty: " + ", ".join(empty))


@click.command("datasette-metadata")
@click.option(
    "-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path), required=True,
    help="The metadata file to write (JSON).",
)  # fmt: skip
@click.option(
    "--role", type=ROLE, default="viewer", show_default=True,
    help="The role the copy was shared with (what it hides).",
)  # fmt: skip
@click.option(
    "--database", "database",
    help="The database's name in Datasette: its file name without .db (default: that of "
    "--db, else public).",
)  # fmt: skip
@click.option("--licence", default="CC BY 4.0", show_default=True, help="The data's licence.")
@click.option(
    "--licence-url", default="https://creativecommons.org/licenses/by/4.0/", show_default=True,
    help="Where the licence is.",
)  # fmt: skip
@click.option("--source", default="lagebild", show_default=True, help="Who publishes it.")
@click.option(
    "--protocol", "protocol_path", type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The sharing protocol the copy was made with (default: $LAGEBILD_PROTOCOL, else the "
    "shipped one).",
)  # fmt: skip
@click.pass_context
def datasette_metadata(
    ctx: click.Context,
    output: Path,
    role: str,
    database: str | None,
    licence: str,
    licence_url: str,
    source: str,
    protocol_path: Path | None,
) -> None:
    """Datasette's metadata for a lagebild database: titles, descriptions, units and column
    meanings, licence and source, canned queries (the cut-off places and the gaps of a
    :date), confidential tables hidden. Serve with: datasette public.db -m metadata.json"""
    from lagebild.publish.datasette import datasette_metadata as metadata
    from lagebild.security import protocol

    rules = protocol.load(protocol_path)  # None: $LAGEBILD_PROTOCOL, else the shipped one

    db = ctx.obj.get("db") if ctx.obj else None
    if database is None:
        database = Path(db).stem if db and "://" not in db else "public"
    found = metadata(role.lower(), database, licence, licence_url, source, rules)
    output.write_text(json.dumps(found, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    hidden = [n for n, t in found["databases"][database]["tables"].items() if t.get("hidden")]
    click.echo(f"wrote {output}: {len(found['databases'][database]['queries'])} canned queries, "
               f"{len(hidden)} tables hidden")  # fmt: skip


__all__ = ["datasette_metadata", "export"]
