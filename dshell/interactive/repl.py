"""The interactive prompt (prompt-toolkit). Only imported when dshell runs interactively.

Completion comes from :class:`~dshell.interactive.completer.DshellCompleter` in a ``ThreadedCompleter``, served from the
live-name cache that a :class:`~dshell.interactive.refresher.Refresher` keeps current from ``/events``; the refresher
starts after the prompt is up and stops at exit. History lives in the XDG data dir (mode 0600) and never
records a ``secret`` command. Ctrl-C clears the line, or stops the running command; Ctrl-D leaves with 0.
On a dumb terminal (``TERM=dumb``) a plain ``input()`` loop is used: no escape codes at all.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import DynamicCompleter, ThreadedCompleter
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.history import FileHistory
from prompt_toolkit.patch_stdout import patch_stdout
from prompt_toolkit.styles import Style

from dshell.core.history import data_dir, history_path
from dshell.core.runner import describe, execute, find_command
from dshell.errors import DshellError, ExitRequested
from dshell.interactive.completer import DshellCompleter
from dshell.interactive.highlight import STYLE_RULES, CommandLexer
from dshell.interactive.refresher import DaemonStatus, Refresher

if TYPE_CHECKING:
    from dshell.core.session import Session

__all__ = ["SessionHistory", "banner_text", "data_dir", "run_repl", "shell_escape"]

GREETING = "dshell — type 'help' for commands, Ctrl-D to leave."


class SessionHistory(FileHistory):
    """History file (mode 0600) that never records a command declared ``secret``; loads the last ``size``."""

    def __init__(self, path: Path, session: Session, *, size: int = 10000) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            path.touch(mode=0o600)
        os.chmod(path, 0o600)
        super().__init__(str(path))
        self.session = session
        self.size = size

    def load_history_strings(self) -> Iterable[str]:
        for count, entry in enumerate(super().load_history_strings()):
            if count >= self.size:
                return
            yield entry

    def append_string(self, string: str) -> None:
        if is_secret(self.session, string):
            return  # neither on disk nor in this session's Up-arrow list
        super().append_string(string)


def is_secret(session: Session, line: str) -> bool:
    """True when ``line`` runs a command declared ``secret`` (``login -p …``), directly or through an alias."""
    try:
        found = find_command(session, line)
    except DshellError:
        return False
    return found is not None and found[0].secret


def shell_escape(line: str) -> str:
    """``!ls -l`` -> ``! ls -l`` (the ``!`` command takes the rest of the line)."""
    stripped = line.lstrip()
    if stripped.startswith("!") and not stripped.startswith("! "):
        return "! " + stripped[1:]
    return line


def banner_text(session: Session) -> str:
    """``Connected to … — Docker Engine X (API Y) — containers: R running / T total``."""
    try:
        s = session.daemon.summary()
    except DshellError as exc:
        return f"{describe(exc)}\n(dshell is ready; the next command tries again)"
    return (
        f"Connected to {s['address']} — Docker Engine {s['engine']} (API {s['api']}) — "
        f"containers: {s['running']} running / {s['total']} total"
    )


def prompt_message(session: Session) -> StyleAndTextTuples:
    """``dshell tcp://127.0.0.1:2375> `` (the daemon's name too when it is not the default one)."""
    where = str(session.daemon.address)
    if session.current != "default":
        where = f"{session.current} {where}"
    return [("class:prompt", "dshell "), ("class:prompt.daemon", where), ("class:prompt", "> ")]


def toolbar_fragments(session: Session, status: DaemonStatus) -> StyleAndTextTuples:
    """The bottom toolbar: daemon, engine and API version, running/total containers, output mode."""
    parts: StyleAndTextTuples = [("class:bottom-toolbar", f" {session.daemon.address} ")]
    if status.engine:
        parts.append(("class:bottom-toolbar", f"│ Docker {status.engine} · API {status.api} "))
    if status.total is not None:
        parts.append(("class:bottom-toolbar.ok", f"│ {status.running} running / {status.total} containers "))
    if status.error:
        parts.append(("class:bottom-toolbar.warn", f"│ {status.error[:60]} "))
    elif not status.engine:
        parts.append(("class:bottom-toolbar", "│ connecting… "))
    parts.append(("class:bottom-toolbar", f"│ output: {session.settings.get('output', 'table')} "))
    return parts


def dumb_terminal() -> bool:
    """True where cursor movement and colour codes would be garbage (``TERM=dumb``, Emacs shell)."""
    return os.environ.get("TERM", "") in ("dumb", "unknown")


def run_repl(session: Session) -> int:
    """Read, run, repeat until ``exit`` or Ctrl-D (status 0). Ctrl-C clears the line or stops the command."""
    if dumb_terminal():
        return run_plain(session)
    history = SessionHistory(history_path(), session, size=int(session.settings.get("history_size", 10000)))
    completer = DshellCompleter(session)
    refresher = Refresher(session.daemon)
    prompt: PromptSession[str] = PromptSession(
        history=history,
        completer=ThreadedCompleter(DynamicCompleter(lambda: completer)),
        auto_suggest=AutoSuggestFromHistory(),
        lexer=CommandLexer(session.registry),
        complete_while_typing=True,
        enable_history_search=False,
        bottom_toolbar=lambda: toolbar_fragments(session, refresher.status),
        style=Style.from_dict(STYLE_RULES),
        include_default_pygments_style=False,
    )
    refresher.on_change = lambda: _invalidate(prompt)
    session.console.line(GREETING)

    def greet() -> None:
        print(banner_text(session))
        refresher.start()  # after the banner: nothing of the refresher is on the start path

    pending = [threading.Thread(target=greet, name="dshell-banner", daemon=True)]

    def pre_run() -> None:  # once the prompt application runs: the banner's imports stay off the start path
        while pending:
            pending.pop().start()

    try:
        with patch_stdout(raw=True):
            return _loop(session, lambda: prompt.prompt(lambda: prompt_message(session), pre_run=pre_run))
    finally:
        refresher.stop()


def _invalidate(prompt: PromptSession[Any]) -> None:
    app = prompt.app
    if app.is_running:
        app.invalidate()


class TerminalMode:
    """The terminal settings dshell started with, put back before each command runs.

    prompt-toolkit switches the terminal to raw mode while reading a line and back when it returns. Should
    anything leave raw mode behind (a host command run with ``!``, output from another thread while the prompt
    closes), Ctrl-C would reach a running command as a plain ``^C`` byte instead of SIGINT: this makes sure
    it cannot.
    """

    def __init__(self) -> None:
        self.fd = -1
        self.attrs: list[Any] | None = None
        try:
            import termios

            fd = sys.stdin.fileno()
            if os.isatty(fd):
                self.attrs = termios.tcgetattr(fd)
                self.fd = fd
        except (ImportError, OSError, ValueError, AttributeError):
            pass

    def restore(self) -> None:
        if self.attrs is None:
            return
        try:
            import termios

            termios.tcsetattr(self.fd, termios.TCSANOW, self.attrs)
        except (OSError, termios.error):
            pass


def _loop(session: Session, read: Any) -> int:
    """The read-run loop shared by the full and the plain prompt."""
    mode = TerminalMode()
    while True:
        try:
            text = read()
        except KeyboardInterrupt:
            continue
        except EOFError:
            return 0
        if not text.strip():
            continue
        mode.restore()
        try:
            execute(session, shell_escape(text))
        except ExitRequested as exc:
            return exc.status
        except KeyboardInterrupt:  # between the command and the prompt
            session.console.error("interrupted")


def run_plain(session: Session) -> int:
    """The REPL for a dumb terminal: ``input()``, no completion menu, toolbar or colour; same history file.

    (GNU readline is deliberately not loaded: it may still emit bracketed-paste codes.)
    """
    session.console.line(GREETING)
    session.console.line(banner_text(session))
    history = SessionHistory(history_path(), session, size=int(session.settings.get("history_size", 10000)))

    def read() -> str:
        sys.stdout.flush()
        text = input(f"dshell {session.daemon.address}> ")
        if text.strip():
            history.append_string(text)
        return text

    return _loop(session, read)
