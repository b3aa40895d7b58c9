"""TLS end to end against a real dockerd with ``--tlsverify`` on 127.0.0.1:2376 (scripts/tlsd.sh): verified by
default, client certificates, ``DOCKER_TLS_VERIFY``/``DOCKER_CERT_PATH``, and one clear line for a wrong CA, a
name mismatch and a missing client certificate — for plain requests, ``logs -f`` and ``exec`` (upgraded)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import IMAGE, run_dshell

from dshell.api.address import TLSConfig

ROOT = Path(__file__).resolve().parent.parent
CERTS = Path(os.environ.get("DSHELL_TLS_CERTS", "/var/lib/dshell-tls-certs"))
URL = "tcp://127.0.0.1:2376"
SOCK = "unix:///run/dshell-tls.sock"

pytestmark = pytest.mark.daemon


def flags(certs: Path, *, ca: Path | None = None, client: bool = True) -> list[str]:
    out = ["--tlsverify", "--tlscacert", str(ca or certs / "ca.pem")]
    if client:
        out += ["--tlscert", str(certs / "cert.pem"), "--tlskey", str(certs / "key.pem")]
    return out


def docker_tls(certs: Path, *args: str) -> str:
    return subprocess.run(
        ["docker", "-H", URL, *flags(certs), *args], check=True, capture_output=True, text=True, timeout=60
    ).stdout


@pytest.fixture
def wrong_ca(tmp_path: Path) -> Path:
    trustme = pytest.importorskip("trustme")
    path = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def box(tlsd: Path) -> Iterator[str]:
    name = f"dshtls-{os.getpid()}-{time.monotonic_ns() % 10**8}"
    docker_tls(
        tlsd,
        "run",
        "-d",
        "--name",
        name,
        IMAGE,
        "sh",
        "-c",
        "for i in 1 2 3; do echo l$i; sleep 1; done; sleep 60",
    )
    yield name
    subprocess.run(["docker", "-H", SOCK, "rm", "-f", name], check=False, capture_output=True, timeout=60)


def test_verified_with_client_certificate(tlsd: Path) -> None:
    r = run_dshell(URL, *flags(tlsd), "-c", "version --json")
    assert r.status == 0, r.err
    assert (
        json.loads(r.out)["Server"]["Version"]
        == docker_tls(tlsd, "version", "--format", "{{.Server.Version}}").strip()
    )
    assert r.err == ""  # verified: no warning


def test_docker_env_variables(tlsd: Path, box: str) -> None:
    env = {"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(tlsd), "DOCKER_HOST": URL}
    r = run_dshell("-c", "ps -a -q --no-trunc", env=env)
    assert r.status == 0, r.err
    assert sorted(r.out.split()) == sorted(docker_tls(tlsd, "ps", "-a", "-q", "--no-trunc").split())


def _one_line(r: object) -> str:
    err = r.err  # type: ignore[attr-defined]
    assert r.status == 1 and r.out == "", (r.out, err)  # type: ignore[attr-defined]
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize("line", ["ps", "logs -f {box}", "exec {box} echo hi"])
def test_wrong_ca_refused(tlsd: Path, wrong_ca: Path, box: str, line: str) -> None:
    r = run_dshell(URL, *flags(tlsd, ca=wrong_ca), "-c", line.format(box=box))
    text = _one_line(r)
    assert "TLS" in text and "certificate verify failed" in text


def test_name_mismatch_refused(tlsd: Path) -> None:
    r = run_dshell("tcp://localhost:2376", *flags(tlsd), "-c", "ps")
    text = _one_line(r)
    assert "localhost" in text and ("mismatch" in text or "not valid" in text)


@pytest.mark.parametrize("line", ["ps", "logs -f {box}", "exec -i {box} cat"])
def test_missing_client_certificate_refused(tlsd: Path, box: str, line: str) -> None:
    r = run_dshell(URL, *flags(tlsd, client=False), "-c", line.format(box=box))
    assert "refused the TLS connection" in _one_line(r)


def test_plaintext_to_tls_port(tlsd: Path) -> None:
    assert "TLS" in _one_line(run_dshell(URL, "-c", "ps"))


def test_long_lived_and_upgraded_connections(tlsd: Path, box: str) -> None:
    start = time.monotonic()
    r = run_dshell(URL, *flags(tlsd), "-c", f"logs -f --until 4s {box}", timeout=30)
    r = run_dshell(URL, *flags(tlsd), "-c", f"logs {box}")
    assert r.status == 0 and r.out.split()[:1] == ["l1"]
    r = run_dshell(URL, *flags(tlsd), "-c", f"exec {box} echo over-tls")
    assert r.status == 0 and r.out == "over-tls\n", r.err
    assert time.monotonic() - start < 30


def test_exec_stdin_end_over_tls(tlsd: Path, box: str) -> None:
    r = run_dshell(URL, *flags(tlsd), "-c", f"exec -i {box} cat", input="piped\n", timeout=15)
    assert r.status == 0 and r.out == "piped\n", r.err


def test_exec_output_after_stdin_end_over_tls(tlsd: Path, box: str) -> None:
    """close_notify ends the command's stdin; what it prints after that still arrives, and its status."""
    line = f"exec -i {box} sh -c 'cat; sleep 1; echo done; exit 3'"
    r = run_dshell(URL, *flags(tlsd), "-c", line, input="a\nb\n", timeout=20)
    assert (r.status, r.out) == (3, "a\nb\ndone\n"), r.err


def test_exec_large_stdin_over_tls_as_the_cli(tlsd: Path, box: str) -> None:
    """Input and output in flight both ways while stdin ends: every byte arrives, as with the Docker CLI."""
    data = "".join(f"{i:07d} {'x' * 90}\n" for i in range(20000))  # ~2 MB
    cmd = ["sh", "-c", "cat; echo done"]
    r = run_dshell(URL, *flags(tlsd), "-c", f"exec -i {box} sh -c 'cat; echo done'", input=data, timeout=60)
    assert r.status == 0, r.err
    cli = subprocess.run(
        ["docker", "-H", URL, *flags(tlsd), "exec", "-i", box, *cmd],
        input=data,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert r.out == cli == data + "done\n"


def test_run_interactive_stdin_end_over_tls(tlsd: Path, box: str) -> None:
    """``run -i`` (an attach, upgraded) passes stdin's end on too; the container ends and is removed."""
    name = f"{box}-run"
    try:
        line = f"run --rm -i --name {name} {IMAGE} sh -c 'cat; echo end'"
        r = run_dshell(URL, *flags(tlsd), "-c", line, input="x\ny\n", timeout=30)
        assert (r.status, r.out) == (0, "x\ny\nend\n"), r.err
    finally:
        subprocess.run(["docker", "-H", SOCK, "rm", "-f", name], check=False, capture_output=True, timeout=60)


def test_half_close_with_output_records_waiting(tlsd: Path, box: str) -> None:
    """The close_notify is sent while whole records of output wait undecrypted (the reader thread put them
    in): the ssl module's second SSL_shutdown would fail on them, so they are decrypted first, and kept."""
    from dshell.api.address import parse_address
    from dshell.api.client import DockerClient
    from dshell.api.exec import create_exec, start_exec
    from dshell.api.http.tls import HalfClosableTLS
    from dshell.api.streams import iter_frames

    address = parse_address(
        URL, tls=TLSConfig(str(tlsd / "ca.pem"), (str(tlsd / "cert.pem"), str(tlsd / "key.pem")))
    )
    client = DockerClient(address)
    cmd = ["sh", "-c", "echo early; cat; echo late"]
    exec_id = create_exec(client, box, {"AttachStdin": True, "AttachStdout": True, "Cmd": cmd})
    with start_exec(client, exec_id) as conn:
        assert isinstance(conn.sock, HalfClosableTLS)
        conn.send(b"middle\n")
        time.sleep(1)  # "early" and "middle" are on the socket
        assert conn.sock._pull()  # into the TLS layer, not decrypted, as a reader thread can leave them
        assert conn.sock._incoming.pending > 0
        conn.close_write()
        out = b"".join(payload for _, payload in iter_frames(conn.iter_chunks()))
    assert out == b"early\nmiddle\nlate\n"


def test_half_close_after_the_peer_closed(tmp_path: Path) -> None:
    """The peer's data and its close_notify wait in the TLS layer when stdin ends (a fault dockerd does not
    produce: it waits for stdin; a fake TLS peer on a real socket pair does): the half-close returns at once
    and the data is all read, then the end."""
    import socket
    import ssl
    import threading

    trustme = pytest.importorskip("trustme")
    from dshell.api.http.tls import HalfClosableTLS

    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(server_ctx)
    ours, theirs = socket.socketpair()
    ours.settimeout(10)

    def peer() -> None:
        with server_ctx.wrap_socket(theirs, server_side=True) as tls:
            tls.sendall(b"bye\n")
            with contextlib.suppress(OSError, ssl.SSLError):
                tls.unwrap()  # close_notify, then wait for ours

    server = threading.Thread(target=peer, daemon=True)
    server.start()
    stream = HalfClosableTLS(ours, TLSConfig(str(tmp_path / "ca.pem")), "localhost")
    stream.do_handshake()
    time.sleep(0.5)  # "bye" and the close_notify are on the socket
    assert stream._pull()  # into the TLS layer, not decrypted
    closing = threading.Thread(target=stream.shutdown, args=(socket.SHUT_WR,), daemon=True)
    closing.start()
    closing.join(5)
    assert not closing.is_alive(), "shutdown(SHUT_WR) did not return"
    assert stream.recv(100) == b"bye\n"
    assert stream.recv(100) == b""
    stream.close()
    server.join(5)


def test_exec_tty_over_tls(tlsd: Path, box: str) -> None:
    pexpect = pytest.importorskip("pexpect")
    from conftest import DSHELL

    child = pexpect.spawn(
        DSHELL,
        [URL, *flags(tlsd), "-c", f"exec -it {box} sh"],
        env={**os.environ, "TERM": "xterm"},
        timeout=20,
    )
    child.expect(r"[#$] ")
    child.sendline("echo tty-$((40+2))")
    child.expect("tty-42")
    child.sendline("exit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_tls_daemon_in_a_fan_out(tlsd: Path) -> None:
    from conftest import TCP

    if not TCP:
        pytest.skip("DSHELL_TEST_TCP is not set")
    tls = " ".join(flags(tlsd))  # TLS options on the command line apply to every daemon named there
    r = run_dshell(f"main={TCP}", "-f", "-", input=f"connect tls {URL} {tls}\nhosts --json\n")
    assert r.status == 0, r.err
    assert [d["Reachable"] for d in json.loads(r.out)] == [True, True]
