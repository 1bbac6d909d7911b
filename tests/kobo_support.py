"""A 4W form as partners build it in KoboToolbox, and its exports, written as Kobo writes them.

The form (an XLSForm: survey, choices, settings, labels in English and Arabic) has a partner
group, a location group with P-coded choices, and a repeat group of activities. Its exports have
the shape of KoboToolbox's (formpack's) "XLS" export: the submissions' sheet named after the form,
one sheet per repeat named after it, headers as the questions' paths (``group/question``) or
labels, select_multiple as a space-separated column and one 1/0 column per choice, and Kobo's
metadata (``_id``, ``_uuid``, ``_submission_time``, ``_index``; on a repeat's sheet
``_parent_table_name``, ``_parent_index``, ``_submission__uuid``). The headers and metadata
follow formpack's tests (tests/test_exports.py), see tests/data/kobo/PROVENANCE.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import func, select

from lagebild.actions.imports import import_file
from lagebild.ingest import ImportOptions
from lagebild.store import Store
from lagebild.store import schema as t

EN, AR = "label::English (en)", "label::Arabic (ar)"

SURVEY: list[dict[str, str]] = [
    {"type": "start", "name": "start"},
    {"type": "end", "name": "end"},
    {"type": "begin_group", "name": "partner_info", EN: "Partner", AR: "الشريك"},
    {"type": "select_one orgs", "name": "partner", EN: "Implementing partner", AR: "الشريك المنفذ"},
    {"type": "text", "name": "donor", EN: "Donor", AR: "المانح"},
    {"type": "end_group"},
    {"type": "begin_group", "name": "where", EN: "Location", AR: "الموقع"},
    {"type": "select_one governorates", "name": "governorate", EN: "Governorate", AR: "المحافظة"},
    {"type": "select_one communities", "name": "community", EN: "Community", AR: "التجمع"},
    {"type": "end_group"},
    {"type": "date", "name": "activity_date", EN: "Date of the activity", AR: "تاريخ النشاط"},
    {"type": "begin_repeat", "name": "activities", EN: "Activities", AR: "الأنشطة"},
    {"type": "select_one sectors", "name": "sector", EN: "Sector", AR: "القطاع"},
    {"type": "select_multiple groups", "name": "vulnerable", EN: "Groups served",
     AR: "الفئات المخدومة"},
    {"type": "integer", "name": "people_reached", EN: "People reached", AR: "عدد المستفيدين"},
    {"type": "end_repeat"},
]  # fmt: skip

CHOICES: list[dict[str, str]] = [
    {"list_name": "orgs", "name": "sarc", EN: "Syrian Arab Red Crescent",
     AR: "الهلال الأحمر العربي السوري"},
    {"list_name": "orgs", "name": "alpha", EN: "Alpha Relief", AR: "ألفا للإغاثة"},
    {"list_name": "governorates", "name": "SY02", EN: "Aleppo", AR: "حلب"},
    {"list_name": "governorates", "name": "SY07", EN: "Idleb", AR: "إدلب"},
    {"list_name": "communities", "name": "C1007", EN: "Aleppo city", AR: "مدينة حلب"},
    {"list_name": "communities", "name": "C1003", EN: "Musallamiyeh", AR: "المسلمية"},
    {"list_name": "communities", "name": "C4140", EN: "Salqin", AR: "سلقين"},
    {"list_name": "sectors", "name": "food", EN: "Food Security", AR: "الأمن الغذائي"},
    {"list_name": "sectors", "name": "health", EN: "Health", AR: "الصحة"},
    {"list_name": "groups", "name": "children", EN: "Children", AR: "الأطفال"},
    {"list_name": "groups", "name": "older", EN: "Older people", AR: "كبار السن"},
]  # fmt: skip

TITLE = "Syria 4W"

#: The gazetteer of the places the form's choices name.
GAZETTEER = """\
Governorate,Gov code,District code,Sub-district code,Community,Community code
#adm1+name,#adm1+code,#adm2+code,#adm3+code,#adm4+name,#adm4+code
Aleppo,SY02,SY0200,SY020000,Aleppo,C1007
Aleppo,SY02,SY0200,SY020000,Musallamiyeh,C1003
Idleb,SY07,SY0703,SY070302,Salqin,C4140
"""


@dataclass
class Submission:
    uuid: str
    partner: str
    donor: str
    governorate: str
    community: str
    date: str
    #: (sector, vulnerable groups (space-separated choice names), people reached)
    activities: list[tuple[str, str, int]] = field(default_factory=list)


SUBMISSIONS = [
    Submission("0d1f6c2e-7a51-4c39-9e0b-1a2b3c4d5e01", "sarc", "ECHO", "SY02", "C1007",
               "2024-03-04", [("food", "children older", 120), ("health", "", 45)]),
    Submission("0d1f6c2e-7a51-4c39-9e0b-1a2b3c4d5e02", "alpha", "BHA", "SY07", "C4140",
               "2024-03-09", [("food", "older", 300)]),
    Submission("0d1f6c2e-7a51-4c39-9e0b-1a2b3c4d5e03", "sarc", "ECHO", "SY02", "C1003",
               "2024-03-12", [("health", "children", 80), ("food", "", 60),
                              ("health", "older", 15)]),
]  # fmt: skip


def write_form(path: Path, survey: Sequence[dict[str, str]] = SURVEY,
               choices: Sequence[dict[str, str]] = CHOICES) -> Path:  # fmt: skip
    """An XLSForm workbook: survey, choices, settings."""
    book = openpyxl.Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for name, rows in (("survey", survey), ("choices", choices)):
        sheet = book.create_sheet(name)
        header = list(dict.fromkeys(k for row in rows for k in row))
        sheet.append(header)
        for row in rows:
            sheet.append([row.get(k, "") for k in header])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "default_language"])
    settings.append([TITLE, "syria_4w", "English (en)"])
    book.save(path)
    return path


def _label(name: str, list_name: str, language: str) -> str:
    for choice in CHOICES:
        if choice["list_name"] == list_name and choice["name"] == name:
            return choice[language]
    return name


def _q(name: str) -> dict[str, str]:
    return next(q for q in SURVEY if q.get("name") == name)


def export_rows(
    submissions: Sequence[Submission], labels: str | None = None
) -> dict[str, list[list[Any]]]:
    """The sheets of an export (name -> rows, the header first): with the questions' paths
    ("XML values and headers"), or with the labels of a language (``EN``, ``AR``)."""

    def head(path: Sequence[str]) -> str:
        if labels is None:
            return "/".join(path)
        return "/".join(_q(p)[labels] for p in path)

    def value(name: str, list_name: str) -> str:
        if labels is None or not name:
            return name
        return " ".join(_label(n, list_name, labels) for n in name.split())

    main_header = [
        "start", "end", head(["partner_info", "partner"]), head(["partner_info", "donor"]),
        head(["where", "governorate"]), head(["where", "community"]), head(["activity_date"]),
        "__version__", "_id", "_uuid", "_submission_time", "_validation_status", "_notes",
        "_status", "_submitted_by", "_tags", "_index",
    ]  # fmt: skip
    choice_heads = [
        head(["activities", "vulnerable"]) + "/" + (value(g, "groups") if labels else g)
        for g in ("children", "older")
    ]
    repeat_header = [
        head(["activities", "sector"]), head(["activities", "vulnerable"]), *choice_heads,
        head(["activities", "people_reached"]), "_index", "_parent_table_name",
        "_parent_index", "_submission__id", "_submission__uuid",
        "_submission__submission_time", "_submission__validation_status",
        "_submission__notes", "_submission__status", "_submission__submitted_by",
        "_submission___version__", "_submission__tags",
    ]  # fmt: skip
    main: list[list[Any]] = [main_header]
    repeat: list[list[Any]] = [repeat_header]
    for number, s in enumerate(submissions, start=1):
        submitted = f"{s.date}T16:20:{number:02d}"
        main.append([
            f"{s.date}T09:00:00.000+03:00", f"{s.date}T09:30:00.000+03:00",
            value(s.partner, "orgs"), s.donor, value(s.governorate, "governorates"),
            value(s.community, "communities"), s.date, "vHx7Qx2mYzTF", 100 + number, s.uuid,
            submitted, "", "", "submitted_via_web", "", "", number,
        ])  # fmt: skip
        for sector, groups, people in s.activities:
            chosen = groups.split()
            repeat.append([
                value(sector, "sectors"), value(groups, "groups"),
                *(int(g in chosen) for g in ("children", "older")),
                people, len(repeat), TITLE, number, 100 + number, s.uuid, submitted, "", "",
                "submitted_via_web", "", "vHx7Qx2mYzTF", "",
            ])  # fmt: skip
    return {TITLE: main, "activities": repeat}


def write_export(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """An XLSX export, one sheet each."""
    book = openpyxl.Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for name, rows in sheets.items():
        sheet = book.create_sheet(name[:31])
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def reached(submissions: Sequence[Submission]) -> dict[str, int]:
    """People reached per community, added up from the submissions themselves."""
    out: dict[str, int] = {}
    for s in submissions:
        for _, _, people in s.activities:
            out[s.community] = out.get(s.community, 0) + people
    return out


def with_gazetteer(store: Store, tmp_path: Path) -> Store:
    """``store`` with the communities of ``GAZETTEER`` imported."""
    path = tmp_path / "gazetteer.csv"
    path.write_text(GAZETTEER, encoding="utf-8")
    assert not import_file(store, path, ImportOptions()).refused
    return store


def delivered(store: Store) -> dict[str, float]:
    """People reached per community P-code, from the database."""
    d, p = t.deliveries, t.places
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(p.c.pcode, func.sum(d.c.reached))
            .join(p, p.c.id == d.c.place_id)
            .group_by(p.c.pcode)
        ).all()
    return {pcode: total for pcode, total in rows}
