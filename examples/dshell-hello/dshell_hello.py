"""An example third-party dshell plugin: ``hello [PREFIX]`` greets every container."""

from __future__ import annotations

from typing import Any

from dshell.plugin import Command, CommandRegistry, Invocation, Table, argument, flag, hookimpl


def hello(inv: Invocation) -> Table:
    containers: list[dict[str, Any]] = inv.client.get_json("/containers/json", params={"all": 1})
    names = [c["Names"][0].lstrip("/") for c in containers]
    if inv.args.upper:
        names = [n.upper() for n in names]
    prefix = inv.args.prefix or ""
    return Table(("GREETING",), [(f"hello {n}",) for n in names if n.startswith(prefix)])


@hookimpl
def dshell_register_commands(registry: CommandRegistry) -> None:
    registry.add(
        Command(
            "hello",
            hello,
            "Greet every container",
            options=(flag("-u", "--upper", help="shout"),),
            arguments=(argument("prefix", "only names starting with this", nargs="?", complete="container"),),
            json_output=True,
        )
    )
