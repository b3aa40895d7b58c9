"""Issue 14: random lines through the lexer, parser, expansion and dispatch never raise a traceback.

Every line runs in-process through :func:`dshell.core.runner.execute` on a session whose daemon address has
nothing listening (so no line can change a daemon, and every request fails at once with a clear line). The
guarantee checked for each line: ``execute`` returns a status; nothing reads "internal error" or
"Traceback"; a failing line prints exactly one error line on stderr; a line that succeeds prints none.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

#: Commands a fuzzed line may not run: host commands, leaving, waiting or switching daemons.
EXCLUDED = {"!", "exit", "quit", "defer", "connect", "disconnect", "use", "wait-until", "context use"}
NOWHERE = "tcp://127.0.0.1:1"  # nothing listens on port 1: every request is refused at once
EXAMPLES = int(os.environ.get("DSHELL_FUZZ_EXAMPLES", "400"))


class Quiet:
    """A session on :data:`NOWHERE` with captured output."""

    def __init__(self) -> None:
        from dshell.api.address import parse_address
        from dshell.core.session import Session
        from dshell.output.console import Console

        self.out = io.StringIO()
        self.err = io.StringIO()
        self.session = Session(
            parse_address(NOWHERE), console=Console(stdout=self.out, stderr=self.err, stdin=None)
        )
        self.session.load_plugins()
        self.commands = sorted(n for n in self.session.registry.names() if n not in EXCLUDED)
        self.count = 0

    def run(self, line: str) -> tuple[int, str]:
        from dshell.core.runner import execute

        self.out.seek(0)
        self.out.truncate()
        self.err.seek(0)
        self.err.truncate()
        status = execute(self.session, line)
        self.count += 1
        return status, self.err.getvalue()


@pytest.fixture(scope="module")
def quiet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Quiet]:
    home = tmp_path_factory.mktemp("fuzz")
    old = os.getcwd()
    env = {k: os.environ.get(k) for k in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "DOCKER_CONFIG")}
    os.environ.update(XDG_DATA_HOME=str(home), XDG_CONFIG_HOME=str(home), DOCKER_CONFIG=str(home / "docker"))
    os.chdir(home)  # anything a line writes lands here
    q = Quiet()
    yield q
    q.session.close()
    os.chdir(old)
    for k, v in env.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def safe(line: str) -> bool:
    stripped = line.lstrip()
    return not stripped.startswith(("!", "@")) and "\x00" not in line


def check(quiet: Quiet, line: str) -> None:
    if not safe(line):
        return
    words = line.split()
    if words and words[0] in {w.split()[0] for w in EXCLUDED}:
        return
    status, err = quiet.run(line)
    assert isinstance(status, int)
    assert "internal error" not in err and "Traceback" not in err, (line, err)
    lines = [x for x in err.splitlines() if x.strip()]
    if status != 0:
        assert len(lines) >= 1, (line, status, err)
        if "$" not in line:  # a variable's value ($_ is the last output) may itself hold several lines
            assert len([x for x in lines if not x.startswith((" ", "\t", "hint:"))]) == 1, (line, err)


SHELLISH = st.lists(
    st.sampled_from(
        [*"ab-_=:/.@$'\"\\{}()[]|>< \t#*?,;~", "--", "-a", "{{", "}}", "${", "é", "\x1b", "ps ", "run "]
    ),
    max_size=40,
).map("".join)
ARGS = st.lists(
    st.one_of(
        st.sampled_from(["-a", "-q", "--format", "{{.ID}}", "--filter", "name=x", "-f", "json", "--", "-",
                         "x:/y", "'unterminated", '"also', "{{(", "}}", "--no-such-flag", "=", "-o", "''",
                         "x/../y", "$X", "${X}", "|", ">", "2>&1", "--help", "-h", "999999999999999999999"]),
        st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00!\n\r"), max_size=12),
    ),
    max_size=6,
)  # fmt: skip


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(line=SHELLISH)
def test_random_text_never_raises(quiet: Quiet, line: str) -> None:
    check(quiet, line)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), args=ARGS)
def test_every_command_with_random_arguments_never_raises(
    quiet: Quiet, data: st.DataObject, args: list[str]
) -> None:
    from dshell.core.lexer import quote_word

    command = data.draw(st.sampled_from(quiet.commands))
    raw = data.draw(st.booleans())
    line = " ".join([command, *(a if raw else quote_word(a) for a in args)])
    check(quiet, line)


@pytest.mark.parametrize(
    "line",
    [
        "ps --format '" + "{{" + "(" * 1200 + ".ID" + ")" * 1200 + "}}'",
        "ps --format '" + "{{if 1}}" * 1200 + "'",
        "ps --format '{{" + "len " * 2000 + "1}}'",
        "ps -a --filter " + "x" * 1_000_000,
        "inspect " + "/" * 100_000,
        "echo " + "\\" * 10_000,
        "'" * 10_001,
        "alias a = a",
        "a",
        "commit '' :",  # found by this fuzzer: an internal ValueError
        "ps >> /",  # found by this fuzzer: IsADirectoryError
        "ps > /",
    ],
)
def test_hostile_lines_are_clear_errors(quiet: Quiet, line: str) -> None:
    check(quiet, line)


def test_the_fuzzer_ran_what_it_claims(quiet: Quiet) -> None:
    assert quiet.count > 0
    Path(os.getcwd())  # the module's lines ran inside the temporary directory


DEEP = "{{" + "(" * 1200 + ".ID" + ")" * 1200 + "}}"


@pytest.mark.parametrize(
    "line",
    [
        f"ps -a --format '{DEEP}'",
        f"version --format '{DEEP}'",
        f"inspect --format '{DEEP}' dshell-no-such-object",
        "ps -a --format '" + "{{if 1}}" * 1200 + "{{end}}" * 1200 + "'",
        "images --format '{{" + "len " * 2000 + "1}}'",
    ],
)
def test_hostile_formats_on_the_real_daemon_are_one_clear_line(shell, line: str) -> None:  # type: ignore[no-untyped-def]
    r = shell.run(line)  # reads only
    assert r.status != 0 and "internal error" not in r.err and len(r.err.strip().splitlines()) == 1, r.err
