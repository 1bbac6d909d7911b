"""The vocabulary of the data in the reader's language: levels, access and delivery statuses,
sectors, indicators (``Words``), and the convoy statuses, event types, placing methods and damage
units (``WarWords``), for the web pages and the situation report alike. Each word is marked with
``N_`` so that ``scripts/i18n`` extracts it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lagebild.analysis.changes import describe, why
from lagebild.analysis.figures import FigureValue
from lagebild.messages import (
    ACCESS_WORDS,
    CONVOY_STATUS_WORDS,
    LEVEL_WORDS,
    SECTOR_WORDS,
    STATUS_WORDS,
)
from lagebild.model import Place
from lagebild.model.audit import Change
from lagebild.publish.language import Language


def N_(message: str) -> str:
    """Mark a message for the catalogs; it is translated where it is shown (``Words``)."""
    return message


LEVEL_PLURALS = {
    "adm1": N_("governorates"),
    "adm2": N_("districts"),
    "adm3": N_("sub-districts"),
    "adm4": N_("communities"),
}


INDICATOR_WORDS = {
    "population": N_("Population"),
    "inneed": N_("People in need"),
    "idps": N_("Internally displaced"),
    "returnees": N_("Returnees"),
    "besieged": N_("People in besieged areas"),
    "hard_to_reach": N_("People in hard-to-reach areas"),
}



MODALITY_WORDS = {
    "in_kind": N_("in kind"),
    "cash": N_("cash"),
    "cash_unrestricted": N_("cash, unrestricted"),
    "cash_restricted": N_("cash, restricted"),
    "voucher": N_("voucher"),
    "voucher_unrestricted": N_("voucher, unrestricted"),
    "voucher_restricted": N_("voucher, restricted"),
    "voucher_commodity": N_("commodity voucher"),
    "voucher_value": N_("value voucher"),
    "hybrid": N_("hybrid"),
    "service": N_("service"),
}

BASIS_WORDS = {
    "own": N_("the place's own figure"),
    "population of a place besieged on the date": N_("population of a place besieged on the date"),
    "population of a place hard-to-reach on the date": N_(
        "population of a place hard to reach on the date"
    ),
}


class Words:
    """The vocabulary of the data (levels, statuses, sectors, ...) in the page's language."""

    def __init__(self, lang: Language) -> None:
        self.lang = lang

    def _word(self, table: dict[str, str], key: str | None) -> str:
        if key is None:
            return "–"
        return self.lang.gettext(table[key]) if key in table else key

    def level(self, name: str) -> str:
        return self._word(LEVEL_WORDS, name)

    def levels(self, name: str) -> str:
        return self._word(LEVEL_PLURALS, name)

    def access(self, status: str | None) -> str:
        return self._word(ACCESS_WORDS, status)

    def indicator(self, name: str) -> str:
        return self._word(INDICATOR_WORDS, name)

    def sector(self, code: str | None) -> str:
        return self._word(SECTOR_WORDS, code or "")

    def status(self, name: str | None) -> str:
        return self._word(STATUS_WORDS, name)

    def modality(self, code: str | None) -> str:
        """A modality's word; one the vocabulary does not hold, as the partner wrote it."""
        return self._word(MODALITY_WORDS, code)

    def basis(self, value: FigureValue) -> str:
        if value.basis == "children":
            return self.lang.ngettext(
                "sum of %(num)s place below", "sum of %(num)s places below", value.children
            )
        return self._word(BASIS_WORDS, value.basis)

    def place(self, place: Place | None) -> str:
        if place is None:
            return "–"
        return self.lang.place_name(place.name_en, place.name_ar, place.pcode)

    def grade(self, reliability: str | None, credibility: int | None) -> str:
        if not reliability and not credibility:
            return self.lang.gettext("unrated")
        return f"{reliability or 'F'}{credibility or 6}"



#: ACLED's event types; others are shown as the data has them.
EVENT_TYPE_WORDS = {
    "Battles": N_("Battles"),
    "Explosions/Remote violence": N_("Explosions/Remote violence"),
    "Violence against civilians": N_("Violence against civilians"),
    "Protests": N_("Protests"),
    "Riots": N_("Riots"),
    "Strategic developments": N_("Strategic developments"),
}

#: HDX HAPI's event types of the conflict events it counts (``event_counts``): ACLED's types
#: grouped, violence against civilians in the first two.
COUNTED_EVENT_TYPE_WORDS = {
    "political_violence": N_("Political violence"),
    "civilian_targeting": N_("Civilian targeting"),
    "demonstration": N_("Demonstrations"),
}

#: ACLED's sub-event types; others are shown as the data has them.
SUB_EVENT_TYPE_WORDS = {
    "Armed clash": N_("Armed clash"),
    "Government regains territory": N_("Government regains territory"),
    "Non-state actor overtakes territory": N_("Non-state actor overtakes territory"),
    "Chemical weapon": N_("Chemical weapon"),
    "Air/drone strike": N_("Air/drone strike"),
    "Suicide bomb": N_("Suicide bomb"),
    "Shelling/artillery/missile attack": N_("Shelling/artillery/missile attack"),
    "Remote explosive/landmine/IED": N_("Remote explosive/landmine/IED"),
    "Grenade": N_("Grenade"),
    "Sexual violence": N_("Sexual violence"),
    "Attack": N_("Attack"),
    "Abduction/forced disappearance": N_("Abduction/forced disappearance"),
    "Peaceful protest": N_("Peaceful protest"),
    "Protest with intervention": N_("Protest with intervention"),
    "Excessive force against protesters": N_("Excessive force against protesters"),
    "Violent demonstration": N_("Violent demonstration"),
    "Mob violence": N_("Mob violence"),
    "Agreement": N_("Agreement"),
    "Arrests": N_("Arrests"),
    "Change to group/activity": N_("Change to group/activity"),
    "Disrupted weapons use": N_("Disrupted weapons use"),
    "Headquarters or base established": N_("Headquarters or base established"),
    "Looting/property destruction": N_("Looting/property destruction"),
    "Non-violent transfer of territory": N_("Non-violent transfer of territory"),
    "Other": N_("Other"),
}

PLACED_BY_WORDS = {
    "pcode": N_("by its P-code"),
    "polygon": N_("in a boundary"),
    "nearest": N_("nearest community"),
    "name": N_("by name"),
    "none": N_("not placed"),
}

UNIT_WORDS = {"buildings": N_("buildings"), "houses": N_("houses")}

DAMAGE_BASIS_WORDS = {
    "own": N_("its own assessment"),
    "children": N_("sum of the places below"),
    "own and children": N_("its own points and the places below"),
}


def change_lines(changes: list[Change], lang: Language) -> list[dict[str, Any]]:
    """The history's changes as a page shows them: what each did, and why, in its language."""
    lines = []
    for change in changes:
        reason = why(change)
        lines.append(
            {
                **change.as_dict(),
                "what": lang.message(describe(change)),
                "why": lang.message(reason) if reason is not None else None,
            }
        )
    return lines


class WarWords:
    """Convoy statuses, event types, placing methods and damage units in the page's language."""

    def __init__(self, gettext: Callable[[str], str]) -> None:
        self._ = gettext

    def _word(self, table: dict[str, str], key: str | None) -> str:
        if not key:
            return "–"
        return self._(table[key]) if key in table else key

    def convoy_status(self, key: str | None) -> str:
        return self._word(CONVOY_STATUS_WORDS, key)

    def event_type(self, key: str | None) -> str:
        return self._word(EVENT_TYPE_WORDS, key)

    def counted_event_type(self, key: str | None) -> str:
        """An event type of HDX HAPI's counts (``political_violence``, ...) in words."""
        return self._word(COUNTED_EVENT_TYPE_WORDS, key)

    def sub_event_type(self, key: str | None) -> str:
        return self._word(SUB_EVENT_TYPE_WORDS, key)

    def sub_event_type_names(self) -> dict[str, str]:
        """ACLED's sub-event types -> their names in the page's language (for the map)."""
        return {key: self._(word) for key, word in SUB_EVENT_TYPE_WORDS.items()}

    def event_type_names(self) -> dict[str, str]:
        """ACLED's event types -> their names in the page's language (for the map's script)."""
        return {key: self._(word) for key, word in EVENT_TYPE_WORDS.items()}

    def placed_by(self, key: str | None) -> str:
        return self._word(PLACED_BY_WORDS, key)

    def unit(self, key: str | None) -> str:
        return self._word(UNIT_WORDS, key)

    def basis(self, key: str | None) -> str:
        return self._word(DAMAGE_BASIS_WORDS, key)
