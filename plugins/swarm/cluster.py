"""``swarm init|join|join-token|leave|inspect|update`` and ``node ls|inspect|ps|update|promote|demote|rm``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dshell.plugin import (
    APIError,
    Command,
    CommandFailed,
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
from dshell.plugin import swarm_api as swarm
from dshell.plugin import system_api as system
from dshell.plugin import tasks_api as tasks

from .views import FORMAT_OPTION, INSPECT_FORMAT, for_each, inspect_output, listing, pretty, task_listing

if TYPE_CHECKING:
    from dshell.plugin import DockerClient, Invocation

NODE_COLUMNS = ("ID", "HOSTNAME", "STATUS", "AVAILABILITY", "MANAGER STATUS", "ENGINE VERSION")
NODE_FIELDS = ("IDSelf", "Hostname", "Status", "Availability", "ManagerStatus", "EngineVersion")
NODE_HEADERS = {
    "ID": "ID",
    "IDSelf": "ID",
    "Hostname": "HOSTNAME",
    "Status": "STATUS",
    "Availability": "AVAILABILITY",
    "ManagerStatus": "MANAGER STATUS",
    "EngineVersion": "ENGINE VERSION",
    "TLSStatus": "TLS STATUS",
    "Self": "SELF",
}


# -- swarm ------------------------------------------------------------------------------------------------


def join_command(client: DockerClient, role: str, *, quiet: bool) -> list[str]:
    """``join-token`` output: the token alone, or the CLI's instructions with the full join command."""
    info = system.info(client)
    sw = swarm.inspect_swarm(client)
    token = str(sw.get("JoinTokens", {}).get(pretty(role), ""))
    if quiet:
        return [token]
    node_id = info.get("Swarm", {}).get("NodeID", "")
    addr = ""
    for manager in info.get("Swarm", {}).get("RemoteManagers") or []:
        if manager.get("NodeID") == node_id:
            addr = str(manager.get("Addr", ""))
    return [
        f"To add a {role} to this swarm, run the following command:",
        "",
        f"    docker swarm join --token {token} {addr}",
        "",
    ]


def swarm_init(inv: Invocation) -> Lines:
    a = inv.args
    request: dict[str, Any] = {
        "ListenAddr": a.listen_addr,
        "AdvertiseAddr": a.advertise_addr or "",
        "DataPathAddr": a.data_path_addr or "",
        "ForceNewCluster": a.force_new_cluster,
        "Spec": {},
    }
    if a.data_path_port is not None:
        request["DataPathPort"] = a.data_path_port
    if a.default_addr_pool:
        request["DefaultAddrPool"] = list(a.default_addr_pool)
        request["SubnetSize"] = a.default_addr_pool_mask_length
    node_id = swarm.init_swarm(inv.client, request)
    inv.session.names.invalidate()
    lines = [f"Swarm initialized: current node ({node_id}) is now a manager.", ""]
    lines += join_command(inv.client, "worker", quiet=False)
    lines.append(
        "To add a manager to this swarm, run 'docker swarm join-token manager' and follow the instructions."
    )
    lines.append("")
    return Lines(lines)


def swarm_join(inv: Invocation) -> Lines:
    a = inv.args
    request = {
        "ListenAddr": a.listen_addr,
        "AdvertiseAddr": a.advertise_addr or "",
        "DataPathAddr": a.data_path_addr or "",
        "RemoteAddrs": [a.manager],
        "JoinToken": a.token,
    }
    if a.availability:
        request["Availability"] = a.availability
    swarm.join_swarm(inv.client, request)
    inv.session.names.invalidate()
    info = system.info(inv.client)
    role = "manager" if info.get("Swarm", {}).get("ControlAvailable") else "worker"
    return Lines([f"This node joined a swarm as a {role}."])


def swarm_join_token(inv: Invocation) -> Lines:
    a = inv.args
    lines: list[str] = []
    if a.rotate:
        sw = swarm.inspect_swarm(inv.client)
        swarm.update_swarm(
            inv.client,
            sw["Spec"],
            sw["Version"]["Index"],
            rotate_worker_token=a.role == "worker",
            rotate_manager_token=a.role == "manager",
        )
        if not a.quiet:
            lines += [f"Successfully rotated {a.role} join token.", ""]
    return Lines(lines + join_command(inv.client, a.role, quiet=a.quiet))


def swarm_leave(inv: Invocation) -> Lines:
    swarm.leave_swarm(inv.client, force=inv.args.force)
    inv.session.names.invalidate()
    return Lines(["Node left the swarm."])


def swarm_inspect(inv: Invocation) -> Result:
    return inspect_output(inv, [swarm.inspect_swarm(inv.client)], [])


def swarm_update(inv: Invocation) -> Lines:
    from .views import duration_ns

    a = inv.args
    sw = swarm.inspect_swarm(inv.client)
    spec = sw["Spec"]
    if a.task_history_limit is not None:
        spec.setdefault("Orchestration", {})["TaskHistoryRetentionLimit"] = a.task_history_limit
    if a.snapshot_interval is not None:
        spec.setdefault("Raft", {})["SnapshotInterval"] = a.snapshot_interval
    if a.dispatcher_heartbeat:
        spec.setdefault("Dispatcher", {})["HeartbeatPeriod"] = duration_ns(
            a.dispatcher_heartbeat, "--dispatcher-heartbeat"
        )
    if a.cert_expiry:
        spec.setdefault("CAConfig", {})["NodeCertExpiry"] = duration_ns(a.cert_expiry, "--cert-expiry")
    swarm.update_swarm(inv.client, spec, sw["Version"]["Index"])
    return Lines(["Swarm updated."])


# -- nodes ------------------------------------------------------------------------------------------------


def node_view(node: dict[str, Any], self_id: str) -> dict[str, Any]:
    """One ``node ls`` line with the CLI's ``--format`` fields."""
    desc = node.get("Description") or {}
    manager = node.get("ManagerStatus") or {}
    manager_status = "Leader" if manager.get("Leader") else pretty(str(manager.get("Reachability", "")))
    is_self = node["ID"] == self_id
    tls = "Ready"
    root = (desc.get("TLSInfo") or {}).get("CertIssuerPublicKey")
    if root is None:
        tls = "Unknown"
    return {
        "ID": node["ID"],
        "IDSelf": node["ID"] + (" *" if is_self else "  "),
        "Self": is_self,
        "Hostname": desc.get("Hostname", ""),
        "Status": pretty(str((node.get("Status") or {}).get("State", ""))),
        "Availability": pretty(str((node.get("Spec") or {}).get("Availability", ""))),
        "ManagerStatus": manager_status,
        "EngineVersion": (desc.get("Engine") or {}).get("EngineVersion", ""),
        "TLSStatus": tls,
    }


def self_node_id(client: DockerClient) -> str:
    return str(system.info(client).get("Swarm", {}).get("NodeID", ""))


def node_ls(inv: Invocation) -> Any:
    a = inv.args
    filters = parse_filters(a.filter)
    items = nodes.list_nodes(inv.client, filters=filters)
    if not filters:
        inv.session.names.put("nodes", items)
    me = self_node_id(inv.client)
    from dshell.plugin import natural_key

    items = sorted(items, key=lambda n: natural_key((n.get("Description") or {}).get("Hostname", "")))
    views = [node_view(n, me) for n in items]
    return listing(
        inv, columns=NODE_COLUMNS, views=views, fields=NODE_FIELDS, headers=NODE_HEADERS, data=items
    )


def resolve_node(client: DockerClient, ref: str) -> str:
    """``self`` -> this node's ID; anything else as given."""
    return self_node_id(client) if ref == "self" else ref


def node_inspect(inv: Invocation) -> Result:
    found: list[dict[str, Any]] = []
    errors: list[str] = []
    for ref in inv.args.nodes:
        try:
            found.append(nodes.inspect_node(inv.client, resolve_node(inv.client, ref)))
        except NotFound:
            errors.append(f"Error: No such node: {ref}")
    if inv.args.pretty:
        return Result(Lines([line for doc in found for line in node_pretty(doc)]), errors=errors)
    return inspect_output(inv, found, errors)


def node_pretty(node: dict[str, Any]) -> list[str]:
    """``node inspect --pretty``."""
    desc = node.get("Description") or {}
    spec = node.get("Spec") or {}
    status = node.get("Status") or {}
    lines = [f"ID:\t\t\t{node['ID']}"]
    if spec.get("Name"):
        lines.append(f"Name:\t\t\t{spec['Name']}")
    if spec.get("Labels"):
        lines.append("Labels:")
        lines += [f" - {k}={v}" for k, v in sorted(spec["Labels"].items())]
    lines += [
        f"Hostname:\t\t{desc.get('Hostname', '')}",
        f"Joined at:\t\t{node.get('CreatedAt', '')}",
        "Status:",
        f" State:\t\t\t{pretty(str(status.get('State', '')))}",
        f" Availability:\t\t{pretty(str(spec.get('Availability', '')))}",
        f" Address:\t\t{status.get('Addr', '')}",
    ]
    manager = node.get("ManagerStatus")
    if manager:
        lines += [
            "Manager Status:",
            f" Address:\t\t{manager.get('Addr', '')}",
            f" Raft Status:\t\t{pretty(str(manager.get('Reachability', '')))}",
            f" Leader:\t\t{'Yes' if manager.get('Leader') else 'No'}",
        ]
    platform = desc.get("Platform") or {}
    lines += [
        "Platform:",
        f" Operating System:\t{platform.get('OS', '')}",
        f" Architecture:\t\t{platform.get('Architecture', '')}",
        "Engine:",
        f" Engine Version:\t{(desc.get('Engine') or {}).get('EngineVersion', '')}",
        "",
    ]
    return lines


def node_ps(inv: Invocation) -> Any:
    a = inv.args
    found: list[dict[str, Any]] = []
    errors: list[str] = []
    for ref in a.nodes or ["self"]:
        try:
            node = nodes.inspect_node(inv.client, resolve_node(inv.client, ref))
        except NotFound:
            errors.append(f"Error: No such node: {ref}")
            continue
        filters = parse_filters(a.filter)
        filters["node"] = [node["ID"]]
        found += tasks.list_tasks(inv.client, filters=filters)
    if errors and not found:
        raise CommandFailed("\n".join(errors))
    services = service_names(inv.client)
    body = task_listing(inv, found, services)
    return Result(body, errors=errors) if errors else body


def service_names(client: DockerClient) -> dict[str, str]:
    """Service ID -> name."""
    from dshell.plugin import services_api

    return {s["ID"]: s["Spec"]["Name"] for s in services_api.list_services(client)}


def change_node(inv: Invocation, ref: str, change: Any) -> bool:
    """Apply ``change(spec)`` to a node's spec and send it (False when ``change`` says nothing changed)."""
    node = nodes.inspect_node(inv.client, resolve_node(inv.client, ref))
    spec = dict(node.get("Spec") or {})
    if change(spec) is False:
        return False
    nodes.update_node(inv.client, node["ID"], spec, node["Version"]["Index"])
    inv.session.names.invalidate("nodes")
    return True


def node_update(inv: Invocation) -> Lines:
    from .views import key_values

    a = inv.args

    def change(spec: dict[str, Any]) -> None:
        if a.availability:
            spec["Availability"] = a.availability
        if a.role:
            spec["Role"] = a.role
        labels = dict(spec.get("Labels") or {})
        labels.update(key_values(a.label_add, "label"))
        for key in a.label_rm:
            if key not in labels:
                raise UsageError(f"key {key} doesn't exist in node's labels")
            labels.pop(key)
        spec["Labels"] = labels

    change_node(inv, a.node, change)
    return Lines([a.node])


def node_promote(inv: Invocation) -> Result:
    return _set_role(inv, "manager")


def node_demote(inv: Invocation) -> Result:
    return _set_role(inv, "worker")


def _set_role(inv: Invocation, role: str) -> Result:
    lines: list[str] = []
    errors: list[str] = []
    for ref in inv.args.nodes:

        def change(spec: dict[str, Any]) -> bool:
            if spec.get("Role") == role:
                return False
            spec["Role"] = role
            return True

        try:
            if not change_node(inv, ref, change):
                lines.append(f"Node {ref} is already a {role}.")
            elif role == "manager":
                lines.append(f"Node {ref} promoted to a manager in the swarm.")
            else:
                lines.append(f"Manager {ref} demoted in the swarm.")
        except APIError as exc:
            errors.append(f"Error response from daemon: {exc.message}")
    return Result(Lines(lines), errors=errors)


def node_rm(inv: Invocation) -> Result:
    result = for_each(inv.args.nodes, lambda ref: nodes.remove_node(inv.client, ref, force=inv.args.force))
    inv.session.names.invalidate("nodes")
    return result


# -- declarations -----------------------------------------------------------------------------------------

NODE_FILTER = option(
    "-f",
    "--filter",
    help="Filter output based on conditions provided (id, label, membership, name, role)",
    repeat=True,
    metavar="KEY=VALUE",
)
TASK_FILTER = option(
    "-f",
    "--filter",
    help="Filter output based on conditions provided (desired-state, id, label, name, node)",
    repeat=True,
    metavar="KEY=VALUE",
)


def ps_options() -> tuple[Any, ...]:
    return (
        TASK_FILTER,
        FORMAT_OPTION,
        flag("--no-resolve", help="Do not map IDs to Names"),
        flag("--no-trunc", help="Do not truncate output"),
        flag("-q", "--quiet", help="Only display task IDs"),
    )


def commands() -> list[Command]:
    role = argument("role", "worker or manager", choices=("worker", "manager"))
    return [
        Command(
            "swarm init",
            swarm_init,
            "Initialize a swarm",
            options=(
                option("--advertise-addr", help="Advertised address (format: <ip|interface>[:port])"),
                option(
                    "--listen-addr",
                    help="Listen address (format: <ip|interface>[:port])",
                    default="0.0.0.0:2377",
                ),
                option("--data-path-addr", help="Address or interface to use for data path traffic"),
                option(
                    "--data-path-port",
                    help="Port number to use for data path traffic (1024 - 49151)",
                    type=int,
                ),
                option(
                    "--default-addr-pool",
                    help="Default address pool in CIDR format",
                    repeat=True,
                    metavar="CIDR",
                ),
                option(
                    "--default-addr-pool-mask-length",
                    help="Default address pool subnet mask length",
                    type=int,
                    default=24,
                    metavar="N",
                ),
                flag("--force-new-cluster", help="Force create a new cluster from current state"),
            ),
            examples=("swarm init --advertise-addr 127.0.0.2 --listen-addr 127.0.0.2:2377",),
        ),
        Command(
            "swarm join",
            swarm_join,
            "Join a swarm as a node and/or manager",
            options=(
                option("--token", help="Token for entry into the swarm", default=""),
                option("--advertise-addr", help="Advertised address (format: <ip|interface>[:port])"),
                option(
                    "--listen-addr",
                    help="Listen address (format: <ip|interface>[:port])",
                    default="0.0.0.0:2377",
                ),
                option("--data-path-addr", help="Address or interface to use for data path traffic"),
                option(
                    "--availability",
                    help="Availability of the node",
                    choices=("active", "pause", "drain"),
                ),
            ),
            arguments=(argument("manager", "a manager's address, HOST:PORT"),),
            secret=True,
        ),
        Command(
            "swarm join-token",
            swarm_join_token,
            "Manage join tokens",
            options=(
                flag("-q", "--quiet", help="Only display token"),
                flag("--rotate", help="Rotate join token"),
            ),
            arguments=(role,),
        ),
        Command(
            "swarm leave",
            swarm_leave,
            "Leave the swarm",
            options=(flag("-f", "--force", help="Force this node to leave the swarm, ignoring warnings"),),
        ),
        Command(
            "swarm inspect",
            swarm_inspect,
            "Display detailed information on the swarm (a manager only)",
            options=(INSPECT_FORMAT,),
        ),
        Command(
            "swarm update",
            swarm_update,
            "Update the swarm",
            options=(
                option("--task-history-limit", help="Task history retention limit", type=int, metavar="N"),
                option("--snapshot-interval", help="Number of log entries between Raft snapshots", type=int),
                option("--dispatcher-heartbeat", help="Dispatcher heartbeat period (ns|us|ms|s|m|h)"),
                option("--cert-expiry", help="Validity period for node certificates (ns|us|ms|s|m|h)"),
            ),
        ),
        Command(
            "node ls",
            node_ls,
            "List nodes in the swarm",
            options=(NODE_FILTER, FORMAT_OPTION, flag("-q", "--quiet", help="Only display IDs")),
            aliases=("node list",),
            json_output=True,
        ),
        Command(
            "node inspect",
            node_inspect,
            "Display detailed information on one or more nodes",
            options=(
                INSPECT_FORMAT,
                flag("--pretty", help="Print the information in a human friendly format"),
            ),
            arguments=(argument("nodes", "nodes (ID, name or 'self')", nargs="+", complete="node"),),
        ),
        Command(
            "node ps",
            node_ps,
            "List tasks running on one or more nodes, defaults to current node",
            options=ps_options(),
            arguments=(argument("nodes", "nodes (ID, name or 'self')", nargs="*", complete="node"),),
            json_output=True,
        ),
        Command(
            "node update",
            node_update,
            "Update a node",
            options=(
                option(
                    "--availability", help="Availability of the node", choices=("active", "pause", "drain")
                ),
                option("--role", help="Role of the node", choices=("worker", "manager")),
                option(
                    "--label-add",
                    help="Add or update a node label (key=value)",
                    repeat=True,
                    metavar="KEY=VALUE",
                ),
                option("--label-rm", help="Remove a node label if exists", repeat=True, metavar="KEY"),
            ),
            arguments=(argument("node", "the node", complete="node"),),
        ),
        Command(
            "node promote",
            node_promote,
            "Promote one or more nodes to manager in the swarm",
            arguments=(argument("nodes", "nodes", nargs="+", complete="node"),),
        ),
        Command(
            "node demote",
            node_demote,
            "Demote one or more nodes from manager in the swarm",
            arguments=(argument("nodes", "nodes", nargs="+", complete="node"),),
        ),
        Command(
            "node rm",
            node_rm,
            "Remove one or more nodes from the swarm",
            options=(flag("-f", "--force", help="Force remove a node from the swarm"),),
            arguments=(argument("nodes", "nodes", nargs="+", complete="node"),),
            aliases=("node remove",),
        ),
    ]
