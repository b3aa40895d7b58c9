"""The output layer: pure formatting, and rendering of each body type."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from dshell.errors import CommandFailed
from dshell.output.console import Console
from dshell.output.render import (
    RenderContext,
    format_table,
    render,
    render_json_mode,
    render_table_mode,
)
from dshell.output.results import Binary, Document, Frames, Lines, Progress, Result, Table


def test_docker_style_table() -> None:
    text = format_table(("CONTAINER ID", "NAMES"), [("abc", "x"), ("0123456789ab", None)])
    assert text.splitlines() == ["CONTAINER ID   NAMES", "abc            x", "0123456789ab"]


def test_tabulate_style_keeps_strings() -> None:
    text = format_table(("A", "B"), [("007", "1e3")], style="psql")
    assert "007" in text and "1e3" in text and text.startswith("+")


class Cap:
    def __init__(self) -> None:
        self.out = io.BytesIO()
        self.err = io.BytesIO()
        self.console = Console(
            stdout=io.TextIOWrapper(self.out, write_through=True),
            stderr=io.TextIOWrapper(self.err, write_through=True),
            stdin=None,
        )
        self.ctx = RenderContext(self.console)


def test_json_mode_uses_documents() -> None:
    cap = Cap()
    render(Table(("ID",), [("a",)], [{"Id": "a", "More": 1}]), cap.ctx, render_json_mode)
    assert json.loads(cap.out.getvalue()) == [{"Id": "a", "More": 1}]


def test_frames_split_streams_and_daemon_error() -> None:
    cap = Cap()
    render(Frames(iter([(1, b"out\n"), (2, b"err\n"), (1, b"more\n")])), cap.ctx, render_table_mode)
    assert cap.out.getvalue() == b"out\nmore\n" and cap.err.getvalue() == b"err\n"
    with pytest.raises(CommandFailed, match="boom"):
        render(Frames(iter([(3, b"boom")])), cap.ctx, render_table_mode)


def test_errors_and_status() -> None:
    cap = Cap()
    status = render(Result(Lines(["ok"]), errors=["bad thing"]), cap.ctx, render_table_mode, where="f:3")
    assert status == 1 and cap.out.getvalue() == b"ok\n" and cap.err.getvalue() == b"f:3: bad thing\n"
    assert render(Result(Document({}), status=lambda: 7), cap.ctx, render_table_mode) == 7


def test_progress_plain_lines_and_error() -> None:
    cap = Cap()
    events = [
        {"status": "Pulling from x", "id": "1"},
        {"status": "Downloading", "id": "abc", "progressDetail": {"current": 1}},
        {"status": "Downloading", "id": "abc", "progressDetail": {"current": 2}},
        {"status": "Pull complete", "id": "abc"},
        {"status": "Digest: sha256:00"},
    ]
    render(Progress(iter(events)), cap.ctx, render_table_mode)
    assert cap.out.getvalue().decode().splitlines() == [
        "1: Pulling from x",
        "abc: Downloading",
        "abc: Pull complete",
        "Digest: sha256:00",
    ]
    with pytest.raises(CommandFailed, match="manifest unknown"):
        render(
            Progress(iter([{"errorDetail": {"message": "manifest unknown"}, "error": "manifest unknown"}])),
            cap.ctx,
            render_table_mode,
        )


def test_binary_to_file_is_atomic(tmp_path: Path) -> None:
    cap = Cap()
    target = tmp_path / "out.tar"

    def chunks():  # type: ignore[no-untyped-def]
        yield b"a" * 10
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        render(Binary(chunks(), path=str(target)), cap.ctx, render_table_mode)
    assert list(tmp_path.iterdir()) == []
    render(Binary(iter([b"x", b"y"]), path=str(target)), cap.ctx, render_table_mode)
    assert target.read_bytes() == b"xy"
