"""``build`` for the images plugin: the classic builder (``POST /build``) with a streamed context.

The context directory is tarred honouring ``.dockerignore`` and sent as it is read (:mod:`dshell.api.build`);
``build -`` sends stdin: a tar (plain or compressed) as it is, or a Dockerfile as a one-file context. The
build output is shown as it arrives; a failing step ends the command with the step's error and status 1.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, BinaryIO

from dshell.plugin import Command, Progress, UsageError, argument, flag, invalidating, option

from . import registry as image_registry

if TYPE_CHECKING:
    from dshell.plugin import Invocation


def binary_stdin(inv: Invocation) -> BinaryIO | None:
    """The console's stdin as bytes, or None when there is none (or it is a terminal nobody pipes into)."""
    stdin = inv.console.stdin
    if stdin is None:
        return None
    try:
        if stdin.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    return getattr(stdin, "buffer", None)


def _read_head(fh: BinaryIO, size: int = 512) -> bytes:
    parts: list[bytes] = []
    got = 0
    while got < size:
        data = fh.read(size - got)
        if not data:
            break
        parts.append(data)
        got += len(data)
    return b"".join(parts)


def build_args(values: Iterable[str]) -> dict[str, str | None]:
    """``--build-arg K=V``; a bare ``K`` takes the environment's value (null when unset), as the CLI does."""
    out: dict[str, str | None] = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not key:
            raise UsageError(f"build: invalid --build-arg {value!r}")
        out[key] = val if sep else os.environ.get(key)
    return out


def build(inv: Invocation) -> Progress:
    from dshell.plugin import build_api as ctx
    from dshell.plugin import images_api as api
    from dshell.plugin import parse_key_values, parse_reference

    a = inv.args
    for name in a.tag:
        try:
            parse_reference(name)
        except ValueError as exc:
            raise UsageError(f"build: invalid tag {name!r}: {exc}") from None
    stdin = binary_stdin(inv)
    if a.path == "-":
        if a.file == "-":
            raise UsageError("build: the context and the Dockerfile cannot both come from stdin")
        if stdin is None:
            raise UsageError("build: 'build -' reads a Dockerfile or a tar from stdin, and there is none")
        head = _read_head(stdin)
        if ctx.looks_like_archive(head):
            chunks: Iterable[bytes] = ctx.stream_file(stdin, head)
            dockerfile, text = a.file, None
        else:
            content = head + stdin.read()
            chunks, dockerfile, text = (
                ctx.dockerfile_tar(content),
                "Dockerfile",
                content.decode(errors="replace"),
            )
    else:
        if a.file == "-" and stdin is None:
            raise UsageError("build: -f - reads the Dockerfile from stdin, and there is none")
        prepared = ctx.prepare_context(a.path, a.file, stdin)
        chunks, dockerfile, text = prepared.chunks, prepared.dockerfile, prepared.dockerfile_text
    params: dict[str, Any] = {
        "dockerfile": dockerfile,
        "q": a.quiet,
        "nocache": a.no_cache,
        "pull": a.pull,
        "rm": True,
        "forcerm": a.force_rm,
        "target": a.target,
        "networkmode": a.network,
        "platform": a.platform,
        "labels": parse_key_values(a.label, what="label") or None,
        "buildargs": build_args(a.build_arg) or None,
    }
    headers = image_registry.registry_config_header(inv, ctx.from_registries(text)) if text else {}
    events = api.build(inv.client, chunks, tags=a.tag, params=params, headers=headers)
    return Progress(invalidating(inv.session.names, "images", events))


def commands() -> list[Command]:
    """The commands of this module."""
    return [
        Command(
            "build",
            build,
            "Build an image from a Dockerfile (classic builder; the context is streamed)",
            options=(
                option(
                    "-t",
                    "--tag",
                    help="Name and optionally a tag in the 'name:tag' format",
                    repeat=True,
                    metavar="NAME[:TAG]",
                ),
                option(
                    "-f",
                    "--file",
                    help="Name of the Dockerfile (default: PATH/Dockerfile; '-' for stdin)",
                    metavar="FILE",
                    complete="file",
                ),
                option("--build-arg", help="Set build-time variables", repeat=True, metavar="KEY=VALUE"),
                option("--target", help="Set the target build stage to build", metavar="STAGE"),
                option("--label", help="Set metadata for an image", repeat=True, metavar="KEY=VALUE"),
                flag("--no-cache", help="Do not use cache when building the image"),
                flag("--pull", help="Always attempt to pull a newer version of the image"),
                flag("-q", "--quiet", help="Suppress the build output and print image ID on success"),
                flag("--force-rm", help="Always remove intermediate containers"),
                option(
                    "--network",
                    help="Set the networking mode for the RUN instructions during build",
                    metavar="MODE",
                    complete="network",
                ),
                option(
                    "--platform", help="Set platform if server is multi-platform capable", metavar="OS/ARCH"
                ),
            ),
            arguments=(
                argument("path", "the build context directory, or '-' for stdin", complete="file:dir"),
            ),
            aliases=("image build",),
            examples=(
                "build -t app:1 .",
                "build -t app:1 -f docker/Dockerfile --build-arg VERSION=2 --target final .",
                "build -q -t app:1 -   (from a shell: dshell -c 'build -q -t app:1 -' < Dockerfile)",
            ),
        ),
    ]
