"""``dshell [HOST] [-c CMD | -f FILE]``: pick the daemon, build the session, run the chosen mode.

Imports stay lean on this path: prompt-toolkit only for the REPL, tabulate only when a styled table prints.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from dshell import __version__
from dshell.api.address import DaemonAddress, TLSConfig, resolve_address
from dshell.console import Console
from dshell.errors import EXIT_ERROR, EXIT_USAGE, DshellError, ExitRequested


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dshell",
        description="An interactive shell for the Docker Engine REST API.",
        epilog="With no HOST: DOCKER_HOST, then the current docker context, then unix:///var/run/docker.sock. "
        "A bare host means tcp://HOST:2375.",
    )
    p.add_argument("host", nargs="?", help="daemon: HOST, HOST:PORT, tcp://HOST:PORT or unix:///PATH")
    p.add_argument("-H", "--host", dest="host_flag", metavar="HOST", help="daemon address (as docker -H)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("-c", "--command", metavar="CMD", help="run one command and exit with its status")
    mode.add_argument("-f", "--file", metavar="FILE", help="run a command file ('-' for stdin)")
    p.add_argument("--keep-going", action="store_true", help="in a script, go on after a failing command")
    p.add_argument(
        "--json", action="store_true", help="print JSON instead of tables (same as: set output json)"
    )
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="timeout for non-streaming requests")
    p.add_argument("--api-version", metavar="X.Y", help="use this API version (also DOCKER_API_VERSION)")
    p.add_argument(
        "--disable-plugins",
        metavar="NAME,...",
        help="do not load these plugins (also DSHELL_DISABLE_PLUGINS)",
    )
    p.add_argument("--tls", action="store_true", help="use TLS (verifying the daemon's certificate)")
    p.add_argument(
        "--tlsverify", action="store_true", help="use TLS and verify the daemon (the default with TLS)"
    )
    p.add_argument("--tlscacert", metavar="FILE", help="CA certificate to verify the daemon with")
    p.add_argument("--tlscert", metavar="FILE", help="client certificate")
    p.add_argument("--tlskey", metavar="FILE", help="client key")
    p.add_argument(
        "--insecure-skip-tls-verify",
        action="store_true",
        help="use TLS without verifying the daemon (unsafe)",
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.add_argument("--version", action="version", version=f"dshell {__version__}")
    return p


def tls_from_args(args: argparse.Namespace) -> TLSConfig | None:
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
    args = build_parser().parse_args(argv)
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
        from dshell.runner import describe

        console.error(f"dshell: {describe(exc)}")
        return EXIT_ERROR


def _run(args: argparse.Namespace, console: Console) -> int:
    from dshell.pluginhost import PluginHost
    from dshell.script import run_script
    from dshell.session import Session, disabled_plugins

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
            from dshell.runner import execute

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
        from dshell.repl import run_repl

        console.interactive = True
        return run_repl(session)
    finally:
        session.close()
