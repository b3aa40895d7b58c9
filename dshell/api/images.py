"""Image endpoints (``/images/...``): one function per endpoint, returning the daemon's data or a stream."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dshell.api.client import DockerClient
from dshell.api.streams import iter_json_documents


def list_images(
    client: DockerClient,
    *,
    all: bool = False,  # noqa: A002 - the API's name
    digests: bool = False,
    filters: dict[str, list[str]] | None = None,
) -> list[dict[str, Any]]:
    """``GET /images/json``."""
    params = {"all": all, "digests": digests, "filters": filters or None}
    return list(client.get_json("/images/json", params=params))


def inspect_image(client: DockerClient, name: str) -> dict[str, Any]:
    """``GET /images/{name}/json``."""
    return dict(client.get_json("/images/{}/json", name))


def pull(
    client: DockerClient,
    image: str,
    tag: str | None,
    *,
    platform: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Iterator[dict[str, Any]]:
    """``POST /images/create?fromImage=...``: the progress messages, as they arrive."""
    params = {"fromImage": image, "tag": tag, "platform": platform}
    resp = client.request("POST", "/images/create", params=params, headers=headers, stream=True)
    yield from iter_json_documents(client.iter_stream(resp))


def remove_image(
    client: DockerClient, name: str, *, force: bool = False, noprune: bool = False
) -> list[dict[str, str]]:
    """``DELETE /images/{name}``; returns the ``Untagged`` / ``Deleted`` records."""
    resp = client.request("DELETE", "/images/{}", name, params={"force": force, "noprune": noprune})
    return list(resp.json())
