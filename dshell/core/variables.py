"""The automation language's state: variables, captured results, script parameters, deferred commands.

One :class:`Automation` per session (:func:`state`). A variable holds either text (``NAME=VALUE``) or a
:class:`Capture` (``NAME := COMMAND``): the command's result as data — what ``--json`` would print — plus,
when the result names a Docker object, that object's kind and id, so a field path or ``wait-until`` can
re-inspect it. Nothing here talks to a terminal; the expansion rules live in :mod:`dshell.core.expand`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dshell.core.session import Session

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

#: Inspect endpoint of each kind of object a capture can refer to.
INSPECT_PATHS = {
    "container": "/containers/{}/json",
    "network": "/networks/{}",
    "volume": "/volumes/{}",
    "image": "/images/{}/json",
    "exec": "/exec/{}/json",
}


@dataclass
class Capture:
    """A command's result kept as data; ``kind``/``ident`` name the Docker object it refers to, if any."""

    data: Any
    kind: str | None = None
    ident: str | None = None
    line: str = ""
    dry_run: bool = False

    def scalar(self) -> str:
        """``$NAME``: the object's id, else its name, else the text of the result."""
        if self.ident:
            return self.ident
        return scalar_of(self.data)


@dataclass
class Automation:
    """Everything the automation layer keeps for one session."""

    values: dict[str, str | Capture] = field(default_factory=dict)
    #: Script parameters ($1 …); None where there are none (the REPL, ``-c``).
    params: list[str] | None = None
    #: Deferred command lines, with where they were deferred (FILE:LINE), run last first.
    deferred: list[tuple[str, str]] = field(default_factory=list)
    #: The last command's result (``$_``) as data.
    last_result: Any = None
    #: Where the statement being run comes from (FILE:LINE), for ``defer``.
    where: str = ""
    dry_run: bool = False

    def set(self, name: str, value: str | Capture) -> None:
        if not NAME_RE.match(name):
            raise ValueError(f"bad variable name {name!r}")
        self.values[name] = value

    def unset(self, name: str) -> bool:
        return self.values.pop(name, None) is not None

    def listing(self) -> list[tuple[str, str, str]]:
        """``(name, kind, value)`` rows for ``vars``."""
        rows = []
        for name in sorted(self.values):
            value = self.values[name]
            if isinstance(value, Capture):
                kind = f"capture ({value.kind})" if value.kind else "capture"
                rows.append((name, kind, _short(value.scalar())))
            else:
                rows.append((name, "text", _short(value)))
        return rows


def state(session: Session) -> Automation:
    """The session's automation state, made on first use."""
    found = session.__dict__.get("_automation")
    if found is None:
        found = Automation()
        session.__dict__["_automation"] = found
    return found  # type: ignore[no-any-return]


def _short(text: str, width: int = 60) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def ident_of(data: Any) -> str | None:
    """The id (else name) a JSON document carries: ``Id``, ``ID``, ``id``, ``Name``, ``Names[0]``."""
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if not isinstance(data, dict):
        return None
    for key in ("Id", "ID", "id"):
        if isinstance(data.get(key), str) and data[key]:
            return str(data[key])
    return name_of(data)


def name_of(data: dict[str, Any]) -> str | None:
    name = data.get("Name") or data.get("name")
    if isinstance(name, str) and name:
        return name.lstrip("/")
    names = data.get("Names")
    if isinstance(names, list) and names and isinstance(names[0], str):
        return names[0].lstrip("/")
    return None


def scalar_of(data: Any) -> str:
    """One value as text: an id or name for a document, the text itself for text, JSON otherwise."""
    if data is None:
        return ""
    if isinstance(data, str):
        return data.strip()
    if isinstance(data, bool):
        return "true" if data else "false"
    if isinstance(data, int | float):
        return str(data)
    found = ident_of(data)
    if found is not None:
        return found
    import json

    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def words_of(data: Any) -> list[str]:
    """The words a result passes on (``CMD1 | CMD2``, ``$(…)``): each document's id, or the text's words."""
    if data is None:
        return []
    if isinstance(data, str):
        return data.split()
    if isinstance(data, list):
        out: list[str] = []
        for item in data:
            if isinstance(item, str | int | float | bool):
                out.append(scalar_of(item))
            elif item is not None:
                out.append(ident_of(item) or scalar_of(item))
        return out
    return [scalar_of(data)]


def guess_kind(command_name: str, plugin: str, line: str) -> str | None:
    """Which kind of object a capturing command's result refers to (for re-inspecting it)."""
    for word in ("network", "volume"):
        if command_name.startswith(word):
            return word
    if plugin == "raw":
        found = re.search(r"/(containers|networks|volumes|images|exec)\b", line)
        if found:
            return {"containers": "container", "networks": "network", "volumes": "volume"}.get(
                found.group(1), found.group(1).rstrip("s")
            )
        return None
    if plugin == "images" or command_name.startswith("image"):
        return "image"
    if plugin == "containers":
        return "container"
    return None


def inspect(session: Session, capture: Capture) -> Any:
    """The current inspect document of the object ``capture`` refers to (None when it refers to none)."""
    if capture.kind not in INSPECT_PATHS or not capture.ident:
        return None
    return session.client.get_json(INSPECT_PATHS[capture.kind], capture.ident)
