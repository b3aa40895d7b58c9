"""Networks: ``network ls``, ``create``, ``inspect``, ``rm``, ``connect``, ``disconnect`` and ``prune`` with the
Docker CLI's names and flags.

This module holds the declarations and the completion sources; the handlers live in :mod:`.handlers`,
imported on first use.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from dshell.plugin import Command, argument, flag, hookimpl, lazy_handler, option

if TYPE_CHECKING:
    from dshell.plugin import Candidate, CommandRegistry, CompletionRegistry, CompletionRequest

#: ``network ls --filter`` keys, with what each matches.
FILTER_KEYS = {
    "dangling": "networks not used by any container (true/false)",
    "driver": "network driver",
    "id": "part of the network id",
    "label": "label key or key=value",
    "name": "part of the network name",
    "scope": "swarm, global or local",
    "type": "custom or builtin",
}
FILTER_VALUES = {
    "dangling": ("true", "false"),
    "scope": ("local", "global", "swarm"),
    "type": ("custom", "builtin"),
}
DRIVERS = ("bridge", "host", "ipvlan", "macvlan", "null", "overlay")


# -- completion --------------------------------------------------------------------------------------------


def complete_networks(request: CompletionRequest) -> Iterable[Candidate]:
    """Network names (with driver and scope as meta)."""
    from dshell.plugin import Candidate

    for n in request.session.names.get("networks"):
        if n.get("Name"):
            yield Candidate(n["Name"], f"{n.get('Driver', '')} · {n.get('Scope', '')}")


def complete_network_filters(request: CompletionRequest) -> Iterable[Candidate]:
    """``--filter`` of ``network ls``/``prune``: the keys, then values for the key typed."""
    from dshell.plugin import Candidate

    key, sep, _ = request.word.partition("=")
    if not sep:
        yield from (Candidate(f"{k}=", meta) for k, meta in FILTER_KEYS.items())
        return
    if key in FILTER_VALUES:
        yield from (Candidate(f"{key}={v}") for v in FILTER_VALUES[key])
        return
    networks = request.session.names.get("networks")
    if key == "name":
        yield from (Candidate(f"name={n['Name']}", n.get("Driver", "")) for n in networks if n.get("Name"))
    elif key == "driver":
        drivers = sorted({*DRIVERS, *(n.get("Driver") or "" for n in networks)} - {""})
        yield from (Candidate(f"driver={d}") for d in drivers)
    elif key == "label":
        labels = {f"{k}={v}" if v else k for n in networks for k, v in (n.get("Labels") or {}).items()}
        yield from (Candidate(f"label={text}") for text in sorted(labels))
    elif key == "id":
        yield from (Candidate(f"id={n['Id'][:12]}", n.get("Name", "")) for n in networks if n.get("Id"))


# -- declarations ------------------------------------------------------------------------------------------

_FILTER = option(
    "-f",
    "--filter",
    help="Provide filter values (e.g. 'driver=bridge', 'type=custom', 'label=k=v')",
    repeat=True,
    metavar="KEY=VALUE",
    complete="network-filter",
)


def commands() -> list[Command]:
    """The commands of this plugin."""
    return [
        Command(
            "network ls",
            lazy_handler(__name__, "handlers", "ls"),
            "List networks",
            options=(
                flag("-q", "--quiet", help="Only display network IDs"),
                flag("--no-trunc", help="Do not truncate the output"),
                _FILTER,
                option(
                    "--format",
                    help="Format output using a Go template ('table …', 'json', '{{.Name}}')",
                    metavar="TEMPLATE",
                ),
            ),
            aliases=("network list",),
            json_output=True,
            examples=("network ls --filter type=custom", "network ls --format '{{.Name}} {{.Driver}}'"),
        ),
        Command(
            "network create",
            lazy_handler(__name__, "handlers", "create"),
            "Create a network (refused when one of that name exists)",
            options=(
                option(
                    "-d",
                    "--driver",
                    help='Driver to manage the Network (default "bridge")',
                    metavar="DRIVER",
                    complete="network-driver",
                ),
                option("--subnet", help="Subnet in CIDR format", repeat=True, metavar="CIDR"),
                option(
                    "--gateway", help="IPv4 or IPv6 Gateway for the master subnet", repeat=True, metavar="IP"
                ),
                option(
                    "--ip-range", help="Allocate container ip from a sub-range", repeat=True, metavar="CIDR"
                ),
                flag("--internal", help="Restrict external access to the network"),
                flag("--attachable", help="Enable manual container attachment"),
                flag("--ipv6", help="Enable IPv6 networking"),
                option("--label", help="Set metadata on a network", repeat=True, metavar="KEY=VALUE"),
                option("-o", "--opt", help="Set driver specific options", repeat=True, metavar="KEY=VALUE"),
            ),
            arguments=(argument("name", "network name"),),
        ),
        Command(
            "network inspect",
            lazy_handler(__name__, "handlers", "inspect"),
            "Display detailed information on one or more networks",
            options=(
                option(
                    "-f", "--format", help="Format the output using the given Go template", metavar="TEMPLATE"
                ),
                flag("-v", "--verbose", help="Verbose output for diagnostics"),
            ),
            arguments=(argument("networks", "networks to inspect", nargs="+", complete="network"),),
        ),
        Command(
            "network rm",
            lazy_handler(__name__, "handlers", "rm"),
            "Remove one or more networks",
            options=(flag("-f", "--force", help="Do not error if the network does not exist"),),
            arguments=(argument("networks", "networks to remove", nargs="+", complete="network"),),
            aliases=("network remove",),
        ),
        Command(
            "network connect",
            lazy_handler(__name__, "handlers", "connect"),
            "Connect a container to a network",
            options=(
                option(
                    "--alias", help="Add network-scoped alias for the container", repeat=True, metavar="NAME"
                ),
                option("--ip", help="IPv4 address (e.g., 172.30.100.104)", metavar="IP"),
                option("--ip6", help="IPv6 address (e.g., 2001:db8::33)", metavar="IP"),
            ),
            arguments=(
                argument("network", "the network", complete="network"),
                argument("container", "the container", complete="container"),
            ),
        ),
        Command(
            "network disconnect",
            lazy_handler(__name__, "handlers", "disconnect"),
            "Disconnect a container from a network",
            options=(flag("-f", "--force", help="Force the container to disconnect from a network"),),
            arguments=(
                argument("network", "the network", complete="network"),
                argument("container", "the container", complete="container"),
            ),
        ),
        Command(
            "network prune",
            lazy_handler(__name__, "handlers", "prune"),
            "Remove all unused networks (asks first on a terminal)",
            options=(
                flag("-f", "--force", help="Do not prompt for confirmation"),
                option(
                    "--filter",
                    help="Provide filter values (e.g. 'until=<timestamp>', 'label=k=v')",
                    repeat=True,
                    metavar="KEY=VALUE",
                    complete="network-filter",
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
    from dshell.plugin import Candidate

    completers.add("network", complete_networks)
    completers.add("network-filter", complete_network_filters)
    completers.add("network-driver", lambda request: (Candidate(d) for d in DRIVERS))
