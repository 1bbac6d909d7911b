"""The catalogue of problem codes: every kind is used, every problem the code makes is in it,
every template fills, and docs/hxl.md lists it (``python tests/test_problem_codes.py`` rewrites
the list)."""

from __future__ import annotations

import ast
import string
from datetime import datetime
from pathlib import Path

import pytest

from lagebild.ingest.catalogue import (
    CATALOGUE,
    KINDS,
    UNKNOWN_CODE,
    ProblemKind,
    UnknownProblem,
    problem,
    reason,
)
from lagebild.ingest.problems import ERROR, WARNING

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "lagebild"
CATALOGUE_FILE = SRC / "ingest" / "catalogue.py"
HXL_DOC = ROOT / "docs" / "hxl.md"
BEGIN = "<!-- problem codes: begin (python tests/test_problem_codes.py writes it) -->"
END = "<!-- problem codes: end -->"

#: The calls whose first argument (after the row, for ``error``) is the key of a problem kind.
KEYED = {"problem": 0, "reason": 0, "kind": 0, "ReadWarning": 0, "_form_problem": 0, "when": 0}
ERROR_CALLS = {"error": 1}  # Batch.error(row, key, ...) and _Convoys.error(i, key, ...)
#: The parameters of problem() and Batch.error(): a template field may not take their names.
RESERVED = {"key", "file", "row", "column", "value", "role", "params"}
#: Keys made at run time, and the source text that makes them.
MADE = {
    **{code: 'f"{slug}' for code in UNKNOWN_CODE.values()},
    **{f"{code}/blank": 'f"{slug}/blank"' for code in UNKNOWN_CODE.values()},
    **{f"{code}/kept": 'f"{slug}/kept"' for code in UNKNOWN_CODE.values()},
    "unknown-pcode": 'f"{what}-pcode"',
    "blank-pcode": 'f"{what}-pcode"',
}


def _sources() -> dict[Path, ast.Module]:
    return {
        path: ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(SRC.rglob("*.py"))
        if path != CATALOGUE_FILE
    }


def _name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _literals(node: ast.expr) -> list[str]:
    """The strings an argument can be: a literal, or either side of ``a if c else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _literals(node.body) + _literals(node.orelse)
    if isinstance(node, ast.BoolOp):
        return [s for v in node.values for s in _literals(v)]
    return []


def _keys_given() -> list[tuple[str, int, str]]:
    """(file, line, key) of every literal key a call in src gives."""
    found = []
    for path, tree in _sources().items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node)
            position = KEYED.get(name or "", ERROR_CALLS.get(name or ""))
            if position is None or len(node.args) <= position:
                continue
            for key in _literals(node.args[position]):
                found.append((str(path.relative_to(ROOT)), node.lineno, key))
    return found


def test_each_key_names_one_kind() -> None:
    assert len(CATALOGUE) == len(KINDS), "two kinds of problem with one key"
    for key, kind in CATALOGUE.items():
        assert kind.level in (ERROR, WARNING), key
        assert kind.title and kind.template, key


def test_every_problem_is_made_through_the_catalogue() -> None:
    made = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path, tree in _sources().items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _name(node) == "Problem"
        and path.name != "archive.py"  # evidence/archive.py has a Problem of its own
    ]  # fmt: skip
    assert made == [], "a Problem made outside ingest/catalogue.py"


def test_every_key_the_code_gives_is_in_the_catalogue() -> None:
    given = _keys_given()
    assert len(given) > 80
    unknown = [(f, line, key) for f, line, key in given if key not in CATALOGUE]
    assert unknown == []


def test_every_kind_of_the_catalogue_is_used() -> None:
    given = {
        node.value
        for tree in _sources().values()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    text = "\n".join(path.read_text(encoding="utf-8") for path in _sources())
    unused = [
        key for key in CATALOGUE
        if key not in given and not (key in MADE and MADE[key] in text)
    ]  # fmt: skip
    assert unused == []


def _sample(spec: str) -> object:
    if "%" in spec:
        return datetime(2016, 3, 15, 9, 30)
    if spec:
        return 1234.5
    return "x"


def _fields(kind: ProblemKind) -> dict[str, str]:
    return {
        field: spec or ""
        for _, field, spec, _ in string.Formatter().parse(kind.template)
        if field is not None
    }


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_the_template_fills(key: str) -> None:
    kind = CATALOGUE[key]
    fields = _fields(kind)
    assert not set(fields) & RESERVED, f"{key}: a field named as a parameter of problem()"
    params = {field: _sample(spec) for field, spec in fields.items()}
    made = problem(key, "data.csv", 3, "B #adm1+code", "SY99", **params)
    assert (made.severity, made.code) == (kind.level, kind.code)
    assert (made.file, made.row, made.column, made.value) == ("data.csv", 3, "B #adm1+code", "SY99")
    assert made.reason == reason(key, **params)
    assert "{" not in made.reason.replace("{x", "")
    if fields:
        with pytest.raises(KeyError):
            problem(key, "data.csv")


def test_an_unknown_key_is_a_mistake_in_the_code() -> None:
    with pytest.raises(UnknownProblem, match="no-such-problem"):
        problem("no-such-problem", "data.csv")
    with pytest.raises(UnknownProblem):
        problem("no-date/no-such-variant", "data.csv")


def test_the_reason_is_the_template_filled() -> None:
    made = problem("too-long", "incidents.csv", 7, "H #event+type", "x" * 90, limit=80)
    assert str(made) == (
        "error: incidents.csv, row 7, column H #event+type, value '" + "x" * 90 + "': "
        "longer than 80 characters"
    )
    assert reason("no-date/figure") == (
        "a figure needs a date: add a #date column or import with --date"
    )


def problem_codes() -> str:
    """The list of problem codes docs/hxl.md holds, from the catalogue."""
    lines = [
        BEGIN,
        "",
        "| code | level | what | reason (`{fields}` are filled for each problem) |",
        "| --- | --- | --- | --- |",
    ]
    for kind in KINDS:
        template = kind.template.replace("|", "\\|")
        lines.append(f"| `{kind.key}` | {kind.level} | {kind.title} | `{template}` |")
    lines += ["", END]
    return "\n".join(lines)


def _with_codes(text: str) -> str:
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return head + problem_codes() + tail


def test_docs_list_every_problem_code() -> None:
    text = HXL_DOC.read_text(encoding="utf-8")
    assert BEGIN in text and END in text, "docs/hxl.md lacks the problem code markers"
    assert text == _with_codes(text), "run python tests/test_problem_codes.py"


if __name__ == "__main__":
    text = HXL_DOC.read_text(encoding="utf-8")
    HXL_DOC.write_text(_with_codes(text), encoding="utf-8")
    print(f"wrote {HXL_DOC}")
