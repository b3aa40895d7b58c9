"""Container endpoints (``/containers/...``): one function per endpoint, returning the daemon's data."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from dshell.api.client import DockerClient
from dshell.api.streams import iter_json_documents

if TYPE_CHECKING:
    from dshell.api.client import Reply
    from dshell.api.hijack import Hijacked


def list_containers(
    client: DockerClient,
    *,
    all: bool = False,
    limit: int | None = None,
    size: bool = False,
    filters: dict[str, list[str]] | None = None,
) -> list[dict[str, Any]]:
    """``GET /containers/json``."""
    params = {"all": all, "limit": limit, "size": size, "filters": filters or None}
    return client.get_list("/containers/json", params=params)


def inspect_container(client: DockerClient, ident: str, *, size: bool = False) -> dict[str, Any]:
    """``GET /containers/{id}/json``."""
    return client.get_object("/containers/{}/json", ident, params={"size": size})


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


def start_container(client: DockerClient, ident: str) -> bool:
    """``POST /containers/{id}/start``; False when it was already running (304)."""
    return client.request("POST", "/containers/{}/start", ident).status_code != 304


def stop_container(client: DockerClient, ident: str, *, timeout: int | None = None) -> bool:
    """``POST /containers/{id}/stop``; False when it was already stopped (304)."""
    wait = None if timeout is None else max(timeout, 0) + 60.0
    resp = client.request("POST", "/containers/{}/stop", ident, params={"t": timeout}, timeout=wait)
    return resp.status_code != 304


def restart_container(client: DockerClient, ident: str, *, timeout: int | None = None) -> None:
    """``POST /containers/{id}/restart``."""
    wait = None if timeout is None else max(timeout, 0) + 60.0
    client.request("POST", "/containers/{}/restart", ident, params={"t": timeout}, timeout=wait)


def kill_container(client: DockerClient, ident: str, *, signal: str | None = None) -> None:
    """``POST /containers/{id}/kill``."""
    client.request("POST", "/containers/{}/kill", ident, params={"signal": signal})


def pause_container(client: DockerClient, ident: str) -> None:
    """``POST /containers/{id}/pause``."""
    client.request("POST", "/containers/{}/pause", ident)


def unpause_container(client: DockerClient, ident: str) -> None:
    """``POST /containers/{id}/unpause``."""
    client.request("POST", "/containers/{}/unpause", ident)


def rename_container(client: DockerClient, ident: str, new_name: str) -> None:
    """``POST /containers/{id}/rename``."""
    client.request("POST", "/containers/{}/rename", ident, params={"name": new_name})


def wait_container(client: DockerClient, ident: str, *, condition: str | None = None) -> Reply:
    """``POST /containers/{id}/wait``, returned unread: the daemon sends the headers at once and the body
    (``{"StatusCode": N}``) when the condition is met, so a caller can start the container in between."""
    return client.request("POST", "/containers/{}/wait", ident, params={"condition": condition}, stream=True)


def wait_result(resp: Reply) -> dict[str, Any]:
    """The body of a :func:`wait_container` reply, read when it arrives."""
    from dshell.api.client import decode_json

    try:
        return dict(decode_json(resp))
    finally:
        resp.close()


def update_container(client: DockerClient, ident: str, config: dict[str, Any]) -> dict[str, Any]:
    """``POST /containers/{id}/update``; returns ``{"Warnings": [...]}``."""
    return dict(client.post_json("/containers/{}/update", ident, json_body=config) or {})


def container_top(client: DockerClient, ident: str, *, ps_args: str | None = None) -> dict[str, Any]:
    """``GET /containers/{id}/top``: ``{"Titles": [...], "Processes": [[...], ...]}``."""
    return client.get_object("/containers/{}/top", ident, params={"ps_args": ps_args})


def container_changes(client: DockerClient, ident: str) -> list[dict[str, Any]]:
    """``GET /containers/{id}/changes``: ``[{"Path": ..., "Kind": 0|1|2}]`` (modified, added, deleted)."""
    return client.get_list("/containers/{}/changes", ident)


def export_container(client: DockerClient, ident: str) -> Iterator[bytes]:
    """``GET /containers/{id}/export``: the filesystem as a tar stream, in blocks."""
    return client.stream("GET", "/containers/{}/export", ident)


def commit_container(client: DockerClient, ident: str, params: dict[str, Any]) -> dict[str, Any]:
    """``POST /commit?container=...``; returns ``{"Id": ...}``."""
    return dict(client.post_json("/commit", params={"container": ident, **params}, json_body={}))


def prune_containers(client: DockerClient, *, filters: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """``POST /containers/prune``: ``{"ContainersDeleted": [...], "SpaceReclaimed": N}``."""
    return dict(client.post_json("/containers/prune", params={"filters": filters or None}) or {})


def container_logs(client: DockerClient, ident: str, params: dict[str, Any]) -> Iterator[bytes]:
    """``GET /containers/{id}/logs``: the (multiplexed unless TTY) log stream, in blocks."""
    return client.stream("GET", "/containers/{}/logs", ident, params=params)


def container_stats(client: DockerClient, ident: str, *, stream: bool) -> Iterator[dict[str, Any]]:
    """``GET /containers/{id}/stats``: one stats document, or a stream of them (one a second)."""
    return iter_json_documents(client.stream("GET", "/containers/{}/stats", ident, params={"stream": stream}))


def resize_container(client: DockerClient, ident: str, rows: int, cols: int) -> None:
    """``POST /containers/{id}/resize``: the size of the container's pty."""
    client.request("POST", "/containers/{}/resize", ident, params={"h": rows, "w": cols})


def attach_container(client: DockerClient, ident: str, params: dict[str, Any]) -> Hijacked:
    """``POST /containers/{id}/attach`` on a hijacked connection (stdin, stdout and stderr as asked)."""
    from dshell.api.hijack import hijack

    return hijack(client, "POST", "/containers/{}/attach", ident, params=params)


def archive_stat(client: DockerClient, ident: str, path: str) -> dict[str, Any]:
    """``HEAD /containers/{id}/archive``: the stat of ``path`` in the container (name, size, mode, …)."""
    resp = client.request("HEAD", "/containers/{}/archive", ident, params={"path": path})
    return _path_stat(resp.headers.get("X-Docker-Container-Path-Stat", ""))


def get_archive(client: DockerClient, ident: str, path: str) -> tuple[dict[str, Any], Iterator[bytes]]:
    """``GET /containers/{id}/archive``: the stat of ``path`` and a tar stream of it."""
    resp = client.request("GET", "/containers/{}/archive", ident, params={"path": path}, stream=True)
    stat = _path_stat(resp.headers.get("X-Docker-Container-Path-Stat", ""))
    return stat, client.iter_stream(resp)


def put_archive(
    client: DockerClient, ident: str, path: str, chunks: Iterable[bytes], *, copy_uid_gid: bool = False
) -> None:
    """``PUT /containers/{id}/archive``: extract a tar stream (sent chunked, never held whole) at ``path``."""
    client.request(
        "PUT",
        "/containers/{}/archive",
        ident,
        params={"path": path, "copyUIDGID": copy_uid_gid or None, "noOverwriteDirNonDir": True},
        data=chunks,
        headers={"Content-Type": "application/x-tar"},
        timeout=None,
    )


def _path_stat(header: str) -> dict[str, Any]:
    import base64
    import json

    if not header:
        return {}
    try:
        return dict(json.loads(base64.b64decode(header)))
    except ValueError:
        return {}
