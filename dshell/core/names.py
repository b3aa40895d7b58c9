"""Live names of daemon objects for completion, cached per kind.

``get`` returns the last list fetched, refreshing it when older than ``ttl`` seconds. While a background
refresher keeps the cache current (:attr:`NameCache.live`, see :mod:`dshell.interactive.refresher`), ``get`` serves
whatever list it holds, however old, and only fetches a kind it has never seen: the completer never waits on
the network. Each list is replaced whole, under a lock, so a reader never sees a half-built one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from dshell.api.client import DockerClient

Fetcher = Callable[["DockerClient"], list[dict[str, Any]]]


def _containers(client: DockerClient) -> list[dict[str, Any]]:
    return client.get_list("/containers/json", params={"all": 1})


def _images(client: DockerClient) -> list[dict[str, Any]]:
    return client.get_list("/images/json")


def _networks(client: DockerClient) -> list[dict[str, Any]]:
    return client.get_list("/networks")


def _volumes(client: DockerClient) -> list[dict[str, Any]]:
    return list(client.get_object("/volumes", null_ok=True).get("Volumes") or [])


def _swarm(path: str) -> Fetcher:
    """A fetcher of swarm objects: an empty list from a daemon that is not a swarm manager (503)."""

    def fetch(client: DockerClient) -> list[dict[str, Any]]:
        from dshell.errors import Unavailable

        try:
            return client.get_list(path)
        except Unavailable:
            return []

    return fetch


FETCHERS: dict[str, Fetcher] = {
    "containers": _containers,
    "images": _images,
    "networks": _networks,
    "volumes": _volumes,
    **{kind: _swarm("/" + kind) for kind in ("services", "nodes", "tasks", "secrets", "configs")},
}


T = TypeVar("T")


class _Fetch:
    """A fetch under way: others wait on ``done``; ``items`` is None when it failed."""

    __slots__ = ("done", "items")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.items: list[dict[str, Any]] | None = None


class NameCache:
    """Per-kind lists of daemon objects, fetched on demand and replaced atomically."""

    def __init__(self, client_getter: Callable[[], DockerClient], *, ttl: float = 2.0) -> None:
        self._client_getter = client_getter
        self.ttl = ttl
        self._lock = threading.Lock()
        self._data: dict[str, tuple[float, list[dict[str, Any]]]] = {}
        self.fetchers: dict[str, Fetcher] = dict(FETCHERS)
        #: True while a background refresher keeps every kind current: ``get`` then never refetches.
        self.live = False
        #: Bumped on every swap that changes a list, so a reader (an open completion menu) can tell whether
        #: anything changed.
        self.generation = 0
        self._inflight: dict[str, _Fetch] = {}

    def get(self, kind: str, *, max_age: float | None = None) -> list[dict[str, Any]]:
        """The objects of ``kind``; refetched when older than ``max_age`` (default ``ttl``)."""
        with self._lock:
            entry = self._data.get(kind)
        if entry is not None:
            if max_age is None and self.live:
                return entry[1]
            limit = self.ttl if max_age is None else max_age
            if time.monotonic() - entry[0] <= limit:
                return entry[1]
        return self.refresh(kind)

    def refresh(self, kind: str, client: DockerClient | None = None) -> list[dict[str, Any]]:
        """Fetch ``kind`` now (through ``client``, default the session's) and swap it in. A fetch of ``kind`` already under way in another thread (the
        refresher's, at start-up) is waited for instead of asking the daemon twice (10,000 containers: a
        second list of them doubles the daemon's work just when the first completion waits for it)."""
        with self._lock:
            pending = self._inflight.get(kind)
            mine = pending is None
            if pending is None:
                pending = self._inflight[kind] = _Fetch()
        if not mine:
            pending.done.wait()
            if pending.items is not None:
                return pending.items
        try:
            fetch = self.fetchers[kind]
            items = fetch(client if client is not None else self._client_getter())
            self.put(kind, items)
            pending.items = items
            return items
        finally:
            if mine:
                with self._lock:
                    self._inflight.pop(kind, None)
                pending.done.set()

    def put(self, kind: str, items: list[dict[str, Any]]) -> None:
        """Swap in a list fetched elsewhere (e.g. by a listing command that just ran)."""
        with self._lock:
            old = self._data.get(kind)
            self._data[kind] = (time.monotonic(), items)
            if old is None or old[1] != items:
                self.generation += 1

    def peek(self, kind: str) -> list[dict[str, Any]] | None:
        """The list held for ``kind`` without fetching (None when never fetched)."""
        with self._lock:
            entry = self._data.get(kind)
        return entry[1] if entry is not None else None

    def invalidate(self, kind: str | None = None) -> None:
        """Forget ``kind`` (or everything) so the next ``get`` fetches."""
        with self._lock:
            if kind is None:
                self._data.clear()
            else:
                self._data.pop(kind, None)


def invalidating(names: NameCache, kind: str, items: Iterable[T]) -> Iterator[T]:
    """Yield ``items`` (a stream that changes the daemon), then forget ``kind`` so the next completion
    refetches it — also when the stream fails or is interrupted."""
    try:
        yield from items
    finally:
        names.invalidate(kind)
