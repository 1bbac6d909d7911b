"""Damage assessments: UNOSAT points (a building or site with a damage class) or counts per place.

Two forms of file (``docs/hxl.md``):

* **points**: one row per building or site, ``#damage+class`` 1-4 (UNOSAT: 1 destroyed, 2 severe,
  3 moderate, 4 possible; also UNOSAT's words), the date of the imagery, and a P-code or
  ``#geo+lat``/``#geo+lon``. A point without a P-code is placed by point in polygon on the
  gazetteer's boundaries, in the finest place whose boundary holds it (the placing engine of the
  incidents, ``ingest/placing.py``; on a shared border, the place first in the gazetteer).
* **counts**: per place and date, ``#damage+destroyed``, ``+severe``, ``+moderate``,
  ``+possible``; ``+houses`` or ``+buildings`` on the tags say what is counted.

A point is stored as a count of one in its class's column, so both forms add up alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl

from lagebild.ingest.catalogue import problem
from lagebild.ingest.columns import (
    CODE_ROLES,
    COUNTS,
    UNIT_WORDS,
    damage_form,
)
from lagebild.ingest.gazetteer import PLACEHOLDERS, Gazetteer, resolve_places
from lagebild.ingest.placing import NONE, PlaceIndex
from lagebild.ingest.problems import NO_DAMAGE_COUNTS, NO_VALID_PCODE, Reasons, reject
from lagebild.ingest.records import Batch, Context, Insert, iso_dates, to_insert

#: The columns of the ``damage`` table an import writes.
DAMAGE_COLUMNS = (
    "place_id",
    "date",
    "site",
    "damage_class",
    "destroyed",
    "severe",
    "moderate",
    "possible",
    "unit",
    "lat",
    "lon",
    "source_id",
    "import_id",
    "row_number",
)
UNITS = ("buildings", "houses")

#: UNOSAT's class words, as its damage assessments write them, and the usual variants.
CLASS_WORDS = {
    "destroyed": 1,
    "destroyed building": 1,
    "severe damage": 2,
    "severely damaged": 2,
    "severe": 2,
    "moderate damage": 3,
    "moderately damaged": 3,
    "moderate": 3,
    "possible damage": 4,
    "possibly damaged": 4,
    "possible": 4,
}


def damage_class(word: str | None) -> int | None:
    """``'2'``, ``'2.0'``, ``'Severe Damage'`` -> 2; None for anything else."""
    if word is None:
        return None
    text = " ".join(word.split()).casefold()
    if text in CLASS_WORDS:
        return CLASS_WORDS[text]
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() and 1 <= number <= 4 else None





class DamageBuilder:
    """Validated damage rows of each batch of one import.

    ``geometries`` gives the gazetteer's boundaries as (place id, GeoJSON text); it is called
    once, and only when a row must be placed by its coordinates.
    """

    def __init__(self, geometries: Callable[[], Sequence[tuple[int, str]]]) -> None:
        self._geometries = geometries
        self._index: PlaceIndex | None = None

    def index(self, gazetteer: Gazetteer) -> PlaceIndex:
        """The placing engine of the incidents (ingest/placing.py), on the current places."""
        if self._index is None:
            self._index = PlaceIndex(gazetteer.places.values(), self._geometries())
        return self._index

    def __call__(
        self, frame: pl.DataFrame, context: Context
    ) -> tuple[Insert | None, dict[int, Reasons]]:
        batch = Batch(frame, context)
        form = damage_form(context.layout)
        n = frame.height
        when = batch.when("no-date/damage")
        if form.form == "list":
            counts = self._listed(batch)
        elif form.form == "points":
            counts = self._classes(batch)
        else:
            counts = self._counts(batch)
        lat = batch.numbers("lat", coordinate=True)
        lon = batch.numbers("lon", coordinate=True)
        place_id = self._places(batch, when, lat, lon)
        klass = counts.pop("damage_class", None)
        values: dict[str, pl.Series | None] = {
            "place_id": place_id,
            "date": iso_dates(when, n),
            "site": batch.raw("site"),
            "damage_class": klass,
            **counts,
            "unit": self._units(batch) if form.form == "list" else pl.Series(
                [form.unit] * n, dtype=pl.Utf8
            ),
            "lat": lat,
            "lon": lon,
            "source_id": batch.source_ids(),
            "import_id": pl.Series([context.import_id] * n, dtype=pl.Int64),
            "row_number": batch.rows,
        }
        return to_insert("damage", DAMAGE_COLUMNS, values, batch), batch.rejected

    # -- the numbers ----------------------------------------------------------------------------

    @staticmethod
    def _classes(batch: Batch) -> dict[str, pl.Series]:
        raw = batch.text("damage_class")
        mapping = {w: damage_class(w) for w in raw.unique().to_list() if w is not None}
        klass = raw.replace_strict(mapping, default=None, return_dtype=pl.Int64)
        for i in klass.is_null().arg_true().to_list():
            word = raw[i]
            key = "unknown-damage-class/blank" if word is None else "unknown-damage-class"
            batch.error(batch.rows[i], key, "damage_class", word, word=word)
        out = {"damage_class": klass}
        for number, name in enumerate(COUNTS, start=1):
            out[name] = (klass == number).fill_null(False).cast(pl.Float64)
        return out

    @staticmethod
    def _listed(batch: Batch) -> dict[str, pl.Series]:
        """lagebild's list: a class (a point) or counts (a place) in each row, not both."""
        n = batch.frame.height
        raw = batch.text("damage_class")
        pointed = (raw.is_not_null() & (raw.str.strip_chars() != "")).fill_null(False)
        mapping = {w: damage_class(w) for w in raw.unique().to_list() if w is not None}
        klass = raw.replace_strict(mapping, default=None, return_dtype=pl.Int64)
        for i in (pointed & klass.is_null()).arg_true().to_list():
            batch.error(
                batch.rows[i], "unknown-damage-class", "damage_class", raw[i], word=raw[i]
            )
        out: dict[str, pl.Series] = {
            "damage_class": pl.select(pl.when(pointed).then(klass)).to_series()
        }
        counted = pl.Series([False] * n)
        for number, name in enumerate(COUNTS, start=1):
            values = batch.numbers(name)
            assert values is not None  # the list form has every count column
            bad = ((values < 0) | (values != values.floor())).fill_null(False)
            for i in bad.arg_true().to_list():
                batch.error(batch.rows[i], "not-a-count", name, batch.text(name)[i], name=name)
            counted = counted | values.is_not_null()
            one = (klass == number).fill_null(False).cast(pl.Float64)
            out[name] = pl.select(
                pl.when(pointed).then(one).otherwise(values.fill_null(0.0))
            ).to_series()
        for i in (pointed & counted).arg_true().to_list():
            batch.error(batch.rows[i], "class-and-counts", "damage_class", raw[i])
        for i in (~pointed & ~counted).arg_true().to_list():
            row = batch.rows[i]
            if row not in batch.rejected:
                batch.context.report.add(problem("no-damage-counts", batch.context.file, row))
                reject(batch.rejected, row, NO_DAMAGE_COUNTS)
        return out

    @staticmethod
    def _units(batch: Batch) -> pl.Series:
        raw = batch.text("unit")
        words = raw.str.strip_chars().str.to_lowercase()
        units = words.replace_strict(UNIT_WORDS, default=None, return_dtype=pl.Utf8)
        for i in units.is_null().arg_true().to_list():
            batch.error(batch.rows[i], "unknown-unit", "unit", raw[i])
        return units

    @staticmethod
    def _counts(batch: Batch) -> dict[str, pl.Series]:
        n = batch.frame.height
        out: dict[str, pl.Series] = {}
        given = pl.Series([False] * n)
        for name in COUNTS:
            values = batch.numbers(name)
            if values is None:
                out[name] = pl.Series([0.0] * n, dtype=pl.Float64)
                continue
            raw = batch.raw(name)
            assert raw is not None
            bad = ((values < 0) | (values != values.floor())).fill_null(False)
            for i in bad.arg_true().to_list():
                batch.error(batch.rows[i], "not-a-count", name, raw[i], name=name)
            given = given | values.is_not_null()
            out[name] = values.fill_null(0.0)
        for i in (~given).arg_true().to_list():
            row = batch.rows[i]
            if row not in batch.rejected:
                batch.context.report.add(
                    problem("no-damage-counts/counts", batch.context.file, row)
                )
                reject(batch.rejected, row, NO_DAMAGE_COUNTS)
        return out

    # -- the place ------------------------------------------------------------------------------

    def _places(
        self,
        batch: Batch,
        when: pl.Series,
        lat: pl.Series | None,
        lon: pl.Series | None,
    ) -> pl.Series:
        """The P-code of a row when it gives one; else the place its coordinates lie in."""
        coded = _coded_rows(batch)
        place_id = pl.Series("place_id", [None] * batch.frame.height, dtype=pl.Int64)
        if batch.context.layout.code_columns and coded.any():
            place_id = _places_by_code(batch, coded, when, place_id)
        by_point = (~coded).arg_true().to_list()
        if not by_point:
            return place_id
        if lat is None or lon is None:
            for i in by_point:
                batch.error(batch.rows[i], "no-place", None, None)
            return place_id
        wanted = _placeable_points(batch, by_point, lat, lon)
        if not wanted:
            return place_id
        return self._places_by_point(batch, wanted, lat, lon, place_id)

    def _places_by_point(
        self,
        batch: Batch,
        wanted: list[int],
        lat: pl.Series,
        lon: pl.Series,
        place_id: pl.Series,
    ) -> pl.Series:
        """``place_id`` with the rows ``wanted`` set to the place their point lies in; a point
        outside every boundary is an error."""
        polygons = self.index(batch.context.gazetteer)
        found = polygons.locate([lat[i] for i in wanted], [lon[i] for i in wanted]).tolist()
        hits: list[int] = []
        ids: list[int] = []
        for i, pid in zip(wanted, found, strict=True):
            if pid != NONE:
                hits.append(i)
                ids.append(pid)
                continue
            key = (
                "outside-boundaries"
                if polygons.polygon_levels
                else "outside-boundaries/no-boundaries"
            )
            batch.error(batch.rows[i], key, "lat", f"{lat[i]}, {lon[i]}")
        if hits:
            place_id = place_id.scatter(hits, pl.Series(ids, dtype=pl.Int64))
        return place_id


def _coded_rows(batch: Batch) -> pl.Series:
    """Which rows give a P-code (in any code column, not empty and not a placeholder)."""
    coded = pl.Series([False] * batch.frame.height)
    for role in CODE_ROLES.values():
        raw = batch.raw(role)
        if raw is not None:
            text = raw.str.strip_chars().str.to_uppercase()
            coded = coded | (text.is_not_null() & ~text.is_in(list(PLACEHOLDERS)) & (text != ""))
    return coded


def _places_by_code(
    batch: Batch, coded: pl.Series, when: pl.Series, place_id: pl.Series
) -> pl.Series:
    """``place_id`` with the ``coded`` rows set to the place their P-code names; a row whose
    P-codes are valid at no level is rejected."""
    index = coded.arg_true()
    resolved = resolve_places(
        batch.frame.filter(coded),
        batch.context.layout,
        batch.context.gazetteer,
        batch.context.report,
        when.filter(coded),
    )
    place_id = place_id.scatter(index, resolved.place_id)
    for j in resolved.error_mask.arg_true().to_list():
        row = batch.rows[index[j]]
        reject(batch.rejected, row, NO_VALID_PCODE)
    return place_id


def _placeable_points(
    batch: Batch, by_point: list[int], lat: pl.Series, lon: pl.Series
) -> list[int]:
    """Of the rows without a P-code (``by_point``) and not yet rejected, those with coordinates
    in range; the others are errors."""
    wanted = []
    for i in by_point:
        y, x = lat[i], lon[i]
        if batch.rows[i] in batch.rejected:
            continue
        if y is None or x is None:
            batch.error(batch.rows[i], "no-place/point", "lat" if y is None else "lon", None)
        elif abs(y) > 90 or abs(x) > 180:
            batch.error(
                batch.rows[i], "out-of-range/degrees", "lat" if abs(y) > 90 else "lon", f"{y}, {x}"
            )
        else:
            wanted.append(i)
    return wanted
