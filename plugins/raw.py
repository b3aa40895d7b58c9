"""Raw HTTP: ``get|post|put|delete|head PATH [BODY]`` against any Engine API endpoint."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from dshell.api.client import split_version_prefix
from dshell.commands import Command, argument
from dshell.errors import APIError, CommandFailed, UsageError
from dshell.hookspecs import hookimpl
from dshell.results import Binary, Document, Frames, Lines, Text

if TYPE_CHECKING:
    from dshell.commands import CommandRegistry
    from dshell.invocation import Invocation

#: Characters left as typed in a raw path; anything else (spaces, quotes, non-ASCII) is percent-encoded.
PATH_SAFE = "/:?=&%@!$'()*+,;~-._[]"


def load_body(text: str | None) -> tuple[bytes | None, dict[str, str]]:
    """The request body: inline JSON (validated) or ``@file``."""
    if not text:
        return None, {}
    if text.startswith("@"):
        path = text[1:]
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise UsageError(f"cannot read body file {path}: {exc.strerror or exc}") from None
        text_data = data.decode("utf-8", errors="replace")
    else:
        data = text.encode()
        text_data = text
    try:
        json.loads(text_data)
    except ValueError as exc:
        raise UsageError(f"invalid JSON body: {exc}") from None
    return data, {"Content-Type": "application/json"}


def send(inv: Invocation, method: str) -> Any:
    path = inv.args.path
    if not path.startswith("/"):
        path = "/" + path
    path, versioned = split_version_prefix(quote(path, safe=PATH_SAFE))
    body, headers = load_body(inv.args.get("body"))
    client = inv.client
    try:
        resp = client._send(method, path, data=body, headers=headers, stream=True, versioned=versioned)
    except APIError as exc:
        raise CommandFailed(f"{exc.status_line}: {exc.message}") from None
    if resp.status_code == 204 or method == "HEAD":
        resp.close()
        return None
    ctype = resp.headers.get("Content-Type", "").split(";")[0].strip()
    chunked = "chunked" in resp.headers.get("Transfer-Encoding", "")
    if ctype == "application/json":
        if not chunked:
            from dshell.api.client import decode_json

            try:
                return Document(decode_json(resp))
            finally:
                resp.close()
        from dshell.api.streams import iter_json_documents

        docs = iter_json_documents(client.iter_stream(resp))
        return Lines(json.dumps(d) for d in docs)
    if ctype in ("application/vnd.docker.multiplexed-stream", "application/vnd.docker.raw-stream"):
        from dshell.api.streams import iter_frames

        chunks = client.iter_stream(resp)
        if ctype.endswith("raw-stream"):
            return Frames((1, c) for c in chunks)
        return Frames(iter_frames(chunks))
    if ctype.startswith("text/"):
        try:
            return Text(resp.text)
        finally:
            resp.close()
    return Binary(client.iter_stream(resp), what=ctype or "a binary reply")


def _handler(method: str) -> Any:
    def handler(inv: Invocation) -> Any:
        return send(inv, method)

    handler.__name__ = method.lower()
    return handler


@hookimpl
def dshell_register_commands(registry: CommandRegistry) -> None:
    for method in ("GET", "HEAD", "POST", "PUT", "DELETE"):
        arguments = [argument("path", "API path, with or without /vX.Y", complete="api-path")]
        if method in ("POST", "PUT", "DELETE"):
            arguments.append(
                argument("body", "JSON body (the rest of the line, as typed) or @file.json", nargs="raw")
            )
        registry.add(
            Command(
                method.lower(),
                _handler(method),
                f"Send a raw {method} request to the Engine API",
                arguments=tuple(arguments),
                examples=(
                    ("get /containers/json?all=1" if method == "GET" else f"{method.lower()} /containers/x"),
                ),
            )
        )
