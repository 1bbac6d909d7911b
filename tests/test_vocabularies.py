"""Vocabularies in the open (issue 10, point 6): the words of sectors, statuses, modalities and
event types map through YAML files shipped in the package, an import may extend them, the report
lists each mapping with its rows, and a word nothing maps is refused, never guessed.

Expected numbers are counted here another way, with the csv module straight from the files.
"""

from __future__ import annotations

import csv
import html
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from lagebild.cli import main
from lagebild.ingest import ImportFailed, ImportOptions, ReadError, import_file, load_tag_map
from lagebild.ingest.vocabularies import load_vocabulary_map
from lagebild.model import vocab
from lagebild.model.listing import DeliveryFilter
from lagebild.model.vocab import (
    SECTORS,
    VocabularyError,
    is_sector_word,
    normalise_sector,
    normalise_status,
    sector_code,
    vocabulary,
)
from lagebild.store import Store, listing
from lagebild.store.incidents import incident_list
from lagebild.store.summary import row_counts

TAGS = Path(__file__).parent / "data"
FIXTURES = Path("hxl") / "hdx_fixtures"
CASH_4W = Path("syria") / "cash_4w_2023" / "syr_nws_cash_4w_2023-02_03.csv"
AFG_3W = "hapi-pipelines__operational_presence_afg_afghanistan_3w_operational_presence_january_march_2024.csv"  # noqa: E501

PLACES = "#adm1+code,#adm4+code,#adm4+name\nSY02,C1007,Aleppo\nSY07,C4140,Salqin\n"


def column_values(path: Path, header: str) -> Counter[str]:
    """The values of one column under its header, without the HXL row, as the csv module reads
    them."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        return Counter(
            row[header] for row in reader if not (row[header] or "").lstrip().startswith("#")
        )


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def places(store: Store, tmp_path: Path) -> Store:
    import_file(store, write(tmp_path / "places.csv", PLACES))
    return store


def four_w(tmp_path: Path, sectors: list[str], name: str = "4w.csv") -> Path:
    lines = [
        "Org,Sector,Community,Reached,End",
        "#org+impl,#sector,#adm4+code,#reached+ind,#date+end",
    ]
    lines += [f"WFP,{s},C1007,{10 * (i + 1)},2017-02-0{i % 9 + 1}" for i, s in enumerate(sectors)]
    return write(tmp_path / name, "\n".join(lines) + "\n")


def stored_deliveries(store: Store) -> list[dict[str, object]]:
    page = listing.deliveries(store, DeliveryFilter(), limit=1000)
    return sorted(page.items, key=lambda d: int(d["row_number"]))  # type: ignore[call-overload]


# -- the shipped vocabularies ---------------------------------------------------------------------


def test_every_sector_code_of_the_mali_hno_maps_and_the_areas_of_responsibility_stay_apart(
    shared_data: Path,
) -> None:
    codes = column_values(
        shared_data / FIXTURES / "hapi-pipelines__download-hno-data-mli.csv", "Sector"
    )
    assert set(codes) == {
        "ALL",
        "EDU",
        "FSC",
        "HEA",
        "MS",
        "NUT",
        "PRO",
        "PRO_CPM",
        "PRO_GBV",
        "PRO_HLP",
        "PRO_MIN",
        "SHL",
        "WSH",
    }
    mapped = {code: sector_code(code) for code in codes}
    assert None not in mapped.values(), mapped
    assert mapped == {
        "ALL": "",
        "EDU": "education",
        "FSC": "food",
        "HEA": "health",
        "MS": "multi_sector",
        "NUT": "nutrition",
        "PRO": "protection",
        "PRO_CPM": "protection_cp",
        "PRO_GBV": "protection_gbv",
        "PRO_HLP": "protection_hlp",
        "PRO_MIN": "protection_mine",
        "SHL": "shelter",
        "WSH": "wash",
    }


def test_every_cluster_code_and_name_of_the_afghanistan_3w_maps(shared_data: Path) -> None:
    path = shared_data / FIXTURES / AFG_3W
    codes = column_values(path, "CLUSTER_SECTOR_CODE")
    names = column_values(path, "CLUSTER_SECTOR_NAME")
    assert sum(codes.values()) == sum(names.values()) == 10_902
    by_code = {c: sector_code(c) for c in codes}
    by_name = {n: sector_code(n) for n in names}
    assert None not in by_code.values() and None not in by_name.values(), (by_code, by_name)
    # Each row's code and name agree.
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if not r["CLUSTER_SECTOR_CODE"].startswith("#")]
    assert {
        (by_code[r["CLUSTER_SECTOR_CODE"]], by_name[r["CLUSTER_SECTOR_NAME"]]) for r in rows
    } == {
        (c, c)
        for c in ("education", "protection", "health", "shelter", "nutrition", "food", "wash")
    }


def test_the_hrinfo_cluster_list_maps_each_acronym_and_name_to_one_code(shared_data: Path) -> None:
    path = (
        shared_data
        / FIXTURES
        / "hdx-python-scraper__sector_global_coordination_groups_beta_csv.csv"
    )
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if not r["ACRONYM"].startswith("#")]
    assert len(rows) == 15
    for row in rows:
        codes = {sector_code(row[k]) for k in ("ACRONYM", "Preferred Term", "Preferred Term (fr)")}
        assert len(codes) == 1 and None not in codes, row
    assert {sector_code(r["ACRONYM"]) for r in rows} == set(SECTORS) - {
        "agriculture",
        "nfi",
        "cash",
        "multi_sector",
        "coordination",
    }


def test_the_cash_4w_template_and_ethiopia_cluster_words_are_all_sectors(shared_data: Path) -> None:
    sectors = column_values(shared_data / CASH_4W, "Sector")
    assert sectors == {"Multipurpose - One time": 413}
    # The template's drop-down list of sectors (sheet otherlists of the xlsx).
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(
        shared_data / CASH_4W.parent / "SYR_TurkeyXB_CBR_4Ws_DATA_ver2_20230324_fsl_export.xlsx",
        read_only=True,
    )
    rows = list(book["otherlists"].iter_rows(values_only=True))
    column = rows[0].index("Sector")
    listed = [r[column] for r in rows[1:] if r[column]]
    assert len(listed) == 11
    assert {w: sector_code(w) for w in listed} == {
        "Multipurpose - Repeated": "cash",
        "Multipurpose - One time": "cash",
        "Education": "education",
        "Food security": "food",
        "Livelihoods": "erl",
        "NFIs": "nfi",
        "Shelter": "shelter",
        "Health": "health",
        "Protection": "protection",
        "WASH": "wash",
        "Nutrition": "nutrition",
    }
    ethiopia = (
        shared_data
        / FIXTURES
        / ("hdx-python-scraper__ethiopia_drought_affected_targeted_reached_by_cluster.csv")
    )
    with ethiopia.open(encoding="utf-8-sig", newline="") as fh:
        groups, _, tags = list(csv.reader(fh))[:3]
    figures = [tag for tag in tags if tag.split("+")[0] in ("#inneed", "#targeted", "#reached")]
    attributes = {a for tag in figures for a in tag.split("+")[1:]} - {"total"}
    assert attributes == {"health", "nutrition", "food", "education", "protection", "wash"}
    assert all(is_sector_word(a) for a in attributes)
    assert {
        g: sector_code(g)
        for g in groups
        if g and g not in ("LOCATION", "OPERATIONAL PRIORITY", "OVERALL FIGURES")
    } == {
        "HEALTH": "health",
        "NUTRITION": "nutrition",
        "FOOD": "food",
        "ESNFI": "shelter",
        "EDUCATION": "education",
        "AGRICULTURE": "agriculture",
        "PROTECTION": "protection",
        "WASH": "wash",
    }


@pytest.mark.parametrize(
    "word", ["ALL", "all", "intersectoral", "Intersectoral", "inter-sector", "ISC", "", "  "]
)
def test_inter_sector_words_are_the_empty_sector(word: str) -> None:
    assert normalise_sector(word) == "" and sector_code(word) == ""


def test_an_unknown_sector_is_unknown_to_an_import_and_folded_only_for_a_query() -> None:
    assert sector_code("Agri-business") is None
    assert normalise_sector("Agri-business") == "agri_business"  # what --sector asks for
    assert not is_sector_word("business")


def test_every_shipped_word_belongs_to_one_code_and_maps_to_it() -> None:
    for name in vocab.VOCABULARY_FILES:
        shipped = vocabulary(name)
        source = Path(vocab.__file__).parent / "vocabularies" / f"{name}.yml"
        import yaml

        data = yaml.safe_load(source.read_text(encoding="utf-8"))
        for code, words in data.items():
            code = code or ""
            assert all(isinstance(w, str) for w in words), (name, code)
            for word in words:
                assert shipped.code(word) == code, (name, word, code)
            if code:
                assert shipped.code(code) == code, (name, code)


def test_the_word_lists_of_before_still_map_as_before() -> None:
    # A sample of the words model/vocab.py held as Python dicts, one or two per code.
    assert [
        normalise_status(w)
        for w in ("Completed", "منجز", "ongoing", "geplant", "refused", "Suspended", "")
    ] == ["completed", "completed", "partial", "planned", "denied", "cancelled", "completed"]
    assert [
        sector_code(w)
        for w in (
            "Food Security",
            "FSL",
            "الأمن الغذائي",
            "Shelter/NFI",
            "Core relief items",
            "Camp management",
            "Livelihoods",
            "MPCA",
            "Multipurpose - One time",
            "WASH",
        )
    ] == ["food", "food", "food", "shelter", "nfi", "cccm", "erl", "cash", "cash", "wash"]
    assert vocab.normalise_convoy_status("Partially approved") == "partly_approved"
    assert vocab.normalise_item_category("Trauma kits") == "medical"
    assert vocab.normalise_access("HTR") == "hard_to_reach"


def test_acled_event_types_old_and_new_map_to_acleds_current_words(shared_data: Path) -> None:
    sample = shared_data / "hxl" / "acled_sample" / "hdx-python-api__acled_test_data.csv"
    types = column_values(sample, "EVENT_TYPE")
    events = vocabulary("event_types")
    assert {t: events.code(t) for t in types} == {
        "Violence against civilians": "Violence against civilians",
        "Riots/Protests": "Riots/Protests",  # today's Protests or Riots: nothing tells which
    }
    current = [
        "Battles",
        "Explosions/Remote violence",
        "Violence against civilians",
        "Protests",
        "Riots",
        "Strategic developments",
    ]
    assert [events.code(t.upper()) for t in current] == current
    assert events.code("Remote violence") == "Explosions/Remote violence"
    assert events.code("Battle-No change of territory") == "Battles"
    assert events.code("Shelling/artillery/missile attack") == "Explosions/Remote violence"
    assert events.code("Market day") is None


# -- override files -------------------------------------------------------------------------------


def test_an_override_file_takes_word_code_lines_and_code_word_lists(tmp_path: Path) -> None:
    path = write(
        tmp_path / "map.yml",
        "Agri-business: agriculture\nALL: food\n"
        'wash:\n  - Hygiene promotion\n  - "Water trucking"\n"":\n  - Overall\n',
    )
    mapping = load_vocabulary_map(path)
    assert mapping == {
        "Agri-business": "agriculture",
        "ALL": "food",
        "Hygiene promotion": "wash",
        "Water trucking": "wash",
        "Overall": "",
    }
    sectors = vocabulary("sectors").extended(mapping)
    assert [
        sectors.code(w) for w in ("agri business", "all", "HYGIENE PROMOTION", "overall", "health")
    ] == ["agriculture", "food", "wash", "", "health"]
    # A code may be written as any word the vocabulary holds; a new one is a new sector.
    more = vocabulary("sectors").extended({"Farming": "Food Security", "Mobile clinics": "mhpss"})
    assert more.code("farming") == "food" and more.code("mobile clinics") == "mhpss"
    assert "mhpss" in more.codes and "mhpss" not in vocabulary("sectors").codes


def test_a_status_map_cannot_invent_a_status(tmp_path: Path) -> None:
    with pytest.raises(VocabularyError, match="'half done': 'halfway' is not a status"):
        vocabulary("statuses").extended({"half done": "halfway"})
    assert (
        vocabulary("statuses").extended({"half done": "partially delivered"}).code("Half done")
        == "partial"
    )


@pytest.mark.parametrize(
    "text, message",
    [
        ("- food\n- health\n", "write one entry a line"),
        ("food: [1, 2]\n", "lists 1, not a word: quote"),
        ("yes: completed\n", "True is not a word: quote"),
        ("food: {a: b}\n", "neither 'word: code' nor 'code: \\[words\\]'"),
        ("food: [unclosed\n", "not valid YAML"),
    ],
)
def test_a_malformed_override_file_is_refused_naming_it(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ReadError, match=message) as failed:
        load_vocabulary_map(write(tmp_path / "bad.yml", text))
    assert "bad.yml" in str(failed.value)


# -- imports --------------------------------------------------------------------------------------


def test_real_cash_4w_reports_each_mapping_with_the_rows_the_csv_module_counts(
    store: Store, shared_data: Path
) -> None:
    path = shared_data / CASH_4W
    options = ImportOptions(
        tag_map=load_tag_map(TAGS / "cash_4w_tags.yml"), dry_run=True, skip_invalid=True
    )
    report = import_file(store, path, options)
    expected = {}
    for header, vocabulary_name, codes in (
        ("Sector", "sector", {"Multipurpose - One time": "cash"}),
        ("Project Status", "status", {"Completed": "completed"}),
        ("Modality & Restrictions", "modality", {"Cash - Unrestricted": "cash_unrestricted"}),
    ):
        for word, rows in column_values(path, header).items():
            expected[(vocabulary_name, word, codes[word])] = rows
    assert dict(report.mappings) == expected
    assert expected[("sector", "Multipurpose - One time", "cash")] == 413
    listed = report.as_dict()["mappings"]
    assert {
        "vocabulary": "sector",
        "word": "Multipurpose - One time",
        "code": "cash",
        "rows": 413,
    } in listed  # type: ignore[operator]


def test_an_unknown_sector_is_refused_naming_file_row_column_value_and_option(
    places: Store, tmp_path: Path
) -> None:
    path = four_w(tmp_path, ["Food", "Agri-business", "Health", "Agri-business"])
    with pytest.raises(ImportFailed) as failed:
        import_file(places, path)
    errors = failed.value.report.errors
    assert [(e.code, e.file, e.row, e.column, e.value) for e in errors] == [
        ("unknown-sector", "4w.csv", 4, "B #sector", "Agri-business"),
        ("unknown-sector", "4w.csv", 6, "B #sector", "Agri-business"),
    ]
    assert "--sectors map.yml" in errors[0].reason
    assert row_counts(places)["deliveries"] == 0


def test_skip_invalid_rejects_just_the_rows_of_the_unknown_sector(
    places: Store, tmp_path: Path
) -> None:
    path = four_w(tmp_path, ["Food", "Agri-business", "Health", "Agri-business", "ALL"])
    rejects = tmp_path / "rejects.csv"
    report = import_file(places, path, ImportOptions(skip_invalid=True, rejects=rejects))
    assert (report.rows_written, report.rows_rejected) == (3, 2)
    with rejects.open(encoding="utf-8", newline="") as fh:
        rejected = list(csv.reader(fh))[2:]
    assert [(r[0], r[3]) for r in rejected] == [("4", "Agri-business"), ("6", "Agri-business")]
    assert all("unknown sector 'Agri-business'" in r[1] for r in rejected)
    assert [(d["sector"], d["reached"]) for d in stored_deliveries(places)] == [
        ("food", 10),
        ("health", 30),
        ("", 50),
    ]


def test_sectors_override_on_the_command_line_changes_the_mapping_and_the_report(
    places: Store, tmp_path: Path
) -> None:
    db = places.engine.url.render_as_string(hide_password=False)
    path = four_w(tmp_path, ["Food", "Agri-business", "Multipurpose - One time"])
    map_file = write(
        tmp_path / "map.yml", "Agri-business: agriculture\nMultipurpose - One time: multi_sector\n"
    )
    refused = CliRunner().invoke(main, ["--db", db, "import", "--dry-run", str(path)])
    assert refused.exit_code == 1
    assert "unknown sector 'Agri-business': map it with --sectors map.yml" in refused.stderr
    result = CliRunner().invoke(main, ["--db", db, "import", "--sectors", str(map_file), str(path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert '  sector "Agri-business" -> agriculture: 1 row' in lines
    assert '  sector "Multipurpose - One time" -> multi_sector: 1 row' in lines
    assert not any('"Food"' in line for line in lines)  # a word that is its code but for case
    assert all(len(line) <= 80 for line in lines if line.startswith("  "))
    assert [d["sector"] for d in stored_deliveries(places)] == [
        "food",
        "agriculture",
        "multi_sector",
    ]


def test_json_report_lists_every_mapping_also_the_words_that_are_their_code(
    places: Store, tmp_path: Path
) -> None:
    db = places.engine.url.render_as_string(hide_password=False)
    path = four_w(tmp_path, ["food", "Food", "food", "ISC"])
    result = CliRunner().invoke(
        main, ["--db", db, "import", "--dry-run", "--format", "json", str(path)]
    )
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.stdout)
    sectors = [m for m in report["mappings"] if m["vocabulary"] == "sector"]
    assert sectors == [
        {"vocabulary": "sector", "word": "Food", "code": "food", "rows": 1},
        {"vocabulary": "sector", "word": "ISC", "code": "", "rows": 1},
        {"vocabulary": "sector", "word": "food", "code": "food", "rows": 2},
    ]


def test_an_unknown_status_names_the_statuses_option_and_a_status_map_resolves_it(
    places: Store, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "s.csv",
        "#org+impl,#sector,#status,#adm4+code,#reached+ind,#date+end\n"
        "WFP,Food,Halfway,C1007,10,2017-02-01\nWFP,Food,done,C1007,5,2017-02-02\n",
    )
    with pytest.raises(ImportFailed) as failed:
        import_file(places, path)
    (error,) = failed.value.report.errors
    assert (error.code, error.row, error.column, error.value) == (
        "unknown-status",
        2,
        "C #status",
        "Halfway",
    )
    assert "--statuses map.yml" in error.reason and "completed" in error.reason
    with pytest.raises(ImportFailed) as failed:
        import_file(places, path, ImportOptions(statuses={"Halfway": "halfway"}))
    (error,) = failed.value.report.errors
    assert error.code == "vocabulary" and "--statuses" in error.reason
    report = import_file(places, path, ImportOptions(statuses={"Halfway": "partial"}))
    assert dict(report.mappings)[("status", "Halfway", "partial")] == 1
    assert [d["status"] for d in stored_deliveries(places)] == ["partial", "completed"]


def test_an_unknown_modality_is_kept_as_written_with_one_warning_naming_the_option(
    places: Store, tmp_path: Path
) -> None:
    rows = ["Cash - Unrestricted", "Hawala", "in-kind", "Hawala", ""]
    text = "#org+impl,#sector,#delivery,#adm4+code,#reached+ind,#date+end\n" + "".join(
        f"WFP,Food,{m},C1007,{i + 1},2017-02-01\n" for i, m in enumerate(rows)
    )
    report = import_file(places, write(tmp_path / "m.csv", text))
    (warning,) = [w for w in report.warnings if w.code == "unknown-modality"]
    assert (warning.row, warning.value) == (3, "Hawala")
    assert "2 row(s)" in warning.reason and "--modalities map.yml" in warning.reason
    assert [d["modality"] for d in stored_deliveries(places)] == [
        "cash_unrestricted",
        "Hawala",
        "in_kind",
        "Hawala",
        None,
    ]
    assert ("modality", "in-kind", "in_kind") in report.mappings


def test_an_unknown_event_type_is_refused_and_an_event_type_map_resolves_it(
    store: Store, tmp_path: Path
) -> None:
    text = (
        "#event+code,#date+occurred,#event+type,#geo+lat,#geo+lon\n"
        "E1,2017-02-07,Battles,36.2,37.1\nE2,2017-02-08,Remote violence,36.2,37.1\n"
        "E3,2017-02-09,Market day,36.2,37.1\nE4,2017-02-10,Riots/Protests,36.2,37.1\n"
    )
    path = write(tmp_path / "events.csv", text)
    with pytest.raises(ImportFailed) as failed:
        import_file(store, path)
    (error,) = failed.value.report.errors
    assert (error.code, error.row, error.column, error.value) == (
        "unknown-event-type",
        4,
        "C #event+type",
        "Market day",
    )
    assert "--event-types map.yml" in error.reason
    report = import_file(store, path, ImportOptions(event_types={"Market day": "Protests"}))
    assert report.mappings[("event type", "Remote violence", "Explosions/Remote violence")] == 1
    assert [i.event_type for i in incident_list(store, None)] == [
        "Battles",
        "Explosions/Remote violence",
        "Protests",
        "Riots/Protests",
    ]


def test_the_real_acled_sample_imports_with_its_event_types_counted_as_the_file_has_them(
    store: Store, shared_data: Path
) -> None:
    sample = shared_data / "hxl" / "acled_sample" / "hdx-python-api__acled_test_data.csv"
    report = import_file(store, sample)
    counted = column_values(sample, "EVENT_TYPE")
    assert {w: n for (v, w, _), n in report.mappings.items() if v == "event type"} == counted


# -- the web import page --------------------------------------------------------------------------


def _post(client: object, content: str, sectors: str | None = None) -> Any:
    files = {"file": ("4w.csv", content.encode("utf-8"), "text/csv")}
    if sectors is not None:
        files["sectors"] = ("sectors.yml", sectors.encode("utf-8"), "application/yaml")
    return client.post("/import", files=files, data={"source": "Partner"})  # type: ignore[attr-defined]


def _mapping_rows(page: Any) -> list[list[str]]:
    body = page.text.split('id="import-mappings"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], flags=re.S)
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", r, flags=re.S)
        ]
        for r in rows
    ]


def test_web_import_takes_a_sector_map_and_lists_the_words_mapped(
    places: Store, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from lagebild.web import WebConfig, create_app

    url = places.engine.url.render_as_string(hide_password=False)
    content = four_w(tmp_path, ["Food", "Agri-business", "Agri-business", "ISC"]).read_text()
    with TestClient(create_app(WebConfig(db=url))) as client:
        assert 'name="sectors"' in client.get("/import").text
        refused = _post(client, content)
        assert "unknown sector &#39;Agri-business&#39;" in refused.text
        assert 'id="import-confirm"' not in refused.text
        page = _post(client, content, sectors="Agri-business: agriculture\n")
        assert page.status_code == 200 and 'id="import-confirm"' in page.text
        assert _mapping_rows(page) == [
            ["Sector", "Agri-business", "agriculture", "2"],
            ["Sector", "Food", "food", "1"],
            ["Sector", "ISC", "Inter-sector", "1"],
        ]
        token = re.search(r'action="/import/([A-Za-z0-9_-]+)/confirm"', page.text).group(1)  # type: ignore[union-attr]
        done = client.post(f"/import/{token}/confirm")
        assert 'data-stage="done"' in done.text
        assert [d["sector"] for d in stored_deliveries(places)] == [
            "food",
            "agriculture",
            "agriculture",
            "",
        ]
        broken = _post(client, content, sectors="- food\n")
        assert broken.status_code == 400 and 'data-code="sectors"' in broken.text


def test_an_edit_takes_a_sector_word_and_refuses_one_nothing_maps() -> None:
    from lagebild.ingest.edit import EditError, parse_edits

    assert parse_edits("delivery", ["sector=PRO-GBV"]) == {"sector": "protection_gbv"}
    assert parse_edits("delivery", ["sector=Intersectoral"]) == {"sector": ""}
    with pytest.raises(EditError, match="sector='Fod': use food, "):
        parse_edits("delivery", ["sector=Fod"])


def test_a_sector_attribute_of_a_figure_tag_is_reported_with_the_rows_that_give_a_value(
    places: Store, tmp_path: Path
) -> None:
    text = (
        "#adm4+code,#inneed+WASH,#inneed+fsc,#inneed,#date\n"
        "C1007,100,,900,2017-01-01\nC4140,50,70,800,2017-01-01\nC1007,,,,2017-02-01\n"
    )
    path = write(tmp_path / "pin.csv", text)
    report = import_file(places, path)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    given = {tag: sum(1 for r in rows if r[tag]) for tag in ("#inneed+WASH", "#inneed+fsc")}
    assert dict(report.mappings) == {
        ("sector", "+wash", "wash"): given["#inneed+WASH"],
        ("sector", "+fsc", "food"): given["#inneed+fsc"],
    }


def test_a_type_word_that_is_not_its_type_is_kept_as_the_sub_event_type_and_tells_aid_attacks(
    store: Store, tmp_path: Path
) -> None:
    text = (
        "#event+code,#date+occurred,#event+type,#event+type+sub,#geo+lat,#geo+lon\n"
        "E1,2017-02-07,Shelling,,36.2,37.1\n"
        "E2,2017-02-08,Attack on aid convoy,,36.2,37.1\n"
        "E3,2017-02-09,battles,Armed clash,36.2,37.1\n"
        "E4,2017-02-10,Remote violence,Shelling/artillery/missile attack,36.2,37.1\n"
    )
    path = write(tmp_path / "events.csv", text)
    options = ImportOptions(event_types={"Attack on aid convoy": "Violence against civilians"})
    import_file(store, path, options)
    found = [(i.event_type, i.sub_event_type, i.attack_on_aid) for i in incident_list(store, None)]
    assert found == [
        ("Explosions/Remote violence", "Shelling", False),
        ("Violence against civilians", "Attack on aid convoy", True),
        ("Battles", "Armed clash", False),
        ("Explosions/Remote violence", "Shelling/artillery/missile attack", False),
    ]
