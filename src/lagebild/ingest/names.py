"""Place names as keys that match across spellings, scripts and transliterations.

A conflict event names its place as the reporter heard it: ``Idlib`` or ``Idleb``, ``Halab`` or
``حلب``, ``Dayr az Zawr`` or ``Deir-ez-Zor``. :func:`name_key` turns a name into a key in which such
spellings meet, and :data:`ALTERNATIVE_NAMES` lists, by P-code, the spellings no rule can derive
(``Halab`` is Aleppo). The fuzzy matching on top of the keys is in :mod:`lagebild.ingest.placing`.

Arabic is normalised as Arabic search engines do:

- the alef forms ``أ إ آ ٱ`` are ``ا``; taa marbuta ``ة`` is ``ه``; alef maqsura ``ى`` is ``ي``;
  hamza on waw ``ؤ`` is ``و`` and on yaa ``ئ`` is ``ي``; Persian ``ی ک`` are ``ي ك``;
- tatweel ``ـ``, the harakat (fatha, damma, kasra, tanwin, shadda, sukun) and the superscript
  alef are removed;
- the article ``ال`` at the start of a word is removed, and the word ``مركز`` ("centre of", as
  in ``مركز إدلب``, the district of Idleb city).

Latin script: lower case, accents removed (``Ḥalab`` is ``halab``), apostrophes and ʿayn/hamza
marks removed (``Dar'a`` is ``dara``), hyphens, underscores, dots, commas and brackets are spaces,
the articles ``al el ad ar as at az an ash ed er es et ez en il ul`` removed as words (``Deir ez
Zor`` and ``Deir-ez-Zor`` are ``deir zor``; ``Al-Hasakeh`` is ``hasakeh``), doubled letters
single (``Raqqa`` is ``raqa``, ``Lattakia`` is ``latakia``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ALEF = str.maketrans(
    {
        "\u0623": "\u0627",  # أ
        "\u0625": "\u0627",  # إ
        "\u0622": "\u0627",  # آ
        "\u0671": "\u0627",  # ٱ
        "\u0629": "\u0647",  # ة -> ه
        "\u0649": "\u064a",  # ى -> ي
        "\u0624": "\u0648",  # ؤ -> و
        "\u0626": "\u064a",  # ئ -> ي
        "\u06cc": "\u064a",  # Persian yeh -> ي
        "\u06a9": "\u0643",  # keheh -> ك
    }
)
#: Tatweel, the harakat and Quranic marks, the superscript alef.
_ARABIC_MARKS = re.compile("[\u0640\u064b-\u065f\u0670\u06d6-\u06ed]")
_ARABIC_LETTER = re.compile("[\u0621-\u064a]")
_SEPARATORS = re.compile(r"[\s\-_.,;:/()\[\]{}\"“”«»]+")
_APOSTROPHES = re.compile("['`´‘’ʿʾʼ]")
_ARTICLES = frozenset("al el ad ar as at az an ash ed er es et ez en il ul".split())
_ARABIC_STOP = frozenset({"مركز"})
_DOUBLED = re.compile(r"([a-z])\1+")


def normalise_arabic(text: str) -> str:
    """Arabic letters in one form each, without tatweel and diacritics (see the module text)."""
    return _ARABIC_MARKS.sub("", unicodedata.normalize("NFC", text).translate(_ALEF))


@lru_cache(maxsize=200_000)
def name_key(text: str | None) -> str:
    """The key of a name: spellings of one place that differ only as the module text says give
    the same key. Empty for a blank name."""
    if not text:
        return ""
    text = normalise_arabic(text.strip())
    text = _APOSTROPHES.sub("", text)
    # Latin accents go; Arabic letters are left alone (NFKD would split the lam-alef ligatures).
    latin = "".join(
        c
        for c in unicodedata.normalize("NFKD", text)
        if not unicodedata.combining(c) or _ARABIC_LETTER.match(c)
    )
    words = []
    for word in _SEPARATORS.split(latin.casefold()):
        if not word or word in _ARTICLES or word in _ARABIC_STOP:
            continue
        if word.startswith("\u0627\u0644") and len(word) > 3:  # ال
            word = word[2:]
        words.append(_DOUBLED.sub(r"\1", word))
    return " ".join(words)


def is_arabic(text: str) -> bool:
    return bool(_ARABIC_LETTER.search(text))


#: Spellings of Syria's governorates, main cities and districts that no normalisation rule
#: derives: other transliterations (ACLED's, the older UN ones, the Arabic of the name), by
#: P-code. Authored for lagebild; the gazetteer's own English and Arabic names come on top.
ALTERNATIVE_NAMES: dict[str, tuple[str, ...]] = {
    # governorates
    "SY01": ("Damascus", "Dimashq", "Damas", "Damaskus", "Sham", "Ash Sham", "دمشق", "الشام"),
    "SY02": ("Aleppo", "Halab", "Haleb", "Alep", "حلب"),
    "SY03": (
        "Rural Damascus",
        "Rif Dimashq",
        "Reef Damascus",
        "Damascus Countryside",
        "Rif Damascus",
        "ريف دمشق",
    ),
    "SY04": ("Homs", "Hims", "Emesa", "حمص"),
    "SY05": ("Hama", "Hamah", "Hamat", "حماة", "حماه"),
    "SY06": ("Lattakia", "Latakia", "Al Ladhiqiyah", "Ladhiqiyah", "Laodicea", "اللاذقية"),
    "SY07": ("Idleb", "Idlib", "Edlib", "إدلب", "ادلب"),
    "SY08": (
        "Al-Hasakeh",
        "Al Hasakah",
        "Hasakah",
        "Hasaka",
        "Hassakeh",
        "Al-Hassakeh",
        "Jazira",
        "الحسكة",
    ),
    "SY09": (
        "Deir-ez-Zor",
        "Deir ez Zor",
        "Deir ez-Zor",
        "Deir Ezzor",
        "Dayr az Zawr",
        "Deir al-Zour",
        "Deir Ezzour",
        "Deir el-Zor",
        "Dair Alzour",
        "دير الزور",
    ),
    "SY10": ("Tartous", "Tartus", "Tartouss", "Tortosa", "طرطوس"),
    "SY11": ("Ar-Raqqa", "Raqqa", "Ar Raqqah", "Rakka", "Raqqah", "الرقة"),
    "SY12": ("Dar'a", "Daraa", "Dara", "Deraa", "درعا"),
    "SY13": ("As-Sweida", "As Suwayda", "Sweida", "Suwayda", "Suwaida", "Sweyda", "السويداء"),
    "SY14": ("Quneitra", "Al Qunaytirah", "Qunaytirah", "Kuneitra", "Quneitera", "القنيطرة"),
    # cities (communities) and the districts named after them
    "C1001": ("Damascus city", "Dimashq", "Damascus"),
    "C1007": ("Aleppo", "Aleppo city", "Halab", "حلب"),
    "SY0200": ("Jebel Saman", "Jabal Saman", "Jabal Sam'an", "Mount Simeon", "جبل سمعان"),
    "SY0204": ("A'zaz", "Azaz", "Aazaz", "Izaz", "اعزاز"),
    "SY0205": ("Menbij", "Manbij", "Membij", "منبج"),
    "SY0206": ("Ain Al Arab", "Ayn al Arab", "Kobani", "Kobane", "Kobanî", "عين العرب", "كوباني"),
    "SY0302": ("Duma", "Douma", "دوما"),
    "SY0309": ("Darayya", "Daraya", "Daria", "داريا"),
    "SY0405": ("Tadmor", "Palmyra", "Tadmur", "تدمر"),
    "SY0702": (
        "Al Ma'ra",
        "Maarat al-Numan",
        "Ma'arrat an Nu'man",
        "Maarat Al Noman",
        "معرة النعمان",
    ),
    "SY0704": (
        "Jisr-Ash-Shugur",
        "Jisr al-Shughur",
        "Jisr ash Shughur",
        "Jisr Al-Shughour",
        "جسر الشغور",
    ),
    "SY0802": ("Quamishli", "Qamishli", "Al Qamishli", "Qamishlo", "Kamishli", "القامشلي"),
    "SY0902": ("Abu Kamal", "Al Bukamal", "Albukamal", "Bukamal", "البوكمال"),
    "SY0903": ("Al Mayadin", "Mayadin", "Mayadeen", "الميادين"),
    "SY1102": ("Tell Abiad", "Tal Abyad", "Tell Abyad", "Girê Spî", "تل أبيض"),
    "SY1103": ("Ath-Thawrah", "Al Thawrah", "Tabqa", "Al-Tabqa", "الثورة", "الطبقة"),
}
