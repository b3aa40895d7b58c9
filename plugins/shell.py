"""Shell commands: help, exit, plugins, set, version, info. A plugin like any other."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dshell.commands import Command, argument
from dshell.completion import Candidate, CompletionRequest
from dshell.errors import ExitRequested, UsageError
from dshell.hookspecs import hookimpl
from dshell.results import Document, Table, Text

if TYPE_CHECKING:
    from collections.abc import Iterable

    from dshell.commands import CommandRegistry
    from dshell.completion import CompletionRegistry
    from dshell.invocation import Invocation


def help_(inv: Invocation) -> Text:
    from dshell.helptext import command_help, overview

    words = inv.args.command
    if not words:
        return Text(overview(inv.session.registry))
    found = inv.session.registry.lookup(words)
    if found is None:
        from dshell.parser import suggest

        raise UsageError(f"no such command: {' '.join(words)}{suggest(words[0], inv.session.registry.names())}")
    return Text(command_help(found[0]))


def exit_(inv: Invocation) -> None:
    raise ExitRequested(int(inv.args.status or 0))


def plugins_(inv: Invocation) -> Table:
    rows = []
    data = []
    for p in inv.session.plugins.plugins:
        kind = "built-in" if p.builtin else "third-party"
        rows.append((p.name, p.version, p.dist, kind, " ".join(p.commands)))
        data.append({"name": p.name, "version": p.version, "dist": p.dist, "builtin": p.builtin, "commands": p.commands})
    return Table(("PLUGIN", "VERSION", "DISTRIBUTION", "KIND", "COMMANDS"), rows, data)


def set_(inv: Invocation) -> Table | None:
    session = inv.session
    if inv.args.key is None:
        rows = [(s.name, str(session.settings[s.name]), s.help) for s in session.settings]
        return Table(("SETTING", "VALUE", "DESCRIPTION"), rows, {r[0]: session.settings[r[0]] for r in rows})
    if inv.args.value is None:
        return Table(("SETTING", "VALUE"), [(inv.args.key, str(session.settings.get(inv.args.key)))])
    session.set(inv.args.key, inv.args.value)
    return None


def version_(inv: Invocation) -> Document | Table:
    from dshell import __version__
    from dshell.api import system

    server = system.version(inv.client)
    data = {"Client": {"dshell": __version__, "ApiVersion": inv.client.api_version}, "Server": server}
    if inv.args.json:
        return Document(data)
    rows = [
        ("dshell", __version__),
        ("Negotiated API", inv.client.api_version),
        ("Daemon", str(inv.client.address)),
        ("Engine", server.get("Version", "")),
        ("Engine API", f"{server.get('ApiVersion', '')} (minimum {server.get('MinAPIVersion', '?')})"),
        ("OS/Arch", f"{server.get('Os', '')}/{server.get('Arch', '')}"),
        ("Kernel", server.get("KernelVersion", "")),
    ]
    return Table(("", ""), rows, data)


def info_(inv: Invocation) -> Document:
    from dshell.api import system

    return Document(system.info(inv.client))


def complete_commands(request: CompletionRequest) -> Iterable[Candidate]:
    for cmd in request.session.registry:
        yield Candidate(cmd.name, cmd.summary)


def complete_settings(request: CompletionRequest) -> Iterable[Candidate]:
    for s in request.session.settings:
        yield Candidate(s.name, s.help)


def complete_setting_values(request: CompletionRequest) -> Iterable[Candidate]:
    key = request.words[-1] if request.words else ""
    for s in request.session.settings:
        if s.name == key:
            yield from (Candidate(c) for c in s.choices)


@hookimpl
def dshell_register_commands(registry: CommandRegistry) -> None:
    registry.add(
        Command(
            "help",
            help_,
            "Show the commands, or one command's help",
            arguments=(argument("command", "a command name", nargs="*", complete="command"),),
            aliases=("?",),
        )
    )
    registry.add(
        Command(
            "exit",
            exit_,
            "Leave dshell",
            arguments=(argument("status", "exit status", nargs="?", type=int),),
            aliases=("quit",),
        )
    )
    registry.add(Command("plugins", plugins_, "List loaded plugins and the commands each adds", json_output=True))
    registry.add(
        Command(
            "set",
            set_,
            "Show or change a session setting (set output json)",
            arguments=(
                argument("key", "setting name", nargs="?", complete="setting"),
                argument("value", "new value", nargs="?", complete="setting-value"),
            ),
            json_output=True,
        )
    )
    registry.add(Command("version", version_, "Show dshell and daemon versions", json_output=True))
    registry.add(Command("info", info_, "Show system-wide information from the daemon"))


@hookimpl
def dshell_register_completers(completers: CompletionRegistry) -> None:
    completers.add("command", complete_commands)
    completers.add("setting", complete_settings)
    completers.add("setting-value", complete_setting_values)
