"""The little control a deployment script needs: ``wait-until`` and ``defer`` (the commands live in the
``shell`` plugin; what they do lives here, beside the rest of the automation layer)."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from dshell.core.lexer import split
from dshell.core.variables import state
from dshell.errors import EXIT_ERROR, CommandFailed, UsageError

if TYPE_CHECKING:
    from dshell.core.session import Session

_FALSY = {"", "0", "false", "null", "none", "no"}


def parse_duration(text: str) -> float:
    """A Go duration (``30s``, ``500ms``, ``2m``) or plain seconds."""
    from dshell.output.humanize import parse_duration as go_duration

    try:
        return float(text)
    except ValueError:
        pass
    try:
        return go_duration(text)
    except ValueError:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 500ms, 2m)") from None


def split_condition(text: str) -> tuple[str, float | None, float | None]:
    """``COND [--timeout D] [--interval D]`` -> the condition text and the durations found after it."""
    timeout = interval = None
    while True:
        found = re.search(r"\s--(timeout|interval)(?:\s+|=)(\S+)\s*\Z", " " + text)
        if found is None:
            return text.strip(), timeout, interval
        value = parse_duration(found.group(2))
        if found.group(1) == "timeout":
            timeout = value if timeout is None else timeout
        else:
            interval = value if interval is None else interval
        text = (" " + text)[: found.start()].strip()


def evaluate(session: Session, condition: str) -> tuple[bool, str]:
    """Expand ``condition`` (re-inspecting captured objects) and test it: ``A == B``, ``A != B``, or ``A``
    alone (true unless empty, 0, false or null). Returns (result, the value seen)."""
    from dshell.core.pipeline import _expander

    words = [t.value for t in split(_expander(session, live=True).expand(condition))]
    for op in ("==", "!="):
        if op in words:
            at = words.index(op)
            left, right = " ".join(words[:at]), " ".join(words[at + 1 :])
            return (left == right) == (op == "=="), left
    value = " ".join(words)
    return value.strip().lower() not in _FALSY, value


def wait_until(session: Session, condition: str, *, timeout: float = 30.0, interval: float = 0.5) -> None:
    """Re-evaluate ``condition`` every ``interval`` seconds until it holds; CommandFailed after ``timeout``
    with the last value seen. In a dry run, does not wait."""
    if not condition:
        raise UsageError("wait-until: give a condition, e.g. wait-until ${web.State.Status} == running")
    if state(session).dry_run:
        session.console.line(f"dry-run: would wait until {condition}")
        return
    deadline = time.monotonic() + timeout
    while True:
        ok, seen = evaluate(session, condition)
        if ok:
            return
        if time.monotonic() >= deadline:
            raise CommandFailed(
                f"wait-until: timed out after {timeout:g}s waiting for {condition} (last value: {seen!r})"
            )
        time.sleep(max(0.0, min(interval, deadline - time.monotonic())))


def defer(session: Session, command: str) -> None:
    """Keep ``command`` (as typed: it is expanded when it runs) to run when the script ends."""
    if not command.strip():
        raise UsageError("defer: give a command, e.g. defer rm -f $web")
    auto = state(session)
    auto.deferred.append((auto.where, command.strip()))


def run_deferred(session: Session, status: int) -> int:
    """Run the deferred commands, last deferred first, each reported as ``WHERE (deferred)``; returns
    ``status``, or EXIT_ERROR when it was 0 and a deferred command failed."""
    from dshell.core.runner import execute

    auto = state(session)
    while auto.deferred:
        where, command = auto.deferred.pop()
        label = f"{where} (deferred)" if where else "deferred"
        if execute(session, command, where=label) and not status:
            status = EXIT_ERROR
    return status
