"""Convoys, incidents and damage.

A convoy has a life (requested, approved / partly approved / denied, delivered) and items that
were planned, arrived or were removed at checkpoints. An incident is a conflict event as ACLED
records it, placed on a P-code by point in polygon, nearest community or name, with how it was
placed. A damage row is a UNOSAT point (a building or site with a damage class) or a count
per place.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "convoys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(60), nullable=False),
        sa.Column("place_id", sa.Integer, sa.ForeignKey("places.id"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("requested_on", sa.Date, nullable=False),
        sa.Column("agencies", sa.Text),
        sa.Column("trucks", sa.Integer),
        sa.Column("planned_people", sa.Float),
        sa.Column("decided_on", sa.Date),
        sa.Column("decided_by", sa.Text),
        sa.Column("decision_reason", sa.Text),
        sa.Column("trucks_approved", sa.Integer),
        sa.Column("people_approved", sa.Float),
        sa.Column("delivered_on", sa.Date),
        sa.Column("reached", sa.Float),
        sa.Column("note", sa.Text),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id")),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id")),
        sa.Column("row_number", sa.Integer),
    )
    op.create_index("ix_convoys_place_id", "convoys", ["place_id", "requested_on"])
    op.create_index("ix_convoys_code", "convoys", ["code"])
    op.create_table(
        "convoy_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("convoy_id", sa.Integer, sa.ForeignKey("convoys.id"), nullable=False),
        sa.Column("item", sa.Text, nullable=False),
        sa.Column("category", sa.String(20), nullable=False, server_default=""),
        sa.Column("unit", sa.Text),
        sa.Column("planned", sa.Float),
        sa.Column("arrived", sa.Float),
        sa.Column("removed", sa.Float),
        sa.Column("removed_by", sa.Text),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id")),
        sa.Column("row_number", sa.Integer),
    )
    op.create_index("ix_convoy_items_convoy_id", "convoy_items", ["convoy_id"])
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_code", sa.String(40)),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("event_type", sa.String(80), nullable=False, server_default=""),
        sa.Column("sub_event_type", sa.String(80)),
        sa.Column("actor1", sa.Text),
        sa.Column("actor2", sa.Text),
        sa.Column("fatalities", sa.Integer),
        sa.Column("attack_on_aid", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("location", sa.Text),
        sa.Column("admin_names", sa.Text),
        sa.Column("notes", sa.Text),
        sa.Column("reported_by", sa.Text),
        sa.Column("place_id", sa.Integer, sa.ForeignKey("places.id")),
        sa.Column("placed_by", sa.String(12), nullable=False, server_default="none"),
        sa.Column("place_confidence", sa.Float),
        sa.Column("place_distance_km", sa.Float),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id")),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id"), nullable=False),
        sa.Column("row_number", sa.Integer, nullable=False),
    )
    op.create_index("ix_incidents_place_date", "incidents", ["place_id", "date"])
    op.create_index("ix_incidents_date", "incidents", ["date"])
    op.create_table(
        "damage",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("place_id", sa.Integer, sa.ForeignKey("places.id"), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("site", sa.Text),
        sa.Column("damage_class", sa.SmallInteger),
        sa.Column("destroyed", sa.Float, nullable=False, server_default="0"),
        sa.Column("severe", sa.Float, nullable=False, server_default="0"),
        sa.Column("moderate", sa.Float, nullable=False, server_default="0"),
        sa.Column("possible", sa.Float, nullable=False, server_default="0"),
        sa.Column("unit", sa.String(20), nullable=False, server_default="buildings"),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id")),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id"), nullable=False),
        sa.Column("row_number", sa.Integer, nullable=False),
    )
    op.create_index("ix_damage_place_date", "damage", ["place_id", "date"])


def downgrade() -> None:
    for index, table in (
        ("ix_damage_place_date", "damage"),
        ("ix_incidents_date", "incidents"),
        ("ix_incidents_place_date", "incidents"),
        ("ix_convoy_items_convoy_id", "convoy_items"),
        ("ix_convoys_code", "convoys"),
        ("ix_convoys_place_id", "convoys"),
    ):
        op.drop_index(index, table)
    for table in ("damage", "incidents", "convoy_items", "convoys"):
        op.drop_table(table)
