"""The prompt-toolkit completer: :func:`dshell.completion.expect` decides the kind, sources give values."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from dshell.completion import Candidate, CompletionRequest, expect
from dshell.helptext import option_label

if TYPE_CHECKING:
    from dshell.session import Session


def rank(word: str, candidates: Iterable[Candidate]) -> list[Candidate]:
    """Prefix matches first (case-insensitive), then fuzzy (subsequence) matches; order kept within each."""
    low = word.lower()
    prefix, fuzzy = [], []
    for c in candidates:
        text = c.text.lower()
        if text.startswith(low):
            prefix.append(c)
        elif low and _subsequence(low, text):
            fuzzy.append(c)
    return prefix + fuzzy


def _subsequence(needle: str, hay: str) -> bool:
    it = iter(hay)
    return all(ch in it for ch in needle)


class DshellCompleter(Completer):
    """Commands, flags and values, all from the registry's declarations."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def candidates(self, text: str) -> tuple[str, list[Candidate]]:
        """The word being completed and its ranked candidates (testable without a terminal)."""
        registry = self.session.registry
        exp = expect(registry, text)
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
            return exp.word, rank(exp.word, pool)
        if exp.kind == "flag" and exp.command is not None:
            pool = []
            for opt in exp.command.options:
                if opt.hidden:
                    continue
                for f in opt.flags:
                    pool.append(Candidate(f, opt.help or option_label(opt)))
            return exp.word, [c for c in pool if c.text.startswith(exp.word)]
        if exp.kind == "value":
            if exp.source == "choices" or (exp.choices and not exp.source):
                pool = [Candidate(c) for c in exp.choices]
            elif exp.source:
                request = CompletionRequest(self.session, command=exp.command, word=exp.word, words=exp.words)
                pool = self.session.completers.candidates(exp.source, request)
            else:
                pool = []
            return exp.word, rank(exp.word, pool)
        return exp.word, []

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        word, candidates = self.candidates(document.text_before_cursor)
        for c in candidates:
            yield Completion(c.text, start_position=-len(word), display_meta=c.meta or None)
