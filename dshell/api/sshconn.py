"""``ssh://[user@]host[:port]``: HTTP over ``ssh … docker system dial-stdio``, as the Docker CLI does it.

:func:`connect` starts ``ssh`` with one end of a :func:`socket.socketpair` as its stdin and stdout, and
returns the other end: a real connected socket, so the HTTP layer reads, writes, times out and shuts down
exactly as on a unix socket. On the far side ``docker system dial-stdio`` joins the ssh channel to the
daemon's default socket. Each connection is one ssh process (the pool keeps connections, so the price is
paid once per kept-alive connection). Extra ssh options come from ``DSHELL_SSH_OPTS`` (``-i KEY``,
``-o …``), read with shell quoting; ``~/.ssh/config`` applies as usual.

When ssh fails (unknown host key, refused key, no ``docker`` on the far side) the daemon's socket simply
ends; the socket returned here then raises :class:`~dshell.errors.ConnectionFailed` carrying ssh's own last
stderr line, so the user reads why instead of "connection closed".
"""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import threading
from collections.abc import Mapping
from typing import Any

from dshell.api.address import DaemonAddress
from dshell.errors import ConnectionFailed

#: The remote command (the Docker CLI's own).
DIAL_STDIO = ("docker", "system", "dial-stdio")


def ssh_command(address: DaemonAddress, timeout: float, env: Mapping[str, str] | None = None) -> list[str]:
    """The ssh command line for ``address`` (``-l`` user, ``-p`` port, ``DSHELL_SSH_OPTS`` first)."""
    env = os.environ if env is None else env
    cmd = ["ssh", *shlex.split(env.get("DSHELL_SSH_OPTS", ""))]
    cmd += ["-o", f"ConnectTimeout={max(1, int(timeout))}", "-T"]
    if address.user:
        cmd += ["-l", address.user]
    if address.port:
        cmd += ["-p", str(address.port)]
    return [*cmd, "--", address.host, *DIAL_STDIO]


class SSHSocket(socket.socket):
    """The local end of the socket pair; closing it ends the ssh process. An end of stream that is really
    ssh failing raises :class:`~dshell.errors.ConnectionFailed` with ssh's message."""

    proc: subprocess.Popen[bytes] | None = None
    stderr_lines: list[str]
    stderr_reader: threading.Thread | None = None
    where: str = ""

    def _check_eof(self, got: int) -> None:
        if got or self.proc is None:
            return
        try:
            status = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return
        if status != 0:
            if self.stderr_reader is not None:  # ssh has left: its last words are in the pipe, read them
                self.stderr_reader.join(timeout=1)
            why = next((ln for ln in reversed(self.stderr_lines) if ln.strip()), "")
            cause = f"ssh exited with status {status}" + (f": {why.strip()}" if why else "")
            raise ConnectionFailed(self.where, cause)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        try:
            data = super().recv(bufsize, flags)
        except ConnectionError:
            self._check_eof(0)
            raise
        self._check_eof(len(data))
        return data

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        try:
            got = super().recv_into(buffer, nbytes, flags)
        except ConnectionError:
            self._check_eof(0)
            raise
        self._check_eof(got)
        return got

    def close(self) -> None:
        super().close()
        proc, self.proc = self.proc, None
        if proc is not None:
            threading.Thread(target=_reap, args=(proc,), name="dshell-ssh-reap", daemon=True).start()


def _reap(proc: subprocess.Popen[bytes]) -> None:
    """Wait for ssh to leave after its stdin closed (dial-stdio ends then); kill it if it lingers."""
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def connect(address: DaemonAddress, timeout: float, env: Mapping[str, str] | None = None) -> socket.socket:
    """A connected socket whose far end is the daemon behind ``ssh … docker system dial-stdio``.

    Raises :class:`OSError` when ssh cannot be started (not installed).
    """
    ours, theirs = socket.socketpair()
    try:
        proc = subprocess.Popen(
            ssh_command(address, timeout, env),
            stdin=theirs.fileno(),
            stdout=theirs.fileno(),
            stderr=subprocess.PIPE,
            start_new_session=True,  # Ctrl-C at the prompt is dshell's, not ssh's
        )
    except OSError:
        ours.close()
        raise
    finally:
        theirs.close()
    sock = SSHSocket(fileno=ours.detach())
    sock.proc = proc
    sock.where = str(address)
    sock.stderr_lines = []
    sock.settimeout(timeout)
    sock.stderr_reader = threading.Thread(
        target=_collect, args=(proc, sock.stderr_lines), name="dshell-ssh-stderr", daemon=True
    )
    sock.stderr_reader.start()
    return sock


def _collect(proc: subprocess.Popen[bytes], lines: list[str]) -> None:
    """Keep ssh's stderr (the last lines explain a failure); never let it reach the terminal."""
    assert proc.stderr is not None
    for raw in proc.stderr:
        lines.append(raw.decode(errors="replace"))
        del lines[:-20]
