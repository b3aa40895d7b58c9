"""The HTTP stack against a fake daemon on real sockets: every protocol fault is one clear line, a bad
connection is never reused, header injection is refused, timeouts bound the whole reply, and a request on
an idle connection the daemon closed is retried once when it certainly was not processed."""

from __future__ import annotations

import threading
import time

import pytest
from fakedaemon import FakeDaemon, Peer, reply, serve_each

from dshell.api.http.errors import InvalidRequest, MalformedReply, ReplyBrokenOff, ReplyTimeout
from dshell.api.http.message import Request, StreamedReply
from dshell.api.http.pool import Pool
from dshell.errors import ConnectionFailed, DshellError

GOOD = reply(200, b'{"good": true}')
CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"

# (what the daemon sends, the error class, text the one error line must contain)
FAULTS = {
    "duplicate length": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
        MalformedReply,
        "duplicate content-length",
    ),
    "non-numeric length": (
        b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nok",
        MalformedReply,
        "content-length",
    ),
    "negative length": (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok", MalformedReply, "content-length"),
    "huge length": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000000000\r\n\r\nok",
        MalformedReply,
        "too large to read whole",
    ),
    "negative chunk size": (CHUNKED + b"-3\r\nabc\r\n0\r\n\r\n", MalformedReply, "chunk size"),
    "garbage chunk size": (CHUNKED + b"zz\r\nabc\r\n0\r\n\r\n", MalformedReply, "chunk size"),
    "0x chunk size": (CHUNKED + b"0x3\r\nabc\r\n0\r\n\r\n", MalformedReply, "chunk size"),
    "overflowing chunk size": (CHUNKED + b"FFFFFFFFFFFFFFFFFFFFFF\r\nabc\r\n", MalformedReply, "chunk size"),
    "huge chunk size, then close": (
        CHUNKED + b"38D7EA4C68000\r\nabc",
        ReplyBrokenOff,
        "closed before the end",
    ),
    "garbage for a CRLF": (CHUNKED + b"3\r\nabcXY0\r\n\r\n", MalformedReply, "lf after chunk data"),
    "not HTTP": (b"SSH-2.0-OpenSSH_9.2\r\n\r\n", MalformedReply, "expected http/"),
    "superscript status": ("HTTP/1.1 ²00 OK\r\nContent-Length: 0\r\n\r\n".encode(), MalformedReply, "status"),
    "10,000 headers": (
        b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 10_000 + b"Content-Length: 0\r\n\r\n",
        MalformedReply,
        "more than 200 header lines",
    ),
    "1 MB header line": (
        b"HTTP/1.1 200 OK\r\nX-A: " + b"b" * 1_000_000 + b"\r\nContent-Length: 0\r\n\r\n",
        MalformedReply,
        "head is longer than 64 kib",
    ),
    "folded header": (
        b"HTTP/1.1 200 OK\r\nX-A: one\r\n  two\r\nContent-Length: 0\r\n\r\n",
        MalformedReply,
        "whitespace",
    ),
    "short body": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
        ReplyBrokenOff,
        "closed before the end",
    ),
    "short chunked body": (CHUNKED + b"3\r\nabc\r\n", ReplyBrokenOff, "closed before the end"),
    "head cut short": (b"HTTP/1.1 200 OK\r\nContent-Le", ReplyBrokenOff, "before the reply head ended"),
}


@pytest.mark.parametrize("unix", [False, True], ids=["tcp", "unix"])
@pytest.mark.parametrize("name", list(FAULTS))
def test_a_protocol_fault_is_one_clear_line_and_the_connection_is_dropped(name: str, unix: bool) -> None:
    bad, error, text = FAULTS[name]

    def handler(peer: Peer) -> None:
        while (req := peer.read_request()) is not None:
            if req.line.startswith("GET /bad"):
                peer.send(bad)
                peer.close()  # a body cut short ends with the connection
                return
            peer.send(GOOD)

    with FakeDaemon(handler, unix=unix) as daemon:
        pool = Pool(daemon.address, connect_timeout=2)
        assert pool.request(Request("GET", "/warm"), timeout=5).json() == {"good": True}
        with pytest.raises(error) as err:
            pool.request(Request("GET", "/bad"), timeout=5)
        message = str(err.value)
        assert text in message.lower(), message
        assert "\n" not in message and "may expect TLS" not in message and "cannot connect" not in message
        assert isinstance(err.value, DshellError)
        reply_after = pool.request(Request("GET", "/after"), timeout=5)
        assert reply_after.json() == {"good": True}
        assert daemon.connections == 2  # the warm connection carried /bad and was dropped
        pool.close()


def test_a_reset_in_the_middle_of_a_body() -> None:
    def handler(peer: Peer) -> None:
        if peer.read_request() is not None:
            peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 1000)
            time.sleep(0.1)
            peer.reset()

    with FakeDaemon(handler) as daemon:
        with pytest.raises(ReplyBrokenOff, match="reset in the middle of the body"):
            Pool(daemon.address, connect_timeout=2).request(Request("GET", "/x"), timeout=5)


@pytest.mark.parametrize(
    "stray",
    [b'HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n["bad"]', b"garbage", b"\r\n\r\nH"],
    ids=["a whole reply", "garbage", "a partial reply"],
)
@pytest.mark.parametrize("late", [False, True], ids=["with the body", "after the body"])
def test_stray_bytes_after_a_body_never_reach_the_next_request(stray: bytes, late: bool) -> None:
    def handler(peer: Peer) -> None:
        n = 0
        while (req := peer.read_request()) is not None:
            n += 1
            body = req.line.split()[1].encode()
            if n == 1 and peer.daemon.connections == 1:
                if late:
                    peer.send(reply(200, b'"' + body + b'"'))
                    time.sleep(0.05)
                    peer.send(stray)
                else:
                    peer.send(reply(200, b'"' + body + b'"') + stray)
            else:
                peer.send(reply(200, b'"' + body + b'"'))

    with FakeDaemon(handler) as daemon:
        pool = Pool(daemon.address, connect_timeout=2)
        assert pool.request(Request("GET", "/first"), timeout=5).json() == "/first"
        time.sleep(0.1)
        for path in ("/second", "/third"):
            assert pool.request(Request("GET", path), timeout=5).json() == path
        assert daemon.connections == 2


@pytest.mark.parametrize(
    ("headers", "target"),
    [
        ({"X-Evil": "a\r\nX-Injected: 1"}, "/ok"),
        ({"X-Evil": "a\nb"}, "/ok"),
        ({"X-Evil": "a\rb"}, "/ok"),
        ({"X-Evil\r\nX-Injected": "1"}, "/ok"),
        ({"Bad Name": "1"}, "/ok"),
        ({"X-Nul": "a\0b"}, "/ok"),
        ({}, "/ok HTTP/1.1\r\nX-Injected: 1\r\n\r\nGET /x"),
        ({}, "/with space"),
    ],
)
def test_header_injection_is_refused_before_anything_is_sent(headers: dict[str, str], target: str) -> None:
    with FakeDaemon(serve_each([], then=GOOD)) as daemon:
        pool = Pool(daemon.address, connect_timeout=2)
        with pytest.raises(InvalidRequest):
            pool.request(Request("GET", target, headers), timeout=5)
        assert pool.request(Request("GET", "/ok"), timeout=5).status_code == 200
        assert [r.line for r in daemon.received] == ["GET /ok HTTP/1.1"]
        assert all("injected" not in r.headers for r in daemon.received)


SLOW = {
    "a byte of body every 0.5 s": lambda p: (
        p.send(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"),
        p.trickle(b"x" * 1000, 0.5),
    ),
    "slow headers": lambda p: p.trickle(b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 100, 0.3),
    "a never-ending chunked body": lambda p: (
        p.send(CHUNKED),
        [p.send(b"1\r\nx\r\n") or time.sleep(0.2) for _ in range(100) if not p.daemon.stopped.is_set()],
    ),
}


@pytest.mark.parametrize("name", list(SLOW))
def test_the_timeout_bounds_the_whole_reply(name: str) -> None:
    def handler(peer: Peer) -> None:
        if peer.read_request() is not None:
            SLOW[name](peer)

    with FakeDaemon(handler) as daemon:
        start = time.monotonic()
        with pytest.raises(ReplyTimeout, match="did not answer in time"):
            Pool(daemon.address, connect_timeout=2).request(Request("GET", "/slow"), timeout=2)
        assert time.monotonic() - start < 3.5


def test_a_stream_bounds_only_the_wait_for_its_head() -> None:
    def silent(peer: Peer) -> None:
        peer.read_request()
        peer.daemon.stopped.wait(10)

    with FakeDaemon(silent) as daemon:
        start = time.monotonic()
        with pytest.raises(ReplyTimeout):
            Pool(daemon.address, connect_timeout=2).stream(Request("GET", "/events"), head_timeout=1)
        assert time.monotonic() - start < 2.5

    def slow_stream(peer: Peer) -> None:
        peer.read_request()
        peer.send(CHUNKED)
        for i in range(4):
            time.sleep(0.5)
            peer.send(b"2\r\n%d\n\r\n" % i)
        peer.send(b"0\r\n\r\n")

    with FakeDaemon(slow_stream) as daemon:
        got = Pool(daemon.address, connect_timeout=2).stream(Request("GET", "/events"), head_timeout=1)
        assert isinstance(got, StreamedReply)
        assert list(got.iter_blocks()) == [b"0\n", b"1\n", b"2\n", b"3\n"]  # 2 s: longer than the head's 1 s


def test_two_hundred_requests_while_the_daemon_closes_idle_connections() -> None:
    def handler(peer: Peer) -> None:
        if peer.read_request() is not None:
            peer.send(reply(200, b"[]"))
            time.sleep(0.05)
            peer.close()

    with FakeDaemon(handler) as daemon:
        pool = Pool(daemon.address, connect_timeout=2)
        for i in range(200):
            assert pool.request(Request("GET", "/containers/json"), timeout=5).json() == [], i
            if i % 3 == 0:
                time.sleep(0.05)  # land in the instant the daemon closes


def _closes_second_request(method_seen: list[str]) -> object:
    def handler(peer: Peer) -> None:
        n = 0
        while (req := peer.read_request()) is not None:
            n += 1
            method_seen.append(req.line)
            if n == 2:  # as if the idle connection was closed just as the request was sent
                peer.close()
                return
            peer.send(GOOD)

    return handler


def test_an_idempotent_request_is_retried_once_on_a_fresh_connection() -> None:
    seen: list[str] = []
    with FakeDaemon(_closes_second_request(seen)) as daemon:  # type: ignore[arg-type]
        pool = Pool(daemon.address, connect_timeout=2)
        pool.request(Request("GET", "/a"), timeout=5)
        assert pool.request(Request("DELETE", "/b"), timeout=5).json() == {"good": True}
        assert seen == ["GET /a HTTP/1.1", "DELETE /b HTTP/1.1", "DELETE /b HTTP/1.1"]


def test_a_post_that_may_have_been_processed_is_not_sent_twice() -> None:
    seen: list[str] = []
    with FakeDaemon(_closes_second_request(seen)) as daemon:  # type: ignore[arg-type]
        pool = Pool(daemon.address, connect_timeout=2)
        pool.request(Request("GET", "/a"), timeout=5)
        with pytest.raises(ReplyBrokenOff, match="closed before the reply"):
            pool.request(Request("POST", "/containers/x/start"), timeout=5)
        assert seen == ["GET /a HTTP/1.1", "POST /containers/x/start HTTP/1.1"]


def test_a_fresh_plaintext_connection_closed_at_once_hints_at_tls() -> None:
    def handler(peer: Peer) -> None:
        peer.read_request()
        peer.close()

    with FakeDaemon(handler) as daemon:
        with pytest.raises(ConnectionFailed) as err:
            Pool(daemon.address, connect_timeout=2).request(Request("GET", "/_ping"), timeout=5)
        assert "closed without a reply" in str(err.value) and "TLS" in (err.value.hint or "")


def test_nothing_listening_is_connection_refused() -> None:
    from dshell.api.address import DaemonAddress

    with pytest.raises(ConnectionFailed, match="connection refused"):
        Pool(DaemonAddress("tcp", host="127.0.0.1", port=9), connect_timeout=2).request(
            Request("GET", "/_ping"), timeout=2
        )


def test_a_stream_closed_from_another_thread_ends_quietly() -> None:
    def handler(peer: Peer) -> None:
        peer.read_request()
        peer.send(CHUNKED + b"2\r\nhi\r\n")
        peer.daemon.stopped.wait(10)

    with FakeDaemon(handler) as daemon:
        got = Pool(daemon.address, connect_timeout=2).stream(Request("GET", "/events"), head_timeout=2)
        assert isinstance(got, StreamedReply)
        blocks = got.iter_blocks()
        assert next(blocks) == b"hi"
        threading.Timer(0.2, got.close).start()
        assert list(blocks) == []


@pytest.mark.parametrize("raised", [KeyboardInterrupt, SystemExit])
def test_an_interrupt_inside_a_parser_callback_is_not_taken_for_a_bad_reply(
    raised: type[BaseException],
) -> None:
    """Ctrl-C or SIGTERM (raised by a signal handler) can land while llhttp is in a callback: it must go on as
    itself, not read as a malformed reply (it once became "ValueError: subsection not found")."""
    from dshell.api.http.connection import ReplyReader

    class Interrupted(ReplyReader):
        def on_body(self, data: bytes) -> None:  # the parser looks its callbacks up when it is made
            raise raised

    reader = Interrupted("test")
    with pytest.raises(raised):
        reader.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc")
