"""``cp`` both ways through the archive endpoints, ``stats``, and the pure helpers of the containers plugin."""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
import time
from pathlib import Path

import pytest
from conftest import DSHELL, IMAGE, TCP, docker, run_dshell

# -- cp ----------------------------------------------------------------------------------------------------


@pytest.fixture
def box(prefix: str) -> str:
    name = f"{prefix}-cp"
    docker(
        "run",
        "-d",
        "--name",
        name,
        IMAGE,
        "sh",
        "-c",
        "mkdir -p /data/sub && echo hi > /data/a.txt && echo deep > /data/sub/b && "
        "ln -s a.txt /data/link && chown -R 1234:99 /data && sleep 60",
    )
    deadline = time.monotonic() + 10
    while docker("exec", name, "test", "-e", "/data/link", check=False).returncode != 0:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return name


def test_cp_directory_from_the_container(shell, box: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = shell.run(f"cp {box}:/data {tmp_path}/new")  # a new name: the directory is renamed
    assert r.status == 0, r.err
    assert (tmp_path / "new" / "a.txt").read_text() == "hi\n"
    assert (tmp_path / "new" / "sub" / "b").read_text() == "deep\n"
    assert os.readlink(tmp_path / "new" / "link") == "a.txt"
    r = shell.run(f"cp {box}:/data {tmp_path}")  # an existing directory: copied into it
    assert r.status == 0 and (tmp_path / "data" / "sub" / "b").read_text() == "deep\n"
    r = shell.run(f"cp {box}:/data/. {tmp_path}/contents")  # /. copies the contents
    assert r.status == 0 and sorted(os.listdir(tmp_path / "contents")) == ["a.txt", "link", "sub"]
    r = shell.run(f"cp {box}:/data/a.txt {tmp_path}/renamed.txt")
    assert r.status == 0 and (tmp_path / "renamed.txt").read_text() == "hi\n"
    assert (tmp_path / "renamed.txt").stat().st_uid == os.getuid()  # owners only with -a
    r = shell.run(f"cp -a {box}:/data/a.txt {tmp_path}/kept.txt")
    assert r.status == 0 and (tmp_path / "kept.txt").stat().st_uid == 1234
    r = shell.run(f"cp {box}:/nope {tmp_path}")
    assert r.status == 1 and "Could not find the file /nope" in r.err
    r = shell.run(f"cp {box}:/data {tmp_path}/no/such/dir")
    assert r.status == 1 and "no such directory" in r.err


def test_cp_directory_into_the_container(shell, box: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "up"
    (src / "inner").mkdir(parents=True)
    (src / "one").write_text("1\n")
    (src / "inner" / "two").write_bytes(os.urandom(200_000))
    (src / "one").chmod(0o640)
    os.chown(src / "one", 4321, 4321)  # kept only with -a
    r = shell.run(f"cp {src} {box}:/tmp")
    assert r.status == 0, r.err
    listing = docker("exec", box, "find", "/tmp/up").stdout.decode().split()
    assert sorted(listing) == ["/tmp/up", "/tmp/up/inner", "/tmp/up/inner/two", "/tmp/up/one"]
    got = docker("exec", box, "cat", "/tmp/up/inner/two").stdout
    assert got == (src / "inner" / "two").read_bytes()
    assert docker("exec", box, "stat", "-c", "%a %u", "/tmp/up/one").stdout.decode().split() == ["640", "0"]
    r = shell.run(f"cp {src} {box}:/tmp/renamed")
    assert r.status == 0
    assert docker("exec", box, "cat", "/tmp/renamed/one").stdout == b"1\n"
    r = shell.run(f"cp {src}/one {box}:/tmp/file")
    assert r.status == 0 and docker("exec", box, "cat", "/tmp/file").stdout == b"1\n"
    r = shell.run(f"cp -a {src}/one {box}:/tmp/owned")
    uid = docker("exec", box, "stat", "-c", "%u", "/tmp/owned").stdout.decode().strip()
    assert r.status == 0 and uid == "4321"
    r = shell.run(f"cp {tmp_path}/missing {box}:/tmp")
    assert r.status == 1 and "no such file" in r.err
    r = shell.run(f"cp {src} {src}")
    assert r.status == 2


def test_cp_tar_on_stdin_and_stdout(daemon: str, box: str) -> None:
    proc = subprocess.run(
        [DSHELL, daemon, "-c", f"cp {box}:/data -"], capture_output=True, check=False, timeout=30
    )
    assert proc.returncode == 0
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
        assert {"data", "data/a.txt", "data/sub/b"} <= set(tar.getnames())
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("from-stdin.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    proc = subprocess.run(
        [DSHELL, daemon, "-c", f"cp - {box}:/tmp"],
        input=buf.getvalue(),
        capture_output=True,
        check=False,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stderr
    assert docker("exec", box, "cat", "/tmp/from-stdin.txt").stdout == b"abc"


# -- stats -------------------------------------------------------------------------------------------------


def test_stats_no_stream_and_json(shell, prefix: str) -> None:  # type: ignore[no-untyped-def]
    name = f"{prefix}-st"
    docker("run", "-d", "--name", name, IMAGE, "sleep", "60")
    r = shell.run(f"stats --no-stream {name}")
    assert r.status == 0
    header, row = r.out.splitlines()
    assert header.startswith("CONTAINER ID   NAME")
    assert "MEM USAGE / LIMIT" in header and row.split()[1] == name
    cid = json.loads(docker("inspect", name).stdout)[0]["Id"]
    assert row.startswith(cid[:12])
    r = shell.run(f"stats --no-stream --json {name}")
    doc = json.loads(r.out)
    assert (doc[0] if isinstance(doc, list) else doc)["id"] == cid
    r = shell.run(f"stats --no-stream no-such-{prefix}")
    assert r.status == 1 and "No such container" in r.err


def test_stats_live_stream(prefix: str) -> None:
    name = f"{prefix}-sl"
    docker("run", "-d", "--name", name, IMAGE, "sleep", "60")
    proc = subprocess.Popen(
        [DSHELL, TCP, "-c", f"stats {name}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        headers = 0
        rows = 0
        deadline = time.monotonic() + 15
        while headers < 2 and time.monotonic() < deadline:
            line = proc.stdout.readline().decode()
            headers += line.startswith("CONTAINER ID")
            rows += name in line
        assert headers == 2 and rows >= 1
        assert "\x1b[" not in line  # no screen redraws when not a terminal
    finally:
        proc.kill()
        proc.wait()


def test_stats_live_table_in_a_terminal_ends_on_ctrl_c(prefix: str) -> None:
    pexpect = pytest.importorskip("pexpect")
    name = f"{prefix}-stt"
    docker("run", "-d", "--name", name, IMAGE, "sleep", "60")
    child = pexpect.spawn(
        DSHELL, [TCP, "-c", f"stats {name}"], timeout=15, env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1"}
    )
    child.expect(r"\x1b\[2J")  # the screen is cleared once
    child.expect(name)
    child.expect(r"\x1b\[H" + r"CONTAINER ID[^\n]*\x1b\[K")  # later frames: drawn over, in place
    child.expect(r"\x1b\[J")
    assert b"\x1b[2J" not in child.before
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130


# -- pure helpers ------------------------------------------------------------------------------------------


def test_parse_publish() -> None:
    from dshell.errors import UsageError
    from dshell.plugins.containers.run import parse_publish

    assert parse_publish("80") == [("80/tcp", "", "")]
    assert parse_publish("8080:80/udp") == [("80/udp", "", "8080")]
    assert parse_publish("127.0.0.1:8000-8001:80-81") == [
        ("80/tcp", "127.0.0.1", "8000"),
        ("81/tcp", "127.0.0.1", "8001"),
    ]
    assert parse_publish("127.0.0.1::80") == [("80/tcp", "127.0.0.1", "")]
    assert parse_publish("8000-8010:80") == [("80/tcp", "", "8000-8010")]
    assert parse_publish("[::1]:53:53/udp") == [("53/udp", "::1", "53")]
    for bad in ("1-3:80-81", "a:80", "80/xyz", "1:2:3:4", "70000"):
        with pytest.raises(UsageError):
            parse_publish(bad)


def test_parse_mount_restart_volume_signal() -> None:
    from dshell.errors import UsageError
    from dshell.plugins.containers.ops import normalize_signal
    from dshell.plugins.containers.run import parse_mount, parse_restart, parse_volume

    assert parse_mount("type=bind,src=/a,dst=/b,readonly") == {
        "Type": "bind",
        "Source": "/a",
        "Target": "/b",
        "ReadOnly": True,
    }
    assert parse_mount("type=tmpfs,target=/t,tmpfs-size=1m")["TmpfsOptions"] == {"SizeBytes": 1 << 20}
    with pytest.raises(UsageError):
        parse_mount("type=bind,source=/a,bogus=1,target=/b")
    assert parse_restart("no") == {"Name": ""}
    assert parse_restart("on-failure:3") == {"Name": "on-failure", "MaximumRetryCount": 3}
    with pytest.raises(UsageError):
        parse_restart("always:3")
    assert parse_volume("/anon") == (None, "/anon")
    assert parse_volume("vol:/data:ro") == ("vol:/data:ro", "/data")
    assert [normalize_signal(s) for s in ("SIGTERM", "TERM", "term", "15", "SIGRTMIN+3")] == [
        "SIGTERM",
        "SIGTERM",
        "SIGTERM",
        "15",
        "SIGRTMIN+3",
    ]
    for bad in ("NOPE", "0", "99"):
        with pytest.raises(UsageError):
            normalize_signal(bad)


def test_stats_row_and_sizes() -> None:
    from dshell.output.humanize import bytes_size, human_size
    from dshell.plugins.containers.stats import stats_row

    assert bytes_size(1536) == "1.5KiB" and bytes_size(0) == "0B"
    assert human_size(1234, 3) == "1.23kB"
    doc = {
        "id": "a" * 64,
        "name": "/web",
        "cpu_stats": {"cpu_usage": {"total_usage": 300}, "system_cpu_usage": 2000, "online_cpus": 2},
        "precpu_stats": {"cpu_usage": {"total_usage": 100}, "system_cpu_usage": 1000},
        "memory_stats": {"usage": 2 << 20, "limit": 8 << 20, "stats": {"inactive_file": 1 << 20}},
        "networks": {"eth0": {"rx_bytes": 1000, "tx_bytes": 2000}, "eth1": {"rx_bytes": 500, "tx_bytes": 0}},
        "blkio_stats": {
            "io_service_bytes_recursive": [{"op": "Read", "value": 4096}, {"op": "Write", "value": 0}]
        },
        "pids_stats": {"current": 3},
    }
    assert stats_row(doc) == (
        "a" * 12,
        "web",
        "40.00%",
        "1MiB / 8MiB",
        "12.50%",
        "1.5kB / 2kB",
        "4.1kB / 0B",
        "3",
    )


def test_run_help_lists_the_flags() -> None:
    r = run_dshell("127.0.0.1:9", "-c", "run --help")
    for text in (
        "--env-file",
        "-p, --publish",
        "--mount",
        "--restart",
        "--cpus",
        "-m, --memory",
        "--cap-add",
        "-d, --detach",
        "--rm",
        "--init",
        "--privileged",
        "--entrypoint",
    ):
        assert text in r.out, text
