"""The tables, as SQLAlchemy Core sees them. Migrations in ``migrations/versions`` create them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
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
    Column("name", Text, nullable=False, unique=True),
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
    Column("organisation_id", Integer, ForeignKey("organisations.id")),  # migration 0006
    Column("recognition", Text),  # migration 0009: JSON, how the kind was recognised
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
    Column("sector", Text, nullable=False, default=""),
    Column("date", Date, nullable=False),
    Column("value", Float, nullable=False),
    Column("source_id", Integer, ForeignKey("sources.id")),
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("column", String(8)),
    Column("reliability", String(1)),  # a grade of its own, over its source's (migration 0004)
    Column("credibility", SmallInteger),
    # Dimensions (migration 0008): '' is the total in that dimension; the place's figure is the
    # row that is total in all four.
    Column("gender", Text, nullable=False, default="", server_default=""),
    Column("age", Text, nullable=False, default="", server_default=""),
    Column("population_group", Text, nullable=False, default="", server_default=""),
    Column("disability", Text, nullable=False, default="", server_default=""),
    # The row's key in the system it came from (a Kobo submission's _uuid; migration 0013).
    Column("external_key", Text, index=True),
)

#: The dimensions of a figure, as columns of ``figures``; ``''`` is the total in each.
FIGURE_DIMENSIONS = ("gender", "age", "population_group", "disability")

#: Presence (3W, operational presence): an organisation works in a sector in a place (0009).
presence = Table(
    "presence",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("place_id", Integer, ForeignKey("places.id"), nullable=False, index=True),
    Column("org", Text, nullable=False),
    Column("org_acronym", Text),
    Column("org_type", Text),
    Column("sector", Text, nullable=False, default=""),
    Column("activity", Text),
    Column("date", Date),
    Column("source_id", Integer, ForeignKey("sources.id")),
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=False, index=True),
    Column("row_number", Integer, nullable=False),
)

#: Columns of ``presence`` that an import fills, in insert order.
PRESENCE_COLUMNS = (
    "place_id",
    "org",
    "org_acronym",
    "org_type",
    "sector",
    "activity",
    "date",
    "source_id",
    "import_id",
    "row_number",
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
    Column("sector", Text, nullable=False, default=""),
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
    # The row's key in the system it came from (a Kobo submission's _uuid; migration 0013).
    Column("external_key", Text, index=True),
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
    "external_key",
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
    "reliability",
    "credibility",
    *FIGURE_DIMENSIONS,
    "external_key",
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

# -- evidence: photos and videos (migration 0003) -----------------------------------------------

evidence_items = Table(
    "evidence_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sha256", String(64), nullable=False, index=True),
    Column("kind", String(8), nullable=False),  # photo | video
    Column("extension", String(8), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("file_name", Text, nullable=False),  # the name it was registered under
    Column("stored_path", Text, nullable=False),  # in the evidence folder: <sha[:2]>/<sha>.<ext>
    Column("source_id", Integer, ForeignKey("sources.id")),
    Column("place_id", Integer, ForeignKey("places.id")),
    Column("incident_id", Integer),  # the incident shown; no foreign key (0003 came first)
    Column("claimed_date", Date),
    Column("claim", Text),
    Column("taken_at", DateTime),  # EXIF DateTimeOriginal, or the video's creation time
    Column("lat", Float),  # EXIF GPS
    Column("lon", Float),
    Column("duration", Float),  # seconds, videos only
    Column("width", Integer),
    Column("height", Integer),
    Column("status", String(16), nullable=False, default="unverified"),
    Column("registered_at", DateTime, nullable=False),
)

evidence_hashes = Table(
    "evidence_hashes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("evidence_items.id"), nullable=False, index=True),
    Column("frame", Integer, nullable=False),  # 0 for a photo; the keyframe's number for a video
    Column("seconds", Float, nullable=False),
    Column("pdq", String(64), nullable=False),  # 256 bits as hex
    Column("quality", SmallInteger, nullable=False),
    Column("variant", SmallInteger, nullable=False, default=0),  # 0: as registered; else a crop
)

evidence_status = Table(
    "evidence_status",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("evidence_items.id"), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("set_by", Text, nullable=False),
    Column("why", Text, nullable=False),
    Column("set_at", DateTime, nullable=False),
)

evidence_matches = Table(
    "evidence_matches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("evidence_items.id"), nullable=False, index=True),
    Column("match_id", Integer, ForeignKey("evidence_items.id"), nullable=False),
    Column("distance", SmallInteger, nullable=False),
    Column("frames", Integer, nullable=False),
    Column("transform", Text, nullable=False, default=""),
)

# -- the audit trail (migration 0004) ------------------------------------------------------------

changes = Table(
    "changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", String(20), nullable=False),  # import | undo | edit | delete | grade | status
    Column("record_kind", String(20), nullable=False),  # figure | access | delivery | source | ...
    Column("record_id", Integer),
    Column("place_id", Integer, ForeignKey("places.id"), index=True),
    Column("import_id", Integer, ForeignKey("imports.id")),
    Column("before", Text),  # JSON of the record before, or of what an import changed there
    Column("after", Text),
    Column("why", Text),
)

# -- convoys, incidents and damage (migration 0005) ----------------------------------------------

convoys = Table(
    "convoys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", Text, nullable=False),  # the convoy's own reference
    Column("place_id", Integer, ForeignKey("places.id"), nullable=False),
    Column("status", String(20), nullable=False),  # model.vocab: requested ... delivered
    Column("requested_on", Date, nullable=False),
    Column("agencies", Text),
    Column("trucks", Integer),
    Column("planned_people", Float),
    Column("decided_on", Date),
    Column("decided_by", Text),
    Column("decision_reason", Text),
    Column("trucks_approved", Integer),
    Column("people_approved", Float),
    Column("delivered_on", Date),
    Column("reached", Float),
    Column("note", Text),
    Column("source_id", Integer, ForeignKey("sources.id")),
    Column("import_id", Integer, ForeignKey("imports.id")),  # None when entered on the command line
    Column("row_number", Integer),
)

convoy_items = Table(
    "convoy_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("convoy_id", Integer, ForeignKey("convoys.id"), nullable=False),
    Column("item", Text, nullable=False),
    Column("category", String(20), nullable=False, default=""),  # medical, food, nfi, ...
    Column("unit", Text),
    Column("planned", Float),
    Column("arrived", Float),
    Column("removed", Float),  # taken off at checkpoints
    Column("removed_by", Text),
    Column("import_id", Integer, ForeignKey("imports.id")),
    Column("row_number", Integer),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_code", Text),  # ACLED's event_id_cnty
    Column("date", Date, nullable=False),
    Column("event_type", Text, nullable=False, default=""),
    Column("sub_event_type", Text),
    Column("actor1", Text),
    Column("actor2", Text),
    Column("fatalities", Integer),
    Column("attack_on_aid", Boolean, nullable=False, default=False),
    Column("lat", Float),
    Column("lon", Float),
    Column("location", Text),  # the name the source gives
    Column("admin_names", Text),  # admin1/admin2/admin3 as the source gives them, "/"-joined
    Column("notes", Text),
    Column("reported_by", Text),  # ACLED's "source" column: the media that reported it
    Column("place_id", Integer, ForeignKey("places.id")),  # None: could not be placed (reported)
    # pcode | polygon | nearest | name | none
    Column("placed_by", String(12), nullable=False, default="none"),
    Column("place_confidence", Float),  # 0-1
    Column("place_distance_km", Float),  # for "nearest"
    Column("source_id", Integer, ForeignKey("sources.id")),
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=False),
    Column("row_number", Integer, nullable=False),
)

#: Conflict events counted per place, period and type by another source (HDX HAPI's conflict
#: events, which count ACLED's events per district and month; migration 0014). Counts, not
#: events: they are never added to ``incidents``, which holds one row per event.
event_counts = Table(
    "event_counts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("place_id", Integer, ForeignKey("places.id"), nullable=False, index=True),
    Column("event_type", Text, nullable=False),  # HAPI's political_violence, ...
    Column("date_start", Date, nullable=False),
    Column("date_end", Date, nullable=False),
    Column("events", Integer, nullable=False),
    Column("fatalities", Integer),  # None: not given (suppressed in a public copy)
    Column("source_id", Integer, ForeignKey("sources.id")),
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=False, index=True),
    Column("row_number", Integer, nullable=False),
)

#: Columns of ``event_counts`` that an import fills, in insert order.
EVENT_COUNT_COLUMNS = (
    "place_id",
    "event_type",
    "date_start",
    "date_end",
    "events",
    "fatalities",
    "source_id",
    "import_id",
    "row_number",
)

damage = Table(
    "damage",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("place_id", Integer, ForeignKey("places.id"), nullable=False),
    Column("date", Date, nullable=False),  # date of the imagery or the assessment
    Column("site", Text),  # a building or site, for a point
    Column("damage_class", SmallInteger),  # UNOSAT: 1 destroyed, 2 severe, 3 moderate, 4 possible
    Column("destroyed", Float, nullable=False, default=0),
    Column("severe", Float, nullable=False, default=0),
    Column("moderate", Float, nullable=False, default=0),
    Column("possible", Float, nullable=False, default=0),
    Column("unit", String(20), nullable=False, default="buildings"),  # buildings | houses
    Column("lat", Float),
    Column("lon", Float),
    Column("source_id", Integer, ForeignKey("sources.id")),
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=False),
    Column("row_number", Integer, nullable=False),
)

# -- accounts (migration 0006) -------------------------------------------------------------------

organisations = Table(
    "organisations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(80), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),  # argon2id, lagebild.security.passwords
    Column("role", String(12), nullable=False),  # viewer | partner | analyst | admin
    Column("organisation_id", Integer, ForeignKey("organisations.id")),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
    Column("password_set_at", DateTime, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256 of the cookie
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("client", String(64)),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256 of the token
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("label", Text),
    Column("created_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
)

signin_failures = Table(
    "signin_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("account", String(80), nullable=False, index=True),
    Column("client", String(64), nullable=False, index=True),
)


#: Tag maps saved under a name (header text -> hashtag, as JSON), a partner's for its own (0010).
tag_maps = Table(
    "tag_maps",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, index=True),
    Column("organisation_id", Integer, ForeignKey("organisations.id")),
    Column("mapping", Text, nullable=False),
    Column("saved_at", DateTime, nullable=False),
    Column("saved_by", Text),
)


# -- the inputs of a delivery plan (migration 0011; docs/plan.md) --------------------------------
# Warehouses, items and routes are known by name (case aside); a later import naming one again
# replaces it. Stock and routes name their warehouse (and item) as it is stored.

plan_warehouses = Table(
    "plan_warehouses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("place_id", Integer, ForeignKey("places.id"), index=True),  # None: by coordinates
    Column("lat", Float),
    Column("lon", Float),
    Column("trucks_per_week", Float, nullable=False),
    Column("source_id", Integer, ForeignKey("sources.id")),
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=False, index=True),
    Column("row_number", Integer, nullable=False),
)

plan_items = Table(
    "plan_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("sector", Text, nullable=False, default=""),
    Column("people_per_unit_week", Float, nullable=False),
    Column("units_per_truck", Float, nullable=False),
    Column("unit", Text),
    Column("kcal", Float),  # per unit
    Column("protein_g", Float),
    Column("fat_g", Float),
    Column("source_id", Integer, ForeignKey("sources.id")),
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=False, index=True),
    Column("row_number", Integer, nullable=False),
)

plan_stock = Table(
    "plan_stock",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("warehouse", Text, nullable=False),
    Column("item", Text, nullable=False),
    Column("units", Float, nullable=False),
    Column("date", Date),  # None: undated, older than any dated count
    Column("source_id", Integer, ForeignKey("sources.id")),
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=False, index=True),
    Column("row_number", Integer, nullable=False),
)

plan_place_limits = Table(
    "plan_place_limits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("place_id", Integer, ForeignKey("places.id"), nullable=False, index=True),
    Column("trucks_per_week", Float, nullable=False),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("source_id", Integer, ForeignKey("sources.id")),
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=False, index=True),
    Column("row_number", Integer, nullable=False),
)

plan_routes = Table(
    "plan_routes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("warehouse", Text, nullable=False),
    Column("place_id", Integer, ForeignKey("places.id"), nullable=False, index=True),
    Column("trucks_per_week", Float),
    Column("distance_km", Float),
    Column("source_id", Integer, ForeignKey("sources.id")),
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=False, index=True),
    Column("row_number", Integer, nullable=False),
)

#: Each kind of planning input: its table (the import's ``kind`` is the key).
PLAN_TABLES = {
    "warehouses": plan_warehouses,
    "items": plan_items,
    "stock": plan_stock,
    "place_limits": plan_place_limits,
    "routes": plan_routes,
}

#: Delivery plans saved under a name (``lagebild plan --save``), to compare scenarios: the whole
#: report, with the instance it solved, as JSON.
saved_plans = Table(
    "saved_plans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("saved_at", DateTime, nullable=False),
    Column("saved_by", Text),
    Column("as_of", Date, nullable=False),
    Column("weeks", Integer, nullable=False),
    Column("objective", Float),
    Column("note", Text),
    Column("report", Text, nullable=False),
)
