"""dshell beside the Docker CLI and docker-py, on the same daemon and transport: ``python bench/run.py [--quick]``.

Sets up its own containers and images on the daemon (every name starts with ``dshbench-``, every container
carries the label ``dshbench=RUN``; all of it is removed at the end, also on failure or Ctrl-C), runs each case
side by side, alternating the variants round by round, and prints a table of medians, min-max and ratios that
it also writes to ``bench/RESULTS.md`` with the machine and the versions, and which targets are met.

Cases: 1. one-shot ``ps -a`` and start to prompt in a pty; 2. a 200-command file vs 200 CLI calls; 3. ``ps -a``
with 1,000 containers in one session vs the bare HTTP round trip, and the render time of 1,000 rows; 4. ``logs``
of a 200 MB log; 5. ``save -o`` of a ~300 MB image; 6. completion per keystroke with 1,000 containers;
7. one command on three daemons; 8. scale: ``ps -a``, completion and REPL memory at 100, 1,000 and 10,000
containers on a private daemon (its own data root, socket and bridge ``dbench0``; created, not started, and
removed after), ``inspect`` of 1,000, first completion after start-up and echo per key at 10,000.
``--quick`` runs every case but 8 on a tiny size (a few containers, a few MB) to check that the bench works.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from daemon_http import Reply, Session

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PREFIX = "dshbench-"
LABEL = "dshbench"
RUN_ID = f"{os.getpid()}-{uuid.uuid4().hex[:6]}"
MIB = 1024 * 1024

# -- sizes ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    """How big and how many: the full run and ``--quick``."""

    oneshot_rounds: int
    prompt_rounds: int
    small_containers: int
    script_commands: int
    script_rounds: int
    many_containers: int
    session_rounds: int
    render_rounds: int
    log_bytes: int
    log_rounds: int
    image_bytes: int
    save_rounds: int
    completion_passes: int


FULL = Sizes(15, 10, 10, 200, 5, 1000, 20, 50, 200_000_000, 5, 300 * MIB, 5, 5)
QUICK = Sizes(3, 2, 3, 20, 1, 30, 3, 5, 2 * MIB, 1, 2 * MIB, 1, 1)

# -- measuring -----------------------------------------------------------------------------------------------


@dataclass
class Series:
    """Repeated measurements of one variant: wall seconds and, for child processes, peak RSS in bytes."""

    label: str
    times: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def low(self) -> float:
        return min(self.times)

    @property
    def high(self) -> float:
        return max(self.times)

    @property
    def peak_rss(self) -> int | None:
        return max(self.rss) if self.rss else None


class BenchError(Exception):
    """A variant failed (non-zero exit, missing output): the run stops and says which."""


TIME = "/usr/bin/time"


def run_child(
    argv: Sequence[str], *, stdout: Any = None, env: dict[str, str] | None = None, rss: bool = False
) -> tuple[float, int | None]:
    """Run ``argv`` to its end; return wall seconds and, with ``rss``, its peak RSS in bytes.

    The peak RSS comes from GNU time, whose own small process forks the measured one: ``wait4`` on a child
    forked from this (large) Python process would count the parent's pages it inherited before ``exec``.
    """
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as rss_file:
        measure = rss and os.access(TIME, os.X_OK)
        full = [TIME, "-q", "-f", "%M", "-o", rss_file.name, *argv] if measure else list(argv)
        start = time.perf_counter()
        proc = subprocess.Popen(
            full,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL if stdout is None else stdout,
            stderr=err,
            env=env,
        )
        proc.wait()
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            err.seek(0)
            tail = err.read()[-600:].decode(errors="replace").strip()
            raise BenchError(f"{' '.join(argv)!r} exited {proc.returncode}: {tail}")
        peak = int(rss_file.read().split()[-1]) * 1024 if measure else None
    return wall, peak


Variant = Callable[[], tuple[float, int | None]]


def alternate(variants: Sequence[tuple[str, Variant]], rounds: int, *, warmup: int = 1) -> dict[str, Series]:
    """Run every variant once per round, the order rotating each round; ``warmup`` unrecorded rounds first."""
    series = {label: Series(label) for label, _ in variants}
    for r in range(warmup + rounds):
        shift = r % len(variants)
        for label, fn in [*variants[shift:], *variants[:shift]]:
            wall, rss = fn()
            if r >= warmup:
                series[label].times.append(wall)
                if rss is not None:
                    series[label].rss.append(rss)
    return series


def child(
    argv: Sequence[str], *, env: dict[str, str] | None = None, out: str | None = None, rss: bool = False
) -> Variant:
    """A variant that runs ``argv`` (stdout to /dev/null, or to the file ``out``); ``rss``: measure its peak."""

    def run() -> tuple[float, int | None]:
        if out is None:
            return run_child(argv, env=env, rss=rss)
        with open(out, "wb") as fh:
            return run_child(argv, stdout=fh, env=env, rss=rss)

    return run


# -- the daemon ----------------------------------------------------------------------------------------------


class Api:
    """A plain stdlib session on the daemon (bench/daemon_http.py), for setting up and cleaning up (never what
    is measured)."""

    def __init__(self, host: str) -> None:
        self.session = Session(host)

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        timeout: float = 600,
    ) -> Reply:
        resp = self.session.request(method, path, params=params, json_body=json, timeout=timeout)
        if resp.status_code >= 400:
            raise BenchError(f"{method} {path}: {resp.status_code} {resp.text.strip()}")
        return resp

    def create(self, name: str, cmd: list[str], image: str, **extra: Any) -> str:
        body = {"Image": image, "Cmd": cmd, "Labels": {LABEL: RUN_ID}, **extra}
        return str(self.call("POST", "/containers/create", params={"name": name}, json=body).json()["Id"])

    def remove_container(self, ident: str) -> None:
        with contextlib.suppress(BenchError, OSError):
            self.call("DELETE", f"/containers/{ident}", params={"force": "1", "v": "1"})


def _pid_alive(run_id: str) -> bool:
    try:
        os.kill(int(run_id.split("-", maxsplit=1)[0]), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


class Cleanup:
    """Everything the run creates, removed at the end whatever happens (and leftovers of dead runs)."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.images: list[str] = []
        self.paths: list[Path] = []

    def containers(self, *, stale: bool = False) -> list[str]:
        params = {"all": "1", "filters": json.dumps({"label": [LABEL if stale else f"{LABEL}={RUN_ID}"]})}
        found = self.api.call("GET", "/containers/json", params=params).json()
        if stale:
            return [c["Id"] for c in found if not _pid_alive(c.get("Labels", {}).get(LABEL, ""))]
        return [c["Id"] for c in found]

    def remove_containers(self, ids: list[str]) -> None:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(self.api.remove_container, ids))

    def purge_stale(self) -> None:
        """Remove what earlier runs that died left behind (their process is gone)."""
        self.remove_containers(self.containers(stale=True))
        for img in self.api.call("GET", "/images/json").json():
            for tag in img.get("RepoTags") or []:
                m = re.match(rf"{PREFIX}(\d+-[0-9a-f]+)-", tag)
                if m and not _pid_alive(m.group(1)):
                    with contextlib.suppress(BenchError):
                        self.api.call("DELETE", f"/images/{tag}", params={"force": "1"})

    def run(self) -> None:
        with contextlib.suppress(BenchError, OSError):
            self.remove_containers(self.containers())
        for tag in self.images:
            with contextlib.suppress(BenchError, OSError):
                self.api.call("DELETE", f"/images/{tag}", params={"force": "1"})
        for path in self.paths:
            shutil.rmtree(path, ignore_errors=True)


# -- the run -------------------------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of a results table."""

    what: str
    series: Series | None = None
    ratio: str = ""
    value: str = ""  # instead of the series' figures


@dataclass
class Target:
    """One target of the issue, measured."""

    name: str
    measured: str
    target: str
    met: bool
    why: str = ""


@dataclass
class Bench:
    """The state of one run: where, what with, and the results so far."""

    host: str
    image: str
    docker: str
    dshell: list[str]
    python: str
    sizes: Sizes
    quick: bool
    api: Api
    cleanup: Cleanup
    tmp: Path
    sections: list[tuple[str, list[Row], list[str]]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    session: Any = None
    oneshot: float | None = None  # median of one-shot ps -a, once case 1 ran
    requests_import: float | None = None  # what `import requests` costs over `python -c pass`

    @property
    def dshell_host(self) -> str:
        """What dshell is given: the bare ``127.0.0.1`` for the default tcp port, else the address."""
        return (
            self.host.removeprefix("tcp://").removesuffix(":2375")
            if self.host.startswith("tcp://")
            else self.host
        )

    def dsh(self, *args: str) -> list[str]:
        return [*self.dshell, self.dshell_host, *args]

    def dock(self, *args: str) -> list[str]:
        return [self.docker, "-H", self.host, *args]

    def child_env(self) -> dict[str, str]:
        """The environment of every measured process: no DOCKER_/DSHELL_ settings, a private config and
        history, and bytecode caches on (in the run's own folder), as an installed dshell or docker-py has."""
        skip = ("DOCKER_", "DSHELL_", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
        env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
        env["XDG_DATA_HOME"] = str(self.tmp / "data")
        env["XDG_CONFIG_HOME"] = str(self.tmp / "config")
        env["XDG_CACHE_HOME"] = str(self.tmp / "cache")  # the command index: written by each case's warm-up
        env["PYTHONPYCACHEPREFIX"] = str(self.tmp / "pycache")
        return env

    def section(self, title: str, rows: list[Row], notes: Sequence[str] = ()) -> None:
        self.sections.append((title, rows, list(notes)))
        print(render_section(title, rows, notes), flush=True)

    def has_command(self, name: str) -> bool:
        return self.session.registry.lookup([name]) is not None


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def span(s: Series) -> str:
    return f"{ms(s.low)} - {ms(s.high)}"


def mib(n: int | None) -> str:
    return "" if n is None else f"{n / MIB:.1f} MiB"


def render_section(title: str, rows: list[Row], notes: Sequence[str]) -> str:
    lines = [
        f"### {title}",
        "",
        "| what | median | min - max | n | peak RSS | ratio |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        if r.series is None:
            lines.append(f"| {r.what} | {r.value} | | | | {r.ratio} |")
        else:
            s = r.series
            lines.append(
                f"| {r.what} | {ms(s.median)} | {span(s)} | {len(s.times)} | {mib(s.peak_rss)} | {r.ratio} |"
            )
    lines += ["", *(f"- {n}" for n in notes)]
    return "\n".join(lines) + "\n"


def ratio(a: Series, b: Series) -> float:
    return a.median / b.median


# -- setup ---------------------------------------------------------------------------------------------------


def create_containers(b: Bench, count: int, start: int = 0) -> list[str]:
    """``count`` stopped containers (create only), made eight at a time."""
    names = [f"{PREFIX}{RUN_ID}-c{i:04d}" for i in range(start, start + count)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: b.api.create(n, ["true"], b.image), names))
    return names


def build_session(b: Bench) -> Any:
    """An in-process dshell session on the daemon, printing to /dev/null."""
    from dshell.api.address import resolve_address
    from dshell.core.session import Session
    from dshell.output.console import Console

    null = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the session
    session = Session(resolve_address(b.host), console=Console(stdout=null, stderr=null, stdin=None))
    session.load_plugins()
    session.start()
    return session


# -- case 1 --------------------------------------------------------------------------------------------------

DOCKER_PY_PS = """\
import sys

import docker

client = docker.DockerClient(base_url=sys.argv[1])
client.api.containers(all=True)
"""

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][0-9A-Za-z]|\x1b[=>78]")
PROMPT = re.compile(r"dshell [^\r\n]*>")


def time_to_prompt(argv: list[str], env: dict[str, str], timeout: float = 15.0) -> float:
    """Seconds from spawning ``argv`` on a pty until its prompt text is on the screen."""
    return times_to_prompt(argv, env, timeout)[0]


def times_to_prompt(argv: list[str], env: dict[str, str], timeout: float = 15.0) -> tuple[float, float]:
    """Seconds from spawning ``argv`` on a pty until its prompt text is on the screen, and until a key typed
    the moment the prompt shows is echoed after it (the line editor is reading)."""
    import fcntl
    import struct
    import termios

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    buf = b""
    found: float | None = None
    echoed: float | None = None
    mark = 0
    try:
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            buf += data
            screen = ANSI.sub("", buf.decode(errors="replace"))
            if found is None and PROMPT.search(screen):
                found = time.perf_counter() - start
                os.write(master, b"zq")
                mark = len(screen)
            if found is not None and "zq" in screen[mark:]:
                echoed = time.perf_counter() - start
                break
    finally:
        with contextlib.suppress(OSError):
            os.write(master, b"\x15\x04")
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        os.close(master)
    if found is None or echoed is None:
        text = ANSI.sub("", buf.decode(errors="replace"))[-400:]
        what = "no prompt" if found is None else "no echo of a typed key"
        raise BenchError(f"{what} from {' '.join(argv)} within {timeout} s; screen: {text!r}")
    return found, echoed


def case_oneshot(b: Bench) -> None:
    script = b.tmp / "docker_py_ps.py"
    script.write_text(DOCKER_PY_PS)
    env = b.child_env()
    variants: list[tuple[str, Variant]] = [
        ("dshell -c 'ps -a'", child(b.dsh("-c", "ps -a"), env=env)),
        ("docker ps -a", child(b.dock("ps", "-a"), env=env)),
    ]
    try:
        import docker  # noqa: F401

        variants.append(("docker-py script", child([b.python, str(script), b.host], env=env)))
    except ImportError:
        b.notes.append("docker-py is not installed (pip install -r bench/requirements.txt): no docker-py row")
    variants.append(("python -c pass (interpreter floor)", child([b.python, "-c", "pass"], env=env)))
    if _installed(b.python, "requests"):  # what dshell's transport no longer pays: a comparison, when there
        variants.append(("python -c 'import requests'", child([b.python, "-c", "import requests"], env=env)))
    variants.append(
        ("python -c 'import prompt_toolkit'", child([b.python, "-c", "import prompt_toolkit"], env=env))
    )
    res = alternate(variants, b.sizes.oneshot_rounds)
    d, cli = res["dshell -c 'ps -a'"], res["docker ps -a"]
    rows = [Row("dshell -c 'ps -a'", d, "1.00"), Row("docker ps -a", cli, f"dshell = {ratio(d, cli):.1f}x")]
    dpy = res.get("docker-py script")
    if dpy:
        rows.append(Row("docker-py script (no output)", dpy, f"dshell = {ratio(d, dpy):.2f}x"))
    floor, req = res["python -c pass (interpreter floor)"], res.get("python -c 'import requests'")
    ptk = res["python -c 'import prompt_toolkit'"]
    rows += [Row(floor.label, floor), *([Row(req.label, req)] if req else []), Row(ptk.label, ptk)]
    b.oneshot = d.median
    b.requests_import = req.median - floor.median if req else None
    unix = "/var/run/docker.sock"
    unix_rows: list[Row] = []
    if os.access(unix, os.R_OK | os.W_OK):
        uenv = env
        ures = alternate(
            [
                ("dshell (unix) -c 'ps -a'", child([*b.dshell, f"unix://{unix}", "-c", "ps -a"], env=uenv)),
                ("docker (unix) ps -a", child([b.docker, "-H", f"unix://{unix}", "ps", "-a"], env=uenv)),
            ],
            max(3, b.sizes.oneshot_rounds // 2),
        )
        ud, uc = ures["dshell (unix) -c 'ps -a'"], ures["docker (unix) ps -a"]
        unix_rows = [Row(ud.label, ud), Row(uc.label, uc, f"dshell = {ratio(ud, uc):.1f}x")]
    # start to prompt
    penv = {**env, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm-256color"}
    prompt, editor = Series("start to prompt (pty)"), Series("start to line editor (pty)")
    time_to_prompt(b.dsh(), penv)  # warm the page cache
    for _ in range(b.sizes.prompt_rounds):
        shown, echoed = times_to_prompt(b.dsh(), penv)
        prompt.times.append(shown)
        editor.times.append(echoed)
    count = len(b.api.call("GET", "/containers/json", params={"all": "1"}).json())
    b.section(
        "1. One-shot `ps -a`, and start to prompt",
        [
            *rows,
            *unix_rows,
            Row("dshell: start to prompt in a pty", prompt),
            Row("dshell: start to the echo of a key typed at the prompt", editor),
        ],
        [
            f"{count} containers on the daemon during this case",
            "tcp unless marked unix; stdout to /dev/null",
            "the prompt is dshell's instant prompt (dshell/interactive/instant.py), drawn before prompt-toolkit "
            "is imported; a key typed the moment it shows waits in the terminal and is echoed when the line "
            f"editor reads it: {ms(editor.median)} after the start ({editor.median / ptk.median:.2f}x "
            "the prompt-toolkit import)",
        ],
    )
    why = (
        f"dshell's own start-up (importing the core and the plugins, loading them) is "
        f"{ms(d.median - floor.median)} on top of the interpreter's {ms(floor.median)}, against the CLI's "
        f"{ms(cli.median)} for the whole command (profile: python -X importtime -m dshell HOST -c 'ps -a')"
    )
    if dpy:
        b.targets.append(
            Target(
                "one-shot ps -a no slower than docker-py",
                f"{ms(d.median)} vs {ms(dpy.median)} ({ratio(d, dpy):.2f}x)",
                "≤ 1.00x",
                d.median <= dpy.median,
                why,
            )
        )
    b.targets.append(
        Target("one-shot ps -a vs Docker CLI", f"{ratio(d, cli):.1f}x", "≤ 4x", ratio(d, cli) <= 4, why)
    )
    b.targets.append(
        Target(
            "start to prompt (pty) vs python -c 'import prompt_toolkit'",
            f"{ms(prompt.median)} vs {ms(ptk.median)} ({prompt.median / ptk.median:.2f}x)",
            "≤ 0.9x",
            prompt.median <= 0.9 * ptk.median,
            f"`import prompt_toolkit` alone costs {ms(ptk.median - floor.median)} over the interpreter; the REPL "
            f"also imports the core and every plugin (the -c path's start-up is {ms(d.median)}), builds its "
            "session and renders",
        )
    )


# -- case 2 --------------------------------------------------------------------------------------------------


def case_script(b: Bench, names: list[str]) -> None:
    half = b.sizes.script_commands // 2
    if b.has_command("inspect"):
        inspect_line, how = "inspect {}", "`inspect NAME`"
    else:
        inspect_line, how = (
            "get /containers/{}/json",
            "`get /containers/NAME/json` (dshell has no `inspect` yet)",
        )
    lines = []
    cli_lines = ["set -e"]
    for i in range(half):
        name = names[i % len(names)]
        lines += [inspect_line.format(name), "ps -a"]
        cli_lines += [
            f"{b.docker} -H {b.host} inspect {name} >/dev/null",
            f"{b.docker} -H {b.host} ps -a >/dev/null",
        ]
    cmd_file = b.tmp / "commands.dsh"
    cmd_file.write_text("\n".join(lines) + "\n")
    sh_file = b.tmp / "commands.sh"
    sh_file.write_text("\n".join(cli_lines) + "\n")
    env = b.child_env()
    n = 2 * half
    res = alternate(
        [
            (f"dshell -f ({n} commands)", child(b.dsh("-f", str(cmd_file)), env=env)),
            (f"bash: {n} docker CLI calls", child(["bash", str(sh_file)], env=env)),
        ],
        b.sizes.script_rounds,
    )
    d, cli = res[f"dshell -f ({n} commands)"], res[f"bash: {n} docker CLI calls"]
    speedup = ratio(cli, d)
    b.section(
        f"2. A {n}-command file",
        [
            Row(d.label, d, f"{speedup:.1f}x faster"),
            Row(cli.label, cli, "1.00"),
            Row(
                "dshell, per command after start-up",
                value=ms(max(d.median - b.oneshot, 0) / n) if b.oneshot else ms(d.median / n),
            ),
            Row("docker CLI, per call", value=ms(cli.median / n)),
        ],
        [f"{half} x {how} + {half} x `ps -a`, over {len(names)} containers"],
    )
    start = f"one start-up of {ms(b.oneshot)}, then " if b.oneshot else ""
    b.targets.append(
        Target(
            f"{n}-command file vs {n} CLI calls",
            f"{speedup:.1f}x faster",
            "≥ 15x faster",
            speedup >= 15,
            f"dshell pays {start}{ms(max(d.median - (b.oneshot or 0), 0) / n)} a command; a CLI call costs "
            f"{ms(cli.median / n)}",
        )
    )


# -- cases 3 and 6 -------------------------------------------------------------------------------------------


def case_session(b: Bench, count: int) -> None:
    from dshell.core.invocation import Invocation
    from dshell.core.parser import parse_args
    from dshell.core.runner import execute, find_command
    from dshell.output.render import format_table

    session = b.session
    version = session.client.api_version
    plain = b.api.session  # kept-alive http.client: the bare round trip
    url = f"/v{version}/containers/json"

    def dshell_ps() -> tuple[float, None]:
        start = time.perf_counter()
        status = execute(session, "ps -a")
        wall = time.perf_counter() - start
        if status:
            raise BenchError(f"ps -a failed in the session: {session.last_error}")
        return wall, None

    def floor() -> tuple[float, None]:
        start = time.perf_counter()
        plain.get(url, params={"all": "1"}).content  # noqa: B018 - read the whole body
        return time.perf_counter() - start, None

    command, start = find_command(session, "ps -a")  # type: ignore[misc]

    def handler_only() -> tuple[float, None]:
        t0 = time.perf_counter()
        command.handler(Invocation(session, command, parse_args(command, "ps -a", start), "ps -a"))
        return time.perf_counter() - t0, None

    def floor_json() -> tuple[float, None]:
        start = time.perf_counter()
        plain.get(url, params={"all": "1"}).json()
        return time.perf_counter() - start, None

    res = alternate(
        [
            ("dshell: execute(session, 'ps -a')", dshell_ps),
            ("bare round trip (kept-alive http.client, body read)", floor),
            ("bare round trip + JSON decode", floor_json),
            ("dshell: the ps handler alone (request, decode, rows)", handler_only),
        ],
        b.sizes.session_rounds,
        warmup=2,
    )
    d = res["dshell: execute(session, 'ps -a')"]
    f = res["bare round trip (kept-alive http.client, body read)"]
    fj = res["bare round trip + JSON decode"]
    h = res["dshell: the ps handler alone (request, decode, rows)"]
    # render 1,000 rows, exactly the table ps -a returns
    table = command.handler(Invocation(session, command, parse_args(command, "ps -a", start), "ps -a"))
    rows = list(table.rows)
    render = Series("format_table, docker style")
    for _ in range(b.sizes.render_rounds):
        t0 = time.perf_counter()
        format_table(table.columns, rows)
        render.times.append(time.perf_counter() - t0)
    styled = Series("format_table, tabulate 'simple' (set table_format simple)")
    for _ in range(max(3, b.sizes.render_rounds // 10)):
        t0 = time.perf_counter()
        format_table(table.columns, rows, style="simple")
        styled.times.append(time.perf_counter() - t0)
    r = ratio(d, f)
    b.section(
        f"3. In-session `ps -a` with {len(rows)} containers",
        [
            Row(d.label, d, f"{r:.2f}x the floor"),
            Row(f.label, f, "1.00 (the floor)"),
            Row(fj.label, fj, f"{ratio(fj, f):.2f}x"),
            Row(h.label, h, f"{ratio(h, f):.2f}x"),
            Row(f"render {len(rows)} rows: {render.label}", render),
            Row(f"render {len(rows)} rows: {styled.label}", styled),
        ],
        [
            f"{count} containers created for this case; the dshell row includes parsing, rows, rendering, writing to /dev/null"
        ],
    )
    b.targets.append(
        Target(
            f"in-session ps -a, {len(rows)} containers, vs bare round trip (round 1's target)",
            f"{r:.2f}x",
            "≤ 1.3x",
            r <= 1.3,
            f"over the floor's {ms(f.median)}: JSON decode {ms(fj.median - f.median)}, building the rows "
            f"{ms(h.median - fj.median)} (the ps handler), rendering and writing {ms(d.median - h.median)} "
            f"(format_table alone {ms(render.median)})",
        )
    )
    b.targets.append(Target(f"render {len(rows)} rows", ms(render.median), "≤ 10 ms", render.median <= 0.010))


def case_completion(b: Bench, names: list[str]) -> None:
    from dshell.interactive.completer import DshellCompleter

    session = b.session
    completer = DshellCompleter(session)
    cache = session.names
    if hasattr(cache, "live"):
        cache.live = True  # as while the REPL's refresher keeps the cache current
    else:
        cache.ttl = 3600.0
    cache.refresh("containers")
    target = names[len(names) // 2]
    _, found = completer.candidates("rm " + target)
    if not any(c.text == target for c in found):
        raise BenchError(f"completion of 'rm {target}' does not offer {target}")
    per_key: dict[int, list[float]] = {k: [] for k in range(len(target) + 1)}
    for _ in range(b.sizes.completion_passes + 1):
        for k, times in per_key.items():
            t0 = time.perf_counter()
            completer.candidates("rm " + target[:k])
            times.append(time.perf_counter() - t0)
    medians = [statistics.median(v[1:]) for v in per_key.values()]  # first pass: warm-up
    all_keys = Series("per keystroke (all prefixes)", [t for v in per_key.values() for t in v[1:]])
    worst = max(range(len(medians)), key=lambda k: medians[k])
    b.section(
        f"6. Completion with {len(names)} containers",
        [
            Row(f"candidates('rm {target[:3]}…'), {all_keys.label}", all_keys),
            Row(f"slowest prefix: 'rm {target[:worst]}'", value=ms(medians[worst])),
        ],
        [
            f"{len(per_key)} prefixes of `{target}`, {b.sizes.completion_passes} passes after a warm-up; name cache warm"
        ],
    )
    b.targets.append(
        Target(
            f"completion per keystroke, {len(names)} containers",
            f"median {ms(all_keys.median)}, slowest prefix {ms(medians[worst])}",
            "≤ 20 ms",
            medians[worst] <= 0.020,
        )
    )


# -- case 4 --------------------------------------------------------------------------------------------------


def _installed(python: str, module: str) -> bool:
    """Whether ``python`` can import ``module`` (without importing it here)."""
    probe = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is None)"
    return subprocess.run([python, "-c", probe], check=False, capture_output=True).returncode == 0


def make_log_container(b: Bench, size: int) -> str:
    """A stopped container whose json-file log holds ``size`` bytes of output (lines of 1 KiB)."""
    name = f"{PREFIX}{RUN_ID}-logs"
    script = f's=0123456789abcdef; for i in 1 2 3 4 5 6; do s=$s$s; done; yes "$s" | head -c {size}'
    ident = b.api.create(
        name, ["sh", "-c", script], b.image, HostConfig={"LogConfig": {"Type": "json-file", "Config": {}}}
    )
    b.api.call("POST", f"/containers/{ident}/start")
    # started: "not-running" now waits for it to exit, or answers at once if it already has
    wait = b.api.call("POST", f"/containers/{ident}/wait", params={"condition": "not-running"})
    status = json.loads(wait.content or b"{}").get("StatusCode")
    if status != 0:
        raise BenchError(f"the log generator exited {status}")
    return name


def stream_why(b: Bench, d: Series, cli: Series) -> str:
    """Where the time of a stream goes beyond the CLI's: the fixed start-up, then the stream."""
    gap = d.median - cli.median
    parts = [f"{ms(gap)} over the CLI's {ms(cli.median)}"]
    if b.oneshot:
        parts.append(f"dshell's fixed start-up (one-shot ps -a) is {ms(b.oneshot)} of it")
    if d.low <= cli.high and cli.low <= d.high:
        parts.append("the two ranges overlap (a noisy machine)")
    return "; ".join(parts)


def case_logs(b: Bench) -> None:
    name = make_log_container(b, b.sizes.log_bytes)
    info = b.api.call("GET", f"/containers/{name}/json").json()
    on_disk = (
        os.path.getsize(info["LogPath"]) if info.get("LogPath") and os.path.exists(info["LogPath"]) else None
    )
    env = b.child_env()
    if b.has_command("logs"):
        dsh_argv, how = b.dsh("-c", f"logs {name}"), "`logs NAME`"
    else:
        dsh_argv = b.dsh("-c", f"get /containers/{name}/logs?stdout=1&stderr=1")
        how = "`get /containers/NAME/logs?stdout=1&stderr=1` (dshell has no `logs` yet)"
    res = alternate(
        [
            ("dshell " + how, child(dsh_argv, env=env, rss=True)),
            ("docker logs NAME", child(b.dock("logs", name), env=env, rss=True)),
        ],
        b.sizes.log_rounds,
    )
    d, cli = res["dshell " + how], res["docker logs NAME"]
    r = ratio(d, cli)
    b.section(
        f"4. `logs` of a {b.sizes.log_bytes / 1e6:.0f} MB log",
        [Row(d.label, d, f"{r:.2f}x the CLI"), Row(cli.label, cli, "1.00")],
        [
            f"lines of 1 KiB; json-file log on disk: {mib(on_disk) or 'unknown'}; output to /dev/null; peak RSS from GNU time",
        ],
    )
    b.targets.append(
        Target("logs: time vs docker logs", f"{r:.2f}x", "≤ 0.95x", r <= 0.95, stream_why(b, d, cli))
    )
    peak = d.peak_rss or 0
    b.targets.append(Target("logs: dshell peak RSS", mib(peak), "≤ 30 MiB", peak <= 30 * MIB))


# -- case 5 --------------------------------------------------------------------------------------------------


def make_image(b: Bench, size: int) -> str:
    """``FROM`` the test image with a ``COPY`` of ``size`` random bytes, built by the classic builder."""
    ctx = b.tmp / "ctx"
    ctx.mkdir()
    with open(ctx / "blob", "wb") as fh:
        left = size
        while left:
            n = min(left, 4 * MIB)
            fh.write(os.urandom(n))
            left -= n
    (ctx / "Dockerfile").write_text(f"FROM {b.image}\nCOPY blob /blob\n")
    tag = f"{PREFIX}{RUN_ID}-save:latest"
    b.cleanup.images.append(tag)
    env = {**b.child_env(), "DOCKER_BUILDKIT": "0"}
    proc = subprocess.run(
        b.dock("build", "-q", "-t", tag, str(ctx)), check=False, env=env, capture_output=True, timeout=900
    )
    if proc.returncode:
        raise BenchError(f"docker build failed: {proc.stderr.decode(errors='replace')[-400:]}")
    shutil.rmtree(ctx)
    return tag


def case_save(b: Bench) -> None:
    tag = make_image(b, b.sizes.image_bytes)
    size = b.api.call("GET", f"/images/{tag}/json").json().get("Size", 0)
    out_d, out_c = str(b.tmp / "dshell.tar"), str(b.tmp / "docker.tar")
    env = b.child_env()
    if b.has_command("save"):
        dsh = ("dshell save -o FILE IMAGE", child(b.dsh("-c", f"save -o {out_d} {tag}"), env=env, rss=True))
    else:
        dsh = (
            "dshell get /images/IMAGE/get > FILE (dshell has no `save` yet)",
            child(b.dsh("-c", f"get /images/{tag}/get"), env=env, out=out_d, rss=True),
        )
    res = alternate(
        [dsh, ("docker save -o FILE IMAGE", child(b.dock("save", "-o", out_c, tag), env=env, rss=True))],
        b.sizes.save_rounds,
    )
    d, cli = res[dsh[0]], res["docker save -o FILE IMAGE"]
    sizes = (os.path.getsize(out_d), os.path.getsize(out_c))
    for p in (out_d, out_c):
        os.unlink(p)
    if abs(sizes[0] - sizes[1]) > 64 * 1024:
        raise BenchError(f"the two archives differ in size: {sizes}")
    r = ratio(d, cli)
    b.section(
        f"5. `save -o` of a {size / MIB:.0f} MiB image",
        [Row(d.label, d, f"{r:.2f}x the CLI"), Row(cli.label, cli, "1.00")],
        [f"archive: {mib(sizes[0])}, written to {b.tmp} (same file system for both)"],
    )
    b.targets.append(
        Target("save: time vs docker save", f"{r:.2f}x", "≤ 0.95x", r <= 0.95, stream_why(b, d, cli))
    )
    peak = d.peak_rss or 0
    b.targets.append(Target("save: dshell peak RSS", mib(peak), "≤ 30 MiB", peak <= 30 * MIB))


# -- report --------------------------------------------------------------------------------------------------


# -- case 7 --------------------------------------------------------------------------------------------------

TLS_CERTS = Path("/var/lib/dshell-tls-certs")  # scripts/tlsd.sh


def fanout_daemons(b: Bench, private: str) -> list[tuple[str, Any, str]]:
    """Three daemons, three dockerd, for the fan-out case: the test daemon (tcp), a private one of the bench's
    (``private``) and the TLS daemon of scripts/tlsd.sh (else the test daemon's unix socket: then two of the
    three are one dockerd, which the case's notes say). Each as (name, address, a unix URL to set it up)."""
    from dshell.api.address import TLSConfig, parse_address, resolve_address

    main_unix = "unix:///var/run/docker.sock"
    out = [("tcp", resolve_address(b.host), main_unix), ("own", parse_address(private), private)]
    tls = TLSConfig(
        verify=str(TLS_CERTS / "ca.pem"), cert=(str(TLS_CERTS / "cert.pem"), str(TLS_CERTS / "key.pem"))
    )
    third = parse_address("tcp://127.0.0.1:2376", tls=tls) if (TLS_CERTS / "ca.pem").is_file() else None
    if third is not None and _ping("unix:///run/dshell-tls.sock"):
        out.append(("tls", third, "unix:///run/dshell-tls.sock"))
    else:
        out.append(("unix", parse_address(main_unix), main_unix))
    return out


def _same_count(b: Bench, daemons: list[tuple[str, Any, str]]) -> list[tuple[Api, list[str]]]:
    """Give every daemon as many containers as the test daemon has (created, not started), so that each
    answers ``ps -a`` with as much work: the containers made, per daemon, to remove after."""
    main = Api(daemons[0][2])
    want = len(main.call("GET", "/containers/json", params={"all": "1"}).json())
    made: list[tuple[Api, list[str]]] = []
    for _, _, setup in daemons[1:]:
        if setup == daemons[0][2]:
            continue
        api = Api(setup)
        have = len(api.call("GET", "/containers/json", params={"all": "1"}).json())
        names = [f"{PREFIX}{RUN_ID}-fan{i:03d}" for i in range(max(0, want - have))]
        with ThreadPoolExecutor(8) as pool:
            made.append((api, list(pool.map(lambda n, api=api: api.create(n, ["true"], b.image), names))))
    return made


def case_fanout(b: Bench) -> None:
    """20 lines of ``@all ps -a -q`` over three daemons vs 20 lines of ``@NAME ps -a -q`` on one, in one
    session (start-up excluded: this measures the concurrency of the fan-out)."""
    with private_daemon(
        b, name="bench-fan", bridge="dbench1", subnet="172.31.251.1/24", keep=False, case="case 7"
    ) as own:
        daemons = fanout_daemons(b, own)
        made = _same_count(b, daemons)
        try:
            _fanout(b, daemons)
        finally:
            for api, ids in made:
                Cleanup(api).remove_containers(ids)


def _fanout(b: Bench, daemons: list[tuple[str, Any, str]]) -> None:
    from dshell.core.runner import execute
    from dshell.core.session import Session
    from dshell.output.console import Console

    null = open(os.devnull, "w")  # noqa: SIM115 - closed with the session below
    first, address, _ = daemons[0]
    session = Session(address, console=Console(stdout=null, stderr=null, stdin=None), name=first)
    for name, other, _ in daemons[1:]:
        session.add_daemon(name, other)
    session.load_plugins()
    session.start(config=False)
    lines = 20

    def script(line: str) -> Variant:
        def run() -> tuple[float, None]:
            start = time.perf_counter()
            for _ in range(lines):
                if execute(session, line) != 0:
                    raise BenchError(f"{line!r} failed: {session.last_error}")
            return time.perf_counter() - start, None

        return run

    def bare(clients: list[Any]) -> Variant:
        """The floor: the same GETs with no dshell around them, one thread per client kept between lines
        (as the fan-out keeps its workers), every line's requests handed out before any reply is awaited."""
        import queue
        import threading

        jobs: list[queue.SimpleQueue[bool]] = [queue.SimpleQueue() for _ in clients]
        done: queue.SimpleQueue[bool] = queue.SimpleQueue()

        def serve(client: Any, inbox: queue.SimpleQueue[bool]) -> None:
            while inbox.get():
                client.get_json("/containers/json", params={"all": 1})
                done.put(True)

        for client, inbox in zip(clients, jobs, strict=True):
            threading.Thread(target=serve, args=(client, inbox), daemon=True).start()
        stoppers.extend(jobs)

        def run() -> tuple[float, None]:
            start = time.perf_counter()
            for _ in range(lines):
                for inbox in jobs:
                    inbox.put(True)
                for _ in jobs:
                    done.get()
            return time.perf_counter() - start, None

        return run

    rounds = max(3, b.sizes.script_rounds)
    clients = [d.client for d in session.daemons.values()]
    stoppers: list[Any] = []
    others = [name for name, _, _ in daemons[1:]]
    try:
        res = alternate(
            [
                (f"{lines} x @{first} ps -a -q (one daemon)", script(f"@{first} ps -a -q")),
                (f"{lines} x @all ps -a -q ({len(daemons)} daemons)", script("@all ps -a -q")),
                *[
                    (f"{lines} x @{name} ps -a -q (each daemon alone)", script(f"@{name} ps -a -q"))
                    for name in others
                ],
                (f"floor: {lines} x bare GET, one daemon", bare(clients[:1])),
                (f"floor: {lines} x bare GET, {len(clients)} daemons at once", bare(clients)),
            ],
            rounds,
            warmup=2,
        )
    finally:
        for inbox in stoppers:
            inbox.put(False)
        session.close()
        null.close()
    one, many = (
        res[f"{lines} x @{first} ps -a -q (one daemon)"],
        res[f"{lines} x @all ps -a -q ({len(daemons)} daemons)"],
    )
    factor = ratio(many, one)
    alone = [f"{lines} x @{name} ps -a -q (each daemon alone)" for name in others]
    floor_one = res[f"floor: {lines} x bare GET, one daemon"]
    floor_many = res[f"floor: {lines} x bare GET, {len(clients)} daemons at once"]
    floor = ratio(floor_many, floor_one)
    b.section(
        "7. One command on three daemons at once",
        [
            Row(one.label, one, "1.00"),
            Row(many.label, many, f"{factor:.2f}x"),
            *[Row(res[label].label, res[label], f"{ratio(res[label], one):.2f}") for label in alone],
            Row(floor_one.label, floor_one, "1.00"),
            Row(floor_many.label, floor_many, f"{floor:.2f}x"),
        ],
        [
            f"daemons: {', '.join(f'{n} = {a}' for n, a, _ in daemons)}; {lines} lines per run, in one session; "
            + (
                "three dockerd: the test daemon, a private one of the bench's (bridge dbench1) and the TLS "
                "daemon of scripts/tlsd.sh, each given as many containers as the test daemon has"
                if daemons[2][0] == "tls"
                else "tcp and unix are two ways into one dockerd (the test daemon): scripts/tlsd.sh was not "
                "running, so two of the three requests of each @all line went to one dockerd"
            ),
            "each daemon alone: its own time, beside the first one's (the target compares @all with the first)",
            f"{os.cpu_count()} CPUs for the daemons and dshell; the floor rows are the same requests without "
            "dshell, from threads kept between lines: where they are far above 1.6x, the daemons' own CPU time "
            "(not waiting) is what adds up",
        ],
    )
    b.targets.append(
        Target(
            "@all over 3 daemons vs @NAME on one",
            f"{factor:.2f}x",
            "≤ 1.6x",
            factor <= 1.6,
            f"each daemon's job on a worker thread kept between lines, with its own client; bare concurrent "
            f"GETs alone: {floor:.2f}x",
        )
    )


# -- case 8: scale, on a private daemon ----------------------------------------------------------------------

SCALE_SOCK = "/run/dshell-bench.sock"


def daemon_args(name: str, bridge: str) -> tuple[str, ...]:
    """A private dockerd's own data and exec roots, pidfile and socket (``/run/dshell-NAME.sock``), on its own
    bridge."""
    return (
        "--data-root", f"/var/lib/dshell-{name}",
        "--exec-root", f"/run/dshell-{name}",
        "--pidfile", f"/run/dshell-{name}.pid",
        "-H", f"unix:///run/dshell-{name}.sock",
        "--bridge", bridge,  # made beforehand; never --bridge none (it deletes the main daemon's docker0)
        "--iptables=false",
        "--ip-masq=false",
    )  # fmt: skip


SCALE_STEPS = (100, 1000, 10000)
#: ``DSHELL_BENCH_KEEP_SCALE=1``: case 8 names its containers ``dshbench-scale-cNNNNN`` (not after the run), reuses
#: the ones a kept run left on the private daemon, and leaves them and the daemon running after (creating 10,000
#: takes minutes; the default removes them and stops the daemon it started).
KEEP_SCALE = os.environ.get("DSHELL_BENCH_KEEP_SCALE", "") not in ("", "0")


def _ping(host: str) -> bool:
    with contextlib.suppress(Exception):
        return Api(host).call("GET", "/_ping", timeout=3).text == "OK"
    return False


@contextlib.contextmanager
def private_daemon(
    b: Bench,
    *,
    name: str = "bench",
    bridge: str = "dbench0",
    subnet: str = "172.31.253.1/24",
    keep: bool = KEEP_SCALE,
    case: str = "case 8",
) -> Iterator[str]:
    """A dockerd of the bench's own (data and exec roots, pidfile, socket, bridge), so the test daemon stays
    small; started unless it answers already, stopped after if this run started it (unless ``keep``)."""
    host = f"unix:///run/dshell-{name}.sock"
    proc = None
    if not _ping(host):
        if os.geteuid() != 0 or not shutil.which("dockerd"):
            raise BenchError(f"{case} needs root and dockerd for its private daemon")
        if subprocess.run(["ip", "link", "show", bridge], capture_output=True, check=False).returncode:
            subprocess.run(["ip", "link", "add", bridge, "type", "bridge"], check=True)
            subprocess.run(["ip", "addr", "add", subnet, "dev", bridge], check=True)
        subprocess.run(["ip", "link", "set", bridge, "up"], check=True)
        log = open(b.tmp / f"dockerd-{name}.log", "ab")  # noqa: SIM115 - the daemon's, closed after
        proc = subprocess.Popen(
            ["dockerd", *daemon_args(name, bridge)], stdout=log, stderr=log, start_new_session=True
        )
        deadline = time.monotonic() + 90
        while not _ping(host):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"the private dockerd did not answer; log: {b.tmp / f'dockerd-{name}.log'}")
            time.sleep(0.3)
    api = Api(host)
    try:
        if not any(b.image in (i.get("RepoTags") or []) for i in api.call("GET", "/images/json").json()):
            save = subprocess.Popen(b.dock("save", b.image), stdout=subprocess.PIPE)
            subprocess.run(
                ["docker", "-H", host, "load", "-q"], stdin=save.stdout, check=True, capture_output=True
            )
            save.wait()
        yield host
    finally:
        if not keep:
            with contextlib.suppress(Exception):
                Cleanup(api).remove_containers(Cleanup(api).containers())
        if proc is not None and not keep:
            proc.terminate()
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def scale_kept(api: Api) -> list[str]:
    """Names of the containers a kept case 8 left on the private daemon (any other container there is removed)."""
    found = api.call("GET", "/containers/json", params={"all": "1"}).json()
    keep = re.compile(rf"/{PREFIX}scale-c\d{{5}}\Z")
    names = [n for c in found for n in c.get("Names") or [] if keep.match(n)]
    stray = [c["Id"] for c in found if not any(keep.match(n) for n in c.get("Names") or [])]
    Cleanup(api).remove_containers(stray)
    return [n[1:] for n in names]


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class Pty:
    """dshell's REPL on a pseudo-terminal: spawn, wait for text, type, read the memory."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        import fcntl
        import struct
        import termios

        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
        self.start = time.perf_counter()
        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.screen = ""

    def read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return b""
        try:
            data = os.read(self.master, 65536)
        except OSError:
            return b""
        self.screen += ANSI.sub("", data.decode(errors="replace"))
        return data

    def wait_for(self, pattern: re.Pattern[str], timeout: float, since: int = 0) -> float:
        """Seconds (from now) until ``pattern`` shows in the output after offset ``since``."""
        t0 = time.perf_counter()
        while not pattern.search(self.screen, since):
            if time.perf_counter() - t0 > timeout:
                raise BenchError(f"timed out waiting for {pattern.pattern!r}; screen: {self.screen[-300:]!r}")
            self.read(0.02)
        return time.perf_counter() - t0

    def drain(self, quiet: float = 0.3) -> None:
        while self.read(quiet):
            pass

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self.master, b"\x15\x04")
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)


def repl_memory(b: Bench, host: str, env: dict[str, str], name: str = "") -> int:
    """RSS of an idle REPL (stable for 2 s); with ``name``, after completing it (so the names are cached)."""
    pty = Pty([*b.dshell, host], env)
    try:
        pty.wait_for(PROMPT, 30)
        if name:
            since = len(pty.screen)
            os.write(pty.master, ("rm " + name[:-2] + "\t").encode())
            pty.wait_for(re.compile(re.escape(name[:-2]) + r"\d\d"), 60, since)
            os.write(pty.master, b"\x1b\x15")  # close the menu, clear the line
        last, stable = 0, time.monotonic()
        while time.monotonic() - stable < 2.0:
            pty.drain(0.2)
            now = _rss(pty.proc.pid)
            if abs(now - last) > 256 * 1024:
                last, stable = now, time.monotonic()
        return last
    finally:
        pty.close()


def case_scale(b: Bench) -> None:
    """ps, completion and memory at 100, 1,000 and 10,000 containers (quick: 30 and 100, on a private
    daemon too), inspect --json of 1,000, first completion after start-up and echo per key at the largest."""
    steps = (30, 100) if b.quick else SCALE_STEPS
    env = {**b.child_env(), "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm-256color"}
    with private_daemon(b) as host:
        api = Api(host)
        # idle: a daemon without containers (a kept run's private daemon has them already: the test daemon then)
        mem_idle = repl_memory(b, b.host if KEEP_SCALE else host, env)
        session = None
        rows: list[Row] = []
        made: list[str] = []
        try:
            null = open(os.devnull, "w")  # noqa: SIM115 - closed below
            from dshell.api.address import resolve_address
            from dshell.core.runner import execute
            from dshell.core.session import Session
            from dshell.interactive.completer import DshellCompleter
            from dshell.output.console import Console

            session = Session(resolve_address(host), console=Console(stdout=null, stderr=null, stdin=None))
            session.load_plugins()
            session.start(config=False)
            version = session.client.api_version
            url = f"/v{version}/containers/json"
            kept = set(scale_kept(api)) if KEEP_SCALE else set()
            # kept: only the sizes there are (a kept run left 10,000)
            steps = tuple(s for s in steps if s >= len(kept))
            for count in steps:
                stem = f"{PREFIX}scale" if KEEP_SCALE else f"{PREFIX}{RUN_ID}"
                names = [f"{stem}-c{i:05d}" for i in range(len(made), count)]
                with ThreadPoolExecutor(16) as pool:
                    list(
                        pool.map(
                            lambda n: api.create(n, ["true"], b.image), (n for n in names if n not in kept)
                        )
                    )
                made += names
                rounds = 3 if b.quick else max(9, 20000 // count)
                res = alternate(
                    [
                        ("dshell: execute(session, 'ps -a')", lambda: (_timed(lambda: execute(session, "ps -a")), None)),
                        ("bare round trip + body", lambda: (_timed(lambda: api.session.get(url, params={"all": "1"}).content), None)),
                    ],
                    min(rounds, 20),
                    warmup=1,
                )  # fmt: skip
                d, f = res["dshell: execute(session, 'ps -a')"], res["bare round trip + body"]
                rows += [
                    Row(f"{count}: {d.label}", d, f"{ratio(d, f):.2f}x the floor"),
                    Row(f"{count}: {f.label}", f, "1.00"),
                ]
                session.names.live = True
                session.names.refresh("containers")
                completer = DshellCompleter(session)
                target = made[len(made) // 2]
                keys = Series("completion per keystroke")
                for _ in range(3):
                    for k in range(len(target) + 1):
                        t0 = time.perf_counter()
                        completer.candidates("rm " + target[:k])
                        keys.times.append(time.perf_counter() - t0)
                rows.append(Row(f"{count}: {keys.label} (median; slowest {ms(keys.high)})", keys))
                if count == steps[-1]:
                    ps_ratio, completion = ratio(d, f), keys
            burst_s, burst_note = burst(b, api, session, made)
            # inspect --json of 1,000 (or all, quick)
            some = made[: min(1000, len(made))]
            line = "inspect " + " ".join(some)  # indented JSON, as `docker inspect` (there is no --json flag)
            if execute(session, line) != 0:
                raise BenchError(f"inspect of {len(some)} containers failed: {session.last_error}")
            daemon = Series("the daemon: one GET /containers/NAME/json each, kept alive")
            mine = Series(f"dshell: inspect of {len(some)} containers (indented JSON)")
            for _ in range(3 if b.quick else 5):
                mine.times.append(_timed(lambda: execute(session, line)))
                daemon.times.append(
                    _timed(
                        lambda: [api.session.get(f"/v{version}/containers/{n}/json").content for n in some]
                    )
                )
            rows += [
                Row(mine.label, mine, f"{ratio(mine, daemon):.2f}x the daemon"),
                Row(daemon.label, daemon, "1.00"),
            ]
        finally:
            if session is not None:
                session.close()
        mem_full = repl_memory(b, host, env, made[-1])  # leaves the names' snapshot in the cache dir
        # first completion after start-up: with the last session's snapshot, and a first-ever session (none)
        firsts = {"snapshot": Series("first completion after start-up (last session's snapshot)"),
                  "none": Series("first completion after start-up, first-ever session (no snapshot)")}  # fmt: skip
        for n in range(2 if b.quick else 3):
            for kind in ("snapshot", "none") if n % 2 == 0 else ("none", "snapshot"):
                fresh = {**env, "XDG_CACHE_HOME": str(b.tmp / f"cache-none-{n}")}
                pty = Pty([*b.dshell, host], env if kind == "snapshot" else fresh)
                try:
                    pty.wait_for(PROMPT, 30)
                    firsts[kind].times.append(first_completion(pty, made[-1][:-2]))
                finally:
                    pty.close()
        first = firsts["snapshot"].median
        # echo per key, at the largest size (the refresher's first list lands meanwhile)
        pty = Pty([*b.dshell, host], env)
        try:
            pty.wait_for(PROMPT, 30)
            first_completion(pty, made[-1][:-2])
            os.write(pty.master, b"\x15")  # clear the line
            pty.drain()
            echo = Series("echo per key while typing a name")
            os.write(pty.master, b"rm ")
            pty.drain()
            for ch in made[len(made) // 3]:
                t0 = time.perf_counter()
                since = len(pty.screen)
                os.write(pty.master, ch.encode())
                pty.wait_for(re.compile(re.escape(ch)), 5, since)
                echo.times.append(time.perf_counter() - t0)
                pty.drain(0.05)
        finally:
            pty.close()
    rows += [
        Row(f"{firsts['snapshot'].label}, {len(made)} containers", firsts["snapshot"]),
        Row(f"{firsts['none'].label}, {len(made)} containers", firsts["none"]),
        Row(
            f"a burst of {BURST if not b.quick else BURST_QUICK} created elsewhere: the last completable after it",
            value=ms(burst_s),
        ),
        Row(echo.label, echo, f"slowest {ms(echo.high)}"),
        Row("REPL memory, idle (no containers)", value=mib(mem_idle)),
        Row(f"REPL memory, {len(made)} names cached", value=mib(mem_full)),
    ]
    b.section(
        f"8. Scale: {', '.join(str(s) for s in steps)} containers on a private daemon",
        rows,
        [
            f"private dockerd at {host} (data root /var/lib/dshell-bench, bridge dbench0), containers created "
            "(not started) 16 at a time through the API and removed after",
            "completion: every prefix of one name, 3 passes, name cache warm; echo: time from writing a key to "
            "the pty until it shows",
            "first completion: from the prompt, `rm PREFIX` + Tab until a name shows; 'snapshot' starts with the "
            "names the previous REPL wrote (dshell.core.namesnap), 'first-ever' with an empty cache dir (it waits "
            "for the refresher's list of all containers)",
            f"burst: {burst_note}",
        ],
    )
    n = len(made)
    worst = statistics.median(completion.times)
    b.targets += [
        Target(f"ps -a in a session vs bare round trip, {n} containers", f"{ps_ratio:.2f}x", "≤ 1.2x", ps_ratio <= 1.2),
        Target(f"completion keystroke, {n} containers", f"median {ms(worst)}, slowest {ms(completion.high)}", "≤ 20 ms", completion.high <= 0.020),
        Target(f"first completion after start-up, {n} containers", f"{ms(first)} (first-ever session: {ms(firsts['none'].median)})", "≤ 1 s", first <= 1.0),
        Target(f"a burst of {BURST if not b.quick else BURST_QUICK} created elsewhere, {n} containers", f"{ms(burst_s)} after the last", "≤ 1 s", burst_s <= 1.0),
        Target(f"echo per key, {n} containers", f"median {ms(echo.median)}, slowest {ms(echo.high)}", "≤ 20 ms (slowest)", echo.high <= 0.020),
        Target("REPL memory idle", mib(mem_idle), "≤ 45 MiB", mem_idle <= 45 * MIB),
        Target(f"REPL memory with {n} names", mib(mem_full), "≤ 90 MiB", mem_full <= 90 * MIB),
        Target(f"inspect (JSON) of {len(some)} containers vs the daemon", f"{ratio(mine, daemon):.2f}x", "≤ 1.5x", ratio(mine, daemon) <= 1.5),
    ]  # fmt: skip


BURST = 1000
BURST_QUICK = 50


def first_completion(pty: Pty, prefix: str) -> float:
    """Seconds from typing ``rm PREFIX`` + Tab until a name completing ``prefix`` shows."""
    t0 = time.perf_counter()
    since = len(pty.screen)
    os.write(pty.master, ("rm " + prefix + "\t").encode())
    pty.wait_for(re.compile(re.escape(prefix) + r"\d\d"), 30, since)
    return time.perf_counter() - t0


def burst(b: Bench, api: Api, session: Any, made: list[str]) -> tuple[float, str]:
    """Containers created elsewhere (this process, through the API, 16 at a time) while a refresher — the
    REPL's, in this process, with its own connections — follows the daemon holding ``made``: seconds from the
    last create's reply until every one of them is a completion candidate. Removed after."""
    from dshell.interactive.completer import DshellCompleter
    from dshell.interactive.refresher import Refresher

    count = BURST_QUICK if b.quick else BURST
    stem = f"{PREFIX}{RUN_ID}-burst-"
    names = [f"{stem}{i:04d}" for i in range(count)]
    refresher = Refresher(session.daemon).start()
    completer = DshellCompleter(session)
    try:
        deadline = time.monotonic() + 60
        while refresher.rounds == 0 or not refresher.status.connected:
            if time.monotonic() > deadline:
                raise BenchError("the refresher did not list the private daemon within 60 s")
            time.sleep(0.05)
        rounds, t_start = refresher.rounds, time.perf_counter()
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda n: api.create(n, ["true"], b.image), names))
        last = time.perf_counter()
        want = set(names)
        while True:
            got = {c.text for c in completer.candidates("rm " + stem)[1]}
            if want <= got:
                took = time.perf_counter() - last
                break
            if time.perf_counter() - last > 30:
                raise BenchError(f"{len(want - got)} of the burst not completable 30 s after it")
            time.sleep(0.005)
        note = (
            f"{count} containers created through the API 16 at a time in {time.perf_counter() - t_start - took:.1f} s "
            f"while the REPL's refresher (in the bench's process, its own connections) followed {len(made)}; "
            f"it applied {refresher.applied} events in place and listed the daemon {refresher.rounds - rounds} "
            "times meanwhile (other kinds: volumes)"
        )
        return took, note
    finally:
        refresher.stop()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(api.remove_container, names))


def _timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def machine_facts(b: Bench) -> list[str]:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with contextlib.suppress(OSError, IndexError, ValueError):
        kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    server = b.api.call("GET", "/version").json()
    cli = subprocess.run([b.docker, "--version"], check=False, capture_output=True, text=True).stdout.strip()
    git = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], check=False, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
        check=False,
        capture_output=True,
        text=True,
    ).stdout.strip()
    import dshell

    return [
        f"machine: {platform.node()}, {cpu}, {os.cpu_count()} cores, {mem}, {platform.platform()}",
        f"python: {platform.python_version()} ({b.python})",
        f"dshell {dshell.__version__} (commit {git or '?'}{', with uncommitted changes' if dirty else ''}); "
        f"httptools {_version('httptools')}, prompt_toolkit {_version('prompt_toolkit')}, "
        f"pluggy {_version('pluggy')}, tabulate {_version('tabulate')}",
        f"Docker CLI: {cli} ({b.docker}); docker-py {_version('docker')}",
        f"daemon: Docker Engine {server.get('Version')} (API {server.get('ApiVersion')}) at {b.host}",
    ]


def report(b: Bench, started: float, facts: list[str], argv: list[str]) -> str:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    out = [
        "# dshell benchmark results",
        "",
        f"Written by `python bench/run.py{' ' + ' '.join(argv) if argv else ''}` on {when} "
        f"({'QUICK: tiny sizes, figures not meaningful' if b.quick else 'full run'}; "
        f"{time.perf_counter() - started:.0f} s in all). Variants of a case ran alternately, the order rotating "
        "each round; medians, min - max over the rounds.",
        "",
        *(f"- {f}" for f in facts),
        "",
        "## Targets",
        "",
        "| target | measured | goal | met? | why, where missed |",
        "|---|---|---|---|---|",
    ]
    for t in b.targets:
        out.append(
            f"| {t.name} | {t.measured} | {t.target} | {'yes' if t.met else '**no**'} | {'' if t.met else t.why} |"
        )
    met = sum(t.met for t in b.targets)
    out += ["", f"{met} of {len(b.targets)} targets met.", "", "## Cases", ""]
    for title, rows, notes in b.sections:
        out.append(render_section(title, rows, notes))
    if b.notes:
        out += ["## Notes", "", *(f"- {n}" for n in b.notes), ""]
    return "\n".join(out)


# -- main ----------------------------------------------------------------------------------------------------


def default_dshell() -> list[str]:
    script = Path(sys.executable).with_name("dshell")
    return [str(script)] if script.exists() else [sys.executable, "-m", "dshell"]


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--quick", action="store_true", help="tiny sizes, one or two rounds: checks the bench works"
    )
    p.add_argument("--host", default=os.environ.get("DSHELL_TEST_TCP") or "tcp://127.0.0.1:2375")
    p.add_argument("--image", default=os.environ.get("DSHELL_TEST_IMAGE") or "dshell-test/busybox:latest")
    p.add_argument(
        "--docker", default=shutil.which("docker") or "/usr/local/bin/docker", help="the Docker CLI"
    )
    p.add_argument("--output", default=str(HERE / "RESULTS.md"), help="where to write the results")
    p.add_argument(
        "--cases",
        default=None,
        help="which cases to run, comma-separated (default: all; with --quick all but 8, whose private daemon "
        "is asked for by name: --quick --cases 8 runs it with 30 and 100 containers)",
    )
    return p.parse_args(argv)


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so the cleanup runs."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    sizes = QUICK if args.quick else FULL
    chosen = args.cases or ("1,2,3,4,5,6,7" if args.quick else "1,2,3,4,5,6,7,8")
    cases = {c.strip() for c in chosen.split(",") if c.strip()}
    api = Api(args.host)
    cleanup = Cleanup(api)
    tmp = Path(tempfile.mkdtemp(prefix=PREFIX, dir=os.environ.get("TMPDIR", "/tmp")))
    cleanup.paths.append(tmp)
    b = Bench(
        args.host,
        args.image,
        args.docker,
        default_dshell(),
        sys.executable,
        sizes,
        args.quick,
        api,
        cleanup,
        tmp,
    )
    started = time.perf_counter()
    print(
        f"dshell bench ({'quick' if args.quick else 'full'}), run {RUN_ID}, on {args.host}, in {tmp}",
        flush=True,
    )
    with terminate_as_interrupt():
        try:
            cleanup.purge_stale()
            facts = machine_facts(b)
            b.session = build_session(b)
            names = create_containers(b, sizes.small_containers)
            if "1" in cases:
                case_oneshot(b)
            if "2" in cases:
                case_script(b, names)
            if cases & {"3", "6"}:
                many = sizes.many_containers
                names += create_containers(b, many - len(names), start=len(names))
                if "3" in cases:
                    case_session(b, many)
                if "6" in cases:
                    case_completion(b, names)
                cleanup.remove_containers(cleanup.containers())
            if "4" in cases:
                case_logs(b)
                cleanup.remove_containers(cleanup.containers())
            if "5" in cases:
                case_save(b)
            if "7" in cases:
                case_fanout(b)
            if "8" in cases:
                case_scale(b)
        except BenchError as exc:
            print(f"bench: {exc}", file=sys.stderr)
            return 1
        finally:
            if b.session is not None:
                with contextlib.suppress(Exception):
                    b.session.close()
            cleanup.run()
    text = report(b, started, facts, argv)
    Path(args.output).write_text(text)
    print(text[text.index("## Targets") :].split("## Cases")[0], flush=True)
    print(f"written to {args.output}")
    return 0  # a missed target is a result, not a failure of the bench


if __name__ == "__main__":
    sys.exit(main())
