"""``report``: the situation report of a date, as PDF, HTML or Markdown, in English, Arabic or
German; ``--template-copy`` starts a folder of templates to change and give to ``--template``."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import click

from lagebild.cli.common import DATE, open_store
from lagebild.cli.picture import picture_date

LANGUAGES = ("en", "ar", "de")
FORMATS = ("pdf", "html", "md")


def _format(fmt: str | None, output: str) -> str:
    """The format asked for, else the one the output file's name ends in."""
    if fmt:
        return fmt
    suffix = Path(output).suffix.lower().lstrip(".")
    found = {"htm": "html", "markdown": "md"}.get(suffix, suffix)
    if found not in FORMATS:
        raise click.UsageError(f"say --format {'|'.join(FORMATS)}: the output {output!r} does "
                               "not end in .pdf, .html or .md")  # fmt: skip
    return found


def _shaping(since: date | None, window: int, language: str, fmt: str,
             folder: Path | None) -> dict[str, object]:
    """The options that shape the report, for ``--if-changed``; a template folder by the
    digest of its files, so that a changed template writes the report again."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")) if folder else ():
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return {"since": since, "window": window, "lang": language, "format": fmt,
            "template": f"{folder} {digest.hexdigest()}" if folder else None}  # fmt: skip


@click.command("report")
@click.option("--as-of", "as_of", type=DATE,
              help="Date of the report (default: the date of the newest data, never after "
              "today).")  # fmt: skip
@click.option("--since", type=DATE,
              help="Start of the period whose changes the report tells (default: a week before "
              "--as-of); must be before --as-of.")  # fmt: skip
@click.option("--window", type=click.IntRange(min=1), default=30, show_default=True,
              help="Days a delivery counts as recent (people reached, cut-off places).")
@click.option("--lang", "language", type=click.Choice(LANGUAGES), default="en",
              show_default=True, help="Language of the report (Arabic: right to left, "
              "Arabic-Indic digits).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="pdf, html or md (default: from the output file's name).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), metavar="FILE",
              help="The file to write.")
@click.option("--template", "template", type=click.Path(file_okay=False), metavar="DIR",
              help="A folder of templates (report.html, report.md, report.css) to use before "
              "the shipped ones; --template-copy makes one.")  # fmt: skip
@click.option("--template-copy", "template_copy", type=click.Path(file_okay=False),
              metavar="DIR", help="Copy the shipped templates into DIR, to change them, and "
              "stop.")  # fmt: skip
@click.option("--if-changed", "if_changed", is_flag=True,
              help="Write nothing (and exit 0) when nothing was imported or changed since the "
              "run that wrote FILE with the same options (for cron or a systemd timer).")
@click.pass_context
def report(
    ctx: click.Context,
    as_of: date | None,
    since: date | None,
    window: int,
    language: str,
    fmt: str | None,
    output: str | None,
    template: str | None,
    template_copy: str | None,
    if_changed: bool,
) -> None:
    """The situation report: key figures with their sources and grades, what changed since
    --since (cut-off places, access, convoys, incidents, damage), the cut-off places, the
    besieged population by besieging party, the priorities and the latest saved plan, a map
    and charts, sources and definitions.

    PDF needs WeasyPrint and Debian's libpango-1.0-0 and libpangoft2-1.0-0; the fonts (Noto
    Sans, Noto Naskh Arabic) ship with lagebild and are embedded in the PDF.
    """
    from lagebild.analysis.report import report_since, situation_report
    from lagebild.publish import freshness
    from lagebild.publish import report as sitrep

    if template_copy:
        for path in sitrep.copy_templates(template_copy):
            click.echo(f"wrote {path}")
        return
    if not output:
        raise click.UsageError("say where to write the report: -o FILE")
    chosen = _format(fmt, output)
    folder = sitrep.check_template_dir(template)
    if chosen == "pdf":
        sitrep.pdf_engine()  # refuses at once, saying what to install, where PDF cannot be made
    store = open_store(ctx)
    found_fresh = freshness.check(store, Path(output), _shaping(since, window, language, chosen,
                                                                 folder))  # fmt: skip
    if if_changed and not found_fresh.changed:
        click.echo(found_fresh.reason)
        return
    when, _ = picture_date(store, as_of, "report")
    start = report_since(when, since)
    from lagebild.analysis.priorities import load_model
    from lagebild.publish.language import Language
    from lagebild.publish.words import Words

    found = situation_report(store, when, start, window, model=load_model())
    lang = Language(language)
    Path(output).write_bytes(sitrep.render(found, chosen, lang, Words(lang), folder))
    freshness.record(Path(output), found_fresh)
    click.echo(f"wrote {output}: the situation report of {when.isoformat()} (changes since "
               f"{start.isoformat()}), {language}, {chosen}")  # fmt: skip
