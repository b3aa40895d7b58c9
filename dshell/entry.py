"""The ``dshell`` console script's entry point.

While Python loads dshell (~70 ms), Ctrl-C takes the signal's default action: dshell ends at once with the
status a shell reports for it, as the Docker CLI does, instead of printing a ``KeyboardInterrupt`` traceback
from the middle of an import. :func:`dshell.cli.main` puts Python's own handler back before anything runs.
"""

from __future__ import annotations

import signal


def main() -> int:
    previous = signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        from dshell.cli import main as cli_main
    finally:
        signal.signal(signal.SIGINT, previous)
    return cli_main()
