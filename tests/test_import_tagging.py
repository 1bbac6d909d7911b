"""The Import page speaks the browser: its messages name the page's fields where the command line
names its options; a P-code problem shows its column and value; a file without hashtags gets its
tag map built on the page, which imports what the same YAML map imports on the command line, and
can be saved for the partner's next file (on the page and with ``--tags-saved``)."""

from __future__ import annotations

import csv
import html
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from lagebild.cli import main
from lagebild.ingest import ImportFailed, ImportOptions, import_file
from lagebild.ingest.catalogue import KINDS
from lagebild.ingest.hints import COMMAND_LINE, hints_in
from lagebild.ingest.read import normal_header
from lagebild.ingest.tagging import file_headers, known_tags, suggest
from lagebild.store import Store
from lagebild.store import schema as t
from lagebild.store.summary import row_counts
from lagebild.store.tagmaps import save_tag_map, saved_tag_map, saved_tag_maps
from lagebild.web import WebConfig, create_app
from lagebild.web.import_report import HINT_WORDS

DATA = Path(__file__).parent / "data"

GAZETTEER = """\
Governorate,Gov code,District code,Sub-district code,Community,Community code
#adm1+name,#adm1+code,#adm2+code,#adm3+code,#adm4+name,#adm4+code
Aleppo,SY02,SY0200,SY020000,Aleppo,C1007
Aleppo,SY02,SY0200,SY020000,Musallamiyeh,C1003
Idleb,SY07,SY0703,SY070302,Salqin,C4140
"""

#: A partner's 4W as it comes: headers, no hashtag row.
UNTAGGED = """\
Governorate,Governorate Pcode,Community Pcode,Organisation,Sector,Status,Month,Beneficiaries
Aleppo,SY02,C1007,SARC,Food,Completed,2017-02-20,100
Idleb,SY07,C4140,SARC,Food,Completed,2017-02-21,40
Aleppo,SY02,C1003,WFP,Health,Completed,2017-02-22,250
"""
#: The map the page suggests for it, as the person importing confirms it.
UNTAGGED_MAP = {
    "Governorate": "#adm1+name",
    "Governorate Pcode": "#adm1+code",
    "Community Pcode": "#adm4+code",
    "Organisation": "#org+name",
    "Sector": "#sector",
    "Status": "#status",
    "Month": "#date",
    "Beneficiaries": "#reached",
}
TOKEN = re.compile(r'action="/import/([A-Za-z0-9_-]+)/cancel"')


@pytest.fixture
def places(sqlite_store: Store, tmp_path: Path) -> Store:
    gazetteer = tmp_path / "gazetteer.csv"
    gazetteer.write_text(GAZETTEER, encoding="utf-8")
    import_file(sqlite_store, gazetteer)
    return sqlite_store


def _url(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


@pytest.fixture
def client(places: Store) -> Iterator[TestClient]:
    with TestClient(create_app(WebConfig(db=_url(places)))) as client:
        yield client


def send(client: TestClient, content: str | bytes, name: str = "4w.csv", **fields: str) -> Response:
    body = content.encode("utf-8") if isinstance(content, str) else content
    return client.post("/import", files={"file": (name, body, "text/csv")}, data=fields)


def token_of(page: Response) -> str:
    found = TOKEN.search(page.text)
    assert found, page.text
    return found.group(1)


def problem_rows(page: Response) -> list[dict[str, str]]:
    """The problems table as the page shows it: code, row, column, value, reason in words."""
    rows = []
    for code, cells in re.findall(
        r'<tr class="problem \w+" data-code="([^"]+)">(.*?)</tr>', page.text, re.S
    ):
        text = [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
        ]
        rows.append(
            {"code": code, "row": text[1], "column": text[2], "value": text[3], "reason": text[4]}
        )
    return rows


def builder_fields(page: Response) -> dict[int, tuple[str, str]]:
    """The tag map builder: column index -> (header, hashtag filled in)."""
    headers = dict(
        (int(i), html.unescape(h))
        for i, h in re.findall(r'<label for="tag-(\d+)"><bdi>([^<]*)</bdi></label>', page.text)
    )
    tags = dict(
        (int(i), html.unescape(v))
        for i, v in re.findall(r'name="tag-(\d+)" value="([^"]*)"', page.text)
    )
    return {i: (headers[i], tags.get(i, "")) for i in headers}


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


# -- the page's words --------------------------------------------------------------------------


def test_every_advice_of_the_command_line_has_the_pages_own_words() -> None:
    """Each hint key ingest can find has a wording of the page: none falls back to a flag."""
    assert {key for key, _ in COMMAND_LINE} == set(HINT_WORDS)
    for key, words in HINT_WORDS.items():
        assert "--" not in words, key  # a field of the form (or the page), not an option


def test_the_catalogues_reasons_that_name_a_page_field_carry_their_hint() -> None:
    """The catalogue's templates that advise an option carry the hint the page words: a field
    (``--date``, ``--update-places``) or, where the page has none, what to do instead."""
    found = {
        kind.key: [h.key for h in hints_in(kind.template)]
        for kind in KINDS
        if "--" in kind.template
    }
    assert found["no-date/figure"] == ["date"]
    assert found["no-date/access"] == ["date-aside"]
    assert found["no-date/damage"] == ["date"]
    assert found["place-renamed"] == ["update-places"] == found["place-moved"]
    # --max-km, --country, --encoding: the page has no field; it says so in its own words
    assert found["unplaced"] == ["max-km"]
    assert found["national-rows"] == ["country-aside"]
    assert found["invalid-text"] == ["encoding"]


def test_an_untagged_file_is_told_the_pages_field_and_the_command_line_its_option(
    client: TestClient, tmp_path: Path
) -> None:
    page = send(client, UNTAGGED)
    [row] = problem_rows(page)
    assert row["code"] == "unreadable"
    assert "the field “Tag map”" in row["reason"] and "--tags" not in row["reason"]
    assert 'data-hint="tags"' in page.text
    # the command line keeps naming its option, for the same file
    untagged = tmp_path / "4w.csv"
    untagged.write_text(UNTAGGED, encoding="utf-8")
    code, out = cli("--db", str(tmp_path / "cli.db"), "import", "--dry-run", str(untagged))
    assert code == 1 and "pass --tags map.yml" in out and "field" not in out


def test_the_api_gives_the_hint_keys_with_the_command_lines_words(client: TestClient) -> None:
    answer = client.post("/api/imports", files={"file": ("4w.csv", UNTAGGED.encode("utf-8"))})
    assert answer.status_code == 422
    [found] = answer.json()["problems"]
    assert found["hints"] == [{"key": "tags", "value": "", "said": "pass --tags map.yml"}]


def test_a_number_in_another_notation_names_the_notation_field_with_the_notations_name(
    client: TestClient,
) -> None:
    german = UNTAGGED.replace("100\n", '"1.234,5"\n', 1)
    page = client.post(
        f"/import/{token_of(send(client, german))}/tags",
        data={f"tag-{i}": tag for i, tag in enumerate(UNTAGGED_MAP.values())},
    )
    [row] = [r for r in problem_rows(page) if r["code"] == "not-a-number"]
    assert row["value"] == "1.234,5" and row["column"] == "H #reached"
    assert "choose German in the field “Number notation”" in row["reason"]
    assert "--locale" not in row["reason"]


# -- P-code problems -----------------------------------------------------------------------------


def test_a_pcode_problem_row_names_its_column_and_value(client: TestClient, tmp_path: Path) -> None:
    """A real 4W of the demo with one row's P-codes unknown at every level (an error) and one
    with an unknown community below a known governorate (a warning): every P-code problem on the
    page has its row, column and value."""
    demo = Path(__file__).parents[1] / "src/lagebild/demo/data/04_deliveries.csv"
    lines = demo.read_text(encoding="utf-8").splitlines(keepends=True)
    rows = list(csv.reader(lines[2:5]))
    header = lines[0].rstrip("\n").split(",")
    at = {name: header.index(name) for name in ("Country", "Governorate code", "Community code")}
    codes = [header.index(n) for n in header if n.endswith("code")] + [at["Country"]]
    for i in codes:
        rows[0][i] = ""
    rows[0][at["Community code"]] = "C99999"  # unknown, and nothing known above it
    rows[1][at["Community code"]] = "C88888"  # unknown below a known governorate
    for row in rows:  # the places of this small gazetteer
        row[at["Governorate code"]] = row[at["Governorate code"]] and "SY02"
        for name in ("District code", "Sub-district code"):
            row[header.index(name)] = ""
    rows[2][at["Community code"]] = "C1007"
    out = tmp_path / "4w.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        fh.writelines(lines[:2])
        csv.writer(fh).writerows(rows)
    page = send(client, out.read_bytes())
    found = [r for r in problem_rows(page) if "pcode" in r["code"] and r["row"]]
    assert {(r["code"], r["row"], r["column"], r["value"]) for r in found} == {
        ("no-valid-pcode", "3", "S #adm4+code", "C99999"),
        ("unknown-pcode", "4", "S #adm4+code", "C88888"),
    }


# -- the tag map built on the page ---------------------------------------------------------------


def test_the_headers_words_suggest_hashtags_in_four_languages() -> None:
    said = {
        "Governorate": "#adm1+name",
        "Pcode": "#adm1+code",
        "Organisation": "#org+name",
        "Beneficiaries": "#reached",
        "المحافظة": "#adm1+name",
        "رمز الناحية": "#adm3+code",
        "المستفيدين": "#reached",
        "Bezirk": "#adm2+name",
        "Begünstigte": "#reached",
        "Gouvernorat": "#adm1+name",
        "Organisme partenaire": "#org+name",
        "Sub-district Pcode": "#adm3+code",
        "Community Pcode": "#adm4+code",
        "Remarks": None,
        "عدد المستفيدين": "#reached",
        "Start date": "#date+start",
        "# HH Reached": "#reached+hh",
        "CODE OF IMPLEMENTING PARTNER": "#org+impl",
        "REPORTING ORGANISATION CODE (if different from implementing partner)": "#org+reporting",
        "Neighbourhood PCODE": "#adm5+code",
        "Camp/Sites PCODE": None,  # no P-code of a place
        "# of Payments During Month": None,  # a count, not a date
        "* Have you assisted same individuals during previous month?": None,
    }
    assert {header: suggest(header) for header in said} == said
    assert {tag for tag in said.values() if tag} <= set(known_tags())


def test_a_tag_map_built_on_the_page_imports_and_is_saved_for_the_next_file(
    client: TestClient, places: Store
) -> None:
    first = send(client, UNTAGGED, source="SARC 4W")
    fields = builder_fields(first)
    assert {header: tag for header, tag in fields.values()} == UNTAGGED_MAP  # all suggested
    token = token_of(first)
    checked = client.post(
        f"/import/{token}/tags",
        data={**{f"tag-{i}": tag for i, (_, tag) in fields.items()}, "save_as": "SARC"},
    )
    assert checked.status_code == 200 and 'id="import-confirm"' in checked.text
    assert 'id="tag-map-saved"' in checked.text
    done = client.post(f"/import/{token}/confirm")
    assert 'data-stage="done"' in done.text
    assert row_counts(places)["deliveries"] == 3
    saved = saved_tag_map(places, "SARC")
    assert saved is not None and saved.mapping == UNTAGGED_MAP

    # the next file of the partner: the map is offered in the field and applied
    form = client.get("/import")
    assert re.search(r'<select id="import-saved-tags" name="saved_tags">.*SARC', form.text, re.S)
    march = UNTAGGED.replace("2017-02-2", "2017-03-2")
    second = send(client, march, name="4w-march.csv", saved_tags="SARC")
    assert problem_rows(second) == [] and 'id="import-confirm"' in second.text
    client.post(f"/import/{token_of(second)}/confirm")
    assert row_counts(places)["deliveries"] == 6


def test_a_builder_field_that_is_no_hashtag_is_refused_naming_it(client: TestClient) -> None:
    token = token_of(send(client, UNTAGGED))
    refused = client.post(f"/import/{token}/tags", data={"tag-0": "#adm1+name", "tag-7": "reach"})
    assert refused.status_code == 422
    assert 'data-code="not-a-hashtag"' in refused.text
    assert "“Beneficiaries”" in html.unescape(refused.text)
    assert builder_fields(refused)[7] == ("Beneficiaries", "reach")  # kept as typed
    nothing = client.post(f"/import/{token}/tags", data={})
    assert nothing.status_code == 422 and 'data-code="no-hashtags"' in nothing.text


def test_an_unknown_saved_map_is_refused(client: TestClient) -> None:
    page = send(client, UNTAGGED, saved_tags="Nobody")
    assert page.status_code == 400 and 'data-code="saved-tags"' in page.text


def test_a_map_saved_on_the_command_line_is_used_by_tags_saved(
    places: Store, tmp_path: Path
) -> None:
    db = str(places.engine.url.database)
    untagged = tmp_path / "4w.csv"
    untagged.write_text(UNTAGGED, encoding="utf-8")
    yml = tmp_path / "sarc.yml"
    yml.write_text(yaml.safe_dump(UNTAGGED_MAP, allow_unicode=True), encoding="utf-8")
    code, out = cli("--db", db, "import", "--dry-run", "--tags", str(yml), "--save-tags", "SARC",
                    str(untagged))  # fmt: skip
    assert code == 0, out
    assert [m.name for m in saved_tag_maps(places)] == ["SARC"]
    code, out = cli("--db", db, "import", "--tags-saved", "SARC", str(untagged))
    assert code == 0, out
    assert row_counts(places)["deliveries"] == 3
    code, out = cli("--db", db, "import", "--tags-saved", "Nobody", str(untagged))
    assert code == 1 and "no tag map saved as 'Nobody'" in out
    code, out = cli("--db", db, "import", "--tags", str(yml), "--tags-saved", "SARC", str(untagged))
    assert code == 2 and "not both" in out


def test_a_partner_sees_its_organisations_maps_and_everyones_not_another_partners(
    places: Store,
) -> None:
    from lagebild.store.accounts import EVERYTHING, NOTHING, Scope, organisation_id

    with places.writer() as writer:
        sarc = organisation_id(writer, "SARC")
        wfp = organisation_id(writer, "WFP")
    save_tag_map(places, "4W", {"Org": "#org+name"}, None, "analyst")
    save_tag_map(places, "4W", {"Partner": "#org+name"}, sarc, "sarc")
    save_tag_map(places, "Weekly", {"Gov": "#adm1+name"}, wfp, "wfp")
    seen = {m.name: m.mapping for m in saved_tag_maps(places, Scope(organisation_id=sarc))}
    assert seen == {"4W": {"Partner": "#org+name"}}  # its own before everyone's; not WFP's
    assert {m.name for m in saved_tag_maps(places, NOTHING)} == {"4W"}  # everyone's only
    assert {m.name for m in saved_tag_maps(places, EVERYTHING)} == {"4W", "Weekly"}
    everyone = saved_tag_map(places, "4W", EVERYTHING, organisation=None)
    assert everyone is not None and everyone.mapping == {"Org": "#org+name"}
    save_tag_map(places, "4W", {"Partner name": "#org+name"}, sarc, "sarc")  # replaced
    mine = saved_tag_map(places, "4W", Scope(organisation_id=sarc))
    assert mine is not None and mine.mapping == {"Partner name": "#org+name"}


# -- real data: the page's map and the YAML map import the same ----------------------------------


@pytest.fixture(scope="module")
def real_gazetteer(tmp_path_factory: pytest.TempPathFactory, request: Any) -> tuple[Path, Path]:
    """A SQLite database with the OCHA gazetteer of Syria, and the shared data's Syria folder."""
    shared = request.getfixturevalue("shared_data")
    syria = shared / "syria"
    db = tmp_path_factory.mktemp("gazetteer") / "gazetteer.db"
    store = Store.open(f"sqlite:///{db}")
    store.migrate()
    cod = syria / "cod_ab_2020-12-17"
    for name in ("syr_adm1.csv", "syr_adm2.csv", "syr_adm3_with_centroids.csv"):
        import_file(store, cod / name, ImportOptions(source="OCHA COD-AB 2020-12-17"))
    import_file(
        store,
        syria / "locations_2018" / "syr_locations_communities.csv",
        ImportOptions(source="OCHA locations 2018"),
    )
    store.engine.dispose()
    return db, syria


def _deliveries(store: Store) -> list[tuple[Any, ...]]:
    d = t.deliveries.c
    query = (
        select(d.place_id, d.sector, d.status, d.date, func.count(), func.sum(d.reached),
               func.sum(d.households))  # fmt: skip
        .group_by(d.place_id, d.sector, d.status, d.date)
        .order_by(d.place_id, d.sector, d.status, d.date)
    )
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query)]


def test_a_tag_map_built_on_the_page_imports_what_the_yaml_map_imports_on_the_command_line(
    real_gazetteer: tuple[Path, Path], tmp_path: Path
) -> None:
    """The real north-west Syria cash 4W (no hashtag row): tagged on the page as the YAML map
    of tests/data tags it, and imported on the command line with that map, skipping the rows
    without a date in both; the deliveries written are the same, place by place."""
    gazetteer, syria = real_gazetteer
    cash = syria / "cash_4w_2023" / "syr_nws_cash_4w_2023-02_03.csv"
    yml = DATA / "cash_4w_tags.yml"
    wanted = {normal_header(k): v for k, v in yaml.safe_load(yml.read_text("utf-8")).items()}
    web_db, cli_db = tmp_path / "web.db", tmp_path / "cli.db"
    shutil.copy(gazetteer, web_db)
    shutil.copy(gazetteer, cli_db)

    code, out = cli("--db", str(cli_db), "import", "--tags", str(yml), "--skip-invalid",
                    "--rejects", str(tmp_path / "rejects.csv"), "--source",
                    "NWS Cash Working Group", str(cash))  # fmt: skip
    assert code == 0, out

    with TestClient(create_app(WebConfig(db=f"sqlite:///{web_db}"))) as client:
        first = send(client, cash.read_bytes(), name=cash.name, source="NWS Cash Working Group",
                     mode="skip-invalid")  # fmt: skip
        fields = builder_fields(first)
        assert [h for h, _ in fields.values()] == file_headers(cash)
        # what the page suggests of the YAML map's own choices
        agreed = sum(1 for h, tag in fields.values() if tag and tag == wanted.get(normal_header(h)))
        assert agreed == len(wanted) == 22  # every column the YAML map tags, suggested alike
        data = {f"tag-{i}": wanted.get(normal_header(h), "") for i, (h, _) in fields.items()}
        checked = client.post(f"/import/{token_of(first)}/tags", data=data)
        assert 'id="import-confirm"' in checked.text, problem_rows(checked)[:3]
        done = client.post(f"/import/{token_of(first)}/confirm")
        assert 'data-stage="done"' in done.text

    web, command_line = Store.open(f"sqlite:///{web_db}"), Store.open(f"sqlite:///{cli_db}")
    try:
        assert row_counts(web)["deliveries"] == row_counts(command_line)["deliveries"] == 383
        assert _deliveries(web) == _deliveries(command_line)
    finally:
        web.engine.dispose()
        command_line.engine.dispose()


def test_a_strict_import_of_the_same_file_names_its_undated_rows(
    real_gazetteer: tuple[Path, Path], tmp_path: Path
) -> None:
    """The failure path of the same file: all or nothing, the rows without a date refuse it."""
    gazetteer, syria = real_gazetteer
    cash = syria / "cash_4w_2023" / "syr_nws_cash_4w_2023-02_03.csv"
    db = tmp_path / "strict.db"
    shutil.copy(gazetteer, db)
    store = Store.open(f"sqlite:///{db}")
    mapping = yaml.safe_load((DATA / "cash_4w_tags.yml").read_text("utf-8"))
    with pytest.raises(ImportFailed) as failed:
        import_file(store, cash, ImportOptions(tag_map=mapping))
    assert {p.code for p in failed.value.report.errors} == {"no-date"}
    assert row_counts(store)["deliveries"] == 0
    store.engine.dispose()


# -- roles ---------------------------------------------------------------------------------------


@pytest.mark.usefixtures("cheap_hashes")
def test_a_partners_map_built_on_the_page_is_its_organisations_and_a_viewer_may_not_build(
    loaded: Store,
) -> None:
    from accounts_support import csrf, sign_in, web

    untagged = "Org,Sector,Status,Community Pcode,Beneficiaries,End\n" + (
        "Alpha Relief,Food,Completed,C1007,7,2017-03-20\n"
    )
    with web(loaded) as a_client:
        b_client = TestClient(a_client.app, base_url="https://testserver", follow_redirects=False)
        sign_in(a_client, "partner_a")
        sign_in(b_client, "partner_b")
        first = a_client.post(
            f"/import?csrf={csrf(a_client)}",
            files={"file": ("4w.csv", untagged.encode(), "text/csv")},
        )
        fields = builder_fields(first)
        assert 'id="tag-save-as" name="save_as" value="Org A"' in first.text  # the partner's
        data = {f"tag-{i}": tag for i, (_, tag) in fields.items()}
        data.update({"tag-0": "#org+impl", "tag-5": "#date+end", "save_as": "Org A"})
        data["csrf"] = csrf(a_client)
        checked = a_client.post(f"/import/{token_of(first)}/tags", data=data)
        assert 'id="tag-map-saved"' in checked.text, problem_rows(checked)
        # another partner may not use the upload, nor see the map
        stolen = b_client.post(f"/import/{token_of(first)}/tags",
                               data={**data, "csrf": csrf(b_client)})  # fmt: skip
        assert stolen.status_code == 404
        assert "Org A" not in b_client.get("/import").text.split('id="import-saved-tags"')[-1]
        assert 'id="import-saved-tags"' in a_client.get("/import").text
    saved = saved_tag_map(loaded, "Org A")
    assert saved is not None and saved.organisation == "Org A"
    assert saved.mapping["Org"] == "#org+impl"
    with web(loaded) as client:
        sign_in(client, "viewer1")
        denied = client.post(f"/import/{token_of(first)}/tags", data={"csrf": csrf(client)})
        assert denied.status_code == 403
