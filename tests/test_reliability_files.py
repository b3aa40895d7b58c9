"""Issue 14, files: ``cp`` never writes outside its destination, ``-o`` targets are checked before anything is
requested, signals never leave a temporary file behind, and ``login`` writes through a symlinked config."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import tarfile
import time
from pathlib import Path

import pytest
from conftest import DSHELL, IMAGE, TCP, docker, run_dshell

from dshell.api.auth import AuthConfig, CredentialStore
from dshell.api.files import Terminated, atomic_write, check_output_path
from dshell.errors import CommandFailed
from dshell.plugins.containers.cp import UnsafeArchive, extract


def tree(path: Path) -> dict[str, tuple[int, str]]:
    """Each file under ``path``: (inode, contents), so hard links show as equal inodes."""
    out = {}
    for root, _dirs, files in os.walk(path):
        for name in files:
            full = Path(root) / name
            out[str(full.relative_to(path))] = (full.stat().st_ino, full.read_text())
    return out


# -- cp and hard links, against the daemon and docker cp -----------------------------------------------------


@pytest.fixture
def linked(prefix: str) -> str:
    name = f"{prefix}-hl"
    docker(
        "run", "-d", "--network", "none", "--name", name, IMAGE, "sh", "-c",
        "mkdir -p /data/sub && echo A > /data/a && ln /data/a /data/b && ln /data/a /data/sub/c && sleep 120",
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while docker("exec", name, "test", "-e", "/data/sub/c", check=False).returncode != 0:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return name


@pytest.mark.parametrize(
    ("source", "dest"), [("/data", "new"), ("/data", "."), ("/data/.", "contents"), ("/data/b", "onlyb")]
)
def test_cp_hard_links_stay_inside_the_copy_like_docker_cp(
    shell, linked: str, tmp_path: Path, source: str, dest: str
) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    for side in (ours, theirs):
        side.mkdir()
        (side / "a").write_text("HOST\n")  # an unrelated host file named like the link target
    r = shell.run(f"cp {linked}:{source} {ours}/{dest}")
    assert r.status == 0, r.err
    docker("cp", f"{linked}:{source}", f"{theirs}/{dest}")
    got, want = tree(ours), tree(theirs)
    assert {k: v[1] for k, v in got.items()} == {k: v[1] for k, v in want.items()}
    assert (ours / "a").read_text() == "HOST\n" and (ours / "a").stat().st_nlink == 1

    def groups(t: dict[str, tuple[int, str]]) -> list[list[str]]:
        by_inode: dict[int, list[str]] = {}
        for name, (ino, _) in t.items():
            by_inode.setdefault(ino, []).append(name)
        return sorted(sorted(g) for g in by_inode.values())

    assert groups(got) == groups(want)  # the same names share an inode on both sides


# -- crafted archives ----------------------------------------------------------------------------------------


def archive(*members: tuple[str, str, str]) -> bytes:
    """A tar of (type, name, data-or-linkname) members: ``f`` file, ``d`` dir, ``h`` hard link, ``s`` symlink."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for kind, name, extra in members:
            info = tarfile.TarInfo(name)
            data = None
            if kind == "f":
                data = extra.encode()
                info.size = len(data)
            elif kind == "d":
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
            elif kind == "h":
                info.type, info.linkname = tarfile.LNKTYPE, extra
            elif kind == "s":
                info.type, info.linkname = tarfile.SYMTYPE, extra
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


HOSTILE = {
    "absolute hard link, then a file of its name": [("h", "data/x", "{victim}"), ("f", "data/x", "PWNED")],
    "hard link climbing out": [("d", "data", ""), ("h", "data/x", "../victim")],
    "hard link to an entry outside the copied tree": [("f", "data/a", "ok"), ("h", "data/x", "victim")],
    "hard link before its target": [("h", "data/b", "data/a"), ("f", "data/a", "A")],
    "absolute name": [("f", "data/a", "ok"), ("f", "{victim}", "PWNED")],
    "name climbing out": [("f", "data/a", "ok"), ("f", "data/../../victim", "PWNED")],
    "file through the archive's own symlink": [("s", "data/l", "{outside}"), ("f", "data/l/victim", "PWNED")],
    "the same name twice": [("f", "data/a", "one"), ("h", "data/b", "data/a"), ("f", "data/b", "PWNED")],
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
@pytest.mark.parametrize("rename", [None, "new"])
def test_crafted_archives_are_refused_before_anything_is_written(
    tmp_path: Path, case: str, rename: str | None
) -> None:
    outside = tmp_path / "outside"
    dest = outside / "dest"
    dest.mkdir(parents=True)
    victim = outside / "victim"
    victim.write_text("HOST\n")
    members = [
        (k, n.format(victim=victim, outside=outside), e.format(victim=victim, outside=outside))
        for k, n, e in HOSTILE[case]
    ]
    with pytest.raises(UnsafeArchive, match="refusing to copy"):
        extract([archive(*members)], str(dest), root="data", rename=rename, keep_owner=False)
    assert os.listdir(dest) == []  # nothing at all was written
    assert victim.read_text() == "HOST\n" and victim.stat().st_nlink == 1
    assert sorted(os.listdir(outside)) == ["dest", "victim"]


def test_internal_hard_links_are_renamed_with_the_tree(tmp_path: Path) -> None:
    data = archive(
        ("d", "data", ""), ("f", "data/a", "A"), ("h", "data/b", "data/a"), ("s", "data/l", "/etc")
    )
    extract([data], str(tmp_path), root="data", rename="new", keep_owner=False)
    assert (tmp_path / "new" / "b").read_text() == "A"
    assert (tmp_path / "new" / "a").stat().st_ino == (tmp_path / "new" / "b").stat().st_ino
    assert os.readlink(tmp_path / "new" / "l") == "/etc"  # symlinks are copied as they are, like docker cp


@pytest.mark.parametrize("body", [b"", b"not a tar at all" * 100, archive(("f", "data/a", "A"))[:700]])
def test_a_body_that_is_not_a_tar_is_a_clear_error(tmp_path: Path, body: bytes) -> None:
    try:
        extract([body], str(tmp_path), root="data", rename=None, keep_owner=False)
    except CommandFailed as exc:
        assert "archive" in str(exc)
    assert all(not p.is_file() or p.read_bytes() in (b"", b"A") for p in tmp_path.rglob("*"))


# -- -o targets ----------------------------------------------------------------------------------------------


def test_output_targets_are_checked_before_the_request(shell, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    cases = {
        "/dev/null": "cannot write to a character device file",
        str(fifo): "cannot write to a pipe",
        str(tmp_path): "it is a directory",
        str(tmp_path / "no" / "such" / "x.tar"): "no such directory",
        "''": "the file name is empty",
    }
    for target, message in cases.items():
        for line in (f"save -o {target} {IMAGE}", f"export -o {target} dshell-no-such-container-rel"):
            r = shell.run(line)
            assert r.status == 1 and message in r.err, (line, r.err)
            assert "internal error" not in r.err and "No such container" not in r.err  # nothing was sent
    assert Path("/dev/null").is_char_device() and fifo.is_fifo()
    assert sorted(os.listdir(tmp_path)) == ["fifo"]


def test_docker_cli_also_refuses_a_character_device() -> None:
    r = docker("save", "-o", "/dev/null", IMAGE, check=False)
    assert r.returncode != 0 and b"cannot write to a character device file" in r.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_directory_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(CommandFailed, match="permission denied"):
        check_output_path(locked / "x.tar")


def test_a_symlink_target_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "real.tar"
    link = tmp_path / "link.tar"
    link.symlink_to(real)
    with atomic_write(link) as fh:
        fh.write(b"data")
    assert link.is_symlink() and real.read_bytes() == b"data"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_inside_atomic_write_removes_the_temporary_file(tmp_path: Path, sig: int) -> None:
    target = tmp_path / "out"
    with pytest.raises(Terminated) as info, atomic_write(target) as fh:
        fh.write(b"x" * 1000)
        os.kill(os.getpid(), sig)
        time.sleep(1)
    assert info.value.code == 128 + sig
    assert os.listdir(tmp_path) == []
    assert signal.getsignal(sig) == signal.SIG_DFL  # the handler is gone afterwards


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_export_removes_the_part_file(prefix: str, tmp_path: Path, sig: int) -> None:
    name = f"{prefix}-big"
    docker(
        "run",
        "--network",
        "none",
        "--name",
        name,
        IMAGE,
        "dd",
        "if=/dev/zero",
        "of=/big",
        "bs=1M",
        "count=300",
    )
    target = tmp_path / "out.tar"
    proc = subprocess.Popen([DSHELL, TCP, "-c", f"export -o {target} {name}"], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not [p for p in os.listdir(tmp_path) if p.endswith(".part")]:
        assert time.monotonic() < deadline and proc.poll() is None, "no .part file appeared"
        time.sleep(0.005)
    proc.send_signal(sig)
    status = proc.wait(timeout=20)
    assert status == 128 + sig, proc.stderr.read() if proc.stderr else ""
    assert os.listdir(tmp_path) == []


def test_login_writes_through_a_symlinked_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "docker-config"
    config.mkdir()
    real = tmp_path / "dotfiles" / "docker.json"
    real.parent.mkdir()
    real.write_text(json.dumps({"auths": {}, "psFormat": "kept"}))
    (config / "config.json").symlink_to(real)
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    CredentialStore().store(AuthConfig(username="u", password="p", serveraddress="example.org"))
    assert (config / "config.json").is_symlink()
    doc = json.loads(real.read_text())
    assert "example.org" in doc["auths"] and doc["psFormat"] == "kept"


def test_real_login_keeps_the_symlink(daemon: str, tmp_path: Path) -> None:
    registry = os.environ.get("DSHELL_TEST_AUTH_REGISTRY", "")
    user = os.environ.get("DSHELL_TEST_AUTH_USER", "")
    password = os.environ.get("DSHELL_TEST_AUTH_PASSWORD", "")
    if not (registry and user and password):
        pytest.skip("no auth registry")
    config = tmp_path / "cfg"
    config.mkdir()
    real = tmp_path / "real.json"
    real.write_text("{}")
    (config / "config.json").symlink_to(real)
    env = {"DOCKER_CONFIG": str(config)}
    r = run_dshell(
        daemon, "-c", f"login -u {user} --password-stdin {registry}", input=password + "\n", env=env
    )
    assert r.status == 0, r.err
    assert (config / "config.json").is_symlink() and registry in json.loads(real.read_text())["auths"]
