"""The evidence archive: register files, find what they match, verify what is stored.

Files are copied into the evidence folder, content-addressed by SHA-256
(``<folder>/<sha[:2]>/<sha>.<ext>``), made read-only and never modified.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from lagebild.errors import RefusedInput
from lagebild.evidence.matching import MIN_QUALITY, THRESHOLD, PdqIndex, Probe, Query
from lagebild.evidence.media import (
    DIHEDRAL,
    MIRROR,
    Media,
    MediaError,
    View,
    read_media,
    sha256_of,
)
from lagebild.evidence.thumbnail import thumbnail
from lagebild.messages import N_, Message, codes
from lagebild.model.evidence import (
    EVIDENCE_STATUSES,
    EvidenceItem,
    EvidenceMatch,
    FrameHash,
    NewItem,
    StatusChange,
)
from lagebild.store import Store
from lagebild.store import evidence as db

DEFAULT_FOLDER = "lagebild-evidence"


#: The words of the verification statuses.
STATUS_WORDS = {
    "unverified": N_("unverified"),
    "corroborated": N_("corroborated"),
    "disputed": N_("disputed"),
    "verified": N_("verified"),
    "false": N_("false"),
}


def _no_item(item_id: int) -> EvidenceError:
    return EvidenceError(Message(N_("no evidence item %(id)s"), {"id": str(item_id)}))


def _unknown_place(pcode: str) -> EvidenceError:
    return EvidenceError(Message(N_("unknown P-code %(pcode)s"), {"pcode": repr(pcode)}))


def _unknown_status(status: str) -> EvidenceError:
    return EvidenceError(
        Message(
            N_("status %(status)s: use one of %(allowed)s"),
            {"status": repr(status), "allowed": codes(EVIDENCE_STATUSES, STATUS_WORDS)},
        )
    )


class EvidenceError(RefusedInput):
    """A user's mistake: an unknown place, item or status, or a file that cannot be registered."""


def evidence_folder(store: Store, folder: str | Path | None = None) -> Path:
    """Where the files live: ``folder`` if given; else ``evidence/`` beside a SQLite database, or
    ``./lagebild-evidence`` for a server database."""
    if folder:
        return Path(folder).expanduser().absolute()
    database = store.engine.url.database
    if store.dialect == "sqlite" and database and database != ":memory:":
        return Path(database).absolute().parent / "evidence"
    return Path(DEFAULT_FOLDER).absolute()


@dataclass(frozen=True, slots=True)
class Registered:
    """One file registered, and the earlier items it matches."""

    item: EvidenceItem
    matches: list[tuple[EvidenceMatch, EvidenceItem]]


def load_index(store: Store) -> PdqIndex:
    """The near-duplicate index of every stored hash; loaded once per command."""
    item_ids, hexes, variants = db.all_hashes(store)
    return PdqIndex.from_hex(item_ids, hexes, variants)


def queries_of(media: Media) -> list[Query]:
    """What a photo or video is searched with: its frames as given and mirrored left-right, each
    with its cropped views; a photo also in its six rotations and transposes (against the stored
    pictures as registered only). Frames of too little detail are left out unless all are."""
    frames = [i for i, h in enumerate(media.hashes) if h.quality >= MIN_QUALITY]
    frames = frames or list(range(len(media.hashes)))
    views: dict[int, list[View]] = {}
    for view in media.views:
        views.setdefault(view.frame, []).append(view)

    def probes(mirrored: bool) -> tuple[Probe, ...]:
        return tuple(
            Probe(
                media.mirrored[i] if mirrored else media.hashes[i].pdq,
                tuple(v.mirrored if mirrored else v.pdq for v in views.get(i, [])),
            )
            for i in frames
        )

    found = [Query("", probes(False)), Query(DIHEDRAL[MIRROR], probes(True))]
    for number, pdq in enumerate(media.variants):
        if number not in (0, MIRROR):
            found.append(Query(DIHEDRAL[number], (Probe(pdq),), crops=False))
    return found


def find_matches(index: PdqIndex, media: Media, threshold: int = THRESHOLD) -> list[EvidenceMatch]:
    """The indexed items a photo or video matches (item id 0 stands for the new one)."""
    return [
        EvidenceMatch(0, m.item_id, m.distance, m.frames, m.transform)
        for m in index.match(queries_of(media), threshold)
    ]


def stored_hashes(media: Media) -> list[tuple[int, FrameHash]]:
    """What is stored of a file's hashes: (variant, hash) of each frame and of its cropped
    views."""
    seconds = {h.frame: h.seconds for h in media.hashes}
    return [(0, h) for h in media.hashes] + [
        (v.variant, FrameHash(v.frame, seconds[v.frame], v.pdq, v.quality)) for v in media.views
    ]


def register(
    store: Store,
    files: Sequence[Path],
    *,
    source: str,
    pcode: str,
    on: date | None,
    claim: str | None = None,
    folder: str | Path | None = None,
    by: str = "lagebild",
) -> list[Registered]:
    """Register photos and videos: hash, read metadata, store a copy, record what each matches.

    Every file is read before anything is written, so a bad file registers none of them.
    """
    if not source.strip():
        raise EvidenceError("--source must name who supplied the files")
    place = db.place_id(store, pcode)
    if place is None:
        raise _unknown_place(pcode)
    try:
        media = [read_media(Path(f)) for f in files]
    except MediaError as exc:
        raise EvidenceError(str(exc)) from exc
    root = evidence_folder(store, folder)
    index = load_index(store)
    done: list[Registered] = []
    for found in media:
        matches = find_matches(index, found)
        stored = _store_copy(root, found)
        item_id = db.add_item(
            store,
            NewItem(
                sha256=found.sha256,
                kind=found.kind,
                extension=found.extension,
                size=found.size,
                file_name=found.path.name,
                stored_path=stored,
                source=source.strip(),
                place_id=place,
                claimed_date=on,
                claim=claim,
                taken_at=found.taken_at,
                lat=found.lat,
                lon=found.lon,
                duration=found.duration,
                width=found.width,
                height=found.height,
                registered_at=datetime.now().replace(microsecond=0),
            ),
            stored_hashes(found),
            matches,
            by,
        )
        # Later files of the same command are matched against this one too.
        kept = stored_hashes(found)
        index = index.extended(item_id, [h.pdq for _, h in kept], [v for v, _ in kept])
        earlier = db.items_by_id(store, [m.match_id for m in matches])
        item = db.item(store, item_id)
        assert item is not None
        done.append(Registered(item, [(m, earlier[m.match_id]) for m in matches]))
    return done


def _store_copy(root: Path, media: Media) -> str:
    relative = f"{media.sha256[:2]}/{media.sha256}.{media.extension}"
    target = root / relative
    if target.exists() and sha256_of(target) == media.sha256:
        return relative
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    os.close(handle)
    try:
        shutil.copyfile(media.path, temporary)
        if sha256_of(Path(temporary)) != media.sha256:
            raise EvidenceError(f"{media.path}: the file changed while it was being registered")
        os.chmod(temporary, 0o444)
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return relative


@dataclass(frozen=True, slots=True)
class Problem:
    item: EvidenceItem
    what: str  # "missing" or "changed"
    found_sha256: str | None


def verify(store: Store, folder: str | Path | None = None) -> tuple[int, list[Problem]]:
    """Re-hash every stored file: how many were checked, and those that changed or went missing."""
    root = evidence_folder(store, folder)
    problems: list[Problem] = []
    checked = 0
    seen: dict[str, str | None] = {}
    for item in db.items(store):
        checked += 1
        if item.stored_path not in seen:
            path = root / item.stored_path
            seen[item.stored_path] = sha256_of(path) if path.is_file() else None
        found = seen[item.stored_path]
        if found is None:
            problems.append(Problem(item, "missing", None))
        elif found != item.sha256:
            problems.append(Problem(item, "changed", found))
    return checked, problems


def set_status(store: Store, item_id: int, status: str, by: str, why: str) -> None:
    if status not in EVIDENCE_STATUSES:
        raise _unknown_status(status)
    if not by.strip() or not why.strip():
        raise EvidenceError(Message(N_("say who sets the status (--by) and why (--why)")))
    if db.item(store, item_id) is None:
        raise _no_item(item_id)
    now = datetime.now().replace(microsecond=0)
    db.set_status(store, item_id, status, by.strip(), why.strip(), now)


def items(store: Store, pcode: str | None = None, status: str | None = None) -> list[EvidenceItem]:
    place = None
    if pcode is not None:
        place = db.place_id(store, pcode)
        if place is None:
            raise _unknown_place(pcode)
    if status is not None and status not in EVIDENCE_STATUSES:
        raise _unknown_status(status)
    return db.items(store, place, status)


@dataclass(frozen=True, slots=True)
class ItemDetail:
    item: EvidenceItem
    hashes: int
    matches: list[tuple[EvidenceMatch, EvidenceItem]]  # with the other item of each pair
    history: list[StatusChange]


def detail(store: Store, item_id: int) -> ItemDetail:
    item = db.item(store, item_id)
    if item is None:
        raise _no_item(item_id)
    pairs = db.matches_of(store, item_id)
    others = db.items_by_id(
        store, [m.match_id if m.item_id == item_id else m.item_id for m in pairs]
    )
    return ItemDetail(
        item,
        len(db.hashes_of(store, item_id)),
        [(m, others[m.match_id if m.item_id == item_id else m.item_id]) for m in pairs],
        db.status_history(store, item_id),
    )


@dataclass(frozen=True, slots=True)
class ItemPage:
    """One page of the archive, newest first: the items, how many items each matches, and how
    many items pass the filters in all."""

    items: list[EvidenceItem]
    matches: dict[int, int]
    total: int
    limit: int
    offset: int


def browse(
    store: Store,
    place_ids: Sequence[int] | None = None,
    status: str | None = None,
    source: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> ItemPage:
    """The items of some places (``None``: all), of a status and from a source, newest first."""
    if status is not None and status not in EVIDENCE_STATUSES:
        raise _unknown_status(status)
    total, found = db.page(store, place_ids, status, source, limit, offset)
    return ItemPage(found, db.match_counts(store, [i.id for i in found]), total, limit, offset)


def sources(store: Store) -> list[str]:
    """The sources that supplied evidence."""
    return db.sources(store)


def item_thumbnail(
    store: Store, item_id: int, side: int, folder: str | Path | None = None
) -> bytes:
    """A JPEG thumbnail of an item, made from its stored file (a video: its keyframe with the most
    detail). ``EvidenceError`` for an unknown item, ``ThumbnailError`` for a file that is missing
    or unreadable."""
    item = db.item(store, item_id)
    if item is None:
        raise _no_item(item_id)
    seconds = 0.0
    if item.kind == "video":
        frames = db.hashes_of(store, item_id)
        if frames:
            seconds = max(frames, key=lambda h: (h.quality, -h.seconds)).seconds
    path = evidence_folder(store, folder) / item.stored_path
    return thumbnail(path, item.kind, side, seconds)
