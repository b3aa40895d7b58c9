"""The name cache at scale (issue 15): the last session's names on disk (dshell.core.namesnap), read back at
start-up and replaced by the live list; container events applied in place instead of listing the daemon again
(against the real daemon); candidates kept per name list."""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import IMAGE, docker

from dshell.api.address import parse_address
from dshell.core import namesnap
from dshell.core.names import NameCache, apply_change
from dshell.core.session import Session
from dshell.interactive.completer import DshellCompleter
from dshell.interactive.refresher import Refresher, Refreshers, container_change

ADDRESS = "tcp://127.0.0.1:2375"


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _item(n: int, state: str = "exited") -> dict[str, Any]:
    return {
        "Id": f"{n:064x}",
        "Names": [f"/snap-{n:05d}"],
        "Image": IMAGE,
        "State": state,
        "Status": "Exited (0) 1 hour ago",
        "Labels": {"big": "x" * 100},  # not kept: only what completion shows
    }


def wait_for(predicate: Any, timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.01)
    raise AssertionError(f"not within {timeout} s")


# -- the file ---------------------------------------------------------------------------------------------


def test_snapshot_written_0600_in_its_dir_and_loaded(cache_home: Path) -> None:
    items = [_item(n) for n in range(2000)]
    assert namesnap.save(ADDRESS, items)
    path = Path(namesnap.snapshot_path(ADDRESS))
    assert path.parent == cache_home / "dshell" / "names"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "127.0.0.1" not in path.name  # a hash names it
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
    loaded = namesnap.load(ADDRESS)
    assert loaded is not None and len(loaded) == 2000
    assert loaded[7] == {
        "Id": f"{7:064x}",
        "Names": ["/snap-00007"],
        "Image": IMAGE,
        "State": "exited",
        "Status": "Exited (0) 1 hour ago",
    }
    assert namesnap.load("tcp://127.0.0.1:2376") is None  # another daemon: its own file (none yet)


def _write_doc(path: str, doc: Any) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Path(path).write_text(json.dumps(doc))


def test_stale_corrupt_foreign_and_oversized_snapshots_are_ignored(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = namesnap.snapshot_path(ADDRESS)
    good = {
        "version": 1,
        "address": ADDRESS,
        "written": time.time(),
        "containers": [["i", "/n", "img", "s", "t"]],
    }
    _write_doc(path, good)
    assert namesnap.load(ADDRESS) == [
        {"Id": "i", "Names": ["/n"], "Image": "img", "State": "s", "Status": "t"}
    ]
    for bad in (
        {**good, "written": time.time() - namesnap.MAX_AGE - 60},  # stale
        {**good, "written": time.time() + 3600},  # from the future
        {**good, "version": 99},
        {**good, "address": "tcp://elsewhere:2375"},
        {**good, "containers": [["too", "few"]]},
        {**good, "containers": "nope"},
        [1, 2, 3],
    ):
        _write_doc(path, bad)
        assert namesnap.load(ADDRESS) is None, bad
    Path(path).write_bytes(b'{"version": 1, "address": "tcp://127.0.0.1:2375", "writ')  # cut short
    assert namesnap.load(ADDRESS) is None
    _write_doc(path, good)
    monkeypatch.setattr(namesnap, "MAX_BYTES", 50)
    assert namesnap.load(ADDRESS) is None  # oversized: not even read


def test_snapshot_never_follows_a_symbolic_link(cache_home: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text("keep me")
    path = namesnap.snapshot_path(ADDRESS)
    os.makedirs(os.path.dirname(path))
    os.symlink(outside, path)
    assert namesnap.load(ADDRESS) is None  # not read through the link
    assert namesnap.save(ADDRESS, [_item(1)])
    assert outside.read_text() == "keep me"  # not written through it either
    assert not os.path.islink(path) and namesnap.load(ADDRESS) is not None


def test_snapshot_is_bounded(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(namesnap, "MAX_ITEMS", 10)
    assert namesnap.save(ADDRESS, [_item(n) for n in range(100)])
    loaded = namesnap.load(ADDRESS)
    assert loaded is not None and len(loaded) == 10


# -- the cache --------------------------------------------------------------------------------------------


def test_preloaded_names_are_served_live_and_marked_old() -> None:
    cache = NameCache(lambda: pytest.fail("no fetch expected"))  # type: ignore[arg-type,return-value]
    cache.live = True
    cache.begin_preload()
    done = threading.Timer(0.1, lambda: cache.preload({"containers": [_item(1)]}))
    done.start()
    assert cache.get("containers")[0]["Names"] == ["/snap-00001"]  # waited for the preload, no fetch
    fetched: list[int] = []

    def fetch(client: Any) -> list[dict[str, Any]]:
        fetched.append(1)
        return [_item(2)]

    cache.fetchers["containers"] = fetch
    cache._client_getter = lambda: None  # type: ignore[assignment,return-value]
    assert cache.get("containers", max_age=60)[0]["Names"] == ["/snap-00002"]  # old: a max_age refetches
    assert fetched == [1]


def test_changes_made_during_a_fetch_are_made_again_on_its_list() -> None:
    """A create event applied while a list is being fetched (the daemon may have listed before it) is not lost
    when that list is swapped in; a destroy is not undone by it."""
    cache = NameCache(lambda: None)  # type: ignore[arg-type,return-value]
    cache.put("containers", [_item(1), _item(2)])
    release = threading.Event()

    def slow(client: Any) -> list[dict[str, Any]]:
        release.wait(5)
        return [_item(1), _item(2)]  # listed before the events below

    cache.fetchers["containers"] = slow
    thread = threading.Thread(target=cache.refresh, args=("containers",))
    thread.start()
    time.sleep(0.05)
    assert cache.apply("containers", ("create", f"{3:064x}", _item(3)))
    assert cache.apply("containers", ("destroy", f"{1:064x}", None))
    assert cache.apply("containers", ("rename", f"{2:064x}", "renamed"))
    release.set()
    thread.join(5)
    names = [c["Names"][0] for c in cache.peek("containers") or []]
    assert names == ["/renamed", "/snap-00003"]


def test_apply_change_is_idempotent() -> None:
    items = [_item(1)]
    ids = {f"{1:064x}"}
    assert apply_change(items, ids, ("create", f"{1:064x}", _item(1))) is None
    assert apply_change(items, ids, ("destroy", f"{9:064x}", None)) is None
    assert apply_change(items, ids, ("rename", f"{9:064x}", "x")) is None
    grown = apply_change(items, ids, ("create", f"{2:064x}", _item(2)))
    assert grown is not None and len(grown) == 2 and len(items) == 1  # a new list: readers keep theirs


def test_container_change_from_events() -> None:
    actor = {"ID": "abc", "Attributes": {"name": "web", "image": "nginx"}}
    made = container_change({"Type": "container", "Action": "create", "Actor": actor})
    assert made == (
        "create",
        "abc",
        {"Id": "abc", "Names": ["/web"], "Image": "nginx", "State": "created", "Status": "Created"},
    )
    assert container_change({"Type": "container", "Action": "destroy", "Actor": actor}) == (
        "destroy",
        "abc",
        None,
    )
    assert container_change({"Type": "container", "Action": "rename", "Actor": actor}) == (
        "rename",
        "abc",
        "web",
    )
    assert container_change({"Type": "container", "Action": "start", "Actor": actor}) is None
    assert container_change({"Type": "network", "Action": "create", "Actor": actor}) is None
    assert container_change({"Type": "container", "Action": "create", "Actor": {"ID": "abc"}}) is None


def test_candidates_built_once_per_list_and_reused_after_a_change() -> None:
    s = Session(parse_address("tcp://127.0.0.1:1"))
    s.load_plugins()
    s.names.put("containers", [_item(n) for n in range(300)])
    s.names.live = True
    comp = DshellCompleter(s)
    first = comp.candidates("rm snap-0001")[1]
    assert [c.text for c in first[:10]] == [f"snap-{n:05d}" for n in range(10, 20)]
    again = comp.candidates("rm snap-0001")[1]
    assert all(a is b for a, b in zip(first, again, strict=True))  # the same candidate objects: not rebuilt
    s.names.apply("containers", ("create", f"{999:064x}", _item(999)))
    after = comp.candidates("rm snap-0")[1]
    assert "snap-00999" in [c.text for c in after]
    kept = {c.text: c for c in after}
    assert kept["snap-00010"] is first[0]  # the others' candidates reused
    s.close()


# -- against the daemon -----------------------------------------------------------------------------------


@pytest.fixture
def live(daemon: str) -> Iterator[tuple[Session, Refresher, list[int]]]:
    s = Session(parse_address(daemon))
    s.load_plugins()
    fetches: list[int] = []
    fetch = s.names.fetchers["containers"]

    def counted(client: Any) -> list[dict[str, Any]]:
        fetches.append(1)
        return fetch(client)

    s.names.fetchers["containers"] = counted
    refresher = Refresher(s.daemon, idle_interval=300).start()
    try:
        wait_for(lambda: refresher.rounds > 0 and refresher.status.connected, 10)
        settled = -1
        while settled != len(fetches):  # the stream-up round too
            settled = len(fetches)
            time.sleep(0.3)
        yield s, refresher, fetches
    finally:
        refresher.stop()
        s.close()


def test_container_events_applied_in_place_without_listing_again(
    live: tuple[Session, Refresher, list[int]], prefix: str
) -> None:
    s, refresher, fetches = live
    before = len(fetches)
    comp = DshellCompleter(s)

    def names() -> set[str]:
        return {c.text for c in comp.candidates(f"rm {prefix}")[1]}

    made = [f"{prefix}-ev{i}" for i in range(5)]
    for name in made:
        docker("create", "--name", name, IMAGE, "true")
    wait_for(lambda: set(made) <= names(), 2)
    docker("rename", made[0], f"{prefix}-renamed")
    wait_for(lambda: f"{prefix}-renamed" in names() and made[0] not in names(), 2)
    docker("rm", made[1], made[2])
    wait_for(lambda: not {made[1], made[2]} & names(), 2)
    assert names() == {f"{prefix}-renamed", made[3], made[4]}
    assert refresher.applied >= 8
    assert len(fetches) == before  # no list of all containers for any of them
    total = refresher.status.total
    assert total is not None and total == len(s.names.peek("containers") or [])


def test_snapshot_replaced_by_the_live_list(daemon: str, prefix: str, cache_home: Path) -> None:
    """The REPL's start-up: the snapshot's names at once (a name removed since among them), then the live list
    in their place, written back as the new snapshot."""
    docker("create", "--name", f"{prefix}-real", IMAGE, "true")
    s = Session(parse_address(daemon))
    s.load_plugins()
    address = str(s.daemon.address)
    gone = {"Id": "f" * 64, "Names": [f"/{prefix}-gone"], "Image": IMAGE, "State": "exited", "Status": "x"}
    assert namesnap.save(address, [gone])
    comp = DshellCompleter(s)
    refreshers = Refreshers(s)
    refreshers.expect_snapshots()
    refreshers.preload()
    assert [c.text for c in comp.candidates(f"rm {prefix}")[1]] == [f"{prefix}-gone"]  # no daemon asked yet
    refreshers.start()
    try:
        wait_for(lambda: f"{prefix}-real" in [c.text for c in comp.candidates(f"rm {prefix}")[1]], 10)
        assert f"{prefix}-gone" not in [c.text for c in comp.candidates(f"rm {prefix}")[1]]
        wait_for(lambda: (namesnap.load(address) or [gone]) != [gone], 5)
    finally:
        refreshers.stop()
        s.close()
    written = [c["Names"][0] for c in namesnap.load(address) or []]
    assert f"/{prefix}-real" in written and f"/{prefix}-gone" not in written


def test_gentle_decode_matches_json_and_refuses_what_json_refuses() -> None:
    from dshell.core.names import SLIM_FIELDS, decode_list_gently

    items = [
        {**_item(n), "Ports": [{"PrivatePort": 80}], "Mounts": [], "Names": [f"/n-{n}", "/x/y"]}
        for n in range(50)
    ]
    body = json.dumps(items, indent=1).encode()
    assert decode_list_gently(body) == items
    slim = decode_list_gently(body, SLIM_FIELDS)
    assert slim[3] == {k: items[3][k] for k in SLIM_FIELDS if k in items[3]} and "Ports" not in slim[3]
    assert decode_list_gently(b" [ ] ") == []
    for bad in (b"", b"[", b"[1]", b"[{}", b"[{},]", b"[{}] x", b"{}", b"[{} {}]", b"[{}]]"):
        with pytest.raises(ValueError):
            decode_list_gently(bad)


def test_repl_completes_again_when_the_live_list_brings_what_the_snapshot_lacked(
    daemon: str, prefix: str, cache_home: Path, tmp_path: Path
) -> None:
    """In a pty: Tab right after start-up is served from the snapshot (which lacks the container); when the
    refresher's live list arrives the REPL completes again by itself, so the name shows without a second Tab;
    the snapshot written after holds the live names only."""
    pexpect = pytest.importorskip("pexpect")
    from conftest import DSHELL

    docker("create", "--name", f"{prefix}-real", IMAGE, "true")
    address = str(parse_address(daemon))
    other = {"Id": "e" * 64, "Names": [f"/{prefix}-other"], "Image": IMAGE, "State": "exited", "Status": "x"}
    assert namesnap.save(address, [other])
    env = {
        **os.environ,
        "TERM": "xterm",
        "PROMPT_TOOLKIT_NO_CPR": "1",
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    child = pexpect.spawn(DSHELL, [daemon], env=env, encoding="utf-8", timeout=20)
    try:
        child.expect("to leave")
        child.send(f"rm {prefix}-re\t")
        child.expect(f"{prefix}-real")
        child.sendcontrol("u")
        child.sendcontrol("d")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    written = [c["Names"][0] for c in namesnap.load(address) or []]
    assert f"/{prefix}-real" in written and f"/{prefix}-other" not in written
