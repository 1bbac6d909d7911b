"""Every output table has one definition (``publish/tables.py``), and every front end renders it.

On the demonstration database, for each table: the command line's CSV header row and HXL tag
row, the API's CSV and HXL downloads and the keys of the JSON rows are those of the table's
definition; the convoy list of the command line and of the web are the same columns; and no
module outside ``publish/tables.py`` defines a column.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from lagebild.cli import main
from lagebild.demo import build_demo
from lagebild.publish import tables
from lagebild.publish.tables import Col
from lagebild.store import Store
from lagebild.web import WebConfig, create_app

AS_OF = "2017-02-28"
SRC = Path(__file__).resolve().parents[1] / "src" / "lagebild"

Data = dict[str, Any]
Rows = list[dict[str, Any]]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("tables") / "demo.db"
    store = Store.open(str(path))
    store.migrate()
    build_demo(store)
    store.close()
    return str(path)


@pytest.fixture(scope="module")
def client(demo: str) -> Iterator[TestClient]:
    with TestClient(create_app(WebConfig(db=demo))) as test_client:
        yield test_client


def run(db: str, *args: str) -> str:
    result = CliRunner().invoke(main, ["--db", db, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def header(text: str, tag_row: bool) -> tuple[list[str], list[str]]:
    """The header row of a CSV download and, with ``tag_row``, its HXL hashtag row."""
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1] if tag_row else []


def titles(columns: list[Col]) -> list[str]:
    return [c.title for c in columns]


def hashtags(columns: list[Col]) -> list[str]:
    return [c.hxl for c in columns]


# -- the tables: how each front end asks for it, and where its JSON keeps the rows ---------


@dataclass(frozen=True)
class Table:
    name: str
    columns: Callable[[Data], list[Col]]  # the definition, given the JSON (level, event types)
    rows: Callable[[Data], Rows]  # the JSON's rows
    command: tuple[str, ...] = ()  # the command line's command, without --format
    url: str = ""  # the API's route
    #: Keys of the definition the JSON rows hold nested or under another name (a row of the
    #: download flattens them); every other key is a key of the JSON rows.
    nested: Callable[[Data], frozenset[str]] = lambda data: frozenset()
    readable: bool = True  # the command's table format is the table (not lines of text)


def _values(data: Data, outer: str) -> Rows:
    """One row per value of a conflict or series, with the fields of its conflict or series."""
    return [{**c, **v} for c in data[outer] for v in c["values"]]


def _situation_nested(data: Data) -> frozenset[str]:
    figures = {f"{key}_sources" for key in tables.SITUATION_TAGS}
    units = {u for p in data["places"] for u in p.get("damage", {})}
    damage = {f"{k}_{u}" for u in units for k in ("destroyed", "damage_total", "share_destroyed")}
    return frozenset({*figures, *damage, "fatalities"})


def _units(data: Data) -> list[str]:
    return sorted({u for p in data["places"] for u in p.get("damage", {})})


def _convoy_shares(data: Data) -> frozenset[str]:
    """The shares of the convoy statistics: ``denied_share`` in the JSON, ``share_denied`` in
    the downloads."""
    return frozenset(
        f"share_{k}" for k in ("denied", "reached", "medical_removed", "population_reached")
    )


def _by_type(data: Data) -> frozenset[str]:
    """The incident summary's count per event type: ``by_type`` in the JSON."""
    return frozenset(f"type:{t}" for t in data["event_types"])


#: A priority's dimensions: one object in the JSON, a column each in the downloads.
PRIORITY_NESTED = frozenset({"impact", "conditions", "complexity"})

TABLES = [
    Table("gaps", lambda d: tables.gap_columns(d["level"]), lambda d: d["places"],
          ("gaps", "--as-of", AS_OF), f"/api/gaps?as_of={AS_OF}"),
    Table("gaps ranked by severity",
          lambda d: tables.gap_columns(d["level"], severity=True), lambda d: d["places"],
          ("gaps", "--as-of", AS_OF, "--rank", "severity"),
          f"/api/gaps?as_of={AS_OF}&rank=severity", nested=lambda d: PRIORITY_NESTED),
    Table("priorities", lambda d: tables.priority_columns(d["level"]), lambda d: d["places"],
          ("priorities", "--as-of", AS_OF), f"/api/priorities?as_of={AS_OF}",
          nested=lambda d: PRIORITY_NESTED),
    Table("situation", lambda d: tables.situation_columns(d["level"], _units(d)),
          lambda d: d["places"], ("situation", "--as-of", AS_OF, "--level", "adm1"),
          nested=_situation_nested),
    Table("situation (API)", lambda d: tables.situation_columns(d["level"]),
          lambda d: d["places"], url=f"/api/situation?as_of={AS_OF}&level=adm1",
          nested=_situation_nested),
    Table("situation by gender", lambda d: tables.breakdown_columns("gender", "gender"),
          lambda d: d["disaggregation"]["places"],
          ("situation", "--as-of", AS_OF, "--by", "gender")),
    Table("presence", lambda d: tables.presence_columns(d["level"]), lambda d: [d["total"]],
          ("presence", "--place", "SY03")),
    Table("places", lambda d: tables.place_columns(), lambda d: d["places"], ("places",)),
    Table("places (API)", lambda d: tables.API_PLACES, lambda d: d["items"],
          url="/api/places?limit=5000"),
    Table("children (API)", lambda d: tables.API_PLACES, lambda d: d["items"],
          url="/api/places/SY03/children"),
    Table("access (API)", lambda d: tables.API_ACCESS, lambda d: d["items"],
          url=f"/api/access?as_of={AS_OF}"),
    Table("deliveries (API)", lambda d: tables.API_DELIVERIES, lambda d: d["items"],
          url="/api/deliveries"),
    Table("figures (API)", lambda d: tables.API_FIGURES, lambda d: d["items"],
          url="/api/figures"),
    Table("figure conflicts", lambda d: tables.FIGURE_CONFLICTS,
          lambda d: _values(d, "conflicts"), ("figures", "--conflicts")),
    Table("figure conflicts (API)", lambda d: tables.API_FIGURE_CONFLICTS,
          lambda d: _values(d, "items"), url="/api/figures/conflicts"),
    Table("figure series", lambda d: tables.FIGURE_SERIES, lambda d: _values(d, "series"),
          ("figures", "C2450"), nested=lambda d: frozenset({"dimensions"})),
    Table("figure checks", lambda d: tables.FIGURE_FINDINGS, lambda d: d["findings"],
          ("figures", "--check", "--as-of", AS_OF), readable=False),
    Table("sources", lambda d: tables.SOURCES, lambda d: d["sources"], ("sources",)),
    Table("history", lambda d: tables.HISTORY, lambda d: d["changes"], ("history",)),
    Table("convoys", lambda d: tables.CONVOYS, lambda d: d["convoys"], ("convoy", "list"),
          "/api/convoys"),
    Table("convoys by item", lambda d: tables.CONVOYS_BY_ITEM,
          lambda d: [{**c, **i} for c in d["convoys"] for i in c["items"] or [{}]],
          ("convoy", "list", "--items")),
    Table("convoy statistics", lambda d: tables.convoy_stats_columns(d["level"]),
          lambda d: d["places"], ("convoy", "stats"), "/api/convoys/stats",
          nested=_convoy_shares),
    Table("convoy statistics by governorate", lambda d: tables.convoy_stats_columns(d["level"]),
          lambda d: d["places"], ("convoy", "stats", "--level", "adm1"),
          "/api/convoys/stats?level=adm1", nested=_convoy_shares),
    Table("incident summary",
          lambda d: tables.incident_summary_columns(d["level"], d["event_types"]),
          lambda d: d["places"], ("incidents",), "/api/incidents/summary",
          nested=_by_type),
    Table("incident list", lambda d: tables.INCIDENT_LIST, lambda d: d["incidents"],
          ("incidents", "--list")),
    Table("incidents (API)", lambda d: tables.INCIDENTS, lambda d: d["incidents"],
          url="/api/incidents"),
    Table("conflict events counted by other sources", lambda d: tables.EVENT_COUNT_LIST,
          lambda d: d["counts"], ("incidents", "--counted"), "/api/incidents/counted"),
    Table("damage", lambda d: tables.damage_columns(d["level"]), lambda d: d["places"],
          ("damage", "--as-of", AS_OF), f"/api/damage?as_of={AS_OF}"),
    Table("damage changes", lambda d: tables.damage_change_columns(d["level"]),
          lambda d: d["changes"], ("damage", "--changes", "--as-of", AS_OF),
          f"/api/damage/changes?as_of={AS_OF}"),
    Table("damage list", lambda d: tables.DAMAGE_LIST, lambda d: d["rows"],
          ("damage", "--list", "--as-of", AS_OF)),
]  # fmt: skip


def _cli_json(demo: str, table: Table) -> Data:
    return json.loads(run(demo, *table.command, "--format", "json"))  # type: ignore[no-any-return]


def _api_json(client: TestClient, table: Table) -> Data:
    response = client.get(table.url)
    assert response.status_code == 200, response.text[:300]
    return response.json()  # type: ignore[no-any-return]


def _api_download(client: TestClient, table: Table, fmt: str) -> str:
    sep = "&" if "?" in table.url else "?"
    response = client.get(f"{table.url}{sep}format={fmt}")
    assert response.status_code == 200, response.text[:300]
    return response.text


def _row_keys(rows: Rows) -> set[str]:
    return {k for row in rows for k in row}


@pytest.mark.parametrize("table", [t for t in TABLES if t.command], ids=lambda t: t.name)
def test_the_command_line_renders_the_definition(demo: str, table: Table) -> None:
    data = _cli_json(demo, table)
    columns = table.columns(data)
    assert header(run(demo, *table.command, "--format", "csv"), False)[0] == titles(columns)
    got = header(run(demo, *table.command, "--format", "hxl"), True)
    assert got == (titles(columns), hashtags(columns))
    if table.readable:  # the headers of the columns it shows, in order (the last table)
        lines = run(demo, *table.command, "--format", "table").splitlines()
        rules = [n for n, x in enumerate(lines) if n and re.fullmatch(r"-+( +-+)*", x)]
        assert rules, lines[:5]
        got_line = re.split(r"\s{2,}", lines[rules[-1] - 1].strip())
        assert got_line == [c.title for c in columns if c.in_table]


@pytest.mark.parametrize("table", [t for t in TABLES if t.url], ids=lambda t: t.name)
def test_the_api_downloads_render_the_definition(client: TestClient, table: Table) -> None:
    """The CSV and HXL downloads: the definition's columns (and, on the web, which counts the
    sharing protocol suppressed), less those no row shows."""
    data = _api_json(client, table)
    defined = tables.with_suppressed(table.columns(data))
    got_titles, got_tags = header(_api_download(client, table, "hxl"), True)
    pairs = list(zip(got_titles, got_tags, strict=True))
    shown = [c for c in defined if (c.title, c.hxl) in pairs]
    assert (got_titles, got_tags) == (titles(shown), hashtags(shown))
    assert header(_api_download(client, table, "csv"), False)[0] == got_titles
    left_out = {c.key for c in defined} - {c.key for c in shown}
    assert left_out <= {"suppressed"} | ({c.key for c in defined} - _row_keys(table.rows(data)))
    assert len(shown) >= len(defined) - 1 or not table.rows(data)


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_the_json_rows_carry_the_definition_s_keys(
    demo: str, client: TestClient, table: Table
) -> None:
    data = _cli_json(demo, table) if table.command else _api_json(client, table)
    rows = table.rows(data)
    if not rows:
        pytest.skip(f"the demo database has no rows of {table.name}")
    nested = table.nested(data)
    keys = {c.key for c in table.columns(data)}
    assert keys - _row_keys(rows) == nested & keys


def test_the_command_line_and_the_web_list_the_same_convoy_columns(
    demo: str, client: TestClient
) -> None:
    table = next(t for t in TABLES if t.name == "convoys")
    for fmt in ("csv", "hxl"):
        cli_rows = list(csv.reader(io.StringIO(run(demo, "convoy", "list", "--format", fmt))))
        api_rows = list(csv.reader(io.StringIO(_api_download(client, table, fmt))))
        assert cli_rows == api_rows  # no count is suppressed for a reader of the demo
    cli_json = json.loads(run(demo, "convoy", "list", "--format", "json"))["convoys"]
    api_json = _api_json(client, table)["convoys"]
    assert [{k: c[k] for k in ("decision_reason", "items_text")} for c in cli_json] == [
        {k: c[k] for k in ("decision_reason", "items_text")} for c in api_json
    ]
    assert {"decision_reason", "items_text"} <= {c.key for c in tables.CONVOYS}


def test_the_convoy_list_s_items_column_imports_as_no_item(demo: str, tmp_path: Path) -> None:
    """``convoy list`` without ``--items`` describes the items in one column
    (``#item+name+list``); imported, it is left unused: the convoys come back without items,
    not with an item named after the description."""
    fresh = str(tmp_path / "fresh.db")
    for name, command in (("places", ("places",)), ("convoys", ("convoy", "list"))):
        path = tmp_path / f"{name}.csv"
        path.write_text(run(demo, *command, "--format", "hxl"), encoding="utf-8")
        out = run(fresh, "import", "--source", "round trip", str(path))
        assert f"imported {name}" in out
    assert "#item+name+list (Items)" in out  # among the unused columns
    again = json.loads(run(fresh, "convoy", "list", "--format", "json"))["convoys"]
    assert len(again) == 8 and all(c["items"] == [] and c["items_text"] == "" for c in again)


def test_the_account_list_renders_the_definition(demo: str) -> None:
    text = run(demo, "user", "list")
    assert re.split(r"\s{2,}", text.splitlines()[0].strip()) == titles(tables.ACCOUNTS)


def test_no_module_defines_a_column_of_its_own() -> None:
    """Columns are made in ``publish/tables.py`` only: nowhere else a ``Col(...)``."""
    found = [
        f"{path.relative_to(SRC)}:{n}"
        for path in sorted(SRC.rglob("*.py"))
        if path != SRC / "publish" / "tables.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bCol\(", line)
    ]
    assert found == []
