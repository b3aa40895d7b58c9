"""The prompt-toolkit completer: :func:`dshell.core.completion.expect` decides the kind, sources give values.

Everything here is served from memory — the registry's declarations and the live-name cache the background
refresher keeps current — so a keystroke never waits on the network once the cache holds data. The REPL wraps
it in a ``BatchCompleter`` (a worker thread) anyway, so even the first fill of a kind does not block typing.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Iterable
from typing import TYPE_CHECKING, NamedTuple

from prompt_toolkit.completion import CompleteEvent, Completer, Completion, ThreadedCompleter
from prompt_toolkit.document import Document
from prompt_toolkit.eventloop import run_in_executor_with_context

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


def rank(word: str, candidates: Iterable[Candidate], limit: int | None = None) -> list[Candidate]:
    """Prefix matches first (case-insensitive), then fuzzy (subsequence) matches; order kept within each.

    Among fuzzy matches, tighter ones (the typed letters closer together) come first. With ``limit``, the first
    ``limit`` of them. A long list (10,000 container names) is matched by regex scans over its texts joined in
    one string (:func:`_rank_joined`), not by a Python loop over the names.
    """
    pool = candidates if isinstance(candidates, list) else list(candidates)
    if not word and limit is not None:  # everything matches: the first ``limit`` distinct texts
        out: dict[str, Candidate] = {}
        for c in pool:
            out.setdefault(c.text, c)
            if len(out) >= limit:
                break
        return list(out.values())
    if word and len(pool) >= JOINED_FROM:
        ranked = _rank_joined(word.lower(), pool, limit)
        if ranked is not None:
            return ranked
    ranked = _rank_each(word, pool)
    return ranked if limit is None else ranked[:limit]


#: From this many candidates on, :func:`rank` scans them joined.
JOINED_FROM = 200


class _Joined(NamedTuple):
    """A long candidate list's texts, lowered and joined by newlines, with where each starts. Immutable, and
    published with one assignment (:attr:`_Last.joined`): completion threads of several keystrokes may run at
    once, and each reads one consistent object."""

    key: tuple[int, ...]
    pool: list[Candidate]
    lowered: list[str]
    text: str
    starts: list[int]
    unique: bool


class _Last:
    #: The last long candidate list, joined (see :func:`_rank_joined`); replaced whole, never changed.
    joined: _Joined | None = None


def _rank_joined(low: str, pool: list[Candidate], limit: int | None) -> list[Candidate] | None:
    """What :func:`_rank_each` gives, from one prefix scan and one subsequence scan over all the texts at once
    (None when a text holds a newline). The joined text is kept while the same candidate objects come back."""
    from bisect import bisect_right

    key = tuple(map(id, pool))
    joined = _Last.joined
    if joined is None or key != joined.key:
        lowered = [c.text.lower() for c in pool]
        text = "\n".join(lowered)
        if text.count("\n") != len(pool) - 1:
            return None
        starts, at = [], 0
        for t in lowered:
            starts.append(at)
            at += len(t) + 1
        unique = len({c.text for c in pool}) == len(pool)
        # ``pool`` is kept in it: the ids of the key stay those of these candidates while it is the one published
        joined = _Last.joined = _Joined(key, pool, lowered, text, starts, unique)
    text, starts, unique = joined.text, joined.starts, joined.unique
    matched = [n for n, t in enumerate(joined.lowered) if t.startswith(low)]
    seen: set[str] = set()
    if unique:
        prefix = [pool[n] for n in matched]
        if limit is not None and len(prefix) >= limit:
            return prefix[:limit]
        seen = {c.text for c in prefix}
    else:
        prefix = []
        for n in matched:
            c = pool[n]
            if c.text not in seen:
                seen.add(c.text)
                prefix.append(c)
        if limit is not None and len(prefix) >= limit:
            return prefix[:limit]
    taken = set(matched)
    if len(taken) == len(pool):
        return prefix
    fuzzy: list[tuple[int, int, Candidate]] = []
    rest = "".join(f"[^{re.escape(ch)}\\n]*+{re.escape(ch)}" for ch in low[1:])
    for m in re.finditer(re.escape(low[0]) + rest, text):
        n = bisect_right(starts, m.start()) - 1
        if n in taken:
            continue
        taken.add(n)
        c = pool[n]
        if unique or c.text not in seen:
            seen.add(c.text)
            fuzzy.append((m.end() - 1 - m.start(), n, c))
    fuzzy.sort(key=lambda t: (t[0], t[1]))
    ranked = prefix + [c for _, _, c in fuzzy]
    return ranked if limit is None else ranked[:limit]


def _rank_each(word: str, candidates: Iterable[Candidate]) -> list[Candidate]:
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

    def __init__(self, session: Session, *, typing_limit: int | None = None) -> None:
        self.session = session
        #: At most this many completions while typing (Tab: all); the REPL's is :data:`TYPING_LIMIT`.
        self.typing_limit = typing_limit

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

    def _candidates(
        self, exp: Expectation, daemons: list[str] | None = None, limit: int | None = None
    ) -> list[Candidate]:
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
            return rank(exp.word, pool, limit)
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
        limit = None if complete_event.completion_requested else self.typing_limit
        for c in self._candidates(exp, target_daemons(self.session, text), limit):
            insert = quote_word(c.text) if quote and c.text and not _PLAIN.match(c.text) else c.text
            yield Completion(
                insert,
                start_position=start,
                display=safe_text(c.text),
                display_meta=safe_text(c.meta) if c.meta else None,
            )


#: Completions handed to the menu while typing (the best ranked first); Tab asks for all of them. Applied by
#: :class:`DshellCompleter` (its ``typing_limit``), where the ranking can stop early.
TYPING_LIMIT = 100


class BatchCompleter(ThreadedCompleter):
    """Completions computed in a worker thread and handed to the prompt as one list.

    prompt-toolkit's ``ThreadedCompleter`` passes completions one by one through a queue the event loop drains:
    with 10,000 container names that cost the loop ~100 ms a key, and the key's echo waited for it. Here the
    loop gets one finished list. The wrapped completer keeps it short while typing (``DshellCompleter``'s
    ``typing_limit``, :data:`TYPING_LIMIT`): a menu shows a dozen, and each redraw measures the width of every
    entry (500 entries: ~6 ms a key). The worker runs with the prompt's context (``get_app()`` works in it).
    """

    async def get_completions_async(
        self, document: Document, complete_event: CompleteEvent
    ) -> AsyncGenerator[Completion, None]:
        def compute() -> list[Completion]:
            return list(self.completer.get_completions(document, complete_event))

        for completion in await run_in_executor_with_context(compute):
            yield completion


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
