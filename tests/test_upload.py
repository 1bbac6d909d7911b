"""The Import page (issue 3, point 3): upload, read the validation report, confirm or cancel."""

from __future__ import annotations

import csv
import html
import io
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from lagebild.ingest import ImportFailed, ImportOptions, import_file, problems
from lagebild.store import Store
from lagebild.store.imports import all_imports
from lagebild.store.summary import row_counts
from lagebild.web import WebConfig, create_app
from lagebild.web import uploads as upload

GAZETTEER = """\
Governorate,Gov code,District code,Sub-district code,Community,Community code
#adm1+name,#adm1+code,#adm2+code,#adm3+code,#adm4+name,#adm4+code
Aleppo,SY02,SY0200,SY020000,Aleppo,C1007
Aleppo,SY02,SY0200,SY020000,Musallamiyeh,C1003
Idleb,SY07,SY0703,SY070302,Salqin,C4140
"""

FOUR_W = """\
Org,Sector,Status,Community,People,End
#org+impl,#sector,#status,#adm4+code,#reached+ind,#date+end
SARC,Food,Completed,C1007,100,2017-02-20
SARC,Food,Completed,C4140,40,2017-02-21
WFP,Health,Completed,C1003,250,2017-02-22
"""

# Row 4 (the spreadsheet's numbering: two header rows) has text in the people column.
FOUR_W_WITH_ERROR = """\
Org,Sector,Status,Community,People,End
#org+impl,#sector,#status,#adm4+code,#reached+ind,#date+end
SARC,Food,Completed,C1007,100,2017-02-20
SARC,Food,Completed,C4140,lots,2017-02-21
WFP,Health,Completed,C1003,250,2017-02-22
"""

CONFIRM = re.compile(r'action="/import/([A-Za-z0-9_-]+)/confirm"')
TOKEN = re.compile(r'action="/import/([A-Za-z0-9_-]+)/cancel"')


@pytest.fixture
def places(store: Store, tmp_path: Path) -> Store:
    gazetteer = tmp_path / "gazetteer.csv"
    gazetteer.write_text(GAZETTEER, encoding="utf-8")
    import_file(store, gazetteer)
    return store


def _client(store: Store) -> Iterator[TestClient]:
    url = store.engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(WebConfig(db=url))) as client:
        yield client


@pytest.fixture
def client(places: Store) -> Iterator[TestClient]:
    """The app on a store with a small gazetteer, on SQLite and on PostgreSQL."""
    yield from _client(places)


@pytest.fixture
def form_client(sqlite_store: Store) -> Iterator[TestClient]:
    """The app on an empty SQLite store, for what the form refuses before any import."""
    yield from _client(sqlite_store)


def send(
    client: TestClient,
    content: str | bytes,
    name: str = "4w.csv",
    tags: str | None = None,
    **fields: str,
) -> Response:
    data = content.encode("utf-8") if isinstance(content, str) else content
    files = {"file": (name, data, "text/csv")}
    if tags is not None:
        files["tags"] = ("tags.yml", tags.encode("utf-8"), "application/yaml")
    return client.post("/import", files=files, data={"source": "Test partner", **fields})


def token_of(page: Response) -> str:
    found = TOKEN.search(page.text)
    assert found, page.text
    return found.group(1)


def folder_of(client: TestClient, token: str) -> Path:
    root: Path = client.app.state.uploads.root  # type: ignore[attr-defined]
    return root / token


def problem_rows(page: Response) -> list[list[str]]:
    """The cells of the problems table, as text."""
    body = page.text.split('id="import-problems"', 1)[1].split("</table>", 1)[0]
    rows = []
    for row in re.findall(r"<tr class=\"problem.*?</tr>", body, flags=re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        rows.append([html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


def field_text(page: Response, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</', page.text, flags=re.S)
    assert found, f"no #{element_id} in the page"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


# ---- the happy path ---------------------------------------------------------------------------


def test_form_offers_file_mode_and_options(form_client: TestClient) -> None:
    page = form_client.get("/import")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for element in (
        'name="file"',
        'name="source"',
        'name="locale"',
        'name="sheet"',
        'name="date"',
        'name="tags"',
        'id="mode-strict"',
        'id="mode-skip-invalid"',
        'id="import-check"',
        'enctype="multipart/form-data"',
    ):
        assert element in page.text, element


def test_valid_4w_is_reported_then_written_and_counted_in_gaps(
    client: TestClient, places: Store
) -> None:
    before = row_counts(places)
    report = send(client, FOUR_W)
    assert report.status_code == 200
    assert 'data-kind="deliveries"' in report.text and "Deliveries (4W)" in report.text
    assert field_text(report, "rows-read") == "3" and field_text(report, "rows-rejected") == "0"
    assert field_text(report, "error-count") == "0"
    assert row_counts(places) == before  # a check writes nothing

    token = CONFIRM.search(report.text).group(1)  # type: ignore[union-attr]
    done = client.post(f"/import/{token}/confirm")
    assert done.status_code == 200 and 'data-stage="done"' in done.text
    assert row_counts(places)["deliveries"] == 3
    import_id = max(i.id for i in all_imports(places))
    assert field_text(done, "import-id") == f"#{import_id}"
    assert field_text(done, "rows-written") == "3" and field_text(done, "records-written") == "3"
    assert "import-rejects" not in done.text
    assert not folder_of(client, token).joinpath("file", "4w.csv").exists()  # cleaned up

    gaps = client.get("/api/gaps", params={"as_of": "2017-02-28", "level": "adm1"}).json()
    reached = {p["pcode"]: p["reached"] for p in gaps["places"]}
    assert reached == {"SY02": 250, "SY07": 40}  # the largest sector sum: health 250 in Aleppo


def test_a_second_confirm_shows_the_result_and_writes_nothing_more(
    client: TestClient, places: Store
) -> None:
    token = token_of(send(client, FOUR_W))
    first = client.post(f"/import/{token}/confirm")
    again = client.post(f"/import/{token}/confirm")
    assert again.status_code == 200 and field_text(again, "import-id") == field_text(
        first, "import-id"
    )
    assert row_counts(places)["deliveries"] == 3


def test_the_same_file_again_is_refused_with_the_importers_reason(
    client: TestClient, places: Store
) -> None:
    client.post(f"/import/{token_of(send(client, FOUR_W))}/confirm")
    report = send(client, FOUR_W, mode="skip-invalid")
    assert 'id="import-confirm"' not in report.text and 'id="import-blocked"' in report.text
    assert "already imported as import #" in html.unescape(report.text)
    assert 'id="import-switch-skip"' not in report.text  # skipping rows cannot help
    failed = client.post(f"/import/{token_of(report)}/confirm")
    assert failed.status_code == 422 and "already imported" in html.unescape(failed.text)
    assert row_counts(places)["deliveries"] == 3


# ---- errors -----------------------------------------------------------------------------------


def test_report_names_row_column_value_and_reason(
    client: TestClient, places: Store, tmp_path: Path
) -> None:
    report = send(client, FOUR_W_WITH_ERROR)
    assert report.status_code == 200
    bad = tmp_path / "4w.csv"
    bad.write_text(FOUR_W_WITH_ERROR, encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        import_file(places, bad, ImportOptions(dry_run=True))
    (problem,) = failed.value.report.problems
    assert (problem.row, problem.value) == (4, "lots")
    assert problem_rows(report) == [["Error", "4", problem.column, "lots", problem.reason]]
    assert field_text(report, "rows-rejected") == "1" and field_text(report, "error-count") == "1"


def test_report_counts_the_problems_it_does_not_list_and_names_ignored_columns(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(problems, "KEEP_PER_CODE", 1)
    lines = FOUR_W.splitlines()
    lines[0] += ",Note"
    lines[1] += ",#description"
    rows = [
        line.replace(",100,", ",x,").replace(",40,", ",y,").replace(",250,", ",z,") + ",n"
        for line in lines[2:]
    ]
    report = send(client, "\n".join(lines[:2] + rows) + "\n")
    assert [row[:3] for row in problem_rows(report)] == [["Error", "3", "E #reached+ind"]]
    assert field_text(report, "error-count") == "3"
    assert "Problems counted but not listed: 2 (the first 1 of each kind" in report.text
    assert field_text(report, "ignored-columns") == "G #description (Note)"


def test_strict_mode_with_errors_cannot_be_confirmed(client: TestClient, places: Store) -> None:
    report = send(client, FOUR_W_WITH_ERROR, mode="strict")
    assert 'id="import-confirm"' not in report.text
    assert 'id="import-blocked"' in report.text and 'id="import-switch-skip"' in report.text
    forced = client.post(f"/import/{token_of(report)}/confirm")
    assert forced.status_code == 422 and 'data-stage="failed"' in forced.text
    assert problem_rows(forced)[0][:2] == ["Error", "4"]
    assert row_counts(places)["deliveries"] == 0


@pytest.mark.parametrize("name", ["4w.csv", "rejects.csv"])
def test_skip_invalid_writes_the_valid_rows_and_offers_the_rejects(
    client: TestClient, places: Store, name: str
) -> None:
    report = send(client, FOUR_W_WITH_ERROR, name=name, mode="skip-invalid")
    assert 'id="import-confirm"' in report.text and 'data-mode="skip-invalid"' in report.text
    token = token_of(report)
    done = client.post(f"/import/{token}/confirm")
    assert done.status_code == 200
    assert field_text(done, "rows-written") == "2" and field_text(done, "rows-rejected") == "1"
    assert row_counts(places)["deliveries"] == 2

    assert f'href="/import/{token}/rejects.csv"' in done.text
    rejects = client.get(f"/import/{token}/rejects.csv")
    assert rejects.status_code == 200 and rejects.headers["content-type"].startswith("text/csv")
    stem = name.removesuffix(".csv")
    assert f"{stem}.rejects.csv" in rejects.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(rejects.text)))
    assert rows[0][:2] == ["row", "reason"] and rows[1][:2] == ["#meta+row", "#meta+reason"]
    assert rows[2][0] == "4" and "lots" in rows[2]
    assert len(rows) == 3


def test_switching_to_skip_invalid_from_the_report(client: TestClient, places: Store) -> None:
    token = token_of(send(client, FOUR_W_WITH_ERROR))
    switched = client.post(f"/import/{token}/mode", data={"mode": "skip-invalid"})
    assert switched.status_code == 200 and 'data-mode="skip-invalid"' in switched.text
    assert CONFIRM.search(switched.text).group(1) == token  # type: ignore[union-attr]
    client.post(f"/import/{token}/confirm")
    assert row_counts(places)["deliveries"] == 2


def test_tag_map_tags_a_file_without_hashtags(client: TestClient, places: Store) -> None:
    untagged = "\n".join(line for i, line in enumerate(FOUR_W.splitlines()) if i != 1) + "\n"
    tags = (
        'Org: "#org+impl"\nSector: "#sector"\nStatus: "#status"\n'
        'Community: "#adm4+code"\nPeople: "#reached+ind"\nEnd: "#date+end"\n'
    )
    report = send(client, untagged, tags=tags)
    assert 'data-kind="deliveries"' in report.text and field_text(report, "rows-read") == "3"
    client.post(f"/import/{token_of(report)}/confirm")
    assert row_counts(places)["deliveries"] == 3


def test_a_broken_tag_map_is_refused_with_its_reason(form_client: TestClient) -> None:
    page = send(form_client, FOUR_W, tags="just text")
    assert page.status_code == 400 and 'data-code="tags"' in page.text
    assert "tag map" in page.text and _uploads_left(form_client) == []


# ---- cleaning up and refusing -----------------------------------------------------------------


def _uploads_left(client: TestClient) -> list[Path]:
    return list(client.app.state.uploads.root.iterdir())  # type: ignore[attr-defined]


def test_cancel_removes_the_upload_folder(client: TestClient, places: Store) -> None:
    token = token_of(send(client, FOUR_W))
    folder = folder_of(client, token)
    assert (folder / "file" / "4w.csv").is_file()
    cancelled = client.post(f"/import/{token}/cancel", follow_redirects=False)
    assert cancelled.status_code == 303 and cancelled.headers["location"].startswith("/import")
    assert not folder.exists()
    assert 'id="import-cancelled"' in client.get(cancelled.headers["location"]).text
    gone = client.post(f"/import/{token}/confirm")
    assert gone.status_code == 404 and row_counts(places)["deliveries"] == 0


def test_an_app_that_stops_leaves_no_upload_folder(places: Store) -> None:
    # An upload still waiting for its confirmation when the app stops: its folder and the
    # app's root of uploads are gone once the app is closed, and no other root is left.
    before = set(Path(tempfile.gettempdir()).glob("lagebild-upload-*"))
    url = places.engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(WebConfig(db=url))) as client:
        token = token_of(send(client, FOUR_W))
        root: Path = client.app.state.uploads.root  # type: ignore[attr-defined]
        assert folder_of(client, token).is_dir() and root not in before
    assert not root.exists()
    assert set(Path(tempfile.gettempdir()).glob("lagebild-upload-*")) <= before


def test_expired_upload_is_removed_and_unknown(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = token_of(send(client, FOUR_W))
    monkeypatch.setattr(upload, "UPLOAD_MAX_AGE_SECONDS", -1)
    assert client.post(f"/import/{token}/confirm").status_code == 404
    assert not folder_of(client, token).exists()


@pytest.mark.parametrize(
    "path",
    [
        "/import/no-such-upload-token-at-all/confirm",
        "/import/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/rejects.csv",
        "/import/..%2E%2E..etc..passwd/rejects.csv",
    ],
)
def test_unknown_token_is_a_clear_404_page(form_client: TestClient, path: str) -> None:
    method = form_client.post if path.endswith("confirm") else form_client.get
    page = method(path)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert 'data-code="unknown-token"' in page.text and "unknown or has expired" in page.text


@pytest.mark.parametrize("name", ["../../evil.csv", "..\\..\\evil.csv", "/tmp/evil.csv"])
def test_file_name_is_never_a_path(form_client: TestClient, tmp_path: Path, name: str) -> None:
    report = send(form_client, GAZETTEER, name=name)
    assert report.status_code == 200 and field_text(report, "import-file-name") == "evil.csv"
    folder = folder_of(form_client, token_of(report))
    assert [p.name for p in (folder / "file").iterdir()] == ["evil.csv"]
    assert not (folder.parent.parent / "evil.csv").exists()


def test_safe_name_keeps_only_a_harmless_basename() -> None:
    assert upload.safe_name("../../etc/passwd") == "passwd"
    assert upload.safe_name("C:\\Users\\x\\4w.xlsx") == "4w.xlsx"
    assert upload.safe_name("..") == "upload"
    assert upload.safe_name(".hidden.csv") == "hidden.csv"
    assert upload.safe_name("a\x00b|c.csv") == "a_b_c.csv"
    assert upload.safe_name("تقرير ٤.csv") == "تقرير ٤.csv"


def test_wrong_extension_is_refused(form_client: TestClient) -> None:
    page = send(form_client, "MZ\x90\x00", name="tool.exe")
    assert page.status_code == 400 and 'data-code="extension"' in page.text
    assert ".exe" in page.text and ".xlsx" in page.text
    assert _uploads_left(form_client) == []


def test_too_large_file_is_refused_with_the_limit(
    form_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upload, "MAX_UPLOAD_BYTES", 2 * 1024 * 1024)
    # refused by the declared size, before the body is read
    page = send(form_client, "x" * (5 * 1024 * 1024), name="big.csv")
    assert page.status_code == 413 and 'data-code="too-large"' in page.text
    assert "2 MB" in page.text
    # refused while it is copied into place
    page = send(form_client, "1\n" * (1024 * 1024 + 10), name="big.csv")
    assert page.status_code == 413 and 'data-code="too-large"' in page.text
    assert _uploads_left(form_client) == []


def test_bad_date_and_missing_file_are_refused(form_client: TestClient) -> None:
    page = send(form_client, FOUR_W, date="28.02.2017")
    assert page.status_code == 400 and 'data-code="date"' in page.text
    assert 'value="Test partner"' in page.text  # the form keeps what was typed
    missing = form_client.post("/import", data={"source": "x"})
    assert missing.status_code == 400 and 'data-code="no-file"' in missing.text


# ---- languages --------------------------------------------------------------------------------


def test_pages_render_right_to_left_in_arabic(client: TestClient) -> None:
    form = client.get("/import", params={"lang": "ar"})
    assert '<html lang="ar" dir="rtl">' in form.text
    report = send(client, FOUR_W_WITH_ERROR)  # the language cookie is remembered
    assert '<html lang="ar" dir="rtl">' in report.text
    assert problem_rows(report)[0][1:4] == ["4", "E #reached+ind", "lots"]
    assert '<bdi dir="ltr">E #reached+ind</bdi>' in report.text


def test_report_escapes_what_the_file_holds(client: TestClient) -> None:
    hostile = FOUR_W_WITH_ERROR.replace("lots", "<script>alert(1)</script>")
    report = send(client, hostile, name="<b>x</b>.csv")
    assert "<script>alert(1)</script>" not in report.text
    assert "&lt;script&gt;" in report.text


def test_stopping_the_app_removes_its_uploads(sqlite_store: Store) -> None:
    url = sqlite_store.engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(WebConfig(db=url))) as client:
        folder = folder_of(client, token_of(send(client, GAZETTEER, name="places.csv")))
        assert folder.is_dir()
    assert not folder.exists() and not folder.parent.exists()


def test_uploads_a_killed_app_left_behind_go_once_they_are_old(
    form_client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    old, fresh = tmp_path / "lagebild-upload-old", tmp_path / "lagebild-upload-fresh"
    for root in (old, fresh):
        (root / "token").mkdir(parents=True)
    long_ago = time.time() - upload.UPLOAD_MAX_AGE_SECONDS - 60
    for path in (old / "token", old):
        os.utime(path, (long_ago, long_ago))
    send(form_client, GAZETTEER, name="places.csv")
    assert not old.exists() and (fresh / "token").is_dir()
