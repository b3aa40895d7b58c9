"""dshell's one HTTP/1.1 stack: sockets, TLS, a pool of kept-alive connections per daemon; llhttp parses.

Every request to a daemon goes through :class:`~dshell.api.http.pool.Pool`: whole replies, streams,
uploads and ``101`` upgrades (attach, exec). The protocol is parsed by ``httptools`` (llhttp, the parser
under uvicorn); what is dshell's own is small: writing a request, the sockets, the pool, the deadlines and
turning every fault into one clear :mod:`dshell.errors` line. Measurements behind the choice:
docs/architecture.md.

The package imports nothing of dshell but :mod:`dshell.errors` and :mod:`dshell.api.address`.
"""

from __future__ import annotations

from dshell.api.http.message import (
    Body,
    Headers,
    Reply,
    Request,
    StreamedReply,
    Upgraded,
    WholeReply,
)

__all__ = ["Body", "Headers", "Reply", "Request", "StreamedReply", "Upgraded", "WholeReply"]
