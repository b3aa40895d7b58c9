"""Help text, built from command declarations only: ``help``, ``help CMD``, ``CMD --help`` and the docs."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dshell.core.commands import Argument, Command, CommandRegistry, Option


def _arg_usage(arg: Argument) -> str:
    name = arg.metavar
    return {
        "1": name,
        "?": f"[{name}]",
        "*": f"[{name}...]",
        "+": f"{name} [{name}...]",
        "...": f"[{name}...]",
        "raw": f"[{name}]",
    }[arg.nargs]


def usage(command: Command) -> str:
    """``Usage: ps [OPTIONS]`` line."""
    parts = [command.name]
    if any(not o.hidden for o in command.options):
        parts.append("[OPTIONS]")
    parts.extend(_arg_usage(a) for a in command.arguments)
    return "Usage: " + " ".join(parts)


def option_label(opt: Option) -> str:
    """``-n, --last N`` as shown in help."""
    shorts = [f for f in opt.flags if not f.startswith("--")]
    longs = [f for f in opt.flags if f.startswith("--")]
    label = ", ".join(shorts + longs)
    if opt.takes_value:
        label += f" {opt.metavar}"
    return label


def _option_help(opt: Option) -> str:
    text = opt.help
    extras = []
    if opt.choices:
        extras.append("one of: " + ", ".join(opt.choices))
    if opt.repeat:
        extras.append("repeatable")
    if opt.takes_value and opt.default not in (None, [], ()):
        extras.append(f"default {opt.default}")
    return text + (f" ({'; '.join(extras)})" if extras else "")


def command_help(command: Command) -> str:
    """The full help of one command."""
    lines = [usage(command), "", command.summary]
    if command.description:
        lines += ["", command.description.strip()]
    if command.aliases:
        lines += ["", "Aliases: " + ", ".join(command.aliases)]
    if command.arguments:
        lines += ["", "Arguments:"]
        width = max(len(a.metavar) for a in command.arguments)
        lines += [f"  {a.metavar.ljust(width)}  {a.help}".rstrip() for a in command.arguments]
    visible = [o for o in command.options if not o.hidden]
    if visible:
        lines += ["", "Options:"]
        labels = [option_label(o) for o in visible]
        width = max(len(x) for x in labels)
        lines += [
            f"  {lab.ljust(width)}  {_option_help(o)}".rstrip()
            for lab, o in zip(labels, visible, strict=True)
        ]
    if command.examples:
        lines += ["", "Examples:"] + [f"  {e}" for e in command.examples]
    lines += ["", f"(from plugin {command.plugin})"]
    return "\n".join(lines)


def overview(registry: CommandRegistry) -> str:
    """``help``: every command, grouped by the plugin that adds it."""
    lines: list[str] = []
    for group, commands in sorted(registry.by_plugin().items()):
        lines.append(f"{group}:")
        width = max(len(c.name) for c in commands)
        for cmd in commands:
            alias = f" (also: {', '.join(cmd.aliases)})" if cmd.aliases else ""
            lines.append(f"  {cmd.name.ljust(width)}  {cmd.summary}{alias}")
        lines.append("")
    lines.append("Type 'help COMMAND' or 'COMMAND --help' for a command's options.")
    return "\n".join(lines)


def group_help(registry: CommandRegistry, words: list[str]) -> str | None:
    """``container`` alone: the subcommands of a word that only starts multi-word names (None if it does not).

    As ``docker container`` prints them: each next word with its command's summary.
    """
    following = registry.next_words(words)
    if not following:
        return None
    prefix = " ".join(words)
    width = max(len(w) for w, _ in following)
    lines = [f"Usage: {prefix} COMMAND", "", "Commands:"]
    lines += [f"  {w.ljust(width)}  {cmd.summary}" for w, cmd in following]
    lines += ["", f"Run '{prefix} COMMAND --help' for more information on a command."]
    return "\n".join(lines)


def markdown(registry: CommandRegistry) -> str:
    """The command reference as Markdown (``docs/commands.md``)."""
    out = [
        "# dshell command reference",
        "",
        "Generated from the command declarations; do not edit by hand.",
        "",
    ]
    for group, commands in sorted(registry.by_plugin().items()):
        out += [f"## Plugin `{group}`", ""]
        for cmd in commands:
            out += [f"### `{cmd.name}`", "", cmd.summary, "", "```", command_help(cmd), "```", ""]
    return "\n".join(out)
