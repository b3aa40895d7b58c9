"""Colour for a terminal, as pure functions: JSON highlighting and container states in tables.

Nothing here decides *whether* to colour: :mod:`dshell.output.display` does (a terminal, ``NO_COLOR`` unset, ``set
color on``). These functions only add ANSI SGR codes to text the pure renderers of :mod:`dshell.output.render` made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from dshell.output.render import COLUMN_GAP, format_table

RESET = "\x1b[0m"
KEY = "\x1b[1;34m"
STRING = "\x1b[32m"
NUMBER = "\x1b[36m"
BOOLEAN = "\x1b[33m"
NULL = "\x1b[2m"
GREEN = "\x1b[32m"
YELLOW = "\x1b[33m"
RED = "\x1b[31m"
CYAN = "\x1b[36m"
DIM = "\x1b[2m"

#: Columns whose cells are container states.
STATE_COLUMNS = ("STATUS", "STATE")

_JSON_TOKEN = re.compile(
    r'(?P<string>"(?:[^"\\]|\\.)*")(?P<colon>\s*:)?'
    r"|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<boolean>\btrue\b|\bfalse\b)"
    r"|(?P<null>\bnull\b)"
)


def paint(text: str, code: str | None) -> str:
    return f"{code}{text}{RESET}" if code and text else text


def highlight_json(text: str) -> str:
    """Colour keys, strings, numbers, booleans and null in JSON text (as ``format_json`` makes it), for a
    terminal: what JSON leaves unescaped that a terminal would act on (DEL, C1 controls such as ``\\x9b``) is
    shown escaped first, so only dshell's own colour codes reach it."""
    from dshell.output.safe import safe_text

    text = safe_text(text, newlines=True)

    def sub(m: re.Match[str]) -> str:
        if m.group("string") is not None:
            if m.group("colon") is not None:
                return paint(m.group("string"), KEY) + m.group("colon")
            return paint(m.group("string"), STRING)
        if m.group("number") is not None:
            return paint(m.group("number"), NUMBER)
        if m.group("boolean") is not None:
            return paint(m.group("boolean"), BOOLEAN)
        return paint(m.group("null"), NULL)

    return _JSON_TOKEN.sub(sub, text)


def state_color(cell: str) -> str | None:
    """The colour of a container state or status (``running``, ``Up 3 minutes``, ``Exited (1) …``)."""
    low = cell.strip().lower()
    if not low:
        return None
    if "unhealthy" in low or "paused" in low or low.startswith("restarting"):
        return YELLOW
    if low.startswith("up") or low == "running":
        return GREEN
    if low.startswith("exited"):
        m = re.match(r"exited \((\d+)\)", low)
        return DIM if m is None or m.group(1) == "0" else RED
    if low == "exited":
        return DIM
    if low.startswith(("dead", "removal", "removing")):
        return RED
    if low.startswith("created"):
        return CYAN
    return None


def color_table(columns: Sequence[str], rows: Iterable[Sequence[Any]], *, style: str = "docker") -> str:
    """A table as :func:`~dshell.output.render.format_table` draws it, with state cells coloured."""
    from dshell.output.render import _cell, column_width
    from dshell.output.safe import safe_text

    # escaped first (as format_table does), so that only dshell's own colour codes reach the terminal
    rows = [[None if v is None else safe_text(v if type(v) is str else _cell(v)) for v in r] for r in rows]
    targets = [i for i, c in enumerate(columns) if c.upper() in STATE_COLUMNS]
    if not targets:
        return format_table(columns, rows, style=style)
    if style != "docker":  # tabulate measures widths without the escape codes
        painted = [
            [
                paint(str(v), state_color(str(v))) if i in targets and v is not None else v
                for i, v in enumerate(r)
            ]
            for r in rows
        ]
        return format_table(columns, painted, style=style, escape=False)
    text = format_table(columns, rows, style=style)
    lines = text.split("\n")
    cells = [["" if v is None else str(v) for v in r] for r in rows]
    widths = [len(c) for c in columns]
    for r in cells:
        for i, v in enumerate(r):
            widths[i] = max(widths[i], len(v))
    offsets = []
    pos = 0
    for w in widths:
        offsets.append(pos)
        pos += column_width(w) + len(COLUMN_GAP)
    out = [lines[0]]
    for plain, r in zip(lines[1:], cells, strict=False):
        line = plain
        for i in sorted(targets, reverse=True):
            if i >= len(r):
                continue
            start, cell = offsets[i], r[i]
            if line[start : start + len(cell)] == cell:
                line = line[:start] + paint(cell, state_color(cell)) + line[start + len(cell) :]
        out.append(line)
    return "\n".join(out)
