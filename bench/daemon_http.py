"""A plain stdlib HTTP client for the bench's own set-up, clean-up and floor measurements (never dshell).

``http.client`` on a kept-alive connection per thread, over tcp or a unix socket: what a bare Python script
talking to the daemon does. Independent of dshell's HTTP stack on purpose, and of ``requests`` (dshell no
longer depends on it; the bench compares against it only where it is installed).
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
from typing import Any
from urllib.parse import urlencode


class Reply:
    """A whole reply."""

    def __init__(self, status_code: int, reason: str, content: bytes) -> None:
        self.status_code = status_code
        self.reason = reason
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.path)
        self.sock = sock


class Session:
    """Kept-alive requests to one daemon (``tcp://host:port`` or ``unix:///path``), one connection a thread."""

    def __init__(self, host: str, *, timeout: float = 600) -> None:
        self.host = host
        self.timeout = timeout
        self._local = threading.local()

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self.host.startswith("unix://"):
                conn = _UnixConnection(self.host.removeprefix("unix://"), timeout)
            else:
                name, _, port = self.host.removeprefix("tcp://").rpartition(":")
                conn = http.client.HTTPConnection(name, int(port), timeout=timeout)
            self._local.conn = conn
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        return conn

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        timeout: float | None = None,
    ) -> Reply:
        """Send ``method path`` and read the whole reply (once more on a fresh connection if the kept-alive
        one was closed by the daemon)."""
        target = path + ("?" + urlencode(params) if params else "")
        body = json.dumps(json_body).encode() if json_body is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else {}
        for attempt in (1, 2):
            conn = self._connection(self.timeout if timeout is None else timeout)
            try:
                conn.request(method, target, body=body, headers=headers)
                reply = conn.getresponse()
                return Reply(reply.status, reply.reason, reply.read())
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                self._local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)
