"""Deployment-style scripts through the installed ``dshell`` against the real daemon: captures, ``defer``,
``wait-until``, script parameters, ``--dry-run``, line numbers in errors, and the REPL's status prompt."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import DSHELL, IMAGE, TCP, docker, run_dshell

DEPLOY = """\
# deploy.dsh NAME REPLICA_COUNT
p=$1
net := post /networks/create {{"Name": "$1-net", "Labels": {{"dshtest": "1"}}}}
defer delete /networks/${{net.Name}}
vol := post /volumes/create {{"Name": "$1-vol"}}
defer delete /volumes/$vol
web := run -d --name $p-web --network ${{net.Name}} -v ${{vol.Name}}:/data {image} sleep 300
defer rm -f $web
db := run -d --name $p-db --network ${{net.Name}} {image} sleep 300
defer rm -f $db
wait-until ${{web.State.Status}} == running --timeout 20s
wait-until ${{db.State.Status}} == running --timeout 20s
exec $web sh -c "echo $2 > /data/replicas; cat /data/replicas"
echo web=${{web.Name}} db=${{db | Name}} args=$# all=$@
ps -a --filter name=$p- --query 'length(@)'
ps -a --filter name=$p- --format '{{{{.Names}}}}' | !sort > {listing}
exec $web false
echo not reached
"""


def _leftovers(prefix: str) -> list[str]:
    names = docker("ps", "-a", "--filter", f"name={prefix}", "--format", "{{.Names}}").stdout.decode().split()
    nets = (
        docker("network", "ls", "--filter", f"name={prefix}", "--format", "{{.Name}}").stdout.decode().split()
    )
    vols = (
        docker("volume", "ls", "--filter", f"name={prefix}", "--format", "{{.Name}}").stdout.decode().split()
    )
    return names + nets + vols


def test_deployment_script_cleans_up_after_a_failure(prefix: str, tmp_path: Path) -> None:
    listing = tmp_path / "listing.txt"
    script = tmp_path / "deploy.dsh"
    script.write_text(DEPLOY.format(image=IMAGE, listing=listing))
    r = run_dshell(TCP, "-f", str(script), prefix, "3")
    assert r.status == 1, r.err
    lines = r.out.splitlines()
    assert "3" in lines  # the exec check read back what it wrote to the captured volume
    assert f"web=/{prefix}-web db=/{prefix}-db args=2 all={prefix} 3" in lines
    assert "2" in lines  # --query counted both containers
    assert "not reached" not in r.out
    assert f"{script}:17: exit status 1" in r.err  # the deliberate failure, with its line
    assert listing.read_text().split() == [f"{prefix}-db", f"{prefix}-web"]
    assert _leftovers(prefix) == []  # every defer ran, last first (containers before their network)


def test_keep_going_runs_past_failures_then_defers(prefix: str, tmp_path: Path) -> None:
    script = tmp_path / "s.dsh"
    script.write_text(
        f"c := create --name {prefix}-k {IMAGE} true\ndefer rm $c\necho $nope\nexec $c true\necho went on\n"
    )
    r = run_dshell(TCP, "--keep-going", "-f", str(script))
    assert r.status == 1
    assert "went on" in r.out
    assert f"{script}:3: Usage error: undefined variable: $nope (column 6)" in r.err
    assert f"{script}:4: " in r.err  # exec in a created (not running) container fails
    assert _leftovers(prefix) == []


def test_missing_script_parameter_names_it(tmp_path: Path) -> None:
    script = tmp_path / "p.dsh"
    script.write_text("echo first $1\necho second $2\n")
    r = run_dshell(TCP, "-f", str(script), "only")
    assert r.status == 1
    assert r.out == "first only\n"
    assert f"{script}:2: Usage error: missing script parameter $2 (the script got 1): $2 (column 13)" in r.err
    assert "Traceback" not in r.err


def test_dry_run_sends_no_state_changing_request(prefix: str, tmp_path: Path) -> None:
    kept = docker("create", "--name", f"{prefix}-kept", IMAGE, "true").stdout.decode().strip()
    script = tmp_path / "dry.dsh"
    script.write_text(
        f"v := get /version\n"
        f"echo api ${{v.ApiVersion}}\n"
        f'n := post /networks/create {{"Name": "{prefix}-net"}}\n'
        f"c := create --name {prefix}-c {IMAGE} true\n"
        f"start $c\n"
        f"defer rm -f $c\n"
        f"rm -f $(ps -aq --filter name={prefix}-kept)\n"
    )
    r = run_dshell(TCP, "--dry-run", "-f", str(script))
    assert r.status == 0, r.err
    assert "api 1." in r.out  # reads still run
    assert f'/networks/create {{"Name": "{prefix}-net"}}' in r.out and "dry-run: POST /v1." in r.out
    assert f"/containers/create?name={prefix}-c" in r.out
    assert "/containers/dry-run-c/start" in r.out
    assert (
        f"dry-run: DELETE /v1.{r.out.split('dry-run: DELETE /v1.')[1].split('/')[0]}/containers/{kept[:12]}"
        in r.out
    )
    assert _leftovers(prefix) == [f"{prefix}-kept"]  # nothing made, nothing removed


def test_repl_prompt_shows_the_last_status(tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    env = {
        **os.environ,
        "TERM": "dumb",
        "XDG_DATA_HOME": str(tmp_path / "d"),
        "XDG_CONFIG_HOME": str(tmp_path),
    }
    child = pexpect.spawn(DSHELL, [TCP], env=env, encoding="utf-8", timeout=15)
    try:
        child.expect(r"\r?\ndshell \S+> ")
        child.sendline("get /containers/dshell-no-such-thing/json")
        child.expect(r"\[1\] dshell \S+> ")
        child.sendline("echo status was $?")
        child.expect("status was 1")
        child.expect(r"\r?\ndshell \S+> ")  # a success clears it
        child.sendline("x := get /version")
        child.expect(r"\r?\ndshell \S+> ")
        child.sendline("echo ${x.ApiVersion}")
        child.expect(r"1\.\d+")
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)


def test_defer_at_the_prompt_runs_on_leaving_it(tmp_path: Path, prefix: str) -> None:
    pexpect = pytest.importorskip("pexpect")
    env = {
        **os.environ,
        "TERM": "dumb",
        "XDG_DATA_HOME": str(tmp_path / "d"),
        "XDG_CONFIG_HOME": str(tmp_path),
    }
    child = pexpect.spawn(DSHELL, [TCP], env=env, encoding="utf-8", timeout=15)
    try:
        child.expect(r"\r?\ndshell \S+> ")
        child.sendline(f"c := create --name {prefix}-deferred {IMAGE} true")
        child.expect(r"\r?\ndshell \S+> ")
        child.sendline("defer rm $c")
        child.expect(r"\r?\ndshell \S+> ")
        assert _leftovers(prefix) == [f"{prefix}-deferred"]  # deferred, not run yet
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    assert _leftovers(prefix) == []
