"""An XLSForm (the form of a KoboToolbox or ODK survey): its questions, groups, repeats and
choices, with their labels in each of the form's languages.

An XLSForm is a workbook with a ``survey`` sheet (``type``, ``name``, ``label`` or
``label::English (en)``, ``label::Arabic (ar)``, ...), a ``choices`` sheet (``list_name``,
``name``, labels) and an optional ``settings`` sheet (``form_title``, ``default_language``).
``begin group``/``end group`` and ``begin repeat``/``end repeat`` rows nest the questions: a
question's path is its groups' names and its own (``activity/sector``). The form is read with
calamine, as every spreadsheet is; pyxform would also read it, but builds the XForm XML, which
an import does not need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine

from lagebild.ingest.read import ReadError, render_cell
from lagebild.messages import N_, Message

#: Question types that hold no answer of their own.
_NO_ANSWER = frozenset({"note", "begin group", "end group", "begin repeat", "end repeat"})
_BEGIN = re.compile(r"begin[ _](group|repeat)\Z")
_END = re.compile(r"end[ _](group|repeat)\Z")
#: The label columns: ``label`` (no language) or ``label::English (en)``.
_LABEL = re.compile(r"label(?:\s*::\s*(.+))?\Z", re.IGNORECASE)
#: The language of a label column without ``::language``.
DEFAULT = "default"


@dataclass(frozen=True)
class Choice:
    name: str  # the value the form stores (the "XML value")
    labels: dict[str, str]  # language -> label


@dataclass(frozen=True)
class Question:
    """A question of the form (or a group or repeat, with ``kind`` ``group``/``repeat``)."""

    name: str
    type: str  # integer, text, select_one, select_multiple, date, start, calculate, ...
    path: tuple[str, ...]  # the names of the groups and repeats around it, outer first
    labels: dict[str, str]  # language -> label
    list_name: str | None = None  # the choices of a select question
    repeat: str | None = None  # the innermost repeat around it (None: the submission's level)
    group_labels: tuple[dict[str, str], ...] = ()  # the labels of the groups around it
    hxl: str | None = None  # the form's own HXL hashtag for it (Kobo's column "hxl")

    @property
    def xpath(self) -> str:
        return "/".join((*self.path, self.name))

    @property
    def is_select(self) -> bool:
        return self.type in ("select_one", "select_multiple")


@dataclass
class Form:
    """The questions of an XLSForm, its repeats (name -> the repeat around it, or None) and
    choices (list name -> choices), and the languages its labels are written in."""

    path: Path
    title: str
    questions: list[Question] = field(default_factory=list)
    repeats: dict[str, str | None] = field(default_factory=dict)
    choices: dict[str, list[Choice]] = field(default_factory=dict)
    languages: list[str] = field(default_factory=list)
    default_language: str | None = None

    def language(self, wanted: str | None = None) -> str:
        """The language to label with: ``wanted`` if the form has it (by its whole name,
        ``English (en)``, its name, ``English``, or its code, ``en``), else the form's default
        language, else English, else the first. ``ReadError`` for a language it lacks."""
        if wanted:
            for language in self.languages:
                if wanted.casefold() in _language_names(language):
                    return language
            raise ReadError(
                self.path,
                reason=Message(
                    N_("the form has no language %(wanted)s; it has %(listed)s"),
                    {"wanted": repr(wanted), "listed": tuple(self.languages)},
                ),
            )
        if self.default_language in self.languages:
            return self.default_language
        for language in self.languages:
            if "en" in _language_names(language) or "english" in _language_names(language):
                return language
        return self.languages[0] if self.languages else DEFAULT

    def label(self, labels: dict[str, str], language: str) -> str | None:
        """A label in ``language``, else in the form's other languages, else None."""
        if labels.get(language):
            return labels[language]
        return next((text for text in labels.values() if text), None)


def _language_names(language: str) -> set[str]:
    """``English (en)`` -> {"english (en)", "english", "en"}."""
    names = {language.casefold()}
    match = re.fullmatch(r"\s*(.*?)\s*\(([^()]+)\)\s*", language)
    if match:
        names |= {match.group(1).casefold(), match.group(2).casefold()}
    return names


def read_form(path: Path | str) -> Form:
    """The questions and choices of an XLSForm (XLSX, XLS or ODS).

    Raises:
        ReadError: not a workbook, no ``survey`` sheet, a question without a name, a group
            not closed, a select without its choice list.
    """
    path = Path(path)
    if not path.is_file():
        raise ReadError(path, reason=Message(N_("no such file (the form, --form)")))
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except (python_calamine.CalamineError, OSError, ValueError) as exc:
        said = Message(N_("not an XLSForm workbook: %(why)s"), {"why": str(exc)})
        raise ReadError(path, reason=said) from exc
    try:
        sheets = {name.strip().casefold(): name for name in workbook.sheet_names}
        if "survey" not in sheets:
            said = Message(
                N_("an XLSForm has a sheet 'survey'; this one has %(sheets)s"),
                {"sheets": tuple(workbook.sheet_names)},
            )
            raise ReadError(path, reason=said)
        survey = _records(workbook, sheets["survey"])
        choices = _records(workbook, sheets["choices"]) if "choices" in sheets else []
        settings = _records(workbook, sheets["settings"]) if "settings" in sheets else []
    finally:
        workbook.close()
    form = Form(path=path, title=path.stem)
    if settings:
        first = settings[0][1]
        form.title = first.get("form_title") or first.get("title") or form.title
        form.default_language = first.get("default_language")
    languages: list[str] = []
    for records in (survey, choices):
        for _, record in records[:1]:
            for key in record:
                found = _LABEL.match(key)
                if found and (found.group(1) or DEFAULT) not in languages:
                    languages.append((found.group(1) or DEFAULT).strip())
    form.languages = languages
    _read_choices(form, choices)
    _read_survey(form, survey)
    return form


def _records(
    workbook: python_calamine.CalamineWorkbook, sheet: str
) -> list[tuple[int, dict[str, str]]]:
    """(1-based row, header -> cell) of each row under the header row; headers as written,
    every key present in the first record (empty cells as "")."""
    rows = [[render_cell(c) or "" for c in row] for row in workbook.get_sheet_by_name(sheet)
            .to_python()]  # fmt: skip
    if not rows:
        return []
    header = [h.strip() for h in rows[0]]
    out = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cells):
            continue
        out.append(
            (number, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h})
        )
    return out


def _labels(record: dict[str, str]) -> dict[str, str]:
    labels = {}
    for key, value in record.items():
        found = _LABEL.match(key)
        if found and value:
            labels[(found.group(1) or DEFAULT).strip()] = value
    return labels


def _read_choices(form: Form, records: list[tuple[int, dict[str, str]]]) -> None:
    for number, record in records:
        list_name = record.get("list_name") or record.get("list name") or ""
        name = record.get("name") or record.get("value") or ""
        if not list_name:
            continue
        if not name:
            said = Message(N_("a choice without a name (choices)"))
            raise ReadError(form.path, number, "name", None, said)
        form.choices.setdefault(list_name, []).append(Choice(name, _labels(record)))


def _read_survey(form: Form, records: list[tuple[int, dict[str, str]]]) -> None:
    stack: list[tuple[str, str, dict[str, str]]] = []  # (kind, name, labels) of open groups
    for number, record in records:
        kind = " ".join(record.get("type", "").split()).lower()
        name = record.get("name", "").strip()
        if not kind:
            continue
        if _END.match(kind):
            if not stack:
                said = Message(N_("an %(kind)s without its begin"), {"kind": kind})
                raise ReadError(form.path, number, "type", kind, said)
            stack.pop()
            continue
        if not name:
            said = Message(N_("a question (%(kind)s) without a name"), {"kind": kind})
            raise ReadError(form.path, number, "name", None, said)
        path = tuple(n for _, n, _ in stack)
        repeats = [n for k, n, _ in stack if k == "repeat"]
        repeat = repeats[-1] if repeats else None
        labels = _labels(record)
        begin = _BEGIN.match(kind)
        if begin:
            if begin.group(1) == "repeat":
                form.repeats[name] = repeat
            stack.append((begin.group(1), name, labels))
            continue
        if kind in _NO_ANSWER:
            continue
        base, _, list_name = kind.partition(" ")
        if base in ("select_one", "select_multiple"):
            list_name = (list_name.split() or [""])[0]  # "list or_other": the list
            if list_name not in form.choices:
                said = Message(
                    N_("the choice list %(list_name)s is not in the sheet 'choices'"),
                    {"list_name": repr(list_name)},
                )
                raise ReadError(form.path, number, "type", record.get("type"), said)
        else:
            base, list_name = kind, ""
        form.questions.append(
            Question(
                name=name,
                type=base,
                path=path,
                labels=labels,
                list_name=list_name or None,
                repeat=repeat,
                group_labels=tuple(lab for _, _, lab in stack),
                hxl=record.get("hxl", "").strip() or None,
            )
        )
    if stack:
        kind, name, _ = stack[-1]
        template = (
            N_("the repeat %(name)s is never ended (end repeat)")
            if kind == "repeat"
            else N_("the group %(name)s is never ended (end group)")
        )
        raise ReadError(form.path, reason=Message(template, {"name": repr(name)}))


__all__ = ["Choice", "Form", "Question", "read_form"]
