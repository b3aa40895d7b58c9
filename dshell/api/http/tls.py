"""The one :class:`ssl.SSLContext` builder, used by every connection (whole replies, streams, upgrades), and
the TLS stream of an upgraded connection, which can half-close.

``verify=True`` verifies against the system's CA store (``ssl.create_default_context()``: OpenSSL's default
paths, what the Docker CLI on Linux uses too; ``certifi`` is not a dependency); ``verify="path"`` trusts only
that CA bundle; ``verify=False`` checks nothing (``--insecure-skip-tls-verify``). A client certificate and
key are loaded when given. One context is made per TLS configuration and kept: the handshake of every new
connection reuses it (and its loaded certificates).

Requests and streams run on an :class:`ssl.SSLSocket`. A connection to be upgraded (``attach``, ``exec``)
runs on :class:`HalfClosableTLS` instead: the same context drives an :class:`ssl.SSLObject` over two memory
BIOs, so dshell decides when ``SSL_shutdown`` runs. ``shutdown(SHUT_WR)`` on it sends ``close_notify`` and the
daemon's output is still read to its end — Go's ``tls.Conn.CloseWrite``, what the Docker CLI does when
stdin ends. An :class:`ssl.SSLSocket` cannot: its ``unwrap()`` calls ``SSL_shutdown`` a second time on the
socket itself, which reads the daemon's next output record and fails with
``APPLICATION_DATA_AFTER_CLOSE_NOTIFY``. Here that second call finds no whole record (every one is decrypted
first, see :meth:`HalfClosableTLS.shutdown`) and only asks for more input.
"""

from __future__ import annotations

import functools
import socket
import ssl
import threading
from typing import IO, TYPE_CHECKING, Any

from dshell.api.address import TLSConfig

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

#: Bytes asked of the socket (and of the TLS layer) per read.
_BLOCK = 64 * 1024


@functools.lru_cache(maxsize=16)
def context(tls: TLSConfig) -> ssl.SSLContext:
    """The client context for ``tls`` (made once per configuration)."""
    if isinstance(tls.verify, str):
        ctx = ssl.create_default_context(cafile=tls.verify)
    else:
        ctx = ssl.create_default_context()
        if not tls.verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
    if tls.cert:
        ctx.load_cert_chain(*tls.cert)
    return ctx


class HalfClosableTLS(socket.socket):
    """A TLS client stream over a connected socket that can end its sending side and keep reading.

    It takes the socket over (as :class:`ssl.SSLSocket` does) and is used like one: ``recv``, ``send``,
    ``sendall``, ``sendfile``, ``settimeout``, ``close``, ``select`` on it. ``shutdown(SHUT_WR)`` sends
    ``close_notify`` (no TCP FIN, as Go); ``SHUT_RD``/``SHUT_RDWR`` shut the socket down (waking a reader).

    One thread may read while another writes (the stdin pump of ``exec -i``): the TLS state is used under a
    lock that is never held while waiting on the socket, and the encrypted bytes leave in the order they
    were made (a second lock is held from encrypting to sending).
    """

    def __init__(self, sock: socket.socket, tls: TLSConfig, server_hostname: str) -> None:
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._tls = context(tls).wrap_bio(self._incoming, self._outgoing, server_hostname=server_hostname)
        super().__init__(sock.family, sock.type, sock.proto, fileno=sock.fileno())
        self.settimeout(sock.gettimeout())
        sock.detach()
        self._lock = threading.Lock()  # the SSLObject and its BIOs
        self._send_lock = threading.Lock()  # from encrypting to the bytes being on the socket
        self._plain = bytearray()  # decrypted before a shutdown(SHUT_WR), not yet read
        self._peer_closed = False  # the daemon's close_notify (or the connection's end) was read
        self._write_closed = False

    def do_handshake(self) -> None:
        """The TLS handshake (within the socket's timeout); raises what :class:`ssl.SSLSocket` raises."""
        ended = False
        while True:
            try:
                self._tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                if ended:  # (OpenSSL raises SSLEOFError first)
                    raise ConnectionResetError("the connection closed during the TLS handshake") from None
                self._flush()
                ended = not self._pull()
        self._flush()

    def version(self) -> str | None:
        return self._tls.version()

    # -- reading -------------------------------------------------------------------------------------------

    def _pull(self) -> bool:
        """Read what the socket has (waiting up to its timeout) into the TLS layer; False at its end."""
        data = super().recv(_BLOCK)
        with self._lock:
            if data:
                self._incoming.write(data)
            else:
                self._incoming.write_eof()
        return bool(data)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        if flags:
            raise ValueError("non-zero flags are not allowed in calls to recv() on a TLS stream")
        while True:
            with self._lock:
                if self._plain:
                    data = bytes(self._plain[:bufsize])
                    del self._plain[:bufsize]
                    return data
                if self._peer_closed:
                    return b""
                try:
                    data = self._tls.read(bufsize)
                    if not data:  # the daemon's close_notify (SSLObject reads it as b"")
                        self._peer_closed = True
                        return b""
                    return self._more(data, bufsize) if len(data) < bufsize else data
                except ssl.SSLWantReadError:
                    pending = self._outgoing.pending > 0  # a reply the TLS layer owes (a key update)
                except ssl.SSLZeroReturnError:  # close_notify
                    self._peer_closed = True
                    return b""
                except ssl.SSLEOFError:
                    if not self._incoming.eof:
                        raise
                    self._peer_closed = True  # the socket ended without close_notify: an end, as SSLSocket's
                    return b""
            if pending:
                self._flush()
            self._pull()

    def _more(self, data: bytes, bufsize: int) -> bytes:
        """``data`` and the whole records after it, up to ``bufsize`` bytes (a read decrypts one record of at
        most 16 KiB; a socket read brings several): fewer trips through Python per block of a stream."""
        parts = [data]
        left = bufsize - len(data)
        while left > 0:
            try:
                more = self._tls.read(left)
            except ssl.SSLWantReadError:
                break
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                self._peer_closed = True  # the end, returned by the next recv()
                break
            except ssl.SSLError:  # a fault: the next recv() meets it
                break
            if not more:
                self._peer_closed = True  # close_notify: the end, returned by the next recv()
                break
            parts.append(more)
            left -= len(more)
        return data if len(parts) == 1 else b"".join(parts)

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        view = memoryview(buffer).cast("B")
        data = self.recv(nbytes or len(view), flags)
        view[: len(data)] = data
        return len(data)

    # -- writing -------------------------------------------------------------------------------------------

    def _flush(self) -> None:
        """Send what the TLS layer has made, in order."""
        with self._send_lock:
            with self._lock:
                data = self._outgoing.read()
            if data:
                super().sendall(data)

    def sendall(self, data: ReadableBuffer, flags: int = 0) -> None:
        if flags:
            raise ValueError("non-zero flags are not allowed in calls to sendall() on a TLS stream")
        with self._send_lock:
            with self._lock:
                if self._write_closed:
                    raise BrokenPipeError("the TLS stream was closed for writing")
                self._tls.write(data)
                out = self._outgoing.read()
            super().sendall(out)

    def send(self, data: ReadableBuffer, flags: int = 0) -> int:
        self.sendall(data, flags)
        return memoryview(data).nbytes

    def sendfile(self, file: Any, offset: int = 0, count: int | None = None) -> int:
        """Encrypted: read and sent in blocks (the kernel's sendfile would send the plain bytes)."""
        stream: IO[bytes] = file
        stream.seek(offset)
        sent = 0
        while count is None or sent < count:
            block = stream.read(_BLOCK if count is None else min(_BLOCK, count - sent))
            if not block:
                break
            self.sendall(block)
            sent += len(block)
        return sent

    # -- ending --------------------------------------------------------------------------------------------

    def shutdown(self, how: int) -> None:
        """``SHUT_WR``: send ``close_notify`` once and keep reading; else shut the socket down."""
        if how != socket.SHUT_WR:
            super().shutdown(how)
            return
        with self._send_lock:
            with self._lock:
                if self._write_closed:
                    return
                self._write_closed = True
                # The ssl module calls SSL_shutdown twice: the first queues close_notify, the second reads
                # the daemon's. A whole output record still in the incoming BIO would make that second call
                # fail (application data after close notify) and break the stream: decrypt all first.
                while not self._peer_closed:
                    try:
                        data = self._tls.read(_BLOCK)
                    except ssl.SSLWantReadError:
                        break
                    except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                        data = b""
                    if not data:  # the daemon's close_notify came first
                        self._peer_closed = True
                    self._plain += data
                try:
                    self._tls.unwrap()
                except ssl.SSLWantReadError:
                    pass  # close_notify is queued; the daemon's comes at the end of its output
                out = self._outgoing.read()
            super().sendall(out)


def half_closable(sock: socket.socket, tls: TLSConfig, server_hostname: str) -> HalfClosableTLS:
    """``sock`` taken over by a :class:`HalfClosableTLS` stream, its handshake done (the socket is closed if
    the handshake fails)."""
    try:
        stream = HalfClosableTLS(sock, tls, server_hostname)
    except BaseException:
        sock.close()
        raise
    try:
        stream.do_handshake()
    except BaseException:
        stream.close()
        raise
    return stream
