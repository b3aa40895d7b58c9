"""Task endpoints (``/tasks/...``): one function per endpoint, returning the daemon's data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dshell.api.client import DockerClient


def list_tasks(client: DockerClient, *, filters: dict[str, list[str]] | None = None) -> list[dict[str, Any]]:
    """``GET /tasks``."""
    return client.get_list("/tasks", params={"filters": filters or None})


def inspect_task(client: DockerClient, ident: str) -> dict[str, Any]:
    """``GET /tasks/{id}``."""
    return client.get_object("/tasks/{}", ident)


def task_logs(client: DockerClient, ident: str, params: dict[str, Any]) -> Iterator[bytes]:
    """``GET /tasks/{id}/logs``: the task's multiplexed log stream, in blocks."""
    return client.stream("GET", "/tasks/{}/logs", ident, params=params)
