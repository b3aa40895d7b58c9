"""Find, load and call plugins, each in isolation.

Entry points of the ``dshell`` group are loaded one by one; one that fails to import or validate prints a
warning naming the plugin and its distribution and is skipped. Hooks are called with pluggy's semantics
(``tryfirst``/``trylast``, ``wrapper=True`` and ``hookwrapper=True`` implementations, ``firstresult``) through
:func:`pluggy._callers._multicall`, each implementation inside a shim that reports its exception and skips it,
so one broken plugin cannot take every command away. Within a ``tryfirst``/plain/``trylast`` group, plugins run
in load order: built-ins first, then third parties in entry-point order. :class:`PluginHost` has one typed
method per hook: call sites never spell hook names.

Finding the entry points reads only the ``entry_points.txt`` of each distribution on ``sys.path``
(:func:`find_entry_points`): importing :mod:`importlib.metadata` alone costs more than the whole scan.
"""

from __future__ import annotations

import copy
import os
import sys
import threading
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import pluggy
from pluggy import HookImpl
from pluggy._callers import _multicall  # pluggy's own call loop (pinned <2); the shims need it

from dshell.core import hookspecs
from dshell.core.hookspecs import CommandOutcome

if TYPE_CHECKING:
    from dshell.api.catalogue import Catalogue
    from dshell.core.cmdindex import CommandIndex, IndexedPlugin
    from dshell.core.commands import CommandRegistry
    from dshell.core.completion import CompletionRegistry
    from dshell.core.invocation import Invocation
    from dshell.core.session import Daemon, Session
    from dshell.core.settings import Settings
    from dshell.errors import ConnectionFailed
    from dshell.output.renderers import RendererRegistry

ENTRY_POINT_GROUP = "dshell"
#: The name dshell's own hook implementations are registered under (not a plugin: never listed or disabled).
CORE = "dshell-core"
#: dshell's own plugins, loaded first and in this order.
BUILTIN_ORDER = ("shell", "containers", "images", "volumes", "networks", "raw", "hosts", "system", "swarm")


@dataclass
class LoadedPlugin:
    """A plugin that is registered: its entry-point name, distribution and version."""

    name: str
    module: object
    dist: str = ""
    version: str = ""
    builtin: bool = False
    commands: list[str] = field(default_factory=list)
    entry_point: str = ""  # module[:attr], for the command index


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
        self.pm.register(_Core(), name=CORE)
        self.disabled = {d.strip() for d in disabled if d.strip()}
        self.plugins: list[LoadedPlugin] = []
        self.warnings: list[str] = []
        self._warn_cb = warn
        self.debug = debug
        #: The command index this host loaded from, and the plugins it has not imported yet (by name).
        self.index: CommandIndex | None = None
        self.deferred: dict[str, IndexedPlugin] = {}
        self.failed: list[tuple[str, str, str, str]] = []  # (name, entry point, dist, version)
        self._loading = False
        self.load_lock = threading.RLock()

    # -- loading -----------------------------------------------------------------------------------------

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        if self._warn_cb is not None:
            self._warn_cb(message)

    def load_entry_points(self, index: CommandIndex | None = None) -> None:
        """Load every ``dshell`` entry point that is not disabled. With a valid command ``index``
        (:mod:`dshell.core.cmdindex`), load only the eager plugins and defer the others until one of their
        commands is asked for (:meth:`load_deferred`)."""
        if index is not None:
            self.index = index
            for p in index.plugins:
                if p.name in self.disabled or self.get(p.name) is not None:
                    continue
                if p.eager:
                    self._load_one(
                        EntryPoint(p.name, p.value, ENTRY_POINT_GROUP, Distribution(p.dist, p.version))
                    )
                else:
                    self.deferred[p.name] = p
            return
        for ep in sorted(find_entry_points(ENTRY_POINT_GROUP), key=_ep_sort_key):
            if ep.name in self.disabled or self.get(ep.name) is not None:
                continue
            self._load_one(ep)

    def _load_one(self, ep: EntryPoint) -> LoadedPlugin | None:
        dist = getattr(ep, "dist", None)
        dist_name = getattr(dist, "name", "") or "?"
        version = getattr(dist, "version", "") or ""
        try:
            module = ep.load()
        except Exception as exc:
            self.failed.append((ep.name, ep.value, dist_name, version))
            self._report(f"plugin {ep.name!r} (from {dist_name}) failed to load", exc)
            return None
        plugin = self.register(
            module, ep.name, dist=dist_name, version=version, builtin=dist_name == "dshell"
        )
        if plugin is not None:
            plugin.entry_point = ep.value
        return plugin

    def load_deferred(
        self,
        names: Iterable[str] | None,
        registry: CommandRegistry,
        completers: Callable[[], CompletionRegistry | None],
    ) -> None:
        """Load the deferred plugins that declare any of ``names`` (None: all of them), each with the plugins
        it shares a command name with, in load order, and let them register their commands, and their
        completers if ``completers()`` gives a registry (made later, it asks every loaded plugin)."""
        if not self.deferred or self.index is None:
            return
        with self.load_lock:  # another thread asking meanwhile waits for these plugins, then finds them
            if not self._loading:
                self._load_deferred(self.index, names, registry, completers)

    def _load_deferred(
        self,
        index: CommandIndex,
        names: Iterable[str] | None,
        registry: CommandRegistry,
        completers: Callable[[], CompletionRegistry | None],
    ) -> None:
        if names is None:
            wanted = set(self.deferred)
        else:
            wanted = set()
            for name in names:
                for owner in index.owners.get(name, ()):
                    if owner in self.deferred:
                        wanted.update(index.group(owner))
        todo = [p for p in index.plugins if p.name in wanted and p.name in self.deferred]
        if not todo:
            return
        self._loading = True
        try:
            loaded = set()
            for p in todo:
                del self.deferred[p.name]
                ep = EntryPoint(p.name, p.value, ENTRY_POINT_GROUP, Distribution(p.dist, p.version))
                if self._load_one(ep) is not None:
                    loaded.add(p.name)
            if loaded:
                self.register_commands(registry, only=loaded)
                made = completers()
                if made is not None:
                    self.register_completers(made, only=loaded)
        finally:
            self._loading = False

    def build_index(self) -> CommandIndex:
        """The command index of what a full load found (see :mod:`dshell.core.cmdindex`): each plugin's
        declared command names, from calling its ``dshell_register_commands`` on a scratch registry."""
        from dshell.core import cmdindex
        from dshell.core.commands import CommandRegistry

        entries: list[tuple[str, str, str, str, bool, list[str], list[str], object | None]] = []
        impls = self.pm.hook.dshell_register_commands.get_hookimpls()
        for plugin in self.plugins:
            if not plugin.entry_point:
                continue
            scratch = CommandRegistry()
            scratch.current_plugin = plugin.name
            for impl in impls:
                if impl.plugin_name == plugin.name and not (impl.wrapper or impl.hookwrapper):
                    try:
                        impl.function(*[{"registry": scratch}.get(a) for a in impl.argnames])
                    except Exception:
                        pass
            names = [n for c in scratch for n in c.names]
            hooks = self.hooks_of(plugin.name)
            entries.append(
                (
                    plugin.name,
                    plugin.entry_point,
                    plugin.dist,
                    plugin.version,
                    plugin.builtin,
                    hooks,
                    names,
                    plugin.module,
                )
            )
        entries += [(n, v, d, ver, d == "dshell", [], [], None) for n, v, d, ver in self.failed]
        return cmdindex.build(entries)

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

    def _ordered(self, hook_name: str) -> list[HookImpl]:
        """The implementations of ``hook_name`` laid out as :func:`pluggy._callers._multicall` takes them (it
        calls from the end of the list): plain implementations before wrappers, ``trylast`` before the rest
        before ``tryfirst``, and within each group the plugin order reversed, so that of two plugins in the
        same group the one loaded first (the built-ins, then third parties in entry-point order) runs first
        and, for a wrapper, is the outer one. (pluggy itself calls the most recently registered first;
        dshell wants the built-ins first so that a third party's ``replace_existing=True`` wins.)"""
        order = {p.name: i for i, p in enumerate(self.plugins)}
        impls = getattr(self.pm.hook, hook_name).get_hookimpls()

        def rank(impl: HookImpl) -> tuple[bool, int, int]:
            group = 0 if impl.trylast else 2 if impl.tryfirst else 1
            return (impl.wrapper or impl.hookwrapper, group, -order.get(impl.plugin_name, len(order)))

        return sorted(impls, key=rank)

    def _call(
        self,
        hook_name: str,
        target: Any,
        kwargs: dict[str, Any],
        *,
        firstresult: bool = False,
        passthrough: tuple[type[BaseException], ...] = (),
        only: set[str] | None = None,
    ) -> Any:
        """Call ``hook_name`` with pluggy's semantics (``tryfirst``/``trylast``, ``wrapper=True`` and
        ``hookwrapper=True`` implementations, ``firstresult``), each implementation isolated.

        Every plugin's implementation runs inside a shim that reports an exception (naming the plugin and
        the hook) and carries on as if that implementation were absent: a plain one counts as returning
        None, a wrapper passes the call through untouched. dshell's own implementations (plugin name
        :data:`CORE`) and ``passthrough`` exception types (a plugin's deliberate refusal) are not caught.
        ``target`` (a registry) gets ``current_plugin`` set while a plugin runs, so what it adds is
        attributed to it.
        """
        owner = target if target is not None and hasattr(target, "current_plugin") else None
        impls = [
            impl
            if impl.plugin_name == CORE
            else _Isolated(self, hook_name, impl, owner, passthrough).hookimpl()
            for impl in self._ordered(hook_name)
            if only is None or impl.plugin_name in only
        ]
        try:
            return _multicall(hook_name, impls, kwargs, firstresult)
        finally:
            if owner is not None:
                owner.current_plugin = ""

    def hooks_of(self, name: str) -> list[str]:
        """The hooks plugin ``name`` implements, sorted: ``dshell_run_command[wrapper]``, with the options
        that change how it is called (``wrapper``, ``tryfirst``, ``trylast``) in brackets."""
        module = self.pm.get_plugin(name)
        out = []
        for caller in self.pm.get_hookcallers(module) or [] if module is not None else []:
            for impl in caller.get_hookimpls():
                if impl.plugin is module:
                    marks = [m for m in ("tryfirst", "trylast") if getattr(impl, m)]
                    if impl.wrapper or impl.hookwrapper:
                        marks.insert(0, "wrapper")
                    out.append(caller.name + (f"[{','.join(marks)}]" if marks else ""))
        return sorted(out)

    def register_commands(self, registry: CommandRegistry, *, only: set[str] | None = None) -> None:
        """``dshell_register_commands`` of every loaded plugin (``only``: of these plugins)."""
        self._call("dshell_register_commands", registry, {"registry": registry}, only=only)
        everything = registry.loaded()
        for plugin in self.plugins:
            if only is None or plugin.name in only:
                plugin.commands = sorted(c.name for c in everything if c.plugin == plugin.name)

    def register_completers(self, completers: CompletionRegistry, *, only: set[str] | None = None) -> None:
        self._call("dshell_register_completers", completers, {"completers": completers}, only=only)

    def register_renderers(self, renderers: RendererRegistry) -> None:
        self._call("dshell_register_renderers", renderers, {"renderers": renderers})

    def register_settings(self, settings: Settings) -> None:
        self._call("dshell_register_settings", None, {"settings": settings})

    def register_endpoints(self, catalogue: Catalogue) -> None:
        self._call("dshell_register_endpoints", catalogue, {"catalogue": catalogue})

    def session_started(self, session: Session) -> None:
        self._call("dshell_session_started", None, {"session": session})

    def session_ended(self, session: Session) -> None:
        self._call("dshell_session_ended", None, {"session": session})

    def run_command(self, invocation: Invocation) -> CommandOutcome:
        """Run one command through ``dshell_run_command``: plugins' wrappers around dshell's own
        implementation (:class:`_Core`), which calls the handler and renders its result. A plugin's
        :class:`~dshell.errors.DshellError` (a deliberate refusal) fails the command; any other exception in
        a plugin is reported and that plugin is skipped."""
        from dshell.errors import DshellError

        if len(self.pm.hook.dshell_run_command.get_hookimpls()) == 1:  # only dshell's own: no call loop
            from dshell.core.runner import call_and_render

            return call_and_render(invocation)
        outcome = self._call(
            "dshell_run_command",
            None,
            {"invocation": invocation},
            firstresult=True,
            passthrough=(DshellError,),
        )
        assert isinstance(outcome, CommandOutcome), f"dshell_run_command returned {outcome!r}"
        return outcome

    def daemon_connected(self, session: Session, daemon: Daemon) -> None:
        self._call("dshell_daemon_connected", None, {"session": session, "daemon": daemon})

    def daemon_lost(self, session: Session, daemon: Daemon, error: ConnectionFailed) -> None:
        self._call("dshell_daemon_lost", None, {"session": session, "daemon": daemon, "error": error})


class _Core:
    """dshell's own implementation of ``dshell_run_command`` (registered under the name :data:`CORE`)."""

    @hookspecs.hookimpl(trylast=True)
    def dshell_run_command(self, invocation: Invocation) -> CommandOutcome:
        from dshell.core.runner import call_and_render

        return call_and_render(invocation)


class _Isolated:
    """Runs one plugin's hook implementation inside a shim that reports and absorbs the plugin's own
    exceptions (see :meth:`PluginHost._call`)."""

    __slots__ = ("hook_name", "host", "impl", "owner", "passthrough", "plugin_name")

    def __init__(
        self,
        host: PluginHost,
        hook_name: str,
        impl: HookImpl,
        owner: Any,
        passthrough: tuple[type[BaseException], ...],
    ) -> None:
        self.host = host
        self.hook_name = hook_name
        self.impl = impl
        self.owner = owner
        self.passthrough = passthrough
        self.plugin_name = impl.plugin_name

    def hookimpl(self) -> HookImpl:
        """A copy of the implementation (same arguments and options) whose function is the shim."""
        shim: Callable[..., Any] = (
            self._wrapper
            if self.impl.wrapper
            else self._old_wrapper
            if self.impl.hookwrapper
            else self._plain
        )
        isolated = copy.copy(self.impl)
        setattr(isolated, "function", shim)  # noqa: B010 (the attribute is Final for pluggy's users, not here)
        return isolated

    def _fail(self, exc: BaseException, what: str = "") -> None:
        """Report ``exc`` (unless it is one the caller lets through: then re-raise it)."""
        if isinstance(exc, self.passthrough) or not isinstance(exc, Exception):
            raise exc
        self.host._report(f"plugin {self.plugin_name!r} failed in {self.hook_name}{what}", exc)

    def _enter(self) -> None:
        if self.owner is not None:
            self.owner.current_plugin = self.plugin_name

    def _plain(self, *args: Any, **kwargs: Any) -> Any:
        self._enter()
        try:
            return self.impl.function(*args, **kwargs)
        except BaseException as exc:
            self._fail(exc)
            return None

    def _start(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Generator[Any, Any, Any] | None:
        """Run a wrapper up to its ``yield``; None when it failed there (then it is left out)."""
        self._enter()
        try:
            gen = cast("Generator[Any, Any, Any]", self.impl.function(*args, **kwargs))
            next(gen)
        except StopIteration:
            self._fail(RuntimeError("the wrapper did not yield"))
            return None
        except BaseException as exc:
            self._fail(exc)
            return None
        return gen

    def _wrapper(self, *args: Any, **kwargs: Any) -> Generator[None, Any, Any]:
        gen = self._start(args, kwargs)
        if gen is None:
            return (yield)
        try:
            result = yield
        except BaseException as inner:
            try:
                gen.throw(inner)
            except StopIteration as stop:
                return stop.value  # the wrapper turned the exception into a result
            except BaseException as raised:
                if raised is not inner:
                    self._fail(raised, " (after the call)")
                raise inner from None
            gen.close()
            self._fail(RuntimeError("the wrapper yielded twice"))
            raise
        try:
            gen.send(result)
        except StopIteration as stop:
            return stop.value
        except BaseException as raised:
            self._fail(raised, " (after the call)")
            return result
        gen.close()
        self._fail(RuntimeError("the wrapper yielded twice"))
        return result

    def _old_wrapper(self, *args: Any, **kwargs: Any) -> Generator[None, Any, None]:
        gen = self._start(args, kwargs)
        if gen is None:
            yield
            return
        outcome = yield
        try:
            gen.send(outcome)
        except StopIteration:
            return
        except BaseException as raised:
            self._fail(raised, " (after the call)")
            return
        gen.close()
        self._fail(RuntimeError("the hookwrapper yielded twice"))
