"""The metadata that makes a lagebild database a documented, queryable copy in Datasette
(``lagebild datasette-metadata``; ``datasette public.db -m metadata.json``): per table its
title, description, licence, source and what each column means (with units), canned queries
for the cut-off places and the gaps of a date, and the confidential tables hidden (a copy
from ``lagebild export share`` holds no row of them).
"""

from __future__ import annotations

from typing import Any

from lagebild import __version__
from lagebild.publish.share import hidden_tables
from lagebild.security import protocol as sharing
from lagebild.store.published import CUT_OFF_SQL, GAPS_SQL, table_columns, table_names

PEOPLE = "people"
PLACE = "The place (places.id): its P-code, names and level are in places"
SOURCE = "Who said it (sources.id)"
IMPORT = "The import that brought the record (imports.id)"
ROW = "The row of the imported file"

#: The tables an analyst reads, each with its title, description and its columns' meanings.
TABLES: dict[str, dict[str, Any]] = {
    "places": {
        "title": "Places (P-code gazetteer)",
        "description": "The common operational dataset's places: country, governorates (adm1), "
        "districts (adm2), sub-districts (adm3), communities (adm4); a P-code retired by a newer "
        "gazetteer has valid_to.",
        "columns": {
            "pcode": "The P-code (SY02 governorate, SY0200 district, SY020000 sub-district, "
            "C1007 community)",
            "level": "0 country, 1 governorate, 2 district, 3 sub-district, 4 community",
            "parent_id": "The place above (places.id)",
            "name_en": "Name in English",
            "name_ar": "Name in Arabic",
            "lat": "Latitude, WGS 84 (degrees)",
            "lon": "Longitude, WGS 84 (degrees)",
            "valid_from": "Published on (the gazetteer version)",
            "valid_to": "Retired on (none: current)",
        },
    },
    "figures": {
        "title": "Figures: population, people in need, displaced, besieged",
        "description": "One number about one place at one date from one source; several "
        "sources' numbers are kept side by side. A place's figure is the row total in every "
        "dimension (gender, age, population_group, disability all empty).",
        "units": {"value": PEOPLE},
        "columns": {
            "place_id": PLACE,
            "indicator": "What is counted: population, inneed (people in need), idps (displaced, "
            "a stock), besieged, hard_to_reach, returnees, ...; *_share is percent",
            "sector": "The sector (empty: inter-sector)",
            "date": "The date the figure is about",
            "value": "The number of people (percent for *_share)",
            "source_id": SOURCE,
            "reliability": "The figure's own Admiralty reliability grade (A-F), over its source's",
            "credibility": "The figure's own Admiralty credibility grade (1-6)",
            "gender": "f, m, or empty (all)",
            "age": "An age range (0-4, 65+) or empty (all ages)",
            "population_group": "idps, refugees, returnees, or empty (all)",
            "disability": "y, n, or empty (all)",
            "import_id": IMPORT,
            "row_number": ROW,
        },
    },
    "access_changes": {
        "title": "Access status over time",
        "description": "A place's access (accessible, hard_to_reach, besieged) valid from a "
        "date until the next change; party is the besieging party.",
        "columns": {
            "place_id": PLACE,
            "status": "accessible, hard_to_reach or besieged",
            "party": "The besieging party",
            "valid_from": "Valid from this date",
            "source_id": SOURCE,
        },
    },
    "deliveries": {
        "title": "Deliveries (4W)",
        "description": "Who delivered what, where, when, for how many. Counts below the "
        "protocol's threshold are suppressed (empty) in a shared copy; the organisations, "
        "donor and source are left out of a public copy.",
        "units": {"reached": PEOPLE, "households": "households", "value_usd": "USD"},
        "columns": {
            "place_id": PLACE,
            "date": "The delivery's date (its end date, for a period)",
            "status": "planned, completed, partial, denied or cancelled",
            "sector": "The sector",
            "reached": "People reached",
            "households": "Households reached",
            "org_impl": "Implementing organisation",
            "org_reporting": "Reporting organisation",
            "donor": "Donor",
            "activity": "Activity",
            "modality": "in kind, cash, voucher, service, ...",
            "quantity": "Quantity of the item, in unit",
            "value_usd": "Value in US dollars",
        },
    },
    "presence": {
        "title": "Operational presence (3W)",
        "description": "An organisation works in a sector in a place. Presence reaches no one "
        "by itself and never counts in gaps.",
        "columns": {"place_id": PLACE, "org": "The organisation", "sector": "The sector"},
    },
    "incidents": {
        "title": "Conflict incidents",
        "description": "Dated conflict events at places, as in ACLED. In a public copy the "
        "coordinates are rounded to the protocol's grid and the location, notes and reporters "
        "left out; fatalities below the threshold are suppressed.",
        "units": {"fatalities": PEOPLE, "lat": "degrees", "lon": "degrees"},
        "columns": {
            "date": "The date of the event",
            "event_type": "ACLED's event type",
            "fatalities": "People killed",
            "place_id": "The place the event was placed in (places.id)",
            "attack_on_aid": "1 when aid workers, convoys or facilities were attacked",
        },
    },
    "event_counts": {
        "title": "Conflict events counted by other sources",
        "description": "Conflict events of one type counted per place and period by another "
        "source, as HDX HAPI counts ACLED's events per district and month. Counts, never added "
        "to the incidents (which may be the same events); a later import of the same place, "
        "type, period and source replaces an earlier one.",
        "units": {"events": "events", "fatalities": PEOPLE},
        "columns": {
            "place_id": PLACE,
            "event_type": "HAPI's event type: political_violence, civilian_targeting or "
            "demonstration",
            "date_start": "The first day of the period counted",
            "date_end": "The last day of the period counted",
            "events": "Events counted",
            "fatalities": "People killed in them (empty: not given)",
        },
    },
    "damage": {
        "title": "Building damage",
        "description": "Buildings destroyed, severely, moderately and possibly damaged per "
        "place and date, as in UNOSAT's assessments.",
        "units": {"destroyed": "buildings or houses (unit)", "severe": "buildings or houses",
                  "moderate": "buildings or houses", "possible": "buildings or houses"},
        "columns": {"place_id": PLACE, "date": "The date of the imagery or assessment",
                    "unit": "buildings or houses"},
    },  # fmt: skip
    "convoys": {
        "title": "Inter-agency convoys",
        "description": "Requests, decisions and deliveries of convoys to besieged and "
        "hard-to-reach places.",
        "units": {"planned_people": PEOPLE, "people_approved": PEOPLE, "reached": PEOPLE},
        "columns": {"place_id": PLACE, "status": "requested, approved, partly_approved, "
                    "denied or delivered"},
    },  # fmt: skip
    "convoy_items": {
        "title": "Convoy items",
        "description": "What each convoy planned to carry, what arrived and what was removed "
        "at checkpoints.",
        "columns": {"convoy_id": "The convoy (convoys.id)"},
    },
    "sources": {
        "title": "Sources",
        "description": "Who said it, with its Admiralty grade (reliability A-F, credibility "
        "1-6, or unrated).",
        "columns": {"reliability": "A (reliable) to F (cannot be judged)",
                    "credibility": "1 (confirmed) to 6 (cannot be judged)"},
    },  # fmt: skip
    "imports": {
        "title": "Imports",
        "description": "Every file imported, when and of which kind; a public copy leaves out "
        "file names, hashes and organisations.",
        "columns": {"kind": "The kind of data", "status": "committed or undone"},
    },
}


def _table(name: str, hidden: set[str]) -> dict[str, Any]:
    if name in hidden:
        return {"hidden": True}
    described = TABLES.get(name)
    if described is None:
        return {"description": f"lagebild's table {name}."}
    columns = table_columns(name)
    out = {k: v for k, v in described.items() if k != "columns"}
    out["columns"] = {k: v for k, v in described["columns"].items() if k in columns}
    return out


def datasette_metadata(
    role: str = "viewer",
    database: str = "lagebild",
    licence: str = "CC BY 4.0",
    licence_url: str = "https://creativecommons.org/licenses/by/4.0/",
    source: str = "lagebild",
    protocol: sharing.Protocol | None = None,
) -> dict[str, Any]:
    """Datasette's metadata for a copy shared with ``role`` (its file named ``database``)."""
    hidden = set(hidden_tables(role, protocol)) | {"alembic_version"}
    threshold = (protocol or sharing.default()).threshold
    tables = {name: _table(name, hidden) for name in [*table_names(), "alembic_version"]}
    return {
        "title": "lagebild: the situation picture",
        "description": (
            f"A copy of a lagebild database for a {role}: what that role may see under the "
            f"information sharing protocol (counts above 0 and below {threshold} suppressed "
            "in a public copy, confidential tables empty and hidden)."
        ),
        "license": licence,
        "license_url": licence_url,
        "source": source,
        "databases": {
            database: {
                "description": f"Written by lagebild {__version__}.",
                "tables": tables,
                "queries": {
                    "cut_off_places": {
                        "title": "Places cut off on a date",
                        "description": "Places with people in need of their own and no "
                        "completed or partial delivery in the 30 days to :date (YYYY-MM-DD), "
                        "in them or below, most people in need first.",
                        "sql": CUT_OFF_SQL.strip(),
                    },
                    "gaps": {
                        "title": "Gaps on a date",
                        "description": "People in need, reached in the 30 days to :date "
                        "(the largest sector; reached_upper: the sum over sectors), coverage, "
                        "the last delivery and days without aid: cut-off places first by "
                        "people in need, then the rest by coverage, lowest first.",
                        "sql": GAPS_SQL.strip(),
                    },
                },
            }
        },
    }


__all__ = ["TABLES", "datasette_metadata"]
