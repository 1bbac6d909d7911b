"""Coverage-guided fuzzing of the importer with atheris (libFuzzer for Python).

    pip install atheris
    python bench/fuzz_import.py -max_total_time=600          # ten minutes
    python bench/fuzz_import.py -runs=2000 CORPUS_DIR         # keep what it found

Each input becomes a CSV or an XLSX file (its first byte chooses) and goes through
``lagebild.ingest.import_file`` on a SQLite store holding a small gazetteer, with options taken
from the input too. The importer may succeed or raise ``ImportFailed``; any other exception is a
crash that atheris reports with the input that caused it. After a failure or a dry run, the row
counts of every table must be what they were (``AssertionError`` otherwise). A seed corpus of a
few valid files of each kind starts the search; it is written into the corpus folder when one is
given, else into a temporary one. ``tests/test_fuzz.py`` runs this for a few hundred inputs when
atheris is installed.
"""

from __future__ import annotations

import io
import sys
import tempfile
from datetime import date
from pathlib import Path

import atheris

from lagebild.store.summary import row_counts

with atheris.instrument_imports(include=["lagebild"]):
    from lagebild.ingest import ImportFailed, ImportOptions, import_file
    from lagebild.store import Store

GAZETTEER = (
    "#adm1+code,#adm1+name,#adm2+code,#adm3+code,#adm4+code,#adm4+name,#geo+lat,#geo+lon\n"
    "SY02,Aleppo,SY0200,SY020000,C1007,Aleppo,36.2,37.15\n"
    "SY07,Idleb,SY0703,SY070302,C4140,Salqin,36.14,36.45\n"
)
SEEDS = {
    "figures": "#adm4+code,#population,#inneed,#date,#meta+source\nC1007,5000,4000,2017-01-15,A\n",
    "access": "#adm4+code,#access,#group+besieging,#date+start\nC4140,besieged,X,2016-07-01\n",
    "deliveries": "#org+impl,#sector,#status,#adm4+code,#reached+ind,#date+end\n"
    "SARC,Food,completed,C1007,100,2017-02-20\n",
    "places": GAZETTEER,
}
FORMATS = (".csv", ".xlsx")
WORK = Path(tempfile.mkdtemp(prefix="lagebild-fuzz-"))
STORE = Store.open(str(WORK / "fuzz.db"))
STORE.migrate()
(WORK / "gazetteer.csv").write_text(GAZETTEER, encoding="utf-8")
import_file(STORE, WORK / "gazetteer.csv")


def xlsx_of(text: str) -> bytes:
    import csv

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in csv.reader(io.StringIO(text)):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def seed_corpus(folder: Path) -> None:
    """Each seed as an input: a format byte, an options byte, then the file."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in SEEDS.items():
        (folder / f"seed-{name}.csv").write_bytes(b"\x00\x00" + text.encode("utf-8"))
        (folder / f"seed-{name}.xlsx").write_bytes(b"\x01\x00" + xlsx_of(text))


def one_input(data: bytes) -> None:
    if len(data) < 2:
        return
    suffix = FORMATS[data[0] % len(FORMATS)]
    flags = data[1]
    options = ImportOptions(
        source="fuzz" if flags & 1 else None,
        locale=("en", "de", "ar", "fr")[(flags >> 1) & 3],
        date=date(2017, 2, 28) if flags & 8 else None,
        dry_run=bool(flags & 16),
        skip_invalid=bool(flags & 32),
        rejects=WORK / "rejects.csv",
    )
    path = WORK / f"input{suffix}"
    path.write_bytes(data[2:])
    before = row_counts(STORE)
    try:
        import_file(STORE, path, options)
    except ImportFailed:
        if row_counts(STORE) != before:
            raise AssertionError("a failed import changed the database") from None
        return
    if options.dry_run and row_counts(STORE) != before:
        raise AssertionError("a dry run changed the database")


def main() -> None:
    args = sys.argv[1:]
    folders = [a for a in args if not a.startswith("-")]
    corpus = Path(folders[0]) if folders else WORK / "corpus"
    seed_corpus(corpus)
    if not folders:
        args.append(str(corpus))
    atheris.Setup([sys.argv[0], *args], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
