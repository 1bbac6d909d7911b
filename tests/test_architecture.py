"""The shape of the code, as DESIGN.md draws it, checked on the source itself.

The import graph is read with ``ast`` from every module of ``src/lagebild`` (imports inside
functions count as much as those at the top: a circle hidden in a function is still a circle).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "lagebild"

#: Each part of lagebild, and the parts it may import. Nothing imports upward: the front ends
#: (cli, web) call the use cases (actions) and the read side (analysis, publish); those call
#: ingest, which writes through the store; the model, the errors and the messages (words to be
#: translated where they are shown) are at the bottom.
MAY_IMPORT: dict[str, set[str]] = {
    "errors": {"messages"},  # an error may be made with a message to translate
    "messages": set(),
    "model": {"errors", "messages"},
    "store": {"model", "errors", "messages"},
    "security": {"store", "model", "errors", "messages"},
    "ingest": {"store", "model", "errors", "messages"},
    "evidence": {"store", "model", "errors", "messages"},
    "analysis": {"ingest", "security", "store", "model", "errors", "messages"},
    "publish": {"analysis", "ingest", "security", "store", "model", "errors", "messages"},
    "demo": {"ingest", "evidence", "store", "model", "errors", "messages"},
    "actions": {
        "analysis", "publish", "ingest", "evidence", "security", "demo", "store", "model",
        "errors", "messages",
    },
    "web": {
        "actions", "analysis", "publish", "ingest", "evidence", "security", "store", "model",
        "errors", "messages",
    },
    "cli": {
        "web", "actions", "analysis", "publish", "ingest", "evidence", "security", "demo",
        "store", "model", "errors", "messages",
    },
}  # fmt: skip

#: Exceptions of the database drivers: only the store knows them.
DRIVER_MODULES = ("sqlite3", "psycopg", "psycopg2", "sqlalchemy.exc")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. lagebild.web.gaps
    target: str  # the module imported, e.g. lagebild.store.store
    name: str | None  # the name taken from it, for ``from target import name``
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _absolute(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if modules()[module].name != "__init__.py":
        base = base[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join([*base, *([node.module] if node.module else [])])


def _imports_of(module: str) -> Iterator[Import]:
    tree = ast.parse(modules()[module].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, None, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(module, node)
            for alias in node.names:
                if f"{target}.{alias.name}" in modules():  # a submodule, not a name
                    yield Import(module, f"{target}.{alias.name}", None, node.lineno)
                else:
                    yield Import(module, target, alias.name, node.lineno)


@cache
def imports() -> tuple[Import, ...]:
    return tuple(i for m in modules() for i in _imports_of(m))


def _own_module(target: str) -> str | None:
    """The module of lagebild that ``target`` names, or None for a module outside it."""
    while target and target not in modules():
        target = target.rpartition(".")[0]
    return target or None


def part_of(module: str) -> str:
    """``lagebild.web.gaps`` -> ``web``; ``lagebild.errors`` -> ``errors``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {m: set() for m in modules()}
    for i in imports():
        if i.target.startswith("lagebild") and (own := _own_module(i.target)) is not None:
            if own != i.module:
                edges[i.module].add(own)
    return edges


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while (w := stack.pop()) != v:
                component.append(w)
            if component:
                found.append(sorted([v, *component]))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


# -- the tests ----------------------------------------------------------------------------------


def test_every_part_of_the_package_has_its_place_in_the_layers() -> None:
    parts = {part_of(m) for m in modules()} - {""}
    # The package's own modules at the top of lagebild/ are parts too (errors.py).
    assert parts <= set(MAY_IMPORT), sorted(parts - set(MAY_IMPORT))


def test_nothing_imports_upward() -> None:
    wrong = []
    for i in imports():
        own = _own_module(i.target) if i.target.startswith("lagebild") else None
        if own is None:
            continue
        source, target = part_of(i.module), part_of(own)
        if target and source and target != source and target not in MAY_IMPORT[source]:
            wrong.append(f"{i.module}:{i.line} imports {own}")
    assert not wrong, "\n".join(wrong)


def test_no_module_is_part_of_an_import_circle() -> None:
    assert circles(graph()) == []


def test_the_circle_finder_finds_a_circle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(edges) == [["a", "b", "c"]]


def test_no_private_name_is_imported_from_another_module() -> None:
    private = [
        f"{i.module}:{i.line} takes {i.name} from {i.target}"
        for i in imports()
        if i.name and i.name.startswith("_") and not i.name.startswith("__")
        and i.target.startswith("lagebild") and _own_module(i.target) != i.module
    ]  # fmt: skip
    assert not private, "\n".join(private)


def test_only_the_store_knows_the_database_drivers_exceptions() -> None:
    drivers = [
        f"{i.module}:{i.line} imports {i.target}"
        for i in imports()
        if i.target.startswith(DRIVER_MODULES) and part_of(i.module) != "store"
    ]
    assert not drivers, "\n".join(drivers)


def test_sql_lives_only_in_the_store() -> None:
    outside = [
        f"{i.module}:{i.line} imports {i.target}"
        for i in imports()
        if i.target.split(".")[0] == "sqlalchemy" and part_of(i.module) != "store"
    ]
    assert not outside, "\n".join(outside)


def test_the_web_app_module_is_imported_by_no_other_web_module() -> None:
    users = [
        i.module for i in imports() if i.target == "lagebild.web.app" and part_of(i.module) == "web"
        and i.module != "lagebild.web"
    ]  # fmt: skip
    assert not users, users


#: The one command that reaches into the web front end: ``lagebild serve`` starts the web app.
CLI_INTO_WEB = {"lagebild.cli.serve"}


def test_no_command_line_module_imports_the_web_front_end_but_serve() -> None:
    """The two front ends stand side by side: what both need (the languages, the words of the
    data) lives below them, so the command line imports nothing of the web but to serve it."""
    into_web = [
        f"{i.module}:{i.line} imports {own}"
        for i in imports()
        if part_of(i.module) == "cli" and i.module not in CLI_INTO_WEB
        and (own := _own_module(i.target) if i.target.startswith("lagebild") else None)
        and part_of(own) == "web"
    ]  # fmt: skip
    assert not into_web, "\n".join(into_web)


def test_no_command_line_module_is_over_400_lines() -> None:
    long = {
        m: n
        for m, p in modules().items()
        if part_of(m) == "cli" and (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert not long, long


ISSUE_NUMBER = re.compile(r"#.*\b(issue|point)s? \d+", re.IGNORECASE)


def test_no_comment_points_to_an_issue_number() -> None:
    found = [
        f"{p.relative_to(SRC)}:{n}: {line.strip()}"
        for p in modules().values()
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if ISSUE_NUMBER.search(line)
    ]
    assert not found, "\n".join(found)


#: Exceptions that never reach a user as such: the web's own control flow (turned into a page
#: or an answer where they are raised), and a bug in lagebild's own code.
NOT_A_REFUSAL = {
    "lagebild.web.auth.SignInRequired",  # becomes the sign-in page
    "lagebild.web.auth.CsrfRefused",  # becomes a 403 page
    "lagebild.web.uploads.FormError",  # becomes the Import page's form problem
    "lagebild.web.imports._Refused",  # becomes the API's 413/422 answer
    "lagebild.ingest.catalogue.UnknownProblem",  # a problem key the catalogue lacks: a bug
}


def test_every_exception_lagebild_raises_to_a_user_is_one_of_its_errors() -> None:
    import importlib
    import inspect

    from lagebild.errors import LagebildError

    outside = []
    for name in modules():
        if ".migrations" in name:  # Alembic's scripts run only inside Alembic
            continue
        module = importlib.import_module(name)
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != name or not issubclass(cls, BaseException):
                continue
            if f"{name}.{cls_name}" not in NOT_A_REFUSAL and not issubclass(cls, LagebildError):
                outside.append(f"{name}.{cls_name}")
    assert not outside, outside
