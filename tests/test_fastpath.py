"""The lean start-up path: argv without argparse, entry points without importlib.metadata, whole replies
on the one HTTP stack (:mod:`dshell.api.http`), and the fast docker-style table. Each is checked against
what it replaces, and the transport against the real daemon (a fake server only for faults a daemon cannot
produce)."""

from __future__ import annotations

import ast
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import IMAGE, TCP, UNIX, need_daemon

from dshell.api.address import resolve_address
from dshell.api.client import DockerClient
from dshell.api.http import WholeReply
from dshell.cli import build_parser, fast_parse
from dshell.core.pluginhost import find_entry_points
from dshell.errors import DshellError, NotFound
from dshell.output.render import format_table

# -- argv --------------------------------------------------------------------------------------------------

SAME_AS_ARGPARSE = [
    ["a=tcp://127.0.0.1:2375", "b", "-c", "@all ps"],  # several daemons, named or not
    ["127.0.0.1", "-c", "ps -a"],
    ["-c", "ps"],
    ["--timeout", "3", "-f", "x.dsh"],
    ["--timeout=2.5", "-c", "x"],
    ["-H", "tcp://a:1", "-c", "x", "--json", "--debug"],
    ["--disable-plugins", "a,b", "--tls", "--tlscacert", "ca.pem", "host"],
    ["-f", "-"],
    ["--tlskey=k", "--tlscert", "c", "--insecure-skip-tls-verify", "--api-version", "1.40", "--keep-going"],
    [],
    ["unix:///var/run/docker.sock", "--tlsverify"],
]
LEFT_TO_ARGPARSE = [
    ["-h"],
    ["--help"],
    ["--version"],
    ["-c", "a", "-f", "b"],
    ["--time", "3"],
    ["-c"],
    ["--timeout", "soon"],
    ["-c", "-x"],
    ["--json=1"],
    ["-cps"],
    ["--", "-c"],
]


@pytest.mark.parametrize("argv", SAME_AS_ARGPARSE)
def test_fast_parse_reads_what_argparse_reads(argv: list[str]) -> None:
    fast = fast_parse(argv)
    assert fast is not None
    assert vars(fast) == vars(build_parser().parse_args(argv))


@pytest.mark.parametrize("argv", LEFT_TO_ARGPARSE)
def test_fast_parse_leaves_the_rest_to_argparse(argv: list[str]) -> None:
    assert fast_parse(argv) is None


# -- entry points ------------------------------------------------------------------------------------------


def _as_tuples(eps: object) -> list[tuple[str, str, str, str]]:
    return sorted((e.name, e.value, e.dist.name, e.dist.version) for e in eps)  # type: ignore[attr-defined]


def _dist(where: Path, folder: str, name: str, version: str, entry_points: str) -> None:
    info = where / folder
    info.mkdir()
    meta = "METADATA" if folder.endswith(".dist-info") else "PKG-INFO"
    (info / meta).write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nlong text\nName: no\n"
    )
    (info / "entry_points.txt").write_text(entry_points)


def test_entry_points_as_importlib_metadata_finds_them(tmp_path: Path) -> None:
    from importlib.metadata import entry_points

    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    _dist(
        first,
        "fancy_plug-2.0.dist-info",
        "fancy-plug",
        "2.0",
        "[dshell]\nfancy = fancy_mod:plugin\n[other]\nx = y\n",
    )
    _dist(first, "old_plug-0.3-py3.11.egg-info", "old.plug", "0.3", "# comment\n[dshell]\nold=old_mod\n")
    _dist(
        second, "Fancy.Plug-9.9.dist-info", "Fancy.Plug", "9.9", "[dshell]\nshadowed = nothing\n"
    )  # same name
    _dist(second, "none-1.0.dist-info", "none", "1.0", "[console_scripts]\nnone = none:main\n")
    path = [str(first), str(second)]
    ours = find_entry_points("dshell", path)
    assert _as_tuples(ours) == _as_tuples(_theirs("dshell", path))
    assert _as_tuples(ours) == [
        ("fancy", "fancy_mod:plugin", "fancy-plug", "2.0"),
        ("old", "old_mod", "old.plug", "0.3"),
    ]
    # and on the real sys.path, for the built-ins and for a group with many entries
    for group in ("dshell", "console_scripts"):
        assert _as_tuples(find_entry_points(group)) == _as_tuples(entry_points(group=group))


def _theirs(group: str, path: list[str]) -> list[object]:
    from importlib.metadata import distributions

    seen: set[str] = set()
    out: list[object] = []
    for d in distributions(path=path):
        key = d.metadata["Name"].lower().replace("_", "-").replace(".", "-")
        if key in seen:
            continue
        seen.add(key)
        out += [ep for ep in d.entry_points if ep.group == group]
    return out


def test_entry_point_load_follows_attributes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ep_target_mod.py").write_text("class A:\n    class B:\n        value = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    _dist(
        tmp_path, "ep_target-1.0.dist-info", "ep-target", "1.0", "[dshell]\nt = ep_target_mod:A.B [extra]\n"
    )
    (ep,) = find_entry_points("dshell", [str(tmp_path)])
    assert ep.load().value == 42


# -- the -c path imports ---------------------------------------------------------------------------------


def test_one_shot_path_imports_nothing_heavy() -> None:
    need_daemon()
    code = (
        "import sys, io\n"
        "from dshell.cli import main\n"
        "out = sys.stdout\n"
        "sys.stdout = io.StringIO()\n"
        f"status = main([{TCP!r}, '-c', 'ps -a'])\n"
        "out.write(repr((status, sorted(sys.modules))))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tempfile.gettempdir(),  # not the source tree, whose dshell/ would shadow the installed package
    )
    status, modules = ast.literal_eval(proc.stdout)
    assert status == 0, proc.stderr
    heavy = {
        "requests",
        "urllib3",
        "http.client",
        "email",
        "importlib.metadata",
        "argparse",
        "prompt_toolkit",
    }
    heavy |= {"pygments", "tabulate"}
    assert heavy.isdisjoint(modules), heavy & set(modules)


# -- the lean transport against the daemon ---------------------------------------------------------------


@pytest.fixture(params=["tcp", "unix"])
def client(request: pytest.FixtureRequest) -> Iterator[DockerClient]:
    need_daemon()
    where = TCP if request.param == "tcp" else UNIX
    if request.param == "unix" and not os.access(where.removeprefix("unix://"), os.W_OK):
        pytest.skip("no access to the unix socket")
    c = DockerClient(resolve_address(where))
    yield c
    c.close()


def test_whole_replies_on_one_kept_alive_connection(client: DockerClient, prefix: str) -> None:
    assert client.api_version  # the ping
    created = client.post_json(
        "/containers/create", params={"name": f"{prefix}-lean"}, json_body={"Image": IMAGE, "Cmd": ["true"]}
    )
    ident = created["Id"]
    doc = client.get_json("/containers/{}/json", f"{prefix}-lean")  # a chunked reply
    assert doc["Id"] == ident and doc["Name"] == f"/{prefix}-lean"
    listed = client.get_json(
        "/containers/json", params={"all": True, "filters": {"name": [f"{prefix}-lean"]}}
    )
    assert [c["Id"] for c in listed] == [ident]
    head = client.request("HEAD", "/containers/{}/archive", ident, params={"path": "/"})
    assert (
        isinstance(head, WholeReply)
        and head.content == b""
        and "X-Docker-Container-Path-Stat" in head.headers
    )
    assert head.headers.get("x-docker-container-path-stat") == head.headers["X-Docker-Container-Path-Stat"]
    with pytest.raises(NotFound) as err:
        client.get_json("/containers/{}/json", f"{prefix}-no such")
    assert "No such container" in err.value.message
    client.request("DELETE", "/containers/{}", ident, params={"force": True})
    assert client.pool.opened == 1


def test_a_connection_the_daemon_closed_is_not_reused(client: DockerClient) -> None:
    client.get_json("/version")
    (conn,) = client.pool._idle
    conn.sock.shutdown(socket.SHUT_RDWR)  # as if the daemon had closed it while idle
    assert client.get_json("/version")["ApiVersion"]
    assert client.pool._idle and client.pool._idle[0] is not conn


# -- faults a daemon cannot produce -----------------------------------------------------------------------


def _serve(handler: object) -> tuple[str, threading.Thread]:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()

    def run() -> None:
        with srv:
            conn, _ = srv.accept()
            with conn:
                handler(conn)  # type: ignore[operator]

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return f"tcp://127.0.0.1:{srv.getsockname()[1]}", t


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def test_replies_without_keep_alive_and_with_chunks() -> None:
    def handler(conn: socket.socket) -> None:
        _read_request(conn)  # the ping
        conn.sendall(b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK")
        request = _read_request(conn)
        assert request.startswith(b"GET /v1.41/things?a=1&b=x+y HTTP/1.1\r\n")
        body = json.dumps({"n": 1}).encode()
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        )
        _read_request(conn)
        conn.sendall(b"HTTP/1.0 200 OK\r\n\r\n[1, 2]")  # read to close
        conn.close()

    where, t = _serve(handler)
    c = DockerClient(resolve_address(where))
    assert c.get_json("/things", params={"a": 1, "b": "x y"}) == {"n": 1}
    assert c.get_json("/more") == [1, 2]
    assert c.pool._idle == []
    t.join(5)


def test_garbage_and_silence_become_one_line_errors() -> None:
    def garbage(conn: socket.socket) -> None:
        _read_request(conn)
        conn.sendall(b"\x15\x03\x01\x00\x02\x02\x46")  # a TLS alert, as a TLS-only port answers

    where, t = _serve(garbage)
    with pytest.raises(DshellError) as err:
        DockerClient(resolve_address(where)).get_json("/version")
    assert str(err.value).startswith("malformed reply from the daemon at tcp://127.0.0.1:")
    assert err.value.hint and "TLS" in err.value.hint
    t.join(5)

    stop = threading.Event()

    def silent(conn: socket.socket) -> None:
        _read_request(conn)
        stop.wait(10)

    where, t = _serve(silent)
    c = DockerClient(resolve_address(where), timeout=0.3, api_version="1.41")
    with pytest.raises(DshellError) as err:
        c.get_json("/version")
    assert "did not answer in time" in str(err.value)
    stop.set()
    t.join(5)


# -- format_table ------------------------------------------------------------------------------------------


def _reference_table(columns: list[str], rows: list[list[str]]) -> str:
    """Go's text/tabwriter as the Docker CLI sets it up (minwidth 10, padding 3, padchar ' '): every cell but
    the last of a line is padded to its column's widest cell plus 3, and to at least 10."""
    widths = [len(c) for c in columns]
    for row in rows:
        for i, v in enumerate(row):
            widths[i] = max(widths[i], len(v))
    cells = [max(w + 3, 10) for w in widths]
    last = len(columns) - 1
    lines = []
    for row in [columns, *rows]:
        parts = [v.ljust(cells[i]) if i < last else v for i, v in enumerate(row)]
        lines.append("".join(parts).rstrip())
    return "\n".join(lines)


def test_docker_table_is_the_cli_layout() -> None:
    rng = random.Random(7)
    words = ["", "a", "busybox:latest", "Up 3 minutes", "ünïcode", "{braces}", "x" * 40]
    for ncols in (1, 2, 7):
        columns = [f"COL{i}" for i in range(ncols)]
        rows = [[rng.choice(words) for _ in range(ncols)] for _ in range(rng.randint(0, 60))]
        assert format_table(columns, rows) == _reference_table(columns, rows)
    assert (
        format_table(["A", "B", "C"], [("x", None, ["p", "q"]), (1, 2.5, ())])
        == "A         B         C\nx                   p,q\n1         2.5"
    )
    assert format_table(["A", "B"], [("x",), ("y", "z", "w")]) == "A         B\nx\ny         z         w"
    assert format_table(["A"], []) == "A"


# -- chunked streams in blocks -----------------------------------------------------------------------------


def _chunked(parts: list[bytes], *, ext: bool = False) -> bytes:
    body = b"".join(b"%x%s\r\n%s\r\n" % (len(p), b";x=1" if ext else b"", p) for p in parts)
    return body + b"0\r\n\r\n"


def _decode(pieces: list[bytes]) -> list[bytes]:
    """The body blocks the connection layer decodes from a reply that arrives in ``pieces``."""
    from dshell.api.http.connection import ReplyReader

    reader = ReplyReader("test")
    blocks = []
    for piece in pieces:
        reader.feed(piece)
        if reader.body:
            blocks.append(reader.take_body())
    if not reader.done:
        from dshell.api.http.errors import ReplyBrokenOff

        raise ReplyBrokenOff("test", "the connection closed before the end of the body")
    return blocks


HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


def test_dechunking_any_cut_of_any_body() -> None:
    rng = random.Random(11)
    for _ in range(2000):
        parts = [rng.randbytes(rng.choice([1, 2, 5, 80, 300])) for _ in range(rng.randint(0, 12))]
        body = HEAD + _chunked(parts, ext=rng.random() < 0.2)
        cuts = sorted(rng.sample(range(1, len(body)), min(len(body) - 1, rng.randint(0, 30))))
        got = _decode([body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)])
        assert b"".join(got) == b"".join(parts)
        assert all(got)  # never an empty block


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"3\r\nabc\r\n", "closed before the end of the body"),
        (b"zz\r\nabc\r\n", "invalid character in chunk size"),
        (b"3\r\nabcXX0\r\n\r\n", "expected lf after chunk data"),
    ],
)
def test_dechunking_refuses_broken_bodies(body: bytes, message: str) -> None:
    with pytest.raises(DshellError, match=f"(?i){message}"):
        _decode([HEAD + body])


def test_a_log_of_many_small_frames_streams_in_blocks(prefix: str) -> None:
    """The daemon sends each log frame as an HTTP chunk of its own; dshell reads them in large blocks."""
    need_daemon()
    from conftest import docker

    from dshell.api.streams import iter_frames

    script = "i=0; while [ $i -lt 3000 ]; do echo line $i; echo err $i >&2; i=$((i+1)); done"
    docker("run", "--name", f"{prefix}-log", "--log-driver", "json-file", IMAGE, "sh", "-c", script)
    c = DockerClient(resolve_address(TCP))
    resp = c.request(
        "GET", "/containers/{}/logs", f"{prefix}-log", params={"stdout": 1, "stderr": 1}, stream=True
    )
    assert resp.headers.get("Transfer-Encoding") == "chunked"
    blocks = list(c.iter_stream(resp))
    out = b"".join(p for kind, p in iter_frames(blocks) if kind == 1).decode()
    err = b"".join(p for kind, p in iter_frames(blocks) if kind == 2).decode()
    assert out == "".join(f"line {i}\n" for i in range(3000))
    assert err == "".join(f"err {i}\n" for i in range(3000))
    assert len(blocks) < 6000  # not one block per frame
    c.close()


def test_lean_streams_logs_save_and_errors(prefix: str) -> None:
    """``DockerClient.stream``: the body in blocks as it arrives, errors raised before the first block."""
    need_daemon()
    from conftest import docker

    from dshell.api.streams import iter_frames

    docker(
        "run",
        "--name",
        f"{prefix}-s",
        "--log-driver",
        "json-file",
        IMAGE,
        "sh",
        "-c",
        "seq 1 20000; echo bye >&2",
    )
    c = DockerClient(resolve_address(TCP))
    blocks = list(
        c.stream("GET", "/containers/{}/logs", f"{prefix}-s", params={"stdout": True, "stderr": True})
    )
    frames = list(iter_frames(blocks))
    assert b"".join(p for k, p in frames if k == 1) == "".join(f"{i}\n" for i in range(1, 20001)).encode()
    assert b"".join(p for k, p in frames if k == 2) == b"bye\n"
    assert all(blocks) and len(blocks) < 20000
    with pytest.raises(NotFound):
        c.stream("GET", "/containers/{}/logs", f"{prefix}-none", params={"stdout": True})
    # a Content-Length body, and an image archive equal to the CLI's
    assert json.loads(b"".join(c.stream("GET", "/version")))["ApiVersion"]
    archive = b"".join(c.stream("GET", "/images/get?names={}", IMAGE))
    assert archive == docker("save", IMAGE).stdout
    # stopping early closes the stream's own connection; the pool goes on working
    events = c.stream("GET", "/events", params={"since": 0, "until": int(time.time()) + 60})
    next(events)
    events.close()
    assert c.get_json("/version")["ApiVersion"]
    c.close()


def _script_modules(tmp_path: Path, text: str) -> tuple[int, str, list[str]]:
    script = tmp_path / "lines.dsh"
    script.write_text(text)
    code = (
        "import sys, io\n"
        "from dshell.cli import main\n"
        "out = sys.stdout\n"
        "sys.stdout = io.StringIO()\n"
        f"status = main([{TCP!r}, '-f', {str(script)!r}])\n"
        "out.write(repr((status, sys.stdout.getvalue(), sorted(sys.modules))))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tempfile.gettempdir(),
    )
    status, out, modules = ast.literal_eval(proc.stdout)
    assert status == 0, proc.stderr
    return status, out, modules


AUTOMATION = {"dshell.core.pipeline", "dshell.core.variables", "dshell.core.expand", "dshell.core.control"}


def test_script_without_dollar_skips_the_automation_layer(tmp_path: Path) -> None:
    """No line of a file without ``$`` can read ``$_`` or a variable: its plain lines take the -c path."""
    need_daemon()
    _, out, modules = _script_modules(
        tmp_path, "version --format '{{.Server.APIVersion}}'\n# a comment\nps -a -q\n"
    )
    assert out.splitlines()[0].startswith("1.")
    assert AUTOMATION.isdisjoint(modules), AUTOMATION & set(modules)


def test_script_with_dollar_keeps_results(tmp_path: Path) -> None:
    need_daemon()
    text = "version --format '{{.Server.APIVersion}}'\necho got $_\n"
    _, out, modules = _script_modules(tmp_path, text)
    first, second = out.splitlines()
    assert second == f"got {first}"
    assert "dshell.core.pipeline" in modules
