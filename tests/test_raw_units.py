"""The raw plugin's pure parts: path encoding, bodies and pairs, JSON errors, curl lines, reply formatting."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from dshell.api.address import TLSConfig, parse_address
from dshell.errors import UsageError
from dshell.plugins.raw.request import (
    add_query,
    build_request,
    curl_command,
    encode_path,
    parse_body,
    parse_header,
    split_pair,
)
from dshell.plugins.raw.response import (
    StreamStatus,
    format_doc,
    highlight_json,
    looks_multiplexed,
    sniff_frames,
)


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("/containers/json?all=1", "/containers/json?all=1"),
        ("containers/json", "/containers/json"),
        ("/v1.41/info", "/v1.41/info"),
        (
            '/containers/json?filters={"name":["a b"]}',
            "/containers/json?filters=%7B%22name%22:[%22a%20b%22]%7D",
        ),
        ("/images/localhost:5000/ns/x:1/json", "/images/localhost:5000/ns/x:1/json"),
        ("/containers/a%2Fb/json", "/containers/a%2Fb/json"),  # an escape stays as typed
        ("/x?q=100%", "/x?q=100%25"),  # a lone % is quoted, so nothing re-quotes the rest
        ("/x#frag", "/x%23frag"),
        ("/x/é", "/x/%C3%A9"),
    ],
)
def test_encode_path_only_quotes_what_cannot_be_in_a_url(typed: str, sent: str) -> None:
    assert encode_path(typed) == sent


def test_add_query() -> None:
    assert add_query("/x", []) == "/x"
    assert add_query("/x", [("a", "1")]) == "/x?a=1"
    assert add_query("/x?b=2", [("a", "1 2")]) == "/x?b=2&a=1%202"
    assert add_query("/x?", [("f", '{"a":["b"]}')]) == "/x?f=%7B%22a%22%3A%5B%22b%22%5D%7D"


def test_split_pair_picks_the_first_separator() -> None:
    assert split_pair("Image=busybox") == ("Image", "=", "busybox")
    assert split_pair("Cmd:=[1]") == ("Cmd", ":=", "[1]")
    assert split_pair("all==1") == ("all", "==", "1")
    assert split_pair("Env=A=B") == ("Env", "=", "A=B")
    assert split_pair("a=b:=c") == ("a", "=", "b:=c")
    assert split_pair("=x") is None and split_pair("plain") is None


def test_pairs_build_an_object_and_query() -> None:
    body, query = parse_body(
        'Image=busybox Cmd:=\'["sh", "-c", "echo hi"]\' Tty:=true all==1 \'Label=a b\'', None
    )
    assert json.loads(body.data or b"") == {
        "Image": "busybox",
        "Cmd": ["sh", "-c", "echo hi"],
        "Tty": True,
        "Label": "a b",
    }
    assert body.content_type == "application/json" and query == [("all", "1")]
    body, query = parse_body("force==1", None)
    assert body.empty and query == [("force", "1")]


def test_inline_and_quoted_bodies() -> None:
    body, _ = parse_body('{"Image": "busybox"}', None)
    assert body.data == b'{"Image": "busybox"}' and body.curl == '{"Image": "busybox"}'
    body, _ = parse_body("[1, 2]", None)
    assert body.data == b"[1, 2]"
    assert parse_body(None, None)[0].empty and parse_body("  ", None)[0].empty


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('{"Image": "x",}', "at line 1, column 15: Expecting property name"),
        ('{"Image" "x"}', "at line 1, column 10: Expecting ':' delimiter"),
        ("[1, 2", "at line 1, column 6"),
    ],
)
def test_invalid_inline_json_is_refused_with_its_position(text: str, where: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_body(text, None)
    assert caught.value.message.startswith("invalid JSON body ")
    assert where in caught.value.message


def test_invalid_json_file_and_pair_values(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "Image": "x",\n  "Cmd": [1,,2]\n}\n')
    with pytest.raises(UsageError, match=r"invalid JSON body in .*bad\.json at line 3, column 13"):
        parse_body(f"@{bad}", None)
    with pytest.raises(UsageError, match=r"invalid JSON value for Cmd:= at line 1, column 2"):
        parse_body("Cmd:=[,]", None)
    with pytest.raises(UsageError, match="cannot read body file"):
        parse_body(f"@{tmp_path / 'missing.json'}", None)
    with pytest.raises(UsageError, match="is not key=value"):
        parse_body("hello", None)


def test_data_binary(tmp_path: Path) -> None:
    tar = tmp_path / "files.tar"
    tar.write_bytes(b"\0" * 1024)
    body, _ = parse_body(None, f"@{tar}")
    assert body.file == str(tar) and body.data is None and body.content_type == "application/x-tar"
    body, _ = parse_body(None, "raw text")
    assert body.data == b"raw text"
    with pytest.raises(UsageError, match="not both"):
        parse_body("{}", f"@{tar}")
    with pytest.raises(UsageError, match="cannot read"):
        parse_body(None, f"@{tmp_path / 'nope.tar'}")


def test_build_request_headers_and_query(tmp_path: Path) -> None:
    req = build_request(
        "post",
        "/containers/create?name=a",
        body='{"Image": "x"}',
        query=["platform=linux/amd64"],
        headers=["content-type: application/vnd.test+json", "X-Registry-Auth: abc"],
    )
    assert req.path == "/containers/create?name=a&platform=linux%2Famd64"
    assert req.route == "/containers/create"
    assert req.headers == {"content-type": "application/vnd.test+json", "X-Registry-Auth": "abc"}
    (tmp_path / "f.bin").write_bytes(b"x")
    req = build_request(
        "PUT", "/c/x/archive", data_binary=f"@{tmp_path / 'f.bin'}", content_type="application/x-tar"
    )
    assert req.headers == {"Content-Type": "application/x-tar"}
    with pytest.raises(UsageError, match="KEY=VALUE"):
        build_request("GET", "/x", query=["novalue"])
    with pytest.raises(UsageError, match="Name: value"):
        parse_header("no colon")


def test_curl_command_is_properly_quoted() -> None:
    req = build_request(
        "POST", "/containers/create?name=it's", body="""{"Cmd": ["echo", "it's \\"quoted\\""]}"""
    )
    line = curl_command(req, parse_address("tcp://127.0.0.1:2375"), "/v1.41" + req.path)
    words = shlex.split(line)
    assert words[:5] == ["curl", "-sS", "-g", "-X", "POST"]
    assert words[words.index("--data-binary") + 1] == """{"Cmd": ["echo", "it's \\"quoted\\""]}"""
    assert words[-1] == "http://127.0.0.1:2375/v1.41/containers/create?name=it's"
    unix = curl_command(
        build_request("HEAD", "/_ping"),
        parse_address("unix:///var/run/docker.sock"),
        "/v1.41/_ping",
        stream=True,
    )
    assert shlex.split(unix) == [
        "curl",
        "-sS",
        "-g",
        "-N",
        "--head",
        "--unix-socket",
        "/var/run/docker.sock",
        "http://localhost/v1.41/_ping",
    ]
    tls = parse_address("tcp://d:2376", tls=TLSConfig(verify="/ca.pem", cert=("/c.pem", "/k.pem")))
    words = shlex.split(curl_command(build_request("GET", "/info"), tls, "/info", output="o.json"))
    assert words[-1] == "https://d:2376/info"
    assert ["--cacert", "/ca.pem", "--cert", "/c.pem", "--key", "/k.pem", "-o", "o.json"] == [
        w for w in words if w.startswith(("--c", "--k", "-o", "/", "o."))
    ]


def test_format_doc_and_highlighting() -> None:
    doc = {"a": [1, "é"]}
    assert format_doc(doc, pretty=True, color=False) == '{\n  "a": [\n    1,\n    "é"\n  ]\n}'
    assert format_doc(doc, pretty=False, color=False) == '{"a": [1, "é"]}'
    coloured = format_doc(doc, pretty=False, color=True)
    assert "\x1b[" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == '{"a": [1, "é"]}'
    assert re.sub(r"\x1b\[[0-9;]*m", "", highlight_json("[]")) == "[]"


def test_sniffing_log_streams() -> None:
    framed = b"\x01\0\0\0\0\0\0\x03hi\n" + b"\x02\0\0\0\0\0\0\x04err\n"
    assert looks_multiplexed(framed) and not looks_multiplexed(b"hello, world")
    assert list(sniff_frames([framed[:5], framed[5:]])) == [(1, b"hi\n"), (2, b"err\n")]
    assert list(sniff_frames([b"tty ", b"output\r\n"])) == [(1, b"tty output\r\n")]
    assert list(sniff_frames([b"ab"])) == [(1, b"ab")]
    assert list(sniff_frames([])) == []


def test_colour_needs_no_pygments(monkeypatch: pytest.MonkeyPatch) -> None:
    """prompt-toolkit does not bring pygments: stream documents are coloured with the shell's own palette."""
    import sys

    monkeypatch.setitem(sys.modules, "pygments", None)
    coloured = highlight_json('{"a": 1}')
    assert "\x1b[" in coloured and re.sub(r"\x1b\[[0-9;]*m", "", coloured) == '{"a": 1}'


def test_stream_status_fails_on_an_error_document() -> None:
    status = StreamStatus()
    assert list(status.watch([{"status": "Pulling"}, {"id": "x"}])) == [{"status": "Pulling"}, {"id": "x"}]
    assert status() == 0
    list(status.watch([{"status": "Pulling"}, {"errorDetail": {"message": "boom"}, "error": "boom"}]))
    assert status() == 1
