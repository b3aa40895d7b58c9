"""Swarm mode: ``swarm``, ``node``, ``service``, ``secret`` and ``config`` commands with the Docker CLI's names,
flags and columns, and completion of service, node, task, secret and config names. This module is the plugin's
entry point: it registers them all."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from dshell.plugin import hookimpl

from . import cluster, objects, services

if TYPE_CHECKING:
    from dshell.plugin import Candidate, CommandRegistry, CompletionRegistry, CompletionRequest


def _named(kind: str, describe: Any) -> Any:
    """A completion source serving ``kind`` from the session's live-name cache: names, then short IDs."""

    def source(request: CompletionRequest) -> Iterable[Candidate]:
        from dshell.plugin import Candidate

        items = request.session.names.get(kind)
        ids: list[Candidate] = []
        for item in items:
            name, meta = describe(item)
            if name:
                yield Candidate(name, meta)
            ids.append(Candidate(str(item.get("ID", ""))[:12], f"{name} · {meta}" if name else meta))
        yield from ids

    return source


def _service(item: dict[str, Any]) -> tuple[str, str]:
    spec = item.get("Spec") or {}
    mode = spec.get("Mode") or {}
    replicas = (mode.get("Replicated") or {}).get("Replicas")
    how = "global" if "Global" in mode else f"{replicas} replicas"
    image = str(((spec.get("TaskTemplate") or {}).get("ContainerSpec") or {}).get("Image", "")).split("@")[0]
    return str(spec.get("Name", "")), f"{image} · {how}"


def _node(item: dict[str, Any]) -> tuple[str, str]:
    desc = item.get("Description") or {}
    spec = item.get("Spec") or {}
    state = (item.get("Status") or {}).get("State", "")
    return str(desc.get("Hostname", "")), f"{spec.get('Role', '')} · {state} · {spec.get('Availability', '')}"


def _task(item: dict[str, Any]) -> tuple[str, str]:
    state = (item.get("Status") or {}).get("State", "")
    slot = item.get("Slot") or item.get("NodeID", "")
    return "", f"slot {slot} · {state} (desired {item.get('DesiredState', '')})"


def _spec_named(item: dict[str, Any]) -> tuple[str, str]:
    return str((item.get("Spec") or {}).get("Name", "")), str(item.get("CreatedAt", ""))[:19].replace(
        "T", " "
    )


_services = _named("services", _service)
_tasks = _named("tasks", _task)


def _services_or_tasks(request: CompletionRequest) -> Iterable[Candidate]:
    """Service names; with the ``tasks`` qualifier (``service logs``) task IDs too."""
    yield from _services(request)
    if request.qualifier == "tasks":
        yield from _tasks(request)


@hookimpl
def dshell_register_commands(registry: CommandRegistry) -> None:
    for module in (cluster, services, objects):
        for command in module.commands():
            registry.add(command)


@hookimpl
def dshell_register_completers(completers: CompletionRegistry) -> None:
    completers.add("service", _services_or_tasks)
    completers.add("node", _named("nodes", _node))
    completers.add("task", _tasks)
    completers.add("secret", _named("secrets", _spec_named))
    completers.add("config", _named("configs", _spec_named))
