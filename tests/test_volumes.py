"""``volume ls|create|inspect|rm|prune`` against the real daemon, compared with the Docker CLI."""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest
from conftest import DSHELL, TCP, Captured, docker, http_base, run_dshell

pexpect = pytest.importorskip("pexpect")


def spawn(line: str) -> Any:
    env = {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1"}
    return pexpect.spawn(DSHELL, [TCP, "-c", line], env=env, timeout=15, dimensions=(24, 100))


def cli(*args: str) -> str:
    return docker(*args).stdout.decode()


def labels_sorted(text: str) -> str:
    """``b=2,a=1`` lists sorted: the CLI joins a volume's labels in Go's map order, which is random."""
    return re.sub(
        r"[\w.-]+=[^,\"\t\n ]*(?:,[\w.-]+=[^,\"\t\n ]*)+", lambda m: ",".join(sorted(m[0].split(","))), text
    )


def test_ls_create_quiet_filters_and_format_match_the_cli(shell: Captured, prefix: str) -> None:
    r = shell.run(f"volume create --label {prefix}=a --label plain -o type=tmpfs -o device=tmpfs {prefix}-v2")
    assert (r.status, r.out) == (0, f"{prefix}-v2\n")
    assert shell.run(f"volume create {prefix}-v10").out == f"{prefix}-v10\n"
    docker("volume", "create", f"{prefix}-v1")
    for args in (
        ["--filter", f"name={prefix}"],
        ["--filter", f"label={prefix}"],
        ["--filter", f"label={prefix}=a"],
        ["--filter", "driver=local", "--filter", f"name={prefix}-v1"],
        ["--filter", "dangling=true", "--filter", f"name={prefix}"],
    ):
        line = " ".join(["volume ls", *args])
        ours, theirs = shell.run(line), cli("volume", "ls", *args)
        assert ours.status == 0 and ours.out.split() == theirs.split(), (
            line
        )  # same names, same (natural) order
        assert shell.run(line + " -q").out == cli("volume", "ls", "-q", *args)
    assert shell.run(f"volume ls -q --filter name={prefix}").out.split() == [
        f"{prefix}-v1",
        f"{prefix}-v2",
        f"{prefix}-v10",
    ]
    for fmt in (
        "{{.Name}} {{.Driver}} {{.Scope}} {{.Mountpoint}} {{.Labels}} {{.Links}} {{.Size}}",
        '{{.Name}}: {{.Label "' + prefix + '"}}',
        "table {{.Name}}\t{{.Labels}}\t{{.Scope}}",
        "table",
        "json",
    ):
        ours = shell.run(f"volume ls --filter name={prefix} --format '{fmt}'")
        theirs = cli("volume", "ls", "--filter", f"name={prefix}", "--format", fmt)
        assert labels_sorted(ours.out) == labels_sorted(theirs), fmt
    data = json.loads(shell.run(f"volume ls --json --filter name={prefix}-v2").out)
    assert data[0]["Options"] == {"type": "tmpfs", "device": "tmpfs"} and data[0]["Labels"] == {
        prefix: "a",
        "plain": "",
    }
    r = shell.run("volume list --filter bogus=1")
    assert r.status == 1 and r.err.strip() == "Error response from daemon: Invalid filter 'bogus'"


def test_inspect_and_rm_report_missing_volumes_like_the_cli(shell: Captured, prefix: str) -> None:
    docker("volume", "create", "--label", "k=v", f"{prefix}-a")
    missing = f"{prefix}-missing"
    r = shell.run(f"volume inspect {prefix}-a")
    assert r.status == 0 and json.loads(r.out) == json.loads(cli("volume", "inspect", f"{prefix}-a"))
    r = shell.run(f"volume inspect -f '{{{{.Name}}}} {{{{.Labels}}}}' {prefix}-a {missing}")
    theirs = docker("volume", "inspect", "-f", "{{.Name}} {{.Labels}}", f"{prefix}-a", missing, check=False)
    assert (r.status, r.out, r.err) == (theirs.returncode, theirs.stdout.decode(), theirs.stderr.decode())
    assert r.err == f"Error response from daemon: get {missing}: no such volume\n"
    r = shell.run(f"volume rm {prefix}-a {missing}")
    assert (r.status, r.out) == (1, f"{prefix}-a\n") and "no such volume" in r.err
    r = shell.run(f"volume remove -f {missing}")
    theirs = docker("volume", "rm", "-f", missing, check=False)
    assert (r.status, r.out) == (theirs.returncode, theirs.stdout.decode()) == (0, f"{missing}\n")
    assert docker("volume", "inspect", f"{prefix}-a", check=False).returncode == 1


def test_prune_asks_on_a_terminal_and_honours_the_label_filter(prefix: str, api: Any) -> None:
    label = f"dshell.test={prefix}"
    docker("volume", "create", "--label", label, f"{prefix}-gone")
    docker("volume", "create", f"{prefix}-kept")  # not labelled: must survive
    r = run_dshell(TCP, "-c", f"volume prune --filter label={label}")
    assert r.status == 1 and "-f" in r.err  # nobody to ask: refused
    child = spawn(f"volume prune --filter label={label}")
    child.expect(r"WARNING! This will remove all local volumes not used by at least one container\.\r\n")
    child.expect(r"Are you sure you want to continue\? \[y/N\] ")
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert api.get(f"{http_base()}/volumes/{prefix}-gone").status_code == 200
    child = spawn(f"volume prune --filter label={label}")
    child.expect(r"\[y/N\] ")
    child.sendline("y")
    child.expect(f"Deleted Volumes:\r\n{prefix}-gone\r\n\r\nTotal reclaimed space: 0B")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert api.get(f"{http_base()}/volumes/{prefix}-gone").status_code == 404
    assert api.get(f"{http_base()}/volumes/{prefix}-kept").status_code == 200
    r = run_dshell(TCP, "-c", f"volume prune -a -f --filter label={label}")
    theirs = docker("volume", "prune", "-a", "-f", "--filter", f"label={label}", check=False)
    assert r.status == theirs.returncode
    if theirs.returncode:  # API < 1.42: the CLI's own words
        assert r.err.strip() == "Error: " + theirs.stderr.decode().strip()


def test_volume_completion(shell: Captured, prefix: str) -> None:
    from dshell.interactive.completer import DshellCompleter

    docker("volume", "create", "--label", f"{prefix}=1", f"{prefix}-c")
    shell.session.names.invalidate("volumes")
    completer = DshellCompleter(shell.session)
    texts = [c.text for c in completer.candidates(f"volume rm {prefix}")[1]]
    assert texts == [f"{prefix}-c"]
    texts = [c.text for c in completer.candidates("volume ls --filter ")[1]]
    assert texts[:4] == ["dangling=", "driver=", "label=", "name="]
    assert [c.text for c in completer.candidates("volume ls --filter dangling=")[1]] == [
        "dangling=true",
        "dangling=false",
    ]
    assert f"label={prefix}=1" in [
        c.text for c in completer.candidates(f"volume prune --filter label={prefix}")[1]
    ]
    # volume create takes a new name: nothing to offer
    assert completer.candidates(f"volume create {prefix}")[1] == []
