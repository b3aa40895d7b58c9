"""A raw, hijacked connection to the daemon: what ``attach`` and ``exec`` speak once the HTTP reply is in.

The request goes out with ``Connection: Upgrade`` / ``Upgrade: tcp`` on a fresh socket (unix, tcp, or TLS
when the address says so); the daemon answers ``101 UPGRADED`` (or ``200`` on old daemons) and the socket then
carries the container's raw or multiplexed stream in both directions. A non-2xx reply becomes the same typed
error the HTTP client raises, with the daemon's message.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from dshell.api.client import CHUNK, Params, _encode_params, connection_error
from dshell.errors import ConnectionFailed, DshellError, api_error

if TYPE_CHECKING:
    import ssl

    from dshell.api.address import DaemonAddress
    from dshell.api.client import DockerClient

#: The most header bytes accepted before the reply is called malformed.
MAX_HEADER = 64 * 1024


class Hijacked:
    """A hijacked connection: the socket plus the stream bytes that arrived with the reply headers."""

    def __init__(self, sock: socket.socket, buffered: bytes, status: int, headers: dict[str, str]) -> None:
        self.sock = sock
        self.buffered = buffered
        self.status = status
        self.headers = headers
        self._closed = False

    def iter_chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        """The stream from the daemon in blocks of up to ``size`` bytes, until it closes the connection."""
        if self.buffered:
            data, self.buffered = self.buffered, b""
            yield data
        while not self._closed:
            try:
                data = self.sock.recv(size)
            except OSError as exc:
                if self._closed:
                    return
                raise DshellError(f"the stream from the daemon broke off: {exc}") from exc
            if not data:
                return
            yield data

    def send(self, data: bytes) -> None:
        """Write ``data`` to the container's stdin."""
        self.sock.sendall(data)

    def close_write(self) -> None:
        """Signal end of input (half-close; a TLS connection cannot half-close and is left as it is)."""
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

    def __enter__(self) -> Hijacked:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _tls_context(address: DaemonAddress) -> ssl.SSLContext:
    import ssl

    tls = address.tls
    assert tls is not None
    if tls.verify is False:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    elif isinstance(tls.verify, str):
        ctx = ssl.create_default_context(cafile=tls.verify)
    else:
        ctx = ssl.create_default_context()
    if tls.cert:
        ctx.load_cert_chain(*tls.cert)
    return ctx


def connect(address: DaemonAddress, *, timeout: float) -> socket.socket:
    """A connected socket to the daemon (TLS-wrapped when the address uses TLS)."""
    try:
        if address.scheme == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(address.path)
        else:
            sock = socket.create_connection((address.host, address.port), timeout=timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if address.tls is not None:
                sock = _tls_context(address).wrap_socket(sock, server_hostname=address.host)
    except OSError as exc:
        raise connection_error(address, exc) from exc
    return sock


def _read_headers(sock: socket.socket) -> tuple[int, str, dict[str, str], bytes]:
    """Read the reply's status line and headers; return them and the bytes read past them."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(CHUNK)
        if not chunk:
            raise DshellError("the daemon closed the connection before replying")
        data += chunk
        if len(data) > MAX_HEADER:
            raise DshellError("the daemon sent a malformed reply (headers too long)")
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    try:
        status = int(parts[1])
    except (IndexError, ValueError):
        raise DshellError(f"the daemon sent a malformed reply: {lines[0]!r}") from None
    reason = parts[2] if len(parts) > 2 else ""
    headers: dict[str, str] = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    return status, reason, headers, rest


def _error_body(sock: socket.socket, headers: dict[str, str], rest: bytes) -> str:
    """The daemon's ``message`` from an error reply (its body read up to Content-Length or close)."""
    length = int(headers.get("content-length") or 0) if headers.get("content-length", "").isdigit() else -1
    body = rest
    try:
        while length < 0 or len(body) < length:
            chunk = sock.recv(CHUNK)
            if not chunk:
                break
            body += chunk
            if len(body) > MAX_HEADER:
                break
    except OSError:
        pass
    text = body.decode(errors="replace").strip()
    try:
        doc = json.loads(text)
        if isinstance(doc, dict) and doc.get("message"):
            return str(doc["message"])
    except ValueError:
        pass
    return text


def hijack(
    client: DockerClient,
    method: str,
    template: str,
    *parts: object,
    params: Params = None,
    json_body: Any = None,
) -> Hijacked:
    """Send one request on a new connection asking for an upgrade, and return the hijacked connection.

    ``template`` and ``parts`` are filled (percent-encoded) exactly as :meth:`DockerClient.request` does.
    """
    path = f"/v{client.api_version}" + client.path(template, *parts)
    query = _encode_params(params)
    if query:
        path += "?" + urlencode(query)
    body = json.dumps(json_body).encode() if json_body is not None else b""
    address = client.address
    host = "docker" if address.scheme == "unix" else f"{address.host}:{address.port}"
    request = (
        f"{method} {path} HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        "User-Agent: dshell\r\n"
        "Connection: Upgrade\r\n"
        "Upgrade: tcp\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    sock = connect(address, timeout=client.connect_timeout)
    try:
        sock.settimeout(client.timeout)
        sock.sendall(request)
        status, reason, headers, rest = _read_headers(sock)
        if status >= 300:
            message = _error_body(sock, headers, rest) or f"{status} {reason}".strip()
            raise api_error(status, message, method=method, path=path)
        sock.settimeout(None)
    except OSError as exc:
        sock.close()
        if isinstance(exc, socket.timeout):
            raise ConnectionFailed(str(address), "the daemon did not answer in time (see --timeout)") from exc
        raise connection_error(address, exc) from exc
    except BaseException:
        sock.close()
        raise
    return Hijacked(sock, rest, status, headers)
