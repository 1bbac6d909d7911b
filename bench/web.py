"""Latency and throughput of the web app over the 1M-delivery database (issue 3, point 7).

    python bench/web.py [--rows 1000000] [--duration 10] [--clients 1,10,50] [--workers N]

Builds (or reuses) the benchmark database of ``bench/run.py`` — the generated gazetteer, people
in need, access and 4W — starts ``lagebild serve`` on a free loopback port in a child process and
drives it with ``wrk`` (Debian's package) at each number of concurrent clients, for the overview,
gaps and place pages and ``/api/gaps``. Prints p50, p99 and requests per second; asserts nothing.
The load goes to 127.0.0.1 only and each run stops after ``--duration`` seconds.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("LAGEBILD_BENCH_DIR", "/tmp/lagebild-bench"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database(rows: int) -> Path:
    """The benchmark database with ``rows`` deliveries, built once and kept in the cache folder."""
    target = CACHE / f"web_{rows}.db"
    if target.exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    files = {
        "4w": CACHE / f"web_4w_{rows}.csv", "gazetteer": CACHE / "web_gazetteer.csv",
        "inneed": CACHE / "web_inneed.csv", "access": CACHE / "web_access.csv",
    }
    if not files["4w"].exists():
        subprocess.run(
            [sys.executable, str(HERE / "generate_4w.py"), "--rows", str(rows), "--out",
             str(files["4w"]), "--gazetteer-out", str(files["gazetteer"]),
             "--figures-out", str(files["inneed"]), "--access-out", str(files["access"])],
            check=True,
        )
    for key in ("gazetteer", "inneed", "access", "4w"):
        subprocess.run(
            [sys.executable, "-m", "lagebild.cli", "--db", str(target), "import", "--source",
             "bench", str(files[key])],
            check=True, stdout=subprocess.DEVNULL,
        )
    return target


def wait_for(url: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer {url} within {seconds:.0f} s")


def wrk(url: str, clients: int, duration: int) -> dict[str, float]:
    threads = min(clients, 2)
    done = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{clients}", f"-d{duration}s", "--latency", "--timeout", "10s",
         url],
        capture_output=True, text=True, check=True,
    )
    out = done.stdout
    figures: dict[str, float] = {}
    for label, key in (("50%", "p50"), ("99%", "p99")):
        match = re.search(rf"^\s*{re.escape(label)}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if match:
            scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]
            figures[key] = float(match.group(1)) * scale
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    figures["rps"] = float(rate.group(1)) if rate else 0.0
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    figures["non2xx"] = float(errors.group(1)) if errors else 0.0
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--clients", default="1,10,50")
    parser.add_argument("--workers", type=int, default=1, help="server processes (serve --workers)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    db = database(args.rows)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    workers = ["--workers", str(args.workers)] if args.workers > 1 else []
    server = subprocess.Popen(
        [sys.executable, "-m", "lagebild.cli", "--db", str(db), "serve", "--port", str(port),
         *workers],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        wait_for(f"{base}/api/places?limit=1")
        with urllib.request.urlopen(f"{base}/api/gaps?level=adm3&limit=1", timeout=60) as r:  # noqa: S310
            sample = r.read().decode()
        as_of = re.search(r'"as_of":"([\d-]+)"', sample).group(1)  # type: ignore[union-attr]
        place = "SY020000"
        targets = {
            "overview page /": f"{base}/?as_of={as_of}",
            "gaps page /gaps (adm3)": f"{base}/gaps?as_of={as_of}&level=adm3",
            f"place page /places/{place}": f"{base}/places/{place}?as_of={as_of}",
            "/api/gaps (adm3)": f"{base}/api/gaps?as_of={as_of}&level=adm3",
        }
        print(f"lagebild web benchmark: {args.rows:,} deliveries, database {db}")
        print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; wrk "
              f"{args.duration} s per row; {args.workers} server process(es); as_of {as_of}")
        header = ("target", "clients", "p50 ms", "p99 ms", "req/s", "non-2xx")
        print(f"{header[0]:34} " + " ".join(f"{h:>9}" for h in header[1:]))
        for name, url in targets.items():
            try:
                urllib.request.urlopen(url, timeout=120).read()  # noqa: S310 - warm the cache
            except urllib.error.HTTPError as exc:
                print(f"{name:34} not available: HTTP {exc.code}")
                continue
            for clients in (int(c) for c in args.clients.split(",")):
                got = wrk(url, clients, args.duration)
                print(f"{name:34} {clients:>7} {got.get('p50', float('nan')):>9.1f} "
                      f"{got.get('p99', float('nan')):>9.1f} {got['rps']:>9.1f} "
                      f"{int(got['non2xx']):>8}", flush=True)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
