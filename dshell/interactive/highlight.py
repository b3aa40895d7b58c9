"""Syntax highlighting of the command line: the command, flags, quoted strings, ``@host`` targets, ``!cmd``.

:func:`line_fragments` is pure (a line -> ``(style class, text)`` pairs covering it exactly); the
prompt-toolkit :class:`CommandLexer` only adapts it, so it is tested without a terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.lexers import Lexer

from dshell.core.lexer import Token, UnterminatedQuote, iter_tokens

if TYPE_CHECKING:
    from dshell.core.commands import CommandRegistry

#: prompt-toolkit style rules for the classes used here, the prompt and the toolbar.
STYLE_RULES = {
    "command": "bold ansigreen",
    "command.unknown": "ansired",
    "flag": "ansicyan",
    "string": "ansiyellow",
    "host": "bold ansimagenta",
    "shell": "ansiblue",
    "prompt": "",
    "prompt.daemon": "bold",
    "prompt.status": "ansired bold",
    "bottom-toolbar": "noreverse bg:#303030 #d0d0d0",
    "bottom-toolbar.ok": "noreverse bg:#303030 ansigreen",
    "bottom-toolbar.warn": "noreverse bg:#303030 ansiyellow",
}


def _tokens(line: str) -> list[Token]:
    out: list[Token] = []
    try:
        for tok in iter_tokens(line):
            out.append(tok)
    except UnterminatedQuote as exc:
        out.append(exc.token)
    return out


def line_fragments(registry: CommandRegistry, line: str) -> list[tuple[str, str]]:
    """Style classes for each part of ``line``; the texts joined give ``line`` back exactly."""
    if line.lstrip().startswith("!"):
        return [("class:shell", line)]
    tokens = _tokens(line)
    styled: list[tuple[int, int, str]] = []
    while tokens and tokens[0].value.startswith("@") and not tokens[0].quoted:
        styled.append(
            (tokens[0].start, tokens[0].end, "class:host")
        )  # ``@prod ps``: a target, then the command
        tokens = tokens[1:]
    if tokens:
        words = [t.value for t in tokens[:3]]
        found = registry.lookup(words)
        used = found[1] if found else 1
        for tok in tokens[:used]:
            styled.append((tok.start, tok.end, "class:command" if found else "class:command.unknown"))
        for tok in tokens[used:]:
            raw = line[tok.start : tok.end]
            if tok.quoted or raw[:1] in "'\"":
                styled.append((tok.start, tok.end, "class:string"))
            elif raw.startswith("-") and len(raw) > 1:
                name, eq, _ = raw.partition("=")
                styled.append((tok.start, tok.start + len(name), "class:flag"))
                if eq:
                    styled.append((tok.start + len(name), tok.end, ""))
            elif raw.startswith("@") and len(raw) > 1:
                styled.append((tok.start, tok.end, "class:host"))
            else:
                styled.append((tok.start, tok.end, ""))
    out: list[tuple[str, str]] = []
    pos = 0
    for start, end, style in styled:
        if start > pos:
            out.append(("", line[pos:start]))
        out.append((style, line[start:end]))
        pos = end
    if pos < len(line):
        out.append(("", line[pos:]))
    return out


class CommandLexer(Lexer):
    """prompt-toolkit lexer over :func:`line_fragments`."""

    def __init__(self, registry: CommandRegistry) -> None:
        self.registry = registry

    def lex_document(self, document: Document) -> Callable[[int], StyleAndTextTuples]:
        lines = document.lines

        def get_line(number: int) -> StyleAndTextTuples:
            if number >= len(lines):
                return []
            return list(line_fragments(self.registry, lines[number]))

        return get_line
