"""Run one statement of the automation language: assignments, captures, pipes, redirection, ``--query``.

:func:`run_statement` is what :func:`dshell.core.runner.execute` calls for every line. A plain line (no
``$``, ``|``, ``>``, ``:=``, ``NAME=`` or ``--query``) goes straight to :func:`~dshell.core.runner.run_line`.
Otherwise the line is split at unquoted ``|`` / ``>`` / ``>>`` (:func:`split_pipeline`), each command is
expanded (:mod:`dshell.core.expand`) and run; a command's result is taken as data, without printing it, by
swapping in a collecting renderer registry for the duration of the command.

A command declaring a ``raw`` argument (``post PATH BODY``, ``alias``, ``!``, ``defer``, ``wait-until``) keeps
its raw part whole: no operator is looked for from the word where that part starts (an operator word
*before* it still ends the command: ``get /containers/json | !jq .``). ``$`` expands in a raw body
(``post /networks/create {"Name": "$p-net"}``) except for the :data:`VERBATIM` commands, whose raw part is
expanded later or by the host shell.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import IO, TYPE_CHECKING, Any

from dshell.core.lexer import UnterminatedQuote, iter_tokens, quote_word, split
from dshell.core.variables import Capture, guess_kind, ident_of, state, words_of
from dshell.errors import EXIT_ERROR, CommandFailed, UsageError
from dshell.output.render import table_data
from dshell.output.renderers import RendererRegistry
from dshell.output.results import Document, Lines, Table, Text

if TYPE_CHECKING:
    from dshell.core.commands import Command
    from dshell.core.session import Session
    from dshell.output.render import RenderContext, Renderer

ASSIGN = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)\Z", re.S)
CAPTURE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*:=(.*)\Z", re.S)
_SPECIAL = ("$", "|", ">", ":=", "--query")


@dataclass
class Pipeline:
    """A line split at its operators: dshell commands (spans of the line), then a host command or a file."""

    segments: list[tuple[int, int]]
    host: str | None = None
    redirect: tuple[str, str, int] | None = None  # (">" or ">>", the target as typed, its offset)


# -- entry point ---------------------------------------------------------------------------------------------


def is_plain(line: str) -> bool:
    """True for a line the automation layer leaves alone (the common case: no parsing at all)."""
    return not any(s in line for s in _SPECIAL) and ASSIGN.match(line) is None


def run_statement(session: Session, line: str, *, where: str = "") -> int:
    """Run one line; returns the exit status, raises :class:`~dshell.errors.DshellError` for a failure."""
    auto = state(session)
    auto.where = where
    for daemon in session.daemons.values():
        daemon.client.dry_run = auto.dry_run
    if is_plain(line):
        return _run(session, line, where)
    found = CAPTURE.match(line)
    if found is not None:
        return _capture(session, found.group(1), line, found.start(2), where)
    found = ASSIGN.match(line)
    if found is not None:
        text = found.group(2)
        if "$" in text:
            text = _expander(session, found.start(2)).expand(text)
        auto.set(found.group(1), " ".join(_words(text)))
        return 0
    pipe = split_pipeline(session, line)
    if pipe.redirect is not None:
        with _redirect(session, pipe.redirect):
            return _run_segments(session, line, pipe.segments, where)
    if pipe.host is not None:
        return _run_into_host(session, line, pipe, where)
    return _run_segments(session, line, pipe.segments, where)


# -- splitting -----------------------------------------------------------------------------------------------


def split_pipeline(session: Session, line: str) -> Pipeline:
    """Split ``line`` at unquoted ``|``, ``| !HOSTCMD``, ``>`` and ``>>`` (see the module docstring)."""
    segments: list[tuple[int, int]] = []
    n = len(line)
    start = 0
    while True:
        body = raw_body_start(session, line, start)
        stop = _next_operator(line, start, n if body is None else body)
        if stop < 0:
            segments.append((start, n))
            return Pipeline(segments)
        if not line[start:stop].strip():
            raise UsageError(f"nothing before '{line[stop]}' (column {stop + 1})")
        segments.append((start, stop))
        if line[stop] == "|":
            rest = line[stop + 1 :]
            if rest.lstrip().startswith("!"):
                host = rest.lstrip()[1:].strip()
                if not host:
                    raise UsageError(f"give a host command after '| !' (column {stop + 1})")
                return Pipeline(segments, host=host)
            if not rest.strip():
                raise UsageError(f"nothing after '|' (column {stop + 1})")
            start = stop + 1
            continue
        op = ">>" if line.startswith(">>", stop) else ">"
        return Pipeline(segments, redirect=(op, line[stop + len(op) :], stop + len(op)))


def _next_operator(line: str, i: int, limit: int) -> int:
    """The offset of the first unquoted ``|`` or ``>`` in ``line[i:limit]`` (outside ``$(…)``/``${…}``); -1."""
    from dshell.core.expand import _closing_brace, _closing_paren

    n = len(line)
    while i < limit:
        ch = line[i]
        if ch == "'":
            close = line.find("'", i + 1)
            i = n if close < 0 else close + 1
        elif ch == '"':
            i += 1
            while i < n and line[i] != '"':
                i += 2 if line[i] == "\\" else 1
            i += 1
        elif ch == "\\":
            i += 2
        elif ch == "$" and line[i + 1 : i + 2] in ("(", "{"):
            end = (_closing_paren if line[i + 1] == "(" else _closing_brace)(line, i + 2)
            i = n if end < 0 else end + 1
        elif ch in "|>":
            return i
        else:
            i += 1
    return -1


def raw_body_start(session: Session, line: str, start: int = 0) -> int | None:
    """Where the raw (verbatim) part of the command at ``line[start:]`` begins; None if it has none."""
    tokens = iter_tokens(line, start)
    words: list[str] = []
    ends: list[int] = []
    try:
        for tok in tokens:
            if not words and tok.value.startswith("!") and not tok.quoted:
                return tok.start + 1 if tok.value != "!" else tok.end
            if line[tok.start] in "|>":
                return None
            words.append(tok.value)
            ends.append(tok.end)
            if len(words) == 3:
                break
    except UnterminatedQuote:
        return None
    found = session.registry.lookup(words) if words else None
    if found is None:
        return None
    command, used = found
    raw_index = next((i for i, a in enumerate(command.arguments) if a.nargs == "raw"), None)
    if raw_index is None:
        return None
    return _raw_offset(command, line, ends[used - 1], raw_index)


def _raw_offset(command: Command, line: str, start: int, raw_index: int) -> int | None:
    """The parser's rule for where a raw argument starts, on the unexpanded line (operators end the search)."""
    count = 0
    options_done = False
    tokens = iter_tokens(line, start)
    try:
        for tok in tokens:
            if line[tok.start] in "|>":
                return None
            option = not tok.quoted and len(tok.value) > 1 and tok.value.startswith("-")
            if count == raw_index and (options_done or not option):
                return tok.start
            if options_done or not option:
                count += 1
                if not command.interspersed:
                    options_done = True
                continue
            if tok.value == "--":
                options_done = True
                continue
            if tok.value.startswith("--"):
                name, eq, _ = tok.value.partition("=")
                opt = command.find_option(name)
                takes_value = opt.takes_value if opt is not None else name == "--query"  # the layer's own
                if takes_value and not eq:
                    next(tokens, None)
                continue
            for pos, ch in enumerate(tok.value[1:]):
                opt = command.find_option("-" + ch)
                if opt is not None and opt.takes_value:
                    if not tok.value[pos + 2 :]:
                        next(tokens, None)
                    break
    except UnterminatedQuote as exc:
        return exc.token.start if count == raw_index else None
    return None


# -- running commands -----------------------------------------------------------------------------------------


def _expander(session: Session, offset: int = 0, *, live: bool = False) -> Any:
    from dshell.core.expand import Expander

    return Expander(session, lambda inner: substitute(session, inner), live=live, offset=offset)


def substitute(session: Session, inner: str) -> list[str]:
    """``$(COMMAND)``: run ``COMMAND`` (itself a statement, pipes allowed) and return the words it gives."""
    auto = state(session)
    pipe = split_pipeline(session, inner)
    if pipe.host is not None or pipe.redirect is not None:
        raise UsageError("$(…) takes dshell commands only (no '| !' or '>')")
    status, data, _ = _collect_segments(session, inner, pipe.segments, auto.where)
    if status:
        raise UsageError(f"$({inner.strip()}) failed with exit status {status}")
    return words_of(data)


def _words(text: str) -> list[str]:
    return [t.value for t in split(text)]


def prepare(session: Session, line: str, span: tuple[int, int]) -> tuple[str, str | None]:
    """The command of ``span`` expanded (its raw part kept verbatim) and its ``--query`` expression, if any."""
    start, end = span
    body = raw_body_start(session, line, start)
    head, tail = (
        (line[start:body], line[body:end]) if body is not None and body < end else (line[start:end], "")
    )
    if "$" in head:
        head = _expander(session, start).expand(head)
    expression = None
    if "--query" in head:
        head, expression = _take_query(session, head)
    if "$" in tail and body is not None and not _verbatim(session, line, start):
        expander = _expander(session, body)
        expander.body = True
        tail = expander.expand(tail)
    return head + tail, expression


#: Commands whose raw part is never expanded here: it is expanded later (``defer``, ``wait-until``, an
#: alias when used) or by someone else (``!``: the host shell).
VERBATIM = frozenset({"!", "alias", "defer", "wait-until"})


def _verbatim(session: Session, line: str, start: int) -> bool:
    if line[start:].lstrip().startswith("!"):
        return True
    from dshell.core.runner import find_command

    try:
        found = find_command(session, line[start:])
    except UsageError:
        return True
    return found is None or found[0].name in VERBATIM


def _take_query(session: Session, text: str) -> tuple[str, str | None]:
    """Remove ``--query EXPR`` / ``--query=EXPR`` from ``text`` unless the command declares ``--query``."""
    from dshell.core.runner import find_command

    try:
        found = find_command(session, text)
    except UsageError:
        return text, None
    if found is None or found[0].find_option("--query") is not None:
        return text, None
    tokens = list(iter_tokens(text))
    for i, tok in enumerate(tokens):
        if tok.quoted or not tok.value.startswith("--query") or tok.value.partition("=")[0] != "--query":
            continue
        if "=" in tok.value:
            return text[: tok.start] + text[tok.end :], tok.value.partition("=")[2]
        if i + 1 >= len(tokens):
            raise UsageError("--query needs a JMESPath expression")
        nxt = tokens[i + 1]
        return text[: tok.start] + text[nxt.end :], nxt.value
    return text, None


def _with_words(text: str, words: list[str]) -> str:
    return text.rstrip() + "".join(" " + quote_word(w) for w in words)


def _run_segments(session: Session, line: str, segments: list[tuple[int, int]], where: str) -> int:
    """``CMD1 | CMD2 | …``: each command's words become the next one's trailing arguments; the last prints."""
    words: list[str] | None = None
    if len(segments) > 1:
        status, data, _ = _collect_segments(session, line, segments[:-1], where)
        if status:
            return status
        words = words_of(data)
        if not words:
            return 0
    text, expression = prepare(session, line, segments[-1])
    if words is not None:
        text = _with_words(text, words)
    if expression is None:
        return _run(session, text, where)
    status, data, is_json, _ = _collect(session, text, where)
    if status:
        return status
    if not is_json:
        raise UsageError("--query: this command has no JSON output")
    from dshell.core.expand import jmespath_search

    try:
        result = jmespath_search(expression, data)
    except ValueError as exc:
        raise UsageError(f"--query: bad JMESPath expression {expression!r}: {exc}") from None
    state(session).last_result = result
    session.renderers.get("json")(Document(result), session.render_context())
    session.console.stdout.flush()
    return 0


def _collect_segments(
    session: Session, line: str, segments: list[tuple[int, int]], where: str
) -> tuple[int, Any, bool]:
    """Run ``segments`` as a pipe, collecting the last one's data; (status, data, dry-run happened)."""
    data: Any = None
    dry = False
    for index, span in enumerate(segments):
        text, expression = prepare(session, line, span)
        if index:
            words = words_of(data)
            if not words:
                return 0, None, dry
            text = _with_words(text, words)
        status, data, is_json, dry = _collect(session, text, where)
        if status:
            return status, None, dry
        if expression is not None:
            if not is_json:
                raise UsageError("--query: this command has no JSON output")
            from dshell.core.expand import jmespath_search

            try:
                data = jmespath_search(expression, data)
            except ValueError as exc:
                raise UsageError(f"--query: bad JMESPath expression {expression!r}: {exc}") from None
    return 0, data, dry


def _capture(session: Session, name: str, line: str, offset: int, where: str) -> int:
    """``NAME := COMMAND``: run COMMAND, keep its result as data (and which object it names) in NAME."""
    from dshell.core.runner import find_command

    pipe = split_pipeline(session, line[offset:])
    if pipe.host is not None or pipe.redirect is not None:
        raise UsageError(f"{name} := takes dshell commands only (no '| !' or '>')")
    if not line[offset:].strip():
        raise UsageError(f"{name} := needs a command")
    segments = [(s + offset, e + offset) for s, e in pipe.segments]
    status, data, dry = _collect_segments(session, line, segments, where)
    if status:
        return status
    last, _ = prepare(session, line, segments[-1]) if not dry else (line[segments[-1][0] :], None)
    found = find_command(session, last)
    kind = guess_kind(found[0].name, found[0].plugin, last) if found else None
    if dry:
        state(session).set(name, Capture(None, kind, f"dry-run-{name}", last, dry_run=True))
        return 0
    ident = ident_of(data)
    if ident is None and kind and isinstance(data, str) and _names_object(found[0] if found else None, data):
        ident = data.strip()
    state(session).set(name, Capture(data, kind, ident, last))
    return 0


def _names_object(command: Command | None, text: str) -> bool:
    """True when a command's text output is the id (or name) of what it made: an id, or ``… create``/``run``."""
    if len(text.split()) != 1:
        return False
    if re.fullmatch(r"[0-9a-f]{12,64}", text.strip()):
        return True
    return command is not None and command.name.split(" ")[-1] in ("create", "run")


# -- renderers that keep the result ----------------------------------------------------------------------------


class _Swapped(RendererRegistry):
    """The session's renderers, with every mode answered by ``renderer`` (while one command runs)."""

    def __init__(self, base: RendererRegistry, renderer: Renderer) -> None:
        super().__init__()
        self._renderers = base._renderers
        self.current_plugin = base.current_plugin
        self._renderer = renderer

    def get(self, mode: str) -> Renderer:
        return self._renderer


class _Collector:
    """Takes a body as data instead of printing it: what ``--json`` would print, or the text printed."""

    def __init__(self) -> None:
        self.data: Any = None
        self.is_json = False

    def __call__(self, body: Any, ctx: RenderContext) -> None:
        if body is None:
            return
        if isinstance(body, Table):
            self.data, self.is_json = table_data(body), True
        elif isinstance(body, Document):
            self.data, self.is_json = body.data, True
        elif isinstance(body, Text):
            self.data = body.text.rstrip("\n")
        elif isinstance(body, Lines):
            if body.stderr:
                for line in body.lines:
                    ctx.console.error(line)
            else:
                self.data = "\n".join(body.lines)
        elif isinstance(body, list | tuple):
            for part in body:
                self(part, ctx)
        elif type(body).__name__ == "Frames":
            self.data = _frames_text(body.frames, ctx)
        else:
            from dshell.output.render import render_common

            render_common(body, ctx)


def _frames_text(frames: Iterable[tuple[int, bytes]], ctx: RenderContext) -> str:
    from dshell.errors import CommandFailed

    out = bytearray()
    for stream, payload in frames:
        if stream == 3:
            raise CommandFailed(payload.decode(errors="replace").strip())
        if stream == 2:
            ctx.console.binary_stderr.write(payload)
            ctx.console.binary_stderr.flush()
        else:
            out += payload
    return out.decode(errors="replace").rstrip("\n")


class _Recording(RendererRegistry):
    """The session's renderers, each keeping the result it renders for ``$_`` (streams as they pass)."""

    def __init__(self, session: Session, base: RendererRegistry) -> None:
        super().__init__()
        self._renderers = base._renderers
        self.current_plugin = base.current_plugin
        self._base = base
        self._session = session

    def get(self, mode: str) -> Renderer:
        renderer = self._base.get(mode)
        auto = state(self._session)

        def render(body: Any, ctx: RenderContext) -> None:
            if isinstance(body, Table):
                auto.last_result = table_data(body)
            elif isinstance(body, Document):
                auto.last_result = body.data
            elif isinstance(body, Text):
                auto.last_result = body.text.rstrip("\n")
            elif isinstance(body, Lines) and not body.stderr:
                kept: list[str] = []
                renderer(replace(body, lines=_tee(body.lines, kept)), ctx)  # stderr, control kept
                auto.last_result = "\n".join(kept)
                return
            renderer(body, ctx)

        return render


def _tee(lines: Iterable[str], kept: list[str]) -> Iterator[str]:
    for line in lines:
        kept.append(line)
        yield line


def _invoke(session: Session, text: str, where: str, renderers: RendererRegistry) -> tuple[int, bool]:
    """Run one command with ``renderers`` in place; (status, whether a dry-run request stopped it)."""
    from dshell.api.client import DryRun
    from dshell.core.runner import run_line

    saved = session.renderers
    session.renderers = renderers
    try:
        return run_line(session, text, where=where), False
    except DryRun as exc:
        session.console.line(f"dry-run: {exc.describe()}")
        return 0, True
    finally:
        session.renderers = saved


def _run(session: Session, text: str, where: str) -> int:
    """Run one command, printing its result as usual (and keeping it for ``$_``)."""
    return _invoke(session, text, where, _Recording(session, session.renderers))[0]


def _collect(session: Session, text: str, where: str) -> tuple[int, Any, bool, bool]:
    """Run one command without printing its result: (status, data, whether it is JSON, dry-run)."""
    collector = _Collector()
    status, dry = _invoke(session, text, where, _Swapped(session.renderers, collector))
    state(session).last_result = collector.data
    return status, collector.data, collector.is_json, dry


# -- redirection and host pipes ---------------------------------------------------------------------------------


@contextlib.contextmanager
def _stdout_to(session: Session, stream: IO[str]) -> Iterator[None]:
    console = session.console
    console.stdout.flush()
    saved = console.stdout
    console.stdout = stream  # type: ignore[assignment]
    try:
        yield
    finally:
        with contextlib.suppress(BrokenPipeError, ValueError):
            stream.flush()
        console.stdout = saved


@contextlib.contextmanager
def _redirect(session: Session, redirect: tuple[str, str, int]) -> Iterator[None]:
    """``> FILE`` (written to a temporary name, renamed when the command is done) or ``>> FILE``."""
    op, target, offset = redirect
    if "$" in target:
        target = _expander(session, offset).expand(target)
    words = _words(target)
    if len(words) != 1:
        raise UsageError(f"'{op}' takes one file name (column {offset})")
    path = words[0]
    if op == ">>":
        try:
            fh = open(path, "a", encoding="utf-8")  # noqa: SIM115 (closed by the with below)
        except OSError as exc:  # a directory, a missing parent, no permission: one clear line
            raise CommandFailed(f"cannot append to {path}: {exc.strerror or exc}") from None
        with fh, _stdout_to(session, fh):
            yield
        return
    from dshell.api.files import atomic_write

    with (
        atomic_write(path, mode="w", encoding="utf-8", prefix=".dshell-out-") as out,
        _stdout_to(session, out),
    ):
        yield


def _run_into_host(session: Session, line: str, pipe: Pipeline, where: str) -> int:
    """``CMD | !HOSTCMD``: what CMD prints goes to HOSTCMD's stdin; the status is HOSTCMD's."""
    import os
    import subprocess

    console = session.console
    shell = os.environ.get("SHELL") or "/bin/sh"
    try:
        out_fd: int | None = console.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        out_fd = None
    console.stdout.flush()
    proc = subprocess.Popen(
        [shell, "-c", pipe.host or ""],
        stdin=subprocess.PIPE,
        stdout=out_fd if out_fd is not None else subprocess.PIPE,
    )
    assert proc.stdin is not None
    feed = io.TextIOWrapper(proc.stdin, encoding="utf-8", write_through=True)
    status = 0
    try:
        with _stdout_to(session, feed):
            status = _run_segments(session, line, pipe.segments, where)
    except BrokenPipeError:
        pass
    finally:
        with contextlib.suppress(BrokenPipeError, OSError, ValueError):
            feed.close()
        if out_fd is None and proc.stdout is not None:
            console.write(proc.stdout.read().decode(errors="replace"), flush=True)
        code = proc.wait()
    if status and not code:
        return status if status > 0 else EXIT_ERROR
    return code
