"""Evidence on the web (issue 4, point 5): the list with its filters, an item's page with what it
matches and its history, thumbnails made from the archive's files, the JSON API in the OpenAPI
schema, the place page's count, and evidence kept from those who may not see it.

A small archive is registered through ``lagebild.evidence.register`` (drawn pictures, a short
video and a recycled copy), on SQLite and on PostgreSQL; what the pages and the API say is
compared with what is known of it from the registration.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import av
import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from lagebild import evidence as ev
from lagebild.evidence import corpus as cp
from lagebild.evidence.demo import drawn_scene
from lagebild.ingest import ImportOptions, import_file
from lagebild.store import Store, accounts
from lagebild.web import WebConfig, create_app
from lagebild.web.auth import secret_hash

PLACES = [
    ["#adm1+code", "#adm2+code", "#adm3+code", "#adm4+code", "#adm4+name+i_en"],
    ["SY02", "SY0200", "SY020000", "C1007", "Aleppo"],
    ["SY02", "SY0200", "SY020000", "C1008", "Aleppo east"],
    ["SY03", "SY0301", "SY030100", "C2329", "Duma"],
]


@dataclass
class Archive:
    client: TestClient
    store: Store
    folder: Path
    #: id -> (P-code, source, status) as registered and set
    known: dict[int, tuple[str, str, str]]
    originals: dict[int, Path]


def _register(store: Store, folder: Path, path: Path, source: str, pcode: str) -> int:
    [done] = ev.register(store, [path], source=source, pcode=pcode, on=date(2017, 1, 5),
                         claim="a claim", folder=folder)  # fmt: skip
    return done.item.id


@pytest.fixture
def archive(db_url: str, tmp_path: Path) -> Iterator[Archive]:
    places = tmp_path / "places.csv"
    with places.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(PLACES)
    store = Store.open(db_url)
    store.migrate()
    import_file(store, places, ImportOptions(locale="en"))
    folder, pictures = tmp_path / "ev", tmp_path / "pictures"
    pictures.mkdir()
    originals = {}
    for seed, name in ((11, "market.jpg"), (12, "bakery.png")):
        drawn_scene(seed).save(pictures / name)
    frames = [drawn_scene(13 + i // 10, (320, 240)) for i in range(30)]  # three scenes, 3 s
    cp.write_video(frames, pictures / "clip.mp4", 10)
    copy = drawn_scene(11).resize((480, 360))
    copy.save(pictures / "again.jpg", quality=40)
    known = {}
    for path, source, pcode in (
        (pictures / "market.jpg", "Aleppo Media Centre", "C1007"),
        (pictures / "bakery.png", "SARC", "C1008"),
        (pictures / "clip.mp4", "SARC", "C2329"),
        (pictures / "again.jpg", "Unverified channel", "C2329"),
    ):
        item = _register(store, folder, path, source, pcode)
        known[item] = (pcode, source, "unverified")
        originals[item] = path
    ev.set_status(store, 2, "verified", "Rana", "seen by two witnesses")
    known[2] = (known[2][0], known[2][1], "verified")
    app = create_app(WebConfig(db=db_url, evidence_folder=str(folder)))
    with TestClient(app) as client:
        yield Archive(client, store, folder, known, originals)
    store.close()


def ids(response: object) -> list[int]:
    body = response.json()  # type: ignore[attr-defined]
    return [i["id"] for i in body["items"]]


def text_of(html: str) -> str:
    """The words of a page, without tags, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


# -- the list ------------------------------------------------------------------------------------


def test_the_api_lists_newest_first_and_filters_by_place_below_status_and_source(
    archive: Archive,
) -> None:
    get, known = archive.client.get, archive.known
    assert ids(get("/api/evidence")) == sorted(known, reverse=True)
    aleppo = {"C1007", "C1008"}  # the communities below SY02 in the gazetteer above
    assert ids(get("/api/evidence", params={"place": "SY02"})) == sorted(
        (i for i, (p, _, _) in known.items() if p in aleppo), reverse=True
    )
    assert ids(get("/api/evidence", params={"place": "c1007"})) == [1]
    assert ids(get("/api/evidence", params={"status": "verified"})) == [2]
    assert ids(get("/api/evidence", params={"source": "sarc"})) == sorted(
        (i for i, (_, s, _) in known.items() if s == "SARC"), reverse=True
    )
    both = get("/api/evidence", params={"source": "SARC", "place": "SY03"}).json()
    assert [i["id"] for i in both["items"]] == [3] and both["total"] == 1
    assert ids(get("/api/evidence", params={"source": "nobody"})) == []


def test_the_api_pages_through_the_list(archive: Archive) -> None:
    everything = ids(archive.client.get("/api/evidence"))
    page = archive.client.get("/api/evidence", params={"limit": 2, "offset": 1}).json()
    assert [i["id"] for i in page["items"]] == everything[1:3]
    assert (page["total"], page["limit"], page["offset"]) == (len(everything), 2, 1)


def test_each_listed_item_says_how_many_items_it_matches(archive: Archive) -> None:
    items = {i["id"]: i for i in archive.client.get("/api/evidence").json()["items"]}
    # The recycled copy (4) matches the market picture (1); the others nothing.
    assert {i: item["matches"] for i, item in items.items()} == {1: 1, 2: 0, 3: 0, 4: 1}
    assert items[3]["kind"] == "video" and items[3]["duration"] == pytest.approx(3.0, abs=0.2)
    assert "stored_path" not in items[1]
    assert items[1]["thumbnail"] == "/evidence/1/thumbnail"


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"place": "SY99"}, 404, "SY99"),
        ({"status": "true"}, 422, "status"),
        ({"source": "a\x00b"}, 422, "source"),
        ({"limit": 0}, 422, "limit"),
        ({"offset": -1}, 422, "offset"),
    ],
)
def test_a_bad_filter_is_the_caller_s_error(
    archive: Archive, params: dict[str, object], status: int, message: str
) -> None:
    response = archive.client.get("/api/evidence", params=params)
    assert response.status_code == status
    assert message in response.json()["error"]


def test_the_list_page_shows_the_filtered_items_with_thumbnails(archive: Archive) -> None:
    page = archive.client.get("/evidence", params={"place": "SY03", "lang": "en"}).text
    rows = re.findall(r'<tr data-item="(\d+)" data-status="(\w+)">', page)
    assert rows == [("4", "unverified"), ("3", "unverified")]
    assert re.findall(r'<img src="([^"]+)"', page) == [
        "/evidence/4/thumbnail?side=160",
        "/evidence/3/thumbnail?side=160",
    ]
    assert "2 items · in SY03 and the places below it" in text_of(page)  # SY03 has no name here
    assert '<a href="/api/evidence?place=SY03">' in page
    for item in archive.known:  # the archive's paths never reach the page
        assert ev.detail(archive.store, item).item.stored_path not in page
    empty = archive.client.get("/evidence", params={"status": "false", "lang": "en"}).text
    assert "No evidence matches these filters." in empty


def test_the_list_page_offers_the_sources_and_statuses_to_filter_by(archive: Archive) -> None:
    page = archive.client.get("/evidence", params={"source": "SARC", "lang": "de"}).text
    sources = re.findall(r'<option value="([^"]*)" dir="auto"\s*(selected)?>', page)
    assert sources == [
        ("Aleppo Media Centre", ""),
        ("SARC", "selected"),
        ("Unverified channel", ""),
    ]
    assert ">verifiziert</option>" in page  # the statuses, in the page's language


# -- an item -------------------------------------------------------------------------------------


def test_the_item_page_says_which_earlier_item_it_matches(archive: Archive) -> None:
    first = ev.detail(archive.store, 1).item
    on = first.registered_at.date()
    page = text_of(archive.client.get("/evidence/4", params={"lang": "en"}).text)
    assert (
        f"This matches item 1, first registered on {on:%b} {on.day}, {on.year} from "
        "Aleppo Media Centre at C1007." in page
    )
    earlier = text_of(archive.client.get("/evidence/1", params={"lang": "en"}).text)
    assert (
        "Item 4, registered later on" in earlier and "from Unverified channel at C2329" in earlier
    )
    found = archive.client.get("/api/evidence/4").json()["matched"]
    assert [(m["item_id"], m["relation"], m["source"], m["pcode"]) for m in found] == [
        (1, "matches", "Aleppo Media Centre", "C1007")
    ]
    assert found[0]["distance"] <= 31


def test_the_item_page_shows_the_sha256_metadata_and_status_history(archive: Archive) -> None:
    sha = ev.read_media(archive.originals[2]).sha256
    page = archive.client.get("/evidence/2", params={"lang": "en"}).text
    assert f'<code id="sha256" dir="ltr">{sha}</code>' in page
    history = re.findall(r"<tr>\s*<td>.*?</td>\s*<td>(\w+)</td>\s*<td[^>]*>([^<]*)</td>\s*"
                         r"<td[^>]*>([^<]*)</td>", page, flags=re.S)  # fmt: skip
    assert history == [("unverified", "lagebild", "registered"),
                       ("verified", "Rana", "seen by two witnesses")]  # fmt: skip
    body = archive.client.get("/api/evidence/2").json()
    assert (body["sha256"], body["status"], body["source"]) == (sha, "verified", "SARC")
    assert [h["status"] for h in body["history"]] == ["unverified", "verified"]
    video = archive.client.get("/api/evidence/3").json()
    assert video["hashes"] == len(ev.read_media(archive.originals[3]).hashes)


def test_an_unknown_item_is_not_found(archive: Archive) -> None:
    assert archive.client.get("/evidence/99").status_code == 404
    response = archive.client.get("/api/evidence/99")
    assert response.status_code == 404
    assert response.json()["error"] == "no evidence item 99"


def test_an_item_number_beyond_any_database_is_refused(archive: Archive) -> None:
    assert archive.client.get("/api/evidence/99999999999999999999").status_code == 422


# -- thumbnails ----------------------------------------------------------------------------------


def jpeg(response: object) -> Image.Image:
    assert response.headers["content-type"] == "image/jpeg"  # type: ignore[attr-defined]
    return Image.open(io.BytesIO(response.content)).convert("RGB")  # type: ignore[attr-defined]


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    small = a.size
    return float(np.abs(np.asarray(a, float) - np.asarray(b.resize(small), float)).mean())


def test_a_photo_s_thumbnail_is_the_stored_photo_made_small(archive: Archive) -> None:
    original = Image.open(archive.originals[2]).convert("RGB")  # 640 x 480
    small = jpeg(archive.client.get("/evidence/2/thumbnail"))
    large = jpeg(archive.client.get("/evidence/2/thumbnail", params={"side": 480}))
    assert small.size == (160, 120) and large.size == (480, 360)
    assert mean_difference(large, original) < 4
    other = Image.open(archive.originals[1]).convert("RGB")
    assert mean_difference(large, other) > 4 * mean_difference(large, original)


def test_a_video_s_thumbnail_is_its_keyframe_with_the_most_detail(archive: Archive) -> None:
    frames = archive.store and ev.detail(archive.store, 3)
    assert frames.hashes == 3
    from lagebild.store import evidence as db

    best = max(db.hashes_of(archive.store, 3), key=lambda h: (h.quality, -h.seconds))
    with av.open(str(archive.originals[3])) as container:
        decoded = [f.to_image() for f in container.decode(video=0)]
    wanted = decoded[round(best.seconds * 10)]
    shown = jpeg(archive.client.get("/evidence/3/thumbnail", params={"side": 480}))
    assert shown.size == (320, 240)
    assert mean_difference(shown, wanted) < 4
    assert all(
        mean_difference(shown, decoded[i]) > 10
        for i in (0, 10, 20)
        if i != round(best.seconds * 10)
    )


def test_a_missing_file_or_a_size_not_offered_gets_no_thumbnail(archive: Archive) -> None:
    stored = archive.folder / ev.detail(archive.store, 1).item.stored_path
    stored.chmod(0o644)
    stored.unlink()
    missing = archive.client.get("/evidence/1/thumbnail")
    assert missing.status_code == 404 and "the stored file is missing" in missing.text
    assert archive.client.get("/evidence/2/thumbnail", params={"side": 300}).status_code == 422
    assert archive.client.get("/evidence/99/thumbnail").status_code == 404


def test_a_file_that_is_no_longer_a_picture_gets_no_thumbnail(archive: Archive) -> None:
    stored = archive.folder / ev.detail(archive.store, 2).item.stored_path
    stored.chmod(0o644)
    stored.write_bytes(b"not a picture any more")
    broken = archive.client.get("/evidence/2/thumbnail")
    assert broken.status_code == 404 and "cannot be read" in broken.text


# -- the rest of the app -------------------------------------------------------------------------


def test_the_api_endpoints_are_in_the_openapi_schema_and_the_pages_are_not(
    archive: Archive,
) -> None:
    paths = archive.client.get("/api/openapi.json").json()["paths"]
    assert {"/api/evidence", "/api/evidence/{item_id}"} <= set(paths)
    listed = paths["/api/evidence"]["get"]
    assert {p["name"] for p in listed["parameters"]} == {
        "place", "status", "source", "limit", "offset"
    }  # fmt: skip
    assert not [p for p in paths if p.startswith("/evidence")]


def test_the_place_page_counts_the_evidence_of_the_place_and_below(archive: Archive) -> None:
    for pcode, count in (("SY02", 2), ("C1007", 1), ("SY03", 2), ("SY0200", 2)):
        page = archive.client.get(f"/places/{pcode}", params={"lang": "en"}).text
        card = page[page.index('id="place-evidence"') :][:400]
        assert f'<a href="/evidence?place={pcode}">{count}</a>' in card, pcode
        listed = archive.client.get("/api/evidence", params={"place": pcode}).json()["total"]
        assert listed == count


def test_the_navigation_links_to_the_evidence(archive: Archive) -> None:
    page = archive.client.get("/evidence", params={"lang": "ar"}).text
    nav = page[page.index("<nav") : page.index("</nav>")]
    assert '<a href="/evidence" aria-current="page">' in nav


def test_evidence_is_kept_from_a_viewer_and_shown_to_an_analyst(archive: Archive) -> None:
    for name, role in (("vera", "viewer"), ("ali", "analyst")):
        accounts.add_account(archive.store, name, "not used here", role)
        accounts.add_token(archive.store, name, secret_hash(f"token-{name}"), None)
    viewer = {"Authorization": "Bearer token-vera"}
    analyst = {"Authorization": "Bearer token-ali"}
    for url in ("/evidence", "/evidence/1", "/evidence/1/thumbnail", "/api/evidence",
                "/api/evidence/1"):  # fmt: skip
        assert archive.client.get(url, headers=viewer).status_code == 403, url
        assert archive.client.get(url, headers=analyst).status_code == 200, url
    place = archive.client.get("/places/SY02", headers=viewer).text
    assert 'id="place-evidence"' not in place and 'href="/evidence"' not in place
    assert 'id="place-evidence"' in archive.client.get("/places/SY02", headers=analyst).text
