"""``info`` and ``version``: the daemon's documents as the Docker CLI prints them (imported on first use)."""

from __future__ import annotations

import platform
from typing import TYPE_CHECKING, Any

from dshell.plugin import (
    Document,
    Result,
    Text,
    UsageError,
    __version__,
    ansic_time,
    bytes_size,
    system_api,
)

if TYPE_CHECKING:
    from dshell.plugin import Invocation


def json_mode(inv: Invocation) -> bool:
    """Whether the session prints documents (``set output json``): then the summary gives way to the data."""
    return bool(inv.session.settings.get("output", "table") == "json")


def _template(inv: Invocation, fmt: str, data: Any) -> Text:
    from dshell.plugin import TemplateError, parse_format

    try:
        return Text(parse_format(fmt).render(data))
    except TemplateError as exc:
        raise UsageError(str(exc)) from None


def _commit(info: dict[str, Any], key: str) -> str:
    return str((info.get(key) or {}).get("ID", ""))


def server_lines(info: dict[str, Any]) -> list[str]:
    """The ``Server:`` section of ``docker info`` (prettyPrintServerInfo)."""
    out = [
        "Server:",
        f" Containers: {info.get('Containers', 0)}",
        f"  Running: {info.get('ContainersRunning', 0)}",
        f"  Paused: {info.get('ContainersPaused', 0)}",
        f"  Stopped: {info.get('ContainersStopped', 0)}",
        f" Images: {info.get('Images', 0)}",
        f" Server Version: {info.get('ServerVersion', '')}",
        f" Storage Driver: {info.get('Driver', '')}",
    ]
    out += [f"  {k}: {v}" for k, v in info.get("DriverStatus") or []]
    if info.get("SystemStatus"):
        out += [f" {k}: {v}" for k, v in info["SystemStatus"]]
    out.append(f" Logging Driver: {info.get('LoggingDriver', '')}")
    out.append(f" Cgroup Driver: {info.get('CgroupDriver', '')}")
    if info.get("CgroupVersion"):
        out.append(f" Cgroup Version: {info['CgroupVersion']}")
    plugins = info.get("Plugins") or {}
    out.append(" Plugins:")
    out.append(f"  Volume: {' '.join(plugins.get('Volume') or [])}")
    out.append(f"  Network: {' '.join(plugins.get('Network') or [])}")
    if plugins.get("Authorization"):
        out.append(f"  Authorization: {' '.join(plugins['Authorization'])}")
    out.append(f"  Log: {' '.join(plugins.get('Log') or [])}")
    swarm = info.get("Swarm") or {}
    out.append(f" Swarm: {swarm.get('LocalNodeState', '')}")
    runtimes = info.get("Runtimes") or {}
    if runtimes:
        out.append(f" Runtimes: {' '.join(sorted(runtimes))}")
        out.append(f" Default Runtime: {info.get('DefaultRuntime', '')}")
    if info.get("OSType") == "linux":
        out.append(f" Init Binary: {info.get('InitBinary', '')}")
        out.append(f" containerd version: {_commit(info, 'ContainerdCommit')}")
        out.append(f" runc version: {_commit(info, 'RuncCommit')}")
        out.append(f" init version: {_commit(info, 'InitCommit')}")
    options = info.get("SecurityOptions") or []
    if options:
        out.append(" Security Options:")
        for text in options:
            fields = dict(part.partition("=")[::2] for part in text.split(","))
            out.append(f"  {fields.pop('name', text)}")
            out += [f"   {k[:1].upper() + k[1:]}: {v}" for k, v in fields.items()]
    if info.get("Isolation"):
        out.append(f" Default Isolation: {info['Isolation']}")
    out += [
        f" Kernel Version: {info.get('KernelVersion', '')}",
        f" Operating System: {info.get('OperatingSystem', '')}",
        f" OSType: {info.get('OSType', '')}",
        f" Architecture: {info.get('Architecture', '')}",
        f" CPUs: {info.get('NCPU', 0)}",
        f" Total Memory: {bytes_size(info.get('MemTotal', 0))}",
        f" Name: {info.get('Name', '')}",
        f" ID: {info.get('ID', '')}",
        f" Docker Root Dir: {info.get('DockerRootDir', '')}",
        f" Debug Mode: {str(bool(info.get('Debug'))).lower()}",
    ]
    if info.get("Debug"):
        out += [
            f"  File Descriptors: {info.get('NFd', 0)}",
            f"  Goroutines: {info.get('NGoroutines', 0)}",
            f"  System Time: {info.get('SystemTime', '')}",
            f"  EventsListeners: {info.get('NEventsListener', 0)}",
        ]
    for key, label in (("HttpProxy", "HTTP Proxy"), ("HttpsProxy", "HTTPS Proxy"), ("NoProxy", "No Proxy")):
        if info.get(key):
            out.append(f" {label}: {info[key]}")
    if info.get("Labels"):
        out.append(" Labels:")
        out += [f"  {label}" for label in info["Labels"]]
    out.append(f" Experimental: {str(bool(info.get('ExperimentalBuild'))).lower()}")
    registry = info.get("RegistryConfig") or {}
    indexes = registry.get("IndexConfigs") or {}
    cidrs = registry.get("InsecureRegistryCIDRs") or []
    if indexes or cidrs:
        out.append(" Insecure Registries:")
        out += [f"  {c.get('Name', n)}" for n, c in sorted(indexes.items()) if not c.get("Secure")]
        out += [f"  {c}" for c in cidrs]
    if registry.get("Mirrors"):
        out.append(" Registry Mirrors:")
        out += [f"  {m}" for m in registry["Mirrors"]]
    out.append(f" Live Restore Enabled: {str(bool(info.get('LiveRestoreEnabled'))).lower()}")
    if info.get("ProductLicense"):
        out.append(f" Product License: {info['ProductLicense']}")
    pools = info.get("DefaultAddressPools") or []
    if pools:
        out.append(" Default Address Pools:")
        out += [f"   Base: {p.get('Base')}, Size: {p.get('Size')}" for p in pools]
    return out


def client_info(inv: Invocation) -> dict[str, Any]:
    return {
        "Version": __version__,
        "Context": str(inv.client.address),
        "Debug": bool(inv.session.settings.get("debug", False)),
    }


def info(inv: Invocation) -> Result:
    """``info``: the CLI's readable summary; ``--json``/``--format`` for the document."""
    a = inv.args
    doc = system_api.info(inv.client)
    if a.json or json_mode(inv):
        return Result(Document(doc))
    if a.format:
        return Result(_template(inv, a.format, {**doc, "ClientInfo": client_info(inv)}))
    client = client_info(inv)
    lines = [
        "Client:",
        f" Version:    dshell {client['Version']}",
        f" Context:    {client['Context']}",
        f" Debug Mode: {str(client['Debug']).lower()}",
        "",
        *server_lines(doc),
        "",
        "",
    ]
    warnings = [str(w) for w in doc.get("Warnings") or []]
    return Result(Text("\n".join(lines)), errors=warnings, status=0)


class _GoFields(dict[str, Any]):
    """A JSON object whose Go struct spells a field differently from its key (``APIVersion`` for
    ``ApiVersion``, as ``docker version --format`` knows it): a template finds either spelling; ``{{json .}}``
    and ``--json`` show the keys alone."""

    ALIASES = {"APIVersion": "ApiVersion"}

    def get(self, key: str, default: Any = None) -> Any:
        if key in self:
            return self[key]
        alias = self.ALIASES.get(key)
        return self[alias] if alias is not None and alias in self else default


def version_data(inv: Invocation) -> dict[str, Any]:
    """``{"Client": …, "Server": …}``: dshell's side and the daemon's ``/version``."""
    server = system_api.version(inv.client)
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)
    client = {
        "dshell": __version__,
        "Version": __version__,
        "ApiVersion": inv.client.api_version,
        "DefaultAPIVersion": _max_api_version(),
        "PythonVersion": platform.python_version(),
        "Os": platform.system().lower(),
        "Arch": arch,
        "Context": str(inv.client.address),
    }
    return {"Client": _GoFields(client), "Server": _GoFields(server)}


def _max_api_version() -> str:
    import importlib

    return str(importlib.import_module("dshell.api.client").MAX_API_VERSION)


def version_text(data: dict[str, Any]) -> str:
    """``docker version``'s layout: Client, then Server with its components (tab-aligned, min width 20)."""
    c = data["Client"]
    downgraded = (
        f" (downgraded from {c['DefaultAPIVersion']})" if c["ApiVersion"] != c["DefaultAPIVersion"] else ""
    )
    lines = [
        "Client:",
        f" Version:\tdshell {c['Version']}",
        f" API version:\t{c['ApiVersion']}{downgraded}",
        f" Python version:\t{c['PythonVersion']}",
        f" OS/Arch:\t{c['Os']}/{c['Arch']}",
        f" Context:\t{c['Context']}",
        "",
    ]
    s = data["Server"]
    name = (s.get("Platform") or {}).get("Name") or ""
    lines.append("Server:" + (f" {name}" if name else ""))
    components = s.get("Components") or [
        {"Name": "Engine", "Version": s.get("Version", ""), "Details": {k: str(v) for k, v in s.items()}}
    ]
    for comp in components:
        details = comp.get("Details") or {}
        lines.append(f" {comp.get('Name', '')}:")
        if comp.get("Name") == "Engine":
            lines += [
                f"  Version:\t{comp.get('Version', '')}",
                f"  API version:\t{details.get('ApiVersion', '')} (minimum version {details.get('MinAPIVersion', '')})",
                f"  Go version:\t{details.get('GoVersion', '')}",
                f"  Git commit:\t{details.get('GitCommit', '')}",
                f"  Built:\t{ansic_time(str(details.get('BuildTime', '')))}",
                f"  OS/Arch:\t{details.get('Os', '')}/{details.get('Arch', '')}",
                f"  Experimental:\t{details.get('Experimental', '')}",
            ]
        else:
            lines.append(f"  Version:\t{comp.get('Version', '')}")
            lines += [f"  {k}:\t{details[k]}" for k in sorted(details)]
    return _tabwrite("\n".join(lines))


def _tabwrite(text: str) -> str:
    """Align the tab-separated cells of ``text`` in one column at least 20 wide (``docker version``)."""
    rows = [line.split("\t", 1) for line in text.split("\n")]
    # tabwriter aligns each block of consecutive lines that have a cell
    out: list[str] = []
    block: list[list[str]] = []

    def flush() -> None:
        if block:
            width = max(20, *(len(r[0]) + 1 for r in block))
            out.extend(r[0].ljust(width) + r[1] for r in block)
            block.clear()

    for row in rows:
        if len(row) == 2:
            block.append(row)
        else:
            flush()
            out.append(row[0])
    flush()
    return "\n".join(out)


def version(inv: Invocation) -> Result:
    """``version``: Client and Server sections like ``docker version``; ``--json``/``--format`` for the data."""
    a = inv.args
    data = version_data(inv)
    if a.json or json_mode(inv):
        return Result(Document(data))
    if a.format:
        return Result(_template(inv, a.format, data))
    return Result(Text(version_text(data)))
