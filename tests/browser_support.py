"""What the browser and schema tests stand on: the demo database, the app served for real, Chromium.

- ``demo_database(folder)`` (from ``demo_support``) copies the demonstration database into a folder.
- ``LiveServer`` serves an ASGI app with uvicorn in a background thread on a free port of
  127.0.0.1, until ``stop()``.
- ``chromium()`` finds Debian's Chromium (``/usr/bin/chromium``, or ``$LAGEBILD_CHROMIUM``) and
  Playwright for Python, or says why the browser tests cannot run: they skip with that reason,
  or fail when ``CI`` is set. Playwright drives the system browser; it never downloads one.
- ``output_dir(name)`` is a folder under the test run's output folder (``$LAGEBILD_TEST_OUTPUT``,
  else ``test-output/`` in the repository), for screenshots a person can look at afterwards.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CHROMIUM = "/usr/bin/chromium"

#: Chromium's flags for a headless run as root on a machine without a network: no sandbox (root),
#: no GPU, and none of the background connections to Google's hosts that a closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def output_dir(name: str) -> Path:
    """``<output folder>/<name>``, made if missing."""
    root = Path(os.environ.get("LAGEBILD_TEST_OUTPUT") or REPO / "test-output")
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def chromium() -> tuple[str | None, str]:
    """Chromium's path and ``""``, or ``None`` and the reason the browser tests cannot run."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return None, "Playwright for Python is not installed: run scripts/test (test extras)"
    chosen = os.environ.get("LAGEBILD_CHROMIUM")
    path = chosen or DEFAULT_CHROMIUM
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        found = None if chosen else shutil.which("chromium")
        if found is None:
            return None, (
                f"no Chromium at {path}: install Debian's 'chromium' package "
                "(scripts/test does so when run as root) or set LAGEBILD_CHROMIUM"
            )
        path = found
    return path, ""


class LiveServer:
    """An ASGI app served by uvicorn on 127.0.0.1, in a daemon thread, on a port the OS picked."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name=f"uvicorn-{self.port}",
            daemon=True,
        )

    def start(self, timeout: float = 30.0) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("uvicorn stopped before it started serving")
            if time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start within {timeout:.0f} s")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 15.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        self._socket.close()

    def url(self, path: str) -> str:
        return self.origin + path
