"""dshell.api.fastjson: orjson where it pays, the bytes :mod:`json` gives (indented output byte for byte)."""

from __future__ import annotations

import enum
import json
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dshell.api import fastjson
from dshell.output.render import format_json

pytest.importorskip("orjson")


@pytest.fixture(autouse=True)
def switched(monkeypatch: pytest.MonkeyPatch) -> None:
    """orjson from the first byte and node (normally only after a few hundred KiB / thousand values)."""
    monkeypatch.setattr(fastjson, "SWITCH_BYTES", 0)
    monkeypatch.setattr(fastjson, "SWITCH_NODES", 0)


def reference(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


class Sub(str):
    pass


class Color(enum.Enum):
    RED = 1


EDGES: list[Any] = [
    {},
    [],
    "",
    [[]],
    {"": {}},
    {"a": 1.5, "b": 1e-07, "c": 1e16, "d": float("nan")},  # floats go to json
    {1: 2, None: 3},  # non-str keys: json's str() of them
    10**20,  # beyond 64 bits
    -(2**63),
    2**64 - 1,
    'é\u2028\x01\x7f\t\n"\\/',
    "\ud800",  # a lone surrogate
    {"x": (1, 2)},
    [None, True, False],
    {"k": Sub("v")},
    {Sub("k"): 1},
]


@pytest.mark.parametrize("data", EDGES, ids=range(len(EDGES)))
def test_indented_output_is_jsons_byte_for_byte(data: Any) -> None:
    assert format_json(data) == reference(data)


@pytest.mark.parametrize("data", [{"e": Color.RED}, {"u": uuid.uuid4()}, {"s": {1}}, [object()]])
def test_what_json_refuses_stays_refused(data: Any) -> None:
    with pytest.raises(TypeError):
        reference(data)
    with pytest.raises(TypeError):
        format_json(data)


documents = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_any_document_out_and_back(data: Any) -> None:
    text = format_json(data)
    assert text == reference(data)
    if not _has_big_int(data):  # orjson reads an int beyond 64 bits as a float (documented)
        assert fastjson.loads(text.encode()) == json.loads(text)


def _has_big_int(data: Any) -> bool:
    if isinstance(data, dict):
        return any(_has_big_int(v) for v in data.values())
    if isinstance(data, list):
        return any(_has_big_int(v) for v in data)
    return isinstance(data, int) and not -(2**63) <= data < 2**64


def test_decoding_falls_back_to_json() -> None:
    assert fastjson.loads(b'{"a": NaN}')["a"] != fastjson.loads(b'{"a": NaN}')["a"]  # NaN, as json reads it
    with pytest.raises(json.JSONDecodeError, match="Expecting property name"):
        fastjson.loads(b"{bad")


def test_real_inspect_documents(tmp_path: Any) -> None:
    from conftest import TCP, need_daemon

    need_daemon()
    from dshell.api.address import resolve_address
    from dshell.api.client import DockerClient

    client = DockerClient(resolve_address(TCP))
    try:
        docs = [
            client.get_json(f"/containers/{c['Id']}/json")
            for c in client.get_json("/containers/json?all=1")[:20]
        ]
        docs += [client.get_json("/info"), client.get_json("/version")]
    finally:
        client.close()
    for doc in docs:
        assert format_json(doc) == reference(doc)
