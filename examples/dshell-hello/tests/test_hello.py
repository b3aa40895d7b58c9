"""The hello plugin's own tests, with the fixtures of dshell's pytest plugin (``dshell.testing``).

Run them against a daemon: ``DOCKER_HOST=unix:///var/run/docker.sock pytest`` (``DSHELL_TEST_TCP`` wins);
``DSHELL_TEST_IMAGE`` names a small image to create containers from (default ``busybox:latest``).
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable, Iterator

import pytest

from dshell.testing import RunResult

IMAGE = os.environ.get("DSHELL_TEST_IMAGE", "busybox:latest")
Docker = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def names(dshell_docker: Docker) -> Iterator[str]:
    """A unique name prefix with two containers made from it (removed after the test)."""
    prefix = f"hello-{uuid.uuid4().hex[:8]}"
    for suffix in ("one", "two"):
        dshell_docker("create", "--name", f"{prefix}-{suffix}", IMAGE, "true")
    yield prefix
    dshell_docker("rm", "-f", f"{prefix}-one", f"{prefix}-two", check=False)


def test_hello_greets_the_containers_with_a_prefix(
    dshell_run: Callable[[str], RunResult], names: str
) -> None:
    r = dshell_run(f"hello {names}")
    assert r.status == 0, r.stderr
    assert r.lines[0] == "GREETING"
    assert sorted(r.lines[1:]) == [f"hello {names}-one", f"hello {names}-two"]  # newest first, as ps


def test_upper_filters_first_then_shouts(dshell_run: Callable[[str], RunResult], names: str) -> None:
    r = dshell_run(f"hello -u {names}")
    assert r.status == 0, r.stderr
    shout = names.upper()
    assert r.lines[0] == "GREETING"
    assert sorted(r.lines[1:]) == [f"hello {shout}-ONE", f"hello {shout}-TWO"]


def test_json_output(dshell_run: Callable[[str], RunResult], names: str) -> None:
    r = dshell_run(f"hello {names}-one --json")
    assert r.status == 0, r.stderr
    assert r.json == [{"GREETING": f"hello {names}-one"}]


def test_hello_is_listed_as_a_third_party_plugin(dshell_run: Callable[[str], RunResult]) -> None:
    row = next(x for x in dshell_run("plugins").lines if x.startswith("hello"))
    assert "dshell-hello" in row and "third-party" in row and "register_commands" in row


def test_a_bad_option_is_a_usage_error(dshell_run: Callable[[str], RunResult]) -> None:
    r = dshell_run("hello --shout")
    assert r.status == 2 and "Usage error" in r.stderr
