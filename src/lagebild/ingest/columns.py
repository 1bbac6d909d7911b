"""Which column plays which role: recognising a file's kind and its columns from their hashtags."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from lagebild.ingest.read import Column
from lagebild.model.vocab import is_sector_word, normalise_sector

KINDS = ("places", "figures", "access", "deliveries", "convoys", "incidents", "damage")
#: Kinds that need no P-code column: an incident is placed by its coordinates or its names.
PLACED_KINDS = frozenset({"incidents", "damage"})

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
    "code4": (p("#adm4+code"), p("#loc+code")),
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
    "date_end": (p("#date+end"),),
    "date": (p("#date-start-end-valid_on-valid_to"),),
    "date_start": (p("#date+start"),),
}

ACCESS_ROLES: dict[str, tuple[Pattern, ...]] = {
    "access": (p("#access"),),
    "party": (p("#group+besieging"), p("#org+besieging"), p("#group+party")),
    "date": (p("#date+start"), p("#date-end-valid_to")),
}

#: Convoys (issue 5): one row per convoy, or per convoy and item; see docs/hxl.md.
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
    "item": (p("#item+name"),),
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
}

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
}

FIGURE_ROLES: dict[str, tuple[Pattern, ...]] = {
    "date": (p("#date-start-end-valid_on-valid_to"), p("#date+start")),
    "sector": (p("#sector"),),
    # A grade of the row's figures, over their source's (Admiralty: A-F and 1-6, or both as B2).
    "grade": (p("#meta+source+grade"), p("#meta+grade")),
    "reliability": (p("#meta+source+reliability"), p("#meta+reliability")),
    "credibility": (p("#meta+source+credibility"), p("#meta+credibility")),
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

    @property
    def code_columns(self) -> list[tuple[int, Column]]:
        """(level, column) of the P-code columns present, coarse to fine."""
        return [(lvl, self.roles[r]) for lvl, r in CODE_ROLES.items() if r in self.roles]


class LayoutError(Exception):
    """The columns do not make a file lagebild can read."""


def describe(column: Column) -> str:
    return f"{column.letter} {column.tag}" if column.tag else column.letter


#: Hashtags of figure columns (``#reached`` only where a file is read as figures: a stated
#: number of people reached, kept as ``reached_figure``; deliveries are another thing).
FIGURE_HASHTAGS = frozenset({"population", "inneed", "affected", "targeted", "reached"})

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
    reason: str | None = None

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


def _refuse(tag_text: str, unknown: set[str], why: str) -> FigureTag:
    return FigureTag(None, unknown_attributes=tuple(sorted(unknown)), reason=f"{tag_text}: {why}")


def figure_indicator(column: Column) -> FigureTag | None:
    """What a figure column counts: indicator, sector and dimensions (gender, age range,
    population group, disability; ``''`` is the total in each).

    ``None`` when the column is no figure column (another hashtag). A ``FigureTag`` that is false
    when the column is a figure column lagebild cannot read: ``unknown_attributes`` and ``reason``
    say why, so that the import can refuse it by name rather than drop it silently.
    """
    tag = column.tag
    if tag is None or tag.hashtag not in FIGURE_HASHTAGS:
        return None
    attrs = set(tag.attributes) - NEUTRAL - STOCK
    if attrs & {"sex", "gender"}:
        return None  # #population+sex: the gender of the row's figures, a dimension column
    text = str(tag)
    shares = attrs & {"pct", "percentage"}  # a stated share: kept as <indicator>_share
    share = bool(shares)
    attrs -= shares
    if attrs & {"hh", "households"}:
        return _refuse(text, attrs & {"hh", "households"}, "households are not people: "
                       "lagebild's figures count people")  # fmt: skip
    # Dimensions.
    genders = {GENDERS[a] for a in attrs if a in GENDERS}
    ages = {r for a in attrs if (r := normalise_age(a)) is not None}
    words = {a for a in attrs if a in AGE_WORDS}
    words |= {GENDERED_AGE[a] for a in attrs & set(GENDERED_AGE)}
    disabled = attrs & DISABLED
    personal = {a for a in attrs if a in GENDERS or a in AGE_WORDS or normalise_age(a)}
    attrs -= personal | DISABLED
    if len(genders) > 1 or len(ages) > 1 or (not ages and len(words) > 1):
        return _refuse(text, personal, "two genders or two age groups in one column")
    gender = next(iter(genders), "")
    age = next(iter(ages), "") or next(iter(words), "")
    disability = "y" if disabled else ""
    # What is counted.
    groups = {GROUPS[a] for a in attrs if a in GROUPS}
    areas = {AREAS[a] for a in attrs if a in AREAS}
    flows = {FLOWS[a] for a in attrs if a in FLOWS}
    causes = attrs & CAUSES
    attrs -= set(GROUPS) | set(AREAS) | set(FLOWS) | CAUSES
    population_group = ""
    hashtag = tag.hashtag
    if len(areas) > 1 or len(flows) > 1 or len(causes) > 1:
        return _refuse(text, areas | flows | causes, "two kinds of people in one column")
    if hashtag in ("inneed", "targeted", "reached"):
        # People in need (targeted, reached) among a group: the group is a population group.
        if areas:
            return _refuse(text, areas, f"#{hashtag} among the {next(iter(areas))}: "
                           "not a figure lagebild keeps")  # fmt: skip
        if flows or causes:
            return _refuse(text, flows | causes, "a flow or cause on #" + hashtag)
        if len(groups) > 1:
            return _refuse(text, groups, "two population groups in one column")
        population_group = next(iter(groups), "")
        indicator = {"inneed": "inneed", "targeted": "targeted", "reached": "reached_figure"}[
            hashtag
        ]
    else:
        if areas and (groups or flows or causes):
            return _refuse(text, areas | groups | flows, "besieged or hard to reach, and a group")
        if groups == {"idps", "returnees"}:
            groups = {"returnees"}  # returned IDPs are returnees
        if len(groups) > 1:
            return _refuse(text, groups, "two groups of people in one column")
        group = next(iter(groups), None)
        if areas:
            indicator = next(iter(areas))
        elif group is not None:
            indicator = group
            if group == "returnees" and flows - {"arrivals"}:
                return _refuse(text, flows, "returnees are arrivals already")
            if flows and group != "returnees":
                indicator += "_" + next(iter(flows))
            if causes:
                indicator += "_" + next(iter(causes))
        elif flows or causes:
            return _refuse(text, flows | causes, "a flow or cause of whom? add +idps or +refugees")
        else:
            indicator = "population" if hashtag == "population" else "affected"
    sectors = [a for a in attrs if is_sector_word(a)]
    unknown = attrs - set(sectors)
    if unknown:
        return _refuse(text, unknown, "attributes lagebild does not understand on a figure")
    if len(sectors) > 1:
        return _refuse(text, set(sectors), "two sectors in one column")
    if share:
        if indicator not in SHARE_BASES:
            return _refuse(text, shares, f"a share of {indicator} is not a figure lagebild keeps")
        indicator += "_share"
    return FigureTag(
        indicator,
        normalise_sector(sectors[0]) if sectors else "",
        gender,
        age,
        population_group,
        disability,
    )


#: Indicators of which a stated share of the population is kept (``#inneed+pct``).
SHARE_BASES = frozenset({"inneed", "idps", "besieged", "hard_to_reach"})


def recognise(columns: Sequence[Column]) -> str:
    """The kind of data the hashtags describe."""
    tags = [c.tag for c in columns if c.tag is not None]
    hashtags = {t.hashtag for t in tags}
    # A convoy file has #reached and #org too: it is told apart first.
    if "convoy" in hashtags:
        return "convoys"
    if "event" in hashtags:
        return "incidents"
    if "damage" in hashtags:
        return "damage"
    if "reached" in hashtags or (
        "org" in hashtags and hashtags & {"sector", "activity"} and "date" in hashtags
    ):
        return "deliveries"
    if "access" in hashtags:
        return "access"
    if any(figure_indicator(c) for c in columns):
        return "figures"
    if any(
        any(pt.matches(c) for pt in COMMON_ROLES[r]) for r in CODE_ROLES.values() for c in columns
    ):
        return "places"
    found = ", ".join(sorted("#" + h for h in hashtags)) or "none"
    raise LayoutError(
        "cannot tell what this file holds: no #reached (4W), #access, #population/#inneed/"
        "#affected (figures), #convoy, #event (incidents), #damage or P-code columns "
        f"(gazetteer); hashtags found: {found}"
    )


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
    kind = kind or recognise(columns)
    if kind not in KINDS:
        raise LayoutError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    layout = Layout(kind)
    used: set[int] = set()
    _assign(columns, COMMON_ROLES, layout, used)
    if kind == "places":
        _assign(columns, GAZETTEER_ROLES, layout, used)
        _assign(columns, GAZETTEER_FALLBACK, layout, used)
    elif kind == "deliveries":
        _assign(columns, DELIVERY_ROLES, layout, used)
    elif kind == "convoys":
        _assign(columns, CONVOY_ROLES, layout, used)
        if "code" not in layout.roles:
            raise LayoutError("a convoy file needs a #convoy+code column: the convoy's reference")
    elif kind == "incidents":
        _assign(columns, INCIDENT_ROLES, layout, used)
    elif kind == "damage":
        _assign(columns, DAMAGE_ROLES, layout, used)
        from lagebild.ingest.damage import damage_form  # it builds on this module

        damage_form(layout)  # points or counts, and one unit: else a LayoutError
    elif kind == "access":
        _assign(columns, ACCESS_ROLES, layout, used)
        if "access" not in layout.roles:
            raise LayoutError("an access file needs an #access column")
    else:
        _assign(columns, FIGURE_ROLES, layout, used)
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
                    f"columns {describe(seen[found.key])} and {describe(column)} both give "
                    f"{found.describe()}: tag one of them differently"
                )
            seen[found.key] = column
            used.add(column.index)
            layout.figure_columns.append(FigureColumn(column, found))
        _assign(columns, LONG_FORM_ROLES, layout, used)
    if not layout.code_columns and kind not in PLACED_KINDS:
        raise LayoutError(
            "no P-code column: tag one with #adm1+code ... #adm4+code (or #country+code)"
        )
    layout.ignored = [c for c in columns if c.tag is not None and c.index not in used]
    return layout
