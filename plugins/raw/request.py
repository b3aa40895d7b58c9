"""Building a raw Engine API request from what was typed: path, query, headers, body, and its curl twin.

Pure functions (no network): the raw plugin (:mod:`dshell.plugins.raw`) sends what :func:`build_request`
returns, or prints :func:`curl_command` of it. A bad body is refused here, before anything is sent.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from dshell.plugin import UsageError

if TYPE_CHECKING:
    from dshell.plugin import DaemonAddress

#: Characters left as typed in a raw path; anything else (spaces, quotes, braces, ``#``, non-ASCII) is
#: percent-encoded. ``%`` stays when it starts an escape (``%2F``); a lone ``%`` becomes ``%25``.
PATH_SAFE = "/:?=&%@!$'()*+,;~-._[]"
JSON_TYPE = "application/json"
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
#: ``key:=json``, ``key==query``, ``key=string``: at one position the longest separator wins.
_SEPARATORS = (":=", "==", "=")


def encode_path(text: str) -> str:
    """The typed path (with its ``?query``) as sent: a leading ``/`` added, only URL-illegal characters quoted."""
    if not text.startswith("/"):
        text = "/" + text
    return quote(_LONE_PERCENT.sub("%25", text), safe=PATH_SAFE)


def add_query(path: str, pairs: list[tuple[str, str]]) -> str:
    """Append ``pairs`` (each key and value fully URL-encoded) to ``path``'s query string."""
    if not pairs:
        return path
    encoded = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
    if "?" not in path:
        return f"{path}?{encoded}"
    return path + encoded if path.endswith(("?", "&")) else f"{path}&{encoded}"


def parse_query_option(text: str) -> tuple[str, str]:
    """``-q key=value`` -> ``(key, value)``."""
    key, eq, value = text.partition("=")
    if not eq or not key:
        raise UsageError(f"-q wants KEY=VALUE, got {text!r}")
    return key, value


def parse_header(text: str) -> tuple[str, str]:
    """``-H 'Name: value'`` -> ``(Name, value)``."""
    name, colon, value = text.partition(":")
    name = name.strip()
    if not colon or not name or any(c.isspace() for c in name):
        raise UsageError(f"-H wants 'Name: value', got {text!r}")
    return name, value.strip()


def json_error(exc: json.JSONDecodeError, what: str) -> UsageError:
    """A usage error for invalid JSON, with the parser's line and column and the text around it."""
    lines = exc.doc.splitlines() or [""]
    line = lines[min(exc.lineno, len(lines)) - 1]
    col = exc.colno - 1
    near = line[max(0, col - 20) : col + 20]
    return UsageError(
        f"invalid JSON {what} at line {exc.lineno}, column {exc.colno}: {exc.msg}",
        hint=f"near {near!r}" if near.strip() else None,
    )


def check_json(text: str, what: str) -> Any:
    """Parse ``text`` as JSON or refuse it with the position of the error."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise json_error(exc, what) from None


@dataclass
class Body:
    """A request body: bytes in memory, or a file streamed from disk; ``curl`` is curl's ``--data-binary``."""

    data: bytes | None = None
    file: str | None = None
    content_type: str | None = None
    curl: str | None = None

    @property
    def empty(self) -> bool:
        return self.data is None and self.file is None


def split_pair(word: str) -> tuple[str, str, str] | None:
    """``key:=json`` / ``key==value`` / ``key=value`` -> ``(key, separator, value)``; None if not a pair."""
    best: tuple[int, str] | None = None
    for sep in _SEPARATORS:
        pos = word.find(sep)
        if pos > 0 and (best is None or pos < best[0]):
            best = (pos, sep)
    if best is None:
        return None
    pos, sep = best
    return word[:pos], sep, word[pos + len(sep) :]


def parse_pairs(text: str) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """Shell words of httpie-style pairs: ``key=string`` and ``key:=json`` build a JSON object,
    ``key==value`` adds a query parameter. Returns the object (None when no body pair) and the query pairs."""
    from dshell.plugin import split_words as split

    obj: dict[str, Any] = {}
    query: list[tuple[str, str]] = []
    has_body = False
    for token in split(text):
        pair = split_pair(token.value)
        if pair is None:
            raise UsageError(
                f"body: {token.value!r} is not key=value, key:=json or key==query",
                hint="a JSON body starts with { or [; a file is @FILE",
            )
        key, sep, value = pair
        if sep == "==":
            query.append((key, value))
            continue
        has_body = True
        obj[key] = check_json(value, f"value for {key}:=") if sep == ":=" else value
    return (obj if has_body else None), query


def _read_json_file(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise UsageError(f"cannot read body file {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"body file {path} is not UTF-8 text",
            hint="send raw bytes with --data-binary @FILE --content-type TYPE",
        ) from exc
    check_json(text, f"body in {path}")
    return data


def _guess_type(path: str) -> str:
    import mimetypes

    kind, _ = mimetypes.guess_type(path)
    return kind or "application/octet-stream"


def parse_body(raw: str | None, data_binary: str | None) -> tuple[Body, list[tuple[str, str]]]:
    """The body and any ``key==value`` query pairs from the BODY text and ``--data-binary``.

    BODY starting with ``{`` or ``[`` is inline JSON, ``@FILE`` a JSON file; anything else is read as
    shell words of pairs (:func:`parse_pairs`). ``--data-binary @FILE`` streams a file's bytes,
    ``--data-binary TEXT`` sends the text. Invalid JSON is refused with its line and column.
    """
    text = (raw or "").strip()
    query: list[tuple[str, str]] = []
    body = Body()
    if text.startswith(("{", "[")):
        check_json(text, "body")
        body = Body(text.encode(), content_type=JSON_TYPE, curl=text)
    elif text.startswith("@"):
        path = text[1:]
        body = Body(_read_json_file(path), content_type=JSON_TYPE, curl=text)
    elif text:
        obj, query = parse_pairs(text)
        if obj is not None:
            encoded = json.dumps(obj, ensure_ascii=False)
            body = Body(encoded.encode(), content_type=JSON_TYPE, curl=encoded)
    if data_binary is not None:
        if not body.empty:
            raise UsageError("give either a BODY or --data-binary, not both")
        if data_binary.startswith("@"):
            path = data_binary[1:]
            try:
                with open(path, "rb"):
                    pass
            except OSError as exc:
                raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
            body = Body(file=path, content_type=_guess_type(path), curl=data_binary)
        else:
            body = Body(data_binary.encode(), content_type="application/octet-stream", curl=data_binary)
    return body, query


@dataclass
class RawRequest:
    """What will be sent: method, encoded path (``/vX.Y`` only if typed), headers, body."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: Body = field(default_factory=Body)

    @property
    def route(self) -> str:
        """The path without its query, for matching against the catalogue."""
        return self.path.split("?", 1)[0]


def build_request(
    method: str,
    path: str,
    *,
    body: str | None = None,
    query: list[str] | None = None,
    headers: list[str] | None = None,
    data_binary: str | None = None,
    content_type: str | None = None,
) -> RawRequest:
    """Everything typed for one raw request, checked; raises :class:`UsageError` before anything is sent."""
    parsed, pair_query = parse_body(body, data_binary)
    pairs = [parse_query_option(q) for q in query or []] + pair_query
    sent_headers: dict[str, str] = {}
    if not parsed.empty:
        sent_headers["Content-Type"] = content_type or parsed.content_type or JSON_TYPE
    elif content_type:
        sent_headers["Content-Type"] = content_type
    for text in headers or []:
        name, value = parse_header(text)
        for existing in [k for k in sent_headers if k.lower() == name.lower()]:
            del sent_headers[existing]
        sent_headers[name] = value
    return RawRequest(method, add_query(encode_path(path), pairs), sent_headers, parsed)


def curl_url(address: DaemonAddress, full_path: str) -> tuple[list[str], str]:
    """curl's connection options and URL for ``full_path`` (already versioned) on ``address``."""
    if address.scheme == "unix":
        return ["--unix-socket", address.path], "http://localhost" + full_path
    options: list[str] = []
    tls = address.tls
    if tls is not None:
        if tls.verify is False:
            options.append("--insecure")
        elif isinstance(tls.verify, str):
            options += ["--cacert", tls.verify]
        if tls.cert:
            options += ["--cert", tls.cert[0], "--key", tls.cert[1]]
    return options, address.base_url + full_path


def curl_command(
    request: RawRequest,
    address: DaemonAddress,
    full_path: str,
    *,
    output: str | None = None,
    stream: bool = False,
) -> str:
    """The curl command line doing what ``request`` would, each word shell-quoted.

    ``-g`` keeps curl from globbing ``[]{}`` in the URL; ``-N`` prints a stream as it arrives.
    """
    words = ["curl", "-sS", "-g"]
    if stream:
        words.append("-N")
    words += ["--head"] if request.method == "HEAD" else ["-X", request.method]
    connect, url = curl_url(address, full_path)
    words += connect
    for name, value in request.headers.items():
        words += ["-H", f"{name}: {value}"]
    if request.body.curl is not None:
        words += ["--data-binary", request.body.curl]
    if output:
        words += ["-o", output]
    words.append(url)
    return " ".join(shlex.quote(w) for w in words)
