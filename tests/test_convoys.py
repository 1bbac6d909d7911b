"""Convoys: their HXL import, their life on the command line, their statistics and their place in
gaps; checked against numbers computed here with the csv module and plain arithmetic.

The real figures of the issue, in data authored here: a convoy of 46 trucks for 27,500 people
into a besieged enclave of 393,000, with 70 % of its medical items removed, reaches 7 % of the
enclave (27,500 / 393,000 = 7.0 %).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from lagebild.cli import main
from lagebild.ingest import ImportFailed, ImportOptions, import_file
from lagebild.model.vocab import normalise_convoy_status, normalise_item_category
from lagebild.store import Store
from lagebild.store import convoys as convoy_store
from lagebild.store.changes import data_version
from lagebild.store.imports import all_imports

ENCLAVE = 393_000
PEOPLE = 27_500
TRUCKS = 46
AS_OF = "2018-03-31"

PLACES = [
    ["Gov", "District", "Sub-district", "Sub-district name", "Community", "Name"],
    ["#adm1+code", "#adm2+code", "#adm3+code", "#adm3+name", "#adm4+code", "#adm4+name"],
    ["SY03", "SY0302", "SY030200", "East Ghouta (Duma)", "C2338", "Duma"],
    ["SY03", "SY0302", "SY030200", "East Ghouta (Duma)", "C2342", "Harasta"],
    ["SY03", "SY0307", "SY030703", "Madaya", "C2450", "Madaya"],
]
FIGURES = [
    ["#adm3+code", "#adm4+code", "#population", "#inneed", "#date", "#meta+source"],
    ["SY030200", "", str(ENCLAVE), "", "2018-01-31", "test (illustrative)"],
    ["SY030200", "C2338", "", "200000", "2018-01-31", "test (illustrative)"],
    ["SY030200", "C2342", "", "20000", "2018-01-31", "test (illustrative)"],
    ["SY030703", "C2450", "40000", "30000", "2018-01-31", "test (illustrative)"],
]
ACCESS = [
    ["#adm3+code", "#adm4+code", "#access", "#group+besieging", "#date+start"],
    ["SY030200", "", "besieged", "Government of Syria", "2013-04-01"],
    ["SY030703", "C2450", "besieged", "Government of Syria", "2015-07-04"],
]

HEADER = [
    "Convoy", "Sub-district", "Community", "Requested", "Agencies", "Trucks", "People", "Status",
    "Decided", "By", "Reason", "Trucks approved", "People approved", "Delivered", "Reached",
    "Item", "Category", "Unit", "Planned", "Arrived", "Removed", "Removed by", "Source",
]  # fmt: skip
TAGS = [
    "#convoy+code", "#adm3+code", "#adm4+code", "#date+requested", "#org+impl",
    "#convoy+trucks", "#targeted", "#convoy+status", "#date+decided", "#org+decided",
    "#description+reason", "#convoy+trucks+approved", "#targeted+approved", "#date+delivered",
    "#reached", "#item+name", "#item+type", "#item+unit", "#item+planned", "#item+arrived",
    "#item+removed", "#group+removed_by", "#meta+source",
]  # fmt: skip
GOS, CHECKPOINT, SOURCE = "Government of Syria", "Government of Syria checkpoint", "test (illus.)"
#: Three convoys: one delivered with 70 % of its medical items removed, one denied, one pending.
CONVOYS = [
    ["DOUMA-1", "SY030200", "C2338", "2018-02-15", "UN, ICRC, SARC", "46", "27500", "Delivered",
     "2018-03-01", GOS, "", "46", "27500", "2018-03-05", "27500",
     "surgical supplies", "Medical", "treatments", "2000", "600", "1400", CHECKPOINT, SOURCE],
    # The convoy's fields may be left blank on its further rows...
    ["DOUMA-1", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
     "insulin", "health", "treatments", "500", "150", "350", CHECKPOINT, ""],
    # ... or repeated, as long as they agree.
    ["DOUMA-1", "SY030200", "C2338", "2018-02-15", "UN, ICRC, SARC", "46", "27500", "delivered",
     "2018-03-01", GOS, "", "46", "27500", "2018-03-05", "27500",
     "food parcels", "food", "parcels", "5500", "5500", "", "", SOURCE],
    ["MADAYA-1", "SY030703", "C2450", "2018-02-20", "UN", "20", "30000", "Denied",
     "2018-03-02", GOS, "approval withheld", "", "", "", "",
     "food parcels", "Food", "parcels", "6000", "", "", "", SOURCE],
    ["DOUMA-2", "SY030200", "C2338", "2018-03-10", "UN", "10", "8000", "requested",
     "", "", "", "", "", "", "", "", "", "", "", "", "", "", SOURCE],
]  # fmt: skip


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def run(db: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--db", db, *args])
    return result.exit_code, result.output


def ok(db: str, *args: str) -> str:
    code, out = run(db, *args)
    assert code == 0, out
    return out


def as_json(db: str, *args: str) -> Any:
    return json.loads(ok(db, *args, "--format", "json"))


@pytest.fixture
def db(store: Store, tmp_path: Path) -> str:
    """A besieged enclave of 393,000 (sub-district SY030200, two communities) and Madaya."""
    url = store.engine.url.render_as_string(hide_password=False)
    for name, rows in (("places", PLACES), ("figures", FIGURES), ("access", ACCESS)):
        ok(url, "import", str(write(tmp_path / f"{name}.csv", rows)))
    return url


def convoy_file(tmp_path: Path, rows: list[list[str]], name: str = "convoys.csv") -> Path:
    return write(tmp_path / name, [HEADER, TAGS, *rows])


def gaps(db: str, *extra: str) -> Any:
    return as_json(db, "gaps", "--as-of", AS_OF, "--level", "adm4", *extra)


def counts(store: Store) -> tuple[int, int]:
    found = convoy_store.convoys(store)
    return len(found), sum(len(c.items) for c in found)


# -- the real figures --------------------------------------------------------------------------


def test_46_trucks_for_27500_people_reach_7_percent_of_an_enclave_of_393000(db: str) -> None:
    items = {"surgical supplies": 2000, "insulin": 500}  # medical, in treatments
    removed = {"surgical supplies": 1400, "insulin": 350}
    code = "DOUMA-2018-03-05"
    ok(db, "convoy", "request", code, "--place", "C2338", "--date", "2018-02-15",
       "--agencies", "UN, ICRC, SARC", "--trucks", str(TRUCKS), "--people", str(PEOPLE),
       *(a for name, n in items.items() for a in ("--item", f"{name}:medical:{n}:treatments")),
       "--item", "food parcels:food:5500:parcels")  # fmt: skip
    ok(db, "convoy", "decide", code, "--approved", "--by", GOS, "--date", "2018-03-01")
    out = ok(db, "convoy", "deliver", code, "--date", "2018-03-05", "--reached", str(PEOPLE),
             *(a for name, n in removed.items() for a in ("--removed", f"{name}={n}")),
             "--by", CHECKPOINT)  # fmt: skip
    assert "surgical supplies: 1,400 of 2,000 treatments removed by" in out

    stats = as_json(db, "convoy", "stats", "--level", "adm3")
    (enclave,) = stats["places"]
    assert enclave["pcode"] == "SY030200" and enclave["access"] == "besieged"
    assert enclave["population"] == ENCLAVE
    assert enclave["population_reached_share"] == pytest.approx(PEOPLE / ENCLAVE)
    assert f"{enclave['population_reached_share']:.1%}" == "7.0%"
    assert enclave["medical_removed_share"] == pytest.approx(
        sum(removed.values()) / sum(items.values())
    )
    assert f"{enclave['medical_removed_share']:.0%}" == "70%"
    assert (enclave["requested"], enclave["approved"], enclave["delivered"]) == (1, 1, 1)
    assert enclave["denied_share"] == 0 and enclave["reached_share"] == 1
    table = ok(db, "convoy", "stats", "--level", "adm3")
    assert "7.0%" in table and "70.0%" in table and "393,000" in table
    # What arrived: as loaded, less what was removed.
    stored = convoy_store.convoy(Store.open(db), code)
    assert stored is not None
    assert {i.item: i.arrived for i in stored.items} == {
        "surgical supplies": 600, "insulin": 150, "food parcels": 5500,
    }  # fmt: skip


def test_the_same_convoy_imported_from_hxl_gives_the_same_7_percent(
    db: str, tmp_path: Path
) -> None:
    ok(db, "import", str(convoy_file(tmp_path, CONVOYS[:3])))
    stats = as_json(db, "convoy", "stats", "--level", "adm3")
    (enclave,) = stats["places"]
    assert enclave["population_reached_share"] == pytest.approx(PEOPLE / ENCLAVE)
    assert enclave["medical_removed_share"] == pytest.approx((1400 + 350) / (2000 + 500))
    assert enclave["trucks"] == TRUCKS and enclave["planned_people"] == PEOPLE


# -- the import --------------------------------------------------------------------------------


def expected_by_place(rows: list[list[str]]) -> dict[str, dict[str, Any]]:
    """Per community, the statistics computed from the file's rows with the csv module alone."""
    reader = csv.DictReader(io.StringIO(_text([TAGS, *rows])))
    convoys: dict[str, dict[str, str]] = {}
    medical: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])  # [removed, planned]
    for row in reader:
        held = convoys.setdefault(row["#convoy+code"], {})
        for tag, value in row.items():
            if value and not held.get(tag):
                held[tag] = value
        if row["#item+type"].lower() in ("medical", "health"):
            medical[row["#convoy+code"]][0] += float(row["#item+removed"] or 0)
            medical[row["#convoy+code"]][1] += float(row["#item+planned"])
    out: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(float))
    for code, c in convoys.items():
        place = out[c["#adm4+code"]]
        status = c["#convoy+status"].lower()
        place["requested"] += 1
        place["denied"] += status == "denied"
        place["delivered"] += status == "delivered"
        place["pending"] += status == "requested"
        place["planned_people"] += float(c["#targeted"])
        place["reached"] += float(c.get("#reached") or 0)
        if status == "delivered":
            place["medical_removed"] += medical[code][0]
            place["medical_loaded"] += medical[code][1]
    return out


def _text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def test_import_counts_agree_with_the_csv_module(db: str, tmp_path: Path) -> None:
    out = ok(db, "import", str(convoy_file(tmp_path, CONVOYS)))
    assert "imported convoys: 5 rows (3 records)" in out
    expected = expected_by_place(CONVOYS)
    stats = as_json(db, "convoy", "stats")
    assert {p["pcode"] for p in stats["places"]} == set(expected)
    for row in stats["places"]:
        want = expected[row["pcode"]]
        for key in ("requested", "denied", "delivered", "pending", "planned_people", "reached"):
            assert row[key] == want[key], (row["pcode"], key)
        assert row["denied_share"] == pytest.approx(want["denied"] / want["requested"])
        assert row["reached_share"] == pytest.approx(want["reached"] / want["planned_people"])
        if want["medical_loaded"]:
            assert row["medical_removed_share"] == pytest.approx(
                want["medical_removed"] / want["medical_loaded"]
            )
    (total,) = stats["totals"]
    assert total["requested"] == 3 and total["denied"] == 1 and total["delivered"] == 1
    # The file's rows are kept with their row numbers; the decision of a delivered convoy stays.
    douma = convoy_store.convoy(Store.open(db), "douma-1")
    assert douma is not None and douma.decision == "approved" and douma.row_number == 3
    assert [(i.item, i.category, i.row_number) for i in douma.items] == [
        ("surgical supplies", "medical", 3), ("insulin", "medical", 4), ("food parcels", "food", 5),
    ]  # fmt: skip
    assert douma.source == SOURCE and douma.agencies == "UN, ICRC, SARC"


def test_stats_per_month_and_period_follow_the_request_date(db: str, tmp_path: Path) -> None:
    ok(db, "import", str(convoy_file(tmp_path, CONVOYS)))
    monthly = as_json(db, "convoy", "stats", "--by", "month")
    got = {(r["period"], r["pcode"]): r["requested"] for r in monthly["places"]}
    assert got == {("2018-02", "C2338"): 1, ("2018-02", "C2450"): 1, ("2018-03", "C2338"): 1}
    march = as_json(db, "convoy", "stats", "--from", "2018-03-01", "--to", "2018-03-31")
    assert [(r["pcode"], r["requested"], r["pending"]) for r in march["places"]] == [
        ("C2338", 1, 1)
    ]
    code, out = run(db, "convoy", "stats", "--from", "2018-03-31", "--to", "2018-03-01")
    assert code == 1 and "before it starts" in out


def test_undo_removes_the_convoys_and_their_items(db: str, tmp_path: Path) -> None:
    before = gaps(db)
    ok(db, "import", str(convoy_file(tmp_path, CONVOYS)))
    store = Store.open(db)
    assert counts(store) == (3, 4)
    assert gaps(db) != before
    # A decision and delivery entered later on the command line go with the import too.
    ok(db, "convoy", "decide", "DOUMA-2", "--approved", "--by", GOS, "--date", "2018-03-12")
    ok(db, "convoy", "deliver", "DOUMA-2", "--date", "2018-03-20", "--reached", "8000")
    import_id = all_imports(store)[-1].id
    out = ok(db, "import", "--undo", str(import_id))
    assert "3 convoys" in out and "4 convoy items" in out
    assert counts(store) == (0, 0)
    assert gaps(db) == before
    assert all_imports(store)[-1].status == "undone"
    assert "0 convoy(s)" in ok(db, "convoy", "list")


def test_dry_run_writes_nothing(db: str, tmp_path: Path) -> None:
    out = ok(db, "import", "--dry-run", str(convoy_file(tmp_path, CONVOYS)))
    assert "would import convoys: 5 rows" in out
    assert counts(Store.open(db)) == (0, 0)


def replaced(*changes: tuple[int, str, str]) -> list[list[str]]:
    """The valid file with some cells changed: (index of the row in CONVOYS, tag, new value)."""
    rows = [list(r) for r in CONVOYS]
    for row, tag, value in changes:
        rows[row][TAGS.index(tag)] = value
    return rows


#: A change to the valid file -> the row, column, value and a piece of the reason reported.
BAD_FILES: dict[str, tuple[list[list[str]], int, str | None, str | None, str]] = {
    "repeated field disagrees": (
        replaced((2, "#convoy+trucks", "40")), 5, "F #convoy+trucks", "40",
        "convoy DOUMA-1: trucks is 46 in row 3 but 40 here",
    ),
    "repeated place disagrees": (
        replaced((2, "#adm4+code", "C2342")), 5, "C #adm4+code", "C2342", "place is",
    ),
    "unknown status": (
        replaced((3, "#convoy+status", "maybe")), 6, "H #convoy+status", "maybe",
        "unknown status 'maybe'",
    ),
    "unknown category": (
        replaced((1, "#item+type", "weapons")), 4, "Q #item+type", "weapons",
        "unknown category 'weapons'",
    ),
    "delivered without a date": (
        replaced((0, "#date+delivered", ""), (2, "#date+delivered", "")),
        3, "H #convoy+status", "Delivered", "has no delivery date",
    ),
    "denied but delivered": (
        replaced((3, "#date+delivered", "2018-03-05")), 6, "N #date+delivered", "2018-03-05",
        "convoy MADAYA-1 is denied: it has no delivery date",
    ),
    "more removed than loaded": (
        replaced((1, "#item+removed", "600")), 4, "U #item+removed", "600",
        "150 arrived and 600 removed is more than the 500 planned",
    ),
    "decided before requested": (
        replaced((3, "#date+decided", "2018-01-01")), 6, "I #date+decided", "2018-01-01",
        "was decided on 2018-01-01, before it was requested on 2018-02-20",
    ),
    "not a date": (
        replaced((3, "#date+decided", "next week")), 6, "I #date+decided", "next week", "date",
    ),
    "no request date": (
        replaced((4, "#date+requested", "")), 7, "D #date+requested", None,
        "needs the date it was requested",
    ),
    "negative trucks": (
        replaced((4, "#convoy+trucks", "-3")), 7, "F #convoy+trucks", "-3",
        "must be a whole number, not negative",
    ),
    "row without a convoy code": (
        replaced((4, "#convoy+code", "")), 7, "A #convoy+code", None,
        "a row needs its convoy's code",
    ),
    "item twice": (
        replaced((2, "#item+name", "insulin")), 5, "P #item+name", "insulin",
        "has item 'insulin' in row 4 already",
    ),
    "arrived before delivery": (
        replaced((3, "#item+arrived", "100")), 6, "T #item+arrived", "100",
        "convoy MADAYA-1 is denied: nothing arrived",
    ),
    "partly approved without how much": (
        replaced((4, "#convoy+status", "partially approved"), (4, "#date+decided", "2018-03-11")),
        7, "H #convoy+status", "partially approved", "is partly approved: say how much",
    ),
    "unknown P-code": (
        replaced((3, "#adm4+code", "C9999"), (3, "#adm3+code", "")), 6, "C #adm4+code", "C9999",
        "no valid P-code",
    ),
}  # fmt: skip


def test_every_bad_file_names_row_column_and_value_and_changes_nothing(
    db: str, tmp_path: Path
) -> None:
    store = Store.open(db)
    imports = len(all_imports(store))
    for name, (rows, row, column, value, reason) in BAD_FILES.items():
        path = convoy_file(tmp_path, rows, f"{name.replace(' ', '_')}.csv")
        with pytest.raises(ImportFailed) as failed:
            import_file(store, path)
        errors = failed.value.report.errors
        hits = [e for e in errors if reason in e.reason]
        assert hits, (name, [str(e) for e in errors])
        first = hits[0]
        assert (first.file, first.row, first.column, first.value) == (
            path.name,
            row,
            column,
            value,
        ), (name, str(first))
        assert counts(store) == (0, 0), name
        assert len(all_imports(store)) == imports, name
    # And the command line says so with exit code 1.
    path = convoy_file(tmp_path, BAD_FILES["repeated field disagrees"][0], "cli.csv")
    code, out = run(db, "import", str(path))
    assert code == 1 and "cli.csv, row 5, column F #convoy+trucks, value '40'" in out
    assert "nothing was imported" in out


def test_a_convoy_file_needs_a_code_column(db: str, tmp_path: Path) -> None:
    rows = [["#adm4+code", "#convoy+trucks", "#date+requested"], ["C2338", "4", "2018-01-01"]]
    code, out = run(db, "import", str(write(tmp_path / "c.csv", rows)))
    assert code == 1 and "a convoy file needs a #convoy+code column" in out, out


def test_a_stored_convoy_cannot_come_again_in_a_file(db: str, tmp_path: Path) -> None:
    ok(db, "convoy", "request", "MADAYA-1", "--place", "C2450", "--date", "2018-02-01")
    with pytest.raises(ImportFailed) as failed:
        import_file(Store.open(db), convoy_file(tmp_path, CONVOYS))
    (error,) = [e for e in failed.value.report.errors if e.code == "convoy-exists"]
    assert (error.row, error.column, error.value) == (6, "A #convoy+code", "MADAYA-1")
    assert "entered on the command line" in error.reason


def test_skip_invalid_rejects_a_bad_convoy_as_a_whole(db: str, tmp_path: Path) -> None:
    rows = replaced((1, "#item+removed", "600"))  # an error in the second row of DOUMA-1
    path = convoy_file(tmp_path, rows)
    report = import_file(Store.open(db), path, ImportOptions(skip_invalid=True))
    assert report.rows_rejected == 3 and report.rows_written == 2
    assert sorted(c.code for c in convoy_store.convoys(Store.open(db))) == ["DOUMA-2", "MADAYA-1"]
    with report.rejects_path.open(encoding="utf-8") as fh:  # type: ignore[union-attr]
        rejected = list(csv.reader(fh))[2:]
    assert [r[0] for r in rejected] == ["3", "4", "5"]
    assert "convoy DOUMA-1 has errors in row(s) 4" in rejected[0][1]


# -- the command line --------------------------------------------------------------------------


def request(db: str, code: str = "C-1", *extra: str) -> tuple[int, str]:
    return run(db, "convoy", "request", code, "--place", "C2338", "--date", "2018-02-15",
               "--trucks", "10", "--people", "5000", "--item", "medicines:medical:100:boxes",
               *extra)  # fmt: skip


def test_each_step_is_recorded_in_the_audit_trail(db: str) -> None:
    assert request(db, "C-1", "--source", SOURCE, "--note", "first")[0] == 0
    ok(db, "convoy", "decide", "C-1", "--partly", "--trucks", "6", "--by", GOS,
       "--date", "2018-02-20", "--reason", "medical items not approved")  # fmt: skip
    ok(db, "convoy", "deliver", "C-1", "--date", "2018-02-25", "--reached", "3000",
       "--arrived", "medicines=40", "--removed", "Medicines=60", "--by", CHECKPOINT)  # fmt: skip
    shown = as_json(db, "convoy", "show", "c-1")
    assert shown["status"] == "delivered" and shown["trucks_approved"] == 6
    assert shown["people_approved"] is None and shown["decision_reason"].startswith("medical")
    assert shown["items"] == [
        {"item": "medicines", "category": "medical", "unit": "boxes", "planned": 100.0,
         "arrived": 40.0, "removed": 60.0, "removed_by": CHECKPOINT},
    ]  # fmt: skip
    history = list(reversed(shown["history"]))
    assert [(h["action"], h["record_kind"], h["pcode"]) for h in history] == [
        ("add", "convoy", "C2338"), ("edit", "convoy", "C2338"), ("edit", "convoy", "C2338"),
    ]  # fmt: skip
    assert history[0]["before"] is None and history[0]["after"]["status"] == "requested"
    assert history[1]["before"]["status"] == "requested"
    assert history[1]["after"]["status"] == "partly_approved"
    assert history[1]["why"] == "medical items not approved"
    assert history[2]["after"]["reached"] == 3000
    assert history[2]["after"]["items"][0]["removed"] == 60
    text = ok(db, "convoy", "show", "C-1")
    assert "6 trucks, ? people (partly approved)" in text and "removed 60 by" in text
    listed = as_json(db, "convoy", "list", "--place", "SY030200", "--status", "delivered")
    assert [c["code"] for c in listed["convoys"]] == ["C-1"]
    assert as_json(db, "convoy", "list", "--place", "C2450")["convoys"] == []
    hxl = ok(db, "convoy", "list", "--format", "hxl").splitlines()
    assert hxl[1].startswith("#convoy+code,#loc+code") and hxl[2].startswith("C-1,C2338,Duma")


#: Wrong steps, each refused with one line and exit code 1, changing nothing.
WRONG_STEPS: list[tuple[list[str], str]] = [
    (["deliver", "C-1", "--date", "2018-03-01", "--reached", "10"], "is not decided yet"),
    (["decide", "C-1", "--approved", "--by", GOS, "--date", "2018-02-01"],
     "before it was requested on 2018-02-15"),
    (["decide", "C-1", "--partly", "--by", GOS, "--date", "2018-02-20"], "say how much"),
    (["decide", "C-1", "--approved", "--trucks", "5", "--by", GOS, "--date", "2018-02-20"],
     "use --partly"),
    (["decide", "C-1", "--partly", "--trucks", "12", "--by", GOS, "--date", "2018-02-20"],
     "12 trucks approved, more than the 10 requested"),
    (["decide", "C-1", "--denied", "--people", "10", "--by", GOS, "--date", "2018-02-20"],
     "a denied convoy has no trucks or people approved"),
    (["decide", "C-1", "--by", GOS, "--date", "2018-02-20"],
     "give --approved, --partly or --denied"),
    (["decide", "NOPE", "--denied", "--by", GOS, "--date", "2018-02-20"],
     "there is no convoy 'NOPE'"),
    (["show", "NOPE"], "there is no convoy 'NOPE'"),
    (["request", "C-2", "--place", "C9999", "--date", "2018-02-15"], "unknown P-code 'C9999'"),
    (["request", "c-1", "--place", "C2338", "--date", "2018-02-15"], "convoy C-1 exists already"),
    (["request", "C-2", "--place", "C2338", "--date", "2018-02-15", "--item", "medicines:100"],
     "write NAME:CATEGORY:QUANTITY[:UNIT]"),
    (["request", "C-2", "--place", "C2338", "--date", "2018-02-15", "--item", "x:weapons:1"],
     "unknown category 'weapons'"),
    (["request", "C-2", "--place", "C2338", "--date", "2018-02-15", "--item", "x:food:lots"],
     "'lots' is not a number"),
    (["request", "C-2", "--place", "C2338", "--date", "2018-02-15", "--item", "x:food:1",
      "--item", "X:food:2"], "item 'X' is given twice"),
]  # fmt: skip
#: Wrong steps once C-1 is approved.
WRONG_AFTER_APPROVAL: list[tuple[list[str], str]] = [
    (["decide", "C-1", "--denied", "--by", GOS, "--date", "2018-02-21"],
     "was already approved on 2018-02-20 by Government of Syria"),
    (["deliver", "C-1", "--date", "2018-02-19", "--reached", "10"],
     "before it was decided on 2018-02-20"),
    (["deliver", "C-1", "--date", "2018-03-01", "--reached", "10", "--removed", "medicines=5"],
     "say who removed the items"),
    (["deliver", "C-1", "--date", "2018-03-01", "--reached", "10", "--arrived", "flour=5"],
     "carries no item 'flour'; its items: 'medicines'"),
    (["deliver", "C-1", "--date", "2018-03-01", "--reached", "10", "--arrived", "medicines=90",
      "--removed", "medicines=20", "--by", CHECKPOINT], "90 arrived and 20 removed is more"),
    (["deliver", "C-1", "--date", "2018-03-01", "--reached", "10", "--arrived", "medicines"],
     "write NAME=QUANTITY"),
]  # fmt: skip


def _state(store: Store) -> tuple[Any, int]:
    return [c.as_dict() for c in convoy_store.convoys(store)], data_version(store)[-1]


def test_wrong_steps_are_clear_errors_that_change_nothing(db: str) -> None:
    store = Store.open(db)
    assert request(db)[0] == 0
    for steps, then in ((WRONG_STEPS, None), (WRONG_AFTER_APPROVAL, "--approved")):
        if then:
            ok(db, "convoy", "decide", "C-1", then, "--by", GOS, "--date", "2018-02-20")
        before = _state(store)
        for args, message in steps:
            code, out = run(db, "convoy", *args)
            assert code in (1, 2) and message in out, (args, out)
            assert "Traceback" not in out
            assert _state(store) == before, args
    ok(db, "convoy", "deliver", "C-1", "--date", "2018-03-01", "--reached", "4000")
    for args, message in (
        (["deliver", "C-1", "--date", "2018-03-02", "--reached", "1"],
         "was delivered on 2018-03-01: it is delivered once"),
        (["decide", "C-1", "--denied", "--by", GOS, "--date", "2018-03-02"],
         "was already delivered on 2018-03-01"),
    ):  # fmt: skip
        code, out = run(db, "convoy", *args)
        assert code == 1 and message in out, out
    ok(db, "convoy", "request", "C-3", "--place", "C2450", "--date", "2018-02-15")
    ok(db, "convoy", "decide", "C-3", "--denied", "--by", GOS, "--date", "2018-02-16")
    code, out = run(db, "convoy", "deliver", "C-3", "--date", "2018-03-02", "--reached", "1")
    assert code == 1 and "was denied on 2018-02-16 by Government of Syria: it cannot be" in out


def test_a_retired_place_is_refused(db: str, tmp_path: Path) -> None:
    retire = [["#adm4+code", "#adm3+code", "#date+valid_to"], ["C2342", "SY030200", "2018-01-01"]]
    ok(db, "import", str(write(tmp_path / "retire.csv", retire)))
    code, out = run(db, "convoy", "request", "H-1", "--place", "c2342", "--date", "2018-02-01")
    assert code == 1 and "P-code C2342 was retired on 2018-01-01" in out


# -- in gaps -----------------------------------------------------------------------------------

DELIVERED = [
    ["DOUMA-9", "SY030200", "C2338", "2018-02-15", "UN", "46", "27500", "delivered",
     "2018-03-01", GOS, "", "", "", "2018-03-05", "27500", "", "", "", "", "", "", "", SOURCE],
]  # fmt: skip
#: The same delivery as a 4W row: completed, no sector, the convoy's date and people reached.
AS_4W = [
    ["#adm3+code", "#adm4+code", "#reached+ind", "#date", "#status", "#org+impl"],
    ["SY030200", "C2338", "27500", "2018-03-05", "completed", "UN"],
]


def test_only_a_delivered_convoy_counts_in_gaps_exactly_like_a_completed_4w_row(
    db: str, tmp_path: Path
) -> None:
    dates = ("2018-03-31", "2018-05-15", "2018-03-04")  # in the window, after it, before
    views = [("--as-of", d, "--level", level) for d in dates for level in ("adm4", "adm3")]

    def picture() -> list[Any]:
        return [as_json(db, "gaps", *view) for view in views]

    store = Store.open(db)
    before = picture()
    # Requested and denied convoys change nothing.
    ok(db, "import", str(convoy_file(tmp_path, CONVOYS[3:])))
    ok(db, "convoy", "request", "C-1", "--place", "C2342", "--date", "2018-03-01")
    assert picture() == before
    # A delivered one does.
    ok(db, "import", str(convoy_file(tmp_path, DELIVERED, "delivered.csv")))
    with_convoy = picture()
    duma = {r["pcode"]: r for r in with_convoy[0]["places"]}["C2338"]
    assert (duma["reached"], duma["last_delivery"], duma["days_without_aid"]) == (
        PEOPLE,
        "2018-03-05",
        (date(2018, 3, 31) - date(2018, 3, 5)).days,
    )
    assert not duma["cut_off"] and duma["coverage"] == pytest.approx(PEOPLE / 200_000)
    was = {r["pcode"]: r for r in before[0]["places"]}["C2338"]
    assert was["cut_off"] and was["last_delivery"] is None
    # Exactly as the same delivery in a 4W file: every number on every view.
    ok(db, "import", "--undo", str(all_imports(store)[-1].id))
    assert picture() == before
    ok(db, "import", str(write(tmp_path / "4w.csv", AS_4W)))
    assert picture() == with_convoy
    # A convoy has no sector: a one-sector picture does not count it.
    ok(db, "import", "--undo", str(all_imports(store)[-1].id))
    food = as_json(db, "gaps", "--as-of", AS_OF, "--level", "adm4", "--sector", "food")
    ok(db, "import", str(convoy_file(tmp_path, DELIVERED, "delivered-again.csv")))
    assert as_json(db, "gaps", "--as-of", AS_OF, "--level", "adm4", "--sector", "food") == food
    # Delivered on the command line, the same again.
    ok(db, "import", "--undo", str(all_imports(store)[-1].id))
    ok(db, "convoy", "request", "DOUMA-9", "--place", "C2338", "--date", "2018-02-15")
    ok(db, "convoy", "decide", "DOUMA-9", "--approved", "--by", GOS, "--date", "2018-03-01")
    ok(db, "convoy", "deliver", "DOUMA-9", "--date", "2018-03-05", "--reached", str(PEOPLE))
    assert picture() == with_convoy


def test_a_running_web_app_sees_a_convoy_delivered_on_the_command_line(db: str) -> None:
    from fastapi.testclient import TestClient

    from lagebild.web import WebConfig, create_app

    client = TestClient(create_app(WebConfig(db=db)))
    params = {"level": "adm4", "as_of": AS_OF}
    cut = client.get("/api/gaps", params=params).json()["cut_off"]
    ok(db, "convoy", "request", "C-1", "--place", "C2338", "--date", "2018-03-01")
    ok(db, "convoy", "decide", "C-1", "--approved", "--by", GOS, "--date", "2018-03-02")
    assert client.get("/api/gaps", params=params).json()["cut_off"] == cut
    ok(db, "convoy", "deliver", "C-1", "--date", "2018-03-20", "--reached", "100")
    assert client.get("/api/gaps", params=params).json()["cut_off"] == cut - 1


# -- words -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("Requested", "requested"), ("pending approval", "requested"), ("Approved", "approved"),
        ("Partially approved", "partly_approved"), ("partly-approved", "partly_approved"),
        ("موافقة جزئية", "partly_approved"), ("Denied", "denied"), ("مرفوض", "denied"),
        ("abgelehnt", "denied"), ("Delivered", "delivered"), ("تم التسليم", "delivered"),
        ("", None), ("perhaps", None),
    ],
)  # fmt: skip
def test_convoy_status_words(word: str, status: str | None) -> None:
    assert normalise_convoy_status(word) == status


@pytest.mark.parametrize(
    ("word", "category"),
    [
        ("Medical", "medical"), ("health", "medical"), ("Medical supplies", "medical"),
        ("أدوية", "medical"), ("Food", "food"), ("NFI", "nfi"), ("Hygiene kits", "wash"),
        ("education", "education"), ("", ""), ("weapons", None),
    ],
)  # fmt: skip
def test_item_category_words(word: str, category: str | None) -> None:
    assert normalise_item_category(word) == category


# -- the demo ----------------------------------------------------------------------------------


def test_the_demo_has_a_denied_a_stripped_and_a_delivered_convoy_that_leave_its_gaps(
    demo_store: Store,
) -> None:
    from lagebild.analysis import gaps as gaps_of
    from lagebild.analysis.convoys import convoy_stats
    from lagebild.demo import AS_OF as DEMO_AS_OF
    from lagebild.demo import DATA_DIR

    found = {c.code: c for c in convoy_store.convoys(demo_store)}
    assert sorted(c.status for c in found.values()) == [
        "approved", "approved", "delivered", "delivered", "denied", "denied", "partly_approved",
        "requested",
    ]  # fmt: skip
    assert all("illustrative" in (c.source or "") for c in found.values())
    # The share of medical items removed, from the file with the csv module.
    with (DATA_DIR / "05_convoys.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    tags = rows[1]
    medical = [
        dict(zip(tags, r, strict=True))
        for r in rows[2:]
        if r[tags.index("#item+type")] == "medical" and r[tags.index("#date+delivered")]
    ]
    share = sum(float(r["#item+removed"] or 0) for r in medical) / sum(
        float(r["#item+planned"]) for r in medical
    )
    (duma,) = [r for r in convoy_stats(demo_store).places if r.pcode == "C2338"]
    assert duma.tally.medical_removed_share == pytest.approx(share) and share > 0
    assert duma.tally.partly_approved == 1
    # The convoys fall outside the story's window: the demo's gaps stay as told.
    by_code = {r.pcode: r for r in gaps_of(demo_store, DEMO_AS_OF, 30, 4).places}
    assert by_code["C2338"].last_delivery == date(2017, 2, 6)
    assert by_code["C2450"].cut_off and by_code["C2450"].last_delivery == date(2016, 11, 28)
    december = {r.pcode: r for r in gaps_of(demo_store, date(2016, 12, 31), 30, 4).places}
    assert december["C2338"].last_delivery == date(2016, 12, 8)
    assert december["C2338"].reached == found["DEMO-2016-12-DUMA"].reached


def test_explain_traces_a_delivered_convoy_in_the_number_gaps_shows(db: str) -> None:
    ok(db, "convoy", "request", "EXPL-1", "--place", "C2338", "--date", "2018-02-15",
       "--trucks", "10", "--people", "5000")  # fmt: skip
    ok(db, "convoy", "decide", "EXPL-1", "--approved", "--by", GOS, "--date", "2018-02-20")
    ok(db, "convoy", "deliver", "EXPL-1", "--date", "2018-03-20", "--reached", "4800")
    row = next(r for r in gaps(db)["places"] if r["pcode"] == "C2338")
    explained = as_json(
        db, "explain", "--as-of", AS_OF, "--pcode", "C2338", "--indicator", "reached"
    )
    assert explained["value"] == row["reached"] == 4800
    (convoy,) = explained["deliveries"]
    assert (convoy["status"], convoy["reached"], convoy["convoy"]) == ("convoy", 4800, "EXPL-1")
    assert "entered on the command line" in convoy["file_name"]
