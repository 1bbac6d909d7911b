"""Pages of trust: the explanation of a number, and a place's history of changes.

The place page links each key figure to ``/explain``, which shows the records behind it and the
rule that combined them (the same ``analysis.trust.explain`` as ``lagebild explain`` and
``/api/explain``); ``/places/{pcode}/history`` lists the audit trail of the place and below it
(``lagebild history PCODE``, ``/api/places/{pcode}/history``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from lagebild.analysis import trust
from lagebild.analysis.changes import change_row, place_history
from lagebild.analysis.gaps import REACHED_RULE_ALL, REACHED_RULE_SECTOR
from lagebild.model import normalise_sector
from lagebild.web.api import AsOf, Ctx, Window, default_as_of
from lagebild.web.pages import N_, render_page, request_language

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api")

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
HISTORY_LIMIT = 500
ACTION_WORDS = {
    "import": N_("import"),
    "undo": N_("undo"),
    "edit": N_("edit"),
    "delete": N_("deletion"),
    "grade": N_("grade"),
    "add": N_("added"),
    "status": N_("status"),
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
    wanted = normalise_sector(sector) if sector else None
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


@router.get("/places/{pcode}/history", response_class=HTMLResponse)
def history_page(request: Request, ctx: Ctx, pcode: str) -> Response:
    place, changes = place_history(ctx.store, pcode, limit=HISTORY_LIMIT)
    lang = request_language(request)
    return render_page(
        request,
        "history.html",
        lang=lang,
        place=place,
        changes=[change_row(c) for c in changes],
        limit=HISTORY_LIMIT,
        action_words={k: lang.gettext(v) for k, v in ACTION_WORDS.items()},
    )


@api_router.get(
    "/places/{pcode}/history",
    summary="The audit trail of a place and the places below it, newest first",
)
def history_api(
    ctx: Ctx,
    pcode: str,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    only: bool = False,
) -> dict[str, Any]:
    place, changes = place_history(ctx.store, pcode, below=not only, limit=limit)
    return {"pcode": place.pcode, "changes": [change_row(c) for c in changes]}


__all__ = ["api_router", "router"]
