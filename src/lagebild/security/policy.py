"""The policy: which role may do what, and whose records it sees in full. Decided here only.

Roles, from least to most:

- ``viewer``: the public picture (aggregates; records with their restricted fields dropped and
  small counts suppressed, ``protocol``).
- ``partner``: of one organisation; imports deliveries at /import, stamped with its
  organisation; sees and edits its own organisation's records in full, everyone else's as the
  public does.
- ``analyst``: sees every record in full (explanations, the audit trail), imports any kind of data
  but a gazetteer, edits, grades sources.
- ``admin``: everything: accounts, gazetteer imports, settings.

A database without accounts is a single laptop: whoever runs it is ``LOCAL``, an admin. Pages and
the API ask ``may``/``permission_for``; the store applies ``scope_of`` as query conditions
(``lagebild.store.accounts.Scope``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from lagebild.errors import Forbidden
from lagebild.model.accounts import Account
from lagebild.store.accounts import EVERYTHING, NOTHING, Scope
from lagebild.store.store import default_actor

ROLES = ("viewer", "partner", "analyst", "admin")

# -- permissions --------------------------------------------------------------------------------
VIEW = "view"  # the public picture: overview, map, gaps, places, the public API
SEE_DETAIL = "see_detail"  # every record in full: explanations, the audit trail
IMPORT = "import"  # upload and import files at /import (which kinds: IMPORT_KINDS)
EDIT = "edit"  # change or delete records (a partner: its own organisation's)
GRADE = "grade"  # grade sources
ADMIN = "admin"  # accounts, tokens, gazetteer, settings

PERMISSIONS = (VIEW, SEE_DETAIL, IMPORT, EDIT, GRADE, ADMIN)

GRANTS: dict[str, frozenset[str]] = {
    "viewer": frozenset({VIEW}),
    "partner": frozenset({VIEW, IMPORT, EDIT}),
    "analyst": frozenset({VIEW, SEE_DETAIL, IMPORT, EDIT, GRADE}),
    "admin": frozenset(PERMISSIONS),
}

#: The kinds of data each role may import (``ingest.columns.KINDS``); ``None``: every kind.
IMPORT_KINDS: dict[str, frozenset[str] | None] = {
    "viewer": frozenset(),
    "partner": frozenset({"deliveries"}),
    "analyst": frozenset(
        {"figures", "access", "deliveries", "incidents", "event_counts", "damage", "convoys"}
    ),
    "admin": None,
}

#: Routes that need more than their method's default (``permission_for``), by route template.
#: Others building pages add theirs here (or use ``web.auth.requires`` on the route).
ROUTE_PERMISSIONS: dict[str, str] = {
    "/explain": SEE_DETAIL,
    "/api/explain": SEE_DETAIL,
    "/places/{pcode}/history": SEE_DETAIL,
    "/api/places/{pcode}/history": SEE_DETAIL,
    "/import": IMPORT,
    "/import/{token}/mode": IMPORT,
    "/import/{token}/confirm": IMPORT,
    "/import/{token}/cancel": IMPORT,
    "/import/{token}/tags": IMPORT,
    "/import/{token}/rejects.csv": IMPORT,
    "/api/imports": IMPORT,
    "/imports": IMPORT,
    "/imports/{import_id}/undo": IMPORT,
    "/sources/grade": GRADE,
    "/sources/{source_id}/grade": GRADE,
    "/records/{kind}/{record_id}": EDIT,
    "/records/{kind}/{record_id}/edit": EDIT,
    "/records/{kind}/{record_id}/delete": EDIT,
    "/api/deliveries/{delivery_id}": EDIT,
    "/api/records/{kind}/{record_id}": EDIT,
    "/signout": VIEW,
}

#: Routes anyone may reach without signing in: the sign-in itself.
OPEN_ROUTES = frozenset({"/signin"})

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Principal:
    """Who makes a request: a signed-in account, the open laptop's user, or the public."""

    name: str
    role: str
    organisation_id: int | None = None
    organisation: str | None = None
    signed_in: bool = False
    via: str = "none"  # session | token | none

    @classmethod
    def of(cls, account: Account, via: str) -> Principal:
        if account.role not in ROLES:
            raise ValueError(f"account {account.name!r} has an unknown role {account.role!r}")
        return cls(
            account.name, account.role, account.organisation_id, account.organisation, True, via
        )


def local() -> Principal:
    """The user of a database without accounts (a single laptop): may do everything."""
    return Principal(default_actor(), "admin")


#: An anonymous visitor of a server that shows the public picture (``serve --public``).
ANONYMOUS = Principal("anonymous", "viewer")


class Denied(Forbidden):
    """A principal asked for what its role does not allow (HTTP 403)."""

    def __init__(self, principal: Principal, permission: str, what: str = "") -> None:
        detail = f": {what}" if what else ""
        super().__init__(f"{principal.name} ({principal.role}) may not {permission}{detail}")
        self.principal = principal
        self.permission = permission
        self.what = what


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: use {', '.join(ROLES)}")
    return role


def check_account(role: str, organisation: str | None) -> None:
    """A partner belongs to an organisation; the policy scopes it by that."""
    check_role(role)
    if role == "partner" and not (organisation and organisation.strip()):
        raise ValueError("a partner account needs --org: the organisation whose data it enters")


def may(principal: Principal, permission: str) -> bool:
    return permission in GRANTS.get(principal.role, frozenset())


def require(principal: Principal, permission: str, what: str = "") -> None:
    if not may(principal, permission):
        raise Denied(principal, permission, what)


def permission_for(method: str, route: str) -> str:
    """The permission a request needs: its route's, else VIEW to read and EDIT to change."""
    if route in ROUTE_PERMISSIONS:
        return ROUTE_PERMISSIONS[route]
    return VIEW if method.upper() in SAFE_METHODS else EDIT


def may_import(principal: Principal, kind: str | None) -> bool:
    """Whether the principal may import data of this kind (a gazetteer: admins only)."""
    if not may(principal, IMPORT):
        return False
    kinds = IMPORT_KINDS.get(principal.role, frozenset())
    return kinds is None or (kind is not None and kind in kinds)


#: The record kinds each role may edit or delete one by one (``lagebild.store.audit.EDITABLE``);
#: a partner only its own organisation's deliveries (``scope_of``).
EDIT_KINDS: dict[str, frozenset[str]] = {
    "viewer": frozenset(),
    "partner": frozenset({"delivery"}),
    "analyst": frozenset({"figure", "access", "delivery"}),
    "admin": frozenset({"figure", "access", "delivery"}),
}
#: Fields whose change is a grade: an analyst's judgement, not a correction of the data.
GRADE_FIELDS = frozenset({"reliability", "credibility"})


def may_edit(principal: Principal, kind: str, fields: Collection[str] = ()) -> bool:
    """Whether the principal may change (or delete) records of this kind, these fields."""
    if not may(principal, EDIT) or kind not in EDIT_KINDS.get(principal.role, frozenset()):
        return False
    return not (set(fields) & GRADE_FIELDS) or may(principal, GRADE)


def may_undo(principal: Principal, kind: str) -> bool:
    """Whether the principal may take back an import of this kind: who may import that kind of
    data (a partner: only its own organisation's imports, ``scope_of``); a gazetteer never."""
    return kind != "places" and may_import(principal, kind)


def import_organisation(principal: Principal) -> str | None:
    """The organisation an import at /import belongs to: the partner's; others' are nobody's."""
    return principal.organisation if principal.role == "partner" else None


def scope_of(principal: Principal) -> Scope:
    """Whose records the principal sees (and may change) in full."""
    if may(principal, SEE_DETAIL):
        return EVERYTHING
    if principal.role == "partner" and principal.organisation_id is not None:
        return Scope(organisation_id=principal.organisation_id)
    return NOTHING


def clearance(principal: Principal, own: bool) -> str:
    """The most sensitive level the principal sees of a record: ``own`` when the record is in
    its scope. Analysts and admins see confidential; a partner its own records' restricted
    fields; the rest of the world, public."""
    if may(principal, SEE_DETAIL):
        return "confidential"
    if own and principal.role == "partner":
        return "restricted"
    return "public"


def sees_public_tables(principal: Principal) -> bool:
    """Whether aggregated tables are shown to this principal as the public sees them (small
    counts suppressed): viewers and anonymous visitors."""
    return principal.role == "viewer"


__all__ = [
    "ADMIN",
    "ANONYMOUS",
    "EDIT",
    "GRADE",
    "IMPORT",
    "OPEN_ROUTES",
    "PERMISSIONS",
    "ROLES",
    "SEE_DETAIL",
    "VIEW",
    "Denied",
    "Principal",
    "check_account",
    "check_role",
    "clearance",
    "import_organisation",
    "local",
    "may",
    "may_import",
    "may_undo",
    "permission_for",
    "require",
    "scope_of",
    "sees_public_tables",
]
