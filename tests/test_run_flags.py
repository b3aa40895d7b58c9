"""`create`/`run` flags a Docker user reaches for (root filesystem, name resolution, tmpfs, security, stop and
health options) set the same container configuration as the Docker CLI's, and a health check can be waited on
from a script (``wait-until ${web.State.Health.Status} == healthy``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import IMAGE, TCP, docker, run_dshell

FLAGS = [
    "--read-only",
    "--add-host",
    "db.local:10.0.0.7",
    "--dns",
    "10.0.0.53",
    "--tmpfs",
    "/run:rw,size=1m",
    "--security-opt",
    "no-new-privileges",
    "--shm-size",
    "32m",
    "--stop-signal",
    "SIGUSR1",
    "--stop-timeout",
    "7",
    "--health-cmd",
    "true",
    "--health-interval",
    "1s",
    "--health-timeout",
    "2s",
    "--health-retries",
    "2",
    "--health-start-period",
    "500ms",
]


@pytest.fixture
def daemon() -> str:
    if not TCP:
        pytest.skip("DSHELL_TEST_TCP is not set")
    return TCP


def inspect(name: str) -> dict:  # type: ignore[type-arg]
    return json.loads(docker("inspect", name).stdout)[0]


def test_the_flags_set_what_the_cli_sets(daemon: str, prefix: str) -> None:
    r = run_dshell(daemon, "-c", f"create --name {prefix}-ours {' '.join(FLAGS)} {IMAGE} true")
    assert r.status == 0, r.err
    docker("create", "--name", f"{prefix}-theirs", *FLAGS, IMAGE, "true")
    ours, theirs = inspect(f"{prefix}-ours"), inspect(f"{prefix}-theirs")
    for key in ("ReadonlyRootfs", "ExtraHosts", "Dns", "Tmpfs", "SecurityOpt", "ShmSize"):
        assert ours["HostConfig"][key] == theirs["HostConfig"][key], key
    for key in ("StopSignal", "StopTimeout", "Healthcheck"):
        assert ours["Config"][key] == theirs["Config"][key], key


def test_a_script_waits_for_a_healthy_container(daemon: str, prefix: str, tmp_path: Path) -> None:
    script = tmp_path / "health.dsh"
    script.write_text(
        f"web := run -d --name {prefix}-h --health-cmd 'test -e /ready' --health-interval 200ms {IMAGE} "
        "sh -c 'sleep 1; touch /ready; sleep 60'\n"
        "defer rm -f $web\n"
        "wait-until ${web.State.Health.Status} == healthy --timeout 20s --interval 0.2s\n"
        "echo ${web.State.Health.Status}\n"
    )
    r = run_dshell(daemon, "-f", str(script))
    assert r.status == 0, r.err
    assert r.out.splitlines()[0] == "healthy"  # then the deferred rm's id


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ("--add-host nocolon", "expected HOST:IP"),
        ("--tmpfs relative", "the path must be absolute"),
        ("--health-interval soon", "invalid duration 'soon' for --health-interval"),
        ("--no-healthcheck --health-cmd true", "--no-healthcheck conflicts"),
    ],
)
def test_bad_values_are_usage_errors(daemon: str, flags: str, message: str) -> None:
    r = run_dshell(daemon, "-c", f"create {flags} {IMAGE} true")
    assert r.status == 2 and message in r.err, r
