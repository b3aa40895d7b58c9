"""The volume commands' handlers (imported on first use)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dshell.plugin import (
    APIError,
    CommandFailed,
    Lines,
    NotFound,
    Result,
    Table,
    UsageError,
    confirm_removal,
    human_size,
    natural_key,
    parse_filters,
    parse_key_values,
    render_format,
    render_inspect,
    version_tuple,
)
from dshell.plugin import volumes_api as api

if TYPE_CHECKING:
    from dshell.plugin import Invocation

COLUMNS = ("DRIVER", "VOLUME NAME")
DEFAULT_FORMAT = "table {{.Driver}}\t{{.Name}}"
#: ``--format`` field -> table header, as ``docker volume ls`` names them.
HEADERS = {
    "Name": "VOLUME NAME",
    "Driver": "DRIVER",
    "Scope": "SCOPE",
    "Mountpoint": "MOUNTPOINT",
    "Labels": "LABELS",
    "Links": "LINKS",
    "Size": "SIZE",
    "Group": "GROUP",
    "Availability": "AVAILABILITY",
    "Status": "STATUS",
}
PRUNE_ANONYMOUS = "WARNING! This will remove anonymous local volumes not used by at least one container."
PRUNE_ALL = "WARNING! This will remove all local volumes not used by at least one container."


def volume_view(v: dict[str, Any]) -> dict[str, Any]:
    """A volume as ``docker volume ls --format`` templates see it (fields in the CLI's JSON order)."""
    labels: dict[str, str] = v.get("Labels") or {}
    usage = v.get("UsageData") or {}
    size = usage.get("Size", -1) if usage else -1
    return {
        "Availability": "N/A",
        "Driver": v.get("Driver", ""),
        "Group": "N/A",
        "Labels": ",".join(f"{k}={val}" for k, val in sorted(labels.items())),
        "Links": str(usage["RefCount"]) if usage and usage.get("RefCount", -1) >= 0 else "N/A",
        "Mountpoint": v.get("Mountpoint", ""),
        "Name": v.get("Name", ""),
        "Scope": v.get("Scope", ""),
        "Size": human_size(size) if size >= 0 else "N/A",
        "Status": "N/A",
        "Label": lambda key: labels.get(key, ""),
    }


def ls(inv: Invocation) -> Any:
    a = inv.args
    filters = parse_filters(a.filter)
    reply = api.list_volumes(inv.client, filters=filters)
    items = sorted(reply.get("Volumes") or [], key=lambda v: natural_key(v.get("Name", "")))
    if not filters:
        inv.session.names.put("volumes", items)
    if a.quiet:
        return Lines([v["Name"] for v in items])
    if a.format and not a.json:
        return render_format(a.format, (volume_view(v) for v in items), HEADERS, DEFAULT_FORMAT)
    rows = [(v.get("Driver", ""), v.get("Name", "")) for v in items]
    return Table(COLUMNS, rows, items)


def create(inv: Invocation) -> Lines:
    a = inv.args
    volume = api.create_volume(
        inv.client,
        a.name,
        driver=a.driver,
        driver_opts=parse_key_values(a.opt, what="driver option"),
        labels=parse_key_values(a.label, what="label"),
    )
    inv.session.names.invalidate("volumes")
    return Lines([volume.get("Name", "")])


def inspect(inv: Invocation) -> Result:
    a = inv.args
    found: list[dict[str, Any]] = []
    errors: list[str] = []
    for name in a.volumes:
        try:
            found.append(api.inspect_volume(inv.client, name))
        except APIError as exc:
            errors.append(f"Error response from daemon: {exc.message}")
    return render_inspect(a.format, found, errors)


def rm(inv: Invocation) -> Result:
    a = inv.args
    done: list[str] = []
    errors: list[str] = []
    for name in a.volumes:
        try:
            api.remove_volume(inv.client, name, force=a.force)
            done.append(name)
        except NotFound as exc:
            if a.force:
                done.append(name)  # the CLI: -f ignores a volume that is not there
            else:
                errors.append(f"Error response from daemon: {exc.message}")
        except APIError as exc:
            errors.append(f"Error response from daemon: {exc.message}")
    inv.session.names.invalidate("volumes")
    return Result(Lines(done), errors=errors)


def prune(inv: Invocation) -> Result:
    a = inv.args
    filters = parse_filters(a.filter)
    modern = version_tuple(inv.client.api_version) >= (1, 42)
    warning = PRUNE_ANONYMOUS
    if a.all:
        if not modern:
            raise CommandFailed(
                f'"--all" requires API version 1.42, but the Docker daemon API version is {inv.client.api_version}'
            )
        if "all" in filters:
            raise UsageError("conflicting options: cannot specify both --all and --filter all=1")
        filters["all"] = ["true"]
        warning = PRUNE_ALL
    elif not modern:
        warning = PRUNE_ALL  # before API 1.42 the daemon removes named volumes too
    if not a.force and not confirm_removal(inv.console, warning, what="volumes"):
        return Result()
    report = api.prune_volumes(inv.client, filters=filters)
    inv.session.names.invalidate("volumes")
    deleted = report.get("VolumesDeleted") or []
    lines = ["Deleted Volumes:", *deleted, ""] if deleted else []
    lines.append(f"Total reclaimed space: {human_size(report.get('SpaceReclaimed') or 0)}")
    return Result(Lines(lines))
