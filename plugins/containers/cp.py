"""``cp``: copy files and directories between a container and the local filesystem, as ``docker cp`` does.

Both directions go through the archive endpoints with the tar streamed: downloads are extracted member by
member as they arrive (``tarfile`` stream mode), uploads are produced file by file in blocks and sent
chunked, so neither side is ever held in memory whole.
"""

from __future__ import annotations

import io
import os
import stat as stat_mod
import tarfile
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from dshell.plugin import CHUNK, Binary, CommandFailed, NotFound, Result, UsageError
from dshell.plugin import containers_api as api

if TYPE_CHECKING:
    from dshell.plugin import Invocation

BLOCK = tarfile.BLOCKSIZE


class ChunkReader(io.RawIOBase):
    """A read-only file over an iterator of byte blocks (what ``tarfile`` stream mode reads from)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def split_target(text: str) -> tuple[str | None, str]:
    """``CTR:PATH`` -> (``CTR``, ``PATH``); a local path (``./a:b``, ``/x``) -> (None, path)."""
    if text.startswith(("/", ".")) or ":" not in text:
        return None, text
    container, _, path = text.partition(":")
    return container, path


def cp(inv: Invocation) -> Result | Binary:
    """``cp CTR:SRC DEST`` or ``cp SRC CTR:DEST`` (``-`` streams a tar on stdout or stdin)."""
    a = inv.args
    src_ctr, src = split_target(a.source)
    dst_ctr, dst = split_target(a.destination)
    if (src_ctr is None) == (dst_ctr is None):
        raise UsageError(
            "copying between containers or between local paths is not supported: "
            "one of SOURCE and DEST must be CONTAINER:PATH"
        )
    if src_ctr is not None:
        return copy_from(inv, src_ctr, src or "/", dst)
    assert dst_ctr is not None
    copy_to(inv, src, dst_ctr, dst or "/")
    return Result()


# -- from the container ------------------------------------------------------------------------------------


class _Extractor(tarfile.TarFile):
    """A ``TarFile`` that keeps the archive's owners only when asked (``-a``), like the CLI."""

    keep_owner = False

    def chown(self, tarinfo: tarfile.TarInfo, targetpath: Any, numeric_owner: bool) -> None:
        if self.keep_owner:
            super().chown(tarinfo, targetpath, numeric_owner=True)


def copy_from(inv: Invocation, container: str, src: str, dest: str) -> Result | Binary:
    """Download ``src`` from ``container`` into ``dest`` (an existing directory, or the new name)."""
    stat, chunks = api.get_archive(inv.client, container, src)
    if dest == "-":
        return Binary(chunks, what="a tar archive")
    contents_only = src.endswith("/.")
    root = stat.get("name") or os.path.basename(src.rstrip("/")) or "/"
    is_dir = stat_mod.S_ISDIR(_go_mode(stat.get("mode", 0)))
    if src.endswith("/") and not is_dir:
        raise CommandFailed(f"not a directory: {src}")
    if contents_only:
        os.makedirs(dest, exist_ok=True)
        target_dir, rename = dest, ""
    elif os.path.isdir(dest):
        target_dir, rename = dest, None
    else:
        if dest.endswith("/") and not is_dir:
            raise CommandFailed(f"destination directory {dest!r} must exist")
        parent = os.path.dirname(os.path.abspath(dest.rstrip("/")))
        if not os.path.isdir(parent):
            raise CommandFailed(f"no such directory: {parent}")
        if is_dir and os.path.exists(dest):
            raise CommandFailed(f"cannot copy a directory to a file: {dest}")
        target_dir, rename = parent, os.path.basename(os.path.abspath(dest.rstrip("/")))
    tar = _Extractor.open(fileobj=ChunkReader(chunks), mode="r|")
    tar.keep_owner = bool(inv.args.archive)
    with tar:
        for member in tar:
            if rename is not None:
                first, _, rest = member.name.partition("/")
                if first in (root, "."):
                    if rename:
                        member.name = f"{rename}/{rest}" if rest else rename
                    elif rest:
                        member.name = rest
                    else:
                        continue  # the directory itself: its contents go into dest
            tar.extract(member, target_dir, set_attrs=True, filter="tar")
    return Result()


def _go_mode(mode: int) -> int:
    """A Go ``os.FileMode`` (directory bit 1<<31) as a POSIX ``st_mode`` for the ``S_IS*`` tests."""
    if mode & (1 << 31):
        return stat_mod.S_IFDIR | (mode & 0o7777)
    if mode & (1 << 27):
        return stat_mod.S_IFLNK | (mode & 0o7777)
    return stat_mod.S_IFREG | (mode & 0o7777)


# -- to the container --------------------------------------------------------------------------------------


def iter_tar(path: str, arcname: str, *, keep_owner: bool) -> Iterator[bytes]:
    """A tar of ``path`` stored as ``arcname``, produced block by block (file contents read in chunks)."""
    for full, name in _walk(path, arcname):
        info = tarfile.TarInfo(name)
        st = os.lstat(full)
        info.mode = stat_mod.S_IMODE(st.st_mode)
        info.mtime = int(st.st_mtime)
        if keep_owner:
            info.uid, info.gid = st.st_uid, st.st_gid
        if stat_mod.S_ISDIR(st.st_mode):
            info.type = tarfile.DIRTYPE
        elif stat_mod.S_ISLNK(st.st_mode):
            info.type = tarfile.SYMTYPE
            info.linkname = os.readlink(full)
        elif stat_mod.S_ISREG(st.st_mode):
            info.size = st.st_size
        else:
            continue  # sockets, fifos and devices are not copied
        yield info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
        if info.isreg():
            sent = 0
            with open(full, "rb") as fh:
                while sent < info.size:
                    block = fh.read(min(CHUNK, info.size - sent))
                    if not block:
                        raise CommandFailed(f"{full} shrank while it was being copied")
                    sent += len(block)
                    yield block
            if sent % BLOCK:
                yield b"\0" * (BLOCK - sent % BLOCK)
    yield b"\0" * (BLOCK * 2)


def _walk(path: str, arcname: str) -> Iterator[tuple[str, str]]:
    yield path, arcname
    if os.path.isdir(path) and not os.path.islink(path):
        for root, dirs, files in os.walk(path):
            dirs.sort()
            rel = os.path.relpath(root, path)
            base = arcname if rel == "." else f"{arcname}/{rel}"
            for entry in sorted(dirs) + sorted(files):
                full = os.path.join(root, entry)
                yield full, f"{base}/{entry}"
                if entry in dirs and os.path.islink(full):
                    continue


def copy_to(inv: Invocation, src: str, container: str, dest: str) -> None:
    """Upload ``src`` (``-``: a tar on stdin) into ``container`` at ``dest``."""
    client = inv.client
    keep = bool(inv.args.archive)
    if src == "-":
        stdin = inv.console.stdin
        if stdin is None:
            raise UsageError("no stdin to read the tar archive from")
        reader = stdin.buffer
        api.put_archive(client, container, dest, iter(lambda: reader.read(CHUNK), b""), copy_uid_gid=keep)
        return
    if not os.path.lexists(src):
        raise CommandFailed(f"no such file or directory: {src}")
    contents_only = src.endswith("/.")
    src_is_dir = os.path.isdir(src)
    try:
        stat = api.archive_stat(client, container, dest)
    except NotFound:
        stat = None
    dest_is_dir = stat is not None and stat_mod.S_ISDIR(_go_mode(stat.get("mode", 0)))
    if dest_is_dir:
        target = dest
        arcname = "." if contents_only else os.path.basename(os.path.abspath(src))
    else:
        if stat is not None and src_is_dir:
            raise CommandFailed(f"cannot copy a directory to a file: {dest}")
        if dest.endswith("/"):
            raise CommandFailed(f"no such directory in the container: {dest}")
        target = os.path.dirname(dest.rstrip("/")) or "/"
        arcname = os.path.basename(dest.rstrip("/"))
    chunks = iter_tar(
        os.path.abspath(src.rstrip("/")) if not contents_only else src, arcname, keep_owner=keep
    )
    api.put_archive(client, container, target, chunks, copy_uid_gid=keep)
