"""Edges a review found in the many-daemon, dry-run and start-up paths, each against the real daemon."""

from __future__ import annotations

import io
from typing import Any

import pytest
from conftest import TCP, run_dshell

from dshell.core.hookspecs import hookimpl
from dshell.output.console import Console
from dshell.output.render import RenderContext, render_common
from dshell.output.results import Lines, Text

DEAD = "tcp://127.0.0.1:1"  # nothing listens on port 1


@pytest.fixture
def daemon() -> str:
    if not TCP:
        pytest.skip("DSHELL_TEST_TCP is not set")
    return TCP


class Contacts:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    @hookimpl
    def dshell_daemon_connected(self, session: Any, daemon: Any) -> None:
        self.seen.append(("connected", daemon.name))

    @hookimpl
    def dshell_daemon_lost(self, session: Any, daemon: Any, error: Any) -> None:
        self.seen.append(("lost", daemon.name))


def session_of(*daemons: tuple[str, str]) -> Any:
    from dshell.api.address import parse_address
    from dshell.core.session import Session

    console = Console(stdout=io.StringIO(), stderr=io.StringIO(), stdin=None)
    first, url = daemons[0]
    s = Session(parse_address(url), console=console, name=first)
    for name, other in daemons[1:]:
        s.add_daemon(name, parse_address(other))
    s.load_plugins()
    s.start(config=False)
    return s


def test_a_targeted_line_reports_contact_for_the_daemon_it_ran_on(daemon: str) -> None:
    from dshell.core.runner import execute

    s = session_of(("a", daemon), ("dead", DEAD))
    contacts = Contacts()
    s.plugins.register(contacts, "contacts")
    try:
        assert execute(s, "ps -q") == 0
        assert execute(s, "@dead ps -q") == 1
        assert execute(s, "@a,dead ps -q") == 1  # fanned out: each daemon reported by its worker
    finally:
        s.close()
    assert contacts.seen == [("connected", "a"), ("lost", "dead")]
    assert s.daemons["a"].state == "connected" and s.daemons["dead"].state == "lost"


def test_dry_run_fans_out_without_a_traceback(daemon: str, prefix: str) -> None:
    r = run_dshell(f"a={daemon}", f"b={daemon}", "--dry-run", "-c", f"@all volume create {prefix}-v")
    assert r.status == 0, r.err
    assert "Traceback" not in r.err and "Exception in thread" not in r.err
    assert (
        sorted(line.split()[:3] for line in r.out.splitlines())
        == [
            ["a", "|", "dry-run:"],
            ["b", "|", "dry-run:"],
        ]
        or r.out.count("dry-run: POST") == 2
    ), r.out
    assert run_dshell(daemon, "-c", f"volume inspect {prefix}-v").status == 1  # nothing was created


def test_dry_run_never_prints_a_secret(daemon: str, prefix: str) -> None:
    body = '{"Image": "x", "Labels": {"api_token": "hunter2"}, "Env": ["A=1"]}'
    r = run_dshell(daemon, "--dry-run", "-c", f"post /containers/create?name={prefix}-c {body}")
    assert r.status == 0, r.err
    assert "hunter2" not in r.out and '"api_token": "<redacted>"' in r.out and '"A=1"' in r.out


def test_defer_on_the_command_line_runs_at_the_end(daemon: str) -> None:
    r = run_dshell(daemon, "-c", "defer echo bye")
    assert (r.status, r.out) == (0, "bye\n"), r.err


def test_a_client_certificate_needs_its_key(daemon: str) -> None:
    r = run_dshell("--tlscert", "/nonexistent/cert.pem", "127.0.0.1:2376", "-c", "ps")
    assert (
        r.status == 2
        and r.err
        == "dshell: Usage error: --tlscert and --tlskey go together (a client certificate needs its key)\n"
    )


@pytest.mark.parametrize("name", ["a|b", "all", "x>y", "$x", "a b", "_a"])
def test_daemon_names_that_would_not_parse_are_refused(daemon: str, name: str) -> None:
    r = run_dshell(f"{name}={daemon}", "-c", "ps -q")
    assert r.status == 2 and f"invalid daemon name {name!r}" in r.err, r


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_text_from_the_daemon_is_escaped_on_a_terminal_and_exact_in_a_pipe() -> None:
    hostile = "name\x1b[2J\x1b]0;pwned\x07 ok"
    for stdout, expected in (
        (Terminal(), "name\\x1b[2J\\x1b]0;pwned\\x07 ok\n"),
        (io.StringIO(), hostile + "\n"),
    ):
        ctx = RenderContext(Console(stdout=stdout, stderr=io.StringIO(), stdin=None))
        render_common(Text(hostile), ctx)
        assert stdout.getvalue() == expected
        stdout.seek(0)
        stdout.truncate()
        render_common(Lines(iter([hostile])), ctx)
        assert stdout.getvalue() == expected


def test_raw_commands_take_the_jmespath_query_and_keep_their_parameters(daemon: str) -> None:
    r = run_dshell(daemon, "-c", "get /containers/json --query 'length(@)' -q all=1")
    assert r.status == 0, r.err
    theirs = docker_count()
    assert int(r.out) == theirs


def docker_count() -> int:
    from conftest import docker

    return len(docker("ps", "-a", "-q").stdout.split())


def test_coloured_json_lets_only_dshells_own_escapes_through() -> None:
    import json

    from dshell.output.colors import highlight_json

    painted = highlight_json(json.dumps({"name": "x\u009b2J\x7f\x1b[31m"}, ensure_ascii=False))
    assert "\u009b" not in painted and "\x7f" not in painted
    assert "\\x9b2J\\x7f" in painted and "\\u001b[31m" in painted  # JSON's own escape stays JSON's
