"""Many daemons in one session: names, ``use``, ``@NAME``, ``@all`` (concurrent, HOST column, ``-q``, ``--json``
marks), a daemon stopped mid-session and a slow one, ``hosts``, ``connect``/``disconnect``, completion.

Three daemons: the test daemon on tcp (``a``) and on its unix socket (``b``), and ``p``, the same daemon behind
a TCP relay this test starts and stops (a daemon that goes away mid-session, without touching dockerd).
"""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from conftest import IMAGE, TCP, UNIX, docker, run_dshell

pytestmark = pytest.mark.daemon


class Relay:
    """A TCP port relayed to the daemon's unix socket; :meth:`stop` makes that "daemon" go away."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.conns: list[socket.socket] = []
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self.running:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(self.target)
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self) -> None:
        self.running = False
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() (close alone would not)
        except OSError:
            pass
        self.listener.close()
        for c in self.conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()


class Silent:
    """A TCP port that accepts and never answers: a daemon that is slow past any timeout."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self.held.append(self.listener.accept()[0])
            except OSError:
                return

    def close(self) -> None:
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        for c in self.held:
            c.close()


class Shell:
    """An in-process session whose stdout and stderr go to one ordered log (and to separate buffers)."""

    def __init__(self, daemons: list[tuple[str, str]]) -> None:
        from dshell.api.address import parse_address
        from dshell.core.session import Session
        from dshell.output.console import Console

        self.log: list[tuple[str, float, str]] = []
        self.console = Console(stdout=_Tee(self.log, "out"), stderr=_Tee(self.log, "err"), stdin=None)
        first, url = daemons[0]
        self.session = Session(parse_address(url), console=self.console, name=first)
        for name, other in daemons[1:]:
            self.session.add_daemon(name, parse_address(other))
        self.session.load_plugins()
        self.session.start(config=False)

    def run(self, line: str) -> tuple[int, str, str]:
        from dshell.core.runner import execute

        mark = len(self.log)
        status = execute(self.session, line)
        part = self.log[mark:]
        out = "".join(t for k, _, t in part if k == "out")
        err = "".join(t for k, _, t in part if k == "err")
        return status, out, err


class _Tee(io.StringIO):
    def __init__(self, log: list[tuple[str, float, str]], kind: str) -> None:
        super().__init__()
        self.log, self.kind = log, kind

    def write(self, s: str) -> int:
        self.log.append((self.kind, time.monotonic(), s))
        return len(s)


@pytest.fixture
def relay() -> Iterator[Relay]:
    if not TCP:
        pytest.skip("DSHELL_TEST_TCP is not set")
    r = Relay(UNIX.removeprefix("unix://"))
    yield r
    r.stop()


@pytest.fixture
def three(relay: Relay) -> Iterator[Shell]:
    sh = Shell([("a", TCP), ("b", UNIX), ("p", f"tcp://127.0.0.1:{relay.port}")])
    yield sh
    sh.session.close()


@pytest.fixture
def boxes(prefix: str) -> list[str]:
    """Two containers (one running, one created) named with the test's prefix: their full ids."""
    docker("run", "-d", "--name", f"{prefix}-run", IMAGE, "sh", "-c", "echo one; echo two; sleep 60")
    docker("create", "--name", f"{prefix}-made", IMAGE, "true")
    out = docker("ps", "-a", "--no-trunc", "-q", "--filter", f"name={prefix}").stdout.decode()
    return out.split()


def _short(ids: list[str]) -> list[str]:
    return [i[:12] for i in ids]


def test_all_table_gets_host_column(three: Shell, prefix: str, boxes: list[str]) -> None:
    status, out, err = three.run(f"@all ps -a --filter name={prefix}")
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["HOST", "CONTAINER", "ID"]
    hosts = [ln.split()[0] for ln in lines[1:]]
    assert hosts == ["a", "a", "b", "b", "p", "p"]  # each daemon's rows together, in the session's order
    for ln in lines[1:]:
        assert ln.split()[1] in _short(boxes)


def test_quiet_stays_bare_ids(three: Shell, prefix: str, boxes: list[str]) -> None:
    status, out, _ = three.run(f"@a,b ps -a -q --filter name={prefix}")
    assert status == 0
    assert sorted(out.split()) == sorted(_short(boxes) * 2)  # no HOST, no prefix: composes with xargs


def test_json_documents_marked_with_their_daemon(three: Shell, prefix: str, boxes: list[str]) -> None:
    status, out, _ = three.run(f"@all ps -a --json --filter name={prefix}")
    assert status == 0
    docs = json.loads(out)
    assert sorted(d["Daemon"] for d in docs) == ["a", "a", "b", "b", "p", "p"]
    assert {d["Id"] for d in docs} == set(boxes)
    status, out, _ = three.run(f"@a,p inspect {prefix}-made")
    assert [d["Daemon"] for d in json.loads(out)] == ["a", "p"]


def test_daemon_stopped_mid_session(three: Shell, relay: Relay, prefix: str, boxes: list[str]) -> None:
    status, out, _ = three.run(f"@all ps -a -q --filter name={prefix}")
    assert status == 0 and len(out.split()) == 6
    relay.stop()  # the third daemon goes away between two commands
    status, out, err = three.run(f"@all ps -a -q --filter name={prefix}")
    assert status != 0
    assert sorted(out.split()) == sorted(_short(boxes) * 2)  # the others still answer
    assert [ln.split(":")[0] for ln in err.splitlines()] == ["p"]  # one line, named
    assert "cannot connect" in err or "closed" in err
    status, out, err = three.run(f"@all ps -a --filter name={prefix}")
    assert status != 0 and "HOST" in out and err.startswith("p: ")
    status, _, _ = three.run(f"@a,b ps -q --filter name={prefix}")
    assert status == 0


def test_slow_daemon_does_not_hold_back_the_others(relay: Relay, prefix: str, boxes: list[str]) -> None:
    silent = Silent()
    sh = Shell([("a", TCP), ("b", UNIX), ("slow", f"tcp://127.0.0.1:{silent.port}")])
    try:
        sh.run("set timeout 2")
        start = time.monotonic()
        status, out, err = sh.run(f"@all ps -a -q --filter name={prefix}")
        took = time.monotonic() - start
        assert status != 0
        assert sorted(out.split()) == sorted(_short(boxes) * 2)
        assert err.startswith("slow: ") and "did not answer in time" in err
        assert 1.5 < took < 10
        first_err = next(t for k, t, _ in sh.log if k == "err")
        last_out = max(t for k, t, s in sh.log if k == "out" and s.strip())
        assert last_out < first_err - 1  # the ids were out well before the slow daemon's timeout
    finally:
        sh.session.close()
        silent.close()


def test_use_and_at_name(three: Shell, prefix: str, boxes: list[str]) -> None:
    status, out, _ = three.run("hosts")
    assert status == 0
    rows = {ln.split()[0]: ln for ln in out.splitlines()[1:]}
    assert set(rows) == {"a", "b", "p"} and "*" in rows["a"].split()[1]
    assert "yes" in rows["b"] and "/" in rows["b"].split()[-1]
    assert three.run("use b")[0] == 0
    assert three.session.current == "b"
    status, out, _ = three.run("hosts --json")
    assert [d["Name"] for d in json.loads(out) if d["Current"]] == ["b"]
    status, out, _ = three.run("@p version --json")
    assert status == 0 and json.loads(out)["Server"]["Version"]
    assert three.session.current == "b"  # @p was for one command
    status, _, err = three.run("@nope ps")
    assert status == 2 and "unknown daemon: nope" in err
    status, _, err = three.run("@all")
    assert status == 2 and "which command" in err


def test_connect_disconnect(three: Shell, relay: Relay) -> None:
    status, _, err = three.run(f"connect extra tcp://127.0.0.1:{relay.port}")
    assert status == 0, err
    assert "extra" in three.session.daemons
    assert three.run("connect all tcp://127.0.0.1:1")[0] == 2
    assert three.run("disconnect a")[0] == 2  # the current daemon stays
    assert three.run("disconnect extra")[0] == 0
    assert "extra" not in three.session.daemons


def test_fanned_out_logs_are_prefixed(three: Shell, prefix: str, boxes: list[str]) -> None:
    deadline = time.monotonic() + 10
    while b"two" not in docker("logs", f"{prefix}-run").stdout and time.monotonic() < deadline:
        time.sleep(0.1)
    status, out, _ = three.run(f"@a,b logs {prefix}-run")
    assert status == 0
    assert sorted(out.splitlines()) == ["a | one", "a | two", "b | one", "b | two"]


def test_follow_streams_interleave(three: Shell, prefix: str) -> None:
    docker(
        "run",
        "-d",
        "--name",
        f"{prefix}-tick",
        IMAGE,
        "sh",
        "-c",
        "for i in 1 2 3; do echo t$i; sleep 1; done",
    )
    start = time.monotonic()
    status, out, _ = three.run(f"@a,p logs -f {prefix}-tick")
    assert status == 0 and time.monotonic() - start >= 1.5  # followed until the container ended
    assert sorted(out.splitlines()) == sorted(f"{n} | t{i}" for n in "ap" for i in (1, 2, 3))


def test_completion_after_at(three: Shell, prefix: str, boxes: list[str]) -> None:
    pytest.importorskip("prompt_toolkit")
    from dshell.interactive.completer import DshellCompleter

    c = DshellCompleter(three.session)
    assert [x.text for x in c.candidates("@")[1]] == ["@a", "@b", "@p", "@all"]
    assert [x.text for x in c.candidates("@a,")[1]] == ["@a,a", "@a,b", "@a,p"]
    names = [x.text for x in c.candidates(f"@p logs {prefix}")[1]]
    assert f"{prefix}-run" in names
    three.run("connect dead tcp://127.0.0.1:1")
    assert c.candidates(f"@dead logs {prefix}")[1] == []  # live names come from the targeted daemon


def test_command_line_names_daemons(relay: Relay, prefix: str, boxes: list[str]) -> None:
    r = run_dshell(
        f"a={TCP}", UNIX, f"tcp://127.0.0.1:{relay.port}", "-c", f"@all ps -a --filter name={prefix}"
    )
    assert r.status == 0, r.err
    hosts = [ln.split()[0] for ln in r.out.splitlines()[1:]]
    far = f"127.0.0.1:{relay.port}"  # named after its host, with the port as it is not 2375
    assert hosts == ["a", "a", "docker", "docker", far, far]
    relay.stop()
    r = run_dshell(
        f"a={TCP}", f"gone=tcp://127.0.0.1:{relay.port}", "-c", f"@all ps -aq --filter name={prefix}"
    )
    assert r.status == 1 and r.err.startswith("gone: ") and len(r.out.split()) == 2


def test_fanout_merge_is_pure() -> None:
    from dshell.output.fanout import merge_documents, merge_tables
    from dshell.output.results import Document, Table

    t = merge_tables([("x", Table(["A"], [["1"]])), ("y", Table(["A"], [["2"], ["3"]]))])
    assert t.columns == ["HOST", "A"] and t.rows == [["x", "1"], ["y", "2"], ["y", "3"]]
    assert t.data == [{"Daemon": "x", "A": "1"}, {"Daemon": "y", "A": "2"}, {"Daemon": "y", "A": "3"}]
    d = merge_documents([("x", Document([{"Id": 1}])), ("y", Document("text"))])
    assert d.data == [{"Daemon": "x", "Id": 1}, {"Daemon": "y", "Data": "text"}]


def test_fanned_out_commands_pass_through_run_command_wrappers(
    three: Shell, prefix: str, boxes: list[str]
) -> None:
    """A plugin wrapping ``dshell_run_command`` (a timer, an auditor) sees ``@all`` commands too: once per
    daemon, each with that daemon current, and the merged table is still printed."""
    from collections.abc import Generator
    from typing import Any

    from dshell.core.hookspecs import hookimpl

    seen: list[tuple[str, int]] = []

    class Audit:
        @hookimpl(wrapper=True)
        def dshell_run_command(self, invocation: Any) -> Generator[None, Any, Any]:
            outcome = yield
            seen.append((invocation.session.daemon.name, outcome.status))
            return outcome

    three.session.plugins.register(Audit(), "audit")
    status, out, _ = three.run(f"@a,b ps -a -q --filter name={prefix}")
    assert status == 0
    assert sorted(seen) == [("a", 0), ("b", 0)]
    assert sorted(out.split()) == sorted(_short(boxes) * 2)
