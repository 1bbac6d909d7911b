"""Proof on real data (issue 2, point 9): the OCHA gazetteer, the 2023 HNO and a real 4W.

Every expected number is computed here another way, with the csv module straight from the files.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from lagebild.analysis import gaps, situation
from lagebild.ingest import ImportFailed, ImportOptions, import_file, load_tag_map
from lagebild.store import Store
from lagebild.store.places import all_places
from lagebild.store.summary import row_counts

TAGS = Path(__file__).parent / "data"
AS_OF = date(2023, 3, 31)
WINDOW = 45


def rows_of(path: Path, skip: int = 0) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        for _ in range(skip):
            next(reader)
        return [dict(zip(header, r, strict=False)) for r in reader]


@pytest.fixture
def syria(shared_data: Path) -> Path:
    return shared_data / "syria"


def load_gazetteer(store: Store, syria: Path) -> None:
    cod = syria / "cod_ab_2020-12-17"
    for name in ("syr_adm1.csv", "syr_adm2.csv", "syr_adm3_with_centroids.csv"):
        import_file(store, cod / name, ImportOptions(source="OCHA COD-AB 2020-12-17"))
    import_file(
        store,
        syria / "locations_2018" / "syr_locations_communities.csv",
        ImportOptions(source="OCHA locations 2018"),
    )


def load_hno(store: Store, syria: Path) -> None:
    import_file(
        store,
        syria / "hno_2023" / "syr_hno2023_intersector_pin_severity_admin3.csv",
        ImportOptions(
            source="OCHA HNO 2023",
            date=date(2023, 3, 15),
            tag_map=load_tag_map(TAGS / "hno_2023_tags.yml"),
        ),
    )


def cash_4w(syria: Path) -> Path:
    return syria / "cash_4w_2023" / "syr_nws_cash_4w_2023-02_03.csv"


def cash_options(**extra: object) -> ImportOptions:
    return ImportOptions(
        source="NWS Cash Working Group", tag_map=load_tag_map(TAGS / "cash_4w_tags.yml"), **extra
    )  # type: ignore[arg-type]


def test_gazetteer_2020_has_14_governorates_62_districts_272_subdistricts_7693_communities(
    store: Store, syria: Path
) -> None:
    load_gazetteer(store, syria)
    levels = Counter(p.level for p in all_places(store))
    assert levels == {0: 1, 1: 14, 2: 62, 3: 272, 4: 7693}
    aleppo = {p.pcode: p for p in all_places(store)}["C1007"]
    assert (aleppo.name_en, aleppo.name_ar) == ("Aleppo", "حلب")
    assert aleppo.lat == pytest.approx(36.2, abs=0.2)
    # The communities file names adm3 parents, so the tree is whole.
    parents = {p.id: p for p in all_places(store)}
    assert parents[aleppo.parent_id].pcode == "SY020000"  # type: ignore[index]


def test_hno_2023_people_in_need_sum_up_the_tree_as_the_file_says(
    store: Store, syria: Path
) -> None:
    load_gazetteer(store, syria)
    load_hno(store, syria)
    hno = rows_of(syria / "hno_2023" / "syr_hno2023_intersector_pin_severity_admin3.csv")
    by_gov: dict[str, float] = defaultdict(float)
    for r in hno:
        by_gov[r["admin1Pcode"]] += float(r["2023 HNO Inter-sector People in need"] or 0)
    result = situation(store, date(2023, 3, 31), level=1)
    got = {r.pcode: r.people_in_need.value for r in result.places if r.people_in_need}
    assert set(got) == set(by_gov)
    for code, value in by_gov.items():
        assert got[code] == pytest.approx(value), code
    assert result.total is not None and result.total.people_in_need is not None
    assert result.total.people_in_need.value == pytest.approx(sum(by_gov.values()))
    assert result.total.people_in_need.sources == ("OCHA HNO 2023",)


def test_real_4w_strict_import_refuses_it_naming_each_faulty_row(store: Store, syria: Path) -> None:
    load_gazetteer(store, syria)
    raw = rows_of(cash_4w(syria))
    undated = [i + 2 for i, r in enumerate(raw) if not r["End date"] and not r["Start date"]]
    not_found = [i + 2 for i, r in enumerate(raw) if r["Community PCODE"] in ("#N/A", "")]
    with pytest.raises(ImportFailed) as failed:
        import_file(store, cash_4w(syria), cash_options())
    report = failed.value.report
    assert sorted(e.row for e in report.errors if e.code == "no-date") == undated
    assert {e.code for e in report.errors} == {"no-date"}
    warned = {w.row for w in report.warnings if w.code in ("unknown-pcode", "blank-pcode")}
    assert set(not_found) <= warned
    assert row_counts(store)["deliveries"] == 0


def test_real_4w_skip_invalid_loads_the_rest_and_gaps_agree_with_the_file(
    store: Store, syria: Path, tmp_path: Path
) -> None:
    load_gazetteer(store, syria)
    load_hno(store, syria)
    rejects = tmp_path / "rejects.csv"
    report = import_file(store, cash_4w(syria), cash_options(skip_invalid=True, rejects=rejects))
    raw = rows_of(cash_4w(syria))
    dated = [r for r in raw if r["End date"] or r["Start date"]]
    assert report.rows_written == len(dated) == 383
    assert row_counts(store)["deliveries"] == 383
    with rejects.open(encoding="utf-8") as fh:
        assert len(list(csv.reader(fh))) == 2 + len(raw) - len(dated)

    # The same numbers another way: community -> sub-district from the locations file, else the
    # row's own sub-district code; people reached in the window; PiN from the HNO file.
    community_adm3 = {r["admin4Pcode"]: r["admin3Pcode"] for r in _locations(syria)}
    after = AS_OF - timedelta(days=WINDOW)
    reached: dict[str, float] = defaultdict(float)
    last: dict[str, date] = {}
    for r in dated:
        when = date.fromisoformat(r["End date"] or r["Start date"])
        adm3 = community_adm3.get(r["Community PCODE"], r["SubDistrict PCODE"])
        if when <= AS_OF:
            last[adm3] = max(last.get(adm3, when), when)
        if after < when <= AS_OF:
            reached[adm3] += float(r["# of Individuals Reached"] or 0)
    pin = {
        r["admin3Pcode"]: float(r["2023 HNO Inter-sector People in need"] or 0)
        for r in rows_of(syria / "hno_2023" / "syr_hno2023_intersector_pin_severity_admin3.csv")
    }
    result = gaps(store, AS_OF, WINDOW, level=3)
    rows = {r.pcode: r for r in result.places}
    assert len(rows) == 272
    for code, people in reached.items():
        assert rows[code].reached == pytest.approx(people), code
        assert rows[code].last_delivery == last[code]
    cut_off = {code for code, need in pin.items() if need > 0 and code not in reached}
    assert {r.pcode for r in result.cut_off} == cut_off
    # Ranking: cut-off places first, by people in need.
    ranked = [r.pcode for r in result.places[: len(cut_off)]]
    assert ranked == sorted(cut_off, key=lambda c: (-pin[c], c))
    served = result.places[len(cut_off)]
    assert served.coverage == pytest.approx(reached[served.pcode] / pin[served.pcode])


def _locations(syria: Path) -> list[dict[str, str]]:
    path = syria / "locations_2018" / "syr_locations_communities.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        tags = next(reader)
        names = {"#adm4+code": "admin4Pcode", "#adm3+code": "admin3Pcode"}
        index = {names[t]: i for i, t in enumerate(tags) if t in names}
        return [{k: r[i] for k, i in index.items()} for r in reader]
