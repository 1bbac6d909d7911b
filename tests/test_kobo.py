"""KoboToolbox and ODK Central exports, read with their XLSForm (``lagebild import --form``).

Real files: ODK Central's XLSForm and its select_multiple CSV exports (as its tests assert them),
formpack's restaurant form and its exports with XML headers and with French labels (as
formpack's tests assert them); see tests/data/kobo/PROVENANCE. A 4W form with groups, P-coded
choices, Arabic and English labels and a repeat group of activities, and its XLSX exports in
the shape of Kobo's (tests/kobo_support.py), go into a database: the figures stored are those
added up from the submissions; an edited submission imported again replaces its rows; every
mismatch between export and form refuses the file, naming file, row, column and value.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from kobo_support import (
    AR,
    CHOICES,
    EN,
    SUBMISSIONS,
    SURVEY,
    Submission,
    delivered,
    export_rows,
    reached,
    with_gazetteer,
    write_export,
    write_form,
)
from sqlalchemy import func, select

from lagebild.actions.imports import import_file
from lagebild.cli import main
from lagebild.ingest import ImportOptions
from lagebild.ingest.kobo import KoboRefused, open_export
from lagebild.ingest.xlsform import read_form
from lagebild.store import Store
from lagebild.store import schema as t

DATA = Path(__file__).parent / "data" / "kobo"


def _rows(table_path: Path, form: Path, **kwargs: object) -> list[dict[str, str | None]]:
    """The joined table's rows, by header."""
    with open_export(table_path, form, **kwargs) as table:  # type: ignore[arg-type]
        frames = list(table.batches())
        out = []
        for frame in frames:
            for row in frame.iter_rows(named=True):
                out.append({c.header or "": row[f"c{c.index}"] for c in table.columns})
        return out


def _tags(table_path: Path, form: Path, **kwargs: object) -> dict[str, str | None]:
    with open_export(table_path, form, **kwargs) as table:  # type: ignore[arg-type]
        return {c.header or "": str(c.tag) if c.tag else None for c in table.columns}


@pytest.fixture
def gazetteer_store(store: Store, tmp_path: Path) -> Store:
    return with_gazetteer(store, tmp_path)


def _count(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.deliveries)).scalar_one())


# ---- real forms and exports -------------------------------------------------------------------


def test_odk_centrals_own_xlsform_reads_with_its_questions() -> None:
    form = read_form(DATA / "odk-central-simple.xlsx")
    assert [(q.name, q.type) for q in form.questions] == [("name", "text"), ("age", "integer")]
    assert form.questions[1].labels == {"default": "what is your age?"}


def test_odk_central_select_multiple_reads_alike_in_one_column_or_split(tmp_path: Path) -> None:
    form = DATA / "odk-central-select-multiple-form.xlsx"
    tags = {"q1": "#activity", "q2": "#sector"}
    whole = _rows(DATA / "odk-central-select-multiple.csv", form, tag_map=tags)
    split = _rows(DATA / "odk-central-select-multiple-split.csv", form, tag_map=tags)
    assert [r["q1"] for r in whole] == ["b", "a; b"]
    assert [r["g1-q2"] for r in whole] == ["m; x", "x; y; z"]
    assert [(r["q1"], r["g1-q2"]) for r in split] == [(r["q1"], r["g1-q2"]) for r in whole]
    # meta-instanceID (ODK Central's key of a submission) is each row's key
    assert [r["_uuid"] for r in whole] == ["two", "one"]


def test_formpack_exports_with_xml_headers_and_french_labels_read_alike() -> None:
    form = DATA / "formpack-restaurant-profile-form.xlsx"
    tags = {"restaurant_name": "#org+impl", "eatery_type": "#activity"}
    xml = _rows(DATA / "formpack-restaurant-profile-xml.csv", form, tag_map=tags)
    french = _rows(DATA / "formpack-restaurant-profile-labels-fr.csv", form, tag_map=tags)
    assert [r["eatery_type"] for r in xml] == ["take-away; sit down", "sit down", None, None]
    assert [r["type de restaurant"] for r in french] == [r["eatery_type"] for r in xml]
    assert [r["_uuid"] for r in french] == [r["_uuid"] for r in xml]
    # the labels of the form's other language, as asked
    in_french = _rows(DATA / "formpack-restaurant-profile-xml.csv", form, tag_map=tags,
                      language="french")  # fmt: skip
    assert in_french[0]["eatery_type"] == "avec vente à emporter; traditionnel"


def test_a_tag_map_names_questions_by_label_too() -> None:
    form = DATA / "formpack-restaurant-profile-form.xlsx"
    tags = _tags(DATA / "formpack-restaurant-profile-xml.csv", form,
                 tag_map={"restaurant name": "#org+impl"})  # fmt: skip
    assert tags["restaurant_name"] == "#org+impl"


# ---- a 4W form with a repeat group, into the database ------------------------------------------


def test_a_4w_export_with_a_repeat_group_imports_one_delivery_per_activity(
    gazetteer_store: Store, tmp_path: Path
) -> None:
    form = write_form(tmp_path / "form.xlsx")
    export = write_export(tmp_path / "export.xlsx", export_rows(SUBMISSIONS))
    outcome = import_file(gazetteer_store, export, ImportOptions(form=form))
    assert not outcome.refused, [p.reason for p in outcome.report.problems]
    assert outcome.report.kind == "deliveries"
    activities = sum(len(s.activities) for s in SUBMISSIONS)
    assert outcome.report.rows_written == activities == _count(gazetteer_store)
    assert delivered(gazetteer_store) == reached(SUBMISSIONS)
    d = t.deliveries
    with gazetteer_store.engine.connect() as conn:
        rows = conn.execute(select(d.c.org_impl, d.c.donor, d.c.sector, d.c.external_key)).all()
    assert {r.org_impl for r in rows} == {"Syrian Arab Red Crescent", "Alpha Relief"}
    assert {r.donor for r in rows} == {"ECHO", "BHA"}
    assert {r.external_key for r in rows} == {s.uuid for s in SUBMISSIONS}
    # the questions without a hashtag are listed, not lost silently
    assert any("vulnerable" in c for c in outcome.report.unused_columns)


def test_an_arabic_labels_export_stores_the_same_figures(
    gazetteer_store: Store, tmp_path: Path
) -> None:
    form = write_form(tmp_path / "form.xlsx")
    export = write_export(tmp_path / "labels-ar.xlsx", export_rows(SUBMISSIONS, AR))
    assert _tags(export, form)["الموقع/المحافظة"] == "#adm1+code"
    outcome = import_file(gazetteer_store, export, ImportOptions(form=form))
    assert not outcome.refused, [p.reason for p in outcome.report.problems]
    assert delivered(gazetteer_store) == reached(SUBMISSIONS)


def test_an_edited_submission_imported_again_changes_figures_not_counts(
    gazetteer_store: Store, tmp_path: Path
) -> None:
    form = write_form(tmp_path / "form.xlsx")
    first = write_export(tmp_path / "export-1.xlsx", export_rows(SUBMISSIONS))
    assert not import_file(gazetteer_store, first, ImportOptions(form=form)).refused
    count = _count(gazetteer_store)
    # Submission 2 edited on the server (300 -> 340 people), and a new submission 4.
    edited = dataclasses.replace(SUBMISSIONS[1], activities=[("food", "older", 340)])
    new = Submission("0d1f6c2e-7a51-4c39-9e0b-1a2b3c4d5e04", "alpha", "BHA", "SY07", "C4140",
                     "2024-03-20", [("health", "", 25)])  # fmt: skip
    later = [SUBMISSIONS[0], edited, SUBMISSIONS[2], new]
    second = write_export(tmp_path / "export-2.xlsx", export_rows(later))
    dry = import_file(gazetteer_store, second, ImportOptions(form=form, dry_run=True))
    assert dry.report.records_replaced == count and _count(gazetteer_store) == count
    outcome = import_file(gazetteer_store, second, ImportOptions(form=form))
    assert not outcome.refused, [p.reason for p in outcome.report.problems]
    # the whole export again: every earlier row is replaced by its new version, one row added
    assert outcome.report.records_replaced == count
    assert _count(gazetteer_store) == count + 1
    assert delivered(gazetteer_store) == reached(later)
    assert delivered(gazetteer_store)["C4140"] == 340 + 25
    # the audit trail keeps each replaced row whole
    with gazetteer_store.engine.connect() as conn:
        whys = conn.execute(
            select(t.changes.c.why).where(t.changes.c.action == "delete")
        ).scalars().all()  # fmt: skip
    assert len(whys) == count and all("replaced by import" in w for w in whys)


def test_the_command_line_imports_with_form_and_language(
    gazetteer_store: Store, tmp_path: Path
) -> None:
    form = write_form(tmp_path / "form.xlsx")
    export = write_export(tmp_path / "export.xlsx", export_rows(SUBMISSIONS))
    db = gazetteer_store.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(
        main,
        ["--db", db, "import", "--form", str(form), "--form-lang", "ar", "--format", "json",
         str(export)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)[0]
    assert report["kind"] == "deliveries"
    assert report["rows_written"] == sum(len(s.activities) for s in SUBMISSIONS)
    with gazetteer_store.engine.connect() as conn:
        orgs = set(conn.execute(select(t.deliveries.c.org_impl)).scalars())
    assert orgs == {"الهلال الأحمر العربي السوري", "ألفا للإغاثة"}


# ---- failures: every problem named, nothing written ---------------------------------------------


def _refused(store: Store, export: Path, form: Path, **options: object) -> list[tuple]:
    outcome = import_file(store, export, ImportOptions(form=form, **options))  # type: ignore[arg-type]
    assert outcome.refused
    assert _count(store) == 0
    return [(p.code, p.file, p.row, p.column, p.value) for p in outcome.report.problems]


def test_a_choice_not_in_its_list_is_refused_with_row_column_and_value(
    gazetteer_store: Store, tmp_path: Path
) -> None:
    form = write_form(tmp_path / "form.xlsx")
    sheets = export_rows(SUBMISSIONS)
    sheets["activities"][3][0] = "shelter"  # no choice of the list "sectors"
    sheets["activities"][2][1] = "children teenagers"  # "teenagers": no choice of "groups"
    export = write_export(tmp_path / "export.xlsx", sheets)
    problems = _refused(gazetteer_store, export, form)
    assert (
        "kobo-choice",
        "export.xlsx",
        4,
        "activities!A activities/sector",
        "shelter",
    ) in problems
    assert ("kobo-choice", "export.xlsx", 3, "activities!B activities/vulnerable",
            "children teenagers") in problems  # fmt: skip


def test_a_column_the_form_does_not_have_is_refused(gazetteer_store: Store, tmp_path: Path) -> None:
    form = write_form(tmp_path / "form.xlsx")
    sheets = export_rows(SUBMISSIONS)
    sheets["Syria 4W"][0][3] = "partner_info/funding_agency"
    export = write_export(tmp_path / "export.xlsx", sheets)
    problems = _refused(gazetteer_store, export, form)
    assert problems == [
        (
            "kobo-unknown-field",
            "export.xlsx",
            None,
            "Syria 4W!D partner_info/funding_agency",
            "partner_info/funding_agency",
        )
    ]


def test_a_repeat_row_whose_parent_is_missing_is_refused(
    gazetteer_store: Store, tmp_path: Path
) -> None:
    form = write_form(tmp_path / "form.xlsx")
    sheets = export_rows(SUBMISSIONS)
    parent = sheets["activities"][0].index("_parent_index")
    sheets["activities"][5][parent] = 9  # there is no submission with _index 9
    export = write_export(tmp_path / "export.xlsx", sheets)
    problems = _refused(gazetteer_store, export, form)
    assert problems == [("kobo-orphan", "export.xlsx", 6, "activities!H _parent_index", "9")]


def test_an_export_of_another_form_is_refused(gazetteer_store: Store, tmp_path: Path) -> None:
    other = write_form(tmp_path / "other.xlsx", SURVEY[:6], CHOICES)  # no location, activities
    export = write_export(tmp_path / "export.xlsx", export_rows(SUBMISSIONS))
    problems = _refused(gazetteer_store, export, other)
    codes = {p[0] for p in problems}
    assert codes == {"kobo-unknown-field", "kobo-sheet"}
    assert ("kobo-unknown-field", "export.xlsx", None, "Syria 4W!E where/governorate",
            "where/governorate") in problems  # fmt: skip


def test_a_question_in_the_wrong_sheet_is_refused(gazetteer_store: Store, tmp_path: Path) -> None:
    form = write_form(tmp_path / "form.xlsx")
    sheets = export_rows(SUBMISSIONS)
    sheets["Syria 4W"][0][6] = "activities/people_reached"  # a repeat's question, on top
    export = write_export(tmp_path / "export.xlsx", sheets)
    problems = _refused(gazetteer_store, export, form)
    assert [p[0] for p in problems] == ["kobo-wrong-sheet"]
    assert problems[0][3] == "Syria 4W!G activities/people_reached"


def test_a_question_name_that_could_mean_two_things_is_asked_about(
    gazetteer_store: Store, tmp_path: Path
) -> None:
    survey = [dict(q) for q in SURVEY]
    for q in survey:
        if q.get("name") == "people_reached":
            q["name"] = "beneficiaries"  # reached, or targeted?
    form = write_form(tmp_path / "form.xlsx", survey)
    sheets = export_rows(SUBMISSIONS)
    sheets["activities"][0][4] = "activities/beneficiaries"
    export = write_export(tmp_path / "export.xlsx", sheets)
    outcome = import_file(gazetteer_store, export, ImportOptions(form=form))
    assert outcome.refused
    (asked,) = outcome.report.problems
    assert asked.code == "kobo-field-meaning"
    assert "#reached or #targeted" in asked.reason and "--tags" in asked.reason
    # answered with a tag map, the same file imports
    answer = {"beneficiaries": "#reached+ind"}
    outcome = import_file(gazetteer_store, export, ImportOptions(form=form, tag_map=answer))
    assert not outcome.refused, [p.reason for p in outcome.report.problems]
    assert delivered(gazetteer_store) == reached(SUBMISSIONS)


def test_two_questions_for_one_column_are_asked_about(
    gazetteer_store: Store, tmp_path: Path
) -> None:
    form = write_form(tmp_path / "form.xlsx")
    export = write_export(tmp_path / "export.xlsx", export_rows(SUBMISSIONS))
    problems = _refused(gazetteer_store, export, form, tag_map={"donor": "#org+impl"})
    assert [p[0] for p in problems] == ["kobo-same-tag"]


def test_a_form_that_is_no_xlsform_is_refused(gazetteer_store: Store, tmp_path: Path) -> None:
    export = write_export(tmp_path / "export.xlsx", export_rows(SUBMISSIONS))
    problems = _refused(gazetteer_store, export, export)  # the export given as the form
    assert problems[0][0] == "unreadable" and problems[0][1] == "export.xlsx"
    assert EN  # the labels' language columns are the form's, not the export's


def test_undoing_the_import_that_replaced_rows_puts_the_earlier_rows_back(
    gazetteer_store: Store, tmp_path: Path
) -> None:
    from lagebild.actions.imports import undo_import

    form = write_form(tmp_path / "form.xlsx")
    first = write_export(tmp_path / "export-1.xlsx", export_rows(SUBMISSIONS))
    assert not import_file(gazetteer_store, first, ImportOptions(form=form)).refused
    edited = dataclasses.replace(SUBMISSIONS[1], activities=[("food", "older", 340)])
    later = [SUBMISSIONS[0], edited, SUBMISSIONS[2]]
    second = write_export(tmp_path / "export-2.xlsx", export_rows(later))
    outcome = import_file(gazetteer_store, second, ImportOptions(form=form))
    assert delivered(gazetteer_store) == reached(later)
    assert outcome.report.import_id is not None
    undo_import(gazetteer_store, outcome.report.import_id, why="wrong export")
    assert delivered(gazetteer_store) == reached(SUBMISSIONS)
    assert _count(gazetteer_store) == sum(len(s.activities) for s in SUBMISSIONS)


def test_the_forms_own_hxl_column_tags_and_kobos_hashtag_row_is_skipped(
    gazetteer_store: Store, tmp_path: Path
) -> None:
    survey = [dict(q) for q in SURVEY]
    for q in survey:
        if q.get("name") == "people_reached":
            q["name"], q["hxl"] = "served", "#reached+ind"  # a name no map knows
    form = write_form(tmp_path / "form.xlsx", survey)
    sheets = export_rows(SUBMISSIONS)
    sheets["activities"][0][4] = "activities/served"
    # Kobo's export option "include HXL tags": a hashtag row under the headers
    header = sheets["activities"][0]
    sheets["activities"].insert(1, ["#reached+ind" if h == "activities/served" else ""
                                    for h in header])  # fmt: skip
    export = write_export(tmp_path / "export.xlsx", sheets)
    outcome = import_file(gazetteer_store, export, ImportOptions(form=form))
    assert not outcome.refused, [p.reason for p in outcome.report.problems]
    assert delivered(gazetteer_store) == reached(SUBMISSIONS)


def test_odk_centrals_zip_of_csvs_joins_the_repeat_to_its_submissions() -> None:
    form = DATA / "odk-central-singlerepeat-form.xlsx"
    tags = {"children/child/age": "#reached", "name": "#org+impl"}
    with open_export(DATA / "odk-central-singlerepeat.csv.zip", form, tag_map=tags) as table:
        (frame,) = list(table.batches())
        by_letter = {c.letter: frame[f"c{c.index}"].to_list() for c in table.columns}
        tagged = {str(c.tag): c.letter for c in table.columns if c.tag}
    # one row per child (rows 2 to 4 of the repeat's CSV), with its parent's answers
    assert frame["_row"].to_list() == [2, 3, 4]
    assert by_letter["singlerepeat-child!A"] == ["Billy", "Blaine", "Candace"]
    assert by_letter[tagged["#reached"]] == ["4", "6", "2"]
    assert by_letter[tagged["#org+impl"]] == ["Bob", "Bob", "Chelsea"]  # Alice has no child
    assert tagged["#org+impl"] == "singlerepeat!C"
    assert by_letter[tagged["#meta+id"]] == ["two", "two", "three"]


def test_a_central_repeat_row_whose_parent_key_is_missing_is_refused(tmp_path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(DATA / "odk-central-singlerepeat.csv.zip") as source:
        files = {n: source.read(n).decode() for n in source.namelist()}
    files["singlerepeat-child.csv"] = files["singlerepeat-child.csv"].replace(
        "Candace,2,three,", "Candace,2,four,"
    )
    broken = tmp_path / "export.csv.zip"
    with zipfile.ZipFile(broken, "w") as target:
        for name, text in files.items():
            target.writestr(name, text)
    with pytest.raises(KoboRefused) as refused:
        open_export(broken, DATA / "odk-central-singlerepeat-form.xlsx",
                    tag_map={"children/child/age": "#reached"})  # fmt: skip
    [found] = refused.value.problems
    assert (found.code, found.row, found.column, found.value) == (
        "kobo-orphan", 4, "singlerepeat-child!C PARENT_KEY", "four")


@pytest.mark.usefixtures("cheap_hashes")
def test_the_api_takes_the_form_beside_the_export(gazetteer_store: Store, tmp_path: Path) -> None:
    from accounts_support import add_accounts, web

    from lagebild.security.passwords import secret_hash
    from lagebild.store import accounts

    add_accounts(gazetteer_store)
    accounts.add_token(gazetteer_store, "analyst1", secret_hash("token-kobo"), "tests")
    form = write_form(tmp_path / "form.xlsx")
    export = write_export(tmp_path / "export.xlsx", export_rows(SUBMISSIONS))
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    with web(gazetteer_store) as client:
        done = client.post(
            "/api/imports",
            files={
                "file": ("export.xlsx", export.read_bytes(), xlsx),
                "xlsform": ("form.xlsx", form.read_bytes(), xlsx),
            },
            headers={"Authorization": "Bearer token-kobo"},
        )
        wrong = client.post(
            "/api/imports",
            files={
                "file": ("export.xlsx", export.read_bytes(), xlsx),
                "xlsform": ("form.txt", b"type,name", "text/plain"),
            },
            headers={"Authorization": "Bearer token-kobo"},
        )
    assert done.status_code == 201, done.text
    assert done.json()["rows_written"] == sum(len(s.activities) for s in SUBMISSIONS)
    assert delivered(gazetteer_store) == reached(SUBMISSIONS)
    assert wrong.status_code == 422
    assert wrong.json()["problems"][0]["column"] == "xlsform"


def test_an_edited_kobo_submission_with_a_new_uuid_is_known_by_its_root_uuid(
    gazetteer_store: Store, tmp_path: Path
) -> None:
    """KoboToolbox gives an edited submission a new _uuid and keeps the first in meta/rootUuid."""

    def with_root(rows: list[Submission], new_uuid: dict[str, str]) -> dict[str, list[list]]:
        sheets = export_rows(rows)
        main = sheets["Syria 4W"]
        uuid_at = main[0].index("_uuid")
        main[0].append("meta/rootUuid")
        for line in main[1:]:
            root = line[uuid_at]
            line.append(f"uuid:{root}")
            line[uuid_at] = new_uuid.get(root, root)
        return sheets

    form = write_form(tmp_path / "form.xlsx")
    first = write_export(tmp_path / "export-1.xlsx", with_root(SUBMISSIONS, {}))
    assert not import_file(gazetteer_store, first, ImportOptions(form=form)).refused
    count = _count(gazetteer_store)
    edited = dataclasses.replace(SUBMISSIONS[1], activities=[("food", "older", 340)])
    later = [SUBMISSIONS[0], edited, SUBMISSIONS[2]]
    new = {SUBMISSIONS[1].uuid: "9f0e2d4c-1111-4a2b-8c3d-0e1f2a3b4c5d"}
    second = write_export(tmp_path / "export-2.xlsx", with_root(later, new))
    outcome = import_file(gazetteer_store, second, ImportOptions(form=form))
    assert not outcome.refused, [p.reason for p in outcome.report.problems]
    assert _count(gazetteer_store) == count
    assert delivered(gazetteer_store) == reached(later)


def test_a_submission_twice_in_one_export_is_refused_naming_both_rows(
    gazetteer_store: Store, tmp_path: Path
) -> None:
    form = write_form(tmp_path / "form.xlsx")
    # The second submission again under the third, as two exports put together would have it:
    # the repeat rows share their submission's _uuid, which is no problem; the submission is.
    again = dataclasses.replace(SUBMISSIONS[1], date="2024-03-20")
    export = write_export(tmp_path / "export.xlsx", export_rows([*SUBMISSIONS, again]))
    problems = _refused(gazetteer_store, export, form)
    assert problems == [
        ("kobo-same-submission", "export.xlsx", 5, "Syria 4W!J _uuid", SUBMISSIONS[1].uuid)
    ]
    outcome = import_file(gazetteer_store, export, ImportOptions(form=form))
    (found,) = outcome.report.problems
    assert f"the submission '{SUBMISSIONS[1].uuid}' is in row 3 already" in found.reason
    # Without the copy the same export imports, one delivery per activity.
    alone = write_export(tmp_path / "alone.xlsx", export_rows(SUBMISSIONS))
    assert not import_file(gazetteer_store, alone, ImportOptions(form=form)).refused
    assert _count(gazetteer_store) == sum(len(s.activities) for s in SUBMISSIONS)


def test_a_submission_twice_is_known_by_its_root_uuid_with_or_without_uuid_prefix(
    tmp_path: Path,
) -> None:
    form = write_form(tmp_path / "form.xlsx")
    sheets = export_rows(SUBMISSIONS)
    main = sheets["Syria 4W"]
    main[0].append("meta/rootUuid")
    for line, root in zip(main[1:], ("uuid:r-1", "uuid:r-2", "r-1"), strict=True):
        line.append(root)  # the third an edit of the first, exported beside it
    export = write_export(tmp_path / "export.xlsx", sheets)
    with pytest.raises(KoboRefused) as refused:
        open_export(export, form)
    [found] = refused.value.problems
    assert (found.code, found.row, found.value) == ("kobo-same-submission", 4, "r-1")
    assert "in row 2 already" in found.reason
