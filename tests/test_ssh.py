"""``ssh://root@127.0.0.1:2222``: HTTP over ``ssh … docker system dial-stdio`` through a real sshd started by
scripts/sshd.sh (Debian's openssh-server, a key made for the test, docker on the far side's PATH)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import TCP, docker, run_dshell

ROOT = Path(__file__).resolve().parent.parent
URL = "ssh://root@127.0.0.1:2222"

pytestmark = pytest.mark.daemon


@pytest.fixture(scope="session")
def sshd() -> str:
    if os.geteuid() != 0 or not shutil.which("ssh"):
        pytest.skip("the test sshd needs root and the ssh client")
    if not TCP:
        pytest.skip("DSHELL_TEST_TCP is not set")
    subprocess.run(["bash", str(ROOT / "scripts" / "sshd.sh")], check=True, capture_output=True, timeout=300)
    return URL


def test_docker_cli_works_through_it(sshd: str) -> None:
    out = subprocess.run(
        ["docker", "-H", sshd, "version", "--format", "{{.Server.Version}}"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert out.strip()


def test_ps_and_version_over_ssh(sshd: str, prefix: str) -> None:
    docker("create", "--name", f"{prefix}-ssh", "dshell-test/busybox:latest", "true")
    r = run_dshell(sshd, "-c", f"ps -a -q --no-trunc --filter name={prefix}")
    assert r.status == 0, r.err
    assert (
        r.out.split()
        == docker("ps", "-a", "-q", "--no-trunc", "--filter", f"name={prefix}").stdout.decode().split()
    )
    r = run_dshell(sshd, "-c", "version --json")
    assert json.loads(r.out)["Server"]["Version"]


def test_streams_and_exec_over_ssh(sshd: str, prefix: str) -> None:
    docker(
        "run",
        "-d",
        "--name",
        f"{prefix}-s",
        "dshell-test/busybox:latest",
        "sh",
        "-c",
        "echo hello-ssh; sleep 60",
    )
    r = run_dshell(sshd, "-c", f"exec {prefix}-s echo over-ssh")
    assert r.status == 0 and r.out == "over-ssh\n", r.err
    r = run_dshell(sshd, "-c", f"exec -i {prefix}-s cat", input="piped\n", timeout=30)
    assert r.status == 0 and r.out == "piped\n", r.err
    r = run_dshell(sshd, "-c", f"logs {prefix}-s")
    assert r.out == "hello-ssh\n"


def test_refused_key_is_one_line(sshd: str) -> None:
    r = run_dshell("ssh://nobody@127.0.0.1:2222", "-c", "ps")
    assert r.status == 1 and r.out == ""
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and "ssh exited with status 255" in lines[0] and "Permission denied" in lines[0]


def test_ssh_daemon_in_a_fan_out(sshd: str, prefix: str) -> None:
    docker("create", "--name", f"{prefix}-f", "dshell-test/busybox:latest", "true")
    r = run_dshell(f"local={TCP}", f"far={sshd}", "-c", f"@all ps -a --filter name={prefix}")
    assert r.status == 0, r.err
    assert [ln.split()[0] for ln in r.out.splitlines()[1:]] == ["local", "far"]


def test_ssh_options_from_env(sshd: str) -> None:
    r = run_dshell(sshd, "-c", "ps", env={"DSHELL_SSH_OPTS": "-o ConnectTimeout=1 -p 2299"})
    assert r.status == 1 and "2299" in r.err  # DSHELL_SSH_OPTS reaches ssh (its -p comes before ours)
