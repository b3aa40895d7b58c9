"""The last session's container names per daemon, on disk, so the first completion after start-up needs no daemon.

Listing 10,000 containers takes the daemon 1 to 2 s; the REPL reads this snapshot in the background at start-up
(:meth:`dshell.core.names.NameCache.preload`), completes from it at once, and the refresher's first live list
replaces it whole (names removed since are gone then). The refresher writes a new snapshot after its first
list and when the session ends.

One file per daemon address, ``$XDG_CACHE_HOME/dshell/names/<hash>.json`` (default ``~/.cache``; the directory
0700, the file 0600, written through :func:`dshell.api.files.atomic_write`, never through a symbolic link). It
holds only what completion shows: id, name, image, state and status. A file that is unreadable, malformed, of
another version or address, older than :data:`MAX_AGE`, or larger than :data:`MAX_BYTES` is ignored; at most
:data:`MAX_ITEMS` containers are written.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from typing import Any

VERSION = 1
#: A snapshot older than this (seconds) is ignored: a week.
MAX_AGE = 7 * 24 * 3600.0
#: Files larger than this are not read.
MAX_BYTES = 16 * 1024 * 1024
#: Containers written at most (the rest are left to the live list).
MAX_ITEMS = 50_000
_FIELDS = ("Id", "Image", "State", "Status")


def snapshot_dir() -> str:
    """``$XDG_CACHE_HOME/dshell/names`` (default ``~/.cache/dshell/names``), as the command index's."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "dshell", "names")


def snapshot_path(address: str) -> str:
    """The snapshot file of the daemon at ``address``: a hash names it, so nothing of the address reaches
    the path."""
    digest = hashlib.sha256(address.encode("utf-8", "surrogateescape")).hexdigest()[:24]
    return os.path.join(snapshot_dir(), f"{digest}.json")


def _name(c: dict[str, Any]) -> str:
    names = c.get("Names") or []
    return str(names[0]) if names else ""


def save(address: str, containers: list[dict[str, Any]], path: str | None = None) -> bool:
    """Write the snapshot of ``containers`` for ``address``; False when it could not be written (no error)."""
    from dshell.api.files import atomic_write

    path = path or snapshot_path(address)
    rows = [
        [str(c.get(f) or "") for f in _FIELDS[:1]] + [_name(c)] + [str(c.get(f) or "") for f in _FIELDS[1:]]
        for c in containers[:MAX_ITEMS]
    ]
    doc = {"version": VERSION, "address": address, "written": time.time(), "containers": rows}
    try:
        import orjson

        data: bytes = orjson.dumps(doc)
    except (ImportError, TypeError):  # TypeError: a lone surrogate in a name
        import json

        data = json.dumps(doc, separators=(",", ":")).encode("utf-8", "surrogatepass")
    try:
        directory = os.path.dirname(path)
        os.makedirs(directory, mode=0o700, exist_ok=True)
        if os.path.islink(path):  # never written through: the snapshot stays in its directory
            os.unlink(path)
        with atomic_write(path, mode="wb", prefix=".names-", suffix=".tmp", permissions=0o600) as fh:
            fh.write(data)
    except (OSError, ValueError):
        return False
    except Exception as exc:  # DshellError from atomic_write (a directory or device in the way)
        from dshell.errors import DshellError

        if isinstance(exc, DshellError):
            return False
        raise
    return True


def load(address: str, path: str | None = None) -> list[dict[str, Any]] | None:
    """The containers of the snapshot for ``address`` as ``/containers/json`` items (only the fields completion
    uses), or None when there is none worth using (see the module docstring)."""
    from dshell.api.fastjson import loads

    path = path or snapshot_path(address)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(raw) > MAX_BYTES:
        return None
    try:
        doc = loads(raw)
        if not isinstance(doc, dict) or doc.get("version") != VERSION or doc.get("address") != address:
            return None
        written = float(doc.get("written", 0))
        if not 0 <= time.time() - written <= MAX_AGE:
            return None
        rows = doc["containers"]
        if not isinstance(rows, list):
            return None
        out: list[dict[str, Any]] = []
        for row in rows[:MAX_ITEMS]:
            ident, name, image, state, status = (str(v) for v in row)
            out.append({"Id": ident, "Names": [name], "Image": image, "State": state, "Status": status})
        return out
    except (ValueError, TypeError, KeyError):
        return None
