"""Habits a Docker user brings (issue 11): raw bodies and queries verbatim, ``history IMAGE``, a pasted
``docker …`` line, ``container`` alone, "did you mean", Ctrl-C during ``run``, ``stats`` redrawn in place,
file completion, ``scripts/setup.sh`` on PATH and fast the second time, the toolbar's error."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import DSHELL, IMAGE, TCP, Captured, docker, run_dshell
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from dshell.core.commands import Command, argument
from dshell.core.parser import edit_distance, parse_args, suggest, whole_quoted

ROOT = Path(__file__).resolve().parent.parent


def _noop(inv: object) -> None:
    return None


# -- 1. the rest of a raw line, verbatim -------------------------------------------------------------------


def test_verbatim_words_and_raw_rest_keep_their_quotes() -> None:
    cmd = Command(
        "fakeraw",
        _noop,
        "test",
        arguments=(argument("path", verbatim=True), argument("body", nargs="raw")),
    )
    a = parse_args(cmd, 'fakeraw /x?f={"a":["b"]} {"Name":"nb-net"}', len("fakeraw"))
    assert a.path == '/x?f={"a":["b"]}' and a.body == '{"Name":"nb-net"}'
    a = parse_args(cmd, """fakeraw '/x?f={"a": 1}' '{"Name": "it"}'""", len("fakeraw"))
    assert a.path == '/x?f={"a": 1}' and a.body == '{"Name": "it"}'  # one quoted string: unquoted
    a = parse_args(cmd, 'fakeraw /x {"Name": "a b"}', len("fakeraw"))
    assert a.body == '{"Name": "a b"}'
    assert whole_quoted("'abc'") and whole_quoted('"a\\"b"') and not whole_quoted('"a"b"')
    assert not whole_quoted('{"a":"b"}') and not whole_quoted("'a'b'")


def test_raw_post_body_and_json_query_reach_the_daemon(shell: Captured, prefix: str) -> None:
    net = f"{prefix}-nb"
    r = shell.run(f'post /networks/create {{"Name":"{net}","Labels":{{"k":"v w"}}}}')
    assert r.status == 0, r.err
    created = json.loads(r.out)["Id"]
    cli = json.loads(docker("network", "inspect", net).stdout)[0]
    assert cli["Id"] == created and cli["Labels"] == {"k": "v w"}
    r = shell.run(f"delete /networks/{net}")
    assert r.status == 0, r.err
    assert docker("network", "inspect", net, check=False).returncode != 0

    since = int(time.time()) - 1
    name = f"{prefix}-ev"
    docker("create", "--name", name, IMAGE, "true")
    docker("create", "--name", f"{prefix}-zz", IMAGE, "true")  # not matched by the filter
    until = int(time.time()) + 1
    r = shell.run(f'get /events?since={since}&until={until}&filters={{"container":["{name}"]}}')
    assert r.status == 0, r.err
    docs = [json.loads(line) for line in r.out.splitlines() if line.strip().startswith("{")] or [
        json.loads(r.out)
    ]
    assert docs and all(d["Actor"]["Attributes"]["name"] == name for d in docs)
    cli_out = docker(
        "events",
        "--since",
        str(since),
        "--until",
        str(until),
        "--filter",
        f"container={name}",
        "--format",
        "{{json .}}",
    ).stdout.decode()
    assert [d["Action"] for d in docs] == [json.loads(x)["Action"] for x in cli_out.splitlines()]


# -- 2. history IMAGE ---------------------------------------------------------------------------------------


def test_history_of_an_image_and_of_the_shell(daemon: str, prefix: str) -> None:
    r = run_dshell(daemon, "-c", f"history -q {IMAGE}")
    assert r.status == 0, r.err
    assert r.out == docker("history", "-q", IMAGE).stdout.decode()
    r = run_dshell(daemon, "-c", f"history {IMAGE} --no-trunc --format '{{{{.ID}}}}'")
    if r.status == 0:  # --format belongs to the images plugin; without it, the flag is refused by name
        assert r.out == docker("history", "--no-trunc", "--format", "{{.ID}}", IMAGE).stdout.decode()
    r = run_dshell(daemon, "-c", f"history busybox:{prefix}")
    assert r.status == 1
    assert "No such image" in r.err and "invalid literal" not in r.err
    r = run_dshell(daemon, "-c", "history 3")
    assert r.status == 0 and "invalid literal" not in r.err


# -- 3. a pasted docker line; 4. container alone, did you mean ----------------------------------------------


def test_a_leading_docker_word_is_ignored(daemon: str, prefix: str) -> None:
    docker("create", "--name", f"{prefix}-d", IMAGE, "true")
    cli = docker("ps", "-a", "--filter", f"name={prefix}", "--format", "{{.Names}}").stdout.decode()
    for line in (
        f"docker ps -a --filter name={prefix} --format '{{{{.Names}}}}'",
        f"docker container ls -a --filter name={prefix} --format '{{{{.Names}}}}'",
    ):
        r = run_dshell(daemon, "-c", line)
        assert (r.status, r.out) == (0, cli), r.err


def test_a_group_word_alone_lists_its_subcommands(shell: Captured) -> None:
    r = shell.run("container")
    assert r.status == 0
    lines = r.out.splitlines()
    assert lines[0] == "Usage: container COMMAND"
    ls = shell.session.registry.get("container ls")
    assert ls is not None
    assert any(line.split() and line.split()[0] == "ls" and ls.summary in line for line in lines)
    assert shell.run("help container").out == r.out
    assert shell.run("container --help").out == r.out
    r = shell.run("container lss")
    assert r.status == 2 and "unknown command: container lss (did you mean ls" in r.err
    r = shell.run("image")
    assert r.status == 0 and "history" in r.out


def test_did_you_mean_ranks_by_edit_distance(shell: Captured) -> None:
    r = shell.run("imagse")
    assert r.status == 2 and "(did you mean images" in r.err
    assert edit_distance("imagse", "images") == 1 and edit_distance("kitten", "sitting") == 3
    assert suggest("imagse", ["image ls", "image", "images"]).startswith(" (did you mean images")
    assert suggest("zzzzzz", ["ps", "images"]) == ""


# -- completion: docker prefix, history IMAGE, host paths and fixed sets ------------------------------------


@pytest.fixture(scope="module")
def session() -> Iterator[object]:
    from dshell.api.address import parse_address
    from dshell.core.session import Session

    s = Session(parse_address(TCP or "tcp://127.0.0.1:1"))
    s.load_plugins()
    yield s
    s.close()


def texts(session: object, text: str) -> list[str]:
    from dshell.interactive.completer import DshellCompleter

    comp = DshellCompleter(session)  # type: ignore[arg-type]
    return [c.text for c in comp.get_completions(Document(text), CompleteEvent(completion_requested=True))]


def test_completion_after_docker_and_history_image(session: object) -> None:
    assert "ps" in texts(session, "docker ")
    assert {"ls", "list", "logs"} <= set(texts(session, "docker container l"))
    assert "--no-trunc" in texts(session, f"history {IMAGE} --no")


def test_host_paths_complete_wherever_they_go(session: object, tmp_path: Path) -> None:
    (tmp_path / "ctx").mkdir()
    (tmp_path / "app.env").write_text("A=1\n")
    (tmp_path / "img.tar").write_bytes(b"")
    base = f"{tmp_path}/"
    for line, expected in (
        (f"build {base}c", base + "ctx/"),
        (f"build -f {base}a", base + "app.env"),
        (f"cp {base}i", base + "img.tar"),
        (f"cp web:/etc {base}i", base + "img.tar"),
        (f"load -i {base}i", base + "img.tar"),
        (f"save -o {base}i", base + "img.tar"),
        (f"import {base}i", base + "img.tar"),
        (f"run --env-file {base}a", base + "app.env"),
        (f"exec --env-file {base}a", base + "app.env"),
        (f"run -v {base}c", base + "ctx/"),
    ):
        assert expected in texts(session, line), line
    assert texts(session, f"build {base}") == [base + "ctx/"]  # a context is a directory
    assert texts(session, "cp web:/et") == []  # inside a container: nothing to offer from here
    assert texts(session, f"run -v {base}ctx:/da") == []


def test_fixed_sets_complete(session: object) -> None:
    assert texts(session, "run --restart ") == [
        "no",
        "always",
        "unless-stopped",
        "on-failure",
        "on-failure:3",
    ]
    assert texts(session, "update --restart un") == ["unless-stopped"]
    assert texts(session, "run --log-driver js") == ["json-file"]
    assert "SIGTERM" in texts(session, "kill -s SIGT")
    assert texts(session, "run --pull a") == ["always"]


def test_log_driver_is_sent_as_the_cli_sends_it(shell: Captured, prefix: str) -> None:
    opts = "--log-driver json-file --log-opt max-size=1m"
    r = shell.run(f"create --name {prefix}-lg {opts} {IMAGE} true")
    assert r.status == 0, r.err
    docker("create", "--name", f"{prefix}-lgcli", *opts.split(), IMAGE, "true")
    ours = json.loads(docker("inspect", f"{prefix}-lg").stdout)[0]["HostConfig"]["LogConfig"]
    theirs = json.loads(docker("inspect", f"{prefix}-lgcli").stdout)[0]["HostConfig"]["LogConfig"]
    assert ours == theirs == {"Type": "json-file", "Config": {"max-size": "1m"}}


# -- 5. Ctrl-C during run keeps the container's last words --------------------------------------------------


def test_ctrl_c_during_run_keeps_printing_until_the_container_ends(prefix: str) -> None:
    pexpect = pytest.importorskip("pexpect")
    script = "trap 'echo got INT; exit 1' INT; echo ready; while true; do sleep 0.2; done"
    line = f'run --rm --name {prefix}-int {IMAGE} sh -c "{script}"'
    env = {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1"}
    child = pexpect.spawn(DSHELL, [TCP, "-c", line], env=env, timeout=20)
    child.expect("ready")
    child.sendintr()
    child.expect("got INT")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1  # the container's status, as `docker run` reports it


# -- 6. stats redraws in place ------------------------------------------------------------------------------


def test_stats_does_not_pile_up_tables_in_tmux_history(prefix: str) -> None:
    if not shutil.which("tmux"):
        pytest.skip("tmux not installed")
    name = f"{prefix}-stt"
    docker("run", "-d", "--name", name, IMAGE, "sleep", "60")
    sock = f"dshell-{prefix}"
    cmd = f"{DSHELL} {TCP} -c 'stats {name}'"
    subprocess.run(
        ["tmux", "-L", sock, "new-session", "-d", "-s", "s", "-x", "120", "-y", "20", cmd], check=True
    )
    try:
        time.sleep(4.5)  # four frames
        pane = subprocess.run(
            ["tmux", "-L", sock, "capture-pane", "-p", "-t", "s", "-S", "-500"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        subprocess.run(["tmux", "-L", sock, "kill-server"], check=False)
    assert name in pane
    assert pane.count("CONTAINER ID") == 1, pane


def test_redraw_frame() -> None:
    from dshell.plugins.containers.stats import redraw_frame

    assert redraw_frame("A\nB", first=True) == "\x1b[2J\x1b[HA\x1b[K\nB\x1b[K\n\x1b[J"
    assert redraw_frame("A", first=False) == "\x1b[HA\x1b[K\n\x1b[J"


# -- 8. setup.sh: on PATH, fast the second time -------------------------------------------------------------


def test_setup_links_dshell_and_skips_an_unchanged_install(tmp_path: Path) -> None:
    if not TCP:
        pytest.skip("no test daemon")
    tree = tmp_path / "tree"
    tree.mkdir()
    for part in ("dshell", "plugins", "scripts"):
        shutil.copytree(ROOT / part, tree / part, ignore=shutil.ignore_patterns("__pycache__"))
    for part in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / part, tree / part)
    env = {**os.environ, "DSHELL_VENV": str(tmp_path / "venv"), "DSHELL_BIN_DIR": str(tmp_path / "bin")}
    setup = ["bash", str(tree / "scripts" / "setup.sh"), TCP, "-c", "version --format '{{.Server.Version}}'"]
    first = subprocess.run(setup, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert first.returncode == 0, first.stderr
    assert "pip install" in first.stderr
    link = tmp_path / "bin" / "dshell"
    assert link.is_symlink() and os.readlink(link) == str(tmp_path / "venv" / "bin" / "dshell")
    assert f"next time: {link} 127.0.0.1" in first.stderr  # that directory is not on PATH here
    started = time.monotonic()
    second = subprocess.run(setup, env=env, capture_output=True, text=True, timeout=600, check=False)
    elapsed = time.monotonic() - started
    assert second.returncode == 0, second.stderr
    assert "is up to date" in second.stderr and "pip install" not in second.stderr
    assert second.stdout == first.stdout and second.stdout.strip()
    assert elapsed < 5, elapsed
    r = subprocess.run([str(link), TCP, "-c", "ps -q"], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    (tree / "dshell" / "__init__.py").write_text((tree / "dshell" / "__init__.py").read_text() + "\n")
    offline = {**env, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": ""}  # the reinstall is attempted, and fails fast
    third = subprocess.run(setup, env=offline, capture_output=True, text=True, timeout=600, check=False)
    assert "pip install" in third.stderr and "is up to date" not in third.stderr  # a change reinstalls


# -- 9. the toolbar's error ---------------------------------------------------------------------------------


def test_toolbar_shortens_errors_by_words(shell: Captured) -> None:
    from dshell.interactive.refresher import DaemonStatus
    from dshell.interactive.repl import shorten_words, toolbar_fragments

    msg = "not connected: cannot connect to tcp://127.0.0.1:2375: nothing is listening there (refused)"
    short = shorten_words(msg, 60)
    assert len(short) <= 60 and short.endswith("…")
    assert msg.startswith(short[:-1]) and msg[len(short) - 1] in " :"  # cut between words
    assert shorten_words("short one", 60) == "short one"
    text = "".join(t for _, t in toolbar_fragments(shell.session, DaemonStatus(error=msg)))
    assert short in text and "ther…" not in text
