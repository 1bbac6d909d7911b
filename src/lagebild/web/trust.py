"""Trust in a number: the figures that contradict each other (``/api/figures/conflicts``), and the
explanation of a number of the situation or the gaps: the records behind it and the rule that
combined them (``/api/explain`` and the page ``/explain``, which the place page links each key
figure to; the same ``analysis.trust.explain`` as ``lagebild explain``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from lagebild.analysis import trust
from lagebild.analysis.gaps import REACHED_RULE_ALL, REACHED_RULE_SECTOR
from lagebild.publish import tables
from lagebild.publish.words import N_
from lagebild.web.context import (
    AsOf,
    Ctx,
    FormatQ,
    Limit,
    Offset,
    Window,
    default_as_of,
    known_sector,
    render_page,
    request_language,
    respond,
)

api_router = APIRouter(prefix="/api", tags=["api"])
router = APIRouter(include_in_schema=False)


# -- the API ---------------------------------------------------------------------------------------


@api_router.get(
    "/figures/conflicts", summary="Contradicting figures: 2+ sources, same month, apart"
)
def figure_conflicts(
    request: Request,
    ctx: Ctx,
    share: Annotated[float, Query(ge=0, lt=1, description="How far apart, of the larger.")] = 0.2,
    indicator: Annotated[
        Literal[
            "people_in_need",
            "population",
            "displaced",
            "returnees",
            "besieged",
            "hard_to_reach",
            "inneed",
            "idps",
        ]
        | None,
        Query(),
    ] = None,
    pcode: Annotated[str | None, Query(description="This place and the places below it.")] = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
    fmt: FormatQ = None,
) -> Response:
    from lagebild.analysis import trust

    found = trust.conflicts(ctx.store, share, indicator, pcode, date_from, date_to, ctx.tree())
    items = [c.as_dict() for c in found[offset : offset + limit]]
    data = {"share": share, "total": len(found), "limit": limit, "offset": offset, "items": items}
    rows = [
        {**value, "month": c["month"], "spread": c["spread"]["relative"]}  # type: ignore[index]
        for c in items
        for value in c["values"]  # type: ignore[attr-defined]
    ]
    return respond(request, fmt, data, tables.API_FIGURE_CONFLICTS, rows, "conflicts")


@api_router.get(
    "/explain", summary="The records behind a number of situation or gaps, and the rule"
)
def explain(
    ctx: Ctx,
    pcode: str,
    indicator: Literal[
        "people_in_need", "population", "displaced", "besieged", "hard_to_reach", "reached"
    ],
    as_of: AsOf = None,
    window: Window = 30,
    sector: str | None = None,
) -> dict[str, Any]:
    from lagebild.analysis import trust

    when = default_as_of(ctx, as_of)
    wanted = known_sector(ctx, sector)
    return trust.explain(ctx.store, when, pcode, indicator, window, wanted, ctx.tree()).as_dict()


# -- the explanation page --------------------------------------------------------------------------


Indicator = Literal[
    "people_in_need", "population", "displaced", "besieged", "hard_to_reach", "reached"
]

INDICATOR_TITLES = {
    "people_in_need": N_("People in need"),
    "population": N_("Population"),
    "displaced": N_("Internally displaced"),
    "besieged": N_("People in besieged areas"),
    "hard_to_reach": N_("People in hard-to-reach areas"),
    "reached": N_("People reached"),
}

#: The rules of analysis.trust and analysis.gaps, in words the catalogs translate.
RULE_WORDS = {
    trust.CURRENT_RULE: N_(
        "The current figure: the latest dated on or before the date; on the same date the more "
        "reliable source (Admiralty grade), then the later import."
    ),
    trust.CHILDREN_RULE: N_(
        "The sum of the current figures of the places below: the place has no figure of its own."
    ),
    REACHED_RULE_ALL: N_(
        "The largest per-sector sum of people reached by completed and partial deliveries in the "
        "window: a lower bound of the people reached, since one family may get aid from several "
        "sectors. The sum over sectors is the upper bound."
    ),
    REACHED_RULE_SECTOR: N_(
        "The sum of people reached by completed and partial deliveries of the sector in the window."
    ),
}


@router.get("/explain", response_class=HTMLResponse)
def explain_page(
    request: Request,
    ctx: Ctx,
    pcode: str,
    indicator: Indicator,
    as_of: AsOf = None,
    window: Window = 30,
    sector: Annotated[str | None, Query(max_length=60)] = None,
) -> Response:
    when = default_as_of(ctx, as_of)
    wanted = known_sector(ctx, sector)
    result = trust.explain(ctx.store, when, pcode, indicator, window, wanted, ctx.tree())
    lang = request_language(request)
    rule = RULE_WORDS.get(result.rule)
    return render_page(
        request,
        "explain.html",
        lang=lang,
        as_of=when,
        window=window,
        result=result,
        title=lang.gettext(INDICATOR_TITLES[indicator]),
        rule=lang.gettext(rule) if rule else result.rule,
        rule_words={k: lang.gettext(v) for k, v in RULE_WORDS.items()},
        place=ctx.tree().get(result.pcode),
    )
