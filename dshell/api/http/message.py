"""What goes over the wire: a request, its reply read whole or streamed, an upgraded connection.

:class:`Reply` is what every caller of a reply reads, whether it was read whole (:class:`WholeReply`) or is
read as it arrives (:class:`StreamedReply`).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, Protocol

from dshell.api import fastjson

#: A request body: bytes (sent with ``Content-Length``), a binary file (its size when it is a regular file,
#: else chunked), or an iterable of byte blocks (``Transfer-Encoding: chunked``).
Body = bytes | IO[bytes] | Iterable[bytes] | None

#: Size of one socket read.
BLOCK = 64 * 1024


class Headers(Mapping[str, str]):
    """Reply headers as sent (iteration keeps their spelling), looked up case-insensitively.

    A header sent more than once reads as its values joined with ``", "``.
    """

    __slots__ = ("_items",)

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self._items: dict[str, tuple[str, str]] = {}
        for name, value in pairs:
            self.add(name, value)

    def add(self, name: str, value: str) -> None:
        key = name.lower()
        known = self._items.get(key)
        self._items[key] = (name, value) if known is None else (known[0], f"{known[1]}, {value}")

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"


@dataclass(frozen=True, slots=True)
class Request:
    """One request: ``target`` is the path and query, already percent-encoded."""

    method: str
    target: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Body = None

    @property
    def replayable(self) -> bool:
        """True when the body can be sent again (no body, or bytes)."""
        return self.body is None or isinstance(self.body, bytes)


class Reply(Protocol):
    """What callers read of a reply, whole or streamed."""

    @property
    def status_code(self) -> int: ...

    @property
    def reason(self) -> str: ...

    @property
    def headers(self) -> Headers: ...

    @property
    def ok(self) -> bool: ...

    @property
    def content(self) -> bytes:
        """The whole body (a streamed reply reads the rest of it)."""
        ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...

    @property
    def request(self) -> Request | None:
        """The request as it was sent (with the headers dshell added), when known."""
        ...

    @property
    def http_version(self) -> str: ...

    def iter_blocks(self) -> Iterator[bytes]:
        """The body in blocks as they arrive (a whole reply: in one block)."""
        ...

    def read(self) -> bytes:
        """The whole (rest of the) body."""
        ...

    def close(self) -> None: ...


class WholeReply:
    """A reply read to its end; its connection is already back in the pool (or closed)."""

    __slots__ = ("content", "headers", "http_version", "reason", "request", "status_code")

    def __init__(
        self,
        status_code: int,
        reason: str,
        headers: Headers,
        content: bytes,
        *,
        request: Request | None = None,
        http_version: str = "HTTP/1.1",
    ) -> None:
        self.status_code = status_code
        self.reason = reason
        self.headers = headers
        self.content = content
        self.request = request
        self.http_version = http_version

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body decoded as JSON (``ValueError`` for a body that is not)."""
        return fastjson.loads(self.content)

    def iter_blocks(self) -> Iterator[bytes]:
        if self.content:
            yield self.content

    def read(self) -> bytes:
        return self.content

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> WholeReply:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<WholeReply {self.status_code} {self.reason} {len(self.content)} bytes>"


class StreamedReply:
    """A 2xx reply whose body is read as it arrives.

    Each block of :meth:`iter_blocks` is what one socket read (up to 64 KiB) decoded to: a slow stream
    (``logs -f``, ``events``) yields as soon as bytes arrive, a fast one in large blocks. A body read to
    its end gives its connection back to the pool; :meth:`close` (safe from another thread, to stop a
    reader) drops it.
    """

    def __init__(
        self,
        status_code: int,
        reason: str,
        headers: Headers,
        blocks: Iterator[bytes],
        closer: Callable[[], None],
        *,
        request: Request | None = None,
        http_version: str = "HTTP/1.1",
    ) -> None:
        self.status_code = status_code
        self.reason = reason
        self.headers = headers
        self._blocks = blocks
        self._closer = closer
        self._content: bytes | None = None
        self.request = request
        self.http_version = http_version
        self.closed = False

    @property
    def content(self) -> bytes:
        if self._content is None:
            self._content = self.read()
        return self._content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return fastjson.loads(self.content)

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    def iter_blocks(self) -> Iterator[bytes]:
        try:
            yield from self._blocks
        finally:
            self.close()

    def read(self) -> bytes:
        return b"".join(self.iter_blocks())

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._closer()

    def __enter__(self) -> StreamedReply:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Upgraded:
    """A connection the daemon took over after its reply head (``101 UPGRADED``; ``200`` on old daemons):
    the raw socket, plus the stream bytes that arrived with the head."""

    def __init__(
        self, sock: socket.socket, buffered: bytes, status: int, headers: Headers, *, where: str = ""
    ) -> None:
        self.sock = sock
        self.buffered = buffered
        self.status = status
        self.headers = headers
        self.where = where
        self._closed = False

    def iter_chunks(self, size: int = BLOCK) -> Iterator[bytes]:
        """The stream from the daemon in blocks of up to ``size`` bytes, until it closes the connection."""
        from dshell.api.http.errors import ReplyBrokenOff

        if self.buffered:
            data, self.buffered = self.buffered, b""
            yield data
        while not self._closed:
            try:
                data = self.sock.recv(size)
            except OSError as exc:
                if self._closed:
                    return
                raise ReplyBrokenOff(self.where, exc.strerror or str(exc)) from exc
            if not data:
                return
            yield data

    def send(self, data: bytes) -> None:
        """Write ``data`` to the other side (a container's stdin)."""
        self.sock.sendall(data)

    def close_write(self) -> None:
        """Signal end of input: half-close (on TLS, ``close_notify`` from a
        :class:`~dshell.api.http.tls.HalfClosableTLS`; an :class:`ssl.SSLSocket`, which cannot, is left as it is).
        The stream from the daemon is still read to its end."""
        try:
            if not hasattr(self.sock, "unwrap"):
                self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self) -> None:
        """Close the connection (safe to call twice, and from another thread to stop a reader)."""
        if self._closed:
            return
        self._closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def __enter__(self) -> Upgraded:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
