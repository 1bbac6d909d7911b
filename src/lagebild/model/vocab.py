"""Vocabularies: administrative levels, access statuses, delivery statuses, indicators, sectors.

Partners write the same word many ways ("Completed", "done", "منجز"); each ``normalise_*``
function maps what a partner wrote to the one word lagebild stores, or ``None`` when it does not
know the word, so that the importer can report it with its row and column.
"""

from __future__ import annotations

import re
import unicodedata
from enum import IntEnum


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
        raise ValueError(f"unknown level {text!r}: use country or adm1 .. adm4")
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
    return re.sub(r"[\s_\-./]+", " ", text).strip()


_STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "completed": (
        "completed",
        "complete",
        "done",
        "finished",
        "delivered",
        "closed",
        "achieved",
        "distributed",
        "abgeschlossen",
        "erledigt",
        "geliefert",
        "fertig",
        "termine",
        "termine e",
        "realise",
        "منجز",
        "مكتمل",
        "منتهي",
        "تم",
        "تم التسليم",
        "مكتملة",
        "منفذ",
    ),
    "partial": (
        "partial",
        "partially completed",
        "partly completed",
        "partially delivered",
        "ongoing",
        "on going",
        "in progress",
        "active",
        "running",
        "teilweise",
        "laufend",
        "in bearbeitung",
        "en cours",
        "partiel",
        "جزئي",
        "قيد التنفيذ",
        "جاري",
        "مستمر",
    ),
    "planned": (
        "planned",
        "plan",
        "pipeline",
        "proposed",
        "pending",
        "scheduled",
        "not started",
        "geplant",
        "vorgesehen",
        "prevu",
        "planifie",
        "مخطط",
        "مخطط له",
        "مقترح",
    ),
    "denied": (
        "denied",
        "rejected",
        "refused",
        "blocked",
        "not approved",
        "verweigert",
        "abgelehnt",
        "refuse",
        "bloque",
        "مرفوض",
        "ممنوع",
        "رفض",
    ),
    "cancelled": (
        "cancelled",
        "canceled",
        "suspended",
        "storniert",
        "abgesagt",
        "annule",
        "ملغى",
        "ملغي",
    ),
}
_STATUS = {_key(w): status for status, words in _STATUS_WORDS.items() for w in words}


def normalise_status(text: str | None) -> str | None:
    """The delivery status a partner's word means; blank means completed; ``None`` if unknown."""
    if text is None or not text.strip():
        return "completed"
    return _STATUS.get(_key(text))


_ACCESS_WORDS: dict[str, tuple[str, ...]] = {
    "accessible": (
        "accessible",
        "access",
        "open",
        "reachable",
        "zugaenglich",
        "erreichbar",
        "يمكن الوصول",
        "متاح",
        "سهل الوصول",
    ),
    "hard_to_reach": (
        "hard to reach",
        "hard-to-reach",
        "htr",
        "hard",
        "difficult",
        "schwer erreichbar",
        "schwer zu erreichen",
        "difficile d acces",
        "difficile",
        "صعب الوصول",
        "يصعب الوصول",
    ),
    "besieged": (
        "besieged",
        "under siege",
        "siege",
        "belagert",
        "assiege",
        "محاصر",
        "محاصرة",
        "تحت الحصار",
    ),
}
_ACCESS = {_key(w): status for status, words in _ACCESS_WORDS.items() for w in words}


def normalise_access(text: str | None) -> str | None:
    """The access status a word means, or ``None`` if unknown (blank is unknown too)."""
    if text is None or not text.strip():
        return None
    return _ACCESS.get(_key(text))


#: Cluster codes of the humanitarian system and the ways partners name them.
_SECTOR_WORDS: dict[str, tuple[str, ...]] = {
    "food": (
        "food",
        "food security",
        "fss",
        "fsl",
        "food security and livelihoods",
        "fsa",
        "food security and agriculture",
        "nahrung",
        "ernaehrungssicherheit",
        "lebensmittel",
        "securite alimentaire",
        "الأمن الغذائي",
        "الامن الغذائي",
        "غذاء",
    ),
    "health": ("health", "gesundheit", "sante", "الصحة", "صحة"),
    "wash": (
        "wash",
        "water sanitation and hygiene",
        "water sanitation hygiene",
        "water",
        "wasser",
        "eau hygiene et assainissement",
        "المياه والصرف الصحي",
        "مياه",
    ),
    "shelter": (
        "shelter",
        "shelter nfi",
        "shelter and nfi",
        "snfi",
        "unterkunft",
        "abris",
        "المأوى",
        "مأوى",
    ),
    "nfi": ("nfi", "non food items", "non-food items", "core relief items", "مواد غير غذائية"),
    "protection": ("protection", "schutz", "الحماية", "حماية"),
    "education": ("education", "bildung", "التعليم", "تعليم"),
    "nutrition": ("nutrition", "ernaehrung", "التغذية", "تغذية"),
    "cccm": (
        "cccm",
        "camp coordination and camp management",
        "camp management",
        "camps",
        "تنسيق وإدارة المخيمات",
    ),
    "erl": (
        "erl",
        "early recovery",
        "early recovery and livelihoods",
        "livelihoods",
        "wiederaufbau",
        "التعافي المبكر",
        "التعافي المبكر وسبل العيش",
    ),
    "logistics": ("logistics", "logistik", "اللوجستيات"),
    "cash": (
        "cash",
        "mpc",
        "multipurpose cash",
        "multi purpose cash",
        "multipurpose",
        "multipurpose one time",
        "multipurpose cash assistance",
        "mpca",
        "bargeld",
        "النقد",
        "نقد متعدد الأغراض",
    ),
}
SECTORS = tuple(_SECTOR_WORDS)
_SECTOR = {_key(w): code for code, words in _SECTOR_WORDS.items() for w in words}


def normalise_sector(text: str | None) -> str:
    """The cluster code a sector name means; an unknown name is kept, folded, as its own sector.

    The empty string stands for inter-sector (no sector given).
    """
    if text is None or not text.strip():
        return ""
    key = _key(text)
    if key in _SECTOR:
        return _SECTOR[key]
    first = re.split(r"\s*(?:-|–|:|\()\s*", text.strip().lower())[0]
    if _key(first) in _SECTOR:
        return _SECTOR[_key(first)]
    return key.replace(" ", "_")


def is_sector_word(text: str) -> bool:
    """True when an HXL attribute such as ``+food`` names a known sector."""
    return _key(text) in _SECTOR


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
    **{code: code for code in INDICATORS},
}


def normalise_source_kind(text: str) -> str | None:
    """The source kind a word means (``UN agency`` -> ``un_agency``), or ``None`` if unknown."""
    return _KIND.get(_key(text))


def normalise_indicator(text: str) -> str | None:
    """The stored indicator of a name (``people_in_need`` -> ``inneed``), or ``None``."""
    return INDICATOR_NAMES.get(text.strip().lower())


# -- convoys (issue 5) ------------------------------------------------------------------------

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

_CONVOY_WORDS: dict[str, tuple[str, ...]] = {
    "requested": (
        "requested",
        "request",
        "submitted",
        "pending",
        "pending approval",
        "awaiting approval",
        "under review",
        "planned",
        "beantragt",
        "angefragt",
        "demande",
        "en attente",
        "مطلوب",
        "قيد الانتظار",
        "بانتظار الموافقة",
        "قيد الدراسة",
    ),
    "approved": (
        "approved",
        "fully approved",
        "approved in full",
        "cleared",
        "granted",
        "authorised",
        "authorized",
        "genehmigt",
        "bewilligt",
        "approuve",
        "autorise",
        "موافق عليه",
        "تمت الموافقة",
        "موافقة",
    ),
    "partly_approved": (
        "partly approved",
        "partially approved",
        "approved in part",
        "partial approval",
        "conditionally approved",
        "teilweise genehmigt",
        "approuve partiellement",
        "موافقة جزئية",
        "موافق عليه جزئيا",
    ),
    "denied": (
        "denied",
        "rejected",
        "refused",
        "not approved",
        "no approval",
        "approval withheld",
        "blocked",
        "verweigert",
        "abgelehnt",
        "refuse",
        "rejete",
        "مرفوض",
        "رفض",
        "ممنوع",
        "لم تتم الموافقة",
    ),
    "delivered": (
        "delivered",
        "completed",
        "complete",
        "done",
        "arrived",
        "reached",
        "geliefert",
        "angekommen",
        "livre",
        "تم التسليم",
        "وصلت",
        "منجز",
        "مكتمل",
    ),
}
_CONVOY = {_key(w): status for status, words in _CONVOY_WORDS.items() for w in words}


def normalise_convoy_status(text: str | None) -> str | None:
    """The convoy status a word means (``Partially approved`` -> ``partly_approved``), or
    ``None`` when the word is unknown or blank."""
    if text is None or not text.strip():
        return None
    return _CONVOY.get(_key(text))


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
_CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "medical": (
        "medical",
        "health",
        "medical supplies",
        "medicines",
        "medicine",
        "drugs",
        "surgical",
        "surgical supplies",
        "trauma kits",
        "pharmaceuticals",
        "medizinisch",
        "medikamente",
        "gesundheit",
        "medical supply",
        "medicaments",
        "sante",
        "طبي",
        "طبية",
        "مواد طبية",
        "أدوية",
        "ادوية",
        "الصحة",
        "صحة",
    ),
    "food": (
        "food",
        "food security",
        "food parcels",
        "wheat flour",
        "flour",
        "lebensmittel",
        "nahrung",
        "nourriture",
        "alimentaire",
        "غذاء",
        "غذائي",
        "مواد غذائية",
        "الأمن الغذائي",
    ),
    "nutrition": ("nutrition", "ernaehrung", "تغذية", "التغذية"),
    "nfi": (
        "nfi",
        "nfis",
        "non food items",
        "core relief items",
        "cri",
        "hilfsgueter",
        "articles non alimentaires",
        "مواد غير غذائية",
    ),
    "shelter": ("shelter", "shelter nfi", "unterkunft", "abris", "مأوى", "المأوى"),
    "wash": (
        "wash",
        "water",
        "hygiene",
        "hygiene kits",
        "water sanitation and hygiene",
        "wasser",
        "eau",
        "مياه",
        "نظافة",
        "المياه والصرف الصحي",
    ),
    "education": ("education", "school supplies", "bildung", "schulmaterial", "تعليم", "التعليم"),
    "protection": ("protection", "schutz", "حماية", "الحماية"),
    "other": ("other", "others", "misc", "miscellaneous", "sonstige", "autre", "أخرى", "اخرى"),
}
_CATEGORY = {_key(w): c for c, words in _CATEGORY_WORDS.items() for w in words}


def normalise_item_category(text: str | None) -> str | None:
    """The category a word means (``Health`` -> ``medical``); ``""`` for a blank, ``None`` when
    the word is unknown."""
    if text is None or not text.strip():
        return ""
    return _CATEGORY.get(_key(text))
