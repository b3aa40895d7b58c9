"""Helpers plugins share to turn Docker CLI argument forms into API values."""

from __future__ import annotations

from collections.abc import Iterable

from dshell.errors import UsageError


def parse_filters(values: Iterable[str]) -> dict[str, list[str]]:
    """``--filter k=v`` (repeatable) -> the API's ``{"k": ["v", ...]}``."""
    filters: dict[str, list[str]] = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key:
            raise UsageError(f"bad format of filter (expected name=value): {value!r}")
        filters.setdefault(key.strip().lower(), []).append(val)
    return filters


def parse_key_values(values: Iterable[str], *, what: str = "value") -> dict[str, str]:
    """``-l k=v`` / ``--label k`` (repeatable) -> ``{"k": "v"}`` (a bare key maps to "")."""
    out: dict[str, str] = {}
    for value in values:
        key, _, val = value.partition("=")
        if not key:
            raise UsageError(f"invalid {what}: {value!r}")
        out[key] = val
    return out


def ellipsis(text: str, width: int) -> str:
    """Shorten like the Docker CLI: keep ``width`` characters, the last one an ellipsis."""
    if len(text) <= width:
        return text
    return text[: max(width - 1, 0)] + "…"


def short_id(ident: str, *, no_trunc: bool = False) -> str:
    """A 12-character id (``sha256:`` dropped), or the full id with ``no_trunc``."""
    if ident.startswith("sha256:"):
        ident = ident[len("sha256:") :] if not no_trunc else ident
    return ident if no_trunc else ident[:12]
