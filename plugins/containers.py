"""Containers: ps, create, rm (the rest of the lifecycle builds on these declarations)."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any

from dshell.api import containers as api
from dshell.argtypes import ellipsis, parse_filters, parse_key_values, short_id
from dshell.commands import Command, argument, flag, option
from dshell.completion import Candidate, CompletionRequest
from dshell.errors import APIError, Conflict
from dshell.hookspecs import hookimpl
from dshell.results import Lines, Result, Table

if TYPE_CHECKING:
    from collections.abc import Iterable

    from dshell.commands import CommandRegistry
    from dshell.completion import CompletionRegistry
    from dshell.invocation import Invocation

PS_COLUMNS = ("CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES")


def format_ports(ports: Iterable[dict[str, Any]]) -> str:
    """``0.0.0.0:8080->80/tcp, 443/tcp`` as ``docker ps`` shows them."""
    out = []
    for p in sorted(ports, key=lambda p: (p.get("PrivatePort", 0), p.get("IP", ""))):
        proto = p.get("Type", "tcp")
        if p.get("PublicPort"):
            ip = p.get("IP", "")
            host = f"[{ip}]" if ":" in ip else ip
            out.append(f"{host}:{p['PublicPort']}->{p['PrivatePort']}/{proto}")
        else:
            out.append(f"{p.get('PrivatePort')}/{proto}")
    return ", ".join(dict.fromkeys(out))


def container_name(c: dict[str, Any]) -> str:
    """The primary name, without the leading slash."""
    names = c.get("Names") or []
    return ",".join(n.lstrip("/") for n in names if n.count("/") == 1) or (names[0].lstrip("/") if names else "")


def ps_row(c: dict[str, Any], *, no_trunc: bool = False) -> tuple[str, ...]:
    from dshell.humanize import ago

    command = c.get("Command", "")
    if not no_trunc:
        command = ellipsis(command, 20)
    return (
        short_id(c["Id"], no_trunc=no_trunc),
        c.get("Image", ""),
        f'"{command}"',
        ago(c.get("Created", 0)),
        c.get("Status", ""),
        format_ports(c.get("Ports") or []),
        container_name(c),
    )


def ps(inv: Invocation) -> Any:
    a = inv.args
    items = api.list_containers(inv.client, all=a.all, filters=parse_filters(a.filter))
    if a.all and not a.filter:
        inv.session.names.put("containers", items)
    if a.quiet:
        return Lines(short_id(c["Id"], no_trunc=a.no_trunc) for c in items)
    return Table(PS_COLUMNS, [ps_row(c, no_trunc=a.no_trunc) for c in items], items)


def build_create_config(a: Any) -> dict[str, Any]:
    """The ``/containers/create`` body from ``create`` arguments."""
    config: dict[str, Any] = {"Image": a.image}
    if a.command:
        config["Cmd"] = list(a.command)
    if a.entrypoint is not None:
        config["Entrypoint"] = shlex.split(a.entrypoint) if a.entrypoint else [""]
    if a.env:
        config["Env"] = list(a.env)
    if a.label:
        config["Labels"] = parse_key_values(a.label, what="label")
    if a.workdir:
        config["WorkingDir"] = a.workdir
    if a.user:
        config["User"] = a.user
    if a.hostname:
        config["Hostname"] = a.hostname
    if a.tty:
        config["Tty"] = True
    if a.interactive:
        config.update(OpenStdin=True, StdinOnce=True, AttachStdin=True)
    return config


def create(inv: Invocation) -> Lines:
    a = inv.args
    reply = api.create_container(inv.client, build_create_config(a), name=a.name)
    inv.session.names.invalidate("containers")
    for warning in reply.get("Warnings") or []:
        inv.console.warn(warning)
    return Lines([reply["Id"]])


def rm(inv: Invocation) -> Result:
    a = inv.args
    done: list[str] = []
    errors: list[str] = []
    for name in a.containers:
        try:
            api.remove_container(inv.client, name, force=a.force, volumes=a.volumes)
            done.append(name)
        except Conflict as exc:
            hint = "" if a.force else " (stop the container before removing it, or use -f)"
            errors.append(f"Error response from daemon: {exc.message}{hint}")
        except APIError as exc:
            errors.append(f"Error response from daemon: {exc.message}")
    inv.session.names.invalidate("containers")
    return Result(Lines(done), errors=errors)


# -- completion --------------------------------------------------------------------------------------------


def complete_containers(request: CompletionRequest) -> Iterable[Candidate]:
    """Container names (and short ids) by state: ``container:running``, ``container:stopped``, or any."""
    state = request.qualifier
    for c in request.session.names.get("containers"):
        running = c.get("State") in ("running", "restarting", "paused")
        if state == "running" and not running:
            continue
        if state == "stopped" and running:
            continue
        meta = f"{c.get('Image', '')} · {c.get('Status', '')}"
        name = container_name(c)
        if name:
            yield Candidate(name, meta)


COMMON_RUN_OPTIONS = (
    option("--name", help="Assign a name to the container", metavar="NAME"),
    option("--entrypoint", help="Overwrite the default ENTRYPOINT of the image", metavar="CMD"),
    option("-e", "--env", help="Set environment variables", repeat=True, metavar="KEY=VALUE"),
    option("-l", "--label", help="Set metadata on a container", repeat=True, metavar="KEY=VALUE"),
    option("-w", "--workdir", help="Working directory inside the container", metavar="DIR"),
    option("-u", "--user", help="Username or UID (format: <name|uid>[:<group|gid>])", metavar="USER"),
    option("--hostname", help="Container host name", metavar="NAME"),
    flag("-t", "--tty", help="Allocate a pseudo-TTY"),
    flag("-i", "--interactive", help="Keep STDIN open even if not attached"),
)


@hookimpl
def dshell_register_commands(registry: CommandRegistry) -> None:
    registry.add(
        Command(
            "ps",
            ps,
            "List containers (running ones; -a for all)",
            options=(
                flag("-a", "--all", help="Show all containers (default shows just running)"),
                flag("-q", "--quiet", help="Only display container IDs"),
                flag("--no-trunc", help="Don't truncate output"),
                option(
                    "-f",
                    "--filter",
                    help="Filter output based on conditions provided",
                    repeat=True,
                    metavar="KEY=VALUE",
                    complete="filter:container",
                ),
            ),
            aliases=("container ls", "container ps", "container list"),
            json_output=True,
        )
    )
    registry.add(
        Command(
            "create",
            create,
            "Create a new container",
            options=COMMON_RUN_OPTIONS,
            arguments=(
                argument("image", "image to create the container from", complete="image"),
                argument("command", "command and arguments, kept exactly as typed", nargs="..."),
            ),
            interspersed=False,
            aliases=("container create",),
        )
    )
    registry.add(
        Command(
            "rm",
            rm,
            "Remove one or more containers",
            options=(
                flag("-f", "--force", help="Force the removal of a running container (uses SIGKILL)"),
                flag("-v", "--volumes", help="Remove anonymous volumes associated with the container"),
            ),
            arguments=(argument("containers", "containers to remove", nargs="+", complete="container"),),
            aliases=("container rm", "container remove"),
        )
    )


@hookimpl
def dshell_register_completers(completers: CompletionRegistry) -> None:
    completers.add("container", complete_containers)
