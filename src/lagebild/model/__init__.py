"""Plain typed records and the vocabularies every layer shares."""

from lagebild.model.records import (
    AccessChange,
    Delivery,
    Figure,
    ImportRecord,
    Place,
    Source,
)
from lagebild.model.vocab import (
    ACCESS_STATUSES,
    DELIVERED_STATUSES,
    DELIVERY_STATUSES,
    INDICATORS,
    LEVELS,
    Level,
    level_name,
    normalise_access,
    normalise_sector,
    normalise_status,
    parse_level,
)

__all__ = [
    "ACCESS_STATUSES",
    "DELIVERED_STATUSES",
    "DELIVERY_STATUSES",
    "INDICATORS",
    "LEVELS",
    "AccessChange",
    "Delivery",
    "Figure",
    "ImportRecord",
    "Level",
    "Place",
    "Source",
    "level_name",
    "normalise_access",
    "normalise_sector",
    "normalise_status",
    "parse_level",
]
