"""The last session's container names per daemon, on disk, so the first completion after start-up needs no daemon.

Listing 10,000 containers takes the daemon 1 to 2 s; the REPL reads this snapshot in the background at start-up
(:meth:`dshell.core.names.NameCache.preload`), completes from it at once, and the refresher's first live list
replaces it whole (names removed since are gone then). The refresher writes a new snapshot after its first
list and when the session ends.

One file per daemon address, ``$XDG_CACHE_HOME/dshell/names/<hash>.json`` (default ``~/.cache``; the directory
0700, the file 0600, replaced by a rename, never written through a symbolic link). It holds only what completion
shows: id, name, image, state and status. A file that is unreadable, malformed, of another version or address,
older than :data:`MAX_AGE`, larger than :data:`MAX_BYTES`, or not ours (the file or its directory owned by
another user, or the directory a symbolic link) is ignored; at most :data:`MAX_ITEMS` containers are written.
Writing one removes the files of other daemons not written for :data:`MAX_AGE`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
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


def _open_dir(create: bool) -> int | None:
    """A descriptor of the snapshot directory when it is ours and not a symbolic link (created 0700 with
    ``create``, and set back to 0700 when its mode was loosened); None otherwise. Everything after goes through
    the descriptor, so a directory swapped for another after this check is not used."""
    directory = snapshot_dir()
    try:
        if create:
            os.makedirs(
                os.path.dirname(directory), exist_ok=True
            )  # dshell's cache directory: the umask's mode
            try:
                os.mkdir(directory, 0o700)
            except FileExistsError:
                pass
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:  # missing, a symbolic link (ELOOP), not a directory
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
            os.close(fd)
            return None
        if create and stat.S_IMODE(info.st_mode) != 0o700:
            os.fchmod(fd, 0o700)
    except OSError:
        os.close(fd)
        return None
    return fd


def save(address: str, containers: list[dict[str, Any]]) -> bool:
    """Write the snapshot of ``containers`` for ``address``; False when it could not be written (no error).

    Written to a temporary file in the checked directory and renamed over the snapshot's name: a rename
    replaces a symbolic link there, never follows it (:func:`dshell.api.files.atomic_write` writes through
    one, so it is not used here). Snapshots of other addresses older than :data:`MAX_AGE` are removed."""
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
    dir_fd = _open_dir(create=True)
    if dir_fd is None:
        return False
    name = os.path.basename(snapshot_path(address))
    tmp = f".names-{os.getpid()}-{secrets.token_hex(6)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=dir_fd)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=dir_fd)
            raise
        _prune(dir_fd, keep=name)
    except OSError:
        return False
    finally:
        os.close(dir_fd)
    return True


def _prune(dir_fd: int, keep: str) -> None:
    """Remove snapshots (and left-over temporary files) not changed for :data:`MAX_AGE`: daemons not used since."""
    limit = time.time() - MAX_AGE
    for entry in os.listdir(dir_fd):
        if entry == keep or not entry.endswith((".json", ".tmp")):
            continue
        with contextlib.suppress(OSError):
            info = os.stat(entry, dir_fd=dir_fd, follow_symlinks=False)
            if info.st_mtime < limit and (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
                os.unlink(entry, dir_fd=dir_fd)


def load(address: str) -> list[dict[str, Any]] | None:
    """The containers of the snapshot for ``address`` as ``/containers/json`` items (only the fields completion
    uses), or None when there is none worth using (see the module docstring)."""
    from dshell.api.fastjson import loads

    dir_fd = _open_dir(create=False)
    if dir_fd is None:
        return None
    try:
        fd = os.open(
            os.path.basename(snapshot_path(address)),
            os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK,
            dir_fd=dir_fd,
        )
    except OSError:
        return None
    finally:
        os.close(dir_fd)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_size > MAX_BYTES:
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
