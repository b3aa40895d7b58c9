"""Network endpoints (``/networks/...``): one function per endpoint, returning the daemon's data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dshell.api.client import DockerClient


def list_networks(
    client: DockerClient, *, filters: dict[str, list[str]] | None = None
) -> list[dict[str, Any]]:
    """``GET /networks``."""
    return client.get_list("/networks", params={"filters": filters or None})


def inspect_network(
    client: DockerClient, ident: str, *, verbose: bool = False, scope: str | None = None
) -> dict[str, Any]:
    """``GET /networks/{id}``."""
    params = {"verbose": verbose or None, "scope": scope}
    return client.get_object("/networks/{}", ident, params=params)


def create_network(client: DockerClient, config: Mapping[str, Any]) -> dict[str, Any]:
    """``POST /networks/create``; returns ``{"Id": ..., "Warning": ...}``."""
    return dict(client.post_json("/networks/create", json_body=dict(config)) or {})


def remove_network(client: DockerClient, ident: str) -> None:
    """``DELETE /networks/{id}``."""
    client.request("DELETE", "/networks/{}", ident)


def connect_network(
    client: DockerClient, ident: str, container: str, *, endpoint_config: Mapping[str, Any] | None = None
) -> None:
    """``POST /networks/{id}/connect``."""
    body: dict[str, Any] = {"Container": container}
    if endpoint_config:
        body["EndpointConfig"] = dict(endpoint_config)
    client.request("POST", "/networks/{}/connect", ident, json_body=body)


def disconnect_network(client: DockerClient, ident: str, container: str, *, force: bool = False) -> None:
    """``POST /networks/{id}/disconnect``."""
    client.request(
        "POST", "/networks/{}/disconnect", ident, json_body={"Container": container, "Force": force}
    )


def prune_networks(client: DockerClient, *, filters: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """``POST /networks/prune``: ``NetworksDeleted``."""
    return dict(client.post_json("/networks/prune", params={"filters": filters or None}) or {})
