"""Building a tag map for an untagged file: its headers, and a hashtag suggested for each.

A file without an HXL hashtag row needs a tag map (header text -> hashtag). The Import page
builds one with the person importing: it shows the file's headers (:func:`file_headers`), each
with the hashtag :func:`suggest` finds from the header's words (English, Arabic, German, French:
"Governorate" -> ``#adm1+name``, "Pcode" -> ``#adm1+code``, "Organisation" -> ``#org+name``,
"Beneficiaries" -> ``#reached``), and offers every hashtag lagebild reads (:func:`known_tags`,
taken from the patterns the recognition of each kind uses, so the list cannot drift from what
is read).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from lagebild.ingest.columns import ROLE_TABLES
from lagebild.ingest.read import ANY_HEADER, open_table

#: Levels of places by the words headers name them with, finest first where words overlap
#: ("sub-district" before "district").
_LEVELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("adm5", ("neighbourhood", "neighborhood", "neighbourhoods", "حي", "الحي", "quartier",
              "stadtviertel", "viertel", "adm5", "admin5")),
    ("adm3", ("sub district", "subdistrict", "sub-district", "nahya", "nahiya", "ناحية",
              "الناحية", "sous district", "sous-district", "unterbezirk", "adm3", "admin3")),
    ("adm1", ("governorate", "governorates", "gov", "mohafaza", "muhafaza", "province",
              "محافظة", "المحافظة", "gouvernorat", "provinz", "gouvernement", "adm1", "admin1",
              "region", "state")),
    ("adm2", ("district", "mantika", "mantiqa", "منطقة", "المنطقة", "bezirk", "adm2", "admin2")),
    ("adm4", ("community", "village", "town", "city", "locality", "settlement", "populated place",
              "مجتمع", "قرية", "مدينة", "البلدة", "gemeinde", "ortschaft", "dorf", "stadt",
              "communauté", "localité", "ville", "adm4", "admin4")),
    ("country", ("country", "بلد", "البلد", "دولة", "land", "pays")),
)  # fmt: skip

_CODE = ("pcode", "p-code", "p code", "code", "رمز", "كود", "الرمز")
_ARABIC = ("arabic", "عربي", "بالعربية", "arabisch", "arabe", "_ar", " ar")
#: Headers of counts ("# of ...", "No. of ...", "عدد ..."): no name of a place.
_COUNT = ("#", "no", "number of", "nb", "anzahl", "عدد")
#: Codes of camps, sites, markets and the like: no P-codes of places, nothing suggested.
_NOT_PLACES = ("camp", "camps", "site", "sites", "market", "facility", "مخيم", "موقع", "lager")
#: Headers that begin with one of these words are dates.
_DATES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("#date+start", ("start date", "start", "from", "تاريخ البدء", "beginn", "début")),
    ("#date+end", ("end date", "end", "to", "تاريخ الانتهاء", "ende", "fin")),
    ("#date", ("date", "month", "التاريخ", "تاريخ", "الشهر", "datum", "monat", "mois")),
)

#: Other headers by their words: the first rule with a word in the header wins.
_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("#org+reporting", ("reporting", "reporting organisation", "المبلغة")),
    ("#org+impl", ("implementing", "implementing partner", "المنفذ", "durchführend")),
    ("#org+funder", ("funding", "donor", "funder", "المانح", "الجهة المانحة", "geber",
                     "bailleur")),
    ("#org+name", ("organisation", "organization", "org", "partner", "agency", "ngo",
                   "منظمة", "المنظمة", "الشريك", "الجهة", "organisme", "partenaire", "träger")),
    ("#reached+hh", ("hh reached", "households reached", "households", "الأسر", "haushalte",
                     "ménages")),
    ("#reached+ind", ("individuals reached", "individuals", "الأفراد", "personen erreicht")),
    ("#reached", ("beneficiaries", "reached", "people reached", "persons reached",
                  "المستفيدين", "المستفيدون", "عدد المستفيدين", "begünstigte", "erreicht",
                  "bénéficiaires", "personnes atteintes")),
    ("#inneed", ("in need", "pin", "المحتاجين", "بحاجة", "bedürftige", "dans le besoin")),
    ("#targeted", ("targeted", "target", "المستهدفين", "zielgruppe", "ciblés", "cible")),
    ("#affected", ("affected", "المتضررين", "betroffene", "affectés", "touchés")),
    ("#population", ("population", "السكان", "عدد السكان", "bevölkerung", "einwohner")),
    ("#sector", ("sector", "cluster", "القطاع", "قطاع", "sektor", "secteur")),
    ("#activity", ("activity", "activities", "النشاط", "نشاط", "aktivität", "activité")),
    ("#delivery", ("modality", "الطريقة", "modalität", "modalité")),
    ("#status", ("status", "الحالة", "statut")),
    ("#access", ("access", "الوصول", "zugang", "accès")),
    ("#geo+lat", ("latitude", "lat", "خط العرض", "breitengrad")),
    ("#geo+lon", ("longitude", "lon", "long", "خط الطول", "längengrad")),
    ("#item+name", ("item", "المادة", "artikel", "article")),
    ("#meta+source", ("source", "المصدر", "quelle")),
)  # fmt: skip


def _words(header: str) -> str:
    """The header in lower case, accents kept, punctuation as spaces, padded with spaces."""
    text = unicodedata.normalize("NFKC", header).casefold()
    text = re.sub(r"[\s_/()\[\].,:;*-]+", " ", text)
    return f" {text.strip()} "


def _has(text: str, words: tuple[str, ...]) -> bool:
    return any(f" {w} " in text or (len(w) > 3 and w in text and not w.isascii()) for w in words)


def _starts(text: str, words: tuple[str, ...]) -> bool:
    return any(text.startswith(f" {w} ") for w in words)


def _place(text: str) -> str | None:
    code = _has(text, _CODE)
    if _has(text, _NOT_PLACES) or (not code and (_starts(text, _COUNT) or "#" in text)):
        return None
    for level, words in _LEVELS:
        if _has(text, words):
            if code:
                return f"#{level}+code"
            arabic = "+i_ar" if _has(text, _ARABIC) else ""
            return f"#{level}+name{arabic}"
    if code and _has(text, ("pcode", "p-code", "p code")):
        return "#adm1+code"
    return None


def suggest(header: str) -> str | None:
    """The hashtag a header's words suggest, or None."""
    text = _words(header)
    if text.rstrip().endswith("?"):
        return None  # a question asked of the partner: yes or no, nothing lagebild reads
    found = _place(text)
    if found is not None:
        return found
    if _has(text, _NOT_PLACES + ("female", "male", "women", "men", "boys", "girls")):
        return None  # a part of the people (or a site), which a tag map names by hand
    for tag, words in _DATES:
        if _starts(text, words) and (tag != "#date+end" or _has(text, ("date",)) or
                                     text.strip() in words):  # fmt: skip
            return tag
    if _has(text, ("usd", "dollar", "دولار")) and _has(text, ("amount", "value", "المبلغ")):
        return "#value+usd"
    for tag, words in _WORDS:
        if _has(text, words):
            return tag
    return None


@lru_cache(maxsize=1)
def known_tags() -> tuple[str, ...]:
    """Every hashtag lagebild reads, with the attributes a column needs, sorted."""
    found = {
        "#"
        + pattern.hashtag
        + "".join(f"+{a}" for a in sorted(pattern.must, key=lambda a: (a.startswith("i_"), a)))
        for table in ROLE_TABLES
        for patterns in table.values()
        for pattern in patterns
    }
    found |= {f"#{h}" for h in ("population", "inneed", "affected", "targeted", "reached")}
    return tuple(sorted(found))


def file_headers(
    path: Path, *, sheet: str | None = None, encoding: str | None = None
) -> list[str | None]:
    """The headers of an untagged table: of its first rows, the one with most cells filled
    (None for a column without a header). ``ReadError`` when the file cannot be read."""
    with open_table(path, sheet=sheet, encoding=encoding, tag_map=ANY_HEADER) as table:
        return [column.header for column in table.columns]


__all__ = ["file_headers", "known_tags", "suggest"]
