"""The command index: which plugin declares which command, cached so a one-shot imports only what it runs.

``dshell -c 'ps -a'`` and ``dshell -f FILE`` need the plugins whose commands they run, not all of them. After a
full load (the REPL, or a one-shot with no valid index), :func:`build` records, for every plugin in load order,
its entry point, the command names it declares and whether it must always be loaded (*eager*): a plugin that
implements any hook other than ``dshell_register_commands`` / ``dshell_register_completers`` (session hooks,
``dshell_run_command`` wrappers, settings, renderers, endpoints, daemon events) is eager, and so is one that failed
to load (so its warning is printed every run, as without the index). :func:`save` writes it as JSON under the
user cache directory (``$XDG_CACHE_HOME/dshell/``).

The index is valid while its key matches (:func:`fingerprint`): dshell's version, the interpreter, the
modification time of every directory on ``sys.path`` but the working directory (installing or removing a distribution adds or removes its
``*.dist-info`` folder there, which changes the directory's mtime) and of each plugin's module file (an
editable plugin that gains a command). Otherwise dshell loads everything and writes a fresh index.

Plugins that declare a common name (a third party's ``replace_existing=True`` override of a built-in) form one
*group*: loading one loads the group, in load order, so the override wins as in a full load.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

VERSION = 1
#: Hooks a plugin may implement and still be loaded only when one of its commands is asked for.
LAZY_HOOKS = frozenset({"dshell_register_commands", "dshell_register_completers"})


@dataclass
class IndexedPlugin:
    """One plugin as the index knows it."""

    name: str
    value: str  # the entry point: module[:attr]
    dist: str
    version: str
    builtin: bool
    eager: bool
    commands: list[str] = field(default_factory=list)
    file: str = ""
    mtime: int = 0


@dataclass
class CommandIndex:
    """Plugins in load order, and which plugins declare each command name."""

    key: list[Any]
    plugins: list[IndexedPlugin]
    owners: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.owners:
            for p in self.plugins:
                for name in p.commands:
                    self.owners.setdefault(name, []).append(p.name)

    def group(self, plugin: str) -> list[str]:
        """``plugin`` and every plugin sharing a command name with it (transitively), in load order."""
        by_name = {p.name: p for p in self.plugins}
        todo, seen = [plugin], {plugin}
        while todo:
            current = by_name.get(todo.pop())
            for cmd in current.commands if current else ():
                for other in self.owners.get(cmd, ()):
                    if other not in seen:
                        seen.add(other)
                        todo.append(other)
        return [p.name for p in self.plugins if p.name in seen]

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "key": self.key,
            "plugins": [p.__dict__ for p in self.plugins],
        }


def cache_path(key: list[Any] | None = None) -> str:
    """``$XDG_CACHE_HOME/dshell/commands-CRC.json`` (default ``~/.cache``), one file per installation: the
    name comes from the key without its modification times (``dshell`` and ``python -m dshell``, whose
    ``sys.path`` starts with the working directory, still do not evict each other), so a reinstall replaces
    its file instead of adding one; :func:`load` compares the whole key kept inside."""
    import zlib

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    version, python, prefix, dirs = key if key is not None else fingerprint()
    stable = [version, python, prefix, [entry for entry, _ in dirs]]
    crc = zlib.crc32(repr(stable).encode())
    return os.path.join(base, "dshell", f"commands-{crc:08x}.json")


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


def fingerprint() -> list[Any]:
    """What the index depends on, besides the plugins' own files (see the module docstring)."""
    from dshell import __version__

    cwd = os.getcwd()
    # the working directory (``python -m dshell``, ``python -c``) counts by name only: /tmp changes by the second
    dirs = [[entry, 0 if entry in ("", ".", cwd) else _mtime(entry)] for entry in sys.path]
    return [__version__, sys.version, sys.prefix, dirs]


def load(path: str | None = None) -> CommandIndex | None:
    """The cached index, or None when there is none or it is out of date."""
    key = fingerprint()
    try:
        with open(path or cache_path(key), "rb") as fh:
            raw = json.loads(fh.read())
        if raw.get("version") != VERSION or raw.get("key") != key:
            return None
        plugins = [IndexedPlugin(**p) for p in raw["plugins"]]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    for p in plugins:
        if p.file and _mtime(p.file) != p.mtime:
            return None
    return CommandIndex(raw["key"], plugins)


def save(index: CommandIndex, path: str | None = None) -> None:
    """Write ``index`` atomically; a cache that cannot be written is no error."""
    from dshell.api.files import atomic_write
    from dshell.errors import DshellError

    path = path or cache_path(index.key)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with atomic_write(path, mode="w", encoding="utf-8", prefix=".commands-", suffix=".tmp") as fh:
            json.dump(index.to_json(), fh)
    except (OSError, DshellError):
        return
    prune(os.path.dirname(path), keep=path)


def prune(directory: str, *, keep: str) -> None:
    """Remove the index files of installations that are gone (their ``sys.prefix`` no longer exists: a
    deleted virtualenv or clone), so the cache does not grow by a file per installation ever made."""
    try:
        names = [n for n in os.listdir(directory) if n.startswith("commands-") and n.endswith(".json")]
    except OSError:
        return
    for name in names:
        path = os.path.join(directory, name)
        if path == keep:
            continue
        try:
            with open(path, "rb") as fh:
                prefix = json.loads(fh.read())["key"][2]
            gone = isinstance(prefix, str) and not os.path.isdir(prefix)
        except (OSError, ValueError, TypeError, KeyError, IndexError):
            gone = False  # not one this version can read (another dshell's format?): not ours to judge
        if gone:
            with contextlib.suppress(OSError):
                os.unlink(path)


def module_file(obj: object) -> str:
    """The file a plugin's code lives in (its module's, for an object that is not a module)."""
    found = getattr(obj, "__file__", None)
    if not found:
        found = getattr(sys.modules.get(getattr(obj, "__module__", "") or ""), "__file__", None)
    return str(found or "")


def build(
    entries: Iterable[tuple[str, str, str, str, bool, list[str], list[str], object | None]],
) -> CommandIndex:
    """An index from ``(name, entry point, dist, version, builtin, hooks, commands, module)`` per plugin (the
    module None for one that failed to load)."""
    plugins = []
    for name, value, dist, version, builtin, hooks, commands, module in entries:
        eager = module is None or any(h.split("[", 1)[0] not in LAZY_HOOKS or "[" in h for h in hooks)
        file = module_file(module) if module is not None else ""
        plugins.append(
            IndexedPlugin(name, value, dist, version, builtin, eager, sorted(commands), file, _mtime(file))
        )
    return CommandIndex(fingerprint(), plugins)
