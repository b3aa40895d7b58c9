"""Files dshell writes whole (``-o``, ``>``) get the mode a plain ``open`` would give them, not the 0o600 of the
temporary file they are written through; a file that is replaced keeps its mode."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from dshell.api.files import atomic_write


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_gets_what_the_umask_allows(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        with atomic_write(tmp_path / "new.txt", mode="w") as fh:
            fh.write("x")
    finally:
        os.umask(old)
    assert mode(tmp_path / "new.txt") == 0o640


def test_a_replaced_file_keeps_its_mode_and_secrets_stay_private(tmp_path: Path) -> None:
    target = tmp_path / "kept.txt"
    target.write_text("old")
    target.chmod(0o604)
    with atomic_write(target, mode="w") as fh:
        fh.write("new")
    assert (target.read_text(), mode(target)) == ("new", 0o604)
    with atomic_write(tmp_path / "secret.json", mode="w", permissions=0o600) as fh:
        fh.write("{}")
    assert mode(tmp_path / "secret.json") == 0o600
