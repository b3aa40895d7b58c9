"""Config endpoints (``/configs/...``): one function per endpoint, returning the daemon's data."""

from __future__ import annotations

from typing import Any

from dshell.api.client import DockerClient


def list_configs(
    client: DockerClient, *, filters: dict[str, list[str]] | None = None
) -> list[dict[str, Any]]:
    """``GET /configs``."""
    return client.get_list("/configs", params={"filters": filters or None})


def inspect_config(client: DockerClient, ident: str) -> dict[str, Any]:
    """``GET /configs/{id}`` (an ID, ID prefix or name)."""
    return client.get_object("/configs/{}", ident)


def create_config(client: DockerClient, spec: dict[str, Any]) -> str:
    """``POST /configs/create`` (``Data`` base64-encoded); returns the new config's ID."""
    return str((client.post_json("/configs/create", json_body=spec) or {}).get("ID") or "")


def remove_config(client: DockerClient, ident: str) -> None:
    """``DELETE /configs/{id}``."""
    client.request("DELETE", "/configs/{}", ident)
