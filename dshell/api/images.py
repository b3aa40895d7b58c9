"""Image endpoints (``/images/...``): one function per endpoint, returning the daemon's data or a stream."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from dshell.api.client import DockerClient, decode_json
from dshell.api.streams import iter_json_documents


def list_images(
    client: DockerClient,
    *,
    all: bool = False,
    digests: bool = False,
    filters: dict[str, list[str]] | None = None,
) -> list[dict[str, Any]]:
    """``GET /images/json``."""
    params = {"all": all, "digests": digests, "filters": filters or None}
    return client.get_list("/images/json", params=params)


def inspect_image(client: DockerClient, name: str) -> dict[str, Any]:
    """``GET /images/{name}/json``."""
    return client.get_object("/images/{}/json", name)


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
    yield from iter_json_documents(client.stream("POST", "/images/create", params=params, headers=headers))


def remove_image(
    client: DockerClient, name: str, *, force: bool = False, noprune: bool = False
) -> list[dict[str, str]]:
    """``DELETE /images/{name}``; returns the ``Untagged`` / ``Deleted`` records."""
    resp = client.request("DELETE", "/images/{}", name, params={"force": force, "noprune": noprune})
    return list(decode_json(resp))


def repeated_query(template: str, name: str, values: Iterable[str]) -> str:
    """``template`` with ``?name=v1&name=v2`` appended: parameters the API takes several times (``t``, ``names``).

    The values are percent-encoded here (braces included, so the template's ``{}`` placeholders stay the only
    ones); the client merges ``params=`` into this query.
    """
    from urllib.parse import urlencode

    pairs = [(name, v) for v in values]
    return f"{template}?{urlencode(pairs)}" if pairs else template


def push(
    client: DockerClient, repository: str, tag: str | None, *, headers: Mapping[str, str] | None = None
) -> Iterator[dict[str, Any]]:
    """``POST /images/{name}/push``: the progress messages (``tag`` None pushes every tag)."""
    chunks = client.stream("POST", "/images/{}/push", repository, params={"tag": tag}, headers=headers)
    yield from iter_json_documents(chunks)


def tag_image(client: DockerClient, source: str, repository: str, tag: str | None) -> None:
    """``POST /images/{name}/tag``."""
    client.request("POST", "/images/{}/tag", source, params={"repo": repository, "tag": tag})


def history(client: DockerClient, name: str) -> list[dict[str, Any]]:
    """``GET /images/{name}/history``."""
    return client.get_list("/images/{}/history", name)


def prune(client: DockerClient, filters: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """``POST /images/prune``: ``ImagesDeleted`` and ``SpaceReclaimed``."""
    return dict(client.post_json("/images/prune", params={"filters": filters or None}) or {})


def search(
    client: DockerClient, term: str, *, limit: int | None = None, filters: dict[str, list[str]] | None = None
) -> list[dict[str, Any]]:
    """``GET /images/search``."""
    params = {"term": term, "limit": limit, "filters": filters or None}
    return client.get_list("/images/search", params=params)


def save(client: DockerClient, names: Iterable[str]) -> Iterator[bytes]:
    """``GET /images/get?names=…``: the tar archive, in blocks as it arrives (never read whole)."""
    return client.stream("GET", repeated_query("/images/get", "names", names))


def load(client: DockerClient, body: Iterable[bytes], *, quiet: bool = False) -> Iterator[dict[str, Any]]:
    """``POST /images/load`` with a streamed tar body: the progress messages."""
    headers = {"Content-Type": "application/x-tar"}
    resp = client.request(
        "POST", "/images/load", params={"quiet": quiet}, data=body, headers=headers, stream=True
    )
    yield from iter_json_documents(client.iter_stream(resp))


def import_image(
    client: DockerClient,
    body: Iterable[bytes],
    *,
    repository: str | None = None,
    tag: str | None = None,
    message: str | None = None,
    changes: Iterable[str] = (),
    platform: str | None = None,
) -> Iterator[dict[str, Any]]:
    """``POST /images/create?fromSrc=-`` with a streamed tarball body: the progress messages."""
    params = {"fromSrc": "-", "repo": repository, "tag": tag, "message": message, "platform": platform}
    headers = {"Content-Type": "application/x-tar"}
    path = repeated_query("/images/create", "changes", changes)
    resp = client.request("POST", path, params=params, data=body, headers=headers, stream=True)
    yield from iter_json_documents(client.iter_stream(resp))


def build(
    client: DockerClient,
    context: Iterable[bytes],
    *,
    tags: Iterable[str] = (),
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Iterator[dict[str, Any]]:
    """``POST /build`` (the classic builder) with a streamed tar context: the build's JSON messages."""
    send = {"Content-Type": "application/x-tar", **(headers or {})}
    path = repeated_query("/build", "t", tags)
    resp = client.request("POST", path, params=params, data=context, headers=send, stream=True)
    yield from iter_json_documents(client.iter_stream(resp))
