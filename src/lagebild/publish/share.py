"""A copy of the database for sharing (``lagebild export share --role viewer``): the same
schema, holding only what that role may see under the sharing protocol, and the metadata that
documents it for Datasette (``lagebild datasette-metadata``, publish/datasette.py).

What goes, for a reader of the role's clearance (``security/protocol.yml``):

- always: accounts, sessions, API tokens, failed sign-ins;
- below detail (viewers, partners): the audit trail, evidence, saved tag maps, organisations,
  and the import log's file names, hashes and options;
- per record kind: the records whose level is above the clearance; the fields above it
  (coordinates rounded to the protocol's grid instead); and, for the public, the counts the
  protocol suppresses when above 0 and below its threshold.
"""

from __future__ import annotations

from pathlib import Path

from lagebild.security import policy
from lagebild.security import protocol as sharing
from lagebild.store import Store
from lagebild.store.published import ShareRules, share_copy, table_columns

#: Tables no copy carries a row of: who may sign in, and how.
ACCOUNT_TABLES = ("users", "sessions", "api_tokens", "signin_failures")
#: Tables only those who see detail get: the audit trail, evidence, tag maps, organisations.
DETAIL_TABLES = (
    "changes",
    "evidence_items",
    "evidence_hashes",
    "evidence_status",
    "evidence_matches",
    "tag_maps",
    "organisations",
)
#: Columns only those who see detail get, of tables the public sees.
DETAIL_COLUMNS = {
    "imports": ("file_name", "sha256", "options", "organisation_id", "recognition"),
    "saved_plans": ("saved_by",),
}
#: The tables of each record kind of the protocol (its fields are their columns).
KIND_TABLES: dict[str, tuple[str, ...]] = {
    "delivery": ("deliveries",),
    "figure": ("figures",),
    "access": ("access_changes",),
    "incident": ("incidents", "event_counts"),
    "damage": ("damage",),
    "convoy": ("convoys", "convoy_items"),
    "evidence": ("evidence_items", "evidence_hashes", "evidence_status", "evidence_matches"),
    "presence": ("presence",),
}
#: Protocol fields that are another column of the record's table (``source``: its source id),
#: or none (``file_name``, ``organisation``, ``import_id``: the import log's, cleared above).
FIELD_COLUMNS: dict[str, str | None] = {
    "source": "source_id",
    "file_name": None,
    "organisation": None,
    "import_id": None,
}


def rules_for(role: str, protocol: sharing.Protocol | None = None) -> ShareRules:
    """What a copy for ``role`` leaves out (a partner's copy names no organisation: public)."""
    protocol = protocol or sharing.default()
    principal = policy.Principal("share", policy.check_role(role))
    clearance = policy.clearance(principal, own=False)
    detail = policy.may(principal, policy.SEE_DETAIL)
    emptied = list(ACCOUNT_TABLES) + ([] if detail else list(DETAIL_TABLES))
    cleared: dict[str, list[str]] = {} if detail else {k: list(v) for k, v in
                                                       DETAIL_COLUMNS.items()}  # fmt: skip
    rounded: dict[str, list[str]] = {}
    suppressed: dict[str, list[str]] = {}
    for kind, names in KIND_TABLES.items():
        rules = protocol.rules(kind)
        if not sharing.at_most(rules.record, clearance):
            emptied += [n for n in names if n not in emptied]
            continue
        for table in names:
            columns = table_columns(table)
            for field, level in rules.fields.items():
                column = FIELD_COLUMNS.get(field, field)
                if column is None or column not in columns or sharing.at_most(level, clearance):
                    continue
                target = rounded if field in rules.coordinates else cleared
                target.setdefault(table, []).append(column)
            if clearance == "public":
                counts = [c for c in rules.counts if c in columns]
                if counts:
                    suppressed.setdefault(table, []).extend(counts)
    return ShareRules(
        emptied=tuple(emptied),
        cleared={k: tuple(v) for k, v in cleared.items()},
        rounded={k: tuple(v) for k, v in rounded.items()},
        suppressed={k: tuple(v) for k, v in suppressed.items()},
        threshold=protocol.threshold,
        degrees=protocol.round_degrees,
    )


def hidden_tables(role: str = "viewer", protocol: sharing.Protocol | None = None) -> list[str]:
    """The tables a copy for ``role`` holds no row of."""
    return sorted(rules_for(role, protocol).emptied)


def export_share(
    store: Store, target: Path, role: str = "viewer", protocol: sharing.Protocol | None = None
) -> dict[str, int]:
    """Write the copy for ``role`` to ``target``; the rows left in each table."""
    return share_copy(store, Path(target), rules_for(role, protocol))


__all__ = [
    "ACCOUNT_TABLES",
    "DETAIL_TABLES",
    "KIND_TABLES",
    "export_share",
    "hidden_tables",
    "rules_for",
]
