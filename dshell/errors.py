"""Every failure dshell knows how to explain, and the exit status each maps to.

Known failures carry a one-line message for the user; a traceback is only shown with ``--debug``.
"""

from __future__ import annotations

from typing import ClassVar

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class DshellError(Exception):
    """Base class: a failure with a message fit to show the user as it is. ``exit_status`` is the class's
    status, which a command may set on one instance (``docker run`` reports its own failures as 125)."""

    exit_status: int = EXIT_ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(DshellError):
    """A command line that does not fit the command's declaration."""

    exit_status = EXIT_USAGE


class ConfigError(DshellError):
    """A bad address, context, setting or file given to dshell."""


class PluginError(DshellError):
    """A plugin that could not be loaded or registered."""


class CommandFailed(DshellError):
    """A command that ran and failed; ``status`` becomes the exit status."""

    def __init__(self, message: str, *, status: int = EXIT_ERROR, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status


class ConnectionFailed(DshellError):
    """The daemon could not be reached at all (nothing listening, permission, TLS, DNS, timeout)."""

    def __init__(self, address: str, cause: str, *, hint: str | None = None) -> None:
        super().__init__(f"cannot connect to the Docker daemon at {address}: {cause}", hint=hint)
        self.address = address
        self.cause = cause


class APIError(DshellError):
    """A non-2xx reply from the daemon, carrying the daemon's own ``message``."""

    status_code: ClassVar[int] = 0

    def __init__(self, message: str, *, status: int, method: str = "", path: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.method = method
        self.path = path

    @property
    def status_line(self) -> str:
        """``404 Not Found`` style text for the raw plugin."""
        from http import HTTPStatus

        try:
            return f"{self.status} {HTTPStatus(self.status).phrase}"
        except ValueError:
            return str(self.status)


class NotModified(APIError):
    """304: the container was already started/stopped."""

    status_code = 304


class BadRequest(APIError):
    """400: the daemon refused the parameters."""

    status_code = 400


class Unauthorized(APIError):
    """401: the registry or daemon wants credentials."""

    status_code = 401


class Forbidden(APIError):
    """403: not allowed (e.g. removing a swarm-managed object)."""

    status_code = 403


class NotFound(APIError):
    """404: no such container, image, network, …"""

    status_code = 404


class Conflict(APIError):
    """409: the object is in use, running, or the name is taken."""

    status_code = 409


class ServerError(APIError):
    """500: the daemon failed."""

    status_code = 500


class Unavailable(APIError):
    """503: e.g. the node is not a swarm manager."""

    status_code = 503


_TYPED = (NotModified, BadRequest, Unauthorized, Forbidden, NotFound, Conflict, ServerError, Unavailable)
_BY_STATUS: dict[int, type[APIError]] = {cls.status_code: cls for cls in _TYPED}


#: ``/KIND/NAME…`` paths and how the daemon words a missing object of each kind.
_MISSING = {
    "containers": "No such container: {}",
    "images": "No such image: {}",
    "networks": "network {} not found",
    "volumes": "get {}: no such volume",
    "exec": "No such exec instance: {}",
    "plugins": "plugin {} not found",
    "services": "service {} not found",
    "nodes": "node {} not found",
    "secrets": "secret {} not found",
    "configs": "config {} not found",
    "tasks": "task {} not found",
}


def missing_object(path: str) -> str | None:
    """For a request on one object (``/v1.45/containers/x%2F..%2Fv/kill``), the daemon's "no such" message."""
    from urllib.parse import unquote

    parts = path.partition("?")[0].split("/")
    if len(parts) > 1 and parts[1].startswith("v") and parts[1][1:].replace(".", "").isdigit():
        del parts[1]  # the API version prefix
    if len(parts) < 3 or parts[1] not in _MISSING or not parts[2]:
        return None
    name = unquote(parts[2])
    if parts[1] == "images" and len(parts) > 3 and parts[-1] in ("json", "history", "push", "tag", "get"):
        name = unquote("/".join(parts[2:-1]))  # an image name of several segments
    return _MISSING[parts[1]].format(name)


def api_error(status: int, message: str, *, method: str = "", path: str = "") -> APIError:
    """The typed error for an HTTP ``status``.

    A redirect for a request on one named object is the daemon's router cleaning a name with ``/`` or
    ``..`` in it (``rm 'x/../victim'`` -> ``301 Moved Permanently``): nothing was done, and no object has
    such a name, so it reads as the daemon's own "No such container: x/../victim" (404).
    """
    if 300 <= status < 400:
        missing = missing_object(path)
        if missing is not None:
            return NotFound(missing, status=404, method=method, path=path)
    cls = _BY_STATUS.get(status, APIError)
    return cls(message, status=status, method=method, path=path)


class ExitRequested(BaseException):
    """``exit`` / ``quit``: the REPL or script stops with ``status``."""

    def __init__(self, status: int = 0) -> None:
        super().__init__(status)
        self.status = status
