"""The situation picture: ``/api/situation`` (per place and in total), ``/api/trend`` (people
reached per month and sector) and the overview page ``/`` with its charts, in the visitor's
language. Plots are inline SVG (``charts``).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from lagebild import analysis
from lagebild.analysis import overview as breakdowns
from lagebild.analysis.gaps import GapRow
from lagebild.publish import render, tables
from lagebild.publish.language import Language
from lagebild.publish.words import N_, Words
from lagebild.security import protocol as sharing
from lagebild.store import listing
from lagebild.web import auth, charts
from lagebild.web.context import (
    AsOf,
    Context,
    Ctx,
    FormatQ,
    Level,
    Window,
    default_as_of,
    flat_rows,
    kept_page,
    known_sector,
    render_page,
    request_language,
    respond,
)

api_router = APIRouter(prefix="/api", tags=["api"])
#: ``/api/trend``, included after ``/api/gaps`` (the order of the API's description).
trend_router = APIRouter(prefix="/api", tags=["api"])
router = APIRouter(include_in_schema=False)


# -- the API ---------------------------------------------------------------------------------------


@api_router.get("/situation", summary="The situation picture, per place and in total")
def situation(
    request: Request,
    ctx: Ctx,
    as_of: AsOf = None,
    window: Window = 30,
    level: Level = "adm1",
    sector: str | None = None,
    fmt: FormatQ = None,
    by: Annotated[
        Literal["gender", "age", "population-group"] | None,
        Query(description="Add people in need and population by this dimension beside each "
              "place's total (JSON: a disaggregation key)"),
    ] = None,
) -> Response:
    when = default_as_of(ctx, as_of)
    wanted = known_sector(ctx, sector)
    result = ctx.situation(when, window, level, wanted)
    data: dict[str, Any] = result.as_dict()
    if by:
        from lagebild.analysis.disaggregation import by_place

        places = [(r.pcode, r.name) for r in result.places]
        if result.total is not None and result.total.pcode:
            places.append((result.total.pcode, result.total.name))
        data["disaggregation"] = {
            "by": by, "places": by_place(ctx.store, when, by, places, wanted or "")
        }
    rows = render.situation_rows(result)
    columns = tables.situation_columns(result.level)
    principal = auth.principal_of(request)
    if sharing.sees_public_tables(principal):
        # The public sees small counts of people reached suppressed (security/protocol.yml).
        data["places"] = sharing.public_table(principal, "situation", data["places"], ctx.protocol)
        if data.get("total"):
            data["total"] = sharing.public_table(
                principal, "situation", [data["total"]], ctx.protocol
            )[0]
        rows = sharing.public_table(principal, "situation", rows, ctx.protocol)
        if any("suppressed" in r for r in rows):
            columns = tables.with_suppressed(columns)
            rows = flat_rows(rows)
    return respond(request, fmt, data, columns, rows, "situation")


@trend_router.get("/trend", summary="People reached per month and sector")
def trend(
    request: Request,
    ctx: Ctx,
    as_of: AsOf = None,
    months: Annotated[int, Query(ge=1, le=120)] = 12,
    sector: str | None = None,
) -> dict[str, Any]:
    when = default_as_of(ctx, as_of)
    start = (when.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    rows = listing.monthly_reached(
        ctx.store, start, when, known_sector(ctx, sector)
    )
    return {
        "as_of": when.isoformat(),
        "from": start.isoformat(),
        "items": sharing.public_table(
            auth.principal_of(request),
            "trend",
            [{"month": m, "sector": s, "reached": r, "deliveries": n} for m, s, r, n in rows],
            ctx.protocol,
        ),
    }


# -- the overview page -----------------------------------------------------------------------------


#: The key figures of the overview: situation column, and how it is named.
KEY_FIGURES = [
    ("population", N_("Population")),
    ("people_in_need", N_("People in need")),
    ("displaced", N_("Internally displaced")),
    ("besieged", N_("People in besieged areas")),
    ("hard_to_reach", N_("People in hard-to-reach areas")),
]

TREND_MONTHS = 12


def _situation(ctx: Context, when: date, window: int) -> analysis.SituationResult:
    return ctx.situation(when, window, "adm1", None)


@dataclass(frozen=True)
class CutOff:
    """The cut-off places of one level (or those without data): how many, and how many people
    in need in them."""

    level: str
    rows: list[GapRow]

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def people_in_need(self) -> float:
        return sum(r.people_in_need.value for r in self.rows if r.people_in_need)


@router.get("/", response_class=HTMLResponse)
@kept_page
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
        "adm3": lambda: ctx.gaps(when, window, "adm3", None),
        "adm4": lambda: ctx.gaps(when, window, "adm4", None),
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
        # Each in a copy of the request's context: the data version it observed goes along.
        running = {name: pool.submit(copy_context().run, job) for name, job in jobs.items()}
        done = {name: future.result() for name, future in running.items()}
    result: analysis.SituationResult = done["situation"]
    cut_off = [CutOff(level, done[level].cut_off) for level in ("adm3", "adm4")]
    # The places whose gap cannot be measured (docs/gaps.md, "No data"), counted apart.
    no_data = [CutOff(level, done[level].no_data) for level in ("adm3", "adm4")]
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
        no_data=no_data,
        parties=parties,
        besieged_total=sum(p.people for p in parties),
        sectors=sectors,
        trend=trend,
        trend_svg=trend_chart("trend", trend, lang),
        sector_svg=_sector_chart(sectors, lang, words),
        access_svg=_access_chart(result, lang, words),
        party_svg=_party_chart(parties, lang),
    )


def trend_chart(chart_id: str, trend: list[breakdowns.MonthReached], lang: Language) -> str:
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


#: The width of the plots that share a row of the overview: narrower than a full plot, so that
#: their text is not scaled down below the page's size.
HALF_WIDTH = 520


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
        maximum=1.0,  # a share: the track is 100 %
        width=HALF_WIDTH,
        value_width=90,
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
        width=HALF_WIDTH,
        value_width=90,
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
    )
