"""An example third-party dshell plugin: ``hello [PREFIX]`` greets every container."""

from __future__ import annotations

from typing import Any

from dshell.plugin import Command, CommandRegistry, Invocation, Table, argument, flag, hookimpl


def hello(inv: Invocation) -> Table:
    containers: list[dict[str, Any]] = inv.client.get_json("/containers/json", params={"all": 1})
    prefix = inv.args.prefix or ""
    names = [n for n in (c["Names"][0].lstrip("/") for c in containers) if n.startswith(prefix)]
    if inv.args.upper:  # after filtering: `hello -u nb-` greets the nb- containers, shouting
        names = [n.upper() for n in names]
    return Table(("GREETING",), [(f"hello {n}",) for n in names])


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
