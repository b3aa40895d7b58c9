"""Turn the words after a command's name into a :class:`~dshell.core.commands.Namespace`, from its declaration.

Docker CLI (pflag) conventions: ``-abc`` clusters, ``-n5`` / ``-n 5`` / ``--last=5``, ``--`` ends options,
options may follow positionals unless the command is declared ``interspersed=False`` (``run IMAGE CMD…``,
where everything after the image belongs to the container).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dshell.core.commands import Argument, Command, Namespace, Option
from dshell.core.lexer import Token, UnterminatedQuote, iter_tokens
from dshell.core.settings import parse_bool
from dshell.errors import UsageError


class HelpRequested(Exception):
    """``CMD -h`` / ``CMD --help`` was typed."""

    def __init__(self, command: Command) -> None:
        super().__init__(command.name)
        self.command = command


def suggest(word: str, candidates: list[str]) -> str:
    """`` (did you mean …?)`` text, or empty: at most two close candidates, the fewest edits first.

    Candidates within a few edits (a swapped pair of letters counts one) or similar enough by difflib's ratio
    qualify; they rank by edit distance, then by how far their length is from the word's, then by ratio, so
    ``imagse`` suggests ``images`` before ``image``.
    """
    import difflib  # only on an unknown word: not on every start-up

    ranked: list[tuple[int, int, float, str]] = []
    for cand in set(candidates):
        distance = edit_distance(word, cand)
        ratio = difflib.SequenceMatcher(None, word, cand).ratio()
        if distance <= max(1, len(word) // 3) or ratio >= 0.6:
            ranked.append((distance, abs(len(cand) - len(word)), -ratio, cand))
    close = [c for *_, c in sorted(ranked)[:2]]
    return f" (did you mean {' or '.join(close)}?)" if close else ""


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[len(b)]


def _usage_error(command: Command, message: str) -> UsageError:
    return UsageError(f"{command.name}: {message}", hint=f"see '{command.name} --help'")


def _convert(command: Command, opt: Option | Argument, label: str, raw: str) -> Any:
    if opt.choices and raw not in opt.choices:
        raise _usage_error(
            command, f"invalid value {raw!r} for {label}: choose from {', '.join(opt.choices)}"
        )
    try:
        return opt.type(raw)
    except (ValueError, TypeError) as exc:
        raise _usage_error(command, f"invalid value {raw!r} for {label}: {exc}") from None


def _store(command: Command, values: dict[str, Any], opt: Option, label: str, raw: str) -> None:
    value = _convert(command, opt, label, raw)
    if opt.repeat:
        values[opt.dest].append(value)
    else:
        values[opt.dest] = value


def _bool_value(command: Command, label: str, raw: str) -> bool:
    try:
        return parse_bool(raw)
    except ValueError:
        raise _usage_error(command, f"invalid value {raw!r} for {label}: expected true or false") from None


def parse_args(command: Command, line: str, start: int = 0) -> Namespace:
    """Parse ``line[start:]`` (the words after the command name) against ``command``'s declaration."""
    values: dict[str, Any] = {opt.dest: opt.initial for opt in command.options}
    words: list[str] = []
    raw_text: str | None = None
    raw_index = next((i for i, a in enumerate(command.arguments) if a.nargs == "raw"), None)
    rest_index = next((i for i, a in enumerate(command.arguments) if a.nargs == "..."), None)
    verbatim = _verbatim_positions(command)
    options_done = False
    tokens = _guarded(iter_tokens(line, start), line, raw_index, words)
    for tok in tokens:
        if raw_index is not None and len(words) == raw_index and (options_done or not _is_option(tok)):
            raw_text = _raw_rest(line, tok)
            break
        if options_done or not _is_option(tok):
            words.append(_as_typed(line, tok) if len(words) in verbatim else tok.value)
            if not command.interspersed or (rest_index is not None and len(words) > rest_index):
                options_done = True
            continue
        if tok.value == "--":
            options_done = True
            continue
        if tok.value.startswith("--"):
            name, eq, inline = tok.value.partition("=")
            opt = command.find_option(name)
            if opt is None:
                longs = [f for f in command.flags if f.startswith("--")]
                raise _usage_error(command, f"unknown flag: {name}{suggest(name, longs)}")
            if opt.dest == "help":
                raise HelpRequested(command)
            if opt.takes_value:
                raw = inline if eq else _next_value(command, tokens, name)
                _store(command, values, opt, name, raw)
            else:
                values[opt.dest] = _bool_value(command, name, inline) if eq else True
            continue
        cluster = tok.value[1:]
        for pos, ch in enumerate(cluster):
            name = "-" + ch
            opt = command.find_option(name)
            if opt is None:
                raise _usage_error(command, f"unknown shorthand flag: {ch!r} in {tok.value}")
            if opt.dest == "help":
                raise HelpRequested(command)
            if opt.takes_value:
                tail = cluster[pos + 1 :]
                raw = tail[1:] if tail.startswith("=") else tail
                if not tail:
                    raw = _next_value(command, tokens, name)
                _store(command, values, opt, name, raw)
                break
            values[opt.dest] = True
    _assign_positionals(command, words, raw_text, values)
    return Namespace(values)


class _RawFrom(Token):
    """A marker token: the line could not be split from here, but a raw argument takes it as typed."""


def _guarded(tokens: Iterator[Token], line: str, raw_index: int | None, words: list[str]) -> Iterator[Token]:
    try:
        yield from tokens
    except UnterminatedQuote as exc:
        if raw_index is None or len(words) != raw_index:
            raise
        yield _RawFrom(line[exc.token.start :], exc.token.start, len(line), False)


def _is_option(tok: Token) -> bool:
    v = tok.value
    return not tok.quoted and len(v) > 1 and v.startswith("-")


def _next_value(command: Command, tokens: Any, name: str) -> str:
    try:
        return str(next(tokens).value)
    except StopIteration:
        raise _usage_error(command, f"flag needs an argument: {name}") from None


def _raw_rest(line: str, tok: Token) -> str:
    """The rest of the line from ``tok`` as typed; a single word that is one quoted string is unquoted.

    ``{"Name":"x"}`` keeps its quotes (it is not one quoted string); ``'{"Name": "x"}'`` loses the outer ones.
    """
    text = line[tok.start :].strip()
    if isinstance(tok, _RawFrom):
        return text
    if line[tok.end :].strip() == "" and whole_quoted(line[tok.start : tok.end]):
        return tok.value
    return text


def _verbatim_positions(command: Command) -> set[int]:
    """Word positions of ``verbatim`` arguments (those before any optional or variadic argument)."""
    out: set[int] = set()
    for i, arg in enumerate(command.arguments):
        if arg.nargs != "1":
            break
        if arg.verbatim:
            out.add(i)
    return out


def _as_typed(line: str, tok: Token) -> str:
    """A verbatim word: as typed, unless it is one quoted string (then unquoted, as any word)."""
    text = line[tok.start : tok.end]
    return tok.value if whole_quoted(text) else text


def whole_quoted(text: str) -> bool:
    """True when ``text`` is exactly one quoted string: ``'…'`` or ``"…"`` (with ``\\"`` escapes inside)."""
    if len(text) < 2 or text[0] not in "'\"":
        return False
    if text[0] == "'":
        return text.find("'", 1) == len(text) - 1
    i = 1
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            i += 2
            continue
        if c == '"':
            return i == len(text) - 1
        i += 1
    return False


def _assign_positionals(
    command: Command, words: list[str], raw_text: str | None, values: dict[str, Any]
) -> None:
    args = command.arguments
    idx = 0
    for i, arg in enumerate(args):
        if arg.nargs == "raw":
            values[arg.dest] = raw_text
            continue
        later_min = sum(a.minimum for a in args[i + 1 :])
        available = len(words) - idx - later_min
        if arg.nargs == "1":
            if available < 1:
                raise _usage_error(command, f"missing argument {arg.metavar}")
            values[arg.dest] = _convert(command, arg, arg.metavar, words[idx])
            idx += 1
        elif arg.nargs == "?":
            if available >= 1:
                values[arg.dest] = _convert(command, arg, arg.metavar, words[idx])
                idx += 1
            else:
                values[arg.dest] = None
        else:
            take = max(available, 0)
            if arg.nargs == "+" and take < 1:
                raise _usage_error(command, f"requires at least 1 {arg.metavar}")
            if arg.nargs == "...":
                values[arg.dest] = words[idx : idx + take]
            else:
                values[arg.dest] = [_convert(command, arg, arg.metavar, w) for w in words[idx : idx + take]]
            idx += take
    if idx < len(words):
        extra = " ".join(words[idx:])
        raise _usage_error(command, f"too many arguments: {extra}")
