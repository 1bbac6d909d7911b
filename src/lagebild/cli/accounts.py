"""``lagebild user`` and ``lagebild token``: accounts and API tokens."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from lagebild.cli.common import open_store
from lagebild.store import StoreError

ROLE_CHOICE = click.Choice(["viewer", "partner", "analyst", "admin"])


def _account_call(call: Callable[[], Any]) -> Any:
    from lagebild.security.passwords import PasswordRefused

    try:
        return call()
    except (StoreError, PasswordRefused, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc


def _new_password(name: str, from_stdin: bool) -> str:
    """A password from standard input (one line) or asked twice at a prompt; checked."""
    from lagebild.security.passwords import check_strength

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(
            f"Password for {name}", hide_input=True, confirmation_prompt=True
        )
    _account_call(lambda: check_strength(password, name))
    return str(password)


PASSWORD_STDIN = click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)


@click.group()
def user() -> None:
    """Accounts of the web app: add, list, disable, set a password.

    A database without accounts serves everything to everyone (a single laptop); as soon as an
    account exists, the web app asks everyone to sign in. Make the first admin here.
    """


@user.command("add")
@click.argument("name")
@click.option("--role", type=ROLE_CHOICE, required=True, help="What the account may do.")
@click.option("--org", "organisation", metavar="ORG", help="Its organisation (partners need one).")
@PASSWORD_STDIN
@click.pass_context
def user_add(
    ctx: click.Context, name: str, role: str, organisation: str | None, password_stdin: bool
) -> None:
    """Add an account: viewer (the public picture), partner (its organisation's deliveries),
    analyst (all detail, grades, edits) or admin (also accounts and gazetteers)."""
    from lagebild.actions.accounts import add_account
    from lagebild.security import policy

    _account_call(lambda: policy.check_account(role, organisation))
    store = open_store(ctx)
    found = _account_call(
        lambda: add_account(
            store, name, role, organisation, lambda: _new_password(name, password_stdin)
        )
    )
    org = f" of {found.organisation}" if found.organisation else ""
    click.echo(f"added {found.name}: {found.role}{org}")


@user.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def user_list(ctx: click.Context, fmt: str) -> None:
    """The accounts: name, role, organisation, disabled or not."""
    from lagebild.publish.render import to_json, to_table
    from lagebild.publish.tables import ACCOUNTS
    from lagebild.store import accounts

    rows = [
        {
            "name": a.name,
            "role": a.role,
            "organisation": a.organisation,
            "disabled": a.disabled,
            "created": a.created_at.isoformat(sep=" "),
        }
        for a in accounts.accounts(open_store(ctx))
    ]
    if fmt == "table":
        rows = [{**r, "disabled": "yes" if r["disabled"] else "no"} for r in rows]
    if fmt == "json":
        click.echo(to_json(rows), nl=False)
        return
    click.echo(to_table(ACCOUNTS, rows), nl=False)


@user.command("disable")
@click.argument("name")
@click.option("--enable", is_flag=True, help="Enable the account again.")
@click.pass_context
def user_disable(ctx: click.Context, name: str, enable: bool) -> None:
    """Disable an account: its sessions end and its API tokens stop working."""
    from lagebild.actions.accounts import set_disabled

    store = open_store(ctx)
    _account_call(lambda: set_disabled(store, name, not enable))
    click.echo(f"{name} is {'enabled' if enable else 'disabled'}")


@user.command("password")
@click.argument("name")
@PASSWORD_STDIN
@click.pass_context
def user_password(ctx: click.Context, name: str, password_stdin: bool) -> None:
    """Set an account's password; its sessions end."""
    from lagebild.actions.accounts import set_password

    store = open_store(ctx)
    _account_call(
        lambda: set_password(store, name, lambda: _new_password(name, password_stdin))
    )
    click.echo(f"the password of {name} is set; its sessions have ended")


@click.group()
def token() -> None:
    """API tokens for scripts: 'Authorization: Bearer TOKEN' on /api, with the account's role."""


@token.command("create")
@click.argument("name")
@click.option("--label", metavar="TEXT", help="What the token is for.")
@click.pass_context
def token_create(ctx: click.Context, name: str, label: str | None) -> None:
    """Make an API token for account NAME and print it, once: only its hash is kept."""
    from lagebild.actions.accounts import create_token

    store = open_store(ctx)
    token_id, secret = _account_call(lambda: create_token(store, name, label))
    click.echo(f"token #{token_id} for {name} (shown once, keep it safe):", err=True)
    click.echo(secret)


@token.command("list")
@click.pass_context
def token_list(ctx: click.Context) -> None:
    """The API tokens: id, account, label, made, revoked (never the token itself)."""
    from lagebild.store import accounts

    for found in accounts.tokens(open_store(ctx)):
        state = f"revoked {found.revoked_at:%Y-%m-%d %H:%M}" if found.revoked_at else "active"
        label = f" {found.label}" if found.label else ""
        click.echo(f"#{found.id} {found.user}{label} (made {found.created_at:%Y-%m-%d}, {state})")


@token.command("revoke")
@click.argument("token_id", type=int, metavar="ID")
@click.pass_context
def token_revoke(ctx: click.Context, token_id: int) -> None:
    """Revoke API token ID: it stops working at once."""
    from lagebild.actions.accounts import revoke_token

    store = open_store(ctx)
    _account_call(lambda: revoke_token(store, token_id))
    click.echo(f"token #{token_id} is revoked")
