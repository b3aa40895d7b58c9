"""Exec endpoints (``/containers/{id}/exec``, ``/exec/{id}/...``): one function per endpoint."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dshell.api.client import DockerClient
    from dshell.api.hijack import Hijacked


def create_exec(client: DockerClient, container: str, config: dict[str, Any]) -> str:
    """``POST /containers/{id}/exec``; returns the exec id."""
    return str(client.post_json("/containers/{}/exec", container, json_body=config)["Id"])


def start_exec_detached(client: DockerClient, exec_id: str, *, tty: bool = False) -> None:
    """``POST /exec/{id}/start`` with ``Detach``: the command runs in the background."""
    client.request("POST", "/exec/{}/start", exec_id, json_body={"Detach": True, "Tty": tty})


def start_exec(client: DockerClient, exec_id: str, *, tty: bool = False) -> Hijacked:
    """``POST /exec/{id}/start`` on a hijacked connection carrying the command's stdin and output."""
    from dshell.api.hijack import hijack

    return hijack(client, "POST", "/exec/{}/start", exec_id, json_body={"Detach": False, "Tty": tty})


def inspect_exec(client: DockerClient, exec_id: str) -> dict[str, Any]:
    """``GET /exec/{id}/json``: running state, ``ExitCode``, process config."""
    return client.get_object("/exec/{}/json", exec_id)


def resize_exec(client: DockerClient, exec_id: str, rows: int, cols: int) -> None:
    """``POST /exec/{id}/resize``: the size of the exec's pty."""
    client.request("POST", "/exec/{}/resize", exec_id, params={"h": rows, "w": cols})
