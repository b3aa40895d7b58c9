"""The dshell plugin hooks (pluggy project name ``dshell``).

A plugin is a module (or object) with functions marked ``@hookimpl`` whose names are those below; it is
found through the ``dshell`` entry-point group::

    [options.entry_points]
    dshell =
        myplugin = myplugin_module

Built-in plugins (``dshell.plugins.*``) are registered the same way. Registration hooks receive a registry
the core owns; a plugin adds to it and returns nothing. Each implementation is called on its own, so an
exception in one plugin is reported (naming the plugin) and skipped without taking the others down.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from dshell.api.catalogue import Catalogue
    from dshell.core.commands import CommandRegistry
    from dshell.core.completion import CompletionRegistry
    from dshell.core.session import Session
    from dshell.core.settings import Settings
    from dshell.output.renderers import RendererRegistry

PROJECT = "dshell"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def dshell_register_commands(registry: CommandRegistry) -> None:
    """Add commands: call ``registry.add(Command(...))`` for each.

    Called once per session, after plugins are loaded, built-in plugins first, then third-party ones in
    entry-point order. A name or alias that is already taken is refused with a warning unless added with
    ``replace_existing=True``. Returns nothing.
    """


@hookspec
def dshell_register_completers(completers: CompletionRegistry) -> None:
    """Add completion sources: ``completers.add("kind", source)``.

    ``source(request)`` returns candidate strings or :class:`dshell.core.completion.Candidate` objects for the
    word being typed; a declaration names it with ``complete="kind"`` or ``complete="kind:qualifier"``.
    Called once per session, in the same order as ``dshell_register_commands``; a later source of the same
    name replaces an earlier one. Returns nothing.
    """


@hookspec
def dshell_register_renderers(renderers: RendererRegistry) -> None:
    """Add output modes: ``renderers.add("yaml", render)`` where ``render(body, ctx)`` prints a result body.

    The mode becomes a choice of ``set output``. Called once per session; returns nothing.
    """


@hookspec
def dshell_register_settings(settings: Settings) -> None:
    """Declare settings for ``set KEY VALUE``: ``settings.declare(Setting(...))``.

    Called once per session before the configuration is applied; returns nothing.
    """


@hookspec
def dshell_register_endpoints(catalogue: Catalogue) -> None:
    """Add Engine API endpoints to the raw plugin's catalogue: ``catalogue.add(Endpoint(...))``.

    Used for path completion and ``endpoints``; called the first time the catalogue is needed. Returns
    nothing.
    """


@hookspec
def dshell_session_started(session: Session) -> None:
    """Called once the session is built (plugins loaded, settings applied), before the first command.

    The daemon may not have been contacted yet. Returns nothing; an exception is reported and ignored.
    """


@hookspec
def dshell_session_ended(session: Session) -> None:
    """Called when the session ends (exit, Ctrl-D, end of script), to stop threads or save state.

    Returns nothing; an exception is reported and ignored.
    """
