"""Lifecycle and one-shot container commands: stop, restart, kill, pause, unpause, rename, wait, update,
port, diff, top, export, commit, prune and inspect.

Commands taking several containers act on each in turn: the name of each one done is printed (as the CLI
does) and the daemon's message for each failure is collected into the result's errors.
"""

from __future__ import annotations

import signal as _signal
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dshell.plugin import (
    APIError,
    Binary,
    CommandFailed,
    Document,
    Lines,
    NotFound,
    Result,
    Table,
    UsageError,
)
from dshell.plugin import containers_api as api

if TYPE_CHECKING:
    from dshell.plugin import Invocation


def each(inv: Invocation, names: list[str], action: Callable[[str], Any]) -> Result:
    """Run ``action`` on every name; print the ones that worked, collect the daemon's errors."""
    done: list[str] = []
    errors: list[str] = []
    for name in names:
        try:
            action(name)
            done.append(name)
        except APIError as exc:
            errors.append(f"Error response from daemon: {exc.message}")
    inv.session.names.invalidate("containers")
    return Result(Lines(done), errors=errors)


def normalize_signal(text: str) -> str:
    """``SIGTERM``, ``TERM``, ``term`` or ``15`` -> what the API takes (``SIGTERM`` or ``15``)."""
    if text.isdigit():
        if not 0 < int(text) < 65:
            raise UsageError(f"invalid signal: {text}")
        return text
    name = text.upper()
    if not name.startswith("SIG"):
        name = "SIG" + name
    base = name.split("+", 1)[0].split("-", 1)[0]
    if base not in _signal.Signals.__members__ and not base.startswith("SIGRTM"):
        raise UsageError(f"invalid signal: {text}")
    return name


def stop(inv: Invocation) -> Result:
    t = inv.args.time
    return each(inv, inv.args.containers, lambda n: api.stop_container(inv.client, n, timeout=t))


def restart(inv: Invocation) -> Result:
    t = inv.args.time
    return each(inv, inv.args.containers, lambda n: api.restart_container(inv.client, n, timeout=t))


def kill(inv: Invocation) -> Result:
    sig = normalize_signal(inv.args.signal) if inv.args.signal else None
    return each(inv, inv.args.containers, lambda n: api.kill_container(inv.client, n, signal=sig))


def pause(inv: Invocation) -> Result:
    return each(inv, inv.args.containers, lambda n: api.pause_container(inv.client, n))


def unpause(inv: Invocation) -> Result:
    return each(inv, inv.args.containers, lambda n: api.unpause_container(inv.client, n))


def rename(inv: Invocation) -> Result:
    api.rename_container(inv.client, inv.args.container, inv.args.new_name)
    inv.session.names.invalidate("containers")
    return Result()


def wait(inv: Invocation) -> Result:
    """``wait``: block until each container stops and print its exit code."""
    codes: list[str] = []
    errors: list[str] = []
    for name in inv.args.containers:
        try:
            body = api.wait_result(api.wait_container(inv.client, name))
            codes.append(str(body.get("StatusCode", 0)))
        except APIError as exc:
            errors.append(f"Error response from daemon: {exc.message}")
    return Result(Lines(codes), errors=errors)


def update(inv: Invocation) -> Result:
    """``update``: change resources or the restart policy of running or stopped containers."""
    from .run import parse_restart

    a = inv.args
    config: dict[str, Any] = {}
    if a.cpus is not None:
        config["NanoCpus"] = a.cpus
    if a.memory is not None:
        config["Memory"] = a.memory
    if a.memory_swap is not None:
        config["MemorySwap"] = a.memory_swap
    if a.memory_reservation is not None:
        config["MemoryReservation"] = a.memory_reservation
    if a.cpu_shares is not None:
        config["CpuShares"] = a.cpu_shares
    if a.pids_limit is not None:
        config["PidsLimit"] = a.pids_limit
    if a.restart:
        config["RestartPolicy"] = parse_restart(a.restart)
    if not config:
        raise UsageError("you must provide one or more flags when using this command")

    def one(name: str) -> None:
        for warning in api.update_container(inv.client, name, config).get("Warnings") or []:
            inv.console.warn(warning)

    return each(inv, a.containers, one)


def port(inv: Invocation) -> Result:
    """``port CTR [PRIVATE_PORT[/PROTO]]``: the public addresses of published ports."""
    a = inv.args
    info = api.inspect_container(inv.client, a.container)
    ports = (info.get("NetworkSettings") or {}).get("Ports") or {}
    wanted = None
    if a.private_port:
        number, _, proto = a.private_port.partition("/")
        wanted = f"{number}/{proto or 'tcp'}"
    lines = []
    for key in sorted(ports, key=lambda k: (int(k.split("/")[0]), k)):
        if wanted and key != wanted:
            continue
        for binding in ports[key] or []:
            ip = binding.get("HostIp") or "0.0.0.0"
            host = f"[{ip}]" if ":" in ip else ip
            text = f"{host}:{binding.get('HostPort', '')}"
            lines.append(text if wanted else f"{key} -> {text}")
    if wanted and not lines:
        raise CommandFailed(f"No public port '{wanted}' published for {a.container}")
    return Result(Lines(lines))


def diff(inv: Invocation) -> Lines:
    """``diff``: ``A`` added, ``C`` changed, ``D`` deleted paths of the container's filesystem."""
    kinds = {0: "C", 1: "A", 2: "D"}
    changes = api.container_changes(inv.client, inv.args.container)
    return Lines(f"{kinds.get(int(c.get('Kind') or 0), '?')} {c.get('Path', '')}" for c in changes)


def top(inv: Invocation) -> Table:
    """``top CTR [ps OPTIONS]``: the container's processes as ``ps`` shows them."""
    ps_args = " ".join(inv.args.ps_args) or None
    data = api.container_top(inv.client, inv.args.container, ps_args=ps_args)
    return Table(data.get("Titles") or [], data.get("Processes") or [], data)


def export(inv: Invocation) -> Binary:
    """``export``: the container's filesystem as a tar archive, streamed to ``-o FILE`` or a pipe."""
    output = inv.args.output
    if output is not None and output != "-":
        from dshell.plugin import check_output_path

        check_output_path(output, what="the tar archive")  # before the archive is requested
    chunks = api.export_container(inv.client, inv.args.container)
    return Binary(chunks, path=inv.args.output, what="a tar archive")


def commit(inv: Invocation) -> Lines:
    """``commit CTR [REPO[:TAG]]``: a new image from the container's changes; prints its id."""
    from dshell.plugin import split_repo_tag

    a = inv.args
    params: dict[str, Any] = {
        "comment": a.message or None,
        "author": a.author or None,
        "pause": a.pause,
        "changes": "\n".join(a.change) or None,
    }
    if a.repository:
        try:
            repo, tag = split_repo_tag(a.repository)
        except ValueError as exc:  # ``commit CTR :``: the CLI's own wording, not an internal error
            raise UsageError(str(exc)) from None
        params.update(repo=repo, tag=tag)
    reply = api.commit_container(inv.client, a.container, params)
    inv.session.names.invalidate("images")
    return Lines([str(reply.get("Id", ""))])


def prune(inv: Invocation) -> Result:
    """``container prune``: remove stopped containers, after confirmation unless ``-f``."""
    from dshell.plugin import confirm_removal, human_size, parse_filters

    a = inv.args
    filters = parse_filters(a.filter)
    if not a.force and not confirm_removal(
        inv.console, "WARNING! This will remove all stopped containers.", what="containers"
    ):
        return Result()
    reply = api.prune_containers(inv.client, filters=filters)
    inv.session.names.invalidate("containers")
    deleted = reply.get("ContainersDeleted") or []
    lines = ["Deleted Containers:", *deleted, ""] if deleted else []
    lines.append(f"Total reclaimed space: {human_size(reply.get('SpaceReclaimed') or 0)}")
    return Result(Lines(lines))


def inspect(inv: Invocation) -> Result:
    """``inspect``: containers (then images, or as ``--type`` says) as JSON, or through ``-f`` template."""
    from dshell.plugin import images_api

    a = inv.args
    kind = a.get("type") or None
    template = None
    if a.format:
        from dshell.plugin import TemplateError, parse_template  # the template engine: only for -f

        try:
            template = parse_template(a.format)
        except TemplateError as exc:
            raise UsageError(f"template parsing error: {exc}") from None
    found: list[Any] = []
    errors: list[str] = []
    for name in a.names:
        doc = None
        if kind in (None, "container"):
            try:
                doc = api.inspect_container(inv.client, name, size=a.size)
            except NotFound:
                pass
        if doc is None and kind in (None, "image"):
            try:
                doc = images_api.inspect_image(inv.client, name)
            except NotFound:
                pass
        if doc is None:
            what = {"container": "container", "image": "image"}.get(kind or "", "object")
            errors.append(f"Error: No such {what}: {name}")
            continue
        found.append(doc)
    if template is None:
        return Result(Document(found), errors=errors)
    lines = []
    for doc in found:
        try:
            lines.append(template.execute(doc))
        except TemplateError as exc:
            errors.append(f"Error: {exc}")
    return Result(Lines(lines), errors=errors)
