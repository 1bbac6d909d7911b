"""Figures get dimensions besides place, indicator, sector and date: gender, age range,
population group and disability. ``''`` in a dimension means the total in it: a place's figure
is the row that is total in every dimension (DESIGN.md, "What a figure is, and what it is not").

The current-figure index leads with the dimensions after indicator and sector, so that the query
of the totals (every dimension ``''``) reads one index range per indicator and sector.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

DIMENSIONS = ("gender", "age", "population_group", "disability")
LOOKUP = ["indicator", "sector", *DIMENSIONS, "place_id", "date"]


def upgrade() -> None:
    for name in DIMENSIONS:
        op.add_column(
            "figures", sa.Column(name, sa.Text, nullable=False, server_default=sa.text("''"))
        )
    op.drop_index("ix_figures_lookup", "figures")
    op.create_index("ix_figures_lookup", "figures", LOOKUP)


def downgrade() -> None:
    op.drop_index("ix_figures_lookup", "figures")
    # Not in batch mode: SQLite (3.35 and later) drops an unindexed column in place.
    for name in reversed(DIMENSIONS):
        op.drop_column("figures", name)
    op.create_index("ix_figures_lookup", "figures", ["indicator", "sector", "place_id", "date"])
