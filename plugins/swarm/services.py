"""``service create|ls|ps|inspect|logs|scale|update|rollback|rm``, and the wait for convergence that
create/update/scale/rollback do unless ``-d``."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from dshell.plugin import (
    APIError,
    Command,
    CommandFailed,
    Frames,
    Lines,
    NotFound,
    Result,
    UsageError,
    argument,
    flag,
    option,
    parse_filters,
)
from dshell.plugin import nodes_api as nodes
from dshell.plugin import services_api as api
from dshell.plugin import tasks_api as tasks

from .cluster import ps_options, resolve_node, service_names
from .views import (
    FORMAT_OPTION,
    INSPECT_FORMAT,
    ago_cap,
    duration_ns,
    for_each,
    go_duration,
    inspect_output,
    key_values,
    listing,
    port_text,
    strip_digest,
    task_listing,
)

if TYPE_CHECKING:
    from dshell.plugin import DockerClient, Invocation

SERVICE_COLUMNS = ("ID", "NAME", "MODE", "REPLICAS", "IMAGE", "PORTS")
SERVICE_FIELDS = ("ID", "Name", "Mode", "Replicas", "Image", "Ports")
SERVICE_HEADERS = {
    "ID": "ID",
    "Name": "NAME",
    "Mode": "MODE",
    "Replicas": "REPLICAS",
    "Image": "IMAGE",
    "Ports": "PORTS",
}
#: How long create/update/scale/rollback wait for the service to converge (seconds).
CONVERGE_TIMEOUT = 180.0
#: Between two looks at the service's tasks while waiting.
POLL_INTERVAL = 0.5
#: Update states in which a rolling update is still going on.
UPDATING = ("updating", "rollback_started")


# -- spec building ----------------------------------------------------------------------------------------


def parse_port(text: str) -> dict[str, Any]:
    """``-p 8080:80[/udp]`` or ``-p published=8080,target=80,protocol=tcp,mode=host``."""
    port: dict[str, Any] = {"Protocol": "tcp", "PublishMode": "ingress"}
    try:
        if "=" in text:
            for part in text.split(","):
                key, _, value = part.partition("=")
                key = key.strip().lower()
                if key in ("published", "target"):
                    port["PublishedPort" if key == "published" else "TargetPort"] = int(value)
                elif key == "protocol":
                    port["Protocol"] = value
                elif key == "mode":
                    port["PublishMode"] = value
                else:
                    raise UsageError(f"invalid field key {key!r} in port {text!r}")
        else:
            spec, _, proto = text.partition("/")
            port["Protocol"] = proto or "tcp"
            published, sep, target = spec.rpartition(":")
            port["TargetPort"] = int(target)
            if sep:
                port["PublishedPort"] = int(published)
    except ValueError:
        raise UsageError(f"invalid port {text!r}") from None
    if "TargetPort" not in port:
        raise UsageError(f"missing mandatory field 'target' in port {text!r}")
    return port


def parse_mount(text: str) -> dict[str, Any]:
    """``--mount type=volume,source=data,target=/data[,readonly]``."""
    mount: dict[str, Any] = {"Type": "volume"}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        if key in ("type",):
            mount["Type"] = value
        elif key in ("source", "src"):
            mount["Source"] = value
        elif key in ("target", "dst", "destination"):
            mount["Target"] = value
        elif key in ("readonly", "ro"):
            mount["ReadOnly"] = not sep or value.lower() in ("1", "true")
        else:
            raise UsageError(f"unexpected key {key!r} in mount {text!r}")
    if "Target" not in mount:
        raise UsageError(f"target is required in mount {text!r}")
    return mount


def create_spec(inv: Invocation) -> dict[str, Any]:
    """The ``ServiceSpec`` of ``service create``."""
    a = inv.args
    container: dict[str, Any] = {"Image": a.image}
    if a.command:
        container["Args"] = list(a.command)
    if a.env:
        container["Env"] = list(a.env)
    if a.container_label:
        container["Labels"] = key_values(a.container_label, "label")
    if a.mount:
        container["Mounts"] = [parse_mount(m) for m in a.mount]
    if a.workdir:
        container["Dir"] = a.workdir
    if a.user:
        container["User"] = a.user
    if a.hostname:
        container["Hostname"] = a.hostname
    if a.stop_grace_period:
        container["StopGracePeriod"] = duration_ns(a.stop_grace_period, "--stop-grace-period")
    template: dict[str, Any] = {"ContainerSpec": container, "ForceUpdate": 0}
    if a.constraint:
        template["Placement"] = {"Constraints": list(a.constraint)}
    if a.restart_condition:
        template["RestartPolicy"] = {"Condition": a.restart_condition}
    if a.network:
        template["Networks"] = [{"Target": n} for n in a.network]
    spec: dict[str, Any] = {"TaskTemplate": template, "Labels": key_values(a.label, "label")}
    if a.name:
        spec["Name"] = a.name
    if a.mode == "global":
        if a.replicas is not None:
            raise UsageError("replicas can only be used with replicated mode")
        spec["Mode"] = {"Global": {}}
    else:
        spec["Mode"] = {"Replicated": {"Replicas": 1 if a.replicas is None else a.replicas}}
    update: dict[str, Any] = {}
    if a.update_parallelism is not None:
        update["Parallelism"] = a.update_parallelism
    if a.update_delay:
        update["Delay"] = duration_ns(a.update_delay, "--update-delay")
    if update:
        spec["UpdateConfig"] = update
    if a.publish:
        spec["EndpointSpec"] = {"Ports": [parse_port(p) for p in a.publish]}
    return spec


# -- convergence ------------------------------------------------------------------------------------------


def converge(
    client: DockerClient,
    service_id: str,
    *,
    since: str | None = None,
    rollback: bool = False,
    timeout: float = CONVERGE_TIMEOUT,
) -> Iterator[str]:
    """``overall progress: N out of M tasks`` whenever it changes, until every desired task runs.

    ``since`` is the ``UpdateStatus.StartedAt`` seen before a change that replaces tasks: the wait is over
    only once a newer update has completed. Task errors are shown once each. Raises after ``timeout``.
    """
    deadline = time.monotonic() + timeout
    last = ""
    errors_seen: set[str] = set()
    label = "overall progress: rolling back update: " if rollback else "overall progress: "
    while True:
        service = api.inspect_service(client, service_id)
        listed = api.list_services(client, filters={"id": [service["ID"]]}, status=True)
        status = next((s.get("ServiceStatus") or {} for s in listed if s["ID"] == service["ID"]), {})
        desired = int(status.get("DesiredTasks", 0))
        running_tasks = tasks.list_tasks(
            client, filters={"service": [service["ID"]], "desired-state": ["running"]}
        )
        running = sum(1 for t in running_tasks if (t.get("Status") or {}).get("State") == "running")
        line = f"{label}{running} out of {desired} tasks"
        if line != last:
            yield line
            last = line
        for task in running_tasks:
            task_status = task.get("Status") or {}
            err = str(task_status.get("Err") or "")
            if err and task["ID"] not in errors_seen:
                errors_seen.add(task["ID"])
                yield f"{task.get('Slot') or task.get('NodeID', '')}/{desired}: {err}"
        update = service.get("UpdateStatus") or {}
        state = str(update.get("State", ""))
        if state in ("paused", "rollback_paused"):
            raise CommandFailed(f"service update paused: {update.get('Message', '')}")
        settled = state not in UPDATING and (since is None or update.get("StartedAt", "") != since)
        if settled and running == desired == len(running_tasks):
            yield f"verify: Service {service['ID']} converged"
            return
        if time.monotonic() > deadline:
            raise CommandFailed(
                f"service {service['Spec']['Name']} did not converge within {timeout:g} s "
                f"({running} out of {desired} tasks running)",
                hint=f"see: service ps {service['Spec']['Name']}",
            )
        time.sleep(POLL_INTERVAL)


def _started(service: dict[str, Any]) -> str:
    return str((service.get("UpdateStatus") or {}).get("StartedAt", ""))


def _replaces_tasks(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether a new spec makes the orchestrator replace tasks (a rolling update) rather than add/remove."""
    return old.get("TaskTemplate") != new.get("TaskTemplate")


# -- handlers ---------------------------------------------------------------------------------------------


def service_create(inv: Invocation) -> Any:
    a = inv.args
    spec = create_spec(inv)
    reply = api.create_service(inv.client, spec)
    inv.session.names.invalidate("services")
    ident = str(reply.get("ID", ""))
    warnings = [w for w in (reply.get("Warnings") or []) if w]
    head = [ident]
    if a.detach:
        return Result(Lines(head), errors=[]) if not warnings else Result(Lines(head + warnings))
    if a.quiet:
        return Lines(_quietly(head, converge(inv.client, ident)))
    return Lines(_chain(head, converge(inv.client, ident)))


def _chain(head: list[str], rest: Iterator[str]) -> Iterator[str]:
    yield from head
    yield from rest


def _quietly(head: list[str], rest: Iterator[str]) -> Iterator[str]:
    yield from head
    for _ in rest:
        pass


def service_view(service: dict[str, Any], *, no_trunc: bool = False) -> dict[str, Any]:
    """One ``service ls`` line."""
    spec = service.get("Spec") or {}
    mode_spec = spec.get("Mode") or {}
    status = service.get("ServiceStatus") or {}
    running, desired = status.get("RunningTasks", 0), status.get("DesiredTasks", 0)
    if "Global" in mode_spec:
        mode = "global"
    elif "ReplicatedJob" in mode_spec:
        mode = "replicated job"
    elif "GlobalJob" in mode_spec:
        mode = "global job"
    else:
        mode = "replicated"
    replicas = f"{running}/{desired}"
    max_per_node = ((spec.get("TaskTemplate") or {}).get("Placement") or {}).get("MaxReplicas")
    if max_per_node:
        replicas += f" (max {max_per_node} per node)"
    image = str(((spec.get("TaskTemplate") or {}).get("ContainerSpec") or {}).get("Image", ""))
    ports = [
        p for p in (service.get("Endpoint") or {}).get("Ports") or [] if p.get("PublishMode") == "ingress"
    ]
    return {
        "ID": service["ID"] if no_trunc else service["ID"][:12],
        "Name": spec.get("Name", ""),
        "Mode": mode,
        "Replicas": replicas,
        "Image": image if no_trunc else strip_digest(image),
        "Ports": ", ".join(port_text(p) for p in ports),
    }


def service_ls(inv: Invocation) -> Any:
    a = inv.args
    filters = parse_filters(a.filter)
    items = api.list_services(inv.client, filters=filters, status=True)
    if not filters:
        inv.session.names.put("services", items)
    items = sorted(items, key=lambda s: str((s.get("Spec") or {}).get("Name", "")))
    views = [service_view(s) for s in items]
    return listing(
        inv, columns=SERVICE_COLUMNS, views=views, fields=SERVICE_FIELDS, headers=SERVICE_HEADERS, data=items
    )


def service_ps(inv: Invocation) -> Any:
    a = inv.args
    found: list[dict[str, Any]] = []
    errors: list[str] = []
    names: dict[str, str] = {}
    for ref in a.services:
        try:
            service = api.inspect_service(inv.client, ref)
        except NotFound:
            errors.append(f"no such service: {ref}")
            continue
        names[service["ID"]] = service["Spec"]["Name"]
        filters = parse_filters(a.filter)
        if "node" in filters:
            filters["node"] = [resolve_node(inv.client, n) for n in filters["node"]]
        filters["service"] = [service["ID"]]
        found += tasks.list_tasks(inv.client, filters=filters)
    if errors and not names:
        raise CommandFailed("\n".join(errors))
    body = task_listing(inv, found, names)
    return Result(body, errors=errors) if errors else body


def service_inspect(inv: Invocation) -> Result:
    found: list[dict[str, Any]] = []
    errors: list[str] = []
    for ref in inv.args.services:
        try:
            found.append(api.inspect_service(inv.client, ref, insert_defaults=True))
        except NotFound:
            errors.append(f"Error: no such service: {ref}")
    if inv.args.pretty:
        return Result(Lines([line for doc in found for line in service_pretty(doc)]), errors=errors)
    return inspect_output(inv, found, errors)


def service_pretty(service: dict[str, Any]) -> list[str]:
    """``service inspect --pretty``, laid out as the CLI lays it out."""
    spec = service.get("Spec") or {}
    template = spec.get("TaskTemplate") or {}
    container = template.get("ContainerSpec") or {}
    lines = ["", f"ID:\t\t{service['ID']}", f"Name:\t\t{spec.get('Name', '')}"]
    if spec.get("Labels"):
        lines.append("Labels:")
        lines += [f" {k}={v}" for k, v in sorted(spec["Labels"].items())]
    mode = spec.get("Mode") or {}
    if "Global" in mode:
        lines.append("Service Mode:\tGlobal")
    else:
        lines += [
            "Service Mode:\tReplicated",
            f" Replicas:\t{(mode.get('Replicated') or {}).get('Replicas', 0)}",
        ]
    update_status = service.get("UpdateStatus")
    if update_status:
        lines += ["UpdateStatus:", f" State:\t\t{update_status.get('State', '')}"]
        if update_status.get("StartedAt"):
            lines.append(f" Started:\t{ago_cap(str(update_status['StartedAt']))}")
        if update_status.get("State") == "completed" and update_status.get("CompletedAt"):
            lines.append(f" Completed:\t{ago_cap(str(update_status['CompletedAt']))}")
        lines.append(f" Message:\t{update_status.get('Message', '')}")
    lines.append("Placement:")
    constraints = (template.get("Placement") or {}).get("Constraints")
    if constraints:
        lines.append(f" Constraints:\t[{' '.join(constraints)}]")
    for title, key, order in (
        ("UpdateConfig", "UpdateConfig", "Update"),
        ("RollbackConfig", "RollbackConfig", "Rollback"),
    ):
        cfg = spec.get(key)
        if not cfg:
            continue
        lines += [f"{title}:", f" Parallelism:\t{cfg.get('Parallelism', 0)}"]
        if cfg.get("Delay"):
            lines.append(f" Delay:\t\t{go_duration(int(cfg['Delay']))}")
        lines += [
            f" On failure:\t{cfg.get('FailureAction', '')}",
            f" Monitoring Period: {go_duration(int(cfg.get('Monitor', 0)))}",
            f" Max failure ratio: {cfg.get('MaxFailureRatio', 0):g}",
            f" {order} order:{' ' * (6 if order == 'Update' else 4)}{cfg.get('Order', '')}",
        ]
    lines += ["ContainerSpec:", f" Image:\t\t{container.get('Image', '')}"]
    if container.get("Args"):
        lines.append(f" Args:\t\t{' '.join(container['Args'])} ")
    if container.get("Env"):
        lines.append(f" Env:\t\t{' '.join(container['Env'])} ")
    if container.get("Init") is not None:
        lines.append(f" Init:\t\t{'true' if container['Init'] else 'false'}")
    mounts = container.get("Mounts") or []
    if mounts:
        lines.append("Mounts:")
        for m in mounts:
            lines += [
                f" Target:\t{m.get('Target', '')}",
                f"  Source:\t{m.get('Source', '')}",
                f"  ReadOnly:\t{'true' if m.get('ReadOnly') else 'false'}",
                f"  Type:\t\t{m.get('Type', '')}",
            ]
    lines.append("Resources:")
    networks = template.get("Networks") or []
    if networks:
        lines.append(f"Networks: {' '.join(n.get('Target', '') for n in networks)}")
    endpoint = spec.get("EndpointSpec") or {}
    lines.append(f"Endpoint Mode:\t{endpoint.get('Mode', '')}")
    ports = endpoint.get("Ports") or []
    if ports:
        lines.append("Ports:")
        for p in ports:
            lines += [
                f" PublishedPort = {p.get('PublishedPort', 0)}",
                f"  Protocol = {p.get('Protocol', 'tcp')}",
                f"  TargetPort = {p.get('TargetPort', 0)}",
                f"  PublishMode = {p.get('PublishMode', 'ingress')}",
            ]
        lines[-1] += " "
    lines.append("")
    return lines


def service_scale(inv: Invocation) -> Result:
    a = inv.args
    lines: list[str] = []
    errors: list[str] = []
    scaled: list[str] = []
    for pair in a.scales:
        name, sep, count = pair.partition("=")
        if not sep or not count.isdigit():
            raise UsageError(f"invalid scale specifier {pair!r}: use SERVICE=REPLICAS")
        try:
            service = api.inspect_service(inv.client, name)
            spec = service["Spec"]
            mode = spec.get("Mode") or {}
            if "Replicated" not in mode:
                errors.append(f"{name}: scale can only be used with replicated mode")
                continue
            mode["Replicated"]["Replicas"] = int(count)
            api.update_service(inv.client, service["ID"], spec, service["Version"]["Index"])
            lines.append(f"{name} scaled to {count}")
            scaled.append(service["ID"])
        except APIError as exc:
            errors.append(f"{name}: {exc.message}")
    inv.session.names.invalidate("services")
    if a.detach or not scaled:
        return Result(Lines(lines), errors=errors)

    def stream() -> Iterator[str]:
        yield from lines
        for ident in scaled:
            yield from converge(inv.client, ident)

    return Result(Lines(stream()), errors=errors)


def service_update(inv: Invocation) -> Any:
    a = inv.args
    service = api.inspect_service(inv.client, a.service)
    old = service["Spec"]
    spec = copy.deepcopy(old)
    template = spec.setdefault("TaskTemplate", {})
    container = template.setdefault("ContainerSpec", {})
    if a.image:
        container["Image"] = a.image
    if a.env_add or a.env_rm:
        env = [e for e in container.get("Env") or [] if e.partition("=")[0] not in set(a.env_rm)]
        for item in a.env_add:
            key = item.partition("=")[0]
            env = [e for e in env if e.partition("=")[0] != key] + [item]
        container["Env"] = env
    if a.args is not None:
        import shlex

        try:
            container["Args"] = shlex.split(a.args)
        except ValueError as exc:
            raise UsageError(f"--args: {exc}") from None
    if a.label_add or a.label_rm:
        labels = {k: v for k, v in (spec.get("Labels") or {}).items() if k not in a.label_rm}
        labels.update(key_values(a.label_add, "label"))
        spec["Labels"] = labels
    if a.constraint_add or a.constraint_rm:
        placement = template.setdefault("Placement", {})
        constraints = [c for c in placement.get("Constraints") or [] if c not in a.constraint_rm]
        placement["Constraints"] = constraints + [c for c in a.constraint_add if c not in constraints]
    if a.replicas is not None:
        mode = spec.get("Mode") or {}
        if "Replicated" not in mode:
            raise UsageError("replicas can only be used with replicated mode")
        mode["Replicated"]["Replicas"] = a.replicas
    if a.force:
        template["ForceUpdate"] = int(template.get("ForceUpdate") or 0) + 1
    reply = api.update_service(inv.client, service["ID"], spec, service["Version"]["Index"])
    inv.session.names.invalidate("services")
    head = [a.service, *[w for w in reply.get("Warnings") or [] if w]]
    if a.detach:
        return Lines(head)
    since = _started(service) if _replaces_tasks(old, spec) else None
    waited = converge(inv.client, service["ID"], since=since)
    return Lines(_quietly(head, waited) if a.quiet else _chain(head, waited))


def service_rollback(inv: Invocation) -> Any:
    a = inv.args
    service = api.inspect_service(inv.client, a.service)
    if not service.get("PreviousSpec"):
        raise CommandFailed(f"service {a.service} has no previous spec to roll back to")
    api.update_service(inv.client, service["ID"], service["Spec"], service["Version"]["Index"], rollback=True)
    inv.session.names.invalidate("services")
    head = [a.service]
    if a.detach:
        return Lines(head)
    waited = converge(inv.client, service["ID"], since=_started(service), rollback=True)
    if a.quiet:
        return Lines(_quietly(head, waited))
    return Lines(_chain([*head, "rollback: manually requested rollback"], waited))


def service_rm(inv: Invocation) -> Result:
    result = for_each(inv.args.services, lambda ref: api.remove_service(inv.client, ref))
    inv.session.names.invalidate("services")
    inv.session.names.invalidate("tasks")
    return result


# -- logs -------------------------------------------------------------------------------------------------


def service_logs(inv: Invocation) -> Frames:
    a = inv.args
    client = inv.client
    try:
        service = api.inspect_service(client, a.service)
        stream = api.service_logs(client, service["ID"], _log_params(a))
        name = service["Spec"]["Name"]
    except NotFound:
        task = tasks.inspect_task(client, a.service)
        stream = tasks.task_logs(client, task["ID"], _log_params(a))
        name = service_names(client).get(task.get("ServiceID", ""), task.get("ServiceID", ""))
    from dshell.plugin import iter_frames

    return Frames(prefixed(client, iter_frames(stream), name, a))


def _log_params(a: Any) -> dict[str, Any]:
    return {
        "stdout": True,
        "stderr": True,
        "details": True,
        "follow": a.follow,
        "timestamps": a.timestamps,
        "tail": a.tail,
        "since": a.since,
    }


def prefixed(
    client: DockerClient, frames: Iterator[tuple[int, bytes]], service: str, a: Any
) -> Iterator[tuple[int, bytes]]:
    """Each log line with the CLI's ``NAME.SLOT.TASK@NODE    | `` prefix (``--raw``: none)."""
    pending: dict[int, bytes] = {}
    task_slots: dict[str, str] = {}
    node_hosts: dict[str, str] = {}
    for stream, payload in frames:
        if stream == 3:
            raise CommandFailed(payload.decode(errors="replace").strip())
        data = pending.pop(stream, b"") + payload
        *complete, rest = data.split(b"\n")
        if rest:
            pending[stream] = rest
        for raw in complete:
            yield (
                stream,
                _format_line(client, raw, service=service, a=a, task_slots=task_slots, node_hosts=node_hosts)
                + b"\n",
            )
    for stream, rest in pending.items():
        yield (
            stream,
            _format_line(client, rest, service=service, a=a, task_slots=task_slots, node_hosts=node_hosts)
            + b"\n",
        )


def _format_line(
    client: DockerClient,
    raw: bytes,
    *,
    service: str,
    a: Any,
    task_slots: dict[str, str],
    node_hosts: dict[str, str],
) -> bytes:
    text = raw.decode(errors="replace")
    timestamp = ""
    if a.timestamps:
        timestamp, _, text = text.partition(" ")
    details, sep, message = text.partition(" ")
    attrs: dict[str, str] = {}
    if sep and details.startswith("com.docker.swarm."):
        for item in details.split(","):
            key, _, value = item.partition("=")
            attrs[key] = value
    else:
        message = text
    if timestamp:
        message = f"{timestamp} {message}"
    if a.raw or not attrs:
        return message.encode()
    task_id = attrs.get("com.docker.swarm.task.id", "")
    node_id = attrs.get("com.docker.swarm.node.id", "")
    if task_id not in task_slots:
        try:
            task = tasks.inspect_task(client, task_id)
            task_slots[task_id] = str(task.get("Slot") or 0)  # 0 for a global service's tasks, as the CLI
        except APIError:
            task_slots[task_id] = ""
    if node_id not in node_hosts:
        if a.no_resolve:
            node_hosts[node_id] = node_id
        else:
            try:
                node_hosts[node_id] = nodes.inspect_node(client, node_id)["Description"]["Hostname"]
            except (APIError, KeyError):
                node_hosts[node_id] = node_id
    slot = task_slots[task_id]
    name = f"{service}.{slot}"
    if not a.no_task_ids:
        name += "." + (task_id if a.no_trunc else task_id[:12])
    return f"{name}@{node_hosts[node_id]}    | {message}".encode()


# -- declarations -----------------------------------------------------------------------------------------

DETACH = flag("-d", "--detach", help="Exit immediately instead of waiting for the service to converge")
QUIET_PROGRESS = flag("-q", "--quiet", help="Suppress progress output")


def commands() -> list[Command]:
    service_arg = argument("service", "the service", complete="service")
    return [
        Command(
            "service create",
            service_create,
            "Create a new service",
            options=(
                option("--name", help="Service name"),
                option("--mode", help="Service mode", choices=("replicated", "global"), default="replicated"),
                option("--replicas", help="Number of tasks", type=int, metavar="N"),
                option("-e", "--env", help="Set environment variables", repeat=True, metavar="KEY=VALUE"),
                option("-p", "--publish", help="Publish a port as a node port", repeat=True, metavar="PORT"),
                option("--mount", help="Attach a filesystem mount to the service", repeat=True),
                option("--constraint", help="Placement constraints", repeat=True),
                option("-l", "--label", help="Service labels", repeat=True, metavar="KEY=VALUE"),
                option("--container-label", help="Container labels", repeat=True, metavar="KEY=VALUE"),
                option("--network", help="Network attachments", repeat=True, complete="network"),
                option(
                    "--restart-condition",
                    help="Restart when condition is met",
                    choices=("none", "on-failure", "any"),
                ),
                option(
                    "--update-parallelism", help="Maximum number of tasks updated simultaneously", type=int
                ),
                option("--update-delay", help="Delay between updates (ns|us|ms|s|m|h)"),
                option("-w", "--workdir", help="Working directory inside the container"),
                option("-u", "--user", help="Username or UID (format: <name|uid>[:<group|gid>])"),
                option("--hostname", help="Container hostname"),
                option(
                    "--stop-grace-period",
                    help="Time to wait before force killing a container (ns|us|ms|s|m|h)",
                ),
                DETACH,
                QUIET_PROGRESS,
            ),
            arguments=(
                argument("image", "the image", complete="image"),
                argument("command", "command and arguments", nargs="..."),
            ),
            interspersed=False,
            examples=("service create --name web --replicas 4 busybox sleep 3600",),
        ),
        Command(
            "service ls",
            service_ls,
            "List services",
            options=(
                option(
                    "-f",
                    "--filter",
                    help="Filter output based on conditions provided (id, label, mode, name)",
                    repeat=True,
                    metavar="KEY=VALUE",
                ),
                FORMAT_OPTION,
                flag("-q", "--quiet", help="Only display IDs"),
            ),
            aliases=("service list",),
            json_output=True,
        ),
        Command(
            "service ps",
            service_ps,
            "List the tasks of one or more services",
            options=ps_options(),
            arguments=(argument("services", "services", nargs="+", complete="service"),),
            json_output=True,
        ),
        Command(
            "service inspect",
            service_inspect,
            "Display detailed information on one or more services",
            options=(
                INSPECT_FORMAT,
                flag("--pretty", help="Print the information in a human friendly format"),
            ),
            arguments=(argument("services", "services", nargs="+", complete="service"),),
        ),
        Command(
            "service logs",
            service_logs,
            "Fetch the logs of a service or task",
            options=(
                flag("-f", "--follow", help="Follow log output"),
                option(
                    "-n", "--tail", help="Number of lines to show from the end of the logs", default="all"
                ),
                flag("-t", "--timestamps", help="Show timestamps"),
                option("--since", help="Show logs since timestamp or relative (e.g. 42m)"),
                flag("--raw", help="Do not neatly format logs"),
                flag("--no-task-ids", help="Do not include task IDs in output"),
                flag("--no-resolve", help="Do not map IDs to Names in output"),
                flag("--no-trunc", help="Do not truncate output"),
            ),
            arguments=(argument("service", "service or task", complete="service:tasks"),),
        ),
        Command(
            "service scale",
            service_scale,
            "Scale one or multiple replicated services",
            options=(DETACH,),
            arguments=(argument("scales", "SERVICE=REPLICAS", nargs="+", complete="service"),),
        ),
        Command(
            "service update",
            service_update,
            "Update a service",
            options=(
                option("--image", help="Service image tag", complete="image"),
                option(
                    "--env-add",
                    help="Add or update an environment variable",
                    repeat=True,
                    metavar="KEY=VALUE",
                ),
                option("--env-rm", help="Remove an environment variable", repeat=True, metavar="KEY"),
                option("--replicas", help="Number of tasks", type=int, metavar="N"),
                option("--label-add", help="Add or update a service label", repeat=True, metavar="KEY=VALUE"),
                option("--label-rm", help="Remove a label by its key", repeat=True, metavar="KEY"),
                option("--constraint-add", help="Add or update a placement constraint", repeat=True),
                option("--constraint-rm", help="Remove a constraint", repeat=True),
                option("--args", help="Service command args"),
                flag("--force", help="Force update even if no changes require it"),
                DETACH,
                QUIET_PROGRESS,
            ),
            arguments=(service_arg,),
        ),
        Command(
            "service rollback",
            service_rollback,
            "Revert changes to a service's configuration",
            options=(DETACH, QUIET_PROGRESS),
            arguments=(service_arg,),
        ),
        Command(
            "service rm",
            service_rm,
            "Remove one or more services",
            arguments=(argument("services", "services", nargs="+", complete="service"),),
            aliases=("service remove",),
        ),
    ]
