"""Replies are validated at the edge: a daemon that answers a listing or an inspect with JSON of the wrong
shape gets one clear error line, never "internal error" (a fake daemon on a real socket: no real daemon
sends these)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import run_dshell
from fakedaemon import FakeDaemon, Peer, reply

PING = reply(headers="Api-Version: 1.41\r\n", body=b"OK")


def answering(body: bytes) -> Callable[[Peer], None]:
    def handler(peer: Peer) -> None:
        while (got := peer.read_request()) is not None:
            peer.send(
                PING
                if "/_ping" in got.line
                else reply(body=body, headers="Content-Type: application/json\r\n")
            )

    return handler


def url(daemon: FakeDaemon) -> str:
    return f"tcp://127.0.0.1:{daemon.address.port}"


@pytest.mark.parametrize(
    ("body", "what"),
    [
        (b'{"Id": "x"}', "it is an object"),
        (b"[1, 2, 3]", "it is a list holding a number"),
        (b'"text"', "it is a string"),
        (b'[{"Id": "a"}, null]', "it is a list holding null"),
    ],
)
def test_a_listing_of_the_wrong_shape_is_one_clear_line(body: bytes, what: str) -> None:
    with FakeDaemon(answering(body)) as daemon:
        r = run_dshell(url(daemon), "-c", "ps -a")
    assert r.status == 1
    assert r.err == f"Error: the daemon's reply to GET /containers/json is not a list of objects ({what})\n"


def test_a_null_listing_is_empty() -> None:
    with FakeDaemon(answering(b"null")) as daemon:
        r = run_dshell(url(daemon), "-c", "ps -a -q")
    assert (r.status, r.out, r.err) == (0, "", "")


@pytest.mark.parametrize("body", [b"[]", b"null", b"42"])
def test_an_inspect_document_of_the_wrong_shape_is_one_clear_line(body: bytes) -> None:
    with FakeDaemon(answering(body)) as daemon:
        r = run_dshell(url(daemon), "-c", "inspect web")
    assert r.status == 1
    assert r.err.startswith("Error: the daemon's reply to GET /containers/{}/json is not an object (it is ")
    assert r.err.count("\n") == 1 and "internal error" not in r.err  # one line, no traceback
