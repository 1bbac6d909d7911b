"""Evidence records: a photo or video, its hashes, its verification status and what it matches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

#: Verification statuses of an evidence item, from "nobody has checked" to "shown to be false".
EVIDENCE_STATUSES = ("unverified", "corroborated", "disputed", "verified", "false")
PHOTO_TYPES = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
VIDEO_SUFFIXES = ("mp4", "webm", "mov", "mkv")


@dataclass(frozen=True, slots=True)
class FrameHash:
    """The PDQ hash of a photo (frame 0) or of one keyframe sampled from a video."""

    frame: int
    seconds: float
    pdq: str  # 64 hex characters, 256 bits
    quality: int  # PDQ's own 0-100 measure of how much detail the picture has


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One registered photo or video, as stored."""

    id: int
    sha256: str
    kind: str  # "photo" or "video"
    extension: str
    size: int
    file_name: str
    stored_path: str  # relative to the evidence folder: <sha[:2]>/<sha>.<ext>
    source: str | None
    pcode: str | None
    place_name: str | None
    claimed_date: date | None
    claim: str | None
    taken_at: datetime | None
    lat: float | None
    lon: float | None
    duration: float | None
    width: int | None
    height: int | None
    status: str
    registered_at: datetime
    incident_id: int | None = None


@dataclass(frozen=True, slots=True)
class StatusChange:
    item_id: int
    status: str
    by: str
    why: str
    at: datetime


@dataclass(frozen=True, slots=True)
class EvidenceMatch:
    """An earlier item that a registered item matches: its perceptual hashes are near."""

    item_id: int
    match_id: int
    distance: int  # smallest Hamming distance between their PDQ hashes
    frames: int  # how many of the item's hashes found a near hash in the match
    transform: str  # "" or the dihedral variant that matched ("mirror", "rotate 90", ...)


@dataclass(frozen=True, slots=True)
class NewItem:
    """What ``lagebild.store.evidence.add_item`` writes about a file."""

    sha256: str
    kind: str
    extension: str
    size: int
    file_name: str
    stored_path: str
    source: str
    place_id: int
    claimed_date: date | None
    claim: str | None
    taken_at: datetime | None
    lat: float | None
    lon: float | None
    duration: float | None
    width: int | None
    height: int | None
    registered_at: datetime
