"""The images plugin end to end against the real daemon and registries: build, tag, push, pull, save, load,
history, import, prune, and the failures a user meets (missing tag, failing step, a terminal for a tar)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
import threading
from pathlib import Path

import pytest
from conftest import DSHELL, IMAGE, REGISTRY, Captured, docker, run_dshell


def need_registry() -> str:
    if not REGISTRY:
        pytest.skip("DSHELL_TEST_REGISTRY is not set")
    return REGISTRY


def image_exists(ref: str) -> bool:
    return docker("image", "inspect", ref, check=False).returncode == 0


def make_context(root: Path, marker: str) -> Path:
    """A build context whose .dockerignore drops a file, a directory, and brings one file back."""
    ctx = root / "ctx"
    (ctx / "logs").mkdir(parents=True)
    (ctx / "keep.txt").write_text("keep")
    (ctx / "secret.txt").write_text("do not send")
    (ctx / "logs" / "debug.log").write_text("noise")
    (ctx / "logs" / "keep.log").write_text("wanted")
    (ctx / ".dockerignore").write_text("# comment\n/secret.txt\nlogs\n!logs/keep.log\n")
    (ctx / "Dockerfile").write_text(
        f"FROM {IMAGE}\nCOPY . /ctx/\nRUN echo {marker} > /built\nLABEL dshell.test.marker={marker}\n"
    )
    return ctx


def test_build_push_pull_save_load_history(shell: Captured, prefix: str, tmp_path: Path) -> None:
    registry = need_registry()
    ctx = make_context(tmp_path, f"step-{prefix}")
    local = f"{prefix}-app:1"
    r = shell.run(f"build -t {local} -t {prefix}-app:2 --label {prefix}=yes --build-arg UNUSED=1 {ctx}")
    assert r.status == 0, r.err
    assert f"Successfully tagged {local}" in r.out and f"RUN echo step-{prefix}" in r.out
    listing = docker("run", "--rm", "--name", f"{prefix}-ls", local, "find", "/ctx").stdout.decode().split()
    assert "/ctx/keep.txt" in listing and "/ctx/logs/keep.log" in listing and "/ctx/Dockerfile" in listing
    assert "/ctx/secret.txt" not in listing and "/ctx/logs/debug.log" not in listing

    ref = f"{registry}/{prefix}/app:1"
    assert shell.run(f"tag {local} {ref}").status == 0
    r = shell.run(f"push {ref}")
    assert r.status == 0, r.err
    assert "1: digest: sha256:" in r.out and r.out.splitlines()[-1] == ref
    r = shell.run(f"rmi {ref} {local} {prefix}-app:2")
    assert r.status == 0, r.err
    assert f"Untagged: {ref}" in r.out and "Deleted: sha256:" in r.out
    assert not image_exists(ref)

    r = shell.run(f"pull {ref}")
    assert r.status == 0, r.err
    lines = r.out.splitlines()
    assert "\x1b" not in r.out  # plain lines when not a terminal
    assert any(line.endswith(": Pull complete") for line in lines)
    assert len(lines) == len(set(lines))  # one line per status change, no progress-bar ticks
    assert any(line.startswith("Digest: sha256:") for line in lines) and lines[-1] == ref
    assert image_exists(ref)

    r = shell.run(f"image history --no-trunc {ref}")
    assert r.status == 0 and f"echo step-{prefix} > /built" in r.out
    assert r.out.splitlines()[0].split() == ["IMAGE", "CREATED", "CREATED", "BY", "SIZE", "COMMENT"]
    r = shell.run(f"image history -q {ref}")
    assert len(r.out.split()[0]) == 12
    r = shell.run(f"image inspect -f '{{{{index .Config.Labels \"{prefix}\"}}}}' {ref}")
    assert r.out.strip() == "yes"

    archive = tmp_path / "out" / "app.tar"
    archive.parent.mkdir()
    r = shell.run(f"save -o {archive} {ref}")
    assert r.status == 0, r.err
    assert os.listdir(archive.parent) == ["app.tar"]  # the temporary file was renamed, nothing else left
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert manifest[0]["RepoTags"] == [ref]

    assert shell.run(f"rmi {ref}").status == 0 and not image_exists(ref)
    r = shell.run(f"load -i {archive}")
    assert r.status == 0, r.err
    assert f"Loaded image: {ref}" in r.out
    r = shell.run(f"images --format '{{{{.Repository}}}}:{{{{.Tag}}}}' {registry}/{prefix}/app")
    assert r.out.splitlines() == [ref]


def test_pipes_save_to_stdout_and_load_from_stdin(daemon: str, prefix: str, tmp_path: Path) -> None:
    ref = f"{prefix}-pipe:1"
    docker("tag", IMAGE, ref)
    archive = tmp_path / "piped.tar"
    with archive.open("wb") as out:
        proc = subprocess.run(
            check=False,
            args=[DSHELL, daemon, "-c", f"save {ref}"],
            stdout=out,
            stderr=subprocess.PIPE,
            timeout=60,
        )
    assert proc.returncode == 0, proc.stderr
    with tarfile.open(archive) as tar:
        assert "manifest.json" in tar.getnames()
    docker("rmi", ref)
    with archive.open("rb") as src:
        proc = subprocess.run(
            check=False, args=[DSHELL, daemon, "-c", "load"], stdin=src, capture_output=True, timeout=60
        )
    assert proc.returncode == 0, proc.stderr
    assert f"Loaded image: {ref}" in proc.stdout.decode()
    r = run_dshell(daemon, "-c", "load")  # stdin is /dev/null: nothing to load
    assert r.status == 1 and "Traceback" not in r.err


def one_file_tar(content: bytes) -> bytes:
    """A tarball holding one file (``hello.txt``), for ``import``."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    return buf.getvalue()


class Terminal:
    """An in-process session whose stdout is a real pseudo-terminal; everything written is collected."""

    def __init__(self, daemon: str) -> None:
        from dshell.api.address import parse_address
        from dshell.core.session import Session
        from dshell.output.console import Console

        self.master, slave = os.openpty()
        os.set_blocking(self.master, True)
        self.tty = open(slave, "w", encoding="utf-8", closefd=True)  # closed in close()
        self.err = io.StringIO()
        self.chunks: list[bytes] = []
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()
        self.session = Session(
            parse_address(daemon), console=Console(stdout=self.tty, stderr=self.err, stdin=None)
        )
        self.session.load_plugins()

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self.chunks.append(data)

    def run(self, line: str) -> int:
        from dshell.core.runner import execute

        status = execute(self.session, line)
        self.tty.flush()
        return status

    def close(self) -> str:
        self.session.close()
        self.tty.close()
        self.reader.join(timeout=5)
        os.close(self.master)
        return b"".join(self.chunks).decode(errors="replace")


def test_terminal_gets_progress_bars_and_no_tar(daemon: str, prefix: str) -> None:
    registry = need_registry()
    ref = f"{registry}/{prefix}/tty:1"
    docker("import", "-", ref, input=one_file_tar(f"unique layer {prefix}".encode()))  # a layer not here yet
    docker("push", ref)
    docker("rmi", ref)
    term = Terminal(daemon)
    try:
        pulled = term.run(f"pull {ref}")
        refused = term.run(f"save {ref}")
    finally:
        screen = term.close()
    assert pulled == 0, term.err.getvalue()
    assert "\x1b[1A\x1b[2K" in screen  # layer lines redrawn in place
    assert screen.rstrip().endswith(ref)
    assert refused == 1 and "refusing to write an image archive to a terminal" in term.err.getvalue()


def test_pull_missing_tag_is_the_registrys_error(shell: Captured, prefix: str) -> None:
    registry = need_registry()
    r = shell.run(f"pull {registry}/{prefix}/nothing:nope")
    assert r.status == 1 and "Traceback" not in r.err
    assert "manifest unknown" in r.err or "not found" in r.err
    r = shell.run("pull Not_A_Reference")
    assert r.status == 2 and "invalid reference format" in r.err


def test_failing_build_step_ends_with_its_error(shell: Captured, prefix: str, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        f"FROM {IMAGE}\nRUN echo before-{prefix} && exit 3\nRUN echo never\n"
    )
    r = shell.run(f"build --force-rm -t {prefix}-fail:1 {tmp_path}")
    assert r.status == 1
    assert f"before-{prefix}" in r.out and "never" not in r.out.replace("RUN echo never", "")
    assert "returned a non-zero code: 3" in r.err
    assert not image_exists(f"{prefix}-fail:1")
    r = shell.run(f"build -t {prefix}-x {tmp_path / 'missing'}")
    assert r.status == 1 and "not found" in r.err


def test_build_from_stdin_quiet_and_options(daemon: str, prefix: str, tmp_path: Path) -> None:
    dockerfile = (
        f"FROM {IMAGE} AS base\nARG GREETING=none\nRUN echo $GREETING > /greeting\nFROM base AS final\n"
    )
    r = run_dshell(
        daemon,
        "-c",
        f"build -q -t {prefix}-stdin:1 --build-arg GREETING=hi-{prefix} --target base -",
        input=dockerfile,
    )
    assert r.status == 0, r.err
    assert r.out.strip().startswith("sha256:") and len(r.out.split()) == 1
    out = docker(
        "run", "--rm", "--name", f"{prefix}-cat", f"{prefix}-stdin:1", "cat", "/greeting"
    ).stdout.decode()
    assert out.strip() == f"hi-{prefix}"
    # a tar on stdin is the whole context, sent as it is
    (tmp_path / "Dockerfile").write_text(f"FROM {IMAGE}\nCOPY hello /hello\n")
    (tmp_path / "hello").write_text("from the tar")
    tar_path = tmp_path / "ctx.tar"
    with tarfile.open(tar_path, "w") as tar:
        tar.add(tmp_path / "Dockerfile", "Dockerfile")
        tar.add(tmp_path / "hello", "hello")
    with tar_path.open("rb") as src:
        proc = subprocess.run(
            check=False,
            args=[DSHELL, daemon, "-c", f"build -t {prefix}-tar:1 -"],
            stdin=src,
            capture_output=True,
            timeout=60,
        )
    assert proc.returncode == 0, proc.stderr
    out = docker(
        "run", "--rm", "--name", f"{prefix}-cat2", f"{prefix}-tar:1", "cat", "/hello"
    ).stdout.decode()
    assert out == "from the tar"


def test_import_with_changes_and_message(shell: Captured, prefix: str, tmp_path: Path) -> None:
    tarball = tmp_path / "rootfs.tar"
    tarball.write_bytes(one_file_tar(b"imported\n"))
    ref = f"{prefix}-imported:1"
    r = shell.run(f"import -c 'CMD [\"/hello\"]' -c 'ENV A=b' -m 'made by {prefix}' {tarball} {ref}")
    assert r.status == 0, r.err
    assert r.out.strip().startswith("sha256:")
    doc = json.loads(docker("image", "inspect", ref).stdout)[0]
    assert doc["Config"]["Cmd"] == ["/hello"] and "A=b" in doc["Config"]["Env"]
    assert doc["Comment"] == f"made by {prefix}"


def test_prune_needs_confirmation_and_honours_filters(shell: Captured, prefix: str, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(f"FROM {IMAGE}\nLABEL {prefix}=prune\n")
    assert shell.run(f"build -t {prefix}-prune:1 {tmp_path}").status == 0
    r = shell.run(f"image prune -a --filter label={prefix}")
    assert r.status == 1 and "-f" in r.err and image_exists(f"{prefix}-prune:1")
    r = shell.run(f"image prune -a -f --filter label={prefix}")
    assert r.status == 0, r.err
    assert r.out.startswith("Deleted Images:\n") and f"untagged: {prefix}-prune:1" in r.out
    assert "Total reclaimed space:" in r.out and not image_exists(f"{prefix}-prune:1")
    assert image_exists(IMAGE)


def test_listing_filters_digests_and_completion(shell: Captured, prefix: str) -> None:
    from dshell.core.completion import CompletionRequest

    docker("tag", IMAGE, f"{prefix}-list:a")
    r = shell.run(f"images --digests --filter reference={prefix}-list")
    header, *rows = r.out.splitlines()
    assert header.split() == ["REPOSITORY", "TAG", "DIGEST", "IMAGE", "ID", "CREATED", "SIZE"]
    assert len(rows) == 1 and rows[0].split()[:3] == [f"{prefix}-list", "a", "<none>"]
    assert rows[0].endswith("B")  # a human-readable size
    r = shell.run(f"images --json {prefix}-list")
    assert json.loads(r.out)[0]["RepoTags"] == [f"{prefix}-list:a"]
    r = shell.run("images --filter dangling=maybe")
    assert r.status == 1
    texts = [c.text for c in shell.session.completers.candidates("image", CompletionRequest(shell.session))]
    image_id = docker("image", "inspect", "-f", "{{.Id}}", IMAGE).stdout.decode().strip()
    assert f"{prefix}-list:a" in texts and image_id.split(":")[1][:12] in texts


def test_search_offline_is_the_daemons_error(shell: Captured) -> None:
    r = shell.run("search busybox")
    assert "Traceback" not in r.err and "internal error" not in r.err
    if r.status != 0:  # no network here: the daemon cannot reach Docker Hub
        assert r.err.startswith("Error: search failed:") and "offline" in r.err
