"""``network ls|create|inspect|rm|connect|disconnect|prune`` against the real daemon, compared with the CLI."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from conftest import DSHELL, IMAGE, TCP, Captured, docker, http_base, run_dshell

pexpect = pytest.importorskip("pexpect")


def cli(*args: str) -> str:
    return docker(*args).stdout.decode()


def test_ls_quiet_no_trunc_filters_and_format_match_the_cli(shell: Captured, prefix: str) -> None:
    r = shell.run(f"network create --label {prefix}=x --internal {prefix}-n2")
    assert r.status == 0 and len(r.out.strip()) == 64
    docker("network", "create", "--label", prefix, f"{prefix}-n10")
    docker("network", "create", "-d", "bridge", f"{prefix}-n1")
    for args in (
        ["--filter", f"name={prefix}"],
        ["--filter", f"label={prefix}"],
        ["--filter", "driver=bridge", "--filter", f"name={prefix}-n1"],
        ["--filter", "type=custom", "--filter", f"name={prefix}"],
        ["--filter", "type=builtin"],
        ["--no-trunc", "--filter", f"name={prefix}"],
    ):
        line = " ".join(["network ls", *args])
        ours = shell.run(line)
        assert ours.status == 0 and ours.out.split() == cli("network", "ls", *args).split(), line
        assert shell.run(line + " -q").out == cli("network", "ls", "-q", *args), line
    names = [line.split()[1] for line in shell.run(f"network ls --filter name={prefix}").out.splitlines()[1:]]
    assert names == [f"{prefix}-n1", f"{prefix}-n2", f"{prefix}-n10"]
    for fmt in (
        "{{.ID}} {{.Name}} {{.Driver}} {{.Scope}} {{.IPv6}} {{.Internal}} {{.Labels}} {{.CreatedAt}}",
        '{{.Name}}={{.Label "' + prefix + '"}}',
        "table {{.Name}}\t{{.Internal}}",
        "table",
        "json",
    ):
        ours = shell.run(f"network list --filter name={prefix} --format '{fmt}'")
        assert ours.out == cli("network", "ls", "--filter", f"name={prefix}", "--format", fmt), fmt


def test_create_options_and_a_duplicate_name_is_refused(shell: Captured, prefix: str) -> None:
    name = f"{prefix}-net"
    r = shell.run(
        f"network create -d bridge --subnet 10.231.7.0/24 --gateway 10.231.7.1 --ip-range 10.231.7.128/25 "
        f"--internal --attachable --label k=v -o com.docker.network.bridge.enable_icc=false {name}"
    )
    assert r.status == 0, r.err
    doc = json.loads(cli("network", "inspect", name))[0]
    assert doc["IPAM"]["Config"] == [
        {"Subnet": "10.231.7.0/24", "IPRange": "10.231.7.128/25", "Gateway": "10.231.7.1"}
    ]
    assert (doc["Internal"], doc["Attachable"], doc["Labels"]) == (True, True, {"k": "v"})
    assert doc["Options"] == {"com.docker.network.bridge.enable_icc": "false"}
    r = shell.run(f"network create {name}")
    theirs = docker("network", "create", name, check=False)
    assert r.status == theirs.returncode == 1
    assert (
        r.err.strip()
        == theirs.stderr.decode().strip()
        == f"Error response from daemon: network with name {name} already exists"
    )
    assert (
        len(
            [
                n
                for n in json.loads(
                    cli("network", "ls", "--format", "json").replace("}\n{", "},{").join("[]")
                )
                if n["Name"] == name
            ]
        )
        == 1
    )
    r = shell.run(f"network create --gateway 10.1.1.1 {prefix}-bad")
    assert r.status == 2 and "corresponding subnet" in r.err


def test_inspect_rm_connect_disconnect_like_the_cli(shell: Captured, prefix: str) -> None:
    net, box, missing = f"{prefix}-cn", f"{prefix}-box", f"{prefix}-missing"
    docker("network", "create", "--subnet", "10.231.9.0/24", net)
    docker("run", "-d", "--name", box, IMAGE, "sleep", "60")
    r = shell.run(f"network inspect {net}")
    assert json.loads(r.out)[0]["Id"] == json.loads(cli("network", "inspect", net))[0]["Id"]
    r = shell.run(f"network inspect -f '{{{{.Name}}}}' {net} {missing}")
    theirs = docker("network", "inspect", "-f", "{{.Name}}", net, missing, check=False)
    assert (r.status, r.out, r.err) == (theirs.returncode, theirs.stdout.decode(), theirs.stderr.decode())
    r = shell.run(f"network connect --alias al1 --alias al2 --ip 10.231.9.200 {net} {box}")
    assert (r.status, r.out, r.err) == (0, "", "")
    ep = json.loads(cli("inspect", box))[0]["NetworkSettings"]["Networks"][net]
    assert {"al1", "al2"} <= set(ep["Aliases"]) and ep["IPAddress"] == "10.231.9.200"
    r = shell.run(f"network connect {net} {box}")
    assert r.status == 1 and "already exists in network" in r.err
    r = shell.run(f"network connect {missing} {box}")
    assert r.err.strip() == f"Error response from daemon: network {missing} not found"
    assert shell.run(f"network disconnect {net} {box}").status == 0
    r = shell.run(f"network disconnect {net} {box}")
    theirs = docker("network", "disconnect", net, box, check=False)
    assert (r.status, r.err) == (theirs.returncode, theirs.stderr.decode())
    docker("rm", "-f", box)
    r = shell.run(f"network rm {missing} {net}")
    assert (r.status, r.out) == (1, f"{net}\n")
    assert r.err == f"Error response from daemon: network {missing} not found\n"
    assert shell.run(f"network remove -f {missing}").status == 0
    assert docker("network", "inspect", net, check=False).returncode == 1


def test_prune_asks_on_a_terminal_with_a_label_filter(prefix: str, api: Any) -> None:
    label = f"dshell.test={prefix}"
    docker("network", "create", "--label", label, f"{prefix}-pn")
    docker("network", "create", f"{prefix}-keep")
    r = run_dshell(TCP, "-c", f"network prune --filter label={label}")
    assert r.status == 1 and "-f" in r.err
    env = {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1"}
    child = pexpect.spawn(DSHELL, [TCP, "-c", f"network prune --filter label={label}"], env=env, timeout=15)
    child.expect(r"WARNING! This will remove all custom networks not used by at least one container\.\r\n")
    child.expect(r"Are you sure you want to continue\? \[y/N\] ")
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and api.get(f"{http_base()}/networks/{prefix}-pn").status_code == 200
    child = pexpect.spawn(DSHELL, [TCP, "-c", f"network prune --filter label={label}"], env=env, timeout=15)
    child.expect(r"\[y/N\] ")
    child.sendline("y")
    child.expect(f"Deleted Networks:\r\n{prefix}-pn\r\n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert api.get(f"{http_base()}/networks/{prefix}-pn").status_code == 404
    assert api.get(f"{http_base()}/networks/{prefix}-keep").status_code == 200
    r = run_dshell(TCP, "-c", f"network prune -f --filter label={label}")
    assert (r.status, r.out) == (0, "")


def test_network_completion(shell: Captured, prefix: str) -> None:
    from dshell.interactive.completer import DshellCompleter

    docker("network", "create", "-d", "bridge", f"{prefix}-comp")
    shell.session.names.invalidate("networks")
    completer = DshellCompleter(shell.session)
    found = completer.candidates(f"network rm {prefix}")[1]
    assert [(c.text, c.meta) for c in found] == [(f"{prefix}-comp", "bridge · local")]
    assert [c.text for c in completer.candidates(f"network connect {prefix}-c")[1]] == [f"{prefix}-comp"]
    assert "type=" in [c.text for c in completer.candidates("network ls --filter ")[1]]
    assert [c.text for c in completer.candidates("network ls --filter type=")[1]] == [
        "type=custom",
        "type=builtin",
    ]
    assert "bridge" in [c.text for c in completer.candidates("network create -d ")[1]]
