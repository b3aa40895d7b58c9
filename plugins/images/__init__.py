"""Images: list, pull, tag, remove, history, inspect, prune — and, from the ``image_*`` modules, push, login,
logout, search, build, save, load and import. This module is the plugin's entry point: it registers them all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from dshell.plugin import (
    APIError,
    Command,
    Lines,
    NotFound,
    Option,
    Progress,
    Result,
    Table,
    UsageError,
    argument,
    created_at,
    ellipsis,
    flag,
    hookimpl,
    human_size,
    option,
    parse_filters,
    short_id,
)
from dshell.plugin import images_api as api

from . import archive as image_archive
from . import build as image_build
from . import registry as image_registry

if TYPE_CHECKING:
    from collections.abc import Iterable

    from dshell.plugin import Candidate, CommandRegistry, CompletionRegistry, CompletionRequest, Invocation

IMAGE_COLUMNS = ("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE")
HISTORY_COLUMNS = ("IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT")
#: ``--format`` field -> table header, as ``docker images`` names them.
IMAGE_HEADERS = {
    "ID": "IMAGE ID",
    "Repository": "REPOSITORY",
    "Tag": "TAG",
    "Digest": "DIGEST",
    "CreatedSince": "CREATED",
    "CreatedAt": "CREATED AT",
    "Size": "SIZE",
    "Containers": "CONTAINERS",
    "SharedSize": "SHARED SIZE",
    "UniqueSize": "UNIQUE SIZE",
    "VirtualSize": "VIRTUAL SIZE",
}
DEFAULT_IMAGE_FORMAT = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
NONE = "<none>"


def image_size(n: float) -> str:
    """Sizes as ``docker images``/``history`` print them (go-units, 3 significant digits): ``1.99MB``."""
    return human_size(n, 3)


def rfc3339(ts: float) -> str:
    """``time.Unix(ts, 0).Format(time.RFC3339)`` in the local zone."""
    import datetime

    text = datetime.datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds")
    return text.replace("+00:00", "Z")


def split_tag(repo_tag: str) -> tuple[str, str]:
    """``localhost:5000/x:1`` -> (``localhost:5000/x``, ``1``); ``<none>`` for missing parts."""
    if repo_tag.startswith(NONE):
        return NONE, NONE
    head, sep, tag = repo_tag.rpartition(":")
    if not sep or "/" in tag:
        return repo_tag, NONE
    return head, tag


def image_entries(img: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(repository, tag, digest)`` for each line ``docker images`` shows for one image."""
    tags: dict[str, list[str]] = {}
    digests: dict[str, str] = {}
    for repo_tag in img.get("RepoTags") or []:
        if repo_tag != "<none>:<none>":
            repo, tag = split_tag(repo_tag)
            tags.setdefault(repo, []).append(tag)
    for repo_digest in img.get("RepoDigests") or []:
        repo, sep, digest = repo_digest.partition("@")
        if sep and repo != NONE:
            digests.setdefault(repo, digest)
            tags.setdefault(repo, [])
    out = []
    for repo, repo_tags in tags.items():
        for tag in repo_tags or [NONE]:
            out.append((repo, tag, digests.get(repo, NONE)))
    return out or [(NONE, NONE, NONE)]


def image_views(items: list[dict[str, Any]], *, no_trunc: bool = False) -> list[dict[str, Any]]:
    """One ``--format`` object per line, with the CLI's field names."""
    from dshell.plugin import ago

    views = []
    for img in items:
        created = img.get("Created", 0)
        for repo, tag, digest in image_entries(img):
            views.append(
                {
                    "ID": short_id(img["Id"], no_trunc=no_trunc),
                    "Repository": repo,
                    "Tag": tag,
                    "Digest": digest,
                    "CreatedSince": ago(created),
                    "CreatedAt": created_at(created),
                    "Size": image_size(img.get("Size", 0)),
                    "VirtualSize": image_size(img.get("VirtualSize", img.get("Size", 0))),
                    "SharedSize": image_size(img["SharedSize"]) if img.get("SharedSize", -1) >= 0 else "N/A",
                    "UniqueSize": (
                        image_size(img["Size"] - img["SharedSize"])
                        if img.get("SharedSize", -1) >= 0
                        else "N/A"
                    ),
                    "Containers": str(img["Containers"]) if img.get("Containers", -1) >= 0 else "N/A",
                }
            )
    return views


def image_rows(
    items: list[dict[str, Any]], *, no_trunc: bool = False, digests: bool = False
) -> list[tuple[str, ...]]:
    """Table rows: repository, tag, (digest,) id, created, size."""
    rows = []
    for view in image_views(items, no_trunc=no_trunc):
        row = [view["Repository"], view["Tag"], view["ID"], view["CreatedSince"], view["Size"]]
        if digests:
            row.insert(2, view["Digest"])
        rows.append(tuple(row))
    return rows


def images(inv: Invocation) -> Any:
    a = inv.args
    filters = parse_filters(a.filter)
    if a.reference:
        filters.setdefault("reference", []).append(a.reference)
    items = api.list_images(inv.client, all=a.all, digests=a.digests, filters=filters)
    if not a.all and not filters:
        inv.session.names.put("images", items)
    if a.quiet:
        ids = dict.fromkeys(short_id(i["Id"], no_trunc=a.no_trunc) for i in items)
        return Lines(list(ids))
    if a.format and not a.json:
        from dshell.plugin import render_format

        views = image_views(items, no_trunc=a.no_trunc)
        return render_format(a.format, views, IMAGE_HEADERS, DEFAULT_IMAGE_FORMAT)
    columns = list(IMAGE_COLUMNS)
    if a.digests:
        columns.insert(2, "DIGEST")
    return Table(columns, image_rows(items, no_trunc=a.no_trunc, digests=a.digests), items)


# -- pull ----------------------------------------------------------------------------------------------------


def pull_events(inv: Invocation, reference: str) -> Iterator[dict[str, Any]]:
    """Pull progress, then the CLI's closing line (the full reference)."""
    from dshell.plugin import parse_reference

    try:
        ref = parse_reference(reference)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if inv.args.all_tags and (ref.tag or ref.digest):
        raise UsageError("tag can't be used with --all-tags/-a")
    repo = ref.repository
    tag = ref.digest or ("" if inv.args.all_tags else (ref.tag or "latest"))
    headers = image_registry.auth_headers(inv, ref)
    events = api.pull(inv.client, repo, tag or None, platform=inv.args.platform, headers=headers)
    yield from image_registry.with_login_hint(events, ref)
    inv.session.names.invalidate("images")
    shown = ref.name if inv.args.all_tags else str(ref.with_default_tag())
    if ref.registry == "docker.io" and not shown.startswith("docker.io/"):
        shown = "docker.io/" + shown
    yield {"status": shown, "final": True}


def pull(inv: Invocation) -> Progress:
    events = pull_events(inv, inv.args.name)
    return Progress(image_registry.only_final(events) if inv.args.quiet else events)


# -- tag, rmi, history, inspect, prune -----------------------------------------------------------------------


def tag(inv: Invocation) -> None:
    from dshell.plugin import parse_reference

    try:
        target = parse_reference(inv.args.target)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if target.digest:
        raise UsageError("refusing to create a tag with a digest reference")
    api.tag_image(inv.client, inv.args.source, target.repository, target.tag or "latest")
    inv.session.names.invalidate("images")


def rmi(inv: Invocation) -> Result:
    a = inv.args
    lines: list[str] = []
    errors: list[str] = []
    for ref in a.images:
        try:
            for record in api.remove_image(inv.client, ref, force=a.force, noprune=a.no_prune):
                for key in ("Untagged", "Deleted"):
                    if key in record:
                        lines.append(f"{key}: {record[key]}")
        except APIError as exc:
            errors.append(f"Error response from daemon: {exc.message}")
    inv.session.names.invalidate("images")
    return Result(Lines(lines), errors=errors)


def history_rows(items: list[dict[str, Any]], *, no_trunc: bool, human: bool) -> list[tuple[str, ...]]:
    """``docker history`` rows: id, created, created by, size, comment."""
    from dshell.plugin import ago

    rows: list[tuple[str, ...]] = []
    for h in items:
        ident = h.get("Id") or "<missing>"
        created_by = str(h.get("CreatedBy") or "").replace("\t", " ")
        created = h.get("Created", 0)
        rows.append(
            (
                ident if ident == "<missing>" else short_id(ident, no_trunc=no_trunc),
                ago(created) if human else rfc3339(created),
                created_by if no_trunc else ellipsis(created_by, 45),
                image_size(h.get("Size", 0)) if human else str(h.get("Size", 0)),
                h.get("Comment") or "",
            )
        )
    return rows


def history(inv: Invocation) -> Any:
    a = inv.args
    items = api.history(inv.client, a.image)
    if a.quiet:
        return Lines([r[0] for r in history_rows(items, no_trunc=a.no_trunc, human=True)])
    return Table(HISTORY_COLUMNS, history_rows(items, no_trunc=a.no_trunc, human=a.human), items)


def image_inspect(inv: Invocation) -> Result:
    a = inv.args
    found: list[dict[str, Any]] = []
    errors: list[str] = []
    for name in a.images:
        try:
            found.append(api.inspect_image(inv.client, name))
        except NotFound:
            errors.append(f"Error: No such image: {name}")
    from dshell.plugin import render_inspect

    return render_inspect(a.format, found, errors)


PRUNE_WARNINGS = {
    False: "WARNING! This will remove all dangling images.",
    True: "WARNING! This will remove all images without at least one container associated to them.",
}


def prune(inv: Invocation) -> Lines | None:
    from dshell.plugin import confirm_removal

    a = inv.args
    filters = parse_filters(a.filter)
    filters["dangling"] = ["false" if a.all else "true"]
    if not a.force and not confirm_removal(inv.console, PRUNE_WARNINGS[a.all], what="images"):
        return None
    report = api.prune(inv.client, filters)
    inv.session.names.invalidate("images")
    lines = []
    deleted = report.get("ImagesDeleted") or []
    if deleted:
        lines.append("Deleted Images:")
        for record in deleted:
            for key in ("Untagged", "Deleted"):
                if record.get(key):
                    lines.append(f"{key.lower()}: {record[key]}")
        lines.append("")
    from dshell.plugin import human_size

    lines.append(f"Total reclaimed space: {human_size(report.get('SpaceReclaimed') or 0)}")
    return Lines(lines)


# -- completion ----------------------------------------------------------------------------------------------


def complete_images(request: CompletionRequest) -> Iterable[Candidate]:
    """Image references (``repository:tag``), then short ids, each with a short description."""
    from dshell.plugin import Candidate, ago

    items = request.session.names.get("images")
    ids: list[Candidate] = []
    for img in items:
        size = image_size(img.get("Size", 0))
        tags = [t for t in (img.get("RepoTags") or []) if t != "<none>:<none>"]
        for repo_tag in tags:
            yield Candidate(repo_tag, f"{short_id(img['Id'])} · {size}")
        names = ", ".join(tags) if tags else "untagged"
        ids.append(Candidate(short_id(img["Id"]), f"{names} · {size} · {ago(img.get('Created', 0))}"))
    yield from ids


# -- declarations ----------------------------------------------------------------------------------------------

FILTER_OPTION = option(
    "-f",
    "--filter",
    help="Filter output based on conditions provided (dangling, reference, label, before, since)",
    repeat=True,
    metavar="KEY=VALUE",
    complete="filter:image",
)


def commands() -> list[Command]:
    """The commands of this module."""
    return [
        Command(
            "images",
            images,
            "List images",
            options=(
                flag("-a", "--all", help="Show all images (default hides intermediate images)"),
                flag("-q", "--quiet", help="Only show image IDs"),
                flag("--digests", help="Show digests"),
                flag("--no-trunc", help="Don't truncate output"),
                FILTER_OPTION,
                option("--format", help="Pretty-print images using a Go template (or 'table', 'json')"),
            ),
            arguments=(
                argument("reference", "only images matching this reference", nargs="?", complete="image"),
            ),
            aliases=("image ls", "image list"),
            json_output=True,
            examples=("images --filter dangling=true", "images --format '{{.Repository}}:{{.Tag}}'"),
        ),
        Command(
            "pull",
            pull,
            "Download an image from a registry",
            options=(
                flag("-a", "--all-tags", help="Download all tagged images in the repository"),
                flag("-q", "--quiet", help="Suppress verbose output"),
                option(
                    "--platform", help="Set platform if server is multi-platform capable", metavar="OS/ARCH"
                ),
            ),
            arguments=(argument("name", "NAME[:TAG|@DIGEST]", complete="image"),),
            aliases=("image pull",),
        ),
        Command(
            "tag",
            tag,
            "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
            arguments=(
                argument("source", "SOURCE_IMAGE[:TAG]", complete="image"),
                argument("target", "TARGET_IMAGE[:TAG]", complete="image"),
            ),
            aliases=("image tag",),
        ),
        Command(
            "rmi",
            rmi,
            "Remove one or more images",
            options=(
                flag("-f", "--force", help="Force removal of the image"),
                flag("--no-prune", help="Do not delete untagged parents"),
            ),
            arguments=(argument("images", "images to remove", nargs="+", complete="image"),),
            aliases=("image rm", "image remove"),
        ),
        Command(
            "image history",  # plain "history" is the shell's command history
            history,
            "Show the history of an image",
            options=(
                Option(
                    ("-H", "--human"), help="Print sizes and dates in human readable format", default=True
                ),
                flag("--no-trunc", help="Don't truncate output"),
                flag("-q", "--quiet", help="Only show image IDs"),
            ),
            arguments=(argument("image", "the image", complete="image"),),
            json_output=True,
        ),
        Command(
            "image inspect",
            image_inspect,
            "Display detailed information on one or more images",
            options=(option("-f", "--format", help="Format the output using the given Go template"),),
            arguments=(argument("images", "images to inspect", nargs="+", complete="image"),),
        ),
        Command(
            "image prune",
            prune,
            "Remove unused images",
            options=(
                flag("-a", "--all", help="Remove all unused images, not just dangling ones"),
                flag("-f", "--force", help="Do not prompt for confirmation"),
                option(
                    "--filter",
                    help="Provide filter values (e.g. 'until=<timestamp>', 'label=k=v')",
                    repeat=True,
                    metavar="KEY=VALUE",
                ),
            ),
        ),
    ]


@hookimpl
def dshell_register_commands(registry: CommandRegistry) -> None:
    for module_commands in (
        commands(),
        image_registry.commands(),
        image_build.commands(),
        image_archive.commands(),
    ):
        for command in module_commands:
            registry.add(command)


@hookimpl
def dshell_register_completers(completers: CompletionRegistry) -> None:
    completers.add("image", complete_images)
