"""The recycled-footage check, measured (issue 4, point 6).

    python bench/evidence.py [--photos 20] [--videos 6] [--index 1000000] [--queries 100]

Builds a corpus from the real photographs scikit-image ships (no download), short pan-and-zoom
videos made from them and two slideshow videos that cut between photographs, with PyAV; then
transformed copies: JPEG quality 30, half size, 10 % crop, a watermark of text and logo, brighter,
mirrored; videos re-encoded at another bitrate and frame rate, trimmed by their first second,
mirrored and 10 % cropped; the slideshows trimmed by half a second and re-encoded. Every original
goes into a ``PdqIndex`` with its cropped views, as ``lagebild evidence add`` stores it; each copy
is then searched with ``lagebild.evidence.find_matches``, the code ``evidence add`` runs.

Prints, per distance threshold: recall (copies that find their original), false matches (pairs of
unrelated items that match: every copy and every original against every original it was not made
from), recall per transform; crops that the stored views do not contain (held out), searched both
ways; false matches against 1,000,000 random hashes; the query time on that index; and the
targets with PASS or FAIL. Asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from lagebild.evidence import THRESHOLD, PdqIndex, find_matches, read_media
from lagebild.evidence import corpus as cp
from lagebild.evidence.archive import stored_hashes
from lagebild.evidence.media import PHOTO_VIEWS, Media

THRESHOLDS = (31, 47, 63, 79)
TARGET_RECALL = 0.95
TARGET_FALSE = 0.001
TARGET_MS = 100.0
#: The slideshows: which photographs (by position in the corpus) and how long each is shown.
SLIDESHOWS = {
    "slideshow-a": ((6, 7, 8), (1.3, 1.7, 1.5)),
    "slideshow-b": ((9, 12, 15), (1.6, 1.2, 1.4)),
}

Copy = tuple[str, str, Media]  # (original name, transform, media)


class Corpus:
    def __init__(self, folder: Path, photos: int, videos: int) -> None:
        self.originals: dict[str, Media] = {}
        self.copies: list[Copy] = []
        self.held_out: list[Copy] = []
        #: The photographs each video was made from: a video may rightly match them.
        self.sources: dict[str, set[str]] = {}
        pictures = cp.photographs(photos)
        names = list(pictures)
        for name, image in pictures.items():
            path = folder / f"{name}.png"
            image.save(path)
            self.originals[name] = read_media(path)
            for label, copy in cp.transformed_photos(image, folder, name).items():
                self.copies.append((name, label, read_media(copy)))
            for label, copy in cp.held_out_crops(image, folder, name).items():
                self.held_out.append((name, label, read_media(copy)))
        for name, image in list(pictures.items())[:videos]:
            frames = cp.pan_zoom_frames(image, 4, 10)
            video = cp.write_video(frames, folder / f"{name}-video.mp4", 10)
            self.add_video(f"{name}-video", video, {name})
            for label, copy in cp.transformed_videos(video, folder, f"{name}-video").items():
                self.copies.append((f"{name}-video", label, read_media(copy)))
        for show, (chosen, seconds) in SLIDESHOWS.items():
            used = [names[i] for i in chosen if i < len(names)]
            if len(used) < len(chosen):
                continue
            frames = cp.slideshow_frames([pictures[n] for n in used], list(seconds), 10)
            video = cp.write_video(frames, folder / f"{show}.mp4", 10)
            self.add_video(show, video, set(used))
            half = cp.write_video(frames[5:], folder / f"{show}-trimmed-half.mkv", 10, "mpeg4")
            self.copies.append((show, "slideshow trimmed 0.5 s", read_media(half)))
            slower = cp.write_video(frames[::2], folder / f"{show}-5fps.mp4", 5, bitrate=250_000)
            self.copies.append((show, "slideshow re-encoded", read_media(slower)))

    def add_video(self, name: str, path: Path, sources: set[str]) -> None:
        self.originals[name] = read_media(path)
        self.sources[name] = sources

    def related(self, a: str, b: str) -> bool:
        """The same item, or a video and a photograph it was made from."""
        return a == b or a in self.sources.get(b, ()) or b in self.sources.get(a, ())


def index_of(items: dict[str, Media]) -> tuple[PdqIndex, dict[int, str]]:
    """The items' stored hashes (pictures and cropped views) in one index, ids from 1."""
    names = dict(enumerate(items, start=1))
    ids, hexes, variants = [], [], []
    for item_id, name in names.items():
        for variant, h in stored_hashes(items[name]):
            ids.append(item_id)
            hexes.append(h.pdq)
            variants.append(variant)
    return PdqIndex.from_hex(ids, hexes, variants), names


class Accuracy:
    def __init__(self, corpus: Corpus, threshold: int) -> None:
        index, names = index_of(corpus.originals)
        self.found = 0
        self.per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        self.false_pairs = 0
        self.pairs = 0
        self.misses: list[str] = []
        self.false: list[str] = []
        queries = [*corpus.copies, *((n, "original", m) for n, m in corpus.originals.items())]
        for original, label, media in queries:
            hits = {names[m.match_id] for m in find_matches(index, media, threshold)}
            if label != "original":
                ok = original in hits
                self.found += ok
                self.per[label][0] += ok
                self.per[label][1] += 1
                if not ok:
                    self.misses.append(f"{original}/{label}")
            for other in corpus.originals:
                if corpus.related(original, other):
                    continue
                self.pairs += 1
                if other in hits:
                    self.false_pairs += 1
                    self.false.append(f"{original}/{label} ~ {other}")
        self.recall = self.found / len(corpus.copies)
        self.rate = self.false_pairs / self.pairs


def held_out(corpus: Corpus, threshold: int) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Recall on crops the stored views do not contain: the crop searched against the originals,
    and (the earlier item being the crop) the original searched against the crops."""
    index, names = index_of(corpus.originals)
    forward: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for original, label, media in corpus.held_out:
        hits = {names[m.match_id] for m in find_matches(index, media, threshold)}
        forward[label][0] += original in hits
        forward[label][1] += 1
    backward: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    crops = [(o, lb, m) for o, lb, m in corpus.copies if lb == "crop10"] + corpus.held_out
    for original, label, media in crops:
        single, _ = index_of({"crop": media})
        found = find_matches(single, corpus.originals[original], threshold)
        backward[label][0] += bool(found)
        backward[label][1] += 1
    return forward, backward


def big_index(corpus: Corpus, size: int) -> tuple[PdqIndex, int]:
    """An index of ``size`` hashes: the corpus's own (with their views), the rest random, grouped
    like photos (a picture and its ``len(PHOTO_VIEWS)`` views per item); and where the random
    items' ids begin."""
    real, _ = index_of(corpus.originals)
    rng = np.random.default_rng(1)
    count = size - len(real)
    per_item = len(PHOTO_VIEWS) + 1
    first = len(corpus.originals) + 1
    words = np.concatenate([real.words, rng.integers(0, 2**64, (count, 4), dtype=np.uint64)])
    ids = np.concatenate([real.item_ids, first + np.arange(count, dtype=np.int64) // per_item])
    variants = np.concatenate([real.variants, (np.arange(count) % per_item).astype(np.int16)])
    return PdqIndex(words, ids, variants), first


def random_false_matches(corpus: Corpus, index: PdqIndex, first: int) -> tuple[int, int, int]:
    """Every copy, held-out crop and original searched in the big index: matches with random
    items, pairs, random items."""
    random_items = int(index.item_ids.max()) - first + 1
    queries = [m for _, _, m in corpus.copies + corpus.held_out] + list(corpus.originals.values())
    false = sum(1 for media in queries for m in find_matches(index, media) if m.match_id >= first)
    return false, len(queries) * random_items, random_items


def query_times(
    corpus: Corpus, index: PdqIndex, queries: int
) -> dict[str, tuple[float, float, int]]:
    """Median and 95th percentile of a whole ``find_matches`` on the big index, in ms, per kind,
    and how many searches of one hash it made."""
    single = []
    probes = [h.pdq for m in corpus.originals.values() for h in m.hashes]
    for i in range(queries):
        start = time.perf_counter()
        index.near(probes[i % len(probes)])
        single.append((time.perf_counter() - start) * 1000)
    out = {"one hash": _spread(single, 1)}
    for kind in ("photo", "video"):
        media = [m for _, _, m in corpus.copies if m.kind == kind]
        if not media:
            continue
        times = []
        for i in range(max(queries // 4, 5)):
            start = time.perf_counter()
            find_matches(index, media[i % len(media)])
            times.append((time.perf_counter() - start) * 1000)
        example = media[0]
        searches = 2 * len(example.hashes) + 2 * len(example.views) + (6 if kind == "photo" else 0)
        out[kind] = _spread(times, searches)
    return out


def _spread(times: list[float], searches: int) -> tuple[float, float, int]:
    times.sort()
    return statistics.median(times), times[max(int(len(times) * 0.95) - 1, 0)], searches


def _per(per: dict[str, list[int]]) -> str:
    return ", ".join(f"{k} {a}/{b}" for k, (a, b) in per.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--videos", type=int, default=6)
    parser.add_argument("--index", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="lagebild-evidence-bench-") as tmp:
        start = time.perf_counter()
        corpus = Corpus(Path(tmp), args.photos, args.videos)
        built = time.perf_counter() - start
    kinds: dict[str, int] = defaultdict(int)
    for m in corpus.originals.values():
        kinds[m.kind] += 1
    stored = sum(len(stored_hashes(m)) for m in corpus.originals.values())
    print(
        f"corpus: {kinds['photo']} photos and {kinds['video']} videos from scikit-image's "
        f"photographs, {len(corpus.copies)} transformed copies, {len(corpus.held_out)} held-out "
        f"crops ({built:.1f} s to make and hash); {stored} stored hashes "
        f"({len(PHOTO_VIEWS) + 1} per photo)"
    )
    chosen = None
    for threshold in THRESHOLDS:
        acc = Accuracy(corpus, threshold)
        mark = "  <- lagebild's threshold" if threshold == THRESHOLD else ""
        print(
            f"\nthreshold {threshold}{mark}: recall {acc.recall:.1%} ({acc.found}/"
            f"{len(corpus.copies)}), false matches {acc.rate:.3%} ({acc.false_pairs}/{acc.pairs} "
            "pairs)"
        )
        print("  " + _per(acc.per))
        print("  missed: " + (", ".join(acc.misses) if acc.misses else "none"))
        if acc.false:
            print("  false: " + ", ".join(acc.false))
        forward, backward = held_out(corpus, threshold)
        print("  held-out crops found: " + _per(forward))
        print("  original found from the crop (crop registered first): " + _per(backward))
        if threshold == THRESHOLD:
            chosen = acc
    start = time.perf_counter()
    index, first = big_index(corpus, args.index)
    false, pairs, items = random_false_matches(corpus, index, first)
    print(
        f"\nindex of {len(index):,} hashes ({stored} real, the rest random in {items:,} items of "
        f"{len(PHOTO_VIEWS) + 1}): false matches with random items {false}/{pairs:,} pairs "
        f"({time.perf_counter() - start:.1f} s)"
    )
    times = query_times(corpus, index, args.queries)
    for kind, (median, p95, searches) in times.items():
        print(f"  query, {kind}: median {median:.1f} ms, p95 {p95:.1f} ms ({searches} searches)")
    assert chosen is not None
    print(f"\ntargets at threshold {THRESHOLD}:")
    verdict = {True: "PASS", False: "FAIL"}
    print(
        f"  recall >= {TARGET_RECALL:.0%}: {chosen.recall:.1%} "
        f"{verdict[chosen.recall >= TARGET_RECALL]}"
    )
    worst = max(chosen.rate, false / pairs)
    print(
        f"  false matches < {TARGET_FALSE:.1%}: {chosen.rate:.3%} among the corpus, "
        f"{false / pairs:.5%} against random hashes {verdict[worst < TARGET_FALSE]}"
    )
    p95 = times["photo"][1]
    print(f"  photo query < {TARGET_MS:.0f} ms: {p95:.1f} ms (p95) {verdict[p95 < TARGET_MS]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
