"""``stats``: live resource usage as ``docker stats`` computes and prints it.

``--no-stream`` takes one sample of each container; otherwise one background reader per container follows
the daemon's stats stream and a table is produced every second (redrawn in place on a terminal, appended as
lines otherwise). ``--json`` yields the daemon's documents, one a line.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from dshell.plugin import APIError, DshellError, Lines, Result, Table, bytes_size, human_size
from dshell.plugin import containers_api as api

if TYPE_CHECKING:
    from dshell.plugin import Invocation

STATS_COLUMNS = (
    "CONTAINER ID",
    "NAME",
    "CPU %",
    "MEM USAGE / LIMIT",
    "MEM %",
    "NET I/O",
    "BLOCK I/O",
    "PIDS",
)


def stats_row(doc: dict[str, Any]) -> tuple[str, ...]:
    """One ``docker stats`` row from a stats document."""
    cpu = doc.get("cpu_stats") or {}
    pre = doc.get("precpu_stats") or {}
    cpu_delta = (cpu.get("cpu_usage") or {}).get("total_usage", 0) - (pre.get("cpu_usage") or {}).get(
        "total_usage", 0
    )
    sys_delta = cpu.get("system_cpu_usage", 0) - pre.get("system_cpu_usage", 0)
    online = cpu.get("online_cpus") or len((cpu.get("cpu_usage") or {}).get("percpu_usage") or []) or 1
    cpu_pct = cpu_delta / sys_delta * online * 100.0 if sys_delta > 0 and cpu_delta > 0 else 0.0
    mem = doc.get("memory_stats") or {}
    detail = mem.get("stats") or {}
    usage = mem.get("usage", 0)
    if "total_inactive_file" in detail and detail["total_inactive_file"] < usage:
        usage -= detail["total_inactive_file"]
    elif "inactive_file" in detail and detail["inactive_file"] < usage:
        usage -= detail["inactive_file"]
    limit = mem.get("limit", 0)
    mem_pct = usage / limit * 100.0 if limit else 0.0
    rx = tx = 0
    for net in (doc.get("networks") or {}).values():
        rx += net.get("rx_bytes", 0)
        tx += net.get("tx_bytes", 0)
    read = write = 0
    for entry in (doc.get("blkio_stats") or {}).get("io_service_bytes_recursive") or []:
        op = str(entry.get("op", "")).lower()
        if op == "read":
            read += entry.get("value", 0)
        elif op == "write":
            write += entry.get("value", 0)
    return (
        str(doc.get("id", ""))[:12],
        str(doc.get("name", "")).lstrip("/"),
        f"{cpu_pct:.2f}%",
        f"{bytes_size(usage)} / {bytes_size(limit)}",
        f"{mem_pct:.2f}%",
        f"{human_size(rx, 3)} / {human_size(tx, 3)}",
        f"{human_size(read, 3)} / {human_size(write, 3)}",
        str((doc.get("pids_stats") or {}).get("current", 0)),
    )


def _targets(inv: Invocation) -> list[str]:
    a = inv.args
    if a.containers:
        return list(a.containers)
    return [c["Id"] for c in api.list_containers(inv.client, all=a.all)]


def _one(inv: Invocation, name: str) -> dict[str, Any]:
    for doc in api.container_stats(inv.client, name, stream=False):
        return dict(doc)
    raise DshellError(f"no stats for {name}")


def stats(inv: Invocation) -> Result:
    """``stats``: one sample each (``--no-stream``) or a live view until Ctrl-C."""
    a = inv.args
    names = _targets(inv)
    if a.no_stream:
        errors: list[str] = []
        docs: list[dict[str, Any]] = []
        with ThreadPoolExecutor(max_workers=min(8, max(len(names), 1))) as pool:
            futures = [pool.submit(_one, inv, n) for n in names]
            for name, future in zip(names, futures, strict=True):
                try:
                    docs.append(future.result())
                except APIError as exc:
                    errors.append(f"Error response from daemon: {exc.message}")
                except DshellError as exc:
                    errors.append(f"Error: {exc.message} ({name})")
        if a.json:
            return Result(Lines(json.dumps(d, separators=(",", ":")) for d in docs), errors=errors)
        return Result(Table(STATS_COLUMNS, [stats_row(d) for d in docs], docs), errors=errors)
    for name in names:
        api.inspect_container(inv.client, name)  # fail now, with the daemon's message, for a bad name
    redraw = inv.console.is_tty and not a.json
    # a redraw is dshell's own cursor control around a table whose cells format_table made safe
    return Result(Lines(_live(inv, names, json_out=a.json, redraw=redraw), control=redraw))


def redraw_frame(table: str, *, first: bool) -> str:
    """One frame of the live table on a terminal, drawn over the last one as ``docker stats`` does.

    Cursor home, each line followed by clear-to-end-of-line, then clear below: nothing scrolls, and a
    terminal that keeps cleared screens in its history (tmux) does not collect a table a second. The
    screen is cleared once, before the first frame.
    """
    body = "".join(line + "\x1b[K\n" for line in table.split("\n"))
    return ("\x1b[2J" if first else "") + "\x1b[H" + body + "\x1b[J"


def _live(inv: Invocation, names: list[str], *, json_out: bool, redraw: bool) -> Iterator[str]:
    """Follow every container's stats stream in a reader thread; yield a table (or documents) each second."""
    from dshell.plugin import format_table

    latest: dict[str, dict[str, Any]] = {}
    order: list[str] = list(names)
    lock = threading.Lock()
    stop = threading.Event()

    def reader(name: str) -> None:
        try:
            for doc in api.container_stats(inv.client, name, stream=True):
                if stop.is_set():
                    return
                with lock:
                    latest[name] = dict(doc)
        except DshellError:
            return

    for name in names:
        threading.Thread(target=reader, args=(name,), daemon=True).start()
    first = True
    try:
        while True:
            time.sleep(1.0)
            with lock:
                docs = (
                    [latest.pop(n) for n in order if n in latest]
                    if json_out
                    else [latest[n] for n in order if n in latest]
                )
            if json_out:
                for doc in docs:
                    yield json.dumps(doc, separators=(",", ":"))
                continue
            table = format_table(STATS_COLUMNS, [stats_row(d) for d in docs])
            if redraw:
                yield redraw_frame(table, first=first)
                first = False
            else:
                yield table
    finally:
        stop.set()
