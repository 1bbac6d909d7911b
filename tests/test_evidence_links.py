"""An evidence item links to the incident it is said to show (issue 4, point 5): by the event's
code or number, kept in the audit trail, shown by `evidence show`; a wrong reference changes
nothing."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from demo_support import demo_database

from lagebild.cli import main
from lagebild.evidence.demo import add_demo_evidence
from lagebild.store import Store
from lagebild.store.audit import history


def test_an_item_links_to_an_incident_by_code_and_the_trail_keeps_it(tmp_path: Path) -> None:
    db = demo_database(tmp_path)
    store = Store.open(db)
    add_demo_evidence(store, tmp_path / "pictures")

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(main, ["--db", str(db), "--user", "rana", "evidence", *args])
        return result.exit_code, result.output

    code, out = run("link", "1", "--incident", "DEMO-001", "--why", "the same market")
    assert code == 0 and "linked to incident DEMO-001" in out
    code, out = run("show", "1")
    assert code == 0 and "incident    #1 DEMO-001 2017-02-07 Air/drone strike" in out
    change = history(store, record_kind="evidence", record_id=1)[0]
    assert (change.action, change.actor, change.after, change.why) == (
        "edit", "rana", {"incident_id": 1}, "the same market"
    )
    for wrong in ("NOPE", "999"):
        code, out = run("link", "2", "--incident", wrong, "--why", "x")
        assert code == 1 and f"there is no incident {wrong!r}" in out
    code, out = run("show", "2")
    assert "incident " not in out
    store.close()
