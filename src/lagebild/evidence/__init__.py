"""Evidence: photos and videos with their file hash, embedded metadata and PDQ perceptual hashes,
the recycled-footage check, integrity verification and a verification status with its history."""

from lagebild.evidence.archive import (
    DEFAULT_FOLDER,
    EvidenceError,
    ItemDetail,
    ItemPage,
    Problem,
    Registered,
    browse,
    detail,
    evidence_folder,
    find_matches,
    item_thumbnail,
    items,
    load_index,
    register,
    set_status,
    sources,
    verify,
)
from lagebild.evidence.matching import THRESHOLD, PdqIndex
from lagebild.evidence.media import Media, MediaError, read_media
from lagebild.evidence.thumbnail import SIDES, ThumbnailError

__all__ = [
    "DEFAULT_FOLDER",
    "SIDES",
    "THRESHOLD",
    "EvidenceError",
    "ItemDetail",
    "ItemPage",
    "Media",
    "MediaError",
    "PdqIndex",
    "Problem",
    "Registered",
    "ThumbnailError",
    "browse",
    "detail",
    "evidence_folder",
    "find_matches",
    "item_thumbnail",
    "items",
    "load_index",
    "read_media",
    "register",
    "set_status",
    "sources",
    "verify",
]
