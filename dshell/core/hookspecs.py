"""The dshell plugin hooks (pluggy project name ``dshell``).

A plugin is a module (or object) with functions marked ``@hookimpl`` whose names are those below; it is
found through the ``dshell`` entry-point group::

    [options.entry_points]
    dshell =
        myplugin = myplugin_module

Built-in plugins (``dshell.plugins.*``) are registered the same way. Registration hooks receive a registry
the core owns; a plugin adds to it and returns nothing. Hooks are called with pluggy's semantics
(``tryfirst``/``trylast``, ``wrapper=True`` and ``hookwrapper=True``), each implementation isolated: an
exception in one plugin is reported (naming the plugin) and skipped without taking the others down.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from dshell.api.catalogue import Catalogue
    from dshell.core.commands import CommandRegistry
    from dshell.core.completion import CompletionRegistry
    from dshell.core.invocation import Invocation
    from dshell.core.session import Daemon, Session
    from dshell.core.settings import Settings
    from dshell.errors import ConnectionFailed
    from dshell.output.renderers import RendererRegistry

PROJECT = "dshell"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@dataclass(frozen=True)
class CommandOutcome:
    """What ``dshell_run_command`` returns: the handler's ``result`` (already rendered: a stream has been
    consumed) and the command's exit ``status``."""

    result: Any
    status: int


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


@hookspec(firstresult=True)
def dshell_run_command(invocation: Invocation) -> CommandOutcome | None:
    """Runs every command: dshell's own implementation (``trylast``) calls the handler with ``invocation`` and
    renders what it returns, then returns a :class:`CommandOutcome` (the result and the exit status).

    Implement it as a wrapper (``@hookimpl(wrapper=True)``): the code before ``yield`` runs before the
    handler, ``yield`` returns the :class:`CommandOutcome` (or raises the command's exception: a
    :class:`~dshell.errors.DshellError` for a failure, ``KeyboardInterrupt`` for Ctrl-C), and what the wrapper
    returns is the outcome. The time around ``yield`` covers the handler and the rendering, streams included.
    ``invocation.command.name``, ``invocation.args`` and ``invocation.line`` say what ran. ``firstresult``: a
    plain implementation that returns an outcome stands in for the command (which then does not run). A
    :class:`~dshell.errors.DshellError` raised by a plugin fails the command (a deliberate refusal); any other
    exception is reported and that plugin skipped. Called for every command run by a line, in the REPL, a
    script or ``-c``.
    """


@hookspec
def dshell_daemon_connected(session: Session, daemon: Daemon) -> None:
    """Called when dshell has talked to ``daemon`` for the first time, or again after it was lost.

    "Talked" means its API version was negotiated: the ``/_ping`` before the first request to it answered.
    The hook runs after the command that made that first contact (a command that never talks to the daemon,
    such as ``help``, does not count), in the thread that ran it. ``daemon.name``, ``daemon.address`` and
    ``daemon.client`` (``api_version``, ``daemon_api_version``) describe it. With a pinned API version
    (``--api-version``, ``DOCKER_API_VERSION``) nothing is negotiated, and this hook is not called. Returns
    nothing; an exception is reported and ignored.
    """


@hookspec
def dshell_daemon_lost(session: Session, daemon: Daemon, error: ConnectionFailed) -> None:
    """Called when a command fails because ``daemon`` cannot be reached (``error``: refused, timed out, no
    such socket, TLS failure), once per loss: further failures stay silent until it is connected again.

    It runs after the failing command's error line is printed. The daemon then gets a fresh client, so the
    next command reconnects and renegotiates the API version (``dshell_daemon_connected`` follows if the
    daemon answers). Returns nothing; an exception is reported and ignored.
    """
