"""Live names of daemon objects for completion, cached per kind.

``get`` returns the last list fetched, refreshing it when older than ``ttl`` seconds. While a background
refresher keeps the cache current (:attr:`NameCache.live`, see :mod:`dshell.interactive.refresher`), ``get`` serves
whatever list it holds, however old, and only fetches a kind it has never seen: the completer never waits on
the network. Each list is replaced whole, under a lock, so a reader never sees a half-built one.

A refresher applies container ``create`` / ``destroy`` / ``rename`` events one by one (:meth:`NameCache.apply`):
a new list with the one change, not a new list of 10,000 from the daemon; a change that arrives while a fetch of
its kind is under way is applied again on top of what that fetch brings. At start-up the REPL may fill the cache
from the last session's snapshot (:meth:`NameCache.preload`, see :mod:`dshell.core.namesnap`): served at once,
marked as old, and replaced whole by the first live list. While live, a list a command fetched is not swapped in
(:meth:`NameCache.put`): it may predate an event already applied.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    from dshell.api.client import DockerClient

Fetcher = Callable[["DockerClient"], list[dict[str, Any]]]


#: A listing body at least this big is decoded in small steps when fetched off the main thread.
GENTLE_BYTES = 512 * 1024
#: What a container listing fetched in the background keeps of each container (completion, the toolbar, event
#: filters): a tenth of the objects, so the memory and the collector's walks over 10,000 of them stay small.
SLIM_FIELDS = ("Id", "Names", "Image", "ImageID", "Command", "Created", "State", "Status", "Labels")


def _containers(client: DockerClient) -> list[dict[str, Any]]:
    if threading.current_thread() is threading.main_thread():
        return client.get_list("/containers/json", params={"all": 1})
    # the refresher's (or a completion's) thread: 10,000 containers are 6 MB of JSON; decoded in one call
    # (orjson: 60 - 100 ms) the thread would hold the GIL all that time and the prompt would not echo a key
    from dshell.api.client import decode_json

    resp = client.request("GET", "/containers/json", params={"all": 1})
    if len(resp.content) >= GENTLE_BYTES:
        from dshell.api.fastjson import collector_paused

        try:
            # no collection meanwhile (one would walk the decode's young objects in one go, holding the GIL);
            # what it leaves is slim, so none of them are moved to the oldest generation: the next young
            # collection walks them (~30,000 objects for 10,000 containers, about a millisecond)
            with collector_paused(promote=False):
                return decode_list_gently(resp.content, SLIM_FIELDS)
        except ValueError:
            pass  # decoded again below: the usual clear error for a malformed reply
    return _as_list(decode_json(resp))


def _as_list(doc: Any) -> list[dict[str, Any]]:
    from dshell.api.client import wrong_shape

    if doc is None:
        return []
    if not isinstance(doc, list) or not all(isinstance(item, dict) for item in doc):
        raise wrong_shape("/containers/json", "a list of objects", doc)
    return doc


def decode_list_gently(body: bytes, fields: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """A JSON array of objects decoded one element at a time (the C scanner of :mod:`json` for each), so a
    thread doing it lets the others run between elements; with ``fields``, only those of each object are kept.
    About orjson's time when that runs in a thread."""
    import json
    import re

    text = body.decode("utf-8")
    scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # the C scanner raw_decode uses
    skip = re.compile(r"[ \t\n\r]*").match
    out: list[dict[str, Any]] = []
    pos = skip(text, 0).end()  # type: ignore[union-attr]
    if text[pos : pos + 1] != "[":
        raise ValueError("not a JSON array")
    pos = skip(text, pos + 1).end()  # type: ignore[union-attr]
    if text[pos : pos + 1] == "]":
        if text[skip(text, pos + 1).end() :]:  # type: ignore[union-attr]
            raise ValueError("extra data")
        return out
    while True:
        try:
            item, pos = scan(text, pos)
        except StopIteration:
            raise ValueError("malformed JSON") from None
        if not isinstance(item, dict):
            raise ValueError("not an object")
        out.append(item if fields is None else {k: item[k] for k in fields if k in item})
        pos = skip(text, pos).end()  # type: ignore[union-attr]
        sep = text[pos : pos + 1]
        if sep == "]":
            break
        if sep != ",":
            raise ValueError("malformed JSON")
        pos = skip(text, pos + 1).end()  # type: ignore[union-attr]
    if text[skip(text, pos + 1).end() :]:  # type: ignore[union-attr]
        raise ValueError("extra data")
    return out


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
#: Lists up to this long are compared with the one they replace (an equal one does not move the generation).
COMPARE_UP_TO = 2000
#: Builds a value from a kind's list: ``build(items, previous)``, ``previous`` being the ``(items, value)`` it
#: built last (to reuse what did not change), or None.
Builder = Callable[[list[dict[str, Any]], "tuple[list[dict[str, Any]], Any] | None"], Any]


#: An incremental change to a list: ``("create", id, item)``, ``("destroy", id, None)``, ``("rename", id, name)``.
Change = tuple[str, str, Any]


class _Fetch:
    """A fetch under way: others wait on ``done``; ``items`` is None when it failed; ``changes`` are the events
    applied meanwhile, applied again to what the fetch brings (the daemon may have listed before them)."""

    __slots__ = ("changes", "done", "items")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.items: list[dict[str, Any]] | None = None
        self.changes: list[Change] = []


def apply_change(items: list[dict[str, Any]], ids: set[str], change: Change) -> list[dict[str, Any]] | None:
    """``items`` with ``change`` made (a new list; ``ids`` updated in place), or None when it changes nothing.

    Idempotent: creating an ``Id`` already there, or destroying or renaming one that is not, is no change.
    """
    action, ident, value = change
    if action == "create":
        if ident in ids:
            return None
        ids.add(ident)
        return [*items, value]
    if ident not in ids:
        return None
    if action == "destroy":
        ids.discard(ident)
        return [c for c in items if c.get("Id") != ident]
    if action == "rename":
        out = list(items)
        for n, c in enumerate(out):
            if c.get("Id") == ident:
                out[n] = {**c, "Names": ["/" + str(value).lstrip("/")]}
                return out
    return None


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
        self._ids: dict[str, set[str]] = {}  # per kind, the ``Id`` of each item (for :meth:`apply`)
        self._preloading: threading.Event | None = None
        #: Set when a live ``get`` served a list marked old (a snapshot's, or one invalidated): the REPL clears
        #: it and completes again after the next change.
        self.served_stale = False
        #: (kind, key) -> (the list it was built from, the value, its builder): see :meth:`derived`.
        self._derived: dict[tuple[str, Hashable], tuple[list[dict[str, Any]], Any, Builder]] = {}

    def get(self, kind: str, *, max_age: float | None = None) -> list[dict[str, Any]]:
        """The objects of ``kind``; refetched when older than ``max_age`` (default ``ttl``)."""
        with self._lock:
            entry = self._data.get(kind)
            preloading = self._preloading
        if entry is None and preloading is not None and preloading.wait(1.0):
            with self._lock:  # the snapshot of the last session, read in the background at start-up
                entry = self._data.get(kind)
        if entry is not None:
            if max_age is None and self.live:
                if entry[0] == float("-inf"):
                    self.served_stale = True  # the REPL completes again when the live list comes
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
            items = self.fetchers[kind](client if client is not None else self._client_getter())
            with self._lock:
                ids = _ids_of(items)
                for change in pending.changes if mine else ():
                    items = apply_change(items, ids, change) or items
                self._swap(kind, items, time.monotonic(), ids)
            pending.items = items
            self._rebuild(kind, items)
            return items
        finally:
            if mine:
                with self._lock:
                    self._inflight.pop(kind, None)
                pending.done.set()

    def put(self, kind: str, items: list[dict[str, Any]]) -> bool:
        """Swap in a list fetched elsewhere (e.g. by a listing command that just ran); False when it was not.

        Not while :attr:`live`: the refresher owns the lists then. The daemon made ``items`` before its reply,
        and an event the refresher applied (or a refetch it made) while that request was in flight would be
        undone by it, with nothing left to bring the change back before the next full round."""
        if self.live:
            return False
        ids = _ids_of(items)
        with self._lock:
            if self.live:
                return False
            self._swap(kind, items, time.monotonic(), ids)
        return True

    def _swap(self, kind: str, items: list[dict[str, Any]], when: float, ids: set[str]) -> None:
        """Swap ``items`` in (under the lock)."""
        old = self._data.get(kind)
        self._data[kind] = (when, items)
        self._ids[kind] = ids
        # an equal list is no change (an open completion menu is not recomputed); beyond COMPARE_UP_TO items any
        # new list is one: comparing 10,000 containers deeply costs more than recomputing that menu once
        if old is None or (old[1] is not items and (len(items) > COMPARE_UP_TO or old[1] != items)):
            self.generation += 1

    def derived(self, kind: str, key: Hashable, build: Callable[..., T]) -> T:
        """A value built from the list of ``kind`` (completion candidates), kept until the list changes.

        ``build(items, previous)`` gets the ``(items, value)`` it built last, to reuse what did not change (an
        event changed one container of 10,000). After a fetch (:meth:`refresh`, the refresher's thread) the
        values already asked for are built again at once, so the first keystroke after a new list of 10,000 does
        not pay for it; after :meth:`put` (a listing command) or :meth:`apply` the next use builds.
        """
        items = self.get(kind)
        with self._lock:
            memo = self._derived.get((kind, key))
        if memo is not None and memo[0] is items:
            return cast(T, memo[1])
        value = build(items, (memo[0], memo[1]) if memo is not None else None)
        with self._lock:
            self._derived[(kind, key)] = (items, value, build)
        return value

    def _rebuild(self, kind: str, items: list[dict[str, Any]]) -> None:
        with self._lock:
            todo = [(k, memo) for k, memo in self._derived.items() if k[0] == kind and memo[0] is not items]
        for k, (old, value, build) in todo:
            try:
                new = build(items, (old, value))
            except Exception:  # a broken builder fails at its next use, where the completer copes with it
                continue
            with self._lock:
                if self._data.get(kind, (0.0, None))[1] is items:
                    self._derived[k] = (items, new, build)

    def apply(self, kind: str, change: Change) -> bool:
        """Make one ``change`` (from an event) to the list held for ``kind``; True when it changed the list.

        A fetch of ``kind`` under way makes it again on top of what it brings; a kind never fetched is left to
        its first fetch."""
        with self._lock:
            pending = self._inflight.get(kind)
            if pending is not None:
                pending.changes.append(change)
            entry = self._data.get(kind)
            if entry is None:
                return False
            ids = self._ids.setdefault(kind, _ids_of(entry[1]))
            items = apply_change(entry[1], ids, change)
            if items is None:
                return False
            self._data[kind] = (entry[0], items)
            self.generation += 1
            return True

    def begin_preload(self) -> None:
        """Announce a snapshot being read in the background: a ``get`` of a kind never fetched waits for it
        (≤ 1 s) instead of asking the daemon."""
        with self._lock:
            if self._preloading is None:
                self._preloading = threading.Event()

    def preload(self, lists: dict[str, list[dict[str, Any]]]) -> None:
        """Fill kinds not fetched yet from a snapshot, marked as old (a ``get`` with ``max_age`` refetches; a
        live cache serves them until the refresher's first fetch replaces them), and end the preload."""
        with self._lock:
            for kind, items in lists.items():
                if kind not in self._data:
                    self._swap(kind, items, float("-inf"), _ids_of(items))
            if self._preloading is not None:
                self._preloading.set()

    def peek(self, kind: str) -> list[dict[str, Any]] | None:
        """The list held for ``kind`` without fetching (None when never fetched)."""
        with self._lock:
            entry = self._data.get(kind)
        return entry[1] if entry is not None else None

    def invalidate(self, kind: str | None = None) -> None:
        """Forget ``kind`` (or everything) so the next ``get`` fetches. While :attr:`live`, the lists are only
        marked old: the refresher's events bring the change, and a keystroke never waits for a list of
        10,000 again."""
        with self._lock:
            kinds = list(self._data) if kind is None else [kind]
            for k in kinds:
                entry = self._data.pop(k, None)
                if entry is not None and self.live:
                    self._data[k] = (float("-inf"), entry[1])


def _ids_of(items: list[dict[str, Any]]) -> set[str]:
    return {str(c.get("Id") or "") for c in items}


def invalidating(names: NameCache, kind: str, items: Iterable[T]) -> Iterator[T]:
    """Yield ``items`` (a stream that changes the daemon), then forget ``kind`` so the next completion
    refetches it — also when the stream fails or is interrupted."""
    try:
        yield from items
    finally:
        names.invalidate(kind)
