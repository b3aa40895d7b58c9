"""Tests of the endpoint catalogue: data, matching, completion queries, plugins, and the live daemon."""

from __future__ import annotations

import copy
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from dshell.api.catalogue import (
    MULTI_SEGMENT_KINDS,
    PARAM_KINDS,
    Catalogue,
    Endpoint,
    QueryParam,
    SegmentChoice,
    parse_json_catalogue,
    version_tuple,
)

DATA = Path(__file__).resolve().parent.parent / "dshell" / "api" / "data" / "endpoints.json"
DAEMON = os.environ.get("DSHELL_TEST_TCP", "")
needs_daemon = pytest.mark.skipif(
    not DAEMON, reason="DSHELL_TEST_TCP is not set (e.g. tcp://127.0.0.1:2375): no daemon to test against"
)


@pytest.fixture
def catalogue() -> Catalogue:
    return Catalogue.builtin()


def texts(choices: list[SegmentChoice]) -> list[str]:
    return [choice.text for choice in choices]


def choice(choices: list[SegmentChoice], text: str) -> SegmentChoice:
    found = [c for c in choices if c.text == text]
    assert len(found) == 1, (text, choices)
    return found[0]


# --- the built-in data -------------------------------------------------------------------------------


def test_builtin_loads_every_resource(catalogue: Catalogue) -> None:
    roots = {endpoint.segments[0] for endpoint in catalogue}
    assert {
        "_ping",
        "version",
        "info",
        "events",
        "system",
        "auth",
        "distribution",
        "swarm",
        "nodes",
        "services",
        "tasks",
        "secrets",
        "configs",
        "plugins",
        "session",
        "build",
        "commit",
        "exec",
        "volumes",
        "networks",
        "images",
        "containers",
    } <= roots
    assert len(catalogue) >= 100
    assert all(endpoint.source == "dshell" for endpoint in catalogue)


def test_builtin_returns_fresh_catalogues_sharing_endpoints() -> None:
    first, second = Catalogue.builtin(), Catalogue.builtin()
    assert first is not second
    assert all(a is b for a, b in zip(first, second, strict=True))
    first.add(Endpoint("GET", "/dshell-only-here", "Only in the first", {}, ()))
    assert len(first) == len(second) + 1


def test_json_file_parses_on_its_own() -> None:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    endpoints = parse_json_catalogue(data, "file")
    assert len(endpoints) == len(data["endpoints"])
    assert version_tuple(data["api_version"]) >= (1, 41)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/_ping"),
        ("HEAD", "/_ping"),
        ("GET", "/containers/{id}/archive"),
        ("HEAD", "/containers/{id}/archive"),
        ("PUT", "/containers/{id}/archive"),
        ("GET", "/distribution/{name}/json"),
        ("POST", "/build/prune"),
        ("POST", "/swarm/unlock"),
        ("GET", "/swarm/unlockkey"),
        ("POST", "/plugins/{name}/upgrade"),
        ("POST", "/exec/{id}/resize"),
        ("DELETE", "/images/{name}"),
    ],
)
def test_expected_endpoints_are_present(catalogue: Catalogue, method: str, path: str) -> None:
    assert catalogue.get(method, path) is not None


def test_stream_binary_and_hijack_flags(catalogue: Catalogue) -> None:
    def flags(method: str, path: str) -> tuple[bool, bool, bool]:
        endpoint = catalogue.get(method, path)
        assert endpoint is not None, (method, path)
        return endpoint.stream, endpoint.binary, endpoint.hijack

    for method, path in [
        ("GET", "/events"),
        ("GET", "/containers/{id}/logs"),
        ("GET", "/containers/{id}/stats"),
        ("POST", "/images/create"),
        ("POST", "/images/{name}/push"),
        ("POST", "/build"),
        ("POST", "/images/load"),
        ("POST", "/plugins/pull"),
        ("GET", "/services/{id}/logs"),
        ("GET", "/tasks/{id}/logs"),
        ("GET", "/containers/{id}/attach/ws"),
    ]:
        assert flags(method, path) == (True, False, False), path
    for method, path in [
        ("GET", "/containers/{id}/export"),
        ("GET", "/images/{name}/get"),
        ("GET", "/images/get"),
        ("GET", "/containers/{id}/archive"),
    ]:
        assert flags(method, path) == (True, True, False), path
    for method, path in [
        ("POST", "/containers/{id}/attach"),
        ("POST", "/exec/{id}/start"),
        ("POST", "/session"),
    ]:
        assert flags(method, path)[2], path
    assert flags("HEAD", "/containers/{id}/archive") == (False, False, False)
    assert flags("GET", "/containers/json") == (False, False, False)


def test_placeholder_kinds(catalogue: Catalogue) -> None:
    prefix_kind = {
        "containers": "container",
        "images": "image",
        "distribution": "image",
        "networks": "network",
        "volumes": "volume",
        "exec": "exec",
        "services": "service",
        "nodes": "node",
        "tasks": "task",
        "secrets": "secret",
        "configs": "config",
        "plugins": "plugin",
    }
    for endpoint in catalogue:
        for kind in endpoint.params.values():
            assert kind in PARAM_KINDS
            assert kind == prefix_kind[endpoint.segments[0]], endpoint.path
    assert {"image", "plugin"} <= MULTI_SEGMENT_KINDS


def test_query_parameters_are_well_formed(catalogue: Catalogue) -> None:
    for endpoint in catalogue:
        for param in endpoint.query:
            assert param.summary and "\n" not in param.summary
            if param.type == "boolean":
                assert param.enum == ()
    kill = catalogue.query_params("POST", "/containers/{id}/kill")
    assert [p.name for p in kill] == ["signal"]
    assert "SIGTERM" in kill[0].enum
    names = {p.name for p in catalogue.query_params("GET", "/containers/{id}/logs")}
    assert {"follow", "stdout", "stderr", "since", "until", "timestamps", "tail"} <= names


def test_versioned_additions_are_marked(catalogue: Catalogue) -> None:
    put = catalogue.get("PUT", "/volumes/{name}")
    assert put is not None
    assert not put.available("1.41")
    assert put.available("1.42")
    stop = catalogue.get("POST", "/containers/{id}/stop")
    assert stop is not None
    signal = stop.query_param("signal")
    assert signal is not None and signal.min_version == "1.42"
    assert not signal.available("1.41") and signal.available("1.47")
    images = {p.name: p for p in catalogue.query_params("GET", "/images/json")}
    assert images["manifests"].min_version == "1.47"
    assert images["all"].min_version is None


# --- versions ------------------------------------------------------------------------------------------


def test_version_tuple() -> None:
    assert version_tuple("1.41") == (1, 41)
    assert version_tuple("v1.9") == (1, 9)
    assert version_tuple("1.9") < version_tuple("1.41")
    for bad in ("1", "one.two", "1.41.0", ""):
        with pytest.raises(ValueError, match="API version"):
            version_tuple(bad)


def test_endpoint_available_bounds() -> None:
    endpoint = Endpoint("GET", "/x", "X", {}, (), min_version="1.42", max_version="1.44")
    assert [endpoint.available(v) for v in ("1.41", "1.42", "1.44", "1.45")] == [False, True, True, False]
    assert Endpoint("GET", "/y", "Y", {}, ()).available("1.12")


# --- matching ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "template", "params"),
    [
        ("GET", "/containers/json", "/containers/json", {}),
        ("get", "/v1.41/containers/json?all=1&limit=3", "/containers/json", {}),
        ("GET", "/containers/abc123/json", "/containers/{id}/json", {"id": "abc123"}),
        ("GET", "/containers/json/json", "/containers/{id}/json", {"id": "json"}),
        ("GET", "/images/json", "/images/json", {}),
        ("GET", "/images/search", "/images/search", {}),
        ("GET", "/images/get", "/images/get", {}),
        ("GET", "/images/json/json", "/images/{name}/json", {"name": "json"}),
        ("GET", "/images/search/history", "/images/{name}/history", {"name": "search"}),
        (
            "GET",
            "/images/localhost:5000/ns/x:1/json",
            "/images/{name}/json",
            {"name": "localhost:5000/ns/x:1"},
        ),
        (
            "GET",
            "/images/localhost%3A5000%2Fns%2Fx%3A1/json",
            "/images/{name}/json",
            {"name": "localhost:5000/ns/x:1"},
        ),
        ("GET", "/images/ns/x:1/get", "/images/{name}/get", {"name": "ns/x:1"}),
        ("DELETE", "/images/library/nginx:latest", "/images/{name}", {"name": "library/nginx:latest"}),
        ("DELETE", "/images/json", "/images/{name}", {"name": "json"}),
        ("POST", "/images/a/push/push", "/images/{name}/push", {"name": "a/push"}),
        ("POST", "/images/create", "/images/create", {}),
        (
            "GET",
            "/distribution/docker.io/library/alpine:3/json",
            "/distribution/{name}/json",
            {"name": "docker.io/library/alpine:3"},
        ),
        ("GET", "/plugins/vieux/sshfs:latest/json", "/plugins/{name}/json", {"name": "vieux/sshfs:latest"}),
        ("GET", "/plugins/privileges", "/plugins/privileges", {}),
        ("GET", "/networks/prune", "/networks/{id}", {"id": "prune"}),
        ("POST", "/networks/prune", "/networks/prune", {}),
        ("POST", "/networks/create/connect", "/networks/{id}/connect", {"id": "create"}),
        ("HEAD", "/containers/c1/archive?path=/etc", "/containers/{id}/archive", {"id": "c1"}),
        ("GET", "/containers/c1/attach/ws", "/containers/{id}/attach/ws", {"id": "c1"}),
        ("GET", "/containers/my%20box/json", "/containers/{id}/json", {"id": "my box"}),
        ("GET", "/info/", "/info", {}),
    ],
)
def test_match(catalogue: Catalogue, method: str, path: str, template: str, params: dict[str, str]) -> None:
    found = catalogue.match(method, path)
    assert found is not None, path
    endpoint, values = found
    assert endpoint.path == template
    assert endpoint.method == method.upper()
    assert values == params


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/nothing/here"),
        ("PATCH", "/containers/json"),
        ("POST", "/containers/json"),
        ("GET", "/containers/a/b/json"),  # a container id never spans segments
        ("GET", "/containers//json"),
        ("GET", "/images"),
        ("GET", "/"),
    ],
)
def test_no_match(catalogue: Catalogue, method: str, path: str) -> None:
    assert catalogue.match(method, path) is None


def test_match_filters_by_api_version(catalogue: Catalogue) -> None:
    assert catalogue.match("PUT", "/volumes/v1", api_version="1.41") is None
    found = catalogue.match("PUT", "/v1.42/volumes/v1", api_version="1.42")
    assert found is not None and found[1] == {"name": "v1"}
    assert catalogue.match("PUT", "/volumes/v1") is not None


def test_literal_beats_placeholder_whatever_the_order() -> None:
    general = Endpoint("GET", "/things/{id}", "Inspect a thing", {"id": "other"}, ())
    special = Endpoint("GET", "/things/special", "The special thing", {}, ())
    for order in ([general, special], [special, general]):
        catalogue = Catalogue(order)
        found = catalogue.match("GET", "/things/special")
        assert found is not None and found[0] is special
        found = catalogue.match("GET", "/things/other")
        assert found is not None and found[0] is general and found[1] == {"id": "other"}


# --- next_segments ------------------------------------------------------------------------------------


def test_next_segments_top_level(catalogue: Catalogue) -> None:
    choices = catalogue.next_segments("GET", [])
    names = texts(choices)
    assert names == sorted(names)
    assert {"containers", "images", "_ping", "info", "version", "events", "system", "swarm"} <= set(names)
    assert "commit" not in names  # POST only
    assert len(names) == len(set(names))
    assert all(c.kind is None for c in choices)
    info = choice(choices, "info")
    assert info.complete and info.summary == "Get system-wide information"
    containers = choice(choices, "containers")
    assert not containers.complete and containers.summary == "/containers/…"


def test_next_segments_literals_before_placeholders(catalogue: Catalogue) -> None:
    choices = catalogue.next_segments("GET", ["containers"])
    assert texts(choices) == ["json", "{id}"]
    assert choice(choices, "json").summary == "List containers"
    placeholder = choice(choices, "{id}")
    assert placeholder.kind == "container"
    assert not placeholder.complete  # there is no GET /containers/{id}
    assert placeholder.summary == "/containers/{id}/…"

    any_method = catalogue.next_segments(None, ["containers"])
    assert texts(any_method) == ["create", "json", "prune", "{id}"]
    assert choice(any_method, "{id}").complete  # DELETE /containers/{id}


def test_next_segments_after_a_placeholder(catalogue: Catalogue) -> None:
    choices = catalogue.next_segments("GET", ["containers", "web"])
    assert texts(choices) == ["archive", "attach", "changes", "export", "json", "logs", "stats", "top"]
    attach = choice(choices, "attach")
    assert not attach.complete and attach.summary == "Attach to a container over a websocket"
    assert choice(choices, "logs").complete

    deeper = catalogue.next_segments("GET", ["containers", "web", "attach"])
    assert texts(deeper) == ["ws"]
    assert deeper[0].complete
    assert catalogue.next_segments("GET", ["containers", "web", "json"]) == []

    post = catalogue.next_segments("POST", ["containers", "web", "attach"])
    assert post == []  # POST /containers/{id}/attach is complete already; nothing follows


def test_next_segments_same_path_several_methods(catalogue: Catalogue) -> None:
    choices = catalogue.next_segments(None, ["containers", "web"])
    archive = choice(choices, "archive")
    assert archive.complete
    assert archive.summary == "/containers/{id}/archive (GET, HEAD, PUT)"
    assert choice(catalogue.next_segments(None, []), "_ping").summary == "/_ping (GET, HEAD)"


def test_next_segments_image_names_span_segments(catalogue: Catalogue) -> None:
    first = catalogue.next_segments("GET", ["images"])
    assert texts(first) == ["get", "json", "search", "{name}"]
    assert choice(first, "{name}").kind == "image"

    after_name = catalogue.next_segments("GET", ["images", "localhost:5000", "ns", "x:1"])
    assert texts(after_name) == ["get", "history", "json", "{name}"]  # or the name goes on
    assert choice(after_name, "json").summary == "Inspect an image"
    assert not choice(after_name, "{name}").complete

    delete = catalogue.next_segments("DELETE", ["images", "library"])
    assert texts(delete) == ["{name}"]
    assert delete[0].complete


def test_next_segments_ignores_version_prefix_and_empty_segments(catalogue: Catalogue) -> None:
    assert catalogue.next_segments("GET", ["v1.41", "containers"]) == catalogue.next_segments(
        "GET", ["containers"]
    )
    assert catalogue.next_segments("GET", ["", "containers", ""]) == catalogue.next_segments(
        "GET", ["containers"]
    )


def test_next_segments_filters_by_api_version(catalogue: Catalogue) -> None:
    assert catalogue.next_segments("PUT", ["volumes"], api_version="1.41") == []
    choices = catalogue.next_segments("PUT", ["volumes"], api_version="1.42")
    assert texts(choices) == ["{name}"]
    assert choices[0].kind == "volume" and choices[0].complete


def test_next_segments_dead_end(catalogue: Catalogue) -> None:
    assert catalogue.next_segments("GET", ["nothing"]) == []
    assert catalogue.next_segments("GET", ["info", "more"]) == []


# --- find and query_params -----------------------------------------------------------------------------


def test_find(catalogue: Catalogue) -> None:
    everything = catalogue.find()
    assert len(everything) == len(catalogue)
    assert everything == sorted(everything, key=lambda e: (e.path, e.method))
    logs = catalogue.find("logs")
    assert [e.path for e in logs] == ["/containers/{id}/logs", "/services/{id}/logs", "/tasks/{id}/logs"]
    assert [e.path for e in catalogue.find("PRUNE", method="post")] == [
        "/build/prune",
        "/containers/prune",
        "/images/prune",
        "/networks/prune",
        "/volumes/prune",
    ]
    assert [e.method for e in catalogue.find("head /")] == ["HEAD", "HEAD"]
    assert [e.path for e in catalogue.find("locked swarm")] == ["/swarm/unlock"]  # summary match
    assert catalogue.find("no such thing anywhere") == []


def test_query_params(catalogue: Catalogue) -> None:
    by_template = catalogue.query_params("GET", "/containers/{id}/logs")
    by_path = catalogue.query_params("GET", "/v1.41/containers/web/logs?follow=1")
    assert by_template == by_path
    assert "tail" in [p.name for p in by_path]
    assert catalogue.query_params("GET", "/no/such/endpoint") == ()
    assert catalogue.query_params("GET", "/info") == ()


# --- plugins ------------------------------------------------------------------------------------------

PLUGIN_DATA: dict[str, Any] = {
    "api_version": "1.41",
    "endpoints": [
        {
            "method": "GET",
            "path": "/widgets/{id}/json",
            "summary": "Inspect a widget",
            "params": {"id": "other"},
            "query": [{"name": "deep", "type": "boolean", "summary": "Go deep"}],
            "stream": False,
            "hijack": False,
            "body": None,
        },
        {
            "method": "GET",
            "path": "/info",
            "summary": "System information, as the plugin sees it",
            "params": {},
            "query": [{"name": "color", "type": "string", "summary": "Colour", "enum": ["red", "blue"]}],
            "stream": False,
            "hijack": False,
            "body": None,
            "min_version": "1.30",
        },
    ],
}


def test_plugin_adds_and_overrides(catalogue: Catalogue) -> None:
    before = len(catalogue)
    builtin_info = catalogue.get("GET", "/info")
    endpoints = parse_json_catalogue(PLUGIN_DATA, "widgets")
    assert all(e.source == "widgets" for e in endpoints)
    catalogue.extend(endpoints)
    assert len(catalogue) == before + 1  # /info replaced, /widgets added

    info = catalogue.get("GET", "/info")
    assert info is not None and info is not builtin_info and info.source == "widgets"
    assert [p.name for p in catalogue.query_params("GET", "/info")] == ["color"]
    assert catalogue.query_params("GET", "/info")[0].enum == ("red", "blue")

    found = catalogue.match("GET", "/widgets/w1/json")
    assert found is not None and found[0].source == "widgets" and found[1] == {"id": "w1"}
    assert "widgets" in texts(catalogue.next_segments("GET", []))
    widget = catalogue.next_segments("GET", ["widgets"])
    assert texts(widget) == ["{id}"] and widget[0].kind == "other"

    untouched = Catalogue.builtin()
    assert untouched.get("GET", "/info") is builtin_info
    assert untouched.get("GET", "/widgets/{id}/json") is None


def test_add_rejects_non_endpoints(catalogue: Catalogue) -> None:
    with pytest.raises(TypeError):
        catalogue.add({"method": "GET", "path": "/x"})  # type: ignore[arg-type]


def test_endpoints_are_immutable(catalogue: Catalogue) -> None:
    endpoint = catalogue.get("GET", "/containers/{id}/json")
    assert endpoint is not None
    with pytest.raises(AttributeError):
        endpoint.path = "/elsewhere"  # type: ignore[misc]
    with pytest.raises(TypeError):
        endpoint.params["id"] = "image"  # type: ignore[index]
    assert hash(endpoint) == hash(endpoint)
    assert endpoint.segments == ("containers", "{id}", "json")


# --- bad data -----------------------------------------------------------------------------------------

VALID: dict[str, Any] = {
    "method": "POST",
    "path": "/gadgets/{id}/poke",
    "summary": "Poke a gadget",
    "params": {"id": "other"},
    "query": [{"name": "hard", "type": "boolean", "summary": "Poke hard"}],
    "stream": False,
    "hijack": False,
    "body": None,
}


def _with(**changes: Any) -> dict[str, Any]:
    endpoint = copy.deepcopy(VALID)
    for key, value in changes.items():
        if value is KeyError:
            del endpoint[key]
        else:
            endpoint[key] = value
    return endpoint


@pytest.mark.parametrize(
    ("endpoint", "problem"),
    [
        (_with(method="FETCH"), "method"),
        (_with(method="post"), "method"),
        (_with(method=KeyError), "method must be a string"),
        (_with(path="gadgets/{id}/poke"), "must start with /"),
        (_with(path="/gadgets/{id}/poke/"), "not end with /"),
        (_with(path="/v1.41/gadgets/{id}/poke"), "/vX.Y"),
        (_with(path="/gadgets/{id}/poke?x=1"), "query"),
        (_with(path="/gadgets//{id}/poke"), "empty segment"),
        (_with(path="/gadgets/x{id}/poke"), "whole segment"),
        (_with(path="/gadgets/{name}/poke"), "placeholders"),
        (_with(params={}), "placeholders"),
        (_with(params={"id": "other", "extra": "other"}), "placeholders"),
        (_with(params={"id": "gizmo"}), "kind 'gizmo'"),
        (_with(params=["id"]), "params"),
        (_with(summary=""), "summary"),
        (_with(summary="two\nlines"), "summary"),
        (_with(query={"hard": True}), "query must be a list"),
        (_with(query=[{"name": "hard", "type": "bool", "summary": "x"}]), "type 'bool'"),
        (_with(query=[{"name": "hard", "type": "boolean", "summary": "x", "enum": ["1", "0"]}]), "no enum"),
        (_with(query=[{"name": "n", "type": "integer", "summary": "x", "default": "3"}]), "does not fit"),
        (_with(query=[{"name": "n", "type": "integer", "summary": "x", "default": True}]), "does not fit"),
        (
            _with(query=[{"name": "s", "type": "string", "summary": "x", "enum": ["a"], "default": "b"}]),
            "enum",
        ),
        (_with(query=[{"name": "s", "type": "string", "summary": "x", "enum": [1]}]), "enum"),
        (_with(query=[{"name": "s", "type": "string", "summary": "x", "min_version": "new"}]), "API version"),
        (_with(query=[{"name": "s", "type": "string", "summary": "x", "colour": "red"}]), "unknown"),
        (_with(query=[{"type": "string", "summary": "x"}]), "name must be a string"),
        (_with(query=[{"name": "a", "type": "string", "summary": "x"}] * 2), "twice"),
        (_with(body="xml"), "body"),
        (_with(stream="yes"), "stream"),
        (_with(min_version="1.45", max_version="1.42"), "after"),
        (_with(min_version="latest"), "API version"),
        (_with(colour="red"), "unknown keys"),
    ],
)
def test_bad_endpoint_rejected(endpoint: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem) as caught:
        parse_json_catalogue({"endpoints": [VALID, endpoint]}, "badplugin")
    message = str(caught.value)
    assert message.startswith("badplugin: endpoint #1 ("), message  # names the endpoint at fault


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ([], "JSON object"),
        ({}, "'endpoints' must be a list"),
        ({"endpoints": {}}, "'endpoints' must be a list"),
        ({"endpoints": [], "extra": 1}, "unknown catalogue keys"),
        ({"endpoints": [], "api_version": "one"}, "API version"),
        ({"endpoints": ["GET /x"]}, "endpoint #0: must be an object"),
        ({"endpoints": [VALID, VALID]}, r"endpoint #1 \(POST /gadgets/\{id\}/poke\): listed twice"),
    ],
)
def test_bad_catalogue_rejected(data: Any, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_json_catalogue(data, "badplugin")


def test_valid_plugin_endpoint_round_trip() -> None:
    (endpoint,) = parse_json_catalogue({"endpoints": [VALID]}, "gadgets")
    assert endpoint == Endpoint(
        method="POST",
        path="/gadgets/{id}/poke",
        summary="Poke a gadget",
        params={"id": "other"},
        query=(QueryParam("hard", "boolean", "Poke hard"),),
        source="gadgets",
    )


# --- against a real daemon ----------------------------------------------------------------------------


def _daemon_base() -> str:
    address = DAEMON.removeprefix("tcp://").removeprefix("http://").rstrip("/")
    return f"http://{address}"


def _daemon_api_version(base: str) -> str:
    import daemonapi

    reply = daemonapi.get(f"{base}/_ping", timeout=10)
    reply.raise_for_status()
    return reply.headers["Api-Version"]


def _page_not_found(reply: Any) -> bool:
    """True if the daemon's router knew no route for the request (as opposed to a missing object)."""
    if reply.status_code not in (400, 404):
        return False
    try:
        message = reply.json().get("message", "")
    except ValueError:
        message = reply.text
    return "page not found" in str(message)


@pytest.mark.daemon
@needs_daemon
def test_daemon_serves_every_parameterless_get_endpoint() -> None:
    import daemonapi

    base = _daemon_base()
    version = _daemon_api_version(base)
    checked: list[str] = []
    failures: list[str] = []
    for endpoint in Catalogue.builtin():
        if endpoint.method != "GET" or endpoint.params or not endpoint.available(version):
            continue
        query: dict[str, Any] = {}
        if endpoint.path == "/events":
            now = int(time.time())
            query = {"since": now - 1, "until": now}  # makes the event stream finite
        elif endpoint.stream and not endpoint.binary:
            pytest.fail(f"no way to make the stream of GET {endpoint.path} finite: teach this test one")
        with daemonapi.get(
            f"{base}/v{version}{endpoint.path}", params=query, timeout=10, stream=True
        ) as reply:
            _ = reply.content  # read it all, so streams are proven finite
            checked.append(f"{endpoint.path} {reply.status_code}")
            if reply.status_code == 404 or _page_not_found(reply):
                failures.append(f"GET {endpoint.path}: {reply.status_code} {reply.text[:200]}")
    assert not failures, failures
    assert "/events 200" in checked and "/info 200" in checked, checked


@pytest.mark.daemon
@needs_daemon
def test_daemon_routes_every_get_endpoint_with_placeholders() -> None:
    """Each GET template, filled with names that do not exist, reaches a handler (no "page not found").

    Image and plugin names are given with slashes and a tag, to prove the daemon routes them as one
    parameter the way :meth:`Catalogue.match` does.  Nothing is created, so nothing needs removing.
    """
    import daemonapi

    base = _daemon_base()
    version = _daemon_api_version(base)
    catalogue = Catalogue.builtin()
    missing = f"dshell-test-missing-{uuid.uuid4().hex[:12]}"
    failures: list[str] = []
    for endpoint in catalogue:
        if endpoint.method != "GET" or not endpoint.params or not endpoint.available(version):
            continue
        values = {
            name: f"{missing}/ns/x:1" if kind in MULTI_SEGMENT_KINDS else missing
            for name, kind in endpoint.params.items()
        }
        path = endpoint.path
        for name, value in values.items():
            path = path.replace("{" + name + "}", value)
        found = catalogue.match("GET", path)
        assert found is not None and found[0] is endpoint and found[1] == values, path
        with daemonapi.get(
            f"{base}/v{version}{path}", params={"path": "/"}, timeout=10, stream=True
        ) as reply:
            if _page_not_found(reply):
                failures.append(f"GET {path}: {reply.status_code} {reply.text[:200]}")
    assert not failures, failures
