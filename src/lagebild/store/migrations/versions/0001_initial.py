"""The core tables: sources, imports, places, figures, access changes, deliveries.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

DELIVERED = sa.text("status IN ('completed', 'partial')")


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("kind", sa.String(40)),
        sa.Column("reliability", sa.String(1)),
        sa.Column("credibility", sa.SmallInteger),
        sa.Column("note", sa.Text),
    )
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id")),
        sa.Column("imported_at", sa.DateTime, nullable=False),
        sa.Column("row_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rejected_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("warning_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("options", sa.Text),
        sa.Column("status", sa.String(20), nullable=False, server_default="committed"),
    )
    op.create_table(
        "places",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pcode", sa.String(32), nullable=False, unique=True),
        sa.Column("level", sa.SmallInteger, nullable=False),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("places.id")),
        sa.Column("name_en", sa.Text),
        sa.Column("name_ar", sa.Text),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("valid_from", sa.Date),
        sa.Column("valid_to", sa.Date),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id")),
        sa.Column("row_number", sa.Integer),
    )
    op.create_index("ix_places_parent", "places", ["parent_id"])
    op.create_table(
        "figures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("place_id", sa.Integer, sa.ForeignKey("places.id"), nullable=False),
        sa.Column("indicator", sa.String(20), nullable=False),
        sa.Column("sector", sa.String(40), nullable=False, server_default=""),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id")),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id"), nullable=False),
        sa.Column("row_number", sa.Integer, nullable=False),
        sa.Column("column", sa.String(8)),
    )
    op.create_index("ix_figures_lookup", "figures", ["indicator", "sector", "place_id", "date"])
    op.create_table(
        "access_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("place_id", sa.Integer, sa.ForeignKey("places.id"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("party", sa.Text),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id")),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id"), nullable=False),
        sa.Column("row_number", sa.Integer, nullable=False),
    )
    op.create_index("ix_access_place", "access_changes", ["place_id", "valid_from"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("place_id", sa.Integer, sa.ForeignKey("places.id"), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("date_start", sa.Date),
        sa.Column("date_end", sa.Date),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("sector", sa.String(40), nullable=False, server_default=""),
        sa.Column("reached", sa.Float),
        sa.Column("households", sa.Float),
        sa.Column("reached_female", sa.Float),
        sa.Column("reached_male", sa.Float),
        sa.Column("reached_children", sa.Float),
        sa.Column("org_impl", sa.Text),
        sa.Column("org_reporting", sa.Text),
        sa.Column("donor", sa.Text),
        sa.Column("activity", sa.Text),
        sa.Column("modality", sa.Text),
        sa.Column("item", sa.Text),
        sa.Column("quantity", sa.Float),
        sa.Column("unit", sa.Text),
        sa.Column("value_usd", sa.Float),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id")),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id"), nullable=False),
        sa.Column("row_number", sa.Integer, nullable=False),
    )
    # The one index the analysis reads, covering delivered rows only: per place, the last
    # delivery is one seek and the deliveries of a window one range.
    op.create_index(
        "ix_deliveries_place_date",
        "deliveries",
        ["place_id", "date", "sector", "reached"],
        sqlite_where=DELIVERED,
        postgresql_where=DELIVERED,
    )


def downgrade() -> None:
    op.drop_table("deliveries")
    op.drop_table("access_changes")
    op.drop_table("figures")
    op.drop_table("places")
    op.drop_table("imports")
    op.drop_table("sources")
