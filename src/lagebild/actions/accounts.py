"""Accounts of the web app and their API tokens: add, disable, set a password, make and revoke
a token, as ``lagebild user`` and ``lagebild token`` do it. Signing in is the web app's own."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from lagebild.errors import Conflict, NotFound
from lagebild.model.accounts import Account
from lagebild.security import passwords, policy
from lagebild.store import Store, accounts


def add_account(
    store: Store,
    name: str,
    role: str,
    organisation: str | None,
    password: Callable[[], str],
) -> Account:
    """Add an account: its role and organisation are checked, its name must be new, and only
    then is ``password`` asked for; the password is checked and only its hash kept."""
    policy.check_account(role, organisation)
    if accounts.account(store, name) is not None:
        raise Conflict(f"there is already an account {name!r}")
    secret = password()
    passwords.check_strength(secret, name)
    return accounts.add_account(store, name, passwords.hash_password(secret), role, organisation)


def set_password(store: Store, name: str, password: Callable[[], str]) -> Account:
    """Set an account's password (asked for once the account is found); its sessions end."""
    if accounts.account(store, name) is None:
        raise NotFound(f"there is no account {name!r}")
    secret = password()
    passwords.check_strength(secret, name)
    return accounts.set_password_hash(store, name, passwords.hash_password(secret))


def set_disabled(store: Store, name: str, disabled: bool = True) -> Account:
    """Disable (or enable) an account: its sessions end and its API tokens stop working."""
    return accounts.set_disabled(store, name, disabled)


def create_token(store: Store, name: str, label: str | None = None) -> tuple[int, str]:
    """A new API token for account ``name``: (its id, the token). Only its hash is kept, so the
    token can be shown this once."""
    secret = secrets.token_urlsafe(32)
    return accounts.add_token(store, name, passwords.secret_hash(secret), label), secret


def revoke_token(store: Store, token_id: int) -> None:
    """Revoke an API token: it stops working at once."""
    accounts.revoke_token(store, token_id)


__all__ = ["add_account", "create_token", "revoke_token", "set_disabled", "set_password"]
