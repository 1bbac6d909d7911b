"""The demonstration database of the tests: built once per test process, copied for each user.

Building the demonstration scenario takes about 1.5 s; copying the finished SQLite file takes a
millisecond. ``demo_database(folder)`` gives every caller a private, writable copy of one build,
so that a test that changes the data never changes another's. The build itself is checked at the
end of the process: if anything wrote to it instead of to a copy, the run fails.
"""

from __future__ import annotations

import atexit
import hashlib
import shutil
import tempfile
from functools import cache
from pathlib import Path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@cache
def demo_template() -> Path:
    """The one build of this process, in a folder removed when the process ends."""
    from lagebild.demo import build_demo
    from lagebild.store import Store

    folder = Path(tempfile.mkdtemp(prefix="lagebild-demo-"))
    path = folder / "demo.db"
    store = Store.open(str(path))
    try:
        store.migrate()
        build_demo(store)
    finally:
        store.close()
    built = _sha256(path)

    def check_and_remove() -> None:
        untouched = _sha256(path) == built
        shutil.rmtree(folder, ignore_errors=True)
        if not untouched:  # pragma: no cover - a test wrote to the shared build
            raise AssertionError(f"a test wrote to the shared demonstration database {path}")

    atexit.register(check_and_remove)
    return path


def demo_database(folder: Path, name: str = "demo.db") -> str:
    """A private copy of the demonstration database, ``folder/name``; its path."""
    target = folder / name
    shutil.copyfile(demo_template(), target)
    return str(target)
