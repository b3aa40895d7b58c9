"""Command aliases (``alias lsa = ps -a``): a command of their own that runs another command line.

An alias is registered as a copy of its target's declaration (so ``lsa -q`` parses, ``lsa --help`` and the
completer know the target's flags) whose handler expands the line — ``lsa -q`` becomes ``ps -a -q`` — and
runs the target's handler with the expanded line. Aliases come from the config file or the ``alias`` command.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from dshell.core.commands import Command, argument
from dshell.core.lexer import UnterminatedQuote, iter_tokens
from dshell.errors import UsageError

if TYPE_CHECKING:
    from dshell.core.commands import CommandRegistry
    from dshell.core.invocation import Invocation

#: Plugin/group name shown by ``help`` for aliases.
ALIAS_GROUP = "aliases"
#: How deep an alias may expand to another alias before it is called a loop.
MAX_DEPTH = 8

_depth = threading.local()


@dataclass(frozen=True)
class AliasHandler:
    """The handler of an alias command: expand the line, run the target command's handler."""

    name: str
    expansion: str

    def __call__(self, inv: Invocation) -> Any:
        from dshell.core.invocation import Invocation
        from dshell.core.parser import parse_args
        from dshell.core.runner import find_command

        depth = getattr(_depth, "value", 0)
        if depth >= MAX_DEPTH:
            raise UsageError(f"alias {self.name}: expands into itself (alias loop)")
        line = expand_line(self.expansion, inv.line)
        found = find_command(inv.session, line)
        if found is None:
            raise UsageError(f"alias {self.name}: expands to nothing")
        target, start = found
        args = parse_args(target, line, start)
        _depth.value = depth + 1
        try:
            return target.handler(Invocation(inv.session, target, args, line))
        finally:
            _depth.value = depth


def expand_line(expansion: str, line: str) -> str:
    """``lsa -q`` with expansion ``ps -a`` -> ``ps -a -q`` (the first word is replaced, the rest kept as typed)."""
    stripped = line.lstrip()
    first = next(iter_tokens(stripped), None)
    rest = stripped[first.end :] if first is not None else ""
    return expansion + rest


def parse_definition(text: str) -> tuple[str, str | None]:
    """``lsa = ps -a``, ``lsa=ps -a``, ``lsa 'ps -a'`` or just ``lsa`` -> (name, expansion or None)."""
    text = text.strip()
    name, sep, rest = text.partition("=")
    if not sep or " " in name.strip():
        name, _, rest = text.partition(" ")
    name = name.strip()
    rest = rest.strip()
    if not rest:
        return name, None
    words = [t.value for t in iter_tokens(rest)]
    if len(words) == 1 and rest[0] in "'\"":
        rest = words[0]  # ``alias lsa 'ps -a'``: one quoted word is the whole expansion
    return name, rest


def is_alias(command: Command | None) -> bool:
    return command is not None and isinstance(command.handler, AliasHandler)


def define(registry: CommandRegistry, name: str, expansion: str) -> Command:
    """Add (or redefine) alias ``name``; it may not shadow a command that is not an alias."""
    if not name or name.startswith(("-", "!", "@")) or any(c.isspace() for c in name):
        raise UsageError(f"bad alias name {name!r}")
    existing = registry.get(name)
    if existing is not None and not is_alias(existing):
        raise UsageError(f"alias {name}: '{name}' is already a command ({existing.plugin} plugin)")
    try:
        words = [t.value for t in iter_tokens(expansion)]
    except UnterminatedQuote as exc:
        raise UsageError(f"alias {name}: {exc.message}") from None
    found = registry.lookup(words[:3]) if words else None
    if found is None:
        from dshell.core.parser import suggest

        first = words[0] if words else ""
        raise UsageError(f"alias {name}: unknown command {first!r}{suggest(first, registry.names())}")
    target = found[0]
    alias = replace(
        target,
        name=name,
        handler=AliasHandler(name, expansion),
        summary=f"alias for {expansion}",
        aliases=(),
        arguments=(argument("args", "more arguments for the command", nargs="*"),),
        description="",
        examples=(),
        plugin=ALIAS_GROUP,
        group=ALIAS_GROUP,
    )
    return registry.add(alias, replace_existing=existing is not None)


def remove(registry: CommandRegistry, name: str) -> None:
    """Forget alias ``name``."""
    if not is_alias(registry.get(name)):
        raise UsageError(f"unalias: {name}: no such alias")
    registry.remove(name)


def listing(registry: CommandRegistry) -> list[tuple[str, str]]:
    """Every alias as ``(name, expansion)``, sorted by name."""
    out = []
    for cmd in registry:
        if isinstance(cmd.handler, AliasHandler):
            out.append((cmd.name, cmd.handler.expansion))
    return out


def expand_for_completion(registry: CommandRegistry, text: str) -> tuple[str, int]:
    """The line with a leading alias expanded once the cursor is past it, and how much longer it got.

    ``lsa -`` -> (``ps -a -``, 3): the completer then sees the target's flags.
    """
    shift = 0
    for _ in range(MAX_DEPTH):
        try:
            first = next(iter_tokens(text), None)
        except UnterminatedQuote:
            return text, shift
        if first is None or first.end >= len(text):
            return text, shift
        command = registry.get(first.value)
        handler = command.handler if command is not None else None
        if not isinstance(handler, AliasHandler):
            return text, shift
        expansion = handler.expansion
        new = text[: first.start] + expansion + text[first.end :]
        shift += len(new) - len(text)
        text = new
    return text, shift
