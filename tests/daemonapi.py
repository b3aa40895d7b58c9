"""A tiny stdlib (``http.client``) client for checking dshell against the daemon's own state.

Independent of dshell's HTTP stack on purpose, and of ``requests`` (no longer a dependency): what the tests
use of it, ``Session().get/post/delete(url, params=…)`` and module-level ``get``, with whole replies.
"""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlencode, urlsplit


class HTTPError(Exception):
    """A non-2xx reply, from :meth:`Response.raise_for_status`."""


class Response:
    """A whole reply."""

    def __init__(
        self, status_code: int, reason: str, headers: http.client.HTTPMessage, content: bytes
    ) -> None:
        self.status_code = status_code
        self.reason = reason
        self.headers = headers
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise HTTPError(f"{self.status_code} {self.reason}: {self.text[:200]}")

    def close(self) -> None:
        pass

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def _encode(params: dict[str, Any] | None) -> str:
    if not params:
        return ""
    return "?" + urlencode({k: v for k, v in params.items() if v is not None})


class Session:
    """One kept-alive-free session: each request on its own connection (the tests' needs are small)."""

    def request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        timeout: float = 60,
        stream: bool = False,
    ) -> Response:
        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=timeout)
        body = json.dumps(json_body).encode() if json_body is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else {}
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if params:
            target += ("&" if parts.query else "?") + _encode(params)[1:]
        try:
            conn.request(method, target, body=body, headers=headers)
            reply = conn.getresponse()
            return Response(reply.status, reply.reason, reply.headers, reply.read())
        finally:
            conn.close()

    def get(self, url: str, **kw: Any) -> Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> Response:
        return self.request("POST", url, **kw)

    def delete(self, url: str, **kw: Any) -> Response:
        return self.request("DELETE", url, **kw)

    def close(self) -> None:
        pass


def get(url: str, **kw: Any) -> Response:
    return Session().get(url, **kw)
