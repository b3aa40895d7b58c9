"""System endpoints: version, info, events, disk usage, build-cache prune."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dshell.api.client import DockerClient
from dshell.api.streams import iter_json_documents


def version(client: DockerClient) -> dict[str, Any]:
    """``GET /version``."""
    return client.get_object("/version")


def info(client: DockerClient) -> dict[str, Any]:
    """``GET /info``."""
    return client.get_object("/info")


def disk_usage(client: DockerClient) -> dict[str, Any]:
    """``GET /system/df``."""
    return client.get_object("/system/df")


def prune_build_cache(
    client: DockerClient, *, filters: dict[str, list[str]] | None = None, all: bool = False
) -> dict[str, Any]:
    """``POST /build/prune``: ``CachesDeleted`` and ``SpaceReclaimed``."""
    params = {"all": all or None, "filters": filters or None}
    return dict(client.post_json("/build/prune", params=params) or {})


def events(
    client: DockerClient,
    *,
    since: str | None = None,
    until: str | None = None,
    filters: dict[str, list[str]] | None = None,
) -> Iterator[dict[str, Any]]:
    """``GET /events`` as a stream of event documents (endless unless ``until`` is given)."""
    params = {"since": since, "until": until, "filters": filters or None}
    yield from iter_json_documents(client.stream("GET", "/events", params=params))
