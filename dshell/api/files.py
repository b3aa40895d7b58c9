"""Writing files so that a reader never sees a half-written one, and checking a target before anything is sent."""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from typing import IO, Any

from dshell.errors import CommandFailed

#: Signals that end dshell while a file is being written: the temporary file is removed first (as on Ctrl-C).
CLEANUP_SIGNALS: tuple[int, ...] = (signal.SIGTERM, signal.SIGHUP)


class Terminated(SystemExit):
    """SIGTERM or SIGHUP arrived: unwind (removing temporary files) and exit with ``128 + signal``."""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum


def resolve_target(target: str | os.PathLike[str]) -> str:
    """The file a write to ``target`` lands on: a symbolic link is written through, as the Docker CLI does."""
    path = os.fspath(target)
    if os.path.islink(path):
        return os.path.realpath(path)
    return path


def check_output_path(target: str | os.PathLike[str], *, what: str = "the output") -> str:
    """Refuse a target ``atomic_write`` cannot replace, before anything is requested; return the resolved path.

    The messages follow the Docker CLI (``cannot write to a character device file``); an empty name, a
    directory, a missing parent directory and one dshell may not write into fail with one clear line.
    """
    path = os.fspath(target)
    if not path:
        raise CommandFailed(f"cannot write {what}: the file name is empty")
    path = resolve_target(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise CommandFailed(f"cannot write {what} to {path}: {exc.strerror or exc}") from None
    if st is not None:
        if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
            raise CommandFailed(f"cannot write {what} to {path}: cannot write to a character device file")
        if stat.S_ISFIFO(st.st_mode) or stat.S_ISSOCK(st.st_mode):
            raise CommandFailed(f"cannot write {what} to {path}: cannot write to a pipe or socket")
        if stat.S_ISDIR(st.st_mode):
            raise CommandFailed(f"cannot write {what} to {path}: it is a directory")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise CommandFailed(f"cannot write {what} to {path}: no such directory: {directory}")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise CommandFailed(f"cannot write {what} to {path}: permission denied in {directory}")
    return path


@contextlib.contextmanager
def signals_unwind() -> Iterator[None]:
    """While the block runs (main thread only), SIGTERM and SIGHUP raise :class:`Terminated` instead of killing
    the process outright, so that ``finally`` blocks run."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise Terminated(signum)

    previous: dict[int, Any] = {}
    for sig in CLEANUP_SIGNALS:
        with contextlib.suppress(OSError, ValueError):
            current = signal.getsignal(sig)
            if current in (signal.SIG_DFL, None):
                previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            with contextlib.suppress(OSError, ValueError):
                signal.signal(sig, old)


def _mode_for(path: str) -> int:
    """The mode ``path`` has (it is being replaced), or a new file's: 0o666 less the umask."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        umask = os.umask(0o022)  # read it (the only way) and put it back at once
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_write(
    target: str | os.PathLike[str],
    *,
    mode: str = "wb",
    prefix: str = ".dshell-",
    suffix: str = ".part",
    permissions: int | None = None,
    encoding: str | None = None,
) -> Iterator[IO[Any]]:
    """Write through a temporary file beside ``target``, renamed over it only when the block succeeds.

    On any exception (Ctrl-C, SIGTERM and SIGHUP included) the temporary file is removed and ``target`` is
    left as it was. ``permissions`` are set on the temporary file before anything is written (e.g. 0o600 for
    secrets); by default a file that exists keeps its mode and a new one gets what the umask allows, as a
    plain ``open`` would give it (not the temporary file's 0o600). A symbolic link is written through (the
    file it points at is replaced, the link stays); a device, pipe or directory is refused (see
    :func:`check_output_path`).
    """
    path = check_output_path(target)
    directory = os.path.dirname(os.path.abspath(path))
    with signals_unwind():
        fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=directory)
        try:
            os.fchmod(fd, permissions if permissions is not None else _mode_for(path))
            with os.fdopen(fd, mode, encoding=encoding) as fh:
                yield fh
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
