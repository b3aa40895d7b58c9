"""Find, load and call plugins, each in isolation.

Entry points of the ``dshell`` group are loaded one by one; one that fails to import or validate prints a
warning naming the plugin and its distribution and is skipped. Hooks are called implementation by
implementation (built-ins first, then third parties in entry-point order), so one broken plugin cannot take
every command away. :class:`PluginHost` has one typed method per hook: call sites never spell hook names.

Finding the entry points reads only the ``entry_points.txt`` of each distribution on ``sys.path``
(:func:`find_entry_points`): importing :mod:`importlib.metadata` alone costs more than the whole scan.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pluggy

from dshell.core import hookspecs

if TYPE_CHECKING:
    from dshell.api.catalogue import Catalogue
    from dshell.core.commands import CommandRegistry
    from dshell.core.completion import CompletionRegistry
    from dshell.core.session import Session
    from dshell.core.settings import Settings
    from dshell.output.renderers import RendererRegistry

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


class Distribution:
    """The name and version of an installed distribution, from its metadata headers."""

    __slots__ = ("name", "version")

    def __init__(self, name: str, version: str) -> None:
        self.name = name
        self.version = version


class EntryPoint:
    """One ``name = module[:attr]`` line of a distribution's ``entry_points.txt``."""

    __slots__ = ("dist", "group", "name", "value")

    def __init__(self, name: str, value: str, group: str, dist: Distribution | None = None) -> None:
        self.name = name
        self.value = value
        self.group = group
        self.dist = dist

    def __repr__(self) -> str:
        return f"EntryPoint({self.name!r}, {self.value!r}, {self.group!r})"

    def load(self) -> Any:
        """Import the module and return the object the entry point names."""
        import importlib

        module_name, _, attrs = self.value.partition(":")
        obj: Any = importlib.import_module(module_name.strip())
        for attr in attrs.split("[")[0].strip().split(".") if attrs.strip() else ():
            obj = getattr(obj, attr)
        return obj


def _metadata_dir_name(folder: str) -> str | None:
    """``foo_bar`` for ``foo_bar-1.0.dist-info`` or ``foo_bar.egg-info``; None for anything else."""
    if not folder.endswith((".dist-info", ".egg-info")):
        return None
    return folder.rsplit(".", 1)[0].split("-", 1)[0]


def _normalize(name: str) -> str:
    """PEP 503: runs of ``-``, ``_`` and ``.`` are one ``-``; case does not count."""
    key = name.lower().replace("_", "-").replace(".", "-")
    while "--" in key:
        key = key.replace("--", "-")
    return key


def _group_lines(text: str, group: str) -> list[tuple[str, str]]:
    """The ``name = value`` pairs of section ``[group]`` of an entry_points.txt."""
    out: list[tuple[str, str]] = []
    inside = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            inside = line[1:-1].strip() == group
            continue
        if inside and "=" in line:
            name, _, value = line.partition("=")
            out.append((name.strip(), value.strip()))
    return out


def _read_distribution(folder: str, fallback: str) -> Distribution:
    """Name and version from METADATA (dist-info) or PKG-INFO (egg-info): the header lines only."""
    name, version = fallback, ""
    for meta in ("METADATA", "PKG-INFO"):
        try:
            with open(os.path.join(folder, meta), encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    if not line.strip():
                        break
                    key, _, value = line.partition(":")
                    if key == "Name":
                        name = value.strip()
                    elif key == "Version":
                        version = value.strip()
        except OSError:
            continue
        break
    return Distribution(name, version)


def find_entry_points(group: str, path: list[str] | None = None) -> list[EntryPoint]:
    """Every entry point of ``group`` on ``path`` (default ``sys.path``), as :mod:`importlib.metadata` finds them.

    The first distribution of a name on the path wins, as there. Path entries that are not directories
    (zip files) are searched with :mod:`importlib.metadata` itself.
    """
    found: list[EntryPoint] = []
    seen: set[str] = set()
    for entry in sys.path if path is None else path:
        folder = entry or "."
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            if os.path.isfile(folder):
                found += _entry_points_from_metadata(group, entry, seen)
            continue
        for name in names:
            base = _metadata_dir_name(name)
            if not base:
                continue
            key = _normalize(base)
            if key in seen:
                continue
            seen.add(key)
            info = os.path.join(folder, name)
            try:
                with open(os.path.join(info, "entry_points.txt"), encoding="utf-8") as fh:
                    lines = _group_lines(fh.read(), group)
            except OSError:
                continue
            if lines:
                dist = _read_distribution(info, base)
                found += [EntryPoint(n, v, group, dist) for n, v in lines]
    return found


def _entry_points_from_metadata(group: str, entry: str, seen: set[str]) -> list[EntryPoint]:
    from importlib.metadata import distributions

    out: list[EntryPoint] = []
    for d in distributions(path=[entry]):
        key = _normalize(d.metadata["Name"] or "")
        if key in seen:
            continue
        seen.add(key)
        dist = Distribution(d.metadata["Name"] or "", d.version or "")
        out += [EntryPoint(ep.name, ep.value, group, dist) for ep in d.entry_points if ep.group == group]
    return out


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
        for ep in sorted(find_entry_points(ENTRY_POINT_GROUP), key=_ep_sort_key):
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
            import traceback

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
