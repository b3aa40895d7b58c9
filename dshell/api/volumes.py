"""Volume endpoints (``/volumes/...``): one function per endpoint, returning the daemon's data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dshell.api.client import DockerClient


def list_volumes(client: DockerClient, *, filters: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """``GET /volumes``: ``{"Volumes": [...], "Warnings": [...]}``."""
    return client.get_object("/volumes", params={"filters": filters or None}, null_ok=True)


def create_volume(
    client: DockerClient,
    name: str | None = None,
    *,
    driver: str | None = None,
    driver_opts: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``POST /volumes/create``; returns the new (or existing, same-named) volume."""
    body: dict[str, Any] = {
        "Name": name or "",
        "Driver": driver or "local",
        "DriverOpts": dict(driver_opts or {}),
        "Labels": dict(labels or {}),
    }
    return dict(client.post_json("/volumes/create", json_body=body) or {})


def inspect_volume(client: DockerClient, name: str) -> dict[str, Any]:
    """``GET /volumes/{name}``."""
    return client.get_object("/volumes/{}", name)


def remove_volume(client: DockerClient, name: str, *, force: bool = False) -> None:
    """``DELETE /volumes/{name}``."""
    client.request("DELETE", "/volumes/{}", name, params={"force": force})


def prune_volumes(client: DockerClient, *, filters: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """``POST /volumes/prune``: ``VolumesDeleted`` and ``SpaceReclaimed``."""
    return dict(client.post_json("/volumes/prune", params={"filters": filters or None}) or {})
