"""The audit trail, per-figure grades and evidence hash variants.

``changes`` records every change (an import, an undo, an edit, a deletion, a grade) with who, when,
what it was before and after. ``figures`` gains an Admiralty grade of its own, which overrides its
source's. ``evidence_hashes`` gains ``variant``: 0 for the picture as registered, other numbers for
hashes of cropped views of it (``lagebild.evidence.matching``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("record_kind", sa.String(20), nullable=False),
        sa.Column("record_id", sa.Integer),
        sa.Column("place_id", sa.Integer, sa.ForeignKey("places.id")),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id")),
        sa.Column("before", sa.Text),
        sa.Column("after", sa.Text),
        sa.Column("why", sa.Text),
    )
    op.create_index("ix_changes_place_id", "changes", ["place_id"])
    op.create_index("ix_changes_record", "changes", ["record_kind", "record_id"])
    with op.batch_alter_table("figures") as batch:
        batch.add_column(sa.Column("reliability", sa.String(1)))
        batch.add_column(sa.Column("credibility", sa.SmallInteger))
    with op.batch_alter_table("evidence_hashes") as batch:
        batch.add_column(
            sa.Column("variant", sa.SmallInteger, nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("evidence_hashes") as batch:
        batch.drop_column("variant")
    with op.batch_alter_table("figures") as batch:
        batch.drop_column("credibility")
        batch.drop_column("reliability")
    op.drop_index("ix_changes_record", "changes")
    op.drop_index("ix_changes_place_id", "changes")
    op.drop_table("changes")
