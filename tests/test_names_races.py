"""The live-name cache and completion under concurrency, and the snapshot files' ownership (review of the
10,000-container work): a list a command fetched never undoes an applied event; the joined ranking equals the
per-item one, also with several completion threads at once; the collector is paused around a decode only;
snapshot files and their directory must be ours."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import os
import stat
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import IMAGE, docker
from hypothesis import given, settings
from hypothesis import strategies as st
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from dshell.api import fastjson
from dshell.api.address import parse_address
from dshell.core import namesnap
from dshell.core.completion import Candidate
from dshell.core.names import NameCache
from dshell.core.session import Session
from dshell.interactive import completer as completer_mod
from dshell.interactive.completer import BatchCompleter, _rank_each, rank
from dshell.interactive.refresher import Refresher

ADDRESS = "tcp://127.0.0.1:2375"


def wait_for(predicate: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError(f"not within {timeout} s")


# -- 1. a listing command's list while the cache is live ----------------------------------------------------


def test_a_listing_made_before_an_applied_event_does_not_undo_it(daemon: str, prefix: str) -> None:
    """``ps -a`` hands its list to the cache; the daemon made it before an event the refresher has applied
    meanwhile. While live, that list is not swapped in: the created container stays completable."""
    s = Session(parse_address(daemon))
    s.load_plugins()
    refresher = Refresher(s.daemon, idle_interval=300).start()
    try:
        wait_for(lambda: refresher.rounds > 0 and refresher.status.connected, 10)
        listed = s.client.get_list("/containers/json", params={"all": 1})  # the reply of a `ps -a` in flight
        name = f"{prefix}-late"
        docker("create", "--name", name, IMAGE, "true")

        def cached() -> set[str]:
            return {n.lstrip("/") for c in s.names.peek("containers") or [] for n in c.get("Names") or []}

        wait_for(lambda: name in cached(), 5)
        assert not s.names.put("containers", listed)
        assert name in cached()
    finally:
        refresher.stop()
        s.close()
    # not live: a command's list is swapped in as before
    assert s.names.put("containers", listed)
    assert name not in {n.lstrip("/") for c in s.names.peek("containers") or [] for n in c.get("Names") or []}


# -- 2. ranking: the joined scan equals the per-item one, and threads do not mix their lists -----------------

_texts = st.text(alphabet="abcAB-_0\n", min_size=0, max_size=6)


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(_texts, min_size=completer_mod.JOINED_FROM, max_size=completer_mod.JOINED_FROM + 60),
    word=st.text(alphabet="abcAB-_0", min_size=1, max_size=4),
    limit=st.one_of(st.none(), st.integers(min_value=1, max_value=300)),
)
def test_joined_ranking_equals_the_per_item_ranking(texts: list[str], word: str, limit: int | None) -> None:
    pool = [Candidate(t, str(n)) for n, t in enumerate(texts)]
    expected = _rank_each(word, pool)
    if limit is not None:
        expected = expected[:limit]
    got = rank(word, pool, limit)
    assert [(c.text, c.meta) for c in got] == [(c.text, c.meta) for c in expected]
    assert all(a is b for a, b in zip(got, expected, strict=True))  # the same candidate objects


def test_joined_ranking_from_several_threads_at_once() -> None:
    """Completion jobs of successive keystrokes overlap; each ranks against its own list (two lists of
    different lengths here), never a mix of the last one's fields."""
    pools = [
        [Candidate(f"web-{n:04d}") for n in range(400)],
        [Candidate(f"database-replica-{n:05d}-x") for n in range(250)],
    ]
    expected = [rank("e0", pool) for pool in pools]
    assert all(expected)
    assert [_rank_each("e0", pool) for pool in pools] == expected
    errors: list[BaseException] = []
    wrong: list[int] = []

    def work(k: int) -> None:
        try:
            for _ in range(150):
                if rank("e0", pools[k]) != expected[k]:
                    wrong.append(k)
        except BaseException as exc:  # an IndexError from a mixed-up cache
            errors.append(exc)

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(k % 2,)) for k in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        sys.setswitchinterval(switch)
    assert not errors and not wrong


def test_batch_completer_runs_with_the_prompts_context() -> None:
    """The worker sees the context variables of the prompt's loop (prompt-toolkit's ``get_app()`` is one)."""
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")

    class Reads(Completer):
        def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
            yield Completion(var.get())

    async def run() -> list[str]:
        var.set("the prompt's")
        gen = BatchCompleter(Reads()).get_completions_async(Document("x"), CompleteEvent())
        return [c.text async for c in gen]

    assert asyncio.run(run()) == ["the prompt's"]


def test_batch_completer_hands_over_what_the_completer_gives() -> None:
    """The typing limit is the wrapped completer's alone: the batch does not cut a second time."""

    class Many(Completer):
        def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
            return [Completion(f"c{n}") for n in range(completer_mod.TYPING_LIMIT * 3)]

    async def run() -> int:
        gen = BatchCompleter(Many()).get_completions_async(Document("x"), CompleteEvent(text_inserted=True))
        return len([c async for c in gen])

    assert asyncio.run(run()) == completer_mod.TYPING_LIMIT * 3


# -- 3. the collector: paused around the decode only, its state and a host's freeze kept ----------------------


@pytest.fixture
def collector() -> Iterator[None]:
    was = gc.isenabled()
    yield
    (gc.enable if was else gc.disable)()


def test_a_background_fetch_runs_with_the_collector_on(collector: None) -> None:
    """Only the decode pauses the collector: the request (a network round trip) and what follows do not."""
    gc.enable()
    seen: list[bool] = []
    cache = NameCache(lambda: None)  # type: ignore[arg-type,return-value]

    def fetch(client: Any) -> list[dict[str, Any]]:
        seen.append(gc.isenabled())
        return [{"Id": "a", "Names": ["/a"]}]

    cache.fetchers["containers"] = fetch
    thread = threading.Thread(target=cache.refresh, args=("containers",))
    thread.start()
    thread.join(5)
    assert seen == [True] and gc.isenabled()


def test_a_big_decode_keeps_the_collectors_state_and_a_hosts_freeze(
    collector: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("orjson")
    monkeypatch.setattr(fastjson, "SWITCH_BYTES", 0)  # every decode is "big"
    body = b'[{"Id": "x", "Names": ["/x"]}]'
    gc.disable()
    assert fastjson.loads(body) == [{"Id": "x", "Names": ["/x"]}]
    assert not gc.isenabled()  # a host that turned it off keeps it off
    gc.enable()
    held = [[n] for n in range(100)]  # objects a host program froze
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        fastjson.loads(body)
        assert gc.get_freeze_count() == frozen and gc.isenabled()
    finally:
        gc.unfreeze()
    del held


# -- 4. the snapshot files ----------------------------------------------------------------------------------


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _items() -> list[dict[str, Any]]:
    return [{"Id": "a" * 64, "Names": ["/races-a"], "Image": IMAGE, "State": "exited", "Status": "x"}]


def test_a_loosened_snapshot_directory_is_made_0700_again(cache_home: Path) -> None:
    directory = Path(namesnap.snapshot_dir())
    directory.mkdir(parents=True, mode=0o777)
    directory.chmod(0o777)
    assert namesnap.save(ADDRESS, _items())
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert namesnap.load(ADDRESS) is not None


def test_a_symlinked_snapshot_directory_is_not_used(cache_home: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    directory = Path(namesnap.snapshot_dir())
    directory.parent.mkdir(parents=True)
    directory.symlink_to(elsewhere)
    assert not namesnap.save(ADDRESS, _items())
    assert list(elsewhere.iterdir()) == []
    # one written there by someone else is not read through the link either
    (elsewhere / Path(namesnap.snapshot_path(ADDRESS)).name).write_text("{}")
    assert namesnap.load(ADDRESS) is None


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand a file to another user")
def test_snapshots_of_another_user_are_ignored(cache_home: Path) -> None:
    assert namesnap.save(ADDRESS, _items())
    path = Path(namesnap.snapshot_path(ADDRESS))
    os.chown(path, 12345, 12345)
    assert namesnap.load(ADDRESS) is None  # the file is not ours
    os.chown(path, os.geteuid(), os.getegid())
    assert namesnap.load(ADDRESS) is not None
    os.chown(path.parent, 12345, 12345)
    try:
        assert namesnap.load(ADDRESS) is None  # the directory is not ours
        assert not namesnap.save(ADDRESS, _items())
    finally:
        os.chown(path.parent, os.geteuid(), os.getegid())


def test_old_snapshots_of_other_daemons_are_pruned(cache_home: Path) -> None:
    assert namesnap.save("tcp://old.example:2375", _items())
    assert namesnap.save("tcp://recent.example:2375", _items())
    old = Path(namesnap.snapshot_path("tcp://old.example:2375"))
    recent = Path(namesnap.snapshot_path("tcp://recent.example:2375"))
    long_ago = time.time() - namesnap.MAX_AGE - 3600
    os.utime(old, (long_ago, long_ago))
    leftover = old.parent / ".names-1-dead.tmp"
    leftover.write_text("x")
    os.utime(leftover, (long_ago, long_ago))
    assert namesnap.save(ADDRESS, _items())
    assert not old.exists() and not leftover.exists()
    assert recent.exists() and Path(namesnap.snapshot_path(ADDRESS)).exists()


# -- 7. ps rows are the fields --format sees ------------------------------------------------------------------


def test_ps_rows_are_the_ps_fields(daemon: str, prefix: str) -> None:
    from dshell.plugins.containers import PS_FIELDS, ps_rows

    docker("run", "-d", "--name", f"{prefix}-row", "-p", "127.0.0.1::80", IMAGE, "sleep", "30")
    s = Session(parse_address(daemon))
    try:
        items = s.client.get_list("/containers/json", params={"all": 1, "size": 1})
    finally:
        s.close()
    assert any(c.get("Ports") for c in items)
    keys = ("ID", "Image", "Command", "RunningFor", "Status", "Ports", "Names")
    for no_trunc in (False, True):
        for size in (False, True):
            for _attempt in range(3):  # RunningFor may cross a second between the two
                fields = [
                    tuple(PS_FIELDS[k](c, no_trunc) for k in (*keys, "Size") if size or k != "Size")
                    for c in items
                ]
                if ps_rows(items, no_trunc=no_trunc, size=size) == fields:
                    break
            else:
                assert ps_rows(items, no_trunc=no_trunc, size=size) == fields
