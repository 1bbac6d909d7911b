"""Evidence on the web: the list of photos and videos (``/evidence``, by place, status and source),
an item's page (``/evidence/{id}``: metadata, SHA-256, what it matches, its status history), its
thumbnail made from the archive's file, and the same as JSON (``/api/evidence``).

The library functions are those of ``lagebild evidence list`` and ``show``
(``lagebild.evidence``). Evidence is confidential in the sharing protocol: every route here needs
the permission to see records in full (analysts and admins; the user of a database without
accounts). The files are found as the command line finds them: ``WebConfig.evidence_folder``,
else ``$LAGEBILD_EVIDENCE``, else ``evidence/`` beside a SQLite database.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from lagebild import evidence as ev
from lagebild.analysis.place import find, subtree_ids
from lagebild.messages import Message
from lagebild.model.evidence import EvidenceItem, EvidenceMatch
from lagebild.publish.words import N_
from lagebild.security import policy
from lagebild.store import Store
from lagebild.web import auth
from lagebild.web.context import Context, Ctx, Offset, render_page, request_language

_confidential = [Depends(auth.requires(policy.SEE_DETAIL))]
router = APIRouter(include_in_schema=False, dependencies=_confidential)
api_router = APIRouter(prefix="/api", tags=["evidence"], dependencies=_confidential)

Status = Literal["unverified", "corroborated", "disputed", "verified", "false"]
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The item's number.")]
PlaceQ = Annotated[
    str | None,
    Query(max_length=20, description="A P-code: items of this place and the places below it."),
]
StatusQ = Annotated[Status | None, Query(description="Only items with this status.")]
SourceQ = Annotated[
    str | None,
    Query(max_length=200, pattern=r"^[^\x00]*$", description="Only items from this source."),
]
LimitQ = Annotated[int, Query(ge=1, le=500, description="Items per page.")]
SideQ = Annotated[
    int, Query(ge=1, le=10_000, description="The longer side, in pixels: 160 or 480.")
]

PER_PAGE = 50
STATUS_WORDS = {
    "unverified": N_("unverified"),
    "corroborated": N_("corroborated"),
    "disputed": N_("disputed"),
    "verified": N_("verified"),
    "false": N_("false"),
}
KIND_WORDS = {"photo": N_("photo"), "video": N_("video")}
#: How a picture relates to the one it matches (``media.DIHEDRAL``, ``matching.CROPPED``, ...).
TRANSFORM_WORDS = {
    "rotated 90 degrees": N_("rotated 90 degrees"),
    "rotated 180 degrees": N_("rotated 180 degrees"),
    "mirrored top-bottom": N_("mirrored top-bottom"),
    "mirrored left-right": N_("mirrored left-right"),
    "transposed": N_("transposed"),
    "transversed": N_("transversed"),
    "cropped": N_("cropped"),
    "wider": N_("shows more: the other is a crop of it"),
}


def folder_of(ctx: Context) -> str | None:
    return getattr(ctx.config, "evidence_folder", None) or os.environ.get("LAGEBILD_EVIDENCE")


def _place_ids(ctx: Context, pcode: str | None) -> list[int] | None:
    if not pcode:
        return None
    tree = ctx.tree()
    return subtree_ids(tree, find(tree, pcode))


def evidence_count(ctx: Context, place_ids: list[int]) -> int:
    """How many items show these places (for the place page)."""
    return ev.browse(ctx.store, place_ids, limit=1).total


def _detail(store: Store, item_id: int) -> ev.ItemDetail:
    try:
        return ev.detail(store, item_id)
    except ev.EvidenceError as exc:
        raise HTTPException(404, exc.words) from exc  # said in the request's language


class Words:
    """Statuses, kinds and transforms in the page's language."""

    def __init__(self, request: Request) -> None:
        self.lang = request_language(request)

    def status(self, name: str) -> str:
        return self.lang.gettext(STATUS_WORDS[name]) if name in STATUS_WORDS else name

    def kind(self, name: str) -> str:
        return self.lang.gettext(KIND_WORDS[name]) if name in KIND_WORDS else name

    def transform(self, text: str) -> str:
        parts = [p.strip() for p in text.split(",") if p.strip()]
        return ", ".join(
            self.lang.gettext(TRANSFORM_WORDS[p]) if p in TRANSFORM_WORDS else p for p in parts
        )


# -- pages --------------------------------------------------------------------------------------


@router.get("/evidence", response_class=HTMLResponse)
def evidence_page(
    request: Request,
    ctx: Ctx,
    place: PlaceQ = None,
    status: StatusQ = None,
    source: SourceQ = None,
    offset: Offset = 0,
) -> Response:
    chosen = ctx.tree().get(place) if place else None
    found = ev.browse(ctx.store, _place_ids(ctx, place), status, source or None, PER_PAGE, offset)
    params = {k: v for k, v in (("place", place), ("status", status), ("source", source)) if v}
    pages = {
        "previous": "/evidence?" + urlencode({**params, "offset": max(offset - PER_PAGE, 0)})
        if offset > 0
        else None,
        "next": "/evidence?" + urlencode({**params, "offset": offset + PER_PAGE})
        if offset + PER_PAGE < found.total
        else None,
    }
    return render_page(
        request,
        "evidence.html",
        found=found,
        place=chosen.pcode if chosen else (place or ""),
        chosen=chosen,
        status=status or "",
        source=source or "",
        statuses=list(STATUS_WORDS),
        sources=ev.sources(ctx.store),
        pages=pages,
        place_of=ctx.tree().get,
        api_url="/api/evidence" + (f"?{urlencode(params)}" if params else ""),
        ev_words=Words(request),
    )


@router.get("/evidence/{item_id}", response_class=HTMLResponse)
def evidence_item_page(request: Request, ctx: Ctx, item_id: ItemId) -> Response:
    found = _detail(ctx.store, item_id)
    return render_page(
        request,
        "evidence_item.html",
        detail=found,
        item=found.item,
        matches=[_match_row(found.item, m, other) for m, other in found.matches],
        place_of=ctx.tree().get,
        ev_words=Words(request),
    )


@router.get("/evidence/{item_id}/thumbnail")
def evidence_thumbnail(ctx: Ctx, item_id: ItemId, side: SideQ = 160) -> Response:
    """A JPEG made from the stored file; the file's path never appears in a URL."""
    if side not in ev.SIDES:
        raise HTTPException(
            422,
            Message(
                N_("side: %(side)s pixels; use %(sides)s"),
                {"side": str(side), "sides": " or ".join(map(str, ev.SIDES))},
            ),
        )
    try:
        picture = ev.item_thumbnail(ctx.store, item_id, side, folder_of(ctx))
    except (ev.EvidenceError, ev.ThumbnailError) as exc:
        # An image's URL: the reason in plain text, not an HTML page.
        return Response(str(exc), status_code=404, media_type="text/plain; charset=utf-8")
    # The file is kept by its SHA-256 and never changes: its thumbnail may be kept too.
    return Response(
        picture, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=86400"}
    )


# -- API ----------------------------------------------------------------------------------------


def _day(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()


def item_json(item: EvidenceItem, matches: int | None = None) -> dict[str, Any]:
    """An item as the API gives it (the stored path stays on the server)."""
    out: dict[str, Any] = {
        "id": item.id,
        "kind": item.kind,
        "status": item.status,
        "pcode": item.pcode,
        "place_name": item.place_name,
        "claimed_date": _day(item.claimed_date),
        "claim": item.claim,
        "source": item.source,
        "file_name": item.file_name,
        "extension": item.extension,
        "size": item.size,
        "sha256": item.sha256,
        "width": item.width,
        "height": item.height,
        "duration": item.duration,
        "taken_at": _day(item.taken_at),
        "lat": item.lat,
        "lon": item.lon,
        "incident_id": item.incident_id,
        "registered_at": _day(item.registered_at),
        "url": f"/evidence/{item.id}",
        "thumbnail": f"/evidence/{item.id}/thumbnail",
    }
    if matches is not None:
        out["matches"] = matches
    return out


def _match_row(item: EvidenceItem, match: EvidenceMatch, other: EvidenceItem) -> dict[str, Any]:
    """One recorded match seen from ``item``: the other item, and which came first."""
    return {
        "item_id": other.id,
        "relation": "matches" if match.item_id == item.id else "is matched by",
        "distance": match.distance,
        "frames": match.frames,
        "transform": match.transform,
        "other": other,
    }


@api_router.get("/evidence", summary="Photos and videos, newest first, by place, status, source")
def evidence_list(
    ctx: Ctx,
    place: PlaceQ = None,
    status: StatusQ = None,
    source: SourceQ = None,
    limit: LimitQ = PER_PAGE,
    offset: Offset = 0,
) -> dict[str, Any]:
    found = ev.browse(ctx.store, _place_ids(ctx, place), status, source or None, limit, offset)
    return {
        "place": place,
        "status": status,
        "source": source,
        "total": found.total,
        "limit": found.limit,
        "offset": found.offset,
        "items": [item_json(i, found.matches.get(i.id, 0)) for i in found.items],
    }


@api_router.get(
    "/evidence/{item_id}", summary="One item: metadata, SHA-256, matches, status history"
)
def evidence_item(ctx: Ctx, item_id: ItemId) -> dict[str, Any]:
    found = _detail(ctx.store, item_id)
    item = found.item
    return {
        **item_json(item, len(found.matches)),
        "hashes": found.hashes,
        "matched": [
            {
                **{k: v for k, v in row.items() if k != "other"},
                "first_registered": _day(row["other"].registered_at),
                "source": row["other"].source,
                "pcode": row["other"].pcode,
                "place_name": row["other"].place_name,
                "claimed_date": _day(row["other"].claimed_date),
            }
            for row in (_match_row(item, m, other) for m, other in found.matches)
        ],
        "history": [
            {"status": c.status, "by": c.by, "why": c.why, "at": _day(c.at)} for c in found.history
        ],
    }


__all__ = ["api_router", "evidence_count", "router"]
