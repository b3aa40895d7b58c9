"""A lean kept-alive HTTP/1.1 transport for requests whose reply is read whole: JSON calls and the ping.

Most commands send one small request and decode one JSON reply. ``requests`` costs 60-90 ms to import and
about 0.6 ms per request on top of the daemon's own time; even :mod:`http.client` costs 15 ms to import (it
pulls in :mod:`email` and :mod:`ssl`). This module speaks the little HTTP/1.1 a daemon needs directly on a
socket (tcp, unix, or TLS through :mod:`ssl`, imported only then): a request with a ``Content-Length`` body,
a reply with a ``Content-Length``, ``chunked`` or read-to-close body. Streams, uploads and hijacked
connections stay on the ``requests`` session of :class:`~dshell.api.client.DockerClient`.

A few idle connections are kept per daemon. One is reused only while it is quiet: a connection the daemon
closed (or that has unread bytes) is dropped before sending, as urllib3 does, so a request is never sent twice.
"""

from __future__ import annotations

import io
import json
import select
import socket
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ssl
    from collections.abc import Callable, Iterator, Mapping

    from dshell.api.address import DaemonAddress

#: Idle connections kept per transport (a refresher thread beside the prompt needs a second one).
POOL_SIZE = 4
#: Longest status or header line accepted.
MAX_LINE = 64 * 1024
#: Most header lines accepted in one reply.
MAX_HEADERS = 200


class ProtocolError(Exception):
    """The daemon closed the connection without a reply, or sent something that is not HTTP/1.x."""


class ConnectPhaseError(Exception):
    """Wraps a failure that happened while connecting (so a timeout there reads as a connect timeout)."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


class Headers(dict[str, str]):
    """Reply headers as sent (iteration keeps their spelling), looked up case-insensitively."""

    def __init__(self) -> None:
        super().__init__()
        self._names: dict[str, str] = {}

    def add(self, name: str, value: str) -> None:
        key = name.lower()
        known = self._names.get(key)
        if known is None:
            self._names[key] = name
            super().__setitem__(name, value)
        else:
            super().__setitem__(known, f"{dict.__getitem__(self, known)}, {value}")

    def __getitem__(self, name: str) -> str:
        return dict.__getitem__(self, self._names.get(name.lower(), name))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._names

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        known = self._names.get(name.lower())
        return default if known is None else dict.__getitem__(self, known)


class LeanResponse:
    """A whole reply, with the parts of ``requests.Response`` that callers of a whole reply read."""

    raw = None

    def __init__(self, status: int, reason: str, headers: Headers, content: bytes) -> None:
        self.status_code = status
        self.reason = reason
        self.headers = headers
        self.content = content

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)

    def iter_content(self, chunk_size: int | None = 1, decode_unicode: bool = False) -> Iterator[bytes]:
        """The body (already read) in one piece, for code written against a streamed response."""
        if self.content:
            yield self.content

    def close(self) -> None:
        """Nothing to release: the body is read and the connection is back in the pool."""

    def __enter__(self) -> LeanResponse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Connection:
    """One HTTP/1.1 connection: a socket and a buffered reader on it."""

    def __init__(self, sock: socket.socket, host_header: str) -> None:
        self.sock = sock
        self.host_header = host_header
        self.reader: io.BufferedReader = sock.makefile("rb")

    def is_dropped(self) -> bool:
        """True when the daemon closed this idle connection or sent bytes nobody asked for."""
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    def close(self) -> None:
        try:
            self.reader.close()
        finally:
            self.sock.close()

    def _line(self) -> bytes:
        line = self.reader.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise ProtocolError("a reply line is too long")
        return line

    def send(self, method: str, target: str, body: bytes | None, headers: Mapping[str, str]) -> None:
        """Write one request (head and whole body)."""
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host_header}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body is not None or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body or b'')}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.sock.sendall(head + body if body else head)

    def read_head(self) -> tuple[int, str, Headers, bool]:
        """Status, reason, headers, and whether the daemon closes the connection after this reply."""
        while True:
            status_line = self._line()
            if not status_line:
                raise ProtocolError("the daemon closed the connection without a reply")
            parts = status_line.decode("latin-1").rstrip("\r\n").split(" ", 2)
            if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
                raise ProtocolError(f"not an HTTP reply: {status_line[:60]!r}")
            status = int(parts[1])
            headers = self._headers()
            if status >= 200 or status == 101:
                break
        close = parts[0] == "HTTP/1.0" or "close" in headers.get("Connection", "").lower()
        return status, parts[2] if len(parts) > 2 else "", headers, close

    @staticmethod
    def has_body(method: str, status: int) -> bool:
        return not (method == "HEAD" or status in (204, 304) or status < 200)

    def exchange(
        self, method: str, target: str, body: bytes | None, headers: Mapping[str, str]
    ) -> tuple[LeanResponse, bool]:
        """Send one request and read its whole reply; also say whether the connection must be closed."""
        self.send(method, target, body, headers)
        status, reason, reply_headers, close = self.read_head()
        if not self.has_body(method, status):
            content = b""
        elif "chunked" in reply_headers.get("Transfer-Encoding", "").lower():
            content = self._chunked()
        elif "Content-Length" in reply_headers:
            content = self._exactly(int(reply_headers["Content-Length"]))
        else:
            content = self.reader.read()
            close = True
        return LeanResponse(status, reason, reply_headers, content), close

    def iter_body(self, headers: Headers, size: int) -> Iterator[bytes]:
        """The body after :meth:`read_head`, in blocks of what each read brings (at most ``size``)."""
        read1 = self.reader.read1
        if "chunked" in headers.get("Transfer-Encoding", "").lower():
            yield from iter_dechunked(read1, size)
            return
        length = headers.get("Content-Length")
        if length is None:  # to the end of the connection
            while data := read1(size):
                yield data
            return
        left = int(length)
        while left:
            data = read1(min(size, left))
            if not data:
                raise ProtocolError(f"the reply ended {left} bytes short")
            left -= len(data)
            yield data

    def _headers(self) -> Headers:
        headers = Headers()
        for _ in range(MAX_HEADERS):
            line = self._line()
            if line in (b"\r\n", b"\n", b""):
                return headers
            name, sep, value = line.decode("latin-1").partition(":")
            if not sep:
                raise ProtocolError(f"malformed header line: {line[:60]!r}")
            headers.add(name.strip(), value.strip())
        raise ProtocolError("too many header lines")

    def _exactly(self, size: int) -> bytes:
        data = self.reader.read(size)
        if len(data) != size:
            raise ProtocolError(f"the reply ended after {len(data)} of {size} bytes")
        return data

    def _chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size_line = self._line()
            try:
                size = int(size_line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise ProtocolError(f"malformed chunk size: {size_line[:60]!r}") from None
            if size == 0:
                while self._line() not in (b"\r\n", b"\n", b""):  # trailers
                    pass
                return b"".join(parts)
            parts.append(self._exactly(size))
            self._exactly(2)  # CRLF after the chunk


class LeanStream:
    """A reply whose body is read as it arrives: status and headers now, the body in blocks later.

    The connection is the stream's own: it is closed when the body ends, when iteration stops early, or
    by :meth:`close`.
    """

    def __init__(self, conn: Connection, status: int, reason: str, headers: Headers) -> None:
        self.conn = conn
        self.status_code = status
        self.reason = reason
        self.headers = headers

    def iter_blocks(self, size: int) -> Iterator[bytes]:
        try:
            yield from self.conn.iter_body(self.headers, size)
        finally:
            self.conn.close()

    def close(self) -> None:
        self.conn.close()


class LeanTransport:
    """Kept-alive connections to one daemon, for requests whose reply is read whole or streamed."""

    def __init__(self, address: DaemonAddress, *, connect_timeout: float) -> None:
        self.address = address
        self.connect_timeout = connect_timeout
        self._idle: list[Connection] = []
        self._lock = threading.Lock()
        self._ssl_context: ssl.SSLContext | None = None

    def _context(self) -> ssl.SSLContext:
        import ssl

        if self._ssl_context is None:
            tls = self.address.tls
            assert tls is not None
            if isinstance(tls.verify, str):
                ctx = ssl.create_default_context(cafile=tls.verify)
            elif tls.verify:
                try:
                    import certifi  # the CA bundle requests verifies with

                    ctx = ssl.create_default_context(cafile=certifi.where())
                except ImportError:
                    ctx = ssl.create_default_context()
            else:
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            if tls.cert:
                ctx.load_cert_chain(*tls.cert)
            self._ssl_context = ctx
        return self._ssl_context

    def _connect(self) -> Connection:
        a = self.address
        try:
            if a.scheme == "unix":
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    sock.settimeout(self.connect_timeout)
                    sock.connect(a.path)
                except BaseException:
                    sock.close()
                    raise
                return Connection(sock, "localhost")
            sock = socket.create_connection((a.host, a.port), timeout=self.connect_timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            host = f"[{a.host}]" if ":" in a.host else a.host
            if a.tls is not None:
                try:
                    sock = self._context().wrap_socket(sock, server_hostname=a.host)
                except BaseException:
                    sock.close()
                    raise
            return Connection(sock, f"{host}:{a.port}")
        except (OSError, ValueError) as exc:
            raise ConnectPhaseError(exc) from exc

    def _take(self) -> Connection:
        with self._lock:
            while self._idle:
                conn = self._idle.pop()
                if not conn.is_dropped():
                    return conn
                conn.close()
        return self._connect()

    def _release(self, conn: Connection, close: bool) -> None:
        """After a whole reply: close ``conn`` if the daemon said so, else keep it for the next request."""
        if close:
            conn.close()
        else:
            self._give_back(conn)

    def _give_back(self, conn: Connection) -> None:
        with self._lock:
            if len(self._idle) < POOL_SIZE:
                self._idle.append(conn)
                return
        conn.close()

    def request(
        self,
        method: str,
        target: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> LeanResponse:
        """Send ``method target`` (path and query, already encoded) and read the whole reply.

        ``timeout`` bounds each read (None: wait as long as it takes). Raises :class:`ConnectPhaseError`
        around a failure to connect, and ``OSError`` or :class:`ProtocolError` for one after that.
        """
        conn = self._take()
        try:
            conn.sock.settimeout(timeout)
            reply, close = conn.exchange(method, target, body, {"User-Agent": "dshell", **(headers or {})})
        except BaseException:
            conn.close()
            raise
        self._release(conn, close)
        return reply

    def open(
        self,
        method: str,
        target: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> LeanResponse | LeanStream:
        """Send a request and read the reply's head: a :class:`LeanStream` for a 2xx reply with a body
        (reads wait as long as the daemon takes unless ``timeout``), else the whole :class:`LeanResponse`.

        Errors as :meth:`request`.
        """
        conn = self._take()
        try:
            conn.sock.settimeout(timeout)
            conn.send(method, target, body, {"User-Agent": "dshell", **(headers or {})})
            status, reason, reply_headers, close = conn.read_head()
            if 200 <= status < 300 and conn.has_body(method, status):
                return LeanStream(conn, status, reason, reply_headers)
            if not conn.has_body(method, status):
                content = b""
            else:  # an error: its (small) body says why
                content = b"".join(conn.iter_body(reply_headers, 65536))
                delimited = "Content-Length" in reply_headers or "chunked" in str(
                    reply_headers.get("Transfer-Encoding", "")
                )
                close = close or not delimited
        except BaseException:
            conn.close()
            raise
        self._release(conn, close)
        return LeanResponse(status, reason, reply_headers, content)

    def close(self) -> None:
        """Close every idle connection."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


def _chunk_size(line: bytes) -> int:
    try:
        return int(line.split(b";", 1)[0], 16)
    except ValueError:
        raise ProtocolError(f"malformed chunk size: {line[:60]!r}") from None


def iter_dechunked(read1: Callable[[int], bytes], size: int) -> Iterator[bytes]:
    """The payload of a ``chunked`` body, one block per read of up to ``size`` bytes.

    ``read1`` returns what one read of the connection brings (``BufferedReader.read1``), so a slow stream
    (``logs -f``, ``events``) yields as soon as bytes arrive, and a fast one yields large blocks however
    small the daemon's HTTP chunks are (it sends each log frame as a chunk of its own: decoding them one
    by one costs more than everything else ``logs`` does). Ends after the last chunk; raises
    :class:`ProtocolError` for a malformed body or one that stops before its last chunk.
    """
    rest = b""  # undecoded bytes: a partial size line, or a partial CRLF after a payload
    left = 0  # payload bytes still due in the current chunk (its CRLF not included); -2: only its CRLF
    while True:
        data = read1(size)
        if not data:
            raise ProtocolError("the stream ended inside a chunked body")
        buf = rest + data if rest else data
        end = len(buf)
        pos = 0
        out: list[bytes] = []
        if left > 0:  # the rest of a chunk that began in an earlier read
            take = min(left, end)
            out.append(buf[:take] if take < end else buf)
            pos = take
            left -= take
            if left:
                yield out[0]
                rest = b""
                continue
            left = -2  # its CRLF is due
        if left == -2:
            if end - pos < 2:
                rest = buf[pos:]
                left = -2
                if out:
                    yield out[0]
                continue
            if buf[pos : pos + 2] != b"\r\n":
                raise ProtocolError("malformed chunked body: no CRLF after a chunk")
            pos += 2
            left = 0
        # whole chunks: size line, payload, CRLF
        while True:
            eol = buf.find(b"\r\n", pos)
            if eol < 0:
                if end - pos > MAX_LINE:
                    raise ProtocolError("malformed chunked body: size line too long")
                break
            line = buf[pos:eol]
            try:
                n = int(line, 16)
            except ValueError:
                n = _chunk_size(line)
            if n == 0:
                if out:
                    yield b"".join(out)
                return  # trailers, if any, are left unread: the caller closes the connection
            start = eol + 2
            stop = start + n
            if stop + 2 <= end:
                if buf[stop : stop + 2] != b"\r\n":
                    raise ProtocolError("malformed chunked body: no CRLF after a chunk")
                out.append(buf[start:stop])
                pos = stop + 2
                continue
            # a chunk that goes on in the next read
            if stop <= end:
                out.append(buf[start:stop])
                pos = stop
                left = -2
            else:
                if start < end:
                    out.append(buf[start:])
                pos = end
                left = stop - end
            break
        rest = buf[pos:] if pos < end else b""
        if out:
            yield out[0] if len(out) == 1 else b"".join(out)
