"""What the swarm commands share: ``--format``/``-q``/``--json`` output, task rows as the CLI prints them,
node names, and small parsers for the CLI's argument forms."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from dshell.plugin import APIError, Lines, Result, Table, UsageError, ellipsis, option

if TYPE_CHECKING:
    from dshell.plugin import DockerClient, Invocation

#: ``service ps`` / ``node ps`` columns, and their ``--format`` fields.
TASK_COLUMNS = ("ID", "NAME", "IMAGE", "NODE", "DESIRED STATE", "CURRENT STATE", "ERROR", "PORTS")
TASK_HEADERS = {
    "ID": "ID",
    "Name": "NAME",
    "Image": "IMAGE",
    "Node": "NODE",
    "DesiredState": "DESIRED STATE",
    "CurrentState": "CURRENT STATE",
    "Error": "ERROR",
    "Ports": "PORTS",
}
#: Longest task error shown untruncated (the CLI's ``maxErrLength``).
MAX_ERR_LENGTH = 30

FORMAT_OPTION = option(
    "--format", help="Format output using a custom template ('table', 'json' or a Go template)"
)
INSPECT_FORMAT = option("-f", "--format", help="Format the output using the given Go template")


def pretty(word: str) -> str:
    """The CLI's ``PrettyPrint``: the first letter upper-cased (``running`` -> ``Running``)."""
    return word[:1].upper() + word[1:]


def ago_lower(ts: str, now: float | None = None) -> str:
    """``2 seconds ago`` / ``less than a second ago``: ``HumanDuration`` lower-cased, as ``service ps`` shows."""
    from dshell.plugin import human_duration, parse_rfc3339

    if not ts or ts.startswith("0001-01-01"):
        return ""
    seconds = (time.time() if now is None else now) - parse_rfc3339(ts)
    return f"{human_duration(seconds).lower()} ago"


def ago_cap(ts: str) -> str:
    """``About a minute ago`` (``secret ls`` / ``config ls``)."""
    from dshell.plugin import ago

    return ago(ts) if ts else ""


def strip_digest(image: str) -> str:
    """``busybox:latest@sha256:...`` -> ``busybox:latest`` (the CLI's truncated image)."""
    return image.split("@", 1)[0]


def listing(
    inv: Invocation,
    *,
    columns: Sequence[str],
    views: list[dict[str, Any]],
    fields: Sequence[str],
    headers: dict[str, str],
    data: Any,
    quiet_field: str = "ID",
) -> Any:
    """``-q`` ids, ``--format``, or the table (``--json`` renders ``data``) of a listing command."""
    a = inv.args
    if a.get("quiet"):
        return Lines([str(v[quiet_field]) for v in views])
    if a.get("format") and not a.get("json"):
        from dshell.plugin import render_format

        default = "table " + "\t".join("{{." + f + "}}" for f in fields)
        return render_format(a.format, views, headers, default)
    return Table(list(columns), [tuple(v[f] for f in fields) for v in views], data)


def for_each(names: Iterable[str], act: Callable[[str], object]) -> Result:
    """``act`` on each name in turn (``rm``): the names it was done for, a line each; a daemon's refusal goes to
    the errors and the rest go on, as the CLI does."""
    lines: list[str] = []
    errors: list[str] = []
    for name in names:
        try:
            act(name)
            lines.append(name)
        except APIError as exc:
            errors.append(f"Error response from daemon: {exc.message}")
    return Result(Lines(lines), errors=errors)


def inspect_output(inv: Invocation, found: list[dict[str, Any]], errors: list[str]) -> Result:
    """``inspect``: the documents, or each through ``-f/--format``."""
    from dshell.plugin import render_inspect

    return render_inspect(inv.args.get("format"), found, errors)


# -- tasks -------------------------------------------------------------------------------------------------


def node_names(client: DockerClient) -> dict[str, str]:
    """Node ID -> hostname (empty when this daemon cannot list nodes)."""
    from dshell.plugin import APIError
    from dshell.plugin import nodes_api as api

    try:
        return {n["ID"]: n.get("Description", {}).get("Hostname", "") for n in api.list_nodes(client)}
    except APIError:
        return {}


def task_ports(task: dict[str, Any]) -> str:
    """Published host-mode ports of a task: ``*:8080->80/tcp``."""
    ports = (task.get("Status") or {}).get("PortStatus", {}).get("Ports") or []
    return ", ".join(port_text(p) for p in ports)


def port_text(port: dict[str, Any]) -> str:
    """``*:PUBLISHED->TARGET/PROTOCOL``."""
    return f"*:{port.get('PublishedPort', '')}->{port.get('TargetPort', '')}/{port.get('Protocol', 'tcp')}"


def task_views(
    tasks: list[dict[str, Any]],
    services: dict[str, str],
    nodes: dict[str, str],
    *,
    no_trunc: bool = False,
    no_resolve: bool = False,
    now: float | None = None,
) -> list[dict[str, Any]]:
    """``service ps`` lines: sorted by task name then newest first, earlier tasks of a slot indented ``\\_``."""
    named: list[tuple[str, dict[str, Any]]] = []
    for task in tasks:
        service = task.get("ServiceID", "")
        service_name = service if no_resolve else services.get(service, service)
        slot = task.get("Slot") or 0
        name = f"{service_name}.{slot}" if slot else f"{service_name}.{task.get('NodeID', '')}"
        named.append((name, task))
    named.sort(key=lambda nt: (nt[0], -_seconds(str(nt[1].get("CreatedAt", "")))))
    views = []
    previous = ""
    for name, task in named:
        status = task.get("Status") or {}
        error = str(status.get("Err") or "")
        if not no_trunc:
            error = ellipsis(error, MAX_ERR_LENGTH)
        node = str(task.get("NodeID") or "")
        image = str(task.get("Spec", {}).get("ContainerSpec", {}).get("Image", ""))
        shown = f"{name}.{task['ID']}" if no_trunc else name
        state = str(status.get("State", ""))
        views.append(
            {
                "ID": task["ID"] if no_trunc else task["ID"][:12],
                "Name": shown if name != previous else f" \\_ {shown}",
                "Image": image if no_trunc else strip_digest(image),
                "Node": node if no_resolve else nodes.get(node, node),
                "DesiredState": pretty(str(task.get("DesiredState", ""))),
                "CurrentState": f"{pretty(state)} {ago_lower(str(status.get('Timestamp', '')), now)}".strip(),
                "Error": f'"{error}"' if error else "",
                "Ports": task_ports(task),
                "FullID": task["ID"],
            }
        )
        previous = name
    return views


def _seconds(ts: str) -> float:
    from dshell.plugin import parse_rfc3339

    try:
        return parse_rfc3339(ts)
    except ValueError:
        return 0.0


def task_listing(inv: Invocation, tasks: list[dict[str, Any]], services: dict[str, str]) -> Any:
    """The output of ``service ps`` / ``node ps``."""
    a = inv.args
    nodes = {} if a.get("no_resolve") else node_names(inv.client)
    views = task_views(tasks, services, nodes, no_trunc=a.get("no_trunc"), no_resolve=a.get("no_resolve"))
    if a.get("quiet"):
        return Lines([v["FullID"] if a.get("no_trunc") else v["FullID"][:12] for v in views])
    fields = ("ID", "Name", "Image", "Node", "DesiredState", "CurrentState", "Error", "Ports")
    return listing(inv, columns=TASK_COLUMNS, views=views, fields=fields, headers=TASK_HEADERS, data=tasks)


# -- argument forms ----------------------------------------------------------------------------------------


def duration_ns(text: str, what: str) -> int:
    """A Go duration (``10s``, ``1m30s``) in nanoseconds, as the API wants it."""
    from dshell.plugin import parse_duration

    try:
        return round(parse_duration(text) * 1e9)
    except ValueError as exc:
        raise UsageError(f"invalid argument {text!r} for {what}: {exc}") from None


def go_duration(ns: int) -> str:
    """Nanoseconds as Go prints a ``time.Duration``: ``5s``, ``1m30s``, ``2160h0m0s``, ``0s``."""
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    if ns < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if ns >= size:
                value = ns / size
                return f"{sign}{value:g}{unit}"
    seconds, frac = divmod(ns, 1_000_000_000)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    sec_text = f"{secs}" + (f".{frac:09d}".rstrip("0") if frac else "")
    if hours:
        return f"{sign}{hours}h{minutes}m{sec_text}s"
    if minutes:
        return f"{sign}{minutes}m{sec_text}s"
    return f"{sign}{sec_text}s"


def key_values(values: Iterable[str], what: str) -> dict[str, str]:
    """``k=v`` (repeatable) -> dict."""
    from dshell.plugin import parse_key_values

    return parse_key_values(values, what=what)


def read_source(inv: Invocation, path: str, what: str) -> bytes:
    """The bytes of ``path``, or of stdin for ``-``."""
    if path == "-":
        stdin = inv.console.stdin
        buffer = getattr(stdin, "buffer", None) if stdin is not None else None
        if buffer is None:
            raise UsageError(f"{what}: '-' reads the data from stdin, but there is no stdin")
        try:
            if stdin is not None and stdin.isatty():
                inv.console.warn(f"{what}: reading the data from the terminal; end it with Ctrl-D")
        except (AttributeError, ValueError):
            pass
        data: bytes = buffer.read()
        return data
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise UsageError(f"{what}: cannot read {path}: {exc.strerror}") from None
