"""Password hashes: argon2id through argon2-cffi.

The cost is argon2-cffi's default (RFC 9106's low-memory profile: 3 passes over 64 MiB) unless
``LAGEBILD_ARGON2`` gives ``TIME,MEMORY_KIB,PARALLELISM`` (the tests use a cheap one). A hash
carries its own cost, so hashes made with one setting verify under another.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from lagebild.errors import RefusedInput

#: The shortest password accepted.
MIN_LENGTH = 10


class PasswordRefused(RefusedInput):
    """A password too weak to be set."""


@cache
def _hasher(setting: str) -> PasswordHasher:
    if not setting:
        return PasswordHasher(type=Type.ID)
    try:
        time_cost, memory_kib, parallelism = (int(part) for part in setting.split(","))
    except ValueError:
        raise ValueError(
            f"LAGEBILD_ARGON2={setting!r}: give TIME,MEMORY_KIB,PARALLELISM, e.g. 3,65536,4"
        ) from None
    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
    )


def hasher() -> PasswordHasher:
    return _hasher(os.environ.get("LAGEBILD_ARGON2", "").strip())


def check_strength(password: str, name: str = "") -> None:
    """Refuse a password that is short, or the account's name."""
    if len(password) < MIN_LENGTH:
        raise PasswordRefused(f"a password needs at least {MIN_LENGTH} characters")
    if name and password.strip().lower() == name.strip().lower():
        raise PasswordRefused("the password must not be the account's name")


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether the password is the one hashed; a malformed hash is a mismatch."""
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy(setting: str) -> str:
    return _hasher(setting).hash("no account has this password")


def dummy_verify(password: str) -> None:
    """Spend the time a verification takes, for a name without an account: the answer's
    timing does not tell which names exist."""
    verify_password(_dummy(os.environ.get("LAGEBILD_ARGON2", "").strip()), password)


def secret_hash(secret: str) -> str:
    """What the database keeps of a session cookie or an API token: its SHA-256. They are long
    random strings, so a fast hash is enough (unlike a password)."""
    return hashlib.sha256(secret.encode()).hexdigest()
