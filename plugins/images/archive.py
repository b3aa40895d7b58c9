"""Image archives for the images plugin: save, load, import — all streamed in blocks, never read whole.

``save -o FILE`` goes through the output layer's :class:`~dshell.output.results.Binary` (a temporary file renamed only
on success); without ``-o`` the tar goes to stdout when it is piped and is refused on a terminal.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO

from dshell.plugin import (
    Binary,
    Command,
    CommandFailed,
    Progress,
    UsageError,
    argument,
    flag,
    invalidating,
    option,
)

from .build import binary_stdin

if TYPE_CHECKING:
    from dshell.plugin import Invocation


def save(inv: Invocation) -> Binary:
    from dshell.plugin import check_output_path
    from dshell.plugin import images_api as api

    a = inv.args
    if a.output is not None and a.output != "-":
        check_output_path(a.output, what="the image archive")  # before the archive is requested
    elif inv.console.is_tty:
        raise CommandFailed(
            "refusing to write an image archive to a terminal", hint="use -o FILE or redirect the output"
        )
    return Binary(api.save(inv.client, a.images), path=a.output, what="an image archive")


def _open_input(inv: Invocation, path: str | None, what: str) -> BinaryIO:
    """``path`` opened for reading, or binary stdin; clear errors for a missing file or an empty stdin."""
    if path and path != "-":
        try:
            return open(path, "rb")
        except OSError as exc:
            raise CommandFailed(f"open {path}: {exc.strerror or exc}") from None
    stdin = binary_stdin(inv)
    if stdin is None:
        raise CommandFailed(
            f"requested {what} from stdin, but stdin is empty or a terminal", hint="use -i FILE"
        )
    return stdin


def _chunks(fh: BinaryIO, *, close: bool) -> Iterator[bytes]:
    from dshell.plugin import stream_file

    try:
        yield from stream_file(fh)
    finally:
        if close:
            fh.close()


def load(inv: Invocation) -> Progress:
    from dshell.plugin import images_api as api

    a = inv.args
    fh = _open_input(inv, a.input, "load")
    body = _chunks(fh, close=bool(a.input and a.input != "-"))
    return Progress(invalidating(inv.session.names, "images", api.load(inv.client, body, quiet=a.quiet)))


def import_(inv: Invocation) -> Progress:
    from dshell.plugin import images_api as api
    from dshell.plugin import parse_reference

    a = inv.args
    if "://" in a.file:
        raise UsageError("import: importing from a URL is not supported; download the file and import it")
    repository = tag = None
    if a.reference:
        try:
            ref = parse_reference(a.reference)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        if ref.digest:
            raise UsageError("import: the target cannot be a digest reference")
        repository, tag = ref.repository, ref.tag
    fh = _open_input(inv, a.file, "import")
    body = _chunks(fh, close=a.file != "-")
    events = api.import_image(
        inv.client,
        body,
        repository=repository,
        tag=tag,
        message=a.message,
        changes=a.change,
        platform=a.platform,
    )
    return Progress(invalidating(inv.session.names, "images", events))


def commands() -> list[Command]:
    """The commands of this module."""
    return [
        Command(
            "save",
            save,
            "Save one or more images to a tar archive (to stdout when piped)",
            options=(
                option(
                    "-o",
                    "--output",
                    help="Write to a file, instead of STDOUT",
                    metavar="FILE",
                    complete="file",
                ),
            ),
            arguments=(argument("images", "images to save", nargs="+", complete="image"),),
            aliases=("image save",),
        ),
        Command(
            "load",
            load,
            "Load an image from a tar archive or STDIN",
            options=(
                option(
                    "-i",
                    "--input",
                    help="Read from tar archive file, instead of STDIN",
                    metavar="FILE",
                    complete="file",
                ),
                flag("-q", "--quiet", help="Suppress the load output"),
            ),
            aliases=("image load",),
        ),
        Command(
            "import",
            import_,
            "Import the contents from a tarball to create a filesystem image",
            options=(
                option(
                    "-c",
                    "--change",
                    help="Apply Dockerfile instruction to the created image",
                    repeat=True,
                    metavar="INSTRUCTION",
                ),
                option("-m", "--message", help="Set commit message for imported image"),
                option(
                    "--platform", help="Set platform if server is multi-platform capable", metavar="OS/ARCH"
                ),
            ),
            arguments=(
                argument("file", "tarball file, or '-' for stdin", complete="file"),
                argument("reference", "REPOSITORY[:TAG]", nargs="?"),
            ),
            aliases=("image import",),
        ),
    ]
