"""Raw HTTP: ``get|head|post|put|delete PATH[?QUERY] [BODY]`` against any Engine API endpoint, and
``endpoints`` to browse the catalogue those paths complete from.

The request is built (and a bad body refused) by :mod:`dshell.plugins.raw.request`, the reply turned into
something to show by :mod:`dshell.plugins.raw.response`, paths and query parameters completed by
:mod:`dshell.plugins.raw.completion`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dshell.plugin import (
    Command,
    CommandFailed,
    Document,
    DshellError,
    Table,
    Text,
    UsageError,
    argument,
    flag,
    hookimpl,
    option,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from dshell.plugin import (
        Candidate,
        CommandRegistry,
        CompletionRegistry,
        CompletionRequest,
        Endpoint,
        Invocation,
    )

    from .request import RawRequest

METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE")
#: Endpoints that answer only when something happens (a container exits): no read timeout.
BLOCKING = frozenset({("POST", "/containers/{id}/wait")})


def _endpoint(inv: Invocation, request: RawRequest) -> Endpoint | None:
    """The catalogue's endpoint for the request, if it knows one."""
    found = inv.session.catalogue.match(request.method, request.route)
    return found[0] if found else None


def _full_path(inv: Invocation, path: str) -> str:
    """``path`` with the ``/vX.Y`` prefix the client will add (none when the daemon cannot be asked)."""
    from dshell.plugin import split_version_prefix

    path, versioned = split_version_prefix(path)
    if not versioned:
        return path
    try:
        return f"/v{inv.client.api_version}{path}"
    except DshellError as exc:
        inv.console.warn(
            f"no API version for the curl command ({exc.message}); the daemon will use its newest"
        )
        return path


def _color(inv: Invocation) -> bool:
    """Colour stream documents as the display layer colours documents: on a terminal, with ``set color``."""
    return inv.console.color and bool(inv.session.settings.get("color", True))


def send(inv: Invocation, method: str) -> Any:
    """Send one raw request and return what to show of the reply."""
    from .request import build_request, curl_command
    from .response import Trace, raise_for_status, reply_body

    a = inv.args
    request = build_request(
        method,
        a.path,
        body=a.get("body"),
        query=a.param,
        headers=a.header,
        data_binary=a.data_binary,
        content_type=a.content_type,
    )
    endpoint = _endpoint(inv, request)
    if a.curl:
        stream = endpoint is not None and endpoint.stream
        full = _full_path(inv, request.path)
        return Text(curl_command(request, inv.client.address, full, output=a.output, stream=stream))
    client = inv.client
    waits = endpoint is None or endpoint.stream or endpoint.hijack or endpoint.key in BLOCKING
    trace = Trace(inv.console) if a.verbose else None
    body = request.body
    data: Any = body.data
    fh = None
    try:
        if body.file is not None:
            try:
                fh = open(body.file, "rb")  # noqa: SIM115 - closed below, once the request is sent
            except OSError as exc:
                raise UsageError(f"cannot read {body.file}: {exc.strerror or exc}") from None
            data = fh
        resp = client.send_raw(
            method,
            request.path,
            data=data,
            headers=request.headers,
            read_timeout=None if waits else client.timeout,
        )
    finally:
        if fh is not None:
            fh.close()
    if trace is not None:
        trace.exchange(resp)
    raise_for_status(client, resp, method, request.path)
    try:
        return reply_body(
            resp, client=client, endpoint=endpoint, color=_color(inv), output=a.output, trace=trace
        )
    except BaseException:
        resp.close()
        raise


def _handler(method: str) -> Any:
    def handler(inv: Invocation) -> Any:
        return send(inv, method)

    handler.__name__ = method.lower()
    handler.__doc__ = f"Send a raw {method} request."
    return handler


RAW_OPTIONS = (
    option(
        "-q",
        "--param",
        help="Add a query parameter (key and value URL-encoded; --query is the JMESPath filter of the reply)",
        repeat=True,
        metavar="KEY=VALUE",
        complete="api-query",
    ),
    option("-H", "--header", help="Add a request header", repeat=True, metavar="'NAME: VALUE'"),
    option(
        "--data-binary", help="Send raw bytes: @FILE (streamed from disk) or the text itself", metavar="@FILE"
    ),
    option(
        "--content-type",
        help="Content-Type of the body (default: JSON; for --data-binary, from the file name)",
        metavar="TYPE",
    ),
    option(
        "-o",
        "--output",
        help="Write the reply body to FILE (needed for binary replies on a terminal)",
        metavar="FILE",
        complete="file",
    ),
    flag("--curl", help="Print the equivalent curl command instead of sending"),
    flag("-v", "--verbose", help="Show request and response headers and timing (on stderr)"),
)

RAW_DESCRIPTION = (
    "PATH is sent as typed (only characters that cannot appear in a URL are quoted), with the negotiated "
    "/vX.Y prefix unless it has one. BODY is the rest of the line, verbatim: inline JSON ({…} or […]), "
    "@FILE.json, or httpie-style pairs: key=string and key:=json build a JSON object, key==value adds a "
    "query parameter. Options go before BODY. Invalid JSON is refused before anything is sent. "
    "2xx replies are shown (JSON indented, streams as each document or log frame arrives, Ctrl-C ends "
    "them); other statuses print the daemon's message and fail."
)

RAW_EXAMPLES = {
    "GET": (
        "get /containers/json?all=1",
        "get -v /events?since=1700000000&until=1700000060",
        "get -o fs.tar /containers/web/export",
        "get /containers/web/logs?follow=1&stdout=1",
    ),
    "HEAD": ("head /_ping", "head /containers/web/archive?path=/etc"),
    "POST": (
        'post /containers/create?name=web {"Image": "busybox", "Cmd": ["sleep", "60"]}',
        'post /containers/create?name=web Image=busybox Cmd:=\'["sleep", "60"]\'',
        "post /containers/web/kill?signal=SIGTERM",
        "post --curl /containers/web/start",
    ),
    "PUT": ("put --data-binary @files.tar /containers/web/archive?path=/tmp",),
    "DELETE": ("delete /containers/web?force=1", "delete /images/busybox:latest"),
}


def raw_command(method: str) -> Command:
    """The declaration of one raw method command."""
    return Command(
        method.lower(),
        _handler(method),
        f"Send a raw {method} request to the Engine API",
        options=RAW_OPTIONS,
        arguments=(
            argument(
                "path",
                "API path with an optional ?query (as typed, quotes kept), with or without /vX.Y",
                complete="api-path",
                verbatim=True,
            ),
            argument(
                "body", "JSON body (rest of the line), @FILE, or key=value / key:=json pairs", nargs="raw"
            ),
        ),
        description=RAW_DESCRIPTION,
        examples=RAW_EXAMPLES[method],
    )


# -- endpoints ------------------------------------------------------------------------------------------


def endpoint_data(endpoint: Endpoint) -> dict[str, Any]:
    """An endpoint as JSON."""
    return {
        "method": endpoint.method,
        "path": endpoint.path,
        "summary": endpoint.summary,
        "params": dict(endpoint.params),
        "query": [
            {
                "name": q.name,
                "type": q.type,
                "summary": q.summary,
                "enum": list(q.enum),
                "default": q.default,
                "min_version": q.min_version,
            }
            for q in endpoint.query
        ],
        "stream": endpoint.stream,
        "binary": endpoint.binary,
        "hijack": endpoint.hijack,
        "body": endpoint.body,
        "min_version": endpoint.min_version,
        "max_version": endpoint.max_version,
        "source": endpoint.source,
    }


def describe_endpoint(endpoint: Endpoint) -> str:
    """One endpoint's parameters as text: a heading, its traits, and a table of path and query parameters."""
    from dshell.plugin import format_table

    traits = [t for t in ("stream", "binary", "hijack") if getattr(endpoint, t)]
    if endpoint.body:
        traits.append(f"body: {endpoint.body}")
    if endpoint.min_version:
        traits.append(f"API {endpoint.min_version}+")
    if endpoint.max_version:
        traits.append(f"up to API {endpoint.max_version}")
    if endpoint.source != "dshell":
        traits.append(f"from plugin {endpoint.source}")
    lines = [f"{endpoint.method} {endpoint.path} — {endpoint.summary}"]
    if traits:
        lines.append("  " + " · ".join(traits))
    rows = [(name, "path", kind, "", f"{kind} name or id") for name, kind in endpoint.params.items()]
    for q in endpoint.query:
        text = q.summary
        if q.enum:
            text += f" (one of: {', '.join(q.enum)})"
        if q.min_version:
            text += f" [API {q.min_version}+]"
        default = (
            ""
            if q.default is None
            else str(q.default).lower()
            if isinstance(q.default, bool)
            else str(q.default)
        )
        rows.append((q.name, "query", q.type, default, text))
    if rows:
        lines.append("")
        lines.append(format_table(("PARAMETER", "IN", "TYPE", "DEFAULT", "DESCRIPTION"), rows))
    return "\n".join(lines)


def _resolve(inv: Invocation, words: list[str], method: str | None) -> list[Endpoint] | None:
    """The endpoints ``words`` name (``PATH`` or ``METHOD PATH``, a template or a real path), or None."""
    catalogue = inv.session.catalogue
    if len(words) == 2 and words[0].upper() in {m for m in ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH")}:
        method, words = words[0].upper(), words[1:]
    if len(words) != 1 or not words[0].startswith("/"):
        return None
    path = words[0]
    found: list[Endpoint] = []
    for m in [method] if method else sorted({e.method for e in catalogue}):
        endpoint = catalogue.get(m, path)
        if endpoint is None:
            matched = catalogue.match(m, path)
            endpoint = matched[0] if matched else None
        if endpoint is not None:
            found.append(endpoint)
    return found


def http_method(text: str) -> str:
    """``--method``: an HTTP method, any case."""
    method = text.upper()
    if method not in ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        raise ValueError("not an HTTP method")
    return method


def endpoints_(inv: Invocation) -> Any:
    a = inv.args
    method = a.method
    as_json = a.json or inv.session.settings.get("output", "table") == "json"
    resolved = _resolve(inv, list(a.words), method)
    if resolved is not None:
        if not resolved:
            raise CommandFailed(
                f"no endpoint in the catalogue for {' '.join(a.words)}", hint="'endpoints' lists them all"
            )
        if as_json:
            return Document([endpoint_data(e) for e in resolved])
        return Text("\n\n".join(describe_endpoint(e) for e in resolved))
    found = inv.session.catalogue.find(" ".join(a.words), method)
    rows = [(e.method, e.path, e.summary) for e in found]
    return Table(("METHOD", "PATH", "SUMMARY"), rows, [endpoint_data(e) for e in found])


ENDPOINTS = Command(
    "endpoints",
    endpoints_,
    "List the Engine API endpoints the raw commands know, or show one",
    options=(
        option(
            "-m",
            "--method",
            help="Only endpoints of this method (GET, POST, …)",
            type=http_method,
            metavar="METHOD",
        ),
    ),
    arguments=(
        argument(
            "words",
            "text to look for in method, path or summary; or PATH / METHOD PATH to show "
            "one endpoint's parameters",
            nargs="*",
            complete="api-path",
        ),
    ),
    description="The catalogue comes with dshell (Engine API 1.41 to 1.47); plugins add endpoints to it.",
    examples=(
        "endpoints",
        "endpoints logs",
        "endpoints --method delete",
        "endpoints /containers/{id}/logs",
        "endpoints POST /containers/web/kill",
    ),
    json_output=True,
)


@hookimpl
def dshell_register_commands(registry: CommandRegistry) -> None:
    for method in METHODS:
        registry.add(raw_command(method))
    registry.add(ENDPOINTS)


def _complete_api_path(request: CompletionRequest) -> Iterable[Candidate]:
    from .completion import complete_api_path  # the catalogue loads on first completion

    return complete_api_path(request)


def _complete_api_query(request: CompletionRequest) -> Iterable[Candidate]:
    from .completion import complete_api_query

    return complete_api_query(request)


@hookimpl
def dshell_register_completers(completers: CompletionRegistry) -> None:
    completers.add("api-path", _complete_api_path)
    completers.add("api-query", _complete_api_query)
