"""Places get a geometry: a GeoJSON geometry (WGS 84 longitude/latitude) from a gazetteer import.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: a place without boundaries keeps its point (lat/lon), or nothing.
    op.add_column("places", sa.Column("geometry", sa.Text, nullable=True))


def downgrade() -> None:
    # Not in batch mode: SQLite (3.35 and later) drops a column in place, where a batch would copy
    # the table that the other tables' foreign keys point at.
    op.drop_column("places", "geometry")
