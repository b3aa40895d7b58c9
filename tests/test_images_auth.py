"""Registry credentials the Docker CLI way, and login/push/pull against the htpasswd registry.

Every test points DOCKER_CONFIG at a temporary directory, so the real ~/.docker is never read or written.
"""

from __future__ import annotations

import base64
import io
import json
import os
import stat
from pathlib import Path

import pytest
from conftest import IMAGE, docker, run_dshell

from dshell.api.auth import (
    AuthConfig,
    CredentialStore,
    encode_auth_header,
    encode_registry_config,
    normalize_server,
)
from dshell.api.reference import INDEX_AUTH_KEY, parse_reference

AUTH_REGISTRY = os.environ.get("DSHELL_TEST_AUTH_REGISTRY", "")
USER = os.environ.get("DSHELL_TEST_AUTH_USER", "")
PASSWORD = os.environ.get("DSHELL_TEST_AUTH_PASSWORD", "")


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "docker-config"
    monkeypatch.setenv("DOCKER_CONFIG", str(where))
    return where


def decode_header(value: str) -> dict[str, str]:
    return json.loads(base64.urlsafe_b64decode(value))  # type: ignore[no-any-return]


def test_header_is_base64url_json() -> None:
    auth = AuthConfig("127.0.0.1:5001", "me", "p?>>??")  # '?>' encodes to '/' and '+' in plain base64
    value = encode_auth_header(auth)
    assert "+" not in value and "/" not in value
    assert decode_header(value) == {"username": "me", "password": "p?>>??", "serveraddress": "127.0.0.1:5001"}
    assert decode_header(encode_auth_header(None)) == {}
    config = json.loads(base64.urlsafe_b64decode(encode_registry_config([auth])))
    assert config == {"127.0.0.1:5001": auth.api_document()}
    assert "p?>>??" not in repr(auth) and "p?>>??" not in str(auth)


def test_store_reads_and_writes_like_the_cli(config_dir: Path) -> None:
    config_dir.mkdir()
    path = config_dir / "config.json"
    legacy = base64.b64encode(b"old:pw").decode()
    path.write_text(
        json.dumps({"auths": {"https://legacy.example:5000/v1/": {"auth": legacy}}, "psFormat": "x"})
    )
    store = CredentialStore()
    assert store.path == path
    got = store.get("legacy.example:5000")  # a legacy key with scheme and path is found by host name
    assert got is not None and (got.username, got.password) == ("old", "pw")
    store.store(AuthConfig("127.0.0.1:5001", "u", "secret:with:colons"))
    doc = json.loads(path.read_text())
    assert doc["psFormat"] == "x"  # other keys kept
    assert base64.b64decode(doc["auths"]["127.0.0.1:5001"]["auth"]) == b"u:secret:with:colons"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = store.get("127.0.0.1:5001")
    assert again is not None and again.password == "secret:with:colons"
    assert store.remove("127.0.0.1:5001") and not store.remove("127.0.0.1:5001")
    assert store.get("127.0.0.1:5001") is None


def test_keys_follow_the_reference(config_dir: Path) -> None:
    assert normalize_server(None) == INDEX_AUTH_KEY == normalize_server("docker.io")
    assert normalize_server("https://127.0.0.1:5001/v2/") == "127.0.0.1:5001"
    assert parse_reference("127.0.0.1:5001/a/b:1").auth_key == normalize_server("127.0.0.1:5001")
    assert parse_reference("busybox").auth_key == INDEX_AUTH_KEY
    config_dir.mkdir()
    (config_dir / "config.json").write_text(json.dumps({"credsStore": "desktop"}))
    warning = CredentialStore().helper_warning("127.0.0.1:5001")
    assert warning is not None and "desktop" in warning


def test_login_is_secret_and_kept_out_of_history(tmp_path: Path, shell: object) -> None:
    from dshell.interactive.repl import SessionHistory

    session = shell.session  # type: ignore[attr-defined]
    assert session.registry.get("login").secret
    history = SessionHistory(tmp_path / "history", session)
    history.append_string(f"login -u someone -p {PASSWORD or 'pw'} example.org")
    history.append_string("images")
    text = (tmp_path / "history").read_text()
    assert "login" not in text and "images" in text


def need_auth_registry() -> str:
    if not AUTH_REGISTRY or not USER or not PASSWORD:
        pytest.skip("DSHELL_TEST_AUTH_REGISTRY/USER/PASSWORD are not set")
    return AUTH_REGISTRY


def test_login_push_pull_logout(daemon: str, prefix: str, config_dir: Path) -> None:
    registry = need_auth_registry()
    env = {"DOCKER_CONFIG": str(config_dir)}
    ref = f"{registry}/{prefix}/busybox:v1"
    docker("tag", IMAGE, ref)

    r = run_dshell(daemon, "-c", f"push {ref}", env=env)  # not logged in yet
    assert r.status == 1 and "no basic auth credentials" in r.err and f"login {registry}" in r.err

    wrong = f"wrong-{prefix}"
    r = run_dshell(
        daemon, "--debug", "-c", f"login -u {USER} --password-stdin {registry}", input=wrong + "\n", env=env
    )
    assert r.status == 1 and "401 Unauthorized" in r.err and "Traceback (most recent" in r.err
    assert wrong not in r.out + r.err
    assert not (config_dir / "config.json").exists()  # nothing stored before the daemon accepted it

    r = run_dshell(
        daemon, "-c", f"login -u {USER} --password-stdin {registry}", input=PASSWORD + "\n", env=env
    )
    assert r.status == 0, r.err
    assert r.out.strip() == "Login Succeeded" and PASSWORD not in r.out + r.err
    path = config_dir / "config.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())["auths"][registry]["auth"]
    assert base64.b64decode(stored).decode() == f"{USER}:{PASSWORD}"

    r = run_dshell(daemon, "-c", f"push {ref}", env=env)
    assert r.status == 0, r.err
    assert "v1: digest: sha256:" in r.out
    docker("rmi", ref)
    r = run_dshell(daemon, "-c", f"pull -q {ref}", env=env)
    assert r.status == 0, r.err
    assert r.out.strip() == ref
    docker("image", "inspect", ref)

    docker("rmi", ref)  # a build FROM the protected image pulls it with the stored credentials
    (config_dir / "ctx").mkdir()
    (config_dir / "ctx" / "Dockerfile").write_text(f"FROM {ref}\nLABEL {prefix}=built\n")
    r = run_dshell(daemon, "-c", f"build -q -t {prefix}-authbuild:1 {config_dir / 'ctx'}", env=env)
    assert r.status == 0, r.err

    r = run_dshell(daemon, "-c", f"logout {registry}", env=env)
    assert r.out.strip() == f"Removing login credentials for {registry}"
    docker("rmi", ref)
    r = run_dshell(daemon, "-c", f"pull {ref}", env=env)
    assert r.status == 1 and "no basic auth credentials" in r.err
    r = run_dshell(daemon, "-c", f"login {registry}", env=env)  # no terminal to ask on
    assert r.status == 1 and "non-terminal" in r.err


def test_wrong_stored_password_fails_pull_clearly(daemon: str, prefix: str, config_dir: Path) -> None:
    registry = need_auth_registry()
    CredentialStore().store(AuthConfig(registry, USER, f"bad-{prefix}"))
    r = run_dshell(
        daemon, "-c", f"pull {registry}/{prefix}/busybox:v1", env={"DOCKER_CONFIG": str(config_dir)}
    )
    assert r.status == 1 and "Traceback" not in r.err and f"bad-{prefix}" not in r.err
    assert "401" in r.err or "unauthorized" in r.err.lower()


def test_interactive_login_asks_without_echo(daemon: str, config_dir: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    from conftest import DSHELL

    registry = need_auth_registry()
    env = {**os.environ, "DOCKER_CONFIG": str(config_dir), "PROMPT_TOOLKIT_NO_CPR": "1"}
    child = pexpect.spawn(DSHELL, [daemon, "-c", f"login {registry}"], env=env, timeout=30, encoding="utf-8")
    screen = io.StringIO()
    child.logfile_read = screen  # everything the terminal shows
    try:
        child.expect("Username: ")
        child.sendline(USER)
        child.expect("Password: ")
        child.sendline(PASSWORD)
        child.expect("Login Succeeded")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    assert (
        USER in screen.getvalue() and PASSWORD not in screen.getvalue()
    )  # the name echoes, the password not
    assert CredentialStore().get(registry) is not None
