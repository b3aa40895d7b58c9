"""A per-daemon pool of kept-alive connections, and the one send path: whole replies, streams, upgrades.

Thread-safe: the REPL and the background refresher each take a connection of their own. A connection goes
back to the pool only after a reply read to its end that left nothing unread and no ``Connection: close``;
an idle one is used again only while it is quiet (the daemon neither closed it nor sent bytes since).

An idle connection the daemon closed can still be taken in the instant before its close arrives. A request
that certainly was not processed on such a reused connection — the send itself failed, or the connection
ended before any byte of a reply — is sent once more on a fresh connection: idempotent methods in both cases,
others only when the send failed. Requests whose body is a stream are never sent twice.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from dshell.api.http.connection import Connection, Deadline, ReplyReader, connect
from dshell.api.http.errors import ReplyBrokenOff, WireError, closed_without_reply
from dshell.api.http.message import Request, StreamedReply, Upgraded, WholeReply

if TYPE_CHECKING:
    from collections.abc import Iterator

    from dshell.api.address import DaemonAddress

#: Idle connections kept per daemon (a refresher thread beside the prompt needs a second one).
POOL_SIZE = 4
#: Methods a daemon may receive twice without harm (RFC 9110 §9.2.2).
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
#: Seconds to wait for the daemon's error reply after it closed a connection we were still sending on.
EARLY_REPLY_WAIT = 5.0

_DEFAULT_HEADERS = {"User-Agent": "dshell"}


class Pool:
    """Kept-alive connections to one daemon and the requests sent on them."""

    def __init__(self, address: DaemonAddress, *, connect_timeout: float, size: int = POOL_SIZE) -> None:
        self.address = address
        self.connect_timeout = connect_timeout
        self.size = size
        self._idle: list[Connection] = []
        self._lock = threading.Lock()
        #: connections opened so far (tests and ``--debug`` read it)
        self.opened = 0

    # -- the pool -----------------------------------------------------------------------------------------

    def _take(self) -> tuple[Connection, bool]:
        """A quiet idle connection (and True), or a new one (and False)."""
        with self._lock:
            while self._idle:
                conn = self._idle.pop()
                if conn.is_quiet():
                    return conn, True
                conn.close()
        conn = connect(self.address, self.connect_timeout)
        with self._lock:
            self.opened += 1
        return conn, False

    def _put(self, conn: Connection) -> None:
        """After a reply read to its end: keep ``conn`` if it may carry another request, else close it."""
        if conn.reusable and not conn.closed:
            with self._lock:
                if len(self._idle) < self.size:
                    self._idle.append(conn)
                    return
        conn.close()

    def close(self) -> None:
        """Close every idle connection (new ones are made on next use)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    # -- requests -----------------------------------------------------------------------------------------

    def _exchange(
        self, request: Request, send_deadline: Deadline, head_timeout: float | None
    ) -> tuple[Connection, ReplyReader, Deadline, Request]:
        """Send ``request`` and read its reply head, on a pooled connection (retrying once, see above)."""
        headers = {**_DEFAULT_HEADERS, **request.headers}
        for attempt in (1, 2):
            conn, reused = self._take()
            retry = reused and attempt == 1 and request.replayable
            try:
                try:
                    sent = conn.send(request.method, request.target, headers, request.body, send_deadline)
                except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError) as exc:
                    if retry:
                        conn.close()
                        continue
                    reader = self._early_reply(conn, request.method)
                    if reader is None:
                        what = f"the daemon closed the connection during the request ({exc.strerror or exc})"
                        raise ReplyBrokenOff(conn.where, what) from exc
                    return (
                        conn,
                        reader,
                        Deadline(EARLY_REPLY_WAIT),
                        Request(request.method, request.target, headers),
                    )
                deadline = send_deadline if head_timeout is None else Deadline(head_timeout)
                try:
                    reader = conn.read_head(request.method, deadline)
                except (EOFError, ConnectionResetError, ConnectionAbortedError) as exc:
                    if retry and request.method in IDEMPOTENT:
                        conn.close()
                        continue
                    cause = "reset" if isinstance(exc, OSError) else "closed"
                    if reused:
                        raise ReplyBrokenOff(
                            conn.where, f"the connection was {cause} before the reply"
                        ) from None
                    raise closed_without_reply(self.address, cause) from None
                return conn, reader, deadline, Request(request.method, request.target, sent)
            except BaseException:
                conn.close()
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _early_reply(self, conn: Connection, method: str) -> ReplyReader | None:
        """The daemon's reply after it stopped reading our request (e.g. an error before an upload's end)."""
        conn.reusable = False
        try:
            reader = conn.read_head(method, Deadline(EARLY_REPLY_WAIT))
        except (WireError, OSError, EOFError):
            return None
        reader.keep_alive = False
        return reader

    def request(self, request: Request, *, timeout: float | None) -> WholeReply:
        """Send ``request`` and read its whole reply; ``timeout`` bounds the whole reply (None: no bound).

        Raises :class:`~dshell.errors.ConnectionFailed` when the daemon cannot be reached and a
        :class:`~dshell.api.http.errors.WireError` for a fault after that.
        """
        deadline = Deadline(timeout)
        conn, reader, deadline, sent = self._exchange(request, deadline, None)
        return self._read_whole(conn, reader, deadline, sent)

    def _read_whole(
        self, conn: Connection, reader: ReplyReader, deadline: Deadline, sent: Request | None
    ) -> WholeReply:
        try:
            content = conn.read_body(reader, deadline)
        except BaseException:
            conn.close()
            raise
        self._put(conn)
        status, reason, headers = reader.head()
        return WholeReply(status, reason, headers, content, request=sent, http_version=reader.http_version)

    def stream(
        self, request: Request, *, head_timeout: float | None, read_timeout: float | None = None
    ) -> StreamedReply | WholeReply:
        """Send ``request`` and read the reply head within ``head_timeout``: a 2xx reply with a body comes
        back as a :class:`StreamedReply` (reads wait ``read_timeout``, None: as long as it takes); any other
        reply (an error, whose small body says why) is read whole within ``head_timeout``.

        The request body, if a stream, is sent without a time limit; the head's wait starts after it.
        """
        conn, reader, deadline, sent = self._exchange(request, Deadline(None), head_timeout)
        if not (200 <= reader.status < 300) or reader.done:
            return self._read_whole(conn, reader, deadline, sent)
        status, reason, headers = reader.head()

        def blocks() -> Iterator[bytes]:
            yield from conn.iter_body(reader, read_timeout)
            self._put(conn)  # read to its end: the connection may serve the next request

        return StreamedReply(
            status, reason, headers, blocks(), conn.close, request=sent, http_version=reader.http_version
        )

    def upgrade(self, request: Request, *, timeout: float | None) -> Upgraded | WholeReply:
        """Send ``request`` asking for ``Upgrade: tcp`` on a fresh connection; a ``101`` (or 2xx) reply hands
        the socket over as :class:`Upgraded` (with the bytes that came after the head), any other is read
        whole within ``timeout``."""
        deadline = Deadline(timeout)
        conn = connect(self.address, self.connect_timeout, upgrade=True)
        with self._lock:
            self.opened += 1
        try:
            headers = {**_DEFAULT_HEADERS, **request.headers, "Connection": "Upgrade", "Upgrade": "tcp"}
            conn.send(request.method, request.target, headers, request.body, deadline)
            try:
                reader = conn.read_head(request.method, deadline, upgrade=True)
            except (EOFError, ConnectionResetError, ConnectionAbortedError) as exc:
                raise closed_without_reply(
                    self.address, "reset" if isinstance(exc, OSError) else "closed"
                ) from None
        except BaseException:
            conn.close()
            raise
        if reader.upgraded:
            conn.sock.settimeout(None)
            status, _, reply_headers = reader.head()
            return Upgraded(conn.sock, reader.rest, status, reply_headers, where=conn.where)
        return self._read_whole(conn, reader, deadline, None)
