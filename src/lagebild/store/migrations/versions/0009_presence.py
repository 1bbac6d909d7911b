"""Presence (3W, operational presence): who works in which sector where; and how each import's
kind was recognised.

A 3W row says an organisation works in a sector in a place. It reaches no one by itself: presence
is kept apart from deliveries and never counts in gaps. ``imports.recognition`` keeps, as JSON,
the hashtags that decided the kind of the file and the columns left unused.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "presence",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("place_id", sa.Integer, sa.ForeignKey("places.id"), nullable=False, index=True),
        sa.Column("org", sa.Text, nullable=False),
        sa.Column("org_acronym", sa.Text),
        sa.Column("org_type", sa.Text),
        sa.Column("sector", sa.Text, nullable=False, server_default=""),
        sa.Column("activity", sa.Text),
        sa.Column("date", sa.Date),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id")),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id"), nullable=False, index=True),
        sa.Column("row_number", sa.Integer, nullable=False),
    )
    op.add_column("imports", sa.Column("recognition", sa.Text))  # in place, also on SQLite


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # The batch copies ``imports``: foreign keys are checked at commit (see 0006).
        op.execute("PRAGMA defer_foreign_keys = ON")
        with op.batch_alter_table("imports") as batch:
            batch.drop_column("recognition")
    else:
        op.drop_column("imports", "recognition")
    op.drop_table("presence")
