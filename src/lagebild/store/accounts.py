"""Accounts, organisations, sessions, API tokens and failed sign-ins: the SQL behind sign-in.

Secrets never reach the database: a password as its argon2id hash (``lagebild.security``), a
session cookie or an API token as the SHA-256 of its value. Who may see and do what is decided in
``lagebild.security.policy``; here it becomes SQL through ``Scope``: the records whose restricted
detail a reader may see, by the organisation of the import that wrote them.

Security events (sign-ins, failed sign-ins, lock-outs, denials, exports, account changes) go to
the audit trail ``changes`` with a record kind of ``AUDIT_KINDS``; they do not change the data, so
``lagebild.store.changes.data_version`` does not count them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, false, func, select, true
from sqlalchemy.exc import IntegrityError

from lagebild.model.accounts import Account, TokenRecord
from lagebild.store import schema as t
from lagebild.store.changes import SECURITY_KINDS, record_change
from lagebild.store.store import Store, StoreError, Writer

#: Record kinds of the audit rows written here (``changes.record_kind``).
AUDIT_KINDS = SECURITY_KINDS


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


@dataclass(frozen=True)
class Scope:
    """Whose records a reader sees in full: every organisation's, one organisation's, or none.

    Made by ``lagebild.security.policy.scope_of``; ``owns`` turns it into a condition on the
    ``organisation_id`` column of ``imports``, which listing queries add to theirs.
    """

    everything: bool = False
    organisation_id: int | None = None

    def owns(self, organisation_column: Any) -> ColumnElement[bool]:
        """True for the rows this scope sees in full (a NULL organisation is nobody's)."""
        if self.everything:
            return true()
        if self.organisation_id is None:
            return false()
        return organisation_column == self.organisation_id  # type: ignore[no-any-return]


#: The scope of those who see everything (analysts, admins, the open single-user laptop).
EVERYTHING = Scope(everything=True)
#: The scope of the public: no record's restricted detail.
NOTHING = Scope()


_ACCOUNT_COLUMNS = (
    t.users.c.id,
    t.users.c.name,
    t.users.c.role,
    t.users.c.organisation_id,
    t.organisations.c.name,
    t.users.c.disabled,
    t.users.c.created_at,
    t.users.c.password_hash,
)


def _account(row: Any) -> Account:
    return Account(row[0], row[1], row[2], row[3], row[4], bool(row[5]), row[6], row[7])


def _accounts_query() -> Any:
    return select(*_ACCOUNT_COLUMNS).outerjoin(
        t.organisations, t.organisations.c.id == t.users.c.organisation_id
    )


# -- organisations ------------------------------------------------------------------------------


def organisation_id(writer: Writer, name: str | None, create: bool = True) -> int | None:
    """The id of the organisation of this name (in any case), registering it when new."""
    if not name or not name.strip():
        return None
    name = name.strip()
    o = t.organisations
    found = writer.conn.execute(
        select(o.c.id).where(func.lower(o.c.name) == name.lower())
    ).scalar()
    if found is not None:
        return int(found)
    if not create:
        raise StoreError(f"there is no organisation {name!r}")
    result = writer.conn.execute(o.insert().values(name=name, created_at=_now()))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def organisations(store: Store) -> dict[int, str]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.organisations.c.id, t.organisations.c.name)).all()
    return {int(r[0]): str(r[1]) for r in rows}


# -- users --------------------------------------------------------------------------------------


def has_accounts(store: Store) -> bool:
    """Whether any account exists: from then on the web app asks everyone to sign in."""
    with store.engine.connect() as conn:
        return conn.execute(select(t.users.c.id).limit(1)).first() is not None


def add_account(
    store: Store, name: str, password_hash: str, role: str, organisation: str | None = None
) -> Account:
    """A new account; its organisation is registered when new. The audit trail keeps who made it."""
    now = _now()
    try:
        with store.writer() as writer:
            org = organisation_id(writer, organisation)
            result = writer.conn.execute(
                t.users.insert().values(
                    name=name,
                    password_hash=password_hash,
                    role=role,
                    organisation_id=org,
                    disabled=False,
                    created_at=now,
                    password_set_at=now,
                )
            )
            user_id = int(result.inserted_primary_key[0])  # type: ignore[index]
            record_change(
                writer,
                "add",
                "account",
                user_id,
                after={"name": name, "role": role, "organisation": organisation},
            )
    except IntegrityError as exc:
        raise StoreError(f"there is already an account {name!r}") from exc
    found = account(store, name)
    assert found is not None
    return found


def account(store: Store, name: str) -> Account | None:
    with store.engine.connect() as conn:
        row = conn.execute(_accounts_query().where(t.users.c.name == name)).first()
    return _account(row) if row else None


def accounts(store: Store) -> list[Account]:
    with store.engine.connect() as conn:
        rows = conn.execute(_accounts_query().order_by(t.users.c.name)).all()
    return [_account(r) for r in rows]


def _change_account(store: Store, name: str, action: str, values: dict[str, Any]) -> Account:
    with store.writer() as writer:
        user_id = writer.conn.execute(select(t.users.c.id).where(t.users.c.name == name)).scalar()
        if user_id is None:
            raise StoreError(f"there is no account {name!r}")
        writer.conn.execute(t.users.update().where(t.users.c.id == user_id).values(**values))
        # Whatever changed, the sessions of the account end: sign in again with the new state.
        writer.conn.execute(t.sessions.delete().where(t.sessions.c.user_id == user_id))
        shown = {k: v for k, v in values.items() if k not in ("password_hash", "password_set_at")}
        record_change(writer, action, "account", int(user_id), after={"name": name, **shown})
    found = account(store, name)
    assert found is not None
    return found


def set_disabled(store: Store, name: str, disabled: bool = True) -> Account:
    """Disable (or enable) an account: its sessions end and its tokens stop working."""
    return _change_account(store, name, "disable" if disabled else "enable", {"disabled": disabled})


def set_password_hash(store: Store, name: str, password_hash: str) -> Account:
    """A new password: every session of the account ends."""
    values = {"password_hash": password_hash, "password_set_at": _now()}
    return _change_account(store, name, "password", values)


# -- sessions -----------------------------------------------------------------------------------


def add_session(
    store: Store, user_id: int, token_hash: str, expires_at: datetime, client: str | None
) -> None:
    with store.engine.begin() as conn:
        # Expired sessions go whenever a new one comes: the table holds the live ones.
        conn.execute(t.sessions.delete().where(t.sessions.c.expires_at < _now()))
        conn.execute(
            t.sessions.insert().values(
                token_hash=token_hash,
                user_id=user_id,
                created_at=_now(),
                expires_at=expires_at,
                client=(client or "")[:64],
            )
        )


def session_account(store: Store, token_hash: str) -> Account | None:
    """The enabled account of an unexpired session, or None."""
    s = t.sessions
    query = (
        _accounts_query()
        .join(s, s.c.user_id == t.users.c.id)
        .where(s.c.token_hash == token_hash, s.c.expires_at > _now(), t.users.c.disabled == false())
    )
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    return _account(row) if row else None


def end_session(store: Store, token_hash: str) -> bool:
    with store.engine.begin() as conn:
        result = conn.execute(t.sessions.delete().where(t.sessions.c.token_hash == token_hash))
    return bool(result.rowcount)


# -- API tokens ---------------------------------------------------------------------------------


def add_token(store: Store, name: str, token_hash: str, label: str | None) -> int:
    with store.writer() as writer:
        user_id = writer.conn.execute(select(t.users.c.id).where(t.users.c.name == name)).scalar()
        if user_id is None:
            raise StoreError(f"there is no account {name!r}")
        result = writer.conn.execute(
            t.api_tokens.insert().values(
                token_hash=token_hash, user_id=user_id, label=label, created_at=_now()
            )
        )
        token_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        record_change(writer, "add", "token", token_id, after={"user": name, "label": label})
    return token_id


def tokens(store: Store) -> list[TokenRecord]:
    a, u = t.api_tokens, t.users
    query = (
        select(a.c.id, u.c.name, a.c.label, a.c.created_at, a.c.revoked_at)
        .join(u, u.c.id == a.c.user_id)
        .order_by(a.c.id)
    )
    with store.engine.connect() as conn:
        return [TokenRecord(*r) for r in conn.execute(query).all()]


def revoke_token(store: Store, token_id: int) -> None:
    a = t.api_tokens
    with store.writer() as writer:
        found = writer.conn.execute(select(a.c.revoked_at).where(a.c.id == token_id)).first()
        if found is None:
            raise StoreError(f"there is no token #{token_id}")
        if found[0] is not None:
            raise StoreError(f"token #{token_id} was already revoked on {found[0]:%Y-%m-%d %H:%M}")
        writer.conn.execute(a.update().where(a.c.id == token_id).values(revoked_at=_now()))
        record_change(writer, "revoke", "token", token_id)


def token_account(store: Store, token_hash: str) -> Account | None:
    """The enabled account of an API token that was not revoked, or None."""
    a = t.api_tokens
    query = (
        _accounts_query()
        .join(a, a.c.user_id == t.users.c.id)
        .where(a.c.token_hash == token_hash, a.c.revoked_at.is_(None))
        .where(t.users.c.disabled == false())
    )
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    return _account(row) if row else None


# -- failed sign-ins and the lock-out -----------------------------------------------------------


def add_failure(store: Store, account_name: str, client: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            t.signin_failures.insert().values(
                at=_now(), account=account_name[:80], client=client[:64]
            )
        )


def failures_since(
    store: Store, since: datetime, *, account_name: str | None = None, client: str | None = None
) -> tuple[int, datetime | None]:
    """How many failed sign-ins since ``since`` for an account or from a client, and the
    earliest of them (when the lock-out they make starts to lift)."""
    f = t.signin_failures
    query = select(func.count(), func.min(f.c.at)).where(f.c.at >= since)
    if account_name is not None:
        query = query.where(f.c.account == account_name[:80])
    if client is not None:
        query = query.where(f.c.client == client[:64])
    with store.engine.connect() as conn:
        count, first = conn.execute(query).one()
    return int(count), first


def clear_failures(store: Store, account_name: str) -> None:
    """A successful sign-in forgives the account's failures (not the client's)."""
    with store.engine.begin() as conn:
        conn.execute(
            t.signin_failures.delete().where(t.signin_failures.c.account == account_name[:80])
        )


# -- the audit trail of security events ---------------------------------------------------------


def record_event(
    store: Store,
    actor: str,
    action: str,
    after: dict[str, Any] | None = None,
    *,
    record_kind: str = "security",
    record_id: int | None = None,
) -> None:
    """One security event in ``changes``: signin, signin_failed, locked, denied, export, ..."""
    with store.engine.begin() as conn:
        record_change(
            Writer(conn, actor or "anonymous"),
            action, record_kind, record_id, after=after
        )


__all__ = [
    "AUDIT_KINDS",
    "EVERYTHING",
    "NOTHING",
    "Account",
    "Scope",
    "TokenRecord",
    "account",
    "accounts",
    "add_account",
    "add_failure",
    "add_session",
    "add_token",
    "clear_failures",
    "end_session",
    "failures_since",
    "has_accounts",
    "organisation_id",
    "organisations",
    "record_event",
    "revoke_token",
    "session_account",
    "set_disabled",
    "set_password_hash",
    "token_account",
    "tokens",
]
