"""Upgrading a database that holds data: the accounts migration (0006) adds an organisation to
``imports``, a table every record points at; on a populated database of revision 0005 (SQLite
with its foreign keys on, and PostgreSQL) it runs and keeps every row."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select, text

from lagebild.store import Store
from lagebild.store import schema as t
from lagebild.store.figures import figures_on
from lagebild.store.imports import all_imports
from lagebild.store.places import all_places
from lagebild.store.sources import all_sources


def test_upgrading_a_populated_0005_database_keeps_every_row(db_url: str) -> None:
    store = Store.open(db_url)
    try:
        store.migrate("0005")
        with store.engine.begin() as conn:  # the rows an import of revision 0005 wrote
            conn.execute(
                t.imports.insert().values(
                    id=1, file_name="4w.csv", sha256="0" * 64, kind="deliveries",
                    imported_at=datetime(2017, 3, 1), row_count=2, status="committed",
                )
            )  # fmt: skip
            conn.execute(t.places.insert().values(id=1, pcode="SY", level=0, import_id=1))
            conn.execute(
                t.deliveries.insert(),
                [
                    {"place_id": 1, "date": date(2017, 2, d), "status": "completed",
                     "sector": "food", "reached": 100.0 * d, "import_id": 1, "row_number": d}
                    for d in (1, 2)
                ],
            )  # fmt: skip
        assert store.migrate() == store.head_revision()
        with store.engine.connect() as conn:
            assert conn.execute(select(func.sum(t.deliveries.c.reached))).scalar() == 300
            assert conn.execute(select(t.imports.c.organisation_id)).scalar() is None
        assert [i.status for i in all_imports(store)] == ["committed"]
    finally:
        store.close()


def test_long_free_text_and_a_malformed_pcode_are_kept_or_reported_never_a_crash(
    store: Store, tmp_path: Path
) -> None:
    """Found by the fuzzing test on PostgreSQL: a sector or source name longer than its old
    VARCHAR, or a gazetteer "P-code" of 34 characters, ended the import with a database error."""
    from lagebild.ingest import ImportFailed, ImportOptions, import_file

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    import_file(store, write("p.csv", "#country+code,#adm1+code,#adm1+name\nSY,SY02,Aleppo\n"))
    sector = "a sector named at some length " * 3
    source = "a source that explains itself " * 10
    report = import_file(
        store,
        write("d.csv", f"#adm1+code,#org,#sector,#date,#reached\nSY02,X,{sector},2017-01-01,5\n"),
        ImportOptions(source=source, sectors={sector: sector}),  # a sector of its own
    )
    assert report.rows_written == 1
    assert source.strip() in {s.name for s in all_sources(store).values()}
    bad = 'SY02;"SY02";"SY02";"SY0200";"SY02"'
    try:
        bad_row = f"#country+code,#adm1+code\nSY,{bad!r}\n"
        import_file(store, write("g.csv", bad_row), ImportOptions(kind="places"))
    except ImportFailed as exc:
        (problem,) = [p for p in exc.report.problems if p.code == "bad-pcode"]
        assert problem.row == 2 and problem.value is not None and "SY02;" in problem.value
    else:
        raise AssertionError("a malformed P-code was imported")
    assert len(all_places(store)) == 2


def test_upgrading_to_0008_gives_every_stored_figure_the_total_in_each_dimension(
    db_url: str,
) -> None:
    """Figures stored before dimensions existed were totals: after 0008 they read as such, and a
    downgrade to 0007 keeps them."""
    store = Store.open(db_url)
    try:
        store.migrate("0007")
        with store.engine.begin() as conn:
            conn.execute(
                t.imports.insert().values(
                    id=1, file_name="pin.csv", sha256="0" * 64, kind="figures",
                    imported_at=datetime(2017, 3, 1), row_count=2, status="committed",
                )
            )  # fmt: skip
            conn.execute(t.places.insert().values(id=1, pcode="SY", level=0, import_id=1))
            conn.execute(
                text(
                    "INSERT INTO figures (place_id, indicator, sector, date, value, import_id, "
                    "row_number) VALUES (1, 'inneed', '', :d, :v, 1, :r)"
                ),
                [{"d": date(2017, 2, r), "v": 1000.0 * r, "r": r} for r in (1, 2)],
            )
        assert store.migrate() == store.head_revision() >= "0008"
        with store.engine.connect() as conn:
            dims = conn.execute(
                select(*[t.figures.c[d] for d in t.FIGURE_DIMENSIONS])
            ).all()
        assert dims == [("", "", "", "")] * 2
        assert [r.value for r in figures_on(store, "inneed", "", date(2017, 3, 1))] == [
            1000.0,
            2000.0,
        ]
        store.migrate("0007")
        with store.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(text("figures"))).scalar() == 2
    finally:
        store.close()
