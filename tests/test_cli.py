"""dshell end to end against the real test daemon: connecting, -c, -f, stdin, errors and exit statuses."""

from __future__ import annotations

import json
import time
from pathlib import Path

from conftest import IMAGE, TCP, UNIX, docker, run_dshell


def test_ps_all_json_lists_every_container(daemon: str, prefix: str) -> None:
    docker("create", "--name", f"{prefix}-a", IMAGE, "true")
    docker("run", "-d", "--name", f"{prefix}-b", IMAGE, "sleep", "30")
    host = daemon.removeprefix("tcp://").split(":")[0]  # a bare host means port 2375
    r = run_dshell(host, "-c", "ps -a --json")
    assert r.status == 0, r.err
    ids = {c["Id"] for c in json.loads(r.out)}
    cli = set(docker("ps", "-a", "-q", "--no-trunc").stdout.decode().split())
    assert ids == cli and len(ids) >= 2
    r = run_dshell(daemon, "-c", "ps -q")
    assert set(r.out.split()) == set(docker("ps", "-q").stdout.decode().split())
    r = run_dshell(daemon, "-c", f"ps -a --filter name={prefix}-a")
    assert r.out.splitlines()[0].split()[:2] == ["CONTAINER", "ID"]
    assert [line.split()[-1] for line in r.out.splitlines()[1:]] == [f"{prefix}-a"]


def test_unix_socket_and_docker_host(daemon: str) -> None:
    r = run_dshell(UNIX, "-c", "version --json")
    assert r.status == 0, r.err
    assert json.loads(r.out)["Server"]["Version"]
    r = run_dshell("-c", "ps -q", env={"DOCKER_HOST": TCP})
    assert r.status == 0, r.err


def test_api_version_negotiated_and_overridable(daemon: str) -> None:
    r = run_dshell(daemon, "-c", "version --json")
    data = json.loads(r.out)
    server_api = data["Server"]["ApiVersion"]
    negotiated = data["Client"]["ApiVersion"]
    assert tuple(map(int, negotiated.split("."))) <= tuple(map(int, server_api.split(".")))
    r = run_dshell(daemon, "-c", "version --json", env={"DOCKER_API_VERSION": "1.40"})
    assert json.loads(r.out)["Client"]["ApiVersion"] == "1.40"


def test_nothing_listening_fails_fast_and_clearly() -> None:
    start = time.monotonic()
    r = run_dshell("127.0.0.1:9", "-c", "ps")
    assert time.monotonic() - start < 5
    assert r.status == 1
    assert r.err.strip().endswith("connection refused: nothing is listening there (is dockerd running?)")
    assert "tcp://127.0.0.1:9" in r.err and "Traceback" not in r.err
    r = run_dshell("unix:///nonexistent/docker.sock", "-c", "ps")
    assert r.status == 1 and "no such socket" in r.err


def test_script_stops_at_first_failure(daemon: str, tmp_path: Path, prefix: str) -> None:
    script = tmp_path / "cmds.dsh"
    script.write_text(
        f"# comment\n\ncreate --name {prefix}-s {IMAGE} true\nrm no-such-{prefix}\nrm {prefix}-s\n"
    )
    r = run_dshell(daemon, "-f", str(script))
    assert r.status == 1
    assert r.err.startswith(f"{script}:4: ") and f"No such container: no-such-{prefix}" in r.err
    # stopped there: the container from line 3 still exists
    assert docker("inspect", f"{prefix}-s", check=False).returncode == 0
    r = run_dshell(daemon, "-f", str(script), "--keep-going")
    assert r.status == 1
    assert f"{script}:3: " in r.err  # name now taken
    assert f"{script}:4: " in r.err
    assert docker("inspect", f"{prefix}-s", check=False).returncode != 0  # line 5 ran


def test_bad_third_line_and_stdin(daemon: str, tmp_path: Path) -> None:
    script = tmp_path / "s"
    script.write_text("ps -q\nimages -q\nfrobnicate\nps\n")
    r = run_dshell(daemon, "-f", str(script))
    assert r.status == 1 and r.err.startswith(f"{script}:3: ") and "unknown command: frobnicate" in r.err
    r = run_dshell(daemon, input="ps -q\nget /_ping\n")
    assert r.status == 0 and r.out.strip().endswith("OK")
    r = run_dshell(daemon, "-f", "-", input="ps --bogus\n")
    assert r.status == 1 and r.err.startswith("<stdin>:1: Usage error: ps: unknown flag: --bogus")


def test_create_keeps_quoting_and_rm(daemon: str, prefix: str, api) -> None:  # type: ignore[no-untyped-def]
    name = f"{prefix}-q"
    line = f"""create --name {name} -e 'A=x y' --entrypoint /bin/sh {IMAGE} -c 'echo "a  b" $A' "it's" ''"""
    r = run_dshell(daemon, "-c", line)
    assert r.status == 0, r.err
    cid = r.out.strip()
    info = api.get(f"http://{TCP.removeprefix('tcp://')}/containers/{cid}/json").json()
    assert info["Config"]["Cmd"] == ["-c", 'echo "a  b" $A', "it's", ""]
    assert info["Config"]["Entrypoint"] == ["/bin/sh"]
    assert "A=x y" in info["Config"]["Env"]
    r = run_dshell(daemon, "-c", f"rm {name}")
    assert r.status == 0 and r.out.strip() == name


def test_names_are_percent_encoded(daemon: str, prefix: str) -> None:
    name = f"{prefix}-x"
    docker("run", "-d", "--name", name, IMAGE, "sleep", "60")
    r = run_dshell(daemon, "-c", f"rm '{name}?force=1'")
    assert r.status == 1 and "No such container" in r.err
    assert json.loads(docker("inspect", name).stdout)[0]["State"]["Running"]
    r = run_dshell(daemon, "-c", f"rm '../containers/{name}'")
    assert r.status == 1
    assert json.loads(docker("inspect", name).stdout)[0]["State"]["Running"]
    r = run_dshell(daemon, "-c", f"rm {name}")
    assert r.status == 1 and "stop the container before removing it, or use -f" in r.err
    r = run_dshell(daemon, "-c", f"rm -f {name}")
    assert r.status == 0


def test_help_and_command_help(daemon: str) -> None:
    r = run_dshell(daemon, "-c", "help")
    assert r.status == 0 and "containers:" in r.out and "ps" in r.out and "raw:" in r.out
    r = run_dshell(daemon, "-c", "ps --help")
    assert r.out.startswith("Usage: ps [OPTIONS]") and "-a, --all" in r.out and "--json" in r.out
    r = run_dshell(daemon, "-c", "psx")
    assert r.status == 2 and "did you mean ps" in r.err


def test_output_modes(daemon: str) -> None:
    r = run_dshell(daemon, "--json", "-c", "images")
    assert isinstance(json.loads(r.out), list)
    r = run_dshell(daemon, input="set output json\nimages\n")
    assert isinstance(json.loads(r.out), list)
    r = run_dshell(daemon, input="set table_format psql\nimages\n")
    assert r.out.startswith("+") and "| REPOSITORY" in r.out
    assert "\x1b[" not in r.out


def test_exit_status_from_exit(daemon: str) -> None:
    r = run_dshell(daemon, input="exit 3\nps\n")
    assert r.status == 3 and r.out == ""
