"""Run a command file (``-f FILE``, or commands piped on stdin) line by line.

Blank lines and ``#`` comments are skipped; a line ending in ``\\`` continues on the next. The first failing
command stops the run (``FILE:LINE: message`` on stderr, status 1) unless ``keep_going`` is set, in which
case every failure is reported and the status is 1 at the end. Files are read as bytes and decoded line by
line: a line that is not UTF-8 is a failure of that line alone (``FILE:LINE: not valid UTF-8 …``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from dshell.core.runner import execute
from dshell.errors import EXIT_ERROR, EXIT_INTERRUPTED, ExitRequested

if TYPE_CHECKING:
    from dshell.core.session import Session


class Undecodable(str):
    """A line that is not UTF-8: its text is the error to report for it."""


def _decode(raw: str | bytes) -> str:
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Undecodable(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})")


def logical_lines(lines: Iterable[str | bytes]) -> Iterator[tuple[int, str]]:
    """``(line number, command)`` pairs: comments and blanks dropped, backslash continuations joined.

    ``lines`` may be bytes (decoded one by one): a line that is not UTF-8 comes out as an :class:`Undecodable`
    (together with any lines it continued), so that one bad byte costs one line, not the file.
    """
    pending: list[str] = []
    first = 0
    for number, raw in enumerate(lines, start=1):
        decoded = _decode(raw)
        if isinstance(decoded, Undecodable):
            yield (first if pending else number), decoded
            pending = []
            continue
        text = decoded.rstrip("\r\n")
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


def run_script(session: Session, lines: Iterable[str | bytes], name: str, *, keep_going: bool = False) -> int:
    """Run every command of ``lines``; return 0 only if each succeeded. Commands deferred with ``defer``
    run at the end, whatever happened (last deferred first)."""
    status = EXIT_ERROR
    try:
        status = _run_lines(session, lines, name, keep_going=keep_going)
    finally:
        if session.uses_automation:  # only the automation layer defers (``defer``)
            from dshell.core.control import run_deferred

            status = run_deferred(session, status)
    return status


def _run_lines(session: Session, lines: Iterable[str | bytes], name: str, *, keep_going: bool = False) -> int:
    failed = False
    for number, line in logical_lines(lines):
        if isinstance(line, Undecodable):
            session.console.error(f"{name}:{number}: {line}")
            failed = True
            if not keep_going:
                return EXIT_ERROR
            continue
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
