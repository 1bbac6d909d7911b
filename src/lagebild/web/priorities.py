"""Priorities: the places of a level ranked by the priority model (analysis/priorities.py,
docs/priorities.md); ``/api/priorities`` and the page ``/priorities``, from the same gaps ranked
by priority that ``lagebild priorities`` gives (kept per data version)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from lagebild.analysis.priorities import CATEGORY_NAMES
from lagebild.analysis.priority_list import PriorityList, place_dict
from lagebild.publish import tables
from lagebild.publish.words import N_
from lagebild.security import protocol as sharing
from lagebild.web import auth
from lagebild.web.context import (
    AsOf,
    Context,
    Ctx,
    FormatQ,
    Level,
    Offset,
    Window,
    default_as_of,
    flat_rows,
    kept_answer,
    kept_page,
    known_sector,
    render_page,
)

api_router = APIRouter(prefix="/api", tags=["api"])
router = APIRouter(include_in_schema=False)

LEVELS = ("adm1", "adm2", "adm3", "adm4")
CATEGORY_WORDS = {
    "very low": N_("very low"),
    "low": N_("low"),
    "medium": N_("medium"),
    "high": N_("high"),
    "very high": N_("very high"),
    "no data": N_("no data"),
}
DIMENSION_WORDS = {
    "impact": N_("Impact"),
    "conditions": N_("Conditions"),
    "complexity": N_("Complexity"),
}
INDICATOR_WORDS = {
    "people_in_need": N_("People in need"),
    "damage": N_("Damage (destroyed, severe, moderate)"),
    "days_without_aid": N_("Days without aid"),
    "coverage": N_("Coverage"),
    "fatalities": N_("Fatalities in the window"),
    "access": N_("Access"),
    "attacks_on_aid": N_("Attacks on aid in the window"),
}
#: What an indicator's value is made of, by the counts the sharing protocol may suppress.
HIDDEN_WITH = {"people_in_need": "people_in_need", "coverage": "coverage"}


def priority_list(ctx: Context, as_of: Any, window: int, level: str, sector: str | None
                  ) -> PriorityList:  # fmt: skip
    """The gaps ranked by priority, kept per data version, as a priority list."""
    result = ctx.gaps(as_of, window, level, sector, "severity")
    assert result.model is not None
    return PriorityList(result.as_of, result.window_days, result.level, sector, result.model,
                        result.rank_rule, result.places)  # fmt: skip


def hide_suppressed(row: dict[str, Any]) -> dict[str, Any]:
    """A public row whose counts were suppressed: the same values gone from its explanation."""
    suppressed = set(row.get("suppressed") or ())
    for scored in (row.get("indicators") or {}).values():
        for name, key in HIDDEN_WITH.items():
            if key in suppressed and name in scored:
                scored[name] = {**scored[name], "value": None}
    return row


def public_rows(principal: Any, rows: list[dict[str, Any]], ctx: Context
                ) -> list[dict[str, Any]]:  # fmt: skip
    """Rows as the reader may see them: for the public, small counts suppressed as in gaps."""
    shown = sharing.public_table(principal, "gaps", rows, ctx.protocol)
    return [hide_suppressed(r) for r in shown]


@api_router.get("/priorities", summary="Places ranked by priority, each score explained")
def priorities(
    request: Request,
    ctx: Ctx,
    as_of: AsOf = None,
    window: Window = 30,
    level: Level = "adm3",
    sector: str | None = None,
    limit: Annotated[int, Query(ge=1, le=50000)] = 1000,
    offset: Offset = 0,
    fmt: FormatQ = None,
) -> Response:
    when = default_as_of(ctx, as_of)
    wanted = known_sector(ctx, sector)
    principal = auth.principal_of(request)

    def build() -> tuple[dict[str, Any], list[tables.Col], list[dict[str, Any]]]:
        found = priority_list(ctx, when, window, level, wanted)
        data = found.as_dict()
        places: list[dict[str, Any]] = data["places"]  # type: ignore[assignment]
        data["places"] = public_rows(principal, places[offset : offset + limit], ctx)
        data.update(total=len(places), limit=limit, offset=offset)
        rows = [
            {**r, **r["dimensions"], "missing": "; ".join(r["missing"])}
            for r in data["places"]  # type: ignore[attr-defined]
        ]
        columns = tables.priority_columns(found.level)
        if any("suppressed" in r for r in rows):
            columns = tables.with_suppressed(columns)
            rows = flat_rows(rows)
        return data, columns, rows

    public = sharing.sees_public_tables(principal)
    key = (when, window, level, wanted, limit, offset, public)
    return kept_answer(request, ctx, key, fmt, "priorities", build)


@router.get("/priorities", response_class=HTMLResponse)
@kept_page
def priorities_page(
    request: Request,
    ctx: Ctx,
    as_of: AsOf = None,
    window: Window = 30,
    level: Level = "adm3",
    sector: str | None = None,
    limit: Annotated[int, Query(ge=1, le=50000)] = 100,
    offset: Offset = 0,
) -> Response:
    when = default_as_of(ctx, as_of)
    wanted = known_sector(ctx, sector)
    found = priority_list(ctx, when, window, level, wanted)
    principal = auth.principal_of(request)
    listed = [place_dict(i + 1, r) for i, r in enumerate(found.places)]
    rows = public_rows(principal, listed[offset : offset + limit], ctx)
    params: dict[str, Any] = {"as_of": when.isoformat(), "window": window, "level": level}
    if wanted:
        params["sector"] = wanted
    shown = {**params, "limit": limit, "offset": offset}
    downloads = {f: "/api/priorities?" + urlencode({**shown, "format": f})
                 for f in ("csv", "hxl", "json")}  # fmt: skip
    pages = {
        "previous": "/priorities?" + urlencode({**params, "limit": limit,
                                                "offset": max(offset - limit, 0)})
        if offset > 0 else None,
        "next": "/priorities?" + urlencode({**params, "limit": limit, "offset": offset + limit})
        if offset + limit < len(listed) else None,
    }  # fmt: skip
    sectors = ctx.sectors()
    return render_page(
        request,
        "priorities.html",
        as_of=when,
        window=window,
        level=level,
        levels=LEVELS,
        sector=wanted or "",
        sectors=sectors if not wanted or wanted in sectors else [*sectors, wanted],
        found=found,
        counts=found.counts(),
        category_order=[*reversed(list(enumerate(CATEGORY_NAMES, start=1))), (0, "no data")],
        category_words=CATEGORY_WORDS,
        dimension_words=DIMENSION_WORDS,
        indicator_words=INDICATOR_WORDS,
        rows=rows,
        offset=offset,
        limit=limit,
        total=len(listed),
        downloads=downloads,
        pages=pages,
    )
