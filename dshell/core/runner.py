"""Run one command line: find the command, parse its arguments, call the handler, render, report.

:func:`run_line` raises; :func:`execute` reports (one line, ``WHERE: message``) and returns the exit status.
Both the REPL and scripts go through :func:`execute`, so a line behaves the same typed or in a file.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from dshell.core.hookspecs import CommandOutcome
from dshell.core.invocation import Invocation
from dshell.core.lexer import iter_tokens
from dshell.core.parser import HelpRequested, parse_args, suggest
from dshell.errors import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    APIError,
    CommandFailed,
    ConnectionFailed,
    DshellError,
    UsageError,
)
from dshell.output.render import render

if TYPE_CHECKING:
    from dshell.core.commands import Command
    from dshell.core.session import Daemon, Session


def find_command(session: Session, line: str) -> tuple[Command, int] | None:
    """The command a line names and the offset where its arguments start (None for a blank line)."""
    words: list[str] = []
    ends: list[int] = []
    for n, tok in enumerate(iter_tokens(line)):
        if n == 0 and tok.value.startswith("@"):
            continue  # a daemon target (dshell.core.targets): the command follows it
        if not words and tok.value == "docker" and not tok.quoted and "docker" not in session.registry:
            continue  # a pasted ``docker ps -a``: the CLI's own name is accepted and ignored
        words.append(tok.value)
        ends.append(tok.end)
        if len(words) == 3:
            break
    if not words:
        return None
    found = session.registry.lookup(words)
    if found is None:
        group = _group_command(session, words)
        if group is not None:
            return group, ends[len(group.name.split(" ")) - 1]
        hint = suggest(words[0], session.registry.names())
        raise UsageError(f"unknown command: {words[0]}{hint}", hint="type 'help' for the list of commands")
    command, used = found
    return _redirected(session, command, line, ends[used - 1]), ends[used - 1]


def _redirected(session: Session, command: Command, line: str, start: int) -> Command:
    """The command that takes the line when ``command`` declares a ``redirect`` (``history IMAGE``)."""
    if command.redirect is None:
        return command
    try:
        rest = [tok.value for tok in iter_tokens(line, start)]
    except UsageError:
        return command  # an unterminated quote: the command's own parse reports it
    target = command.redirect(rest)
    return (session.registry.get(target) or command) if target else command


def _group_command(session: Session, words: list[str]) -> Command | None:
    """``container`` alone (a word that only starts multi-word names): a command listing what follows it."""
    from dshell.core.commands import Command, argument, flag
    from dshell.core.helptext import group_help
    from dshell.output.results import Text

    registry = session.registry
    prefix = next((words[:n] for n in range(len(words), 0, -1) if registry.next_words(words[:n])), None)
    if prefix is None:
        return None
    name = " ".join(prefix)

    def listing(inv: Invocation) -> Text:
        extra = inv.args.words
        if extra:
            wanted = [w for w, _ in registry.next_words(prefix)]
            hint = suggest(extra[0], wanted)
            raise UsageError(f"unknown command: {name} {extra[0]}{hint}", hint=f"see '{name} --help'")
        return Text(group_help(registry, prefix) or "")

    return Command(
        name,
        listing,
        f"List the '{name} …' commands",
        options=(flag("-h", "--help", help="Show this list", dest="show_help"),),
        arguments=(argument("words", nargs="..."),),
        interspersed=False,
        plugin="core",
    )


def run_line(session: Session, line: str, *, where: str = "") -> int:
    """Run ``line``; returns the exit status, raises :class:`DshellError` for a failure.

    Errors a handler returns (rather than raises) are printed after ``where: `` by the renderer.
    A line starting with ``@NAME`` / ``@all`` runs on those daemons (:mod:`dshell.core.targets`).
    """
    if line.lstrip().startswith("@"):
        from dshell.core.targets import run_targeted

        return run_targeted(session, line, where=where)
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
    invocation = Invocation(session, command, args, line, where)
    outcome = session.plugins.run_command(invocation)  # plugins' wrappers around call_and_render
    if outcome.status and getattr(outcome.result, "errors", None):
        session.last_error = outcome.result.errors[-1]
    return outcome.status


def call_and_render(invocation: Invocation) -> CommandOutcome:
    """dshell's own ``dshell_run_command``: call the command's handler and render what it returns."""
    session = invocation.session
    result = invocation.command.handler(invocation)
    if invocation.deliver is not None:
        return CommandOutcome(result, invocation.deliver(result))
    mode = "json" if invocation.args.get("json") else session.settings.get("output", "table")
    status = render(result, session.render_context(), session.renderers.get(mode), where=invocation.where)
    return CommandOutcome(result, status)


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
    daemon, lost = _daemon_of(session, line), None
    try:
        if not session.keep_results and _plain(line) and not session.uses_automation:
            status = run_line(session, line, where=where)  # nothing for the automation layer to do
        else:
            from dshell.core.pipeline import run_statement  # variables, captures, pipes, > FILE (issue 13)

            status = run_statement(session, line, where=where)
    except KeyboardInterrupt:
        console.stdout.flush()
        session.last_error = "interrupted"
        console.error(f"{prefix}interrupted")
        status = EXIT_INTERRUPTED
    except BrokenPipeError:
        raise
    except DshellError as exc:
        lost = exc if isinstance(exc, ConnectionFailed) else None
        if debug:
            import traceback

            traceback.print_exc(file=console.stderr)
        session.last_error = describe(exc)
        console.error(prefix + session.last_error)
        status = exc.status if isinstance(exc, CommandFailed) else exc.exit_status
    except Exception as exc:
        found = _safe_find(session, line)
        owner = f" in '{found.name}' (plugin {found.plugin})" if found else ""
        if debug:
            import traceback

            traceback.print_exc(file=console.stderr)
        hint = "" if debug else "; run with --debug for the traceback"
        session.last_error = f"Error: internal error{owner}: {type(exc).__name__}: {exc}{hint}"
        console.error(prefix + session.last_error)
        status = EXIT_ERROR
    session.last_status = status
    if daemon is not None:  # a fanned-out line reported on each of its daemons already
        session.note_contact(daemon, lost)  # dshell_daemon_connected / dshell_daemon_lost
    return status


def _daemon_of(session: Session, line: str) -> Daemon | None:
    """The daemon ``line`` runs on: the current one, the one ``@NAME`` names, or None for several."""
    if not line.lstrip().startswith("@"):
        return session.daemon
    from dshell.core.targets import single_target

    name = single_target(session, line.lstrip())
    return session.daemons[name] if name is not None else None


def _plain(line: str) -> bool:
    """A line without anything the automation layer acts on (``$``, ``|``, ``>``, ``:=``, ``NAME=``,
    ``--query``), as :func:`dshell.core.pipeline.is_plain` says, without importing it (a first word with ``=``
    in it counts as an assignment)."""
    words = line.split(None, 1)
    return not any(s in line for s in ("$", "|", ">", ":=", "--query")) and not (words and "=" in words[0])


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
