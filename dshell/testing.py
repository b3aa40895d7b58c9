"""``dshell.testing``: a pytest plugin for dshell plugin authors (entry point ``pytest11``: ``dshell``).

Fixtures that run dshell command lines in-process against a real daemon and capture what they print::

    def test_hello(dshell_run):
        r = dshell_run("hello --json")
        assert r.status == 0, r.stderr
        assert r.json == [...]

- ``dshell_address``: the daemon: ``DSHELL_TEST_TCP``, else ``DOCKER_HOST``; the test is skipped without one.
- ``dshell_session``: a :class:`~dshell.core.session.Session` on it with every installed plugin loaded (the
  user's config file is not read), closed after the test.
- ``dshell_run(line)``: runs one line in that session (as the REPL or a script would) and returns a
  :class:`RunResult` (``status``, ``stdout``, ``stderr``, ``lines``, ``json``).
- ``dshell_docker(*args)``: the Docker CLI against the same daemon, for setting up and checking.

Importing this module costs nothing of dshell: the fixtures import it when a test uses them.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from dshell.core.session import Session

__all__ = ["RunResult", "Runner", "daemon_address"]


@dataclass(frozen=True)
class RunResult:
    """What one command line did: its exit ``status`` and what it wrote on ``stdout`` and ``stderr``."""

    line: str
    status: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        """``stdout`` split into lines."""
        return self.stdout.splitlines()

    @property
    def json(self) -> Any:
        """``stdout`` parsed as JSON (run the command with ``--json``); a failure names the line."""
        try:
            return json.loads(self.stdout)
        except ValueError as exc:
            raise AssertionError(
                f"{self.line!r} did not print JSON ({exc}); status {self.status}\n"
                f"stdout: {self.stdout[:500]!r}\nstderr: {self.stderr[:500]!r}"
            ) from None


def daemon_address() -> str | None:
    """The daemon the fixtures use: ``DSHELL_TEST_TCP``, else ``DOCKER_HOST``, else None."""
    return os.environ.get("DSHELL_TEST_TCP") or os.environ.get("DOCKER_HOST") or None


class Runner:
    """A session whose console writes into buffers: :meth:`run` returns what each line printed."""

    def __init__(self, address: str, *, disable: tuple[str, ...] = ()) -> None:
        from dshell.api.address import parse_address
        from dshell.core.pluginhost import PluginHost
        from dshell.core.session import Session
        from dshell.output.console import Console

        self._out = io.BytesIO()
        self._err = io.BytesIO()
        self.console = Console(
            stdout=io.TextIOWrapper(self._out, encoding="utf-8", write_through=True),
            stderr=io.TextIOWrapper(self._err, encoding="utf-8", write_through=True),
            stdin=None,
        )
        plugins = PluginHost(disabled=disable, warn=self.console.warn)
        self.session: Session = Session(parse_address(address), console=self.console, plugins=plugins)
        self.session.load_plugins()
        self.session.start(config=False)

    def run(self, line: str) -> RunResult:
        """Run ``line`` (with ``dshell.core.runner.execute``, as the REPL does) and capture its output."""
        from dshell.core.runner import execute

        out_at, err_at = self._out.tell(), self._err.tell()
        status = execute(self.session, line)
        self.console.stdout.flush()
        self.console.stderr.flush()
        return RunResult(
            line,
            status,
            self._out.getvalue()[out_at:].decode("utf-8", "replace"),
            self._err.getvalue()[err_at:].decode("utf-8", "replace"),
        )

    def close(self) -> None:
        self.session.close()


@pytest.fixture
def dshell_address() -> str:
    """The daemon the dshell fixtures talk to (``DSHELL_TEST_TCP`` or ``DOCKER_HOST``); skips without one."""
    address = daemon_address()
    if not address:
        pytest.skip("no daemon: set DSHELL_TEST_TCP or DOCKER_HOST")
    return address


@pytest.fixture
def dshell_runner(dshell_address: str) -> Iterator[Runner]:
    """A :class:`Runner`: an in-process session on the daemon with every installed plugin loaded."""
    runner = Runner(dshell_address)
    try:
        yield runner
    finally:
        runner.close()


@pytest.fixture
def dshell_session(dshell_runner: Runner) -> Session:
    """The runner's :class:`~dshell.core.session.Session`."""
    return dshell_runner.session


@pytest.fixture
def dshell_run(dshell_runner: Runner) -> Callable[[str], RunResult]:
    """``dshell_run(line)`` runs one dshell command line and returns its :class:`RunResult`."""
    return dshell_runner.run


@pytest.fixture
def dshell_docker(dshell_address: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``dshell_docker(*args, check=True)``: the Docker CLI against the same daemon (skips without it)."""
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("the docker CLI is not on PATH")

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [docker, "-H", dshell_address, *args], capture_output=True, text=True, check=check, timeout=120
        )

    return run
