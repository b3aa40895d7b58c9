"""Container streams against the real daemon: logs, exec, attach, interactive sessions through a pty.

stdout and stderr are checked separately (dshell runs as a subprocess), exit statuses are the container's
or the exec'd command's, and interactive sessions are driven through a real pseudo-terminal with pexpect.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from typing import Any

import daemonapi
import pytest
from conftest import DSHELL, IMAGE, TCP, docker, http_base, run_dshell

pexpect = pytest.importorskip("pexpect")


def inspect(api: daemonapi.Session, name: str) -> dict[str, Any]:
    return dict(api.get(f"{http_base()}/containers/{name}/json").json())


def spawn(line: str, **kw: Any) -> Any:
    env = {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1"}
    return pexpect.spawn(DSHELL, [TCP, "-c", line], env=env, timeout=15, dimensions=(24, 80), **kw)


def wait_for_log(name: str, text: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = docker("logs", name).stdout.decode()
        if text in out:
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never appeared in the logs of {name}")


# -- logs --------------------------------------------------------------------------------------------------


def test_logs_separates_stdout_and_stderr(daemon: str, prefix: str) -> None:
    name = f"{prefix}-l"
    docker("run", "--name", name, IMAGE, "sh", "-c", "echo o1; echo e1 >&2; echo o2; printf 'no-newline' >&2")
    r = run_dshell(daemon, "-c", f"logs {name}")
    assert r.status == 0
    assert r.out == "o1\no2\n" and r.err == "e1\nno-newline"
    cli = docker("logs", name)
    assert r.out.encode() == cli.stdout and r.err.encode() == cli.stderr
    # which two lines are last depends on how the daemon interleaved the two streams in its log file, so
    # compare with the CLI reading the same file
    r = run_dshell(daemon, "-c", f"logs --tail 2 {name}")
    cli = docker("logs", "--tail", "2", name)
    assert (r.out.encode(), r.err.encode()) == (cli.stdout, cli.stderr)
    assert len((r.out + r.err).replace("no-newline", "x\n").splitlines()) == 2
    r = run_dshell(daemon, "-c", f"container logs -n 0 {name}")
    assert r.out == "" and r.err == ""
    r = run_dshell(daemon, "-c", f"logs -t {name}")
    stamp, _, text = r.out.splitlines()[0].partition(" ")
    assert text == "o1" and stamp.endswith("Z") and stamp[:4].isdigit()
    r = run_dshell(daemon, "-c", f"logs --since 10m --until 2099-01-01T00:00:00Z {name}")
    assert r.out == "o1\no2\n"
    r = run_dshell(daemon, "-c", f"logs --since 2099-01-01 {name}")
    assert r.out == "" and r.status == 0
    r = run_dshell(daemon, "-c", f"logs --until 1h {name}")
    assert r.out == ""
    r = run_dshell(daemon, "-c", f"logs --since yesterday {name}")
    assert r.status == 2 and "--since" in r.err
    r = run_dshell(daemon, "-c", f"logs --details {name}")
    assert r.status == 0 and "o1" in r.out


def test_logs_of_a_tty_container_are_raw(daemon: str, prefix: str) -> None:
    name = f"{prefix}-tty"
    docker("run", "-t", "--name", name, IMAGE, "sh", "-c", "echo out; echo err >&2")
    proc = subprocess.run(
        [DSHELL, daemon, "-c", f"logs {name}"], capture_output=True, check=False, timeout=30
    )
    assert proc.returncode == 0
    assert proc.stdout == b"out\r\nerr\r\n" == docker("logs", name).stdout
    assert proc.stderr == b""


def test_logs_follow_ends_when_the_container_stops(daemon: str, prefix: str) -> None:
    name = f"{prefix}-f"
    docker("run", "-d", "--name", name, IMAGE, "sh", "-c", "echo before; sleep 1.5; echo after >&2; exit 0")
    start = time.monotonic()
    r = run_dshell(daemon, "-c", f"logs -f {name}", timeout=20)
    assert r.status == 0
    assert r.out == "before\n" and r.err == "after\n"
    assert time.monotonic() - start < 10


def test_large_logs_stream_intact(daemon: str, prefix: str) -> None:
    name = f"{prefix}-big"
    docker("run", "--name", name, IMAGE, "sh", "-c", "seq 1 200000; seq 1 1000 >&2")
    proc = subprocess.run(
        [DSHELL, daemon, "-c", f"logs {name}"], capture_output=True, check=False, timeout=60
    )
    cli = docker("logs", name)
    assert proc.returncode == 0
    assert proc.stdout == cli.stdout and proc.stderr == cli.stderr
    assert proc.stdout.count(b"\n") == 200000


def test_ctrl_c_ends_logs_follow(prefix: str) -> None:
    name = f"{prefix}-cc"
    docker("run", "-d", "--name", name, IMAGE, "sh", "-c", "echo ready; sleep 60")
    wait_for_log(name, "ready")
    child = spawn(f"logs -f {name}")
    child.expect("ready")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert json.loads(docker("inspect", name).stdout)[0]["State"]["Running"]


# -- exec --------------------------------------------------------------------------------------------------


def test_exec_status_and_streams(daemon: str, prefix: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    name = f"{prefix}-x"
    docker("run", "-d", "--name", name, IMAGE, "sleep", "60")
    r = run_dshell(daemon, "-c", f'exec {name} sh -c "exit 3"')
    assert r.status == 3 and r.out == "" and r.err == ""
    r = run_dshell(daemon, "-c", f"exec {name} sh -c 'echo to-out; echo to-err >&2; exit 0'")
    assert r.status == 0 and r.out == "to-out\n" and r.err == "to-err\n"
    script = tmp_path / "s.dsh"
    script.write_text(f"exec {name} true\nexec {name} sh -c 'exit 3'\nexec {name} touch /tmp/not-reached\n")
    r = run_dshell(daemon, "-f", str(script))
    assert r.status == 1 and r.err.startswith(f"{script}:2: ")
    assert docker("exec", name, "test", "-e", "/tmp/not-reached", check=False).returncode == 1
    r = run_dshell(daemon, "-c", f"exec {name} no-such-binary")
    assert r.status != 0 and "Traceback" not in r.err


def test_exec_options(daemon: str, prefix: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    name = f"{prefix}-xo"
    docker("run", "-d", "--name", name, IMAGE, "sleep", "60")
    env_file = tmp_path / "env"
    env_file.write_text("FILE_VAR=from-file\n")
    r = run_dshell(
        daemon,
        "-c",
        f"exec -e 'A=x  y' --env-file {env_file} -w /tmp -u 1234:5 {name} "
        "sh -c 'echo \"$A|$FILE_VAR|$(pwd)|$(id -u):$(id -g)\"'",
    )
    assert r.status == 0 and r.out == "x  y|from-file|/tmp|1234:5\n"
    r = run_dshell(daemon, "-c", f"exec -d {name} sh -c 'sleep 0.2; touch /tmp/detached'")
    assert r.status == 0 and r.out == ""
    deadline = time.monotonic() + 10
    while docker("exec", name, "test", "-e", "/tmp/detached", check=False).returncode != 0:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    r = run_dshell(daemon, "-c", f"exec -i {name} sh -c 'tr a-z A-Z; echo done >&2'", input="hello\nworld\n")
    assert r.status == 0 and r.out == "HELLO\nWORLD\n" and r.err == "done\n"
    r = run_dshell(daemon, "-c", f"exec -t {name} sh -c 'echo tty'")
    assert r.status == 0 and r.out.strip() == "tty"
    r = run_dshell(daemon, "-c", f"exec -it {name} sh")  # no terminal on stdin
    assert r.status == 1 and "not a TTY" in r.err
    r = run_dshell(daemon, "-c", f"exec {name}")
    assert r.status == 2
    docker("stop", "-t", "0", name)
    r = run_dshell(daemon, "-c", f"exec {name} true")
    assert r.status == 1 and "is not running" in r.err


def test_interactive_exec_through_a_pty(prefix: str) -> None:
    name = f"{prefix}-it"
    docker("run", "-d", "--name", name, IMAGE, "sleep", "60")
    child = spawn(f"exec -it {name} sh")
    child.expect(r"[#$] ")
    child.sendline("echo $((6*7))")
    child.expect("42")
    child.sendline("stty size")
    child.expect("24 80")
    child.setwinsize(33, 101)  # SIGWINCH: the exec's pty follows
    time.sleep(0.3)
    child.sendline("stty size")
    child.expect("33 101")
    child.sendline("exit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_interactive_run_exit_status(prefix: str, api) -> None:  # type: ignore[no-untyped-def]
    child = spawn(f"run -it --name {prefix}-rit {IMAGE} sh")
    child.expect(r"[#$] ")
    child.sendline("echo $((6*8))")
    child.expect("48")
    child.sendline("exit 4")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 4
    assert inspect(api, f"{prefix}-rit")["State"]["ExitCode"] == 4


# -- attach ------------------------------------------------------------------------------------------------


def test_attach_detach_keys_leave_it_running(prefix: str, api) -> None:  # type: ignore[no-untyped-def]
    name = f"{prefix}-at"
    docker("run", "-d", "-it", "--name", name, IMAGE, "sh")
    child = spawn(f"attach {name}")
    time.sleep(0.3)
    child.sendline("echo $((7*7))")
    child.expect("49")
    child.send("\x10\x11")  # Ctrl-P Ctrl-Q
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert inspect(api, name)["State"]["Running"]


def test_attach_streams_until_exit(daemon: str, prefix: str) -> None:
    name = f"{prefix}-ae"
    docker("run", "-d", "--name", name, IMAGE, "sh", "-c", "sleep 1; echo bye; echo err >&2; exit 7")
    r = run_dshell(daemon, "-c", f"attach {name}", timeout=20)
    assert r.status == 7 and r.out == "bye\n" and r.err == "err\n"
    r = run_dshell(daemon, "-c", f"attach {name}")
    assert r.status == 1 and "start it first" in r.err


def test_attach_ctrl_c_detaches_unless_sig_proxy(prefix: str, api) -> None:  # type: ignore[no-untyped-def]
    name = f"{prefix}-sp"
    docker(
        "run",
        "-d",
        "--name",
        name,
        IMAGE,
        "sh",
        "-c",
        "trap 'echo got-int; exit 8' INT; echo ready; while true; do sleep 0.1; done",
    )
    wait_for_log(name, "ready")
    child = spawn(f"attach {name}")
    time.sleep(0.5)
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert inspect(api, name)["State"]["Running"]
    child = spawn(f"attach --sig-proxy {name}")
    time.sleep(0.5)
    child.sendintr()
    child.expect("got-int")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 8
    assert inspect(api, name)["State"]["ExitCode"] == 8


def test_hijack_reports_the_daemon_error_and_works_on_unix(prefix: str) -> None:
    from conftest import UNIX

    from dshell.api import containers as api
    from dshell.api import exec as exec_api
    from dshell.api.address import parse_address
    from dshell.api.client import DockerClient
    from dshell.errors import NotFound

    name = f"{prefix}-hj"
    docker("run", "-d", "--name", name, IMAGE, "sleep", "60")
    for address in (TCP, UNIX):
        client = DockerClient(parse_address(address))
        try:
            with pytest.raises(NotFound, match="No such exec instance"):
                exec_api.start_exec(client, f"no-such-{prefix}")
            with pytest.raises(NotFound, match="No such container"):
                api.attach_container(client, f"{name}?stream=1", {"stream": True, "stdout": True})
            exec_id = exec_api.create_exec(
                client, name, {"AttachStdout": True, "AttachStderr": True, "Cmd": ["echo", address]}
            )
            with exec_api.start_exec(client, exec_id) as conn:
                assert conn.status in (101, 200)
                data = b"".join(conn.iter_chunks())
            assert (
                data
                == b"\x01\x00\x00\x00" + len(address + "\n").to_bytes(4, "big") + (address + "\n").encode()
            )
        finally:
            client.close()


def test_prune_asks_for_confirmation_in_a_terminal(prefix: str, api) -> None:  # type: ignore[no-untyped-def]
    label = f"dshell.test={prefix}"
    docker("create", "--name", f"{prefix}-pq", "-l", label, IMAGE, "true")
    child = spawn(f"container prune --filter label={label}")
    child.expect(r"Are you sure you want to continue\? \[y/N\] ")
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert api.get(f"{http_base()}/containers/{prefix}-pq/json").status_code == 200
    child = spawn(f"container prune --filter label={label}")
    child.expect(r"\[y/N\] ")
    child.sendline("y")
    child.expect("Deleted Containers:")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert api.get(f"{http_base()}/containers/{prefix}-pq/json").status_code == 404
