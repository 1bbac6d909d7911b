"""lagebild's errors: one base with a stable code per kind, and one handler in the command line
that turns them into ``Error: <message>`` and exit code 1 while a bug still shows as a bug."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from demo_support import demo_database

from lagebild import errors
from lagebild.actions.convoys import ConvoyError
from lagebild.analysis.place import UnknownPlace
from lagebild.analysis.trust import UnknownIndicator
from lagebild.cli import main
from lagebild.cli.common import EXIT_CODES
from lagebild.evidence import EvidenceError
from lagebild.ingest import ImportFailed, ReadError
from lagebild.ingest.edit import EditError
from lagebild.model.vocab import VocabularyError
from lagebild.security.policy import Denied
from lagebild.store import StoreError, StoreUnavailable

KINDS = [
    errors.RefusedInput,
    errors.NotFound,
    errors.Forbidden,
    errors.Conflict,
    errors.DatabaseUnavailable,
]


def test_every_kind_has_its_own_stable_code() -> None:
    codes = {kind: kind.code for kind in KINDS}
    assert codes == {
        errors.RefusedInput: "refused-input",
        errors.NotFound: "not-found",
        errors.Forbidden: "forbidden",
        errors.Conflict: "conflict",
        errors.DatabaseUnavailable: "database-unavailable",
    }
    assert all(issubclass(kind, errors.LagebildError) for kind in KINDS)
    assert set(EXIT_CODES) == set(KINDS)


def test_lagebild_errors_keep_the_builtin_kinds_callers_catch() -> None:
    assert issubclass(UnknownPlace, errors.NotFound) and issubclass(UnknownPlace, LookupError)
    assert issubclass(UnknownIndicator, errors.RefusedInput)
    assert issubclass(UnknownIndicator, ValueError)
    assert issubclass(Denied, errors.Forbidden)
    assert issubclass(StoreUnavailable, errors.DatabaseUnavailable)
    assert issubclass(StoreUnavailable, StoreError)
    assert issubclass(StoreError, errors.LagebildError)


@pytest.mark.parametrize(
    "kind", [ConvoyError, EditError, EvidenceError, ImportFailed, ReadError, VocabularyError]
)
def test_the_refusals_of_actions_are_refused_input_and_still_value_errors(kind: type) -> None:
    assert issubclass(kind, errors.RefusedInput) and issubclass(kind, ValueError)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return demo_database(tmp_path_factory.mktemp("errors"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["figures", "XX999"], "unknown P-code 'XX999'"),
        (["figures", "--conflicts", "--indicator", "nope"], "unknown indicator 'nope'"),
        (["convoy", "stats", "--from", "2017-03-01", "--to", "2017-01-01"], "the period ends"),
        (["damage", "--place", "XX999"], "no place with P-code 'XX999'"),
        (["history", "XX999"], "unknown P-code 'XX999'"),
        (["presence", "--place", "XX999"], "unknown P-code 'XX999'"),
        (
            ["convoy", "deliver", "NOPE", "--date", "2017-02-10", "--reached", "1"],
            "there is no convoy 'NOPE': 'lagebild convoy list' lists them",
        ),
        (["evidence", "status", "99", "verified", "--by", "me", "--why", "x"], "no evidence item"),
        (["sources", "grade", "Nobody", "--reliability", "B"], "unknown source 'Nobody'"),
        (["sources", "grade", "Nobody", "--kind", "nope"], "unknown kind 'nope'"),
    ],
)
def test_a_users_mistake_is_one_line_and_exit_code_1(
    demo_db: str, args: list[str], message: str
) -> None:
    result = CliRunner().invoke(main, ["--db", demo_db, *args])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {message}") and "Traceback" not in result.stderr


def test_a_bug_is_not_reported_as_a_users_mistake(
    demo_db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from lagebild.analysis import trust

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("a bug")

    monkeypatch.setattr(trust, "conflicts", broken)
    result = CliRunner().invoke(main, ["--db", demo_db, "figures", "--conflicts"])
    assert isinstance(result.exception, ValueError) and "Error: a bug" not in result.stderr
