"""A fake daemon on a real socket (tcp or unix), for faults a real daemon cannot produce.

Each accepted connection runs ``handler(peer)`` in a thread of its own; :class:`Peer` reads requests
(``Content-Length`` or ``chunked`` bodies) and writes whatever bytes a test wants, however malformed.
"""

from __future__ import annotations

import os
import socket
import struct
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from dshell.api.address import DaemonAddress


@dataclass
class Received:
    """One request as the fake daemon read it."""

    head: bytes
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def line(self) -> str:
        return self.head.split(b"\r\n", 1)[0].decode("latin-1")


class Peer:
    """The daemon's side of one connection."""

    def __init__(self, sock: socket.socket, daemon: FakeDaemon) -> None:
        self.sock = sock
        self.daemon = daemon
        self.buf = b""

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        if not data:
            return False
        self.buf += data
        return True

    def _line(self) -> bytes | None:
        while b"\r\n" not in self.buf:
            if not self._fill():
                return None
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def _exactly(self, n: int) -> bytes | None:
        while len(self.buf) < n:
            if not self._fill():
                return None
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_request(self) -> Received | None:
        """The next request on this connection, or None when the client closed it."""
        try:
            while b"\r\n\r\n" not in self.buf:
                if not self._fill():
                    return None
        except OSError:
            return None
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        headers = {}
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = b""
        if "content-length" in headers:
            body = self._exactly(int(headers["content-length"])) or b""
        elif headers.get("transfer-encoding") == "chunked":
            parts = []
            while True:
                size_line = self._line()
                if size_line is None:
                    break
                size = int(size_line, 16)
                data = self._exactly(size + 2)
                if size == 0 or data is None:
                    break
                parts.append(data[:-2])
            body = b"".join(parts)
        got = Received(head, body, headers)
        self.daemon.received.append(got)
        return got

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def trickle(self, data: bytes, pause: float) -> None:
        """Send ``data`` a byte at a time, ``pause`` seconds apart (stops when the client goes away)."""
        for i in range(len(data)):
            try:
                self.sock.sendall(data[i : i + 1])
            except OSError:
                return
            if self.daemon.stopped.wait(pause):
                return

    def reset(self) -> None:
        """Close with an RST instead of a FIN."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def reply(status: int = 200, body: bytes = b"", *, reason: str = "OK", headers: str = "") -> bytes:
    """A well-formed reply with a ``Content-Length`` body."""
    return (f"HTTP/1.1 {status} {reason}\r\n{headers}Content-Length: {len(body)}\r\n\r\n").encode() + body


class FakeDaemon:
    """A threaded server on 127.0.0.1 (``unix=False``) or a unix socket; use as a context manager."""

    def __init__(self, handler: Callable[[Peer], None], *, unix: bool = False) -> None:
        self.handler = handler
        self.received: list[Received] = []
        self.connections = 0
        self.stopped = threading.Event()
        self._peers: list[Peer] = []
        if unix:
            self._dir = tempfile.mkdtemp(prefix="dshell-fake-")
            path = os.path.join(self._dir, "d.sock")
            self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.listener.bind(path)
            self.address = DaemonAddress("unix", path=path)
        else:
            self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.listener.bind(("127.0.0.1", 0))
            self.address = DaemonAddress("tcp", host="127.0.0.1", port=self.listener.getsockname()[1])
        self.listener.listen(64)
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            peer = Peer(sock, self)
            self._peers.append(peer)
            threading.Thread(target=self._run, args=(peer,), daemon=True).start()

    def _run(self, peer: Peer) -> None:
        try:
            self.handler(peer)
        except OSError:
            pass

    def __enter__(self) -> FakeDaemon:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.listener.close()
        for peer in self._peers:
            peer.close()
        if self.address.scheme == "unix":
            os.unlink(self.address.path)
            os.rmdir(self._dir)


def serve_each(replies: list[bytes], *, then: bytes | None = None) -> Callable[[Peer], None]:
    """A handler answering each request (on any connection) with the next of ``replies``, then ``then``."""
    lock = threading.Lock()

    def handler(peer: Peer) -> None:
        while peer.read_request() is not None:
            with lock:
                data = replies.pop(0) if replies else then
            if data is None:
                peer.close()
                return
            peer.send(data)

    return handler


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()
