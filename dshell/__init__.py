"""dshell: an interactive shell for the Docker Engine REST API."""

from __future__ import annotations

__version__ = "0.1.0"
