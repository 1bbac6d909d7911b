"""Docs tested against the code: docs/cli.md is the --help of every command, and the README's
layout names every module of the package with the first sentence of its docstring.

Regenerate both with ``python tests/test_docs.py``.
"""

from __future__ import annotations

import ast
import sys
import textwrap
from pathlib import Path

import click
from click.testing import CliRunner

from lagebild.cli import main

CLI_DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
README = CLI_DOC.parents[1] / "README.md"
PACKAGE = CLI_DOC.parents[1] / "src" / "lagebild"
LAYOUT_BEGIN = "<!-- layout: begin (python tests/test_docs.py writes it from the docstrings) -->"
LAYOUT_END = "<!-- layout: end -->"


def _first_sentence(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    text = " ".join(doc.strip().split("\n\n")[0].split())
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def module_layout() -> str:
    """Every module of src/lagebild (migration scripts apart), a line each, wrapped at 100."""
    lines = ["```"]
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if "versions" in relative.parts or relative.name == "__main__.py":
            continue
        if relative.name == "__init__.py" and not _first_sentence(path):
            continue
        if relative.name == "__init__.py":
            name = "src/lagebild/" if relative.parent == Path(".") else f"{relative.parent}/"
        else:
            name = str(relative)
        head = f"{name:<28} "
        body = textwrap.wrap(_first_sentence(path), width=100 - len(head))
        lines.append(head + (body[0] if body else ""))
        lines += [" " * len(head) + more for more in body[1:]]
    lines.append("```")
    return "\n".join(lines) + "\n"


def cli_reference() -> str:
    parts = [
        "# Command-line reference\n",
        "Generated from `--help` by `python tests/test_docs.py`; a test fails when it is stale.\n",
    ]
    runner = CliRunner()
    for path in [[], *command_paths(main)]:
        text = runner.invoke(
            main, [*path, "--help"], prog_name="lagebild", terminal_width=100
        ).output
        title = " ".join(["lagebild", *path])
        parts.append(f"\n## {title}\n\n```\n{text.rstrip()}\n```\n")
    return "".join(parts)


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[list[str]]:
    """Every command and subcommand (``convoy request``), groups before their commands."""
    found: list[list[str]] = []
    for name in sorted(group.commands):
        command = group.commands[name]
        found.append([*prefix, name])
        if isinstance(command, click.Group):
            found += command_paths(command, (*prefix, name))
    return found


def _comparable(text: str) -> str:
    """Help text without what click versions render differently (``[COMMAND]``, spacing)."""
    return " ".join(text.replace("[COMMAND]", "COMMAND").split())


def test_cli_reference_is_up_to_date() -> None:
    assert _comparable(CLI_DOC.read_text(encoding="utf-8")) == _comparable(cli_reference()), (
        "docs/cli.md is stale: run python tests/test_docs.py"
    )


def test_every_subcommand_has_its_section_in_the_reference() -> None:
    doc = CLI_DOC.read_text(encoding="utf-8")
    for path in command_paths(main):  # type: ignore[arg-type]
        assert f"\n## lagebild {' '.join(path)}\n" in doc, f"docs/cli.md lacks {path}"


def test_every_command_is_in_the_readme() -> None:
    readme = (CLI_DOC.parents[1] / "README.md").read_text(encoding="utf-8")
    for name in main.commands:  # type: ignore[attr-defined]
        assert f"lagebild {name}" in readme, f"README.md does not show 'lagebild {name}'"


def test_every_hashtag_the_importer_reads_is_documented() -> None:
    from lagebild.ingest import columns

    doc = (CLI_DOC.parent / "hxl.md").read_text(encoding="utf-8")
    roles = [columns.COMMON_ROLES, columns.DELIVERY_ROLES, columns.ACCESS_ROLES]
    for table in roles:
        for patterns in table.values():
            first = patterns[0]
            tag = "#" + first.hashtag + "".join(f"+{a}" for a in sorted(first.must))
            assert any(
                tag == t or set(tag.split("+")) == set(t.split("+"))
                for t in _tags_in(doc)
            ), f"{tag} is read but not documented in docs/hxl.md"


def _tags_in(doc: str) -> set[str]:
    import re

    return set(re.findall(r"`(#[a-z0-9_]+(?:\+[a-z0-9_]+)*)`", doc))


def test_the_readme_layout_names_every_module() -> None:
    text = README.read_text(encoding="utf-8")
    assert LAYOUT_BEGIN in text and LAYOUT_END in text, "README.md lacks the layout markers"
    current = text.split(LAYOUT_BEGIN, 1)[1].split(LAYOUT_END, 1)[0].strip("\n") + "\n"
    assert current == module_layout(), "README.md's layout is stale: run python tests/test_docs.py"


if __name__ == "__main__":
    CLI_DOC.write_text(cli_reference(), encoding="utf-8")
    sys.stdout.write(f"wrote {CLI_DOC}\n")
    readme = README.read_text(encoding="utf-8")
    head, rest = readme.split(LAYOUT_BEGIN, 1)
    tail = rest.split(LAYOUT_END, 1)[1]
    README.write_text(head + LAYOUT_BEGIN + "\n" + module_layout() + LAYOUT_END + tail,
                      encoding="utf-8")  # fmt: skip
    sys.stdout.write(f"wrote {README}\n")
