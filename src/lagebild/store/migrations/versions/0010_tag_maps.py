"""Saved tag maps: a tag map built on the Import page (or saved from the command line) under a
name, for the next untagged file of the same partner.

``mapping`` holds the map as JSON (header text -> hashtag); ``organisation_id`` the partner
organisation whose map it is (NULL: the map of those who see everything).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tag_maps",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, index=True),
        sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisations.id")),
        sa.Column("mapping", sa.Text, nullable=False),
        sa.Column("saved_at", sa.DateTime, nullable=False),
        sa.Column("saved_by", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("tag_maps")
