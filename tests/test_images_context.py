"""The build context: .dockerignore patterns as moby's patternmatcher, and the streamed tar."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from dshell.api.build import (
    PatternMatcher,
    context_chunks,
    from_registries,
    looks_like_archive,
    prepare_context,
    read_ignore_file,
)

# (pattern, path, ignored) from moby/patternmatcher's TestMatches (MatchesOrParentMatches column).
MATCHES = [
    ("**", "file", True),
    ("**", "file/", True),
    ("**/", "file", True),
    ("**/", "file/", True),
    ("**", "/", True),
    ("**/", "/", True),
    ("**", "dir/file", True),
    ("**/", "dir/file", True),
    ("**/**", "dir/file", True),
    ("dir/**", "dir/file", True),
    ("dir/**", "dir/dir2/file", True),
    ("**/dir", "dir", True),
    ("**/dir", "dir/file", True),
    ("**/dir2/*", "dir/dir2/file", True),
    ("**/dir2/*", "dir/dir2/file/", True),
    ("**/dir2/**", "dir/dir2/dir3/file", True),
    ("**file", "file", True),
    ("**file", "dir/file", True),
    ("**/file", "dir/file", True),
    ("**file", "dir/dir/file", True),
    ("**/file", "dir/dir/file", True),
    ("**/file*", "dir/dir/file", True),
    ("**/file*", "dir/dir/file.txt", True),
    ("**/file*txt", "dir/dir/file.txt", True),
    ("**/file*.txt", "dir/dir/file.txt", True),
    ("**/file*.txt*", "dir/dir/file.txt", True),
    ("**/**/*.txt", "dir/dir/file.txt", True),
    ("**/**/*.txt2", "dir/dir/file.txt", False),
    ("**/*.txt", "file.txt", True),
    ("**/**/*.txt", "file.txt", True),
    ("a**/*.txt", "a/file.txt", True),
    ("a**/*.txt", "a/dir/file.txt", True),
    ("a**/*.txt", "a/dir/dir/file.txt", True),
    ("a/*.txt", "a/dir/file.txt", False),
    ("a/*.txt", "a/file.txt", True),
    ("a/*.txt**", "a/file.txt", True),
    ("a[b-d]e", "ae", False),
    ("a[b-d]e", "ace", True),
    ("a[b-d]e", "aae", False),
    ("a[^b-d]e", "aze", True),
    (".*", ".foo", True),
    (".*", "foo", False),
    ("abc.def", "abcdef", False),
    ("abc.def", "abc.def", True),
    ("abc.def", "abcZdef", False),
    ("abc?def", "abcZdef", True),
    ("abc?def", "abcdef", False),
    ("**/foo/bar", "foo/bar", True),
    ("**/foo/bar", "dir/foo/bar", True),
    ("**/foo/bar", "dir/dir2/foo/bar", True),
    ("abc/**", "abc", False),
    ("abc/**", "abc/def", True),
    ("abc/**", "abc/def/ghi", True),
    ("**/.foo", ".foo", True),
    ("**/.foo", "bar.foo", False),
    ("a(b)c/def", "a(b)c/def", True),
    ("a(b)c/def", "a(b)c/xyz", False),
    ("a.|)$(}+{bc", "a.|)$(}+{bc", True),
    ("dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", True),
    ("a\\\\", "a\\", True),
    ("a\\*b", "a*b", True),
    ("a\\*b", "ab", False),
    ("*", "fileutils.go", True),
    ("*.go", "fileutils.go", True),
    ("a*/b", "abc/b", True),
    ("a*/b", "a/c/b", False),
    ("a*b?c*x", "abxbbxdbxebxczzx", True),
    ("[\\]a]", "]", True),
    ("[\\-x]", "-", True),
    ("a?b", "a/b", False),
    ("a*b", "a/b", False),
]


@pytest.mark.parametrize(("pattern", "path", "ignored"), MATCHES)
def test_pattern_matches_like_moby(pattern: str, path: str, ignored: bool) -> None:
    assert PatternMatcher([pattern]).matches(path) is ignored


@pytest.mark.parametrize(
    ("patterns", "path", "ignored"),
    [
        (["**", "!util/docker/web"], "util/docker/web/foo", False),
        (["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", True),
        (["**", "!dist/*.whl"], "dist/proxy.py-2.4.0rc3-py3-none-any.whl", False),
        (["!fileutils.go", "*.go"], "fileutils.go", True),
        (["*.go", "!fileutils.go"], "fileutils.go", False),
        (["docs", "!docs/README.md"], "docs/README.md", False),
        (["docs/", "!docs/README.md"], "docs/README.md", False),
        (["docs/*", "!docs/README.md"], "docs/README.md", False),
        (["*.go"], ".", False),
    ],
)
def test_exceptions_and_order(patterns: list[str], path: str, ignored: bool) -> None:
    assert PatternMatcher(patterns).matches(path) is ignored


@pytest.mark.parametrize("bad", ["!", "[", "a[", "[^bc", "[-]", "[x-]", "\\", "[a-b-c]"])
def test_bad_patterns_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        PatternMatcher([bad])


def test_read_ignore_file_like_the_cli() -> None:
    text = "\ufefftest1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! \n  x/../y  \n"
    assert read_ignore_file(text) == [
        "test1",
        "test2",
        "a/file/here",
        "lastfile",
        "!inverted/abs/path",
        "!",
        "!",
        "y",
    ]


def _tree(root: Path) -> None:
    (root / "keep").mkdir()
    (root / "keep" / "a.txt").write_text("a")
    (root / "logs").mkdir()
    (root / "logs" / "x.log").write_text("x")
    (root / "logs" / "important.log").write_text("i")
    (root / "deep" / "er").mkdir(parents=True)
    (root / "deep" / "er" / "secret.key").write_text("k")
    (root / "top.key").write_text("k")
    (root / "big.bin").write_bytes(b"\x01" * 200_000)
    (root / "link").symlink_to("keep/a.txt")


def _names(chunks: object) -> dict[str, tarfile.TarInfo]:
    data = b"".join(chunks)  # type: ignore[arg-type]
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: m for m in tar.getmembers()}


def test_context_honours_dockerignore(tmp_path: Path) -> None:
    _tree(tmp_path)
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / ".dockerignore").write_text(
        "logs\n!logs/important.log\n**/*.key\n/Dockerfile\n.dockerignore\n"
    )
    ctx = prepare_context(str(tmp_path), None, None)
    assert ctx.dockerfile == "Dockerfile"
    members = _names(ctx.chunks)
    assert "logs/important.log" in members and "logs/x.log" not in members and "logs" not in members
    assert "top.key" not in members and "deep/er/secret.key" not in members and "deep/er" in members
    assert "Dockerfile" in members and ".dockerignore" in members  # sent even when ignored, as the CLI does
    assert members["big.bin"].size == 200_000 and members["link"].issym()
    assert all(m.uid == 0 and m.gid == 0 for m in members.values())


def test_context_is_streamed_in_blocks(tmp_path: Path) -> None:
    (tmp_path / "big.bin").write_bytes(b"\x02" * (1 << 20))
    sizes = [len(c) for c in context_chunks(tmp_path, PatternMatcher([]))]
    assert max(sizes) <= 64 * 1024 and sum(sizes) % 512 == 0


def test_dockerfile_outside_context_is_added(tmp_path: Path) -> None:
    ctx_dir = tmp_path / "ctx"
    ctx_dir.mkdir()
    other = tmp_path / "Other.dockerfile"
    other.write_text("FROM 127.0.0.1:5001/base:1\nFROM base AS b\n")
    ctx = prepare_context(str(ctx_dir), str(other), None)
    assert ctx.dockerfile is not None and ctx.dockerfile.startswith(".dockerfile.")
    assert list(_names(ctx.chunks)) == [ctx.dockerfile]
    assert from_registries(ctx.dockerfile_text or "") == ["127.0.0.1:5001", "https://index.docker.io/v1/"]


def test_missing_context_and_dockerfile_fail_early(tmp_path: Path) -> None:
    from dshell.errors import CommandFailed

    with pytest.raises(CommandFailed, match="not found"):
        prepare_context(str(tmp_path / "nope"), None, None)
    with pytest.raises(CommandFailed, match="Dockerfile"):
        prepare_context(str(tmp_path), None, None)


def test_archive_sniffing() -> None:
    assert looks_like_archive(b"\x1f\x8b\x08rest")
    assert looks_like_archive(b"x" * 257 + b"ustar\x0000")
    assert not looks_like_archive(b"FROM scratch\n")
