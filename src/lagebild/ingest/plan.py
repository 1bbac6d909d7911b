"""The inputs of a delivery plan (docs/plan.md, "Inputs"): warehouses, items, stock, place limits
and routes, each a kind of HXL file.

``build`` checks a whole file: every bad cell is an error naming its row, column and value; a
stock or route row must name a warehouse (and item) already imported; a P-code must be in the
gazetteer (no coarser place stands in for it: a limit on the wrong place would mislead a plan).
``write`` inserts the rows built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

import polars as pl

from lagebild.ingest.columns import CODE_ROLES
from lagebild.ingest.gazetteer import PLACEHOLDERS
from lagebild.ingest.problems import Reasons
from lagebild.ingest.records import Batch, Context
from lagebild.messages import N_, Message
from lagebild.store import Writer
from lagebild.store.plan import add_plan_rows

#: Names known before the file: casefolded name -> the name as stored.
Known = Mapping[str, str]


def _said(word: str) -> Message:
    """A word of a reason, to be said in the reader's language."""
    return Message(word)


#: What a row of each kind is, as a reason names it.
_WAREHOUSE = _said(N_("warehouse"))
_ITEM = _said(N_("item"))
_STOCK = _said(N_("stock count"))
_ROUTE = _said(N_("route"))


class _Rows:
    """The cells of a batch as Python lists, each checked once, with the row numbers."""

    def __init__(self, batch: Batch) -> None:
        self.batch = batch
        self.rows: list[int] = batch.rows.to_list()
        self.n = len(self.rows)

    def error(self, i: int, key: str, role: str | None, **params: object) -> None:
        raw = self.batch.raw(role) if role else None
        self.batch.error(self.rows[i], key, role, raw[i] if raw is not None else None, **params)

    def failed(self, i: int) -> bool:
        return self.rows[i] in self.batch.rejected

    def names(self, role: str, what: Message, hashtag: str) -> list[str | None]:
        """The names of a column, stripped; a blank one is an error."""
        out: list[str | None] = []
        for i, value in enumerate(self.batch.text(role).to_list()):
            name = (value or "").strip() or None
            if name is None:
                self.error(i, "no-name", role, what=what, hashtag=hashtag)
            out.append(name)
        return out

    def amounts(
        self,
        role: str,
        *,
        needed: tuple[Message, Message, str] | None = None,
        positive: bool = False,
    ) -> list[float | None]:
        """The numbers of a column: not negative (with ``positive``, more than 0); a blank one
        is an error where ``needed`` = (what, the number in words, hashtag) says so."""
        values = self.batch.numbers(role)
        if values is None:
            return [None] * self.n
        raw = self.batch.raw(role)
        assert raw is not None
        out: list[float | None] = []
        for i, value in enumerate(values.to_list()):
            blank = raw[i] is None or not str(raw[i]).strip()
            if value is None and blank and needed is not None:
                what, words, hashtag = needed
                self.error(i, "no-number", role, what=what, needed=words, hashtag=hashtag)
            elif value is not None and value < 0:
                self.error(i, "bad-number/negative", role)
                value = None
            elif value is not None and positive and value == 0:
                self.error(i, "bad-number/positive", role)
                value = None
            out.append(value)
        return out

    def dates(self, role: str, default: date | None = None) -> list[date | None]:
        found = self.batch.dates(role)
        if found is None:
            return [default] * self.n
        return [d if d is not None else default for d in found.to_list()]

    def places(self, *, required: bool) -> list[int | None]:
        """The place of each row: its finest P-code given, which the gazetteer must hold."""
        context = self.batch.context
        layout, gazetteer = context.layout, context.gazetteer
        cells = [
            (CODE_ROLES[level], self.batch.text(CODE_ROLES[level]).to_list())
            for level, _ in reversed(layout.code_columns)
        ]
        out: list[int | None] = []
        for i in range(self.n):
            given = [
                (role, str(values[i]).strip().upper())
                for role, values in cells
                if values[i] is not None
                and str(values[i]).strip().upper() not in PLACEHOLDERS | {""}
            ]
            place_id = None
            if given:
                role, code = given[0]
                place = gazetteer.by_code.get(code)
                if place is not None:
                    place_id = place.id
                elif gazetteer.checked:
                    self.error(i, "no-valid-pcode", role, given=code)
            elif required:
                self.error(i, "no-valid-pcode/blank", None)
            out.append(place_id)
        return out

    def once(self, keys: Sequence[Any], report: Callable[[int, int], None]) -> None:
        """Each key once in the file: ``report(i, first)`` for a row that repeats one."""
        first: dict[Any, int] = {}
        for i, key in enumerate(keys):
            if key is None or self.failed(i):
                continue
            if key in first:
                report(i, first[key])
            else:
                first[key] = i

    def named_once(self, names: Sequence[str | None], role: str, what: Message) -> None:
        keys = [n.casefold() if n else None for n in names]
        self.once(
            keys,
            lambda i, j: self.error(
                i, "named-twice", role, what=what, name=names[i], first_row=self.rows[j]
            ),
        )

    def known(self, names: Sequence[str | None], known: Known, role: str, key: str) -> list[Any]:
        """The stored name of each name the database knows; an unknown one is an error."""
        out: list[str | None] = []
        for i, name in enumerate(names):
            stored = known.get(name.casefold()) if name else None
            if name and stored is None:
                self.error(i, key, role, name=name)
            out.append(stored)
        return out

    def provenance(self) -> tuple[list[Any], list[int]]:
        sources = self.batch.source_ids().to_list()
        return sources, self.rows

    def records(self, **columns: Sequence[Any]) -> list[dict[str, Any]]:
        """The rows without errors as records, with their source, import and row."""
        sources, rows = self.provenance()
        import_id = self.batch.context.import_id or None
        return [
            {
                **{name: values[i] for name, values in columns.items()},
                "source_id": sources[i],
                "import_id": import_id,
                "row_number": rows[i],
            }
            for i in range(self.n)
            if not self.failed(i)
        ]


def _warehouses(r: _Rows) -> list[dict[str, Any]]:
    names = r.names("name", _WAREHOUSE, "#loc+warehouse+name")
    trucks = r.amounts("trucks", needed=(_WAREHOUSE, _said(N_("the trucks it dispatches a week")),
                                         "#capacity+trucks+week"))  # fmt: skip
    lat = r.batch.numbers("lat", coordinate=True)
    lon = r.batch.numbers("lon", coordinate=True)
    lats = lat.to_list() if lat is not None else [None] * r.n
    lons = lon.to_list() if lon is not None else [None] * r.n
    places = r.places(required=False)
    for i in range(r.n):
        for value, role, limit in ((lats[i], "lat", 90), (lons[i], "lon", 180)):
            if value is not None and abs(value) > limit:
                r.error(i, "out-of-range", role, axis=role, limit=limit)
        if (lats[i] is None) != (lons[i] is None):
            given, missing = ("lat", "lon") if lats[i] is not None else ("lon", "lat")
            other = {"lat": _said(N_("latitude")), "lon": _said(N_("longitude"))}
            r.error(i, "half-a-coordinate", given, other=other[given], missing=other[missing])
        elif lats[i] is None and places[i] is None and not r.failed(i):
            r.error(i, "no-place/warehouse", None)
    r.named_once(names, "name", _WAREHOUSE)
    return r.records(
        name=names, place_id=places, lat=lats, lon=lons, trucks_per_week=trucks
    )


def _items(r: _Rows) -> list[dict[str, Any]]:
    names = r.names("name", _ITEM, "#item+name")
    sectors = r.batch.mapped("sector", "sectors", blank="", required=True).to_list()
    people = r.amounts(
        "people_per_unit_week",
        needed=(_ITEM, _said(N_("the people one unit serves for a week")),
                "#indicator+people+week"),  # fmt: skip
        positive=True,
    )
    per_truck = r.amounts(
        "units_per_truck",
        needed=(_ITEM, _said(N_("the units a truck carries")), "#indicator+units+truck"),
        positive=True,
    )
    r.named_once(names, "name", _ITEM)
    return r.records(
        name=names, sector=sectors, people_per_unit_week=people, units_per_truck=per_truck,
        unit=[(u or "").strip() or None for u in r.batch.text("unit").to_list()],
        kcal=r.amounts("kcal"), protein_g=r.amounts("protein"), fat_g=r.amounts("fat"),
    )  # fmt: skip


def _stock(r: _Rows, warehouses: Known, items: Known) -> list[dict[str, Any]]:
    houses = r.known(r.names("warehouse", _STOCK, "#loc+warehouse+name"), warehouses,
                     "warehouse", "unknown-warehouse")  # fmt: skip
    things = r.known(r.names("item", _STOCK, "#item+name"), items, "item", "unknown-item")
    units = r.amounts("units", needed=(_STOCK, _said(N_("its units")), "#value+units"))
    when = r.dates("date", r.batch.context.default_date)

    def twice(i: int, j: int) -> None:
        counted = when[i]
        on: Message | str = ""
        if counted is not None:
            on = Message(N_(" on %(date)s"), {"date": counted.isoformat()})
        r.error(i, "named-twice/stock", "item", item=things[i], warehouse=houses[i],
                first_row=r.rows[j], on=on)  # fmt: skip

    keys = [
        (h.casefold(), t.casefold(), when[i]) if h and t else None
        for i, (h, t) in enumerate(zip(houses, things, strict=True))
    ]
    r.once(keys, twice)
    return r.records(warehouse=houses, item=things, units=units, date=when)


def _place_limits(r: _Rows) -> list[dict[str, Any]]:
    trucks = r.amounts("trucks", needed=(_said(N_("place limit")),
                                         _said(N_("the trucks a week it allows")),
                                         "#capacity+trucks+week"))  # fmt: skip
    start, end = r.dates("valid_from"), r.dates("valid_to")
    for i, (begins, ends) in enumerate(zip(start, end, strict=True)):
        if begins is not None and ends is not None and ends < begins:
            r.error(i, "date-order/limit", "valid_to", end=ends.isoformat(),
                    start=begins.isoformat())  # fmt: skip
    return r.records(
        place_id=r.places(required=True), trucks_per_week=trucks, valid_from=start, valid_to=end
    )


def _routes(r: _Rows, warehouses: Known) -> list[dict[str, Any]]:
    names = r.names("name", _ROUTE, "#loc+route+name")
    houses = r.known(r.names("warehouse", _ROUTE, "#loc+warehouse+name"), warehouses,
                     "warehouse", "unknown-warehouse")  # fmt: skip
    places = r.places(required=True)
    r.named_once(names, "name", _ROUTE)
    return r.records(
        name=names, warehouse=houses, place_id=places, trucks_per_week=r.amounts("trucks"),
        distance_km=r.amounts("distance_km"),
    )  # fmt: skip


def build(
    frame: pl.DataFrame, context: Context, known: tuple[Known, Known]
) -> tuple[list[dict[str, Any]], dict[int, Reasons]]:
    """The checked rows of a whole file of planning inputs, ready to insert, and the rejected
    rows with why. ``known``: the warehouses and items stored (``store.plan.known_names``)."""
    if frame.height == 0:
        return [], {}
    rows = _Rows(Batch(frame, context))
    kind = context.layout.kind
    if kind == "warehouses":
        built = _warehouses(rows)
    elif kind == "items":
        built = _items(rows)
    elif kind == "stock":
        built = _stock(rows, *known)
    elif kind == "place_limits":
        built = _place_limits(rows)
    else:
        built = _routes(rows, known[0])
    return built, rows.batch.rejected


def write(writer: Writer, kind: str, rows: Sequence[dict[str, Any]]) -> int:
    """Insert the rows built; how many."""
    return add_plan_rows(writer, kind, rows)


__all__ = ["build", "write"]
