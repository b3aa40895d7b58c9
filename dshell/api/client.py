"""The one place that talks HTTP to a daemon: URL building, version negotiation, errors.

Requests whose reply is read whole (JSON calls, the version ping, every non-streaming request without an
upload body) go over a lean kept-alive HTTP/1.1 transport on a plain socket (:mod:`dshell.api.transport`);
streams, uploads and the raw plugin use a kept-alive ``requests.Session``, imported only when one of them
runs (its chunked bodies are decoded in blocks, :func:`~dshell.api.transport.iter_dechunked`). Every path
part is percent-encoded here; query values go through ``params``. Non-2xx replies become typed
:mod:`dshell.errors` carrying the daemon's ``message``.
"""

from __future__ import annotations

import errno
import json
import os
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from dshell.api.address import DaemonAddress
from dshell.errors import APIError, ConnectionFailed, DshellError, api_error

if TYPE_CHECKING:
    import requests

    from dshell.api.transport import LeanResponse, LeanStream, LeanTransport

#: The newest Engine API version dshell speaks; the daemon's own version wins when it is lower.
MAX_API_VERSION = "1.47"
#: Seconds to wait for a TCP/unix connection before giving up.
CONNECT_TIMEOUT = 3.0
#: Default read timeout for non-streaming requests (``--timeout`` overrides).
DEFAULT_TIMEOUT = 120.0
#: Block size for streamed bodies.
CHUNK = 64 * 1024

Params = Mapping[str, Any] | None


class Reply(Protocol):
    """What callers read of a reply to a request: its status, headers and (whole) body."""

    status_code: int
    reason: str

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def content(self) -> bytes: ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...

    def close(self) -> None: ...


def version_tuple(version: str) -> tuple[int, ...]:
    """``"1.41"`` -> ``(1, 41)``."""
    return tuple(int(p) for p in version.split("."))


def quote_part(part: object) -> str:
    """Percent-encode one path segment: ``/``, ``?``, ``#``, ``%`` and spaces included."""
    return quote(str(part), safe="")


def _encode_params(params: Params) -> dict[str, str] | None:
    if not params:
        return None
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "1" if value else "0"
        elif isinstance(value, dict | list):
            out[key] = json.dumps(value, separators=(",", ":"))
        else:
            out[key] = str(value)
    return out


class DockerClient:
    """HTTP client for one daemon. Thread-safe enough for a background refresher beside the REPL."""

    def __init__(
        self,
        address: DaemonAddress,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        api_version: str | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
    ) -> None:
        self.address = address
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self._pinned_version = api_version or os.environ.get("DOCKER_API_VERSION") or None
        self._api_version: str | None = self._pinned_version
        self._daemon_api_version: str | None = None
        self._session: requests.Session | None = None
        self._lean: LeanTransport | None = None
        self._lock = threading.Lock()
        self.ping_headers: dict[str, str] = {}

    # -- connection --------------------------------------------------------------------------------------

    @property
    def session(self) -> requests.Session:
        """The kept-alive session, made on first use."""
        if self._session is None:
            with self._lock:
                if self._session is None:
                    self._session = self._make_session()
        return self._session

    def _make_session(self) -> requests.Session:
        import requests

        if self.address.scheme == "unix":
            import requests_unixsocket

            session: requests.Session = requests_unixsocket.Session()
        else:
            session = requests.Session()
            session.trust_env = False  # no proxies for a daemon socket
            tls = self.address.tls
            if tls is not None:
                session.verify = tls.verify
                if tls.cert:
                    session.cert = tls.cert
        session.headers["User-Agent"] = "dshell"
        return session

    def close(self) -> None:
        """Drop the kept-alive connection (a new one is made on next use)."""
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None
            if self._lean is not None:
                self._lean.close()
                self._lean = None

    # -- version -------------------------------------------------------------------------------------------

    @property
    def api_version(self) -> str:
        """The negotiated API version, negotiating (one ``/_ping``) on first use."""
        if self._api_version is None:
            self.negotiate()
        assert self._api_version is not None
        return self._api_version

    @property
    def daemon_api_version(self) -> str | None:
        """The daemon's own newest API version, once known."""
        return self._daemon_api_version

    def negotiate(self) -> str:
        """Ping the daemon and settle on the lower of its API version and :data:`MAX_API_VERSION`."""
        resp = self._send_lean("GET", "/_ping", versioned=False)
        self.ping_headers = {k: v for k, v in resp.headers.items()}
        daemon = resp.headers.get("Api-Version")
        self._daemon_api_version = daemon
        if self._pinned_version:
            self._api_version = self._pinned_version
        elif daemon:
            self._api_version = min(daemon, MAX_API_VERSION, key=version_tuple)
        else:
            self._api_version = "1.24"  # the oldest version without a version header
        return self._api_version

    # -- URLs ----------------------------------------------------------------------------------------------

    def path(self, template: str, *parts: object) -> str:
        """Fill ``{}`` placeholders of ``template`` with percent-encoded ``parts``."""
        return template.format(*(quote_part(p) for p in parts))

    def url(self, path: str, *, versioned: bool = True) -> str:
        """Absolute URL for an already-encoded ``path`` (``/vX.Y`` added when ``versioned``)."""
        prefix = f"/v{self.api_version}" if versioned else ""
        return self.address.base_url + prefix + path

    # -- requests ------------------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        template: str,
        *parts: object,
        params: Params = None,
        json_body: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        timeout: float | None = None,
        versioned: bool = True,
    ) -> requests.Response:
        """Send one request and return the 2xx/304 response, or raise the typed error.

        ``template`` is a path like ``/containers/{}/json``; ``parts`` fill it, each percent-encoded.
        Streamed responses are returned unread: iterate them, never read them whole.
        """
        path = self.path(template, *parts)
        if not stream and data is None:
            return self._send_lean(  # type: ignore[return-value]  # duck-types what callers read
                method,
                path,
                params=params,
                json_body=json_body,
                headers=headers,
                timeout=timeout,
                versioned=versioned,
            )
        return self._send(
            method,
            path,
            params=params,
            json_body=json_body,
            data=data,
            headers=headers,
            stream=stream,
            timeout=timeout,
            versioned=versioned,
        )

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Params = None,
        json_body: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        timeout: float | None = None,
        versioned: bool = True,
    ) -> requests.Response:
        import requests

        url = self.url(path, versioned=versioned)
        read_timeout = None if stream else (timeout if timeout is not None else self.timeout)
        body = data
        send_headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body)
            send_headers.setdefault("Content-Type", "application/json")
        try:
            resp = self.session.request(
                method,
                url,
                params=_encode_params(params),
                data=body,
                headers=send_headers,
                stream=stream,
                timeout=(self.connect_timeout, read_timeout),
                allow_redirects=False,  # a redirect would re-send e.g. DELETE to a path the user never named
            )
        except requests.exceptions.RequestException as exc:
            raise connection_error(self.address, exc) from exc
        self._raise_for_status(resp, method, path)
        return resp

    @property
    def lean(self) -> LeanTransport:
        """The kept-alive lean transport for whole replies, made on first use."""
        if self._lean is None:
            with self._lock:
                if self._lean is None:
                    from dshell.api.transport import LeanTransport

                    self._lean = LeanTransport(self.address, connect_timeout=self.connect_timeout)
        return self._lean

    def _send_lean(
        self,
        method: str,
        path: str,
        *,
        params: Params = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        versioned: bool = True,
    ) -> LeanResponse:
        """Send a request whose reply is read whole, on the lean transport; same errors as :meth:`_send`."""
        from dshell.api.transport import ConnectPhaseError, ProtocolError

        target, body, send_headers = self._lean_request(path, params, json_body, headers, versioned)
        try:
            resp = self.lean.request(
                method,
                target,
                body=body,
                headers=send_headers,
                timeout=timeout if timeout is not None else self.timeout,
            )
        except ConnectPhaseError as exc:
            raise lean_connection_error(self.address, exc.cause, connecting=True) from exc.cause
        except (OSError, ProtocolError) as exc:
            raise lean_connection_error(self.address, exc, connecting=False) from exc
        self._raise_for_status(resp, method, path)
        return resp

    def stream(
        self,
        method: str,
        template: str,
        *parts: object,
        params: Params = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        versioned: bool = True,
    ) -> Iterator[bytes]:
        """Send a request without an upload body and return its reply body in blocks as they arrive.

        The lean equivalent of ``iter_stream(request(..., stream=True))`` for logs, save, export, events and
        the like: no ``requests`` import (60-90 ms) and no per-chunk overhead. The request is sent and a
        non-2xx reply raised now; the body is read as the iterator is consumed, each block what one read
        of the connection brings (up to :data:`CHUNK` bytes). The connection is closed when the body ends or
        the iteration stops.
        """
        from dshell.api.transport import ConnectPhaseError, LeanResponse, ProtocolError

        path = self.path(template, *parts)
        target, body, send_headers = self._lean_request(path, params, json_body, headers, versioned)
        try:
            reply = self.lean.open(method, target, body=body, headers=send_headers, timeout=None)
        except ConnectPhaseError as exc:
            raise lean_connection_error(self.address, exc.cause, connecting=True) from exc.cause
        except (OSError, ProtocolError) as exc:
            raise lean_connection_error(self.address, exc, connecting=False) from exc
        if isinstance(reply, LeanResponse):
            self._raise_for_status(reply, method, path)
            return iter([reply.content] if reply.content else [])
        return self._iter_lean_stream(reply)

    def _iter_lean_stream(self, reply: LeanStream) -> Iterator[bytes]:
        from dshell.api.transport import ProtocolError

        try:
            yield from reply.iter_blocks(CHUNK)
        except (OSError, ProtocolError) as exc:
            raise DshellError(f"the stream from {self.address} broke off: {exc}") from exc
        finally:
            reply.close()

    def _lean_request(
        self,
        path: str,
        params: Params,
        json_body: Any,
        headers: Mapping[str, str] | None,
        versioned: bool,
    ) -> tuple[str, bytes | None, dict[str, str]]:
        """The request target (path and query), body and headers of a lean request."""
        target = self.url(path, versioned=versioned)[len(self.address.base_url) :]
        query = _encode_params(params)
        if query:
            from urllib.parse import urlencode

            target += ("&" if "?" in target else "?") + urlencode(query)
        send_headers = dict(headers or {})
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            send_headers.setdefault("Content-Type", "application/json")
        return target, body, send_headers

    def _raise_for_status(self, resp: Any, method: str, path: str) -> None:
        """Raise the typed error for a reply that is neither 2xx nor 304 (the response is closed)."""
        if resp.status_code < 300 or resp.status_code == 304:
            return
        try:
            error = error_from_response(resp, method, path)
        finally:
            resp.close()
        if "HTTP request to an HTTPS server" in error.message:
            raise ConnectionFailed(
                str(self.address),
                "the daemon expects TLS",
                hint="use --tls/--tlsverify, or DOCKER_TLS_VERIFY=1 with DOCKER_CERT_PATH",
            )
        raise error

    def send_raw(
        self,
        method: str,
        path: str,
        *,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        read_timeout: float | None = None,
    ) -> requests.Response:
        """Send ``method path`` as given and return the streamed response, whatever its status.

        For the raw plugin: ``path`` is already encoded and may carry a ``?query``; the negotiated
        ``/vX.Y`` prefix is added unless it starts with one. ``data`` is bytes or a file object (streamed
        from disk). ``read_timeout`` None waits as long as the body takes (streams). Only a failure to
        reach the daemon raises (:class:`ConnectionFailed`); non-2xx replies are returned for the caller
        to report (:func:`error_from_response`).
        """
        import requests

        path, versioned = split_version_prefix(path)
        try:
            return self.session.request(
                method,
                self.url(path, versioned=versioned),
                data=data,
                headers=dict(headers or {}),
                stream=True,
                timeout=(self.connect_timeout, read_timeout),
                allow_redirects=False,
            )
        except requests.exceptions.RequestException as exc:
            raise connection_error(self.address, exc) from exc

    def get_json(self, template: str, *parts: object, params: Params = None, **kw: Any) -> Any:
        """GET and decode the JSON body."""
        resp = self.request("GET", template, *parts, params=params, **kw)
        return decode_json(resp)

    def post_json(
        self, template: str, *parts: object, params: Params = None, json_body: Any = None, **kw: Any
    ) -> Any:
        """POST and decode the JSON body (None for an empty body)."""
        resp = self.request("POST", template, *parts, params=params, json_body=json_body, **kw)
        return decode_json(resp) if resp.content else None

    def iter_stream(self, resp: requests.Response) -> Iterator[bytes]:
        """Iterate a streamed body in blocks; the response is closed when the iteration stops.

        Each block is what one read of the connection brings (up to :data:`CHUNK` bytes): a slow stream
        yields as bytes arrive, a fast one in large blocks, whatever the size of the daemon's HTTP chunks.
        """
        if getattr(resp, "raw", None) is None:  # a whole reply from the lean transport
            if resp.content:
                yield resp.content
            return
        import requests

        from dshell.api.transport import ProtocolError, iter_dechunked

        try:
            read1 = _chunked_reader(resp)
            if read1 is not None:
                yield from iter_dechunked(read1, CHUNK)
            else:
                yield from resp.raw.stream(CHUNK, decode_content=True)
        except ProtocolError as exc:
            raise DshellError(f"the stream from {self.address} broke off: {exc}") from exc
        except (requests.exceptions.RequestException, OSError) as exc:
            raise DshellError(f"the stream from {self.address} broke off: {exc}") from exc
        except Exception as exc:  # urllib3's ProtocolError & co. are not OSErrors
            if type(exc).__module__.startswith("urllib3"):
                raise DshellError(f"the stream from {self.address} broke off: {exc}") from exc
            raise
        finally:
            resp.close()


def _chunked_reader(resp: requests.Response) -> Any:
    """``read1`` of the connection under a ``chunked``, unencoded, not yet read streamed reply, or None.

    urllib3 decodes a chunked body one HTTP chunk per iteration, with several Python calls per chunk, and
    the daemon sends every log frame as a chunk of its own; :func:`~dshell.api.transport.iter_dechunked`
    decodes whatever one read brings instead.
    """
    raw: Any = resp.raw
    fp: Any = getattr(raw, "_fp", None)  # http.client.HTTPResponse
    reader: Any = getattr(fp, "fp", None)  # its buffered reader on the socket
    if reader is None or not hasattr(reader, "read1") or not getattr(fp, "chunked", False):
        return None
    if getattr(fp, "chunk_left", 0) is not None:  # http.client started on the body already
        return None
    if resp.headers.get("Content-Encoding", "identity") not in ("", "identity"):
        return None
    if getattr(raw, "_fp_bytes_read", 0) or getattr(raw, "_decoded_buffer", None):
        return None
    return reader.read1


def decode_json(resp: requests.Response) -> Any:
    """The JSON document of a reply, or a clear error for a malformed one."""
    try:
        return resp.json()
    except ValueError:
        snippet = resp.text[:200]
        raise DshellError(f"the daemon sent a reply that is not JSON: {snippet!r}") from None


def error_from_response(resp: requests.Response, method: str, path: str) -> APIError:
    """The typed error for a non-2xx reply, with the daemon's ``message`` (or the body text)."""
    message = ""
    try:
        doc = resp.json()
        if isinstance(doc, dict):
            message = str(doc.get("message") or doc.get("error") or "")
    except ValueError:
        message = resp.text.strip()
    if not message:
        message = f"{resp.status_code} {resp.reason or ''}".strip()
    return api_error(resp.status_code, message, method=method, path=path)


def _errnos(exc: BaseException) -> list[int]:
    seen: list[int] = []
    stack: list[BaseException | None] = [exc]
    visited: set[int] = set()
    while stack:
        cur = stack.pop()
        if cur is None or id(cur) in visited:
            continue
        visited.add(id(cur))
        if isinstance(cur, OSError) and cur.errno is not None:
            seen.append(cur.errno)
        stack.extend([cur.__cause__, cur.__context__, getattr(cur, "reason", None)])
        stack.extend(a for a in cur.args if isinstance(a, BaseException))
    return seen


def connection_error(address: DaemonAddress, exc: Exception) -> ConnectionFailed:
    """Explain why ``address`` could not be reached, in one line."""
    import requests

    where = str(address)
    text = str(exc)
    codes = _errnos(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        return ConnectionFailed(where, "TLS handshake failed", hint=_short(text))
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return ConnectionFailed(where, "timed out connecting (is the address right? a firewall?)")
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return ConnectionFailed(where, "the daemon did not answer in time (see --timeout)")
    if errno.ECONNREFUSED in codes:
        return ConnectionFailed(where, "connection refused: nothing is listening there (is dockerd running?)")
    if errno.ENOENT in codes:
        return ConnectionFailed(where, "no such socket: nothing is listening there (is dockerd running?)")
    if errno.EACCES in codes or errno.EPERM in codes:
        return ConnectionFailed(where, "permission denied (run as root or join the docker group)")
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return ConnectionFailed(where, "unknown host name")
    if errno.ECONNRESET in codes or "RemoteDisconnected" in text or "BadStatusLine" in text:
        hint = "the daemon may expect TLS: use --tls or DOCKER_TLS_VERIFY=1" if address.tls is None else None
        return ConnectionFailed(where, "the connection was closed without a reply", hint=hint)
    return ConnectionFailed(where, _short(text))


def lean_connection_error(
    address: DaemonAddress, exc: BaseException, *, connecting: bool
) -> ConnectionFailed:
    """:func:`connection_error` for the lean transport's ``OSError`` and :class:`ProtocolError` failures."""
    import ssl

    from dshell.api.transport import ProtocolError

    where = str(address)
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return ConnectionFailed(where, "TLS handshake failed", hint=_short(str(exc)))
    if isinstance(exc, TimeoutError):
        if connecting:
            return ConnectionFailed(where, "timed out connecting (is the address right? a firewall?)")
        return ConnectionFailed(where, "the daemon did not answer in time (see --timeout)")
    if isinstance(exc, ProtocolError | ConnectionResetError | BrokenPipeError):
        hint = "the daemon may expect TLS: use --tls or DOCKER_TLS_VERIFY=1" if address.tls is None else None
        return ConnectionFailed(where, "the connection was closed without a reply", hint=hint)
    if isinstance(exc, Exception):
        return connection_error(address, exc)
    return ConnectionFailed(where, _short(str(exc)))


def _short(text: str) -> str:
    return text if len(text) < 300 else text[:297] + "..."


def split_version_prefix(path: str) -> tuple[str, bool]:
    """``/v1.41/info`` -> (``/v1.41/info``, False): a path that carries its own version is sent unversioned."""
    import re

    return path, re.match(r"^/v\d+\.\d+(/|$)", path) is None
