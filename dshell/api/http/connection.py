"""Sockets to a daemon and one HTTP/1.1 connection on them; replies are parsed by ``httptools`` (llhttp).

dshell writes the request (a head, then a body: bytes with ``Content-Length``, a regular file's bytes, or
``chunked`` blocks); llhttp parses the reply: status line, headers, ``Content-Length`` or ``chunked`` body,
keep-alive, interim ``1xx`` replies (skipped) and ``101`` upgrades. What llhttp leaves to its user is here:
limits on the head (:data:`MAX_HEAD` bytes, :data:`MAX_HEADERS` lines), a deadline on the whole reply, a
body that ends with the connection, and the rule that a connection with unread bytes is never reused.
"""

from __future__ import annotations

import os
import select
import socket
import stat
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, TYPE_CHECKING, cast

import httptools

from dshell.api.http.errors import (
    TLS_HINT,
    InvalidRequest,
    MalformedReply,
    ReplyBrokenOff,
    ReplyTimeout,
    connect_error,
    tls_refused,
)
from dshell.api.http.message import BLOCK, Body, Headers

if TYPE_CHECKING:
    from dshell.api.address import DaemonAddress

#: Most bytes accepted before a reply's head is complete.
MAX_HEAD = 64 * 1024
#: Most header lines accepted in one reply head.
MAX_HEADERS = 200
#: Largest body read whole into memory (downloads are streamed, never read whole).
MAX_WHOLE = 1 << 30

_TOKEN = frozenset(b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


def open_socket(address: DaemonAddress, timeout: float, *, upgrade: bool = False) -> socket.socket:
    """A connected socket to the daemon: unix, or tcp with ``TCP_NODELAY`` (TLS-wrapped when configured).

    For a connection to be upgraded (``upgrade``), TLS runs on a stream that can half-close
    (:class:`~dshell.api.http.tls.HalfClosableTLS`: ``close_notify`` when stdin ends, output read on).

    Raises :class:`~dshell.errors.ConnectionFailed` saying why the daemon could not be reached.
    """
    sock: socket.socket | None = None
    try:
        if address.scheme == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(address.path)
            return sock
        if address.scheme == "ssh":
            from dshell.api.sshconn import connect as ssh_connect

            return ssh_connect(address, timeout)  # ssh … docker system dial-stdio, as a socket
        # an ASCII name goes to getaddrinfo as bytes: no idna codec to import (~1.5 ms of a one-shot)
        host = cast(str, address.host.encode()) if address.host.isascii() else address.host
        sock = socket.create_connection((host, address.port), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if address.tls is not None and upgrade:
            from dshell.api.http.tls import half_closable

            raw, sock = sock, None  # half_closable closes it if the handshake fails
            return half_closable(raw, address.tls, address.host)
        if address.tls is not None:
            from dshell.api.http.tls import context

            sock = context(address.tls).wrap_socket(sock, server_hostname=address.host)
        return sock
    except (OSError, ValueError) as exc:
        if sock is not None:
            sock.close()
        raise connect_error(address, exc) from exc


def host_header(address: DaemonAddress) -> str:
    if address.scheme == "unix":
        return "localhost"
    host = f"[{address.host}]" if ":" in address.host else address.host
    return f"{host}:{address.port}"


def check_header(name: str, value: str) -> None:
    """Refuse a header that would not be one header line (CR, LF or NUL, or a name that is no token)."""
    try:
        raw_name, raw_value = name.encode("latin-1"), value.encode("latin-1")
    except UnicodeEncodeError:
        raise InvalidRequest(f"header {name!r}: only latin-1 text can be sent in a header") from None
    if not raw_name or not all(c in _TOKEN for c in raw_name):
        raise InvalidRequest(f"invalid header name {name!r}")
    if any(c in b"\r\n\0" for c in raw_value):
        raise InvalidRequest(f"header {name!r}: a value may not contain CR, LF or NUL")


def check_target(method: str, target: str) -> None:
    if not method or not all(c in _TOKEN for c in method.encode("latin-1", "replace")):
        raise InvalidRequest(f"invalid method {method!r}")
    if not target.startswith("/") or any(ord(c) <= 0x20 or ord(c) >= 0x7F for c in target):
        raise InvalidRequest(
            f"invalid request path {target[:80]!r} (spaces and control characters are not sent)"
        )


class Deadline:
    """The time left for one reply; ``None`` seconds: no limit."""

    __slots__ = ("at",)

    def __init__(self, seconds: float | None) -> None:
        self.at = None if seconds is None else time.monotonic() + seconds

    def left(self) -> float | None:
        if self.at is None:
            return None
        return self.at - time.monotonic()


class _Stop(Exception):
    """Raised from a callback to stop llhttp after a head whose body is not HTTP (HEAD, a hijack)."""


class ReplyReader:
    """The llhttp callbacks of one reply, and what they collected."""

    def __init__(self, where: str, *, head_only: bool = False, hijack: bool = False) -> None:
        self.where = where
        self.parser = httptools.HttpResponseParser(self)
        self.status = 0
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.interim = False
        self.interims = 0
        self.head_done = False
        self.done = False
        self.keep_alive = False
        self.delimited = False
        self.content_length = -1
        self.extra = False
        self.upgraded = False
        self.rest = b""
        self.body: list[bytes] = []
        self.fault: str | None = None
        self.head_only = head_only  # a reply to HEAD: no body follows, whatever its headers say
        self.hijack = hijack  # a 2xx reply to an upgrade request: the stream follows the head
        self.stop_after_head = head_only or hijack
        self.head_seen = bytearray()
        self.fed = 0

    # -- llhttp callbacks --------------------------------------------------------------------------------

    def on_message_begin(self) -> None:
        if self.done:
            self.extra = True

    def on_status(self, data: bytes) -> None:
        if not self.done:
            self.reason += data

    def on_header(self, name: bytes, value: bytes) -> None:
        if self.head_done:
            return  # a trailer after a chunked body
        if len(self.headers) >= MAX_HEADERS:
            self.fault = f"more than {MAX_HEADERS} header lines"
            raise _Stop
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if 100 <= status < 200 and status != 101:
            self.interim = True
            return
        self.status = status
        self.head_done = True
        self.keep_alive = bool(self.parser.should_keep_alive())
        for name, value in self.headers:
            lname = name.lower()
            if lname == b"content-length":
                self.delimited = True
                self.content_length = int(value)  # llhttp checked it: digits, at most once
            elif lname == b"transfer-encoding" and value.lower().rstrip().endswith(b"chunked"):
                self.delimited = True
        if self.head_only:
            # no body follows a reply to HEAD: llhttp, not told of the method, would wait for one
            close = any(n.lower() == b"connection" and b"close" in v.lower() for n, v in self.headers)
            self.keep_alive = not close and self.parser.get_http_version() == "1.1"
            raise _Stop
        if self.hijack and 200 <= status < 300:
            raise _Stop

    def on_body(self, data: bytes) -> None:
        if not self.done:  # a body after the reply's end is a stray reply's: never read as this one's
            self.body.append(data)

    def on_message_complete(self) -> None:
        if self.interim:  # the end of a 1xx: the real reply follows
            self.interim = False
            self.interims += 1
            self.reason = b""
            self.headers = []
            return
        self.done = True

    # -- feeding -------------------------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Parse ``data`` (one socket read); raises :class:`MalformedReply` for what llhttp refuses."""
        self.fed += len(data)
        if self.stop_after_head and not self.head_done:
            self.head_seen += data
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as up:
            self.upgraded = True
            self.done = True
            self.rest = data[int(up.args[0]) :]
        except httptools.HttpParserCallbackError as exc:
            raised = exc.__context__  # what the callback raised (llhttp hands back only that it failed)
            if raised is not None and not isinstance(raised, _Stop):
                raise raised from None  # Ctrl-C, SIGTERM/SIGHUP (Terminated) landing inside a callback
            if self.fault is not None:
                raise MalformedReply(self.where, self.fault) from None
            self._after_stop()
        except httptools.HttpParserError as exc:
            if self.done:  # garbage after a complete reply: it is not read, the connection is dropped
                self.extra = True
                return
            text = str(exc) or exc.__class__.__name__
            # a TLS record (alert 0x15, handshake 0x16) where a reply's first byte belongs: a TLS-only port
            hint = TLS_HINT if self.fed == len(data) and data[:2] in (b"\x15\x03", b"\x16\x03") else None
            raise MalformedReply(self.where, text[:1].lower() + text[1:], hint=hint) from None
        if not self.head_done and self.fed > MAX_HEAD:
            raise MalformedReply(self.where, f"the reply head is longer than {MAX_HEAD // 1024} KiB")

    def _after_stop(self) -> None:
        """After :class:`_Stop` at the end of a head: keep the bytes that followed it."""
        seen = bytes(self.head_seen)
        pos = 0
        for _ in range(self.interims + 1):
            pos = seen.index(b"\r\n\r\n", pos) + 4
        self.rest = seen[pos:]
        self.extra = bool(self.rest)
        self.upgraded = self.hijack
        self.done = True

    @property
    def http_version(self) -> str:
        return "HTTP/" + str(self.parser.get_http_version())

    def head(self) -> tuple[int, str, Headers]:
        headers = Headers((n.decode("latin-1"), v.decode("latin-1")) for n, v in self.headers)
        return self.status, self.reason.decode("latin-1"), headers

    def take_body(self) -> bytes:
        if not self.body:
            return b""
        data = self.body[0] if len(self.body) == 1 else b"".join(self.body)
        self.body = []
        return data


class Connection:
    """One HTTP/1.1 connection to a daemon. Not thread-safe: the pool hands it to one user at a time."""

    def __init__(self, sock: socket.socket, host: str, where: str) -> None:
        self.sock = sock
        self.host = host
        self.where = where
        self.replies = 0  # replies read to their end on this connection
        self.reusable = False
        self.closed = False

    # -- state ---------------------------------------------------------------------------------------------

    def is_quiet(self) -> bool:
        """True while an idle connection is open and has nothing to read (the daemon neither closed it nor
        sent bytes nobody asked for)."""
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.reusable = False
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def _timeout(self, deadline: Deadline) -> None:
        left = deadline.left()
        if left is not None and left <= 0:
            raise ReplyTimeout(self.where)
        self.sock.settimeout(left)

    # -- sending -------------------------------------------------------------------------------------------

    def send(
        self, method: str, target: str, headers: Mapping[str, str], body: Body, deadline: Deadline
    ) -> dict[str, str]:
        """Write one request and return the headers sent. Raises :class:`InvalidRequest` before writing
        anything it refuses."""
        check_target(method, target)
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host}"]
        for name, value in headers.items():
            check_header(name, value)
            lines.append(f"{name}: {value}")
        size: int | None = None
        blocks: Iterable[bytes] | None = None
        file: IO[bytes] | None = None
        if isinstance(body, bytes | bytearray | memoryview):
            size = len(body)
        elif body is None:
            size = 0 if method in _METHODS_WITH_BODY else None
        elif hasattr(body, "read"):
            file = cast("IO[bytes]", body)
            size = _file_size(file)
            if size is None:
                blocks = iter(lambda: file.read(BLOCK), b"")
        else:
            blocks = body
        sent = {"Host": self.host, **headers}
        if size is not None:
            sent["Content-Length"] = str(size)
            lines.append(f"Content-Length: {size}")
        elif blocks is not None:
            sent["Transfer-Encoding"] = "chunked"
            lines.append("Transfer-Encoding: chunked")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self._timeout(deadline)
        sock = self.sock
        if isinstance(body, bytes) and len(body) < BLOCK:
            sock.sendall(head + body)
        elif isinstance(body, bytes | bytearray | memoryview):
            sock.sendall(head)
            sock.sendall(body)
        elif file is not None and blocks is None:
            sock.sendall(head)
            if size:
                sock.sendfile(file, file.tell(), size)
        elif blocks is not None:
            sock.sendall(head)
            for block in blocks:
                if block:
                    sock.sendall(b"%x\r\n%b\r\n" % (len(block), block))
            sock.sendall(b"0\r\n\r\n")
        else:
            sock.sendall(head)
        return sent

    # -- reading -------------------------------------------------------------------------------------------

    def _recv(self, deadline: Deadline | None) -> bytes:
        if deadline is not None:
            self._timeout(deadline)
        try:
            return self.sock.recv(BLOCK)
        except TimeoutError:
            if deadline is None:
                raise
            raise ReplyTimeout(self.where) from None
        except OSError as exc:
            if type(exc).__name__.startswith("SSL"):  # TLS 1.3: a refused client certificate shows here
                raise tls_refused(self.where, exc) from exc
            raise

    def read_head(self, method: str, deadline: Deadline, *, upgrade: bool = False) -> ReplyReader:
        """Read up to the end of the reply head (a ``1xx`` interim reply is skipped).

        Raises :class:`ConnectionResetError` or :class:`EOFError` when the connection ended before any byte
        arrived (the caller may retry), :class:`MalformedReply`, :class:`ReplyBrokenOff`, :class:`ReplyTimeout`.
        """
        reader = ReplyReader(self.where, head_only=method == "HEAD", hijack=upgrade)
        while not reader.head_done:
            try:
                data = self._recv(deadline)
            except (ConnectionResetError, ConnectionAbortedError):
                if reader.fed == 0:
                    raise
                raise ReplyBrokenOff(
                    self.where, "the connection was reset before the reply head ended"
                ) from None
            if not data:
                if reader.fed == 0:
                    raise EOFError
                raise ReplyBrokenOff(self.where, "the connection closed before the reply head ended")
            reader.feed(data)
        return reader

    def read_body(self, reader: ReplyReader, deadline: Deadline) -> bytes:
        """The rest of the body, read whole before ``deadline``; the connection is marked reusable or not."""
        if 0 <= MAX_WHOLE < reader.content_length:
            raise MalformedReply(
                self.where, f"a body of {reader.content_length} bytes is too large to read whole"
            )
        size = sum(len(b) for b in reader.body)
        while not reader.done:
            try:
                data = self._recv(deadline)
            except (ConnectionResetError, ConnectionAbortedError):
                raise ReplyBrokenOff(
                    self.where, "the connection was reset in the middle of the body"
                ) from None
            if not data:
                self._eof(reader)
                break
            reader.feed(data)
            size += len(data)
            if size > MAX_WHOLE:
                raise MalformedReply(self.where, "the body is too large to read whole")
        self._finish(reader)
        return reader.take_body()

    def iter_body(self, reader: ReplyReader, read_timeout: float | None) -> Iterator[bytes]:
        """The body as it arrives: one block per socket read (what it decoded to; empty reads are skipped).

        Ends at the end of the body; raises :class:`ReplyBrokenOff` or :class:`MalformedReply`.
        """
        first = reader.take_body()
        if first:
            yield first
        self.sock.settimeout(read_timeout)
        recv = self.sock.recv
        feed = reader.feed
        while not reader.done:
            try:
                data = recv(BLOCK)
            except TimeoutError:
                raise ReplyTimeout(self.where) from None
            except OSError as exc:
                if self.closed:
                    return
                raise ReplyBrokenOff(self.where, exc.strerror or str(exc)) from None
            if not data:
                if self.closed:
                    return
                self._eof(reader)
            else:
                feed(data)
            body = reader.body
            if body:
                reader.body = []
                yield body[0] if len(body) == 1 else b"".join(body)
        self._finish(reader)

    def _eof(self, reader: ReplyReader) -> None:
        """The daemon closed the connection: the end of a body without a length, else a reply cut short."""
        if reader.delimited or not reader.head_done:
            raise ReplyBrokenOff(self.where, "the connection closed before the end of the body")
        reader.done = True
        reader.keep_alive = False

    def _finish(self, reader: ReplyReader) -> None:
        self.replies += 1
        self.reusable = reader.keep_alive and not reader.extra and not reader.upgraded and not self.closed


def _file_size(file: IO[bytes]) -> int | None:
    """The bytes left in a regular file (sent with ``Content-Length`` by ``sendfile``), else None."""
    try:
        st = os.fstat(file.fileno())
        if not stat.S_ISREG(st.st_mode):
            return None
        return max(st.st_size - file.tell(), 0)
    except (AttributeError, OSError, ValueError):
        return None


def connect(address: DaemonAddress, timeout: float, *, upgrade: bool = False) -> Connection:
    """A new connection to ``address`` (raises :class:`~dshell.errors.ConnectionFailed`); ``upgrade``: one
    that will be upgraded (see :func:`open_socket`)."""
    return Connection(open_socket(address, timeout, upgrade=upgrade), host_header(address), str(address))
