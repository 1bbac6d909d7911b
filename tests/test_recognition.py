"""Issue 10, points 1 and 5: no silent guess of the kind of data, and lagebild's own HXL back in.

Every import says which kind it took, the columns that decided it and every column it left out;
a file with values lagebild does not read is refused naming them; codes of markets are not
P-codes; a 3W is presence, never deliveries; lagebild's record lists import back and its computed
tables are refused.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from lagebild.cli import main
from lagebild.ingest import ImportFailed, ImportOptions, import_file
from lagebild.ingest.columns import LayoutError, layout_for
from lagebild.ingest.read import Column
from lagebild.ingest.tags import Tag
from lagebild.store import Store
from lagebild.store.imports import undo_import
from lagebild.store.sources import all_sources
from lagebild.store.summary import row_counts

PLACES = [
    ["Governorate", "Name", "Sub-district", "Name", "Community", "Name", "Arabic"],
    ["#adm1+code", "#adm1+name", "#adm3+code", "#adm3+name", "#adm4+code", "#adm4+name",
     "#adm4+name+i_ar"],
    ["SY02", "Aleppo", "SY020000", "Jebel Saman", "C1007", "Aleppo", "حلب"],
    ["SY03", "Rural Damascus", "SY030100", "Duma", "C2329", "Duma", "دوما"],
]  # fmt: skip


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def columns(*tags: str) -> list[Column]:
    return [
        Column(i, chr(65 + i), f"header {i}", Tag.parse(t) if t else None)
        for i, t in enumerate(tags)
    ]


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def gazetteer(store: Store, tmp_path: Path) -> Store:
    import_file(store, write(tmp_path / "places.csv", PLACES), ImportOptions())
    return store


# -- the kind and why ---------------------------------------------------------------------------


def test_a_gazetteer_is_only_codes_with_names_and_says_which_columns_decided() -> None:
    layout = layout_for(columns("#adm1+code", "#adm1+name", "#geo+lat", "#geo+lon", ""))
    assert layout.kind == "places"
    assert [str(c.tag) for c in layout.decided_by] == ["#adm1+code", "#adm1+name"]
    assert [c.letter for c in layout.untagged] == ["E"]


def test_a_file_of_places_with_a_value_column_is_no_gazetteer() -> None:
    """The IDP arrivals file: P-codes, names and #affected+idps+arrivals is figures, not places."""
    layout = layout_for(columns("#adm4+code", "#loc+name", "#affected+idps+arrivals"))
    assert layout.kind == "figures"
    assert [str(c.tag) for c in layout.decided_by] == ["#affected+idps+arrivals"]


def test_codes_of_markets_are_not_p_codes() -> None:
    with pytest.raises(LayoutError, match=r"A #loc\+market\+code is a code of markets"):
        layout_for(columns("#loc+market+code", "#loc+market+name", "#adm1+name", "#geo+lat"))
    # WFP's global list of markets: a country code and the markets' coordinates make no
    # gazetteer of countries.
    with pytest.raises(LayoutError, match="market"):
        layout_for(
            columns(
                "#loc+market+code", "#loc+market+name", "#country+code", "#adm1+name",
                "#adm2+name", "#geo+lat", "#geo+lon",
            )
        )  # fmt: skip


def test_codes_without_names_make_no_gazetteer() -> None:
    with pytest.raises(LayoutError, match="P-codes but no names"):
        layout_for(columns("#adm1+code", "#adm2+code"))


def test_prices_are_refused_saying_no_kind_reads_them() -> None:
    with pytest.raises(LayoutError, match=r"money values or prices \(C #value\+usd\)"):
        layout_for(columns("#date", "#meta+code", "#value+usd"))


def test_a_3w_is_presence_not_deliveries() -> None:
    layout = layout_for(columns("#adm1+code", "#org+name", "#sector+cluster+code", "#date"))
    assert layout.kind == "presence"
    # With people reached it is a 4W.
    assert layout_for(columns("#adm1+code", "#org", "#sector", "#reached", "#date")).kind == (
        "deliveries"
    )


def test_a_figures_file_with_people_reached_but_no_organisation_is_figures() -> None:
    """An HNO's #reached is a stated figure (reached_figure), never deliveries."""
    layout = layout_for(columns("#adm1+code", "#inneed", "#population", "#reached"))
    assert layout.kind == "figures" and layout.unread == []
    assert sorted(f.indicator for f in layout.figure_columns) == [
        "inneed", "population", "reached_figure"
    ]


def test_import_report_names_kind_deciding_tags_and_unused_columns(
    gazetteer: Store, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "pin.csv",
        [
            ["Community", "PiN", "When", "Comment", "Region"],
            ["#adm4+code", "#inneed", "#date", "", "#region+name"],
            ["C1007", "1000", "2017-01-01", "ok", "north"],
        ],
    )
    report = import_file(gazetteer, path, ImportOptions(source="S"))
    assert report.kind == "figures"
    assert report.decided_by == ["B #inneed"]
    assert report.unused_columns == ["E #region+name (Region)", "D (Comment)"]
    record = json.loads(
        gazetteer.engine.connect().exec_driver_sql(
            "SELECT recognition FROM imports WHERE id = ?"
            if gazetteer.dialect == "sqlite"
            else "SELECT recognition FROM imports WHERE id = %s",
            (report.import_id,),
        ).scalar_one()
    )
    assert record == {
        "kind": "figures",
        "decided_by": ["B #inneed"],
        "reason": report.reason,
        "unused_columns": ["E #region+name (Region)", "D (Comment)"],
    }


def test_command_line_prints_the_kind_and_unused_columns_in_text_and_json(
    db_url: str, tmp_path: Path
) -> None:
    places = write(tmp_path / "p.csv", PLACES)
    code, out, _ = cli("--db", db_url, "import", "--dry-run", str(places))
    assert code == 0
    assert "kind places: P-codes with names and nothing else (A #adm1+code" in out
    assert all(len(line) <= 80 for line in out.splitlines()[1:])
    code, out, _ = cli("--db", db_url, "import", "--dry-run", "--format", "json", str(places))
    data = json.loads(out)[0]
    assert data["kind"] == "places" and data["decided_by"][:2] == ["A #adm1+code", "B #adm1+name"]
    assert data["unused_columns"] == []


# -- values that would be dropped ---------------------------------------------------------------


def test_a_value_column_this_kind_does_not_read_is_refused_with_row_column_and_value(
    gazetteer: Store, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "needs.csv",
        [
            ["#adm4+code", "#inneed", "#value+usd", "#date"],
            ["C1007", "1000", "", "2017-01-01"],
            ["C2329", "2000", "150", "2017-01-01"],
        ],
    )
    before = row_counts(gazetteer)
    with pytest.raises(ImportFailed) as failed:
        import_file(gazetteer, path, ImportOptions(source="S"))
    assert failed.value.report.flatten() == [(3, "C #value+usd", "unread-values")]
    (problem,) = failed.value.report.errors
    assert problem.value == "150"
    assert "in 1 of 2 rows" in problem.reason and "no place for these values" in problem.reason
    assert row_counts(gazetteer) == before


def test_an_empty_value_column_is_only_reported_unused(gazetteer: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path / "needs.csv",
        [["#adm4+code", "#inneed", "#value+usd", "#date"], ["C1007", "1000", "", "2017-01-01"]],
    )
    report = import_file(gazetteer, path, ImportOptions(source="S"))
    assert report.rows_written == 1 and report.unused_columns == ["C #value+usd"]


def test_skip_invalid_does_not_let_dropped_values_through(
    gazetteer: Store, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "needs.csv",
        [["#adm4+code", "#inneed", "#value+usd", "#date"], ["C1007", "1000", "9", "2017-01-01"]],
    )
    with pytest.raises(ImportFailed):
        import_file(gazetteer, path, ImportOptions(source="S", skip_invalid=True))


# -- presence ---------------------------------------------------------------------------------


THREE_W = [
    ["Province", "District", "Org", "Acronym", "Sector"],
    ["#adm1+code", "#adm3+code", "#org+name", "#org+acronym", "#sector+code"],
    ["SY02", "SY020000", "Syrian Arab Red Crescent", "SARC", "Health"],
    ["SY02", "SY020000", "Syrian Arab Red Crescent", "SARC", "Health"],  # said twice: once
    ["SY02", "SY020000", "World Food Programme", "WFP", "Food"],
    ["SY03", "SY030100", "Syrian Arab Red Crescent", "SARC", "Food"],
    ["SY03", "", "UNICEF", "UNICEF", "WASH"],  # known only at the governorate
]


def test_a_3w_is_kept_as_presence_and_counts_no_delivery(
    gazetteer: Store, tmp_path: Path
) -> None:
    from lagebild.analysis import gaps
    from lagebild.analysis.presence import who_does_what_where

    before = gaps(gazetteer, as_of=date(2017, 3, 1)).as_dict()
    report = import_file(gazetteer, write(tmp_path / "3w.csv", THREE_W), ImportOptions())
    assert (report.kind, report.rows_written) == ("presence", 5)
    assert row_counts(gazetteer)["deliveries"] == 0
    assert gaps(gazetteer, as_of=date(2017, 3, 1)).as_dict() == before
    adm1 = who_does_what_where(gazetteer, level="adm1")
    by_adm1 = {p.pcode: p.as_dict() for p in adm1.places}
    assert by_adm1["SY02"]["organisations"] == 2
    assert {s: c["organisations"] for s, c in by_adm1["SY02"]["sectors"].items()} == {
        "food": 1,
        "health": 1,
    }
    assert by_adm1["SY03"]["organisations"] == 2  # SARC and UNICEF
    # Listed as present: organisations only, no activity, nobody reached.
    assert by_adm1["SY03"]["listed"] == 2 and by_adm1["SY03"]["reported"] == 0
    assert (adm1.total.all.activities, adm1.total.all.reached) == (0, 0.0)
    by_adm3 = who_does_what_where(gazetteer, level="adm3")
    assert {p.pcode: p.all.organisations for p in by_adm3.places} == {
        "SY020000": 2,
        "SY030100": 1,
    }
    assert by_adm3.above_level == 1  # UNICEF's WASH in SY03
    # Computed another way: distinct (governorate, organisation) pairs of the file.
    pairs = {(r[0], r[2]) for r in THREE_W[2:]}
    assert sum(p["organisations"] for p in by_adm1.values()) == len(pairs)


def test_presence_command_and_its_hxl_is_refused_as_computed(
    db_url: str, tmp_path: Path
) -> None:
    for rows, name in ((PLACES, "p.csv"), (THREE_W, "3w.csv")):
        code, out, err = cli("--db", db_url, "import", str(write(tmp_path / name, rows)))
        assert code == 0, out + err
    code, out, _ = cli("--db", db_url, "presence", "--format", "json")
    data = json.loads(out)
    assert data["total"]["organisations"] == 3
    code, out, _ = cli("--db", db_url, "presence", "--format", "hxl")
    exported = tmp_path / "presence.csv"
    exported.write_text(out, encoding="utf-8")
    code, _, err = cli("--db", db_url, "import", "--dry-run", str(exported))
    assert code == 1 and "lagebild presence summary" in err


def test_undo_of_a_3w_removes_its_presence(gazetteer: Store, tmp_path: Path) -> None:
    report = import_file(gazetteer, write(tmp_path / "3w.csv", THREE_W), ImportOptions())
    with gazetteer.writer() as writer:
        removed = undo_import(writer, report.import_id or 0)
    from lagebild.store.presence import presence_rows

    assert removed["presence"] == 5 and presence_rows(gazetteer) == []


def test_sources_are_registered_in_the_order_the_file_names_them(tmp_path: Path) -> None:
    """The same file gives its sources the same ids in every database (the audit trail and
    backups compare), in the order of their first row."""
    names = [f"Source {i:02d}" for i in range(40)]
    rows = [["#adm1+code", "#adm1+name"], ["SY02", "Aleppo"]]
    figures = [["#adm1+code", "#inneed", "#date", "#meta+source"]] + [
        ["SY02", str(100 + i), "2017-01-01", name] for i, name in enumerate(names)
    ]
    for n in range(2):
        store = Store.open(str(tmp_path / f"{n}.db"))
        store.migrate()
        import_file(store, write(tmp_path / "places.csv", rows), ImportOptions())
        import_file(store, write(tmp_path / "pin.csv", figures), ImportOptions())
        registered = [s.name for _, s in sorted(all_sources(store).items())]
        store.close()
        assert registered == names
