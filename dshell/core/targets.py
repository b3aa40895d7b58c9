"""Daemon targets: ``@NAME CMD`` runs one command on that daemon, ``@all CMD`` / ``@a,b CMD`` on several at once.

The one place a line's leading ``@target`` is peeled off (the runner calls :func:`run_targeted` for a line
starting with ``@``). One target runs like any line, with the daemon switched for this thread
(:meth:`~dshell.core.session.Session.using`). Several run concurrently: the line is parsed once, then every
daemon's job is handed to a worker thread kept between lines (:mod:`dshell.core.workers`: no thread started
per daemon per line, so the requests leave together), each running the handler with its daemon's client and
consuming its streams there. Each worker prints its daemon's lines itself as they arrive, a whole line at a
time (prefixed with the daemon's name, bare for ``-q``), and reports its daemon's failure on stderr by name
as soon as it fails; the calling thread only waits for the daemons' statuses, then merges tables and
documents (:mod:`dshell.output.fanout`). The status is the worst of the daemons'. Ctrl-C ends the wait at
once: the workers print nothing more (the stop is set under the lock every printed line is written under),
and every stream a daemon's job opened is closed, so a worker blocked on a quiet stream (``@all events``,
``@all logs -f``) ends its job and is idle again.
"""

from __future__ import annotations

import functools
import queue
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dshell.core.invocation import Invocation
from dshell.errors import EXIT_ERROR, CommandFailed, ConnectionFailed, DshellError, UsageError

if TYPE_CHECKING:
    from dshell.core.commands import Command, Namespace
    from dshell.core.session import Session
    from dshell.output import fanout
    from dshell.output.results import Document, Table

#: ``@all``: every daemon of the session.
ALL = "all"
#: What a daemon's name may be: it follows ``@`` and is split on ``,`` there, and must not read as a pipe,
#: redirection or ``$`` expansion (host names and ``host:port`` fit).
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]*")


def check_daemon_name(name: str) -> str:
    """``name`` if a daemon may be called so; a :class:`UsageError` saying what fits otherwise."""
    if name == ALL or not NAME_PATTERN.fullmatch(name):
        raise UsageError(
            f"invalid daemon name {name!r}: letters, digits, '-', '_', '.' and ':' (starting with a letter or "
            f"digit), and not {ALL!r}"
        )
    return name


def peel(line: str) -> tuple[str, str] | None:
    """``"@a,b ps -q"`` -> ``("a,b", " ps -q")``; None when the line has no target."""
    stripped = line.lstrip()
    if not stripped.startswith("@"):
        return None
    word = stripped.split(None, 1)[0]
    return word[1:], stripped[len(word) :]


def resolve(session: Session, spec: str) -> list[str]:
    """The daemon names a target spec means: ``all``, ``NAME`` or ``a,b`` (order kept, duplicates dropped)."""
    if spec == ALL:
        return list(session.daemons)
    names = list(dict.fromkeys(n.strip() for n in spec.split(",") if n.strip()))
    if not names:
        raise UsageError("a target needs a daemon name: @NAME CMD, @a,b CMD or @all CMD")
    for name in names:
        if name not in session.daemons:
            from dshell.core.parser import suggest

            hint = suggest(name, [*session.daemons, ALL])
            raise UsageError(
                f"unknown daemon: {name}{hint}", hint="'hosts' lists them, 'connect NAME URL' adds one"
            )
    return names


def single_target(session: Session, line: str) -> str | None:
    """The daemon a line runs on when it names exactly one with ``@NAME`` (None for ``@all``, ``@a,b``, an
    unknown name, or no target: the fan-out reports on each daemon itself)."""
    peeled = peel(line)
    if peeled is None:
        return None
    try:
        names = resolve(session, peeled[0])
    except DshellError:
        return None
    return names[0] if len(names) == 1 else None


def run_targeted(session: Session, line: str, *, where: str = "") -> int:
    """Run a line that starts with ``@target``; returns the exit status (raises like ``run_line``)."""
    from dshell.core.runner import run_line

    peeled = peel(line)
    if peeled is None:
        return run_line(session, line, where=where)
    spec, rest = peeled
    names = resolve(session, spec)
    if not rest.strip():
        raise UsageError(f"@{spec}: which command? (@NAME CMD)")
    if len(names) == 1:
        with session.using(names[0]):
            return run_line(session, rest, where=where)
    return fan_out(session, names, rest, where=where)


def fan_out(session: Session, names: list[str], line: str, *, where: str = "") -> int:
    """Run ``line`` on every daemon in ``names`` concurrently and put the results together."""
    from dshell.core.parser import HelpRequested, parse_args
    from dshell.core.runner import find_command

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
    if args.get("interactive") or args.get("tty"):
        raise UsageError(f"{command.name}: an interactive command runs on one daemon at a time: use @NAME")
    return _gather(session, names, command, args, line, where=where)


class _Board:
    """Where the daemons' pieces go, written by the daemons' own threads: lines (prefixed with the daemon's
    name, bare for ``-q``) and errors (named) are printed at once, a whole line at a time; tables and
    documents are kept for the merge at the end."""

    def __init__(self, session: Session, names: list[str], *, bare: bool, where: str) -> None:
        from dshell.output import fanout

        self.session = session
        self.prefix = fanout.prefixer(names)
        self.bare = bare
        self.lead = f"{where}: " if where else ""
        self.stop = threading.Event()
        self.tables: dict[str, Table] = {}
        self.documents: dict[str, Document] = {}
        self._lock = threading.Lock()

    def halt(self) -> None:
        """Ctrl-C: once this returns, nothing more is printed (a line being written is finished first)."""
        with self._lock:
            self.stop.set()

    def show(self, name: str, piece: fanout.Piece) -> None:
        if piece.kind == "table":
            self.tables[name] = piece.value
        elif piece.kind == "document":
            self.documents[name] = piece.value
        elif piece.kind == "error":
            with self._lock:
                if self.stop.is_set():  # interrupted: the prompt is back, nothing more is printed
                    return
                self.session.last_error = f"{name}: {piece.value}"
                self.session.console.error(f"{self.lead}{name}: {piece.value}")
        elif piece.kind == "line":
            console = self.session.console
            with self._lock:
                if self.stop.is_set():
                    return
                stream = console.stderr if piece.stderr else console.stdout
                stream.write((piece.value if self.bare else self.prefix(name, piece.value)) + "\n")
                stream.flush()

    def fault(self, name: str, exc: BaseException) -> None:
        """A bug in ``name``'s job (an exception no one caught): one line, named, and the traceback under
        ``--debug``."""
        session = self.session
        debug = bool(session.settings.get("debug", False))
        hint = "" if debug else "; run with --debug for the traceback"
        text = f"Error: internal error: {type(exc).__name__}: {exc}{hint}"
        with self._lock:
            if self.stop.is_set():
                return
            if debug:
                import traceback

                session.console.stderr.write("".join(traceback.format_exception(exc)))
            session.last_error = f"{name}: {text}"
            session.console.error(f"{self.lead}{name}: {text}")


def _gather(
    session: Session, names: list[str], command: Command, args: Namespace, line: str, *, where: str
) -> int:
    from dshell.api.client import DryRun, OpenStreams
    from dshell.core import workers
    from dshell.core.runner import describe
    from dshell.output import fanout
    from dshell.output.results import Result

    board = _Board(session, names, bare=bool(args.get("quiet")), where=where)
    done: queue.SimpleQueue[tuple[str, int]] = queue.SimpleQueue()
    streams = {name: OpenStreams() for name in names}  # closed on Ctrl-C: a blocked read returns

    def work(name: str) -> int:
        """This daemon's part, in a worker thread: its status (its pieces go to ``board`` meanwhile)."""
        delivered = False

        def deliver(result: Any) -> int:
            """Show this daemon's result, piece by piece, as its streams bring it."""
            nonlocal delivered
            delivered = True
            status = 0
            outcome = result if isinstance(result, Result) else Result(body=result)
            for piece in fanout.pieces(outcome, stop=board.stop.is_set):
                if piece.kind == "error":
                    status = status or EXIT_ERROR
                board.show(name, piece)
            return outcome.exit_status() or status

        status, lost = 0, None
        try:
            # through plugins' dshell_run_command wrappers, as a single command is; the streams it opens are noted
            with streams[name].watch(), session.using(name):
                invocation = Invocation(session, command, args, line, where, deliver=deliver)
                outcome = session.plugins.run_command(invocation)
                # a plugin may stand in for the command (its own outcome): its result is still this daemon's
                status = outcome.status if delivered else deliver(outcome.result) or outcome.status
        except DryRun as exc:  # --dry-run: the request this daemon would have been sent
            board.show(name, fanout.Piece("line", f"dry-run: {exc.describe()}"))
        except (DshellError, fanout.Unmergeable) as exc:
            lost = exc if isinstance(exc, ConnectionFailed) else None
            text = describe(exc) if isinstance(exc, DshellError) else f"Error: {exc}"
            board.show(name, fanout.Piece("error", text))
            status = exc.status if isinstance(exc, CommandFailed) else getattr(exc, "exit_status", EXIT_ERROR)
        except Exception as exc:  # a plugin's bug: one line, as the runner reports it
            board.fault(name, exc)
            status = EXIT_ERROR
        finally:
            session.note_contact(session.daemons[name], lost)  # connected / lost, for this daemon
        return status or 0

    def finisher(name: str) -> Callable[[int], None]:
        return lambda status: done.put((name, status))

    statuses: dict[str, int] = {}
    try:
        # every daemon's job is handed over before any runs: their requests leave together
        for name in names:
            job = functools.partial(work, name)
            workers.CREW.run(f"dshell-@{name}", job, finisher(name), functools.partial(board.fault, name))
        while len(statuses) < len(names):
            name, status = done.get()
            statuses[name] = status
    except KeyboardInterrupt:
        board.halt()  # nothing more is printed
        for opened in streams.values():  # a worker blocked on a quiet stream sees it end, and is idle again
            opened.close()
        raise
    merged: Any = None
    if board.tables:
        merged = fanout.merge_tables([(n, board.tables[n]) for n in names if n in board.tables])
    elif board.documents:
        merged = fanout.merge_documents([(n, board.documents[n]) for n in names if n in board.documents])
    if merged is not None:
        mode = "json" if args.get("json") else session.settings.get("output", "table")
        session.renderers.get(mode)(merged, session.render_context())
        session.console.stdout.flush()
    return max(statuses.values(), default=0)
