"""Conflict incidents: ACLED's export, as ACLED writes it or HXL-tagged as on HDX, placed on the
gazetteer.

ACLED's own CSV (``event_id_cnty, event_date, ..., latitude, longitude, ..., fatalities``, and
the older upper-case schema) needs no hashtag row: ``lagebild.ingest.acled`` recognises its
header row and tags it. The HXL form HDX publishes (``#event+code``,
``#date+occurred``, ...) is read by its tags (``lagebild.ingest.columns.INCIDENT_ROLES``).

Each batch is checked column by column (dates, coordinates, fatalities: an error names row,
column and value) and then placed by :class:`lagebild.ingest.placing.PlaceIndex`: by a P-code
the row gives, by point in polygon, by the nearest community within ``max_km``, or by its names.
An event nothing places is kept with no place (``placed_by`` ``none``) and is a warning naming
its row, location and coordinates.

**Attack on aid** is true when the sub-event type or the notes name aid work (case ignored):
:data:`AID_WORDS`, such as "aid worker", "humanitarian", "aid convoy", "relief convoy",
"UN convoy", "عمال الإغاثة", "قافلة مساعدات".
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import polars as pl

from lagebild.ingest.catalogue import problem
from lagebild.ingest.columns import CODE_ROLES
from lagebild.ingest.gazetteer import PLACEHOLDERS, pcodes_unchecked
from lagebild.ingest.names import normalise_arabic
from lagebild.ingest.notation import parse_dates
from lagebild.ingest.placing import (
    DEFAULT_MAX_KM,
    DEFAULT_MIN_SCORE,
    NONE,
    PlaceIndex,
)
from lagebild.ingest.problems import Reasons
from lagebild.ingest.records import AXIS_WORDS, Batch, Context, Insert, iso_dates, to_insert
from lagebild.messages import N_, Code, Message, listing

#: The columns of the ``incidents`` table an import writes.
INCIDENT_COLUMNS = (
    "event_code",
    "date",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "fatalities",
    "attack_on_aid",
    "lat",
    "lon",
    "location",
    "admin_names",
    "notes",
    "reported_by",
    "place_id",
    "placed_by",
    "place_confidence",
    "place_distance_km",
    "source_id",
    "import_id",
    "row_number",
)

#: What in a sub-event type or a note makes an incident an attack on aid.
AID_WORDS = (
    "aid worker",
    "aid workers",
    "humanitarian",
    "aid convoy",
    "relief convoy",
    "relief worker",
    "un convoy",
    "عامل إغاثة",
    "عمال الإغاثة",
    "عمال إغاثة",
    "قافلة مساعدات",
    "قافلة إغاثة",
    "إنساني",
)
_AID = re.compile(
    "|".join(re.escape(normalise_arabic(w)) for w in sorted(AID_WORDS, key=len, reverse=True)),
    re.IGNORECASE,
)
_AID_POLARS = "(?i)" + _AID.pattern
_DAY_MONTH_YEAR = r"^[0-9]{1,2}[ -]+[A-Za-z]{3,9}\.?[ -]+[0-9]{4}$"
_LIMITS = {"event_code": 40, "event_type": 80, "sub_event_type": 80}


def is_attack_on_aid(sub_event_type: str | None, notes: str | None) -> bool:
    """The rule of the module text, for one incident."""
    return any(text and _AID.search(normalise_arabic(text)) for text in (sub_event_type, notes))


class IncidentBuilder:
    """Validated, placed incident rows of each batch of one import.

    The gazetteer's boundaries, communities and names are loaded once, at the first batch.
    """

    def __init__(
        self,
        geometries: Any,
        max_km: float = DEFAULT_MAX_KM,
        min_score: float = DEFAULT_MIN_SCORE,
    ) -> None:
        self._geometries = geometries  # a callable returning (place id, GeoJSON text) pairs
        self.max_km = max_km
        self.min_score = min_score
        self._index: PlaceIndex | None = None

    def index(self, context: Context) -> PlaceIndex:
        if self._index is None:
            self._index = PlaceIndex.from_places(
                context.gazetteer.places.values(),
                self._geometries(),
                max_km=self.max_km,
                min_score=self.min_score,
            )
        return self._index

    def __call__(
        self, frame: pl.DataFrame, context: Context
    ) -> tuple[Insert | None, dict[int, Reasons]]:
        batch = Batch(frame, context)
        n = frame.height
        when = _dates(batch)
        lat, lon = _coordinates(batch)
        fatalities = _fatalities(batch)
        texts = {
            role: batch.text(role)
            for role in (
                "event_code",
                "event_type",
                "sub_event_type",
                "actor1",
                "actor2",
                "location",
                "name1",
                "name2",
                "name3",
                "notes",
                "source",
            )
        }
        for role, limit in _LIMITS.items():
            too_long = (texts[role].str.len_chars() > limit).fill_null(False)
            for i in too_long.arg_true().to_list():
                batch.error(batch.rows[i], "too-long", role, texts[role][i], limit=limit)
        event_type = batch.mapped("event_type", "event_types", blank="")
        texts["sub_event_type"] = _kept_type_word(texts["event_type"], event_type, texts)
        unchecked = pcodes_unchecked(context.gazetteer, context.report)  # said once
        known = np.full(batch.frame.height, NONE, dtype=np.int64) if unchecked else (
            _known_places(batch)
        )
        admin = [texts[f"name{k}"].to_list() for k in (1, 2, 3)]
        location = texts["location"].to_list()
        placement = self.index(context).place(
            lat.to_numpy(),
            lon.to_numpy(),
            known=known,
            admin1=admin[0],
            admin2=admin[1],
            admin3=admin[2],
            location=location,
        )
        kept = ~batch.reject_mask().to_numpy()
        if not unchecked:
            _report_unplaced(batch, placement.place_id, kept, lat, lon, admin, location)
        aid = pl.select(
            pl.coalesce(texts["sub_event_type"].str.contains(_AID_POLARS), pl.lit(False))
            | pl.coalesce(_arabic(texts["notes"]).str.contains(_AID_POLARS), pl.lit(False))
        ).to_series()
        admin_names = pl.select(
            pl.concat_str(
                [texts["name1"], texts["name2"], texts["name3"]], separator="/", ignore_nulls=True
            )
        ).to_series()
        admin_names = pl.select(pl.when(admin_names != "").then(admin_names)).to_series()
        aid = _stated_aid(batch, aid)
        ids = pl.Series(placement.place_id)
        place_id = pl.select(pl.when(ids != NONE).then(ids)).to_series()
        placed_by = pl.Series(placement.placed_by.astype(str))
        confidence = pl.Series(np.round(placement.confidence, 3)).fill_nan(None)
        distance = pl.Series(np.round(placement.distance_km, 3)).fill_nan(None)
        placed_by, confidence, distance = _stated_placing(batch, placed_by, confidence, distance)
        values = {
            "event_code": texts["event_code"],
            "date": iso_dates(when, n),
            "event_type": event_type,
            "sub_event_type": texts["sub_event_type"],
            "actor1": texts["actor1"],
            "actor2": texts["actor2"],
            "fatalities": fatalities.cast(pl.Int64) if fatalities is not None else None,
            "attack_on_aid": aid,
            "lat": lat,
            "lon": lon,
            "location": texts["location"],
            "admin_names": admin_names,
            "notes": texts["notes"],
            "reported_by": texts["source"],
            "place_id": place_id,
            "placed_by": placed_by,
            "place_confidence": confidence,
            "place_distance_km": distance,
            "source_id": context.sources.ids_for(None, n),
            "import_id": pl.Series([context.import_id] * n, dtype=pl.Int64),
            "row_number": batch.rows,
        }
        return to_insert("incidents", INCIDENT_COLUMNS, values, batch), batch.rejected


_YES = {"yes", "y", "true", "1", "نعم", "ja"}
_NO = {"no", "n", "false", "0", "لا", "nein"}


def _stated_aid(batch: Batch, found: pl.Series) -> pl.Series:
    """``#event+aid`` (yes/no), as lagebild's own list writes it, over the rule of the words."""
    raw = batch.raw("aid")
    if raw is None:
        return found
    words = raw.str.strip_chars().str.to_lowercase()
    for i in (words.is_not_null() & ~words.is_in([*_YES, *_NO])).arg_true().to_list():
        batch.error(batch.rows[i], "not-yes-no", "aid", raw[i])
    stated = pl.select(
        pl.when(words.is_in(list(_YES))).then(True).when(words.is_in(list(_NO))).then(False)
    ).to_series()
    return pl.select(pl.coalesce(stated, found)).to_series()


def _stated_placing(
    batch: Batch, placed_by: pl.Series, confidence: pl.Series, distance: pl.Series
) -> tuple[pl.Series, pl.Series, pl.Series]:
    """How an event listed by lagebild was placed (``#meta+placed_by``, ``+confidence``,
    ``+distance_km``) is kept when the row is placed by its P-code: the re-import of a list keeps
    the history of each event's place rather than claiming the P-code was given."""
    stated = batch.raw("placed_by")
    if stated is None:
        return placed_by, confidence, distance
    method = stated.str.strip_chars().str.to_lowercase()
    allowed = ["pcode", "polygon", "nearest", "name", "none"]
    for i in (method.is_not_null() & ~method.is_in(allowed)).arg_true().to_list():
        batch.error(
            batch.rows[i], "bad-placing", "placed_by", stated[i], methods=", ".join(allowed)
        )
    by_code = (placed_by == "pcode") & method.is_in(allowed).fill_null(False)
    numbers = {
        role: batch.numbers(role) for role in ("confidence", "distance_km")
    }
    kept_confidence = numbers["confidence"]
    kept_distance = numbers["distance_km"]
    return (
        pl.select(pl.when(by_code).then(method).otherwise(placed_by)).to_series(),
        pl.select(
            pl.when(by_code).then(kept_confidence).otherwise(confidence)
        ).to_series()
        if kept_confidence is not None
        else confidence,
        pl.select(pl.when(by_code).then(kept_distance).otherwise(distance)).to_series()
        if kept_distance is not None
        else distance,
    )
def _kept_type_word(
    written: pl.Series, event_type: pl.Series, texts: dict[str, pl.Series]
) -> pl.Series:
    """The sub-event type of each row; where the row gives none and its type word is not the
    type it maps to (``Shelling`` -> Explosions/Remote violence), the word as written, so that
    nothing the file says is lost and an attack on aid is still told from it."""
    word = written.str.strip_chars()
    other = word.str.to_lowercase() != event_type.str.to_lowercase()
    keep = texts["sub_event_type"].is_null() & word.is_not_null() & (word != "") & other
    return pl.select(
        pl.when(keep.fill_null(False)).then(word).otherwise(texts["sub_event_type"])
    ).to_series()


def _arabic(text: pl.Series) -> pl.Series:
    """Notes with Arabic letters normalised, so that the aid words match every spelling."""
    if not text.str.contains("[\u0600-\u06ff]").fill_null(False).any():
        return text
    return text.map_elements(normalise_arabic, return_dtype=pl.Utf8)


def _dates(batch: Batch) -> pl.Series:
    """``#date+occurred``: ISO, dd/mm/yyyy and the other forms of any import, and ACLED's
    ``15 March 2016``; a missing or unreadable date is an error."""
    raw = batch.raw("date")
    n = batch.frame.height
    if raw is None:
        for row in batch.rows.to_list():
            batch.error(row, "no-date/incidents", None, None)
        return pl.Series([None] * n, dtype=pl.Date)
    spelled = raw.str.contains(_DAY_MONTH_YEAR).fill_null(False)
    words = pl.select(
        pl.when(spelled).then(
            raw.str.replace_all(r"[ -]+", " ")
            .str.replace(r"\.", "")
            .str.to_date("%d %B %Y", strict=False)
        )
    ).to_series()
    parsed, reasons = parse_dates(pl.select(pl.when(~spelled).then(raw)).to_series())
    found = pl.select(pl.coalesce(words, parsed)).to_series()
    for i in (spelled & words.is_null()).arg_true().to_list():
        batch.error(batch.rows[i], "not-a-date/incident", "date", raw[i], given=raw[i])
    for i in reasons.is_not_null().arg_true().to_list():
        batch.error(batch.rows[i], "not-a-date/acled", "date", raw[i], reason=reasons[i])
    failed = set(batch.rejected)
    for i in found.is_null().arg_true().to_list():
        if batch.rows[i] not in failed:
            batch.error(batch.rows[i], "no-date/incident", "date", None)
    return found


def _coordinates(batch: Batch) -> tuple[pl.Series, pl.Series]:
    n = batch.frame.height
    empty = pl.Series([None] * n, dtype=pl.Float64)
    lat = batch.numbers("lat", coordinate=True)
    lon = batch.numbers("lon", coordinate=True)
    lat = empty if lat is None else lat
    lon = empty if lon is None else lon
    for series, role, limit in ((lat, "lat", 90), (lon, "lon", 180)):
        for i in (series.abs() > limit).fill_null(False).arg_true().to_list():
            batch.error(
                batch.rows[i],
                "out-of-range",
                role,
                batch.raw(role)[i],  # type: ignore[index]
                axis=Message(N_("latitude") if role == "lat" else N_("longitude")),
                limit=limit,
            )
    half = (lat.is_null() != lon.is_null()) & ~batch.reject_mask()
    for i in half.arg_true().to_list():
        role, other = ("lat", "lon") if lat[i] is None else ("lon", "lat")
        batch.error(
            batch.rows[i], "half-a-coordinate", role, None,
            other=Code(other, AXIS_WORDS[other]), missing=Code(role, AXIS_WORDS[role]),
        )  # fmt: skip
    bad = batch.reject_mask()
    keep = ~bad & (lat.abs() <= 90).fill_null(False) & (lon.abs() <= 180).fill_null(False)
    lat = pl.select(pl.when(keep).then(lat)).to_series()
    lon = pl.select(pl.when(keep).then(lon)).to_series()
    return lat, lon


def _fatalities(batch: Batch) -> pl.Series | None:
    values = batch.numbers("fatalities", people=True)
    if values is None:
        return None
    fraction = (values != values.floor()).fill_null(False)
    for i in fraction.arg_true().to_list():
        batch.error(
            batch.rows[i],
            "not-whole",
            "fatalities",
            batch.raw("fatalities")[i],  # type: ignore[index]
        )
    return pl.select(pl.when(~fraction).then(values)).to_series()


def _known_places(batch: Batch) -> np.ndarray:
    """The place id of each row's finest known P-code below the country (NONE where it has
    none); an unknown P-code is a warning, and the row is placed by its coordinates or names."""
    context = batch.context
    n = batch.frame.height
    known = np.full(n, NONE, dtype=np.int64)
    for level, role in CODE_ROLES.items():  # coarse to fine: finer codes win
        raw = batch.raw(role)
        if raw is None or level == 0:  # the country places nothing: coordinates do better
            continue
        codes = raw.str.strip_chars().str.to_uppercase()
        codes = pl.select(pl.when(~codes.is_in(list(PLACEHOLDERS))).then(codes)).to_series()
        ids = codes.replace_strict(
            context.gazetteer.ids_at_level(level), default=None, return_dtype=pl.Int64
        )
        has = ids.is_not_null().to_numpy()
        known[has] = ids.to_numpy()[has]
        unknown = (codes.is_not_null() & ids.is_null()).arg_true().to_list()
        column = context.layout.roles[role]
        for i in unknown:
            context.report.add(
                problem(
                    "unknown-pcode/incident",
                    context.file,
                    batch.rows[i],
                    f"{column.letter} {column.tag}",
                    raw[i],
                )
            )
    return known


def _report_unplaced(
    batch: Batch,
    place_id: np.ndarray,
    kept: np.ndarray,
    lat: pl.Series,
    lon: pl.Series,
    admin: list[list[str | None]],
    location: list[str | None],
) -> None:
    context = batch.context
    for i in np.flatnonzero((place_id == NONE) & kept).tolist():
        names = "/".join(n for n in (admin[0][i], admin[1][i], admin[2][i]) if n)
        where: list[Message] = []
        if location[i]:
            where.append(Message(N_("location %(name)s"), {"name": repr(location[i])}))
        if names:
            where.append(Message(N_("admin names %(names)s"), {"names": repr(names)}))
        if lat[i] is not None and not math.isnan(lat[i]):
            where.append(
                Message(
                    N_("coordinates %(lat)s, %(lon)s"), {"lat": str(lat[i]), "lon": str(lon[i])}
                )
            )
        said = listing(where) if where else Message(N_("no location, names or coordinates"))
        context.report.add(
            problem("unplaced", context.file, batch.rows[i], None, location[i], said=said)
        )
