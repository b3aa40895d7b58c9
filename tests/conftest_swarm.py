"""Two private Docker daemons for the swarm tests (scripts/swarm.sh), as a session-scoped fixture.

``swarm_daemons`` starts them when needed (idempotent: a second run takes well under a second), makes sure
neither is in a swarm before the tests and after them, and leaves the daemons running for the next run. The
tests are skipped with the reason when the daemons cannot be had by a user who is not root; as root (CI)
that is a failure, unless ``DSHELL_REQUIRE_SWARM=0`` (``=1`` makes it one for anybody). Import the fixture
into a test module: ``from conftest_swarm import swarm_daemons``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "swarm.sh"
#: The nodes' sockets and the loopback addresses their swarm listeners use.
NODE_A = "unix:///run/dshell-swarm-a.sock"
NODE_B = "unix:///run/dshell-swarm-b.sock"
ADDR_A = "127.0.0.2"
ADDR_B = "127.0.0.3"


@dataclass(frozen=True)
class SwarmDaemons:
    a: str
    b: str
    addr_a: str
    addr_b: str


def _script(step: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), step],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def _unavailable(reason: str) -> None:
    """Skip, or fail where the daemons could be started (root, as in CI) unless DSHELL_REQUIRE_SWARM=0."""
    required = os.environ.get("DSHELL_REQUIRE_SWARM", "1" if os.geteuid() == 0 else "0")
    if required == "1":
        pytest.fail(f"swarm daemons unavailable (DSHELL_REQUIRE_SWARM=0 skips instead): {reason}")
    pytest.skip(f"swarm daemons unavailable: {reason}")


@pytest.fixture(scope="session")
def swarm_daemons() -> Iterator[SwarmDaemons]:
    """Two daemons outside any swarm: ``a`` and ``b`` (socket URLs), with ``addr_a``/``addr_b`` to listen on."""
    if not shutil.which("dockerd") or not shutil.which("docker"):
        _unavailable("dockerd/docker not installed")
    up = _script("up")
    if up.returncode != 0:
        if os.geteuid() != 0 and "needs root" in up.stderr:
            _unavailable("starting them needs root")
        _unavailable(f"scripts/swarm.sh up failed:\n{up.stdout}{up.stderr}")
    _script("reset")  # a run that was killed may have left a swarm behind
    yield SwarmDaemons(NODE_A, NODE_B, ADDR_A, ADDR_B)
    _script("reset")
