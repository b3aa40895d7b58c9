"""System endpoints: ping, version, info, events, disk usage."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dshell.api.client import DockerClient
from dshell.api.streams import iter_json_documents


def version(client: DockerClient) -> dict[str, Any]:
    """``GET /version``."""
    return dict(client.get_json("/version"))


def info(client: DockerClient) -> dict[str, Any]:
    """``GET /info``."""
    return dict(client.get_json("/info"))


def disk_usage(client: DockerClient) -> dict[str, Any]:
    """``GET /system/df``."""
    return dict(client.get_json("/system/df"))


def events(
    client: DockerClient,
    *,
    since: str | None = None,
    until: str | None = None,
    filters: dict[str, list[str]] | None = None,
) -> Iterator[dict[str, Any]]:
    """``GET /events`` as a stream of event documents (endless unless ``until`` is given)."""
    resp = client.request(
        "GET", "/events", params={"since": since, "until": until, "filters": filters or None}, stream=True
    )
    yield from iter_json_documents(client.iter_stream(resp))
