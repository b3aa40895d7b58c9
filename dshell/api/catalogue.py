"""The endpoint catalogue: every Engine API endpoint dshell knows, and queries over it.

The built-in catalogue lives in ``dshell/api/data/endpoints.json`` (Engine API 1.41, plus what was added up
to 1.47, marked with ``min_version``).  Plugins may add or replace endpoints with :meth:`Catalogue.add`,
building them by hand or from their own JSON file in the same format with :func:`parse_json_catalogue`.

Path templates use ``{placeholder}`` segments.  Each placeholder has a *kind* (``container``, ``image``,
...) that tells the completer which live names to offer.  Image and plugin references contain slashes
(``localhost:5000/ns/x:1``), and the daemon routes them with ``{name:.*}``, so a placeholder of one of
:data:`MULTI_SEGMENT_KINDS` may span several path segments when matching.

This module uses only the standard library and parses the JSON lazily, once (``json`` and
``importlib.resources`` are imported only then), so it imports fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote

from dshell.api.client import version_tuple

__all__ = [
    "BODY_KINDS",
    "BUILTIN_SOURCE",
    "METHODS",
    "MULTI_SEGMENT_KINDS",
    "PARAM_KINDS",
    "QUERY_TYPES",
    "Catalogue",
    "Endpoint",
    "QueryParam",
    "SegmentChoice",
    "parse_json_catalogue",
    "version_tuple",
]

#: Source name of the endpoints shipped with dshell.
BUILTIN_SOURCE = "dshell"
#: HTTP methods an endpoint may use.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
#: Kinds a path placeholder may have.
PARAM_KINDS = frozenset(
    {
        "container",
        "image",
        "network",
        "volume",
        "exec",
        "service",
        "node",
        "task",
        "secret",
        "config",
        "plugin",
        "session",
        "other",
    }
)
#: Placeholder kinds whose values contain slashes: they may span several path segments.
MULTI_SEGMENT_KINDS = frozenset({"image", "plugin"})
#: Types a query parameter may have.
QUERY_TYPES = frozenset({"boolean", "integer", "string", "json", "array"})
#: What an endpoint's request body may be (``None`` for no body).
BODY_KINDS = frozenset({"json", "tar", "binary"})

_VERSION_SEGMENT_RE = re.compile(r"v\d+\.\d+")
_PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_ENDPOINT_KEYS = frozenset(
    {
        "method",
        "path",
        "summary",
        "params",
        "query",
        "stream",
        "binary",
        "hijack",
        "body",
        "min_version",
        "max_version",
    }
)
_QUERY_KEYS = frozenset({"name", "type", "summary", "enum", "default", "min_version"})
_CATALOGUE_KEYS = frozenset({"api_version", "endpoints"})


def _placeholder(segment: str) -> str | None:
    """The placeholder name of a template segment (``"{id}"`` gives ``"id"``), or ``None`` for a literal."""
    found = _PLACEHOLDER_RE.fullmatch(segment)
    return found.group(1) if found else None


@dataclass(frozen=True)
class QueryParam:
    """One query parameter of an endpoint.

    ``enum`` lists the allowed values (never given for booleans: the completer offers 1/0/true/false);
    ``min_version`` is the first API version that accepts the parameter, if later than 1.41.
    """

    name: str
    type: str
    summary: str
    enum: tuple[str, ...] = ()
    default: object = None
    min_version: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "enum", tuple(self.enum))
        if not isinstance(self.name, str) or not self.name:
            raise ValueError("query parameter without a name")
        if self.type not in QUERY_TYPES:
            raise ValueError(
                f"query parameter {self.name!r}: type {self.type!r} is not one of {sorted(QUERY_TYPES)}"
            )
        if self.type == "boolean" and self.enum:
            raise ValueError(f"query parameter {self.name!r}: a boolean takes no enum")
        if not all(isinstance(value, str) and value for value in self.enum):
            raise ValueError(f"query parameter {self.name!r}: enum values must be non-empty strings")
        if len(set(self.enum)) != len(self.enum):
            raise ValueError(f"query parameter {self.name!r}: enum has duplicates")
        if self.min_version is not None:
            version_tuple(self.min_version)

    def available(self, api_version: str) -> bool:
        """Whether the daemon accepts this parameter at *api_version*."""
        return self.min_version is None or version_tuple(api_version) >= version_tuple(self.min_version)


@dataclass(frozen=True)
class Endpoint:
    """One endpoint of the Engine API: a method and a path template, with what dshell needs to know.

    ``params`` maps each ``{placeholder}`` of ``path`` to its kind (see :data:`PARAM_KINDS`).
    ``stream`` marks responses that are a stream of documents or frames, or a download (then ``binary``
    too); ``hijack`` marks endpoints that take over the connection.  ``body`` is what the request body
    is (``"json"``, ``"tar"``, ``"binary"`` or ``None``).  ``min_version``/``max_version`` bound the API
    versions that serve the endpoint, both inclusive.  ``source`` names the plugin that added it.
    """

    method: str
    path: str
    summary: str
    params: Mapping[str, str] = field(hash=False)
    query: tuple[QueryParam, ...]
    stream: bool = False
    binary: bool = False
    hijack: bool = False
    body: str | None = None
    min_version: str | None = None
    max_version: str | None = None
    source: str = BUILTIN_SOURCE

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        object.__setattr__(self, "query", tuple(self.query))
        if self.method not in METHODS:
            raise ValueError(f"method {self.method!r} is not one of {sorted(METHODS)}")
        if not isinstance(self.summary, str) or not self.summary.strip() or "\n" in self.summary:
            raise ValueError("summary must be one non-empty line")
        self._check_path()
        for name, kind in self.params.items():
            if kind not in PARAM_KINDS:
                raise ValueError(f"placeholder {{{name}}}: kind {kind!r} is not one of {sorted(PARAM_KINDS)}")
        names = [param.name for param in self.query]
        if len(set(names)) != len(names):
            raise ValueError("query parameters are listed twice")
        if self.body is not None and self.body not in BODY_KINDS:
            raise ValueError(f"body {self.body!r} is not null or one of {sorted(BODY_KINDS)}")
        for flag in ("stream", "binary", "hijack"):
            if not isinstance(getattr(self, flag), bool):
                raise ValueError(f"{flag} must be true or false")
        low = version_tuple(self.min_version) if self.min_version is not None else None
        high = version_tuple(self.max_version) if self.max_version is not None else None
        if low is not None and high is not None and low > high:
            raise ValueError(f"min_version {self.min_version} is after max_version {self.max_version}")

    def _check_path(self) -> None:
        path = self.path
        if not isinstance(path, str) or not path.startswith("/") or path == "/" or path.endswith("/"):
            raise ValueError("path must start with / and not end with /")
        if "?" in path or "#" in path:
            raise ValueError("path must not carry a query or fragment")
        segments = path[1:].split("/")
        if _VERSION_SEGMENT_RE.fullmatch(segments[0]):
            raise ValueError("path must not carry the /vX.Y prefix")
        placeholders: list[str] = []
        for segment in segments:
            if not segment:
                raise ValueError("path has an empty segment")
            name = _placeholder(segment)
            if name is not None:
                placeholders.append(name)
            elif "{" in segment or "}" in segment:
                raise ValueError(f"segment {segment!r}: a placeholder must be a whole segment")
        if len(set(placeholders)) != len(placeholders):
            raise ValueError("path repeats a placeholder")
        if set(placeholders) != set(self.params):
            raise ValueError(
                f"params {sorted(self.params)} do not match the placeholders of the path {sorted(placeholders)}"
            )

    @cached_property
    def segments(self) -> tuple[str, ...]:
        """The path template split into segments: ``("containers", "{id}", "json")``."""
        return tuple(self.path[1:].split("/"))

    @property
    def key(self) -> tuple[str, str]:
        """``(method, path)``: what identifies the endpoint in a :class:`Catalogue`."""
        return self.method, self.path

    def available(self, api_version: str) -> bool:
        """Whether a daemon speaking *api_version* serves this endpoint."""
        version = version_tuple(api_version)
        if self.min_version is not None and version < version_tuple(self.min_version):
            return False
        return self.max_version is None or version <= version_tuple(self.max_version)

    def query_param(self, name: str) -> QueryParam | None:
        """The query parameter called *name*, or ``None``."""
        for param in self.query:
            if param.name == name:
                return param
        return None

    def _kind_at(self, index: int) -> str | None:
        """The kind of the placeholder at template segment *index*, or ``None`` for a literal."""
        name = _placeholder(self.segments[index])
        return None if name is None else self.params[name]


@dataclass(frozen=True)
class SegmentChoice:
    """One choice for the next path segment, as offered by :meth:`Catalogue.next_segments`."""

    text: str  # literal segment, or "{id}" for a placeholder
    kind: str | None  # param kind for placeholders
    summary: str
    complete: bool  # True if this segment ends a full endpoint path for the method


def _split_path(path: str) -> list[str] | None:
    """Split a concrete request path into decoded segments, dropping any ``/vX.Y`` prefix and query.

    Returns ``None`` for a path with an empty segment in the middle (``/containers//json``).
    """
    path = path.split("#", 1)[0].split("?", 1)[0]
    raw = path.strip().lstrip("/").split("/")
    if raw and raw[-1] == "":
        raw.pop()
    if raw and _VERSION_SEGMENT_RE.fullmatch(raw[0]):
        raw.pop(0)
    if any(not segment for segment in raw):
        return None
    return [unquote(segment) for segment in raw]


def _bind(endpoint: Endpoint, segments: Sequence[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """Match concrete *segments* against *endpoint*'s template.

    Returns ``(rank, params)`` or ``None``.  ``rank`` has one entry per segment, 0 where it matched a
    literal and 1 where it went into a placeholder, so that comparing ranks makes literals win from the
    left.  A multi-segment placeholder takes as many segments as it can (like the daemon's ``.*``).
    """
    template = endpoint.segments

    def walk(t: int, s: int) -> tuple[list[int], dict[str, str]] | None:
        if t == len(template):
            return ([], {}) if s == len(segments) else None
        if s == len(segments):
            return None
        name = _placeholder(template[t])
        if name is None:
            if template[t] != segments[s]:
                return None
            rest = walk(t + 1, s + 1)
            return None if rest is None else ([0, *rest[0]], rest[1])
        longest = len(segments) - s - (len(template) - t - 1)
        spans = range(longest, 0, -1) if endpoint.params[name] in MULTI_SEGMENT_KINDS else range(1, 2)
        for span in spans:
            rest = walk(t + 1, s + span)
            if rest is not None:
                return [1] * span + rest[0], {name: "/".join(segments[s : s + span]), **rest[1]}
        return None

    found = walk(0, 0)
    return None if found is None else (tuple(found[0]), found[1])


def _common_summary(endpoints: Sequence[Endpoint]) -> str:
    """Summary for a choice that leads to several endpoints: their common path prefix."""
    paths = sorted({endpoint.path for endpoint in endpoints})
    if len(paths) == 1:
        methods = ", ".join(sorted({endpoint.method for endpoint in endpoints}))
        return f"{paths[0]} ({methods})"
    split = [endpoint.segments for endpoint in endpoints]
    common: list[str] = []
    for parts in zip(*split, strict=False):
        if any(part != parts[0] for part in parts):
            break
        common.append(parts[0])
    return "/" + "/".join(common) + "/…"


class Catalogue:
    """A mutable set of endpoints, keyed by ``(method, path)``, with the queries the shell needs.

    Use :meth:`builtin` for the endpoints shipped with dshell; plugins then :meth:`add` their own.
    """

    def __init__(self, endpoints: Iterable[Endpoint] = ()) -> None:
        self._endpoints: dict[tuple[str, str], Endpoint] = {}
        #: The plugin whose ``dshell_register_endpoints`` is running (set by the plugin host).
        self.current_plugin = ""
        self.extend(endpoints)

    @classmethod
    def builtin(cls) -> Catalogue:
        """A new catalogue holding dshell's built-in endpoints (parsed once, then shared)."""
        return cls(_builtin_endpoints())

    def add(self, endpoint: Endpoint) -> None:
        """Add *endpoint*; one with the same method and path is replaced (the later one wins).

        While a plugin's hook runs, an endpoint that names no ``source`` of its own is credited to it.
        """
        if not isinstance(endpoint, Endpoint):
            raise TypeError(f"not an Endpoint: {endpoint!r}")
        if self.current_plugin and endpoint.source == BUILTIN_SOURCE:
            endpoint = replace(endpoint, source=self.current_plugin)
        self._endpoints[endpoint.key] = endpoint

    def extend(self, endpoints: Iterable[Endpoint]) -> None:
        """Add each of *endpoints* in turn, as :meth:`add` does."""
        for endpoint in endpoints:
            self.add(endpoint)

    def __iter__(self) -> Iterator[Endpoint]:
        return iter(self._endpoints.values())

    def __len__(self) -> int:
        return len(self._endpoints)

    def __contains__(self, key: object) -> bool:
        return key in self._endpoints

    def get(self, method: str, path: str) -> Endpoint | None:
        """The endpoint with exactly this method and path template, or ``None``."""
        return self._endpoints.get((method.upper(), path))

    def _candidates(self, method: str | None, api_version: str | None) -> Iterator[Endpoint]:
        wanted = method.upper() if method else None
        for endpoint in self._endpoints.values():
            if wanted is not None and endpoint.method != wanted:
                continue
            if api_version is not None and not endpoint.available(api_version):
                continue
            yield endpoint

    def match(
        self, method: str, path: str, api_version: str | None = None
    ) -> tuple[Endpoint, dict[str, str]] | None:
        """Find the endpoint serving ``method path`` and the values of its placeholders.

        *path* is a concrete request path; a ``/vX.Y`` prefix and a ``?query`` are ignored and each
        segment is percent-decoded.  Where several templates match, literal segments beat placeholders,
        from the left (``/images/json`` lists images; ``/images/json/json`` inspects an image called
        ``json``), as the daemon's router resolves them.  With *api_version*, endpoints the daemon does
        not serve at that version are left out.
        """
        segments = _split_path(path)
        if segments is None:
            return None
        best: tuple[tuple[int, ...], Endpoint, dict[str, str]] | None = None
        for endpoint in self._candidates(method, api_version):
            bound = _bind(endpoint, segments)
            if bound is not None and (best is None or bound[0] <= best[0]):
                best = (bound[0], endpoint, bound[1])
        return None if best is None else (best[1], best[2])

    def next_segments(
        self, method: str | None, typed: Sequence[str], api_version: str | None = None
    ) -> list[SegmentChoice]:
        """The choices for the path segment after *typed*.

        Each typed segment may have matched a literal or any placeholder (a placeholder of a
        :data:`MULTI_SEGMENT_KINDS` kind may have taken several).  *method* ``None`` means any method.
        Choices are deduplicated, literals first then placeholders, each alphabetical; each carries the
        summary of the endpoint it leads to, or the common prefix path when it leads to several.
        """
        segments = [unquote(segment) for segment in typed if segment]
        if segments and _VERSION_SEGMENT_RE.fullmatch(segments[0]):
            segments.pop(0)
        reached: dict[tuple[str, str | None], list[Endpoint]] = {}
        complete: set[tuple[str, str | None]] = set()

        def offer(endpoint: Endpoint, index: int, ends: bool) -> None:
            choice = (endpoint.segments[index], endpoint._kind_at(index))
            found = reached.setdefault(choice, [])
            if endpoint not in found:
                found.append(endpoint)
            if ends:
                complete.add(choice)

        for endpoint in self._candidates(method, api_version):
            length = len(endpoint.segments)
            for position, extensible in _advance(endpoint, segments):
                if extensible:
                    offer(endpoint, position - 1, position == length)
                if position < length:
                    offer(endpoint, position, position + 1 == length)

        choices = [
            SegmentChoice(
                text=text,
                kind=kind,
                summary=found[0].summary if len(found) == 1 else _common_summary(found),
                complete=(text, kind) in complete,
            )
            for (text, kind), found in reached.items()
        ]
        choices.sort(key=lambda choice: (choice.kind is not None, choice.text, choice.kind or ""))
        return choices

    def find(self, text: str = "", method: str | None = None) -> list[Endpoint]:
        """Endpoints whose method, path or summary contains *text* (any case), sorted by path then method."""
        needle = text.strip().lower()
        found = [
            endpoint
            for endpoint in self._candidates(method, None)
            if not needle
            or needle in f"{endpoint.method} {endpoint.path}".lower()
            or needle in endpoint.summary.lower()
        ]
        return sorted(found, key=lambda endpoint: (endpoint.path, endpoint.method))

    def query_params(self, method: str, path: str) -> tuple[QueryParam, ...]:
        """The query parameters of the endpoint for *method* and *path* (a template or a concrete path)."""
        endpoint = self.get(method, path)
        if endpoint is None:
            matched = self.match(method, path)
            endpoint = None if matched is None else matched[0]
        return () if endpoint is None else endpoint.query


def _advance(endpoint: Endpoint, segments: Sequence[str]) -> set[tuple[int, bool]]:
    """Where *endpoint*'s template can be after consuming *segments*.

    Each state is ``(position, extensible)``: the index of the next template segment, and whether the
    multi-segment placeholder just before it could also take the next segment.
    """
    template = endpoint.segments
    states: set[tuple[int, bool]] = {(0, False)}
    for segment in segments:
        following: set[tuple[int, bool]] = set()
        for position, extensible in states:
            if extensible:
                following.add((position, True))
            if position < len(template):
                kind = endpoint._kind_at(position)
                if kind is not None:
                    following.add((position + 1, kind in MULTI_SEGMENT_KINDS))
                elif template[position] == segment:
                    following.add((position + 1, False))
        states = following
        if not states:
            break
    return states


def _parse_query(item: Any, where: str) -> QueryParam:
    if not isinstance(item, Mapping):
        raise ValueError(f"{where}: a query parameter must be an object")
    unknown = set(item) - _QUERY_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown query parameter keys {sorted(unknown)}")
    name = item.get("name")
    where = f"{where}, query parameter {name!r}"
    for key in ("name", "type", "summary"):
        if not isinstance(item.get(key), str):
            raise ValueError(f"{where}: {key} must be a string")
    enum = item.get("enum", [])
    if not isinstance(enum, list):
        raise ValueError(f"{where}: enum must be a list")
    default = item.get("default")
    kind = item["type"]
    expected: tuple[type, ...] = {
        "boolean": (bool,),
        "integer": (int,),
        "string": (str,),
    }.get(kind, (str, int, float, bool))
    if default is not None and (
        not isinstance(default, expected) or (kind == "integer" and isinstance(default, bool))
    ):
        raise ValueError(f"{where}: default {default!r} does not fit type {kind}")
    if enum and default is not None and default not in enum:
        raise ValueError(f"{where}: default {default!r} is not in its enum")
    min_version = item.get("min_version")
    if min_version is not None and not isinstance(min_version, str):
        raise ValueError(f"{where}: min_version must be a string")
    try:
        return QueryParam(
            name=item["name"],
            type=kind,
            summary=item["summary"],
            enum=tuple(enum),
            default=default,
            min_version=min_version,
        )
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None


def parse_json_catalogue(data: Mapping[str, Any], source: str) -> list[Endpoint]:
    """Build endpoints from a parsed JSON catalogue (the format of ``dshell/api/data/endpoints.json``).

    *source* names where the data comes from (the plugin's name) and is stored on each endpoint.
    Raises :class:`ValueError` naming the endpoint at fault when the data is malformed.
    """
    if not isinstance(data, Mapping):
        raise ValueError(f"{source}: the catalogue must be a JSON object")
    unknown = set(data) - _CATALOGUE_KEYS
    if unknown:
        raise ValueError(f"{source}: unknown catalogue keys {sorted(unknown)}")
    api_version = data.get("api_version")
    if api_version is not None:
        if not isinstance(api_version, str):
            raise ValueError(f"{source}: api_version must be a string")
        version_tuple(api_version)
    items = data.get("endpoints")
    if not isinstance(items, list):
        raise ValueError(f"{source}: 'endpoints' must be a list")
    endpoints: list[Endpoint] = []
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(items):
        where = f"{source}: endpoint #{index}"
        if not isinstance(item, Mapping):
            raise ValueError(f"{where}: must be an object")
        where = f"{where} ({item.get('method')} {item.get('path')})"
        endpoint = _parse_endpoint(item, source, where)
        if endpoint.key in seen:
            raise ValueError(f"{where}: listed twice")
        seen.add(endpoint.key)
        endpoints.append(endpoint)
    return endpoints


def _parse_endpoint(item: Mapping[str, Any], source: str, where: str) -> Endpoint:
    unknown = set(item) - _ENDPOINT_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("method", "path", "summary"):
        if not isinstance(item.get(key), str):
            raise ValueError(f"{where}: {key} must be a string")
    params = item.get("params", {})
    if not isinstance(params, Mapping) or not all(
        isinstance(name, str) and isinstance(kind, str) for name, kind in params.items()
    ):
        raise ValueError(f"{where}: params must map placeholder names to kinds")
    query = item.get("query", [])
    if not isinstance(query, list):
        raise ValueError(f"{where}: query must be a list")
    body = item.get("body")
    if body is not None and not isinstance(body, str):
        raise ValueError(f"{where}: body must be null or a string")
    versions = {key: item.get(key) for key in ("min_version", "max_version")}
    for key, value in versions.items():
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{where}: {key} must be a string")
    try:
        return Endpoint(
            method=item["method"],
            path=item["path"],
            summary=item["summary"],
            params=dict(params),
            query=tuple(_parse_query(entry, where) for entry in query),
            stream=item.get("stream", False),
            binary=item.get("binary", False),
            hijack=item.get("hijack", False),
            body=body,
            min_version=versions["min_version"],
            max_version=versions["max_version"],
            source=source,
        )
    except ValueError as error:
        message = str(error)
        raise ValueError(message if message.startswith(where) else f"{where}: {message}") from None


@cache
def _builtin_endpoints() -> tuple[Endpoint, ...]:
    """Parse ``dshell/api/data/endpoints.json`` once; the endpoints are immutable and shared."""
    import json  # imported here so that importing this module stays fast
    from importlib import resources

    text = (resources.files("dshell.api") / "data" / "endpoints.json").read_text(encoding="utf-8")
    return tuple(parse_json_catalogue(json.loads(text), BUILTIN_SOURCE))
