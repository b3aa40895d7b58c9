"""The fan-out's worker threads (``@all CMD``): kept between lines, reused, never ended by a job's failure,
ended after an idle wait; Ctrl-C ends a fan-out at once and nothing more is printed after it."""

from __future__ import annotations

import functools
import io
import os
import signal
import threading
import time

import pytest
from conftest import IMAGE, TCP, UNIX, docker
from test_multi_daemon import Shell, Silent

from dshell.core.workers import CREW, Crew


def test_crew_reuses_an_idle_worker() -> None:
    crew = Crew()
    done: list[tuple[int, str]] = []
    finished = threading.Event()

    def job(n: int) -> int:
        done.append((n, threading.current_thread().name))
        return n

    def finish(status: int) -> None:
        done.append((status, ""))
        finished.set()

    for n in (3, 4, 5):
        finished.clear()
        crew.run(f"job-{n}", functools.partial(job, n), finish)
        assert finished.wait(5)
    assert crew.started == 1 and crew.idle() == 1  # one thread did the three, one after the other
    assert done == [(3, "job-3"), (3, ""), (4, "job-4"), (4, ""), (5, "job-5"), (5, "")]


def test_a_failing_job_does_not_end_its_worker() -> None:
    crew = Crew()
    statuses: list[int] = []
    finished = threading.Event()

    def boom() -> int:
        raise RuntimeError("a plugin's bug")

    def finish(status: int) -> None:
        statuses.append(status)
        finished.set()

    crew.run("boom", boom, finish)
    assert finished.wait(5)
    finished.clear()
    crew.run("fine", lambda: 0, finish)
    assert finished.wait(5)
    assert statuses == [1, 0] and crew.started == 1


def test_an_idle_worker_ends() -> None:
    crew = Crew(idle_seconds=0.2)
    finished = threading.Event()
    threads: list[threading.Thread] = []

    def job() -> int:
        threads.append(threading.current_thread())
        return 0

    crew.run("once", job, lambda status: finished.set())
    assert finished.wait(5)
    assert crew.idle() == 1
    threads[0].join(5)
    assert not threads[0].is_alive() and crew.idle() == 0
    crew.run("again", lambda: 0, lambda status: finished.set())  # a new one when none is idle
    assert crew.started == 2


@pytest.mark.daemon
def test_a_second_fan_out_starts_no_thread(prefix: str) -> None:
    if not TCP:
        pytest.skip("DSHELL_TEST_TCP is not set")
    docker("create", "--name", f"{prefix}-made", IMAGE, "true")
    sh = Shell([("a", TCP), ("b", UNIX), ("c", TCP)])
    try:
        for _ in range(5):  # the first lines start workers (fewer than three if one was done meanwhile)
            status, out, _ = sh.run(f"@all ps -a -q --filter name={prefix}")
            assert status == 0 and len(out.split()) == 3
            if CREW.idle() >= 3:
                break
        assert CREW.idle() >= 3  # all back, idle, before the line ended
        started = CREW.started
        for _ in range(5):
            status, out, _ = sh.run(f"@all ps -a -q --filter name={prefix}")
            assert status == 0 and len(out.split()) == 3
        assert CREW.started == started
    finally:
        sh.session.close()


@pytest.mark.daemon
def test_ctrl_c_ends_the_fan_out(prefix: str) -> None:
    """Ctrl-C while one daemon is silent: the line ends at once with 130, the answering daemon's ids are out,
    and the silent one's timeout, later, prints nothing."""
    if not TCP:
        pytest.skip("DSHELL_TEST_TCP is not set")
    docker("create", "--name", f"{prefix}-made", IMAGE, "true")
    silent = Silent()
    sh = Shell([("a", TCP), ("slow", f"tcp://127.0.0.1:{silent.port}")])
    try:
        sh.run("set timeout 2")
        timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
        start = time.monotonic()
        timer.start()
        status, out, err = sh.run(f"@all ps -a -q --filter name={prefix}")
        took = time.monotonic() - start
        assert status == 130 and took < 1.5
        assert len(out.split()) == 1 and "interrupted" in err
        mark = len(sh.log)
        time.sleep(2.5)  # past the silent daemon's timeout: its worker gives up, quietly
        assert sh.log[mark:] == []
    finally:
        sh.session.close()
        silent.close()


class _Gate(io.StringIO):
    """stdout whose first write takes until :attr:`go` is set (a terminal that drains slowly), logged once
    written."""

    def __init__(self, log: list[tuple[str, float, str]]) -> None:
        super().__init__()
        self.log = log
        self.go = threading.Event()
        self.first = True

    def write(self, s: str) -> int:
        if self.first:
            self.first = False
            self.go.wait(5)
        self.log.append(("out", time.monotonic(), s))
        return len(s)


@pytest.mark.daemon
def test_nothing_is_printed_after_ctrl_c_returned(prefix: str) -> None:
    """Ctrl-C while one daemon's line is being written and another's waits for its turn: the line being
    written ends before the prompt is back, and the waiting one is not printed after it."""
    if not TCP:
        pytest.skip("DSHELL_TEST_TCP is not set")
    docker("run", "--network", "none", "--name", f"{prefix}-said", IMAGE, "sh", "-c", "echo one; echo two")
    sh = Shell([("a", TCP), ("b", UNIX)])
    gate = _Gate(sh.log)
    sh.console.stdout = gate
    try:
        threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        threading.Timer(1.0, gate.go.set).start()
        status, _, err = sh.run(f"@all logs {prefix}-said")
        assert status == 130 and "interrupted" in err
        mark = len(sh.log)
        time.sleep(1)  # the other daemon's worker had its line ready before Ctrl-C
        assert sh.log[mark:] == []
        assert [s for k, _, s in sh.log if k == "out"][:1] in ([], ["a | one\n"], ["b | one\n"])
    finally:
        gate.go.set()
        sh.session.close()


def _busy(names: list[str]) -> list[str]:
    return [t.name for t in threading.enumerate() if t.name in {f"dshell-@{n}" for n in names}]


@pytest.mark.daemon
@pytest.mark.parametrize("follow", ["events", "logs -f"])
def test_ctrl_c_frees_workers_blocked_on_a_quiet_stream(prefix: str, follow: str) -> None:
    """``@all events`` / ``@all logs -f`` of a quiet container: after Ctrl-C the workers' streams are closed,
    their jobs end and they are idle again, so the next fan-out starts no thread."""
    if not TCP:
        pytest.skip("DSHELL_TEST_TCP is not set")
    names = [f"{prefix}-t", f"{prefix}-u"]
    if follow == "events":
        line = f"@all events --filter label={prefix}"  # nothing on the shared daemon carries that label
    else:
        docker("run", "-d", "--network", "none", "--name", f"{prefix}-quiet", IMAGE, "sleep", "60")
        line = f"@all logs -f {prefix}-quiet"
    sh = Shell([(names[0], TCP), (names[1], UNIX)])
    try:
        threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        status, out, err = sh.run(line)
        assert status == 130 and out == "" and "interrupted" in err
        deadline = time.monotonic() + 1
        while _busy(names) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _busy(names) == []  # both jobs ended: their workers are idle again
        assert CREW.idle() >= 2
        started = CREW.started
        mark = len(sh.log)
        status, _, _ = sh.run(f"@all ps -q --filter name={prefix}")
        assert status == 0 and CREW.started == started
        time.sleep(0.2)
        assert [s for _, _, s in sh.log[mark:] if "interrupted" in s or "Error" in s] == []
    finally:
        sh.session.close()


def test_an_exception_escaping_a_job_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    crew = Crew()
    statuses: list[int] = []
    reported: list[BaseException] = []
    finished = threading.Event()

    def finish(status: int) -> None:
        statuses.append(status)
        finished.set()

    def leaves() -> int:
        raise SystemExit(4)

    crew.run("dshell-@x", leaves, finish)  # no report: one line on stderr, named
    assert finished.wait(5)
    assert capsys.readouterr().err == "dshell-@x: internal error: SystemExit: 4\n"
    finished.clear()
    crew.run("dshell-@y", leaves, finish, reported.append)
    assert finished.wait(5)
    assert statuses == [1, 1] and [type(e) for e in reported] == [SystemExit]
    assert capsys.readouterr().err == ""
    finished.clear()

    def fails(exc: BaseException) -> None:
        raise RuntimeError("the report's own bug")

    crew.run("dshell-@z", leaves, finish, fails)  # the report failing: still said, and the worker lives on
    assert finished.wait(5)
    assert capsys.readouterr().err == "dshell-@z: internal error: SystemExit: 4\n"
    assert statuses == [1, 1, 1] and crew.started == 1


@pytest.mark.daemon
def test_fan_out_reports_an_escaping_exception_by_daemon(prefix: str) -> None:
    """A ``SystemExit`` (or ``KeyboardInterrupt``) raised in one daemon's job is a bug: one line naming that
    daemon, the traceback under --debug, status 1; the other daemon's output is as usual."""
    if not TCP:
        pytest.skip("DSHELL_TEST_TCP is not set")
    from collections.abc import Generator
    from typing import Any

    from dshell.core.hookspecs import hookimpl

    docker("create", "--name", f"{prefix}-made", IMAGE, "true")

    class Leaves:
        @hookimpl(wrapper=True)
        def dshell_run_command(self, invocation: Any) -> Generator[None, Any, Any]:
            if invocation.session.daemon.name == "b":
                raise SystemExit(3)
            return (yield)

    sh = Shell([("a", TCP), ("b", UNIX)])
    sh.session.plugins.register(Leaves(), "leaves")
    try:
        status, out, err = sh.run(f"@all ps -a -q --filter name={prefix}")
        assert status == 1 and len(out.split()) == 1
        assert err == "b: Error: internal error: SystemExit: 3; run with --debug for the traceback\n"
        assert sh.run("set debug on")[0] == 0
        status, out, err = sh.run(f"@all ps -a -q --filter name={prefix}")
        assert status == 1 and len(out.split()) == 1
        assert "Traceback" in err and "raise SystemExit(3)" in err
        assert err.endswith("b: Error: internal error: SystemExit: 3\n")
    finally:
        sh.session.close()
