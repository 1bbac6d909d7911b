"""Errors are data: each problem of an import is a record naming file, row, column and value."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

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
    dry_run: bool = False
    rejects_path: Path | None = None
    ignored_columns: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
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
            "dry_run": self.dry_run,
            "rejects_path": str(self.rejects_path) if self.rejects_path else None,
            "errors": self.error_count,
            "warnings": self.warning_count,
            "ignored_columns": self.ignored_columns,
            "mappings": [
                {"vocabulary": v, "word": w, "code": c, "rows": n}
                for (v, w, c), n in sorted(self.mappings.items())
            ],
            "problems": [p.as_dict() for p in self.problems],
        }


class ImportFailed(Exception):
    """An import that wrote nothing because of errors; ``report`` lists them."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(f"{report.file}: {report.error_count} error(s), nothing was imported")
