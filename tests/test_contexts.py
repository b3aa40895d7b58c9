"""Docker contexts: ``context ls``, ``context use``, a context name wherever a URL goes, TLS material read from
``~/.docker/contexts/tls`` (contexts written here, under a temporary HOME, pointing at the test daemons)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from conftest import TCP, UNIX, run_dshell

pytestmark = pytest.mark.daemon


def write_context(home: Path, name: str, host: str, *, tls_dir: Path | None = None, desc: str = "") -> None:
    digest = hashlib.sha256(name.encode()).hexdigest()
    meta = home / ".docker" / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    doc = {"Name": name, "Metadata": {"Description": desc}, "Endpoints": {"docker": {"Host": host}}}
    (meta / "meta.json").write_text(json.dumps(doc))
    if tls_dir is not None:
        target = home / ".docker" / "contexts" / "tls" / digest / "docker"
        target.mkdir(parents=True)
        for f in ("ca.pem", "cert.pem", "key.pem"):
            (target / f).write_bytes((tls_dir / f).read_bytes())


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    if not TCP:
        pytest.skip("DSHELL_TEST_TCP is not set")
    write_context(tmp_path, "testd", TCP, desc="the test daemon")
    write_context(tmp_path, "sock", UNIX)
    env = {"HOME": str(tmp_path), "DOCKER_CONFIG": str(tmp_path / ".docker")}
    return {
        k: v for k, v in {**os.environ, **env}.items() if not k.startswith("DOCKER_") or k == "DOCKER_CONFIG"
    }


def test_context_ls(home: dict[str, str]) -> None:
    r = run_dshell("-c", "context ls --json", env=home)
    assert r.status == 0, r.err
    docs = {d["Name"]: d for d in json.loads(r.out)}
    assert docs["testd"]["DockerEndpoint"] == TCP and docs["testd"]["Description"] == "the test daemon"
    assert docs["default"]["Current"] is True
    r = run_dshell("-c", "context ls", env=home)
    assert r.out.splitlines()[0].split() == ["NAME", "DESCRIPTION", "DOCKER", "ENDPOINT", "ERROR"]


def test_context_name_as_url_and_use(home: dict[str, str]) -> None:
    r = run_dshell("testd", "sock", "-c", "hosts --json", env=home)
    assert r.status == 0, r.err
    docs = json.loads(r.out)
    assert [(d["Name"], d["URL"], d["Reachable"]) for d in docs] == [
        ("testd", TCP, True),
        ("sock", UNIX, True),
    ]
    r = run_dshell("-f", "-", env=home, input="context use testd\nhosts --json\n@testd version --json\n")
    assert r.status == 0, r.err
    first = r.out[: r.out.index("]") + 1]
    current = [d["Name"] for d in json.loads(first) if d["Current"]]
    assert current == ["testd"]


def test_unknown_context(home: dict[str, str]) -> None:
    r = run_dshell("-c", "context use nosuch", env=home)
    assert r.status == 2 and "no daemon or docker context named 'nosuch'" in r.err


def test_context_tls_material(home: dict[str, str], tlsd: Path) -> None:
    certs = tlsd  # the TLS daemon, started by the shared fixture
    write_context(Path(home["HOME"]), "tlsd", "tcp://127.0.0.1:2376", tls_dir=certs)
    r = run_dshell("tlsd", "-c", "version --json", env=home)
    assert r.status == 0, r.err
    assert json.loads(r.out)["Server"]["Version"]
