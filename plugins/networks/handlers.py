"""The network commands' handlers (imported on first use)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dshell.plugin import (
    APIError,
    Conflict,
    Lines,
    NotFound,
    Result,
    Table,
    UsageError,
    confirm_removal,
    go_time,
    natural_key,
    parse_filters,
    parse_key_values,
    render_format,
    render_inspect,
    short_id,
)
from dshell.plugin import networks_api as api

if TYPE_CHECKING:
    from dshell.plugin import Invocation

COLUMNS = ("NETWORK ID", "NAME", "DRIVER", "SCOPE")
DEFAULT_FORMAT = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}"
#: ``--format`` field -> table header, as ``docker network ls`` names them.
HEADERS = {
    "ID": "NETWORK ID",
    "Name": "NAME",
    "Driver": "DRIVER",
    "Scope": "SCOPE",
    "IPv4": "IPV4",
    "IPv6": "IPV6",
    "Internal": "INTERNAL",
    "Labels": "LABELS",
    "CreatedAt": "CREATED AT",
}
PRUNE_WARNING = "WARNING! This will remove all custom networks not used by at least one container."


def network_view(n: dict[str, Any], *, no_trunc: bool = False) -> dict[str, Any]:
    """A network as ``docker network ls --format`` templates see it (fields in the CLI's JSON order)."""
    labels: dict[str, str] = n.get("Labels") or {}
    return {
        "CreatedAt": go_time(n.get("Created", "")),
        "Driver": n.get("Driver", ""),
        "ID": short_id(n.get("Id", ""), no_trunc=no_trunc),
        "IPv4": str(bool(n.get("EnableIPv4", False))).lower(),
        "IPv6": str(bool(n.get("EnableIPv6", False))).lower(),
        "Internal": str(bool(n.get("Internal", False))).lower(),
        "Labels": ",".join(f"{k}={v}" for k, v in sorted(labels.items())),
        "Name": n.get("Name", ""),
        "Scope": n.get("Scope", ""),
        "Label": lambda key: labels.get(key, ""),
    }


def ls(inv: Invocation) -> Any:
    a = inv.args
    filters = parse_filters(a.filter)
    items = sorted(
        api.list_networks(inv.client, filters=filters), key=lambda n: natural_key(n.get("Name", ""))
    )
    if not filters:
        inv.session.names.put("networks", items)
    if a.quiet:
        return Lines([short_id(n["Id"], no_trunc=a.no_trunc) for n in items])
    if a.format and not a.json:
        views = (network_view(n, no_trunc=a.no_trunc) for n in items)
        return render_format(a.format, views, HEADERS, DEFAULT_FORMAT)
    rows = [
        (
            short_id(n.get("Id", ""), no_trunc=a.no_trunc),
            n.get("Name", ""),
            n.get("Driver", ""),
            n.get("Scope", ""),
        )
        for n in items
    ]
    return Table(COLUMNS, rows, items)


def ipam_config(subnets: list[str], ranges: list[str], gateways: list[str]) -> list[dict[str, str]]:
    """``--subnet``/``--ip-range``/``--gateway`` as IPAM pools, each range and gateway in its subnet (as the
    CLI pairs them)."""
    import ipaddress

    if (ranges or gateways) and not subnets:
        raise UsageError("every ip-range or gateway must have a corresponding subnet")
    pools: list[dict[str, str]] = []
    nets = []
    for subnet in subnets:
        try:
            nets.append(ipaddress.ip_network(subnet, strict=False))
        except ValueError as exc:
            raise UsageError(f"invalid subnet {subnet}: {exc}") from None
        pools.append({"Subnet": subnet})

    def owner(text: str, what: str, key: str) -> None:
        try:
            addr = (
                ipaddress.ip_network(text, strict=False) if key == "IPRange" else ipaddress.ip_address(text)
            )
        except ValueError as exc:
            raise UsageError(f"invalid {what} {text}: {exc}") from None
        for pool, net in zip(pools, nets, strict=True):
            inside = (
                addr.subnet_of(net)  # type: ignore[arg-type]
                if isinstance(addr, ipaddress.IPv4Network | ipaddress.IPv6Network)
                and addr.version == net.version
                else addr.version == net.version and addr in net
            )
            if inside:
                if key in pool:
                    raise UsageError(
                        f"cannot configure multiple {what}s for the same subnet {pool['Subnet']}"
                    )
                pool[key] = text
                return
        raise UsageError(f"no matching subnet for {what} {text}")

    for r in ranges:
        owner(r, "range", "IPRange")
    for g in gateways:
        owner(g, "gateway", "Gateway")
    return pools


def create(inv: Invocation) -> Lines:
    a = inv.args
    name = a.name
    # refused like the CLI: some daemons accept a second network of the same name
    if any(n.get("Name") == name for n in api.list_networks(inv.client, filters={"name": [name]})):
        raise Conflict(
            f"network with name {name} already exists", status=409, method="POST", path="/networks/create"
        )
    config: dict[str, Any] = {
        "Name": name,
        "CheckDuplicate": True,
        "Driver": a.driver or "bridge",
        "Options": parse_key_values(a.opt, what="driver option"),
        "Labels": parse_key_values(a.label, what="label"),
        "Internal": a.internal,
        "Attachable": a.attachable,
        "EnableIPv6": a.ipv6,
        "IPAM": {"Driver": "default", "Config": ipam_config(a.subnet, a.ip_range, a.gateway), "Options": {}},
    }
    reply = api.create_network(inv.client, config)
    inv.session.names.invalidate("networks")
    if reply.get("Warning"):
        inv.console.warn(str(reply["Warning"]))
    return Lines([reply.get("Id", "")])


def inspect(inv: Invocation) -> Result:
    a = inv.args
    found: list[dict[str, Any]] = []
    errors: list[str] = []
    for name in a.networks:
        try:
            found.append(api.inspect_network(inv.client, name, verbose=a.verbose))
        except APIError as exc:
            errors.append(f"Error response from daemon: {exc.message}")
    return render_inspect(a.format, found, errors)


def rm(inv: Invocation) -> Result:
    a = inv.args
    done: list[str] = []
    errors: list[str] = []
    for name in a.networks:
        try:
            api.remove_network(inv.client, name)
            done.append(name)
        except NotFound as exc:
            if not a.force:
                errors.append(f"Error response from daemon: {exc.message}")
        except APIError as exc:
            errors.append(f"Error response from daemon: {exc.message}")
    inv.session.names.invalidate("networks")
    return Result(Lines(done), errors=errors)


def connect(inv: Invocation) -> None:
    a = inv.args
    endpoint: dict[str, Any] = {}
    if a.alias:
        endpoint["Aliases"] = list(a.alias)
    ipam = {k: v for k, v in (("IPv4Address", a.ip), ("IPv6Address", a.ip6)) if v}
    if ipam:
        endpoint["IPAMConfig"] = ipam
    api.connect_network(inv.client, a.network, a.container, endpoint_config=endpoint or None)
    inv.session.names.invalidate("networks")


def disconnect(inv: Invocation) -> None:
    a = inv.args
    api.disconnect_network(inv.client, a.network, a.container, force=a.force)
    inv.session.names.invalidate("networks")


def prune(inv: Invocation) -> Result:
    a = inv.args
    filters = parse_filters(a.filter)
    if not a.force and not confirm_removal(inv.console, PRUNE_WARNING, what="networks"):
        return Result()
    report = api.prune_networks(inv.client, filters=filters)
    inv.session.names.invalidate("networks")
    deleted = report.get("NetworksDeleted") or []
    return Result(Lines(["Deleted Networks:", *deleted, ""] if deleted else []))
