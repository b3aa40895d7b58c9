"""Raw requests on a real terminal (pexpect): Ctrl-C ends a follow stream, not the shell; colour; no binary."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pexpect
import pytest
from conftest import DSHELL, IMAGE, TCP, docker


def spawn(*args: str, home: Path) -> pexpect.spawn:
    env = {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", "XDG_DATA_HOME": str(home)}
    env.pop("NO_COLOR", None)
    return pexpect.spawn(DSHELL, [TCP, *args], env=env, timeout=20, encoding="utf-8", dimensions=(40, 200))


@pytest.fixture
def ticker(daemon: str, prefix: str) -> str:
    name = f"{prefix}-tick"
    docker("run", "-d", "--name", name, IMAGE, "sh", "-c", "while true; do echo tick; sleep 0.2; done")
    return name


def test_ctrl_c_ends_a_follow_stream(ticker: str, tmp_path: Path) -> None:
    child = spawn("-c", f"get /containers/{ticker}/logs?follow=1&stdout=1&tail=0", home=tmp_path)
    child.expect("tick")
    child.expect("tick")  # still arriving: a live stream
    child.sendintr()
    child.expect("interrupted")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130


def test_ctrl_c_returns_to_the_prompt(ticker: str, tmp_path: Path) -> None:
    child = spawn(home=tmp_path)
    prompt = re.escape(TCP) + r"(\x1b\[[0-9;]*m)*>"  # the prompt is styled
    child.expect(prompt)
    child.sendline(f"get /containers/{ticker}/logs?follow=1&stdout=1&tail=1")
    for _ in range(6):  # ~1 s: the prompt hands the terminal back (out of raw mode) a moment after Enter
        child.expect("tick")
    child.sendintr()
    child.expect("interrupted")
    child.expect(prompt)
    child.sendline("get /_ping")
    child.expect("OK")
    child.expect(prompt)
    child.sendline("exit")
    child.expect(pexpect.EOF)


def test_terminal_gets_colour_and_no_binary(ticker: str, tmp_path: Path) -> None:
    child = spawn("-c", "get /version", home=tmp_path)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "\x1b[" in (child.before or "") and "ApiVersion" in (child.before or "")
    now = int(time.time())
    child = spawn("-c", f"get /events?since={now - 30}&until={now + 1}", home=tmp_path)  # a stream: each line
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    lines = [line for line in (child.before or "").splitlines() if ticker in line]
    assert lines and all(line.startswith("{\x1b[") for line in lines)
    child = spawn("-c", f"get /containers/{ticker}/export", home=tmp_path)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert "refusing to write" in (child.before or "") and "-o FILE" in (child.before or "")
