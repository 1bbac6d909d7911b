"""Issue 10, point 8: every file of ``../shared/data`` through ``import --dry-run``, with its
stated outcome.

The files are checked against the Syria gazetteer (the 2020 COD to sub-districts and the 2018
communities): the kind lagebild recognises and the rows it would write, or the refusal, its code,
how many errors and the columns or hashtags its message names. No file ends in a traceback.
``python tests/test_corpus.py`` rewrites the table of outcomes in ``docs/hxl.md`` from these.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lagebild.ingest import ImportFailed, ImportOptions, import_file, load_tag_map
from lagebild.store import Store
from lagebild.store.places import all_places

HERE = Path(__file__).parent
DOC = HERE.parent / "docs" / "hxl.md"
#: Files that are parts of a shapefile (read through their ``.shp``) or describe the folder.
NOT_TABLES = {".dbf", ".shx", ".prj", ".cpg"}
NOT_DATA = {"PROVENANCE.txt", "SHA256SUMS"}


@dataclass(frozen=True)
class Expect:
    """The outcome of one file: ``kind`` recognised (None: refused before), and either the rows
    written and rejected, or the first error's code, the number of errors and what the message
    names."""

    kind: str | None
    rows: int | None = None
    rejected: int = 0
    code: str | None = None
    errors: int = 0
    mentions: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.code is None:
            text = f"{self.rows:,} rows"
            return text + (f", {self.rejected:,} rejected" if self.rejected else "")
        count = f", {self.errors:,} errors" if self.errors > 1 else ""
        return f"refused ({self.code}{count}): {self.why()}"

    def why(self) -> str:
        """The refusal in a few words, for the table of docs/hxl.md."""
        said = self.mentions
        if self.code == "unreadable":
            return "several tables: choose one (--member)" if said else "no hashtag row"
        if self.code == "no-valid-pcode":
            return "P-codes not in the Syria gazetteer"
        if self.code == "not-a-date":
            return "a year or a month where a date is needed"
        if self.code == "place-renamed":
            return "renames and moves known places (--update-places)"
        if said == ("#adm1+code", "#adm4+code"):
            return "no P-code column"
        if said and said[0].startswith("#value"):
            return "money values or prices, not kept"
        if said and said[0].startswith("#loc+market"):
            return "market codes, not P-codes"
        if len(said) == 2 and said[0].split("+")[0] == said[1].split("+")[0]:
            return f"{said[0]} and {said[1]} give the same figure: tag one apart"
        return "no kind lagebild keeps" + (f" ({', '.join(said)}, ...)" if said else "")


NO_PCODE = Expect(None, code="layout", errors=1, mentions=("#adm1+code", "#adm4+code"))
UNTAGGED = Expect(None, code="unreadable", errors=1)

#: How a user imports a file that needs it: its date, a tag map, --skip-invalid.
OPTIONS: dict[str, dict[str, Any]] = {
    "syria/idp_movements_ocha/syr_idp_arrivals_by_community.csv": {"date": date(2018, 12, 31)},
    "syria/idp_movements_ocha/syr_idp_returns_by_community.csv": {"date": date(2018, 12, 31)},
    "syria/cash_4w_2023/syr_nws_cash_4w_2023-02_03.csv": {
        "tags": "cash_4w_tags.yml", "skip_invalid": True
    },
    "syria/cash_4w_2023/SYR_TurkeyXB_CBR_4Ws_DATA_ver2_20230324_fsl_export.xlsx": {
        "tags": "cash_4w_tags.yml", "skip_invalid": True
    },
    "syria/hno_2023/syr_hno2023_intersector_pin_severity_admin3.csv": {
        "tags": "hno_2023_tags.yml", "date": date(2023, 3, 15)
    },
    "syria/earthquake_2023_acu/acu_syria_earthquake_impact_2023-03-05.csv": {
        "tags": "acu-earthquake-2023"
    },
    "syria/earthquake_2023_acu/syria-earthquake-impact-05-march-2023.xlsx": {
        "tags": "acu-earthquake-2023"
    },
    "hxl/hdx_fixtures/hapi-pipelines__download-hno-data-mli.csv": {"date": date(2024, 1, 1)},
    "hxl/hdx_fixtures/hapi-pipelines__population_afg_afg_admpop_adm1_2021_v2.csv": {
        "date": date(2021, 1, 1)
    },
}  # fmt: skip

CORPUS: dict[str, Expect] = {
    "global/global_pcode_lengths.csv": UNTAGGED,
    "global/global_pcodes_adm_1_2.csv": UNTAGGED,
    "hxl/acled_sample/hdx-python-api__acled_test_data.csv": Expect("incidents", rows=4),
    "hxl/dictionary/hxl_core_attribute.hxl.csv": (
        Expect(None, code="layout", errors=1, mentions=('#description', '#meta'))
    ),
    "hxl/dictionary/hxl_core_hashtag.hxl.csv": (
        Expect(None, code="layout", errors=1, mentions=('#description', '#meta'))
    ),
    "hxl/dictionary/hxl_master_vocabulary.hxl.csv": (
        Expect(None, code="layout", errors=1, mentions=('#description', '#org'))
    ),
    "hxl/dictionary/libhxl_hxl-default-schema.json": (
        Expect(None, code="layout", errors=1, mentions=('#description', '#meta'))
    ),
    "hxl/hdx_fixtures/hapi-pipelines__download-hno-data-mli.csv": (
        Expect("figures", code="no-valid-pcode", errors=1283, mentions=('#adm1+code',))
    ),
    "hxl/hdx_fixtures/hapi-pipelines__funding_afg_fts_requirements_funding_afg.csv": (
        Expect(None, code="layout", errors=1, mentions=('#value+funding+required+usd', '#value+funding+total+usd'))
    ),
    "hxl/hdx_fixtures/hapi-pipelines__global_wfp_markets.csv": (
        Expect(None, code="layout", errors=1, mentions=('#loc+market+code',))
    ),
    "hxl/hdx_fixtures/hapi-pipelines__operational_presence_afg_afghanistan_3w_operational_presence_january_march_2024.csv": (
        Expect("presence", code="no-valid-pcode", errors=10902, mentions=('#adm1+code', '#adm2+code'))
    ),
    "hxl/hdx_fixtures/hapi-pipelines__org_name_mapping.csv": (
        Expect("presence", code="no-valid-pcode", errors=121, mentions=())
    ),
    "hxl/hdx_fixtures/hapi-pipelines__population_afg_afg_admpop_adm1_2021_v2.csv": (
        Expect("figures", code="no-valid-pcode", errors=34, mentions=('#adm1+code',))
    ),
    "hxl/hdx_fixtures/hdx-python-scraper__ethiopia_drought_affected_targeted_reached_by_cluster.csv": (
        Expect(None, code="layout", errors=1, mentions=('#reached+total', '#reached'))
    ),
    "hxl/hdx_fixtures/hdx-python-scraper__hno_2017_sahel_nutrition.csv": NO_PCODE,
    "hxl/hdx_fixtures/hdx-python-scraper__idps_download-displacement-data.csv": (
        Expect("figures", code="not-a-date", errors=3412, mentions=())  # SYR rows are Syria (ISO 3166 alpha-3)
    ),
    "hxl/hdx_fixtures/hdx-python-scraper__org_type_organization_types_beta_csv.csv": (
        Expect(None, code="layout", errors=1, mentions=('#date', '#description'))
    ),
    "hxl/hdx_fixtures/hdx-python-scraper__sector_global_coordination_groups_beta_csv.csv": (
        Expect(None, code="layout", errors=1, mentions=('#date', '#meta'))
    ),
    "hxl/hdx_fixtures/hdx-python-scraper__whowhatwhere_afg_3w_data.csv": (
        Expect("presence", code="not-a-date", errors=2, mentions=())
    ),
    "hxl/hxl_showcase_2014/hxl-tags-2014-beta.csv": UNTAGGED,
    "hxl/hxl_showcase_2014/mali-population-movements.csv": (
        Expect(None, code="layout", errors=1, mentions=('#aff_num', '#idp_num'))
    ),
    "hxl/hxl_showcase_2014/rowca-3w-hxl.csv": (
        Expect(None, code="layout", errors=1, mentions=('#activity', '#activity_id'))
    ),
    "hxl/hxl_showcase_2014/rowca-gin-adm2.csv": (
        Expect(None, code="layout", errors=1, mentions=('#adm1', '#adm1_id'))
    ),
    "hxl/hxl_showcase_2014/unhcr-3w.csv": (
        Expect(None, code="layout", errors=1, mentions=('#adm1', '#country'))
    ),
    "hxl/hxl_showcase_2014/unhcr-refugee-data.csv": (
        Expect(None, code="layout", errors=1, mentions=('#country', '#inneed_num'))
    ),
    "libhxl_tests/files/mock/append-source-1.csv": NO_PCODE,
    "libhxl_tests/files/mock/append-source-2.csv": NO_PCODE,
    "libhxl_tests/files/mock/append-source-list.csv": (
        Expect(None, code="layout", errors=1, mentions=('#x_source',))
    ),
    "libhxl_tests/files/mock/taxonomy.csv": Expect("places", rows=3),
    "libhxl_tests/files/test_converters/wide-tagging-test.csv": UNTAGGED,
    "libhxl_tests/files/test_io/input-broken.xlsx": (
        Expect("figures", code="not-a-date", errors=12855, mentions=())  # SYR rows are Syria
    ),
    "libhxl_tests/files/test_io/input-fuzzy.csv": (
        Expect(None, code="layout", errors=1, mentions=('#targeted+f', '#targeted+f'))
    ),
    "libhxl_tests/files/test_io/input-invalid.csv": UNTAGGED,
    "libhxl_tests/files/test_io/input-invalid.png": UNTAGGED,
    "libhxl_tests/files/test_io/input-merged.xlsx": NO_PCODE,
    "libhxl_tests/files/test_io/input-multiline.csv": (
        Expect(None, code="layout", errors=1, mentions=('#description',))
    ),
    "libhxl_tests/files/test_io/input-multiple-headers.csv": NO_PCODE,
    "libhxl_tests/files/test_io/input-notag1.html": UNTAGGED,
    "libhxl_tests/files/test_io/input-notag2.html": UNTAGGED,
    "libhxl_tests/files/test_io/input-quality.xls": NO_PCODE,
    "libhxl_tests/files/test_io/input-quality.xlsx": NO_PCODE,
    "libhxl_tests/files/test_io/input-untagged-csv.zip": UNTAGGED,
    "libhxl_tests/files/test_io/input-untagged-objects.json": UNTAGGED,
    "libhxl_tests/files/test_io/input-untagged.csv": UNTAGGED,
    "libhxl_tests/files/test_io/input-untagged.json": UNTAGGED,
    "libhxl_tests/files/test_io/input-valid-csv.zip": NO_PCODE,
    "libhxl_tests/files/test_io/input-valid-json-selector.json": (
        Expect(None, code="unreadable", errors=1, mentions=('#adm1', '#affected'))
    ),
    "libhxl_tests/files/test_io/input-valid-json.txt": NO_PCODE,
    "libhxl_tests/files/test_io/input-valid-latin1.csv": NO_PCODE,
    "libhxl_tests/files/test_io/input-valid-nested.json": NO_PCODE,
    "libhxl_tests/files/test_io/input-valid-objects.json": NO_PCODE,
    "libhxl_tests/files/test_io/input-valid-xlsx.NOEXT": NO_PCODE,
    "libhxl_tests/files/test_io/input-valid.csv": NO_PCODE,
    "libhxl_tests/files/test_io/input-valid.hxl": NO_PCODE,
    "libhxl_tests/files/test_io/input-valid.json": NO_PCODE,
    "libhxl_tests/files/test_io/input-valid.ssv": NO_PCODE,
    "libhxl_tests/files/test_io/input-valid.tsv": NO_PCODE,
    "libhxl_tests/files/test_io/input-valid.xls": NO_PCODE,
    "libhxl_tests/files/test_io/input-valid.xlsx": NO_PCODE,
    "libhxl_tests/files/test_io/input-zip-invalid.zip": NO_PCODE,
    "libhxl_tests/files/test_io/output-valid-objects.json": NO_PCODE,
    "libhxl_tests/files/test_io/output-valid.csv": NO_PCODE,
    "libhxl_tests/files/test_io/output-valid.json": NO_PCODE,
    "libhxl_tests/files/test_scripts/add-output-before.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/add-output-default.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/add-output-headers.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/append-dataset.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/clean-output-headers.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/clean-output-lower.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/clean-output-noheaders.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/clean-output-upper.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/clean-output-whitespace-all.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/clean-output-whitespace-tags.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/count-output-aggregated.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/count-output-colspec.csv": (
        Expect(None, code="layout", errors=1, mentions=('#output+activities', '#population'))
    ),
    "libhxl_tests/files/test_scripts/count-output-simple.csv": (
        Expect(None, code="layout", errors=1, mentions=('#adm1', '#meta'))
    ),
    "libhxl_tests/files/test_scripts/cut-output-excludes.csv": (
        Expect(None, code="layout", errors=1, mentions=('#adm1', '#country'))
    ),
    "libhxl_tests/files/test_scripts/cut-output-includes.csv": (
        Expect(None, code="layout", errors=1, mentions=('#adm1', '#org'))
    ),
    "libhxl_tests/files/test_scripts/input-date.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/input-merge.csv": (
        Expect(None, code="layout", errors=1, mentions=('#sector', '#status'))
    ),
    "libhxl_tests/files/test_scripts/input-simple.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/input-status.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/input-untagged.csv": UNTAGGED,
    "libhxl_tests/files/test_scripts/input-whitespace.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/merge-output-basic.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/merge-output-overwrite.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/merge-output-replace.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/rename-output-header.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/rename-output-multiple.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/rename-output-single.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/select-output-eq.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/select-output-ge.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/select-output-gt.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/select-output-le.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/select-output-lt.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/select-output-multiple.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/select-output-ne.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/select-output-nre.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/select-output-re.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/select-output-reverse.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/sort-output-date.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/sort-output-default.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/sort-output-numeric.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/sort-output-reverse.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/sort-output-tags.csv": NO_PCODE,
    "libhxl_tests/files/test_scripts/tag-output-ambiguous.csv": (
        Expect(None, code="layout", errors=1, mentions=('#adm1', '#org'))
    ),
    "libhxl_tests/files/test_scripts/tag-output-default.csv": (
        Expect(None, code="layout", errors=1, mentions=('#meta', '#org'))
    ),
    "libhxl_tests/files/test_scripts/tag-output-full.csv": (
        Expect(None, code="layout", errors=1, mentions=('#adm1', '#country'))
    ),
    "libhxl_tests/files/test_scripts/tag-output-notsubstrings.csv": (
        Expect(None, code="layout", errors=1, mentions=('#sector',))
    ),
    "libhxl_tests/files/test_scripts/tag-output-partial.csv": (
        Expect(None, code="layout", errors=1, mentions=('#sector',))
    ),
    "libhxl_tests/files/test_scripts/validation-schema-invalid.csv": (
        Expect(None, code="layout", errors=1, mentions=('#valid_datatype', '#valid_tag'))
    ),
    "libhxl_tests/files/test_scripts/validation-schema-valid.csv": (
        Expect(None, code="layout", errors=1, mentions=('#valid_datatype', '#valid_tag'))
    ),
    "libhxl_tests/files/test_validation/truthy-schema.json": (
        Expect(None, code="layout", errors=1, mentions=('#valid_required', '#valid_severity'))
    ),
    "syria/cash_4w_2023/SYR_TurkeyXB_CBR_4Ws_DATA_ver2_20230324_fsl_export.xlsx": (
        Expect("deliveries", rows=383, rejected=30)
    ),
    "syria/cash_4w_2023/syr_nws_cash_4w_2023-02_03.csv": (
        Expect("deliveries", rows=383, rejected=30)
    ),
    "syria/cod_ab_2020-12-17/shp/syr_admbnda_adm1_uncs_unocha_20201217.shp": (
        Expect("places", rows=14)
    ),
    "syria/cod_ab_2020-12-17/shp/syr_admbnda_adm3_uncs_unocha_20201217.shp": (
        Expect("places", rows=272)
    ),
    "syria/cod_ab_2020-12-17/syr_adm1.csv": Expect("places", rows=14),
    "syria/cod_ab_2020-12-17/syr_adm2.csv": Expect("places", rows=62),
    "syria/cod_ab_2020-12-17/syr_adm3_with_centroids.csv": Expect("places", rows=272),
    "syria/cod_ab_2020-12-17/syr_admin_unit_lookup.csv": UNTAGGED,
    "syria/cod_ab_2020-12-17/syr_neighbourhoods.csv": UNTAGGED,
    "syria/earthquake_2023_acu/acu_syria_earthquake_impact_2023-03-05.csv": (
        Expect("damage", rows=148)
    ),
    "syria/earthquake_2023_acu/syria-earthquake-impact-05-march-2023.xlsx": (
        Expect("damage", rows=148)
    ),
    "syria/gazetteer_2015_alahwa/syr_admin1.geojson": UNTAGGED,
    "syria/gazetteer_2015_alahwa/syr_admin2.geojson": UNTAGGED,
    "syria/gazetteer_2015_alahwa/syr_admin4_communities_2015.csv": (
        Expect("places", code="place-renamed", errors=176, mentions=())
    ),
    "syria/gazetteer_2015_alahwa/syr_admin4_point.geojson": UNTAGGED,
    "syria/gazetteer_2015_alahwa/syr_admin5.geojson": UNTAGGED,
    "syria/hno_2023/2023HNO_PiN_Severity_detailedAoI_FORSHARE_15032023.xlsx": UNTAGGED,
    "syria/hno_2023/syr_hno2023_intersector_pin_severity_admin3.csv": Expect("figures", rows=270),
    "syria/hno_2023/syr_hno2023_sector_pin_admin3.csv": UNTAGGED,
    "syria/idp_movements_ocha/ocha_turkey_idp_movements_monthly_report.xlsx": UNTAGGED,
    "syria/idp_movements_ocha/syr_idp_arrivals_by_community.csv": Expect("figures", rows=541),
    "syria/idp_movements_ocha/syr_idp_returns_by_community.csv": Expect("figures", rows=278),
    "syria/locations_2018/syr_locations_communities.csv": Expect("places", rows=7693),
    "syria/wfp/wfp_food_prices_syr_api_pages1-5.csv": (
        Expect(None, code="layout", errors=1, mentions=('#value',))
    ),
    "syria/wfp/wfp_food_prices_syr_qc.csv": (
        Expect(None, code="layout", errors=1, mentions=('#value+usd',))
    ),
    "syria/wfp/wfp_markets_syr.csv": UNTAGGED,
}


def corpus_files(root: Path) -> list[str]:
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and p.suffix not in NOT_TABLES and p.name not in NOT_DATA
    )


def options_for(name: str) -> ImportOptions:
    given = dict(OPTIONS.get(name, {}))
    tags = given.pop("tags", None)
    if tags is not None:
        shipped = not tags.endswith(".yml")
        given["tag_map"] = load_tag_map(tags if shipped else HERE / "data" / tags)
    return ImportOptions(dry_run=True, **given)


@pytest.fixture(scope="module")
def syria_db(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store.open(str(tmp_path_factory.mktemp("corpus") / "syria.db"))
    store.migrate()
    cod = shared_data / "syria" / "cod_ab_2020-12-17"
    for name in ("syr_adm1.csv", "syr_adm2.csv", "syr_adm3_with_centroids.csv"):
        import_file(store, cod / name, ImportOptions(source="OCHA COD-AB 2020-12-17"))
    import_file(
        store,
        shared_data / "syria" / "locations_2018" / "syr_locations_communities.csv",
        ImportOptions(source="OCHA locations 2018"),
    )
    return store


def outcome(store: Store, path: Path, name: str) -> Expect:
    try:
        report = import_file(store, path, options_for(name))
    except ImportFailed as failed:
        report = failed.report
        first = report.errors[0]
        return Expect(report.kind, code=first.code, errors=report.error_count,
                      mentions=(first.reason,))  # fmt: skip
    return Expect(report.kind, rows=report.rows_written, rejected=report.rows_rejected)


def test_every_file_of_the_shared_data_has_a_stated_outcome(shared_data: Path) -> None:
    assert corpus_files(shared_data) == sorted(CORPUS)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_each_file_imports_or_is_refused_as_stated(
    name: str, shared_data: Path, syria_db: Store
) -> None:
    expected = CORPUS[name]
    found = outcome(syria_db, shared_data / name, name)
    assert (found.kind, found.rows, found.rejected, found.code, found.errors) == (
        expected.kind, expected.rows, expected.rejected, expected.code, expected.errors,
    ), found.mentions  # fmt: skip
    for text in expected.mentions:
        assert text in found.mentions[0], found.mentions[0]


def test_the_idp_arrivals_are_figures_of_arrivals_and_change_no_place(
    shared_data: Path, store: Store
) -> None:
    """The file once taken for a gazetteer: its arrivals are a flow of their own, their sum per
    governorate is the file's, and the 37 places it names otherwise keep their COD names."""
    from lagebild.store.listing import figures as listed

    cod = shared_data / "syria" / "cod_ab_2020-12-17"
    for name in ("syr_adm1.csv", "syr_adm2.csv", "syr_adm3_with_centroids.csv"):
        import_file(store, cod / name, ImportOptions(source="COD"))
    import_file(
        store, shared_data / "syria" / "locations_2018" / "syr_locations_communities.csv"
    )
    before = {p.pcode: (p.name_en, p.parent_id) for p in all_places(store)}
    path = shared_data / "syria" / "idp_movements_ocha" / "syr_idp_arrivals_by_community.csv"
    report = import_file(store, path, ImportOptions(source="OCHA", date=date(2018, 12, 31)))
    assert (report.kind, report.rows_written, report.unused_columns) == (
        "figures", 541,
        ["A #adm1+name (Mohafaza)", "C #adm2+name (Mantika)", "E #adm3+name (Nahya)",
         "G #loc+name (Community)"],
    )
    assert {p.pcode: (p.name_en, p.parent_id) for p in all_places(store)} == before
    assert before["C6526"][0] == "Bahra" and before["SY020405"][0] == "Suran"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))[2:]
    by_governorate: dict[str, float] = defaultdict(float)
    for row in rows:
        by_governorate[row[1]] += float(row[8])
    page = listed(store, None, "idps_arrivals", None, date(2019, 1, 1), None, 10_000, 0)
    stored: dict[str, float] = defaultdict(float)
    tree = {p.id: p for p in all_places(store)}
    for item in page.items:
        place = store_place = next(p for p in tree.values() if p.pcode == item["pcode"])
        while store_place.level > 1:
            store_place = tree[store_place.parent_id]  # type: ignore[index]
        stored[store_place.pcode] += item["value"]
        assert place.level == 4
    assert stored == by_governorate
    assert not listed(store, None, "idps", None, date(2019, 1, 1), None, 10, 0).items


# -- the table of docs/hxl.md ---------------------------------------------------------------

BEGIN = "<!-- corpus: begin (python tests/test_corpus.py writes this table) -->"
END = "<!-- corpus: end -->"


def corpus_table() -> str:
    """The outcomes as Markdown: each file outside libhxl's test files, then those by outcome."""
    lines = [
        "| file | options | kind | outcome |",
        "|---|---|---|---|",
    ]
    libhxl: Counter[str] = Counter()
    for name, expected in sorted(CORPUS.items()):
        if name.startswith("libhxl_tests/"):
            libhxl[f"{expected.kind or '-'} | {expected.describe()}"] += 1
            continue
        given = OPTIONS.get(name, {})
        options = ", ".join(
            f"--{k.replace('_', '-')}" + ("" if v is True else f" {v}") for k, v in given.items()
        )
        lines.append(f"| `{name}` | {options} | {expected.kind or '-'} | {expected.describe()} |")
    lines += ["", f"libhxl's own test files ({sum(libhxl.values())}, `libhxl_tests/files/`):",
              "", "| files | kind | outcome |", "|---|---|---|"]  # fmt: skip
    for text, n in sorted(libhxl.items(), key=lambda x: (-x[1], x[0])):
        lines.append(f"| {n} | {text} |")
    return "\n".join(lines) + "\n"


def test_the_corpus_table_in_docs_is_up_to_date() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert BEGIN in text and END in text, f"{DOC} lacks the corpus markers"
    current = text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n") + "\n"
    assert current == corpus_table(), "docs/hxl.md is stale: run python tests/test_corpus.py"


if __name__ == "__main__":
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    DOC.write_text(head + BEGIN + "\n" + corpus_table() + END + tail, encoding="utf-8")
    print(f"wrote {DOC}", file=sys.stderr)
