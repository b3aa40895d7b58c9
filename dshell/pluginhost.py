"""Find, load and call plugins, each in isolation.

Entry points of the ``dshell`` group are loaded one by one; one that fails to import or validate prints a
warning naming the plugin and its distribution and is skipped. Hooks are called implementation by
implementation (built-ins first, then third parties in entry-point order), so one broken plugin cannot take
every command away. :class:`PluginHost` has one typed method per hook: call sites never spell hook names.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pluggy

from dshell import hookspecs

if TYPE_CHECKING:
    from dshell.catalogue import Catalogue
    from dshell.commands import CommandRegistry
    from dshell.completion import CompletionRegistry
    from dshell.renderers import RendererRegistry
    from dshell.session import Session
    from dshell.settings import Settings

ENTRY_POINT_GROUP = "dshell"
#: dshell's own plugins, loaded first and in this order.
BUILTIN_ORDER = ("shell", "containers", "images", "raw")


@dataclass
class LoadedPlugin:
    """A plugin that is registered: its entry-point name, distribution and version."""

    name: str
    module: object
    dist: str = ""
    version: str = ""
    builtin: bool = False
    commands: list[str] = field(default_factory=list)


def _ep_sort_key(ep: Any) -> tuple[int, str, str]:
    dist = getattr(getattr(ep, "dist", None), "name", "") or ""
    if dist == "dshell" and ep.name in BUILTIN_ORDER:
        return (0, f"{BUILTIN_ORDER.index(ep.name):03d}", "")
    return (1, dist.lower(), ep.name)


class PluginHost:
    """The plugin manager of one session, with typed hook calls."""

    def __init__(
        self, *, disabled: Iterable[str] = (), warn: Callable[[str], None] | None = None, debug: bool = False
    ) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.disabled = {d.strip() for d in disabled if d.strip()}
        self.plugins: list[LoadedPlugin] = []
        self.warnings: list[str] = []
        self._warn_cb = warn
        self.debug = debug

    # -- loading -----------------------------------------------------------------------------------------

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        if self._warn_cb is not None:
            self._warn_cb(message)

    def load_entry_points(self) -> None:
        """Load every ``dshell`` entry point that is not disabled."""
        from importlib.metadata import entry_points

        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=_ep_sort_key):
            if ep.name in self.disabled or self.get(ep.name) is not None:
                continue
            dist = getattr(ep, "dist", None)
            dist_name = getattr(dist, "name", "") or "?"
            version = getattr(dist, "version", "") or ""
            try:
                module = ep.load()
            except Exception as exc:
                self._report(f"plugin {ep.name!r} (from {dist_name}) failed to load", exc)
                continue
            self.register(module, ep.name, dist=dist_name, version=version, builtin=dist_name == "dshell")

    def register(
        self, module: object, name: str, *, dist: str = "", version: str = "", builtin: bool = False
    ) -> LoadedPlugin | None:
        """Register a plugin object (entry points come through here; tests and embedders may call it)."""
        if name in self.disabled:
            return None
        try:
            self.pm.register(module, name=name)
            self.pm.check_pending()
        except Exception as exc:
            if self.pm.is_registered(module):
                self.pm.unregister(module)
            self._report(f"plugin {name!r} (from {dist or '?'}) is not a valid dshell plugin", exc)
            return None
        plugin = LoadedPlugin(name, module, dist, version, builtin)
        self.plugins.append(plugin)
        return plugin

    def get(self, name: str) -> LoadedPlugin | None:
        return next((p for p in self.plugins if p.name == name), None)

    def _report(self, what: str, exc: BaseException) -> None:
        self.warn(f"{what}: {type(exc).__name__}: {exc}; skipped")
        if self.debug:
            traceback.print_exception(exc, file=sys.stderr)

    # -- calling -----------------------------------------------------------------------------------------

    def _call_each(self, hook_name: str, target: Any, **kwargs: Any) -> None:
        """Call each implementation of ``hook_name`` in plugin order, isolating failures.

        ``target`` (a registry) gets ``current_plugin`` set so what a plugin adds is attributed to it.
        """
        order = {p.name: i for i, p in enumerate(self.plugins)}
        impls = getattr(self.pm.hook, hook_name).get_hookimpls()
        for impl in sorted(impls, key=lambda i: order.get(i.plugin_name, len(order))):
            if target is not None and hasattr(target, "current_plugin"):
                target.current_plugin = impl.plugin_name
            try:
                impl.function(**{k: kwargs[k] for k in impl.argnames})
            except Exception as exc:
                self._report(f"plugin {impl.plugin_name!r} failed in {hook_name}", exc)
        if target is not None and hasattr(target, "current_plugin"):
            target.current_plugin = ""

    def register_commands(self, registry: CommandRegistry) -> None:
        self._call_each("dshell_register_commands", registry, registry=registry)
        for plugin in self.plugins:
            plugin.commands = [c.name for c in registry if c.plugin == plugin.name]

    def register_completers(self, completers: CompletionRegistry) -> None:
        self._call_each("dshell_register_completers", completers, completers=completers)

    def register_renderers(self, renderers: RendererRegistry) -> None:
        self._call_each("dshell_register_renderers", renderers, renderers=renderers)

    def register_settings(self, settings: Settings) -> None:
        self._call_each("dshell_register_settings", None, settings=settings)

    def register_endpoints(self, catalogue: Catalogue) -> None:
        self._call_each("dshell_register_endpoints", catalogue, catalogue=catalogue)

    def session_started(self, session: Session) -> None:
        self._call_each("dshell_session_started", None, session=session)

    def session_ended(self, session: Session) -> None:
        self._call_each("dshell_session_ended", None, session=session)
