"""The inputs of a delivery plan (docs/plan.md): warehouses, items, stock, place limits and
routes, each row with the import and row it came from.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _provenance() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id")),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id"), nullable=False,
                  index=True),
        sa.Column("row_number", sa.Integer, nullable=False),
    ]  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "plan_warehouses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("place_id", sa.Integer, sa.ForeignKey("places.id"), index=True),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("trucks_per_week", sa.Float, nullable=False),
        *_provenance(),
    )
    op.create_table(
        "plan_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("sector", sa.Text, nullable=False, server_default=""),
        sa.Column("people_per_unit_week", sa.Float, nullable=False),
        sa.Column("units_per_truck", sa.Float, nullable=False),
        sa.Column("unit", sa.Text),
        sa.Column("kcal", sa.Float),
        sa.Column("protein_g", sa.Float),
        sa.Column("fat_g", sa.Float),
        *_provenance(),
    )
    op.create_table(
        "plan_stock",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("warehouse", sa.Text, nullable=False),
        sa.Column("item", sa.Text, nullable=False),
        sa.Column("units", sa.Float, nullable=False),
        sa.Column("date", sa.Date),
        *_provenance(),
    )
    op.create_table(
        "plan_place_limits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("place_id", sa.Integer, sa.ForeignKey("places.id"), nullable=False,
                  index=True),
        sa.Column("trucks_per_week", sa.Float, nullable=False),
        sa.Column("valid_from", sa.Date),
        sa.Column("valid_to", sa.Date),
        *_provenance(),
    )  # fmt: skip
    op.create_table(
        "plan_routes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("warehouse", sa.Text, nullable=False),
        sa.Column("place_id", sa.Integer, sa.ForeignKey("places.id"), nullable=False,
                  index=True),
        sa.Column("trucks_per_week", sa.Float),
        sa.Column("distance_km", sa.Float),
        *_provenance(),
    )  # fmt: skip


def downgrade() -> None:
    for name in ("plan_routes", "plan_place_limits", "plan_stock", "plan_items",
                 "plan_warehouses"):
        op.drop_table(name)  # fmt: skip
