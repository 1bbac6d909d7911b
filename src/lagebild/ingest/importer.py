"""Import a file: read it, recognise it, validate it column-wise, write it in one transaction."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import queue
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from lagebild.ingest import convoys, placechanges, placeproblems, plan, records
from lagebild.ingest.catalogue import problem
from lagebild.ingest.columns import (
    PLAN_KINDS,
    Layout,
    LayoutError,
    describe,
    layout_for,
    unread_hint,
)
from lagebild.ingest.damage import DamageBuilder
from lagebild.ingest.gazetteer import Gazetteer
from lagebild.ingest.kobo import KoboRefused, open_export
from lagebild.ingest.problems import ImportFailed, ImportReport, Reasons
from lagebild.ingest.read import Column, ReadError, Table, open_table
from lagebild.ingest.vocabularies import ImportVocabularies
from lagebild.messages import N_, Message
from lagebild.model.vocab import VocabularyError
from lagebild.store import Store, Writer, accounts
from lagebild.store import convoys as convoy_store
from lagebild.store.bulk import insert_rows
from lagebild.store.changes import record_changes
from lagebild.store.deliveries import bulk_deliveries
from lagebild.store.figures import bulk_figures
from lagebild.store.imports import (
    add_import,
    all_imports,
    count_keyed,
    finish_import,
    id_marks,
    lock_import_hash,
    record_import,
    replace_keyed,
    set_import_hash,
)
from lagebild.store.places import all_places, place_geometries, upsert_places
from lagebild.store.plan import known_names
from lagebild.store.sources import register_source

Progress = Callable[[int], None]


@dataclass(frozen=True)
class ImportOptions:
    """How to read and write one file; the command line's ``import`` options."""

    source: str | None = None
    locale: str = "en"
    sheet: str | None = None
    member: str | None = None  # the file inside a ZIP archive, or the table of a JSON object
    tag_map: Mapping[str, str] | None = None
    kind: str | None = None
    date: date | None = None  # for figure and access rows without a date of their own
    dry_run: bool = False
    skip_invalid: bool = False
    rejects: Path | None = None  # where --skip-invalid writes rejected rows
    encoding: str | None = None
    batch_rows: int = 500_000
    max_km: float = 10.0  # incidents: how far the nearest community may be
    organisation: str | None = None  # whose records these are (the partner's; --org)
    no_database: bool = False  # a dry run without a database: P-codes cannot be checked
    update_places: bool = False  # a gazetteer may rename and move existing places
    country: str | None = None  # figures: the country of rows without an admin code (--country)
    # Words -> codes that extend the shipped vocabularies for this import (--sectors, ...).
    sectors: Mapping[str, str] | None = None
    statuses: Mapping[str, str] | None = None
    modalities: Mapping[str, str] | None = None
    event_types: Mapping[str, str] | None = None
    #: The XLSForm of a KoboToolbox or ODK export (--form), and the language of its labels.
    form: Path | None = None
    form_language: str | None = None
    #: The rejects file said in other languages too: a language's code and how it says a
    #: row's reasons; each is written beside ``rejects`` as ``NAME.CODE.csv``.
    rejects_said: Mapping[str, Callable[[Reasons], str]] | None = None

    def as_json(self) -> str:
        values = asdict(replace(self, rejects_said=None))
        del values["rejects_said"]
        values["date"] = self.date.isoformat() if self.date else None
        values["rejects"] = str(self.rejects) if self.rejects else None
        values["form"] = self.form.name if self.form else None
        values["tag_map"] = dict(self.tag_map) if self.tag_map else None
        for name in ("sectors", "statuses", "modalities", "event_types"):
            mapping = getattr(self, name)
            values[name] = dict(mapping) if mapping else None
        return json.dumps(values, ensure_ascii=False, sort_keys=True)


#: Tag maps shipped with lagebild, for well-known untagged files: ``--tags NAME`` finds them.
SHIPPED_TAG_MAPS = Path(__file__).parent / "tagmaps"


def shipped_tag_maps() -> list[str]:
    """Names of the tag maps lagebild ships (``acu-earthquake-2023``, ...)."""
    return sorted(p.stem for p in SHIPPED_TAG_MAPS.glob("*.yml"))


def load_tag_map(path: Path | str) -> dict[str, str]:
    """A mapping file: header text -> hashtag (YAML or JSON); or, when no such file exists, the
    shipped tag map of that name (``acu-earthquake-2023``)."""
    path = Path(path)
    shipped = SHIPPED_TAG_MAPS / f"{path.name}.yml"
    if not path.exists() and path.name == str(path) and not path.suffix and shipped.is_file():
        path = shipped
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        said = Message(N_("cannot read the tag map: %(why)s"), {"why": exc.strerror})
        raise ReadError(path, None, None, None, said) from exc
    except yaml.YAMLError as exc:
        said = Message(N_("the tag map is not valid YAML: %(why)s"), {"why": str(exc)})
        raise ReadError(path, None, None, None, said) from exc
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip().startswith("#")
        for k, v in data.items()
    ):
        raise ReadError(
            path,
            None,
            None,
            None,
            Message(
                N_("the tag map must map header text to a hashtag, one per line: "
                   "'Header: \"#tag\"'")
            ),
        )
    return {k: v.strip() for k, v in data.items()}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def default_rejects_path(path: Path) -> Path:
    """``4w.csv`` -> ``4w.rejects.csv`` beside it, or in the working folder if that is read-only."""
    name = f"{path.stem}.rejects.csv"
    if os.access(path.parent, os.W_OK):
        return path.parent / name
    return Path.cwd() / name


@dataclass
class _Rejects:
    """Rejected rows as the file had them, with the reasons, for --skip-invalid."""

    header: list[str]
    tags: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    def write(self, path: Path, said: Callable[[Reasons], str] = str) -> None:
        """The rows with their reasons, in English unless ``said`` says them otherwise."""
        with path.open("w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow(["row", "reason", *self.header])
            out.writerow(["#meta+row", "#meta+reason", *self.tags])
            out.writerows([number, said(reasons), *cells] for number, reasons, *cells in self.rows)


def import_file(
    store: Store,
    path: Path | str,
    options: ImportOptions | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one file as one transaction; raise ``ImportFailed`` when it has errors.

    With ``skip_invalid`` the valid rows are written and the rejected ones go to a rejects file.
    With ``dry_run`` nothing is written and the report says what would happen.
    """
    options = options or ImportOptions()
    path = Path(path)
    report = ImportReport(file=path.name, dry_run=options.dry_run)
    try:
        table = open_source(path, options)
    except KoboRefused as exc:
        for found in exc.problems:
            report.add(found)
        raise ImportFailed(report) from exc
    except ReadError as exc:
        report.add(
            problem("unreadable", path.name, exc.row, exc.column, exc.value, reason=exc.said)
        )
        raise ImportFailed(report) from exc
    with table:
        for mended in table.warnings:
            column = describe(mended.column) if mended.column else None
            report.add(
                problem(
                    mended.key, path.name, mended.row, column, mended.value, **mended.params
                )
            )
        try:
            layout = layout_for(table.columns, options.kind)
        except LayoutError as exc:
            report.add(problem("layout", path.name, reason=exc.words))
            raise ImportFailed(report) from exc
        report.kind = layout.kind
        report.ignored_columns = [describe(c) for c in layout.ignored]
        report.decided_by = [describe(c) for c in layout.decided_by]
        report.reason = layout.reason
        report.unused_columns = [_unused(c) for c in (*layout.ignored, *layout.untagged)]
        try:
            _vocabularies(options, layout.kind)  # an override that does not fit refuses the file
        except VocabularyError as exc:
            report.add(problem("vocabulary", path.name, reason=exc.words))
            raise ImportFailed(report) from exc
        report.source = options.source
        # Hashing releases the interpreter lock: it runs beside the import.
        with ThreadPoolExecutor(max_workers=1) as pool:
            digest = pool.submit(sha256_of, table.data_path)  # a zipped file: the file in it
            if options.dry_run:
                _run(store, None, table, layout, options, report, progress)
                report.sha256 = digest.result()
                _refuse_a_second_time(store, report)
            else:
                with store.writer() as writer:
                    marks = id_marks(writer)
                    footprint = records.Footprint()
                    _run(store, writer, table, layout, options, report, progress, footprint)
                    report.sha256 = digest.result()
                    lock_import_hash(writer, report.sha256)  # one import of a file at a time
                    if _refuse_a_second_time(store, report):
                        raise ImportFailed(report)  # rolls the transaction back
                    assert report.import_id is not None
                    set_import_hash(writer, report.import_id, report.sha256)
                    if report.error_count and not options.skip_invalid:
                        raise ImportFailed(report)
                    record_import(writer, report.import_id, marks, footprint.summary())
    if report.error_count and not options.skip_invalid:
        raise ImportFailed(report)
    return report


def open_source(path: Path, options: ImportOptions) -> Table:
    """The file as a table: a Kobo or ODK export read with its form (``options.form``), else
    any table file. ``KoboRefused`` (with every problem) or ``ReadError`` when it cannot be."""
    if options.form is not None:
        return open_export(
            path,
            options.form,
            tag_map=options.tag_map,
            language=options.form_language,
            locale=options.locale,
            encoding=options.encoding,
        )
    return open_table(
        path,
        sheet=options.sheet,
        tag_map=options.tag_map,
        encoding=options.encoding,
        locale=options.locale,
        member=options.member,
    )


def _unused(column: Column) -> str:
    """``K #org+acronym (ORG_ACRONYM)``: a column left out, with its header where it has one."""
    header = (column.header or "").strip()
    text = describe(column)
    return f"{text} ({header})" if header and header != str(column.tag or "") else text


def _refuse_unread(frame: pl.DataFrame, layout: Layout, report: ImportReport) -> None:
    """Columns with values this kind of file does not read would be dropped: refuse the file,
    naming each with how many rows of the batch hold a value and the first of them."""
    found = False
    for column in layout.unread:
        cells = frame[f"c{column.index}"].str.strip_chars()
        held = cells.is_not_null() & (cells != "")
        count = int(held.sum())
        if not count:
            continue
        found = True
        first = int(held.arg_true()[0])
        report.add(
            problem(
                "unread-values",
                report.file,
                int(frame["_row"][first]),
                describe(column),
                cells[first],
                kind=layout.kind,
                name=describe(column),
                count=count,
                rows=frame.height,
                first=frame["_row"][first],
                hint=unread_hint(layout, column),
            )
        )
    if found:
        raise ImportFailed(report)


def _checked(
    batches: Iterator[pl.DataFrame], layout: Layout, report: ImportReport
) -> Iterator[pl.DataFrame]:
    for frame in batches:
        if layout.unread:
            _refuse_unread(frame, layout, report)
        yield frame
def _vocabularies(options: ImportOptions, kind: str) -> ImportVocabularies:
    """The shipped vocabularies with the import's override maps (``--sectors`` ...)."""
    return ImportVocabularies(
        kind,
        sectors=options.sectors,
        statuses=options.statuses,
        modalities=options.modalities,
        event_types=options.event_types,
    )


def _refuse_a_second_time(store: Store, report: ImportReport) -> bool:
    """The same figures, access changes or deliveries imported twice would count twice.

    A gazetteer may come again: its rows update the places they name.
    """
    if report.kind == "places":
        return False
    earlier = [
        r
        for r in all_imports(store)
        if r.sha256 == report.sha256 and r.status == "committed" and r.kind == report.kind
    ]
    if not earlier:
        return False
    first = earlier[0]
    report.add(
        problem(
            "already-imported",
            report.file,
            import_id=first.id,
            imported_at=first.imported_at,
            file_name=first.file_name,
        )
    )
    return True


def _run(
    store: Store,
    writer: Writer | None,
    table: Table,
    layout: Layout,
    options: ImportOptions,
    report: ImportReport,
    progress: Progress | None,
    footprint: records.Footprint | None = None,
) -> None:
    gazetteer = Gazetteer(all_places(store), checked=not options.no_database)
    rejects = _Rejects(
        [c.header or "" for c in table.columns],
        [str(c.tag) if c.tag else "" for c in table.columns],
    )
    connection = threading.Lock()  # one user of the transaction's connection at a time
    sources = _Sources(writer, options.source, connection)
    import_id = _start_import(writer, sources, layout, options, report)
    context = records.Context(
        file=report.file,
        layout=layout,
        gazetteer=gazetteer,
        options_locale=options.locale,
        default_date=options.date,
        report=report,
        sources=sources,
        import_id=import_id or 0,
        footprint=footprint if footprint is not None else records.Footprint(),
        country=options.country,
        vocabularies=_vocabularies(options, layout.kind),
    )
    if layout.kind == "places":
        _import_places(store, writer, table, context, options, rejects, import_id)
    elif layout.kind == "convoys":
        _import_convoys(store, writer, table, context, options, rejects)
    elif layout.kind in PLAN_KINDS:
        _import_plan(store, writer, table, context, options, rejects)
    else:
        _import_batches(store, writer, table, context, options, rejects, connection, progress)
    report.rows_rejected = report.rows_read - report.rows_written
    if writer is not None and import_id is not None:
        finish_import(
            writer,
            import_id, report.rows_written, report.rows_rejected, report.warning_count
        )
    if options.skip_invalid and rejects.rows and not options.dry_run:
        target = options.rejects or default_rejects_path(table.info.path)
        rejects.write(target)
        for code, said in (options.rejects_said or {}).items():
            rejects.write(said_rejects_path(target, code), said)
        report.rejects_path = target


def said_rejects_path(path: Path, language: str) -> Path:
    """Where the rejects file said in ``language`` is written beside the English one."""
    return path.with_name(f"{path.stem}.{language}{path.suffix}")


def _start_import(
    writer: Writer | None,
    sources: _Sources,
    layout: Layout,
    options: ImportOptions,
    report: ImportReport,
) -> int | None:
    """The import's row in the database (None on a dry run), its id also in ``report``."""
    if writer is None:
        return None
    default_source = sources.id_of(options.source) if options.source else None
    import_id = add_import(
        writer,
        report.file,
        "",
        layout.kind,
        default_source,
        options.as_json(),
        accounts.organisation_id(writer, options.organisation),
        json.dumps(report.recognition(), ensure_ascii=False, sort_keys=True),
    )
    report.import_id = import_id
    return import_id


def _whole_frame(table: Table, context: records.Context, options: ImportOptions) -> pl.DataFrame:
    """All the rows of a file that is read whole, checked."""
    report = context.report
    frames = list(_checked(table.batches(options.batch_rows), context.layout, report))
    frame = pl.concat(frames) if frames else _empty(table)
    report.rows_read = frame.height
    return frame


def _import_places(
    store: Store,
    writer: Writer | None,
    table: Table,
    context: records.Context,
    options: ImportOptions,
    rejects: _Rejects,
    import_id: int | None,
) -> None:
    """A gazetteer, read whole: its places, with the changes to the places already stored
    (refused unless ``--update-places``, and never to a place's level)."""
    report, layout, gazetteer = context.report, context.layout, context.gazetteer
    frame = _whole_frame(table, context, options)
    place_rows, rejected = records.places(frame, context)
    _collect_rejects(frame, rejected, report, rejects)
    pcodes = {r["pcode"] for r in place_rows}
    changes, place_rows = placechanges.plan(
        place_rows,
        gazetteer.places.values(),
        dict(place_geometries(store)),
        lambda role: describe(layout.roles[role]) if role in layout.roles else None,
    )
    report.place_changes = changes
    refused = placeproblems.refuse_levels(changes, report)
    if not options.update_places:
        refused = placeproblems.refuse(changes, report) or refused
    if refused:
        raise ImportFailed(report)  # even with --skip-invalid: no row is at fault
    if writer is not None and (not report.error_count or options.skip_invalid):
        assert import_id is not None
        ids = upsert_places(writer, place_rows)
        record_changes(writer, placechanges.audit_rows(changes, ids, import_id, report.file))
        changes.applied = True
        report.records_written = len(pcodes & set(ids))
    report.rows_written = frame.height - len(rejected)


def _import_convoys(
    store: Store,
    writer: Writer | None,
    table: Table,
    context: records.Context,
    options: ImportOptions,
    rejects: _Rejects,
) -> None:
    """Convoys: small files, read whole, as the rows of a convoy (one per item) are checked
    together."""
    report = context.report
    frame = _whole_frame(table, context, options)
    built, rejected = convoys.build(frame, context, convoy_store.known_codes(store))
    _collect_rejects(frame, rejected, report, rejects)
    if writer is not None and (not report.error_count or options.skip_invalid):
        report.records_written = convoys.write(writer, built)
    report.rows_written = frame.height - len(rejected)


def _import_plan(
    store: Store,
    writer: Writer | None,
    table: Table,
    context: records.Context,
    options: ImportOptions,
    rejects: _Rejects,
) -> None:
    """Planning inputs (warehouses, items, stock, place limits, routes): small files, read
    whole; stock and routes checked against the warehouses and items stored."""
    report = context.report
    frame = _whole_frame(table, context, options)
    built, rejected = plan.build(frame, context, known_names(store))
    _collect_rejects(frame, rejected, report, rejects)
    if writer is not None and (not report.error_count or options.skip_invalid):
        report.records_written = plan.write(writer, context.layout.kind, built)
    report.rows_written = frame.height - len(rejected)


def _builder(
    store: Store, kind: str, options: ImportOptions
) -> Callable[[pl.DataFrame, records.Context], Any]:
    """What turns a batch of rows of a kind into records to insert."""
    if kind == "damage":
        # Points without a P-code are placed on the gazetteer's boundaries (ingest/damage.py).
        return DamageBuilder(lambda: place_geometries(store))
    if kind == "incidents":
        from lagebild.ingest.incidents import IncidentBuilder  # loads shapely and rapidfuzz

        # Events are placed by P-code, polygon, nearest community or name (ingest/placing.py).
        return IncidentBuilder(lambda: place_geometries(store), options.max_km)
    return records.build


def _import_batches(
    store: Store,
    writer: Writer | None,
    table: Table,
    context: records.Context,
    options: ImportOptions,
    rejects: _Rejects,
    connection: threading.Lock,
    progress: Progress | None,
) -> None:
    """Any other kind, batch by batch: each batch's records are inserted while the next is
    read, unless a row failed and ``--skip-invalid`` is not given."""
    report, layout = context.report, context.layout
    build = _builder(store, layout.kind, options)
    batches = _checked(table.batches(options.batch_rows), layout, report)
    with ExitStack() as stack:
        if writer is not None and layout.kind == "deliveries":
            stack.enter_context(bulk_deliveries(writer, _estimated_rows(table)))
        if writer is not None and layout.kind == "figures":
            stack.enter_context(bulk_figures(writer, _estimated_rows(table)))
        inserter = (
            stack.enter_context(_Inserter(writer, connection)) if writer is not None else None
        )
        for frame in batches:
            report.rows_read += frame.height
            insert, rejected = build(frame, context)
            _collect_rejects(frame, rejected, report, rejects)
            report.rows_written += frame.height - len(rejected)
            strict_failed = report.error_count and not options.skip_invalid
            if inserter is not None and not strict_failed and insert is not None:
                _replace_earlier(writer, frame, rejected, context, connection)
                inserter.put(insert)
            elif writer is None and not options.no_database:
                report.records_replaced += _would_replace(store, frame, rejected, context)
            if progress is not None:
                progress(report.rows_read)
        if inserter is not None:
            report.records_written = inserter.finish()


def _keys(frame: pl.DataFrame, rejected: dict[int, str], context: records.Context) -> list[str]:
    """The keys of the system the rows came from (``#meta+id``) of a batch's valid rows."""
    key = context.layout.roles.get("key")
    if key is None or context.layout.kind not in _KEYED_KINDS:
        return []
    kept = frame.filter(~pl.col("_row").is_in(list(rejected))) if rejected else frame
    return [str(k) for k in kept[f"c{key.index}"].drop_nulls().unique(maintain_order=True)]


#: The kinds whose rows may carry a key of the system they came from.
_KEYED_KINDS = ("deliveries", "figures")


def _would_replace(
    store: Store, frame: pl.DataFrame, rejected: dict[int, str], context: records.Context
) -> int:
    """In a dry run: how many stored records the batch's keys would replace."""
    keys = _keys(frame, rejected, context)
    return count_keyed(store, context.layout.kind, keys) if keys else 0


def _replace_earlier(
    writer: Writer | None,
    frame: pl.DataFrame,
    rejected: dict[int, str],
    context: records.Context,
    connection: threading.Lock,
) -> None:
    """Rows with a key of the system they came from (``#meta+id``: a Kobo submission's _uuid)
    replace the rows of earlier imports with the same key: an edited submission updates."""
    keys = _keys(frame, rejected, context)
    if writer is None or not keys or context.import_id == 0:
        return
    with connection:  # the insert thread may be using the connection
        context.report.records_replaced += replace_keyed(
            writer, context.layout.kind, keys, context.import_id
        )


def _empty(table: Table) -> pl.DataFrame:
    schema: dict[str, Any] = {f"c{c.index}": pl.Utf8 for c in table.columns}
    schema["_row"] = pl.Int64
    return pl.DataFrame(schema=schema)


def _estimated_rows(table: Table) -> int:
    try:
        size = table.info.path.stat().st_size
    except OSError:
        return 0
    return size // 120


def _collect_rejects(
    frame: pl.DataFrame, rejected: dict[int, Reasons], report: ImportReport, rejects: _Rejects
) -> None:
    """Keep rejected rows (row number -> reason) with their original cells."""
    if not rejected:
        return
    wanted = frame.filter(pl.col("_row").is_in(list(rejected)))
    cells = [c for c in wanted.columns if c != "_row"]
    for row in wanted.iter_rows(named=True):
        number = row["_row"]
        rejects.rows.append([number, rejected[number], *(row[c] for c in cells)])


class _Inserter:
    """Writes batches on a second thread while the next batch is read and validated.

    The validation (polars, pyarrow) releases the interpreter lock, so on two cores the database
    insert of one batch overlaps the checks of the next. Inserts stay in order, in the import's
    transaction; the first failure stops the import.
    """

    def __init__(self, writer: Writer, lock: threading.Lock) -> None:
        self.writer = writer
        self.lock = lock
        self.queue: queue.Queue[records.Insert | None] = queue.Queue(maxsize=1)
        self.count = 0
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._work, name="lagebild-insert", daemon=True)
        self.thread.start()

    def _work(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.error is None:
                try:
                    with self.lock:
                        self.count += insert_rows(self.writer, *item)
                except BaseException as exc:  # noqa: BLE001 - re-raised on the import's thread
                    self.error = exc

    def put(self, item: records.Insert) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(item)

    def finish(self) -> int:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.count

    def __enter__(self) -> _Inserter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()


class _Sources:
    """Source names to ids, registering new sources in the import's transaction."""

    def __init__(self, writer: Writer | None, default: str | None, lock: threading.Lock) -> None:
        self.writer = writer
        self.lock = lock  # the insert thread may be using the connection
        self.default = default.strip() if default and default.strip() else None
        self._ids: dict[str, int | None] = {}

    def id_of(self, name: str | None) -> int | None:
        name = (name or "").strip() or self.default
        if name is None:
            return None
        if name not in self._ids:
            if self.writer is None:
                self._ids[name] = None
            else:
                with self.lock:
                    self._ids[name] = register_source(self.writer, name)
        return self._ids[name]

    def ids_for(self, names: pl.Series | None, n: int) -> pl.Series:
        """Per row: the source id from the row's ``#meta+source``, else the import's source."""
        if names is None:
            return pl.Series("source_id", [self.id_of(None)] * n, dtype=pl.Int64)
        # In the order the file names them: the same file gives its sources the same ids.
        unique = names.unique(maintain_order=True).to_list()
        mapping = {name: self.id_of(name) for name in unique if name is not None}
        default = self.id_of(None)
        return names.replace_strict(mapping, default=default, return_dtype=pl.Int64)
