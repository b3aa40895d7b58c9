"""dshell: an interactive shell for the Docker Engine REST API."""

from __future__ import annotations

from dshell import _compat

__version__ = "0.1.0"

_compat.install()
