"""Languages: every word of the pages in the Babel catalogs and translated into Arabic and German,
the compiled catalogs up to date, pages in the chosen language (right to left in Arabic) with
numbers, dates and place names in its notation, the choice remembered per browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path
from string import Formatter
from typing import BinaryIO

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from demo_support import demo_database
from fastapi.testclient import TestClient

from lagebild import analysis
from lagebild.demo import AS_OF
from lagebild.ingest.catalogue import CATALOGUE
from lagebild.publish.language import LANGUAGES, LOCALE_DIR, Language
from lagebild.store import Store
from lagebild.web import WebConfig, create_app

REPO = Path(__file__).resolve().parents[1]
TRANSLATED = ("ar", "de")
PAGES = ("/", "/gaps", "/places", "/places/C2450", "/places/SY03", "/map", "/import")
ARABIC = re.compile(r"[\u0600-\u06ff]")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
#: The markers scripts/i18n extracts besides gettext's own: N_ and Np_ (lagebild.messages), and
#: the import problems' templates, the third argument of the catalogue's _e and _w.
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "Np_": (1, 2), "_e": (3,), "_w": (3,)}
#: The import problems' templates: filled with str.format ({name}), not with %.
BRACE_TEMPLATES = frozenset(kind.template for kind in CATALOGUE.values())


def load(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def catalog(language: str) -> Catalog:
    return load(LOCALE_DIR / language / "LC_MESSAGES" / "messages.po", language)


def template() -> Catalog:
    return load(LOCALE_DIR / "messages.pot")


def strings(message: object) -> tuple[str, ...]:
    value = getattr(message, "string", "")
    return value if isinstance(value, tuple) else (value,)


def compiled_messages(mo: BinaryIO) -> dict[object, object]:
    """msgid -> msgstr of a compiled catalog (plural ids and strings as tuples)."""

    def key(value: object) -> object:
        return tuple(value) if isinstance(value, list | tuple) else value

    return {key(m.id): key(m.string) for m in read_mo(mo)}


# -- the catalogs -------------------------------------------------------------------------------


def test_the_template_holds_every_message_of_the_sources() -> None:
    """``scripts/i18n`` was run after the last word was added to a page."""
    with (REPO / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(
            str(REPO), method_map, options_map, keywords=KEYWORDS
        )
    }
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in template() if m.id}
    missing = sorted(found - known)
    assert not missing, f"run bash scripts/i18n: not in messages.pot: {missing}"
    assert len(known) > 100


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated(language: str) -> None:
    messages = {m.id: m for m in catalog(language) if m.id}
    untranslated = []
    for wanted in template():
        if not wanted.id:
            continue
        message = messages.get(wanted.id)
        if message is None or message.fuzzy or not all(s.strip() for s in strings(message)):
            untranslated.append(wanted.id)
    assert not untranslated, f"{language}: translate in messages.po: {untranslated}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_arabic_has_its_six_plural_forms_and_german_two(language: str) -> None:
    found = catalog(language)
    assert found.num_plurals == {"ar": 6, "de": 2}[language]
    for message in found:
        if message.pluralizable and message.id:
            assert len(strings(message)) == found.num_plurals, message.id


def brace_fields(text: str) -> set[str]:
    """The fields of a str.format template: ``{word!r}`` -> word, ``{rows:,}`` -> rows."""
    return {field for _, field, _, _ in Formatter().parse(text) if field is not None}


def test_every_import_problem_template_is_in_the_catalogs() -> None:
    known = {m.id for m in template() if isinstance(m.id, str)}
    assert len(BRACE_TEMPLATES) >= 100
    assert sorted(BRACE_TEMPLATES - known) == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_placeholders(language: str) -> None:
    for message in catalog(language):
        if not message.id:
            continue
        if message.id in BRACE_TEMPLATES:
            assert brace_fields(message.string) == brace_fields(message.id), message.id
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        for text in strings(message):
            got = set(PLACEHOLDER.findall(text))
            # A plural form may leave the count out ("one place"), never add or rename.
            assert got <= wanted and (got == wanted or message.pluralizable), (message.id, text)
            assert text.count("%") == len(PLACEHOLDER.findall(text)) + 2 * text.count("%%"), (
                message.id,
                text,
            )


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalogs_are_up_to_date(language: str) -> None:
    compiled = BytesIO()
    write_mo(compiled, catalog(language))
    compiled.seek(0)
    fresh = compiled_messages(compiled)
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.mo").open("rb") as fh:
        shipped = compiled_messages(fh)
    assert shipped == fresh, "run bash scripts/i18n to compile the .po files"


def test_the_german_catalog_speaks_the_field_s_words() -> None:
    words = {m.id: m.string for m in catalog("de") if isinstance(m.id, str)}
    assert words["People in need"] == "Menschen in Not"
    assert words["besieged"] == "belagert"
    assert words["hard to reach"] == "schwer erreichbar"
    assert words["cut off"] == "von Hilfe abgeschnitten"


def test_the_arabic_catalog_speaks_the_field_s_words() -> None:
    words = {m.id: m.string for m in catalog("ar") if isinstance(m.id, str)}
    assert words["People in need"] == "الأشخاص المحتاجون"
    assert words["besieged"] == "محاصر"
    assert words["hard to reach"] == "يصعب الوصول إليه"
    assert words["cut off"] == "معزول عن المساعدات"


# -- the pages ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path = demo_database(tmp_path_factory.mktemp("i18n"))
    with TestClient(create_app(WebConfig(db=path))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def demo(client: TestClient) -> Store:
    return client.app.state.lagebild.store  # type: ignore[attr-defined,no-any-return]


def html_lang(text: str) -> tuple[str, str]:
    found = re.search(r'<html lang="(\w+)" dir="(\w+)">', text)
    assert found, text[:200]
    return found.group(1), found.group(2)


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_renders_in_every_language(client: TestClient, url: str, language: str) -> None:
    response = client.get(url, params={"lang": language})
    assert response.status_code == 200, response.text[:300]
    assert html_lang(response.text) == (language, "rtl" if language == "ar" else "ltr")
    nav = response.text[response.text.index("<nav") : response.text.index("</nav>")]
    overview = {"en": "Overview", "de": "Übersicht", "ar": "نظرة عامة"}[language]
    assert overview in nav


@pytest.mark.parametrize("url", PAGES[:5])
def test_the_arabic_pages_are_in_arabic_script(client: TestClient, url: str) -> None:
    text = client.get(url, params={"lang": "ar"}).text
    headings = re.findall(r"<h1[^>]*>(.*?)</h1>", text, flags=re.S)
    assert headings and all(ARABIC.search(h) for h in headings), headings
    # No English words of the interface are left between the tags (data, such as source
    # names, aside): the words of the table headers are all Arabic.
    for header in re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>", text, flags=re.S):
        assert ARABIC.search(header), header


def test_the_arabic_pages_show_arabic_place_names(client: TestClient, demo: Store) -> None:
    gaps = analysis.gaps(demo, AS_OF, 30, 4)
    text = client.get("/gaps", params={"lang": "ar", "level": "adm4"}).text
    for row in gaps.places:
        if row.name_ar:
            assert f">{row.name_ar}</a>" in text, row.pcode
    assert ">مضايا</a>" in text and ">Madaya</a>" not in text
    english = client.get("/gaps", params={"lang": "en", "level": "adm4"}).text
    assert ">Madaya</a>" in english


@pytest.mark.parametrize("language", LANGUAGES)
def test_numbers_and_dates_are_written_the_language_s_way(
    client: TestClient, demo: Store, language: str
) -> None:
    notation = Language(language)
    text = client.get("/", params={"lang": language}).text
    people_in_need = notation.number(13_500_000)
    # Arabic pages write Arabic-Indic digits, with Babel's Arabic separator (U+066C).
    assert people_in_need == {"en": "13,500,000", "de": "13.500.000", "ar": "١٣٬٥٠٠٬٠٠٠"}[language]
    assert people_in_need in text
    assert notation.day(AS_OF) in text
    if language == "de":
        assert "28.02.2017" in text and "13,500,000" not in text
    if language == "ar":
        assert "٢٨\u200f/٠٢\u200f/٢٠١٧" in text  # Babel's Arabic date, right-to-left marks


def test_the_first_visit_follows_accept_language(client: TestClient) -> None:
    fresh = TestClient(client.app)
    arabic = fresh.get("/", headers={"Accept-Language": "ar"})
    assert html_lang(arabic.text) == ("ar", "rtl")
    assert "lang" not in arabic.cookies
    german = fresh.get("/", headers={"Accept-Language": "fr-FR,de;q=0.8,en;q=0.5"})
    assert html_lang(german.text) == ("de", "ltr")
    neither = fresh.get("/", headers={"Accept-Language": "fr, es;q=0.5"})
    assert html_lang(neither.text) == ("en", "ltr")


def test_a_chosen_language_is_remembered_in_a_cookie(client: TestClient) -> None:
    browser = TestClient(client.app)
    chosen = browser.get("/gaps", params={"lang": "de"}, headers={"Accept-Language": "ar"})
    assert html_lang(chosen.text) == ("de", "ltr")
    assert chosen.cookies.get("lang") == "de"
    later = browser.get("/places", headers={"Accept-Language": "ar"})
    assert html_lang(later.text) == ("de", "ltr")
    switched = browser.get("/", params={"lang": "ar"})
    assert html_lang(switched.text) == ("ar", "rtl")
    assert html_lang(browser.get("/gaps").text) == ("ar", "rtl")


def test_the_language_switch_keeps_the_page_and_its_query(client: TestClient) -> None:
    text = client.get("/gaps", params={"level": "adm4", "window": "45", "lang": "en"}).text
    switch = text[
        text.index('class="languages"') : text.index("</form>", text.index('class="languages"'))
    ]
    hrefs = dict(re.findall(r'href="([^"]+)" lang="(\w+)"', switch))
    by_language = {v: k.replace("&amp;", "&") for k, v in hrefs.items()}
    assert by_language["ar"] == "/gaps?level=adm4&window=45&lang=ar"
    assert by_language["de"] == "/gaps?level=adm4&window=45&lang=de"


def test_pages_rendered_at_the_same_time_keep_their_own_language(client: TestClient) -> None:
    expected = {"en": "Overview", "de": "Übersicht", "ar": "نظرة عامة"}

    def fetch(language: str) -> tuple[str, str]:
        text = client.get("/places", params={"lang": language}).text
        return language, text

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(fetch, [code for _ in range(10) for code in LANGUAGES]))
    for language, text in results:
        assert html_lang(text)[0] == language
        nav = text[text.index("<nav") : text.index("</nav>")]
        for other, word in expected.items():
            assert (word in nav) == (other == language), (language, other)
