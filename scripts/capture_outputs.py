"""Capture every output of lagebild's command line, API and pages, to prove a refactoring
changes none of them.

Usage::

    python scripts/capture_outputs.py OUTDIR      # e.g. /tmp/capture-before
    # ... change the code ...
    python scripts/capture_outputs.py /tmp/capture-after
    diff -r /tmp/capture-before /tmp/capture-after   # empty: no output changed

What it does:

1. Builds the demonstration database (``lagebild demo --no-serve``) in a temporary folder.
2. Runs every command and subcommand of ``lagebild`` in-process with click's ``CliRunner``:
   each with its main options and every ``--format``, the ``--help`` of each, and failing
   cases (unknown P-code, bad option, bad date, missing database) with their exit codes. Read
   commands run first; commands that change the database (edit, delete, convoys, accounts,
   evidence, import, undo, backup and restore) run afterwards in a fixed order.
3. With FastAPI's ``TestClient`` on the same database, requests every GET route of the API and
   the pages, pages in English, Arabic and German, plus unknown places and invalid parameters.
4. Writes one file per output into OUTDIR: ``cli-NNN-<name>.txt`` with the command, exit code,
   stdout and stderr; ``web-NNN-<name>.txt`` with the URL, status, content type and body.

Outputs are normalised so that two runs compare equal: the temporary folder becomes ``<TMP>``,
timestamps ``<TIMESTAMP>``, today's date ``<TODAY>``, API token secrets ``<TOKEN>``, SHA-256 sums
of generated files ``<SHA256>`` and the CSRF/session values of pages ``<NONCE>``.
Two runs must be on the same day (dates of today in the pages' own notation are kept).
It re-runs itself with ``PYTHONHASHSEED=0``, and it makes polars' ``Series.unique()`` keep the
order of first appearance: the importer numbers the new sources of a file in the order of
``unique()``, which otherwise varies from run to run (and the history shows those numbers).
Run it from a checkout with that checkout's ``src`` first on ``PYTHONPATH``.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

from click.testing import CliRunner

FORMATS = ["table", "json", "csv", "hxl"]
AS_OF = ["--as-of", "2017-02-28"]
DEMO_DATA = Path(__file__).resolve().parents[1] / "src" / "lagebild" / "demo" / "data"


def normalise(text: str, tmp: str) -> str:
    text = text.replace(tmp, "<TMP>").replace(os.path.realpath(tmp), "<TMP>")
    text = re.sub(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?",
                  "<TIMESTAMP>", text)
    text = text.replace(date.today().isoformat(), "<TODAY>")
    text = re.sub(r"lgb_[A-Za-z0-9_\-]{16,}", "<TOKEN>", text)
    text = re.sub(r"\b[0-9a-f]{64}\b", "<SHA256>", text)
    text = re.sub(r"(?m)^[A-Za-z0-9_\-]{40,}$", "<TOKEN>", text)  # a new API token, alone
    text = re.sub(r"\b\d+\.\d+ s\b", "<SECONDS> s", text)
    text = re.sub(r'(nonce|csrf[_-]?token|value)="[A-Za-z0-9_\-+/=]{20,}"', r'\1="<NONCE>"', text)
    text = re.sub(r'<small dir="ltr">\d\d:\d\d</small>', '<small dir="ltr"><HH:MM></small>', text)
    text = re.sub(r"lagebild-dry-run-[a-z0-9_]+", "lagebild-dry-run-<X>", text)
    return text


def stable_unique() -> None:
    """Make ``polars.Series.unique`` keep the order of first appearance (see the docstring)."""
    import polars as pl

    unique = pl.Series.unique

    def ordered(self: pl.Series, *, maintain_order: bool = False) -> pl.Series:
        return unique(self, maintain_order=True)

    pl.Series.unique = ordered  # type: ignore[method-assign]


def slug(parts: list[str]) -> str:
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", " ".join(parts))[:80].strip("_")


def read_commands(db: str) -> list[list[str]]:
    """Commands that only read: every format, the main options, and the failures."""
    d = ["--db", db]
    cmds: list[list[str]] = [["--help"], ["--version"], ["--bogus"], ["nosuchcommand"]]
    from lagebild.cli import main

    for name, command in sorted(main.commands.items()):  # type: ignore[attr-defined]
        cmds.append([name, "--help"])
        for sub in sorted(getattr(command, "commands", {})):
            cmds.append([name, sub, "--help"])
    for fmt in FORMATS:
        f = ["--format", fmt]
        cmds += [
            [*d, "situation", *AS_OF, *f], [*d, "situation", *AS_OF, "--level", "adm2", *f],
            [*d, "situation", *AS_OF, "--sector", "food", *f],
            [*d, "situation", *AS_OF, "--by", "gender", *f],
            [*d, "gaps", *AS_OF, *f], [*d, "gaps", *AS_OF, "--level", "adm4", *f],
            [*d, "gaps", *AS_OF, "--rank", *f], [*d, "gaps", *AS_OF, "--limit", "3", *f],
            [*d, "damage", *AS_OF, *f], [*d, "damage", "--list", *AS_OF, *f],
            [*d, "damage", *AS_OF, "--level", "adm2", *f],
            [*d, "places", *f], [*d, "places", "--level", "adm1", *f],
            [*d, "places", "--search", "Mada", *f], [*d, "access", "C2450", *f],
            [*d, "access", "C2450", *AS_OF, *f],
            [*d, "incidents", *f], [*d, "incidents", "--list", *f],
            [*d, "incidents", "--list", "--limit", "3", *f],
            [*d, "incidents", "--place", "SY01", "--from", "2017-01-01", *f],
            [*d, "incidents", "--list", "--unplaced", *f],
            [*d, "presence", *f], [*d, "presence", "--place", "SY03", *f],
            [*d, "sources", "--format", fmt],
            [*d, "history", *f], [*d, "history", "C1007", *f],
            [*d, "history", "--limit", "2", *f], [*d, "history", "C1007", "--only", *f],
            [*d, "figures", *f], [*d, "figures", "C2450", *f],
            [*d, "figures", "--conflicts", *f], [*d, "figures", "--check", *AS_OF, *f],
            [*d, "figures", "--indicator", "people_in_need", "--pcode", "SY03", *f],
            [*d, "figures", "SY", "--by", "gender", *f],
            [*d, "convoy", "list", *f], [*d, "convoy", "list", "--status", "delivered", *f],
            [*d, "convoy", "show", "DEMO-2016-12-DUMA", *f], [*d, "convoy", "stats", *f],
            [*d, "convoy", "stats", "--level", "adm1", *f],
        ]
    for fmt in ["table", "json"]:
        cmds += [
            [*d, "explain", *AS_OF, "--pcode", "SY", "--indicator", ind, "--format", fmt]
            for ind in ["people_in_need", "population", "displaced", "besieged",
                        "hard_to_reach", "reached"]
        ]
        cmds.append([*d, "user", "list", "--format", fmt])
    cmds += [
        [*d, "evidence", "list"], [*d, "evidence", "list", "--place", "C1007"],
        [*d, "evidence", "list", "--status", "unverified"], [*d, "evidence", "show", "1"],
        [*d, "evidence", "show", "99"], [*d, "evidence", "verify"], [*d, "token", "list"],
        [*d, "init"],
        # failures: unknown P-code, bad options, bad dates, missing database
        [*d, "access", "XX999"], [*d, "situation", "--as-of", "28.02.2017"],
        [*d, "gaps", "--level", "adm9"], [*d, "gaps", "--format", "xml"],
        [*d, "figures", "XX999"], [*d, "history", "XX999"], [*d, "incidents", "--place", "XX9"],
        [*d, "explain", *AS_OF, "--pcode", "XX999", "--indicator", "population"],
        [*d, "explain", "--pcode", "SY"], [*d, "convoy", "show", "NOPE"],
        [*d, "convoy", "list", "--place", "XX999"], [*d, "presence", "--place", "XX999"],
        [*d, "damage", "--place", "XX999"], [*d, "situation", "--place", "XX999"],
        ["--db", "/nonexistent/dir/x.db", "situation"], ["--db", db + ".missing", "gaps"],
        [*d, "edit", "figure", "999999", "value=1", "--why", "x"],
        [*d, "delete", "figure", "999999", "--why", "x"],
        [*d, "import"], [*d, "import", "/nonexistent.csv"], [*d, "restore", "/nonexistent.zip"],
        [*d, "figures", "--conflicts", "--indicator", "nope"],
        [*d, "figures", "--conflicts", "--pcode", "XX999"], [*d, "figures", "XX999", "--by", "age"],
        [*d, "convoy", "stats", "--from", "2017-03-01", "--to", "2017-01-01"],
        [*d, "damage", "--changes", "--place", "XX999"], [*d, "damage", "--list", "--place", "XX9"],
        [*d, "incidents", "--list", "--place", "XX999"], [*d, "history", "XX999", "--only"],
        [*d, "explain", *AS_OF, "--pcode", "SY", "--indicator", "reached", "--sector", "nope"],
    ]
    return cmds


def write_commands(db: str, tmp: Path) -> list[tuple[list[str], str | None]]:
    """Commands that change the database, in an order where each finds what it needs."""
    d = ["--db", db]
    fresh = ["--db", str(tmp / "fresh.db")]
    (tmp / "data").mkdir()  # in the scratch folder, so that paths read the same in any checkout
    data = [str(shutil.copy(p, tmp / "data" / p.name)) for p in sorted(DEMO_DATA.glob("*.csv"))]
    photo = tmp / "photo.png"
    shutil.copy(next((tmp / "demo-evidence").rglob("*.png")), photo)
    return [(c, None) for c in [
        [*fresh, "init"],
        [*fresh, "import", "--dry-run", data[0]],
        [*fresh, "import", "--source", "test", data[0]],
        [*fresh, "import", "--source", "test", "--format", "json", data[1]],
        [*fresh, "import", "--source", "test", "-v", *data[2:5]],
        [*fresh, "import", "--source", "test", "--dry-run", "--format", "json", data[5]],
        [*fresh, "import", "--source", "test", *data[5:]],
        [*fresh, "import", "--undo", "2", "--why", "test"],
        [*fresh, "import", "--undo", "99", "--why", "test"],
        [*d, "edit", "figure", "1", "value=12345", "--why", "check"],
        [*d, "edit", "figure", "1", "nosuchfield=1", "--why", "check"],
        [*d, "delete", "delivery", "1", "--why", "check"],
        [*d, "history", "--record", "1", "--format", "json"],
        [*d, "sources", "grade", "Local council", "--reliability", "B", "--why", "known"],
        [*d, "sources", "grade", "Nobody", "--reliability", "B"],
        [*d, "convoy", "request", "T-1", "--place", "C2450", "--date", "2017-02-01",
         "--trucks", "10", "--people", "5000", "--agencies", "UN, SARC"],
        [*d, "convoy", "request", "T-2", "--place", "XX999", "--date", "2017-02-01"],
        [*d, "convoy", "decide", "T-1", "--approved", "--by", "GoS", "--date", "2017-02-05"],
        [*d, "convoy", "deliver", "T-1", "--date", "2017-02-10", "--reached", "4000"],
        [*d, "convoy", "deliver", "NOPE", "--date", "2017-02-10", "--reached", "4000"],
        [*d, "convoy", "show", "T-1", "--format", "json"],
        [*d, "evidence", "add", str(photo), "--source", "Me", "--place", "C2450",
         "--date", "2017-02-01", "--claim", "test"],
        [*d, "evidence", "add", str(photo), "--source", "Me", "--place", "XX999",
         "--date", "2017-02-01"],
        [*d, "evidence", "link", "1", "--incident", "DEMO-003", "--why", "same place"],
        [*d, "evidence", "status", "1", "verified", "--by", "me", "--why", "checked"],
        [*d, "evidence", "status", "99", "verified", "--by", "me", "--why", "checked"],
        [*d, "user", "add", "ana", "--role", "analyst", "--password-stdin"],
        [*d, "user", "add", "ana", "--role", "analyst", "--password-stdin"],
        [*d, "user", "add", "pat", "--role", "partner", "--password-stdin"],
        [*d, "user", "add", "pat", "--role", "partner", "--org", "WFP", "--password-stdin"],
        [*d, "user", "list", "--format", "json"],
        [*d, "user", "password", "ana", "--password-stdin"],
        [*d, "user", "disable", "ana"], [*d, "user", "disable", "ana", "--enable"],
        [*d, "user", "disable", "nobody"],
        [*d, "token", "create", "ana", "--label", "test"], [*d, "token", "list"],
        [*d, "token", "revoke", "1"], [*d, "token", "revoke", "99"],
        [*d, "backup", str(tmp / "b.zip")],
        [*d, "backup", str(tmp / "be.zip"), "--evidence"],
        ["--db", str(tmp / "r.db"), "restore", "--check", str(tmp / "b.zip")],
        ["--db", str(tmp / "r.db"), "restore", str(tmp / "b.zip")],
        ["--db", str(tmp / "r.db"), "restore", str(tmp / "b.zip")],
        ["--db", str(tmp / "r.db"), "restore", "--force", str(tmp / "b.zip")],
        [*d, "demo", "--no-serve"],
        ["--db", str(tmp / "r.db"), "restore", "--evidence", str(tmp / "be.zip")],
    ]]


def web_urls() -> list[str]:
    api = ["/api/openapi.json", "/api/places", "/api/places?level=adm1&limit=5",
           "/api/places?search=Mada", "/api/places/C2450", "/api/places/SY03/children",
           "/api/places/C2450/access", "/api/figures", "/api/figures?pcode=SY03",
           "/api/places/C2450/figures", "/api/access", "/api/deliveries",
           "/api/places/SY03/deliveries", "/api/situation", "/api/situation?as_of=2017-02-28",
           "/api/situation?level=adm2&as_of=2017-02-28", "/api/gaps?as_of=2017-02-28",
           "/api/gaps?level=adm4&as_of=2017-02-28", "/api/trend", "/api/figures/conflicts",
           "/api/explain?as_of=2017-02-28&pcode=SY&indicator=people_in_need",
           "/api/map?as_of=2017-02-28", "/api/map/outline", "/api/places/C1007/history",
           "/api/evidence", "/api/evidence/1", "/api/convoys", "/api/convoys/stats",
           "/api/incidents", "/api/incidents/summary", "/api/damage", "/api/damage/changes",
           "/api/map/incidents", "/api/map/damage",
           # failures
           "/api/places/XX999", "/api/places/XX999/figures", "/api/situation?as_of=28.02.2017",
           "/api/gaps?level=adm9", "/api/evidence/999", "/api/places?limit=-1", "/api/nothing"]
    pages = ["/", "/gaps", "/places", "/places/C2450", "/places/SY03", "/map", "/import",
             "/explain?as_of=2017-02-28&pcode=SY&indicator=people_in_need",
             "/places/C1007/history", "/evidence", "/evidence/1", "/convoys", "/incidents",
             "/damage", "/signin", "/places/XX999", "/gaps?as_of=bad", "/nothing"]
    urls = api + ["/api/docs", "/evidence/1/thumbnail", "/import/nope/rejects.csv"]
    for lang in ["en", "ar", "de"]:
        urls += [f"{p}{'&' if '?' in p else '?'}lang={lang}" for p in pages]
    return urls


def main(outdir: str) -> int:
    out = Path(outdir)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    tmp = Path(tempfile.mkdtemp(prefix="lagebild-capture-"))
    cwd = os.getcwd()
    os.chdir(tmp)  # the demo's evidence and anything a command writes stay in the scratch folder
    os.environ.pop("LAGEBILD_DB", None)
    os.environ["LAGEBILD_USER"] = "capture"
    stable_unique()
    from lagebild.cli import main as cli

    runner = CliRunner()
    n = 0

    def run(args: list[str], stdin: str | None = None) -> None:
        nonlocal n
        n += 1
        result = runner.invoke(cli, args, input=stdin, prog_name="lagebild",
                               terminal_width=100)
        exc = result.exception
        crash = "" if exc is None or isinstance(exc, SystemExit) else f"\n! {exc!r}"
        text = (f"$ lagebild {' '.join(args)}\nexit: {result.exit_code}{crash}\n"
                f"--- stdout\n{result.stdout}--- stderr\n{result.stderr}")
        name = slug(normalise(" ".join(args[2:] if args[0] == "--db" else args), str(tmp)).split())
        (out / f"cli-{n:03d}-{name}.txt").write_text(normalise(text, str(tmp)))

    db = str(tmp / "demo.db")
    run(["--db", db, "demo", "--no-serve"])
    (tmp / "demo-evidence").mkdir()
    for item in tmp.iterdir():  # the demo's evidence folder, for `evidence add` below
        if item.is_dir() and item.name != "demo-evidence":
            shutil.copytree(item, tmp / "demo-evidence" / item.name)
    for args in read_commands(db):
        run(args)

    from fastapi.testclient import TestClient

    from lagebild.web import WebConfig, create_app

    with TestClient(create_app(WebConfig(db=db))) as client:
        for i, url in enumerate(web_urls(), 1):
            r = client.get(url, follow_redirects=False)
            body = r.text if "image" not in r.headers.get("content-type", "") else (
                f"<{len(r.content)} bytes>")
            text = (f"GET {url}\nstatus: {r.status_code}\n"
                    f"content-type: {r.headers.get('content-type')}\n"
                    f"location: {r.headers.get('location')}\n\n{body}")
            (out / f"web-{i:03d}-{slug([url])}.txt").write_text(normalise(text, str(tmp)))

    for args, _ in write_commands(db, tmp):
        run(args, "s3cret-pass-word-1\ns3cret-pass-word-1\n" if "--password-stdin" in args
            else None)
    os.chdir(cwd)
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"{n} command-line outputs and {len(web_urls())} web outputs written to {out}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    if os.environ.get("PYTHONHASHSEED") != "0":  # the demo numbers its sources in set order
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable, *sys.argv])
    sys.exit(main(sys.argv[1]))
