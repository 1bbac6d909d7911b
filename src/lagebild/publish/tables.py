"""Every output table defined once: its columns, their headers, HXL hashtags and formats.

Per table: the key of each column's value in a row, its header as shown (the web translates it
with its gettext), its hashtag and how the readable table shows it. The command line, the API
and the downloads render from these definitions (``render.to_table``, ``render.to_csv``) and
define no columns of their own; the pages' templates lay out their tables by hand, with the
same keys.

A table whose columns depend on the result (the level of the places, the event types, the
damage units) is a function; the others are lists. The web adds ``SUPPRESSED`` to the tables
the sharing protocol may suppress counts of (``with_suppressed``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lagebild.analysis.situation import COLUMNS


@dataclass(frozen=True)
class Col:
    """One column: ``key`` of the row's value, ``title`` of its header, ``hxl`` its hashtag.

    ``percent`` is the format of a share in the readable table (``.1%``: 12.5 %), ``decimals``
    the digits it shows after the point of other numbers (none by default), ``yes`` the
    word shown there for true; ``in_table`` is false for a column only the downloads and the
    JSON carry (long lists of sources or names: a terminal has 80 columns).
    """

    key: str
    title: str
    hxl: str
    percent: str = ""
    yes: str = "yes"
    in_table: bool = True
    decimals: int = 0  # of a number in the readable table


#: Which counts the sharing protocol suppressed in a row (the web's tables only).
SUPPRESSED = Col("suppressed", "Suppressed", "#meta+suppressed")


def with_suppressed(columns: Sequence[Col]) -> list[Col]:
    """``columns`` and, last, which counts were suppressed: a table as the web serves it."""
    return [*columns, SUPPRESSED]


def _level_tag(level: str, what: str) -> str:
    """The hashtag of a place's ``what`` (code, name) at ``level``: ``#adm3+code``."""
    return f"#{level}+{what}" if level.startswith("adm") else f"#country+{what}"


def _slug(text: str) -> str:
    """``text`` as an HXL attribute: lower case, words joined by ``_``."""
    return "_".join(w for w in "".join(c if c.isalnum() else " " for c in text.lower()).split())


def _pick(columns: Sequence[Col], *keys: str) -> list[Col]:
    """The columns of ``keys``, in the order of ``columns``."""
    return [c for c in columns if c.key in keys]


def _place(level: str) -> list[Col]:
    return [
        Col("pcode", "P-code", _level_tag(level, "code")),
        Col("name", "Name", _level_tag(level, "name")),
    ]


#: A priority's parts: its dimensions (1-5), what had no data, and the numbers of the war.
PRIORITY_PARTS = [
    Col("impact", "Impact", "#severity+impact", decimals=1),
    Col("conditions", "Conditions", "#severity+conditions", decimals=1),
    Col("complexity", "Complexity", "#severity+complexity", decimals=1),
    Col("missing", "No data", "#meta+missing", in_table=False),
    Col("incidents", "Incidents", "#event+num"),
    Col("fatalities", "Fatalities", "#affected+killed"),
    Col("attacks_on_aid", "Attacks on aid", "#event+num+aid", in_table=False),
    Col("damage_total", "Damage total", "#damage+total"),
]


def priority_columns(level: str) -> list[Col]:
    """``lagebild priorities`` and ``/api/priorities``: the JSON keeps each indicator's value,
    score and weight; the tables give the dimensions and what had no data."""
    return [
        Col("rank", "Rank", "#priority+rank"),
        Col("priority", "Priority", "#severity", decimals=2),
        Col("category_name", "Category", "#severity+category"),
        *_place(level),
        Col("access_scored", "Access", "#access"),
        Col("people_in_need", "People in need", "#inneed"),
        Col("days_without_aid", "Days without aid", "#indicator+days_without_aid"),
        Col("coverage", "Coverage", "#indicator+coverage", percent=".0%", in_table=False),
        Col("impact", "Impact", "#severity+impact", decimals=1, in_table=False),
        Col("conditions", "Conditions", "#severity+conditions", decimals=1, in_table=False),
        Col("complexity", "Complexity", "#severity+complexity", decimals=1, in_table=False),
        Col("missing", "No data", "#meta+missing", in_table=False),
    ]


#: ``lagebild plan``: the shipments of the optimal plan (its CSV and HXL).
PLAN_SHIPMENTS = [
    Col("week", "Week", "#date+week"),
    Col("warehouse", "Warehouse", "#loc+warehouse+name"),
    Col("pcode", "P-code", "#loc+code"),
    Col("name", "Place", "#loc+name"),
    Col("item", "Item", "#item+name"),
    Col("units", "Units", "#value+units"),
    Col("trucks", "Trucks", "#convoy+trucks", decimals=1),
]

#: ``lagebild plan``: each place, covered a week on average and why not more.
PLAN_PLACES = [
    Col("pcode", "P-code", "#loc+code"),
    Col("name", "Place", "#loc+name"),
    Col("access", "Access", "#access"),
    Col("weight", "Weight", "#severity+weight", decimals=2),
    Col("need", "In need, sum of sectors", "#inneed"),
    Col("covered", "Covered, sum of sectors", "#reached+planned"),
    Col("why", "Why not more", "#description+why"),
]

#: ``lagebild plan``: people covered a week by access status, the optimum beside greedy.
PLAN_ACCESS = [
    Col("access", "Access", "#access"),
    Col("need", "In need, sum of sectors", "#inneed"),
    Col("covered", "Covered, optimal plan", "#reached+planned+optimal"),
    Col("greedy_covered", "Covered, greedy plan", "#reached+planned+greedy"),
]


#: ``lagebild basket``: per governorate, the cheapest basket beside WFP's reference basket.
BASKET = [
    Col("governorate", "Governorate", "#adm1+name"),
    Col("prices_to", "Prices of", "#date+prices"),
    Col("cheapest_day", "Cheapest", "#value+cost+cheapest"),
    Col("cheapest_month", "Family, a month", "#value+cost+cheapest+family", in_table=False),
    Col("reference_day", "Reference", "#value+cost+reference"),
    Col("reference_month", "Reference family, a month", "#value+cost+reference+family",
        in_table=False),
    Col("saving", "Saving", "#indicator+saving", percent=".0%"),
    Col("foods", "Cheapest basket, g a day", "#item+name+list"),
    Col("reference_missing", "Reference foods without a price", "#item+name+missing",
        in_table=False),
]


#: ``lagebild plans list``.
SAVED_PLANS = [
    Col("name", "Name", "#meta+plan+name"),
    Col("as_of", "As of", "#date"),
    Col("weeks", "Weeks", "#indicator+weeks"),
    Col("objective", "Objective", "#indicator+objective"),
    Col("saved_at", "Saved", "#date+saved"),
    Col("saved_by", "By", "#contact+name"),
    Col("note", "Note", "#description"),
]

#: ``lagebild plans compare``: people covered a week in each plan, by place ...
PLAN_COMPARISON = [
    Col("pcode", "P-code", "#loc+code"),
    Col("name", "Place", "#loc+name"),
    Col("access", "Access", "#access"),
    Col("need", "In need, sum of sectors", "#inneed"),
    Col("first", "First", "#reached+planned+first"),
    Col("second", "Second", "#reached+planned+second"),
    Col("difference", "Difference", "#reached+planned+difference"),
    Col("second_why", "Why (second)", "#description+why", in_table=False),
]

#: ... and by access status.
PLAN_COMPARISON_ACCESS = [
    Col("access", "Access", "#access"),
    Col("need", "In need, sum of sectors", "#inneed"),
    Col("first", "First", "#reached+planned+first"),
    Col("second", "Second", "#reached+planned+second"),
    Col("difference", "Difference", "#reached+planned+difference"),
]


# -- the picture: gaps, situation, presence, places ---------------------------------------------


def gap_columns(level: str, severity: bool = False) -> list[Col]:
    """``lagebild gaps`` and ``/api/gaps``; ranked by priority (``--rank severity``), the
    priority and its category first, its dimensions and the numbers behind them last."""
    ranked = [
        Col("severity", "Priority", "#severity", decimals=2),
        Col("category_name", "Category", "#severity+category"),
        *PRIORITY_PARTS,
    ]
    columns = [
        *_place(level),
        Col("access", "Access", "#access"),
        Col("besieged_by", "Besieged by", "#group+besieging"),
        Col("people_in_need", "People in need", "#inneed"),
        Col("reached", "Reached", "#reached+ind"),
        Col("coverage", "Coverage", "#indicator+coverage", percent=".0%"),
        Col("last_delivery", "Last delivery", "#date+delivery+last"),
        Col("days_without_aid", "Days without aid", "#indicator+days_without_aid"),
        Col("cut_off", "Cut off", "#status+cut_off", yes="CUT OFF"),
        Col("access_communities", "Access of its communities", "#access+communities"),
        Col("data", "Data", "#status+data"),
        Col("data_missing", "Data missing", "#meta+missing", in_table=False),
    ]
    return [*ranked[:2], *columns, *ranked[2:]] if severity else columns


#: The hashtag of each figure of ``situation`` (``analysis.situation.COLUMNS``).
SITUATION_TAGS = {
    "population": "#population",
    "people_in_need": "#inneed",
    "displaced": "#affected+idps",
    "returnees": "#affected+returnees",
    "besieged": "#population+besieged",
    "hard_to_reach": "#population+hard_to_reach",
}


def situation_columns(level: str, damage_units: Sequence[str] = ()) -> list[Col]:
    """``lagebild situation`` and ``/api/situation``; with ``damage_units`` (the result's), the
    damage of each."""
    cols = [*_place(level), Col("access", "Access", "#access")]
    for key in COLUMNS:
        cols.append(Col(key, key.replace("_", " ").capitalize(), SITUATION_TAGS[key]))
        cols.append(Col(f"{key}_sources", "Sources", f"#meta+source+{key}", in_table=False))
    cols.append(Col("reached", "Reached", "#reached+ind"))
    cols.append(Col("incidents", "Incidents", "#event+num"))
    cols.append(Col("fatalities", "Fatalities", "#affected+killed"))
    for unit in damage_units:
        cols.append(Col(f"destroyed_{unit}", f"Destroyed {unit}", f"#damage+destroyed+{unit}"))
        cols.append(Col(f"damage_total_{unit}", f"Damaged {unit}", f"#damage+total+{unit}"))
        cols.append(
            Col(f"share_destroyed_{unit}", "Share destroyed",
                f"#indicator+share+destroyed+{unit}", percent=".1%")
        )  # fmt: skip
    return cols


def breakdown_columns(by: str, dimension: str) -> list[Col]:
    """``situation`` and ``gaps --by``: per place, indicator and value of the dimension."""
    tag = {"gender": "#gender+code", "age": "#age+range",
           "population_group": "#population_group+code"}[dimension]  # fmt: skip
    return [
        Col("pcode", "P-code", "#loc+code"),
        Col("name", "Name", "#loc+name"),
        Col("indicator", "Indicator", "#indicator+code"),
        Col("value_of", by.replace("-", " ").capitalize(), tag),
        Col("value", "Value", "#indicator+value+num"),
        Col("date", "Date", "#date"),
    ]


def presence_columns(level: str) -> list[Col]:
    """``lagebild presence`` (who does what where, one row per place): computed, not input
    data; organisations that reported activities (4W) or are listed as present (3W), with the
    activities and people reached of the 4W; who, by name, in the downloads and the JSON
    only."""
    return [
        *_place(level),
        Col("organisations", "Organisations", "#org+num"),
        Col("reported", "Reported activities", "#org+num+reported"),
        Col("listed", "Listed as present", "#org+num+listed"),
        Col("activities", "Activities", "#activity+num"),
        Col("reached", "Reached", "#reached+ind"),
        Col("sectors", "Organisations by sector", "#sector+list"),
        Col("names", "Who", "#org+list", in_table=False),
    ]


def who_does_what_where_columns(level: str) -> list[Col]:
    """``/api/presence`` (the 3W of the deliveries): one row per place, sector and organisation,
    with the hashtags of HDX's 3W; the organisations a reader may not see by name share one row
    per place and sector, its organisation empty and ``organisations`` counting them."""
    return [
        Col("org", "Organisation", "#org+impl"),
        Col("sector", "Sector", "#sector"),
        *_place(level),
        Col("organisations", "Organisations", "#org+num"),
        Col("activities", "Activities", "#activity+num"),
        Col("reached", "Reached", "#reached+ind"),
        Col("date_start", "From", "#date+start"),
        Col("date_end", "Until", "#date+end"),
        Col("source", "Source", "#meta+source"),
    ]


def place_columns() -> list[Col]:
    """``lagebild places``: the gazetteer, in the shape it imports back."""
    return [
        Col("pcode", "P-code", "#loc+code"),
        Col("level", "Level", "#meta+level"),
        Col("name_en", "Name", "#loc+name+i_en"),
        Col("name_ar", "Arabic name", "#loc+name+i_ar"),
        Col("parent", "Parent", "#loc+code+parent"),
        Col("valid_to", "Retired", "#date+valid_to"),
    ]


# -- the API's record lists: the header of each column is its key ---------------------------


def _keyed(*columns: tuple[str, str]) -> list[Col]:
    return [Col(key, key, tag) for key, tag in columns]


#: ``/api/places`` and ``/api/places/{pcode}/children``.
API_PLACES = _keyed(
    ("pcode", "#loc+code"),
    ("name", "#loc+name"),
    ("name_en", "#loc+name+i_en"),
    ("name_ar", "#loc+name+i_ar"),
    ("level", "#meta+level"),
    ("parent", "#loc+code+parent"),
    ("lat", "#geo+lat"),
    ("lon", "#geo+lon"),
    ("valid_to", "#date+valid_to"),
)

#: ``/api/access``: each place's access status on a date.
API_ACCESS = _keyed(
    ("pcode", "#loc+code"),
    ("name", "#loc+name"),
    ("level", "#meta+level"),
    ("status", "#access"),
    ("party", "#group+besieging"),
    ("since", "#date+start"),
)

#: ``/api/deliveries`` (the 4W); a download has the columns some row shows.
API_DELIVERIES = _keyed(
    ("pcode", "#loc+code"),
    ("name_en", "#loc+name+i_en"),
    ("name_ar", "#loc+name+i_ar"),
    ("date", "#date"),
    ("date_start", "#date+start"),
    ("date_end", "#date+end"),
    ("status", "#status"),
    ("sector", "#sector"),
    ("reached", "#reached+ind"),
    ("households", "#reached+hh"),
    ("org_impl", "#org+impl"),
    ("org_reporting", "#org+reporting"),
    ("donor", "#org+funder"),
    ("activity", "#activity"),
    ("modality", "#delivery"),
    ("item", "#item+name"),
    ("quantity", "#item+num"),
    ("unit", "#item+unit"),
    ("value_usd", "#value+usd"),
    ("source", "#meta+source"),
    ("file_name", "#meta+file"),
    ("row_number", "#meta+row"),
    ("organisation", "#org+entered"),
    ("suppressed", "#meta+suppressed"),
)

#: ``/api/figures``: every figure with its source.
API_FIGURES = _keyed(
    ("pcode", "#loc+code"),
    ("name_en", "#loc+name+i_en"),
    ("name_ar", "#loc+name+i_ar"),
    ("indicator", "#indicator+code"),
    ("sector", "#sector"),
    ("date", "#date"),
    ("value", "#indicator+value+num"),
    ("gender", "#gender+code"),
    ("age", "#age+range"),
    ("population_group", "#population_group+code"),
    ("disability", "#is_disabled"),
    ("source", "#meta+source"),
    ("reliability", "#meta+reliability"),
    ("credibility", "#meta+credibility"),
    ("file_name", "#meta+file"),
    ("row_number", "#meta+row"),
)

#: ``/api/figures/conflicts``: one row per value of a contradiction.
API_FIGURE_CONFLICTS = [
    *_keyed(("month", "#date+month"), ("spread", "#meta+spread")),
    *_pick(API_FIGURES, "pcode", "indicator", "sector", "date", "value", "source"),
    *_keyed(("grade", "#meta+grade")),
    *_pick(API_FIGURES, "file_name", "row_number"),
]


# -- figures and trust: ``lagebild figures``, ``sources``, ``history`` -----------------------

#: A figure from one source, as ``lagebild figures`` lists it.
FIGURE_ENTRIES = [
    Col("pcode", "P-code", "#loc+code"),
    Col("indicator", "Indicator", "#indicator+code"),
    Col("sector", "Sector", "#sector"),
    Col("date", "Date", "#date"),
    Col("value", "Value", "#indicator+value+num"),
    Col("source", "Source", "#meta+source"),
    Col("grade", "Grade", "#meta+source+grade"),
    Col("current", "Current", "#meta+current"),
    Col("file_name", "File", "#meta+file"),
    Col("row_number", "Row", "#meta+row"),
]

#: ``lagebild figures --conflicts``: the month and spread of a contradiction, then each value.
FIGURE_CONFLICTS = [
    Col("month", "Month", "#date+month"),
    Col("spread", "Spread", "#meta+spread"),
    *FIGURE_ENTRIES,
]

#: ``lagebild figures PCODE``: a place's figures side by side, per series.
FIGURE_SERIES = [
    Col("spread", "Spread", "#meta+spread"),
    Col("dimensions", "Of", "#meta+dimensions"),
    *FIGURE_ENTRIES,
]

#: ``lagebild figures --checks``: what the consistency checks found.
FIGURE_FINDINGS = [
    Col("code", "Check", "#meta+check"),
    Col("pcode", "P-code", "#loc+code"),
    Col("indicator", "Indicator", "#indicator+code"),
    Col("message", "Finding", "#description"),
]

#: ``lagebild sources``: the source register.
SOURCES = [
    Col("source", "Source", "#meta+source"),
    Col("kind", "Kind", "#meta+source+kind"),
    Col("grade", "Grade", "#meta+source+grade"),
    Col("figures", "Figures", "#meta+figures+num"),
    Col("deliveries", "Deliveries", "#meta+deliveries+num"),
    Col("access", "Access rows", "#meta+access+num"),
]

#: ``lagebild history``: the audit trail.
HISTORY = [
    Col("at", "When", "#date+changed"),
    Col("actor", "Who", "#contact+name"),
    Col("action", "Action", "#meta+action"),
    Col("pcode", "P-code", "#loc+code"),
    Col("what", "What", "#description"),
    Col("why", "Why", "#description+why"),
]

#: ``/api/imports`` and the page ``/imports``: every import, newest first, and whether undone.
IMPORTS = [
    Col("id", "Import", "#meta+import+id"),
    Col("file_name", "File", "#meta+file"),
    Col("kind", "Kind", "#meta+kind"),
    Col("rows", "Rows", "#meta+rows+num"),
    Col("rejected", "Rejected", "#meta+rows+rejected+num"),
    Col("warnings", "Warnings", "#meta+warnings+num"),
    Col("imported_at", "When", "#date+imported"),
    Col("imported_by", "Who", "#contact+name"),
    Col("organisation", "Organisation", "#org+name"),
    Col("source", "Source", "#meta+source"),
    Col("status", "Status", "#status"),
    Col("undone_at", "Undone when", "#date+undone"),
    Col("undone_by", "Undone by", "#contact+name+undone"),
    Col("why", "Why", "#description+why"),
]

#: ``lagebild user list``: the accounts (a readable table only: no hashtags).
ACCOUNTS = [
    Col(key, key.capitalize(), "")
    for key in ("name", "role", "organisation", "disabled", "created")
]


# -- convoys ----------------------------------------------------------------------------------

#: ``lagebild convoy list`` and ``/api/convoys``: one row per convoy.
CONVOYS = [
    Col("code", "Convoy", "#convoy+code"),
    Col("pcode", "P-code", "#loc+code"),
    Col("place", "Place", "#loc+name"),
    Col("status", "Status", "#convoy+status"),
    Col("requested_on", "Requested", "#date+requested"),
    Col("agencies", "Agencies", "#org+impl"),
    Col("trucks", "Trucks", "#convoy+trucks"),
    Col("planned_people", "People planned", "#targeted"),
    Col("decided_on", "Decided", "#date+decided"),
    Col("decided_by", "By", "#org+decided"),
    Col("decision_reason", "Reason", "#description+reason"),
    Col("trucks_approved", "Trucks approved", "#convoy+trucks+approved"),
    Col("people_approved", "People approved", "#targeted+approved"),
    Col("delivered_on", "Delivered", "#date+delivered"),
    Col("reached", "Reached", "#reached+ind"),
    Col("items_text", "Items", "#item+name+list", in_table=False),
    Col("source", "Source", "#meta+source"),
]

#: The columns of one item of a convoy, with its note.
CONVOY_ITEMS = [
    Col("note", "Note", "#meta+note"),
    Col("item", "Item", "#item+name"),
    Col("category", "Category", "#item+type"),
    Col("unit", "Unit", "#item+unit"),
    Col("planned", "Planned", "#item+planned"),
    Col("arrived", "Arrived", "#item+arrived"),
    Col("removed", "Removed", "#item+removed"),
    Col("removed_by", "Removed by", "#group+removed_by"),
]

#: ``lagebild convoy list --items``: one row per convoy and item, the convoy's fields on each,
#: as a convoy file is imported (docs/hxl.md), so that the list imports back whole; the items
#: are in their own columns, not listed in one.
CONVOYS_BY_ITEM = [*(c for c in CONVOYS if c.key != "items_text"), *CONVOY_ITEMS]


def convoy_stats_columns(level: str | None) -> list[Col]:
    """``lagebild convoy stats`` and ``/api/convoys/stats``."""
    where = level if level and level.startswith("adm") else "loc"
    return [
        Col("period", "Period", "#date+period"),
        Col("pcode", "P-code", f"#{where}+code"),
        Col("name", "Name", f"#{where}+name"),
        Col("access", "Access", "#access"),
        Col("requested", "Requested", "#convoy+requested+num"),
        Col("approved", "Approved", "#convoy+approved+num"),
        Col("partly_approved", "Partly", "#convoy+approved+partly+num"),
        Col("denied", "Denied", "#convoy+denied+num"),
        Col("pending", "Pending", "#convoy+pending+num"),
        Col("delivered", "Delivered", "#convoy+delivered+num"),
        Col("share_denied", "Denied %", "#indicator+denied+pct", percent=".1%"),
        Col("planned_people", "People planned", "#targeted"),
        Col("reached", "Reached", "#reached+ind"),
        Col("share_reached", "Of planned", "#indicator+reached+targeted+pct", percent=".1%"),
        Col("share_medical_removed", "Medical removed", "#indicator+medical+removed+pct",
            percent=".1%"),
        Col("population", "Population", "#population"),
        Col("share_population_reached", "Of population", "#indicator+reached+population+pct",
            percent=".1%"),
    ]  # fmt: skip


# -- incidents --------------------------------------------------------------------------------

#: ``/api/incidents``: one row per incident, where it was placed and how.
INCIDENTS = [
    Col("date", "Date", "#date+occurred"),
    Col("event_code", "Event", "#event+code"),
    Col("event_type", "Type", "#event+type"),
    Col("sub_event_type", "Sub-type", "#event+type+sub"),
    Col("actor1", "Actor 1", "#group+name+first"),
    Col("actor2", "Actor 2", "#group+name+second"),
    Col("location", "Location", "#loc+name"),
    Col("lat", "Latitude", "#geo+lat"),
    Col("lon", "Longitude", "#geo+lon"),
    Col("pcode", "P-code", "#loc+code"),
    Col("place", "Place", "#loc+name+placed"),
    Col("placed_by", "Placed by", "#meta+placed_by"),
    Col("confidence", "Confidence", "#meta+confidence"),
    Col("distance_km", "km", "#meta+distance_km"),
    Col("fatalities", "Fatalities", "#affected+killed"),
    Col("attack_on_aid", "Aid", "#event+aid"),
    Col("notes", "Notes", "#description"),
    Col("source", "Source", "#meta+source"),
    Col("file_name", "File", "#meta+file"),
    Col("row_number", "Row", "#meta+row"),
]

#: ``lagebild incidents --list``: the incidents and their placing, without actors,
#: coordinates, notes and source.
INCIDENT_LIST = _pick(
    INCIDENTS, "date", "event_code", "event_type", "sub_event_type", "location", "pcode",
    "place", "placed_by", "confidence", "distance_km", "fatalities", "attack_on_aid",
    "file_name", "row_number",
)  # fmt: skip


#: ``lagebild incidents --counted``: conflict events other sources counted per place, period and
#: type (HDX HAPI's hashtags).
EVENT_COUNT_LIST = [
    Col("date_start", "From", "#date+start", in_table=False),
    Col("date_end", "To", "#date+end", in_table=False),
    Col("period", "Period", "#date+period"),  # 2025-01 for a month: the table's 80 columns
    Col("pcode", "P-code", "#loc+code"),
    Col("place", "Place", "#loc+name"),
    Col("event_type", "Event type", "#event+type"),
    Col("events", "Events", "#indicator+event+num"),
    Col("fatalities", "Fatalities", "#affected+killed"),
    Col("source", "Source", "#meta+source", in_table=False),
]


def incident_summary_columns(level: str, event_types: Sequence[str]) -> list[Col]:
    """``lagebild incidents`` and ``/api/incidents/summary``: per place the totals, then one
    column per event type."""
    return [
        *_place(level),
        Col("events", "Events", "#event+num"),
        Col("fatalities", "Fatalities", "#affected+killed"),
        Col("attacks_on_aid", "Attacks on aid", "#event+aid+num"),
        *(
            Col(f"type:{t}", t or "(no type)", f"#event+num+{_slug(t) or 'untyped'}")
            for t in event_types
        ),
    ]


# -- damage -----------------------------------------------------------------------------------


def damage_columns(level: str) -> list[Col]:
    """``lagebild damage`` and ``/api/damage``: a place's current damage in one unit and its
    national shares."""
    return [
        *_place(level),
        Col("unit", "Unit", "#meta+unit"),
        Col("destroyed", "Destroyed", "#damage+destroyed"),
        Col("severe", "Severe", "#damage+severe"),
        Col("moderate", "Moderate", "#damage+moderate"),
        Col("total", "Damage total", "#damage+total"),
        Col("possible", "Possible", "#damage+possible"),
        Col("share_destroyed", "Share destroyed", "#indicator+share+destroyed", percent=".1%"),
        Col("share_total", "Share total", "#indicator+share+total", percent=".1%"),
        Col("date", "Assessed", "#date+assessed"),
        Col("sources", "Sources", "#meta+source"),
    ]


def damage_change_columns(level: str) -> list[Col]:
    """``lagebild damage --changes`` and ``/api/damage/changes``: damage on two successive
    dates and the change."""
    cols = [
        *_place(level),
        Col("unit", "Unit", "#meta+unit"),
        Col("date_before", "From", "#date+start"),
        Col("date_after", "To", "#date+end"),
    ]
    for key in ("destroyed", "severe", "moderate", "total", "possible"):
        cols.append(Col(f"{key}_before", f"{key.capitalize()} before", f"#damage+{key}+before"))
        cols.append(Col(key, key.capitalize(), f"#damage+{key}"))
        cols.append(Col(f"{key}_change", "Change", f"#damage+{key}+change"))
    return cols


#: ``lagebild damage --list``: each damage row as stored, in the shape it imports back.
DAMAGE_LIST = [
    Col("pcode", "P-code", "#loc+code"),
    Col("site", "Site", "#loc+name"),
    Col("date", "Assessed", "#date+assessed"),
    Col("unit", "Unit", "#meta+unit"),
    Col("damage_class", "Class", "#damage+class"),
    Col("destroyed", "Destroyed", "#damage+destroyed"),
    Col("severe", "Severe", "#damage+severe"),
    Col("moderate", "Moderate", "#damage+moderate"),
    Col("possible", "Possible", "#damage+possible"),
    Col("lat", "Latitude", "#geo+lat"),
    Col("lon", "Longitude", "#geo+lon"),
    Col("source", "Source", "#meta+source"),
    Col("file_name", "File", "#meta+file"),
    Col("row_number", "Row", "#meta+row"),
]


# -- HDX: tables shaped like HDX HAPI's (``lagebild export hdx``, publish/hdx.py) ---------------
# The population, humanitarian needs, IDPs, operational presence, conflict events and food
# prices follow the global files HAPI's own pipelines write and HAPI loads
# (``hdx_hapi_*_global*.csv``): their columns in their order as the newest versions have them,
# and the hashtags of the last versions that wrote an HXL row (docs/publishing.md names each
# repository, file and commit).
# lagebild's own columns follow HAPI's: the admin levels below admin2 (the COD of Syria goes to
# communities), the needs' category in parts as lagebild reads them back, and each row's source.
#: The place of a row as HAPI's pipelines write it: the country, whether it has a
#: humanitarian response plan and is in the Global Humanitarian Overview (HAPI's ``Y``/``N``;
#: lagebild leaves them empty), the admin names as the provider spelt them (empty: lagebild
#: keeps the gazetteer's), admin1-2 and the row's level.
HDX_PLACE = [
    Col("location_code", "location_code", "#country+code"),
    Col("has_hrp", "has_hrp", "#meta+has_hrp"),
    Col("in_gho", "in_gho", "#meta+in_gho"),
    Col("provider_admin1_name", "provider_admin1_name", "#adm1+name+provider"),
    Col("provider_admin2_name", "provider_admin2_name", "#adm2+name+provider"),
    Col("admin1_code", "admin1_code", "#adm1+code"),
    Col("admin1_name", "admin1_name", "#adm1+name"),
    Col("admin2_code", "admin2_code", "#adm2+code"),
    Col("admin2_name", "admin2_name", "#adm2+name"),
    Col("admin_level", "admin_level", "#adm+level"),
]
#: What ends HAPI's rows after the period: the HDX dataset and resource a row came from (HDX
#: gives them on upload: empty here), and HAPI's warning and error of the row (empty).
HDX_IDS = [
    Col("dataset_hdx_id", "dataset_hdx_id", "#meta+dataset_id"),
    Col("resource_hdx_id", "resource_hdx_id", "#meta+resource_id"),
    Col("warning", "warning", "#meta+warning"),
    Col("error", "error", "#meta+error"),
]
#: lagebild's finer admin levels, after HAPI's columns.
HDX_FINER = [
    Col("admin3_code", "admin3_code", "#adm3+code"),
    Col("admin3_name", "admin3_name", "#adm3+name"),
    Col("admin4_code", "admin4_code", "#adm4+code"),
    Col("admin4_name", "admin4_name", "#adm4+name"),
]

#: Every HAPI row's reference period and, after HAPI's columns, its source.
HDX_PERIOD = [
    Col("reference_period_start", "reference_period_start", "#date+start"),
    Col("reference_period_end", "reference_period_end", "#date+end"),
]
HDX_SOURCE = Col("source", "source", "#meta+source")

#: The age of a figure as HAPI gives it.
HDX_AGE = [
    Col("gender", "gender", "#gender+code"),
    Col("age_range", "age_range", "#age+range"),
    Col("min_age", "min_age", "#age+min"),
    Col("max_age", "max_age", "#age+max"),
]

#: HAPI's baseline population (by gender and age).
HDX_POPULATION = [
    *HDX_PLACE,
    *HDX_AGE,
    Col("population", "population", "#population"),
    *HDX_PERIOD,
    *HDX_IDS,
    *HDX_FINER,
    HDX_SOURCE,
]

#: HAPI's humanitarian needs: people affected, in need, targeted and reached (its
#: ``population_status``: AFF, INN, TGT, REA) by sector and category (gender, age, disability
#: and population group in one); the category's parts follow HAPI's columns.
HDX_HUMANITARIAN_NEEDS = [
    *HDX_PLACE,
    Col("sector_code", "sector_code", "#sector+cluster+code"),
    Col("sector_name", "sector_name", "#sector+cluster+name"),
    Col("category", "category", "#category"),
    Col("population_status", "population_status", "#population+status"),
    Col("population", "population", "#population"),
    *HDX_PERIOD,
    *HDX_IDS,
    *HDX_FINER,
    *HDX_AGE,
    Col("disabled_marker", "disabled_marker", "#is_disabled"),
    Col("population_group", "population_group", "#population_group+code"),
    HDX_SOURCE,
]

#: HAPI's IDPs: internally displaced people (a stock) per place and date.
HDX_IDPS = [
    *HDX_PLACE,
    Col("operation", "operation", "#operation+name"),
    Col("assessment_type", "assessment_type", "#assessment+type"),
    Col("population", "population", "#affected+idps"),
    Col("reporting_round", "reporting_round", "#round+code"),
    *HDX_PERIOD,
    *HDX_IDS,
    *HDX_FINER,
    HDX_SOURCE,
]

#: HAPI's operational presence (3W): organisations by sector and place.
HDX_OPERATIONAL_PRESENCE = [
    *HDX_PLACE,
    Col("org_acronym", "org_acronym", "#org+acronym"),
    Col("org_name", "org_name", "#org+name"),
    Col("org_type_description", "org_type_description", "#org+type+desc"),
    Col("sector_code", "sector_code", "#sector+code"),
    Col("sector_name", "sector_name", "#sector+name"),
    *HDX_PERIOD,
    *HDX_IDS,
    *HDX_FINER,
    HDX_SOURCE,
]

#: HAPI's conflict events: events and fatalities per place, month and event type, as its ACLED
#: pipeline writes them (OCHA-DAP/hdx-scraper-acled; lagebild imports them back as
#: ``event_counts``).
HDX_CONFLICT_EVENTS = [
    *HDX_PLACE,
    Col("event_type", "event_type", "#event+type"),
    Col("events", "events", "#indicator+event+num"),
    Col("fatalities", "fatalities", "#affected+killed"),
    *HDX_PERIOD,
    *HDX_IDS,
    *HDX_FINER,
    HDX_SOURCE,
]

#: HAPI's food prices (its food-prices-market-monitor): WFP's market prices per market,
#: commodity, unit and month, in the market's currency and, where WFP gives it, in US dollars.
HDX_FOOD_PRICES = [
    *HDX_PLACE,
    Col("market_name", "market_name", "#loc+market+name"),
    Col("market_code", "market_code", "#loc+market+code"),
    Col("lat", "lat", "#geo+lat"),
    Col("lon", "lon", "#geo+lon"),
    Col("commodity_category", "commodity_category", "#item+type"),
    Col("commodity_name", "commodity_name", "#item+name"),
    Col("commodity_code", "commodity_code", "#item+code"),
    Col("unit", "unit", "#item+unit"),
    Col("price_flag", "price_flag", "#item+price+flag"),
    Col("price_type", "price_type", "#item+price+type"),
    Col("currency_code", "currency_code", "#currency+code"),
    Col("price", "price", "#value"),
    Col("usd_price", "usd_price", "#value+usd"),
    *HDX_PERIOD,
    *HDX_IDS,
    HDX_SOURCE,
]
