"""Write docs/commands.md from the built-in plugins' command declarations (``--check``: fail if stale)."""

from __future__ import annotations

import sys
from pathlib import Path

from dshell.api.address import parse_address
from dshell.core.commands import CommandRegistry
from dshell.core.helptext import markdown
from dshell.core.session import Session
from dshell.output.console import Console

TARGET = Path(__file__).resolve().parents[1] / "docs" / "commands.md"


def generate() -> str:
    session = Session(parse_address("unix:///nonexistent.sock"), console=Console(stdin=None))
    session.load_plugins()
    builtin = {p.name for p in session.plugins.plugins if p.builtin}
    registry = CommandRegistry()
    for cmd in session.registry:
        if cmd.plugin in builtin:
            registry.add(cmd)
    return markdown(registry) + "\n"


def main() -> int:
    text = generate()
    if "--check" in sys.argv:
        if not TARGET.exists() or TARGET.read_text() != text:
            print(f"{TARGET} is out of date: run python scripts/gen_docs.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text)
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
