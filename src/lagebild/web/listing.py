"""What the pages and the API of convoys (``web/convoys.py``), incidents (``web/incidents.py``)
and damage (``web/damage.py``) share: their query parameters, the place and period they filter
by, the words of their vocabularies in the page's language, the links of their pages and their
downloads (CSV and HXL with the columns the rows show, recorded in the audit trail).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import HTTPException, Query, Request
from fastapi.responses import Response

from lagebild.analysis.place import find
from lagebild.model import Place
from lagebild.publish.tables import Col
from lagebild.web import auth
from lagebild.web.api import EARLIEST, respond, wanted_format
from lagebild.web.app import Context
from lagebild.web.i18n import Language, negotiate
from lagebild.web.pages import N_, Words
from lagebild.web.templating import render

GEOJSON = "application/geo+json"
PER_PAGE = 100

PcodeQ = Annotated[
    str | None,
    Query(max_length=40, description="A P-code: this place and the places below it."),
]
FromQ = Annotated[
    date | None, Query(alias="from", ge=EARLIEST, description="On or after this date.")
]
ToQ = Annotated[date | None, Query(alias="to", ge=EARLIEST, description="On or before this date.")]
TextQ = Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$")]

CONVOY_STATUS_WORDS = {
    "requested": N_("requested"),
    "approved": N_("approved"),
    "partly_approved": N_("partly approved"),
    "denied": N_("denied"),
    "delivered": N_("delivered"),
}
#: ACLED's event types; others are shown as the data has them.
EVENT_TYPE_WORDS = {
    "Battles": N_("Battles"),
    "Explosions/Remote violence": N_("Explosions/Remote violence"),
    "Violence against civilians": N_("Violence against civilians"),
    "Protests": N_("Protests"),
    "Riots": N_("Riots"),
    "Strategic developments": N_("Strategic developments"),
}
PLACED_BY_WORDS = {
    "pcode": N_("by its P-code"),
    "polygon": N_("in a boundary"),
    "nearest": N_("nearest community"),
    "name": N_("by name"),
    "none": N_("not placed"),
}
UNIT_WORDS = {"buildings": N_("buildings"), "houses": N_("houses")}
BASIS_WORDS = {
    "own": N_("its own assessment"),
    "children": N_("sum of the places below"),
    "own and children": N_("its own points and the places below"),
}


class WarWords:
    """Convoy statuses, event types, placing methods and damage units in the page's language."""

    def __init__(self, gettext: Callable[[str], str]) -> None:
        self._ = gettext

    def _word(self, table: dict[str, str], key: str | None) -> str:
        if not key:
            return "–"
        return self._(table[key]) if key in table else key

    def convoy_status(self, key: str | None) -> str:
        return self._word(CONVOY_STATUS_WORDS, key)

    def event_type(self, key: str | None) -> str:
        return self._word(EVENT_TYPE_WORDS, key)

    def event_type_names(self) -> dict[str, str]:
        """ACLED's event types -> their names in the page's language (for the map's script)."""
        return {key: self._(word) for key, word in EVENT_TYPE_WORDS.items()}

    def placed_by(self, key: str | None) -> str:
        return self._word(PLACED_BY_WORDS, key)

    def unit(self, key: str | None) -> str:
        return self._word(UNIT_WORDS, key)

    def basis(self, key: str | None) -> str:
        return self._word(BASIS_WORDS, key)


def shown_columns(columns: list[Col], rows: list[dict[str, Any]]) -> list[Col]:
    """The columns some row shows: fields the protocol withheld from every row are left out,
    and so is ``suppressed`` when nothing was."""
    present = {k for row in rows for k, v in row.items() if k != "suppressed" or v}
    return [c for c in columns if c.key in present or (not rows and c.key != "suppressed")]


def flat_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for CSV: the suppressed counts named in one cell, ``reached;planned_people``."""
    return [
        {**r, "suppressed": ";".join(r["suppressed"])} if isinstance(r.get("suppressed"), list)
        else r
        for r in rows
    ]


def find_place(ctx: Context, pcode: str | None) -> Place | None:
    """The place of a P-code (any case), None without one; an unknown one is a 404."""
    return find(ctx.tree(), pcode) if pcode else None


def check_period(date_from: date | None, date_to: date | None) -> None:
    if date_from and date_to and date_to < date_from:
        raise HTTPException(
            422, f"to: {date_to.isoformat()} is before from ({date_from.isoformat()})"
        )


def download(
    request: Request,
    fmt: str | None,
    kind: str,
    data: dict[str, Any],
    columns: list[Col],
    rows: list[dict[str, Any]],
    name: str,
) -> Response:
    """``respond``, with the columns the rows show, and the export in the audit trail."""
    chosen = wanted_format(request, fmt)  # type: ignore[arg-type]
    auth.record_export(request, kind, rows, chosen)
    return respond(request, fmt, data, shown_columns(columns, rows), flat_rows(rows), name)  # type: ignore[arg-type]


GEOJSON_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {GEOJSON: {"schema": {"type": "object"}}}, "description": "GeoJSON"}
}


def link(path: str, params: dict[str, Any]) -> str:
    query = {k: v for k, v in params.items() if v not in (None, "")}
    return path + ("?" + urlencode(query) if query else "")


def iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def pager(path: str, params: dict[str, Any], offset: int, limit: int, total: int) -> dict:  # type: ignore[type-arg]
    return {
        "previous": link(path, {**params, "offset": max(offset - limit, 0)}) if offset else None,
        "next": link(path, {**params, "offset": offset + limit})
        if offset + limit < total
        else None,
    }


def war_page(request: Request, template: str, **context: Any) -> Response:
    """A page of these resources in the visitor's language, with the words of their
    vocabularies (``war_words``)."""
    lang = Language(negotiate(request, request.app.state.lagebild.config.default_language))
    return render(
        request, template, status_code=200, words=Words(lang),
        war_words=WarWords(lang.gettext), **context,
    )  # fmt: skip


__all__ = [
    "CONVOY_STATUS_WORDS",
    "GEOJSON",
    "GEOJSON_RESPONSE",
    "PER_PAGE",
    "PLACED_BY_WORDS",
    "UNIT_WORDS",
    "FromQ",
    "PcodeQ",
    "TextQ",
    "ToQ",
    "WarWords",
    "check_period",
    "download",
    "find_place",
    "flat_rows",
    "iso",
    "link",
    "pager",
    "shown_columns",
    "war_page",
]
