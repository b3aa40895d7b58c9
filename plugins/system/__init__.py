"""System: ``system df``, ``system prune``, ``events``, ``info`` and ``version`` as the Docker CLI prints them.

This module holds the declarations and the completion sources; the handlers live in :mod:`.handlers` (df,
prune, events) and :mod:`.info` (info, version), imported on first use.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from dshell.plugin import Command, flag, hookimpl, lazy_handler, option

if TYPE_CHECKING:
    from dshell.plugin import Candidate, CommandRegistry, CompletionRegistry, CompletionRequest

#: ``events --filter`` keys, with what each matches.
EVENT_FILTER_KEYS = {
    "config": "config name or id",
    "container": "container name or id",
    "daemon": "daemon name or id",
    "event": "event action (create, start, die, …)",
    "image": "image name or id",
    "label": "label key or key=value",
    "network": "network name or id",
    "node": "node id",
    "plugin": "plugin name or id",
    "scope": "local or swarm",
    "secret": "secret name or id",
    "service": "service name or id",
    "type": "object type",
    "volume": "volume name",
}
EVENT_TYPES = (
    "container",
    "image",
    "volume",
    "network",
    "daemon",
    "plugin",
    "node",
    "service",
    "secret",
    "config",
)
EVENT_ACTIONS = (
    "attach", "commit", "connect", "copy", "create", "delete", "destroy", "detach", "die", "disconnect",
    "exec_create", "exec_detach", "exec_die", "exec_start", "export", "health_status", "import", "kill",
    "load", "mount", "oom", "pause", "pull", "push", "reload", "remove", "rename", "resize", "restart",
    "save", "start", "stop", "tag", "top", "unmount", "unpause", "untag", "update",
)  # fmt: skip
#: ``system prune --filter`` keys.
PRUNE_FILTER_KEYS = {"label": "label key or key=value", "label!": "without this label", "until": "older than"}
#: Filter key -> the name-cache kind whose names are its values.
NAME_KINDS = {"container": "containers", "image": "images", "network": "networks", "volume": "volumes"}


# -- completion --------------------------------------------------------------------------------------------


def _names(request: CompletionRequest, kind: str) -> Iterable[str]:
    for item in request.session.names.get(kind):
        if kind == "containers":
            for n in item.get("Names") or []:
                yield n.lstrip("/")
        elif kind == "images":
            yield from (t for t in item.get("RepoTags") or [] if t != "<none>:<none>")
        elif item.get("Name"):
            yield str(item["Name"])


def complete_event_filters(request: CompletionRequest) -> Iterable[Candidate]:
    """``events --filter``: the keys, then the event types, actions or object names for the key typed."""
    from dshell.plugin import Candidate

    key, sep, _ = request.word.partition("=")
    if not sep:
        yield from (Candidate(f"{k}=", meta) for k, meta in EVENT_FILTER_KEYS.items())
    elif key == "type":
        yield from (Candidate(f"type={t}") for t in EVENT_TYPES)
    elif key == "event":
        yield from (Candidate(f"event={a}") for a in EVENT_ACTIONS)
    elif key == "scope":
        yield from (Candidate(f"scope={s}") for s in ("local", "swarm"))
    elif key in NAME_KINDS:
        yield from (Candidate(f"{key}={n}") for n in _names(request, NAME_KINDS[key]))


def complete_prune_filters(request: CompletionRequest) -> Iterable[Candidate]:
    """``system prune --filter``: the keys it honours."""
    from dshell.plugin import Candidate

    if "=" not in request.word:
        yield from (Candidate(f"{k}=", meta) for k, meta in PRUNE_FILTER_KEYS.items())


# -- declarations ------------------------------------------------------------------------------------------


def commands() -> list[Command]:
    """The commands of this plugin."""
    return [
        Command(
            "system df",
            lazy_handler(__name__, "handlers", "df"),
            "Show docker disk usage (images, containers, local volumes, build cache)",
            options=(
                flag("-v", "--verbose", help="Show detailed information on space usage"),
                option(
                    "--format",
                    help="Format output using a Go template ('table …', 'json')",
                    metavar="TEMPLATE",
                ),
            ),
            json_output=True,
        ),
        Command(
            "system prune",
            lazy_handler(__name__, "handlers", "prune"),
            "Remove unused data: stopped containers, unused networks, dangling images, build cache",
            options=(
                flag("-a", "--all", help="Remove all unused images not just dangling ones"),
                flag("--volumes", help="Prune anonymous volumes"),
                flag("-f", "--force", help="Do not prompt for confirmation"),
                option(
                    "--filter",
                    help="Provide filter values (e.g. 'label=<key>=<value>', 'until=24h')",
                    repeat=True,
                    metavar="KEY=VALUE",
                    complete="prune-filter",
                ),
            ),
        ),
        Command(
            "events",
            lazy_handler(__name__, "handlers", "events"),
            "Get real time events from the server (Ctrl-C stops; --until ends by itself)",
            options=(
                option(
                    "-f",
                    "--filter",
                    help="Filter output based on conditions provided (type=, container=, event=, …)",
                    repeat=True,
                    metavar="KEY=VALUE",
                    complete="event-filter",
                ),
                option(
                    "--since",
                    help="Show all events created since timestamp (or relative: 10m)",
                    metavar="TIME",
                ),
                option(
                    "--until", help="Stream events until this timestamp (or relative: -1s)", metavar="TIME"
                ),
                option(
                    "--format",
                    help="Format output using a Go template ('json', '{{.Type}}')",
                    metavar="TEMPLATE",
                ),
            ),
            aliases=("system events",),
            json_output=True,
            examples=(
                "events --filter type=container --since 10m --until 0s",
                "events --format '{{.Action}}'",
            ),
        ),
        Command(
            "info",
            lazy_handler(__name__, "info", "info"),
            "Display system-wide information",
            options=(
                option(
                    "-f",
                    "--format",
                    help="Format output using a Go template ('json', '{{.ServerVersion}}')",
                    metavar="TEMPLATE",
                ),
            ),
            aliases=("system info",),
            json_output=True,
        ),
        Command(
            "version",
            lazy_handler(__name__, "info", "version"),
            "Show dshell and daemon versions (Client and Server sections, as docker version)",
            options=(
                option(
                    "-f",
                    "--format",
                    help="Format output using a Go template ('json', '{{.Server.Version}}')",
                    metavar="TEMPLATE",
                ),
            ),
            json_output=True,
        ),
    ]


@hookimpl
def dshell_register_commands(registry: CommandRegistry) -> None:
    for command in commands():
        registry.add(command)


@hookimpl
def dshell_register_completers(completers: CompletionRegistry) -> None:
    completers.add("event-filter", complete_event_filters)
    completers.add("prune-filter", complete_prune_filters)
