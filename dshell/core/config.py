"""The config file, ``$XDG_CONFIG_HOME/dshell/config`` (default ``~/.config/dshell/config``), in TOML.

Settings are top-level keys (or in a ``[settings]`` table), with the names ``set`` knows; aliases go in an
``[aliases]`` table::

    output = "table"          # or "json"
    table_format = "psql"
    color = false
    pager = false
    history_size = 5000

    [aliases]
    lsa = "ps -a"

The file gives defaults: a setting already changed on the command line (``--json``, ``--timeout``) keeps the
command line's value. A bad file or entry is reported in one warning and skipped; dshell still starts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dshell.errors import DshellError

if TYPE_CHECKING:
    from dshell.core.session import Session


def config_dir() -> Path:
    """``$XDG_CONFIG_HOME/dshell`` (default ``~/.config/dshell``)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "dshell"


def config_path() -> Path:
    return config_dir() / "config"


@dataclass
class Config:
    """What the file says: settings as text (as ``set`` takes them), aliases, and what was wrong with it."""

    settings: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    path: Path | None = None


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def parse_config(text: str, *, where: str = "config") -> Config:
    """Parse the TOML text of a config file (pure)."""
    import tomllib

    cfg = Config()
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        cfg.warnings.append(f"{where}: not valid TOML ({exc}); ignored")
        return cfg
    table = dict(doc.get("settings") or {}) if isinstance(doc.get("settings"), dict) else {}
    for key, value in doc.items():
        if key in ("settings", "aliases"):
            continue
        if isinstance(value, dict | list):
            cfg.warnings.append(f"{where}: [{key}] is not a dshell section; ignored")
            continue
        table[key] = value
    for key, value in table.items():
        if isinstance(value, dict | list):
            cfg.warnings.append(f"{where}: setting {key} must be a single value; ignored")
            continue
        cfg.settings[key] = _as_text(value)
    aliases = doc.get("aliases") or {}
    if not isinstance(aliases, dict):
        cfg.warnings.append(f"{where}: aliases must be a table ([aliases]); ignored")
        aliases = {}
    for name, expansion in aliases.items():
        if not isinstance(expansion, str) or not expansion.strip():
            cfg.warnings.append(f"{where}: alias {name} must be a command line in quotes; ignored")
            continue
        cfg.aliases[name] = expansion.strip()
    return cfg


def load_config(path: Path | None = None) -> Config:
    """Read the config file; a missing file is an empty config."""
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(path=path)
    except OSError as exc:
        return Config(warnings=[f"{path}: cannot read: {exc.strerror or exc}"], path=path)
    cfg = parse_config(text, where=str(path))
    cfg.path = path
    return cfg


def apply_config(session: Session, cfg: Config) -> list[str]:
    """Apply ``cfg`` to ``session``: settings still at their default, then aliases. Returns the warnings."""
    warnings = list(cfg.warnings)
    where = str(cfg.path or "config")
    defaults = {s.name: s.default for s in session.settings}
    for key, value in cfg.settings.items():
        if key in defaults and session.settings.get(key) != defaults[key]:
            continue  # given on the command line: that wins
        try:
            session.set(key, value)
        except DshellError as exc:
            warnings.append(f"{where}: {exc.message}")
    for name, expansion in cfg.aliases.items():
        from dshell.core import aliases  # only with aliases to define: a one-shot without skips it

        try:
            aliases.define(session.registry, name, expansion)
        except DshellError as exc:
            warnings.append(f"{where}: {exc.message}")
    return warnings
