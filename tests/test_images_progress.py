"""Progress rendering: live per-layer lines on a terminal, plain lines elsewhere."""

from __future__ import annotations

import io
from typing import Any

import pytest

from dshell.errors import CommandFailed
from dshell.output.console import Console
from dshell.output.progress import LayerBoard, format_bar, write_progress
from dshell.output.results import Progress

PULL: list[dict[str, Any]] = [
    {"status": "Pulling from x/y", "id": "1"},
    {"status": "Pulling fs layer", "progressDetail": {}, "id": "aaa"},
    {"status": "Pulling fs layer", "progressDetail": {}, "id": "bbb"},
    {"status": "Downloading", "progressDetail": {"current": 500, "total": 1000}, "id": "aaa"},
    {"status": "Downloading", "progressDetail": {"current": 1000, "total": 1000}, "id": "aaa"},
    {"status": "Pull complete", "progressDetail": {}, "id": "aaa"},
    {"status": "Pull complete", "progressDetail": {}, "id": "bbb"},
    {"status": "Digest: sha256:abc"},
]


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_shapes() -> None:
    assert format_bar(0, 1000, 10) == "[>         ]       0B/1kB"
    assert format_bar(500, 1000, 10) == "[=====>    ]     500B/1kB"
    assert format_bar(1000, 1000, 10).startswith("[==========]")
    assert format_bar(1234, 0) == "1.234kB" and format_bar(0, 0) == ""


def test_terminal_redraws_each_layer_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm")
    out = FakeTerminal()
    write_progress(Progress(iter(PULL)), Console(stdout=out, stderr=io.StringIO(), stdin=None))
    text = out.getvalue()
    assert text.startswith("1: Pulling from x/y\n")
    # layer aaa is line 0 of 2: redrawn two lines up, then the cursor returns
    assert "\x1b[2A\x1b[2K\raaa: Downloading [" in text and "500B/1kB\r\x1b[2B" in text
    assert "\x1b[1A\x1b[2K\rbbb: Pull complete\r\x1b[1B" in text
    assert text.endswith("Digest: sha256:abc\n") and text.count("\n") == 4  # header, 2 layer lines, digest


def test_lines_are_cut_to_the_terminal_width() -> None:
    board = LayerBoard(io.StringIO(), 30)
    line = board.text(
        {"id": "abc", "status": "Downloading", "progressDetail": {"current": 1, "total": 10**9}}
    )
    assert len(line) == 29


def test_pipe_gets_plain_lines_and_errors_fail() -> None:
    out = io.StringIO()
    console = Console(stdout=out, stderr=io.StringIO(), stdin=None)
    write_progress(Progress(iter(PULL)), console)
    assert "\x1b" not in out.getvalue()
    assert out.getvalue().splitlines() == [
        "1: Pulling from x/y",
        "aaa: Pulling fs layer",
        "bbb: Pulling fs layer",
        "aaa: Downloading",
        "aaa: Pull complete",
        "bbb: Pull complete",
        "Digest: sha256:abc",
    ]
    failing: list[dict[str, Any]] = [
        {"status": "x", "id": "a", "progressDetail": {}},
        {"error": "boom", "errorDetail": {"message": "boom"}},
    ]
    for stream in (FakeTerminal(), io.StringIO()):
        with pytest.raises(CommandFailed, match="boom"):
            write_progress(Progress(iter(failing)), Console(stdout=stream, stderr=io.StringIO(), stdin=None))
