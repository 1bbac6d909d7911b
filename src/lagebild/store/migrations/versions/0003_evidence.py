"""Evidence: photos and videos with their file hash, PDQ hashes, matches and status history.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("extension", sa.String(8), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("stored_path", sa.Text, nullable=False),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id")),
        sa.Column("place_id", sa.Integer, sa.ForeignKey("places.id")),
        sa.Column("incident_id", sa.Integer),  # no foreign key: incidents come in 0005
        sa.Column("claimed_date", sa.Date),
        sa.Column("claim", sa.Text),
        sa.Column("taken_at", sa.DateTime),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("duration", sa.Float),
        sa.Column("width", sa.Integer),
        sa.Column("height", sa.Integer),
        sa.Column("status", sa.String(16), nullable=False, server_default="unverified"),
        sa.Column("registered_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_evidence_items_sha256", "evidence_items", ["sha256"])
    op.create_table(
        "evidence_hashes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("evidence_items.id"), nullable=False),
        sa.Column("frame", sa.Integer, nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
        sa.Column("pdq", sa.String(64), nullable=False),
        sa.Column("quality", sa.SmallInteger, nullable=False),
    )
    op.create_index("ix_evidence_hashes_item_id", "evidence_hashes", ["item_id"])
    op.create_table(
        "evidence_status",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("evidence_items.id"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("set_by", sa.Text, nullable=False),
        sa.Column("why", sa.Text, nullable=False),
        sa.Column("set_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_evidence_status_item_id", "evidence_status", ["item_id"])
    op.create_table(
        "evidence_matches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("evidence_items.id"), nullable=False),
        sa.Column("match_id", sa.Integer, sa.ForeignKey("evidence_items.id"), nullable=False),
        sa.Column("distance", sa.SmallInteger, nullable=False),
        sa.Column("frames", sa.Integer, nullable=False),
        sa.Column("transform", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_evidence_matches_item_id", "evidence_matches", ["item_id"])


def downgrade() -> None:
    for table in ("evidence_matches", "evidence_status", "evidence_hashes", "evidence_items"):
        op.drop_table(table)
