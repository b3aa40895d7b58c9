"""Worker threads kept between fan-outs, so ``@all CMD`` sets every daemon to work at once.

Starting a thread per daemon per line costs more than the thread: :meth:`threading.Thread.start` waits
until the new thread runs, and that thread then holds the GIL until its first blocking call, so the second
daemon's request leaves only after the first one's has been built and sent, and the third later still. Here a
line hands each job to a thread already waiting (a queue put: no wait for it), then waits itself; the
workers take the GIL in turn just long enough to send their requests, and the daemons work at the same time.

A job reports its own failures; an exception escaping it (a bug, or a ``SystemExit``/``KeyboardInterrupt``
raised in it) gives status 1 and is handed to the job's ``report`` (the fan-out prints one line naming the
daemon), or printed on stderr when it has none: it never ends the worker, and is never silent.

A worker waits :data:`IDLE_SECONDS` for its next job, then ends (nothing to stop at exit: they are daemon
threads). A worker busy with a slow daemon is simply not idle: the next line gets another one.

Why not :class:`concurrent.futures.ThreadPoolExecutor`: its workers are joined when the interpreter exits, so
a daemon that never answers would hold ``exit`` (and Ctrl-D) until its timeout; these are daemon threads, and an
idle one ends by itself.

(The interpreter's switch interval was tried lower during a fan-out: no difference measured, as every worker
gives up the GIL within a fraction of a millisecond at its next socket call, and a long JSON decode is one C
call that no switch interval interrupts.)
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable

#: Seconds an idle worker waits for a job before it ends.
IDLE_SECONDS = 30.0

#: A job returns a status, handed to its ``finish`` once the worker is idle again.
Job = Callable[[], int]
Finish = Callable[[int], None]
#: Told of an exception that escaped a job, in the worker's thread.
Report = Callable[[BaseException], None]


class _Worker:
    """One thread and its one-slot job queue."""

    def __init__(self, crew: Crew) -> None:
        self.crew = crew
        self.jobs: queue.SimpleQueue[tuple[str, Job, Finish, Report | None]] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._loop, name="dshell-worker", daemon=True)

    def _loop(self) -> None:
        thread = self.thread
        while True:
            try:
                name, job, finish, report = self.jobs.get(timeout=self.crew.idle_seconds)
            except queue.Empty:
                if self.crew.retire(self):
                    return
                continue  # taken for a job in the same instant: it is in the queue now
            thread.name = name
            status = 1
            try:
                status = job()
            except BaseException as exc:  # a job reports its own failures: one escaping it is a bug
                _report(name, exc, report)
            thread.name = "dshell-worker"
            # idle again before the job's end is announced: the next line finds this worker waiting
            self.crew.rest(self)
            finish(status)


def _report(name: str, exc: BaseException, report: Report | None) -> None:
    """Tell of ``exc``, which escaped job ``name``: through ``report``, else (or if that fails) on stderr."""
    if report is not None:
        try:
            report(exc)
            return
        except BaseException:  # the worker must live on: the line below says it instead
            pass
    try:
        sys.stderr.write(f"{name}: internal error: {type(exc).__name__}: {exc}\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr closed: nowhere left to say it
        pass


class Crew:
    """Idle worker threads, taken one per job and put back when the job is done."""

    def __init__(self, *, idle_seconds: float = IDLE_SECONDS) -> None:
        self.idle_seconds = idle_seconds
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        #: threads started so far (tests read it: a second fan-out starts none)
        self.started = 0

    def run(self, name: str, job: Job, finish: Finish, report: Report | None = None) -> None:
        """Run ``job`` on an idle worker (a new one if none is), its thread named ``name`` meanwhile, then
        ``finish(status)`` there; returns at once. An exception escaping ``job`` makes the status ``1`` and
        goes to ``report`` (without one, or if it fails too, one line on stderr names ``name``)."""
        with self._lock:
            worker = self._idle.pop() if self._idle else None
            if worker is None:
                self.started += 1
        if worker is None:
            worker = _Worker(self)
            worker.jobs.put((name, job, finish, report))
            worker.thread.start()
        else:
            worker.jobs.put((name, job, finish, report))

    def rest(self, worker: _Worker) -> None:
        with self._lock:
            self._idle.append(worker)

    def retire(self, worker: _Worker) -> bool:
        """After an idle wait: True (the worker ends) unless a job was handed to it meanwhile."""
        with self._lock:
            if worker in self._idle:
                self._idle.remove(worker)
                return True
            return False

    def idle(self) -> int:
        with self._lock:
            return len(self._idle)


#: The process's workers (fan-outs of every session share them: a job names its daemon and session itself).
CREW = Crew()
