"""Run a command file (``-f FILE``, or commands piped on stdin) line by line.

Blank lines and ``#`` comments are skipped; a line ending in ``\\`` continues on the next. The first failing
command stops the run (``FILE:LINE: message`` on stderr, status 1) unless ``keep_going`` is set, in which
case every failure is reported and the status is 1 at the end.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from dshell.core.runner import execute
from dshell.errors import EXIT_ERROR, EXIT_INTERRUPTED, ExitRequested

if TYPE_CHECKING:
    from dshell.core.session import Session


def logical_lines(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """``(line number, command)`` pairs: comments and blanks dropped, backslash continuations joined."""
    pending: list[str] = []
    first = 0
    for number, raw in enumerate(lines, start=1):
        text = raw.rstrip("\r\n")
        if not pending:
            first = number
            stripped = text.strip()
            if not stripped or stripped.startswith("#"):
                continue
        if text.endswith("\\") and not text.endswith("\\\\"):
            pending.append(text[:-1])
            continue
        pending.append(text)
        yield first, " ".join(p.strip() for p in pending)
        pending = []
    if pending:
        yield first, " ".join(p.strip() for p in pending)


def run_script(session: Session, lines: Iterable[str], name: str, *, keep_going: bool = False) -> int:
    """Run every command of ``lines``; return 0 only if each succeeded."""
    failed = False
    for number, line in logical_lines(lines):
        try:
            status = execute(session, line, where=f"{name}:{number}")
        except ExitRequested as exc:
            return exc.status
        if status == EXIT_INTERRUPTED:
            return status
        if status != 0:
            if session.last_error is None:
                session.console.error(f"{name}:{number}: exit status {status}")
            failed = True
            if not keep_going:
                return EXIT_ERROR
    return EXIT_ERROR if failed else 0
