"""The command model: one declaration per command, read by the parser, ``help``, the completer and the docs.

A plugin declares a :class:`Command` (name, aliases, summary, :class:`Option` s, :class:`Argument` s, each
value's completion source) and hands it to the :class:`CommandRegistry` it receives in
``dshell_register_commands``. Nothing else about a command is written down anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from dshell.errors import PluginError

if TYPE_CHECKING:
    from dshell.core.invocation import Invocation

Handler = Callable[["Invocation"], Any]

#: Argument ``nargs`` values: exactly one, optional, any number, at least one, every remaining word
#: (options included, as for ``run IMAGE CMD…``), and the rest of the line as typed (raw JSON bodies).
NARGS = ("1", "?", "*", "+", "...", "raw")

_FLAG_RE = re.compile(r"^(-[A-Za-z0-9]|--[A-Za-z0-9][A-Za-z0-9-]*)$")


@dataclass(frozen=True)
class Option:
    """A flag (``-a/--all``) or an option taking a value (``-n/--last N``)."""

    flags: tuple[str, ...]
    help: str = ""
    takes_value: bool = False
    type: Callable[[str], Any] = str
    choices: tuple[str, ...] = ()
    default: Any = None
    repeat: bool = False
    metavar: str = ""
    complete: str | None = None
    dest: str = ""
    hidden: bool = False

    def __post_init__(self) -> None:
        for f in self.flags:
            if not _FLAG_RE.match(f):
                raise ValueError(f"bad flag {f!r}: use -x or --long-name")
        if not self.dest:
            longest = max(self.flags, key=len).lstrip("-").replace("-", "_")
            object.__setattr__(self, "dest", longest)
        if self.takes_value and not self.metavar:
            object.__setattr__(self, "metavar", self.dest.upper())

    @property
    def initial(self) -> Any:
        """The value before the command line is read."""
        if self.repeat:
            return list(self.default or [])
        if not self.takes_value:
            return bool(self.default)
        return self.default

    @property
    def completion_source(self) -> str | None:
        """Where values come from: the declared source, else ``choices`` when there are choices."""
        return self.complete or ("choices" if self.choices else None)


@dataclass(frozen=True)
class Argument:
    """A positional argument."""

    name: str
    help: str = ""
    nargs: str = "1"
    type: Callable[[str], Any] = str
    choices: tuple[str, ...] = ()
    complete: str | None = None
    metavar: str = ""
    #: Take the word as typed, quotes and backslashes kept (an API path with a JSON query), unless the whole
    #: word is one quoted string (``'/x?a=b c'``), which is unquoted as usual.
    verbatim: bool = False

    def __post_init__(self) -> None:
        if self.nargs not in NARGS:
            raise ValueError(f"bad nargs {self.nargs!r} for {self.name!r}; one of {NARGS}")
        if not self.metavar:
            object.__setattr__(self, "metavar", self.name.upper())

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")

    @property
    def minimum(self) -> int:
        return 1 if self.nargs in ("1", "+") else 0

    @property
    def completion_source(self) -> str | None:
        return self.complete or ("choices" if self.choices else None)


def flag(*flags: str, help: str = "", dest: str = "", hidden: bool = False) -> Option:
    """A boolean flag."""
    return Option(tuple(flags), help=help, dest=dest, hidden=hidden)


def option(
    *flags: str,
    help: str = "",
    type: Callable[[str], Any] = str,
    choices: Iterable[str] = (),
    default: Any = None,
    repeat: bool = False,
    metavar: str = "",
    complete: str | None = None,
    dest: str = "",
    hidden: bool = False,
) -> Option:
    """An option taking a value; ``repeat=True`` collects every occurrence into a list."""
    return Option(
        tuple(flags),
        help=help,
        takes_value=True,
        type=type,
        choices=tuple(choices),
        default=default,
        repeat=repeat,
        metavar=metavar,
        complete=complete,
        dest=dest,
        hidden=hidden,
    )


def argument(
    name: str,
    help: str = "",
    *,
    nargs: str = "1",
    type: Callable[[str], Any] = str,
    choices: Iterable[str] = (),
    complete: str | None = None,
    metavar: str = "",
    verbatim: bool = False,
) -> Argument:
    """A positional argument; ``verbatim=True`` keeps the word's quotes as typed (see :class:`Argument`)."""
    return Argument(
        name,
        help=help,
        nargs=nargs,
        type=type,
        choices=tuple(choices),
        complete=complete,
        metavar=metavar,
        verbatim=verbatim,
    )


def lazy_handler(package: str, module: str, name: str) -> Handler:
    """A handler that imports ``package.module`` on its first call and runs its function ``name``.

    Plugins declare their commands at start-up and keep the handlers' modules (and what those import) for
    the first command that needs them: ``lazy_handler(__package__, "handlers", "ls")``.
    """

    def handler(inv: Invocation) -> Any:
        import importlib

        return getattr(importlib.import_module(f".{module}", package), name)(inv)

    handler.__name__ = handler.__qualname__ = name
    return handler


JSON_OPTION = flag("--json", help="Print the daemon's JSON documents instead of a table")
HELP_OPTION = flag("-h", "--help", help="Show this help")


@dataclass(frozen=True)
class Command:
    """Everything about one command, declared once.

    ``name`` may be several words (``image ls``). ``interspersed=False`` stops option parsing at the first
    positional, as the Docker CLI does for ``run IMAGE CMD…``. ``json_output`` adds ``--json``.
    ``secret`` keeps the line out of history.
    """

    name: str
    handler: Handler
    summary: str
    options: tuple[Option, ...] = ()
    arguments: tuple[Argument, ...] = ()
    aliases: tuple[str, ...] = ()
    description: str = ""
    examples: tuple[str, ...] = ()
    interspersed: bool = True
    json_output: bool = False
    secret: bool = False
    plugin: str = ""
    group: str = ""
    #: Given the words after the name, the name of another command that takes the whole line instead (or
    #: None): ``history IMAGE`` is ``image history``, bare or numeric ``history`` the shell's own.
    redirect: Callable[[list[str]], str | None] | None = None

    def __post_init__(self) -> None:
        opts = list(self.options)
        if self.json_output and not any("--json" in o.flags for o in opts):
            opts.append(JSON_OPTION)
        if not any("--help" in o.flags for o in opts):
            opts.append(HELP_OPTION)
        seen: dict[str, Option] = {}
        for opt in opts:
            for f in opt.flags:
                if f in seen:
                    raise ValueError(f"command {self.name!r}: flag {f} declared twice")
                seen[f] = opt
        object.__setattr__(self, "options", tuple(opts))
        raws = [a for a in self.arguments if a.nargs in ("...", "raw", "*", "+")]
        if len(raws) > 1:
            raise ValueError(f"command {self.name!r}: only one variadic argument is allowed")

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def find_option(self, flag_text: str) -> Option | None:
        """The option declaring ``flag_text`` (``-a`` or ``--all``)."""
        for opt in self.options:
            if flag_text in opt.flags:
                return opt
        return None

    @property
    def flags(self) -> list[str]:
        """Every flag spelling, long ones first."""
        out = [f for o in self.options if not o.hidden for f in o.flags]
        return sorted(out, key=lambda f: (not f.startswith("--"), f))


class CommandRegistry:
    """All commands, keyed by every name and alias; the core owns it, plugins add to it."""

    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self._by_word: dict[str, Command] = {}
        self.current_plugin = ""
        self.warnings: list[str] = []
        #: Set when plugins are deferred (:mod:`dshell.core.cmdindex`): called with the names asked for
        #: (None: every plugin) before the registry answers, so it always looks complete from outside.
        self.loader: Callable[[Sequence[str] | None], None] | None = None

    def _need(self, names: Sequence[str] | None) -> None:
        if self.loader is not None:
            self.loader(names)

    def loaded(self) -> list[Command]:
        """The commands registered so far, without loading deferred plugins."""
        return list(self._commands.values())

    def add(self, command: Command, *, replace_existing: bool = False) -> Command:
        """Register ``command`` for the plugin being loaded.

        A name or alias that another plugin registered already is refused (with a warning) unless
        ``replace_existing`` is set, which lets a plugin deliberately override a built-in.
        """
        plugin = command.plugin or self.current_plugin
        command = replace(command, plugin=plugin, group=command.group or plugin)
        clashes = [n for n in command.names if n in self._by_word]
        if clashes and not replace_existing:
            owner = self._by_word[clashes[0]].plugin
            msg = f"plugin {plugin!r}: command {clashes[0]!r} is already registered by {owner!r}; skipped"
            self.warnings.append(msg)
            raise PluginError(msg)
        for name in clashes:
            old = self._by_word[name]
            self._commands.pop(old.name, None)
            for n in old.names:
                self._by_word.pop(n, None)
        self._commands[command.name] = command
        for n in command.names:
            self._by_word[n] = command
        return command

    def command(self, name: str, *, summary: str, **kwargs: Any) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`add`: ``@registry.command("ps", summary=..., options=(...))``."""

        def decorate(handler: Handler) -> Handler:
            self.add(Command(name=name, handler=handler, summary=summary, **kwargs))
            return handler

        return decorate

    def __iter__(self) -> Iterator[Command]:
        self._need(None)
        return iter(sorted(self._commands.values(), key=lambda c: c.name))

    def __len__(self) -> int:
        self._need(None)
        return len(self._commands)

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str) and name not in self._by_word:
            self._need([name])
        return name in self._by_word

    def get(self, name: str) -> Command | None:
        """The command called ``name`` (or aliased so)."""
        if name not in self._by_word:
            self._need([name])
        return self._by_word.get(name)

    def names(self) -> list[str]:
        """Every name and alias."""
        self._need(None)
        return sorted(self._by_word)

    def lookup(self, words: Sequence[str]) -> tuple[Command, int] | None:
        """The command named by the leading ``words`` (longest multi-word name wins) and how many it took."""
        if self.loader is not None:
            self.loader([" ".join(words[:n]) for n in range(min(len(words), 3), 0, -1)])
        for count in range(min(len(words), 3), 0, -1):
            cmd = self._by_word.get(" ".join(words[:count]))
            if cmd is not None:
                return cmd, count
        return None

    def next_words(self, typed: Sequence[str]) -> list[tuple[str, Command]]:
        """For completion: the word that can follow ``typed`` in a multi-word name, with its command."""
        self._need(None)
        prefix = " ".join(typed)
        out: dict[str, Command] = {}
        for name, cmd in self._by_word.items():
            parts = name.split(" ")
            if len(parts) > len(typed) and " ".join(parts[: len(typed)]) == prefix:
                out.setdefault(parts[len(typed)], cmd)
        return sorted(out.items())

    def remove(self, name: str) -> Command | None:
        """Drop the command called ``name`` (every name and alias of it); returns it, or None if unknown.

        Used by ``unalias``; added by the REPL work (issue 6).
        """
        command = self.get(name)
        if command is None:
            return None
        self._commands.pop(command.name, None)
        for n in command.names:
            self._by_word.pop(n, None)
        return command

    def by_plugin(self) -> dict[str, list[Command]]:
        """Commands grouped by the plugin that registered them."""
        groups: dict[str, list[Command]] = {}
        for cmd in self:
            groups.setdefault(cmd.group or cmd.plugin, []).append(cmd)
        return groups


@dataclass
class Namespace:
    """Parsed values, one attribute per option ``dest`` and argument name."""

    values: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)
