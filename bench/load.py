"""One server under a mixed load: reads and partners' imports at once (issue 6, point 7).

    python bench/load.py                       # SQLite, then PostgreSQL: 50 clients, 5 min each
    python bench/load.py --quick               # 30 s each, to try it
    python bench/load.py --db sqlite --duration 120 --clients 50 --partners 5

For each database: builds the demonstration database (``lagebild demo --no-serve``; PostgreSQL in
a throwaway cluster of its own, initdb in a temporary folder on a free loopback port, or the
empty database of ``--pg-url``), makes ``--partners`` partner accounts of their own organisations
and an analyst with the library, each with an API token, and starts ``lagebild serve`` (uvicorn,
one process: the only way the command serves) in a child process. Then locust, headless and
driven from Python in a second child process (locust patches the standard library with gevent on
import, which the database drivers here should not see), sends ``--clients`` closed-loop clients
at it for ``--duration`` seconds: 90 % reads across pages and API (overview, gaps page, a place
page, /api/gaps, /api/situation, /api/deliveries, /api/map, /api/explain), 10 % imports of small
4W files (10-50 rows, every row marked by a unique activity, so no two files are alike) through
``POST /api/imports``, each client as one of the partners.

Afterwards it reads every delivery back with the library and compares, per partner, the rows the
clients sent in imports the server acknowledged (201) with the rows stored under that partner's
organisation: lost, duplicated, stored for an unacknowledged import, or under another
organisation. Prints requests/second, p50/p99 per request kind, errors, 5xx and "database is
locked"/unavailable answers; asserts nothing. Everything stays on 127.0.0.1.

``--big`` (issue 12, point 10) runs the same machinery on the 1M-delivery database of
``bench/web.py`` (built once into ``--cache-dir`` and copied for each run, so the run's imports do
not change it) with the four targets of the web benchmark only: the overview, the gaps page, a
busy place's page and ``/api/gaps``, read by ``--clients`` partners and analysts signed in with
API tokens, while one more client imports a small 4W every ``60 / --imports-per-minute`` seconds
at communities of one governorate. Prints p50/p99 per target and whether each p99 is under 300 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from lagebild.store.places import all_places

HERE = Path(__file__).resolve()
AS_OF = "2017-02-28"  # the demo's date
#: ``--big``: the place page of ``bench/web.py``, a sub-district with many deliveries.
BUSY_PLACE = "SY020000"
#: ``--big``: the p99 target of issue 12, point 10, in milliseconds.
TARGET_P99_MS = 300
BIG_READS = ("overview", "gaps page", "place page", "api gaps")
SECTORS = ("Food Security", "Health", "WASH", "Shelter", "Protection")
#: Request kinds and their weights: reads 90 %, imports 10 %.
READS = (
    "overview",
    "gaps page",
    "place page",
    "api gaps",
    "api situation",
    "api deliveries",
    "api map",
    "api explain",
)
READ_WEIGHT, IMPORT_WEIGHT = 45, 40  # 8 x 45 = 360 reads to 40 imports


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- PostgreSQL: a throwaway cluster ------------------------------------------------------------


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its programs as the postgres OS user."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def _pg_bindir() -> Path:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if not found:
        raise SystemExit("no PostgreSQL server binaries (apt-get install postgresql), or --pg-url")
    return found[-1].parent


@contextmanager
def pg_cluster() -> Iterator[str]:
    """A PostgreSQL cluster in a temporary folder on a free loopback port, with its default
    durability settings (fsync on: each commit waits for the disk); removed afterwards."""
    bindir = _pg_bindir()
    folder = Path(tempfile.mkdtemp(prefix="lagebild-load-pg-"))
    folder.chmod(0o700)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    port = free_port()
    try:
        subprocess.run(
            _as_postgres(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C",
                ]
            ),
            check=True,
            capture_output=True,
            cwd=folder,
        )
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c max_connections=200"
        subprocess.run(
            _as_postgres(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(folder / "log"),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
            cwd=folder,
        )
        subprocess.run(
            [
                str(bindir / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "postgres",
                "lagebild_load",
            ],
            check=True,
        )
        yield f"postgresql://postgres@127.0.0.1:{port}/lagebild_load"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                capture_output=True,
                cwd=folder,
                check=False,
            )
        shutil.rmtree(folder, ignore_errors=True)


# -- the database, its accounts and the server ---------------------------------------------------


@dataclass
class Setup:
    db: str
    folder: Path
    partners: dict[str, dict[str, str]]  # account -> {"token", "organisation"}
    analyst_token: str
    communities: list[str]
    places: list[str]
    as_of: str = AS_OF
    busy_place: str = ""
    #: Communities by governorate (first four characters of the P-code): ``--big``'s imports.
    by_governorate: dict[str, list[str]] | None = None
    #: Server processes (``lagebild serve --workers``).
    workers: int = 1


def _lagebild(db: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "lagebild.cli", "--db", db, *args]


def _env(folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "LAGEBILD_EVIDENCE": str(folder / "evidence"),
        "LAGEBILD_USER": "load-bench",
    }


def prepare(db: str, folder: Path, partners: int, big: Path | None = None) -> Setup:
    """The demo database (or a copy of ``big``), partner accounts of ``partners`` organisations
    and an analyst, each with an API token made with the library (as ``lagebild token create``
    does)."""
    from lagebild.security.passwords import hash_password, secret_hash
    from lagebild.store import Store, accounts, listing

    if big is not None:
        shutil.copyfile(big, db)
    else:
        subprocess.run(
            _lagebild(db, "demo", "--no-serve"),
            check=True,
            cwd=folder,
            env=_env(folder),
            stdout=subprocess.DEVNULL,
        )
    store = Store.open(db)
    try:
        hashed = hash_password(secrets.token_urlsafe(16))
        made: dict[str, dict[str, str]] = {}
        for number in range(1, partners + 1):
            name, organisation = f"load{number}", f"Load Partner {number}"
            accounts.add_account(store, name, hashed, "partner", organisation)
            token = secrets.token_urlsafe(32)
            accounts.add_token(store, name, secret_hash(token), "load bench")
            made[name] = {"token": token, "organisation": organisation}
        accounts.add_account(store, "load_analyst", hashed, "analyst")
        analyst = secrets.token_urlsafe(32)
        accounts.add_token(store, "load_analyst", secret_hash(analyst), "load bench")
        places = all_places(store)
        latest = listing.latest_date(store) if big is not None else None
    finally:
        store.close()
    communities = [p.pcode for p in places if p.level == 4]
    by_governorate: dict[str, list[str]] = {}
    if big is not None:
        parent = {p.id: p for p in places}
        for p in places:
            if p.level == 4:
                top = p
                while top.parent_id is not None and top.level > 1:
                    top = parent[top.parent_id]
                by_governorate.setdefault(top.pcode, []).append(p.pcode)
    return Setup(
        db,
        folder,
        made,
        analyst,
        communities=communities,
        places=[p.pcode for p in places if p.level in (1, 2, 3)],
        as_of=latest.isoformat() if latest else AS_OF,
        busy_place=BUSY_PLACE if big is not None else "",
        by_governorate=by_governorate or None,
    )


@contextmanager
def served(setup: Setup) -> Iterator[tuple[str, Path]]:
    """``lagebild serve`` on a free loopback port: (base URL, its log file)."""
    port = free_port()
    log = setup.folder / f"serve-{port}.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            _lagebild(setup.db, "serve", "--port", str(port), "--workers", str(setup.workers)),
            cwd=setup.folder,
            env=_env(setup.folder),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/api/places?limit=1", setup.analyst_token, server)
        yield base, log
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def big_targets(as_of: str, busy: str) -> dict[str, str]:
    """``--big``: the four targets of ``bench/web.py`` by request kind."""
    return {
        "overview": f"/?as_of={as_of}",
        "gaps page": f"/gaps?as_of={as_of}&level=adm3",
        "place page": f"/places/{busy}?as_of={as_of}",
        "api gaps": f"/api/gaps?as_of={as_of}&level=adm3",
    }


def warm(base: str, setup: Setup) -> float:
    """Each target once for each kind of reader (each partner organisation, the analyst), one
    after the other, before the clock starts: a server in real use has served them before, and
    the first computation after a start has no result of a version before to give meanwhile."""
    started = time.monotonic()
    tokens = [p["token"] for p in setup.partners.values()] + [setup.analyst_token]
    for path in big_targets(setup.as_of, setup.busy_place).values():
        for token in tokens:
            request = urllib.request.Request(
                base + path, headers={"Authorization": f"Bearer {token}"}
            )
            with urllib.request.urlopen(request, timeout=300) as answer:  # noqa: S310 - loopback
                answer.read()
    return time.monotonic() - started


def _wait_for(url: str, token: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"lagebild serve stopped with exit code {server.returncode}")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except (OSError, urllib.error.HTTPError):
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer {url} within 60 s")


# -- after the run: what was stored --------------------------------------------------------------


def stored_rows(db: str, organisations: list[str] | None = None) -> Counter[tuple[str | None, str]]:
    """(organisation of the import, activity marker) of every delivery the run wrote; with
    ``organisations``, of those organisations' deliveries only (a million rows read in pages
    would take longer than the run)."""
    from lagebild.model.listing import DeliveryFilter
    from lagebild.store import Store, listing

    store = Store.open(db)
    found: Counter[tuple[str | None, str]] = Counter()
    try:
        for organisation in organisations or [None]:
            offset = 0
            while True:
                page = listing.deliveries(
                    store, DeliveryFilter(organisation=organisation), limit=5000, offset=offset
                )
                for row in page.items:
                    marker = row.get("activity") or ""
                    if marker.startswith("load-"):
                        found[(row.get("organisation"), marker)] += 1
                offset += len(page.items)
                if not page.items or offset >= page.total:
                    break
        return found
    finally:
        store.close()


def reconcile(setup: Setup, driven: dict[str, Any]) -> dict[str, Any]:
    """Per partner: rows sent in acknowledged imports against rows stored under its name."""
    organisations = [p["organisation"] for p in setup.partners.values()]
    stored = stored_rows(setup.db, organisations if setup.by_governorate else None)
    sent = driven["sent"]  # account -> [markers of acknowledged imports]
    unacknowledged = set(driven["unacknowledged"])  # markers of imports without an answer
    organisation_of = {name: p["organisation"] for name, p in setup.partners.items()}
    owner_of = {m: name for name, markers in sent.items() for m in markers}
    by_partner: dict[str, dict[str, int]] = {}
    for name, markers in sent.items():
        wanted = organisation_of[name]
        here = {m: n for (org, m), n in stored.items() if org == wanted}
        by_partner[name] = {
            "sent": len(markers),
            "stored": sum(here.values()),
            "lost": sum(1 for m in markers if m not in here),
            "duplicated": sum(n - 1 for n in here.values() if n > 1),
        }
    stray = {
        "unacknowledged_stored": sum(n for (_, m), n in stored.items() if m in unacknowledged),
        "unknown_stored": sum(
            n for (_, m), n in stored.items() if m not in owner_of and m not in unacknowledged
        ),
        "wrong_organisation": sum(
            n
            for (org, m), n in stored.items()
            if m in owner_of and org != organisation_of[owner_of[m]]
        ),
    }
    return {"partners": by_partner, **stray}


# -- the run --------------------------------------------------------------------------------------


def run_one(kind: str, args: argparse.Namespace, pg_url: str | None) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix=f"lagebild-load-{kind}-"))
    try:
        if kind == "sqlite":
            return _measure(kind, str(folder / "load.db"), folder, args)
        if pg_url:
            return _measure(kind, pg_url, folder, args)
        with pg_cluster() as url:
            return _measure(kind, url, folder, args)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"kept {folder}")


def _measure(kind: str, db: str, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    what = f"a copy of {args.big_db}" if args.big_db else "the demo database"
    print(f"\n== {kind}: {what} and {args.partners} partner accounts", flush=True)
    setup = replace(prepare(db, folder, args.partners, args.big_db), workers=args.workers)
    config = {
        "clients": args.clients,
        "duration": args.duration,
        "spawn_rate": args.spawn_rate,
        "partners": setup.partners,
        "analyst_token": setup.analyst_token,
        "communities": setup.communities,
        "places": setup.places,
        "seed": args.seed,
        "out": str(folder / "driven.json"),
        "as_of": setup.as_of,
        "busy_place": setup.busy_place,
        "by_governorate": setup.by_governorate,
        "imports_per_minute": args.imports_per_minute,
    }
    with served(setup) as (base, log):
        config["base"] = base
        if args.big_db and not args.cold:
            took = warm(base, setup)
            print(f"== {kind}: the four targets warmed for every kind of reader in {took:.1f} s")
        (folder / "drive.json").write_text(json.dumps(config))
        load_before = os.getloadavg()
        print(f"== {kind}: {args.clients} clients for {args.duration} s against {base}", flush=True)
        subprocess.run(
            [sys.executable, str(HERE), "--drive", str(folder / "drive.json")], check=True
        )
        load_after = os.getloadavg()
    driven = json.loads((folder / "driven.json").read_text())
    served_log = log.read_text(errors="replace")
    result = {
        "database": kind,
        "scenario": "big" if args.big_db else "mixed",
        "warmed": bool(args.big_db and not args.cold),
        "source": str(args.big_db or "demo"),
        "load_before": load_before,
        "load_after": load_after,
        "unavailable_logged": served_log.count("database unavailable"),
        "locked_logged": served_log.lower().count("database is locked"),
        "tracebacks_logged": served_log.count("Traceback"),
        **driven,
        "integrity": reconcile(setup, driven),
    }
    report(result)
    return result


def report(result: dict[str, Any]) -> None:
    elapsed = result["elapsed"]
    print(
        f"\n{result['database']}: {result['clients']} clients, {elapsed:.0f} s, "
        f"{result['total']['requests']:,} requests, {result['total']['requests'] / elapsed:.1f} "
        f"req/s; load average {result['load_before'][0]:.2f} before, "
        f"{result['load_after'][0]:.2f} after"
    )
    header = ("request", "count", "req/s", "p50 ms", "p99 ms", "max ms", "errors", "5xx")
    print(f"{header[0]:16} " + " ".join(f"{h:>8}" for h in header[1:]))
    for name, row in [*result["kinds"].items(), ("total", result["total"])]:
        print(
            f"{name:16} {row['requests']:>8} {row['requests'] / elapsed:>8.1f} "
            f"{row['p50']:>8.0f} {row['p99']:>8.0f} {row['max']:>8.0f} {row['errors']:>8} "
            f"{row['5xx']:>8}"
        )
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(result["statuses"].items()))
    print(f"statuses: {statuses}")
    for error, count in result["error_kinds"].items():
        print(f"  error x{count}: {error}")
    print(
        f"server log: {result['unavailable_logged']} 'database unavailable', "
        f"{result['locked_logged']} 'database is locked', "
        f"{result['tracebacks_logged']} tracebacks"
    )
    if result.get("scenario") == "big":
        print(f"p99 under {TARGET_P99_MS} ms at {result['clients']} clients, with the imports:")
        for name in BIG_READS:
            row = result["kinds"].get(name)
            if row:
                verdict = "PASS" if row["p99"] < TARGET_P99_MS else "FAIL"
                print(f"  {name:14} p99 {row['p99']:>7.0f} ms  {verdict}")
    check = result["integrity"]
    print("rows per partner: sent (acknowledged imports) / stored / lost / duplicated")
    for name, row in check["partners"].items():
        print(
            f"  {name:10} {row['sent']:>8} {row['stored']:>8} {row['lost']:>6} "
            f"{row['duplicated']:>6}"
        )
    sent = sum(r["sent"] for r in check["partners"].values())
    stored = sum(r["stored"] for r in check["partners"].values())
    lost = sum(r["lost"] for r in check["partners"].values())
    duplicated = sum(r["duplicated"] for r in check["partners"].values())
    print(
        f"  {'all':10} {sent:>8} {stored:>8} {lost:>6} {duplicated:>6}; imports acknowledged "
        f"{result['imports_ok']}, refused {result['imports_refused']}, unanswered "
        f"{result['imports_unanswered']}; rows of unanswered imports stored "
        f"{check['unacknowledged_stored']}, unknown rows {check['unknown_stored']}, under "
        f"another organisation {check['wrong_organisation']}"
    )
    target = (
        lost == 0
        and duplicated == 0
        and result["total"]["errors"] == 0
        and check["wrong_organisation"] == 0
        and check["unknown_stored"] == 0
    )
    print(f"target (no errors, nothing lost or duplicated): {'PASS' if target else 'FAIL'}")


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores {model}{memory}, {platform.system()} {platform.release()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--duration", type=int, default=300, help="seconds per database")
    parser.add_argument("--quick", action="store_true", help="30 s per database")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10.0, help="clients started a second")
    parser.add_argument("--partners", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--pg-url", help="an empty PostgreSQL database to use instead of a throwaway cluster"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the databases and logs")
    parser.add_argument(
        "--big",
        action="store_true",
        help="the 1M-delivery database of bench/web.py, the four targets, imports a minute",
    )
    parser.add_argument(
        "--big-db", type=Path, help="with --big: this SQLite database instead of bench/web.py's"
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="with --big: deliveries")
    parser.add_argument(
        "--imports-per-minute", type=float, default=1.0, help="with --big (default 1)"
    )
    parser.add_argument(
        "--cold", action="store_true", help="with --big: no warming before the clock starts"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="server processes (lagebild serve --workers)"
    )
    parser.add_argument("--drive", type=Path, help=argparse.SUPPRESS)  # the locust child
    args = parser.parse_args()
    if args.drive:
        from_config(args.drive)
        return
    if args.quick:
        args.duration = 30
    if args.big or args.big_db:
        if args.big_db is None:
            sys.path.insert(0, str(HERE.parent))
            from web import database  # bench/web.py: built once, kept in its cache folder

            args.big_db = database(args.rows)
        args.db = "sqlite"  # a copy of the SQLite file: PostgreSQL would need a load first
    print(
        f"lagebild load benchmark, {datetime.now():%Y-%m-%d %H:%M}; {machine()}; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    results = []
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    for kind in kinds:
        try:
            results.append(run_one(kind, args, args.pg_url))
        except (subprocess.CalledProcessError, SystemExit) as exc:
            print(f"{kind}: FAIL, the run did not complete: {exc}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


# -- the locust child process ---------------------------------------------------------------------


def from_config(path: Path) -> None:
    """Run locust headless with the run's configuration and write what it saw to its ``out``."""
    config = json.loads(path.read_text())
    Path(config["out"]).write_text(json.dumps(drive(config)))


def four_w(
    marker: str,
    rows: int,
    source_rng: random.Random,
    communities: list[str],
    organisation: str,
    until: str | None = None,
) -> bytes:
    """A small 4W: ``rows`` deliveries in February 2017 (or in the 30 days up to ``until``),
    each marked ``<marker>-<row>``."""
    from datetime import date, timedelta

    lines = [
        "Org,Sector,Activity,Status,Community,People,Start,End",
        "#org+impl,#sector,#activity,#status,#adm4+code,#reached+ind,#date+start,#date+end",
    ]
    for row in range(rows):
        if until:
            day = (
                date.fromisoformat(until) - timedelta(days=source_rng.randint(0, 29))
            ).isoformat()
        else:
            day = f"2017-02-{source_rng.randint(1, 28):02d}"
        lines.append(
            f"{organisation},{source_rng.choice(SECTORS)},{marker}-{row},Completed,"
            f"{source_rng.choice(communities)},{source_rng.randint(5, 5000)},{day},{day}"
        )
    return ("\n".join(lines) + "\n").encode()


def multipart(fields: dict[str, str], name: str, content: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type."""
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
        for key, value in fields.items()
    ]
    head = "".join(parts) + (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    )
    body = head.encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def drive(config: dict[str, Any]) -> dict[str, Any]:  # noqa: C901 - the locust user lives here
    """Locust's clients against the server, headless: the figures and what was sent."""
    import gevent
    from locust import FastHttpUser, constant, constant_pacing, task
    from locust.env import Environment

    partners: dict[str, dict[str, str]] = config["partners"]
    names = sorted(partners)
    communities, places = config["communities"], config["places"]
    seed = int(config["seed"])
    numbers = iter(range(1_000_000))
    sent: dict[str, list[str]] = {name: [] for name in names}
    pending: dict[str, list[str]] = {}
    unacknowledged: list[str] = []
    imports = Counter[str]()
    statuses = Counter[str]()
    server_errors = Counter[str]()
    error_kinds = Counter[str]()

    class Base(FastHttpUser):  # type: ignore[misc]
        abstract = True
        host = config["base"]
        wait_time = constant(0)  # closed loop: the next request as soon as the answer is in
        network_timeout = 120.0
        connection_timeout = 30.0

        def on_start(self) -> None:
            self.number = next(numbers)
            self.partner = names[self.number % len(names)]
            self.auth = {"Authorization": f"Bearer {partners[self.partner]['token']}"}
            self.analyst = {"Authorization": f"Bearer {config['analyst_token']}"}
            self.random = random.Random(seed * 1_000_003 + self.number)
            self.sequence = 0

        def read(self, name: str, path: str, headers: dict[str, str] | None = None) -> None:
            with self.client.get(
                path, headers=headers or self.auth, name=name, catch_response=True
            ) as answer:
                if answer.status_code != 200:
                    answer.failure(f"HTTP {answer.status_code}")

        def import_rows(self, where: list[str], until: str | None) -> None:
            self.sequence += 1
            marker = f"load-{self.number}-{self.sequence}"
            rows = self.random.randint(10, 50)
            organisation = partners[self.partner]["organisation"]
            content = four_w(marker, rows, self.random, where, organisation, until)
            body, kind = multipart({"source": f"{organisation} 4W"}, f"{marker}.csv", content)
            markers = [f"{marker}-{row}" for row in range(rows)]
            pending[marker] = markers
            with self.client.post(
                "/api/imports",
                data=body,
                headers={**self.auth, "Content-Type": kind},
                name="import",
                catch_response=True,
            ) as answer:
                del pending[marker]
                if answer.status_code == 201:
                    written = (answer.json() or {}).get("rows_written")
                    if written != rows:
                        answer.failure(f"201 but {written} rows written of {rows}")
                    sent[self.partner].extend(markers)
                    imports["ok"] += 1
                elif answer.status_code == 0:  # no answer: the server may or may not have it
                    unacknowledged.extend(markers)
                    imports["unanswered"] += 1
                    answer.failure("no answer")
                else:
                    imports["refused"] += 1
                    answer.failure(f"HTTP {answer.status_code}: {answer.text[:200]}")

    class Client(Base):  # type: ignore[misc]
        @task(READ_WEIGHT)
        def overview(self) -> None:
            self.read("overview", f"/?as_of={AS_OF}")

        @task(READ_WEIGHT)
        def gaps_page(self) -> None:
            self.read("gaps page", f"/gaps?as_of={AS_OF}&level=adm3")

        @task(READ_WEIGHT)
        def place_page(self) -> None:
            pcode = self.random.choice(places + communities)
            self.read("place page", f"/places/{pcode}?as_of={AS_OF}")

        @task(READ_WEIGHT)
        def api_gaps(self) -> None:
            self.read("api gaps", f"/api/gaps?as_of={AS_OF}&level=adm4")

        @task(READ_WEIGHT)
        def api_situation(self) -> None:
            self.read("api situation", f"/api/situation?as_of={AS_OF}&level=adm1")

        @task(READ_WEIGHT)
        def api_deliveries(self) -> None:
            self.read("api deliveries", "/api/deliveries?limit=100")

        @task(READ_WEIGHT)
        def api_map(self) -> None:
            self.read("api map", f"/api/map?as_of={AS_OF}&level=adm3")

        @task(READ_WEIGHT)
        def api_explain(self) -> None:
            pcode = self.random.choice(places)
            self.read(
                "api explain",
                f"/api/explain?as_of={AS_OF}&pcode={pcode}&indicator=people_in_need",
                self.analyst,
            )

        @task(IMPORT_WEIGHT)
        def import_4w(self) -> None:
            self.import_rows(communities, None)

    as_of = config.get("as_of") or AS_OF
    by_governorate: dict[str, list[str]] | None = config.get("by_governorate")
    busy = config.get("busy_place") or ""
    per_minute = float(config.get("imports_per_minute") or 1.0)
    targets = big_targets(as_of, busy)

    class Reader(Base):  # type: ignore[misc]
        """``--big``: the four targets, as a partner (four in five) or the analyst."""

        def on_start(self) -> None:
            super().on_start()
            if self.number % 5 == 4:
                self.auth = self.analyst

        @task
        def overview(self) -> None:
            self.read("overview", targets["overview"])

        @task
        def gaps_page(self) -> None:
            self.read("gaps page", targets["gaps page"])

        @task
        def place_page(self) -> None:
            self.read("place page", targets["place page"])

        @task
        def api_gaps(self) -> None:
            self.read("api gaps", targets["api gaps"])

    class Importer(Base):  # type: ignore[misc]
        """``--big``: one client importing a 4W of 10-50 rows at the communities of one
        governorate, dated in the 30 days before ``as_of`` (so that they count), every
        ``60 / imports_per_minute`` seconds."""

        fixed_count = 1
        wait_time = constant_pacing(60.0 / per_minute)

        @task
        def import_4w(self) -> None:
            assert by_governorate is not None
            governorate = self.random.choice(sorted(by_governorate))
            self.import_rows(by_governorate[governorate], as_of)

    users = [Reader, Importer] if by_governorate else [Client]
    clients = int(config["clients"]) + (1 if by_governorate else 0)
    env = Environment(user_classes=users, stop_timeout=180)

    def on_request(name: str, response: Any = None, exception: Any = None, **_: Any) -> None:
        status = int(getattr(response, "status_code", 0) or 0)
        statuses[str(status)] += 1
        if status >= 500:
            server_errors[name] += 1
        if exception is not None:
            error_kinds[f"{name}: {str(exception)[:160]}"] += 1

    env.events.request.add_listener(on_request)
    runner = env.create_local_runner()
    started = time.monotonic()
    runner.start(clients, spawn_rate=float(config["spawn_rate"]))
    gevent.sleep(float(config["duration"]))
    runner.quit()  # each client finishes the request it is on (stop_timeout)
    elapsed = time.monotonic() - started
    for markers in pending.values():
        unacknowledged.extend(markers)

    def figures(entry: Any, name: str | None) -> dict[str, Any]:
        count = entry.num_requests
        return {
            "requests": count,
            "errors": entry.num_failures,
            "5xx": sum(server_errors.values()) if name is None else server_errors[name],
            "p50": entry.get_response_time_percentile(0.5) if count else 0,
            "p99": entry.get_response_time_percentile(0.99) if count else 0,
            "max": entry.max_response_time if count else 0,
        }

    kinds = {key[0]: figures(entry, key[0]) for key, entry in env.stats.entries.items()}
    return {
        "clients": config["clients"],
        "elapsed": elapsed,
        "kinds": dict(sorted(kinds.items(), key=lambda kv: (kv[0] == "import", kv[0]))),
        "total": figures(env.stats.total, None),
        "statuses": dict(statuses),
        "error_kinds": dict(error_kinds.most_common(10)),
        "sent": sent,
        "unacknowledged": unacknowledged,
        "imports_ok": imports["ok"],
        "imports_refused": imports["refused"],
        "imports_unanswered": imports["unanswered"],
    }


if __name__ == "__main__":
    main()
