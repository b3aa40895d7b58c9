"""Secret endpoints (``/secrets/...``): one function per endpoint, returning the daemon's data."""

from __future__ import annotations

from typing import Any

from dshell.api.client import DockerClient


def list_secrets(
    client: DockerClient, *, filters: dict[str, list[str]] | None = None
) -> list[dict[str, Any]]:
    """``GET /secrets``."""
    return client.get_list("/secrets", params={"filters": filters or None})


def inspect_secret(client: DockerClient, ident: str) -> dict[str, Any]:
    """``GET /secrets/{id}`` (an ID, ID prefix or name)."""
    return client.get_object("/secrets/{}", ident)


def create_secret(client: DockerClient, spec: dict[str, Any]) -> str:
    """``POST /secrets/create`` (``Data`` base64-encoded); returns the new secret's ID."""
    return str((client.post_json("/secrets/create", json_body=spec) or {}).get("ID") or "")


def remove_secret(client: DockerClient, ident: str) -> None:
    """``DELETE /secrets/{id}``."""
    client.request("DELETE", "/secrets/{}", ident)
