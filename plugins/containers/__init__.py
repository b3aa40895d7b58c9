"""Containers: the whole lifecycle with Docker CLI names and flags (one declaration per command here).

Handlers live beside this entry point and are imported on first use, so start-up stays fast:
``run`` (create, run, start), ``streams`` (logs, attach, exec), ``ops``
(stop … prune, inspect), ``stats`` and ``cp``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from dshell.plugin import (
    APIError,
    Command,
    Conflict,
    Lines,
    Option,
    Result,
    Table,
    argument,
    ellipsis,
    flag,
    go_quote,
    hookimpl,
    lazy_handler,
    option,
    parse_bytes,
    parse_cpus,
    parse_filters,
    short_id,
)
from dshell.plugin import containers_api as api

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from dshell.plugin import Candidate, CommandRegistry, CompletionRegistry, CompletionRequest, Invocation

    _Built = tuple[list[Candidate], dict[int, Candidate | None]]

PS_COLUMNS = ("CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES")
#: Header of each field of the CLI's container view in ``--format table …``.
PS_HEADERS = {
    "ID": "CONTAINER ID",
    "Image": "IMAGE",
    "Command": "COMMAND",
    "CreatedAt": "CREATED AT",
    "RunningFor": "CREATED",
    "Ports": "PORTS",
    "Status": "STATUS",
    "Size": "SIZE",
    "Names": "NAMES",
    "Labels": "LABELS",
    "Label": "LABEL",
    "Mounts": "MOUNTS",
    "Networks": "NETWORKS",
    "State": "STATE",
    "LocalVolumes": "LOCAL VOLUMES",
}
DEFAULT_PS_FORMAT = (
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
)


def format_ports(ports: Iterable[dict[str, Any]]) -> str:
    """``0.0.0.0:8080->80/tcp, 443/tcp`` as ``docker ps`` shows them."""
    out = []
    for p in sorted(ports, key=lambda p: (p.get("PrivatePort", 0), p.get("IP", ""))):
        proto = p.get("Type", "tcp")
        if p.get("PublicPort"):
            ip = p.get("IP", "")
            host = f"[{ip}]" if ":" in ip else ip
            out.append(f"{host}:{p['PublicPort']}->{p['PrivatePort']}/{proto}")
        else:
            out.append(f"{p.get('PrivatePort')}/{proto}")
    return ", ".join(dict.fromkeys(out))


def container_name(c: dict[str, Any]) -> str:
    """The primary name, without the leading slash."""
    names = c.get("Names") or []
    if len(names) == 1:  # the common case, without a generator (10,000 rows of ``ps``)
        return str(names[0]).lstrip("/")
    return ",".join(n.lstrip("/") for n in names if n.count("/") == 1) or (
        names[0].lstrip("/") if names else ""
    )


def size_text(c: dict[str, Any]) -> str:
    """``2B (virtual 1.99MB)`` as ``docker ps -s`` prints it (go-units, 3 significant digits)."""
    from dshell.plugin import human_size

    rw = human_size(c.get("SizeRw") or 0, 3)
    root = c.get("SizeRootFs") or 0
    return f"{rw} (virtual {human_size(root, 3)})" if root > 0 else rw


def _mounts(c: dict[str, Any], no_trunc: bool) -> str:
    names = (m.get("Name") or m.get("Source") or "" for m in c.get("Mounts") or [])
    return ",".join(n if no_trunc else ellipsis(n, 15) for n in names)


def _running_for(c: dict[str, Any], no_trunc: bool) -> str:
    from dshell.plugin import ago

    return ago(c.get("Created", 0))


def _created_at(ts: float) -> str:
    from dshell.plugin import created_at

    return created_at(ts)


def _labels(c: dict[str, Any]) -> dict[str, str]:
    return c.get("Labels") or {}


#: The Docker CLI's fields of a container for ``--format`` templates, each computed only when asked for.
PS_FIELDS: dict[str, Callable[[dict[str, Any], bool], Any]] = {
    "ID": lambda c, nt: short_id(c["Id"], no_trunc=nt),
    "Image": lambda c, nt: c.get("Image", ""),
    "Command": lambda c, nt: go_quote(c.get("Command", "") if nt else ellipsis(c.get("Command", ""), 20)),
    "CreatedAt": lambda c, nt: _created_at(c.get("Created", 0)),
    "RunningFor": _running_for,
    "Ports": lambda c, nt: format_ports(c.get("Ports") or []),
    "Status": lambda c, nt: c.get("Status", ""),
    "Size": lambda c, nt: size_text(c),
    "Names": lambda c, nt: container_name(c),
    "Labels": lambda c, nt: ",".join(f"{k}={v}" for k, v in sorted(_labels(c).items())),
    "Mounts": _mounts,
    "Networks": lambda c, nt: ",".join(
        sorted(((c.get("NetworkSettings") or {}).get("Networks") or {}).keys())
    ),
    "State": lambda c, nt: c.get("State", ""),
    "LocalVolumes": lambda c, nt: str(sum(1 for m in c.get("Mounts") or [] if m.get("Driver") == "local")),
    "Label": lambda c, nt: lambda key: _labels(c).get(key, ""),
}


class ContainerView(Mapping[str, Any]):
    """A container as ``docker ps --format`` templates see it; each field is computed on first use, so a
    1,000-row table pays only for its seven columns."""

    def __init__(self, container: dict[str, Any], *, no_trunc: bool = False) -> None:
        self._c = container
        self._no_trunc = no_trunc
        self._cache: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        try:
            return self._cache[key]
        except KeyError:
            value = self._cache[key] = PS_FIELDS[key](self._c, self._no_trunc)
            return value

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(PS_FIELDS))

    def __len__(self) -> int:
        return len(PS_FIELDS)


def ps_view(c: dict[str, Any], *, no_trunc: bool = False) -> ContainerView:
    """The Docker CLI's view of a container for ``--format`` templates (same field names)."""
    return ContainerView(c, no_trunc=no_trunc)


def ps_rows(
    items: Iterable[dict[str, Any]], *, no_trunc: bool = False, size: bool = False
) -> list[tuple[str, ...]]:
    """The rows of the default ``ps`` table, cell for cell what :data:`PS_FIELDS` gives (``ID``, ``Image``,
    ``Command``, ``RunningFor``, ``Status``, ``Ports``, ``Names``, then ``Size`` with ``size``), without a view per
    container and with what repeats (a command, a creation time) computed once: 10,000 rows in ~30 ms, not
    ~140 ms."""
    import time

    from dshell.plugin import ago

    now = time.time()
    commands: dict[str, str] = {}
    created: dict[Any, str] = {}
    rows: list[tuple[str, ...]] = []
    append = rows.append
    for c in items:
        cmd = c.get("Command", "")
        command = commands.get(cmd)
        if command is None:
            command = commands[cmd] = go_quote(cmd if no_trunc else ellipsis(cmd, 20))
        when = c.get("Created", 0)
        running_for = created.get(when)
        if running_for is None:
            running_for = created[when] = ago(when, now)
        ports = c.get("Ports")
        row = (
            short_id(c["Id"], no_trunc=no_trunc),
            c.get("Image", ""),
            command,
            running_for,
            c.get("Status", ""),
            format_ports(ports) if ports else "",
            container_name(c),
        )
        append((*row, size_text(c)) if size else row)
    return rows


def ps(inv: Invocation) -> Any:
    """``ps``: running containers (``-a`` all, ``-n``/``-l`` the newest), as a table, ids, JSON or a template."""
    a = inv.args
    limit = 1 if a.latest else a.last
    if limit is not None and limit <= 0:
        limit = None
    items = api.list_containers(
        inv.client, all=a.all, limit=limit, size=a.size, filters=parse_filters(a.filter)
    )
    if a.all and not a.filter and limit is None:
        inv.session.names.put("containers", items)
    if a.quiet:
        return Lines(short_id(c["Id"], no_trunc=a.no_trunc) for c in items)
    if a.format and not a.json:
        from dshell.plugin import render_format

        default = DEFAULT_PS_FORMAT + ("\t{{.Size}}" if a.size else "")
        return render_format(a.format, (ps_view(c, no_trunc=a.no_trunc) for c in items), PS_HEADERS, default)
    columns = (*PS_COLUMNS, "SIZE") if a.size else PS_COLUMNS
    return Table(columns, ps_rows(items, no_trunc=a.no_trunc, size=a.size), items)


def rm(inv: Invocation) -> Result:
    """``rm``: remove each container; a running one needs ``-f`` (the hint says so)."""
    a = inv.args
    done: list[str] = []
    errors: list[str] = []
    for name in a.containers:
        try:
            api.remove_container(inv.client, name, force=a.force, volumes=a.volumes)
            done.append(name)
        except Conflict as exc:
            hint = "" if a.force else " (stop the container before removing it, or use -f)"
            errors.append(f"Error response from daemon: {exc.message}{hint}")
        except APIError as exc:
            errors.append(f"Error response from daemon: {exc.message}")
    inv.session.names.invalidate("containers")
    return Result(Lines(done), errors=errors)


def container_inspect(inv: Invocation) -> Any:
    """``container inspect``: ``inspect`` restricted to containers."""
    inv.args.values["type"] = "container"
    return lazy_handler(__name__, "ops", "inspect")(inv)


# -- completion --------------------------------------------------------------------------------------------


#: What each qualifier of the ``container`` source keeps of a ``State``.
_STATE_FILTERS: dict[str | None, Callable[[Any], bool]] = {
    None: lambda state: True,
    "running": lambda state: state in ("running", "restarting", "paused"),
    "stopped": lambda state: state not in ("running", "restarting", "paused"),
    "paused": lambda state: state == "paused",
}

#: Built candidates: ``(the candidates, each container dict's id -> its candidate or None)``.


def _container_candidates(state: str | None) -> Callable[..., _Built]:
    """A builder (:meth:`NameCache.derived <dshell.core.names.NameCache.derived>`) of the candidates for
    ``state``. Built once per name list, not per key (10,000 containers: ~25 ms), in the refresher's thread after
    a fetch; after an event changed one container, the candidates of the others are reused (~2 ms)."""
    keep = _STATE_FILTERS.get(state, _STATE_FILTERS[None])

    def build(items: list[dict[str, Any]], previous: tuple[list[dict[str, Any]], _Built] | None) -> _Built:
        # ids of the previous list's dicts are safe to look up: that list is alive while this runs
        from dshell.plugin import Candidate

        reuse = previous[1][1] if previous is not None else {}
        out: list[Candidate] = []
        made: dict[int, Candidate | None] = {}
        for c in items:
            key = id(c)
            if key in reuse:
                cand = reuse[key]
            else:
                cand = None
                if keep(c.get("State")):
                    name = container_name(c)
                    if name:
                        cand = Candidate(name, f"{c.get('Image', '')} · {c.get('Status', '')}")
            made[key] = cand
            if cand is not None:
                out.append(cand)
        return out, made

    return build


def complete_containers(request: CompletionRequest) -> Iterable[Candidate]:
    """Container names by state: ``container:running``, ``container:stopped``, ``container:paused``, or any."""
    state = request.qualifier if request.qualifier in _STATE_FILTERS else None
    built: _Built = request.session.names.derived(
        "containers", ("complete", state), _container_candidates(state)
    )
    return built[0]


def complete_cp_path(request: CompletionRequest) -> Iterable[Candidate]:
    """``cp`` SRC/DEST: host files, and container names as ``NAME:`` (nothing inside a container yet)."""
    from dshell.plugin import Candidate, complete_paths

    word = request.word
    if ":" in word and not word.startswith(("/", ".", "~")):
        return []
    hosts = complete_paths(request)
    if word.startswith(("/", ".", "~")):
        return hosts
    names = [Candidate(c.text + ":", c.meta) for c in complete_containers(request)]
    return [*hosts, *names]


def complete_bind(request: CompletionRequest) -> Iterable[Candidate]:
    """``-v`` SRC: a host path (``/``, ``.``, ``~``) or a named volume; nothing after ``SRC:``."""
    from dshell.plugin import complete_paths

    word = request.word
    if ":" in word:
        return []
    if word.startswith(("/", ".", "~")):
        return complete_paths(request)
    return request.session.completers.candidates("volume:named", request)


# -- declarations ------------------------------------------------------------------------------------------


def _ctr(help: str = "container", complete: str = "container") -> Any:
    return argument("container", help, complete=complete)


def _ctrs(help: str = "containers", complete: str = "container") -> Any:
    return argument("containers", help, nargs="+", complete=complete)


def _time_option(what: str) -> Option:
    return option(
        "-t",
        "--time",
        help=f"Seconds to wait before killing the container ({what})",
        type=int,
        metavar="SECONDS",
    )


# Options that run/create and exec share (the same words and help as the Docker CLI's): declared once.
ENV = option("-e", "--env", help="Set environment variables", repeat=True, metavar="KEY=VALUE")
ENV_FILE = option(
    "--env-file", help="Read in a file of environment variables", repeat=True, metavar="FILE", complete="file"
)
WORKDIR = option("-w", "--workdir", help="Working directory inside the container", metavar="DIR")
USER = option("-u", "--user", help="Username or UID (format: <name|uid>[:<group|gid>])", metavar="USER")
TTY = flag("-t", "--tty", help="Allocate a pseudo-TTY")
INTERACTIVE = flag("-i", "--interactive", help="Keep STDIN open even if not attached")

COMMON_RUN_OPTIONS = (
    option("--name", help="Assign a name to the container", metavar="NAME"),
    option("--entrypoint", help="Overwrite the default ENTRYPOINT of the image", metavar="CMD"),
    ENV,
    ENV_FILE,
    option("-l", "--label", help="Set metadata on a container", repeat=True, metavar="KEY=VALUE"),
    WORKDIR,
    USER,
    option("--hostname", help="Container host name", metavar="NAME"),
    TTY,
    INTERACTIVE,
    option(
        "-p",
        "--publish",
        help="Publish a container's port(s) to the host ([ip:][hostPort:]port[/proto])",
        repeat=True,
        metavar="PORTS",
    ),
    flag("-P", "--publish-all", help="Publish all exposed ports to random ports"),
    option("--expose", help="Expose a port or a range of ports", repeat=True, metavar="PORT"),
    option(
        "-v",
        "--volume",
        help="Bind mount a volume (SRC:DST[:OPTS] or DST)",
        repeat=True,
        metavar="VOLUME",
        complete="bind",
    ),
    option(
        "--mount",
        help="Attach a filesystem mount (type=bind,source=…,target=…)",
        repeat=True,
        metavar="MOUNT",
    ),
    option("--network", help="Connect a container to a network", metavar="NETWORK", complete="network"),
    option(
        "--restart",
        help="Restart policy (no, always, unless-stopped, on-failure[:N])",
        metavar="POLICY",
        complete="suggest:no,always,unless-stopped,on-failure,on-failure:3",
    ),
    option(
        "--log-driver",
        help="Logging driver for the container",
        metavar="DRIVER",
        complete="suggest:json-file,local,journald,syslog,gelf,fluentd,awslogs,splunk,gcplogs,none",
    ),
    option("--log-opt", help="Log driver options", repeat=True, metavar="KEY=VALUE"),
    flag("--rm", help="Automatically remove the container when it exits"),
    option("--cpus", help="Number of CPUs", type=parse_cpus, metavar="DECIMAL"),
    option("-m", "--memory", help="Memory limit (e.g. 512m, 1g)", type=parse_bytes, metavar="BYTES"),
    flag("--init", help="Run an init inside the container that forwards signals and reaps processes"),
    flag("--privileged", help="Give extended privileges to this container"),
    option("--cap-add", help="Add Linux capabilities", repeat=True, metavar="CAP"),
    option("--cap-drop", help="Drop Linux capabilities", repeat=True, metavar="CAP"),
    flag("--read-only", help="Mount the container's root filesystem as read only"),
    option("--add-host", help="Add a custom host-to-IP mapping", repeat=True, metavar="HOST:IP"),
    option("--dns", help="Set custom DNS servers", repeat=True, metavar="IP"),
    option("--tmpfs", help="Mount a tmpfs directory", repeat=True, metavar="PATH[:OPTIONS]"),
    option("--security-opt", help="Security options", repeat=True, metavar="OPTION"),
    option("--shm-size", help="Size of /dev/shm (e.g. 64m)", type=parse_bytes, metavar="BYTES"),
    option("--stop-signal", help="Signal to stop the container", metavar="SIGNAL"),
    option("--stop-timeout", help="Seconds to wait before killing the container on stop", type=int),
    option("--health-cmd", help="Command to run to check health", metavar="COMMAND"),
    option("--health-interval", help="Time between running the check (ms|s|m|h)", metavar="DURATION"),
    option("--health-timeout", help="Maximum time to allow one check to run (ms|s|m|h)", metavar="DURATION"),
    option("--health-start-period", help="Start period before retries count (ms|s|m|h)", metavar="DURATION"),
    option("--health-retries", help="Consecutive failures needed to report unhealthy", type=int),
    flag("--no-healthcheck", help="Disable any container-specified HEALTHCHECK"),
    option("--platform", help="Set platform if the server is multi-platform capable", metavar="OS/ARCH"),
    option(
        "--pull", help="Pull image before running", choices=("missing", "always", "never"), default="missing"
    ),
)

RUN_ONLY_OPTIONS = (
    flag("-d", "--detach", help="Run container in background and print container ID"),
    Option(
        ("--sig-proxy",),
        help="Proxy received signals to the process (--sig-proxy=false to disable)",
        default=True,
    ),
)

CREATE_ARGUMENTS = (
    argument("image", "image to create the container from", complete="image"),
    argument("command", "command and arguments, kept exactly as typed", nargs="..."),
)

INSPECT_OPTIONS = (
    option("-f", "--format", help="Format the output using the given Go template", metavar="TEMPLATE"),
    flag("-s", "--size", help="Display total file sizes if the type is container"),
)


def _commands() -> list[Command]:
    lazy = partial(lazy_handler, __name__)
    return [
        Command(
            "ps",
            ps,
            "List containers (running ones; -a for all)",
            options=(
                flag("-a", "--all", help="Show all containers (default shows just running)"),
                flag("-q", "--quiet", help="Only display container IDs"),
                flag("--no-trunc", help="Don't truncate output"),
                option(
                    "-n",
                    "--last",
                    help="Show n last created containers (includes all states)",
                    type=int,
                    metavar="N",
                ),
                flag("-l", "--latest", help="Show the latest created container (includes all states)"),
                flag("-s", "--size", help="Display total file sizes"),
                option(
                    "--format",
                    help="Format output using a Go template ('table …', 'json', '{{.ID}}')",
                    metavar="TEMPLATE",
                ),
                option(
                    "-f",
                    "--filter",
                    help="Filter output based on conditions provided",
                    repeat=True,
                    metavar="KEY=VALUE",
                    complete="filter:container",
                ),
            ),
            aliases=("container ls", "container ps", "container list"),
            json_output=True,
        ),
        Command(
            "create",
            lazy("run", "create"),
            "Create a new container",
            options=COMMON_RUN_OPTIONS,
            arguments=CREATE_ARGUMENTS,
            interspersed=False,
            aliases=("container create",),
        ),
        Command(
            "run",
            lazy("run", "run"),
            "Create and run a new container (attached: its output here, its exit status as the status)",
            options=COMMON_RUN_OPTIONS + RUN_ONLY_OPTIONS,
            arguments=CREATE_ARGUMENTS,
            interspersed=False,
            aliases=("container run",),
            examples=("run --rm IMAGE sh -c 'echo \"hi\"; exit 3'", "run -d --name web -p 8080:80 IMAGE"),
        ),
        Command(
            "start",
            lazy("run", "start"),
            "Start one or more stopped containers",
            options=(
                flag("-a", "--attach", help="Attach STDOUT/STDERR and forward signals"),
                flag("-i", "--interactive", help="Attach container's STDIN"),
            ),
            arguments=(_ctrs(complete="container:stopped"),),
            aliases=("container start",),
        ),
        Command(
            "stop",
            lazy("ops", "stop"),
            "Stop one or more running containers",
            options=(_time_option("default 10"),),
            arguments=(_ctrs(complete="container:running"),),
            aliases=("container stop",),
        ),
        Command(
            "restart",
            lazy("ops", "restart"),
            "Restart one or more containers",
            options=(_time_option("default 10"),),
            arguments=(_ctrs(),),
            aliases=("container restart",),
        ),
        Command(
            "kill",
            lazy("ops", "kill"),
            "Kill one or more running containers",
            options=(
                option(
                    "-s",
                    "--signal",
                    help="Signal to send (SIGTERM, TERM or 15; default KILL)",
                    metavar="SIGNAL",
                    complete="suggest:SIGKILL,SIGTERM,SIGINT,SIGHUP,SIGQUIT,SIGUSR1,SIGUSR2,SIGSTOP,SIGCONT",
                ),
            ),
            arguments=(_ctrs(complete="container:running"),),
            aliases=("container kill",),
        ),
        Command(
            "pause",
            lazy("ops", "pause"),
            "Pause all processes within one or more containers",
            arguments=(_ctrs(complete="container:running"),),
            aliases=("container pause",),
        ),
        Command(
            "unpause",
            lazy("ops", "unpause"),
            "Unpause all processes within one or more containers",
            arguments=(_ctrs(complete="container:paused"),),
            aliases=("container unpause",),
        ),
        Command(
            "rm",
            rm,
            "Remove one or more containers",
            options=(
                flag("-f", "--force", help="Force the removal of a running container (uses SIGKILL)"),
                flag("-v", "--volumes", help="Remove anonymous volumes associated with the container"),
            ),
            arguments=(argument("containers", "containers to remove", nargs="+", complete="container"),),
            aliases=("container rm", "container remove"),
        ),
        Command(
            "rename",
            lazy("ops", "rename"),
            "Rename a container",
            arguments=(_ctr(), argument("new_name", "the new name", metavar="NEW_NAME")),
            aliases=("container rename",),
        ),
        Command(
            "wait",
            lazy("ops", "wait"),
            "Block until one or more containers stop, then print their exit codes",
            arguments=(_ctrs(),),
            aliases=("container wait",),
        ),
        Command(
            "update",
            lazy("ops", "update"),
            "Update configuration of one or more containers",
            options=(
                option("--cpus", help="Number of CPUs", type=parse_cpus, metavar="DECIMAL"),
                option("-m", "--memory", help="Memory limit", type=parse_bytes, metavar="BYTES"),
                option(
                    "--memory-swap",
                    help="Swap limit equal to memory plus swap ('-1': unlimited)",
                    type=lambda v: -1 if v == "-1" else parse_bytes(v),
                    metavar="BYTES",
                ),
                option("--memory-reservation", help="Memory soft limit", type=parse_bytes, metavar="BYTES"),
                option("-c", "--cpu-shares", help="CPU shares (relative weight)", type=int, metavar="N"),
                option(
                    "--pids-limit", help="Tune container pids limit (-1 for unlimited)", type=int, metavar="N"
                ),
                option(
                    "--restart",
                    help="Restart policy to apply when a container exits",
                    metavar="POLICY",
                    complete="suggest:no,always,unless-stopped,on-failure,on-failure:3",
                ),
            ),
            arguments=(_ctrs(),),
            aliases=("container update",),
        ),
        Command(
            "port",
            lazy("ops", "port"),
            "List port mappings or a specific mapping for the container",
            arguments=(_ctr(), argument("private_port", "PRIVATE_PORT[/PROTO]", nargs="?")),
            aliases=("container port",),
        ),
        Command(
            "diff",
            lazy("ops", "diff"),
            "Inspect changes to files or directories on a container's filesystem",
            arguments=(_ctr(),),
            aliases=("container diff",),
        ),
        Command(
            "top",
            lazy("ops", "top"),
            "Display the running processes of a container",
            arguments=(_ctr(complete="container:running"), argument("ps_args", "ps options", nargs="...")),
            interspersed=False,
            aliases=("container top",),
            json_output=True,
        ),
        Command(
            "export",
            lazy("ops", "export"),
            "Export a container's filesystem as a tar archive",
            options=(
                option(
                    "-o",
                    "--output",
                    help="Write to a file, instead of STDOUT",
                    metavar="FILE",
                    complete="path",
                ),
            ),
            arguments=(_ctr(),),
            aliases=("container export",),
        ),
        Command(
            "commit",
            lazy("ops", "commit"),
            "Create a new image from a container's changes",
            options=(
                option(
                    "-a",
                    "--author",
                    help='Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")',
                    metavar="AUTHOR",
                ),
                option("-m", "--message", help="Commit message", metavar="MESSAGE"),
                option(
                    "-c",
                    "--change",
                    help="Apply Dockerfile instruction to the created image",
                    repeat=True,
                    metavar="INSTRUCTION",
                ),
                Option(
                    ("-p", "--pause"),
                    help="Pause container during commit (--pause=false to not)",
                    default=True,
                ),
            ),
            arguments=(_ctr(), argument("repository", "REPOSITORY[:TAG]", nargs="?")),
            aliases=("container commit",),
        ),
        Command(
            "container prune",
            lazy("ops", "prune"),
            "Remove all stopped containers",
            options=(
                flag("-f", "--force", help="Do not prompt for confirmation"),
                option(
                    "--filter",
                    help="Provide filter values (e.g. 'until=<timestamp>', 'label=k=v')",
                    repeat=True,
                    metavar="FILTER",
                ),
            ),
        ),
        Command(
            "logs",
            lazy("streams", "logs"),
            "Fetch the logs of a container (stdout here, stderr to stderr)",
            options=(
                flag("-f", "--follow", help="Follow log output (until the container stops or Ctrl-C)"),
                option(
                    "-n",
                    "--tail",
                    help='Number of lines to show from the end of the logs (default "all")',
                    metavar="N",
                ),
                option("--since", help="Show logs since timestamp or relative (e.g. 42m)", metavar="TIME"),
                option("--until", help="Show logs before a timestamp or relative (e.g. 42m)", metavar="TIME"),
                flag("-t", "--timestamps", help="Show timestamps"),
                flag("--details", help="Show extra details provided to logs"),
            ),
            arguments=(_ctr(),),
            aliases=("container logs",),
        ),
        Command(
            "exec",
            lazy("streams", "exec_"),
            "Run a command in a running container (its exit status is the status)",
            options=(
                flag("-d", "--detach", help="Detached mode: run command in the background"),
                INTERACTIVE,
                TTY,
                ENV,
                ENV_FILE,
                WORKDIR,
                USER,
                flag("--privileged", help="Give extended privileges to the command"),
                option("--detach-keys", help="Override the key sequence for detaching", metavar="KEYS"),
            ),
            arguments=(
                _ctr(complete="container:running"),
                argument("command", "command and arguments, kept exactly as typed", nargs="..."),
            ),
            interspersed=False,
            aliases=("container exec",),
        ),
        Command(
            "attach",
            lazy("streams", "attach"),
            "Attach to a running container (Ctrl-P Ctrl-Q detaches)",
            options=(
                flag("--no-stdin", help="Do not attach STDIN"),
                Option(("--sig-proxy",), help="Forward Ctrl-C to the container as SIGINT (default: detach)"),
                option("--detach-keys", help="Override the key sequence for detaching", metavar="KEYS"),
            ),
            arguments=(_ctr(complete="container:running"),),
            aliases=("container attach",),
        ),
        Command(
            "stats",
            lazy("stats", "stats"),
            "Display a live stream of container(s) resource usage statistics",
            options=(
                flag("-a", "--all", help="Show all containers (default shows just running)"),
                flag("--no-stream", help="Disable streaming stats and only pull the first result"),
            ),
            arguments=(
                argument(
                    "containers", "containers (default: all running)", nargs="*", complete="container:running"
                ),
            ),
            aliases=("container stats",),
            json_output=True,
        ),
        Command(
            "cp",
            lazy("cp", "cp"),
            "Copy files/folders between a container and the local filesystem",
            options=(
                flag("-a", "--archive", help="Archive mode (copy all uid/gid information)"),
                flag("-L", "--follow-link", help="Always follow symbol link in SRC_PATH"),
            ),
            arguments=(
                argument(
                    "source", "CONTAINER:SRC_PATH, a local path, or - (a tar on stdin)", complete="cp-path"
                ),
                argument(
                    "destination",
                    "a local path, CONTAINER:DEST_PATH, or - (a tar on stdout)",
                    complete="cp-path",
                ),
            ),
            aliases=("container cp",),
        ),
        Command(
            "inspect",
            lazy("ops", "inspect"),
            "Return low-level information on containers or images",
            options=(
                *INSPECT_OPTIONS,
                option("--type", help="Return JSON for specified type", choices=("container", "image")),
            ),
            arguments=(argument("names", "containers or images", nargs="+", complete="container"),),
        ),
        Command(
            "container inspect",
            container_inspect,
            "Display detailed information on one or more containers",
            options=INSPECT_OPTIONS,
            arguments=(argument("names", "containers", nargs="+", complete="container"),),
        ),
    ]


@hookimpl
def dshell_register_commands(registry: CommandRegistry) -> None:
    from dshell.plugin import PluginError

    for command in _commands():
        try:
            registry.add(command)
        except PluginError:
            continue  # a clash is recorded in registry.warnings; the other commands still register


@hookimpl
def dshell_register_completers(completers: CompletionRegistry) -> None:
    completers.add("container", complete_containers)
    completers.add("cp-path", complete_cp_path)
    completers.add("bind", complete_bind)
