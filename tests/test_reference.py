"""Image reference parsing and normalisation (pure), checked against distribution/reference's rules."""

from __future__ import annotations

import pytest

from dshell.api.reference import ImageRef, parse_reference, split_repo_tag

DIGEST = "sha256:" + "0123456789abcdef" * 4


@pytest.mark.parametrize(
    ("text", "registry", "path", "tag", "digest"),
    [
        ("busybox", "docker.io", "library/busybox", None, None),
        ("busybox:1.36", "docker.io", "library/busybox", "1.36", None),
        ("library/busybox", "docker.io", "library/busybox", None, None),
        ("docker.io/busybox", "docker.io", "library/busybox", None, None),
        ("docker.io/library/busybox:1", "docker.io", "library/busybox", "1", None),
        ("index.docker.io/busybox", "docker.io", "library/busybox", None, None),
        ("index.docker.io/ns/name", "docker.io", "ns/name", None, None),
        ("ns/name", "docker.io", "ns/name", None, None),
        ("a/b/c:tag", "docker.io", "a/b/c", "tag", None),
        ("host:5000/name", "host:5000", "name", None, None),
        ("host:5000/name:5000", "host:5000", "name", "5000", None),
        ("localhost/x", "localhost", "x", None, None),
        ("localhost:5000/x/y:z", "localhost:5000", "x/y", "z", None),
        ("127.0.0.1:5000/x", "127.0.0.1:5000", "x", None, None),
        ("[::1]:5000/x", "[::1]:5000", "x", None, None),
        ("registry.example.com/team/app:v1.2.3", "registry.example.com", "team/app", "v1.2.3", None),
        (f"busybox@{DIGEST}", "docker.io", "library/busybox", None, DIGEST),
        (f"busybox:1@{DIGEST}", "docker.io", "library/busybox", "1", DIGEST),
        (f"host:5000/x@{DIGEST}", "host:5000", "x", None, DIGEST),
        ("a.b-c/e__f--g.h:Tag_1.x-Y", "a.b-c", "e__f--g.h", "Tag_1.x-Y", None),
        ("localhost", "docker.io", "library/localhost", None, None),
        ("localhost:5000", "docker.io", "library/localhost", "5000", None),  # no slash: a tag
        ("Upper/name", "Upper", "name", None, None),  # an upper-case first component is a host
        ("x:" + "t" * 128, "docker.io", "library/x", "t" * 128, None),
    ],
)
def test_parse(text: str, registry: str, path: str, tag: str | None, digest: str | None) -> None:
    assert parse_reference(text) == ImageRef(registry, path, tag, digest)


@pytest.mark.parametrize(
    ("text", "familiar", "name", "repository"),
    [
        ("busybox", "busybox", "docker.io/library/busybox", "busybox"),
        ("docker.io/library/busybox:1", "busybox:1", "docker.io/library/busybox", "busybox"),
        ("ns/name:t", "ns/name:t", "docker.io/ns/name", "ns/name"),
        ("docker.io/library/a/b", "library/a/b", "docker.io/library/a/b", "library/a/b"),
        ("localhost:5000/x:y", "localhost:5000/x:y", "localhost:5000/x", "localhost:5000/x"),
        (f"busybox:1@{DIGEST}", f"busybox:1@{DIGEST}", "docker.io/library/busybox", "busybox"),
    ],
)
def test_familiar_forms(text: str, familiar: str, name: str, repository: str) -> None:
    ref = parse_reference(text)
    assert str(ref) == familiar
    assert ref.name == name
    assert ref.repository == repository
    assert parse_reference(str(ref)) == ref
    assert parse_reference(ref.full()) == ref


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("busybox", "busybox:latest"),
        ("busybox:1", "busybox:1"),
        (f"busybox@{DIGEST}", f"busybox@{DIGEST}"),
        (f"busybox:1@{DIGEST}", f"busybox:1@{DIGEST}"),
    ],
)
def test_with_default_tag(text: str, expected: str) -> None:
    assert str(parse_reference(text).with_default_tag()) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("busybox", "https://index.docker.io/v1/"),
        ("index.docker.io/ns/x", "https://index.docker.io/v1/"),
        ("localhost:5000/x", "localhost:5000"),
        ("127.0.0.1:5001/a/b:c", "127.0.0.1:5001"),
        ("ghcr.io/o/r", "ghcr.io"),
    ],
)
def test_auth_key(text: str, key: str) -> None:
    assert parse_reference(text).auth_key == key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("busybox", ("busybox", None)),
        ("busybox:1.36", ("busybox", "1.36")),
        ("docker.io/library/busybox:1", ("busybox", "1")),
        ("127.0.0.1:5000/x:y", ("127.0.0.1:5000/x", "y")),
        ("host:5000/name", ("host:5000/name", None)),
        (f"busybox:1@{DIGEST}", ("busybox", DIGEST)),  # the digest wins, as in the CLI
    ],
)
def test_split_repo_tag(text: str, expected: tuple[str, str | None]) -> None:
    assert split_repo_tag(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "at least one component"),
        ("UPPER", "must be lowercase"),
        ("ns/Name:tag", "must be lowercase"),
        ("host:5000/UP", "must be lowercase"),
        ("busybox:" + "t" * 129, "128"),
        ("busybox:", "invalid tag"),
        ("busybox:-x", "invalid tag"),
        ("busybox:tag:tag", "invalid tag"),
        ("busybox@sha256:abc", "invalid digest"),
        ("busybox@sha256:" + "A" * 64, "invalid digest"),
        ("busybox@sha256:" + "a" * 63, "invalid digest"),
        ("busybox@md5:" + "a" * 32, "unsupported digest algorithm"),
        ("busybox@", "invalid digest"),
        ("a" * 64, "64-byte hexadecimal"),
        ("busy box", "invalid reference format"),
        ("-x", "invalid reference format"),
        ("a//b", "invalid reference format"),
        ("a/", "invalid reference format"),
        ("/a", "invalid reference format"),
        ("x__-y", "invalid reference format"),
        ("a.b_c/d", "invalid reference format"),  # "_" is not allowed in a host name
        ("ns/" + "a" * 300, "255"),
    ],
)
def test_invalid(text: str, message: str) -> None:
    with pytest.raises(ValueError, match="invalid reference format") as info:
        parse_reference(text)
    assert message in str(info.value)


def test_is_official() -> None:
    assert parse_reference("busybox").is_official
    assert not parse_reference("ns/busybox").is_official
    assert not parse_reference("localhost:5000/busybox").is_official
