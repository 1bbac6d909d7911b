"""Results as tables, JSON, CSV and HXL: each result's rows under its columns in ``tables.py``.

The same columns in every format: a readable table, CSV, and HXL (CSV with a row of hashtags)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from typing import Any

from lagebild.analysis import GapsResult, SituationResult
from lagebild.analysis.damage import DamageResult
from lagebild.analysis.priority_list import PriorityList, place_dict
from lagebild.analysis.situation import COLUMNS
from lagebild.model import Place
from lagebild.publish.tables import Col

FORMATS = ("table", "json", "csv", "hxl")


def gap_rows(result: GapsResult) -> list[dict[str, Any]]:
    rows = [r.as_dict() for r in result.places]
    for row, place in zip(rows, result.places, strict=True):
        totals = row.get("damage_total")
        if isinstance(totals, dict):  # per unit; houses and buildings are never added
            only = list(totals.values())
            row["damage_total"] = (
                only[0] if len(only) == 1 else "; ".join(f"{v:.0f} {u}" for u, v in totals.items())
            ) if only else None
        if place.priority is not None:  # ranked by priority: its parts as columns
            row.update(place.priority.dimensions)
            row["missing"] = "; ".join(place.priority.missing())
    return rows


def priority_rows(found: PriorityList) -> list[dict[str, Any]]:
    """The priority list as flat rows: the dimensions as columns, what had no data as text."""
    rows = []
    for rank, row in enumerate(found.places, start=1):
        assert row.priority is not None
        flat = place_dict(rank, row)
        flat.update(row.priority.dimensions)
        flat["missing"] = "; ".join(row.priority.missing())
        rows.append(flat)
    return rows


def situation_rows(result: SituationResult) -> list[dict[str, Any]]:
    rows = []
    listed = {p.pcode for p in result.places}
    total = [result.total] if result.total and result.total.pcode not in listed else []
    for row in [*result.places, *total]:
        out: dict[str, Any] = {
            "pcode": row.pcode if row.level != "total" else f"{row.pcode} (total)".strip(),
            "name": row.name,
            "access": row.access.status if row.access else None,
        }
        for key in COLUMNS:
            value = getattr(row, key)
            out[key] = value.value if value else None
            out[f"{key}_sources"] = "; ".join(value.sources) if value else None
        out["reached"] = row.reached
        out["incidents"] = row.incidents.events
        out["fatalities"] = row.incidents.fatalities
        for unit, share in row.damage.items():
            out[f"destroyed_{unit}"] = share.value.destroyed
            out[f"damage_total_{unit}"] = share.value.total
            out[f"share_destroyed_{unit}"] = share.share_destroyed
        rows.append(out)
    return rows


def damage_rows(result: DamageResult) -> list[dict[str, Any]]:
    rows = []
    for row in result.places:
        out = row.as_dict()
        out["sources"] = "; ".join(row.value.sources)
        rows.append(out)
    for unit, value in result.national.items():
        rows.append(
            {
                "pcode": "(national)",
                "name": "national total",
                "unit": unit,
                **value.counts(),
                "share_destroyed": 1.0 if value.destroyed else None,
                "share_total": 1.0 if value.total else None,
                "date": value.date.isoformat() if value.date else None,
                "sources": "; ".join(value.sources),
            }
        )
    return rows


def place_rows(places: Sequence[Place], parents: dict[int, str]) -> list[dict[str, Any]]:
    from lagebild.model import level_name

    return [
        {
            "pcode": p.pcode,
            "level": level_name(p.level),
            "name_en": p.name_en,
            "name_ar": p.name_ar,
            "parent": parents.get(p.parent_id or -1),
            "valid_to": p.valid_to.isoformat() if p.valid_to else None,
        }
        for p in places
    ]


#: What a spreadsheet takes for the start of a formula (OWASP, CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if not value.is_integer() else f"{value:.0f}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        return "; ".join(_cell(v) for v in value)
    return neutralise(str(value))


def neutralise(text: str) -> str:
    """Text that a spreadsheet opening the CSV would run as a formula (``=HYPERLINK(...)``,
    ``@SUM(...)``, ``-2+3``...), as text: a ``'`` in front (OWASP's advice on CSV injection).
    A plain number such as ``-5`` stays as it is.

    A carriage return becomes a line feed: the CSV writer quotes a cell with a line feed (our
    line end) but not one with a lone carriage return, which would start a new row there, its
    first cell unguarded."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _display(column: Col, value: Any) -> str:
    """A value as the readable table shows it: a share as its column's percent, a number
    with thousands separated, true as the column's word."""
    if value is None:
        return "–"
    if column.percent and isinstance(value, float):
        if 0 < abs(value) < 0.01 and column.percent == ".0%":
            return format(value, ".1%")  # 0.4 %, not 0 %
        return format(value, column.percent)
    if isinstance(value, bool):
        return column.yes if value else ""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return f"{value:,.{column.decimals}f}"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "–"
    return str(value)


def to_csv(columns: Sequence[Col], rows: Sequence[dict[str, Any]], hxl: bool = False) -> str:
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow([c.title for c in columns])
    if hxl:
        out.writerow([c.hxl for c in columns])
    for row in rows:
        out.writerow([_cell(row.get(c.key)) for c in columns])
    return buffer.getvalue()


def to_table(columns: Sequence[Col], rows: Sequence[dict[str, Any]], title: str = "") -> str:
    """A readable fixed-width table (right-aligned numbers)."""
    shown = [c for c in columns if c.in_table]
    cells = [[_display(c, r.get(c.key)) for c in shown] for r in rows]
    widths = [max([len(c.title), *(len(row[i]) for row in cells)]) for i, c in enumerate(shown)]
    numeric = [
        all(isinstance(r.get(c.key), int | float) or r.get(c.key) is None for r in rows)
        and not all(isinstance(r.get(c.key), bool) or r.get(c.key) is None for r in rows)
        for c in shown
    ]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ).rstrip()

    out = [title] if title else []
    out.append(line([c.title for c in shown]))
    out.append(line(["-" * w for w in widths]))
    out.extend(line(row) for row in cells)
    return "\n".join(out) + "\n"


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def presence_rows(summary: Any, names: int = 6) -> list[dict[str, Any]]:
    """One row per place of a ``WhoDoesWhatWhere``: organisations (those that reported
    activities, those listed as present), activities, people reached, organisations per sector,
    and the first ``names`` organisations."""
    out = []
    for place in summary.places:
        data = place.as_dict()
        shown = data["names"][:names]
        more = len(data["names"]) - len(shown)
        sectors = data["sectors"].items()
        out.append(
            {
                **{k: data[k] for k in ("pcode", "name", "organisations", "reported", "listed",
                                        "activities", "reached")},
                "sectors": ", ".join(
                    f"{s or 'inter-sector'} {c['organisations']}" for s, c in sectors
                ),
                "names": ", ".join(shown) + (f" and {more} more" if more else ""),
            }
        )  # fmt: skip
    return out


def items_text(items: Sequence[dict[str, Any]]) -> str:
    """A convoy's items in one cell: ``name (category) planned, arrived N, removed N by WHO``."""
    parts = []
    for item in items:
        text = f"{item['item']} ({item.get('category') or '-'})"
        if item.get("planned") is not None:
            text += f" {item['planned']:.0f}"
        if item.get("arrived") is not None:
            text += f", arrived {item['arrived']:.0f}"
        if item.get("removed"):
            by = f" by {item['removed_by']}" if item.get("removed_by") else ""
            text += f", removed {item['removed']:.0f}{by}"
        parts.append(text)
    return "; ".join(parts)
