"""How an import reads on the terminal: its progress, the summary, recognition, place changes,
problems."""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click


def summary(report: Any) -> str:
    verb = "would import" if report.dry_run else "imported"
    text = f"{report.file}: {verb} {report.kind}: {report.rows_written:,} rows"
    if not report.dry_run:
        text += f" ({report.records_written:,} records) as import #{report.import_id}"
    if report.records_replaced:
        text += f", replacing {report.records_replaced:,} records of earlier imports"
    if report.rows_rejected:
        text += f"; {report.rows_rejected:,} rows rejected"
        if report.rejects_path:
            text += f" (see {report.rejects_path})"
    if report.warning_count:
        text += f"; {report.warning_count:,} warning(s)"
    return text + "\n" + recognition(report)


def recognition(report: Any) -> str:
    """How the kind was recognised and which columns were left out, wrapped for 80 columns."""
    import textwrap

    lines = []
    if report.decided_by:
        lines.append(
            f"kind {report.kind}: {report.reason} ({', '.join(report.decided_by)})"
        )
    elif report.kind:
        lines.append(f"kind {report.kind}: {report.reason or 'named by --kind'}")
    if report.unused_columns:
        lines.append(f"unused columns: {', '.join(report.unused_columns)}")
    return "\n".join(
        textwrap.fill(line, width=78, initial_indent="  ", subsequent_indent="    ")
        for line in lines
    )


def print_place_changes(report: Any, err: bool) -> None:
    """A gazetteer's effect on the places known: counts per kind, the first renames and moves."""
    if report.place_changes is not None:
        for line in report.place_changes.lines():
            click.echo(line, err=err)


def mapping_lines(report: Any, width: int = 80) -> list[str]:
    """``  sector "Multipurpose - One time" -> cash: 413 rows``, one line a word the import
    mapped to another code (a word that is its code but for case, "Food" -> food, is left out;
    the JSON report lists it)."""
    lines = []
    for (vocabulary, word, code), rows in sorted(report.mappings.items()):
        if word.strip().casefold() == code.casefold():
            continue
        tail = f" -> {code or '(inter-sector)'}: {rows:,} row{'s' if rows != 1 else ''}"
        room = max(width - len(vocabulary) - len(tail) - 5, 8)
        shown = word.strip() if len(word.strip()) <= room else word.strip()[: room - 1] + "…"
        lines.append(f"  {vocabulary} \"{shown}\"{tail}")
    return lines


def print_problems(report: Any, verbose: bool, err: bool) -> None:
    from lagebild.ingest.gazetteer import stands_for_unknown_pcode
    from lagebild.ingest.problems import WARNING

    unknown = report.unknown_pcodes
    summarise = bool(unknown.rows) and not verbose
    if unknown.rows:  # said once, first; the rows it stands for are listed with --verbose
        said = f"{unknown.severity}: {report.file}: {unknown.message()}"
        click.echo(textwrap.fill(said, width=80, subsequent_indent="  "), err=err)
    shown = summarised = kept = 0
    for problem in report.problems:
        kept += problem.code == "unknown-pcode"
        if summarise and stands_for_unknown_pcode(problem):
            summarised += problem.severity == WARNING
            continue
        if problem.severity == WARNING and not verbose and shown >= 20:
            continue
        click.echo(str(problem), err=err)
        shown += problem.severity == WARNING
    if summarise:  # and those past the cap of problems kept per code
        summarised += report.counts[(WARNING, "unknown-pcode")] - kept
        click.echo("... a line for each row of these P-codes with --verbose", err=err)
    hidden = report.warning_count - min(shown, report.warning_count) - summarised
    if hidden > 0 and not verbose:
        click.echo(f"... and {hidden:,} more warning(s); --verbose lists them all", err=err)
    if report.omitted:
        click.echo(f"... {report.omitted:,} more problem(s) of the same kinds not listed", err=err)


def _estimated_rows(path: Path) -> int | None:
    """Rows of a CSV estimated from its size and the length of its first lines."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(1 << 16)
    except OSError:
        return None
    if path.suffix.lower() in (".xlsx", ".xls", ".ods") or not head.count(b"\n"):
        return None
    return max(1, round(size / (len(head) / head.count(b"\n"))))


def progress_printer(path: Path) -> tuple[Callable[[int], None], Callable[[], None]]:
    """A progress bar on stderr, shown once an import has taken more than a second."""
    start = time.monotonic()
    total = _estimated_rows(path)
    shown = False

    def update(rows: int) -> None:
        nonlocal shown
        elapsed = time.monotonic() - start
        if elapsed < 1.0:
            return
        shown = True
        rate = f"{rows / elapsed:,.0f} rows/s"
        if total:
            share = min(rows / total, 1.0)
            bar = "#" * round(30 * share) + "-" * (30 - round(30 * share))
            line = f"[{bar}] {share:4.0%}  {rows:,} of ~{total:,} rows  {rate}"
        else:
            line = f"{rows:,} rows  {rate}"
        click.echo(f"\r  {line}", nl=False, err=True)

    def done() -> None:
        if shown:
            click.echo("", err=True)

    return update, done
