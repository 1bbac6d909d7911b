"""Whole translation: every page of the demo, the import report with its problems and the history
with its changes show no English word of the interface in Arabic or German (the catalogs'
English is looked for verbatim on the rendered pages); a planted untranslated word is found;
Arabic pages write Arabic-Indic digits unless the reader chose Latin ones; the API's refusals
speak the language the request asks for and keep their shape. Reasons made whole below the web
(a file without a hashtag row, a bad convoy row, a bad planning input, columns of no kind, a
refused edit, an unknown record or evidence item) and the JSON history's lines are said in the
page's language too, levels and allowed codes as words beside their codes; the command line keeps
its English. So are the plan's and sign-in's refusals, the readers' refusals (a JSON row of the
wrong shape, a JSON of several tables, a coordinate system, a figure given twice, a file that
cannot be opened), the advice to map a word (by the page's field) and the reasons of the rejected
rows downloaded from the page; a denied convoy has one German word."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from demo_support import demo_database
from fastapi.testclient import TestClient

from lagebild.ingest.catalogue import CATALOGUE
from lagebild.publish import language as languages
from lagebild.publish.language import LOCALE_DIR, Language
from lagebild.web import WebConfig, create_app

TRANSLATED = ("ar", "de")
ARABIC = re.compile(r"[\u0600-\u06ff]")
#: Placeholders of both kinds: %(name)s (gettext) and {name...} (the import problems).
PLACEHOLDERS = re.compile(r"%\(\w+\)s|\{[^{}]*\}")
#: The pages of the demo, and the ones their menus and lists lead to.
PAGES = (
    "/",
    "/map",
    "/gaps",
    "/places",
    "/places/SY03",
    "/places/C2450",
    "/places/C2338",
    "/places/C2450/history",
    "/places/SY02/history",
    "/presence",
    "/convoys",
    "/incidents",
    "/damage",
    "/sources",
    "/import",
    "/imports",
    "/records",
    "/evidence",
)
#: A 4W file with a problem of each common kind: a sector word not in the vocabulary, a P-code
#: the gazetteer does not hold, text for a number, no date, a negative number of people.
PROBLEMS = """\
Org,Sector,Status,Community,People,End
#org+impl,#sector,#status,#adm4+code,#reached+ind,#date+end
SARC,Fod,Completed,C2450,100,2017-02-20
SARC,Food,Completed,C9999,40,2017-02-21
WFP,Health,Completed,C2338,lots,2017-02-22
WFP,Health,Completed,C2338,250,
WFP,Health,Completed,C2338,-5,2017-02-23
WFP,Health,Completed,C2338,30,2017-02-23
"""
#: One good row and one bad one: the report says how many rows would be written.
ONE_GOOD = """\
Org,Sector,Status,Community,People,End
#org+impl,#sector,#status,#adm4+code,#reached+ind,#date+end
SARC,Food,Completed,C2450,100,2017-02-20
SARC,Food,Completed,C2450,lots,2017-02-21
"""


# -- what is English on a page ----------------------------------------------------------------


def load_catalog(language: str) -> Catalog:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=language)


@cache
def english_phrases(language: str) -> tuple[frozenset[str], frozenset[str]]:
    """(whole texts, phrases): the English of every message the language translates otherwise.

    A message is cut at its placeholders. A piece of three words or more is a phrase, looked for
    anywhere in a page's text; a message of one or two words is looked for as a whole text of
    its own, so that "Other" or "damage assessment" are found as labels, not inside the data's
    own sentences (a source called "satellite damage assessment"). A piece the translation keeps
    as it is ("map.yml (docs/hxl.md)", "Status" in German) is no English left over."""
    words: set[str] = set()
    phrases: set[str] = set()
    for message in load_catalog(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english in ids:
            for piece in PLACEHOLDERS.split(english):
                piece = piece.strip(" .,;:()#-–·'\"")
                if any(piece in s for s in strings):
                    continue
                count = len(re.findall(r"[A-Za-z]{2,}", piece))
                if count >= 3 and len(piece) >= 10:
                    phrases.add(piece)
                elif count and piece == english.strip() and re.search(r"[a-z]{3,}", piece):
                    words.add(piece)
    return frozenset(words), frozenset(phrases)


def shown_text(page: str) -> list[str]:
    """The texts a reader sees: between the tags and in titles, labels and placeholders; not
    scripts, styles, or what the page marks as English on purpose (``lang="en"``)."""
    page = re.sub(r"<(script|style)\b[^>]*>.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'<(\w+)[^>]*\blang="en"[^>]*>.*?</\1>', " ", page, flags=re.S)
    texts = [html.unescape(t).strip() for t in re.findall(r">([^<]+)<", page)]
    texts += [
        html.unescape(a).strip()
        for a in re.findall(r'\b(?:title|placeholder|aria-label|alt)="([^"]+)"', page)
    ]
    return [t for t in texts if t]


def english_left(page: str, language: str) -> list[str]:
    """The interface's English words an Arabic or German page still shows."""
    words, phrases = english_phrases(language)
    found = set()
    for text in shown_text(page):
        if text in words:
            found.add(text)
        found.update(p for p in phrases if p in text)
    return sorted(found)


# -- the demo -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path = demo_database(tmp_path_factory.mktemp("words"))
    with TestClient(create_app(WebConfig(db=path))) as test_client:
        yield test_client


def upload(client: TestClient, content: str, language: str, name: str = "4w.csv") -> str:
    files = {"file": (name, content.encode("utf-8"), "text/csv")}
    page = client.post(
        "/import", params={"lang": language}, files=files, data={"source": "Test partner"}
    )
    assert page.status_code == 200, page.text[:500]
    return page.text


def reasons(page: str) -> list[str]:
    """The reason cells of the report's problems, in order."""
    table = page[page.index('id="import-problems"') :]
    return [
        html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
        for cell in re.findall(r"<td><bdi>(.*?)</bdi></td>\s*</tr>", table, flags=re.S)
    ]


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("url", PAGES)
def test_no_page_shows_english_words_of_the_interface(
    client: TestClient, url: str, language: str
) -> None:
    page = client.get(url, params={"lang": language})
    assert page.status_code == 200, page.text[:300]
    assert english_left(page.text, language) == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_import_report_gives_every_problem_s_reason_in_the_page_s_language(
    client: TestClient, language: str
) -> None:
    page = upload(client, PROBLEMS, language)
    shown = reasons(page)
    # The table of words mapped lists the file's own words ("Health"): data, not interface.
    mapped = re.search(r'<table class="mappings".*?</table>', page, flags=re.S)
    assert mapped is not None
    page = page.replace(mapped.group(0), "")
    english = reasons(upload(client, PROBLEMS, "en"))
    assert len(shown) == len(english) >= 4
    assert english_left(page, language) == []
    for translated, original in zip(shown, english, strict=True):
        assert translated != original, original
    if language == "ar":
        assert all(ARABIC.search(r) for r in shown), shown
    # The values found stay as the file has them, inside the translated reason.
    assert any("'Fod'" in r for r in shown) and any("'Fod'" in r for r in english)


def test_the_english_report_gives_the_reasons_the_catalogue_writes(client: TestClient) -> None:
    shown = reasons(upload(client, PROBLEMS, "en"))
    sector = next(r for r in shown if "Fod" in r)
    # The page words the command line's advice by its own field.
    assert sector == "unknown sector 'Fod': map it with a file in the field “Sector map”"
    assert "a number of people cannot be negative" in shown


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "1 row written"),
        ("de", "1 Zeile geschrieben"),
        ("ar", "ويُكتب صف واحد"),
    ],
)
def test_the_report_counts_the_rows_to_write_in_the_singular(
    client: TestClient, language: str, said: str
) -> None:
    page = client.post(
        "/import",
        params={"lang": language},
        files={"file": ("one.csv", ONE_GOOD.encode(), "text/csv")},
        data={"source": "Test partner", "mode": "skip-invalid"},
    ).text
    assert said in page and "1 rows" not in page


def test_the_history_says_every_import_s_rows_with_their_numbers(client: TestClient) -> None:
    english = client.get("/places/C2450/history", params={"lang": "en"}).text
    assert "2 convoy rows added by import #6" in english
    assert "reached  added" not in english and "reached added" not in english
    assert "1 incident row, fatalities 0 added by import #7" in english
    german = client.get("/places/C2450/history", params={"lang": "de"}).text
    assert "2 Konvoizeilen hinzugefügt durch Import Nr. 6" in german
    arabic = client.get("/places/C2450/history", params={"lang": "ar"}).text
    assert "صفّا قوافل أُضيفت بالاستيراد رقم 6" in arabic


# -- reasons made whole below the web ------------------------------------------------------------

#: A file without a hashtag row: the reader's refusal.
UNTAGGED = """\
Org,Sector,People
SARC,Food,100
"""
#: A denied convoy with trucks approved, a convoy only requested with a delivery date.
CONVOYS = """\
Convoy,Community,Requested,Status,Decided,Delivered,Trucks,Trucks approved
#convoy+code,#adm4+code,#date+requested,#status,#date+decided,#date+delivered,#convoy+trucks,\
#convoy+trucks+approved
TEST-1,C2450,2017-02-01,denied,2017-02-03,,10,5
TEST-2,C2450,2017-02-05,requested,,2017-02-09,4,
"""
#: A warehouse without the trucks it dispatches a week, then named again.
WAREHOUSES = """\
Warehouse,Trucks,Governorate
#loc+warehouse+name,#capacity+trucks+week,#adm1+code
Hub A,,SY01
Hub A,3,SY01
"""
#: Columns of no kind lagebild reads: the layout's refusal, built of several messages.
NO_KIND = """\
Market,Price
#loc+market+code,#value
M1,100
"""


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize(
    ("name", "content", "english"),
    [
        ("untagged.csv", UNTAGGED, ("no HXL hashtag row", "tag the file")),
        ("convoys.csv", CONVOYS, ("trucks approved", "delivery date", "is requested")),
        ("warehouses.csv", WAREHOUSES, ("a warehouse needs", "the trucks it dispatches")),
        ("prices.csv", NO_KIND, ("money values or prices", "which lagebild does not")),
    ],
    ids=["no-tag-row", "convoy-rows", "planning-input", "no-kind"],
)
def test_a_file_s_problems_made_below_the_web_are_said_in_the_page_s_language(
    client: TestClient, language: str, name: str, content: str, english: tuple[str, ...]
) -> None:
    page = upload(client, content, language, name)
    shown = reasons(page)
    said = reasons(upload(client, content, "en", name))
    # The English report says what the command line says; the translated one says it all in
    # its own words (the data's values, hashtags and codes aside).
    assert all(any(e in r for r in said) for e in english), said
    assert len(shown) == len(said) >= 1
    for translated, original in zip(shown, said, strict=True):
        assert translated != original, original
        assert not [e for e in english if e in translated], translated
    # The file's own words are data: the words mapped and the headers of the tag map builder.
    data = r'<table class="(?:mappings|tag-map)".*?</table>'
    assert english_left(re.sub(data, "", page, flags=re.S), language) == []
    if language == "ar":
        assert all(ARABIC.search(r) for r in shown), shown


def workbook(*sheets: str) -> bytes:
    """A workbook whose sheets (named as given) each hold the same small tagged 4W."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name in sheets:
        sheet = book.create_sheet(name)
        for row in (
            ["Org", "Sector", "Community", "People", "End"],
            ["#org", "#sector", "#adm4+code", "#reached", "#date+end"],
            ["SARC", "Food", "C2450", 1, "2017-02-20"],
            ["WFP", "Food", "C2450", 2, "2017-02-21"],
            ["WFP", "Food", "C2450", 3, "2017-02-22"],
        ):
            sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "2 sheets have an HXL hashtag row: 'A' (#org, #sector, #adm4+code, #reached, "
               "... (5 tags))"),
        ("de", "2 Blätter haben eine HXL-Hashtag-Zeile: 'A' (#org, #sector, #adm4+code, "
               "#reached, ... (5 Hashtags))"),
        ("ar", "ورقتان فيهما صف وسوم HXL: 'A' (#org, #sector, #adm4+code, #reached، ... "
               "(٥ وسوم))"),
    ],
)  # fmt: skip
def test_a_workbook_of_several_tables_is_said_in_the_page_s_language_in_its_plural(
    client: TestClient, language: str, said: str
) -> None:
    files = {"file": ("two.xlsx", workbook("A", "B"), "application/octet-stream")}
    page = client.post("/import", params={"lang": language}, files=files, data={"source": "T"})
    (reason,) = reasons(page.text)
    assert reason.startswith(said), reason
    if language != "en":
        assert english_left(page.text, language) == []


def test_the_command_line_s_words_stay_as_they_were() -> None:
    from lagebild.ingest.edit import EditError, parse_edits

    with pytest.raises(EditError) as refused:
        parse_edits("access", ["status=xyz"])
    assert str(refused.value) == "status='xyz': use accessible, hard_to_reach, besieged"
    with pytest.raises(EditError) as refused:
        parse_edits("delivery", ["reached=-1"])
    assert str(refused.value) == "reached='-1': cannot be negative"


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("de", "verwenden Sie geplant (planned), abgeschlossen (completed), teilweise (partial)"),
        ("ar", "استخدم مخطط (planned)، منجز (completed)، جزئي (partial)"),
    ],
)
def test_a_refused_edit_is_said_in_the_page_s_language_with_the_codes_to_type(
    client: TestClient, language: str, said: str
) -> None:
    body = {"set": {"status": "foo"}, "why": "a test"}
    english = client.patch("/api/records/delivery/1", params={"lang": "en"}, json=body)
    api = client.patch("/api/records/delivery/1", params={"lang": language}, json=body)
    assert (english.status_code, api.status_code) == (422, 422)
    assert english.json() == {
        "error": "status='foo': use planned, completed, partial, denied, cancelled",
        "status": 422,
    }
    assert set(api.json()) == {"error", "status"} and said in api.json()["error"]
    page = client.post(
        "/records/delivery/1/edit",
        params={"lang": language},
        data={"status": "foo", "why": "a test", "back": "/records"},
    )
    assert page.status_code == 422
    error = re.search(r'<p class="notice error"[^>]*id="record-error".*?</p>', page.text, re.S)
    assert error is not None and 'lang="en"' not in error.group(0)
    assert said in html.unescape(error.group(0))
    assert english_left(page.text, language) == [] and "use planned" not in page.text
    fine = {"set": {"reached": "1"}, "why": "a test"}
    gone = client.patch("/api/records/delivery/999999", params={"lang": language}, json=fine)
    assert gone.status_code == 404 and "#999999" not in gone.json()["error"]
    assert "999999" in gone.json()["error"] and "there is no" not in gone.json()["error"]


def test_an_unknown_evidence_item_is_said_in_the_request_s_language(client: TestClient) -> None:
    english = client.get("/api/evidence/99999", params={"lang": "en"})
    german = client.get("/api/evidence/99999", params={"lang": "de"})
    assert english.json() == {"error": "no evidence item 99999", "status": 404}
    assert german.json() == {"error": "kein Beweisstück 99999", "status": 404}


def test_the_import_api_s_refusal_is_said_in_the_request_s_language(client: TestClient) -> None:
    def refused(language: str) -> dict[str, Any]:
        files = {"file": ("convoys.csv", CONVOYS.encode(), "text/csv")}
        response = client.post("/api/imports", params={"lang": language}, files=files)
        assert response.status_code == 422, response.text[:300]
        body: dict[str, Any] = response.json()
        return body

    english, german = refused("en"), refused("de")
    assert english["error"].startswith("convoys.csv: 2 error(s), nothing was imported: convoy")
    assert german["error"].startswith("convoys.csv: 2 Fehler, nichts wurde importiert: Konvoi")
    # The same problems with the same keys, codes, rows and values; the reasons in German.
    assert [sorted(p) for p in german["problems"]] == [sorted(p) for p in english["problems"]]
    for said, original in zip(german["problems"], english["problems"], strict=True):
        assert {k: v for k, v in said.items() if k != "reason"} == {
            k: v for k, v in original.items() if k != "reason"
        }
        assert said["reason"] != original["reason"]
        assert english_left(f"<td>{said['reason']}</td>", "de") == []


def test_the_import_api_s_form_refusal_is_said_in_the_request_s_language(
    client: TestClient,
) -> None:
    files = {"file": ("4w.pdf", b"%PDF-1.4", "application/pdf")}
    english = client.post("/api/imports", params={"lang": "en"}, files=files)
    german = client.post("/api/imports", params={"lang": "de"}, files=files)
    assert (english.status_code, german.status_code) == (422, 422)
    assert english.json()["error"].startswith("file: use one of .csv")
    assert german.json()["error"].startswith("file: verwenden Sie ")
    assert [p["code"] for p in german.json()["problems"]] == ["extension"]
    assert german.json()["problems"][0]["reason"] != english.json()["problems"][0]["reason"]


def test_an_unknown_place_is_said_in_the_request_s_language(client: TestClient) -> None:
    english = client.get("/api/places/XX999", params={"lang": "en"})
    german = client.get("/api/places/XX999", params={"lang": "de"})
    arabic = client.get("/api/places/XX999", params={"lang": "ar"})
    assert english.json() == {"error": "unknown P-code 'XX999'", "status": 404, "pcode": "XX999"}
    assert german.json() == {"error": "unbekannter P-Code 'XX999'", "status": 404, "pcode": "XX999"}
    assert ARABIC.search(arabic.json()["error"]) and "'XX999'" in arabic.json()["error"]


def test_a_level_is_named_by_its_word_with_its_code(client: TestClient) -> None:
    # C9999, a community's P-code the gazetteer does not hold: the summary names its level.
    assert "1 distinct P-code at adm4, e.g. C9999" in upload(client, PROBLEMS, "en")
    assert "1 verschiedener P-Code auf Gemeinde (adm4)" in upload(client, PROBLEMS, "de")
    arabic = html.unescape(upload(client, PROBLEMS, "ar"))
    assert "تجمع سكاني (adm4)" in arabic


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_api_s_history_says_its_lines_as_the_history_page_does(
    client: TestClient, language: str
) -> None:
    english = client.get("/api/places/C2450/history", params={"lang": "en", "only": "true"})
    shown = client.get("/api/places/C2450/history", params={"lang": language, "only": "true"})
    page = html.unescape(
        client.get("/places/C2450/history", params={"lang": language}).text
    )
    lines, translated = english.json()["changes"], shown.json()["changes"]
    assert "2 convoy rows added by import #6" in [c["what"] for c in lines]
    assert len(lines) == len(translated) >= 3
    for original, said in zip(lines, translated, strict=True):
        # The same change with the same keys and values; only its line is in the language.
        assert {k: v for k, v in said.items() if k != "what"} == {
            k: v for k, v in original.items() if k != "what"
        }
        assert said["what"] != original["what"] and said["what"] in page
        assert english_left(f"<td>{said['what']}</td>", language) == []


# -- the check finds what was left untranslated ---------------------------------------------------


def test_a_planted_english_word_on_an_arabic_page_is_found(client: TestClient) -> None:
    page = client.get("/", params={"lang": "ar"}).text
    assert english_left(page, "ar") == []
    overview = Language("ar").gettext("Overview")
    assert overview in page
    planted = page.replace(overview, "Overview")
    assert english_left(planted, "ar") == ["Overview"]


def without(language: str, msgid: str) -> Translations:
    """The language's catalog with one message left untranslated."""
    catalog = load_catalog(language)
    catalog.delete(msgid)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain="messages")


@pytest.mark.parametrize(
    ("url", "msgid", "english"),
    [
        ("/places/C2450/history", "%(rows)s added by import #%(import_id)s", "added by import"),
        ("/incidents", "Shelling/artillery/missile attack", "Shelling/artillery/missile attack"),
    ],
)
def test_a_message_missing_from_the_catalog_is_found_on_the_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, msgid: str, english: str
) -> None:
    planted = without("ar", msgid)
    real = languages.translations
    monkeypatch.setattr(
        languages, "translations", lambda code: planted if code == "ar" else real(code)
    )
    with TestClient(create_app(WebConfig(db=demo_database(tmp_path)))) as fresh:
        page = fresh.get(url, params={"lang": "ar"}).text
    assert english in english_left(page, "ar")


def test_an_untranslated_problem_reason_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    from lagebild.ingest.catalogue import problem

    found = problem("no-date", "4w.csv", 6, "F #date+end", None)
    lang = Language("de")
    translated = lang.reason(found)
    assert translated != found.reason
    assert english_left(f"<td>{translated}</td>", "de") == []
    monkeypatch.setattr(lang, "translations", without("de", found_template(found.key)))
    assert english_left(f"<td>{lang.reason(found)}</td>", "de") != []


def found_template(key: str) -> str:
    return CATALOGUE[key].template


# -- digits ---------------------------------------------------------------------------------------


def test_arabic_pages_write_arabic_indic_digits_and_german_ones_latin(client: TestClient) -> None:
    # Ma'arrat an-Nu'man's convoy reached 35,000 people (the demo's convoy import, #6).
    arabic = client.get("/places/C2338/history", params={"lang": "ar"}).text
    german = client.get("/places/C2338/history", params={"lang": "de"}).text
    english = client.get("/places/C2338/history", params={"lang": "en"}).text
    assert "reached 35,000" in english
    assert "٣٥٬٠٠٠" in arabic and "35,000" not in arabic
    assert "35.000" in german
    assert Language("ar").number(35_000) == "٣٥٬٠٠٠"
    assert Language("ar", "latn").number(35_000) == "35,000"
    assert Language("de").number(35_000) == "35.000"
    assert Language("ar").percent(0.5) == "٥٠٪"
    # P-codes and the ISO dates of the forms keep their Latin digits.
    overview = client.get("/", params={"lang": "ar"}).text
    assert 'value="2017-02-28"' in overview or "2017-02-28" in overview
    assert "C2338" in arabic


@pytest.fixture
def own_client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(WebConfig(db=demo_database(tmp_path)))) as test_client:
        yield test_client


def test_latin_digits_are_a_choice_kept_in_a_cookie(own_client: TestClient) -> None:
    latin = own_client.get("/", params={"lang": "ar", "digits": "latn"})
    assert own_client.cookies.get("digits") == "latn"
    assert "13,500,000" in latin.text and "١٣٬٥٠٠٬٠٠٠" not in latin.text
    kept = own_client.get("/")
    assert '<html lang="ar"' in kept.text and "13,500,000" in kept.text
    back = own_client.get("/", params={"digits": "arab"})
    assert "١٣٬٥٠٠٬٠٠٠" in back.text
    # An unknown choice is no choice: the language's own digits.
    other = own_client.get("/", params={"digits": "roman"})
    assert "١٣٬٥٠٠٬٠٠٠" in other.text


def test_the_map_formats_numbers_with_the_page_s_digits(client: TestClient) -> None:
    page = client.get("/map", params={"lang": "ar"}).text
    assert '"locale": "ar-u-nu-arab"' in page
    assert '"locale": "de-u-nu-latn"' in client.get("/map", params={"lang": "de"}).text


# -- the API's refusals ---------------------------------------------------------------------------


def test_a_refused_parameter_is_said_in_the_language_the_request_asks_for(
    own_client: TestClient,
) -> None:
    english = own_client.get("/api/gaps", params={"sector": "foo"})
    arabic = own_client.get(
        "/api/gaps", params={"sector": "foo"}, headers={"Accept-Language": "ar"}
    )
    german = own_client.get("/api/gaps", params={"sector": "foo", "lang": "de"})
    bodies = [english.json(), arabic.json(), german.json()]
    assert [r.status_code for r in (english, arabic, german)] == [422, 422, 422]
    # The shape, the parameter, its value and the values it takes stay as they are.
    assert {tuple(sorted(b)) for b in bodies} == {("error", "problems", "status")}
    for body in bodies:
        (problem,) = body["problems"]
        assert problem["parameter"] == "sector" and problem["value"] == "foo"
        assert problem["allowed"] == bodies[0]["problems"][0]["allowed"]
    assert english.json()["error"].startswith("sector: unknown sector 'foo'; use one of: ")
    assert ARABIC.search(arabic.json()["error"]) and "'foo'" in arabic.json()["error"]
    assert german.json()["error"].startswith("sector: Sektor 'foo' ist unbekannt; ")


def test_a_refused_parameter_is_said_in_the_page_s_language(client: TestClient) -> None:
    page = client.get("/gaps", params={"lang": "de", "sector": "foo"})
    assert page.status_code == 422
    assert "Sektor &#39;foo&#39; ist unbekannt" in page.text
    assert english_left(page.text, "de") == []


def test_an_error_s_detail_is_said_in_the_page_s_language(own_client: TestClient) -> None:
    german = own_client.get("/presence", params={"lang": "de", "month": "2017-13"})
    assert german.status_code == 422
    assert "month: &#39;2017-13&#39; ist kein Monat JJJJ-MM (YYYY-MM)" in german.text
    assert english_left(german.text, "de") == []
    own_client.cookies.clear()
    api = own_client.get("/api/presence", params={"month": "2017-13"})
    assert api.status_code == 422
    assert api.json() == {"error": "month: '2017-13' is not a month YYYY-MM", "status": 422}


# -- a Kobo or ODK export refused with its form ---------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def kobo_case(folder: Path, case: str) -> tuple[bytes, bytes]:
    """(the export, the form) of a Kobo export the import refuses (tests/kobo_support.py)."""
    from kobo_support import SUBMISSIONS, SURVEY, export_rows, write_export, write_form

    survey = [dict(q) for q in SURVEY]
    sheets = export_rows(SUBMISSIONS)
    if case == "choice":
        sheets["activities"][3][0] = "nfi_kits"  # no choice of the list "sectors"
    elif case == "orphan":
        parent = sheets["activities"][0].index("_parent_index")
        sheets["activities"][5][parent] = 9  # no submission has _index 9
    elif case == "wrong-sheet":
        sheets["Syria 4W"][0][6] = "activities/people_reached"  # a repeat's question on top
    elif case == "ambiguous":
        # "remarks" in two groups; the export's header without the group names
        survey[5:5] = [{"type": "text", "name": "remarks"}]
        survey[9:9] = [{"type": "text", "name": "remarks"}]
        sheets["Syria 4W"][0].append("remarks")
        for row in sheets["Syria 4W"][1:]:
            row.append("none")
    form = write_form(folder / f"form-{case}.xlsx", survey)
    export = write_export(folder / f"export-{case}.xlsx", sheets)
    if case == "no-xlsform":
        form = export  # the export given as the form
    return export.read_bytes(), form.read_bytes()


#: Each case, and what its English reason says.
KOBO_CASES = {
    "choice": "not a choice of the list 'sectors'",
    "orphan": "names a parent the sheet 'Syria 4W' does not have",
    "no-xlsform": "an XLSForm has a sheet 'survey'; this one has Syria 4W, activities",
    "ambiguous": "could be the question partner_info/remarks or where/remarks",
    "wrong-sheet": "belongs to the repeat 'activities', not to the sheet 'Syria 4W'",
}


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("case", list(KOBO_CASES))
def test_a_kobo_export_s_refusal_is_said_in_the_page_s_and_the_api_s_language(
    client: TestClient, tmp_path: Path, case: str, language: str
) -> None:
    export, form = kobo_case(tmp_path, case)
    files = {"file": ("export.xlsx", export, XLSX), "xlsform": ("form.xlsx", form, XLSX)}

    def page(lang: str) -> str:
        sent = client.post("/import", params={"lang": lang}, files=files, data={"source": "T"})
        assert sent.status_code == 200, sent.text[:300]
        return sent.text

    english, shown = reasons(page("en")), page(language)
    said = reasons(shown)
    assert any(KOBO_CASES[case] in r for r in english), english
    assert len(said) == len(english) >= 1
    for translated, original in zip(said, english, strict=True):
        assert translated != original
        assert KOBO_CASES[case] not in translated
        assert english_left(f"<td>{translated}</td>", language) == [], translated
        assert not re.search(r"\b(or|the|repeat|submissions|none)\b", translated), translated
    assert english_left(shown, language) == []
    if language == "ar":
        assert all(ARABIC.search(r) for r in said), said
    # The API: the same problems, their reasons in the request's language.
    api = client.post("/api/imports", params={"lang": language}, files=files)
    first = client.post("/api/imports", params={"lang": "en"}, files=files)
    assert (api.status_code, first.status_code) == (422, 422)
    problems, originals = api.json()["problems"], first.json()["problems"]
    assert [p["code"] for p in problems] == [p["code"] for p in originals]
    assert [p["reason"] for p in problems] == said
    assert KOBO_CASES[case] in first.json()["error"] and KOBO_CASES[case] not in api.json()["error"]


def test_a_list_in_a_kobo_refusal_is_joined_the_language_s_way(
    client: TestClient, tmp_path: Path
) -> None:
    export, form = kobo_case(tmp_path, "choice")
    files = {"file": ("export.xlsx", export, XLSX), "xlsform": ("form.xlsx", form, XLSX)}
    arabic = client.post("/api/imports", params={"lang": "ar"}, files=files).json()
    english = client.post("/api/imports", params={"lang": "en"}, files=files).json()
    assert "(its choices: food, health)" in english["problems"][0]["reason"]
    assert "food، health" in arabic["problems"][0]["reason"]


# -- refusals of the plan, of sign-in and of the readers -------------------------------------------


def test_the_plan_api_s_refusal_is_said_in_the_request_s_language(client: TestClient) -> None:
    def refused(language: str, **params: str) -> dict[str, Any]:
        answer = client.get("/api/plan", params={"lang": language, **params})
        assert answer.status_code == 422, answer.text[:300]
        body: dict[str, Any] = answer.json()
        assert set(body) == {"detail", "code"}
        return body

    trucks = {"warehouse": "Hub A", "trucks": "lots"}
    assert refused("en", **trucks) == {
        "detail": "trucks of 'Hub A': 'lots' is not a number", "code": "scenario"
    }
    assert refused("de", **trucks) == {
        "detail": "Lkw von 'Hub A': 'lots' ist keine Zahl", "code": "scenario"
    }
    arabic = refused("ar", **trucks)
    assert ARABIC.search(arabic["detail"]) and "'lots'" in arabic["detail"]
    # The plan's own refusal (the demo has no convoy NOPE, or no planning inputs): the same code,
    # the German sentence none of the English one's words.
    english, german = refused("en", deny_convoy="NOPE"), refused("de", deny_convoy="NOPE")
    assert english["code"] == german["code"] == "plan"
    assert german["detail"] != english["detail"]
    assert english_left(f"<td>{german['detail']}</td>", "de") == []


def test_an_unknown_token_is_said_in_the_request_s_language(own_client: TestClient) -> None:
    bad = {"Authorization": "Bearer not-a-token"}
    english = own_client.get("/api/gaps", headers=bad)
    german = own_client.get("/api/gaps", params={"lang": "de"}, headers=bad)
    arabic = own_client.get("/api/gaps", headers={**bad, "Accept-Language": "ar"})
    assert [r.status_code for r in (english, german, arabic)] == [401, 401, 401]
    assert english.json() == {
        "error": "the API token is unknown, revoked or its account disabled: send "
        "'Authorization: Bearer TOKEN' (lagebild token create NAME)",
        "status": 401,
    }
    assert german.json()["error"] == (
        "das API-Token ist unbekannt, widerrufen oder sein Konto deaktiviert: senden Sie "
        "'Authorization: Bearer TOKEN' (lagebild token create NAME)"
    )
    assert ARABIC.search(arabic.json()["error"])
    # A page asked with the same token is sent to the sign-in page, in its language.
    page = own_client.get("/gaps", params={"lang": "de"}, headers=bad, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/signin?")
    signin = own_client.get(page.headers["location"], params={"lang": "de"})
    assert english_left(signin.text, "de") == []


#: A JSON table whose third row is an object among arrays of cells.
JSON_ROWS = """[["Org", "Sector"], ["#org", "#sector"], ["SARC", "Food"], {"org": "WFP"}]"""
#: A JSON object of two tagged tables: the page does not choose one.
JSON_TABLES = """{"a": [["#org", "#sector"], ["SARC", "Food"]],
                  "b": [["#org", "#sector"], ["WFP", "Food"]]}"""
#: A GeoJSON in Web Mercator.
MERCATOR = """{"type": "FeatureCollection",
 "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
 "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [4000000, 4000000]},
               "properties": {"#adm4+code": "C2450", "#event+type": "Battles"}}]}"""
#: Two columns that give the same figure: people in need, female.
TWO_FIGURES = """\
Governorate,Date,Women,Female
#adm1+code,#date,#inneed+f,#inneed+female
SY01,2017-01-01,10,10
"""


@pytest.mark.parametrize(
    ("name", "content", "english", "german"),
    [
        ("rows.json", JSON_ROWS,
         "row 4 is a JSON object, not an array of cells like the rows before",
         "Zeile 4 ist ein JSON-Objekt, kein Array von Zellen wie die Zeilen davor"),
        ("tables.json", JSON_TABLES,
         "the JSON holds 2 tables with HXL hashtags: 'a' (#org, #sector); 'b' (#org, #sector); "
         "choose one with --member NAME",
         "das JSON enthält 2 Tabellen mit HXL-Hashtags: 'a' (#org, #sector); 'b' (#org, "
         "#sector); laden Sie die zu importierende Tabelle als eigene JSON-Datei hoch"),
        ("mercator.geojson", MERCATOR,
         "the coordinates are in urn:ogc:def:crs:EPSG::3857; lagebild reads WGS 84",
         "die Koordinaten sind in urn:ogc:def:crs:EPSG::3857; lagebild liest WGS 84"),
        ("figures.csv", TWO_FIGURES,
         "both give inneed gender f: tag one of them differently",
         "geben beide Menschen in Not (inneed) Geschlecht f an"),
    ],
    ids=["json-row-shape", "json-tables", "crs", "same-figure-twice"],
)  # fmt: skip
def test_a_reader_s_refusal_is_said_in_the_page_s_and_the_api_s_language(
    client: TestClient, name: str, content: str, english: str, german: str
) -> None:
    def api(language: str) -> str:
        files = {"file": (name, content.encode(), "application/octet-stream")}
        answer = client.post("/api/imports", params={"lang": language}, files=files)
        assert answer.status_code == 422, answer.text[:300]
        (problem,) = answer.json()["problems"]
        return str(problem["reason"])

    # The API's English is the command line's; its German says the same without the options.
    assert english in api("en")
    assert german[:30] in api("de") and "--" not in api("de")
    said = reasons(upload(client, content, "de", name))
    assert len(said) == 1 and german in said[0], said
    assert "--" not in said[0] and english_left(f"<td>{said[0]}</td>", "de") == []
    (arabic,) = reasons(upload(client, content, "ar", name))
    assert ARABIC.search(arabic) and "--" not in arabic
    (shown,) = reasons(upload(client, content, "en", name))
    assert english.split(";")[0] in shown


def test_a_file_that_cannot_be_opened_is_said_in_the_reader_s_language(tmp_path: Path) -> None:
    from lagebild.ingest.geojson import load_json
    from lagebild.ingest.read import ReadError

    with pytest.raises(ReadError) as refused:
        load_json(tmp_path, None)  # a folder: the operating system refuses to read it
    assert refused.value.reason.startswith("cannot open the file: ")
    german = Language("de").message(refused.value.said)
    assert german.startswith("die Datei kann nicht geöffnet werden: ")


@pytest.mark.parametrize(
    ("template", "english", "page"),
    [
        ("use %(allowed)s or map it with %(option)s map.yml (docs/hxl.md)",
         "use planned or map it with --statuses map.yml (docs/hxl.md)", "use %(allowed)s"),
        ("map it with %(option)s map.yml (docs/hxl.md)",
         "map it with --sectors map.yml (docs/hxl.md)",
         "map it with a file in the field “Sector map”"),
    ],
)  # fmt: skip
def test_the_advice_to_map_a_word_names_the_page_s_field_in_every_language(
    template: str, english: str, page: str
) -> None:
    from lagebild.ingest.catalogue import problem
    from lagebild.messages import Message
    from lagebild.web.import_report import reason_pieces

    option = "--statuses" if "allowed" in template else "--sectors"
    advice = Message(template, {"allowed": "planned", "option": option})
    found = problem("unknown-sector", "4w.csv", 3, "B #sector", "Fod", what="sector",
                    word="Fod", use=advice)  # fmt: skip
    assert str(advice) == english and found.reason.endswith(english)  # the command line's
    for language in TRANSLATED:
        lang = Language(language)
        pieces = reason_pieces(found, lang)
        assert all(isinstance(p, str) for p in pieces), pieces  # no advice left to append
        text = "".join(str(p) for p in pieces)
        assert "--" not in text and "map.yml" not in text, text
        assert lang.message(Message(page, {"allowed": "planned"})) in text


#: Three convoys: TEST-7 good, TEST-8 of two rows, one of which has text for its trucks.
SPLIT_CONVOY = """\
Convoy,Community,Requested,Status,Trucks
#convoy+code,#adm4+code,#date+requested,#status,#convoy+trucks
TEST-7,C2450,2017-02-01,requested,10
TEST-8,C2450,2017-02-01,requested,lots
TEST-8,C2450,2017-02-01,requested,
"""


def rejected_reasons(client: TestClient, content: str, name: str, language: str) -> list[str]:
    """The reasons of the rejects file of a skip-invalid import made and downloaded from the
    page in ``language``."""
    import csv

    files = {"file": (name, content.encode(), "text/csv")}
    page = client.post("/import", params={"lang": language}, files=files,
                       data={"source": "Test partner", "mode": "skip-invalid"})  # fmt: skip
    token = re.search(r'action="/import/([A-Za-z0-9_-]+)/cancel"', page.text)
    assert token is not None, page.text[:500]
    done = client.post(f"/import/{token.group(1)}/confirm", params={"lang": language})
    assert done.status_code == 200, done.text[:500]
    got = client.get(f"/import/{token.group(1)}/rejects.csv", params={"lang": language})
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(got.text.splitlines()))
    assert rows[0][:2] == ["row", "reason"] and rows[1][:2] == ["#meta+row", "#meta+reason"]
    return [r[1] for r in rows[2:]]


@pytest.mark.parametrize(
    ("name", "content", "english"),
    [
        ("4w.csv", PROBLEMS, "unknown sector 'Fod'"),
        ("convoys.csv", SPLIT_CONVOY, "convoy TEST-8 has errors in row(s) 4"),
    ],
    ids=["4w", "convoy"],
)
def test_the_rejected_rows_downloaded_from_the_page_give_their_reasons_in_its_language(
    tmp_path: Path, name: str, content: str, english: str
) -> None:
    said = {}
    for language in ("en", *TRANSLATED):  # each into a database of its own: nothing there yet
        path = demo_database(tmp_path, f"{language}.db")
        with TestClient(create_app(WebConfig(db=path))) as fresh:
            said[language] = rejected_reasons(fresh, content, name, language)
    # The English file is the command line's; the others hold the same rows, said in their
    # language with no English sentence and none of the command line's options.
    assert any(english in r for r in said["en"]), said["en"]
    for language in TRANSLATED:
        assert len(said[language]) == len(said["en"]) >= 1
        for translated, original in zip(said[language], said["en"], strict=True):
            assert translated != original and "--" not in translated, translated
            assert english_left(f"<td>{translated}</td>", language) == [], translated
    assert all(ARABIC.search(r) for r in said["ar"])


def test_the_words_of_statuses_access_and_sectors_are_one_table() -> None:
    from lagebild import messages
    from lagebild.ingest import convoys, edit, records
    from lagebild.publish import words

    for name in ("STATUS_WORDS", "ACCESS_WORDS", "SECTOR_WORDS", "CONVOY_STATUS_WORDS"):
        table = getattr(messages, name)
        for module in (edit, records, words):
            assert getattr(module, name, table) is table, (module.__name__, name)
    assert convoys.STATUS_WORDS.items() >= messages.CONVOY_STATUS_WORDS.items()


def test_german_says_a_denied_convoy_or_delivery_with_one_word() -> None:
    catalog = load_catalog("de")
    said = {}
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if any(re.search(r"\bdenied\b", i, re.I) for i in ids):
            said[ids[0]] = " ".join(strings)
    assert "denied" in said and "convoy {code} is denied: no {what}" in said
    assert not [s for s in said.values() if "verweiger" in s.lower()], said
    assert all("abgelehnt" in s.lower() for s in said.values()), said
    assert Language("de").gettext("denied") == "abgelehnt"


#: Translations that may name a command-line option: what only the command line's options cause
#: (--country given), and the pages' own lines about the command line.
OPTIONS_SAID = (
    "no such file (the form, --form)",  # the command line's alone: a page sends the form
    "--country {country} is not a country of the gazetteer",
    "Accounts are made by an administrator",
    "From the command line:",
    "No plan is saved yet.",
    "say who sets the status (--by)",
    "Each indicator is scored from 1 to 5",
)


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_translated_reason_names_a_command_line_option(language: str) -> None:
    # The page words the advice by its fields (HINT_WORDS), after the translated reason.
    named = []
    for message in load_catalog(language):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        if any(re.search(r"--[a-z]", s) for s in strings if s) and not ids[0].startswith(
            OPTIONS_SAID
        ):
            named.append(ids[0])
    assert named == []


def test_why_a_figure_column_is_not_read_is_said_in_the_reader_s_language() -> None:
    from lagebild.ingest.columns import Column, figure_indicator
    from lagebild.ingest.tags import Tag

    found = figure_indicator(Column(0, "A", None, Tag.parse("#inneed+hh")))
    assert found is not None and found.reason is not None
    assert str(found.reason) == (
        "#inneed+hh: households are not people: lagebild's figures count people"
    )
    assert Language("de").message(found.reason) == (
        "#inneed+hh: Haushalte sind keine Personen: die Zahlen von lagebild zählen Personen"
    )
    assert ARABIC.search(Language("ar").message(found.reason))
