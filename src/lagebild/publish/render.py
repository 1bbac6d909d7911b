"""Results as tables, JSON, CSV and HXL: the same columns in every format."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lagebild.analysis import GapsResult, SituationResult
from lagebild.analysis.situation import COLUMNS
from lagebild.model import Place

FORMATS = ("table", "json", "csv", "hxl")


@dataclass(frozen=True)
class Col:
    key: str
    title: str
    hxl: str


def _level_tag(level: str, what: str) -> str:
    return f"#{level}+{what}" if level.startswith("adm") else f"#country+{what}"


def gap_columns(level: str) -> list[Col]:
    return [
        Col("pcode", "P-code", _level_tag(level, "code")),
        Col("name", "Name", _level_tag(level, "name")),
        Col("access", "Access", "#access"),
        Col("besieged_by", "Besieged by", "#group+besieging"),
        Col("people_in_need", "People in need", "#inneed"),
        Col("reached", "Reached", "#reached+ind"),
        Col("coverage", "Coverage", "#indicator+coverage"),
        Col("last_delivery", "Last delivery", "#date+delivery+last"),
        Col("days_without_aid", "Days without aid", "#indicator+days_without_aid"),
        Col("cut_off", "Cut off", "#status+cut_off"),
    ]


def gap_rows(result: GapsResult) -> list[dict[str, Any]]:
    return [r.as_dict() for r in result.places]


SITUATION_TAGS = {
    "population": "#population",
    "people_in_need": "#inneed",
    "displaced": "#affected+idps",
    "returnees": "#affected+returnees",
    "besieged": "#population+besieged",
    "hard_to_reach": "#population+hard_to_reach",
}


def situation_columns(level: str) -> list[Col]:
    cols = [
        Col("pcode", "P-code", _level_tag(level, "code")),
        Col("name", "Name", _level_tag(level, "name")),
        Col("access", "Access", "#access"),
    ]
    for key in COLUMNS:
        cols.append(Col(key, key.replace("_", " ").capitalize(), SITUATION_TAGS[key]))
        cols.append(Col(f"{key}_sources", "Sources", f"#meta+source+{key}"))
    cols.append(Col("reached", "Reached", "#reached+ind"))
    return cols


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
        rows.append(out)
    return rows


def place_columns() -> list[Col]:
    return [
        Col("pcode", "P-code", "#loc+code"),
        Col("level", "Level", "#meta+level"),
        Col("name_en", "Name", "#loc+name+i_en"),
        Col("name_ar", "Arabic name", "#loc+name+i_ar"),
        Col("parent", "Parent", "#loc+code+parent"),
        Col("valid_to", "Retired", "#date+valid_to"),
    ]


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


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if not value.is_integer() else f"{value:.0f}"
    return str(value)


def _display(key: str, value: Any) -> str:
    if value is None:
        return "–"
    if key == "coverage" and isinstance(value, float):
        return f"{value:.0%}"
    if isinstance(value, bool):
        return "CUT OFF" if value and key == "cut_off" else ("yes" if value else "")
    if isinstance(value, float | int) and not isinstance(value, bool):
        return f"{value:,.0f}"
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
    shown = [c for c in columns if not c.key.endswith("_sources")]
    cells = [[_display(c.key, r.get(c.key)) for c in shown] for r in rows]
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
