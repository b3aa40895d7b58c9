"""The public plugin surface: built-in plugins and examples import only ``dshell.plugin``; a plugin written
against the old documented paths still installs and works; examples/dshell-hello's own tests pass with the
``dshell.testing`` pytest plugin."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from conftest import IMAGE, docker, run_dshell

ROOT = Path(__file__).resolve().parents[1]
#: What a plugin may import from dshell: the public surface only (and its tests, the pytest plugin).
PUBLIC = {"dshell.plugin", "dshell.testing"}


def _own_packages(path: Path) -> set[str]:
    """The names a plugin file may import besides dshell.plugin: its own package and module names."""
    if path.is_relative_to(ROOT / "plugins"):
        return {"dshell.plugins"}
    example = path.relative_to(ROOT / "examples").parts[0]
    base = ROOT / "examples" / example
    return {p.stem for p in base.glob("*.py")} | {
        p.name for p in base.iterdir() if (p / "__init__.py").exists()
    }


def _sources() -> list[Path]:
    files = sorted((ROOT / "plugins").rglob("*.py")) + sorted((ROOT / "examples").rglob("*.py"))
    return [f for f in files if "build" not in f.relative_to(ROOT).parts]


def dshell_imports(text: str, own: set[str]) -> list[tuple[int, str]]:
    """(line, module) of every import of a ``dshell`` module in ``text`` that is neither the public surface
    nor one of ``own`` (the plugin's own package)."""
    tree = ast.parse(text)
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: inside the plugin's own package
                continue
            modules = [node.module or ""]
        else:
            continue
        for module in modules:
            top = module.split(".")[0]
            if module in PUBLIC or any(module == o or module.startswith(o + ".") for o in own):
                continue
            if top == "dshell" or module.startswith("plugins"):
                bad.append((node.lineno, module))
    return bad


def test_plugins_and_examples_import_only_the_public_surface() -> None:
    files = _sources()
    assert len(files) >= 15, files  # the built-in plugins' modules and the example are all there
    offenders = [
        f"{f.relative_to(ROOT)}:{line}: {mod}"
        for f in files
        for line, mod in dshell_imports(f.read_text(), _own_packages(f))
    ]
    assert offenders == [], "plugins import internals instead of dshell.plugin:\n" + "\n".join(offenders)


def test_the_import_check_catches_an_internal_import() -> None:
    text = (
        "from dshell.plugin import hookimpl\nfrom . import ops\nfrom dshell.plugins.shell import x\n"
        "import dshell.core.session\nfrom dshell.output.render import y\nimport dshell\nimport json\n"
    )
    found = dshell_imports(text, _own_packages(ROOT / "plugins" / "shell" / "__init__.py"))
    assert found == [(4, "dshell.core.session"), (5, "dshell.output.render"), (6, "dshell")]


OLD_STYLE = '''
"""A plugin written against the import paths docs/plugins.md documented before dshell.plugin."""
from dshell.commands import Command, argument, flag
from dshell.hookspecs import hookimpl
from dshell.invocation import Invocation
from dshell.results import Table


def oldhello(inv: Invocation) -> Table:
    names = sorted(c["Names"][0].lstrip("/") for c in inv.client.get_json("/containers/json", params={"all": 1}))
    names = [n for n in names if n.startswith(inv.args.prefix or "")]
    if inv.args.upper:
        names = [n.upper() for n in names]
    return Table(("GREETING",), [(f"old hello {n}",) for n in names])


@hookimpl
def dshell_register_commands(registry):
    registry.add(
        Command(
            "oldhello",
            oldhello,
            "Greet every container, the old way",
            options=(flag("-u", "--upper", help="shout"),),
            arguments=(argument("prefix", "only names starting with this", nargs="?"),),
            json_output=True,
        )
    )
'''


def _pip_install(project: Path, target: Path) -> None:
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
            str(project),
        ],
        check=True,
        capture_output=True,
    )


def test_a_plugin_written_against_the_old_paths_installs_and_works(
    tmp_path: Path, daemon: str, prefix: str
) -> None:
    project = tmp_path / "src"
    project.mkdir()
    (project / "dshell_oldhello.py").write_text(OLD_STYLE)
    (project / "setup.cfg").write_text(
        "[metadata]\nname = dshell-oldhello\nversion = 0.2.0\n\n[options]\npy_modules = dshell_oldhello\n\n"
        "[options.entry_points]\ndshell =\n    oldhello = dshell_oldhello\n"
    )
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=64"]\nbuild-backend = "setuptools.build_meta"\n'
    )
    site = tmp_path / "site"
    _pip_install(project, site)
    docker("create", "--name", f"{prefix}-a", IMAGE, "true")
    env = {"PYTHONPATH": str(site)}
    r = run_dshell(daemon, "-c", f"oldhello -u {prefix}", env=env)
    assert r.status == 0, r.err
    assert r.out.splitlines() == ["GREETING", f"old hello {prefix.upper()}-A"]
    assert "warning" not in r.err  # DeprecationWarnings are not shown to the user
    # ... but a developer running with warnings on is told where the names live now
    r = run_dshell(daemon, "-c", "oldhello", env={**env, "PYTHONWARNINGS": "default::DeprecationWarning"})
    assert r.status == 0
    assert "dshell.commands" in r.err and "dshell.plugin" in r.err


def test_the_examples_own_tests_pass_with_dshell_testing(tmp_path: Path, daemon: str) -> None:
    """examples/dshell-hello/tests, pip-installed like a user would, run by pytest with dshell.testing."""
    example = ROOT / "examples" / "dshell-hello"
    site = tmp_path / "site"
    _pip_install(example, site)
    env = {
        **os.environ,
        "PYTHONPATH": str(site),
        "DSHELL_TEST_TCP": daemon,
        "DSHELL_TEST_IMAGE": IMAGE,
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(example),
            "-c",
            str(example / "pyproject.toml"),
            str(example / "tests"),
        ],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "5 passed" in proc.stdout, proc.stdout
    # the fixtures came from the installed entry point, and the example from the pip-installed copy
    assert (site / "dshell_hello.py").exists()


def test_dshell_testing_is_a_registered_pytest_plugin() -> None:
    from importlib.metadata import entry_points

    eps = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert eps.get("dshell") == "dshell.testing"


def test_dshell_testing_skips_without_a_daemon(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text("def test_x(dshell_run):\n    dshell_run('ps')\n")
    env = {k: v for k, v in os.environ.items() if k not in ("DSHELL_TEST_TCP", "DOCKER_HOST")}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", str(tmp_path)],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 0 and "1 skipped" in proc.stdout and "DOCKER_HOST" in proc.stdout, proc.stdout
