"""``system df``, ``system prune``, ``events``, ``info`` and ``version`` against the real daemon, compared with
the Docker CLI."""

from __future__ import annotations

import json
import os
import re
import time
from typing import Any

import pytest
from conftest import DSHELL, IMAGE, TCP, Captured, docker, http_base, run_dshell

pexpect = pytest.importorskip("pexpect")

#: ``docker info`` lines that change while other tests run beside this one.
VOLATILE = re.compile(r"^ {1,2}(Containers|Images|Running|Paused|Stopped|Runtimes):")


def cli(*args: str) -> str:
    return docker(*args).stdout.decode()


def spawn(line: str) -> Any:
    env = {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1"}
    return pexpect.spawn(DSHELL, [TCP, "-c", line], env=env, timeout=15, dimensions=(24, 120))


def settled(ours: Any, theirs: Any, attempts: int = 6) -> tuple[Any, Any]:
    """Both sides' output, asked again (up to ``attempts`` times) while other tests change the daemon between
    the two calls; a real difference persists and is returned for the assertion."""
    a, b = ours(), theirs()
    for _ in range(attempts - 1):
        if a == b:
            break
        time.sleep(0.3)
        a, b = ours(), theirs()
    return a, b


def test_df_columns_and_reclaimable_figures(shell: Captured) -> None:
    r = shell.run("system df")
    assert r.status == 0
    ours, theirs = settled(
        lambda: [line.split() for line in shell.run("system df").out.splitlines()],
        lambda: [line.split() for line in cli("system", "df").splitlines()],
    )
    assert ours[0] == ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"]
    assert ours == theirs  # counts, sizes and reclaimable figures with their percentages
    fmt = "{{.Type}}: {{.TotalCount}} {{.Reclaimable}}"
    ours, theirs = settled(
        lambda: shell.run(f"system df --format '{fmt}'").out, lambda: cli("system", "df", "--format", fmt)
    )
    assert ours == theirs
    ours, theirs = settled(
        lambda: shell.run("system df -v").out.split("Containers space usage:")[0],
        lambda: cli("system", "df", "-v").split("Containers space usage:")[0],
    )
    assert ours == theirs  # the images table, byte for byte
    heads = [line for line in shell.run("system df -v").out.splitlines() if line.endswith(":")]
    assert heads == ["Images space usage:", "Containers space usage:", "Local Volumes space usage:"]
    assert json.loads(shell.run("system df --json").out)["LayersSize"] >= 0


def test_system_prune_confirms_and_only_touches_the_labelled_objects(prefix: str, api: Any) -> None:
    label = f"dshell.test={prefix}"
    docker("create", "--name", f"{prefix}-c", "-l", label, IMAGE, "true")
    docker("create", "--name", f"{prefix}-other", IMAGE, "true")  # unlabelled: must survive
    docker("network", "create", "--label", label, f"{prefix}-n")
    docker("volume", "create", "--label", label, f"{prefix}-v")
    r = run_dshell(TCP, "-c", f"system prune --filter label={label}")
    assert r.status == 1 and "-f" in r.err
    child = spawn(f"system prune --volumes --filter label={label}")
    child.expect(
        r"WARNING! This will remove:\r\n  - all stopped containers\r\n"
        r"  - all networks not used by at least one container\r\n"
        r"  - all anonymous volumes not used by at least one container\r\n  - all dangling images\r\n"
        r"  - unused build cache\r\n\r\n  Items to be pruned will be filtered with:\r\n"
        + re.escape(f"  - label={label}")
        + r"\r\n\r\nAre you sure you want to continue\? \[y/N\] "
    )
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and api.get(f"{http_base()}/containers/{prefix}-c/json").status_code == 200
    r = run_dshell(TCP, "-c", f"system prune -f --volumes --filter label={label}")
    assert r.status == 0, r.err
    assert r.out.startswith("Deleted Containers:\n")
    assert f"Deleted Networks:\n{prefix}-n\n\n" in r.out and f"Deleted Volumes:\n{prefix}-v\n\n" in r.out
    assert r.out.endswith("Total reclaimed space: 0B\n")
    assert api.get(f"{http_base()}/containers/{prefix}-c/json").status_code == 404
    assert api.get(f"{http_base()}/containers/{prefix}-other/json").status_code == 200
    assert api.get(f"{http_base()}/networks/{prefix}-n").status_code == 404


def test_events_until_ends_by_itself_and_matches_the_cli(shell: Captured, prefix: str) -> None:
    since = str(int(time.time()) - 1)
    docker("volume", "create", f"{prefix}-ev")
    docker("volume", "rm", f"{prefix}-ev")
    until = str(int(time.time()) + 1)
    time.sleep(1.2)
    args = ["--since", since, "--until", until, "--filter", "type=volume", "--filter", f"volume={prefix}-ev"]
    start = time.monotonic()
    r = shell.run("events " + " ".join(args))
    assert time.monotonic() - start < 5
    assert r.status == 0 and r.out == cli("events", *args)
    assert [line.split()[1:3] for line in r.out.splitlines()] == [["volume", "create"], ["volume", "destroy"]]
    fmt = "{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.driver}}"
    assert shell.run(f"system events --format '{fmt}' " + " ".join(args)).out == cli(
        "events", "--format", fmt, *args
    )
    assert shell.run("events --format json " + " ".join(args)).out == cli("events", "--format", "json", *args)
    docs = [json.loads(line) for line in shell.run("events --json " + " ".join(args)).out.splitlines()]
    assert [d["Action"] for d in docs] == ["create", "destroy"]
    r = shell.run("events --since yesterday")
    assert r.status == 2 and "--since" in r.err


def test_events_is_a_live_stream_that_ctrl_c_ends(prefix: str) -> None:
    since = int(time.time()) - 1  # nothing is missed if dshell subscribes after the volume is made
    child = spawn(f"events --since {since} --filter type=volume --filter volume={prefix}-live")
    docker("volume", "create", f"{prefix}-live")
    child.expect(f"volume create {prefix}-live")
    docker("volume", "rm", f"{prefix}-live")
    child.expect(f"volume destroy {prefix}-live")
    assert child.isalive()
    child.sendintr()
    child.expect(pexpect.EOF, timeout=5)
    child.close()
    assert child.exitstatus == 130  # as the Docker CLI


def test_info_is_the_cli_summary(shell: Captured) -> None:
    r = shell.run("info")
    assert r.status == 0
    ours = r.out.split("Server:\n", 1)[1]
    theirs = cli("info").split("Server:\n", 1)[1]
    keep = lambda text: [line for line in text.splitlines() if not VOLATILE.match(line)]  # noqa: E731
    assert keep(ours) == keep(theirs)
    runtimes = [line for line in ours.splitlines() if line.startswith(" Runtimes:")]
    assert runtimes and set(runtimes[0].split()) == set(
        next(line for line in theirs.splitlines() if line.startswith(" Runtimes:")).split()
    )
    assert r.out.startswith("Client:\n Version:    dshell ")
    fmt = "{{.ServerVersion}} {{.OSType}} {{json .Plugins.Volume}}"
    assert shell.run(f"system info --format '{fmt}'").out == cli("info", "--format", fmt)
    assert (
        json.loads(shell.run("info --json").out)["ID"]
        == json.loads(cli("info", "--format", "{{json .}}"))["ID"]
    )


def test_version_has_client_and_server_sections(shell: Captured) -> None:
    r = shell.run("version")
    assert r.status == 0
    client, server = r.out.split("\nServer:", 1)
    assert client.startswith("Client:\n Version:           dshell ")
    assert server == cli("version").split("\nServer:", 1)[1]
    data = json.loads(shell.run("version --json").out)
    assert (
        data["Server"]["Version"] == json.loads(cli("version", "--format", "{{json .}}"))["Server"]["Version"]
    )
    from dshell.api.client import MAX_API_VERSION, version_tuple

    negotiated = min(data["Server"]["ApiVersion"], MAX_API_VERSION, key=version_tuple)
    assert data["Client"]["ApiVersion"] == negotiated and data["Client"]["dshell"]
    for template in ("{{.Server.Version}}", "{{.Server.APIVersion}} {{.Server.MinAPIVersion}}"):
        assert shell.run(f"version --format '{template}'").out == cli("version", "--format", template)


def test_event_filter_completion(shell: Captured, prefix: str) -> None:
    from dshell.interactive.completer import DshellCompleter

    docker("volume", "create", f"{prefix}-cv")
    shell.session.names.invalidate("volumes")
    completer = DshellCompleter(shell.session)
    keys = [c.text for c in completer.candidates("events --filter ")[1]]
    assert {"type=", "event=", "container=", "image=", "label=", "network=", "volume="} <= set(keys)
    types = [c.text for c in completer.candidates("events --filter type=")[1]]
    assert types[:4] == ["type=container", "type=image", "type=volume", "type=network"]
    assert next(c.text for c in completer.candidates("system events -f event=sta")[1]) == "event=start"
    assert f"volume={prefix}-cv" in [
        c.text for c in completer.candidates(f"events --filter volume={prefix}")[1]
    ]
    assert [c.text for c in completer.candidates("system prune --filter ")[1]] == [
        "label=",
        "label!=",
        "until=",
    ]
