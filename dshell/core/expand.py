"""Expand ``$…`` in a command line, text to text, before the line is split into words.

Forms: ``$NAME`` / ``${NAME}`` (a variable; a capture gives its id, name or text), ``${NAME.Field.Path}``,
``${NAME[0].Id}`` and ``${NAME | JMESPATH}`` (a field of a capture, the same JMESPath ``--query`` takes),
``${env.HOME}``, ``$(COMMAND)`` (a dshell command's words, spliced), ``$?`` (the last exit status), ``$_``
(the last result), ``$1`` … ``$9`` / ``${10}``, ``$#`` and ``$@`` (script parameters).

Quoting follows sh: nothing expands inside single quotes, ``\\$`` is a literal ``$``, and inside double
quotes a value stays one word. Each expansion is written back *quoted* (``quote_word``), so a value with
spaces or quotes is one word to the lexer and is never expanded again. Errors name the token and its column.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dshell.core.lexer import quote_word
from dshell.core.variables import Capture, inspect, scalar_of, state
from dshell.errors import DshellError, UsageError

if TYPE_CHECKING:
    from dshell.core.session import Session

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BRACED = re.compile(r"\s*(\?|#|@|\d+|[A-Za-z_][A-Za-z0-9_]*)(.*)\Z", re.S)
_SIMPLE_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*\Z")


class ExpansionError(UsageError):
    """A ``$…`` that cannot be expanded; the message names the token and its column."""

    def __init__(self, message: str, token: str, column: int) -> None:
        super().__init__(f"{message}: {token} (column {column})")
        self.token = token
        self.column = column


def needs_expansion(text: str) -> bool:
    return "$" in text


def query(data: Any, path: str) -> Any:
    """``path`` (a dotted field path or any JMESPath expression) applied to ``data``; None when missing.

    A result holding one document stands for that document (``inspect web`` gives a list of one).
    Raises :class:`ValueError` for a JMESPath expression that does not parse.
    """
    if isinstance(data, list) and len(data) == 1 and not path.startswith("["):
        data = data[0]
    if _SIMPLE_PATH.match(path):
        for part in path.split("."):
            if isinstance(data, dict):
                data = data.get(part)
            elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
                data = data[int(part)]
            else:
                return None
        return data
    return jmespath_search(path, data)


def jmespath_search(expression: str, data: Any) -> Any:
    """JMESPath (imported on first use); ValueError with the library's message for a bad expression."""
    import jmespath  # type: ignore[import-untyped]
    from jmespath.exceptions import JMESPathError  # type: ignore[import-untyped]

    try:
        return jmespath.search(expression, data)
    except JMESPathError as exc:
        text = str(exc).strip().splitlines()
        raise ValueError(text[0] if text else type(exc).__name__) from None


def value_words(value: Any) -> list[str]:
    """A field's value as words: a list of scalars splices one word each, anything else is one word."""
    if isinstance(value, list) and all(isinstance(v, str | int | float | bool) for v in value):
        return [scalar_of(v) for v in value]
    if isinstance(value, dict | list):
        return [json.dumps(value, separators=(",", ":"), ensure_ascii=False)]
    if isinstance(value, str):
        return [value]
    return [scalar_of(value)]


@dataclass
class Expander:
    """Expands one line for ``session``. ``substitute`` runs the line inside ``$(…)`` and returns its words;
    ``live`` makes field paths of captured objects always re-inspect them (``wait-until``)."""

    session: Session
    substitute: Callable[[str], list[str]]
    live: bool = False
    offset: int = 0
    #: A raw body (JSON, ``key=value`` pairs): ``'`` is no quote, ``\\$`` is a literal ``$``, a bare ``$WORD``
    #: that is no dshell variable stays as it is, and values are written as they are (JSON-escaped inside
    #: double quotes), since the lexer never reads the body.
    body: bool = False

    def expand(self, text: str) -> str:
        out: list[str] = []
        i, n = 0, len(text)
        in_double = False
        while i < n:
            ch = text[i]
            if self.body and ch == "\\" and text[i + 1 : i + 2] == "$":
                out.append("$")
                i += 2
            elif ch == "'" and not in_double and not self.body:
                close = text.find("'", i + 1)
                end = n if close < 0 else close + 1
                out.append(text[i:end])
                i = end
            elif ch == '"':
                in_double = not in_double
                out.append(ch)
                i += 1
            elif ch == "\\":
                out.append(text[i : i + 2])
                i += 2
            elif ch == "$":
                words, end = self._expansion(text, i)
                if words is None:
                    out.append("$")
                    i += 1
                    continue
                if self.body:
                    joined = " ".join(words)
                    out.append(json.dumps(joined, ensure_ascii=False)[1:-1] if in_double else joined)
                elif in_double:
                    out.append(_double_quoted(" ".join(words)))
                else:
                    out.append(" ".join(quote_word(w) for w in words))
                i = end
            else:
                out.append(ch)
                i += 1
        return "".join(out)

    # -- one expansion ----------------------------------------------------------------------------------

    def _error(self, message: str, token: str, at: int) -> ExpansionError:
        return ExpansionError(message, token, self.offset + at + 1)

    def _expansion(self, text: str, i: int) -> tuple[list[str] | None, int]:
        """The words of the expansion starting at ``text[i] == '$'`` and where it ends (None: a plain ``$``)."""
        nxt = text[i + 1 : i + 2]
        if nxt == "(":
            end = _closing_paren(text, i + 2)
            if end < 0:
                raise self._error("unterminated $(", _snippet(text[i:]), i)
            inner = text[i + 2 : end]
            if not inner.strip():
                raise self._error("empty command substitution", text[i : end + 1], i)
            return self.substitute(inner), end + 1
        if nxt == "{":
            end = _closing_brace(text, i + 2)
            if end < 0:
                raise self._error("unterminated ${", _snippet(text[i:]), i)
            token = text[i : end + 1]
            found = _BRACED.match(text[i + 2 : end])
            if found is None:
                raise self._error("bad variable expansion", token, i)
            return self._value(found.group(1), found.group(2).strip(), token, i), end + 1
        if nxt in ("?", "#", "@") or nxt.isdigit():
            return self._value(nxt, "", text[i : i + 2], i), i + 2
        found = _NAME.match(text, i + 1)
        if found is None:
            return None, i + 1
        if self.body and found.group(0) not in state(self.session).values and found.group(0) != "_":
            return None, i + 1  # a raw body keeps a $WORD that is no dshell variable ($HOME in a label)
        return self._value(found.group(0), "", text[i : found.end()], i), found.end()

    def _value(self, name: str, rest: str, token: str, at: int) -> list[str]:
        auto = state(self.session)
        path = ""
        if rest.startswith("."):
            path = rest[1:].strip()
        elif rest.startswith("["):
            path = rest
        elif rest.startswith("|"):
            path = rest[1:].strip()
        elif rest:
            raise self._error("bad variable expansion", token, at)
        if rest and not path:
            raise self._error("empty field path", token, at)
        if name == "env":
            if not path:
                raise self._error("give the variable: ${env.NAME}", token, at)
            if path not in os.environ:
                raise self._error("undefined environment variable", token, at)
            return [os.environ[path]]
        if name == "?":
            return [str(self.session.last_status)]
        if name in ("#", "@") or name.isdigit():
            return self._param(name, token, at)
        if name == "_":
            data: Any = auto.last_result
            return value_words(self._field(data, path, token, at)) if path else [scalar_of(data)]
        value = auto.values.get(name)
        if value is None:
            raise self._error("undefined variable", token, at)
        if not path:
            return [value.scalar() if isinstance(value, Capture) else value]
        if not isinstance(value, Capture):
            raise self._error(f"${name} is text, not a captured result: no field path", token, at)
        if value.dry_run:
            return [f"<dry-run:{name}.{path}>"]
        return value_words(self._capture_field(value, path, token, at))

    def _param(self, name: str, token: str, at: int) -> list[str]:
        params = state(self.session).params
        if name == "0":
            return [state(self.session).where.rsplit(":", 1)[0] or "dshell"]
        if params is None:
            if name == "#":
                return ["0"]
            if name == "@":
                return []
            raise self._error("no script parameters here", token, at)
        if name == "#":
            return [str(len(params))]
        if name == "@":
            return list(params)
        index = int(name)
        if index > len(params):
            raise self._error(f"missing script parameter ${index} (the script got {len(params)})", token, at)
        return [params[index - 1]]

    def _capture_field(self, capture: Capture, path: str, token: str, at: int) -> Any:
        if self.live and capture.kind and capture.ident:
            return self._field(inspect(self.session, capture), path, token, at)
        try:
            return self._field(capture.data, path, token, at)
        except ExpansionError:
            if not (capture.kind and capture.ident):
                raise
        return self._field(inspect(self.session, capture), path, token, at)

    def _field(self, data: Any, path: str, token: str, at: int) -> Any:
        try:
            value = query(data, path)
        except ValueError as exc:
            raise self._error(f"bad JMESPath expression ({exc})", token, at) from None
        if value is None:
            raise self._error("no such field", token, at)
        return value


def _double_quoted(text: str) -> str:
    return "".join("\\" + c if c in '"\\$`' else c for c in text)


def _snippet(text: str, width: int = 30) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _closing_paren(text: str, i: int) -> int:
    """Index of the ``)`` closing a ``$(`` whose body starts at ``i`` (quotes and nesting respected); -1."""
    depth = 1
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "'":
            close = text.find("'", i + 1)
            if close < 0:
                return -1
            i = close + 1
            continue
        if ch == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
            continue
        if ch == "\\":
            i += 2
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _closing_brace(text: str, i: int) -> int:
    """Index of the ``}`` closing a ``${`` whose body starts at ``i`` (JMESPath literals skipped); -1."""
    depth = 1
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in "'`\"":
            close = text.find(ch, i + 1)
            if close < 0:
                return -1
            i = close + 1
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


# -- completion ----------------------------------------------------------------------------------------------

_VAR_TAIL = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)?\Z")
_FIELD_TAIL = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z0-9_.-]*)\Z")


def complete_expansion(session: Session, text: str) -> tuple[str, list[tuple[str, str]]] | None:
    """For the completer: after ``$`` / ``${`` the variable names, after ``${NAME.`` the capture's field
    names at that path. Returns the partial word and ``(candidate, meta)`` pairs; None when the cursor is
    not in a ``$`` expansion."""
    auto = state(session)
    found = _FIELD_TAIL.search(text)
    if found is not None:
        value = auto.values.get(found.group(1))
        if not isinstance(value, Capture):
            return found.group(2).rpartition(".")[2], []
        parent, _, partial = found.group(2).rpartition(".")
        data = _field_parent(session, value, parent)
        if isinstance(data, list) and len(data) == 1:
            data = data[0]
        if not isinstance(data, dict):
            return partial, []
        return partial, [(k, type(v).__name__) for k, v in data.items() if k.startswith(partial)]
    found = _VAR_TAIL.search(text)
    if found is None or text.count("'") % 2:
        return None
    partial = found.group(1) or ""
    names = [(name, kind) for name, kind, _ in auto.listing() if name.startswith(partial)]
    return partial, names


def _field_parent(session: Session, capture: Capture, parent: str) -> Any:
    data = capture.data
    found = query(data, parent) if parent else data
    if isinstance(found, dict | list) or not (capture.kind and capture.ident):
        return found
    try:
        doc = inspect(session, capture)
    except (UsageError, DshellError):  # completion never fails a keystroke
        return None
    return query(doc, parent) if parent else doc
