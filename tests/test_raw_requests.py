"""Raw requests against the real daemon: every method, bodies, tar archives, streams, errors, curl, -v."""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

import daemonapi
import pytest
from conftest import DSHELL, IMAGE, TCP, UNIX, Captured, docker, http_base


def inspect(api: daemonapi.Session, name: str) -> dict | None:
    reply = api.get(f"{http_base()}/containers/{name}/json")
    return reply.json() if reply.status_code == 200 else None


@pytest.fixture
def sleeper(prefix: str) -> str:
    """A running container that sleeps."""
    name = f"{prefix}-sleeper"
    docker("run", "-d", "--name", name, IMAGE, "sleep", "300")
    return name


def test_every_method_and_status(shell: Captured, prefix: str, api: daemonapi.Session) -> None:
    name = f"{prefix}-a"
    r = shell.run(f'post /containers/create?name={name} {{"Image": "{IMAGE}", "Cmd": ["sleep", "60"]}}')
    assert r.status == 0, r.err
    assert r.out.startswith("{\n  ") and json.loads(r.out)["Id"]  # pretty-printed, no colour when not a tty
    assert "\x1b[" not in r.out
    r = shell.run(f"post /containers/{name}/start")
    assert (r.status, r.out, r.err) == (0, "", "")  # 204 prints nothing
    r = shell.run(f"post /containers/{name}/start")
    assert (r.status, r.out, r.err) == (0, "", "304 Not Modified\n")
    r = shell.run(f"get /containers/{name}/json")
    assert r.status == 0 and json.loads(r.out)["State"]["Running"] is True
    r = shell.run(f"head /containers/{name}/archive?path=/tmp")
    assert r.status == 0 and r.out.startswith("HTTP/1.1 200 OK\n")
    assert "X-Docker-Container-Path-Stat: " in r.out
    r = shell.run("get /_ping")
    assert (r.status, r.out) == (0, "OK\n")
    r = shell.run(f"post /containers/{name}/kill?signal=SIGKILL")
    assert (r.status, r.out) == (0, "")
    r = shell.run(f"delete /containers/{name}")
    assert (r.status, r.out, r.err) == (0, "", "")
    assert inspect(api, name) is None
    r = shell.run(f"get /containers/{name}/json")
    assert r.status == 1 and r.out == ""
    assert r.err == f"Error: 404 Not Found: No such container: {name}\n"
    r = shell.run(f"head /containers/{name}/json")
    assert r.status == 1 and r.err == "Error: 404 Not Found\n"  # no body to quote
    r = shell.run("get /no/such/endpoint")
    assert r.status == 1 and "404 Not Found: page not found" in r.err


def test_put_and_versioned_paths(shell: Captured, prefix: str) -> None:
    version = shell.session.client.api_version
    r = shell.run(f"get /v{version}/version")
    assert r.status == 0 and json.loads(r.out)["ApiVersion"]
    r = shell.run("get -v /v1.24/_ping")  # a path with its own version is sent as typed
    assert "> GET /v1.24/_ping HTTP/1.1" in r.err
    r = shell.run(f'post /volumes/create Name={prefix}-vol Labels:=\'{{"k": "v"}}\'')
    assert r.status == 0, r.err
    assert json.loads(r.out)["Labels"] == {"k": "v"}
    # PUT /volumes/{name} is API 1.42+: a 1.41 daemon refuses
    r = shell.run(f"put /volumes/{prefix}-vol {{}}")
    assert r.status == 1 and r.err.startswith("Error: ")
    r = shell.run(f"delete /volumes/{prefix}-vol")
    assert (r.status, r.out) == (0, "")


def test_bodies_inline_quoted_file_and_pairs(
    shell: Captured, prefix: str, api: daemonapi.Session, tmp_path: Path
) -> None:
    quoted = json.dumps(json.dumps({"Image": IMAGE, "Labels": {"a b": "it's"}}))  # one double-quoted word
    r = shell.run(f"post /containers/create?name={prefix}-q {quoted}")
    assert r.status == 0, r.err
    assert inspect(api, f"{prefix}-q")["Config"]["Labels"]["a b"] == "it's"  # type: ignore[index]
    body = tmp_path / "body.json"
    body.write_text(json.dumps({"Image": IMAGE, "Cmd": ["echo", "from file"]}, indent=2))
    r = shell.run(f"post /containers/create?name={prefix}-f @{body}")
    assert r.status == 0, r.err
    assert inspect(api, f"{prefix}-f")["Config"]["Cmd"] == ["echo", "from file"]  # type: ignore[index]
    r = shell.run(
        f'post -q name={prefix}-p /containers/create Image={IMAGE} Cmd:=\'["sh", "-c", "echo hi"]\' '
        'Tty:=true \'Labels:={"x": "1 2"}\' platform==linux'
    )
    assert r.status == 0, r.err
    config = inspect(api, f"{prefix}-p")["Config"]  # type: ignore[index]
    assert (
        config["Cmd"] == ["sh", "-c", "echo hi"] and config["Tty"] is True and config["Labels"]["x"] == "1 2"
    )
    r = shell.run(f"post -v -H 'X-Dshell-Test: yes' /containers/{prefix}-p/start")
    assert r.status == 0 and "> X-Dshell-Test: yes" in r.err and "< HTTP/1.1 204 No Content" in r.err


def test_invalid_json_is_refused_before_sending(
    shell: Captured, prefix: str, api: daemonapi.Session, tmp_path: Path
) -> None:
    name = f"{prefix}-bad"
    r = shell.run(f'post /containers/create?name={name} {{"Image": "{IMAGE}",}}')
    assert r.status == 2
    assert "invalid JSON body at line 1, column " in r.err and "Expecting property name" in r.err
    bad = tmp_path / "bad.json"
    bad.write_text(f'{{\n  "Image": "{IMAGE}"\n  "Cmd": ["true"]\n}}\n')
    r = shell.run(f"post -v /containers/create?name={name} @{bad}")
    assert (
        r.status == 2 and f"invalid JSON body in {bad} at line 3, column 3: Expecting ',' delimiter" in r.err
    )
    assert "> POST" not in r.err  # nothing was sent
    r = shell.run(f"post /containers/create?name={name} Image={IMAGE} Cmd:=[true")
    assert r.status == 2 and "invalid JSON value for Cmd:= at line 1, column" in r.err
    assert inspect(api, name) is None


def make_tar(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def read_tar(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]


def test_tar_archive_round_trip(shell: Captured, sleeper: str, tmp_path: Path) -> None:
    payload = bytes(range(256)) * 200  # binary, 51 kB
    tar = tmp_path / "in.tar"
    tar.write_bytes(make_tar({"blob.bin": payload, "hello.txt": b"hello\n"}))
    r = shell.run(f"put --data-binary @{tar} /containers/{sleeper}/archive?path=/tmp")
    assert (r.status, r.out) == (0, ""), r.err
    out = tmp_path / "out.tar"
    r = shell.run(f"get -o {out} /containers/{sleeper}/archive?path=/tmp/blob.bin")
    assert (r.status, r.out) == (0, ""), r.err
    assert read_tar(out.read_bytes()) == {"blob.bin": payload}
    # piped, the bytes go to stdout untouched
    proc = subprocess.run(
        [DSHELL, TCP, "-c", f"get /containers/{sleeper}/archive?path=/tmp/hello.txt"],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert read_tar(proc.stdout) == {"hello.txt": b"hello\n"}


def test_logs_are_demultiplexed(shell: Captured, prefix: str) -> None:
    docker("run", "--name", f"{prefix}-logs", IMAGE, "sh", "-c", "echo out; echo err >&2")
    r = shell.run(f"get /containers/{prefix}-logs/logs?stdout=1&stderr=1")
    assert (r.status, r.out, r.err) == (0, "out\n", "err\n")
    docker("run", "-t", "--name", f"{prefix}-tty", IMAGE, "sh", "-c", "echo tty")
    r = shell.run(f"get /containers/{prefix}-tty/logs?stdout=1")
    assert (r.status, r.out) == (0, "tty\r\n")


def test_finite_events_stream(shell: Captured, prefix: str) -> None:
    since = int(time.time()) - 1
    name = f"{prefix}-ev"
    docker("create", "--name", name, IMAGE, "true")
    docker("rm", name)
    until = int(time.time()) + 1
    started = time.monotonic()
    r = shell.run(f"""get -q 'filters={{"container":["{name}"]}}' /events?since={since}&until={until}""")
    assert r.status == 0, r.err
    assert time.monotonic() - started < 10
    docs = [json.loads(line) for line in r.out.splitlines()]  # one document per line
    assert [d["Action"] for d in docs] == ["create", "destroy"]
    assert all(d["Actor"]["Attributes"]["name"] == name for d in docs)


def test_stream_from_a_finite_pull(shell: Captured) -> None:
    r = shell.run(f"post /images/create?fromImage={IMAGE.split(':')[0]}&tag=nonexistent-{time.time_ns()}")
    assert r.status == 1  # the daemon refuses before streaming (no Docker Hub): status and message
    assert r.err.startswith("Error: ")


@pytest.fixture
def unix_shell() -> Iterator[Captured]:
    if not Path(UNIX.removeprefix("unix://")).exists():
        pytest.skip("no unix socket for the test daemon")
    cap = Captured(UNIX)
    yield cap
    cap.session.close()


def run_curl(line: str) -> subprocess.CompletedProcess[bytes]:
    assert line.startswith("curl ")
    return subprocess.run(line, shell=True, capture_output=True, timeout=60, check=True)


def test_curl_commands_work(
    shell: Captured, unix_shell: Captured, prefix: str, api: daemonapi.Session, tmp_path: Path
) -> None:
    name = f"{prefix}-curl"
    label = 'it\'s "quoted" & $HOME `x`'
    body = json.dumps({"Image": IMAGE, "Cmd": ["sleep", "300"], "Labels": {"l": label}})
    r = shell.run(f"post --curl /containers/create?name={name} {body}")
    assert r.status == 0 and r.err == ""
    assert "--unix-socket" not in r.out and f"{http_base()}/v" in r.out
    assert inspect(api, name) is None  # printed, not sent
    created = json.loads(run_curl(r.out.strip()).stdout)
    assert inspect(api, name)["Id"] == created["Id"]  # type: ignore[index]
    assert inspect(api, name)["Config"]["Labels"]["l"] == label  # type: ignore[index]

    r = unix_shell.run(f"post --curl /containers/{name}/start")
    assert "--unix-socket /var/run/docker.sock" in r.out and "-X POST" in r.out
    run_curl(r.out.strip())
    assert inspect(api, name)["State"]["Running"]  # type: ignore[index]

    tar = tmp_path / "files.tar"
    tar.write_bytes(make_tar({"via-curl.txt": b"curl\n"}))
    r = unix_shell.run(f"put --curl --data-binary @{tar} /containers/{name}/archive?path=/tmp")
    assert "-H 'Content-Type: application/x-tar'" in r.out
    run_curl(r.out.strip())
    r = shell.run(f"get /containers/{name}/archive?path=/tmp/via-curl.txt -o {tmp_path / 'back.tar'}")
    assert read_tar((tmp_path / "back.tar").read_bytes()) == {"via-curl.txt": b"curl\n"}

    r = shell.run(f"get --curl /containers/{name}/logs?stdout=1&follow=0")
    assert " -N " in r.out  # a stream endpoint: curl prints as it arrives
    assert run_curl(r.out.strip()).returncode == 0


def test_verbose_shows_the_exchange(shell: Captured) -> None:
    r = shell.run("get -v /_ping")
    assert r.status == 0 and r.out == "OK\n"
    version = shell.session.client.api_version
    lines = r.err.splitlines()
    assert lines[0] == f"> GET /v{version}/_ping HTTP/1.1"
    assert "< HTTP/1.1 200 OK" in lines and f"< Api-Version: {version}" in lines
    assert any(line.startswith("* ") and line.endswith("ms to the response headers") for line in lines)
    assert lines[-1].startswith("* 2 bytes of body, ")


def test_endpoints_command(shell: Captured) -> None:
    r = shell.run("endpoints")
    assert r.status == 0 and r.out.splitlines()[0].split() == ["METHOD", "PATH", "SUMMARY"]
    assert len(r.out.splitlines()) > 100
    r = shell.run("endpoints logs")
    paths = [line.split()[1] for line in r.out.splitlines()[1:]]
    assert "/containers/{id}/logs" in paths and all("logs" in p for p in paths)
    r = shell.run("endpoints --method delete --json")
    docs = json.loads(r.out)
    assert docs and {d["method"] for d in docs} == {"DELETE"}
    r = shell.run("endpoints /containers/{id}/logs")
    assert r.out.startswith("GET /containers/{id}/logs — ")
    assert any(line.split()[:4] == ["follow", "query", "boolean", "false"] for line in r.out.splitlines())
    r = shell.run("endpoints POST /containers/web/kill")
    assert "SIGTERM" in r.out and r.out.startswith("POST /containers/{id}/kill")
    r = shell.run("endpoints /volumes/{name}")  # GET, PUT and DELETE
    assert {
        line.split()[0] for line in r.out.splitlines() if line.startswith(("GET ", "PUT ", "DELETE "))
    } == {"GET", "PUT", "DELETE"}
    r = shell.run("endpoints GET /no/such/thing")
    assert r.status == 1 and "no endpoint in the catalogue" in r.err
