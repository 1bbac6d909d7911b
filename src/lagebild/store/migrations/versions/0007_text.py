"""Free text where a file decides the length: sectors, source names, event codes and types,
convoy codes. PostgreSQL refused a longer value in a VARCHAR(n) with an error the importer could
not name; SQLite never enforced the lengths.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: (table, column, the length it had)
WIDENED = (
    ("figures", "sector", 40),
    ("deliveries", "sector", 40),
    ("sources", "name", 200),
    ("incidents", "event_code", 40),
    ("incidents", "event_type", 80),
    ("incidents", "sub_event_type", 80),
    ("convoys", "code", 60),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, _ in WIDENED:
        op.alter_column(table, column, type_=sa.Text)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, length in WIDENED:
        op.alter_column(table, column, type_=sa.String(length))
