"""Docs tested against the code: docs/cli.md is the --help of every command, and stays so.

Regenerate it with ``python tests/test_docs.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.testing import CliRunner

from lagebild.cli import main

CLI_DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


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


if __name__ == "__main__":
    CLI_DOC.write_text(cli_reference(), encoding="utf-8")
    sys.stdout.write(f"wrote {CLI_DOC}\n")
