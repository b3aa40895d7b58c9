"""What can go wrong on the wire, each as one line for the user (all :class:`~dshell.errors.DshellError`).

A failure to reach the daemon is :class:`~dshell.errors.ConnectionFailed` (worded by :func:`connect_error`);
once connected, each fault says what happened: a malformed reply, a reply cut short, a timeout.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from dshell.errors import ConnectionFailed, DshellError

if TYPE_CHECKING:
    from dshell.api.address import DaemonAddress

#: The hint given when a plaintext connection is closed before any byte of a reply arrived.
TLS_HINT = "the daemon may expect TLS: use --tls or DOCKER_TLS_VERIFY=1"


class WireError(DshellError):
    """A fault after the connection was made: the reply was malformed, cut short, or late."""


class MalformedReply(WireError):
    """The daemon sent something that is not a valid HTTP/1.1 reply (the connection is dropped)."""

    def __init__(self, where: str, what: str, *, hint: str | None = None) -> None:
        super().__init__(f"malformed reply from the daemon at {where}: {what}", hint=hint)
        self.what = what


class ReplyBrokenOff(WireError):
    """The connection closed or was reset in the middle of a reply."""

    def __init__(self, where: str, what: str) -> None:
        super().__init__(f"the reply from the daemon at {where} broke off: {what}")
        self.what = what


class ReplyTimeout(WireError):
    """The whole reply (or a stream's head) did not arrive within the timeout."""

    def __init__(self, where: str) -> None:
        super().__init__(f"the daemon at {where} did not answer in time (see --timeout)")


class InvalidRequest(DshellError):
    """A request dshell refuses to send (a header name or value with CR/LF, a target with spaces)."""


class NoReply(WireError):
    """The connection was closed (or reset) before any byte of a reply arrived."""

    def __init__(self, where: str, cause: str) -> None:
        super().__init__(f"the daemon at {where} closed the connection without a reply ({cause})")
        self.cause = cause


def _short(text: str) -> str:
    return text if len(text) < 300 else text[:297] + "..."


def _errnos(exc: BaseException) -> list[int]:
    seen: list[int] = []
    cur: BaseException | None = exc
    while cur is not None and len(seen) < 10:
        if isinstance(cur, OSError) and cur.errno is not None:
            seen.append(cur.errno)
        cur = cur.__cause__ or cur.__context__
    return seen


def connect_error(address: DaemonAddress, exc: BaseException) -> ConnectionFailed:
    """Explain in one line why ``address`` could not be reached (``exc`` from connecting or a handshake)."""
    import ssl  # only on this path: a refused connection costs no TLS import

    where = str(address)
    codes = _errnos(exc)
    text = str(exc)
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return ConnectionFailed(where, "TLS handshake failed", hint=_short(text))
    if isinstance(exc, TimeoutError):
        return ConnectionFailed(where, "timed out connecting (is the address right? a firewall?)")
    if errno.ECONNREFUSED in codes:
        return ConnectionFailed(where, "connection refused: nothing is listening there (is dockerd running?)")
    if errno.ENOENT in codes:
        return ConnectionFailed(where, "no such socket: nothing is listening there (is dockerd running?)")
    if errno.EACCES in codes or errno.EPERM in codes:
        return ConnectionFailed(where, "permission denied (run as root or join the docker group)")
    if isinstance(exc, OSError) and exc.__class__.__name__ == "gaierror":
        return ConnectionFailed(where, "unknown host name")
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        hint = TLS_HINT if address.tls is None else None
        return ConnectionFailed(
            where, "the connection was closed during the TLS handshake or before a reply", hint=hint
        )
    return ConnectionFailed(where, _short(text or exc.__class__.__name__))


def tls_refused(where: str, exc: BaseException) -> ConnectionFailed:
    """The daemon ended the TLS session after the handshake: it refused our client certificate (or none)."""
    reason = getattr(exc, "reason", None) or _short(str(exc))
    return ConnectionFailed(
        where,
        f"the daemon refused the TLS connection ({str(reason).lower().replace('_', ' ')})",
        hint="it wants a client certificate its CA signed: --tlscert/--tlskey, or DOCKER_CERT_PATH",
    )


def closed_without_reply(address: DaemonAddress, cause: str) -> DshellError:
    """The error for a fresh connection closed before any byte arrived: on plaintext, maybe a TLS daemon."""
    if address.tls is None:
        return ConnectionFailed(str(address), "the connection was closed without a reply", hint=TLS_HINT)
    return NoReply(str(address), cause)
