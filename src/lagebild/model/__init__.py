"""Plain typed records and the vocabularies every layer shares."""

from lagebild.model.records import (
    AccessRow,
    FigureRow,
    ImportRecord,
    Place,
    Source,
)
from lagebild.model.vocab import (
    ACCESS_STATUSES,
    DELIVERED_STATUSES,
    DELIVERY_STATUSES,
    INDICATOR_NAMES,
    INDICATORS,
    LEVELS,
    SOURCE_KINDS,
    Level,
    level_name,
    normalise_access,
    normalise_indicator,
    normalise_sector,
    normalise_source_kind,
    normalise_status,
    parse_level,
)

__all__ = [
    "ACCESS_STATUSES",
    "DELIVERED_STATUSES",
    "DELIVERY_STATUSES",
    "INDICATORS",
    "INDICATOR_NAMES",
    "LEVELS",
    "SOURCE_KINDS",
    "AccessRow",
    "FigureRow",
    "ImportRecord",
    "Level",
    "Place",
    "Source",
    "level_name",
    "normalise_access",
    "normalise_indicator",
    "normalise_sector",
    "normalise_source_kind",
    "normalise_status",
    "parse_level",
]
