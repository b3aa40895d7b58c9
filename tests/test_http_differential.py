"""Differential tests: generated replies go through dshell's connection layer (over a real socket pair) and
through h11, a strict reference parser; both must agree on accept/reject, status, headers and body."""

from __future__ import annotations

import socket
import threading

import h11
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dshell.api.http.connection import Connection, Deadline
from dshell.errors import DshellError

TOKEN = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-!#$%&'*+.^_`|~", min_size=1, max_size=12
)
VALUE = st.text("abc XYZ09=;,/:\"()'-_.", max_size=20).map(str.strip)
BAD_LINE = st.sampled_from(["X-A : b", "X A: b", " X-A: b", "X-A: b\rc", "X-A", ": b", "X-A: b\x00"])
BODY = st.binary(max_size=300)


@st.composite
def replies(draw: st.DrawFn) -> bytes:
    version = draw(st.sampled_from(["HTTP/1.1", "HTTP/1.0"]))
    status = draw(
        st.one_of(st.integers(200, 599).map(str), st.sampled_from(["2x0", "20", "2000", "²00", "-20"]))
    )
    reason = draw(st.sampled_from(["OK", "", "Not Found", "Some Reason Here"]))
    lines = [f"{version} {status} {reason}".rstrip(" ") if not reason else f"{version} {status} {reason}"]
    names = draw(
        st.lists(
            TOKEN.filter(lambda n: n.lower() not in ("content-length", "transfer-encoding", "connection")),
            max_size=5,
        )
    )
    for name in names:
        lines.append(f"{name}: {draw(VALUE)}")
    if draw(st.booleans()) and draw(st.integers(0, 9)) == 0:
        lines.append(draw(BAD_LINE))
    body = draw(BODY)
    framing = draw(st.sampled_from(["length", "chunked", "close", "bad-length", "two-lengths", "bad-chunk"]))
    payload = body
    if framing == "length":
        cut = draw(st.integers(0, 3)) == 0
        lines.append(f"Content-Length: {len(body) + (draw(st.integers(1, 5)) if cut else 0)}")
    elif framing == "bad-length":
        lines.append(f"Content-Length: {draw(st.sampled_from(['abc', '-1', '1.5', '0x10', '', '1 2']))}")
    elif framing == "two-lengths":
        lines.append(f"Content-Length: {len(body)}")
        lines.append(f"Content-Length: {len(body) + 1}")
    elif framing in ("chunked", "bad-chunk"):
        lines.append("Transfer-Encoding: chunked")
        sizes = draw(st.lists(st.integers(1, 64), max_size=6))
        parts, pos = [], 0
        for size in sizes:
            piece = body[pos : pos + size]
            pos += size
            if piece:
                parts.append(b"%x\r\n%b\r\n" % (len(piece), piece))
        if framing == "bad-chunk":
            parts.append(
                draw(st.sampled_from([b"0x3\r\nabc\r\n", b"-3\r\nabc\r\n", b"zz\r\nabc\r\n", b"3\r\nabcXY"]))
            )
        if draw(st.integers(0, 5)) > 0:
            parts.append(b"0\r\n\r\n")
        payload = b"".join(parts)
    if draw(st.booleans()):
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


def with_h11(data: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
    conn = h11.Connection(h11.CLIENT)
    conn.send(h11.Request(method="GET", target="/", headers=[("Host", "x")]))
    conn.send(h11.EndOfMessage())
    conn.receive_data(data)
    conn.receive_data(b"")
    status, headers, body = 0, [], b""
    try:
        while True:
            event = conn.next_event()
            if isinstance(event, h11.Response):
                status, headers = event.status_code, [(n.lower(), v) for n, v in event.headers]
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                return status, headers, body
            elif event is h11.NEED_DATA or event is h11.PAUSED or isinstance(event, h11.ConnectionClosed):
                return None
    except h11.RemoteProtocolError:
        return None


def with_dshell(data: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
    ours, theirs = socket.socketpair()
    writer = threading.Thread(target=lambda: (theirs.sendall(data), theirs.shutdown(socket.SHUT_WR)))
    writer.start()
    conn = Connection(ours, "x", "test")
    try:
        reader = conn.read_head("GET", Deadline(5))
        body = conn.read_body(reader, Deadline(5))
        return reader.status, [(n.lower(), v.strip()) for n, v in reader.headers], body
    except (DshellError, EOFError):
        return None
    finally:
        writer.join()
        conn.close()
        theirs.close()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(replies())
def test_dshell_and_h11_agree(data: bytes) -> None:
    assert with_dshell(data) == with_h11(data), data


def test_the_generator_makes_both_kinds() -> None:
    """Guards the differential test against a generator that only ever makes one kind of reply."""
    good = b"HTTP/1.1 200 OK\r\nX-A: b\r\nContent-Length: 2\r\n\r\nok"
    assert with_dshell(good) == with_h11(good) == (200, [(b"x-a", b"b"), (b"content-length", b"2")], b"ok")
    bad = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n"
    assert with_dshell(bad) is None and with_h11(bad) is None
