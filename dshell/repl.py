"""The interactive prompt (prompt-toolkit). Only imported when dshell runs interactively."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import DynamicCompleter, ThreadedCompleter
from prompt_toolkit.history import FileHistory
from prompt_toolkit.patch_stdout import patch_stdout

from dshell.completer import DshellCompleter
from dshell.errors import DshellError, ExitRequested
from dshell.runner import describe, execute, find_command

if TYPE_CHECKING:
    from dshell.session import Session


def data_dir() -> Path:
    """``$XDG_DATA_HOME/dshell`` (default ``~/.local/share/dshell``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "dshell"


class SessionHistory(FileHistory):
    """History file (mode 0600) that never records a command declared ``secret``."""

    def __init__(self, path: Path, session: Session) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            path.touch(mode=0o600)
        os.chmod(path, 0o600)
        super().__init__(str(path))
        self.session = session

    def append_string(self, string: str) -> None:
        try:
            found = find_command(self.session, string)
        except DshellError:
            found = None
        if found is not None and found[0].secret:
            return
        super().append_string(string)


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


def run_repl(session: Session) -> int:
    """Read, run, repeat until ``exit`` or Ctrl-D. Ctrl-C clears the line or stops the running command."""
    history = SessionHistory(data_dir() / "history", session)
    completer = DshellCompleter(session)
    prompt = PromptSession(
        history=history,
        completer=ThreadedCompleter(DynamicCompleter(lambda: completer)),
        auto_suggest=AutoSuggestFromHistory(),
        complete_while_typing=False,
        enable_history_search=False,
    )
    session.console.line("dshell — type 'help' for commands, Ctrl-D to leave.")
    with patch_stdout(raw=True):
        threading.Thread(target=lambda: print(banner_text(session)), daemon=True).start()
        while True:
            try:
                text = prompt.prompt(f"dshell {session.daemon.address}> ")
            except KeyboardInterrupt:
                continue
            except EOFError:
                break
            if not text.strip():
                continue
            try:
                execute(session, text)
            except ExitRequested as exc:
                return exc.status
    return 0
