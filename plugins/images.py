"""Images: images, pull, rmi (the rest of the image commands build on these declarations)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from dshell.api import images as api
from dshell.argtypes import parse_filters, short_id
from dshell.commands import Command, argument, flag, option
from dshell.completion import Candidate, CompletionRequest
from dshell.errors import APIError, UsageError
from dshell.hookspecs import hookimpl
from dshell.results import Lines, Progress, Result, Table

if TYPE_CHECKING:
    from collections.abc import Iterable

    from dshell.commands import CommandRegistry
    from dshell.completion import CompletionRegistry
    from dshell.invocation import Invocation

IMAGE_COLUMNS = ("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE")


def split_tag(repo_tag: str) -> tuple[str, str]:
    """``localhost:5000/x:1`` -> (``localhost:5000/x``, ``1``); ``<none>`` for missing parts."""
    if repo_tag.startswith("<none>"):
        return "<none>", "<none>"
    head, sep, tag = repo_tag.rpartition(":")
    if not sep or "/" in tag:
        return repo_tag, "<none>"
    return head, tag


def image_rows(items: list[dict[str, Any]], *, no_trunc: bool = False) -> list[tuple[str, ...]]:
    from dshell.humanize import ago, human_size

    rows = []
    for img in items:
        tags = [t for t in (img.get("RepoTags") or []) if t != "<none>:<none>"] or ["<none>:<none>"]
        for repo_tag in tags:
            repo, tag = split_tag(repo_tag)
            rows.append(
                (
                    repo,
                    tag,
                    short_id(img["Id"], no_trunc=no_trunc),
                    ago(img.get("Created", 0)),
                    human_size(img.get("Size", 0)),
                )
            )
    return rows


def images(inv: Invocation) -> Any:
    a = inv.args
    filters = parse_filters(a.filter)
    if a.reference:
        filters.setdefault("reference", []).append(a.reference)
    items = api.list_images(inv.client, all=a.all, filters=filters)
    if not a.all and not filters:
        inv.session.names.put("images", items)
    if a.quiet:
        ids = dict.fromkeys(short_id(i["Id"], no_trunc=a.no_trunc) for i in items)
        return Lines(list(ids))
    return Table(IMAGE_COLUMNS, image_rows(items, no_trunc=a.no_trunc), items)


def pull_events(inv: Invocation, reference: str) -> Iterator[dict[str, Any]]:
    """Pull progress, then the CLI's closing line (the full reference)."""
    from dshell.reference import parse_reference

    try:
        ref = parse_reference(reference)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    repo = ref.repository
    tag = ref.digest or ("" if inv.args.all_tags else (ref.tag or "latest"))
    if inv.args.all_tags and (ref.tag or ref.digest):
        raise UsageError("tag can't be used with --all-tags/-a")
    yield from api.pull(inv.client, repo, tag or None, platform=inv.args.platform)
    inv.session.names.invalidate("images")
    shown = ref.name if inv.args.all_tags else str(ref.with_default_tag())
    if ref.registry == "docker.io" and not shown.startswith("docker.io/"):
        shown = "docker.io/" + shown
    yield {"status": shown, "final": True}


def pull(inv: Invocation) -> Progress:
    events = pull_events(inv, inv.args.name)
    return Progress(_only_final(events) if inv.args.quiet else events)


def _only_final(events: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for event in events:
        if event.get("final") or "error" in event or "errorDetail" in event:
            yield event


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


def complete_images(request: CompletionRequest) -> Iterable[Candidate]:
    """Image references with tags (and ids for untagged images)."""
    from dshell.humanize import human_size

    for img in request.session.names.get("images"):
        size = human_size(img.get("Size", 0))
        tags = [t for t in (img.get("RepoTags") or []) if t != "<none>:<none>"]
        for tag in tags:
            yield Candidate(tag, size)
        if not tags:
            yield Candidate(short_id(img["Id"]), f"untagged · {size}")


@hookimpl
def dshell_register_commands(registry: CommandRegistry) -> None:
    registry.add(
        Command(
            "images",
            images,
            "List images",
            options=(
                flag("-a", "--all", help="Show all images (default hides intermediate images)"),
                flag("-q", "--quiet", help="Only show image IDs"),
                flag("--no-trunc", help="Don't truncate output"),
                option("-f", "--filter", help="Filter output based on conditions provided", repeat=True,
                       metavar="KEY=VALUE", complete="filter:image"),
            ),
            arguments=(argument("reference", "only images matching this reference", nargs="?", complete="image"),),
            aliases=("image ls", "image list"),
            json_output=True,
        )
    )
    registry.add(
        Command(
            "pull",
            pull,
            "Download an image from a registry",
            options=(
                flag("-a", "--all-tags", help="Download all tagged images in the repository"),
                flag("-q", "--quiet", help="Suppress verbose output"),
                option("--platform", help="Set platform if server is multi-platform capable", metavar="OS/ARCH"),
            ),
            arguments=(argument("name", "NAME[:TAG|@DIGEST]", complete="image"),),
            aliases=("image pull",),
        )
    )
    registry.add(
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
        )
    )


@hookimpl
def dshell_register_completers(completers: CompletionRegistry) -> None:
    completers.add("image", complete_images)
