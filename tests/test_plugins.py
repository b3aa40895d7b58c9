"""Plugins: third-party distributions add commands; broken ones warn and are skipped; every hook documented."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_dshell

from dshell.core import hookspecs

ROOT = Path(__file__).resolve().parents[1]


def fake_dist(where: Path, dist: str, module: str, source: str, entry: str | None = None) -> None:
    """An installed distribution as importlib.metadata sees one: a module plus a .dist-info folder."""
    (where / f"{module}.py").write_text(source)
    info = where / f"{dist.replace('-', '_')}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text(f"[dshell]\n{entry or module} = {module}\n")


def test_every_hook_is_documented_with_its_signature() -> None:
    doc = (ROOT / "docs" / "plugins.md").read_text()
    hooks = [(n, f) for n, f in inspect.getmembers(hookspecs, inspect.isfunction) if n.startswith("dshell_")]
    assert len(hooks) >= 7
    for name, fn in hooks:
        sig = str(inspect.signature(fn)).replace("'", "")
        assert f"`{name}{sig}`" in doc, f"{name}{sig} is not documented in docs/plugins.md"
        assert fn.__doc__, f"{name} has no docstring"


@pytest.fixture(scope="module")
def hello_plugin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/dshell-hello really pip-installed (into its own target directory)."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(ROOT / "examples" / "dshell-hello"),
        ],
        check=True,
        capture_output=True,
    )
    return target


def test_third_party_distribution_adds_a_command(hello_plugin: Path, daemon: str, prefix: str) -> None:
    from conftest import IMAGE, docker

    docker("create", "--name", f"{prefix}-one", IMAGE, "true")
    env = {"PYTHONPATH": str(hello_plugin)}
    r = run_dshell(daemon, "-c", f"hello {prefix}", env=env)
    assert r.status == 0, r.err
    assert r.out.splitlines() == ["GREETING", f"hello {prefix}-one"]
    r = run_dshell(daemon, "-c", "plugins", env=env)
    line = next(x for x in r.out.splitlines() if x.startswith("hello"))
    assert "0.1.0" in line and "dshell-hello" in line and "third-party" in line
    r = run_dshell(daemon, "-c", "help hello", env=env)
    assert "Greet every container" in r.out and "-u, --upper" in r.out
    r = run_dshell(daemon, "--disable-plugins", "hello", "-c", "hello", env=env)
    assert r.status == 2 and "unknown command: hello" in r.err


def test_broken_plugins_warn_and_are_skipped(tmp_path: Path, daemon: str) -> None:
    fake_dist(
        tmp_path, "broken-import", "broken_import", "raise ImportError('missing dependency frobnitz')\n"
    )
    fake_dist(
        tmp_path,
        "broken-hook",
        "broken_hook",
        "from dshell.core.hookspecs import hookimpl\n"
        "@hookimpl\n"
        "def dshell_register_commands(registry):\n"
        "    raise RuntimeError('bad registration')\n",
    )
    fake_dist(
        tmp_path,
        "clash",
        "clash_plugin",
        "from dshell.core.commands import Command\nfrom dshell.core.hookspecs import hookimpl\n"
        "@hookimpl\n"
        "def dshell_register_commands(registry):\n"
        "    registry.add(Command('ps', lambda inv: None, 'fake ps'))\n",
    )
    env = {"PYTHONPATH": str(tmp_path)}
    r = run_dshell(daemon, "-c", "ps -a -q", env=env)
    assert r.status == 0
    assert (
        "plugin 'broken_import' (from broken-import) failed to load: ImportError: missing dependency frobnitz"
        in r.err
    )
    assert "plugin 'broken_hook' failed in dshell_register_commands: RuntimeError: bad registration" in r.err
    assert "command 'ps' is already registered by 'containers'" in r.err
    assert "Traceback" not in r.err
    r = run_dshell(
        daemon, "-c", "ps -q", env={**env, "DSHELL_DISABLE_PLUGINS": "broken_import,broken_hook,clash_plugin"}
    )
    assert r.status == 0 and r.err == ""


def test_disabling_a_builtin(daemon: str) -> None:
    r = run_dshell(daemon, "-c", "ps", env={"DSHELL_DISABLE_PLUGINS": "containers"})
    assert r.status == 2 and "unknown command: ps" in r.err
    r = run_dshell(daemon, "-c", "images -q", env={"DSHELL_DISABLE_PLUGINS": "containers"})
    assert r.status == 0


def test_builtins_are_entry_points() -> None:
    from importlib.metadata import entry_points

    eps = {ep.name: ep.value for ep in entry_points(group="dshell") if ep.dist and ep.dist.name == "dshell"}
    for name in ("shell", "containers", "images", "raw"):
        assert eps[name] == f"dshell.plugins.{name}"
    import sysconfig

    import dshell.plugins.containers

    installed = Path(dshell.plugins.containers.__file__)
    assert (installed.parent.name, installed.name) == ("containers", "__init__.py")
    for key in ("purelib", "platlib"):
        site = Path(sysconfig.get_paths()[key])
        assert not (site / "plugins").exists(), f"a bare 'plugins' package was installed into {site}"
