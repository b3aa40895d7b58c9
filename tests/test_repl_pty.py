"""End to end in a real pseudo-terminal: the installed console script, driven with pexpect, on the test daemon.

Screen output is full of escape codes on a real terminal type, so :class:`Term` strips them before matching;
what a test proves is checked on effects (a container really removed, a command's output) wherever it can be.
"""

from __future__ import annotations

import os
import re
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import DSHELL, IMAGE, docker

pexpect = pytest.importorskip("pexpect")

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[=>()][0-9A-Za-z]?|[\x08\r]")
SECRET = "s3cret-pty-password"
PLUGIN = """
from dshell.core.commands import Command, option
from dshell.core.hookspecs import hookimpl
from dshell.output.results import Text


def fakelogin(inv):
    return Text("logged in")


@hookimpl
def dshell_register_commands(registry):
    registry.add(Command("fakelogin", fakelogin, "Log in (test)", options=(option("-p", "--password"),),
                         secret=True))
"""


class Term:
    """A dshell in a pty; ``wait`` matches on the output with escape codes removed."""

    def __init__(self, env: dict[str, str], daemon: str, *, term: str = "xterm") -> None:
        full = {**os.environ, **env, "TERM": term, "PROMPT_TOOLKIT_NO_CPR": "1"}
        full.pop("NO_COLOR", None)
        self.child = pexpect.spawn(
            DSHELL, [daemon], env=full, encoding="utf-8", dimensions=(30, 140), timeout=15
        )
        self.raw = ""
        self.mark = 0

    def _pump(self, wait: float) -> None:
        try:
            self.raw += self.child.read_nonblocking(65536, timeout=wait)
        except pexpect.TIMEOUT:
            pass

    @property
    def text(self) -> str:
        return ANSI.sub("", self.raw)

    def wait(self, pattern: str, timeout: float = 15) -> str:
        """Wait until ``pattern`` (a regex) shows in the output after the last match; return what matched."""
        end = time.monotonic() + timeout
        while True:
            m = re.compile(pattern).search(self.text, self.mark)
            if m:
                self.mark = m.end()
                return m.group(0)
            if time.monotonic() > end or (not self.child.isalive() and not self._drain()):
                raise AssertionError(f"{pattern!r} not seen; output:\n{self.text[-1500:]}")
            self._pump(0.05)

    def _drain(self) -> bool:
        before = len(self.raw)
        try:
            self.raw += self.child.read_nonblocking(65536, timeout=0.2)
        except (pexpect.TIMEOUT, pexpect.EOF):
            pass
        return len(self.raw) > before

    def prompt(self) -> None:
        self.wait(r"2375>")

    def send(self, text: str) -> None:
        self.child.send(text)

    def exit_status(self) -> int:
        self.child.sendeof()
        self.child.expect(pexpect.EOF)
        self.raw += self.child.before or ""
        self.child.close()
        return int(self.child.exitstatus)

    def close(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    plugin_dir = tmp_path / "site"
    plugin_dir.mkdir()
    (plugin_dir / "fake_login_plugin.py").write_text(PLUGIN)
    info = plugin_dir / "fake_login_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-login-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[dshell]\nfakelogin = fake_login_plugin\n")
    return {
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "PYTHONPATH": str(plugin_dir),
    }


@pytest.fixture
def term(env: dict[str, str], daemon: str) -> Iterator[Term]:
    t = Term(env, daemon)
    yield t
    t.close()


def test_tab_completes_a_container_created_after_start(term: Term, prefix: str, api: object) -> None:
    term.prompt()
    term.send("rm \t")  # fills the name cache before the container exists
    time.sleep(0.5)
    name = f"{prefix}-late-arrival"
    docker("create", "--name", name, IMAGE, "true")
    time.sleep(1.0)  # the refresher has about a second to notice (a plain 2 s cache would still be stale)
    term.send(f"{prefix}-la")
    time.sleep(0.2)
    term.send("\t")
    time.sleep(0.3)
    term.send("\r")
    term.wait(rf"(?m)^{name}$")  # rm prints the name it removed: the completed one
    term.prompt()
    assert docker("inspect", name, check=False).returncode != 0, term.text[-800:]
    assert term.exit_status() == 0


def test_ctrl_c_stops_a_stream_and_the_prompt_still_works(term: Term, prefix: str) -> None:
    name = f"{prefix}-ticker"
    docker("run", "-d", "--name", name, IMAGE, "sh", "-c", "while true; do echo tick; sleep 0.2; done")
    term.prompt()
    term.send(f"logs -f {name}\r")
    term.wait(r"(?m)^tick$")  # whole output lines: the echoed command line has the name in it
    term.wait(r"(?m)^tick$")
    term.send("\x03")  # a signal only if the terminal is back in cooked mode while the command runs
    term.wait("interrupted")
    term.prompt()
    term.send("version\r")
    term.wait("API version:")
    term.prompt()
    assert term.exit_status() == 0


def test_history_is_recalled_in_a_second_session_and_secrets_are_not(
    env: dict[str, str], daemon: str
) -> None:
    first = Term(env, daemon)
    try:
        first.prompt()
        first.send(f"fakelogin -p {SECRET}\r")
        first.wait("logged in")
        first.prompt()
        first.send("version\r")
        first.wait("API version:")
        first.prompt()
        assert first.exit_status() == 0
    finally:
        first.close()
    history = Path(env["XDG_DATA_HOME"]) / "dshell" / "history"
    assert stat.S_IMODE(history.stat().st_mode) == 0o600
    text = history.read_text()
    assert "+version" in text and SECRET not in text
    second = Term(env, daemon)
    try:
        second.prompt()
        second.send("\x1b[A")  # Up: the last line of the previous session
        time.sleep(0.3)
        second.send("\r")
        second.wait("API version:")
        second.prompt()
        assert second.exit_status() == 0
    finally:
        second.close()


def test_dumb_terminal_gets_no_escape_codes(env: dict[str, str], daemon: str) -> None:
    t = Term(env, daemon, term="dumb")
    try:
        t.prompt()
        t.send("version\r")
        t.wait("API version:")
        t.prompt()
        t.send("ps --al\r")
        t.wait("did you mean --all")
        t.prompt()
        status = t.exit_status()
    finally:
        t.close()
    assert status == 0
    assert "\x1b[" not in t.raw and "\x1b]" not in t.raw, repr(t.raw[:400])


def test_tmux_shows_the_toolbar_and_completion_menu(env: dict[str, str], daemon: str, tmp_path: Path) -> None:
    """In a real terminal emulator (tmux answers cursor-position requests): toolbar and menu on screen."""
    import shutil
    import subprocess

    if not shutil.which("tmux"):
        pytest.skip("tmux not installed")
    sock = f"dshell-test-{os.getpid()}-{tmp_path.name}"[:60]
    exports = " ".join(f"{k}={v}" for k, v in env.items())
    command = f"env {exports} TERM=screen {DSHELL} {daemon}"

    def tmux(*args: str) -> str:
        return subprocess.run(["tmux", "-L", sock, *args], capture_output=True, text=True, check=True).stdout

    tmux("new-session", "-d", "-x", "150", "-y", "30", command)
    try:

        def screen_has(text: str, timeout: float = 10) -> str:
            end = time.monotonic() + timeout
            while True:
                shown = tmux("capture-pane", "-p")
                if text in shown:
                    return shown
                if time.monotonic() > end:
                    raise AssertionError(f"{text!r} not on screen:\n{shown}")
                time.sleep(0.1)

        screen_has("2375>", 15)  # the instant prompt (dshell.interactive.instant): type at once
        tmux("send-keys", "-t", "0", "version --format 'api={{.Server.ApiVersion}}'", "Enter")
        shown = screen_has("api=1.")
        typed = [line for line in shown.splitlines() if "version --format" in line]
        assert len(typed) == 1 and typed[0].startswith("dshell "), shown  # one prompt, one echo of the line
        assert shown.count("type 'help' for commands") == 1, shown
        shown = screen_has("containers │ output: table")
        assert re.search(r"│ \d+ running / \d+ containers", shown) and "API 1." in shown
        tmux("send-keys", "-t", "0", "ps --f")
        shown = screen_has("--filter")
        assert "Filter output" in shown  # the flag's help, as completion meta
        tmux("send-keys", "-t", "0", "C-u", "exit 3", "Enter")
        end = time.monotonic() + 10
        while (
            subprocess.run(["tmux", "-L", sock, "has-session"], check=False, capture_output=True).returncode
            == 0
        ):
            assert time.monotonic() < end, "dshell did not exit"
            time.sleep(0.1)
    finally:
        subprocess.run(["tmux", "-L", sock, "kill-server"], check=False, capture_output=True)


def test_instant_prompt_keeps_what_is_typed_before_the_editor_reads(term: Term) -> None:
    """The instant prompt (dshell.interactive.instant) is on the screen before prompt-toolkit is imported;
    a line typed at once waits in the terminal and runs once the line editor reads it."""
    term.prompt()  # the instant prompt: prompt-toolkit may not be imported yet
    term.send("version --format 'api={{.Server.ApiVersion}}'\r")
    term.wait(r"api=1\.\d+")
    term.prompt()
    assert term.text.count("api=1.") == 1, term.text[-800:]  # run once (the screen: the tmux test below)
    assert term.text.count("type 'help' for commands") == 1
    assert term.exit_status() == 0


def test_instant_prompt_gives_the_terminal_back_as_it_was(daemon: str, tmp_path: Path) -> None:
    """After a session, the terminal echoes and reads lines again (``stty -a`` before and after agree)."""
    script = f"stty -a > before.txt; {DSHELL} {daemon}; stty -a > after.txt\n"
    child = pexpect.spawn(
        "/bin/sh",
        ["-c", script],
        cwd=str(tmp_path),
        env={**os.environ, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"},
        encoding="utf-8",
        timeout=20,
    )
    child.expect(">")
    time.sleep(0.5)  # the line editor has taken over from the instant prompt
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    before, after = ((tmp_path / n).read_text() for n in ("before.txt", "after.txt"))
    assert before == after
    assert " echo " in f" {after} " and " icanon " in f" {after} ".replace(";", " ")
