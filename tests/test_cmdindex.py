"""The command index (dshell.core.cmdindex): a one-shot imports only the plugin that owns its command, and
behaves as with every plugin loaded — hooks of plugins that implement more than commands, overrides,
``--disable-plugins``, help and unknown commands, an index gone stale."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from conftest import TCP, need_daemon

from dshell.core.cmdindex import CommandIndex, IndexedPlugin

PROBE = (
    "import sys, io\n"
    "from dshell.cli import main\n"
    "out = sys.stdout\n"
    "sys.stdout = io.StringIO()\n"
    "status = main(sys.argv[1:])\n"
    "out.write(repr((status, sys.stdout.getvalue(), sorted(sys.modules))))\n"
)


def one_shot(cache: Path, *args: str, path: Path | None = None) -> tuple[int, str, list[str], str]:
    """``dshell TCP ARGS`` in a fresh interpreter: (status, stdout, modules imported, stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DSHELL_DISABLE", "DOCKER_"))}
    env["XDG_CACHE_HOME"] = str(cache)
    env["XDG_CONFIG_HOME"] = str(cache / "no-config")
    if path is not None:
        env["PYTHONPATH"] = str(path)
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, TCP, *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tempfile.gettempdir(),  # not the source tree, whose dshell/ would shadow the installed package
    )
    assert proc.stdout, proc.stderr
    status, out, modules = ast.literal_eval(proc.stdout)
    return status, out, modules, proc.stderr


def plugin_modules(modules: list[str]) -> set[str]:
    return {m for m in modules if m.startswith("dshell.plugins.") and m.count(".") == 2}


def test_a_one_shot_imports_only_the_plugin_of_its_command(tmp_path: Path) -> None:
    need_daemon()
    first = one_shot(tmp_path, "-c", "ps -a -q --filter label=dshell-no-such-label")
    assert first[0] == 0, first[3]
    assert list((tmp_path / "dshell").glob("commands-*.json")), "the first run writes the index"
    status, out, modules, err = one_shot(tmp_path, "-c", "ps -a -q --filter label=dshell-no-such-label")
    assert (status, out) == first[:2], err
    assert plugin_modules(modules) == {"dshell.plugins.containers"}
    heavy = {
        "prompt_toolkit",
        "tabulate",
        "dshell.api.catalogue",
        "dshell.core.pipeline",
        "dshell.core.expand",
    }
    heavy |= {"dshell.core.variables", "hashlib", "jmespath"}
    assert heavy.isdisjoint(modules), heavy & set(modules)


def test_help_unknown_commands_and_disabled_plugins_as_with_a_full_load(tmp_path: Path) -> None:
    need_daemon()
    one_shot(tmp_path, "-c", "help")  # writes the index
    full = one_shot(tmp_path / "other", "-c", "help")  # no index yet: a full load
    lazy = one_shot(tmp_path, "-c", "help")
    assert lazy[:2] == full[:2] and "images" in lazy[1] and "ps" in lazy[1]
    unknown = one_shot(tmp_path, "-c", "pss -a")
    assert unknown[0] != 0 and "unknown command: pss" in unknown[3] and "ps" in unknown[3]
    off = one_shot(tmp_path, "--disable-plugins", "containers", "-c", "ps")
    assert off[0] != 0 and "unknown command: ps" in off[3]
    grouped = one_shot(tmp_path, "-c", "image")  # a word that only starts multi-word names
    assert grouped[0] == 0 and "Run 'image COMMAND --help'" in grouped[1]
    listing = one_shot(tmp_path, "-c", "plugins")
    assert all(p in listing[1] for p in ("shell", "containers", "images", "raw"))


def write_plugin(site: Path, dist: str, module: str, body: str) -> Path:
    """A distribution with one ``dshell`` entry point, on a folder that goes on PYTHONPATH."""
    info = site / f"{dist}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n\n")
    (info / "entry_points.txt").write_text(f"[dshell]\n{module} = {module}\n")
    path = site / f"{module}.py"
    path.write_text(textwrap.dedent(body))
    return path


HOOKED = """
    import os
    from dshell.plugin import hookimpl

    @hookimpl
    def dshell_session_started(session):
        with open(os.environ["MARKER"], "a") as fh:
            fh.write("started\\n")
"""

OVERRIDE = """
    from dshell.plugin import Command, Text, hookimpl

    @hookimpl
    def dshell_register_commands(registry):
        registry.add(Command("ps", lambda inv: Text("overridden ps"), "ps, replaced"), replace_existing=True)
        registry.add(Command("hello3p", lambda inv: Text("hello from a plugin"), "Say hello"))
"""


def test_plugins_with_session_hooks_always_load_and_overrides_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    need_daemon()
    site = tmp_path / "site"
    write_plugin(site, "dshell_hooked", "dshell_hooked_probe", HOOKED)
    write_plugin(site, "dshell_override", "dshell_override_probe", OVERRIDE)
    marker = tmp_path / "marker"
    monkeypatch.setenv("MARKER", str(marker))
    for _ in range(2):  # the first run writes the index, the second uses it
        status, out, modules, err = one_shot(tmp_path, "-c", "ps", path=site)
        assert (status, out.strip()) == (0, "overridden ps"), err
    assert marker.read_text() == "started\n" * 2
    assert "dshell_override_probe" in modules and "dshell_hooked_probe" in modules
    status, out, modules, _ = one_shot(tmp_path, "-c", "echo hi", path=site)
    assert (status, out.strip()) == (0, "hi")
    assert "dshell_override_probe" not in modules, "a plugin whose commands are not asked for stays unloaded"
    assert "dshell_hooked_probe" in modules, "a plugin implementing session hooks always loads"
    assert marker.read_text() == "started\n" * 3


def test_a_stale_index_is_rebuilt(tmp_path: Path) -> None:
    need_daemon()
    site = tmp_path / "site"
    site.mkdir()
    assert one_shot(tmp_path, "-c", "echo x", path=site)[0] == 0  # index without the plugin
    path = write_plugin(site, "dshell_late", "dshell_late_probe", OVERRIDE)  # installed afterwards
    status, out, _, err = one_shot(tmp_path, "-c", "hello3p", path=site)
    assert (status, out.strip()) == (0, "hello from a plugin"), err
    path.write_text(path.read_text().replace('"hello3p"', '"hello4p"'))  # an editable plugin changed
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    status, out, _, err = one_shot(tmp_path, "-c", "hello4p", path=site)
    assert (status, out.strip()) == (0, "hello from a plugin"), err
    # rebuilt in place: one index file for this installation, not one per change
    assert [p.name.startswith("commands-") for p in (tmp_path / "dshell").iterdir()] == [True]


def test_groups_join_plugins_that_share_a_name() -> None:
    def plugin(name: str, *commands: str) -> IndexedPlugin:
        return IndexedPlugin(name, name, "d", "1", False, False, list(commands))

    index = CommandIndex([], [plugin("a", "ps", "top"), plugin("b", "images"), plugin("c", "ps", "x")])
    assert index.group("c") == ["a", "c"]
    assert index.group("b") == ["b"]
    assert index.owners["ps"] == ["a", "c"]


def test_index_files_of_gone_installations_are_pruned(tmp_path: Path) -> None:
    """Writing an index removes the files of installations whose ``sys.prefix`` no longer exists."""
    import json

    from dshell.core import cmdindex

    live = tmp_path / "venv-live"
    live.mkdir()
    ours = tmp_path / "commands-00000001.json"
    other_live = tmp_path / "commands-00000002.json"
    other_gone = tmp_path / "commands-00000003.json"
    unreadable = tmp_path / "commands-00000004.json"
    for path, prefix in ((other_live, str(live)), (other_gone, str(tmp_path / "venv-deleted"))):
        path.write_text(json.dumps({"version": 1, "key": ["0", "3.11", prefix, []], "plugins": []}))
    unreadable.write_text("not json")
    cmdindex.save(cmdindex.CommandIndex(cmdindex.fingerprint(), []), str(ours))
    assert ours.is_file() and other_live.is_file() and unreadable.is_file()
    assert not other_gone.exists()


def test_console_script_takes_ctrl_c_quietly_while_loading() -> None:
    """While ``dshell.entry`` imports the CLI, SIGINT has its default action (no traceback from an import);
    Python's handler is back before the CLI runs."""
    code = textwrap.dedent(
        """
        import signal, sys
        seen = []

        class Watch:
            def find_spec(self, name, path=None, target=None):
                if name == "dshell.cli":
                    seen.append(signal.getsignal(signal.SIGINT))
                return None

        sys.meta_path.insert(0, Watch())
        from dshell import entry
        import builtins
        real_import = builtins.__import__

        def spy(name, *args, **kwargs):
            module = real_import(name, *args, **kwargs)
            if name == "dshell.cli":
                module.main = lambda: seen.append(signal.getsignal(signal.SIGINT)) or 0
            return module

        builtins.__import__ = spy
        entry.main()
        print(seen[0] is signal.SIG_DFL, seen[-1] is signal.default_int_handler)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tempfile.gettempdir(),
    )
    assert proc.stdout.split() == ["True", "True"], proc.stderr
