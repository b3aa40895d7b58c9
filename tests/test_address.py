"""Daemon addresses and Docker's conventions for finding one (pure, with a temporary HOME)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from dshell.api.address import parse_address, resolve_address
from dshell.cli import security_warnings
from dshell.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "url", "base"),
    [
        ("127.0.0.1", "tcp://127.0.0.1:2375", "http://127.0.0.1:2375"),
        ("localhost:2380", "tcp://localhost:2380", "http://localhost:2380"),
        ("tcp://10.0.0.5", "tcp://10.0.0.5:2375", "http://10.0.0.5:2375"),
        ("tcp://[::1]:2375", "tcp://[::1]:2375", "http://[::1]:2375"),
        (
            "unix:///var/run/docker.sock",
            "unix:///var/run/docker.sock",
            "http+unix://%2Fvar%2Frun%2Fdocker.sock",
        ),
        ("https://h.example", "tcp://h.example:2376", "https://h.example:2376"),
    ],
)
def test_parse(text: str, url: str, base: str) -> None:
    addr = parse_address(text)
    assert str(addr) == url
    assert addr.base_url == base


@pytest.mark.parametrize(
    "bad",
    ["", "ssh://me@host/path", "ssh://me:pw@host", "unix://relative", "tcp://host:99999", "tcp://h/path"],
)
def test_parse_rejects(bad: str) -> None:
    with pytest.raises(ConfigError):
        parse_address(bad)


def test_ssh_and_names() -> None:
    from dshell.api.address import daemon_name

    addr = parse_address("ssh://root@build.example:2222")
    assert (addr.scheme, addr.user, addr.host, addr.port) == ("ssh", "root", "build.example", 2222)
    assert str(addr) == "ssh://root@build.example:2222"
    assert str(parse_address("ssh://h")) == "ssh://h"
    assert daemon_name(addr) == "build.example:2222"
    assert daemon_name(parse_address("ssh://me@h")) == "h"
    assert daemon_name(parse_address("unix:///var/run/docker.sock")) == "docker"
    assert daemon_name(parse_address("10.0.0.5")) == "10.0.0.5"
    assert daemon_name(parse_address("10.0.0.5:2380")) == "10.0.0.5:2380"


def _context(home: Path, name: str, host: str) -> None:
    digest = hashlib.sha256(name.encode()).hexdigest()
    meta = home / ".docker" / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(json.dumps({"Name": name, "Endpoints": {"docker": {"Host": host}}}))


def test_resolution_order(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path)}
    assert str(resolve_address(None, env)) == "unix:///var/run/docker.sock"
    _context(tmp_path, "remote", "tcp://127.0.0.7:2399")
    (tmp_path / ".docker" / "config.json").write_text(json.dumps({"currentContext": "remote"}))
    addr = resolve_address(None, env)
    assert str(addr) == "tcp://127.0.0.7:2399" and addr.source == "context remote"
    _context(tmp_path, "other", "unix:///run/other.sock")
    assert str(resolve_address(None, {**env, "DOCKER_CONTEXT": "other"})) == "unix:///run/other.sock"
    assert str(resolve_address(None, {**env, "DOCKER_HOST": "tcp://127.0.0.9:1"})) == "tcp://127.0.0.9:1"
    assert str(resolve_address("127.0.0.1", {**env, "DOCKER_HOST": "tcp://x:1"})) == "tcp://127.0.0.1:2375"
    assert str(resolve_address(None, {**env, "DOCKER_CONTEXT": "default"})) == "unix:///var/run/docker.sock"
    with pytest.raises(ConfigError, match="context 'missing' not found"):
        resolve_address(None, {**env, "DOCKER_CONTEXT": "missing"})


def test_tls_env_verifies_by_default(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("x")
    addr = resolve_address(
        "h.example", {"HOME": "/nonexistent", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(tmp_path)}
    )
    assert addr.tls is not None and addr.tls.verify == str(tmp_path / "ca.pem")
    assert addr.port == 2376 and addr.base_url.startswith("https://")


def test_plaintext_warning_only_off_loopback() -> None:
    assert security_warnings(parse_address("127.0.0.1")) == []
    assert security_warnings(parse_address("unix:///x")) == []
    warnings = security_warnings(parse_address("192.0.2.10"))
    assert len(warnings) == 1 and "plaintext" in warnings[0]
