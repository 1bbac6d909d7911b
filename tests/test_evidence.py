"""Evidence (issue 4, points 5 and 6): photos and videos, their hashes, the recycled-footage check,
integrity verification and the status history.

The corpus is real photographs that scikit-image ships in its wheel, videos made from them with
PyAV, and transformed copies of both. The media tests need no database; the archive tests run on
SQLite and PostgreSQL. ``bench/evidence.py`` measures the same check over the whole corpus.
"""

from __future__ import annotations

import csv
import os
import stat
from datetime import datetime
from pathlib import Path

import av
import pytest
from click.testing import CliRunner
from PIL import Image

from lagebild.cli import main
from lagebild.evidence import PdqIndex, find_matches, read_media
from lagebild.evidence import corpus as cp
from lagebild.evidence.archive import stored_hashes
from lagebild.evidence.matching import THRESHOLD, Probe, Query, hamming
from lagebild.evidence.media import CROPS, PHOTO_VIEWS, VIDEO_VIEWS, Media, MediaError
from lagebild.store import Store

#: Photographs of scenes; bench/evidence.py also measures textures and documents, where PDQ is
#: weaker (bench/RESULTS.md).
SCENES = ("astronaut", "camera", "chelsea", "coffee", "coins", "rocket", "motorcycle_left")
PHOTO_COPIES = ("jpeg30", "half", "overlay", "brighter", "mirror")
#: Crops that fall between the stored views (``media.CROPS``), or off them.
HELD_OUT = ("crop7", "crop12", "crop10-uneven")


class Corpus:
    def __init__(self, folder: Path) -> None:
        pictures = cp.photographs()
        missing = [n for n in SCENES if n not in pictures]
        if missing:
            pytest.skip(f"scikit-image lacks the bundled photographs {missing}")
        self.originals: dict[str, Path] = {}
        self.copies: dict[tuple[str, str], Path] = {}
        for name in SCENES:
            self.originals[name] = folder / f"{name}.png"
            pictures[name].save(self.originals[name])
            for label, path in cp.transformed_photos(pictures[name], folder, name).items():
                self.copies[name, label] = path
            for label, path in cp.held_out_crops(pictures[name], folder, name).items():
                if label in HELD_OUT:
                    self.copies[name, label] = path
        for name in ("astronaut", "coffee"):
            video = f"{name}-video"
            frames = cp.pan_zoom_frames(pictures[name], 4, 10)
            self.originals[video] = cp.write_video(frames, folder / f"{video}.mp4", 10)
            for label, path in cp.transformed_videos(self.originals[video], folder, video).items():
                self.copies[video, label] = path
        self.media = {name: read_media(path) for name, path in self.originals.items()}

    def index(self) -> tuple[PdqIndex, dict[int, str]]:
        """Every original as ``evidence add`` stores it: its pictures and their cropped views."""
        names = dict(enumerate(self.media, start=1))
        kept = [(i, v, h.pdq) for i, n in names.items() for v, h in stored_hashes(self.media[n])]
        ids, variants, hexes = zip(*kept, strict=True)
        return PdqIndex.from_hex(ids, hexes, variants), names

    def matches(self, media: Media) -> set[str]:
        index, names = self.index()
        return {names[m.match_id] for m in find_matches(index, media)}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return Corpus(tmp_path_factory.mktemp("corpus"))


# -- the recycled-footage check, without a database ---------------------------------------------


@pytest.mark.parametrize("label", PHOTO_COPIES)
def test_each_transformed_photo_matches_its_original_and_nothing_else(
    corpus: Corpus, label: str
) -> None:
    for name in SCENES:
        copy = read_media(corpus.copies[name, label])
        assert corpus.matches(copy) == {name}, f"{name} {label}"


def test_a_mirrored_photo_matches_through_pdqs_dihedral_variant(corpus: Corpus) -> None:
    index, names = corpus.index()
    found = find_matches(index, read_media(corpus.copies["chelsea", "mirror"]))
    assert [(names[m.match_id], m.transform) for m in found] == [("chelsea", "mirrored left-right")]


def test_a_cropped_photo_matches_its_original_through_a_stored_view(corpus: Corpus) -> None:
    index, names = corpus.index()
    for name in SCENES:
        found = find_matches(index, read_media(corpus.copies[name, "crop10"]))
        photos = [(names[m.match_id], m.transform) for m in found if names[m.match_id] in SCENES]
        assert photos == [(name, "cropped")], name
        # A video made from the photo may rightly match too; nothing else.
        assert {names[m.match_id] for m in found} <= {name, f"{name}-video"}
    # Without the stored views, PDQ alone does not survive the crop (bench/RESULTS.md).
    plain = PdqIndex(index.words[index.variants == 0], index.item_ids[index.variants == 0])
    alone = [n for n in SCENES if find_matches(plain, read_media(corpus.copies[n, "crop10"]))]
    assert len(alone) < len(SCENES) // 2


@pytest.mark.parametrize("label", ["crop7", "crop12"])
def test_a_crop_between_the_stored_views_still_matches(corpus: Corpus, label: str) -> None:
    for name in SCENES:
        found = corpus.matches(read_media(corpus.copies[name, label]))
        assert name in found and found <= {name, f"{name}-video"}, name


def test_an_off_centre_crop_matches_when_near_a_view(corpus: Corpus) -> None:
    """Cut 2, 7, 8 and 3 % off the sides: 44 bits from the nearest view of chelsea. Not every
    photo comes as near (bench/RESULTS.md: 15 of 20 within the threshold)."""
    assert corpus.matches(read_media(corpus.copies["chelsea", "crop10-uneven"])) == {"chelsea"}


def test_the_whole_photo_finds_an_earlier_crop_of_it(corpus: Corpus) -> None:
    crop = read_media(corpus.copies["chelsea", "crop10"])
    index = PdqIndex.from_hex(
        [7] * len(stored_hashes(crop)),
        [h.pdq for _, h in stored_hashes(crop)],
        [v for v, _ in stored_hashes(crop)],
    )
    found = find_matches(index, corpus.media["chelsea"])
    assert [(m.match_id, m.transform) for m in found] == [(7, "wider")]
    assert found[0].distance <= 8
    assert find_matches(index, corpus.media["coffee"]) == []


def test_the_stored_views_are_the_hashes_of_the_cropped_pictures(corpus: Corpus) -> None:
    import numpy as np
    import pdqhash

    media = corpus.media["astronaut"]
    assert [v.variant for v in media.views] == list(PHOTO_VIEWS) == list(range(1, 37))
    picture = Image.open(corpus.originals["astronaut"]).convert("RGB")  # 512 x 512 already
    for view in (media.views[0], media.views[14], media.views[35]):
        left, top, right, bottom = CROPS[view.variant - 1]
        part = picture.crop((round(512 * left), round(512 * top), round(512 * right),
                             round(512 * bottom)))  # fmt: skip
        hashes = []
        for image in (part, part.transpose(Image.Transpose.FLIP_LEFT_RIGHT)):
            bits, _ = pdqhash.compute(np.ascontiguousarray(np.asarray(image)))
            hashes.append(np.packbits(bits.astype(np.uint8)).tobytes().hex())
        assert hashes[0] == view.pdq
        # PDQ derives the mirror from the same transform: near the flipped picture's hash.
        assert hamming(hashes[1], view.mirrored) <= 24
    # 80 % at the bottom-right corner is the bottom-right 80 % of each side.
    assert CROPS[32 - 1] == pytest.approx((0.2, 0.2, 1.0, 1.0))
    assert [CROPS[v - 1][2] - CROPS[v - 1][0] for v in VIDEO_VIEWS] == pytest.approx(
        [0.9] * 5 + [0.8]
    )


@pytest.mark.parametrize("label", ["reencoded", "trimmed"])
def test_reencoded_and_trimmed_videos_match_their_original(corpus: Corpus, label: str) -> None:
    for name in ("astronaut-video", "coffee-video"):
        copy = read_media(corpus.copies[name, label])
        assert name in corpus.matches(copy), f"{name} {label}"
        assert not {n for n in corpus.matches(copy) if n.endswith("-video")} - {name}


@pytest.mark.parametrize(
    ("label", "transform"), [("mirror", "mirrored left-right"), ("crop10", "cropped")]
)
def test_mirrored_and_cropped_videos_match_their_original(
    corpus: Corpus, label: str, transform: str
) -> None:
    index, names = corpus.index()
    for name in ("astronaut-video", "coffee-video"):
        found = find_matches(index, read_media(corpus.copies[name, label]))
        videos = [(names[m.match_id], m.transform) for m in found if m.match_id and
                  names[m.match_id].endswith("-video")]  # fmt: skip
        assert videos == [(name, transform)], name


def test_a_slideshow_has_a_keyframe_at_each_cut_and_a_copy_cut_mid_second_matches(
    tmp_path: Path,
) -> None:
    pictures = cp.photographs()
    scenes = [pictures[n] for n in ("camera", "rocket", "coins")]
    frames = cp.slideshow_frames(scenes, [1.3, 1.7, 1.5], 10)
    original = read_media(cp.write_video(frames, tmp_path / "show.mp4", 10))
    # One a second, and the first frame of the second and third scenes (1.3 s and 3.0 s).
    assert [h.seconds for h in original.hashes] == pytest.approx([0, 1, 1.3, 2, 3, 4])
    assert [h.frame for h in original.hashes] == list(range(6))
    assert len(original.views) == 6 * len(VIDEO_VIEWS)
    # Cut half a second off the start: the marks of one a second now fall on other frames.
    later = read_media(cp.write_video(frames[5:], tmp_path / "later.mkv", 10, "mpeg4"))
    assert [h.seconds for h in later.hashes] == pytest.approx([0, 0.8, 1, 2, 2.5, 3])
    index = PdqIndex.from_hex(
        [1] * len(stored_hashes(original)),
        [h.pdq for _, h in stored_hashes(original)],
        [v for v, _ in stored_hashes(original)],
    )
    found = find_matches(index, later)
    assert [(m.match_id, m.transform) for m in found] == [(1, "")]
    # The cuts are the frames that meet: the same frames, as good as the same hashes.
    cut_hashes = {h.seconds: h.pdq for h in original.hashes}
    assert hamming(cut_hashes[1.3], later.hashes[1].pdq) <= 16
    assert hamming(cut_hashes[3.0], later.hashes[4].pdq) <= 16


def test_reencoding_halves_the_frame_rate_and_trimming_cuts_a_second(corpus: Corpus) -> None:
    original = corpus.media["coffee-video"]
    trimmed = read_media(corpus.copies["coffee-video", "trimmed"])
    assert original.duration == pytest.approx(4.0, abs=0.2)
    assert trimmed.duration == pytest.approx(3.0, abs=0.2)
    with av.open(str(corpus.copies["coffee-video", "reencoded"])) as container:
        assert float(container.streams.video[0].average_rate or 0) == pytest.approx(5.0)


def test_unrelated_originals_do_not_match_each_other(corpus: Corpus) -> None:
    for name, media in corpus.media.items():
        others = corpus.matches(media) - {name}
        # A video made from a photo may rightly match that photo; different pictures never.
        assert others <= {f"{name}-video", name.removesuffix("-video")}, name
    closest = min(
        hamming(corpus.media[a].hashes[0].pdq, corpus.media[b].hashes[0].pdq)
        for a in SCENES
        for b in SCENES
        if a < b
    )
    assert closest > THRESHOLD
    # Nor are the cropped views of one photograph near another photograph, or its mirror image.
    closest_view = min(
        hamming(query, view.pdq)
        for a in SCENES
        for b in SCENES
        if a != b
        for query in (corpus.media[a].hashes[0].pdq, corpus.media[a].mirrored[0])
        for view in corpus.media[b].views
    )
    assert closest_view > THRESHOLD


def test_photo_metadata_gives_exif_time_and_gps(tmp_path: Path) -> None:
    image = Image.new("RGB", (64, 48), (120, 30, 30))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2016:12:13 14:15:16"  # DateTimeOriginal
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (36.0, 12.0, 0.0)
    gps[3], gps[4] = "E", (37.0, 9.0, 36.0)
    path = tmp_path / "x.jpg"
    image.save(path, "JPEG", exif=exif)
    media = read_media(path)
    assert (media.kind, media.extension, media.width, media.height) == ("photo", "jpg", 64, 48)
    assert media.taken_at == datetime(2016, 12, 13, 14, 15, 16)
    assert (media.lat, media.lon) == (pytest.approx(36.2), pytest.approx(37.16))


def test_video_metadata_gives_creation_time_and_duration(tmp_path: Path) -> None:
    path = tmp_path / "clip.mkv"
    with av.open(str(path), "w") as container:
        container.metadata["creation_time"] = "2016-12-13T10:00:00.000000Z"
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(25):
            frame = av.VideoFrame.from_image(Image.new("RGB", (64, 48), (i * 10, 50, 90)))
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    media = read_media(path)
    assert media.kind == "video" and media.extension == "mkv"
    assert media.duration == pytest.approx(2.5, abs=0.15)
    assert media.taken_at is not None and media.taken_at.date().isoformat() == "2016-12-13"
    assert [h.seconds for h in media.hashes] == [0.0, 1.0, 2.0]


@pytest.mark.parametrize(
    ("name", "content"),
    [("notes.txt", b"not a picture"), ("x.gif", None), ("broken.jpg", b"\xff\xd8\xff\xe0broken")],
)
def test_an_unsupported_or_unreadable_file_is_refused_by_name(
    tmp_path: Path, name: str, content: bytes | None
) -> None:
    path = tmp_path / name
    if content is None:
        Image.new("RGB", (8, 8)).save(path, "GIF")
    else:
        path.write_bytes(content)
    with pytest.raises(MediaError, match=name):
        read_media(path)


# -- the archive, on SQLite and PostgreSQL --------------------------------------------------------


@pytest.fixture
def db(db_url: str, tmp_path: Path) -> str:
    places = tmp_path / "places.csv"
    with places.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(
            [
                ["#adm1+code", "#adm3+code", "#adm4+code", "#adm4+name+i_en"],
                ["SY02", "SY020000", "C1007", "Aleppo"],
                ["SY03", "SY030100", "C2329", "Duma"],
            ]
        )
    result = CliRunner().invoke(main, ["--db", db_url, "import", str(places)])
    assert result.exit_code == 0, result.output
    return db_url


def evidence(db: str, folder: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--db", db, "evidence", "--folder", str(folder), *args])
    return result.exit_code, result.stdout, result.stderr


def test_add_says_which_earlier_item_a_recycled_picture_is(
    db: str, tmp_path: Path, corpus: Corpus
) -> None:
    folder = tmp_path / "ev"
    today = datetime.now().date().isoformat()
    code, out, _ = evidence(
        db, folder, "add", str(corpus.originals["chelsea"]), str(corpus.originals["coffee"]),
        "--source", "Aleppo Media Centre", "--place", "C1007", "--date", "2016-12-01",
    )  # fmt: skip
    assert code == 0, out
    assert "matches" not in out
    code, out, _ = evidence(
        db, folder, "add", str(corpus.copies["chelsea", "jpeg30"]),
        "--source", "a channel", "--place", "c2329", "--date", "2017-02-10", "--claim", "Duma",
    )  # fmt: skip
    assert code == 0, out
    assert (
        f"this matches item 1, first registered on {today} from Aleppo Media Centre at C1007" in out
    )
    code, out, _ = evidence(db, folder, "show", "1")
    assert "is matched by item 3" in out


def test_a_recycled_video_is_caught(db: str, tmp_path: Path, corpus: Corpus) -> None:
    folder = tmp_path / "ev"
    common = ["--source", "S", "--place", "C1007", "--date", "2016-12-01"]
    assert evidence(db, folder, "add", str(corpus.originals["astronaut-video"]), *common)[0] == 0
    code, out, _ = evidence(
        db, folder, "add", str(corpus.copies["astronaut-video", "trimmed"]), *common
    )
    assert code == 0
    assert "this matches item 1," in out


def test_files_are_kept_by_content_read_only_and_verify_finds_changes(
    db: str, tmp_path: Path, corpus: Corpus
) -> None:
    folder = tmp_path / "ev"
    files = [str(corpus.originals["camera"]), str(corpus.originals["coffee-video"])]
    code, out, _ = evidence(
        db, folder, "add", *files, "--source", "S", "--place", "C1007", "--date", "2017-01-01"
    )
    assert code == 0, out
    stored = sorted(p for p in folder.rglob("*") if p.is_file())
    assert sorted(p.suffix for p in stored) == [".mp4", ".png"]
    for path in stored:
        assert path.parent.name == path.stem[:2] and len(path.stem) == 64
        assert not os.stat(path).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert evidence(db, folder, "verify")[:2] == (0, "2 items checked, 0 changed or missing\n")

    changed, gone = stored
    changed.chmod(0o644)
    changed.write_bytes(changed.read_bytes() + b"x")
    gone.unlink()
    code, out, err = evidence(db, folder, "verify")
    assert code == 1
    assert out == "2 items checked, 2 changed or missing\n"
    assert f"{changed.parent.name}/{changed.name} changed" in err
    assert f"{gone.parent.name}/{gone.name} missing" in err


def test_status_history_keeps_who_set_it_and_why(db: str, tmp_path: Path, corpus: Corpus) -> None:
    folder = tmp_path / "ev"
    args = ["--source", "S", "--place", "C1007", "--date", "2017-01-01"]
    assert evidence(db, folder, "add", str(corpus.originals["rocket"]), *args)[0] == 0
    assert (
        evidence(db, folder, "status", "1", "disputed", "--by", "Rana", "--why", "seen in 2015")[0]
        == 0
    )
    assert (
        evidence(db, folder, "status", "1", "false", "--by", "Omar", "--why", "a 2013 launch")[0]
        == 0
    )
    code, out, _ = evidence(db, folder, "show", "1")
    assert code == 0
    history = out.split("status history:\n")[1].splitlines()
    assert [line.split(None, 2)[2] for line in history] == [
        "unverified    by lagebild: registered",
        "disputed      by Rana: seen in 2015",
        "false         by Omar: a 2013 launch",
    ]
    assert evidence(db, folder, "list", "--status", "false")[1].endswith("1 items\n")
    assert evidence(db, folder, "list", "--status", "verified")[1] == "0 items\n"
    assert evidence(db, folder, "list", "--place", "C2329")[1] == "0 items\n"
    # The audit trail has them too, with the place, so that `lagebild history C1007` shows them.
    from lagebild.store.audit import history as audit_history

    trail = audit_history(Store.open(db), record_kind="evidence", record_id=1)
    assert [(c.action, (c.before or {}).get("status"), (c.after or {}).get("status"), c.why)
            for c in reversed(trail)] == [
        ("add", None, None, None),
        ("status", "unverified", "disputed", "seen in 2015"),
        ("status", "disputed", "false", "a 2013 launch"),
    ]  # fmt: skip
    assert {c.pcode for c in trail} == {"C1007"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["add", "{file}", "--source", "S", "--place", "C9999", "--date", "2017-01-01"],
            "unknown P-code 'C9999'",
        ),
        (
            ["add", "{bad}", "--source", "S", "--place", "C1007", "--date", "2017-01-01"],
            "notes.txt: not a photo",
        ),
        (
            ["add", "{missing}", "--source", "S", "--place", "C1007", "--date", "2017-01-01"],
            "nothing.jpg: no such file",
        ),
        (["status", "7", "verified", "--by", "A", "--why", "B"], "no evidence item 7"),
        (["show", "7"], "no evidence item 7"),
        (["list", "--place", "C9999"], "unknown P-code 'C9999'"),
    ],
)
def test_user_mistakes_are_one_line_errors(
    db: str, tmp_path: Path, corpus: Corpus, args: list[str], message: str
) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    names = {
        "{file}": str(corpus.originals["coins"]),
        "{bad}": str(bad),
        "{missing}": str(tmp_path / "nothing.jpg"),
    }
    code, out, err = evidence(db, tmp_path / "ev", *[names.get(a, a) for a in args])
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and message in err, err
    assert evidence(db, tmp_path / "ev", "list")[1] == "0 items\n"


def test_sqlite_keeps_the_files_beside_the_database(tmp_path: Path, corpus: Corpus) -> None:
    target = tmp_path / "db" / "lagebild.db"
    target.parent.mkdir()
    places = tmp_path / "p.csv"
    places.write_text("#adm1+code,#adm4+code,#adm4+name\nSY02,C1007,Aleppo\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(main, ["--db", str(target), "import", str(places)]).exit_code == 0
    result = runner.invoke(
        main,
        ["--db", str(target), "evidence", "add", str(corpus.originals["coins"]),
         "--source", "S", "--place", "C1007", "--date", "2017-01-01"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    sha = read_media(corpus.originals["coins"]).sha256
    assert (target.parent / "evidence" / sha[:2] / f"{sha}.png").is_file()


def test_the_demo_evidence_has_one_recycled_picture_that_is_caught(tmp_path: Path) -> None:
    from lagebild.evidence.demo import add_demo_evidence

    target = str(tmp_path / "demo.db")
    places = tmp_path / "p.csv"
    places.write_text(
        "#adm1+code,#adm3+code,#adm3+name,#adm4+code,#adm4+name\n"
        "SY02,SY020000,Jebel Saman,C1007,Aleppo\nSY03,SY030200,Duma,,\n",
        encoding="utf-8",
    )
    assert CliRunner().invoke(main, ["--db", target, "import", str(places)]).exit_code == 0
    store = Store.open(target)
    try:
        done = add_demo_evidence(store, tmp_path / "pictures")
    finally:
        store.close()
    assert [len(r.matches) for r in done] == [0, 0, 0, 1]
    assert done[3].matches[0][1].id == done[0].item.id


def test_the_index_counts_the_same_distances_as_python() -> None:
    import random

    rng = random.Random(4)
    hexes = [f"{rng.getrandbits(256):064x}" for _ in range(300)]
    index = PdqIndex.from_hex(list(range(1, 301)), hexes)
    query = hexes[7][:60] + f"{int(hexes[7][60:], 16) ^ 0b1011:04x}"
    assert index.distances(query).tolist() == [hamming(query, h) for h in hexes]
    assert index.near(query, 3)[0].item_id == 8 and index.near(query, 2) == []
    bigger = index.extended(301, [query])
    assert len(bigger) == 301 and bigger.near(query, 0)[0].item_id == 301


def test_views_count_as_one_picture_and_rotations_meet_only_registered_pictures() -> None:
    import random

    rng = random.Random(9)
    keyframes = [f"{rng.getrandbits(256):064x}" for _ in range(4)]
    views = [f"{rng.getrandbits(256):064x}" for _ in range(4 * 6)]
    index = PdqIndex.from_hex([3] * 28, keyframes + views, [0] * 4 + list(range(1, 7)) * 4)
    assert len(index) == 28 and index.hashes_of(3) == 4 and index.hashes_of(99) == 0
    # One frame of a four-frame query meeting a view is not enough for a video (needs two) ...
    probes = tuple(Probe(views[i]) if i == 0 else Probe(f"{rng.getrandbits(256):064x}")
                   for i in range(4))  # fmt: skip
    assert index.match([Query("", probes)]) == []
    # ... two are, and the match says it went through a cropped view.
    two = (Probe(views[0]), Probe(views[7]), *probes[2:])
    [found] = index.match([Query("", two)])
    assert (found.item_id, found.distance, found.frames, found.transform) == (3, 0, 2, "cropped")
    # The same probes as a rotation (crops=False) see only the four keyframes.
    assert index.match([Query("rotated 90 degrees", two, crops=False)]) == []
    rotated = (Probe(keyframes[0]), Probe(keyframes[1]), *probes[2:])
    [turned] = index.match([Query("rotated 90 degrees", rotated, crops=False)])
    assert turned.transform == "rotated 90 degrees"
    # A query's own views meet the registered pictures only, and say so.
    wider = tuple(Probe(f"{rng.getrandbits(256):064x}", (keyframes[i],)) for i in range(4))
    assert index.match([Query("", wider)])[0].transform == "wider"
    assert index.match([Query("", wider, crops=False)]) == []


def test_an_index_refuses_hashes_without_their_ids_or_variants() -> None:
    import numpy as np

    words = np.zeros((3, 4), dtype=np.uint64)
    with pytest.raises(ValueError, match="as many item ids and variants"):
        PdqIndex(words, np.array([1, 2]))
    with pytest.raises(ValueError, match="as many item ids and variants"):
        PdqIndex(words, np.array([1, 2, 3]), np.array([0, 1]))
