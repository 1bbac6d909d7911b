"""The information sharing protocol: sensitivity per record kind and field, and the functions that
make a public view of a record or a table.

The protocol is a YAML file (``protocol.yml`` beside this module is the default; ``--protocol``
or ``LAGEBILD_PROTOCOL`` names another). Pages and the API call, for a list of records::

    rows = protocol.view(principal, "incident", rows)       # each row may carry "own": bool

and for an aggregated table shown to the public (counts below the threshold suppressed)::

    rows = protocol.public_table(principal, "gaps", rows)

``redact``, ``suppress_count`` and ``round_coordinate`` are the small parts, for other shapes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from lagebild.errors import RefusedInput
from lagebild.security import policy

LEVELS = ("public", "restricted", "confidential")
DEFAULT_PATH = Path(__file__).parent / "protocol.yml"
#: The key a redacted row names its suppressed counts under.
SUPPRESSED = "suppressed"
#: The key a row from the store says under whether it is in the reader's scope.
OWN = "own"


class ProtocolError(RefusedInput):
    """A protocol file that cannot be used; says which file and what is wrong."""


@dataclass(frozen=True)
class KindRules:
    record: str = "public"
    fields: Mapping[str, str] = field(default_factory=dict)
    coordinates: frozenset[str] = frozenset()
    counts: tuple[str, ...] = ()
    derived: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Protocol:
    threshold: int = 10
    round_degrees: float | None = 0.1
    kinds: Mapping[str, KindRules] = field(default_factory=dict)
    path: str = ""

    def rules(self, kind: str) -> KindRules:
        return self.kinds.get(kind, KindRules())

    def level(self, kind: str, name: str) -> str:
        return self.rules(kind).fields.get(name, "public")

    def record_level(self, kind: str) -> str:
        return self.rules(kind).record


def at_most(level: str, clearance: str) -> bool:
    """Whether something of ``level`` may be shown to a reader of ``clearance``."""
    return LEVELS.index(level) <= LEVELS.index(clearance)


def _level(value: Any, where: str, path: Path) -> str:
    if value not in LEVELS:
        raise ProtocolError(f"{path}: {where}: {value!r} is not one of {', '.join(LEVELS)}")
    return str(value)


def _names(value: Any, where: str, path: Path) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProtocolError(f"{path}: {where} must be a list of field names")
    return tuple(value)


def load(path: Path | str | None = None) -> Protocol:
    """Read a protocol file (default: ``LAGEBILD_PROTOCOL``, else the shipped one)."""
    path = Path(path or os.environ.get("LAGEBILD_PROTOCOL") or DEFAULT_PATH)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProtocolError(f"{path}: cannot read the protocol: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ProtocolError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("kinds", {}), dict):
        raise ProtocolError(f"{path}: expected threshold, round_degrees and kinds")
    threshold = data.get("threshold", 10)
    if not isinstance(threshold, int) or threshold < 0:
        raise ProtocolError(f"{path}: threshold must be a whole number, 0 or more")
    degrees = data.get("round_degrees", 0.1)
    if degrees is not None and (not isinstance(degrees, int | float) or degrees <= 0):
        raise ProtocolError(f"{path}: round_degrees must be a positive number or null")
    kinds = {}
    for kind, rules in (data.get("kinds") or {}).items():
        rules = rules or {}
        if not isinstance(rules, dict):
            raise ProtocolError(f"{path}: kinds.{kind} must be a mapping")
        fields = rules.get("fields") or {}
        if not isinstance(fields, dict):
            raise ProtocolError(f"{path}: kinds.{kind}.fields must map field names to levels")
        derived = rules.get("derived") or {}
        if not isinstance(derived, dict):
            raise ProtocolError(f"{path}: kinds.{kind}.derived must map fields to counts")
        kinds[str(kind)] = KindRules(
            record=_level(rules.get("record", "public"), f"kinds.{kind}.record", path),
            fields={
                str(k): _level(v, f"kinds.{kind}.fields.{k}", path) for k, v in fields.items()
            },
            coordinates=frozenset(
                _names(rules.get("coordinates"), f"kinds.{kind}.coordinates", path)
            ),
            counts=_names(rules.get("counts"), f"kinds.{kind}.counts", path),
            derived={
                str(k): _names(v, f"kinds.{kind}.derived.{k}", path) for k, v in derived.items()
            },
        )
    return Protocol(threshold, float(degrees) if degrees else None, kinds, str(path))


@cache
def default() -> Protocol:
    """The shipped protocol (read once)."""
    return load(DEFAULT_PATH)


# -- the small parts ----------------------------------------------------------------------------


def suppress_count(value: Any, threshold: int) -> tuple[Any, bool]:
    """``(value, False)``, or ``(None, True)`` for a count above 0 and below ``threshold``.

    A count given with its bounds (``{"value": 4, "upper": 4, ...}``, as the situation gives
    people reached) has each of ``value`` and ``upper`` suppressed on its own."""
    if isinstance(value, Mapping) and "value" in value:
        out, gone = dict(value), False
        for key in ("value", "upper"):
            if key in out:
                out[key], hidden = suppress_count(out[key], threshold)
                gone = gone or hidden
        return out, gone
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 0 < value < threshold:
            return None, True
    return value, False


def round_coordinate(value: float | None, degrees: float | None) -> float | None:
    """A coordinate rounded down to a grid of ``degrees`` (the cell's corner); None withholds."""
    if value is None or degrees is None:
        return None
    cells = math.floor(value / degrees + 1e-9)
    return round(cells * degrees, 6)


def suppress_row(row: dict[str, Any], rules: KindRules, threshold: int) -> dict[str, Any]:
    """The row with its small counts (and what derives from them) suppressed and named."""
    out = dict(row)
    hidden = list(out.get(SUPPRESSED) or [])
    for name in rules.counts:
        if name in out:
            out[name], gone = suppress_count(out[name], threshold)
            if gone and name not in hidden:
                hidden.append(name)
    for name, sources in rules.derived.items():
        if name in out and any(s in hidden for s in sources):
            out[name] = None
            hidden.append(name)
    out[SUPPRESSED] = hidden
    return out


def redact(
    protocol: Protocol, kind: str, row: Mapping[str, Any], clearance: str, *, suppress: bool
) -> dict[str, Any] | None:
    """What a reader of ``clearance`` sees of one record: None when not the record at all;
    else without the fields above its clearance (coordinates rounded instead), and with small
    counts suppressed when ``suppress``."""
    rules = protocol.rules(kind)
    if not at_most(rules.record, clearance):
        return None
    out: dict[str, Any] = {}
    for name, value in row.items():
        if name == OWN:
            continue
        level = rules.fields.get(name, "public")
        if at_most(level, clearance):
            out[name] = value
        elif name in rules.coordinates and protocol.round_degrees is not None:
            out[name] = round_coordinate(value, protocol.round_degrees)
    if suppress:
        return suppress_row(out, rules, protocol.threshold)
    out[SUPPRESSED] = []
    return out


# -- for pages and the API ----------------------------------------------------------------------


def view(
    principal: policy.Principal,
    kind: str,
    rows: Iterable[Mapping[str, Any]],
    protocol: Protocol | None = None,
) -> list[dict[str, Any]]:
    """The records as this principal may see them: each at the clearance the policy gives it
    for that record (``row["own"]``: the record is in the principal's scope), records it may not
    see left out, small counts suppressed in what is shown at the public level."""
    protocol = protocol or default()
    shown = []
    for row in rows:
        clearance = policy.clearance(principal, bool(row.get(OWN)))
        found = redact(protocol, kind, row, clearance, suppress=clearance == "public")
        if found is not None:
            shown.append(found)
    return shown


def public_table(
    principal: policy.Principal,
    kind: str,
    rows: Iterable[Mapping[str, Any]],
    protocol: Protocol | None = None,
) -> list[dict[str, Any]]:
    """An aggregated table (gaps, situation, ...): as it is for those who see detail; for the
    public, with fields above public dropped and small counts suppressed."""
    protocol = protocol or default()
    if not policy.sees_public_tables(principal):
        return [dict(r) for r in rows]
    found = (redact(protocol, kind, r, "public", suppress=True) for r in rows)
    return [r for r in found if r is not None]


def sees_public_tables(principal: policy.Principal) -> bool:
    """Whether aggregated tables are shown to this principal as the public sees them."""
    return policy.sees_public_tables(principal)


def restricted_fields(
    protocol: Protocol, kind: str, rows: Iterable[Mapping[str, Any]]
) -> list[str]:
    """The restricted or confidential fields that appear in rows (those an export gives away)."""
    rules = protocol.rules(kind)
    names: set[str] = set()
    for row in rows:
        names.update(k for k in row if rules.fields.get(k, "public") != "public")
    return sorted(names)


def coordinates(
    principal: policy.Principal,
    kind: str,
    lat: float | None,
    lon: float | None,
    own: bool = False,
    protocol: Protocol | None = None,
) -> tuple[float | None, float | None]:
    """A point as the principal may see it: exact, rounded to the grid, or withheld."""
    found = redact(
        protocol or default(),
        kind,
        {"lat": lat, "lon": lon},
        policy.clearance(principal, own),
        suppress=False,
    )
    if found is None:
        return None, None
    return found.get("lat"), found.get("lon")


__all__ = [
    "LEVELS",
    "OWN",
    "SUPPRESSED",
    "KindRules",
    "Protocol",
    "ProtocolError",
    "at_most",
    "coordinates",
    "default",
    "load",
    "public_table",
    "redact",
    "restricted_fields",
    "round_coordinate",
    "suppress_count",
    "suppress_row",
    "view",
]
