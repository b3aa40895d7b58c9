"""The local terminal during an interactive ``exec -it`` / ``run -it`` / ``attach``: raw mode, size, resizes.

Raw mode hands every key (Ctrl-C included) to the container; the terminal's settings are restored however
the session ends. Resizes (``SIGWINCH``) are reported to a callback so the container's pty follows.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator


def is_terminal(fd: int | None) -> bool:
    """True when ``fd`` is an open terminal."""
    if fd is None:
        return False
    try:
        return os.isatty(fd)
    except OSError:
        return False


def terminal_size(fd: int) -> tuple[int, int] | None:
    """``(rows, columns)`` of the terminal on ``fd``, or None when it has no size."""
    try:
        size = os.get_terminal_size(fd)
    except OSError:
        return None
    if not size.lines or not size.columns:
        return None
    return size.lines, size.columns


@contextlib.contextmanager
def raw_mode(fd: int) -> Iterator[None]:
    """Put the terminal on ``fd`` in raw mode for the block, then restore its settings exactly."""
    import termios

    saved = termios.tcgetattr(fd)
    mode = termios.tcgetattr(fd)
    iflag, oflag, cflag, lflag, ispeed, ospeed, cc = mode
    iflag &= ~(termios.BRKINT | termios.ICRNL | termios.INPCK | termios.ISTRIP | termios.IXON | termios.INLCR)
    iflag &= ~termios.IGNCR
    oflag &= ~termios.OPOST
    cflag = (cflag & ~(termios.CSIZE | termios.PARENB)) | termios.CS8
    lflag &= ~(termios.ECHO | termios.ICANON | termios.IEXTEN | termios.ISIG)
    cc = list(cc)
    cc[termios.VMIN] = 1
    cc[termios.VTIME] = 0
    termios.tcsetattr(fd, termios.TCSAFLUSH, [iflag, oflag, cflag, lflag, ispeed, ospeed, cc])
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


@contextlib.contextmanager
def on_resize(callback: Callable[[], None]) -> Iterator[None]:
    """Call ``callback`` on every ``SIGWINCH`` during the block (only possible in the main thread)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGWINCH"):
        yield
        return

    def handler(signum: int, frame: object) -> None:
        callback()

    previous = signal.signal(signal.SIGWINCH, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGWINCH, previous)
