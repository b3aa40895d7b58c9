"""Docker progress messages on a terminal: one live line per layer, with a bar, as the Docker CLI draws them.

:func:`write_progress` is what the output layer calls for a :class:`~dshell.output.results.Progress` body. On a
terminal it keeps one line per layer id and rewrites it in place (cursor up, clear line, redraw, cursor back
down: the CLI's ``jsonmessage`` algorithm), with a ``[=====>    ]  12.3MB/45.6MB`` bar computed from
``progressDetail``. Anywhere else (a pipe, a file, ``TERM=dumb``) it falls back to
:func:`write_progress_plain`: each layer's status once per change, no ticks.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TextIO

from dshell.errors import CommandFailed

if TYPE_CHECKING:
    from dshell.output.console import Console
    from dshell.output.results import Progress

__all__ = ["LayerBoard", "format_bar", "use_bars", "write_progress"]

_CLEAR_LINE = "\x1b[2K"


def use_bars(console: Console) -> bool:
    """Bars only on a real terminal that understands cursor movement."""
    return console.is_tty and os.environ.get("TERM") != "dumb"


def _width(stream: TextIO) -> int:
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        columns = 0
    return columns if columns > 0 else shutil.get_terminal_size((80, 24)).columns


def format_bar(current: int, total: int, width: int = 50) -> str:
    """``[=========>        ]  1.2MB/3.4MB`` (only the size when the total is unknown, as the CLI does)."""
    from dshell.output.humanize import human_size

    if total <= 0:
        return human_size(current) if current > 0 else ""
    current = min(current, total)
    filled = width * current // total
    bar = "=" * filled + (">" if filled < width else "") + " " * max(width - filled - 1, 0)
    return f"[{bar}] {human_size(current):>8}/{human_size(total)}"


def progress_error(event: dict[str, Any]) -> str | None:
    """The error text of a progress message, if it is one."""
    if "error" in event or "errorDetail" in event:
        detail = event.get("errorDetail") or {}
        return str(event.get("error") or detail.get("message") or "unknown error")
    return None


def write_progress_plain(body: Progress, console: Console) -> None:
    """Progress as plain lines: each layer's status once per change, no progress-bar ticks."""
    last: dict[str, str] = {}
    for event in body.events:
        error = progress_error(event)
        if error:
            raise CommandFailed(error)
        if "stream" in event:
            if not body.quiet:
                console.write(str(event["stream"]), flush=True)
            continue
        status = event.get("status")
        if not status or body.quiet:
            continue
        ident = event.get("id")
        if ident:
            if last.get(ident) == status:
                continue
            last[ident] = status
            console.write(f"{ident}: {status}\n", flush=True)
        else:
            console.write(f"{status}\n", flush=True)


class LayerBoard:
    """The lines of one progress display: which id lives on which line, and how to redraw it."""

    def __init__(self, out: TextIO, width: int) -> None:
        self.out = out
        self.width = max(width, 20)
        self.lines: dict[str, int] = {}

    def text(self, event: dict[str, Any]) -> str:
        """The line shown for a positional message: ``id: status [bar] sizes``."""
        detail = event.get("progressDetail") or {}
        status = str(event.get("status") or "")
        bar_width = max(min(50, self.width - len(status) - 40), 10)
        bar = ""
        if isinstance(detail, dict) and ("current" in detail or "total" in detail):
            bar = format_bar(int(detail.get("current") or 0), int(detail.get("total") or 0), bar_width)
        elif event.get("progress"):
            bar = str(event["progress"])
        line = f"{event['id']}: {status}" + (f" {bar}" if bar else "")
        return line[: self.width - 1]

    def show(self, event: dict[str, Any]) -> None:
        """Draw one message: positional ones on their layer's line, others as a new line."""
        write = self.out.write
        ident = event.get("id")
        positional = bool(ident) and ("progressDetail" in event or "progress" in event)
        if not positional:
            self.lines.clear()  # later layers start a new block (pull -a: one block per tag)
            if "stream" in event:
                write(str(event["stream"]))
            else:
                status = str(event.get("status") or "")
                if not status:
                    return
                write((f"{ident}: {status}" if ident else status) + "\n")
            self.out.flush()
            return
        line = self.lines.get(ident)  # type: ignore[arg-type]
        if line is None:
            line = len(self.lines)
            self.lines[ident] = line  # type: ignore[index]
            write("\n")
        up = len(self.lines) - line
        write(f"\x1b[{up}A{_CLEAR_LINE}\r{self.text(event)}\r\x1b[{up}B")
        self.out.flush()


def _draw(events: Iterable[dict[str, Any]], console: Console, quiet: bool) -> None:
    board = LayerBoard(console.stdout, _width(console.stdout))
    for event in events:
        error = progress_error(event)
        if error:
            raise CommandFailed(error)
        if not quiet:
            board.show(event)


def write_progress(body: Progress, console: Console) -> None:
    """Render progress messages: live bars on a terminal, plain lines elsewhere."""
    if not use_bars(console):
        write_progress_plain(body, console)
        return
    _draw(body.events, console, body.quiet)
