"""The server-rendered pages: overview, gaps, places and one place, in the visitor's language.

Each page parses its query, calls the library functions the API and the command line call (kept
per data version by ``Context.cached``), and renders a template. Plots are inline SVG drawn here
(``charts``). Every word shown is a message of the Babel catalogs: the templates' ``_()``, and the
vocabulary below, marked with ``N_`` so that ``scripts/i18n`` extracts it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from lagebild import analysis, evidence
from lagebild.analysis import overview as breakdowns
from lagebild.analysis.figures import FigureValue
from lagebild.analysis.gaps import GapRow, GapsResult
from lagebild.analysis.place import find, profile, search, subtree_ids
from lagebild.analysis.situation import COLUMNS as COLUMN_INDICATORS
from lagebild.model import Place, level_name, normalise_sector, parse_level
from lagebild.model.listing import DeliveryFilter, Page
from lagebild.security import policy
from lagebild.security import protocol as sharing
from lagebild.store import listing
from lagebild.web import auth, charts
from lagebild.web.api import AsOf, Ctx, Level, Offset, Window, default_as_of
from lagebild.web.app import Context
from lagebild.web.i18n import Language, negotiate
from lagebild.web.templating import render

router = APIRouter(include_in_schema=False)


def N_(message: str) -> str:
    """Mark a message for the catalogs; it is translated where it is shown (``Words``)."""
    return message


LEVEL_WORDS = {
    "country": N_("country"),
    "adm1": N_("governorate"),
    "adm2": N_("district"),
    "adm3": N_("sub-district"),
    "adm4": N_("community"),
    "adm5": N_("neighbourhood"),
}
LEVEL_PLURALS = {
    "adm1": N_("governorates"),
    "adm2": N_("districts"),
    "adm3": N_("sub-districts"),
    "adm4": N_("communities"),
}
ACCESS_WORDS = {
    "accessible": N_("accessible"),
    "hard_to_reach": N_("hard to reach"),
    "besieged": N_("besieged"),
}
INDICATOR_WORDS = {
    "population": N_("Population"),
    "inneed": N_("People in need"),
    "idps": N_("Internally displaced"),
    "returnees": N_("Returnees"),
    "besieged": N_("People in besieged areas"),
    "hard_to_reach": N_("People in hard-to-reach areas"),
}
SECTOR_WORDS = {
    "": N_("Inter-sector"),
    "food": N_("Food security"),
    "health": N_("Health"),
    "wash": N_("Water, sanitation and hygiene"),
    "shelter": N_("Shelter"),
    "nfi": N_("Non-food items"),
    "protection": N_("Protection"),
    "education": N_("Education"),
    "nutrition": N_("Nutrition"),
    "cccm": N_("Camp coordination and camp management"),
    "erl": N_("Early recovery and livelihoods"),
    "logistics": N_("Logistics"),
    "cash": N_("Multipurpose cash"),
}
STATUS_WORDS = {
    "planned": N_("planned"),
    "completed": N_("completed"),
    "partial": N_("partial"),
    "denied": N_("denied"),
    "cancelled": N_("cancelled"),
}
BASIS_WORDS = {
    "own": N_("the place's own figure"),
    "population of a place besieged on the date": N_("population of a place besieged on the date"),
    "population of a place hard-to-reach on the date": N_(
        "population of a place hard to reach on the date"
    ),
}

#: The key figures of the overview: situation column, and how it is named.
KEY_FIGURES = [
    ("population", N_("Population")),
    ("people_in_need", N_("People in need")),
    ("displaced", N_("Internally displaced")),
    ("besieged", N_("People in besieged areas")),
    ("hard_to_reach", N_("People in hard-to-reach areas")),
]
TREND_MONTHS = 12
PLACE_DELIVERIES = 50
PLACE_FIGURES = 1000
PLACES_PER_PAGE = 50
GAP_LEVELS = ("adm1", "adm2", "adm3", "adm4")


class Words:
    """The vocabulary of the data (levels, statuses, sectors, ...) in the page's language."""

    def __init__(self, lang: Language) -> None:
        self.lang = lang

    def _word(self, table: dict[str, str], key: str | None) -> str:
        if key is None:
            return "–"
        return self.lang.gettext(table[key]) if key in table else key

    def level(self, name: str) -> str:
        return self._word(LEVEL_WORDS, name)

    def levels(self, name: str) -> str:
        return self._word(LEVEL_PLURALS, name)

    def access(self, status: str | None) -> str:
        return self._word(ACCESS_WORDS, status)

    def indicator(self, name: str) -> str:
        return self._word(INDICATOR_WORDS, name)

    def sector(self, code: str | None) -> str:
        return self._word(SECTOR_WORDS, code or "")

    def status(self, name: str | None) -> str:
        return self._word(STATUS_WORDS, name)

    def basis(self, value: FigureValue) -> str:
        if value.basis == "children":
            return self.lang.ngettext(
                "sum of %(num)s place below", "sum of %(num)s places below", value.children
            )
        return self._word(BASIS_WORDS, value.basis)

    def place(self, place: Place | None) -> str:
        if place is None:
            return "–"
        return self.lang.place_name(place.name_en, place.name_ar, place.pcode)

    def grade(self, reliability: str | None, credibility: int | None) -> str:
        if not reliability and not credibility:
            return self.lang.gettext("unrated")
        return f"{reliability or 'F'}{credibility or 6}"


def request_language(request: Request) -> Language:
    return Language(negotiate(request, request.app.state.lagebild.config.default_language))


def render_page(
    request: Request,
    template: str,
    /,
    status_code: int = 200,
    lang: Language | None = None,
    **context: Any,
) -> Response:
    words = Words(lang or request_language(request))
    return render(request, template, status_code=status_code, words=words, **context)


def _gaps(ctx: Context, when: date, window: int, level: str, sector: str | None) -> GapsResult:
    return ctx.gaps(when, window, level, sector)


def _situation(ctx: Context, when: date, window: int) -> analysis.SituationResult:
    return ctx.situation(when, window, "adm1", None)


def _sectors(ctx: Context) -> list[str]:
    return ctx.sectors()


@dataclass(frozen=True)
class CutOff:
    """The cut-off places of one level: how many, and how many people in need in them."""

    level: str
    rows: list[GapRow]

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def people_in_need(self) -> float:
        return sum(r.people_in_need.value for r in self.rows if r.people_in_need)


# -- overview -----------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, ctx: Ctx, as_of: AsOf = None, window: Window = 30) -> Response:
    when = default_as_of(ctx, as_of)
    lang = request_language(request)
    tree = ctx.tree()
    # Independent, each kept per data version; computed side by side the first time.
    jobs: dict[str, Callable[[], Any]] = {
        "trend": lambda: ctx.cached(
            ("monthly_reached", when, TREND_MONTHS),
            lambda: breakdowns.monthly_reached(ctx.store, when, TREND_MONTHS),
        ),
        "situation": lambda: _situation(ctx, when, window),
        "adm3": lambda: _gaps(ctx, when, window, "adm3", None),
        "adm4": lambda: _gaps(ctx, when, window, "adm4", None),
        "parties": lambda: ctx.cached(
            ("besieged_by_party", when),
            lambda: breakdowns.besieged_by_party(ctx.store, when, tree),
        ),
        "sectors": lambda: ctx.cached(
            ("coverage_by_sector", when, window),
            lambda: breakdowns.coverage_by_sector(ctx.store, when, window, tree),
        ),
    }
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="lagebild-overview") as pool:
        running = {name: pool.submit(job) for name, job in jobs.items()}
        done = {name: future.result() for name, future in running.items()}
    result: analysis.SituationResult = done["situation"]
    cut_off = [CutOff(level, done[level].cut_off) for level in ("adm3", "adm4")]
    parties: list[breakdowns.PartyShare] = done["parties"]
    sectors: list[breakdowns.SectorCoverage] = done["sectors"]
    trend: list[breakdowns.MonthReached] = done["trend"]
    words = Words(lang)
    return render_page(
        request,
        "overview.html",
        lang=lang,
        as_of=when,
        window=window,
        situation=result,
        total=result.total,
        key_figures=KEY_FIGURES,
        cut_off=cut_off,
        parties=parties,
        besieged_total=sum(p.people for p in parties),
        sectors=sectors,
        trend=trend,
        trend_svg=_trend_chart("trend", trend, lang),
        sector_svg=_sector_chart(sectors, lang, words),
        access_svg=_access_chart(result, lang, words),
        party_svg=_party_chart(parties, lang),
    )


def _trend_chart(chart_id: str, trend: list[breakdowns.MonthReached], lang: Language) -> str:
    labels = [lang.month(m.month) for m in trend]
    lower = charts.Series(
        lang.gettext("People reached (largest sector)"), [m.lower for m in trend], "lower"
    )
    upper = charts.Series(lang.gettext("Sum over sectors"), [m.upper for m in trend], "upper")
    if trend:
        desc = lang.gettext(
            "People reached per month from %(first)s to %(last)s, by completed and partial "
            "deliveries. Most in %(peak_month)s: %(peak)s.",
            first=labels[0],
            last=labels[-1],
            peak_month=labels[max(range(len(trend)), key=lambda i: trend[i].lower)],
            peak=lang.number(max(m.lower for m in trend)),
        )
    else:
        desc = lang.gettext("No deliveries.")
    return charts.line_chart(
        chart_id,
        labels,
        [lower, upper],
        title=lang.gettext("People reached per month"),
        desc=desc,
        fmt=lang.number,
        rtl=lang.dir == "rtl",
    )


def _sector_chart(sectors: list[breakdowns.SectorCoverage], lang: Language, words: Words) -> str:
    bars = [
        charts.Bar(
            words.sector(s.sector),
            s.coverage,
            "coverage",
            lang.gettext(
                "(%(reached)s of %(need)s)",
                reached=lang.number(s.reached),
                need=lang.number(s.people_in_need.value if s.people_in_need else None),
            ),
        )
        for s in sectors
    ]
    desc = "; ".join(f"{b.label}: {lang.percent(b.value)}" for b in bars) or lang.gettext(
        "No deliveries."
    )
    return charts.bar_chart(
        "coverage-by-sector",
        bars,
        title=lang.gettext("Coverage by sector"),
        desc=desc,
        fmt=lang.percent,
        rtl=lang.dir == "rtl",
    )


def _access_chart(result: analysis.SituationResult, lang: Language, words: Words) -> str:
    total = result.total
    besieged = total.besieged.value if total and total.besieged else 0.0
    hard = total.hard_to_reach.value if total and total.hard_to_reach else 0.0
    bars = [
        charts.Bar(words.access("besieged"), besieged, "besieged"),
        charts.Bar(words.access("hard_to_reach"), hard, "hard_to_reach"),
    ]
    if total and total.population:
        rest = max(total.population.value - besieged - hard, 0.0)
        bars.append(charts.Bar(lang.gettext("accessible or no status"), rest, "accessible"))
    desc = "; ".join(f"{b.label}: {lang.number(b.value)}" for b in bars)
    return charts.bar_chart(
        "people-by-access",
        bars,
        title=lang.gettext("People by access status"),
        desc=desc,
        fmt=lang.number,
        rtl=lang.dir == "rtl",
    )


def _party_chart(parties: list[breakdowns.PartyShare], lang: Language) -> str:
    bars = [
        charts.Bar(p.party or lang.gettext("no besieging party recorded"), p.people, "besieged")
        for p in parties
    ]
    desc = "; ".join(f"{b.label}: {lang.number(b.value)}" for b in bars) or lang.gettext(
        "No besieged places on this date."
    )
    return charts.bar_chart(
        "besieged-by-party",
        bars,
        title=lang.gettext("Besieged population by besieging party"),
        desc=desc,
        fmt=lang.number,
        rtl=lang.dir == "rtl",
        label_width=240,
    )


# -- gaps ---------------------------------------------------------------------------------------


@router.get("/gaps", response_class=HTMLResponse)
def gaps_page(
    request: Request,
    ctx: Ctx,
    as_of: AsOf = None,
    window: Window = 30,
    level: Level = "adm3",
    sector: str | None = None,
    limit: Annotated[int, Query(ge=1, le=50000)] = 100,
    offset: Offset = 0,
    rank: Literal["plain", "severity"] = "plain",
) -> Response:
    when = default_as_of(ctx, as_of)
    wanted = normalise_sector(sector) if sector else None
    result = ctx.gaps(when, window, level, wanted, rank)
    rows = result.places[offset : offset + limit]
    params: dict[str, Any] = {"as_of": when.isoformat(), "window": window, "level": level}
    if sector:
        params["sector"] = sector
    if rank != "plain":
        params["rank"] = rank
    shown = {**params, "limit": limit, "offset": offset}
    downloads = {fmt: "/api/gaps?" + urlencode({**shown, "format": fmt}) for fmt in ("csv", "hxl")}
    pages = {
        "previous": "/gaps?"
        + urlencode({**params, "limit": limit, "offset": max(offset - limit, 0)})
        if offset > 0
        else None,
        "next": "/gaps?" + urlencode({**params, "limit": limit, "offset": offset + limit})
        if offset + limit < len(result.places)
        else None,
    }
    sectors = _sectors(ctx)
    if wanted and wanted not in sectors:
        sectors = [*sectors, wanted]
    return render_page(
        request,
        "gaps.html",
        as_of=when,
        window=window,
        level=level,
        levels=[lv for lv in GAP_LEVELS if lv != "country"],
        sector=wanted or "",
        sectors=sectors,
        result=result,
        rows=rows,
        offset=offset,
        limit=limit,
        total=len(result.places),
        cut_off_count=len(result.cut_off),
        downloads=downloads,
        pages=pages,
        days_ago=lambda d: (when - d).days if d else None,
        rank=rank,
    )


# -- places -------------------------------------------------------------------------------------


@router.get("/places", response_class=HTMLResponse)
def places_page(
    request: Request,
    ctx: Ctx,
    q: Annotated[str | None, Query(max_length=200)] = None,
    level: Level | None = None,
    offset: Offset = 0,
) -> Response:
    tree = ctx.tree()
    found = search(tree, q, parse_level(level) if level else None)
    limit = PLACES_PER_PAGE
    params: dict[str, Any] = {k: v for k, v in (("q", q or ""), ("level", level or "")) if v}
    return render_page(
        request,
        "places.html",
        q=q or "",
        level=level or "",
        levels=["country", *GAP_LEVELS],
        places=found[offset : offset + limit],
        parents={
            p.id: tree.places.get(p.parent_id)
            for p in found[offset : offset + limit]
            if p.parent_id is not None
        },
        total=len(found),
        offset=offset,
        limit=limit,
        previous="/places?" + urlencode({**params, "offset": max(offset - limit, 0)})
        if offset > 0
        else None,
        next="/places?" + urlencode({**params, "offset": offset + limit})
        if offset + limit < len(found)
        else None,
        level_name=level_name,
    )


@dataclass
class IndicatorHistory:
    """Every figure of one indicator of a place, newest first, and the current one."""

    indicator: str
    column: str
    rows: list[dict[str, Any]]
    current: FigureValue | None


@router.get("/places/{pcode}", response_class=HTMLResponse)
def place_page(request: Request, ctx: Ctx, pcode: str, as_of: AsOf = None) -> Response:
    tree = ctx.tree()
    place = find(tree, pcode)  # in any case: the page shows the gazetteer's spelling
    when = default_as_of(ctx, as_of)
    lang = request_language(request)
    words = Words(lang)
    found = profile(ctx.store, place.pcode, when, tree)
    figures = listing.figures(  # the place's own figures: totals, never an age group
        ctx.store, [place.id], date_to=when, limit=PLACE_FIGURES, totals=True
    ).items
    histories = []
    for column, indicator in COLUMN_INDICATORS.items():
        rows = [f for f in figures if f["indicator"] == indicator]
        current = found.current.get(column)
        if rows or current:
            histories.append(IndicatorHistory(indicator, column, rows, current))
    below = subtree_ids(tree, place)
    # Over a million deliveries these two take a good part of a second: kept like the rest.
    scope = auth.scope_of(request)  # whose deliveries this reader sees in full
    deliveries = ctx.cached(
        ("place_deliveries", place.id, when, scope),
        lambda: listing.deliveries(
            ctx.store,
            DeliveryFilter(place_ids=below, date_to=when),
            PLACE_DELIVERIES,
            scope=scope,
        ),
    )
    principal = auth.principal_of(request)
    deliveries = Page(
        sharing.view(principal, "delivery", deliveries.items, ctx.protocol),
        deliveries.total,
        deliveries.limit,
        deliveries.offset,
    )
    trend = ctx.cached(
        ("place_trend", place.id, when),
        lambda: breakdowns.monthly_reached(ctx.store, when, TREND_MONTHS, below),
    )
    gap = None
    if level_name(place.level) in GAP_LEVELS:
        result = _gaps(ctx, when, 30, level_name(place.level), None)
        gap = next((r for r in result.places if r.pcode == place.pcode), None)
    trust_view = ctx.cached(("place_trust", place.id, when), lambda: _place_trust(ctx, place, when))
    disaggregated = ctx.cached(
        ("place_breakdown", place.id, when), lambda: _place_breakdown(ctx, place, when)
    )
    from lagebild.web.listing import WarWords
    from lagebild.web.place_war import place_section

    return render_page(
        request,
        "place.html",
        lang=lang,
        as_of=when,
        place=place,
        name=words.place(place),
        level=level_name(place.level),
        profile=found,
        parents=found.parents,
        children=found.children,
        histories=histories,
        deliveries=deliveries,
        gap=gap,
        inherited=tree.get(found.access.inherited_from)
        if found.access and found.access.inherited_from
        else None,
        timeline_svg=_access_timeline(found.access_history, when, lang, words),
        trend_svg=_trend_chart("place-trend", trend, lang),
        conflicts=trust_view[0],
        changes=trust_view[1] if policy.may(principal, policy.SEE_DETAIL) else [],
        # Evidence is confidential: counted only for those who may see it (web/evidence.py).
        evidence_count=evidence.browse(ctx.store, below, limit=1).total
        if policy.may(principal, policy.SEE_DETAIL)
        else None,
        explained=EXPLAINED,
        war=place_section(request, ctx, place, when, found.access_history),
        disaggregated=disaggregated,
        war_words=WarWords(lang.gettext),
    )


#: The key figures the place page links to their explanation (``/explain``).
EXPLAINED = frozenset(
    {"people_in_need", "population", "displaced", "besieged", "hard_to_reach", "reached"}
)
PLACE_CHANGES = 8


def _place_breakdown(ctx: Context, place: Place, when: date) -> list[tuple[str, Any]]:
    """(dimension, breakdown) of the place's people in need and population, by gender, age and
    population group, where its current figure has disaggregated figures beside it."""
    from lagebild.analysis.disaggregation import BY, breakdown

    found = []
    for by in BY:
        for part in breakdown(ctx.store, when, by, [place.id]).get(place.id, []):
            found.append((by, part))
    return found


def _place_trust(ctx: Context, place: Place, when: date) -> tuple[list[Any], list[Any]]:
    """The contradicting figures of a place and below it up to ``when`` (20 % apart, by
    month), and its newest changes."""
    from lagebild.analysis import trust
    from lagebild.analysis.changes import change_row, place_history

    found = trust.conflicts(ctx.store, 0.2, None, place.pcode, None, when, ctx.tree())
    _, changes = place_history(ctx.store, place.pcode, limit=PLACE_CHANGES)
    return found, [change_row(c) for c in changes]


def _access_timeline(
    periods: list[analysis.AccessPeriod], when: date, lang: Language, words: Words
) -> str | None:
    if not periods:
        return None
    start = periods[0].valid_from
    end = max(when, periods[-1].valid_from + timedelta(days=1))
    segments = [
        charts.Segment(
            p.valid_from,
            p.valid_to or end,
            words.access(p.status) + (f" ({p.party})" if p.party else ""),
            p.status,
        )
        for p in periods
    ]
    desc = "; ".join(
        lang.gettext(
            "%(status)s from %(start)s to %(end)s",
            status=s.label,
            start=lang.day(s.start),
            end=lang.day(s.end) if p.valid_to else lang.gettext("today"),
        )
        for s, p in zip(segments, periods, strict=True)
    )
    return charts.timeline(
        "access-timeline",
        segments,
        start=start,
        end=end,
        title=lang.gettext("Access history"),
        desc=desc,
        day=lang.day,
        rtl=lang.dir == "rtl",
        marker=when,
        marker_label=lang.day(when),
    )


# -- errors -------------------------------------------------------------------------------------


def error_page(request: Request, status: int, kind: str, **values: Any) -> Response:
    """The HTML error page of a page (``/api/`` answers in JSON): ``kind`` picks the message."""
    return render_page(
        request, "error.html", status_code=status, status=status, kind=kind, **values
    )


__all__ = ["N_", "Words", "error_page", "router"]
