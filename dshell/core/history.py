"""Where the REPL keeps its history, and reading it back without prompt-toolkit (for the ``history`` command).

The file is prompt-toolkit's ``FileHistory`` format: each entry is a ``# timestamp`` comment followed by the
entry's lines, each prefixed with ``+``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dshell.core.commands import CommandRegistry


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


#: Keys of a request body, or ``NAME=value`` words, whose value is a secret (``{"password": …}``,
#: ``"IdentityToken": …``, ``DB_PASSWORD=…``): a line holding one is never written to the history.
SECRET_KEY = re.compile(
    r"""(?ix) ["']? [\w.-]* (?:password|passwd|secret|token) [\w.-]* ["']? \s* [:=]
    | ["']auth["'] \s* :"""
)


def tolerant_words(line: str) -> list[str]:
    """The words of ``line`` as the lexer reads them; an unclosed quote ends the line as one more word."""
    from dshell.core.lexer import UnterminatedQuote, iter_tokens

    words: list[str] = []
    try:
        for token in iter_tokens(line):
            words.append(token.value)
    except UnterminatedQuote as exc:
        words.append(exc.token.value)
    return words


def is_secret_line(registry: CommandRegistry, line: str, *, depth: int = 0) -> bool:
    """True when ``line`` must stay out of the history.

    Decided on the raw words, even when the line does not parse (``login -p "SECRET …`` with an unclosed
    quote): the command it runs after alias expansion is declared ``secret`` (``login``); it defines an alias
    whose expansion is such a line (``alias li = login -p SECRET``); or it holds a ``password``/``secret``/
    ``token`` key or ``NAME=value`` (raw ``post /auth {"password": …}`` bodies).
    """
    from dshell.core.aliases import MAX_DEPTH, is_alias

    if SECRET_KEY.search(line):
        return True
    words = tolerant_words(line)
    if words and words[0].startswith("@"):
        words = words[1:]  # a daemon target
    if words and words[0] == "docker" and "docker" not in registry:
        words = words[1:]
    if not words or depth > MAX_DEPTH:
        return False
    found = registry.lookup(words[:3])
    if found is None:
        return False
    command, used = found
    if command.secret:
        return True
    rest = words[used:]
    if is_alias(command):
        expansion = getattr(command.handler, "expansion", "")
        return is_secret_line(registry, " ".join([expansion, *map(quote_for_check, rest)]), depth=depth + 1)
    if command.name == "alias" and rest:
        text = " ".join(rest)
        _name, _sep, after = text.partition("=")
        candidates = [after, " ".join(rest[1:]), *rest[1:]]
        return any(c.strip() and is_secret_line(registry, c, depth=depth + 1) for c in candidates)
    return False


def quote_for_check(word: str) -> str:
    from dshell.core.lexer import quote_word

    return quote_word(word)
