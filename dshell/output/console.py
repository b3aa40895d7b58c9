"""The terminal dshell writes to: text and binary stdout, stderr, whether colour is allowed, questions."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import BinaryIO, TextIO


def isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


@dataclass
class Console:
    """Where output goes. Colour and escape codes only when stdout is a terminal and ``NO_COLOR`` is unset."""

    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    stdin: TextIO | None = field(default_factory=lambda: sys.stdin)
    interactive: bool = False

    @property
    def is_tty(self) -> bool:
        return isatty(self.stdout)

    @property
    def color(self) -> bool:
        return self.is_tty and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"

    @property
    def binary_stdout(self) -> BinaryIO:
        buf = getattr(self.stdout, "buffer", None)
        if buf is None:
            raise OSError("stdout takes no binary data here")
        self.stdout.flush()
        return buf  # type: ignore[no-any-return]

    @property
    def binary_stderr(self) -> BinaryIO:
        buf = getattr(self.stderr, "buffer", None)
        if buf is None:
            raise OSError("stderr takes no binary data here")
        self.stderr.flush()
        return buf  # type: ignore[no-any-return]

    def write(self, text: str, *, flush: bool = False) -> None:
        self.stdout.write(text)
        if flush:
            self.stdout.flush()

    def line(self, text: str = "") -> None:
        self.stdout.write(text + "\n")

    def error(self, text: str) -> None:
        """One error line on stderr; control characters (a daemon's message may hold them) are escaped."""
        from dshell.output.safe import safe_text

        self.stdout.flush()
        self.stderr.write(safe_text(text, newlines=True) + "\n")
        self.stderr.flush()

    def warn(self, text: str) -> None:
        self.error(f"dshell: warning: {text}")

    def confirm(self, question: str) -> bool:
        """Ask a yes/no question on a terminal; False (do nothing) when nobody can answer."""
        if self.stdin is None or not isatty(self.stdin) or not self.is_tty:
            return False
        self.stdout.write(f"{question} [y/N] ")
        self.stdout.flush()
        answer = self.stdin.readline()
        return answer.strip().lower() in ("y", "yes")


def confirm_removal(console: Console, warning: str, *, what: str) -> bool:
    """Ask ``WARNING! …`` / ``Are you sure you want to continue? [y/N]`` before a prune, as the Docker CLI does.

    True to go ahead, False for "no". When nobody can answer (stdin or stdout is not a terminal, stdin is
    closed or missing), raise :class:`~dshell.errors.CommandFailed` ("refusing to remove WHAT without
    confirmation") instead of removing anything unasked.
    """
    if console.stdin is None or not isatty(console.stdin) or not console.is_tty:
        from dshell.errors import CommandFailed

        raise CommandFailed(
            f"refusing to remove {what} without confirmation", hint="not a terminal: use -f to prune"
        )
    return console.confirm(f"{warning}\nAre you sure you want to continue?")
