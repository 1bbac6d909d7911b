"""The audit trail as the layers pass it: one change, who made it, when, before and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Change:
    """One row of the audit trail, with the place's P-code and name when it has a place."""

    id: int
    at: datetime
    actor: str
    action: str
    record_kind: str
    record_id: int | None
    place_id: int | None
    pcode: str | None
    place_name: str | None
    import_id: int | None
    before: Any
    after: Any
    why: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(sep=" "),
            "actor": self.actor,
            "action": self.action,
            "record_kind": self.record_kind,
            "record_id": self.record_id,
            "pcode": self.pcode,
            "place": self.place_name,
            "import_id": self.import_id,
            "before": self.before,
            "after": self.after,
            "why": self.why,
        }
