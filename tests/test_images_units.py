"""Pure pieces of the images plugin: table lines, sizes, build arguments, query building."""

from __future__ import annotations

import pytest

from dshell.api.images import repeated_query
from dshell.errors import UsageError
from dshell.plugins.images import image_entries, image_size, split_tag
from dshell.plugins.images.build import build_args


def test_sizes_like_docker_images() -> None:
    assert image_size(1992863) == "1.99MB"
    assert image_size(0) == "0B" and image_size(999) == "999B" and image_size(3216) == "3.22kB"


def test_one_line_per_repository_tag_with_digest() -> None:
    img = {
        "RepoTags": ["127.0.0.1:5000/a/b:1", "127.0.0.1:5000/a/b:2", "c:latest"],
        "RepoDigests": ["127.0.0.1:5000/a/b@sha256:aa", "d@sha256:dd"],
    }
    assert image_entries(img) == [
        ("127.0.0.1:5000/a/b", "1", "sha256:aa"),
        ("127.0.0.1:5000/a/b", "2", "sha256:aa"),
        ("c", "latest", "<none>"),
        ("d", "<none>", "sha256:dd"),
    ]
    assert image_entries({"RepoTags": ["<none>:<none>"], "RepoDigests": ["<none>@<none>"]}) == [
        ("<none>", "<none>", "<none>")
    ]
    assert split_tag("localhost:5000/x") == ("localhost:5000/x", "<none>")


def test_build_args_take_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FROM_ENV", "e")
    monkeypatch.delenv("UNSET_ONE", raising=False)
    assert build_args(["A=1", "B=", "FROM_ENV", "UNSET_ONE"]) == {
        "A": "1",
        "B": "",
        "FROM_ENV": "e",
        "UNSET_ONE": None,
    }
    with pytest.raises(UsageError):
        build_args(["=x"])


def test_repeated_query_encodes_everything() -> None:
    assert repeated_query("/build", "t", []) == "/build"
    path = repeated_query("/build", "t", ["a:1", "x/{y}:2"])
    assert path == "/build?t=a%3A1&t=x%2F%7By%7D%3A2"
    assert path.format() == path  # no braces left for the client's path formatting
