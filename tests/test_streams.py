"""Stream decoding (pure): JSON documents, multiplexed frames and lines, under every chunking."""

from __future__ import annotations

import itertools
import json
import struct
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from dshell.api.streams import STDERR, STDOUT, SYSTEMERR, iter_frames, iter_json_documents, iter_lines


def frame(kind: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxL", kind, len(payload)) + payload


def cut(data: bytes, *points: int) -> list[bytes]:
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def bytewise(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


def every_two_way_split(data: bytes) -> Iterator[list[bytes]]:
    for i in range(len(data) + 1):
        yield cut(data, i)


def every_three_way_split(data: bytes) -> Iterator[list[bytes]]:
    for i in range(len(data) + 1):
        for j in range(i, len(data) + 1):
            yield cut(data, i, j)


def merged(frames: Iterable[tuple[int, bytes]]) -> list[tuple[int, bytes]]:
    """Consecutive payloads of one stream joined: what any chunking must agree on."""
    out: list[tuple[int, bytes]] = []
    for kind, payload in frames:
        assert payload, "payloads are never empty"
        if out and out[-1][0] == kind:
            out[-1] = (kind, out[-1][1] + payload)
        else:
            out.append((kind, payload))
    return out


class Exhausted(Exception):
    pass


def then_fail(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The chunks, then an error if the consumer asks for more (proves it stopped early)."""
    yield from chunks
    raise Exhausted


# --- JSON documents ------------------------------------------------------------------------------

PROGRESS = (
    b'{"status":"Pulling from library/busybox","id":"latest"}\r\n'
    b'{"status":"Downloading","progressDetail":{"current":1,"total":2},"id":"a\xc3\xa9\xe2\x82\xac"}\n'
    b"\n"
    b'{"stream":"Step 1/2 : FROM busybox\\n"}{"aux":{"ID":"sha256:abc"}}  [1, 2]\t"s" 12 true null -3.5e2\n'
    b'{"errorDetail":{"message":"boom"},"error":"boom"}'
)
EXPECTED_DOCS: list[Any] = [
    {"status": "Pulling from library/busybox", "id": "latest"},
    {"status": "Downloading", "progressDetail": {"current": 1, "total": 2}, "id": "aé€"},
    {"stream": "Step 1/2 : FROM busybox\n"},
    {"aux": {"ID": "sha256:abc"}},
    [1, 2],
    "s",
    12,
    True,
    None,
    -350.0,
    {"errorDetail": {"message": "boom"}, "error": "boom"},
]


def test_json_whole() -> None:
    assert list(iter_json_documents([PROGRESS])) == EXPECTED_DOCS


def test_json_byte_by_byte() -> None:
    assert list(iter_json_documents(bytewise(PROGRESS))) == EXPECTED_DOCS


def test_json_every_two_way_split() -> None:
    for chunks in every_two_way_split(PROGRESS):
        assert list(iter_json_documents(chunks)) == EXPECTED_DOCS, chunks


def test_json_every_three_way_split_of_a_small_stream() -> None:
    data = b'{"a":1}\n{"b":"\xc3\xa9"}12 3\n'
    for chunks in every_three_way_split(data):
        assert list(iter_json_documents(chunks)) == [{"a": 1}, {"b": "é"}, 12, 3], chunks


def test_json_number_split_across_chunks_is_not_cut() -> None:
    assert list(iter_json_documents([b"12", b"34"])) == [1234]
    assert list(iter_json_documents([b"12", b"34 5"])) == [1234, 5]
    assert list(iter_json_documents([b"-3.", b"5e", b"2", b"\n"])) == [-350.0]


@pytest.mark.parametrize("data", [b"", b"   ", b"\n\r\n\t"])
def test_json_empty_streams(data: bytes) -> None:
    assert list(iter_json_documents([data])) == []
    assert list(iter_json_documents([])) == []


def test_json_yields_each_document_as_soon_as_it_is_complete() -> None:
    docs = iter_json_documents(then_fail([b'{"a":1}\n{"b"', b":2}\n"]))
    assert next(docs) == {"a": 1}
    assert next(docs) == {"b": 2}
    with pytest.raises(Exhausted):
        next(docs)


def test_json_large_document_across_many_chunks() -> None:
    doc = {"items": [{"n": i, "s": "x" * 50} for i in range(40_000)]}
    data = json.dumps(doc).encode() + b"\n" + json.dumps({"end": True}).encode()
    assert len(data) > 2 << 20
    chunks = [data[i : i + 4096] for i in range(0, len(data), 4096)]
    assert list(iter_json_documents(chunks)) == [doc, {"end": True}]


@pytest.mark.parametrize(
    "chunks",
    [
        [b"<html>404 page not found</html>\n"],
        [b'{"a":1}\nnot json\n'],
        [b'{"a" 1}\n{"b":2}\n'],
        [b'{"a": "line\nbreak"}\n'],
        [b'{"a":1}', b"}\n"],
        [b'{"a":', b"]\n"],
    ],
)
def test_json_garbage_raises(chunks: list[bytes]) -> None:
    with pytest.raises(ValueError, match="invalid JSON"):
        list(iter_json_documents(chunks))


def test_json_garbage_raises_without_reading_on() -> None:
    docs = iter_json_documents(then_fail([b'{"ok":1}\n', b"Error: no such image\n"]))
    assert next(docs) == {"ok": 1}
    with pytest.raises(ValueError, match="invalid JSON"):
        next(docs)
    docs = iter_json_documents(then_fail([b'{"a" 1}\n']))
    with pytest.raises(ValueError, match="invalid JSON"):
        next(docs)


@pytest.mark.parametrize("data", [b'{"a":1', b'{"a":"abc', b"[1,2,", b"tru", b'{"a":1}\n{'])
def test_json_truncated_stream_raises(data: bytes) -> None:
    with pytest.raises(ValueError, match="invalid JSON"):
        list(iter_json_documents(bytewise(data)))


def test_json_invalid_utf8_raises() -> None:
    with pytest.raises(ValueError, match="UTF-8"):
        list(iter_json_documents([b'{"a":"\xff"}\n']))
    with pytest.raises(ValueError, match="UTF-8"):
        list(iter_json_documents([b'{"a":"\xc3']))


# --- multiplexed frames --------------------------------------------------------------------------

MUX = (
    frame(STDOUT, b"line 1\n")
    + frame(STDOUT, b"line 2\n")
    + frame(STDERR, b"oops\n")
    + frame(STDOUT, b"")
    + frame(STDERR, b"again\n")
    + frame(STDOUT, b"x" * 300)
    + frame(SYSTEMERR, b"daemon error")
    + frame(0, b"in")
)
EXPECTED_FRAMES = [
    (STDOUT, b"line 1\nline 2\n"),
    (STDERR, b"oops\nagain\n"),
    (STDOUT, b"x" * 300),
    (SYSTEMERR, b"daemon error"),
    (0, b"in"),
]


def test_frames_whole_chunk_coalesces_per_stream() -> None:
    assert list(iter_frames([MUX])) == EXPECTED_FRAMES


def test_frames_byte_by_byte() -> None:
    assert merged(iter_frames(bytewise(MUX))) == EXPECTED_FRAMES


def test_frames_every_two_way_split() -> None:
    for chunks in every_two_way_split(MUX):
        assert merged(iter_frames(chunks)) == EXPECTED_FRAMES, [len(c) for c in chunks]


def test_frames_every_three_way_split_of_a_small_stream() -> None:
    data = frame(STDOUT, b"ab") + frame(STDERR, b"") + frame(STDERR, b"cd") + frame(STDOUT, b"e")
    for chunks in every_three_way_split(data):
        assert merged(iter_frames(chunks)) == [(STDOUT, b"ab"), (STDERR, b"cd"), (STDOUT, b"e")]


@pytest.mark.parametrize("size", [1, 3, 7, 8, 9, 15, 16, 17, 64, 1000])
def test_frames_fixed_chunk_sizes(size: int) -> None:
    chunks = [MUX[i : i + size] for i in range(0, len(MUX), size)]
    assert merged(iter_frames(chunks)) == EXPECTED_FRAMES


def test_frames_one_yield_per_stream_run_per_chunk() -> None:
    data = b"".join(frame(STDOUT, b"%d\n" % i) for i in range(1000))
    assert list(iter_frames([data])) == [(STDOUT, b"".join(b"%d\n" % i for i in range(1000)))]


def test_frames_large_frame_comes_out_as_it_arrives() -> None:
    payload = bytes(range(256)) * 1024
    data = frame(STDOUT, payload)
    chunks = [data[i : i + 4096] for i in range(0, len(data), 4096)]
    gen = iter_frames(then_fail(chunks))
    first = next(gen)  # the first piece arrives before the rest of the frame is read
    assert first == (STDOUT, payload[: 4096 - 8])
    pieces = [first[1]]
    with pytest.raises(Exhausted):
        for kind, piece in gen:
            assert kind == STDOUT
            assert len(piece) <= 4096
            pieces.append(piece)
    assert b"".join(pieces) == payload


def test_frames_yield_bytes() -> None:
    for _, payload in iter_frames(cut(MUX, 5, 20, 33)):
        assert type(payload) is bytes


def test_frames_empty_and_only_empty() -> None:
    assert list(iter_frames([])) == []
    assert list(iter_frames([b"", b""])) == []
    assert list(iter_frames([frame(STDOUT, b"") * 3])) == []


@pytest.mark.parametrize(
    ("data", "received"),
    [
        (frame(STDOUT, b"abc")[:5], []),
        (frame(STDOUT, b"ok") + frame(STDERR, b"abc")[:7], [(STDOUT, b"ok")]),
        (frame(STDOUT, b"ok") + frame(STDERR, b"abcdef")[:10], [(STDOUT, b"ok"), (STDERR, b"ab")]),
    ],
)
def test_frames_truncated_stream(data: bytes, received: list[tuple[int, bytes]]) -> None:
    for chunks in ([data], bytewise(data)):
        got: list[tuple[int, bytes]] = []
        with pytest.raises(ValueError, match="stream ended inside a frame"):
            got.extend(iter_frames(chunks))
        assert merged(got) == received


@pytest.mark.parametrize(
    "chunks", [[frame(4, b"x")], [frame(STDOUT, b"a") + frame(9, b"b")], bytewise(b"{json}\n\n")]
)
def test_frames_unknown_stream_type(chunks: list[bytes]) -> None:
    with pytest.raises(ValueError, match="unrecognized stream type"):
        list(iter_frames(chunks))


def test_frames_accept_bytearray_and_memoryview_chunks() -> None:
    chunks: list[Any] = [bytearray(MUX[:10]), memoryview(MUX[10:])]
    assert merged(iter_frames(chunks)) == EXPECTED_FRAMES


# --- lines ---------------------------------------------------------------------------------------

TEXT = b"first\nsecond line\n\nthird \xc3\xa9\nunterminated"
LINES = [b"first", b"second line", b"", b"third \xc3\xa9", b"unterminated"]


def test_lines_whole() -> None:
    assert list(iter_lines([TEXT])) == LINES


def test_lines_every_chunking() -> None:
    for chunks in [*every_two_way_split(TEXT), bytewise(TEXT)]:
        assert list(iter_lines(chunks)) == LINES


def test_lines_keepends() -> None:
    for chunks in [[TEXT], bytewise(TEXT)]:
        assert list(iter_lines(chunks, keepends=True)) == [
            b"first\n",
            b"second line\n",
            b"\n",
            b"third \xc3\xa9\n",
            b"unterminated",
        ]


@pytest.mark.parametrize(
    ("chunks", "lines"),
    [
        ([], []),
        ([b""], []),
        ([b"\n"], [b""]),
        ([b"a\n"], [b"a"]),
        ([b"a", b"b", b"c\n", b"d"], [b"abc", b"d"]),
        ([b"\n\n"], [b"", b""]),
        ([b"a\r\n"], [b"a\r"]),
    ],
)
def test_lines_edges(chunks: list[bytes], lines: list[bytes]) -> None:
    assert list(iter_lines(chunks)) == lines


def test_lines_are_yielded_as_soon_as_complete() -> None:
    lines = iter_lines(then_fail([b"a\nb", b"c\n"]))
    assert next(lines) == b"a"
    assert next(lines) == b"bc"
    with pytest.raises(Exhausted):
        next(lines)
