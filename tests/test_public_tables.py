"""Aggregated tables as the public sees them (issue 6, point 3): the situation's small counts of
people reached are suppressed for a viewer and exact for an analyst; the besieging party follows
the sharing protocol in the access API."""

from __future__ import annotations

from pathlib import Path

import pytest
from accounts_support import sign_in, web

from lagebild.ingest import import_file
from lagebild.security import protocol as sharing
from lagebild.store import Store

ACCESS = """\
Community,Access,Besieged by,Since
#adm4+code,#access,#group+besieging,#date+start
C1003,besieged,Party X,2016-01-01
"""


pytestmark = pytest.mark.usefixtures("cheap_hashes")


@pytest.fixture
def loaded(loaded: Store, tmp_path: Path) -> Store:
    """The two organisations and accounts of every role, and access statuses."""
    (tmp_path / "access.csv").write_text(ACCESS, encoding="utf-8")
    import_file(loaded, tmp_path / "access.csv")
    return loaded


def situation_as(store: Store, name: str, **config: object) -> dict[str, dict[str, object]]:
    with web(store, **config) as client:
        assert sign_in(client, name) == 303
        data = client.get("/api/situation?as_of=2017-02-28&level=adm4").json()
    return {p["pcode"]: p for p in data["places"]}


def test_a_viewer_sees_small_counts_of_people_reached_suppressed(loaded: Store) -> None:
    analyst = situation_as(loaded, "analyst1")
    viewer = situation_as(loaded, "viewer1")
    assert analyst["C1007"]["reached"]["value"] == 4  # Org A's 4 people: below the threshold of 10
    assert viewer["C1007"]["reached"]["value"] is None
    assert "reached" in viewer["C1007"]["suppressed"]  # type: ignore[operator]
    assert viewer["C1003"]["reached"] == analyst["C1003"]["reached"]
    assert analyst["C1003"]["reached"]["value"] == 250


def test_the_besieging_party_is_withheld_when_the_protocol_restricts_it(
    loaded: Store, tmp_path: Path
) -> None:
    text = sharing.DEFAULT_PATH.read_text(encoding="utf-8") if hasattr(
        sharing, "DEFAULT_PATH"
    ) else (Path(sharing.__file__).parent / "protocol.yml").read_text(encoding="utf-8")
    strict = tmp_path / "protocol.yml"
    strict.write_text(
        text.replace("party: public", "party: restricted"), encoding="utf-8"
    )
    for protocol, expected in ((None, "Party X"), (strict, None)):
        config = {"protocol": str(protocol)} if protocol else {}
        with web(loaded, **config) as client:
            sign_in(client, "viewer1")
            listed = client.get("/api/access?as_of=2017-02-28&level=adm4").json()["items"]
            one = client.get("/api/places/C1003/access?as_of=2017-02-28").json()
            sign_in(client, "analyst1")
            full = client.get("/api/places/C1003/access?as_of=2017-02-28").json()
        (row,) = [r for r in listed if r["pcode"] == "C1003"]
        assert row.get("party") == expected
        assert one["status_on"].get("party") == expected
        assert full["status_on"]["party"] == "Party X"


def test_a_viewer_s_priorities_leave_suppressed_counts_out_of_their_explanation(
    loaded: Store, tmp_path: Path
) -> None:
    need = tmp_path / "need.csv"
    need.write_text("#adm4+code,#inneed,#date\nC1007,50,2017-01-01\n", encoding="utf-8")
    import_file(loaded, need)
    found = {}
    for name in ("analyst1", "viewer1"):
        with web(loaded) as client:
            assert sign_in(client, name) == 303
            data = client.get("/api/priorities?as_of=2017-02-28&level=adm4").json()
        found[name] = {p["pcode"]: p for p in data["places"]}
    analyst, viewer = found["analyst1"]["C1007"], found["viewer1"]["C1007"]
    assert analyst["reached"] == 4 and viewer["reached"] is None
    assert "coverage" in viewer["suppressed"]
    assert analyst["indicators"]["conditions"]["coverage"]["value"] == 4 / 50
    assert viewer["indicators"]["conditions"]["coverage"]["value"] is None
    # The score stays: a band of coverage says no more than the public table's "<10".
    assert viewer["priority"] == analyst["priority"]
