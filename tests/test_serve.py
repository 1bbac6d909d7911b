"""`lagebild serve` and `lagebild demo` start a real server, say where, stop on Ctrl-C."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get_json(url: str, seconds: float = 30.0) -> dict[str, object]:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                return json.loads(response.read())  # type: ignore[no-any-return]
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGINT)  # what Ctrl-C sends
    try:
        out, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("the server did not stop on Ctrl-C within 20 s")
    return process.returncode, out


def test_demo_builds_prints_its_address_serves_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "lagebild.cli", "demo", "--port", str(port)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        gaps = get_json(f"http://127.0.0.1:{port}/api/gaps?level=adm4")
    finally:
        code, out = stop(process)
    assert gaps["as_of"] == "2017-02-28" and gaps["cut_off"] == 9
    assert f"http://127.0.0.1:{port}/" in out and "Traceback" not in out
    assert "recycled-footage check: item 4 (strike-again.jpg) matches item 1" in out
    assert code == 0
    assert (tmp_path / "lagebild-demo.db").exists()


def test_serve_refuses_an_uninitialised_database_with_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lagebild.cli", "--db", str(tmp_path / "new.db"), "serve",
         "--port", str(free_port())],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 1 and "lagebild init" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_removes_its_folder_of_uploads_when_it_stops(tmp_path: Path) -> None:
    from lagebild.web.uploads import shared_root_for

    database = tmp_path / "served.db"
    init = subprocess.run(
        [sys.executable, "-m", "lagebild.cli", "--db", str(database), "init"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert init.returncode == 0, init.stderr
    folder = shared_root_for(str(database.resolve()))
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "lagebild.cli", "--db", str(database), "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        get_json(f"http://127.0.0.1:{port}/api/gaps")
        serving = folder.is_dir()
    finally:
        code, out = stop(process)
    assert serving and code == 0, out
    assert not folder.exists()
