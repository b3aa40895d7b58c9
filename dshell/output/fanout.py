"""One command's results from several daemons (``@all ps``), put together for the screen.

Pure functions, no threads: :mod:`dshell.core.targets` runs the handlers and hands over what each daemon
returned. Tables merge into one table with a leading ``HOST`` column; JSON documents merge into one array,
each document marked with its daemon (``"Daemon": NAME``); streams and text are cut into lines, each line
prefixed with its daemon's name (``web | …``), so several ``logs -f`` or ``events`` interleave readably.
``-q`` output (bare ids) stays bare, one per line, so it composes with other tools.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from dshell.output.progress import progress_error
from dshell.output.render import table_data
from dshell.output.results import Binary, Document, Frames, Lines, Progress, Result, Table, Text

#: The key that marks a document with the daemon it came from.
DAEMON_KEY = "Daemon"
#: The leading column of a merged table.
HOST_COLUMN = "HOST"


@dataclass(frozen=True)
class Piece:
    """Something one daemon produced, in the order it arrived.

    ``kind``: ``table`` / ``document`` (``value`` holds it, collected and merged at the end), ``line``
    (``value`` is the text, ``stderr`` where it goes) or ``error`` (a message for stderr).
    """

    kind: str
    value: Any
    stderr: bool = False


class Unmergeable(Exception):
    """A body that cannot come from several daemons at once (binary data)."""


def mark(name: str, data: Any) -> Any:
    """``data`` marked with its daemon: a copy of an object with ``Daemon`` added; anything else wrapped."""
    if isinstance(data, dict):
        return {DAEMON_KEY: name, **data}
    return {DAEMON_KEY: name, "Data": data}


def marked_list(parts: Sequence[tuple[str, Any]]) -> list[Any]:
    """One JSON array from several daemons' documents (a list contributes each of its elements)."""
    out: list[Any] = []
    for name, data in parts:
        items = data if isinstance(data, list) else [data]
        out.extend(mark(name, item) for item in items)
    return out


def merge_tables(parts: Sequence[tuple[str, Table]]) -> Table:
    """One table: a leading ``HOST`` column, the rows of each daemon in turn; the JSON form marked.

    The columns are the first table's (the same command gives the same columns on every daemon).
    """
    if not parts:
        return Table([], [])
    columns = [HOST_COLUMN, *parts[0][1].columns]
    rows = [[name, *row] for name, table in parts for row in table.rows]
    data = marked_list([(name, table_data(table)) for name, table in parts])
    return Table(columns, rows, data)


def merge_documents(parts: Sequence[tuple[str, Document]]) -> Document:
    """One document: every daemon's documents in one array, each marked with its daemon."""
    return Document(marked_list([(name, doc.data) for name, doc in parts]))


def prefixer(names: Sequence[str]) -> Callable[[str, str], str]:
    """``(name, line) -> "name | line"`` with the names padded to one width."""
    width = max((len(n) for n in names), default=0)

    def prefix(name: str, line: str) -> str:
        return f"{name:<{width}} | {line}"

    return prefix


def pieces(body: Any, *, stop: Callable[[], bool] = lambda: False) -> Iterator[Piece]:
    """What one daemon's handler returned, as pieces: consumes its streams as they arrive (run it in the
    daemon's own thread). ``stop`` is asked between items (Ctrl-C in the main thread)."""
    if body is None:
        return
    if isinstance(body, Result):
        yield from pieces(body.body, stop=stop)
        for error in body.errors:
            yield Piece("error", error)
    elif isinstance(body, Table):
        yield Piece("table", Table(body.columns, [list(r) for r in body.rows], body.data))
    elif isinstance(body, Document):
        yield Piece("document", body)
    elif isinstance(body, Text):
        for line in body.text.splitlines():
            yield Piece("line", line)
    elif isinstance(body, Lines):
        for line in body.lines:
            if stop():
                return
            yield Piece("line", line, body.stderr)
    elif isinstance(body, Frames):
        yield from _frame_lines(body, stop)
    elif isinstance(body, Progress):
        yield from _progress_lines(body, stop)
    elif isinstance(body, Binary):
        raise Unmergeable(f"{body.what} cannot come from several daemons at once: use @NAME")
    elif isinstance(body, list | tuple):
        for part in body:
            yield from pieces(part, stop=stop)
    else:
        raise Unmergeable(f"a {type(body).__name__} cannot come from several daemons at once: use @NAME")


def _frame_lines(body: Frames, stop: Callable[[], bool]) -> Iterator[Piece]:
    """Demuxed frames cut into lines (a partial line waits for its end, per stream)."""
    partial = {1: b"", 2: b""}
    for stream, payload in body.frames:
        if stream == 3:
            yield Piece("error", payload.decode(errors="replace").strip())
            return
        key = 2 if stream == 2 else 1
        data = partial[key] + payload
        *complete, partial[key] = data.split(b"\n")
        for raw in complete:
            yield Piece("line", raw.decode(errors="replace").rstrip("\r"), key == 2)
        if stop():
            return
    for key, rest in partial.items():
        if rest:
            yield Piece("line", rest.decode(errors="replace"), key == 2)


def _progress_lines(body: Progress, stop: Callable[[], bool]) -> Iterator[Piece]:
    """Progress messages as plain lines (each layer's status once per change); an error fails."""
    last: dict[str, str] = {}
    for event in body.events:
        error = progress_error(event)
        if error:
            yield Piece("error", error)
            return
        if stop():
            return
        if body.quiet:
            continue
        if "stream" in event:
            for line in str(event["stream"]).splitlines():
                yield Piece("line", line)
            continue
        status = event.get("status")
        ident = event.get("id")
        if not status or (ident and last.get(ident) == status):
            continue
        if ident:
            last[ident] = status
        yield Piece("line", f"{ident}: {status}" if ident else str(status))
