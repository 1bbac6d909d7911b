"""Incidents: ACLED's CSV and HDX's HXL form import, are placed, summed per place and period, and
shown beside access; bad rows fail the import naming row, column and value."""

from __future__ import annotations

import csv
import io
import json
import random
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import shapefile as pyshp
import shapely
from click.testing import CliRunner
from shapely.geometry import shape

from lagebild.analysis.incidents import incident_summary
from lagebild.cli import main
from lagebild.ingest import ImportFailed, ImportOptions, import_file
from lagebild.ingest.incidents import is_attack_on_aid
from lagebild.store import Store
from lagebild.store.imports import all_imports
from lagebild.store.incidents import incident_list
from lagebild.store.places import all_places

ADM = "syria/cod_ab_2020-12-17/shp/syr_admbnda_{}_uncs_unocha_20201217.shp"
COMMUNITIES = "syria/locations_2018/syr_locations_communities.csv"
ACLED_HEADER = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,"
    "assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,"
    "country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,"
    "notes,fatalities,tags,timestamp"
).split(",")

# A gazetteer of a few real places (P-codes, names and coordinates of OCHA's 2018 list).
SMALL_GAZETTEER = """\
#adm1+code,#adm1+name+i_en,#adm1+name+i_ar,#adm2+code,#adm2+name+i_en,#adm3+code,#adm3+name+i_en,#adm4+code,#adm4+name+i_en,#adm4+name+i_ar,#geo+lat,#geo+lon
SY03,Rural Damascus,ريف دمشق,SY0302,Duma,SY030200,Duma,C2338,Duma,دوما,33.5721,36.4021
SY07,Idleb,إدلب,SY0700,Idleb,SY070000,Idleb,C3871,Idleb,إدلب,35.929008,36.635276
SY02,Aleppo,حلب,SY0200,Jebel Saman,SY020000,Jebel Saman,C1007,Aleppo,حلب,36.2021,37.1343
"""  # noqa: E501


def acled_row(**values: object) -> list[str]:
    row = dict.fromkeys(ACLED_HEADER, "")
    row.update(
        {"iso": "760", "region": "Middle East", "country": "Syria", "disorder_type": "Political "
         "violence", "year": "2017", "time_precision": "1", "source_scale": "National",
         "timestamp": "1618000000"}
    )  # fmt: skip
    row.update({k: str(v) for k, v in values.items()})
    return [row[k] for k in ACLED_HEADER]


def write_acled(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(ACLED_HEADER)
        out.writerows(rows)
    return path


@pytest.fixture
def small(store: Store, tmp_path: Path) -> Store:
    (tmp_path / "gaz.csv").write_text(SMALL_GAZETTEER, encoding="utf-8")
    import_file(store, tmp_path / "gaz.csv")
    return store


@pytest.fixture
def syria(store: Store, shared_data: Path) -> Store:
    """The real sub-district polygons and the 7,693 communities."""
    import_file(store, shared_data / ADM.format("adm3"))
    import_file(store, shared_data / COMMUNITIES)
    return store


def run(store: Store, *args: str) -> tuple[int, str]:
    db = store.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(main, ["--db", db, *args])
    return result.exit_code, result.output


# -- the two forms -------------------------------------------------------------------------------


def test_acled_csv_without_tags_imports_and_each_event_is_placed_as_it_can_be(
    small: Store, tmp_path: Path
) -> None:
    path = write_acled(
        tmp_path / "acled.csv",
        [
            acled_row(event_id_cnty="SYR1", event_date="7 February 2017", event_type=(
                "Explosions/Remote violence"), sub_event_type="Air/drone strike", actor1=(
                "Military Forces of Syria (2000-)"), admin1="Rural Damascus", admin2="Duma",
                admin3="Duma", location="Douma", latitude="33.5740", longitude="36.4021",
                source="SOHR", notes="Air strike on a market in Douma.", fatalities="12"),
            acled_row(event_id_cnty="SYR2", event_date="2017-02-08", event_type="Violence against"
                " civilians", sub_event_type="Attack", admin1="Idlib", admin2="Idlib", admin3=(
                "Idlib"), location="Idlib", notes="Gunmen attacked an aid convoy.",
                fatalities="2"),
            acled_row(event_id_cnty="SYR3", event_date="9-Feb-2017", event_type="Battles",
                sub_event_type="Armed clash", location="Atlantis", latitude="35.0",
                longitude="60.0", fatalities="0"),
            acled_row(event_id_cnty="SYR4", event_date="10 February 2017", event_type="Battles",
                admin1="Halab", location="Aleppo", fatalities=""),
        ],
    )  # fmt: skip
    report = import_file(small, path, ImportOptions(source="ACLED"))
    assert report.kind == "incidents" and report.rows_written == 4
    (unplaced,) = [p for p in report.warnings if p.code == "unplaced"]
    assert unplaced.row == 4 and unplaced.value == "Atlantis"
    assert "coordinates 35.0, 60.0" in unplaced.reason
    rows = {str(r.event_code): r for r in incident_list(small)}
    codes = {p.id: p.pcode for p in all_places(small)}
    assert [(codes.get(rows[c].place_id or 0), rows[c].placed_by) for c in sorted(rows)] == [
        ("C2338", "nearest"),  # no polygons here: the community 200 m away
        ("C3871", "name"),
        (None, "none"),
        ("C1007", "name"),
    ]
    assert rows["SYR1"].place_distance_km == pytest.approx(0.211, abs=0.002)
    assert str(rows["SYR3"].date) == "2017-02-09" and rows["SYR4"].fatalities is None
    assert [rows[c].attack_on_aid for c in sorted(rows)] == [False, True, False, False]
    assert rows["SYR1"].reported_by == "SOHR" and rows["SYR1"].source == "ACLED"
    assert rows["SYR1"].admin_names == "Rural Damascus/Duma/Duma"
    assert rows["SYR1"].file_name == "acled.csv" and rows["SYR1"].row_number == 2


def test_hdx_hxl_form_imports_with_its_hashtags_and_p_codes(small: Store, tmp_path: Path) -> None:
    text = (
        "Event,Date,Type,Sub type,Actor 1,Actor 2,Killed,Lat,Lon,Location,Admin1,Source,Notes,"
        "Sub-district\n"
        "#event+code,#date+occurred,#event+type,#event+type+sub,#group+name+first,"
        "#group+name+second,#affected+killed,#geo+lat,#geo+lon,#loc+name,#adm1+name,"
        "#meta+source,#description,#adm3+code\n"
        "SYR10,2017-02-11,Explosions/Remote violence,Shelling/artillery/missile attack,A,B,3,,,"
        "Duma,Rural Damascus,SANA,Shelling.,SY030200\n"
        "SYR11,11/02/2017,Violence against civilians,Attack,A,Aid Workers (Syria),1,,,"
        "Idleb,إدلب,OCHA,Humanitarian worker killed.,\n"
        "SYR12,2017-02-12,Battles,Armed clash,A,B,0,,,,,X,,SY999999\n"
    )
    (tmp_path / "hdx.csv").write_text(text, encoding="utf-8")
    report = import_file(small, tmp_path / "hdx.csv")
    assert report.kind == "incidents" and report.error_count == 0
    assert report.flatten() == [(5, "N #adm3+code", "unknown-pcode"), (5, None, "unplaced")]
    assert report.warnings[0].value == "SY999999"
    rows = {str(r.event_code): r for r in incident_list(small)}
    codes = {p.id: p.pcode for p in all_places(small)}
    assert (codes[rows["SYR10"].place_id or 0], rows["SYR10"].placed_by) == ("SY030200", "pcode")
    assert (codes[rows["SYR11"].place_id or 0], rows["SYR11"].placed_by) == ("C3871", "name")
    assert rows["SYR11"].attack_on_aid and rows["SYR11"].actor2 == "Aid Workers (Syria)"
    assert rows["SYR10"].sub_event_type == "Shelling/artillery/missile attack"


def test_acled_s_old_upper_case_export_is_recognised_and_kept_unplaced_outside_the_gazetteer(
    small: Store, shared_data: Path
) -> None:
    path = shared_data / "hxl/acled_sample/hdx-python-api__acled_test_data.csv"
    report = import_file(small, path, ImportOptions(source="ACLED"))
    with path.open(encoding="utf-8") as fh:
        expected = list(csv.DictReader(fh))
    assert report.rows_written == len(expected) == 4
    assert [p.row for p in report.warnings if p.code == "unplaced"] == [2, 3, 4, 5]
    stored = incident_list(small)
    assert [r.event_code for r in stored] == [r["EVENT_ID_CNTY"] for r in expected]
    assert [r.date.strftime("%d/%m/%Y") for r in stored] == [r["EVENT_DATE"] for r in expected]
    assert [r.fatalities for r in stored] == [int(r["FATALITIES"]) if r["FATALITIES"] else None
                                              for r in expected]  # fmt: skip


# -- totals against a count made another way -----------------------------------------------------


def test_totals_per_governorate_equal_a_count_with_the_csv_module_and_shapely(
    syria: Store, shared_data: Path, tmp_path: Path
) -> None:
    with (shared_data / COMMUNITIES).open(encoding="utf-8") as fh:
        communities = list(csv.reader(fh))[2:]
    rng = random.Random(3)
    events = []
    origin = {}  # event -> its community's governorate, for a point outside every polygon
    for k in range(300):
        c = rng.choice(communities)
        origin[f"SYR{k}"] = c[5]
        events.append(
            acled_row(event_id_cnty=f"SYR{k}", event_date=f"{rng.randint(1, 28)} March 2016",
                event_type=rng.choice(["Battles", "Explosions/Remote violence", "Protests"]),
                latitude=f"{float(c[21]) + rng.uniform(-0.003, 0.003):.5f}",
                longitude=f"{float(c[22]) + rng.uniform(-0.003, 0.003):.5f}",
                location=c[16], fatalities=rng.randint(0, 9))
        )  # fmt: skip
    path = write_acled(tmp_path / "acled.csv", events)
    import_file(syria, path, ImportOptions(source="ACLED"))
    # The same count another way: the csv module reads the file, shapely's contains_xy puts each
    # point in a governorate polygon of the COD's adm1 layer (which lagebild never saw).
    with pyshp.Reader(str(shared_data / ADM.format("adm1"))) as reader:
        governorates = {
            r.record["ADM1_PCODE"]: shape(r.shape.__geo_interface__)
            for r in reader.iterShapeRecords()
        }
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    lat = np.array([float(r["latitude"]) for r in rows])
    lon = np.array([float(r["longitude"]) for r in rows])
    governorate: list[str | None] = [None] * len(rows)
    for pcode, polygon in governorates.items():
        for i in np.flatnonzero(shapely.contains_xy(polygon, lon, lat)).tolist():
            governorate[i] = pcode
    outside = [i for i, g in enumerate(governorate) if g is None]
    for i in outside:  # lagebild takes the nearest community for these: the one jittered from
        governorate[i] = origin[rows[i]["event_id_cnty"]]
    assert len(outside) < 10
    events_by: Counter[str | None] = Counter()
    killed_by: Counter[str | None] = Counter()
    types_by: Counter[tuple[str | None, str]] = Counter()
    for i, pcode in enumerate(governorate):
        events_by[pcode] += 1
        killed_by[pcode] += int(rows[i]["fatalities"])
        types_by[pcode, rows[i]["event_type"]] += 1
    summary = incident_summary(syria, level="adm1")
    assert {r.pcode: r.events for r in summary.places} == dict(events_by)
    assert {r.pcode: r.fatalities for r in summary.places} == dict(killed_by)
    assert {(r.pcode, t): n for r in summary.places for t, n in r.by_type.items()} == dict(types_by)
    assert summary.total.events == len(rows) and summary.unplaced == 0
    # A period: only the first ten days of March.
    early = [r for r in rows if int(r["event_date"].split()[0]) <= 10]
    part = incident_summary(syria, date_from=date(2016, 3, 1), date_to=date(2016, 3, 10))
    assert part.total.events == len(early)
    assert part.total.fatalities == sum(int(r["fatalities"]) for r in early)


def test_totals_of_the_hxl_form_roll_up_the_p_code_tree_as_the_csv_module_counts(
    syria: Store, tmp_path: Path
) -> None:
    lines = ["#event+code,#date+occurred,#event+type,#affected+killed,#adm3+code,#description"]
    rng = random.Random(9)
    codes = ["SY020000", "SY020001", "SY030200", "SY070000", "SY090100", "SY030200"]
    for k in range(120):
        note = "aid convoy hit" if k % 17 == 0 else "clashes"
        lines.append(f"E{k},2016-04-{k % 28 + 1:02d},Battles,{rng.randint(0, 5)},"
                     f"{rng.choice(codes)},{note}")  # fmt: skip
    (tmp_path / "hxl.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_file(syria, tmp_path / "hxl.csv")
    with (tmp_path / "hxl.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for level, width in (("adm1", 4), ("adm2", 6), ("adm3", 8)):
        expected_events: Counter[str] = Counter()
        expected_killed: Counter[str] = Counter()
        expected_aid: Counter[str] = Counter()
        for r in rows:
            code = r["#adm3+code"][:width]
            expected_events[code] += 1
            expected_killed[code] += int(r["#affected+killed"])
            expected_aid[code] += "aid convoy" in r["#description"]
        summary = incident_summary(syria, level=level)
        assert {r.pcode: r.events for r in summary.places} == dict(expected_events)
        assert {r.pcode: r.fatalities for r in summary.places} == dict(expected_killed)
        assert {r.pcode: r.attacks_on_aid for r in summary.places} == {
            k: v for k, v in expected_aid.items() if k in expected_events
        }
    aleppo = incident_summary(syria, place="SY02")
    assert aleppo.level == "adm2" and [r.pcode for r in aleppo.places] == ["SY0200"]
    assert aleppo.total.events == sum(r["#adm3+code"].startswith("SY02") for r in rows)


# -- failure paths -------------------------------------------------------------------------------


def test_bad_dates_coordinates_and_fatalities_fail_the_import_naming_row_column_and_value(
    small: Store, tmp_path: Path
) -> None:
    path = write_acled(
        tmp_path / "bad.csv",
        [
            acled_row(event_id_cnty="A1", event_date="31 February 2016", fatalities="1"),
            acled_row(event_id_cnty="A2", event_date="2016-13-01"),
            acled_row(
                event_id_cnty="A3", event_date="1 March 2016", latitude="95.1", longitude="36.2"
            ),  # fmt: skip
            acled_row(event_id_cnty="A4", event_date="1 March 2016", longitude="36.2"),
            acled_row(event_id_cnty="A5", event_date="1 March 2016", fatalities="-3"),
            acled_row(event_id_cnty="A6", event_date="1 March 2016", fatalities="2.5"),
            acled_row(event_id_cnty="A7", event_date=""),
            acled_row(
                event_id_cnty="A8",
                event_date="1 March 2016",
                latitude="33.5",
                longitude="36.3",
                location="Damascus",
                fatalities="4",
            ),  # fmt: skip
        ],
    )
    with pytest.raises(ImportFailed) as caught:
        import_file(small, path)
    found = [(p.row, p.code, p.column, p.value) for p in caught.value.report.errors]
    assert sorted(found, key=lambda f: f[0] or 0) == [
        (2, "not-a-date", "B #date+occurred", "31 February 2016"),
        (3, "not-a-date", "B #date+occurred", "2016-13-01"),
        (4, "out-of-range", "W #geo+lat", "95.1"),
        (5, "half-a-coordinate", "W #geo+lat", None),
        (6, "negative", "AC #affected+killed", "-3"),
        (7, "not-whole", "AC #affected+killed", "2.5"),
        (8, "no-date", "B #date+occurred", None),
    ]
    assert any("there is no month 13" in p.reason for p in caught.value.report.errors)
    assert incident_list(small) == []  # all or nothing: the good row 9 is not written either
    assert [r.status for r in all_imports(small)] == ["committed"]  # the gazetteer only


def test_an_incident_file_without_a_date_column_is_refused_row_by_row(
    small: Store, tmp_path: Path
) -> None:
    (tmp_path / "nodate.csv").write_text(
        "#event+code,#event+type,#loc+name\nE1,Battles,Douma\n", encoding="utf-8"
    )
    with pytest.raises(ImportFailed) as caught:
        import_file(small, tmp_path / "nodate.csv")
    (error,) = caught.value.report.errors
    assert (error.row, error.code) == (2, "no-date")


def test_skip_invalid_keeps_the_good_rows_and_an_unplaced_event_is_kept_not_dropped(
    small: Store, tmp_path: Path
) -> None:
    path = write_acled(
        tmp_path / "mixed.csv",
        [
            acled_row(event_id_cnty="G1", event_date="1 March 2016", location="Nowhere"),
            acled_row(event_id_cnty="B1", event_date="not a date"),
        ],
    )
    report = import_file(small, path, ImportOptions(skip_invalid=True))
    assert report.rows_written == 1 and report.rows_rejected == 1
    (kept,) = incident_list(small)
    assert (kept.event_code, kept.place_id, kept.placed_by) == ("G1", None, "none")
    assert report.rejects_path is not None and report.rejects_path.exists()


def test_an_incidents_import_can_be_undone(small: Store, tmp_path: Path) -> None:
    path = write_acled(tmp_path / "a.csv", [acled_row(event_id_cnty="U1", event_date="1 May 2016")])
    report = import_file(small, path)
    code, out = run(small, "import", "--undo", str(report.import_id))
    assert code == 0 and "1 incidents removed" in out
    assert incident_list(small) == []
    report = import_file(small, path)  # the same file may come again once undone
    assert report.rows_written == 1


def test_attack_on_aid_follows_the_documented_words() -> None:
    assert is_attack_on_aid("Attack on humanitarian workers", None)
    assert is_attack_on_aid(None, "An AID CONVOY was shelled near Urum al-Kubra.")
    assert is_attack_on_aid(None, "قصف قافلة مساعدات")
    assert is_attack_on_aid(None, "مقتل عامل اغاثة")  # alef without hamza: normalised
    assert not is_attack_on_aid("Armed clash", "Clashes between two groups.")
    assert not is_attack_on_aid(None, None)


# -- the command line ----------------------------------------------------------------------------


def test_incidents_command_lists_sums_and_shows_them_beside_access(
    small: Store, tmp_path: Path
) -> None:
    (tmp_path / "access.csv").write_text(
        "#adm4+code,#access,#group+besieging,#date+start\n"
        "C2338,besieged,Government of Syria and allies,2013-04-01\n"
        "C2338,accessible,,2018-04-14\n",
        encoding="utf-8",
    )
    import_file(small, tmp_path / "access.csv")
    path = write_acled(
        tmp_path / "e.csv",
        [
            acled_row(event_id_cnty="D1", event_date="7 February 2017", event_type=(
                "Explosions/Remote violence"), sub_event_type="Air/drone strike",
                latitude="33.5721", longitude="36.4021", location="Douma", fatalities="12"),
            acled_row(event_id_cnty="D2", event_date="1 June 2018", event_type="Protests",
                latitude="33.5721", longitude="36.4021", location="Douma", fatalities="0"),
            acled_row(event_id_cnty="D3", event_date="1 June 2012", event_type="Protests",
                latitude="33.5721", longitude="36.4021", location="Douma"),
            acled_row(event_id_cnty="D5", event_date="1 January 2016", event_type="Battles",
                admin1="Rural Damascus"),
        ],
    )  # fmt: skip
    import_file(small, path)
    code, out = run(small, "access", "C2338")
    assert code == 0, out
    lines = out.splitlines()
    besieged = lines.index("  2013-04-01 .. 2018-04-14: besieged by Government of Syria and allies")
    assert lines[besieged + 1] == "    1 incident(s), 12 killed, 0 attack(s) on aid"
    assert "2017-02-07 Explosions/Remote violence (Air/drone strike) at Douma" in out
    assert "2018-06-01 Protests at Douma" in lines[besieged + 5]
    code, out = run(small, "access", "C2338", "--format", "json")
    periods = json.loads(out)["incidents"]
    assert [(p["status"], p["events"]) for p in periods] == [
        (None, 1),
        ("besieged", 1),
        ("accessible", 1),
    ]
    code, out = run(small, "incidents", "--level", "adm4", "--format", "csv")
    assert code == 0, out
    table = list(csv.DictReader(io.StringIO(out)))
    assert [(r["P-code"], r["Events"], r["Fatalities"]) for r in table] == [
        ("C2338", "3", "12"),
        ("(total)", "4", "12"),
    ]
    code, out = run(small, "incidents", "--list", "--place", "SY03", "--format", "json")
    listed = json.loads(out)["incidents"]
    assert [(i["event_code"], i["placed_by"], i["pcode"]) for i in listed] == [
        ("D3", "nearest", "C2338"),
        ("D5", "name", "SY03"),
        ("D1", "nearest", "C2338"),
        ("D2", "nearest", "C2338"),
    ]
    code, out = run(small, "incidents", "--place", "SY99")
    assert code == 1 and "unknown P-code 'SY99'" in out
    code, out = run(small, "incidents", "--unplaced")
    assert code == 2 and "--unplaced and --limit go with --list" in out
