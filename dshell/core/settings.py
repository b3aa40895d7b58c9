"""Session settings (``set KEY VALUE``): declared once, by the core or by plugins, with type and choices."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from dshell.errors import UsageError

TABLE_FORMATS = (
    "docker",
    "plain",
    "simple",
    "github",
    "grid",
    "psql",
    "pipe",
    "rst",
    "orgtbl",
    "tsv",
    "html",
    "fancy_grid",
    "rounded_outline",
)


def parse_bool(value: str) -> bool:
    """``on/off``, ``true/false``, ``yes/no``, ``1/0``."""
    low = value.strip().lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected on or off")


@dataclass(frozen=True)
class Setting:
    """One setting: its name, default, help, allowed values and parser."""

    name: str
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    parse: Callable[[str], Any] = str


class Settings:
    """Declared settings and their current values for one session."""

    def __init__(self) -> None:
        self._declared: dict[str, Setting] = {}
        self._values: dict[str, Any] = {}

    def declare(self, setting: Setting) -> None:
        """Add a setting (a plugin may declare its own); re-declaring keeps the current value."""
        self._declared[setting.name] = setting
        self._values.setdefault(setting.name, setting.default)

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self._values.get(name, default)

    def set(self, name: str, raw: str | Any) -> Any:
        """Set ``name`` from text (``set output json``) or a ready value; returns the stored value."""
        setting = self._declared.get(name)
        if setting is None:
            from dshell.core.parser import suggest

            raise UsageError(f"unknown setting {name!r}{suggest(name, list(self._declared))}")
        value = raw
        if isinstance(raw, str):
            if setting.choices and raw not in setting.choices:
                raise UsageError(f"{name}: choose from {', '.join(setting.choices)}")
            try:
                value = setting.parse(raw)
            except ValueError as exc:
                raise UsageError(f"{name}: invalid value {raw!r}: {exc}") from None
        self._values[name] = value
        return value

    def __iter__(self) -> Iterator[Setting]:
        return iter(sorted(self._declared.values(), key=lambda s: s.name))


def core_settings() -> list[Setting]:
    """The settings the core itself reads."""
    return [
        Setting("output", "table", "How tables and documents print", ("table", "json")),
        Setting("table_format", "docker", "Table style (docker, or a tabulate format)", TABLE_FORMATS),
        Setting("timeout", 120.0, "Seconds to wait for a non-streaming reply", parse=float),
        Setting("debug", False, "Show tracebacks and HTTP requests", ("on", "off"), parse=parse_bool),
        Setting(
            "color",
            True,
            "Colour JSON and container states on a terminal (NO_COLOR wins)",
            ("on", "off"),
            parse_bool,
        ),
        Setting(
            "pager", False, "Page long tables and documents with $PAGER or less -R", ("on", "off"), parse_bool
        ),
        Setting("history_size", 10000, "History entries loaded at start (REPL)", parse=parse_count),
    ]


def parse_count(text: str) -> int:
    """A whole number, 0 or more."""
    value = int(text)
    if value < 0:
        raise ValueError("must be 0 or more")
    return value
