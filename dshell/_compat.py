"""Old import paths keep working: ``dshell.commands`` is ``dshell.core.commands``, and so on.

docs/plugins.md once documented ``dshell.commands``, ``dshell.hookspecs``, ``dshell.results`` and
``dshell.invocation``; plugins in the wild import those (and other modules from before the layout had
layers). A finder on ``sys.meta_path`` answers an old name with the module that lives at the new one (the
same module object, so ``isinstance`` checks and hook markers agree) and issues a ``DeprecationWarning``
pointing at :mod:`dshell.plugin`, the public surface. Nothing is imported until an old name is asked for.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from importlib.abc import Loader

#: Old module name -> where it lives now.
MOVED = {
    "dshell.aliases": "dshell.core.aliases",
    "dshell.argtypes": "dshell.core.argtypes",
    "dshell.commands": "dshell.core.commands",
    "dshell.completion": "dshell.core.completion",
    "dshell.config": "dshell.core.config",
    "dshell.helptext": "dshell.core.helptext",
    "dshell.history": "dshell.core.history",
    "dshell.hookspecs": "dshell.core.hookspecs",
    "dshell.invocation": "dshell.core.invocation",
    "dshell.lexer": "dshell.core.lexer",
    "dshell.names": "dshell.core.names",
    "dshell.parser": "dshell.core.parser",
    "dshell.pluginhost": "dshell.core.pluginhost",
    "dshell.runner": "dshell.core.runner",
    "dshell.script": "dshell.core.script",
    "dshell.session": "dshell.core.session",
    "dshell.settings": "dshell.core.settings",
    "dshell.catalogue": "dshell.api.catalogue",
    "dshell.reference": "dshell.api.reference",
    "dshell.fileutil": "dshell.api.files",
    "dshell.results": "dshell.output.results",
    "dshell.renderers": "dshell.output.renderers",
    "dshell.console": "dshell.output.console",
    "dshell.colors": "dshell.output.colors",
    "dshell.progress": "dshell.output.progress",
    "dshell.gotemplate": "dshell.output.gotemplate",
    "dshell.humanize": "dshell.output.humanize",
    "dshell.tty": "dshell.output.tty",
    "dshell.display": "dshell.output.display",
    "dshell.repl": "dshell.interactive.repl",
    "dshell.completer": "dshell.interactive.completer",
    "dshell.highlight": "dshell.interactive.highlight",
    "dshell.refresher": "dshell.interactive.refresher",
}


class MovedModuleFinder:
    """A meta-path finder and loader that maps :data:`MOVED` names onto the modules at their new place."""

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> ModuleSpec | None:
        if fullname not in MOVED:
            return None
        return ModuleSpec(fullname, cast("Loader", self))  # duck-typed: importlib.abc costs start-up time

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        new = MOVED[spec.name]
        warnings.warn(
            f"{spec.name} is now {new}; plugins should import from dshell.plugin",
            DeprecationWarning,
            stacklevel=2,
        )
        return importlib.import_module(new)

    def exec_module(self, module: ModuleType) -> None:
        """The module at the new name is already executed."""


def install() -> None:
    """Put the finder on ``sys.meta_path`` once."""
    if not any(isinstance(f, MovedModuleFinder) for f in sys.meta_path):
        sys.meta_path.append(MovedModuleFinder())
