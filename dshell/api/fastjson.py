"""JSON in and out through orjson where it pays, byte for byte what :mod:`json` gives.

orjson decodes ~3x and writes indented JSON ~25x faster than :mod:`json` (0.006 vs 0.17 ms for a container's
inspect document), but importing it costs ~1-4 ms (it brings ``datetime`` and ``uuid``): more than a one-shot
saves on a small reply. So each direction starts on :mod:`json` and switches to orjson once this process has
decoded :data:`SWITCH_BYTES` or encoded :data:`SWITCH_NODES` worth (a script of many commands, a 10,000-container
reply, ``inspect`` of many objects); a single big body or document switches at once.

Encoding: only documents of dicts, lists, tuples, str, int, bool and None go to orjson (a float may render
differently: ``1e-07`` vs ``1e-7``, ``NaN`` vs ``null``; an enum or UUID is something :mod:`json` refuses), and
what orjson refuses there (an int beyond 64 bits, a non-str key, a lone surrogate, a str subclass) goes to
:mod:`json`. Decoding: what orjson refuses (``NaN``, a bad body) goes to :mod:`json`, which decodes it or
raises its usual ``ValueError``. One difference is left: orjson reads an integer beyond 64 bits as a float
(:mod:`json`: an int). The daemon cannot send one (Go's int64/uint64 fields; a float64 of 2**64 or more would
be the only way) and checking the body for one costs more than orjson saves (a regex over 5 MB: 120 ms).
"""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Iterator
from typing import Any

SWITCH_BYTES = 512 * 1024
SWITCH_NODES = 4000
_SCALARS = (str, int, bool, type(None))


class _State:
    decoded = 0
    encoded = 0
    module: Any = None
    tried = False
    passthrough = 0


def _orjson() -> Any:
    """The orjson module, imported on first use; None where it is not installed."""
    if not _State.tried:
        _State.tried = True
        try:
            import orjson
        except ImportError:
            return None
        _State.passthrough = (
            orjson.OPT_PASSTHROUGH_DATACLASS
            | orjson.OPT_PASSTHROUGH_DATETIME
            | orjson.OPT_PASSTHROUGH_SUBCLASS
        )
        _State.module = orjson
    return _State.module


def loads(content: bytes | str) -> Any:
    """``json.loads(content)``."""
    _State.decoded += len(content)
    if _State.decoded >= SWITCH_BYTES:
        fast = _orjson()
        if fast is not None:
            try:
                if len(content) < SWITCH_BYTES:
                    return fast.loads(content)
                with collector_paused():
                    return fast.loads(content)
            except ValueError:
                pass
    return json.loads(content)


@contextlib.contextmanager
def collector_paused(*, promote: bool = True) -> Iterator[None]:
    """No cyclic garbage collection while a big reply is decoded (wrap the decode alone: the pause is process-wide),
    the collector's previous state restored after.

    The objects decoded are all alive (and hold no cycles), yet the collector would walk all of them — every few
    hundred of them during the decode (~30 % of it), then the young generation of 600,000 objects for 10,000
    containers in one go, and again when they are promoted: 30 - 110 ms a ``ps -a``. With ``promote``, what the
    decode made is moved to the oldest generation at once, in O(1): ``gc.freeze()`` then ``gc.unfreeze()``.
    Measured on 10,000 containers (8 MB), decode and a ``ps``-sized follow-up: 81 ms median this way, 130 ms
    with the collector only paused, 181 ms without a pause. The move takes every thread's young objects along
    (their cyclic garbage waits for the next full collection, it is not lost); it is skipped when objects are
    frozen already (``gc.get_freeze_count()``), as ``unfreeze`` would undo a freeze the host program made."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if promote and not gc.get_freeze_count():
            gc.freeze()
            gc.unfreeze()
        gc.enable()


def dumps_indented(data: Any) -> str:
    """``json.dumps(data, indent=2, ensure_ascii=False)``, byte for byte."""
    nodes = _plain_nodes(data)
    if nodes:
        _State.encoded += nodes
        fast = _orjson() if _State.encoded >= SWITCH_NODES else None
        if fast is not None:
            try:
                out: bytes = fast.dumps(data, option=fast.OPT_INDENT_2 | _State.passthrough, default=_refuse)
                return out.decode()
            except TypeError:
                pass
    return json.dumps(data, indent=2, ensure_ascii=False)


def _refuse(obj: Any) -> Any:
    raise TypeError(type(obj).__name__)  # what json refuses too: json reports it


def _plain_nodes(data: Any) -> int:
    """How many values ``data`` holds if they are all dicts, lists, tuples, str, int, bool and None; else 0
    (~0.03 ms for an inspect document)."""
    stack = [data]
    count = 0
    while stack:
        item = stack.pop()
        count += 1
        kind = type(item)
        if kind is dict:
            stack.extend(item.values())
        elif kind is list or kind is tuple:
            stack.extend(item)
        elif kind not in _SCALARS:
            return 0
    return count
