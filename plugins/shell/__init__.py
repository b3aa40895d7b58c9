"""Shell commands: help, exit, plugins, set, alias, unalias, history, clear, ``!cmd``.

Also the interactive settings (``color``, ``pager``, ``history_size``), the generic completion sources
(``command``, ``setting``, ``file``, ``alias``), and, when the session starts, the config file and the
colouring/paging wrapper around the table and JSON output modes. A plugin like any other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dshell.plugin import (
    Command,
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

    from dshell.plugin import Candidate, CommandRegistry, CompletionRegistry, CompletionRequest, Invocation


def help_(inv: Invocation) -> Text:
    from dshell.plugin import command_help, overview

    words = inv.args.command
    if not words:
        return Text(overview(inv.session.registry))
    found = inv.session.registry.lookup(words)
    if found is None:
        from dshell.plugin import group_help, suggest

        listing = group_help(inv.session.registry, list(words))
        if listing is not None:  # ``help container``: its subcommands
            return Text(listing)

        raise UsageError(
            f"no such command: {' '.join(words)}{suggest(words[0], inv.session.registry.names())}"
        )
    return Text(command_help(found[0]))


def exit_(inv: Invocation) -> None:
    raise ExitRequested(int(inv.args.status or 0))


def plugins_(inv: Invocation) -> Table:
    rows = []
    data = []
    host = inv.session.plugins
    len(inv.session.registry)  # loads the plugins a one-shot deferred (dshell.core.cmdindex)
    for p in host.plugins:
        kind = "built-in" if p.builtin else "third-party"
        hooks = host.hooks_of(p.name)
        short = " ".join(h.removeprefix("dshell_") for h in hooks)
        rows.append((p.name, p.version, p.dist, kind, " ".join(p.commands), short))
        data.append(
            {
                "name": p.name,
                "version": p.version,
                "dist": p.dist,
                "builtin": p.builtin,
                "commands": p.commands,
                "hooks": hooks,
            }
        )
    return Table(("PLUGIN", "VERSION", "DISTRIBUTION", "KIND", "COMMANDS", "HOOKS"), rows, data)


def set_(inv: Invocation) -> Table | None:
    session = inv.session
    if inv.args.key is None:
        rows = [(s.name, str(session.settings[s.name]), s.help) for s in session.settings]
        return Table(("SETTING", "VALUE", "DESCRIPTION"), rows, {r[0]: session.settings[r[0]] for r in rows})
    if inv.args.value is None:
        return Table(("SETTING", "VALUE"), [(inv.args.key, str(session.settings.get(inv.args.key)))])
    session.set(inv.args.key, inv.args.value)
    return None


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


def history_target(words: list[str]) -> str | None:
    """``history IMAGE`` (any positional word that is not a number) is the image's history."""
    positional = [w for w in words if not w.startswith("-")]
    if any(not w.isdigit() for w in positional):
        return "image history"
    return None


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
    from dshell.plugin import Candidate

    for cmd in request.session.registry:
        yield Candidate(cmd.name, cmd.summary)


def complete_settings(request: CompletionRequest) -> Iterable[Candidate]:
    from dshell.plugin import Candidate

    for s in request.session.settings:
        yield Candidate(s.name, s.help)


def complete_setting_values(request: CompletionRequest) -> Iterable[Candidate]:
    from dshell.plugin import Candidate

    key = request.words[-1] if request.words else ""
    for s in request.session.settings:
        if s.name == key:
            yield from (Candidate(c) for c in s.choices)


def complete_aliases(request: CompletionRequest) -> Iterable[Candidate]:
    from dshell.plugin import Candidate, alias_listing

    for name, expansion in alias_listing(request.session.registry):
        yield Candidate(name, expansion)


def complete_suggested(request: CompletionRequest) -> Iterable[Candidate]:
    """``suggest:a,b,c``: the usual values of an option that also takes others (``on-failure:5``)."""
    from dshell.plugin import Candidate

    return [Candidate(v) for v in (request.qualifier or "").split(",") if v]


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
        Command(
            "plugins",
            plugins_,
            "List loaded plugins, the commands each adds and the hooks it implements",
            json_output=True,
        )
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
            "Show the command history (the last COUNT entries), or an image's history",
            arguments=(
                argument(
                    "count",
                    "how many entries; an IMAGE instead shows its history",
                    nargs="?",
                    type=int,
                    complete="image",
                ),
            ),
            description="With a word that is not a number, 'history IMAGE [OPTIONS]' is 'image history', "
            "as in the Docker CLI.",
            examples=("history", "history 20", "history busybox:latest", "history --no-trunc busybox"),
            redirect=history_target,
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
    from . import automation  # vars, unset, defer, wait-until (issue 13)

    automation.register(registry)


@hookimpl
def dshell_register_completers(completers: CompletionRegistry) -> None:
    completers.add("command", complete_commands)
    completers.add("setting", complete_settings)
    completers.add("setting-value", complete_setting_values)
    completers.add("file", complete_paths)
    completers.add("path", complete_paths)  # the same source under the name some declarations use
    completers.add("alias", complete_aliases)
    from .automation import complete_variables

    completers.add("variable", complete_variables)
    completers.add("suggest", complete_suggested)
