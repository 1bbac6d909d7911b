"""HDX-ready datasets: what the database holds on a date, in the tables of HDX HAPI
(population, humanitarian needs, IDPs, operational presence, conflict events, and food prices
from a WFP prices file given), each row with its reference period and source, and the
dataset's metadata HDX asks for.

The tables' columns are in ``publish/tables.py`` (``HDX_*``); the sharing protocol decides
what goes out: by default what an anonymous viewer of the public picture sees (small counts
suppressed, fields above public left out). Each table imports back into lagebild
(docs/publishing.md): the conflict events as counts per place, month and type (``event_counts``),
the others as the records they were made of.
"""

from __future__ import annotations

import calendar
import json
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from lagebild import __version__
from lagebild.analysis.basket import price_rows
from lagebild.analysis.presence import who_does_what_where
from lagebild.analysis.tree import PlaceTree
from lagebild.errors import RefusedInput
from lagebild.model.countries import iso3
from lagebild.model.presence import PresenceFilter
from lagebild.model.records import Place
from lagebild.model.vocab import vocabulary
from lagebild.publish import render, tables
from lagebild.publish.tables import Col
from lagebild.security import policy
from lagebild.security import protocol as sharing
from lagebild.store import Store
from lagebild.store.accounts import NOTHING
from lagebild.store.incidents import event_count_list, incident_list
from lagebild.store.places import all_places
from lagebild.store.published import figure_records, presence_records

#: HAPI's population_status of each indicator of the humanitarian needs table.
NEEDS_STATUS = {"affected": "AFF", "inneed": "INN", "targeted": "TGT", "reached_figure": "REA"}
#: HAPI's population_group codes of lagebild's population groups.
POPULATION_GROUPS = {"": "all", "idps": "IDP", "refugees": "REF", "returnees": "RET"}
#: The words of HAPI's humanitarian-needs ``category`` for lagebild's genders and disability.
GENDER_WORDS = {"f": "Female", "m": "Male", "x": "Non-binary", "o": "Other", "u": "Unspecified"}
DISABILITY_WORDS = {"y": "Disabled", "n": "Not disabled"}
#: HAPI's sector codes (the Global Coordination Groups') and names of lagebild's sectors; a
#: sector not named here keeps lagebild's code. Each code reads back as the same sector.
SECTORS: dict[str, tuple[str, str]] = {
    "": ("Intersectoral", "Intersectoral"),
    "food": ("FSC", "Food Security"),
    "health": ("HEA", "Health"),
    "wash": ("WSH", "Water Sanitation Hygiene"),
    "shelter": ("SHL", "Emergency Shelter and NFI"),
    "protection": ("PRO", "Protection"),
    "education": ("EDU", "Education"),
    "nutrition": ("NUT", "Nutrition"),
    "cccm": ("CCM", "Camp Coordination / Management"),
    "erl": ("ERY", "Early Recovery"),
    "logistics": ("LOG", "Logistics"),
    "telecoms": ("TEL", "Emergency Telecommunications"),
    "coordination": ("CSS", "Coordination and Support Services"),
}
#: HAPI's event types (ACLED's, as HAPI counts them) of the event types lagebild stores.
EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "Battles": ("political_violence",),
    "Explosions/Remote violence": ("political_violence",),
    "Violence against civilians": ("political_violence", "civilian_targeting"),
    "Protests": ("demonstration",),
    "Riots": ("demonstration",),
    "Riots/Protests": ("demonstration",),
}
#: The indicators each record table takes.
POPULATION = frozenset({"population"})
IDPS = frozenset({"idps"})

#: Each table: the file it is written to and the HAPI endpoint it follows.
FILES = {
    "population": "population.csv",
    "humanitarian_needs": "humanitarian-needs.csv",
    "idps": "idps.csv",
    "operational_presence": "operational-presence.csv",
    "conflict_events": "conflict-events.csv",
    "food_prices": "food-prices.csv",
}
#: The HAPI v2 endpoint (its path under /api/v2/) of each table.
ENDPOINTS = {
    "population": "geography-infrastructure/baseline-population",
    "humanitarian_needs": "affected-people/humanitarian-needs",
    "idps": "affected-people/idps",
    "operational_presence": "coordination-context/operational-presence",
    "conflict_events": "coordination-context/conflict-events",
    "food_prices": "food-security-nutrition-poverty/food-prices-market-monitor",
}
COLUMNS: dict[str, list[Col]] = {
    "population": tables.HDX_POPULATION,
    "humanitarian_needs": tables.HDX_HUMANITARIAN_NEEDS,
    "idps": tables.HDX_IDPS,
    "operational_presence": tables.HDX_OPERATIONAL_PRESENCE,
    "conflict_events": tables.HDX_CONFLICT_EVENTS,
    "food_prices": tables.HDX_FOOD_PRICES,
}
TITLES = {
    "population": "Population by place, gender and age",
    "humanitarian_needs": "People affected, in need, targeted and reached, by place and sector",
    "idps": "Internally displaced people (a stock) by place",
    "operational_presence": "Organisations that reported activities (4W) or are listed in a "
    "3W in the period, by district and sector",
    "conflict_events": "Conflict events and fatalities per place, month and event type",
    "food_prices": "Market prices of food per market, commodity, unit and month (WFP)",
}
#: Why a table HAPI has is not written when lagebild holds nothing for it.
NOT_HELD = {
    "food_prices": "lagebild's database keeps no market prices (the food basket reads WFP's "
    "price file, not the database); export hdx --prices FILE publishes such a file",
}


@dataclass
class HdxTable:
    name: str
    columns: list[Col]
    rows: list[dict[str, Any]]
    suppressed: int = 0  # values the protocol suppressed
    left_out: Counter[str] = field(default_factory=Counter)  # records not in HAPI's shape, why
    notes: list[str] = field(default_factory=list)  # what else a reader is told of the table
    empty_because: str = "no records on or before the date"

    @property
    def file(self) -> str:
        return FILES[self.name]


@dataclass
class HdxDataset:
    as_of: date
    role: str
    tables: list[HdxTable]
    metadata: dict[str, Any]


# -- places ---------------------------------------------------------------------------------


class Places:
    """The gazetteer as HAPI names places: a country by its ISO alpha-3 code (``SYR`` for the
    gazetteer's ``SY``), the admin levels by their P-codes."""

    def __init__(self, places: Sequence[Place]) -> None:
        self.tree = PlaceTree(places)
        # Every country's ISO code, or the export is refused: HDX files a dataset by it.
        self.iso3 = {p.id: iso3(p.pcode) for p in places if p.level == 0}
        countries = [p for p in places if p.level == 0]
        self.country = countries[0] if len(countries) == 1 else None

    def admins(self, place_id: int) -> dict[str, Any]:
        """HAPI's location, admin and admin_level columns of a place (admin1-4 of the place
        and those above; admin_level the place's own level)."""
        out: dict[str, Any] = {}
        for place in self.tree.chain(place_id):
            if place.level == 0:
                out["location_code"], out["location_name"] = self.iso3[place.id], place.name()
            elif 1 <= place.level <= 4:
                out[f"admin{place.level}_code"] = place.pcode
                out[f"admin{place.level}_name"] = place.name()
            if place.id == place_id:
                out["admin_level"] = place.level
        return out

    def by_names(self, admin1: str, admin2: str) -> int | None:
        """The place of a governorate and district named in words (a market's), the district
        where found, else the governorate; None where neither is known."""
        wanted1, wanted2 = admin1.strip().casefold(), admin2.strip().casefold()
        found = None
        for place in self.tree.places.values():
            if place.level == 1 and wanted1 in _names(place):
                found = place
                break
        if found is None:
            return None
        for child_id in self.tree.children.get(found.id, []):
            child = self.tree.places[child_id]
            if child.level == 2 and wanted2 and wanted2 in _names(child):
                return child.id
        return found.id


def _names(place: Place) -> set[str]:
    return {n.casefold() for n in (place.name(), place.name_en, place.name_ar) if n}


# -- the record tables ----------------------------------------------------------------------


def _ages(age: str) -> tuple[str, int | None, int | None]:
    """HAPI's age_range, min_age and max_age of a stored age (``''``: all ages)."""
    if not age:
        return "all", None, None
    found = re.fullmatch(r"(\d+)(?:-(\d+)|\+)", age)
    if found is None:
        return age, None, None
    return age, int(found.group(1)), int(found.group(2)) if found.group(2) else None


def _count(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def category(record: Mapping[str, Any]) -> str:
    """HAPI's humanitarian-needs ``category`` of a figure: its gender, age range, disability
    and population group in words, ``' - '`` between them (``Female - 0-4 - IDP``); ``''``
    for the total."""
    group = str(record["population_group"] or "")
    parts = [
        GENDER_WORDS.get(record["gender"] or "", record["gender"] or ""),
        str(record["age"] or ""),
        DISABILITY_WORDS.get(record["disability"] or "", record["disability"] or ""),
        POPULATION_GROUPS.get(group, group.upper()) if group else "",
    ]
    return " - ".join(p for p in parts if p)


def _figure_row(places: Places, record: Mapping[str, Any]) -> dict[str, Any]:
    age_range, min_age, max_age = _ages(str(record["age"] or ""))
    code, name = SECTORS.get(record["sector"], (record["sector"], record["sector"]))
    return {
        **places.admins(int(record["place_id"])),
        "gender": record["gender"] or "all",
        "age_range": age_range,
        "min_age": min_age,
        "max_age": max_age,
        "disabled_marker": record["disability"] or "all",
        "sector_code": code,
        "sector_name": name,
        "category": category(record),
        "population_group": POPULATION_GROUPS.get(
            record["population_group"], str(record["population_group"]).upper()
        ),
        "population_status": NEEDS_STATUS.get(record["indicator"]),
        "population": _count(record["value"]),
        "reference_period_start": record["date"],
        "reference_period_end": record["date"],
        "source": record["source"],
    }


def _why_not_population(record: Mapping[str, Any]) -> str | None:
    if record["sector"]:
        return "population of a sector"
    if record["population_group"] or record["disability"]:
        return "population of a population group or by disability"
    return None


def _why_not_idps(record: Mapping[str, Any]) -> str | None:
    if record["sector"] or any(record[d] for d in ("gender", "age", "population_group")):
        return "displaced people by sector, gender, age or group"
    if record["disability"]:
        return "displaced people by disability"
    return None


def _figure_tables(
    store: Store, places: Places, as_of: date, viewer: policy.Principal, rules: Any
) -> list[HdxTable]:
    records = sharing.view(
        viewer, "figure", figure_records(store, POPULATION | IDPS | set(NEEDS_STATUS), as_of),
        rules,
    )  # fmt: skip
    population = HdxTable("population", COLUMNS["population"], [])
    needs = HdxTable("humanitarian_needs", COLUMNS["humanitarian_needs"], [])
    idps = HdxTable("idps", COLUMNS["idps"], [])
    for record in records:
        indicator = record["indicator"]
        if indicator in NEEDS_STATUS:
            needs.rows.append(_figure_row(places, record))
            continue
        table, why = (
            (population, _why_not_population(record))
            if indicator == "population"
            else (idps, _why_not_idps(record))
        )
        if why is not None:
            table.left_out[why] += 1
        else:
            table.rows.append(_figure_row(places, record))
    return [population, needs, idps]


#: The admin level of HAPI's operational presence: one row per organisation, sector and
#: district; what is known only above a district goes out at its own place.
PRESENCE_LEVEL = 2
#: The source named on the rows of the 4W's deliveries (their own sources are restricted).
DELIVERIES_SOURCE = "lagebild 4W: activities reported"
#: The source named on the rows of a 3W that names none.
THREE_W_SOURCE = "lagebild 3W: organisations listed"


def presence_since(as_of: date) -> date:
    """The default start of the operational presence's period: the three calendar months up
    to ``as_of``, from the first day of the month two months before it."""
    month = as_of.year * 12 + as_of.month - 1 - 2
    return date(month // 12, month % 12 + 1, 1)


def presence_names(viewer: policy.Principal, rules: sharing.Protocol) -> str:
    """Whose organisations an export names (``analysis.presence.NAMES``): every one where the
    protocol lets the reader see a delivery's ``org_impl``, else none (an export has no
    organisation of its own, so no rows are its own)."""
    needed = rules.level("delivery", "org_impl")
    return "all" if sharing.at_most(needed, policy.clearance(viewer, own=False)) else "none"


@dataclass
class _Present:
    """One organisation in one sector at one place of the export, and what says so."""

    place_id: int
    org: str
    sector: str
    sources: set[str] = field(default_factory=set)


def _at_level(places: Places, place_id: int) -> int:
    return places.tree.ancestor_at(place_id, PRESENCE_LEVEL) or place_id


def _presence_table(
    store: Store,
    places: Places,
    period: tuple[date, date],
    viewer: policy.Principal,
    rules: sharing.Protocol,
) -> HdxTable:
    """Who does what where in the period, as ``/presence`` shows it (``who_does_what_where``
    of the deliveries, at the districts) and as the 3W's presence rows dated in it (or
    undated) say: one row per organisation, sector and place the reader may see named; the
    others are counted in ``left_out``."""
    table = HdxTable("operational_presence", COLUMNS["operational_presence"], [])
    names = presence_names(viewer, rules)
    where = PresenceFilter(date_from=period[0], date_to=period[1])
    result = who_does_what_where(
        store, where, level=PRESENCE_LEVEL, scope=NOTHING, names=names, tree=places.tree,
        listed=False,  # the 3W's rows come below, with their sources and types
    )  # fmt: skip
    found: dict[tuple[int, str, str], _Present] = {}
    hidden: set[tuple[int, str, str]] = set()
    nameless = unshown = 0
    cells = [
        (places.tree.get(p.pcode), org, sector, org in cell.named)
        for p in result.places
        for sector, cell in p.by_sector.items()
        for org in cell.by_org
    ]
    triples = [(place.id, o, s, n) for place, o, s, n in cells if place is not None]
    triples += [(*key, named) for key, named in result.above.items()]
    for place_id, org, sector, named in triples:
        if not org:
            nameless += 1
        elif not named:
            hidden.add((place_id, org.casefold(), sector))
        else:
            key = (place_id, org.casefold(), sector)
            found.setdefault(key, _Present(place_id, org, sector)).sources.add(
                DELIVERIES_SOURCE
            )
    types: dict[str, tuple[str | None, str | None]] = {}
    for record in sharing.view(viewer, "presence", presence_records(store, period[1]), rules):
        if record["date"] is not None and record["date"] < period[0]:
            continue
        place_id = _at_level(places, int(record["place_id"]))
        org = str(record.get("org") or "")
        if not org:  # the protocol keeps the 3W's organisations from this reader
            unshown += 1
            continue
        key = (place_id, org.casefold(), record["sector"])
        hidden.discard(key)
        present = found.setdefault(key, _Present(place_id, org, record["sector"]))
        present.sources.add(str(record.get("source") or THREE_W_SOURCE))
        known = types.get(org.casefold(), (None, None))
        types[org.casefold()] = (
            known[0] or record.get("org_acronym"), known[1] or record.get("org_type")
        )
    table.notes += _presence_notes(table.file, period, hidden, nameless)
    if unshown:
        table.notes.append(
            f"{table.file}: {unshown} 3W rows left out: the sharing protocol does not show this "
            "reader their organisations."
        )
    table.empty_because = (
        "the sharing protocol shows this reader none of the names of the organisations present "
        "in the period (see the caveats)"
        if hidden or unshown
        else "no activities or 3W rows in the period"
    )
    for key in sorted(found, key=lambda k: (places.tree.places[k[0]].pcode, k[1], k[2])):
        present = found[key]
        code, name = SECTORS.get(present.sector, (present.sector, present.sector))
        acronym, org_type = types.get(key[1], (None, None))
        table.rows.append(
            {
                **places.admins(present.place_id),
                "org_acronym": acronym,
                "org_name": present.org,
                "org_type_description": org_type,
                "sector_code": code,
                "sector_name": name,
                "reference_period_start": period[0],
                "reference_period_end": period[1],
                "source": "; ".join(sorted(present.sources)),
            }
        )
    return table


def _presence_notes(
    file: str, period: tuple[date, date], hidden: set[tuple[int, str, str]], nameless: int
) -> list[str]:
    out = [
        f"{file}: who does what where from {period[0].isoformat()} to {period[1].isoformat()} "
        "(export hdx --since, by default the three calendar months up to the date), as "
        "/presence shows it: each organisation that reported activities in the 4W (of any "
        "status) or that a 3W row dated in the period (or undated) lists, once per sector and "
        "district (admin2; at its governorate or the country where a record names no "
        "district); every row's reference period is that period.",
    ]
    if hidden:
        orgs = len({org for _place, org, _sector in hidden})
        out.append(
            f"{file}: {len(hidden)} organisation-sector-place rows of {orgs} organisations left "
            "out: the sharing protocol does not show this reader the implementing "
            "organisations of deliveries (/presence counts them without their names)."
        )
    if nameless:
        out.append(
            f"{file}: {nameless} sector-place rows of activities that name no implementing "
            "organisation left out."
        )
    return out


def _month(day: date, as_of: date) -> tuple[date, date]:
    """The month of ``day``, ending on ``as_of`` when that is in it."""
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), min(day.replace(day=last), as_of)


def _conflict_table(
    store: Store, places: Places, as_of: date, viewer: policy.Principal, rules: Any
) -> HdxTable:
    table = HdxTable("conflict_events", COLUMNS["conflict_events"], [])
    # The reporters of incidents are named only to those the protocol shows them to.
    named = sharing.at_most(
        rules.level("incident", "source"), policy.clearance(viewer, own=False)
    )
    counts: dict[tuple[int, date, str], list[int]] = defaultdict(lambda: [0, 0])
    sources: dict[tuple[int, date, str], set[str]] = defaultdict(set)
    for incident in incident_list(store, date_to=as_of):
        if incident.place_id is None:
            table.left_out["incidents that could not be placed"] += 1
            continue
        kinds = EVENT_TYPES.get(incident.event_type)
        if kinds is None:
            table.left_out[f"event type {incident.event_type or '(none)'!r}"] += 1
            continue
        for kind in kinds:
            key = (incident.place_id, _month(incident.date, as_of)[0], kind)
            counts[key][0] += 1
            counts[key][1] += incident.fatalities or 0
            if incident.source and named:
                sources[key].add(incident.source)
    rows = []
    for (place_id, month, kind), (events, fatalities) in sorted(counts.items()):
        start, end = _month(month, as_of)
        rows.append(
            {
                **places.admins(place_id),
                "event_type": kind,
                "events": events,
                "fatalities": fatalities,
                "reference_period_start": start,
                "reference_period_end": end,
                "source": "; ".join(sorted(sources[(place_id, month, kind)])),
            }
        )
    # Counts another source made (HAPI's, imported) follow as they are, each with its source:
    # never added to the incidents counted above, which may be the same events.
    imported = event_count_list(store, date_to=as_of)
    if imported:
        both = " Where the incidents counted above cover the same place and month, the two may "
        table.notes.append(
            f"{table.file}: {len(imported)} rows are counts of events imported from other "
            "sources (HDX HAPI's), written as they are after the incidents lagebild counts "
            "itself, each with its source, and never added to them."
            + (both + "count the same events." if counts else "")
        )
    for count in imported:
        rows.append(
            {
                **places.admins(count.place_id),
                "event_type": count.event_type,
                "events": count.events,
                "fatalities": count.fatalities,
                "reference_period_start": count.date_start,
                "reference_period_end": count.date_end,
                "source": (count.source or "") if named else "",
            }
        )
    shown = sharing.public_table(viewer, "incident_summary", rows, rules)
    table.rows = shown
    return table


def _price_table(path: Path, places: Places, as_of: date) -> HdxTable:
    """WFP's market prices of a prices file (HDX's columns, or HAPI's), each row of a month on
    or before ``as_of`` in HAPI's food-price columns: its market placed by its governorate and
    district names, its reference period the month of its date."""
    table = HdxTable("food_prices", COLUMNS["food_prices"], [])
    source = f"WFP market prices ({path.name})"
    for _number, row in price_rows(path):
        day = date.fromisoformat(row["date"][:10])
        if day > as_of:
            continue
        place_id = places.by_names(row.get("admin1", ""), row.get("admin2", ""))
        if place_id is None:
            table.left_out["prices of markets in governorates the gazetteer does not name"] += 1
            continue
        start, end = _month(day, as_of)
        table.rows.append(
            {
                **places.admins(place_id),
                "market_code": row.get("market_id") or None,
                "market_name": row.get("market") or None,
                "commodity_code": row.get("commodity_id") or None,
                "commodity_name": row["commodity"],
                "commodity_category": row.get("category") or None,
                "currency_code": row.get("currency") or None,
                "unit": row["unit"],
                "price_flag": row.get("priceflag") or None,
                "price_type": row.get("pricetype") or None,
                "price": _count(float(row["price"])),
                "usd_price": _count(float(row["usdprice"])) if row.get("usdprice") else None,
                "lat": row.get("latitude") or None,
                "lon": row.get("longitude") or None,
                "reference_period_start": start,
                "reference_period_end": end,
                "source": source,
            }
        )
    return table


def _suppressed(table: HdxTable) -> HdxTable:
    """The rows without the protocol's note of suppressed counts, counted instead."""
    for row in table.rows:
        table.suppressed += len(row.pop(sharing.SUPPRESSED, None) or [])
    return table


# -- the dataset ----------------------------------------------------------------------------


def _period(found: Sequence[HdxTable]) -> tuple[date | None, date | None]:
    starts = [r["reference_period_start"] for t in found for r in t.rows]
    ends = [r["reference_period_end"] for t in found for r in t.rows]
    starts = [d for d in starts if d is not None]
    ends = [d for d in ends if d is not None]
    return (min(starts) if starts else None, max(ends) if ends else None)


def _caveats(found: Sequence[HdxTable], rules: sharing.Protocol, role: str) -> list[str]:
    out = [
        f"Published as a {role} sees it under lagebild's information sharing protocol: counts "
        f"above 0 and below {rules.threshold} are suppressed (left empty) where the protocol "
        "says so, and fields above that reader's clearance are left out.",
        "HAPI's columns come first, in the order of the files HAPI's pipelines write (the "
        "conflict events: of HAPI v2's API); has_hrp, in_gho, provider_admin1_name, "
        "provider_admin2_name, dataset_hdx_id, "
        "resource_hdx_id, warning and error are left empty (lagebild does not hold them; HDX "
        "gives the ids on upload). After them lagebild's: the admin levels below HAPI's admin2 "
        "(admin3: sub-district, admin4: community; admin_level is the row's own level, up to "
        "4), the parts of a humanitarian-needs category as separate columns, and the source of "
        "each row. location_code is the ISO 3166-1 alpha-3 code of the gazetteer's country.",
        "Each figure keeps its own date as its reference period; several sources may give "
        "figures for the same place and date, all are kept side by side.",
    ]
    for table in found:
        if table.suppressed:
            out.append(f"{table.file}: {table.suppressed} small counts suppressed.")
        for why, n in sorted(table.left_out.items()):
            out.append(f"{table.file}: {n} records left out ({why}): not in HAPI's shape.")
        out += table.notes
    if any(t.name == "conflict_events" and t.rows for t in found):
        out.append(
            "conflict-events.csv: ACLED's event types as HAPI counts them: battles, explosions "
            "and violence against civilians are political_violence; violence against "
            "civilians is also civilian_targeting; protests and riots are demonstration."
        )
    return out


def _metadata(
    found: Sequence[HdxTable],
    as_of: date,
    role: str,
    country: Place | None,
    rules: sharing.Protocol,
    sources: Sequence[str],
    licence: str,
) -> dict[str, Any]:
    start, end = _period(found)
    place = country.name() if country else "the response"
    published = [t for t in found if t.rows]
    return {
        "name": f"lagebild-{(iso3(country.pcode) if country else 'data').lower()}-"
        f"{as_of.isoformat()}",
        "title": f"Humanitarian situation, {place}: data as of {as_of.isoformat()}",
        "notes": (
            f"Population, humanitarian needs, displacement, operational presence and conflict "
            f"events in {place}, as held by lagebild on {as_of.isoformat()}, in the tables of "
            "HDX HAPI, each with an HXL hashtag row."
        ),
        "as_of": as_of.isoformat(),
        "dataset_date": f"[{start.isoformat() if start else '*'}T00:00:00 TO "
        f"{end.isoformat() if end else '*'}T23:59:59]",
        "reference_period": {
            "start": start.isoformat() if start else None,
            "end": end.isoformat() if end else None,
        },
        "location": {"code": iso3(country.pcode), "name": place, "pcode": country.pcode}
        if country else None,
        "groups": [{"name": iso3(country.pcode).lower()}] if country else [],
        "license_id": licence,
        "methodology": "Other",
        "methodology_other": (
            "Records kept by lagebild: figures as their sources state them (each with its "
            "date and source), who does what where in a period (the organisations of the 4W's "
            "activities and of the 3W by district and sector), and conflict events "
            "counted per place, month and event type. Nothing is estimated or imputed."
        ),
        "caveats": " ".join(_caveats(found, rules, role)),
        "dataset_source": "; ".join(sources),
        "tags": [
            "hxl", "humanitarian needs", "population", "internally displaced persons-idp",
            "operational presence", "conflict-violence",
            *(["markets"] if any(t.name == "food_prices" for t in published) else []),
        ],  # fmt: skip
        "data_update_frequency": "7",
        "shared_as": role,
        "protocol": {"threshold": rules.threshold, "round_degrees": rules.round_degrees},
        "generator": f"lagebild {__version__}",
        "resources": [
            {
                "name": t.file,
                "description": TITLES[t.name],
                "format": "CSV",
                "hapi_endpoint": ENDPOINTS[t.name],
                "hxl": True,
                "rows": len(t.rows),
                "reference_period": dict(
                    zip(("start", "end"), (d.isoformat() if d else None for d in _period([t])),
                        strict=True)
                ),  # fmt: skip
                "columns": [c.key for c in t.columns],
            }
            for t in published
        ],
        "not_published": {
            **{t.file: t.empty_because for t in found if not t.rows},
            **{FILES[k]: why for k, why in NOT_HELD.items() if k not in {t.name for t in found}},
        },
    }


def hdx_dataset(
    store: Store,
    as_of: date,
    role: str = "viewer",
    rules: sharing.Protocol | None = None,
    licence: str = "cc-by",
    prices: Path | None = None,
    since: date | None = None,
) -> HdxDataset:
    """The HDX tables and metadata of what ``store`` holds on ``as_of``, as ``role`` sees it,
    the operational presence of the period from ``since`` (``presence_since`` by default) to
    ``as_of``, and the food prices of the WFP prices file ``prices`` (public data: no
    protocol applies). Refused where the gazetteer's country has no ISO code, or ``since``
    comes after ``as_of``."""
    rules = rules or sharing.default()
    policy.check_role(role)
    since = presence_since(as_of) if since is None else since
    if since > as_of:
        raise RefusedInput(
            f"--since {since.isoformat()} comes after --as-of {as_of.isoformat()}"
        )
    viewer = policy.ANONYMOUS if role == "viewer" else policy.Principal("export", role)
    places = Places(all_places(store))
    found = [
        *_figure_tables(store, places, as_of, viewer, rules),
        _presence_table(store, places, (since, as_of), viewer, rules),
        _conflict_table(store, places, as_of, viewer, rules),
    ]
    if prices is not None:
        found.append(_price_table(prices, places, as_of))
    found = [_suppressed(t) for t in found]
    sources = sorted({str(r["source"]) for t in found for r in t.rows if r.get("source")})
    metadata = _metadata(found, as_of, role, places.country, rules, sources, licence)
    metadata["operational_presence_period"] = {
        "start": since.isoformat(), "end": as_of.isoformat(), "admin_level": PRESENCE_LEVEL,
    }  # fmt: skip
    return HdxDataset(as_of, role, found, metadata)


def write_dataset(dataset: HdxDataset, folder: Path) -> list[Path]:
    """The tables with rows as HXL CSV files and the metadata as ``dataset.json`` in
    ``folder`` (a table without rows has no file); the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in dataset.tables:
        if not table.rows:  # nor the file of an earlier run: dataset.json does not list it
            (folder / table.file).unlink(missing_ok=True)
            continue
        path = folder / table.file
        path.write_text(render.to_csv(table.columns, table.rows, hxl=True), encoding="utf-8")
        written.append(path)
    path = folder / "dataset.json"
    path.write_text(
        json.dumps(dataset.metadata, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    written.append(path)
    return written


def sector_names() -> dict[str, str]:
    """The HAPI code of every lagebild sector (those HAPI has no code for keep theirs)."""
    return {code: SECTORS.get(code, (code, code))[0] for code in vocabulary("sectors").codes}


__all__ = [
    "DELIVERIES_SOURCE",
    "ENDPOINTS",
    "PRESENCE_LEVEL",
    "THREE_W_SOURCE",
    "presence_names",
    "presence_since",
    "EVENT_TYPES",
    "Places",
    "category",
    "FILES",
    "NEEDS_STATUS",
    "SECTORS",
    "HdxDataset",
    "HdxTable",
    "hdx_dataset",
    "sector_names",
    "write_dataset",
]
