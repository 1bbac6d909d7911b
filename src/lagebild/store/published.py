"""What the published datasets read: figures and presence rows as records dated up to a day
(``lagebild export hdx``), and a copy of the database with only what a role may see
(``lagebild export share``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from lagebild.store import schema as t
from lagebild.store.store import Store, optional_date


def figure_records(
    store: Store, indicators: Collection[str], date_to: date
) -> list[dict[str, Any]]:
    """Every figure of ``indicators`` dated on or before ``date_to``, with its place id, sector,
    dimensions and source name, ordered by place, indicator, sector and date."""
    f, s = t.figures, t.sources
    query = (
        select(
            f.c.place_id, f.c.indicator, f.c.sector, f.c.date, f.c.value,
            *[f.c[d] for d in t.FIGURE_DIMENSIONS], s.c.name.label("source"),
        )
        .outerjoin(s, s.c.id == f.c.source_id)
        .where(f.c.indicator.in_(sorted(indicators)), f.c.date <= date_to)
        .order_by(f.c.place_id, f.c.indicator, f.c.sector, f.c.date, f.c.id)
    )  # fmt: skip
    return _dated_rows(store, query)


def presence_records(store: Store, date_to: date) -> list[dict[str, Any]]:
    """Every presence row (3W) dated on or before ``date_to`` (or undated), with its source."""
    pr, s = t.presence, t.sources
    query = (
        select(
            pr.c.place_id, pr.c.org, pr.c.org_acronym, pr.c.org_type, pr.c.sector,
            pr.c.date, s.c.name.label("source"),
        )
        .outerjoin(s, s.c.id == pr.c.source_id)
        .where((pr.c.date <= date_to) | pr.c.date.is_(None))
        .order_by(pr.c.place_id, pr.c.org, pr.c.sector, pr.c.date, pr.c.id)
    )  # fmt: skip
    return _dated_rows(store, query)


def _dated_rows(store: Store, query: Any) -> list[dict[str, Any]]:
    """The rows of a query as dicts, their ``date`` a ``date`` (or None)."""
    with store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings().all()]
    for row in rows:
        row["date"] = optional_date(row["date"])
    return rows


def source_names(store: Store) -> list[str]:
    """The names of the sources, sorted."""
    with store.engine.connect() as conn:
        return sorted(str(r[0]) for r in conn.execute(select(t.sources.c.name)).all())


# -- a copy for sharing ---------------------------------------------------------------------


@dataclass(frozen=True)
class ShareRules:
    """What a shared copy leaves out, by table and column (decided by ``publish.share``).

    ``emptied``: tables whose rows all go; ``cleared``: columns set to NULL (to ``''`` or 0 where
    the schema forbids NULL); ``rounded``: coordinates rounded down to a grid of ``degrees``;
    ``suppressed``: counts set to NULL when above 0 and below ``threshold``.
    """

    emptied: tuple[str, ...] = ()
    cleared: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    rounded: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    suppressed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    threshold: int = 10
    degrees: float | None = 0.1


def _blank(table: str, column: str) -> str:
    """What a cleared column holds: NULL, or an empty value where the schema needs one."""
    col = t.metadata.tables[table].c[column]
    if col.nullable:
        return "NULL"
    return "0" if col.type.python_type in (int, float) else "''"


def _statements(rules: ShareRules) -> list[str]:
    """The SQL that makes a copy follow ``rules`` (names come from the schema, never input)."""
    out = [f'DELETE FROM "{name}"' for name in rules.emptied]
    for table, columns in rules.cleared.items():
        sets = ", ".join(f'"{c}" = {_blank(table, c)}' for c in columns)
        out.append(f'UPDATE "{table}" SET {sets}')
    for table, columns in rules.rounded.items():
        for c in columns:
            if rules.degrees is None:
                out.append(f'UPDATE "{table}" SET "{c}" = NULL')
            else:
                step = float(rules.degrees)
                out.append(
                    f'UPDATE "{table}" SET "{c}" = '
                    f'round((floor("{c}" / {step} + 1e-9)) * {step}, 6) WHERE "{c}" IS NOT NULL'
                )
    for table, columns in rules.suppressed.items():
        for c in columns:
            out.append(
                f'UPDATE "{table}" SET "{c}" = NULL '
                f'WHERE "{c}" > 0 AND "{c}" < {int(rules.threshold)}'
            )
    return out


def table_columns(table: str) -> set[str]:
    """The columns of one of the schema's tables."""
    return set(t.metadata.tables[table].c.keys())


def table_names() -> list[str]:
    """The schema's tables, in the order they are created."""
    return list(t.metadata.tables)


def check_rules(rules: ShareRules) -> None:
    """Every table and column the rules name is one of the schema's (else a ValueError)."""
    tables = t.metadata.tables
    named: list[tuple[str, Sequence[str]]] = [(name, ()) for name in rules.emptied]
    for group in (rules.cleared, rules.rounded, rules.suppressed):
        named += list(group.items())
    for table, columns in named:
        if table not in tables:
            raise ValueError(f"no table {table!r}")
        for column in columns:
            if column not in tables[table].c:
                raise ValueError(f"no column {table}.{column}")


def share_copy(store: Store, target: Path, rules: ShareRules) -> dict[str, int]:
    """A copy of the SQLite database at ``target`` (replaced) with ``rules`` applied; the rows
    left in each table."""
    check_rules(rules)
    source = store.engine.url.database
    if store.dialect != "sqlite" or not source:
        raise ValueError("a shared copy is made of a SQLite database file")
    if target.exists():
        target.unlink()
    with sqlite3.connect(source) as src, sqlite3.connect(str(target)) as dst:
        src.backup(dst)
    conn = sqlite3.connect(str(target))
    try:
        conn.create_function("floor", 1, _floor, deterministic=True)
        with conn:
            for statement in _statements(rules):
                conn.execute(statement)
        conn.execute("VACUUM")
        counts = {
            name: int(conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
            for name in t.metadata.tables
        }
    finally:
        conn.close()
    return counts


def _floor(value: float | None) -> float | None:
    import math

    return None if value is None else float(math.floor(value))


__all__ = [
    "CUT_OFF_SQL",
    "GAPS_SQL",
    "ShareRules",
    "check_rules",
    "figure_records",
    "presence_records",
    "share_copy",
    "source_names",
    "table_columns",
    "table_names",
]


# -- canned queries of a shared copy (``lagebild datasette-metadata``) ---------------------------

#: The current people in need of each place with a figure of its own on :date (the latest, then
#: the more reliable source, then the later import), people reached by the deliveries of the 30
#: days to :date in the place and below (the largest sum of one sector, and the sum over
#: sectors), and the last delivery: the parts of DESIGN.md's gaps, in SQL.
_GAP_PARTS = """
WITH RECURSIVE tree(ancestor_id, place_id) AS (
  SELECT id, id FROM places
  UNION ALL
  SELECT tree.ancestor_id, p.id FROM places p JOIN tree ON p.parent_id = tree.place_id
),
need AS (
  SELECT f.place_id, f.value, f.date, s.name AS source,
    row_number() OVER (
      PARTITION BY f.place_id
      ORDER BY f.date DESC, coalesce(f.reliability, s.reliability) IS NULL,
        coalesce(f.reliability, s.reliability), f.import_id DESC, f.id DESC
    ) AS rank
  FROM figures f LEFT JOIN sources s ON s.id = f.source_id
  WHERE f.indicator = 'inneed' AND f.sector = '' AND f.gender = '' AND f.age = ''
    AND f.population_group = '' AND f.disability = '' AND f.date <= :date
),
done AS (
  SELECT tree.ancestor_id AS place_id, d.sector, coalesce(d.date_end, d.date) AS day, d.reached
  FROM deliveries d JOIN tree ON tree.place_id = d.place_id
  WHERE d.status IN ('completed', 'partial') AND coalesce(d.date_end, d.date) <= :date
),
by_sector AS (
  SELECT place_id, sector, sum(coalesce(reached, 0)) AS reached FROM done
  WHERE day > date(:date, '-30 days') GROUP BY place_id, sector
),
reached AS (
  SELECT place_id, max(reached) AS reached, sum(reached) AS reached_upper FROM by_sector
  GROUP BY place_id
),
last AS (SELECT place_id, max(day) AS last_delivery FROM done GROUP BY place_id)
SELECT p.pcode, p.name_en, p.name_ar, p.level, need.value AS people_in_need,
  need.date AS figure_date, need.source, coalesce(reached.reached, 0) AS reached,
  coalesce(reached.reached_upper, 0) AS reached_upper,
  round(coalesce(reached.reached, 0) * 1.0 / need.value, 4) AS coverage,
  last.last_delivery,
  CAST(julianday(:date) - julianday(last.last_delivery) AS INTEGER) AS days_without_aid,
  (last.last_delivery IS NULL OR last.last_delivery <= date(:date, '-30 days')) AS cut_off
FROM need JOIN places p ON p.id = need.place_id
LEFT JOIN reached ON reached.place_id = p.id
LEFT JOIN last ON last.place_id = p.id
WHERE need.rank = 1 AND need.value > 0
"""

#: Every place with people in need of its own and no delivery in the 30 days to :date.
CUT_OFF_SQL = (
    "SELECT * FROM (" + _GAP_PARTS + ") WHERE cut_off ORDER BY people_in_need DESC, pcode"
)
#: The gaps of :date: cut-off places first by people in need, then the rest by coverage, lowest
#: first (then by people in need, most first), as ``analysis.gaps.rank_key`` ranks them.
GAPS_SQL = (
    "SELECT * FROM (" + _GAP_PARTS + ") "
    "ORDER BY cut_off DESC, "
    "CASE WHEN cut_off THEN -people_in_need ELSE reached * 1.0 / people_in_need END, "
    "-people_in_need, pcode"
)
