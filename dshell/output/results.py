"""What handlers return: plain data for the output layer to render. No printing happens here.

A handler returns one of these (or a :class:`Result` wrapping one with errors and an exit status). Streams
are iterators, consumed by the renderer as they arrive and never collected whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Table:
    """Rows under column headers (Docker CLI header names). ``data`` is the JSON form for ``--json``."""

    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    data: Any = None


@dataclass
class Document:
    """A JSON document (inspect output, raw replies)."""

    data: Any


@dataclass
class Text:
    """Plain text, printed as it is (a newline is added if missing); on a terminal control characters are
    shown escaped (``\\x1b``), unless ``control``: the text holds dshell's own colour codes around content
    already made safe (JSON-escaped, say)."""

    text: str
    control: bool = False


@dataclass
class Lines:
    """Lines printed one by one as the iterator yields them (flushed each time: may be a live stream)."""

    lines: Iterable[str]
    stderr: bool = False
    #: the lines hold the handler's own terminal control (a live redraw, as ``stats`` draws it): printed as
    #: they are on a terminal too, so whatever came from the daemon in them must already be made safe
    control: bool = False


@dataclass
class Binary:
    """Bytes: streamed to ``path`` (through a temporary file renamed on success) or to stdout when piped.

    Refused on a terminal unless ``path`` is given, so a tar never floods the screen.
    """

    chunks: Iterable[bytes]
    path: str | None = None
    what: str = "binary data"


@dataclass
class Frames:
    """Demultiplexed output: ``(stream, payload)`` pairs, 1 = stdout, 2 = stderr (3 = daemon error)."""

    frames: Iterable[tuple[int, bytes]]


@dataclass
class Progress:
    """Docker JSON progress messages (pull, push, load, build); a message with ``error`` fails the command."""

    events: Iterable[dict[str, Any]]
    quiet: bool = False


@dataclass
class Result:
    """A body plus what else the command has to say.

    ``errors`` are printed to stderr after the body and make the status 1 unless ``status`` says otherwise.
    ``status`` may be a callable, asked after the body was rendered (a container's exit code, known only
    once its output stream has ended).
    """

    body: Any = None
    errors: list[str] = field(default_factory=list)
    status: int | Callable[[], int] | None = None

    def exit_status(self) -> int:
        status = self.status() if callable(self.status) else self.status
        if status is not None:
            return status
        return 1 if self.errors else 0
