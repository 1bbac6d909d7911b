"""Vocabularies: administrative levels, access statuses, delivery statuses, indicators, sectors.

Partners write the same word many ways ("Completed", "done", "منجز"); each ``normalise_*``
function maps what a partner wrote to the one word lagebild stores, or ``None`` when it does not
know the word, so that the importer can report it with its row and column.

The words of sectors, statuses, access, convoy statuses, item categories, modalities and event
types are YAML files shipped beside this module (``vocabularies/*.yml``, one entry per code with
the words that mean it), read once; an import may extend them (:meth:`Vocabulary.extended`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from functools import cache
from importlib import resources

import yaml

from lagebild.errors import RefusedInput
from lagebild.messages import N_, Message


class Level(IntEnum):
    COUNTRY = 0
    ADM1 = 1
    ADM2 = 2
    ADM3 = 3
    ADM4 = 4
    ADM5 = 5


LEVELS: dict[str, int] = {
    "country": 0,
    "adm0": 0,
    "adm1": 1,
    "adm2": 2,
    "adm3": 3,
    "adm4": 4,
    "adm5": 5,
}


def level_name(level: int) -> str:
    return "country" if level == 0 else f"adm{level}"


def parse_level(text: str) -> int:
    """``adm3`` -> 3; raises ``ValueError`` naming the allowed words."""
    key = text.strip().lower()
    if key not in LEVELS:
        raise RefusedInput(f"unknown level {text!r}: use country or adm1 .. adm4")
    return LEVELS[key]


ACCESS_STATUSES = ("accessible", "hard_to_reach", "besieged")

#: The four statuses of a 4W row, and ``cancelled``; a row without a status is completed.
DELIVERY_STATUSES = ("planned", "completed", "partial", "denied", "cancelled")
#: Statuses whose people reached count in ``reached`` and ``last_delivery``.
DELIVERED_STATUSES = ("completed", "partial")

#: Figure indicators and what they mean.
INDICATORS: dict[str, str] = {
    "population": "population",
    "inneed": "people in need",
    "idps": "internally displaced people (a stock: displaced at a date)",
    # Flows over a period: never the stock, never added to it (#affected+idps+arrivals, ...).
    "idps_arrivals": "arrivals of displaced people (a flow over a period)",
    "idps_departures": "departures of displaced people (a flow over a period)",
    "idps_new": "new displacements (a flow over a period)",
    # The cause of a displacement (IDMC's +conflict, +disaster) is part of the indicator.
    "idps_conflict": "internally displaced people by conflict (a stock)",
    "idps_disaster": "internally displaced people by disasters (a stock)",
    "idps_new_conflict": "new displacements by conflict (a flow)",
    "idps_new_disaster": "new displacements by disasters (a flow)",
    "returnees": "returnees",
    "refugees": "refugees (a stock)",
    "refugees_arrivals": "arrivals of refugees (a flow over a period)",
    "refugees_departures": "departures of refugees (a flow over a period)",
    "refugees_new": "new refugees (a flow over a period)",
    "targeted": "people targeted",
    "affected": "people affected",
    # A number of people reached stated in a figures table (an HNO's #reached): not deliveries.
    "reached_figure": "people reached (as stated in a figures table)",
    "besieged": "people in besieged areas",
    "hard_to_reach": "people in hard-to-reach areas",
    # A share of the population stated beside a total ("13.5 million, three quarters of the
    # population"): percent, as the source gives it (#inneed+pct). Checked against the
    # population on record; never summed.
    "inneed_share": "share of the population in need (stated, %)",
    "idps_share": "share of the population displaced (stated, %)",
    "besieged_share": "share of the population besieged (stated, %)",
    "hard_to_reach_share": "share of the population in hard-to-reach areas (stated, %)",
}
#: Indicators that are shares, not counts of people: never summed over places.
SHARE_SUFFIX = "_share"


def _key(text: str) -> str:
    """Fold case, accents, Arabic diacritics and punctuation so that spellings compare equal."""
    text = unicodedata.normalize("NFKD", text.strip().lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch) and ch != "\u0640")
    text = text.replace("&", " and ")
    return re.sub(r"[\s_\-./:,;()'\u2019\"]+", " ", text).strip()


class VocabularyError(RefusedInput):
    """A vocabulary or an override file that is not a mapping of codes and words."""


@dataclass(frozen=True)
class Vocabulary:
    """The codes lagebild stores for one kind of word, and the words partners write for them.

    ``open`` vocabularies (sectors, modalities, event types) take new codes from an override;
    closed ones (statuses) only new words for their fixed codes.
    """

    name: str
    codes: tuple[str, ...]
    words: Mapping[str, str]  # folded word -> code
    open: bool = True

    def code(self, text: str) -> str | None:
        """The code a word means, or ``None`` when the vocabulary does not hold it."""
        return self.words.get(_key(text))

    def extended(self, mapping: Mapping[str, str]) -> Vocabulary:
        """This vocabulary with ``word -> code`` added or changed (an import's override).

        A code may be written as any word the vocabulary holds (``Foo: Food Security`` maps Foo
        to ``food``); a new code is taken only by an open vocabulary.
        """
        if not mapping:
            return self
        codes = list(self.codes)
        words = dict(self.words)
        for word, given in mapping.items():
            code = given if given in codes else self.words.get(_key(given), given)
            if code not in codes:
                if not self.open:
                    raise VocabularyError(
                        Message(
                            N_("%(word)s: %(given)s is not a %(vocabulary)s lagebild knows: "
                               "use %(codes)s"),
                            {"word": repr(word), "given": repr(given),
                             "vocabulary": _said(self.name),
                             "codes": ", ".join(c for c in self.codes if c)},
                        )
                    )  # fmt: skip
                codes.append(code)
            words[_key(word)] = code
        return Vocabulary(self.name, tuple(codes), words, self.open)


def parse_mapping(data: object, what: str) -> dict[str, str]:
    """``word -> code`` from either shape of a vocabulary file: ``code: [word, ...]`` (as the
    shipped files) or ``word: code`` (one word a line); both may mix in one file."""
    if not isinstance(data, dict) or not data:
        raise VocabularyError(
            Message(
                N_("%(what)s: write one entry a line, 'word: code', or a code and its words, "
                   "'code: [word, word]'"),
                {"what": what},
            )
        )  # fmt: skip
    out: dict[str, str] = {}
    quote = "quote words and codes YAML reads as something else (yes, no, on, off, numbers)"
    for key, value in data.items():
        key = "" if key is None else key
        if not isinstance(key, str):
            raise VocabularyError(f"{what}: {key!r} is not a word: {quote}")
        if isinstance(value, list):
            for word in value:
                if not isinstance(word, str) or not word.strip():
                    raise VocabularyError(f"{what}: {key!r} lists {word!r}, not a word: {quote}")
                out[word] = key
        elif key.strip() and isinstance(value, str | None):
            out[key] = (value or "").strip()
        else:
            raise VocabularyError(
                f"{what}: {key!r}: {value!r} is neither 'word: code' nor 'code: [words]' ({quote})"
            )
    return out


#: The vocabularies lagebild ships (``model/vocabularies/<name>.yml``) and whether an override
#: may add codes to them.
VOCABULARY_FILES: dict[str, bool] = {
    "sectors": True,
    "statuses": False,
    "convoy_statuses": False,
    "access": False,
    "item_categories": False,
    "modalities": True,
    "event_types": True,
}
#: The singular a message uses for a vocabulary.
#: The vocabularies' words as a reason names them.
_VOCABULARY_SAID = {
    "sector": N_("sector"),
    "status": N_("status"),
    "convoy status": N_("convoy status"),
    "access status": N_("access status"),
    "item category": N_("item category"),
    "modality": N_("modality"),
    "event type": N_("event type"),
}


def _said(name: str) -> Message | str:
    word = _VOCABULARY_SAID.get(name)
    return Message(word) if word else name


VOCABULARY_WORD = {
    "sectors": "sector",
    "statuses": "status",
    "convoy_statuses": "convoy status",
    "access": "access status",
    "item_categories": "item category",
    "modalities": "modality",
    "event_types": "event type",
}


@cache
def vocabulary(name: str) -> Vocabulary:
    """A vocabulary shipped with lagebild, read once."""
    source = resources.files("lagebild.model") / "vocabularies" / f"{name}.yml"
    mapping = parse_mapping(yaml.safe_load(source.read_text(encoding="utf-8")), f"{name}.yml")
    codes: list[str] = []
    words: dict[str, str] = {}
    for word, code in mapping.items():
        if code not in codes:
            codes.append(code)
            if code:
                words.setdefault(_key(code), code)
        earlier = words.get(_key(word))
        if earlier is not None and earlier != code:
            raise VocabularyError(f"{name}.yml: {word!r} is both {earlier!r} and {code!r}")
        words[_key(word)] = code
    return Vocabulary(VOCABULARY_WORD[name], tuple(codes), words, VOCABULARY_FILES[name])


def normalise_status(text: str | None) -> str | None:
    """The delivery status a partner's word means; blank means completed; ``None`` if unknown."""
    if text is None or not text.strip():
        return "completed"
    return vocabulary("statuses").code(text)


def normalise_access(text: str | None) -> str | None:
    """The access status a word means, or ``None`` if unknown (blank is unknown too)."""
    if text is None or not text.strip():
        return None
    return vocabulary("access").code(text)


def sector_code(text: str | None) -> str | None:
    """The sector code a word means (``""`` for inter-sector or blank), or ``None`` when the
    shipped vocabulary does not hold it."""
    if text is None or not text.strip():
        return ""
    return vocabulary("sectors").code(text)


def normalise_sector(text: str | None) -> str:
    """The sector code a name means; ``""`` stands for inter-sector (``ALL``, intersectoral, or
    no sector given).

    An unknown name is kept, folded, so that a sector an override brought in can be matched
    (:func:`query_sector`); an import refuses unknown names (:func:`sector_code`).
    """
    found = sector_code(text)
    if found is not None:
        return found
    return _key(text or "").replace(" ", "_")


def query_sector(text: str, known: Iterable[str]) -> str | None:
    """The sector a query (``--sector``, ``?sector=``) names: a word of the shipped vocabulary,
    or a sector the data holds (one an import's override brought in), matched folded; None for
    anything else, which the front ends refuse rather than answer with an empty table."""
    found = sector_code(text)
    if found is not None:
        return found
    folded = normalise_sector(text)
    return next((s for s in known if text == s or folded == normalise_sector(s)), None)


def sector_choices(known: Iterable[str]) -> list[str]:
    """The sectors a query may name: the shipped ones, then those only the data holds."""
    shipped = [c for c in vocabulary("sectors").codes if c]
    return [*shipped, *sorted(set(known) - set(shipped))]


def is_sector_word(text: str) -> bool:
    """True when an HXL attribute such as ``+food`` names a known sector."""
    return sector_code(text) is not None and bool(text.strip())


#: The sector codes of the shipped vocabulary (inter-sector, "", not among them).
SECTORS = tuple(c for c in vocabulary("sectors").codes if c)


#: Kinds of source, in the words of the source register.
SOURCE_KINDS: dict[str, str] = {
    "un_agency": "UN agency",
    "ngo": "non-governmental organisation",
    "cluster": "cluster or working group",
    "government": "government",
    "party_to_conflict": "party to the conflict",
    "first_responders": "first responders",
    "media": "media",
    "individual": "individual",
}
_KIND_WORDS: dict[str, tuple[str, ...]] = {
    "un_agency": ("un", "un agency", "united nations"),
    "ngo": ("ngo", "ingo", "non governmental organisation", "non governmental organization"),
    "cluster": ("cluster", "working group", "sector"),
    "government": ("government", "gov", "authority", "authorities"),
    "party_to_conflict": ("party to conflict", "party", "armed group"),
    "first_responders": ("first responders", "first responder", "civil defence"),
    "media": ("media", "news", "press"),
    "individual": ("individual", "person", "eyewitness"),
}
_KIND = {_key(w): k for k, words in _KIND_WORDS.items() for w in (k, *words)}

#: Names people use for figure indicators (``situation`` columns) and the stored indicator.
INDICATOR_NAMES: dict[str, str] = {
    "people_in_need": "inneed",
    "displaced": "idps",
    "arrivals": "idps_arrivals",
    "departures": "idps_departures",
    "new_displacements": "idps_new",
    # HDX HAPI's population_status codes (humanitarian needs): affected, in need, targeted,
    # reached.
    "aff": "affected",
    "inn": "inneed",
    "tgt": "targeted",
    "rea": "reached_figure",
    **{code: code for code in INDICATORS},
}


def normalise_source_kind(text: str) -> str | None:
    """The source kind a word means (``UN agency`` -> ``un_agency``), or ``None`` if unknown."""
    return _KIND.get(_key(text))


def normalise_indicator(text: str) -> str | None:
    """The stored indicator of a name (``people_in_need`` -> ``inneed``), or ``None``."""
    return INDICATOR_NAMES.get(text.strip().lower())


# -- convoys ----------------------------------------------------------------------------------

#: The life of an inter-agency convoy: requested, then approved, partly approved or denied,
#: then (when approved) delivered.
CONVOY_STATUSES = ("requested", "approved", "partly_approved", "denied", "delivered")
#: Statuses a convoy may move to from each status (``lagebild convoy decide`` / ``deliver``).
CONVOY_NEXT: dict[str, tuple[str, ...]] = {
    "requested": ("approved", "partly_approved", "denied"),
    "approved": ("delivered",),
    "partly_approved": ("delivered",),
    "denied": (),
    "delivered": (),
}


def normalise_convoy_status(text: str | None) -> str | None:
    """The convoy status a word means (``Partially approved`` -> ``partly_approved``), or
    ``None`` when the word is unknown or blank."""
    if text is None or not text.strip():
        return None
    return vocabulary("convoy_statuses").code(text)


#: Categories of convoy items. ``medical`` is what the share of medical items removed counts.
ITEM_CATEGORIES = (
    "medical",
    "food",
    "nutrition",
    "nfi",
    "shelter",
    "wash",
    "education",
    "protection",
    "other",
)


def normalise_item_category(text: str | None) -> str | None:
    """The category a word means (``Health`` -> ``medical``); ``""`` for a blank, ``None`` when
    the word is unknown."""
    if text is None or not text.strip():
        return ""
    return vocabulary("item_categories").code(text)
