"""Keep a daemon's live names current in the background, so completion is fresh without a ``refresh`` command.

Two daemon threads per :class:`Refresher`:

* the *listener* follows ``GET /events``; a container ``create``, ``destroy`` or ``rename`` it applies to the
  cached list at once (:meth:`~dshell.core.names.NameCache.apply`: the event carries the id and name, so 1,000
  containers created elsewhere cost 1,000 small changes, not 1,000 lists of 10,000); any other event marks the
  kinds it touches (container, image, network, volume) as dirty; a stream that was up and ended (or was only quiet for a whole read timeout) is re-opened at
  once, one that cannot be opened is retried with a growing pause (≤ 5 s); each time the stream comes up
  everything is marked dirty, since events may have been missed meanwhile;
* the *worker* refetches dirty kinds (a burst of events costs one fetch per kind) and swaps each list into the
  :class:`~dshell.core.names.NameCache` whole, with :meth:`~dshell.core.names.NameCache.refresh` (which makes
  the events applied while it fetched again on the new list; a listing command's list is not swapped in while
  the cache is live, see :meth:`~dshell.core.names.NameCache.put`); kinds a failed
  fetch left behind stay dirty and are retried after a short, growing pause. When the listener is down
  it refetches everything every ``interval`` seconds; while events flow, every ``idle_interval`` seconds.

The refresher has its own :class:`~dshell.api.client.DockerClient`, so its long-lived events connection and
its fetches never queue behind (or in front of) the command the user is running. It also keeps the numbers
the REPL's bottom toolbar shows (:attr:`Refresher.status`), and calls ``on_change`` after each swap.
Only the REPL starts one (``-c`` and ``-f`` stay fast). With ``snapshot=True`` (the REPL's) it writes the
daemon's container names to disk after its first list and when it stops (:mod:`dshell.core.namesnap`), and
:meth:`Refreshers.preload` reads them back at the next start-up, so the first completion needs no daemon.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dshell.core.names import FETCHERS
from dshell.errors import ConnectionFailed, DshellError

if TYPE_CHECKING:
    from dshell.api.client import DockerClient
    from dshell.core.session import Daemon, Session

#: Event ``Type`` -> NameCache kind it changes.
EVENT_KINDS = {
    "container": "containers",
    "image": "images",
    "network": "networks",
    "volume": "volumes",
    "service": "services",
    "node": "nodes",
    "secret": "secrets",
    "config": "configs",
}
#: Container actions that change nothing a completer or the toolbar shows.
QUIET_ACTIONS = ("exec_create", "exec_start", "exec_die", "top", "resize", "attach", "archive-path", "commit")


def short_error(exc: DshellError) -> str:
    """Toolbar-sized text: for an unreachable daemon the cause alone (the address is already shown)."""
    if isinstance(exc, ConnectionFailed):
        return f"not connected: {exc.cause}"
    return exc.message


@dataclass(frozen=True)
class DaemonStatus:
    """What the toolbar shows: engine and API version, container counts, whether events are flowing."""

    engine: str = ""
    api: str = ""
    running: int | None = None
    total: int | None = None
    connected: bool = False
    error: str = ""


def affected_kinds(event: dict[str, Any]) -> set[str]:
    """The cache kinds an ``/events`` message changes (empty for ones that change nothing listed)."""
    kind = EVENT_KINDS.get(str(event.get("Type") or ""))
    if kind is None:
        return set()
    action = str(event.get("Action") or event.get("status") or "")
    if kind == "containers" and action.split(":", maxsplit=1)[0] in QUIET_ACTIONS:
        return set()
    kinds = {kind}
    if kind == "containers" and action in ("destroy", "create"):
        kinds.add("volumes")  # anonymous volumes come and go with their container
    if kind == "services":
        kinds.add("tasks")  # a service created, scaled, updated or removed changes its tasks
    return kinds


def container_change(event: dict[str, Any]) -> tuple[str, str, Any] | None:
    """The change a container ``create`` / ``destroy`` / ``rename`` event makes to the cached list (None for
    any other event, or one without the id or name it needs)."""
    if event.get("Type") != "container":
        return None
    action = str(event.get("Action") or event.get("status") or "")
    actor = event.get("Actor") or {}
    ident = str(actor.get("ID") or event.get("id") or "")
    attrs = actor.get("Attributes") or {}
    name = str(attrs.get("name") or "").lstrip("/")
    if not ident or action not in ("create", "destroy", "rename") or (action != "destroy" and not name):
        return None
    if action == "create":
        image = str(attrs.get("image") or event.get("from") or "")
        item = {"Id": ident, "Names": ["/" + name], "Image": image, "State": "created", "Status": "Created"}
        return ("create", ident, item)
    return (action, ident, name if action == "rename" else None)


def count_containers(items: list[dict[str, Any]]) -> tuple[int, int]:
    """``(running, total)`` from a ``/containers/json?all=1`` list."""
    running = sum(1 for c in items if c.get("State") == "running")
    return running, len(items)


class Refresher:
    """Follows one daemon's events and keeps its :class:`~dshell.core.names.NameCache` current."""

    def __init__(
        self,
        daemon: Daemon,
        *,
        interval: float = 5.0,
        idle_interval: float = 30.0,
        kinds: tuple[str, ...] = tuple(FETCHERS),
        on_change: Callable[[], None] | None = None,
        snapshot: bool = False,
    ) -> None:
        self.daemon = daemon
        self.interval = interval
        self.idle_interval = idle_interval
        #: How long a read of ``/events`` may wait (then the stream is re-opened at once: quiet is healthy).
        self.read_timeout = 30.0
        self.kinds = kinds
        self.on_change = on_change
        self.status = DaemonStatus()
        self._dirty: set[str] = set(kinds)
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._threads: list[threading.Thread] = []
        self._client: DockerClient | None = None
        self._events_client: DockerClient | None = None
        self._response: Any = None
        self._up = False  # whether the current /events attempt got its stream
        self._retry = 0.0  # the worker's pause before refetching what a failed round left dirty
        #: Number of completed refresh rounds (tests wait on it).
        self.rounds = 0
        #: Number of events applied to the cache as they came (tests and the bench read it).
        self.applied = 0
        self._changed = False  # an applied event the prompt has not been told about yet
        self.snapshot = snapshot
        self._saved: int | None = None  # the cache generation last written to the snapshot

    # -- life cycle ----------------------------------------------------------------------------------------

    def start(self) -> Refresher:
        """Start both threads (returns at once; nothing is fetched on the caller's thread)."""
        self.daemon.names.live = True
        for target, name in ((self._work, "dshell-refresh"), (self._listen, "dshell-events")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self, timeout: float = 1.0) -> None:
        """Stop both threads and drop the refresher's connections; the cache goes back to fetch-on-age."""
        self._stop.set()
        self.daemon.names.live = False
        with self._cond:
            self._cond.notify_all()
        response = self._response
        if response is not None:
            _shut(response)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        for client in (self._client, self._events_client):
            if client is not None:
                client.close()
        if self._saved is not None and self._saved != self.daemon.names.generation:
            self.save_snapshot()

    def save_snapshot(self) -> None:
        """Write the live container list to the daemon's snapshot (only once one was fetched)."""
        from dshell.core import namesnap

        names = self.daemon.names
        generation = names.generation
        items = names.peek("containers")
        if items is not None and namesnap.save(str(self.daemon.address), items):
            self._saved = generation

    @property
    def running(self) -> bool:
        return bool(self._threads) and not self._stop.is_set()

    def poke(self, *kinds: str) -> None:
        """Ask for ``kinds`` (default: all) to be refetched now."""
        with self._cond:
            self._dirty.update(kinds or self.kinds)
            self._cond.notify_all()

    # -- clients ---------------------------------------------------------------------------------------------

    def _new_client(self) -> DockerClient:
        from dshell.api.client import DockerClient

        main = self.daemon.client
        return DockerClient(
            main.address,
            timeout=min(main.timeout, 30.0),
            api_version=main._api_version or None,
            connect_timeout=main.connect_timeout,
        )

    # -- the worker --------------------------------------------------------------------------------------

    def _work(self) -> None:
        self._client = self._new_client()
        last_full = 0.0
        while not self._stop.is_set():
            with self._cond:
                period = self.idle_interval if self._connected.is_set() else self.interval
                if not self._dirty and not self._changed:
                    self._cond.wait(timeout=max(0.0, last_full + period - time.monotonic()))
                if self._stop.is_set():
                    return
                if not self._dirty and time.monotonic() - last_full >= period:
                    self._dirty.update(self.kinds)
                if not self._dirty and not self._changed:
                    continue
            time.sleep(0.02)  # let a burst of events (create, connect, start) arrive: one fetch for all
            with self._cond:
                dirty, self._dirty = self._dirty, set()
                self._changed = False
            if not dirty:  # only events applied in place: the prompt redraws, nothing is fetched
                self._notify()
                continue
            if set(self.kinds) <= dirty:
                last_full = time.monotonic()
            left = self._refresh(dirty)
            if left:  # the daemon went away mid-round: what was not fetched stays dirty, retried soon
                with self._cond:
                    self._dirty.update(left)
                self._retry = min(max(self._retry * 2, 0.25), self.interval)
                if self._stop.wait(self._retry):
                    return
            else:
                self._retry = 0.0

    def _refresh(self, kinds: set[str]) -> set[str]:
        """Refetch ``kinds``; return the ones a failure left unfetched (empty when the round succeeded)."""
        client = self._client
        assert client is not None
        changed = False
        error = ""
        left: set[str] = set()
        order = sorted(kinds)
        for index, kind in enumerate(order):
            if kind not in self.daemon.names.fetchers:
                continue
            try:
                items = self.daemon.names.refresh(kind, client)  # shares a fetch a completion started
            except DshellError as exc:
                error = short_error(exc)
                left = set(order[index:])
                break
            except Exception as exc:  # a malformed reply must not kill the thread
                error = f"{type(exc).__name__}: {exc}"
                left = set(order[index:])
                break
            changed = True
            if kind == "containers":
                running, total = count_containers(items)
                self._update(running=running, total=total)
                if self.snapshot and self._saved is None:
                    self.save_snapshot()  # the first live list: the next start-up completes from it
        if not self.status.engine and not error:
            try:
                version = client.get_json("/version")
                self._update(engine=str(version.get("Version", "?")), api=client.api_version)
            except DshellError as exc:
                error = short_error(exc)
        self._update(error=error)
        self.rounds += 1
        if changed or error:
            self._notify()
        return left

    def _notify(self) -> None:
        if self.on_change is not None:
            try:
                self.on_change()
            except Exception:  # a redraw that fails is not worth a broken refresher
                pass

    def _apply(self, event: dict[str, Any]) -> bool:
        """Apply a container create/destroy/rename ``event`` to the cache in place; False for other events."""
        change = container_change(event)
        if change is None or "containers" not in self.kinds:
            return False
        names = self.daemon.names
        if names.apply("containers", change):
            items = names.peek("containers")
            if items is not None and self.status.total is not None:
                self._update(total=len(items))
        self.applied += 1
        with self._cond:
            self._changed = True
            if change[0] != "rename" and "volumes" in self.kinds:
                self._dirty.add("volumes")  # anonymous volumes come and go with their container
            self._cond.notify_all()
        return True

    def _update(self, **changes: Any) -> None:
        from dataclasses import replace

        self.status = replace(self.status, **changes)

    # -- the listener ------------------------------------------------------------------------------------

    def _listen(self) -> None:
        """Follow ``/events`` for as long as the refresher runs.

        A stream that was up and ended — the daemon closed it, or it was merely quiet for a whole read timeout
        — is re-opened at once (a quiet stream is healthy: no pause, no backoff). One that cannot be opened is
        retried after a pause growing from 0.5 s to 5 s. Each time the stream comes up the worker refetches
        every kind (see :meth:`_follow_events`), since events may have been missed meanwhile.
        """
        failures = 0
        while not self._stop.is_set():
            self._up = False
            quiet = False
            try:
                self._follow_events()
            except Exception as exc:  # connection refused, broken stream, daemon restart: reconnect
                quiet = self._up and is_read_timeout(exc)
            if self._stop.is_set():
                return
            if self._up:
                failures = 0  # it was up: re-open at once
                if quiet:
                    continue  # still connected as far as anyone can tell
            self._connected.clear()
            self._update(connected=False)
            pause = backoff(failures)
            failures += 1
            if pause and self._stop.wait(pause):
                return
            self.poke()  # events may have been missed while the stream was down

    def _follow_events(self) -> None:
        import json

        from dshell.api.streams import iter_json_documents

        if self._events_client is None:
            self._events_client = self._new_client()
        client = self._events_client
        filters = json.dumps({"type": sorted(EVENT_KINDS)}, separators=(",", ":"))
        # the shared client sends streams without a read timeout; this one wakes every 30 s to check ``_stop``
        request = client.build("GET", "/events", params={"filters": filters})
        resp = client.pool.stream(request, head_timeout=client.timeout, read_timeout=self.read_timeout)
        if resp.status_code != 200:
            resp.close()
            raise ConnectionError(f"/events answered {resp.status_code}")
        self._response = resp
        self._up = True
        self._connected.set()
        self._update(connected=True)
        self.poke()  # anything that changed before the stream was up
        try:
            for event in iter_json_documents(client.iter_stream(resp)):
                if self._stop.is_set():
                    return
                if self._apply(event):
                    continue
                kinds = affected_kinds(event) & set(self.kinds)
                if kinds:
                    self.poke(*kinds)
        finally:
            self._response = None
            resp.close()


def backoff(failures: int) -> float:
    """The pause before reconnect attempt number ``failures + 1``: none, then 0.5 s doubling to 5 s."""
    if failures <= 0:
        return 0.0
    return float(min(0.5 * 2 ** (failures - 1), 5.0))


def is_read_timeout(exc: BaseException) -> bool:
    """True for a read that timed out (a quiet stream), as opposed to a broken or refused connection."""
    if isinstance(exc, TimeoutError):
        return True
    return type(exc).__name__ in ("ReplyTimeout", "ReadTimeout", "ReadTimeoutError")


def _shut(response: Any) -> None:
    """Unblock a thread reading ``response``: closing a streamed reply shuts its socket down."""
    try:
        response.close()
    except OSError:
        pass


class Refreshers:
    """One :class:`Refresher` per daemon of the session (``connect`` adds one, ``disconnect`` stops it), so
    completion after ``@NAME`` and the toolbar after ``use NAME`` are as fresh as for the first daemon."""

    def __init__(self, session: Session, *, on_change: Callable[[], None] | None = None) -> None:
        self.session = session
        self.on_change = on_change
        self._by_name: dict[str, Refresher] = {}
        self._lock = threading.Lock()
        self._started = False

    def expect_snapshots(self) -> None:
        """Before the prompt (cheap): the caches are live from now on, and a completion of a kind never
        fetched waits (≤ 1 s) for :meth:`preload` instead of listing the daemon."""
        for daemon in list(self.session.daemons.values()):
            daemon.names.live = True
            daemon.names.begin_preload()

    def preload(self) -> None:
        """Fill each daemon's container names from its snapshot of the last session (run in a thread)."""
        from dshell.core import namesnap

        for daemon in list(self.session.daemons.values()):
            lists: dict[str, list[dict[str, Any]]] = {}
            try:
                items = namesnap.load(str(daemon.address))
                if items is not None:
                    lists["containers"] = items
            finally:
                daemon.names.preload(lists)

    def start(self) -> None:
        """Follow every daemon the session has now; :meth:`sync` follows later changes."""
        self._started = True
        self.sync()

    def sync(self) -> None:
        """Start refreshers for new (or re-pointed) daemons, stop those of daemons that are gone."""
        if not self._started:
            return
        stale: list[Refresher] = []
        with self._lock:
            daemons = dict(self.session.daemons)
            for name, refresher in list(self._by_name.items()):
                if daemons.get(name) is not refresher.daemon:
                    stale.append(self._by_name.pop(name))
            for name, daemon in daemons.items():
                if name not in self._by_name:
                    self._by_name[name] = Refresher(daemon, on_change=self.on_change, snapshot=True).start()
        for refresher in stale:
            threading.Thread(target=refresher.stop, name="dshell-refresh-stop", daemon=True).start()

    def status(self, name: str) -> DaemonStatus:
        """What the toolbar shows for daemon ``name`` (empty until its refresher has news)."""
        refresher = self._by_name.get(name)
        return refresher.status if refresher is not None else DaemonStatus()

    def stop(self) -> None:
        with self._lock:
            refreshers, self._by_name = list(self._by_name.values()), {}
            self._started = False
        for refresher in refreshers:
            refresher.stop()
