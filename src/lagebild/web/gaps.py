"""The gaps: places ranked by gap, cut off first, then by coverage; ``/api/gaps`` and the page
``/gaps``, from the same ``analysis.gaps`` as ``lagebild gaps`` (kept per data version).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from lagebild.publish import tables
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


@api_router.get("/gaps", summary="Places ranked by gap: cut off first, then by coverage")
def gaps(
    request: Request,
    ctx: Ctx,
    as_of: AsOf = None,
    window: Window = 30,
    level: Level = "adm3",
    sector: str | None = None,
    limit: Annotated[int, Query(ge=1, le=50000)] = 1000,
    offset: Offset = 0,
    fmt: FormatQ = None,
    rank: Annotated[
        Literal["plain", "severity"],
        Query(description="plain (DESIGN.md) or severity: by priority (docs/priorities.md)"),
    ] = "plain",
) -> Response:
    when = default_as_of(ctx, as_of)
    wanted = known_sector(ctx, sector)
    principal = auth.principal_of(request)

    def build() -> tuple[dict[str, Any], list[tables.Col], list[dict[str, Any]]]:
        result = ctx.gaps(when, window, level, wanted, rank)
        data = result.as_dict()
        total = len(result.places)
        page = data["places"][offset : offset + limit]  # type: ignore[index]
        # The public sees small counts suppressed (security/protocol.py).
        data["places"] = sharing.public_table(principal, "gaps", page, ctx.protocol)
        data.update(
            total=total,
            limit=limit,
            offset=offset,
            cut_off=len(result.cut_off),
            no_data=len(result.no_data),
        )
        rows: list[dict[str, Any]] = data["places"]  # type: ignore[assignment]
        columns = tables.gap_columns(result.level, severity=rank == "severity")
        if any("suppressed" in r for r in rows):
            columns = tables.with_suppressed(columns)
            rows = flat_rows(rows)
        return data, columns, rows

    public = sharing.sees_public_tables(principal)  # the one thing of the reader's it depends on
    key = (when, window, level, wanted, rank, limit, offset, public)
    return kept_answer(request, ctx, key, fmt, "gaps", build)


GAP_LEVELS = ("adm1", "adm2", "adm3", "adm4")


def _sectors(ctx: Context) -> list[str]:
    return ctx.sectors()


@router.get("/gaps", response_class=HTMLResponse)
@kept_page
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
    wanted = known_sector(ctx, sector)
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
        no_data=result.no_data,
        downloads=downloads,
        pages=pages,
        days_ago=lambda d: (when - d).days if d else None,
        rank=rank,
    )
