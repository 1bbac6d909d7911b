"""The key a row has in the system it came from (the ``_uuid`` of a KoboToolbox submission, the
``meta-instanceID`` of an ODK Central one): a later import of the same key replaces the
deliveries and figures of the earlier one instead of counting them twice.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("deliveries", "figures"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("external_key", sa.Text))
        op.create_index(f"ix_{table}_external_key", table, ["external_key"])


def downgrade() -> None:
    for table in ("deliveries", "figures"):
        op.drop_index(f"ix_{table}_external_key", table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("external_key")
