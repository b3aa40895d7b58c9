"""The instant prompt: the first prompt on the screen before prompt-toolkit is imported.

Importing prompt-toolkit costs more than everything else dshell does before its first prompt (bench/RESULTS.md,
case 1). So, on a terminal, the greeting and the prompt are written first, as plain text with the colours the
prompt will have, and the terminal stops echoing: what the user types meanwhile waits in the terminal's input
queue, unread and unechoed, until prompt-toolkit takes over, reads it and draws it on the same line. Nothing
here waits for a daemon. This module imports nothing of prompt-toolkit.

The technique is zsh's "instant prompt" (powerlevel10k); :func:`show` is a no-op off a terminal, on a dumb
one, or when the terminal's settings cannot be read.
"""

from __future__ import annotations

import os
import sys
import termios
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dshell.core.session import Session

GREETING = "dshell — type 'help' for commands, Ctrl-D to leave."

#: SGR codes for the prompt's style classes (the same looks as dshell.interactive.highlight.STYLE_RULES)
_SGR = {"prompt": "", "prompt.daemon": "1", "prompt.status": "1;31"}


def prompt_parts(session: Session) -> list[tuple[str, str]]:
    """``(style class, text)`` pieces of the prompt: ``[STATUS] dshell [NAME ]ADDRESS> ``."""
    where = str(session.daemon.address)
    if session.current != "default" or len(session.daemons) > 1:
        where = f"{session.current} {where}"
    status = [("class:prompt.status", f"[{session.last_status}] ")] if session.last_status else []
    return [*status, ("class:prompt", "dshell "), ("class:prompt.daemon", where), ("class:prompt", "> ")]


class InstantPrompt:
    """A prompt already on the screen, with the terminal's echo off until :meth:`release`."""

    def __init__(self, fd: int, saved: list[Any]) -> None:
        self.fd = fd
        self.saved = saved

    def release(self) -> None:
        """Put the terminal's own settings back (keys typed meanwhile stay queued for the next reader)."""
        try:
            termios.tcsetattr(self.fd, termios.TCSANOW, self.saved)
        except (OSError, termios.error):
            pass


def show(session: Session) -> InstantPrompt | None:
    """Write the greeting and the prompt, stop the echo; None when this is no place for it."""
    if os.environ.get("TERM", "") in ("dumb", "unknown", ""):
        return None
    try:
        fd = sys.stdin.fileno()
        if not (os.isatty(fd) and sys.stdout.isatty()):
            return None
        saved = termios.tcgetattr(fd)
        quiet = list(saved)
        # lflag: keys queue unread and unechoed; Ctrl-C too (ISIG off): the line editor reads it as a key and
        # clears the line, as at any prompt, instead of the signal ending dshell while it starts
        quiet[3] = quiet[3] & ~(termios.ECHO | termios.ICANON | termios.ISIG)
        termios.tcsetattr(fd, termios.TCSANOW, quiet)
    except (OSError, ValueError, AttributeError, termios.error):
        return None
    shown = InstantPrompt(fd, saved)
    try:
        from dshell.output.safe import safe_text

        text = "".join(
            f"\x1b[0;{_SGR[style[6:]]}m{safe_text(piece)}"
            if _SGR[style[6:]]
            else f"\x1b[0m{safe_text(piece)}"
            for style, piece in prompt_parts(session)
        )
        sys.stdout.write(f"{GREETING}\n{text}\x1b[0m")
        sys.stdout.flush()
    except Exception:  # a terminal that cannot take the text (an encoding, EIO): the line editor's own path
        shown.release()
        return None
    except BaseException:  # a signal meanwhile: the terminal as it was, then the signal goes on
        shown.release()
        raise
    return shown
