"""Split a command line with POSIX shell quoting, keeping where each word came from.

Quotes are removed exactly as a shell would (``'…'`` literal, ``"…"`` with ``\\`` escapes for ``"\\$`\\``),
so a container command keeps its arguments byte for byte. Each :class:`Token` records its span in the line,
so a command can take "the rest of the line, verbatim" (raw JSON bodies) and the completer knows what is
being typed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from dshell.errors import UsageError

_DOUBLE_ESCAPABLE = '"\\$`\n'


@dataclass(frozen=True)
class Token:
    """One word: its value after quote removal, and its ``[start, end)`` span in the line."""

    value: str
    start: int
    end: int
    quoted: bool = False


class UnterminatedQuote(UsageError):
    """The line ends inside a quote; ``token`` is the partial word (useful to the completer)."""

    def __init__(self, quote: str, token: Token) -> None:
        super().__init__(f"unterminated {quote} quote")
        self.quote = quote
        self.token = token


def iter_tokens(line: str, start: int = 0) -> Iterator[Token]:
    """Yield the words of ``line`` from ``start`` on, lazily (so a caller may stop early)."""
    i, n = start, len(line)
    while True:
        while i < n and line[i] in " \t\r\n":
            i += 1
        if i >= n:
            return
        begin = i
        buf: list[str] = []
        quoted = False
        while i < n and line[i] not in " \t\r\n":
            ch = line[i]
            if ch == "'":
                quoted = True
                close = line.find("'", i + 1)
                if close < 0:
                    buf.append(line[i + 1 :])
                    raise UnterminatedQuote("single", Token("".join(buf), begin, n, True))
                buf.append(line[i + 1 : close])
                i = close + 1
            elif ch == '"':
                quoted = True
                i += 1
                while True:
                    if i >= n:
                        raise UnterminatedQuote("double", Token("".join(buf), begin, n, True))
                    c = line[i]
                    if c == '"':
                        i += 1
                        break
                    if c == "\\" and i + 1 < n and line[i + 1] in _DOUBLE_ESCAPABLE:
                        buf.append(line[i + 1])
                        i += 2
                        continue
                    buf.append(c)
                    i += 1
            elif ch == "\\":
                if i + 1 < n:
                    buf.append(line[i + 1])
                    i += 2
                else:
                    i += 1
            else:
                buf.append(ch)
                i += 1
        yield Token("".join(buf), begin, i, quoted)


def split(line: str) -> list[Token]:
    """All words of ``line``; raises :class:`UnterminatedQuote` for an unclosed quote."""
    return list(iter_tokens(line))


def split_partial(line: str) -> tuple[list[Token], Token | None]:
    """Words for the completer: complete words, and the word under the cursor (None after a space)."""
    tokens: list[Token] = []
    try:
        for tok in iter_tokens(line):
            tokens.append(tok)
    except UnterminatedQuote as exc:
        return tokens, exc.token
    if tokens and tokens[-1].end == len(line):
        return tokens[:-1], tokens[-1]
    return tokens, None


def quote_word(word: str) -> str:
    """Quote ``word`` for a dshell (or POSIX shell) line, only when needed."""
    if word and all(c.isalnum() or c in "@%+=:,./-_" for c in word):
        return word
    return "'" + word.replace("'", "'\"'\"'") + "'"
