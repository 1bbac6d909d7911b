"""Results as tables, JSON, CSV and HXL: the same columns in every format."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lagebild.analysis import GapsResult, SituationResult
from lagebild.analysis.damage import DamageResult
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


def gap_columns(level: str, severity: bool = False) -> list[Col]:
    """The columns of ``gaps``; ranked by severity, its number and parts first."""
    ranked = [
        Col("severity", "Severity", "#severity"),
        Col("incidents", "Incidents", "#event+num"),
        Col("fatalities", "Fatalities", "#affected+killed"),
        Col("damage_total", "Damage total", "#damage+total"),
    ]
    return ([ranked[0]] if severity else []) + _gap_columns(level) + (
        ranked[1:] if severity else []
    )


def _gap_columns(level: str) -> list[Col]:
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
    rows = [r.as_dict() for r in result.places]
    for row in rows:
        totals = row.get("damage_total")
        if isinstance(totals, dict):  # per unit; houses and buildings are never added
            only = list(totals.values())
            row["damage_total"] = (
                only[0] if len(only) == 1 else "; ".join(f"{v:.0f} {u}" for u, v in totals.items())
            ) if only else None
    return rows


SITUATION_TAGS = {
    "population": "#population",
    "people_in_need": "#inneed",
    "displaced": "#affected+idps",
    "returnees": "#affected+returnees",
    "besieged": "#population+besieged",
    "hard_to_reach": "#population+hard_to_reach",
}


def situation_columns(level: str, damage_units: Sequence[str] = ()) -> list[Col]:
    """The columns of ``situation``; with ``damage_units`` (the result's), the damage of each."""
    cols = [
        Col("pcode", "P-code", _level_tag(level, "code")),
        Col("name", "Name", _level_tag(level, "name")),
        Col("access", "Access", "#access"),
    ]
    for key in COLUMNS:
        cols.append(Col(key, key.replace("_", " ").capitalize(), SITUATION_TAGS[key]))
        cols.append(Col(f"{key}_sources", "Sources", f"#meta+source+{key}"))
    cols.append(Col("reached", "Reached", "#reached+ind"))
    cols.append(Col("incidents", "Incidents", "#event+num"))
    cols.append(Col("fatalities", "Fatalities", "#affected+killed"))
    for unit in damage_units:
        cols.append(Col(f"destroyed_{unit}", f"Destroyed {unit}", f"#damage+destroyed+{unit}"))
        cols.append(Col(f"damage_total_{unit}", f"Damaged {unit}", f"#damage+total+{unit}"))
        cols.append(
            Col(f"share_destroyed_{unit}", "Share destroyed", f"#indicator+share+destroyed+{unit}")
        )
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
        out["incidents"] = row.incidents.events
        out["fatalities"] = row.incidents.fatalities
        for unit, share in row.damage.items():
            out[f"destroyed_{unit}"] = share.value.destroyed
            out[f"damage_total_{unit}"] = share.value.total
            out[f"share_destroyed_{unit}"] = share.share_destroyed
        rows.append(out)
    return rows


def damage_columns(level: str) -> list[Col]:
    """``lagebild damage``: a place's current damage in one unit and its national shares."""
    return [
        Col("pcode", "P-code", _level_tag(level, "code")),
        Col("name", "Name", _level_tag(level, "name")),
        Col("unit", "Unit", "#meta+unit"),
        Col("destroyed", "Destroyed", "#damage+destroyed"),
        Col("severe", "Severe", "#damage+severe"),
        Col("moderate", "Moderate", "#damage+moderate"),
        Col("total", "Damage total", "#damage+total"),
        Col("possible", "Possible", "#damage+possible"),
        Col("share_destroyed", "Share destroyed", "#indicator+share+destroyed"),
        Col("share_total", "Share total", "#indicator+share+total"),
        Col("date", "Assessed", "#date+assessed"),
        Col("sources", "Sources", "#meta+source"),
    ]


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


def damage_change_columns(level: str) -> list[Col]:
    """``lagebild damage --changes``: damage on two successive dates and the change."""
    cols = [
        Col("pcode", "P-code", _level_tag(level, "code")),
        Col("name", "Name", _level_tag(level, "name")),
        Col("unit", "Unit", "#meta+unit"),
        Col("date_before", "From", "#date+start"),
        Col("date_after", "To", "#date+end"),
    ]
    for key in ("destroyed", "severe", "moderate", "total", "possible"):
        cols.append(Col(f"{key}_before", f"{key.capitalize()} before", f"#damage+{key}+before"))
        cols.append(Col(key, key.capitalize(), f"#damage+{key}"))
        cols.append(Col(f"{key}_change", "Change", f"#damage+{key}+change"))
    return cols


def convoy_stats_columns(level: str | None) -> list[Col]:
    """The columns of ``lagebild convoy stats`` (and ``/api/convoys/stats``)."""
    where = level if level and level.startswith("adm") else "loc"
    return [
        Col("period", "Period", "#date+period"),
        Col("pcode", "P-code", f"#{where}+code"),
        Col("name", "Name", f"#{where}+name"),
        Col("access", "Access", "#access"),
        Col("requested", "Requested", "#convoy+requested+num"),
        Col("approved", "Approved", "#convoy+approved+num"),
        Col("partly_approved", "Partly", "#convoy+approved+partly+num"),
        Col("denied", "Denied", "#convoy+denied+num"),
        Col("pending", "Pending", "#convoy+pending+num"),
        Col("delivered", "Delivered", "#convoy+delivered+num"),
        Col("share_denied", "Denied %", "#indicator+denied+pct"),
        Col("planned_people", "People planned", "#targeted"),
        Col("reached", "Reached", "#reached+ind"),
        Col("share_reached", "Of planned", "#indicator+reached+targeted+pct"),
        Col("share_medical_removed", "Medical removed", "#indicator+medical+removed+pct"),
        Col("population", "Population", "#population"),
        Col("share_population_reached", "Of population", "#indicator+reached+population+pct"),
    ]


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


def _display(key: str, value: Any) -> str:
    if value is None:
        return "–"
    if key == "coverage" and isinstance(value, float):
        return f"{value:.0%}"
    if key.startswith("share_") and isinstance(value, float):
        return f"{value:.1%}"
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


def presence_columns(level: str) -> list[Col]:
    """The columns of ``lagebild presence`` (who does what where): computed, not input data."""
    return [
        Col("pcode", "P-code", _level_tag(level, "code")),
        Col("name", "Name", _level_tag(level, "name")),
        Col("organisations", "Organisations", "#org+num"),
        Col("sectors", "Organisations by sector", "#sector+list"),
        Col("names", "Who", "#org+list"),
    ]


def presence_rows(summary: Any, names: int = 6) -> list[dict[str, Any]]:
    """One row per place: organisations, per sector, and the first ``names`` organisations."""
    out = []
    for place in summary.places:
        data = place.as_dict()
        shown = data["names"][:names]
        more = len(data["names"]) - len(shown)
        sectors = data["sectors"].items()
        out.append(
            {
                "pcode": data["pcode"],
                "name": data["name"],
                "organisations": data["organisations"],
                "sectors": ", ".join(f"{s or 'inter-sector'} {n}" for s, n in sectors),
                "names": ", ".join(shown) + (f" and {more} more" if more else ""),
            }
        )
    return out


def damage_list_columns() -> list[Col]:
    """``lagebild damage --list``: each damage row as stored, in the shape it imports back."""
    return [
        Col("pcode", "P-code", "#loc+code"),
        Col("site", "Site", "#loc+name"),
        Col("date", "Assessed", "#date+assessed"),
        Col("unit", "Unit", "#meta+unit"),
        Col("damage_class", "Class", "#damage+class"),
        Col("destroyed", "Destroyed", "#damage+destroyed"),
        Col("severe", "Severe", "#damage+severe"),
        Col("moderate", "Moderate", "#damage+moderate"),
        Col("possible", "Possible", "#damage+possible"),
        Col("lat", "Latitude", "#geo+lat"),
        Col("lon", "Longitude", "#geo+lon"),
        Col("source", "Source", "#meta+source"),
        Col("file_name", "File", "#meta+file"),
        Col("row_number", "Row", "#meta+row"),
    ]
