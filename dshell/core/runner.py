"""Run one command line: find the command, parse its arguments, call the handler, render, report.

:func:`run_line` raises; :func:`execute` reports (one line, ``WHERE: message``) and returns the exit status.
Both the REPL and scripts go through :func:`execute`, so a line behaves the same typed or in a file.
"""

from __future__ import annotations

import sys
import traceback
from typing import TYPE_CHECKING

from dshell.core.invocation import Invocation
from dshell.core.lexer import iter_tokens
from dshell.core.parser import HelpRequested, parse_args, suggest
from dshell.errors import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    APIError,
    CommandFailed,
    DshellError,
    UsageError,
)
from dshell.output.render import render

if TYPE_CHECKING:
    from dshell.core.commands import Command
    from dshell.core.session import Session


def find_command(session: Session, line: str) -> tuple[Command, int] | None:
    """The command a line names and the offset where its arguments start (None for a blank line)."""
    words = []
    ends = []
    for tok in iter_tokens(line):
        words.append(tok.value)
        ends.append(tok.end)
        if len(words) == 3:
            break
    if not words:
        return None
    found = session.registry.lookup(words)
    if found is None:
        hint = suggest(words[0], session.registry.names())
        raise UsageError(f"unknown command: {words[0]}{hint}", hint="type 'help' for the list of commands")
    command, used = found
    return command, ends[used - 1]


def run_line(session: Session, line: str, *, where: str = "") -> int:
    """Run ``line``; returns the exit status, raises :class:`DshellError` for a failure.

    Errors a handler returns (rather than raises) are printed after ``where: `` by the renderer.
    """
    found = find_command(session, line)
    if found is None:
        return 0
    command, start = found
    try:
        args = parse_args(command, line, start)
    except HelpRequested:
        from dshell.core.helptext import command_help

        session.console.line(command_help(command))
        return 0
    invocation = Invocation(session, command, args, line)
    result = command.handler(invocation)
    mode = "json" if args.get("json") else session.settings.get("output", "table")
    status = render(result, session.render_context(), session.renderers.get(mode), where=where)
    if status and getattr(result, "errors", None):
        session.last_error = result.errors[-1]
    return status


def describe(exc: BaseException) -> str:
    """The one line shown for a failure."""
    if isinstance(exc, APIError):
        text = f"Error response from daemon: {exc.message}"
    elif isinstance(exc, UsageError):
        text = f"Usage error: {exc.message}"
    elif isinstance(exc, DshellError):
        text = f"Error: {exc.message}"
    else:
        text = f"Error: {type(exc).__name__}: {exc}"
    hint = getattr(exc, "hint", None)
    return f"{text} ({hint})" if hint else text


def execute(session: Session, line: str, *, where: str = "") -> int:
    """Run ``line`` and report any failure on stderr (prefixed with ``where``); return the exit status."""
    prefix = f"{where}: " if where else ""
    debug = bool(session.settings.get("debug", False))
    console = session.console
    session.last_error = None
    try:
        status = run_line(session, line, where=where)
    except KeyboardInterrupt:
        console.stdout.flush()
        session.last_error = "interrupted"
        console.error(f"{prefix}interrupted")
        status = EXIT_INTERRUPTED
    except BrokenPipeError:
        raise
    except DshellError as exc:
        if debug:
            traceback.print_exc(file=console.stderr)
        session.last_error = describe(exc)
        console.error(prefix + session.last_error)
        status = exc.status if isinstance(exc, CommandFailed) else exc.exit_status
    except Exception as exc:
        found = _safe_find(session, line)
        owner = f" in '{found.name}' (plugin {found.plugin})" if found else ""
        if debug:
            traceback.print_exc(file=console.stderr)
        hint = "" if debug else "; run with --debug for the traceback"
        session.last_error = f"Error: internal error{owner}: {type(exc).__name__}: {exc}{hint}"
        console.error(prefix + session.last_error)
        status = EXIT_ERROR
    session.last_status = status
    return status


def _safe_find(session: Session, line: str) -> Command | None:
    try:
        found = find_command(session, line)
    except Exception:
        return None
    return found[0] if found else None


def flush_quietly() -> None:
    """Flush stdout at exit, ignoring a reader that went away (``dshell … | head``)."""
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        pass
