"""Where the REPL keeps its history, and reading it back without prompt-toolkit (for the ``history`` command).

The file is prompt-toolkit's ``FileHistory`` format: each entry is a ``# timestamp`` comment followed by the
entry's lines, each prefixed with ``+``.
"""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """``$XDG_DATA_HOME/dshell`` (default ``~/.local/share/dshell``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "dshell"


def history_path() -> Path:
    return data_dir() / "history"


def read_history(path: Path | None = None) -> list[str]:
    """The entries of a history file, oldest first (empty when there is none)."""
    try:
        raw = (path or history_path()).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    entries: list[str] = []
    lines: list[str] = []
    for line in raw.splitlines():
        if line.startswith("+"):
            lines.append(line[1:])
        elif lines:
            entries.append("\n".join(lines))
            lines = []
    if lines:
        entries.append("\n".join(lines))
    return entries
