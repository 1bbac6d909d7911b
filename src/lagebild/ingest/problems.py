"""Errors are data: each problem of an import is a record naming file, row, column and value."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lagebild.errors import RefusedInput
from lagebild.ingest.hints import Hint
from lagebild.messages import N_, Message, Np_, level_code

if TYPE_CHECKING:
    from lagebild.ingest.placechanges import PlaceChanges

ERROR = "error"
WARNING = "warning"

#: An import keeps this many problems of one code in full and counts the rest.
KEEP_PER_CODE = 1000


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one cell, row or file."""

    severity: str  # error | warning
    code: str  # machine-readable: unknown-pcode, not-a-number, no-date, ...
    reason: str  # the message a person reads
    file: str
    row: int | None = None  # 1-based row number as a spreadsheet shows it
    column: str | None = None  # spreadsheet letter and tag, e.g. "N #adm4+code"
    value: str | None = None
    #: The advice in the reason, as keys each front end words (``ingest.hints``).
    hints: tuple[Hint, ...] = ()
    #: The catalogue's key of its kind and the values its template was filled with, so that a
    #: front end can say the reason in another language (lagebild.ingest.catalogue).
    key: str = field(default="", compare=False, repr=False)
    params: tuple[tuple[str, object], ...] = field(default=(), compare=False, repr=False)

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        value = f", value {self.value!r}" if self.value is not None else ""
        return f"{self.severity}: {where}{value}: {self.reason}"

    def as_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "code": self.code,
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
            "hints": [h.as_dict() for h in self.hints],
        }


class Reasons(list["Problem | Message | str"]):
    """Why a row was rejected: its problems and other reasons, in the order found; the English
    sentence (``str``) joins them with ``;`` as the rejects file writes them. A front end says
    each in its own language (a problem by its catalogue's kind, a message by its template)."""

    def __str__(self) -> str:
        return "; ".join(r.reason if isinstance(r, Problem) else str(r) for r in self)


#: Reasons a row is rejected that are no problem of the report's (the problem is counted once).
NO_VALID_PCODE = Message(N_("no valid P-code at any level"))
NO_DAMAGE_COUNTS = Message(N_("no damage counts"))


def reject(rejected: dict[int, Reasons], row: int, reason: Problem | Message | str) -> None:
    """Add a reason why ``row`` is rejected."""
    rejected.setdefault(row, Reasons()).append(reason)


#: How many unknown P-codes the summary of an import names as examples, per level.
EXAMPLES = 3


@dataclass
class UnknownPcodes:
    """The P-codes of a file that the gazetteer does not hold, counted over the whole import
    and said once: rows, distinct codes by level, examples, the likely country."""

    rows: int = 0  # rows whose finest given P-code is unknown
    unplaced: int = 0  # of those, rows with no known P-code at any level (errors)
    placed: int = 0  # rows placed on a known P-code
    gazetteer_places: int = 0
    codes: dict[int, Counter[str]] = field(default_factory=dict)  # level -> code -> rows
    countries: Counter[str] = field(default_factory=Counter)

    def note(self, level: int, codes: list[str], unplaced: int, countries: list[str]) -> None:
        """Rows whose finest unknown code is at ``level``: their codes, how many of them have
        no known code at all, and the country each names (if any)."""
        self.rows += len(codes)
        self.unplaced += unplaced
        self.codes.setdefault(level, Counter()).update(codes)
        self.countries.update(c for c in countries if c)

    def _levels(self) -> Message:
        parts: list[Message] = []
        for level in sorted(self.codes, reverse=True):
            counted = self.codes[level]
            parts.append(
                Message.count(
                    Np_(
                        "%(num)s distinct P-code at %(level)s, e.g. %(examples)s",
                        "%(num)s distinct P-codes at %(level)s, e.g. %(examples)s",
                    ),
                    len(counted),
                    level=level_code("country" if level == 0 else f"adm{level}"),
                    examples=", ".join(code for code, _ in counted.most_common(EXAMPLES)),
                )
            )
        levels = parts[0]
        for part in parts[1:]:
            levels = Message(N_("%(first)s; %(then)s"), {"first": levels, "then": part})
        countries = ", ".join(c for c, _ in self.countries.most_common(3))
        if countries:
            return Message(
                N_("%(levels)s; country %(countries)s"),
                {"levels": levels, "countries": countries},
            )
        return levels

    def message(self) -> str:
        """One paragraph: what is unknown, and which gazetteer to import."""
        return str(self.words())

    def words(self) -> Message:
        """The paragraph of :meth:`message`, to be said in the reader's language."""
        rows = Message.count(Np_("%(num)s row", "%(num)s rows"), self.rows)
        said = {
            "rows": rows,
            "levels": self._levels(),
            "fix": Message(N_("import the gazetteer that defines them first (docs/hxl.md)")),
        }
        if not self.gazetteer_places:
            return Message(
                N_(
                    "the database holds no places yet, so no row can be placed: %(rows)s "
                    "(%(levels)s); %(fix)s"
                ),
                said,
            )
        if not self.placed:
            return Message(
                N_(
                    "none of the file's P-codes is in the gazetteer (it holds %(places)s "
                    "places): %(rows)s (%(levels)s); this file needs another gazetteer: %(fix)s"
                ),
                {**said, "places": self.gazetteer_places},
            )
        text = Message.count(
            Np_(
                "%(rows)s (%(levels)s) is not in the gazetteer: %(fix)s",
                "%(rows)s (%(levels)s) are not in the gazetteer: %(fix)s",
            ),
            self.rows,
            **said,
        )
        kept = self.rows - self.unplaced
        if kept and self.unplaced:
            return Message(
                N_("%(text)s; %(kept)s, %(unplaced)s"),
                {
                    "text": text,
                    "kept": Message.count(
                        Np_(
                            "%(num)s of them is kept at a coarser level",
                            "%(num)s of them are kept at a coarser level",
                        ),
                        kept,
                    ),
                    "unplaced": Message.count(
                        Np_("%(num)s has no known P-code", "%(num)s have no known P-code"),
                        self.unplaced,
                    ),
                },
            )
        if kept:
            return Message(
                N_(
                    "%(text)s; until then they are kept at the coarser level whose P-code is "
                    "known"
                ),
                {"text": text},
            )
        return text

    @property
    def severity(self) -> str:
        return ERROR if self.unplaced else WARNING

    def as_dict(self) -> dict[str, object] | None:
        if not self.rows:
            return None
        return {
            "severity": self.severity,
            "rows": self.rows,
            "rows_unplaced": self.unplaced,
            "levels": {
                ("country" if level == 0 else f"adm{level}"): {
                    "codes": len(counted),
                    "examples": [code for code, _ in counted.most_common(EXAMPLES)],
                }
                for level, counted in sorted(self.codes.items(), reverse=True)
            },
            "countries": [c for c, _ in self.countries.most_common()],
            "message": self.message(),
        }


@dataclass
class ImportReport:
    """What an import did or would do, and every problem it found."""

    file: str
    kind: str | None = None
    source: str | None = None
    sha256: str | None = None
    import_id: int | None = None
    rows_read: int = 0
    rows_written: int = 0
    rows_rejected: int = 0
    records_written: int = 0
    #: Records of earlier imports replaced by this one's: the same key (a Kobo _uuid) again.
    records_replaced: int = 0
    dry_run: bool = False
    rejects_path: Path | None = None
    ignored_columns: list[str] = field(default_factory=list)
    #: The columns whose hashtags decided the kind, and why, in words.
    decided_by: list[str] = field(default_factory=list)
    reason: str = ""
    #: Every column left out: tagged ones this kind does not read, and untagged ones.
    unused_columns: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    unknown_pcodes: UnknownPcodes = field(default_factory=UnknownPcodes)
    place_changes: PlaceChanges | None = None  # a gazetteer's effect on the places known
    #: (vocabulary, word as written, code) -> rows of the file that carry the word.
    mappings: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    def add_mapping(self, vocabulary: str, word: str, code: str, rows: int) -> None:
        """A word of the file mapped to a code of a vocabulary (``sector``), in ``rows`` rows."""
        self.mappings[(vocabulary, word, code)] += rows

    def add(self, problem: Problem) -> None:
        key = (problem.severity, problem.code)
        self.counts[key] += 1
        if self.counts[key] <= KEEP_PER_CODE:
            self.problems.append(problem)

    def flatten(self) -> list[tuple[int | None, str | None, str]]:
        """(row, column, code) of each problem kept, in the order found: a report at a glance."""
        return [(p.row, p.column, p.code) for p in self.problems]

    @property
    def error_count(self) -> int:
        return sum(n for (severity, _), n in self.counts.items() if severity == ERROR)

    @property
    def warning_count(self) -> int:
        return sum(n for (severity, _), n in self.counts.items() if severity == WARNING)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def omitted(self) -> int:
        """Problems counted but not kept in full."""
        return sum(self.counts.values()) - len(self.problems)

    def recognition(self) -> dict[str, object]:
        """How the kind was recognised, as kept with the import's record."""
        return {
            "kind": self.kind,
            "decided_by": self.decided_by,
            "reason": self.reason,
            "unused_columns": self.unused_columns,
        }

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "kind": self.kind,
            "source": self.source,
            "sha256": self.sha256,
            "import_id": self.import_id,
            "rows_read": self.rows_read,
            "rows_written": self.rows_written,
            "rows_rejected": self.rows_rejected,
            "records_written": self.records_written,
            "records_replaced": self.records_replaced,
            "dry_run": self.dry_run,
            "rejects_path": str(self.rejects_path) if self.rejects_path else None,
            "errors": self.error_count,
            "warnings": self.warning_count,
            "ignored_columns": self.ignored_columns,
            "decided_by": self.decided_by,
            "reason": self.reason,
            "unused_columns": self.unused_columns,
            "unknown_pcodes": self.unknown_pcodes.as_dict(),
            "mappings": [
                {"vocabulary": v, "word": w, "code": c, "rows": n}
                for (v, w, c), n in sorted(self.mappings.items())
            ],
            "problems": [p.as_dict() for p in self.problems],
            "place_changes": self.place_changes.as_dict() if self.place_changes else None,
        }


class ImportFailed(RefusedInput):
    """An import that wrote nothing because of errors; ``report`` lists them."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(f"{report.file}: {report.error_count} error(s), nothing was imported")
