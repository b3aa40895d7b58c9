"""``system df``, ``system prune`` and ``events`` (imported on first use)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from dshell.plugin import (
    APIError,
    Lines,
    Result,
    Table,
    Text,
    UsageError,
    ago,
    confirm_removal,
    containers_api,
    ellipsis,
    human_size,
    images_api,
    networks_api,
    parse_filters,
    short_id,
    system_api,
    volumes_api,
)

if TYPE_CHECKING:
    from dshell.plugin import Invocation

DF_COLUMNS = ("TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE")
DF_HEADERS = {
    "Type": "TYPE",
    "TotalCount": "TOTAL",
    "Active": "ACTIVE",
    "Size": "SIZE",
    "Reclaimable": "RECLAIMABLE",
}
ACTIVE_STATES = ("running", "paused", "restarting")


def _share(reclaimable: int, total: int) -> str:
    """``1.985MB (100%)`` (Go's integer percentage), or the size alone for a zero total."""
    text = human_size(reclaimable)
    return f"{text} ({reclaimable * 100 // total}%)" if total > 0 else text


def df_summary(du: dict[str, Any]) -> list[dict[str, str]]:
    """The four lines of ``docker system df``, with the CLI's active counts and reclaimable figures."""
    images = du.get("Images") or []
    containers = du.get("Containers") or []
    volumes = du.get("Volumes") or []
    cache = du.get("BuildCache") or []
    layers = int(du.get("LayersSize") or 0)
    used = sum(
        i.get("Size", 0) - i.get("SharedSize", 0)
        for i in images
        if i.get("Containers", 0) != 0 and i.get("Size", -1) != -1 and i.get("SharedSize", -1) != -1
    )
    rw_total = sum(c.get("SizeRw") or 0 for c in containers)
    rw_idle = sum(c.get("SizeRw") or 0 for c in containers if not _active(c))
    sized = [v.get("UsageData") or {} for v in volumes]
    vol_total = sum(u.get("Size", 0) for u in sized if u.get("Size", -1) != -1)
    vol_idle = sum(u.get("Size", 0) for u in sized if u.get("Size", -1) != -1 and u.get("RefCount", 0) == 0)
    builder = int(du.get("BuilderSize") or sum(b.get("Size", 0) for b in cache if not b.get("Shared")))
    cache_used = sum(b.get("Size", 0) for b in cache if b.get("InUse") and not b.get("Shared"))
    return [
        {
            "Type": "Images",
            "TotalCount": str(len(images)),
            "Active": str(sum(1 for i in images if i.get("Containers", 0) > 0)),
            "Size": human_size(layers),
            "Reclaimable": _share(layers - used, layers),
        },
        {
            "Type": "Containers",
            "TotalCount": str(len(containers)),
            "Active": str(sum(1 for c in containers if _active(c))),
            "Size": human_size(rw_total),
            "Reclaimable": _share(rw_idle, rw_total),
        },
        {
            "Type": "Local Volumes",
            "TotalCount": str(len(volumes)),
            "Active": str(sum(1 for u in sized if u.get("RefCount", 0) > 0)),
            "Size": human_size(vol_total),
            "Reclaimable": _share(vol_idle, vol_total),
        },
        {
            "Type": "Build Cache",
            "TotalCount": str(len(cache)),
            "Active": str(sum(1 for b in cache if b.get("InUse"))),
            "Size": human_size(sum(b.get("Size", 0) for b in cache if not b.get("Shared"))),
            "Reclaimable": human_size(builder - cache_used),
        },
    ]


def _active(c: dict[str, Any]) -> bool:
    state = str(c.get("State") or "")
    return any(s in state for s in ACTIVE_STATES)


def _table(header: list[str], rows: list[list[str]]) -> str:
    """Rows under ``header`` aligned as the CLI's tables are (Go's tabwriter, through a ``table`` format)."""
    from dshell.plugin import parse_format

    keys = [f"c{i}" for i in range(len(header))]
    fmt = parse_format("table " + "\t".join("{{." + k + "}}" for k in keys))
    return str(
        fmt.render_all((dict(zip(keys, r, strict=True)) for r in rows), dict(zip(keys, header, strict=True)))
    )


def _repo_tags(img: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for ref in img.get("RepoTags") or []:
        if ref == "<none>:<none>":
            continue
        repo, _, tag = ref.rpartition(":")
        out.append((repo, tag) if repo and "/" not in tag else (ref, "<none>"))
    if not out:
        digests = img.get("RepoDigests") or []
        repo = digests[0].partition("@")[0] if digests else "<none>"
        out.append((repo, "<none>"))
    return out


def df_verbose(du: dict[str, Any]) -> str:
    """``docker system df -v``: one table per kind."""
    parts = ["Images space usage:\n\n"]
    rows = []
    for img in du.get("Images") or []:
        shared = img.get("SharedSize", -1)
        for repo, tag in _repo_tags(img):
            rows.append(
                [
                    repo,
                    tag,
                    short_id(img.get("Id", "")),
                    ago(img.get("Created", 0)),
                    human_size(img.get("Size", 0), 3),
                    human_size(shared) if shared != -1 else "N/A",
                    human_size(img.get("Size", 0) - shared) if shared != -1 else "N/A",
                    str(img["Containers"]) if img.get("Containers", -1) != -1 else "N/A",
                ]
            )
    header = ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS"]
    parts.append(_table(header, rows))
    rows = []
    for c in du.get("Containers") or []:
        names = [n.lstrip("/") for n in c.get("Names") or [] if n.count("/") == 1]
        local = sum(1 for m in c.get("Mounts") or [] if m.get("Driver") == "local")
        rows.append(
            [
                short_id(c.get("Id", "")),
                _short_image(str(c.get("Image", ""))),
                '"' + ellipsis(str(c.get("Command", "")), 20) + '"',
                str(local),
                human_size(c.get("SizeRw") or 0, 3),  # the CLI leaves the virtual size out here
                ago(c.get("Created", 0)),
                str(c.get("Status", "")),
                ",".join(names),
            ]
        )
    header = ["CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED", "STATUS", "NAMES"]
    parts.append("\nContainers space usage:\n\n" + _table(header, rows))
    rows = []
    for v in du.get("Volumes") or []:
        usage = v.get("UsageData") or {}
        size = usage.get("Size", -1) if usage else -1
        links = usage.get("RefCount", -1) if usage else -1
        rows.append(
            [
                v.get("Name", ""),
                str(links) if links != -1 else "N/A",
                human_size(size) if size != -1 else "N/A",
            ]
        )
    parts.append("\nLocal Volumes space usage:\n\n" + _table(["VOLUME NAME", "LINKS", "SIZE"], rows))
    cache = du.get("BuildCache") or []
    builder = int(du.get("BuilderSize") or sum(b.get("Size", 0) for b in cache if not b.get("Shared")))
    rows = []
    for b in cache:
        ident = short_id(b.get("ID", "")) + ("*" if b.get("InUse") else "")
        rows.append(
            [
                ident,
                str(b.get("Type", "")),
                human_size(b.get("Size", 0), 3),
                ago(b.get("CreatedAt", "")),
                ago(b.get("LastUsedAt") or ""),
                str(b.get("UsageCount", 0)),
                str(bool(b.get("Shared"))).lower(),
            ]
        )
    header = ["CACHE ID", "CACHE TYPE", "SIZE", "CREATED", "LAST USED", "USAGE", "SHARED"]
    parts.append(f"\nBuild cache usage: {human_size(builder)}\n\n" + _table(header, rows))
    return "".join(parts)


def _short_image(image: str) -> str:
    """The CLI's ``Image`` column: a digest-pinned reference without its digest, an image id shortened."""
    if image.startswith("sha256:"):
        return short_id(image)
    return image.partition("@")[0] or image


def df(inv: Invocation) -> Any:
    a = inv.args
    du = system_api.disk_usage(inv.client)
    if a.json:
        from dshell.plugin import Document

        return Document(du)
    if a.verbose:
        if a.format:
            raise UsageError("--format is not supported with --verbose here")
        return Text(df_verbose(du))
    summary = df_summary(du)
    if a.format:
        from dshell.plugin import render_format

        default = "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}"
        return render_format(a.format, summary, DF_HEADERS, default)
    rows = [[s[k] for k in DF_HEADERS] for s in summary]
    return Table(DF_COLUMNS, rows, du)


# -- system prune ------------------------------------------------------------------------------------------


def prune_warning(
    *, volumes: bool, all_images: bool, build_cache: bool, filters: dict[str, list[str]]
) -> str:
    """The CLI's warning before ``system prune``'s question."""
    items = ["all stopped containers", "all networks not used by at least one container"]
    if volumes:
        items.append("all anonymous volumes not used by at least one container")
    items.append(
        "all images without at least one container associated to them"
        if all_images
        else "all dangling images"
    )
    if build_cache:
        items.append("all build cache" if all_images else "unused build cache")
    text = "WARNING! This will remove:\n" + "".join(f"  - {i}\n" for i in items)
    shown = sorted(f"{k}={v}" for k in ("label", "label!", "until") for v in filters.get(k, []))
    if shown:
        text += "\n  Items to be pruned will be filtered with:\n" + "".join(f"  - {f}\n" for f in shown)
    return text  # ends with a newline: an empty line before confirm_removal's question


def prune(inv: Invocation) -> Result:
    """``system prune``: containers, networks, (volumes,) images and build cache, in the CLI's order.

    Build cache has no labels, so a ``label`` filter would match none of it; the daemon ignores the key and
    would prune all of it, so with a ``label`` filter the build cache is left alone.
    """
    a = inv.args
    filters = parse_filters(a.filter)
    labelled = "label" in filters or "label!" in filters
    if not a.force:
        warning = prune_warning(volumes=a.volumes, all_images=a.all, build_cache=True, filters=filters)
        if not confirm_removal(inv.console, warning, what="unused data"):
            return Result()
    client = inv.client
    lines: list[str] = []
    errors: list[str] = []
    reclaimed = 0

    def section(title: str, names: list[str]) -> None:
        if names:
            lines.extend([title, *names, ""])

    try:
        report = containers_api.prune_containers(client, filters=filters)
        reclaimed += int(report.get("SpaceReclaimed") or 0)
        section("Deleted Containers:", list(report.get("ContainersDeleted") or []))
        report = networks_api.prune_networks(client, filters=filters)
        section("Deleted Networks:", list(report.get("NetworksDeleted") or []))
        if a.volumes:
            report = volumes_api.prune_volumes(
                client, filters={k: v for k, v in filters.items() if k != "until"}
            )
            reclaimed += int(report.get("SpaceReclaimed") or 0)
            section("Deleted Volumes:", list(report.get("VolumesDeleted") or []))
        report = images_api.prune(client, {**filters, "dangling": ["false" if a.all else "true"]})
        reclaimed += int(report.get("SpaceReclaimed") or 0)
        records = report.get("ImagesDeleted") or []
        section(
            "Deleted Images:",
            [f"{k.lower()}: {r[k]}" for r in records for k in ("Untagged", "Deleted") if r.get(k)],
        )
        if not labelled:
            cache_filters = {k: v for k, v in filters.items() if k == "until"}
            report = system_api.prune_build_cache(client, filters=cache_filters, all=a.all)
            reclaimed += int(report.get("SpaceReclaimed") or 0)
            section("Deleted build cache objects:", list(report.get("CachesDeleted") or []))
    except APIError as exc:
        errors.append(f"Error response from daemon: {exc.message}")
    for kind in ("containers", "networks", "volumes", "images"):
        inv.session.names.invalidate(kind)
    lines.append(f"Total reclaimed space: {human_size(reclaimed)}")
    return Result(Lines(lines), errors=errors)


# -- events ------------------------------------------------------------------------------------------------


def event_time(event: dict[str, Any]) -> str:
    """Go's ``RFC3339NanoFixed`` in the local zone: ``2024-01-02T03:04:05.123456789Z``."""
    nanos = int(event.get("timeNano") or 0) or int(event.get("time") or 0) * 1_000_000_000
    seconds, frac = divmod(nanos, 1_000_000_000)
    when = datetime.datetime.fromtimestamp(seconds).astimezone()
    offset = when.strftime("%z")
    zone = "Z" if offset in ("+0000", "") else f"{offset[:3]}:{offset[3:]}"
    return f"{when.strftime('%Y-%m-%dT%H:%M:%S')}.{frac:09d}{zone}"


def event_line(event: dict[str, Any]) -> str:
    """One event as ``docker events`` prints it: time, type, action, actor id, (sorted attributes)."""
    actor = event.get("Actor") or {}
    text = ""
    if event.get("timeNano") or event.get("time"):
        text = event_time(event) + " "
    text += f"{event.get('Type', '')} {event.get('Action', '')} {actor.get('ID', '')}"
    attrs = actor.get("Attributes") or {}
    if attrs:
        text += " (" + ", ".join(f"{k}={attrs[k]}" for k in sorted(attrs)) + ")"
    return text


def events(inv: Invocation) -> Lines:
    """``events``: a live stream (Ctrl-C ends it); with ``--until`` it ends by itself."""
    from dshell.plugin import parse_time_arg

    a = inv.args
    times: dict[str, str | None] = {}
    for key in ("since", "until"):
        value = a.get(key)
        try:
            times[key] = parse_time_arg(value) if value else None
        except ValueError as exc:
            raise UsageError(f"invalid value for --{key}: {exc}") from None
    render = event_line
    if a.json:
        import json

        def render(event: dict[str, Any]) -> str:
            return json.dumps(event, separators=(",", ":"))

    elif a.format:
        from dshell.plugin import TemplateError, parse_format

        try:
            fmt = parse_format(a.format)
        except TemplateError as exc:
            raise UsageError(str(exc)) from None

        def render(event: dict[str, Any]) -> str:
            try:
                return fmt.render(event)
            except TemplateError as exc:
                raise UsageError(str(exc)) from None

    stream = system_api.events(
        inv.client, since=times["since"], until=times["until"], filters=parse_filters(a.filter) or None
    )
    return Lines(_lines(stream, render))


def _lines(stream: Iterator[dict[str, Any]], render: Any) -> Iterator[str]:
    try:
        for event in stream:
            yield render(event)
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
