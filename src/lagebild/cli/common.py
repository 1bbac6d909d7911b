"""What the commands share: option types, opening the database, printing a result."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from lagebild.errors import (
    Conflict,
    DatabaseUnavailable,
    Forbidden,
    LagebildError,
    NotFound,
    RefusedInput,
)
from lagebild.model import parse_level
from lagebild.store import Store, StoreError, StoreFailure, driver_failures, missing_sqlite_file

FORMAT = click.Choice(["table", "json", "csv", "hxl"], case_sensitive=False)
LEVELS = click.Choice(["country", "adm1", "adm2", "adm3", "adm4"], case_sensitive=False)


class IsoDate(click.ParamType):
    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return datetime.strptime(str(value).strip(), "%Y-%m-%d").date()
        except ValueError:
            self.fail(
                f"{value!r} is not a date: write it as YYYY-MM-DD, e.g. 2017-02-28", param, ctx
            )


DATE = IsoDate()


def open_store(ctx: click.Context, *, ready: bool = True, create: bool = False) -> Store:
    target = ctx.obj["db"]
    missing = missing_sqlite_file(target)
    if missing is not None and ready and not create:  # opening it would create an empty file
        raise click.ClickException(
            f"no database at {missing}: create it with 'lagebild init' or 'lagebild import "
            "FILE'"
        )
    try:
        with driver_failures():
            store = Store.open(target, actor=ctx.obj.get("user"))
            if create and store.revision() is None:
                store.migrate()
            if ready:
                store.check_ready()
    except StoreFailure as exc:  # the driver could not connect or refused the schema
        raise click.ClickException(
            f"cannot open database {target or 'lagebild.db'}: {exc.cause}"
        ) from exc
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    ctx.call_on_close(store.close)
    return store


def revision_of(store: Store) -> str | None:
    try:
        with driver_failures():
            return store.revision()
    except StoreFailure as exc:
        raise click.ClickException(f"cannot open database {store.url}: {exc.cause}") from exc


def scratch_store(ctx: click.Context) -> Store:
    """An empty database in a temporary folder, removed when the command ends: what a dry run
    checks against when the database it names does not exist yet."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="lagebild-dry-run-"))
    store = Store.open(str(folder / "empty.db"), actor=ctx.obj.get("user"))
    ctx.call_on_close(lambda: shutil.rmtree(folder, ignore_errors=True))
    ctx.call_on_close(store.close)  # runs first: callbacks run last in, first out
    store.migrate()
    return store


def emit(fmt: str, data: dict[str, Any], columns: Any, rows: Any, title: str) -> None:
    """Print a result: ``data`` as JSON, or ``rows`` under ``columns`` as CSV, HXL or a table."""
    from lagebild.publish import render

    if fmt == "json":
        click.echo(render.to_json(data), nl=False)
    elif fmt in ("csv", "hxl"):
        click.echo(render.to_csv(columns, rows, hxl=fmt == "hxl"), nl=False)
    else:
        click.echo(render.to_table(columns, rows, title), nl=False)


def level_number(text: str) -> int:
    """The administrative level of a ``--level`` choice (``country`` 0 ... ``adm4`` 4)."""
    return parse_level(text)


#: The exit code of each kind of lagebild's errors: 1 for all, as for click's own refusals.
EXIT_CODES: dict[type[LagebildError], int] = {
    RefusedInput: 1,
    NotFound: 1,
    Forbidden: 1,
    Conflict: 1,
    DatabaseUnavailable: 1,
}


def exit_code(error: LagebildError) -> int:
    """The exit code of ``error``: that of the first of its kinds in ``EXIT_CODES``, else 1."""
    return next((code for kind, code in EXIT_CODES.items() if isinstance(error, kind)), 1)


class LagebildGroup(click.Group):
    """The ``lagebild`` group: any ``LagebildError`` a command lets through ends it as
    ``Error: <message>`` on stderr with its exit code; any other exception is a bug and shows."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LagebildError as exc:
            error = click.ClickException(str(exc))
            error.exit_code = exit_code(exc)  # type: ignore[misc]  # click's ClassVar, per error
            raise error from exc



def known_sector(store: Store, sector: str | None) -> str | None:
    """The sector code ``--sector`` names (None without one): a word of the shipped vocabulary
    or a sector the data holds; anything else is refused, listing the sectors, as the web
    refuses it (an unknown sector would give an empty table, not an error)."""
    from lagebild.model.vocab import query_sector, sector_choices
    from lagebild.store.summary import sectors

    if not sector:
        return None
    in_data = [s for s in sectors(store) if s]
    found = query_sector(sector, in_data)
    if found is None:
        raise click.BadParameter(
            f"unknown sector {sector!r}; use one of: {', '.join(sector_choices(in_data))}",
            param_hint="--sector",
        )
    return found
