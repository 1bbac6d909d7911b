"""A country's codes: the gazetteer's country P-code (the COD's, ISO 3166-1 alpha-2: ``SY``) and
the ISO 3166-1 alpha-3 code (``SYR``) HDX and HAPI name countries by, from pycountry's copy of
the ISO standard. Nothing is guessed: a code that is not ISO's is refused, not matched."""

from __future__ import annotations

import pycountry

from lagebild.errors import RefusedInput


class NotAnIsoCountry(RefusedInput):
    """A country P-code that is no ISO 3166-1 code, so no ISO alpha-3 code can be given."""

    code = "not-iso-country"


def iso3(pcode: str) -> str:
    """The ISO 3166-1 alpha-3 code of a country P-code: the country of its ISO alpha-2 code
    (``SY`` -> ``SYR``); an alpha-3 code is already one (``SYR``). Anything else is refused."""
    code = pcode.strip().upper()
    found = None
    if len(code) == 2 and code.isalpha():
        found = pycountry.countries.get(alpha_2=code)
    elif len(code) == 3 and code.isalpha():
        found = pycountry.countries.get(alpha_3=code)
    if found is None:
        raise NotAnIsoCountry(
            f"the gazetteer's country code {pcode!r} is not an ISO 3166-1 alpha-2 country code "
            "(nor an alpha-3 one), so its ISO alpha-3 code (HDX's location_code) is not known: "
            "give the country place its ISO alpha-2 P-code (SY for Syria)"
        )
    return str(found.alpha_3)


def alpha3_aliases(pcodes: list[str]) -> dict[str, str]:
    """ISO alpha-3 code -> the country P-code it stands for, for each of ``pcodes`` that is an
    ISO alpha-2 code (``{'SYR': 'SY'}``); codes that are not are left out."""
    out: dict[str, str] = {}
    for pcode in pcodes:
        code = pcode.strip().upper()
        if len(code) != 2 or not code.isalpha():
            continue
        found = pycountry.countries.get(alpha_2=code)
        if found is not None:
            out[str(found.alpha_3)] = pcode
    return out


__all__ = ["NotAnIsoCountry", "alpha3_aliases", "iso3"]
