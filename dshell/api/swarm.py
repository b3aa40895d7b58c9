"""Swarm endpoints (``/swarm/...``): one function per endpoint, returning the daemon's data."""

from __future__ import annotations

from typing import Any

from dshell.api.client import DockerClient


def inspect_swarm(client: DockerClient) -> dict[str, Any]:
    """``GET /swarm``: the swarm (a manager only; 503 elsewhere)."""
    return client.get_object("/swarm")


def init_swarm(client: DockerClient, request: dict[str, Any]) -> str:
    """``POST /swarm/init``; returns the new node's ID."""
    return str(client.post_json("/swarm/init", json_body=request) or "")


def join_swarm(client: DockerClient, request: dict[str, Any]) -> None:
    """``POST /swarm/join``."""
    client.request("POST", "/swarm/join", json_body=request)


def leave_swarm(client: DockerClient, *, force: bool = False) -> None:
    """``POST /swarm/leave``."""
    client.request("POST", "/swarm/leave", params={"force": force})


def update_swarm(
    client: DockerClient,
    spec: dict[str, Any],
    version: int,
    *,
    rotate_worker_token: bool = False,
    rotate_manager_token: bool = False,
    rotate_manager_unlock_key: bool = False,
) -> None:
    """``POST /swarm/update?version=N``: replace the swarm's spec (and rotate tokens/keys)."""
    params = {
        "version": version,
        "rotateWorkerToken": rotate_worker_token,
        "rotateManagerToken": rotate_manager_token,
        "rotateManagerUnlockKey": rotate_manager_unlock_key,
    }
    client.request("POST", "/swarm/update", params=params, json_body=spec)


def unlock_key(client: DockerClient) -> str:
    """``GET /swarm/unlockkey``."""
    return str(client.get_json("/swarm/unlockkey").get("UnlockKey") or "")
