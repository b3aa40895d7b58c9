"""Decoding of streamed Engine API bodies, chunk by chunk, never holding a whole stream.

Every function takes an iterable of ``bytes`` chunks cut anywhere (``Response.iter_content``,
``raw.stream``, socket reads) and yields as soon as a unit is complete:

* :func:`iter_json_documents`: the JSON messages of ``/images/create``, ``/build``, ``/events``,
  ``/containers/{id}/stats`` …, newline-separated or simply concatenated;
* :func:`iter_frames`: the multiplexed stdout/stderr stream of logs, attach and exec without a
  TTY (8-byte headers: stream type, 3 zero bytes, big-endian payload length);
* :func:`iter_lines`: lines of a raw stream (TTY logs, build output).
"""

from __future__ import annotations

import codecs
import json
import re
import struct
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = [
    "STDERR",
    "STDIN",
    "STDOUT",
    "SYSTEMERR",
    "iter_frames",
    "iter_json_documents",
    "iter_lines",
]

STDIN = 0
STDOUT = 1
STDERR = 2
#: A daemon-side error written into the stream; callers should raise its payload.
SYSTEMERR = 3

_HEADER = struct.Struct(">B3xL")
_HEADER_SIZE = _HEADER.size

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_JSON_STARTS = frozenset('{["-0123456789tfn')
_NUMBER_TAIL = re.compile(r"[0-9.eE+-]*")
#: Above this many undecoded characters, a decode is retried only when the buffer has doubled.
_LARGE_DOCUMENT = 1 << 20


def _snippet(text: str, pos: int) -> str:
    return repr(text[pos : pos + 60])


def _drain(decoder: json.JSONDecoder, buf: str, docs: list[Any], final: bool) -> str:
    """Decode the complete documents of ``buf`` into ``docs``; return the undecoded rest."""
    pos = 0
    size = len(buf)
    while True:
        pos = _WHITESPACE.match(buf, pos).end()  # type: ignore[union-attr]  # always matches
        if pos == size:
            return ""
        if buf[pos] not in _JSON_STARTS:
            raise ValueError(f"invalid JSON in stream: {_snippet(buf, pos)}")
        try:
            doc, end = decoder.raw_decode(buf, pos)
        except json.JSONDecodeError as exc:
            # A document cut short fails at the end of the buffer or at an unterminated token,
            # neither of which can contain a newline: an error followed by a newline is garbage.
            if final or "\n" in buf[exc.pos :]:
                raise ValueError(f"invalid JSON in stream ({exc.msg}): {_snippet(buf, pos)}") from None
            return buf[pos:]
        is_number = isinstance(doc, int | float) and not isinstance(doc, bool)
        if is_number and not final and _NUMBER_TAIL.fullmatch(buf, end):
            return buf[pos:]  # a number at the end of the buffer may go on in the next chunk
        docs.append(doc)
        pos = end


def iter_json_documents(chunks: Iterable[bytes]) -> Iterator[Any]:
    """Yield each JSON document of a stream, separated by whitespace or by nothing at all.

    A document may span any number of chunks and a chunk may hold many documents. Raises
    ``ValueError`` for text that is not JSON (as soon as it can be told apart from a document
    that is merely incomplete) and for a document cut short by the end of the stream.
    """
    decoder = json.JSONDecoder()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    buf = ""
    pending: list[str] = []
    pending_size = 0
    failed_size = 0  # size of ``buf`` when the last decode found an incomplete document
    docs: list[Any] = []
    for chunk in chunks:
        try:
            text = utf8.decode(chunk)
        except UnicodeDecodeError as exc:
            raise ValueError(f"invalid UTF-8 in JSON stream: {exc.reason}") from None
        if not text:
            continue
        pending.append(text)
        pending_size += len(text)
        total = len(buf) + pending_size
        delimited = "\n" in text or "}" in text or "]" in text
        if not (total >= 2 * failed_size or (delimited and total < _LARGE_DOCUMENT)):
            continue
        buf += "".join(pending)
        pending.clear()
        pending_size = 0
        buf = _drain(decoder, buf, docs, final=False)
        failed_size = len(buf)
        yield from docs
        docs.clear()
    try:
        tail = utf8.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise ValueError(f"invalid UTF-8 in JSON stream: {exc.reason}") from None
    buf = _drain(decoder, buf + "".join(pending) + tail, docs, final=True)
    yield from docs


def iter_frames(chunks: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """Demultiplex a stdout/stderr stream into ``(stream type, payload)`` pairs.

    Stream types are :data:`STDIN` (0), :data:`STDOUT` (1), :data:`STDERR` (2) and
    :data:`SYSTEMERR` (3, a daemon error the caller should raise). Consecutive frames of one
    type within a chunk come out as one payload, and a frame larger than a chunk comes out in
    pieces as it arrives, so memory stays bounded by the chunk size; payloads are never empty.
    Raises ``ValueError`` for an unknown stream type (a TTY stream is not multiplexed) and, after
    yielding what it received, ``ValueError("stream ended inside a frame")`` for a truncated one.
    """
    header = bytearray()  # a header cut by a chunk boundary
    kind = -1  # stream type of the frame being read
    remaining = 0  # payload bytes of that frame still to come
    unpack = _HEADER.unpack_from
    for chunk in chunks:
        size = len(chunk)
        if not size:
            continue
        view = memoryview(chunk)
        pos = 0
        parts: list[memoryview] = []
        group = -1  # stream type of ``parts``
        while pos < size:
            if remaining:
                take = min(remaining, size - pos)
                if kind != group:
                    if parts:
                        yield group, b"".join(parts)
                        parts = []
                    group = kind
                parts.append(view[pos : pos + take])
                pos += take
                remaining -= take
                continue
            if header or size - pos < _HEADER_SIZE:
                need = _HEADER_SIZE - len(header)
                header += view[pos : pos + need]
                pos += min(need, size - pos)
                if len(header) < _HEADER_SIZE:
                    break
                kind, remaining = unpack(header)
                header.clear()
            else:
                kind, remaining = unpack(chunk, pos)
                pos += _HEADER_SIZE
            if kind > SYSTEMERR:
                raise ValueError(f"unrecognized stream type {kind} in a multiplexed stream")
            # Fast path: whole frames inside this chunk, appended without leaving the loop.
            while remaining and pos + remaining <= size:
                if kind != group:
                    if parts:
                        yield group, b"".join(parts)
                        parts = []
                    group = kind
                end = pos + remaining
                parts.append(view[pos:end])
                pos = end
                remaining = 0
                if size - pos < _HEADER_SIZE:
                    break
                kind, remaining = unpack(chunk, pos)
                pos += _HEADER_SIZE
                if kind > SYSTEMERR:
                    raise ValueError(f"unrecognized stream type {kind} in a multiplexed stream")
        if parts:
            yield group, b"".join(parts)
    if remaining or header:
        raise ValueError("stream ended inside a frame")


def iter_lines(chunks: Iterable[bytes], *, keepends: bool = False) -> Iterator[bytes]:
    """Yield the lines of a byte stream split on ``b"\\n"``, the last one even if unterminated.

    With ``keepends`` each line keeps its ``b"\\n"``. A line spanning many chunks is joined once.
    """
    pending: list[bytes] = []
    for chunk in chunks:
        start = 0
        newline = chunk.find(b"\n")
        while newline >= 0:
            end = newline + 1 if keepends else newline
            if pending:
                pending.append(chunk[start:end])
                yield b"".join(pending)
                pending.clear()
            else:
                yield chunk[start:end]
            start = newline + 1
            newline = chunk.find(b"\n", start)
        if start < len(chunk):
            pending.append(chunk[start:])
    if pending:
        yield b"".join(pending)
