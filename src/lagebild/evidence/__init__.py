"""Evidence: photos and videos with their file hash, embedded metadata and PDQ perceptual hashes,
the recycled-footage check, integrity verification and a verification status with its history."""

from lagebild.evidence.archive import (
    DEFAULT_FOLDER,
    EvidenceError,
    ItemDetail,
    Problem,
    Registered,
    detail,
    evidence_folder,
    find_matches,
    items,
    load_index,
    register,
    set_status,
    verify,
)
from lagebild.evidence.matching import THRESHOLD, PdqIndex
from lagebild.evidence.media import Media, MediaError, read_media

__all__ = [
    "DEFAULT_FOLDER",
    "THRESHOLD",
    "EvidenceError",
    "ItemDetail",
    "Media",
    "MediaError",
    "PdqIndex",
    "Problem",
    "Registered",
    "detail",
    "evidence_folder",
    "find_matches",
    "items",
    "load_index",
    "read_media",
    "register",
    "set_status",
    "verify",
]
