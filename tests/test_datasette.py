"""A copy for sharing (``lagebild export share --role viewer``) opened in Datasette with the
metadata of ``lagebild datasette-metadata``.

Datasette's own test client answers the canned queries (the cut-off places and the gaps of a
date) with the rows lagebild's ``gaps`` computes on the same copy; the confidential tables are
empty and hidden; restricted fields are gone and small counts suppressed, as the sharing
protocol says; and lagebild still opens the copy, read-only.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from demo_support import demo_database

from lagebild.cli import main
from lagebild.demo import AS_OF
from lagebild.publish.share import ACCOUNT_TABLES, DETAIL_TABLES
from lagebild.store.published import table_names

datasette_app = pytest.importorskip("datasette.app", reason="datasette is a test extra")

DATE = AS_OF.isoformat()
# A delivery of 4 people (below the protocol's threshold of 10) and one of 250.
FOUR_W = """\
Org,Donor,Sector,Status,Community,People,End
#org+impl,#org+funder,#sector,#status,#adm4+code,#reached+ind,#date+end
Alpha Relief,Donor X,Health,Completed,C1001,4,2017-02-20
Beta Aid,Donor Y,Food,Completed,C1007,250,2017-02-22
"""


def run(*args: str, stdin: str | None = None) -> str:
    result = CliRunner(env={"LAGEBILD_ARGON2": "1,8,1"}).invoke(main, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return result.output


def query(db: Path | str, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(str(db)) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo with an account, a token and a 4W with a small count: what must not leave."""
    folder = tmp_path_factory.mktemp("source")
    db = demo_database(folder)
    (folder / "4w.csv").write_text(FOUR_W, encoding="utf-8")
    run("--db", db, "import", "--org", "Alpha", str(folder / "4w.csv"))
    run("--db", db, "user", "add", "boss", "--role", "admin", "--password-stdin",
        stdin="a long enough password\n")  # fmt: skip
    run("--db", db, "token", "create", "boss")
    return db


@pytest.fixture(scope="module")
def shared(source: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("shared")
    public = folder / "public.db"
    run("--db", source, "export", "share", "--role", "viewer", "-o", str(public))
    run("--db", str(public), "datasette-metadata", "-o", str(folder / "metadata.json"))
    metadata = json.loads((folder / "metadata.json").read_text())
    return public, metadata


def ask(db: Path, metadata: dict[str, Any], *paths: str) -> list[Any]:
    """What Datasette answers (JSON) to each path, from its own test client."""

    async def go() -> list[Any]:
        ds = datasette_app.Datasette(files=[str(db)], metadata=metadata)
        await ds.invoke_startup()
        answers = []
        for path in paths:
            response = await ds.client.get(path)
            assert response.status_code == 200, (path, response.text[:500])
            answers.append(response.json())
        return answers

    # In a thread of its own: a browser test run before in this worker (Playwright's sync API)
    # may leave an event loop running in the main thread, where asyncio.run refuses to start.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, go()).result()


def gaps(db: Path | str) -> list[dict[str, Any]]:
    out = run("--db", str(db), "gaps", "--as-of", DATE, "--level", "adm4", "--format", "json")
    return list(json.loads(out)["places"])


def test_the_canned_queries_answer_with_lagebilds_gaps_of_the_date(
    shared: tuple[Path, dict[str, Any]],
) -> None:
    public, metadata = shared
    cut_off, all_gaps = ask(
        public, metadata,
        f"/public/cut_off_places.json?date={DATE}&_shape=array",
        f"/public/gaps.json?date={DATE}&_shape=array",
    )  # fmt: skip
    expected = [p for p in gaps(public) if p["people_in_need"]]
    assert [r["pcode"] for r in cut_off if r["level"] == 4] == [
        p["pcode"] for p in expected if p["cut_off"]
    ]
    assert len(cut_off) >= 9
    # The gaps of the communities: the same places in the same order, the same numbers.
    mine = [r for r in all_gaps if r["level"] == 4]
    assert [r["pcode"] for r in mine] == [p["pcode"] for p in expected]
    for row, place in zip(mine, expected, strict=True):
        assert row["people_in_need"] == place["people_in_need"], place["pcode"]
        assert row["reached"] == (place["reached"] or 0), place["pcode"]
        assert bool(row["cut_off"]) == place["cut_off"], place["pcode"]
        assert row["days_without_aid"] == place["days_without_aid"], place["pcode"]
    # Another date, another answer: the parameter is used.
    earlier = ask(public, metadata, "/public/cut_off_places.json?date=2016-01-31&_shape=array")
    assert earlier[0] != cut_off


def test_confidential_tables_are_empty_hidden_and_undescribed(
    source: str, shared: tuple[Path, dict[str, Any]]
) -> None:
    public, metadata = shared
    confidential = [*ACCOUNT_TABLES, *DETAIL_TABLES]
    assert all(query(source, f"SELECT count(*) FROM {t}")[0][0] for t in
               ("users", "api_tokens", "changes"))  # fmt: skip
    for table in confidential:
        assert query(public, f"SELECT count(*) FROM {table}")[0][0] == 0, table
    described = metadata["databases"]["public"]["tables"]
    assert {t for t, d in described.items() if d.get("hidden")} == {
        *confidential, "alembic_version",
    }  # fmt: skip
    assert all(set(described[t]) == {"hidden"} for t in confidential)
    (listing,) = ask(public, metadata, "/public.json")
    shown = {t["name"] for t in listing["tables"] if not t["hidden"]}
    assert not shown & set(confidential)
    assert {"places", "figures", "deliveries", "incidents"} <= shown


def test_restricted_fields_are_gone_and_small_counts_suppressed(
    source: str, shared: tuple[Path, dict[str, Any]]
) -> None:
    public, _ = shared
    assert query(source, "SELECT count(*) FROM deliveries WHERE reached = 4")[0][0] == 1
    assert query(public, "SELECT count(*) FROM deliveries WHERE reached > 0 AND reached < 10") == [
        (0,)
    ]
    assert query(public, "SELECT count(*) FROM deliveries WHERE reached = 250")[0][0] == 1
    for column in ("org_impl", "org_reporting", "donor", "source_id"):
        assert query(public, f"SELECT count(*) FROM deliveries WHERE {column} IS NOT NULL") == [
            (0,)
        ], column
    assert query(public, "SELECT count(*) FROM incidents WHERE notes IS NOT NULL OR "
                 "location IS NOT NULL OR reported_by IS NOT NULL") == [(0,)]  # fmt: skip
    # Coordinates on the protocol's grid of 0.1 degrees, each cell's corner below the point.
    pairs = zip(query(source, "SELECT id, lat FROM incidents WHERE lat IS NOT NULL ORDER BY id"),
                query(public, "SELECT id, lat FROM incidents WHERE lat IS NOT NULL ORDER BY id"),
                strict=True)  # fmt: skip
    for (_, exact), (_, rounded) in pairs:
        assert rounded <= exact < rounded + 0.1 and round(rounded * 10, 6).is_integer()
    assert query(public, "SELECT count(*) FROM imports WHERE file_name <> ''") == [(0,)]
    # The same schema: every table of lagebild's.
    names = {r[0] for r in query(public, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert set(table_names()) <= names


def test_lagebild_opens_the_copy_read_only_with_the_same_cut_off_places(
    source: str, shared: tuple[Path, dict[str, Any]]
) -> None:
    public, _ = shared
    before = hashlib.sha256(public.read_bytes()).hexdigest()
    # SQLite's read-only mode: a write would fail (a file's mode does not stop root).
    read_only = f"sqlite:///file:{public}?mode=ro&uri=true"
    found = gaps(read_only)
    assert [p["pcode"] for p in found if p["cut_off"]] == [
        p["pcode"] for p in gaps(source) if p["cut_off"]
    ]
    assert hashlib.sha256(public.read_bytes()).hexdigest() == before
    grade = ["sources", "grade", "lagebild demo (illustrative)", "--reliability", "b"]
    refused = CliRunner().invoke(main, ["--db", read_only, *grade])
    assert refused.exit_code != 0


def test_an_analysts_copy_keeps_the_detail_but_no_accounts(source: str, tmp_path: Path) -> None:
    copy = tmp_path / "analyst.db"
    run("--db", source, "export", "share", "--role", "analyst", "-o", str(copy))
    assert query(copy, "SELECT count(*) FROM deliveries WHERE reached = 4")[0][0] == 1
    assert query(copy, "SELECT count(*) FROM deliveries WHERE org_impl = 'Alpha Relief'") == [
        (1,)
    ]
    assert query(copy, "SELECT count(*) FROM changes")[0][0] > 0
    for table in ACCOUNT_TABLES:
        assert query(copy, f"SELECT count(*) FROM {table}")[0][0] == 0, table


def test_the_metadata_documents_each_public_table_with_licence_units_and_columns(
    shared: tuple[Path, dict[str, Any]],
) -> None:
    _, metadata = shared
    assert metadata["license"] == "CC BY 4.0" and metadata["source"] == "lagebild"
    tables = metadata["databases"]["public"]["tables"]
    assert set(table_names()) <= set(tables)
    deliveries = tables["deliveries"]
    assert deliveries["units"]["reached"] == "people"
    assert deliveries["title"] and deliveries["description"]
    assert "suppressed" in deliveries["description"]
    assert set(tables["figures"]["columns"]) >= {"indicator", "value", "date", "source_id"}
    queries = metadata["databases"]["public"]["queries"]
    assert set(queries) == {"cut_off_places", "gaps"}
    assert all(":date" in q["sql"] for q in queries.values())


def test_a_copy_cannot_replace_its_own_database(source: str) -> None:
    result = CliRunner().invoke(main, ["--db", source, "export", "share", "-o", source])
    assert result.exit_code == 1
    assert "cannot replace the database" in result.output


def test_a_protocol_that_restricts_incidents_empties_and_hides_them(
    source: str, tmp_path: Path
) -> None:
    protocol = tmp_path / "protocol.yml"
    protocol.write_text("threshold: 10\nkinds:\n  incident:\n    record: restricted\n")
    copy, meta = tmp_path / "public.db", tmp_path / "metadata.json"
    run("--db", source, "export", "share", "-o", str(copy), "--protocol", str(protocol))
    run("--db", str(copy), "datasette-metadata", "-o", str(meta), "--protocol", str(protocol))
    assert query(source, "SELECT count(*) FROM incidents")[0][0] > 0
    assert query(copy, "SELECT count(*) FROM incidents")[0][0] == 0
    tables = json.loads(meta.read_text())["databases"]["public"]["tables"]
    assert tables["incidents"] == {"hidden": True}
    assert not tables["deliveries"].get("hidden")
