"""Near-duplicate search on PDQ hashes: a numpy index of 256-bit hashes packed as 4 x uint64.

A query XORs its hash with every row and counts the differing bits (``np.bitwise_count``): a linear
scan, about 3 ms per hash over a million hashes on a 2-core machine (``bench/evidence.py``).
Each stored picture comes with hashes of cropped views of it (``media.CROPS``), because PDQ alone
does not survive a crop: a query meets those views, and its own views meet the stored pictures.
``evidence add`` and the bench use this same code.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Two PDQ hashes at most this many bits apart (of 256) are taken for the same picture. Meta
#: publishes 31 for PDQ at high precision. Measured (bench/RESULTS.md: 20 real photographs, 8
#: videos, 148 transformed copies, with the cropped views stored): 31 finds 87 % of the copies,
#: 47 94 %, 63 97 % (the 10 % crops all), 79 99 %, each with no false match among 4,620 pairs of
#: unrelated items; the closest unrelated photographs, views included, lie 94 bits apart. 63 is
#: kept rather than 79 for the random side: a hash falls within 63 bits of a random one with a
#: chance of 8e-17, within 79 of 4e-10, and a photo's query makes about 4 million comparisons on
#: an index of a million hashes (3e-10 false matches a query at 63, 0.002 at 79). A match is an
#: alert for an analyst, who sees the distance; a missed recycled picture is the worse mistake.
THRESHOLD = 63
#: A video matches an earlier video when at least this share of its sampled keyframes (and at least
#: two, when it has two) finds a near hash among that video's keyframes.
VIDEO_SHARE = 0.3
#: Hashes of less quality than this (PDQ's 0-100 measure of detail) are kept but not searched for:
#: a flat or black frame looks like every other flat frame. Meta suggests 50.
MIN_QUALITY = 50


def hex_to_words(hexes: Sequence[str]) -> np.ndarray:
    """64-hex PDQ hashes as an (n, 4) array of uint64."""
    if not hexes:
        return np.zeros((0, 4), dtype=np.uint64)
    raw = bytes.fromhex("".join(hexes))
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(-1, 4)


def hamming(a: str, b: str) -> int:
    return int((int(a, 16) ^ int(b, 16)).bit_count())


@dataclass(frozen=True, slots=True)
class Hit:
    item_id: int
    distance: int
    variant: int  # the stored view that was nearest: 0 the picture as registered, else a crop


@dataclass(frozen=True, slots=True)
class Probe:
    """One frame of a query: its hash (searched against every stored hash, the cropped views of
    the stored pictures included) and the hashes of its own cropped views (searched against the
    stored pictures as registered, which finds an earlier item that is a crop of this one)."""

    pdq: str
    views: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Query:
    """A photo's or video's probes in one orientation (``transform``: "" as given, "mirrored
    left-right", ...). With ``crops`` false the probes meet only the stored pictures as
    registered, not their cropped views (for the rarer rotations: fewer chances of a false
    match)."""

    transform: str
    probes: tuple[Probe, ...]
    crops: bool = True


@dataclass(frozen=True, slots=True)
class ItemMatch:
    """An indexed item that a query (a photo or a video's keyframes) matches."""

    item_id: int
    distance: int  # the smallest distance of any matching pair
    frames: int  # how many query frames found a near hash in this item
    transform: str  # how the query relates to the item: "", "mirrored left-right", "cropped", ...


#: How a match through a cropped view is described: the query is a crop of the stored picture,
#: or the stored picture is a crop of the query.
CROPPED, WIDER = "cropped", "wider"


class PdqIndex:
    """PDQ hashes of many items, searchable by Hamming distance.

    Each row is a hash of one item with its ``variant``: 0 for a picture as registered (a photo,
    a video keyframe), another number for a cropped view of it (``media.CROPS``).
    """

    def __init__(
        self, words: np.ndarray, item_ids: np.ndarray, variants: np.ndarray | None = None
    ) -> None:
        words = np.asarray(words, dtype=np.uint64).reshape(-1, 4)
        # Four contiguous columns, one per 64-bit word: a query then streams through each column
        # without temporaries of the whole (n, 4) table, about 3 ms per million hashes (instead
        # of 17 ms row-wise).
        self.columns = [np.ascontiguousarray(words[:, i]) for i in range(4)]
        self.item_ids = np.asarray(item_ids, dtype=np.int64)
        if variants is None:
            variants = np.zeros(len(self.item_ids), dtype=np.int16)
        self.variants = np.asarray(variants, dtype=np.int16)
        if not len(self.variants) == len(self.item_ids) == len(words):
            raise ValueError("an index needs as many item ids and variants as hashes")
        # The pictures as registered, apart: the cropped views of a query search only these.
        registered = np.flatnonzero(self.variants == 0)
        self._registered_columns = [np.ascontiguousarray(c[registered]) for c in self.columns]
        self._registered_ids = self.item_ids[registered]
        counts = np.bincount(self._registered_ids) if len(registered) else np.zeros(0, np.int64)
        self._hashes_per_item = counts

    @property
    def words(self) -> np.ndarray:
        """The hashes as an (n, 4) array of uint64."""
        return np.stack(self.columns, axis=1)

    @classmethod
    def from_hex(
        cls, item_ids: Sequence[int], hexes: Sequence[str], variants: Sequence[int] | None = None
    ) -> PdqIndex:
        return cls(
            hex_to_words(hexes),
            np.asarray(item_ids, dtype=np.int64),
            None if variants is None else np.asarray(variants, dtype=np.int16),
        )

    def extended(
        self, item_id: int, hexes: Sequence[str], variants: Sequence[int] | None = None
    ) -> PdqIndex:
        """This index with one more item's hashes."""
        words = np.concatenate([self.words, hex_to_words(hexes)])
        ids = np.concatenate([self.item_ids, np.full(len(hexes), item_id, dtype=np.int64)])
        more = np.zeros(len(hexes), np.int16) if variants is None else np.asarray(variants)
        return PdqIndex(words, ids, np.concatenate([self.variants, more.astype(np.int16)]))

    def __len__(self) -> int:
        return len(self.item_ids)

    def distances(self, pdq: str, registered_only: bool = False) -> np.ndarray:
        """The Hamming distance from one hash to every indexed hash (or to every hash of a
        picture as registered)."""
        columns = self._registered_columns if registered_only else self.columns
        query = hex_to_words([pdq])[0]
        dist = np.bitwise_count(columns[0] ^ query[0]).astype(np.uint16)
        for column, word in zip(columns[1:], query[1:], strict=True):
            dist += np.bitwise_count(column ^ word)
        return dist

    def near(
        self, pdq: str, threshold: int = THRESHOLD, registered_only: bool = False
    ) -> list[Hit]:
        """Each item with a hash within ``threshold`` bits, at its smallest distance (the
        picture as registered before its cropped views at the same distance), nearest first."""
        dist = self.distances(pdq, registered_only)
        rows = np.flatnonzero(dist <= threshold)
        if registered_only:
            ids, variants = self._registered_ids[rows], np.zeros(len(rows), np.int16)
        else:
            ids, variants = self.item_ids[rows], self.variants[rows]
        best: dict[int, tuple[int, int]] = {}
        for item, d, variant in zip(ids.tolist(), dist[rows].tolist(), variants.tolist(),
                                    strict=True):  # fmt: skip
            if (d, variant) < best.get(item, (257, 0)):
                best[item] = (d, variant)
        found = (Hit(i, d, v) for i, (d, v) in best.items())
        return sorted(found, key=lambda h: (h.distance, h.item_id))

    def hashes_of(self, item_id: int) -> int:
        """How many pictures (a photo: one; a video: its keyframes) an item has in the index."""
        return int(self._hashes_per_item[item_id]) if item_id < len(self._hashes_per_item) else 0

    def match(self, queries: Sequence[Query], threshold: int = THRESHOLD) -> list[ItemMatch]:
        """The items a photo or video matches, in any of its orientations (``queries``).

        A photo, or an item with one picture, matches on one near pair; two videos match when at
        least ``VIDEO_SHARE`` of the shorter one's keyframes (and at least two) find a near hash.
        Of an item matched in several orientations the nearest is kept.
        """
        found: dict[int, ItemMatch] = {}
        for query in queries:
            frames, nearest = self._frames_met(query, threshold)
            for item, count in frames.items():
                if count < self.frames_needed(len(query.probes), self.hashes_of(item)):
                    continue
                distance, how = nearest[item]
                transform = ", ".join(t for t in (query.transform, how) if t)
                candidate = ItemMatch(item, distance, count, transform)
                known = found.get(item)
                if known is None or candidate.distance < known.distance:
                    found[item] = candidate
        return sorted(found.values(), key=lambda m: (m.distance, m.item_id))

    def _frames_met(
        self, query: Query, threshold: int
    ) -> tuple[dict[int, int], dict[int, tuple[int, str]]]:
        """For one orientation: how many of its pictures meet each item, and the nearest way
        (distance and how) any of them does."""
        frames: dict[int, int] = {}
        nearest: dict[int, tuple[int, str]] = {}
        for probe in query.probes:
            for item, pair in self._probe_hits(probe, query.crops, threshold).items():
                frames[item] = frames.get(item, 0) + 1
                if _rank(pair) < _rank(nearest.get(item)):
                    nearest[item] = pair
        return frames, nearest

    def _probe_hits(
        self, probe: Probe, crops: bool, threshold: int
    ) -> dict[int, tuple[int, str]]:
        """The items one picture meets, each at its nearest distance and how (``CROPPED``: the
        picture is a crop of the item; ``WIDER``, only with ``crops``: the item is a crop of it)."""
        best: dict[int, tuple[int, str]] = {}
        for hit in self.near(probe.pdq, threshold, registered_only=not crops):
            best[hit.item_id] = (hit.distance, CROPPED if hit.variant else "")
        if crops:
            for view in probe.views:
                for hit in self.near(view, threshold, registered_only=True):
                    if (hit.distance, 1) < _rank(best.get(hit.item_id)):
                        best[hit.item_id] = (hit.distance, WIDER)
        return best

    @staticmethod
    def frames_needed(query_hashes: int, item_hashes: int) -> int:
        shorter = min(query_hashes, item_hashes)
        if shorter <= 1:
            return 1
        return max(2, math.ceil(VIDEO_SHARE * shorter))


def _rank(pair: tuple[int, str] | None) -> tuple[int, int]:
    """Order of two ways a frame met an item: nearer first, then the uncropped way."""
    if pair is None:
        return (257, 0)
    return (pair[0], 1 if pair[1] else 0)
