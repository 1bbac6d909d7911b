"""The tables, as SQLAlchemy Core sees them. Migrations in ``migrations/versions`` create them."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
)

metadata = MetaData()

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("kind", String(40)),
    Column("reliability", String(1)),  # Admiralty A-F
    Column("credibility", SmallInteger),  # Admiralty 1-6
    Column("note", Text),
)

imports = Table(
    "imports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file_name", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("source_id", Integer, ForeignKey("sources.id")),
    Column("imported_at", DateTime, nullable=False),
    Column("row_count", Integer, nullable=False, default=0),
    Column("rejected_count", Integer, nullable=False, default=0),
    Column("warning_count", Integer, nullable=False, default=0),
    Column("options", Text),
    Column("status", String(20), nullable=False, default="committed"),
)

places = Table(
    "places",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pcode", String(32), nullable=False, unique=True),
    Column("level", SmallInteger, nullable=False),
    Column("parent_id", Integer, ForeignKey("places.id")),
    Column("name_en", Text),
    Column("name_ar", Text),
    Column("lat", Float),
    Column("lon", Float),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("import_id", Integer, ForeignKey("imports.id")),
    Column("row_number", Integer),
    Column("geometry", Text),  # a GeoJSON geometry (WGS 84), from a gazetteer with boundaries
)

figures = Table(
    "figures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("place_id", Integer, ForeignKey("places.id"), nullable=False),
    Column("indicator", String(20), nullable=False),
    Column("sector", String(40), nullable=False, default=""),
    Column("date", Date, nullable=False),
    Column("value", Float, nullable=False),
    Column("source_id", Integer, ForeignKey("sources.id")),
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("column", String(8)),
)

access_changes = Table(
    "access_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("place_id", Integer, ForeignKey("places.id"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("party", Text),
    Column("valid_from", Date, nullable=False),
    Column("source_id", Integer, ForeignKey("sources.id")),
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=False),
    Column("row_number", Integer, nullable=False),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("place_id", Integer, ForeignKey("places.id"), nullable=False),
    Column("date", Date, nullable=False),
    Column("date_start", Date),
    Column("date_end", Date),
    Column("status", String(12), nullable=False),
    Column("sector", String(40), nullable=False, default=""),
    Column("reached", Float),
    Column("households", Float),
    Column("reached_female", Float),
    Column("reached_male", Float),
    Column("reached_children", Float),
    Column("org_impl", Text),
    Column("org_reporting", Text),
    Column("donor", Text),
    Column("activity", Text),
    Column("modality", Text),
    Column("item", Text),
    Column("quantity", Float),
    Column("unit", Text),
    Column("value_usd", Float),
    Column("source_id", Integer, ForeignKey("sources.id")),
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=False),
    Column("row_number", Integer, nullable=False),
)

#: Columns of ``deliveries`` that an import fills, in insert order.
DELIVERY_COLUMNS = (
    "place_id",
    "date",
    "date_start",
    "date_end",
    "status",
    "sector",
    "reached",
    "households",
    "reached_female",
    "reached_male",
    "reached_children",
    "org_impl",
    "org_reporting",
    "donor",
    "activity",
    "modality",
    "item",
    "quantity",
    "unit",
    "value_usd",
    "source_id",
    "import_id",
    "row_number",
)
FIGURE_COLUMNS = (
    "place_id",
    "indicator",
    "sector",
    "date",
    "value",
    "source_id",
    "import_id",
    "row_number",
    "column",
)
ACCESS_COLUMNS = (
    "place_id",
    "status",
    "party",
    "valid_from",
    "source_id",
    "import_id",
    "row_number",
)
