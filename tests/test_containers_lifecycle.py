"""Containers plugin against the real daemon: ps, create/run flags, the lifecycle commands, inspect.

Every result is checked against the daemon's own state (inspect) or the Docker CLI's output.
"""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import daemonapi
import pytest
from conftest import DSHELL, IMAGE, REGISTRY, TCP, docker, http_base, run_dshell


def inspect(api: daemonapi.Session, name: str) -> dict[str, Any]:
    resp = api.get(f"{http_base()}/containers/{name}/json")
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def exists(api: daemonapi.Session, name: str) -> bool:
    return api.get(f"{http_base()}/containers/{name}/json").status_code == 200


# -- ps ----------------------------------------------------------------------------------------------------


def test_ps_flags_match_the_cli(shell, prefix: str) -> None:  # type: ignore[no-untyped-def]
    docker("create", "--name", f"{prefix}-a", "-l", "tier=db", IMAGE, "true")
    docker("run", "-d", "--name", f"{prefix}-b", "-l", "tier=web", IMAGE, "sleep", "30")
    r = shell.run("ps -q")
    assert r.status == 0 and r.out.split() == docker("ps", "-q").stdout.decode().split()
    r = shell.run("ps -a -q --no-trunc")
    assert r.out.split() == docker("ps", "-a", "-q", "--no-trunc").stdout.decode().split()
    r = shell.run("ps -a -n 2 -q")
    assert r.out.split() == docker("ps", "-a", "-n", "2", "-q").stdout.decode().split()
    r = shell.run("ps -l -q")
    assert r.out.split() == docker("ps", "-l", "-q").stdout.decode().split()
    r = shell.run(f"ps -a --filter name={prefix} --filter label=tier=web --format '{{{{.Names}}}}'")
    assert r.out.split() == [f"{prefix}-b"]
    r = shell.run(f"ps -a --filter name={prefix} --filter status=created -q")
    cli = docker("ps", "-a", "--filter", f"name={prefix}", "--filter", "status=created", "-q").stdout
    assert r.out.split() == cli.decode().split() and len(r.out.split()) == 1
    fmt = '{{.ID}}\t{{.Names}}\t{{.Image}}\t{{.Command}}\t{{.State}}\t{{.Labels}}\t{{.Label "tier"}}'
    args = ["ps", "-a", "--filter", f"name={prefix}", "--format", fmt]
    r = shell.run(" ".join(args[:4]) + f" --format '{fmt}'")
    assert r.out == docker(*args).stdout.decode()
    table = "table {{.ID}}\t{{.Names}}\t{{.Status}}\t{{.Networks}}"
    r = shell.run(f"ps -a --filter name={prefix}-a --format '{table}'")
    assert r.out == docker("ps", "-a", "--filter", f"name={prefix}-a", "--format", table).stdout.decode()
    assert r.out.startswith("CONTAINER ID   NAMES")


def test_ps_json_size_and_format_json(shell, prefix: str) -> None:  # type: ignore[no-untyped-def]
    docker("run", "-d", "--name", f"{prefix}-s", IMAGE, "sleep", "30")
    # written by an exec, which returns once the write is done: the size cannot change under the test
    docker("exec", f"{prefix}-s", "sh", "-c", "echo 12345 > /f")
    r = shell.run(f"ps --filter name={prefix}-s --json")
    docs = json.loads(r.out)
    assert [d["Names"] for d in docs] == [[f"/{prefix}-s"]]
    r = shell.run(f"ps -s --filter name={prefix}-s")
    header, row = r.out.splitlines()
    assert header.split()[-1] == "SIZE" and "(virtual " in row
    cli = docker("ps", "-s", "--filter", f"name={prefix}-s", "--format", "{{.Size}}").stdout.decode().strip()
    assert row.endswith(cli)
    r = shell.run(f"ps --filter name={prefix}-s --format '{{{{json .}}}}'")
    view = json.loads(r.out)
    assert view["Names"] == f"{prefix}-s" and view["State"] == "running" and "Label" not in view
    r = shell.run("ps --format '{{.Nope'")
    assert r.status == 2 and "template" in r.err


# -- create / run ------------------------------------------------------------------------------------------


def test_create_with_every_flag(shell, prefix: str, api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env_file = tmp_path / "env"
    env_file.write_text("# comment\n\nFROM_FILE=1\nOVERRIDE=file\n")
    name = f"{prefix}-c"
    line = (
        f"create --name {name} --env-file {env_file} -e OVERRIDE=flag -e 'SP=a b' "
        f"-p 8080:80 -p 127.0.0.1:19000-19001:9000-9001/udp -p 53/udp -p '[::1]:19053:53' "
        f"-v /anon -v {tmp_path}:/host:ro --mount type=volume,source={prefix}-vol,target=/vol "
        f"-w /tmp -u 1000:1000 --entrypoint /bin/sh --network host --restart on-failure:2 "
        f"-l a=1 -l b --hostname hn --cpus 0.5 -m 64m --init --privileged --cap-add NET_ADMIN "
        f"--cap-drop CHOWN -t -i {IMAGE} -c 'echo \"x  y\"' '' \"it's\""
    )
    r = shell.run(line)
    assert r.status == 0, r.err
    info = inspect(api, name)
    cfg, host = info["Config"], info["HostConfig"]
    assert info["Id"] == r.out.strip()
    assert cfg["Cmd"] == ["-c", 'echo "x  y"', "", "it's"]
    assert cfg["Entrypoint"] == ["/bin/sh"]
    assert {"FROM_FILE=1", "OVERRIDE=file", "OVERRIDE=flag", "SP=a b"} <= set(cfg["Env"])
    assert cfg["Env"].index("OVERRIDE=flag") > cfg["Env"].index("OVERRIDE=file")
    assert cfg["WorkingDir"] == "/tmp" and cfg["User"] == "1000:1000" and cfg["Hostname"] == "hn"
    assert {"a": "1", "b": ""}.items() <= cfg["Labels"].items()
    assert cfg["Tty"] and cfg["OpenStdin"]
    assert set(cfg["ExposedPorts"]) == {"80/tcp", "9000/udp", "9001/udp", "53/udp", "53/tcp"}
    assert cfg["Volumes"] == {"/anon": {}}
    ports = host["PortBindings"]
    assert ports["80/tcp"] == [{"HostIp": "", "HostPort": "8080"}]
    assert ports["9001/udp"] == [{"HostIp": "127.0.0.1", "HostPort": "19001"}]
    assert ports["53/udp"] == [{"HostIp": "", "HostPort": ""}]
    assert ports["53/tcp"] == [{"HostIp": "::1", "HostPort": "19053"}]
    assert host["Binds"] == [f"{tmp_path}:/host:ro"]
    assert host["Mounts"] == [{"Type": "volume", "Source": f"{prefix}-vol", "Target": "/vol"}]
    assert host["NetworkMode"] == "host"
    assert host["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 2}
    assert host["NanoCpus"] == 500_000_000 and host["Memory"] == 64 * 1024 * 1024
    assert host["Init"] is True and host["Privileged"] is True
    assert host["CapAdd"] == ["NET_ADMIN"] and host["CapDrop"] == ["CHOWN"]


def test_create_flag_errors(shell, prefix: str) -> None:  # type: ignore[no-untyped-def]
    r = shell.run(f"create --rm --restart always {IMAGE}")
    assert r.status == 2 and "conflicting options" in r.err
    r = shell.run(f"create -p 1-3:80-81 {IMAGE}")
    assert r.status == 2 and "invalid ranges" in r.err
    r = shell.run(f"create --cpus lots {IMAGE}")
    assert r.status == 2 and "--cpus" in r.err
    r = shell.run(f"create --restart sometimes {IMAGE}")
    assert r.status == 2 and "invalid restart policy" in r.err
    r = shell.run(f"create --mount type=bind,source=/tmp {IMAGE}")
    assert r.status == 2 and "target is required" in r.err
    r = shell.run(f"create --name {prefix}-dup {IMAGE} true")
    assert r.status == 0
    r = shell.run(f"create --name {prefix}-dup {IMAGE} true")
    assert r.status == 1 and "is already in use" in r.err and "Traceback" not in r.err


def test_run_quoting_roundtrip_status_and_streams(daemon: str, prefix: str, api) -> None:  # type: ignore[no-untyped-def]
    name = f"{prefix}-r"
    script = 'printf "[%s]" "$@"; echo; echo to-err >&2; exit 3'
    line = f"""run --name {name} {IMAGE} sh -c '{script}' zero "a  b" '' "it's" 'say "hi"' '$HOME'"""
    r = run_dshell(daemon, "-c", line)
    assert r.status == 3
    assert r.out == """[a  b][][it's][say "hi"][$HOME]\n"""
    assert r.err == "to-err\n"
    assert inspect(api, name)["Config"]["Cmd"] == [
        "sh",
        "-c",
        script,
        "zero",
        "a  b",
        "",
        "it's",
        'say "hi"',
        "$HOME",
    ]
    # in a script, the non-zero status fails the script at that line
    r = run_dshell(daemon, "-f", "-", input=f"run --rm {IMAGE} sh -c 'exit 4'\nps -q\n")
    assert r.status == 1 and r.err.startswith("<stdin>:1: ") and r.out == ""


def test_run_rm_detach_and_early_output(daemon: str, prefix: str, api) -> None:  # type: ignore[no-untyped-def]
    r = run_dshell(daemon, "-c", f"run --rm --name {prefix}-rm {IMAGE} echo first")
    assert r.status == 0 and r.out == "first\n"
    assert not exists(api, f"{prefix}-rm")
    r = run_dshell(daemon, "-c", f"run -d --name {prefix}-d {IMAGE} sleep 30")
    assert r.status == 0
    info = inspect(api, f"{prefix}-d")
    assert r.out.strip() == info["Id"] and info["State"]["Running"]
    big = run_dshell(daemon, "-c", f"run --rm {IMAGE} sh -c 'seq 1 20000; seq 1 500 >&2'")
    assert big.out.splitlines() == [str(i) for i in range(1, 20001)]
    assert big.err.splitlines() == [str(i) for i in range(1, 501)]
    r = run_dshell(daemon, "-c", f"run --rm {IMAGE} no-such-command")
    assert r.status == 127 and "executable file not found" in r.err and "Traceback" not in r.err


@pytest.mark.parametrize(
    "args",
    [["--name", "bad/name", IMAGE, "true"], ["--pull", "never", "dshell-no-such-image:0", "true"]],
    ids=["bad-name", "no-image"],
)
def test_run_failing_before_the_container_exits_125_as_the_cli(daemon: str, args: list[str]) -> None:
    """``docker run`` reports its own failures (create, pull, the daemon) with 125, not the container's status."""
    cli = docker("run", "--rm", *args, check=False)
    r = run_dshell(daemon, "-c", "run --rm " + " ".join(args))
    assert cli.returncode == 125 and r.status == 125, r.err
    assert r.err.startswith("Error response from daemon: ") and "Traceback" not in r.err


def test_run_without_a_daemon_exits_125() -> None:
    r = run_dshell("tcp://127.0.0.1:1", "-c", f"run --rm {IMAGE} true")
    assert r.status == 125 and "cannot connect to the Docker daemon" in r.err


def test_run_tty_and_stdin(daemon: str, prefix: str) -> None:
    r = run_dshell(daemon, "-c", f"run --rm -t {IMAGE} sh -c 'echo out; echo err >&2'")
    # a TTY has one output stream: both lines arrive on stdout (with the pty's CR LF line ends)
    proc = subprocess.run(
        [DSHELL, daemon, "-c", f"run --rm -t {IMAGE} sh -c 'echo out; echo err >&2'"],
        capture_output=True,
        check=False,
        timeout=30,
    )
    assert proc.returncode == 0 and proc.stdout == b"out\r\nerr\r\n" and proc.stderr == b""
    r = run_dshell(daemon, "-c", f"run --rm -i {IMAGE} sh -c 'tr a-z A-Z; exit 2'", input="piped in\n")
    assert r.status == 2 and r.out == "PIPED IN\n"


def test_run_pulls_a_missing_image(daemon: str, prefix: str) -> None:
    if not REGISTRY:
        pytest.skip("DSHELL_TEST_REGISTRY is not set")
    ref = f"{REGISTRY}/{prefix}-pull:1"
    docker("tag", IMAGE, ref)
    docker("push", ref)
    docker("rmi", ref)
    r = run_dshell(daemon, "-c", f"run --rm {ref} echo pulled")
    assert r.status == 0, r.err
    assert r.out == "pulled\n"
    assert f"Unable to find image '{ref}' locally" in r.err
    assert docker("image", "inspect", ref, check=False).returncode == 0
    r = run_dshell(daemon, "-c", f"run --rm 127.0.0.1:9/{prefix}-none:1 true")
    assert r.status == 125 and "Error response from daemon" in r.err and "Traceback" not in r.err


# -- lifecycle ---------------------------------------------------------------------------------------------


def test_start_stop_restart_pause_unpause(shell, prefix: str, api) -> None:  # type: ignore[no-untyped-def]
    a, b = f"{prefix}-1", f"{prefix}-2"
    docker("create", "--name", a, IMAGE, "sleep", "60")
    docker("create", "--name", b, IMAGE, "sleep", "60")
    r = shell.run(f"start {a} {b}")
    assert r.status == 0 and r.out.split() == [a, b]
    assert inspect(api, a)["State"]["Running"] and inspect(api, b)["State"]["Running"]
    r = shell.run(f"pause {a}")
    assert r.out.strip() == a and inspect(api, a)["State"]["Paused"]
    r = shell.run(f"unpause {a}")
    assert r.out.strip() == a and not inspect(api, a)["State"]["Paused"]
    started = inspect(api, a)["State"]["StartedAt"]
    r = shell.run(f"restart -t 0 {a}")
    assert r.status == 0 and inspect(api, a)["State"]["StartedAt"] != started
    r = shell.run(f"stop -t 0 {a} no-such-{prefix} {b}")
    assert r.status == 1 and r.out.split() == [a, b]
    assert f"No such container: no-such-{prefix}" in r.err
    assert not inspect(api, a)["State"]["Running"] and not inspect(api, b)["State"]["Running"]
    r = shell.run(f"start no-such-{prefix}")
    assert r.status == 1 and r.out == "" and "No such container" in r.err


def test_start_attach_gives_exit_status(daemon: str, prefix: str) -> None:
    docker("create", "--name", f"{prefix}-sa", IMAGE, "sh", "-c", "echo hello; echo oops >&2; exit 6")
    r = run_dshell(daemon, "-c", f"start -a {prefix}-sa")
    assert r.status == 6 and r.out == "hello\n" and r.err == "oops\n"


@pytest.mark.parametrize("spelling", ["SIGTERM", "TERM", "15"])
def test_kill_signal_spellings(shell, prefix: str, api, spelling: str) -> None:  # type: ignore[no-untyped-def]
    name = f"{prefix}-k"
    docker(
        "run", "-d", "--name", name, IMAGE, "sh", "-c", "trap 'exit 42' TERM; while true; do sleep 0.1; done"
    )
    r = shell.run(f"kill -s {spelling} {name}")
    assert r.status == 0 and r.out.strip() == name
    r = shell.run(f"wait {name}")
    assert r.out.strip() == "42"
    assert inspect(api, name)["State"]["ExitCode"] == 42


def test_kill_default_and_errors(shell, prefix: str, api) -> None:  # type: ignore[no-untyped-def]
    name = f"{prefix}-kd"
    docker("run", "-d", "--name", name, IMAGE, "sleep", "60")
    r = shell.run(f"kill -s NOPE {name}")
    assert r.status == 2 and "invalid signal" in r.err
    assert inspect(api, name)["State"]["Running"]
    r = shell.run(f"kill {name}")
    assert r.status == 0 and inspect(api, name)["State"]["ExitCode"] == 137
    r = shell.run(f"kill {name}")
    assert r.status == 1 and "is not running" in r.err and r.out == ""


def test_rm_several_and_volumes(shell, prefix: str, api) -> None:  # type: ignore[no-untyped-def]
    docker("create", "--name", f"{prefix}-x", "-v", "/anon", IMAGE, "true")
    docker("create", "--name", f"{prefix}-y", IMAGE, "true")
    docker("run", "-d", "--name", f"{prefix}-z", IMAGE, "sleep", "60")
    volume = inspect(api, f"{prefix}-x")["Mounts"][0]["Name"]
    r = shell.run(f"rm -v {prefix}-x {prefix}-z {prefix}-y")
    assert r.status == 1 and r.out.split() == [f"{prefix}-x", f"{prefix}-y"]
    assert "stop the container before removing it, or use -f" in r.err
    assert api.get(f"{http_base()}/volumes/{volume}").status_code == 404
    assert exists(api, f"{prefix}-z")
    r = shell.run(f"container rm -f {prefix}-z")
    assert r.status == 0 and not exists(api, f"{prefix}-z")


def test_percent_encoded_names(daemon: str, prefix: str, api) -> None:  # type: ignore[no-untyped-def]
    name = f"{prefix}-pe"
    docker("run", "-d", "--name", name, IMAGE, "sh", "-c", "echo line; sleep 60")
    for line in (
        f"logs '{name}?follow=1'",
        f"stop '{name}?t=0'",
        f"kill '{name}?signal=KILL'",
        f"exec '{name}?x=1' true",
        f"inspect '{name}#frag'",
        f"restart '../containers/{name}'",
    ):
        r = run_dshell(daemon, "-c", line, timeout=10)
        assert r.status == 1, line
        assert "Traceback" not in r.err
        if not line.startswith("restart"):  # the daemon answers a path with .. by a redirect, not followed
            assert "no such" in r.err.lower(), (line, r.err)
    assert inspect(api, name)["State"]["Running"]
    assert inspect(api, name)["RestartCount"] == 0


def test_rename_wait_update(shell, prefix: str, api) -> None:  # type: ignore[no-untyped-def]
    docker("run", "-d", "--name", f"{prefix}-o", IMAGE, "sh", "-c", "sleep 1; exit 9")
    r = shell.run(f"rename {prefix}-o {prefix}-n")
    assert r.status == 0 and inspect(api, f"{prefix}-n")["Name"] == f"/{prefix}-n"
    r = shell.run(f"update --cpus 0.25 --restart on-failure:5 --pids-limit 50 {prefix}-n")
    assert r.status == 0 and r.out.strip() == f"{prefix}-n"
    host = inspect(api, f"{prefix}-n")["HostConfig"]
    assert host["NanoCpus"] == 250_000_000 and host["PidsLimit"] == 50
    assert host["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 5}
    r = shell.run(f"update {prefix}-n")
    assert r.status == 2
    docker("update", "--restart", "no", f"{prefix}-n")
    r = shell.run(f"wait {prefix}-n no-such-{prefix}")
    assert r.status == 1 and r.out.strip() == "9" and "No such container" in r.err


def test_port_diff_top(shell, prefix: str) -> None:  # type: ignore[no-untyped-def]
    name = f"{prefix}-p"
    docker(
        "run",
        "-d",
        "--name",
        name,
        "-p",
        "127.0.0.1::80",
        "-p",
        "127.0.0.1::53/udp",
        IMAGE,
        "sh",
        "-c",
        "touch /new; rm /etc/hostname.bak 2>/dev/null; sleep 60",
    )
    r = shell.run(f"port {name}")
    assert r.out == docker("port", name).stdout.decode()
    r = shell.run(f"port {name} 53/udp")
    assert r.out == docker("port", name, "53/udp").stdout.decode()
    r = shell.run(f"port {name} 81")
    assert r.status == 1 and "No public port" in r.err
    r = shell.run(f"diff {name}")
    assert "A /new" in r.out.splitlines()
    r = shell.run(f"top {name}")
    assert r.out.splitlines()[0].split()[:2] == ["UID", "PID"] and "sleep 60" in r.out
    r = shell.run(f"top {name} -o pid,comm")
    assert r.out.splitlines()[0].split() == ["PID", "COMMAND"] and "sleep" in r.out


def test_export_and_commit(daemon: str, shell, prefix: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    name = f"{prefix}-e"
    docker("run", "--name", name, IMAGE, "sh", "-c", "echo exported > /marker")
    out = tmp_path / "fs.tar"
    r = shell.run(f"export -o {out} {name}")
    assert r.status == 0
    with tarfile.open(out) as tar:
        fh = tar.extractfile("marker")
        assert fh is not None and fh.read() == b"exported\n"
    proc = subprocess.run(
        [DSHELL, daemon, "-c", f"export {name}"], capture_output=True, check=False, timeout=30
    )
    assert proc.returncode == 0
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
        assert "marker" in tar.getnames()
    image = f"{prefix}-img:v1"
    r = shell.run(
        f"commit -m 'a message' -a me -c 'ENV FOO=bar' -c 'CMD [\"cat\", \"/marker\"]' {name} {image}"
    )
    assert r.status == 0 and r.out.startswith("sha256:")
    info = json.loads(docker("image", "inspect", image).stdout)[0]
    assert info["Id"] == r.out.strip() and info["Comment"] == "a message" and info["Author"] == "me"
    assert "FOO=bar" in info["Config"]["Env"] and info["Config"]["Cmd"] == ["cat", "/marker"]
    r = run_dshell(daemon, "-c", f"run --rm {image}")
    assert r.out == "exported\n"


def test_container_prune(daemon: str, prefix: str, api) -> None:  # type: ignore[no-untyped-def]
    label = f"dshell.test={prefix}"
    docker("create", "--name", f"{prefix}-pr", "-l", label, IMAGE, "true")
    docker("run", "-d", "--name", f"{prefix}-keep", "-l", label, IMAGE, "sleep", "60")
    r = run_dshell(daemon, "-c", f"container prune --filter label={label}")
    assert r.status == 1 and "use -f" in r.err and exists(api, f"{prefix}-pr")
    r = run_dshell(daemon, "-c", f"container prune -f --filter label={label}")
    assert r.status == 0
    assert r.out.splitlines()[0] == "Deleted Containers:" and "Total reclaimed space:" in r.out
    assert not exists(api, f"{prefix}-pr") and exists(api, f"{prefix}-keep")


def test_inspect_containers_and_images(shell, prefix: str, api) -> None:  # type: ignore[no-untyped-def]
    name = f"{prefix}-in"
    docker("create", "--name", name, IMAGE, "true")
    r = shell.run(f"inspect {name} {IMAGE}")
    docs = json.loads(r.out)
    assert docs[0]["Name"] == f"/{name}" and docs[1]["RepoTags"] and r.status == 0
    r = shell.run(f"inspect -f '{{{{.Name}}}} {{{{.State.Status}}}}' {name}")
    assert r.out == docker("inspect", "-f", "{{.Name}} {{.State.Status}}", name).stdout.decode()
    r = shell.run(f"inspect --type image -f '{{{{.Id}}}}' {IMAGE}")
    assert r.out == docker("inspect", "--type", "image", "-f", "{{.Id}}", IMAGE).stdout.decode()
    r = shell.run(f"inspect --type image {name}")
    assert r.status == 1 and f"No such image: {name}" in r.err
    r = shell.run(f"container inspect -f '{{{{.Id}}}}' {name} no-such-{prefix}")
    assert r.status == 1 and r.out.strip() == inspect(api, name)["Id"]
    assert f"No such container: no-such-{prefix}" in r.err
    r = shell.run(f"inspect -s -f '{{{{.SizeRootFs}}}}' {name}")
    assert int(r.out) > 0
    r = shell.run(f"inspect -f '{{{{.Nope' {name}")
    assert r.status == 2 and "template" in r.err


def test_container_aliases(shell, prefix: str) -> None:  # type: ignore[no-untyped-def]
    name = f"{prefix}-al"
    docker("create", "--name", name, IMAGE, "sh", "-c", "echo aliased")
    short_id = docker("ps", "-a", "-q", "--filter", f"name={name}").stdout.decode()
    # each alias prints what its target command prints (and what the Docker CLI prints)
    expected = {
        f"container ls -a -q --filter name={name}": (f"ps -a -q --filter name={name}", short_id),
        f"container start -a {name}": (None, "aliased\n"),
        f"container logs {name}": (f"logs {name}", "aliased\n"),
        f"container wait {name}": (f"wait {name}", "0\n"),
        f"container inspect {name}": (f"inspect {name}", None),
    }
    for alias, (target, cli_out) in expected.items():
        r = shell.run(alias)
        assert r.status == 0, (alias, r.err)
        if cli_out is not None:
            assert r.out == cli_out, alias
        if target is not None:
            assert r.out == shell.run(target).out, (alias, target)
    docs = json.loads(shell.run(f"container inspect {name}").out)
    assert [d["Name"] for d in docs] == [f"/{name}"] and docs[0]["State"]["ExitCode"] == 0


def test_completion_by_state(shell, prefix: str) -> None:  # type: ignore[no-untyped-def]
    from dshell.core.completion import CompletionRequest

    docker("create", "--name", f"{prefix}-cs", IMAGE, "true")
    docker("run", "-d", "--name", f"{prefix}-cr", IMAGE, "sleep", "60")
    docker("run", "-d", "--name", f"{prefix}-cp", IMAGE, "sleep", "60")
    docker("pause", f"{prefix}-cp")
    session = shell.session
    session.names.invalidate("containers")

    def names(spec: str) -> set[str]:
        found = session.completers.candidates(spec, CompletionRequest(session))
        return {c.text for c in found if c.text.startswith(prefix)}

    assert names("container:running") == {f"{prefix}-cr", f"{prefix}-cp"}
    assert names("container:stopped") == {f"{prefix}-cs"}
    assert names("container:paused") == {f"{prefix}-cp"}
    assert names("container") == {f"{prefix}-cs", f"{prefix}-cr", f"{prefix}-cp"}
    registry = session.registry
    for command, source in (
        ("stop", "container:running"),
        ("exec", "container:running"),
        ("kill", "container:running"),
        ("pause", "container:running"),
        ("attach", "container:running"),
        ("top", "container:running"),
        ("stats", "container:running"),
        ("start", "container:stopped"),
        ("unpause", "container:paused"),
        ("rm", "container"),
        ("inspect", "container"),
        ("logs", "container"),
    ):
        assert registry.get(command).arguments[0].complete == source, command


def test_unknown_container_messages(daemon: str, prefix: str, tmp_path: Path) -> None:
    for cmd in (
        "stop",
        "kill",
        "pause",
        "unpause",
        "restart",
        "logs",
        "top",
        "diff",
        "port",
        f"export -o {tmp_path / 'out.tar'}",  # /dev/null is refused before sending, as by the CLI
        "rename",
        "attach",
        "exec",
        "commit",
        "update --cpus 1",
        "wait",
        "start",
        "rm",
    ):
        extra = " x" if cmd in ("rename", "exec") else ""
        r = run_dshell(daemon, "-c", f"{cmd} no-such-{prefix}{extra}", timeout=10)
        assert r.status == 1, (cmd, r)
        assert f"No such container: no-such-{prefix}" in r.err, (cmd, r.err)
        assert "Traceback" not in r.err and r.out == "", cmd


def test_tcp_and_unix_give_the_same_answers(prefix: str) -> None:
    from conftest import UNIX

    docker("run", "-d", "--name", f"{prefix}-u", IMAGE, "sh", "-c", "echo via-socket; sleep 60")
    for address in (TCP, UNIX):
        r = run_dshell(address, "-c", f"exec {prefix}-u sh -c 'echo $((1+2)); exit 5'")
        assert r.status == 5 and r.out == "3\n"
