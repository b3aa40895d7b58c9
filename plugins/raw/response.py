"""Turning a raw Engine API reply into something to show: JSON, text, frames, bytes, or a live stream.

The reply's Content-Type decides, helped by the catalogue's ``stream``/``binary`` flags for the endpoint
(a 1.41 daemon sends log streams without a Content-Type). Streams are iterated chunk by chunk, never read
whole; a 2xx body becomes a :mod:`dshell.output.results` value for the output layer, other statuses an error.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from dshell.plugin import Binary, CommandFailed, Document, Frames, Lines, Result, Text

if TYPE_CHECKING:
    from dshell.plugin import Console, DockerClient, Endpoint, Reply

JSON_TYPES = ("application/json", "application/x-json-stream", "application/problem+json")
MULTIPLEXED = "application/vnd.docker.multiplexed-stream"
RAW_STREAM = "application/vnd.docker.raw-stream"
BINARY_TYPES = ("application/x-tar", "application/octet-stream", "application/gzip", "application/x-gzip")


def highlight_json(text: str) -> str:
    """``text`` in the shell's JSON colours (:mod:`dshell.output.colors`, the palette ``inspect`` and tables use)."""
    from dshell.plugin import highlight_json as paint

    return paint(text)


def format_doc(doc: Any, *, pretty: bool, color: bool) -> str:
    """One JSON document: indented, or on one line (stream documents); highlighted when ``color``."""
    text = json.dumps(doc, indent=2 if pretty else None, ensure_ascii=False)
    return highlight_json(text) if color else text


def looks_multiplexed(head: bytes) -> bool:
    """True when ``head`` starts with a stdout/stderr frame header (type 0-3, three zero bytes)."""
    return len(head) >= 8 and head[0] in (0, 1, 2, 3) and head[1:4] == b"\0\0\0"


def sniff_frames(chunks: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """Demultiplexed frames, or the bytes as stdout when the stream is a TTY's (not multiplexed)."""
    from dshell.plugin import iter_frames

    it = iter(chunks)
    head = b""
    for chunk in it:
        head += chunk
        if len(head) >= 8:
            break
    rest = itertools.chain([head], it)
    if looks_multiplexed(head):
        yield from iter_frames(rest)
    else:
        yield from ((1, c) for c in rest if c)


def status_line(resp: Reply) -> str:
    """``404 Not Found``."""
    from http import HTTPStatus

    try:
        phrase = HTTPStatus(resp.status_code).phrase
    except ValueError:
        phrase = resp.reason or ""
    return f"{resp.status_code} {phrase}".strip()


class Trace:
    """``-v``: request and response headers and timing, on stderr."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.started = time.monotonic()

    def exchange(self, resp: Reply) -> None:
        """The request line and headers sent, the status line and headers received, time to headers."""
        req = resp.request
        version = resp.http_version
        lines = [f"> {req.method} {req.target} HTTP/1.1"] if req is not None else []
        lines += [f"> {k}: {v}" for k, v in (req.headers.items() if req is not None else ())]
        lines.append(">")
        lines.append(f"< {version} {resp.status_code} {resp.reason}")
        lines += [f"< {k}: {v}" for k, v in resp.headers.items()]
        lines.append("<")
        lines.append(f"* {self._ms()} to the response headers")
        for line in lines:
            self.console.error(line)

    def _ms(self) -> str:
        return f"{(time.monotonic() - self.started) * 1000:.1f} ms"

    def count(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """Pass ``chunks`` through; when they end, report the size and the total time."""
        size = 0
        for chunk in chunks:
            size += len(chunk)
            yield chunk
        self.console.error(f"* {size} bytes of body, {self._ms()} in all")


class StreamStatus:
    """Exit status of a JSON stream: 1 once a document carried an ``error`` (a failed pull or build)."""

    def __init__(self) -> None:
        self.failed = False

    def watch(self, docs: Iterable[Any]) -> Iterator[Any]:
        for doc in docs:
            if isinstance(doc, dict) and ("error" in doc or "errorDetail" in doc):
                self.failed = True
            yield doc

    def __call__(self) -> int:
        return 1 if self.failed else 0


def raise_for_status(client: DockerClient, resp: Reply, method: str, path: str) -> None:
    """Non-2xx (but 304): the status line and the daemon's ``message``, as a failed command (the typed
    error comes from :meth:`DockerClient.raise_for_status`, the one place that reads it)."""
    from dshell.plugin import APIError

    try:
        client.raise_for_status(resp, method, path)
    except APIError as exc:
        error = exc
    else:
        return
    line = status_line(resp)
    message = error.message
    text = line if message in (line, f"{resp.status_code} {resp.reason}".strip()) else f"{line}: {message}"
    raise CommandFailed(text)


def reply_body(
    resp: Reply,
    *,
    client: DockerClient,
    endpoint: Endpoint | None,
    color: bool = False,
    output: str | None = None,
    trace: Trace | None = None,
) -> Any:
    """What to show for a successful reply (``resp`` is streamed and not yet read).

    ``color`` colours stream documents (finite ones are :class:`Document` s: the display layer colours those).
    """
    raw_chunks: Iterable[bytes] = client.iter_stream(resp)
    chunks = trace.count(raw_chunks) if trace is not None else raw_chunks
    if output is not None:
        return Binary(chunks, path=output, what="the reply")
    method = resp.request.method if resp.request is not None else ""
    if method == "HEAD":
        _drain(chunks)
        head = [f"HTTP/1.1 {status_line(resp)}"] + [f"{k}: {v}" for k, v in resp.headers.items()]
        return Text("\n".join(head))
    if resp.status_code == 304:
        _drain(chunks)
        return Lines([status_line(resp)], stderr=True)
    if resp.status_code == 204:
        _drain(chunks)
        return None
    ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
    streaming = (
        endpoint.stream if endpoint is not None else "chunked" in resp.headers.get("Transfer-Encoding", "")
    )
    binary = endpoint is not None and endpoint.binary
    if ctype in JSON_TYPES and not binary:
        return _json_body(chunks, streaming=streaming, known=endpoint is not None, color=color)
    if ctype == MULTIPLEXED:
        from dshell.plugin import iter_frames

        return Frames(iter_frames(chunks))
    if ctype == RAW_STREAM:
        return Frames((1, c) for c in chunks)
    if ctype.startswith("text/") and not binary:
        if streaming:
            from dshell.plugin import iter_lines

            return Lines(line.decode(errors="replace") for line in iter_lines(chunks))
        return Text(_read(chunks).decode(_charset(resp.headers.get("Content-Type", "")), errors="replace"))
    if not ctype and streaming and not binary:
        return Frames(sniff_frames(chunks))  # logs: no Content-Type before API 1.42
    if not ctype and resp.headers.get("Content-Length") == "0":
        _drain(chunks)
        return None
    return Binary(chunks, what=f"{ctype or 'binary data'} (the reply)")


def _charset(content_type: str) -> str:
    """The ``charset`` of a Content-Type (utf-8 when absent or unknown)."""
    import codecs

    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset":
            try:
                return codecs.lookup(value.strip('"')).name
            except LookupError:
                break
    return "utf-8"


def _json_body(chunks: Iterable[bytes], *, streaming: bool, known: bool, color: bool) -> Any:
    """A finite reply as its document(s); a stream one document per line as each arrives."""
    from dshell.plugin import iter_json_documents

    if not streaming:
        data = _read(chunks)
        try:
            docs = list(iter_json_documents([data]))
        except ValueError:
            return Text(data.decode(errors="replace"))
        if not docs:
            return None
        return (
            Document(docs[0])
            if len(docs) == 1
            else [Text(format_doc(d, pretty=True, color=color), control=color) for d in docs]
        )
    status = StreamStatus()
    stream = status.watch(iter_json_documents(chunks))
    # an endpoint the catalogue does not know may well be one document sent in chunks: keep it readable
    lines = Lines((format_doc(d, pretty=not known, color=color) for d in stream), control=color)
    return Result(lines, status=status)


def _read(chunks: Iterable[bytes]) -> bytes:
    return b"".join(chunks)


def _drain(chunks: Iterable[bytes]) -> None:
    for _ in chunks:
        pass
