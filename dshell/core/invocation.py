"""What a handler receives: the parsed arguments and the session they run in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from dshell.api.client import DockerClient
    from dshell.core.commands import Command, Namespace
    from dshell.core.session import Session
    from dshell.output.console import Console


@dataclass
class Invocation:
    """One run of one command."""

    session: Session
    command: Command
    args: Namespace
    line: str
    #: where the line comes from (``FILE:LINE`` in a script), prefixed to the error lines the renderer prints
    where: str = ""
    #: what becomes of the handler's result: None renders it on the console; ``@all`` hands each daemon's
    #: result to the fan-out instead (the function returns the exit status)
    deliver: Callable[[Any], int] | None = None

    @property
    def client(self) -> DockerClient:
        """The client of the daemon this command runs against."""
        return self.session.client

    @property
    def console(self) -> Console:
        return self.session.console
