"""``dshell [HOST | NAME=URL …] [-c CMD | -f FILE]``: pick the daemons, build the session, run the chosen mode.

Imports stay lean on this path: prompt-toolkit only for the REPL, tabulate only when a styled table prints,
argparse only for ``--help``, ``--version`` and a command line :func:`fast_parse` leaves to it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, BinaryIO

from dshell import __version__
from dshell.api.address import (
    DaemonAddress,
    TLSConfig,
    daemon_name,
    parse_target,
    resolve_address,
    security_warnings,
    tls_config,
    tls_from_env,
)
from dshell.errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_USAGE, ConfigError, DshellError, ExitRequested
from dshell.output.console import Console

if TYPE_CHECKING:
    import argparse

    from dshell.core.session import Session


class CliOption:
    """One command-line option, declared once: argparse builds ``--help`` from it, :func:`fast_parse` reads it."""

    __slots__ = ("convert", "dest", "flags", "help", "metavar", "mode")

    def __init__(
        self,
        flags: tuple[str, ...],
        dest: str,
        help: str,
        *,
        metavar: str | None = None,
        convert: Any = None,
        mode: bool = False,
    ) -> None:
        self.flags = flags
        self.dest = dest
        self.help = help
        self.metavar = metavar  # None: a flag without a value
        self.convert = convert
        self.mode = mode  # -c and -f exclude each other


OPTIONS = (
    CliOption(("-H", "--host"), "host_flag", "daemon address (as docker -H)", metavar="HOST"),
    CliOption(
        ("-c", "--command"), "command", "run one command and exit with its status", metavar="CMD", mode=True
    ),
    CliOption(("-f", "--file"), "file", "run a command file ('-' for stdin)", metavar="FILE", mode=True),
    CliOption(("--keep-going",), "keep_going", "in a script, go on after a failing command"),
    CliOption(
        ("--dry-run",),
        "dry_run",
        "print each state-changing request (method, path, body) instead of sending it; reads still run",
    ),
    CliOption(("--json",), "json", "print JSON instead of tables (same as: set output json)"),
    CliOption(
        ("--timeout",), "timeout", "timeout for non-streaming requests", metavar="SECONDS", convert=float
    ),
    CliOption(
        ("--api-version",), "api_version", "use this API version (also DOCKER_API_VERSION)", metavar="X.Y"
    ),
    CliOption(
        ("--disable-plugins",),
        "disable_plugins",
        "do not load these plugins (also DSHELL_DISABLE_PLUGINS)",
        metavar="NAME,...",
    ),
    CliOption(("--tls",), "tls", "use TLS (verifying the daemon's certificate)"),
    CliOption(("--tlsverify",), "tlsverify", "use TLS and verify the daemon (the default with TLS)"),
    CliOption(("--tlscacert",), "tlscacert", "CA certificate to verify the daemon with", metavar="FILE"),
    CliOption(("--tlscert",), "tlscert", "client certificate", metavar="FILE"),
    CliOption(("--tlskey",), "tlskey", "client key", metavar="FILE"),
    CliOption(
        ("--insecure-skip-tls-verify",),
        "insecure_skip_tls_verify",
        "use TLS without verifying the daemon (unsafe)",
    ),
    CliOption(("--debug",), "debug", "show tracebacks"),
)
_BY_FLAG = {flag: opt for opt in OPTIONS for flag in opt.flags}


def build_parser() -> argparse.ArgumentParser:
    """The full argparse parser (``--help``, ``--version``, error messages), built from :data:`OPTIONS`."""
    import argparse

    p = argparse.ArgumentParser(
        prog="dshell",
        description="An interactive shell for the Docker Engine REST API.",
        epilog="With no HOST: DOCKER_HOST, then the current docker context, then unix:///var/run/docker.sock. "
        "A bare host means tcp://HOST:2375.",
    )
    p.add_argument(
        "host",
        nargs="*",
        help="daemons: HOST, HOST:PORT, tcp://HOST:PORT, unix:///PATH, ssh://USER@HOST or a docker context; "
        "NAME=URL names one (the first is the current daemon)",
    )
    mode = p.add_mutually_exclusive_group()
    for opt in OPTIONS:
        target = mode if opt.mode else p
        if opt.metavar is None:
            target.add_argument(*opt.flags, dest=opt.dest, action="store_true", help=opt.help)
        else:
            kw = {"type": opt.convert} if opt.convert else {}
            target.add_argument(*opt.flags, dest=opt.dest, metavar=opt.metavar, help=opt.help, **kw)
    p.add_argument("--version", action="version", version=f"dshell {__version__}")
    return p


def fast_parse(argv: Sequence[str]) -> SimpleNamespace | None:
    """Parse a plain command line without importing argparse; None for anything argparse must handle
    (``--help``, ``--version``, an unknown or abbreviated flag, a missing value, ``-c`` with ``-f``, …)."""
    values: dict[str, Any] = {opt.dest: (None if opt.metavar else False) for opt in OPTIONS}
    values["host"] = []
    it = iter(argv)
    for word in it:
        if word.startswith("-") and word != "-":
            name, eq, inline = word.partition("=")
            opt = _BY_FLAG.get(name)
            if opt is None or (eq and not name.startswith("--")):
                return None
            if opt.metavar is None:
                if eq:
                    return None
                values[opt.dest] = True
                continue
            value = inline if eq else next(it, None)
            if value is None or (not eq and value.startswith("-") and value != "-"):
                return None
            if opt.convert is not None:
                try:
                    value = opt.convert(value)
                except ValueError:
                    return None
            values[opt.dest] = value
        else:
            values["host"].append(word)
    if values["command"] is not None and values["file"] is not None:
        return None
    return SimpleNamespace(**values)


def tls_from_args(args: Any) -> TLSConfig | None:
    """A TLS config when any TLS flag is given (:func:`dshell.api.address.tls_config`)."""
    return tls_config(
        tls=args.tls,
        verify=args.tlsverify,
        cacert=args.tlscacert,
        cert=args.tlscert,
        key=args.tlskey,
        insecure=args.insecure_skip_tls_verify,
    )


def named_daemons(words: Sequence[str], tls: TLSConfig | None) -> list[tuple[str, DaemonAddress]]:
    """``NAME=URL`` and bare ``HOST`` words as (name, address); a bare word is named after its context or
    its host (a second daemon on the same host gets ``-2``, ``-3`` …)."""
    out: list[tuple[str, DaemonAddress]] = []
    taken: set[str] = set()
    for word in words:
        name, eq, target = word.partition("=")
        if eq and name and "/" not in name and ":" not in name:
            from dshell.core.targets import check_daemon_name

            check_daemon_name(name)
            address = parse_target(target, tls=tls)
        else:
            address = parse_target(word, tls=tls)
            name = address.source.split(" ", 1)[1] if address.source.startswith("context ") else ""
            name = name or daemon_name(address)
            base, n = name, 2
            while name in taken:
                name, n = f"{base}-{n}", n + 1
        if name in taken:
            raise ConfigError(f"two daemons named {name!r}")
        taken.add(name)
        out.append((name, address))
    return out


def split_script_args(argv: list[str]) -> tuple[list[str], list[str]]:
    """``-f FILE a b`` -> dshell's own arguments, and the script's parameters ($1 $2 …) after FILE.

    dshell's own flags right after FILE stay dshell's (``-f s.dsh --keep-going web``); the parameters start
    at the first other word, or after ``--``.
    """
    for i, word in enumerate(argv):
        if word in ("-f", "--file") and i + 1 < len(argv):
            return _own_flags_then_params(argv[: i + 2], argv[i + 2 :])
        if word.startswith("--file="):
            return _own_flags_then_params(argv[: i + 1], argv[i + 1 :])
        if word in ("-c", "--command"):
            break
    return argv, []


def _own_flags_then_params(own: list[str], rest: list[str]) -> tuple[list[str], list[str]]:
    i = 0
    while i < len(rest):
        word = rest[i]
        if word == "--":
            return own + rest[:i], rest[i + 1 :]
        opt = _BY_FLAG.get(word.partition("=")[0])
        if opt is None or opt.mode:
            break
        i += 2 if opt.metavar is not None and "=" not in word else 1
    return own + rest[:i], rest[i:]


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    argv, script_args = split_script_args(argv)
    args = fast_parse(argv) or build_parser().parse_args(argv)
    args.script_args = script_args
    console = Console()
    try:
        return _run(args, console)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except ExitRequested as exc:
        return exc.status
    except KeyboardInterrupt:  # while the session is being set up (a command reports its own)
        return EXIT_INTERRUPTED
    except SystemExit as exc:
        from dshell.api.files import Terminated

        if not isinstance(exc, Terminated):
            raise
        # SIGTERM or SIGHUP: the session has unwound (terminal modes restored, temporary files removed, the
        # session closed); leave now, without waiting on helper threads (a blocked completion or history
        # thread of prompt-toolkit's executor would otherwise hold the exit)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(exc.code if isinstance(exc.code, int) else EXIT_ERROR)
    except DshellError as exc:
        from dshell.core.runner import describe

        console.error(f"dshell: {describe(exc)}")
        return exc.exit_status  # 2 for a usage error (a bad daemon name, a certificate without its key)


def _run(args: Any, console: Console) -> int:
    from dshell.core.pluginhost import PluginHost
    from dshell.core.session import Session, disabled_plugins

    if args.host and args.host_flag:
        console.error("dshell: give the daemon either as HOST or with -H, not both")
        return EXIT_USAGE
    tls = tls_from_args(args) or tls_from_env(os.environ)
    if args.host:
        daemons = named_daemons(args.host, tls)
    else:
        daemons = [("default", resolve_address(args.host_flag, tls=tls))]
    for _, address in daemons:
        for warning in security_warnings(address):
            console.warn(warning)
    host = PluginHost(disabled=disabled_plugins(args.disable_plugins), warn=console.warn, debug=args.debug)
    kwargs = {"timeout": args.timeout} if args.timeout else {}
    first, address = daemons[0]
    session = Session(
        address, console=console, plugins=host, api_version=args.api_version, name=first, **kwargs
    )
    for name, other in daemons[1:]:
        session.add_daemon(name, other)
    # a one-shot or a script imports only the plugins its commands need (dshell.core.cmdindex)
    # (the REPL too: it loads the rest right after its first prompt is drawn)
    session.load_plugins(lazy=True, save_index=True)
    if args.json:
        session.set("output", "json")
    if args.debug:
        session.set("debug", "on")
    if args.timeout:
        session.set("timeout", str(args.timeout))
    session.start()
    script: BinaryIO | None = None
    try:
        if args.file is not None and args.file != "-":
            try:
                script = open(args.file, "rb")  # noqa: SIM115 (closed below); decoded line by line
                plain = not _mentions_dollar(script)
                return _run_session(session, args, script, plain)
            except OSError as exc:
                console.error(f"dshell: cannot read {args.file}: {exc.strerror or exc}")
                return EXIT_ERROR
        return _run_session(session, args, None, args.command is not None)
    finally:
        if script is not None:
            script.close()
        session.close()


def _run_session(session: Session, args: Any, script: BinaryIO | None, plain: bool) -> int:
    """Run ``-c``, ``-f`` or the REPL. ``plain``: no later line can read ``$_`` or a variable (one line, or a
    file without ``$``), so plain lines take runner.execute's plain path."""
    from dshell.core.script import run_script

    console = session.console
    if plain and not args.dry_run:
        session.keep_results = False
    else:
        from dshell.core.variables import state

        state(session).dry_run = bool(args.dry_run)
        if args.file is not None:
            state(session).params = list(getattr(args, "script_args", []))
    if args.command is not None:
        from dshell.core.runner import execute

        status = execute(session, args.command)
        if session.uses_automation:  # the line used the automation layer: it may have deferred
            from dshell.core.control import run_deferred

            status = run_deferred(session, status)
        return status
    if args.file is not None:
        if script is None:
            return run_script(session, _stdin_lines(), "<stdin>", keep_going=args.keep_going)
        return run_script(session, script, args.file, keep_going=args.keep_going)
    if not sys.stdin.isatty():
        return run_script(session, _stdin_lines(), "<stdin>", keep_going=args.keep_going)
    from dshell.api.files import signals_unwind
    from dshell.interactive import instant

    with signals_unwind():  # SIGTERM/SIGHUP before the line editor is up: the terminal is put back too
        shown = None
        try:
            shown = instant.show(session)  # the prompt before prompt-toolkit's import, which costs the most
            from dshell.interactive.repl import run_repl

            console.interactive = True
            status = run_repl(session, shown)
        finally:
            if shown is not None:
                shown.release()
    from dshell.core.control import run_deferred

    return run_deferred(session, status)  # what was deferred at the prompt runs on leaving it


def _mentions_dollar(fh: BinaryIO) -> bool:
    """Whether a script file has a ``$`` anywhere (a variable, ``$_``, ``$1``): only then do its results need
    keeping. A file that cannot be read twice (a pipe) counts as having one."""
    try:
        if not fh.seekable():
            return True
        found = False
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            if b"$" in chunk:
                found = True
                break
        fh.seek(0)
    except OSError:
        return True
    return found


def _stdin_lines() -> Any:
    """Standard input line by line, as bytes when it has a binary buffer (decoded by the script runner)."""
    return getattr(sys.stdin, "buffer", sys.stdin)
