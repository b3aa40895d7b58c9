"""The instant prompt (dshell.interactive.instant) on a real pseudo-terminal: what it writes, the terminal
modes it sets, and the terminal put back when it cannot write."""

from __future__ import annotations

import io
import os
import sys
import termios
from collections.abc import Iterator

import pytest

from dshell.api.address import parse_address
from dshell.core.session import Session
from dshell.interactive import instant


@pytest.fixture
def pty_io(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, int]]:
    master, slave = os.openpty()
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setattr(sys, "stdin", open(slave, encoding="utf-8", closefd=False))
    yield master, slave
    os.close(master)
    os.close(slave)


def _session() -> Session:
    return Session(parse_address("tcp://127.0.0.1:2375"))


def test_writes_greeting_and_prompt_and_queues_keys_unechoed(
    pty_io: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    master, slave = pty_io
    before = termios.tcgetattr(slave)
    monkeypatch.setattr(sys, "stdout", open(slave, "w", encoding="utf-8", closefd=False))
    shown = instant.show(_session())
    assert shown is not None
    quiet = termios.tcgetattr(slave)[3]
    assert not quiet & (termios.ECHO | termios.ICANON | termios.ISIG)
    os.write(master, b"ps\x03")  # typed meanwhile: queued, not echoed, Ctrl-C a key, not a signal
    screen = os.read(master, 4096).decode()
    assert instant.GREETING in screen and "dshell " in screen and "tcp://127.0.0.1:2375" in screen
    assert "ps" not in screen.split(instant.GREETING, 1)[1].replace("tcp://", "")
    shown.release()
    assert termios.tcgetattr(slave) == before
    assert os.read(slave, 100) == b"ps\x03"  # still there for the line editor


def test_terminal_put_back_when_the_text_cannot_be_written(
    pty_io: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, slave = pty_io
    before = termios.tcgetattr(slave)
    latin1 = io.TextIOWrapper(open(slave, "wb", closefd=False), encoding="latin-1")
    monkeypatch.setattr(sys, "stdout", latin1)  # the greeting's dash cannot be encoded
    assert instant.show(_session()) is None
    assert termios.tcgetattr(slave) == before


def test_no_instant_prompt_off_a_terminal_or_on_a_dumb_one(
    pty_io: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, slave = pty_io
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert instant.show(_session()) is None
    monkeypatch.setattr(sys, "stdout", open(slave, "w", encoding="utf-8", closefd=False))
    monkeypatch.setenv("TERM", "dumb")
    assert instant.show(_session()) is None
