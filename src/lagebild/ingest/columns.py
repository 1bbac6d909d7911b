"""Which column plays which role: recognising a file's kind and its columns from their hashtags."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from lagebild.errors import RefusedInput
from lagebild.ingest.read import Column
from lagebild.messages import N_, Code, Message, Value
from lagebild.model.vocab import is_sector_word, normalise_sector

KINDS = (
    "places",
    "figures",
    "access",
    "deliveries",
    "presence",
    "convoys",
    "incidents",
    "event_counts",
    "damage",
    "warehouses",
    "items",
    "stock",
    "place_limits",
    "routes",
)
#: The kinds of planning inputs (docs/plan.md), imported whole by ``ingest/plan.py``.
PLAN_KINDS = frozenset({"warehouses", "items", "stock", "place_limits", "routes"})
#: Kinds that need no P-code column: an incident is placed by its coordinates or its names, a
#: warehouse by a P-code or coordinates; items and stock have no place.
PLACED_KINDS = frozenset({"incidents", "damage", "warehouses", "items", "stock"})

#: Attributes that disaggregate a number by sex, age or unit: such a column is not a total.
DISAGGREGATION = frozenset(
    {
        "f",
        "m",
        "women",
        "men",
        "girls",
        "boys",
        "children",
        "adults",
        "elderly",
        "infants",
        "adolescents",
        "youth",
        "pct",
        "hh",
        "households",
        "disabled",
        "pwd",
        "male",
        "female",
    }
)
#: Attributes that say nothing about what a total counts.
NEUTRAL = frozenset({"total", "ind", "num", "people", "persons", "all", "intersector", "is"})

#: Hashtags a gazetteer may carry: places, their names, codes, coordinates and dates, metadata.
PLACE_HASHTAGS = frozenset(
    {"country", "adm1", "adm2", "adm3", "adm4", "adm5", "loc", "geo", "date", "meta", "region"}
)
#: Hashtags whose columns hold values (numbers about people, money or things). Such a column that
#: no role of the file's kind reads is refused when it holds values: never dropped in silence.
VALUE_HASHTAGS = frozenset(
    {
        "population",
        "inneed",
        "affected",
        "targeted",
        "reached",
        "value",
        "capacity",
        "indicator",
        "damage",
        "severity",
        "output",
        "access",
        "event",
        "convoy",
    }
)
#: Hashtags that describe the records of a kind: in a file of that kind, a column of one of them
#: that no role reads (ACLED's ``#event+type+disorder``) is a description left out, not a value.
OWN_HASHTAGS: dict[str, frozenset[str]] = {
    "incidents": frozenset({"event"}),
    "access": frozenset({"access"}),
}
#: Hashtags of figure columns (population, people in need, displaced, targeted, ...).
FIGURE_HASHTAGS = frozenset({"population", "inneed", "affected", "targeted"})
#: What a ``#loc+code`` may name besides a place: such codes are not P-codes.
NOT_PLACE_CODES = frozenset(
    {
        "market",
        "facility",
        "site",
        "warehouse",
        "camp",
        "school",
        "hospital",
        "clinic",
        "crossing",
        "point",
        "org",
        "parent",
    }
)

#: Level of each P-code column role.
CODE_ROLES = {0: "code0", 1: "code1", 2: "code2", 3: "code3", 4: "code4", 5: "code5"}


@dataclass(frozen=True, slots=True)
class Pattern:
    hashtag: str
    must: frozenset[str] = frozenset()
    must_not: frozenset[str] = frozenset()
    exact: bool = False  # no attributes beyond ``must`` and neutral ones

    def matches(self, column: Column) -> bool:
        tag = column.tag
        if tag is None or tag.hashtag != self.hashtag:
            return False
        attrs = set(tag.attributes)
        if not self.must <= attrs or attrs & self.must_not:
            return False
        return not self.exact or attrs - self.must <= NEUTRAL


def p(spec: str, *, exact: bool = False) -> Pattern:
    """``'#org+impl-funder'`` -> a pattern: hashtag org, must have impl, must not have funder."""
    hashtag, rest = re.match(r"#([a-z0-9_]+)(.*)", spec).groups()  # type: ignore[union-attr]
    must = frozenset(re.findall(r"\+([a-z0-9_]+)", rest))
    must_not = frozenset(re.findall(r"-([a-z0-9_]+)", rest))
    return Pattern(hashtag, must, must_not, exact)


COMMON_ROLES: dict[str, tuple[Pattern, ...]] = {
    "code0": (p("#country+code"),),
    "code1": (p("#adm1+code"),),
    "code2": (p("#adm2+code"),),
    "code3": (p("#adm3+code"),),
    "code4": (
        p("#adm4+code"),
        p("#loc+code-" + "-".join(sorted(NOT_PLACE_CODES))),
    ),
    "code5": (p("#adm5+code"),),
    "source": (p("#meta+source-reliability-credibility-grade-kind"),),
}

GAZETTEER_ROLES: dict[str, tuple[Pattern, ...]] = {
    "name0_en": (p("#country+name+i_en"), p("#country+name-i_ar-ref-alt")),
    "name0_ar": (p("#country+name+i_ar"),),
    **{
        f"name{k}_en": (p(f"#adm{k}+name+i_en-ref"), p(f"#adm{k}+name-i_ar-ref-alt"))
        for k in range(1, 6)
    },
    **{f"name{k}_ar": (p(f"#adm{k}+name+i_ar-ref"),) for k in range(1, 6)},
    "lat": (p("#geo+lat"),),
    "lon": (p("#geo+lon"),),
    # A GeoJSON geometry (WGS 84): the feature geometry of a GeoJSON gazetteer, or a column of it.
    "geometry": (p("#geo+json"),),
    "valid_on": (p("#date+valid_on"), p("#date+valid_from")),
    "valid_to": (p("#date+valid_to"),),
}
# A community may come as #loc instead of #adm4.
GAZETTEER_FALLBACK = {
    "name4_en": (p("#loc+name+i_en"), p("#loc+name-i_ar")),
    "name4_ar": (p("#loc+name+i_ar"),),
}

DELIVERY_ROLES: dict[str, tuple[Pattern, ...]] = {
    "org_impl": (p("#org+impl"), p("#org-reporting-funder-donor-type-code")),
    "org_reporting": (p("#org+reporting"),),
    "donor": (p("#org+funder"), p("#org+donor")),
    "sector": (p("#sector"),),
    "activity": (p("#activity"),),
    "modality": (p("#delivery"),),
    "item": (p("#item+name"), p("#item-num-unit-qty-code")),
    "quantity": (p("#item+num"), p("#item+qty")),
    "unit": (p("#item+unit"),),
    "reached": (p("#reached+ind", exact=True), p("#reached", exact=True)),
    "households": (p("#reached+hh", exact=True),),
    "reached_female": (p("#reached+f", exact=True), p("#reached+women", exact=True)),
    "reached_male": (p("#reached+m", exact=True), p("#reached+men", exact=True)),
    "reached_children": (p("#reached+children", exact=True),),
    "value_usd": (p("#value+usd"),),
    "status": (p("#status"),),
    # A reporting month (ActivityInfo's month fields, 2024-03): its first to its last day.
    "month": (p("#date+month"),),
    "date_end": (p("#date+end"),),
    "date": (p("#date-start-end-valid_on-valid_to"),),
    "date_start": (p("#date+start"),),
    # The row's key in the system it came from (a Kobo submission's _uuid): a later import of
    # the same key replaces the row (ingest/kobo.py).
    "key": (p("#meta+id"),),
}

ACCESS_ROLES: dict[str, tuple[Pattern, ...]] = {
    "access": (p("#access"),),
    "party": (p("#group+besieging"), p("#org+besieging"), p("#group+party")),
    "date": (p("#date+start"), p("#date-end-valid_to")),
}

#: Convoys: one row per convoy, or per convoy and item; see docs/hxl.md.
CONVOY_ROLES: dict[str, tuple[Pattern, ...]] = {
    "code": (p("#convoy+code"), p("#convoy+id")),
    "requested_on": (
        p("#date+requested"),
        p("#date-decided-delivered-start-end-valid_on-valid_to"),
    ),
    "agencies": (p("#org+impl"), p("#org-decided-removed_by-reporting-funder-donor")),
    "trucks": (p("#convoy+trucks-approved"),),
    "planned_people": (p("#targeted-approved", exact=True),),
    "status": (p("#convoy+status"), p("#status")),
    "decided_on": (p("#date+decided"),),
    "decided_by": (p("#org+decided"), p("#group+decided")),
    "reason": (p("#description+reason"),),
    "trucks_approved": (p("#convoy+trucks+approved"),),
    "people_approved": (p("#targeted+approved", exact=True),),
    "delivered_on": (p("#date+delivered"),),
    "reached": (p("#reached+ind", exact=True), p("#reached", exact=True)),
    "note": (p("#description-reason"), p("#meta+note")),
    "item": (p("#item+name-list"),),
    "category": (p("#item+type"), p("#item+category")),
    "unit": (p("#item+unit"),),
    "planned": (p("#item+planned"),),
    "arrived": (p("#item+arrived"),),
    "removed": (p("#item+removed-removed_by"),),
    "removed_by": (p("#group+removed_by"), p("#org+removed_by")),
}

#: Conflict events as ACLED publishes them on HDX (#event+code, #date+occurred, ...).
#: ``#meta+source`` (the common ``source`` role) is who reported the event: kept as reported_by.
INCIDENT_ROLES: dict[str, tuple[Pattern, ...]] = {
    "event_code": (p("#event+code-num"), p("#event+id")),
    "date": (p("#date+occurred"), p("#date-year-precision-timestamp-reported-updated")),
    "event_type": (p("#event+type-sub-disorder"),),
    "sub_event_type": (p("#event+type+sub"),),
    "actor1": (p("#group+name+first-assoc"),),
    "actor2": (p("#group+name+second-assoc"),),
    "fatalities": (p("#affected+killed"),),
    "lat": (p("#geo+lat"),),
    "lon": (p("#geo+lon"),),
    "location": (p("#loc+name"),),
    "name1": (p("#adm1+name"),),
    "name2": (p("#adm2+name"),),
    "name3": (p("#adm3+name"),),
    "notes": (p("#description"),),
    # lagebild's own list of incidents (``incidents --list --format hxl``) states these.
    "aid": (p("#event+aid"),),
    "placed_by": (p("#meta+placed_by"),),
    "confidence": (p("#meta+confidence"),),
    "distance_km": (p("#meta+distance_km"),),
}

#: Conflict events counted per place, period and type, as HDX HAPI publishes them (its
#: conflict-events table: ACLED's events per district and month). Counts, not events.
EVENT_COUNT_ROLES: dict[str, tuple[Pattern, ...]] = {
    "event_type": (p("#event+type"),),
    "events": (p("#indicator+event+num"),),
    "fatalities": (p("#affected+killed"),),
    "date_start": (p("#date+start"),),
    "date_end": (p("#date+end"),),
    "hapi_error": (p("#meta+error"),),
}
#: The hashtag that tells HAPI's conflict events (counts) from a list of events.
EVENT_COUNT_TAG = "#indicator+event+num"

#: Damage: UNOSAT points (#damage+class) or counts per place (#damage+destroyed, ...).
DAMAGE_ROLES: dict[str, tuple[Pattern, ...]] = {
    "damage_class": (p("#damage+class"),),
    "destroyed": (p("#damage+destroyed-pct"),),
    "severe": (p("#damage+severe-pct"),),
    "moderate": (p("#damage+moderate-pct"),),
    "possible": (p("#damage+possible-pct"),),
    "date": (
        p("#date+imagery"),
        p("#date+assessed"),
        p("#date-start-end-valid_on-valid_to-updated"),
    ),
    "lat": (p("#geo+lat"),),
    "lon": (p("#geo+lon"),),
    "site": (p("#loc+name"), p("#loc-code")),
    # lagebild's own list of damage rows (``damage --list``): the unit of each row.
    "unit": (p("#meta+unit"),),
}

#: A 3W or operational presence: who works in which sector where (no people reached).
PRESENCE_ROLES: dict[str, tuple[Pattern, ...]] = {
    "org": (
        p("#org+impl"),
        p("#org+name"),
        p("#org-acronym-type-reporting-funder-donor-code"),
    ),
    "org_acronym": (p("#org+acronym"),),
    "org_type": (p("#org+type+name"), p("#org+type+desc"), p("#org+type-code")),
    "sector": (p("#sector+code"), p("#sector-name"), p("#sector")),
    "activity": (p("#activity-code"),),
    "date": (p("#date+reported"), p("#date-start-end-valid_on-valid_to"), p("#date+end")),
    "hapi_error": (p("#meta+error"),),
}

#: The inputs of a delivery plan (docs/plan.md): warehouses, items, stock, place limits, routes.
WAREHOUSE_ROLES: dict[str, tuple[Pattern, ...]] = {
    "name": (p("#loc+warehouse+name"),),
    "lat": (p("#geo+lat"),),
    "lon": (p("#geo+lon"),),
    "trucks": (p("#capacity+trucks+week"),),
}
PLAN_ITEM_ROLES: dict[str, tuple[Pattern, ...]] = {
    "name": (p("#item+name"),),
    "sector": (p("#sector"),),
    "people_per_unit_week": (p("#indicator+people+week"),),
    "units_per_truck": (p("#indicator+units+truck"),),
    "unit": (p("#item+unit"),),
    "kcal": (p("#indicator+kcal"),),
    "protein": (p("#indicator+protein"),),
    "fat": (p("#indicator+fat"),),
}
STOCK_ROLES: dict[str, tuple[Pattern, ...]] = {
    "warehouse": (p("#loc+warehouse+name"),),
    "item": (p("#item+name"),),
    "units": (p("#value+units"), p("#item+units")),
    "date": (p("#date"),),
}
PLACE_LIMIT_ROLES: dict[str, tuple[Pattern, ...]] = {
    "trucks": (p("#capacity+trucks+week"),),
    "valid_from": (p("#date+start"),),
    "valid_to": (p("#date+end"),),
}
ROUTE_ROLES: dict[str, tuple[Pattern, ...]] = {
    "name": (p("#loc+route+name"),),
    "warehouse": (p("#loc+warehouse+name"),),
    "trucks": (p("#capacity+trucks+week"),),
    "distance_km": (p("#indicator+distance+km"),),
}
#: The roles a planning input cannot do without, with the hashtags that give them.
PLAN_REQUIRED: dict[str, tuple[tuple[str, str], ...]] = {
    "warehouses": (("name", "#loc+warehouse+name"), ("trucks", "#capacity+trucks+week")),
    "items": (
        ("name", "#item+name"),
        ("sector", "#sector"),
        ("people_per_unit_week", "#indicator+people+week"),
        ("units_per_truck", "#indicator+units+truck"),
    ),
    "stock": (
        ("warehouse", "#loc+warehouse+name"),
        ("item", "#item+name"),
        ("units", "#value+units"),
    ),
    "place_limits": (("trucks", "#capacity+trucks+week"),),
    "routes": (("name", "#loc+route+name"), ("warehouse", "#loc+warehouse+name")),
}

#: lagebild's own list of figures (``/api/figures``): the indicator is a column of its own.
FIGURE_LIST_ROLES: dict[str, tuple[Pattern, ...]] = {
    "list_indicator": (p("#indicator+code"),),
    "list_value": (p("#indicator+value+num"), p("#indicator+value")),
}
#: HDX HAPI's humanitarian needs as its pipelines write them: the indicator of each row is
#: its ``#population+status`` (AFF, INN, TGT, REA), its number the ``#population`` beside it.
#: Read so only where a ``#population+status`` column is present.
HAPI_NEEDS_ROLES: dict[str, tuple[Pattern, ...]] = {
    "list_indicator": (p("#population+status"),),
    "list_value": (p("#population", exact=True),),
}

#: lagebild's own list of places (``lagebild places --format hxl``): any level in one column.
PLACE_LIST_ROLES: dict[str, tuple[Pattern, ...]] = {
    "list_code": (p("#loc+code-parent"),),
    "list_level": (p("#meta+level"),),
    "list_parent": (p("#loc+code+parent"),),
    "list_name_en": (p("#loc+name+i_en"), p("#loc+name-i_ar")),
    "list_name_ar": (p("#loc+name+i_ar"),),
    "list_valid_to": (p("#date+valid_to"),),
    "list_lat": (p("#geo+lat"),),
    "list_lon": (p("#geo+lon"),),
}

FIGURE_ROLES: dict[str, tuple[Pattern, ...]] = {
    "date": (p("#date-start-end-valid_on-valid_to"), p("#date+start")),
    # The code where a file gives code and name (HAPI's #sector+cluster+code and +name).
    "sector": (p("#sector+code"), p("#sector-name"), p("#sector")),
    # A grade of the row's figures, over their source's (Admiralty: A-F and 1-6, or both as B2).
    "grade": (p("#meta+source+grade"), p("#meta+grade")),
    "reliability": (p("#meta+source+reliability"), p("#meta+reliability")),
    "credibility": (p("#meta+source+credibility"), p("#meta+credibility")),
    "key": (p("#meta+id"),),  # as for deliveries: a later import of the key replaces its rows
    # HDX HAPI's error of a row (its files keep the rows HAPI does not load, saying why).
    "hapi_error": (p("#meta+error"),),
}


#: Long form (HDX HAPI's humanitarian needs, population and alike): columns that give the
#: dimensions of every figure of their row. ``ALL``/``all``/``a``/blank is the total.
LONG_FORM_ROLES: dict[str, tuple[Pattern, ...]] = {
    "gender": (p("#gender"), p("#population+sex"), p("#population+gender")),
    "age": (p("#age+range"), p("#age-min-max")),
    "age_min": (p("#age+min"),),
    "age_max": (p("#age+max"),),
    "population_group": (p("#population_group"),),
    "disability": (p("#is_disabled"), p("#disabled_marker"), p("#disabled")),
    # HAPI's humanitarian-needs category (``Female - 0-4 - IDP``): the dimensions a row gives
    # in no column of their own (records.category_dimensions).
    "category": (p("#category"),),
}


@dataclass(frozen=True, slots=True)
class FigureColumn:
    column: Column
    tag: FigureTag

    @property
    def indicator(self) -> str:
        assert self.tag.indicator is not None
        return self.tag.indicator

    @property
    def sector(self) -> str:  # "" for inter-sector; a sector from the tag's attributes
        return self.tag.sector


@dataclass
class Layout:
    """The kind of a file and the column of each role."""

    kind: str
    roles: dict[str, Column] = field(default_factory=dict)
    figure_columns: list[FigureColumn] = field(default_factory=list)
    #: Figure columns lagebild cannot read, with why: the import refuses them by name.
    unreadable_figures: list[tuple[Column, FigureTag]] = field(default_factory=list)
    ignored: list[Column] = field(default_factory=list)
    #: The columns whose hashtags decided the kind (none when ``--kind`` gave it).
    decided_by: list[Column] = field(default_factory=list)
    #: Why the kind: a sentence for the import report.
    reason: str = ""
    #: Columns with a value hashtag that this kind does not read: refused when they hold values.
    unread: list[Column] = field(default_factory=list)
    #: Columns without a hashtag (with a header), left out.
    untagged: list[Column] = field(default_factory=list)

    @property
    def code_columns(self) -> list[tuple[int, Column]]:
        """(level, column) of the P-code columns present, coarse to fine."""
        return [(lvl, self.roles[r]) for lvl, r in CODE_ROLES.items() if r in self.roles]


class LayoutError(RefusedInput):
    """The columns do not make a file lagebild can read."""


def describe(column: Column) -> str:
    return f"{column.letter} {column.tag}" if column.tag else column.letter


#: Hashtags of figure columns (``#reached`` only where a file is read as figures: a stated
#: number of people reached, kept as ``reached_figure``; deliveries are another thing).
#: Hashtags ``figure_indicator`` reads: the figures, and ``#reached`` in a file of figures.
FIGURE_TAG_HASHTAGS = frozenset({"population", "inneed", "affected", "targeted", "reached"})

#: Attributes that make an ``#affected`` (or ``#population``) column a group of people: the
#: stock of displaced people, returnees, refugees; besieged and hard-to-reach populations.
GROUPS = {"idps": "idps", "returnees": "returnees", "refugees": "refugees"}
AREAS = {"besieged": "besieged", "hard_to_reach": "hard_to_reach", "htr": "hard_to_reach"}
#: Flows over a period: never the stock, never added to it.
FLOWS = {"arrivals": "arrivals", "departures": "departures", "newdisp": "new", "new": "new"}
#: The cause of a displacement (IDMC): part of the indicator, so that conflict and disaster
#: figures are never added together (``idps_conflict``, ``idps_new_disaster``).
CAUSES = frozenset({"conflict", "disaster"})
#: Attributes that say the number is a stock at a date: the plain indicator.
STOCK = frozenset({"stock"})

GENDERS = {"f": "f", "female": "f", "women": "f", "girls": "f", "m": "m", "male": "m", "men": "m",
           "boys": "m"}  # fmt: skip
#: Age words kept as words (their ranges differ between sources); a stated range wins over them.
AGE_WORDS = frozenset({"infants", "children", "adolescents", "youth", "adults", "elderly"})
#: Age words that also say a gender.
GENDERED_AGE = {"girls": "children", "boys": "children", "women": "adults", "men": "adults"}
DISABLED = frozenset({"disabled", "pwd"})
AGE_RANGE = re.compile(r"age(\d+)(?:_(\d+)|(plus))")


def normalise_age(text: str) -> str | None:
    """An age range as lagebild stores it: ``0-4``, ``65+``; ``age0_4`` and ``age80plus`` (HXL
    attributes), ``00-04``, ``0 - 4``, ``65 plus``. ``None`` when it is not a range."""
    t = text.strip().lower()
    m = AGE_RANGE.fullmatch(t) or re.fullmatch(r"(\d+)\s*(?:[-_–]\s*(\d+)|(\+|plus|and over))", t)
    if m is None:
        return None
    low, high, open_end = m.groups()
    if open_end:
        return f"{int(low)}+"
    if int(high) < int(low):
        return None
    return f"{int(low)}-{int(high)}"


@dataclass(frozen=True, slots=True)
class FigureTag:
    """What a figure column's hashtag says: indicator, sector and dimensions, or why lagebild
    cannot read it (``unknown_attributes``, ``reason``). True only when it can be read."""

    indicator: str | None
    sector: str = ""
    gender: str = ""
    age: str = ""
    population_group: str = ""
    disability: str = ""
    unknown_attributes: tuple[str, ...] = ()
    reason: Message | None = None

    def __bool__(self) -> bool:
        return self.indicator is not None and not self.unknown_attributes and not self.reason

    @property
    def dimensions(self) -> tuple[str, str, str, str]:
        return (self.gender, self.age, self.population_group, self.disability)

    @property
    def key(self) -> tuple[str, str, str, str, str, str]:
        return (self.indicator or "", self.sector, *self.dimensions)

    def describe(self) -> str:
        """``inneed for health, gender f, age 0-4``: for messages."""
        parts = [self.indicator or "?"]
        if self.sector:
            parts.append(f"for {self.sector}")
        for name, value in zip(
            ("gender", "age", "population group", "disability"), self.dimensions, strict=True
        ):
            if value:
                parts.append(f"{name} {value}")
        return parts[0] + (" " + ", ".join(parts[1:]) if parts[1:] else "")

    def said(self) -> Message | Code | str:
        """What ``describe`` says, as a message: the indicator and the names of the dimensions
        as words in another language, their codes and values as they are."""
        indicator = self.indicator or "?"
        named: Code | str = (
            Code(indicator, FIGURE_WORDS[indicator]) if indicator in FIGURE_WORDS else indicator
        )
        parts: list[Message] = []
        if self.sector:
            parts.append(Message(N_("for %(sector)s"), {"sector": self.sector}))
        for name, value in zip(_DIMENSION_WORDS, self.dimensions, strict=True):
            if value:
                parts.append(Message(N_("%(dimension)s %(value)s"),
                                     {"dimension": Message(name), "value": value}))  # fmt: skip
        if not parts:
            return named
        return Message(N_("%(indicator)s %(details)s"),
                       {"indicator": named, "details": tuple(parts)})  # fmt: skip


#: The words of the indicators a figure column most often counts, by their codes.
FIGURE_WORDS = {
    "population": N_("population"),
    "inneed": N_("people in need"),
    "idps": N_("internally displaced people"),
    "returnees": N_("returnees"),
    "targeted": N_("people targeted"),
    "affected": N_("people affected"),
    "besieged": N_("people in besieged areas"),
    "hard_to_reach": N_("people in hard-to-reach areas"),
}
#: The names of a figure's dimensions, in the order of ``FigureTag.dimensions``.
_DIMENSION_WORDS = (N_("gender"), N_("age"), N_("population group"), N_("disability"))


def _refuse(tag_text: str, unknown: set[str], why: str, **values: Value) -> FigureTag:
    """A figure column refused: its tag and why (an ``N_`` template filled with ``values``)."""
    said = Message(N_("%(tag)s: %(why)s"), {"tag": tag_text, "why": Message(why, values)})
    return FigureTag(None, unknown_attributes=tuple(sorted(unknown)), reason=said)


def figure_indicator(column: Column) -> FigureTag | None:
    """What a figure column counts: indicator, sector and dimensions (gender, age range,
    population group, disability; ``''`` is the total in each).

    ``None`` when the column is no figure column (another hashtag). A ``FigureTag`` that is false
    when the column is a figure column lagebild cannot read: ``unknown_attributes`` and ``reason``
    say why, so that the import can refuse it by name rather than drop it silently.
    """
    tag = column.tag
    if tag is None or tag.hashtag not in FIGURE_TAG_HASHTAGS:
        return None
    attrs = set(tag.attributes) - NEUTRAL - STOCK
    if attrs & {"sex", "gender"}:
        return None  # #population+sex: the gender of the row's figures, a dimension column
    text = str(tag)
    shares = attrs & {"pct", "percentage"}  # a stated share: kept as <indicator>_share
    attrs -= shares
    if attrs & {"hh", "households"}:
        return _refuse(text, attrs & {"hh", "households"}, N_("households are not people: "
                       "lagebild's figures count people"))  # fmt: skip
    dimensions = _personal_dimensions(text, attrs)
    if isinstance(dimensions, FigureTag):
        return dimensions
    gender, age, disability = dimensions
    counted = _counted(text, tag.hashtag, attrs)
    if isinstance(counted, FigureTag):
        return counted
    indicator, population_group = counted
    sectors = [a for a in attrs if is_sector_word(a)]
    unknown = attrs - set(sectors)
    if unknown:
        return _refuse(text, unknown, N_("attributes lagebild does not understand on a figure"))
    if len(sectors) > 1:
        return _refuse(text, set(sectors), N_("two sectors in one column"))
    if shares:
        if indicator not in SHARE_BASES:
            why = N_("a share of %(indicator)s is not a figure lagebild keeps")
            return _refuse(text, shares, why, indicator=indicator)
        indicator += "_share"
    return FigureTag(
        indicator,
        normalise_sector(sectors[0]) if sectors else "",
        gender,
        age,
        population_group,
        disability,
    )


def _personal_dimensions(text: str, attrs: set[str]) -> tuple[str, str, str] | FigureTag:
    """The gender, age range and disability a figure column's attributes give (``''``: the
    total), taken out of ``attrs``; or the refusal of a column with two of one."""
    genders = {GENDERS[a] for a in attrs if a in GENDERS}
    ages = {r for a in attrs if (r := normalise_age(a)) is not None}
    words = {a for a in attrs if a in AGE_WORDS}
    words |= {GENDERED_AGE[a] for a in attrs & set(GENDERED_AGE)}
    disabled = attrs & DISABLED
    personal = {a for a in attrs if a in GENDERS or a in AGE_WORDS or normalise_age(a)}
    attrs -= personal | DISABLED
    if len(genders) > 1 or len(ages) > 1 or (not ages and len(words) > 1):
        return _refuse(text, personal, N_("two genders or two age groups in one column"))
    gender = next(iter(genders), "")
    age = next(iter(ages), "") or next(iter(words), "")
    return gender, age, "y" if disabled else ""


def _counted(text: str, hashtag: str, attrs: set[str]) -> tuple[str, str] | FigureTag:
    """Who a figure column counts: its indicator and population group, from the group, area,
    flow and cause attributes (taken out of ``attrs``); or the refusal of a column that mixes
    them."""
    groups = {GROUPS[a] for a in attrs if a in GROUPS}
    areas = {AREAS[a] for a in attrs if a in AREAS}
    flows = {FLOWS[a] for a in attrs if a in FLOWS}
    causes = attrs & CAUSES
    attrs -= set(GROUPS) | set(AREAS) | set(FLOWS) | CAUSES
    if len(areas) > 1 or len(flows) > 1 or len(causes) > 1:
        return _refuse(text, areas | flows | causes, N_("two kinds of people in one column"))
    if hashtag in ("inneed", "targeted", "reached"):
        return _counted_in_need(text, hashtag, groups, areas, flows | causes)
    indicator = _counted_people(text, hashtag, groups, areas, flows, causes)
    if isinstance(indicator, FigureTag):
        return indicator
    return indicator, ""


def _counted_in_need(
    text: str, hashtag: str, groups: set[str], areas: set[str], flows_causes: set[str]
) -> tuple[str, str] | FigureTag:
    """People in need (targeted, reached) among a group: the group is a population group."""
    if areas:
        why = N_("#%(hashtag)s among the %(area)s: not a figure lagebild keeps")
        return _refuse(text, areas, why, hashtag=hashtag, area=next(iter(areas)))  # fmt: skip
    if flows_causes:
        return _refuse(text, flows_causes, N_("a flow or cause on #%(hashtag)s"), hashtag=hashtag)
    if len(groups) > 1:
        return _refuse(text, groups, N_("two population groups in one column"))
    indicator = {"inneed": "inneed", "targeted": "targeted", "reached": "reached_figure"}[hashtag]
    return indicator, next(iter(groups), "")


def _counted_people(
    text: str,
    hashtag: str,
    groups: set[str],
    areas: set[str],
    flows: set[str],
    causes: set[str],
) -> str | FigureTag:
    """The indicator of a figure of people (IDPs, returnees, the besieged, ...), with its flow
    and cause: ``idps_arrivals``, ``population``, ``affected``."""
    if areas and (groups or flows or causes):
        return _refuse(text, areas | groups | flows, N_("besieged or hard to reach, and a group"))
    if groups == {"idps", "returnees"}:
        groups = {"returnees"}  # returned IDPs are returnees
    if len(groups) > 1:
        return _refuse(text, groups, N_("two groups of people in one column"))
    group = next(iter(groups), None)
    if areas:
        return next(iter(areas))
    if group is not None:
        indicator = group
        if group == "returnees" and flows - {"arrivals"}:
            return _refuse(text, flows, N_("returnees are arrivals already"))
        if flows and group != "returnees":
            indicator += "_" + next(iter(flows))
        if causes:
            indicator += "_" + next(iter(causes))
        return indicator
    if flows or causes:
        return _refuse(text, flows | causes, N_("a flow or cause of whom? add +idps or +refugees"))
    return "population" if hashtag == "population" else "affected"


#: Indicators of which a stated share of the population is kept (``#inneed+pct``).
SHARE_BASES = frozenset({"inneed", "idps", "besieged", "hard_to_reach"})


@dataclass(frozen=True)
class Recognition:
    """The kind of a file, the columns that decided it and why, in words."""

    kind: str
    decided_by: tuple[Column, ...]
    reason: str


def _with(columns: Sequence[Column], *hashtags: str) -> list[Column]:
    return [c for c in columns if c.tag is not None and c.tag.hashtag in hashtags]


def _place_code_columns(columns: Sequence[Column]) -> list[Column]:
    return [
        c
        for c in columns
        if any(any(pt.matches(c) for pt in COMMON_ROLES[r]) for r in CODE_ROLES.values())
    ]


def _not_place_codes(columns: Sequence[Column]) -> list[Column]:
    """``#loc+market+code`` and alike: codes of things that are not places of the gazetteer."""
    return [
        c
        for c in columns
        if c.tag is not None
        and c.tag.hashtag == "loc"
        and "code" in c.tag.attributes
        and set(c.tag.attributes) & (NOT_PLACE_CODES - {"parent"})
    ]


def _is_place_list(columns: Sequence[Column]) -> bool:
    """lagebild's own list of places: ``#loc+code``, ``#meta+level``, ``#loc+code+parent``."""
    roles = {
        role
        for role, patterns in PLACE_LIST_ROLES.items()
        for c in columns
        if any(pt.matches(c) for pt in patterns)
    }
    return {"list_code", "list_level"} <= roles


def _defines_places(columns: Sequence[Column]) -> list[Column]:
    """The code and name columns of the levels a file names places at (code and name both)."""
    found: list[Column] = []
    for level, role in CODE_ROLES.items():
        codes = [c for c in columns if any(pt.matches(c) for pt in COMMON_ROLES[role])]
        if not codes:
            continue
        names: list[Column] = []
        for lang in ("en", "ar"):
            patterns = GAZETTEER_ROLES.get(f"name{level}_{lang}", ())
            if level == 4:
                patterns = (*patterns, *GAZETTEER_FALLBACK[f"name4_{lang}"])
            names += [c for c in columns if any(pt.matches(c) for pt in patterns)]
        if names:
            found += [codes[0], names[0]]
    return found


#: Tables lagebild computes and writes: recognised by a column only they carry, and refused.
COMPUTED_TABLES: tuple[tuple[str, Pattern], ...] = (
    ("gaps", p("#status+cut_off")),
    ("gaps", p("#indicator+days_without_aid")),
    ("priorities (gaps ranked by severity)", p("#severity")),
    ("situation", p("#meta+source+people_in_need")),
    ("situation", p("#meta+source+population")),
    ("convoy statistics", p("#convoy+requested+num")),
    ("incident summary", p("#event+num")),
    ("damage (totals and shares)", p("#indicator+share+destroyed")),
    ("damage changes", p("#damage+change")),
    ("history (the audit trail)", p("#meta+action")),
    ("figures comparison", p("#meta+spread")),
    ("presence summary (who does what where)", p("#org+num")),
)


def computed_table(columns: Sequence[Column]) -> tuple[str, Column] | None:
    """(name, column) when the columns are those of a table lagebild computes (gaps, situation,
    statistics): output, not input data."""
    for name, pattern in COMPUTED_TABLES:
        for column in columns:
            tag = column.tag
            # The exact tag: ACLED's ``#event+code+num`` is no ``#event+num`` count.
            if tag is not None and pattern.hashtag == tag.hashtag:
                if set(tag.attributes) == pattern.must:
                    return name, column
    return None


def _names(columns: Sequence[Column]) -> str:
    return ", ".join(describe(c) for c in columns)


def recognise(columns: Sequence[Column]) -> Recognition:
    """The kind of data the hashtags describe, the columns that decided it, and why.

    A file is a gazetteer only when it defines places (a code with a name, coordinates, a
    boundary or validity dates) and carries nothing but places; a 3W (organisation, sector,
    place, no people reached) is presence; a file with values lagebild does not read is refused,
    naming them.
    """
    tagged = [c for c in columns if c.tag is not None]
    hashtags = {c.tag.hashtag for c in tagged if c.tag is not None}
    computed = computed_table(columns)
    if computed is not None:
        name, column = computed
        raise LayoutError(
            Message(
                N_("this is a lagebild %(name)s table, not input data (column %(column)s): its "
                   "numbers are computed from records already in a database; import the "
                   "records it was computed from instead"),
                {"name": name, "column": describe(column)},
            )
        )  # fmt: skip
    found = (
        _by_hashtag(hashtags, tagged)
        or _by_plan(tagged)
        or _by_people(tagged)
        or _by_places(tagged)
    )
    if found is None:
        raise _unrecognised(tagged, hashtags)
    return found


def _by_hashtag(hashtags: set[str], tagged: list[Column]) -> Recognition | None:
    """Convoys, incidents, damage and access, each told by its own hashtag."""
    # A convoy file has #reached and #org too: it is told apart first.
    if "convoy" in hashtags:
        return Recognition("convoys", tuple(_with(tagged, "convoy")), "#convoy columns")
    counted = [c for c in tagged if any(pt.matches(c) for pt in EVENT_COUNT_ROLES["events"])]
    if counted:
        return Recognition(
            "event_counts", (counted[0],), f"conflict events counted per place and period "
            f"({EVENT_COUNT_TAG}, as in HDX HAPI)"
        )  # fmt: skip
    if "event" in hashtags:
        return Recognition("incidents", tuple(_with(tagged, "event")), "#event columns")
    if "damage" in hashtags:
        return Recognition("damage", tuple(_with(tagged, "damage")), "#damage columns")
    if "access" in hashtags:
        return Recognition("access", tuple(_with(tagged, "access")), "an #access column")
    return None


def _matching(tagged: list[Column], spec: str) -> list[Column]:
    pattern = p(spec)
    return [c for c in tagged if pattern.matches(c)]


def _by_plan(tagged: list[Column]) -> Recognition | None:
    """The inputs of a delivery plan: routes, stock, warehouses, items and place limits."""
    route = _matching(tagged, "#loc+route+name")
    warehouse = _matching(tagged, "#loc+warehouse+name")
    item = _matching(tagged, "#item+name")
    trucks = _matching(tagged, "#capacity+trucks+week")
    per_item = _matching(tagged, "#indicator+people+week") + _matching(
        tagged, "#indicator+units+truck"
    )
    if route:
        return Recognition("routes", (route[0],), "a route's name (#loc+route+name)")
    if warehouse and item:
        return Recognition(
            "stock", (warehouse[0], item[0]), "items (#item+name) in warehouses "
            "(#loc+warehouse+name)"
        )  # fmt: skip
    if warehouse and trucks:
        return Recognition(
            "warehouses", (warehouse[0], trucks[0]), "warehouses (#loc+warehouse+name) with "
            "the trucks they dispatch a week (#capacity+trucks+week)"
        )  # fmt: skip
    if item and per_item:
        return Recognition(
            "items", (item[0], per_item[0]), "items (#item+name) with the people a unit serves "
            "(#indicator+people+week) or the units a truck carries (#indicator+units+truck)"
        )  # fmt: skip
    if trucks and _place_code_columns(tagged):
        return Recognition(
            "place_limits", (trucks[0],), "trucks a week (#capacity+trucks+week) into places "
            "(P-codes)"
        )  # fmt: skip
    return None


def _reached(tagged: list[Column]) -> list[Column]:
    """The columns of people reached, the individuals first (#reached+ind before
    #reached+hh)."""
    return sorted(
        _with(tagged, "reached"),
        key=lambda c: not any(pt.matches(c) for pt in DELIVERY_ROLES["reached"]),
    )


def _by_people(tagged: list[Column]) -> Recognition | None:
    """Deliveries, figures and presence: files of people and who serves them."""
    who = _with(tagged, "org", "activity", "delivery", "item")
    reached = _reached(tagged)
    figures = _with(tagged, *FIGURE_HASHTAGS)
    dates = _with(tagged, "date")
    listed = [
        c for c in tagged if any(pt.matches(c) for pts in FIGURE_LIST_ROLES.values() for pt in pts)
    ]
    if reached and who:
        return Recognition(
            "deliveries",
            (reached[0], who[0]),
            "people reached (#reached) with who or what delivered (#org, #activity, #item)",
        )
    if reached and dates and not figures:
        return Recognition(
            "deliveries", (reached[0], dates[0]), "people reached (#reached) on a date (#date)"
        )
    if len(listed) == 2 and not figures:
        return Recognition(
            "figures",
            tuple(listed),
            "a list of figures, one a row (#indicator+code with #indicator+value+num)",
        )
    if figures:
        return Recognition(
            "figures",
            tuple(figures),
            "figures (#population, #inneed, #affected, #targeted)",
        )
    codes = _place_code_columns(tagged)
    orgs = _with(tagged, "org")
    sectors = _with(tagged, "sector")
    if orgs and sectors and codes and not reached:
        return Recognition(
            "presence",
            (orgs[0], sectors[0], codes[0]),
            "organisations by sector and place without people reached (3W, operational "
            "presence)",
        )
    return None


def _not_places(tagged: list[Column]) -> list[Column]:
    """The columns a gazetteer cannot carry: other hashtags than places', and markets,
    facilities and sites."""
    # Markets, facilities and sites (``#loc+market+name``) are not places of a gazetteer: a file
    # of them is no gazetteer, even with coordinates (those are the markets').
    things = [
        c
        for c in tagged
        if c.tag is not None
        and c.tag.hashtag == "loc"
        and set(c.tag.attributes) & (NOT_PLACE_CODES - {"parent"})
    ]
    return [
        c for c in tagged if c.tag is not None and c.tag.hashtag not in PLACE_HASHTAGS
    ] + things


def _by_places(tagged: list[Column]) -> Recognition | None:
    """A gazetteer: a file that defines places and carries nothing else."""
    others = _not_places(tagged)
    if others:
        return None
    if _is_place_list(tagged):
        found = [c for c in tagged if any(pt.matches(c) for pt in PLACE_LIST_ROLES["list_code"])]
        return Recognition("places", tuple(found[:1]), "a list of places with their levels")
    defining = _defines_places(tagged)
    if defining:
        return Recognition("places", tuple(defining), "P-codes with names and nothing else")
    codes = _place_code_columns(tagged)
    about = [
        c
        for c in tagged
        if any(
            pt.matches(c)
            for role in ("lat", "lon", "geometry", "valid_on", "valid_to")
            for pt in GAZETTEER_ROLES[role]
        )
    ]
    if codes and about:
        return Recognition(
            "places",
            (codes[0], about[0]),
            "P-codes with their coordinates, boundaries or validity, and nothing else",
        )
    return None


def _unrecognised(tagged: list[Column], hashtags: set[str]) -> LayoutError:
    """Why a file is of no kind lagebild reads, naming the columns in the way."""
    values = [c for c in tagged if c.tag is not None and c.tag.hashtag in VALUE_HASHTAGS]
    money = [c for c in values if c.tag is not None and c.tag.hashtag == "value"]
    if values and len(money) == len(values):
        return LayoutError(
            Message(
                N_("this file holds money values or prices (%(columns)s), which lagebild does "
                   "not import: no --kind or --tags reads them (lagebild keeps people in need, "
                   "access, deliveries, presence, convoys, incidents and damage)"),
                {"columns": _names(money)},
            )
        )  # fmt: skip
    codes = _place_code_columns(tagged)
    defining = _defines_places(tagged)
    others = _not_places(tagged)
    not_places = _not_place_codes(tagged)
    problems: list[Message] = []
    if values:
        problems.append(
            Message(
                N_("columns %(columns)s hold values lagebild does not import (it reads "
                   "#population, #inneed, #affected and #targeted as figures, #reached with "
                   "#org as deliveries, #access, #convoy, #event and #damage)"),
                {"columns": _names(values)},
            )
        )  # fmt: skip
    if not_places:
        problems.append(_not_place_codes_said(not_places, N_(
            "%(columns)s is a code of markets, facilities, sites or the like, not P-codes of "
            "places"
        )))  # fmt: skip
    if codes and not defining and not values:
        problems.append(
            Message(N_("it has P-codes but no names of places, so it is no gazetteer"))
        )
    elif defining and others and not values:
        problems.append(
            Message(
                N_("it names places but also carries %(columns)s, so it is no gazetteer"),
                {"columns": _names(others)},
            )
        )
    if not problems:
        seen = ", ".join(sorted("#" + h for h in hashtags))
        problems.append(
            Message(
                N_("no #reached (4W), #access, #population/#inneed/#affected/#targeted "
                   "(figures), #org with #sector (3W), #convoy, #event (incidents), #damage, or "
                   "P-codes with names (gazetteer); hashtags found: %(seen)s"),
                {"seen": seen or Message(N_("none"))},
            )
        )  # fmt: skip
    said = problems[0]
    for then in problems[1:]:
        said = Message(N_("%(first)s; %(then)s"), {"first": said, "then": then})
    return LayoutError(
        Message(
            N_("cannot tell what this file holds: %(problems)s. Tag the columns it should be "
               "read by (--tags map.yml) or name its kind (--kind)"),
            {"problems": said},
        )
    )  # fmt: skip


def _not_place_codes_said(columns: list[Column], single: str) -> Message:
    """Columns of codes that are not P-codes, in the singular or the plural."""
    plural = N_(
        "%(columns)s are codes of markets, facilities, sites or the like, not P-codes of places"
    )
    return Message(single if len(columns) == 1 else plural, {"columns": _names(columns)})


def _assign(
    columns: Sequence[Column], roles: dict[str, tuple[Pattern, ...]], layout: Layout, used: set[int]
) -> None:
    for role, patterns in roles.items():
        if role in layout.roles:
            continue
        for pattern in patterns:
            hit = next((c for c in columns if c.index not in used and pattern.matches(c)), None)
            if hit is not None:
                layout.roles[role] = hit
                used.add(hit.index)
                break


def layout_for(columns: Sequence[Column], kind: str | None = None) -> Layout:
    """Recognise (or take) the kind, then give each role its column."""
    recognition = _recognition(columns, kind)
    kind = recognition.kind
    layout = Layout(kind, decided_by=list(recognition.decided_by), reason=recognition.reason)
    used: set[int] = set()
    if kind == "places" and _is_place_list(columns):
        _assign(columns, PLACE_LIST_ROLES, layout, used)
        _finish(columns, layout, used)
        return layout
    _assign(columns, COMMON_ROLES, layout, used)
    if kind == "figures":
        _assign_figures(columns, layout, used)
    else:
        for roles in _KIND_ROLES[kind]:
            _assign(columns, roles, layout, used)
        _check_kind_roles(layout)
    if not layout.code_columns and kind not in PLACED_KINDS:
        codes = _not_place_codes(columns)
        said = Message(
            N_("no P-code column: tag one with #adm1+code ... #adm4+code (or #country+code)")
        )
        if codes:
            single = N_("%(columns)s is a code of markets, facilities or sites, not P-codes")
            plural = N_("%(columns)s are codes of markets, facilities or sites, not P-codes")
            aside = Message(single if len(codes) == 1 else plural, {"columns": _names(codes)})
            said = Message(N_("%(said)s (%(aside)s)"), {"said": said, "aside": aside})
        raise LayoutError(said)
    _finish(columns, layout, used)
    return layout


def _recognition(columns: Sequence[Column], kind: str | None) -> Recognition:
    """What the hashtags say the file is; or the kind named (``--kind``), with the columns that
    decided it when the hashtags say the same."""
    if kind is None:
        return recognise(columns)
    if kind not in KINDS:
        raise LayoutError(
            Message(
                N_("unknown kind %(kind)s: use one of %(kinds)s"),
                {"kind": repr(kind), "kinds": ", ".join(KINDS)},
            )
        )
    try:
        recognition = recognise(columns)  # the hashtags may say the same: then say which
    except LayoutError:
        recognition = Recognition(kind, (), "named by --kind")
    if recognition.kind != kind:
        recognition = Recognition(kind, (), "named by --kind")
    return recognition


#: The roles of each kind but figures, besides the common ones, in the order they are assigned.
_KIND_ROLES: dict[str, tuple[dict[str, tuple[Pattern, ...]], ...]] = {
    "places": (GAZETTEER_ROLES, GAZETTEER_FALLBACK),
    "deliveries": (DELIVERY_ROLES,),
    "presence": (PRESENCE_ROLES,),
    "convoys": (CONVOY_ROLES,),
    "incidents": (INCIDENT_ROLES,),
    "event_counts": (EVENT_COUNT_ROLES,),
    "damage": (DAMAGE_ROLES,),
    "access": (ACCESS_ROLES,),
    "warehouses": (WAREHOUSE_ROLES,),
    "items": (PLAN_ITEM_ROLES,),
    "stock": (STOCK_ROLES,),
    "place_limits": (PLACE_LIMIT_ROLES,),
    "routes": (ROUTE_ROLES,),
}


#: Every table of roles: the hashtags lagebild reads (``ingest.tagging`` offers them).
ROLE_TABLES: tuple[dict[str, tuple[Pattern, ...]], ...] = (
    COMMON_ROLES, FIGURE_ROLES, LONG_FORM_ROLES, FIGURE_LIST_ROLES, HAPI_NEEDS_ROLES,
    PLACE_LIST_ROLES,
    *(table for tables in _KIND_ROLES.values() for table in tables),
)  # fmt: skip


#: The words of the kinds of planning input, as a reason names them.
PLAN_KIND_WORDS = {
    "warehouses": N_("warehouses"),
    "items": N_("items"),
    "stock": N_("stock"),
    "place_limits": N_("place limits"),
    "routes": N_("routes"),
}


#: The roles a kind cannot do without, and what its refusal says.
KIND_REQUIRED: dict[str, tuple[tuple[str, ...], Message]] = {
    "presence": (
        ("org", "sector"),
        Message(N_("a 3W (presence) file needs an #org column and a #sector column")),
    ),
    "convoys": (
        ("code",),
        Message(N_("a convoy file needs a #convoy+code column: the convoy's reference")),
    ),
    "event_counts": (
        ("event_type", "events", "date_start", "date_end"),
        Message(
            N_("a file of conflict event counts needs %(hashtags)s columns"),
            {"hashtags": "#event+type, #indicator+event+num, #date+start, #date+end"},
        ),
    ),
    "access": (("access",), Message(N_("an access file needs an #access column"))),
}


def _check_kind_roles(layout: Layout) -> None:
    """The columns a kind cannot do without: a ``LayoutError`` when one is missing."""
    kind = layout.kind
    for role, hashtag in PLAN_REQUIRED.get(kind, ()):
        if role not in layout.roles:
            raise LayoutError(
                Message(
                    N_("a file of %(kind)s needs a %(hashtag)s column"),
                    {"kind": Message(PLAN_KIND_WORDS[kind]), "hashtag": hashtag},
                )
            )
    if kind in KIND_REQUIRED:
        roles, said = KIND_REQUIRED[kind]
        if any(role not in layout.roles for role in roles):
            raise LayoutError(said)
    elif kind == "damage":
        damage_form(layout)  # points or counts, and one unit: else a LayoutError


def _assign_figures(columns: Sequence[Column], layout: Layout, used: set[int]) -> None:
    """The roles of a figures file, and a figure column for each column a figure hashtag
    names (those lagebild cannot read are kept aside, two giving the same figure refused)."""
    _assign(columns, FIGURE_ROLES, layout, used)
    if any(pt.matches(c) for c in columns for pt in HAPI_NEEDS_ROLES["list_indicator"]):
        _assign(columns, HAPI_NEEDS_ROLES, layout, used)
    _assign(columns, FIGURE_LIST_ROLES, layout, used)
    seen: dict[tuple[str, ...], Column] = {}
    for column in columns:
        if column.index in used:
            continue
        found = figure_indicator(column)
        if not found:
            if found is not None:
                layout.unreadable_figures.append((column, found))
            continue
        if found.key in seen:
            raise LayoutError(
                Message(
                    N_("columns %(first)s and %(then)s both give %(figure)s: tag one of them "
                       "differently"),
                    {"first": describe(seen[found.key]), "then": describe(column),
                     "figure": found.said()},
                )
            )  # fmt: skip
        seen[found.key] = column
        used.add(column.index)
        layout.figure_columns.append(FigureColumn(column, found))
    _assign(columns, LONG_FORM_ROLES, layout, used)


def _finish(columns: Sequence[Column], layout: Layout, used: set[int]) -> None:
    """The columns left out: tagged, untagged, and those holding values this kind does not read."""
    layout.ignored = [c for c in columns if c.tag is not None and c.index not in used]
    layout.untagged = [c for c in columns if c.tag is None and (c.header or "").strip()]
    own = OWN_HASHTAGS.get(layout.kind, frozenset())
    layout.unread = [
        c
        for c in layout.ignored
        if c.tag is not None and c.tag.hashtag in VALUE_HASHTAGS - own
    ]


def unread_hint(layout: Layout, column: Column) -> Message:
    """What would import the values of a column that this kind of file does not read."""
    tag = column.tag
    hashtag = tag.hashtag if tag else ""
    if hashtag == "reached":
        return Message(N_(
            "people reached count as deliveries only in a 4W with who delivered (#org) and when "
            "(#date): import such a file separately"
        ))
    if hashtag in FIGURE_HASHTAGS:
        found = figure_indicator(column)
        if found is not None and found.reason:
            return Message(N_(
                "lagebild does not know what this figure counts (%(why)s): tag it as one of the "
                "figures in docs/hxl.md (--tags map.yml), or leave its hashtag out"
            ), {"why": found.reason})
        return Message(N_(
            "lagebild does not know what this figure counts: tag it as one of the "
            "figures in docs/hxl.md (--tags map.yml), or leave its hashtag out"
        ))
    kinds = {
        "access": "access",
        "event": "incidents",
        "convoy": "convoys",
        "damage": "damage",
    }
    if hashtag in kinds:
        return Message(N_("import it as a file of its own kind (--kind %(kind)s)"),
                       {"kind": kinds[hashtag]})  # fmt: skip
    return Message(N_(
        "lagebild has no place for these values (prices, funding and the like are not "
        "imported): remove the column or its hashtag if it is not needed"
    ))


#: Count columns, in UNOSAT's class order (class 1 is ``destroyed``).
COUNTS = ("destroyed", "severe", "moderate", "possible")
#: The words of a damage column's attributes for the unit it counts.
UNIT_WORDS = {
    "buildings": "buildings",
    "building": "buildings",
    "houses": "houses",
    "house": "houses",
}


@dataclass(frozen=True)
class DamageForm:
    """How a damage file gives its numbers: ``points`` or ``counts``, and the unit counted."""

    form: str
    unit: str


def damage_form(layout: Layout) -> DamageForm:
    """The form and unit of a damage file; ``LayoutError`` when its columns do not make one.

    lagebild's own list of damage rows (``damage --list``) names the unit of each row
    (``#meta+unit``) and gives a class for a point or counts for a place, row by row: the
    ``list`` form."""
    roles = layout.roles
    counts = [r for r in COUNTS if r in roles]
    if "unit" in roles:
        if "damage_class" not in roles or not counts:
            raise LayoutError(
                Message(
                    N_("a list of damage rows with a unit column (#meta+unit) gives "
                       "#damage+class and the counts #damage+destroyed, +severe, +moderate, "
                       "+possible")
                )
            )  # fmt: skip
        return DamageForm("list", "")
    if "damage_class" in roles and counts:
        raise LayoutError(
            Message(
                N_("a damage file gives either a class per point (#damage+class) or counts per "
                   "place (#damage+destroyed ...), not both: %(first)s and %(then)s"),
                {"first": describe(roles["damage_class"]), "then": describe(roles[counts[0]])},
            )
        )  # fmt: skip
    if "damage_class" not in roles and not counts:
        raise LayoutError(
            Message(
                N_("a damage file needs #damage+class (one building or site a row, UNOSAT "
                   "classes 1-4) or counts per place: #damage+destroyed, +severe, +moderate, "
                   "+possible")
            )
        )  # fmt: skip
    if ("lat" in roles) != ("lon" in roles):
        raise LayoutError(Message(N_("damage points need both #geo+lat and #geo+lon")))
    if not layout.code_columns and "lat" not in roles:
        raise LayoutError(
            Message(
                N_("damage rows need a place: a P-code column (#adm1+code ... #adm4+code) or "
                   "#geo+lat and #geo+lon")
            )
        )  # fmt: skip
    units = set()
    for role in ("damage_class", *counts):
        tag = roles[role].tag if role in roles else None
        found = {UNIT_WORDS[a] for a in (tag.attributes if tag else ()) if a in UNIT_WORDS}
        if len(found) > 1:
            raise LayoutError(
                Message(
                    N_("%(column)s counts both houses and buildings"),
                    {"column": describe(roles[role])},
                )
            )
        units |= found
    if len(units) > 1:
        raise LayoutError(
            Message(
                N_("the damage columns count houses in one and buildings in another: one file, "
                   "one unit")
            )
        )  # fmt: skip
    return DamageForm(
        "points" if "damage_class" in roles else "counts", units.pop() if units else "buildings"
    )
