"""The ``lagebild`` command line: parse options, call one library function, render the result.

``main`` is the group; each command lives in the module of its kind (``imports``, ``picture``,
``figures``, ``records``, ``damage``, ``incidents``, ``convoys``, ``evidence``, ``accounts``,
``serve``, ``demo``, ``backup``, ``export``, ``report``) and is added here. What they share is in
``common``.
"""

from __future__ import annotations

import click

from lagebild import __version__
from lagebild.cli import (
    accounts,
    backup,
    convoys,
    damage,
    demo,
    evidence,
    export,
    figures,
    imports,
    incidents,
    picture,
    plan,
    plans,
    priorities,
    records,
    report,
    serve,
)
from lagebild.cli.common import LagebildGroup


@click.group(cls=LagebildGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    envvar="LAGEBILD_DB",
    metavar="PATH|URL",
    help="Database: a file path (SQLite) or a URL such as postgresql://user@host/db. "
    "Default: $LAGEBILD_DB, else ./lagebild.db.",
)
@click.option(
    "--user",
    envvar="LAGEBILD_USER",
    metavar="NAME",
    help="Who the changes are recorded as in the audit trail. Default: $LAGEBILD_USER, else "
    "the system user.",
)
@click.version_option(__version__, prog_name="lagebild")
@click.pass_context
def main(ctx: click.Context, db: str | None, user: str | None) -> None:
    """lagebild: the situation picture of a humanitarian response.

    Load a gazetteer, figures, access status and 4W deliveries, then ask who is in need, who is
    reached and who is cut off, since when.
    """
    ctx.ensure_object(dict)
    ctx.obj["db"] = db
    ctx.obj["user"] = user


for command in (
    imports.init,
    imports.import_,
    picture.situation,
    picture.gaps,
    priorities.priorities,
    plan.plan,
    plan.basket,
    plans.plans,
    report.report,
    damage.damage,
    picture.places,
    picture.access,
    incidents.incidents,
    incidents.presence,
    records.sources,
    records.history,
    records.edit,
    records.delete,
    figures.figures,
    records.explain,
    serve.serve,
    demo.demo,
    convoys.convoy,
    accounts.user,
    accounts.token,
    evidence.evidence,
    backup.backup,
    backup.restore,
    export.export,
    export.datasette_metadata,
):
    main.add_command(command)

__all__ = ["main"]
