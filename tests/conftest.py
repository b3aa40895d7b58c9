"""Shared fixtures: the real test daemon, unique name prefixes with cleanup, and ways to run dshell."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import daemonapi
import pytest

TCP = os.environ.get("DSHELL_TEST_TCP", "")
UNIX = os.environ.get("DSHELL_TEST_UNIX", "unix:///var/run/docker.sock")
IMAGE = os.environ.get("DSHELL_TEST_IMAGE", "dshell-test/busybox:latest")
REGISTRY = os.environ.get("DSHELL_TEST_REGISTRY", "")
DSHELL = str(Path(sys.executable).with_name("dshell"))


def http_base() -> str:
    return "http://" + TCP.removeprefix("tcp://")


def need_daemon() -> None:
    if not TCP:
        pytest.skip("DSHELL_TEST_TCP is not set (run the tests with scripts/test.sh)")


@pytest.fixture
def daemon() -> str:
    """The test daemon's tcp address (tests that need it are skipped without it)."""
    need_daemon()
    return TCP


@pytest.fixture
def api() -> Iterator[daemonapi.Session]:
    """A plain stdlib HTTP session on the test daemon, for checking dshell against the daemon's own state."""
    need_daemon()
    s = daemonapi.Session()
    yield s
    s.close()


def docker(*args: str, check: bool = True, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run the Docker CLI against the test daemon."""
    need_daemon()
    return subprocess.run(
        ["docker", "-H", TCP, *args], capture_output=True, check=check, input=input, timeout=120
    )


@pytest.fixture
def prefix(api: daemonapi.Session) -> Iterator[str]:
    """A unique name prefix; every container, image tag, volume and network named with it is removed after."""
    name = f"dshtest-{uuid.uuid4().hex[:8]}"
    yield name
    base = http_base()
    for c in api.get(f"{base}/containers/json", params={"all": 1}).json():
        if any(n.lstrip("/").startswith(name) for n in c.get("Names") or []):
            api.delete(f"{base}/containers/{c['Id']}", params={"force": 1, "v": 1})
    for img in api.get(f"{base}/images/json").json():
        for tag in img.get("RepoTags") or []:
            if name in tag:
                api.delete(f"{base}/images/{tag}", params={"force": 1})
    for v in api.get(f"{base}/volumes").json().get("Volumes") or []:
        if v["Name"].startswith(name):
            api.delete(f"{base}/volumes/{v['Name']}", params={"force": 1})
    for n in api.get(f"{base}/networks").json():
        if n["Name"].startswith(name):
            api.delete(f"{base}/networks/{n['Id']}")


@dataclass
class Run:
    status: int
    out: str
    err: str


def run_dshell(
    *args: str, input: str | None = None, env: dict[str, str] | None = None, timeout: float = 60
) -> Run:
    """Run the installed ``dshell`` console script as a user would."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        [DSHELL, *args],
        check=False,
        input=input,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        stdin=None if input is not None else subprocess.DEVNULL,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def sh() -> type[Run]:
    return Run


class Captured:
    """An in-process session on the test daemon with captured stdout/stderr."""

    def __init__(self, address: str) -> None:
        from dshell.api.address import parse_address
        from dshell.core.session import Session
        from dshell.output.console import Console

        self.out_bytes = io.BytesIO()
        self.err_bytes = io.BytesIO()
        out = io.TextIOWrapper(self.out_bytes, encoding="utf-8", write_through=True)
        err = io.TextIOWrapper(self.err_bytes, encoding="utf-8", write_through=True)
        self.console = Console(stdout=out, stderr=err, stdin=None)
        self.session = Session(parse_address(address), console=self.console)
        self.session.load_plugins()
        self.session.start()

    def run(self, line: str) -> Run:
        from dshell.core.runner import execute

        start_out, start_err = self.out_bytes.tell(), self.err_bytes.tell()
        status = execute(self.session, line)
        self.console.stdout.flush()
        self.console.stderr.flush()
        out = self.out_bytes.getvalue()[start_out:].decode()
        err = self.err_bytes.getvalue()[start_err:].decode()
        return Run(status, out, err)


@pytest.fixture
def shell(daemon: str) -> Iterator[Captured]:
    cap = Captured(daemon)
    yield cap
    cap.session.close()


@pytest.fixture(scope="session")
def docker_cli() -> str:
    path = shutil.which("docker")
    if not path:
        pytest.skip("docker CLI not installed")
    return path


TLS_CERTS = Path(os.environ.get("DSHELL_TLS_CERTS", "/var/lib/dshell-tls-certs"))


@pytest.fixture(scope="session")
def tlsd() -> Path:
    """The private ``--tlsverify`` daemon on 127.0.0.1:2376 (scripts/tlsd.sh, started once, idempotently, as
    root); its certificate directory. Shared by the TLS and the docker-context tests."""
    if os.geteuid() != 0 or not shutil.which("dockerd"):
        pytest.skip("the TLS daemon needs root and dockerd")
    root = Path(__file__).resolve().parent.parent
    subprocess.run(["bash", str(root / "scripts" / "tlsd.sh")], check=True, capture_output=True, timeout=120)
    return TLS_CERTS
