"""Completion of raw requests: paths segment by segment, live ``{id}`` names, query parameters and values;
and endpoints a plugin adds through ``dshell_register_endpoints``."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from conftest import IMAGE, TCP, Captured, docker, need_daemon
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from dshell.api.catalogue import Catalogue, Endpoint, QueryParam
from dshell.core.completion import Candidate
from dshell.core.hookspecs import hookimpl
from dshell.core.lexer import split
from dshell.interactive.completer import DshellCompleter
from dshell.plugins.raw.completion import path_candidates, query_candidates


def texts(candidates: list[Candidate]) -> list[str]:
    return [c.text for c in candidates]


def fake_live(kind: str) -> list[tuple[str, str]]:
    return {
        "container": [("web", "container · up"), ("db", "container · exited")],
        "image": [("busybox:latest", "image"), ("localhost:5000/ns/app:1", "image")],
    }.get(kind, [])


# -- pure: the catalogue and made-up live names -------------------------------------------------------------


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.builtin()


def test_top_level_and_literal_segments(catalogue: Catalogue) -> None:
    top = path_candidates(catalogue, "GET", "", fake_live)
    assert "/containers/" in texts(top) and "/info" in texts(top) and "/_ping" in texts(top)
    assert "/swarm/init" not in texts(top)  # POST only
    info = next(c for c in top if c.text == "/info")
    assert info.meta == catalogue.get("GET", "/info").summary  # type: ignore[union-attr]
    post = texts(path_candidates(catalogue, "POST", "/con", fake_live))
    # unfiltered: the completer ranks them by what is typed
    assert {"/containers/", "/commit", "/build", "/images/"} <= set(post)
    assert "/containers/create" in texts(path_candidates(catalogue, "POST", "/containers/c", fake_live))


def test_placeholders_complete_with_live_names(catalogue: Catalogue) -> None:
    got = path_candidates(catalogue, "GET", "/containers/w", fake_live)
    assert {"/containers/json", "/containers/web/", "/containers/db/"} <= set(texts(got))
    web = next(c for c in got if c.text == "/containers/web/")
    assert web.meta == "container · up"
    # DELETE /containers/{id} ends there: no trailing slash
    assert "/containers/web" in texts(path_candidates(catalogue, "DELETE", "/containers/", fake_live))
    after = texts(path_candidates(catalogue, "POST", "/containers/web/", fake_live))
    assert "/containers/web/start" in after and "/containers/web/kill" in after
    assert texts(path_candidates(catalogue, "GET", "/v1.41/containers/web/j", fake_live)) == [
        "/v1.41/containers/web/archive",
        "/v1.41/containers/web/attach/",
        "/v1.41/containers/web/changes",
        "/v1.41/containers/web/export",
        "/v1.41/containers/web/json",
        "/v1.41/containers/web/logs",
        "/v1.41/containers/web/stats",
        "/v1.41/containers/web/top",
    ]


def test_image_names_span_segments(catalogue: Catalogue) -> None:
    assert "/images/localhost:5000/ns/app:1/" in texts(
        path_candidates(catalogue, "GET", "/images/", fake_live)
    )
    begun = texts(path_candidates(catalogue, "GET", "/images/localhost:5000/n", fake_live))
    assert "/images/localhost:5000/ns/app:1/" in begun
    assert not any("busybox" in t for t in begun)
    assert texts(path_candidates(catalogue, "DELETE", "/images/localhost:5000/ns/a", fake_live)) == [
        "/images/localhost:5000/ns/app:1"
    ]
    inside = texts(path_candidates(catalogue, "GET", "/images/localhost:5000/ns/app:1/", fake_live))
    assert (
        "/images/localhost:5000/ns/app:1/json" in inside
        and "/images/localhost:5000/ns/app:1/history" in inside
    )


def test_api_version_hides_newer_endpoints(catalogue: Catalogue) -> None:
    assert "/volumes/web" in texts(
        path_candidates(catalogue, "PUT", "/volumes/", lambda k: [("web", "")], "1.43")
    )
    assert path_candidates(catalogue, "PUT", "/volumes/", lambda k: [("web", "")], "1.41") == []


def test_query_parameters_and_values(catalogue: Catalogue) -> None:
    kill = catalogue.get("POST", "/containers/{id}/kill")
    assert kill is not None
    assert texts(query_candidates(kill, "/containers/web/kill?", "")) == ["/containers/web/kill?signal="]
    values = texts(query_candidates(kill, "/containers/web/kill?", "signal="))
    assert "/containers/web/kill?signal=SIGTERM" in values and "/containers/web/kill?signal=SIGHUP" in values
    logs = catalogue.get("GET", "/containers/{id}/logs")
    assert logs is not None
    assert texts(query_candidates(logs, "/c/x/logs?", "follow=")) == [
        "/c/x/logs?follow=1",
        "/c/x/logs?follow=0",
        "/c/x/logs?follow=true",
        "/c/x/logs?follow=false",
    ]
    nxt = texts(query_candidates(logs, "/c/x/logs?", "follow=1&stdout=1"))
    assert "/c/x/logs?follow=1&stdout=1&stderr=" in nxt
    assert not any(t.endswith(("&follow=", "&stdout=")) for t in nxt)  # given already
    names = texts(query_candidates(logs, "/c/x/logs?", "follow=1&"))
    assert "/c/x/logs?follow=1&tail=" in names and "/c/x/logs?follow=1&follow=" not in names
    assert texts(query_candidates(logs, "/c/x/logs?", "tail=")) == ["/c/x/logs?tail=all"]  # the default


# -- through the real completer, on a live session ---------------------------------------------------------


@pytest.fixture
def containers(shell: Captured, prefix: str) -> list[str]:
    names = [f"{prefix}-web", f"{prefix}-db"]
    for name in names:
        docker("create", "--name", name, IMAGE, "true")
    shell.session.names.invalidate()
    return names


def test_completer_paths_and_live_names(shell: Captured, containers: list[str], prefix: str) -> None:
    completer = DshellCompleter(shell.session)
    word, got = completer.candidates("get /cont")
    assert word == "/cont" and texts(got)[0] == "/containers/"
    word, got = completer.candidates(f"get /containers/{prefix}")
    assert set(texts(got)) == {f"/containers/{name}/" for name in containers}
    assert all(c.meta.startswith("container · ") for c in got)
    word, got = completer.candidates(f"delete /containers/{prefix}-w")
    assert texts(got)[0] == f"/containers/{prefix}-web"
    word, got = completer.candidates(f"post /containers/{prefix}-web/sta")
    assert texts(got)[0] == f"/containers/{prefix}-web/start"
    word, got = completer.candidates(f"post /containers/{prefix}-web/kill?signal=SIGT")
    assert texts(got)[0] == f"/containers/{prefix}-web/kill?signal=SIGTERM"  # then fuzzy matches
    word, got = completer.candidates("get /containers/json?a")
    assert texts(got)[0] == "/containers/json?all="
    word, got = completer.candidates("get -v -q a")  # -q before the path: nothing to go on
    assert got == []
    word, got = completer.candidates("get /containers/json -q a")
    assert texts(got) == ["all="]
    word, got = completer.candidates("get /containers/json -q all=")
    assert texts(got) == ["all=1", "all=0", "all=true", "all=false"]
    word, got = completer.candidates("endpoints POST /containers/x/ki")
    assert texts(got) == ["/containers/x/kill"]


def test_completer_with_documents(shell: Captured, containers: list[str], prefix: str) -> None:
    """Through prompt-toolkit: each completion replaces the path word and lexes back to the full path."""
    completer = DshellCompleter(shell.session)
    for line, expected in [
        (f"get /containers/{prefix}-we", f"/containers/{prefix}-web/"),
        (f"get -v /containers/{prefix}-web/lo", f"/containers/{prefix}-web/logs"),
        (
            f"get /containers/{prefix}-web/logs?follow=1&std",
            f"/containers/{prefix}-web/logs?follow=1&stdout=",
        ),
        ("post /containers/x/kill?signal=SIGK", "/containers/x/kill?signal=SIGKILL"),
    ]:
        completions = list(completer.get_completions(Document(line), CompleteEvent()))
        assert completions, line
        first = completions[0]
        completed = line[: len(line) + first.start_position] + first.text
        assert split(completed)[-1].value == expected, (line, first)
        assert first.display_meta_text


class WidgetsPlugin:
    """An in-process plugin adding endpoints, as an engine extension's plugin would."""

    @hookimpl
    def dshell_register_endpoints(self, catalogue: Catalogue) -> None:
        catalogue.add(
            Endpoint(
                method="GET",
                path="/widgets/{id}/json",
                summary="Inspect a widget",
                params={"id": "other"},
                query=(QueryParam("depth", "string", "How deep", enum=("shallow", "deep")),),
            )
        )


@pytest.fixture
def widget_shell() -> Iterator[Captured]:
    need_daemon()
    from dshell.api.address import parse_address
    from dshell.core.session import Session
    from dshell.output.console import Console

    cap = Captured.__new__(Captured)
    cap.out_bytes, cap.err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(cap.out_bytes, encoding="utf-8", write_through=True)
    err = io.TextIOWrapper(cap.err_bytes, encoding="utf-8", write_through=True)
    cap.console = Console(stdout=out, stderr=err, stdin=None)
    cap.session = Session(parse_address(TCP), console=cap.console)
    assert cap.session.plugins.register(WidgetsPlugin(), "widgets") is not None
    cap.session.load_plugins()
    yield cap
    cap.session.close()


def test_plugin_endpoints_are_listed_and_completed(widget_shell: Captured) -> None:
    r = widget_shell.run("endpoints widget")
    assert r.status == 0 and r.out.splitlines()[1].split()[:2] == ["GET", "/widgets/{id}/json"]
    r = widget_shell.run("endpoints /widgets/{id}/json")
    assert "from plugin widgets" in r.out and "depth" in r.out and "shallow, deep" in r.out
    completer = DshellCompleter(widget_shell.session)
    assert "/widgets/" in texts(completer.candidates("get /wid")[1])
    assert texts(completer.candidates("get /widgets/w1/")[1]) == ["/widgets/w1/json"]
    assert texts(completer.candidates("get /widgets/w1/json?depth=d")[1])[0] == "/widgets/w1/json?depth=deep"
    r = widget_shell.run("get /widgets/w1/json")  # the engine has no such thing: its 404, as it is
    assert r.status == 1 and "404 Not Found" in r.err


def test_completer_live_volume_and_network_names(shell: Captured, prefix: str) -> None:
    docker("volume", "create", f"{prefix}-vol")
    docker("network", "create", f"{prefix}-net")
    shell.session.names.invalidate()
    completer = DshellCompleter(shell.session)
    assert texts(completer.candidates(f"delete /volumes/{prefix}")[1]) == [f"/volumes/{prefix}-vol"]
    got = completer.candidates(f"post /networks/{prefix}")[1]
    assert texts(got) == [f"/networks/{prefix}-net/"] and got[0].meta == "network · bridge"
    assert "/networks/prune" in texts(completer.candidates("post /networks/p")[1])
    assert texts(completer.candidates("get /exec/")[1]) == []  # nothing lists exec ids: no guesses
