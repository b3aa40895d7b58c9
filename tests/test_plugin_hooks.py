"""Plugin hooks get pluggy's semantics (tryfirst/trylast, wrapper=True, hookwrapper=True), each implementation
isolated; dshell_run_command wraps every command; dshell_daemon_connected/lost follow the daemon."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import IMAGE, UNIX, run_dshell

from dshell.core.commands import Command, CommandRegistry
from dshell.core.hookspecs import CommandOutcome, hookimpl
from dshell.core.pluginhost import PluginHost
from dshell.errors import ConnectionFailed, UsageError
from dshell.output.results import Text
from dshell.testing import Runner


def _noop(inv: Any) -> Text:
    return Text("")


class Recorder:
    """A plugin whose dshell_register_commands records the order it ran in (and adds one command)."""

    def __init__(self, name: str, calls: list[str]) -> None:
        self.name = name
        self.calls = calls

    def add(self, registry: CommandRegistry) -> None:
        self.calls.append(self.name)
        registry.add(Command(f"cmd-{self.name}", _noop, f"from {self.name}"))


def plugin(kind: str, name: str, calls: list[str]) -> object:
    """A plugin object implementing dshell_register_commands as ``kind``."""
    rec = Recorder(name, calls)

    if kind in ("plain", "tryfirst", "trylast"):
        opts = {} if kind == "plain" else {kind: True}

        class Plain:
            @hookimpl(**opts)
            def dshell_register_commands(self, registry: CommandRegistry) -> None:
                rec.add(registry)

        return Plain()
    if kind == "wrapper":

        class Wrapper:
            @hookimpl(wrapper=True)
            def dshell_register_commands(self, registry: CommandRegistry) -> Generator[None, Any, Any]:
                calls.append(f"{name}:before")
                result = yield
                calls.append(f"{name}:after:{len(list(registry))}")
                return result

        return Wrapper()
    if kind == "hookwrapper":

        class OldWrapper:
            @hookimpl(hookwrapper=True)
            def dshell_register_commands(self, registry: CommandRegistry) -> Generator[None, Any, None]:
                calls.append(f"{name}:before")
                outcome = yield
                outcome.get_result()
                calls.append(f"{name}:after")

        return OldWrapper()
    raise ValueError(kind)


def host_with(*plugins: tuple[str, object]) -> tuple[PluginHost, list[str]]:
    warnings: list[str] = []
    host = PluginHost(warn=warnings.append)
    for name, obj in plugins:
        assert host.register(obj, name) is not None
    return host, warnings


def test_order_tryfirst_trylast_and_load_order() -> None:
    calls: list[str] = []
    host, warnings = host_with(
        ("late", plugin("trylast", "late", calls)),
        ("first-loaded", plugin("plain", "first-loaded", calls)),
        ("early", plugin("tryfirst", "early", calls)),
        ("second-loaded", plugin("plain", "second-loaded", calls)),
    )
    registry = CommandRegistry()
    host.register_commands(registry)
    # tryfirst before the plain ones (in load order, unlike pluggy's LIFO), trylast after them
    assert calls == ["early", "first-loaded", "second-loaded", "late"]
    assert warnings == []
    # what each adds is attributed to it
    assert {c.name: c.plugin for c in registry} == {
        "cmd-late": "late",
        "cmd-first-loaded": "first-loaded",
        "cmd-early": "early",
        "cmd-second-loaded": "second-loaded",
    }
    assert host.get("early") is not None and host.get("early").commands == ["cmd-early"]  # type: ignore[union-attr]
    assert host.hooks_of("early") == ["dshell_register_commands[tryfirst]"]
    assert host.hooks_of("late") == ["dshell_register_commands[trylast]"]


def test_wrappers_run_around_the_plain_implementations() -> None:
    calls: list[str] = []
    host, warnings = host_with(
        ("new", plugin("wrapper", "new", calls)),
        ("a", plugin("plain", "a", calls)),
        ("old", plugin("hookwrapper", "old", calls)),
        ("b", plugin("plain", "b", calls)),
    )
    host.register_commands(CommandRegistry())
    # the wrapper loaded first is the outer one; after `yield` both see every command added
    assert calls == ["new:before", "old:before", "a", "b", "old:after", "new:after:2"]
    assert warnings == []
    assert host.hooks_of("new") == host.hooks_of("old") == ["dshell_register_commands[wrapper]"]


class Boom(Exception):
    pass


def test_failures_are_isolated_in_plain_implementations_and_both_kinds_of_wrapper() -> None:
    calls: list[str] = []

    class Broken:
        @hookimpl
        def dshell_register_commands(self, registry: CommandRegistry) -> None:
            raise Boom("plain broke")

    class BrokenBefore:
        @hookimpl(wrapper=True)
        def dshell_register_commands(self, registry: CommandRegistry) -> Generator[None, Any, Any]:
            raise Boom("wrapper broke before yield")
            yield  # pragma: no cover

    class BrokenAfter:
        @hookimpl(hookwrapper=True)
        def dshell_register_commands(self, registry: CommandRegistry) -> Generator[None, Any, None]:
            yield
            raise Boom("hookwrapper broke after yield")

    host, warnings = host_with(
        ("broken", Broken()),
        ("ok-1", plugin("plain", "ok-1", calls)),
        ("broken-before", BrokenBefore()),
        ("outer", plugin("wrapper", "outer", calls)),
        ("broken-after", BrokenAfter()),
        ("ok-2", plugin("trylast", "ok-2", calls)),
    )
    registry = CommandRegistry()
    host.register_commands(registry)
    assert calls == ["outer:before", "ok-1", "ok-2", "outer:after:2"]
    assert sorted(c.name for c in registry) == ["cmd-ok-1", "cmd-ok-2"]
    assert warnings == [
        "plugin 'broken-before' failed in dshell_register_commands: Boom: wrapper broke before yield; skipped",
        "plugin 'broken' failed in dshell_register_commands: Boom: plain broke; skipped",
        "plugin 'broken-after' failed in dshell_register_commands (after the call): "
        "Boom: hookwrapper broke after yield; skipped",
    ]


# -- dshell_run_command --------------------------------------------------------------------------------------


class Timer:
    """A wrapper that times every command and records what it saw."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, int | str, float]] = []

    @hookimpl(wrapper=True)
    def dshell_run_command(self, invocation: Any) -> Generator[None, Any, Any]:
        started = time.perf_counter()
        try:
            outcome = yield
        except Exception as exc:
            self.seen.append((invocation.command.name, invocation.line, type(exc).__name__, 0.0))
            raise
        self.seen.append(
            (invocation.command.name, invocation.line, outcome.status, time.perf_counter() - started)
        )
        assert isinstance(outcome, CommandOutcome)
        return outcome


@pytest.fixture
def runner(daemon: str) -> Iterator[Runner]:
    r = Runner(daemon)
    yield r
    r.close()


def test_a_wrapper_times_every_command(runner: Runner, prefix: str) -> None:
    timer = Timer()
    runner.session.plugins.register(timer, "timer")
    r = runner.run(f"run --name {prefix}-t dshell-test/busybox:latest sleep 0.3")
    assert r.status == 0, r.stderr
    r = runner.run(f"ps -a --filter name={prefix}-t --format {{{{.Names}}}}")
    assert r.stdout == f"{prefix}-t\n"
    r = runner.run(f"inspect {prefix}-missing")  # a handler that returns its errors
    assert r.status == 1 and "No such" in r.stderr
    r = runner.run(f"logs {prefix}-missing")  # a handler that raises
    assert r.status == 1 and "No such container" in r.stderr
    (n1, line1, s1, t1), (n2, _, s2, _), (n3, _, s3, _), (n4, _, s4, _) = timer.seen
    assert (n1, s1, n2, s2, n3, s3, n4, s4) == ("run", 0, "ps", 0, "inspect", 1, "logs", "NotFound")
    assert line1.startswith("run --name") and 0.3 <= t1 < 10  # the handler and the rendering of its output
    assert runner.session.plugins.hooks_of("timer") == ["dshell_run_command[wrapper]"]


def test_a_broken_wrapper_is_skipped_and_a_refusal_fails_the_command(runner: Runner) -> None:
    class Broken:
        @hookimpl(wrapper=True)
        def dshell_run_command(self, invocation: Any) -> Generator[None, Any, Any]:
            raise Boom("audit log is gone")
            yield  # pragma: no cover

    class Policy:
        @hookimpl(tryfirst=True)
        def dshell_run_command(self, invocation: Any) -> None:
            if invocation.command.name == "rm":
                raise UsageError("rm is not allowed here")

    runner.session.plugins.register(Broken(), "broken")
    runner.session.plugins.register(Policy(), "policy")
    r = runner.run("version --format {{.Server.Version}}")
    assert r.status == 0 and r.stdout.strip()
    assert "plugin 'broken' failed in dshell_run_command: Boom: audit log is gone; skipped" in r.stderr
    r = runner.run("rm whatever")
    assert (r.status, r.stderr.splitlines()[-1]) == (2, "Usage error: rm is not allowed here")


def test_run_command_wrapper_from_an_installed_distribution(tmp_path: Path, daemon: str) -> None:
    source = (
        "import time\n"
        "from dshell.plugin import hookimpl\n"
        "@hookimpl(wrapper=True)\n"
        "def dshell_run_command(invocation):\n"
        "    t = time.perf_counter()\n"
        "    outcome = yield\n"
        "    invocation.console.error(f'[timed] {invocation.command.name} -> {outcome.status} '\n"
        "                             f'{time.perf_counter() - t:.3f}s')\n"
        "    return outcome\n"
    )
    (tmp_path / "dshell_timer.py").write_text(source)
    info = tmp_path / "dshell_timer-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: dshell-timer\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[dshell]\ntimer = dshell_timer\n")
    env = {"PYTHONPATH": str(tmp_path)}
    line = f"images -q {IMAGE}"  # a stable answer while other tests add images
    plain = run_dshell(daemon, "-c", line)
    r = run_dshell(daemon, "-c", line, env=env)
    assert r.status == 0 and r.out == plain.out  # the output is the command's, untouched
    assert any(x.startswith("[timed] images -> 0 ") for x in r.err.splitlines()), r.err
    r = run_dshell(daemon, "-c", "plugins", env=env)
    assert any(
        x.startswith("timer") and x.rstrip().endswith("run_command[wrapper]") for x in r.out.splitlines()
    )


# -- dshell_daemon_connected / dshell_daemon_lost ----------------------------------------------------------


class Audit:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, str]] = []

    @hookimpl
    def dshell_daemon_connected(self, session: Any, daemon: Any) -> None:
        self.events.append(("connected", daemon.name, daemon.client.api_version))

    @hookimpl
    def dshell_daemon_lost(self, session: Any, daemon: Any, error: ConnectionFailed) -> None:
        assert isinstance(error, ConnectionFailed)
        self.events.append(("lost", daemon.name, error.cause))


def test_connected_and_lost_against_the_real_daemon_and_a_dead_address(daemon: str) -> None:
    audit = Audit()
    live = Runner(daemon)
    try:
        live.session.plugins.register(audit, "audit")
        assert live.run("help").status == 0
        assert audit.events == []  # help never talks to the daemon
        assert live.run("ps -q").status == 0
        assert live.run("images -q").status == 0
        version = live.session.client.api_version
        assert audit.events == [("connected", "default", version)]  # once
    finally:
        live.close()

    audit = Audit()
    dead = Runner("tcp://127.0.0.1:1")
    try:
        dead.session.plugins.register(audit, "audit")
        r = dead.run("ps")
        assert r.status != 0 and "127.0.0.1:1" in r.stderr
        assert dead.run("images").status != 0
        assert [(e[0], e[1]) for e in audit.events] == [("lost", "default")]  # once per loss
        assert "refused" in audit.events[0][2].lower()
    finally:
        dead.close()


def test_lost_then_connected_again(tmp_path: Path) -> None:
    """A unix socket that disappears and comes back (a symlink to the real daemon's socket)."""
    real = UNIX.removeprefix("unix://")
    if not os.path.exists(real):
        pytest.skip(f"no daemon socket at {real}")
    link = tmp_path / f"d-{uuid.uuid4().hex[:6]}.sock"
    link.symlink_to(real)
    audit = Audit()
    r = Runner(f"unix://{link}")
    try:
        r.session.plugins.register(audit, "audit")
        assert r.run("ps -q").status == 0
        link.unlink()
        r.session.client.close()  # the kept-alive connection would outlive the socket file
        assert r.run("ps -q").status != 0
        link.symlink_to(real)
        assert r.run("ps -q").status == 0
        assert [e[0] for e in audit.events] == ["connected", "lost", "connected"]
    finally:
        r.close()
