"""Whether a scheduled output needs writing again: ``--if-changed`` of ``lagebild export hdx``
and ``lagebild report``.

Beside each output (a file or a folder) lies a stamp, ``.NAME.lagebild-stamp.json``, holding
the data version the output was written from (``store.changes.data_version``: the newest
import, the imports undone, the newest change of the audit trail; the web app's kept pages use
the same) and the options that shape it. A run with ``--if-changed`` asks ``check``; when
nothing was imported, undone, edited or graded since, and the options are the same, it writes
nothing. After writing, it calls ``record``::

    found = freshness.check(store, output, {"role": role})
    if not found.changed:
        print(found.reason)          # exit 0: nothing to do
        return
    ...write the output...
    freshness.record(output, found)

The date of the output (``--as-of``) is not among the options: a daily run with today's date
writes only when the data changed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lagebild.store import Store
from lagebild.store.changes import data_version

#: The name of the stamp beside an output ``NAME``.
STAMP = ".{name}.lagebild-stamp.json"


@dataclass(frozen=True)
class Freshness:
    """Whether the output must be written (``changed``), why, and what a stamp records."""

    changed: bool
    reason: str
    version: tuple[int, ...]
    options: Mapping[str, Any] = field(default_factory=dict)


def stamp_path(output: Path) -> Path:
    """Where the stamp of ``output`` lies: beside it, named after it."""
    output = Path(output)
    return output.parent / STAMP.format(name=output.name)


def _read(path: Path) -> dict[str, Any] | None:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def _plain(options: Mapping[str, Any]) -> dict[str, Any]:
    """The options as JSON keeps them (so that a stamp read back compares equal)."""
    return dict(json.loads(json.dumps(dict(options), sort_keys=True, default=str)))


def check(store: Store, output: Path, options: Mapping[str, Any] | None = None) -> Freshness:
    """Whether ``output`` must be written again: it or its stamp is missing, or the data
    version or ``options`` differ from those of the run that wrote it."""
    version = tuple(data_version(store))
    wanted = _plain(options or {})
    stamp = _read(stamp_path(output))
    if not Path(output).exists():
        return Freshness(True, f"{output} does not exist yet", version, wanted)
    if stamp is None:
        return Freshness(True, f"{output} has no readable stamp of its data", version, wanted)
    before = tuple(stamp.get("data_version") or ())
    if before != version:
        return Freshness(
            True,
            f"the data changed since {output} was written (version {_show(before)} -> "
            f"{_show(version)})",
            version,
            wanted,
        )
    if stamp.get("options", {}) != wanted:
        return Freshness(True, f"{output} was written with other options", version, wanted)
    return Freshness(
        False,
        f"unchanged: nothing was imported or changed since {output} was written "
        f"({stamp.get('written_at', '?')}, data version {_show(version)}); nothing written",
        version,
        wanted,
    )


def _show(version: tuple[int, ...]) -> str:
    return ".".join(str(v) for v in version) or "none"


def record(output: Path, found: Freshness) -> Path:
    """Write the stamp of a run that wrote ``output`` (atomically); its path."""
    path = stamp_path(output)
    stamp = {
        "output": Path(output).name,
        "data_version": list(found.version),
        "options": dict(found.options),
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, path)
    return path


__all__ = ["STAMP", "Freshness", "check", "record", "stamp_path"]
