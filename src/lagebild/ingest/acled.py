"""ACLED's own export: its column names and the hashtags of HDX's form they stand for."""

from __future__ import annotations

from collections.abc import Sequence

#: ACLED's column names (current and the older upper-case schema) -> the hashtags of HDX's form.
#: ACLED's ``iso`` and ``gwno`` are numeric country codes, not P-codes: they stay untagged.
ACLED_TAGS: dict[str, str] = {
    "event_id_cnty": "#event+code",
    "event_id_no_cnty": "#event+code+num",
    "event_date": "#date+occurred",
    "year": "#date+year",
    "time_precision": "#date+precision",
    "disorder_type": "#event+type+disorder",
    "event_type": "#event+type",
    "sub_event_type": "#event+type+sub",
    "actor1": "#group+name+first",
    "assoc_actor_1": "#group+name+first+assoc",
    "ally_actor_1": "#group+name+first+assoc",
    "inter1": "#group+type+first",
    "actor2": "#group+name+second",
    "assoc_actor_2": "#group+name+second+assoc",
    "ally_actor_2": "#group+name+second+assoc",
    "inter2": "#group+type+second",
    "interaction": "#group+interaction",
    "civilian_targeting": "#event+civilians",
    "region": "#region+name",
    "country": "#country+name",
    "admin1": "#adm1+name",
    "admin2": "#adm2+name",
    "admin3": "#adm3+name",
    "location": "#loc+name",
    "latitude": "#geo+lat",
    "longitude": "#geo+lon",
    "geo_precision": "#geo+precision",
    "source": "#meta+source",
    "source_scale": "#meta+source+scale",
    "notes": "#description",
    "fatalities": "#affected+killed",
    "tags": "#meta+tags",
    "timestamp": "#date+timestamp",
}
#: A header row with these is ACLED's.
_ACLED_NEEDS = frozenset({"event_date", "event_type"})
_ACLED_MIN_COLUMNS = 8


def acled_tag_map(head: Sequence[Sequence[str]]) -> dict[str, str] | None:
    """The tag map for a file whose header row is ACLED's (any case), else None."""
    for cells in head:
        names = {c.strip().casefold() for c in cells if c and c.strip()}
        if _ACLED_NEEDS <= names and len(names & ACLED_TAGS.keys()) >= _ACLED_MIN_COLUMNS:
            return dict(ACLED_TAGS)
    return None
