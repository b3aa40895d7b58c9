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
    extract(chunks, target_dir, root=root, rename=rename, keep_owner=bool(inv.args.archive))
    return Result()


class UnsafeArchive(CommandFailed):
    """An archive from the daemon that would write outside the destination: refused before anything is written."""


def _renamed(name: str, root: str, rename: str | None) -> str | None:
    """An archive name as it lands in the destination (None: the copied directory itself, not extracted)."""
    if rename is None:
        return name
    first, _, rest = name.partition("/")
    if first not in (root, "."):
        return name
    if rename:
        return f"{rename}/{rest}" if rest else rename
    return rest or None


def _check_name(name: str, what: str) -> str:
    """``name`` normalised (``./a//b/`` -> ``a/b``); absolute names and ``..`` are refused."""
    if not name or name.startswith("/") or "\0" in name:
        raise UnsafeArchive(f"refusing to copy: the archive holds {what} {name!r} outside the destination")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeArchive(f"refusing to copy: the archive holds {what} {name!r} outside the destination")
    return "/".join(parts)


def plan_extraction(members: list[tarfile.TarInfo], root: str, rename: str | None) -> list[tarfile.TarInfo]:
    """The members to extract, renamed, after checking that none can write outside the destination.

    Hard links must point at an entry extracted before them in this archive (renamed along with it); names and
    link targets may not be absolute or climb out with ``..``; nothing may be written through a symbolic
    link the archive itself creates; a name may appear only once. Raises :class:`UnsafeArchive` otherwise.
    """
    planned: list[tarfile.TarInfo] = []
    files: set[str] = set()  # extracted non-directories (what a hard link may point at)
    seen: set[str] = set()
    symlinks: set[str] = set()
    for member in members:
        new = _renamed(member.name, root, rename)
        if new is None:
            continue
        name = _check_name(new, "the entry")
        if not name:
            continue
        if name in seen:
            raise UnsafeArchive(f"refusing to copy: the archive holds {name!r} twice")
        parents = name.split("/")[:-1]
        for i in range(1, len(parents) + 1):
            if "/".join(parents[:i]) in symlinks:
                raise UnsafeArchive(
                    f"refusing to copy: the archive writes {name!r} through its own symbolic link"
                )
        if member.islnk():
            link = _renamed(member.linkname, root, rename)
            target = _check_name(link or "", "a hard link to") if link is not None else ""
            if target not in files:
                raise UnsafeArchive(
                    f"refusing to copy: the hard link {name!r} points at {member.linkname!r}, "
                    "which is not an earlier file of the copied tree"
                )
            member.linkname = target
        elif member.issym():
            symlinks.add(name)
        elif not (member.isdir() or member.isreg()):
            pass  # devices, fifos: tarfile's "tar" filter handles their modes
        member.name = name
        seen.add(name)
        if not member.isdir():
            files.add(name)
        planned.append(member)
    return planned


def extract(
    chunks: Iterable[bytes], target_dir: str, *, root: str, rename: str | None, keep_owner: bool
) -> None:
    """Extract the daemon's tar into ``target_dir`` once every member was checked (see :func:`plan_extraction`).

    The archive is spooled first (memory up to 16 MB, then a temporary file) so that a hostile member late in
    the archive is refused before the first file is written.
    """
    import tempfile

    with tempfile.SpooledTemporaryFile(max_size=16 << 20) as spool:
        for chunk in chunks:
            spool.write(chunk)
        spool.seek(0)
        try:
            tar = _Extractor.open(fileobj=spool, mode="r:")  # type: ignore[arg-type]
        except tarfile.TarError as exc:
            raise CommandFailed(f"the daemon sent an archive dshell cannot read: {exc}") from None
        tar.keep_owner = keep_owner
        with tar:
            try:
                members = tar.getmembers()
            except tarfile.TarError as exc:
                raise CommandFailed(f"the daemon sent an archive dshell cannot read: {exc}") from None
            planned = plan_extraction(members, root, rename)
            for member in planned:
                try:
                    tar.extract(member, target_dir, set_attrs=True, filter="tar")
                except tarfile.FilterError as exc:
                    raise UnsafeArchive(f"refusing to copy: {exc}") from None


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
