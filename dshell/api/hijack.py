"""A hijacked connection to the daemon: what ``attach`` and ``exec`` speak once the HTTP reply is in.

The request goes out through the one HTTP stack (:meth:`DockerClient.upgrade`) with ``Connection: Upgrade`` /
``Upgrade: tcp``; the daemon answers ``101 UPGRADED`` (or ``200`` on old daemons) and the socket then carries
the container's raw or multiplexed stream in both directions. A non-2xx reply becomes the same typed error
as any other request's, with the daemon's message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dshell.api.http.message import Upgraded

if TYPE_CHECKING:
    from dshell.api.client import DockerClient, Params

#: A hijacked connection: the socket plus the stream bytes that arrived with the reply head.
Hijacked = Upgraded

__all__ = ["Hijacked", "hijack"]


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
    return client.upgrade(method, template, *parts, params=params, json_body=json_body)
