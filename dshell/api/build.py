"""The build context: a directory tarred as ``docker build`` does, streamed in blocks, never held whole.

:class:`PatternMatcher` reproduces moby's ``patternmatcher`` (``.dockerignore``: ``*``, ``?``, ``[…]``,
``**``, ``!`` exceptions, later lines win, a match on a parent directory counts); :func:`read_ignore_file`
reproduces ``ignorefile.ReadAll`` (comments, leading ``/`` dropped, paths cleaned). :func:`context_chunks`
walks the directory, skips what is ignored (whole directories when no exception can bring a file back) and
yields tar blocks: each header, then the file in 64 KiB reads, so memory stays flat for any context size.
Owners are 0:0, as the CLI sends them.
"""

from __future__ import annotations

import os
import posixpath
import re
import stat
import tarfile
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from dshell.errors import CommandFailed, UsageError

__all__ = [
    "BuildContext",
    "Pattern",
    "PatternMatcher",
    "context_chunks",
    "dockerfile_tar",
    "from_registries",
    "looks_like_archive",
    "prepare_context",
    "read_ignore_file",
    "stream_file",
]

BLOCK = 512
CHUNK = 64 * 1024
_ESCAPE = set(".+()|{}$")


def _clean(path: str) -> str:
    """Go's ``filepath.Clean`` for slash paths (``""`` -> ``.``)."""
    if not path:
        return "."
    cleaned = posixpath.normpath(path)
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    return cleaned


def read_ignore_file(text: str) -> list[str]:
    """The patterns of a ``.dockerignore`` (moby ``ignorefile.ReadAll``)."""
    out: list[str] = []
    for number, raw in enumerate(text.splitlines()):
        line = raw.removeprefix("\ufeff") if number == 0 else raw
        if line.startswith("#"):
            continue
        pattern = line.strip()
        if not pattern:
            continue
        invert = pattern.startswith("!")
        if invert:
            pattern = pattern[1:].strip()
        if pattern:
            pattern = _clean(pattern)
            if len(pattern) > 1 and pattern.startswith("/"):
                pattern = pattern[1:]
        out.append("!" + pattern if invert else pattern)
    return out


def _check_syntax(pattern: str) -> None:
    """Reject what Go's ``filepath.Match`` calls a bad pattern (unclosed ``[``, bad ranges, trailing ``\\``)."""
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= n:
                raise ValueError("syntax error in pattern")
            i += 2
            continue
        if ch == "[":
            i += 1
            if i < n and pattern[i] == "^":
                i += 1
            first = True
            while True:
                if i >= n:
                    raise ValueError("syntax error in pattern")
                if pattern[i] == "]" and not first:
                    i += 1
                    break
                i = _class_char(pattern, i)
                if i < n and pattern[i] == "-":
                    i = _class_char(pattern, i + 1)
                first = False
            continue
        i += 1


def _class_char(pattern: str, i: int) -> int:
    """The index after one character of a ``[…]`` class (an escaped one counts as one)."""
    n = len(pattern)
    if i >= n or pattern[i] in "-]":
        raise ValueError("syntax error in pattern")
    if pattern[i] == "\\":
        if i + 1 >= n:
            raise ValueError("syntax error in pattern")
        return i + 2
    return i + 1


@dataclass
class Pattern:
    """One ``.dockerignore`` line, compiled like moby's ``Pattern.compile``."""

    text: str
    exclusion: bool = False

    def __post_init__(self) -> None:
        self.kind, self.regex = self._compile()

    def _compile(self) -> tuple[str, re.Pattern[str] | None]:
        pattern = self.text
        out = "^"
        kind = "exact"
        i = 0
        n = len(pattern)
        first = True
        while i < n:
            ch = pattern[i]
            i += 1
            if ch == "*":
                if i < n and pattern[i] == "*":
                    i += 1
                    if i < n and pattern[i] == "/":
                        i += 1
                    if i >= n:
                        if kind == "exact":
                            kind = "prefix"
                        else:
                            out += ".*"
                            kind = "regexp"
                    else:
                        out += "(.*/)?"
                        kind = "regexp"
                    if first:
                        kind = "suffix"
                else:
                    out += "[^/]*"
                    kind = "regexp"
            elif ch == "?":
                out += "[^/]"
                kind = "regexp"
            elif ch in _ESCAPE:
                out += "\\" + ch
            elif ch == "\\":
                if i < n:
                    out += re.escape(pattern[i])  # an escaped character stands for itself
                    i += 1
                    kind = "regexp"
                else:
                    out += "\\\\"
            elif ch in "[]":
                out += ch
                kind = "regexp"
            else:
                out += ch
            first = False
        if kind != "regexp":
            return kind, None
        return kind, re.compile(out + "$")

    def match(self, path: str) -> bool:
        """Whether ``path`` (slash-separated, relative) matches this pattern itself."""
        if self.kind == "exact":
            return path == self.text
        if self.kind == "prefix":
            return path.startswith(self.text[:-2])
        if self.kind == "suffix":
            suffix = self.text[2:]
            if path.endswith(suffix):
                return True
            return suffix.startswith("/") and path == suffix[1:]
        assert self.regex is not None
        return self.regex.match(path) is not None


class PatternMatcher:
    """moby's ``PatternMatcher``: patterns in order, ``!`` lines re-include, later lines win."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns: list[Pattern] = []
        for raw in patterns:
            text = raw.strip()
            if not text:
                continue
            text = _clean(text)
            exclusion = text.startswith("!")
            if exclusion:
                if len(text) == 1:
                    raise ValueError('illegal exclusion pattern: "!"')
                text = text[1:]
            _check_syntax(text)
            self.patterns.append(Pattern(text, exclusion))

    @property
    def exclusions(self) -> bool:
        """Whether any pattern is a ``!`` exception."""
        return any(p.exclusion for p in self.patterns)

    def matches(self, path: str) -> bool:
        """``MatchesOrParentMatches``: ``path`` or one of its parent directories is ignored."""
        path = _clean(path)
        if path == ".":
            return False
        parent = posixpath.dirname(path) or "."
        parents = parent.split("/")
        matched = False
        for pattern in self.patterns:
            if pattern.exclusion != matched:
                continue
            hit = pattern.match(path)
            if not hit and parent != ".":
                hit = any(pattern.match("/".join(parents[: i + 1])) for i in range(len(parents)))
            if hit:
                matched = not pattern.exclusion
        return matched

    def may_reinclude(self, directory: str) -> bool:
        """Whether an exception pattern could bring back something under ignored ``directory``."""
        prefix = directory + "/"
        return any(p.exclusion and (p.text + "/").startswith(prefix) for p in self.patterns)


# -- the tar stream --------------------------------------------------------------------------------------


def _header(info: tarfile.TarInfo) -> bytes:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def _file_blocks(fh: BinaryIO, size: int) -> Iterator[bytes]:
    """Exactly ``size`` bytes of ``fh`` in blocks, then the padding to 512 (a file that shrank is padded)."""
    left = size
    while left > 0:
        data = fh.read(min(CHUNK, left))
        if not data:
            yield b"\0" * left
            left = 0
            break
        left -= len(data)
        yield data
    pad = -size % BLOCK
    if pad:
        yield b"\0" * pad


def _entry(root: Path, rel: str) -> Iterator[bytes]:
    """Header and content of one path of the context (regular files, directories, symlinks)."""
    full = root / rel
    st = full.lstat()
    info = tarfile.TarInfo(rel)
    info.mode = stat.S_IMODE(st.st_mode)
    info.mtime = int(st.st_mtime)
    if stat.S_ISDIR(st.st_mode):
        info.type = tarfile.DIRTYPE
        yield _header(info)
    elif stat.S_ISLNK(st.st_mode):
        info.type = tarfile.SYMTYPE
        info.linkname = os.readlink(full)
        yield _header(info)
    elif stat.S_ISREG(st.st_mode):
        try:
            fh = open(full, "rb")  # noqa: SIM115 - closed in finally, after the generator is done with it
        except OSError as exc:
            raise CommandFailed(f"cannot read {full}: {exc.strerror or exc}") from None
        try:
            info.size = st.st_size
            yield _header(info)
            yield from _file_blocks(fh, st.st_size)
        finally:
            fh.close()
    # sockets, fifos and devices are not sent, as with the CLI


def _walk(root: Path, matcher: PatternMatcher) -> Iterator[str]:
    """Relative slash paths under ``root`` that are not ignored, sorted, each directory before its contents.

    An ignored directory is skipped whole unless an exception pattern may bring back something inside it
    (then it is walked, but not itself sent), as the CLI's ``TarWithOptions`` does.
    """
    stack = [""]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(root / current if current else root) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            raise CommandFailed(f"cannot read {root / current}: {exc.strerror or exc}") from None
        subdirs: list[str] = []
        for entry in entries:
            rel = f"{current}/{entry.name}" if current else entry.name
            is_dir = entry.is_dir(follow_symlinks=False)
            if matcher.matches(rel):
                if is_dir and matcher.may_reinclude(rel):
                    subdirs.append(rel)
                continue
            if is_dir:
                subdirs.append(rel)
            yield rel
        stack.extend(reversed(subdirs))


def context_chunks(
    root: Path, matcher: PatternMatcher, extra: Iterable[tuple[str, bytes]] = ()
) -> Iterator[bytes]:
    """The tar stream of ``root`` without what ``matcher`` ignores, plus ``extra`` (name, content) files."""
    for rel in _walk(root, matcher):
        yield from _entry(root, rel)
    for name, content in extra:
        yield from _bytes_entry(name, content)
    yield b"\0" * (BLOCK * 2)


def _bytes_entry(name: str, content: bytes) -> Iterator[bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mode = 0o644
    yield _header(info)
    yield content
    pad = -len(content) % BLOCK
    if pad:
        yield b"\0" * pad


def dockerfile_tar(content: bytes, name: str = "Dockerfile") -> Iterator[bytes]:
    """A context holding only a Dockerfile (``docker build - < Dockerfile``)."""
    yield from _bytes_entry(name, content)
    yield b"\0" * (BLOCK * 2)


def stream_file(fh: BinaryIO, head: bytes = b"") -> Iterator[bytes]:
    """``head`` (bytes already read), then ``fh`` in 64 KiB blocks."""
    if head:
        yield head
    while True:
        data = fh.read(CHUNK)
        if not data:
            return
        yield data


def looks_like_archive(head: bytes) -> bool:
    """Whether the first bytes of stdin are a tar (plain, gzip, bzip2, xz or zstd) rather than a Dockerfile."""
    compressed = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd")
    if any(head.startswith(magic) for magic in compressed):
        return True
    return len(head) >= 262 and head[257:262] == b"ustar"


# -- preparing a build -------------------------------------------------------------------------------------


@dataclass
class BuildContext:
    """What ``POST /build`` gets: the tar stream, the ``dockerfile`` parameter, and the Dockerfile's text
    when dshell read it (to know which registries the ``FROM`` lines name)."""

    chunks: Iterable[bytes]
    dockerfile: str | None
    dockerfile_text: str | None


def prepare_context(path: str, dockerfile: str | None, stdin: BinaryIO | None) -> BuildContext:
    """The context for ``build PATH`` with ``-f`` (a path, relative to the current directory, or ``-``).

    A Dockerfile outside the context, or read from stdin, is added under a random name, as the CLI does.
    Fails early (before anything is sent) for a missing directory or Dockerfile and a bad ``.dockerignore``.
    """
    root = Path(path)
    if not root.is_dir():
        raise CommandFailed(f"unable to prepare context: path {path!r} not found or not a directory")
    root = root.resolve()
    extra: list[tuple[str, bytes]] = []
    text: str | None = None
    if dockerfile == "-":
        if stdin is None:
            raise UsageError("build: -f - needs the Dockerfile on stdin")
        content = stdin.read()
        name = f".dockerfile.{uuid.uuid4().hex[:20]}"
        extra.append((name, content))
        text = content.decode(errors="replace")
        rel = name
    else:
        target = Path(dockerfile) if dockerfile else root / "Dockerfile"
        if dockerfile is None and not target.exists() and (root / "dockerfile").exists():
            target = root / "dockerfile"
        target = target.resolve()
        if not target.is_file():
            raise CommandFailed(f"unable to prepare context: cannot locate Dockerfile {str(target)!r}")
        text = target.read_text(errors="replace")
        try:
            rel = target.relative_to(root).as_posix()
        except ValueError:
            rel = f".dockerfile.{uuid.uuid4().hex[:20]}"
            extra.append((rel, target.read_bytes()))
    patterns: list[str] = []
    ignore = root / ".dockerignore"
    if ignore.is_file():
        patterns = read_ignore_file(ignore.read_text(errors="replace"))
    try:
        matcher = PatternMatcher(patterns)
        # the CLI sends the Dockerfile and .dockerignore even when ignored (TrimBuildFilesFromExcludes)
        kept = [f"!{name}" for name in (".dockerignore", rel) if matcher.matches(name)]
        if kept:
            matcher = PatternMatcher(patterns + kept)
    except ValueError as exc:
        raise CommandFailed(f"error checking context: .dockerignore: {exc}") from None
    return BuildContext(context_chunks(root, matcher, extra), rel, text)


_FROM_RE = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)", re.IGNORECASE | re.MULTILINE)


def from_registries(dockerfile_text: str) -> list[str]:
    """The ``auth_key`` of every registry a Dockerfile's ``FROM`` lines name (stages and ``$ARG``s skipped)."""
    from dshell.api.reference import parse_reference

    stages = {
        m.lower() for m in re.findall(r"\bAS\s+(\S+)\s*$", dockerfile_text, re.IGNORECASE | re.MULTILINE)
    }
    keys: list[str] = []
    for image in _FROM_RE.findall(dockerfile_text):
        if "$" in image or image.lower() in stages or image == "scratch":
            continue
        try:
            key = parse_reference(image).auth_key
        except ValueError:
            continue
        if key not in keys:
            keys.append(key)
    return keys
