"""Completion: the pure ``expect`` function, the prompt-toolkit completer on ``Document`` objects, live names
kept fresh by the background refresher (against the real daemon), and the per-keystroke cost."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import IMAGE, TCP, docker
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from dshell.api.address import parse_address
from dshell.core.commands import Command, argument, flag, option
from dshell.core.completion import Candidate, expect
from dshell.core.session import Session
from dshell.interactive.completer import DshellCompleter, rank
from dshell.interactive.refresher import Refresher, affected_kinds


def _noop(inv: Any) -> None:
    return None


@pytest.fixture(scope="module")
def session() -> Iterator[Session]:
    """A session with every plugin plus a command declaring file and choice completions."""
    s = Session(parse_address(TCP or "tcp://127.0.0.1:1"))
    s.load_plugins()
    s.registry.add(
        Command(
            "fakecp",
            _noop,
            "Copy files (test command)",
            options=(
                option("-o", "--output", help="Write to a file", complete="file"),
                option("--mode", help="How", choices=("fast", "slow", "Careful")),
                flag("-q", "--quiet", help="Say nothing"),
            ),
            arguments=(argument("src", "source file", complete="file"),),
        )
    )
    yield s
    s.close()


def completions(session: Session, text: str) -> list[tuple[str, str, int]]:
    """``(text inserted, meta, start position)`` for the cursor at the end of ``text``."""
    comp = DshellCompleter(session)
    out = []
    for c in comp.get_completions(Document(text), CompleteEvent(completion_requested=True)):
        out.append((c.text, c.display_meta_text, c.start_position))
    return out


def texts(session: Session, text: str) -> list[str]:
    return [t for t, _, _ in completions(session, text)]


# -- expect() ------------------------------------------------------------------------------------------


def test_expect_kinds(session: Session) -> None:
    reg = session.registry
    assert expect(reg, "").kind == "command"
    assert expect(reg, "p").kind == "command"
    e = expect(reg, "container ")
    assert e.kind == "command" and e.typed == ["container"]
    e = expect(reg, "fakecp -")
    assert e.kind == "flag" and e.command is not None and e.command.name == "fakecp"
    e = expect(reg, "fakecp --mode ")
    assert e.kind == "value" and e.source == "choices" and "slow" in e.choices
    e = expect(reg, "fakecp --output=/tm")
    assert (e.kind, e.source, e.word, e.start) == ("value", "file", "/tm", len("fakecp --output="))
    e = expect(reg, "fakecp -q sr")
    assert (e.kind, e.source, e.word, e.start) == ("value", "file", "sr", len("fakecp -q "))
    e = expect(reg, "rm -f ")
    assert e.kind == "value" and e.source == "container"


def test_expect_after_the_image_of_a_non_interspersed_command(session: Session) -> None:
    # ``create IMAGE CMD -l``: the -l belongs to the container's command, it is not a create flag
    e = expect(session.registry, "create busybox ls -")
    assert e.kind != "flag"


# -- the prompt-toolkit completer --------------------------------------------------------------------------


def test_commands_with_summary_as_meta(session: Session) -> None:
    got = completions(session, "vers")
    assert got[0][0] == "version" and "versions" in got[0][1]
    assert got[0][2] == -4


def test_multi_word_subcommands(session: Session) -> None:
    got = texts(session, "container ")
    assert "ls" in got and "rm" in got
    assert {"ls", "list", "logs"} <= set(texts(session, "container l"))


def test_flags_with_help_as_meta_and_used_flags_left_out(session: Session) -> None:
    got = completions(session, "fakecp -")
    flags = [t for t, _, _ in got]
    assert "--output" in flags and "-o" in flags and "--help" in flags
    assert dict((t, m) for t, m, _ in got)["--quiet"] == "Say nothing"
    assert "--quiet" not in texts(session, "fakecp -q -")
    assert texts(session, "fakecp --ou") == ["--output"]


def test_choice_values_case_insensitive(session: Session) -> None:
    assert texts(session, "fakecp --mode ") == ["fast", "slow", "Careful"]
    assert texts(session, "fakecp --mode car") == ["Careful"]
    assert {"json", "table"} <= set(texts(session, "set output "))
    assert texts(session, "set color ") == ["on", "off"]
    assert "table_format" in texts(session, "set tab")


def test_file_paths(session: Session, tmp_path: Path) -> None:
    (tmp_path / "alpha.txt").write_text("a")
    (tmp_path / "my file.txt").write_text("b")
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").write_text("c")
    base = str(tmp_path) + "/"
    got = completions(session, f"fakecp {base}")
    inserted = [t for t, _, _ in got]
    assert base + "alpha.txt" in inserted and base + "sub/" in inserted
    assert not any(".hidden" in t for t in inserted)
    assert "'" + base + "my file.txt'" in inserted  # quoted so the line still parses
    assert all(start == -len(base) for _, _, start in got)
    assert texts(session, f"fakecp -o {base}al") == [base + "alpha.txt"]
    assert texts(session, f"fakecp --output={base}su") == [base + "sub/"]
    assert any(".hidden" in t for t in texts(session, f"fakecp {base}."))


def test_rank_prefix_first_then_fuzzy_case_insensitive() -> None:
    pool = [Candidate(t) for t in ("web-backend", "Backup", "db", "bxaxcxk", "backend")]
    assert [c.text for c in rank("back", pool)] == ["Backup", "backend", "web-backend", "bxaxcxk"]
    assert [c.text for c in rank("", pool)] == [c.text for c in pool]
    assert rank("zz", pool) == []


def test_aliases_complete_like_their_command(session: Session) -> None:
    from dshell.core import aliases

    aliases.define(session.registry, "fakealias", "fakecp --mode fast")
    try:
        assert "fakealias" in texts(session, "fakeal")
        got = texts(session, "fakealias --")
        assert "--output" in got and "--mode" not in got  # --mode is given by the alias already
    finally:
        aliases.remove(session.registry, "fakealias")
    assert "fakealias" not in texts(session, "fakeal")


# -- live names, kept fresh by the refresher ---------------------------------------------------------------


def wait_for(predicate: Any, timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.01)
    raise AssertionError(f"not within {timeout} s")


def test_refresher_offers_new_names_within_a_second(daemon: str, prefix: str) -> None:
    s = Session(parse_address(daemon))
    s.load_plugins()
    refresher = Refresher(s.daemon).start()
    try:
        wait_for(lambda: refresher.rounds > 0 and refresher.status.connected, 10)
        assert s.names.live
        name = f"{prefix}-fresh"
        docker("create", "--name", name, IMAGE, "true")
        took = wait_for(lambda: name in texts(s, f"rm {prefix}-fr"), 1.5)
        assert took < 1.5
        # by state: a created container is not running
        assert name not in texts(s, f"stop {prefix}")
        assert name in texts(s, f"start {prefix}")
        docker("network", "create", f"{prefix}-net")
        docker("volume", "create", f"{prefix}-vol")
        wait_for(
            lambda: f"{prefix}-net" in [c.text for c in s.completers.candidates("network", _req(s))], 1.5
        )
        wait_for(lambda: f"{prefix}-vol" in [c.text for c in s.completers.candidates("volume", _req(s))], 1.5)
        docker("rm", name)
        wait_for(lambda: name not in texts(s, f"rm {prefix}-fr"), 1.5)
        assert refresher.status.total is not None and refresher.status.engine
    finally:
        refresher.stop()
        s.close()
    assert not s.names.live


def _req(s: Session) -> Any:
    from dshell.core.completion import CompletionRequest

    return CompletionRequest(s)


def test_affected_kinds() -> None:
    assert affected_kinds({"Type": "container", "Action": "create"}) == {"containers", "volumes"}
    assert affected_kinds({"Type": "container", "Action": "start"}) == {"containers"}
    assert affected_kinds({"Type": "container", "Action": "exec_start: sh"}) == set()
    assert affected_kinds({"Type": "network", "Action": "connect"}) == {"networks"}
    assert affected_kinds({"Type": "daemon", "Action": "reload"}) == set()


def test_completion_from_the_cache_with_1000_containers() -> None:
    """With 1,000 containers cached, completion is served from the cache alone (nothing listens at the
    address: any network call would fail) and finds the right names. Its speed is a target of the bench
    (bench/run.py, case 6), not a timed assert here: a loaded CI machine would make that flaky."""
    s = Session(parse_address("tcp://127.0.0.1:1"))
    s.load_plugins()
    states = ("running", "exited", "created", "paused")
    items = [
        {
            "Id": f"{i:064x}",
            "Names": [f"/svc-{i:04d}-worker"],
            "Image": IMAGE,
            "State": states[i % 4],
            "Status": "Up 3 minutes" if i % 4 == 0 else "Exited (0) 1 hour ago",
        }
        for i in range(1000)
    ]
    s.names.put("containers", items)
    s.names.live = True
    comp = DshellCompleter(s)

    def names(line: str) -> list[str]:
        return [c.text for c in comp.get_completions(Document(line), CompleteEvent())]

    assert len(names("rm ")) >= 1000 - 1
    assert set(names("rm svc-05")) >= {f"svc-05{i:02d}-worker" for i in range(100)}
    prefixed = names("rm svc-05")
    assert prefixed[:100] == [f"svc-05{i:02d}-worker" for i in range(100)]  # prefix matches first
    assert all(n.startswith("svc-") for n in prefixed[100:])  # then fuzzy ones
    assert "svc-0599-worker" in names("rm s5w")  # fuzzy: s, 5, w in order
    running = names("stop svc-0")
    assert "svc-0500-worker" in running and "svc-0501-worker" not in running  # 501 has exited
    assert names("logs -f svc-09")[0] == "svc-0900-worker"
    assert "svc-0101-worker" in names("start SVC-1")  # case-insensitive


def test_after_a_daemon_target(session: Session) -> None:
    assert texts(session, "@def") == ["@default"]
    got = completions(session, "@default fakecp --mo")
    assert got == [("--mode", "How", -4)]
    assert "version" in texts(session, "@default vers")
