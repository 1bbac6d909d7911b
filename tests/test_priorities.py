"""Priorities: ``gaps --rank severity`` and ``lagebild priorities`` rank by the priority model
(docs/priorities.md), whose numbers are computed here another way, straight from the rows the
test writes and the shipped model's YAML; incidents and damage in ``situation``."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import lagebild
from lagebild.cli import main
from lagebild.ingest import ImportOptions, import_file
from lagebild.store import Store
from lagebild.store.bulk import insert_rows
from lagebild.store.imports import add_import
from lagebild.store.places import all_places

AS_OF = date(2017, 2, 28)
WINDOW = 30

PLACES = [
    ["#adm1+code", "#adm4+code", "#adm4+name"],
    ["SY02", "C1007", "Aleppo"],
    ["SY02", "C1552", "Ma'btali"],
    ["SY07", "C3871", "Idleb"],
    ["SY07", "C3905", "Foah"],
]
NEED = {"C1007": 100_000, "C1552": 20_000, "C3871": 50_000, "C3905": 12_000}
#: The last delivery of each place (Foah: never), days before AS_OF.
DELIVERED_DAYS_AGO = {"C1007": 5, "C1552": 100, "C3871": 40}
#: Incidents: (place or None for an unplaced event, days before AS_OF, fatalities, attack on aid).
INCIDENTS = [
    ("C1007", 3, 5, False),
    ("C1007", 10, None, True),
    ("C3871", 2, 12, False),
    ("C3871", 50, 100, False),  # outside the window
    ("C3905", 29, 1, False),
    (None, 1, 7, False),  # could not be placed
]
#: Damage in buildings: destroyed, severe, moderate, possible.
DAMAGE = {"C1552": (300, 100, 0, 40), "C3871": (50, 50, 100, 0)}


def write(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.fixture
def war(store: Store, tmp_path: Path) -> Store:
    """Four communities with people in need, deliveries, incidents and damage."""
    import_file(store, write(tmp_path / "p.csv", PLACES), ImportOptions())
    need = [["#adm4+code", "#inneed", "#date"]] + [[c, n, "2017-01-01"] for c, n in NEED.items()]
    import_file(store, write(tmp_path / "n.csv", need), ImportOptions(source="HNO"))
    four_w = [["#adm4+code", "#sector", "#reached+ind", "#date", "#org+impl"]] + [
        [c, "food", 1000, (AS_OF - timedelta(days=d)).isoformat(), "WFP"]
        for c, d in DELIVERED_DAYS_AGO.items()
    ]
    import_file(store, write(tmp_path / "4w.csv", four_w), ImportOptions(source="4W"))
    damage = [
        ["#adm4+code", "#date", "#damage+destroyed", "#damage+severe", "#damage+moderate",
         "#damage+possible"]
    ] + [[c, "2017-01-15", *counts] for c, counts in DAMAGE.items()]
    import_file(store, write(tmp_path / "d.csv", damage), ImportOptions(source="UNOSAT"))
    ids = {p.pcode: p.id for p in all_places(store)}
    with store.writer() as writer:
        import_id = add_import(writer, "incidents.csv", "", "incidents", None, "{}")
        insert_rows(
            writer,
            "incidents",
            ["event_code", "date", "event_type", "fatalities", "attack_on_aid", "place_id",
             "placed_by", "import_id", "row_number"],
            [
                (f"SYR{n}", (AS_OF - timedelta(days=d)).isoformat(), "Shelling", dead, aid,
                 ids[code] if code else None, "pcode" if code else "none", import_id, n + 2)
                for n, (code, d, dead, aid) in enumerate(INCIDENTS)
            ],
        )
    return store


def in_window(days_ago: int) -> bool:
    return 0 <= days_ago < WINDOW


MODEL = yaml.safe_load((Path(lagebild.__file__).parent / "analysis" / "priorities.yml").read_text())


def band(value: float, thresholds: list[float], lower_is_worse: bool = False) -> float:
    """An indicator's score, 1-5, counted threshold by threshold."""
    if lower_is_worse:
        return 1.0 + len([t for t in thresholds if value <= t])
    return 1.0 + len([t for t in thresholds if value >= t])


def weighted(pairs: list[tuple[float, float]]) -> float:
    return sum(s * w for s, w in pairs) / sum(w for _, w in pairs)


def expected_priority() -> dict[str, float]:
    """docs/priorities.md with the shipped model's numbers, from the test's own rows."""
    dims = MODEL["dimensions"]
    ind = {d: spec["indicators"] for d, spec in dims.items()}
    dead = {c: 0 for c in NEED}
    attacks = {c: 0 for c in NEED}
    for code, days_ago, fatalities, aid in INCIDENTS:
        if code and in_window(days_ago):
            dead[code] += fatalities or 0
            attacks[code] += aid
    out = {}
    for code, need in NEED.items():
        impact = [(band(need, ind["impact"]["people_in_need"]["thresholds"]),
                   ind["impact"]["people_in_need"]["weight"])]
        if code in DAMAGE:
            impact.append((band(sum(DAMAGE[code][:3]), ind["impact"]["damage"]["thresholds"]),
                           ind["impact"]["damage"]["weight"]))
        days = DELIVERED_DAYS_AGO.get(code)
        reached = 1000 if days is not None and in_window(days) else 0
        aid = ind["conditions"]["days_without_aid"]
        conditions = [
            (aid["never"] if days is None else band(days, aid["thresholds"]), aid["weight"]),
            (band(reached / need, ind["conditions"]["coverage"]["thresholds"], True),
             ind["conditions"]["coverage"]["weight"]),
            (band(dead[code], ind["conditions"]["fatalities"]["thresholds"]),
             ind["conditions"]["fatalities"]["weight"]),
        ]
        # No access status in these rows: complexity is attacks on aid alone.
        complexity = [(band(attacks[code], ind["complexity"]["attacks_on_aid"]["thresholds"]),
                       ind["complexity"]["attacks_on_aid"]["weight"])]
        out[code] = weighted([
            (weighted(impact), dims["impact"]["weight"]),
            (weighted(conditions), dims["conditions"]["weight"]),
            (weighted(complexity), dims["complexity"]["weight"]),
        ])
    return out


def run(db_url: str, *args: str) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(main, ["--db", db_url, *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_gaps_ranked_by_severity_follow_the_priority_model_computed_another_way(
    war: Store, db_url: str
) -> None:
    data = run(
        db_url, "gaps", "--as-of", AS_OF.isoformat(), "--level", "adm4", "--rank", "severity"
    )
    expected = expected_priority()
    assert data["rank"] == "severity" and "impact" in data["rank_rule"]
    assert data["model"]["file"] == "default"
    assert [p["pcode"] for p in data["places"]] == sorted(expected, key=lambda c: -expected[c])
    for place in data["places"]:
        assert place["severity"] == pytest.approx(expected[place["pcode"]])
        assert set(place["dimensions"]) == {"impact", "conditions", "complexity"}
    by_code = {p["pcode"]: p for p in data["places"]}
    assert (by_code["C3871"]["incidents"], by_code["C3871"]["fatalities"]) == (1, 12)
    assert by_code["C1552"]["damage_total"] == {"buildings": 400}
    # Foah never had a delivery: the model's "never" score, and it says so.
    never = by_code["C3905"]["indicators"]["conditions"]["days_without_aid"]
    assert never["score"] == 5 and never["note"] == "never had a delivery"
    # By hand for Foah: impact 3 (12,000 in need); conditions (2×5 + 1×5 + 1×2) / 4 = 4.25
    # (never served, 0 % reached, 1 death); complexity 1 (no attack on aid, access unknown).
    assert by_code["C3905"]["severity"] == pytest.approx(0.3 * 3 + 0.4 * 4.25 + 0.3 * 1)
    assert by_code["C3905"]["category_name"] == "medium"
    assert by_code["C3905"]["missing"] == ["damage", "access"]


def test_the_plain_ranking_stays_the_default_and_its_json_contract_is_unchanged(
    war: Store, db_url: str
) -> None:
    plain = run(db_url, "gaps", "--as-of", AS_OF.isoformat(), "--level", "adm4")
    assert "rank" not in plain
    contract = {
        "pcode", "name", "level", "access", "people_in_need", "reached", "coverage",
        "last_delivery", "days_without_aid", "cut_off",
    }
    for place in plain["places"]:
        assert contract <= set(place)
        assert not {"severity", "dimensions", "incidents", "damage_total"} & set(place)
    # DESIGN.md: cut-off places first by people in need, then the rest by coverage.
    cut = [p["pcode"] for p in plain["places"] if p["cut_off"]]
    assert cut == ["C3871", "C1552", "C3905"]
    assert [p["pcode"] for p in plain["places"]] == [*cut, "C1007"]


def test_places_with_no_one_known_in_need_score_only_what_is_known(
    store: Store, tmp_path: Path
) -> None:
    from lagebild.analysis import gaps

    import_file(store, write(tmp_path / "p.csv", PLACES), ImportOptions())
    need = [["#adm4+code", "#inneed", "#date"], ["C1007", "1000", "2017-01-01"]]
    import_file(store, write(tmp_path / "n.csv", need), ImportOptions(source="HNO"))
    result = gaps(store, AS_OF, WINDOW, 4, rank="severity")
    top = result.places[0]
    assert top.pcode == "C1007" and top.priority is not None
    # 1,000 in need: impact 2; never served, 0 %, no deaths: (2×5 + 5 + 1) / 4 = 4; complexity 1.
    assert top.priority.score == pytest.approx(0.3 * 2 + 0.4 * 4 + 0.3 * 1)
    for row in result.places[1:]:
        assert row.priority is not None
        assert {"people_in_need", "days_without_aid", "coverage"} <= set(row.priority.missing())
    with pytest.raises(ValueError, match="unknown ranking"):
        gaps(store, AS_OF, WINDOW, 4, rank="loudest")


def test_situation_reports_incidents_fatalities_and_damage_beside_needs(
    war: Store, db_url: str
) -> None:
    data = run(db_url, "situation", "--as-of", AS_OF.isoformat(), "--level", "adm1")
    by_code = {p["pcode"]: p for p in data["places"]}
    # By hand: Aleppo governorate has C1007 (2 events in the window, 5 dead, one attack on aid)
    # and C1552 (damage); Idleb has C3871 (one event in the window, 12 dead) and C3905 (one, 1).
    assert by_code["SY02"]["incidents"] == {
        "events": 2, "fatalities": 5, "attacks_on_aid": 1, "unplaced": 0
    }
    assert by_code["SY07"]["incidents"]["events"] == 2
    assert by_code["SY07"]["incidents"]["fatalities"] == 13
    total = data["total"]["incidents"]
    assert (total["events"], total["fatalities"], total["unplaced"]) == (5, 25, 1)
    national = sum(d[0] for d in DAMAGE.values())
    aleppo = by_code["SY02"]["damage"]["buildings"]
    assert (aleppo["destroyed"], aleppo["total"], aleppo["possible"]) == (300, 400, 40)
    assert aleppo["share_destroyed"] == pytest.approx(300 / national)
    assert data["total"]["damage"]["buildings"]["destroyed"] == national
    # The keys situation had before stay as they were.
    assert {"population", "people_in_need", "displaced", "reached"} <= set(by_code["SY02"])
    table = CliRunner().invoke(
        main, ["--db", db_url, "situation", "--as-of", AS_OF.isoformat(), "--format", "csv"]
    )
    header = table.output.splitlines()[0].split(",")
    assert {"Incidents", "Fatalities", "Destroyed buildings", "Damaged buildings"} <= set(header)


def test_the_web_ranks_by_severity_as_the_command_line_does(war: Store, db_url: str) -> None:
    from fastapi.testclient import TestClient

    from lagebild.web import WebConfig, create_app

    cli = run(db_url, "gaps", "--as-of", AS_OF.isoformat(), "--level", "adm4", "--rank", "severity")
    query = f"as_of={AS_OF.isoformat()}&level=adm4&rank=severity"
    with TestClient(create_app(WebConfig(db=db_url))) as client:
        api = client.get(f"/api/gaps?{query}").json()
        page = client.get(f"/gaps?{query}").text
        plain = client.get(f"/gaps?as_of={AS_OF.isoformat()}&level=adm4").text
        csv_text = client.get(f"/api/gaps?{query}&format=csv").text
    assert [(p["pcode"], p["severity"]) for p in api["places"]] == [
        (p["pcode"], p["severity"]) for p in cli["places"]
    ]
    shown = re.findall(r'data-pcode="([^"]+)"', page)
    assert shown == [p["pcode"] for p in cli["places"]]
    assert 'id="severity-rule"' in page and 'id="severity-rule"' not in plain
    assert csv_text.splitlines()[0].startswith("Priority,Category,")


def test_the_priorities_page_and_api_give_the_command_lines_ranking_and_explain_it(
    war: Store, db_url: str, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from lagebild.web import WebConfig, create_app

    cli = run(db_url, "priorities", "--as-of", AS_OF.isoformat(), "--level", "adm4")
    query = f"as_of={AS_OF.isoformat()}&level=adm4"
    with TestClient(create_app(WebConfig(db=db_url))) as client:
        api = client.get(f"/api/priorities?{query}").json()
        hxl = client.get(f"/api/priorities?{query}&format=hxl").text
        page = client.get(f"/priorities?{query}").text
        arabic = client.get(f"/priorities?{query}&lang=ar").text
        refused = client.get(f"/api/priorities?{query}&sector=rainfall")
    expected = expected_priority()
    assert [p["pcode"] for p in api["places"]] == [p["pcode"] for p in cli["places"]]
    for place in api["places"]:
        assert place["priority"] == pytest.approx(expected[place["pcode"]])
    assert api["total"] == 4 and api["categories"]["medium"] >= 1
    rows = list(csv.reader(io.StringIO(hxl)))
    assert rows[1][:3] == ["#priority+rank", "#severity", "#severity+category"]
    assert [r[3] for r in rows[2:]] == [p["pcode"] for p in cli["places"]]
    assert re.findall(r'<tr data-pcode="([^"]+)"', page) == [p["pcode"] for p in cli["places"]]
    assert page.count('<details class="why">') == 4 and "never had a delivery" in page
    assert 'id="priority-model"' in page
    assert "الأولويات" in arabic and "لم تصله أي مساعدات قط" in arabic
    assert refused.status_code == 422 and "sector" in refused.text
    # A coordinator's own model, given to the server, changes the ranking the page shows.
    model = yaml.safe_load(
        (Path(lagebild.__file__).parent / "analysis" / "priorities.yml").read_text()
    )
    model["dimensions"] = {"impact": {"weight": 1, "indicators": {
        "damage": {"weight": 1, "thresholds": [1, 100, 1000, 10000]}}}}
    mine = tmp_path / "damage-only.yml"
    mine.write_text(yaml.safe_dump(model), encoding="utf-8")
    with TestClient(create_app(WebConfig(db=db_url, priority_model=str(mine)))) as client:
        damage_first = client.get(f"/api/priorities?{query}").json()["places"]
    # Damage alone: Idleb (200 damaged buildings) and Ma'btali (400) both score 3, the plain
    # order breaks the tie (Idleb is cut off with more in need); the two without damage have
    # no priority at all.
    assert [p["pcode"] for p in damage_first][:2] == ["C3871", "C1552"]
    assert [p["priority"] for p in damage_first][2:] == [None, None]
    assert [p["category_name"] for p in damage_first][2:] == [None, None]


def test_on_the_demo_besieged_madaya_comes_first_and_served_aleppo_falls_behind(
    demo_path: str,
) -> None:
    """The plain ranking's severity once put Aleppo (accessible, served on the day) first and
    Madaya 24th; the priority sees the siege and the 92 days without aid."""
    ranked = run(demo_path, "priorities", "--as-of", AS_OF.isoformat(), "--level", "adm3")
    order = [p["name"] for p in ranked["places"]]
    assert order[0] == "Madaya"
    assert order.index("Jebel Saman") >= 10  # Aleppo city: 13 % reached, on the day
    cut_off = [p for p in ranked["places"] if p["cut_off"]]
    assert all(p["category_name"] in ("high", "medium") for p in cut_off)
    gaps_order = run(demo_path, "gaps", "--as-of", AS_OF.isoformat(), "--rank", "severity")
    assert [p["pcode"] for p in gaps_order["places"]] == [p["pcode"] for p in ranked["places"]]
