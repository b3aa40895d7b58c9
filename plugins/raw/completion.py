"""Completion for raw requests: API paths segment by segment, live names for ``{id}`` segments, query
parameters and their values, all from the session's endpoint catalogue.

The completer replaces the whole word being typed, so every candidate is the full path text typed so far
plus the completion. The pure functions (:func:`path_candidates`, :func:`query_candidates`) take the live
names as a callable, so they are tested without a daemon.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from dshell.plugin import MULTI_SEGMENT_KINDS, Candidate

if TYPE_CHECKING:
    from dshell.plugin import Catalogue, CompletionRequest, DockerClient, Endpoint, Session

#: ``(name, meta)`` pairs of the live objects of a kind.
LiveNames = Callable[[str], Iterable[tuple[str, str]]]

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH")
BOOLEAN_VALUES = ("1", "0", "true", "false")


# -- live names ---------------------------------------------------------------------------------------------


def _list(path: str) -> Callable[[DockerClient], list[dict[str, Any]]]:
    def fetch(client: DockerClient) -> list[dict[str, Any]]:
        return list(client.get_json(path) or [])

    return fetch


#: Name-cache kinds the core does not fetch itself (swarm objects, plugins), added on first use.
EXTRA_FETCHERS = {
    "services": _list("/services"),
    "nodes": _list("/nodes"),
    "tasks": _list("/tasks"),
    "secrets": _list("/secrets"),
    "configs": _list("/configs"),
    "plugins": _list("/plugins"),
}


def _short(ident: str) -> str:
    return ident.removeprefix("sha256:")[:12]


def _names_of(kind: str, item: dict[str, Any]) -> list[tuple[str, str]]:
    """The names an object of ``kind`` answers to in a path, with a description."""
    spec = item.get("Spec") or {}
    if kind == "container":
        names = [n.lstrip("/") for n in item.get("Names") or [] if n.count("/") == 1]
        return [(n, f"container · {item.get('Image', '')} · {item.get('State', '')}") for n in names]
    if kind == "image":
        tags = [t for t in item.get("RepoTags") or [] if t != "<none>:<none>"]
        return [(t, f"image {_short(item.get('Id', ''))}") for t in tags]
    if kind in ("network", "volume"):
        return [(item.get("Name", ""), f"{kind} · {item.get('Driver', '')}")]
    if kind in ("service", "secret", "config"):
        return [(spec.get("Name") or item.get("ID", ""), kind)]
    if kind == "node":
        host = (item.get("Description") or {}).get("Hostname", "")
        return [(item.get("ID", ""), f"node {host}")]
    if kind == "task":
        return [(item.get("ID", ""), f"task · {(item.get('Status') or {}).get('State', '')}")]
    if kind == "plugin":
        return [(item.get("Name", ""), "plugin")]
    return []


def live_names(session: Session, kind: str) -> list[tuple[str, str]]:
    """Live names for a placeholder kind from the session's name cache; none when the daemon cannot say."""
    from dshell.plugin import DshellError

    key = kind + "s"
    names = session.names
    max_age = None
    if key in EXTRA_FETCHERS:
        names.fetchers.setdefault(key, EXTRA_FETCHERS[key])
        max_age = names.ttl  # the background refresher keeps only the core's kinds current
    elif key not in names.fetchers:
        return []  # exec ids, sessions: nothing lists them
    try:
        items = names.get(key, max_age=max_age)
    except DshellError:
        return []  # no daemon, or not a swarm manager: paths still complete
    out: list[tuple[str, str]] = []
    for item in items:
        out.extend(pair for pair in _names_of(kind, item) if pair[0])
    return out


# -- paths ------------------------------------------------------------------------------------------------


def path_candidates(
    catalogue: Catalogue, method: str | None, word: str, live: LiveNames, api_version: str | None = None
) -> list[Candidate]:
    """Candidates for the next segment of the path ``word``: literals with their summaries, and the live
    names of a ``{placeholder}``'s kind; a segment that does not end an endpoint gets its ``/``."""
    text = word if word.startswith("/") else "/" + word
    head = text.rpartition("/")[0]
    typed = head.split("/")[1:] if head else []
    out: list[Candidate] = []
    kinds: set[str] = set()
    for choice in catalogue.next_segments(method, typed, api_version):
        if choice.kind is None:
            out.append(Candidate(head + "/" + choice.text + ("" if choice.complete else "/"), choice.summary))
        else:
            kinds.add(choice.kind)
    for kind in sorted(kinds):
        start, complete = _placeholder_start(catalogue, method, typed, kind, api_version)
        base = "/" + "".join(seg + "/" for seg in typed[:start])
        begun = text[len(base) :]
        tail = "" if complete else "/"
        for name, meta in live(kind):
            if kind not in MULTI_SEGMENT_KINDS or name.startswith(begun):
                out.append(Candidate(base + name + tail, meta))
    return out


def _placeholder_start(
    catalogue: Catalogue, method: str | None, typed: list[str], kind: str, api_version: str | None
) -> tuple[int, bool]:
    """Where the ``kind`` placeholder being typed begins (image and plugin names contain ``/``, so it may
    have begun segments ago), and whether it ends an endpoint."""
    starts = range(len(typed) + 1) if kind in MULTI_SEGMENT_KINDS else [len(typed)]
    for start in starts:
        choices = catalogue.next_segments(method, typed[:start], api_version)
        found = [c for c in choices if c.kind == kind]
        if found:
            return start, any(c.complete for c in found)
    return len(typed), False


# -- query parameters -------------------------------------------------------------------------------------


def find_endpoint(
    catalogue: Catalogue, method: str | None, path: str, api_version: str | None
) -> Endpoint | None:
    """The endpoint serving ``path`` (with ``method``, or any method when None)."""
    for m in [method] if method else HTTP_METHODS:
        found = catalogue.match(m, path, api_version)
        if found is not None:
            return found[0]
    return None


def param_values(endpoint: Endpoint, name: str) -> tuple[str, ...]:
    """The values to offer for query parameter ``name``: booleans, the enum, or the default."""
    param = endpoint.query_param(name)
    if param is None:
        return ()
    if param.type == "boolean":
        return BOOLEAN_VALUES
    if param.enum:
        return param.enum
    return () if param.default is None else (str(param.default),)


def query_candidates(
    endpoint: Endpoint, prefix: str, query: str, api_version: str | None = None
) -> list[Candidate]:
    """Candidates completing ``query`` (what follows ``?``; ``prefix`` is the text before it): parameter
    names as ``name=``, then values, then ``&name=`` for the next parameter once a value is there."""
    pieces = query.split("&")
    last = pieces[-1]
    used = {p.split("=", 1)[0] for p in pieces[:-1]}
    before = prefix + query[: len(query) - len(last)]
    params = [p for p in endpoint.query if api_version is None or p.available(api_version)]
    free = [p for p in params if p.name not in used]
    if "=" not in last:
        return [Candidate(f"{before}{p.name}=", f"{p.type} · {p.summary}") for p in free]
    name, _, value = last.partition("=")
    param = endpoint.query_param(name)
    out = [
        Candidate(f"{before}{name}={v}", param.summary if param else "") for v in param_values(endpoint, name)
    ]
    if value:
        done = prefix + query
        out.extend(Candidate(f"{done}&{p.name}=", f"{p.type} · {p.summary}") for p in free if p.name != name)
    return out


# -- the sources ------------------------------------------------------------------------------------------


def _api_version(session: Session) -> str | None:
    from dshell.plugin import DshellError

    try:
        return session.client.api_version
    except DshellError:
        return None


def _method(request: CompletionRequest) -> str | None:
    """The HTTP method: the command's name (``get``), or for ``endpoints`` a METHOD typed before the path."""
    name = request.command.name.upper() if request.command is not None else ""
    if name in HTTP_METHODS:
        return name
    for word in request.words:
        if word.upper() in HTTP_METHODS:
            return word.upper()
    return None


def complete_api_path(request: CompletionRequest) -> list[Candidate]:
    """The ``api-path`` source: the path after ``get``/``post``/…, its ``{id}`` names and ``?query``."""
    session = request.session
    catalogue = session.catalogue
    method = _method(request)
    version = _api_version(session)
    word = request.word
    if "?" in word:
        path, _, query = word.partition("?")
        endpoint = find_endpoint(catalogue, method, path, version)
        return [] if endpoint is None else query_candidates(endpoint, path + "?", query, version)
    return path_candidates(catalogue, method, word, lambda kind: live_names(session, kind), version)


def complete_api_query(request: CompletionRequest) -> list[Candidate]:
    """The ``api-query`` source (``-q``): ``name=`` and values for the path already typed on the line."""
    path = next((w for w in request.words if w.startswith("/")), None)
    if path is None:
        return []
    session = request.session
    version = _api_version(session)
    endpoint = find_endpoint(session.catalogue, _method(request), path.split("?", 1)[0], version)
    if endpoint is None:
        return []
    word = request.word
    if "=" in word:
        name = word.split("=", 1)[0]
        return [Candidate(f"{name}={v}") for v in param_values(endpoint, name)]
    return [Candidate(f"{p.name}=", f"{p.type} · {p.summary}") for p in endpoint.query]
