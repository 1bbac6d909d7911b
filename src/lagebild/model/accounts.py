"""Accounts as the layers pass them: a user as sign-in and the policy need it, an API token."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Account:
    """A user as the sign-in and the policy need it; the hash stays out of ``repr``."""

    id: int
    name: str
    role: str
    organisation_id: int | None
    organisation: str | None
    disabled: bool
    created_at: datetime
    password_hash: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: int
    user: str
    label: str | None
    created_at: datetime
    revoked_at: datetime | None
