"""Change or delete one stored record through the API, as `lagebild edit` and `lagebild delete`
do on the command line: checked like an import, recorded in the audit trail as the signed-in
user. A partner may change only its own organisation's deliveries (``security.policy``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field

from lagebild.actions.records import delete_record, edit_record
from lagebild.ingest.edit import EditError
from lagebild.security import policy
from lagebild.store import StoreError
from lagebild.store.audit import OutOfScope
from lagebild.web import auth

router = APIRouter(prefix="/api", tags=["records"])

Kind = Literal["figure", "access", "delivery"]
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The record's number.")]


class Edit(BaseModel):
    """Fields to change, as text the way a file would give them, and why."""

    set: dict[str, str] = Field(
        ..., min_length=1, examples=[{"reached": "1200", "status": "completed"}]
    )
    why: str = Field(..., min_length=1, max_length=2000)


def _check(request: Request, kind: str, fields: list[str]) -> None:
    principal = auth.principal_of(request)
    if not policy.may_edit(principal, kind, fields):
        auth.deny(request, policy.EDIT, f"{kind} {', '.join(fields) or ''}".strip())


def _refused(request: Request, kind: str, exc: StoreError) -> HTTPException:
    if isinstance(exc, OutOfScope):
        auth.deny(request, policy.EDIT, str(exc))
    status = 404 if str(exc).startswith("there is no") else 422
    return HTTPException(status, str(exc))


@router.patch(
    "/records/{kind}/{record_id}",
    summary="Change fields of one figure, access change or delivery (kept in the audit trail)",
)
def edit(request: Request, kind: Kind, record_id: RecordId, body: Edit) -> dict[str, Any]:
    _check(request, kind, list(body.set))
    try:
        edited = edit_record(
            auth.request_store(request),
            kind,
            record_id,
            [f"{k}={v}" for k, v in body.set.items()],
            body.why,
            auth.scope_of(request),
        )
    except EditError as exc:
        raise HTTPException(422, str(exc)) from exc
    except StoreError as exc:
        raise _refused(request, kind, exc) from exc
    return {"kind": kind, "id": record_id, "before": edited.before, "after": edited.after}


@router.delete(
    "/records/{kind}/{record_id}",
    summary="Delete one figure, access change or delivery (the audit trail keeps all of it)",
)
def delete(
    request: Request,
    kind: Kind,
    record_id: RecordId,
    why: Annotated[str, Query(min_length=1, max_length=2000)],
) -> dict[str, Any]:
    _check(request, kind, [])
    try:
        before = delete_record(
            auth.request_store(request), kind, record_id, why, auth.scope_of(request)
        )
    except StoreError as exc:
        raise _refused(request, kind, exc) from exc
    return {"kind": kind, "id": record_id, "deleted": before}


__all__ = ["router"]
