"""Shell commands: help, exit, plugins, set, version, info, alias, unalias, history, clear, ``!cmd``.

Also the interactive settings (``color``, ``pager``, ``history_size``), the generic completion sources
(``file``, ``network``, ``volume``, ``alias``), and, when the session starts, the config file and the
colouring/paging wrapper around the table and JSON output modes. A plugin like any other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dshell.plugin import (
    Candidate,
    Command,
    CompletionRequest,
    Document,
    ExitRequested,
    Lines,
    Result,
    Table,
    Text,
    UsageError,
    argument,
    complete_paths,
    hookimpl,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from dshell.plugin import CommandRegistry, CompletionRegistry, Invocation


def help_(inv: Invocation) -> Text:
    from dshell.plugin import command_help, overview

    words = inv.args.command
    if not words:
        return Text(overview(inv.session.registry))
    found = inv.session.registry.lookup(words)
    if found is None:
        from dshell.plugin import suggest

        raise UsageError(
            f"no such command: {' '.join(words)}{suggest(words[0], inv.session.registry.names())}"
        )
    return Text(command_help(found[0]))


def exit_(inv: Invocation) -> None:
    raise ExitRequested(int(inv.args.status or 0))


def plugins_(inv: Invocation) -> Table:
    rows = []
    data = []
    for p in inv.session.plugins.plugins:
        kind = "built-in" if p.builtin else "third-party"
        rows.append((p.name, p.version, p.dist, kind, " ".join(p.commands)))
        data.append(
            {
                "name": p.name,
                "version": p.version,
                "dist": p.dist,
                "builtin": p.builtin,
                "commands": p.commands,
            }
        )
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
    from dshell.plugin import __version__
    from dshell.plugin import system_api as system

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
    from dshell.plugin import system_api as system

    return Document(system.info(inv.client))


def alias_(inv: Invocation) -> Table | Text | None:
    from dshell.plugin import alias_listing, define_alias, parse_alias_definition

    registry = inv.session.registry
    if not inv.args.definition:
        rows = alias_listing(registry)
        return Table(("ALIAS", "COMMAND"), rows, [{"name": n, "command": c} for n, c in rows])
    name, expansion = parse_alias_definition(inv.args.definition)
    if expansion is None:
        known = dict(alias_listing(registry))
        if name not in known:
            raise UsageError(f"alias: {name}: no such alias")
        return Text(f"alias {name} = {known[name]}")
    define_alias(registry, name, expansion)
    return None


def unalias_(inv: Invocation) -> None:
    from dshell.plugin import remove_alias

    for name in inv.args.names:
        remove_alias(inv.session.registry, name)


def history_(inv: Invocation) -> Lines:
    from dshell.plugin import read_history

    entries = read_history()
    count = inv.args.count
    first = 0 if count is None else max(0, len(entries) - count)
    return Lines(f"{n:5d}  {e}" for n, e in enumerate(entries[first:], start=first + 1))


def clear_(inv: Invocation) -> None:
    import os

    console = inv.console
    if console.is_tty and os.environ.get("TERM", "") not in ("dumb", "unknown"):
        console.write("\x1b[H\x1b[2J\x1b[3J", flush=True)  # home, clear screen, clear scroll-back


def host_shell(inv: Invocation) -> Result:
    """``!cmd``: run ``cmd`` with the user's shell, on the terminal itself when there is one."""
    import os
    import subprocess

    line = (inv.args.command_line or "").strip()
    if not line:
        raise UsageError("!: give a command to run, e.g. !ls -l")
    shell = os.environ.get("SHELL") or "/bin/sh"
    console = inv.console
    try:
        out_fd, err_fd = console.stdout.fileno(), console.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        out_fd = err_fd = -1
    if out_fd >= 0:
        console.stdout.flush()
        console.stderr.flush()
        proc = subprocess.run([shell, "-c", line], stdout=out_fd, stderr=err_fd, check=False)
        return Result(None, status=proc.returncode)
    done = subprocess.run([shell, "-c", line], capture_output=True, text=True, check=False)
    errors = [e for e in done.stderr.splitlines() if e]
    return Result(Text(done.stdout), errors=errors, status=done.returncode)


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


def complete_aliases(request: CompletionRequest) -> Iterable[Candidate]:
    from dshell.plugin import alias_listing

    for name, expansion in alias_listing(request.session.registry):
        yield Candidate(name, expansion)


def complete_networks(request: CompletionRequest) -> Iterable[Candidate]:
    """Network names (with driver and scope as meta)."""
    for n in request.session.names.get("networks"):
        if n.get("Name"):
            yield Candidate(n["Name"], f"{n.get('Driver', '')} · {n.get('Scope', '')}")


def complete_volumes(request: CompletionRequest) -> Iterable[Candidate]:
    """Volume names (with driver as meta); ``volume:named`` leaves out anonymous (64-hex) volumes."""
    import re

    for v in request.session.names.get("volumes"):
        name = v.get("Name") or ""
        if not name or (request.qualifier == "named" and re.fullmatch(r"[0-9a-f]{64}", name)):
            continue
        yield Candidate(name, v.get("Driver", ""))


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
    registry.add(
        Command("plugins", plugins_, "List loaded plugins and the commands each adds", json_output=True)
    )
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
    registry.add(
        Command(
            "alias",
            alias_,
            "Define or list aliases (alias lsa = ps -a)",
            arguments=(argument("definition", "NAME = COMMAND LINE, or NAME to show one", nargs="raw"),),
            examples=("alias lsa = ps -a", "alias", "alias lsa"),
            json_output=True,
        )
    )
    registry.add(
        Command(
            "unalias",
            unalias_,
            "Remove aliases",
            arguments=(argument("names", "alias names", nargs="+", complete="alias"),),
        )
    )
    registry.add(
        Command(
            "history",
            history_,
            "Show the command history (the last COUNT entries)",
            arguments=(argument("count", "how many entries", nargs="?", type=int),),
        )
    )
    registry.add(Command("clear", clear_, "Clear the screen"))
    registry.add(
        Command(
            "!",
            host_shell,
            "Run a command in the host shell (!ls -l)",
            arguments=(argument("command_line", "shell command line, as typed", nargs="raw"),),
            examples=("!ls -l", "! date"),
        )
    )


@hookimpl
def dshell_register_completers(completers: CompletionRegistry) -> None:
    completers.add("command", complete_commands)
    completers.add("setting", complete_settings)
    completers.add("setting-value", complete_setting_values)
    completers.add("file", complete_paths)
    completers.add("path", complete_paths)  # the same source under the name some declarations use
    completers.add("network", complete_networks)
    completers.add("volume", complete_volumes)
    completers.add("alias", complete_aliases)
