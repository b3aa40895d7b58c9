"""Writing files so that a reader never sees a half-written one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import IO, Any


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

    On any exception (Ctrl-C included) the temporary file is removed and ``target`` is left as it was.
    ``permissions`` are set on the temporary file before anything is written (e.g. 0o600 for secrets).
    """
    directory = os.path.dirname(os.path.abspath(target))
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=directory)
    try:
        if permissions is not None:
            os.fchmod(fd, permissions)
        with os.fdopen(fd, mode, encoding=encoding) as fh:
            yield fh
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
