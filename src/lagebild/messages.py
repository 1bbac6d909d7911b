"""Words made below the web, to be read in the reader's language.

A part that is not a front end (the analysis, the import) does not translate: it says what it
means as a :class:`Message`, an English template with ``%(name)s`` placeholders and the values
that fill it. The command line reads ``str(message)``, the English sentence; the web translates
the template in the page's language (``lagebild.publish.language.Language.message``) and fills
it with numbers in the page's notation. A value may itself be a message (translated in turn) or
a tuple of messages (a list, joined the language's way), or a :class:`Code`: a code of the data
that reads as a word (``adm1``, ``hard_to_reach``), which the command line writes as the code and
the web as the word in its language with the code beside it.

``N_`` marks a template and ``Np_`` a singular and plural pair where they are written, so that
``scripts/i18n`` extracts them into the catalogs (babel.cfg names the modules that use them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Union

#: A value that fills a placeholder.
Value = Union[str, int, float, None, "Message", "Code", tuple["Message | Code | str", ...]]


def N_(template: str) -> str:
    """Mark a template for the catalogs; it is translated where it is shown."""
    return template


def Np_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a singular and plural pair for the catalogs (``%(num)s`` is the count)."""
    return singular, plural


@dataclass(frozen=True, slots=True)
class Message:
    """An English template, its values and, for a count, its plural: what a sentence means,
    before it is put into a language."""

    template: str
    values: Mapping[str, Value] = field(default_factory=dict)
    plural: str = ""  # the plural template; then ``values["num"]`` is the count

    @classmethod
    def count(cls, forms: tuple[str, str], num: int, **values: Value) -> Message:
        """A message whose wording depends on ``num`` (``Np_`` gives the ``forms``)."""
        return cls(forms[0], {"num": num, **values}, forms[1])

    @property
    def num(self) -> int | None:
        value = self.values.get("num") if self.plural else None
        return value if isinstance(value, int) else None

    def __str__(self) -> str:
        """The sentence in English, numbers with thousands separators."""
        template = self.plural if self.plural and self.num != 1 else self.template
        return template % {k: english(v) for k, v in self.values.items()}


@dataclass(frozen=True, slots=True)
class Code:
    """A code of the data that reads as a word: ``adm1`` (a governorate), ``hard_to_reach``.
    English writes the code, as a person types it; another language the word (``word``, an
    ``N_``-marked English word) translated, with the code beside it."""

    code: str
    word: str

    def __str__(self) -> str:
        return self.code

    def __format__(self, spec: str) -> str:
        return format(self.code, spec)


#: The words of the levels of places, by their codes.
LEVEL_WORDS = {
    "country": N_("country"),
    "adm1": N_("governorate"),
    "adm2": N_("district"),
    "adm3": N_("sub-district"),
    "adm4": N_("community"),
    "adm5": N_("neighbourhood"),
}


#: The words of a delivery's statuses, by their codes.
STATUS_WORDS = {
    "planned": N_("planned"),
    "completed": N_("completed"),
    "partial": N_("partial"),
    "denied": N_("denied"),
    "cancelled": N_("cancelled"),
}
#: The words of a convoy's statuses (and the step ``decided`` a reason names).
CONVOY_STATUS_WORDS = {
    "requested": N_("requested"),
    "approved": N_("approved"),
    "partly_approved": N_("partly approved"),
    "denied": N_("denied"),
    "delivered": N_("delivered"),
}
#: The words of the access statuses, by their codes.
ACCESS_WORDS = {
    "accessible": N_("accessible"),
    "hard_to_reach": N_("hard to reach"),
    "besieged": N_("besieged"),
}
#: The words of the sectors, by their codes ("": all sectors together).
SECTOR_WORDS = {
    "": N_("Inter-sector"),
    "food": N_("Food security"),
    "health": N_("Health"),
    "wash": N_("Water, sanitation and hygiene"),
    "shelter": N_("Shelter"),
    "nfi": N_("Non-food items"),
    "protection": N_("Protection"),
    "education": N_("Education"),
    "nutrition": N_("Nutrition"),
    "cccm": N_("Camp coordination and camp management"),
    "erl": N_("Early recovery and livelihoods"),
    "logistics": N_("Logistics"),
    "cash": N_("Multipurpose cash"),
}


def level_code(name: str) -> Code | str:
    """A level's code (``adm1``) as a :class:`Code` with its word; any other text as it is."""
    word = LEVEL_WORDS.get(name)
    return Code(name, word) if word else name


def codes(names: tuple[str, ...] | list[str], words: dict[str, str]) -> tuple[Code | str, ...]:
    """Codes with their words (``words``: code -> ``N_`` word), for a list of allowed values."""
    return tuple(Code(n, words[n]) if n in words else n for n in names)


def listing(values: list[Message] | tuple[Message, ...]) -> Message:
    """Messages as a list, joined the language's way (``a, b, c``)."""
    return Message("%(items)s", {"items": tuple(values)})


def either(values: tuple[Code | str, ...]) -> Message | Code | str:
    """Values as a choice: ``a or b or c``."""
    said: Message | Code | str = values[0] if values else ""
    for value in values[1:]:
        said = Message(N_("%(first)s or %(then)s"), {"first": said, "then": value})
    return said


def english(value: Value) -> str:
    """One value as the English sentence writes it."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:,}"
    if isinstance(value, tuple):
        return ", ".join(english(v) for v in value)
    return str(value)


__all__ = [
    "ACCESS_WORDS", "CONVOY_STATUS_WORDS", "LEVEL_WORDS", "SECTOR_WORDS", "STATUS_WORDS", "Code",
    "Message", "N_", "Np_", "Value", "codes", "either", "english", "level_code", "listing",
]  # fmt: skip
