"""lagebild's own errors: one base, ``LagebildError``, and a subclass per kind of refusal.

Each kind has a stable ``code`` that front ends and callers may rely on; the message says what
went wrong in the user's words. The command line turns any of them into ``Error: <message>`` and
its exit code (``lagebild.cli.common.LagebildGroup``); a bug (any other exception) stays a bug.

An error made with a :class:`~lagebild.messages.Message` says the same English sentence to the
command line and gives the web its ``words``, to be said in the reader's language.
"""

from __future__ import annotations

from lagebild.messages import Message


class LagebildError(Exception):
    """What lagebild refuses or cannot do, said so that the user can act on it."""

    code = "error"

    @property
    def words(self) -> Message | str:
        """What went wrong as a message to say in the reader's language, when the error was
        made with one; else its English text."""
        first = self.args[0] if len(self.args) == 1 else None
        return first if isinstance(first, Message) else str(self)


class RefusedInput(LagebildError, ValueError):
    """A value, option or file the user gave that lagebild cannot take (a ``ValueError``)."""

    code = "refused-input"


class NotFound(LagebildError, LookupError):
    """Something named that does not exist: a P-code, a record, an account (a ``LookupError``)."""

    code = "not-found"


class Forbidden(LagebildError):
    """What the user's role does not allow."""

    code = "forbidden"


class Conflict(LagebildError):
    """A change that contradicts what is stored: a name taken, a record already changed."""

    code = "conflict"


class DatabaseUnavailable(LagebildError):
    """The database cannot be reached or opened now."""

    code = "database-unavailable"


__all__ = [
    "Conflict",
    "DatabaseUnavailable",
    "Forbidden",
    "LagebildError",
    "NotFound",
    "RefusedInput",
]
