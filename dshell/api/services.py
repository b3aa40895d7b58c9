"""Service endpoints (``/services/...``): one function per endpoint, returning the daemon's data."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dshell.api.client import DockerClient


def list_services(
    client: DockerClient, *, filters: dict[str, list[str]] | None = None, status: bool = False
) -> list[dict[str, Any]]:
    """``GET /services``; with ``status`` each carries ``ServiceStatus`` (running/desired task counts)."""
    return client.get_list("/services", params={"filters": filters or None, "status": status})


def inspect_service(client: DockerClient, ident: str, *, insert_defaults: bool = False) -> dict[str, Any]:
    """``GET /services/{id}`` (an ID, ID prefix or name)."""
    return client.get_object("/services/{}", ident, params={"insertDefaults": insert_defaults})


def create_service(
    client: DockerClient, spec: dict[str, Any], *, headers: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """``POST /services/create``; returns ``{"ID": ..., "Warning": ...}``."""
    return dict(client.post_json("/services/create", json_body=spec, headers=headers) or {})


def update_service(
    client: DockerClient,
    ident: str,
    spec: dict[str, Any],
    version: int,
    *,
    rollback: bool = False,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``POST /services/{id}/update?version=N`` (``rollback=previous`` with ``rollback``); returns warnings."""
    params = {"version": version, "rollback": "previous" if rollback else None}
    reply = client.post_json("/services/{}/update", ident, params=params, json_body=spec, headers=headers)
    return dict(reply or {})


def remove_service(client: DockerClient, ident: str) -> None:
    """``DELETE /services/{id}``."""
    client.request("DELETE", "/services/{}", ident)


def service_logs(client: DockerClient, ident: str, params: dict[str, Any]) -> Iterator[bytes]:
    """``GET /services/{id}/logs``: the multiplexed log stream of every task, in blocks."""
    return client.stream("GET", "/services/{}/logs", ident, params=params)
