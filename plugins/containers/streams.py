"""Streams of a container: ``logs``, ``attach``, ``exec``, and the pump behind every interactive session.

Output is demultiplexed with :func:`dshell.api.streams.iter_frames` in 64 KiB blocks (stdout to stdout,
stderr to stderr) and never accumulated; a TTY stream is passed through raw. Interactive sessions run on a
hijacked connection with the local terminal in raw mode, following its size.
"""

from __future__ import annotations

import os
import select
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

from dshell.plugin import (
    APIError,
    CommandFailed,
    DshellError,
    Frames,
    Result,
    UsageError,
    exec_api,
    iter_frames,
)
from dshell.plugin import containers_api as api

if TYPE_CHECKING:
    from dshell.plugin import Hijacked, Invocation

Resize = Callable[[int, int], None]
#: Called on Ctrl-C while streaming: True to keep streaming, False to stop (the interrupt goes on).
OnInterrupt = Callable[[], bool]


def raw_frames(chunks: Iterator[bytes], *, tty: bool) -> Iterator[tuple[int, bytes]]:
    """``(stream, payload)`` pairs: demultiplexed, or (TTY) every block as stdout."""
    if tty:
        return ((1, chunk) for chunk in chunks)
    return _checked(iter_frames(chunks))


def _checked(frames: Iterator[tuple[int, bytes]]) -> Iterator[tuple[int, bytes]]:
    try:
        yield from frames
    except ValueError as exc:
        raise DshellError(f"the daemon sent a malformed stream: {exc}") from None


#: Ctrl-C presses after which a stream stops even though each was forwarded (a container ignoring SIGINT).
FORCE_AFTER = 3


def output_frames(
    conn: Hijacked, *, tty: bool, on_interrupt: OnInterrupt | None = None
) -> Iterator[tuple[int, bytes]]:
    """The output of a hijacked connection as frames; the connection is closed when the stream ends.

    With ``on_interrupt``, Ctrl-C calls it instead of tearing the stream down: when it returns True (the
    signal was forwarded to the container) the stream goes on to its end, so whatever the container prints
    on its way out (a ``trap … INT`` handler) is shown, as the Docker CLI does. The third Ctrl-C stops.
    """
    try:
        with ExitStack() as stack:
            if on_interrupt is not None and threading.current_thread() is threading.main_thread():
                stack.enter_context(_forwarding_interrupts(on_interrupt))
            while True:
                try:
                    yield from raw_frames(conn.iter_chunks(), tty=tty)
                    return
                except KeyboardInterrupt:  # off the main thread: the stream is cut, read on from here
                    if on_interrupt is None or not on_interrupt():
                        raise
    finally:
        conn.close()


@contextmanager
def _forwarding_interrupts(on_interrupt: OnInterrupt) -> Iterator[None]:
    """While active, SIGINT runs ``on_interrupt`` (in a helper thread, so the stream being read is never cut
    mid-frame) and raises KeyboardInterrupt only when it returns False or at the :data:`FORCE_AFTER` press."""
    import signal

    presses = 0

    def forward() -> bool:
        result: list[bool] = []
        worker = threading.Thread(target=lambda: result.append(on_interrupt()), daemon=True)
        worker.start()
        worker.join(timeout=10)
        return bool(result and result[0])

    def handle(signum: int, frame: Any) -> None:
        nonlocal presses
        presses += 1
        if presses >= FORCE_AFTER or not forward():
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handle)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _feed_stdin(conn: Hijacked, fd: int, stop_fd: int) -> None:
    """Copy ``fd`` to the container until EOF (then half-close) or until ``stop_fd`` is readable."""
    try:
        while True:
            ready, _, _ = select.select([fd, stop_fd], [], [])
            if stop_fd in ready:
                return
            data = os.read(fd, 4096)
            if not data:
                conn.close_write()
                return
            conn.send(data)
    except OSError:
        return


def interactive_session(
    inv: Invocation,
    conn: Hijacked,
    *,
    tty: bool,
    stdin_fd: int | None,
    resize: Resize | None = None,
    on_interrupt: OnInterrupt | None = None,
) -> None:
    """Pump the local stdin to the container and its output back, until the daemon closes the stream.

    With a TTY and a terminal on stdin the terminal is put in raw mode (Ctrl-C, Ctrl-P Ctrl-Q go to the
    container) and its size is sent now and on every ``SIGWINCH``; the terminal is restored afterwards.
    """
    from dshell.plugin import is_terminal, on_resize, raw_mode, terminal_size

    console = inv.console
    out = console.binary_stdout
    err = console.binary_stderr
    stop_r, stop_w = os.pipe()
    feeder = None
    if stdin_fd is not None:
        feeder = threading.Thread(target=_feed_stdin, args=(conn, stdin_fd, stop_r), daemon=True)

    def send_size() -> None:
        size = terminal_size(stdin_fd if stdin_fd is not None and is_terminal(stdin_fd) else out.fileno())
        if size is None or resize is None:
            return
        try:
            resize(*size)
        except DshellError:
            pass

    try:
        with ExitStack() as stack:
            if tty and is_terminal(stdin_fd):
                assert stdin_fd is not None
                stack.enter_context(raw_mode(stdin_fd))
            if tty and resize is not None:
                send_size()
                stack.enter_context(on_resize(send_size))
            if feeder is not None:
                feeder.start()
            for stream, payload in output_frames(conn, tty=tty, on_interrupt=on_interrupt):
                if stream == 3:
                    raise CommandFailed(payload.decode(errors="replace").strip())
                target = err if stream == 2 else out
                target.write(payload)
                target.flush()
    finally:
        os.write(stop_w, b"x")
        if feeder is not None:
            feeder.join(1.0)
        os.close(stop_r)
        os.close(stop_w)
        conn.close()


def stdin_fd_of(inv: Invocation) -> int | None:
    """The file descriptor of the session's stdin, if it has one."""
    stdin = inv.console.stdin
    if stdin is None:
        return None
    try:
        return stdin.fileno()
    except (AttributeError, OSError, ValueError):
        return None


# -- logs --------------------------------------------------------------------------------------------------


def logs(inv: Invocation) -> Frames:
    """``logs``: the container's log, demultiplexed (TTY containers raw); ``-f`` follows until it stops."""
    from dshell.plugin import parse_time_arg

    a = inv.args
    info = api.inspect_container(inv.client, a.container)
    params: dict[str, Any] = {
        "stdout": True,
        "stderr": True,
        "follow": a.follow or None,
        "timestamps": a.timestamps or None,
        "details": a.details or None,
        "tail": a.tail if a.tail not in (None, "") else "all",
    }
    for key in ("since", "until"):
        value = a.get(key)
        if value:
            try:
                params[key] = parse_time_arg(value)
            except ValueError as exc:
                raise UsageError(f"invalid value for --{key}: {exc}") from None
    chunks = api.container_logs(inv.client, info["Id"], params)
    return Frames(raw_frames(chunks, tty=bool((info.get("Config") or {}).get("Tty"))))


# -- attach ------------------------------------------------------------------------------------------------


def attach(inv: Invocation) -> Result:
    """``attach``: the container's streams here; Ctrl-P Ctrl-Q detaches; Ctrl-C detaches unless
    ``--sig-proxy`` forwards it."""
    a = inv.args
    client = inv.client
    info = api.inspect_container(client, a.container)
    state = info.get("State") or {}
    if state.get("Paused"):
        raise CommandFailed("You cannot attach to a paused container, unpause it first")
    if not state.get("Running"):
        raise CommandFailed("You cannot attach to a stopped container, start it first")
    cfg = info.get("Config") or {}
    tty = bool(cfg.get("Tty"))
    ident = info["Id"]
    stdin_fd = None if a.no_stdin or not cfg.get("OpenStdin") else stdin_fd_of(inv)
    params = {
        "stream": True,
        "stdin": stdin_fd is not None,
        "stdout": True,
        "stderr": True,
        "detachKeys": a.detach_keys or None,
    }
    conn = api.attach_container(client, ident, params)

    def interrupt() -> bool:
        if not a.sig_proxy:
            return False
        try:
            api.kill_container(client, ident, signal="SIGINT")
        except APIError:
            return False
        return True

    interactive_session(
        inv,
        conn,
        tty=tty,
        stdin_fd=stdin_fd,
        resize=lambda rows, cols: api.resize_container(client, ident, rows, cols),
        on_interrupt=interrupt,
    )
    after = api.inspect_container(client, ident).get("State") or {}
    if after.get("Running"):
        return Result(status=0)  # detached
    return Result(status=int(after.get("ExitCode") or 0))


# -- exec --------------------------------------------------------------------------------------------------


def exec_exit_code(inv: Invocation, exec_id: str) -> int:
    """The exit code of a finished exec (asked a few times: the daemon records it just after the stream)."""
    for _ in range(50):
        info = exec_api.inspect_exec(inv.client, exec_id)
        if not info.get("Running"):
            return int(info.get("ExitCode") or 0)
        time.sleep(0.02)
    return int(exec_api.inspect_exec(inv.client, exec_id).get("ExitCode") or 0)


def exec_(inv: Invocation) -> Result:
    """``exec``: run a command in a running container; the status is the command's exit status."""
    from dshell.plugin import is_terminal

    from .run import expand_env, read_env_file

    a = inv.args
    if not a.command:
        raise UsageError("exec requires at least 2 arguments: CONTAINER COMMAND [ARG...]")
    stdin_fd = stdin_fd_of(inv) if a.interactive and not a.detach else None
    if a.tty and a.interactive and not a.detach and not is_terminal(stdin_fd):
        raise CommandFailed("the input device is not a TTY")
    env = [v for path in a.env_file for v in read_env_file(path)] + expand_env(a.env)
    config: dict[str, Any] = {
        "AttachStdin": stdin_fd is not None,
        "AttachStdout": not a.detach,
        "AttachStderr": not a.detach,
        "Tty": a.tty,
        "Cmd": list(a.command),
        "Env": env or None,
        "WorkingDir": a.workdir or None,
        "User": a.user or None,
        "Privileged": a.privileged,
    }
    if a.detach_keys:
        config["DetachKeys"] = a.detach_keys
    exec_id = exec_api.create_exec(inv.client, a.container, config)
    if a.detach:
        exec_api.start_exec_detached(inv.client, exec_id, tty=a.tty)
        return Result()
    conn = exec_api.start_exec(inv.client, exec_id, tty=a.tty)
    if stdin_fd is not None:
        interactive_session(
            inv,
            conn,
            tty=a.tty,
            stdin_fd=stdin_fd,
            resize=lambda rows, cols: exec_api.resize_exec(inv.client, exec_id, rows, cols),
        )
        return Result(status=exec_exit_code(inv, exec_id))
    return Result(Frames(output_frames(conn, tty=a.tty)), status=lambda: exec_exit_code(inv, exec_id))
