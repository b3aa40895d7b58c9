"""Many daemons in one session: ``hosts``, ``connect``, ``disconnect``, ``use``, ``context ls|use``.

Every daemon has a short name; ``@NAME CMD`` / ``@all CMD`` run a command on others than the current one (the
core peels those targets off: :mod:`dshell.core.targets`). ``@all events``
(the ``system`` plugin's ``events``) follows every daemon's events at once. A plugin like any other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dshell.plugin import Command, Result, Table, UsageError, argument, flag, hookimpl, option

if TYPE_CHECKING:
    from collections.abc import Iterable

    from dshell.plugin import (
        Candidate,
        CommandRegistry,
        CompletionRegistry,
        CompletionRequest,
        DaemonAddress,
        Invocation,
        Session,
        TLSConfig,
    )

#: Names a daemon may not have: ``@all`` means every daemon.
HOSTS_COLUMNS = ("NAME", "URL", "ENGINE", "API", "REACHABLE", "CONTAINERS")


def _probe(session: Session, name: str) -> dict[str, Any]:
    """One row of ``hosts`` (as a document): the daemon's versions and counts, or why it is unreachable."""
    from dshell.plugin import DshellError

    daemon = session.daemons[name]
    doc: dict[str, Any] = {"Name": name, "URL": str(daemon.address), "Current": name == session.current}
    try:
        s = daemon.summary()
    except DshellError as exc:
        return {**doc, "Reachable": False, "Error": exc.message}
    return {
        **doc,
        "Reachable": True,
        "Engine": s["engine"],
        "API": s["api"],
        "Running": s["running"],
        "Total": s["total"],
    }


def hosts_(inv: Invocation) -> Table:
    """``hosts``: every daemon of the session, probed concurrently (one thread and client per daemon)."""
    from concurrent.futures import ThreadPoolExecutor

    session = inv.session
    names = list(session.daemons)
    with ThreadPoolExecutor(max_workers=max(1, len(names))) as pool:
        docs = list(pool.map(lambda n: _probe(session, n), names))
    rows = []
    for d in docs:
        mark = " *" if d["Current"] else ""
        if d["Reachable"]:
            rows.append(
                (d["Name"] + mark, d["URL"], d["Engine"], d["API"], "yes", f"{d['Running']}/{d['Total']}")
            )
        else:
            rows.append((d["Name"] + mark, d["URL"], "", "", f"no: {d['Error']}", ""))
    return Table(HOSTS_COLUMNS, rows, docs)


def _tls(inv: Invocation) -> TLSConfig | None:
    from dshell.plugin import tls_config

    a = inv.args
    return tls_config(
        verify=a.tlsverify,
        cacert=a.tlscacert,
        cert=a.tlscert,
        key=a.tlskey,
        insecure=a.insecure_skip_tls_verify,
    )


def connect_(inv: Invocation) -> Result:
    """``connect NAME URL``: add a daemon (or point NAME elsewhere); it is reached on first use."""
    from dshell.plugin import check_daemon_name, parse_target, security_warnings

    session = inv.session
    name, url = inv.args.name, inv.args.url
    check_daemon_name(name)
    address = parse_target(url, tls=_tls(inv))
    for warning in security_warnings(address):
        session.console.warn(warning)
    session.add_daemon(name, address)
    return Result()


def disconnect_(inv: Invocation) -> None:
    """``disconnect NAME``: forget a daemon and close its connections (not the current one)."""
    session = inv.session
    for name in inv.args.names:
        if name not in session.daemons:
            raise UsageError(f"disconnect: no daemon named {name!r}", hint="'hosts' lists them")
        if name == session.current:
            raise UsageError(f"disconnect: {name} is the current daemon", hint="'use' another one first")
        session.remove_daemon(name)


def use_(inv: Invocation) -> None:
    """``use NAME``: make NAME the daemon commands run against (a context name or URL connects it first)."""
    session = inv.session
    name = inv.args.name
    if name not in session.daemons:
        if "/" in name or ":" in name:
            raise UsageError(f"use: no daemon named {name!r}", hint="connect NAME URL, then use NAME")
        _connect_context(session, name)
    session.current = name


def _connect_context(session: Session, name: str) -> DaemonAddress:
    """Add the docker context ``name`` as the daemon ``name`` (a context that does not exist: one line)."""
    from dshell.plugin import check_daemon_name, list_contexts

    for ctx in list_contexts():
        if ctx.name == name:
            if ctx.address is None:
                raise UsageError(f"docker context {name!r}: {ctx.error}")
            check_daemon_name(name)
            session.add_daemon(name, ctx.address)
            return ctx.address
    from dshell.plugin import suggest

    known = [c.name for c in list_contexts()]
    raise UsageError(
        f"no daemon or docker context named {name!r}{suggest(name, [*session.daemons, *known])}",
        hint="'hosts' and 'context ls' list them",
    )


def context_ls(inv: Invocation) -> Table:
    """``context ls``: the Docker CLI's contexts (``~/.docker/contexts``), the current one marked ``*``."""
    import os

    from dshell.plugin import current_context, list_contexts

    current = current_context(os.environ) or "default"
    rows, docs = [], []
    for ctx in list_contexts():
        endpoint = str(ctx.address) if ctx.address else ""
        mark = " *" if ctx.name == current else ""
        tls = bool(ctx.address and ctx.address.tls)
        rows.append((ctx.name + mark, ctx.description, endpoint, ctx.error))
        docs.append(
            {
                "Name": ctx.name,
                "Description": ctx.description,
                "DockerEndpoint": endpoint,
                "Current": ctx.name == current,
                "TLS": tls,
                "Error": ctx.error,
            }
        )
    return Table(("NAME", "DESCRIPTION", "DOCKER ENDPOINT", "ERROR"), rows, docs)


def context_use(inv: Invocation) -> None:
    """``context use NAME``: connect the context as daemon NAME (if needed) and make it current. This
    session only: ``~/.docker/config.json`` is left as it is."""
    session = inv.session
    name = inv.args.name
    if name not in session.daemons:
        _connect_context(session, name)
    session.current = name


def complete_daemons(request: CompletionRequest) -> Iterable[Candidate]:
    from dshell.plugin import Candidate

    session = request.session
    for name, daemon in session.daemons.items():
        yield Candidate(name, str(daemon.address))


def complete_contexts(request: CompletionRequest) -> Iterable[Candidate]:
    from dshell.plugin import Candidate, list_contexts

    for ctx in list_contexts():
        yield Candidate(ctx.name, str(ctx.address) if ctx.address else ctx.error)


TLS_OPTIONS = (
    flag("--tlsverify", help="use TLS and verify the daemon (the default with any TLS option)"),
    option("--tlscacert", help="CA certificate to verify the daemon with", metavar="FILE", complete="file"),
    option("--tlscert", help="client certificate", metavar="FILE", complete="file"),
    option("--tlskey", help="client key", metavar="FILE", complete="file"),
    flag("--insecure-skip-tls-verify", help="use TLS without verifying the daemon (unsafe)"),
)


@hookimpl
def dshell_register_commands(registry: CommandRegistry) -> None:
    group = "Daemons"
    registry.add(
        Command(
            "hosts",
            hosts_,
            "List the session's daemons: URL, engine, API, reachable, running/total containers",
            json_output=True,
            group=group,
            description="The current daemon is marked '*'. Each daemon is probed at once, in its own thread.",
        )
    )
    registry.add(
        Command(
            "connect",
            connect_,
            "Add a daemon under a short name (connect prod tcp://10.0.0.5:2376 --tlsverify)",
            arguments=(
                argument("name", "short name, used as @NAME and by 'use'"),
                argument("url", "tcp://, unix://, ssh:// URL, HOST[:PORT] or a docker context name"),
            ),
            options=TLS_OPTIONS,
            examples=(
                "connect local unix:///var/run/docker.sock",
                "connect prod tcp://10.0.0.5:2376 --tlscacert ca.pem --tlscert cert.pem --tlskey key.pem",
                "connect build ssh://root@build-host",
                "connect staging staging-context",
            ),
            group=group,
        )
    )
    registry.add(
        Command(
            "disconnect",
            disconnect_,
            "Forget daemons and close their connections",
            arguments=(argument("names", "daemon names", nargs="+", complete="daemon"),),
            group=group,
        )
    )
    registry.add(
        Command(
            "use",
            use_,
            "Make a daemon the current one (the prompt shows it)",
            arguments=(argument("name", "daemon name (or a docker context name)", complete="daemon"),),
            examples=(
                "use prod",
                "@prod ps   # one command on another daemon",
                "@all ps   # on every daemon",
            ),
            group=group,
        )
    )
    registry.add(
        Command(
            "context ls",
            context_ls,
            "List the Docker CLI's contexts (~/.docker/contexts)",
            aliases=("context list",),
            json_output=True,
            group=group,
        )
    )
    registry.add(
        Command(
            "context use",
            context_use,
            "Connect a docker context as daemon NAME and make it current (this session only)",
            arguments=(argument("name", "context name", complete="context"),),
            group=group,
        )
    )


@hookimpl
def dshell_register_completers(completers: CompletionRegistry) -> None:
    completers.add("daemon", complete_daemons)
    completers.add("context", complete_contexts)
