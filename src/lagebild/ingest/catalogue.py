"""Every problem an import can report, in one catalogue: its code, a title, the template of the
reason a person reads, and its level (error or warning).

A problem is made with :func:`problem` from the key of its kind: the code, or ``code/variant``
where one code has more than one wording (``no-date/figure``). The key chooses the template;
the template's ``{fields}`` are filled from the keyword arguments. A key the catalogue does not
hold is a mistake in the code: :class:`UnknownProblem`. docs/hxl.md lists the catalogue.

Some reasons come whole from the part that found the problem (the reader's ``ReadError``, the
number and date parsers, a layout that cannot be used): their template is ``{reason}``, and the
reason is a :class:`~lagebild.messages.Message` where that part made one, so that the web can
say it in the reader's language as well.
"""

from __future__ import annotations

from dataclasses import dataclass

from lagebild.ingest.hints import hints_in
from lagebild.ingest.problems import ERROR, WARNING, Problem
from lagebild.messages import english


@dataclass(frozen=True, slots=True)
class ProblemKind:
    """One kind of problem: what it is called, how it reads, how grave it is."""

    code: str  # machine-readable, as reports, the API and the rejects file give it
    title: str  # a few words for the list of codes
    template: str  # the reason, with {named} fields filled for each problem
    level: str  # error | warning
    variant: str = ""  # another wording of the same code

    @property
    def key(self) -> str:
        return f"{self.code}/{self.variant}" if self.variant else self.code

    def reason(self, **params: object) -> str:
        """The reason in English; a list of values (a tuple) as English writes it."""
        said = {k: english(v) if isinstance(v, tuple) else v for k, v in params.items()}
        return self.template.format(**said)


class UnknownProblem(LookupError):
    """A problem key the catalogue does not hold: a mistake in the code, not in the data."""


def _e(code: str, title: str, template: str, variant: str = "") -> ProblemKind:
    return ProblemKind(code, title, template, ERROR, variant)


def _w(code: str, title: str, template: str, variant: str = "") -> ProblemKind:
    return ProblemKind(code, title, template, WARNING, variant)


#: The vocabulary of an import -> the code of a word it does not hold.
UNKNOWN_CODE = {
    "sectors": "unknown-sector",
    "statuses": "unknown-status",
    "convoy_statuses": "unknown-convoy-status",
    "access": "unknown-access",
    "item_categories": "unknown-category",
    "modalities": "unknown-modality",
    "event_types": "unknown-event-type",
}


def _vocabulary_kinds() -> list[ProblemKind]:
    kinds = []
    for name, code in UNKNOWN_CODE.items():
        # The titles are built (not f-strings), so that scripts/i18n, which reads the
        # templates (the third argument), has nothing to warn about.
        what = name.replace("_", " ")
        kinds += [
            _e(code, "a word not in the " + what, "unknown {what} {word!r}: {use}"),
            _e(code, "no word for the " + what, "no {what}: {use}", "blank"),
            _w(
                code,
                "a word not in the " + what + ", kept",
                "{vocabulary} {word!r} in {rows:,} row(s) is not in lagebild's vocabulary: kept "
                "as written; {mapping}",
                "kept",
            ),
        ]
    return kinds


KINDS: tuple[ProblemKind, ...] = (
    # The file as a whole
    _e("unreadable", "the file cannot be read", "{reason}"),
    _e("layout", "the columns make no kind of data lagebild reads", "{reason}"),
    _e("vocabulary", "a vocabulary map that does not fit the file", "{reason}"),
    # A Kobo or ODK export read with its form (--form): ingest/kobo.py
    _e(
        "kobo-unknown-field",
        "an export column that is no question of the form",
        "the column {header!r} is no question of the form {form}: an export of another form, "
        "or of another version of it?",
    ),
    _e(
        "kobo-ambiguous-field",
        "an export column that names two questions",
        "the column {header!r} could be the question {which}: export with the groups' names "
        "(Kobo: \"XML values and headers\", group separator /)",
    ),
    _e(
        "kobo-field-meaning",
        "a question whose name could mean two things",
        "the question {name!r} could be {first} or {second}: say which in a tag map "
        "(--tags map.yml): a line '{name}: \"{first}\"'",
    ),
    _e(
        "kobo-field-meaning",
        "a tag map line that gives no hashtag",
        "the tag map gives {name!r} no hashtag: write it as '{name}: \"#sector\"'",
        "not-a-tag",
    ),
    _e(
        "kobo-same-tag",
        "two questions for one column",
        "the questions {first!r} and {second!r} would both be {tag}: say which is in a tag map "
        "(--tags map.yml), and give the other another hashtag",
    ),
    _e(
        "kobo-choice",
        "an answer that is no choice of its list",
        "not a choice of the list {list_name!r} of the question {name!r} (its choices: "
        "{choices}): an export of another version of the form?",
    ),
    _e(
        "kobo-choice",
        "a choice column neither 1 nor 0",
        "the column of the choice {choice!r} of {name!r} holds 1 or 0 (chosen or not), not this",
        "flag",
    ),
    _e(
        "kobo-same-submission",
        "a submission twice in one export",
        "the submission {submission!r} is in row {first_row} already: an export holds each "
        "submission once (two exports put together, or one sent twice?); leave one of the rows "
        "out",
    ),
    _e(
        "kobo-sheet",
        "an export sheet that is no repeat of the form",
        "the sheet {sheet!r} is no repeat group of the form {form} (its repeats: {repeats})",
    ),
    _e(
        "kobo-wrong-sheet",
        "an answer in another sheet than its question's",
        "the question {name!r} belongs to {where}, not to the sheet {sheet!r}: the export and "
        "the form do not match",
    ),
    _e(
        "kobo-branches",
        "questions read from repeats that do not nest",
        "the questions read sit in the repeats {first!r} and {second!r}, which do not nest: "
        "one row cannot hold both; leave the questions of one out of the tag map",
    ),
    _e(
        "kobo-orphan",
        "a repeat row without its parent",
        "a row of the sheet {sheet!r} names a parent the sheet {parent!r} does not have",
    ),
    _e(
        "kobo-orphan",
        "a repeat sheet that names no parent",
        "the sheet {sheet!r} has no _parent_index (or PARENT_KEY) column to join it to the "
        "sheet {parent!r}",
        "no-link",
    ),
    _e(
        "unread-values",
        "a column with values the kind does not read",
        "this {kind} file does not read {name}, which holds values in {count:,} of {rows:,} "
        "rows (first in row {first}); importing would drop them. {hint}",
    ),
    _e(
        "already-imported",
        "the same file imported before",
        "this file was already imported as import #{import_id} on "
        "{imported_at:%Y-%m-%d %H:%M} ({file_name}); importing it again would count its rows "
        "twice",
    ),
    _w(
        "invalid-utf8",
        "bytes that are not UTF-8",
        "invalid UTF-8 bytes, read as '\ufffd'; check the text",
    ),
    _w(
        "invalid-utf8",
        "bytes that are not UTF-8 in a GeoJSON property",
        "feature {number}: invalid UTF-8 bytes in property {name!r}, read as '\ufffd'; check "
        "the text",
        "feature",
    ),
    _w(
        "invalid-utf8",
        "bytes that are not UTF-8 outside the properties",
        "invalid UTF-8 bytes, read as U+FFFD, outside properties",
        "outside-properties",
    ),
    _w(
        "invalid-utf8",
        "bytes that are not UTF-8 outside the cells",
        "invalid UTF-8 bytes, read as U+FFFD, outside the cells",
        "outside-cells",
    ),
    _w(
        "invalid-text",
        "bytes a shapefile's encoding does not read",
        "feature {number}: bytes in field {field!r} that are not {codec}, read as '\ufffd'; "
        "check the text or pass --encoding",
    ),
    _w(
        "no-prj",
        "a shapefile without its projection",
        "no .prj beside the shapefile: its coordinates are taken as WGS 84 longitude/latitude",
    ),
    _w(
        "consistency",
        "a figure that disagrees with others",
        "{message}",
    ),
    # Places
    _e(
        "no-valid-pcode",
        "no P-code the gazetteer holds",
        "no valid P-code at any level ({given} not in the gazetteer)",
    ),
    _e(
        "no-valid-pcode",
        "no P-code at all",
        "no valid P-code at any level (all P-code cells blank)",
        "blank",
    ),
    _e("no-valid-pcode", "a gazetteer row without a P-code", "a gazetteer row needs a P-code",
       "gazetteer"),  # fmt: skip
    _e(
        "bad-pcode",
        "not a P-code",
        "a P-code is 1 to 32 letters, digits, '.', '-' or '_' (such as SY0200, C1007)",
    ),
    _e(
        "bad-pcode",
        "not a P-code in a list of places",
        "a P-code is 1 to 32 letters, digits, '.', '-' or '_'",
        "list",
    ),
    _e("bad-level", "not a level", "{reason}"),
    _w(
        "empty-pcode-column",
        "a P-code column empty throughout",
        "no {level} P-code in any row; records sit at coarser levels",
    ),
    _w(
        "unknown-pcode",
        "a P-code the gazetteer does not hold",
        "unknown {level} P-code; record kept at {kept_level} {kept}",
    ),
    _w(
        "unknown-pcode",
        "an incident's P-code the gazetteer does not hold",
        "P-code not in the gazetteer; the incident is placed by its coordinates or names",
        "incident",
    ),
    _w(
        "blank-pcode",
        "a blank P-code below a known one",
        "blank {level} P-code; record kept at {kept_level} {kept}",
    ),
    _w(
        "parent-mismatch",
        "a parent other than the gazetteer's",
        "{pcode} lies in {level} {parent} by the gazetteer, not in {given}; the gazetteer's "
        "parents are used",
    ),
    _w(
        "parent-mismatch",
        "a place given two parents in one file",
        "{pcode} lies in {first} in row {first_row} but in {parent} here; the first is kept",
        "file",
    ),
    _w(
        "retired-pcode",
        "a retired P-code",
        "P-code {pcode} was retired on {valid_to}; recode the data to the current gazetteer",
    ),
    _w(
        "pcodes-unchecked",
        "P-codes not checked",
        "there is no database yet, so P-codes cannot be checked: import a gazetteer first "
        "(docs/hxl.md)",
    ),
    _e(
        "place-level",
        "a P-code at another level",
        "{pcode} is {old} in the places known but {new} in this file: a P-code keeps its level "
        "(a new place needs a new P-code)",
    ),
    _e(
        "place-renamed",
        "a place renamed",
        "this gazetteer renames {pcode} from {old!r} to {new!r}; --update-places applies "
        "renames and moves of existing places",
    ),
    _e(
        "place-moved",
        "a place moved",
        "this gazetteer moves {pcode} from {old} to {new}; --update-places applies renames "
        "and moves of existing places",
    ),
    _e(
        "not-a-geometry",
        "not a GeoJSON geometry",
        "not a GeoJSON geometry: {reason}",
    ),
    _w(
        "national-rows",
        "rows taken as national figures",
        "rows without an admin code (the first: row {first_row}) are taken as national figures of "
        "{country}, the gazetteer's only country; --country {country} says so and silences this",
    ),
    _e(
        "national-row",
        "--country names no country of the gazetteer",
        "--country {country} is not a country of the gazetteer ({countries})",
    ),
    _e(
        "national-row",
        "--country with no country in the gazetteer",
        "--country {country} is not a country of the gazetteer",
        "none",
    ),
    _e(
        "national-row",
        "a national row without a country",
        "a national row (no admin code), but the gazetteer has no country: import one with a "
        "#country+code column (a level 0 place)",
        "no-country",
    ),
    _e(
        "national-row",
        "a national row among several countries",
        "a national row (no admin code), and the database holds several countries "
        "({countries}): choose one with --country CODE",
        "several-countries",
    ),
    _e(
        "no-place",
        "a damage row without a place",
        "no P-code in this row, and the file has no #geo+lat/#geo+lon to place it by",
    ),
    _e(
        "no-place",
        "a damage point without a place",
        "no P-code and no coordinates: give #geo+lat and #geo+lon, or a P-code",
        "point",
    ),
    _e(
        "outside-boundaries",
        "a point outside every boundary",
        "the point lies outside every boundary in the gazetteer: check the coordinates "
        "(latitude, longitude in WGS 84) or give a P-code",
    ),
    _e(
        "outside-boundaries",
        "a point and no boundaries",
        "no P-code, and the gazetteer has no boundaries to place the point by: import a GeoJSON "
        "gazetteer with boundaries, or give a P-code",
        "no-boundaries",
    ),
    _e("out-of-range", "a coordinate out of range", "{axis} must lie within ±{limit}"),
    _e(
        "out-of-range",
        "coordinates that are not degrees",
        "coordinates must be WGS 84 degrees: latitude within ±90, longitude ±180",
        "degrees",
    ),
    _e(
        "half-a-coordinate",
        "one coordinate of two",
        "a {other} without a {missing}: give both coordinates or neither",
    ),
    # Numbers, dates and words
    _e("not-a-number", "not a number", "{reason}"),
    _e("negative", "a negative number of people", "a number of people cannot be negative"),
    _e(
        "share-above-100",
        "a share above 100 %",
        "a share of the population cannot exceed 100 %",
    ),
    _e("not-a-date", "not a date", "{reason}"),
    _e("not-a-date", "not a date in an incident", "{given} is not a valid date", "incident"),
    _e(
        "not-a-date",
        "not a date ACLED writes",
        "{reason} (ACLED writes 15 March 2016; ISO 2016-03-15 is read too)",
        "acled",
    ),
    _e(
        "not-a-date",
        "not a month",
        "{given!r} is not a month: write it as YYYY-MM (2024-03)",
        "month",
    ),
    _e(
        "no-date",
        "a delivery without a date",
        "a delivery needs a date: #date+end, #date or #date+start",
    ),
    _e(
        "no-date",
        "an access status without a date",
        "an access status needs the date it holds from (#date+start or --date)",
        "access",
    ),
    _e(
        "no-date",
        "a figure without a date",
        "a figure needs a date: add a #date column or import with --date",
        "figure",
    ),
    _e(
        "no-date",
        "a damage assessment without a date",
        "a damage assessment needs a date: #date+imagery, #date or import with --date",
        "damage",
    ),
    _e(
        "no-date",
        "an incident file without dates",
        "an incident needs a date (#date+occurred)",
        "incidents",
    ),
    _e("no-date", "an incident without a date", "an incident needs a date", "incident"),
    _e(
        "no-date",
        "an event count without its period",
        "a count of events needs the start and the end of its period (#date+start, #date+end)",
        "event-count",
    ),
    _e(
        "period-reversed",
        "a period that ends before it starts",
        "the period ends on {end} before it starts on {start}",
    ),
    _e(
        "unknown-event-type",
        "not one of HDX HAPI's event types",
        "{given!r} is not an event type of HDX HAPI's conflict events: use political_violence, "
        "civilian_targeting or demonstration",
        "hapi",
    ),
    _e(
        "not-a-count",
        "not a whole number of events",
        "{given!r} is not a whole number of events",
        "events",
    ),
    _e(
        "count-twice",
        "the same count twice",
        "row {first_row} already counts {event_type} in this place for this period from the same "
        "source",
    ),
    _e(
        "no-date",
        "a convoy without its request date",
        "convoy {code} needs the date it was requested (#date+requested)",
        "requested",
    ),
    _e(
        "no-date",
        "a delivered convoy without a date",
        "convoy {code} is delivered but has no delivery date (#date+delivered)",
        "delivered",
    ),
    _e(
        "bad-grade",
        "not a grade",
        "a grade is a letter A-F and a number 1-6, e.g. B2: not {given!r}",
    ),
    _e(
        "bad-grade",
        "not a source reliability",
        "source reliability is a letter A to F: not {given!r}",
        "reliability",
    ),
    _e(
        "bad-grade",
        "not an information credibility",
        "information credibility is a number 1 to 6: not {given!r}",
        "credibility",
    ),
    *_vocabulary_kinds(),
    # Kinds of data
    _e("no-org", "a 3W row without an organisation", "a 3W row needs an organisation"),
    _e("bad-dimension", "not y, n or a", "a {name} is y (yes), n (no) or a (all)"),
    _e(
        "hapi-error",
        "a row HDX HAPI does not load",
        "HDX HAPI marks this row as an error and does not load it: {error}",
    ),
    _e(
        "bad-category",
        "a HAPI category lagebild cannot read",
        "a category is made of a gender, an age (a range or Children, Adult, Elderly), "
        "Disabled and a group (IDP, Refugees, Returnees), ' - ' between them, or Total: "
        "lagebild cannot read {part}",
    ),
    _e(
        "dimension-clash",
        "a column and a row that disagree",
        "the column says {name} {own}, the row says {given}",
    ),
    _e("unknown-indicator", "not an indicator", "an indicator is one of {indicators}"),
    _w(
        "no-besieging-party",
        "besieged by no one named",
        "besieged, but no besieging party (#group+besieging)",
    ),
    _e(
        "unknown-damage-class",
        "not a damage class",
        "unknown damage class {word!r}: use 1 (destroyed), 2 (severe), 3 (moderate) or 4 "
        "(possible), or UNOSAT's words Destroyed, Severe Damage, Moderate Damage, Possible "
        "Damage",
    ),
    _e(
        "unknown-damage-class",
        "no damage class",
        "no damage class: use 1 (destroyed), 2 (severe), 3 (moderate) or 4 (possible), or "
        "UNOSAT's words Destroyed, Severe Damage, Moderate Damage, Possible Damage",
        "blank",
    ),
    _e(
        "not-a-count",
        "not a count of damage",
        "a count of {name} buildings or houses is a whole number, 0 or more",
    ),
    _e(
        "class-and-counts",
        "a damage class and counts in one row",
        "a row of a damage list gives a class (a point) or counts (a place), not both",
    ),
    _e("unknown-unit", "not a damage unit", "a damage unit is buildings or houses"),
    _w(
        "no-damage-counts",
        "a damage row with nothing to store",
        "no damage class or counts in this row; nothing stored for it",
    ),
    _w(
        "no-damage-counts",
        "a damage row without counts",
        "no damage counts in this row; nothing stored for it",
        "counts",
    ),
    _e("too-long", "a text too long", "longer than {limit} characters"),
    _e("not-yes-no", "not yes or no", "an attack on aid is yes or no"),
    _e("bad-placing", "not a way of placing", "placed by one of {methods}"),
    _e("not-whole", "fatalities not whole", "fatalities are a whole number of people"),
    _w(
        "unplaced",
        "an incident no place was found for",
        "no place found for this incident ({said}): kept without a place; import a gazetteer "
        "with boundaries or communities there, or raise --max-km",
    ),
    # Convoys
    _e("bad-number", "not a whole number", "must be a whole number, not negative"),
    _e("bad-number", "a negative number", "must be not negative", "negative"),
    _e("no-convoy-code", "a row without its convoy", "a row needs its convoy's code"),
    _e(
        "convoy-disagrees",
        "a convoy's rows that disagree",
        "convoy {code}: {label} is {first} in row {first_row} but {given} here",
    ),
    _e(
        "no-status",
        "a decision without a status",
        "convoy {code} was decided on {decided}, but no status says approved, partly approved "
        "or denied",
    ),
    _e(
        "partly-how-much",
        "partly approved, not saying how much",
        "convoy {code} is partly approved: say how much, in #convoy+trucks+approved or "
        "#targeted+approved",
    ),
    _e(
        "not-delivered",
        "a delivery of a convoy not delivered",
        "convoy {code} is {status}: it has no {what}",
    ),
    _e(
        "not-delivered",
        "items of a convoy not delivered",
        "convoy {code} is {status}: nothing arrived or was removed yet",
        "items",
    ),
    _e(
        "not-decided",
        "a decision of a convoy only requested",
        "convoy {code} is requested, not decided: it has no decision date",
    ),
    _e("denied", "a denied convoy with a delivery", "convoy {code} is denied: no {what}"),
    _e(
        "date-order",
        "a convoy's dates out of order",
        "convoy {code} was {then} on {after}, before it was {was} on {before}",
    ),
    _e(
        "above-request",
        "more approved than requested",
        "convoy {code}: {approved:,.0f} {label} approved, more than the {asked:,.0f} requested",
    ),
    _e(
        "no-item-name",
        "item values without an item",
        "item values without an item name (#item+name)",
    ),
    _e(
        "item-twice",
        "an item given twice",
        "convoy {code} has item {item!r} in row {first_row} already: give each item once",
    ),
    _e(
        "above-planned",
        "more arrived than planned",
        "{arrived} arrived and {removed} removed is more than the {planned} planned",
    ),
    _e(
        "convoy-exists",
        "a convoy held already",
        "convoy {code} exists already (entered on the command line): a file cannot change "
        "it; use 'lagebild convoy decide/deliver'",
    ),
    _e(
        "convoy-exists",
        "a convoy held already, from an import",
        "convoy {code} exists already (import #{import_id}): a file cannot change it; use "
        "'lagebild convoy decide/deliver', or undo import #{import_id} first",
        "imported",
    ),
    # The inputs of a delivery plan
    _e("no-name", "a planning row without its name", "a {what} needs its name ({hashtag})"),
    _e("no-number", "a planning row without a number it needs",
       "a {what} needs {needed} ({hashtag})"),  # fmt: skip
    _e("bad-number", "zero or less where more is needed", "must be more than 0", "positive"),
    _e(
        "named-twice",
        "a warehouse, item or route given twice",
        "{what} {name!r} is in row {first_row} already: give each once",
    ),
    _e(
        "named-twice",
        "a stock count given twice",
        "{item!r} in {warehouse!r} is counted in row {first_row} already{on}: give each count "
        "once",
        "stock",
    ),
    _e(
        "unknown-warehouse",
        "a warehouse not known",
        "no warehouse {name!r} is known: import the warehouses (#loc+warehouse+name, "
        "#capacity+trucks+week) first",
    ),
    _e(
        "unknown-item",
        "an item not known",
        "no item {name!r} is known: import the items (#item+name, #indicator+people+week) first",
    ),
    _e(
        "no-place",
        "a warehouse without a place",
        "a warehouse needs a P-code (#adm1+code ... #adm4+code) or #geo+lat and #geo+lon",
        "warehouse",
    ),
    _e(
        "date-order",
        "a limit that ends before it starts",
        "the limit ends on {end}, before it starts on {start}",
        "limit",
    ),
    # The web form of an import
    _e("invalid-field", "a form field not usable", "use one of {allowed}"),
    _e(
        "invalid-field",
        "a form field not known",
        "unknown field {name!r}: send file and any of {fields}",
        "unknown",
    ),
    _e("invalid-field", "a form field sent as a file", "{name} must be text, not a file",
       "not-text"),  # fmt: skip
    _e("invalid-field", "a form date not a date", "not a date: write it as YYYY-MM-DD", "date"),
    _e(
        "invalid-field",
        "a form field not yes or no",
        "use true or false (or 1 or 0)",
        "yes-no",
    ),
    _e("no-file", "a form without its file", "send the file in the field 'file'"),
    _e("extension", "a file of a type not read", "use one of {extensions}"),
    _e("empty", "an empty file", "the file is empty"),
    _e(
        "too-large",
        "a file larger than the server accepts",
        "the file is larger than the server accepts ({limit:,} bytes); import it with "
        "lagebild import on the server",
    ),
)

#: Each kind by its key: ``code`` or ``code/variant``.
CATALOGUE: dict[str, ProblemKind] = {kind.key: kind for kind in KINDS}


def kind(key: str) -> ProblemKind:
    """The kind of problem a key names; :class:`UnknownProblem` if the catalogue has none."""
    try:
        return CATALOGUE[key]
    except KeyError:
        raise UnknownProblem(f"no problem {key!r} in the catalogue") from None


def reason(key: str, **params: object) -> str:
    """The reason of a problem of kind ``key``, its template filled from ``params``."""
    return kind(key).reason(**params)


def problem(
    key: str,
    file: str,
    row: int | None = None,
    column: str | None = None,
    value: str | None = None,
    **params: object,
) -> Problem:
    """A problem of kind ``key`` (``code`` or ``code/variant``) in ``file``, at ``row`` and
    ``column`` if it concerns one, with the ``value`` found there."""
    found = kind(key)
    said = found.reason(**params)
    return Problem(
        found.level, found.code, said, file, row, column, value, hints_in(said),
        key=found.key, params=tuple(params.items()),
    )  # fmt: skip
