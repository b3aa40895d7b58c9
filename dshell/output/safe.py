"""Making text from the daemon safe for a terminal: control characters shown as ``\\x1b``, never sent raw.

A container's command, a name, a label or a daemon error may hold escape sequences (``ESC [2J`` clears the
screen, an OSC sequence retitles the terminal). Everything dshell prints *for reading* — tables, error lines,
completion metas, the toolbar — goes through :func:`safe_text` at the rendering edge, and shows them as the
Docker CLI does (``\\x1b[2J``). Data passed on as data (logs, exec and attach output, ``--json``, binary
archives) is left byte-exact.
"""

from __future__ import annotations

_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(code: int) -> str:
    char = chr(code)
    if char in _SHORT:
        return _SHORT[char]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


#: C0 controls, DEL and the C1 controls (0x80-0x9f: a lone 0x9b is a CSI on some terminals).
_TABLE = {code: _escape(code) for code in (*range(0x20), 0x7F, *range(0x80, 0xA0))}
_TABLE_KEEP_NEWLINES = {code: text for code, text in _TABLE.items() if code != 0x0A}


def safe_text(text: str, *, newlines: bool = False) -> str:
    """``text`` with every control character escaped (``\\n`` kept as a line break when ``newlines``).

    Cheap for ordinary text: ``str.isprintable`` (C speed) decides whether anything needs escaping.
    """
    if text.isprintable():
        return text
    return text.translate(_TABLE_KEEP_NEWLINES if newlines else _TABLE)
