"""What a query value means: in the API, an unknown sector, level, status, unit or event type is a
422 naming the parameter and the values it takes; on the pages, a value left blank (a form's "All
..." choice, an empty date field) means the parameter was not given.

The allowed values are compared against the shipped vocabularies (``model/vocabularies/*.yml``)
and the data of the demo database read through the store, not against the app's own lists.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from lagebild.demo import AS_OF
from lagebild.model import vocab
from lagebild.store import Store
from lagebild.store.summary import sectors
from lagebild.web import WebConfig, create_app

VOCABULARIES = Path(vocab.__file__).parent / "vocabularies"
LEVELS = ["country", "adm1", "adm2", "adm3", "adm4"]


def codes(name: str) -> list[str]:
    """The codes of a shipped vocabulary, read from its file: the keys, in order."""
    mapping = yaml.safe_load((VOCABULARIES / f"{name}.yml").read_text(encoding="utf-8"))
    return [str(code) for code in mapping if code]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    from demo_support import demo_database

    return demo_database(tmp_path_factory.mktemp("query-values"))


@pytest.fixture(scope="module")
def client(demo_db: str) -> Iterator[TestClient]:
    with TestClient(create_app(WebConfig(db=demo_db))) as client:
        yield client


def stored_sectors(demo_db: str) -> list[str]:
    store = Store.open(demo_db)
    try:
        return [s for s in sectors(store) if s]
    finally:
        store.close()


# (route, parameter, the values it takes; None: the sectors, shipped and stored)
CHOICES = [
    ("/api/gaps", "sector", None),
    ("/api/situation", "sector", None),
    ("/api/trend", "sector", None),
    ("/api/figures", "sector", None),
    ("/api/deliveries", "sector", None),
    ("/api/map", "sector", None),
    ("/api/explain?pcode=SY02&indicator=reached", "sector", None),
    ("/api/gaps", "level", LEVELS),
    ("/api/situation", "level", LEVELS),
    ("/api/map", "level", LEVELS),
    ("/api/places", "level", LEVELS),
    ("/api/access", "level", LEVELS),
    ("/api/convoys/stats", "level", LEVELS),
    ("/api/incidents/summary", "level", LEVELS),
    ("/api/damage", "level", LEVELS),
    ("/api/damage/changes", "level", LEVELS),
    ("/api/access", "status", codes("access")),
    ("/api/deliveries", "status", codes("statuses")),
    ("/api/convoys", "status", codes("convoy_statuses")),
    ("/api/evidence", "status", ["unverified", "corroborated", "disputed", "verified", "false"]),
    ("/api/damage", "unit", ["buildings", "houses"]),
    ("/api/damage/changes", "unit", ["buildings", "houses"]),
    ("/api/incidents", "event_type", codes("event_types")),
]


def _with(route: str, name: str, value: str) -> str:
    return f"{route}{'&' if '?' in route else '?'}{name}={value}"


@pytest.mark.parametrize(("route", "name", "allowed"), CHOICES, ids=lambda v: str(v)[:30])
def test_an_unknown_value_is_a_422_naming_the_parameter_and_its_values(
    client: TestClient, demo_db: str, route: str, name: str, allowed: list[str] | None
) -> None:
    answer = client.get(_with(route, name, "nonsense-value"))
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["status"] == 422
    assert body["error"].startswith(f"{name}: ")
    [problem] = body["problems"]
    assert problem["parameter"] == name
    assert problem["value"] == "nonsense-value"
    assert problem["message"] == body["error"]
    if allowed is None:  # the sectors: the shipped codes, then those only the data holds
        shipped = codes("sectors")
        allowed = shipped + sorted(set(stored_sectors(demo_db)) - set(shipped))
    assert problem["allowed"] == allowed


@pytest.mark.parametrize(("route", "name", "allowed"), CHOICES, ids=lambda v: str(v)[:30])
def test_every_value_a_parameter_names_as_allowed_is_accepted(
    client: TestClient, route: str, name: str, allowed: list[str] | None
) -> None:
    allowed = allowed or client.get(_with(route, name, "x")).json()["problems"][0]["allowed"]
    for value in allowed:
        answer = client.get(_with(route, name, value) + f"&as_of={AS_OF.isoformat()}")
        assert answer.status_code == 200, (value, answer.text[:300])


def test_a_sector_is_known_by_any_word_of_the_vocabulary(client: TestClient) -> None:
    by_code = client.get("/api/gaps?sector=food").json()
    for word in ("Food", "food security", "FSL", "الأمن الغذائي"):
        answer = client.get("/api/gaps", params={"sector": word})
        assert answer.status_code == 200, word
        assert answer.json()["sector"] == "food"
        assert answer.json()["places"] == by_code["places"]
    assert client.get("/api/gaps?sector=ALL").json()["sector"] == ""


def test_an_event_type_is_known_by_any_word_of_the_list(client: TestClient) -> None:
    battles = client.get("/api/incidents?event_type=Battles").json()
    assert battles["total"] >= 1
    for word in ("clashes", "BATTLES", "Armed clash", "اشتباكات"):
        answer = client.get("/api/incidents", params={"event_type": word})
        assert answer.status_code == 200, word
        assert answer.json()["incidents"] == battles["incidents"], word


def test_a_blank_value_in_the_api_is_refused_as_any_other(client: TestClient) -> None:
    """The API's contract stays explicit: ``level=`` is not a level."""
    answer = client.get("/api/gaps?level=")
    assert answer.status_code == 422
    assert answer.json()["problems"][0]["parameter"] == "level"
    assert client.get("/api/incidents?from=").status_code == 422


def test_figures_keep_the_blank_sector_as_inter_sector(client: TestClient) -> None:
    blank = client.get("/api/figures?sector=&limit=5000").json()
    every = client.get("/api/figures?limit=5000").json()
    assert blank["total"] == sum(1 for f in every["items"] if f["sector"] == "")
    assert blank["total"] > 0
    food = client.get("/api/figures?sector=food&limit=5000").json()
    assert food["total"] == sum(1 for f in every["items"] if f["sector"] == "food")


# -- the pages: a blank value is no value -------------------------------------------------------

PAGES_WITH_BLANKS = [
    ("/places?q=Madaya&level=", "/places?q=Madaya"),
    ("/incidents?pcode=SY03&from=&to=", "/incidents?pcode=SY03"),
    ("/incidents?pcode=&from=&to=&event_type=&placed_by=&level=", "/incidents"),
    ("/damage?unit=&level=adm1", "/damage?level=adm1"),
    ("/convoys?pcode=&status=&from=&to=&level=&by=total", "/convoys?by=total"),
    ("/evidence?place=&status=&source=", "/evidence"),
    ("/gaps?level=adm3&sector=&rank=plain", "/gaps?level=adm3&rank=plain"),
    ("/?as_of=&window=", "/"),
    ("/map?level=&sector=&as_of=", "/map"),
]


@pytest.mark.parametrize(("blank", "without"), PAGES_WITH_BLANKS)
def test_a_page_answers_a_blank_value_as_if_it_were_not_given(
    client: TestClient, blank: str, without: str
) -> None:
    answered = client.get(blank)
    assert answered.status_code == 200, answered.text[:500]
    assert answered.text == client.get(without).text


def test_a_page_still_refuses_a_value_that_is_wrong_rather_than_blank(client: TestClient) -> None:
    assert client.get("/places?q=Madaya&level=adm9").status_code == 422
    assert client.get("/incidents?from=2017-13-01").status_code == 422
    assert client.get("/gaps?sector=nonsense-value").status_code == 422
