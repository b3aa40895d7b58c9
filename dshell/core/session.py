"""A dshell session: the daemons it talks to, the plugins, registries and settings, and the console.

One :class:`Daemon` per address, each with its own kept-alive client and name cache. The session has a
current daemon (``use NAME``); a command runs against it, or against the ``@name`` / ``@all`` target its line
starts with (:mod:`dshell.core.targets`): :meth:`Session.using` switches the daemon for the calling thread
only, so several targets can run at once, one thread and one client per daemon.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from dshell.api.address import DaemonAddress
from dshell.api.client import DEFAULT_TIMEOUT, DockerClient
from dshell.core.commands import CommandRegistry
from dshell.core.names import NameCache
from dshell.core.pluginhost import PluginHost
from dshell.core.settings import Settings, core_settings
from dshell.output.console import Console
from dshell.output.render import RenderContext, render_json_mode, render_table_mode
from dshell.output.renderers import RendererRegistry

if TYPE_CHECKING:
    from dshell.api.catalogue import Catalogue
    from dshell.core.completion import CompletionRegistry
    from dshell.errors import ConnectionFailed


@dataclass
class Daemon:
    """One daemon the session knows: its address, client and cached live names."""

    name: str
    address: DaemonAddress
    client: DockerClient
    names: NameCache = field(init=False)
    #: "" until dshell knows, then "connected" or "lost" (see :meth:`Session.note_contact`).
    state: str = field(default="", init=False)

    def __post_init__(self) -> None:
        self.names = NameCache(lambda: self.client)

    def summary(self) -> dict[str, Any]:
        """Engine version, API version and container counts, for the banner and toolbar."""
        version = self.client.get_object("/version")
        info = self.client.get_object("/info")
        return {
            "address": str(self.address),
            "engine": version.get("Version", "?"),
            "api": self.client.api_version,
            "running": info.get("ContainersRunning", 0),
            "total": info.get("Containers", 0),
            "name": info.get("Name", ""),
        }


class Session:
    """Everything one run of dshell shares between commands."""

    def __init__(
        self,
        address: DaemonAddress,
        *,
        console: Console | None = None,
        plugins: PluginHost | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        api_version: str | None = None,
        name: str = "default",
    ) -> None:
        self.console = console or Console()
        self.plugins = plugins or PluginHost(warn=self.console.warn)
        self.registry = CommandRegistry()
        self._completers: CompletionRegistry | None = None
        self.renderers = RendererRegistry()
        self.settings = Settings()
        self.daemons: dict[str, Daemon] = {}
        self.current = name
        self._local = threading.local()
        self._contact_lock = threading.Lock()
        self._api_version = api_version
        self._catalogue: Catalogue | None = None
        self.last_status = 0
        self.last_error: str | None = None
        #: False when no later line can read ``$_`` (``dshell -c``): a plain line then skips the automation
        #: layer entirely (:func:`dshell.core.runner.execute`).
        self.keep_results = True
        self.add_daemon(name, address, timeout=timeout)

    # -- daemons -----------------------------------------------------------------------------------------

    def add_daemon(self, name: str, address: DaemonAddress, *, timeout: float | None = None) -> Daemon:
        """Add (or replace) a named daemon."""
        old = self.daemons.get(name)
        if old is not None:
            old.client.close()
        client = DockerClient(
            address,
            timeout=timeout if timeout is not None else self.settings.get("timeout", DEFAULT_TIMEOUT),
            api_version=self._api_version,
        )
        daemon = Daemon(name, address, client)
        self.daemons[name] = daemon
        return daemon

    def remove_daemon(self, name: str) -> None:
        """Forget daemon ``name`` and close its connections (the current one cannot be removed)."""
        daemon = self.daemons.pop(name)
        daemon.client.close()

    def note_contact(self, daemon: Daemon, error: ConnectionFailed | None) -> None:
        """After each command (:func:`dshell.core.runner.execute`): tell plugins when ``daemon`` has been
        reached for the first time or again (its API version negotiated: ``dshell_daemon_connected``), or has
        been lost (the command failed to reach it: ``dshell_daemon_lost``, once per loss). A lost daemon gets
        a fresh client, so the next command reconnects and negotiates again."""
        if error is not None:
            with self._contact_lock:
                if daemon.state == "lost":
                    return
                daemon.state = "lost"
                old = daemon.client
                daemon.client = DockerClient(
                    daemon.address, timeout=old.timeout, api_version=self._api_version
                )
            old.close()
            self.plugins.daemon_lost(self, daemon, error)
        elif daemon.state != "connected" and daemon.client.daemon_api_version is not None:
            with self._contact_lock:
                if daemon.state == "connected":
                    return
                daemon.state = "connected"
            self.plugins.daemon_connected(self, daemon)

    @property
    def daemon(self) -> Daemon:
        """The daemon commands run against now (in this thread: a ``@name`` target overrides ``use``)."""
        return self.daemons[getattr(self._local, "name", None) or self.current]

    @property
    def client(self) -> DockerClient:
        return self.daemon.client

    @property
    def names(self) -> NameCache:
        return self.daemon.names

    @contextlib.contextmanager
    def using(self, name: str) -> Iterator[Daemon]:
        """Run a block against daemon ``name``, then switch back. Only the calling thread switches: the
        session's current daemon (``use``) stays, and other threads may use other daemons meanwhile."""
        daemon = self.daemons[name]
        previous = getattr(self._local, "name", None)
        self._local.name = name
        try:
            yield daemon
        finally:
            self._local.name = previous

    # -- registries ----------------------------------------------------------------------------------------

    def load_plugins(
        self, *, entry_points: bool = True, lazy: bool = False, save_index: bool = False
    ) -> None:
        """Load plugins and let them fill the registries (core settings and renderers first).

        ``lazy``: with a valid command index (:mod:`dshell.core.cmdindex`), import only the plugins that must
        always run (session hooks, wrappers, settings, renderers, endpoints) and the others when one of their
        commands is asked for. ``save_index``: after a full load, write the index for the next run."""
        from dshell.core import cmdindex

        for setting in core_settings():
            self.settings.declare(setting)
        self.renderers.add("table", render_table_mode)
        self.renderers.add("json", render_json_mode)
        index = cmdindex.load() if entry_points and lazy and not self.plugins.plugins else None
        if entry_points:
            self.plugins.load_entry_points(index)
        self.plugins.register_settings(self.settings)
        self.plugins.register_renderers(self.renderers)
        output = next(s for s in core_settings() if s.name == "output")
        self.settings.declare(replace(output, choices=tuple(self.renderers)))
        self.plugins.register_commands(self.registry)
        if self._completers is not None:
            self.plugins.register_completers(self._completers)
        if self.plugins.deferred:
            host, registry = self.plugins, self.registry
            registry.loader = lambda names: host.load_deferred(names, registry, lambda: self._completers)
        elif entry_points and save_index and lazy and index is None and not self.plugins.disabled:
            cmdindex.save(self.plugins.build_index())  # a full load for want of a valid index: write one

    @property
    def completers(self) -> CompletionRegistry:
        """The completers of every plugin loaded so far; made (and the plugins asked for theirs) on first use,
        so that a one-shot or a script never imports the completion machinery."""
        if self._completers is None:
            from dshell.core.completion import CompletionRegistry

            with self.plugins.load_lock:  # not while a deferred plugin is half loaded by another thread
                if self._completers is None:
                    completers = CompletionRegistry()
                    self.plugins.register_completers(completers)
                    self._completers = completers
        return self._completers

    @property
    def uses_automation(self) -> bool:
        """Whether the automation layer (:mod:`dshell.core.variables`) has state in this session: variables,
        ``$_``, deferred commands, dry-run. Until then a plain line never imports it."""
        return "_automation" in self.__dict__

    def start(self, *, config: bool = True) -> None:
        """Apply the config file (defaults and aliases), put colour and the pager around the table and JSON
        modes, and tell plugins the session is ready. ``config=False`` leaves the config file alone (tests)."""
        from dshell.output import display

        if config:
            from dshell.core.config import apply_config, load_config

            for warning in apply_config(self, load_config()):
                self.console.warn(warning)
        display.install(self)
        self.plugins.session_started(self)

    def close(self) -> None:
        """Tell plugins the session ends and drop the connections."""
        self.plugins.session_ended(self)
        for daemon in self.daemons.values():
            daemon.client.close()

    @property
    def catalogue(self) -> Catalogue:
        """The Engine API endpoint catalogue, with plugin endpoints, built on first use."""
        if self._catalogue is None:
            from dshell.api.catalogue import Catalogue

            catalogue = Catalogue.builtin()
            self.plugins.register_endpoints(catalogue)
            self._catalogue = catalogue
        return self._catalogue

    def render_context(self) -> RenderContext:
        return RenderContext(self.console, table_format=self.settings.get("table_format", "docker"))

    def set(self, name: str, value: str) -> Any:
        """``set KEY VALUE``: store the setting and apply it where it lives."""
        stored = self.settings.set(name, value)
        if name == "timeout":
            for daemon in self.daemons.values():
                daemon.client.timeout = float(stored)
        return stored


def disabled_plugins(flag_value: str | None) -> list[str]:
    """Plugins blocked by ``--disable-plugins`` and ``DSHELL_DISABLE_PLUGINS`` (comma-separated)."""
    names = (os.environ.get("DSHELL_DISABLE_PLUGINS", "") + "," + (flag_value or "")).split(",")
    return [n.strip() for n in names if n.strip()]
