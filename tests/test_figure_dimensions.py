"""Figures as the field publishes them (issue 10, point 3): stocks apart from flows, wide files
with +f/+m/+age columns and long-form tables (HDX HAPI) keep their disaggregation as dimensions;
a place's figure is its total row.

The expected numbers are computed here another way, with the csv module from the files."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from lagebild.ingest import ImportFailed, ImportOptions, import_file
from lagebild.ingest.columns import figure_indicator
from lagebild.ingest.read import Column
from lagebild.ingest.tags import Tag
from lagebild.store import Store
from lagebild.store import schema as t
from lagebild.store.figures import figures_on
from lagebild.store.places import all_places
from lagebild.store.summary import row_counts

FIXTURES = ("hxl", "hdx_fixtures")
AFG = "hapi-pipelines__population_afg_afg_admpop_adm1_2021_v2.csv"
MLI = "hapi-pipelines__download-hno-data-mli.csv"


def column(tag: str) -> Column:
    return Column(0, "A", None, Tag.parse(tag))


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# -- what a figure column's tag says ----------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "indicator", "sector", "dimensions"),
    [
        ("#affected+idps", "idps", "", ("", "", "", "")),
        ("#affected+idps+stock", "idps", "", ("", "", "", "")),
        ("#affected+idps+ind", "idps", "", ("", "", "", "")),
        ("#affected+idps+arrivals", "idps_arrivals", "", ("", "", "", "")),
        ("#affected+idps+departures", "idps_departures", "", ("", "", "", "")),
        ("#affected+idps+newdisp", "idps_new", "", ("", "", "", "")),
        ("#affected+idps+new+conflict", "idps_new_conflict", "", ("", "", "", "")),
        ("#affected+idps+disaster", "idps_disaster", "", ("", "", "", "")),
        ("#affected+returnees", "returnees", "", ("", "", "", "")),
        ("#affected+idps+returnees", "returnees", "", ("", "", "", "")),
        ("#affected+refugees", "refugees", "", ("", "", "", "")),
        ("#affected+refugees+arrivals", "refugees_arrivals", "", ("", "", "", "")),
        ("#affected", "affected", "", ("", "", "", "")),
        ("#affected+f", "affected", "", ("f", "", "", "")),
        ("#targeted", "targeted", "", ("", "", "", "")),
        ("#targeted+health", "targeted", "health", ("", "", "", "")),
        ("#inneed+f", "inneed", "", ("f", "", "", "")),
        ("#inneed+m+children", "inneed", "", ("m", "children", "", "")),
        ("#inneed+idps", "inneed", "", ("", "", "idps", "")),
        ("#inneed+disabled", "inneed", "", ("", "", "", "y")),
        ("#inneed+pwd+f", "inneed", "", ("f", "", "", "y")),
        ("#inneed+pct", "inneed_share", "", ("", "", "", "")),
        ("#population+children", "population", "", ("", "children", "", "")),
        ("#population+age0_4+f", "population", "", ("f", "0-4", "", "")),
        ("#population+infants+age0_4", "population", "", ("", "0-4", "", "")),
        ("#population+elderly+age80plus+m", "population", "", ("m", "80+", "", "")),
        ("#population+age65plus", "population", "", ("", "65+", "", "")),
        ("#population+adults", "population", "", ("", "adults", "", "")),
        ("#population+ind", "population", "", ("", "", "", "")),
        ("#reached", "reached_figure", "", ("", "", "", "")),
    ],
)
def test_a_figure_tag_gives_its_own_indicator_and_dimensions(
    tag: str, indicator: str, sector: str, dimensions: tuple[str, str, str, str]
) -> None:
    found = figure_indicator(column(tag))
    assert found, found
    assert (found.indicator, found.sector, found.dimensions) == (indicator, sector, dimensions)


@pytest.mark.parametrize(
    ("tag", "unknown"),
    [
        ("#affected+idps+sheltered", ("sheltered",)),
        ("#affected+killed", ("killed",)),
        ("#inneed+besieged", ("besieged",)),
        ("#affected+arrivals", ("arrivals",)),
        ("#population+f+m", ("f", "m")),
        ("#inneed+hh", ("hh",)),
        ("#targeted+percentage", ("percentage",)),  # of the people in need: no population share
    ],
)
def test_an_attribute_lagebild_does_not_understand_is_named_never_dropped(
    tag: str, unknown: tuple[str, ...]
) -> None:
    found = figure_indicator(column(tag))
    assert found is not None and not found
    assert found.unknown_attributes == unknown
    assert found.reason and tag in str(found.reason)


def test_columns_of_other_hashtags_are_no_figure_columns() -> None:
    assert figure_indicator(column("#population+sex")) is None  # the gender column of a row
    assert figure_indicator(column("#adm1+code")) is None
    assert figure_indicator(column("#org+impl")) is None


def test_stock_and_flows_of_one_file_are_stored_apart_never_mixed(
    sqlite_store: Store, tmp_path: Path
) -> None:
    places = "#country+code,#adm1+code,#adm1+name\nSY,SY02,Aleppo\n"
    import_file(sqlite_store, write(tmp_path / "g.csv", places))
    import_file(
        sqlite_store,
        write(
            tmp_path / "idp.csv",
            "#adm1+code,#date,#affected+idps,#affected+idps+arrivals,#affected+idps+departures\n"
            "SY02,2017-01-31,1000,300,50\n",
        ),
        ImportOptions(kind="figures"),
    )
    with sqlite_store.engine.connect() as conn:
        got = dict(conn.execute(select(t.figures.c.indicator, t.figures.c.value)).all())
    assert got == {"idps": 1000, "idps_arrivals": 300, "idps_departures": 50}
    assert [r.value for r in figures_on(sqlite_store, "idps", "", date(2017, 2, 1))] == [1000]


# -- a wide file: Afghanistan's population by sex and age --------------------------------------


def afghanistan(store: Store, shared_data: Path, tmp_path: Path) -> list[dict[str, str]]:
    path = shared_data.joinpath(*FIXTURES, AFG)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header = [h.strip() for h in rows[0]]
    data = [dict(zip(header, r, strict=True)) for r in rows[2:]]
    gazetteer = "#country+code,#adm1+code,#adm1+name\n" + "".join(
        f"AF,{r['Admin1_Code']},{r['Admin1_Name']}\n" for r in data
    )
    import_file(store, write(tmp_path / "afg.csv", gazetteer))
    import_file(store, path, ImportOptions(date=date(2021, 1, 1), source="AGCHO/UNFPA"))
    return data


def test_a_wide_file_keeps_every_cell_with_its_gender_and_age(
    sqlite_store: Store, shared_data: Path, tmp_path: Path
) -> None:
    data = afghanistan(sqlite_store, shared_data, tmp_path)
    # Expected from the human header row (F_05_09, M_80plus, T_TL), not from the hashtags.
    expected = {}
    for row in data:
        for name, value in row.items():
            m = re.fullmatch(r"([FMT])_(TL|(\d\d)_(\d\d)|(\d\d)plus)", name)
            if m is None:
                continue
            sex, _, low, high, open_low = m.groups()
            gender = {"F": "f", "M": "m", "T": ""}[sex]
            age = "" if m.group(2) == "TL" else (
                f"{int(open_low)}+" if open_low else f"{int(low)}-{int(high)}"
            )  # fmt: skip
            expected[(row["Admin1_Code"], gender, age)] = float(value)
    f, p = t.figures, t.places
    with sqlite_store.engine.connect() as conn:
        stored = conn.execute(
            select(p.c.pcode, f.c.gender, f.c.age, f.c.population_group, f.c.disability,
                   f.c.indicator, f.c.value).join(p, p.c.id == f.c.place_id)
        ).all()  # fmt: skip
    assert len(data) == 34 and len(expected) == 34 * 54
    assert {(r[0], r[1], r[2]): r[6] for r in stored} == expected
    assert len(stored) == len(expected)
    assert {(r[3], r[4], r[5]) for r in stored} == {("", "", "population")}
    # The place's figure is its total (T_TL), never an age group.
    totals = figures_on(sqlite_store, "population", "", date(2022, 1, 1))
    current = {r.place_id: r.value for r in totals}
    ids = {p.pcode: p.id for p in all_places(sqlite_store)}
    assert {code: current[ids[code]] for code in {r["Admin1_Code"] for r in data}} == {
        r["Admin1_Code"]: float(r["T_TL"]) for r in data
    }


# -- a long-form table: Mali's humanitarian needs in HDX HAPI's shape ---------------------------

MLI_DATE = date(2024, 1, 1)
TOTAL_WORDS = {"", "all", "a"}
VALUE_COLUMNS = {
    "Population": "population",
    "In Need": "inneed",
    "Targeted": "targeted",
    "Affected": "affected",
    "Reached": "reached_figure",
}


def mali_rows(shared_data: Path) -> list[dict[str, str]]:
    path = shared_data.joinpath(*FIXTURES, MLI)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[2:]]


def mali_gazetteer(tmp_path: Path, rows: list[dict[str, str]], countries: str = "ML") -> Path:
    """Mali from the file's own codes, under a country row ML (and others given)."""
    lines = ["#country+code,#country+name,#adm1+code,#adm1+name,#adm2+code,#adm2+name"]
    lines += [f"{c},{c},,,," for c in countries.split(",")]
    # The file names no places: each is named by its code, as a gazetteer needs a name.
    lines += sorted(
        {f"ML,ML,{r['Admin 1 PCode']},{r['Admin 1 PCode']},," for r in rows if r["Admin 1 PCode"]}
    )
    lines += sorted(
        {
            f"ML,ML,{r['Admin 1 PCode']},{r['Admin 1 PCode']},{r['Admin 2 PCode']},"
            f"{r['Admin 2 PCode']}"
            for r in rows
            if r["Admin 2 PCode"]
        }
    )
    return write(tmp_path / "mli_gazetteer.csv", "\n".join(lines) + "\n")


def is_total(row: dict[str, str]) -> bool:
    return all(
        row[c].strip().lower() in TOTAL_WORDS
        for c in ("Gender", "Age Range", "Disabled", "Population Group")
    )


def test_a_long_form_table_gives_each_place_its_total_row_and_keeps_the_rest_as_dimensions(
    sqlite_store: Store, shared_data: Path, tmp_path: Path
) -> None:
    from lagebild.analysis import situation
    from lagebild.analysis.figures import current_figures

    rows = mali_rows(shared_data)
    import_file(sqlite_store, mali_gazetteer(tmp_path, rows))
    report = import_file(
        sqlite_store,
        shared_data.joinpath(*FIXTURES, MLI),
        ImportOptions(kind="figures", date=MLI_DATE, source="OCHA HNO Mali"),
    )
    # Every non-blank value cell is a figure; the disaggregated ones carry their dimensions.
    cells = [(r, VALUE_COLUMNS[c]) for r in rows for c in VALUE_COLUMNS if r[c].strip()]
    assert report.records_written == len(cells)
    # The national rows go to Mali, the gazetteer's only country, and the import says so once.
    national = [p for p in report.problems if p.code == "national-rows"]
    first = 3 + next(i for i, r in enumerate(rows) if not r["Admin 1 PCode"])
    assert len(national) == 1 and f"row {first}) are taken as national figures of ML" in (
        national[0].reason
    )
    f = t.figures
    with sqlite_store.engine.connect() as conn:
        stored = conn.execute(
            select(f.c.indicator, f.c.sector, f.c.gender, f.c.age, f.c.population_group,
                   f.c.disability, f.c.value)
        ).all()  # fmt: skip
    disaggregated = [s for s in stored if any(s[2:6])]
    assert len(disaggregated) == sum(1 for r, _ in cells if not is_total(r)) > 0
    assert {s[2] for s in stored} == {"", "f", "m"}
    assert {s[3] for s in stored} == {"", "0-17", "18-64", "65+"}
    assert {s[4] for s in stored} == {"", "idps", "rri"}
    assert {s[5] for s in stored} == {""}
    assert "all" not in {s[1] for s in stored}  # ALL is inter-sector, not a sector "all"
    assert sum(1 for s in stored if s[1] == "") == sum(
        1 for r, _ in cells if r["Sector"] == "ALL"
    )
    # Mali's inter-sector people in need: the national total row, not a sum of age groups.
    (national,) = [
        r for r in rows
        if not r["Admin 1 PCode"] and not r["Admin 2 PCode"] and r["Sector"] == "ALL"
        and is_total(r)
    ]  # fmt: skip
    assert float(national["In Need"]) == 7_107_194
    ids = {p.pcode: p.id for p in all_places(sqlite_store)}
    need = current_figures(sqlite_store, "inneed", MLI_DATE)
    assert need[ids["ML"]].value == 7_107_194
    # Each place's figure is its own total row, for every place that has one.
    expected = {
        r["Admin 2 PCode"] or r["Admin 1 PCode"] or "ML": float(r["In Need"])
        for r in rows
        if r["Sector"] == "ALL" and is_total(r) and r["In Need"].strip()
    }
    assert {code: need[ids[code]].value for code in expected} == expected
    assert set(need) == {ids[code] for code in expected}
    # The situation shows the same numbers: the total row, never a sum of age groups.
    result = situation(sqlite_store, MLI_DATE, level=1)
    assert result.total is not None and result.total.people_in_need is not None
    assert result.total.people_in_need.value == 7_107_194
    for row in result.places:
        if row.pcode in expected:
            assert row.people_in_need is not None
            assert row.people_in_need.value == expected[row.pcode]


def test_national_rows_need_to_know_the_country(
    sqlite_store: Store, shared_data: Path, tmp_path: Path
) -> None:
    rows = mali_rows(shared_data)
    import_file(sqlite_store, mali_gazetteer(tmp_path, rows, countries="ML,BF"))
    path = shared_data.joinpath(*FIXTURES, MLI)
    national = [
        i + 3 for i, r in enumerate(rows) if not r["Admin 1 PCode"] and not r["Admin 2 PCode"]
    ]
    with pytest.raises(ImportFailed) as failed:
        import_file(sqlite_store, path, ImportOptions(kind="figures", date=MLI_DATE))
    problems = [p for p in failed.value.report.problems if p.code == "national-row"]
    assert sorted(p.row for p in problems) == national and len(national) == 40
    assert "--country" in problems[0].reason and "BF, ML" in problems[0].reason
    assert row_counts(sqlite_store)["figures"] == 0
    with pytest.raises(ImportFailed) as failed:
        import_file(
            sqlite_store, path, ImportOptions(kind="figures", date=MLI_DATE, country="NE")
        )
    assert "--country NE is not a country" in failed.value.report.problems[0].reason
    import_file(sqlite_store, path, ImportOptions(kind="figures", date=MLI_DATE, country="ml"))
    assert row_counts(sqlite_store)["figures"] > 0


def test_national_rows_without_a_country_in_the_gazetteer_are_refused(
    sqlite_store: Store, tmp_path: Path
) -> None:
    import_file(sqlite_store, write(tmp_path / "g.csv", "#adm1+code,#adm1+name\nML01,Kayes\n"))
    path = write(
        tmp_path / "hno.csv",
        "#adm1+code,#sector+code,#gender+code,#inneed\n,ALL,a,100\nML01,ALL,a,40\n",
    )
    with pytest.raises(ImportFailed) as failed:
        import_file(sqlite_store, path, ImportOptions(kind="figures", date=MLI_DATE))
    (problem,) = failed.value.report.problems
    assert problem.row == 2 and problem.code == "national-row"  # the row after the tags
    assert "the gazetteer has no country" in problem.reason


# -- the rule: the total row, else disaggregated rows only where they partition it --------------


def pin(store: Store, tmp_path: Path, body: str, source: str = "HNO") -> None:
    path = write(tmp_path / "pin.csv", "#adm1+code,#gender,#age+range,#population_group,#inneed\n"
                 + body)  # fmt: skip
    import_file(store, path, ImportOptions(kind="figures", date=MLI_DATE, source=source))


@pytest.fixture
def syria(sqlite_store: Store, tmp_path: Path) -> Store:
    import_file(
        sqlite_store,
        write(
            tmp_path / "g.csv",
            "#country+code,#country+name,#adm1+code,#adm1+name\n"
            "SY,Syria,,\nSY,Syria,SY01,Damascus\nSY,Syria,SY02,Aleppo\n",
        ),
    )
    return sqlite_store


def need_of(store: Store, pcode: str) -> float | None:
    from lagebild.analysis import situation

    result = situation(store, MLI_DATE, level=1)
    (row,) = [r for r in result.places if r.pcode == pcode]
    return row.people_in_need.value if row.people_in_need else None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("SY01,all,all,,1000\nSY01,f,,,400\nSY01,m,,,500\n", 1000),  # the total row wins
        ("SY01,f,,,400\nSY01,m,,,500\n", 900),  # f and m partition it
        ("SY01,,0-17,,300\nSY01,,18-64,,500\nSY01,,65+,,100\n", 900),  # every age once
        ("SY01,f,0-17,,1\nSY01,f,18+,,2\nSY01,m,0-4,,3\nSY01,m,5+,,4\n", 10),  # ages per gender
        ("SY01,,0-17,,300\nSY01,,18-64,,500\n", None),  # the oldest left out
        ("SY01,,0-17,,300\nSY01,,10-64,,500\nSY01,,65+,,100\n", None),  # overlap
        ("SY01,,children,,300\nSY01,,adults,,500\n", None),  # words: ranges unknown
        ("SY01,f,,,400\n", None),  # one gender only
        ("SY01,,,idps,400\nSY01,,,host,500\n", None),  # population groups never add up
        ("SY01,f,,,400\nSY01,m,,,500\nSY01,m,,,500\n", None),  # the same cell twice
        ("SY01,f,,,400\nSY01,m,,,500\nSY01,o,,,20\n", None),  # a third gender: f+m is not all
    ],
)
def test_a_place_s_figure_is_its_total_row_or_a_partition_of_it_else_unknown(
    syria: Store, tmp_path: Path, body: str, expected: float | None
) -> None:
    pin(syria, tmp_path, body)
    assert need_of(syria, "SY01") == expected
    # The country has no row: the sum of its regions, where they are known.
    from lagebild.analysis.figures import current_figures

    assert len(current_figures(syria, "inneed", MLI_DATE)) == (0 if expected is None else 1)


def test_explain_names_the_rows_a_partition_sum_adds_up(syria: Store, tmp_path: Path) -> None:
    from lagebild.analysis.trust import explain, explanation_lines

    pin(syria, tmp_path, "SY01,f,,,400\nSY01,m,,,500\n")
    found = explain(syria, MLI_DATE, "SY01", "inneed").as_dict()
    node = found["figures"]
    assert node["value"] == 900
    assert [p["value"] for p in node["chosen"]["parts"]] == [400, 500]
    assert [p["dimensions"]["gender"] for p in node["chosen"]["parts"]] == ["f", "m"]
    text = "\n".join(explanation_lines(explain(syria, MLI_DATE, "SY01", "inneed")))
    assert "part: 400" in text and "part: 500" in text


# -- showing the disaggregation: --by gender|age|population-group ------------------------------


def cli(*args: str) -> str:
    from click.testing import CliRunner

    from lagebild.cli import main

    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def mali(tmp_path: Path, shared_data: Path) -> tuple[str, list[dict[str, str]]]:
    db = str(tmp_path / "mali.db")
    rows = mali_rows(shared_data)
    cli("--db", db, "import", str(mali_gazetteer(tmp_path, rows)))
    cli("--db", db, "import", "--kind", "figures", "--date", MLI_DATE.isoformat(),
        str(shared_data.joinpath(*FIXTURES, MLI)))  # fmt: skip
    return db, rows


def national_need(rows: list[dict[str, str]], **where: str) -> list[float]:
    """People in need of Mali's inter-sector national rows matching ``where`` (column: value)."""
    return [
        float(r["In Need"])
        for r in rows
        if not r["Admin 1 PCode"] and not r["Admin 2 PCode"] and r["Disabled"] == "a"
        and all(r[k] == v for k, v in {"Sector": "ALL", **where}.items())
        and r["In Need"].strip()
    ]  # fmt: skip


@pytest.mark.parametrize("level", ["adm1", "adm2"])
def test_situation_by_gender_lists_the_parts_beside_a_total_that_is_the_place_s_figure(
    mali: tuple[str, list[dict[str, str]]], level: str
) -> None:
    import json

    db, rows = mali
    data = json.loads(cli("--db", db, "situation", "--as-of", "2024-06-01", "--level", level,
                          "--by", "gender", "--format", "json"))  # fmt: skip
    need = {p["pcode"]: p["people_in_need"]["value"] for p in data["places"] if p["people_in_need"]}
    need["ML"] = data["total"]["people_in_need"]["value"]
    listed = data["disaggregation"]["places"]
    assert listed and data["disaggregation"]["by"] == "gender"
    for place in listed:  # the people in need of a place always equal its total row
        assert place["inneed"]["total"] == need[place["pcode"]]
    (ml,) = [p for p in listed if p["pcode"] == "ML"]
    assert ml["inneed"]["total"] == 7_107_194
    # f and m: the sum of their age ranges (0-17, 18-64, 65+), computed from the file.
    for gender in ("f", "m"):
        ages = national_need(rows, **{"Gender": gender, "Population Group": "ALL"})
        assert len(ages) == 3
        assert ml["inneed"]["values"][gender] == pytest.approx(sum(ages))


def test_situation_by_age_and_by_population_group_match_the_file(
    mali: tuple[str, list[dict[str, str]]],
) -> None:
    import json

    db, rows = mali
    by_age = json.loads(cli("--db", db, "situation", "--as-of", "2024-06-01", "--by", "age",
                            "--format", "json"))["disaggregation"]["places"]  # fmt: skip
    (ml,) = [p for p in by_age if p["pcode"] == "ML"]
    for age in ("0-17", "18-64", "65+"):
        both = national_need(rows, **{"Age Range": age, "Population Group": "ALL"})
        assert len(both) == 2 and ml["inneed"]["values"][age] == pytest.approx(sum(both))
    assert list(ml["inneed"]["values"]) == ["0-17", "18-64", "65+"]
    # Population groups come in the WASH rows only: by gender and age, summed where complete.
    by_group = json.loads(cli("--db", db, "situation", "--as-of", "2024-06-01", "--sector", "WSH",
                              "--by", "population-group", "--format", "json"))  # fmt: skip
    (ml,) = [p for p in by_group["disaggregation"]["places"] if p["pcode"] == "ML"]
    assert ml["inneed"]["total"] == national_need(rows, Sector="WSH", Gender="a")[0] == 3_211_436
    for code, group in (("IDP", "idps"), ("RRI", "rri")):
        parts = [
            float(r["In Need"]) for r in rows
            if not r["Admin 1 PCode"] and not r["Admin 2 PCode"] and r["Sector"] == "WSH"
            and r["Population Group"] == code
        ]  # fmt: skip
        assert len(parts) == 6 and ml["inneed"]["values"][group] == pytest.approx(sum(parts))
    table = cli("--db", db, "situation", "--as-of", "2024-06-01", "--sector", "WSH", "--by",
                "population-group")  # fmt: skip
    assert "By population group" in table and "idps" in table


def test_gaps_by_gender_keeps_its_json_and_adds_the_breakdown(
    mali: tuple[str, list[dict[str, str]]],
) -> None:
    import json

    db, _ = mali
    plain = json.loads(cli("--db", db, "gaps", "--as-of", "2024-06-01", "--level", "adm2",
                           "--format", "json"))  # fmt: skip
    data = json.loads(cli("--db", db, "gaps", "--as-of", "2024-06-01", "--level", "adm2",
                          "--by", "gender", "--format", "json"))  # fmt: skip
    assert {k: v for k, v in data.items() if k != "disaggregation"} == plain
    need = {p["pcode"]: p["people_in_need"] for p in plain["places"]}
    assert data["disaggregation"]["places"]
    for place in data["disaggregation"]["places"]:
        assert place["inneed"]["total"] == need[place["pcode"]]
    hxl = cli("--db", db, "gaps", "--as-of", "2024-06-01", "--level", "adm2", "--by", "gender",
              "--format", "hxl")  # fmt: skip
    assert hxl.splitlines()[1].startswith("#loc+code,#loc+name,#indicator+code,#gender+code")


def test_figures_of_a_place_show_its_total_first_then_each_disaggregated_series(
    mali: tuple[str, list[dict[str, str]]],
) -> None:
    import json

    db, rows = mali
    data = json.loads(cli("--db", db, "figures", "ML", "--indicator", "people_in_need",
                          "--format", "json"))  # fmt: skip
    inter = [s for s in data["series"] if s["sector"] == ""]
    assert "dimensions" not in inter[0] and inter[0]["current"]["value"] == 7_107_194
    expected = {
        (r["Gender"], r["Age Range"]): float(r["In Need"])
        for r in rows
        if not r["Admin 1 PCode"] and not r["Admin 2 PCode"] and r["Sector"] == "ALL"
        and r["Gender"] != "a"
    }  # fmt: skip
    assert {
        (s["dimensions"]["gender"], s["dimensions"]["age"]): s["current"]["value"]
        for s in inter[1:]
    } == expected
    by_group = json.loads(cli("--db", db, "figures", "ML0402", "--by", "population-group",
                              "--format", "json"))  # fmt: skip
    assert {s["dimensions"]["population_group"] for s in by_group["series"] if "dimensions" in s}
    assert all(s["dimensions"]["population_group"] for s in by_group["series"]
               if "dimensions" in s)  # fmt: skip
    table = cli("--db", db, "figures", "ML", "--indicator", "people_in_need")
    assert "gender f, age 0-17" in table


def test_the_api_gives_the_breakdown_and_the_place_page_only_totals(
    mali: tuple[str, list[dict[str, str]]],
) -> None:
    from fastapi.testclient import TestClient

    from lagebild.web import WebConfig, create_app

    db, rows = mali
    client = TestClient(create_app(WebConfig(db=db)))
    data = client.get("/api/situation", params={"as_of": "2024-06-01", "by": "age"}).json()
    (ml,) = [p for p in data["disaggregation"]["places"] if p["pcode"] == "ML"]
    assert ml["inneed"]["total"] == data["total"]["people_in_need"]["value"] == 7_107_194
    assert set(ml["inneed"]["values"]) == {"0-17", "18-64", "65+"}
    assert "disaggregation" not in client.get("/api/situation",
                                              params={"as_of": "2024-06-01"}).json()  # fmt: skip
    listed = client.get(
        "/api/figures", params={"pcode": "ML", "indicator": "inneed", "sector": "",
                                "as_of": "2024-06-01", "limit": 1000}
    ).json()["items"]  # fmt: skip
    assert {(i["gender"], i["age"]) for i in listed if i["pcode"] == "ML" and not i["sector"]} == {
        ("", ""), ("f", "0-17"), ("f", "18-64"), ("f", "65+"), ("m", "0-17"), ("m", "18-64"),
        ("m", "65+"),
    }  # fmt: skip
    page = client.get("/places/ML", params={"as_of": "2024-06-01"}).text
    assert "7,107,194" in page and "1,937,229" not in page  # never an age group as its figure
    # The place page's breakdown: people in need by age is the f + m rows of each range,
    # computed here from the file's national inter-sector rows.
    national = [r for r in rows if not r["Admin 1 PCode"] and r["Sector"] == "ALL"
                and r["Population Group"] == "ALL" and r["Gender"] != "a"]  # fmt: skip
    by_age: dict[str, float] = {}
    for r in national:
        by_age[r["Age Range"]] = by_age.get(r["Age Range"], 0) + float(r["In Need"])
    assert 'data-by="age" data-indicator="inneed"' in page
    for value in by_age.values():
        assert f"{value:,.0f}" in page


def test_a_gender_column_in_words_and_a_bad_disability_are_read_or_refused_by_row(
    syria: Store, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "t.csv",
        "#adm1+code,#population+sex,#targeted\nSY01,Mujeres,100\nSY01,Hombres,120\n",
    )
    import_file(syria, path, ImportOptions(kind="figures", date=MLI_DATE))
    with syria.engine.connect() as conn:
        got = set(conn.execute(select(t.figures.c.gender, t.figures.c.value)).all())
    assert got == {("f", 100), ("m", 120)}
    bad = write(
        tmp_path / "d.csv",
        "#adm1+code,#is_disabled,#inneed+f,#gender\nSY01,maybe,5,a\nSY02,a,6,m\n",
    )
    with pytest.raises(ImportFailed) as failed:
        import_file(syria, bad, ImportOptions(kind="figures", date=MLI_DATE))
    assert sorted(failed.value.report.flatten()) == [
        (2, "B #is_disabled", "bad-dimension"),
        (3, "D #gender", "dimension-clash"),  # the column says f, the row says m
    ]
    assert [p.value for p in failed.value.report.problems] == ["maybe", "m"]
    assert row_counts(syria)["figures"] == 2  # all or nothing: the refused file wrote none


def test_a_partition_sum_competes_with_totals_by_the_current_figure_rule(
    syria: Store, tmp_path: Path
) -> None:
    """A total of another source stands beside a partition sum like any figure: the latest wins;
    a total of the same place, date and source leaves the parts unsummed."""
    older = write(tmp_path / "old.csv", "#adm1+code,#date,#inneed\nSY01,2023-12-01,700\n")
    import_file(syria, older, ImportOptions(kind="figures", source="Cluster"))
    pin(syria, tmp_path, "SY01,f,,,400\nSY01,m,,,500\n")  # HNO, 2024-01-01: no total row
    assert need_of(syria, "SY01") == 900
    same_day = write(tmp_path / "total.csv", "#adm1+code,#date,#inneed\nSY01,2024-01-01,950\n")
    import_file(syria, same_day, ImportOptions(kind="figures", source="HNO"))
    assert need_of(syria, "SY01") == 950  # the HNO's own total now: its parts are not summed
