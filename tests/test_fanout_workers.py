"""The fan-out's worker threads (``@all CMD``): kept between lines, reused, never ended by a job's failure,
ended after an idle wait; Ctrl-C ends a fan-out at once and nothing more is printed after it."""

from __future__ import annotations

import functools
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
