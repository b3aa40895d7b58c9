"""Volumes: ``volume ls``, ``create``, ``inspect``, ``rm`` and ``prune`` with the Docker CLI's names and flags.

This module holds the declarations and the completion sources; the handlers live in :mod:`.handlers`,
imported on first use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from dshell.plugin import Command, argument, flag, hookimpl, lazy_handler, option

if TYPE_CHECKING:
    from dshell.plugin import Candidate, CommandRegistry, CompletionRegistry, CompletionRequest

#: ``volume ls --filter`` keys, with what each matches.
FILTER_KEYS = {
    "dangling": "volumes not used by any container (true/false)",
    "driver": "volume driver",
    "label": "label key or key=value",
    "name": "part of the volume name",
}
ANONYMOUS = re.compile(r"[0-9a-f]{64}")


# -- completion --------------------------------------------------------------------------------------------


def complete_volumes(request: CompletionRequest) -> Iterable[Candidate]:
    """Volume names (with driver as meta); ``volume:named`` leaves out anonymous (64-hex) volumes."""
    from dshell.plugin import Candidate

    for v in request.session.names.get("volumes"):
        name = v.get("Name") or ""
        if not name or (request.qualifier == "named" and ANONYMOUS.fullmatch(name)):
            continue
        yield Candidate(name, v.get("Driver", ""))


def complete_volume_filters(request: CompletionRequest) -> Iterable[Candidate]:
    """``--filter`` of ``volume ls``/``prune``: the keys, then values for the key typed."""
    from dshell.plugin import Candidate

    key, sep, _ = request.word.partition("=")
    if not sep:
        yield from (Candidate(f"{k}=", meta) for k, meta in FILTER_KEYS.items())
        return
    if key == "dangling":
        yield from (Candidate(f"dangling={v}") for v in ("true", "false"))
        return
    volumes = request.session.names.get("volumes")
    if key == "name":
        yield from (Candidate(f"name={v['Name']}", v.get("Driver", "")) for v in volumes if v.get("Name"))
    elif key == "driver":
        yield from (Candidate(f"driver={d}") for d in sorted({v.get("Driver") or "local" for v in volumes}))
    elif key == "label":
        labels = {f"{k}={val}" if val else k for v in volumes for k, val in (v.get("Labels") or {}).items()}
        yield from (Candidate(f"label={text}") for text in sorted(labels))


# -- declarations ------------------------------------------------------------------------------------------


def _filter_option(help: str) -> Any:
    return option("-f", "--filter", help=help, repeat=True, metavar="KEY=VALUE", complete="volume-filter")


def commands() -> list[Command]:
    """The commands of this plugin."""
    return [
        Command(
            "volume ls",
            lazy_handler(__name__, "handlers", "ls"),
            "List volumes",
            options=(
                flag("-q", "--quiet", help="Only display volume names"),
                _filter_option("Provide filter values (e.g. 'dangling=true', 'driver=local', 'label=k=v')"),
                option(
                    "--format",
                    help="Format output using a Go template ('table …', 'json', '{{.Name}}')",
                    metavar="TEMPLATE",
                ),
            ),
            aliases=("volume list",),
            json_output=True,
            examples=("volume ls -q", "volume ls --filter dangling=true", "volume ls --format '{{.Name}}'"),
        ),
        Command(
            "volume create",
            lazy_handler(__name__, "handlers", "create"),
            "Create a volume (prints its name)",
            options=(
                option(
                    "-d", "--driver", help='Specify volume driver name (default "local")', metavar="DRIVER"
                ),
                option("-o", "--opt", help="Set driver specific options", repeat=True, metavar="KEY=VALUE"),
                option("--label", help="Set metadata for a volume", repeat=True, metavar="KEY=VALUE"),
            ),
            arguments=(argument("name", "volume name (a random one when left out)", nargs="?"),),
        ),
        Command(
            "volume inspect",
            lazy_handler(__name__, "handlers", "inspect"),
            "Display detailed information on one or more volumes",
            options=(
                option(
                    "-f", "--format", help="Format the output using the given Go template", metavar="TEMPLATE"
                ),
            ),
            arguments=(argument("volumes", "volumes to inspect", nargs="+", complete="volume"),),
        ),
        Command(
            "volume rm",
            lazy_handler(__name__, "handlers", "rm"),
            "Remove one or more volumes",
            options=(flag("-f", "--force", help="Force the removal of one or more volumes"),),
            arguments=(argument("volumes", "volumes to remove", nargs="+", complete="volume"),),
            aliases=("volume remove",),
        ),
        Command(
            "volume prune",
            lazy_handler(__name__, "handlers", "prune"),
            "Remove unused local volumes (asks first on a terminal)",
            options=(
                flag("-a", "--all", help="Remove all unused volumes, not just anonymous ones (API 1.42+)"),
                flag("-f", "--force", help="Do not prompt for confirmation"),
                option(
                    "--filter",
                    help="Provide filter values (e.g. 'label=<label>')",
                    repeat=True,
                    metavar="KEY=VALUE",
                    complete="volume-filter",
                ),
            ),
        ),
    ]


@hookimpl
def dshell_register_commands(registry: CommandRegistry) -> None:
    for command in commands():
        registry.add(command)


@hookimpl
def dshell_register_completers(completers: CompletionRegistry) -> None:
    completers.add("volume", complete_volumes)
    completers.add("volume-filter", complete_volume_filters)
