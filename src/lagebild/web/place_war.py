"""The place page's section on the war: the place's convoys, its recent incidents beside the
access status then, and its current damage, each with a link to the filtered list
(``web/convoys.py``, ``web/incidents.py``, ``web/damage.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fastapi import Request

from lagebild.analysis.access import AccessPeriod
from lagebild.analysis.damage import damage_shares
from lagebild.analysis.place import subtree_ids
from lagebild.model import Place, level_name
from lagebild.security import protocol as sharing
from lagebild.store.incidents import incident_list
from lagebild.web import auth
from lagebild.web.app import Context
from lagebild.web.convoys import convoy_rows
from lagebild.web.incidents import incident_view
from lagebild.web.listing import link

#: The place page lists the incidents of the last this many days up to its date.
PLACE_INCIDENT_DAYS = 90
PLACE_INCIDENTS = 20


@dataclass
class PlaceWar:
    """Convoys, recent incidents and damage of one place (and the places below it)."""

    convoys: list[dict[str, Any]]
    incidents: list[dict[str, Any]]
    incidents_total: int
    killed: dict[str, Any]  # {"fatalities": n, "suppressed": [...]}, as the reader may see it
    attacks_on_aid: int
    incidents_from: date
    access_then: list[AccessPeriod | None]  # the place's status on each incident's date
    damage: dict[str, Any]  # unit -> DamageShare
    links: dict[str, str]


def _period_on(periods: list[AccessPeriod], day: date) -> AccessPeriod | None:
    for period in periods:
        if period.valid_from <= day and (period.valid_to is None or day < period.valid_to):
            return period
    return None


def place_section(
    request: Request, ctx: Context, place: Place, when: date, periods: list[AccessPeriod]
) -> PlaceWar:
    """What the place page shows of the war: its convoys (requested up to its date), the
    incidents of the last 90 days up to it beside the access status then, and its current damage
    with the share of the national total; each with a link to the filtered list."""
    tree = ctx.tree()
    below = subtree_ids(tree, place)
    convoys = convoy_rows(request, ctx, place, None, None, when)
    since = when - timedelta(days=PLACE_INCIDENT_DAYS - 1)
    rows = incident_list(ctx.store, below, since, when, newest_first=True)
    shown = incident_view(request, ctx, rows[:PLACE_INCIDENTS])
    fatalities = sum(r.fatalities or 0 for r in rows)
    [total] = sharing.public_table(
        auth.principal_of(request), "incident_summary", [{"fatalities": fatalities}], ctx.protocol
    )
    shares = ctx.cached(("damage_shares", when), lambda: damage_shares(ctx.store, tree, when))
    return PlaceWar(
        convoys=convoys,
        incidents=shown,
        incidents_total=len(rows),
        killed=total,
        attacks_on_aid=sum(1 for r in rows if r.attack_on_aid),
        incidents_from=since,
        access_then=[_period_on(periods, r.date) for r in rows[:PLACE_INCIDENTS]],
        damage=shares[0].get(place.id, {}),
        links={
            "convoys": link("/convoys", {"pcode": place.pcode, "to": when.isoformat()}),
            "incidents": link(
                "/incidents",
                {"pcode": place.pcode, "from": since.isoformat(), "to": when.isoformat()},
            ),
            "damage": link(
                "/damage",
                {
                    "pcode": place.pcode,
                    "as_of": when.isoformat(),
                    "level": level_name(place.level),
                },
            ),
        },
    )


__all__ = ["PlaceWar", "place_section"]
