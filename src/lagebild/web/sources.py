"""The source register in the browser: ``/sources`` lists every source with its kind, Admiralty
grade and how many figures, deliveries and access rows it gave (``lagebild sources``); analysts
and admins grade a source there (``POST /sources/grade``, as ``lagebild sources grade``: kept in
the audit trail as the signed-in user). Viewers and partners see the register, not the form.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from lagebild.actions.records import grade_source, source_kind
from lagebild.errors import LagebildError, RefusedInput
from lagebild.model import SOURCE_KINDS
from lagebild.model.trust import SourceCount
from lagebild.publish.words import N_
from lagebild.security import policy
from lagebild.store.trust import source_register
from lagebild.web import auth
from lagebild.web.context import render_page

router = APIRouter(include_in_schema=False)

RELIABILITY = "ABCDEF"
CREDIBILITY = (1, 2, 3, 4, 5, 6)
MAX_WHY = 2000

#: The Admiralty scale in words, for the form's choices.
RELIABILITY_WORDS = {
    "A": N_("A: completely reliable"),
    "B": N_("B: usually reliable"),
    "C": N_("C: fairly reliable"),
    "D": N_("D: not usually reliable"),
    "E": N_("E: unreliable"),
    "F": N_("F: reliability cannot be judged"),
}
CREDIBILITY_WORDS = {
    1: N_("1: confirmed by other sources"),
    2: N_("2: probably true"),
    3: N_("3: possibly true"),
    4: N_("4: doubtful"),
    5: N_("5: improbable"),
    6: N_("6: truth cannot be judged"),
}
KIND_WORDS = {
    "un_agency": N_("UN agency"),
    "ngo": N_("non-governmental organisation"),
    "cluster": N_("cluster or working group"),
    "government": N_("government"),
    "party_to_conflict": N_("party to the conflict"),
    "first_responders": N_("first responders"),
    "media": N_("media"),
    "individual": N_("individual"),
}
assert set(KIND_WORDS) == set(SOURCE_KINDS)


class _Refused(RefusedInput):
    """A field of the grade form that cannot be used."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def _page(
    request: Request, status_code: int = 200, error: dict[str, Any] | None = None
) -> Response:
    register = source_register(request.app.state.lagebild.store)
    return render_page(
        request,
        "sources.html",
        status_code=status_code,
        sources=[r for r in register if r.id is not None],
        unsourced=next((r for r in register if r.id is None), None),
        may_grade=policy.may(auth.principal_of(request), policy.GRADE),
        kind_words=KIND_WORDS,
        done=request.query_params.get("done"),
        graded=request.query_params.get("source"),
        error=error,
    )


def _grade_page(
    request: Request,
    source: SourceCount,
    status_code: int = 200,
    error: str | None = None,
    sent: dict[str, str] | None = None,
) -> Response:
    chosen = sent or {}
    return render_page(
        request,
        "grade.html",
        status_code=status_code,
        source=source,
        reliability=RELIABILITY,
        credibility=CREDIBILITY,
        reliability_words=RELIABILITY_WORDS,
        credibility_words=CREDIBILITY_WORDS,
        kind_words=KIND_WORDS,
        chosen_reliability=chosen.get("reliability") or source.reliability or "F",
        chosen_credibility=chosen.get("credibility") or str(source.credibility or 6),
        chosen_kind=chosen.get("kind", source.kind or ""),
        why=chosen.get("why", ""),
        error=error,
        max_why=MAX_WHY,
    )


def _source(request: Request, *, source_id: int | None = None, name: str | None = None
            ) -> SourceCount | None:
    register = source_register(request.app.state.lagebild.store)
    return next(
        (r for r in register if r.id is not None and (r.id == source_id or r.name == name)),
        None,
    )


@router.get("/sources")
def sources_page(request: Request) -> Response:
    return _page(request)


@router.get("/sources/{source_id}/grade")
def grade_page(request: Request, source_id: int) -> Response:
    """The form that grades one source: reliability, credibility, kind and why."""
    found = _source(request, source_id=source_id)
    if found is None:
        return _page(request, 404, {"field": "unknown", "source": f"#{source_id}"})
    return _grade_page(request, found)


def _grade(form: dict[str, str]) -> tuple[str, str | None, int | None, str | None, str]:
    name = form.get("name", "")
    reliability = form.get("reliability") or None
    if reliability is not None and reliability not in RELIABILITY:
        raise _Refused("reliability")
    credibility_text = form.get("credibility") or ""
    if credibility_text and credibility_text not in {str(c) for c in CREDIBILITY}:
        raise _Refused("credibility")
    credibility = int(credibility_text) if credibility_text else None
    kind_text = form.get("kind") or ""
    try:
        kind = source_kind(kind_text) if kind_text else None
    except LagebildError:
        raise _Refused("kind") from None
    why = form.get("why", "")
    if not why or len(why) > MAX_WHY:
        raise _Refused("why")
    if reliability is None and credibility is None and kind is None:
        raise _Refused("nothing")
    return name, reliability, credibility, kind, why


@router.post("/sources/grade")
async def sources_grade(request: Request) -> Response:
    """Grade one source: reliability A-F, credibility 1-6, kind, and why."""
    async with request.form(max_files=0, max_fields=10) as sent:
        form = {k: v.strip() for k, v in sent.items() if isinstance(v, str)}
    try:
        name, reliability, credibility, kind, why = _grade(form)
        store = auth.request_store(request)
        await run_in_threadpool(grade_source, store, name, reliability, credibility, kind, why)
    except _Refused as exc:
        found = _source(request, name=form.get("name", ""))
        if found is None:
            return _page(request, 404, {"field": "unknown", "source": form.get("name", "")})
        return _grade_page(request, found, 422, exc.field, form)
    except LagebildError:
        return _page(request, 404, {"field": "unknown", "source": form.get("name", "")})
    query = {"done": "graded", "source": name}
    return RedirectResponse("/sources?" + urlencode(query), status_code=303)
