"""The screen around the pure renderers: colour and the (opt-in) pager, for tables and JSON documents.

:func:`install` wraps the built-in ``table`` and ``json`` output modes of a session. The wrapper colours only
when the console is a terminal, ``NO_COLOR`` is unset, ``TERM`` is not ``dumb`` and ``set color`` is on; it
pages only with ``set pager on``, in the REPL, on a terminal, when the text is taller than the screen. Streams
(logs, events, progress) are never paged or recoloured: they go to the wrapped renderer as they are.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from dshell.output.render import (
    Renderer,
    format_json,
    format_table,
    render_json_mode,
    render_table_mode,
    table_data,
)
from dshell.output.results import Document, Table

if TYPE_CHECKING:
    from dshell.core.session import Session
    from dshell.output.console import Console
    from dshell.output.render import RenderContext


class ScreenRenderer:
    """A renderer that colours and pages tables and documents, and leaves every other body to ``base``."""

    def __init__(self, session: Session, base: Renderer, mode: str) -> None:
        self.session = session
        self.base = base
        self.mode = mode

    def __call__(self, body: Any, ctx: RenderContext) -> None:
        if not isinstance(body, Table | Document):
            self.base(body, ctx)
            return
        color = bool(self.session.settings.get("color", True)) and ctx.console.color
        pager = (
            bool(self.session.settings.get("pager", False)) and ctx.console.interactive and ctx.console.is_tty
        )
        if not color and not pager:
            self.base(body, ctx)
            return
        text = self.text(body, ctx, color)
        if text is None:
            return
        if pager and page(text, ctx.console):
            return
        ctx.console.line(text)

    def text(self, body: Table | Document, ctx: RenderContext, color: bool) -> str | None:
        """What the wrapped mode would print, coloured when ``color``."""
        from dshell.output import colors

        if isinstance(body, Table) and self.mode == "table":
            if not (body.rows or body.columns):
                return None
            if color:
                return colors.color_table(body.columns, body.rows, style=ctx.table_format)
            return format_table(body.columns, body.rows, style=ctx.table_format)
        data = table_data(body) if isinstance(body, Table) else body.data
        text = format_json(data)
        return colors.highlight_json(text) if color else text


def install(session: Session) -> None:
    """Wrap the session's ``table`` and ``json`` modes (only if they are still the built-in ones)."""
    for mode, builtin in (("table", render_table_mode), ("json", render_json_mode)):
        if mode in set(session.renderers) and session.renderers.get(mode) is builtin:
            session.renderers.add(mode, ScreenRenderer(session, builtin, mode))


def pager_command() -> list[str]:
    """``$PAGER`` split like a shell would, else ``less -R``."""
    import shlex

    return shlex.split(os.environ.get("PAGER") or "") or ["less", "-R"]


def page(text: str, console: Console) -> bool:
    """Show ``text`` through the pager if it is taller than the terminal; False when it printed nothing."""
    import shutil
    import subprocess

    rows = shutil.get_terminal_size().lines
    if text.count("\n") + 1 < rows - 1:
        return False
    try:
        console.stdout.flush()
        subprocess.run(pager_command(), input=(text + "\n").encode(), check=False)
    except OSError:
        return False  # no such pager: print instead
    except KeyboardInterrupt:
        pass
    return True
