"""Node endpoints (``/nodes/...``): one function per endpoint, returning the daemon's data."""

from __future__ import annotations

from typing import Any

from dshell.api.client import DockerClient


def list_nodes(client: DockerClient, *, filters: dict[str, list[str]] | None = None) -> list[dict[str, Any]]:
    """``GET /nodes``."""
    return client.get_list("/nodes", params={"filters": filters or None})


def inspect_node(client: DockerClient, ident: str) -> dict[str, Any]:
    """``GET /nodes/{id}`` (an ID, ID prefix or hostname)."""
    return client.get_object("/nodes/{}", ident)


def update_node(client: DockerClient, ident: str, spec: dict[str, Any], version: int) -> None:
    """``POST /nodes/{id}/update?version=N``: replace the node's spec."""
    client.request("POST", "/nodes/{}/update", ident, params={"version": version}, json_body=spec)


def remove_node(client: DockerClient, ident: str, *, force: bool = False) -> None:
    """``DELETE /nodes/{id}``."""
    client.request("DELETE", "/nodes/{}", ident, params={"force": force})
