"""The prompt-toolkit completer: :func:`dshell.core.completion.expect` decides the kind, sources give values.

Everything here is served from memory — the registry's declarations and the live-name cache the background
refresher keeps current — so a keystroke never waits on the network once the cache holds data. The REPL wraps
it in ``ThreadedCompleter`` anyway, so even the first fill of a kind does not block typing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from dshell.core.aliases import expand_for_completion
from dshell.core.completion import Candidate, CompletionRequest, Expectation, expect
from dshell.core.expand import complete_expansion
from dshell.core.helptext import option_label
from dshell.core.lexer import quote_word
from dshell.output.safe import safe_text

if TYPE_CHECKING:
    from dshell.core.commands import Command
    from dshell.core.session import Session

#: Words dshell's lexer reads back unchanged: only white space, quotes and backslashes are special to it, so
#: an API path such as ``/containers/json?all=1&size=1`` is inserted as it is.
_PLAIN = re.compile(r"[^\s'\"\\]+\Z")


def rank(word: str, candidates: Iterable[Candidate]) -> list[Candidate]:
    """Prefix matches first (case-insensitive), then fuzzy (subsequence) matches; order kept within each.

    Among fuzzy matches, tighter ones (the typed letters closer together) come first.
    """
    low = word.lower()
    prefix: list[Candidate] = []
    fuzzy: list[tuple[int, int, Candidate]] = []
    seen: set[str] = set()
    search = _subsequence_pattern(low).search if low else None
    for n, c in enumerate(candidates):
        if c.text in seen:
            continue
        text = c.text.lower()
        if text.startswith(low):
            prefix.append(c)
            seen.add(c.text)
        elif search is not None:
            m = search(text)
            if m is not None:
                fuzzy.append((m.end() - 1 - m.start(), n, c))
                seen.add(c.text)
    fuzzy.sort(key=lambda t: (t[0], t[1]))
    return prefix + [c for _, _, c in fuzzy]


def _subsequence_pattern(needle: str) -> re.Pattern[str]:
    """A regex matching what :func:`_subsequence_spread` finds, in C: each next letter is found by a possessive
    run of other letters (``[^c]*+c``), so it takes the earliest one and never backtracks."""
    rest = "".join(f"[^{re.escape(ch)}]*+{re.escape(ch)}" for ch in needle[1:])
    return re.compile(re.escape(needle[0]) + rest, re.S)


def _subsequence_spread(needle: str, hay: str) -> int | None:
    """How many characters of ``hay`` a left-most match of ``needle`` as a subsequence spans (None: no match)."""
    pos = hay.find(needle[0])
    if pos < 0:
        return None
    first = pos
    for ch in needle[1:]:
        pos = hay.find(ch, pos + 1)
        if pos < 0:
            return None
    return pos - first


class DshellCompleter(Completer):
    """Commands, flags and values, all from the registry's declarations."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def expectation(self, text: str) -> Expectation:
        """What goes under the cursor, with aliases expanded (``lsa -`` completes ``ps`` flags)."""
        target, rest = split_target(text)
        if target is not None and not rest and not text[-1:].isspace():
            return Expectation("target", word=target, start=len(text) - len(text.lstrip()))
        expanded, shift = expand_for_completion(self.session.registry, rest)
        exp = expect(self.session.registry, expanded)
        shift -= len(text) - len(rest)
        if shift and exp.start >= 0:
            exp.start = max(0, exp.start - shift)
        return exp

    def candidates(self, text: str) -> tuple[str, list[Candidate]]:
        """The word being completed and its ranked candidates (testable without a terminal)."""
        variables = complete_expansion(self.session, text)  # $NAME, ${NAME.Field} (issue 13)
        if variables is not None:
            return variables[0], rank(variables[0], [Candidate(c, m) for c, m in variables[1]])
        exp = self.expectation(text)
        return exp.word, self._candidates(exp, target_daemons(self.session, text))

    def _candidates(self, exp: Expectation, daemons: list[str] | None = None) -> list[Candidate]:
        registry = self.session.registry
        if exp.kind == "command":
            if exp.typed:
                pool = [Candidate(w, c.summary) for w, c in registry.next_words(exp.typed)]
            else:
                seen: dict[str, Candidate] = {}
                for cmd in registry:
                    for name in cmd.names:
                        first = name.split(" ")[0]
                        seen.setdefault(first, Candidate(first, cmd.summary if first == name else ""))
                pool = list(seen.values())
            return rank(exp.word, pool)
        if exp.kind == "target":
            known = self.session.daemons
            head = exp.word[: exp.word.rfind(",") + 1] if "," in exp.word else "@"
            pool = [Candidate(head + n, str(d.address)) for n, d in known.items()]
            if head == "@":
                pool.append(Candidate("@all", "every daemon, concurrently"))
            return rank(exp.word, pool)
        if exp.kind == "flag" and exp.command is not None:
            return rank(exp.word, flag_candidates(exp.command, exp.words))
        if exp.kind == "value":
            if exp.source == "choices" or (exp.choices and not exp.source):
                pool = [Candidate(c) for c in exp.choices]
            elif exp.source:
                request = CompletionRequest(self.session, command=exp.command, word=exp.word, words=exp.words)
                if daemons:  # after @NAME / @all: the live names of the targeted daemons
                    pool = []
                    for name in daemons:
                        with self.session.using(name):
                            pool.extend(self.session.completers.candidates(exp.source, request))
                else:
                    pool = list(self.session.completers.candidates(exp.source, request))
            else:
                pool = []
            return rank(exp.word, pool)
        return []

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        text = document.text_before_cursor
        variables = complete_expansion(self.session, text)  # $NAME, ${NAME.Field} (issue 13)
        if variables is not None:
            for name, meta in variables[1]:
                yield Completion(name, start_position=-len(variables[0]), display_meta=meta or None)
            return
        exp = self.expectation(text)
        start = -(len(text) - exp.start) if exp.start >= 0 else -len(exp.word)
        quote = exp.kind == "value"
        for c in self._candidates(exp, target_daemons(self.session, text)):
            insert = quote_word(c.text) if quote and c.text and not _PLAIN.match(c.text) else c.text
            yield Completion(
                insert,
                start_position=start,
                display=safe_text(c.text),
                display_meta=safe_text(c.meta) if c.meta else None,
            )


def split_target(text: str) -> tuple[str | None, str]:
    """``@prod ps -`` -> (``@prod``, ``ps -``): a leading ``@daemon`` target, and the line after it.

    (None, text) without a target; (``@pr``, "") while the target itself is being typed.
    """
    stripped = text.lstrip()
    if not stripped.startswith("@"):
        return None, text
    word, space, rest = stripped.partition(" ")
    if not space:
        return word, ""
    return word, rest.lstrip()


def target_daemons(session: Session, text: str) -> list[str]:
    """The daemons a line's complete ``@target`` names (none while it is typed, or for an unknown name)."""
    target, rest = split_target(text)
    if target is None or (not rest and not text.endswith(" ")):
        return []
    spec = target[1:]
    if spec == "all":
        return list(session.daemons)
    names = [n for n in spec.split(",") if n]
    return names if names and all(n in session.daemons for n in names) else []


def flag_candidates(command: Command, words: list[str]) -> list[Candidate]:
    """The command's flags with their help as meta; long spellings first, flags already given left out."""
    used = {w.split("=", 1)[0] for w in words if w.startswith("-")}
    out: list[Candidate] = []
    for opt in command.options:
        if opt.hidden or (not opt.repeat and used & set(opt.flags)):
            continue
        meta = opt.help or option_label(opt)
        for f in sorted(opt.flags, key=lambda f: (not f.startswith("--"), f)):
            out.append(Candidate(f, meta))
    return out
