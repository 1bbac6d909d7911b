"""Conflict events counted per place, period and type (HDX HAPI's conflict events): counts
another source made, kept apart from ``incidents``, which holds one row per event.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_counts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("place_id", sa.Integer, sa.ForeignKey("places.id"), nullable=False, index=True),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("date_start", sa.Date, nullable=False),
        sa.Column("date_end", sa.Date, nullable=False),
        sa.Column("events", sa.Integer, nullable=False),
        sa.Column("fatalities", sa.Integer),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id")),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id"), nullable=False, index=True),
        sa.Column("row_number", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("event_counts")
