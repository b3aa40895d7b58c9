"""The automation language, line by line in one in-process session on the test daemon: variables, captures,
each expansion form, ``--query``, pipes, redirection, and errors that name the token."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import IMAGE, Captured, docker

from dshell.core.expand import query
from dshell.core.pipeline import is_plain, split_pipeline


def test_variables_and_quoting(shell: Captured) -> None:
    assert shell.run("greeting='hello world'").status == 0
    r = shell.run("echo $greeting ${greeting}! '$greeting' \"[$greeting]\" \\$greeting")
    assert r.out == "hello world hello world! $greeting [hello world] $greeting\n"
    assert shell.run("unset greeting").status == 0
    r = shell.run("echo $greeting")
    assert r.status == 2 and "undefined variable: $greeting (column 6)" in r.err
    r = shell.run("echo ${env.HOME}")
    assert r.out == os.environ["HOME"] + "\n"


def test_status_and_last_result(shell: Captured) -> None:
    assert shell.run("get /containers/nope-nope-nope/json").status != 0
    assert shell.run("echo $?").out == "1\n"
    assert shell.run("echo $?").out == "0\n"
    shell.run("get /version")
    assert (
        shell.run("echo ${_.ApiVersion}").out.strip()
        == docker("version", "-f", "{{.Server.APIVersion}}").stdout.decode().strip()
    )


def test_capture_field_paths_and_jmespath(shell: Captured, prefix: str) -> None:
    cid = (
        docker("create", "--name", f"{prefix}-a", "--label", "tier=web", IMAGE, "true")
        .stdout.decode()
        .strip()
    )
    assert shell.run(f"c := inspect {prefix}-a").status == 0
    assert shell.run("echo $c").out.strip() == cid  # a capture expands to its id
    assert shell.run("echo ${c.Config.Labels.tier} ${c.State.Status}").out == "web created\n"
    assert shell.run("echo ${c | Config.Cmd[0]}").out == "true\n"
    assert shell.run("echo ${c[0].Name}").out == f"/{prefix}-a\n"
    vars_json = json.loads(shell.run("vars --json").out)
    assert vars_json["c"]["kind"] == "container" and vars_json["c"]["id"] == cid
    r = shell.run("echo ${c.State.Nope}")
    assert r.status == 2 and "no such field: ${c.State.Nope}" in r.err
    r = shell.run("echo ${c | [[}")
    assert r.status == 2 and "bad JMESPath expression" in r.err and "${c | [[}" in r.err


def test_capture_of_created_object_reinspects_it(shell: Captured, prefix: str) -> None:
    assert shell.run(f"web := create --name {prefix}-w {IMAGE} sleep 30").status == 0
    assert shell.run("echo ${web.State.Status}").out == "created\n"
    assert shell.run("start $web").status == 0
    assert shell.run("wait-until ${web.State.Status} == running --timeout 10s").status == 0
    assert shell.run("echo ${web.State.Status}").out == "running\n"  # a field of a created object is live
    r = shell.run("wait-until ${web.State.Status} == exited --timeout 0.3s --interval 0.1s")
    assert r.status == 1 and "timed out" in r.err and "'running'" in r.err


def test_query_on_commands_with_json_output(shell: Captured, prefix: str) -> None:
    docker("create", "--name", f"{prefix}-q1", IMAGE, "true")
    docker("create", "--name", f"{prefix}-q2", IMAGE, "true")
    r = shell.run(f"ps -a --filter name={prefix}- --query 'sort([].Names[0])'")
    assert json.loads(r.out) == [f"/{prefix}-q1", f"/{prefix}-q2"]
    r = shell.run(f"ps -a --filter name={prefix}- --query=length(@)")
    assert r.out.strip() == "2"
    r = shell.run("ps -a --query '[[['")
    assert r.status == 2 and "bad JMESPath expression" in r.err
    r = shell.run(f"logs {prefix}-q1 --query x")
    assert r.status == 2 and "no JSON output" in r.err


def test_command_substitution_and_dshell_pipes(shell: Captured, prefix: str) -> None:
    for n in ("s1", "s2", "keep"):
        docker("create", "--name", f"{prefix}-{n}", IMAGE, "true")
    r = shell.run(f"rm $(ps -aq --filter name={prefix}-s)")
    assert r.status == 0
    left = docker("ps", "-a", "--filter", f"name={prefix}", "--format", "{{.Names}}").stdout.decode().split()
    assert left == [f"{prefix}-keep"]
    # CMD1 | CMD2: ids of a table become trailing arguments
    r = shell.run(f"ps -a --filter name={prefix}-keep | inspect -f {{{{.Name}}}}")
    assert r.out == f"/{prefix}-keep\n"
    # nothing runs when CMD1 gives nothing (rm with no argument would fail)
    r = shell.run(f"ps -aq --filter name={prefix}-none | rm")
    assert r.status == 0 and r.out == ""
    assert shell.run(f"ps -aq --filter name={prefix} | rm").status == 0
    assert docker("ps", "-aq", "--filter", f"name={prefix}").stdout == b""


def test_redirect_and_host_pipe(shell: Captured, prefix: str, tmp_path: Path) -> None:
    docker("create", "--name", f"{prefix}-r", IMAGE, "true")
    out = tmp_path / "names.txt"
    assert shell.run(f"ps -a --filter name={prefix}-r --format '{{{{.Names}}}}' > {out}").status == 0
    assert out.read_text() == f"{prefix}-r\n"
    assert shell.run(f"echo more >> {out}").status == 0
    assert out.read_text() == f"{prefix}-r\nmore\n"
    assert [p.name for p in tmp_path.iterdir()] == ["names.txt"]  # the temporary file was renamed
    # a failing command leaves the old file as it was
    assert shell.run(f"get /containers/{prefix}-nope/json > {out}").status != 0
    target = tmp_path / "counted"
    r = shell.run(f"ps -a --filter name={prefix}-r --format '{{{{.Names}}}}' | !wc -l > {target}")
    assert r.status == 0 and target.read_text().strip() == "1"
    assert shell.run(f"ps -a --filter name={prefix}-r | !grep -q no-such-thing").status == 1
    # quoted operators are literal
    assert shell.run("echo 'a | b > c' \"$?\"").out == "a | b > c 1\n"


def test_raw_body_is_one_piece_and_expands(shell: Captured, prefix: str) -> None:
    assert shell.run("who='it''s me'").status == 0
    body = f'{{"Name": "{prefix}-v", "Labels": {{"x": "a|b>\\$c", "who": "$who", "q": "it\'s $who"}}}}'
    r = shell.run(f"post /volumes/create {body}")
    assert r.status == 0, r.err
    labels = json.loads(docker("volume", "inspect", f"{prefix}-v").stdout)[0]["Labels"]
    assert labels == {"x": "a|b>$c", "who": "its me", "q": "it's its me"}
    # an operator before the body still ends the raw command
    r = shell.run(f"get /volumes/{prefix}-v | !grep -c Mountpoint")
    assert r.status == 0 and r.out == "1\n"
    # the host shell expands its own variables
    assert shell.run("! echo $0 | wc -l").out.strip() == "1"


def test_splitting_rules(shell: Captured) -> None:
    s = shell.session
    assert is_plain("ps -a --filter name=x")
    assert not is_plain("x=1") and not is_plain("ps | rm")
    line = "ps -q | rm -f > out.txt"
    pipe = split_pipeline(s, line)
    assert [line[a:b].strip() for a, b in pipe.segments] == ["ps -q", "rm -f"]
    assert pipe.redirect is not None and pipe.redirect[0] == ">"
    pipe = split_pipeline(s, "ps | !grep a | wc -l")
    assert pipe.host == "grep a | wc -l"
    pipe = split_pipeline(s, "echo $(ps | rm) 'x|y'")
    assert len(pipe.segments) == 1
    pipe = split_pipeline(s, 'post /x {"a": "|"} | !cat')
    assert len(pipe.segments) == 1 and pipe.host is None
    assert query([{"A": {"B": 1}}], "A.B") == 1
    assert query({"A": [1, 2]}, "A[-1]") == 2


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("echo $(ps -q", "unterminated $(: $(ps -q (column 6)"),
        ("echo ${x", "unterminated ${"),
        ("echo $1", "no script parameters here: $1"),
        ("echo ${env.DSHELL_SURELY_UNSET}", "undefined environment variable"),
        ("ps |", "nothing after '|'"),
        ("| rm", "nothing before '|'"),
        ("echo a > b c", "'>' takes one file name"),
    ],
)
def test_errors_name_the_token(shell: Captured, line: str, message: str) -> None:
    r = shell.run(line)
    assert r.status != 0
    assert message in r.err
    assert "Traceback" not in r.err
