"""Figures: the numbers per place, indicator and sector as the analysis reads them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import and_, or_, select

from lagebild.model import FigureRow
from lagebild.store import schema as t
from lagebild.store.bulk import BULK_REINDEX_ROWS
from lagebild.store.store import Store, Writer, required_date


def figures_on(store: Store, indicator: str, sector: str, as_of: date) -> list[FigureRow]:
    """Every figure of an indicator and sector dated on or before ``as_of`` that is a total
    in every dimension (gender, age, population group, disability): a place's figure."""
    return _figures_on(store, indicator, sector, as_of, totals=True)


def figure_parts_on(
    store: Store, indicator: str, sector: str, as_of: date
) -> list[FigureRow]:
    """The disaggregated figures (not total in some dimension) of an indicator and sector
    dated on or before ``as_of``, with their dimensions."""
    return _figures_on(store, indicator, sector, as_of, totals=False)


def _figures_on(
    store: Store, indicator: str, sector: str, as_of: date, *, totals: bool
) -> list[FigureRow]:
    f = t.figures
    dims = [f.c[d] for d in t.FIGURE_DIMENSIONS]
    where = [f.c.indicator == indicator, f.c.sector == sector, f.c.date <= as_of]
    if totals:
        where += [d == "" for d in dims]
    else:
        # Each term a range of ix_figures_lookup (its dimensions follow indicator and
        # sector), so that the totals are never scanned: '' sorts before every other value.
        where.append(
            or_(*[and_(*[e == "" for e in dims[:k]], d > "") for k, d in enumerate(dims)])
        )
    query = (
        select(
            f.c.id,
            f.c.place_id,
            f.c.indicator,
            f.c.sector,
            f.c.date,
            f.c.value,
            f.c.source_id,
            f.c.import_id,
            f.c.row_number,
            f.c.reliability,
            f.c.credibility,
            *dims,
        )
        .where(*where)
        .order_by(f.c.place_id, f.c.date, f.c.id)
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        FigureRow(
            r[0], r[1], r[2], r[3], required_date(r[4]), r[5], r[6], r[7], r[8], r[9], r[10],
            r[11], r[12], r[13], r[14],
        )  # fmt: skip
        for r in rows
    ]


@contextmanager
def bulk_figures(writer: Writer, expected_rows: int) -> Iterator[None]:
    """A large load of figures drops their lookup index (migration 0008) and builds it
    after, in the same transaction."""
    if expected_rows < BULK_REINDEX_ROWS:
        yield
        return
    columns = ", ".join(["indicator", "sector", *t.FIGURE_DIMENSIONS, "place_id", "date"])
    writer.conn.exec_driver_sql("DROP INDEX IF EXISTS ix_figures_lookup")
    yield
    writer.conn.exec_driver_sql(f"CREATE INDEX ix_figures_lookup ON figures ({columns})")
