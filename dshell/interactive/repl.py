"""The interactive prompt (prompt-toolkit). Only imported when dshell runs interactively.

Completion comes from :class:`~dshell.interactive.completer.DshellCompleter` in a ``BatchCompleter`` (a thread), served from the
live-name cache that a :class:`~dshell.interactive.refresher.Refresher` keeps current from ``/events``; the refresher
starts after the prompt is up and stops at exit. History lives in the XDG data dir (mode 0600) and never
records a ``secret`` command. Ctrl-C clears the line, or stops the running command; Ctrl-D leaves with 0.
On a dumb terminal (``TERM=dumb``) a plain ``input()`` loop is used: no escape codes at all.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import DynamicCompleter
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.history import FileHistory
from prompt_toolkit.patch_stdout import patch_stdout
from prompt_toolkit.styles import Style

from dshell.api.files import signals_unwind
from dshell.core.history import data_dir, history_path, is_secret_line
from dshell.core.runner import describe, execute
from dshell.errors import DshellError, ExitRequested
from dshell.interactive.completer import TYPING_LIMIT, BatchCompleter, DshellCompleter
from dshell.interactive.highlight import STYLE_RULES, CommandLexer
from dshell.interactive.instant import GREETING, InstantPrompt, prompt_parts
from dshell.interactive.refresher import DaemonStatus, Refreshers
from dshell.output.safe import safe_text

if TYPE_CHECKING:
    from dshell.core.session import Session

__all__ = ["SessionHistory", "banner_text", "data_dir", "run_repl", "shell_escape"]


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
    """True when ``line`` must stay out of the history (see :func:`dshell.core.history.is_secret_line`)."""
    return is_secret_line(session.registry, line)


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
    """``dshell tcp://127.0.0.1:2375> `` (the current daemon's name too when it is not the only, default one)."""
    parts: StyleAndTextTuples = list(prompt_parts(session))
    return parts


def shorten_words(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, cut after a whole word with ``…`` (never mid-word)."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    space = cut.rfind(" ")
    if space > 0:
        cut = cut[:space]
    return cut.rstrip(" ,;:—-") + "…"


def toolbar_fragments(session: Session, status: DaemonStatus) -> StyleAndTextTuples:
    """The bottom toolbar: daemon, engine and API version, running/total containers, output mode."""
    name = f"{session.current} " if session.current != "default" or len(session.daemons) > 1 else ""
    parts: StyleAndTextTuples = [("class:bottom-toolbar", f" {name}{session.daemon.address} ")]
    if status.engine:  # the daemon's own strings: escaped, never sent raw to the terminal
        parts.append(("class:bottom-toolbar", safe_text(f"│ Docker {status.engine} · API {status.api} ")))
    if status.total is not None:
        parts.append(("class:bottom-toolbar.ok", f"│ {status.running} running / {status.total} containers "))
    if status.error:
        parts.append(("class:bottom-toolbar.warn", f"│ {shorten_words(safe_text(status.error), 60)} "))
    elif not status.engine:
        parts.append(("class:bottom-toolbar", "│ connecting… "))
    parts.append(("class:bottom-toolbar", f"│ output: {session.settings.get('output', 'table')} "))
    return parts


def dumb_terminal() -> bool:
    """True where cursor movement and colour codes would be garbage (``TERM=dumb``, Emacs shell)."""
    return os.environ.get("TERM", "") in ("dumb", "unknown")


def run_repl(session: Session, instant: InstantPrompt | None = None) -> int:
    """Read, run, repeat until ``exit`` or Ctrl-D (status 0). Ctrl-C clears the line or stops the command.

    ``instant``: the greeting and the first prompt are on the screen already (:mod:`dshell.interactive.instant`).
    """
    if dumb_terminal():
        return run_plain(session)
    history = SessionHistory(history_path(), session, size=int(session.settings.get("history_size", 10000)))
    completer = DshellCompleter(session, typing_limit=TYPING_LIMIT)
    refreshers = Refreshers(session)  # one per daemon: completion after @NAME is fresh too
    prompt: PromptSession[str] = PromptSession(
        history=history,
        completer=BatchCompleter(DynamicCompleter(lambda: completer)),
        auto_suggest=AutoSuggestFromHistory(),
        lexer=CommandLexer(session.registry),
        complete_while_typing=True,
        enable_history_search=False,
        bottom_toolbar=lambda: toolbar_fragments(session, refreshers.status(session.current)),
        style=Style.from_dict(STYLE_RULES),
        include_default_pygments_style=False,
    )
    seen = [-1]
    refreshers.on_change = lambda: _invalidate(prompt, session, seen)
    if instant is None:
        session.console.line(GREETING)
    else:
        instant.release()  # prompt-toolkit draws the prompt again over the instant one, with what was typed

    def greet() -> None:
        print(safe_text(banner_text(session), newlines=True))
        refreshers.start()  # after the banner: nothing of the refresher is on the start path

    refreshers.expect_snapshots()  # the last session's names, read right after the prompt is up
    pending = [
        threading.Thread(target=greet, name="dshell-banner", daemon=True),
        threading.Thread(target=refreshers.preload, name="dshell-names", daemon=True),
    ]

    def pre_run() -> None:  # once the prompt application runs: the banner's imports stay off the start path
        if not pending:
            return
        while pending:
            pending.pop().start()
        # the plugins the command index deferred (dshell.core.cmdindex): loaded on this loop soon after the first
        # prompt is drawn, so the prompt does not wait for them and no thread races the registries; not at once,
        # so that keys typed at the instant prompt are drawn first
        asyncio.get_running_loop().call_later(0.1, session.registry.__len__)

    # While the REPL runs, the completion worker and the refreshers hand the GIL back to the prompt's thread
    # within 1 ms, not 5, so a key's echo does not wait for their work (10,000 names ranked, a list decoded).
    # Measured with a thread ranking 10,000 names and decoding a list of them: a key reaches the prompt's thread
    # in p90 1.2 ms instead of 10.4 ms (slowest 2 - 10 ms instead of 20 - 31); 200,000 lines written by the main
    # thread take the same time either way with the other threads idle (25 ms), as during ``logs``. Put back
    # when the REPL ends: the setting is process-wide.
    switch = sys.getswitchinterval()
    sys.setswitchinterval(0.001)
    try:
        with signals_unwind(), patch_stdout(raw=True):  # SIGHUP/SIGTERM unwind: the terminal is restored

            def read() -> str:
                refreshers.sync()  # after connect / disconnect: follow the session's daemons
                return prompt.prompt(lambda: prompt_message(session), pre_run=pre_run)

            return _loop(session, read)
    finally:
        refreshers.stop()
        sys.setswitchinterval(switch)


def _invalidate(prompt: PromptSession[Any], session: Session, seen: list[int]) -> None:
    """After a refresher swapped a list (its thread): redraw the toolbar, and when a name list changed while a
    completion menu is open, compute the menu again (on the prompt's own loop): never a frozen snapshot."""
    app = prompt.app
    if not app.is_running:
        return
    app.invalidate()
    generation = session.daemon.names.generation
    if generation == seen[0]:
        return
    seen[0] = generation
    # a completion served from the last session's names (or a list marked old) may have found nothing the live
    # list has: complete again even with no menu open
    names = session.daemon.names
    stale, names.served_stale = names.served_stale, False
    loop = app.loop
    if loop is not None:
        loop.call_soon_threadsafe(_recomplete, prompt, stale)


def _recomplete(prompt: PromptSession[Any], stale: bool = False) -> None:
    """Re-run completion for an open menu the user has not started moving through; with ``stale``, also
    start one on a non-empty line that has no menu (its completion came from an old list)."""
    buffer = prompt.app.current_buffer
    state = buffer.complete_state
    if state is None:
        if stale and buffer.text.strip():
            buffer.start_completion(select_first=False)
        return
    if state.complete_index is not None:
        return
    buffer.start_completion(select_first=False)


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
    try:
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
    finally:
        mode.restore()  # also when SIGHUP or SIGTERM ends the session (see signals_unwind)


def run_plain(session: Session) -> int:
    """The REPL for a dumb terminal: ``input()``, no completion menu, toolbar or colour; same history file.

    (GNU readline is deliberately not loaded: it may still emit bracketed-paste codes.)
    """
    session.console.line(GREETING)
    session.console.line(safe_text(banner_text(session), newlines=True))
    history = SessionHistory(history_path(), session, size=int(session.settings.get("history_size", 10000)))

    def read() -> str:
        sys.stdout.flush()
        status = f"[{session.last_status}] " if session.last_status else ""
        text = input(f"{status}dshell {session.daemon.address}> ")
        if text.strip():
            history.append_string(text)
        return text

    with signals_unwind():
        return _loop(session, read)
