"""``create``, ``run`` and ``start``: the create body from Docker CLI flags, pulling a missing image, attaching.

``run`` without ``-d`` attaches to the new container *before* starting it, as the CLI does, so no early
output is lost; its exit status is the container's (``POST /containers/{id}/wait``).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from dshell.plugin import (
    APIError,
    CommandFailed,
    DshellError,
    Frames,
    Lines,
    NotFound,
    Result,
    UsageError,
    parse_duration,
    parse_key_values,
)
from dshell.plugin import containers_api as api

if TYPE_CHECKING:
    from collections.abc import Callable

    from dshell.plugin import Invocation

RESTART_POLICIES = ("no", "always", "unless-stopped", "on-failure")
MOUNT_TYPES = ("bind", "volume", "tmpfs", "npipe")


# -- flag parsing ------------------------------------------------------------------------------------------


def read_env_file(path: str) -> list[str]:
    """``--env-file``: ``KEY=VALUE`` lines; ``#`` comments and blank lines skipped; a bare ``KEY`` takes the
    local value, as in the CLI."""
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except OSError as exc:
        raise UsageError(f"open {path}: {exc.strerror or exc}") from None
    out: list[str] = []
    for line in lines:
        text = line.lstrip()
        if not text or text.startswith("#"):
            continue
        out.extend(expand_env([line]))
    return out


def expand_env(values: list[str]) -> list[str]:
    """``-e KEY=VALUE`` kept as is; ``-e KEY`` takes the local value, or stays a bare name (the daemon then
    leaves the variable unset), as the CLI's ``ValidateEnv`` does."""
    out = []
    for value in values:
        key, sep, _ = value.partition("=")
        if not key:
            raise UsageError(f"invalid environment variable: {value}")
        out.append(f"{key}={os.environ[key]}" if not sep and key in os.environ else value)
    return out


def _port_range(text: str, what: str) -> tuple[int, int]:
    first, sep, last = text.partition("-")
    try:
        start = int(first)
        end = int(last) if sep else start
    except ValueError:
        raise UsageError(f"invalid {what} port: {text}") from None
    if not (0 < start <= 65535 and 0 < end <= 65535) or end < start:
        raise UsageError(f"invalid {what} port range: {text}")
    return start, end


def parse_publish(spec: str) -> list[tuple[str, str, str]]:
    """``-p [IP:][HOST:]CONTAINER[/PROTO]`` (ranges allowed) -> ``(port/proto, host ip, host port)`` items."""
    rest, sep, proto = spec.rpartition("/")
    if not sep:
        rest, proto = spec, "tcp"
    proto = proto.lower()
    if proto not in ("tcp", "udp", "sctp"):
        raise UsageError(f"invalid proto: {proto}")
    ip = ""
    if rest.startswith("["):
        ip, close, tail = rest[1:].partition("]")
        if not close or not tail.startswith(":"):
            raise UsageError(f"invalid publish spec: {spec}")
        rest = tail[1:]
        parts = rest.split(":")
        if len(parts) == 1:
            parts = ["", parts[0]]
        parts = [ip, *parts]
    else:
        parts = rest.split(":")
    if len(parts) == 1:
        host, ctr = "", parts[0]
    elif len(parts) == 2:
        host, ctr = parts
    elif len(parts) == 3:
        ip, host, ctr = parts
    else:
        raise UsageError(f"invalid publish spec: {spec}")
    if not ctr:
        raise UsageError(f"no port specified: {spec}")
    c_start, c_end = _port_range(ctr, "container")
    count = c_end - c_start + 1
    if not host:
        return [(f"{p}/{proto}", ip, "") for p in range(c_start, c_end + 1)]
    h_start, h_end = _port_range(host, "host")
    if h_end - h_start + 1 == count:
        return [(f"{c_start + i}/{proto}", ip, str(h_start + i)) for i in range(count)]
    if count == 1:
        return [(f"{c_start}/{proto}", ip, f"{h_start}-{h_end}")]
    raise UsageError(f"invalid ranges specified for container and host ports: {spec}")


def parse_mount(spec: str) -> dict[str, Any]:
    """``--mount type=bind,source=/a,target=/b,readonly`` -> a ``HostConfig.Mounts`` item."""
    mount: dict[str, Any] = {"Type": "volume"}
    for field in spec.split(","):
        key, sep, value = field.partition("=")
        key = key.strip().lower()
        if key in ("readonly", "ro"):
            mount["ReadOnly"] = value.lower() not in ("0", "false") if sep else True
        elif not sep:
            raise UsageError(f"invalid field {field!r} in --mount {spec}: must be a key=value pair")
        elif key == "type":
            if value not in MOUNT_TYPES:
                raise UsageError(f"invalid mount type {value!r} in --mount {spec}")
            mount["Type"] = value
        elif key in ("source", "src"):
            mount["Source"] = value
        elif key in ("target", "destination", "dst"):
            mount["Target"] = value
        elif key == "consistency":
            mount["Consistency"] = value
        elif key == "bind-propagation":
            mount.setdefault("BindOptions", {})["Propagation"] = value
        elif key == "volume-nocopy":
            mount.setdefault("VolumeOptions", {})["NoCopy"] = value.lower() not in ("0", "false")
        elif key == "volume-opt":
            k, _, v = value.partition("=")
            mount.setdefault("VolumeOptions", {}).setdefault("DriverConfig", {}).setdefault("Options", {})[
                k
            ] = v
        elif key == "volume-driver":
            mount.setdefault("VolumeOptions", {}).setdefault("DriverConfig", {})["Name"] = value
        elif key == "tmpfs-size":
            from dshell.plugin import parse_bytes

            mount.setdefault("TmpfsOptions", {})["SizeBytes"] = parse_bytes(value)
        elif key == "tmpfs-mode":
            mount.setdefault("TmpfsOptions", {})["Mode"] = int(value, 8)
        else:
            raise UsageError(f"unexpected key {key!r} in --mount {spec}")
    if "Target" not in mount:
        raise UsageError(f"target is required in --mount {spec}")
    return mount


def parse_restart(text: str) -> dict[str, Any]:
    """``--restart no|always|unless-stopped|on-failure[:N]`` -> ``RestartPolicy``."""
    name, sep, count = text.partition(":")
    if name not in RESTART_POLICIES or (sep and name != "on-failure"):
        raise UsageError(f"invalid restart policy {text!r}: use {', '.join(RESTART_POLICIES)}[:max-retries]")
    policy: dict[str, Any] = {"Name": "" if name == "no" else name}
    if sep:
        try:
            policy["MaximumRetryCount"] = int(count)
        except ValueError:
            raise UsageError(f"maximum retry count must be an integer: {count!r}") from None
    return policy


def parse_volume(spec: str) -> tuple[str | None, str]:
    """``-v SRC:DST[:OPTS]`` -> (bind string, destination); ``-v /dst`` -> (None, anonymous volume)."""
    parts = spec.split(":")
    if len(parts) == 1:
        if not spec.startswith("/"):
            raise UsageError(f"invalid volume specification: {spec!r}: the path must be absolute")
        return None, spec
    if len(parts) > 3 or not parts[0] or not parts[1]:
        raise UsageError(f"invalid volume specification: {spec!r}")
    return spec, parts[1]


def build_create_config(a: Any, *, attach: bool = False) -> dict[str, Any]:
    """The ``/containers/create`` body from ``create``/``run`` arguments (Docker CLI semantics).

    ``attach`` (``run`` without ``-d``) sets ``AttachStdout``/``AttachStderr`` as the CLI does.
    """
    config: dict[str, Any] = {"Image": a.image}
    if a.command:
        config["Cmd"] = list(a.command)
    if a.entrypoint is not None:
        config["Entrypoint"] = [a.entrypoint] if a.entrypoint else [""]
    env = [v for path in a.env_file for v in read_env_file(path)]
    env += expand_env(a.env)
    if env:
        config["Env"] = env
    if a.label:
        config["Labels"] = parse_key_values(a.label, what="label")
    if a.workdir:
        config["WorkingDir"] = a.workdir
    if a.user:
        config["User"] = a.user
    if a.hostname:
        config["Hostname"] = a.hostname
    if a.tty:
        config["Tty"] = True
    if a.interactive:
        config.update(OpenStdin=True, StdinOnce=True, AttachStdin=True)
    if attach:
        config.update(AttachStdout=True, AttachStderr=True)
    host: dict[str, Any] = {}
    exposed: dict[str, dict[str, Any]] = {p if "/" in p else f"{p}/tcp": {} for p in a.expose}
    bindings: dict[str, list[dict[str, str]]] = {}
    for spec in a.publish:
        for port, ip, host_port in parse_publish(spec):
            exposed[port] = {}
            bindings.setdefault(port, []).append({"HostIp": ip, "HostPort": host_port})
    if exposed:
        config["ExposedPorts"] = exposed
    if bindings:
        host["PortBindings"] = bindings
    if a.publish_all:
        host["PublishAllPorts"] = True
    binds: list[str] = []
    volumes: dict[str, dict[str, Any]] = {}
    for spec in a.volume:
        bind, dest = parse_volume(spec)
        if bind is None:
            volumes[dest] = {}
        else:
            binds.append(bind)
    if binds:
        host["Binds"] = binds
    if volumes:
        config["Volumes"] = volumes
    if a.mount:
        host["Mounts"] = [parse_mount(m) for m in a.mount]
    if a.network:
        host["NetworkMode"] = a.network
    if a.restart:
        host["RestartPolicy"] = parse_restart(a.restart)
    if a.rm:
        if a.restart and parse_restart(a.restart)["Name"]:
            raise UsageError("conflicting options: --restart and --rm")
        host["AutoRemove"] = True
    if a.cpus is not None:
        host["NanoCpus"] = a.cpus
    if a.memory is not None:
        host["Memory"] = a.memory
    if a.init:
        host["Init"] = True
    if a.privileged:
        host["Privileged"] = True
    if a.cap_add:
        host["CapAdd"] = list(a.cap_add)
    if a.cap_drop:
        host["CapDrop"] = list(a.cap_drop)
    if a.log_driver or a.log_opt:
        host["LogConfig"] = {
            "Type": a.log_driver or "",
            "Config": parse_key_values(a.log_opt, what="log option") if a.log_opt else {},
        }
    _isolation(a, config, host)
    if host:
        config["HostConfig"] = host
    return config


def _isolation(a: Any, config: dict[str, Any], host: dict[str, Any]) -> None:
    """Root filesystem, name resolution, tmpfs, security, stop and health options (as the CLI maps them)."""
    if a.read_only:
        host["ReadonlyRootfs"] = True
    if a.add_host:
        for spec in a.add_host:
            name, sep, ip = spec.partition(":")
            if not sep or not name or not ip:
                raise UsageError(f"invalid argument {spec!r} for --add-host: expected HOST:IP")
        host["ExtraHosts"] = list(a.add_host)
    if a.dns:
        host["Dns"] = list(a.dns)
    if a.tmpfs:
        tmpfs: dict[str, str] = {}
        for spec in a.tmpfs:
            path, _, opts = spec.partition(":")
            if not path.startswith("/"):
                raise UsageError(f"invalid argument {spec!r} for --tmpfs: the path must be absolute")
            tmpfs[path] = opts
        host["Tmpfs"] = tmpfs
    if a.security_opt:
        host["SecurityOpt"] = list(a.security_opt)
    if a.shm_size is not None:
        host["ShmSize"] = a.shm_size
    if a.stop_signal:
        config["StopSignal"] = a.stop_signal
    if a.stop_timeout is not None:
        config["StopTimeout"] = a.stop_timeout
    health = _healthcheck(a)
    if health is not None:
        config["Healthcheck"] = health


def _healthcheck(a: Any) -> dict[str, Any] | None:
    """``Config.Healthcheck`` from the ``--health-*`` options (durations in nanoseconds), or None."""
    if a.no_healthcheck:
        if a.health_cmd or a.health_interval or a.health_timeout or a.health_start_period or a.health_retries:
            raise UsageError("--no-healthcheck conflicts with --health-* options")
        return {"Test": ["NONE"]}
    check: dict[str, Any] = {}
    if a.health_cmd:
        check["Test"] = ["CMD-SHELL", a.health_cmd]
    for key, value in (
        ("Interval", a.health_interval),
        ("Timeout", a.health_timeout),
        ("StartPeriod", a.health_start_period),
    ):
        if value:
            try:
                seconds = parse_duration(value)
            except ValueError:
                raise UsageError(f"invalid duration {value!r} for --health-{key.lower()}") from None
            if seconds < 0:
                raise UsageError(f"--health-{key.lower()} cannot be negative")
            check[key] = int(seconds * 1e9)
    if a.health_retries is not None:
        if a.health_retries < 0:
            raise UsageError("--health-retries cannot be negative")
        check["Retries"] = a.health_retries
    return check or None


# -- creating --------------------------------------------------------------------------------------------


def pull_image(inv: Invocation, image: str) -> None:
    """Pull ``image`` as ``run``/``create`` do for a missing one: progress on stderr, errors raised."""
    from dshell.plugin import images_api, parse_reference, progress_error

    try:
        ref = parse_reference(image)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    tag = ref.digest or ref.tag or "latest"
    last: dict[str, str] = {}
    for event in images_api.pull(inv.client, ref.repository, tag):
        error = progress_error(event)
        if error:
            raise CommandFailed(f"pulling {image}: {error}")
        status, ident = event.get("status"), event.get("id")
        if not status or (ident and last.get(ident) == status):
            continue
        if ident:
            last[ident] = status
        inv.console.error(f"{ident}: {status}" if ident else status)
    inv.session.names.invalidate("images")


def create_with_pull(inv: Invocation, config: dict[str, Any], name: str | None, pull: str = "missing") -> str:
    """Create the container, pulling its image first when it is missing (``--pull``); return its id."""
    image = config["Image"]
    if pull == "always":
        pull_image(inv, image)
    try:
        reply = api.create_container(inv.client, config, name=name, platform=inv.args.get("platform"))
    except NotFound as exc:
        if pull == "never" or "No such image" not in exc.message:
            raise
        inv.console.error(f"Unable to find image '{image}' locally")
        pull_image(inv, image)
        reply = api.create_container(inv.client, config, name=name, platform=inv.args.get("platform"))
    inv.session.names.invalidate("containers")
    for warning in reply.get("Warnings") or []:
        inv.console.warn(warning)
    return str(reply["Id"])


def create(inv: Invocation) -> Lines:
    """``create``: print the new container's id."""
    a = inv.args
    return Lines([create_with_pull(inv, build_create_config(a), a.name, a.pull)])


# -- running -----------------------------------------------------------------------------------------------


def start_failure(name: str, exc: APIError) -> CommandFailed:
    """The CLI's statuses for a container that would not start: 127 no such command, 126 not executable."""
    text = exc.message
    low = text.lower()
    status = 125
    if "executable file not found" in low or "no such file or directory" in low:
        status = 127
    elif "permission denied" in low:
        status = 126
    return CommandFailed(f"failed to start container {name}: {text}", status=status)


def _exit_code(waiter: Any) -> Callable[[], int]:
    def status() -> int:
        body = api.wait_result(waiter)
        error = (body.get("Error") or {}).get("Message")
        if error:
            raise CommandFailed(error)
        return int(body.get("StatusCode", 0))

    return status


def run_attached(
    inv: Invocation, ident: str, name: str, *, tty: bool, stdin: bool, auto_remove: bool, sig_proxy: bool
) -> Result:
    """Attach (before starting, so no output is lost), start, stream; status = the container's exit code."""
    from dshell.plugin import is_terminal

    from .streams import interactive_session, output_frames, stdin_fd_of

    client = inv.client
    stdin_fd = stdin_fd_of(inv) if stdin else None
    if stdin and tty and not is_terminal(stdin_fd):
        raise CommandFailed("the input device is not a TTY")
    conn = api.attach_container(
        client, ident, {"stream": True, "stdin": stdin, "stdout": True, "stderr": True}
    )
    waiter = None
    try:
        waiter = api.wait_container(client, ident, condition="removed" if auto_remove else "next-exit")
        api.start_container(client, ident)
    except APIError as exc:
        conn.close()
        if waiter is not None:
            waiter.close()
        if auto_remove:
            try:
                api.remove_container(client, ident, force=True)
            except APIError:
                pass
        raise start_failure(name, exc) from None
    except BaseException:
        conn.close()
        if waiter is not None:
            waiter.close()
        raise
    inv.session.names.invalidate("containers")
    status = _exit_code(waiter)

    def interrupt() -> bool:
        """Forward Ctrl-C; True (keep printing until the container's output ends) once it was delivered."""
        if not sig_proxy:
            return False
        try:
            api.kill_container(client, ident, signal="SIGINT")
        except APIError:
            return False  # not running any more: nothing will come, stop here
        return True

    if stdin:
        interactive_session(
            inv,
            conn,
            tty=tty,
            stdin_fd=stdin_fd,
            resize=lambda rows, cols: api.resize_container(client, ident, rows, cols),
            on_interrupt=interrupt,
        )
        return Result(status=status())
    return Result(Frames(output_frames(conn, tty=tty, on_interrupt=interrupt)), status=status)


#: ``docker run``'s status when it fails itself (pulling, creating, reaching the daemon), not the container
RUN_FAILED = 125


def run(inv: Invocation) -> Any:
    """``run``: create (pulling if needed), then start detached (``-d``: print the id) or attached."""
    a = inv.args
    config = build_create_config(a, attach=not a.detach)
    try:
        ident = create_with_pull(inv, config, a.name, a.pull)
    except CommandFailed as exc:
        if exc.status == 1:
            exc.status = RUN_FAILED
        raise
    except DshellError as exc:
        exc.exit_status = RUN_FAILED  # the same message, the CLI's status
        raise
    if a.detach:
        try:
            api.start_container(inv.client, ident)
        except APIError as exc:
            raise start_failure(a.name or ident[:12], exc) from None
        return Lines([ident])
    return run_attached(
        inv,
        ident,
        a.name or ident[:12],
        tty=a.tty,
        stdin=a.interactive,
        auto_remove=a.rm,
        sig_proxy=a.sig_proxy,
    )


def start(inv: Invocation) -> Result:
    """``start``: start each container (printing its name); ``-a``/``-i`` attach to a single one."""
    a = inv.args
    if a.attach or a.interactive:
        if len(a.containers) > 1:
            raise UsageError("you cannot start and attach multiple containers at once")
        info = api.inspect_container(inv.client, a.containers[0])
        cfg = info.get("Config") or {}
        return run_attached(
            inv,
            info["Id"],
            a.containers[0],
            tty=bool(cfg.get("Tty")),
            stdin=a.interactive and bool(cfg.get("OpenStdin")),
            auto_remove=bool((info.get("HostConfig") or {}).get("AutoRemove")),
            sig_proxy=True,
        )
    done: list[str] = []
    errors: list[str] = []
    for name in a.containers:
        try:
            api.start_container(inv.client, name)
            done.append(name)
        except APIError as exc:
            errors.append(f"Error response from daemon: {exc.message}")
    inv.session.names.invalidate("containers")
    if errors:
        errors.append(
            "Error: failed to start containers: " + ", ".join(n for n in a.containers if n not in done)
        )
    return Result(Lines(done), errors=errors)
