"""The one place that talks HTTP to a daemon: URL building, version negotiation, errors.

Every request goes through one stack, :mod:`dshell.api.http`: a pool of kept-alive connections per daemon,
requests written by dshell and replies parsed by llhttp (``httptools``). :meth:`DockerClient.request` builds
a :class:`~dshell.api.http.Request` (every path part percent-encoded here; query values go through
``params``) and sends it one of three ways: read whole (bounded by the timeout), streamed (only the wait for
the head bounded), or upgraded (attach, exec). Non-2xx replies become typed :mod:`dshell.errors` carrying the
daemon's ``message`` (:meth:`DockerClient.raise_for_status`, the one place that does it).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from dshell.api.address import DaemonAddress
from dshell.api.http.message import Body, Reply, Request
from dshell.errors import APIError, ConnectionFailed, DshellError, api_error

if TYPE_CHECKING:
    from dshell.api.http.message import Upgraded
    from dshell.api.http.pool import Pool

__all__ = [
    "CHUNK",
    "DockerClient",
    "OpenStreams",
    "Reply",
    "decode_json",
    "error_from_response",
    "split_version_prefix",
    "version_tuple",
]

#: The newest Engine API version dshell speaks; the daemon's own version wins when it is lower.
MAX_API_VERSION = "1.47"
#: Seconds to wait for a TCP/unix connection before giving up.
CONNECT_TIMEOUT = 3.0
#: Default timeout for a whole reply, and for the head of a stream (``--timeout`` overrides).
DEFAULT_TIMEOUT = 120.0
#: Most bytes one block of a streamed body holds (what one socket read brings).
CHUNK = 64 * 1024

Params = Mapping[str, Any] | None

_VERSION_RE = re.compile(r"(\d+)\.(\d+)")


def version_tuple(version: str) -> tuple[int, int]:
    """Turn an API version such as ``"1.41"`` (or ``"v1.41"``) into ``(1, 41)`` for comparisons.

    Raises :class:`ValueError` if ``version`` is not of the form ``MAJOR.MINOR``.
    """
    text = version.strip().removeprefix("v")
    found = _VERSION_RE.fullmatch(text)
    if found is None:
        raise ValueError(f"not an API version (want MAJOR.MINOR, e.g. 1.41): {version!r}")
    return int(found.group(1)), int(found.group(2))


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


# -- dry run (``--dry-run``) ------------------------------------------------------------------------------

#: Requests that change nothing, sent even in a dry run.
DRY_RUN_SAFE = frozenset({"GET", "HEAD"})
DRY_RUN_SAFE_PATHS = re.compile(r"^(/v\d+\.\d+)?/(_ping|auth)(\?|$)")


class OpenStreams:
    """The streams one thread opens while it is :meth:`watching <watch>` (the ``@all`` fan-out, one per daemon's
    job): :meth:`close`, from any thread, closes every one of them, and any opened later at once, so a reader
    blocked on a quiet stream (``logs -f``, ``events``) sees its stream end."""

    _local = threading.local()

    def __init__(self) -> None:
        self._open: list[Reply | Upgraded] = []
        self._lock = threading.Lock()
        self.closed = False

    @contextlib.contextmanager
    def watch(self) -> Iterator[OpenStreams]:
        """Within the block, the streams this thread opens are this one's."""
        previous = getattr(self._local, "streams", None)
        self._local.streams = self
        try:
            yield self
        finally:
            self._local.streams = previous

    @classmethod
    def opened(cls, stream: Reply | Upgraded) -> None:
        """Note a stream the calling thread just opened (nothing when it is not watching)."""
        streams: OpenStreams | None = getattr(cls._local, "streams", None)
        if streams is None:
            return
        with streams._lock:
            if not streams.closed:
                streams._open.append(stream)
                return
        _close_quietly(stream)

    def close(self) -> None:
        with self._lock:
            self.closed = True
            streams, self._open = self._open, []
        for stream in streams:
            _close_quietly(stream)


def _close_quietly(stream: Reply | Upgraded) -> None:
    try:
        stream.close()  # shuts the socket down: a recv blocked on it in another thread returns
    except OSError:
        pass


class DryRun(BaseException):
    """Raised instead of sending a state-changing request while :attr:`DockerClient.dry_run` is on.

    A ``BaseException`` so that a handler's ``except DshellError`` / ``except Exception`` cannot turn it
    into a per-item error: the command stops at its first state-changing request.
    """

    def __init__(self, method: str, target: str, body: object) -> None:
        super().__init__(f"{method} {target}")
        self.method = method
        self.target = target
        self.body = body

    def describe(self) -> str:
        """``POST /v1.47/containers/create {"Image": …}`` (a streamed body is only named; the values of
        secret fields — passwords, tokens, a secret's ``Data`` — are shown as ``<redacted>``)."""
        if self.body is None or self.body == b"":
            return f"{self.method} {self.target}"
        if isinstance(self.body, bytes):
            return f"{self.method} {self.target} {redact_body(self.body)}"
        return f"{self.method} {self.target} <streamed body>"


#: JSON keys whose values must never be printed (a secret's payload is its ``Data``).
SECRET_FIELD = re.compile(r"(?i)password|passwd|secret|token|^auth$|^data$|^identitytoken$")


def redact_body(body: bytes) -> str:
    """A request body for display: JSON with secret fields' values replaced; anything else as text only
    when it holds nothing that looks like a secret field."""
    text = body.decode(errors="replace")
    try:
        doc = json.loads(text)
    except ValueError:
        return "<body redacted>" if SECRET_FIELD.search(text) else text
    return json.dumps(_redacted(doc), separators=(", ", ": "))


def _redacted(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {k: "<redacted>" if SECRET_FIELD.search(str(k)) else _redacted(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_redacted(v) for v in doc]
    return doc


def _dry_run_check(client: DockerClient, method: str, target: str, body: object) -> None:
    if client.dry_run and method.upper() not in DRY_RUN_SAFE and not DRY_RUN_SAFE_PATHS.match(target):
        raise DryRun(method.upper(), target, body)


class DockerClient:
    """HTTP client for one daemon. Thread-safe enough for a background refresher beside the REPL."""

    #: ``--dry-run``: state-changing requests raise :class:`DryRun` instead of being sent.
    dry_run: bool = False

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
        self._pool: Pool | None = None
        self._lock = threading.Lock()
        self.ping_headers: dict[str, str] = {}

    # -- connection --------------------------------------------------------------------------------------

    @property
    def pool(self) -> Pool:
        """The kept-alive connections to this daemon, made on first use."""
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    from dshell.api.http.pool import Pool

                    self._pool = Pool(self.address, connect_timeout=self.connect_timeout)
        return self._pool

    def close(self) -> None:
        """Drop the kept-alive connections (new ones are made on next use)."""
        with self._lock:
            if self._pool is not None:
                self._pool.close()

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
        resp = self.request("GET", "/_ping", versioned=False)
        self.ping_headers = dict(resp.headers.items())
        daemon = resp.headers.get("Api-Version")
        if daemon is not None:
            try:
                version_tuple(daemon)
            except ValueError:
                raise DshellError(
                    f"the daemon at {self.address} sent an invalid API version: {daemon[:40]!r}"
                ) from None
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
        return self.address.base_url + self.target(path, versioned=versioned)

    def target(self, path: str, *, versioned: bool = True, params: Params = None) -> str:
        """The request target: ``/vX.Y`` (when ``versioned``), the encoded ``path``, and the query."""
        target = f"/v{self.api_version}{path}" if versioned else path
        query = _encode_params(params)
        if query:
            from urllib.parse import urlencode

            target += ("&" if "?" in target else "?") + urlencode(query)
        return target

    # -- requests ------------------------------------------------------------------------------------------

    def build(
        self,
        method: str,
        template: str,
        *parts: object,
        params: Params = None,
        json_body: Any = None,
        data: Body = None,
        headers: Mapping[str, str] | None = None,
        versioned: bool = True,
    ) -> Request:
        """The :class:`~dshell.api.http.Request` for ``method template`` (``parts`` percent-encoded into it).

        ``json_body`` is sent as JSON; ``data`` as it is: bytes, a binary file, or an iterable of blocks
        (sent chunked: build contexts, archives, ``load``/``import`` from stdin).
        """
        send_headers = dict(headers or {})
        body = data
        if json_body is not None:
            body = json.dumps(json_body).encode()
            send_headers.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
        target = self.target(self.path(template, *parts), versioned=versioned, params=params)
        return Request(method, target, send_headers, body)

    def request(
        self,
        method: str,
        template: str,
        *parts: object,
        stream: bool = False,
        timeout: float | None = None,
        **spec: Any,
    ) -> Reply:
        """Send one request and return the 2xx/304 reply, or raise the typed error.

        ``template`` is a path like ``/containers/{}/json``; ``parts`` fill it, each percent-encoded; ``spec``
        is what :meth:`build` takes (``params``, ``json_body``, ``data``, ``headers``, ``versioned``). The
        reply is read whole within ``timeout`` (default: the client's), or with ``stream`` returned unread
        (only the wait for its head is bounded): iterate it with :meth:`iter_stream`.
        """
        request = self.build(method, template, *parts, **spec)
        return self.send(request, stream=stream, timeout=timeout, check=True)

    def send(
        self, request: Request, *, stream: bool = False, timeout: float | None = None, check: bool
    ) -> Reply:
        """Send a built request (see :meth:`request`); ``check`` raises the typed error for a non-2xx reply."""
        _dry_run_check(self, request.method, request.target, request.body)
        limit = self.timeout if timeout is None else timeout
        reply: Reply
        if stream:
            reply = self.pool.stream(request, head_timeout=limit)
            OpenStreams.opened(reply)
        else:
            reply = self.pool.request(request, timeout=limit)
        if check:
            self.raise_for_status(reply, request.method, request.target)
        return reply

    def stream(self, method: str, template: str, *parts: object, **spec: Any) -> Iterator[bytes]:
        """Send a request now (raising for a non-2xx reply) and return its body in blocks as they arrive.

        Each block is what one read of the connection brings (up to :data:`CHUNK` bytes): logs, save,
        export, events.
        """
        return self.iter_stream(self.request(method, template, *parts, stream=True, **spec))

    def upgrade(self, method: str, template: str, *parts: object, **spec: Any) -> Upgraded:
        """Send a request asking for the connection (``Upgrade: tcp``: attach, exec) and return it taken over;
        a non-2xx reply raises the typed error."""
        from dshell.api.http.message import WholeReply

        request = self.build(method, template, *parts, **spec)
        _dry_run_check(self, request.method, request.target, request.body)
        got = self.pool.upgrade(request, timeout=self.timeout)
        OpenStreams.opened(got)
        if isinstance(got, WholeReply):
            self.raise_for_status(got, method, request.target)
            raise DshellError(
                f"the daemon at {self.address} did not take over the connection ({got.status_code})"
            )
        return got

    def raise_for_status(self, resp: Reply, method: str, path: str) -> None:
        """Raise the typed error for a reply that is neither 2xx nor 304 (the reply is closed)."""
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
        data: Body = None,
        headers: Mapping[str, str] | None = None,
        read_timeout: float | None = None,
    ) -> Reply:
        """Send ``method path`` as given and return the reply (streamed when 2xx), whatever its status.

        For the raw plugin: ``path`` is already encoded and may carry a ``?query``; the negotiated
        ``/vX.Y`` prefix is added unless it starts with one. ``data`` is bytes or a file object (streamed
        from disk). ``read_timeout`` None waits as long as the body takes (streams; the head is still
        bounded by the client's timeout), else it bounds the whole reply. Only a failure to reach the daemon
        or a protocol fault raises; non-2xx replies are returned for the caller (:meth:`raise_for_status`).
        """
        path, versioned = split_version_prefix(path)
        request = Request(method, self.target(path, versioned=versioned), dict(headers or {}), data)
        _dry_run_check(self, request.method, request.target, request.body)
        if read_timeout is None:
            reply = self.pool.stream(request, head_timeout=self.timeout)
            OpenStreams.opened(reply)
            return reply
        return self.pool.request(request, timeout=read_timeout)

    def get_json(self, template: str, *parts: object, params: Params = None, **kw: Any) -> Any:
        """GET and decode the JSON body."""
        resp = self.request("GET", template, *parts, params=params, **kw)
        return decode_json(resp)

    def get_list(
        self, template: str, *parts: object, params: Params = None, **kw: Any
    ) -> list[dict[str, Any]]:
        """GET a JSON array of objects (a listing); ``null`` reads as empty, any other shape is a clear error."""
        doc = self.get_json(template, *parts, params=params, **kw)
        if doc is None:
            return []
        if not isinstance(doc, list) or not all(isinstance(item, dict) for item in doc):
            raise wrong_shape(template, "a list of objects", doc)
        return doc

    def get_object(
        self, template: str, *parts: object, params: Params = None, null_ok: bool = False, **kw: Any
    ) -> dict[str, Any]:
        """GET a JSON object (an inspect document); any other shape is a clear error (``null`` reads as an
        empty object when ``null_ok``: a listing wrapped in an object, such as ``/volumes``)."""
        doc = self.get_json(template, *parts, params=params, **kw)
        if doc is None and null_ok:
            return {}
        if not isinstance(doc, dict):
            raise wrong_shape(template, "an object", doc)
        return doc

    def post_json(
        self, template: str, *parts: object, params: Params = None, json_body: Any = None, **kw: Any
    ) -> Any:
        """POST and decode the JSON body (None for an empty body)."""
        resp = self.request("POST", template, *parts, params=params, json_body=json_body, **kw)
        return decode_json(resp) if resp.content else None

    def iter_stream(self, resp: Reply) -> Iterator[bytes]:
        """The body of ``resp`` in blocks as they arrive; the reply is closed when the iteration stops."""
        try:
            yield from resp.iter_blocks()
        finally:
            resp.close()


def wrong_shape(template: str, expected: str, doc: Any) -> DshellError:
    """The error for a reply that is JSON, but not of the shape the endpoint promises."""
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    got = kinds.get(type(doc), "a number")
    if isinstance(doc, list):
        odd = next((item for item in doc if not isinstance(item, dict)), None)
        got = f"a list holding {kinds.get(type(odd), 'a number')}"
    return DshellError(f"the daemon's reply to GET {template} is not {expected} (it is {got})")


def decode_json(resp: Reply) -> Any:
    """The JSON document of a reply, or a clear error for a malformed one."""
    try:
        return resp.json()
    except ValueError:
        snippet = resp.text[:200]
        raise DshellError(f"the daemon sent a reply that is not JSON: {snippet!r}") from None


def error_from_response(resp: Reply, method: str, path: str) -> APIError:
    """The typed error for a non-2xx reply, with the daemon's ``message`` (or the body text)."""
    message = ""
    try:
        doc = resp.json()
        if isinstance(doc, dict):
            message = str(doc.get("message") or doc.get("error") or "")
    except (ValueError, DshellError):
        message = resp.text.strip()[:500]
    if not message:
        message = f"{resp.status_code} {resp.reason or ''}".strip()
    return api_error(resp.status_code, message, method=method, path=path)


def split_version_prefix(path: str) -> tuple[str, bool]:
    """``/v1.41/info`` -> (``/v1.41/info``, False): a path that carries its own version is sent unversioned."""
    return path, re.match(r"^/v\d+\.\d+(/|$)", path) is None
