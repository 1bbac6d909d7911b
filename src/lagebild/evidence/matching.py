"""Near-duplicate search on PDQ hashes: a numpy index of 256-bit hashes packed as 4 x uint64.

A query XORs its hash with every row and counts the differing bits (``np.bitwise_count``): a linear
scan, about 3 ms per query over a million hashes on a 2-core machine (``bench/evidence.py``).
``evidence add`` and the bench use this same code.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Two PDQ hashes at most this many bits apart (of 256) are taken for the same picture. Meta
#: publishes 31 for PDQ at high precision; on the measured corpus (bench/evidence.py, 20 real
#: photographs, 6 videos, 132 transformed copies) 31 finds 70 % of the copies, 63 finds 82 % (96 %
#: of all but the 10 % crops, which PDQ does not survive at any threshold that keeps different
#: pictures apart) with still no false match: different photographs lie 106 bits apart or more,
#: and a random hash is within 63 bits with a chance of about 1e-16. A match is an alert for an
#: analyst, who sees the distance; a missed recycled picture is the worse mistake.
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


@dataclass(frozen=True, slots=True)
class ItemMatch:
    """An indexed item that a query (a photo or a video's keyframes) matches."""

    item_id: int
    distance: int  # the smallest distance of any matching pair
    frames: int  # how many query hashes found a near hash in this item
    variant: int  # which query variant matched (0: the picture as given)


class PdqIndex:
    """PDQ hashes of many items, searchable by Hamming distance."""

    def __init__(self, words: np.ndarray, item_ids: np.ndarray) -> None:
        words = np.asarray(words, dtype=np.uint64).reshape(-1, 4)
        # Four contiguous columns, one per 64-bit word: a query then streams through each column
        # without temporaries of the whole (n, 4) table, about 3 ms per million hashes (instead
        # of 17 ms row-wise).
        self.columns = [np.ascontiguousarray(words[:, i]) for i in range(4)]
        self.item_ids = np.asarray(item_ids, dtype=np.int64)
        counts = np.bincount(self.item_ids) if len(self.item_ids) else np.zeros(0, np.int64)
        self._hashes_per_item = counts

    @property
    def words(self) -> np.ndarray:
        """The hashes as an (n, 4) array of uint64."""
        return np.stack(self.columns, axis=1) if self.columns else np.zeros((0, 4), np.uint64)

    @classmethod
    def from_hex(cls, item_ids: Sequence[int], hexes: Sequence[str]) -> PdqIndex:
        return cls(hex_to_words(hexes), np.asarray(item_ids, dtype=np.int64))

    def extended(self, item_id: int, hexes: Sequence[str]) -> PdqIndex:
        """This index with one more item's hashes."""
        words = np.concatenate([self.words, hex_to_words(hexes)])
        ids = np.concatenate([self.item_ids, np.full(len(hexes), item_id, dtype=np.int64)])
        return PdqIndex(words, ids)

    def __len__(self) -> int:
        return len(self.item_ids)

    def distances(self, pdq: str) -> np.ndarray:
        """The Hamming distance from one hash to every indexed hash."""
        query = hex_to_words([pdq])[0]
        dist = np.bitwise_count(self.columns[0] ^ query[0]).astype(np.uint16)
        for column, word in zip(self.columns[1:], query[1:], strict=True):
            dist += np.bitwise_count(column ^ word)
        return dist

    def near(self, pdq: str, threshold: int = THRESHOLD) -> list[Hit]:
        """Each item with a hash within ``threshold`` bits, at its smallest distance, nearest
        first."""
        dist = self.distances(pdq)
        rows = np.flatnonzero(dist <= threshold)
        best: dict[int, int] = {}
        for row in rows:
            item, d = int(self.item_ids[row]), int(dist[row])
            if d < best.get(item, 257):
                best[item] = d
        return sorted((Hit(i, d) for i, d in best.items()), key=lambda h: (h.distance, h.item_id))

    def hashes_of(self, item_id: int) -> int:
        return int(self._hashes_per_item[item_id]) if item_id < len(self._hashes_per_item) else 0

    def match(
        self,
        hashes: Sequence[str],
        variants: Sequence[Sequence[str]] = (),
        threshold: int = THRESHOLD,
    ) -> list[ItemMatch]:
        """The items a photo or video matches.

        ``hashes`` are the query's own hashes (one for a photo, its keyframes for a video);
        ``variants`` optional further hash lists of the same query (a photo's mirrored and rotated
        variants), each tried like ``hashes``. A photo, or an item with one hash, matches on one
        near pair; two videos match when at least ``VIDEO_SHARE`` of the shorter one's keyframes
        (and at least two) find a near hash.
        """
        found: dict[int, ItemMatch] = {}
        for variant, query in enumerate([list(hashes), *[list(v) for v in variants]]):
            frames: dict[int, int] = {}
            nearest: dict[int, int] = {}
            for pdq in query:
                for hit in self.near(pdq, threshold):
                    frames[hit.item_id] = frames.get(hit.item_id, 0) + 1
                    nearest[hit.item_id] = min(nearest.get(hit.item_id, 257), hit.distance)
            for item, count in frames.items():
                if count < self.frames_needed(len(query), self.hashes_of(item)):
                    continue
                candidate = ItemMatch(item, nearest[item], count, variant)
                known = found.get(item)
                if known is None or candidate.distance < known.distance:
                    found[item] = candidate
        return sorted(found.values(), key=lambda m: (m.distance, m.item_id))

    @staticmethod
    def frames_needed(query_hashes: int, item_hashes: int) -> int:
        shorter = min(query_hashes, item_hashes)
        if shorter <= 1:
            return 1
        return max(2, math.ceil(VIDEO_SHARE * shorter))
