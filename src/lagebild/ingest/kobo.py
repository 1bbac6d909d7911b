"""A KoboToolbox or ODK Central export of a 4W or needs form, read with its XLSForm.

An export is a CSV or XLSX file of submissions, one row each, with the questions' names
("XML values and headers") or their labels ("labels", in one of the form's languages) as headers,
group prefixes (``activity/sector``; ODK Central's ``activity-sector``; or any of ``:``, ``.``
as set in Kobo's export), select_multiple answers as one space-separated column, as one column
per choice (``sector/wash``, 1 or 0), or both, and Kobo's metadata (``_uuid``,
``_submission_time``, ``_index``; ODK Central's ``meta-instanceID``, ``KEY``,
``SubmissionDate``). An XLSX export holds each repeat group in a sheet of its own, joined to
its parent by ``_parent_index`` (the parent's ``_index``) or ODK's ``PARENT_KEY``.

:func:`open_export` reads the form (:mod:`lagebild.ingest.xlsform`) and the export, checks every
header against the form and every answer against its choices, and gives a :class:`Table` of
HXL-tagged columns that the import reads as any other file: one row per submission, or per row
of the deepest repeat holding a question the import reads (with its parents' answers). The
questions are tagged by the import's ``--tags`` map (by question name, path or label), else by
the form's own ``hxl`` column, else from their names by the shipped map ``tagmaps/kobo-4w.yml``;
a name that could mean two things is asked about, not guessed. Each row carries its
submission's ``_uuid`` as ``#meta+id``: importing an edited submission again replaces its earlier
rows (``importer._replace_earlier``), and undoing that import puts them back.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import polars as pl
import python_calamine
import yaml

from lagebild.ingest.catalogue import problem
from lagebild.ingest.problems import Problem
from lagebild.ingest.read import (
    ANY_HEADER,
    Column,
    ReadError,
    Table,
    TableInfo,
    archive_files,
    open_table,
)
from lagebild.ingest.tags import Tag, is_tag_row
from lagebild.ingest.xlsform import Form, Question, read_form
from lagebild.messages import N_, Message, either

#: The map of common 4W and needs question names to hashtags, shipped with lagebild.
SHIPPED_MAP = Path(__file__).parent / "tagmaps" / "kobo-4w.yml"
#: Question names that could mean two things: the import asks (a --tags line), never guesses.
AMBIGUOUS: dict[str, tuple[str, ...]] = {
    "beneficiaries": ("#reached", "#targeted"),
    "people": ("#reached", "#inneed"),
    "individuals": ("#reached", "#inneed"),
    "households": ("#reached+hh", "#inneed+hh"),
    "total": ("#reached", "#inneed"),
    "location": ("#loc+name", "#geo+coord"),
    "org": ("#org+impl", "#org+reporting"),
}
#: Separators of a group's name from its question's: Kobo's "/" (or as set), ODK Central's "-".
SEPARATORS = ("/", "-", ":", "::", ".")
#: Metadata columns: the submission's key, its row index, its parent's, and when it came.
#: The submission's key, steadiest first: Kobo's root uuid (the same through edits; ``_uuid``
#: changes when a submission is edited), ODK Central's KEY (the first version's instanceID).
_KEY = ("meta/rootuuid", "_uuid", "key", "meta/instanceid", "meta-instanceid", "instanceid")
_SUBMISSION_KEY = ("_submission__uuid",)
_INDEX = ("_index",)
_PARENT_INDEX = ("_parent_index",)
_PARENT_KEY = ("parent_key",)
_SUBMITTED = ("_submission_time", "submissiondate")
#: Other metadata of Kobo and ODK Central exports: read, not imported.
_OTHER_META = re.compile(
    r"(_submission_+)?_?(id|validation_status|notes|status|submitted_by|_version__|version_*|"
    r"tags|xform_id_string|attachments|geolocation|parent_table_name|submission_time|"
    r"media_all_received|media_count|total_media|duration)\Z"
    r"|submitterid|submittername|attachmentspresent|attachmentsexpected|status|reviewstate|"
    r"deviceid|edits|formversion|meta[/-].*|formhub[/-]uuid|__version__|_.*_(latitude|longitude|"
    r"altitude|precision)",
    re.IGNORECASE,
)
_GEO_TYPES = frozenset({"geopoint", "geotrace", "geoshape"})
_DATE_TYPES = frozenset({"date", "datetime", "start", "end", "today"})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PCODE = re.compile(r"[A-Za-z]{2}[0-9]{2,}\Z|C[0-9]{4,}\Z")
_PLACE_HASHTAGS = frozenset({"adm1", "adm2", "adm3", "adm4", "adm5", "loc", "country"})
_TRUE = frozenset({"1", "true", "yes"})
_FALSE = frozenset({"0", "false", "no", ""})
KEY_TAG = Tag("meta", ("id",))


class KoboRefused(ReadError):
    """An export that does not fit its form, or a form that cannot be read: every problem."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        super().__init__(path, reason=f"{len(problems)} problem(s) with the export and its form")
        self.problems = problems


@dataclass
class _Sheet:
    """One sheet (or the CSV) of the export: its columns and rows, and its level in the form
    (None: the submissions; else the name of a repeat)."""

    name: str | None
    columns: list[Column]
    frame: pl.DataFrame
    level: str | None = None
    #: column index -> the question it answers; select_multiple choice columns apart.
    answers: dict[int, Question] = field(default_factory=dict)
    choice_columns: dict[int, tuple[Question, str]] = field(default_factory=dict)
    meta: dict[str, int] = field(default_factory=dict)  # key, index, parent, submitted


@dataclass
class _Reading:
    path: Path
    form: Form
    language: str
    problems: list[Problem] = field(default_factory=list)

    @property
    def file(self) -> str:
        return self.path.name

    def add(self, found: Problem) -> None:
        self.problems.append(found)


def open_export(
    path: Path | str,
    form_path: Path | str,
    *,
    tag_map: Mapping[str, str] | None = None,
    language: str | None = None,
    locale: str = "en",
    encoding: str | None = None,
) -> Table:
    """The export as an HXL-tagged table (see the module's docstring).

    Raises:
        KoboRefused: the export does not fit the form, with every problem (file, row, column,
            value), or the form cannot be read.
        ReadError: the export cannot be read as a table.
    """
    path, form_path = Path(path), Path(form_path)
    try:
        form = read_form(form_path)
        chosen = form.language(language)
    except ReadError as exc:
        found = problem(
            "unreadable", form_path.name, exc.row, exc.column, exc.value, reason=exc.said
        )
        raise KoboRefused(form_path, [found]) from exc
    reading = _Reading(path, form, chosen)
    sheets = _read_sheets(path, locale, encoding)
    for sheet in sheets:
        _place_sheet(reading, sheet, len(sheets) > 1)
        _resolve_headers(reading, sheet)
    tags = _tags(reading, sheets, tag_map)
    if not reading.problems:
        _check_answers(reading, sheets)
        _check_keys(reading, sheets)
    if reading.problems:
        raise KoboRefused(path, reading.problems)
    return _joined(reading, sheets, tags)


# ---- the export's sheets ----------------------------------------------------------------------


def _read_sheets(path: Path, locale: str, encoding: str | None) -> list[_Sheet]:
    """Every sheet of an XLSX export (one per repeat group), every CSV of ODK Central's ZIP
    (``form.csv``, ``form-repeat.csv``), or the one table of a CSV."""
    members = _zipped_tables(path)
    if len(members) > 1:
        sheets = []
        for member in members:
            with open_table(path, member=member, tag_map=ANY_HEADER, encoding=encoding) as table:
                sheets.append(_sheet(PurePosixPath(member).stem, table))
        return sheets
    with open_table(path, tag_map=ANY_HEADER, locale=locale, encoding=encoding) as table:
        if table.info.format == "csv" or table.info.sheet is None:
            return [_sheet(None, table)]
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        names = list(workbook.sheet_names)
    finally:
        workbook.close()
    sheets = []
    for name in names:
        try:
            with open_table(path, sheet=name, tag_map=ANY_HEADER, locale=locale) as table:
                sheets.append(_sheet(name, table))
        except ReadError:
            continue  # an empty sheet
    return sheets


def _zipped_tables(path: Path) -> list[str]:
    """The tables in a ZIP archive that is no workbook (ODK Central's CSV export), else none."""
    if not zipfile.is_zipfile(path):
        return []
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive_files(archive)
    except (zipfile.BadZipFile, OSError):
        return []
    if "[Content_Types].xml" in names or "mimetype" in names:
        return []
    return [n for n in names if n.lower().endswith((".csv", ".tsv", ".txt"))]


def _sheet(name: str | None, table: Table) -> _Sheet:
    frames = list(table.batches())
    frame = (
        pl.concat(frames)
        if frames
        else pl.DataFrame(
            {n: [] for n in table.names} | {"_row": []},
            schema={n: pl.Utf8 for n in table.names} | {"_row": pl.Int64},
        )
    )
    columns = [Column(c.index, c.letter, c.header, None) for c in table.columns]
    if frame.height and is_tag_row([v or "" for v in frame.row(0)[:-1]]):
        frame = frame.slice(1)  # the hashtags Kobo exports under the headers: the form's own
    return _Sheet(name, columns, frame)


def _place_sheet(reading: _Reading, sheet: _Sheet, several: bool) -> None:
    """The level of a sheet: the submissions (the first sheet, or a CSV) or a repeat, by the
    sheet's name (Kobo names a repeat's sheet after it, cut to 31 characters)."""
    if not several or sheet.name is None:
        return
    repeats = reading.form.repeats
    by_sheet = {name[:31].casefold(): name for name in repeats}
    folded = sheet.name.strip().casefold()
    found = by_sheet.get(folded)
    if found is None:  # ODK Central: "form-repeat.csv"
        found = next((n for n in repeats if folded.endswith("-" + n.casefold())), None)
    if found is not None:
        sheet.level = found
        return
    headers = {(c.header or "").casefold() for c in sheet.columns}
    if headers & {*_PARENT_INDEX, *_PARENT_KEY}:
        listed: Message | tuple[str, ...] = tuple(repeats) or Message(N_("none"))
        reading.add(
            problem(
                "kobo-sheet",
                reading.file,
                sheet=sheet.name,
                form=reading.form.path.name,
                repeats=listed,
            )
        )


# ---- headers: questions, choices, metadata ----------------------------------------------------


def _names(reading: _Reading) -> dict[str, list[Question]]:
    """Every text a header may be for each question: its name, its path with each separator,
    its label in each language (alone and under its groups' labels)."""
    out: dict[str, list[Question]] = {}

    def put(text: str, question: Question) -> None:
        key = " ".join(text.split()).casefold()
        if key and question not in out.setdefault(key, []):
            out[key].append(question)

    for question in reading.form.questions:
        put(question.name, question)
        for sep in SEPARATORS:
            put(sep.join((*question.path, question.name)), question)
        for language, label in question.labels.items():
            put(label, question)
            groups = [g.get(language) or next(iter(g.values()), "") for g in question.group_labels]
            if all(groups):
                for sep in SEPARATORS:
                    put(sep.join((*groups, label)), question)
    return out


def _resolve_headers(reading: _Reading, sheet: _Sheet) -> None:
    names = _names(reading)
    keys: dict[int, int] = {}  # rank in _KEY -> column
    for column in sheet.columns:
        header = " ".join((column.header or "").split())
        folded = header.casefold()
        where = _where(sheet, column)
        if not header:
            continue
        meta = _meta_role(folded)
        if meta == "key":
            keys[_KEY.index(folded)] = column.index
            continue
        if meta is not None:
            sheet.meta.setdefault(meta, column.index)
            continue
        found = names.get(folded, [])
        if len(found) > 1:  # a name in two places: the one of this sheet's level, if one
            mine = [q for q in found if q.repeat == sheet.level]
            found = mine if len(mine) == 1 else found
        if len(found) > 1:
            listed = either(tuple(q.xpath for q in found))
            reading.add(
                problem(
                    "kobo-ambiguous-field",
                    reading.file,
                    None,
                    where,
                    header,
                    header=header,
                    which=listed,
                )
            )
            continue
        if found:
            _answer(reading, sheet, column, found[0])
            continue
        choice = _choice_column(reading, names, header)
        if choice is not None:
            sheet.choice_columns[column.index] = choice
            _level_fits(reading, sheet, column, choice[0])
            continue
        if _OTHER_META.fullmatch(folded):
            continue
        reading.add(
            problem(
                "kobo-unknown-field",
                reading.file,
                None,
                where,
                header,
                header=header,
                form=reading.form.path.name,
            )
        )
    if keys:
        sheet.meta["key"] = keys[min(keys)]


def _meta_role(folded: str) -> str | None:
    for role, names in (
        ("key", _KEY),
        ("submission_key", _SUBMISSION_KEY),
        ("index", _INDEX),
        ("parent_index", _PARENT_INDEX),
        ("parent_key", _PARENT_KEY),
        ("submitted", _SUBMITTED),
    ):
        if folded in names:
            return role
    return None


def _answer(reading: _Reading, sheet: _Sheet, column: Column, question: Question) -> None:
    sheet.answers[column.index] = question
    _level_fits(reading, sheet, column, question)


def _level_fits(reading: _Reading, sheet: _Sheet, column: Column, question: Question) -> None:
    if sheet.name is not None and question.repeat != sheet.level:
        where = (
            Message(N_("the repeat %(name)s"), {"name": repr(question.repeat)})
            if question.repeat
            else Message(N_("the submissions"))
        )
        reading.add(
            problem(
                "kobo-wrong-sheet",
                reading.file,
                None,
                _where(sheet, column),
                column.header,
                name=question.xpath,
                where=where,
                sheet=sheet.name or reading.file,
            )
        )


def _choice_column(
    reading: _Reading, names: dict[str, list[Question]], header: str
) -> tuple[Question, str] | None:
    """``sector/wash`` (or ``sector::WASH`` in a labels export): the select_multiple question
    and the choice's name, or None."""
    for sep in SEPARATORS:
        stem, found, tail = header.rpartition(sep)
        if not found:
            continue
        for question in names.get(" ".join(stem.split()).casefold(), []):
            if question.type != "select_multiple" or question.list_name is None:
                continue
            for choice in reading.form.choices[question.list_name]:
                texts = {choice.name.casefold(), *(t.casefold() for t in choice.labels.values())}
                if " ".join(tail.split()).casefold() in texts:
                    return question, choice.name
    return None


def _where(sheet: _Sheet, column: Column) -> str:
    header = column.header or ""
    letter = f"{sheet.name}!{column.letter}" if sheet.name is not None else column.letter
    return f"{letter} {header}".strip()


# ---- tags -------------------------------------------------------------------------------------


def shipped_map() -> dict[str, str]:
    """Question name -> hashtag: the shipped map of common 4W and needs questions."""
    data = yaml.safe_load(SHIPPED_MAP.read_text(encoding="utf-8"))
    return {str(k).casefold(): str(v) for k, v in data.items()}


def _tags(
    reading: _Reading, sheets: list[_Sheet], tag_map: Mapping[str, str] | None
) -> dict[str, Tag]:
    """The hashtag of each question the export answers (xpath -> tag): from ``tag_map`` (by
    name, path or label), else from the shipped map by name; an ambiguous name is asked about,
    two questions for one hashtag too."""
    given = {" ".join(k.split()).casefold(): v for k, v in (tag_map or {}).items()}
    shipped = shipped_map()
    answered = {q.xpath: q for s in sheets for q in s.answers.values()}
    answered |= {q.xpath: q for s in sheets for q, _ in s.choice_columns.values()}
    paths = {q.xpath.casefold() for q in reading.form.questions}
    tags: dict[str, Tag] = {}
    by_tag: dict[Tag, Question] = {}
    for question in answered.values():
        spec = _given(question, given, paths) or question.hxl
        if spec is None and question.type in _GEO_TYPES:
            continue  # coordinates: the places come from the location questions
        if spec is None and question.name.casefold() in AMBIGUOUS:
            first, second = AMBIGUOUS[question.name.casefold()]
            reading.add(
                problem(
                    "kobo-field-meaning",
                    reading.file,
                    None,
                    question.xpath,
                    None,
                    name=question.xpath,
                    first=first,
                    second=second,
                )
            )
            continue
        spec = spec or shipped.get(question.name.casefold())
        if not spec:
            continue
        tag = Tag.parse(spec)
        if tag is None:
            reading.add(
                problem(
                    "kobo-field-meaning/not-a-tag",
                    reading.file,
                    None,
                    question.xpath,
                    spec,
                    name=question.xpath,
                )
            )
            continue
        tag = _place_tag(reading, question, tag)
        if tag in by_tag:
            reading.add(
                problem(
                    "kobo-same-tag",
                    reading.file,
                    None,
                    question.xpath,
                    None,
                    tag=str(tag),
                    first=by_tag[tag].xpath,
                    second=question.xpath,
                )
            )
            continue
        by_tag[tag] = question
        tags[question.xpath] = tag
    return tags


def _given(question: Question, given: dict[str, str], paths: set[str]) -> str | None:
    """The tag map's hashtag for a question: by its path, else by its name or a label that is
    not another question's path (``name`` is the path of a question at the top)."""
    own = question.xpath.casefold()
    for text in (question.xpath, question.name, *question.labels.values()):
        key = " ".join(text.split()).casefold()
        if key in given and (key == own or key not in paths):
            return given[key]
    return None


def _place_tag(reading: _Reading, question: Question, tag: Tag) -> Tag:
    """``#adm1`` (neither +code nor +name): +code when the question's choices are P-codes,
    else +name."""
    if tag.hashtag not in _PLACE_HASHTAGS or tag.has("code") or tag.has("name"):
        return tag
    choices = reading.form.choices.get(question.list_name or "", [])
    coded = bool(choices) and all(_PCODE.match(c.name) for c in choices)
    return Tag(tag.hashtag, (*tag.attributes, "code" if coded else "name"))


# ---- answers ----------------------------------------------------------------------------------


def _check_answers(reading: _Reading, sheets: list[_Sheet]) -> None:
    """Every select answer is a choice of its list (by name, or by label in a labels export)."""
    for sheet in sheets:
        for index, question in sheet.answers.items():
            if question.is_select:
                column = sheet.columns[index]
                _choices_of(reading, sheet, column, question)
        for index, (question, choice) in sheet.choice_columns.items():
            column = sheet.columns[index]
            cells = sheet.frame[f"c{index}"].fill_null("")
            bad = ~cells.str.to_lowercase().is_in(list(_TRUE | _FALSE)) & (cells != choice)
            for i in bad.arg_true().to_list()[:20]:
                reading.add(
                    problem(
                        "kobo-choice/flag",
                        reading.file,
                        int(sheet.frame["_row"][i]),
                        _where(sheet, column),
                        cells[i],
                        name=question.xpath,
                        choice=choice,
                    )
                )


def _check_keys(reading: _Reading, sheets: list[_Sheet]) -> None:
    """Each submission once: a key (``meta/rootUuid``, ``_uuid``, ``KEY``) in two rows of the
    submissions' sheet is two exports put together or a submission sent twice. (The rows of a
    repeat share their submission's key; they are not looked at.)"""
    for sheet in sheets:
        if sheet.level is not None or "key" not in sheet.meta:
            continue
        column = sheet.columns[sheet.meta["key"]]
        cells = sheet.frame[f"c{column.index}"].to_list()
        rows = sheet.frame["_row"].to_list()
        seen: dict[str, int] = {}
        for cell, row in zip(cells, rows, strict=True):
            key = _bare_key(cell) if cell else ""
            if not key:
                continue
            if key in seen:
                reading.add(
                    problem(
                        "kobo-same-submission",
                        reading.file,
                        int(row),
                        _where(sheet, column),
                        cell,
                        submission=key,
                        first_row=seen[key],
                    )
                )
            else:
                seen[key] = int(row)


def _bare_key(value: str) -> str:
    """A submission's key without ``uuid:`` and a version after ``/``, as ``_uuid`` has it."""
    return re.sub(r"/.*$", "", re.sub(r"^uuid:", "", value.strip()))


def _choice_lookup(reading: _Reading, question: Question) -> dict[str, str]:
    """Name or label (any language, any case) -> the choice's name."""
    lookup: dict[str, str] = {}
    for choice in reading.form.choices.get(question.list_name or "", []):
        for text in choice.labels.values():
            lookup.setdefault(" ".join(text.split()).casefold(), choice.name)
    for choice in reading.form.choices.get(question.list_name or "", []):
        lookup[choice.name.casefold()] = choice.name
    return lookup


def _choices_of(reading: _Reading, sheet: _Sheet, column: Column, question: Question) -> pl.Series:
    """The names of the choices in each cell (select_multiple: space-separated), problems for
    those not in the list."""
    lookup = _choice_lookup(reading, question)
    cells = sheet.frame[f"c{column.index}"]
    mapping: dict[str, str | None] = {}
    for value in cells.drop_nulls().unique().to_list():
        names = _split_choices(value, lookup, question.type == "select_multiple")
        mapping[value] = None if names is None else " ".join(names)
    wrong = [v for v, names in mapping.items() if names is None]
    if wrong:
        listed = tuple(c.name for c in reading.form.choices[question.list_name or ""][:12])
        for value in wrong[:20]:
            first = int(sheet.frame["_row"][int((cells == value).arg_true()[0])])
            reading.add(
                problem(
                    "kobo-choice",
                    reading.file,
                    first,
                    _where(sheet, column),
                    value,
                    name=question.xpath,
                    list_name=question.list_name,
                    choices=listed,
                )
            )
    return cells.replace_strict(mapping, default=None, return_dtype=pl.Utf8)


def _split_choices(value: str, lookup: dict[str, str], multiple: bool) -> list[str] | None:
    text = " ".join(value.split()).casefold()
    if text in lookup:
        return [lookup[text]]
    if not multiple:
        return None
    words = text.split(" ")
    # Names are single words; labels may have spaces: the fewest labels that make the cell.
    best: list[list[str] | None] = [[]] + [None] * len(words)
    for end in range(1, len(words) + 1):
        for start in range(end):
            before = best[start]
            piece = " ".join(words[start:end])
            if before is not None and piece in lookup:
                candidate = [*before, lookup[piece]]
                if best[end] is None or len(candidate) < len(best[end] or []):
                    best[end] = candidate
    return best[-1]


# ---- the joined table -------------------------------------------------------------------------


def _joined(reading: _Reading, sheets: list[_Sheet], tags: dict[str, Tag]) -> Table:
    """One row per row of the deepest sheet holding a tagged question, with its parents'
    answers; the tagged columns, the untagged ones (left out, listed by the import), and the
    submission's key as ``#meta+id``."""
    level = _row_level(reading, sheets, tags)
    by_level = {s.level: s for s in sheets}
    chain = [by_level[level]] if level in by_level else [sheets[0]]
    while chain[-1].level is not None:
        parent = reading.form.repeats.get(chain[-1].level or "")
        if parent not in by_level:
            break
        chain.append(by_level[parent])
    base = chain[0]
    rows = base.frame.select("_row")
    keys = _parent_rows(reading, chain)
    if reading.problems:
        raise KoboRefused(reading.path, reading.problems)
    data: dict[str, pl.Series] = {}
    columns: list[Column] = []
    for depth, sheet in enumerate(chain):
        positions = keys[depth]
        for index, column in enumerate(sheet.columns):
            values = _column_values(reading, sheet, index, tags)
            if values is None:
                continue
            series, tag, header = values
            n = len(columns)
            letter = f"{sheet.name}!{column.letter}" if len(sheets) > 1 else column.letter
            columns.append(Column(n, letter, header, tag))
            data[f"c{n}"] = series.gather(positions) if depth else series
    key = _submission_keys(chain, keys)
    if key is not None:
        n = len(columns)
        columns.append(Column(n, "_uuid", "_uuid", KEY_TAG))
        data[f"c{n}"] = key
    frame = pl.DataFrame(data | {"_row": rows["_row"]})
    info = TableInfo(reading.path, "kobo", None, None, base.name, None, 2)
    return _FrameTable(info, columns, frame)


def _row_level(reading: _Reading, sheets: list[_Sheet], tags: dict[str, Tag]) -> str | None:
    """The repeat (or None: the submissions) whose rows are the rows imported."""
    levels: set[str | None] = {None}
    for sheet in sheets:
        for question in [*sheet.answers.values(), *(q for q, _ in sheet.choice_columns.values())]:
            if question.xpath in tags:
                levels.add(question.repeat)
    chains = {lvl: _ancestors(reading.form, lvl) for lvl in levels}
    deepest = max(levels, key=lambda lvl: len(chains[lvl]))
    for lvl in levels:
        if lvl not in chains[deepest]:
            reading.add(problem("kobo-branches", reading.file, first=deepest, second=lvl))
            raise KoboRefused(reading.path, reading.problems)
    return deepest


def _ancestors(form: Form, level: str | None) -> list[str | None]:
    out: list[str | None] = [level]
    while level is not None:
        level = form.repeats.get(level)
        out.append(level)
    return out


def _parent_rows(reading: _Reading, chain: list[_Sheet]) -> list[pl.Series]:
    """For each sheet of the chain, the position of the base sheet's rows' ancestor in it."""
    positions = [pl.Series(range(chain[0].frame.height), dtype=pl.UInt32)]
    for child, parent in zip(chain, chain[1:], strict=False):
        link, own = _links(child, parent)
        if link is None or own is None:
            reading.add(
                problem("kobo-orphan/no-link", reading.file, sheet=child.name, parent=parent.name)
            )
            return positions
        index = {v: i for i, v in enumerate(parent.frame[f"c{own}"].to_list()) if v is not None}
        links = child.frame[f"c{link}"].to_list()
        found = []
        for i, value in enumerate(links):
            if value not in index:
                column = _where(child, child.columns[link])
                reading.add(
                    problem(
                        "kobo-orphan",
                        reading.file,
                        int(child.frame["_row"][i]),
                        column,
                        value,
                        sheet=child.name,
                        parent=parent.name,
                    )
                )
                found.append(0)
            else:
                found.append(index[value])
        mine = pl.Series(found, dtype=pl.UInt32)
        positions.append(mine.gather(positions[-1]))
    return positions


def _links(child: _Sheet, parent: _Sheet) -> tuple[int | None, int | None]:
    """(the child's column naming its parent, the parent's column it names)."""
    if "parent_index" in child.meta and "index" in parent.meta:
        return child.meta["parent_index"], parent.meta["index"]
    if "parent_key" in child.meta and "key" in parent.meta:
        return child.meta["parent_key"], parent.meta["key"]
    return None, None


def _submission_keys(chain: list[_Sheet], positions: list[pl.Series]) -> pl.Series | None:
    """The submission's ``_uuid`` for each row (``uuid:`` left off, as Kobo's ``_uuid`` has it)."""
    top = chain[-1]
    if top.level is None and "key" in top.meta:
        keys = top.frame[f"c{top.meta['key']}"]
        keys = keys.gather(positions[-1]) if len(chain) > 1 else keys
    elif "submission_key" in chain[0].meta:
        keys = chain[0].frame[f"c{chain[0].meta['submission_key']}"]
    else:
        return None
    return keys.str.replace(r"^uuid:", "").str.replace(r"/.*$", "")


def _column_values(
    reading: _Reading, sheet: _Sheet, index: int, tags: dict[str, Tag]
) -> tuple[pl.Series, Tag | None, str] | None:
    """A column of the joined table: the answers as the import reads them, with the tag."""
    column = sheet.columns[index]
    if index in sheet.choice_columns:
        chosen, _ = sheet.choice_columns[index]
        first = min(i for i, (q, _) in sheet.choice_columns.items() if q is chosen)
        if chosen.xpath in tags and index == first and not _has_summary(sheet, chosen):
            summary = _from_choice_columns(reading, sheet, chosen)
            return summary, tags[chosen.xpath], chosen.xpath
        return None
    question = sheet.answers.get(index)
    if question is None:
        return None
    tag = tags.get(question.xpath)
    cells = sheet.frame[f"c{index}"]
    if question.is_select:
        cells = _as_text(reading, question, _choices_of(reading, sheet, column, question), tag)
    elif question.type in _DATE_TYPES:
        cells = cells.str.extract(r"^(\d{4}-\d{2}-\d{2})", 1).fill_null(cells)
    return cells, tag, column.header or question.xpath


def _has_summary(sheet: _Sheet, question: Question) -> bool:
    return question in sheet.answers.values()


def _from_choice_columns(reading: _Reading, sheet: _Sheet, question: Question) -> pl.Series:
    """A select_multiple exported only as one column per choice: the chosen ones' labels."""
    chosen: list[list[str]] = [[] for _ in range(sheet.frame.height)]
    for index, (q, name) in sheet.choice_columns.items():
        if q is not question:
            continue
        cells = sheet.frame[f"c{index}"].fill_null("").str.to_lowercase().to_list()
        for i, cell in enumerate(cells):
            if cell in _TRUE or cell == name.casefold():
                chosen[i].append(name)
    names = pl.Series([" ".join(c) if c else None for c in chosen], dtype=pl.Utf8)
    return _as_text(reading, question, names, None)


def _as_text(reading: _Reading, question: Question, names: pl.Series, tag: Tag | None) -> pl.Series:
    """Choice names as the import reads them: names for a code (a P-code), else the labels in
    the chosen language; several choices joined by "; "."""
    if tag is not None and tag.has("code"):
        return names
    labels = {
        c.name: reading.form.label(c.labels, reading.language) or c.name
        for c in reading.form.choices.get(question.list_name or "", [])
    }
    mapping = {
        value: "; ".join(labels.get(n, n) for n in value.split(" "))
        for value in names.drop_nulls().unique().to_list()
    }
    return names.replace_strict(mapping, default=None, return_dtype=pl.Utf8)


class _FrameTable(Table):
    """The joined export, held whole (Kobo exports are small: thousands of rows)."""

    def __init__(self, info: TableInfo, columns: list[Column], frame: pl.DataFrame) -> None:
        super().__init__(info, columns)
        self._frame = frame

    def batches(self, rows: int = 500_000) -> Iterator[pl.DataFrame]:
        frame = self._frame
        while frame.height > rows:
            yield frame.slice(0, rows)
            frame = frame.slice(rows)
        if frame.height:
            yield frame


__all__ = ["KoboRefused", "open_export", "shipped_map"]
