"""Completion sources: named functions that list candidate values for an argument.

A declaration names its source (``complete="container:running"``: source ``container``, qualifier
``running``); plugins add sources through ``dshell_register_completers``. This module has no prompt-toolkit
import: the interactive completer (:mod:`dshell.interactive.completer`) builds on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dshell.core.commands import Command
    from dshell.core.session import Session


@dataclass(frozen=True)
class Candidate:
    """One completion: the text to insert and a short description shown beside it."""

    text: str
    meta: str = ""


@dataclass
class CompletionRequest:
    """What a source is asked: which session, the qualifier after ``:``, the command and the word so far."""

    session: Session
    qualifier: str | None = None
    command: Command | None = None
    word: str = ""
    words: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


CompletionSource = Callable[[CompletionRequest], Iterable[Candidate | str]]


class CompletionRegistry:
    """Sources by name; the core owns it, plugins add to it."""

    def __init__(self) -> None:
        self._sources: dict[str, CompletionSource] = {}
        self._owners: dict[str, str] = {}
        self.current_plugin = ""

    def add(self, name: str, source: CompletionSource) -> None:
        """Register ``source`` under ``name`` (a later registration replaces an earlier one)."""
        self._sources[name] = source
        self._owners[name] = self.current_plugin

    def get(self, name: str) -> CompletionSource | None:
        return self._sources.get(name)

    def owner(self, name: str) -> str:
        return self._owners.get(name, "")

    def names(self) -> list[str]:
        return sorted(self._sources)

    def candidates(self, spec: str, request: CompletionRequest) -> list[Candidate]:
        """Run the source named by ``spec`` (``name`` or ``name:qualifier``); failures give no candidates."""
        name, _, qualifier = spec.partition(":")
        source = self._sources.get(name)
        if source is None:
            return []
        request.qualifier = qualifier or None
        try:
            return [item if type(item) is Candidate else _candidate(item) for item in source(request)]
        except Exception:  # a broken source or a dead daemon must not break typing
            return []


def _candidate(item: Any) -> Candidate:
    return item if isinstance(item, Candidate) else Candidate(str(item))


@dataclass
class Expectation:
    """What the word under the cursor should be: a command, a flag, or a value from ``source``."""

    kind: str  # "command", "flag", "value", "nothing"
    word: str = ""
    command: Command | None = None
    source: str | None = None
    choices: tuple[str, ...] = ()
    typed: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    #: Where the word being completed starts in the text (as typed, quotes included).
    start: int = -1


def expect(registry: Any, text: str) -> Expectation:
    """Pure: from the text before the cursor, what kind of thing goes here (pgcli's ``suggest_type``)."""
    from dshell.core.lexer import split_partial

    tokens, current = split_partial(text)
    word = current.value if current else ""
    words = [t.value for t in tokens]
    exp = _expect(registry, word, words, current is not None)
    exp.start = current.start if current is not None else len(text)
    if exp.kind == "value" and word.startswith("--") and "=" in word and exp.word != word:
        exp.start += len(word) - len(exp.word)
    return exp


def _expect(registry: Any, word: str, words: list[str], in_word: bool) -> Expectation:
    if words and words[0] == "docker" and "docker" not in registry:
        words = words[1:]  # a pasted ``docker ps -a``: the runner ignores the CLI's name too
    found = registry.lookup(words) if words else None
    if found is None or (found[1] == len(words) and registry.next_words(words) and in_word):
        return Expectation("command", word=word, typed=words)
    command, used = found
    args = words[used:]
    if command.redirect is not None:  # ``history IMAGE -`` completes ``image history`` flags
        target = command.redirect(args)
        command = (registry.get(target) or command) if target else command
    if not command.interspersed and _positional_count(command, args) > 0:
        index = _positional_index(command, args)  # after the image of ``run IMAGE CMD…``: words, not flags
        if index is None:
            return Expectation("nothing", word, command, words=args)
        arg = command.arguments[index]
        return Expectation("value", word, command, arg.completion_source, arg.choices, words=args)
    # the value of an option?
    if args:
        prev = args[-1]
        opt = command.find_option(prev.split("=", 1)[0]) if prev.startswith("-") and "=" not in prev else None
        if opt is None and prev.startswith("-") and not prev.startswith("--") and len(prev) > 2:
            opt = command.find_option("-" + prev[-1])
        if opt is not None and opt.takes_value:
            return Expectation("value", word, command, opt.completion_source, opt.choices, words=args)
    if word.startswith("-") and "=" not in word:
        return Expectation("flag", word, command, words=args)
    if word.startswith("--") and "=" in word:
        opt = command.find_option(word.split("=", 1)[0])
        if opt is not None and opt.takes_value:
            return Expectation(
                "value", word.split("=", 1)[1], command, opt.completion_source, opt.choices, words=args
            )
    index = _positional_index(command, args)
    if index is None:
        return Expectation("nothing", word, command, words=args)
    arg = command.arguments[index]
    return Expectation("value", word, command, arg.completion_source, arg.choices, words=args)


def path_candidates(word: str, *, dirs_only: bool = False, limit: int = 500) -> list[Candidate]:
    """Files and directories completing ``word`` (``~`` expanded); directories end in ``/``.

    Hidden entries only when the typed name starts with a dot. Listing is bounded by ``limit`` so a huge
    directory cannot stall a keystroke.
    """
    import os

    expanded = os.path.expanduser(word) if word.startswith("~") else word
    folder, _, name = expanded.rpartition("/")
    shown_folder = word[: len(word) - len(name)]
    listing = folder + "/" if folder or expanded.startswith("/") else "."
    out: list[Candidate] = []
    try:
        with os.scandir(listing) as entries:
            for entry in entries:
                if entry.name.startswith(".") and not name.startswith("."):
                    continue
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                if dirs_only and not is_dir:
                    continue
                text = shown_folder + entry.name + ("/" if is_dir else "")
                out.append(Candidate(text, "directory" if is_dir else "file"))
                if len(out) >= limit:
                    break
    except OSError:
        return []
    out.sort(key=lambda c: c.text)
    return out


def complete_paths(request: CompletionRequest) -> list[Candidate]:
    """The ``file`` source: paths on this machine (``file:dir`` for directories only)."""
    return path_candidates(request.word, dirs_only=request.qualifier == "dir")


def _option_eats_next(command: Command, word: str) -> bool:
    """True when option word ``word`` (``--name``, ``-n``, ``-itn``) takes the next word as its value."""
    if word.startswith("--"):
        opt = command.find_option(word)
        return opt is not None and opt.takes_value and "=" not in word
    for pos, ch in enumerate(word[1:], start=1):
        opt = command.find_option("-" + ch)
        if opt is not None and opt.takes_value:
            return pos == len(word) - 1
    return False


def _positional_count(command: Command, args: list[str]) -> int:
    """How many positionals ``args`` holds (option values skipped)."""
    count = 0
    skip = False
    for a in args:
        if skip:
            skip = False
        elif a.startswith("-") and len(a) > 1 and (command.interspersed or count == 0):
            skip = _option_eats_next(command, a)
        else:
            count += 1
    return count


def _positional_index(command: Command, args: list[str]) -> int | None:
    """Which declared positional the next word fills (a variadic one keeps filling)."""
    count = _positional_count(command, args)
    for i, arg in enumerate(command.arguments):
        if arg.nargs in ("*", "+", "...", "raw") or count <= i:
            return i
    return None
