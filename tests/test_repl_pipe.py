"""The REPL driven in-process through prompt-toolkit's pipe input and ``DummyOutput`` (no terminal needed)."""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from dshell.core.commands import Command, option
from dshell.output.results import Text

SECRET = "hunter2-not-for-history"


def fake_login(inv: Any) -> Text:
    return Text(f"logged in as {inv.args.username}")


@pytest.fixture
def repl_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("TERM", "xterm")
    return tmp_path / "data" / "dshell" / "history"


@pytest.fixture
def session(daemon: str) -> Iterator[Any]:
    from dshell.api.address import parse_address
    from dshell.core.session import Session
    from dshell.output.console import Console

    out, err = io.StringIO(), io.StringIO()
    s = Session(parse_address(daemon), console=Console(stdout=out, stderr=err, stdin=None, interactive=True))
    s.load_plugins()
    s.registry.add(
        Command(
            "fakelogin",
            fake_login,
            "Log in (test command carrying a secret)",
            options=(option("-u", "--username"), option("-p", "--password")),
            secret=True,
        )
    )
    s.start()
    yield s
    s.close()


def run_with_keys(session: Any, keys: str) -> int:
    from dshell.interactive.repl import run_repl

    with create_pipe_input() as inp:
        inp.send_text(keys)
        with create_app_session(input=inp, output=DummyOutput()):
            return run_repl(session)


def test_secret_lines_never_reach_the_history_file(session: Any, repl_env: Path) -> None:
    status = run_with_keys(session, f"fakelogin -u me -p {SECRET}\rversion\r\x04")
    assert status == 0
    out = session.console.stdout.getvalue()
    assert "logged in as me" in out and "API version:" in out
    text = repl_env.read_text()
    assert "+version" in text
    assert SECRET not in text and "fakelogin" not in text
    assert stat.S_IMODE(os.stat(repl_env).st_mode) == 0o600
    # an alias of a secret command is just as secret
    from dshell.core import aliases

    aliases.define(session.registry, "li", "fakelogin -u me")
    run_with_keys(session, f"li -p {SECRET}\r\x04")
    assert SECRET not in repl_env.read_text()


def test_ctrl_c_clears_the_line_and_ctrl_d_exits_0(session: Any, repl_env: Path) -> None:
    status = run_with_keys(session, "nosuchcommand\x03version\r\x04")
    assert status == 0
    err = session.console.stderr.getvalue()
    assert "nosuchcommand" not in err  # the line was dropped, not run
    assert "API version:" in session.console.stdout.getvalue()


def test_exit_status_and_did_you_mean(session: Any, repl_env: Path) -> None:
    status = run_with_keys(session, "versoin\rps --al\rexit 4\r")
    assert status == 4
    err = session.console.stderr.getvalue()
    assert "did you mean version" in err
    assert "unknown flag: --al (did you mean --all" in err


def test_history_size_limits_what_is_loaded(session: Any, repl_env: Path) -> None:
    from dshell.interactive.repl import SessionHistory

    run_with_keys(session, "version\rhelp\rinfo --help\r\x04")
    history = SessionHistory(repl_env, session, size=2)
    assert list(history.load_history_strings()) == ["info --help", "help"]


def test_ctrl_r_searches_history(session: Any, repl_env: Path) -> None:
    run_with_keys(session, "version\rhelp\r\x04")
    out = session.console.stdout
    start = len(out.getvalue())
    run_with_keys(session, "\x12versi\r\r\x04")  # Ctrl-R, a few letters, Enter ends the search, Enter runs
    assert "API version:" in out.getvalue()[start:]


def test_pager_is_opt_in(
    session: Any, repl_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dshell.output.results import Document

    class TTY(io.StringIO):
        def isatty(self) -> bool:
            return True

    paged = tmp_path / "paged"
    monkeypatch.setenv("PAGER", f"sh -c 'cat > {paged}'")
    monkeypatch.setenv("LINES", "10")
    monkeypatch.setenv("NO_COLOR", "1")
    session.console.stdout = TTY()
    long_doc = Document({f"key{i}": i for i in range(40)})
    session.renderers.get("table")(long_doc, session.render_context())
    assert not paged.exists() and "key39" in session.console.stdout.getvalue()  # off by default
    session.set("pager", "on")
    session.renderers.get("table")(Document({"short": 1}), session.render_context())
    assert not paged.exists()  # fits on the screen: printed
    session.renderers.get("table")(long_doc, session.render_context())
    assert '"key39": 39' in paged.read_text()
