"""The tutorial's whole job end to end: raw requests, pull from a real registry, delete images."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import IMAGE, REGISTRY, TCP, docker, run_dshell


def test_raw_get_post_delete(daemon: str, prefix: str, tmp_path: Path) -> None:
    r = run_dshell(daemon, "-c", "get /containers/json?all=1")
    assert r.status == 0 and isinstance(json.loads(r.out), list)
    r = run_dshell(daemon, "-c", "get /v1.41/version")
    assert json.loads(r.out)["ApiVersion"]
    name = f"{prefix}-raw"
    r = run_dshell(
        daemon, "-c", f'post /containers/create?name={name} {{"Image": "{IMAGE}", "Cmd": ["sleep", "30"]}}'
    )
    assert r.status == 0, r.err
    cid = json.loads(r.out)["Id"]
    body = tmp_path / "b.json"
    body.write_text("{}")
    r = run_dshell(daemon, "-c", f"post /containers/{name}/start @{body}")
    assert r.status == 0 and r.out == ""  # 204 prints nothing
    assert json.loads(docker("inspect", cid).stdout)[0]["State"]["Running"]
    r = run_dshell(daemon, "-c", f"post /containers/{name}/start")
    assert r.status == 0  # 304: already started
    r = run_dshell(daemon, "-c", f"delete /containers/{name}")
    assert r.status == 1 and r.err.startswith("Error: 409 Conflict: ")
    r = run_dshell(daemon, "-c", f"delete /containers/{name}?force=1")
    assert r.status == 0 and r.out == ""
    r = run_dshell(daemon, "-c", f"get /containers/{name}/json")
    assert r.status == 1 and "404 Not Found: No such container" in r.err
    r = run_dshell(daemon, "-c", "post /containers/create {not json")
    assert r.status == 2 and "invalid JSON body" in r.err


@pytest.fixture
def pushed(prefix: str) -> str:
    """A uniquely named image pushed to the open test registry, then removed locally."""
    if not REGISTRY:
        pytest.skip("DSHELL_TEST_REGISTRY is not set")
    ref = f"{REGISTRY}/{prefix}/busybox:v1"
    docker("tag", IMAGE, ref)
    docker("push", ref)
    docker("rmi", ref)
    return ref


def test_pull_and_rmi(daemon: str, pushed: str) -> None:
    r = run_dshell(daemon, "-c", f"pull {pushed}")
    assert r.status == 0, r.err
    lines = r.out.splitlines()
    assert any(line.startswith("Digest: sha256:") for line in lines)
    assert lines[-1] == pushed
    assert docker("image", "inspect", pushed, check=False).returncode == 0
    r = run_dshell(daemon, "-c", f"images {pushed}")
    assert pushed.rsplit(":", 1)[0] in r.out
    r = run_dshell(daemon, "-c", f"rmi {pushed} no-such-image-{os.getpid()}:x")
    assert r.status == 1
    assert f"Untagged: {pushed}" in r.out
    assert "No such image" in r.err
    assert docker("image", "inspect", pushed, check=False).returncode != 0


def test_pull_missing_tag_fails(daemon: str, pushed: str) -> None:
    missing = pushed.rsplit(":", 1)[0] + ":nope"
    r = run_dshell(daemon, "-c", f"pull {missing}")
    assert r.status == 1 and "Traceback" not in r.err
    assert "not found" in r.err or "manifest unknown" in r.err


def test_images_quiet_matches_cli(daemon: str) -> None:
    r = run_dshell(daemon, "-c", "images -q")
    assert set(r.out.split()) == set(docker("images", "-q").stdout.decode().split())
    assert TCP
