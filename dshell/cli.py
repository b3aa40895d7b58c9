"""``dshell [HOST] [-c CMD | -f FILE]``: pick the daemon, build the session, run the chosen mode.

Imports stay lean on this path: prompt-toolkit only for the REPL, tabulate only when a styled table prints,
argparse only for ``--help``, ``--version`` and a command line :func:`fast_parse` leaves to it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from dshell import __version__
from dshell.api.address import DaemonAddress, TLSConfig, resolve_address
from dshell.errors import EXIT_ERROR, EXIT_USAGE, DshellError, ExitRequested
from dshell.output.console import Console

if TYPE_CHECKING:
    import argparse


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
    p.add_argument("host", nargs="?", help="daemon: HOST, HOST:PORT, tcp://HOST:PORT or unix:///PATH")
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
    values["host"] = None
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
        elif values["host"] is None:
            values["host"] = word
        else:
            return None
    if values["command"] is not None and values["file"] is not None:
        return None
    return SimpleNamespace(**values)


def tls_from_args(args: Any) -> TLSConfig | None:
    """A TLS config when any TLS flag is given; verification stays on unless explicitly skipped."""
    if not (args.tls or args.tlsverify or args.tlscacert or args.tlscert or args.insecure_skip_tls_verify):
        return None
    verify: bool | str = args.tlscacert or True
    if args.insecure_skip_tls_verify:
        verify = False
    cert = (args.tlscert, args.tlskey) if args.tlscert and args.tlskey else None
    return TLSConfig(verify=verify, cert=cert)


def security_warnings(address: DaemonAddress) -> list[str]:
    """Plaintext TCP to a non-loopback daemon, or TLS without verification."""
    warnings = []
    if address.scheme == "tcp" and address.tls is None and not address.is_loopback:
        warnings.append(
            f"{address} is plaintext TCP to a non-loopback host: anyone on the network path can read and "
            "control this daemon; use TLS (--tls)"
        )
    if address.tls is not None and address.tls.verify is False:
        warnings.append(f"TLS certificate verification is off for {address}")
    return warnings


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = fast_parse(argv) or build_parser().parse_args(argv)
    console = Console()
    try:
        return _run(args, console)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except ExitRequested as exc:
        return exc.status
    except DshellError as exc:
        from dshell.core.runner import describe

        console.error(f"dshell: {describe(exc)}")
        return EXIT_ERROR


def _run(args: Any, console: Console) -> int:
    from dshell.core.pluginhost import PluginHost
    from dshell.core.script import run_script
    from dshell.core.session import Session, disabled_plugins

    if args.host and args.host_flag:
        console.error("dshell: give the daemon either as HOST or with -H, not both")
        return EXIT_USAGE
    address = resolve_address(args.host or args.host_flag, tls=tls_from_args(args))
    for warning in security_warnings(address):
        console.warn(warning)
    host = PluginHost(disabled=disabled_plugins(args.disable_plugins), warn=console.warn, debug=args.debug)
    kwargs = {"timeout": args.timeout} if args.timeout else {}
    session = Session(address, console=console, plugins=host, api_version=args.api_version, **kwargs)
    session.load_plugins()
    if args.json:
        session.set("output", "json")
    if args.debug:
        session.set("debug", "on")
    if args.timeout:
        session.set("timeout", str(args.timeout))
    session.start()
    try:
        if args.command is not None:
            from dshell.core.runner import execute

            return execute(session, args.command)
        if args.file is not None:
            if args.file == "-":
                return run_script(session, sys.stdin, "<stdin>", keep_going=args.keep_going)
            try:
                with open(args.file, encoding="utf-8") as fh:
                    return run_script(session, fh, args.file, keep_going=args.keep_going)
            except OSError as exc:
                console.error(f"dshell: cannot read {args.file}: {exc.strerror or exc}")
                return EXIT_ERROR
        if not sys.stdin.isatty():
            return run_script(session, sys.stdin, "<stdin>", keep_going=args.keep_going)
        from dshell.interactive.repl import run_repl

        console.interactive = True
        return run_repl(session)
    finally:
        session.close()
