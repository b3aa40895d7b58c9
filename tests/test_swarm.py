"""Swarm mode through dshell alone, on a real two-node swarm of private daemons (scripts/swarm.sh).

The module builds the swarm with dshell (``swarm init`` on A, ``swarm join`` on B with the token from
``swarm join-token -q worker``), runs services across both nodes, drains B, uses secrets and configs, and
leaves the swarm on both nodes at the end. Each step's output is compared with the Docker CLI on the same
daemon. The tests run in file order: they share the one swarm.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import Captured, Run, run_dshell
from conftest_swarm import SwarmDaemons, swarm_daemons  # noqa: F401  (the fixture)

pytestmark = pytest.mark.swarm
IMAGE = os.environ.get("DSHELL_TEST_IMAGE", "dshell-test/busybox:latest")
NAME = f"dshsw-{uuid.uuid4().hex[:6]}"


def cli(host: str, *args: str, input: bytes | None = None) -> str:
    """The Docker CLI on one of the swarm daemons."""
    proc = subprocess.run(
        ["docker", "-H", host, *args], capture_output=True, check=True, input=input, timeout=120
    )
    return proc.stdout.decode()


def cells(text: str) -> list[list[str]]:
    """A table's lines split into cells (two or more spaces apart), trailing blanks ignored."""
    return [re.split(r" {2,}", line.strip()) for line in text.strip().splitlines()]


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.5)


@dataclass
class Cluster:
    a: Captured
    b: Captured
    daemons: SwarmDaemons
    init: Run
    join: Run
    token: str
    node_a: str = ""
    node_b: str = ""

    def ok(self, line: str, on: str = "a") -> str:
        got = (self.a if on == "a" else self.b).run(line)
        assert got.status == 0, f"{line!r} failed ({got.status}): {got.err}"
        return got.out


@pytest.fixture(scope="module")
def cluster(swarm_daemons: SwarmDaemons) -> Iterator[Cluster]:  # noqa: F811
    a = Captured(swarm_daemons.a)
    b = Captured(swarm_daemons.b)
    try:
        addr_a, addr_b = swarm_daemons.addr_a, swarm_daemons.addr_b
        init = a.run(
            f"swarm init --listen-addr {addr_a}:2377 --advertise-addr {addr_a} --data-path-port 4790"
        )
        assert init.status == 0, init.err
        token_run = a.run("swarm join-token -q worker")
        assert token_run.status == 0, token_run.err
        token = token_run.out.strip()
        join = b.run(
            f"swarm join --token {token} --listen-addr {addr_b}:2377 --advertise-addr {addr_b} {addr_a}:2377"
        )
        assert join.status == 0, join.err
        c = Cluster(a, b, swarm_daemons, init, join, token)
        nodes = json.loads(c.ok("node ls --json"))
        by_host = {n["Description"]["Hostname"]: n["ID"] for n in nodes}
        c.node_a, c.node_b = by_host.get("dshell-swarm-a", ""), by_host.get("dshell-swarm-b", "")
        yield c
    finally:
        a.session.close()
        b.session.close()


def running_tasks(c: Cluster, service: str) -> list[dict[str, Any]]:
    tasks = json.loads(c.ok(f"service ps --json --filter desired-state=running {service}"))
    return [t for t in tasks if t["Status"]["State"] == "running"]


# -- swarm and nodes -----------------------------------------------------------------------------------------


def test_init_join_and_join_token(cluster: Cluster) -> None:
    c = cluster
    first = c.init.out.splitlines()[0]
    assert re.fullmatch(r"Swarm initialized: current node \(\w{25}\) is now a manager\.", first), first
    assert f"    docker swarm join --token {c.token} {c.daemons.addr_a}:2377" in c.init.out.splitlines()
    assert c.token.startswith("SWMTKN-1-")
    assert c.join.out.strip() == "This node joined a swarm as a worker."
    # the instructions, exactly as the CLI prints them
    assert c.ok("swarm join-token worker") == cli(c.daemons.a, "swarm", "join-token", "worker")
    manager_token = c.ok("swarm join-token -q manager").strip()
    assert manager_token != c.token and manager_token.startswith("SWMTKN-1-")
    doc = json.loads(c.ok("swarm inspect"))
    assert doc[0]["JoinTokens"]["Worker"] == c.token
    assert c.ok("swarm inspect --format '{{.Spec.Orchestration.TaskHistoryRetentionLimit}}'").strip() == "5"
    assert c.ok("swarm update --task-history-limit 3").strip() == "Swarm updated."
    assert c.ok("swarm inspect -f '{{.Spec.Orchestration.TaskHistoryRetentionLimit}}'").strip() == "3"
    assert c.a.session.registry.get("swarm join").secret  # the line carries a token: kept out of history


def test_node_ls_two_ready_nodes_like_the_cli(cluster: Cluster) -> None:
    c = cluster
    assert c.node_a and c.node_b, "both nodes listed by hostname"
    ours = cells(c.ok("node ls"))
    theirs = cells(cli(c.daemons.a, "node", "ls"))
    assert ours == theirs
    assert ours[0] == ["ID", "HOSTNAME", "STATUS", "AVAILABILITY", "MANAGER STATUS", "ENGINE VERSION"]
    assert [row[2] for row in ours[1:]] == ["Ready", "Ready"]
    assert ours[1][0] == f"{c.node_a} *" and ours[1][4] == "Leader"
    assert sorted(c.ok("node ls -q").split()) == sorted([c.node_a, c.node_b])
    fmt = "{{.Hostname}} {{.Status}} {{.ManagerStatus}}"
    assert c.ok(f"node ls --format '{fmt}'") == cli(c.daemons.a, "node", "ls", "--format", fmt)
    assert c.ok("node ls --filter role=worker -q").split() == [c.node_b]
    doc = json.loads(c.ok("node inspect self"))
    assert doc[0]["ID"] == c.node_a
    assert c.ok("node inspect -f '{{.Spec.Role}}' dshell-swarm-b").strip() == "worker"
    pretty = c.ok("node inspect --pretty dshell-swarm-b")
    assert "Hostname:\t\tdshell-swarm-b" in pretty and " Availability:\t\tActive" in pretty
    # labels
    assert c.ok("node update --label-add zone=b dshell-swarm-b").strip() == "dshell-swarm-b"
    assert c.ok("node inspect -f '{{index .Spec.Labels \"zone\"}}' dshell-swarm-b").strip() == "b"
    # a worker cannot list nodes: the daemon's one-line message
    got = c.b.run("node ls")
    assert got.status != 0 and "not a swarm manager" in got.err


# -- services -------------------------------------------------------------------------------------------------


def test_service_create_ps_scale_update_rollback_rm(cluster: Cluster) -> None:
    c = cluster
    svc = f"{NAME}-web"
    t0 = time.monotonic()
    # sleep as PID 1 ignores SIGTERM: a short grace period keeps each task replacement short
    out = c.ok(
        f"service create --name {svc} --replicas 4 --label test={NAME} --stop-grace-period 1s"
        f" --update-parallelism 2 --update-delay 0s {IMAGE} sleep 3600"
    )
    created = time.monotonic() - t0
    lines = out.splitlines()
    service_id = lines[0]
    assert re.fullmatch(r"\w{25}", service_id), lines
    assert "overall progress: 4 out of 4 tasks" in lines
    assert lines[-1] == f"verify: Service {service_id} converged"
    assert created < 60
    # tasks on both nodes, with the NODE column
    ps = cells(c.ok(f"service ps {svc}"))
    assert ps[0] == ["ID", "NAME", "IMAGE", "NODE", "DESIRED STATE", "CURRENT STATE", "ERROR", "PORTS"]
    assert {row[3] for row in ps[1:]} == {"dshell-swarm-a", "dshell-swarm-b"}
    assert sorted(row[1] for row in ps[1:]) == [f"{svc}.{i}" for i in range(1, 5)]
    theirs = cells(cli(c.daemons.a, "service", "ps", svc))
    strip_time = [[cell for i, cell in enumerate(row) if i != 5] for row in ps]
    assert strip_time == [[cell for i, cell in enumerate(row) if i != 5] for row in theirs]
    assert {t["NodeID"] for t in running_tasks(c, svc)} == {c.node_a, c.node_b}
    fmt = "{{.Name}} {{.Node}} {{.DesiredState}}"
    assert sorted(c.ok(f"service ps --format '{fmt}' {svc}").splitlines()) == sorted(
        cli(c.daemons.a, "service", "ps", "--format", fmt, svc).splitlines()
    )
    assert len(c.ok(f"service ps -q {svc}").split()) == 4
    assert all(len(i) == 25 for i in c.ok(f"service ps -q --no-trunc {svc}").split())
    node_b_tasks = cells(c.ok("node ps dshell-swarm-b"))
    assert node_b_tasks[1:] and all(row[3] == "dshell-swarm-b" for row in node_b_tasks[1:])
    # service ls: REPLICAS running/desired, the CLI's columns
    assert cells(c.ok(f"service ls --filter name={svc}")) == cells(
        cli(c.daemons.a, "service", "ls", "--filter", f"name={svc}")
    )
    ls = cells(c.ok(f"service ls --filter label=test={NAME}"))
    assert ls[0] == ["ID", "NAME", "MODE", "REPLICAS", "IMAGE", "PORTS"]
    assert ls[1][1:5] == [svc, "replicated", "4/4", IMAGE]
    assert c.ok(f"service ls -q --filter name={svc}").strip() == service_id[:12]
    # scale up and back
    out = c.ok(f"service scale {svc}=6")
    assert out.splitlines()[0] == f"{svc} scaled to 6" and "overall progress: 6 out of 6 tasks" in out
    assert len(running_tasks(c, svc)) == 6
    out = c.ok(f"service scale {svc}=4")
    assert "overall progress: 4 out of 4 tasks" in out
    assert len(running_tasks(c, svc)) == 4
    # update, then roll back
    out = c.ok(f"service update --env-add DSHELL_SWARM=1 {svc}")
    assert out.splitlines()[0] == svc and out.splitlines()[-1].endswith("converged")
    env = c.ok(f"service inspect -f '{{{{.Spec.TaskTemplate.ContainerSpec.Env}}}}' {svc}").strip()
    assert env == "[DSHELL_SWARM=1]"
    tasks = running_tasks(c, svc)
    assert len(tasks) == 4 and all(t["Spec"]["ContainerSpec"].get("Env") == ["DSHELL_SWARM=1"] for t in tasks)
    out = c.ok(f"service rollback {svc}")
    assert out.splitlines()[:2] == [svc, "rollback: manually requested rollback"]
    assert "overall progress: rolling back update: 4 out of 4 tasks" in out
    env = json.loads(c.ok(f"service inspect {svc}"))[0]["Spec"]["TaskTemplate"]["ContainerSpec"].get("Env")
    assert not env
    tasks = running_tasks(c, svc)
    assert len(tasks) == 4 and not any(t["Spec"]["ContainerSpec"].get("Env") for t in tasks)
    # the replaced tasks show as history under their slot
    assert " \\_ " in c.ok(f"service ps {svc}")

    # inspect --pretty as the CLI prints it
    def without_start(text: str) -> list[str]:  # "Started: 18 seconds ago" may tick between the two
        return [line for line in text.splitlines() if not line.startswith(" Started:")]

    ours = c.ok(f"service inspect --pretty {svc}")
    assert without_start(ours) == without_start(cli(c.daemons.a, "service", "inspect", "--pretty", svc))
    assert "UpdateStatus:" in ours and " State:\t\trollback_completed" in ours
    # rm
    assert c.ok(f"service rm {svc}").strip() == svc
    assert c.ok(f"service ls -q --filter name={svc}").strip() == ""
    got = c.a.run(f"service ps {svc}")
    assert got.status != 0 and f"no such service: {svc}" in got.err


def test_service_create_detached_global_and_logs(cluster: Cluster) -> None:
    c = cluster
    svc = f"{NAME}-glob"
    out = c.ok(
        f"service create -d --mode global --name {svc} --stop-grace-period 1s {IMAGE} sh -c 'echo hello from $(hostname); exec sleep 3600'"
    )
    assert len(out.splitlines()) == 1  # -d: the ID alone, no waiting
    try:
        wait_for(lambda: len(running_tasks(c, svc)) == 2, 60, "one task per node")
        ls = cells(c.ok(f"service ls --filter name={svc}"))
        assert ls[1][2:4] == ["global", "2/2"]
        names = {row[1] for row in cells(c.ok(f"service ps {svc}"))[1:]}
        assert names == {f"{svc}.{c.node_a}", f"{svc}.{c.node_b}"}

        def logged() -> bool:
            return c.ok(f"service logs {svc}").count("hello from") == 2

        wait_for(logged, 30, "both tasks' logs")
        logs = c.ok(f"service logs {svc}")
        for line in logs.splitlines():
            assert re.fullmatch(rf"{svc}\.0\.\w{{12}}@dshell-swarm-[ab]    \| hello from \w+", line), line
        assert {line.split("@")[1].split()[0] for line in logs.splitlines()} == {
            "dshell-swarm-a",
            "dshell-swarm-b",
        }
        theirs = cli(c.daemons.a, "service", "logs", svc)
        assert sorted(logs.splitlines()) == sorted(theirs.splitlines())
        raw = c.ok(f"service logs --raw {svc}")
        assert sorted(raw.splitlines()) == sorted(line.split("| ", 1)[1] for line in logs.splitlines())
        assert len(c.ok(f"service logs --tail 1 --no-task-ids {svc}").splitlines()) == 2
    finally:
        c.ok(f"service rm {svc}")


def test_drain_moves_tasks_to_the_other_node(cluster: Cluster) -> None:
    c = cluster
    svc = f"{NAME}-drain"
    c.ok(f"service create -q --name {svc} --replicas 4 --stop-grace-period 1s {IMAGE} sleep 3600")
    try:
        assert {t["NodeID"] for t in running_tasks(c, svc)} == {c.node_a, c.node_b}
        assert c.ok("node update --availability drain dshell-swarm-b").strip() == "dshell-swarm-b"
        assert cells(c.ok("node ls --filter role=worker"))[1][3] == "Drain"

        def moved() -> bool:
            tasks = running_tasks(c, svc)
            return len(tasks) == 4 and {t["NodeID"] for t in tasks} == {c.node_a}

        wait_for(moved, 60, "the tasks to move to node A")
        shown = cells(c.ok(f"service ps --filter desired-state=running {svc}"))
        assert {row[3] for row in shown[1:]} == {"dshell-swarm-a"}
        assert cells(c.ok("node ps --filter desired-state=running dshell-swarm-b"))[1:] == []
    finally:
        c.ok("node update --availability active dshell-swarm-b")
        c.ok(f"service rm {svc}")


# -- secrets and configs --------------------------------------------------------------------------------------


def test_secrets_and_configs(cluster: Cluster, tmp_path: Path) -> None:
    c = cluster
    value = f"s3cret-{uuid.uuid4().hex}"
    secret_file = tmp_path / "value"
    secret_file.write_text(value)
    created: list[str] = []
    try:
        sid = c.ok(f"secret create --label test={NAME} {NAME}-file {secret_file}").strip()
        created.append(f"secret rm {NAME}-file")
        assert re.fullmatch(r"\w{25}", sid)
        # from stdin, as a user pipes it in
        got = run_dshell(c.daemons.a, "-c", f"secret create {NAME}-stdin -", input=value)
        assert got.status == 0, got.err
        created.append(f"secret rm {NAME}-stdin")
        ls = cells(c.ok(f"secret ls --filter label=test={NAME}"))
        assert ls[0] == ["ID", "NAME", "DRIVER", "CREATED", "UPDATED"]
        assert [row[1] for row in ls[1:]] == [f"{NAME}-file"]
        names = c.ok(f"secret ls --filter name={NAME} --format '{{{{.Name}}}}'").split()
        assert sorted(names) == [f"{NAME}-file", f"{NAME}-stdin"]
        theirs = cells(cli(c.daemons.a, "secret", "ls", "--filter", f"name={NAME}"))
        assert [row[:2] for row in cells(c.ok(f"secret ls --filter name={NAME}"))] == [
            row[:2] for row in theirs
        ]
        for shown in (c.ok(f"secret inspect {NAME}-file"), c.ok(f"secret inspect --pretty {NAME}-stdin")):
            assert value not in shown
        assert json.loads(c.ok(f"secret inspect {NAME}-file"))[0]["ID"] == sid
        assert c.a.session.registry.get("secret create").secret
        # configs: from a file and from stdin; their data is not secret
        c.ok(f"config create {NAME}-cfg {secret_file}")
        created.append(f"config rm {NAME}-cfg")
        got = run_dshell(c.daemons.a, "-c", f"config create {NAME}-cfg2 -", input="from stdin\n")
        assert got.status == 0, got.err
        created.append(f"config rm {NAME}-cfg2")
        assert cells(c.ok(f"config ls --filter name={NAME}"))[0] == ["ID", "NAME", "CREATED", "UPDATED"]
        assert c.ok(f"config inspect --pretty {NAME}-cfg2").splitlines()[-2:] == ["Data:", "from stdin"]
        assert c.ok(f"config inspect -f '{{{{.Spec.Name}}}}' {NAME}-cfg").strip() == f"{NAME}-cfg"
        # rm
        assert c.ok(f"secret rm {NAME}-file {NAME}-stdin").split() == [f"{NAME}-file", f"{NAME}-stdin"]
        assert c.ok(f"config rm {NAME}-cfg {NAME}-cfg2").split() == [f"{NAME}-cfg", f"{NAME}-cfg2"]
        created.clear()
        assert c.ok(f"secret ls -q --filter name={NAME}").strip() == ""
        got = c.a.run(f"secret rm {NAME}-file")
        assert got.status == 1 and "not found" in got.err
    finally:
        for line in created:
            c.a.run(line)


def test_secret_create_line_is_kept_out_of_history(cluster: Cluster, tmp_path: Path) -> None:
    from dshell.interactive.repl import SessionHistory

    history = SessionHistory(tmp_path / "history", cluster.a.session)
    history.append_string(f"secret create {NAME}-x ./file")
    history.append_string("service ls")
    text = (tmp_path / "history").read_text()
    assert "secret create" not in text and "service ls" in text


def test_completion_of_swarm_names(cluster: Cluster) -> None:
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    from dshell.interactive.completer import DshellCompleter

    c = cluster
    svc = f"{NAME}-comp"
    c.ok(f"service create -d --name {svc} --replicas 1 --stop-grace-period 1s {IMAGE} sleep 3600")
    try:
        c.a.session.names.invalidate()
        comp = DshellCompleter(c.a.session)

        def texts(line: str) -> list[str]:
            event = CompleteEvent(completion_requested=True)
            return [x.text for x in comp.get_completions(Document(line), event)]

        assert svc in texts(f"service ps {NAME}")
        assert svc in texts(f"service scale {NAME}")
        assert "dshell-swarm-b" in texts("node inspect dshell-swarm-")
        assert "dshell-swarm-a" in texts("node ps dshell")
        task_id = json.loads(c.ok(f"service ps --json {svc}"))[0]["ID"]
        assert task_id[:12] in texts(f"service logs {task_id[:4]}")
        assert texts(f"secret rm {NAME}") == []  # none yet; the cache answers, not an error
    finally:
        c.ok(f"service rm {svc}")


# -- leaving ---------------------------------------------------------------------------------------------------


def test_leave_both_nodes(cluster: Cluster) -> None:
    c = cluster
    assert c.ok("swarm leave", on="b").strip() == "Node left the swarm."
    got = c.a.run("swarm leave")
    assert got.status != 0 and "--force" in got.err  # the last manager is asked to force it
    assert c.ok("swarm leave -f").strip() == "Node left the swarm."
    for host in (c.daemons.a, c.daemons.b):
        assert cli(host, "info", "--format", "{{.Swarm.LocalNodeState}}").strip() == "inactive"
    got = c.a.run("service ls")
    assert got.status != 0 and "not a swarm manager" in got.err
