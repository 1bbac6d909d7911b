"""`lagebild import --undo ID`: an import goes as a whole and the numbers return exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from lagebild.cli import main
from lagebild.store import Store
from lagebild.store.imports import all_imports
from lagebild.web import WebConfig, create_app

EXTRA_4W = (
    "#adm4+code,#sector,#reached+ind,#date+end,#org+impl\n"
    "C2450,Food,30000,2017-02-27,SARC\n"
    "C3905,Health,5000,2017-02-26,SARC\n"
)
EXTRA_PIN = "#adm4+code,#inneed,#date,#meta+source\nC1007,2000000,2017-02-20,Rumour\n"


def run(db: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--db", db, *args])
    return result.exit_code, result.output


def snapshot(db: str) -> dict[str, object]:
    """Every number the command line shows, as JSON: situation by governorate, gaps by community."""
    out: dict[str, object] = {}
    for command, level in (("situation", "adm1"), ("gaps", "adm4"), ("gaps", "adm3")):
        code, text = run(db, command, "--as-of", "2017-02-28", "--level", level, "--format", "json")
        assert code == 0, text
        out[f"{command}-{level}"] = json.loads(text)
    return out


@pytest.fixture
def demo_db(demo_store: Store) -> str:
    return demo_store.engine.url.render_as_string(hide_password=False)


def test_undoing_an_import_returns_every_number_to_what_it_was(
    demo_db: str, tmp_path: Path
) -> None:
    before = snapshot(demo_db)
    for name, text in (("convoys.csv", EXTRA_4W), ("pin.csv", EXTRA_PIN)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        code, out = run(demo_db, "import", str(tmp_path / name))
        assert code == 0, out
    changed = snapshot(demo_db)
    assert changed != before
    imports = all_imports(Store.open(demo_db))
    for record in imports[-2:]:
        code, out = run(demo_db, "import", "--undo", str(record.id))
        assert code == 0 and f"import #{record.id} undone" in out
    assert snapshot(demo_db) == before
    statuses = [r.status for r in all_imports(Store.open(demo_db))]
    assert statuses[-2:] == ["undone", "undone"] and len(statuses) == len(imports)


def test_an_undone_file_may_be_imported_again(demo_db: str, tmp_path: Path) -> None:
    path = tmp_path / "convoys.csv"
    path.write_text(EXTRA_4W, encoding="utf-8")
    assert run(demo_db, "import", str(path))[0] == 0
    assert run(demo_db, "import", str(path))[0] == 1  # already imported: refused
    last = all_imports(Store.open(demo_db))[-1].id
    assert run(demo_db, "import", "--undo", str(last))[0] == 0
    assert run(demo_db, "import", str(path))[0] == 0


def test_undo_refuses_what_it_cannot_do_with_one_line(demo_db: str, tmp_path: Path) -> None:
    code, out = run(demo_db, "import", "--undo", "999")
    assert code == 1 and "there is no import #999" in out
    code, out = run(demo_db, "import", "--undo", "1")
    assert code == 1 and "gazetteer" in out and "Traceback" not in out
    path = tmp_path / "convoys.csv"
    path.write_text(EXTRA_4W, encoding="utf-8")
    run(demo_db, "import", str(path))
    last = str(all_imports(Store.open(demo_db))[-1].id)
    assert run(demo_db, "import", "--undo", last)[0] == 0
    code, out = run(demo_db, "import", "--undo", last)
    assert code == 1 and "already undone" in out
    assert run(demo_db, "import")[0] == 2  # neither files nor --undo


def test_a_running_web_app_sees_the_undo(demo_db: str, tmp_path: Path) -> None:
    client = TestClient(create_app(WebConfig(db=demo_db)))
    path = tmp_path / "convoys.csv"
    path.write_text(EXTRA_4W, encoding="utf-8")
    run(demo_db, "import", str(path))
    cut = client.get("/api/gaps", params={"level": "adm4"}).json()["cut_off"]
    run(demo_db, "import", "--undo", str(all_imports(Store.open(demo_db))[-1].id))
    assert client.get("/api/gaps", params={"level": "adm4"}).json()["cut_off"] == cut + 2
