"""Sensitivity (issue 6, points 3 and 5): the information sharing protocol, what each role gets
in exports (JSON, CSV) and pages, small counts suppressed for the public, coordinates rounded,
and exports of restricted data in the audit trail."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from accounts_support import (
    changes_of,
    sign_in,
    web,
)

from lagebild.security import policy, protocol
from lagebild.store import Store

RESTRICTED = {
    "organisation", "org_impl", "org_reporting", "donor", "source", "import_id", "file_name",
    "row_number",
}
PUBLIC = {
    "id", "pcode", "name_en", "name_ar", "date", "date_start", "date_end", "status", "sector",
    "reached", "households", "activity", "modality", "item", "quantity", "unit", "value_usd",
    "suppressed",
}
#: The deliveries, newest first: (place, organisation, implementing org, people reached).
ROWS = [("C1003", "Org B", "Beta Aid", 250.0), ("C4140", "Org A", "Alpha Relief", 120.0),
        ("C1007", "Org A", "Alpha Relief", 4.0)]


pytestmark = pytest.mark.usefixtures("cheap_hashes")


# -- the protocol's parts -----------------------------------------------------------------------


def test_counts_above_zero_and_below_the_threshold_are_suppressed() -> None:
    assert protocol.suppress_count(4, 10) == (None, True)
    assert protocol.suppress_count(9.5, 10) == (None, True)
    assert protocol.suppress_count(10, 10) == (10, False)
    assert protocol.suppress_count(0, 10) == (0, False)
    assert protocol.suppress_count(None, 10) == (None, False)


def test_coordinates_are_rounded_to_the_grid_or_withheld() -> None:
    assert protocol.round_coordinate(36.2041, 0.1) == 36.2
    assert protocol.round_coordinate(37.1349, 0.1) == 37.1
    assert protocol.round_coordinate(36.2041, None) is None
    viewer = policy.Principal("v", "viewer", signed_in=True)
    analyst = policy.Principal("a", "analyst", signed_in=True)
    assert protocol.coordinates(viewer, "incident", 36.2041, 37.1349) == (36.2, 37.1)
    assert protocol.coordinates(analyst, "incident", 36.2041, 37.1349) == (36.2041, 37.1349)


def test_records_and_fields_above_the_readers_clearance_are_left_out() -> None:
    rules = protocol.default()
    incident = {"id": 1, "lat": 36.2041, "lon": 37.1349, "notes": "names of the wounded",
                "location": "Old market", "fatalities": 3, "event_type": "Shelling"}
    public = protocol.redact(rules, "incident", incident, "public", suppress=True)
    assert public == {"id": 1, "lat": 36.2, "lon": 37.1, "fatalities": None,
                      "event_type": "Shelling", "suppressed": ["fatalities"]}
    restricted = protocol.redact(rules, "incident", incident, "restricted", suppress=False)
    assert restricted is not None and "notes" not in restricted and restricted["lat"] == 36.2041
    assert protocol.redact(rules, "evidence", {"id": 1}, "restricted", suppress=False) is None
    assert protocol.redact(rules, "evidence", {"id": 1}, "confidential", suppress=False) == {
        "id": 1, "suppressed": []}
    partner = policy.Principal("p", "partner", 7, "Org A", signed_in=True)
    assert protocol.view(partner, "evidence", [{"id": 1, "own": True}]) == []


def test_a_share_derived_from_a_suppressed_count_goes_with_it() -> None:
    viewer = policy.Principal("v", "viewer", signed_in=True)
    rows = [{"pcode": "C1", "reached": 4, "people_in_need": 400, "coverage": 0.01}]
    assert protocol.public_table(viewer, "gaps", rows) == [
        {"pcode": "C1", "reached": None, "people_in_need": 400, "coverage": None,
         "suppressed": ["reached", "coverage"]}
    ]
    analyst = policy.Principal("a", "analyst", signed_in=True)
    assert protocol.public_table(analyst, "gaps", rows) == rows


def test_a_protocol_file_with_a_wrong_level_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "protocol.yml"
    path.write_text("kinds:\n  delivery:\n    fields:\n      donor: secret\n", encoding="utf-8")
    with pytest.raises(protocol.ProtocolError, match=r"protocol.yml: kinds.delivery.fields.donor"):
        protocol.load(path)


# -- exports as each role -----------------------------------------------------------------------


def _items(client: Any) -> list[dict[str, Any]]:
    response = client.get("/api/deliveries")
    assert response.status_code == 200
    return response.json()["items"]  # type: ignore[no-any-return]


def _expected(own: set[str], analyst: bool = False) -> list[dict[str, Any]]:
    """What each row should show: everything for an analyst or for the partner that owns it;
    else the public fields only, with a count below 10 suppressed."""
    rows = []
    for pcode, org, impl, reached in ROWS:
        full = analyst or org in own
        row: dict[str, Any] = {"pcode": pcode}
        if full:
            row.update(organisation=org, org_impl=impl, reached=reached, suppressed=[])
        else:
            small = reached < 10
            row.update(reached=None if small else reached,
                       suppressed=["reached"] if small else [])
        rows.append(row)
    return rows


@pytest.mark.parametrize(
    ("name", "own", "sees_all"),
    [
        ("viewer1", set(), False),
        ("partner_a", {"Org A"}, False),
        ("partner_b", {"Org B"}, False),
        ("analyst1", set(), True),
        ("admin1", set(), True),
    ],
)
def test_the_deliveries_export_gives_each_role_exactly_what_it_may_see(
    loaded: Store, name: str, own: set[str], sees_all: bool
) -> None:
    with web(loaded) as client:
        assert sign_in(client, name) == 303
        items = _items(client)
        csv_text = client.get("/api/deliveries?format=csv").text
        page = client.get("/places/SY02?as_of=2017-02-28").text
    expected = _expected(own, sees_all)
    assert len(items) == len(expected)
    for item, want in zip(items, expected, strict=True):
        full = "organisation" in want
        assert set(item) == (PUBLIC | RESTRICTED if full else PUBLIC), item
        assert {k: item[k] for k in want} == want
    # The CSV: the same rows, a restricted column only when some row shows it.
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    header = set(rows[0])
    assert ("org_impl" in header) == (bool(own) or sees_all)
    for row, want in zip(rows, expected, strict=True):
        assert row["pcode"] == want["pcode"]
        assert row["org_impl"] == want.get("org_impl", "") if "org_impl" in header else True
        assert row["reached"] == ("" if want["reached"] is None else f"{want['reached']:.0f}")
        assert row["suppressed"] == ";".join(want["suppressed"])
    # The place page: other organisations' names never, their small counts as <10.
    for _, org, impl, _ in ROWS:
        assert (impl in page) == (sees_all or org in own), impl
    assert ("&lt;10" in page) == ("Org A" not in own and not sees_all)


def test_the_public_gap_table_suppresses_small_counts_in_json_csv_and_html(
    loaded: Store,
) -> None:
    query = "as_of=2017-02-28&level=adm4"
    with web(loaded) as client:
        sign_in(client, "viewer1")
        places = {p["pcode"]: p for p in client.get(f"/api/gaps?{query}").json()["places"]}
        table = {r["P-code"]: r for r in csv.DictReader(io.StringIO(
            client.get(f"/api/gaps?{query}&format=csv").text))}
        html = client.get(f"/gaps?{query}").text
    assert places["C1007"]["reached"] is None and places["C1007"]["reached_upper"] is None
    assert places["C1007"]["suppressed"] == ["reached", "reached_upper", "coverage"]
    assert places["C1003"]["reached"] == 250 and places["C1003"]["suppressed"] == []
    assert table["C1007"]["Reached"] == ""
    assert table["C1007"]["Suppressed"] == "reached;reached_upper;coverage"
    assert table["C1003"]["Reached"] == "250" and table["C1003"]["Suppressed"] == ""
    assert "&lt;10" in html
    with web(loaded) as client:
        sign_in(client, "analyst1")
        places = {p["pcode"]: p for p in client.get(f"/api/gaps?{query}").json()["places"]}
        html = client.get(f"/gaps?{query}").text
    assert places["C1007"]["reached"] == 4 and "suppressed" not in places["C1007"]
    assert "&lt;10" not in html


def test_a_protocol_of_the_configuration_sets_the_threshold(loaded: Store, tmp_path: Path) -> None:
    path = tmp_path / "protocol.yml"
    path.write_text(
        protocol.DEFAULT_PATH.read_text(encoding="utf-8").replace("threshold: 10", "threshold: 3"),
        encoding="utf-8",
    )
    with web(loaded, protocol=str(path)) as client:
        sign_in(client, "viewer1")
        items = _items(client)
    assert [i["reached"] for i in items] == [250, 120, 4]


# -- the audit of exports -----------------------------------------------------------------------


def test_an_export_of_restricted_data_is_in_the_audit_trail(loaded: Store) -> None:
    for name in ("viewer1", "partner_a", "analyst1"):
        with web(loaded) as client:
            sign_in(client, name)
            assert client.get("/api/deliveries?format=csv").status_code == 200
    exports = {c.actor: c.after for c in changes_of(loaded, "export")}
    assert set(exports) == {"partner_a", "analyst1"}  # the viewer got nothing restricted
    assert exports["analyst1"]["format"] == "csv" and exports["analyst1"]["rows"] == 3
    assert {"org_impl", "donor", "file_name"} <= set(exports["analyst1"]["fields"])
    assert exports["analyst1"]["path"] == "/api/deliveries?format=csv"
