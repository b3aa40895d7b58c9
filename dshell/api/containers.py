"""Container endpoints (``/containers/...``): one function per endpoint, returning the daemon's data."""

from __future__ import annotations

from typing import Any

from dshell.api.client import DockerClient


def list_containers(
    client: DockerClient,
    *,
    all: bool = False,  # noqa: A002 - the API's name
    limit: int | None = None,
    size: bool = False,
    filters: dict[str, list[str]] | None = None,
) -> list[dict[str, Any]]:
    """``GET /containers/json``."""
    params = {"all": all, "limit": limit, "size": size, "filters": filters or None}
    return list(client.get_json("/containers/json", params=params))


def inspect_container(client: DockerClient, ident: str, *, size: bool = False) -> dict[str, Any]:
    """``GET /containers/{id}/json``."""
    return dict(client.get_json("/containers/{}/json", ident, params={"size": size}))


def create_container(
    client: DockerClient, config: dict[str, Any], *, name: str | None = None, platform: str | None = None
) -> dict[str, Any]:
    """``POST /containers/create``; returns ``{"Id": ..., "Warnings": [...]}``."""
    return dict(
        client.post_json("/containers/create", params={"name": name, "platform": platform}, json_body=config)
    )


def remove_container(
    client: DockerClient, ident: str, *, force: bool = False, volumes: bool = False, link: bool = False
) -> None:
    """``DELETE /containers/{id}``."""
    client.request("DELETE", "/containers/{}", ident, params={"force": force, "v": volumes, "link": link})
